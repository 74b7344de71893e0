/*
 * x86 state under KVM: moves CPUX86State and the MSRs kept in X86CPU into the
 * kernel (KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_FPU, KVM_SET_MSRS,
 * KVM_SET_DEBUGREGS, KVM_SET_MP_STATE, KVM_SET_VCPU_EVENTS) and back, builds
 * the vCPU's CPUID from the same CPU model the interpreter uses, filtered by
 * KVM_GET_SUPPORTED_CPUID (as QEMU's kvm_arch_get_supported_cpuid does,
 * including its exceptions for x2APIC, TSC-deadline, the hypervisor bit and
 * AMD's aliases of leaf 1 EDX), and resets the in-kernel LAPIC, IOAPIC and
 * PIC (the kernel has no reset ioctl; we write their RESET state). The
 * reference is Documentation/virt/kvm/api.rst, section 4. Left out: XSAVE
 * and the x87/SSE register contents (only the control and status words
 * exist in CPUX86State), nested state, SMM, and the conversion between the
 * common LAPIC/IOAPIC/PIC state and the kernel's (hw/i386/kvm/, later).
 */
#include "qemu/osdep.h"
#include "accel/kvm/kvm-int.h"
#include "target/i386/kvm/kvm-i386.h"
#include "target/i386/cpu.h"
#include "trace/target_i386.h"

#include <sys/ioctl.h>

#define RFLAGS_VM           (1ULL << 17)
#define CR0_PE_BIT          (1ULL << 0)
#define EFER_LMA_BIT        (1ULL << 10)
#define MXCSR_RESET         0x1f80

/* ---- segments ---- */

void kvm_seg_from_cache(const SegmentCache *sc, bool vm86,
                        struct kvm_segment *ks)
{
    memset(ks, 0, sizeof(*ks));
    ks->selector = sc->selector;
    if (vm86) {
        /* SDM vol. 3A 20.2.1: in virtual-8086 mode a segment register load
         * sets base = selector * 16, limit 0xFFFF, a present DPL-3
         * read/write data segment. */
        ks->base = (uint64_t)sc->selector << 4;
        ks->limit = 0xffff;
        ks->type = 3;
        ks->present = 1;
        ks->dpl = 3;
        ks->s = 1;
        return;
    }
    ks->base = sc->base;
    ks->limit = sc->limit;
    ks->type = (sc->flags >> KVM_SEG_TYPE_SHIFT) & 0xf;
    ks->s = !!(sc->flags & KVM_SEG_S);
    ks->dpl = (sc->flags >> KVM_SEG_DPL_SHIFT) & 3;
    ks->present = !!(sc->flags & KVM_SEG_P);
    ks->avl = !!(sc->flags & KVM_SEG_AVL);
    ks->l = !!(sc->flags & KVM_SEG_L);
    ks->db = !!(sc->flags & KVM_SEG_DB);
    ks->g = !!(sc->flags & KVM_SEG_G);
    /* A segment register loaded with a null selector in protected mode is
     * not present; VMX calls that "unusable" (SDM vol. 3C 25.4.1). */
    ks->unusable = !ks->present;
}

void kvm_seg_to_cache(const struct kvm_segment *ks, SegmentCache *sc)
{
    sc->selector = ks->selector;
    sc->base = ks->base;
    sc->limit = ks->limit;
    sc->flags = ((uint32_t)(ks->type & 0xf) << KVM_SEG_TYPE_SHIFT) |
                (ks->s ? KVM_SEG_S : 0) |
                ((uint32_t)(ks->dpl & 3) << KVM_SEG_DPL_SHIFT) |
                (ks->present && !ks->unusable ? KVM_SEG_P : 0) |
                (ks->avl ? KVM_SEG_AVL : 0) |
                (ks->l ? KVM_SEG_L : 0) |
                (ks->db ? KVM_SEG_DB : 0) |
                (ks->g ? KVM_SEG_G : 0);
}

/* ---- CPUID ---- */

const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid2 *table,
                                              uint32_t function,
                                              uint32_t index)
{
    for (uint32_t i = 0; table && i < table->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &table->entries[i];
        if (e->function != function) {
            continue;
        }
        if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index) {
            continue;
        }
        return e;
    }
    return NULL;
}

/* Leaves whose ECX input selects a subleaf (SDM vol. 2A, CPUID). */
static bool cpuid_leaf_has_subleaves(uint32_t leaf)
{
    return leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd;
}

