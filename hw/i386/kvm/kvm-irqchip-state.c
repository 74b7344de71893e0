/*
 * The kernel's LAPIC, IOAPIC and 8259 state in lapis's common form and back
 * (see kvm-irqchip-state.h). The LAPIC page layout is the SDM's (vol. 3A
 * table 12-1, 2024 numbering): one 32-bit register every 16 bytes; the
 * IOAPIC and PIC structures are those of <asm/kvm.h>, whose fields follow
 * the 82093AA and 8259A datasheets. Left out: the kernel's hidden state
 * (the LAPIC timer's expiry, pending events), which has its own ioctls.
 */
#include "qemu/osdep.h"
#include "hw/i386/kvm/kvm-irqchip-state.h"
#include "target/i386/kvm/kvm-i386.h"

/* Where each common LVT lives in the page. */
static const unsigned lvt_offset[APIC_LVT_NB] = {
    [APIC_LVT_TIMER] = APIC_REG_LVT_TIMER,
    [APIC_LVT_THERMAL] = APIC_REG_LVT_THERMAL,
    [APIC_LVT_PERF] = APIC_REG_LVT_PERF,
    [APIC_LVT_LINT0] = APIC_REG_LVT_LINT0,
    [APIC_LVT_LINT1] = APIC_REG_LVT_LINT1,
    [APIC_LVT_ERROR] = APIC_REG_LVT_ERROR,
    [APIC_LVT_CMCI] = APIC_REG_LVT_CMCI,
};

static bool apicbase_x2apic(uint64_t apicbase)
{
    return (apicbase & MSR_IA32_APICBASE_EXTD) &&
           (apicbase & MSR_IA32_APICBASE_ENABLE);
}

void kvm_lapic_from_common(const ApicRegs *r, bool x2apic_api,
                           struct kvm_lapic_state *k)
{
    bool x2 = apicbase_x2apic(r->apicbase);

    memset(k->regs, 0, sizeof(k->regs));
    kvm_lapic_set_reg(k, APIC_REG_ID,
                      x2 && x2apic_api ? r->id : r->id << 24);
    kvm_lapic_set_reg(k, APIC_REG_TPR, r->tpr);
    kvm_lapic_set_reg(k, APIC_REG_LDR, r->ldr);
    kvm_lapic_set_reg(k, APIC_REG_DFR, r->dfr);
    kvm_lapic_set_reg(k, APIC_REG_SVR, r->svr);
    for (unsigned i = 0; i < 8; i++) {
        kvm_lapic_set_reg(k, APIC_REG_ISR + i * 0x10, r->isr[i]);
        kvm_lapic_set_reg(k, APIC_REG_TMR + i * 0x10, r->tmr[i]);
        kvm_lapic_set_reg(k, APIC_REG_IRR + i * 0x10, r->irr[i]);
    }
    kvm_lapic_set_reg(k, APIC_REG_ESR, r->esr);
    for (unsigned i = 0; i < APIC_LVT_NB; i++) {
        kvm_lapic_set_reg(k, lvt_offset[i], r->lvt[i]);
    }
    kvm_lapic_set_reg(k, APIC_REG_ICR_LO, r->icr_lo);
    kvm_lapic_set_reg(k, APIC_REG_ICR_HI, r->icr_hi);
    kvm_lapic_set_reg(k, APIC_REG_TIMER_ICR, r->timer_initial);
    kvm_lapic_set_reg(k, APIC_REG_TIMER_DCR, r->timer_dcr);
}

