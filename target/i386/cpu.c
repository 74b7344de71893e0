/*
 * The x86 CPU object: creation and teardown, each vCPU's own address space,
 * RESET and INIT state (SDM vol. 3A 10.1.1, table 10-1, 2024 numbering; 9.1.1
 * and table 9-1 before), CPUID as lapis answers it (SDM vol. 2A, CPUID), and
 * the TSC derived from the virtual clock. CPUID follows QEMU where the SDM
 * leaves a choice: leaves above the highest basic or extended leaf answer as
 * the highest basic leaf for every vendor (Intel's rule, which QEMU applies
 * to AMD models too), "hypervisor" is set, leaf 0xB describes one thread per
 * core and one core per package. Left out: cache descriptors (leaves 2 and 4
 * and 0x80000005/6 describe no caches), thermal/power (6), XSAVE (0xD),
 * architectural performance monitoring (0xA), hypervisor leaves
 * (0x40000000-0x4FFFFFFF read zero), and the MISC_ENABLE bit that limits
 * CPUID's maximum leaf. Model parsing is in cpu-models.c, the MSRs in msr.c.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "target/i386/cpu.h"
#include "target/i386/cpu-internal.h"
#include "trace/target_i386.h"

/* TSC ticks per virtual nanosecond. */
#define TSC_TICKS_PER_NS (X86_TSC_FREQ_HZ / NANOSECONDS_PER_SECOND)
G_STATIC_ASSERT(X86_TSC_FREQ_HZ % NANOSECONDS_PER_SECOND == 0);

/* The CPU-side hole: where the MSI window sits in the system address space. */
#define MSI_HOLE_BASE 0xfee00000ULL
#define MSI_HOLE_SIZE 0x100000ULL

/*
 * Segment descriptor attribute bits as SegmentCache.flags holds them
 * (descriptor bits 40-47 and 52-55 kept in place, i.e. shifted by 8 within
 * the descriptor's high dword).
 */
#define DESC_A        (1U << 8)     /* accessed */
#define DESC_RW       (1U << 9)     /* data: writable; code: readable */
#define DESC_CODE     (1U << 11)
#define DESC_S        (1U << 12)    /* code or data, not system */
#define DESC_P        (1U << 15)
#define DESC_TYPE_LDT (2U << 8)
#define DESC_TYPE_TSS_BUSY (11U << 8)

#define CR0_ET (1ULL << 4)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)

/* --- TSC --- */

uint64_t x86_cpu_get_tsc(X86CPU *cpu)
{
    uint64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    return ns * TSC_TICKS_PER_NS + (uint64_t)cpu->tsc_offset;
}

void x86_cpu_set_tsc(X86CPU *cpu, uint64_t value)
{
    uint64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    cpu->tsc_offset = (int64_t)(value - ns * TSC_TICKS_PER_NS);
    trace_x86_cpu_set_tsc(cpu->cpu_index, value, cpu->tsc_offset);
}

/*
 * The first virtual ns at which the TSC reads at least `tsc`, comparing TSC
 * values as unsigned (as the TSC-deadline timer does). Saturates at
 * INT64_MAX for deadlines beyond the end of virtual time.
 */
int64_t x86_cpu_tsc_to_ns(X86CPU *cpu, uint64_t tsc)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t cur = (uint64_t)now * TSC_TICKS_PER_NS + (uint64_t)cpu->tsc_offset;

    if (tsc <= cur) {
        /* Already reached: the instant it was, rounded up to a whole ns. */
        uint64_t back = (cur - tsc) / TSC_TICKS_PER_NS;
        return back > (uint64_t)now ? 0 : now - (int64_t)back;
    }
    uint64_t diff = tsc - cur;
    uint64_t ahead = diff / TSC_TICKS_PER_NS + (diff % TSC_TICKS_PER_NS != 0);
    if (ahead > (uint64_t)(INT64_MAX - now)) {
        return INT64_MAX;
    }
    return now + (int64_t)ahead;
}

/* --- the per-vCPU address space --- */

