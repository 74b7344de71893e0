/*
 * The SSE test's operations, shared by the host generator (gen-sse.c, run
 * natively at build time) and the guest program (sse.c): each runs one
 * instruction (or a short MMX/GPR round trip) with XMM0 = a, XMM1 = b and
 * MXCSR = *csr, and leaves XMM0 in a and the resulting MXCSR in *csr. The
 * same inline assembly runs on the host CPU and on the emulator, so the
 * host's results are the expected ones. Also the "compiled C" part: plain
 * C that gcc turns into SSE code for struct copies and double arithmetic.
 * Every exception stays masked here; unmasked ones are unit-tested
 * (tests/unit/test-sse.c).
 */
#ifndef SSE_OPS_H
#define SSE_OPS_H

#include <stdint.h>

struct xv {
    uint32_t l[4];
};

typedef void (*sse_fn)(struct xv *a, const struct xv *b, uint32_t *csr);

#define SSE_BODY(insn) \
    __asm__ __volatile__("ldmxcsr %1\n\tmovdqu %0, %%xmm0\n\t" \
                         "movdqu %2, %%xmm1\n\t" insn "\n\t" \
                         "movdqu %%xmm0, %0\n\tstmxcsr %1" \
                         : "+m"(*a), "+m"(*csr) : "m"(*b) \
                         : "xmm0", "xmm1", "eax", "cc")

/* Reading flags: clear EAX, compare, LAHF, EAX into XMM0. */
#define FLAGS_OF(insn) "xor %%eax, %%eax\n\t" insn "\n\tlahf\n\tmovd %%eax, %%xmm0"
/* An MMX form: XMM0/XMM1 low halves through MM0/MM1 and back. */
#define MMX_OF(insn) "movdq2q %%xmm0, %%mm0\n\tmovdq2q %%xmm1, %%mm1\n\t" insn \
                     "\n\tmovq2dq %%mm0, %%xmm0\n\temms"

