/*
 * x87 instruction cases shared by the build-host generator (gen-fpu.c, run
 * natively on the host CPU at build time) and the guest program (fpu.c, run
 * on the emulated CPU): the same byte sequences run on both over the same
 * operands and control words, and the guest compares a hash of everything
 * each case leaves behind (three stack slots, the status word after the
 * instruction and after the stores, ZF/PF/CF, the memory operand).
 * Every case starts from FNINIT with all exceptions masked, so host and
 * guest never trap. Works compiled for i386 and for x86-64.
 */
#ifndef FPU_CASES_H
#define FPU_CASES_H

#include <stdint.h>

struct f80 {
    uint64_t m;
    uint16_t e;
} __attribute__((packed));

struct fx_out {
    struct f80 r[3];
    uint16_t sw1, sw2;
    uint8_t cf, zf, pf, pad;
    uint8_t mem[16];
} __attribute__((packed));

/* The stack is empty before and after each case; code built without x87
 * registers (-mgeneral-regs-only) cannot name them as clobbers. */
#ifndef FX_X87_CLOBBERS
#define FX_X87_CLOBBERS , "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", \
    "st(6)", "st(7)"
#endif

/* Operands: ST(0) from `a`, ST(1) from `b`, then the instruction. ZF=1,
 * PF=1, CF=0 before it (from XOR) so FCMOVcc and FCOMI have known inputs.
 * After it, the flags are read and cleared (FNSTSW and FNCLEX do not wait)
 * and every exception masked, so an unmasked exception the instruction
 * raised is never delivered, on the host or in the guest. */
static const uint16_t fx_cw_masked = 0x037f;
#define FX_ASM(insn) \
    __asm__ volatile( \
        "xorl %%eax, %%eax\n\tfninit\n\tfldcw %[cw]\n\t" \
        "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t" \
        "fnstsw %[sw1]\n\tsetc %[cf]\n\tsetz %[zf]\n\tsetp %[pf]\n\t" \
        "fnclex\n\tfldcw %[cwm]\n\t" \
        "fstpt %[r0]\n\tfstpt %[r1]\n\tfstpt %[r2]\n\tfnstsw %[sw2]\n\t" \
        "fninit" \
        : [r0] "=m"(o->r[0]), [r1] "=m"(o->r[1]), [r2] "=m"(o->r[2]), \
          [sw1] "=m"(o->sw1), [sw2] "=m"(o->sw2), [cf] "=m"(o->cf), \
          [zf] "=m"(o->zf), [pf] "=m"(o->pf), [mem] "+m"(o->mem) \
        : [cw] "m"(cw), [cwm] "m"(fx_cw_masked), [a] "m"(*a), [b] "m"(*b) \
        : "eax", "cc", "memory" FX_X87_CLOBBERS)

/* Operand kinds: which loops the case runs over. */
enum { FX_UNARY, FX_BINARY, FX_MEM };

