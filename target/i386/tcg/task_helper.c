/*
 * Hardware task switching for the interpreter, after SDM vol. 3A chapter 7:
 * far JMP and CALL to a TSS descriptor or a task gate, IRET with EFLAGS.NT
 * set (return to the task named by the link field), and events whose IDT
 * entry is a task gate (the error code goes on the new task's stack). The
 * switch follows 7.3: the checks on the new TSS descriptor and its limit,
 * the outgoing state saved to the current TSS (32- or 16-bit format, 7.2.1
 * and 7.6), the busy flags, NT and the previous-task link by the kind of
 * switch (table 7-2, 7.4), CR0.TS, then CR3 (32-bit TSS with paging), the
 * LDTR, CS, SS and the data segments with the checks and error codes of
 * table 7-1; faults from that point on belong to the new task. In IA-32e
 * mode every task switch raises #GP (7.7). Left out: the #DB that the TSS T
 * flag requests after the switch (logged under -d unimp), switches into
 * virtual-8086 mode (the VM flag is dropped, logged), and the limit checks
 * of the error-code push on the new stack beyond SS's own limit.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "internal.h"
#include "task_helper.h"

/* 32-bit TSS fields (SDM vol. 3A figure 7-2) */
#define TSS32_LINK   0x00
#define TSS32_CR3    0x1c
#define TSS32_EIP    0x20
#define TSS32_EFLAGS 0x24
#define TSS32_REGS   0x28   /* EAX..EDI, 4 bytes each, in R_* order */
#define TSS32_SEGS   0x48   /* ES, CS, SS, DS, FS, GS, 4 bytes each */
#define TSS32_LDT    0x60
#define TSS32_TRAP   0x64   /* bit 0: T (debug trap on switch) */
#define TSS32_MIN_LIMIT 0x67
/* 16-bit TSS fields (figure 7-11) */
#define TSS16_LINK   0x00
#define TSS16_IP     0x0e
#define TSS16_FLAGS  0x10
#define TSS16_REGS   0x12   /* AX..DI, 2 bytes each */
#define TSS16_SEGS   0x22   /* ES, CS, SS, DS, 2 bytes each */
#define TSS16_LDT    0x2a
#define TSS16_MIN_LIMIT 0x2b

/* System descriptor types (table 3-2) */
#define TYPE_TSS16_AVAIL 1
#define TYPE_LDT         2
#define TYPE_TSS16_BUSY  3
#define TYPE_TASK_GATE   5
#define TYPE_TSS32_AVAIL 9
#define TYPE_TSS32_BUSY  11
#define TYPE_TSS_BUSY_BIT (2u << DESC_TYPE_SHIFT)

/* The EFLAGS bits a task switch loads (all but VM, which is not modelled). */
#define TASK_EFLAGS_MASK (TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK \
                          | RF_MASK | AC_MASK | VIF_MASK | VIP_MASK | ID_MASK)

typedef struct TaskState {
    uint32_t cr3, eip, eflags, regs[8];
    uint16_t segs[6], ldt;
    bool trap;
} TaskState;

static inline uint32_t d_base(uint32_t e1, uint32_t e2)
{
    return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000);
}

static inline uint32_t d_limit(uint32_t e1, uint32_t e2)
{
    uint32_t limit = (e1 & 0xffff) | (e2 & 0x000f0000);
    return (e2 & DESC_G_MASK) ? (limit << 12) | 0xfff : limit;
}

static inline int d_type(uint32_t e2)
{
    return (e2 >> DESC_TYPE_SHIFT) & 0xf;
}

static inline int d_dpl(uint32_t e2)
{
    return (e2 >> DESC_DPL_SHIFT) & 3;
}

/* Linear address of the descriptor sel names (GDT or LDT); false when it
 * lies beyond the table limit. Only legacy mode gets here: 32-bit wrap. */
