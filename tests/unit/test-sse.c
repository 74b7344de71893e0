/*
 * Unit tests of the interpreter's MMX/SSE/SSE2/SSE3 support
 * (target/i386/tcg/sse_helper.c) through tcg_x86_cpu_exec: small
 * hand-assembled programs in flat 32-bit mode check results, MXCSR flags
 * and the x87/MMX state; programs in real mode, with an IVT whose handlers
 * leave the vector number in AX, check which exception an instruction
 * raises (#UD, #NM, #GP, #XM) under CR0/CR4/MXCSR settings. The guest
 * program tests/guest/sse.c covers the instructions in depth.
 */
#include "qemu/osdep.h"
#include <math.h>
#include <fenv.h>
#include "softmmu/memory.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "tcg-fixture.h"

#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define DATA 0x2000
#define HANDLERS 0x3000

/* The shared fixture, with what an OS that uses SSE sets (SDM vol. 3
 * 13.1.3). */
static bool sse_fixture_init(Fixture *f)
{
    if (!fixture_init(f)) {
        return false;
    }
    f->env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    return true;
}

/* Flat 32-bit protected mode, paging off; run until HLT. */
static void run_flat32(Fixture *f, const uint8_t *code, size_t n)
{
    CPUX86State *env = f->env;
    put(f, 0x1000, code, n);
    enter_flat32(f, 0x1000);
    g_assert_cmpint(tcg_x86_cpu_exec(f->cpu, 10000), ==, X86_EXIT_HALTED);
    g_assert_cmphex(env->rip, ==, 0x1000 + n);
}

/*
 * Real mode at 0000:1000 with BX = DATA; every vector v has a handler that
 * sets AX = v and halts. Returns the vector raised, or -1 when the code
 * reached its own HLT.
 */
static int run_real_vector(Fixture *f, const uint8_t *code, size_t n)
{
    CPUX86State *env = f->env;
    for (unsigned v = 0; v < 32; v++) {
        uint8_t h[4] = { 0xb8, v, 0, 0xf4 };     /* mov ax, v; hlt */
        memcpy(f->mem + HANDLERS + 8 * v, h, sizeof(h));
        f->mem[4 * v] = (HANDLERS + 8 * v) & 0xff;
        f->mem[4 * v + 1] = (HANDLERS + 8 * v) >> 8;
        f->mem[4 * v + 2] = 0;
        f->mem[4 * v + 3] = 0;
    }
    put(f, 0x1000, code, n);
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    env->rip = 0x1000;
    env->regs[R_ESP] = 0x7000;
    env->regs[R_EAX] = 0xffff;
    env->regs[R_EBX] = DATA;
    env->run_state = X86_RUN_RUNNING;
    env->idt.base = 0;
    env->idt.limit = 0x3ff;
    g_assert_cmpint(tcg_x86_cpu_exec(f->cpu, 1000), ==, X86_EXIT_HALTED);
    if (env->rip == 0x1000 + n) {
        return -1;
    }
    return env->regs[R_EAX] & 0xffff;
}

static void test_sse_pxor_movups_zero_memory(void)
{
    Fixture f;
    /* pxor xmm0,xmm0; movups [0x2000],xmm0; movups [0x2010],xmm0; hlt */
    static const uint8_t code[] = {
        0x66, 0x0f, 0xef, 0xc0, 0x0f, 0x11, 0x05, 0x00, 0x20, 0x00, 0x00,
        0x0f, 0x11, 0x05, 0x10, 0x20, 0x00, 0x00, 0xf4 };
    if (!sse_fixture_init(&f)) {
        return;
    }
    memset(f.mem + DATA, 0xa5, 48);
    f.env->xmm[0].q[0] = 0x1234;
    run_flat32(&f, code, sizeof(code));
    for (unsigned i = 0; i < 32; i++) {
        g_assert_cmpuint(f.mem[DATA + i], ==, 0);
    }
    g_assert_cmpuint(f.mem[DATA + 32], ==, 0xa5);
    fixture_free(&f);
}

