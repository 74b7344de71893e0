/*
 * Segmentation, privilege transfers and event delivery for the interpreter:
 * descriptor loads with their checks (SDM vol. 3A 3.4, 5.5-5.8), far JMP,
 * CALL (also through call gates) and RET, IRET in every size, exceptions
 * and interrupts through the real-mode IVT and the 32- and 64-bit IDT with
 * stack switches from the TSS and the IST (6.12, 6.14), #DF and triple
 * fault (6.15, table 6-5), SYSCALL/SYSRET, SYSENTER/SYSEXIT, LLDT/LTR,
 * LAR/LSL/VERR/VERW, and the limit and type checks on data accesses
 * (5.3-5.4: seg_check_slow, with a per-segment "flat" bit in hflags so the
 * common access skips them). Hardware task switches (task gates, JMP or
 * CALL to a TSS, IRET with NT set) are in task_helper.c. Not modelled:
 * virtual-8086 mode, call gates with an inner-privilege CALL in long
 * mode. The new stack of a privilege-changing transfer is checked against
 * its limit before anything is pushed (#SS with the new SS selector).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "softmmu/runstate.h"
#include "internal.h"
#include "task_helper.h"

void LAPIS_NORETURN cpu_loop_exit(CPUX86State *env)
{
    siglongjmp(env->tcg->jmp, 1);
}

void raise_exception_err(CPUX86State *env, int vec, uint32_t err)
{
    X86TCGState *s = env->tcg;
    s->exception = vec;
    s->error_code = err;
    s->exception_has_error = true;
    s->exception_is_int = false;
    cpu_loop_exit(env);
}

void raise_exception(CPUX86State *env, int vec)
{
    X86TCGState *s = env->tcg;
    s->exception = vec;
    s->error_code = 0;
    s->exception_has_error = false;
    s->exception_is_int = false;
    cpu_loop_exit(env);
}

void raise_interrupt(CPUX86State *env, int vec, uint64_t next_rip)
{
    X86TCGState *s = env->tcg;
    s->exception = vec;
    s->error_code = 0;
    s->exception_has_error = false;
    s->exception_is_int = true;
    s->exception_next_rip = next_rip;
    cpu_loop_exit(env);
}

/* Does an access through seg need seg_check_slow? Not for a flat 4 GiB
 * writable expand-up data segment, nor anything in 64-bit mode (SDM vol.
 * 3A 5.3.1: no limit checks there). Real mode and VM86 check the cached
 * limit only (big real mode keeps a larger one). */
static bool seg_needs_check(CPUX86State *env, uint32_t hf, int seg)
{
    const SegmentCache *sc = &env->segs[seg];
    if (hf & HF_CS64) {
        return false;
    }
    if (sc->limit != 0xffffffffu
        || (sc->flags & (DESC_CS_MASK | DESC_E_MASK)) == DESC_E_MASK) {
        return true;
    }
    if (!(hf & HF_PE) || (hf & HF_VM)) {
        return false;
    }
    return (sc->flags & (DESC_P_MASK | DESC_CS_MASK | DESC_W_MASK))
           != (DESC_P_MASK | DESC_W_MASK);
}

static void update_segchk(CPUX86State *env, int seg)
{
    if (seg_needs_check(env, env->hflags, seg)) {
        env->hflags |= HF_SEGCHK(seg);
    } else {
        env->hflags &= ~HF_SEGCHK(seg);
    }
}

void seg_check_slow(CPUX86State *env, int seg, uint64_t off, unsigned len,
                    bool write)
{
    const SegmentCache *sc = &env->segs[seg];
    int vec = seg == R_SS ? EXCP0C_SS : EXCP0D_GP;
    uint32_t f = sc->flags;

    if (env->hflags & HF_CS64) {
        return;
    }
    if ((env->hflags & HF_PE) && !(env->hflags & HF_VM)) {
        if (!(f & DESC_P_MASK)) {
            /* a null selector (load_seg leaves P clear); a null SS in
             * compatibility mode is one 64-bit code loaded: not checked */
            if (seg == R_SS && (env->hflags & HF_LMA)) {
                return;
            }
            raise_exception_err(env, vec, 0);
        }
        if (f & DESC_CS_MASK) {
            /* code: never writable, readable only with R (5.4) */
            if (write || !(f & DESC_R_MASK)) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
        } else if (write && !(f & DESC_W_MASK)) {
            raise_exception_err(env, vec, 0);
        }
    }
    uint64_t last = off + len - 1;
    if ((f & (DESC_CS_MASK | DESC_E_MASK)) == DESC_E_MASK) {
        /* expand-down: offsets above the limit up to 0xffff, or
         * 0xffffffff with the B bit, are valid (5.3) */
        uint64_t upper = (f & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
        if (off <= sc->limit || last > upper) {
            raise_exception_err(env, vec, 0);
        }
    } else if (last > sc->limit) {
        raise_exception_err(env, vec, 0);
    }
}

void update_hflags(CPUX86State *env)
{
    uint32_t hf = env->hflags & HF_INHIBIT_IRQ;
    if (env->cr[0] & CR0_PE) {
        hf |= HF_PE;
        hf |= (env->rflags & VM_MASK) ? 3 : (env->segs[R_CS].selector & 3);
    }
    if (env->rflags & VM_MASK) {
        hf |= HF_VM;
    }
    if (env->cr[0] & CR0_PG) {
        hf |= HF_PG;
    }
    if (env->efer & EFER_LMA) {
        hf |= HF_LMA;
        if (env->segs[R_CS].flags & DESC_L_MASK) {
            hf |= HF_CS64 | HF_CS32;
        }
    }
    if (env->segs[R_CS].flags & DESC_B_MASK) {
        hf |= HF_CS32;
    }
    if (env->segs[R_SS].flags & DESC_B_MASK) {
        hf |= HF_SS32;
    }
    for (int seg = R_ES; seg <= R_GS; seg++) {
        if (seg_needs_check(env, hf, seg)) {
            hf |= HF_SEGCHK(seg);
        }
    }
    if (!(hf & HF_CS64) && env->segs[R_CS].limit != 0xffffffffu) {
        hf |= HF_CS_LIMIT;
    }
    env->hflags = hf;
}

void cpu_x86_set_seg(CPUX86State *env, int seg, uint16_t sel, uint64_t base,
                     uint32_t limit, uint32_t flags)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = sel;
    sc->base = base;
    sc->limit = limit;
    sc->flags = flags;
    if (seg == R_CS || seg == R_SS) {
        update_hflags(env);
    } else {
        update_segchk(env, seg);
    }
}

/* Real mode and VM86: only the selector and the base change, so limits set
 * in protected mode stay ("big real mode"). */
