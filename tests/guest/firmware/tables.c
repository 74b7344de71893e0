/*
 * The firmware tables as a multiprocessor OS booted directly sees them:
 * the BIOS data area, the MP floating pointer and configuration table (MPS
 * 1.4 chapter 4: checksums, one enabled processor entry per vCPU with the
 * BSP flag on the running CPU, CPUID signature and features, the ISA bus,
 * the IOAPIC, the ISA interrupt routing, LINT0/LINT1), then the ACPI tables
 * (ACPI 6.x chapter 5: RSDP, RSDT/XSDT, FADT, FACS, DSDT, MADT) with their
 * checksums and contents. Every CPU each table names is started with
 * INIT-SIPI-SIPI and must run the trampoline. Kernel command line: cpus=N
 * (the -smp count) and acpi=0 when run with -machine acpi=off, in which case
 * no RSDP may exist while the MP table still does.
 */
#include "fwlib.h"

const char *test_name = "fw-tables";

static struct fw_args args;
static uint32_t mp_irq9_flags = 0xffff;

static void check_bda(void)
{
    uint32_t ebda = fw_ebda_base();

    CHECK_EQ(ebda, 0x9fc00, "BDA 0x40E: EBDA segment 0x9FC0");
    CHECK_EQ(*(volatile uint16_t *)phys(0x413), 639, "BDA 0x413: 639 KiB base memory");
    CHECK_EQ(*(volatile uint16_t *)phys(0x400), 0x3f8, "BDA 0x400: COM1 at 0x3F8");
    CHECK_EQ(*(volatile uint8_t *)phys(ebda), 1, "EBDA byte 0: its size, 1 KiB");
}

/*
 * Start every CPU a table lists but the running one. The first AP not
 * answering is a skip unless aps=1: an accelerator that does not act on
 * INIT and SIPI (the interpreter before SMP start-up) is not the tables'
 * fault. A later AP not answering is always a failure.
 */
static void start_from_list(const char *src, const uint8_t *ids, int n)
{
    uint8_t own = fw_own_apic_id();
    bool ok[256];
    int started = 0, tried = 0;

    fw_ap_reset();
    for (int i = 0; i < n; i++) {
        if (ids[i] == own) {
            continue;
        }
        ok[i] = fw_start_cpu(ids[i]);
        started += ok[i];
        if (++tried == 1 && !ok[i] && !args.aps) {
            rt_printf("ok 0 - %s: start %d APs # SKIP the first AP did not answer "
                      "INIT-SIPI-SIPI: this accelerator does not start APs "
                      "(aps=1 where one does)\n", src, n - 1);
            return;
        }
    }
    fw_delay_us(10000);
    rt_printf("# %s: started %d APs of %d CPUs\n", src, started, n);
    for (int i = 0; i < n; i++) {
        if (ids[i] != own) {
            CHECK(ok[i], "%s: the AP with APIC ID %u ran the trampoline", src, ids[i]);
        }
    }
    CHECK_EQ(fw_ap_count(), n - 1, "APs started from the table, each once");
    CHECK(!fw_ap_seen(own), "%s: the BSP did not run the trampoline", src);
}

