/*
 * qtest of the local APIC: each vCPU's LAPIC through its own view of memory
 * (`cpu N`, then reads and writes at 0xFEE00000), IA32_APIC_BASE and the
 * x2APIC MSRs (`rdmsr`/`wrmsr`), IPIs between vCPUs, the timer with
 * `clock_step`, the acceptance path (`intr_poll`/`intr_ack`) and the monitor
 * (`info lapic`, `inject-nmi`). The machine runs 4 vCPUs of a model with
 * x2APIC and the TSC-deadline timer. A test that needs something the
 * emulator does not offer yet (no LAPIC created by the machine, no
 * intr_poll command) skips and says so.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <inttypes.h>
#include "libqtest.h"

#define LAPIC           0xfee00000ULL
#define REG_ID          0x020
#define REG_VERSION     0x030
#define REG_TPR         0x080
#define REG_APR         0x090
#define REG_PPR         0x0a0
#define REG_EOI         0x0b0
#define REG_LDR         0x0d0
#define REG_DFR         0x0e0
#define REG_SVR         0x0f0
#define REG_ISR         0x100
#define REG_TMR         0x180
#define REG_IRR         0x200
#define REG_ESR         0x280
#define REG_ICR_LO      0x300
#define REG_ICR_HI      0x310
#define REG_LVT_CMCI    0x2f0
#define REG_LVT_TIMER   0x320
#define REG_LVT_THERMAL 0x330
#define REG_LVT_PERF    0x340
#define REG_LVT_LINT0   0x350
#define REG_LVT_LINT1   0x360
#define REG_LVT_ERROR   0x370
#define REG_TIMER_ICR   0x380
#define REG_TIMER_CCR   0x390
#define REG_TIMER_DCR   0x3e0

#define MSR_APICBASE    0x1b
#define MSR_TSC         0x10
#define MSR_TSC_DEADLINE 0x6e0
#define APICBASE_BSP    (1ULL << 8)
#define APICBASE_EXTD   (1ULL << 10)
#define APICBASE_EN     (1ULL << 11)

#define ICR_LOGICAL     (1u << 11)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL_TRIG  (1u << 15)
#define ICR_SELF        (1u << 18)
#define ICR_ALL         (2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define DM_LOWPRI       (1u << 8)
#define DM_SMI          (2u << 8)
#define DM_EXTINT       (7u << 8)
#define LVT_ACTIVE_LOW  (1u << 13)
#define LVT_REMOTE_IRR  (1u << 14)
#define LVT_LEVEL       (1u << 15)
#define LVT_MASKED      (1u << 16)
#define DM_NMI          (4u << 8)
#define DM_INIT         (5u << 8)
#define DM_SIPI         (6u << 8)

#define MACHINE "-smp 4 -cpu qemu64,+x2apic,+tsc-deadline"

/* Start the machine; NULL (after g_test_skip) when it has no LAPICs yet. */
static QTestState *start_with(const char *extra)
{
    g_autofree char *args = g_strdup_printf("%s %s", MACHINE, extra);
    QTestState *s = qtest_init(args);

    qtest_cpu_select(s, 0);
    if (qtest_readl(s, LAPIC + REG_VERSION) == 0xffffffff) {
        g_test_skip("the machine does not create LAPICs yet (hw/i386/pc.c "
                    "must call x86_cpu_apic_realize for each CPU)");
        qtest_quit(s);
        return NULL;
    }
    return s;
}

static QTestState *start(void)
{
    return start_with("");
}

static uint32_t rd(QTestState *s, int cpu, uint32_t reg)
{
    qtest_cpu_select(s, cpu);
    return qtest_readl(s, LAPIC + reg);
}

static void wr(QTestState *s, int cpu, uint32_t reg, uint32_t val)
{
    qtest_cpu_select(s, cpu);
    qtest_writel(s, LAPIC + reg, val);
}

static void sw_enable_all(QTestState *s)
{
    for (int i = 0; i < 4; i++) {
        wr(s, i, REG_SVR, 0x1ff);
    }
}

