/*
 * The x87 FPU of the interpreter: the register stack (TOP in the status
 * word, the full tag word, the eight 80-bit registers of CPUX86State), the
 * escape opcodes D8-DF (SDM vol. 2 appendix A.4) and their instructions,
 * the exception flags and masked responses of SDM vol. 1 8.5, #MF at the
 * next waiting instruction when CR0.NE=1, #NM from CR0.EM/TS/MP (vol. 3A
 * 2.5, table 2-2), and the FPU instruction/data pointers and opcode.
 * Arithmetic runs on the host's own x87 unit (lapis needs an x86 host): each
 * guest operation loads its operands into the host FPU under the guest's
 * precision and rounding control (and, where the host can stop cleanly,
 * its exception masks), executes the same instruction, and reads back the
 * host status word, so results, the rounding-up bit C1, the condition codes
 * and the exception flags are those of real hardware. What the guest sees
 * of an unmasked exception the host ran masked is built here.
 * Not modelled: with CR0.NE=0 an unmasked exception does not freeze the
 * FPU and raise FERR#/IRQ13 (MS-DOS style reporting); the pending
 * exception is ignored, as if IGNNE# were asserted, until FNCLEX/FNINIT.
 * Unmasked overflow/underflow in the instructions that push or pop (FPTAN,
 * FSINCOS, FXTRACT, FYL2X, FYL2XP1, FPATAN) store the masked response, not
 * the exponent-biased result of SDM vol. 1 8.5.4/8.5.5; the arithmetic
 * instructions store the biased result.
 */
#include "qemu/osdep.h"
#include "internal.h"
#include "ops.h"
#include "target/i386/tcg/x87.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "the x87 model runs guest arithmetic on the host x87 unit: x86 hosts only"
#endif

/* Status word (SDM vol. 1 8.1.3):
 * 15 B | 14 C3 | 13-11 TOP | 10 C2 | 9 C1 | 8 C0 | 7 ES | 6 SF |
 * 5 PE | 4 UE | 3 OE | 2 ZE | 1 DE | 0 IE */
#define FSW_IE  0x0001
#define FSW_DE  0x0002
#define FSW_ZE  0x0004
#define FSW_OE  0x0008
#define FSW_UE  0x0010
#define FSW_PE  0x0020
#define FSW_SF  0x0040
#define FSW_ES  0x0080
#define FSW_C0  0x0100
#define FSW_C1  0x0200
#define FSW_C2  0x0400
#define FSW_TOP_SHIFT 11
#define FSW_TOP 0x3800
#define FSW_C3  0x4000
#define FSW_B   0x8000
#define FSW_EXC 0x003f
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* Control word (SDM vol. 1 8.1.5):
 * 12 X (infinity control, ignored) | 11-10 RC | 9-8 PC | 5-0 masks */
#define FCW_MASKS 0x003f
#define FCW_PC  0x0300
#define FCW_RC  0x0c00
#define FCW_RC_CHOP 0x0c00
/* Bits 13-15 and 7 read as 0, bit 6 as 1 (as the host FPU shows). */
#define FCW_WRITABLE 0x1f3f
#define FCW_ONES 0x0040

#define FCW_IM  0x0001      /* invalid-operation mask */
#define FCW_INIT 0x037f     /* FNINIT (SDM vol. 2 FINIT/FNINIT) */

/* The values the masked responses store (SDM vol. 1 4.8.3.7, table 4-3). */
static const X87Reg x87_indefinite = { 0xc000000000000000ull, 0xffff };
#define F32_INDEFINITE 0xffc00000u
#define F64_INDEFINITE 0xfff8000000000000ull

/* --- conversions and classes (include/target/i386/tcg/x87.h) --- */

long double x87_reg_to_ld(X87Reg r)
{
    long double v = 0;
    memcpy(&v, &r.mant, 8);
    memcpy((uint8_t *)&v + 8, &r.sign_exp, 2);
    return v;
}

X87Reg x87_reg_from_ld(long double v)
{
    X87Reg r = { 0, 0 };
    memcpy(&r.mant, &v, 8);
    memcpy(&r.sign_exp, (uint8_t *)&v + 8, 2);
    return r;
}

X87Class x87_classify(X87Reg r)
{
    unsigned exp = r.sign_exp & 0x7fff;
    bool j = r.mant >> 63;

    if (exp == 0) {
        return r.mant == 0 ? X87_CLASS_ZERO : X87_CLASS_DENORMAL;
    }
    if (!j) {
        return X87_CLASS_UNSUPPORTED;   /* unnormal, pseudo-NaN/infinity */
    }
    if (exp == 0x7fff) {
        return (r.mant << 1) ? X87_CLASS_NAN : X87_CLASS_INFINITY;
    }
    return X87_CLASS_NORMAL;
}

unsigned x87_tag_of(X87Reg r)
{
    switch (x87_classify(r)) {
    case X87_CLASS_NORMAL: return X87_TAG_VALID;
    case X87_CLASS_ZERO: return X87_TAG_ZERO;
    default: return X87_TAG_SPECIAL;
    }
}

/* --- the host x87 unit ---
 *
 * Each operation is one asm block that clears the host's exception flags,
 * loads its operands from memory, runs the instruction, saves the status
 * word and clears the flags again before storing results, so nothing the
 * compiler emits around it can change the flags and no host exception is
 * left pending. The caller has loaded the guest's PC and RC (host_enter)
 * and either every mask or the guest's masks: the latter only where the
 * asm block copes with an unmasked exception stopping the instruction
 * before it changes the stack depth (instructions that neither push nor
 * pop, and HOST_POPPING). With the guest's
 * masks the host produces the unmasked responses too (the exponent-biased
 * result of an unmasked overflow or underflow, SDM vol. 1 8.5.4-8.5.5). */

typedef struct HostFPU {
    uint16_t saved_cw;
} HostFPU;

static inline HostFPU host_enter(uint16_t guest_cw, bool guest_masks)
{
    HostFPU h;
    uint16_t cw = (guest_cw & (FCW_PC | FCW_RC)) | 0x40
                  | (guest_masks ? guest_cw & FCW_MASKS : FCW_MASKS);
    __asm__ volatile("fnstcw %0" : "=m"(h.saved_cw));
    __asm__ volatile("fnclex\n\tfldcw %0" : : "m"(cw) : "memory");
    return h;
}

static inline void host_leave(HostFPU h)
{
    __asm__ volatile("fnclex\n\tfldcw %0" : : "m"(h.saved_cw) : "memory");
}

#define HOST_X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", \
    "st(6)", "st(7)", "memory"

/* st(0) = a, st(1) = b, result from st(0) */
#define HOST_BINARY(insn, r, sw, a, b) \
    __asm__ volatile("fnclex\n\tfldt %3\n\tfldt %2\n\t" insn "\n\t" \
                     "fnstsw %%ax\n\tfnclex\n\tfstpt %0\n\tfstp %%st(0)" \
                     : "=m"(r), "=a"(sw) : "m"(a), "m"(b) : HOST_X87_CLOBBERS)
/* st(0) = a, result from st(0) */
#define HOST_UNARY(insn, r, sw, a) \
    __asm__ volatile("fnclex\n\tfldt %2\n\t" insn "\n\tfnstsw %%ax\n\tfnclex\n\tfstpt %0" \
                     : "=m"(r), "=a"(sw) : "m"(a) : HOST_X87_CLOBBERS)
/* push a constant */
#define HOST_CONST(insn, r, sw) \
    __asm__ volatile("fnclex\n\t" insn "\n\tfnstsw %%ax\n\tfnclex\n\tfstpt %0" \
                     : "=m"(r), "=a"(sw) : : HOST_X87_CLOBBERS)

/* st(0) = a, st(1) = b; the instruction stores into st(1) and pops,
 * unless an unmasked exception stops it: then both registers are left and
 * TOP (saved before it) is unchanged, and the extra one is dropped. */
