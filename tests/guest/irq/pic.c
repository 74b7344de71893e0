/*
 * PIC-only interrupts: the 8259 pair remapped to 0x20/0x28, its INTR on
 * LINT0. First through the LAPIC with LINT0 as ExtINT (virtual wire mode,
 * SDM vol. 3A 12.5.1; the vector comes from the PIC's INTA), then with the
 * LAPIC globally disabled (the INTR goes straight to the CPU). The source is
 * pc-testdev line 10 (slave IRQ 2 -> vector 0x2a); run with -device
 * pc-testdev. Also checks the PIC's ISR/IRR through OCW3 and that a
 * masked IRQ waits in the IRR.
 */
#include "smp.h"

const char *test_name = "irq-pic";

#define IRQ 10
#define VEC (0x20 + IRQ)

static volatile int count;
static volatile uint8_t isr_in_handler;
static void pic_handler(struct trapframe *tf)
{
    count++;
    outb(0xa0, 0x0b);                  /* OCW3: read ISR */
    isr_in_handler = inb(0xa0);
    testdev_irq(IRQ, 0);
    outb(0xa0, 0x20);                  /* non-specific EOI, slave then master */
    outb(0x20, 0x20);
}

static void fire(void)
{
    testdev_irq(IRQ, 1);
}

void test_main(void)
{
    smp_start(0);                       /* remaps and masks the PICs */
    rt_set_handler(VEC, pic_handler);
    outb(0x21, 0xff & ~(1u << 2));      /* cascade */
    outb(0xa1, 0xff & ~(1u << (IRQ - 8)));
    lapic_write(APIC_LVT_LINT0, LVT_EXTINT);
    __asm__ volatile("sti");
    fire();
    CHECK_EQ(count, 1, "ExtINT through LINT0: taken right after the OUT");
    CHECK_EQ(isr_in_handler, 1u << (IRQ - 8), "the slave ISR has IRQ 10 in service");
    CHECK_EQ(lapic_read(APIC_ISR + (VEC / 32) * 16) & (1u << (VEC % 32)), 0,
             "ExtINT does not use the LAPIC ISR");
    outb(0xa0, 0x0b);
    CHECK_EQ(inb(0xa0), 0, "the handler's EOI cleared the slave ISR");

    /* masked at the PIC: held in the IRR, delivered on unmask */
    outb(0xa1, 0xff);
    fire();
    outb(0xa0, 0x0a);                  /* OCW3: read IRR */
    CHECK(inb(0xa0) & (1u << (IRQ - 8)), "a masked IRQ waits in the slave IRR");
    CHECK_EQ(count, 1, "... and is not delivered");
    outb(0xa1, 0xff & ~(1u << (IRQ - 8)));
    CHECK_EQ(count, 2, "unmasking delivers it");

    /* LINT0 masked: nothing reaches the CPU */
    lapic_write(APIC_LVT_LINT0, LVT_EXTINT | LVT_MASKED);
    fire();
    delay_us(500);
    CHECK_EQ(count, 2, "with LINT0 masked the PIC's interrupt is not taken");
    lapic_write(APIC_LVT_LINT0, LVT_EXTINT);
    delay_us(500);
    CHECK_EQ(count, 3, "unmasking LINT0 lets the pending ExtINT through");

    /* LAPIC globally disabled: the PIC's INTR goes straight to the CPU */
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~(uint64_t)APIC_BASE_EN);
    fire();
    CHECK_EQ(count, 4, "PIC-only mode with the LAPIC disabled");
    delay_us(500);
    CHECK_EQ(count, 4, "... delivered exactly once within 500 us of the OUT");
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN);
}
