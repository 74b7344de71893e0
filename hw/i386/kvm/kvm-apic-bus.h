/*
 * The APIC bus backend for an in-kernel LAPIC (hw/i386/kvm/kvm-apic-bus.c):
 * every message that still starts in userspace (an MSI written to the MSI
 * window, an IOAPIC of ours under kernel-irqchip=split) is handed to the
 * kernel's LAPICs as an MSI (KVM_SIGNAL_MSI).
 */
#ifndef LAPIS_HW_I386_KVM_APIC_BUS_H
#define LAPIS_HW_I386_KVM_APIC_BUS_H

#include "qemu/osdep.h"
#include "hw/intc/apic_bus.h"

#include <linux/kvm.h>

/*
 * Encode a message with no shorthand as the MSI address/data pair that
 * carries it (SDM vol. 3A 12.11.1 and 12.11.2, 2024 numbering; 11.11
 * before). With `ext_dest` (KVM's x2APIC API), destination bits 31:8 go to
 * address bits 63:40 as KVM expects them; otherwise only bits 7:0 exist.
 */
void kvm_apic_msg_to_msi(const ApicMessage *msg, bool ext_dest,
                         uint64_t *addr, uint32_t *data);
/*
 * kernel-irqchip=split: the MSI that IOAPIC redirection entry `entry`
 * (82093AA datasheet 3.2.4: vector 7:0, delivery mode 10:8, destination
 * mode 11, trigger 15, mask 16, destination 63:56) sends.
 */
void kvm_ioapic_entry_to_msi(uint64_t entry, uint64_t *addr, uint32_t *data);
/*
 * The routes that mirror our IOAPIC in the GSIs KVM_CAP_SPLIT_IRQCHIP
 * reserved: one MSI route per unmasked pin (GSI = pin), so that the kernel
 * knows which vectors are level-triggered IOAPIC vectors and reports their
 * EOIs (KVM_EXIT_IOAPIC_EOI). Returns the number of entries (<= npins).
 */
int kvm_split_ioapic_routes(const uint64_t *redtbl, int npins,
                            struct kvm_irq_routing_entry *out);

/* Route the APIC bus to the kernel (kernel-irqchip=on or split). */
void kvm_apic_bus_install(void);

#endif