static bool irr_has(QTestState *s, int cpu, unsigned v)
{
    return rd(s, cpu, REG_IRR + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(QTestState *s, int cpu, unsigned v)
{
    return rd(s, cpu, REG_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void ipi(QTestState *s, int from, uint8_t dest, uint32_t lo)
{
    wr(s, from, REG_ICR_HI, (uint32_t)dest << 24);
    wr(s, from, REG_ICR_LO, lo);
}

static uint64_t rdmsr_ok(QTestState *s, int cpu, uint32_t msr)
{
    uint64_t v = 0;

    g_assert_true(qtest_rdmsr(s, cpu, msr, &v));
    return v;
}

/*
 * intr_poll / intr_ack: the reply ("OK none", "OK fixed 0x30" ...), or NULL
 * after g_test_skip when the command does not exist yet.
 */
static char *intr(QTestState *s, const char *cmd, int cpu)
{
    char *r = qtest_cmd(s, "%s %d", cmd, cpu);

    if (!g_str_has_prefix(r, "OK")) {
        g_test_skip("qtest has no intr_poll/intr_ack yet (softmmu/qtest.c "
                    "must call apic_intr_poll_reply/apic_intr_ack_reply)");
        g_free(r);
        return NULL;
    }
    return r;
}

#define ASSERT_INTR(s, cmd, cpu, expect)                      \
    do {                                                      \
        g_autofree char *r_ = intr((s), (cmd), (cpu));        \
        if (!r_) {                                            \
            qtest_quit(s);                                    \
            return;                                           \
        }                                                     \
        g_assert_cmpstr(r_, ==, (expect));                    \
    } while (0)

/* ------------------------------------------------------------------ */

static void test_version_without_directed_eoi_ioapic(void)
{
    QTestState *s = start_with("-global ioapic.version=0x11");

    if (!s) {
        return;
    }
    g_assert_cmphex(rd(s, 0, REG_VERSION), ==, 0x00050014);
    qtest_quit(s);
}

static void test_version_and_ids_per_cpu(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    /* The pc machine's IOAPIC is version 0x20 (it has an EOI register), so
     * bit 24 advertises suppress-EOI-broadcast (SDM 11.8.5). */
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(rd(s, i, REG_VERSION), ==, 0x01050014);
        g_assert_cmphex(rd(s, i, REG_ID), ==, (uint32_t)i << 24);
    }
    g_assert_cmphex(rdmsr_ok(s, 0, MSR_APICBASE), ==,
                    0xfee00000 | APICBASE_EN | APICBASE_BSP);
    g_assert_cmphex(rdmsr_ok(s, 2, MSR_APICBASE), ==, 0xfee00000 | APICBASE_EN);
    g_assert_cmphex(rd(s, 1, REG_APR), ==, 0);
    qtest_quit(s);
}

static void test_register_reset_values_and_rw(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    g_assert_cmphex(rd(s, 1, REG_SVR), ==, 0xff);
    g_assert_cmphex(rd(s, 1, REG_DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(s, 1, REG_LDR), ==, 0);
    g_assert_cmphex(rd(s, 1, REG_LVT_LINT0), ==, 0x10000);
    wr(s, 1, REG_SVR, 0x1ff);
    wr(s, 1, REG_LDR, 0xa5ffffff);
    g_assert_cmphex(rd(s, 1, REG_LDR), ==, 0xa5000000);
    wr(s, 1, REG_DFR, 0x0);
    g_assert_cmphex(rd(s, 1, REG_DFR), ==, 0x0fffffff);
    wr(s, 1, REG_TPR, 0x1ab);
    g_assert_cmphex(rd(s, 1, REG_TPR), ==, 0xab);
    g_assert_cmphex(rd(s, 1, REG_PPR), ==, 0xab);
    wr(s, 1, REG_VERSION, 0);                   /* read-only */
    g_assert_cmphex(rd(s, 1, REG_VERSION), ==, 0x01050014);
    wr(s, 1, REG_TIMER_DCR, 0xff);
    g_assert_cmphex(rd(s, 1, REG_TIMER_DCR), ==, 0xb);
    wr(s, 1, REG_ICR_HI, 0xffffffff);
    g_assert_cmphex(rd(s, 1, REG_ICR_HI), ==, 0xff000000);
    qtest_quit(s);
}

static void test_id_writable_and_restored_after_global_disable(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    wr(s, 2, REG_ID, 0x07000000);
    g_assert_cmphex(rd(s, 2, REG_ID), ==, 0x07000000);
    g_assert_true(qtest_wrmsr(s, 2, MSR_APICBASE, 0xfee00000));
    g_assert_cmphex(rd(s, 2, REG_ID), ==, 0xffffffff);      /* page gone */
    g_assert_true(qtest_wrmsr(s, 2, MSR_APICBASE, 0xfee00000 | APICBASE_EN));
    g_assert_cmphex(rd(s, 2, REG_ID), ==, 0x02000000);
    g_assert_cmphex(rd(s, 2, REG_SVR), ==, 0xff);
    qtest_quit(s);
}

static void test_base_relocation_moves_page(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    wr(s, 1, REG_TPR, 0x40);
    g_assert_true(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfed00000 | APICBASE_EN));
    qtest_cpu_select(s, 1);
    g_assert_cmphex(qtest_readl(s, 0xfed00000 + REG_TPR), ==, 0x40);
    g_assert_cmphex(qtest_readl(s, LAPIC + REG_TPR), ==, 0xffffffff);
    /* Other vCPUs still see theirs at the default base. */
    g_assert_cmphex(rd(s, 0, REG_ID), ==, 0);
    qtest_quit(s);
}

static void test_base_reserved_bits_and_transitions(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    g_assert_false(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00001 | APICBASE_EN));
    g_assert_false(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00200 | APICBASE_EN));
    g_assert_false(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000 | APICBASE_EXTD));
    g_assert_true(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000 | APICBASE_EN |
                              APICBASE_EXTD));
    g_assert_false(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000 | APICBASE_EN));
    g_assert_true(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000));
    g_assert_false(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000 | APICBASE_EN |
                               APICBASE_EXTD));
    /* BSP is read-only. */
    g_assert_true(qtest_wrmsr(s, 1, MSR_APICBASE, 0xfee00000 | APICBASE_EN |
                              APICBASE_BSP));
    g_assert_cmphex(rdmsr_ok(s, 1, MSR_APICBASE), ==, 0xfee00000 | APICBASE_EN);
    qtest_quit(s);
}