static void check_mp(void)
{
    const uint8_t *ebda_mpf = fw_find_mpf_in(fw_ebda_base(), 1024);
    const uint8_t *bios_mpf = fw_find_mpf_in(0xf0000, 0x10000);
    uint32_t a, b, c, d;

    CHECK(ebda_mpf != NULL, "MP floating pointer in the first KiB of the EBDA");
    CHECK(bios_mpf != NULL, "MP floating pointer in 0xF0000-0xFFFFF");
    const uint8_t *mpf = ebda_mpf ? ebda_mpf : bios_mpf;
    if (!mpf) {
        return;
    }
    if (ebda_mpf && bios_mpf) {
        CHECK_EQ(rd32(ebda_mpf + 4), rd32(bios_mpf + 4),
                 "both floating pointers name the same configuration table");
    }
    CHECK_EQ(mpf[9], 4, "floating pointer: spec revision 1.4");
    CHECK_EQ(mpf[11], 0, "floating pointer: feature 1 = 0, a configuration table");
    CHECK_EQ(mpf[12] & 0x80, 0, "floating pointer: IMCRP clear (virtual wire)");

    const uint8_t *ct = (const uint8_t *)phys(rd32(mpf + 4));
    CHECK(ct != NULL && fw_sig(ct, "PCMP"), "configuration table signature PCMP");
    if (!ct || !fw_sig(ct, "PCMP")) {
        return;
    }
    uint16_t len = rd16(ct + 4), count = rd16(ct + 34), ext_len = rd16(ct + 40);
    CHECK_EQ(fw_sum(ct, len), 0, "configuration table base checksum");
    CHECK_EQ((uint8_t)(fw_sum(ct + len, ext_len) + ct[42]), 0,
             "configuration table extended checksum");
    CHECK_EQ(ct[6], 4, "configuration table: spec revision 1.4");
    CHECK_EQ(rd32(ct + 36), LAPIC_BASE, "configuration table: LAPIC at 0xFEE00000");

    cpuid(1, 0, &a, &b, &c, &d);
    uint8_t ids[256], own = fw_own_apic_id();
    int ncpu = 0, nbsp = 0, nbus = 0, nioapic = 0, nlint = 0, bad_type = 0;
    int isa_bus = -1, ioapic_id = -1;
    int irq_pin[16], irq_count[16];
    bool dup = false, lint0_extint = false, lint1_nmi = false;
    for (int i = 0; i < 16; i++) {
        irq_pin[i] = -1;
        irq_count[i] = 0;
    }
    const uint8_t *e = ct + 44, *end = ct + len;
    for (int i = 0; i < count && e < end; i++) {
        switch (e[0]) {
        case 0:
            for (int j = 0; j < ncpu; j++) {
                dup |= ids[j] == e[1];
            }
            ids[ncpu++] = e[1];
            CHECK(e[3] & 1, "processor %u is enabled", e[1]);
            if (e[3] & 2) {
                nbsp++;
                CHECK_EQ(e[1], own, "the BSP flag is on the running CPU's APIC ID");
            }
            CHECK_EQ(e[2], lapic_read(LAPIC_VER) & 0xff,
                     "processor entry: the LAPIC version register's version");
            CHECK_EQ(rd32(e + 4), a, "processor entry: CPUID.1 EAX signature");
            if (args.kvm) {
                /* docs/kvm.md: the table has the model's features; the PVM
                 * flavour of KVM adds VME, SS and HTT to what the guest
                 * sees, hardware-assisted KVM nothing. */
                uint32_t kernel_added = (1u << 1) | (1u << 27) | (1u << 28);
                CHECK_EQ(rd32(e + 8) | (d & kernel_added), d,
                         "processor entry: CPUID.1 EDX features (under kvm, "
                         "plus the bits the kernel may add)");
            } else {
                CHECK_EQ(rd32(e + 8), d, "processor entry: CPUID.1 EDX features");
            }
            e += 20;
            break;
        case 1:
            nbus++;
            if (fw_sig(e + 2, "ISA   ")) {
                isa_bus = e[1];
            }
            e += 8;
            break;
        case 2:
            nioapic++;
            ioapic_id = e[1];
            CHECK(e[3] & 1, "IOAPIC entry enabled");
            CHECK_EQ(rd32(e + 4), IOAPIC_BASE, "IOAPIC at 0xFEC00000");
            CHECK_EQ(e[2], ioapic_read(IOAPIC_BASE, 1) & 0xff,
                     "IOAPIC entry: the IOAPIC version register's version");
            CHECK_EQ(e[1], (ioapic_read(IOAPIC_BASE, 0) >> 24) & 0xf,
                     "IOAPIC entry: the IOAPIC ID register's ID");
            e += 8;
            break;
        case 3:
            if (e[1] == 0 && e[4] == isa_bus && e[5] < 16) {
                irq_count[e[5]]++;
                irq_pin[e[5]] = e[6] == ioapic_id ? e[7] : -2;
                if (e[5] == 9) {
                    mp_irq9_flags = rd16(e + 2);
                }
            }
            e += 8;
            break;
        case 4:
            nlint++;
            if (e[1] == 3 && e[6] == 0xff && e[7] == 0) {
                lint0_extint = true;
            }
            if (e[1] == 1 && e[6] == 0xff && e[7] == 1) {
                lint1_nmi = true;
            }
            e += 8;
            break;
        default:
            bad_type++;
            e = end;
            break;
        }
    }
    CHECK(e == end, "the entries fill the base table exactly");
    CHECK_EQ(bad_type, 0, "only entry types 0-4");
    CHECK_EQ(ncpu, args.cpus, "one processor entry per vCPU");
    CHECK_EQ(nbsp, 1, "exactly one processor has the BSP flag");
    CHECK(!dup, "processor APIC IDs are distinct");
    CHECK_EQ(nbus, 1, "one bus entry");
    CHECK(isa_bus >= 0, "the bus is ISA");
    CHECK_EQ(nioapic, 1, "one IOAPIC entry");
    for (int irq = 0; irq < 16; irq++) {
        if (irq == 2) {
            CHECK_EQ(irq_count[2], 0, "no I/O interrupt entry for the cascade IRQ 2");
            continue;
        }
        CHECK(irq_count[irq] == 1 && irq_pin[irq] == (irq == 0 ? 2 : irq),
              "ISA IRQ %d -> IOAPIC pin %d (entries %d, pin %d)", irq,
              irq == 0 ? 2 : irq, irq_count[irq], irq_pin[irq]);
    }
    CHECK(lint0_extint, "ExtINT -> LINT0 of every LAPIC");
    CHECK(lint1_nmi, "NMI -> LINT1 of every LAPIC");
    CHECK_EQ(nlint, 2, "two local interrupt entries");

    start_from_list("MP table", ids, ncpu);
}

