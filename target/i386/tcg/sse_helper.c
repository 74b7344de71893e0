/*
 * MMX, SSE, SSE2 and SSE3 for the interpreter: the two-byte-map forms with
 * and without the 66/F2/F3 mandatory prefixes (SDM vol. 2 appendix A,
 * table A-3), decoded by decode.c into OP_SSE (opcode byte and prefix in
 * imm2), plus EMMS, LDMXCSR/STMXCSR and FXSAVE/FXRSTOR. Follows SDM vol. 1
 * ch. 9-12 (MMX state aliased on the x87 registers, MXCSR, the SIMD
 * floating-point exceptions and their masked responses) and vol. 3 2.5 and
 * 13.x (CR0.EM/TS, CR4.OSFXSR/OSXMMEXCPT). Floating-point arithmetic runs
 * the same instruction on the host (x86-64) with the guest's rounding
 * control, DAZ and FTZ loaded into the host MXCSR and every exception
 * masked; the flags the host raised are what the guest sees, and an
 * unmasked one raises #XM (or #UD) without writing the destination. Left
 * out: SSSE3/SSE4 (not in the models), the x87 #MF check before MMX
 * instructions, the underflow flag as raised with UM clear (tiny but exact
 * results), non-temporal hints (plain stores). On hosts other than x86-64
 * the floating-point forms raise #UD.
 */
#include "qemu/osdep.h"
#include "internal.h"

#define EXCP13_XM 19

/* MXCSR (SDM vol. 1 10.2.3) */
#define MXCSR_IE    0x0001
#define MXCSR_DE    0x0002
#define MXCSR_ZE    0x0004
#define MXCSR_FLAGS 0x003f
#define MXCSR_DAZ   0x0040
#define MXCSR_MASKS 0x1f80
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC    0x6000
#define MXCSR_FTZ   0x8000
/* Writable MXCSR bits (DAZ supported): what FXSAVE reports as MXCSR_MASK. */
#define MXCSR_WRITABLE 0xffffu

/* The mandatory prefix as decode.c encodes it in imm2 bits 9:8. */
enum { PFX_NONE = 0, PFX_66 = 1, PFX_F2 = 2, PFX_F3 = 3 };

/* FXSAVE image offsets (SDM vol. 1 table 10-2 / 10-3) */
#define FX_FCW      0
#define FX_FSW      2
#define FX_FTW      4
#define FX_FOP      6
#define FX_FIP      8
#define FX_FCS      12
#define FX_FDP      16
#define FX_FDS      20
#define FX_MXCSR    24
#define FX_MXCSR_MASK 28
#define FX_ST0      32
#define FX_XMM0     160

/* --- small helpers --- */

static void LAPIS_NORETURN ud(CPUX86State *env, const DecodedInsn *d)
{
    helper_unimplemented(env, d);
}

static uint64_t lin_add(CPUX86State *env, uint64_t lin, unsigned n)
{
    lin += n;
    return (env->hflags & HF_CS64) ? lin : (uint32_t)lin;
}

static uint64_t gpr_get(CPUX86State *env, unsigned r, int sz)
{
    return sz == 3 ? env->regs[r] : (uint32_t)env->regs[r];
}

static void gpr_set(CPUX86State *env, unsigned r, int sz, uint64_t v)
{
    env->regs[r] = sz == 3 ? v : (uint32_t)v;
}

static void ld_vec(CPUX86State *env, uint64_t lin, unsigned bytes, XMMReg *r)
{
    memset(r, 0, sizeof(*r));
    switch (bytes) {
    case 2: r->w[0] = cpu_ld(env, lin, 1); break;
    case 4: r->l[0] = cpu_ld(env, lin, 2); break;
    case 8: r->q[0] = cpu_ld(env, lin, 3); break;
    default:
        r->q[0] = cpu_ld(env, lin, 3);
        r->q[1] = cpu_ld(env, lin_add(env, lin, 8), 3);
        break;
    }
}

static void st_vec(CPUX86State *env, uint64_t lin, unsigned bytes,
                   const XMMReg *r)
{
    switch (bytes) {
    case 4: cpu_st(env, lin, 2, r->l[0]); break;
    case 8: cpu_st(env, lin, 3, r->q[0]); break;
    default:
        /* both halves or neither: probe the second page first */
        if ((lin & 0xfff) > 0xff0) {
            probe_write(env, lin, 16, cpu_mmu_index(env));
        }
        cpu_st(env, lin, 3, r->q[0]);
        cpu_st(env, lin_add(env, lin, 8), 3, r->q[1]);
        break;
    }
}

/* 16-byte operands of the aligned forms: #GP(0) when misaligned (SDM vol. 1
 * 11.6.6 / each instruction's exception table). */
static void check_align16(CPUX86State *env, uint64_t lin)
{
    if (lin & 15) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
}

/* The source operand: an XMM register or `bytes` of memory (zero-filled). */
static XMMReg xmm_src(CPUX86State *env, const DecodedInsn *d,
                      unsigned bytes, bool aligned)
{
    XMMReg r;
    if (!(d->flags & INSN_F_MEM)) {
        return env->xmm[d->rm];
    }
    uint64_t lin = helper_ea(env, d, bytes, false);
    if (bytes == 16 && aligned) {
        check_align16(env, lin);
    }
    ld_vec(env, lin, bytes, &r);
    return r;
}

/* --- MMX state (SDM vol. 1 9.5) --- */

/* Every MMX instruction but EMMS: TOP = 0 and every tag valid. */
static void mmx_enter(CPUX86State *env)
{
    env->fpu_sw &= ~0x3800;
    env->fpu_tw = 0;
}

static uint64_t mm_get(CPUX86State *env, unsigned i)
{
    return env->fpregs[i & 7].mant;
}

/* A write sets the exponent and sign field (bits 79:64) to all ones. */
static void mm_set(CPUX86State *env, unsigned i, uint64_t v)
{
    env->fpregs[i & 7].mant = v;
    env->fpregs[i & 7].sign_exp = 0xffff;
}

static uint64_t mm_src(CPUX86State *env, const DecodedInsn *d, int sz)
{
    if (d->flags & INSN_F_MEM) {
        return cpu_ld(env, helper_ea(env, d, 1u << sz, false), sz);
    }
    return mm_get(env, d->rm);
}

/* --- availability (SDM vol. 3A 2.5 and 13.1-13.2; each instruction's
 * "Protected Mode Exceptions"): MMX needs CR0.EM clear, anything that
 * touches XMM or MXCSR also CR4.OSFXSR; CR0.TS gives #NM --- */

static void check_mmx(CPUX86State *env, const DecodedInsn *d)
{
    if (env->cr[0] & CR0_EM) {
        ud(env, d);
    }
    if (env->cr[0] & CR0_TS) {
        raise_exception(env, EXCP07_NM);
    }
}

static void check_sse(CPUX86State *env, const DecodedInsn *d)
{
    if ((env->cr[0] & CR0_EM) || !(env->cr[4] & CR4_OSFXSR)) {
        ud(env, d);
    }
    if (env->cr[0] & CR0_TS) {
        raise_exception(env, EXCP07_NM);
    }
}

