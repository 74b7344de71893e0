/*
 * Power-off and reset from the guest, the way an OS does them without a
 * BIOS. action=poweroff: read PM1a_CNT_BLK from the FADT and SLP_TYPa from
 * the DSDT's \_S5 package (ACPI 6.x 7.4.2 and 4.8.3.2.1), first check that
 * SLP_EN with the \_S0 type leaves the machine running, then write SLP_TYP
 * and SLP_EN for S5. action=kbd: the i8042 pulse-reset command 0xFE on port
 * 0x64. action=cf9: the FADT reset register (I/O 0xCF9 <- 0x06), or 0xCF9
 * itself when there is no ACPI. action=port92: the fast reset bit of port
 * 0x92. action=rewrite (run without -no-reboot): damage the MP floating
 * pointers, the RSDP and the MADT, leave a mark in low RAM and reset through
 * 0xCF9; booted again, the tables must be whole, as the board writes them at
 * every reset. The runner checks the run's end (SHUTDOWN, exit, or a stop under
 * -no-shutdown); the guest failing to stop prints FAIL.
 */
#include "fwlib.h"

const char *test_name = "fw-power";

static struct fw_args args;

/* AML PkgLength (ACPI 6.x 20.2.4): its size in bytes. */
static int pkglen_bytes(const uint8_t *p)
{
    return 1 + (p[0] >> 6);
}

/* One integer element of a package: ZeroOp, OneOp, BytePrefix, WordPrefix. */
static int aml_int(const uint8_t **pp, uint32_t *v)
{
    const uint8_t *p = *pp;
    switch (p[0]) {
    case 0x00:
        *v = 0;
        *pp = p + 1;
        return 0;
    case 0x01:
        *v = 1;
        *pp = p + 1;
        return 0;
    case 0x0a:
        *v = p[1];
        *pp = p + 2;
        return 0;
    case 0x0b:
        *v = rd16(p + 1);
        *pp = p + 3;
        return 0;
    }
    return -1;
}

/* SLP_TYPa of the sleep state object name ("_S5_", "_S0_"): -1 if absent. */
static int sleep_type(const uint8_t *dsdt, const char *name)
{
    uint32_t len = rd32(dsdt + 4);

    for (uint32_t i = 36; i + 8 < len; i++) {
        const uint8_t *p = dsdt + i;
        /* NameOp NameString PackageOp PkgLength NumElements elements;
         * the name may start with the root prefix '\' */
        if (p[0] != 0x08) {
            continue;
        }
        p += 1 + (p[1] == '\\');
        if (fw_sig(p, name) && p[4] == 0x12) {
            const uint8_t *q = p + 5 + pkglen_bytes(p + 5) + 1;
            uint32_t v;
            return aml_int(&q, &v) == 0 ? (int)v : -1;
        }
    }
    return -1;
}

static void poweroff(const uint8_t *fadt)
{
    uint16_t cnt = rd32(fadt + 64);
    const uint8_t *dsdt = phys(rd32(fadt + 40));
    int s5 = sleep_type(dsdt, "_S5_"), s0 = sleep_type(dsdt, "_S0_");

    CHECK_EQ(s5, 7, "DSDT \\_S5 SLP_TYPa");
    CHECK_EQ(s0, 0, "DSDT \\_S0 SLP_TYPa");
    CHECK(cnt != 0, "PM1a_CNT_BLK 0x%x", cnt);
    if (s5 < 0 || s0 < 0 || !cnt) {
        return;
    }
    /* SLP_TYP bits 12:10, SLP_EN bit 13 (ACPI 6.x table 4.13) */
    outw(cnt, (inw(cnt) & 1) | (s0 << 10) | (1 << 13));
    fw_spin(1000000);
    CHECK(true, "SLP_EN with the \\_S0 type left the machine running");
    rt_printf("# powering off: PM1a_CNT 0x%x <- SLP_TYP %d | SLP_EN\n", cnt, s5);
    outw(cnt, (inw(cnt) & 1) | (s5 << 10) | (1 << 13));
}

