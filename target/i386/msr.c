/*
 * The per-CPU MSR table and the architectural MSRs. The table is a GArray of
 * X86MsrEntry ranges, sorted and without overlap; registering a range
 * replaces whatever it covers (splitting ranges it cuts), and RDMSR/WRMSR
 * find their entry by binary search. A missing entry, a NULL handler or a
 * handler that refuses means #GP, as RDMSR/WRMSR raise for a reserved MSR
 * index or reserved bits (SDM vol. 2B, RDMSR/WRMSR). Indexes follow SDM
 * vol. 4 (2024), semantics vol. 3 and AMD APM vol. 2 for the AMD counters.
 * The interrupt controller replaces IA32_APIC_BASE (and adds
 * IA32_TSC_DEADLINE and the x2APIC range), the interpreter may replace EFER
 * with its mode-change logic. Left out: machine-check banks (MCG_CAP reports
 * none), counters that count (the performance MSRs read 0 and drop writes),
 * SMM MSRs, VMX capability MSRs, IA32_ARCH_CAPABILITIES, the effect of
 * MISC_ENABLE bits and of MTRR memory types (stored, never applied).
 */
#include "qemu/osdep.h"
#include "target/i386/cpu.h"
#include "target/i386/cpu-internal.h"
#include "trace/target_i386.h"

/* --- the table --- */

static uint64_t entry_end(const X86MsrEntry *e)
{
    return (uint64_t)e->first + e->count;       /* exclusive */
}

static gint entry_compare(gconstpointer a, gconstpointer b)
{
    const X86MsrEntry *ea = a, *eb = b;

    return ea->first < eb->first ? -1 : ea->first > eb->first;
}

/*
 * Remove [first, first + count) from the table, keeping the parts of any
 * entry that stick out on either side.
 */
static void msr_table_cut(X86CPU *cpu, uint32_t first, uint32_t count)
{
    uint64_t end = (uint64_t)first + count;
    GArray *kept = g_array_sized_new(FALSE, FALSE, sizeof(X86MsrEntry),
                                     cpu->msrs->len + 1);

    for (guint i = 0; i < cpu->msrs->len; i++) {
        X86MsrEntry e = g_array_index(cpu->msrs, X86MsrEntry, i);
        uint64_t e_end = entry_end(&e);

        if (e_end <= first || e.first >= end) {
            g_array_append_val(kept, e);
            continue;
        }
        if (e.first < first) {
            X86MsrEntry below = e;
            below.count = first - e.first;
            g_array_append_val(kept, below);
        }
        if (e_end > end) {
            X86MsrEntry above = e;
            above.first = end;
            above.count = e_end - end;
            g_array_append_val(kept, above);
        }
    }
    g_array_free(cpu->msrs, TRUE);
    cpu->msrs = kept;
}

void x86_cpu_register_msr(X86CPU *cpu, uint32_t first, uint32_t count,
                          X86MsrReadFn read, X86MsrWriteFn write, void *opaque)
{
    X86MsrEntry e = {
        .first = first, .count = count,
        .read = read, .write = write, .opaque = opaque,
    };

    if (count == 0) {
        return;
    }
    /* A range may not run past MSR 0xffffffff. */
    g_assert((uint64_t)first + count <= (uint64_t)UINT32_MAX + 1);
    trace_x86_msr_register(cpu->cpu_index, first, count);
    msr_table_cut(cpu, first, count);
    g_array_append_val(cpu->msrs, e);
    g_array_sort(cpu->msrs, entry_compare);
}

void x86_cpu_unregister_msr(X86CPU *cpu, uint32_t first, uint32_t count)
{
    if (count) {
        msr_table_cut(cpu, first, count);
    }
}

static const X86MsrEntry *msr_lookup(X86CPU *cpu, uint32_t msr)
{
    guint lo = 0, hi = cpu->msrs->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const X86MsrEntry *e = &g_array_index(cpu->msrs, X86MsrEntry, mid);

        if (msr < e->first) {
            hi = mid;
        } else if (msr >= entry_end(e)) {
            lo = mid + 1;
        } else {
            return e;
        }
    }
    return NULL;
}