static void check_sdt(const uint8_t *t, const char *sig)
{
    CHECK(t != NULL, "%s is listed", sig);
    if (t) {
        CHECK_EQ(fw_sum(t, rd32(t + 4)), 0, "table checksum");
    }
}

static int count_str(const uint8_t *p, uint32_t n, const char *s)
{
    int k = 0;
    for (uint32_t i = 0; i + 8 <= n; i++) {
        k += fw_sig(p + i, s);
    }
    return k;
}

static void check_madt(const uint8_t *m)
{
    uint8_t ids[256], own = fw_own_apic_id();
    int ncpu = 0, nioapic = 0, nmi = 0;
    bool iso0 = false, iso9 = false, own_seen = false, uid_ok = true;
    uint32_t len = rd32(m + 4);

    CHECK_EQ(rd32(m + 36), LAPIC_BASE, "MADT: LAPIC address");
    CHECK_EQ(rd32(m + 40) & 1, 1, "MADT: PCAT_COMPAT");
    for (const uint8_t *e = m + 44; e < m + len; e += e[1]) {
        if (e[1] < 2) {
            CHECK(false, "MADT entry length %u", e[1]);
            break;
        }
        switch (e[0]) {
        case 0:
            CHECK_EQ(rd32(e + 4) & 1, 1, "MADT LAPIC enabled");
            uid_ok &= e[2] == ncpu;
            own_seen |= e[3] == own;
            ids[ncpu++] = e[3];
            break;
        case 1:
            nioapic++;
            CHECK_EQ(rd32(e + 4), IOAPIC_BASE, "MADT IOAPIC address");
            CHECK_EQ(rd32(e + 8), 0, "MADT IOAPIC GSI base 0");
            CHECK_EQ(e[2], (ioapic_read(IOAPIC_BASE, 0) >> 24) & 0xf,
                     "MADT IOAPIC ID is the IOAPIC's ID register");
            break;
        case 2:
            if (e[2] == 0 && e[3] == 0) {
                iso0 = rd32(e + 4) == 2;
            } else if (e[2] == 0 && e[3] == 9) {
                iso9 = rd32(e + 4) == 9;
                CHECK_EQ(rd16(e + 8), 0xd, "SCI override: level, active high");
                if (mp_irq9_flags != 0xffff) {
                    CHECK_EQ(mp_irq9_flags, rd16(e + 8),
                             "MP table IRQ 9 flags match the MADT SCI override");
                }
            }
            break;
        case 4:
            nmi += e[2] == 0xff && e[5] == 1;
            break;
        }
    }
    CHECK_EQ(ncpu, args.cpus, "MADT: one LAPIC per vCPU");
    CHECK(uid_ok, "MADT: processor UIDs are the CPU indexes");
    CHECK(own_seen, "MADT: the running CPU's APIC ID is listed");
    CHECK_EQ(nioapic, 1, "MADT: one IOAPIC");
    CHECK(iso0, "MADT: override IRQ 0 -> GSI 2");
    CHECK(iso9, "MADT: override IRQ 9 (SCI) -> GSI 9");
    CHECK_EQ(nmi, 1, "MADT: LAPIC NMI on LINT1 for all processors");

    start_from_list("MADT", ids, ncpu);
}

