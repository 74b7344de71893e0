/*
 * Internal interface of the x86 interpreter: mode bits, lazy condition codes,
 * the decoded instruction form, the soft TLB and the helpers the decoder,
 * executor, MMU and segmentation code share. Not for use outside
 * target/i386/tcg (the public side is include/target/i386/tcg/tcg-cpu.h).
 */
#ifndef LAPIS_TCG_INTERNAL_H
#define LAPIS_TCG_INTERNAL_H

#include "qemu/osdep.h"
#include <setjmp.h>
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"

#define TCG_MAGIC 0x7c61b0e5u

/* --- RFLAGS (SDM vol. 1 3.4.3) --- */
#define CC_C    0x0001
#define CC_P    0x0004
#define CC_A    0x0010
#define CC_Z    0x0040
#define CC_S    0x0080
#define CC_O    0x0800
#define CC_MASK (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x00000100
#define IF_MASK   0x00000200
#define DF_MASK   0x00000400
#define IOPL_MASK 0x00003000
#define IOPL_SHIFT 12
#define NT_MASK   0x00004000
#define RF_MASK   0x00010000
#define VM_MASK   0x00020000
#define AC_MASK   0x00040000
#define VIF_MASK  0x00080000
#define VIP_MASK  0x00100000
#define ID_MASK   0x00200000

/* --- control registers --- */
#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_ET  (1u << 4)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_AM  (1u << 18)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)
#define CR0_PG  (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* --- segment descriptor flags as kept in SegmentCache.flags (bits 40-47
 * and 52-55 of the descriptor, shifted into place: SDM vol. 3A 3.4.5) --- */
#define DESC_TYPE_SHIFT 8
#define DESC_A_MASK   (1u << 8)
#define DESC_W_MASK   (1u << 9)     /* data: writable */
#define DESC_R_MASK   (1u << 9)     /* code: readable */
#define DESC_E_MASK   (1u << 10)    /* data: expand-down */
#define DESC_C_MASK   (1u << 10)    /* code: conforming */
#define DESC_CS_MASK  (1u << 11)    /* code segment */
#define DESC_S_MASK   (1u << 12)    /* code or data (not system) */
#define DESC_DPL_SHIFT 13
#define DESC_DPL_MASK (3u << 13)
#define DESC_P_MASK   (1u << 15)
#define DESC_AVL_MASK (1u << 20)
#define DESC_L_MASK   (1u << 21)
#define DESC_B_MASK   (1u << 22)
#define DESC_G_MASK   (1u << 23)

/* --- hflags: mode bits recomputed when CR0/EFER/CS/SS change --- */
#define HF_CPL_MASK     0x0003
#define HF_CS32         (1u << 2)   /* CS.D: 32-bit code (or 64-bit) */
#define HF_CS64         (1u << 3)   /* 64-bit code (EFER.LMA and CS.L) */
#define HF_SS32         (1u << 4)   /* SS.B: 32-bit stack */
#define HF_PE           (1u << 5)
#define HF_LMA          (1u << 6)
#define HF_INHIBIT_IRQ  (1u << 7)   /* STI / MOV SS interrupt shadow */
#define HF_PG           (1u << 8)
#define HF_VM           (1u << 9)
/* Which hflags the decoded form depends on. */
#define HF_DECODE_MASK  (HF_CS32 | HF_CS64)
/* One bit per segment register (R_ES..R_GS): accesses through it need the
 * limit, type and null checks of SDM vol. 3A 5.3-5.4 (seg_check_slow).
 * Clear for flat 4 GiB writable expand-up data segments and everything in
 * 64-bit mode, so the common access tests one bit. Recomputed by
 * update_hflags and whenever a segment register is loaded. */
#define HF_SEGCHK_SHIFT 16
#define HF_SEGCHK(seg)  (1u << (HF_SEGCHK_SHIFT + (seg)))
#define HF_SEGCHK_MASK  (0x3fu << HF_SEGCHK_SHIFT)
/* Outside 64-bit mode with a CS limit below 4 GiB: instruction fetch is
 * checked against it (exec_block). */
#define HF_CS_LIMIT     (1u << 22)

