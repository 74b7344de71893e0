/*
 * The x87 FPU. Three parts:
 * - every case of fpu-cases.h (each x87 instruction form over special and
 *   ordinary operands, under each precision and rounding control) must
 *   leave what the build host's FPU left (gen-fpu's table of hashes);
 * - in the 32-bit image, plain float/double C code (fpu-prog.h, built
 *   without -mgeneral-regs-only, so gcc emits x87 code) must compute what
 *   the host computed;
 * - hand-written sequences check what the SDM specifies directly: status
 *   flags and condition codes, stack overflow/underflow, precision and
 *   rounding control, the FSAVE/FSTENV layouts and the FPU pointers, #MF
 *   with CR0.NE and #NM from CR0.EM/TS/MP.
 */
#include "runtime.h"
#ifdef __x86_64__
#define FX_X87_CLOBBERS     /* built with -mgeneral-regs-only */
#endif
#include "fpu-cases.h"
#ifndef __x86_64__
#include "fpu-prog.h"
#endif
#include "fpu-table.h"

const char *test_name = "fpu";

#ifdef __x86_64__
#define AX "rax"
#else
#define AX "eax"
#endif
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The compiler may call these for copies and clears (freestanding). */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *dp = d;
    while (n--) {
        *dp++ = c;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *ap = a, *bp = b;
    for (; n; n--, ap++, bp++) {
        if (*ap != *bp) {
            return *ap - *bp;
        }
    }
    return 0;
}

/* Doubles as bit patterns, so the 64-bit image needs no FP registers. */
#define D_ONE   0x3ff0000000000000ull
#define D_TWO   0x4000000000000000ull
#define D_THREE 0x4008000000000000ull
#define D_MTHREE 0xc008000000000000ull
#define D_ZERO  0x0000000000000000ull
#define D_MZERO 0x8000000000000000ull
#define D_2_5   0x4004000000000000ull
#define D_QNAN  0x7ff8000000000000ull

#define SW_IE 0x0001
#define SW_ZE 0x0004
#define SW_PE 0x0020
#define SW_SF 0x0040
#define SW_ES 0x0080
#define SW_C0 0x0100
#define SW_C1 0x0200
#define SW_C2 0x0400
#define SW_C3 0x4000
#define SW_B  0x8000
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)

/* --- the host-generated cases --- */

static unsigned case_bad[FX_NOPS], case_count[FX_NOPS], bad_total;

static void print_name(const char *s)
{
    for (; *s; s++) {
        if (s[0] == '%' && s[1] == '%') {
            continue;
        }
        rt_putc(*s == '\n' || *s == '\t' ? ' ' : *s);
    }
}

static void check_case(unsigned idx, unsigned op, unsigned cw, unsigned a,
                       unsigned b, const struct fx_out *o)
{
    case_count[op]++;
    if (idx < NELEMS(fx_expect) && fx_hash(o) == fx_expect[idx]) {
        return;
    }
    if (case_bad[op]++ == 0 && bad_total++ < 40) {
        rt_printf("# case %u (gen-fpu --case %u shows the host's): ", idx, idx);
        print_name(fx_names[op]);
        rt_printf(" cw=%04x a=%u b=%u: r0=%04x:%016llx r1=%04x:%016llx "
                  "sw1=%04x sw2=%04x flags=%u%u%u mem=%016llx\n",
                  fx_cws[cw], a, b, o->r[0].e,
                  (unsigned long long)o->r[0].m, o->r[1].e,
                  (unsigned long long)o->r[1].m, o->sw1, o->sw2, o->cf,
                  o->zf, o->pf, *(const unsigned long long *)o->mem);
    }
}

static void test_host_cases(void)
{
    fx_for_each(check_case);
    unsigned total = 0;
    for (unsigned op = 0; op < FX_NOPS; op++) {
        total += case_count[op];
        if (case_bad[op]) {
            rt_check(false, "%u of %u cases of '%s' differ from the host",
                     case_bad[op], case_count[op], fx_names[op]);
        }
    }
    CHECK_EQ(total, NELEMS(fx_expect), "cases run = cases the host ran");
    CHECK(bad_total == 0, "x87 instruction cases match the host FPU");
}

/* --- gcc-compiled float/double code --- */

#ifndef __x86_64__
static unsigned prog_n, prog_bad;