static void check_acpi(void)
{
    const uint8_t *rsdp = fw_find_rsdp();

    if (!args.acpi) {
        CHECK(rsdp == NULL, "acpi=off: no RSDP anywhere it is searched for");
        return;
    }
    CHECK(rsdp != NULL, "RSDP found on a 16-byte boundary in 0xE0000-0xFFFFF");
    if (!rsdp) {
        return;
    }
    CHECK((ureg)rsdp >= 0xe0000 && (ureg)rsdp < 0x100000, "RSDP in the BIOS area");
    CHECK_EQ(rsdp[15], 2, "RSDP revision 2");
    CHECK_EQ(rd32(rsdp + 20), 36, "RSDP length 36");
    CHECK_EQ(fw_sum(rsdp, 36), 0, "RSDP extended checksum");

    const uint8_t *rsdt = (const uint8_t *)phys(rd32(rsdp + 16));
    const uint8_t *xsdt = (const uint8_t *)phys(rd64(rsdp + 24));
    CHECK(fw_sig(rsdt, "RSDT"), "RSDT signature");
    CHECK(fw_sig(xsdt, "XSDT"), "XSDT signature");
    CHECK_EQ(fw_sum(rsdt, rd32(rsdt + 4)), 0, "RSDT checksum");
    CHECK_EQ(fw_sum(xsdt, rd32(xsdt + 4)), 0, "XSDT checksum");
    uint32_t n = (rd32(rsdt + 4) - 36) / 4;
    CHECK_EQ((rd32(xsdt + 4) - 36) / 8, n, "RSDT and XSDT list as many tables");
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(rd32(rsdt + 36 + 4 * i), rd64(xsdt + 36 + 8 * i),
                 "RSDT and XSDT entry");
    }

    const uint8_t *fadt = fw_acpi_table(rsdp, "FACP");
    check_sdt(fadt, "FADT");
    if (fadt) {
        CHECK_EQ(rd32(fadt + 4), 276, "FADT length (ACPI 6.0)");
        CHECK_EQ(rd16(fadt + 46), 9, "FADT SCI_INT 9");
        CHECK_EQ(rd32(fadt + 48), 0, "FADT no SMI_CMD (always in ACPI mode)");
        uint32_t evt = rd32(fadt + 56), cnt = rd32(fadt + 64), tmr = rd32(fadt + 76);
        CHECK(evt && fadt[88] == 4, "FADT PM1a_EVT_BLK, 4 bytes");
        CHECK(cnt && fadt[89] == 2, "FADT PM1a_CNT_BLK, 2 bytes");
        CHECK(tmr && fadt[91] == 4, "FADT PM_TMR_BLK, 4 bytes");
        CHECK_EQ(rd32(fadt + 112) & (1u << 8), 1u << 8, "FADT TMR_VAL_EXT");
        CHECK_EQ(rd32(fadt + 112) & (1u << 10), 1u << 10, "FADT RESET_REG_SUP");
        CHECK(fadt[116] == 1 && rd64(fadt + 120) == 0xcf9 && fadt[128] == 6,
              "FADT reset register: I/O 0xCF9 <- 0x06");
        CHECK_EQ(rd16(fadt + 109) & 3, 3, "FADT IA-PC boot flags: legacy devices, 8042");
        CHECK_EQ(rd64(fadt + 140), rd32(fadt + 40), "FADT X_DSDT = DSDT");
        CHECK(fadt[148] == 1 && rd64(fadt + 152) == evt, "FADT X_PM1a_EVT_BLK");
        CHECK(fadt[172] == 1 && rd64(fadt + 176) == cnt, "FADT X_PM1a_CNT_BLK");
        CHECK(fadt[208] == 1 && rd64(fadt + 212) == tmr, "FADT X_PM_TMR_BLK");
        CHECK(inw(evt + 2) == inw(evt + 2) && (inw(cnt) & 1), "PM1a_CNT SCI_EN reads 1");

        /* The PM timer counts (3.579545 MHz of virtual time). */
        uint32_t t0 = inl(tmr), t1 = t0;
        for (unsigned i = 0; i < 50000000 && t1 == t0; i++) {
            t1 = inl(tmr);
        }
        CHECK(t1 != t0, "the PM timer counts (0x%x -> 0x%x)", t0, t1);

        const uint8_t *facs = (const uint8_t *)phys(rd32(fadt + 36));
        CHECK(facs && fw_sig(facs, "FACS"), "FACS signature");
        CHECK(((ureg)facs & 63) == 0, "FACS 64-byte aligned");
        CHECK(rd32(facs + 4) >= 64, "FACS length >= 64");

        const uint8_t *dsdt = (const uint8_t *)phys(rd32(fadt + 40));
        CHECK(fw_sig(dsdt, "DSDT"), "DSDT signature");
        CHECK_EQ(fw_sum(dsdt, rd32(dsdt + 4)), 0, "DSDT checksum");
        CHECK_EQ(count_str(dsdt, rd32(dsdt + 4), "ACPI0007"), args.cpus,
                 "DSDT: one ACPI0007 processor device per vCPU");
        CHECK_EQ(count_str(dsdt, rd32(dsdt + 4), "_S5_"), 1, "DSDT: one \\_S5");
    }
    const uint8_t *madt = fw_acpi_table(rsdp, "APIC");
    check_sdt(madt, "MADT");
    if (madt) {
        check_madt(madt);
    }
}

void test_main(void)
{
    fw_parse_args(&args);
    rt_printf("# cpus=%d acpi=%d, running on APIC ID %u\n", args.cpus, args.acpi,
              fw_own_apic_id());
    check_bda();
    check_mp();
    check_acpi();
}
