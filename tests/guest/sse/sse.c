/*
 * MMX/SSE/SSE2/SSE3 against the build host: every operation of sse-ops.h
 * runs on the emulated CPU over the generator's input vectors and MXCSR
 * modes (rounding, DAZ/FTZ), and the XMM result and the MXCSR flags must
 * equal what the host CPU produced (sse-table.h). Then ordinary C that gcc
 * compiles to SSE (struct zeroing and copying with movups/pxor, double
 * arithmetic, conversions, comparisons) must give the host's results.
 * The guest runtime is built without SSE; this file enables it for its own
 * functions and sets CR4.OSFXSR and CR4.OSXMMEXCPT first.
 */
#include "runtime.h"

#pragma GCC push_options
#pragma GCC target("sse2,sse3,fpmath=sse")
#include "sse-ops.h"

struct sse_exp {
    struct xv r;
    uint32_t csr;
};
#include "sse-table.h"

/* gcc keeps SSE locals 16-byte aligned on the stack; the 32-bit runtime
 * does not promise that alignment, so realign here (a misaligned MOVAPS
 * is #GP on hardware too) */
static __attribute__((noipa, force_align_arg_pointer))
void run_c_program(struct c_result *r)
{
    c_program(c_inputs, C_N, r);
}

#define CR0_TS (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

/* Read by a RIP-relative operand with an immediate after it. */
struct xv sse_rip_vec __attribute__((aligned(16))) = { { 1, 2, 3, 4 } };

/* Memory operands, exceptions and FXSAVE/FXRSTOR. */
static __attribute__((noipa)) void check_memory_and_exceptions(void)
{
    static float fin[8] __attribute__((aligned(16))) = {
        1, 2, 3, 4, 10, 20, 30, 40 };
    static uint8_t area[512 + 16] __attribute__((aligned(16)));
    static struct xv pat = { { 0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00 } };
    static float fzero;
    float out[4];
    uint32_t csr, csr_default = 0x1f80;

    __asm__ __volatile__("movups %1, %%xmm0\n\taddps %2, %%xmm0\n\t"
                         "movups %%xmm0, %0"
                         : "=m"(out) : "m"(fin[0]), "m"(fin[4]) : "xmm0");
    CHECK(out[0] == 11 && out[1] == 22 && out[2] == 33 && out[3] == 44,
          "ADDPS with an aligned memory operand");
    __asm__ __volatile__("movups %1, %%xmm0\n\tmovups %%xmm0, %0"
                         : "=m"(out) : "m"(fin[1]) : "xmm0");
    CHECK(out[0] == 2 && out[3] == 10, "MOVUPS from a misaligned address");
    __asm__ __volatile__("xorps %%xmm0, %%xmm0\n\tmovhps %1, %%xmm0\n\t"
                         "movups %%xmm0, %0"
                         : "=m"(out) : "m"(fin[4]) : "xmm0");
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 10 && out[3] == 20,
          "MOVHPS loads the high half");
#ifdef __x86_64__
    struct xv x;
    __asm__ __volatile__("pshufd $0x1b, sse_rip_vec(%%rip), %%xmm0\n\t"
                         "movdqu %%xmm0, %0" : "=m"(x) : : "xmm0");
    CHECK(x.l[0] == 4 && x.l[1] == 3 && x.l[2] == 2 && x.l[3] == 1,
          "PSHUFD with a RIP-relative operand and an immediate");
