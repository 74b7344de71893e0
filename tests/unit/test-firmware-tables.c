/*
 * Unit tests of the machine description and the firmware tables derived
 * from it (BDA, MP table, ACPI, device tree) and of the ACPI PM block:
 * tables generated into buffers from hand-built descriptions and walked as
 * an OS would (signatures, lengths, checksums, one entry per vCPU), decoded
 * by `iasl -d` and `dtc` where those tools are installed, and the PM
 * registers driven through the I/O address space with the virtual clock in
 * qtest mode.
 */
#include "qemu/osdep.h"
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "hw/i386/machine-desc.h"
#include "hw/i386/firmware-tables.h"
#include "hw/acpi/pm.h"
#include "hw/boards.h"
#include "hw/isa.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "config-host.h"
#ifdef CONFIG_FDT
#include <libfdt.h>
#endif

#define MiB (1024 * 1024ULL)
#define GiB (1024 * MiB)

static const unsigned cpu_counts[] = { 1, 2, 4, 8 };

static uint16_t rd16(const uint8_t *p) { return p[0] | (p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static MachineDesc *desc_new(unsigned ncpus, uint64_t ram, unsigned serials,
                             bool acpi)
{
    GError *err = NULL;
    MachineDesc *d = machine_desc_new(ncpus, ram, serials, acpi, &err);

    g_assert_no_error(err);
    g_assert_nonnull(d);
    return d;
}

/* --- machine description --------------------------------------------- */

static void test_desc_cpus_get_apic_ids_and_one_bsp(void)
{
    for (size_t k = 0; k < G_N_ELEMENTS(cpu_counts); k++) {
        MachineDesc *d = desc_new(cpu_counts[k], 128 * MiB, 1, true);

        g_assert_cmpuint(d->ncpus, ==, cpu_counts[k]);
        for (unsigned i = 0; i < d->ncpus; i++) {
            g_assert_cmpuint(d->cpus[i].index, ==, i);
            g_assert_cmpuint(d->cpus[i].apic_id, ==, i);
            g_assert_cmpint(d->cpus[i].bsp, ==, i == 0);
        }
        /* The IOAPIC keeps its reset ID, 0 (xAPIC: no shared APIC bus). */
        g_assert_cmpuint(d->ioapic.id, ==, 0);
        machine_desc_free(d);
    }
}

static void test_desc_rejects_bad_cpu_counts_and_tiny_ram(void)
{
    GError *err = NULL;

    g_assert_null(machine_desc_new(0, 128 * MiB, 0, true, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(machine_desc_new(256, 128 * MiB, 0, true, &err));
    g_assert_nonnull(strstr(err->message, "255"));
    g_clear_error(&err);
    g_assert_null(machine_desc_new(1, 1 * MiB, 0, true, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

static void test_desc_ram_map_is_e820_style(void)
{
    MachineDesc *d = desc_new(1, 128 * MiB, 0, true);

    g_assert_cmpuint(d->nram, ==, 4);
    g_assert_cmpuint(d->ram[0].base, ==, 0);
    g_assert_cmpuint(d->ram[0].size, ==, 639 * 1024);
    g_assert_cmpint(d->ram[0].type, ==, MD_RAM_USABLE);
    g_assert_cmpint(d->ram[1].type, ==, MD_RAM_RESERVED);
    g_assert_cmpuint(d->ram[2].base, ==, 0xE0000);
    g_assert_cmpint(d->ram[2].type, ==, MD_RAM_RESERVED);
    g_assert_cmpuint(d->ram[3].base, ==, 1 * MiB);
    g_assert_cmpuint(d->ram[3].base + d->ram[3].size, ==, 128 * MiB);
    machine_desc_free(d);

    /* 4.5 GiB: 3.5 GiB below the hole, 1 GiB from 4 GiB. */
    d = desc_new(1, 4 * GiB + 512 * MiB, 0, true);
    g_assert_cmpuint(d->nram, ==, 5);
    g_assert_cmpuint(d->ram[3].base + d->ram[3].size, ==, 0xE0000000ULL);
    g_assert_cmpuint(d->ram[4].base, ==, 4 * GiB);
    g_assert_cmpuint(d->ram[4].size, ==, 1 * GiB);
    machine_desc_free(d);
}

static void test_desc_isa_irqs_route_pit_to_gsi2(void)
{
    MachineDesc *d = desc_new(1, 128 * MiB, 0x3, true);
    const MachineDescIsaDev *com1 = machine_desc_find_isa(d, MD_ISA_SERIAL, 0);
    const MachineDescIsaDev *com2 = machine_desc_find_isa(d, MD_ISA_SERIAL, 1);

    g_assert_nonnull(com1);
    g_assert_cmpuint(com1->port, ==, 0x3F8);
    g_assert_cmpint(com1->irq, ==, 4);
    g_assert_cmpuint(com2->port, ==, 0x2F8);
    g_assert_cmpint(com2->irq, ==, 3);
    g_assert_null(machine_desc_find_isa(d, MD_ISA_SERIAL, 2));
    g_assert_cmpint(machine_desc_find_isa(d, MD_ISA_RTC, 0)->irq, ==, 8);
    g_assert_cmpint(machine_desc_find_isa(d, MD_ISA_KBC, 0)->irq, ==, 1);
    g_assert_cmpint(machine_desc_find_isa(d, MD_ISA_KBC, 0)->irq2, ==, 12);
    g_assert_cmpint(machine_desc_find_isa(d, MD_ISA_PIT, 0)->irq, ==, 0);
    g_assert_cmpuint(machine_desc_isa_irq_to_gsi(d, 0), ==, 2);
    g_assert_cmpuint(machine_desc_isa_irq_to_gsi(d, 4), ==, 4);
    g_assert_false(d->isa_irq[2].present);
    g_assert_cmpint(d->sci_irq, ==, 9);
    g_assert_cmpuint(d->isa_irq[9].flags, ==,
                     MD_IRQ_POLARITY_HIGH | MD_IRQ_TRIGGER_LEVEL);
    machine_desc_free(d);
}

/* --- BDA --------------------------------------------------------------- */

static void test_bda_has_ebda_segment_base_memory_and_com1(void)
{
    MachineDesc *d = desc_new(2, 128 * MiB, 1, true);
    size_t len;
    g_autofree uint8_t *bda = bios_data_build(d, &len);

    g_assert_cmpuint(len, ==, FW_BDA_SIZE);
    g_assert_cmphex(rd16(bda + 0x00), ==, 0x3F8);        /* 0x400 */
    g_assert_cmphex(rd16(bda + 0x02), ==, 0);            /* no COM2 */
    g_assert_cmphex(rd16(bda + 0x0E), ==, 0x9FC0);       /* 0x40E */
    g_assert_cmpuint(rd16(bda + 0x13), ==, 639);         /* 0x413 */
    machine_desc_free(d);
}

/* --- MP table --------------------------------------------------------- */

#define TEST_MP_SIG   0x000806A1u   /* family 6, model 0x8A: an example */
#define TEST_MP_FEAT  0x0781ABFDu

static void check_mptable(unsigned ncpus)
{
    MachineDesc *d = desc_new(ncpus, 128 * MiB, 1, true);
    MPTables mp = { 0 };
    const uint8_t *t, *e;
    unsigned count, procs = 0, buses = 0, ioapics = 0, ioints = 0, lints = 0;
    bool irq_seen[16] = { false };

    mptable_build(d, 0xF0010, TEST_MP_SIG, TEST_MP_FEAT, &mp);
    /* Floating pointer: "_MP_", pointer, 1 paragraph, rev 1.4, IMCRP 0. */
    g_assert_cmpmem(mp.floating, 4, "_MP_", 4);
    g_assert_cmphex(rd32(mp.floating + 4), ==, 0xF0010);
    g_assert_cmpuint(mp.floating[8], ==, 1);
    g_assert_cmpuint(mp.floating[9], ==, 4);
    g_assert_cmpuint(fw_checksum(mp.floating, 16), ==, 0);
    g_assert_cmpuint(mp.floating[11], ==, 0);
    g_assert_cmpuint(mp.floating[12] & 0x80, ==, 0);

    t = mp.config->data;
    g_assert_cmpmem(t, 4, "PCMP", 4);
    g_assert_cmpuint(rd16(t + 4), ==, mp.config->len);
    g_assert_cmpuint(t[6], ==, 4);
    g_assert_cmpuint(fw_checksum(t, mp.config->len), ==, 0);
    g_assert_cmphex(rd32(t + 36), ==, 0xFEE00000);
    g_assert_cmpuint(rd16(t + 40), ==, 0);      /* no extended table */
    count = rd16(t + 34);

    e = t + 44;
    for (unsigned i = 0; i < count; i++) {
        g_assert_cmpuint(e[0], <=, 4);          /* only types 0-4 */
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, procs);          /* APIC ID */
            g_assert_cmphex(e[2], ==, 0x14);
            g_assert_cmpuint(e[3] & 1, ==, 1);          /* enabled */
            g_assert_cmpuint(!!(e[3] & 2), ==, procs == 0);
            g_assert_cmphex(rd32(e + 4), ==, TEST_MP_SIG);
            g_assert_cmphex(rd32(e + 8), ==, TEST_MP_FEAT);
            procs++;
            e += 20;
            break;
        case 1:
            g_assert_cmpmem(e + 2, 6, "ISA   ", 6);
            buses++;
            e += 8;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, d->ioapic.id);
            g_assert_cmpuint(e[3] & 1, ==, 1);
            g_assert_cmphex(rd32(e + 4), ==, 0xFEC00000);
            ioapics++;
            e += 8;
            break;
        case 3:
            g_assert_cmpuint(e[1], ==, 0);               /* INT */
            g_assert_cmpuint(e[5], <, 16);
            g_assert_cmpuint(e[6], ==, d->ioapic.id);
            g_assert_cmpuint(e[7], ==, e[5] == 0 ? 2 : e[5]);
            if (e[5] == 9) {
                g_assert_cmphex(rd16(e + 2), ==, 0x0D);   /* level, high */
            }
            irq_seen[e[5]] = true;
            ioints++;
            e += 8;
            break;
        case 4:
            g_assert_cmpuint(e[6], ==, 0xFF);            /* every LAPIC */
            g_assert_cmpuint(e[7], ==, e[1] == 3 ? 0 : 1);  /* ExtINT/NMI */
            g_assert_true(e[1] == 3 || e[1] == 1);
            lints++;
            e += 8;
            break;
        }
    }
    g_assert_cmpuint(e - t, ==, mp.config->len);
    g_assert_cmpuint(procs, ==, ncpus);
    g_assert_cmpuint(buses, ==, 1);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(ioints, ==, 15);
    g_assert_false(irq_seen[2]);
    g_assert_cmpuint(lints, ==, 2);
    mptable_free(&mp);
    machine_desc_free(d);
}

static void test_mptable_entries_per_vcpu(void)
{
    for (size_t k = 0; k < G_N_ELEMENTS(cpu_counts); k++) {
        check_mptable(cpu_counts[k]);
    }
    check_mptable(255);
}

/* --- ACPI -------------------------------------------------------------- */

#define ACPI_BASE 0xE0000u

static const uint8_t *acpi_at(GByteArray *b, uint64_t addr)
{
    g_assert_cmpuint(addr, >=, ACPI_BASE);
    g_assert_cmpuint(addr - ACPI_BASE + 36, <=, b->len);
    return b->data + (addr - ACPI_BASE);
}

/* A table at addr with a valid header: signature, length, checksum. */
static const uint8_t *acpi_table(GByteArray *b, uint64_t addr, const char *sig)
{
    const uint8_t *t = acpi_at(b, addr);

    g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(addr - ACPI_BASE + rd32(t + 4), <=, b->len);
    g_assert_cmpuint(fw_checksum(t, rd32(t + 4)), ==, 0);
    return t;
}

/* The table with `sig` that the XSDT lists, checking the RSDT agrees. */
static const uint8_t *acpi_find(GByteArray *b, const char *sig)
{
    const uint8_t *rsdp = b->data;
    const uint8_t *rsdt = acpi_table(b, rd32(rsdp + 16), "RSDT");
    const uint8_t *xsdt = acpi_table(b, rd64(rsdp + 24), "XSDT");
    unsigned n = (rd32(xsdt + 4) - 36) / 8;

    g_assert_cmpuint((rd32(rsdt + 4) - 36) / 4, ==, n);
    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = rd64(xsdt + 36 + i * 8);
        g_assert_cmphex(rd32(rsdt + 36 + i * 4), ==, addr);
        if (memcmp(acpi_at(b, addr), sig, 4) == 0) {
            return acpi_table(b, addr, sig);
        }
    }
    return NULL;
}

static void test_acpi_rsdp_revision2_with_valid_checksums(void)
{
    MachineDesc *d = desc_new(2, 128 * MiB, 1, true);
    GByteArray *b = acpi_build_tables(d, ACPI_BASE);
    const uint8_t *rsdp = b->data;

    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(fw_checksum(rsdp, 20), ==, 0);
    g_assert_cmpuint(rd32(rsdp + 20), ==, 36);
    g_assert_cmpuint(fw_checksum(rsdp, 36), ==, 0);
    g_assert_cmpuint(b->len, <=, FW_ACPI_AREA_SIZE);
    g_assert_nonnull(acpi_find(b, "FACP"));
    g_assert_nonnull(acpi_find(b, "APIC"));
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

static void check_madt(unsigned ncpus)
{
    MachineDesc *d = desc_new(ncpus, 128 * MiB, 1, true);
    GByteArray *b = acpi_build_tables(d, ACPI_BASE);
    const uint8_t *m = acpi_find(b, "APIC");
    const uint8_t *e = m + 44, *end = m + rd32(m + 4);
    unsigned lapics = 0, ioapics = 0, nmis = 0;
    bool iso0 = false, iso_sci = false;

    g_assert_cmphex(rd32(m + 36), ==, 0xFEE00000);
    g_assert_cmpuint(rd32(m + 40) & 1, ==, 1);          /* PCAT_COMPAT */
    while (e < end) {
        g_assert_cmpuint(e[1], >=, 2);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics);             /* UID */
            g_assert_cmpuint(e[3], ==, d->cpus[lapics].apic_id);
            g_assert_cmpuint(rd32(e + 4) & 1, ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, d->ioapic.id);
            g_assert_cmphex(rd32(e + 4), ==, 0xFEC00000);
            g_assert_cmpuint(rd32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);
            if (e[3] == 0) {
                g_assert_cmpuint(rd32(e + 4), ==, 2);
                iso0 = true;
            } else if (e[3] == 9) {
                g_assert_cmpuint(rd32(e + 4), ==, 9);
                g_assert_cmphex(rd16(e + 8), ==, 0x0D);   /* level, high */
                iso_sci = true;
            } else {
                g_assert_not_reached();
            }
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmpuint(e[2], ==, 0xFF);
            g_assert_cmpuint(e[5], ==, 1);                  /* LINT1 */
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        e += e[1];
    }
    g_assert_true(e == end);
    g_assert_cmpuint(lapics, ==, ncpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(nmis, ==, 1);
    g_assert_true(iso0);
    g_assert_true(iso_sci);
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

static void test_acpi_madt_entries_per_vcpu(void)
{
    for (size_t k = 0; k < G_N_ELEMENTS(cpu_counts); k++) {
        check_madt(cpu_counts[k]);
    }
    check_madt(255);
}

static void test_acpi_fadt_points_at_pm_block_reset_facs_dsdt(void)
{
    MachineDesc *d = desc_new(1, 128 * MiB, 1, true);
    GByteArray *b = acpi_build_tables(d, ACPI_BASE);
    const uint8_t *f = acpi_find(b, "FACP");
    const uint8_t *facs, *dsdt;

    g_assert_cmpuint(rd32(f + 4), ==, 276);
    g_assert_cmpuint(f[8], ==, 6);
    g_assert_cmpuint(rd16(f + 46), ==, 9);                  /* SCI_INT */
    g_assert_cmphex(rd32(f + 56), ==, 0x600);               /* PM1a_EVT */
    g_assert_cmphex(rd32(f + 64), ==, 0x604);               /* PM1a_CNT */
    g_assert_cmphex(rd32(f + 76), ==, 0x608);               /* PM_TMR */
    g_assert_cmpuint(f[88], ==, 4);
    g_assert_cmpuint(f[89], ==, 2);
    g_assert_cmpuint(f[91], ==, 4);
    g_assert_cmphex(rd32(f + 112) & (1u << 8), !=, 0);      /* TMR_VAL_EXT */
    g_assert_cmphex(rd32(f + 112) & (1u << 10), !=, 0);     /* RESET_REG_SUP */
    g_assert_cmpuint(f[116], ==, 1);                        /* I/O space */
    g_assert_cmphex(rd64(f + 120), ==, 0xCF9);
    g_assert_cmphex(f[128], ==, 0x06);
    g_assert_cmphex(rd64(f + 140), ==, rd32(f + 40));       /* X_DSDT */
    g_assert_cmphex(rd64(f + 148 + 4), ==, 0x600);          /* X_PM1a_EVT */
    g_assert_cmphex(rd64(f + 172 + 4), ==, 0x604);          /* X_PM1a_CNT */
    g_assert_cmphex(rd64(f + 208 + 4), ==, 0x608);          /* X_PM_TMR */
    g_assert_cmpuint(f[208 + 1], ==, 32);
    facs = acpi_at(b, rd32(f + 36));
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint(rd32(f + 36) % 64, ==, 0);
    g_assert_cmpuint(rd32(facs + 4), ==, 64);
    dsdt = acpi_table(b, rd32(f + 40), "DSDT");
    g_assert_nonnull(dsdt);
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

/* \_S5 is Name(\_S5, Package(4) { S5, S5, 0, 0 }) with the PM block's type. */
static void test_acpi_dsdt_s5_matches_pm_block(void)
{
    MachineDesc *d = desc_new(2, 128 * MiB, 1, true);
    GByteArray *b = acpi_build_tables(d, ACPI_BASE);
    const uint8_t *f = acpi_find(b, "FACP");
    const uint8_t *dsdt = acpi_table(b, rd32(f + 40), "DSDT");
    uint32_t len = rd32(dsdt + 4);
    const uint8_t pattern[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
    const uint8_t *p = memmem(dsdt, len, pattern, sizeof(pattern));

    g_assert_nonnull(p);
    p += sizeof(pattern);
    g_assert_cmpuint(p[0], <=, 0x3F);           /* one-byte PkgLength */
    g_assert_cmpuint(p[1], ==, 4);              /* NumElements */
    g_assert_cmpuint(p[2], ==, 0x0A);           /* BytePrefix */
    g_assert_cmpuint(p[3], ==, ACPI_SLP_TYP_S5);
    g_assert_cmpuint(p[4], ==, 0x0A);
    g_assert_cmpuint(p[5], ==, ACPI_SLP_TYP_S5);
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

static void test_acpi_tables_fit_for_255_cpus(void)
{
    MachineDesc *d = desc_new(255, 128 * MiB, 0xF, true);
    GByteArray *b = acpi_build_tables(d, ACPI_BASE);

    g_assert_cmpuint(b->len, <=, FW_ACPI_AREA_SIZE);
    g_assert_nonnull(acpi_find(b, "APIC"));
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

/* Run `argv` in `dir`; its output in *out. */
static bool run_tool(char **argv, const char *dir, char **out, int *status)
{
    GError *err = NULL;
    char *sout = NULL, *serr = NULL;
    bool ok = g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                           &sout, &serr, status, &err);

    if (!ok) {
        g_test_message("%s: %s", argv[0], err->message);
        g_clear_error(&err);
        return false;
    }
    *out = g_strconcat(sout, serr, NULL);
    g_free(sout);
    g_free(serr);
    return true;
}

static void write_table(const char *dir, const char *name, const uint8_t *t)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, (const char *)t, rd32(t + 4),
                                      NULL));
}

static void test_acpi_tables_decompile_cleanly_with_iasl(void)
{
    g_autofree char *iasl = g_find_program_in_path("iasl");
    g_autofree char *dir = NULL;
    MachineDesc *d;
    GByteArray *b;
    const uint8_t *f;
    static const char *const names[] = { "facp", "apic", "dsdt", "facs" };

    if (!iasl) {
        g_test_skip("iasl not installed (Debian package acpica-tools)");
        return;
    }
    dir = g_dir_make_tmp("lapis-acpi-XXXXXX", NULL);
    g_assert_nonnull(dir);
    d = desc_new(4, 4 * GiB + 512 * MiB, 0x3, true);
    b = acpi_build_tables(d, ACPI_BASE);
    f = acpi_find(b, "FACP");
    write_table(dir, "facp.dat", f);
    write_table(dir, "apic.dat", acpi_find(b, "APIC"));
    write_table(dir, "dsdt.dat", acpi_at(b, rd32(f + 40)));
    write_table(dir, "facs.dat", acpi_at(b, rd32(f + 36)));

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *dat = g_strdup_printf("%s.dat", names[i]);
        g_autofree char *dsl = g_strdup_printf("%s/%s.dsl", dir, names[i]);
        char *argv[] = { iasl, "-d", dat, NULL };
        g_autofree char *out = NULL, *text = NULL;
        int status;

        g_assert_true(run_tool(argv, dir, &out, &status));
        g_test_message("iasl -d %s:\n%s", dat, out);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        g_assert_null(strstr(out, "Error"));
        g_assert_null(strstr(out, "Warning"));
        g_assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
        g_assert_null(strstr(text, "**** "));   /* iasl's inline complaints */
        if (g_str_equal(names[i], "dsdt")) {
            g_assert_nonnull(strstr(text, "Name (\\_S5, Package (0x04)"));
            g_assert_nonnull(strstr(text, "Device (C003)"));
            g_assert_nonnull(strstr(text, "Device (COM2)"));
        }
        if (g_str_equal(names[i], "apic")) {
            g_assert_nonnull(strstr(text, "Local Apic ID : 03"));
        }
        if (!g_getenv("LAPIS_KEEP_ACPI")) {
            g_unlink(dsl);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *dat = g_strdup_printf("%s/%s.dat", dir, names[i]);
        g_unlink(dat);
    }
    g_rmdir(dir);
    g_byte_array_free(b, TRUE);
    machine_desc_free(d);
}

/* --- writing into guest RAM ------------------------------------------- */

static MemoryRegion test_low_ram;
static bool test_ram_ready;

static void test_ram_init(void)
{
    if (!test_ram_ready) {
        memory_system_init();
        g_assert_true(memory_region_init_ram(&test_low_ram, "test.ram",
                                             1 * MiB, NULL));
        memory_region_add_subregion(get_system_memory(), 0, &test_low_ram);
        test_ram_ready = true;
    }
}

static void test_tables_written_to_ram_and_acpi_off_removes_acpi(void)
{
    MachineState ms = { 0 };
    MachineDesc *d = desc_new(2, 128 * MiB, 1, true);
    uint8_t buf[36];

    test_ram_init();
    memset(memory_region_get_ram_ptr(&test_low_ram), 0, 1 * MiB);
    pc_firmware_tables_write(&ms, d);
    address_space_read(&address_space_memory, 0x40E, buf, 2);
    g_assert_cmphex(rd16(buf), ==, 0x9FC0);
    address_space_read(&address_space_memory, 0x9FC10, buf, 16);
    g_assert_cmpmem(buf, 4, "_MP_", 4);
    address_space_read(&address_space_memory, 0xF0000, buf, 16);
    g_assert_cmpmem(buf, 4, "_MP_", 4);
    address_space_read(&address_space_memory, rd32(buf + 4), buf, 4);
    g_assert_cmpmem(buf, 4, "PCMP", 4);
    address_space_read(&address_space_memory, 0xE0000, buf, 36);
    g_assert_cmpmem(buf, 8, "RSD PTR ", 8);
    g_assert_cmpuint(fw_checksum(buf, 36), ==, 0);
    machine_desc_free(d);

    d = desc_new(2, 128 * MiB, 1, false);
    memset(memory_region_get_ram_ptr(&test_low_ram), 0, 1 * MiB);
    pc_firmware_tables_write(&ms, d);
    for (uint32_t a = 0xE0000; a < 0x100000; a += 16) {
        address_space_read(&address_space_memory, a, buf, 8);
        g_assert_false(memcmp(buf, "RSD PTR ", 8) == 0);
    }
    address_space_read(&address_space_memory, 0xF0000, buf, 4);
    g_assert_cmpmem(buf, 4, "_MP_", 4);     /* the MP table stays */
    machine_desc_free(d);
}

/* --- device tree -------------------------------------------------------- */

static void test_fdt_describes_cpus_memory_and_interrupt_controllers(void)
{
#ifdef CONFIG_FDT
    MachineDesc *d = desc_new(4, 128 * MiB, 1, true);
    GError *err = NULL;
    size_t size;
    g_autofree void *fdt = fdt_build(d, &size, &err);
    int node, len;
    const fdt32_t *reg;

    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(fdt), ==, 0);
    g_assert_cmpuint(fdt_totalsize(fdt), ==, size);
    for (unsigned i = 0; i < 4; i++) {
        g_autofree char *path = g_strdup_printf("/cpus/cpu@%x", i);
        node = fdt_path_offset(fdt, path);
        g_assert_cmpint(node, >=, 0);
        reg = fdt_getprop(fdt, node, "reg", &len);
        g_assert_cmpint(len, ==, 4);
        g_assert_cmpuint(fdt32_to_cpu(reg[0]), ==, d->cpus[i].apic_id);
    }
    g_assert_cmpint(fdt_path_offset(fdt, "/cpus/cpu@4"), <, 0);
    node = fdt_path_offset(fdt, "/memory@0");
    reg = fdt_getprop(fdt, node, "reg", &len);
    g_assert_cmpint(len, ==, 2 * 16);       /* below 640K, above 1M */
    g_assert_cmpuint(fdt32_to_cpu(reg[7]) + 1 * MiB, ==, 128 * MiB);
    node = fdt_path_offset(fdt, "/interrupt-controller@fec00000");
    g_assert_cmpint(node, >=, 0);
    g_assert_nonnull(fdt_getprop(fdt, node, "interrupt-controller", &len));
    reg = fdt_getprop(fdt, node, "reg", &len);
    g_assert_cmpuint(fdt32_to_cpu(reg[1]), ==, 0xFEC00000);
    node = fdt_path_offset(fdt, "/interrupt-controller@fee00000");
    g_assert_nonnull(fdt_getprop(fdt, node, "interrupt-controller", &len));
    node = fdt_path_offset(fdt, "/isa/serial@i3f8");
    reg = fdt_getprop(fdt, node, "interrupts", &len);
    g_assert_cmpuint(fdt32_to_cpu(reg[0]), ==, 4);
    g_assert_cmpint(fdt_path_offset(fdt, "/isa/rtc@i70"), >=, 0);
    machine_desc_free(d);
#else
    g_test_skip("built without libfdt");
#endif
}

static void test_fdt_decompiles_with_dtc(void)
{
#ifdef CONFIG_FDT
    g_autofree char *dtc = g_find_program_in_path("dtc");
    g_autofree char *dir = NULL, *file = NULL, *out = NULL;
    MachineDesc *d;
    GError *err = NULL;
    int status;

    if (!dtc) {
        g_test_skip("dtc not installed (Debian package device-tree-compiler)");
        return;
    }
    dir = g_dir_make_tmp("lapis-dtb-XXXXXX", NULL);
    file = g_build_filename(dir, "pc.dtb", NULL);
    d = desc_new(2, 128 * MiB, 1, true);
    g_assert_true(pc_dumpdtb(d, file, &err));
    g_assert_no_error(err);
    {
        char *argv[] = { dtc, "-I", "dtb", "-O", "dts", file, NULL };
        g_assert_true(run_tool(argv, dir, &out, &status));
    }
    g_test_message("dtc:\n%s", out);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_nonnull(strstr(out, "cpu@1 {"));
    g_assert_nonnull(strstr(out, "interrupt-controller;"));
    g_assert_nonnull(strstr(out, "ns16550a"));
    g_assert_null(strstr(out, "ERROR"));
    g_assert_null(strstr(out, "Warning"));
    g_unlink(file);
    g_rmdir(dir);
    machine_desc_free(d);
#else
    g_test_skip("built without libfdt");
#endif
}

static void test_dumpdtb_unwritable_file_is_an_error(void)
{
    MachineDesc *d = desc_new(1, 128 * MiB, 1, true);
    GError *err = NULL;

    g_assert_false(pc_dumpdtb(d, "/nonexistent-dir/x.dtb", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    machine_desc_free(d);
}

/* --- the PM block -------------------------------------------------------- */

static int sci_level;             /* the line starts low */
static qemu_irq test_gsi[GSI_NUM_PINS];
static DeviceState *pm_dev;

static void test_gsi_handler(void *opaque, int n, int level)
{
    if (n == 9) {
        sci_level = level;
    }
}

static void pm_setup(void)
{
    GError *err = NULL;

    test_ram_init();
    if (!pm_dev) {
        qemu_init_main_loop();
        qemu_clock_set_qtest_mode(true);
        for (int i = 0; i < GSI_NUM_PINS; i++) {
            test_gsi[i] = qemu_allocate_irq(test_gsi_handler, NULL, i);
        }
        isa_bus_set_irqs(test_gsi, GSI_NUM_PINS);
        pm_dev = acpi_pm_create(ACPI_PM_DEFAULT_IOBASE, 9, &err);
        g_assert_no_error(err);
    }
    device_reset(pm_dev);
}

static uint64_t pm_in(unsigned off, unsigned size)
{
    uint64_t v = 0;

    g_assert_cmpint(address_space_ld(&address_space_io,
                                     ACPI_PM_DEFAULT_IOBASE + off, size, &v),
                    ==, MEMTX_OK);
    return v;
}

static void pm_out(unsigned off, unsigned size, uint64_t v)
{
    g_assert_cmpint(address_space_st(&address_space_io,
                                     ACPI_PM_DEFAULT_IOBASE + off, size, v),
                    ==, MEMTX_OK);
}

static void test_pm_timer_counts_at_3_579545_mhz(void)
{
    int64_t now;
    uint32_t t0, t1;

    pm_setup();
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    t0 = pm_in(ACPI_PM_TMR_OFFSET, 4);
    qemu_clock_advance_virtual(now + NANOSECONDS_PER_SECOND);
    t1 = pm_in(ACPI_PM_TMR_OFFSET, 4);
    /* One second of virtual time, give or take the rounding of each read. */
    g_assert_cmpuint(t1 - t0, >=, ACPI_PM_TIMER_FREQ_HZ - 1);
    g_assert_cmpuint(t1 - t0, <=, ACPI_PM_TIMER_FREQ_HZ + 1);
    /* Writes to the timer do nothing. */
    pm_out(ACPI_PM_TMR_OFFSET, 4, 0);
    g_assert_cmpuint(pm_in(ACPI_PM_TMR_OFFSET, 4), ==, t1);
}

static void test_pm_sci_en_set_from_reset_slp_en_reads_zero(void)
{
    pm_setup();
    g_assert_cmphex(pm_in(ACPI_PM1_CNT_OFFSET, 2), ==, ACPI_PM1_CNT_SCI_EN);
    pm_out(ACPI_PM1_CNT_OFFSET, 2, ACPI_PM1_CNT_SCI_EN |
           (3u << ACPI_PM1_CNT_SLP_TYP_SHIFT) | ACPI_PM1_CNT_SLP_EN);
    /* SLP_TYP 3 is no state we offer: stored, nothing happens. */
    g_assert_cmphex(pm_in(ACPI_PM1_CNT_OFFSET, 2), ==,
                    ACPI_PM1_CNT_SCI_EN | (3u << ACPI_PM1_CNT_SLP_TYP_SHIFT));
    pm_out(ACPI_PM1_EVT_OFFSET + 2, 2, 0xFFFF);
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET + 2, 2), ==,
                    ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN |
                    ACPI_PM1_SLPBTN | ACPI_PM1_RTC);
}

static void test_pm_timer_overflow_sets_tmr_sts_and_raises_sci(void)
{
    int64_t now;
    uint32_t tmr;
    uint64_t ticks_to_flip;

    pm_setup();
    g_assert_cmpint(sci_level, !=, 1);
    pm_out(ACPI_PM1_EVT_OFFSET + 2, 2, ACPI_PM1_TMR);       /* TMR_EN */
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 2) & ACPI_PM1_TMR, ==, 0);
    tmr = pm_in(ACPI_PM_TMR_OFFSET, 4);
    ticks_to_flip = 0x80000000u - (tmr & 0x7FFFFFFFu);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    /* Just before the top bit changes: nothing yet. */
    qemu_clock_advance_virtual(now + (int64_t)((ticks_to_flip - 2) *
                               NANOSECONDS_PER_SECOND / ACPI_PM_TIMER_FREQ_HZ));
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 2) & ACPI_PM1_TMR, ==, 0);
    g_assert_cmpint(sci_level, !=, 1);
    /* After it: TMR_STS, and the timer raised the SCI by itself. */
    qemu_clock_advance_virtual(now + (int64_t)((ticks_to_flip + 2) *
                               NANOSECONDS_PER_SECOND / ACPI_PM_TIMER_FREQ_HZ));
    g_assert_cmpint(sci_level, ==, 1);
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 2) & ACPI_PM1_TMR, ==,
                    ACPI_PM1_TMR);
    /* Write 1 to clear: status and SCI drop. */
    pm_out(ACPI_PM1_EVT_OFFSET, 2, ACPI_PM1_TMR);
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 2) & ACPI_PM1_TMR, ==, 0);
    g_assert_cmpint(sci_level, ==, 0);
    pm_out(ACPI_PM1_EVT_OFFSET + 2, 2, 0);
}

