/*
 * Integer instructions run with given operands and input flags, their
 * result, second result (RDX/AH, the other XADD operand...), the flags after
 * them and the eight condition codes SETcc sees right after them. The same
 * inline-assembly functions are compiled twice: into a host program that
 * runs them on the build machine's CPU and writes the expected values
 * (gen-arith.c), and into the guest (arith.c) that runs them on the
 * emulated CPU and compares. Flags the SDM leaves undefined are masked
 * (arith_undefined).
 */
#ifndef ARITH_OPS_H
#define ARITH_OPS_H

#include <stdint.h>

typedef uintptr_t areg;

struct arith_res {
    areg r, r2, f;
    uint8_t cc[8];          /* SETO SETB SETE SETBE SETS SETP SETL SETLE */
};

typedef void (*arith_fn)(areg a, areg b, areg c, areg fin,
                         struct arith_res *o);

enum arith_kind {
    K_ARITH, K_LOGIC, K_SHIFT, K_ROT, K_RC, K_SHXD, K_MUL, K_DIV, K_BT,
    K_BSF, K_NONE, K_INCDEC, K_XCHG,
};

struct arith_op {
    const char *name;
    arith_fn fn;
    int size;               /* operand bits */
    enum arith_kind kind;
    int count_arg;          /* 0: none; 1: b is a count; 2: c is a count */
};

#define FL_CF 0x001
#define FL_PF 0x004
#define FL_AF 0x010
#define FL_ZF 0x040
#define FL_SF 0x080
#define FL_OF 0x800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define CC_ASM "seto %[c0]\n\tsetb %[c1]\n\tsete %[c2]\n\tsetbe %[c3]\n\t" \
               "sets %[c4]\n\tsetp %[c5]\n\tsetl %[c6]\n\tsetle %[c7]\n\t" \
               "pushf\n\tpop %[f]\n\t"
#define CC_OUT(o) [c0]"=m"((o)->cc[0]), [c1]"=m"((o)->cc[1]), \
                  [c2]"=m"((o)->cc[2]), [c3]"=m"((o)->cc[3]), \
                  [c4]"=m"((o)->cc[4]), [c5]"=m"((o)->cc[5]), \
                  [c6]"=m"((o)->cc[6]), [c7]"=m"((o)->cc[7])
#define SETF "push %[f]\n\tpopf\n\t"

/* op %b, %a */
#define DEF_BIN(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %" #m "[b], %" #m "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [f]"+r"(f), CC_OUT(o) : [b]"q"(b) : "cc"); \
    o->r = a; o->r2 = b; o->f = f; (void)c; \
}
/* op %a */
#define DEF_UN(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %" #m "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [f]"+r"(f), CC_OUT(o) : : "cc"); \
    o->r = a; o->r2 = 0; o->f = f; (void)b; (void)c; \
}
/* op %cl, %a */
#define DEF_SHIFT(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %%cl, %" #m "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [f]"+r"(f), CC_OUT(o) : "c"(b) : "cc"); \
    o->r = a; o->r2 = 0; o->f = f; (void)c; \
}
/* op $imm, %a (shift by an immediate count) */
#define DEF_SHIFTI(name, insn, m, imm) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " $" #imm ", %" #m "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [f]"+r"(f), CC_OUT(o) : : "cc"); \
    o->r = a; o->r2 = 0; o->f = f; (void)b; (void)c; \
}
/* shld/shrd %cl, %b, %a */
#define DEF_SHXD(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %%cl, %" #m "[b], %" #m "[a]\n\t" CC_ASM \
                     : [a]"+r"(a), [f]"+r"(f), CC_OUT(o) : [b]"r"(b), "c"(c) \
                     : "cc"); \
    o->r = a; o->r2 = 0; o->f = f; \
}
/* mul/imul/div/idiv %b with A and D */
#define DEF_AD(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin, d = c; \
    __asm__ volatile(SETF insn " %" #m "[b]\n\t" CC_ASM \
                     : "+a"(a), "+d"(d), [f]"+r"(f), CC_OUT(o) : [b]"q"(b) \
                     : "cc"); \
    o->r = a; o->r2 = d; o->f = f; \
}
/* cbw family: A (and D) */
#define DEF_A(name, insn) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin, d = c; \
    __asm__ volatile(SETF insn "\n\t" CC_ASM \
                     : "+a"(a), "+d"(d), [f]"+r"(f), CC_OUT(o) : : "cc"); \
    o->r = a; o->r2 = d; o->f = f; (void)b; \
}
/* imul $imm, %b, %a */
#define DEF_IMUL3(name, insn, m, imm) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " $" #imm ", %" #m "[b], %" #m "[a]\n\t" CC_ASM \
                     : [a]"+r"(a), [f]"+r"(f), CC_OUT(o) : [b]"r"(b) : "cc"); \
    o->r = a; o->r2 = 0; o->f = f; (void)c; \
}
/* xadd %b, %a: both change */
#define DEF_XADD(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %" #m "[b], %" #m "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [b]"+q"(b), [f]"+r"(f), CC_OUT(o) : : "cc"); \
    o->r = a; o->r2 = b; o->f = f; (void)c; \
}
/* cmpxchg %c, %b with the accumulator a */
#define DEF_CMPXCHG(name, insn, m) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %" #m "[c], %" #m "[b]\n\t" CC_ASM \
                     : "+a"(a), [b]"+q"(b), [f]"+r"(f), CC_OUT(o) : [c]"q"(c) \
                     : "cc"); \
    o->r = a; o->r2 = b; o->f = f; \
}

