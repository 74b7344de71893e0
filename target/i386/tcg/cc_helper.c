/*
 * Lazy condition codes. A flag-setting instruction records what it did
 * (env->cc_op: the kind of operation and its size) and its result and
 * operands (cc_dst, cc_src, cc_src2); a flag is computed only when something
 * reads it. Flag definitions follow the SDM vol. 2 instruction pages and
 * vol. 1 appendix A (EFLAGS cross-reference). Flags the SDM leaves undefined
 * are given the values Intel processors produce where that is documented
 * consistently (AF of logic ops = 0, SF/ZF/PF of MUL from the low result).
 */
#include "qemu/osdep.h"
#include "internal.h"

static inline uint32_t parity_flag(uint64_t v)
{
    return __builtin_parity((uint32_t)(v & 0xff)) ? 0 : CC_P;
}

static inline uint32_t szp_flags(uint64_t dst, int sz)
{
    uint64_t m = sz_mask(sz);
    uint64_t sign = 1ull << ((8 << sz) - 1);
    uint32_t f = parity_flag(dst);
    if ((dst & m) == 0) {
        f |= CC_Z;
    }
    if (dst & sign) {
        f |= CC_S;
    }
    return f;
}

uint32_t cc_compute_all(CPUX86State *env)
{
    unsigned op = env->cc_op;
    int sz = op & 3;
    uint64_t m = sz_mask(sz);
    uint64_t sign = 1ull << ((8 << sz) - 1);
    uint64_t dst = env->cc_dst & m, src = env->cc_src & m, src1;
    uint32_t f;

    switch (op >> 2) {
    case CC_K_EFLAGS:
        return env->cc_src & CC_MASK;
    case CC_K_ADD:
        src1 = (dst - src) & m;
        f = szp_flags(dst, sz) | ((src1 ^ src ^ dst) & CC_A);
        f |= dst < src1 ? CC_C : 0;
        f |= ((src1 ^ ~src) & (src1 ^ dst) & sign) ? CC_O : 0;
        return f;
    case CC_K_ADC:
        src1 = (dst - src - env->cc_src2) & m;
        f = szp_flags(dst, sz) | ((src1 ^ src ^ dst) & CC_A);
        f |= (env->cc_src2 ? dst <= src1 : dst < src1) ? CC_C : 0;
        f |= ((src1 ^ ~src) & (src1 ^ dst) & sign) ? CC_O : 0;
        return f;
    case CC_K_SUB:
        src1 = (dst + src) & m;
        f = szp_flags(dst, sz) | ((src1 ^ src ^ dst) & CC_A);
        f |= src1 < src ? CC_C : 0;
        f |= ((src1 ^ src) & (src1 ^ dst) & sign) ? CC_O : 0;
        return f;
    case CC_K_SBB:
        src1 = (dst + src + env->cc_src2) & m;
        f = szp_flags(dst, sz) | ((src1 ^ src ^ dst) & CC_A);
        f |= (env->cc_src2 ? src1 <= src : src1 < src) ? CC_C : 0;
        f |= ((src1 ^ src) & (src1 ^ dst) & sign) ? CC_O : 0;
        return f;
    case CC_K_LOGIC:
        return szp_flags(dst, sz);
    case CC_K_INC:
        /* cc_src: the CF from before (INC/DEC leave CF alone) */
        src1 = (dst - 1) & m;
        f = szp_flags(dst, sz) | ((src1 ^ 1 ^ dst) & CC_A);
        f |= env->cc_src & CC_C;
        f |= dst == sign ? CC_O : 0;
        return f;
    case CC_K_DEC:
        src1 = (dst + 1) & m;
        f = szp_flags(dst, sz) | ((src1 ^ 1 ^ dst) & CC_A);
        f |= env->cc_src & CC_C;
        f |= dst == sign - 1 ? CC_O : 0;
        return f;
    case CC_K_SHL:
        /* cc_src: the operand shifted left by count-1; CF is its MSB */
        f = szp_flags(dst, sz);
        f |= (src & sign) ? CC_C : 0;
        f |= ((src ^ dst) & sign) ? CC_O : 0;
        return f;
    case CC_K_SAR:
        /* cc_src: the operand shifted right by count-1; CF is its LSB.
         * OF: SHR by 1 gives the old MSB, SAR gives 0; cc_src2 holds it. */
        f = szp_flags(dst, sz);
        f |= (src & 1) ? CC_C : 0;
        f |= env->cc_src2 ? CC_O : 0;
        return f;
    case CC_K_MUL:
        /* cc_src non-zero: the upper half is significant (CF = OF = 1) */
        f = szp_flags(dst, sz);
        f |= env->cc_src ? (CC_C | CC_O) : 0;
        return f;
    case CC_K_BMI:
        /* ZF from the result, CF from cc_src (TZCNT/LZCNT/POPCNT style) */
        f = (dst == 0 ? CC_Z : 0) | (env->cc_src ? CC_C : 0);
        return f;
    }
    return 0;
}

/* Condition codes as numbered in Jcc/SETcc/CMOVcc (SDM vol. 2 B.1.4.7). */
bool cc_test(CPUX86State *env, unsigned cond)
{
    unsigned op = env->cc_op;
    bool r;

    if ((op >> 2) == CC_K_SUB) {
        /* CMP fast path: compare the operands directly */
        int sz = op & 3;
        uint64_t m = sz_mask(sz);
        uint64_t dst = env->cc_dst & m, src2 = env->cc_src & m;
        uint64_t src1 = (dst + src2) & m;
        switch (cond >> 1) {
        case 1: r = src1 < src2; goto out;                 /* B */
        case 2: r = dst == 0; goto out;                    /* Z */
        case 3: r = src1 <= src2; goto out;                /* BE */
        case 4: r = sext(dst, sz) < 0; goto out;           /* S */
        case 6: r = sext(src1, sz) < sext(src2, sz); goto out;  /* L */
        case 7: r = sext(src1, sz) <= sext(src2, sz); goto out; /* LE */
        default: break;
        }
    } else if ((op >> 2) == CC_K_LOGIC) {
        int sz = op & 3;
        int64_t v = sext(env->cc_dst, sz);
        switch (cond >> 1) {
        case 0: r = false; goto out;                       /* O */
        case 1: r = false; goto out;                       /* B */
        case 2: r = v == 0; goto out;                      /* Z */
        case 3: r = v == 0; goto out;                      /* BE */
        case 4: r = v < 0; goto out;                       /* S */
        case 6: r = v < 0; goto out;                       /* L */
        case 7: r = v <= 0; goto out;                      /* LE */
        default: break;
        }
    }
    {
        uint32_t f = cc_compute_all(env);
        switch (cond >> 1) {
        case 0: r = f & CC_O; break;
        case 1: r = f & CC_C; break;
        case 2: r = f & CC_Z; break;
        case 3: r = f & (CC_C | CC_Z); break;
        case 4: r = f & CC_S; break;
        case 5: r = f & CC_P; break;
        case 6: r = !(f & CC_S) != !(f & CC_O); break;
        default: r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O)); break;
        }
    }
out:
    return r ^ (cond & 1);
}

void cpu_set_eflags(CPUX86State *env, uint64_t value, uint64_t mask)
{
    mask |= CC_MASK;
    env->cc_src = value & CC_MASK;
    env->cc_op = CC_OP_EFLAGS;
    env->rflags = (env->rflags & ~mask) | (value & mask) | 0x2;
    if (env->rflags & VM_MASK) {
        env->hflags |= HF_VM;
    } else {
        env->hflags &= ~HF_VM;
    }
}