/* --- SIMD floating point on the host --- */

#if defined(__x86_64__)
#define HOST_SSE 1

/* An unmasked exception: flags are recorded, the destination is not written
 * (SDM vol. 1 11.5.1), and #XM is raised, or #UD without CR4.OSXMMEXCPT. */
static void fp_flags(CPUX86State *env, uint32_t flags)
{
    uint32_t unmasked = flags & ~(env->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (unmasked & (MXCSR_IE | MXCSR_DE | MXCSR_ZE)) {
        /* a pre-computation exception stops the computation: no overflow,
         * underflow or precision is reported with it (SDM vol. 1 11.5.2) */
        flags &= MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    }
    env->mxcsr |= flags;
    if (unmasked) {
        raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP13_XM
                                                           : EXCP06_UD);
    }
}

typedef long long v2di __attribute__((vector_size(16)));

static inline v2di to_v(const XMMReg *r)
{
    v2di v;
    memcpy(&v, r, 16);
    return v;
}

static inline XMMReg from_v(v2di v)
{
    XMMReg r;
    memcpy(&r, &v, 16);
    return r;
}

/* Load the guest's RC, DAZ and FTZ into the host MXCSR, all masked, flags
 * clear; returns the host's own value for fp_end. */
static uint32_t fp_begin(CPUX86State *env)
{
    uint32_t host, g;
    g = (env->mxcsr & (MXCSR_RC | MXCSR_DAZ | MXCSR_FTZ)) | MXCSR_MASKS;
    __asm__ __volatile__("stmxcsr %0" : "=m"(host));
    __asm__ __volatile__("ldmxcsr %0" : : "m"(g) : "memory");
    return host;
}

/* Restore the host MXCSR; returns the flags the operations raised. */
static uint32_t fp_end(uint32_t host)
{
    uint32_t now;
    __asm__ __volatile__("stmxcsr %0" : "=m"(now) : : "memory");
    __asm__ __volatile__("ldmxcsr %0" : : "m"(host) : "memory");
    return now & MXCSR_FLAGS;
}

/* Two-operand forms: `insn src, dst` with dst also the first source. In
 * groups of four: ps, pd, ss, sd where the instruction has all four. */
#define FP2_OPS(X) \
    X(addps) X(addpd) X(addss) X(addsd) \
    X(mulps) X(mulpd) X(mulss) X(mulsd) \
    X(subps) X(subpd) X(subss) X(subsd) \
    X(minps) X(minpd) X(minss) X(minsd) \
    X(divps) X(divpd) X(divss) X(divsd) \
    X(maxps) X(maxpd) X(maxss) X(maxsd) \
    X(sqrtps) X(sqrtpd) X(sqrtss) X(sqrtsd) \
    X(rcpps) X(rcpss) X(rsqrtps) X(rsqrtss) \
    X(cvtps2pd) X(cvtpd2ps) X(cvtss2sd) X(cvtsd2ss) \
    X(cvtdq2ps) X(cvtps2dq) X(cvttps2dq) \
    X(cvtdq2pd) X(cvtpd2dq) X(cvttpd2dq) \
    X(addsubps) X(addsubpd) X(haddps) X(haddpd) X(hsubps) X(hsubpd)

#define FP_ENUM(n) FP_##n,
enum { FP2_OPS(FP_ENUM) FP_COUNT };
#undef FP_ENUM

