/*
 * The KVM accelerator as the rest of lapis sees it (accel/kvm/kvm-all.c):
 * whether it runs the machine, where the interrupt controllers live, and the
 * two ways a board hands an interrupt to an in-kernel irqchip — a GSI line
 * level (KVM_IRQ_LINE) and an MSI message (KVM_SIGNAL_MSI). Where lapis is
 * built without KVM (no linux/kvm.h, or -Dkvm=disabled) every query answers
 * "no" and the actions do nothing, so callers need no #ifdef.
 *
 * The kernel-irqchip mode is known as soon as the accelerator is chosen,
 * which is before the machine is built (softmmu/vl.c selects the accelerator
 * first), so a board may ask kvm_irqchip_in_kernel() while creating its
 * interrupt controllers. kvm_set_irq() may be called from then on; a level
 * set before the VM exists is remembered and applied when it is created.
 */
#ifndef LAPIS_ACCEL_KVM_H
#define LAPIS_ACCEL_KVM_H

#include "qemu/osdep.h"
#include "config-host.h"

typedef struct X86CPU X86CPU;

/* Number of GSIs of the PC's in-kernel IOAPIC (KVM_IOAPIC_NUM_PINS). */
#define KVM_PC_GSI_COUNT 24

/* A KVM module parameter's text ("Y", "N", "1", "0", with or without a
 * newline): 1 on, 0 off, -1 unreadable (accel/kvm/kvm-info.c). */
int kvm_module_param_bool(const char *text);

#ifdef CONFIG_KVM

/* The current accelerator is kvm. */
bool kvm_enabled(void);
/* The LAPICs live in the kernel (kernel-irqchip=on or split). */
bool kvm_irqchip_in_kernel(void);
/* The IOAPIC and the i8259 pair live in the kernel too (kernel-irqchip=on):
 * the board must not create its userspace IOAPIC/PIC, and routes each GSI
 * fan-out line to kvm_set_irq() instead. */
bool kvm_ioapic_in_kernel(void);
/* "on", "split" or "off"; "none" when kvm is not the accelerator. */
const char *kvm_irqchip_mode_name(void);
/*
 * Set the level of GSI `gsi` (0..KVM_PC_GSI_COUNT-1) on the in-kernel
 * irqchip (kernel-irqchip=on). The routing table puts GSI n on i8259 input
 * n (n < 16, n != 2) and IOAPIC pin n, except GSI 0, which reaches IOAPIC
 * pin 2 (the PC's interrupt source override); GSI 2 has no route. Any
 * thread; no-op unless kvm_ioapic_in_kernel().
 */
void kvm_set_irq(int gsi, int level);
/* Deliver an MSI (address/data as a device writes them to 0xFEExxxxx) to
 * the in-kernel LAPICs. False with errp when the kernel refuses it. */
bool kvm_send_msi(uint64_t addr, uint32_t data, GError **errp);
/* Read the vCPU's registers back from the kernel into cpu->env (for `info
 * registers` and the like). Call with the BQL held; no-op without kvm. */
void kvm_cpu_synchronize_state(X86CPU *cpu);

#else

static inline bool kvm_enabled(void) { return false; }
static inline bool kvm_irqchip_in_kernel(void) { return false; }
static inline bool kvm_ioapic_in_kernel(void) { return false; }
static inline const char *kvm_irqchip_mode_name(void) { return "none"; }
static inline void kvm_set_irq(int gsi, int level) { }
static inline bool kvm_send_msi(uint64_t addr, uint32_t data, GError **errp)
{
    error_setg(errp, "KVM support is not compiled in");
    return false;
}
static inline void kvm_cpu_synchronize_state(X86CPU *cpu) { }

#endif

#endif
