/*
 * The x86 instruction decoder: prefixes (legacy, REX), the one- and two-byte
 * opcode maps, ModRM/SIB addressing in 16-, 32- and 64-bit forms, and
 * immediates, turned into a DecodedInsn whose handler has the operand and
 * address sizes fixed. Follows the SDM vol. 2 chapter 2 (instruction format)
 * and appendix A (opcode map). Encodings we do not model decode to OP_UD, so
 * they raise #UD (logged under -d unimp): VEX beyond BMI1, EVEX, SSSE3/SSE4,
 * 3DNow!, VMX/SVM, XSAVE, TSX, CET beyond ENDBR.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "internal.h"
#include "ops.h"

typedef struct DecodeCtx {
    CPUX86State *env;
    uint64_t pc;            /* linear address of the first byte */
    const uint8_t *host1;   /* page 1 bytes from pc (NULL: not RAM) */
    uint64_t phys1;
    unsigned avail1;        /* bytes of page 1 from pc */
    uint64_t phys2;         /* page 2 physical, or ~0 (not fetched yet) */
    const uint8_t *host2;
    unsigned pos;
    bool may_fault;
    bool fail;
    /* prefixes */
    bool rex_w, rex_r, rex_x, rex_b, rex;
    bool opsize, adsize;
} DecodeCtx;

static uint8_t fetch8(DecodeCtx *c)
{
    unsigned p = c->pos++;
    if (p >= 15) {
        /* the instruction is too long: #GP(0) (SDM 2.3.11) */
        if (c->may_fault) {
            raise_exception_err(c->env, EXCP0D_GP, 0);
        }
        c->fail = true;
        return 0;
    }
    if (p < c->avail1) {
        return c->host1 ? c->host1[p] : code_ldub_phys(c->env, c->phys1 + p);
    }
    if (c->fail) {
        return 0;
    }
    if (c->phys2 == ~0ull) {
        uint64_t lin2 = c->pc + c->avail1;
        if (!(c->env->hflags & HF_LMA)) {
            lin2 = (uint32_t)lin2;
        }
        c->phys2 = get_phys_code(c->env, lin2, c->may_fault);
        if (c->phys2 == ~0ull) {
            c->fail = true;
            return 0;
        }
        uint64_t avail;
        c->host2 = code_host_ptr(c->env, c->phys2, &avail);
    }
    unsigned q = p - c->avail1;
    return c->host2 ? c->host2[q] : code_ldub_phys(c->env, c->phys2 + q);
}

static uint16_t fetch16(DecodeCtx *c)
{
    uint16_t v = fetch8(c);
    return v | (uint16_t)fetch8(c) << 8;
}

static uint32_t fetch32(DecodeCtx *c)
{
    uint32_t v = fetch16(c);
    return v | (uint32_t)fetch16(c) << 16;
}

static uint64_t fetch64(DecodeCtx *c)
{
    uint64_t v = fetch32(c);
    return v | (uint64_t)fetch32(c) << 32;
}

/* Iz: 16 or 32 bits, sign-extended to 64 for 64-bit operands. */
static uint64_t fetch_iz(DecodeCtx *c, int sz)
{
    if (sz == 1) {
        return fetch16(c);
    }
    return (uint64_t)(int64_t)(int32_t)fetch32(c);
}

static uint64_t fetch_imm(DecodeCtx *c, int sz)
{
    switch (sz) {
    case 0: return fetch8(c);
    case 1: return fetch16(c);
    case 2: return fetch32(c);
    default: return (uint64_t)(int64_t)(int32_t)fetch32(c);
    }
}

static uint64_t fetch_ib_sext(DecodeCtx *c)
{
    return (uint64_t)(int64_t)(int8_t)fetch8(c);
}

/* Byte register numbering: without REX, 4..7 are AH, CH, DH, BH. */
static uint8_t byte_reg(DecodeCtx *c, int sz, unsigned r)
{
    if (sz == 0 && !c->rex && r >= 4 && r < 8) {
        return REG_HI8 + r - 4;
    }
    return r;
}

/* Decode ModRM (and SIB/displacement). */
static void decode_modrm(DecodeCtx *c, DecodedInsn *d, int reg_sz, int rm_sz)
{
    uint8_t m = fetch8(c);
    unsigned mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
    bool seg_ss = false;

    d->reg = byte_reg(c, reg_sz, reg | (c->rex_r ? 8 : 0));
    d->sub = reg;
    if (mod == 3) {
        d->rm = byte_reg(c, rm_sz, rm | (c->rex_b ? 8 : 0));
        return;
    }
    d->flags |= INSN_F_MEM;
    d->base = REG_NONE;
    d->index = REG_NONE;
    d->scale = 0;
    d->disp = 0;
    if (d->asz == 1) {
        /* 16-bit addressing (SDM table 2-1) */
        static const uint8_t b16[8] = { R_EBX, R_EBX, R_EBP, R_EBP,
                                        REG_NONE, REG_NONE, R_EBP, R_EBX };
        static const uint8_t i16[8] = { R_ESI, R_EDI, R_ESI, R_EDI,
                                        R_ESI, R_EDI, REG_NONE, REG_NONE };
        d->base = b16[rm];
        d->index = i16[rm];
        if (mod == 0 && rm == 6) {
            d->base = REG_NONE;
            d->disp = (int16_t)fetch16(c);
        } else if (mod == 1) {
            d->disp = (int8_t)fetch8(c);
        } else if (mod == 2) {
            d->disp = (int16_t)fetch16(c);
        }
        seg_ss = d->base == R_EBP;
    } else {
        unsigned base = rm;
        if (rm == 4) {
            uint8_t sib = fetch8(c);
            unsigned idx = ((sib >> 3) & 7) | (c->rex_x ? 8 : 0);
            d->scale = sib >> 6;
            d->index = idx == 4 ? REG_NONE : idx;
            base = sib & 7;
            if (base == 5 && mod == 0) {
                d->base = REG_NONE;
                d->disp = (int32_t)fetch32(c);
            } else {
                d->base = base | (c->rex_b ? 8 : 0);
            }
        } else if (rm == 5 && mod == 0) {
            d->disp = (int32_t)fetch32(c);
            d->base = (c->env->hflags & HF_CS64) ? BASE_RIP : REG_NONE;
        } else {
            d->base = rm | (c->rex_b ? 8 : 0);
        }
        if (mod == 1) {
            d->disp = (int8_t)fetch8(c);
        } else if (mod == 2) {
            d->disp = (int32_t)fetch32(c);
        }
        seg_ss = d->base == R_ESP || d->base == R_EBP;
    }
    if (!(d->flags & INSN_F_SEGOV)) {
        d->seg = seg_ss ? R_SS : R_DS;
    }
}

