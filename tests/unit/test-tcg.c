/*
 * Unit tests of the x86 interpreter through its public interface
 * (tcg_x86_cpu_exec and friends), without the launcher: a CPU over 2 MiB of
 * RAM runs small hand-assembled programs in flat 32-bit protected mode or
 * real mode; the tests check registers, run state and exit reasons. The
 * guest programs in tests/guest cover the instruction set in depth.
 */
#include "qemu/osdep.h"
#include "softmmu/memory.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "target/i386/tcg/x87.h"
#include "tcg-fixture.h"
#include <math.h>
#include <float.h>

static void test_tcg_loop_sums_and_halts(void)
{
    Fixture f;
    /* mov ecx,10; xor eax,eax; L: add eax,ecx; dec ecx; jnz L; hlt */
    static const uint8_t code[] = { 0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x01, 0xc8,
                                    0x49, 0x75, 0xfb, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    X86ExecExit why = tcg_x86_cpu_exec(f.cpu, 100000);
    g_assert_cmpint(why, ==, X86_EXIT_HALTED);
    g_assert_cmpint(f.cpu->env.run_state, ==, X86_RUN_HALTED);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 55);
    g_assert_cmphex(f.cpu->env.rip, ==, 0x1000 + sizeof(code));
    /* ZF from DEC is visible in RFLAGS outside the interpreter */
    g_assert_cmphex(f.cpu->env.rflags & 0x40, ==, 0x40);
    fixture_free(&f);
}

static void test_tcg_budget_ends_a_slice(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xeb, 0xfe };     /* jmp $ */
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_BUDGET);
    g_assert_cmphex(f.cpu->env.rip, ==, 0x1000);
    fixture_free(&f);
}

static void test_tcg_exit_request_is_seen(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xeb, 0xfe };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_interrupt(f.cpu, X86_INTR_EXIT);
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000000000), ==, X86_EXIT_REQUEST);
    fixture_free(&f);
}

static void test_tcg_self_modifying_code_is_seen(void)
{
    Fixture f;
    /* 0x1000: mov byte [0x1011], 7; jmp 0x1010 ... 0x1010: mov eax, 1; hlt */
    static const uint8_t patch[] = { 0xc6, 0x05, 0x11, 0x10, 0, 0, 0x07,
                                     0xeb, 0x07 };
    static const uint8_t target[] = { 0xb8, 1, 0, 0, 0, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, patch, sizeof(patch));
    memcpy(f.mem + 0x1010, target, sizeof(target));
    /* decode and run the target once, unpatched */
    enter_flat32(&f, 0x1010);
    tcg_x86_cpu_exec(f.cpu, 1000);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 1);
    /* now the guest patches it, then runs it */
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_exec(f.cpu, 1000);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 7);
    fixture_free(&f);
}

static void test_tcg_real_mode_int_uses_ivt(void)
{
    Fixture f;
    /* 0000:1000: int 0x20; hlt.  0000:2000: mov bx, 0x1234; iret */
    static const uint8_t code[] = { 0xcd, 0x20, 0xf4 };
    static const uint8_t handler[] = { 0xbb, 0x34, 0x12, 0xcf };
    if (!fixture_init(&f)) {
        return;
    }
    CPUX86State *env = &f.cpu->env;
    put(&f, 0x1000, code, sizeof(code));
    put(&f, 0x2000, handler, sizeof(handler));
    f.mem[0x80] = 0x00;             /* IVT[0x20] = 0000:2000 */
    f.mem[0x81] = 0x20;
    f.mem[0x82] = 0;
    f.mem[0x83] = 0;
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    env->rip = 0x1000;
    env->regs[R_ESP] = 0x7000;
    env->idt.base = 0;
    env->idt.limit = 0x3ff;
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_HALTED);
    g_assert_cmphex(env->regs[R_EBX] & 0xffff, ==, 0x1234);
    g_assert_cmphex(env->rip, ==, 0x1003);
    g_assert_cmphex(env->regs[R_ESP] & 0xffff, ==, 0x7000);
    fixture_free(&f);
}

static void test_tcg_triple_fault_requests_reset(void)
{
    Fixture f;
    static const uint8_t code[] = { 0x0f, 0x0b };     /* ud2 */
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    f.cpu->env.idt.base = 0;
    f.cpu->env.idt.limit = 0;       /* every vector is beyond the limit */
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_RESET);
    g_assert_cmpint(f.cpu->env.run_state, ==, X86_RUN_STOPPED);
    fixture_free(&f);
}