enum { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

/* The registers that hold feature flags: the rest (vendor, signature,
 * topology, brand) comes from the model as it is. */
typedef struct CpuidFeatureReg {
    uint32_t leaf, subleaf;
    int reg;
    const char *name;
} CpuidFeatureReg;

static const CpuidFeatureReg cpuid_feature_regs[] = {
    { 1, 0, REG_EDX, "CPUID.01H:EDX" },
    { 1, 0, REG_ECX, "CPUID.01H:ECX" },
    { 7, 0, REG_EBX, "CPUID.07H:EBX" },
    { 7, 0, REG_ECX, "CPUID.07H:ECX" },
    { 7, 0, REG_EDX, "CPUID.07H:EDX" },
    { 0x80000001, 0, REG_EDX, "CPUID.80000001H:EDX" },
    { 0x80000001, 0, REG_ECX, "CPUID.80000001H:ECX" },
    { 0x80000007, 0, REG_EDX, "CPUID.80000007H:EDX" },
};

/* AMD repeats these leaf 1 EDX bits in leaf 0x80000001 EDX; KVM on Intel
 * reports only Intel's definition there. */
#define CPUID_AMD_ALIASES_MASK 0x0183f3ffU

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, int reg)
{
    switch (reg) {
    case REG_EAX:
        return &e->eax;
    case REG_EBX:
        return &e->ebx;
    case REG_ECX:
        return &e->ecx;
    default:
        return &e->edx;
    }
}

static uint32_t supported_reg(const struct kvm_cpuid2 *supported,
                              uint32_t leaf, uint32_t subleaf, int reg)
{
    const struct kvm_cpuid_entry2 *e = kvm_cpuid_find(supported, leaf, subleaf);

    if (!e) {
        return 0;
    }
    return *entry_reg((struct kvm_cpuid_entry2 *)e, reg);
}

static uint32_t allowed_bits(const struct kvm_cpuid2 *supported,
                             const KVMCpuidHostInfo *host,
                             const CpuidFeatureReg *f)
{
    uint32_t ok = supported_reg(supported, f->leaf, f->subleaf, f->reg);

    if (f->leaf == 1 && f->reg == REG_ECX) {
        ok |= CPUID_EXT_HYPERVISOR;
        /* TSC-deadline is reported by a capability, not in the table. */
        if (host->lapic_in_kernel && host->tsc_deadline) {
            ok |= CPUID_EXT_TSC_DEADLINE_TIMER;
        } else if (!host->lapic_in_kernel) {
            /* Our LAPIC would count lapis's TSC, not the guest's. */
            ok &= ~CPUID_EXT_TSC_DEADLINE_TIMER;
        }
        /* x2APIC needs the kernel's LAPIC, or (kernel-irqchip=off) the MSR
         * filter that sends the x2APIC MSRs to ours. */
        if (!host->lapic_in_kernel && !host->msr_filter) {
            ok &= ~CPUID_EXT_X2APIC;
        }
    }
    if (f->leaf == 0x80000001 && f->reg == REG_EDX) {
        ok |= supported_reg(supported, 1, 0, REG_EDX) & CPUID_AMD_ALIASES_MASK;
    }
    return ok;
}

static void add_entry(X86CPU *cpu, uint32_t leaf, uint32_t subleaf,
                      struct kvm_cpuid_entry2 *out, int max, int *n)
{
    struct kvm_cpuid_entry2 *e;

    if (*n >= max) {
        return;
    }
    e = &out[(*n)++];
    memset(e, 0, sizeof(*e));
    e->function = leaf;
    e->index = subleaf;
    if (cpuid_leaf_has_subleaves(leaf)) {
        e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    }
    x86_cpu_cpuid(cpu, leaf, subleaf, &e->eax, &e->ebx, &e->ecx, &e->edx);
}

int kvm_cpuid_build(X86CPU *cpu, const struct kvm_cpuid2 *supported,
                    const KVMCpuidHostInfo *host,
                    struct kvm_cpuid_entry2 *out, int max, GString *dropped)
{
    uint32_t level, xlevel, unused;
    int n = 0;

    x86_cpu_cpuid(cpu, 0, 0, &level, &unused, &unused, &unused);
    x86_cpu_cpuid(cpu, 0x80000000, 0, &xlevel, &unused, &unused, &unused);