/*
 * The rest of a VEX-encoded instruction after C4 or C5 and its first
 * payload byte b1 (SDM vol. 2 2.3.5-2.3.6): the inverted R, X, B and vvvv,
 * W, L, the implied prefix pp and the opcode map. Only the BMI1 group of
 * map 0F38 with pp = none and L = 0 is modelled (ANDN, BEXTR, BLSR,
 * BLSMSK, BLSI); everything else, and any 66, F2, F3, LOCK or REX prefix
 * in front of VEX, stays #UD. Outside 64-bit mode R, X, B, W and the top
 * bit of vvvv are ignored. imm2 carries vvvv.
 */
static void decode_vex(DecodeCtx *c, DecodedInsn *d, uint8_t b, uint8_t b1,
                       bool cs64, bool bad_prefix)
{
    unsigned map = 1, pp, l, vvvv;
    bool w = false;

    c->rex_r = !(b1 & 0x80);
    c->rex_x = c->rex_b = false;
    if (b == 0xc5) {
        vvvv = (~b1 >> 3) & 15;
        l = (b1 >> 2) & 1;
        pp = b1 & 3;
    } else {
        uint8_t b2 = fetch8(c);
        c->rex_x = !(b1 & 0x40);
        c->rex_b = !(b1 & 0x20);
        map = b1 & 0x1f;
        w = b2 & 0x80;
        vvvv = (~b2 >> 3) & 15;
        l = (b2 >> 2) & 1;
        pp = b2 & 3;
    }
    if (!cs64) {
        c->rex_r = c->rex_x = c->rex_b = w = false;
        vvvv &= 7;
    }
    c->rex = cs64;
    uint8_t op = fetch8(c);
    d->sz = w ? 3 : 2;
    d->op = OP_UD;
    if (map != 2 || pp != 0 || (op != 0xf2 && op != 0xf3 && op != 0xf7)) {
        return;
    }
    decode_modrm(c, d, d->sz, d->sz);
    d->imm2 = vvvv;
    if (bad_prefix || l) {
        return;
    }
    switch (op) {
    case 0xf2: d->op = OP_ANDN; break;
    case 0xf7: d->op = OP_BEXTR; break;
    default:
        /* group 17 (F3): /1 BLSR, /2 BLSMSK, /3 BLSI */
        d->op = d->sub == 1 ? OP_BLSR : d->sub == 2 ? OP_BLSMSK
              : d->sub == 3 ? OP_BLSI : OP_UD;
        break;
    }
}

static bool lockable(unsigned op)
{
    switch (op) {
    case OP_ADD_EG ... OP_XOR_EG:
    case OP_ADD_EI ... OP_XOR_EI:
    case OP_INC_E: case OP_DEC_E: case OP_NOT_E: case OP_NEG_E:
    case OP_XCHG_EG: case OP_BT_EG: case OP_BT_EI: case OP_CMPXCHG:
    case OP_CMPXCHG8B: case OP_XADD:
        return true;
    default:
        return false;
    }
}

/*
 * Substitute a specialised handler (ops.h FAST_OPS) where the operands and
 * size allow. Only forms that never end a block are specialised, so
 * insn_ends_block() sees the same answer either way.
 */
