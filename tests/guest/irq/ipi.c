/*
 * Inter-processor interrupts on four CPUs (run with -smp 4, "cpus=4"):
 * fixed IPIs by physical ID, logical flat and logical cluster destinations,
 * broadcast, and the self / all / all-but-self shorthands; lowest-priority
 * delivery (lowest TPR wins, SDM vol. 3A 12.6.2.4); NMI IPIs and NMI
 * blocking until IRET (SDM vol. 3A 7.7.1); the STI shadow (SDM vol. 2B,
 * STI); and the xAPIC -> x2APIC switch at run time with x2APIC physical,
 * cluster and self IPIs (SDM vol. 3A 12.12).
 */
#include "smp.h"

const char *test_name = "irq-ipi";

#define VEC_IPI 0x40
#define VEC_LP  0x80
#define VEC_SHADOW 0x50

/* Send and see which CPUs took `vec`: waits until every CPU in `want` has
 * it (ANY_CPU: until one has; at most 2 s), then 2 ms more for strays.
 * Returns the mask of CPUs. */
#define ANY_CPU 0x100u
static unsigned deliver(int vec, uint32_t dest, uint32_t icr, unsigned want)
{
    uint32_t before[MAX_CPUS];
    for (int c = 0; c < ncpus; c++) {
        before[c] = irq_count[c][vec];
    }
    send_ipi(dest, icr | ICR_ASSERT | vec);
    uint64_t end = rdtsc() + 2000 * (TSC_HZ / 1000);
    for (;;) {
        unsigned got = 0;
        for (int c = 0; c < ncpus; c++) {
            if (irq_count[c][vec] != before[c]) {
                got |= 1u << c;
            }
        }
        if ((want == ANY_CPU ? got != 0 : (got & want) == want) || rdtsc() > end) {
            break;
        }
    }
    delay_us(2000);
    unsigned got = 0;
    for (int c = 0; c < ncpus; c++) {
        if (irq_count[c][vec] != before[c]) {
            got |= 1u << c;
        }
    }
    return got;
}

static void set_flat(void *arg)
{
    lapic_write(APIC_DFR, 0xffffffff);
    lapic_write(APIC_LDR, 1u << (24 + cpu_id()));
}

static void set_cluster(void *arg)
{
    int id = cpu_id();
    lapic_write(APIC_DFR, 0x0fffffff);
    lapic_write(APIC_LDR, ((id / 2) << 28) | (1u << (24 + id % 2)));
}

static void set_tpr(void *arg)
{
    lapic_write(APIC_TPR, (uint32_t)(ureg)arg);
}

static void to_x2apic(void *arg)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
}

/* NMI nesting: the first NMI sends itself two more and waits; they must
 * stay pending until its IRET, and only one of them is delivered then. */
static volatile int nmi_count, nmi_seen_inside;
static void nmi_handler(struct trapframe *tf)
{
    int n = ++nmi_count;
    if (n == 1) {
        send_ipi(0, ICR_NMI | ICR_ASSERT);
        send_ipi(0, ICR_NMI | ICR_ASSERT);
        delay_us(1000);
        nmi_seen_inside = nmi_count;
    }
}

static volatile int shadow_flag, shadow_seen = -1;
static void shadow_handler(struct trapframe *tf)
{
    shadow_seen = shadow_flag;
    lapic_eoi();
}

static void ap_nmi_count(struct trapframe *tf)
{
    irq_count[cpu_id() & (MAX_CPUS - 1)][2]++;
}