static uint64_t msi_hole_read(void *opaque, hwaddr addr, unsigned size)
{
    X86CPU *cpu = opaque;

    trace_x86_cpu_msi_hole_access(cpu->cpu_index, MSI_HOLE_BASE + addr, 0);
    qemu_log_mask(LOG_GUEST_ERROR, "cpu %d: read from the MSI window at 0x%"
                  PRIx64 " (no LAPIC mapped there): all ones\n",
                  cpu->cpu_index, (uint64_t)(MSI_HOLE_BASE + addr));
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static void msi_hole_write(void *opaque, hwaddr addr, uint64_t data,
                           unsigned size)
{
    X86CPU *cpu = opaque;

    /* A CPU store here is not an MSI; only device writes are (see pc.c). */
    trace_x86_cpu_msi_hole_access(cpu->cpu_index, MSI_HOLE_BASE + addr, 1);
    qemu_log_mask(LOG_GUEST_ERROR, "cpu %d: write of 0x%" PRIx64 " to the MSI "
                  "window at 0x%" PRIx64 " dropped\n", cpu->cpu_index, data,
                  (uint64_t)(MSI_HOLE_BASE + addr));
}

static const MemoryRegionOps msi_hole_ops = {
    .read = msi_hole_read,
    .write = msi_hole_write,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static void x86_cpu_init_address_space(X86CPU *cpu, MemoryRegion *sysmem)
{
    int n = cpu->cpu_index;
    g_autofree char *root_name = g_strdup_printf("cpu-memory-%d", n);
    g_autofree char *alias_name = g_strdup_printf("cpu-sysmem-%d", n);
    g_autofree char *hole_name = g_strdup_printf("cpu-msi-hole-%d", n);

    memory_region_init(&cpu->as_root, root_name, UINT64_MAX);
    memory_region_init_alias(&cpu->sysmem_alias, alias_name, sysmem, 0,
                             memory_region_size(sysmem));
    memory_region_init_io(&cpu->msi_hole, &msi_hole_ops, cpu, hole_name,
                          MSI_HOLE_SIZE);
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(&cpu->as_root, 0, &cpu->sysmem_alias,
                                        0);
    memory_region_add_subregion_overlap(&cpu->as_root, MSI_HOLE_BASE,
                                        &cpu->msi_hole, 1);
    memory_region_transaction_commit();
    address_space_init(&cpu->as, &cpu->as_root, root_name);
}

static void x86_cpu_destroy_address_space(X86CPU *cpu)
{
    address_space_destroy(&cpu->as);
    memory_region_transaction_begin();
    memory_region_del_subregion(&cpu->as_root, &cpu->msi_hole);
    memory_region_del_subregion(&cpu->as_root, &cpu->sysmem_alias);
    memory_region_transaction_commit();
    memory_region_finalize(&cpu->msi_hole);
    memory_region_finalize(&cpu->sysmem_alias);
    memory_region_finalize(&cpu->as_root);
}

/* --- creation --- */

X86CPU *x86_cpu_new(const X86CPUModel *model, int cpu_index, uint32_t apic_id,
                    MemoryRegion *sysmem)
{
    X86CPU *cpu = g_new0(X86CPU, 1);

    cpu->model = *model;
    cpu->cpu_index = cpu_index;
    cpu->apic_id = apic_id;
    cpu->is_bsp = cpu_index == 0;
    cpu->msrs = g_array_new(FALSE, FALSE, sizeof(X86MsrEntry));
    if (sysmem) {
        x86_cpu_init_address_space(cpu, sysmem);
    }
    x86_cpu_register_arch_msrs(cpu);
    x86_cpu_reset(cpu);
    return cpu;
}

void x86_cpu_free(X86CPU *cpu)
{
    if (!cpu) {
        return;
    }
    if (cpu->as.root) {
        x86_cpu_destroy_address_space(cpu);
    }
    g_array_free(cpu->msrs, TRUE);
    g_free(cpu);
}

/* --- RESET and INIT --- */

/* Family, model and stepping as CPUID.1:EAX and RESET's EDX carry them. */
static uint32_t x86_cpu_signature(const X86CPUModel *m)
{
    uint32_t sig = m->stepping & 0xf;

    /* SDM vol. 2A, CPUID leaf 1, figure 3-6: extended family above 0xf. */
    if (m->family > 0xf) {
        sig |= 0xf << 8 | (m->family - 0xf) << 20;
    } else {
        sig |= m->family << 8;
    }
    sig |= (m->model & 0xf) << 4 | (m->model >> 4 & 0xf) << 16;
    return sig;
}

/* The end of the fields cpu-state.h declares (the interpreter's follow). */
#define ENV_COMMON_END (offsetof(CPUX86State, run_state) + \
                        sizeof(((CPUX86State *)0)->run_state))

/* What table 10-1 sets alike at RESET and INIT. */
static void x86_cpu_reset_registers(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;

    memset(env, 0, ENV_COMMON_END);
    env->regs[R_EDX] = x86_cpu_signature(&cpu->model);
    env->rip = 0xfff0;
    env->rflags = 0x2;
    for (int i = 0; i < 6; i++) {
        env->segs[i] = (SegmentCache) {
            .selector = 0, .base = 0, .limit = 0xffff,
            .flags = DESC_P | DESC_S | DESC_RW | DESC_A,
        };
    }
    env->segs[R_CS] = (SegmentCache) {
        .selector = 0xf000, .base = 0xffff0000, .limit = 0xffff,
        .flags = DESC_P | DESC_S | DESC_CODE | DESC_RW | DESC_A,
    };
    env->ldt = (SegmentCache) { .limit = 0xffff,
                                .flags = DESC_P | DESC_TYPE_LDT };
    env->tr = (SegmentCache) { .limit = 0xffff,
                               .flags = DESC_P | DESC_TYPE_TSS_BUSY };
    env->gdt.limit = 0xffff;
    env->idt.limit = 0xffff;
    env->cr[0] = 0x60000010;        /* CD, NW, ET */
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->run_state = cpu->is_bsp ? X86_RUN_RUNNING : X86_RUN_WAIT_FOR_SIPI;
}

void x86_cpu_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;

    trace_x86_cpu_reset(cpu->cpu_index, 0);
    x86_cpu_reset_registers(cpu);
    /* Table 9-1, power up/RESET: FCW 0040H, FTW 5555H, MXCSR 1F80H; the
     * data registers and XMM registers are zero (the memset above). */
    env->fpu_cw = 0x0040;
    env->fpu_sw = 0;
    env->fpu_tw = 0x5555;
    env->mxcsr = 0x1f80;
    env->pat = MSR_IA32_CR_PAT_DEFAULT;
    env->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
    /* MTRRs come up disabled; their contents are undefined, we use 0. */
    x86_cpu_reset_msrs(cpu);
    x86_cpu_set_tsc(cpu, 0);
}

