/*
 * Helpers the interrupt and SMP guest tests share: LAPIC register access in
 * xAPIC (MMIO) and x2APIC (MSR) mode, IPIs through the ICR, starting the APs
 * with INIT-SIPI-SIPI (SDM vol. 3A 9.4.4, "MP Initialization Example") and
 * giving them work, IOAPIC and PIC programming, pc-testdev lines, TSC delays,
 * and per-CPU interrupt counters. Built on the common guest runtime; the APs
 * share its GDT, IDT and page tables. Left out: CPU hot-plug, APIC IDs other
 * than 0..N-1 (lapis numbers them by CPU index), and the MP/ACPI tables (the
 * tests take the CPU count from the Multiboot command line, "cpus=N").
 */
#ifndef GUEST_IRQ_SMP_H
#define GUEST_IRQ_SMP_H

#include "runtime.h"

#define MAX_CPUS        8
#define TSC_HZ          2000000000ull   /* docs/cpu.md: 2 GHz TSC */

/* LAPIC register offsets (SDM vol. 3A table 12-1) */
#define APIC_ID         0x020
#define APIC_VER        0x030
#define APIC_TPR        0x080
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100
#define APIC_TMR        0x180
#define APIC_IRR        0x200
#define APIC_ESR        0x280
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_LINT0  0x350
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERR    0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0
#define APIC_SELF_IPI   0x3f0           /* x2APIC only: MSR 0x83f */

#define MSR_APIC_BASE   0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_EXTD  (1u << 10)
#define APIC_BASE_EN    (1u << 11)

/* ICR fields (SDM vol. 3A figure 12-12) */
#define ICR_FIXED       (0u << 8)
#define ICR_LOWEST      (1u << 8)
#define ICR_NMI         (4u << 8)
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_LOGICAL     (1u << 11)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define ICR_SELF        (1u << 18)
#define ICR_ALL         (2u << 18)
#define ICR_OTHERS      (3u << 18)

#define LVT_MASKED      (1u << 16)
#define LVT_EXTINT      (7u << 8)
#define LVT_PERIODIC    (1u << 17)
#define LVT_TSCDEADLINE (2u << 17)

#define IOAPIC_BASE     0xfec00000ul

extern volatile ureg apic_base;         /* physical = virtual */
extern volatile int ncpus;              /* from "cpus=N", default 1 */
extern volatile int cpus_up;            /* APs that reported in, plus 1 */
extern volatile uint64_t ap_boot_tsc[MAX_CPUS];
extern volatile uint64_t smp_sipi_tsc;    /* TSC when the first SIPI went out */

/* per CPU, per vector: how many times the counting handler ran, and the
 * TSC of the last time */
extern volatile uint32_t irq_count[MAX_CPUS][256];
extern volatile uint64_t irq_tsc[MAX_CPUS][256];

static inline uint64_t tsc_ns(uint64_t cycles) { return cycles / 2; }
void delay_us(uint64_t us);

bool x2apic_mode(void);
uint32_t lapic_read(uint32_t off);
void lapic_write(uint32_t off, uint32_t v);
int cpu_id(void);                       /* the LAPIC ID (0..MAX_CPUS-1) */
/* Send an IPI: xAPIC writes ICR high then low; x2APIC one 64-bit WRMSR. */
void send_ipi(uint32_t dest, uint32_t lo);
void lapic_enable(void);                /* SVR: enabled, spurious 0xff */
void lapic_eoi(void);

/* The generic handler: counts per CPU and vector, EOIs unless told not to
 * (vectors below 32 and those in no_eoi[]). */
void count_handler(struct trapframe *tf);
void set_count_handler(int vec);
extern volatile bool no_eoi[256];

/* Multiboot command line "cpus=N" */
void parse_cmdline(void);

/* Start every AP (ncpus - 1 of them); returns how many reported in within
 * timeout_ms. Each AP then idles with interrupts on, in `sti; hlt`, and runs
 * the function given to run_on() when woken. */
int smp_start(unsigned timeout_ms);
/* Run fn(arg) on CPU `cpu` and wait for it to return (timeout_ms); false on
 * a timeout. */
bool run_on(int cpu, void (*fn)(void *), void *arg, unsigned timeout_ms);
/* Start fn on `cpu` without waiting; wait_cpu() waits for it. */
void run_on_async(int cpu, void (*fn)(void *), void *arg);
bool wait_cpu(int cpu, unsigned timeout_ms);
#define WAKE_VECTOR 0xf0

/* IOAPIC (82093AA datasheet 3.2) */
uint32_t ioapic_read(uint32_t reg);
void ioapic_write(uint32_t reg, uint32_t v);
void ioapic_set_rte(int pin, uint64_t rte);
uint64_t ioapic_get_rte(int pin);
#define RTE_LEVEL       (1ull << 15)
#define RTE_REMOTE_IRR  (1ull << 14)
#define RTE_MASKED      (1ull << 16)
#define RTE_LOGICAL     (1ull << 11)
#define RTE_LOWEST      (1ull << 8)
#define RTE_DEST(d)     ((uint64_t)(d) << 56)

/* pc-testdev: port 0x2000 + n sets GSI line n */
static inline void testdev_irq(int line, int level)
{
    outb(0x2000 + line, level);
}

/* 8259A: remap master to base, slave to base + 8, mask all */
void pic_init(uint8_t base);
void pic_mask_all(void);

#endif