/* --- exceptions (SDM vol. 3A 6.3.1) --- */
enum {
    EXCP00_DE = 0, EXCP01_DB, EXCP02_NMI, EXCP03_BP, EXCP04_OF, EXCP05_BR,
    EXCP06_UD, EXCP07_NM, EXCP08_DF, EXCP09_XERR, EXCP0A_TS, EXCP0B_NP,
    EXCP0C_SS, EXCP0D_GP, EXCP0E_PF, EXCP10_MF = 16, EXCP11_AC, EXCP12_MC,
};

/* --- lazy condition codes: cc_op = kind * 4 + log2(size) --- */
enum {
    CC_K_EFLAGS = 0,    /* cc_src holds the flags */
    CC_K_ADD, CC_K_ADC, CC_K_SUB, CC_K_SBB, CC_K_LOGIC, CC_K_INC, CC_K_DEC,
    CC_K_SHL, CC_K_SAR, CC_K_MUL, CC_K_BMI,
};
#define CC_OP(kind, sz) ((kind) * 4 + (sz))
#define CC_OP_EFLAGS 0

/* --- decoded instructions --- */
#define REG_NONE 0xff
#define BASE_RIP  0xfe
/* Register numbers 16..19 are AH, CH, DH, BH (8-bit operands without REX). */
#define REG_HI8  16

typedef struct DecodedInsn {
    uint16_t op;        /* an OP_* handler */
    uint8_t len;        /* instruction length in bytes */
    uint8_t sz;         /* operand size, log2 of bytes (0..3) */
    uint8_t asz;        /* address size, log2 of bytes (1..3) */
    uint8_t reg;        /* ModRM.reg (with REX.R), or the register in the opcode */
    uint8_t rm;         /* ModRM.rm register when mod == 3 */
    uint8_t seg;        /* segment of the memory operand (R_DS...) */
    uint8_t base;       /* REG_NONE, BASE_RIP or a register */
    uint8_t index;      /* REG_NONE or a register */
    uint8_t scale;      /* shift 0..3 */
    uint8_t rep;        /* 0, 2 (F2 REPNE) or 3 (F3 REP) */
    uint8_t sub;        /* ALU operation, condition code, group member... */
    uint8_t flags;      /* INSN_F_* */
    uint16_t imm2;      /* second immediate: ENTER level, far selector */
    int32_t disp;
    uint64_t imm;       /* immediate, or moffs */
} DecodedInsn;

#define INSN_F_MEM   0x01   /* ModRM names memory */
#define INSN_F_LOCK  0x02
#define INSN_F_REX   0x04
#define INSN_F_SEGOV 0x08   /* a segment override prefix was given */

#define BLOCK_MAX_INSNS 64

typedef struct TBlock {
    uint64_t phys;          /* physical address of the first byte */
    uint64_t phys2;         /* physical page of a crossing instruction, or -1 */
    uint32_t hflags;        /* HF_DECODE_MASK bits it was decoded for */
    uint32_t size;          /* bytes covered */
    uint16_t n;
    bool invalid;
    /* Successors seen in the same linear page: the linear PC they were
     * found at, valid while tb_generation is what it was then. */
    uint64_t chain_pc[2];
    struct TBlock *chain_tb[2];
    uint32_t chain_gen[2];
    struct TBlock *hash_next;
    struct TBlock *free_next;
    DecodedInsn insns[];
} TBlock;

/* --- soft TLB --- */
#define TLB_BITS 12
#define TLB_SIZE (1 << TLB_BITS)
#define PAGE_BITS 12
#define PAGE_SIZE 4096ull
#define PAGE_MASK (~(uint64_t)0xfff)
/* Low bits of a tag: the page is not plain RAM (MMIO), or holds decoded
 * code (writes go the slow way to invalidate it). A tag with either bit
 * never equals a page-aligned address, so the fast path falls through. */
#define TLB_MMIO 0x1
#define TLB_CODE 0x2
#define TLB_INVALID (~(uint64_t)0)

typedef struct TLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;       /* host = guest linear + addend (RAM only) */
    uint64_t phys;          /* physical page */
    bool global;
} TLBEntry;

/* mmu index: supervisor or user access rights */
enum { MMU_KSMAP = 0, MMU_USER = 1, MMU_NB = 2 };