#define FX_OPS(X) \
    X(FX_BINARY, "fadd %%st(1), %%st") \
    X(FX_BINARY, "fsub %%st(1), %%st") \
    X(FX_BINARY, "fsubr %%st(1), %%st") \
    X(FX_BINARY, "fmul %%st(1), %%st") \
    X(FX_BINARY, "fdiv %%st(1), %%st") \
    X(FX_BINARY, "fdivr %%st(1), %%st") \
    X(FX_BINARY, "fadd %%st, %%st(1)") \
    X(FX_BINARY, "fsub %%st, %%st(1)") \
    X(FX_BINARY, "fdivr %%st, %%st(1)") \
    X(FX_BINARY, "faddp") \
    X(FX_BINARY, "fsubp") \
    X(FX_BINARY, "fsubrp") \
    X(FX_BINARY, "fmulp") \
    X(FX_BINARY, "fdivp") \
    X(FX_BINARY, "fdivrp") \
    X(FX_BINARY, "fcom %%st(1)") \
    X(FX_BINARY, "fcomp %%st(1)") \
    X(FX_BINARY, "fcompp") \
    X(FX_BINARY, "fucom %%st(1)") \
    X(FX_BINARY, "fucomp %%st(1)") \
    X(FX_BINARY, "fucompp") \
    X(FX_BINARY, "fcomi %%st(1), %%st") \
    X(FX_BINARY, "fcomip %%st(1), %%st") \
    X(FX_BINARY, "fucomi %%st(1), %%st") \
    X(FX_BINARY, "fucomip %%st(1), %%st") \
    X(FX_BINARY, "fprem") \
    X(FX_BINARY, "fprem1") \
    X(FX_BINARY, "fscale") \
    X(FX_BINARY, "fyl2x") \
    X(FX_BINARY, "fyl2xp1") \
    X(FX_BINARY, "fpatan") \
    X(FX_BINARY, "fxch %%st(1)") \
    X(FX_BINARY, "fcmovb %%st(1), %%st") \
    X(FX_BINARY, "fcmove %%st(1), %%st") \
    X(FX_BINARY, "fcmovu %%st(1), %%st") \
    X(FX_BINARY, "fcmovnbe %%st(1), %%st") \
    X(FX_BINARY, "fst %%st(1)") \
    X(FX_BINARY, "fstp %%st(1)") \
    X(FX_BINARY, "ffree %%st(1)") \
    X(FX_UNARY, "fchs") \
    X(FX_UNARY, "fabs") \
    X(FX_UNARY, "ftst") \
    X(FX_UNARY, "fxam") \
    X(FX_UNARY, "fsqrt") \
    X(FX_UNARY, "frndint") \
    X(FX_UNARY, "fxtract") \
    X(FX_UNARY, "f2xm1") \
    X(FX_UNARY, "fptan") \
    X(FX_UNARY, "fsin") \
    X(FX_UNARY, "fcos") \
    X(FX_UNARY, "fsincos") \
    X(FX_UNARY, "fld %%st(0)") \
    X(FX_UNARY, "fld1") \
    X(FX_UNARY, "fldl2t") \
    X(FX_UNARY, "fldl2e") \
    X(FX_UNARY, "fldpi") \
    X(FX_UNARY, "fldlg2") \
    X(FX_UNARY, "fldln2") \
    X(FX_UNARY, "fldz") \
    X(FX_UNARY, "fincstp") \
    X(FX_UNARY, "fdecstp") \
    X(FX_UNARY, "fnop") \
    X(FX_UNARY, "ffree %%st(0)\n\tfxam") \
    X(FX_BINARY, "ffree %%st(1)\n\tfadd %%st(1), %%st") \
    X(FX_BINARY, "ffree %%st(0)\n\tfmul %%st, %%st(1)") \
    X(FX_BINARY, "ffree %%st(1)\n\tfaddp") \
    X(FX_BINARY, "ffree %%st(1)\n\tfcomp %%st(1)") \
    X(FX_BINARY, "ffree %%st(1)\n\tfucomip %%st(1), %%st") \
    X(FX_BINARY, "ffree %%st(1)\n\tfxch %%st(1)") \
    X(FX_BINARY, "ffree %%st(1)\n\tfcmove %%st(1), %%st") \
    X(FX_BINARY, "ffree %%st(1)\n\tfcmovne %%st(1), %%st") \
    X(FX_BINARY, "ffree %%st(1)\n\tfld %%st(1)") \
    X(FX_BINARY, "ffree %%st(0)\n\tfstp %%st(1)") \
    X(FX_BINARY, "ffree %%st(0)\n\tfchs") \
    X(FX_BINARY, "ffree %%st(1)\n\tfprem") \
    X(FX_BINARY, "ffree %%st(1)\n\tfyl2x") \
    X(FX_BINARY, "ffree %%st(0)\n\tfsqrt") \
    X(FX_BINARY, "ffree %%st(0)\n\tfptan") \
    X(FX_BINARY, "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t" \
                 "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfptan") \
    X(FX_BINARY, "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t" \
                 "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfxtract") \
    X(FX_BINARY, "fdecstp\n\tfdecstp\n\tfld1") \
    X(FX_UNARY, "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t" \
                "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)") \
    X(FX_MEM, "fadds %[mem]") \
    X(FX_MEM, "faddl %[mem]") \
    X(FX_MEM, "fsubs %[mem]") \
    X(FX_MEM, "fsubrl %[mem]") \
    X(FX_MEM, "fmuls %[mem]") \
    X(FX_MEM, "fdivl %[mem]") \
    X(FX_MEM, "fdivrs %[mem]") \
    X(FX_MEM, "fiadds %[mem]") \
    X(FX_MEM, "fiaddl %[mem]") \
    X(FX_MEM, "fisubrl %[mem]") \
    X(FX_MEM, "fidivs %[mem]") \
    X(FX_MEM, "fimull %[mem]") \
    X(FX_MEM, "fcoms %[mem]") \
    X(FX_MEM, "fcompl %[mem]") \
    X(FX_MEM, "ficoms %[mem]") \
    X(FX_MEM, "ficompl %[mem]") \
    X(FX_MEM, "flds %[mem]") \
    X(FX_MEM, "fldl %[mem]") \
    X(FX_MEM, "filds %[mem]") \
    X(FX_MEM, "fildl %[mem]") \
    X(FX_MEM, "fildll %[mem]") \
    X(FX_MEM, "fbld %[mem]") \
    X(FX_MEM, "fldt %[mem]") \
    X(FX_MEM, "fsts %[mem]") \
    X(FX_MEM, "fstl %[mem]") \
    X(FX_MEM, "fstps %[mem]") \
    X(FX_MEM, "fstpl %[mem]") \
    X(FX_MEM, "fists %[mem]") \
    X(FX_MEM, "fistl %[mem]") \
    X(FX_MEM, "fistpll %[mem]") \
    X(FX_MEM, "fisttps %[mem]") \
    X(FX_MEM, "fisttpl %[mem]") \
    X(FX_MEM, "fisttpll %[mem]") \
    X(FX_MEM, "fbstp %[mem]") \
    X(FX_MEM, "fstpt %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfstps %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfstl %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfistpll %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfisttps %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfbstp %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfstpt %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tfadds %[mem]") \
    X(FX_MEM, "ffree %%st(0)\n\tficompl %[mem]") \
    X(FX_MEM, "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t" \
              "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tflds %[mem]") \
    X(FX_MEM, "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t" \
              "fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfildll %[mem]")

