/*
 * IOAPIC interrupts from pc-testdev (port 0x2000 + n drives GSI n, run with
 * -device pc-testdev -smp 2): edge delivery right after the OUT, masking,
 * level delivery with remote IRR and the LAPIC TMR set, EOI broadcast
 * clearing remote IRR, re-delivery while the line stays asserted, the EOI
 * register of version 0x20 with EOI broadcast suppressed (SVR bit 12, SDM
 * vol. 3A 12.8.5), and delivery to another CPU. 82093AA datasheet; the
 * IOAPIC's version 0x20 adds the EOI register at offset 0x40.
 */
#include "smp.h"

const char *test_name = "irq-ioapic";

#define PIN_EDGE 10
#define PIN_LEVEL 11
#define VEC_EDGE 0x70
#define VEC_LEVEL 0x71

static volatile int level_count, lower_after = 1, do_lapic_eoi = 1;
static volatile uint64_t rte_in_handler;
static volatile uint32_t tmr_in_handler;
static void level_handler(struct trapframe *tf)
{
    level_count++;
    rte_in_handler = ioapic_get_rte(PIN_LEVEL);
    tmr_in_handler = lapic_read(APIC_TMR + (VEC_LEVEL / 32) * 16) & (1u << (VEC_LEVEL % 32));
    if (level_count >= lower_after) {
        testdev_irq(PIN_LEVEL, 0);
    }
    if (do_lapic_eoi) {
        lapic_eoi();
    }
}

void test_main(void)
{
    parse_cmdline();
    if (ncpus < 2) {
        ncpus = 2;
    }
    CHECK_EQ(smp_start(5000), 1, "one AP started");
    uint32_t ver = ioapic_read(1);
    CHECK_EQ(ver & 0xff, 0x20, "IOAPIC version 0x20 (has the EOI register)");
    CHECK(((ver >> 16) & 0xff) >= 23, "at least 24 redirection entries");
    set_count_handler(VEC_EDGE);
    rt_set_handler(VEC_LEVEL, level_handler);
    __asm__ volatile("sti");

    /* edge */
    ioapic_set_rte(PIN_EDGE, VEC_EDGE | RTE_DEST(0));
    testdev_irq(PIN_EDGE, 1);
    uint32_t now = irq_count[0][VEC_EDGE];
    CHECK_EQ(now, 1, "edge interrupt taken right after the OUT that raised it");
    testdev_irq(PIN_EDGE, 0);
    testdev_irq(PIN_EDGE, 1);
    testdev_irq(PIN_EDGE, 0);
    CHECK_EQ(irq_count[0][VEC_EDGE], 2, "a second rising edge, a second interrupt");
    ioapic_set_rte(PIN_EDGE, VEC_EDGE | RTE_DEST(0) | RTE_MASKED);
    testdev_irq(PIN_EDGE, 1);
    testdev_irq(PIN_EDGE, 0);
    delay_us(500);
    CHECK_EQ(irq_count[0][VEC_EDGE], 2, "a masked edge pin delivers nothing");
    ioapic_set_rte(PIN_EDGE, VEC_EDGE | RTE_DEST(1));
    testdev_irq(PIN_EDGE, 1);
    testdev_irq(PIN_EDGE, 0);
    for (uint64_t end = rdtsc() + 2 * TSC_HZ; !irq_count[1][VEC_EDGE] && rdtsc() < end; ) {
    }
    delay_us(2000);
    CHECK_EQ(irq_count[1][VEC_EDGE], 1, "an edge routed to APIC ID 1 reaches CPU 1");

    /* level, lowered in the handler before the EOI */
    ioapic_set_rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL | RTE_DEST(0));
    testdev_irq(PIN_LEVEL, 1);
    CHECK_EQ(level_count, 1, "level interrupt taken right after the OUT");
    CHECK(rte_in_handler & RTE_REMOTE_IRR, "remote IRR is set while the handler runs");
    CHECK(tmr_in_handler, "the LAPIC TMR bit is set for a level vector");
    CHECK(!(ioapic_get_rte(PIN_LEVEL) & RTE_REMOTE_IRR), "the EOI broadcast cleared remote IRR");
    delay_us(500);
    CHECK_EQ(level_count, 1, "no re-delivery once the line is low");

    /* re-delivery: the line stays high for three EOIs */
    level_count = 0;
    lower_after = 4;
    testdev_irq(PIN_LEVEL, 1);
    delay_us(500);
    CHECK_EQ(level_count, 4, "EOI with the line still asserted delivers again");
    lower_after = 1;

    /* masked level: held, delivered on unmask */
    level_count = 0;
    ioapic_set_rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL | RTE_DEST(0) | RTE_MASKED);
    testdev_irq(PIN_LEVEL, 1);
    delay_us(500);
    CHECK_EQ(level_count, 0, "a masked level pin delivers nothing");
    ioapic_set_rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL | RTE_DEST(0));
    delay_us(500);
    CHECK_EQ(level_count, 1, "unmasking an asserted level pin delivers it");

    /* the EOI register, with EOI broadcast suppressed */
    if (!(lapic_read(APIC_VER) & (1u << 24))) {
        rt_printf("# SKIP EOI register checks: no directed-EOI support\n");
        return;
    }
    lapic_write(APIC_SVR, 0x1ff | (1u << 12));
    level_count = 0;
    testdev_irq(PIN_LEVEL, 1);
    CHECK_EQ(level_count, 1, "level interrupt with EOI broadcast suppressed");
    CHECK(ioapic_get_rte(PIN_LEVEL) & RTE_REMOTE_IRR,
          "remote IRR stays set: the LAPIC EOI was not broadcast");
    *(volatile uint32_t *)(IOAPIC_BASE + 0x40) = VEC_LEVEL;
    CHECK(!(ioapic_get_rte(PIN_LEVEL) & RTE_REMOTE_IRR),
          "writing the vector to the EOI register clears remote IRR");
    level_count = 0;
    lower_after = 2;
    testdev_irq(PIN_LEVEL, 1);
    CHECK_EQ(level_count, 1, "first delivery of a held line");
    *(volatile uint32_t *)(IOAPIC_BASE + 0x40) = VEC_LEVEL;
    delay_us(200);
    CHECK_EQ(level_count, 2, "the EOI register re-delivers a line still asserted");
    *(volatile uint32_t *)(IOAPIC_BASE + 0x40) = VEC_LEVEL;
    lapic_write(APIC_SVR, 0x1ff);
    lower_after = 1;
}