#endif

    static uint8_t bytes[32] __attribute__((aligned(16)));
    static const uint8_t mask[16] = { 0x80, 0, 0xff, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0x81 };
    for (int i = 0; i < 32; i++) {
        bytes[i] = i;
    }
    /* MASKMOVDQU: bytes 0, 2 and 15 of XMM0 (all 0xee) to [rDI] */
    __asm__ __volatile__("movd %2, %%xmm0\n\tpshufd $0, %%xmm0, %%xmm0\n\t"
                         "movdqu %1, %%xmm1\n\tmaskmovdqu %%xmm1, %%xmm0"
                         : : "D"(bytes + 1), "m"(mask), "r"(0xeeeeeeeeu)
                         : "xmm0", "xmm1", "memory");
    CHECK(bytes[0] == 0 && bytes[1] == 0xee && bytes[2] == 2 && bytes[3] == 0xee
          && bytes[15] == 15 && bytes[16] == 0xee && bytes[17] == 17,
          "MASKMOVDQU stores the selected bytes at [rDI]");
    uint32_t word = 0x12345678, word_out = 0;
    __asm__ __volatile__("movnti %1, %0" : "=m"(word_out) : "r"(word));
    CHECK_EQ(word_out, 0x12345678, "MOVNTI stores a GPR");
    __asm__ __volatile__("lddqu %1, %%xmm0\n\tmovntdq %%xmm0, %0"
                         : "=m"(*(struct xv *)&bytes[16])
                         : "m"(*(const struct xv *)&bytes[3]) : "xmm0");
    CHECK(bytes[16] == 0xee && bytes[17] == 4 && bytes[31] == 18,
          "LDDQU from a misaligned address, MOVNTDQ to an aligned one");
    uint16_t w16 = 0xbeef;
    __asm__ __volatile__("pxor %%xmm0, %%xmm0\n\tpinsrw $6, %1, %%xmm0\n\t"
                         "psrldq $12, %%xmm0\n\tmovd %%xmm0, %0"
                         : "=m"(word_out) : "m"(w16) : "xmm0");
    CHECK_EQ(word_out, 0xbeef, "PINSRW from memory, PSRLDQ, MOVD to memory");

    TRY_ASM("movaps 4(%0), %%xmm0", : : "r"(fin) : "xmm0", "memory");
    CHECK_EQ(rt_caught.vector, 13, "MOVAPS from a misaligned address raises #GP");
    TRY_ASM("paddd 8(%0), %%xmm0", : : "r"(fin) : "xmm0", "memory");
    CHECK_EQ(rt_caught.vector, 13, "PADDD with a misaligned operand raises #GP");

    /* unmasked divide by zero: #XM, flag set, destination kept */
    csr = 0x1f80 & ~0x200;
    TRY_ASM("ldmxcsr %0\n\tmovss %1, %%xmm2\n\tdivss %2, %%xmm2",
            : : "m"(csr), "m"(fin[0]), "m"(fzero) : "xmm2");
    __asm__ __volatile__("movss %%xmm2, %0\n\tstmxcsr %1\n\tldmxcsr %2"
                         : "=m"(out[0]), "=m"(csr) : "m"(csr_default));
    CHECK_EQ(rt_caught.vector, 19, "unmasked zero divide raises #XM");
    CHECK(out[0] == 1 && (csr & 0x3f) == 0x04,
          "#XM: ZE set (mxcsr %x), destination unchanged", (unsigned)csr);
    WRITE_CR(4, READ_CR(4) & ~(ureg)CR4_OSXMMEXCPT);
    csr = 0x1f80 & ~0x200;
    TRY_ASM("ldmxcsr %0\n\tmovss %1, %%xmm2\n\tdivss %2, %%xmm2",
            : : "m"(csr), "m"(fin[0]), "m"(fzero) : "xmm2");
    __asm__ __volatile__("ldmxcsr %0" : : "m"(csr_default));
    WRITE_CR(4, READ_CR(4) | CR4_OSXMMEXCPT);
    CHECK_EQ(rt_caught.vector, 6, "without CR4.OSXMMEXCPT it is #UD");

    csr = 0x10000;
    TRY_ASM("ldmxcsr %0", : : "m"(csr));
    CHECK_EQ(rt_caught.vector, 13, "LDMXCSR with a reserved bit raises #GP");

    WRITE_CR(0, READ_CR(0) | CR0_TS);
    TRY_ASM("xorps %%xmm0, %%xmm0", : : : "xmm0");
    __asm__ __volatile__("clts");
    CHECK_EQ(rt_caught.vector, 7, "SSE with CR0.TS raises #NM");

    WRITE_CR(4, READ_CR(4) & ~(ureg)CR4_OSFXSR);
    TRY_ASM("xorps %%xmm0, %%xmm0", : : : "xmm0");
    int ud = rt_caught.vector;
    TRY_ASM("pxor %%mm0, %%mm0\n\temms", : : : "memory");
    int mmx = rt_caught.vector;
    WRITE_CR(4, READ_CR(4) | CR4_OSFXSR);
    CHECK_EQ(ud, 6, "SSE without CR4.OSFXSR raises #UD");
    CHECK_EQ(mmx, -1, "MMX runs without CR4.OSFXSR");

    /* FXSAVE, clobber, FXRSTOR */
    __asm__ __volatile__("movdqu %1, %%xmm3\n\tfxsave %0\n\tpxor %%xmm3, %%xmm3\n\t"
                         "fxrstor %0\n\tmovdqu %%xmm3, %1"
                         : "+m"(area), "+m"(pat) : : "xmm3");
    CHECK(pat.l[0] == 0x11223344 && pat.l[3] == 0xddeeff00
          && area[160 + 3 * 16] == 0x44 && area[24] == 0x80 && area[25] == 0x1f,
          "FXSAVE stores XMM3 and MXCSR where the SDM says; FXRSTOR restores");
#ifdef __x86_64__
    __asm__ __volatile__("movdqu %1, %%xmm15\n\tfxsave64 %0\n\tpxor %%xmm15, %%xmm15\n\t"
                         "fxrstor64 %0\n\tmovdqu %%xmm15, %1"
                         : "+m"(area), "+m"(pat) : : "xmm15");
    CHECK(pat.l[1] == 0x55667788 && area[160 + 15 * 16 + 4] == 0x88,
          "FXSAVE64/FXRSTOR64 keep XMM15");
#endif
    TRY_ASM("fxsave 8(%0)", : : "r"(area) : "memory");
    CHECK_EQ(rt_caught.vector, 13, "FXSAVE to a misaligned address raises #GP");
}
#pragma GCC pop_options

