/*
 * qtest of the ACPI tables and the PM block as a directly booted OS finds
 * them: the RSDP found by scanning 0xE0000-0xFFFFF on 16-byte boundaries,
 * RSDT/XSDT/FADT/FACS/DSDT/MADT walked with their signatures, lengths and
 * checksums, a MADT processor entry per vCPU for -smp 1/2/4/8, the BIOS
 * data area, -machine acpi=off, the PM timer counting with clock_step, and
 * ACPI poweroff (PM1a_CNT SLP_TYP=S5|SLP_EN) ending the run with a SHUTDOWN
 * event, or stopping it with -no-shutdown.
 */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include "libqtest.h"

#define PM_BASE         0x600       /* hw/acpi/pm.h ACPI_PM_DEFAULT_IOBASE */
#define PM1_CNT         (PM_BASE + 4)
#define PM_TMR          (PM_BASE + 8)
#define SLP_TYP_S5      7
#define SLP_EN          (1u << 13)
#define SCI_EN          (1u << 0)
#define EXIT_TIMEOUT_MS 10000

static uint16_t rd16(const uint8_t *p) { return p[0] | (p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

/* The guest address of the RSDP, or 0. */
static uint32_t find_rsdp(QTestState *s)
{
    g_autofree uint8_t *area = g_malloc(0x20000);

    qtest_bufread(s, 0xE0000, area, 0x20000);
    for (uint32_t off = 0; off < 0x20000; off += 16) {
        if (memcmp(area + off, "RSD PTR ", 8) == 0 &&
            sum8(area + off, 20) == 0) {
            return 0xE0000 + off;
        }
    }
    return 0;
}

/* Whether the board wrote firmware tables at all (the BDA's EBDA word). */
static bool tables_written(QTestState *s)
{
    return qtest_readw(s, 0x40E) != 0;
}

#define SKIP_IF_NOT_WIRED(s) \
    if (!tables_written(s)) { \
        g_test_skip("firmware tables not written: hw/i386/pc.c does not call " \
                    "pc_firmware_tables_write() yet"); \
        qtest_quit(s); \
        return; \
    }

/* Read a whole table at addr, checking its signature and checksum. */
static uint8_t *read_table(QTestState *s, uint64_t addr, const char *sig)
{
    uint8_t hdr[36];
    uint8_t *t;
    uint32_t len;

    g_assert_cmpuint(addr, !=, 0);
    qtest_bufread(s, addr, hdr, sizeof(hdr));
    g_assert_cmpmem(hdr, 4, sig, 4);
    len = rd32(hdr + 4);
    g_assert_cmpuint(len, >=, 36);
    g_assert_cmpuint(len, <, 0x10000);
    t = g_malloc(len);
    qtest_bufread(s, addr, t, len);
    g_assert_cmpuint(sum8(t, len), ==, 0);
    return t;
}

/* The address of the table `sig` in the XSDT (the RSDT must agree). */
static uint64_t find_table(QTestState *s, const char *sig)
{
    uint8_t rsdp[36];
    g_autofree uint8_t *rsdt = NULL, *xsdt = NULL;
    unsigned n;

    qtest_bufread(s, find_rsdp(s), rsdp, sizeof(rsdp));
    rsdt = read_table(s, rd32(rsdp + 16), "RSDT");
    xsdt = read_table(s, rd64(rsdp + 24), "XSDT");
    n = (rd32(xsdt + 4) - 36) / 8;
    g_assert_cmpuint((rd32(rsdt + 4) - 36) / 4, ==, n);
    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = rd64(xsdt + 36 + i * 8);
        char got[4];

        g_assert_cmphex(rd32(rsdt + 36 + i * 4), ==, addr);
        qtest_bufread(s, addr, got, 4);
        if (memcmp(got, sig, 4) == 0) {
            return addr;
        }
    }
    return 0;
}

static void test_rsdp_found_in_bios_area_with_valid_checksums(void)
{
    QTestState *s = qtest_init("-machine pc");
    uint32_t addr;
    uint8_t rsdp[36];

    SKIP_IF_NOT_WIRED(s);
    addr = find_rsdp(s);
    g_assert_cmphex(addr, !=, 0);
    g_assert_cmphex(addr % 16, ==, 0);
    qtest_bufread(s, addr, rsdp, sizeof(rsdp));
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(rd32(rsdp + 20), ==, 36);
    g_assert_cmpuint(sum8(rsdp, 36), ==, 0);
    qtest_quit(s);
}

static void test_fadt_facs_dsdt_walk(void)
{
    QTestState *s = qtest_init("-machine pc");
    g_autofree uint8_t *fadt = NULL, *dsdt = NULL;
    uint8_t facs[64];

    SKIP_IF_NOT_WIRED(s);
    fadt = read_table(s, find_table(s, "FACP"), "FACP");
    g_assert_cmpuint(rd16(fadt + 46), ==, 9);               /* SCI_INT */
    g_assert_cmphex(rd32(fadt + 56), ==, PM_BASE);
    g_assert_cmphex(rd32(fadt + 64), ==, PM1_CNT);
    g_assert_cmphex(rd32(fadt + 76), ==, PM_TMR);
    g_assert_cmphex(rd64(fadt + 120), ==, 0xCF9);           /* RESET_REG */
    g_assert_cmphex(fadt[128], ==, 0x06);
    qtest_bufread(s, rd32(fadt + 36), facs, sizeof(facs));
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint(rd32(facs + 4), ==, 64);
    dsdt = read_table(s, rd32(fadt + 40), "DSDT");
    g_assert_cmphex(rd64(fadt + 140), ==, rd32(fadt + 40));
    g_assert_nonnull(memmem(dsdt, rd32(dsdt + 4), "_S5_", 4));
    qtest_quit(s);
}

static void check_madt(unsigned ncpus)
{
    QTestState *s = qtest_initf("-machine pc -smp %u", ncpus);
    g_autofree uint8_t *madt = NULL;
    const uint8_t *e, *end;
    unsigned lapics = 0, ioapics = 0, nmis = 0, isos = 0;

    SKIP_IF_NOT_WIRED(s);
    madt = read_table(s, find_table(s, "APIC"), "APIC");
    g_assert_cmphex(rd32(madt + 36), ==, 0xFEE00000);
    e = madt + 44;
    end = madt + rd32(madt + 4);
    while (e < end) {
        g_assert_cmpuint(e[1], >=, 2);
        switch (e[0]) {
        case 0:
            /* Processor UID = index, APIC ID = index on the pc machine. */
            g_assert_cmpuint(e[2], ==, lapics);
            g_assert_cmpuint(e[3], ==, lapics);
            g_assert_cmpuint(rd32(e + 4) & 1, ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmphex(rd32(e + 4), ==, 0xFEC00000);
            g_assert_cmpuint(rd32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2:
            g_assert_true((e[3] == 0 && rd32(e + 4) == 2) ||
                          (e[3] == 9 && rd32(e + 4) == 9 &&
                           rd16(e + 8) == 0x0D));
            isos++;
            break;
        case 4:
            g_assert_cmpuint(e[2], ==, 0xFF);
            g_assert_cmpuint(e[5], ==, 1);
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
    g_assert_cmpuint(isos, ==, 2);
    g_assert_cmpuint(nmis, ==, 1);
    qtest_quit(s);
}

static void test_madt_smp1(void) { check_madt(1); }
static void test_madt_smp2(void) { check_madt(2); }
static void test_madt_smp4(void) { check_madt(4); }
static void test_madt_smp8(void) { check_madt(8); }

static void test_bda_ebda_base_memory_com1(void)
{
    QTestState *s = qtest_init("-machine pc");

    SKIP_IF_NOT_WIRED(s);
    g_assert_cmphex(qtest_readw(s, 0x400), ==, 0x3F8);
    g_assert_cmphex(qtest_readw(s, 0x40E), ==, 0x9FC0);
    g_assert_cmpuint(qtest_readw(s, 0x413), ==, 639);
    qtest_quit(s);
}

static void test_acpi_off_leaves_no_rsdp(void)
{
    QTestState *s = qtest_init("-machine pc,acpi=off");

    SKIP_IF_NOT_WIRED(s);
    g_assert_cmphex(find_rsdp(s), ==, 0);
    /* The MP table still describes the machine. */
    g_assert_cmphex(qtest_readl(s, 0xF0000), ==, 0x5F504D5F);   /* "_MP_" */
    qtest_quit(s);
}

/* The PM block answers at 0x600 (an unassigned port reads all ones). */
static bool pm_present(QTestState *s)
{
    return qtest_inw(s, PM1_CNT) != 0xFFFF;
}

#define SKIP_IF_NO_PM(s) \
    if (!pm_present(s)) { \
        g_test_skip("no ACPI PM block at 0x600: hw/i386/pc.c does not call " \
                    "acpi_pm_create() yet"); \
        qtest_quit(s); \
        return; \
    }

static void test_pm_timer_follows_clock_step(void)
{
    QTestState *s = qtest_init("-machine pc");
    uint32_t t0, t1;

    SKIP_IF_NO_PM(s);
    t0 = qtest_inl(s, PM_TMR);
    qtest_clock_step(s, 1000000000LL);
    t1 = qtest_inl(s, PM_TMR);
    g_assert_cmpuint(t1 - t0, >=, 3579545 - 1);
    g_assert_cmpuint(t1 - t0, <=, 3579545 + 1);
    qtest_quit(s);
}

static void test_s5_poweroff_emits_shutdown_and_exits(void)
{
    QTestState *s = qtest_init("-machine pc");
    JsonObject *ev, *data;
    int status;

    SKIP_IF_NO_PM(s);
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & SCI_EN, ==, SCI_EN);
    qtest_outw(s, PM1_CNT, SCI_EN | (SLP_TYP_S5 << 10) | SLP_EN);
    ev = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    data = json_object_get_object_member(ev, "data");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "guest-shutdown");
    json_object_unref(ev);
    status = qtest_wait_exit(s, EXIT_TIMEOUT_MS);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_quit(s);
}

static void test_s5_poweroff_with_no_shutdown_stops(void)
{
    QTestState *s = qtest_init("-machine pc -no-shutdown");
    JsonObject *rsp, *ret;

    SKIP_IF_NO_PM(s);
    qtest_outw(s, PM1_CNT, SCI_EN | (SLP_TYP_S5 << 10) | SLP_EN);
    qtest_qmp_eventwait(s, "SHUTDOWN");
    qtest_qmp_eventwait(s, "STOP");
    rsp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    ret = json_object_get_object_member(rsp, "return");
    g_assert_cmpstr(json_object_get_string_member(ret, "status"), ==,
                    "shutdown");
    json_object_unref(rsp);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/rsdp/found-in-bios-area-with-valid-checksums",
                    test_rsdp_found_in_bios_area_with_valid_checksums);
    g_test_add_func("/acpi/fadt/facs-dsdt-and-pm-blocks",
                    test_fadt_facs_dsdt_walk);
    g_test_add_func("/acpi/madt/lapic-per-vcpu/smp1", test_madt_smp1);
    g_test_add_func("/acpi/madt/lapic-per-vcpu/smp2", test_madt_smp2);
    g_test_add_func("/acpi/madt/lapic-per-vcpu/smp4", test_madt_smp4);
    g_test_add_func("/acpi/madt/lapic-per-vcpu/smp8", test_madt_smp8);
    g_test_add_func("/acpi/bda/ebda-base-memory-com1",
                    test_bda_ebda_base_memory_com1);
    g_test_add_func("/acpi/off/leaves-no-rsdp", test_acpi_off_leaves_no_rsdp);
    g_test_add_func("/acpi/pm/timer-follows-clock-step",
                    test_pm_timer_follows_clock_step);
    g_test_add_func("/acpi/pm/s5-poweroff-emits-shutdown-and-exits",
                    test_s5_poweroff_emits_shutdown_and_exits);
    g_test_add_func("/acpi/pm/s5-poweroff-with-no-shutdown-stops",
                    test_s5_poweroff_with_no_shutdown_stops);
    return g_test_run();
}
