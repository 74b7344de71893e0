/*
 * x86 CPUs: the CPU model (-cpu), CPUID, the per-CPU MSR table, the TSC, and
 * each vCPU's own view of memory.
 *
 * CPU models: "qemu64" (default; AMD vendor string "AuthenticAMD" as QEMU's
 * qemu64) and "max" (everything lapis implements; "GenuineIntel"). A -cpu
 * string is "MODEL[,+FLAG][,-FLAG][,FLAG=on|off][,vendor=STRING12]" plus
 * family=, model=, stepping=, level=, xlevel=, phys-bits=, model-id=
 * (docs/cpu.md).
 *
 * The TSC counts at X86_TSC_FREQ_HZ from the virtual clock:
 *     TSC = virtual_ns * X86_TSC_FREQ_HZ / 1e9 + tsc_offset
 * Writing IA32_TSC changes tsc_offset (and IA32_TSC_ADJUST by the same
 * amount, SDM vol. 3B 18.17.3).
 */
#ifndef LAPIS_TARGET_I386_CPU_H
#define LAPIS_TARGET_I386_CPU_H

#include "qemu/osdep.h"
#include "softmmu/memory.h"
#include "target/i386/cpu-state.h"

/* 2 GHz: two TSC ticks per virtual nanosecond. */
#define X86_TSC_FREQ_HZ 2000000000ULL

/* CPUID feature words. */
typedef enum FeatureWord {
    FEAT_1_EDX,
    FEAT_1_ECX,
    FEAT_7_0_EBX,
    FEAT_7_0_ECX,
    FEAT_7_0_EDX,
    FEAT_8000_0001_EDX,
    FEAT_8000_0001_ECX,
    FEAT_8000_0007_EDX,
    FEATURE_WORDS
} FeatureWord;

/* Leaf 1 EDX */
#define CPUID_FP87   (1U << 0)
#define CPUID_VME    (1U << 1)
#define CPUID_DE     (1U << 2)
#define CPUID_PSE    (1U << 3)
#define CPUID_TSC    (1U << 4)
#define CPUID_MSR    (1U << 5)
#define CPUID_PAE    (1U << 6)
#define CPUID_MCE    (1U << 7)
#define CPUID_CX8    (1U << 8)
#define CPUID_APIC   (1U << 9)
#define CPUID_SEP    (1U << 11)
#define CPUID_MTRR   (1U << 12)
#define CPUID_PGE    (1U << 13)
#define CPUID_MCA    (1U << 14)
#define CPUID_CMOV   (1U << 15)
#define CPUID_PAT    (1U << 16)
#define CPUID_PSE36  (1U << 17)
#define CPUID_CLFLUSH (1U << 19)
#define CPUID_MMX    (1U << 23)
#define CPUID_FXSR   (1U << 24)
#define CPUID_SSE    (1U << 25)
#define CPUID_SSE2   (1U << 26)
#define CPUID_HT     (1U << 28)
/* Leaf 1 ECX */
#define CPUID_EXT_SSE3      (1U << 0)
#define CPUID_EXT_MONITOR   (1U << 3)
#define CPUID_EXT_SSSE3     (1U << 9)
#define CPUID_EXT_CX16      (1U << 13)
#define CPUID_EXT_PDCM      (1U << 15)
#define CPUID_EXT_SSE41     (1U << 19)
#define CPUID_EXT_SSE42     (1U << 20)
#define CPUID_EXT_X2APIC    (1U << 21)
#define CPUID_EXT_MOVBE     (1U << 22)
#define CPUID_EXT_POPCNT    (1U << 23)
#define CPUID_EXT_TSC_DEADLINE_TIMER (1U << 24)
#define CPUID_EXT_HYPERVISOR (1U << 31)
/* Leaf 7.0 EBX */
#define CPUID_7_0_EBX_FSGSBASE (1U << 0)
#define CPUID_7_0_EBX_TSC_ADJUST (1U << 1)
#define CPUID_7_0_EBX_BMI1  (1U << 3)
#define CPUID_7_0_EBX_SMEP  (1U << 7)
#define CPUID_7_0_EBX_BMI2  (1U << 8)
#define CPUID_7_0_EBX_ERMS  (1U << 9)
#define CPUID_7_0_EBX_SMAP  (1U << 20)
/* Leaf 7.0 EDX */
#define CPUID_7_0_EDX_SPEC_CTRL (1U << 26)  /* IA32_SPEC_CTRL.IBRS, IA32_PRED_CMD */
#define CPUID_7_0_EDX_STIBP (1U << 27)
#define CPUID_7_0_EDX_SSBD  (1U << 31)
/* Leaf 0x80000001 EDX */
#define CPUID_EXT2_SYSCALL  (1U << 11)
#define CPUID_EXT2_NX       (1U << 20)
#define CPUID_EXT2_PDPE1GB  (1U << 26)
#define CPUID_EXT2_RDTSCP   (1U << 27)
#define CPUID_EXT2_LM       (1U << 29)
/* Leaf 0x80000001 ECX */
#define CPUID_EXT3_LAHF_LM  (1U << 0)
#define CPUID_EXT3_SVM      (1U << 2)
#define CPUID_EXT3_ABM      (1U << 5)   /* LZCNT */
/* Leaf 0x80000007 EDX */
#define CPUID_APM_INVTSC    (1U << 8)