/* A mark in low RAM that survives the reset: magic, then the boot count. */
#define REWRITE_MARK    0x7f00
#define REWRITE_MAGIC   0x52575431u     /* "RWT1" */

static void rewrite(const uint8_t *rsdp)
{
    volatile uint32_t *mark = phys(REWRITE_MARK);
    uint8_t *mpf_ebda = (uint8_t *)fw_find_mpf_in(fw_ebda_base(), 1024);
    uint8_t *mpf_bios = (uint8_t *)fw_find_mpf_in(0xf0000, 0x10000);
    uint8_t *madt = rsdp ? (uint8_t *)fw_acpi_table(rsdp, "APIC") : NULL;

    if (mark[0] == REWRITE_MAGIC) {
        mark[0] = 0;
        CHECK_EQ(mark[1], 1, "booted again once after the reset");
        CHECK(mpf_ebda != NULL, "after reset: the EBDA MP floating pointer is whole");
        CHECK(mpf_bios != NULL, "after reset: the BIOS-area MP floating pointer is whole");
        CHECK(rsdp != NULL, "after reset: the RSDP is whole");
        CHECK(madt && fw_sum(madt, rd32(madt + 4)) == 0,
              "after reset: the MADT checksum is valid");
        return;
    }
    CHECK(mpf_ebda && mpf_bios && rsdp && madt, "all tables there before the reset");
    if (!(mpf_ebda && mpf_bios && rsdp && madt)) {
        return;
    }
    mpf_ebda[10]++;
    mpf_bios[10]++;
    ((uint8_t *)rsdp)[8]++;
    madt[9]++;
    CHECK(!fw_find_mpf_in(fw_ebda_base(), 1024) && !fw_find_mpf_in(0xf0000, 0x10000)
          && !fw_find_rsdp() && fw_sum(madt, rd32(madt + 4)) != 0,
          "the guest can damage the tables (they are in RAM)");
    mark[0] = REWRITE_MAGIC;
    mark[1] = mark[1] + 1;
    rt_printf("# tables damaged, resetting through 0xcf9\n");
    outb(0xcf9, 0x06);
}

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

void test_main(void)
{
    const uint8_t *rsdp, *fadt = NULL;

    fw_parse_args(&args);
    rsdp = fw_find_rsdp();
    if (rsdp) {
        fadt = fw_acpi_table(rsdp, "FACP");
    }
    CHECK(args.acpi ? fadt != NULL : rsdp == NULL, "FADT present only with ACPI");

    if (streq(args.action, "rewrite")) {
        if (*(volatile uint32_t *)phys(REWRITE_MARK) != REWRITE_MAGIC) {
            ((volatile uint32_t *)phys(REWRITE_MARK))[1] = 0;
        }
        rewrite(rsdp);
        if (*(volatile uint32_t *)phys(REWRITE_MARK) != REWRITE_MAGIC) {
            return;
        }
    } else if (streq(args.action, "poweroff") && fadt) {
        poweroff(fadt);
    } else if (streq(args.action, "kbd")) {
        /* wait for the input buffer (status bit 1) to drain, then pulse */
        for (int i = 0; i < 100000 && (inb(0x64) & 2); i++) {
        }
        rt_printf("# resetting: i8042 command 0xfe\n");
        outb(0x64, 0xfe);
    } else if (streq(args.action, "cf9")) {
        uint16_t port = 0xcf9;
        uint8_t val = 0x06;
        if (fadt && (rd32(fadt + 112) & (1u << 10)) && fadt[116] == 1) {
            port = rd64(fadt + 120);
            val = fadt[128];
        }
        rt_printf("# resetting: port 0x%x <- 0x%x\n", port, val);
        outb(port, val);
    } else if (streq(args.action, "port92")) {
        rt_printf("# resetting: port 0x92 bit 0\n");
        outb(0x92, inb(0x92) & ~1);
        outb(0x92, inb(0x92) | 1);
    } else {
        CHECK(false, "unknown action '%s'", args.action);
        return;
    }
    fw_spin(20000000);
    CHECK(false, "the machine still runs after action=%s", args.action);
}