#define FX_KIND(kind, insn) kind,
static const uint8_t fx_kinds[] = { FX_OPS(FX_KIND) };
#undef FX_KIND
#define FX_NAME(kind, insn) insn,
static const char *const fx_names[] = { FX_OPS(FX_NAME) };
#undef FX_NAME
#define FX_NOPS (sizeof(fx_kinds) / sizeof(fx_kinds[0]))

static void fx_run(unsigned op, uint16_t cw, const struct f80 *a,
                   const struct f80 *b, struct fx_out *o)
{
    unsigned n = 0;
#define FX_CASE(kind, insn) if (op == n++) { FX_ASM(insn); return; }
    FX_OPS(FX_CASE)
#undef FX_CASE
}

/* Register operands: signed zeros, ordinary values, the extremes,
 * a denormal, infinities, NaNs, an unnormal, and values whose low bits
 * make rounding visible. */
static const struct f80 fx_vals[] = {
    { 0, 0 }, { 0, 0x8000 },
    { 0x8000000000000000ull, 0x3fff },          /* 1 */
    { 0xc000000000000000ull, 0xbfff },          /* -1.5 */
    { 0xc90fdaa22168c235ull, 0x4000 },          /* pi */
    { 0xaaaaaaaaaaaaaaabull, 0x3ffd },          /* 1/3 */
    { 0x8000000000000001ull, 0x3fff },          /* 1 + 2^-63 */
    { 0xe800000000000000ull, 0xc001 },          /* -7.25 */
    { 0x8000000000000000ull, 0x4045 },          /* 2^70 */
    { 0xffffffffffffffffull, 0x7ffe },          /* largest finite */
    { 0x8000000000000000ull, 0x0001 },          /* smallest normal */
    { 0x0000000000000123ull, 0x0000 },          /* denormal */
    { 0x8000000000000000ull, 0xffff },          /* -infinity */
    { 0xc000000000000001ull, 0x7fff },          /* QNaN */
    { 0x8000000000000001ull, 0xffff },          /* SNaN */
    { 0x4000000000000000ull, 0x4000 },          /* unnormal */
};
#define FX_NVALS (sizeof(fx_vals) / sizeof(fx_vals[0]))