static void prog_check(uint64_t bits)
{
    unsigned i = prog_n++;
    if (i >= NELEMS(prog_expect) || bits != prog_expect[i]) {
        if (prog_bad++ < 8) {
            rt_printf("# float program result %u: got %016llx want %016llx\n",
                      i, (unsigned long long)bits,
                      i < NELEMS(prog_expect)
                      ? (unsigned long long)prog_expect[i] : 0ull);
        }
    }
}

static void test_c_program(void)
{
    __asm__ volatile("fninit");
    fpu_prog(prog_check);
    CHECK_EQ(prog_n, NELEMS(prog_expect), "float program results counted");
    CHECK(prog_bad == 0, "gcc float/double code computes what the host did "
          "(%u of %u differ)", prog_bad, prog_n);
}
#endif

/* --- hand-written sequences --- */

static uint16_t fstsw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static uint16_t fstcw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static void fldcw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

static struct f80 fstpt(void)
{
    struct f80 v;
    __asm__ volatile("fstpt %0" : "=m"(v));
    return v;
}

static void test_stack_faults(void)
{
    __asm__ volatile("fninit");
    for (int i = 0; i < 8; i++) {
        __asm__ volatile("fld1");
    }
    CHECK_EQ(fstsw(), 0, "eight pushes fill the stack without a fault");
    __asm__ volatile("fldpi");
    uint16_t sw = fstsw();
    CHECK_EQ(sw & (SW_IE | SW_SF | SW_C1 | SW_ES), SW_IE | SW_SF | SW_C1,
             "a ninth push: stack overflow (IE, SF, C1=1), masked");
    struct f80 v = fstpt();
    CHECK(v.e == 0xffff && v.m == 0xc000000000000000ull,
          "masked stack overflow pushes the real indefinite");

    __asm__ volatile("fninit\n\tfadd %st(1), %st");
    sw = fstsw();
    CHECK_EQ(sw & (SW_IE | SW_SF | SW_C1), SW_IE | SW_SF,
             "FADD on an empty stack: underflow (IE, SF, C1=0)");
    __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfld1");
    CHECK_EQ(fstsw() >> 11 & 7, 5, "three pushes leave TOP = 5");
    struct { uint32_t cw, sw, tw, fip, fcs, fdp, fds; } env;
    __asm__ volatile("fnstenv %0" : "=m"(env));
    CHECK_EQ(env.tw & 0xffff, 0x03ff, "tags: ST(0..2) valid, the rest empty");
    __asm__ volatile("fldz\n\tfnstenv %0" : "=m"(env));
    CHECK_EQ(env.tw & 0xffff, 0x01ff, "FLDZ tags its register as zero");
    __asm__ volatile("fninit");
}

static uint16_t compare(uint64_t a, uint64_t b)
{
    uint16_t sw;
    __asm__ volatile("fninit\n\tfldl %2\n\tfldl %1\n\tfcompp\n\tfnstsw %0"
                     : "=m"(sw) : "m"(a), "m"(b));
    return sw;
}