/* Per-vCPU cache of blocks by linear PC (valid while the TLB is). */
#define VTB_BITS 12
#define VTB_SIZE (1 << VTB_BITS)
typedef struct VTBEntry {
    uint64_t pc;
    uint32_t flags;
    struct TBlock *tb;
} VTBEntry;

typedef struct X86TCGState {
    X86CPU *cpu;
    VTBEntry vtb[VTB_SIZE];
    TLBEntry tlb[MMU_NB][TLB_SIZE];
    bool tlb_has_large;     /* a large page is cached: INVLPG flushes all */
    /* Entries filled since the last full flush, so that a flush after a
     * few fills (the usual CR3 switch) clears only those. */
#define TLB_FILL_LOG 128
    uint16_t fill_log[TLB_FILL_LOG];
    unsigned fill_n;        /* > TLB_FILL_LOG: too many, clear everything */
    /* Physical pages with a writable entry since the last full flush, one
     * bit per (page number mod TLB_WPAGE_BITS), a superset: write-protecting
     * a code page skips the vCPUs whose bit is clear. */
#define TLB_WPAGE_BITS 4096
    uint64_t wpages[TLB_WPAGE_BITS / 64];
    /* vtb entries filled since the last vtb flush, so that a flush clears
     * those only (> VTB_FILL_LOG: all of them) */
#define VTB_FILL_LOG 256
    uint16_t vtb_log[VTB_FILL_LOG];
    unsigned vtb_n;
    sigjmp_buf jmp;         /* where exceptions unwind to */
    bool in_exec;
    const X86InterruptHooks *hooks;
    /* snapshot of what the TLB was built for */
    uint64_t tlb_cr0, tlb_cr3, tlb_cr4, tlb_efer;
    /* the current exception (set by raise_exception) */
    int exception;
    uint32_t error_code;
    bool exception_has_error;
    bool exception_is_int;      /* software INT n: DPL check, next rip */
    uint64_t exception_next_rip;
    int64_t icount;             /* instructions left in this slice */
    /* the block that ran last and its linear PC, for chaining */
    struct TBlock *prev_tb;
    uint64_t prev_pc;
    /* the block running now and its linear start (exec.c running_block_progress) */
    const struct TBlock *run_tb;
    uint64_t run_pc;
} X86TCGState;

/* --- helpers shared across files --- */
static inline X86CPU *env_cpu(CPUX86State *env)
{
    return container_of(env, X86CPU, env);
}

/* cc_helper.c */
uint32_t cc_compute_all(CPUX86State *env);
bool cc_test(CPUX86State *env, unsigned cond);
static inline uint64_t cpu_get_eflags(CPUX86State *env)
{
    return (env->rflags & ~(uint64_t)CC_MASK) | cc_compute_all(env);
}
/* Write the flags in `mask` (the arithmetic ones are always writable). */
void cpu_set_eflags(CPUX86State *env, uint64_t value, uint64_t mask);

/* excp / seg_helper.c */
void LAPIS_NORETURN raise_exception(CPUX86State *env, int vec);
void LAPIS_NORETURN raise_exception_err(CPUX86State *env, int vec,
                                        uint32_t err);
void LAPIS_NORETURN raise_interrupt(CPUX86State *env, int vec,
                                    uint64_t next_rip);
void LAPIS_NORETURN cpu_loop_exit(CPUX86State *env);
/* Deliver an event through the IVT/IDT; false on triple fault. */
bool do_interrupt(CPUX86State *env, int vec, bool is_int, bool has_err,
                  uint32_t err, uint64_t next_rip, bool is_hw);
void update_hflags(CPUX86State *env);
void load_seg(CPUX86State *env, int seg, uint16_t sel);
void load_seg_real(CPUX86State *env, int seg, uint16_t sel);
void helper_ljmp(CPUX86State *env, uint16_t sel, uint64_t off,
                 uint64_t next_rip);
void helper_lcall(CPUX86State *env, uint16_t sel, uint64_t off,
                  uint64_t next_rip, int sz);
void helper_lret(CPUX86State *env, int sz, unsigned addend);
void helper_iret(CPUX86State *env, int sz);
void helper_lldt(CPUX86State *env, uint16_t sel);
/* A null LDT selector (LLDT, task switch): make LDTR unusable; false when
 * sel is not null. */