void load_seg_real(CPUX86State *env, int seg, uint16_t sel)
{
    env->segs[seg].selector = sel;
    env->segs[seg].base = (uint64_t)sel << 4;
    if (seg == R_CS || seg == R_SS) {
        update_hflags(env);
    } else {
        update_segchk(env, seg);
    }
}

static inline uint64_t desc_base(uint32_t e1, uint32_t e2)
{
    return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000);
}

static inline uint32_t desc_limit(uint32_t e1, uint32_t e2)
{
    uint32_t limit = (e1 & 0xffff) | (e2 & 0x000f0000);
    if (e2 & DESC_G_MASK) {
        limit = (limit << 12) | 0xfff;
    }
    return limit;
}

static inline int desc_dpl(uint32_t e2)
{
    return (e2 >> DESC_DPL_SHIFT) & 3;
}

static void seg_from_desc(CPUX86State *env, int seg, uint16_t sel, uint32_t e1,
                          uint32_t e2)
{
    cpu_x86_set_seg(env, seg, sel, desc_base(e1, e2), desc_limit(e1, e2),
                    e2 & 0x00f0ff00);
}

/* Read the descriptor named by sel; false if beyond the table limit. */
static bool load_desc(CPUX86State *env, uint16_t sel, uint32_t *e1,
                      uint32_t *e2)
{
    DescTable dt;
    if (sel & 4) {
        dt.base = env->ldt.base;
        dt.limit = env->ldt.limit;
    } else {
        dt = env->gdt;
    }
    uint32_t idx = sel & ~7u;
    if (idx + 7 > dt.limit) {
        return false;
    }
    uint64_t lin = dt.base + idx;
    if (!(env->hflags & HF_LMA)) {
        lin = (uint32_t)lin;
    }
    *e1 = cpu_ld_kernel(env, lin, 2);
    *e2 = cpu_ld_kernel(env, lin + 4, 2);
    return true;
}

/* The upper 8 bytes of a 16-byte system descriptor in long mode. */
static uint32_t load_desc_hi(CPUX86State *env, uint16_t sel, bool *ok)
{
    DescTable dt = env->gdt;
    uint32_t idx = (sel & ~7u) + 8;
    *ok = idx + 7 <= dt.limit;
    if (!*ok) {
        return 0;
    }
    return cpu_ld_kernel(env, dt.base + idx, 2);
}

static void set_desc_accessed(CPUX86State *env, uint16_t sel, uint32_t *e2)
{
    if (!(*e2 & DESC_A_MASK)) {
        DescTable dt = (sel & 4) ? (DescTable){ env->ldt.base, env->ldt.limit }
                                 : env->gdt;
        *e2 |= DESC_A_MASK;
        uint64_t lin = dt.base + (sel & ~7u) + 4;
        if (!(env->hflags & HF_LMA)) {
            lin = (uint32_t)lin;
        }
        cpu_st_kernel(env, lin, 2, *e2);
    }
}