#define HOST_POPPING(insn, r, sw, a, b) do { \
        uint16_t sw_before; \
        __asm__ volatile("fnclex\n\tfldt %4\n\tfldt %3\n\tfnstsw %2\n\t" \
                         insn "\n\tfnstsw %%ax\n\tfnclex\n\tfstpt %0\n\t" \
                         "movw %2, %%dx\n\txorw %%ax, %%dx\n\t" \
                         "testw $0x3800, %%dx\n\tjnz 1f\n\tfstp %%st(0)\n1:" \
                         : "=m"(r), "=a"(sw), "=m"(sw_before) : "m"(a), "m"(b) \
                         : HOST_X87_CLOBBERS, "dx", "cc"); \
    } while (0)

enum HostOp {
    HOP_ADD, HOP_MUL, HOP_SUB, HOP_DIV, HOP_PREM, HOP_PREM1, HOP_SCALE,
    HOP_YL2X, HOP_YL2XP1, HOP_PATAN, HOP_COM, HOP_UCOM,
    HOP_SQRT, HOP_RNDINT, HOP_2XM1, HOP_SIN, HOP_COS, HOP_TST,
};

/* a = st(0), b = st(1) of the instruction. */
static long double host_binary(enum HostOp op, long double a, long double b,
                               uint16_t *sw)
{
    long double r = 0;
    uint16_t s = 0;

    switch (op) {
    case HOP_ADD: HOST_BINARY("fadd %%st(1), %%st", r, s, a, b); break;
    case HOP_MUL: HOST_BINARY("fmul %%st(1), %%st", r, s, a, b); break;
    case HOP_SUB: HOST_BINARY("fsub %%st(1), %%st", r, s, a, b); break;
    case HOP_DIV: HOST_BINARY("fdiv %%st(1), %%st", r, s, a, b); break;
    case HOP_PREM: HOST_BINARY("fprem", r, s, a, b); break;
    case HOP_PREM1: HOST_BINARY("fprem1", r, s, a, b); break;
    case HOP_SCALE: HOST_BINARY("fscale", r, s, a, b); break;
    case HOP_COM: HOST_BINARY("fcom %%st(1)", r, s, a, b); break;
    case HOP_UCOM: HOST_BINARY("fucom %%st(1)", r, s, a, b); break;
    /* these pop: the result is left in the new st(0) (old st(1)) */
    case HOP_YL2X:
        HOST_POPPING("fyl2x", r, s, a, b);
        break;
    case HOP_YL2XP1:
        HOST_POPPING("fyl2xp1", r, s, a, b);
        break;
    case HOP_PATAN:
        HOST_POPPING("fpatan", r, s, a, b);
        break;
    case HOP_SQRT: HOST_UNARY("fsqrt", r, s, a); break;
    case HOP_RNDINT: HOST_UNARY("frndint", r, s, a); break;
    case HOP_2XM1: HOST_UNARY("f2xm1", r, s, a); break;
    case HOP_SIN: HOST_UNARY("fsin", r, s, a); break;
    case HOP_COS: HOST_UNARY("fcos", r, s, a); break;
    case HOP_TST: HOST_UNARY("ftst", r, s, a); break;
    }
    *sw = s;
    return r;
}

/*
 * FPTAN, FSINCOS and FXTRACT leave two values: `first` is the new st(0)
 * (1.0, the cosine, the significand), `second` the new st(1). When the
 * host sets C2 (operand out of range) nothing is pushed and `second` is
 * the operand, unchanged.
 */
enum { HOP2_PTAN, HOP2_SINCOS, HOP2_XTRACT };

static void host_two(int op, long double a, long double *first,
                     long double *second, uint16_t *sw)
{
    long double f = 0, s2 = 0;
    uint16_t s = 0;

    switch (op) {
    case HOP2_PTAN:
        __asm__ volatile("fnclex\n\tfldt %3\n\tfptan\n\tfnstsw %%ax\n\tfnclex\n\t"
                         "testw $0x400, %%ax\n\tjnz 1f\n\tfstpt %0\n"
                         "1:\n\tfstpt %1"
                         : "=m"(f), "=m"(s2), "=a"(s) : "m"(a)
                         : HOST_X87_CLOBBERS, "cc");
        break;
    case HOP2_SINCOS:
        __asm__ volatile("fnclex\n\tfldt %3\n\tfsincos\n\tfnstsw %%ax\n\tfnclex\n\t"
                         "testw $0x400, %%ax\n\tjnz 1f\n\tfstpt %0\n"
                         "1:\n\tfstpt %1"
                         : "=m"(f), "=m"(s2), "=a"(s) : "m"(a)
                         : HOST_X87_CLOBBERS, "cc");
        break;
    default:
        __asm__ volatile("fnclex\n\tfldt %3\n\tfxtract\n\tfnstsw %%ax\n\tfnclex\n\t"
                         "fstpt %0\n\tfstpt %1"
                         : "=m"(f), "=m"(s2), "=a"(s) : "m"(a)
                         : HOST_X87_CLOBBERS);
        break;
    }
    *first = f;
    *second = s2;
    *sw = s;
}

/* Memory operand formats (SDM vol. 1 4.2.1, 4.7). */
typedef enum MemFmt {
    MF_F32, MF_F64, MF_I16, MF_I32, MF_I64, MF_F80, MF_BCD,
} MemFmt;

static const uint8_t memfmt_bytes[] = { 4, 8, 2, 4, 8, 10, 10 };

/* Convert a memory operand (raw bytes) to extended precision. */
static long double host_load(MemFmt f, const uint8_t *m, uint16_t *sw)
{
    long double r = 0;
    uint16_t s = 0;
    uint8_t buf[10];

    memcpy(buf, m, memfmt_bytes[f]);
#define HOST_LOAD(insn) \
    __asm__ volatile("fnclex\n\t" insn " %2\n\tfnstsw %%ax\n\tfnclex\n\tfstpt %0" \
                     : "=m"(r), "=a"(s) : "m"(buf) : HOST_X87_CLOBBERS)
    switch (f) {
    case MF_F32: HOST_LOAD("flds"); break;
    case MF_F64: HOST_LOAD("fldl"); break;
    case MF_I16: HOST_LOAD("filds"); break;
    case MF_I32: HOST_LOAD("fildl"); break;
    case MF_I64: HOST_LOAD("fildll"); break;
    case MF_BCD: HOST_LOAD("fbld"); break;
    case MF_F80: HOST_LOAD("fldt"); break;
    }
#undef HOST_LOAD
    *sw = s;
    return r;
}

/* Convert to a memory format with the host's current rounding. */
static void host_store(MemFmt f, long double a, uint8_t *m, uint16_t *sw)
{
    uint8_t buf[10] = { 0 };
    uint16_t s = 0;

#define HOST_STORE(insn) \
    __asm__ volatile("fnclex\n\tfldt %2\n\t" insn " %0\n\tfnstsw %%ax\n\tfnclex" \
                     : "=m"(buf), "=a"(s) : "m"(a) : HOST_X87_CLOBBERS)
    switch (f) {
    case MF_F32: HOST_STORE("fstps"); break;
    case MF_F64: HOST_STORE("fstpl"); break;
    case MF_I16: HOST_STORE("fistps"); break;
    case MF_I32: HOST_STORE("fistpl"); break;
    case MF_I64: HOST_STORE("fistpll"); break;
    case MF_BCD: HOST_STORE("fbstp"); break;
    case MF_F80: HOST_STORE("fstpt"); break;
    }
#undef HOST_STORE
    memcpy(m, buf, memfmt_bytes[f]);
    *sw = s;
}

/*
 * Arithmetic and compares with a memory operand run as the memory form on
 * the host too: converting the operand first would report a denormal
 * operand that the instruction itself does not (a NaN in ST(0) wins).
 * HOP_SUB/HOP_DIV with `reverse` are FSUBR/FDIVR.
 */