/* addsd of 1 + 2^-60 under each rounding mode, against the host. */
static void test_sse_addsd_follows_mxcsr_rounding(void)
{
    static const uint8_t code[] = {
        0xf2, 0x0f, 0x10, 0x05, 0x00, 0x20, 0x00, 0x00,     /* movsd xmm0,[a] */
        0xf2, 0x0f, 0x58, 0x05, 0x08, 0x20, 0x00, 0x00,     /* addsd xmm0,[b] */
        0xf2, 0x0f, 0x11, 0x05, 0x10, 0x20, 0x00, 0x00,     /* movsd [r],xmm0 */
        0x0f, 0xae, 0x1d, 0x18, 0x20, 0x00, 0x00,           /* stmxcsr [m] */
        0xf4 };
    static const int host_rc[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD,
                                    FE_TOWARDZERO };
    double a = -1.0, b = ldexp(1.0, -60);

    for (unsigned rc = 0; rc < 4; rc++) {
        Fixture f;
        volatile double va = a, vb = b;
        double want, got;
        uint32_t mxcsr;
        if (!sse_fixture_init(&f)) {
            return;
        }
        fesetround(host_rc[rc]);
        want = va + vb;
        fesetround(FE_TONEAREST);
        memcpy(f.mem + DATA, &a, 8);
        memcpy(f.mem + DATA + 8, &b, 8);
        f.env->mxcsr = 0x1f80 | rc << 13;
        run_flat32(&f, code, sizeof(code));
        memcpy(&got, f.mem + DATA + 0x10, 8);
        memcpy(&mxcsr, f.mem + DATA + 0x18, 4);
        g_assert_cmpmem(&got, 8, &want, 8);
        g_assert_cmphex(mxcsr, ==, 0x1f80 | rc << 13 | 0x20);  /* PE */
        fixture_free(&f);
    }
}

static void test_sse_cvt_out_of_range_is_integer_indefinite(void)
{
    Fixture f;
    /* movsd xmm0,[a]; cvttsd2si eax,xmm0; cvtsd2si ebx,xmm0; hlt */
    static const uint8_t code[] = {
        0xf2, 0x0f, 0x10, 0x05, 0x00, 0x20, 0x00, 0x00, 0xf2, 0x0f, 0x2c, 0xc0,
        0xf2, 0x0f, 0x2d, 0xd8, 0xf4 };
    double big = 3e9;
    if (!sse_fixture_init(&f)) {
        return;
    }
    memcpy(f.mem + DATA, &big, 8);
    run_flat32(&f, code, sizeof(code));
    g_assert_cmphex(f.env->regs[R_EAX], ==, 0x80000000);
    g_assert_cmphex(f.env->regs[R_EBX], ==, 0x80000000);
    g_assert_cmphex(f.env->mxcsr & 0x3f, ==, 0x01);     /* IE */
    fixture_free(&f);
}

static void test_sse_shuffles_and_hadd(void)
{
    Fixture f;
    /* movdqu xmm2,[0x2000]; pshufd xmm3,xmm2,0x1b; psrldq xmm2,3;
     * haddps xmm3,xmm3; movdqu [0x2010],xmm2; movdqu [0x2020],xmm3; hlt */
    static const uint8_t code[] = {
        0xf3, 0x0f, 0x6f, 0x15, 0x00, 0x20, 0x00, 0x00, 0x66, 0x0f, 0x70, 0xda,
        0x1b, 0x66, 0x0f, 0x73, 0xda, 0x03, 0xf2, 0x0f, 0x7c, 0xdb, 0xf3, 0x0f,
        0x7f, 0x15, 0x10, 0x20, 0x00, 0x00, 0xf3, 0x0f, 0x7f, 0x1d, 0x20, 0x20,
        0x00, 0x00, 0xf4 };
    float in[4] = { 1.0f, 2.0f, 4.0f, 8.0f }, out[4];
    uint8_t bytes[16];
    if (!sse_fixture_init(&f)) {
        return;
    }
    memcpy(f.mem + DATA, in, 16);
    run_flat32(&f, code, sizeof(code));
    memcpy(bytes, f.mem + DATA + 0x10, 16);
    for (unsigned i = 0; i < 16; i++) {
        uint8_t want = i + 3 < 16 ? ((uint8_t *)in)[i + 3] : 0;
        g_assert_cmpuint(bytes[i], ==, want);
    }
    /* pshufd 0x1b reverses: 8 4 2 1; haddps: 12 3 12 3 */
    memcpy(out, f.mem + DATA + 0x20, 16);
    g_assert_true(out[0] == 12.0f && out[1] == 3.0f && out[2] == 12.0f
                  && out[3] == 3.0f);
    fixture_free(&f);
}