static void specialize(DecodedInsn *d)
{
    bool mem = d->flags & INSN_F_MEM;
    bool lock = d->flags & INSN_F_LOCK;
    int q = d->sz == 3;

    if (d->op == OP_MOVZX && d->imm2 == 0 && d->sz == 2) {
        d->op = mem ? OP_MOVZX_B_RM_L : OP_MOVZX_B_L;
        return;
    }
    /* the condition in the handler: no dispatch on it at run time */
    if (d->op == OP_JCC) {
        d->op = OP_JCC_O + d->sub;
        return;
    }
    /* byte stores and compares of a constant to memory (flag arrays,
     * byte-at-a-time loops) */
    if (mem && !lock && d->sz == 0 && d->op == OP_MOV_EI) {
        d->op = OP_MOV_MI_B;
        return;
    }
    if (mem && !lock && d->sz == 0 && d->op == OP_CMP_EI) {
        d->op = OP_CMP_MI_B;
        return;
    }
    if (d->sz < 2 || lock) {
        return;
    }
    switch (d->op) {
    case OP_ADD_EG ... OP_CMP_EG:
        if (!mem) {
            /* dst = rm, src = reg already */
            d->op = (q ? OP_ADD_RR_Q : OP_ADD_RR_L) + (d->op - OP_ADD_EG);
        }
        break;
    case OP_ADD_GE ... OP_CMP_GE: {
        unsigned aop = d->op - OP_ADD_GE;
        if (!mem) {
            uint8_t dst = d->reg;
            d->reg = d->rm;
            d->rm = dst;
            d->op = (q ? OP_ADD_RR_Q : OP_ADD_RR_L) + aop;
        } else {
            d->op = (q ? OP_ADD_RM_Q : OP_ADD_RM_L) + aop;
        }
        break;
    }
    case OP_ADD_EI ... OP_CMP_EI:
        if (!mem) {
            d->op = (q ? OP_ADD_RI_Q : OP_ADD_RI_L) + (d->op - OP_ADD_EI);
        }
        break;
    case OP_MOV_EG:
        d->op = mem ? (q ? OP_MOV_MR_Q : OP_MOV_MR_L)
                    : (q ? OP_MOV_RR_Q : OP_MOV_RR_L);
        break;
    case OP_MOV_GE:
        if (mem) {
            d->op = q ? OP_MOV_RM_Q : OP_MOV_RM_L;
        } else {
            uint8_t dst = d->reg;
            d->reg = d->rm;
            d->rm = dst;
            d->op = q ? OP_MOV_RR_Q : OP_MOV_RR_L;
        }
        break;
    case OP_MOV_RI:
        d->op = q ? OP_MOV_RI_Q : OP_MOV_RI_L;
        break;
    case OP_MOV_EI:
        if (mem && !q) {
            d->op = OP_MOV_MI_L;
        }
        break;
    case OP_TEST_EG:
        if (!mem) {
            d->op = q ? OP_TEST_RR_Q : OP_TEST_RR_L;
        }
        break;
    case OP_INC_E:
        if (!mem) {
            d->op = q ? OP_INC_R_Q : OP_INC_R_L;
        }
        break;
    case OP_DEC_E:
        if (!mem) {
            d->op = q ? OP_DEC_R_Q : OP_DEC_R_L;
        }
        break;
    case OP_PUSH_R:
        /* 64-bit mode: flat 64-bit stack; 32-bit: the handler checks for
         * a flat 32-bit SS at run time */
        d->op = q ? OP_PUSH_R_Q : OP_PUSH_R_L;
        break;
    case OP_POP_R:
        d->op = q ? OP_POP_R_Q : OP_POP_R_L;
        break;
    case OP_LEA:
        if (q) {
            d->op = OP_LEA_Q;
        } else if (d->asz >= 2 && d->base != BASE_RIP) {
            /* a 32-bit result of a 32- or 64-bit address: the sum
             * truncated to 32 bits either way */
            d->op = OP_LEA_L;
        }
        break;
    case OP_SHIFT_E1:
    case OP_SHIFT_EI: {
        /* SHL/SAL, SHR, SAR by a constant, register operand */
        static const uint16_t fast[8][2] = {
            [4] = { OP_SHL_RI_L, OP_SHL_RI_Q }, [5] = { OP_SHR_RI_L, OP_SHR_RI_Q },
            [6] = { OP_SHL_RI_L, OP_SHL_RI_Q }, [7] = { OP_SAR_RI_L, OP_SAR_RI_Q },
        };
        if (!mem && fast[d->sub][q]) {
            if (d->op == OP_SHIFT_E1) {
                d->imm = 1;
            }
            d->imm &= q ? 63 : 31;
            if (d->imm) {
                d->op = fast[d->sub][q];
            }
        }
        break;
    }
    case OP_NEG_E:
        if (!mem) {
            d->op = q ? OP_NEG_R_Q : OP_NEG_R_L;
        }
        break;
    case OP_NOT_E:
        if (!mem) {
            d->op = q ? OP_NOT_R_Q : OP_NOT_R_L;
        }
        break;
    case OP_IMUL_GEI:
        if (!mem) {
            d->op = q ? OP_IMUL_RRI_Q : OP_IMUL_RRI_L;
        }
        break;
    default:
        break;
    }
}

/*
 * The MMX/SSE/SSE2/SSE3 part of the two-byte map (SDM vol. 2 table A-3):
 * the mandatory prefix (F3 or F2 over 66), ModRM and the imm8 of PSHUF*,
 * the shift groups 12-14, CMPPS and PINSRW/PEXTRW/SHUFPS. imm2 carries the
 * opcode byte and the prefix (bits 9:8: 0 none, 1 66, 2 F2, 3 F3);
 * sse_helper.c gives the meaning and raises #UD for the holes.
 */
static void decode_sse(DecodeCtx *c, DecodedInsn *d, uint8_t b, int rep)
{
    unsigned pfx = rep ? rep : c->opsize ? 1 : 0;

    if (b >= 0x78 && b <= 0x7b) {
        return;                 /* VMREAD/VMWRITE and holes: #UD */
    }
    d->op = OP_SSE;
    d->imm2 = b | pfx << 8;
    d->sz = c->rex_w ? 3 : 2;
    if (b == 0x77) {
        return;                 /* EMMS */
    }
    decode_modrm(c, d, 2, 2);
    if ((b >= 0x70 && b <= 0x73) || b == 0xc2 || b == 0xc4 || b == 0xc5
        || b == 0xc6) {
        d->imm = fetch8(c);
    }
}

