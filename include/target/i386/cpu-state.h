/*
 * CPUX86State: the architectural register state of one vCPU, and the run
 * state the execution loop needs. Owned by the interpreter work
 * (target/i386/tcg); cpu.c only resets it.
 */
#ifndef LAPIS_TARGET_I386_CPU_STATE_H
#define LAPIS_TARGET_I386_CPU_STATE_H

#include <stdint.h>
#include <stdbool.h>

enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint32_t flags;             /* descriptor bits 40-47 and 52-55, in place (<<8) */
} SegmentCache;

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

typedef enum X86RunState {
    X86_RUN_RUNNING,
    X86_RUN_HALTED,             /* HLT */
    X86_RUN_WAIT_FOR_SIPI,      /* AP after INIT */
    X86_RUN_STOPPED,            /* not started (qtest, or paused) */
} X86RunState;

/* One x87 data register in its 80-bit extended format (SDM vol. 1 4.2.2):
 * 64-bit significand with the explicit integer bit, then sign and 15-bit
 * exponent. MMX register i is the significand of physical register i. */
typedef struct X87Reg {
    uint64_t mant;
    uint16_t sign_exp;
} X87Reg;

/* One XMM register, viewed at every element width. */
typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
    float s[4];
    double d[2];
} XMMReg;

typedef struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;
    SegmentCache segs[6];
    SegmentCache ldt, tr;
    DescTable gdt, idt;
    uint64_t cr[5];             /* cr0, (cr1 unused), cr2, cr3, cr4 */
    uint64_t dr[8];
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask;
    uint64_t kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc_aux;
    uint64_t misc_enable;
    uint64_t mtrr_deftype;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16];      /* base/mask pairs for 8 variable MTRRs */
    /* x87 FPU (SDM vol. 1 ch. 8). TOP is fpu_sw bits 13:11; ST(i) is
     * fpregs[(TOP + i) & 7]. fpu_tw is the full tag word, two bits per
     * physical register (3 = empty); FXSAVE stores the abridged form. */
    uint16_t fpu_cw, fpu_sw;
    uint16_t fpu_tw;
    uint16_t fpu_fop;           /* last non-control opcode, 11 bits */
    uint16_t fpu_cs, fpu_ds;
    uint64_t fpu_ip, fpu_dp;    /* last instruction and operand pointers */
    X87Reg fpregs[8];
    /* SSE (SDM vol. 1 ch. 10-11): XMM0-15 and MXCSR. */
    XMMReg xmm[16];
    uint32_t mxcsr;
    X86RunState run_state;
    /* The interpreter adds its own fields below this line. */

    /*
     * Lazy condition codes (target/i386/tcg/cc_helper.c). Inside the
     * interpreter the arithmetic flags (CF PF AF ZF SF OF) are derived from
     * the last flag-setting operation: cc_op names it (kind and size) and
     * cc_dst/cc_src/cc_src2 hold its result and operands. Outside the
     * interpreter cc_op is CC_OP_EFLAGS and rflags is complete.
     */
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t cc_op;
    /* Mode bits cached from CR0, EFER, CS, SS and the shadows (HF_*). */
    uint32_t hflags;
    /* Pending events set by other threads (atomics; X86_INTR_*). */
    uint32_t interrupt_request;
    /* The exception being delivered, for #DF and triple fault (-1: none). */
    int old_exception;
    /* CR8 (the task priority) while no LAPIC provides it. */
    uint64_t cr8;
    /* NMI delivered and not yet ended by IRET. */
    bool nmi_blocked;
    /* Set by an instruction after which the current block must end (MMIO
     * or code-page store, OUT, HLT, a changed mode). */
    bool end_block;
    /* Interpreter state (target/i386/tcg): TLB, the exception jump buffer,
     * the block cache; allocated by tcg_x86_cpu_init. */
    struct X86TCGState *tcg;
    /* Checked at interpreter entry: a mismatch means the fields above were
     * cleared by a reset and the interpreter state is rebuilt. */
    uint32_t tcg_magic;
} CPUX86State;

#endif