static void test_x2apic_msrs_and_page_gone(void)
{
    QTestState *s = start();
    uint64_t v;

    if (!s) {
        return;
    }
    g_assert_false(qtest_rdmsr(s, 3, 0x802, &v));
    g_assert_true(qtest_wrmsr(s, 3, MSR_APICBASE, 0xfee00000 | APICBASE_EN |
                              APICBASE_EXTD));
    g_assert_cmphex(rdmsr_ok(s, 3, 0x802), ==, 3);
    g_assert_cmphex(rdmsr_ok(s, 3, 0x803), ==, 0x01050014);
    g_assert_cmphex(rdmsr_ok(s, 3, 0x80d), ==, 1u << 3);
    g_assert_false(qtest_wrmsr(s, 3, 0x802, 0));
    g_assert_false(qtest_wrmsr(s, 3, 0x80a, 0));
    g_assert_false(qtest_rdmsr(s, 3, 0x80b, &v));
    g_assert_false(qtest_wrmsr(s, 3, 0x80b, 1));
    g_assert_false(qtest_rdmsr(s, 3, 0x83f, &v));
    g_assert_false(qtest_rdmsr(s, 3, 0x80e, &v));
    g_assert_false(qtest_wrmsr(s, 3, 0x828, 5));
    g_assert_true(qtest_wrmsr(s, 3, 0x808, 0x30));
    /* The page reads all ones and drops writes (no #GP, no MSI). */
    qtest_cpu_select(s, 3);
    g_assert_cmphex(qtest_readl(s, LAPIC + REG_TPR), ==, 0xffffffff);
    qtest_writel(s, LAPIC + REG_TPR, 0x10);
    g_assert_cmphex(rdmsr_ok(s, 3, 0x808), ==, 0x30);
    /* SELF_IPI */
    g_assert_true(qtest_wrmsr(s, 3, 0x80f, 0x1ff));
    g_assert_true(qtest_wrmsr(s, 3, 0x83f, 0x55));
    g_assert_cmphex(rdmsr_ok(s, 3, 0x822), ==, 1u << 21);
    qtest_quit(s);
}

static void test_fixed_ipi_poll_ack_eoi(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    ipi(s, 0, 0, 0x31 | ICR_ASSERT);         /* to self by ID */
    g_assert_true(irr_has(s, 0, 0x31));
    ASSERT_INTR(s, "intr_poll", 0, "OK fixed 0x31");
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x31");
    g_assert_false(irr_has(s, 0, 0x31));
    g_assert_true(isr_has(s, 0, 0x31));
    g_assert_cmphex(rd(s, 0, REG_PPR), ==, 0x30);
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    wr(s, 0, REG_EOI, 0);
    g_assert_false(isr_has(s, 0, 0x31));
    qtest_quit(s);
}

static void test_ipi_to_another_vcpu_and_absent_id(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    ipi(s, 0, 2, 0x41 | ICR_ASSERT);
    g_assert_true(irr_has(s, 2, 0x41));
    g_assert_false(irr_has(s, 1, 0x41));
    ipi(s, 0, 9, 0x42 | ICR_ASSERT);         /* nobody has ID 9 */
    for (int i = 0; i < 4; i++) {
        g_assert_false(irr_has(s, i, 0x42));
    }
    g_assert_cmphex(rd(s, 0, REG_ICR_LO) & (1u << 12), ==, 0); /* idle */
    qtest_quit(s);
}

