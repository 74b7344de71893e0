/*
 * Conversions between the common interrupt-controller state of hw/intc
 * (ApicRegs, IOAPICSavedState, PICChip) and the kernel's structures
 * (struct kvm_lapic_state, kvm_ioapic_state, kvm_pic_state), for the
 * kvm-apic, kvm-ioapic and kvm-pic backends: `info lapic/ioapic/pic`,
 * reset, and moving state between a userspace model and the kernel.
 *
 * What only one side has is taken from `base` when converting to the common
 * form (the kernel keeps no ICW3, SNGL, LTIM or BUF bits for the 8259, no
 * pin levels for the IOAPIC, and the LAPIC's pending ESR bits, timer start,
 * events and LINT levels live elsewhere in KVM).
 */
#ifndef LAPIS_HW_I386_KVM_IRQCHIP_STATE_H
#define LAPIS_HW_I386_KVM_IRQCHIP_STATE_H

#include "qemu/osdep.h"
#include "hw/intc/apic_internal.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/i8259.h"

#include <linux/kvm.h>

/*
 * LAPIC. `x2apic_api`: KVM_CAP_X2APIC_API's 32-bit IDs are enabled, so in
 * x2APIC mode the ID register holds the whole x2APIC ID; otherwise the
 * kernel keeps the ID in bits 31:24 in both modes. The APIC base (sregs),
 * TSC deadline (an MSR) and the current count (computed by the kernel) are
 * not part of these.
 */
void kvm_lapic_from_common(const ApicRegs *r, bool x2apic_api,
                           struct kvm_lapic_state *k);
void kvm_lapic_to_common(const struct kvm_lapic_state *k, bool x2apic_api,
                         const ApicRegs *base, ApicRegs *r);

void kvm_ioapic_from_common(const IOAPICSavedState *s,
                            struct kvm_ioapic_state *k);
void kvm_ioapic_to_common(const struct kvm_ioapic_state *k,
                          const IOAPICSavedState *base, IOAPICSavedState *s);

void kvm_pic_from_common(const PICChip *c, struct kvm_pic_state *k);
void kvm_pic_to_common(const struct kvm_pic_state *k, const PICChip *base,
                       PICChip *c);

#endif