static void test_tcg_info_registers_format(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xb8, 0x37, 0, 0, 0, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_exec(f.cpu, 1000);
    GString *s = g_string_new(NULL);
    x86_cpu_dump_state(f.cpu, s);
    g_assert_nonnull(strstr(s->str, "EAX=00000037 "));
    g_assert_nonnull(strstr(s->str, "EIP=00001006 EFL=00000002 [-------] CPL=0"));
    g_assert_nonnull(strstr(s->str, "CS =0008 00000000 ffffffff 00cf9b00 DPL=0 CS32"));
    g_assert_nonnull(strstr(s->str, "HLT=1"));
    g_string_free(s, true);
    fixture_free(&f);
}

/* --- x87: X87Reg <-> long double, classes, and a few programs --- */

static X87Reg x87r(uint16_t sign_exp, uint64_t mant)
{
    X87Reg r = { mant, sign_exp };
    return r;
}

static void assert_same_reg(X87Reg a, X87Reg b)
{
    g_assert_cmphex(a.sign_exp, ==, b.sign_exp);
    g_assert_cmphex(a.mant, ==, b.mant);
}

static void test_x87_convert_values_are_exact(void)
{
    /* values with a known host long double */
    g_assert_true(x87_reg_to_ld(x87r(0x3fff, 1ull << 63)) == 1.0L);
    g_assert_true(x87_reg_to_ld(x87r(0xc000, 3ull << 62)) == -3.0L);
    g_assert_true(x87_reg_to_ld(x87r(0x0000, 1)) == LDBL_TRUE_MIN);
    g_assert_true(x87_reg_to_ld(x87r(0x0001, 1ull << 63)) == LDBL_MIN);
    g_assert_true(x87_reg_to_ld(x87r(0x7fff, 1ull << 63)) == INFINITY);
    g_assert_true(x87_reg_to_ld(x87r(0xffff, 1ull << 63)) == -INFINITY);
    g_assert_true(isnan(x87_reg_to_ld(x87r(0x7fff, 3ull << 62))));
    assert_same_reg(x87_reg_from_ld(0.5L), x87r(0x3ffe, 1ull << 63));
    assert_same_reg(x87_reg_from_ld(-0.0L), x87r(0x8000, 0));
    assert_same_reg(x87_reg_from_ld(LDBL_MAX), x87r(0x7ffe, ~0ull));
    assert_same_reg(x87_reg_from_ld(LDBL_TRUE_MIN * 3), x87r(0, 3));
}

static void test_x87_convert_round_trip_keeps_every_encoding(void)
{
    /* including those the host would reject in arithmetic */
    static const X87Reg regs[] = {
        { 0x8000000000000000ull, 0x3fff },      /* 1.0 */
        { 0x0000000000000001ull, 0x0000 },      /* smallest denormal */
        { 0x8000000000000001ull, 0x0000 },      /* pseudo-denormal */
        { 0x4000000000000000ull, 0x4000 },      /* unnormal */
        { 0x0000000000000000ull, 0x7fff },      /* pseudo-infinity */
        { 0x4000000000000000ull, 0xffff },      /* pseudo-NaN */
        { 0x8000000000000001ull, 0x7fff },      /* signalling NaN */
        { 0xc000000000000000ull, 0xffff },      /* the indefinite */
        { 0x8000000000000000ull, 0xffff },      /* -infinity */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
        assert_same_reg(x87_reg_from_ld(x87_reg_to_ld(regs[i])), regs[i]);
    }
}

static void test_x87_classify_follows_fxam(void)
{
    g_assert_cmpint(x87_classify(x87r(0x3fff, 1ull << 63)), ==, X87_CLASS_NORMAL);
    g_assert_cmpint(x87_classify(x87r(0x8000, 0)), ==, X87_CLASS_ZERO);
    g_assert_cmpint(x87_classify(x87r(0, 1)), ==, X87_CLASS_DENORMAL);
    g_assert_cmpint(x87_classify(x87r(0, 1ull << 63)), ==, X87_CLASS_DENORMAL);
    g_assert_cmpint(x87_classify(x87r(0x4000, 1ull << 62)), ==, X87_CLASS_UNSUPPORTED);
    g_assert_cmpint(x87_classify(x87r(0x7fff, 0)), ==, X87_CLASS_UNSUPPORTED);
    g_assert_cmpint(x87_classify(x87r(0x7fff, 1ull << 63)), ==, X87_CLASS_INFINITY);
    g_assert_cmpint(x87_classify(x87r(0xffff, 3ull << 62)), ==, X87_CLASS_NAN);
    g_assert_cmpint(x87_classify(x87r(0x7fff, (1ull << 63) | 1)), ==, X87_CLASS_NAN);
    g_assert_cmpuint(x87_tag_of(x87r(0x3fff, 1ull << 63)), ==, X87_TAG_VALID);
    g_assert_cmpuint(x87_tag_of(x87r(0, 0)), ==, X87_TAG_ZERO);
    g_assert_cmpuint(x87_tag_of(x87r(0, 5)), ==, X87_TAG_SPECIAL);
}