void test_main(void)
{
    parse_cmdline();
    if (ncpus < 4) {
        ncpus = 4;
    }
    set_count_handler(VEC_IPI);
    set_count_handler(VEC_LP);
    CHECK_EQ(smp_start(5000), 3, "three APs started");
    __asm__ volatile("sti");

    /* physical */
    for (int c = 0; c < 4; c++) {
        CHECK_EQ(deliver(VEC_IPI, c, ICR_FIXED, 1u << c), 1u << c,
                 "fixed IPI to physical ID reaches that CPU only");
    }
    CHECK_EQ(deliver(VEC_IPI, 0xff, ICR_FIXED, 0xf), 0xf,
             "physical destination 0xFF is a broadcast");
    CHECK_EQ(deliver(VEC_IPI, 0x7, ICR_FIXED, 0), 0,
             "physical IPI to an absent ID reaches nobody");
    /* shorthands */
    CHECK_EQ(deliver(VEC_IPI, 0, ICR_SELF, 1), 1, "self shorthand");
    CHECK_EQ(deliver(VEC_IPI, 0, ICR_ALL, 0xf), 0xf, "all-including-self shorthand");
    CHECK_EQ(deliver(VEC_IPI, 0, ICR_OTHERS, 0xe), 0xe, "all-excluding-self shorthand");
    /* logical flat */
    for (int c = 0; c < 4; c++) {
        if (c) {
            run_on(c, set_flat, 0, 1000);
        } else {
            set_flat(0);
        }
    }
    CHECK_EQ(deliver(VEC_IPI, 0x06, ICR_LOGICAL, 0x6), 0x6,
             "logical flat: destination 0x06 reaches CPUs 1 and 2");
    CHECK_EQ(deliver(VEC_IPI, 0x09, ICR_LOGICAL, 0x9), 0x9,
             "logical flat: destination 0x09 reaches CPUs 0 and 3");
    CHECK_EQ(deliver(VEC_IPI, 0x10, ICR_LOGICAL, 0), 0,
             "logical flat: a bit no CPU has reaches nobody");

    /* lowest priority among CPUs 0-3 (flat 0x0f): the lowest TPR wins */
    static const uint32_t tprs[4] = { 0x40, 0x20, 0x10, 0x30 };
    for (int c = 0; c < 4; c++) {
        if (c) {
            run_on(c, set_tpr, (void *)(ureg)tprs[c], 1000);
        } else {
            set_tpr((void *)(ureg)tprs[0]);
        }
    }
    CHECK_EQ(deliver(VEC_LP, 0x0f, ICR_LOGICAL | ICR_LOWEST, 0x4), 0x4,
             "lowest priority goes to the CPU with the lowest TPR (2)");
    CHECK_EQ(deliver(VEC_LP, 0x0b, ICR_LOGICAL | ICR_LOWEST, 0x2), 0x2,
             "lowest priority among CPUs 0, 1, 3 goes to CPU 1");
    for (int c = 0; c < 4; c++) {
        if (c) {
            run_on(c, set_tpr, 0, 1000);
        } else {
            set_tpr(0);
        }
    }
    unsigned spread = 0;
    bool one_each = true;
    for (int i = 0; i < 8; i++) {
        unsigned got = deliver(VEC_LP, 0x0f, ICR_LOGICAL | ICR_LOWEST, ANY_CPU);
        one_each &= got && !(got & (got - 1));
        spread |= got;
    }
    CHECK(one_each, "each lowest-priority IPI reaches exactly one CPU");
    CHECK(spread & (spread - 1), "equal TPRs: lowest-priority IPIs reach more than one CPU (0x%x)", spread);

    /* logical cluster: CPUs 0,1 in cluster 0, CPUs 2,3 in cluster 1 */
    for (int c = 0; c < 4; c++) {
        if (c) {
            run_on(c, set_cluster, 0, 1000);
        } else {
            set_cluster(0);
        }
    }
    CHECK_EQ(deliver(VEC_IPI, 0x13, ICR_LOGICAL, 0xc), 0xc,
             "cluster 1 members 0 and 1 are CPUs 2 and 3");
    CHECK_EQ(deliver(VEC_IPI, 0x02, ICR_LOGICAL, 0x2), 0x2,
             "cluster 0 member 1 is CPU 1");
    CHECK_EQ(deliver(VEC_IPI, 0xff, ICR_LOGICAL, 0xf), 0xf,
             "logical 0xFF is a broadcast in cluster mode");

    /* NMI IPI to CPU 1 */
    rt_set_handler(2, ap_nmi_count);
    uint32_t n1 = irq_count[1][2];
    send_ipi(1, ICR_NMI | ICR_ASSERT);
    for (uint64_t end = rdtsc() + TSC_HZ; irq_count[1][2] == n1 && rdtsc() < end; ) {
    }
    delay_us(2000);
    CHECK_EQ(irq_count[1][2] - n1, 1, "an NMI IPI reaches CPU 1 once");
    /* NMI nesting on the BSP */
    rt_set_handler(2, nmi_handler);
    send_ipi(0, ICR_NMI | ICR_ASSERT);
    delay_us(5000);
    CHECK_EQ(nmi_seen_inside, 1, "NMIs sent inside the NMI handler wait for IRET");
    CHECK_EQ(nmi_count, 2, "after IRET exactly one more NMI is delivered");

    /* STI shadow: a pending interrupt is taken after the instruction that
     * follows STI, not before it and not later */
    rt_set_handler(VEC_SHADOW, shadow_handler);
    __asm__ volatile("cli");
    shadow_flag = 0;
    send_ipi(0, ICR_SELF | ICR_ASSERT | VEC_SHADOW);
    CHECK(lapic_read(APIC_IRR + (VEC_SHADOW / 32) * 16) & (1u << (VEC_SHADOW % 32)),
          "a self-IPI with IF=0 stays in the IRR");
    __asm__ volatile("sti\n\tmovl $1, %0\n\tmovl $2, %0" : "+m"(shadow_flag) : : "memory");
    CHECK_EQ(shadow_seen, 1, "the interrupt came right after the instruction after STI");

    /* xAPIC -> x2APIC at run time (CPUID.1:ECX[21]; run with -cpu max) */
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 21))) {
        rt_printf("# SKIP x2APIC checks: the CPU model has no x2apic (use -cpu max)\n");
        return;
    }
    to_x2apic(0);
    CHECK(x2apic_mode(), "IA32_APIC_BASE.EXTD set on the BSP");
    CHECK_EQ(rdmsr(0x802), 0, "x2APIC ID MSR of the BSP is 0");
    CHECK_EQ(rdmsr(0x80d), 1, "x2APIC LDR derived from the ID (cluster 0, bit 0)");
    CHECK_EQ(*(volatile uint32_t *)(apic_base + APIC_ID), 0xffffffff,
             "the xAPIC MMIO page is gone in x2APIC mode");
    uint32_t s0 = irq_count[0][VEC_IPI];
    wrmsr(0x83f, VEC_IPI);
    delay_us(100);
    CHECK_EQ(irq_count[0][VEC_IPI] - s0, 1, "SELF_IPI MSR delivers to the BSP");
    CHECK_EQ(deliver(VEC_IPI, 2, ICR_FIXED, 0x4), 0x4,
             "x2APIC sender reaches xAPIC CPU 2 by physical ID");
    for (int c = 1; c < 4; c++) {
        run_on(c, to_x2apic, 0, 1000);
    }
    CHECK_EQ(deliver(VEC_IPI, 3, ICR_FIXED, 0x8), 0x8, "x2APIC physical IPI to CPU 3");
    CHECK_EQ(deliver(VEC_IPI, 0x0000000e, ICR_LOGICAL, 0xe), 0xe,
             "x2APIC cluster 0 members 1-3 are CPUs 1-3");
    CHECK_EQ(deliver(VEC_IPI, 0xffffffff, ICR_FIXED, 0xf), 0xf,
             "x2APIC physical 0xFFFFFFFF is a broadcast");
    CHECK_EQ(deliver(VEC_IPI, 0, ICR_OTHERS, 0xe), 0xe,
             "x2APIC all-excluding-self shorthand");
}