static void test_broadcast_and_shorthands(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    ipi(s, 1, 0xff, 0x50 | ICR_ASSERT);
    for (int i = 0; i < 4; i++) {
        g_assert_true(irr_has(s, i, 0x50));
    }
    ipi(s, 1, 0, 0x51 | ICR_ASSERT | ICR_SELF);
    g_assert_true(irr_has(s, 1, 0x51));
    g_assert_false(irr_has(s, 0, 0x51));
    ipi(s, 1, 0, 0x52 | ICR_ASSERT | ICR_ALL);
    for (int i = 0; i < 4; i++) {
        g_assert_true(irr_has(s, i, 0x52));
    }
    ipi(s, 1, 0, 0x53 | ICR_ASSERT | ICR_ALL_BUT_SELF);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(irr_has(s, i, 0x53), ==, i != 1);
    }
    qtest_quit(s);
}

static void test_logical_flat_and_cluster(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    for (int i = 0; i < 4; i++) {
        wr(s, i, REG_LDR, (1u << i) << 24);
    }
    ipi(s, 0, 0x0a, 0x60 | ICR_ASSERT | ICR_LOGICAL);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(irr_has(s, i, 0x60), ==, i == 1 || i == 3);
    }
    /* Cluster model: cluster 2 members 0 and 1 are vCPUs 2 and 3. */
    for (int i = 0; i < 4; i++) {
        wr(s, i, REG_DFR, 0x0fffffff);
        wr(s, i, REG_LDR, (i < 2 ? 0x10u | (1u << i)
                                 : 0x20u | (1u << (i - 2))) << 24);
    }
    ipi(s, 0, 0x22, 0x61 | ICR_ASSERT | ICR_LOGICAL);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(irr_has(s, i, 0x61), ==, i == 3);
    }
    qtest_quit(s);
}

static void test_lowest_priority_goes_to_lowest_tpr(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    for (int i = 0; i < 4; i++) {
        wr(s, i, REG_LDR, (1u << i) << 24);
        wr(s, i, REG_TPR, 0x80);
    }
    wr(s, 2, REG_TPR, 0x20);
    ipi(s, 0, 0x0f, 0x70 | ICR_ASSERT | ICR_LOGICAL | DM_LOWPRI);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(irr_has(s, i, 0x70), ==, i == 2);
    }
    qtest_quit(s);
}

static void test_aliased_physical_ids_both_accept(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 3, REG_ID, 0x01000000);
    ipi(s, 0, 1, 0x71 | ICR_ASSERT);
    g_assert_true(irr_has(s, 1, 0x71));
    g_assert_true(irr_has(s, 3, 0x71));
    qtest_quit(s);
}

static void test_init_sipi_lifecycle(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    ASSERT_INTR(s, "intr_poll", 2, "OK none");
    ipi(s, 0, 2, DM_INIT | ICR_ASSERT | ICR_LEVEL_TRIG);
    ipi(s, 0, 2, DM_INIT | ICR_LEVEL_TRIG);          /* de-assert: no-op */
    ASSERT_INTR(s, "intr_poll", 2, "OK init");
    ASSERT_INTR(s, "intr_ack", 2, "OK init");
    g_assert_cmphex(rd(s, 2, REG_SVR), ==, 0xff);    /* LAPIC reset */
    g_assert_cmphex(rd(s, 2, REG_ID), ==, 0x02000000);
    ipi(s, 0, 2, DM_SIPI | 0x9f);                    /* level 0 works */
    ASSERT_INTR(s, "intr_poll", 2, "OK sipi 0x9f");
    ASSERT_INTR(s, "intr_ack", 2, "OK sipi 0x9f");
    ASSERT_INTR(s, "intr_poll", 2, "OK none");
    /* A second SIPI to a running vCPU is ignored. */
    ipi(s, 0, 2, DM_SIPI | 0x10);
    ASSERT_INTR(s, "intr_poll", 2, "OK none");
    qtest_quit(s);
}

static void test_nmi_ipi_and_inject_nmi(void)
{
    QTestState *s = start();
    JsonObject *rsp;

    if (!s) {
        return;
    }
    sw_enable_all(s);
    ipi(s, 1, 0, DM_NMI);                            /* level 0 */
    ASSERT_INTR(s, "intr_poll", 0, "OK nmi");
    ASSERT_INTR(s, "intr_ack", 0, "OK nmi");
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    /* inject-nmi goes through LINT1: masked on cpu 0 (reset), NMI-routed
     * after the write. */
    rsp = qtest_qmp(s, "{'execute': 'inject-nmi'}");
    g_assert_false(qmp_rsp_is_err(rsp));
    json_object_unref(rsp);
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    wr(s, 0, REG_LVT_LINT1, 0x400);
    rsp = qtest_qmp(s, "{'execute': 'inject-nmi'}");
    g_assert_false(qmp_rsp_is_err(rsp));
    json_object_unref(rsp);
    ASSERT_INTR(s, "intr_poll", 0, "OK nmi");
    qtest_quit(s);
}

