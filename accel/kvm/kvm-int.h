/*
 * Private interfaces of the KVM accelerator: the state kvm-all.c keeps for
 * the VM and each vCPU, the pure helpers of kvm-caps.c (capability checks
 * per kernel-irqchip mode, the PC's GSI routing table) that the unit tests
 * call without /dev/kvm, and the hooks the x86 part (target/i386/kvm/)
 * implements. Not for use outside accel/kvm, target/i386/kvm, hw/i386/kvm
 * and their tests.
 */
#ifndef LAPIS_ACCEL_KVM_INT_H
#define LAPIS_ACCEL_KVM_INT_H

#include "qemu/osdep.h"
#include "accel/kvm.h"

#include <linux/kvm.h>
#include <pthread.h>

typedef struct X86CPU X86CPU;

typedef enum KVMIrqchipMode {
    KVM_IRQCHIP_ON,             /* LAPIC, IOAPIC and PIC in the kernel */
    KVM_IRQCHIP_SPLIT,          /* LAPIC in the kernel, IOAPIC/PIC ours */
    KVM_IRQCHIP_OFF,            /* everything ours */
} KVMIrqchipMode;

/* "on"/"split"/"off" (also QEMU's spellings "true"/"false"/"yes"/"no"). */
bool kvm_irqchip_mode_parse(const char *value, KVMIrqchipMode *mode,
                            GError **errp);
const char *kvm_irqchip_mode_str(KVMIrqchipMode mode);

/* One capability a mode relies on, with the words an error uses. */
typedef struct KVMCapRequirement {
    int cap;                    /* KVM_CAP_* */
    const char *name;           /* "KVM_CAP_SPLIT_IRQCHIP" */
    const char *what;           /* "split irqchip" */
    bool vm_level;              /* ask the VM fd (answers may differ per VM) */
} KVMCapRequirement;

/* How a capability is looked up: returns the KVM_CHECK_EXTENSION answer. */
typedef int (*KVMCapQueryFn)(int cap, bool vm_level, void *opaque);

/* The capabilities `mode` needs, ending with { 0, NULL }. */
const KVMCapRequirement *kvm_mode_requirements(KVMIrqchipMode mode);
/* Check every requirement of `mode`; on failure one error (class
 * KVMMissingCap) naming the mode and every missing capability. */
bool kvm_check_mode_caps(KVMIrqchipMode mode, KVMCapQueryFn query,
                         void *opaque, GError **errp);

/*
 * The PC's GSI routing table for kernel-irqchip=on (see accel/kvm.h,
 * kvm_set_irq). Fills at most `max` entries and returns how many the table
 * has (fills none when max is too small).
 */
int kvm_pc_gsi_routes(struct kvm_irq_routing_entry *out, int max);

/* Per-vCPU accelerator state (X86CPU.accel_data). */
typedef struct KVMCPU {
    X86CPU *cpu;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool thread_started;

    /* Guards the fields below; cond wakes the vCPU thread and the waiters
     * of run_on_cpu. */
    GMutex lock;
    GCond cond;
    bool quit;                  /* stop_vcpus: leave the thread */
    bool wait_reset;            /* shut down / crashed: run again after reset */
    bool stopped;               /* internal error: run again after reset */
    bool parked;                /* waiting in the loop, outside KVM_RUN */
    void (*work)(X86CPU *cpu, void *opaque);  /* run_on_cpu request */
    void *work_opaque;
    bool work_done;

    /* Set (under the BQL) when env must be written to the kernel before
     * the next KVM_RUN: at start and after every reset. */
    gint put_pending;
    /* Last exit was I/O, MMIO or an MSR: the instruction completes on
     * re-entry. */
    bool io_pending;
    /* kernel-irqchip=off: RFLAGS.IF when the vCPU exited on HLT (it waits
     * in userspace for what can end the HLT). */
    bool hlt_if;
    /* kernel-irqchip=off: the CR8 value handed to the kernel in
     * kvm_run.cr8 for the last entry; a different value on exit means the
     * guest wrote CR8 and our LAPIC's TPR follows it. */
    uint64_t cr8_in;
    /* off and split: a KVM_INTERRUPT went in and may not have reached the
     * guest yet (KVM_RUN returned early): inject nothing else until the
     * kernel says it is gone. */
    bool irq_queued;
} KVMCPU;

/* The VM-wide state. */
typedef struct KVMState {
    int fd;                     /* /dev/kvm */
    int vmfd;
    KVMIrqchipMode irqchip;
    bool irqchip_created;
    int nr_slots;
    struct KVMSlot *slots;
    bool readonly_mem;
    bool x2apic_api;            /* KVM_CAP_X2APIC_API enabled (32-bit IDs) */
    bool tsc_deadline;
    bool debugregs;
    bool msr_filter;            /* off: x2APIC/TSC-deadline MSRs exit to us */
    bool smm;                   /* KVM_CAP_X86_SMM: KVM_SMI works */
    bool tsc_control;           /* KVM_CAP_TSC_CONTROL: KVM_SET_TSC_KHZ */
    /* MSRs the kernel saves and restores (KVM_GET_MSR_INDEX_LIST). */
    struct kvm_msr_list *msr_list;
    /* What KVM_GET_SUPPORTED_CPUID answered. */
    struct kvm_cpuid2 *supported_cpuid;
} KVMState;

extern KVMState *kvm_state;

int kvm_vm_ioctl(unsigned long req, void *arg);
int kvm_vcpu_ioctl(KVMCPU *kc, unsigned long req, void *arg);
bool kvm_has_msr(uint32_t index);
/* Run fn(cpu, opaque) on the vCPU's thread while it is out of KVM_RUN (at
 * once when the thread is not running). Call with the BQL held; it is
 * dropped while waiting and held again around fn. */
void kvm_run_on_cpu(X86CPU *cpu, void (*fn)(X86CPU *cpu, void *opaque),
                    void *opaque);

/* --- target/i386/kvm/kvm-cpu.c --- */

/* CPUID (model filtered by the kernel) and anything else per vCPU that
 * must precede the first KVM_RUN. */
bool kvm_arch_init_vcpu(X86CPU *cpu, GError **errp);
/* Write cpu->env (registers, segments, control registers, MSRs, FPU
 * control, MP state) to the kernel; `reset` also resets the in-kernel
 * LAPIC and TSC. Called on the vCPU thread with the BQL held. */
bool kvm_arch_put_registers(X86CPU *cpu, bool reset, GError **errp);
/* Read the kernel's register state back into cpu->env. */
bool kvm_arch_get_registers(X86CPU *cpu, GError **errp);
/* Append a register dump (as QEMU's "info registers" lays it out). */
void kvm_arch_dump_registers(X86CPU *cpu, GString *out);
/* Reset the in-kernel IOAPIC and PIC (kernel-irqchip=on). */
void kvm_arch_reset_irqchip(void);

#endif