/* TMR_STS pending with TMR_EN: the SCI follows SCI_EN; a byte write to the
 * status register's high byte clears nothing in the low byte. */
static void test_pm_sci_follows_sci_en_and_byte_writes_are_partial(void)
{
    int64_t now;
    uint32_t tmr;

    pm_setup();
    tmr = pm_in(ACPI_PM_TMR_OFFSET, 4);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    qemu_clock_advance_virtual(now + (int64_t)((0x80000000u -
                               (tmr & 0x7FFFFFFFu) + 2) *
                               NANOSECONDS_PER_SECOND / ACPI_PM_TIMER_FREQ_HZ));
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 1) & ACPI_PM1_TMR, ==,
                    ACPI_PM1_TMR);
    pm_out(ACPI_PM1_CNT_OFFSET, 2, 0);                      /* SCI_EN off */
    pm_out(ACPI_PM1_EVT_OFFSET + 2, 1, ACPI_PM1_TMR);       /* TMR_EN */
    g_assert_cmpint(sci_level, ==, 0);
    pm_out(ACPI_PM1_CNT_OFFSET, 1, ACPI_PM1_CNT_SCI_EN);
    g_assert_cmpint(sci_level, ==, 1);
    pm_out(ACPI_PM1_EVT_OFFSET + 1, 1, 0xFF);   /* high byte: not TMR_STS */
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 2) & ACPI_PM1_TMR, ==,
                    ACPI_PM1_TMR);
    g_assert_cmpint(sci_level, ==, 1);
    /* One dword write reaches status and enable at once. */
    pm_out(ACPI_PM1_EVT_OFFSET, 4, ACPI_PM1_TMR);
    g_assert_cmpint(sci_level, ==, 0);
    g_assert_cmphex(pm_in(ACPI_PM1_EVT_OFFSET, 4), ==, 0);
}