    for (uint32_t leaf = 0; leaf <= level && leaf < 0x40000000; leaf++) {
        if (leaf == 0xb) {
            /* Topology levels until the first invalid one (ECX[15:8] = 0),
             * which is included, as the SDM says software stops there. */
            for (uint32_t sub = 0; sub < 8; sub++) {
                int at = n;
                add_entry(cpu, leaf, sub, out, max, &n);
                if (at < n && ((out[at].ecx >> 8) & 0xff) == 0) {
                    break;
                }
            }
        } else {
            add_entry(cpu, leaf, 0, out, max, &n);
        }
    }
    for (uint32_t leaf = 0x80000000; leaf <= xlevel && leaf < 0x80000100;
         leaf++) {
        add_entry(cpu, leaf, 0, out, max, &n);
    }

    for (int i = 0; i < n; i++) {
        struct kvm_cpuid_entry2 *e = &out[i];
        for (size_t k = 0; k < G_N_ELEMENTS(cpuid_feature_regs); k++) {
            const CpuidFeatureReg *f = &cpuid_feature_regs[k];
            uint32_t *r, lost;

            if (e->function != f->leaf || e->index != f->subleaf) {
                continue;
            }
            r = entry_reg(e, f->reg);
            lost = *r & ~allowed_bits(supported, host, f);
            *r &= ~lost;
            for (int bit = 0; dropped && bit < 32; bit++) {
                if (lost & (1U << bit)) {
                    g_string_append_printf(dropped, "%s [bit %d]\n",
                                           f->name, bit);
                }
            }
        }
    }
    return n;
}

uint32_t kvm_cpuid_kernel_added(const struct kvm_cpuid2 *ours,
                                const struct kvm_cpuid2 *kernels,
                                uint32_t leaf, uint32_t subleaf, int reg)
{
    uint32_t mine = supported_reg(ours, leaf, subleaf, reg);

    return supported_reg(kernels, leaf, subleaf, reg) & ~mine;
}

/*
 * Read the table back: some KVM flavours change it (PVM sets VME, SS and
 * HTT in leaf 1 EDX), and the guest sees the kernel's copy. Each feature
 * word the kernel widened is traced, so `-trace kvm_x86_cpuid_kernel_added`
 * says where a guest's CPUID differs from the model.
 */
static void kvm_cpuid_read_back(KVMCPU *kc, const struct kvm_cpuid2 *ours)
{
    g_autofree struct kvm_cpuid2 *k =
        g_malloc0(sizeof(*k) + ours->nent * sizeof(k->entries[0]));

    k->nent = ours->nent;
    if (kvm_vcpu_ioctl(kc, KVM_GET_CPUID2, k) < 0) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cpuid_feature_regs); i++) {
        const CpuidFeatureReg *f = &cpuid_feature_regs[i];
        uint32_t added = kvm_cpuid_kernel_added(ours, k, f->leaf, f->subleaf,
                                                f->reg);
        if (added) {
            trace_kvm_x86_cpuid_kernel_added(kc->cpu->cpu_index, f->name,
                                             added);
        }
    }
}

/*
 * The model's TSC counts at X86_TSC_FREQ_HZ (docs/cpu.md), and guests (and
 * our LAPIC timer under kernel-irqchip=off, which counts lapis's clock)
 * rely on it. The kernel scales the guest's TSC to that rate where the CPU
 * can (KVM_CAP_TSC_CONTROL, api.rst 4.55 KVM_SET_TSC_KHZ); elsewhere the
 * guest's TSC runs at the host's rate, which is said once. Without the
 * capability KVM_SET_TSC_KHZ is not called: a rate below the host's fails
 * there, yet KVM_GET_TSC_KHZ would report it afterwards.
 */
static void kvm_set_tsc_rate(KVMCPU *kc, X86CPU *cpu)
{
    const unsigned long want = X86_TSC_FREQ_HZ / 1000;
    int khz;

    if (kvm_state->tsc_control &&
        ioctl(kc->fd, KVM_SET_TSC_KHZ, want) == 0) {
        return;
    }
    khz = ioctl(kc->fd, KVM_GET_TSC_KHZ, 0);
    if (cpu->cpu_index == 0 && khz > 0 && (unsigned long)khz != want) {
        error_report("warning: the guest's TSC runs at the host's %d kHz, "
                     "not the CPU model's %lu kHz: this host's KVM cannot "
                     "scale it (no KVM_CAP_TSC_CONTROL)", khz, want);
    }
}