static void test_esr_send_illegal_vector(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 0, REG_LVT_ERROR, 0xfe);
    ipi(s, 0, 1, 0x0f | ICR_ASSERT);
    g_assert_false(irr_has(s, 1, 0x0f));
    g_assert_cmphex(rd(s, 0, REG_ESR), ==, 0);        /* not latched yet */
    g_assert_true(irr_has(s, 0, 0xfe));               /* error LVT fired */
    wr(s, 0, REG_ESR, 0);
    g_assert_cmphex(rd(s, 0, REG_ESR), ==, 0x20);
    wr(s, 0, REG_ESR, 0);
    g_assert_cmphex(rd(s, 0, REG_ESR), ==, 0);
    qtest_quit(s);
}

/* ------------------------------------------------------------------ */
/* LINT polarity and remote IRR; thermal, perf and CMCI inputs         */

#define APIC0 "/machine/apic[0]"

static bool tmr_has(QTestState *s, int cpu, unsigned v)
{
    return rd(s, cpu, REG_TMR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void lint(QTestState *s, int n, int level)
{
    qtest_set_irq_in(s, APIC0, NULL, n, level);
}

static void test_lint0_level_remote_irr_and_redelivery_after_eoi(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 0, REG_LVT_LINT0, LVT_LEVEL | 0x40);
    lint(s, 0, 1);
    /* Accepted: IRR and TMR set, remote IRR reads back in the LVT. */
    g_assert_true(irr_has(s, 0, 0x40));
    g_assert_true(tmr_has(s, 0, 0x40));
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT0), ==,
                    LVT_REMOTE_IRR | LVT_LEVEL | 0x40);
    /* Remote IRR is read-only: a write with it clear leaves it set. */
    wr(s, 0, REG_LVT_LINT0, LVT_LEVEL | 0x40);
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT0), ==,
                    LVT_REMOTE_IRR | LVT_LEVEL | 0x40);
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x40");
    /* While remote IRR is set the asserted line is not delivered again. */
    lint(s, 0, 1);
    g_assert_false(irr_has(s, 0, 0x40));
    /* EOI clears remote IRR; the line is still high: delivered again. */
    wr(s, 0, REG_EOI, 0);
    g_assert_true(irr_has(s, 0, 0x40));
    g_assert_true(rd(s, 0, REG_LVT_LINT0) & LVT_REMOTE_IRR);
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x40");
    lint(s, 0, 0);
    wr(s, 0, REG_EOI, 0);
    /* Line low at the EOI: remote IRR clear, nothing new. */
    g_assert_false(irr_has(s, 0, 0x40));
    g_assert_false(isr_has(s, 0, 0x40));
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT0), ==, LVT_LEVEL | 0x40);
    /* A write cannot set remote IRR either. */
    wr(s, 0, REG_LVT_LINT0, LVT_REMOTE_IRR | LVT_LEVEL | 0x40);
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT0), ==, LVT_LEVEL | 0x40);
    qtest_quit(s);
}

static void test_lint0_level_masked_line_delivered_on_unmask(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 0, REG_LVT_LINT0, LVT_MASKED | LVT_LEVEL | 0x44);
    lint(s, 0, 1);
    g_assert_false(irr_has(s, 0, 0x44));
    wr(s, 0, REG_LVT_LINT0, LVT_LEVEL | 0x44);
    g_assert_true(irr_has(s, 0, 0x44));
    g_assert_true(rd(s, 0, REG_LVT_LINT0) & LVT_REMOTE_IRR);
    /* Switching to edge drops remote IRR (it means nothing there). */
    wr(s, 0, REG_LVT_LINT0, 0x44);
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT0), ==, 0x44);
    qtest_quit(s);
}

