/*
 * Pure conversions between lapis's x86 CPU state and the kernel's KVM
 * structures (target/i386/kvm/kvm-cpu.c), exposed for the unit tests:
 * segment caches <-> struct kvm_segment, and the CPUID table built from the
 * CPU model and filtered by what KVM_GET_SUPPORTED_CPUID reports.
 */
#ifndef LAPIS_TARGET_I386_KVM_I386_H
#define LAPIS_TARGET_I386_KVM_I386_H

#include "qemu/osdep.h"
#include "target/i386/cpu.h"

#include <linux/kvm.h>

/*
 * SegmentCache.flags holds descriptor bits 40-47 and 52-55 in place,
 * shifted down by 32 (cpu-state.h): type 11:8, S 12, DPL 14:13, P 15,
 * AVL 20, L 21, D/B 22, G 23 (SDM vol. 3A 3.4.5).
 */
#define KVM_SEG_TYPE_SHIFT  8
#define KVM_SEG_S           (1U << 12)
#define KVM_SEG_DPL_SHIFT   13
#define KVM_SEG_P           (1U << 15)
#define KVM_SEG_AVL         (1U << 20)
#define KVM_SEG_L           (1U << 21)
#define KVM_SEG_DB          (1U << 22)
#define KVM_SEG_G           (1U << 23)

/* A segment cache as KVM takes it; in virtual-8086 mode (`vm86`) as the
 * processor loads it there: base selector*16, 64 KiB, DPL 3 data. */
void kvm_seg_from_cache(const SegmentCache *sc, bool vm86,
                        struct kvm_segment *ks);
void kvm_seg_to_cache(const struct kvm_segment *ks, SegmentCache *sc);

/* What the kernel may change about CPUID besides its supported table. */
typedef struct KVMCpuidHostInfo {
    bool lapic_in_kernel;       /* x2APIC is emulated only with it */
    bool tsc_deadline;          /* KVM_CAP_TSC_DEADLINE_TIMER */
    bool msr_filter;            /* off: x2APIC MSRs reach our LAPIC */
} KVMCpuidHostInfo;

/*
 * Build the vCPU's CPUID table: every leaf the model answers (basic up to
 * its level, extended up to its xlevel, subleaves where they matter), with
 * the feature words ANDed with the kernel's supported table. Returns the
 * number of entries (at most `max`); each feature bit taken away is named
 * in `dropped` (may be NULL) as "CPUID.01H:ECX [bit 21]", one per line.
 */
int kvm_cpuid_build(X86CPU *cpu, const struct kvm_cpuid2 *supported,
                    const KVMCpuidHostInfo *host,
                    struct kvm_cpuid_entry2 *out, int max, GString *dropped);

/*
 * CPUID.01H:EDX bits the PVM flavour of KVM (kvm_pvm) sets in a vCPU's
 * table on KVM_SET_CPUID2 whatever the table asked for: VME (bit 1), SS
 * (bit 27) and HTT (bit 28). KVM_GET_CPUID2 and the guest's CPUID both show
 * them; hardware-assisted KVM keeps the table as given (it changes only the
 * runtime bits: APIC from IA32_APIC_BASE, OSXSAVE, OSPKE). docs/kvm.md.
 */
#define KVM_PVM_CPUID1_EDX_ADDED ((1U << 1) | (1U << 27) | (1U << 28))

/* Bits of (leaf, subleaf) register `reg` (0 EAX .. 3 EDX) that `kernels`
 * (KVM_GET_CPUID2 after KVM_SET_CPUID2) has and `ours` (what we set) lacks. */
uint32_t kvm_cpuid_kernel_added(const struct kvm_cpuid2 *ours,
                                const struct kvm_cpuid2 *kernels,
                                uint32_t leaf, uint32_t subleaf, int reg);

/* The supported entry for (function, index), or NULL. */
const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid2 *table,
                                              uint32_t function,
                                              uint32_t index);

/* Register offsets of the xAPIC page as KVM_GET/SET_LAPIC lays it out
 * (SDM vol. 3A table 12-1, 2024 numbering; 10-1 before). */
#define KVM_APIC_ID         0x20
#define KVM_APIC_LVR        0x30
#define KVM_APIC_TPR        0x80
#define KVM_APIC_LDR        0xd0
#define KVM_APIC_DFR        0xe0
#define KVM_APIC_SVR        0xf0
#define KVM_APIC_ISR        0x100
#define KVM_APIC_TMR        0x180
#define KVM_APIC_IRR        0x200
#define KVM_APIC_ESR        0x280
#define KVM_APIC_LVT_CMCI   0x2f0
#define KVM_APIC_ICR        0x300
#define KVM_APIC_ICR2       0x310
#define KVM_APIC_LVT_TIMER  0x320
#define KVM_APIC_LVT_LINT1  0x360
#define KVM_APIC_LVT_ERROR  0x370
#define KVM_APIC_TMICT      0x380
#define KVM_APIC_TMCCT      0x390
#define KVM_APIC_TDCR       0x3e0
#define KVM_APIC_LVT_MASKED (1U << 16)

/* The LAPIC's power-up/RESET register state (SDM vol. 3A 12.4.7.1, 2024
 * numbering; 10.4.7.1 before) in `regs`, keeping the version register, with
 * the xAPIC ID `apic_id`. */
void kvm_lapic_reset_state(struct kvm_lapic_state *regs, uint32_t apic_id);

static inline uint32_t kvm_lapic_get_reg(const struct kvm_lapic_state *s,
                                         unsigned off)
{
    uint32_t v;

    memcpy(&v, s->regs + off, 4);
    return v;
}

static inline void kvm_lapic_set_reg(struct kvm_lapic_state *s, unsigned off,
                                     uint32_t v)
{
    memcpy(s->regs + off, &v, 4);
}

#endif