bool kvm_arch_init_vcpu(X86CPU *cpu, GError **errp)
{
    KVMCPU *kc = cpu->accel_data;
    KVMCpuidHostInfo host = {
        .lapic_in_kernel = kvm_state->irqchip != KVM_IRQCHIP_OFF,
        .tsc_deadline = kvm_state->tsc_deadline,
        .msr_filter = kvm_state->msr_filter,
    };
    const int max = 128;
    g_autofree struct kvm_cpuid2 *table =
        g_malloc0(sizeof(*table) + max * sizeof(struct kvm_cpuid_entry2));
    g_autoptr(GString) dropped = g_string_new(NULL);

    table->nent = (uint32_t)kvm_cpuid_build(cpu, kvm_state->supported_cpuid,
                                            &host, table->entries, max,
                                            dropped);
    if (cpu->cpu_index == 0 && dropped->len) {
        /* As QEMU: one warning per feature the host cannot give. */
        g_auto(GStrv) lines = g_strsplit(dropped->str, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (**l) {
                error_report("warning: host doesn't support requested "
                             "feature: %s", *l);
            }
        }
    }
    if (kvm_vcpu_ioctl(kc, KVM_SET_CPUID2, table) < 0) {
        error_setg(errp, "KVM_SET_CPUID2 failed for CPU %d: %s",
                   cpu->cpu_index, g_strerror(errno));
        return false;
    }
    kvm_cpuid_read_back(kc, table);
    kvm_set_tsc_rate(kc, cpu);
    trace_kvm_x86_init_vcpu(cpu->cpu_index, table->nent);
    return true;
}

/* ---- MSRs ---- */

typedef struct MsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry entries[64];
} MsrBuf;

static void msr_add(MsrBuf *b, uint32_t index, uint64_t value)
{
    if (b->hdr.nmsrs < G_N_ELEMENTS(b->entries)) {
        b->entries[b->hdr.nmsrs].index = index;
        b->entries[b->hdr.nmsrs].reserved = 0;
        b->entries[b->hdr.nmsrs].data = value;
        b->hdr.nmsrs++;
    }
}

/* The MSRs CPUX86State holds, with pointers to their homes. */
typedef struct EnvMsr {
    uint32_t index;
    size_t offset;              /* in CPUX86State */
    bool needs_list;            /* only if KVM_GET_MSR_INDEX_LIST has it */
} EnvMsr;

#define ENV_MSR(i, f, l) { i, offsetof(CPUX86State, f), l }

static const EnvMsr env_msrs[] = {
    ENV_MSR(MSR_IA32_SYSENTER_CS, sysenter_cs, false),
    ENV_MSR(MSR_IA32_SYSENTER_ESP, sysenter_esp, false),
    ENV_MSR(MSR_IA32_SYSENTER_EIP, sysenter_eip, false),
    ENV_MSR(MSR_IA32_CR_PAT, pat, false),
    ENV_MSR(MSR_IA32_MISC_ENABLE, misc_enable, false),
    ENV_MSR(MSR_MTRRdefType, mtrr_deftype, false),
    ENV_MSR(MSR_STAR, star, true),
    ENV_MSR(MSR_LSTAR, lstar, true),
    ENV_MSR(MSR_CSTAR, cstar, true),
    ENV_MSR(MSR_FMASK, fmask, true),
    ENV_MSR(MSR_KERNELGSBASE, kernel_gs_base, true),
    ENV_MSR(MSR_TSC_AUX, tsc_aux, true),
};

/* The fixed-range MTRRs in the order of env->mtrr_fixed. */
static const uint32_t mtrr_fixed_msrs[11] = {
    MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
    MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C0000 + 1, MSR_MTRRfix4K_C0000 + 2,
    MSR_MTRRfix4K_C0000 + 3, MSR_MTRRfix4K_C0000 + 4, MSR_MTRRfix4K_C0000 + 5,
    MSR_MTRRfix4K_C0000 + 6, MSR_MTRRfix4K_F8000,
};

static void collect_msrs(X86CPU *cpu, MsrBuf *b)
{
    CPUX86State *env = &cpu->env;

    for (size_t i = 0; i < G_N_ELEMENTS(env_msrs); i++) {
        if (env_msrs[i].needs_list && !kvm_has_msr(env_msrs[i].index)) {
            continue;
        }
        msr_add(b, env_msrs[i].index,
                *(uint64_t *)((char *)env + env_msrs[i].offset));
    }
    for (int i = 0; i < 11; i++) {
        msr_add(b, mtrr_fixed_msrs[i], env->mtrr_fixed[i]);
    }
    for (int i = 0; i < 16; i++) {
        msr_add(b, MSR_MTRRphysBase0 + (uint32_t)i, env->mtrr_var[i]);
    }
}