typedef struct X86CPUModel {
    char name[32];
    char vendor[13];            /* 12 characters + NUL */
    uint32_t family, model, stepping;
    uint32_t level;             /* highest basic leaf */
    uint32_t xlevel;            /* highest extended leaf */
    char model_id[49];          /* brand string */
    uint8_t phys_bits;          /* MAXPHYADDR */
    uint32_t features[FEATURE_WORDS];
} X86CPUModel;

/* Parse a -cpu string into a model; errors name the bad model or flag. */
bool x86_cpu_model_parse(const char *spec, X86CPUModel *model, GError **errp);
/* "-cpu help": the models and the flag names. */
void x86_cpu_list(GString *out);

typedef struct X86CPU X86CPU;

/*
 * MSR handlers. Return false to raise #GP (SDM: RDMSR/WRMSR of a reserved
 * MSR, or a write of reserved bits).
 */
typedef bool (*X86MsrReadFn)(X86CPU *cpu, uint32_t msr, uint64_t *value,
                             void *opaque);
typedef bool (*X86MsrWriteFn)(X86CPU *cpu, uint32_t msr, uint64_t value,
                              void *opaque);

typedef struct X86MsrEntry {
    uint32_t first;             /* first MSR index of the range */
    uint32_t count;             /* how many consecutive indexes */
    X86MsrReadFn read;          /* NULL: reads #GP (write-only) */
    X86MsrWriteFn write;        /* NULL: writes #GP (read-only) */
    void *opaque;
} X86MsrEntry;

struct X86CPU {
    int cpu_index;              /* 0..smp-1 */
    uint32_t apic_id;           /* initial APIC ID (from the machine) */
    bool is_bsp;
    X86CPUModel model;
    CPUX86State env;

    /* This vCPU's view of memory: system memory at priority 0, the CPU-side
     * hole over 0xFEE00000-0xFEEFFFFF above it (reads all ones, writes
     * dropped: a CPU store there is never an MSI), and the LAPIC page (added
     * by the interrupt controller) above both. */
    AddressSpace as;
    MemoryRegion as_root;
    MemoryRegion sysmem_alias;
    MemoryRegion msi_hole;

    GArray *msrs;               /* X86MsrEntry, sorted by first, no overlap */
    int64_t tsc_offset;
    int64_t tsc_adjust;         /* IA32_TSC_ADJUST */
    /* MSR state that has no home in CPUX86State. apic_base backs the
     * placeholder IA32_APIC_BASE handler until the LAPIC registers its own. */
    uint64_t apic_base;
    uint64_t spec_ctrl;         /* IA32_SPEC_CTRL */
    uint64_t feature_control;   /* IA32_FEATURE_CONTROL */

    void *apic;                 /* the LAPIC device (DeviceState *) or NULL */
    void *accel_data;           /* owned by the accelerator */
};

/* Create a CPU of `model` with the given index and initial APIC ID, with its
 * address space over `sysmem` and the architectural MSRs registered, in its
 * RESET state. Index 0 is the BSP. A NULL sysmem gives a CPU without a view
 * of memory (cpu->as is then unused; for unit tests of CPUID and MSRs). */
X86CPU *x86_cpu_new(const X86CPUModel *model, int cpu_index, uint32_t apic_id,
                    MemoryRegion *sysmem);
void x86_cpu_free(X86CPU *cpu);
/*
 * Power-on / RESET state (SDM vol. 3A 10.1.1, table 10-1, 2024 numbering;
 * chapter 9 and table 9-1 in older revisions). Sets every CPUX86State field
 * declared in cpu-state.h (those above the interpreter's line: fields the
 * interpreter adds are its own to reset), the MSRs, and the TSC (to 0).
 * BSP: X86_RUN_RUNNING; APs: X86_RUN_WAIT_FOR_SIPI.
 */
void x86_cpu_reset(X86CPU *cpu);
/*
 * INIT (same table, "Following INIT" column): registers as at RESET, but the
 * MSRs (TSC, TSC_ADJUST, PAT, MTRRs, MISC_ENABLE, SYSCALL/SYSENTER MSRs, ...),
 * CR0.CD/NW and the x87 control/status words are kept. EFER is cleared, since
 * the processor restarts in real mode. IA32_APIC_BASE is kept.
 */
