/*
 * The handler list: one entry per opcode form the decoder produces. The
 * executor (exec.c) has one case per entry; the names are what -d in_asm
 * prints. "E" is the ModRM r/m operand, "G" the ModRM reg operand, "I" an
 * immediate, as in the SDM's opcode map notation (vol. 2 appendix A).
 */
#ifndef LAPIS_TCG_OPS_H
#define LAPIS_TCG_OPS_H

#define ALU_OPS(X, form) \
    X(ADD_##form) X(OR_##form) X(ADC_##form) X(SBB_##form) \
    X(AND_##form) X(SUB_##form) X(XOR_##form) X(CMP_##form)

#define FOR_EACH_OP(X) \
    X(UD) \
    ALU_OPS(X, EG) ALU_OPS(X, GE) ALU_OPS(X, EI) \
    X(TEST_EG) X(TEST_EI) X(XCHG_EG) X(MOV_EG) X(MOV_GE) X(MOV_EI) \
    X(MOV_RI) X(LEA) X(MOV_E_SEG) X(MOV_SEG_E) X(MOV_AO) X(MOV_OA) \
    X(INC_E) X(DEC_E) X(NOT_E) X(NEG_E) X(MUL_E) X(IMUL1_E) X(DIV_E) \
    X(IDIV_E) X(IMUL_GE) X(IMUL_GEI) \
    X(SHIFT_E1) X(SHIFT_ECL) X(SHIFT_EI) \
    X(SHLD_I) X(SHLD_CL) X(SHRD_I) X(SHRD_CL) \
    X(PUSH_R) X(POP_R) X(PUSH_I) X(PUSH_E) X(POP_E) X(PUSH_SEG) X(POP_SEG) \
    X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE) \
    X(JCC) X(JMP_REL) X(CALL_REL) X(JMP_E) X(CALL_E) X(RET) \
    X(JMPF_PTR) X(CALLF_PTR) X(JMPF_M) X(CALLF_M) X(RETF) X(IRET) \
    X(LOOP) X(JCXZ) X(INT) X(INT3) X(INTO) X(INT1) \
    X(CBW) X(CWD) X(SAHF) X(LAHF) X(CMC) X(CLC) X(STC) X(CLI) X(STI) \
    X(CLD) X(STD) X(HLT) X(NOP) X(PAUSE) \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS) \
    X(IN_I) X(OUT_I) X(IN_DX) X(OUT_DX) \
    X(XLAT) X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) X(SALC) \
    X(BOUND) X(ARPL) X(MOVSXD) X(LSEG) \
    X87_OPS(X) \
    X(SLDT) X(STR) X(LLDT) X(LTR) X(VERR) X(VERW) \
    X(SGDT) X(SIDT) X(LGDT) X(LIDT) X(SMSW) X(LMSW) X(INVLPG) X(SWAPGS) \
    X(RDTSCP) X(LAR) X(LSL) X(SYSCALL) X(CLTS) X(SYSRET) X(INVD) X(WBINVD) \
    X(NOP_E) X(MOV_R_CR) X(MOV_CR_R) X(MOV_R_DR) X(MOV_DR_R) \
    X(WRMSR) X(RDTSC) X(RDMSR) X(RDPMC) X(SYSENTER) X(SYSEXIT) \
    X(CMOV) X(SETCC) X(CPUID) \
    X(BT_EG) X(BT_EI) X(CMPXCHG) X(CMPXCHG8B) X(XADD) X(BSWAP) \
    X(MOVZX) X(MOVSX) X(POPCNT) X(TZCNT) X(LZCNT) X(BSF) X(BSR) \
    X(MOVBE_GM) X(MOVBE_MG) X(RDFSGSBASE) X(WRFSGSBASE) \
    X(ANDN) X(BEXTR) X(BLSI) X(BLSMSK) X(BLSR) \
    X(SSE) \
    FAST_OPS(X)

/*
 * Specialised forms the decoder substitutes for the most frequent ones
 * (decode.c: specialize): register operands and 32/64-bit sizes fixed, so
 * their handlers have no size or operand-kind branches. _L is 32-bit,
 * _Q 64-bit; RR: register <- register (dst in rm, src in reg), RI:
 * register <- immediate, RM: register <- memory, MR: memory <- register,
 * MI: memory <- immediate (_B: a byte). JCC_cc: Jcc with its condition
 * (SDM vol. 2 table B-1 order, OP_JCC_O + cc; sub keeps cc as for OP_JCC).
 */