static void test_compares_and_fxam(void)
{
    CHECK_EQ(compare(D_ONE, D_TWO) & (SW_CC | SW_IE), SW_C0, "FCOM 1 < 2: C0");
    CHECK_EQ(compare(D_TWO, D_ONE) & (SW_CC | SW_IE), 0, "FCOM 2 > 1: none");
    CHECK_EQ(compare(D_MZERO, D_ZERO) & (SW_CC | SW_IE), SW_C3,
             "FCOM -0 = +0: C3");
    uint64_t qnan = D_QNAN;
    CHECK_EQ(compare(qnan, D_ONE) & (SW_CC | SW_IE),
             SW_C3 | SW_C2 | SW_C0 | SW_IE,
             "FCOM with a QNaN: unordered and invalid");
    uint16_t sw;
    __asm__ volatile("fninit\n\tfldl %1\n\tfldl %1\n\tfucompp\n\tfnstsw %0"
                     : "=m"(sw) : "m"(qnan));
    CHECK_EQ(sw & (SW_CC | SW_IE), SW_C3 | SW_C2 | SW_C0,
             "FUCOM with QNaNs: unordered, no invalid");

    static const struct { struct f80 v; uint16_t cc; const char *what; } xam[] = {
        { { 0x8000000000000000ull, 0x3fff }, SW_C2, "normal" },
        { { 0x8000000000000000ull, 0xbfff }, SW_C2 | SW_C1, "negative normal" },
        { { 0, 0 }, SW_C3, "zero" },
        { { 1, 0 }, SW_C3 | SW_C2, "denormal" },
        { { 0x8000000000000000ull, 0x7fff }, SW_C2 | SW_C0, "infinity" },
        { { 0xc000000000000000ull, 0x7fff }, SW_C0, "NaN" },
        { { 0x4000000000000000ull, 0x4000 }, 0, "unnormal (unsupported)" },
    };
    for (unsigned i = 0; i < NELEMS(xam); i++) {
        __asm__ volatile("fninit\n\tfldt %1\n\tfxam\n\tfnstsw %0"
                         : "=m"(sw) : "m"(xam[i].v));
        CHECK(((sw & SW_CC) == xam[i].cc), "FXAM %s: C3..C0 = %04x, got %04x",
              xam[i].what, xam[i].cc, sw & SW_CC);
    }
    __asm__ volatile("fninit\n\tfxam\n\tfnstsw %0" : "=m"(sw));
    CHECK_EQ(sw & (SW_C3 | SW_C2 | SW_C0), SW_C3 | SW_C0, "FXAM empty: C3, C0");

    /* FCOMI sets ZF PF CF */
    ureg fl;
    uint64_t one = D_ONE, two = D_TWO;
    __asm__ volatile("fninit\n\tfldl %2\n\tfldl %1\n\tfcomip %%st(1), %%st\n\t"
                     "pushf\n\tpop %0\n\tfninit"
                     : "=r"(fl) : "m"(one), "m"(two) : "cc");
    CHECK_EQ(fl & 0x45, 0x01, "FCOMIP 1 < 2: CF=1 ZF=0 PF=0");
    __asm__ volatile("fninit\n\tfldl %1\n\tfldl %1\n\tfucomip %%st(1), %%st\n\t"
                     "pushf\n\tpop %0\n\tfninit"
                     : "=r"(fl) : "m"(qnan) : "cc");
    CHECK_EQ(fl & 0x45, 0x45, "FUCOMIP unordered: ZF PF CF all set");
}

static void test_precision_and_rounding(void)
{
    uint64_t one = D_ONE, three = D_THREE;
    struct f80 r;
    uint16_t sw;

    __asm__ volatile("fninit\n\tfldl %2\n\tfdivl %3\n\tfnstsw %1\n\tfstpt %0"
                     : "=m"(r), "=m"(sw) : "m"(one), "m"(three));
    CHECK(r.m == 0xaaaaaaaaaaaaaaabull && r.e == 0x3ffd,
          "1/3 in extended precision rounds to nearest (up)");
    CHECK_EQ(sw & (SW_PE | SW_C1), SW_PE | SW_C1, "inexact, rounded up: PE, C1");
    fldcw(0x007f);
    __asm__ volatile("fldl %1\n\tfdivl %2\n\tfstpt %0" : "=m"(r)
                     : "m"(one), "m"(three));
    CHECK_EQ(r.m, 0xaaaaab0000000000ull, "PC=single: 24-bit significand");
    fldcw(0x027f);
    __asm__ volatile("fldl %1\n\tfdivl %2\n\tfstpt %0" : "=m"(r)
                     : "m"(one), "m"(three));
    CHECK_EQ(r.m, 0xaaaaaaaaaaaaa800ull, "PC=double: 53-bit significand");
    fldcw(0x077f);
    __asm__ volatile("fldl %1\n\tfdivl %2\n\tfstpt %0" : "=m"(r)
                     : "m"(one), "m"(three));
    CHECK_EQ(r.m, 0xaaaaaaaaaaaaaaaaull, "RC=down: 1/3 truncated");
    fldcw(0x0b7f);
    uint64_t mthree = D_MTHREE;
    __asm__ volatile("fldl %1\n\tfdivl %2\n\tfstpt %0" : "=m"(r)
                     : "m"(one), "m"(mthree));
    CHECK(r.m == 0xaaaaaaaaaaaaaaaaull && r.e == 0xbffd,
          "RC=up: -1/3 toward +infinity");
    int32_t i;
    uint64_t x = D_2_5;
    fldcw(0x037f);
    __asm__ volatile("fldl %1\n\tfistpl %0" : "=m"(i) : "m"(x));
    CHECK_EQ(i, 2, "FISTP 2.5 to nearest even: 2");
    fldcw(0x0b7f);
    __asm__ volatile("fldl %1\n\tfistpl %0" : "=m"(i) : "m"(x));
    CHECK_EQ(i, 3, "FISTP 2.5 rounding up: 3");
    __asm__ volatile("fldl %1\n\tfisttpl %0" : "=m"(i) : "m"(x));
    CHECK_EQ(i, 2, "FISTTP truncates whatever RC says");

    uint64_t zero = D_ZERO;
    __asm__ volatile("fninit\n\tfldl %2\n\tfdivl %3\n\tfnstsw %1\n\tfstpt %0"
                     : "=m"(r), "=m"(sw) : "m"(one), "m"(zero));
    CHECK(r.e == 0x7fff && r.m == 0x8000000000000000ull,
          "1/0 masked: +infinity");
    CHECK_EQ(sw & 0x3f, SW_ZE, "1/0: ZE only");
    __asm__ volatile("fnclex");
    CHECK_EQ(fstsw() & 0xff, 0, "FNCLEX clears the flags");
    __asm__ volatile("fninit");
}

