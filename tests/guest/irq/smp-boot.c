/*
 * SMP bring-up: the BSP starts every AP with INIT-SIPI-SIPI through a
 * real-mode trampoline at 0x8000; each AP enters protected (and for 64-bit
 * builds long) mode, enables its LAPIC and reports in through a shared
 * counter. Then each AP runs a function given to it and answers with its
 * LAPIC ID, which checks that every CPU runs and sees shared memory. The
 * CPU count comes from the command line ("cpus=N", run with -smp N).
 */
#include "smp.h"

const char *test_name = "irq-smp-boot";

static volatile uint32_t answer[MAX_CPUS];

static void report(void *arg)
{
    answer[(ureg)arg] = 0x100 | cpu_id();
}

void test_main(void)
{
    parse_cmdline();
    rt_printf("# %d CPUs expected\n", ncpus);
    CHECK_EQ(cpu_id(), 0, "the BSP has APIC ID 0");
    CHECK(rdmsr(MSR_APIC_BASE) & (1u << 8), "IA32_APIC_BASE.BSP is set on the BSP");
    uint64_t t0 = rdtsc();
    int up = smp_start(5000);
    uint64_t t1 = rdtsc();
    CHECK_EQ(up, ncpus - 1, "every AP reported in after INIT-SIPI-SIPI");
    rt_printf("# %d APs up in %llu us\n", up,
              (unsigned long long)(t1 - t0) / (TSC_HZ / 1000000));
    for (int c = 1; c < ncpus; c++) {
        CHECK(run_on(c, report, (void *)(ureg)c, 5000), "CPU %d runs work it is given", c);
        CHECK_EQ(answer[c], 0x100 | c, "the CPU that ran it has the APIC ID it was sent to");
    }
    /* a second start-up IPI is ignored by running APs */
    send_ipi(0, ICR_OTHERS | ICR_STARTUP | 0x08);
    delay_us(2000);
    CHECK_EQ(cpus_up, ncpus, "a SIPI to running APs starts nothing again");
    for (int c = 1; c < ncpus; c++) {
        answer[c] = 0;
        CHECK(run_on(c, report, (void *)(ureg)c, 5000) && answer[c] == (0x100u | c),
              "CPU %d still runs work after the extra SIPI", c);
    }
}
