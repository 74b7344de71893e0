/*
 * qtest of the IOAPIC in the whole machine: its registers at 0xFEC00000,
 * its pins driven with `set_irq_in ioapic unnamed-gpio-in N LEVEL`, and the
 * interrupts it sends seen where they land, in a LAPIC's IRR/TMR (read
 * through `cpu N` at 0xFEE00200/0xFEE00180) and through `intr_poll` /
 * `intr_ack`; EOIs are written to the LAPIC's EOI register (0xFEE000B0) or
 * to the IOAPIC's own (0xFEC00040). Each test checks first that what it
 * needs is wired in the machine and skips, saying what is missing, if not.
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

#define IOAPIC_BASE     0xfec00000ULL
#define IOREGSEL        (IOAPIC_BASE + 0x00)
#define IOWIN           (IOAPIC_BASE + 0x10)
#define IOAPIC_EOIR     (IOAPIC_BASE + 0x40)
#define REG_ID          0x00
#define REG_VER         0x01
#define REG_ARB         0x02
#define REG_REDTBL(pin) (0x10 + 2 * (pin))

#define RTE_LEVEL       (1u << 15)
#define RTE_MASKED      (1u << 16)
#define RTE_RIRR        (1u << 14)
#define RTE_LOGICAL     (1u << 11)
#define RTE_DM(m)       ((uint32_t)(m) << 8)
#define DM_LOWPRI       1

#define LAPIC_BASE      0xfee00000ULL
#define LAPIC_VER       (LAPIC_BASE + 0x030)
#define LAPIC_TPR       (LAPIC_BASE + 0x080)
#define LAPIC_EOI       (LAPIC_BASE + 0x0b0)
#define LAPIC_LDR       (LAPIC_BASE + 0x0d0)
#define LAPIC_DFR       (LAPIC_BASE + 0x0e0)
#define LAPIC_SVR       (LAPIC_BASE + 0x0f0)
#define LAPIC_ISR(v)    (LAPIC_BASE + 0x100 + 0x10 * ((v) / 32))
#define LAPIC_TMR(v)    (LAPIC_BASE + 0x180 + 0x10 * ((v) / 32))
#define LAPIC_IRR(v)    (LAPIC_BASE + 0x200 + 0x10 * ((v) / 32))
#define SVR_ENABLE      0x100
#define SVR_SUPPRESS_EOI_BROADCAST 0x1000

/* ---- what the machine has ---- */

static bool have_ioapic(QTestState *s)
{
    g_autofree char *r = qtest_cmd(s, "set_irq_in ioapic unnamed-gpio-in 23 0");

    return g_str_has_prefix(r, "OK");
}

static bool have_lapics(QTestState *s, int ncpus)
{
    bool ok = true;

    for (int cpu = 0; cpu < ncpus && ok; cpu++) {
        g_autofree char *r = qtest_cmd(s, "cpu %d", cpu);

        ok = g_str_has_prefix(r, "OK") &&
             (qtest_readl(s, LAPIC_VER) & 0xff) == 0x14;
    }
    qtest_cpu_select(s, -1);
    return ok;
}

static bool have_intr_poll(QTestState *s)
{
    g_autofree char *r = qtest_cmd(s, "intr_poll 0");

    return g_str_has_prefix(r, "OK");
}

/* Start a machine with ncpus and the extra args; NULL (test skipped) if the
 * IOAPIC, the LAPICs or the interrupt commands are not there yet. */
static QTestState *start(int ncpus, bool need_lapic, const char *extra)
{
    QTestState *s = qtest_initf("-smp %d %s", ncpus, extra ? extra : "");
    const char *missing = NULL;

    if (!have_ioapic(s)) {
        missing = "the machine has no IOAPIC at /machine/ioapic yet";
    } else if (need_lapic && !have_lapics(s, ncpus)) {
        missing = "the vCPUs have no LAPIC at 0xFEE00000 yet";
    } else if (need_lapic && !have_intr_poll(s)) {
        missing = "qtest has no intr_poll/intr_ack yet";
    }
    if (missing) {
        g_test_skip(missing);
        qtest_quit(s);
        return NULL;
    }
    return s;
}

/* ---- IOAPIC registers (system view) ---- */

static uint32_t ioapic_read(QTestState *s, uint8_t index)
{
    qtest_cpu_select(s, -1);
    qtest_writel(s, IOREGSEL, index);
    return qtest_readl(s, IOWIN);
}

static void ioapic_write(QTestState *s, uint8_t index, uint32_t val)
{
    qtest_cpu_select(s, -1);
    qtest_writel(s, IOREGSEL, index);
    qtest_writel(s, IOWIN, val);
}

static void rte_set(QTestState *s, int pin, uint32_t lo, uint8_t dest)
{
    ioapic_write(s, REG_REDTBL(pin) + 1, (uint32_t)dest << 24);
    ioapic_write(s, REG_REDTBL(pin), lo);
}