static void test_lint_active_low_polarity_inverts_pin(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    /* Edge, active low: the pin's falling edge is the interrupt. */
    wr(s, 0, REG_LVT_LINT0, LVT_ACTIVE_LOW | 0x41);
    lint(s, 0, 1);
    g_assert_false(irr_has(s, 0, 0x41));
    lint(s, 0, 0);
    g_assert_true(irr_has(s, 0, 0x41));
    g_assert_false(tmr_has(s, 0, 0x41));
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x41");
    wr(s, 0, REG_EOI, 0);
    lint(s, 0, 1);
    g_assert_false(irr_has(s, 0, 0x41));
    /* Level, active low: a high pin is idle, a low pin requests. */
    wr(s, 0, REG_LVT_LINT0, LVT_ACTIVE_LOW | LVT_LEVEL | 0x42);
    g_assert_false(irr_has(s, 0, 0x42));
    lint(s, 0, 0);
    g_assert_true(irr_has(s, 0, 0x42));
    g_assert_true(rd(s, 0, REG_LVT_LINT0) & LVT_REMOTE_IRR);
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x42");
    lint(s, 0, 1);                              /* released */
    wr(s, 0, REG_EOI, 0);
    g_assert_false(irr_has(s, 0, 0x42));
    g_assert_false(rd(s, 0, REG_LVT_LINT0) & LVT_REMOTE_IRR);
    /* ExtINT follows the inverted level too: pin high is inactive. */
    wr(s, 0, REG_LVT_LINT0, LVT_ACTIVE_LOW | DM_EXTINT);
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    /* LINT1 NMI, active low: only the falling edge raises NMI. */
    wr(s, 0, REG_LVT_LINT1, LVT_ACTIVE_LOW | DM_NMI);
    lint(s, 1, 1);
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    lint(s, 1, 0);
    ASSERT_INTR(s, "intr_poll", 0, "OK nmi");
    qtest_quit(s);
}

static void test_lint_nmi_and_lint1_are_edge_whatever_trigger_bit(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    /* SDM 12.5.1: NMI is always edge-sensitive: a held line gives one. */
    wr(s, 0, REG_LVT_LINT0, LVT_LEVEL | DM_NMI);
    lint(s, 0, 1);
    ASSERT_INTR(s, "intr_ack", 0, "OK nmi");
    lint(s, 0, 1);
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    g_assert_false(rd(s, 0, REG_LVT_LINT0) & LVT_REMOTE_IRR);
    lint(s, 0, 0);
    /* "Level-sensitive interrupts are not supported for LINT1": the bit
     * reads back, the input stays edge (no TMR, no remote IRR). */
    wr(s, 0, REG_LVT_LINT1, LVT_LEVEL | 0x43);
    g_assert_cmphex(rd(s, 0, REG_LVT_LINT1), ==, LVT_LEVEL | 0x43);
    lint(s, 1, 1);
    g_assert_true(irr_has(s, 0, 0x43));
    g_assert_false(tmr_has(s, 0, 0x43));
    g_assert_false(rd(s, 0, REG_LVT_LINT1) & LVT_REMOTE_IRR);
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x43");
    wr(s, 0, REG_EOI, 0);
    g_assert_false(irr_has(s, 0, 0x43));
    qtest_quit(s);
}

static void event(QTestState *s, const char *name)
{
    qtest_set_irq_in(s, APIC0, name, 0, 1);
    qtest_set_irq_in(s, APIC0, name, 0, 0);
}

static void test_thermal_input_delivers_through_its_lvt(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    /* Masked (reset value): nothing. */
    event(s, "thermal");
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    wr(s, 0, REG_LVT_THERMAL, 0x50);
    /* Only the rising edge counts: a held line is one event. */
    qtest_set_irq_in(s, APIC0, "thermal", 0, 1);
    g_assert_true(irr_has(s, 0, 0x50));
    g_assert_false(tmr_has(s, 0, 0x50));
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x50");
    wr(s, 0, REG_EOI, 0);
    qtest_set_irq_in(s, APIC0, "thermal", 0, 1);
    g_assert_false(irr_has(s, 0, 0x50));
    qtest_set_irq_in(s, APIC0, "thermal", 0, 0);
    /* The thermal LVT keeps its mask bit, unlike the perf LVT. */
    g_assert_cmphex(rd(s, 0, REG_LVT_THERMAL), ==, 0x50);
    /* SMI and NMI delivery; INIT is not supported for this LVT. */
    wr(s, 0, REG_LVT_THERMAL, DM_SMI);
    event(s, "thermal");
    ASSERT_INTR(s, "intr_ack", 0, "OK smi");
    wr(s, 0, REG_LVT_THERMAL, DM_NMI);
    event(s, "thermal");
    ASSERT_INTR(s, "intr_ack", 0, "OK nmi");
    wr(s, 0, REG_LVT_THERMAL, DM_INIT);
    event(s, "thermal");
    ASSERT_INTR(s, "intr_poll", 0, "OK none");
    /* An illegal vector is a receive error through the error LVT. */
    wr(s, 0, REG_LVT_ERROR, 0xfe);
    wr(s, 0, REG_LVT_THERMAL, 0x07);
    event(s, "thermal");
    g_assert_false(irr_has(s, 0, 0x07));
    g_assert_true(irr_has(s, 0, 0xfe));
    wr(s, 0, REG_ESR, 0);
    g_assert_cmphex(rd(s, 0, REG_ESR), ==, 0x40);
    qtest_quit(s);
}