/* X(name, instruction, float?) : float ones run under every MXCSR mode. */
#define SSE_OPS(X) \
    X(addps, "addps %%xmm1, %%xmm0", 1) X(addpd, "addpd %%xmm1, %%xmm0", 1) \
    X(addss, "addss %%xmm1, %%xmm0", 1) X(addsd, "addsd %%xmm1, %%xmm0", 1) \
    X(subps, "subps %%xmm1, %%xmm0", 1) X(subpd, "subpd %%xmm1, %%xmm0", 1) \
    X(subss, "subss %%xmm1, %%xmm0", 1) X(subsd, "subsd %%xmm1, %%xmm0", 1) \
    X(mulps, "mulps %%xmm1, %%xmm0", 1) X(mulpd, "mulpd %%xmm1, %%xmm0", 1) \
    X(mulss, "mulss %%xmm1, %%xmm0", 1) X(mulsd, "mulsd %%xmm1, %%xmm0", 1) \
    X(divps, "divps %%xmm1, %%xmm0", 1) X(divpd, "divpd %%xmm1, %%xmm0", 1) \
    X(divss, "divss %%xmm1, %%xmm0", 1) X(divsd, "divsd %%xmm1, %%xmm0", 1) \
    X(minps, "minps %%xmm1, %%xmm0", 1) X(minpd, "minpd %%xmm1, %%xmm0", 1) \
    X(minss, "minss %%xmm1, %%xmm0", 1) X(minsd, "minsd %%xmm1, %%xmm0", 1) \
    X(maxps, "maxps %%xmm1, %%xmm0", 1) X(maxpd, "maxpd %%xmm1, %%xmm0", 1) \
    X(maxss, "maxss %%xmm1, %%xmm0", 1) X(maxsd, "maxsd %%xmm1, %%xmm0", 1) \
    X(sqrtps, "sqrtps %%xmm1, %%xmm0", 1) X(sqrtpd, "sqrtpd %%xmm1, %%xmm0", 1) \
    X(sqrtss, "sqrtss %%xmm1, %%xmm0", 1) X(sqrtsd, "sqrtsd %%xmm1, %%xmm0", 1) \
    X(rcpps, "rcpps %%xmm1, %%xmm0", 1) X(rcpss, "rcpss %%xmm1, %%xmm0", 1) \
    X(rsqrtps, "rsqrtps %%xmm1, %%xmm0", 1) \
    X(rsqrtss, "rsqrtss %%xmm1, %%xmm0", 1) \
    X(andps, "andps %%xmm1, %%xmm0", 0) X(andnps, "andnps %%xmm1, %%xmm0", 0) \
    X(orps, "orps %%xmm1, %%xmm0", 0) X(xorpd, "xorpd %%xmm1, %%xmm0", 0) \
    X(cmpps0, "cmpps $0, %%xmm1, %%xmm0", 1) X(cmpps1, "cmpps $1, %%xmm1, %%xmm0", 1) \
    X(cmpps2, "cmpps $2, %%xmm1, %%xmm0", 1) X(cmpps3, "cmpps $3, %%xmm1, %%xmm0", 1) \
    X(cmpps4, "cmpps $4, %%xmm1, %%xmm0", 1) X(cmpps5, "cmpps $5, %%xmm1, %%xmm0", 1) \
    X(cmpps6, "cmpps $6, %%xmm1, %%xmm0", 1) X(cmpps7, "cmpps $7, %%xmm1, %%xmm0", 1) \
    X(cmppd1, "cmppd $1, %%xmm1, %%xmm0", 1) X(cmppd4, "cmppd $4, %%xmm1, %%xmm0", 1) \
    X(cmpss2, "cmpss $2, %%xmm1, %%xmm0", 1) X(cmpsd3, "cmpsd $3, %%xmm1, %%xmm0", 1) \
    X(cmpsd5, "cmpsd $5, %%xmm1, %%xmm0", 1) \
    X(comiss, FLAGS_OF("comiss %%xmm1, %%xmm0"), 1) \
    X(ucomiss, FLAGS_OF("ucomiss %%xmm1, %%xmm0"), 1) \
    X(comisd, FLAGS_OF("comisd %%xmm1, %%xmm0"), 1) \
    X(ucomisd, FLAGS_OF("ucomisd %%xmm1, %%xmm0"), 1) \
    X(cvtps2pd, "cvtps2pd %%xmm1, %%xmm0", 1) X(cvtpd2ps, "cvtpd2ps %%xmm1, %%xmm0", 1) \
    X(cvtss2sd, "cvtss2sd %%xmm1, %%xmm0", 1) X(cvtsd2ss, "cvtsd2ss %%xmm1, %%xmm0", 1) \
    X(cvtdq2ps, "cvtdq2ps %%xmm1, %%xmm0", 1) X(cvtps2dq, "cvtps2dq %%xmm1, %%xmm0", 1) \
    X(cvttps2dq, "cvttps2dq %%xmm1, %%xmm0", 1) X(cvtdq2pd, "cvtdq2pd %%xmm1, %%xmm0", 1) \
    X(cvtpd2dq, "cvtpd2dq %%xmm1, %%xmm0", 1) X(cvttpd2dq, "cvttpd2dq %%xmm1, %%xmm0", 1) \
    X(cvtss2si, "cvtss2si %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 1) \
    X(cvttss2si, "cvttss2si %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 1) \
    X(cvtsd2si, "cvtsd2si %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 1) \
    X(cvttsd2si, "cvttsd2si %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 1) \
    X(cvtsi2ss, "movd %%xmm1, %%eax\n\tcvtsi2ss %%eax, %%xmm0", 1) \
    X(cvtsi2sd, "movd %%xmm1, %%eax\n\tcvtsi2sd %%eax, %%xmm0", 1) \
    X(cvtpi2ps, "movdq2q %%xmm1, %%mm1\n\tcvtpi2ps %%mm1, %%xmm0\n\temms", 1) \
    X(cvtpi2pd, "movdq2q %%xmm1, %%mm1\n\tcvtpi2pd %%mm1, %%xmm0\n\temms", 1) \
    X(cvtps2pi, "cvtps2pi %%xmm1, %%mm0\n\tmovq2dq %%mm0, %%xmm0\n\temms", 1) \
    X(cvttpd2pi, "cvttpd2pi %%xmm1, %%mm0\n\tmovq2dq %%mm0, %%xmm0\n\temms", 1) \
    X(addsubps, "addsubps %%xmm1, %%xmm0", 1) X(addsubpd, "addsubpd %%xmm1, %%xmm0", 1) \
    X(haddps, "haddps %%xmm1, %%xmm0", 1) X(haddpd, "haddpd %%xmm1, %%xmm0", 1) \
    X(hsubps, "hsubps %%xmm1, %%xmm0", 1) X(hsubpd, "hsubpd %%xmm1, %%xmm0", 1) \
    X(unpcklps, "unpcklps %%xmm1, %%xmm0", 0) X(unpckhps, "unpckhps %%xmm1, %%xmm0", 0) \
    X(unpcklpd, "unpcklpd %%xmm1, %%xmm0", 0) X(unpckhpd, "unpckhpd %%xmm1, %%xmm0", 0) \
    X(shufps, "shufps $0x1b, %%xmm1, %%xmm0", 0) X(shufpd, "shufpd $1, %%xmm1, %%xmm0", 0) \
    X(movss, "movss %%xmm1, %%xmm0", 0) X(movsd, "movsd %%xmm1, %%xmm0", 0) \
    X(movhlps, "movhlps %%xmm1, %%xmm0", 0) X(movlhps, "movlhps %%xmm1, %%xmm0", 0) \
    X(movsldup, "movsldup %%xmm1, %%xmm0", 0) X(movshdup, "movshdup %%xmm1, %%xmm0", 0) \
    X(movddup, "movddup %%xmm1, %%xmm0", 0) X(movq, "movq %%xmm1, %%xmm0", 0) \
    X(movmskps, "movmskps %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 0) \
    X(movmskpd, "movmskpd %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 0) \
    X(pshufd, "pshufd $0x4e, %%xmm1, %%xmm0", 0) X(pshufhw, "pshufhw $0x1b, %%xmm1, %%xmm0", 0) \
    X(pshuflw, "pshuflw $0xb1, %%xmm1, %%xmm0", 0) \
    X(paddb, "paddb %%xmm1, %%xmm0", 0) X(paddw, "paddw %%xmm1, %%xmm0", 0) \
    X(paddd, "paddd %%xmm1, %%xmm0", 0) X(paddq, "paddq %%xmm1, %%xmm0", 0) \
    X(psubb, "psubb %%xmm1, %%xmm0", 0) X(psubw, "psubw %%xmm1, %%xmm0", 0) \
    X(psubd, "psubd %%xmm1, %%xmm0", 0) X(psubq, "psubq %%xmm1, %%xmm0", 0) \
    X(paddsb, "paddsb %%xmm1, %%xmm0", 0) X(paddsw, "paddsw %%xmm1, %%xmm0", 0) \
    X(paddusb, "paddusb %%xmm1, %%xmm0", 0) X(paddusw, "paddusw %%xmm1, %%xmm0", 0) \
    X(psubsb, "psubsb %%xmm1, %%xmm0", 0) X(psubsw, "psubsw %%xmm1, %%xmm0", 0) \
    X(psubusb, "psubusb %%xmm1, %%xmm0", 0) X(psubusw, "psubusw %%xmm1, %%xmm0", 0) \
    X(pmullw, "pmullw %%xmm1, %%xmm0", 0) X(pmulhw, "pmulhw %%xmm1, %%xmm0", 0) \
    X(pmulhuw, "pmulhuw %%xmm1, %%xmm0", 0) X(pmuludq, "pmuludq %%xmm1, %%xmm0", 0) \
    X(pmaddwd, "pmaddwd %%xmm1, %%xmm0", 0) X(psadbw, "psadbw %%xmm1, %%xmm0", 0) \
    X(pavgb, "pavgb %%xmm1, %%xmm0", 0) X(pavgw, "pavgw %%xmm1, %%xmm0", 0) \
    X(pminub, "pminub %%xmm1, %%xmm0", 0) X(pmaxub, "pmaxub %%xmm1, %%xmm0", 0) \
    X(pminsw, "pminsw %%xmm1, %%xmm0", 0) X(pmaxsw, "pmaxsw %%xmm1, %%xmm0", 0) \
    X(pcmpeqb, "pcmpeqb %%xmm1, %%xmm0", 0) X(pcmpeqw, "pcmpeqw %%xmm1, %%xmm0", 0) \
    X(pcmpeqd, "pcmpeqd %%xmm1, %%xmm0", 0) X(pcmpgtb, "pcmpgtb %%xmm1, %%xmm0", 0) \
    X(pcmpgtw, "pcmpgtw %%xmm1, %%xmm0", 0) X(pcmpgtd, "pcmpgtd %%xmm1, %%xmm0", 0) \
    X(packsswb, "packsswb %%xmm1, %%xmm0", 0) X(packssdw, "packssdw %%xmm1, %%xmm0", 0) \
    X(packuswb, "packuswb %%xmm1, %%xmm0", 0) \
    X(punpcklbw, "punpcklbw %%xmm1, %%xmm0", 0) X(punpcklwd, "punpcklwd %%xmm1, %%xmm0", 0) \
    X(punpckldq, "punpckldq %%xmm1, %%xmm0", 0) X(punpcklqdq, "punpcklqdq %%xmm1, %%xmm0", 0) \
    X(punpckhbw, "punpckhbw %%xmm1, %%xmm0", 0) X(punpckhwd, "punpckhwd %%xmm1, %%xmm0", 0) \
    X(punpckhdq, "punpckhdq %%xmm1, %%xmm0", 0) X(punpckhqdq, "punpckhqdq %%xmm1, %%xmm0", 0) \
    X(pand, "pand %%xmm1, %%xmm0", 0) X(pandn, "pandn %%xmm1, %%xmm0", 0) \
    X(por, "por %%xmm1, %%xmm0", 0) X(pxor, "pxor %%xmm1, %%xmm0", 0) \
    X(psrlw, "psrlw %%xmm1, %%xmm0", 0) X(psrld, "psrld %%xmm1, %%xmm0", 0) \
    X(psrlq, "psrlq %%xmm1, %%xmm0", 0) X(psraw, "psraw %%xmm1, %%xmm0", 0) \
    X(psrad, "psrad %%xmm1, %%xmm0", 0) X(psllw, "psllw %%xmm1, %%xmm0", 0) \
    X(pslld, "pslld %%xmm1, %%xmm0", 0) X(psllq, "psllq %%xmm1, %%xmm0", 0) \
    X(psrlw_small, "movd %%xmm1, %%eax\n\tand $15, %%eax\n\tmovd %%eax, %%xmm1\n\tpsrlw %%xmm1, %%xmm0", 0) \
    X(psrad_small, "movd %%xmm1, %%eax\n\tand $31, %%eax\n\tmovd %%eax, %%xmm1\n\tpsrad %%xmm1, %%xmm0", 0) \
    X(psllq_small, "movd %%xmm1, %%eax\n\tand $63, %%eax\n\tmovd %%eax, %%xmm1\n\tpsllq %%xmm1, %%xmm0", 0) \
    X(psrlw_i, "psrlw $3, %%xmm0", 0) X(psraw_i, "psraw $9, %%xmm0", 0) \
    X(psrad_i, "psrad $31, %%xmm0", 0) X(pslld_i, "pslld $1, %%xmm0", 0) \
    X(psllq_i, "psllq $33, %%xmm0", 0) X(psrlq_i, "psrlq $63, %%xmm0", 0) \
    X(psrldq_i, "psrldq $5, %%xmm0", 0) X(pslldq_i, "pslldq $7, %%xmm0", 0) \
    X(pmovmskb, "pmovmskb %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 0) \
    X(pextrw, "pextrw $5, %%xmm1, %%eax\n\tmovd %%eax, %%xmm0", 0) \
    X(pinsrw, "movd %%xmm1, %%eax\n\tpinsrw $3, %%eax, %%xmm0", 0) \
    X(mmx_paddb, MMX_OF("paddb %%mm1, %%mm0"), 0) \
    X(mmx_psubusw, MMX_OF("psubusw %%mm1, %%mm0"), 0) \
    X(mmx_pmulhw, MMX_OF("pmulhw %%mm1, %%mm0"), 0) \
    X(mmx_pmaddwd, MMX_OF("pmaddwd %%mm1, %%mm0"), 0) \
    X(mmx_psadbw, MMX_OF("psadbw %%mm1, %%mm0"), 0) \
    X(mmx_pshufw, MMX_OF("pshufw $0x1b, %%mm1, %%mm0"), 0) \
    X(mmx_packsswb, MMX_OF("packsswb %%mm1, %%mm0"), 0) \
    X(mmx_punpcklbw, MMX_OF("punpcklbw %%mm1, %%mm0"), 0) \
    X(mmx_psrlq_i, MMX_OF("psrlq $7, %%mm0"), 0) \
    X(mmx_pmuludq, MMX_OF("pmuludq %%mm1, %%mm0"), 0) \
    X(mmx_movd, MMX_OF("movd %%mm1, %%eax\n\tmovd %%eax, %%mm0"), 0) \
    X(mmx_pextrw, MMX_OF("pextrw $2, %%mm1, %%eax\n\tpinsrw $1, %%eax, %%mm0"), 0)

#ifdef __x86_64__
/* REX.W forms: 64-bit integers */
#define SSE_OPS64(X) \
    X(cvtsd2si64, "cvtsd2si %%xmm1, %%rax\n\tmovq %%rax, %%xmm0", 1) \
    X(cvttss2si64, "cvttss2si %%xmm1, %%rax\n\tmovq %%rax, %%xmm0", 1) \
    X(cvtsi2sd64, "movq %%xmm1, %%rax\n\tcvtsi2sdq %%rax, %%xmm0", 1) \
    X(cvtsi2ss64, "movq %%xmm1, %%rax\n\tcvtsi2ssq %%rax, %%xmm0", 1) \
    X(movq_gpr, "movq %%xmm1, %%rax\n\tror $8, %%rax\n\tmovq %%rax, %%xmm0", 0)
#else
#define SSE_OPS64(X)
#endif

#define SSE_ALL_OPS(X) SSE_OPS(X) SSE_OPS64(X)

#define SSE_DEFINE(name, insn, isfloat) \
    static void sse_op_##name(struct xv *a, const struct xv *b, uint32_t *csr) \
    { \
        SSE_BODY(insn); \
    }
SSE_ALL_OPS(SSE_DEFINE)
#undef SSE_DEFINE

/* The MXCSR modes float operations run under: the four rounding modes,
 * then DAZ and FTZ, all exceptions masked. */
static const uint32_t sse_modes[] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0 };
#define SSE_NMODES 5

