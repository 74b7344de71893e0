/*
 * IA32_APIC_BASE (SDM vol. 3A 12.4.4, 12.12.5): moving the xAPIC page and
 * using it at the new address; global disable (the page goes, reads all
 * ones) and re-enable into the power-up state (SVR 0xFF: software
 * disabled, fixed IPIs dropped until SVR bit 8 is set); and the mode
 * transitions that #GP (x2APIC -> xAPIC directly, disabled -> x2APIC,
 * EXTD without EN).
 */
#include "smp.h"

const char *test_name = "irq-apic-base";

#define VEC 0x90
#define NEW_BASE 0xfe000000ul

static bool wrmsr_faults(uint32_t msr, uint64_t v)
{
    TRY_ASM("wrmsr", : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
    return rt_caught.vector == 13;
}

static uint32_t self_ipi_count(void)
{
    uint32_t before = irq_count[0][VEC];
    send_ipi(0, ICR_SELF | ICR_ASSERT | VEC);
    delay_us(100);
    return irq_count[0][VEC] - before;
}

void test_main(void)
{
    smp_start(0);
    set_count_handler(VEC);
    __asm__ volatile("sti");
    uint64_t base = rdmsr(MSR_APIC_BASE);
    CHECK_EQ(base & ~0xfffull & 0xffffffffull, 0xfee00000, "APIC base at reset");
    CHECK(base & APIC_BASE_EN, "enabled at reset");
    CHECK_EQ(self_ipi_count(), 1, "self-IPI at the default base");

    /* relocation */
    wrmsr(MSR_APIC_BASE, NEW_BASE | (base & 0xfff));
    apic_base = NEW_BASE;
    CHECK_EQ(lapic_read(APIC_VER) & 0xff, 0x14, "version register at the new base");
    CHECK_EQ(lapic_read(APIC_SVR), 0x1ff, "registers kept across the move");
    CHECK_EQ(*(volatile uint32_t *)(0xfee00000ul + APIC_VER), 0xffffffff,
             "the old base no longer decodes (reads all ones)");
    CHECK_EQ(self_ipi_count(), 1, "self-IPI through the moved page");
    wrmsr(MSR_APIC_BASE, base);
    apic_base = 0xfee00000ul;
    CHECK_EQ(lapic_read(APIC_VER) & 0xff, 0x14, "moved back to 0xFEE00000");

    /* disable, re-enable */
    lapic_write(APIC_TPR, 0x20);
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EN);
    CHECK_EQ(*(volatile uint32_t *)(apic_base + APIC_VER), 0xffffffff,
             "globally disabled: the page reads all ones");
    wrmsr(MSR_APIC_BASE, base);
    CHECK_EQ(lapic_read(APIC_SVR), 0xff, "re-enabled: SVR is back at 0xFF");
    CHECK_EQ(lapic_read(APIC_TPR), 0, "re-enabled: TPR reset");
    CHECK(lapic_read(APIC_LVT_TIMER) & LVT_MASKED, "re-enabled: LVTs masked");
    CHECK_EQ(lapic_read(APIC_ID) >> 24, 0, "re-enabled: ID kept");
    CHECK_EQ(self_ipi_count(), 0, "software-disabled: a fixed self-IPI is dropped");
    lapic_enable();
    CHECK_EQ(self_ipi_count(), 1, "software-enabled again: self-IPI works");

    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 21))) {
        rt_printf("# SKIP x2APIC transitions: no x2apic in this CPU model\n");
        return;
    }
    CHECK(wrmsr_faults(MSR_APIC_BASE, (base & ~(uint64_t)APIC_BASE_EN) | APIC_BASE_EXTD),
          "EXTD without EN raises #GP");
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EN);
    CHECK(wrmsr_faults(MSR_APIC_BASE, base | APIC_BASE_EXTD),
          "disabled -> x2APIC directly raises #GP");
    wrmsr(MSR_APIC_BASE, base);
    lapic_enable();
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
    CHECK(x2apic_mode(), "xAPIC -> x2APIC");
    CHECK_EQ(self_ipi_count(), 1, "self-IPI in x2APIC mode");
    CHECK(wrmsr_faults(MSR_APIC_BASE, base), "x2APIC -> xAPIC directly raises #GP");
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD));
    wrmsr(MSR_APIC_BASE, base);
    CHECK(!x2apic_mode(), "x2APIC -> disabled -> xAPIC");
    lapic_enable();
    CHECK_EQ(self_ipi_count(), 1, "self-IPI back in xAPIC mode");
}