void x86_cpu_init_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    g_autofree CPUX86State *copy = g_new(CPUX86State, 1);
    const CPUX86State *saved;

    memcpy(copy, env, sizeof(*env));
    saved = copy;
    trace_x86_cpu_reset(cpu->cpu_index, 1);
    x86_cpu_reset_registers(cpu);
    /* Table 10-1 note 2: INIT keeps CR0.CD and CR0.NW. */
    env->cr[0] = (saved->cr[0] & (CR0_CD | CR0_NW)) | CR0_ET;
    /* Table 9-1, INIT: the x87 and SSE state is unchanged. */
    env->fpu_cw = saved->fpu_cw;
    env->fpu_sw = saved->fpu_sw;
    env->fpu_tw = saved->fpu_tw;
    env->fpu_fop = saved->fpu_fop;
    env->fpu_cs = saved->fpu_cs;
    env->fpu_ds = saved->fpu_ds;
    env->fpu_ip = saved->fpu_ip;
    env->fpu_dp = saved->fpu_dp;
    memcpy(env->fpregs, saved->fpregs, sizeof(env->fpregs));
    memcpy(env->xmm, saved->xmm, sizeof(env->xmm));
    env->mxcsr = saved->mxcsr;
    /* "All other MSRs: unchanged"; EFER is cleared for real mode. */
    env->star = saved->star;
    env->lstar = saved->lstar;
    env->cstar = saved->cstar;
    env->fmask = saved->fmask;
    env->kernel_gs_base = saved->kernel_gs_base;
    env->sysenter_cs = saved->sysenter_cs;
    env->sysenter_esp = saved->sysenter_esp;
    env->sysenter_eip = saved->sysenter_eip;
    env->pat = saved->pat;
    env->tsc_aux = saved->tsc_aux;
    env->misc_enable = saved->misc_enable;
    env->mtrr_deftype = saved->mtrr_deftype;
    memcpy(env->mtrr_fixed, saved->mtrr_fixed, sizeof(env->mtrr_fixed));
    memcpy(env->mtrr_var, saved->mtrr_var, sizeof(env->mtrr_var));
}

/* --- CPUID (SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E) --- */

/* Leaf 0xB level types (ECX[15:8]). */
#define CPUID_TOPO_LEVEL_INVALID 0
#define CPUID_TOPO_LEVEL_SMT     1
#define CPUID_TOPO_LEVEL_CORE    2

/* Leaf 1 EDX bits that AMD repeats in leaf 0x80000001 EDX (APM vol. 3 E.4.2). */
#define CPUID_EXT2_AMD_ALIASES (CPUID_FP87 | CPUID_VME | CPUID_DE | CPUID_PSE | \
    CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_MCE | CPUID_CX8 | CPUID_APIC | \
    CPUID_MTRR | CPUID_PGE | CPUID_MCA | CPUID_CMOV | CPUID_PAT | \
    CPUID_PSE36 | CPUID_MMX | CPUID_FXSR)