/* Memory operands, read as m16/m32/m64 integers, m32/m64 reals, m80 and
 * packed BCD depending on the instruction. */
static const struct {
    uint64_t lo;
    uint16_t hi;
} fx_mems[] = {
    { 0x3ff8000000000000ull, 0x3fff },  /* 1.5 (m64); +0.0f; 0 */
    { 0x000000003fc00000ull, 0x0000 },  /* 1.5f; a denormal double */
    { 0xbff0000080000001ull, 0x8000 },  /* -denormal float; int16 1 */
    { 0x7ff0000000000000ull, 0x7fff },  /* +inf double */
    { 0x7ff400007f800001ull, 0x4000 },  /* SNaN double and float */
    { 0x0000000000001234ull, 0x0000 },  /* BCD 1234; int 0x1234 */
    { 0xffffffffffffff85ull, 0xffff },  /* -123 in every width */
    { 0x4330000000000007ull, 0x403e },  /* 2^52 + 7 */
};
#define FX_NMEMS (sizeof(fx_mems) / sizeof(fx_mems[0]))

/* Control words: all exceptions masked; PC extended, double, single;
 * RC down, up, toward zero; then every exception unmasked, and all but
 * precision unmasked with PC single and RC toward zero. */
static const uint16_t fx_cws[] = { 0x037f, 0x027f, 0x007f, 0x077f, 0x0b7f,
                                   0x0f7f, 0x0340, 0x0c60 };
#define FX_NCWS (sizeof(fx_cws) / sizeof(fx_cws[0]))

static inline uint32_t fx_hash(const struct fx_out *o)
{
    const uint8_t *p = (const uint8_t *)o;
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < sizeof(*o); i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

/*
 * Visit every case in a fixed order: cb(index, op, cw, a, b, mem) with the
 * case's output. Unary ops run over `a` (ST(1) = 1.0), binary over a x b,
 * memory ops over a x mem (ST(1) = -1.5).
 */
typedef void (*fx_visit)(unsigned idx, unsigned op, unsigned cw, unsigned a,
                         unsigned b, const struct fx_out *o);

static void fx_for_each(fx_visit cb)
{
    unsigned idx = 0;
    for (unsigned c = 0; c < FX_NCWS; c++) {
        for (unsigned op = 0; op < FX_NOPS; op++) {
            unsigned nb = fx_kinds[op] == FX_BINARY ? FX_NVALS
                          : fx_kinds[op] == FX_MEM ? FX_NMEMS : 1;
            for (unsigned a = 0; a < FX_NVALS; a++) {
                for (unsigned b = 0; b < nb; b++) {
                    struct fx_out o;
                    __builtin_memset(&o, 0, sizeof(o));
                    const struct f80 *bv = &fx_vals[2];
                    if (fx_kinds[op] == FX_BINARY) {
                        bv = &fx_vals[b];
                    } else if (fx_kinds[op] == FX_MEM) {
                        bv = &fx_vals[3];
                        __builtin_memcpy(o.mem, &fx_mems[b].lo, 8);
                        __builtin_memcpy(o.mem + 8, &fx_mems[b].hi, 2);
                    }
                    fx_run(op, fx_cws[c], &fx_vals[a], bv, &o);
                    cb(idx++, op, c, a, b, &o);
                }
            }
        }
    }
}

#endif
