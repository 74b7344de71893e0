/*
 * Plain float/double C code, as gcc compiles it for i386 (x87, precision
 * control "extended" after FNINIT): a series, a polynomial, Newton square
 * roots, conversions between integers, floats and doubles, comparisons with
 * NaN and infinity. The guest runs it on the emulated FPU; gen-fpu runs the
 * same source on the build host compiled with -mfpmath=387. Each operation
 * stores its result in a volatile variable, so every value is rounded to
 * its type at the same point on both sides, however the compiler allocates
 * registers. fpu_prog emits the bit patterns of the results in order.
 */
#ifndef FPU_PROG_H
#define FPU_PROG_H

#include <stdint.h>

typedef void (*fpu_emit_fn)(uint64_t bits);

static inline uint64_t dbits(double d)
{
    uint64_t v;
    __builtin_memcpy(&v, &d, 8);
    return v;
}

static inline uint32_t fbits(float f)
{
    uint32_t v;
    __builtin_memcpy(&v, &f, 4);
    return v;
}

static inline double dfrom(uint64_t v)
{
    double d;
    __builtin_memcpy(&d, &v, 8);
    return d;
}

static __attribute__((noinline)) void fpu_prog(fpu_emit_fn emit)
{
    volatile double x, t, acc;
    volatile float fx, ft, facc;
    volatile int i32;
    volatile long long i64;

    /* harmonic series, in double and in float */
    acc = 0;
    facc = 0;
    for (int i = 1; i <= 200; i++) {
        x = i;
        t = 1.0 / x;
        acc = acc + t;
        fx = (float)i;
        ft = 1.0f / fx;
        facc = facc + ft;
    }
    emit(dbits(acc));
    emit(fbits(facc));

    /* a polynomial by Horner's rule at a few points */
    static const double coef[] = { 0.5, -1.25, 3.0e-3, 7.0, -0.1, 1e-7 };
    for (int k = -6; k <= 6; k++) {
        x = k * 0.37;
        acc = 0;
        for (int j = 0; j < 6; j++) {
            t = acc * x;
            acc = t + coef[j];
        }
        emit(dbits(acc));
    }

    /* Newton's method for square roots */
    for (int k = 1; k < 40; k += 3) {
        x = k * 1.7;
        acc = x;
        for (int j = 0; j < 8; j++) {
            t = x / acc;
            t = acc + t;
            acc = t * 0.5;
        }
        emit(dbits(acc));
    }

    /* conversions: truncation toward zero, int64, float <-> double */
    static const double conv[] = { 0.0, -0.5, 2.5, -2.5, 123456.789,
                                   -98765.4321, 4.0e9, -3.0e18, 1e-320,
                                   0.1, 1.0 / 3.0 };
    for (unsigned k = 0; k < sizeof(conv) / sizeof(conv[0]); k++) {
        x = conv[k];
        i64 = (long long)x;
        emit((uint64_t)i64);
        if (x > -2.0e9 && x < 2.0e9) {
            i32 = (int)x;
            emit((uint32_t)i32);
        }
        fx = (float)x;
        emit(fbits(fx));
        t = fx;
        emit(dbits(t));
        t = (double)i64;
        emit(dbits(t));
    }

    /* comparisons, including unordered ones */
    static const uint64_t cmpv[] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
        0xbff8000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x0000000000000001ull,
    };
    for (unsigned a = 0; a < 8; a++) {
        for (unsigned b = 0; b < 8; b++) {
            x = dfrom(cmpv[a]);
            t = dfrom(cmpv[b]);
            unsigned r = (x < t) | (x <= t) << 1 | (x == t) << 2
                         | (x != t) << 3 | (x > t) << 4 | (x >= t) << 5;
            emit(r);
            acc = x < t ? x : t;
            emit(dbits(acc));
        }
    }

    /* products and quotients that overflow, underflow and round */
    x = 1e300;
    t = x * x;
    emit(dbits(t));
    x = 1e-300;
    t = x * x;
    emit(dbits(t));
    x = 0.0;
    t = 1.0 / x;
    emit(dbits(t));
    fx = 3.4e38f;
    ft = fx * 2.0f;
    emit(fbits(ft));
    fx = 1.0f;
    ft = fx / 3.0f;
    emit(fbits(ft));
}

#endif
