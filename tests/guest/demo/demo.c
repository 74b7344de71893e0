/*
 * The bundled demo for `make run`: a small 64-bit guest that shows lapis's
 * interrupt architecture at work. It starts every AP with INIT-SIPI-SIPI,
 * runs a periodic LAPIC timer on each CPU (a different rate per CPU), routes
 * the PIT (ISA IRQ0, IOAPIC pin 2) through the IOAPIC as a lowest-priority
 * interrupt to all CPUs, and passes an IPI token from CPU to CPU on timer
 * ticks. Every 400 ms of guest time the BSP prints a table of interrupts per
 * CPU and per source on COM1; after five frames it stops the sources and
 * powers off through ACPI (S5), falling back to isa-debug-exit. Uses the
 * interrupt tests' helpers (tests/guest/irq/smp.c). Left out: MSIs, which
 * need a PCI device the default machine does not have.
 */
#include "smp.h"

const char *test_name = "demo";

#define VEC_PIT   0x30
#define VEC_TIMER 0x40
#define VEC_TOKEN 0x50
#define FRAMES    5
#define FRAME_MS  400

enum { SRC_TIMER, SRC_PIT, SRC_TOKEN, NSRC };
static const char *const src_name[NSRC] = { "LAPIC timer", "PIT/IOAPIC", "IPI token" };

static volatile uint32_t counts[MAX_CPUS][NSRC];
static volatile int token_at;          /* CPU holding the token, -1 in flight */
static volatile uint32_t token_hops;
static volatile bool stopping;

static int me(void)
{
    return cpu_id() & (MAX_CPUS - 1);
}

static void timer_tick(struct trapframe *tf)
{
    int c = me();
    counts[c][SRC_TIMER]++;
    if (token_at == c && !stopping) {
        token_at = -1;
        send_ipi((c + 1) % ncpus, ICR_FIXED | ICR_ASSERT | VEC_TOKEN);
    }
    lapic_eoi();
}

static void pit_irq(struct trapframe *tf)
{
    counts[me()][SRC_PIT]++;
    lapic_eoi();
}

static void token_ipi(struct trapframe *tf)
{
    int c = me();
    counts[c][SRC_TOKEN]++;
    token_hops++;
    token_at = c;
    lapic_eoi();
}

/* Per CPU: logical flat ID 1 << n for the IOAPIC's lowest-priority message,
 * and a periodic timer of (n + 1) ms at divide-by-1 (1 GHz bus clock). */
static void setup_cpu(void *arg)
{
    int c = me();
    lapic_write(APIC_DFR, 0xffffffff);
    lapic_write(APIC_LDR, 1u << (24 + c));
    lapic_write(APIC_TPR, 0);
    lapic_write(APIC_TDCR, 0xb);
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    lapic_write(APIC_TMICT, 1000000u * (c + 1));
}

static void stop_cpu(void *arg)
{
    lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
    lapic_write(APIC_TMICT, 0);
}

static void print_frame(int frame)
{
    uint32_t tot[NSRC] = { 0 };
    rt_printf("\n-- t = %u ms -------------------------------------------------\n",
              (unsigned)(frame * FRAME_MS));
    rt_printf(" CPU ");
    for (int s = 0; s < NSRC; s++) {
        rt_printf(" %12s", src_name[s]);
    }
    rt_printf("        total\n");
    for (int c = 0; c < ncpus; c++) {
        uint32_t sum = 0;
        rt_printf("  %2d ", c);
        for (int s = 0; s < NSRC; s++) {
            uint32_t v = counts[c][s];
            tot[s] += v;
            sum += v;
            rt_printf(" %12u", v);
        }
        rt_printf(" %12u\n", sum);
    }
    uint32_t all = 0;
    rt_printf(" all ");
    for (int s = 0; s < NSRC; s++) {
        rt_printf(" %12u", tot[s]);
        all += tot[s];
    }
    rt_printf(" %12u\n", all);
    int at = token_at;
    rt_printf(" token: %u hops, now %s%d\n", (unsigned)token_hops,
              at < 0 ? "in flight to CPU " : "at CPU ",
              at < 0 ? (int)((token_hops) % ncpus) : at);
}

void test_main(void)
{
    rt_printf("\nlapis interrupt demo: LAPIC timers, the PIT through the IOAPIC, "
              "and an IPI token on every CPU\n");
    /* how many CPUs: start them all and see who reports within 100 ms */
    ncpus = MAX_CPUS;
    int aps = smp_start(100);
    ncpus = aps + 1;
    rt_printf("started %d AP%s with INIT-SIPI-SIPI: %d CPU%s\n", aps,
              aps == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s");

    rt_set_handler(VEC_TIMER, timer_tick);
    rt_set_handler(VEC_PIT, pit_irq);
    rt_set_handler(VEC_TOKEN, token_ipi);
    for (int c = 1; c < ncpus; c++) {
        run_on(c, setup_cpu, 0, 1000);
    }
    setup_cpu(0);
    token_at = 0;

    /* PIT channel 0, mode 2 (rate generator, as operating systems program
     * it), 1193 -> about 1 kHz (8254 datasheet); ISA IRQ0 is IOAPIC pin 2
     * on the PC (MP spec 5.3) */
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    ioapic_set_rte(2, VEC_PIT | RTE_LOWEST | RTE_LOGICAL | RTE_DEST(0xff));
    rt_printf("IOAPIC pin 2 (PIT): vector 0x%x, lowest priority to logical 0xff\n",
              VEC_PIT);
    __asm__ volatile("sti");

    uint64_t t0 = rdtsc();
    for (int f = 1; f <= FRAMES; f++) {
        uint64_t until = t0 + (uint64_t)f * FRAME_MS * (TSC_HZ / 1000);
        while (rdtsc() < until) {
            __asm__ volatile("hlt");
        }
        print_frame(f);
    }

    stopping = true;
    ioapic_set_rte(2, RTE_MASKED);
    for (int c = 1; c < ncpus; c++) {
        run_on(c, stop_cpu, 0, 1000);
    }
    stop_cpu(0);
    __asm__ volatile("cli");
    rt_printf("\ndemo finished: powering off\n");
    /* ACPI S5 (SLP_TYP 7 | SLP_EN in PM1a_CNT at 0x604), then debug-exit */
    outw(0x604, (7u << 10) | (1u << 13));
    rt_exit(0);
}