static long double host_arith_mem(enum HostOp op, bool reverse, MemFmt f,
                                  long double a, const uint8_t *m,
                                  uint16_t *sw)
{
    long double r = 0;
    uint16_t s = 0;
    uint8_t buf[8];

    memcpy(buf, m, memfmt_bytes[f]);
#define HOST_MEM(insn) \
    __asm__ volatile("fnclex\n\tfldt %2\n\t" insn " %3\n\tfnstsw %%ax\n\tfnclex\n\t" \
                     "fstpt %0" \
                     : "=m"(r), "=a"(s) : "m"(a), "m"(buf) : HOST_X87_CLOBBERS)
#define HOST_MEM_FMT(fp, in) \
    switch (f) { \
    case MF_F32: HOST_MEM(fp "s"); break; \
    case MF_F64: HOST_MEM(fp "l"); break; \
    case MF_I16: HOST_MEM(in "s"); break; \
    default: HOST_MEM(in "l"); break; \
    }
    switch (op) {
    case HOP_ADD: HOST_MEM_FMT("fadd", "fiadd"); break;
    case HOP_MUL: HOST_MEM_FMT("fmul", "fimul"); break;
    case HOP_SUB:
        if (reverse) {
            HOST_MEM_FMT("fsubr", "fisubr");
        } else {
            HOST_MEM_FMT("fsub", "fisub");
        }
        break;
    case HOP_DIV:
        if (reverse) {
            HOST_MEM_FMT("fdivr", "fidivr");
        } else {
            HOST_MEM_FMT("fdiv", "fidiv");
        }
        break;
    default: HOST_MEM_FMT("fcom", "ficom"); break;
    }
#undef HOST_MEM_FMT
#undef HOST_MEM
    *sw = s;
    return r;
}

static long double host_const(int op, uint16_t *sw)
{
    long double r = 0;
    uint16_t s = 0;

    switch (op) {
    case OP_FLD1: HOST_CONST("fld1", r, s); break;
    case OP_FLDL2T: HOST_CONST("fldl2t", r, s); break;
    case OP_FLDL2E: HOST_CONST("fldl2e", r, s); break;
    case OP_FLDPI: HOST_CONST("fldpi", r, s); break;
    case OP_FLDLG2: HOST_CONST("fldlg2", r, s); break;
    case OP_FLDLN2: HOST_CONST("fldln2", r, s); break;
    default: HOST_CONST("fldz", r, s); break;
    }
    *sw = s;
    return r;
}

/* --- the guest register stack --- */

static inline unsigned fpu_top(CPUX86State *env)
{
    return (env->fpu_sw & FSW_TOP) >> FSW_TOP_SHIFT;
}

static inline void fpu_set_top(CPUX86State *env, unsigned top)
{
    env->fpu_sw = (env->fpu_sw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT);
}

static inline unsigned st_phys(CPUX86State *env, unsigned i)
{
    return (fpu_top(env) + i) & 7;
}

static inline unsigned phys_tag(CPUX86State *env, unsigned p)
{
    return (env->fpu_tw >> (2 * p)) & 3;
}

static inline void phys_set_tag(CPUX86State *env, unsigned p, unsigned tag)
{
    env->fpu_tw = (env->fpu_tw & ~(3u << (2 * p))) | (tag << (2 * p));
}

static inline bool st_empty(CPUX86State *env, unsigned i)
{
    return phys_tag(env, st_phys(env, i)) == X87_TAG_EMPTY;
}

static inline long double st_get(CPUX86State *env, unsigned i)
{
    return x87_reg_to_ld(env->fpregs[st_phys(env, i)]);
}

static inline void st_set_reg(CPUX86State *env, unsigned i, X87Reg r)
{
    unsigned p = st_phys(env, i);
    env->fpregs[p] = r;
    phys_set_tag(env, p, x87_tag_of(r));
}

static inline void st_set(CPUX86State *env, unsigned i, long double v)
{
    st_set_reg(env, i, x87_reg_from_ld(v));
}

static inline void fpu_pop(CPUX86State *env)
{
    phys_set_tag(env, fpu_top(env), X87_TAG_EMPTY);
    fpu_set_top(env, fpu_top(env) + 1);
}

/* Accumulate exception flags; ES and B summarise the unmasked ones. */
static void fpu_update_es(CPUX86State *env)
{
    if (env->fpu_sw & ~env->fpu_cw & FSW_EXC) {
        env->fpu_sw |= FSW_ES | FSW_B;
    } else {
        env->fpu_sw &= ~(FSW_ES | FSW_B);
    }
}

static void fpu_raise(CPUX86State *env, uint16_t exc)
{
    env->fpu_sw |= exc & (FSW_EXC | FSW_SF);
    fpu_update_es(env);
}

/* Condition codes: replace those in `mask` with `cc`. */
static inline void fpu_set_cc(CPUX86State *env, uint16_t mask, uint16_t cc)
{
    env->fpu_sw = (env->fpu_sw & ~mask) | (cc & mask);
}

static inline bool exc_unmasked(CPUX86State *env, uint16_t exc, uint16_t which)
{
    return exc & which & ~env->fpu_cw;
}

/* An unmasked invalid-operand, zero-divide or denormal exception stops the
 * instruction before its result exists, so the overflow, underflow and
 * precision flags that a masked run reports are not raised (SDM vol. 1
 * 8.7, exception priority). For the paths the host runs fully masked. */
static uint16_t exc_stopped(CPUX86State *env, uint16_t exc)
{
    if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_ZE)) {
        return exc & (FSW_IE | FSW_DE | FSW_ZE);
    }
    return exc;
}

/*
 * Stack fault (SDM vol. 1 8.5.1.1): IE and SF, C1 = 1 for overflow, 0 for
 * underflow. Returns true when the masked response should be applied.
 */
static bool fpu_stack_fault(CPUX86State *env, bool overflow)
{
    fpu_set_cc(env, FSW_C1, overflow ? FSW_C1 : 0);
    fpu_raise(env, FSW_IE | FSW_SF);
    return env->fpu_cw & FCW_IM;
}

/* Is there room for a push (is the register below TOP empty)? */
static bool fpu_push_ok(CPUX86State *env)
{
    return phys_tag(env, (fpu_top(env) - 1) & 7) == X87_TAG_EMPTY;
}

/* Push into a free register (the caller checked fpu_push_ok). */
static void fpu_push(CPUX86State *env, long double v)
{
    fpu_set_top(env, fpu_top(env) - 1);
    st_set(env, 0, v);
}

/* A push onto a full stack: the stack fault, and with IE masked the
 * indefinite is pushed (SDM vol. 1 8.5.1.1). */
static void fpu_push_overflow(CPUX86State *env)
{
    if (fpu_stack_fault(env, true)) {
        fpu_set_top(env, fpu_top(env) - 1);
        st_set_reg(env, 0, x87_indefinite);
    }
}

/* --- guest memory --- */

static void mem_read(CPUX86State *env, uint64_t lin, uint8_t *buf, unsigned n)
{
    unsigned i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v = cpu_ld(env, lin + i, 2);
        memcpy(buf + i, &v, 4);
    }
    for (; i + 2 <= n; i += 2) {
        uint16_t v = cpu_ld(env, lin + i, 1);
        memcpy(buf + i, &v, 2);
    }
}

/* Check every byte can be written first, so a fault leaves memory and the
 * FPU as they were. */
static void mem_write(CPUX86State *env, uint64_t lin, const uint8_t *buf,
                      unsigned n)
{
    probe_write(env, lin, n, cpu_mmu_index(env));
    unsigned i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v;
        memcpy(&v, buf + i, 4);
        cpu_st(env, lin + i, 2, v);
    }
    for (; i + 2 <= n; i += 2) {
        uint16_t v;
        memcpy(&v, buf + i, 2);
        cpu_st(env, lin + i, 1, v);
    }
}

