/*
 * The LAPIC timer against the TSC (docs/apic.md: the timer counts a 1 GHz
 * bus clock, the TSC runs at 2 GHz, so one count at divide-by-1 is two TSC
 * cycles): one-shot fires once, no earlier than programmed; periodic fires
 * on the grid of its period; TSC-deadline fires no earlier than the
 * deadline, reads 0 afterwards, and fires at once when written already due
 * (SDM vol. 3A 12.5.4). "Not too late" allows 200 ms: the virtual clock
 * follows host time, and the host may be busy. "# ticks" lines print the
 * measured figures (TSC cycles, timer counts); under -icount two runs must
 * print the same ones (tests/guest/meson.build runs it twice).
 */
#include "smp.h"

const char *test_name = "irq-timer";

#define VEC_TIMER 0x60
#define SLACK (200 * (TSC_HZ / 1000))

static volatile uint64_t fire_tsc[16];
static volatile int fires;
static void timer_handler(struct trapframe *tf)
{
    uint64_t t = rdtsc();
    if (fires < 16) {
        fire_tsc[fires] = t;
    }
    fires++;
    lapic_eoi();
}

static bool wait_fires(int n, unsigned ms)
{
    uint64_t end = rdtsc() + (uint64_t)ms * (TSC_HZ / 1000);
    while (fires < n && rdtsc() < end) {
        __asm__ volatile("pause");
    }
    return fires >= n;
}

void test_main(void)
{
    smp_start(0);
    rt_set_handler(VEC_TIMER, timer_handler);
    __asm__ volatile("sti");
    lapic_write(APIC_TDCR, 0xb);            /* divide by 1 */

    /* one-shot: 100000 counts = 100 us = 200000 TSC cycles */
    fires = 0;
    lapic_write(APIC_LVT_TIMER, VEC_TIMER);
    uint64_t t0 = rdtsc();
    lapic_write(APIC_TMICT, 100000);
    uint64_t t1 = rdtsc();
    CHECK(wait_fires(1, 1000), "one-shot timer fires");
    CHECK(fire_tsc[0] >= t0 + 200000, "one-shot fires no earlier than 100 us (%llu cycles)",
          (unsigned long long)(fire_tsc[0] - t0));
    CHECK(fire_tsc[0] <= t1 + 200000 + SLACK, "one-shot fires within 200 ms of its time");
    delay_us(1000);
    CHECK_EQ(fires, 1, "one-shot fires once");
    CHECK_EQ(lapic_read(APIC_TMCCT), 0, "current count stays 0 after a one-shot");

    /* a count read while running is between 0 and the initial count and
     * matches the TSC's progress. t0 is read before the write that starts
     * the count and t1 after the read of it, so the counts elapsed (1 GHz
     * bus) can be no more than the TSC ticks elapsed / 2 (2 GHz TSC), however
     * long the emulator takes between the instructions. */
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
    t0 = rdtsc();
    lapic_write(APIC_TMICT, 1000000000);
    delay_us(1000);
    uint32_t cur = lapic_read(APIC_TMCCT);
    t1 = rdtsc();
    CHECK(cur < 1000000000 - 1000000 + 1000 && cur > 1000000000 - (t1 - t0) / 2 - 1000,
          "current count follows the TSC: %u", cur);
    lapic_write(APIC_TMICT, 0);

    /* periodic: 200 us period, eight firings on the grid */
    fires = 0;
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    t0 = rdtsc();
    lapic_write(APIC_TMICT, 200000);
    CHECK(wait_fires(8, 2000), "periodic timer fires again and again (%d)", fires);
    lapic_write(APIC_TMICT, 0);
    bool grid = true;
    for (int k = 0; k < 8; k++) {
        grid &= fire_tsc[k] >= t0 + (uint64_t)(k + 1) * 400000;
    }
    CHECK(grid, "periodic firing k comes no earlier than t0 + k periods");
    rt_printf("# ticks: periodic firings at TSC t0 +");
    for (int k = 0; k < 8; k++) {
        rt_printf(" %llu", (unsigned long long)(fire_tsc[k] - t0));
    }
    rt_printf("\n");
    CHECK(fire_tsc[7] <= t0 + 8 * 400000 + SLACK, "eight periods take about 1.6 ms");
    int f = fires;
    delay_us(1000);
    CHECK_EQ(fires, f, "writing 0 to the initial count stops the periodic timer");

    /* TSC-deadline (CPUID.1:ECX[24]) */
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 24))) {
        rt_printf("# SKIP TSC-deadline: not in this CPU model\n");
        return;
    }
    fires = 0;
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_TSCDEADLINE);
    uint64_t dl = rdtsc() + 20000000;       /* 10 ms */
    wrmsr(MSR_TSC_DEADLINE, dl);
    uint64_t rb = rdmsr(MSR_TSC_DEADLINE);
    CHECK(rb == dl || (rb == 0 && fires == 1),
          "IA32_TSC_DEADLINE reads back while armed (0 once fired)");
    CHECK(wait_fires(1, 1000), "TSC-deadline timer fires");
    CHECK(fire_tsc[0] >= dl, "TSC-deadline fires no earlier than the deadline");
    CHECK(fire_tsc[0] <= dl + SLACK, "TSC-deadline fires within 200 ms of it");
    rt_printf("# ticks: TSC-deadline handler ran %llu cycles after the deadline\n",
              (unsigned long long)(fire_tsc[0] - dl));
    CHECK_EQ(rdmsr(MSR_TSC_DEADLINE), 0, "IA32_TSC_DEADLINE reads 0 after firing");
    fires = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() - 1000);
    int at_once = fires;
    CHECK_EQ(at_once, 1, "a deadline already past fires right after the WRMSR");
    fires = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + 20000000);
    wrmsr(MSR_TSC_DEADLINE, 0);
    delay_us(10000);
    delay_us(1000);
    CHECK_EQ(fires, 0, "writing 0 disarms the deadline");
}