static uint32_t rte_lo(QTestState *s, int pin)
{
    return ioapic_read(s, REG_REDTBL(pin));
}

static void pin_set(QTestState *s, int pin, int level)
{
    qtest_set_irq_in(s, "ioapic", "unnamed-gpio-in", pin, level);
}

/* ---- LAPIC side ---- */

static void lapic_enable(QTestState *s, int cpu, uint32_t svr_extra)
{
    qtest_cpu_select(s, cpu);
    qtest_writel(s, LAPIC_SVR, SVR_ENABLE | 0xff | svr_extra);
    qtest_cpu_select(s, -1);
}

static bool lapic_bit(QTestState *s, int cpu, uint64_t reg, int vector)
{
    uint32_t v;

    qtest_cpu_select(s, cpu);
    v = qtest_readl(s, reg);
    qtest_cpu_select(s, -1);
    return (v >> (vector % 32)) & 1;
}

static void lapic_eoi(QTestState *s, int cpu)
{
    qtest_cpu_select(s, cpu);
    qtest_writel(s, LAPIC_EOI, 0);
    qtest_cpu_select(s, -1);
}

static void assert_intr(QTestState *s, const char *cmd, int cpu,
                        const char *expected)
{
    g_autofree char *r = qtest_cmd(s, "%s %d", cmd, cpu);

    g_assert_cmpstr(r, ==, expected);
}

/* ---- tests ---- */

static void test_id_version_arbitration_registers(void)
{
    QTestState *s = start(1, false, NULL);

    if (!s) {
        return;
    }
    g_assert_cmphex(ioapic_read(s, REG_VER), ==, 0x00170020);
    ioapic_write(s, REG_VER, 0);
    g_assert_cmphex(ioapic_read(s, REG_VER), ==, 0x00170020);
    ioapic_write(s, REG_ID, 0xffffffff);
    g_assert_cmphex(ioapic_read(s, REG_ID), ==, 0x0f000000);
    ioapic_write(s, REG_ID, 0x02000000);
    g_assert_cmphex(ioapic_read(s, REG_ARB), ==, 0x02000000);
    ioapic_write(s, REG_ARB, 0x0f000000);
    g_assert_cmphex(ioapic_read(s, REG_ARB), ==, 0x02000000);
    /* Every entry masked after reset, read-only bits not writable. */
    g_assert_cmphex(rte_lo(s, 0), ==, RTE_MASKED);
    ioapic_write(s, REG_REDTBL(0), 0xffffffff);
    g_assert_cmphex(rte_lo(s, 0), ==, 0x0001afff);
    qtest_quit(s);
}

static void test_version_0x11_by_global(void)
{
    QTestState *s = start(1, false, "-global ioapic.version=0x11");

    if (!s) {
        return;
    }
    g_assert_cmphex(ioapic_read(s, REG_VER), ==, 0x00170011);
    qtest_quit(s);
}