static void test_pm_slp_en_with_s5_requests_guest_shutdown(void)
{
    int status = -1;

    pm_setup();
    g_assert_false(main_loop_should_exit(&status));
    pm_out(ACPI_PM1_CNT_OFFSET, 2, ACPI_PM1_CNT_SCI_EN |
           (ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT));
    g_assert_false(main_loop_should_exit(&status));        /* no SLP_EN */
    pm_out(ACPI_PM1_CNT_OFFSET, 2, ACPI_PM1_CNT_SCI_EN |
           (ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT) |
           ACPI_PM1_CNT_SLP_EN);
    g_assert_true(main_loop_should_exit(&status));
    g_assert_cmpint(status, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/firmware/desc/cpus-get-apic-ids-and-one-bsp",
                    test_desc_cpus_get_apic_ids_and_one_bsp);
    g_test_add_func("/firmware/desc/rejects-bad-cpu-counts-and-tiny-ram",
                    test_desc_rejects_bad_cpu_counts_and_tiny_ram);
    g_test_add_func("/firmware/desc/ram-map-is-e820-style",
                    test_desc_ram_map_is_e820_style);
    g_test_add_func("/firmware/desc/isa-irqs-route-pit-to-gsi2",
                    test_desc_isa_irqs_route_pit_to_gsi2);
    g_test_add_func("/firmware/bda/ebda-segment-base-memory-and-com1",
                    test_bda_has_ebda_segment_base_memory_and_com1);
    g_test_add_func("/firmware/mptable/entries-per-vcpu-and-checksums",
                    test_mptable_entries_per_vcpu);
    g_test_add_func("/firmware/acpi/rsdp-revision2-with-valid-checksums",
                    test_acpi_rsdp_revision2_with_valid_checksums);
    g_test_add_func("/firmware/acpi/madt-entries-per-vcpu",
                    test_acpi_madt_entries_per_vcpu);
    g_test_add_func("/firmware/acpi/fadt-points-at-pm-block-reset-facs-dsdt",
                    test_acpi_fadt_points_at_pm_block_reset_facs_dsdt);
    g_test_add_func("/firmware/acpi/dsdt-s5-matches-pm-block",
                    test_acpi_dsdt_s5_matches_pm_block);
    g_test_add_func("/firmware/acpi/tables-fit-for-255-cpus",
                    test_acpi_tables_fit_for_255_cpus);
    g_test_add_func("/firmware/acpi/tables-decompile-cleanly-with-iasl",
                    test_acpi_tables_decompile_cleanly_with_iasl);
    g_test_add_func("/firmware/ram/tables-written-and-acpi-off-removes-acpi",
                    test_tables_written_to_ram_and_acpi_off_removes_acpi);
    g_test_add_func("/firmware/fdt/describes-cpus-memory-and-intcs",
                    test_fdt_describes_cpus_memory_and_interrupt_controllers);
    g_test_add_func("/firmware/fdt/decompiles-with-dtc",
                    test_fdt_decompiles_with_dtc);
    g_test_add_func("/firmware/fdt/dumpdtb-unwritable-file-is-an-error",
                    test_dumpdtb_unwritable_file_is_an_error);
    g_test_add_func("/acpi-pm/timer/counts-at-3.579545-mhz",
                    test_pm_timer_counts_at_3_579545_mhz);
    g_test_add_func("/acpi-pm/cnt/sci-en-from-reset-slp-en-reads-zero",
                    test_pm_sci_en_set_from_reset_slp_en_reads_zero);
    g_test_add_func("/acpi-pm/timer/overflow-sets-tmr-sts-and-raises-sci",
                    test_pm_timer_overflow_sets_tmr_sts_and_raises_sci);
    g_test_add_func("/acpi-pm/sci/follows-sci-en-and-byte-writes-are-partial",
                    test_pm_sci_follows_sci_en_and_byte_writes_are_partial);
    g_test_add_func("/acpi-pm/cnt/slp-en-with-s5-requests-guest-shutdown",
                    test_pm_slp_en_with_s5_requests_guest_shutdown);
    return g_test_run();
}