/* Run `code` at 0x1000 in flat 32-bit mode with `data` at 0x2000 (written
 * back into `data` after the HLT that ends the code). */
static bool x87_run(const uint8_t *code, size_t n, uint8_t *data, size_t dn,
                    Fixture *f)
{
    static const uint8_t hlt = 0xf4;
    if (!fixture_init(f)) {
        return false;
    }
    put(f, 0x1000, code, n);
    put(f, 0x1000 + n, &hlt, 1);
    memcpy(f->mem + 0x2000, data, dn);
    enter_flat32(f, 0x1000);
    g_assert_cmpint(tcg_x86_cpu_exec(f->cpu, 10000), ==, X86_EXIT_HALTED);
    memcpy(data, f->mem + 0x2000, dn);
    return true;
}

static void put_reg(uint8_t *p, X87Reg r)
{
    memcpy(p, &r.mant, 8);
    memcpy(p + 8, &r.sign_exp, 2);
}

static X87Reg get_reg(const uint8_t *p)
{
    X87Reg r;
    memcpy(&r.mant, p, 8);
    memcpy(&r.sign_exp, p + 8, 2);
    return r;
}

static void test_x87_unnormal_operand_is_invalid(void)
{
    Fixture f;
    uint8_t data[32] = { 0 };
    /* fninit; fld tbyte [0x2000]; fld1; faddp; fstp tbyte [0x2010];
     * fnstsw [0x201a] */
    static const uint8_t code[] = {
        0xdb, 0xe3, 0xdb, 0x2d, 0x00, 0x20, 0, 0, 0xd9, 0xe8, 0xde, 0xc1,
        0xdb, 0x3d, 0x10, 0x20, 0, 0, 0xdd, 0x3d, 0x1a, 0x20, 0, 0 };
    put_reg(data, x87r(0x4000, 1ull << 62));        /* unnormal */
    if (!x87_run(code, sizeof(code), data, sizeof(data), &f)) {
        return;
    }
    assert_same_reg(get_reg(data + 0x10), x87r(0xffff, 3ull << 62));
    g_assert_cmphex(data[0x1a] & 0x3f, ==, 0x01);       /* IE only */
    fixture_free(&f);
}

static void test_x87_pseudo_denormal_operand_is_accepted(void)
{
    Fixture f;
    uint8_t data[32] = { 0 };
    /* fninit; fld tbyte [0x2000]; fldz; faddp; fstp tbyte [0x2010];
     * fnstsw [0x201a]: the sum is the pseudo-denormal's value, 2^-16382,
     * normalised, and the denormal-operand flag is set */
    static const uint8_t code[] = {
        0xdb, 0xe3, 0xdb, 0x2d, 0x00, 0x20, 0, 0, 0xd9, 0xee, 0xde, 0xc1,
        0xdb, 0x3d, 0x10, 0x20, 0, 0, 0xdd, 0x3d, 0x1a, 0x20, 0, 0 };
    put_reg(data, x87r(0x0000, 1ull << 63));
    if (!x87_run(code, sizeof(code), data, sizeof(data), &f)) {
        return;
    }
    assert_same_reg(get_reg(data + 0x10), x87r(0x0001, 1ull << 63));
    g_assert_cmphex(data[0x1a] & 0x3f, ==, 0x02);       /* DE */
    fixture_free(&f);
}

static void test_x87_subtract_forms_pick_the_right_operand_order(void)
{
    Fixture f;
    uint8_t data[16] = { 5, 0, 0, 0, 3, 0, 0, 0 };
    /* fninit; fild [0x2004] (3); fild [0x2000] (5); fsub st0, st1 (2);
     * fist [0x2008]; fsubp st1, st0 (3 - 2 = 1); fistp [0x200c] */
    static const uint8_t code[] = {
        0xdb, 0xe3, 0xdb, 0x05, 0x04, 0x20, 0, 0, 0xdb, 0x05, 0x00, 0x20, 0, 0,
        0xd8, 0xe1, 0xdb, 0x15, 0x08, 0x20, 0, 0, 0xde, 0xe9,
        0xdb, 0x1d, 0x0c, 0x20, 0, 0 };
    if (!x87_run(code, sizeof(code), data, sizeof(data), &f)) {
        return;
    }
    g_assert_cmpint(data[8], ==, 2);
    g_assert_cmpint(data[12], ==, 1);
    /* the stack is empty again: TOP back at 0, every tag empty */
    g_assert_cmphex(f.cpu->env.fpu_sw & 0x3800, ==, 0);
    g_assert_cmphex(f.cpu->env.fpu_tw, ==, 0xffff);
    fixture_free(&f);
}