void kvm_lapic_to_common(const struct kvm_lapic_state *k, bool x2apic_api,
                         const ApicRegs *base, ApicRegs *r)
{
    uint32_t id = kvm_lapic_get_reg(k, APIC_REG_ID);

    *r = *base;
    r->id = apicbase_x2apic(base->apicbase) && x2apic_api ? id : id >> 24;
    r->tpr = (uint8_t)kvm_lapic_get_reg(k, APIC_REG_TPR);
    r->ldr = kvm_lapic_get_reg(k, APIC_REG_LDR);
    r->dfr = kvm_lapic_get_reg(k, APIC_REG_DFR);
    r->svr = kvm_lapic_get_reg(k, APIC_REG_SVR);
    for (unsigned i = 0; i < 8; i++) {
        r->isr[i] = kvm_lapic_get_reg(k, APIC_REG_ISR + i * 0x10);
        r->tmr[i] = kvm_lapic_get_reg(k, APIC_REG_TMR + i * 0x10);
        r->irr[i] = kvm_lapic_get_reg(k, APIC_REG_IRR + i * 0x10);
    }
    r->esr = kvm_lapic_get_reg(k, APIC_REG_ESR);
    for (unsigned i = 0; i < APIC_LVT_NB; i++) {
        r->lvt[i] = kvm_lapic_get_reg(k, lvt_offset[i]);
    }
    r->icr_lo = kvm_lapic_get_reg(k, APIC_REG_ICR_LO);
    r->icr_hi = kvm_lapic_get_reg(k, APIC_REG_ICR_HI);
    r->timer_initial = kvm_lapic_get_reg(k, APIC_REG_TIMER_ICR);
    r->timer_dcr = kvm_lapic_get_reg(k, APIC_REG_TIMER_DCR);
}

void kvm_ioapic_from_common(const IOAPICSavedState *s,
                            struct kvm_ioapic_state *k)
{
    memset(k, 0, sizeof(*k));
    k->base_address = IOAPIC_DEFAULT_ADDRESS;
    k->ioregsel = s->ioregsel;
    k->id = s->id & 0xf;
    k->irr = s->irr;
    for (int pin = 0; pin < IOAPIC_NUM_PINS && pin < KVM_IOAPIC_NUM_PINS;
         pin++) {
        k->redirtbl[pin].bits = s->ioredtbl[pin];
    }
}

void kvm_ioapic_to_common(const struct kvm_ioapic_state *k,
                          const IOAPICSavedState *base, IOAPICSavedState *s)
{
    *s = *base;
    s->ioregsel = (uint8_t)k->ioregsel;
    s->id = (uint8_t)(k->id & 0xf);
    s->irr = k->irr;
    for (int pin = 0; pin < IOAPIC_NUM_PINS && pin < KVM_IOAPIC_NUM_PINS;
         pin++) {
        s->ioredtbl[pin] = k->redirtbl[pin].bits;
    }
}

void kvm_pic_from_common(const PICChip *c, struct kvm_pic_state *k)
{
    memset(k, 0, sizeof(*k));
    k->last_irr = c->line;
    k->irr = c->irr;
    k->imr = c->imr;
    k->isr = c->isr;
    k->priority_add = c->hprio;
    k->irq_base = c->irq_base;
    k->read_reg_select = c->read_isr;
    k->poll = c->poll;
    k->special_mask = c->special_mask;
    k->init_state = c->init_state;
    k->auto_eoi = c->auto_eoi;
    k->rotate_on_auto_eoi = c->rotate_on_auto_eoi;
    k->special_fully_nested_mode = c->sfnm;
    k->init4 = c->icw4_needed;
    k->elcr = c->elcr;
    k->elcr_mask = c->elcr_mask;
}

void kvm_pic_to_common(const struct kvm_pic_state *k, const PICChip *base,
                       PICChip *c)
{
    *c = *base;
    c->line = k->last_irr;
    c->irr = k->irr;
    c->imr = k->imr;
    c->isr = k->isr;
    c->hprio = k->priority_add & 7;
    c->irq_base = k->irq_base;
    c->read_isr = k->read_reg_select;
    c->poll = k->poll;
    c->special_mask = k->special_mask;
    c->init_state = k->init_state;
    c->auto_eoi = k->auto_eoi;
    c->rotate_on_auto_eoi = k->rotate_on_auto_eoi;
    c->sfnm = k->special_fully_nested_mode;
    c->icw4_needed = k->init4;
    c->elcr = k->elcr;
    c->elcr_mask = k->elcr_mask;
}