bool load_null_ldt(CPUX86State *env, uint16_t sel);
void helper_ltr(CPUX86State *env, uint16_t sel);
void helper_syscall(CPUX86State *env, uint64_t next_rip);
void helper_sysret(CPUX86State *env, int sz);
void helper_sysenter(CPUX86State *env);
void helper_sysexit(CPUX86State *env, int sz);
bool helper_lar_lsl(CPUX86State *env, uint16_t sel, bool lsl, uint32_t *out);
bool helper_verr_verw(CPUX86State *env, uint16_t sel, bool write);
void cpu_x86_set_seg(CPUX86State *env, int seg, uint16_t sel, uint64_t base,
                     uint32_t limit, uint32_t flags);
/* The checks of SDM vol. 3A 5.3-5.4 for `len` bytes at offset `off` in
 * segment `seg` (a write if `write`): raises #GP(0), or #SS(0) for SS, when
 * the access is outside the effective limit, through a null selector, a
 * write to a read-only segment or a read of an execute-only one. */
void seg_check_slow(CPUX86State *env, int seg, uint64_t off, unsigned len,
                    bool write);

/* mmu.c */
void tlb_flush_local(CPUX86State *env);
void tlb_flush_nonglobal(CPUX86State *env);
void tlb_flush_page(CPUX86State *env, uint64_t lin);
uint64_t ld_slow(CPUX86State *env, uint64_t lin, int sz, int mmu);
void st_slow(CPUX86State *env, uint64_t lin, int sz, uint64_t val, int mmu);
/* Make sure a write of `len` bytes at lin would not fault (RMW, PUSH). */
void probe_write(CPUX86State *env, uint64_t lin, unsigned len, int mmu);
/* Translate for a code fetch; returns the physical address. `fault`
 * false: return -1 instead of raising #PF. */
uint64_t get_phys_code(CPUX86State *env, uint64_t lin, bool fault);
/* Host pointer to RAM holding code at phys (NULL: not RAM). */
const uint8_t *code_host_ptr(CPUX86State *env, uint64_t phys, uint64_t *avail);
uint8_t code_ldub_phys(CPUX86State *env, uint64_t phys);
uint64_t phys_ld(CPUX86State *env, uint64_t phys, int sz);
void phys_st(CPUX86State *env, uint64_t phys, int sz, uint64_t val);
/* Forget the linear-PC block caches (of every vCPU with `all`). */
void vtb_flush(X86TCGState *s);
void vtb_flush_all(void);
/* Mark a physical page as holding decoded code (write-protect in TLBs). */
void tlb_protect_code(uint64_t phys_page);

static inline int cpu_mmu_index(CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) == 3 ? MMU_USER : MMU_KSMAP;
}