static void test_sse_comisd_sets_zf_pf_cf(void)
{
    static const uint8_t code[] = { 0x66, 0x0f, 0x2f, 0xc1, 0xf4 };
    struct { double a, b; uint32_t flags; } cases[] = {
        { 1.0, 2.0, 0x01 }, { 2.0, 1.0, 0x00 }, { 1.0, 1.0, 0x40 },
        { NAN, 1.0, 0x45 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture f;
        if (!sse_fixture_init(&f)) {
            return;
        }
        f.env->xmm[0].d[0] = cases[i].a;
        f.env->xmm[1].d[0] = cases[i].b;
        run_flat32(&f, code, sizeof(code));
        g_assert_cmphex(f.env->rflags & 0x8d5, ==, cases[i].flags);
        /* COMISD signals #I on a QNaN (masked: the IE flag) */
        g_assert_cmphex(f.env->mxcsr & 1, ==, isnan(cases[i].a) ? 1 : 0);
        fixture_free(&f);
    }
}

static void test_sse_without_osfxsr_is_ud(void)
{
    Fixture f;
    static const uint8_t code[] = { 0x0f, 0x57, 0xc0, 0xf4 };  /* xorps */
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, 6);
    fixture_free(&f);
}

static void test_sse_with_ts_is_nm(void)
{
    Fixture f;
    static const uint8_t code[] = { 0x0f, 0x57, 0xc0, 0xf4 };  /* xorps */
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->cr[0] |= CR0_TS;
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, 7);
    fixture_free(&f);
}

static void test_mmx_runs_without_osfxsr_and_em_is_ud(void)
{
    static const uint8_t code[] = { 0x0f, 0xfc, 0xc1, 0xf4 };  /* paddb */
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    f.env->fpregs[0].mant = 0x0102030405060708ull;
    f.env->fpregs[1].mant = 0x10ffffffffffff01ull;
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, -1);
    g_assert_cmphex(f.env->fpregs[0].mant, ==, 0x1101020304050609ull);
    fixture_free(&f);

    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->cr[0] |= CR0_EM;
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, 6);
    fixture_free(&f);
}

static void test_sse_misaligned_movaps_is_gp_movups_is_not(void)
{
    /* mov bx, 0x2001; movaps/movups xmm0, [bx]; hlt */
    static const uint8_t movaps[] = { 0xbb, 0x01, 0x20, 0x0f, 0x28, 0x07, 0xf4 };
    static const uint8_t movups[] = { 0xbb, 0x01, 0x20, 0x0f, 0x10, 0x07, 0xf4 };
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    g_assert_cmpint(run_real_vector(&f, movaps, sizeof(movaps)), ==, 13);
    fixture_free(&f);

    if (!sse_fixture_init(&f)) {
        return;
    }
    f.mem[DATA + 1] = 0x5a;
    g_assert_cmpint(run_real_vector(&f, movups, sizeof(movups)), ==, -1);
    g_assert_cmphex(f.env->xmm[0].b[0], ==, 0x5a);
    fixture_free(&f);
}

static void test_sse_real_mode_16bit_addressing(void)
{
    /* movups xmm1, [bx+si]; hlt */
    static const uint8_t code[] = { 0x0f, 0x10, 0x08, 0xf4 };
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    for (unsigned i = 0; i < 16; i++) {
        f.mem[DATA + 0x10 + i] = 0x40 + i;
    }
    f.env->regs[R_ESI] = 0x10;
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, -1);
    g_assert_cmphex(f.env->xmm[1].q[0], ==, 0x4746454443424140ull);
    g_assert_cmphex(f.env->xmm[1].q[1], ==, 0x4f4e4d4c4b4a4948ull);
    fixture_free(&f);
}