#define OP_IS_JCC(op) ((op) == OP_JCC || ((op) >= OP_JCC_O && (op) <= OP_JCC_G))
#define FAST_OPS(X) \
    ALU_OPS(X, RR_L) ALU_OPS(X, RR_Q) ALU_OPS(X, RI_L) ALU_OPS(X, RI_Q) \
    ALU_OPS(X, RM_L) ALU_OPS(X, RM_Q) \
    X(MOV_RR_L) X(MOV_RR_Q) X(MOV_RM_L) X(MOV_RM_Q) X(MOV_MR_L) X(MOV_MR_Q) \
    X(MOV_RI_L) X(MOV_RI_Q) X(TEST_RR_L) X(TEST_RR_Q) \
    X(INC_R_L) X(INC_R_Q) X(DEC_R_L) X(DEC_R_Q) X(PUSH_R_Q) X(POP_R_Q) \
    X(PUSH_R_L) X(POP_R_L) X(LEA_L) \
    X(LEA_Q) X(MOVZX_B_L) X(MOVZX_B_RM_L) \
    X(SHL_RI_L) X(SHL_RI_Q) X(SHR_RI_L) X(SHR_RI_Q) X(SAR_RI_L) X(SAR_RI_Q) \
    X(NEG_R_L) X(NEG_R_Q) X(NOT_R_L) X(NOT_R_Q) X(IMUL_RRI_L) X(IMUL_RRI_Q) \
    X(MOV_MI_L) X(MOV_MI_B) X(CMP_MI_B) \
    X(JCC_O) X(JCC_NO) X(JCC_B) X(JCC_AE) X(JCC_E) X(JCC_NE) X(JCC_BE) \
    X(JCC_A) X(JCC_S) X(JCC_NS) X(JCC_P) X(JCC_NP) X(JCC_L) X(JCC_GE) \
    X(JCC_LE) X(JCC_G)

/*
 * The x87 escape instructions (D8-DF and WAIT), all run by helper_x87
 * (fpu_helper.c): FNINIT first and FCMOVNU last bound the range exec.c
 * dispatches. Memory and register forms share a name; the handler reads
 * the operand kind from the escape byte and ModRM kept in imm2.
 */
#define X87_OPS(X) \
    X(FNINIT) X(FNCLEX) X(FNSTSW_AX) X(FNSTSW_M) X(FNSTCW_M) X(FLDCW_M) \
    X(FNSTENV) X(FLDENV) X(FNSAVE) X(FRSTOR) X(FWAIT) X(FNSETPM) X(FNOP) \
    X(FLD) X(FST) X(FSTP) X(FILD) X(FIST) X(FISTP) X(FISTTP) X(FBLD) \
    X(FBSTP) X(FLD1) X(FLDL2T) X(FLDL2E) X(FLDPI) X(FLDLG2) X(FLDLN2) \
    X(FLDZ) X(FXCH) X(FFREE) X(FFREEP) X(FINCSTP) X(FDECSTP) \
    X(FADD) X(FMUL) X(FSUB) X(FSUBR) X(FDIV) X(FDIVR) \
    X(FADDP) X(FMULP) X(FSUBP) X(FSUBRP) X(FDIVP) X(FDIVRP) \
    X(FIADD) X(FIMUL) X(FISUB) X(FISUBR) X(FIDIV) X(FIDIVR) \
    X(FCOM) X(FCOMP) X(FCOMPP) X(FUCOM) X(FUCOMP) X(FUCOMPP) X(FICOM) \
    X(FICOMP) X(FCOMI) X(FCOMIP) X(FUCOMI) X(FUCOMIP) X(FTST) X(FXAM) \
    X(FCHS) X(FABS) X(FSQRT) X(FRNDINT) X(FSCALE) X(FXTRACT) X(FPREM) \
    X(FPREM1) X(F2XM1) X(FYL2X) X(FYL2XP1) X(FPTAN) X(FPATAN) X(FSIN) \
    X(FCOS) X(FSINCOS) \
    X(FCMOVB) X(FCMOVE) X(FCMOVBE) X(FCMOVU) X(FCMOVNB) X(FCMOVNE) \
    X(FCMOVNBE) X(FCMOVNU)
#define OP_X87_FIRST OP_FNINIT
#define OP_X87_LAST OP_FCMOVNU

#define OP_ENUM(name) OP_##name,
enum { FOR_EACH_OP(OP_ENUM) OP_COUNT };
#undef OP_ENUM

#endif
