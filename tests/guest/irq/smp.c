/*
 * The interrupt tests' SMP and interrupt-controller helpers (see smp.h).
 * The BSP starts the APs with the INIT-SIPI-SIPI sequence of SDM vol. 3A
 * 9.4.4.1; an AP loads the shared IDT, enables its LAPIC, counts itself in
 * and then sleeps in `sti; hlt` until run_on() gives it work and wakes it
 * with a fixed IPI (WAKE_VECTOR). The check of the work slot runs with
 * interrupts off and the STI shadow covers the HLT, so no wake-up is lost.
 */
#include "smp.h"

volatile ureg apic_base = 0xfee00000ul;
volatile int ncpus = 1;
volatile int cpus_up = 1;
volatile uint64_t ap_boot_tsc[MAX_CPUS];
volatile uint64_t smp_sipi_tsc;
volatile uint32_t irq_count[MAX_CPUS][256];
volatile uint64_t irq_tsc[MAX_CPUS][256];
volatile bool no_eoi[256];

static struct {
    uint16_t limit;
    ureg base;
} __attribute__((packed)) shared_idtr;

struct work {
    void (*volatile fn)(void *);
    void *volatile arg;
    volatile int done;
};
static struct work work[MAX_CPUS];

void delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + us * (TSC_HZ / 1000000);
    while (rdtsc() < end) {
        __asm__ volatile("pause");
    }
}

bool x2apic_mode(void)
{
    return rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
}

uint32_t lapic_read(uint32_t off)
{
    if (x2apic_mode()) {
        return rdmsr(0x800 + off / 16);
    }
    return *(volatile uint32_t *)(apic_base + off);
}

void lapic_write(uint32_t off, uint32_t v)
{
    if (x2apic_mode()) {
        wrmsr(0x800 + off / 16, v);
        return;
    }
    *(volatile uint32_t *)(apic_base + off) = v;
}

int cpu_id(void)
{
    if (x2apic_mode()) {
        return rdmsr(0x802);
    }
    return *(volatile uint32_t *)(apic_base + APIC_ID) >> 24;
}

void send_ipi(uint32_t dest, uint32_t lo)
{
    if (x2apic_mode()) {
        wrmsr(0x830, ((uint64_t)dest << 32) | lo);
        return;
    }
    *(volatile uint32_t *)(apic_base + APIC_ICR_HI) = dest << 24;
    *(volatile uint32_t *)(apic_base + APIC_ICR_LO) = lo;
}

void lapic_enable(void)
{
    lapic_write(APIC_SVR, 0x1ff);
}

void lapic_eoi(void)
{
    lapic_write(APIC_EOI, 0);
}

void count_handler(struct trapframe *tf)
{
    int vec = tf->vector;
    int cpu = cpu_id() & (MAX_CPUS - 1);
    irq_tsc[cpu][vec] = rdtsc();
    irq_count[cpu][vec]++;
    if (vec >= 32 && !no_eoi[vec]) {
        lapic_eoi();
    }
}

void set_count_handler(int vec)
{
    rt_set_handler(vec, count_handler);
}

static void wake_handler(struct trapframe *tf)
{
    lapic_eoi();
}

void parse_cmdline(void)
{
    if (rt_mb_magic != 0x2BADB002 || !(*(uint32_t *)(ureg)rt_mb_info & 4)) {
        return;
    }
    const char *s = (const char *)(ureg)((uint32_t *)(ureg)rt_mb_info)[4];
    for (; *s; s++) {
        if (s[0] == 'c' && s[1] == 'p' && s[2] == 'u' && s[3] == 's' && s[4] == '=') {
            int n = 0;
            for (s += 5; *s >= '0' && *s <= '9'; s++) {
                n = n * 10 + (*s - '0');
            }
            if (n >= 1 && n <= MAX_CPUS) {
                ncpus = n;
            }
            return;
        }
    }
}

