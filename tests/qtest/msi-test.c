/*
 * qtest of the MSI window: 32-bit writes at 0xFEExxxxx in the system view
 * (qtest's default, `cpu system`) are message signalled interrupts, decoded
 * as SDM vol. 3A 11.11 says (address: destination 19:12, redirection hint
 * 3, destination mode 2; data: vector 7:0, delivery mode 10:8, level 14,
 * trigger 15), and land in the destination LAPIC (checked with `intr_poll`
 * and the LAPIC's TMR through `cpu N`). A vCPU's own stores there are not
 * MSIs. Tests skip, saying what is missing, while the machine lacks the
 * LAPICs or the interrupt commands.
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

#define MSI_BASE        0xfee00000u
#define MSI_ADDR(dest, rh, logical) \
    (MSI_BASE | ((uint32_t)(dest) << 12) | ((rh) ? 0x8u : 0) | \
     ((logical) ? 0x4u : 0))
#define MSI_DATA(vec, dm, level_trig, assert) \
    ((uint32_t)(vec) | ((uint32_t)(dm) << 8) | ((assert) ? 1u << 14 : 0) | \
     ((level_trig) ? 1u << 15 : 0))
#define DM_FIXED        0
#define DM_LOWPRI       1
#define DM_SMI          2
#define DM_NMI          4
#define DM_INIT         5

#define LAPIC_BASE      0xfee00000ULL
#define LAPIC_VER       (LAPIC_BASE + 0x030)
#define LAPIC_TPR       (LAPIC_BASE + 0x080)
#define LAPIC_LDR       (LAPIC_BASE + 0x0d0)
#define LAPIC_DFR       (LAPIC_BASE + 0x0e0)
#define LAPIC_SVR       (LAPIC_BASE + 0x0f0)
#define LAPIC_TMR(v)    (LAPIC_BASE + 0x180 + 0x10 * ((v) / 32))
#define LAPIC_IRR(v)    (LAPIC_BASE + 0x200 + 0x10 * ((v) / 32))

static QTestState *start(int ncpus)
{
    QTestState *s = qtest_initf("-smp %d", ncpus);
    const char *missing = NULL;
    g_autofree char *poll = qtest_cmd(s, "intr_poll 0");

    for (int cpu = 0; cpu < ncpus && !missing; cpu++) {
        g_autofree char *r = qtest_cmd(s, "cpu %d", cpu);

        if (!g_str_has_prefix(r, "OK") ||
            (qtest_readl(s, LAPIC_VER) & 0xff) != 0x14) {
            missing = "the vCPUs have no LAPIC at 0xFEE00000 yet";
        }
    }
    if (!missing && !g_str_has_prefix(poll, "OK")) {
        missing = "qtest has no intr_poll/intr_ack yet";
    }
    if (missing) {
        g_test_skip(missing);
        qtest_quit(s);
        return NULL;
    }
    for (int cpu = 0; cpu < ncpus; cpu++) {
        qtest_cpu_select(s, cpu);
        qtest_writel(s, LAPIC_SVR, 0x1ff);
        qtest_writel(s, LAPIC_DFR, 0xffffffff);         /* flat model */
        qtest_writel(s, LAPIC_LDR, (1u << cpu) << 24);
    }
    qtest_cpu_select(s, -1);
    return s;
}

static void assert_poll(QTestState *s, int cpu, const char *expected)
{
    g_autofree char *r = qtest_cmd(s, "intr_poll %d", cpu);

    g_assert_cmpstr(r, ==, expected);
}

static bool lapic_bit(QTestState *s, int cpu, uint64_t reg, int vector)
{
    uint32_t v;

    qtest_cpu_select(s, cpu);
    v = qtest_readl(s, reg);
    qtest_cpu_select(s, -1);
    return (v >> (vector % 32)) & 1;
}

/* In the IRR of that CPU. (An AP waits for a SIPI after reset and
 * intr_poll then reports only INIT and SIPI, so read the IRR.) */
static bool irr_bit(QTestState *s, int cpu, int vector)
{
    return lapic_bit(s, cpu, LAPIC_IRR(vector), vector);
}

static bool tmr_bit(QTestState *s, int cpu, int vector)
{
    return lapic_bit(s, cpu, LAPIC_TMR(vector), vector);
}

static void test_fixed_physical_reaches_destination(void)
{
    QTestState *s = start(2);

    if (!s) {
        return;
    }
    qtest_writel(s, MSI_ADDR(1, 0, 0), MSI_DATA(0x41, DM_FIXED, 0, 0));
    g_assert_true(irr_bit(s, 1, 0x41));
    g_assert_false(irr_bit(s, 0, 0x41));
    g_assert_false(tmr_bit(s, 1, 0x41));
    qtest_writel(s, MSI_ADDR(0, 0, 0), MSI_DATA(0x52, DM_FIXED, 0, 0));
    assert_poll(s, 0, "OK fixed 0x52");
    qtest_quit(s);
}