/* Real mode stores 20-bit linear pointers in both environment formats
 * (SDM vol. 1 figures 8-10 and 8-12), and FLDENV reads them back. */
static void test_x87_real_mode_environment_layouts(void)
{
    Fixture f;
    /* at 0100:0010 (linear 0x1010), DS = 0200 (linear 0x2000):
     * fninit; fld qword [0x34]; fnstenv [0x100]; o32 fnstenv [0x120];
     * fldenv [0x100]; fnstenv [0x140]; hlt */
    static const uint8_t code[] = {
        0xdb, 0xe3, 0xdd, 0x06, 0x34, 0x00, 0xd9, 0x36, 0x00, 0x01,
        0x66, 0xd9, 0x36, 0x20, 0x01, 0xd9, 0x26, 0x00, 0x01,
        0xd9, 0x36, 0x40, 0x01, 0xf4 };
    static const uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f };
    if (!fixture_init(&f)) {
        return;
    }
    CPUX86State *env = &f.cpu->env;
    put(&f, 0x1010, code, sizeof(code));
    memcpy(f.mem + 0x2034, one, 8);
    env->segs[R_CS].selector = 0x100;
    env->segs[R_CS].base = 0x1000;
    env->segs[R_DS].selector = 0x200;
    env->segs[R_DS].base = 0x2000;
    env->rip = 0x10;
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_HALTED);

    uint16_t e16[7];
    memcpy(e16, f.mem + 0x2100, sizeof(e16));
    g_assert_cmphex(e16[0], ==, 0x037f);
    g_assert_cmphex(e16[1], ==, 7 << 11);
    g_assert_cmphex(e16[2], ==, 0x3fff);
    /* the FLD: linear 0x1012, opcode DD 06 */
    g_assert_cmphex(e16[3], ==, 0x1012);
    g_assert_cmphex(e16[4], ==, 0x0506);
    g_assert_cmphex(e16[5], ==, 0x2034);
    g_assert_cmphex(e16[6], ==, 0x0000);

    uint32_t e32[7];
    memcpy(e32, f.mem + 0x2120, sizeof(e32));
    g_assert_cmphex(e32[0] & 0xffff, ==, 0x037f);
    g_assert_cmphex(e32[3] & 0xffff, ==, 0x1012);
    g_assert_cmphex(e32[4], ==, 0x0506);          /* IP[31:16] << 12 | FOP */
    g_assert_cmphex(e32[5] & 0xffff, ==, 0x2034);
    g_assert_cmphex(e32[6], ==, 0);

    /* FLDENV of the 16-bit image, stored again: the same bytes */
    g_assert_cmpmem(f.mem + 0x2140, 14, f.mem + 0x2100, 14);
    g_assert_cmphex(env->fpu_ip, ==, 0x1012);
    fixture_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/exec/loop-sums-and-halts", test_tcg_loop_sums_and_halts);
    g_test_add_func("/tcg/exec/budget-ends-a-slice", test_tcg_budget_ends_a_slice);
    g_test_add_func("/tcg/exec/exit-request-is-seen", test_tcg_exit_request_is_seen);
    g_test_add_func("/tcg/exec/self-modifying-code-is-seen",
                    test_tcg_self_modifying_code_is_seen);
    g_test_add_func("/tcg/exec/real-mode-int-uses-ivt", test_tcg_real_mode_int_uses_ivt);
    g_test_add_func("/tcg/exec/triple-fault-requests-reset",
                    test_tcg_triple_fault_requests_reset);
    g_test_add_func("/tcg/dump/info-registers-format", test_tcg_info_registers_format);
    g_test_add_func("/tcg/x87/convert/values-are-exact", test_x87_convert_values_are_exact);
    g_test_add_func("/tcg/x87/convert/round-trip-keeps-every-encoding",
                    test_x87_convert_round_trip_keeps_every_encoding);
    g_test_add_func("/tcg/x87/convert/classify-follows-fxam", test_x87_classify_follows_fxam);
    g_test_add_func("/tcg/x87/exec/unnormal-operand-is-invalid",
                    test_x87_unnormal_operand_is_invalid);
    g_test_add_func("/tcg/x87/exec/pseudo-denormal-operand-is-accepted",
                    test_x87_pseudo_denormal_operand_is_accepted);
    g_test_add_func("/tcg/x87/exec/subtract-forms-pick-the-right-operand-order",
                    test_x87_subtract_forms_pick_the_right_operand_order);
    g_test_add_func("/tcg/x87/exec/real-mode-environment-layouts",
                    test_x87_real_mode_environment_layouts);
    return g_test_run();
}