static bool desc_addr(CPUX86State *env, uint16_t sel, uint32_t *lin)
{
    uint64_t base = (sel & 4) ? env->ldt.base : env->gdt.base;
    uint32_t limit = (sel & 4) ? env->ldt.limit : env->gdt.limit;
    uint32_t idx = sel & ~7u;
    if ((sel & 4) && (env->ldt.selector & ~3u) == 0) {
        return false;
    }
    if (idx + 7 > limit) {
        return false;
    }
    *lin = (uint32_t)(base + idx);
    return true;
}

static bool read_desc(CPUX86State *env, uint16_t sel, uint32_t *e1,
                      uint32_t *e2)
{
    uint32_t lin;
    if (!desc_addr(env, sel, &lin)) {
        return false;
    }
    *e1 = cpu_ld_kernel(env, lin, 2);
    *e2 = cpu_ld_kernel(env, lin + 4, 2);
    return true;
}

static void write_desc_hi(CPUX86State *env, uint16_t sel, uint32_t e2)
{
    uint32_t lin;
    if (desc_addr(env, sel, &lin)) {
        cpu_st_kernel(env, lin + 4, 2, e2);
    }
}

static bool is_tss_type(int type)
{
    return type == TYPE_TSS16_AVAIL || type == TYPE_TSS16_BUSY
           || type == TYPE_TSS32_AVAIL || type == TYPE_TSS32_BUSY;
}

/*
 * The TSS selector named by a task gate or an IRET link: it must be in the
 * GDT and name a TSS, available (busy for IRET) and present. bad_vec is
 * the exception for a wrong selector or type (#GP, or #TS for IRET).
 */
static void check_tss_sel(CPUX86State *env, uint16_t tss_sel, bool want_busy,
                          int bad_vec, uint32_t ext, uint32_t *e1,
                          uint32_t *e2)
{
    uint32_t err = (tss_sel & 0xfffc) | ext;
    if ((tss_sel & 4) || !read_desc(env, tss_sel, e1, e2)) {
        raise_exception_err(env, bad_vec, err);
    }
    int type = d_type(*e2);
    if ((*e2 & DESC_S_MASK) || !is_tss_type(type)
        || !!(*e2 & TYPE_TSS_BUSY_BIT) != want_busy) {
        raise_exception_err(env, bad_vec, err);
    }
    if (!(*e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NP, err);
    }
}

static void read_task_state(CPUX86State *env, uint32_t base, bool is32,
                            TaskState *ts)
{
    if (is32) {
        ts->cr3 = cpu_ld_kernel(env, base + TSS32_CR3, 2);
        ts->eip = cpu_ld_kernel(env, base + TSS32_EIP, 2);
        ts->eflags = cpu_ld_kernel(env, base + TSS32_EFLAGS, 2);
        for (int i = 0; i < 8; i++) {
            ts->regs[i] = cpu_ld_kernel(env, base + TSS32_REGS + i * 4, 2);
        }
        for (int i = 0; i < 6; i++) {
            ts->segs[i] = cpu_ld_kernel(env, base + TSS32_SEGS + i * 4, 1);
        }
        ts->ldt = cpu_ld_kernel(env, base + TSS32_LDT, 1);
        ts->trap = cpu_ld_kernel(env, base + TSS32_TRAP, 1) & 1;
    } else {
        ts->cr3 = 0;
        ts->eip = cpu_ld_kernel(env, base + TSS16_IP, 1);
        ts->eflags = cpu_ld_kernel(env, base + TSS16_FLAGS, 1);
        for (int i = 0; i < 8; i++) {
            ts->regs[i] = cpu_ld_kernel(env, base + TSS16_REGS + i * 2, 1);
        }
        for (int i = 0; i < 4; i++) {
            ts->segs[i] = cpu_ld_kernel(env, base + TSS16_SEGS + i * 2, 1);
        }
        /* a 16-bit TSS has no FS or GS: they become null */
        ts->segs[R_FS] = ts->segs[R_GS] = 0;
        ts->ldt = cpu_ld_kernel(env, base + TSS16_LDT, 1);
        ts->trap = false;
    }
}

/* Save the dynamic fields of the outgoing task (7.2.1: not CR3, the LDTR
 * or the privileged stacks). */
