/*
 * System-instruction helpers of the interpreter: MOV to/from control and
 * debug registers with their #GP rules and TLB flushes (SDM vol. 3A 2.5,
 * 5.10.4), the long-mode transitions through CR0.PG and EFER (10.8.5),
 * CPUID, RDTSC/RDTSCP, RDMSR/WRMSR (through cpu.c's MSR table; EFER is
 * ours since its writes change the mode), port I/O with the IOPL and TSS
 * permission-bitmap checks (vol. 1 19.5), and the register dump that HMP
 * "info registers" and -d cpu print, in QEMU's layout. Not modelled: PCID,
 * SMEP/SMAP enforcement, CR4.VME/PVI, debug-register breakpoints (DR0-DR7
 * are stored only).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "internal.h"

static unsigned phys_bits(CPUX86State *env)
{
    unsigned b = env_cpu(env)->model.phys_bits;
    return b ? b : 40;
}

/* CR4 bits this interpreter accepts (others #GP). */
static uint64_t cr4_valid_mask(CPUX86State *env)
{
    X86CPU *cpu = env_cpu(env);
    uint64_t m = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE
                 | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (x86_cpu_has_feature(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_FSGSBASE)) {
        m |= CR4_FSGSBASE;
    }
    if (x86_cpu_has_feature(cpu, FEAT_7_0_ECX, 1u << 2)) {
        m |= CR4_UMIP;
    }
    return m;
}

uint64_t helper_read_cr(CPUX86State *env, int cr)
{
    X86TCGState *s = env->tcg;
    switch (cr) {
    case 0: case 2: case 3: case 4:
        return env->cr[cr];
    case 8:
        if (s->hooks && s->hooks->get_cr8) {
            return s->hooks->get_cr8(env_cpu(env));
        }
        return env->cr8;
    default:
        raise_exception(env, EXCP06_UD);
    }
}

