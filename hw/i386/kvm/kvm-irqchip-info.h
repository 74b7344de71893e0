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

/*
 * `info irq` with an in-kernel irqchip. The kernel delivers and accepts
 * interrupts without telling us, so the counts are of what lapis hands
 * it: GSI lines raised with KVM_IRQ_LINE (rising edges, on), MSIs sent
 * with KVM_SIGNAL_MSI (by vector and destination: IOAPIC messages under
 * split, the MSI window), and ExtINT vectors from our 8259 injected with
 * KVM_INTERRUPT (split). Callable from any thread.
 */
void kvm_irq_stats_line(int gsi, int level);
void kvm_irq_stats_msi(uint64_t addr, uint32_t data);
void kvm_irq_stats_extint(int cpu_index, int vector);
/* The text: the counts, then a line on what the kernel does not expose. */
void kvm_info_irq_text(GString *out);
/* Forget every count (tests). */
void kvm_irq_stats_reset(void);

/* Make `info lapic` (on, split), `info ioapic`/`info pic` (on) and
 * `info irq` (on, split) read the kernel; call once the VM's irqchip
 * exists. */
void kvm_irqchip_register_info(void);

#endif