/* --- the compiled-C part: what gcc makes of ordinary code --- */

struct c_blob {
    uint32_t w[20];
    double d[3];
};

struct c_result {
    struct c_blob zeroed, copied;
    double harmonic, product, quotient, absval, minv, maxv, widened;
    int32_t truncated, rounded_cmp, count_lt;
};

static __attribute__((noinline)) void c_zero(struct c_blob *b)
{
    *b = (struct c_blob){ { 0 }, { 0 } };
}

static __attribute__((noinline)) void c_copy(struct c_blob *d,
                                             const struct c_blob *s)
{
    *d = *s;
}

static __attribute__((noinline)) double c_harmonic(int n)
{
    double s = 0;
    for (int i = 1; i <= n; i++) {
        s += 1.0 / i;
    }
    return s;
}

static void c_program(const double *in, int n, struct c_result *r)
{
    struct c_blob src;
    for (int i = 0; i < 20; i++) {
        src.w[i] = 0x01010101u * (i + 1);
        r->zeroed.w[i] = 0xffffffffu;
    }
    src.d[0] = in[0];
    src.d[1] = in[1];
    src.d[2] = in[2];
    r->zeroed.d[0] = r->zeroed.d[1] = r->zeroed.d[2] = 1.0;
    c_zero(&r->zeroed);
    c_copy(&r->copied, &src);
    r->harmonic = c_harmonic(n);
    r->product = 1.0;
    r->quotient = 1e300;
    r->minv = in[0];
    r->maxv = in[0];
    r->count_lt = 0;
    for (int i = 0; i < n; i++) {
        double x = in[i % 3] * (i + 1) - 0.25 * i;
        r->product *= x;
        r->quotient /= x;
        r->minv = x < r->minv ? x : r->minv;
        r->maxv = x > r->maxv ? x : r->maxv;
        r->count_lt += x < 10.0;
    }
    r->absval = __builtin_fabs(in[2] - in[0]);
    r->widened = (double)(float)in[1];
    r->truncated = (int32_t)(r->harmonic * 1000.0);
    r->rounded_cmp = (float)in[1] == in[1];
}

static const double c_inputs[3] = { 1.5, 0.1, -2.75 };
#define C_N 40

#endif