/* Indefinite values of the memory formats (SDM vol. 1 table 4-3, 4.7). */
static void mem_indefinite(MemFmt f, uint8_t *buf)
{
    static const uint8_t bcd_indef[10] = {
        0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    uint32_t f32 = F32_INDEFINITE;
    uint64_t f64 = F64_INDEFINITE;
    switch (f) {
    case MF_F32: memcpy(buf, &f32, 4); break;
    case MF_F64: memcpy(buf, &f64, 8); break;
    case MF_I16: buf[0] = 0; buf[1] = 0x80; break;
    case MF_I32: memset(buf, 0, 3); buf[3] = 0x80; break;
    case MF_I64: memset(buf, 0, 7); buf[7] = 0x80; break;
    case MF_BCD: memcpy(buf, bcd_indef, 10); break;
    case MF_F80:
        memcpy(buf, &x87_indefinite.mant, 8);
        memcpy(buf + 8, &x87_indefinite.sign_exp, 2);
        break;
    }
}

/* The memory format of an escape's memory operand, for arithmetic and
 * compares (D8 m32fp, DA m32int, DC m64fp, DE m16int). */
static MemFmt arith_memfmt(unsigned esc)
{
    switch (esc) {
    case 0: return MF_F32;
    case 2: return MF_I32;
    case 4: return MF_F64;
    default: return MF_I16;
    }
}

/* Load/store operand formats by escape (D9 m32fp, DB m32int/m80fp,
 * DD m64fp/m64int, DF m16int/m64int/bcd), given the ModRM reg field. */
static MemFmt ldst_memfmt(unsigned esc, unsigned reg)
{
    switch (esc) {
    case 1: return MF_F32;
    case 3: return reg >= 5 ? MF_F80 : MF_I32;
    case 5: return reg == 1 ? MF_I64 : MF_F64;
    default:
        if (reg == 4 || reg == 6) {
            return MF_BCD;
        }
        return reg == 5 || reg == 7 ? MF_I64 : MF_I16;
    }
}

/* Host operation under the guest's control word. */
static long double fpu_binary(CPUX86State *env, enum HostOp op, long double a,
                              long double b, uint16_t *sw)
{
    HostFPU h = host_enter(env->fpu_cw, true);
    long double r = host_binary(op, a, b, sw);
    host_leave(h);
    return r;
}

static long double fpu_load_mem(CPUX86State *env, MemFmt f, uint64_t lin,
                                uint16_t *sw)
{
    uint8_t buf[10];
    mem_read(env, lin, buf, memfmt_bytes[f]);
    HostFPU h = host_enter(env->fpu_cw, false);
    long double r = host_load(f, buf, sw);
    host_leave(h);
    return r;
}

/* --- instruction groups --- */

/* FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR in every form. */
static void x87_arith(CPUX86State *env, const DecodedInsn *d, unsigned esc,
                      unsigned i, uint64_t lin)
{
    enum HostOp hop;
    bool reverse = false, pop = false;
    unsigned dst = 0;
    long double a, b;
    uint16_t sw = 0;

    switch (d->op) {
    case OP_FADD: case OP_FADDP: case OP_FIADD: hop = HOP_ADD; break;
    case OP_FMUL: case OP_FMULP: case OP_FIMUL: hop = HOP_MUL; break;
    case OP_FSUB: case OP_FSUBP: case OP_FISUB: hop = HOP_SUB; break;
    case OP_FSUBR: case OP_FSUBRP: case OP_FISUBR:
        hop = HOP_SUB; reverse = true; break;
    case OP_FDIV: case OP_FDIVP: case OP_FIDIV: hop = HOP_DIV; break;
    default: hop = HOP_DIV; reverse = true; break;
    }
    switch (d->op) {
    case OP_FADDP: case OP_FMULP: case OP_FSUBP: case OP_FSUBRP:
    case OP_FDIVP: case OP_FDIVRP:
        pop = true;
        break;
    }

    long double r;
    if (d->flags & INSN_F_MEM) {
        MemFmt f = arith_memfmt(esc);
        uint8_t buf[8];
        mem_read(env, lin, buf, memfmt_bytes[f]);
        if (st_empty(env, 0)) {
            if (fpu_stack_fault(env, false)) {
                st_set_reg(env, 0, x87_indefinite);
            }
            return;
        }
        HostFPU h = host_enter(env->fpu_cw, true);
        r = host_arith_mem(hop, reverse, f, st_get(env, 0), buf, &sw);
        host_leave(h);
    } else {
        /* D8: ST(0) = ST(0) op ST(i); DC, DE: ST(i) = ST(i) op ST(0) */
        unsigned src = 0;
        if (esc == 0) {
            src = i;
        } else {
            dst = i;
        }
        if (st_empty(env, dst) || st_empty(env, src)) {
            if (fpu_stack_fault(env, false)) {
                st_set_reg(env, dst, x87_indefinite);
                if (pop) {
                    fpu_pop(env);
                }
            }
            return;
        }
        a = st_get(env, dst);
        b = st_get(env, src);
        r = reverse ? fpu_binary(env, hop, b, a, &sw)
                    : fpu_binary(env, hop, a, b, &sw);
    }
    uint16_t exc = sw & FSW_EXC;
    if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_ZE)) {
        fpu_raise(env, exc);
        return;         /* the destination is left alone (SDM 8.5) */
    }
    st_set(env, dst, r);
    fpu_set_cc(env, FSW_C1, sw);
    fpu_raise(env, exc);
    if (pop) {
        fpu_pop(env);
    }
}

/* Compares: C3 C2 C0 = 000 (>), 001 (<), 100 (=), 111 (unordered). With
 * `to_eflags` (FCOMI family) ZF PF CF receive them instead. */
static void x87_compare(CPUX86State *env, const DecodedInsn *d, unsigned esc,
                        unsigned i, uint64_t lin)
{
    bool unordered_ok = false, to_eflags = false;
    int pops = 0;
    long double a, b = 0;
    uint16_t sw = 0;
    bool mem = d->flags & INSN_F_MEM;
    uint8_t buf[8];

    switch (d->op) {
    case OP_FCOMP: case OP_FICOMP: pops = 1; break;
    case OP_FCOMPP: pops = 2; i = 1; break;
    case OP_FUCOM: unordered_ok = true; break;
    case OP_FUCOMP: unordered_ok = true; pops = 1; break;
    case OP_FUCOMPP: unordered_ok = true; pops = 2; i = 1; break;
    case OP_FCOMI: to_eflags = true; break;
    case OP_FCOMIP: to_eflags = true; pops = 1; break;
    case OP_FUCOMI: to_eflags = true; unordered_ok = true; break;
    case OP_FUCOMIP: to_eflags = true; unordered_ok = true; pops = 1; break;
    case OP_FTST: i = 0; break;
    default: break;
    }
    if (mem) {
        mem_read(env, lin, buf, memfmt_bytes[arith_memfmt(esc)]);
    }
    uint16_t cc;
    if (st_empty(env, 0) || (!mem && d->op != OP_FTST && st_empty(env, i))) {
        /* unordered whether IE is masked or not; unmasked, no pop */
        if (!fpu_stack_fault(env, false)) {
            pops = 0;
        }
        cc = FSW_C0 | FSW_C2 | FSW_C3;
    } else {
        a = st_get(env, 0);
        HostFPU h = host_enter(env->fpu_cw, false);
        if (d->op == OP_FTST) {
            host_binary(HOP_TST, a, 0, &sw);
        } else if (mem) {
            host_arith_mem(HOP_COM, false, arith_memfmt(esc), a, buf, &sw);
        } else {
            b = st_get(env, i);
            host_binary(unordered_ok ? HOP_UCOM : HOP_COM, a, b, &sw);
        }
        host_leave(h);
        /* unmasked IE or DE: the condition codes are still set, but
         * nothing is popped (as the host FPU does) */
        uint16_t exc = sw & FSW_EXC;
        fpu_raise(env, exc);
        if (exc_unmasked(env, exc, FSW_IE | FSW_DE)) {
            pops = 0;
        }
        cc = sw & (FSW_C0 | FSW_C2 | FSW_C3);
    }
    if (to_eflags) {
        uint64_t fl = cpu_get_eflags(env) & ~(uint64_t)CC_MASK;
        fl |= (cc & FSW_C0 ? CC_C : 0) | (cc & FSW_C2 ? CC_P : 0)
              | (cc & FSW_C3 ? CC_Z : 0);
        cpu_set_eflags(env, fl, CC_MASK);
        fpu_set_cc(env, FSW_C1, 0);
    } else {
        fpu_set_cc(env, FSW_CC, cc);
    }
    while (pops-- > 0) {
        fpu_pop(env);
    }
}