bool x86_cpu_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *value)
{
    const X86MsrEntry *e = msr_lookup(cpu, msr);
    uint64_t v = 0;

    if (!e || !e->read || !e->read(cpu, msr, &v, e->opaque)) {
        trace_x86_msr_gp(cpu->cpu_index, msr, 0, 0);
        return false;
    }
    trace_x86_msr_read(cpu->cpu_index, msr, v);
    *value = v;
    return true;
}

bool x86_cpu_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t value)
{
    const X86MsrEntry *e = msr_lookup(cpu, msr);

    if (!e || !e->write || !e->write(cpu, msr, value, e->opaque)) {
        trace_x86_msr_gp(cpu->cpu_index, msr, 1, value);
        return false;
    }
    trace_x86_msr_write(cpu->cpu_index, msr, value);
    return true;
}

/* --- helpers for the handlers --- */

/* Bits at and above MAXPHYADDR, reserved in every physical-address field. */
static uint64_t phys_reserved(const X86CPU *cpu)
{
    return ~0ULL << cpu->model.phys_bits;
}

/* 48-bit linear addresses: bits 63:47 all equal (SDM vol. 1 3.3.7.1). */
static bool is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* Memory types an MTRR may hold: UC, WC, WT, WP, WB (SDM vol. 3A 13.11.2). */
static bool mtrr_type_valid(uint64_t type)
{
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* PAT entries add UC- (7) to the MTRR types (SDM vol. 3A 13.12.2). */
static bool pat_type_valid(uint64_t type)
{
    return mtrr_type_valid(type) || type == 7;
}

/* A read of a plain 64-bit variable named by opaque. */
static bool msr_read_var(X86CPU *cpu, uint32_t msr, uint64_t *value,
                         void *opaque)
{
    *value = *(uint64_t *)opaque;
    return true;
}

/* A write that stores every bit into the variable named by opaque. */
static bool msr_write_var(X86CPU *cpu, uint32_t msr, uint64_t value,
                          void *opaque)
{
    *(uint64_t *)opaque = value;
    return true;
}

/* A canonical address into the variable named by opaque. */
static bool msr_write_canonical(X86CPU *cpu, uint32_t msr, uint64_t value,
                                void *opaque)
{
    if (!is_canonical(value)) {
        return false;
    }
    *(uint64_t *)opaque = value;
    return true;
}

static bool msr_read_zero(X86CPU *cpu, uint32_t msr, uint64_t *value,
                          void *opaque)
{
    *value = 0;
    return true;
}

static bool msr_write_ignore(X86CPU *cpu, uint32_t msr, uint64_t value,
                             void *opaque)
{
    return true;
}

static bool msr_write_only_zero(X86CPU *cpu, uint32_t msr, uint64_t value,
                                void *opaque)
{
    return value == 0;
}

/* --- time-stamp counter (SDM vol. 3B 18.17) --- */

static bool msr_read_tsc(X86CPU *cpu, uint32_t msr, uint64_t *value,
                         void *opaque)
{
    *value = x86_cpu_get_tsc(cpu);
    return true;
}

/* 18.17.3: a WRMSR that moves the TSC by X moves IA32_TSC_ADJUST by X. */
static bool msr_write_tsc(X86CPU *cpu, uint32_t msr, uint64_t value,
                          void *opaque)
{
    uint64_t old = x86_cpu_get_tsc(cpu);

    x86_cpu_set_tsc(cpu, value);
    cpu->tsc_adjust += (int64_t)(value - old);
    return true;
}

static bool msr_read_tsc_adjust(X86CPU *cpu, uint32_t msr, uint64_t *value,
                                void *opaque)
{
    *value = cpu->tsc_adjust;
    return true;
}

/* 18.17.3: adding X to IA32_TSC_ADJUST adds X to the TSC. */
static bool msr_write_tsc_adjust(X86CPU *cpu, uint32_t msr, uint64_t value,
                                 void *opaque)
{
    int64_t delta = (int64_t)(value - (uint64_t)cpu->tsc_adjust);

    cpu->tsc_adjust = value;
    x86_cpu_set_tsc(cpu, x86_cpu_get_tsc(cpu) + delta);
    return true;
}

/* IA32_TSC_AUX (RDTSCP, RDPID): bits 63:32 reserved. */
static bool msr_write_tsc_aux(X86CPU *cpu, uint32_t msr, uint64_t value,
                              void *opaque)
{
    if (value >> 32) {
        return false;
    }
    cpu->env.tsc_aux = value;
    return true;
}

/* --- IA32_APIC_BASE placeholder (SDM vol. 3A 12.4.4 and 12.12.5, 2024
 * numbering; 10.4.4 and 10.12.5 before). The LAPIC replaces it. --- */

static bool msr_read_apic_base(X86CPU *cpu, uint32_t msr, uint64_t *value,
                               void *opaque)
{
    *value = cpu->apic_base;
    return true;
}

static bool msr_write_apic_base(X86CPU *cpu, uint32_t msr, uint64_t value,
                                void *opaque)
{
    uint64_t reserved = 0xff | (1ULL << 9) | phys_reserved(cpu);
    uint64_t old = cpu->apic_base;
    bool old_en = old & MSR_IA32_APICBASE_ENABLE;
    bool old_x2 = old & MSR_IA32_APICBASE_EXTD;
    bool en = value & MSR_IA32_APICBASE_ENABLE;
    bool x2 = value & MSR_IA32_APICBASE_EXTD;

    if (!x86_cpu_has_feature(cpu, FEAT_1_ECX, CPUID_EXT_X2APIC)) {
        reserved |= MSR_IA32_APICBASE_EXTD;
    }
    /* BSP is read-only: the written bit is ignored (vol. 3A 12.4.4). */
    value &= ~MSR_IA32_APICBASE_BSP;
    if (value & reserved) {
        return false;
    }
    /*
     * 12.12.5, figure 12-27: EXTD without EN is invalid; x2APIC mode may be
     * entered only from xAPIC mode and left only by disabling the APIC.
     */
    if ((x2 && !en) || (x2 && !old_en) || (old_x2 && old_en && en && !x2)) {
        return false;
    }
    if (cpu->is_bsp) {
        value |= MSR_IA32_APICBASE_BSP;
    }
    cpu->apic_base = value;
    return true;
}

/* --- EFER and the SYSCALL MSRs (SDM vol. 3A 2.2.1, 5.8.8) --- */

static bool msr_read_efer(X86CPU *cpu, uint32_t msr, uint64_t *value,
                          void *opaque)
{
    *value = cpu->env.efer;
    return true;
}

static bool msr_write_efer(X86CPU *cpu, uint32_t msr, uint64_t value,
                           void *opaque)
{
    CPUX86State *env = &cpu->env;
    uint64_t allowed = MSR_EFER_LMA;
    const uint64_t cr0_pg = 1ULL << 31;

    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_SYSCALL)) {
        allowed |= MSR_EFER_SCE;
    }
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_LM)) {
        allowed |= MSR_EFER_LME;
    }
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_NX)) {
        allowed |= MSR_EFER_NXE;
    }
    if (value & ~allowed) {
        return false;
    }
    /* 10.8.5 (2024; 9.8.5 before): LME may not change while paging is on. */
    if ((env->cr[0] & cr0_pg) && ((value ^ env->efer) & MSR_EFER_LME)) {
        return false;
    }
    /* LMA is the processor's to set; a written LMA is ignored. */
    env->efer = (value & ~MSR_EFER_LMA) | (env->efer & MSR_EFER_LMA);
    return true;
}