static void save_task_state(CPUX86State *env, uint32_t base, bool is32,
                            uint32_t eip, uint32_t eflags)
{
    if (is32) {
        cpu_st_kernel(env, base + TSS32_EIP, 2, eip);
        cpu_st_kernel(env, base + TSS32_EFLAGS, 2, eflags);
        for (int i = 0; i < 8; i++) {
            cpu_st_kernel(env, base + TSS32_REGS + i * 4, 2,
                          (uint32_t)env->regs[i]);
        }
        for (int i = 0; i < 6; i++) {
            cpu_st_kernel(env, base + TSS32_SEGS + i * 4, 1,
                          env->segs[i].selector);
        }
    } else {
        cpu_st_kernel(env, base + TSS16_IP, 1, eip & 0xffff);
        cpu_st_kernel(env, base + TSS16_FLAGS, 1, eflags & 0xffff);
        for (int i = 0; i < 8; i++) {
            cpu_st_kernel(env, base + TSS16_REGS + i * 2, 1,
                          env->regs[i] & 0xffff);
        }
        for (int i = 0; i < 4; i++) {
            cpu_st_kernel(env, base + TSS16_SEGS + i * 2, 1,
                          env->segs[i].selector);
        }
    }
}

static void set_accessed(CPUX86State *env, uint16_t sel, uint32_t *e2)
{
    if (!(*e2 & DESC_A_MASK)) {
        *e2 |= DESC_A_MASK;
        write_desc_hi(env, sel, *e2);
    }
}

/* Load the new task's LDTR (table 7-1: every error is #TS(LDT selector)). */
static void load_task_ldt(CPUX86State *env, uint16_t sel, uint32_t ext)
{
    uint32_t e1, e2;
    if (load_null_ldt(env, sel)) {
        return;
    }
    if ((sel & 4) || !read_desc(env, sel, &e1, &e2)
        || (e2 & DESC_S_MASK) || d_type(e2) != TYPE_LDT
        || !(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0A_TS, (sel & 0xfffc) | ext);
    }
    env->ldt.selector = sel;
    env->ldt.base = d_base(e1, e2);
    env->ldt.limit = d_limit(e1, e2);
    env->ldt.flags = e2 & 0x00f0ff00;
}

/* Load one segment register of the new task with the checks of table 7-1
 * (CS, then SS, then the data segments). The CPL is CS.RPL by now. */
static void load_task_seg(CPUX86State *env, int seg, uint16_t sel,
                          uint32_t ext)
{
    uint32_t e1, e2;
    uint32_t err = (sel & 0xfffc) | ext;
    int c = sel & 3;

    if (seg != R_CS) {
        c = cpl(env);
    }
    if ((sel & ~3u) == 0) {
        if (seg == R_CS || seg == R_SS) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        cpu_x86_set_seg(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!read_desc(env, sel, &e1, &e2) || !(e2 & DESC_S_MASK)) {
        raise_exception_err(env, EXCP0A_TS, err);
    }
    int dpl = d_dpl(e2);
    bool code = e2 & DESC_CS_MASK;
    switch (seg) {
    case R_CS:
        if (!code) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        if ((e2 & DESC_C_MASK) ? dpl > c : dpl != c) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NP, err);
        }
        break;
    case R_SS:
        if (code || !(e2 & DESC_W_MASK) || dpl != c || (sel & 3) != c) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0C_SS, err);
        }
        break;
    default:
        if (code && !(e2 & DESC_R_MASK)) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        if ((!code || !(e2 & DESC_C_MASK))
            && (dpl < c || dpl < (sel & 3))) {
            raise_exception_err(env, EXCP0A_TS, err);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NP, err);
        }
        break;
    }
    set_accessed(env, sel, &e2);
    cpu_x86_set_seg(env, seg, sel, d_base(e1, e2), d_limit(e1, e2),
                    e2 & 0x00f0ff00);
}

/*
 * The switch itself (SDM vol. 3A 7.3 steps 3-13) to the TSS tss_sel with
 * descriptor (e1, e2), whose type the caller has checked. eip is what the
 * outgoing task resumes at.
 */
