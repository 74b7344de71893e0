/*
 * The MC146818 RTC's periodic interrupt as a guest sees it, routed the way
 * the firmware tables describe: ISA IRQ 8 is IOAPIC pin 8 (no override), so
 * the guest masks the 8259s, programs redirection entry 8 to a vector on its
 * own LAPIC, selects a rate in register A and sets PIE in register B. Each
 * interrupt reads register C (PF and IRQF set, which also lowers IRQ 8) and
 * sends EOI. Over 200 ms timed by PIT channel 2 the count must follow the
 * rate; with PIE clear no interrupt comes. Follows the MC146818A datasheet
 * (registers A-C) and the 82093AA IOAPIC datasheet (redirection table).
 */
#include "fwlib.h"

const char *test_name = "fw-rtc";

#define RTC_VECTOR      0x48
#define RTC_IRQ_PIN     8       /* ISA IRQ 8, GSI 8: MP table and MADT */
#define LAPIC_EOI       0xb0

static volatile unsigned ticks;
static volatile uint8_t last_c;

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);            /* bit 7 clear: NMIs stay enabled */
    return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static void rtc_handler(struct trapframe *tf)
{
    last_c = cmos_read(0x0c);
    ticks++;
    lapic_write(LAPIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)phys(IOAPIC_BASE) = reg;
    *(volatile uint32_t *)phys(IOAPIC_BASE + 0x10) = v;
}

/* Count interrupts over ms milliseconds with interrupts enabled. */
static unsigned count_for_ms(unsigned ms)
{
    ticks = 0;
    __asm__ volatile("sti" ::: "memory");
    for (unsigned i = 0; i < ms / 10; i++) {
        fw_delay_us(10000);
    }
    __asm__ volatile("cli" ::: "memory");
    return ticks;
}

void test_main(void)
{
    unsigned n;

    outb(0x21, 0xff);           /* mask both 8259s: only the IOAPIC delivers */
    outb(0xa1, 0xff);
    lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x1ff);
    rt_set_handler(RTC_VECTOR, rtc_handler);
    /* redirection entry: vector, fixed, physical, edge, active high */
    ioapic_write(0x10 + 2 * RTC_IRQ_PIN + 1, fw_own_apic_id() << 24);
    ioapic_write(0x10 + 2 * RTC_IRQ_PIN, RTC_VECTOR);

    cmos_write(0x0b, cmos_read(0x0b) & ~0x70);  /* PIE, AIE, UIE off */
    cmos_read(0x0c);
    n = count_for_ms(50);
    CHECK_EQ(n, 0, "no RTC interrupt with PIE, AIE and UIE clear");

    /* 32.768 kHz time base (DV = 010), rate select 6: 1024 Hz. The bounds
     * are loose: the virtual clock follows the host's, and a loaded host
     * delays the guest, and ticks that come while register C is unread merge
     * into one interrupt (as on the chip); the rates differ 512-fold. */
    cmos_write(0x0a, 0x26);
    cmos_write(0x0b, cmos_read(0x0b) | 0x40);
    n = count_for_ms(200);
    rt_printf("# 1024 Hz: %u interrupts in 200 ms\n", n);
    CHECK(n >= 20 && n <= 400, "1024 Hz periodic: about 205 in 200 ms (got %u)", n);
    CHECK_EQ(last_c & 0xc0, 0xc0, "register C in the handler: IRQF and PF");

    /* rate select 15: 2 Hz */
    cmos_write(0x0a, 0x2f);
    cmos_read(0x0c);
    n = count_for_ms(200);
    rt_printf("# 2 Hz: %u interrupts in 200 ms\n", n);
    CHECK(n <= 3, "2 Hz periodic: at most 1 in 200 ms, give or take (got %u)", n);

    cmos_write(0x0b, cmos_read(0x0b) & ~0x40);
    cmos_read(0x0c);
    n = count_for_ms(50);
    CHECK_EQ(n, 0, "PIE cleared: the interrupts stop");
    ioapic_write(0x10 + 2 * RTC_IRQ_PIN, 1u << 16);     /* masked */
    cmos_write(0x0a, 0x26);
}