/* --- PAT and MTRRs (SDM vol. 3A 13.11, 13.12, 2024 numbering; 11.11 and
 * 11.12 before) --- */

static bool msr_write_pat(X86CPU *cpu, uint32_t msr, uint64_t value,
                          void *opaque)
{
    for (int i = 0; i < 8; i++) {
        if (!pat_type_valid(extract64(value, i * 8, 8))) {
            return false;
        }
    }
    cpu->env.pat = value;
    return true;
}

static bool msr_read_mtrrcap(X86CPU *cpu, uint32_t msr, uint64_t *value,
                             void *opaque)
{
    *value = MSR_MTRRcap_VCNT | MSR_MTRRcap_FIXRANGE | MSR_MTRRcap_WC;
    return true;
}

/* IA32_MTRR_DEF_TYPE: type (7:0), FE (10), E (11). */
static bool msr_write_mtrr_deftype(X86CPU *cpu, uint32_t msr, uint64_t value,
                                   void *opaque)
{
    const uint64_t fe = 1ULL << 10, e = 1ULL << 11;

    if ((value & ~(0xffULL | fe | e)) || !mtrr_type_valid(value & 0xff)) {
        return false;
    }
    cpu->env.mtrr_deftype = value;
    return true;
}

/* The fixed-range MTRRs in env->mtrr_fixed order. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRRfix64K_00000) {
        return 0;
    }
    if (msr == MSR_MTRRfix16K_80000 || msr == MSR_MTRRfix16K_A0000) {
        return 1 + (msr - MSR_MTRRfix16K_80000);
    }
    if (msr >= MSR_MTRRfix4K_C0000 && msr <= MSR_MTRRfix4K_F8000) {
        return 3 + (msr - MSR_MTRRfix4K_C0000);
    }
    return -1;
}

static bool msr_read_mtrr_fixed(X86CPU *cpu, uint32_t msr, uint64_t *value,
                                void *opaque)
{
    int i = mtrr_fixed_index(msr);

    if (i < 0) {
        return false;
    }
    *value = cpu->env.mtrr_fixed[i];
    return true;
}

/* Each byte is the type of one sub-range. */
static bool msr_write_mtrr_fixed(X86CPU *cpu, uint32_t msr, uint64_t value,
                                 void *opaque)
{
    int i = mtrr_fixed_index(msr);

    if (i < 0) {
        return false;
    }
    for (int b = 0; b < 8; b++) {
        if (!mtrr_type_valid(extract64(value, b * 8, 8))) {
            return false;
        }
    }
    cpu->env.mtrr_fixed[i] = value;
    return true;
}