static void test_sse_unmasked_zero_divide_raises_xm_or_ud(void)
{
    static const uint8_t code[] = { 0xf3, 0x0f, 0x5e, 0xc1, 0xf4 };  /* divss */
    for (int osxmmexcpt = 1; osxmmexcpt >= 0; osxmmexcpt--) {
        Fixture f;
        if (!sse_fixture_init(&f)) {
            return;
        }
        if (!osxmmexcpt) {
            f.env->cr[4] &= ~(uint64_t)CR4_OSXMMEXCPT;
        }
        f.env->mxcsr = 0x1f80 & ~0x200;         /* ZM clear */
        f.env->xmm[0].s[0] = 1.0f;
        f.env->xmm[1].s[0] = 0.0f;
        g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==,
                        osxmmexcpt ? 19 : 6);
        /* the flag is set, the destination unchanged */
        g_assert_cmphex(f.env->mxcsr & 0x3f, ==, 0x04);
        g_assert_true(f.env->xmm[0].s[0] == 1.0f);
        fixture_free(&f);
    }
}

static void test_sse_ldmxcsr_reserved_bit_is_gp(void)
{
    static const uint8_t code[] = { 0x0f, 0xae, 0x17, 0xf4 };  /* ldmxcsr [bx] */
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.mem[DATA] = 0x80;
    f.mem[DATA + 1] = 0x1f;
    f.mem[DATA + 2] = 0x01;             /* bit 16: reserved */
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, 13);
    g_assert_cmphex(f.env->mxcsr, ==, 0x1f80);
    fixture_free(&f);
}

static void test_sse_ssse3_is_ud(void)
{
    /* pshufb xmm0, xmm1: SSSE3 is not in qemu64 */
    static const uint8_t code[] = { 0x66, 0x0f, 0x38, 0x00, 0xc1, 0xf4 };
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    g_assert_cmpint(run_real_vector(&f, code, sizeof(code)), ==, 6);
    fixture_free(&f);
}

static void test_mmx_state_transitions(void)
{
    static const uint8_t paddb[] = { 0x0f, 0xfc, 0xc1, 0xf4 };
    static const uint8_t emms[] = { 0x0f, 0x77, 0xf4 };
    Fixture f;
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->fpu_sw = 5 << 11;            /* TOP = 5 */
    f.env->fpu_tw = 0xffff;
    g_assert_cmpint(run_real_vector(&f, paddb, sizeof(paddb)), ==, -1);
    g_assert_cmphex((f.env->fpu_sw >> 11) & 7, ==, 0);
    g_assert_cmphex(f.env->fpu_tw, ==, 0);
    g_assert_cmphex(f.env->fpregs[0].sign_exp, ==, 0xffff);
    g_assert_cmpint(run_real_vector(&f, emms, sizeof(emms)), ==, -1);
    g_assert_cmphex(f.env->fpu_tw, ==, 0xffff);
    fixture_free(&f);
}