static void test_bad_version_is_launcher_error(void)
{
    const char *const args[] = { "-machine", "accel=qtest", "-display", "none",
                           "-global", "ioapic.version=0x12", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    QTestState *probe = start(1, false, NULL);
    int status;

    if (!probe) {
        return;
    }
    qtest_quit(probe);
    status = qtest_run_lapis(args, NULL, &out, &err, 10000);
    g_assert_cmpint(status, !=, 0);
    g_assert_nonnull(strstr(err, "IOAPIC version must be 0x11 or 0x20"));
}

static void test_irq_intercept_in_reports_pins(void)
{
    QTestState *s = start(1, false, NULL);

    if (!s) {
        return;
    }
    qtest_irq_intercept_in(s, "ioapic");
    g_assert_false(qtest_get_irq(s, 5));
    pin_set(s, 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    pin_set(s, 5, 0);
    g_assert_false(qtest_get_irq(s, 5));
    pin_set(s, 23, 1);
    g_assert_true(qtest_get_irq(s, 23));
    qtest_quit(s);
}

static void test_edge_reaches_irr_without_tmr(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    rte_set(s, 4, 0x34, 0);
    pin_set(s, 4, 1);
    g_assert_true(lapic_bit(s, 0, LAPIC_IRR(0x34), 0x34));
    g_assert_false(lapic_bit(s, 0, LAPIC_TMR(0x34), 0x34));
    assert_intr(s, "intr_ack", 0, "OK fixed 0x34");
    lapic_eoi(s, 0);
    /* Still high: no new edge, nothing pending. */
    assert_intr(s, "intr_poll", 0, "OK none");
    pin_set(s, 4, 0);
    pin_set(s, 4, 1);
    assert_intr(s, "intr_poll", 0, "OK fixed 0x34");
    qtest_quit(s);
}

static void test_level_lifecycle(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    rte_set(s, 9, RTE_LEVEL | 0x59, 0);
    pin_set(s, 9, 1);
    g_assert_true(lapic_bit(s, 0, LAPIC_IRR(0x59), 0x59));
    g_assert_true(lapic_bit(s, 0, LAPIC_TMR(0x59), 0x59));
    g_assert_cmphex(rte_lo(s, 9) & RTE_RIRR, ==, RTE_RIRR);

    assert_intr(s, "intr_ack", 0, "OK fixed 0x59");
    g_assert_true(lapic_bit(s, 0, LAPIC_ISR(0x59), 0x59));
    /* EOI while still asserted: remote IRR cleared, delivered again. */
    lapic_eoi(s, 0);
    g_assert_true(lapic_bit(s, 0, LAPIC_IRR(0x59), 0x59));
    g_assert_cmphex(rte_lo(s, 9) & RTE_RIRR, ==, RTE_RIRR);

    /* Deassert, take it, EOI: all clear. */
    pin_set(s, 9, 0);
    assert_intr(s, "intr_ack", 0, "OK fixed 0x59");
    lapic_eoi(s, 0);
    g_assert_cmphex(rte_lo(s, 9) & RTE_RIRR, ==, 0);
    assert_intr(s, "intr_poll", 0, "OK none");
    qtest_quit(s);
}

static void test_level_mask_unmask_redelivers(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    rte_set(s, 10, RTE_MASKED | RTE_LEVEL | 0x61, 0);
    pin_set(s, 10, 1);
    assert_intr(s, "intr_poll", 0, "OK none");
    rte_set(s, 10, RTE_LEVEL | 0x61, 0);
    assert_intr(s, "intr_ack", 0, "OK fixed 0x61");
    /* Mask, EOI (remote IRR clears, nothing sent while masked), unmask. */
    rte_set(s, 10, RTE_MASKED | RTE_LEVEL | 0x61, 0);
    lapic_eoi(s, 0);
    g_assert_cmphex(rte_lo(s, 10) & RTE_RIRR, ==, 0);
    assert_intr(s, "intr_poll", 0, "OK none");
    rte_set(s, 10, RTE_LEVEL | 0x61, 0);
    assert_intr(s, "intr_poll", 0, "OK fixed 0x61");
    qtest_quit(s);
}

static void test_switch_to_edge_clears_remote_irr(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    rte_set(s, 5, RTE_LEVEL | 0x45, 0);
    pin_set(s, 5, 1);
    g_assert_cmphex(rte_lo(s, 5) & RTE_RIRR, ==, RTE_RIRR);
    rte_set(s, 5, 0x45, 0);
    g_assert_cmphex(rte_lo(s, 5) & RTE_RIRR, ==, 0);
    qtest_quit(s);
}

static void test_eoi_register_with_suppressed_broadcast(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, SVR_SUPPRESS_EOI_BROADCAST);
    rte_set(s, 7, RTE_LEVEL | 0x77, 0);
    pin_set(s, 7, 1);
    assert_intr(s, "intr_ack", 0, "OK fixed 0x77");
    /* The LAPIC's EOI does not reach the IOAPIC. */
    lapic_eoi(s, 0);
    g_assert_cmphex(rte_lo(s, 7) & RTE_RIRR, ==, RTE_RIRR);
    assert_intr(s, "intr_poll", 0, "OK none");
    /* The directed EOI does, and the asserted line comes again. */
    qtest_writel(s, IOAPIC_EOIR, 0x77);
    assert_intr(s, "intr_poll", 0, "OK fixed 0x77");
    pin_set(s, 7, 0);
    assert_intr(s, "intr_ack", 0, "OK fixed 0x77");
    lapic_eoi(s, 0);
    qtest_writel(s, IOAPIC_EOIR, 0x77);
    g_assert_cmphex(rte_lo(s, 7) & RTE_RIRR, ==, 0);
    qtest_quit(s);
}

static void test_physical_destination_reaches_only_that_cpu(void)
{
    QTestState *s = start(2, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    lapic_enable(s, 1, 0);
    rte_set(s, 3, 0x33, 1);
    pin_set(s, 3, 1);
    /* IRR, not intr_poll: the AP waits for a SIPI and reports only those. */
    g_assert_true(lapic_bit(s, 1, LAPIC_IRR(0x33), 0x33));
    g_assert_false(lapic_bit(s, 0, LAPIC_IRR(0x33), 0x33));
    qtest_quit(s);
}

static void test_lowest_priority_picks_lower_tpr(void)
{
    QTestState *s = start(2, true, NULL);

    if (!s) {
        return;
    }
    for (int cpu = 0; cpu < 2; cpu++) {
        lapic_enable(s, cpu, 0);
        qtest_cpu_select(s, cpu);
        qtest_writel(s, LAPIC_DFR, 0xffffffff);         /* flat model */
        qtest_writel(s, LAPIC_LDR, (1u << cpu) << 24);
        qtest_writel(s, LAPIC_TPR, cpu == 0 ? 0x40 : 0x10);
    }
    qtest_cpu_select(s, -1);
    rte_set(s, 6, RTE_DM(DM_LOWPRI) | RTE_LOGICAL | 0x86, 0x03);
    pin_set(s, 6, 1);
    g_assert_true(lapic_bit(s, 1, LAPIC_IRR(0x86), 0x86));
    g_assert_false(lapic_bit(s, 0, LAPIC_IRR(0x86), 0x86));
    qtest_quit(s);
}

/* hw/intc/ioapic.c, docs/ioapic.md: immediate re-deliveries of one pin in
 * a row before damping, and the delay then. */
#define STORM_THRESHOLD 10000
#define STORM_DELAY_NS  100000

static void test_storm_damped_not_lost(void)
{
    QTestState *s = start(1, true, NULL);

    if (!s) {
        return;
    }
    lapic_enable(s, 0, 0);
    rte_set(s, 20, RTE_LEVEL | 0x90, 0);
    pin_set(s, 20, 1);
    qtest_cpu_select(s, 0);
    for (int i = 0; i < STORM_THRESHOLD; i++) {
        /* Each EOI of the still-asserted line brings it back at once. */
        assert_intr(s, "intr_ack", 0, "OK fixed 0x90");
        qtest_writel(s, LAPIC_EOI, 0);
    }
    assert_intr(s, "intr_ack", 0, "OK fixed 0x90");
    qtest_writel(s, LAPIC_EOI, 0);
    /* One too many: the next one waits on the virtual clock. */
    assert_intr(s, "intr_poll", 0, "OK none");
    qtest_clock_step(s, STORM_DELAY_NS - 1);
    assert_intr(s, "intr_poll", 0, "OK none");
    qtest_clock_step(s, 1);
    assert_intr(s, "intr_poll", 0, "OK fixed 0x90");
    /* The line lets go and comes back: immediate again. */
    assert_intr(s, "intr_ack", 0, "OK fixed 0x90");
    pin_set(s, 20, 0);
    pin_set(s, 20, 1);
    qtest_cpu_select(s, 0);
    qtest_writel(s, LAPIC_EOI, 0);
    assert_intr(s, "intr_poll", 0, "OK fixed 0x90");
    qtest_quit(s);
}

static void test_info_ioapic_decodes_entries(void)
{
    QTestState *s = start(1, false, NULL);
    g_autofree char *out = NULL;

    if (!s) {
        return;
    }
    rte_set(s, 1, RTE_LEVEL | 0x31, 0x02);
    out = qtest_hmp(s, "info ioapic");
    g_assert_nonnull(strstr(out, "ioapic0: ver=0x20 id=0x00 sel=0x12 "
                                 "(redir[1])"));
    g_assert_nonnull(strstr(out, "  pin 1  0x0200000000008031 dest=0x02 "
                                 "vec=49  active-hi level        fixed  "
                                 "physical"));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/registers/id-version-arbitration",
                    test_id_version_arbitration_registers);
    g_test_add_func("/ioapic/version/0x11-by-global",
                    test_version_0x11_by_global);
    g_test_add_func("/ioapic/version/bad-value-is-launcher-error",
                    test_bad_version_is_launcher_error);
    g_test_add_func("/ioapic/irq-intercept-in/reports-pins",
                    test_irq_intercept_in_reports_pins);
    g_test_add_func("/ioapic/edge/reaches-irr-without-tmr",
                    test_edge_reaches_irr_without_tmr);
    g_test_add_func("/ioapic/level/assert-deliver-eoi-redeliver",
                    test_level_lifecycle);
    g_test_add_func("/ioapic/level/mask-unmask-redelivers",
                    test_level_mask_unmask_redelivers);
    g_test_add_func("/ioapic/level/switch-to-edge-clears-remote-irr",
                    test_switch_to_edge_clears_remote_irr);
    g_test_add_func("/ioapic/eoi-register/suppressed-broadcast",
                    test_eoi_register_with_suppressed_broadcast);
    g_test_add_func("/ioapic/delivery/physical-dest-only-that-cpu",
                    test_physical_destination_reaches_only_that_cpu);
    g_test_add_func("/ioapic/delivery/lowest-priority-picks-lower-tpr",
                    test_lowest_priority_picks_lower_tpr);
    g_test_add_func("/ioapic/storm/damped-not-lost",
                    test_storm_damped_not_lost);
    g_test_add_func("/ioapic/info/decodes-entries",
                    test_info_ioapic_decodes_entries);
    return g_test_run();
}