void helper_write_cr(CPUX86State *env, int cr, uint64_t val)
{
    X86TCGState *s = env->tcg;
    switch (cr) {
    case 0: {
        uint64_t old = env->cr[0];
        if (val >> 32) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        val |= CR0_ET;
        if ((val & CR0_PG) && !(val & CR0_PE)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if ((val & CR0_NW) && !(val & CR0_CD)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (!(old & CR0_PG) && (val & CR0_PG) && (env->efer & EFER_LME)) {
            /* entering long mode (SDM 10.8.5) */
            if (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L_MASK)) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
            env->efer |= EFER_LMA;
        }
        if ((old & CR0_PG) && !(val & CR0_PG) && (env->efer & EFER_LMA)) {
            if (env->hflags & HF_CS64) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
            env->efer &= ~(uint64_t)EFER_LMA;
        }
        env->cr[0] = val;
        if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
            tlb_flush_local(env);
        }
        update_hflags(env);
        break;
    }
    case 2:
        env->cr[2] = val;
        break;
    case 3:
        if ((env->hflags & HF_LMA) && (val >> phys_bits(env))) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (!(env->hflags & HF_LMA)) {
            val = (uint32_t)val;
        }
        env->cr[3] = val;
        tlb_flush_nonglobal(env);
        break;
    case 4: {
        uint64_t old = env->cr[4];
        if (val & ~cr4_valid_mask(env)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if ((env->hflags & HF_LMA) && !(val & CR4_PAE)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        env->cr[4] = val;
        if ((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE)) {
            tlb_flush_local(env);
        }
        break;
    }
    case 8:
        if (val >> 4) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (s->hooks && s->hooks->set_cr8) {
            s->hooks->set_cr8(env_cpu(env), val);
        } else {
            env->cr8 = val;
        }
        /* lowering the TPR may unmask an interrupt */
        env->end_block = true;
        break;
    default:
        raise_exception(env, EXCP06_UD);
    }
    s->tlb_cr0 = env->cr[0];
    s->tlb_cr3 = env->cr[3];
    s->tlb_cr4 = env->cr[4];
}

void helper_mov_dr(CPUX86State *env, int dr, uint64_t val)
{
    if (dr >= 8 || ((dr == 4 || dr == 5) && (env->cr[4] & CR4_DE))) {
        raise_exception(env, EXCP06_UD);
    }
    if (dr == 4) {
        dr = 6;
    } else if (dr == 5) {
        dr = 7;
    }
    if (dr >= 6 && (val >> 32)) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (dr == 6) {
        val = (val & 0x1e00f) | 0xffff0ff0;
    } else if (dr == 7) {
        val = (val & ~0xd800ull) | 0x400;
    }
    env->dr[dr] = val;
}

void helper_cpuid(CPUX86State *env)
{
    uint32_t a, b, c, d;
    x86_cpu_cpuid(env_cpu(env), env->regs[R_EAX], env->regs[R_ECX],
                  &a, &b, &c, &d);
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = c;
    env->regs[R_EDX] = d;
}

void helper_rdtsc(CPUX86State *env, bool rdtscp)
{
    if ((env->cr[4] & CR4_TSD) && cpl(env) != 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint64_t tsc = x86_cpu_get_tsc(env_cpu(env));
    env->regs[R_EAX] = (uint32_t)tsc;
    env->regs[R_EDX] = tsc >> 32;
    if (rdtscp) {
        env->regs[R_ECX] = (uint32_t)env->tsc_aux;
    }
}

void helper_rdmsr(CPUX86State *env)
{
    uint64_t v;
    if (cpl(env) != 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint32_t msr = env->regs[R_ECX];
    /* the MSR handlers may reach devices (the LAPIC): hold the BQL */
    bql_lock();
    bool ok = x86_cpu_rdmsr(env_cpu(env), msr, &v);
    bql_unlock();
    if (!ok) {
        qemu_log_mask(LOG_GUEST_ERROR, "rdmsr 0x%x: #GP\n", msr);
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

void helper_wrmsr(CPUX86State *env)
{
    if (cpl(env) != 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint32_t msr = env->regs[R_ECX];
    uint64_t v = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    bql_lock();
    bool ok = x86_cpu_wrmsr(env_cpu(env), msr, v);
    bql_unlock();
    if (!ok) {
        qemu_log_mask(LOG_GUEST_ERROR, "wrmsr 0x%x <- 0x%" PRIx64 ": #GP\n",
                      msr, v);
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    /* FS/GS base, EFER, APIC base: the mode or the view may have changed */
    update_hflags(env);
    env->end_block = true;
}

/* --- EFER (SDM vol. 3A 2.2.1, 10.8.5; AMD APM vol. 2 3.1.7) --- */

bool set_efer(CPUX86State *env, uint64_t val)
{
    X86CPU *cpu = env_cpu(env);
    uint64_t valid = 0;
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_SYSCALL)) {
        valid |= EFER_SCE;
    }
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_LM)) {
        valid |= EFER_LME | EFER_LMA;
    }
    if (x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_NX)) {
        valid |= EFER_NXE;
    }
    if (val & ~valid) {
        return false;
    }
    /* LME cannot change while paging is on */
    if ((env->cr[0] & CR0_PG) && ((val ^ env->efer) & EFER_LME)) {
        return false;
    }
    /* LMA is read-only: it follows CR0.PG and LME */
    val = (val & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);
    if ((val ^ env->efer) & EFER_NXE) {
        if (env->tcg) {
            tlb_flush_local(env);
        }
    }
    env->efer = val;
    if (env->tcg) {
        env->tcg->tlb_efer = val;
        if (env->tcg->in_exec) {
            update_hflags(env);
        }
    }
    return true;
}

static bool efer_read(X86CPU *cpu, uint32_t msr, uint64_t *value, void *opaque)
{
    *value = cpu->env.efer;
    return true;
}

static bool efer_write(X86CPU *cpu, uint32_t msr, uint64_t value, void *opaque)
{
    return set_efer(&cpu->env, value);
}

void tcg_register_msrs(X86CPU *cpu)
{
    x86_cpu_register_msr(cpu, MSR_EFER, 1, efer_read, efer_write, NULL);
}

/* --- port I/O --- */

void check_io(CPUX86State *env, uint16_t port, int sz)
{
    int iopl = (env->rflags & IOPL_MASK) >> IOPL_SHIFT;
    if (!(env->hflags & HF_PE) || (cpl(env) <= iopl && !(env->hflags & HF_VM))) {
        return;
    }
    /* the I/O permission bitmap of a 32/64-bit TSS */
    int type = (env->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    if (!(env->tr.flags & DESC_P_MASK) || (type & 7) != 1 || !(type & 8)
        || env->tr.limit < 103) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint64_t base = env->tr.base;
    uint32_t bitmap = cpu_ld_kernel(env, (env->hflags & HF_LMA) ? base + 0x66
                                          : (uint32_t)(base + 0x66), 1);
    uint32_t off = bitmap + (port >> 3);
    if (off + 1 > env->tr.limit) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint64_t lin = base + off;
    uint32_t bits = cpu_ld_kernel(env, (env->hflags & HF_LMA) ? lin : (uint32_t)lin, 1);
    uint32_t mask = ((1u << (1u << sz)) - 1) << (port & 7);
    if (bits & mask) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
}

uint64_t helper_io_in(CPUX86State *env, uint16_t port, int sz)
{
    uint64_t v = 0;
    bql_lock();
    address_space_ld(&address_space_io, port, 1u << sz, &v);
    bql_unlock();
    return v & sz_mask(sz);
}

void helper_io_out(CPUX86State *env, uint16_t port, int sz, uint64_t val)
{
    bql_lock();
    address_space_st(&address_space_io, port, 1u << sz, val & sz_mask(sz));
    bql_unlock();
    /* the write may raise an interrupt or stop the machine */
    env->end_block = true;
}

/* --- info registers --- */

static void dump_seg(CPUX86State *env, GString *out, const char *name,
                     const SegmentCache *sc, bool lma)
{
    if (lma) {
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x",
                               name, sc->selector, sc->base, sc->limit,
                               sc->flags & 0x00ffff00);
    } else {
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x", name,
                               sc->selector, (uint32_t)sc->base, sc->limit,
                               sc->flags & 0x00ffff00);
    }
    if ((env->cr[0] & CR0_PE) && (sc->flags & DESC_P_MASK)) {
        g_string_append_printf(out, " DPL=%u ",
                               (sc->flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT);
        if (sc->flags & DESC_S_MASK) {
            if (sc->flags & DESC_CS_MASK) {
                g_string_append(out, (sc->flags & DESC_L_MASK) ? "CS64"
                                : (sc->flags & DESC_B_MASK) ? "CS32" : "CS16");
                g_string_append_printf(out, " [%c%c",
                                       (sc->flags & DESC_C_MASK) ? 'C' : '-',
                                       (sc->flags & DESC_R_MASK) ? 'R' : '-');
            } else {
                g_string_append(out, ((sc->flags & DESC_B_MASK) || lma)
                                ? "DS  " : "DS16");
                g_string_append_printf(out, " [%c%c",
                                       (sc->flags & DESC_E_MASK) ? 'E' : '-',
                                       (sc->flags & DESC_W_MASK) ? 'W' : '-');
            }
            g_string_append_printf(out, "%c]", (sc->flags & DESC_A_MASK) ? 'A' : '-');
        } else {
            static const char *const names32[16] = {
                "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16",
                "TaskGate", "IntGate16", "TrapGate16", "Reserved", "TSS32-avl",
                "Reserved", "TSS32-busy", "CallGate32", "Reserved",
                "IntGate32", "TrapGate32",
            };
            static const char *const names64[16] = {
                "<hiword>", "Reserved", "LDT", "Reserved", "Reserved",
                "Reserved", "Reserved", "Reserved", "Reserved", "TSS64-avl",
                "Reserved", "TSS64-busy", "CallGate64", "Reserved",
                "IntGate64", "TrapGate64",
            };
            unsigned t = (sc->flags >> DESC_TYPE_SHIFT) & 0xf;
            g_string_append(out, lma ? names64[t] : names32[t]);
        }
    }
    g_string_append_c(out, '\n');
}

void x86_cpu_dump_state(X86CPU *cpu, GString *out)
{
    CPUX86State *env = &cpu->env;
    /* outside the interpreter rflags is complete; inside, derive it */
    uint64_t fl = (env->tcg && env->tcg->in_exec && env->tcg_magic == TCG_MAGIC)
                  ? cpu_get_eflags(env) : env->rflags;
    bool lma = env->efer & EFER_LMA;
    int c = (env->cr[0] & CR0_PE) ? ((fl & VM_MASK) ? 3 : env->segs[R_CS].selector & 3) : 0;
    static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    char fstr[8];

    snprintf(fstr, sizeof(fstr), "%c%c%c%c%c%c%c",
             (fl & DF_MASK) ? 'D' : '-', (fl & CC_O) ? 'O' : '-',
             (fl & CC_S) ? 'S' : '-', (fl & CC_Z) ? 'Z' : '-',
             (fl & CC_A) ? 'A' : '-', (fl & CC_P) ? 'P' : '-',
             (fl & CC_C) ? 'C' : '-');
    bool ii = env->tcg_magic == TCG_MAGIC && (env->hflags & HF_INHIBIT_IRQ);
    if (lma) {
        g_string_append_printf(out,
            "RAX=%016" PRIx64 " RBX=%016" PRIx64 " RCX=%016" PRIx64 " RDX=%016" PRIx64 "\n"
            "RSI=%016" PRIx64 " RDI=%016" PRIx64 " RBP=%016" PRIx64 " RSP=%016" PRIx64 "\n"
            "R8 =%016" PRIx64 " R9 =%016" PRIx64 " R10=%016" PRIx64 " R11=%016" PRIx64 "\n"
            "R12=%016" PRIx64 " R13=%016" PRIx64 " R14=%016" PRIx64 " R15=%016" PRIx64 "\n"
            "RIP=%016" PRIx64 " RFL=%08x [%s] CPL=%d II=%d A20=1 SMM=0 HLT=%d\n",
            env->regs[R_EAX], env->regs[R_EBX], env->regs[R_ECX], env->regs[R_EDX],
            env->regs[R_ESI], env->regs[R_EDI], env->regs[R_EBP], env->regs[R_ESP],
            env->regs[8], env->regs[9], env->regs[10], env->regs[11],
            env->regs[12], env->regs[13], env->regs[14], env->regs[15],
            env->rip, (uint32_t)fl, fstr, c, ii,
            env->run_state == X86_RUN_HALTED);
    } else {
        g_string_append_printf(out,
            "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n"
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
            "EIP=%08x EFL=%08x [%s] CPL=%d II=%d A20=1 SMM=0 HLT=%d\n",
            (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_EBX],
            (uint32_t)env->regs[R_ECX], (uint32_t)env->regs[R_EDX],
            (uint32_t)env->regs[R_ESI], (uint32_t)env->regs[R_EDI],
            (uint32_t)env->regs[R_EBP], (uint32_t)env->regs[R_ESP],
            (uint32_t)env->rip, (uint32_t)fl, fstr, c, ii,
            env->run_state == X86_RUN_HALTED);
    }
    for (int i = 0; i < 6; i++) {
        dump_seg(env, out, seg_names[i], &env->segs[i], lma);
    }
    dump_seg(env, out, "LDT", &env->ldt, lma);
    dump_seg(env, out, "TR", &env->tr, lma);
    if (lma) {
        g_string_append_printf(out, "GDT=     %016" PRIx64 " %08x\n",
                               env->gdt.base, env->gdt.limit);
        g_string_append_printf(out, "IDT=     %016" PRIx64 " %08x\n",
                               env->idt.base, env->idt.limit);
        g_string_append_printf(out, "CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64
                               " CR4=%08x\n", (uint32_t)env->cr[0], env->cr[2],
                               env->cr[3], (uint32_t)env->cr[4]);
        for (int i = 0; i < 4; i++) {
            g_string_append_printf(out, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
        }
        g_string_append_printf(out, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n",
                               env->dr[6], env->dr[7]);
    } else {
        g_string_append_printf(out, "GDT=     %08x %08x\n",
                               (uint32_t)env->gdt.base, env->gdt.limit);
        g_string_append_printf(out, "IDT=     %08x %08x\n",
                               (uint32_t)env->idt.base, env->idt.limit);
        g_string_append_printf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n",
                               (uint32_t)env->cr[0], (uint32_t)env->cr[2],
                               (uint32_t)env->cr[3], (uint32_t)env->cr[4]);
        for (int i = 0; i < 4; i++) {
            g_string_append_printf(out, "DR%d=%08x ", i, (uint32_t)env->dr[i]);
        }
        g_string_append_printf(out, "\nDR6=%08x DR7=%08x\n",
                               (uint32_t)env->dr[6], (uint32_t)env->dr[7]);
    }
    g_string_append_printf(out, "EFER=%016" PRIx64 "\n", env->efer);
}