/* FNSAVE/FRSTOR image, 32-bit protected-mode layout (SDM vol. 1 fig. 8-9,
 * 8-13). */
static uint64_t save_operand = 0xc01a000000000000ull;     /* -6.5 */
static uint8_t save_area[108];
static uint8_t save_area2[108];

static void test_save_layout(void)
{
    ureg fld_ip;
    __asm__ volatile("fninit\n\tfldcw %2\n\tfld1\n\tfldpi\n\t"
                     "lea 1f, %%" AX "\n\tmov %%" AX ", %0\n"
                     "1:\tfldl %3\n\tfnsave %1"
                     : "=m"(fld_ip), "=m"(save_area)
                     : "m"((uint16_t){ 0x027f }), "m"(save_operand)
                     : AX, "memory");
    uint32_t w[7];
    memcpy(w, save_area, sizeof(w));
    CHECK_EQ(w[0] & 0xffff, 0x027f, "FSAVE +0: control word");
    CHECK_EQ(w[1] & 0xffff, 5 << 11, "FSAVE +4: status word, TOP = 5");
    CHECK_EQ(w[2] & 0xffff, 0x03ff, "FSAVE +8: tag word, three valid");
    CHECK_EQ(w[3], (uint32_t)fld_ip, "FSAVE +12: FPU IP = the FLD");
    CHECK_EQ(w[4] >> 16 & 0x7ff, 0x505, "FSAVE +18: opcode DD 05");
#ifndef __x86_64__
    CHECK_EQ(w[4] & 0xffff, SEL_CODE32, "FSAVE +16: FPU CS");
    CHECK_EQ(w[6] & 0xffff, SEL_DATA, "FSAVE +24: FPU DS");
#endif
    CHECK_EQ(w[5], (uint32_t)(ureg)&save_operand, "FSAVE +20: data pointer");
    struct f80 st0, st2;
    memcpy(&st0, save_area + 28, 10);
    memcpy(&st2, save_area + 48, 10);
    CHECK(st0.e == 0xc001 && st0.m == 0xd000000000000000ull,
          "FSAVE +28: ST(0) = -6.5");
    CHECK(st2.e == 0x3fff && st2.m == 0x8000000000000000ull,
          "FSAVE +48: ST(2) = 1.0");
    CHECK_EQ(fstcw(), 0x037f, "FSAVE reinitialises the FPU");
    CHECK_EQ(fstsw(), 0, "FSAVE reinitialises the status word");

    __asm__ volatile("frstor %1\n\tfnsave %0" : "=m"(save_area2)
                     : "m"(save_area) : "memory");
    CHECK(memcmp(save_area, save_area2, 108) == 0,
          "FRSTOR then FSAVE gives back the same image");
    __asm__ volatile("frstor %0" : : "m"(save_area) : "memory");
    struct f80 v = fstpt();
    CHECK(v.e == 0xc001 && v.m == 0xd000000000000000ull,
          "FRSTOR restores the registers");
    CHECK_EQ(fstcw(), 0x027f, "FRSTOR restores the control word");

    /* 16-bit protected-mode environment (66 prefix): 14 bytes */
    uint16_t e16[8];
    memset(e16, 0xaa, sizeof(e16));
    __asm__ volatile("fninit\n\tfld1\n\tdata16 fnstenv %0" : "+m"(e16));
    CHECK_EQ(e16[0], 0x037f, "16-bit FSTENV +0: control word");
    CHECK_EQ(e16[1], 7 << 11, "16-bit FSTENV +2: status word");
    CHECK_EQ(e16[2], 0x3fff, "16-bit FSTENV +4: tag word");
    CHECK_EQ(e16[7], 0xaaaa, "16-bit FSTENV stores 14 bytes only");
    CHECK_EQ(fstcw() & 0x3f, 0x3f, "FSTENV masks every exception");

    /* 16-bit FSAVE: the registers follow the 14-byte environment */
    static uint8_t s16[96];
    memset(s16, 0xaa, sizeof(s16));
    __asm__ volatile("fninit\n\tfldpi\n\tfld1\n\tdata16 fnsave %0"
                     : "+m"(s16));
    struct f80 r0;
    memcpy(&r0, s16 + 14, 10);
    CHECK(r0.e == 0x3fff && r0.m == 0x8000000000000000ull,
          "16-bit FSAVE +14: ST(0) = 1.0");
    CHECK_EQ(s16[94], 0xaa, "16-bit FSAVE stores 94 bytes");
    __asm__ volatile("data16 frstor %0\n\tfstp %%st(0)" : : "m"(s16));
    v = fstpt();
    CHECK(v.e == 0x4000 && v.m == 0xc90fdaa22168c235ull,
          "16-bit FRSTOR restores ST(1) = pi");
    __asm__ volatile("fninit");
}