static bool msr_read_mtrr_var(X86CPU *cpu, uint32_t msr, uint64_t *value,
                              void *opaque)
{
    *value = cpu->env.mtrr_var[msr - MSR_MTRRphysBase0];
    return true;
}

/*
 * IA32_MTRR_PHYSBASEn (even): type (7:0), base (MAXPHYADDR-1:12).
 * IA32_MTRR_PHYSMASKn (odd): valid (11), mask (MAXPHYADDR-1:12).
 */
static bool msr_write_mtrr_var(X86CPU *cpu, uint32_t msr, uint64_t value,
                               void *opaque)
{
    unsigned i = msr - MSR_MTRRphysBase0;
    uint64_t reserved = phys_reserved(cpu);

    if (i % 2 == 0) {
        reserved |= 0xf00;
        if (!mtrr_type_valid(value & 0xff)) {
            return false;
        }
    } else {
        reserved |= 0x7ff;
    }
    if (value & reserved) {
        return false;
    }
    cpu->env.mtrr_var[i] = value;
    return true;
}

/* --- identification, machine check, features --- */

/*
 * IA32_BIOS_SIGN_ID: the microcode revision in bits 63:32, loaded by a
 * write of 0 followed by CPUID (vol. 3A 10.11.7.1, 2024). The values are
 * QEMU's: 0x100000000 on Intel, 0x01000065 (PATCH_LEVEL) on AMD.
 */
static bool msr_read_bios_sign_id(X86CPU *cpu, uint32_t msr, uint64_t *value,
                                  void *opaque)
{
    *value = x86_cpu_vendor_is_amd(cpu) ? 0x01000065ULL : 0x100000000ULL;
    return true;
}

/*
 * IA32_FEATURE_CONTROL: lapis has no VMX, SMX or LMCE, so only the lock bit
 * can be set; once locked, writes #GP until RESET (vol. 3C 24.7, 2024).
 */
static bool msr_write_feature_control(X86CPU *cpu, uint32_t msr,
                                      uint64_t value, void *opaque)
{
    if ((cpu->feature_control & MSR_IA32_FEATURE_CONTROL_LOCKED) ||
        (value & ~MSR_IA32_FEATURE_CONTROL_LOCKED)) {
        return false;
    }
    cpu->feature_control = value;
    return true;
}

