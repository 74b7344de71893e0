/*
 * The x87 register format seen from the host: exact conversion between an
 * X87Reg (the guest's 80-bit extended value, SDM vol. 1 4.2.2 and 8.2) and
 * the host's `long double`, which on x86 hosts is the same 80-bit format,
 * and the operand
 * classes FXAM reports (SDM vol. 2, FXAM). The interpreter
 * (target/i386/tcg/fpu_helper.c) is the user; the unit tests check the
 * corner cases (denormals, pseudo-denormals, unnormals, NaNs, infinities).
 */
#ifndef LAPIS_TARGET_I386_TCG_X87_H
#define LAPIS_TARGET_I386_TCG_X87_H

#include "target/i386/cpu.h"

/* Operand classes, in the order FXAM reports them (SDM vol. 2 FXAM). */
typedef enum X87Class {
    X87_CLASS_UNSUPPORTED,      /* unnormal, pseudo-NaN, pseudo-infinity */
    X87_CLASS_NAN,
    X87_CLASS_NORMAL,
    X87_CLASS_INFINITY,
    X87_CLASS_ZERO,
    X87_CLASS_DENORMAL,         /* includes pseudo-denormals (J bit set) */
} X87Class;

/* The x87 tag of a non-empty register (SDM vol. 1 8.1.7): valid, zero,
 * special (NaN, infinity, denormal, unsupported); 3 means empty. */
enum { X87_TAG_VALID = 0, X87_TAG_ZERO = 1, X87_TAG_SPECIAL = 2,
       X87_TAG_EMPTY = 3 };

X87Class x87_classify(X87Reg r);
unsigned x87_tag_of(X87Reg r);
/*
 * Bit-exact conversions: every 80-bit pattern, supported or not, maps to
 * the long double with the same bits and back. Arithmetic on the host then
 * treats unsupported encodings as invalid operands, as the guest CPU does.
 */
long double x87_reg_to_ld(X87Reg r);
X87Reg x87_reg_from_ld(long double v);

#endif