static void test_sse_fxsave_layout_and_fxrstor(void)
{
    static const uint8_t save[] = { 0x0f, 0xae, 0x05, 0x00, 0x20, 0x00, 0x00,
                                    0xf4 };
    static const uint8_t restore[] = { 0x0f, 0xae, 0x0d, 0x00, 0x20, 0x00,
                                       0x00, 0xf4 };
    Fixture f;
    uint32_t v32;
    uint16_t v16;
    if (!sse_fixture_init(&f)) {
        return;
    }
    f.env->fpu_cw = 0x27f;
    f.env->fpu_sw = 0x3800;             /* TOP = 7 */
    f.env->fpu_tw = 0x3fff;             /* physical 7 valid, others empty */
    f.env->fpregs[7].mant = 0x8000000000000000ull;
    f.env->fpregs[7].sign_exp = 0x3fff; /* 1.0 */
    f.env->mxcsr = 0x1f80 | 0x6000;
    f.env->xmm[0].q[0] = 0x1111111111111111ull;
    f.env->xmm[7].q[1] = 0x7777777777777777ull;
    run_flat32(&f, save, sizeof(save));
    memcpy(&v16, f.mem + DATA, 2);
    g_assert_cmphex(v16, ==, 0x27f);
    memcpy(&v16, f.mem + DATA + 2, 2);
    g_assert_cmphex(v16, ==, 0x3800);
    g_assert_cmphex(f.mem[DATA + 4], ==, 0x80);     /* abridged tags */
    memcpy(&v32, f.mem + DATA + 24, 4);
    g_assert_cmphex(v32, ==, 0x7f80);
    memcpy(&v32, f.mem + DATA + 28, 4);
    g_assert_cmphex(v32, ==, 0xffff);                /* MXCSR_MASK */
    /* ST(0) = physical TOP (7) */
    g_assert_cmphex(f.mem[DATA + 32 + 7], ==, 0x80);
    g_assert_cmphex(f.mem[DATA + 32 + 9], ==, 0x3f);
    g_assert_cmphex(f.mem[DATA + 160], ==, 0x11);
    g_assert_cmphex(f.mem[DATA + 160 + 7 * 16 + 15], ==, 0x77);
    fixture_free(&f);

    if (!sse_fixture_init(&f)) {
        return;
    }
    memset(f.mem + DATA, 0, 512);
    f.mem[DATA + 2] = 0;
    f.mem[DATA + 4] = 0x01;             /* physical 0 not empty */
    f.mem[DATA + 24] = 0x80;            /* MXCSR 0x9f80: FTZ */
    f.mem[DATA + 25] = 0x9f;
    f.mem[DATA + 160 + 3 * 16] = 0x33;
    run_flat32(&f, restore, sizeof(restore));
    g_assert_cmphex(f.env->mxcsr, ==, 0x9f80);
    g_assert_cmphex(f.env->xmm[3].q[0], ==, 0x33);
    g_assert_cmphex(f.env->fpu_tw, ==, 0xfffd);     /* 0 is a zero: tag 01 */
    fixture_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/sse/pxor-movups-zero-memory",
                    test_sse_pxor_movups_zero_memory);
    g_test_add_func("/tcg/sse/addsd-follows-mxcsr-rounding",
                    test_sse_addsd_follows_mxcsr_rounding);
    g_test_add_func("/tcg/sse/cvt-out-of-range-is-integer-indefinite",
                    test_sse_cvt_out_of_range_is_integer_indefinite);
    g_test_add_func("/tcg/sse/pshufd-psrldq-haddps",
                    test_sse_shuffles_and_hadd);
    g_test_add_func("/tcg/sse/comisd-sets-zf-pf-cf",
                    test_sse_comisd_sets_zf_pf_cf);
    g_test_add_func("/tcg/sse/without-osfxsr-is-ud",
                    test_sse_without_osfxsr_is_ud);
    g_test_add_func("/tcg/sse/ts-is-nm", test_sse_with_ts_is_nm);
    g_test_add_func("/tcg/sse/mmx-runs-without-osfxsr-em-is-ud",
                    test_mmx_runs_without_osfxsr_and_em_is_ud);
    g_test_add_func("/tcg/sse/misaligned-movaps-is-gp-movups-is-not",
                    test_sse_misaligned_movaps_is_gp_movups_is_not);
    g_test_add_func("/tcg/sse/real-mode-16bit-addressing",
                    test_sse_real_mode_16bit_addressing);
    g_test_add_func("/tcg/sse/unmasked-zero-divide-raises-xm-or-ud",
                    test_sse_unmasked_zero_divide_raises_xm_or_ud);
    g_test_add_func("/tcg/sse/ldmxcsr-reserved-bit-is-gp",
                    test_sse_ldmxcsr_reserved_bit_is_gp);
    g_test_add_func("/tcg/sse/ssse3-is-ud", test_sse_ssse3_is_ud);
    g_test_add_func("/tcg/mmx/state-transitions-and-emms",
                    test_mmx_state_transitions);
    g_test_add_func("/tcg/sse/fxsave-layout-and-fxrstor",
                    test_sse_fxsave_layout_and_fxrstor);
    return g_test_run();
}