static void test_perf_input_sets_its_lvt_mask_on_delivery(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 0, REG_LVT_PERF, 0x51);
    event(s, "perf");
    g_assert_true(irr_has(s, 0, 0x51));
    /* P4/Xeon: the LAPIC masks the entry when it generates the PMI. */
    g_assert_cmphex(rd(s, 0, REG_LVT_PERF), ==, LVT_MASKED | 0x51);
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x51");
    wr(s, 0, REG_EOI, 0);
    event(s, "perf");
    g_assert_false(irr_has(s, 0, 0x51));
    /* The handler unmasks it; the next overflow is delivered. */
    wr(s, 0, REG_LVT_PERF, 0x51);
    event(s, "perf");
    g_assert_true(irr_has(s, 0, 0x51));
    /* NMI delivery masks it as well. */
    wr(s, 0, REG_LVT_PERF, DM_NMI);
    event(s, "perf");
    ASSERT_INTR(s, "intr_poll", 0, "OK nmi");
    g_assert_cmphex(rd(s, 0, REG_LVT_PERF), ==, LVT_MASKED | DM_NMI);
    /* On another CPU's LAPIC nothing happened. */
    g_assert_false(irr_has(s, 1, 0x51));
    qtest_quit(s);
}

static void test_cmci_input_exists_only_with_cmci_lvt(void)
{
    QTestState *s = start();
    g_autofree char *r = NULL;

    if (!s) {
        return;
    }
    r = qtest_cmd(s, "set_irq_in " APIC0 " cmci 0 1");
    g_assert_true(g_str_has_prefix(r, "FAIL"));
    qtest_quit(s);

    s = start_with("-global apic.cmci=on");
    if (!s) {
        return;
    }
    sw_enable_all(s);
    g_assert_cmphex(rd(s, 0, REG_VERSION) & 0xff0000, ==, 6u << 16);
    event(s, "cmci");
    ASSERT_INTR(s, "intr_poll", 0, "OK none");    /* masked */
    wr(s, 0, REG_LVT_CMCI, 0x52);
    event(s, "cmci");
    g_assert_true(irr_has(s, 0, 0x52));
    g_assert_false(tmr_has(s, 0, 0x52));
    g_assert_cmphex(rd(s, 0, REG_LVT_CMCI), ==, 0x52);
    qtest_quit(s);
}

static void test_timer_oneshot_with_divide(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 1, REG_LVT_TIMER, 0x90);
    wr(s, 1, REG_TIMER_DCR, 0x8);                     /* divide by 32 */
    wr(s, 1, REG_TIMER_ICR, 100);
    qtest_clock_step(s, 32 * 40);
    g_assert_cmpuint(rd(s, 1, REG_TIMER_CCR), ==, 60);
    g_assert_false(irr_has(s, 1, 0x90));
    qtest_clock_step(s, 32 * 60);
    g_assert_true(irr_has(s, 1, 0x90));
    g_assert_cmpuint(rd(s, 1, REG_TIMER_CCR), ==, 0);
    qtest_quit(s);
}

static void test_timer_periodic(void)
{
    QTestState *s = start();

    if (!s) {
        return;
    }
    sw_enable_all(s);
    /* vCPU 0: the APs wait for a SIPI and would take no interrupt. */
    wr(s, 0, REG_LVT_TIMER, 0x91 | 1u << 17);
    wr(s, 0, REG_TIMER_DCR, 0xb);                     /* divide by 1 */
    wr(s, 0, REG_TIMER_ICR, 1000);
    qtest_clock_step(s, 1000);
    g_assert_true(irr_has(s, 0, 0x91));
    ASSERT_INTR(s, "intr_ack", 0, "OK fixed 0x91");
    wr(s, 0, REG_EOI, 0);
    qtest_clock_step(s, 250);
    g_assert_cmpuint(rd(s, 0, REG_TIMER_CCR), ==, 750);
    qtest_clock_step(s, 750);
    g_assert_true(irr_has(s, 0, 0x91));
    qtest_quit(s);
}

static void test_timer_tsc_deadline(void)
{
    QTestState *s = start();
    uint64_t tsc;

    if (!s) {
        return;
    }
    sw_enable_all(s);
    wr(s, 0, REG_LVT_TIMER, 0x92 | 2u << 17);
    tsc = rdmsr_ok(s, 0, MSR_TSC);
    g_assert_true(qtest_wrmsr(s, 0, MSR_TSC_DEADLINE, tsc + 1000000));
    qtest_clock_step(s, 400000);                      /* 2 ticks per ns */
    g_assert_false(irr_has(s, 0, 0x92));
    qtest_clock_step(s, 100000);
    g_assert_true(irr_has(s, 0, 0x92));
    g_assert_cmphex(rdmsr_ok(s, 0, MSR_TSC_DEADLINE), ==, 0);
    qtest_quit(s);
}