/* FXAM (SDM vol. 2): C1 = sign; C3 C2 C0 name the class. */
static void x87_fxam(CPUX86State *env)
{
    X87Reg r = env->fpregs[st_phys(env, 0)];
    uint16_t cc = (r.sign_exp & 0x8000) ? FSW_C1 : 0;

    if (st_empty(env, 0)) {
        cc |= FSW_C3 | FSW_C0;
    } else {
        static const uint16_t class_cc[] = {
            [X87_CLASS_UNSUPPORTED] = 0,
            [X87_CLASS_NAN] = FSW_C0,
            [X87_CLASS_NORMAL] = FSW_C2,
            [X87_CLASS_INFINITY] = FSW_C2 | FSW_C0,
            [X87_CLASS_ZERO] = FSW_C3,
            [X87_CLASS_DENORMAL] = FSW_C3 | FSW_C2,
        };
        cc |= class_cc[x87_classify(r)];
    }
    fpu_set_cc(env, FSW_CC, cc);
}

/* One-operand ST(0) functions: FSQRT FRNDINT F2XM1 FSIN FCOS. */
static void x87_unary(CPUX86State *env, enum HostOp hop, uint16_t cc_mask)
{
    uint16_t sw;
    if (st_empty(env, 0)) {
        if (fpu_stack_fault(env, false)) {
            st_set_reg(env, 0, x87_indefinite);
        }
        return;
    }
    long double r = fpu_binary(env, hop, st_get(env, 0), 0, &sw);
    uint16_t exc = exc_stopped(env, sw & FSW_EXC);
    if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_ZE)) {
        fpu_raise(env, exc);
        return;
    }
    st_set(env, 0, r);
    fpu_set_cc(env, cc_mask, sw);
    fpu_raise(env, exc);
}

/* Two-operand functions on ST(0) and ST(1). FPREM/FPREM1/FSCALE write
 * ST(0); FYL2X/FYL2XP1/FPATAN write ST(1) and pop. */
static void x87_binary_st(CPUX86State *env, enum HostOp hop, bool pop,
                          uint16_t cc_mask)
{
    uint16_t sw;
    unsigned dst = pop ? 1 : 0;
    if (st_empty(env, 0) || st_empty(env, 1)) {
        if (fpu_stack_fault(env, false)) {
            st_set_reg(env, dst, x87_indefinite);
            if (pop) {
                fpu_pop(env);
            }
        }
        return;
    }
    long double r = fpu_binary(env, hop, st_get(env, 0), st_get(env, 1), &sw);
    uint16_t exc = exc_stopped(env, sw & FSW_EXC);
    if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_ZE)) {
        fpu_raise(env, exc);
        return;
    }
    st_set(env, dst, r);
    /* an invalid FPREM/FPREM1 leaves C0..C3 as they were; the host's
     * are not the guest's, so keep the guest's */
    if (!((exc & FSW_IE) && cc_mask == FSW_CC)) {
        fpu_set_cc(env, cc_mask, sw);
    }
    fpu_raise(env, exc);
    if (pop) {
        fpu_pop(env);
    }
}

/* FPTAN, FSINCOS, FXTRACT: ST(0) replaced, then a second value pushed. */
static void x87_two_results(CPUX86State *env, int hop2)
{
    uint16_t sw;
    long double first, second;

    if (st_empty(env, 0) || !fpu_push_ok(env)) {
        /* masked response: the indefinite in both results */
        if (fpu_stack_fault(env, !st_empty(env, 0))) {
            st_set_reg(env, 0, x87_indefinite);
            fpu_set_top(env, fpu_top(env) - 1);
            st_set_reg(env, 0, x87_indefinite);
        }
        return;
    }
    HostFPU h = host_enter(env->fpu_cw, false);
    host_two(hop2, st_get(env, 0), &first, &second, &sw);
    host_leave(h);
    uint16_t exc = exc_stopped(env, sw & FSW_EXC);
    if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_ZE)) {
        fpu_raise(env, exc);
        return;
    }
    bool out_of_range = hop2 != HOP2_XTRACT && (sw & FSW_C2);
    fpu_set_cc(env, FSW_C1 | (hop2 != HOP2_XTRACT ? FSW_C2 : 0), sw);
    if (!out_of_range) {
        st_set(env, 0, second);
        fpu_push(env, first);
    }
    fpu_raise(env, exc);
}

/* FLD/FILD/FBLD from memory and FLD ST(i). */
static void x87_load(CPUX86State *env, const DecodedInsn *d, unsigned esc,
                     unsigned i, uint64_t lin)
{
    long double v;
    uint16_t sw = 0;

    if (d->flags & INSN_F_MEM) {
        v = fpu_load_mem(env, ldst_memfmt(esc, d->sub), lin, &sw);
    } else if (st_empty(env, i)) {
        if (fpu_stack_fault(env, false) && fpu_push_ok(env)) {
            fpu_push(env, x87_reg_to_ld(x87_indefinite));
        }
        return;
    } else {
        v = st_get(env, i);
    }
    if (!fpu_push_ok(env)) {
        fpu_push_overflow(env);
        return;
    }
    /* an unmasked denormal operand still loads (as the host FPU does);
     * an unmasked invalid operand (SNaN) pushes nothing */
    uint16_t exc = sw & FSW_EXC;
    if (exc_unmasked(env, exc, FSW_IE)) {
        fpu_raise(env, exc);
        return;
    }
    fpu_set_cc(env, FSW_C1, 0);
    fpu_push(env, v);
    fpu_raise(env, exc);
}

/* FST/FSTP/FIST/FISTP/FISTTP/FBSTP to memory, FST/FSTP ST(i). */
static void x87_store(CPUX86State *env, const DecodedInsn *d, unsigned esc,
                      unsigned i, uint64_t lin)
{
    bool pop = d->op != OP_FST && d->op != OP_FIST;

    if (!(d->flags & INSN_F_MEM)) {
        if (st_empty(env, 0)) {
            if (!fpu_stack_fault(env, false)) {
                return;
            }
            st_set_reg(env, i, x87_indefinite);
        } else {
            st_set_reg(env, i, env->fpregs[st_phys(env, 0)]);
            fpu_set_cc(env, FSW_C1, 0);
        }
        if (pop) {
            fpu_pop(env);
        }
        return;
    }

    MemFmt f = ldst_memfmt(esc, d->sub);
    uint8_t buf[10];
    uint16_t sw = 0, exc = 0;
    if (st_empty(env, 0)) {
        if (!(env->fpu_cw & FSW_IE)) {
            fpu_stack_fault(env, false);
            return;
        }
        mem_indefinite(f, buf);
        mem_write(env, lin, buf, memfmt_bytes[f]);
        fpu_stack_fault(env, false);
    } else {
        uint16_t cw = env->fpu_cw;
        if (d->op == OP_FISTTP) {
            cw |= FCW_RC_CHOP;      /* SDM vol. 2 FISTTP: always truncates */
        }
        HostFPU h = host_enter(cw, false);
        host_store(f, st_get(env, 0), buf, &sw);
        host_leave(h);
        exc = sw & FSW_EXC;
        /* a memory destination is not written when IE, OE, UE or DE is
         * unmasked (SDM vol. 1 8.5.1-8.5.5) */
        if (exc_unmasked(env, exc, FSW_IE | FSW_DE | FSW_OE | FSW_UE)) {
            fpu_raise(env, exc & ~FSW_PE);  /* nothing stored: not inexact */
            return;
        }
        mem_write(env, lin, buf, memfmt_bytes[f]);
        fpu_set_cc(env, FSW_C1, sw);
        fpu_raise(env, exc);
    }
    if (pop) {
        fpu_pop(env);
    }
}

/* --- environment: FLDENV/FNSTENV/FRSTOR/FNSAVE (SDM vol. 1 8.1.10,
 * figures 8-9 to 8-12) --- */

/* The tag word as stored: empty stays empty, others from the contents. */
static uint16_t fpu_full_tag_word(CPUX86State *env)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = phys_tag(env, p) == X87_TAG_EMPTY
                       ? X87_TAG_EMPTY : x87_tag_of(env->fpregs[p]);
        tw |= tag << (2 * p);
    }
    return tw;
}

