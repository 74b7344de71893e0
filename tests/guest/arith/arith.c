/*
 * Integer arithmetic with exact flags: every operation of arith-ops.h runs
 * on the emulated CPU with the operands the build host used, and its result,
 * second result, flags (what PUSHF sees) and the eight SETcc conditions read
 * right after it (the lazy-flags fast paths) must equal the host CPU's.
 * Flags and results the SDM leaves undefined are not compared.
 */
#include "runtime.h"
#include "arith-ops.h"

struct arith_case {
    uint16_t op;
    uint64_t a, b, c, fin, r, r2;
    uint32_t f;
    uint8_t cc;
};
#include "arith-table.h"

const char *test_name = "arith";

/*
 * BMI1 (VEX-encoded ANDN, BEXTR, BLSI, BLSMSK, BLSR): the build host may
 * lack BMI1, so the expected results and flags are computed here in C from
 * the SDM's definitions. With CPUID.7.0:EBX.BMI1 (-cpu max) they must
 * match, and VEX with L=1, an unmodelled VEX opcode (BZHI, BMI2) and a
 * 66/F2/F3/LOCK/REX prefix in front of VEX are #UD; without it (qemu64)
 * the BMI1 instructions themselves are #UD.
 */
#define BMI_ZF_SF_CF_OF (FL_ZF | FL_SF | FL_CF | FL_OF)

static unsigned bmi_bad;

static void bmi_check(const char *name, uint64_t a, uint64_t b, uint64_t got,
                      uint64_t want, areg gotf, unsigned wantf, unsigned mask)
{
    if (got != want || ((gotf ^ wantf) & mask)) {
        if (bmi_bad++ < 8) {
            rt_printf("# %s a=%llx b=%llx: got r=%llx f=%x, want r=%llx f=%x "
                      "(mask %x)\n", name, (unsigned long long)a,
                      (unsigned long long)b, (unsigned long long)got,
                      (unsigned)(gotf & mask), (unsigned long long)want,
                      wantf & mask, mask);
        }
    }
}

static unsigned bmi_ref_flags(uint64_t r, int bits, bool cf)
{
    return (r == 0 ? FL_ZF : 0) | (((r >> (bits - 1)) & 1) ? FL_SF : 0)
           | (cf ? FL_CF : 0);
}