static void test_level_trigger_sets_tmr(void)
{
    QTestState *s = start(1);

    if (!s) {
        return;
    }
    qtest_writel(s, MSI_ADDR(0, 0, 0), MSI_DATA(0x63, DM_FIXED, 1, 1));
    assert_poll(s, 0, "OK fixed 0x63");
    g_assert_true(tmr_bit(s, 0, 0x63));
    qtest_quit(s);
}

static void test_logical_destination(void)
{
    QTestState *s = start(2);

    if (!s) {
        return;
    }
    qtest_writel(s, MSI_ADDR(0x02, 0, 1), MSI_DATA(0x44, DM_FIXED, 0, 0));
    g_assert_true(irr_bit(s, 1, 0x44));
    g_assert_false(irr_bit(s, 0, 0x44));
    qtest_quit(s);
}

static void test_lowest_priority_with_redirection_hint(void)
{
    QTestState *s = start(2);

    if (!s) {
        return;
    }
    qtest_cpu_select(s, 0);
    qtest_writel(s, LAPIC_TPR, 0x10);
    qtest_cpu_select(s, 1);
    qtest_writel(s, LAPIC_TPR, 0x50);
    qtest_cpu_select(s, -1);
    qtest_writel(s, MSI_ADDR(0x03, 1, 1), MSI_DATA(0x75, DM_LOWPRI, 0, 0));
    assert_poll(s, 0, "OK fixed 0x75");
    g_assert_false(irr_bit(s, 1, 0x75));
    qtest_quit(s);
}

static void test_nmi_smi_init_modes(void)
{
    QTestState *s = start(2);

    if (!s) {
        return;
    }
    /* NMI and SMI to the BSP (which runs), INIT to the AP. */
    qtest_writel(s, MSI_ADDR(0, 0, 0), MSI_DATA(0, DM_NMI, 0, 0));
    assert_poll(s, 0, "OK nmi");
    g_free(qtest_cmd(s, "intr_ack 0"));
    qtest_writel(s, MSI_ADDR(0, 0, 0), MSI_DATA(0, DM_SMI, 0, 0));
    assert_poll(s, 0, "OK smi");
    g_free(qtest_cmd(s, "intr_ack 0"));
    assert_poll(s, 0, "OK none");
    qtest_writel(s, MSI_ADDR(1, 0, 0), MSI_DATA(0, DM_INIT, 0, 0));
    assert_poll(s, 1, "OK init");
    assert_poll(s, 0, "OK none");
    qtest_quit(s);
}

static void test_reads_return_all_ones(void)
{
    QTestState *s = qtest_init("");
    g_autofree char *mtree = qtest_hmp(s, "info mtree");

    if (!strstr(mtree, "msi-window")) {
        g_test_skip("the machine does not map the MSI window yet");
        qtest_quit(s);
        return;
    }
    g_assert_cmphex(qtest_readl(s, MSI_BASE), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, MSI_BASE + 0xff000), ==, 0xffffffff);
    qtest_quit(s);
}

static void test_cpu_store_is_not_an_msi(void)
{
    QTestState *s = start(2);

    if (!s) {
        return;
    }
    /* CPU 0's store to 0xFEE01000 hits its view's hole, not the window. */
    qtest_cpu_select(s, 0);
    qtest_writel(s, MSI_ADDR(1, 0, 0), MSI_DATA(0x41, DM_FIXED, 0, 0));
    qtest_cpu_select(s, -1);
    g_assert_false(irr_bit(s, 1, 0x41));
    /* The same store from the system view is one. */
    qtest_writel(s, MSI_ADDR(1, 0, 0), MSI_DATA(0x41, DM_FIXED, 0, 0));
    g_assert_true(irr_bit(s, 1, 0x41));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msi/fixed/physical-reaches-destination",
                    test_fixed_physical_reaches_destination);
    g_test_add_func("/msi/trigger/level-sets-tmr",
                    test_level_trigger_sets_tmr);
    g_test_add_func("/msi/dest/logical",
                    test_logical_destination);
    g_test_add_func("/msi/lowpri/redirection-hint-picks-lower-tpr",
                    test_lowest_priority_with_redirection_hint);
    g_test_add_func("/msi/delivery/nmi-smi-init",
                    test_nmi_smi_init_modes);
    g_test_add_func("/msi/read/returns-all-ones",
                    test_reads_return_all_ones);
    g_test_add_func("/msi/cpu-view/store-is-not-an-msi",
                    test_cpu_store_is_not_an_msi);
    return g_test_run();
}