/* KVM_SET_MSRS stops at the first MSR it refuses and returns how many it
 * took; skip the refused one and go on, so one MSR the host lacks does not
 * cost the rest. */
static void put_msrs(KVMCPU *kc, MsrBuf *b)
{
    uint32_t done = 0;

    while (done < b->hdr.nmsrs) {
        MsrBuf rest = { .hdr.nmsrs = b->hdr.nmsrs - done };
        int ret;

        memcpy(rest.entries, &b->entries[done],
               rest.hdr.nmsrs * sizeof(rest.entries[0]));
        ret = kvm_vcpu_ioctl(kc, KVM_SET_MSRS, &rest);
        if (ret < 0) {
            trace_kvm_x86_msr_refused(kc->cpu->cpu_index,
                                      rest.entries[0].index);
            return;
        }
        done += (uint32_t)ret;
        if (done < b->hdr.nmsrs) {
            trace_kvm_x86_msr_refused(kc->cpu->cpu_index,
                                      b->entries[done].index);
            done++;
        }
    }
}

static void get_msrs(X86CPU *cpu, KVMCPU *kc)
{
    CPUX86State *env = &cpu->env;
    MsrBuf b = { .hdr.nmsrs = 0 };
    int ret;

    collect_msrs(cpu, &b);
    ret = kvm_vcpu_ioctl(kc, KVM_GET_MSRS, &b);
    for (int i = 0; i < ret && i < (int)b.hdr.nmsrs; i++) {
        uint32_t index = b.entries[i].index;
        uint64_t v = b.entries[i].data;
        bool found = false;

        for (size_t k = 0; k < G_N_ELEMENTS(env_msrs) && !found; k++) {
            if (env_msrs[k].index == index) {
                *(uint64_t *)((char *)env + env_msrs[k].offset) = v;
                found = true;
            }
        }
        for (int k = 0; k < 11 && !found; k++) {
            if (mtrr_fixed_msrs[k] == index) {
                env->mtrr_fixed[k] = v;
                found = true;
            }
        }
        if (!found && index >= MSR_MTRRphysBase0 &&
            index < MSR_MTRRphysBase0 + 16) {
            env->mtrr_var[index - MSR_MTRRphysBase0] = v;
        }
    }
}

/* ---- LAPIC, IOAPIC, PIC reset ---- */

void kvm_lapic_reset_state(struct kvm_lapic_state *s, uint32_t apic_id)
{
    uint32_t version = kvm_lapic_get_reg(s, KVM_APIC_LVR);

    memset(s->regs, 0, sizeof(s->regs));
    kvm_lapic_set_reg(s, KVM_APIC_LVR, version);
    kvm_lapic_set_reg(s, KVM_APIC_ID, apic_id << 24);
    /* DFR all ones (flat model), SVR 0xFF (software-disabled, spurious
     * vector 0xFF), every LVT masked; IRR, ISR, TMR, ICR, LDR, TPR, the
     * timer counts and divide configuration zero. */
    kvm_lapic_set_reg(s, KVM_APIC_DFR, 0xffffffffU);
    kvm_lapic_set_reg(s, KVM_APIC_SVR, 0xff);
    kvm_lapic_set_reg(s, KVM_APIC_LVT_CMCI, KVM_APIC_LVT_MASKED);
    for (unsigned off = KVM_APIC_LVT_TIMER; off <= KVM_APIC_LVT_ERROR;
         off += 0x10) {
        kvm_lapic_set_reg(s, off, KVM_APIC_LVT_MASKED);
    }
}

void kvm_arch_reset_irqchip(void)
{
    struct kvm_irqchip chip;

    if (!kvm_state || kvm_state->irqchip != KVM_IRQCHIP_ON ||
        !kvm_state->irqchip_created) {
        return;
    }
    for (uint32_t id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_IOAPIC; id++) {
        memset(&chip, 0, sizeof(chip));
        chip.chip_id = id;
        if (kvm_vm_ioctl(KVM_GET_IRQCHIP, &chip) < 0) {
            continue;
        }
        if (id == KVM_IRQCHIP_IOAPIC) {
            struct kvm_ioapic_state *io = &chip.chip.ioapic;
            uint64_t base = io->base_address;
            memset(io, 0, sizeof(*io));
            io->base_address = base;
            /* 82093AA datasheet 3.2.4: every redirection entry masked. */
            for (int pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
                io->redirtbl[pin].bits = 1ULL << 16;
            }
        } else {
            struct kvm_pic_state *pic = &chip.chip.pic;
            uint8_t elcr_mask = pic->elcr_mask;
            memset(pic, 0, sizeof(*pic));
            pic->elcr_mask = elcr_mask;
        }
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &chip);
    }
}