static XMMReg fp2(CPUX86State *env, unsigned which, const XMMReg *dst,
                  const XMMReg *src)
{
    v2di a = to_v(dst), b = to_v(src);
    uint32_t host = fp_begin(env);
    switch (which) {
#define FP_CASE(n) \
    case FP_##n: \
        __asm__ __volatile__(#n " %1, %0" : "+x"(a) : "x"(b)); \
        break;
    FP2_OPS(FP_CASE)
#undef FP_CASE
    default:
        break;
    }
    fp_flags(env, fp_end(host));
    return from_v(a);
}

/* CMPPS/CMPPD/CMPSS/CMPSD with predicate imm & 7 (SDM vol. 2 table 3-1). */
#define CMP_CASES(insn) \
    switch (pred) { \
    case 0: __asm__ __volatile__(insn " $0, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 1: __asm__ __volatile__(insn " $1, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 2: __asm__ __volatile__(insn " $2, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 3: __asm__ __volatile__(insn " $3, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 4: __asm__ __volatile__(insn " $4, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 5: __asm__ __volatile__(insn " $5, %1, %0" : "+x"(a) : "x"(b)); break; \
    case 6: __asm__ __volatile__(insn " $6, %1, %0" : "+x"(a) : "x"(b)); break; \
    default: __asm__ __volatile__(insn " $7, %1, %0" : "+x"(a) : "x"(b)); break; \
    }

static XMMReg fp_cmp(CPUX86State *env, unsigned pfx, unsigned pred,
                     const XMMReg *dst, const XMMReg *src)
{
    v2di a = to_v(dst), b = to_v(src);
    uint32_t host = fp_begin(env);
    switch (pfx) {
    case PFX_NONE: CMP_CASES("cmpps"); break;
    case PFX_66: CMP_CASES("cmppd"); break;
    case PFX_F3: CMP_CASES("cmpss"); break;
    default: CMP_CASES("cmpsd"); break;
    }
    fp_flags(env, fp_end(host));
    return from_v(a);
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF (SDM vol. 2). */
static uint32_t fp_comi(CPUX86State *env, unsigned kind, const XMMReg *x,
                        const XMMReg *y)
{
    v2di a = to_v(x), b = to_v(y);
    uint8_t z, p, c;
    uint32_t host = fp_begin(env);
    switch (kind) {
    case 0:
        __asm__ __volatile__("ucomiss %3, %4; setz %0; setp %1; setc %2"
                     : "=q"(z), "=q"(p), "=q"(c) : "x"(b), "x"(a) : "cc");
        break;
    case 1:
        __asm__ __volatile__("ucomisd %3, %4; setz %0; setp %1; setc %2"
                     : "=q"(z), "=q"(p), "=q"(c) : "x"(b), "x"(a) : "cc");
        break;
    case 2:
        __asm__ __volatile__("comiss %3, %4; setz %0; setp %1; setc %2"
                     : "=q"(z), "=q"(p), "=q"(c) : "x"(b), "x"(a) : "cc");
        break;
    default:
        __asm__ __volatile__("comisd %3, %4; setz %0; setp %1; setc %2"
                     : "=q"(z), "=q"(p), "=q"(c) : "x"(b), "x"(a) : "cc");
        break;
    }
    fp_flags(env, fp_end(host));
    return (z ? CC_Z : 0) | (p ? CC_P : 0) | (c ? CC_C : 0);
}

/* CVT(T)SS2SI / CVT(T)SD2SI to a 32- or 64-bit integer; out-of-range and
 * NaN give the integer indefinite with #I, as the host does. */
static uint64_t fp_to_int(CPUX86State *env, bool dbl, bool trunc, int sz,
                          const XMMReg *x)
{
    v2di a = to_v(x);
    uint64_t r = 0;
    uint32_t r32 = 0;
    uint32_t host = fp_begin(env);
    unsigned k = (dbl ? 4 : 0) | (trunc ? 2 : 0) | (sz == 3 ? 1 : 0);
    switch (k) {
    case 0: __asm__ __volatile__("cvtss2si %1, %0" : "=r"(r32) : "x"(a)); break;
    case 1: __asm__ __volatile__("cvtss2si %1, %0" : "=r"(r) : "x"(a)); break;
    case 2: __asm__ __volatile__("cvttss2si %1, %0" : "=r"(r32) : "x"(a)); break;
    case 3: __asm__ __volatile__("cvttss2si %1, %0" : "=r"(r) : "x"(a)); break;
    case 4: __asm__ __volatile__("cvtsd2si %1, %0" : "=r"(r32) : "x"(a)); break;
    case 5: __asm__ __volatile__("cvtsd2si %1, %0" : "=r"(r) : "x"(a)); break;
    case 6: __asm__ __volatile__("cvttsd2si %1, %0" : "=r"(r32) : "x"(a)); break;
    default: __asm__ __volatile__("cvttsd2si %1, %0" : "=r"(r) : "x"(a)); break;
    }
    fp_flags(env, fp_end(host));
    return sz == 3 ? r : r32;
}

/* CVTSI2SS / CVTSI2SD from a 32- or 64-bit integer into the low element. */
static XMMReg fp_from_int(CPUX86State *env, bool dbl, int sz,
                          const XMMReg *dst, uint64_t v)
{
    v2di a = to_v(dst);
    uint32_t v32 = v;
    uint32_t host = fp_begin(env);
    unsigned k = (dbl ? 2 : 0) | (sz == 3 ? 1 : 0);
    switch (k) {
    case 0: __asm__ __volatile__("cvtsi2ssl %1, %0" : "+x"(a) : "r"(v32)); break;
    case 1: __asm__ __volatile__("cvtsi2ssq %1, %0" : "+x"(a) : "r"(v)); break;
    case 2: __asm__ __volatile__("cvtsi2sdl %1, %0" : "+x"(a) : "r"(v32)); break;
    default: __asm__ __volatile__("cvtsi2sdq %1, %0" : "+x"(a) : "r"(v)); break;
    }
    fp_flags(env, fp_end(host));
    return from_v(a);
}
#else
#define HOST_SSE 0
#endif

/* --- integer SIMD (MMX and SSE2 share these; len is 8 or 16 bytes) --- */

static int8_t sat_s8(int v)
{
    return v > 127 ? 127 : v < -128 ? -128 : v;
}

static uint8_t sat_u8(int v)
{
    return v > 255 ? 255 : v < 0 ? 0 : v;
}

static int16_t sat_s16(int32_t v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

static uint16_t sat_u16(int32_t v)
{
    return v > 65535 ? 65535 : v < 0 ? 0 : v;
}

/* Shift every element of `esize` bytes: 0 logical right, 1 arithmetic
 * right, 2 left. Counts past the width give 0 (or the sign). */
static void vshift(XMMReg *r, unsigned esize, int kind, uint64_t count,
                   unsigned len)
{
    unsigned bits = esize * 8, n = len / esize;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        int64_t s;
        switch (esize) {
        case 2: v = r->w[i]; s = (int16_t)r->w[i]; break;
        case 4: v = r->l[i]; s = (int32_t)r->l[i]; break;
        default: v = r->q[i]; s = (int64_t)r->q[i]; break;
        }
        if (kind == 1) {
            v = s >> (count >= bits ? bits - 1 : count);
        } else if (count >= bits) {
            v = 0;
        } else {
            v = kind == 0 ? v >> count : v << count;
        }
        switch (esize) {
        case 2: r->w[i] = v; break;
        case 4: r->l[i] = v; break;
        default: r->q[i] = v; break;
        }
    }
}

/* Interleave the low (hi = false) or high halves of a and b, elements of
 * `esize` bytes: a0 b0 a1 b1 ... (PUNPCKL/H*, UNPCKL/H*). */
static XMMReg vunpack(const XMMReg *a, const XMMReg *b, unsigned esize,
                      bool hi, unsigned len)
{
    XMMReg r;
    unsigned half = len / 2, base = hi ? half : 0;
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < half / esize; i++) {
        memcpy(&r.b[2 * i * esize], &a->b[base + i * esize], esize);
        memcpy(&r.b[(2 * i + 1) * esize], &b->b[base + i * esize], esize);
    }
    return r;
}

/* Whether `op` is one of the integer forms int_op handles. */
static bool is_int_op(unsigned op)
{
    switch (op) {
    case 0x60 ... 0x6b: case 0x74 ... 0x76:
    case 0xd1 ... 0xd5: case 0xd8 ... 0xdf:
    case 0xe0 ... 0xe5: case 0xe8 ... 0xef:
    case 0xf1 ... 0xf6: case 0xf8 ... 0xfe:
        return true;
    default:
        return false;
    }
}

static XMMReg int_op(unsigned op, const XMMReg *a, const XMMReg *b,
                     unsigned len)
{
    XMMReg r = *a;
    unsigned nb = len, nw = len / 2, nd = len / 4, nq = len / 8;

    switch (op) {
    case 0x60: return vunpack(a, b, 1, false, len);
    case 0x61: return vunpack(a, b, 2, false, len);
    case 0x62: return vunpack(a, b, 4, false, len);
    case 0x68: return vunpack(a, b, 1, true, len);
    case 0x69: return vunpack(a, b, 2, true, len);
    case 0x6a: return vunpack(a, b, 4, true, len);
    case 0x63: case 0x67:       /* PACKSSWB, PACKUSWB */
        for (unsigned i = 0; i < nw; i++) {
            int16_t x = a->w[i], y = b->w[i];
            r.b[i] = op == 0x63 ? (uint8_t)sat_s8(x) : sat_u8(x);
            r.b[nw + i] = op == 0x63 ? (uint8_t)sat_s8(y) : sat_u8(y);
        }
        return r;
    case 0x6b:                  /* PACKSSDW */
        for (unsigned i = 0; i < nd; i++) {
            r.w[i] = sat_s16((int32_t)a->l[i]);
            r.w[nd + i] = sat_s16((int32_t)b->l[i]);
        }
        return r;
    case 0x64: case 0x74:
        for (unsigned i = 0; i < nb; i++) {
            bool t = op == 0x74 ? a->b[i] == b->b[i]
                                : (int8_t)a->b[i] > (int8_t)b->b[i];
            r.b[i] = t ? 0xff : 0;
        }
        return r;
    case 0x65: case 0x75:
        for (unsigned i = 0; i < nw; i++) {
            bool t = op == 0x75 ? a->w[i] == b->w[i]
                                : (int16_t)a->w[i] > (int16_t)b->w[i];
            r.w[i] = t ? 0xffff : 0;
        }
        return r;
    case 0x66: case 0x76:
        for (unsigned i = 0; i < nd; i++) {
            bool t = op == 0x76 ? a->l[i] == b->l[i]
                                : (int32_t)a->l[i] > (int32_t)b->l[i];
            r.l[i] = t ? 0xffffffffu : 0;
        }
        return r;
    case 0xd1: vshift(&r, 2, 0, b->q[0], len); return r;
    case 0xd2: vshift(&r, 4, 0, b->q[0], len); return r;
    case 0xd3: vshift(&r, 8, 0, b->q[0], len); return r;
    case 0xe1: vshift(&r, 2, 1, b->q[0], len); return r;
    case 0xe2: vshift(&r, 4, 1, b->q[0], len); return r;
    case 0xf1: vshift(&r, 2, 2, b->q[0], len); return r;
    case 0xf2: vshift(&r, 4, 2, b->q[0], len); return r;
    case 0xf3: vshift(&r, 8, 2, b->q[0], len); return r;
    case 0xd4: case 0xfb:       /* PADDQ, PSUBQ */
        for (unsigned i = 0; i < nq; i++) {
            r.q[i] = op == 0xd4 ? a->q[i] + b->q[i] : a->q[i] - b->q[i];
        }
        return r;
    case 0xd5: case 0xe5: case 0xe4:    /* PMULLW, PMULHW, PMULHUW */
        for (unsigned i = 0; i < nw; i++) {
            if (op == 0xe4) {
                r.w[i] = ((uint32_t)a->w[i] * b->w[i]) >> 16;
            } else {
                int32_t p = (int32_t)(int16_t)a->w[i] * (int16_t)b->w[i];
                r.w[i] = op == 0xd5 ? (uint16_t)p : (uint16_t)(p >> 16);
            }
        }
        return r;
    case 0xf4:                  /* PMULUDQ */
        for (unsigned i = 0; i < nq; i++) {
            r.q[i] = (uint64_t)a->l[2 * i] * b->l[2 * i];
        }
        return r;
    case 0xf5:                  /* PMADDWD */
        for (unsigned i = 0; i < nd; i++) {
            int32_t p0 = (int32_t)(int16_t)a->w[2 * i] * (int16_t)b->w[2 * i];
            int32_t p1 = (int32_t)(int16_t)a->w[2 * i + 1]
                         * (int16_t)b->w[2 * i + 1];
            /* only 0x8000 * 4 overflows: it wraps to 0x80000000 */
            r.l[i] = (uint32_t)p0 + (uint32_t)p1;
        }
        return r;
    case 0xf6:                  /* PSADBW */
        for (unsigned i = 0; i < nq; i++) {
            unsigned sum = 0;
            for (unsigned j = 0; j < 8; j++) {
                int diff = a->b[8 * i + j] - b->b[8 * i + j];
                sum += diff < 0 ? -diff : diff;
            }
            r.q[i] = sum;
        }
        return r;
    case 0xd8: case 0xdc: case 0xe8: case 0xec: case 0xf8: case 0xfc:
    case 0xda: case 0xde: case 0xe0:
        for (unsigned i = 0; i < nb; i++) {
            int x = a->b[i], y = b->b[i], sx = (int8_t)x, sy = (int8_t)y;
            switch (op) {
            case 0xd8: r.b[i] = sat_u8(x - y); break;
            case 0xdc: r.b[i] = sat_u8(x + y); break;
            case 0xe8: r.b[i] = sat_s8(sx - sy); break;
            case 0xec: r.b[i] = sat_s8(sx + sy); break;
            case 0xf8: r.b[i] = x - y; break;
            case 0xfc: r.b[i] = x + y; break;
            case 0xda: r.b[i] = x < y ? x : y; break;
            case 0xde: r.b[i] = x > y ? x : y; break;
            default: r.b[i] = (x + y + 1) >> 1; break;     /* PAVGB */
            }
        }
        return r;
    case 0xd9: case 0xdd: case 0xe9: case 0xed: case 0xf9: case 0xfd:
    case 0xea: case 0xee: case 0xe3:
        for (unsigned i = 0; i < nw; i++) {
            int32_t x = a->w[i], y = b->w[i];
            int32_t sx = (int16_t)x, sy = (int16_t)y;
            switch (op) {
            case 0xd9: r.w[i] = sat_u16(x - y); break;
            case 0xdd: r.w[i] = sat_u16(x + y); break;
            case 0xe9: r.w[i] = sat_s16(sx - sy); break;
            case 0xed: r.w[i] = sat_s16(sx + sy); break;
            case 0xf9: r.w[i] = x - y; break;
            case 0xfd: r.w[i] = x + y; break;
            case 0xea: r.w[i] = sx < sy ? sx : sy; break;
            case 0xee: r.w[i] = sx > sy ? sx : sy; break;
            default: r.w[i] = (x + y + 1) >> 1; break;     /* PAVGW */
            }
        }
        return r;
    case 0xfa: case 0xfe:
        for (unsigned i = 0; i < nd; i++) {
            r.l[i] = op == 0xfe ? a->l[i] + b->l[i] : a->l[i] - b->l[i];
        }
        return r;
    case 0xdb: case 0xdf: case 0xeb: case 0xef:
        for (unsigned i = 0; i < nq; i++) {
            switch (op) {
            case 0xdb: r.q[i] = a->q[i] & b->q[i]; break;
            case 0xdf: r.q[i] = ~a->q[i] & b->q[i]; break;
            case 0xeb: r.q[i] = a->q[i] | b->q[i]; break;
            default: r.q[i] = a->q[i] ^ b->q[i]; break;
            }
        }
        return r;
    default:
        return r;
    }
}

/* PSHUFW/PSHUFD/PSHUFHW/PSHUFLW */
static XMMReg pshuf(const XMMReg *s, unsigned pfx, uint8_t imm)
{
    XMMReg r = *s;
    for (unsigned i = 0; i < 4; i++) {
        unsigned sel = (imm >> (2 * i)) & 3;
        switch (pfx) {
        case PFX_NONE: r.w[i] = s->w[sel]; break;
        case PFX_66: r.l[i] = s->l[sel]; break;
        case PFX_F3: r.w[4 + i] = s->w[4 + sel]; break;
        default: r.w[i] = s->w[sel]; break;
        }
    }
    return r;
}

/* --- FXSAVE / FXRSTOR (SDM vol. 1 10.5.1, vol. 2 FXSAVE) --- */

/* The full tag of a non-empty register from its contents (SDM vol. 1
 * 8.1.7): 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unnormal). */
static unsigned fx_tag_of(const X87Reg *r)
{
    unsigned exp = r->sign_exp & 0x7fff;
    if (exp == 0x7fff) {
        return 2;
    }
    if (exp == 0) {
        return r->mant == 0 ? 1 : 2;
    }
    return (r->mant >> 63) ? 0 : 2;
}

static void do_fxsave(CPUX86State *env, const DecodedInsn *d)
{
    uint64_t lin = helper_ea(env, d, 512, true);
    bool w = d->sz == 3;
    unsigned top = (env->fpu_sw >> 11) & 7;
    uint8_t ftw = 0;
    /* XMM8-15 exist in 64-bit mode only */
    unsigned nx = (env->hflags & HF_CS64) ? 16 : 8;

    check_align16(env, lin);
    probe_write(env, lin, FX_XMM0 + 16 * nx, cpu_mmu_index(env));
    for (unsigned i = 0; i < 8; i++) {
        if (((env->fpu_tw >> (2 * i)) & 3) != 3) {
            ftw |= 1u << i;
        }
    }
    cpu_st(env, lin_add(env, lin, FX_FCW), 1, env->fpu_cw);
    cpu_st(env, lin_add(env, lin, FX_FSW), 1, env->fpu_sw);
    cpu_st(env, lin_add(env, lin, FX_FTW), 1, ftw);
    cpu_st(env, lin_add(env, lin, FX_FOP), 1, env->fpu_fop);
    if (w) {
        cpu_st(env, lin_add(env, lin, FX_FIP), 3, env->fpu_ip);
        cpu_st(env, lin_add(env, lin, FX_FDP), 3, env->fpu_dp);
    } else {
        cpu_st(env, lin_add(env, lin, FX_FIP), 2, env->fpu_ip);
        cpu_st(env, lin_add(env, lin, FX_FCS), 2, env->fpu_cs);
        cpu_st(env, lin_add(env, lin, FX_FDP), 2, env->fpu_dp);
        cpu_st(env, lin_add(env, lin, FX_FDS), 2, env->fpu_ds);
    }
    cpu_st(env, lin_add(env, lin, FX_MXCSR), 2, env->mxcsr);
    cpu_st(env, lin_add(env, lin, FX_MXCSR_MASK), 2, MXCSR_WRITABLE);
    for (unsigned i = 0; i < 8; i++) {
        /* ST(i) order: physical register (TOP + i) & 7 */
        const X87Reg *r = &env->fpregs[(top + i) & 7];
        uint64_t slot = lin_add(env, lin, FX_ST0 + 16 * i);
        cpu_st(env, slot, 3, r->mant);
        cpu_st(env, lin_add(env, slot, 8), 3, r->sign_exp);  /* and 6 zeros */
    }
    for (unsigned i = 0; i < nx; i++) {
        st_vec(env, lin_add(env, lin, FX_XMM0 + 16 * i), 16, &env->xmm[i]);
    }
}

static void do_fxrstor(CPUX86State *env, const DecodedInsn *d)
{
    uint64_t lin = helper_ea(env, d, 512, false);
    bool w = d->sz == 3;
    X87Reg regs[8];
    XMMReg xmm[16];
    unsigned nx = (env->hflags & HF_CS64) ? 16 : 8;

    check_align16(env, lin);
    /* read everything first: a fault or #GP leaves the state unchanged */
    uint32_t mxcsr = cpu_ld(env, lin_add(env, lin, FX_MXCSR), 2);
    if (mxcsr & ~MXCSR_WRITABLE) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    uint16_t fcw = cpu_ld(env, lin_add(env, lin, FX_FCW), 1);
    uint16_t fsw = cpu_ld(env, lin_add(env, lin, FX_FSW), 1);
    uint8_t ftw = cpu_ld(env, lin_add(env, lin, FX_FTW), 0);
    uint16_t fop = cpu_ld(env, lin_add(env, lin, FX_FOP), 1) & 0x7ff;
    uint64_t fip, fdp;
    uint16_t fcs = 0, fds = 0;
    if (w) {
        fip = cpu_ld(env, lin_add(env, lin, FX_FIP), 3);
        fdp = cpu_ld(env, lin_add(env, lin, FX_FDP), 3);
    } else {
        fip = cpu_ld(env, lin_add(env, lin, FX_FIP), 2);
        fcs = cpu_ld(env, lin_add(env, lin, FX_FCS), 1);
        fdp = cpu_ld(env, lin_add(env, lin, FX_FDP), 2);
        fds = cpu_ld(env, lin_add(env, lin, FX_FDS), 1);
    }
    for (unsigned i = 0; i < 8; i++) {
        uint64_t slot = lin_add(env, lin, FX_ST0 + 16 * i);
        regs[i].mant = cpu_ld(env, slot, 3);
        regs[i].sign_exp = cpu_ld(env, lin_add(env, slot, 8), 1);
    }
    for (unsigned i = 0; i < nx; i++) {
        ld_vec(env, lin_add(env, lin, FX_XMM0 + 16 * i), 16, &xmm[i]);
    }

    unsigned top = (fsw >> 11) & 7;
    uint16_t tw = 0;
    env->fpu_cw = fcw;
    env->fpu_sw = fsw;
    env->fpu_fop = fop;
    env->fpu_ip = fip;
    env->fpu_dp = fdp;
    if (!w) {
        env->fpu_cs = fcs;
        env->fpu_ds = fds;
    }
    for (unsigned i = 0; i < 8; i++) {
        env->fpregs[(top + i) & 7] = regs[i];
    }
    /* expand the abridged tag word (by physical register) */
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = (ftw >> p) & 1 ? fx_tag_of(&env->fpregs[p]) : 3;
        tw |= tag << (2 * p);
    }
    env->fpu_tw = tw;
    env->mxcsr = mxcsr;
    memcpy(env->xmm, xmm, nx * sizeof(XMMReg));
}

/* 0F AE /0../3 (memory forms) */
static void do_group15(CPUX86State *env, const DecodedInsn *d)
{
    switch (d->sub) {
    case 0: case 1:
        /* FXSAVE/FXRSTOR: #NM on EM or TS (SDM vol. 2 FXSAVE) */
        if (env->cr[0] & (CR0_EM | CR0_TS)) {
            raise_exception(env, EXCP07_NM);
        }
        if (d->sub == 0) {
            do_fxsave(env, d);
        } else {
            do_fxrstor(env, d);
        }
        break;
    case 2: {
        check_sse(env, d);
        uint32_t v = cpu_ld(env, helper_ea(env, d, 4, false), 2);
        if (v & ~MXCSR_WRITABLE) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        env->mxcsr = v;
        break;
    }
    case 3:
        check_sse(env, d);
        cpu_st(env, helper_ea(env, d, 4, true), 2, env->mxcsr);
        break;
    default:
        ud(env, d);
    }
}

/* --- the dispatcher --- */

/* The memory operand's linear address for a read (RD) or write (WR) of
 * 1 << sz bytes, or a write of n bytes (WRB); checked by exec.c's
 * segmentation rules. */
#define RD(sz) helper_ea(env, d, 1u << (sz), false)
#define WR(sz) helper_ea(env, d, 1u << (sz), true)
#define WRB(n) helper_ea(env, d, (n), true)

/* A 16-byte store of an aligned form: #GP(0) when misaligned. */
static uint64_t aligned_lin(CPUX86State *env, const DecodedInsn *d)
{
    uint64_t lin = helper_ea(env, d, 16, true);
    check_align16(env, lin);
    return lin;
}


#if HOST_SSE
/* The float op for 0F 51/58-5F by prefix: ps, pd, ss, sd. */
static unsigned fp_group(unsigned pfx)
{
    static const uint8_t idx[4] = { 0, 1, 3, 2 };
    return idx[pfx];
}
#endif

/* Memory operand size of the scalar/packed float forms. */
static unsigned fp_mem_bytes(unsigned pfx)
{
    return pfx == PFX_F3 ? 4 : pfx == PFX_F2 ? 8 : 16;
}

void helper_sse(CPUX86State *env, const DecodedInsn *d)
{
    unsigned op = d->imm2 & 0xff, pfx = (d->imm2 >> 8) & 3;
    bool mem = d->flags & INSN_F_MEM;
    unsigned reg = d->reg, rm = d->rm;
    XMMReg s, r;

    if (op == 0xae) {
        if (!mem) {
            ud(env, d);
        }
        do_group15(env, d);
        return;
    }
    if (op == 0xc3) {
        /* MOVNTI m32/m64, r: a GPR store (SSE2, no CR4 dependency) */
        if (!mem || pfx != PFX_NONE) {
            ud(env, d);
        }
        cpu_st(env, WR(d->sz), d->sz, gpr_get(env, reg, d->sz));
        return;
    }
    if (op == 0x77) {
        /* EMMS: every tag empty */
        if (pfx != PFX_NONE) {
            ud(env, d);
        }
        check_mmx(env, d);
        env->fpu_tw = 0xffff;
        return;
    }

    /* integer SIMD: MMX without a prefix, XMM with 66 */
    if (is_int_op(op)) {
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            XMMReg a = { .q = { mm_get(env, reg), 0 } };
            XMMReg b = { .q = { 0, 0 } };
            /* PUNPCKL* read only 32 bits of memory */
            b.q[0] = mm_src(env, d, (op >= 0x60 && op <= 0x62) ? 2 : 3);
            r = int_op(op, &a, &b, 8);
            mm_set(env, reg, r.q[0]);
            return;
        }
        if (pfx != PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        env->xmm[reg] = int_op(op, &env->xmm[reg], &s, 16);
        return;
    }

    switch (op) {
    case 0x6c: case 0x6d:       /* PUNPCKLQDQ, PUNPCKHQDQ */
        if (pfx != PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        env->xmm[reg] = vunpack(&env->xmm[reg], &s, 8, op == 0x6d, 16);
        return;

    case 0x10: case 0x11: {     /* MOVUPS/MOVUPD/MOVSS/MOVSD */
        check_sse(env, d);
        unsigned bytes = fp_mem_bytes(pfx);
        if (op == 0x10) {
            s = xmm_src(env, d, bytes, false);
            if (mem || bytes == 16) {
                env->xmm[reg] = s;      /* loads zero the upper part */
            } else if (bytes == 4) {
                env->xmm[reg].l[0] = s.l[0];
            } else {
                env->xmm[reg].q[0] = s.q[0];
            }
        } else if (mem) {
            st_vec(env, WRB(bytes), bytes, &env->xmm[reg]);
        } else if (bytes == 16) {
            env->xmm[rm] = env->xmm[reg];
        } else if (bytes == 4) {
            env->xmm[rm].l[0] = env->xmm[reg].l[0];
        } else {
            env->xmm[rm].q[0] = env->xmm[reg].q[0];
        }
        return;
    }
    case 0x12: case 0x16:
        check_sse(env, d);
        if (pfx == PFX_NONE || pfx == PFX_66) {
            if (!mem && pfx == PFX_66) {
                ud(env, d);
            }
            if (mem) {          /* MOVLPS/MOVLPD, MOVHPS/MOVHPD loads */
                env->xmm[reg].q[op == 0x16] = cpu_ld(env, RD(3), 3);
            } else if (op == 0x12) {
                env->xmm[reg].q[0] = env->xmm[rm].q[1];     /* MOVHLPS */
            } else {
                env->xmm[reg].q[1] = env->xmm[rm].q[0];     /* MOVLHPS */
            }
        } else if (pfx == PFX_F3) {     /* MOVSLDUP, MOVSHDUP */
            s = xmm_src(env, d, 16, true);
            unsigned k = op == 0x16;
            r.l[0] = r.l[1] = s.l[k];
            r.l[2] = r.l[3] = s.l[2 + k];
            env->xmm[reg] = r;
        } else if (op == 0x12) {        /* MOVDDUP */
            s = xmm_src(env, d, 8, false);
            env->xmm[reg].q[0] = env->xmm[reg].q[1] = s.q[0];
        } else {
            ud(env, d);
        }
        return;
    case 0x13: case 0x17:       /* MOVLPS/MOVLPD/MOVHPS/MOVHPD stores */
        if (!mem || pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        cpu_st(env, WR(3), 3, env->xmm[reg].q[op == 0x17]);
        return;
    case 0x14: case 0x15:       /* UNPCKLPS/PD, UNPCKHPS/PD */
        if (pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        env->xmm[reg] = vunpack(&env->xmm[reg], &s, pfx == PFX_66 ? 8 : 4,
                                op == 0x15, 16);
        return;
    case 0x28: case 0x29: case 0x2b:    /* MOVAPS/MOVAPD, MOVNTPS/PD */
        if (pfx > PFX_66 || (op == 0x2b && !mem)) {
            ud(env, d);
        }
        check_sse(env, d);
        if (op == 0x28) {
            env->xmm[reg] = xmm_src(env, d, 16, true);
        } else if (mem) {
            st_vec(env, aligned_lin(env, d), 16, &env->xmm[reg]);
        } else {
            env->xmm[rm] = env->xmm[reg];
        }
        return;
    case 0x50:                  /* MOVMSKPS/PD */
        if (mem || pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        if (pfx == PFX_66) {
            gpr_set(env, reg, d->sz, (env->xmm[rm].q[0] >> 63)
                                     | (env->xmm[rm].q[1] >> 63) << 1);
        } else {
            unsigned m = 0;
            for (unsigned i = 0; i < 4; i++) {
                m |= (env->xmm[rm].l[i] >> 31) << i;
            }
            gpr_set(env, reg, d->sz, m);
        }
        return;
    case 0x54: case 0x55: case 0x56: case 0x57:     /* AND/ANDN/OR/XOR */
        if (pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        r = int_op(op == 0x54 ? 0xdb : op == 0x55 ? 0xdf
                   : op == 0x56 ? 0xeb : 0xef, &env->xmm[reg], &s, 16);
        env->xmm[reg] = r;
        return;
    case 0x6e:                  /* MOVD/MOVQ mm/xmm, r/m32/64 */
        if (pfx > PFX_66) {
            ud(env, d);
        } else {
            int sz = d->sz;
            uint64_t v;
            if (pfx == PFX_NONE) {
                check_mmx(env, d);
                mmx_enter(env);
            } else {
                check_sse(env, d);
            }
            v = mem ? cpu_ld(env, RD(sz), sz) : gpr_get(env, rm, sz);
            if (pfx == PFX_NONE) {
                mm_set(env, reg, v);
            } else {
                env->xmm[reg].q[0] = v;
                env->xmm[reg].q[1] = 0;
            }
        }
        return;
    case 0x7e:
        if (pfx == PFX_F3) {    /* MOVQ xmm, xmm/m64 */
            check_sse(env, d);
            s = xmm_src(env, d, 8, false);
            env->xmm[reg].q[0] = s.q[0];
            env->xmm[reg].q[1] = 0;
        } else if (pfx <= PFX_66) {     /* MOVD/MOVQ r/m32/64, mm/xmm */
            uint64_t v;
            if (pfx == PFX_NONE) {
                check_mmx(env, d);
                mmx_enter(env);
                v = mm_get(env, reg);
            } else {
                check_sse(env, d);
                v = env->xmm[reg].q[0];
            }
            if (mem) {
                cpu_st(env, WR(d->sz), d->sz, v);
            } else {
                gpr_set(env, rm, d->sz, v);
            }
        } else {
            ud(env, d);
        }
        return;
    case 0x6f: case 0x7f:
        if (pfx == PFX_NONE) {  /* MOVQ mm, mm/m64 and back */
            check_mmx(env, d);
            mmx_enter(env);
            if (op == 0x6f) {
                mm_set(env, reg, mm_src(env, d, 3));
            } else if (mem) {
                cpu_st(env, WR(3), 3, mm_get(env, reg));
            } else {
                mm_set(env, rm, mm_get(env, reg));
            }
        } else if (pfx == PFX_66 || pfx == PFX_F3) {  /* MOVDQA, MOVDQU */
            bool aligned = pfx == PFX_66;
            check_sse(env, d);
            if (op == 0x6f) {
                env->xmm[reg] = xmm_src(env, d, 16, aligned);
            } else if (mem) {
                st_vec(env, aligned ? aligned_lin(env, d) : WRB(16), 16,
                       &env->xmm[reg]);
            } else {
                env->xmm[rm] = env->xmm[reg];
            }
        } else {
            ud(env, d);
        }
        return;
    case 0x70: {                /* PSHUFW/PSHUFD/PSHUFHW/PSHUFLW */
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            XMMReg a = { .q = { mm_src(env, d, 3), 0 } };
            mm_set(env, reg, pshuf(&a, pfx, d->imm).q[0]);
        } else {
            check_sse(env, d);
            s = xmm_src(env, d, 16, true);
            env->xmm[reg] = pshuf(&s, pfx, d->imm);
        }
        return;
    }
    case 0x71: case 0x72: case 0x73: {  /* shift groups 12-14 by imm8 */
        static const int8_t kind[8] = { -1, -1, 0, -1, 1, -1, 2, -1 };
        unsigned esize = op == 0x71 ? 2 : op == 0x72 ? 4 : 8;
        unsigned sub = d->sub;
        bool bytesh = op == 0x73 && (sub == 3 || sub == 7);
        if (mem || pfx > PFX_66 || (kind[sub] < 0 && !bytesh)
            || (op == 0x73 && sub == 4) || (bytesh && pfx != PFX_66)) {
            ud(env, d);
        }
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            XMMReg a = { .q = { mm_get(env, rm), 0 } };
            vshift(&a, esize, kind[sub], (uint8_t)d->imm, 8);
            mm_set(env, rm, a.q[0]);
            return;
        }
        check_sse(env, d);
        if (bytesh) {           /* PSRLDQ, PSLLDQ: by bytes */
            unsigned n = (uint8_t)d->imm;
            memset(&r, 0, sizeof(r));
            for (unsigned i = 0; i < 16; i++) {
                if (sub == 3 && i + n < 16) {
                    r.b[i] = env->xmm[rm].b[i + n];
                } else if (sub == 7 && i >= n) {
                    r.b[i] = env->xmm[rm].b[i - n];
                }
            }
            env->xmm[rm] = r;
        } else {
            vshift(&env->xmm[rm], esize, kind[sub], (uint8_t)d->imm, 16);
        }
        return;
    }
    case 0xc4:                  /* PINSRW */
        if (pfx > PFX_66) {
            ud(env, d);
        } else {
            uint16_t v = mem ? cpu_ld(env, RD(1), 1) : env->regs[rm];
            if (pfx == PFX_NONE) {
                check_mmx(env, d);
                mmx_enter(env);
                XMMReg a = { .q = { mm_get(env, reg), 0 } };
                a.w[d->imm & 3] = v;
                mm_set(env, reg, a.q[0]);
            } else {
                check_sse(env, d);
                env->xmm[reg].w[d->imm & 7] = v;
            }
        }
        return;
    case 0xc5:                  /* PEXTRW r32, mm/xmm, imm8 */
        if (mem || pfx > PFX_66) {
            ud(env, d);
        }
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            gpr_set(env, reg, d->sz, (mm_get(env, rm) >> (16 * (d->imm & 3)))
                                     & 0xffff);
        } else {
            check_sse(env, d);
            gpr_set(env, reg, d->sz, env->xmm[rm].w[d->imm & 7]);
        }
        return;
    case 0xc6:                  /* SHUFPS/SHUFPD */
        if (pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        if (pfx == PFX_NONE) {
            const XMMReg *a = &env->xmm[reg];
            uint8_t i8 = d->imm;
            r.l[0] = a->l[i8 & 3];
            r.l[1] = a->l[(i8 >> 2) & 3];
            r.l[2] = s.l[(i8 >> 4) & 3];
            r.l[3] = s.l[(i8 >> 6) & 3];
        } else {
            r.q[0] = env->xmm[reg].q[d->imm & 1];
            r.q[1] = s.q[(d->imm >> 1) & 1];
        }
        env->xmm[reg] = r;
        return;
    case 0xd6:
        if (pfx == PFX_66) {    /* MOVQ xmm/m64, xmm */
            check_sse(env, d);
            if (mem) {
                cpu_st(env, WR(3), 3, env->xmm[reg].q[0]);
            } else {
                env->xmm[rm].q[0] = env->xmm[reg].q[0];
                env->xmm[rm].q[1] = 0;
            }
        } else if (pfx == PFX_F3 && !mem) {     /* MOVQ2DQ xmm, mm */
            check_sse(env, d);
            mmx_enter(env);
            env->xmm[reg].q[0] = mm_get(env, rm);
            env->xmm[reg].q[1] = 0;
        } else if (pfx == PFX_F2 && !mem) {     /* MOVDQ2Q mm, xmm */
            check_sse(env, d);
            mmx_enter(env);
            mm_set(env, reg, env->xmm[rm].q[0]);
        } else {
            ud(env, d);
        }
        return;
    case 0xd7: {                /* PMOVMSKB */
        unsigned m = 0;
        if (mem || pfx > PFX_66) {
            ud(env, d);
        }
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            uint64_t v = mm_get(env, rm);
            for (unsigned i = 0; i < 8; i++) {
                m |= ((v >> (8 * i + 7)) & 1) << i;
            }
        } else {
            check_sse(env, d);
            for (unsigned i = 0; i < 16; i++) {
                m |= (env->xmm[rm].b[i] >> 7) << i;
            }
        }
        gpr_set(env, reg, d->sz, m);
        return;
    }
    case 0xe7:                  /* MOVNTQ, MOVNTDQ */
        if (!mem || pfx > PFX_66) {
            ud(env, d);
        }
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            cpu_st(env, WR(3), 3, mm_get(env, reg));
        } else {
            check_sse(env, d);
            st_vec(env, aligned_lin(env, d), 16, &env->xmm[reg]);
        }
        return;
    case 0xf0:                  /* LDDQU */
        if (!mem || pfx != PFX_F2) {
            ud(env, d);
        }
        check_sse(env, d);
        env->xmm[reg] = xmm_src(env, d, 16, false);
        return;
    case 0xf7: {                /* MASKMOVQ, MASKMOVDQU: to DS:rDI */
        if (mem || pfx > PFX_66) {
            ud(env, d);
        }
        unsigned n = pfx == PFX_66 ? 16 : 8;
        if (pfx == PFX_NONE) {
            check_mmx(env, d);
            mmx_enter(env);
            s.q[0] = mm_get(env, reg);
            r.q[0] = mm_get(env, rm);
        } else {
            check_sse(env, d);
            s = env->xmm[reg];
            r = env->xmm[rm];
        }
        uint64_t off = env->regs[R_EDI];
        off &= d->asz == 1 ? 0xffff : d->asz == 2 ? 0xffffffff : ~0ull;
        uint64_t base = env->segs[d->seg].base;
        if ((env->hflags & HF_CS64) && d->seg < R_FS) {
            base = 0;
        }
        for (unsigned i = 0; i < n; i++) {
            if (r.b[i] & 0x80) {
                cpu_st(env, lin_add(env, base + off, i), 0, s.b[i]);
            }
        }
        return;
    }
    default:
        break;
    }

#if HOST_SSE
    /* the floating-point forms */
    switch (op) {
    case 0x51: case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e:
    case 0x5f: {
        static const uint8_t group[16] = {
            [0x1] = FP_sqrtps, [0x8] = FP_addps, [0x9] = FP_mulps,
            [0xc] = FP_subps, [0xd] = FP_minps, [0xe] = FP_divps,
            [0xf] = FP_maxps,
        };
        check_sse(env, d);
        s = xmm_src(env, d, fp_mem_bytes(pfx), true);
        r = fp2(env, group[op & 15] + fp_group(pfx), &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    }
    case 0x52: case 0x53:       /* RSQRTPS/SS, RCPPS/SS */
        if (pfx != PFX_NONE && pfx != PFX_F3) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, fp_mem_bytes(pfx), true);
        r = fp2(env, (op == 0x52 ? FP_rsqrtps : FP_rcpps)
                     + (pfx == PFX_F3), &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    case 0x5a: {                /* CVTPS2PD/CVTPD2PS/CVTSS2SD/CVTSD2SS */
        static const uint8_t bytes[4] = { 8, 16, 8, 4 };
        check_sse(env, d);
        s = xmm_src(env, d, bytes[pfx], true);
        r = fp2(env, FP_cvtps2pd + fp_group(pfx), &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    }
    case 0x5b:                  /* CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ */
        if (pfx == PFX_F2) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        r = fp2(env, pfx == PFX_NONE ? FP_cvtdq2ps : pfx == PFX_66
                     ? FP_cvtps2dq : FP_cvttps2dq, &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    case 0xe6:                  /* CVTTPD2DQ, CVTPD2DQ, CVTDQ2PD */
        if (pfx == PFX_NONE) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, pfx == PFX_F3 ? 8 : 16, true);
        r = fp2(env, pfx == PFX_66 ? FP_cvttpd2dq : pfx == PFX_F2
                     ? FP_cvtpd2dq : FP_cvtdq2pd, &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    case 0x7c: case 0x7d: case 0xd0: {  /* HADD, HSUB, ADDSUB */
        unsigned base = op == 0x7c ? FP_haddps : op == 0x7d ? FP_hsubps
                                                            : FP_addsubps;
        if (pfx != PFX_66 && pfx != PFX_F2) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, 16, true);
        r = fp2(env, base + (pfx == PFX_66), &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    }
    case 0xc2:                  /* CMPPS/PD/SS/SD */
        check_sse(env, d);
        s = xmm_src(env, d, fp_mem_bytes(pfx), true);
        r = fp_cmp(env, pfx, d->imm & 7, &env->xmm[reg], &s);
        env->xmm[reg] = r;
        return;
    case 0x2e: case 0x2f: {     /* UCOMISS/UCOMISD, COMISS/COMISD */
        if (pfx > PFX_66) {
            ud(env, d);
        }
        check_sse(env, d);
        s = xmm_src(env, d, pfx == PFX_66 ? 8 : 4, false);
        uint32_t f = fp_comi(env, (op == 0x2f ? 2 : 0) + (pfx == PFX_66),
                             &env->xmm[reg], &s);
        env->cc_src = f;        /* OF, SF, AF cleared */
        env->cc_op = CC_OP_EFLAGS;
        return;
    }
    case 0x2a:
        check_sse(env, d);
        if (pfx == PFX_F3 || pfx == PFX_F2) {   /* CVTSI2SS/SD */
            uint64_t v = mem ? cpu_ld(env, RD(d->sz), d->sz)
                             : gpr_get(env, rm, d->sz);
            r = fp_from_int(env, pfx == PFX_F2, d->sz, &env->xmm[reg], v);
            env->xmm[reg] = r;
        } else {        /* CVTPI2PS/PD xmm, mm/m64 */
            XMMReg a = { .q = { 0, 0 } };
            if (!mem) {
                mmx_enter(env);
            }
            a.q[0] = mm_src(env, d, 3);
            if (pfx == PFX_NONE) {
                r = fp2(env, FP_cvtdq2ps, &a, &a);
                env->xmm[reg].q[0] = r.q[0];
            } else {
                env->xmm[reg] = fp2(env, FP_cvtdq2pd, &a, &a);
            }
        }
        return;
    case 0x2c: case 0x2d: {
        bool trunc = op == 0x2c;
        check_sse(env, d);
        if (pfx == PFX_F3 || pfx == PFX_F2) {   /* CVT(T)SS2SI/SD2SI */
            s = xmm_src(env, d, pfx == PFX_F2 ? 8 : 4, false);
            uint64_t v = fp_to_int(env, pfx == PFX_F2, trunc, d->sz, &s);
            gpr_set(env, reg, d->sz, v);
        } else {        /* CVT(T)PS2PI (xmm/m64), CVT(T)PD2PI (xmm/m128) */
            XMMReg a = xmm_src(env, d, pfx == PFX_66 ? 16 : 8, true);
            if (pfx == PFX_NONE) {
                a.q[1] = 0;     /* only the low two elements convert */
                r = fp2(env, trunc ? FP_cvttps2dq : FP_cvtps2dq, &a, &a);
            } else {
                r = fp2(env, trunc ? FP_cvttpd2dq : FP_cvtpd2dq, &a, &a);
            }
            mmx_enter(env);
            mm_set(env, reg, r.q[0]);
        }
        return;
    }
    default:
        break;
    }
#endif
    ud(env, d);
}