static void test_info_lapic(void)
{
    QTestState *s = start();
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    g_autofree char *out3 = NULL;

    if (!s) {
        return;
    }
    wr(s, 2, REG_TPR, 0x30);
    out = qtest_hmp(s, "info lapic 2");
    g_assert_nonnull(strstr(out, "dump APIC state for CPU 2"));
    g_assert_nonnull(strstr(out, "TPR 0x30"));
    out2 = qtest_hmp(s, "info lapic");
    g_assert_nonnull(strstr(out2, "dump APIC state for CPU 0"));
    /* info irq counts accepted vectors per CPU. */
    wr(s, 2, REG_SVR, 0x1ff);
    ipi(s, 0, 2, 0x47 | ICR_ASSERT);
    out3 = qtest_hmp(s, "info irq");
    g_assert_nonnull(strstr(out3, "LAPIC CPU 2"));
    g_assert_nonnull(strstr(out3, "vector 0x47: 1"));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/apic/qtest/version-and-ids-per-cpu",
                    test_version_and_ids_per_cpu);
    g_test_add_func("/apic/qtest/version-without-eoi-register-ioapic",
                    test_version_without_directed_eoi_ioapic);
    g_test_add_func("/apic/qtest/register-reset-values-and-rw",
                    test_register_reset_values_and_rw);
    g_test_add_func("/apic/qtest/id-restored-after-global-disable",
                    test_id_writable_and_restored_after_global_disable);
    g_test_add_func("/apic/qtest/base-relocation-moves-page",
                    test_base_relocation_moves_page);
    g_test_add_func("/apic/qtest/base-reserved-bits-and-transitions",
                    test_base_reserved_bits_and_transitions);
    g_test_add_func("/apic/qtest/x2apic-msrs-and-page-gone",
                    test_x2apic_msrs_and_page_gone);
    g_test_add_func("/apic/qtest/fixed-ipi-poll-ack-eoi",
                    test_fixed_ipi_poll_ack_eoi);
    g_test_add_func("/apic/qtest/ipi-other-vcpu-and-absent-id",
                    test_ipi_to_another_vcpu_and_absent_id);
    g_test_add_func("/apic/qtest/broadcast-and-shorthands",
                    test_broadcast_and_shorthands);
    g_test_add_func("/apic/qtest/logical-flat-and-cluster",
                    test_logical_flat_and_cluster);
    g_test_add_func("/apic/qtest/lowest-priority-lowest-tpr",
                    test_lowest_priority_goes_to_lowest_tpr);
    g_test_add_func("/apic/qtest/aliased-physical-ids-both-accept",
                    test_aliased_physical_ids_both_accept);
    g_test_add_func("/apic/qtest/init-sipi-lifecycle",
                    test_init_sipi_lifecycle);
    g_test_add_func("/apic/qtest/nmi-ipi-and-inject-nmi",
                    test_nmi_ipi_and_inject_nmi);
    g_test_add_func("/apic/qtest/esr-send-illegal-vector",
                    test_esr_send_illegal_vector);
    g_test_add_func("/apic/qtest/lint0-level-remote-irr-redelivered-after-eoi",
                    test_lint0_level_remote_irr_and_redelivery_after_eoi);
    g_test_add_func("/apic/qtest/lint0-level-masked-line-delivered-on-unmask",
                    test_lint0_level_masked_line_delivered_on_unmask);
    g_test_add_func("/apic/qtest/lint-active-low-polarity-inverts-pin",
                    test_lint_active_low_polarity_inverts_pin);
    g_test_add_func("/apic/qtest/lint-nmi-and-lint1-edge-whatever-trigger",
                    test_lint_nmi_and_lint1_are_edge_whatever_trigger_bit);
    g_test_add_func("/apic/qtest/thermal-input-delivers-through-lvt",
                    test_thermal_input_delivers_through_its_lvt);
    g_test_add_func("/apic/qtest/perf-input-sets-lvt-mask-on-delivery",
                    test_perf_input_sets_its_lvt_mask_on_delivery);
    g_test_add_func("/apic/qtest/cmci-input-only-with-cmci-lvt",
                    test_cmci_input_exists_only_with_cmci_lvt);
    g_test_add_func("/apic/qtest/timer-oneshot-with-divide",
                    test_timer_oneshot_with_divide);
    g_test_add_func("/apic/qtest/timer-periodic", test_timer_periodic);
    g_test_add_func("/apic/qtest/timer-tsc-deadline",
                    test_timer_tsc_deadline);
    g_test_add_func("/apic/qtest/info-lapic", test_info_lapic);
    return g_test_run();
}
