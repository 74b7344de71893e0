/*
 * The in-kernel interrupt controllers' state for the monitor
 * (kvm-irqchip-info.c): `info lapic/ioapic/pic` text built from the
 * kernel's state with the common printers, and the LAPIC read-back the
 * tests and other callers use. Only for kernel-irqchip=on/split.
 */
#ifndef LAPIS_HW_I386_KVM_IRQCHIP_INFO_H
#define LAPIS_HW_I386_KVM_IRQCHIP_INFO_H

#include "qemu/osdep.h"
#include "hw/intc/apic_internal.h"

typedef struct X86CPU X86CPU;

/* One vCPU's in-kernel LAPIC in the common form, plus what only the
 * kernel knows. */
typedef struct KVMInfoApicView {
    ApicRegs regs;              /* APIC base and TSC deadline included */
    uint32_t version;           /* the kernel's version register */
    uint32_t current_count;     /* the kernel's timer current count */
} KVMInfoApicView;

/* Read `cpu`'s LAPIC from the kernel (on its thread; BQL held). */
bool kvm_lapic_read_common(X86CPU *cpu, KVMInfoApicView *view, GError **errp);

/* The text of `info lapic` for `cpu`, `info ioapic`, `info pic`. */
void kvm_info_lapic_text(X86CPU *cpu, GString *out);
void kvm_info_ioapic_text(GString *out);
void kvm_info_pic_text(GString *out);

/* Make `info lapic` (on, split) and `info ioapic`/`info pic` (on) read the
 * kernel; call once the VM's irqchip exists. */
void kvm_irqchip_register_info(void);

#endif