/* IA32_SPEC_CTRL: IBRS (0), STIBP (1), SSBD (2), each if advertised. */
static bool msr_write_spec_ctrl(X86CPU *cpu, uint32_t msr, uint64_t value,
                                void *opaque)
{
    uint64_t allowed = 1ULL << 0;

    if (x86_cpu_has_feature(cpu, FEAT_7_0_EDX, CPUID_7_0_EDX_STIBP)) {
        allowed |= 1ULL << 1;
    }
    if (x86_cpu_has_feature(cpu, FEAT_7_0_EDX, CPUID_7_0_EDX_SSBD)) {
        allowed |= 1ULL << 2;
    }
    if (value & ~allowed) {
        return false;
    }
    cpu->spec_ctrl = value;
    return true;
}

/* IA32_PRED_CMD: write-only, IBPB (0); there is nothing to flush. */
static bool msr_write_pred_cmd(X86CPU *cpu, uint32_t msr, uint64_t value,
                               void *opaque)
{
    return (value & ~1ULL) == 0;
}

static bool msr_write_sysenter_cs(X86CPU *cpu, uint32_t msr, uint64_t value,
                                  void *opaque)
{
    /* Only the selector (15:0) is kept, as QEMU does. */
    cpu->env.sysenter_cs = value & 0xffff;
    return true;
}

/* --- registration and reset --- */