/* ---- registers ---- */

bool kvm_arch_put_registers(X86CPU *cpu, bool reset, GError **errp)
{
    KVMCPU *kc = cpu->accel_data;
    CPUX86State *env = &cpu->env;
    struct kvm_regs regs = { 0 };
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    MsrBuf msrs = { .hdr.nmsrs = 0 };
    bool vm86 = (env->rflags & RFLAGS_VM) && (env->cr[0] & CR0_PE_BIT);
    bool lapic_in_kernel = kvm_state->irqchip != KVM_IRQCHIP_OFF;
    uint64_t apic_base = cpu->apic_base;

    regs.rax = env->regs[R_EAX];
    regs.rbx = env->regs[R_EBX];
    regs.rcx = env->regs[R_ECX];
    regs.rdx = env->regs[R_EDX];
    regs.rsi = env->regs[R_ESI];
    regs.rdi = env->regs[R_EDI];
    regs.rsp = env->regs[R_ESP];
    regs.rbp = env->regs[R_EBP];
    regs.r8 = env->regs[R_R8];
    regs.r9 = env->regs[R_R9];
    regs.r10 = env->regs[R_R10];
    regs.r11 = env->regs[R_R11];
    regs.r12 = env->regs[R_R12];
    regs.r13 = env->regs[R_R13];
    regs.r14 = env->regs[R_R14];
    regs.r15 = env->regs[R_R15];
    regs.rip = env->rip;
    regs.rflags = env->rflags;
    if (kvm_vcpu_ioctl(kc, KVM_SET_REGS, &regs) < 0) {
        error_setg(errp, "KVM_SET_REGS: %s", g_strerror(errno));
        return false;
    }

    memset(&sregs, 0, sizeof(sregs));
    kvm_seg_from_cache(&env->segs[R_CS], vm86, &sregs.cs);
    kvm_seg_from_cache(&env->segs[R_DS], vm86, &sregs.ds);
    kvm_seg_from_cache(&env->segs[R_ES], vm86, &sregs.es);
    kvm_seg_from_cache(&env->segs[R_FS], vm86, &sregs.fs);
    kvm_seg_from_cache(&env->segs[R_GS], vm86, &sregs.gs);
    kvm_seg_from_cache(&env->segs[R_SS], vm86, &sregs.ss);
    kvm_seg_from_cache(&env->tr, false, &sregs.tr);
    kvm_seg_from_cache(&env->ldt, false, &sregs.ldt);
    sregs.gdt.base = env->gdt.base;
    sregs.gdt.limit = (uint16_t)env->gdt.limit;
    sregs.idt.base = env->idt.base;
    sregs.idt.limit = (uint16_t)env->idt.limit;
    sregs.cr0 = env->cr[0];
    sregs.cr2 = env->cr[2];
    sregs.cr3 = env->cr[3];
    sregs.cr4 = env->cr[4];
    sregs.cr8 = env->cr8;
    sregs.efer = env->efer;
    /* Whoever handles IA32_APIC_BASE (the LAPIC model, or the CPU's
     * placeholder) knows its value; the in-kernel LAPIC takes it here. */
    x86_cpu_rdmsr(cpu, MSR_IA32_APICBASE, &apic_base);
    sregs.apic_base = apic_base;
    if (kvm_vcpu_ioctl(kc, KVM_SET_SREGS, &sregs) < 0) {
        error_setg(errp, "KVM_SET_SREGS: %s", g_strerror(errno));
        return false;
    }

    if (kvm_vcpu_ioctl(kc, KVM_GET_FPU, &fpu) == 0) {
        fpu.fcw = env->fpu_cw;
        fpu.fsw = env->fpu_sw;
        if (reset) {
            memset(fpu.fpr, 0, sizeof(fpu.fpr));
            memset(fpu.xmm, 0, sizeof(fpu.xmm));
            fpu.ftwx = 0;           /* every x87 register empty */
            fpu.last_opcode = 0;
            fpu.last_ip = 0;
            fpu.last_dp = 0;
            fpu.mxcsr = MXCSR_RESET;
        }
        kvm_vcpu_ioctl(kc, KVM_SET_FPU, &fpu);
    }

    if (kvm_state->debugregs) {
        struct kvm_debugregs dbg = { 0 };
        for (int i = 0; i < 4; i++) {
            dbg.db[i] = env->dr[i];
        }
        dbg.dr6 = env->dr[6];
        dbg.dr7 = env->dr[7];
        kvm_vcpu_ioctl(kc, KVM_SET_DEBUGREGS, &dbg);
    }

    if (reset) {
        struct kvm_vcpu_events ev;

        /* Drop any event the kernel was about to inject (a triple fault
         * leaves one behind). */
        memset(&ev, 0, sizeof(ev));
        kvm_vcpu_ioctl(kc, KVM_SET_VCPU_EVENTS, &ev);
        if (lapic_in_kernel) {
            struct kvm_lapic_state lapic;
            if (kvm_vcpu_ioctl(kc, KVM_GET_LAPIC, &lapic) == 0) {
                kvm_lapic_reset_state(&lapic, cpu->apic_id);
                kvm_vcpu_ioctl(kc, KVM_SET_LAPIC, &lapic);
            }
        }
        msr_add(&msrs, MSR_IA32_TSC, x86_cpu_get_tsc(cpu));
        /* After the LAPIC (its timer mode decides how the kernel reads the
         * deadline) and the TSC it counts against: disarmed at RESET
         * (SDM vol. 3A 12.5.4.1). */
        if (lapic_in_kernel && kvm_state->tsc_deadline) {
            msr_add(&msrs, MSR_IA32_TSC_DEADLINE, 0);
        }
    }
    collect_msrs(cpu, &msrs);
    put_msrs(kc, &msrs);

    if (lapic_in_kernel) {
        struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

        switch (env->run_state) {
        case X86_RUN_HALTED:
            mp.mp_state = KVM_MP_STATE_HALTED;
            break;
        case X86_RUN_WAIT_FOR_SIPI:
        case X86_RUN_STOPPED:
            /* As the kernel leaves an AP at creation: INIT and SIPI
             * (from the BSP's ICR, in the kernel) start it. */
            mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
            break;
        default:
            break;
        }
        if (kvm_vcpu_ioctl(kc, KVM_SET_MP_STATE, &mp) < 0) {
            error_setg(errp, "KVM_SET_MP_STATE: %s", g_strerror(errno));
            return false;
        }
    }
    trace_kvm_x86_put_registers(cpu->cpu_index, env->rip, reset);
    return true;
}