/* Real-address and virtual-8086 mode store linear pointers, (seg << 4) +
 * offset, in a different layout from protected mode's selector:offset. */
static bool env_real_format(CPUX86State *env)
{
    return !(env->hflags & HF_PE) || (env->hflags & HF_VM);
}

static unsigned fpu_store_env(CPUX86State *env, uint64_t lin, bool o32)
{
    uint8_t b[28];
    bool real = env_real_format(env);
    uint32_t fop = env->fpu_fop & 0x7ff;
    uint32_t ip = env->fpu_ip, dp = env->fpu_dp;
    uint16_t tw = fpu_full_tag_word(env);

    if (real) {
        ip += (uint32_t)env->fpu_cs << 4;
        dp += (uint32_t)env->fpu_ds << 4;
    }
#define PUT16(off, v) do { uint16_t _v = (v); memcpy(b + (off), &_v, 2); } while (0)
#define PUT32(off, v) do { uint32_t _v = (v); memcpy(b + (off), &_v, 4); } while (0)
    if (o32) {
        /* reserved upper halves read as ones, as hardware stores them */
        PUT32(0, 0xffff0000u | env->fpu_cw);
        PUT32(4, 0xffff0000u | env->fpu_sw);
        PUT32(8, 0xffff0000u | tw);
        if (real) {
            PUT32(12, 0xffff0000u | (ip & 0xffff));
            PUT32(16, ((ip >> 16) << 12) | fop);
            PUT32(20, 0xffff0000u | (dp & 0xffff));
            PUT32(24, (dp >> 16) << 12);
        } else {
            PUT32(12, ip);
            PUT32(16, env->fpu_cs | (fop << 16));
            PUT32(20, dp);
            PUT32(24, 0xffff0000u | env->fpu_ds);
        }
    } else {
        PUT16(0, env->fpu_cw);
        PUT16(2, env->fpu_sw);
        PUT16(4, tw);
        if (real) {
            PUT16(6, ip);
            PUT16(8, ((ip >> 4) & 0xf000) | fop);
            PUT16(10, dp);
            PUT16(12, (dp >> 4) & 0xf000);
        } else {
            PUT16(6, ip);
            PUT16(8, env->fpu_cs);
            PUT16(10, dp);
            PUT16(12, env->fpu_ds);
        }
    }
#undef PUT16
#undef PUT32
    unsigned n = o32 ? 28 : 14;
    mem_write(env, lin, b, n);
    return n;
}

static inline uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void fpu_apply_env(CPUX86State *env, const uint8_t *b, bool o32)
{
    bool real = env_real_format(env);
    uint16_t cw, sw, tw;
    uint32_t ip, dp, w;
#define GET16(off) get16(b + (off))
#define GET32(off) get32(b + (off))
    cw = GET16(0);
    sw = GET16(o32 ? 4 : 2);
    tw = GET16(o32 ? 8 : 4);
    if (o32) {
        if (real) {
            ip = (GET32(12) & 0xffff) | ((GET32(16) >> 12) & 0xffff) << 16;
            dp = (GET32(20) & 0xffff) | ((GET32(24) >> 12) & 0xffff) << 16;
            env->fpu_fop = GET32(16) & 0x7ff;
            env->fpu_cs = env->fpu_ds = 0;
        } else {
            ip = GET32(12);
            w = GET32(16);
            env->fpu_cs = w;
            env->fpu_fop = (w >> 16) & 0x7ff;
            dp = GET32(20);
            env->fpu_ds = GET16(24);
        }
    } else {
        if (real) {
            w = GET16(8);
            ip = GET16(6) | (uint32_t)(w & 0xf000) << 4;
            dp = GET16(10) | (uint32_t)(GET16(12) & 0xf000) << 4;
            env->fpu_fop = w & 0x7ff;
            env->fpu_cs = env->fpu_ds = 0;
        } else {
            ip = GET16(6);
            env->fpu_cs = GET16(8);
            dp = GET16(10);
            env->fpu_ds = GET16(12);
        }
    }
#undef GET16
#undef GET32
    env->fpu_ip = ip;
    env->fpu_dp = dp;
    env->fpu_cw = (cw & FCW_WRITABLE) | FCW_ONES;
    env->fpu_sw = sw;
    env->fpu_tw = tw;
    fpu_update_es(env);
}

/* After the registers are in place: non-empty tags follow the contents. */
static void fpu_retag(CPUX86State *env)
{
    env->fpu_tw = fpu_full_tag_word(env);
}

static void fpu_init(CPUX86State *env)
{
    env->fpu_cw = FCW_INIT;
    env->fpu_sw = 0;
    env->fpu_tw = 0xffff;
    env->fpu_fop = 0;
    env->fpu_ip = env->fpu_dp = 0;
    env->fpu_cs = env->fpu_ds = 0;
}

static void x87_fnsave(CPUX86State *env, uint64_t lin, bool o32)
{
    unsigned n = o32 ? 28 : 14;
    /* the whole image is checked first: a fault stores nothing */
    probe_write(env, lin, n + 80, cpu_mmu_index(env));
    fpu_store_env(env, lin, o32);
    for (unsigned i = 0; i < 8; i++) {
        X87Reg r = env->fpregs[st_phys(env, i)];
        uint8_t b[10];
        memcpy(b, &r.mant, 8);
        memcpy(b + 8, &r.sign_exp, 2);
        mem_write(env, lin + n + 10 * i, b, 10);
    }
    fpu_init(env);
}

static void x87_frstor(CPUX86State *env, uint64_t lin, bool o32)
{
    uint8_t b[28 + 80];
    unsigned n = o32 ? 28 : 14;
    mem_read(env, lin, b, n + 80);
    fpu_apply_env(env, b, o32);
    for (unsigned i = 0; i < 8; i++) {
        X87Reg r;
        memcpy(&r.mant, b + n + 10 * i, 8);
        memcpy(&r.sign_exp, b + n + 10 * i + 8, 2);
        env->fpregs[st_phys(env, i)] = r;
    }
    fpu_retag(env);
}

/* --- decode --- */

/* Register forms of D9 E0-FF (SDM vol. 2 A.4.2, the D9 table). */
static const uint16_t d9_reg_ops[32] = {
    [0x00] = OP_FCHS, [0x01] = OP_FABS, [0x04] = OP_FTST, [0x05] = OP_FXAM,
    [0x08] = OP_FLD1, [0x09] = OP_FLDL2T, [0x0a] = OP_FLDL2E,
    [0x0b] = OP_FLDPI, [0x0c] = OP_FLDLG2, [0x0d] = OP_FLDLN2,
    [0x0e] = OP_FLDZ,
    [0x10] = OP_F2XM1, [0x11] = OP_FYL2X, [0x12] = OP_FPTAN,
    [0x13] = OP_FPATAN, [0x14] = OP_FXTRACT, [0x15] = OP_FPREM1,
    [0x16] = OP_FDECSTP, [0x17] = OP_FINCSTP, [0x18] = OP_FPREM,
    [0x19] = OP_FYL2XP1, [0x1a] = OP_FSQRT, [0x1b] = OP_FSINCOS,
    [0x1c] = OP_FRNDINT, [0x1d] = OP_FSCALE, [0x1e] = OP_FSIN,
    [0x1f] = OP_FCOS,
};

/*
 * The handler for escape 0xd8 + esc with this ModRM byte (SDM vol. 2
 * A.4.1-A.4.2), or OP_UD for a reserved encoding. The undocumented aliases
 * hardware executes (D9 D8+i FSTP, DC D0+i FCOM, DC D8+i FCOMP, DD C8+i
 * FXCH, DE D0+i FCOMP, DF C8+i FXCH, DF D0+i/D8+i FSTP) decode as the
 * instructions they alias, as QEMU and real processors treat them.
 */