void ap_main(int slot);
void ap_main(int slot)
{
    __asm__ volatile("lidt %0" : : "m"(shared_idtr));
    lapic_enable();
    int me = cpu_id() & (MAX_CPUS - 1);
    ap_boot_tsc[me] = rdtsc();
    __atomic_fetch_add(&cpus_up, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        __asm__ volatile("cli");
        void (*fn)(void *) = work[me].fn;
        if (!fn) {
            /* STI's shadow: an IPI pending now is taken once HLT has begun,
             * so it ends the HLT (SDM vol. 2B, STI) */
            __asm__ volatile("sti; hlt" ::: "memory");
            continue;
        }
        __asm__ volatile("sti");
        fn(work[me].arg);
        work[me].fn = 0;
        __atomic_store_n(&work[me].done, 1, __ATOMIC_SEQ_CST);
    }
}

int smp_start(unsigned timeout_ms)
{
    extern char ap_tramp[], ap_tramp_end[];
    __asm__ volatile("sidt %0" : "=m"(shared_idtr));
    rt_set_handler(WAKE_VECTOR, wake_handler);
    /* the 8259s start at vector 8 (over the exceptions) with the PIT on
     * IRQ0, and LINT0 may be a virtual wire: move them and mask them all */
    pic_init(0x20);
    lapic_enable();
    if (ncpus <= 1) {
        return 0;
    }
    volatile uint8_t *dst = (volatile uint8_t *)0x8000;
    for (char *p = ap_tramp; p < ap_tramp_end; p++) {
        *dst++ = *p;
    }
    /* INIT, 10 ms, SIPI, 200 us, SIPI (SDM vol. 3A 9.4.4.1) */
    send_ipi(0, ICR_OTHERS | ICR_INIT | ICR_ASSERT);
    delay_us(10000);
    smp_sipi_tsc = rdtsc();
    send_ipi(0, ICR_OTHERS | ICR_STARTUP | 0x08);
    delay_us(200);
    send_ipi(0, ICR_OTHERS | ICR_STARTUP | 0x08);
    uint64_t end = rdtsc() + (uint64_t)timeout_ms * (TSC_HZ / 1000);
    while (cpus_up < ncpus && rdtsc() < end) {
        __asm__ volatile("pause");
    }
    return cpus_up - 1;
}

void run_on_async(int cpu, void (*fn)(void *), void *arg)
{
    work[cpu].done = 0;
    work[cpu].arg = arg;
    __atomic_store_n(&work[cpu].fn, fn, __ATOMIC_SEQ_CST);
    send_ipi(cpu, ICR_FIXED | ICR_ASSERT | WAKE_VECTOR);
}

bool wait_cpu(int cpu, unsigned timeout_ms)
{
    uint64_t end = rdtsc() + (uint64_t)timeout_ms * (TSC_HZ / 1000);
    while (!__atomic_load_n(&work[cpu].done, __ATOMIC_SEQ_CST)) {
        if (rdtsc() > end) {
            return false;
        }
        __asm__ volatile("pause");
    }
    return true;
}

bool run_on(int cpu, void (*fn)(void *), void *arg, unsigned timeout_ms)
{
    run_on_async(cpu, fn, arg);
    return wait_cpu(cpu, timeout_ms);
}

uint32_t ioapic_read(uint32_t reg)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

void ioapic_set_rte(int pin, uint64_t rte)
{
    /* mask first so that no half-written entry fires */
    ioapic_write(0x10 + 2 * pin, RTE_MASKED);
    ioapic_write(0x11 + 2 * pin, rte >> 32);
    ioapic_write(0x10 + 2 * pin, (uint32_t)rte);
}

uint64_t ioapic_get_rte(int pin)
{
    return ioapic_read(0x10 + 2 * pin) | ((uint64_t)ioapic_read(0x11 + 2 * pin) << 32);
}

void pic_init(uint8_t base)
{
    /* ICW1: edge, cascade, ICW4; ICW2: vector base; ICW3; ICW4: 8086 */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, base);
    outb(0xa1, base + 8);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    pic_mask_all();
}

void pic_mask_all(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}