bool kvm_arch_get_registers(X86CPU *cpu, GError **errp)
{
    KVMCPU *kc = cpu->accel_data;
    CPUX86State *env = &cpu->env;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;

    if (kvm_vcpu_ioctl(kc, KVM_GET_REGS, &regs) < 0) {
        error_setg(errp, "KVM_GET_REGS: %s", g_strerror(errno));
        return false;
    }
    env->regs[R_EAX] = regs.rax;
    env->regs[R_EBX] = regs.rbx;
    env->regs[R_ECX] = regs.rcx;
    env->regs[R_EDX] = regs.rdx;
    env->regs[R_ESI] = regs.rsi;
    env->regs[R_EDI] = regs.rdi;
    env->regs[R_ESP] = regs.rsp;
    env->regs[R_EBP] = regs.rbp;
    env->regs[R_R8] = regs.r8;
    env->regs[R_R9] = regs.r9;
    env->regs[R_R10] = regs.r10;
    env->regs[R_R11] = regs.r11;
    env->regs[R_R12] = regs.r12;
    env->regs[R_R13] = regs.r13;
    env->regs[R_R14] = regs.r14;
    env->regs[R_R15] = regs.r15;
    env->rip = regs.rip;
    env->rflags = regs.rflags;

    if (kvm_vcpu_ioctl(kc, KVM_GET_SREGS, &sregs) < 0) {
        error_setg(errp, "KVM_GET_SREGS: %s", g_strerror(errno));
        return false;
    }
    kvm_seg_to_cache(&sregs.cs, &env->segs[R_CS]);
    kvm_seg_to_cache(&sregs.ds, &env->segs[R_DS]);
    kvm_seg_to_cache(&sregs.es, &env->segs[R_ES]);
    kvm_seg_to_cache(&sregs.fs, &env->segs[R_FS]);
    kvm_seg_to_cache(&sregs.gs, &env->segs[R_GS]);
    kvm_seg_to_cache(&sregs.ss, &env->segs[R_SS]);
    kvm_seg_to_cache(&sregs.tr, &env->tr);
    kvm_seg_to_cache(&sregs.ldt, &env->ldt);
    env->gdt.base = sregs.gdt.base;
    env->gdt.limit = sregs.gdt.limit;
    env->idt.base = sregs.idt.base;
    env->idt.limit = sregs.idt.limit;
    env->cr[0] = sregs.cr0;
    env->cr[2] = sregs.cr2;
    env->cr[3] = sregs.cr3;
    env->cr[4] = sregs.cr4;
    env->cr8 = sregs.cr8;
    env->efer = sregs.efer;

    if (kvm_vcpu_ioctl(kc, KVM_GET_FPU, &fpu) == 0) {
        env->fpu_cw = fpu.fcw;
        env->fpu_sw = fpu.fsw;
    }
    if (kvm_state->debugregs) {
        struct kvm_debugregs dbg;
        if (kvm_vcpu_ioctl(kc, KVM_GET_DEBUGREGS, &dbg) == 0) {
            for (int i = 0; i < 4; i++) {
                env->dr[i] = dbg.db[i];
            }
            env->dr[6] = dbg.dr6;
            env->dr[7] = dbg.dr7;
        }
    }
    get_msrs(cpu, kc);
    if (kvm_state->irqchip != KVM_IRQCHIP_OFF) {
        struct kvm_mp_state mp;
        if (kvm_vcpu_ioctl(kc, KVM_GET_MP_STATE, &mp) == 0) {
            switch (mp.mp_state) {
            case KVM_MP_STATE_HALTED:
                env->run_state = X86_RUN_HALTED;
                break;
            case KVM_MP_STATE_UNINITIALIZED:
            case KVM_MP_STATE_INIT_RECEIVED:
                env->run_state = X86_RUN_WAIT_FOR_SIPI;
                break;
            default:
                env->run_state = X86_RUN_RUNNING;
                break;
            }
        }
    }
    return true;
}