bool decode_insn(CPUX86State *env, uint64_t pc, DecodedInsn *d,
                 bool may_fault, uint64_t *phys2)
{
    DecodeCtx c = { .env = env, .pc = pc, .may_fault = may_fault,
                    .phys2 = ~0ull };
    bool cs64 = env->hflags & HF_CS64;
    bool cs32 = env->hflags & HF_CS32;
    uint8_t b;
    int rep = 0, seg = -1;
    bool lock = false;
    uint64_t avail;

    memset(d, 0, sizeof(*d));
    d->base = d->index = REG_NONE;
    c.phys1 = get_phys_code(env, pc, may_fault);
    if (c.phys1 == ~0ull) {
        return false;
    }
    c.host1 = code_host_ptr(env, c.phys1, &avail);
    c.avail1 = PAGE_SIZE - (c.phys1 & 0xfff);

    /* prefixes (SDM 2.1.1); REX must come last (2.2.1) */
    for (;;) {
        b = fetch8(&c);
        switch (b) {
        case 0x26: seg = R_ES; c.rex = false; continue;
        case 0x2e: seg = R_CS; c.rex = false; continue;
        case 0x36: seg = R_SS; c.rex = false; continue;
        case 0x3e: seg = R_DS; c.rex = false; continue;
        case 0x64: seg = R_FS; c.rex = false; continue;
        case 0x65: seg = R_GS; c.rex = false; continue;
        case 0x66: c.opsize = true; c.rex = false; continue;
        case 0x67: c.adsize = true; c.rex = false; continue;
        case 0xf0: lock = true; c.rex = false; continue;
        case 0xf2: rep = 2; c.rex = false; continue;
        case 0xf3: rep = 3; c.rex = false; continue;
        default:
            break;
        }
        if (cs64 && (b & 0xf0) == 0x40) {
            c.rex = true;
            c.rex_w = b & 8;
            c.rex_r = b & 4;
            c.rex_x = b & 2;
            c.rex_b = b & 1;
            continue;
        }
        break;
    }
    if (!c.rex) {
        c.rex_w = c.rex_r = c.rex_x = c.rex_b = false;
    }
    if (c.fail) {
        return false;
    }

    /* operand and address sizes (SDM 2.2.1.2, table 2-4) */
    int osz, asz;
    if (cs64) {
        osz = c.rex_w ? 3 : c.opsize ? 1 : 2;
        asz = c.adsize ? 2 : 3;
    } else {
        osz = (cs32 ^ c.opsize) ? 2 : 1;
        asz = (cs32 ^ c.adsize) ? 2 : 1;
    }
    /* default 64-bit operand size for stack and near branches */
    int ssz = cs64 ? (c.opsize ? 1 : 3) : osz;
    d->asz = asz;
    d->sz = osz;
    d->rep = rep;
    if (c.rex) {
        d->flags |= INSN_F_REX;
    }
    if (seg >= 0) {
        d->flags |= INSN_F_SEGOV;
        d->seg = seg;
    } else {
        d->seg = R_DS;
    }
    d->op = OP_UD;

    if (b != 0x0f) {
        switch (b) {
        case 0x00 ... 0x3f:
            if ((b & 7) < 6) {
                unsigned alu = b >> 3;
                switch (b & 7) {
                case 0: d->sz = 0; decode_modrm(&c, d, 0, 0);
                    d->op = OP_ADD_EG + alu; break;
                case 1: decode_modrm(&c, d, osz, osz);
                    d->op = OP_ADD_EG + alu; break;
                case 2: d->sz = 0; decode_modrm(&c, d, 0, 0);
                    d->op = OP_ADD_GE + alu; break;
                case 3: decode_modrm(&c, d, osz, osz);
                    d->op = OP_ADD_GE + alu; break;
                case 4: d->sz = 0; d->rm = R_EAX; d->imm = fetch8(&c);
                    d->op = OP_ADD_EI + alu; break;
                case 5: d->rm = R_EAX; d->imm = fetch_iz(&c, osz);
                    d->op = OP_ADD_EI + alu; break;
                }
                break;
            }
            switch (b) {
            case 0x06: case 0x0e: case 0x16: case 0x1e:
                if (!cs64) {
                    d->op = OP_PUSH_SEG; d->sub = b >> 3; d->sz = osz;
                }
                break;
            case 0x07: case 0x17: case 0x1f:
                if (!cs64) {
                    d->op = OP_POP_SEG; d->sub = b >> 3; d->sz = osz;
                }
                break;
            case 0x27: if (!cs64) d->op = OP_DAA; break;
            case 0x2f: if (!cs64) d->op = OP_DAS; break;
            case 0x37: if (!cs64) d->op = OP_AAA; break;
            case 0x3f: if (!cs64) d->op = OP_AAS; break;
            }
            break;
        case 0x40 ... 0x47:
            d->op = OP_INC_E; d->rm = b & 7; break;
        case 0x48 ... 0x4f:
            d->op = OP_DEC_E; d->rm = b & 7; break;
        case 0x50 ... 0x57:
            d->op = OP_PUSH_R; d->sz = ssz; d->reg = (b & 7) | (c.rex_b ? 8 : 0);
            break;
        case 0x58 ... 0x5f:
            d->op = OP_POP_R; d->sz = ssz; d->reg = (b & 7) | (c.rex_b ? 8 : 0);
            break;
        case 0x60: if (!cs64) d->op = OP_PUSHA; break;
        case 0x61: if (!cs64) d->op = OP_POPA; break;
        case 0x62:
            if (!cs64) {
                decode_modrm(&c, d, osz, osz);
                d->op = (d->flags & INSN_F_MEM) ? OP_BOUND : OP_UD;
            }
            break;
        case 0x63:
            if (cs64) {
                decode_modrm(&c, d, osz, 2);
                d->op = OP_MOVSXD;
            } else {
                d->sz = 1;
                decode_modrm(&c, d, 1, 1);
                d->op = OP_ARPL;
            }
            break;
        case 0x68: d->op = OP_PUSH_I; d->sz = ssz; d->imm = fetch_iz(&c, ssz); break;
        case 0x6a: d->op = OP_PUSH_I; d->sz = ssz; d->imm = fetch_ib_sext(&c); break;
        case 0x69:
            decode_modrm(&c, d, osz, osz); d->imm = fetch_iz(&c, osz);
            d->op = OP_IMUL_GEI; break;
        case 0x6b:
            decode_modrm(&c, d, osz, osz); d->imm = fetch_ib_sext(&c);
            d->op = OP_IMUL_GEI; break;
        case 0x6c: d->op = OP_INS; d->sz = 0; break;
        case 0x6d: d->op = OP_INS; d->sz = osz == 3 ? 2 : osz; break;
        case 0x6e: d->op = OP_OUTS; d->sz = 0; break;
        case 0x6f: d->op = OP_OUTS; d->sz = osz == 3 ? 2 : osz; break;
        case 0x70 ... 0x7f:
            d->op = OP_JCC; d->sub = b & 15; d->imm = fetch_ib_sext(&c);
            d->sz = cs64 ? 3 : osz; break;
        case 0x80: case 0x82:
            if (b == 0x82 && cs64) {
                break;
            }
            d->sz = 0; decode_modrm(&c, d, 0, 0); d->imm = fetch8(&c);
            d->op = OP_ADD_EI + d->sub; break;
        case 0x81:
            decode_modrm(&c, d, osz, osz); d->imm = fetch_iz(&c, osz);
            d->op = OP_ADD_EI + d->sub; break;
        case 0x83:
            decode_modrm(&c, d, osz, osz); d->imm = fetch_ib_sext(&c);
            d->op = OP_ADD_EI + d->sub; break;
        case 0x84: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_TEST_EG; break;
        case 0x85: decode_modrm(&c, d, osz, osz); d->op = OP_TEST_EG; break;
        case 0x86: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_XCHG_EG; break;
        case 0x87: decode_modrm(&c, d, osz, osz); d->op = OP_XCHG_EG; break;
        case 0x88: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_MOV_EG; break;
        case 0x89: decode_modrm(&c, d, osz, osz); d->op = OP_MOV_EG; break;
        case 0x8a: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_MOV_GE; break;
        case 0x8b: decode_modrm(&c, d, osz, osz); d->op = OP_MOV_GE; break;
        case 0x8c:
            decode_modrm(&c, d, 1, osz);
            if (d->flags & INSN_F_MEM) {
                d->sz = 1;
            }
            d->op = d->sub < 6 ? OP_MOV_E_SEG : OP_UD; break;
        case 0x8d:
            decode_modrm(&c, d, osz, osz);
            d->op = (d->flags & INSN_F_MEM) ? OP_LEA : OP_UD; break;
        case 0x8e:
            decode_modrm(&c, d, 1, 1); d->sz = 1;
            d->op = (d->sub < 6 && d->sub != R_CS) ? OP_MOV_SEG_E : OP_UD; break;
        case 0x8f:
            d->sz = ssz; decode_modrm(&c, d, ssz, ssz);
            d->op = d->sub == 0 ? OP_POP_E : OP_UD; break;
        case 0x90:
            if (c.rex_b) {
                d->op = OP_XCHG_EG; d->reg = R_EAX; d->rm = 8;
            } else {
                d->op = rep == 3 ? OP_PAUSE : OP_NOP;
            }
            break;
        case 0x91 ... 0x97:
            d->op = OP_XCHG_EG; d->reg = R_EAX; d->rm = (b & 7) | (c.rex_b ? 8 : 0);
            break;
        case 0x98: d->op = OP_CBW; break;
        case 0x99: d->op = OP_CWD; break;
        case 0x9a:
            if (!cs64) {
                d->imm = osz == 1 ? fetch16(&c) : fetch32(&c);
                d->imm2 = fetch16(&c);
                d->op = OP_CALLF_PTR;
            }
            break;
        case 0x9b: d->op = OP_FWAIT; break;
        case 0x9c: d->op = OP_PUSHF; d->sz = ssz; break;
        case 0x9d: d->op = OP_POPF; d->sz = ssz; break;
        case 0x9e: d->op = OP_SAHF; break;
        case 0x9f: d->op = OP_LAHF; break;
        case 0xa0 ... 0xa3:
            if (!(b & 1)) {
                d->sz = 0;
            }
            d->imm = asz == 3 ? fetch64(&c) : asz == 2 ? fetch32(&c) : fetch16(&c);
            d->op = (b & 2) ? OP_MOV_OA : OP_MOV_AO;
            break;
        case 0xa4: case 0xa5: d->op = OP_MOVS; goto string;
        case 0xa6: case 0xa7: d->op = OP_CMPS; goto string;
        case 0xaa: case 0xab: d->op = OP_STOS; goto string;
        case 0xac: case 0xad: d->op = OP_LODS; goto string;
        case 0xae: case 0xaf: d->op = OP_SCAS; goto string;
        string:
            if (!(b & 1)) {
                d->sz = 0;
            }
            break;
        case 0xa8: d->sz = 0; d->rm = R_EAX; d->imm = fetch8(&c); d->op = OP_TEST_EI; break;
        case 0xa9: d->rm = R_EAX; d->imm = fetch_iz(&c, osz); d->op = OP_TEST_EI; break;
        case 0xb0 ... 0xb7:
            d->sz = 0; d->op = OP_MOV_RI;
            d->reg = byte_reg(&c, 0, (b & 7) | (c.rex_b ? 8 : 0));
            d->imm = fetch8(&c); break;
        case 0xb8 ... 0xbf:
            d->op = OP_MOV_RI; d->reg = (b & 7) | (c.rex_b ? 8 : 0);
            d->imm = osz == 3 ? fetch64(&c) : fetch_imm(&c, osz); break;
        case 0xc0: d->sz = 0; decode_modrm(&c, d, 0, 0); d->imm = fetch8(&c);
            d->op = OP_SHIFT_EI; break;
        case 0xc1: decode_modrm(&c, d, osz, osz); d->imm = fetch8(&c);
            d->op = OP_SHIFT_EI; break;
        case 0xc2: d->op = OP_RET; d->sz = ssz; d->imm = fetch16(&c); break;
        case 0xc3: d->op = OP_RET; d->sz = ssz; break;
        case 0xc4: case 0xc5: {
            /* VEX, except outside 64-bit mode when the next byte has
             * ModRM.mod != 11: LES/LDS (SDM vol. 2 2.3.5) */
            unsigned vex_pos = c.pos;
            uint8_t b1 = fetch8(&c);
            if (!cs64 && (b1 >> 6) != 3) {
                c.pos = vex_pos;
                decode_modrm(&c, d, osz, osz);
                if (d->flags & INSN_F_MEM) {
                    d->op = OP_LSEG; d->imm2 = b == 0xc4 ? R_ES : R_DS;
                }
                break;
            }
            decode_vex(&c, d, b, b1, cs64, c.opsize || rep || lock || c.rex);
            break;
        }
        case 0xc6:
            d->sz = 0; decode_modrm(&c, d, 0, 0); d->imm = fetch8(&c);
            d->op = d->sub == 0 ? OP_MOV_EI : OP_UD; break;
        case 0xc7:
            decode_modrm(&c, d, osz, osz); d->imm = fetch_iz(&c, osz);
            d->op = d->sub == 0 ? OP_MOV_EI : OP_UD; break;
        case 0xc8:
            d->op = OP_ENTER; d->sz = ssz; d->imm = fetch16(&c); d->imm2 = fetch8(&c);
            break;
        case 0xc9: d->op = OP_LEAVE; d->sz = ssz; break;
        case 0xca: d->op = OP_RETF; d->imm = fetch16(&c); break;
        case 0xcb: d->op = OP_RETF; break;
        case 0xcc: d->op = OP_INT3; break;
        case 0xcd: d->op = OP_INT; d->imm = fetch8(&c); break;
        case 0xce: if (!cs64) d->op = OP_INTO; break;
        case 0xcf: d->op = OP_IRET; break;
        case 0xd0: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_SHIFT_E1; break;
        case 0xd1: decode_modrm(&c, d, osz, osz); d->op = OP_SHIFT_E1; break;
        case 0xd2: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_SHIFT_ECL; break;
        case 0xd3: decode_modrm(&c, d, osz, osz); d->op = OP_SHIFT_ECL; break;
        case 0xd4: if (!cs64) { d->op = OP_AAM; d->imm = fetch8(&c); } break;
        case 0xd5: if (!cs64) { d->op = OP_AAD; d->imm = fetch8(&c); } break;
        case 0xd6: if (!cs64) d->op = OP_SALC; break;
        case 0xd7: d->op = OP_XLAT; break;
        case 0xd8 ... 0xdf: {
            /* x87 (fpu_helper.c): the ModRM byte, whole, goes into imm2 */
            unsigned modrm_pos = c.pos;
            uint8_t modrm = fetch8(&c);
            c.pos = modrm_pos;
            decode_modrm(&c, d, osz, osz);
            d->op = x87_decode_op(b, modrm);
            d->imm2 = (b & 7) << 8 | modrm;
            d->sz = osz;
            break;
        }
        case 0xe0: case 0xe1: case 0xe2:
            d->op = OP_LOOP; d->sub = b & 3; d->imm = fetch_ib_sext(&c);
            d->sz = cs64 ? 3 : osz; break;
        case 0xe3:
            d->op = OP_JCXZ; d->imm = fetch_ib_sext(&c); d->sz = cs64 ? 3 : osz; break;
        case 0xe4: d->op = OP_IN_I; d->sz = 0; d->imm = fetch8(&c); break;
        case 0xe5: d->op = OP_IN_I; d->sz = osz == 3 ? 2 : osz; d->imm = fetch8(&c); break;
        case 0xe6: d->op = OP_OUT_I; d->sz = 0; d->imm = fetch8(&c); break;
        case 0xe7: d->op = OP_OUT_I; d->sz = osz == 3 ? 2 : osz; d->imm = fetch8(&c); break;
        case 0xe8:
            d->op = OP_CALL_REL; d->sz = cs64 ? 3 : osz;
            d->imm = osz == 1 && !cs64 ? (uint64_t)(int16_t)fetch16(&c)
                                       : (uint64_t)(int32_t)fetch32(&c);
            break;
        case 0xe9:
            d->op = OP_JMP_REL; d->sz = cs64 ? 3 : osz;
            d->imm = osz == 1 && !cs64 ? (uint64_t)(int16_t)fetch16(&c)
                                       : (uint64_t)(int32_t)fetch32(&c);
            break;
        case 0xea:
            if (!cs64) {
                d->imm = osz == 1 ? fetch16(&c) : fetch32(&c);
                d->imm2 = fetch16(&c);
                d->op = OP_JMPF_PTR;
            }
            break;
        case 0xeb:
            d->op = OP_JMP_REL; d->sz = cs64 ? 3 : osz; d->imm = fetch_ib_sext(&c);
            break;
        case 0xec: d->op = OP_IN_DX; d->sz = 0; break;
        case 0xed: d->op = OP_IN_DX; d->sz = osz == 3 ? 2 : osz; break;
        case 0xee: d->op = OP_OUT_DX; d->sz = 0; break;
        case 0xef: d->op = OP_OUT_DX; d->sz = osz == 3 ? 2 : osz; break;
        case 0xf1: d->op = OP_INT1; break;
        case 0xf4: d->op = OP_HLT; break;
        case 0xf5: d->op = OP_CMC; break;
        case 0xf6: case 0xf7:
            if (b == 0xf6) {
                d->sz = 0;
                decode_modrm(&c, d, 0, 0);
            } else {
                decode_modrm(&c, d, osz, osz);
            }
            switch (d->sub) {
            case 0: case 1:
                d->imm = b == 0xf6 ? fetch8(&c) : fetch_iz(&c, osz);
                d->op = OP_TEST_EI; break;
            case 2: d->op = OP_NOT_E; break;
            case 3: d->op = OP_NEG_E; break;
            case 4: d->op = OP_MUL_E; break;
            case 5: d->op = OP_IMUL1_E; break;
            case 6: d->op = OP_DIV_E; break;
            case 7: d->op = OP_IDIV_E; break;
            }
            break;
        case 0xf8: d->op = OP_CLC; break;
        case 0xf9: d->op = OP_STC; break;
        case 0xfa: d->op = OP_CLI; break;
        case 0xfb: d->op = OP_STI; break;
        case 0xfc: d->op = OP_CLD; break;
        case 0xfd: d->op = OP_STD; break;
        case 0xfe:
            d->sz = 0; decode_modrm(&c, d, 0, 0);
            d->op = d->sub == 0 ? OP_INC_E : d->sub == 1 ? OP_DEC_E : OP_UD;
            break;
        case 0xff: {
            uint8_t peek_pos = c.pos;
            uint8_t m = fetch8(&c);
            unsigned sub = (m >> 3) & 7;
            c.pos = peek_pos;
            int s = (sub == 2 || sub == 4 || sub == 6) ? ssz : osz;
            if (sub == 2 || sub == 4) {
                /* near indirect branches: 64-bit in long mode */
                s = cs64 ? 3 : osz;
            }
            d->sz = s;
            decode_modrm(&c, d, s, s);
            switch (sub) {
            case 0: d->op = OP_INC_E; break;
            case 1: d->op = OP_DEC_E; break;
            case 2: d->op = OP_CALL_E; break;
            case 3: d->sz = osz;
                d->op = (d->flags & INSN_F_MEM) ? OP_CALLF_M : OP_UD; break;
            case 4: d->op = OP_JMP_E; break;
            case 5: d->sz = osz;
                d->op = (d->flags & INSN_F_MEM) ? OP_JMPF_M : OP_UD; break;
            case 6: d->op = OP_PUSH_E; break;
            default: d->op = OP_UD; break;
            }
            break;
        }
        default:
            break;
        }
    } else {
        b = fetch8(&c);
        switch (b) {
        case 0x00:
            decode_modrm(&c, d, 1, 1); d->sz = 1;
            switch (d->sub) {
            case 0: d->op = OP_SLDT; d->sz = (d->flags & INSN_F_MEM) ? 1 : osz; break;
            case 1: d->op = OP_STR; d->sz = (d->flags & INSN_F_MEM) ? 1 : osz; break;
            case 2: d->op = OP_LLDT; break;
            case 3: d->op = OP_LTR; break;
            case 4: d->op = OP_VERR; break;
            case 5: d->op = OP_VERW; break;
            }
            break;
        case 0x01: {
            decode_modrm(&c, d, osz, osz);
            bool mem = d->flags & INSN_F_MEM;
            unsigned rm = d->rm & 7;
            switch (d->sub) {
            case 0: d->op = mem ? OP_SGDT : OP_UD; break;
            case 1: d->op = mem ? OP_SIDT : OP_UD; break;
            case 2: d->op = mem ? OP_LGDT : OP_UD; break;
            case 3: d->op = mem ? OP_LIDT : OP_UD; break;
            case 4: d->op = OP_SMSW; if (mem) d->sz = 1; break;
            case 6: d->op = OP_LMSW; d->sz = 1; break;
            case 7:
                if (mem) {
                    d->op = OP_INVLPG;
                } else if (rm == 0 && cs64) {
                    d->op = OP_SWAPGS;
                } else if (rm == 1) {
                    d->op = OP_RDTSCP;
                }
                break;
            }
            break;
        }
        case 0x02: decode_modrm(&c, d, osz, 1); d->op = OP_LAR; break;
        case 0x03: decode_modrm(&c, d, osz, 1); d->op = OP_LSL; break;
        case 0x05: if (cs64) d->op = OP_SYSCALL; break;
        case 0x06: d->op = OP_CLTS; break;
        case 0x07: if (cs64) d->op = OP_SYSRET; break;
        case 0x08: d->op = OP_INVD; break;
        case 0x09: d->op = OP_WBINVD; break;
        case 0x0b: d->op = OP_UD; d->imm2 = 0x0b; break;     /* UD2 */
        case 0x0d: decode_modrm(&c, d, osz, osz);
            d->op = (d->flags & INSN_F_MEM) ? OP_NOP_E : OP_UD; break;
        case 0x18 ... 0x1f:
            /* hint NOPs, including ENDBR32/64 (F3 0F 1E FB/FA) */
            decode_modrm(&c, d, osz, osz); d->op = OP_NOP_E; break;
        case 0x20 ... 0x23: {
            uint8_t m = fetch8(&c);
            d->reg = ((m >> 3) & 7) | (c.rex_r ? 8 : 0);
            d->rm = (m & 7) | (c.rex_b ? 8 : 0);
            d->sz = cs64 ? 3 : 2;
            if (lock && b == 0x20 && d->reg == 0) {
                d->reg = 8;     /* AMD's LOCK MOV CR0 = MOV CR8 */
                lock = false;
            }
            static const uint16_t cr_ops[4] = { OP_MOV_R_CR, OP_MOV_R_DR,
                                                OP_MOV_CR_R, OP_MOV_DR_R };
            d->op = cr_ops[b & 3];
            break;
        }
        case 0x10 ... 0x17: case 0x28 ... 0x2f: case 0x50 ... 0x7f:
        case 0xc2 ... 0xc6: case 0xd0 ... 0xfe:
            decode_sse(&c, d, b, rep);
            break;
        case 0x30: d->op = OP_WRMSR; break;
        case 0x31: d->op = OP_RDTSC; break;
        case 0x32: d->op = OP_RDMSR; break;
        case 0x33: d->op = OP_RDPMC; break;
        case 0x34: d->op = OP_SYSENTER; break;
        case 0x35: d->op = OP_SYSEXIT; break;
        case 0x38:
            b = fetch8(&c);
            if ((b == 0xf0 || b == 0xf1) && !rep) {
                decode_modrm(&c, d, osz, osz);
                if (d->flags & INSN_F_MEM) {
                    d->op = b == 0xf0 ? OP_MOVBE_GM : OP_MOVBE_MG;
                }
            }
            break;
        case 0x40 ... 0x4f:
            decode_modrm(&c, d, osz, osz); d->op = OP_CMOV; d->imm2 = b & 15; break;
        case 0x80 ... 0x8f:
            d->op = OP_JCC; d->sub = b & 15; d->sz = cs64 ? 3 : osz;
            d->imm = osz == 1 && !cs64 ? (uint64_t)(int16_t)fetch16(&c)
                                       : (uint64_t)(int32_t)fetch32(&c);
            break;
        case 0x90 ... 0x9f:
            d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_SETCC; d->imm2 = b & 15;
            break;
        case 0xa0: d->op = OP_PUSH_SEG; d->sub = R_FS; d->sz = ssz; break;
        case 0xa1: d->op = OP_POP_SEG; d->sub = R_FS; d->sz = ssz; break;
        case 0xa2: d->op = OP_CPUID; break;
        case 0xa3: decode_modrm(&c, d, osz, osz); d->op = OP_BT_EG; d->imm2 = 0; break;
        case 0xa4: decode_modrm(&c, d, osz, osz); d->imm = fetch8(&c);
            d->op = OP_SHLD_I; break;
        case 0xa5: decode_modrm(&c, d, osz, osz); d->op = OP_SHLD_CL; break;
        case 0xa8: d->op = OP_PUSH_SEG; d->sub = R_GS; d->sz = ssz; break;
        case 0xa9: d->op = OP_POP_SEG; d->sub = R_GS; d->sz = ssz; break;
        case 0xab: decode_modrm(&c, d, osz, osz); d->op = OP_BT_EG; d->imm2 = 1; break;
        case 0xac: decode_modrm(&c, d, osz, osz); d->imm = fetch8(&c);
            d->op = OP_SHRD_I; break;
        case 0xad: decode_modrm(&c, d, osz, osz); d->op = OP_SHRD_CL; break;
        case 0xae:
            decode_modrm(&c, d, osz, osz);
            if (!(d->flags & INSN_F_MEM)) {
                if (rep == 3 && cs64 && d->sub <= 3) {
                    /* RD/WR FS/GS BASE (needs CR4.FSGSBASE) */
                    d->op = d->sub < 2 ? OP_RDFSGSBASE : OP_WRFSGSBASE;
                    d->imm2 = (d->sub & 1) ? R_GS : R_FS;
                } else if (d->sub >= 5) {
                    d->op = OP_NOP;     /* LFENCE, MFENCE, SFENCE */
                }
            } else if (d->sub == 7) {
                d->op = OP_NOP_E;       /* CLFLUSH */
            } else if (d->sub <= 3 && !rep) {
                /* FXSAVE, FXRSTOR, LDMXCSR, STMXCSR (sse_helper.c) */
                d->op = OP_SSE;
                d->imm2 = 0xae;
                d->sz = c.rex_w ? 3 : 2;
            }
            break;
        case 0xaf: decode_modrm(&c, d, osz, osz); d->op = OP_IMUL_GE; break;
        case 0xb0: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_CMPXCHG; break;
        case 0xb1: decode_modrm(&c, d, osz, osz); d->op = OP_CMPXCHG; break;
        case 0xb2: case 0xb4: case 0xb5:
            decode_modrm(&c, d, osz, osz);
            if (d->flags & INSN_F_MEM) {
                d->op = OP_LSEG;
                d->imm2 = b == 0xb2 ? R_SS : b == 0xb4 ? R_FS : R_GS;
            }
            break;
        case 0xb3: decode_modrm(&c, d, osz, osz); d->op = OP_BT_EG; d->imm2 = 2; break;
        case 0xb6: case 0xb7: {
            int src = b & 1;
            decode_modrm(&c, d, osz, src);
            d->op = OP_MOVZX; d->imm2 = src; break;
        }
        case 0xb8:
            if (rep == 3) {
                decode_modrm(&c, d, osz, osz); d->op = OP_POPCNT;
            }
            break;
        case 0xba:
            decode_modrm(&c, d, osz, osz); d->imm = fetch8(&c);
            if (d->sub >= 4) {
                d->op = OP_BT_EI; d->imm2 = d->sub - 4;
            }
            break;
        case 0xbb: decode_modrm(&c, d, osz, osz); d->op = OP_BT_EG; d->imm2 = 3; break;
        case 0xbc:
            decode_modrm(&c, d, osz, osz); d->op = rep == 3 ? OP_TZCNT : OP_BSF; break;
        case 0xbd:
            decode_modrm(&c, d, osz, osz); d->op = rep == 3 ? OP_LZCNT : OP_BSR; break;
        case 0xbe: case 0xbf: {
            int src = b & 1;
            decode_modrm(&c, d, osz, src);
            d->op = OP_MOVSX; d->imm2 = src; break;
        }
        case 0xc0: d->sz = 0; decode_modrm(&c, d, 0, 0); d->op = OP_XADD; break;
        case 0xc1: decode_modrm(&c, d, osz, osz); d->op = OP_XADD; break;
        case 0xc7:
            decode_modrm(&c, d, osz, osz);
            if (d->sub == 1 && (d->flags & INSN_F_MEM)) {
                d->op = OP_CMPXCHG8B;
                d->sz = c.rex_w ? 3 : 2;
            }
            break;
        case 0xc8 ... 0xcf:
            d->op = OP_BSWAP; d->reg = (b & 7) | (c.rex_b ? 8 : 0); break;
        default:
            break;
        }
    }

    if (c.fail) {
        return false;
    }
    /* LOCK BT (which does not write) is #UD like any unlockable form */
    if (lock && (!lockable(d->op) || !(d->flags & INSN_F_MEM)
                 || ((d->op == OP_BT_EG || d->op == OP_BT_EI) && d->imm2 == 0))) {
        d->op = OP_UD;
    }
    if (lock) {
        d->flags |= INSN_F_LOCK;
    }
    d->len = c.pos;
    specialize(d);
    if (phys2) {
        *phys2 = c.phys2 == ~0ull ? ~0ull : (c.phys2 & PAGE_MASK);
    }
    return true;
}

