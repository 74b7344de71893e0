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
}