uint16_t x87_decode_op(unsigned esc, uint8_t modrm)
{
    static const uint16_t arith[8] = {
        OP_FADD, OP_FMUL, OP_FCOM, OP_FCOMP, OP_FSUB, OP_FSUBR, OP_FDIV,
        OP_FDIVR };
    static const uint16_t iarith[8] = {
        OP_FIADD, OP_FIMUL, OP_FICOM, OP_FICOMP, OP_FISUB, OP_FISUBR,
        OP_FIDIV, OP_FIDIVR };
    /* DC/DE register forms name the reversed operation (SDM: DC E0+i is
     * FSUBR ST(i), ST(0)) */
    static const uint16_t arith_st_i[8] = {
        OP_FADD, OP_FMUL, OP_FCOM, OP_FCOMP, OP_FSUBR, OP_FSUB, OP_FDIVR,
        OP_FDIV };
    static const uint16_t arith_pop[8] = {
        OP_FADDP, OP_FMULP, OP_FCOMP, OP_UD, OP_FSUBRP, OP_FSUBP, OP_FDIVRP,
        OP_FDIVP };
    static const uint16_t d9_mem[8] = {
        OP_FLD, OP_UD, OP_FST, OP_FSTP, OP_FLDENV, OP_FLDCW_M, OP_FNSTENV,
        OP_FNSTCW_M };
    static const uint16_t db_mem[8] = {
        OP_FILD, OP_FISTTP, OP_FIST, OP_FISTP, OP_UD, OP_FLD, OP_UD, OP_FSTP };
    static const uint16_t dd_mem[8] = {
        OP_FLD, OP_FISTTP, OP_FST, OP_FSTP, OP_FRSTOR, OP_UD, OP_FNSAVE,
        OP_FNSTSW_M };
    static const uint16_t df_mem[8] = {
        OP_FILD, OP_FISTTP, OP_FIST, OP_FISTP, OP_FBLD, OP_FILD, OP_FBSTP,
        OP_FISTP };
    static const uint16_t fcmov[8] = {
        OP_FCMOVB, OP_FCMOVE, OP_FCMOVBE, OP_FCMOVU, OP_FCMOVNB, OP_FCMOVNE,
        OP_FCMOVNBE, OP_FCMOVNU };
    unsigned reg = (modrm >> 3) & 7;
    bool mem = modrm < 0xc0;

    switch (esc & 7) {
    case 0:
        return arith[reg];
    case 1:
        if (mem) {
            return d9_mem[reg];
        }
        switch (reg) {
        case 0: return OP_FLD;
        case 1: return OP_FXCH;
        case 2: return modrm == 0xd0 ? OP_FNOP : OP_UD;
        case 3: return OP_FSTP;
        default: return d9_reg_ops[modrm - 0xe0] ? d9_reg_ops[modrm - 0xe0]
                                                 : OP_UD;
        }
    case 2:
        if (mem) {
            return iarith[reg];
        }
        if (reg < 4) {
            return fcmov[reg];
        }
        return modrm == 0xe9 ? OP_FUCOMPP : OP_UD;
    case 3:
        if (mem) {
            return db_mem[reg];
        }
        switch (reg) {
        case 0: case 1: case 2: case 3: return fcmov[reg + 4];
        case 4:
            switch (modrm) {
            case 0xe0: case 0xe1: case 0xe4: return OP_FNSETPM;
            case 0xe2: return OP_FNCLEX;
            case 0xe3: return OP_FNINIT;
            default: return OP_UD;
            }
        case 5: return OP_FUCOMI;
        case 6: return OP_FCOMI;
        default: return OP_UD;
        }
    case 4:
        return mem ? arith[reg] : arith_st_i[reg];
    case 5:
        if (mem) {
            return dd_mem[reg];
        }
        switch (reg) {
        case 0: return OP_FFREE;
        case 1: return OP_FXCH;
        case 2: return OP_FST;
        case 3: return OP_FSTP;
        case 4: return OP_FUCOM;
        case 5: return OP_FUCOMP;
        default: return OP_UD;
        }
    case 6:
        if (mem) {
            return iarith[reg];
        }
        if (reg == 3) {
            return modrm == 0xd9 ? OP_FCOMPP : OP_UD;
        }
        return arith_pop[reg];
    default:
        if (mem) {
            return df_mem[reg];
        }
        switch (reg) {
        case 0: return OP_FFREEP;
        case 1: return OP_FXCH;
        case 2: case 3: return OP_FSTP;
        case 4: return modrm == 0xe0 ? OP_FNSTSW_AX : OP_UD;
        case 5: return OP_FUCOMIP;
        case 6: return OP_FCOMIP;
        default: return OP_UD;
        }
    }
}

/* --- execution --- */

unsigned x87_mem_access(const DecodedInsn *d, bool *write)
{
    unsigned esc = (d->imm2 >> 8) & 7;
    bool o32 = d->sz != 1;

    *write = false;
    switch (d->op) {
    case OP_FNSTSW_M: case OP_FNSTCW_M:
        *write = true;
        return 2;
    case OP_FLDCW_M:
        return 2;
    case OP_FNSTENV:
        *write = true;
        return o32 ? 28 : 14;
    case OP_FLDENV:
        return o32 ? 28 : 14;
    case OP_FNSAVE:
        *write = true;
        return (o32 ? 28 : 14) + 80;
    case OP_FRSTOR:
        return (o32 ? 28 : 14) + 80;
    case OP_FST: case OP_FSTP: case OP_FIST: case OP_FISTP: case OP_FISTTP:
    case OP_FBSTP:
        *write = true;
        return memfmt_bytes[ldst_memfmt(esc, d->sub)];
    case OP_FLD: case OP_FILD: case OP_FBLD:
        return memfmt_bytes[ldst_memfmt(esc, d->sub)];
    default:
        return memfmt_bytes[arith_memfmt(esc)];
    }
}

/* Control instructions: they neither update the FPU instruction/data
 * pointers nor the last opcode (SDM vol. 1 8.1.8-8.1.9). */
static bool x87_is_control(int op)
{
    switch (op) {
    case OP_FNINIT: case OP_FNCLEX: case OP_FLDCW_M: case OP_FNSTCW_M:
    case OP_FNSTSW_AX: case OP_FNSTSW_M: case OP_FNSTENV: case OP_FLDENV:
    case OP_FNSAVE: case OP_FRSTOR: case OP_FWAIT: case OP_FNSETPM:
        return true;
    default:
        return false;
    }
}

/* The non-waiting forms: they do not check for pending exceptions. */
static bool x87_is_nowait(int op)
{
    switch (op) {
    case OP_FNINIT: case OP_FNCLEX: case OP_FNSTCW_M: case OP_FNSTSW_AX:
    case OP_FNSTSW_M: case OP_FNSTENV: case OP_FNSAVE: case OP_FNSETPM:
        return true;
    default:
        return false;
    }
}

/* A pending unmasked exception (ES) at a waiting instruction: #MF with
 * CR0.NE=1 (SDM vol. 1 8.7 describes the NE=0 path, not modelled). */
static void x87_check_pending(CPUX86State *env)
{
    if ((env->fpu_sw & FSW_ES) && (env->cr[0] & CR0_NE)) {
        raise_exception(env, EXCP10_MF);
    }
}

static bool fcmov_cond(CPUX86State *env, int op)
{
    uint32_t fl = cc_compute_all(env);
    bool r;
    switch (op) {
    case OP_FCMOVB: case OP_FCMOVNB: r = fl & CC_C; break;
    case OP_FCMOVE: case OP_FCMOVNE: r = fl & CC_Z; break;
    case OP_FCMOVBE: case OP_FCMOVNBE: r = fl & (CC_C | CC_Z); break;
    default: r = fl & CC_P; break;
    }
    switch (op) {
    case OP_FCMOVNB: case OP_FCMOVNE: case OP_FCMOVNBE: case OP_FCMOVNU:
        return !r;
    default:
        return r;
    }
}