static void test_mf_and_nm(void)
{
    ureg cr0 = READ_CR(0);
    ureg fault_ip = 0;

    /* an unmasked zero divide is pending; the next waiting instruction
     * raises #MF when CR0.NE = 1 */
    WRITE_CR(0, cr0 | CR0_NE);
    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldz\n\tfdivrp"
                     : : "m"((uint16_t){ 0x037b }));
    uint16_t sw = fstsw();
    CHECK_EQ(sw & (SW_ZE | SW_ES | SW_B), SW_ZE | SW_ES | SW_B,
             "unmasked ZE: ES and B set, FNSTSW does not wait");
    TRY_ASM("lea 2f, %%" AX "\n\tmov %%" AX ", %0\n2:\tfwait",
            : "=m"(fault_ip) : : AX, "memory");
    CHECK_EQ(rt_caught.vector, 16, "FWAIT with an exception pending: #MF");
    CHECK_EQ(rt_caught.ip, fault_ip, "#MF is reported at the FWAIT");
    TRY_ASM("fld1", : : : "memory");
    CHECK_EQ(rt_caught.vector, 16, "FLD1 with an exception pending: #MF");
    TRY_ASM("fnclex\n\tfwait", : : : "memory");
    CHECK_EQ(rt_caught.vector, -1, "after FNCLEX nothing is pending");
    __asm__ volatile("fld1\n\tfldz\n\tfdivrp");
    WRITE_CR(0, cr0 & ~(ureg)CR0_NE);
    TRY_ASM("fwait", : : : "memory");
    CHECK_EQ(rt_caught.vector, -1,
             "with CR0.NE = 0 no #MF (FERR#/IRQ13 not modelled)");
    __asm__ volatile("fninit");

    /* #NM: EM or TS for ESC instructions; WAIT only with MP and TS */
    WRITE_CR(0, (cr0 | CR0_TS) & ~(ureg)CR0_MP);
    TRY_ASM("fld1", : : : "memory");
    CHECK_EQ(rt_caught.vector, 7, "CR0.TS: FLD1 raises #NM");
    TRY_ASM("fwait", : : : "memory");
    CHECK_EQ(rt_caught.vector, -1, "CR0.TS without MP: WAIT runs");
    WRITE_CR(0, cr0 | CR0_TS | CR0_MP);
    TRY_ASM("fwait", : : : "memory");
    CHECK_EQ(rt_caught.vector, 7, "CR0.TS and MP: WAIT raises #NM");
    __asm__ volatile("clts");
    WRITE_CR(0, (cr0 | CR0_EM) & ~(ureg)CR0_TS);
    TRY_ASM("fninit", : : : "memory");
    CHECK_EQ(rt_caught.vector, 7, "CR0.EM: FNINIT raises #NM");
    TRY_ASM("fwait", : : : "memory");
    CHECK_EQ(rt_caught.vector, -1, "CR0.EM alone: WAIT runs");
    WRITE_CR(0, cr0);
    __asm__ volatile("fninit");
}

void test_main(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    CHECK(d & 1, "CPUID.1:EDX.FPU is set");
    __asm__ volatile("fninit");
    test_host_cases();
#ifndef __x86_64__
    test_c_program();
#endif
    test_stack_faults();
    test_compares_and_fxam();
    test_precision_and_rounding();
    test_save_layout();
    test_mf_and_nm();
}