void x86_cpu_register_arch_msrs(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    bool lm = x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_LM);
    bool syscall = x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX,
                                       CPUID_EXT2_SYSCALL);
    bool nx = x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_NX);

    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_TSC)) {
        x86_cpu_register_msr(cpu, MSR_IA32_TSC, 1, msr_read_tsc,
                             msr_write_tsc, NULL);
    }
    if (x86_cpu_has_feature(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_TSC_ADJUST)) {
        x86_cpu_register_msr(cpu, MSR_IA32_TSC_ADJUST, 1, msr_read_tsc_adjust,
                             msr_write_tsc_adjust, NULL);
    }
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_RDTSCP)) {
        x86_cpu_register_msr(cpu, MSR_TSC_AUX, 1, msr_read_var,
                             msr_write_tsc_aux, &env->tsc_aux);
    }
    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_APIC)) {
        x86_cpu_register_msr(cpu, MSR_IA32_APICBASE, 1, msr_read_apic_base,
                             msr_write_apic_base, NULL);
    }
    if (lm || syscall || nx) {
        x86_cpu_register_msr(cpu, MSR_EFER, 1, msr_read_efer, msr_write_efer,
                             NULL);
    }
    if (lm || syscall) {
        x86_cpu_register_msr(cpu, MSR_STAR, 1, msr_read_var, msr_write_var,
                             &env->star);
        x86_cpu_register_msr(cpu, MSR_FMASK, 1, msr_read_var, msr_write_var,
                             &env->fmask);
    }
    if (lm) {
        x86_cpu_register_msr(cpu, MSR_LSTAR, 1, msr_read_var,
                             msr_write_canonical, &env->lstar);
        x86_cpu_register_msr(cpu, MSR_CSTAR, 1, msr_read_var, msr_write_var,
                             &env->cstar);
        x86_cpu_register_msr(cpu, MSR_FSBASE, 1, msr_read_var,
                             msr_write_canonical, &env->segs[R_FS].base);
        x86_cpu_register_msr(cpu, MSR_GSBASE, 1, msr_read_var,
                             msr_write_canonical, &env->segs[R_GS].base);
        x86_cpu_register_msr(cpu, MSR_KERNELGSBASE, 1, msr_read_var,
                             msr_write_canonical, &env->kernel_gs_base);
    }
    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_SEP)) {
        x86_cpu_register_msr(cpu, MSR_IA32_SYSENTER_CS, 1, msr_read_var,
                             msr_write_sysenter_cs, &env->sysenter_cs);
        x86_cpu_register_msr(cpu, MSR_IA32_SYSENTER_ESP, 1, msr_read_var,
                             msr_write_canonical, &env->sysenter_esp);
        x86_cpu_register_msr(cpu, MSR_IA32_SYSENTER_EIP, 1, msr_read_var,
                             msr_write_canonical, &env->sysenter_eip);
    }
    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_PAT)) {
        x86_cpu_register_msr(cpu, MSR_IA32_CR_PAT, 1, msr_read_var,
                             msr_write_pat, &env->pat);
    }
    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_MTRR)) {
        x86_cpu_register_msr(cpu, MSR_MTRRcap, 1, msr_read_mtrrcap, NULL,
                             NULL);
        x86_cpu_register_msr(cpu, MSR_MTRRdefType, 1, msr_read_var,
                             msr_write_mtrr_deftype, &env->mtrr_deftype);
        x86_cpu_register_msr(cpu, MSR_MTRRfix64K_00000, 1,
                             msr_read_mtrr_fixed, msr_write_mtrr_fixed, NULL);
        x86_cpu_register_msr(cpu, MSR_MTRRfix16K_80000, 2,
                             msr_read_mtrr_fixed, msr_write_mtrr_fixed, NULL);
        x86_cpu_register_msr(cpu, MSR_MTRRfix4K_C0000, 8,
                             msr_read_mtrr_fixed, msr_write_mtrr_fixed, NULL);
        x86_cpu_register_msr(cpu, MSR_MTRRphysBase0, 2 * MSR_MTRRcap_VCNT,
                             msr_read_mtrr_var, msr_write_mtrr_var, NULL);
    }
    x86_cpu_register_msr(cpu, MSR_IA32_MISC_ENABLE, 1, msr_read_var,
                         msr_write_var, &env->misc_enable);
    x86_cpu_register_msr(cpu, MSR_IA32_BIOS_SIGN_ID, 1, msr_read_bios_sign_id,
                         msr_write_ignore, NULL);
    if (x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_MCA)) {
        x86_cpu_register_msr(cpu, MSR_MCG_CAP, 1, msr_read_zero, NULL, NULL);
        x86_cpu_register_msr(cpu, MSR_MCG_STATUS, 1, msr_read_zero,
                             msr_write_only_zero, NULL);
    }
    x86_cpu_register_msr(cpu, MSR_IA32_FEATURE_CONTROL, 1, msr_read_var,
                         msr_write_feature_control, &cpu->feature_control);
    if (x86_cpu_has_feature(cpu, FEAT_7_0_EDX, CPUID_7_0_EDX_SPEC_CTRL)) {
        x86_cpu_register_msr(cpu, MSR_IA32_SPEC_CTRL, 1, msr_read_var,
                             msr_write_spec_ctrl, &cpu->spec_ctrl);
        x86_cpu_register_msr(cpu, MSR_IA32_PRED_CMD, 1, NULL,
                             msr_write_pred_cmd, NULL);
    }

    /* Performance counters: present, read 0, writes dropped. */
    if (x86_cpu_vendor_is_amd(cpu)) {
        /* AMD APM vol. 2 13.2: PerfEvtSel0-3, then PerfCtr0-3. */
        x86_cpu_register_msr(cpu, MSR_K7_EVNTSEL0, 8, msr_read_zero,
                             msr_write_ignore, NULL);
    } else {
        x86_cpu_register_msr(cpu, MSR_IA32_PMC0, 4, msr_read_zero,
                             msr_write_ignore, NULL);
        x86_cpu_register_msr(cpu, MSR_P6_EVNTSEL0, 4, msr_read_zero,
                             msr_write_ignore, NULL);
        x86_cpu_register_msr(cpu, MSR_CORE_PERF_FIXED_CTR0, 3, msr_read_zero,
                             msr_write_ignore, NULL);
        x86_cpu_register_msr(cpu, MSR_CORE_PERF_FIXED_CTR_CTRL, 4,
                             msr_read_zero, msr_write_ignore, NULL);
    }
}

void x86_cpu_reset_msrs(X86CPU *cpu)
{
    cpu->apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE |
                     (cpu->is_bsp ? MSR_IA32_APICBASE_BSP : 0);
    cpu->spec_ctrl = 0;
    cpu->feature_control = 0;
    cpu->tsc_adjust = 0;
}
