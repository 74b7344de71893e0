/*
 * qtest of the Intel MP tables (MPS 1.4) as a directly booted OS finds them:
 * the floating pointer in the first KiB of the EBDA (segment at 0x40E) and
 * in 0xF0000-0xFFFFF, both pointing at one configuration table with valid
 * checksums, only entry types 0-4, a processor entry per vCPU for -smp
 * 1/2/4/8 (APIC ID, enabled, one BSP, a CPU signature), the ISA bus, the
 * IOAPIC, ISA IRQ 0 on pin 2 and no entry for the cascade IRQ 2, and
 * ExtINT/NMI on LINT0/LINT1.
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

static uint16_t rd16(const uint8_t *p) { return p[0] | (p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | ((uint32_t)rd16(p + 2) << 16); }

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

/* The address of a valid floating pointer in [start, start+len), or 0. */
static uint32_t scan_mpf(QTestState *s, uint32_t start, uint32_t len)
{
    g_autofree uint8_t *area = g_malloc(len);

    qtest_bufread(s, start, area, len);
    for (uint32_t off = 0; off + 16 <= len; off += 16) {
        if (memcmp(area + off, "_MP_", 4) == 0 && area[off + 8] == 1 &&
            sum8(area + off, 16) == 0) {
            return start + off;
        }
    }
    return 0;
}

static void check_mptable(unsigned ncpus)
{
    QTestState *s = qtest_initf("-machine pc -smp %u", ncpus);
    uint32_t ebda, mpf_ebda, mpf_bios, cfg_addr;
    uint8_t mpf[16], hdr[44];
    g_autofree uint8_t *cfg = NULL;
    const uint8_t *e;
    unsigned procs = 0, bsps = 0, buses = 0, ioapics = 0, ioints = 0;
    unsigned lints = 0;
    int ioapic_id = -1;
    bool irq_seen[16] = { false };

    ebda = (uint32_t)qtest_readw(s, 0x40E) << 4;
    if (!ebda) {
        g_test_skip("firmware tables not written: hw/i386/pc.c does not call "
                    "pc_firmware_tables_write() yet");
        qtest_quit(s);
        return;
    }
    mpf_ebda = scan_mpf(s, ebda, 1024);
    mpf_bios = scan_mpf(s, 0xF0000, 0x10000);
    g_assert_cmphex(mpf_ebda, !=, 0);
    g_assert_cmphex(mpf_bios, !=, 0);
    qtest_bufread(s, mpf_bios, mpf, sizeof(mpf));
    g_assert_cmpuint(mpf[9], ==, 4);                /* spec 1.4 */
    g_assert_cmpuint(mpf[11], ==, 0);               /* table present */
    g_assert_cmpuint(mpf[12] & 0x80, ==, 0);        /* IMCRP clear */
    cfg_addr = rd32(mpf + 4);
    qtest_bufread(s, mpf_ebda, mpf, sizeof(mpf));
    g_assert_cmphex(rd32(mpf + 4), ==, cfg_addr);

    qtest_bufread(s, cfg_addr, hdr, sizeof(hdr));
    g_assert_cmpmem(hdr, 4, "PCMP", 4);
    g_assert_cmpuint(hdr[6], ==, 4);
    cfg = g_malloc(rd16(hdr + 4));
    qtest_bufread(s, cfg_addr, cfg, rd16(hdr + 4));
    g_assert_cmpuint(sum8(cfg, rd16(hdr + 4)), ==, 0);
    g_assert_cmphex(rd32(cfg + 36), ==, 0xFEE00000);

    e = cfg + 44;
    for (unsigned i = 0; i < rd16(cfg + 34); i++) {
        g_assert_cmpuint(e[0], <=, 4);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, procs);
            g_assert_cmpuint(e[3] & 1, ==, 1);
            bsps += !!(e[3] & 2);
            g_assert_cmpuint(!!(e[3] & 2), ==, procs == 0);
            g_assert_cmphex(rd32(e + 4), !=, 0);    /* CPUID.1:EAX */
            procs++;
            e += 20;
            continue;
        case 1:
            g_assert_cmpmem(e + 2, 6, "ISA   ", 6);
            buses++;
            break;
        case 2:
            ioapic_id = e[1];
            g_assert_cmphex(rd32(e + 4), ==, 0xFEC00000);
            ioapics++;
            break;
        case 3:
            g_assert_cmpint(e[6], ==, ioapic_id);
            g_assert_cmpuint(e[7], ==, e[5] == 0 ? 2 : e[5]);
            irq_seen[e[5] & 15] = true;
            ioints++;
            break;
        case 4:
            g_assert_cmpuint(e[7], ==, e[1] == 3 ? 0 : 1);
            lints++;
            break;
        }
        e += 8;
    }
    g_assert_cmpuint(e - cfg, ==, rd16(hdr + 4));
    g_assert_cmpuint(procs, ==, ncpus);
    g_assert_cmpuint(bsps, ==, 1);
    g_assert_cmpuint(buses, ==, 1);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(ioints, ==, 15);
    g_assert_true(irq_seen[0]);
    g_assert_false(irq_seen[2]);
    g_assert_cmpuint(lints, ==, 2);
    qtest_quit(s);
}

static void test_smp1(void) { check_mptable(1); }
static void test_smp2(void) { check_mptable(2); }
static void test_smp4(void) { check_mptable(4); }
static void test_smp8(void) { check_mptable(8); }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mptable/processor-entry-per-vcpu/smp1", test_smp1);
    g_test_add_func("/mptable/processor-entry-per-vcpu/smp2", test_smp2);
    g_test_add_func("/mptable/processor-entry-per-vcpu/smp4", test_smp4);
    g_test_add_func("/mptable/processor-entry-per-vcpu/smp8", test_smp8);
    return g_test_run();
}