void helper_x87(CPUX86State *env, const DecodedInsn *d, uint64_t off,
                uint64_t lin)
{
    unsigned esc = (d->imm2 >> 8) & 7;
    unsigned i = d->imm2 & 7;       /* ST(i) of register forms */
    int op = d->op;

    /* SDM vol. 3A table 2-2: WAIT faults only with MP and TS both set;
     * the ESC instructions with EM or TS. */
    if (op == OP_FWAIT) {
        if ((env->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
            raise_exception(env, EXCP07_NM);
        }
        x87_check_pending(env);
        return;
    }
    if (env->cr[0] & (CR0_EM | CR0_TS)) {
        raise_exception(env, EXCP07_NM);
    }
    if (!x87_is_nowait(op)) {
        x87_check_pending(env);
    }
    if (!x87_is_control(op)) {
        env->fpu_fop = d->imm2 & 0x7ff;
        env->fpu_ip = env->rip;
        env->fpu_cs = env->segs[R_CS].selector;
        if (d->flags & INSN_F_MEM) {
            env->fpu_dp = off;
            env->fpu_ds = env->segs[d->seg].selector;
        }
    }

    switch (op) {
    case OP_FNINIT:
        fpu_init(env);
        break;
    case OP_FNCLEX:
        env->fpu_sw &= ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
        break;
    case OP_FNSETPM:        /* FENI/FDISI/FSETPM: no-ops since the 387 */
    case OP_FNOP:
        break;
    case OP_FNSTSW_AX:
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffull) | env->fpu_sw;
        break;
    case OP_FNSTSW_M:
        cpu_st(env, lin, 1, env->fpu_sw);
        break;
    case OP_FNSTCW_M:
        cpu_st(env, lin, 1, env->fpu_cw);
        break;
    case OP_FLDCW_M:
        env->fpu_cw = (cpu_ld(env, lin, 1) & FCW_WRITABLE) | FCW_ONES;
        fpu_update_es(env);
        break;
    case OP_FNSTENV:
        fpu_store_env(env, lin, d->sz != 1);
        env->fpu_cw |= FCW_MASKS;
        fpu_update_es(env);
        break;
    case OP_FLDENV: {
        uint8_t b[28];
        bool o32 = d->sz != 1;
        mem_read(env, lin, b, o32 ? 28 : 14);
        fpu_apply_env(env, b, o32);
        fpu_retag(env);
        break;
    }
    case OP_FNSAVE:
        x87_fnsave(env, lin, d->sz != 1);
        break;
    case OP_FRSTOR:
        x87_frstor(env, lin, d->sz != 1);
        break;

    case OP_FLD: case OP_FILD: case OP_FBLD:
        x87_load(env, d, esc, i, lin);
        break;
    case OP_FST: case OP_FSTP: case OP_FIST: case OP_FISTP: case OP_FISTTP:
    case OP_FBSTP:
        x87_store(env, d, esc, i, lin);
        break;
    case OP_FLD1: case OP_FLDL2T: case OP_FLDL2E: case OP_FLDPI:
    case OP_FLDLG2: case OP_FLDLN2: case OP_FLDZ: {
        uint16_t sw;
        if (!fpu_push_ok(env)) {
            fpu_push_overflow(env);
            break;
        }
        HostFPU h = host_enter(env->fpu_cw, false);
        long double v = host_const(op, &sw);
        host_leave(h);
        fpu_set_cc(env, FSW_C1, 0);
        fpu_push(env, v);
        break;
    }
    case OP_FXCH: {
        bool e0 = st_empty(env, 0), ei = st_empty(env, i);
        if (e0 || ei) {
            if (!fpu_stack_fault(env, false)) {
                break;
            }
            if (e0) {
                st_set_reg(env, 0, x87_indefinite);
            }
            if (ei) {
                st_set_reg(env, i, x87_indefinite);
            }
        } else {
            fpu_set_cc(env, FSW_C1, 0);
        }
        X87Reg t = env->fpregs[st_phys(env, 0)];
        st_set_reg(env, 0, env->fpregs[st_phys(env, i)]);
        st_set_reg(env, i, t);
        break;
    }
    case OP_FFREE:
        phys_set_tag(env, st_phys(env, i), X87_TAG_EMPTY);
        break;
    case OP_FFREEP:
        phys_set_tag(env, st_phys(env, i), X87_TAG_EMPTY);
        fpu_pop(env);
        break;
    case OP_FINCSTP:
        fpu_set_top(env, fpu_top(env) + 1);
        fpu_set_cc(env, FSW_C1, 0);
        break;
    case OP_FDECSTP:
        fpu_set_top(env, fpu_top(env) - 1);
        fpu_set_cc(env, FSW_C1, 0);
        break;

    case OP_FADD: case OP_FMUL: case OP_FSUB: case OP_FSUBR: case OP_FDIV:
    case OP_FDIVR: case OP_FADDP: case OP_FMULP: case OP_FSUBP:
    case OP_FSUBRP: case OP_FDIVP: case OP_FDIVRP: case OP_FIADD:
    case OP_FIMUL: case OP_FISUB: case OP_FISUBR: case OP_FIDIV:
    case OP_FIDIVR:
        x87_arith(env, d, esc, i, lin);
        break;
    case OP_FCOM: case OP_FCOMP: case OP_FCOMPP: case OP_FUCOM:
    case OP_FUCOMP: case OP_FUCOMPP: case OP_FICOM: case OP_FICOMP:
    case OP_FCOMI: case OP_FCOMIP: case OP_FUCOMI: case OP_FUCOMIP:
    case OP_FTST:
        x87_compare(env, d, esc, i, lin);
        break;
    case OP_FXAM:
        x87_fxam(env);
        break;
    case OP_FCHS: case OP_FABS:
        if (st_empty(env, 0)) {
            if (fpu_stack_fault(env, false)) {
                st_set_reg(env, 0, x87_indefinite);
            }
            break;
        } else {
            X87Reg r = env->fpregs[st_phys(env, 0)];
            r.sign_exp = op == OP_FCHS ? r.sign_exp ^ 0x8000
                                       : r.sign_exp & 0x7fff;
            st_set_reg(env, 0, r);
            fpu_set_cc(env, FSW_C1, 0);
        }
        break;
    case OP_FSQRT: x87_unary(env, HOP_SQRT, FSW_C1); break;
    case OP_FRNDINT: x87_unary(env, HOP_RNDINT, FSW_C1); break;
    case OP_F2XM1: x87_unary(env, HOP_2XM1, FSW_C1); break;
    case OP_FSIN: x87_unary(env, HOP_SIN, FSW_C1 | FSW_C2); break;
    case OP_FCOS: x87_unary(env, HOP_COS, FSW_C1 | FSW_C2); break;
    case OP_FSCALE: x87_binary_st(env, HOP_SCALE, false, FSW_C1); break;
    case OP_FPREM: x87_binary_st(env, HOP_PREM, false, FSW_CC); break;
    case OP_FPREM1: x87_binary_st(env, HOP_PREM1, false, FSW_CC); break;
    case OP_FYL2X: x87_binary_st(env, HOP_YL2X, true, FSW_C1); break;
    case OP_FYL2XP1: x87_binary_st(env, HOP_YL2XP1, true, FSW_C1); break;
    case OP_FPATAN: x87_binary_st(env, HOP_PATAN, true, FSW_C1); break;
    case OP_FPTAN: x87_two_results(env, HOP2_PTAN); break;
    case OP_FSINCOS: x87_two_results(env, HOP2_SINCOS); break;
    case OP_FXTRACT: x87_two_results(env, HOP2_XTRACT); break;

    case OP_FCMOVB: case OP_FCMOVE: case OP_FCMOVBE: case OP_FCMOVU:
    case OP_FCMOVNB: case OP_FCMOVNE: case OP_FCMOVNBE: case OP_FCMOVNU:
        if (st_empty(env, 0) || st_empty(env, i)) {
            /* the masked response writes ST(0) whatever the condition */
            if (fpu_stack_fault(env, false)) {
                st_set_reg(env, 0, x87_indefinite);
            }
            break;
        }
        fpu_set_cc(env, FSW_C1, 0);
        if (fcmov_cond(env, op)) {
            st_set_reg(env, 0, env->fpregs[st_phys(env, i)]);
        }
        break;
    default:
        raise_exception(env, EXCP06_UD);
    }
}