void x86_cpu_init_reset(X86CPU *cpu);

static inline bool x86_cpu_has_feature(const X86CPU *cpu, FeatureWord w,
                                       uint32_t bit)
{
    return (cpu->model.features[w] & bit) != 0;
}

/* Register handlers for MSRs [first, first+count); replaces what was there. */
void x86_cpu_register_msr(X86CPU *cpu, uint32_t first, uint32_t count,
                          X86MsrReadFn read, X86MsrWriteFn write, void *opaque);
void x86_cpu_unregister_msr(X86CPU *cpu, uint32_t first, uint32_t count);
/* RDMSR / WRMSR: false means #GP. */
bool x86_cpu_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *value);
bool x86_cpu_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t value);

/* CPUID as this CPU answers it (leaf, subleaf). */
void x86_cpu_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf,
                   uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

uint64_t x86_cpu_get_tsc(X86CPU *cpu);
/* Make the TSC read `value` now (moves tsc_offset only; the IA32_TSC MSR
 * handler also moves IA32_TSC_ADJUST). */
void x86_cpu_set_tsc(X86CPU *cpu, uint64_t value);
/* Virtual-clock ns at which the TSC reaches `tsc` (rounded up). */
int64_t x86_cpu_tsc_to_ns(X86CPU *cpu, uint64_t tsc);

/* MSR indexes */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_APICBASE       0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_SPEC_CTRL      0x48
#define MSR_IA32_PRED_CMD       0x49
#define MSR_IA32_PMC0           0xc1    /* general counters 0xc1..0xc4 */
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_MTRRcap             0xfe
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_MCG_CAP             0x179
#define MSR_MCG_STATUS          0x17a
#define MSR_P6_EVNTSEL0         0x186   /* event selects 0x186..0x189 */
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRRphysBase0       0x200
#define MSR_MTRRfix64K_00000    0x250
#define MSR_MTRRfix16K_80000    0x258
#define MSR_MTRRfix16K_A0000    0x259
#define MSR_MTRRfix4K_C0000     0x268
#define MSR_MTRRfix4K_F8000     0x26f
#define MSR_IA32_CR_PAT         0x277
#define MSR_MTRRdefType         0x2ff
#define MSR_CORE_PERF_FIXED_CTR0 0x309  /* fixed counters 0x309..0x30b */
#define MSR_CORE_PERF_FIXED_CTR_CTRL 0x38d
#define MSR_CORE_PERF_GLOBAL_STATUS  0x38e
#define MSR_CORE_PERF_GLOBAL_CTRL    0x38f
#define MSR_CORE_PERF_GLOBAL_OVF_CTRL 0x390
#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_X2APIC_FIRST        0x800
#define MSR_X2APIC_LAST         0x8ff
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_FSBASE              0xc0000100
#define MSR_GSBASE              0xc0000101
#define MSR_KERNELGSBASE        0xc0000102
#define MSR_TSC_AUX             0xc0000103
#define MSR_K7_EVNTSEL0         0xc0010000
#define MSR_K7_PERFCTR0         0xc0010004

/* IA32_APIC_BASE (SDM vol. 3A 12.4.4, 2024 numbering; 10.4.4 before) */
#define MSR_IA32_APICBASE_BSP       (1ULL << 8)
#define MSR_IA32_APICBASE_EXTD      (1ULL << 10)    /* x2APIC mode */
#define MSR_IA32_APICBASE_ENABLE    (1ULL << 11)
#define MSR_IA32_APICBASE_BASE      (~0xfffULL)     /* up to MAXPHYADDR */
#define APIC_DEFAULT_ADDRESS        0xfee00000ULL
/* IA32_EFER (SDM vol. 3A 2.2.1) */
#define MSR_EFER_SCE                (1ULL << 0)
#define MSR_EFER_LME                (1ULL << 8)
#define MSR_EFER_LMA                (1ULL << 10)
#define MSR_EFER_NXE                (1ULL << 11)
/* IA32_MISC_ENABLE bit 0: fast-string operation */
#define MSR_IA32_MISC_ENABLE_FAST_STRING (1ULL << 0)
/* IA32_FEATURE_CONTROL bit 0: lock */
#define MSR_IA32_FEATURE_CONTROL_LOCKED  (1ULL << 0)
/* IA32_MTRRCAP: VCNT (7:0), FIX (8), WC (10) */
#define MSR_MTRRcap_VCNT            8
#define MSR_MTRRcap_FIXRANGE        (1ULL << 8)
#define MSR_MTRRcap_WC              (1ULL << 10)
/* Power-on IA32_PAT: WB, WT, UC-, UC, WB, WT, UC-, UC (SDM vol. 3A 13.12.4) */
#define MSR_IA32_CR_PAT_DEFAULT     0x0007040600070406ULL

#endif