void load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    uint32_t e1, e2;
    int rpl = sel & 3, c = cpl(env);

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        load_seg_real(env, seg, sel);
        return;
    }
    if ((sel & ~3u) == 0) {
        /* null selector: allowed except for SS outside 64-bit mode
         * (and at CPL 3 or with RPL != CPL in 64-bit mode) */
        if (seg == R_SS && (!(env->hflags & HF_CS64) || c == 3 || rpl != c)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        cpu_x86_set_seg(env, seg, sel, 0, 0,
                        seg == R_SS ? (c << DESC_DPL_SHIFT) | DESC_B_MASK : 0);
        return;
    }
    if (!load_desc(env, sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    int dpl = desc_dpl(e2);
    if (!(e2 & DESC_S_MASK)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (seg == R_SS) {
        if (rpl != c || dpl != c || (e2 & DESC_CS_MASK) || !(e2 & DESC_W_MASK)) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0C_SS, sel & 0xfffc);
        }
    } else {
        if ((e2 & DESC_CS_MASK) && !(e2 & DESC_R_MASK)) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        if (!(e2 & DESC_CS_MASK) || !(e2 & DESC_C_MASK)) {
            if (dpl < c || dpl < rpl) {
                raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
            }
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
        }
    }
    set_desc_accessed(env, sel, &e2);
    seg_from_desc(env, seg, sel, e1, e2);
}

/* After a return to an outer level, data segments the new CPL may not use
 * become null (SDM RET, IRET: "FOR each of segment register"). */
static void validate_seg(CPUX86State *env, int seg, int new_cpl)
{
    SegmentCache *sc = &env->segs[seg];
    if ((seg == R_FS || seg == R_GS) && (sc->selector & ~3u) == 0) {
        return;
    }
    int dpl = (sc->flags >> DESC_DPL_SHIFT) & 3;
    bool conforming_code = (sc->flags & DESC_CS_MASK) && (sc->flags & DESC_C_MASK);
    if (!conforming_code && dpl < new_cpl) {
        cpu_x86_set_seg(env, seg, 0, 0, 0, 0);
    }
}

/* Check a code segment descriptor as the target of a far transfer. */
static void check_code_target(CPUX86State *env, uint16_t sel, uint32_t e2,
                              int for_cpl, bool same_level)
{
    int dpl = desc_dpl(e2);
    int rpl = sel & 3;
    if (!(e2 & DESC_S_MASK) || !(e2 & DESC_CS_MASK)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (e2 & DESC_C_MASK) {
        if (dpl > for_cpl) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
    } else if (same_level && (rpl > for_cpl || dpl != for_cpl)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
    }
    if ((env->hflags & HF_LMA) && (e2 & DESC_L_MASK) && (e2 & DESC_B_MASK)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
}

/* Stack helpers with an explicit SS base/mask, for privilege changes. */
typedef struct StackPtr {
    uint64_t base;
    uint64_t sp;
    uint64_t mask;
    int mmu;
    bool check;         /* the current SS, not flat: seg_check_slow */
} StackPtr;

static void sp_push(CPUX86State *env, StackPtr *st, int sz, uint64_t v)
{
    st->sp -= 1u << sz;
    if (st->check) {
        seg_check_slow(env, R_SS, st->sp & st->mask, 1u << sz, true);
    }
    uint64_t lin = st->base + (st->sp & st->mask);
    if (!(env->hflags & HF_LMA)) {
        lin = (uint32_t)lin;
    }
    cpu_st_mmu(env, lin, sz, v, st->mmu);
}

static uint64_t sp_pop(CPUX86State *env, StackPtr *st, int sz)
{
    if (st->check) {
        seg_check_slow(env, R_SS, st->sp & st->mask, 1u << sz, false);
    }
    uint64_t lin = st->base + (st->sp & st->mask);
    if (!(env->hflags & HF_LMA)) {
        lin = (uint32_t)lin;
    }
    uint64_t v = cpu_ld_mmu(env, lin, sz, st->mmu);
    st->sp += 1u << sz;
    return v;
}

static StackPtr cur_stack(CPUX86State *env)
{
    StackPtr st;
    if (env->hflags & HF_CS64) {
        st.base = 0;
        st.mask = ~0ull;
    } else {
        st.base = env->segs[R_SS].base;
        st.mask = (env->hflags & HF_SS32) ? 0xffffffffull : 0xffff;
    }
    st.sp = env->regs[R_ESP];
    st.mmu = cpu_mmu_index(env);
    st.check = env->hflags & HF_SEGCHK(R_SS);
    return st;
}

static void set_rsp(CPUX86State *env, uint64_t sp, uint64_t mask)
{
    if (mask == ~0ull) {
        env->regs[R_ESP] = sp;
    } else if (mask == 0xffffffffull) {
        env->regs[R_ESP] = (uint32_t)sp;
    } else {
        env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | (sp & mask);
    }
}

/* Inner stack for privilege level dpl from the TSS (SDM 7.2.1, 8.7). */
static void tss_get_stack(CPUX86State *env, int dpl, uint16_t *ss,
                          uint64_t *sp)
{
    int type = (env->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    if (!(env->tr.flags & DESC_P_MASK)) {
        qemu_log_mask(LOG_GUEST_ERROR, "stack switch without a valid TSS\n");
    }
    if (type & 8) {
        uint32_t off = 4 + dpl * 8;
        if (off + 5 > env->tr.limit) {
            raise_exception_err(env, EXCP0A_TS, env->tr.selector & 0xfffc);
        }
        *sp = cpu_ld_kernel(env, (uint32_t)(env->tr.base + off), 2);
        *ss = cpu_ld_kernel(env, (uint32_t)(env->tr.base + off + 4), 1);
    } else {
        uint32_t off = 2 + dpl * 4;
        if (off + 3 > env->tr.limit) {
            raise_exception_err(env, EXCP0A_TS, env->tr.selector & 0xfffc);
        }
        *sp = cpu_ld_kernel(env, (uint32_t)(env->tr.base + off), 1);
        *ss = cpu_ld_kernel(env, (uint32_t)(env->tr.base + off + 2), 1);
    }
}

/* Whether len bytes at offset off lie inside a stack segment with this
 * limit and descriptor flags (expand-down aware, SDM vol. 3A 5.3). */
static bool stack_off_ok(uint64_t off, unsigned len, uint32_t limit,
                         uint32_t flags)
{
    uint64_t last = off + len - 1;
    if (flags & DESC_E_MASK) {
        uint64_t upper = (flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
        return off > limit && last <= upper;
    }
    return last <= limit;
}

/* Room for n pushes of 1 << sz bytes below sp, checked before anything is
 * written, as the SDM's CALL and INT pseudocode do: #SS(err) otherwise
 * (6.12.1, 5.8.5). Each slot is checked so a 16-bit SP that wraps is
 * caught the way the pushes themselves would address it. */
static void check_stack_room(CPUX86State *env, uint64_t sp, uint64_t mask,
                             uint32_t limit, uint32_t flags, int sz,
                             unsigned n, uint32_t err)
{
    for (unsigned i = 1; i <= n; i++) {
        uint64_t off = (sp - ((uint64_t)i << sz)) & mask;
        if (!stack_off_ok(off, 1u << sz, limit, flags)) {
            raise_exception_err(env, EXCP0C_SS, err);
        }
    }
}

/* Load and check the inner SS from the TSS (#TS on a bad one). */
static void check_inner_ss(CPUX86State *env, uint16_t ss, int dpl,
                           uint32_t *e1, uint32_t *e2, uint32_t ext)
{
    if ((ss & ~3u) == 0) {
        raise_exception_err(env, EXCP0A_TS, ext);
    }
    if ((ss & 3) != dpl) {
        raise_exception_err(env, EXCP0A_TS, (ss & 0xfffc) | ext);
    }
    if (!load_desc(env, ss, e1, e2)) {
        raise_exception_err(env, EXCP0A_TS, (ss & 0xfffc) | ext);
    }
    if (desc_dpl(*e2) != dpl || !(*e2 & DESC_S_MASK) || (*e2 & DESC_CS_MASK)
        || !(*e2 & DESC_W_MASK)) {
        raise_exception_err(env, EXCP0A_TS, (ss & 0xfffc) | ext);
    }
    if (!(*e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0C_SS, (ss & 0xfffc) | ext);
    }
}

static uint64_t tss64_rsp(CPUX86State *env, int idx)
{
    /* RSP0-2 at 4, 12, 20; IST1-7 at 36.. (SDM figure 8-11) */
    uint32_t off = idx < 3 ? 4 + idx * 8 : 36 + (idx - 3) * 8;
    if (off + 7 > env->tr.limit) {
        raise_exception_err(env, EXCP0A_TS, env->tr.selector & 0xfffc);
    }
    return cpu_ld_kernel(env, env->tr.base + off, 3);
}

/* --- event delivery --- */

static bool is_contributory(int vec)
{
    return vec == EXCP00_DE || (vec >= EXCP0A_TS && vec <= EXCP0D_GP);
}

static void do_interrupt_real(CPUX86State *env, int vec, bool is_int,
                              uint64_t next_rip)
{
    uint32_t off = vec * 4;
    if (off + 3 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GP, vec * 8 + 2);
    }
    uint64_t lin = (uint32_t)(env->idt.base + off);
    uint16_t ip = cpu_ld_kernel(env, lin, 1);
    uint16_t cs = cpu_ld_kernel(env, lin + 2, 1);
    StackPtr st = cur_stack(env);
    uint64_t ret = is_int ? next_rip : env->rip;
    sp_push(env, &st, 1, cpu_get_eflags(env));
    sp_push(env, &st, 1, env->segs[R_CS].selector);
    sp_push(env, &st, 1, ret);
    set_rsp(env, st.sp, st.mask);
    env->rflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    load_seg_real(env, R_CS, cs);
    env->rip = ip;
}

static void do_interrupt_prot(CPUX86State *env, int vec, bool is_int,
                              bool has_err, uint32_t err, uint64_t next_rip,
                              uint32_t ext)
{
    uint32_t off = vec * 8;
    if (off + 7 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GP, off + 2 + ext);
    }
    uint64_t lin = (uint32_t)(env->idt.base + off);
    uint32_t e1 = cpu_ld_kernel(env, lin, 2);
    uint32_t e2 = cpu_ld_kernel(env, lin + 4, 2);
    int type = (e2 >> DESC_TYPE_SHIFT) & 0x1f;
    int c = cpl(env);

    switch (type) {
    case 5: case 6: case 7: case 14: case 15:
        break;
    default:
        raise_exception_err(env, EXCP0D_GP, off + 2 + ext);
    }
    if (is_int && desc_dpl(e2) < c) {
        raise_exception_err(env, EXCP0D_GP, off + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, off + 2 + ext);
    }
    if (type == 5) {
        /* task gate (SDM 6.11.3): task_helper.c */
        helper_task_gate_int(env, e1, is_int ? next_rip : env->rip, has_err,
                             err, ext);
        return;
    }
    int shift = (type & 8) ? 2 : 1;     /* 32- or 16-bit gate */
    uint16_t sel = e1 >> 16;
    uint32_t target = (e2 & 0xffff0000) | (e1 & 0xffff);
    uint32_t c1, c2;
    if ((sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, ext);
    }
    if (!load_desc(env, sel, &c1, &c2)) {
        raise_exception_err(env, EXCP0D_GP, (sel & 0xfffc) + ext);
    }
    int dpl = desc_dpl(c2);
    if (!(c2 & DESC_S_MASK) || !(c2 & DESC_CS_MASK) || dpl > c) {
        raise_exception_err(env, EXCP0D_GP, (sel & 0xfffc) + ext);
    }
    if (!(c2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, (sel & 0xfffc) + ext);
    }
    uint64_t old_flags = cpu_get_eflags(env);
    uint16_t old_ss = env->segs[R_SS].selector;
    uint64_t old_sp = env->regs[R_ESP];
    uint64_t ret = is_int ? next_rip : env->rip;
    StackPtr st = { 0 };
    uint32_t s1 = 0, s2 = 0;
    uint16_t new_ss = 0;
    bool inner = !(c2 & DESC_C_MASK) && dpl < c;

    if (inner) {
        uint64_t sp;
        tss_get_stack(env, dpl, &new_ss, &sp);
        check_inner_ss(env, new_ss, dpl, &s1, &s2, ext);
        st.base = desc_base(s1, s2);
        st.mask = (s2 & DESC_B_MASK) ? 0xffffffffull : 0xffff;
        st.sp = sp;
        st.mmu = dpl == 3 ? MMU_USER : MMU_KSMAP;
        /* SS:ESP, EFLAGS, CS:EIP and the error code on the new stack:
         * #SS(new SS) with EXT when they do not fit (6.12.1) */
        check_stack_room(env, st.sp, st.mask, desc_limit(s1, s2), s2, shift,
                         has_err ? 6 : 5, (new_ss & 0xfffc) | ext);
        sp_push(env, &st, shift, old_ss);
        sp_push(env, &st, shift, old_sp);
    } else {
        if (env->rflags & VM_MASK) {
            raise_exception_err(env, EXCP0D_GP, (sel & 0xfffc) + ext);
        }
        st = cur_stack(env);
        st.mmu = dpl == 3 ? MMU_USER : MMU_KSMAP;
        if (st.check) {
            /* same level: #SS(EXT) when the frame does not fit */
            check_stack_room(env, st.sp, st.mask, env->segs[R_SS].limit,
                             env->segs[R_SS].flags, shift,
                             has_err ? 4 : 3, ext);
        }
    }
    sp_push(env, &st, shift, old_flags);
    sp_push(env, &st, shift, env->segs[R_CS].selector);
    sp_push(env, &st, shift, ret);
    if (has_err) {
        sp_push(env, &st, shift, err);
    }
    /* commit */
    int new_cpl = inner ? dpl : c;
    if (inner) {
        seg_from_desc(env, R_SS, new_ss, s1, s2);
    }
    set_rsp(env, st.sp, st.mask);
    set_desc_accessed(env, sel, &c2);
    seg_from_desc(env, R_CS, (sel & 0xfffc) | new_cpl, c1, c2);
    env->hflags = (env->hflags & ~HF_CPL_MASK) | new_cpl;
    env->rip = shift == 1 ? target & 0xffff : target;
    env->rflags &= ~(uint64_t)(TF_MASK | NT_MASK | RF_MASK | VM_MASK);
    if (!(type & 1)) {
        env->rflags &= ~(uint64_t)IF_MASK;
    }
    update_hflags(env);
}

static void do_interrupt_64(CPUX86State *env, int vec, bool is_int,
                            bool has_err, uint32_t err, uint64_t next_rip,
                            uint32_t ext)
{
    uint32_t off = vec * 16;
    if (off + 15 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GP, vec * 8 + 2 + ext);
    }
    uint64_t lin = env->idt.base + off;
    uint32_t e1 = cpu_ld_kernel(env, lin, 2);
    uint32_t e2 = cpu_ld_kernel(env, lin + 4, 2);
    uint32_t e3 = cpu_ld_kernel(env, lin + 8, 2);
    int type = (e2 >> DESC_TYPE_SHIFT) & 0x1f;
    int c = cpl(env);

    if (type != 14 && type != 15) {
        raise_exception_err(env, EXCP0D_GP, vec * 8 + 2 + ext);
    }
    if (is_int && desc_dpl(e2) < c) {
        raise_exception_err(env, EXCP0D_GP, vec * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, vec * 8 + 2 + ext);
    }
    uint16_t sel = e1 >> 16;
    uint64_t target = ((uint64_t)e3 << 32) | (e2 & 0xffff0000) | (e1 & 0xffff);
    int ist = e2 & 7;
    uint32_t c1, c2;
    if ((sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, ext);
    }
    if (!load_desc(env, sel, &c1, &c2)) {
        raise_exception_err(env, EXCP0D_GP, (sel & 0xfffc) + ext);
    }
    int dpl = desc_dpl(c2);
    if (!(c2 & DESC_S_MASK) || !(c2 & DESC_CS_MASK) || dpl > c
        || !(c2 & DESC_L_MASK) || (c2 & DESC_B_MASK)) {
        raise_exception_err(env, EXCP0D_GP, (sel & 0xfffc) + ext);
    }
    if (!(c2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, (sel & 0xfffc) + ext);
    }
    bool inner = !(c2 & DESC_C_MASK) && dpl < c;
    int new_cpl = inner ? dpl : c;
    uint64_t old_flags = cpu_get_eflags(env);
    uint64_t sp;
    if (ist) {
        sp = tss64_rsp(env, 3 + ist - 1);
    } else if (inner) {
        sp = tss64_rsp(env, dpl);
    } else {
        sp = env->regs[R_ESP];
    }
    StackPtr st = { .base = 0, .sp = sp & ~0xfull, .mask = ~0ull,
                    .mmu = new_cpl == 3 ? MMU_USER : MMU_KSMAP };
    if ((uint64_t)(((int64_t)st.sp << 16) >> 16) != st.sp) {
        raise_exception_err(env, EXCP0C_SS, ext);
    }
    uint64_t ret = is_int ? next_rip : env->rip;
    sp_push(env, &st, 3, env->segs[R_SS].selector);
    sp_push(env, &st, 3, env->regs[R_ESP]);
    sp_push(env, &st, 3, old_flags);
    sp_push(env, &st, 3, env->segs[R_CS].selector);
    sp_push(env, &st, 3, ret);
    if (has_err) {
        sp_push(env, &st, 3, err);
    }
    if (inner) {
        /* a privilege change loads SS with a null selector at the new CPL */
        cpu_x86_set_seg(env, R_SS, new_cpl, 0, 0,
                        (new_cpl << DESC_DPL_SHIFT) | DESC_B_MASK);
    }
    env->regs[R_ESP] = st.sp;
    set_desc_accessed(env, sel, &c2);
    seg_from_desc(env, R_CS, (sel & 0xfffc) | new_cpl, c1, c2);
    env->rip = target;
    env->rflags &= ~(uint64_t)(TF_MASK | NT_MASK | RF_MASK | VM_MASK);
    if (!(type & 1)) {
        env->rflags &= ~(uint64_t)IF_MASK;
    }
    update_hflags(env);
}

bool do_interrupt(CPUX86State *env, int vec, bool is_int, bool has_err,
                  uint32_t err, uint64_t next_rip, bool is_hw)
{

    if (env->old_exception >= 0 && !is_int && !is_hw) {
        int old = env->old_exception;
        /* SDM vol. 3A table 6-5: conditions for a double fault */
        if (old == EXCP08_DF) {
            qemu_log_mask(CPU_LOG_INT | CPU_LOG_RESET,
                          "triple fault at %04x:%016" PRIx64 "\n",
                          env->segs[R_CS].selector, env->rip);
            env->old_exception = -1;
            env->run_state = X86_RUN_STOPPED;
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
            return false;
        }
        if ((is_contributory(old) && is_contributory(vec))
            || (old == EXCP0E_PF && (is_contributory(vec) || vec == EXCP0E_PF))) {
            vec = EXCP08_DF;
            has_err = true;
            err = 0;
        }
    }
    if (qemu_loglevel_mask(CPU_LOG_INT)) {
        qemu_log("%s 0x%02x: cs:rip=%04x:%016" PRIx64 " err=%x cr2=%016" PRIx64
                 " rsp=%016" PRIx64 " cpl=%d\n",
                 is_hw ? "interrupt" : is_int ? "INT" : "exception", vec,
                 env->segs[R_CS].selector, env->rip, has_err ? err : 0,
                 env->cr[2], env->regs[R_ESP], cpl(env));
    }
    /* exceptions other than INT n and external events set EXT in the error
     * codes of faults raised while delivering them (SDM 6.13) */
    uint32_t ext = is_int ? 0 : 1;
    env->old_exception = (is_int || is_hw) ? 0x100 : vec;
    env->end_block = true;
    if (!(env->cr[0] & CR0_PE)) {
        do_interrupt_real(env, vec, is_int, next_rip);
    } else if (env->hflags & HF_LMA) {
        do_interrupt_64(env, vec, is_int, has_err, err, next_rip, ext);
    } else {
        do_interrupt_prot(env, vec, is_int, has_err, err, next_rip, ext);
    }
    env->old_exception = -1;
    if (vec == EXCP02_NMI && is_hw) {
        env->nmi_blocked = true;
    }
    return true;
}

/* --- far transfers --- */

static bool gate_target(CPUX86State *env, uint16_t gsel, uint32_t e1,
                        uint32_t e2, uint16_t *sel, uint64_t *off,
                        int *param_count, bool *is32)
{
    int type = (e2 >> DESC_TYPE_SHIFT) & 0xf;
    int c = cpl(env);
    if (type != 4 && type != 12) {
        return false;
    }
    if (desc_dpl(e2) < c || desc_dpl(e2) < (gsel & 3)) {
        raise_exception_err(env, EXCP0D_GP, gsel & 0xfffc);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, gsel & 0xfffc);
    }
    *sel = e1 >> 16;
    *off = (e2 & 0xffff0000) | (e1 & 0xffff);
    *param_count = e2 & 0x1f;
    *is32 = type == 12;
    if (env->hflags & HF_LMA) {
        bool ok;
        uint32_t hi = load_desc_hi(env, gsel, &ok);
        if (!ok) {
            raise_exception_err(env, EXCP0D_GP, gsel & 0xfffc);
        }
        *off |= (uint64_t)hi << 32;
        *param_count = 0;
    } else if (type == 4) {
        *off &= 0xffff;
    }
    return true;
}

void helper_ljmp(CPUX86State *env, uint16_t sel, uint64_t off,
                 uint64_t next_rip)
{
    uint32_t e1, e2;
    int c = cpl(env);

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        load_seg_real(env, R_CS, sel);
        env->rip = off;
        return;
    }
    if ((sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (!load_desc(env, sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (!(e2 & DESC_S_MASK)) {
        uint16_t tsel;
        int pc;
        bool is32;
        if (!gate_target(env, sel, e1, e2, &tsel, &off, &pc, &is32)) {
            int type = (e2 >> DESC_TYPE_SHIFT) & 0xf;
            if (type == 1 || type == 3 || type == 5 || type == 9
                || type == 11) {
                /* TSS or task gate (SDM 7.3): task_helper.c */
                helper_task_jmp_call(env, sel, e1, e2, TASK_SWITCH_JMP,
                                     next_rip);
                return;
            }
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        if ((tsel & ~3u) == 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (!load_desc(env, tsel, &e1, &e2)) {
            raise_exception_err(env, EXCP0D_GP, tsel & 0xfffc);
        }
        /* JMP through a gate never changes privilege */
        check_code_target(env, tsel, e2, c, false);
        if (!(e2 & DESC_C_MASK) && desc_dpl(e2) != c) {
            raise_exception_err(env, EXCP0D_GP, tsel & 0xfffc);
        }
        sel = tsel;
    } else {
        check_code_target(env, sel, e2, c, true);
    }
    uint32_t limit = desc_limit(e1, e2);
    bool to64 = (env->hflags & HF_LMA) && (e2 & DESC_L_MASK);
    if (!to64 && off > limit) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    set_desc_accessed(env, sel, &e2);
    seg_from_desc(env, R_CS, (sel & 0xfffc) | c, e1, e2);
    env->rip = off;
    (void)next_rip;
}

void helper_lcall(CPUX86State *env, uint16_t sel, uint64_t off,
                  uint64_t next_rip, int sz)
{
    uint32_t e1, e2;
    int c = cpl(env);
    uint16_t old_cs = env->segs[R_CS].selector;

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        StackPtr st = cur_stack(env);
        sp_push(env, &st, sz, old_cs);
        sp_push(env, &st, sz, next_rip);
        set_rsp(env, st.sp, st.mask);
        load_seg_real(env, R_CS, sel);
        env->rip = off;
        return;
    }
    if ((sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (!load_desc(env, sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (e2 & DESC_S_MASK) {
        check_code_target(env, sel, e2, c, true);
        StackPtr st = cur_stack(env);
        sp_push(env, &st, sz, old_cs);
        sp_push(env, &st, sz, next_rip);
        set_desc_accessed(env, sel, &e2);
        set_rsp(env, st.sp, st.mask);
        seg_from_desc(env, R_CS, (sel & 0xfffc) | c, e1, e2);
        env->rip = off;
        return;
    }
    /* call gate (SDM CALL: "CALL-GATE") */
    uint16_t tsel;
    int param_count;
    bool is32;
    if (!gate_target(env, sel, e1, e2, &tsel, &off, &param_count, &is32)) {
        int type = (e2 >> DESC_TYPE_SHIFT) & 0xf;
        if (type == 1 || type == 3 || type == 5 || type == 9 || type == 11) {
            /* TSS or task gate (SDM 7.3): task_helper.c */
            helper_task_jmp_call(env, sel, e1, e2, TASK_SWITCH_CALL,
                                 next_rip);
            return;
        }
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if ((tsel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (!load_desc(env, tsel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, tsel & 0xfffc);
    }
    int dpl = desc_dpl(e2);
    check_code_target(env, tsel, e2, c, false);
    if (dpl > c) {
        raise_exception_err(env, EXCP0D_GP, tsel & 0xfffc);
    }
    int gsz = (env->hflags & HF_LMA) ? 3 : is32 ? 2 : 1;
    if (!(e2 & DESC_C_MASK) && dpl < c) {
        if (env->hflags & HF_LMA) {
            qemu_log_mask(LOG_UNIMP, "inner-privilege call gate in long "
                          "mode\n");
            raise_exception_err(env, EXCP0D_GP, tsel & 0xfffc);
        }
        uint16_t new_ss;
        uint64_t new_sp;
        uint32_t s1, s2;
        tss_get_stack(env, dpl, &new_ss, &new_sp);
        check_inner_ss(env, new_ss, dpl, &s1, &s2, 0);
        StackPtr old = cur_stack(env);
        StackPtr st = { .base = desc_base(s1, s2), .sp = new_sp,
                        .mask = (s2 & DESC_B_MASK) ? 0xffffffffull : 0xffff,
                        .mmu = dpl == 3 ? MMU_USER : MMU_KSMAP };
        /* SS:ESP, the parameters and CS:EIP must fit on the new stack:
         * #SS(new SS) before anything is written (CALL pseudocode) */
        check_stack_room(env, st.sp, st.mask, desc_limit(s1, s2), s2, gsz,
                         4 + param_count, new_ss & 0xfffc);
        if (old.check) {
            for (int i = 0; i < param_count; i++) {
                seg_check_slow(env, R_SS, (old.sp + i * (1u << gsz)) & old.mask,
                               1u << gsz, false);
            }
        }
        sp_push(env, &st, gsz, env->segs[R_SS].selector);
        sp_push(env, &st, gsz, env->regs[R_ESP]);
        for (int i = param_count - 1; i >= 0; i--) {
            uint64_t lin = old.base + ((old.sp + i * (1u << gsz)) & old.mask);
            uint64_t v = cpu_ld_mmu(env, (uint32_t)lin, gsz, old.mmu);
            sp_push(env, &st, gsz, v);
        }
        sp_push(env, &st, gsz, old_cs);
        sp_push(env, &st, gsz, next_rip);
        seg_from_desc(env, R_SS, new_ss, s1, s2);
        set_rsp(env, st.sp, st.mask);
        set_desc_accessed(env, tsel, &e2);
        seg_from_desc(env, R_CS, (tsel & 0xfffc) | dpl, e1, e2);
    } else {
        StackPtr st = cur_stack(env);
        sp_push(env, &st, gsz, old_cs);
        sp_push(env, &st, gsz, next_rip);
        set_rsp(env, st.sp, st.mask);
        set_desc_accessed(env, tsel, &e2);
        seg_from_desc(env, R_CS, (tsel & 0xfffc) | c, e1, e2);
    }
    env->rip = off;
    (void)sz;
}

/* Common tail of far RET and IRET to protected mode: CS and, for an outer
 * level (or always in 64-bit mode for IRET), SS:RSP. */
static void return_to(CPUX86State *env, StackPtr *st, int sz, uint16_t cs_sel,
                      uint64_t new_ip, unsigned addend, bool is_iret,
                      uint64_t new_flags)
{
    uint32_t e1, e2;
    int c = cpl(env);
    int rpl = cs_sel & 3;
    bool long64 = env->hflags & HF_CS64;

    if ((cs_sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (!load_desc(env, cs_sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, cs_sel & 0xfffc);
    }
    if (!(e2 & DESC_S_MASK) || !(e2 & DESC_CS_MASK) || rpl < c) {
        raise_exception_err(env, EXCP0D_GP, cs_sel & 0xfffc);
    }
    int dpl = desc_dpl(e2);
    if ((e2 & DESC_C_MASK) ? dpl > rpl : dpl != rpl) {
        raise_exception_err(env, EXCP0D_GP, cs_sel & 0xfffc);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, cs_sel & 0xfffc);
    }
    if ((env->hflags & HF_LMA) && (e2 & DESC_L_MASK) && (e2 & DESC_B_MASK)) {
        raise_exception_err(env, EXCP0D_GP, cs_sel & 0xfffc);
    }
    st->sp += addend;
    bool outer = rpl > c;
    uint16_t ss_sel = 0;
    uint64_t new_sp = 0;
    uint32_t s1 = 0, s2 = 0;
    bool to64 = (env->hflags & HF_LMA) && (e2 & DESC_L_MASK);

    if (outer || (is_iret && long64)) {
        new_sp = sp_pop(env, st, sz);
        ss_sel = sp_pop(env, st, sz);
        if ((ss_sel & ~3u) == 0) {
            /* null SS is allowed returning to 64-bit code at CPL < 3 */
            if (!(to64 && rpl != 3)) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
        } else {
            if ((ss_sel & 3) != rpl || !load_desc(env, ss_sel, &s1, &s2)) {
                raise_exception_err(env, EXCP0D_GP, ss_sel & 0xfffc);
            }
            if (!(s2 & DESC_S_MASK) || (s2 & DESC_CS_MASK)
                || !(s2 & DESC_W_MASK) || desc_dpl(s2) != rpl) {
                raise_exception_err(env, EXCP0D_GP, ss_sel & 0xfffc);
            }
            if (!(s2 & DESC_P_MASK)) {
                raise_exception_err(env, EXCP0C_SS, ss_sel & 0xfffc);
            }
        }
    }
    if (to64 && (uint64_t)(((int64_t)new_ip << 16) >> 16) != new_ip) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (!to64 && new_ip > desc_limit(e1, e2)) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    /* commit */
    if (is_iret) {
        uint64_t mask = TF_MASK | AC_MASK | ID_MASK | RF_MASK | NT_MASK | DF_MASK;
        int iopl = (env->rflags & IOPL_MASK) >> IOPL_SHIFT;
        if (c == 0) {
            mask |= IOPL_MASK | IF_MASK | VIF_MASK | VIP_MASK;
        } else if (c <= iopl) {
            mask |= IF_MASK;
        }
        if (sz == 1) {
            mask &= 0xffff;
        }
        cpu_set_eflags(env, new_flags, mask);
    }
    set_desc_accessed(env, cs_sel, &e2);
    seg_from_desc(env, R_CS, cs_sel, e1, e2);
    env->rip = new_ip;
    if (outer || (is_iret && long64)) {
        if ((ss_sel & ~3u) == 0) {
            cpu_x86_set_seg(env, R_SS, ss_sel, 0, 0,
                            (rpl << DESC_DPL_SHIFT) | DESC_B_MASK);
        } else {
            set_desc_accessed(env, ss_sel, &s2);
            seg_from_desc(env, R_SS, ss_sel, s1, s2);
        }
        uint64_t m = to64 ? ~0ull : (s2 & DESC_B_MASK) ? 0xffffffffull : 0xffff;
        set_rsp(env, new_sp + (is_iret ? 0 : addend), m);
        if (outer) {
            validate_seg(env, R_ES, rpl);
            validate_seg(env, R_DS, rpl);
            validate_seg(env, R_FS, rpl);
            validate_seg(env, R_GS, rpl);
        }
    } else {
        set_rsp(env, st->sp, st->mask);
    }
    update_hflags(env);
}

void helper_lret(CPUX86State *env, int sz, unsigned addend)
{
    StackPtr st = cur_stack(env);
    if (env->hflags & HF_CS64) {
        /* far RET in 64-bit mode: 32-bit default operand, REX.W 64 */
    }
    uint64_t ip = sp_pop(env, &st, sz);
    uint16_t cs = sp_pop(env, &st, sz);

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        st.sp += addend;
        set_rsp(env, st.sp, st.mask);
        load_seg_real(env, R_CS, cs);
        env->rip = ip;
        return;
    }
    return_to(env, &st, sz, cs, ip, addend, false, 0);
}

void helper_iret(CPUX86State *env, int sz)
{
    StackPtr st = cur_stack(env);

    env->nmi_blocked = false;
    if (!(env->hflags & HF_PE)) {
        uint64_t ip = sp_pop(env, &st, sz);
        uint16_t cs = sp_pop(env, &st, sz);
        uint64_t fl = sp_pop(env, &st, sz);
        uint64_t mask = TF_MASK | AC_MASK | ID_MASK | RF_MASK | NT_MASK
                        | DF_MASK | IF_MASK | IOPL_MASK;
        if (sz == 1) {
            mask &= 0xffff;
        }
        set_rsp(env, st.sp, st.mask);
        cpu_set_eflags(env, fl, mask);
        load_seg_real(env, R_CS, cs);
        env->rip = ip;
        return;
    }
    if (env->hflags & HF_VM) {
        qemu_log_mask(LOG_UNIMP, "IRET in virtual-8086 mode\n");
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (env->rflags & NT_MASK) {
        /* return to the linked task (SDM 7.4; #GP(0) in IA-32e mode) */
        helper_task_iret(env);
        return;
    }
    uint64_t ip = sp_pop(env, &st, sz);
    uint16_t cs = sp_pop(env, &st, sz);
    uint64_t fl = sp_pop(env, &st, sz);
    if ((fl & VM_MASK) && cpl(env) == 0 && !(env->hflags & HF_LMA) && sz == 2) {
        qemu_log_mask(LOG_UNIMP, "IRET to virtual-8086 mode\n");
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    return_to(env, &st, sz, cs, ip, 0, true, fl);
}

/* --- SYSCALL/SYSRET (AMD64 APM vol. 2 6.1.1; SDM vol. 2B) --- */

#define FLAT_CODE (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK \
                   | DESC_A_MASK | DESC_G_MASK)
#define FLAT_DATA (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK \
                   | DESC_G_MASK | DESC_B_MASK)

void helper_syscall(CPUX86State *env, uint64_t next_rip)
{
    if (!(env->efer & EFER_SCE)) {
        raise_exception(env, EXCP06_UD);
    }
    uint16_t sel = (env->star >> 32) & 0xfffc;
    env->regs[R_ECX] = next_rip;
    env->regs[R_R11] = cpu_get_eflags(env) & ~(uint64_t)RF_MASK;
    cpu_set_eflags(env, cpu_get_eflags(env) & ~env->fmask,
                   ~(uint64_t)0);
    env->rflags &= ~(uint64_t)RF_MASK;
    cpu_x86_set_seg(env, R_CS, sel, 0, 0xffffffff, FLAT_CODE | DESC_L_MASK);
    cpu_x86_set_seg(env, R_SS, sel + 8, 0, 0xffffffff, FLAT_DATA);
    env->hflags &= ~HF_CPL_MASK;
    update_hflags(env);
    env->rip = env->lstar;
}

void helper_sysret(CPUX86State *env, int sz)
{
    if (!(env->efer & EFER_SCE)) {
        raise_exception(env, EXCP06_UD);
    }
    if (cpl(env) != 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint16_t sel = (env->star >> 48) & 0xffff;
    if (sz == 3) {
        uint64_t rip = env->regs[R_ECX];
        if ((uint64_t)(((int64_t)rip << 16) >> 16) != rip) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        cpu_x86_set_seg(env, R_CS, (sel + 16) | 3, 0, 0xffffffff,
                        FLAT_CODE | DESC_L_MASK | (3 << DESC_DPL_SHIFT));
        env->rip = rip;
    } else {
        cpu_x86_set_seg(env, R_CS, sel | 3, 0, 0xffffffff,
                        FLAT_CODE | DESC_B_MASK | (3 << DESC_DPL_SHIFT));
        env->rip = (uint32_t)env->regs[R_ECX];
    }
    cpu_x86_set_seg(env, R_SS, (sel + 8) | 3, 0, 0xffffffff,
                    FLAT_DATA | (3 << DESC_DPL_SHIFT));
    cpu_set_eflags(env, (env->regs[R_R11] & ~(uint64_t)(RF_MASK | VM_MASK)),
                   ~(uint64_t)0);
    update_hflags(env);
}

void helper_sysenter(CPUX86State *env)
{
    uint16_t cs = env->sysenter_cs & 0xfffc;
    if (!(env->hflags & HF_PE) || cs == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    env->rflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    bool lma = env->hflags & HF_LMA;
    cpu_x86_set_seg(env, R_CS, cs, 0, 0xffffffff,
                    FLAT_CODE | (lma ? DESC_L_MASK : DESC_B_MASK));
    cpu_x86_set_seg(env, R_SS, cs + 8, 0, 0xffffffff, FLAT_DATA);
    update_hflags(env);
    env->regs[R_ESP] = lma ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = lma ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
}

void helper_sysexit(CPUX86State *env, int sz)
{
    uint16_t cs = env->sysenter_cs & 0xfffc;
    if (!(env->hflags & HF_PE) || cs == 0 || cpl(env) != 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (sz == 3) {
        cpu_x86_set_seg(env, R_CS, (cs + 32) | 3, 0, 0xffffffff,
                        FLAT_CODE | DESC_L_MASK | (3 << DESC_DPL_SHIFT));
        cpu_x86_set_seg(env, R_SS, (cs + 40) | 3, 0, 0xffffffff,
                        FLAT_DATA | (3 << DESC_DPL_SHIFT));
        env->regs[R_ESP] = env->regs[R_ECX];
        env->rip = env->regs[R_EDX];
    } else {
        cpu_x86_set_seg(env, R_CS, (cs + 16) | 3, 0, 0xffffffff,
                        FLAT_CODE | DESC_B_MASK | (3 << DESC_DPL_SHIFT));
        cpu_x86_set_seg(env, R_SS, (cs + 24) | 3, 0, 0xffffffff,
                        FLAT_DATA | (3 << DESC_DPL_SHIFT));
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
        env->rip = (uint32_t)env->regs[R_EDX];
    }
    update_hflags(env);
}

/* --- LLDT, LTR, LAR, LSL, VERR, VERW --- */

bool load_null_ldt(CPUX86State *env, uint16_t sel)
{
    if ((sel & ~3u) != 0) {
        return false;
    }
    /* A null selector leaves LDTR unusable (SDM vol. 3A 7.2.5, LLDT). */
    env->ldt.selector = sel;
    env->ldt.base = 0;
    env->ldt.limit = 0;
    env->ldt.flags = 0;
    return true;
}

void helper_lldt(CPUX86State *env, uint16_t sel)
{
    uint32_t e1, e2;
    if (load_null_ldt(env, sel)) {
        return;
    }
    if ((sel & 4) || !load_desc(env, sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if ((e2 & DESC_S_MASK) || ((e2 >> DESC_TYPE_SHIFT) & 0xf) != 2) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
    }
    uint64_t base = desc_base(e1, e2);
    if (env->hflags & HF_LMA) {
        bool ok;
        uint32_t hi = load_desc_hi(env, sel, &ok);
        if (!ok) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        base |= (uint64_t)hi << 32;
    }
    env->ldt.selector = sel;
    env->ldt.base = base;
    env->ldt.limit = desc_limit(e1, e2);
    env->ldt.flags = e2 & 0x00f0ff00;
}

void helper_ltr(CPUX86State *env, uint16_t sel)
{
    uint32_t e1, e2;
    if ((sel & ~3u) == 0) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if ((sel & 4) || !load_desc(env, sel, &e1, &e2)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    int type = (e2 >> DESC_TYPE_SHIFT) & 0xf;
    if ((e2 & DESC_S_MASK) || (type != 1 && type != 9)
        || ((env->hflags & HF_LMA) && type != 9)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
    }
    uint64_t base = desc_base(e1, e2);
    if (env->hflags & HF_LMA) {
        bool ok;
        uint32_t hi = load_desc_hi(env, sel, &ok);
        if (!ok) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        base |= (uint64_t)hi << 32;
    }
    /* mark the TSS busy */
    e2 |= 2u << DESC_TYPE_SHIFT;
    uint64_t lin = env->gdt.base + (sel & ~7u) + 4;
    cpu_st_kernel(env, (env->hflags & HF_LMA) ? lin : (uint32_t)lin, 2, e2);
    env->tr.selector = sel;
    env->tr.base = base;
    env->tr.limit = desc_limit(e1, e2);
    env->tr.flags = e2 & 0x00f0ff00;
}

/* Is the descriptor visible at this CPL/RPL for LAR/LSL/VERR/VERW? */
static bool desc_visible(CPUX86State *env, uint16_t sel, uint32_t e2)
{
    int dpl = desc_dpl(e2);
    bool conforming = (e2 & DESC_S_MASK) && (e2 & DESC_CS_MASK)
                      && (e2 & DESC_C_MASK);
    return conforming || (dpl >= cpl(env) && dpl >= (sel & 3));
}

bool helper_lar_lsl(CPUX86State *env, uint16_t sel, bool lsl, uint32_t *out)
{
    uint32_t e1, e2;
    if ((sel & ~3u) == 0 || !load_desc(env, sel, &e1, &e2)) {
        return false;
    }
    if (!(e2 & DESC_S_MASK)) {
        int type = (e2 >> DESC_TYPE_SHIFT) & 0xf;
        bool lma = env->hflags & HF_LMA;
        /* valid system types (SDM LAR/LSL tables) */
        static const bool ok32[16] = { [1] = 1, [2] = 1, [3] = 1, [4] = 1,
                                       [5] = 1, [9] = 1, [11] = 1, [12] = 1 };
        static const bool ok64[16] = { [2] = 1, [9] = 1, [11] = 1, [12] = 1 };
        bool ok = lma ? ok64[type] : ok32[type];
        if (lsl && (type == 4 || type == 5 || type == 12)) {
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    if (!desc_visible(env, sel, e2)) {
        return false;
    }
    *out = lsl ? desc_limit(e1, e2) : (e2 & 0x00f0ff00);
    return true;
}

bool helper_verr_verw(CPUX86State *env, uint16_t sel, bool write)
{
    uint32_t e1, e2;
    if ((sel & ~3u) == 0 || !load_desc(env, sel, &e1, &e2)) {
        return false;
    }
    if (!(e2 & DESC_S_MASK) || !desc_visible(env, sel, e2)) {
        return false;
    }
    if (e2 & DESC_CS_MASK) {
        return !write && (e2 & DESC_R_MASK);
    }
    return write ? (e2 & DESC_W_MASK) != 0 : true;
}