/* op %b, %a with different operand sizes (MOVSX/MOVZX) */
#define DEF_BIN2(name, insn, mb, ma) \
static void name(areg a, areg b, areg c, areg fin, struct arith_res *o) \
{ \
    areg f = fin; \
    __asm__ volatile(SETF insn " %" #mb "[b], %" #ma "[a]\n\t" CC_ASM \
                     : [a]"+q"(a), [f]"+r"(f), CC_OUT(o) : [b]"q"(b) : "cc"); \
    o->r = a; o->r2 = b; o->f = f; (void)c; \
}

#define DEF_BIN_ALL(op) \
    DEF_BIN(op##_8, #op "b", b) DEF_BIN(op##_16, #op "w", w) \
    DEF_BIN(op##_32, #op "l", k)
#define DEF_UN_ALL(op) \
    DEF_UN(op##_8, #op "b", b) DEF_UN(op##_16, #op "w", w) \
    DEF_UN(op##_32, #op "l", k)
#define DEF_SHIFT_ALL(op) \
    DEF_SHIFT(op##_8, #op "b", b) DEF_SHIFT(op##_16, #op "w", w) \
    DEF_SHIFT(op##_32, #op "l", k) \
    DEF_SHIFTI(op##_i1_32, #op "l", k, 1) DEF_SHIFTI(op##_i5_8, #op "b", b, 5)
#define DEF_AD_ALL(op) \
    DEF_AD(op##_8, #op "b", b) DEF_AD(op##_16, #op "w", w) \
    DEF_AD(op##_32, #op "l", k)

DEF_BIN_ALL(add) DEF_BIN_ALL(adc) DEF_BIN_ALL(sub) DEF_BIN_ALL(sbb)
DEF_BIN_ALL(and) DEF_BIN_ALL(or) DEF_BIN_ALL(xor) DEF_BIN_ALL(cmp)
DEF_BIN_ALL(test)
DEF_UN_ALL(inc) DEF_UN_ALL(dec) DEF_UN_ALL(neg) DEF_UN_ALL(not)
DEF_SHIFT_ALL(shl) DEF_SHIFT_ALL(shr) DEF_SHIFT_ALL(sar)
DEF_SHIFT_ALL(rol) DEF_SHIFT_ALL(ror) DEF_SHIFT_ALL(rcl) DEF_SHIFT_ALL(rcr)
DEF_SHXD(shld_16, "shldw", w) DEF_SHXD(shld_32, "shldl", k)
DEF_SHXD(shrd_16, "shrdw", w) DEF_SHXD(shrd_32, "shrdl", k)
DEF_AD_ALL(mul) DEF_AD_ALL(imul) DEF_AD_ALL(div) DEF_AD_ALL(idiv)
DEF_BIN(imul2_16, "imulw", w) DEF_BIN(imul2_32, "imull", k)
DEF_IMUL3(imul3_16, "imulw", w, -3) DEF_IMUL3(imul3_32, "imull", k, 0x1234)
DEF_BIN(bt_16, "btw", w) DEF_BIN(bt_32, "btl", k)
DEF_BIN(bts_16, "btsw", w) DEF_BIN(bts_32, "btsl", k)
DEF_BIN(btr_16, "btrw", w) DEF_BIN(btr_32, "btrl", k)
DEF_BIN(btc_16, "btcw", w) DEF_BIN(btc_32, "btcl", k)
DEF_BIN(bsf_16, "bsfw", w) DEF_BIN(bsf_32, "bsfl", k)
DEF_BIN(bsr_16, "bsrw", w) DEF_BIN(bsr_32, "bsrl", k)
DEF_UN(bswap_32, "bswapl", k)
DEF_XADD(xadd_8, "xaddb", b) DEF_XADD(xadd_16, "xaddw", w)
DEF_XADD(xadd_32, "xaddl", k)
DEF_CMPXCHG(cmpxchg_8, "cmpxchgb", b) DEF_CMPXCHG(cmpxchg_16, "cmpxchgw", w)
DEF_CMPXCHG(cmpxchg_32, "cmpxchgl", k)
DEF_A(cbw_16, "cbtw") DEF_A(cwde_32, "cwtl") DEF_A(cwd_16, "cwtd")
DEF_A(cdq_32, "cltd")
DEF_BIN2(movsbw_16, "movsbw", b, w) DEF_BIN2(movzbw_16, "movzbw", b, w)
DEF_BIN2(movswl_32, "movswl", w, k) DEF_BIN2(movzbl_32, "movzbl", b, k)

#ifdef __x86_64__
DEF_BIN(add_64, "addq", q) DEF_BIN(adc_64, "adcq", q)
DEF_BIN(sub_64, "subq", q) DEF_BIN(sbb_64, "sbbq", q)
DEF_BIN(and_64, "andq", q) DEF_BIN(or_64, "orq", q)
DEF_BIN(xor_64, "xorq", q) DEF_BIN(cmp_64, "cmpq", q)
DEF_BIN(test_64, "testq", q)
DEF_UN(inc_64, "incq", q) DEF_UN(dec_64, "decq", q)
DEF_UN(neg_64, "negq", q) DEF_UN(not_64, "notq", q)
DEF_SHIFT(shl_64, "shlq", q) DEF_SHIFT(shr_64, "shrq", q)
DEF_SHIFT(sar_64, "sarq", q) DEF_SHIFT(rol_64, "rolq", q)
DEF_SHIFT(ror_64, "rorq", q) DEF_SHIFT(rcl_64, "rclq", q)
DEF_SHIFT(rcr_64, "rcrq", q)
DEF_SHXD(shld_64, "shldq", q) DEF_SHXD(shrd_64, "shrdq", q)
DEF_AD(mul_64, "mulq", q) DEF_AD(imul_64, "imulq", q)
DEF_AD(div_64, "divq", q) DEF_AD(idiv_64, "idivq", q)
DEF_BIN(imul2_64, "imulq", q) DEF_IMUL3(imul3_64, "imulq", q, -77)
DEF_BIN(bt_64, "btq", q) DEF_BIN(bts_64, "btsq", q)
DEF_BIN(btr_64, "btrq", q) DEF_BIN(btc_64, "btcq", q)
DEF_BIN(bsf_64, "bsfq", q) DEF_BIN(bsr_64, "bsrq", q)
DEF_UN(bswap_64, "bswapq", q)
DEF_XADD(xadd_64, "xaddq", q) DEF_CMPXCHG(cmpxchg_64, "cmpxchgq", q)
DEF_A(cdqe_64, "cltq") DEF_A(cqo_64, "cqto")
DEF_BIN2(movslq_64, "movslq", k, q) DEF_BIN2(movzwq_64, "movzwq", w, q)
#endif

#define OP(n, sz, kind, cnt) { #n, n, sz, kind, cnt },
#define OPS3(p, kind, cnt) OP(p##_8, 8, kind, cnt) OP(p##_16, 16, kind, cnt) \
                           OP(p##_32, 32, kind, cnt)

static const struct arith_op arith_ops[] = {
    OPS3(add, K_ARITH, 0) OPS3(adc, K_ARITH, 0) OPS3(sub, K_ARITH, 0)
    OPS3(sbb, K_ARITH, 0) OPS3(and, K_LOGIC, 0) OPS3(or, K_LOGIC, 0)
    OPS3(xor, K_LOGIC, 0) OPS3(cmp, K_ARITH, 0) OPS3(test, K_LOGIC, 0)
    OPS3(inc, K_INCDEC, 0) OPS3(dec, K_INCDEC, 0) OPS3(neg, K_ARITH, 0)
    OPS3(not, K_NONE, 0)
    OPS3(shl, K_SHIFT, 1) OPS3(shr, K_SHIFT, 1) OPS3(sar, K_SHIFT, 1)
    OPS3(rol, K_ROT, 1) OPS3(ror, K_ROT, 1) OPS3(rcl, K_RC, 1)
    OPS3(rcr, K_RC, 1)
    OP(shl_i1_32, 32, K_SHIFT, 0) OP(shr_i1_32, 32, K_SHIFT, 0)
    OP(sar_i1_32, 32, K_SHIFT, 0) OP(rol_i1_32, 32, K_ROT, 0)
    OP(ror_i1_32, 32, K_ROT, 0) OP(rcl_i1_32, 32, K_RC, 0)
    OP(rcr_i1_32, 32, K_RC, 0)
    OP(shl_i5_8, 8, K_SHIFT, 0) OP(shr_i5_8, 8, K_SHIFT, 0)
    OP(sar_i5_8, 8, K_SHIFT, 0) OP(rol_i5_8, 8, K_ROT, 0)
    OP(ror_i5_8, 8, K_ROT, 0) OP(rcl_i5_8, 8, K_RC, 0)
    OP(rcr_i5_8, 8, K_RC, 0)
    OP(shld_16, 16, K_SHXD, 2) OP(shld_32, 32, K_SHXD, 2)
    OP(shrd_16, 16, K_SHXD, 2) OP(shrd_32, 32, K_SHXD, 2)
    OPS3(mul, K_MUL, 0) OPS3(imul, K_MUL, 0) OPS3(div, K_DIV, 0)
    OPS3(idiv, K_DIV, 0)
    OP(imul2_16, 16, K_MUL, 0) OP(imul2_32, 32, K_MUL, 0)
    OP(imul3_16, 16, K_MUL, 0) OP(imul3_32, 32, K_MUL, 0)
    OP(bt_16, 16, K_BT, 0) OP(bt_32, 32, K_BT, 0)
    OP(bts_16, 16, K_BT, 0) OP(bts_32, 32, K_BT, 0)
    OP(btr_16, 16, K_BT, 0) OP(btr_32, 32, K_BT, 0)
    OP(btc_16, 16, K_BT, 0) OP(btc_32, 32, K_BT, 0)
    OP(bsf_16, 16, K_BSF, 0) OP(bsf_32, 32, K_BSF, 0)
    OP(bsr_16, 16, K_BSF, 0) OP(bsr_32, 32, K_BSF, 0)
    OP(bswap_32, 32, K_NONE, 0)
    OPS3(xadd, K_XCHG, 0) OPS3(cmpxchg, K_XCHG, 0)
    OP(cbw_16, 16, K_NONE, 0) OP(cwde_32, 32, K_NONE, 0)
    OP(cwd_16, 16, K_NONE, 0) OP(cdq_32, 32, K_NONE, 0)
    OP(movsbw_16, 16, K_NONE, 0) OP(movzbw_16, 16, K_NONE, 0)
    OP(movswl_32, 32, K_NONE, 0) OP(movzbl_32, 32, K_NONE, 0)
#ifdef __x86_64__
    /* 64-bit operations last, so op numbers agree in 32-bit guests */
    OP(add_64, 64, K_ARITH, 0) OP(adc_64, 64, K_ARITH, 0)
    OP(sub_64, 64, K_ARITH, 0) OP(sbb_64, 64, K_ARITH, 0)
    OP(and_64, 64, K_LOGIC, 0) OP(or_64, 64, K_LOGIC, 0)
    OP(xor_64, 64, K_LOGIC, 0) OP(cmp_64, 64, K_ARITH, 0)
    OP(test_64, 64, K_LOGIC, 0)
    OP(inc_64, 64, K_INCDEC, 0) OP(dec_64, 64, K_INCDEC, 0)
    OP(neg_64, 64, K_ARITH, 0) OP(not_64, 64, K_NONE, 0)
    OP(shl_64, 64, K_SHIFT, 1) OP(shr_64, 64, K_SHIFT, 1)
    OP(sar_64, 64, K_SHIFT, 1) OP(rol_64, 64, K_ROT, 1)
    OP(ror_64, 64, K_ROT, 1) OP(rcl_64, 64, K_RC, 1) OP(rcr_64, 64, K_RC, 1)
    OP(shld_64, 64, K_SHXD, 2) OP(shrd_64, 64, K_SHXD, 2)
    OP(mul_64, 64, K_MUL, 0) OP(imul_64, 64, K_MUL, 0)
    OP(div_64, 64, K_DIV, 0) OP(idiv_64, 64, K_DIV, 0)
    OP(imul2_64, 64, K_MUL, 0) OP(imul3_64, 64, K_MUL, 0)
    OP(bt_64, 64, K_BT, 0) OP(bts_64, 64, K_BT, 0)
    OP(btr_64, 64, K_BT, 0) OP(btc_64, 64, K_BT, 0)
    OP(bsf_64, 64, K_BSF, 0) OP(bsr_64, 64, K_BSF, 0)
    OP(bswap_64, 64, K_NONE, 0)
    OP(xadd_64, 64, K_XCHG, 0) OP(cmpxchg_64, 64, K_XCHG, 0)
    OP(cdqe_64, 64, K_NONE, 0) OP(cqo_64, 64, K_NONE, 0)
    OP(movslq_64, 64, K_NONE, 0) OP(movzwq_64, 64, K_NONE, 0)
#endif
};
#define ARITH_NOPS (sizeof(arith_ops) / sizeof(arith_ops[0]))

/* Flags the SDM leaves undefined for this op and these inputs; *res_undef
 * is set when the result itself is undefined. */
static inline unsigned arith_undefined(const struct arith_op *op, uint64_t b,
                                       uint64_t c, int *res_undef)
{
    unsigned bits = op->size;
    uint64_t count = op->count_arg == 1 ? b : c;
    *res_undef = 0;
    if (op->count_arg == 0 && (op->kind == K_SHIFT || op->kind == K_ROT
                               || op->kind == K_RC)) {
        /* immediate shifts: the count is in the name (_i1_ or _i5_) */
        count = op->name[4] == '1' || op->name[5] == '1' ? 1 : 5;
    }
    count &= bits == 64 ? 63 : 31;
    switch (op->kind) {
    case K_LOGIC:
        return FL_AF;
    case K_SHIFT:
        if (count == 0) {
            return 0;
        }
        return FL_AF | (count != 1 ? FL_OF : 0) | (count >= bits ? FL_CF : 0);
    case K_ROT:
    case K_RC:
        return count != 1 && count != 0 ? FL_OF : 0;
    case K_SHXD:
        if (count == 0) {
            return 0;
        }
        if (count > bits) {
            *res_undef = 1;
            return FL_ARITH;
        }
        return FL_AF | (count != 1 ? FL_OF : 0) | (count >= bits ? FL_CF : 0);
    case K_MUL:
        return FL_SF | FL_ZF | FL_AF | FL_PF;
    case K_DIV:
        return FL_ARITH;
    case K_BT:
        return FL_OF | FL_SF | FL_AF | FL_PF;
    case K_BSF:
        if ((b & (bits == 64 ? ~0ull : (1ull << bits) - 1)) == 0) {
            *res_undef = 1;
        }
        return FL_CF | FL_OF | FL_SF | FL_AF | FL_PF;
    default:
        return 0;
    }
}

/* The flags each of the eight SETcc conditions reads. */
static const unsigned arith_cc_flags[8] = {
    FL_OF, FL_CF, FL_ZF, FL_CF | FL_ZF, FL_SF, FL_PF, FL_SF | FL_OF,
    FL_ZF | FL_SF | FL_OF,
};

#endif