static void dump_seg(GString *out, const char *name, const SegmentCache *sc,
                     bool lma)
{
    if (lma) {
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x\n",
                               name, sc->selector, sc->base, sc->limit,
                               sc->flags);
    } else {
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x\n", name,
                               sc->selector, (uint32_t)sc->base, sc->limit,
                               sc->flags);
    }
}

void kvm_arch_dump_registers(X86CPU *cpu, GString *out)
{
    CPUX86State *env = &cpu->env;
    static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS",
                                              "GS" };
    bool lma = env->efer & EFER_LMA_BIT;

    if (lma) {
        static const char *const names[16] = {
            "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
            "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
        };
        for (int i = 0; i < 16; i++) {
            g_string_append_printf(out, "%s=%016" PRIx64 "%s", names[i],
                                   env->regs[i], (i & 3) == 3 ? "\n" : " ");
        }
        g_string_append_printf(out, "RIP=%016" PRIx64 " RFL=%08" PRIx64 "\n",
                               env->rip, env->rflags);
    } else {
        g_string_append_printf(out,
            "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n"
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
            "EIP=%08x EFL=%08x\n",
            (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_EBX],
            (uint32_t)env->regs[R_ECX], (uint32_t)env->regs[R_EDX],
            (uint32_t)env->regs[R_ESI], (uint32_t)env->regs[R_EDI],
            (uint32_t)env->regs[R_EBP], (uint32_t)env->regs[R_ESP],
            (uint32_t)env->rip, (uint32_t)env->rflags);
    }
    for (int i = 0; i < 6; i++) {
        dump_seg(out, seg_names[i], &env->segs[i], lma);
    }
    dump_seg(out, "LDT", &env->ldt, lma);
    dump_seg(out, "TR", &env->tr, lma);
    g_string_append_printf(out, "GDT=     %016" PRIx64 " %08x\n",
                           env->gdt.base, env->gdt.limit);
    g_string_append_printf(out, "IDT=     %016" PRIx64 " %08x\n",
                           env->idt.base, env->idt.limit);
    g_string_append_printf(out, "CR0=%08" PRIx64 " CR2=%016" PRIx64
                           " CR3=%016" PRIx64 " CR4=%08" PRIx64 "\n",
                           env->cr[0], env->cr[2], env->cr[3], env->cr[4]);
    g_string_append_printf(out, "EFER=%016" PRIx64 "\n", env->efer);
}