/* The bits of a double, read without SSE (this part is built without it;
 * passing doubles between the two parts would not agree on registers). */
static uint64_t dbits(const double *d)
{
    uint64_t q;
    __builtin_memcpy(&q, d, sizeof(q));
    return q;
}

const char *test_name = "sse";

struct sse_op {
    const char *name;
    sse_fn fn;
    int isfloat;
    const struct sse_exp *exp;
};

static const struct sse_op ops[] = {
#define OP_ENTRY(name, insn, isfloat) \
    { #name, sse_op_##name, isfloat, sse_exp_##name },
    SSE_ALL_OPS(OP_ENTRY)
#undef OP_ENTRY
};

static void enable_sse(void)
{
    WRITE_CR(4, READ_CR(4) | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

static void check_ops(void)
{
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        const struct sse_op *op = &ops[o];
        unsigned nmodes = op->isfloat ? SSE_NMODES : 1, n = 0, bad = 0;
        for (unsigned p = 0; p < SSE_NPAIRS; p++) {
            for (unsigned m = 0; m < nmodes; m++, n++) {
                const struct sse_exp *e = &op->exp[n];
                struct xv a = sse_inputs[sse_pairs[p][0]];
                uint32_t csr = sse_modes[m];
                op->fn(&a, &sse_inputs[sse_pairs[p][1]], &csr);
                bool ok = csr == e->csr;
                for (int i = 0; i < 4; i++) {
                    ok = ok && a.l[i] == e->r.l[i];
                }
                if (!ok && bad++ < 2) {
                    const struct xv *x = &sse_inputs[sse_pairs[p][0]];
                    const struct xv *y = &sse_inputs[sse_pairs[p][1]];
                    rt_printf("# %s mxcsr=%x a=%08x:%08x:%08x:%08x "
                              "b=%08x:%08x:%08x:%08x\n#   got %08x:%08x:%08x:%08x "
                              "mxcsr=%x, want %08x:%08x:%08x:%08x mxcsr=%x\n",
                              op->name, (unsigned)sse_modes[m],
                              (unsigned)x->l[3], (unsigned)x->l[2],
                              (unsigned)x->l[1], (unsigned)x->l[0],
                              (unsigned)y->l[3], (unsigned)y->l[2],
                              (unsigned)y->l[1], (unsigned)y->l[0],
                              (unsigned)a.l[3], (unsigned)a.l[2],
                              (unsigned)a.l[1], (unsigned)a.l[0], (unsigned)csr,
                              (unsigned)e->r.l[3], (unsigned)e->r.l[2],
                              (unsigned)e->r.l[1], (unsigned)e->r.l[0],
                              (unsigned)e->csr);
                }
            }
        }
        rt_check(bad == 0, "%s: %u cases, %u differ from the host", op->name,
                 n, bad);
    }
}

static void check_double(const char *what, const double *got,
                         const double *want)
{
    uint64_t g = dbits(got), w = dbits(want);
    rt_check(g == w, "compiled C: %s bits %08x%08x (want %08x%08x)", what,
             (unsigned)(g >> 32), (unsigned)g, (unsigned)(w >> 32), (unsigned)w);
}

static void check_c_program(void)
{
    static struct c_result r;
    const struct c_result *w = &c_expected;
    bool zero_ok = true, copy_ok = true;

    run_c_program(&r);
    for (int i = 0; i < 20; i++) {
        zero_ok = zero_ok && r.zeroed.w[i] == 0;
        copy_ok = copy_ok && r.copied.w[i] == w->copied.w[i];
    }
    for (int i = 0; i < 3; i++) {
        zero_ok = zero_ok && dbits(&r.zeroed.d[i]) == 0;
        copy_ok = copy_ok && dbits(&r.copied.d[i]) == dbits(&w->copied.d[i]);
    }
    rt_check(zero_ok, "compiled C: struct zeroed");
    rt_check(copy_ok, "compiled C: struct copied");
    check_double("harmonic sum", &r.harmonic, &w->harmonic);
    check_double("product", &r.product, &w->product);
    check_double("quotient", &r.quotient, &w->quotient);
    check_double("fabs", &r.absval, &w->absval);
    check_double("min", &r.minv, &w->minv);
    check_double("max", &r.maxv, &w->maxv);
    check_double("float widened", &r.widened, &w->widened);
    rt_check(r.truncated == w->truncated, "compiled C: (int)(H(40)*1000) = %d (want %d)",
             (int)r.truncated, (int)w->truncated);
    rt_check(r.rounded_cmp == w->rounded_cmp && r.count_lt == w->count_lt,
             "compiled C: comparisons %d %d (want %d %d)", (int)r.rounded_cmp,
             (int)r.count_lt, (int)w->rounded_cmp, (int)w->count_lt);
}

void test_main(void)
{
    enable_sse();
    check_ops();
    check_c_program();
    check_memory_and_exceptions();
}