/* Instructions after which the block ends: control transfers, anything that
 * changes the mode bits or the TLB, and anything that can raise or unmask an
 * interrupt (so pending events are seen right after it). */
bool insn_ends_block(const DecodedInsn *d)
{
    switch (d->op) {
    case OP_MOV_SEG_E: case OP_POP_SEG: case OP_LSEG:
    case OP_JCC: case OP_JMP_REL: case OP_CALL_REL: case OP_JMP_E:
    case OP_JCC_O ... OP_JCC_G:
    case OP_CALL_E: case OP_RET: case OP_JMPF_PTR: case OP_CALLF_PTR:
    case OP_JMPF_M: case OP_CALLF_M: case OP_RETF: case OP_IRET:
    case OP_LOOP: case OP_JCXZ: case OP_INT: case OP_INT3: case OP_INTO:
    case OP_INT1: case OP_STI: case OP_CLI: case OP_POPF: case OP_HLT:
    case OP_PAUSE: case OP_INS: case OP_OUTS: case OP_IN_I: case OP_OUT_I:
    case OP_IN_DX: case OP_OUT_DX: case OP_LLDT: case OP_LTR: case OP_LGDT:
    case OP_LIDT: case OP_LMSW: case OP_INVLPG: case OP_SWAPGS:
    case OP_SYSCALL: case OP_SYSRET: case OP_CLTS: case OP_MOV_CR_R:
    case OP_MOV_R_CR: case OP_MOV_DR_R: case OP_WRMSR: case OP_RDMSR:
    case OP_SYSENTER: case OP_SYSEXIT: case OP_UD: case OP_BOUND:
    case OP_WRFSGSBASE: case OP_INVD: case OP_WBINVD:
        return true;
    case OP_MOVS: case OP_CMPS: case OP_STOS: case OP_LODS: case OP_SCAS:
        return d->rep != 0;
    default:
        return false;
    }
}

static const char *const op_names[OP_COUNT] = {
#define OP_NAME(n) [OP_##n] = #n,
    FOR_EACH_OP(OP_NAME)
#undef OP_NAME
};

const char *insn_name(const DecodedInsn *d)
{
    return d->op < OP_COUNT ? op_names[d->op] : "?";
}