/* One operand size: T is the C type, run with input flags fin. */
#define BMI_SIZE(T, sfx, bits) \
static void bmi_run_##sfx(T a, T b, areg fin) \
{ \
    T r, m; \
    areg f; \
    __asm__ volatile(SETF "andn %[b], %[a], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [a]"r"(a), [b]"r"(b), "0"(0), \
                       "1"(fin) : "cc"); \
    bmi_check("andn" #bits, a, b, r, (T)(~a & b), f, \
              bmi_ref_flags((T)(~a & b), bits, false), BMI_ZF_SF_CF_OF); \
    m = b; \
    __asm__ volatile(SETF "andn %[m], %[a], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [a]"r"(a), [m]"m"(m), "0"(0), \
                       "1"(fin) : "cc"); \
    bmi_check("andn" #bits " mem", a, b, r, (T)(~a & b), f, \
              bmi_ref_flags((T)(~a & b), bits, false), BMI_ZF_SF_CF_OF); \
    /* BEXTR: start b[7:0], length b[15:8] */ \
    unsigned st = b & 0xff, len = (b >> 8) & 0xff; \
    T want = st < bits ? (T)(a >> st) : 0; \
    if (len < bits) { \
        want &= (T)(((T)1 << len) - 1); \
    } \
    __asm__ volatile(SETF "bextr %[b], %[a], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [a]"r"(a), [b]"r"(b), "0"(0), \
                       "1"(fin) : "cc"); \
    bmi_check("bextr" #bits, a, b, r, want, f, want == 0 ? FL_ZF : 0, \
              FL_ZF | FL_CF | FL_OF); \
    __asm__ volatile(SETF "blsi %[a], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [a]"r"(a), "0"(0), "1"(fin) \
                     : "cc"); \
    want = (T)(-a & a); \
    bmi_check("blsi" #bits, a, 0, r, want, f, \
              bmi_ref_flags(want, bits, a != 0), BMI_ZF_SF_CF_OF); \
    __asm__ volatile(SETF "blsmsk %[a], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [a]"r"(a), "0"(0), "1"(fin) \
                     : "cc"); \
    want = (T)((a - 1) ^ a); \
    bmi_check("blsmsk" #bits, a, 0, r, want, f, \
              bmi_ref_flags(want, bits, a == 0), BMI_ZF_SF_CF_OF); \
    m = a; \
    __asm__ volatile(SETF "blsr %[m], %[r]\n\tpushf\n\tpop %[f]" \
                     : [r]"=&r"(r), [f]"=&r"(f) : [m]"m"(m), "0"(0), "1"(fin) \
                     : "cc"); \
    want = (T)((a - 1) & a); \
    bmi_check("blsr" #bits " mem", a, 0, r, want, f, \
              bmi_ref_flags(want, bits, a == 0), BMI_ZF_SF_CF_OF); \
}

BMI_SIZE(uint32_t, 32, 32)
#ifdef __x86_64__
BMI_SIZE(uint64_t, 64, 64)
#endif

static void bmi_expect_ud(const char *what, bool want_ud)
{
    CHECK(rt_caught.vector == (want_ud ? 6 : -1), "%s: %s (vector %d)", what,
          want_ud ? "#UD" : "runs", rt_caught.vector);
}

static void bmi1_tests(void)
{
    static const uint64_t vals[] = {
        0, 1, 2, 3, 0x80, 0xff, 0x100, 0x7fffffff, 0x80000000, 0xffffffff,
        0x100000000ull, 0x8000000000000000ull, 0xffffffffffffffffull,
        0x0123456789abcdefull, 0xfedcba9876543210ull, 0x0000000000000810ull,
        0x0000000000002004ull, 0x0000000000004020ull, 0x0000000000000840ull,
        0x000000000000ff00ull, 0x0000000000003f3full,
    };
    const unsigned n = sizeof(vals) / sizeof(vals[0]);
    uint32_t eax, ebx, ecx, edx;
    cpuid(7, 0, &eax, &ebx, &ecx, &edx);
    bool bmi1 = ebx & (1u << 3);
    rt_printf("# BMI1 %s\n", bmi1 ? "advertised" : "not advertised");

    TRY_ASM("andn %%ecx, %%ebx, %%eax", : : : "eax", "memory");
    bmi_expect_ud("ANDN", !bmi1);
    TRY_ASM("blsr %%ecx, %%eax", : : : "eax", "memory");
    bmi_expect_ud("BLSR", !bmi1);
    TRY_ASM("bextr %%ebx, %%ecx, %%eax", : : : "eax", "memory");
    bmi_expect_ud("BEXTR", !bmi1);
    if (!bmi1) {
        return;
    }

    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < n; j++) {
            bmi_run_32(vals[i], vals[j], 0x2);
            bmi_run_32(vals[i], vals[j], 0x2 | FL_ARITH);
#ifdef __x86_64__
            bmi_run_64(vals[i], vals[j], 0x2);
            bmi_run_64(vals[i], vals[j], 0x2 | FL_ARITH);
#endif
        }
    }
#ifdef __x86_64__
    /* 32-bit destination zero-extends; vvvv and ModRM reaching r8-r15 */
    {
        uint64_t r = ~0ull;
        __asm__ volatile("mov $0xf0f0, %%r9d\n\tmov $0xff00ff00, %%r10d\n\t"
                         "andn %%r10d, %%r9d, %%r11d\n\tmov %%r11, %0"
                         : "+r"(r) : : "r9", "r10", "r11", "cc");
        CHECK_EQ(r, 0xff000f00ull, "ANDN r11d, r9d, r10d (VEX.R, B, vvvv high)");
        r = ~0ull;
        __asm__ volatile("mov $0x30, %%r12\n\tblsi %%r12, %%r13\n\tmov %%r13, %0"
                         : "+r"(r) : : "r12", "r13", "cc");
        CHECK_EQ(r, 0x10, "BLSI r13, r12 (vvvv destination r13)");
    }
#endif
    CHECK(bmi_bad == 0, "BMI1: results and defined flags match the SDM "
          "(%u mismatches)", bmi_bad);

    /* VEX forms that stay #UD: L=1, BZHI (BMI2 is not advertised), and a
     * legacy or REX prefix in front of VEX */
    TRY_ASM(".byte 0xc4, 0xe2, 0x64, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("ANDN with VEX.L=1", true);
    TRY_ASM(".byte 0xc4, 0xe2, 0x60, 0xf5, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("BZHI (not modelled)", true);
    TRY_ASM(".byte 0xc4, 0xe2, 0x61, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("ANDN encoding with VEX.pp=66", true);
    TRY_ASM(".byte 0x66, 0xc4, 0xe2, 0x60, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("66 before VEX", true);
    TRY_ASM(".byte 0xf3, 0xc4, 0xe2, 0x60, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("F3 before VEX", true);
    TRY_ASM(".byte 0xf2, 0xc4, 0xe2, 0x60, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("F2 before VEX", true);
    TRY_ASM(".byte 0xf0, 0xc4, 0xe2, 0x60, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("LOCK before VEX", true);
    TRY_ASM(".byte 0xc4, 0xe2, 0x60, 0xf3, 0xe1", : : : "eax", "memory");
    bmi_expect_ud("VEX group 17 /4", true);
#ifdef __x86_64__
    TRY_ASM(".byte 0x40, 0xc4, 0xe2, 0x60, 0xf2, 0xc1", : : : "eax", "memory");
    bmi_expect_ud("REX before VEX", true);
#else
    /* outside 64-bit mode C4 with ModRM.mod != 11 is still LES */
    {
        static volatile struct __attribute__((packed)) {
            uint32_t off;
            uint16_t sel;
        } fp = { 0x12345678, SEL_DATA };
        uint32_t off = 0;
        uint16_t es = 0;
        __asm__ volatile("push %%es\n\tles %2, %0\n\tmov %%es, %1\n\tpop %%es"
                         : "=r"(off), "=r"(es) : "m"(fp) : "memory");
        CHECK(off == 0x12345678 && es == SEL_DATA,
              "C4 with a memory ModRM is LES in 32-bit mode");
    }
#endif
}

void test_main(void)
{
    unsigned ncases = sizeof(arith_cases) / sizeof(arith_cases[0]);
    unsigned bad[ARITH_NOPS], count[ARITH_NOPS];
    for (unsigned i = 0; i < ARITH_NOPS; i++) {
        bad[i] = count[i] = 0;
    }
    for (unsigned i = 0; i < ncases; i++) {
        const struct arith_case *t = &arith_cases[i];
        if (t->op >= ARITH_NOPS) {
            continue;       /* a 64-bit operation in a 32-bit guest */
        }
        const struct arith_op *op = &arith_ops[t->op];
        struct arith_res r;
        int res_undef;
        unsigned undef = arith_undefined(op, t->b, t->c, &res_undef);
        op->fn(t->a, t->b, t->c, t->fin, &r);
        bool ok = ((r.f ^ t->f) & FL_ARITH & ~undef) == 0;
        if (!res_undef) {
            ok = ok && r.r == (areg)t->r && r.r2 == (areg)t->r2;
        }
        for (int k = 0; k < 8; k++) {
            if (!(arith_cc_flags[k] & undef) && (r.cc[k] & 1) != ((t->cc >> k) & 1)) {
                ok = false;
            }
        }
        count[t->op]++;
        if (!ok) {
            if (!bad[t->op]) {
                unsigned cc = 0;
                for (int k = 0; k < 8; k++) {
                    cc |= (r.cc[k] & 1) << k;
                }
                rt_printf("# %s a=%llx b=%llx c=%llx fin=%llx: got r=%llx r2=%llx "
                          "f=%x cc=%x, want r=%llx r2=%llx f=%x cc=%x (undef %x)\n",
                          op->name, (unsigned long long)t->a,
                          (unsigned long long)t->b, (unsigned long long)t->c,
                          (unsigned long long)t->fin, (unsigned long long)r.r,
                          (unsigned long long)r.r2, (unsigned)(r.f & FL_ARITH), cc,
                          (unsigned long long)(areg)t->r,
                          (unsigned long long)(areg)t->r2, t->f, t->cc, undef);
            }
            bad[t->op]++;
        }
    }
    for (unsigned i = 0; i < ARITH_NOPS; i++) {
        CHECK(bad[i] == 0 && count[i] > 0, "%s: %u of %u cases match the host CPU",
              arith_ops[i].name, count[i] - bad[i], count[i]);
    }
    bmi1_tests();
}