/* Four characters of a string as one register, little-endian. */
static uint32_t str_reg(const char *s)
{
    return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
           (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

/* Whether the local APIC is globally enabled, as IA32_APIC_BASE.EN says. */
static bool x86_cpu_apic_enabled(X86CPU *cpu)
{
    uint64_t base;

    if (!x86_cpu_rdmsr(cpu, MSR_IA32_APICBASE, &base)) {
        return true;        /* no MSR: leave CPUID.APIC as the model has it */
    }
    return base & MSR_IA32_APICBASE_ENABLE;
}

void x86_cpu_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf,
                   uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    const X86CPUModel *m = &cpu->model;
    const uint32_t *f = m->features;
    char brand[48];

    *eax = *ebx = *ecx = *edx = 0;

    if (leaf >= 0x80000000 && leaf <= 0x8fffffff) {
        if (leaf > m->xlevel) {
            leaf = m->level;
        }
    } else if (leaf < 0x40000000) {
        if (leaf > m->level) {
            leaf = m->level;
        }
    } else {
        return;             /* hypervisor and other ranges: nothing */
    }

    switch (leaf) {
    case 0:
        *eax = m->level;
        *ebx = str_reg(m->vendor);
        *edx = str_reg(m->vendor + 4);
        *ecx = str_reg(m->vendor + 8);
        break;
    case 1:
        *eax = x86_cpu_signature(m);
        /* Initial APIC ID (31:24), CLFLUSH line size in 8-byte units (15:8).
         * One logical processor per package: HTT and 23:16 stay 0, as QEMU. */
        *ebx = (cpu->apic_id & 0xff) << 24 | 8 << 8;
        *ecx = f[FEAT_1_ECX];
        *edx = f[FEAT_1_EDX];
        if (!x86_cpu_apic_enabled(cpu)) {
            *edx &= ~CPUID_APIC;
        }
        break;
    case 2:
        /* One iteration (AL = 1), no descriptors. */
        *eax = 1;
        break;
    case 7:
        if (subleaf == 0) {
            *eax = 0;       /* highest subleaf */
            *ebx = f[FEAT_7_0_EBX];
            *ecx = f[FEAT_7_0_ECX];
            *edx = f[FEAT_7_0_EDX];
        }
        break;
    case 0xb:
        /* Extended topology: SMT level, then core level; x2APIC ID in EDX. */
        *edx = cpu->apic_id;
        *ecx = subleaf & 0xff;
        if (subleaf == 0) {
            *eax = 0;       /* no SMT bits in the x2APIC ID */
            *ebx = 1;
            *ecx |= CPUID_TOPO_LEVEL_SMT << 8;
        } else if (subleaf == 1) {
            *eax = 0;       /* no core bits either: the rest is the package */
            *ebx = 1;
            *ecx |= CPUID_TOPO_LEVEL_CORE << 8;
        } else {
            *ecx |= CPUID_TOPO_LEVEL_INVALID << 8;
        }
        break;
    case 0x80000000:
        *eax = m->xlevel;
        *ebx = str_reg(m->vendor);
        *edx = str_reg(m->vendor + 4);
        *ecx = str_reg(m->vendor + 8);
        break;
    case 0x80000001:
        *eax = x86_cpu_signature(m);
        *ecx = f[FEAT_8000_0001_ECX];
        *edx = f[FEAT_8000_0001_EDX];
        if (x86_cpu_vendor_is_amd(cpu)) {
            *edx |= f[FEAT_1_EDX] & CPUID_EXT2_AMD_ALIASES;
            if (!x86_cpu_apic_enabled(cpu)) {
                *edx &= ~CPUID_APIC;
            }
        }
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
        memset(brand, 0, sizeof(brand));
        memcpy(brand, m->model_id, strnlen(m->model_id, sizeof(brand)));
        {
            const char *p = brand + (leaf - 0x80000002) * 16;
            *eax = str_reg(p);
            *ebx = str_reg(p + 4);
            *ecx = str_reg(p + 8);
            *edx = str_reg(p + 12);
        }
        break;
    case 0x80000007:
        *edx = f[FEAT_8000_0007_EDX];
        break;
    case 0x80000008:
        /* Physical address bits (7:0), linear address bits (15:8). */
        *eax = m->phys_bits | 48 << 8;
        break;
    default:
        /* 3-6, 8-0xA, 0xC-0xD, 0x80000005/6, 0x80000009/A: zeros. */
        break;
    }
}