static void switch_task(CPUX86State *env, uint16_t tss_sel, uint32_t e1,
                        uint32_t e2, TaskSwitchSource src, uint32_t eip,
                        uint32_t ext)
{
    bool is32 = d_type(e2) & 8;
    uint32_t base = d_base(e1, e2);
    uint32_t limit = d_limit(e1, e2);
    TaskState ts;

    /* step 3: the new TSS must hold a whole TSS of its format */
    if (limit < (is32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT)) {
        raise_exception_err(env, EXCP0A_TS, (tss_sel & 0xfffc) | ext);
    }
    /* the current TSS likewise, as it is written */
    bool old32 = (env->tr.flags >> DESC_TYPE_SHIFT) & 8;
    uint32_t old_base = (uint32_t)env->tr.base;
    if ((env->tr.selector & ~3u) == 0
        || env->tr.limit < (old32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT)) {
        raise_exception_err(env, EXCP0A_TS, (env->tr.selector & 0xfffc) | ext);
    }
    qemu_log_mask(CPU_LOG_INT, "task switch (%s) from TSS 0x%04x to 0x%04x\n",
                  src == TASK_SWITCH_JMP ? "jmp" : src == TASK_SWITCH_CALL
                  ? "call" : src == TASK_SWITCH_IRET ? "iret" : "int",
                  env->tr.selector, tss_sel);

    /* read the whole incoming state before changing anything, so that a
     * page fault here is taken in the outgoing task (7.3 step 4) */
    read_task_state(env, base, is32, &ts);

    /* steps 6-9: save the outgoing task; IRET clears NT in the saved
     * image, JMP and IRET make the outgoing TSS available */
    uint32_t eflags = (uint32_t)cpu_get_eflags(env);
    if (src == TASK_SWITCH_IRET) {
        eflags &= ~NT_MASK;
    }
    save_task_state(env, old_base, old32, eip, eflags);
    if (src == TASK_SWITCH_JMP || src == TASK_SWITCH_IRET) {
        uint32_t o1, o2;
        if (read_desc(env, env->tr.selector & ~4u, &o1, &o2)) {
            write_desc_hi(env, env->tr.selector & ~4u, o2 & ~TYPE_TSS_BUSY_BIT);
        }
    }
    /* step 10-11: nesting (7.4) and the busy flag of the new TSS */
    if (src == TASK_SWITCH_CALL || src == TASK_SWITCH_INT) {
        cpu_st_kernel(env, base + (is32 ? TSS32_LINK : TSS16_LINK), 1,
                      env->tr.selector);
        ts.eflags |= NT_MASK;
    }
    if (src != TASK_SWITCH_IRET) {
        e2 |= TYPE_TSS_BUSY_BIT;
        write_desc_hi(env, tss_sel, e2);
    }

    /* step 12: from here on the new task is current; later faults are
     * delivered in its context */
    env->tr.selector = tss_sel;
    env->tr.base = base;
    env->tr.limit = limit;
    env->tr.flags = e2 & 0x00f0ff00;
    env->cr[0] |= CR0_TS;
    env->end_block = true;

    if (is32 && (env->cr[0] & CR0_PG)) {
        helper_write_cr(env, 3, ts.cr3);
    }
    uint32_t mask = TASK_EFLAGS_MASK;
    if (!is32) {
        mask &= 0xffff;
    }
    if (ts.eflags & VM_MASK) {
        qemu_log_mask(LOG_UNIMP, "task switch into virtual-8086 mode "
                      "(TSS 0x%04x): VM flag ignored\n", tss_sel);
    }
    cpu_set_eflags(env, ts.eflags & ~VM_MASK, mask);
    env->rip = ts.eip;
    for (int i = 0; i < 8; i++) {
        env->regs[i] = is32 ? ts.regs[i]
                            : (env->regs[i] & ~0xffffull) | ts.regs[i];
    }
    /* the selectors first, with empty caches, so that a fault while
     * loading the descriptors leaves the new task's selectors visible */
    for (int i = 0; i < 6; i++) {
        cpu_x86_set_seg(env, i, ts.segs[i], 0, 0, 0);
    }
    load_task_ldt(env, ts.ldt, ext);
    load_task_seg(env, R_CS, ts.segs[R_CS], ext);
    load_task_seg(env, R_SS, ts.segs[R_SS], ext);
    load_task_seg(env, R_DS, ts.segs[R_DS], ext);
    load_task_seg(env, R_ES, ts.segs[R_ES], ext);
    load_task_seg(env, R_FS, ts.segs[R_FS], ext);
    load_task_seg(env, R_GS, ts.segs[R_GS], ext);
    update_hflags(env);
    if (ts.trap) {
        qemu_log_mask(LOG_UNIMP, "TSS 0x%04x T flag: #DB after the task "
                      "switch is not modelled\n", tss_sel);
    }
    /* step 13: EIP must lie within the new CS */
    if (env->rip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
}

void helper_task_jmp_call(CPUX86State *env, uint16_t sel, uint32_t e1,
                          uint32_t e2, TaskSwitchSource src,
                          uint64_t next_eip)
{
    int type = d_type(e2);
    int dpl = d_dpl(e2);
    int c = cpl(env);
    uint16_t tss_sel = sel;

    if (env->hflags & HF_LMA) {
        /* no task switches in IA-32e mode (7.7) */
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (dpl < c || dpl < (sel & 3)) {
        raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
    }
    if (type == TYPE_TASK_GATE) {
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
        }
        tss_sel = e1 >> 16;
        check_tss_sel(env, tss_sel, false, EXCP0D_GP, 0, &e1, &e2);
    } else {
        /* TSS descriptors live in the GDT only (7.2.2) */
        if (!is_tss_type(type) || (e2 & TYPE_TSS_BUSY_BIT) || (sel & 4)) {
            raise_exception_err(env, EXCP0D_GP, sel & 0xfffc);
        }
        if (!(e2 & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NP, sel & 0xfffc);
        }
    }
    switch_task(env, tss_sel, e1, e2, src, (uint32_t)next_eip, 0);
}

void helper_task_iret(CPUX86State *env)
{
    uint32_t e1, e2;
    DecodedInsn d;
    uint64_t phys2;

    if (env->hflags & HF_LMA) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    /* the outgoing task resumes after this IRET: its length, prefixes
     * included, from the decoder */
    uint64_t pc = (uint32_t)(env->segs[R_CS].base + env->rip);
    decode_insn(env, pc, &d, true, &phys2);
    uint32_t next_eip = (uint32_t)(env->rip + d.len);
    if (!(env->hflags & HF_CS32)) {
        next_eip &= 0xffff;
    }
    uint16_t link = cpu_ld_kernel(env, (uint32_t)env->tr.base, 1);
    check_tss_sel(env, link, true, EXCP0A_TS, 0, &e1, &e2);
    switch_task(env, link, e1, e2, TASK_SWITCH_IRET, next_eip, 0);
}

void helper_task_gate_int(CPUX86State *env, uint32_t e1, uint64_t ret_eip,
                          bool has_err, uint32_t err, uint32_t ext)
{
    uint32_t t1, t2;
    uint16_t tss_sel = e1 >> 16;

    check_tss_sel(env, tss_sel, false, EXCP0D_GP, ext, &t1, &t2);
    switch_task(env, tss_sel, t1, t2, TASK_SWITCH_INT, (uint32_t)ret_eip, ext);
    if (has_err) {
        /* the error code goes on the new task's stack, sized by its TSS */
        int sz = (d_type(t2) & 8) ? 2 : 1;
        unsigned n = 1u << sz;
        uint64_t mask = (env->segs[R_SS].flags & DESC_B_MASK) ? 0xffffffffull
                                                              : 0xffff;
        uint64_t sp = (env->regs[R_ESP] - n) & mask;
        seg_check_slow(env, R_SS, sp, n, true);
        cpu_st_mmu(env, (uint32_t)(env->segs[R_SS].base + sp), sz, err,
                   cpu_mmu_index(env));
        env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | sp;
    }
}