static inline uint64_t ldn_host(const void *p, int sz)
{
    switch (sz) {
    case 0: return *(const uint8_t *)p;
    case 1: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 2: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void stn_host(void *p, int sz, uint64_t v)
{
    switch (sz) {
    case 0: *(uint8_t *)p = v; break;
    case 1: { uint16_t x = v; memcpy(p, &x, 2); break; }
    case 2: { uint32_t x = v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* Load/store `1 << sz` bytes at a linear address with the given rights. */
static inline uint64_t cpu_ld_mmu(CPUX86State *env, uint64_t lin, int sz,
                                  int mmu)
{
    TLBEntry *e = &env->tcg->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (likely(e->addr_read == (lin & PAGE_MASK)
               && (lin & 0xfff) <= 0x1000u - (1u << sz))) {
        return ldn_host((void *)(uintptr_t)(lin + e->addend), sz);
    }
    return ld_slow(env, lin, sz, mmu);
}

static inline void cpu_st_mmu(CPUX86State *env, uint64_t lin, int sz,
                              uint64_t v, int mmu)
{
    TLBEntry *e = &env->tcg->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (likely(e->addr_write == (lin & PAGE_MASK)
               && (lin & 0xfff) <= 0x1000u - (1u << sz))) {
        stn_host((void *)(uintptr_t)(lin + e->addend), sz, v);
        return;
    }
    st_slow(env, lin, sz, v, mmu);
}

static inline uint64_t cpu_ld(CPUX86State *env, uint64_t lin, int sz)
{
    return cpu_ld_mmu(env, lin, sz, cpu_mmu_index(env));
}

static inline void cpu_st(CPUX86State *env, uint64_t lin, int sz, uint64_t v)
{
    cpu_st_mmu(env, lin, sz, v, cpu_mmu_index(env));
}

/* Supervisor (implicit) accesses: descriptor tables, TSS, IDT. */
static inline uint64_t cpu_ld_kernel(CPUX86State *env, uint64_t lin, int sz)
{
    return cpu_ld_mmu(env, lin, sz, MMU_KSMAP);
}

static inline void cpu_st_kernel(CPUX86State *env, uint64_t lin, int sz,
                                 uint64_t v)
{
    cpu_st_mmu(env, lin, sz, v, MMU_KSMAP);
}

/* decode.c */
/* Decode one instruction at linear `pc`. Returns false when the bytes
 * cannot be fetched without a fault and `may_fault` is false. */
bool decode_insn(CPUX86State *env, uint64_t pc, DecodedInsn *d,
                 bool may_fault, uint64_t *phys2);
bool insn_ends_block(const DecodedInsn *d);
const char *insn_name(const DecodedInsn *d);

/* translate cache (exec.c) */
void tb_invalidate_phys_page(uint64_t phys_page);
bool tb_invalidate_phys_range(uint64_t start, unsigned len, bool *page_empty);
bool tb_page_has_code(uint64_t phys_page);

/* sse_helper.c: MMX/SSE/SSE2/SSE3 (OP_SSE) */
void helper_sse(CPUX86State *env, const DecodedInsn *d);
/* exec.c: #UD, logged under -d unimp; the linear address of the memory
 * operand, checked for `len` bytes read or written */
void LAPIS_NORETURN helper_unimplemented(CPUX86State *env, const DecodedInsn *d);
uint64_t helper_ea(CPUX86State *env, const DecodedInsn *d, unsigned len,
                   bool write);

/* misc_helper.c */
void helper_write_cr(CPUX86State *env, int cr, uint64_t val);
uint64_t helper_read_cr(CPUX86State *env, int cr);
void helper_cpuid(CPUX86State *env);
void helper_rdmsr(CPUX86State *env);
void helper_wrmsr(CPUX86State *env);
void helper_rdtsc(CPUX86State *env, bool rdtscp);
void helper_mov_dr(CPUX86State *env, int dr, uint64_t val);
uint64_t helper_io_in(CPUX86State *env, uint16_t port, int sz);
void helper_io_out(CPUX86State *env, uint16_t port, int sz, uint64_t val);
/* I/O permission: IOPL, then the TSS bitmap (SDM vol. 1 19.5). */
void check_io(CPUX86State *env, uint16_t port, int sz);
void tcg_register_msrs(X86CPU *cpu);
bool set_efer(CPUX86State *env, uint64_t val);

/* fpu_helper.c: the x87 escapes. x87_decode_op maps escape byte (low 3
 * bits) and ModRM to an OP_*; the decoder keeps (esc & 7) << 8 | ModRM in
 * imm2 (the FPU opcode register's 11 bits) and the operand size in sz.
 * helper_x87 runs one, given the memory operand's offset and linear address. */
uint16_t x87_decode_op(unsigned esc, uint8_t modrm);
/* Bytes a memory form accesses, and whether it writes them (for the
 * segment checks before helper_x87). */
unsigned x87_mem_access(const DecodedInsn *d, bool *write);
void helper_x87(CPUX86State *env, const DecodedInsn *d, uint64_t off,
                uint64_t lin);

/* Sign-extend/mask helpers. */
static inline uint64_t sz_mask(int sz)
{
    /* a table: one load where sz is only known at run time (the lazy
     * flags); a constant sz folds to a constant */
    static const uint64_t masks[4] = {
        0xff, 0xffff, 0xffffffffull, ~0ull,
    };
    return masks[sz & 3];
}

static inline int64_t sext(uint64_t v, int sz)
{
    switch (sz) {
    case 0: return (int8_t)v;
    case 1: return (int16_t)v;
    case 2: return (int32_t)v;
    default: return (int64_t)v;
    }
}

static inline int cpl(CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}

#endif
