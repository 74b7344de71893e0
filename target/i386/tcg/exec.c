/*
 * The interpreter's execution core: decoded blocks (runs of instructions in
 * one guest page, ending after a control transfer or anything that changes
 * the mode or may raise or unmask an interrupt), their cache keyed by
 * physical address and decode mode (invalidated when the page is written),
 * and one handler per opcode form. Instruction semantics follow the SDM
 * vol. 2 instruction pages; flags are computed lazily (cc_helper.c).
 * Exceptions unwind with siglongjmp to tcg_x86_cpu_exec, which delivers them.
 * Every memory operand goes through seg_lin, which applies the segment
 * limit and type checks of SDM vol. 3A 5.3-5.4 unless the segment is flat
 * (HF_SEGCHK); fetch past the CS limit is checked per block. A conditional
 * branch ends a block only when taken, and a block that branches back to
 * its own start loops inside exec_block. Not modelled here: alignment
 * checks (AC), debug registers' breakpoints, virtual-8086 mode, hardware
 * task switches.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "softmmu/runstate.h"
#include "internal.h"
#include "ops.h"
#include "hw/intc/apic.h"

/* --- the block cache (shared by all vCPUs of the single vCPU thread) --- */

#define JMP_CACHE_BITS 12
#define JMP_CACHE_SIZE (1u << JMP_CACHE_BITS)

static TBlock *jmp_cache[JMP_CACHE_SIZE];
static GHashTable *tb_hash;        /* key: phys | decode flags -> TBlock list */
static GHashTable *tb_pages;       /* phys page -> the blocks on it (TBKeyed) */
static TBlock *tb_free_list;       /* invalidated, freed when no block runs */
static uint64_t total_insns;
/* Bumped whenever blocks are freed: chains made before are stale. */
static uint32_t tb_generation = 1;

uint64_t tcg_x86_insn_count(void)
{
    return total_insns;
}

static inline uint64_t tb_key(uint64_t phys, uint32_t flags)
{
    return (phys << 2) | ((flags >> 2) & 3);
}

static inline unsigned jmp_hash(uint64_t phys)
{
    return (phys ^ (phys >> JMP_CACHE_BITS)) & (JMP_CACHE_SIZE - 1);
}

/* Hash table values: a key and what it names. */
typedef struct TBKeyed {
    uint64_t key;
    TBlock *head;           /* tb_hash: blocks chained by hash_next */
    GPtrArray *tbs;         /* tb_pages: the blocks on this page */
} TBKeyed;

static void tb_init_tables(void)
{
    if (!tb_hash) {
        tb_hash = g_hash_table_new(g_int64_hash, g_int64_equal);
        tb_pages = g_hash_table_new(g_int64_hash, g_int64_equal);
    }
}

bool tb_page_has_code(uint64_t phys_page)
{
    return tb_pages && g_hash_table_contains(tb_pages, &phys_page);
}

static void tb_unlink_hash(TBlock *tb)
{
    uint64_t key = tb_key(tb->phys, tb->hflags);
    TBKeyed *k = g_hash_table_lookup(tb_hash, &key);
    if (!k) {
        return;
    }
    TBlock **pp = &k->head;
    while (*pp && *pp != tb) {
        pp = &(*pp)->hash_next;
    }
    if (*pp) {
        *pp = tb->hash_next;
    }
    if (!k->head) {
        g_hash_table_remove(tb_hash, &key);
        g_free(k);
    }
}

static void tb_page_unlink(uint64_t page, TBlock *tb)
{
    TBKeyed *k = g_hash_table_lookup(tb_pages, &page);
    if (!k) {
        return;
    }
    g_ptr_array_remove_fast(k->tbs, tb);
    if (k->tbs->len == 0) {
        g_hash_table_remove(tb_pages, &page);
        g_ptr_array_free(k->tbs, true);
        g_free(k);
    }
}

/* Drop one block: out of the hash, the caches and the page lists of the
 * pages other than `page` (whose list the caller edits); freed later. */
static void tb_drop(TBlock *tb, uint64_t page)
{
    tb->invalid = true;
    tb_unlink_hash(tb);
    unsigned h = jmp_hash(tb->phys);
    if (jmp_cache[h] == tb) {
        jmp_cache[h] = NULL;
    }
    uint64_t p1 = tb->phys & PAGE_MASK;
    if (p1 != page) {
        tb_page_unlink(p1, tb);
    }
    if (tb->phys2 != ~0ull && tb->phys2 != page) {
        tb_page_unlink(tb->phys2, tb);
    }
    tb->free_next = tb_free_list;
    tb_free_list = tb;
}

/* Does the block's code overlap [start, start + len) on physical page `page`? */
static bool tb_overlaps(const TBlock *tb, uint64_t page, uint64_t start,
                        unsigned len)
{
    uint64_t end1 = (tb->phys & PAGE_MASK) + PAGE_SIZE;
    uint64_t lo, hi;
    if ((tb->phys & PAGE_MASK) == page) {
        lo = tb->phys;
        hi = MIN(tb->phys + tb->size, end1);
    } else {
        /* the part of a crossing instruction on its second page */
        lo = tb->phys2;
        hi = tb->phys2 + (tb->phys + tb->size - end1);
    }
    return start < hi && lo < start + len;
}

/*
 * A store of `len` bytes at physical `start` hit a page holding decoded
 * code: drop the blocks whose bytes it overlaps (a store to data sharing
 * the page drops nothing). Returns whether any block was dropped, and sets
 * *page_empty when the page holds no block any more (the caller then lets
 * writes to it take the fast path again). Blocks are freed later
 * (tb_free_pending): the one running may be among them.
 */
bool tb_invalidate_phys_range(uint64_t start, unsigned len, bool *page_empty)
{
    uint64_t page = start & PAGE_MASK;
    bool dropped = false;

    *page_empty = true;
    if (!tb_pages) {
        return false;
    }
    TBKeyed *k = g_hash_table_lookup(tb_pages, &page);
    if (!k) {
        return false;
    }
    for (unsigned i = 0; i < k->tbs->len;) {
        TBlock *tb = g_ptr_array_index(k->tbs, i);
        if (!tb->invalid && tb_overlaps(tb, page, start, len)) {
            tb_drop(tb, page);
            g_ptr_array_remove_index_fast(k->tbs, i);
            dropped = true;
        } else {
            i++;
        }
    }
    if (k->tbs->len == 0) {
        g_hash_table_remove(tb_pages, &page);
        g_ptr_array_free(k->tbs, true);
        g_free(k);
    } else {
        *page_empty = false;
    }
    return dropped;
}

/* Drop every block on a physical page. */
void tb_invalidate_phys_page(uint64_t phys_page)
{
    bool empty;
    tb_invalidate_phys_range(phys_page & PAGE_MASK, PAGE_SIZE, &empty);
}

static void tb_free_pending(void)
{
    if (tb_free_list) {
        /* no linear-PC cache or chain may keep a pointer to a freed block */
        vtb_flush_all();
        tb_generation++;
    }
    while (tb_free_list) {
        TBlock *tb = tb_free_list;
        tb_free_list = tb->free_next;
        g_free(tb);
    }
}

void tcg_x86_flush_code_cache(void)
{
    if (!tb_pages) {
        return;
    }
    GHashTableIter it;
    gpointer key, value;
    GHashTable *all = g_hash_table_new(NULL, NULL);

    g_hash_table_iter_init(&it, tb_pages);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        TBKeyed *k = value;
        for (unsigned i = 0; i < k->tbs->len; i++) {
            g_hash_table_add(all, g_ptr_array_index(k->tbs, i));
        }
        g_ptr_array_free(k->tbs, true);
        g_free(k);
    }
    g_hash_table_remove_all(tb_pages);
    g_hash_table_iter_init(&it, tb_hash);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_free(value);
    }
    g_hash_table_remove_all(tb_hash);
    memset(jmp_cache, 0, sizeof(jmp_cache));
    vtb_flush_all();
    tb_generation++;
    g_hash_table_iter_init(&it, all);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_free(key);
    }
    g_hash_table_destroy(all);
    tb_free_pending();
}

static void tb_page_add(TBlock *tb, uint64_t page)
{
    TBKeyed *k = g_hash_table_lookup(tb_pages, &page);
    if (!k) {
        k = g_new0(TBKeyed, 1);
        k->key = page;
        k->tbs = g_ptr_array_new();
        g_hash_table_insert(tb_pages, &k->key, k);
        tlb_protect_code(page);
    }
    g_ptr_array_add(k->tbs, tb);
}

static TBlock *tb_decode(CPUX86State *env, uint64_t pc, uint64_t phys,
                         uint32_t flags)
{
    DecodedInsn buf[BLOCK_MAX_INSNS];
    unsigned n = 0;
    uint64_t p = pc, phys2 = ~0ull;
    uint64_t page_end = (pc & PAGE_MASK) + PAGE_SIZE;

    while (n < BLOCK_MAX_INSNS) {
        DecodedInsn *d = &buf[n];
        uint64_t crossing = ~0ull;
        if (!decode_insn(env, p, d, n == 0, &crossing)) {
            break;
        }
        if (crossing != ~0ull) {
            if (n > 0) {
                break;      /* decode it again as the start of a block */
            }
            phys2 = crossing;
        }
        n++;
        p += d->len;
        /* a conditional branch ends the block only when taken: the
         * fall-through path runs on in the same block (exec_block) */
        if ((insn_ends_block(d) && !OP_IS_JCC(d->op)) || crossing != ~0ull
            || p >= page_end) {
            break;
        }
    }
    if (qemu_loglevel_mask(CPU_LOG_TB_IN_ASM)) {
        qemu_log("IN: pc=%016" PRIx64 " phys=%" PRIx64 " mode=%s\n", pc, phys,
                 (flags & HF_CS64) ? "64" : (flags & HF_CS32) ? "32" : "16");
        uint64_t q = pc;
        for (unsigned i = 0; i < n; i++) {
            char hex[3 * 15 + 1] = "";
            for (unsigned k = 0; k < buf[i].len && q - pc + k < PAGE_SIZE
                                 - (phys & 0xfff); k++) {
                snprintf(hex + 3 * k, 4, "%02x ",
                         (unsigned)phys_ld(env, phys + (q - pc) + k, 0));
            }
            qemu_log("0x%016" PRIx64 ":  %-45s %s, %u-bit\n", q, hex,
                     insn_name(&buf[i]), 8u << buf[i].sz);
            q += buf[i].len;
        }
        qemu_log("\n");
    }
    TBlock *tb = g_malloc(sizeof(TBlock) + n * sizeof(DecodedInsn));
    tb->phys = phys;
    tb->phys2 = phys2;
    tb->hflags = flags;
    tb->size = p - pc;
    tb->n = n;
    tb->invalid = false;
    tb->hash_next = tb->free_next = NULL;
    memset(tb->chain_tb, 0, sizeof(tb->chain_tb));
    memset(tb->chain_gen, 0, sizeof(tb->chain_gen));
    memset(tb->chain_pc, 0, sizeof(tb->chain_pc));
    memcpy(tb->insns, buf, n * sizeof(DecodedInsn));

    uint64_t key = tb_key(phys, flags);
    TBKeyed *k = g_hash_table_lookup(tb_hash, &key);
    if (!k) {
        k = g_new0(TBKeyed, 1);
        k->key = key;
        g_hash_table_insert(tb_hash, &k->key, k);
    }
    tb->hash_next = k->head;
    k->head = tb;
    tb_page_add(tb, phys & PAGE_MASK);
    if (phys2 != ~0ull) {
        tb_page_add(tb, phys2);
    }
    return tb;
}

static TBlock *tb_find(CPUX86State *env, uint64_t pc)
{
    uint64_t phys = get_phys_code(env, pc, true);
    uint32_t flags = env->hflags & HF_DECODE_MASK;
    unsigned h = jmp_hash(phys);
    TBlock *tb = jmp_cache[h];

    if (likely(tb && tb->phys == phys && tb->hflags == flags)) {
        if (likely(tb->phys2 == ~0ull)) {
            return tb;
        }
    } else {
        uint64_t key = tb_key(phys, flags);
        TBKeyed *k = g_hash_table_lookup(tb_hash, &key);
        tb = NULL;
        if (k) {
            for (TBlock *t = k->head; t; t = t->hash_next) {
                if (!t->invalid && t->phys == phys && t->hflags == flags) {
                    tb = t;
                    break;
                }
            }
        }
    }
    if (tb && tb->phys2 != ~0ull) {
        /* the second page must still map where it did */
        uint64_t lin2 = (pc & PAGE_MASK) + PAGE_SIZE;
        if (!(env->hflags & HF_LMA)) {
            lin2 = (uint32_t)lin2;
        }
        if (get_phys_code(env, lin2, true) != tb->phys2) {
            tb = NULL;
        }
    }
    if (!tb) {
        tb = tb_decode(env, pc, phys, flags);
    }
    jmp_cache[h] = tb;
    return tb;
}

/* --- operand helpers --- */

static inline __attribute__((always_inline)) uint64_t reg_get(CPUX86State *env, unsigned r, int sz)
{
    if (sz == 0 && r >= REG_HI8) {
        return (env->regs[r - REG_HI8] >> 8) & 0xff;
    }
    return env->regs[r] & sz_mask(sz);
}

static inline __attribute__((always_inline)) void reg_set(CPUX86State *env, unsigned r, int sz, uint64_t v)
{
    switch (sz) {
    case 0:
        if (r >= REG_HI8) {
            r -= REG_HI8;
            env->regs[r] = (env->regs[r] & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            env->regs[r] = (env->regs[r] & ~0xffull) | (v & 0xff);
        }
        break;
    case 1:
        env->regs[r] = (env->regs[r] & ~0xffffull) | (v & 0xffff);
        break;
    case 2:
        env->regs[r] = (uint32_t)v;
        break;
    default:
        env->regs[r] = v;
        break;
    }
}

static inline uint64_t amask(int asz)
{
    return asz == 1 ? 0xffff : asz == 2 ? 0xffffffff : ~0ull;
}

/*
 * The linear address of `len` bytes at offset `off` (already masked to the
 * address size) in segment `seg`, for a read or a write. Outside 64-bit
 * mode a segment that is not flat goes through the limit and type checks
 * (seg_check_slow); 64-bit mode adds the FS/GS base only, and a
 * non-canonical stack address raises #SS(0) (SDM vol. 3A 6.15, interrupt
 * 12; the TLB fill raises #GP(0) for the others).
 */
static inline __attribute__((always_inline)) uint64_t seg_lin(
    CPUX86State *env, int seg, uint64_t off, unsigned len, bool write)
{
    if (env->hflags & HF_CS64) {
        if (seg >= R_FS) {
            return off + env->segs[seg].base;
        }
        if (seg == R_SS
            && unlikely((uint64_t)(((int64_t)off << 16) >> 16) != off)) {
            raise_exception_err(env, EXCP0C_SS, 0);
        }
        return off;
    }
    if (unlikely(env->hflags & HF_SEGCHK(seg))) {
        seg_check_slow(env, seg, off, len, write);
    }
    return (uint32_t)(off + env->segs[seg].base);
}

static inline __attribute__((always_inline)) uint64_t ea_off(CPUX86State *env, const DecodedInsn *d)
{
    uint64_t off = (int64_t)d->disp;
    if (d->base != REG_NONE) {
        off += d->base == BASE_RIP ? env->rip + d->len : env->regs[d->base];
    }
    if (d->index != REG_NONE) {
        off += env->regs[d->index] << d->scale;
    }
    return off & amask(d->asz);
}

/* The linear address of an offset without segment checks (INVLPG, logs). */
static inline uint64_t ea_nocheck(CPUX86State *env, int seg, uint64_t off)
{
    if (env->hflags & HF_CS64) {
        return seg >= R_FS ? off + env->segs[seg].base : off;
    }
    return (uint32_t)(off + env->segs[seg].base);
}

/* The linear address of the memory operand, checked for `len` bytes. */
static inline __attribute__((always_inline)) uint64_t ea(
    CPUX86State *env, const DecodedInsn *d, unsigned len, bool write)
{
    if (!(env->hflags & HF_CS64) && likely(!(env->hflags & HF_SEGCHK(d->seg)))
        && likely(d->asz == 2)) {
        /* a 32-bit address in a flat segment: the offset needs no mask of
         * its own, the linear address wraps at 4 GiB (and there is no
         * RIP-relative form outside 64-bit mode) */
        uint64_t off = (int64_t)d->disp;
        if (d->base != REG_NONE) {
            off += env->regs[d->base];
        }
        if (d->index != REG_NONE) {
            off += env->regs[d->index] << d->scale;
        }
        return (uint32_t)(off + env->segs[d->seg].base);
    }
    return seg_lin(env, d->seg, ea_off(env, d), len, write);
}

/* Load for read-modify-write: translate for writing first, so the store
 * after it cannot fault (state changes only when the whole insn succeeds). */
static inline __attribute__((always_inline)) uint64_t ld_rmw(CPUX86State *env, uint64_t lin, int sz)
{
    int mmu = cpu_mmu_index(env);
    TLBEntry *e = &env->tcg->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (likely(e->addr_write == (lin & PAGE_MASK)
               && (lin & 0xfff) <= 0x1000u - (1u << sz))) {
        return ldn_host((void *)(uintptr_t)(lin + e->addend), sz);
    }
    probe_write(env, lin, 1u << sz, mmu);
    return ld_slow(env, lin, sz, mmu);
}

static inline __attribute__((always_inline)) uint64_t ld_E(CPUX86State *env, const DecodedInsn *d, int sz)
{
    if (d->flags & INSN_F_MEM) {
        return cpu_ld(env, ea(env, d, 1u << sz, false), sz);
    }
    return reg_get(env, d->rm, sz);
}

static inline __attribute__((always_inline)) void st_E(CPUX86State *env, const DecodedInsn *d, int sz,
                        uint64_t v)
{
    if (d->flags & INSN_F_MEM) {
        cpu_st(env, ea(env, d, 1u << sz, true), sz, v);
    } else {
        reg_set(env, d->rm, sz, v);
    }
}

/* --- stack --- */

static inline uint64_t sp_mask(CPUX86State *env)
{
    if (env->hflags & HF_CS64) {
        return ~0ull;
    }
    return (env->hflags & HF_SS32) ? 0xffffffffull : 0xffffull;
}

static inline void set_sp(CPUX86State *env, uint64_t sp)
{
    uint64_t m = sp_mask(env);
    if (m == 0xffffffffull) {
        env->regs[R_ESP] = (uint32_t)sp;
    } else {
        env->regs[R_ESP] = (env->regs[R_ESP] & ~m) | (sp & m);
    }
}

/* The linear address of `len` bytes at stack offset sp, checked against
 * SS (#SS(0)) as any SS access. */
static inline __attribute__((always_inline)) uint64_t stack_lin(
    CPUX86State *env, uint64_t sp, unsigned len, bool write)
{
    return seg_lin(env, R_SS, sp & sp_mask(env), len, write);
}

static inline __attribute__((always_inline)) void push(CPUX86State *env, int sz, uint64_t v)
{
    uint64_t sp = env->regs[R_ESP] - (1u << sz);
    cpu_st(env, stack_lin(env, sp, 1u << sz, true), sz, v);
    set_sp(env, sp);
}

static inline __attribute__((always_inline)) uint64_t pop(CPUX86State *env, int sz)
{
    uint64_t sp = env->regs[R_ESP];
    uint64_t v = cpu_ld(env, stack_lin(env, sp, 1u << sz, false), sz);
    set_sp(env, sp + (1u << sz));
    return v;
}

/* --- flags --- */

static inline __attribute__((always_inline)) void set_cc(CPUX86State *env, int kind, int sz, uint64_t dst,
                          uint64_t src)
{
    env->cc_op = CC_OP(kind, sz);
    env->cc_dst = dst;
    env->cc_src = src;
}

/* Condition codes with the CMP/TEST fast paths inline (cc_helper.c has
 * the rest). */
static inline __attribute__((always_inline)) bool cc_test_inline(
    CPUX86State *env, unsigned cond)
{
    unsigned op = env->cc_op;
    if ((op >> 2) == CC_K_SUB) {
        int sz = op & 3;
        uint64_t m = sz_mask(sz);
        uint64_t dst = env->cc_dst & m, src2 = env->cc_src & m;
        uint64_t src1 = (dst + src2) & m;
        switch (cond) {
        case 0x2: return src1 < src2;
        case 0x3: return src1 >= src2;
        case 0x4: return dst == 0;
        case 0x5: return dst != 0;
        case 0x6: return src1 <= src2;
        case 0x7: return src1 > src2;
        case 0xc: return sext(src1, sz) < sext(src2, sz);
        case 0xd: return sext(src1, sz) >= sext(src2, sz);
        case 0xe: return sext(src1, sz) <= sext(src2, sz);
        case 0xf: return sext(src1, sz) > sext(src2, sz);
        default: break;
        }
    } else if ((op >> 2) == CC_K_LOGIC || (op >> 2) == CC_K_DEC
               || (op >> 2) == CC_K_INC) {
        uint64_t dst = env->cc_dst & sz_mask(op & 3);
        if (cond == 0x4) {
            return dst == 0;
        }
        if (cond == 0x5) {
            return dst != 0;
        }
    }
    return cc_test(env, cond);
}

static inline uint64_t get_cf(CPUX86State *env)
{
    return cc_compute_all(env) & CC_C;
}

/* Replace some arithmetic flags, keeping the rest. */
static inline void set_flags_partial(CPUX86State *env, uint32_t mask,
                                     uint32_t value)
{
    uint32_t f = cc_compute_all(env);
    env->cc_src = (f & ~mask) | (value & mask);
    env->cc_op = CC_OP_EFLAGS;
}

static inline __attribute__((always_inline)) uint64_t alu(CPUX86State *env, int aop, int sz, uint64_t a,
                           uint64_t b)
{
    uint64_t r, c;
    switch (aop) {
    case 0: r = a + b; set_cc(env, CC_K_ADD, sz, r, b); return r;
    case 1: r = a | b; set_cc(env, CC_K_LOGIC, sz, r, 0); return r;
    case 2:
        c = get_cf(env);
        r = a + b + c;
        set_cc(env, CC_K_ADC, sz, r, b);
        env->cc_src2 = c;
        return r;
    case 3:
        c = get_cf(env);
        r = a - b - c;
        set_cc(env, CC_K_SBB, sz, r, b);
        env->cc_src2 = c;
        return r;
    case 4: r = a & b; set_cc(env, CC_K_LOGIC, sz, r, 0); return r;
    case 5: r = a - b; set_cc(env, CC_K_SUB, sz, r, b); return r;
    case 6: r = a ^ b; set_cc(env, CC_K_LOGIC, sz, r, 0); return r;
    default: r = a - b; set_cc(env, CC_K_SUB, sz, r, b); return r;
    }
}

enum { F_EG, F_GE, F_EI };

static inline __attribute__((always_inline)) void do_alu(CPUX86State *env, const DecodedInsn *d, int form,
                          int aop)
{
    int sz = d->sz;
    uint64_t a, b, r;

    if (form == F_GE) {
        a = reg_get(env, d->reg, sz);
        b = ld_E(env, d, sz);
        r = alu(env, aop, sz, a, b);
        if (aop != 7) {
            reg_set(env, d->reg, sz, r);
        }
        return;
    }
    b = form == F_EG ? reg_get(env, d->reg, sz) : d->imm;
    if (d->flags & INSN_F_MEM) {
        uint64_t lin = ea(env, d, 1u << sz, aop != 7);
        if (aop == 7) {
            a = cpu_ld(env, lin, sz);
            alu(env, aop, sz, a, b);
            return;
        }
        a = ld_rmw(env, lin, sz);
        r = alu(env, aop, sz, a, b);
        cpu_st(env, lin, sz, r);
    } else {
        a = reg_get(env, d->rm, sz);
        r = alu(env, aop, sz, a, b);
        if (aop != 7) {
            reg_set(env, d->rm, sz, r);
        }
    }
}

/* --- shifts and rotates (SDM vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR) --- */

static uint64_t do_shift(CPUX86State *env, int type, int sz, uint64_t a,
                         unsigned count)
{
    unsigned bits = 8u << sz;
    uint64_t m = sz_mask(sz);
    uint64_t sign = 1ull << (bits - 1);
    uint64_t r;
    uint32_t f;

    count &= sz == 3 ? 0x3f : 0x1f;
    if (count == 0) {
        return a;
    }
    a &= m;
    switch (type) {
    case 0: { /* ROL */
        unsigned c = count & (bits - 1);
        r = c ? ((a << c) | (a >> (bits - c))) & m : a;
        f = cc_compute_all(env) & ~(CC_C | CC_O);
        f |= (r & 1) ? CC_C : 0;
        f |= (!!(r & sign) ^ (r & 1)) ? CC_O : 0;
        env->cc_src = f;
        env->cc_op = CC_OP_EFLAGS;
        return r;
    }
    case 1: { /* ROR */
        unsigned c = count & (bits - 1);
        r = c ? ((a >> c) | (a << (bits - c))) & m : a;
        f = cc_compute_all(env) & ~(CC_C | CC_O);
        f |= (r & sign) ? CC_C : 0;
        f |= (!!(r & sign) ^ !!(r & (sign >> 1))) ? CC_O : 0;
        env->cc_src = f;
        env->cc_op = CC_OP_EFLAGS;
        return r;
    }
    case 2: { /* RCL: rotate bits+1 wide through CF */
        unsigned c = count % (bits + 1);
        f = cc_compute_all(env);
        uint64_t cf = f & CC_C;
        r = a;
        for (unsigned i = 0; i < c; i++) {
            uint64_t out = !!(r & sign);
            r = ((r << 1) | cf) & m;
            cf = out;
        }
        f &= ~(CC_C | CC_O);
        f |= cf ? CC_C : 0;
        f |= (!!(r & sign) ^ cf) ? CC_O : 0;
        env->cc_src = f;
        env->cc_op = CC_OP_EFLAGS;
        return r;
    }
    case 3: { /* RCR */
        unsigned c = count % (bits + 1);
        f = cc_compute_all(env);
        uint64_t cf = f & CC_C;
        r = a;
        for (unsigned i = 0; i < c; i++) {
            uint64_t out = r & 1;
            r = (r >> 1) | (cf ? sign : 0);
            cf = out;
        }
        f &= ~(CC_C | CC_O);
        f |= cf ? CC_C : 0;
        f |= (!!(r & sign) ^ !!(r & (sign >> 1))) ? CC_O : 0;
        env->cc_src = f;
        env->cc_op = CC_OP_EFLAGS;
        return r;
    }
    case 4: case 6: /* SHL/SAL */
        r = count < 64 ? (a << count) & m : 0;
        set_cc(env, CC_K_SHL, sz, r, count - 1 < 64 ? a << (count - 1) : 0);
        return r;
    case 5: /* SHR */
        r = count < 64 ? a >> count : 0;
        set_cc(env, CC_K_SAR, sz, r, a >> (count - 1));
        env->cc_src2 = !!(a & sign);
        return r;
    default: { /* SAR */
        int64_t sa = sext(a, sz);
        r = (uint64_t)(sa >> (count > 63 ? 63 : count)) & m;
        set_cc(env, CC_K_SAR, sz, r, (uint64_t)(sa >> (count - 1)));
        env->cc_src2 = 0;
        return r;
    }
    }
}

static void do_shift_insn(CPUX86State *env, const DecodedInsn *d,
                          unsigned count)
{
    int sz = d->sz;
    if (d->flags & INSN_F_MEM) {
        uint64_t lin = ea(env, d, 1u << sz, true);
        uint64_t a = ld_rmw(env, lin, sz);
        uint64_t r = do_shift(env, d->sub, sz, a, count);
        cpu_st(env, lin, sz, r);
    } else {
        uint64_t a = reg_get(env, d->rm, sz);
        uint64_t r = do_shift(env, d->sub, sz, a, count);
        if ((count & (sz == 3 ? 0x3f : 0x1f)) || sz != 2) {
            reg_set(env, d->rm, sz, r);
        } else {
            /* a 32-bit shift by 0 still writes (zero-extends) the register */
            reg_set(env, d->rm, sz, r);
        }
    }
}

static void do_shxd(CPUX86State *env, const DecodedInsn *d, unsigned count,
                    bool left)
{
    int sz = d->sz;
    unsigned bits = 8u << sz;
    uint64_t m = sz_mask(sz), sign = 1ull << (bits - 1);
    uint64_t lin = 0, a, b = reg_get(env, d->reg, sz), r;

    count &= sz == 3 ? 0x3f : 0x1f;
    if (d->flags & INSN_F_MEM) {
        lin = ea(env, d, 1u << sz, true);
        a = ld_rmw(env, lin, sz);
    } else {
        a = reg_get(env, d->rm, sz);
    }
    if (count == 0) {
        if (!(d->flags & INSN_F_MEM)) {
            reg_set(env, d->rm, sz, a);
        }
        return;
    }
    if (sz == 1 && count > 16) {
        /* undefined result; behave as a 32-bit double of b:a */
        uint64_t wide = left ? (a << 16) | b : (b << 16) | a;
        wide = left ? (wide << count) >> 16 : wide >> count;
        r = wide & m;
    } else if (left) {
        r = ((a << count) | (count == bits ? b : (b >> (bits - count)))) & m;
        if (count == bits) {
            r = b & m;
        }
    } else {
        r = ((a >> count) | (count == bits ? b : (b << (bits - count)))) & m;
        if (count == bits) {
            r = b & m;
        }
    }
    if (left) {
        set_cc(env, CC_K_SHL, sz, r, a << (count - 1));
    } else {
        set_cc(env, CC_K_SAR, sz, r, a >> (count - 1));
        env->cc_src2 = !!((a ^ r) & sign);
    }
    if (d->flags & INSN_F_MEM) {
        cpu_st(env, lin, sz, r);
    } else {
        reg_set(env, d->rm, sz, r);
    }
}

/* --- multiply and divide --- */

static void do_mul(CPUX86State *env, const DecodedInsn *d, bool is_signed)
{
    int sz = d->sz;
    uint64_t b = ld_E(env, d, sz);
    switch (sz) {
    case 0: {
        uint64_t a = env->regs[R_EAX] & 0xff;
        uint64_t r, hi_sig;
        if (is_signed) {
            int64_t sr = (int64_t)(int8_t)a * (int8_t)b;
            r = (uint64_t)sr & 0xffff;
            hi_sig = sr != (int8_t)sr;
        } else {
            r = a * b;
            hi_sig = r >> 8;
        }
        reg_set(env, R_EAX, 1, r);
        set_cc(env, CC_K_MUL, 0, r, hi_sig);
        break;
    }
    case 1: {
        uint64_t a = env->regs[R_EAX] & 0xffff;
        uint64_t r, hi_sig;
        if (is_signed) {
            int64_t sr = (int64_t)(int16_t)a * (int16_t)b;
            r = (uint64_t)sr & 0xffffffff;
            hi_sig = sr != (int16_t)sr;
        } else {
            r = a * b;
            hi_sig = r >> 16;
        }
        reg_set(env, R_EAX, 1, r);
        reg_set(env, R_EDX, 1, r >> 16);
        set_cc(env, CC_K_MUL, 1, r, hi_sig);
        break;
    }
    case 2: {
        uint64_t a = env->regs[R_EAX] & 0xffffffff;
        uint64_t r, hi_sig;
        if (is_signed) {
            int64_t sr = (int64_t)(int32_t)a * (int32_t)b;
            r = (uint64_t)sr;
            hi_sig = sr != (int32_t)sr;
        } else {
            r = a * b;
            hi_sig = r >> 32;
        }
        reg_set(env, R_EAX, 2, r);
        reg_set(env, R_EDX, 2, r >> 32);
        set_cc(env, CC_K_MUL, 2, r, hi_sig);
        break;
    }
    default: {
        uint64_t a = env->regs[R_EAX];
        uint64_t lo, hi, hi_sig;
        if (is_signed) {
            __int128 sr = (__int128)(int64_t)a * (int64_t)b;
            lo = (uint64_t)sr;
            hi = (uint64_t)(sr >> 64);
            hi_sig = sr != (int64_t)lo;
        } else {
            unsigned __int128 ur = (unsigned __int128)a * b;
            lo = (uint64_t)ur;
            hi = (uint64_t)(ur >> 64);
            hi_sig = hi != 0;
        }
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
        set_cc(env, CC_K_MUL, 3, lo, hi_sig);
        break;
    }
    }
}

static void do_imul2(CPUX86State *env, const DecodedInsn *d, uint64_t a,
                     uint64_t b)
{
    int sz = d->sz;
    uint64_t r;
    bool ovf;
    if (sz == 3) {
        __int128 sr = (__int128)(int64_t)a * (int64_t)b;
        r = (uint64_t)sr;
        ovf = sr != (int64_t)r;
    } else {
        int64_t sr = sext(a, sz) * sext(b, sz);
        r = (uint64_t)sr & sz_mask(sz);
        ovf = sr != sext(r, sz);
    }
    reg_set(env, d->reg, sz, r);
    set_cc(env, CC_K_MUL, sz, r, ovf);
}

static void do_div(CPUX86State *env, const DecodedInsn *d, bool is_signed)
{
    int sz = d->sz;
    uint64_t b = ld_E(env, d, sz);
    if ((b & sz_mask(sz)) == 0) {
        raise_exception(env, EXCP00_DE);
    }
    switch (sz) {
    case 0: {
        uint64_t a = env->regs[R_EAX] & 0xffff;
        if (is_signed) {
            int64_t q = (int16_t)a / (int8_t)b, rem = (int16_t)a % (int8_t)b;
            if (q != (int8_t)q) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 1, ((uint64_t)rem & 0xff) << 8 | ((uint64_t)q & 0xff));
        } else {
            uint64_t q = a / b, rem = a % b;
            if (q > 0xff) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 1, rem << 8 | q);
        }
        break;
    }
    case 1: {
        uint64_t a = ((env->regs[R_EDX] & 0xffff) << 16) | (env->regs[R_EAX] & 0xffff);
        if (is_signed) {
            int64_t q = (int32_t)a / (int16_t)b, rem = (int32_t)a % (int16_t)b;
            if (q != (int16_t)q) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 1, q);
            reg_set(env, R_EDX, 1, rem);
        } else {
            uint64_t q = a / b, rem = a % b;
            if (q > 0xffff) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 1, q);
            reg_set(env, R_EDX, 1, rem);
        }
        break;
    }
    case 2: {
        uint64_t a = ((env->regs[R_EDX] & 0xffffffff) << 32)
                     | (env->regs[R_EAX] & 0xffffffff);
        if (is_signed) {
            int64_t sa = (int64_t)a, sb = (int32_t)b;
            if (sa == INT64_MIN && sb == -1) {
                raise_exception(env, EXCP00_DE);
            }
            int64_t q = sa / sb, rem = sa % sb;
            if (q != (int32_t)q) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 2, q);
            reg_set(env, R_EDX, 2, rem);
        } else {
            uint64_t q = a / (uint32_t)b, rem = a % (uint32_t)b;
            if (q > 0xffffffffull) {
                raise_exception(env, EXCP00_DE);
            }
            reg_set(env, R_EAX, 2, q);
            reg_set(env, R_EDX, 2, rem);
        }
        break;
    }
    default: {
        unsigned __int128 a = ((unsigned __int128)env->regs[R_EDX] << 64)
                              | env->regs[R_EAX];
        if (is_signed) {
            __int128 sa = (__int128)a, sb = (int64_t)b;
            if (sb == -1 && sa == -sa && sa != 0) {
                raise_exception(env, EXCP00_DE);   /* -2^127 / -1 */
            }
            __int128 q = sa / sb, rem = sa % sb;
            if (q != (int64_t)q) {
                raise_exception(env, EXCP00_DE);
            }
            env->regs[R_EAX] = (uint64_t)q;
            env->regs[R_EDX] = (uint64_t)rem;
        } else {
            unsigned __int128 q = a / b, rem = a % b;
            if (q >> 64) {
                raise_exception(env, EXCP00_DE);
            }
            env->regs[R_EAX] = (uint64_t)q;
            env->regs[R_EDX] = (uint64_t)rem;
        }
        break;
    }
    }
}

/* --- branches --- */

static inline uint64_t ip_mask(int sz)
{
    /* a table, one load: 16-bit, 32-bit, else no mask */
    static const uint64_t masks[4] = {
        ~0ull, 0xffff, 0xffffffffull, ~0ull,
    };
    return masks[sz & 3];
}

/* A near branch target must be canonical (64-bit) or inside CS's limit. */
static inline void check_target(CPUX86State *env, uint64_t target)
{
    if (likely(!(env->hflags & (HF_CS64 | HF_CS_LIMIT)))) {
        return;     /* a 4 GiB CS: any 16/32-bit target is inside */
    }
    if (env->hflags & HF_CS64) {
        if ((uint64_t)(((int64_t)target << 16) >> 16) != target) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
    } else if (target > env->segs[R_CS].limit && (env->hflags & HF_PE)) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
}

static inline void jump_to(CPUX86State *env, uint64_t target)
{
    check_target(env, target);
    env->rip = target;
}

/* --- string instructions --- */

#define REP_CHUNK 4096

static inline uint64_t str_step(CPUX86State *env, int sz)
{
    return (env->rflags & DF_MASK) ? -(uint64_t)(1u << sz) : (1u << sz);
}

static inline void reg_add_masked(CPUX86State *env, int r, uint64_t v,
                                  uint64_t m)
{
    if (m == 0xffffffffull) {
        env->regs[r] = (uint32_t)(env->regs[r] + v);
    } else {
        env->regs[r] = (env->regs[r] & ~m) | ((env->regs[r] + v) & m);
    }
}

/* Returns true when the instruction is complete (else it is re-executed). */
static bool do_string(CPUX86State *env, const DecodedInsn *d)
{
    int sz = d->sz;
    uint64_t am = amask(d->asz);
    uint64_t step = str_step(env, sz);
    bool rep = d->rep != 0;
    unsigned n = 0;

    for (;;) {
        if (rep) {
            if ((env->regs[R_ECX] & am) == 0) {
                return true;
            }
            if (n++ >= REP_CHUNK) {
                return false;
            }
        }
        uint64_t si = env->regs[R_ESI] & am, di = env->regs[R_EDI] & am;
        bool stop = false;
        switch (d->op) {
        case OP_MOVS: {
            uint64_t v = cpu_ld(env, seg_lin(env, d->seg, si, 1u << sz, false), sz);
            cpu_st(env, seg_lin(env, R_ES, di, 1u << sz, true), sz, v);
            reg_add_masked(env, R_ESI, step, am);
            reg_add_masked(env, R_EDI, step, am);
            break;
        }
        case OP_STOS:
            cpu_st(env, seg_lin(env, R_ES, di, 1u << sz, true), sz, env->regs[R_EAX]);
            reg_add_masked(env, R_EDI, step, am);
            break;
        case OP_LODS:
            reg_set(env, R_EAX, sz, cpu_ld(env, seg_lin(env, d->seg, si, 1u << sz, false), sz));
            reg_add_masked(env, R_ESI, step, am);
            break;
        case OP_CMPS: {
            uint64_t a = cpu_ld(env, seg_lin(env, d->seg, si, 1u << sz, false), sz);
            uint64_t b = cpu_ld(env, seg_lin(env, R_ES, di, 1u << sz, false), sz);
            alu(env, 7, sz, a, b);
            reg_add_masked(env, R_ESI, step, am);
            reg_add_masked(env, R_EDI, step, am);
            stop = true;
            break;
        }
        case OP_SCAS: {
            uint64_t b = cpu_ld(env, seg_lin(env, R_ES, di, 1u << sz, false), sz);
            alu(env, 7, sz, env->regs[R_EAX] & sz_mask(sz), b);
            reg_add_masked(env, R_EDI, step, am);
            stop = true;
            break;
        }
        case OP_INS: {
            uint16_t port = env->regs[R_EDX];
            check_io(env, port, sz);
            uint64_t lin = seg_lin(env, R_ES, di, 1u << sz, true);
            probe_write(env, lin, 1u << sz, cpu_mmu_index(env));
            uint64_t v = helper_io_in(env, port, sz);
            cpu_st(env, lin, sz, v);
            reg_add_masked(env, R_EDI, step, am);
            break;
        }
        case OP_OUTS: {
            uint16_t port = env->regs[R_EDX];
            check_io(env, port, sz);
            uint64_t v = cpu_ld(env, seg_lin(env, d->seg, si, 1u << sz, false), sz);
            helper_io_out(env, port, sz, v);
            reg_add_masked(env, R_ESI, step, am);
            break;
        }
        }
        if (!rep) {
            return true;
        }
        reg_add_masked(env, R_ECX, -1, am);
        if (stop) {
            bool zf = cc_test(env, 4);
            if ((d->rep == 3 && !zf) || (d->rep == 2 && zf)) {
                return true;
            }
        }
        if (env->end_block && (d->op == OP_INS || d->op == OP_OUTS)) {
            /* let pending events in between iterations */
            return (env->regs[R_ECX] & am) == 0;
        }
    }
}

/* --- BCD (SDM DAA/DAS/AAA/AAS/AAM/AAD) --- */

static void do_daa(CPUX86State *env, bool sub)
{
    uint32_t f = cc_compute_all(env);
    uint8_t al = env->regs[R_EAX], old_al = al;
    bool old_cf = f & CC_C, cf = false, af = false;
    if ((al & 0xf) > 9 || (f & CC_A)) {
        al = sub ? al - 6 : al + 6;
        cf = old_cf || (sub ? old_al < 6 : old_al > 0xf9);
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = sub ? al - 0x60 : al + 0x60;
        cf = true;
    }
    reg_set(env, R_EAX, 0, al);
    f &= ~(CC_C | CC_A | CC_S | CC_Z | CC_P);
    f |= (cf ? CC_C : 0) | (af ? CC_A : 0) | (al & 0x80 ? CC_S : 0)
         | (al == 0 ? CC_Z : 0)
         | (__builtin_parity(al) ? 0 : CC_P);
    env->cc_src = f;
    env->cc_op = CC_OP_EFLAGS;
}

static void do_aaa(CPUX86State *env, bool sub)
{
    uint32_t f = cc_compute_all(env);
    uint16_t ax = env->regs[R_EAX];
    bool adj = (ax & 0xf) > 9 || (f & CC_A);
    if (adj) {
        if (sub) {
            ax = (ax - 6) & 0xff;
            ax |= ((((env->regs[R_EAX] >> 8) & 0xff) - 1) & 0xff) << 8;
        } else {
            ax += 0x106;
        }
    }
    ax &= 0xff0f;
    reg_set(env, R_EAX, 1, ax);
    f &= ~(CC_C | CC_A);
    f |= adj ? (CC_C | CC_A) : 0;
    env->cc_src = f;
    env->cc_op = CC_OP_EFLAGS;
}

/* --- the block executor --- */

#define ALU_CASE(form, F, n) \
    case OP_ADD_##form + n: do_alu(env, d, F, n); break;
#define ALU_CASES(form, F) \
    ALU_CASE(form, F, 0) ALU_CASE(form, F, 1) ALU_CASE(form, F, 2) \
    ALU_CASE(form, F, 3) ALU_CASE(form, F, 4) ALU_CASE(form, F, 5) \
    ALU_CASE(form, F, 6) ALU_CASE(form, F, 7)

void LAPIS_NORETURN helper_unimplemented(CPUX86State *env, const DecodedInsn *d);

/* Far pointer operand m16:16/32/64: offset then selector. */
static void load_far_ptr(CPUX86State *env, const DecodedInsn *d,
                         uint16_t *sel, uint64_t *off)
{
    int sz = d->sz;
    uint64_t lin = ea(env, d, (1u << sz) + 2, false);
    *off = cpu_ld(env, lin, sz);
    uint64_t sl = lin + (1u << sz);
    if (!(env->hflags & HF_LMA)) {
        sl = (uint32_t)sl;
    }
    *sel = cpu_ld(env, sl, 1);
}

#define M32(x) ((uint64_t)(uint32_t)(x))
#define M64(x) ((uint64_t)(x))
/* register/immediate/memory ALU forms, for each operation n (ops.h order) */
#define RR_LABELS(n, SFX, SZ, MASKED) \
    L_RR_##SFX##_##n: \
        r = alu(env, n, SZ, MASKED(env->regs[d->rm]), MASKED(env->regs[d->reg])); \
        if (n != 7) { \
            env->regs[d->rm] = MASKED(r); \
        } \
        FAST_NEXT; \
    L_RI_##SFX##_##n: \
        r = alu(env, n, SZ, MASKED(env->regs[d->rm]), MASKED(d->imm)); \
        if (n != 7) { \
            env->regs[d->rm] = MASKED(r); \
        } \
        FAST_NEXT; \
    L_RM_##SFX##_##n: \
        b = cpu_ld(env, ea(env, d, 1u << SZ, false), SZ); \
        r = alu(env, n, SZ, MASKED(env->regs[d->reg]), b); \
        if (n != 7) { \
            env->regs[d->reg] = MASKED(r); \
        } \
        FAST_NEXT;
#define RR_ALL(SFX, SZ, MASKED) \
    RR_LABELS(0, SFX, SZ, MASKED) RR_LABELS(1, SFX, SZ, MASKED) \
    RR_LABELS(2, SFX, SZ, MASKED) RR_LABELS(3, SFX, SZ, MASKED) \
    RR_LABELS(4, SFX, SZ, MASKED) RR_LABELS(5, SFX, SZ, MASKED) \
    RR_LABELS(6, SFX, SZ, MASKED) RR_LABELS(7, SFX, SZ, MASKED)
#define RR_TABLE1(n, SFX) \
    [OP_ADD_RR_##SFX + n] = &&L_RR_##SFX##_##n, \
    [OP_ADD_RI_##SFX + n] = &&L_RI_##SFX##_##n, \
    [OP_ADD_RM_##SFX + n] = &&L_RM_##SFX##_##n,
#define RR_TABLE(SFX) \
    RR_TABLE1(0, SFX) RR_TABLE1(1, SFX) RR_TABLE1(2, SFX) RR_TABLE1(3, SFX) \
    RR_TABLE1(4, SFX) RR_TABLE1(5, SFX) RR_TABLE1(6, SFX) RR_TABLE1(7, SFX)

/*
 * Every handler. exec_block runs the frequent forms itself (threaded) and
 * calls this for the rest; the cases it overrides stay here so that this
 * switch is complete on its own.
 */
static __attribute__((noinline)) void exec_insn(CPUX86State *env,
                                                const DecodedInsn *d)
{
    uint64_t next = env->rip + d->len;
    int sz = d->sz;
    uint64_t a, b, r;

    switch (d->op) {

    ALU_CASES(EG, F_EG)
    ALU_CASES(GE, F_GE)
    ALU_CASES(EI, F_EI)

    case OP_TEST_EG:
        a = ld_E(env, d, sz);
        set_cc(env, CC_K_LOGIC, sz, a & reg_get(env, d->reg, sz), 0);
        break;
    case OP_TEST_EI:
        a = ld_E(env, d, sz);
        set_cc(env, CC_K_LOGIC, sz, a & d->imm, 0);
        break;
    case OP_XCHG_EG:
        if (d->flags & INSN_F_MEM) {
            uint64_t lin = ea(env, d, 1u << sz, true);
            a = ld_rmw(env, lin, sz);
            cpu_st(env, lin, sz, reg_get(env, d->reg, sz));
        } else {
            a = reg_get(env, d->rm, sz);
            reg_set(env, d->rm, sz, reg_get(env, d->reg, sz));
        }
        reg_set(env, d->reg, sz, a);
        break;
    case OP_MOV_EG:
        st_E(env, d, sz, reg_get(env, d->reg, sz));
        break;
    case OP_MOV_GE:
        reg_set(env, d->reg, sz, ld_E(env, d, sz));
        break;
    case OP_MOV_EI:
        st_E(env, d, sz, d->imm);
        break;
    case OP_MOV_RI:
        reg_set(env, d->reg, sz, d->imm);
        break;
    case OP_LEA:
        reg_set(env, d->reg, sz, ea_off(env, d));
        break;
    case OP_MOV_E_SEG:
        st_E(env, d, sz, env->segs[d->sub].selector);
        break;
    case OP_MOV_SEG_E:
        a = ld_E(env, d, 1);
        load_seg(env, d->sub, a);
        if (d->sub == R_SS) {
            env->hflags |= HF_INHIBIT_IRQ;
        }
        break;
    case OP_MOV_AO:
        reg_set(env, R_EAX, sz, cpu_ld(env, seg_lin(env, d->seg, d->imm & amask(d->asz), 1u << sz, false), sz));
        break;
    case OP_MOV_OA:
        cpu_st(env, seg_lin(env, d->seg, d->imm & amask(d->asz), 1u << sz, true), sz, env->regs[R_EAX]);
        break;
    case OP_INC_E:
    case OP_DEC_E: {
        uint64_t cf = get_cf(env);
        uint64_t lin = 0;
        if (d->flags & INSN_F_MEM) {
            lin = ea(env, d, 1u << sz, true);
            a = ld_rmw(env, lin, sz);
        } else {
            a = reg_get(env, d->rm, sz);
        }
        r = d->op == OP_INC_E ? a + 1 : a - 1;
        if (d->flags & INSN_F_MEM) {
            cpu_st(env, lin, sz, r);
        } else {
            reg_set(env, d->rm, sz, r);
        }
        set_cc(env, d->op == OP_INC_E ? CC_K_INC : CC_K_DEC, sz, r, cf);
        break;
    }
    case OP_NOT_E:
    case OP_NEG_E: {
        uint64_t lin = 0;
        if (d->flags & INSN_F_MEM) {
            lin = ea(env, d, 1u << sz, true);
            a = ld_rmw(env, lin, sz);
        } else {
            a = reg_get(env, d->rm, sz);
        }
        if (d->op == OP_NOT_E) {
            r = ~a;
        } else {
            r = -a;
        }
        if (d->flags & INSN_F_MEM) {
            cpu_st(env, lin, sz, r);
        } else {
            reg_set(env, d->rm, sz, r);
        }
        if (d->op == OP_NEG_E) {
            set_cc(env, CC_K_SUB, sz, r, a);    /* 0 - a */
        }
        break;
    }
    case OP_MUL_E: do_mul(env, d, false); break;
    case OP_IMUL1_E: do_mul(env, d, true); break;
    case OP_DIV_E: do_div(env, d, false); break;
    case OP_IDIV_E: do_div(env, d, true); break;
    case OP_IMUL_GE:
        do_imul2(env, d, reg_get(env, d->reg, sz), ld_E(env, d, sz));
        break;
    case OP_IMUL_GEI:
        do_imul2(env, d, ld_E(env, d, sz), d->imm);
        break;
    case OP_SHIFT_E1: do_shift_insn(env, d, 1); break;
    case OP_SHIFT_ECL: do_shift_insn(env, d, env->regs[R_ECX] & 0xff); break;
    case OP_SHIFT_EI: do_shift_insn(env, d, d->imm & 0xff); break;
    case OP_SHLD_I: do_shxd(env, d, d->imm, true); break;
    case OP_SHLD_CL: do_shxd(env, d, env->regs[R_ECX], true); break;
    case OP_SHRD_I: do_shxd(env, d, d->imm, false); break;
    case OP_SHRD_CL: do_shxd(env, d, env->regs[R_ECX], false); break;

    case OP_PUSH_R:
        push(env, sz, env->regs[d->reg]);
        break;
    case OP_POP_R:
        a = pop(env, sz);
        reg_set(env, d->reg, sz, a);
        break;
    case OP_PUSH_I:
        push(env, sz, d->imm);
        break;
    case OP_PUSH_E:
        a = ld_E(env, d, sz);
        push(env, sz, a);
        break;
    case OP_POP_E: {
        /* the address is computed after RSP is incremented (SDM POP) */
        uint64_t sp = env->regs[R_ESP];
        a = cpu_ld(env, stack_lin(env, sp, 1u << sz, false), sz);
        set_sp(env, sp + (1u << sz));
        if (d->flags & INSN_F_MEM) {
            uint64_t lin = ea(env, d, 1u << sz, true);
            uint64_t saved = env->regs[R_ESP];
            env->regs[R_ESP] = sp;
            probe_write(env, lin, 1u << sz, cpu_mmu_index(env));
            env->regs[R_ESP] = saved;
            cpu_st(env, lin, sz, a);
        } else {
            reg_set(env, d->rm, sz, a);
        }
        break;
    }
    case OP_PUSH_SEG:
        if (sz == 1) {
            push(env, 1, env->segs[d->sub].selector);
        } else {
            /* a 32/64-bit push of a selector writes 16 bits (Intel) */
            uint64_t sp = env->regs[R_ESP] - (1u << sz);
            cpu_st(env, stack_lin(env, sp, 1u << sz, true), 1,
                   env->segs[d->sub].selector);
            set_sp(env, sp);
        }
        break;
    case OP_POP_SEG: {
        uint64_t sp = env->regs[R_ESP];
        a = cpu_ld(env, stack_lin(env, sp, 1u << sz, false), 1);
        load_seg(env, d->sub, a);
        set_sp(env, sp + (1u << sz));
        if (d->sub == R_SS) {
            env->hflags |= HF_INHIBIT_IRQ;
        }
        break;
    }
    case OP_PUSHA: {
        uint64_t sp = env->regs[R_ESP];
        int n = 1 << sz;
        /* every slot is checked before the first store */
        for (int i = 0; i < 8; i++) {
            stack_lin(env, sp - (i + 1) * n, n, true);
        }
        probe_write(env, stack_lin(env, sp - 8 * n, 8 * n, true), 8 * n,
                    cpu_mmu_index(env));
        for (int i = 0; i < 8; i++) {
            uint64_t v = i == R_ESP ? sp : env->regs[i];
            cpu_st(env, stack_lin(env, sp - (i + 1) * n, n, true), sz, v);
        }
        set_sp(env, sp - 8 * n);
        break;
    }
    case OP_POPA: {
        uint64_t sp = env->regs[R_ESP];
        int n = 1 << sz;
        uint64_t v[8];
        for (int i = 0; i < 8; i++) {
            v[7 - i] = cpu_ld(env, stack_lin(env, sp + i * n, n, false), sz);
        }
        for (int i = 0; i < 8; i++) {
            if (i != R_ESP) {
                reg_set(env, i, sz, v[i]);
            }
        }
        set_sp(env, sp + 8 * n);
        break;
    }
    case OP_PUSHF: {
        if ((env->rflags & VM_MASK) && ((env->rflags & IOPL_MASK) >> IOPL_SHIFT) < 3) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        /* VM and RF are pushed as 0 (SDM PUSHF) */
        push(env, sz, cpu_get_eflags(env) & ~(uint64_t)(VM_MASK | RF_MASK));
        break;
    }
    case OP_POPF: {
        a = pop(env, sz);
        uint64_t mask = TF_MASK | AC_MASK | ID_MASK | NT_MASK | DF_MASK;
        int iopl = (env->rflags & IOPL_MASK) >> IOPL_SHIFT;
        if (cpl(env) == 0) {
            mask |= IOPL_MASK | IF_MASK;
        } else if (cpl(env) <= iopl) {
            mask |= IF_MASK;
        }
        if (sz == 1) {
            mask &= 0xffff;
        }
        cpu_set_eflags(env, a, mask);
        break;
    }
    case OP_ENTER: {
        unsigned level = d->imm2 & 31;
        uint64_t size = d->imm;
        int n = 1 << sz;
        uint64_t sp = env->regs[R_ESP] - n;
        uint64_t bp = env->regs[R_EBP];
        uint64_t frame = sp;
        /* the frame's first and last bytes are checked against SS before
         * anything is stored (SDM ENTER: #SS(0)) */
        uint64_t top = sp - (uint64_t)level * n - size;
        stack_lin(env, sp, n, true);
        stack_lin(env, top, 1, true);
        cpu_st(env, stack_lin(env, sp, n, true), sz, bp);
        for (unsigned i = 1; i < level; i++) {
            bp -= n;
            uint64_t v = cpu_ld(env, stack_lin(env, bp, n, false), sz);
            sp -= n;
            cpu_st(env, stack_lin(env, sp, n, true), sz, v);
        }
        if (level) {
            sp -= n;
            cpu_st(env, stack_lin(env, sp, n, true), sz, frame);
        }
        sp -= size;
        /* check the final stack top is writable before committing */
        probe_write(env, stack_lin(env, sp, 1, true), 1, cpu_mmu_index(env));
        reg_set(env, R_EBP, sz, frame & sp_mask(env));
        if (!(env->hflags & HF_CS64) && !(env->hflags & HF_SS32)) {
            reg_set(env, R_EBP, 1, frame);
        }
        set_sp(env, sp);
        break;
    }
    case OP_LEAVE: {
        uint64_t m = sp_mask(env);
        uint64_t sp = env->regs[R_EBP] & m;
        a = cpu_ld(env, stack_lin(env, sp, 1u << sz, false), sz);
        set_sp(env, sp + (1u << sz));
        reg_set(env, R_EBP, sz, a);
        break;
    }

    case OP_JCC:
        if (cc_test_inline(env, d->sub)) {
            jump_to(env, (next + d->imm) & ip_mask(sz));
            return;
        }
        break;
    case OP_JMP_REL:
        jump_to(env, (next + d->imm) & ip_mask(sz));
        return;
    case OP_CALL_REL: {
        uint64_t target = (next + d->imm) & ip_mask(sz);
        check_target(env, target);
        push(env, sz, next);
        env->rip = target;
        return;
    }
    case OP_JMP_E:
        jump_to(env, ld_E(env, d, sz));
        return;
    case OP_CALL_E: {
        uint64_t target = ld_E(env, d, sz);
        uint64_t sp = env->regs[R_ESP] - (1u << sz);
        cpu_st(env, stack_lin(env, sp, 1u << sz, true), sz, next);
        jump_to(env, target);
        set_sp(env, sp);
        return;
    }
    case OP_RET: {
        uint64_t sp = env->regs[R_ESP];
        a = cpu_ld(env, stack_lin(env, sp, 1u << sz, false), sz);
        jump_to(env, a);
        set_sp(env, sp + (1u << sz) + d->imm);
        return;
    }
    case OP_JMPF_PTR:
        helper_ljmp(env, d->imm2, d->imm, next);
        return;
    case OP_CALLF_PTR:
        helper_lcall(env, d->imm2, d->imm, next, sz);
        return;
    case OP_JMPF_M: {
        uint16_t sel;
        uint64_t off;
        load_far_ptr(env, d, &sel, &off);
        helper_ljmp(env, sel, off, next);
        return;
    }
    case OP_CALLF_M: {
        uint16_t sel;
        uint64_t off;
        load_far_ptr(env, d, &sel, &off);
        helper_lcall(env, sel, off, next, sz);
        return;
    }
    case OP_RETF:
        helper_lret(env, sz, d->imm);
        return;
    case OP_IRET:
        helper_iret(env, sz);
        return;
    case OP_LOOP: {
        uint64_t am = amask(d->asz);
        reg_add_masked(env, R_ECX, -1, am);
        bool nz = (env->regs[R_ECX] & am) != 0;
        bool take = d->sub == 2 ? nz
                  : d->sub == 1 ? nz && cc_test(env, 4)
                  : nz && !cc_test(env, 4);
        if (take) {
            jump_to(env, (next + d->imm) & ip_mask(sz));
            return;
        }
        break;
    }
    case OP_JCXZ:
        if ((env->regs[R_ECX] & amask(d->asz)) == 0) {
            jump_to(env, (next + d->imm) & ip_mask(sz));
            return;
        }
        break;
    case OP_INT:
        raise_interrupt(env, d->imm & 0xff, next);
    case OP_INT3:
        raise_interrupt(env, EXCP03_BP, next);
    case OP_INTO:
        if (cc_compute_all(env) & CC_O) {
            raise_interrupt(env, EXCP04_OF, next);
        }
        break;
    case OP_INT1:
        env->tcg->exception_next_rip = next;
        env->rip = next;
        raise_exception(env, EXCP01_DB);

    case OP_CBW:
        if (sz == 1) {
            reg_set(env, R_EAX, 1, (uint64_t)(int8_t)env->regs[R_EAX]);
        } else if (sz == 2) {
            reg_set(env, R_EAX, 2, (uint64_t)(int16_t)env->regs[R_EAX]);
        } else {
            env->regs[R_EAX] = (uint64_t)(int32_t)env->regs[R_EAX];
        }
        break;
    case OP_CWD:
        a = sext(env->regs[R_EAX], sz) < 0 ? ~0ull : 0;
        reg_set(env, R_EDX, sz, a);
        break;
    case OP_SAHF:
        if ((env->hflags & HF_CS64)
            && !x86_cpu_has_feature(env_cpu(env), FEAT_8000_0001_ECX,
                                    CPUID_EXT3_LAHF_LM)) {
            raise_exception(env, EXCP06_UD);
        }
        set_flags_partial(env, CC_S | CC_Z | CC_A | CC_P | CC_C,
                          (env->regs[R_EAX] >> 8) & 0xff);
        break;
    case OP_LAHF:
        if ((env->hflags & HF_CS64)
            && !x86_cpu_has_feature(env_cpu(env), FEAT_8000_0001_ECX,
                                    CPUID_EXT3_LAHF_LM)) {
            raise_exception(env, EXCP06_UD);
        }
        reg_set(env, REG_HI8, 0, (cpu_get_eflags(env) & 0xd7) | 2);
        break;
    case OP_CMC:
        set_flags_partial(env, CC_C, ~cc_compute_all(env));
        break;
    case OP_CLC: set_flags_partial(env, CC_C, 0); break;
    case OP_STC: set_flags_partial(env, CC_C, CC_C); break;
    case OP_CLI:
    case OP_STI: {
        int iopl = (env->rflags & IOPL_MASK) >> IOPL_SHIFT;
        if ((env->hflags & HF_PE) && cpl(env) > iopl) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (d->op == OP_CLI) {
            env->rflags &= ~(uint64_t)IF_MASK;
        } else {
            if (!(env->rflags & IF_MASK)) {
                env->hflags |= HF_INHIBIT_IRQ;
            }
            env->rflags |= IF_MASK;
        }
        break;
    }
    case OP_CLD: env->rflags &= ~(uint64_t)DF_MASK; break;
    case OP_STD: env->rflags |= DF_MASK; break;
    case OP_HLT:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        env->rip = next;
        env->run_state = X86_RUN_HALTED;
        env->end_block = true;
        return;
    case OP_NOP:
    case OP_NOP_E:
    case OP_PAUSE:
        break;

    case OP_MOVS: case OP_CMPS: case OP_STOS: case OP_LODS: case OP_SCAS:
    case OP_INS: case OP_OUTS:
        if (!do_string(env, d)) {
            env->end_block = true;
            return;     /* not finished: run it again after polling events */
        }
        break;
    case OP_IN_I:
        check_io(env, d->imm, sz);
        reg_set(env, R_EAX, sz, helper_io_in(env, d->imm, sz));
        break;
    case OP_IN_DX:
        check_io(env, env->regs[R_EDX], sz);
        reg_set(env, R_EAX, sz, helper_io_in(env, env->regs[R_EDX], sz));
        break;
    case OP_OUT_I:
        check_io(env, d->imm, sz);
        helper_io_out(env, d->imm, sz, env->regs[R_EAX]);
        break;
    case OP_OUT_DX:
        check_io(env, env->regs[R_EDX], sz);
        helper_io_out(env, env->regs[R_EDX], sz, env->regs[R_EAX]);
        break;

    case OP_XLAT: {
        uint64_t off = (env->regs[R_EBX] + (env->regs[R_EAX] & 0xff)) & amask(d->asz);
        reg_set(env, R_EAX, 0, cpu_ld(env, seg_lin(env, d->seg, off, 1, false), 0));
        break;
    }
    case OP_DAA: do_daa(env, false); break;
    case OP_DAS: do_daa(env, true); break;
    case OP_AAA: do_aaa(env, false); break;
    case OP_AAS: do_aaa(env, true); break;
    case OP_AAM: {
        uint8_t base = d->imm, al = env->regs[R_EAX];
        if (base == 0) {
            raise_exception(env, EXCP00_DE);
        }
        uint8_t res = al % base;
        reg_set(env, R_EAX, 1, ((al / base) << 8) | res);
        set_cc(env, CC_K_LOGIC, 0, res, 0);
        break;
    }
    case OP_AAD: {
        uint8_t base = d->imm;
        uint8_t al = env->regs[R_EAX], ah = env->regs[R_EAX] >> 8;
        uint8_t res = al + ah * base;
        reg_set(env, R_EAX, 1, res);
        set_cc(env, CC_K_LOGIC, 0, res, 0);
        break;
    }
    case OP_SALC:
        reg_set(env, R_EAX, 0, get_cf(env) ? 0xff : 0);
        break;
    case OP_BOUND: {
        uint64_t lin = ea(env, d, 2u << sz, false);
        int64_t idx = sext(reg_get(env, d->reg, sz), sz);
        int64_t lo = sext(cpu_ld(env, lin, sz), sz);
        int64_t hi = sext(cpu_ld(env, (uint32_t)(lin + (1u << sz)), sz), sz);
        if (idx < lo || idx > hi) {
            raise_exception(env, EXCP05_BR);
        }
        break;
    }
    case OP_ARPL: {
        if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        uint64_t lin = 0;
        if (d->flags & INSN_F_MEM) {
            lin = ea(env, d, 1u << 1, true);
            a = ld_rmw(env, lin, 1);
        } else {
            a = reg_get(env, d->rm, 1);
        }
        b = reg_get(env, d->reg, 1);
        if ((a & 3) < (b & 3)) {
            a = (a & ~3ull) | (b & 3);
            if (d->flags & INSN_F_MEM) {
                cpu_st(env, lin, 1, a);
            } else {
                reg_set(env, d->rm, 1, a);
            }
            set_flags_partial(env, CC_Z, CC_Z);
        } else {
            set_flags_partial(env, CC_Z, 0);
        }
        break;
    }
    case OP_MOVSXD:
        reg_set(env, d->reg, sz, (uint64_t)(int64_t)(int32_t)ld_E(env, d, 2));
        break;
    case OP_LSEG: {
        uint16_t sel;
        uint64_t off;
        load_far_ptr(env, d, &sel, &off);
        load_seg(env, d->imm2, sel);
        reg_set(env, d->reg, sz, off);
        if (d->imm2 == R_SS) {
            env->hflags |= HF_INHIBIT_IRQ;
        }
        break;
    }

    case OP_X87_FIRST ... OP_X87_LAST:
        /* the x87 FPU and WAIT (fpu_helper.c) */
        if (d->flags & INSN_F_MEM) {
            bool write;
            unsigned len = x87_mem_access(d, &write);
            helper_x87(env, d, ea_off(env, d), ea(env, d, len, write));
        } else {
            helper_x87(env, d, 0, 0);
        }
        break;

    case OP_SLDT:
    case OP_STR:
        if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        if ((env->cr[4] & CR4_UMIP) && cpl(env) > 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        st_E(env, d, sz, d->op == OP_SLDT ? env->ldt.selector : env->tr.selector);
        break;
    case OP_LLDT:
    case OP_LTR:
        if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        a = ld_E(env, d, 1);
        if (d->op == OP_LLDT) {
            helper_lldt(env, a);
        } else {
            helper_ltr(env, a);
        }
        break;
    case OP_VERR:
    case OP_VERW:
        if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        a = ld_E(env, d, 1);
        set_flags_partial(env, CC_Z,
                          helper_verr_verw(env, a, d->op == OP_VERW) ? CC_Z : 0);
        break;
    case OP_SGDT:
    case OP_SIDT: {
        if ((env->cr[4] & CR4_UMIP) && cpl(env) > 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        DescTable *t = d->op == OP_SGDT ? &env->gdt : &env->idt;
        uint64_t lin = ea(env, d, (env->hflags & HF_CS64) ? 10 : 6, true);
        uint64_t base = t->base;
        probe_write(env, lin, (env->hflags & HF_CS64) ? 10 : 6, cpu_mmu_index(env));
        cpu_st(env, lin, 1, t->limit);
        if (env->hflags & HF_CS64) {
            cpu_st(env, lin + 2, 3, base);
        } else {
            /* a 16-bit operand stores 24 bits of base with Intel CPUs
             * writing the fourth byte as well; we store 32 bits of the base */
            cpu_st(env, (uint32_t)(lin + 2), 2, sz == 1 ? base & 0xffffff : base);
        }
        break;
    }
    case OP_LGDT:
    case OP_LIDT: {
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        uint64_t lin = ea(env, d, (env->hflags & HF_CS64) ? 10 : 6, false);
        uint32_t limit = cpu_ld(env, lin, 1);
        uint64_t base;
        if (env->hflags & HF_CS64) {
            base = cpu_ld(env, lin + 2, 3);
        } else {
            base = cpu_ld(env, (uint32_t)(lin + 2), 2);
            if (sz == 1) {
                base &= 0xffffff;
            }
        }
        DescTable *t = d->op == OP_LGDT ? &env->gdt : &env->idt;
        t->base = base;
        t->limit = limit;
        break;
    }
    case OP_SMSW:
        if ((env->cr[4] & CR4_UMIP) && cpl(env) > 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        st_E(env, d, sz, env->cr[0]);
        break;
    case OP_LMSW:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        a = ld_E(env, d, 1);
        /* LMSW sets PE but cannot clear it; it writes MP, EM, TS */
        helper_write_cr(env, 0, (env->cr[0] & ~0xeull) | (a & 0xf)
                        | (env->cr[0] & CR0_PE));
        break;
    case OP_INVLPG:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        /* no access, so no segment checks (SDM INVLPG) */
        tlb_flush_page(env, ea_nocheck(env, d->seg, ea_off(env, d)));
        break;
    case OP_SWAPGS:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        a = env->segs[R_GS].base;
        env->segs[R_GS].base = env->kernel_gs_base;
        env->kernel_gs_base = a;
        break;
    case OP_RDTSCP:
        if (!x86_cpu_has_feature(env_cpu(env), FEAT_8000_0001_EDX,
                                 CPUID_EXT2_RDTSCP)) {
            raise_exception(env, EXCP06_UD);
        }
        helper_rdtsc(env, true);
        break;
    case OP_RDTSC:
        helper_rdtsc(env, false);
        break;
    case OP_LAR:
    case OP_LSL: {
        if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        uint32_t out;
        a = ld_E(env, d, 1);
        if (helper_lar_lsl(env, a, d->op == OP_LSL, &out)) {
            reg_set(env, d->reg, sz, out);
            set_flags_partial(env, CC_Z, CC_Z);
        } else {
            set_flags_partial(env, CC_Z, 0);
        }
        break;
    }
    case OP_SYSCALL:
        helper_syscall(env, next);
        return;
    case OP_SYSRET:
        helper_sysret(env, sz);
        return;
    case OP_SYSENTER:
        helper_sysenter(env);
        return;
    case OP_SYSEXIT:
        helper_sysexit(env, sz);
        return;
    case OP_CLTS:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        env->cr[0] &= ~(uint64_t)CR0_TS;
        break;
    case OP_INVD:
    case OP_WBINVD:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        break;
    case OP_MOV_R_CR:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        reg_set(env, d->rm, sz, helper_read_cr(env, d->reg));
        break;
    case OP_MOV_CR_R:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        helper_write_cr(env, d->reg, reg_get(env, d->rm, sz));
        break;
    case OP_MOV_R_DR:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        if (d->reg >= 8 || ((d->reg == 4 || d->reg == 5) && (env->cr[4] & CR4_DE))) {
            raise_exception(env, EXCP06_UD);
        }
        {
            int n = d->reg == 4 ? 6 : d->reg == 5 ? 7 : d->reg;
            reg_set(env, d->rm, sz, env->dr[n]);
        }
        break;
    case OP_MOV_DR_R:
        if (cpl(env) != 0) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        helper_mov_dr(env, d->reg, reg_get(env, d->rm, sz));
        break;
    case OP_WRMSR:
        helper_wrmsr(env);
        break;
    case OP_RDMSR:
        helper_rdmsr(env);
        break;
    case OP_RDPMC:
        if (cpl(env) != 0 && !(env->cr[4] & CR4_PCE)) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        /* no performance counters are modelled: they read 0 */
        env->regs[R_EAX] = 0;
        env->regs[R_EDX] = 0;
        break;
    case OP_CPUID:
        helper_cpuid(env);
        break;
    case OP_CMOV:
        a = ld_E(env, d, sz);
        if (cc_test_inline(env, d->imm2)) {
            reg_set(env, d->reg, sz, a);
        } else if (sz == 2) {
            /* a 32-bit CMOV zero-extends even when the move is not done */
            reg_set(env, d->reg, 2, reg_get(env, d->reg, 2));
        }
        break;
    case OP_SETCC:
        st_E(env, d, 0, cc_test_inline(env, d->imm2));
        break;

    case OP_BT_EG:
    case OP_BT_EI: {
        unsigned bits = 8u << sz;
        uint64_t lin = 0, v;
        int64_t off;
        unsigned bit;
        bool has_lin = d->flags & INSN_F_MEM;
        if (d->op == OP_BT_EG) {
            off = sext(reg_get(env, d->reg, sz), sz);
        } else {
            off = d->imm & (bits - 1);
        }
        if (has_lin) {
            /* register bit offsets reach beyond the operand (SDM BT) */
            uint64_t eoff = ea_off(env, d);
            if (d->op == OP_BT_EG) {
                eoff = (eoff + ((off >> (3 + sz)) << sz)) & amask(d->asz);
            }
            lin = seg_lin(env, d->seg, eoff, 1u << sz, d->imm2 != 0);
            bit = off & (bits - 1);
            v = d->imm2 == 0 ? cpu_ld(env, lin, sz) : ld_rmw(env, lin, sz);
        } else {
            bit = off & (bits - 1);
            v = reg_get(env, d->rm, sz);
        }
        bool cf = (v >> bit) & 1;
        switch (d->imm2) {
        case 1: v |= 1ull << bit; break;
        case 2: v &= ~(1ull << bit); break;
        case 3: v ^= 1ull << bit; break;
        }
        if (d->imm2) {
            if (has_lin) {
                cpu_st(env, lin, sz, v);
            } else {
                reg_set(env, d->rm, sz, v);
            }
        }
        set_flags_partial(env, CC_C, cf ? CC_C : 0);
        break;
    }
    case OP_CMPXCHG: {
        uint64_t lin = 0;
        uint64_t acc = reg_get(env, R_EAX, sz);
        if (d->flags & INSN_F_MEM) {
            lin = ea(env, d, 1u << sz, true);
            a = ld_rmw(env, lin, sz);
        } else {
            a = reg_get(env, d->rm, sz);
        }
        alu(env, 7, sz, acc, a);
        if (acc == a) {
            st_E(env, d, sz, reg_get(env, d->reg, sz));
        } else {
            if (d->flags & INSN_F_MEM) {
                cpu_st(env, lin, sz, a);
            }
            reg_set(env, R_EAX, sz, a);
        }
        break;
    }
    case OP_CMPXCHG8B: {
        uint64_t lin = ea(env, d, sz == 3 ? 16 : 8, true);
        if (sz == 3) {
            if (lin & 15) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
            uint64_t lo = ld_rmw(env, lin, 3);
            uint64_t hi = ld_rmw(env, lin + 8, 3);
            bool eq = lo == env->regs[R_EAX] && hi == env->regs[R_EDX];
            if (eq) {
                cpu_st(env, lin, 3, env->regs[R_EBX]);
                cpu_st(env, lin + 8, 3, env->regs[R_ECX]);
            } else {
                cpu_st(env, lin, 3, lo);
                cpu_st(env, lin + 8, 3, hi);
                env->regs[R_EAX] = lo;
                env->regs[R_EDX] = hi;
            }
            set_flags_partial(env, CC_Z, eq ? CC_Z : 0);
        } else {
            uint64_t v = ld_rmw(env, lin, 3);
            uint64_t cmp = (env->regs[R_EDX] & 0xffffffff) << 32
                           | (env->regs[R_EAX] & 0xffffffff);
            bool eq = v == cmp;
            if (eq) {
                cpu_st(env, lin, 3, (env->regs[R_ECX] & 0xffffffff) << 32
                                    | (env->regs[R_EBX] & 0xffffffff));
            } else {
                cpu_st(env, lin, 3, v);
                reg_set(env, R_EAX, 2, v);
                reg_set(env, R_EDX, 2, v >> 32);
            }
            set_flags_partial(env, CC_Z, eq ? CC_Z : 0);
        }
        break;
    }
    case OP_XADD: {
        uint64_t lin = 0;
        b = reg_get(env, d->reg, sz);
        if (d->flags & INSN_F_MEM) {
            lin = ea(env, d, 1u << sz, true);
            a = ld_rmw(env, lin, sz);
            r = a + b;
            cpu_st(env, lin, sz, r);
            reg_set(env, d->reg, sz, a);
        } else {
            a = reg_get(env, d->rm, sz);
            r = a + b;
            reg_set(env, d->reg, sz, a);
            reg_set(env, d->rm, sz, r);
        }
        set_cc(env, CC_K_ADD, sz, r, b);
        break;
    }
    case OP_BSWAP:
        if (sz == 3) {
            env->regs[d->reg] = __builtin_bswap64(env->regs[d->reg]);
        } else if (sz == 2) {
            reg_set(env, d->reg, 2, __builtin_bswap32(env->regs[d->reg]));
        } else {
            /* 16-bit BSWAP is undefined; real CPUs clear the register */
            reg_set(env, d->reg, 1, 0);
        }
        break;
    case OP_MOVZX:
        reg_set(env, d->reg, sz, ld_E(env, d, d->imm2));
        break;
    case OP_MOVSX:
        reg_set(env, d->reg, sz, (uint64_t)sext(ld_E(env, d, d->imm2), d->imm2));
        break;
    case OP_POPCNT:
        a = ld_E(env, d, sz);
        r = __builtin_popcountll(a);
        reg_set(env, d->reg, sz, r);
        set_cc(env, CC_K_BMI, sz, r, 0);
        break;
    case OP_TZCNT: {
        if (!x86_cpu_has_feature(env_cpu(env), FEAT_7_0_EBX, CPUID_7_0_EBX_BMI1)) {
            goto bsf;
        }
        a = ld_E(env, d, sz);
        r = a ? (uint64_t)__builtin_ctzll(a) : (8u << sz);
        reg_set(env, d->reg, sz, r);
        set_cc(env, CC_K_BMI, sz, r, a == 0);
        break;
    }
    case OP_LZCNT: {
        if (!x86_cpu_has_feature(env_cpu(env), FEAT_8000_0001_ECX, CPUID_EXT3_ABM)) {
            goto bsr;
        }
        a = ld_E(env, d, sz);
        r = a ? (uint64_t)(__builtin_clzll(a) - (64 - (8 << sz))) : (8u << sz);
        reg_set(env, d->reg, sz, r);
        set_cc(env, CC_K_BMI, sz, r, a == 0);
        break;
    }
    case OP_BSF:
    bsf:
        a = ld_E(env, d, sz);
        if (a == 0) {
            set_flags_partial(env, CC_Z, CC_Z);
        } else {
            reg_set(env, d->reg, sz, __builtin_ctzll(a));
            set_flags_partial(env, CC_Z, 0);
        }
        break;
    case OP_BSR:
    bsr:
        a = ld_E(env, d, sz);
        if (a == 0) {
            set_flags_partial(env, CC_Z, CC_Z);
        } else {
            reg_set(env, d->reg, sz, 63 - __builtin_clzll(a));
            set_flags_partial(env, CC_Z, 0);
        }
        break;
    case OP_MOVBE_GM:
        a = cpu_ld(env, ea(env, d, 1u << sz, false), sz);
        a = sz == 3 ? __builtin_bswap64(a) : sz == 2 ? __builtin_bswap32(a)
                                                     : __builtin_bswap16(a);
        reg_set(env, d->reg, sz, a);
        break;
    case OP_MOVBE_MG:
        a = reg_get(env, d->reg, sz);
        a = sz == 3 ? __builtin_bswap64(a) : sz == 2 ? __builtin_bswap32(a)
                                                     : __builtin_bswap16(a);
        cpu_st(env, ea(env, d, 1u << sz, true), sz, a);
        break;
    case OP_RDFSGSBASE:
    case OP_WRFSGSBASE:
        if (!(env->cr[4] & CR4_FSGSBASE)) {
            raise_exception(env, EXCP06_UD);
        }
        if (d->op == OP_RDFSGSBASE) {
            reg_set(env, d->rm, sz, env->segs[d->imm2].base);
        } else {
            a = reg_get(env, d->rm, sz);
            if ((uint64_t)(((int64_t)a << 16) >> 16) != a) {
                raise_exception_err(env, EXCP0D_GP, 0);
            }
            env->segs[d->imm2].base = a;
        }
        break;

    case OP_SSE:
        /* helper_sse computes its operand's address with helper_ea, which
         * knows the size and direction of the access */
        helper_sse(env, d);
        break;

    /* BMI1 (SDM vol. 2): VEX-encoded, imm2 holds VEX.vvvv */
    case OP_ANDN:
    case OP_BEXTR:
    case OP_BLSI:
    case OP_BLSMSK:
    case OP_BLSR: {
        /* VEX is #UD in real and virtual-8086 mode (SDM vol. 2 2.3.2);
         * checked here since decoding does not depend on CR0.PE or VM */
        if (!x86_cpu_has_feature(env_cpu(env), FEAT_7_0_EBX, CPUID_7_0_EBX_BMI1)
            || !(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
            raise_exception(env, EXCP06_UD);
        }
        uint64_t m = sz == 3 ? ~0ull : 0xffffffffull;
        unsigned bits = 8u << sz;
        a = ld_E(env, d, sz);
        b = reg_get(env, d->imm2, sz);
        if (d->op == OP_ANDN) {
            r = ~b & a & m;
            reg_set(env, d->reg, sz, r);
            set_cc(env, CC_K_LOGIC, sz, r, 0);      /* CF = OF = 0 */
            break;
        }
        if (d->op == OP_BEXTR) {
            unsigned start = b & 0xff, len = (b >> 8) & 0xff;
            r = start < bits ? a >> start : 0;
            if (len < 64) {
                r &= (1ull << len) - 1;
            }
            reg_set(env, d->reg, sz, r);
            set_cc(env, CC_K_LOGIC, sz, r, 0);      /* ZF; CF = OF = 0 */
            break;
        }
        /* BLSI: CF = source non-zero; BLSMSK, BLSR: CF = source zero */
        uint32_t f;
        if (d->op == OP_BLSI) {
            r = -a & a & m;
            f = a ? CC_C : 0;
        } else {
            r = (d->op == OP_BLSMSK ? (a - 1) ^ a : (a - 1) & a) & m;
            f = a ? 0 : CC_C;
        }
        f |= r == 0 ? CC_Z : 0;
        f |= (r >> (bits - 1)) & 1 ? CC_S : 0;
        f |= __builtin_parity(r & 0xff) ? 0 : CC_P;
        reg_set(env, d->imm2, sz, r);
        env->cc_src = f;
        env->cc_op = CC_OP_EFLAGS;
        break;
    }
    case OP_UD:
        helper_unimplemented(env, d);
    default:
        __builtin_unreachable();
    }
    env->rip = next;
}

/* ea() for the helpers in other files (sse_helper.c). */
uint64_t helper_ea(CPUX86State *env, const DecodedInsn *d, unsigned len,
                   bool write)
{
    return ea(env, d, len, write);
}

void helper_unimplemented(CPUX86State *env, const DecodedInsn *d)
{
    /* UD2 is meant to raise #UD; anything else we decode to OP_UD is an
     * encoding we do not model (or an invalid one) and is logged */
    bool ud2 = d->op == OP_UD && d->imm2 == 0x0b;
    if (!ud2 && qemu_loglevel_mask(LOG_UNIMP)) {
        uint8_t bytes[15];
        uint64_t pc = ea_nocheck(env, R_CS, env->rip);
        unsigned n = d->len ? d->len : 4;
        GString *s = g_string_new(NULL);
        for (unsigned i = 0; i < n && i < 15; i++) {
            bytes[i] = cpu_ld(env, pc + i, 0);
            g_string_append_printf(s, " %02x", bytes[i]);
        }
        qemu_log_mask(LOG_UNIMP, "unimplemented or invalid instruction at "
                      "%04x:%016" PRIx64 ":%s -> #UD\n",
                      env->segs[R_CS].selector, env->rip, s->str);
        g_string_free(s, true);
    }
    raise_exception(env, EXCP06_UD);
}

/* PUSH/POP r64 after a TLB miss: a non-canonical RSP is #SS(0) (a TLB hit
 * is canonical, so the fast path needs no test), else the usual slow path. */
static __attribute__((noinline)) void stack64_st_slow(CPUX86State *env,
                                                      uint64_t sp, uint64_t v)
{
    seg_lin(env, R_SS, sp, 8, true);
    st_slow(env, sp, 3, v, cpu_mmu_index(env));
}

static __attribute__((noinline)) uint64_t stack64_ld_slow(CPUX86State *env,
                                                          uint64_t sp)
{
    seg_lin(env, R_SS, sp, 8, false);
    return ld_slow(env, sp, 3, cpu_mmu_index(env));
}

/*
 * Run one block, at most `max` instructions of it. Returns how many ran.
 * RIP is kept at the current instruction, so an exception reports it.
 */
/*
 * Run one block, at most `max` instructions of it; returns how many ran.
 * RIP is kept at the current instruction, so an exception reports it.
 * The most frequent forms (ops.h FAST_OPS) are threaded: each ends by
 * jumping straight to the next instruction's handler (labels as values);
 * everything else goes through exec_insn's switch.
 */
static inline bool events_actionable(CPUX86State *env, uint32_t req);

static unsigned exec_block(CPUX86State *env, TBlock *tb, unsigned max)
{
    /* every op defaults to the switch; the fast ones override that */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static const void *const handlers[OP_COUNT] = {
        [0 ... OP_COUNT - 1] = &&L_SLOW,
        RR_TABLE(L)
        RR_TABLE(Q)
#define ALU_GENERIC_TABLE(n) \
        [OP_ADD_EG + n] = &&L_ALU_EG_##n, [OP_ADD_GE + n] = &&L_ALU_GE_##n, \
        [OP_ADD_EI + n] = &&L_ALU_EI_##n,
        ALU_GENERIC_TABLE(0) ALU_GENERIC_TABLE(1) ALU_GENERIC_TABLE(2)
        ALU_GENERIC_TABLE(3) ALU_GENERIC_TABLE(4) ALU_GENERIC_TABLE(5)
        ALU_GENERIC_TABLE(6) ALU_GENERIC_TABLE(7)
#undef ALU_GENERIC_TABLE
        [OP_MOV_EI] = &&L_MOV_EI, [OP_MOV_EG] = &&L_MOV_EG,
        [OP_MOV_GE] = &&L_MOV_GE, [OP_TEST_EI] = &&L_TEST_EI,
        [OP_TEST_EG] = &&L_TEST_EG, [OP_MOVZX] = &&L_MOVZX,
        [OP_MOVSX] = &&L_MOVSX, [OP_LEA] = &&L_LEA, [OP_PUSH_R] = &&L_PUSH_R,
        [OP_POP_R] = &&L_POP_R, [OP_NOP] = &&L_NOP, [OP_NOP_E] = &&L_NOP_E,
        [OP_JCC] = &&L_JCC, [OP_JMP_REL] = &&L_JMP_REL,
        [OP_CALL_REL] = &&L_CALL_REL, [OP_RET] = &&L_RET,
        [OP_MOV_RR_L] = &&L_MOV_RR_L,
        [OP_MOV_RR_Q] = &&L_MOV_RR_Q,
        [OP_MOV_RM_L] = &&L_MOV_RM_L,
        [OP_MOV_RM_Q] = &&L_MOV_RM_Q,
        [OP_MOV_MR_L] = &&L_MOV_MR_L,
        [OP_MOV_MR_Q] = &&L_MOV_MR_Q,
        [OP_MOV_RI_L] = &&L_MOV_RI_L,
        [OP_MOV_RI_Q] = &&L_MOV_RI_Q,
        [OP_TEST_RR_L] = &&L_TEST_RR_L,
        [OP_TEST_RR_Q] = &&L_TEST_RR_Q,
        [OP_INC_R_L] = &&L_INC_R_L,
        [OP_INC_R_Q] = &&L_INC_R_Q,
        [OP_DEC_R_L] = &&L_DEC_R_L,
        [OP_DEC_R_Q] = &&L_DEC_R_Q,
        [OP_PUSH_R_Q] = &&L_PUSH_R_Q,
        [OP_POP_R_Q] = &&L_POP_R_Q,
        [OP_LEA_Q] = &&L_LEA_Q,
        [OP_PUSH_R_L] = &&L_PUSH_R_L,
        [OP_POP_R_L] = &&L_POP_R_L,
        [OP_LEA_L] = &&L_LEA_L,
        [OP_MOVZX_B_L] = &&L_MOVZX_B_L,
        [OP_MOVZX_B_RM_L] = &&L_MOVZX_B_RM_L,
        [OP_SHL_RI_L] = &&L_SHL_RI_L,
        [OP_SHL_RI_Q] = &&L_SHL_RI_Q,
        [OP_SHR_RI_L] = &&L_SHR_RI_L,
        [OP_SHR_RI_Q] = &&L_SHR_RI_Q,
        [OP_SAR_RI_L] = &&L_SAR_RI_L,
        [OP_SAR_RI_Q] = &&L_SAR_RI_Q,
        [OP_NEG_R_L] = &&L_NEG_R_L,
        [OP_NEG_R_Q] = &&L_NEG_R_Q,
        [OP_NOT_R_L] = &&L_NOT_R_L,
        [OP_NOT_R_Q] = &&L_NOT_R_Q,
        [OP_IMUL_RRI_L] = &&L_IMUL_RRI_L,
        [OP_IMUL_RRI_Q] = &&L_IMUL_RRI_Q,
        [OP_MOV_MI_L] = &&L_MOV_MI_L,
        [OP_MOV_MI_B] = &&L_MOV_MI_B,
        [OP_CMP_MI_B] = &&L_CMP_MI_B,
        [OP_JCC_O] = &&L_JCC_0, [OP_JCC_NO] = &&L_JCC_1,
        [OP_JCC_B] = &&L_JCC_2, [OP_JCC_AE] = &&L_JCC_3,
        [OP_JCC_E] = &&L_JCC_4, [OP_JCC_NE] = &&L_JCC_5,
        [OP_JCC_BE] = &&L_JCC_6, [OP_JCC_A] = &&L_JCC_7,
        [OP_JCC_S] = &&L_JCC_8, [OP_JCC_NS] = &&L_JCC_9,
        [OP_JCC_P] = &&L_JCC_10, [OP_JCC_NP] = &&L_JCC_11,
        [OP_JCC_L] = &&L_JCC_12, [OP_JCC_GE] = &&L_JCC_13,
        [OP_JCC_LE] = &&L_JCC_14, [OP_JCC_G] = &&L_JCC_15,
    };
#pragma GCC diagnostic pop
    const DecodedInsn *d = tb->insns;
    const DecodedInsn *end = d + (tb->n < max ? tb->n : max);
    uint64_t a, b, r;
    X86TCGState *const s = env->tcg;

    if (unlikely(env->hflags & HF_CS_LIMIT)
        && env->rip + tb->size - 1 > env->segs[R_CS].limit) {
        /* fetching past the CS limit raises #GP(0) at the instruction
         * that crosses it (SDM vol. 3A 5.3); those before it run */
        uint64_t ip = env->rip;
        const DecodedInsn *e = d;
        while (e < end && ip + e->len - 1 <= env->segs[R_CS].limit) {
            ip += e->len;
            e++;
        }
        if (e == d) {
            raise_exception_err(env, EXCP0D_GP, 0);
        }
        end = e;
    }

    env->end_block = false;
    uint64_t start_rip = env->rip;
    int loop_room = (int)max - (int)tb->n;
    unsigned looped = 0;
/* register-only forms cannot end the block early */
#define FAST_NEXT do { \
        env->rip += d->len; \
        if (unlikely(++d >= end)) { \
            goto out; \
        } \
        goto *handlers[d->op]; \
    } while (0)
/* stores may reach MMIO or decoded code, which ends the block */
#define FAST_NEXT_CHECK do { \
        env->rip += d->len; \
        if (unlikely(++d >= end || env->end_block)) { \
            goto out; \
        } \
        goto *handlers[d->op]; \
    } while (0)

    goto *handlers[d->op];

    RR_ALL(L, 2, M32)
    RR_ALL(Q, 3, M64)
    L_MOV_RR_L:
        env->regs[d->rm] = (uint32_t)env->regs[d->reg];
        FAST_NEXT;
    L_MOV_RR_Q:
        env->regs[d->rm] = env->regs[d->reg];
        FAST_NEXT;
    L_MOV_RM_L:
        env->regs[d->reg] = cpu_ld(env, ea(env, d, 4, false), 2);
        FAST_NEXT;
    L_MOV_RM_Q:
        env->regs[d->reg] = cpu_ld(env, ea(env, d, 8, false), 3);
        FAST_NEXT;
    L_MOV_MR_L:
        cpu_st(env, ea(env, d, 4, true), 2, env->regs[d->reg]);
        FAST_NEXT_CHECK;
    L_MOV_MR_Q:
        cpu_st(env, ea(env, d, 8, true), 3, env->regs[d->reg]);
        FAST_NEXT_CHECK;
    L_MOV_RI_L:
        env->regs[d->reg] = (uint32_t)d->imm;
        FAST_NEXT;
    L_MOV_RI_Q:
        env->regs[d->reg] = d->imm;
        FAST_NEXT;
    L_TEST_RR_L:
        set_cc(env, CC_K_LOGIC, 2, env->regs[d->rm] & env->regs[d->reg], 0);
        FAST_NEXT;
    L_TEST_RR_Q:
        set_cc(env, CC_K_LOGIC, 3, env->regs[d->rm] & env->regs[d->reg], 0);
        FAST_NEXT;
    L_INC_R_L:
        a = get_cf(env);
        r = (uint32_t)(env->regs[d->rm] + 1);
        env->regs[d->rm] = r;
        set_cc(env, CC_K_INC, 2, r, a);
        FAST_NEXT;
    L_INC_R_Q:
        a = get_cf(env);
        r = env->regs[d->rm] + 1;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_INC, 3, r, a);
        FAST_NEXT;
    L_DEC_R_L:
        a = get_cf(env);
        r = (uint32_t)(env->regs[d->rm] - 1);
        env->regs[d->rm] = r;
        set_cc(env, CC_K_DEC, 2, r, a);
        FAST_NEXT;
    L_DEC_R_Q:
        a = get_cf(env);
        r = env->regs[d->rm] - 1;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_DEC, 3, r, a);
        FAST_NEXT;
    L_PUSH_R_Q: {
        uint64_t sp = env->regs[R_ESP] - 8;
        TLBEntry *e = &env->tcg->tlb[cpu_mmu_index(env)][(sp >> PAGE_BITS)
                                                         & (TLB_SIZE - 1)];
        if (likely(e->addr_write == (sp & PAGE_MASK) && (sp & 0xfff) <= 0xff8)) {
            stn_host((void *)(uintptr_t)(sp + e->addend), 3, env->regs[d->reg]);
        } else {
            stack64_st_slow(env, sp, env->regs[d->reg]);
        }
        env->regs[R_ESP] = sp;
        FAST_NEXT_CHECK;
    }
    L_POP_R_Q: {
        uint64_t sp = env->regs[R_ESP];
        TLBEntry *e = &env->tcg->tlb[cpu_mmu_index(env)][(sp >> PAGE_BITS)
                                                         & (TLB_SIZE - 1)];
        if (likely(e->addr_read == (sp & PAGE_MASK) && (sp & 0xfff) <= 0xff8)) {
            a = ldn_host((void *)(uintptr_t)(sp + e->addend), 3);
        } else {
            a = stack64_ld_slow(env, sp);
        }
        env->regs[R_ESP] = sp + 8;
        env->regs[d->reg] = a;
        FAST_NEXT;
    }
    /* 32-bit code: a flat 32-bit SS skips push()'s mask and checks */
    L_PUSH_R_L:
        if (likely((env->hflags & (HF_SS32 | HF_SEGCHK(R_SS))) == HF_SS32)) {
            uint32_t sp = (uint32_t)env->regs[R_ESP] - 4;
            cpu_st(env, (uint32_t)(sp + env->segs[R_SS].base), 2,
                   env->regs[d->reg]);
            env->regs[R_ESP] = sp;
        } else {
            push(env, 2, env->regs[d->reg]);
        }
        FAST_NEXT_CHECK;
    L_POP_R_L:
        if (likely((env->hflags & (HF_SS32 | HF_SEGCHK(R_SS))) == HF_SS32)) {
            uint32_t sp = (uint32_t)env->regs[R_ESP];
            a = cpu_ld(env, (uint32_t)(sp + env->segs[R_SS].base), 2);
            env->regs[R_ESP] = (uint32_t)(sp + 4);
        } else {
            a = pop(env, 2);
        }
        env->regs[d->reg] = (uint32_t)a;
        FAST_NEXT;
    L_LEA_L:
        a = (int64_t)d->disp;
        if (d->base != REG_NONE) {
            a += env->regs[d->base];
        }
        if (d->index != REG_NONE) {
            a += env->regs[d->index] << d->scale;
        }
        env->regs[d->reg] = (uint32_t)a;
        FAST_NEXT;
    L_LEA_Q:
        env->regs[d->reg] = ea_off(env, d);
        FAST_NEXT;
    L_MOVZX_B_L:
        env->regs[d->reg] = reg_get(env, d->rm, 0);
        FAST_NEXT;
    L_MOVZX_B_RM_L:
        env->regs[d->reg] = cpu_ld(env, ea(env, d, 1, false), 0);
        FAST_NEXT;
    /* shifts by a non-zero constant (masked at decode) */
    L_SHL_RI_L:
        a = (uint32_t)env->regs[d->rm];
        r = (uint32_t)(a << d->imm);
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SHL, 2, r, a << (d->imm - 1));
        FAST_NEXT;
    L_SHL_RI_Q:
        a = env->regs[d->rm];
        r = a << d->imm;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SHL, 3, r, a << (d->imm - 1));
        FAST_NEXT;
    L_SHR_RI_L:
        a = (uint32_t)env->regs[d->rm];
        r = a >> d->imm;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SAR, 2, r, a >> (d->imm - 1));
        env->cc_src2 = a >> 31;
        FAST_NEXT;
    L_SHR_RI_Q:
        a = env->regs[d->rm];
        r = a >> d->imm;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SAR, 3, r, a >> (d->imm - 1));
        env->cc_src2 = a >> 63;
        FAST_NEXT;
    L_SAR_RI_L: {
        int32_t sa = (int32_t)env->regs[d->rm];
        r = (uint32_t)(sa >> d->imm);
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SAR, 2, r, (uint64_t)(sa >> (d->imm - 1)));
        env->cc_src2 = 0;
        FAST_NEXT;
    }
    L_SAR_RI_Q: {
        int64_t sa = (int64_t)env->regs[d->rm];
        r = (uint64_t)(sa >> d->imm);
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SAR, 3, r, (uint64_t)(sa >> (d->imm - 1)));
        env->cc_src2 = 0;
        FAST_NEXT;
    }
    L_NEG_R_L:
        a = (uint32_t)env->regs[d->rm];
        r = (uint32_t)-a;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SUB, 2, r, a);
        FAST_NEXT;
    L_NEG_R_Q:
        a = env->regs[d->rm];
        r = -a;
        env->regs[d->rm] = r;
        set_cc(env, CC_K_SUB, 3, r, a);
        FAST_NEXT;
    L_NOT_R_L:
        env->regs[d->rm] = (uint32_t)~env->regs[d->rm];
        FAST_NEXT;
    L_NOT_R_Q:
        env->regs[d->rm] = ~env->regs[d->rm];
        FAST_NEXT;
    L_IMUL_RRI_L: {
        int64_t sr = (int64_t)(int32_t)env->regs[d->rm] * (int32_t)d->imm;
        r = (uint32_t)sr;
        env->regs[d->reg] = r;
        set_cc(env, CC_K_MUL, 2, r, sr != (int32_t)sr);
        FAST_NEXT;
    }
    L_IMUL_RRI_Q: {
        __int128 sr = (__int128)(int64_t)env->regs[d->rm] * (int64_t)d->imm;
        r = (uint64_t)sr;
        env->regs[d->reg] = r;
        set_cc(env, CC_K_MUL, 3, r, sr != (int64_t)r);
        FAST_NEXT;
    }
    L_MOV_MI_L:
        cpu_st(env, ea(env, d, 4, true), 2, (uint32_t)d->imm);
        FAST_NEXT_CHECK;
    L_MOV_MI_B:
        cpu_st(env, ea(env, d, 1, true), 0, (uint8_t)d->imm);
        FAST_NEXT_CHECK;
    L_CMP_MI_B:
        a = cpu_ld(env, ea(env, d, 1, false), 0);
        alu(env, 7, 0, a, d->imm);
        FAST_NEXT;

    /* generic forms of frequent instructions, any size */
#define ALU_GENERIC(n) \
    L_ALU_EG_##n: do_alu(env, d, F_EG, n); FAST_NEXT_CHECK; \
    L_ALU_GE_##n: do_alu(env, d, F_GE, n); FAST_NEXT; \
    L_ALU_EI_##n: do_alu(env, d, F_EI, n); FAST_NEXT_CHECK;
    ALU_GENERIC(0) ALU_GENERIC(1) ALU_GENERIC(2) ALU_GENERIC(3)
    ALU_GENERIC(4) ALU_GENERIC(5) ALU_GENERIC(6) ALU_GENERIC(7)
#undef ALU_GENERIC
L_MOV_EI:
    st_E(env, d, d->sz, d->imm);
    FAST_NEXT_CHECK;
L_MOV_EG:
    st_E(env, d, d->sz, reg_get(env, d->reg, d->sz));
    FAST_NEXT_CHECK;
L_MOV_GE:
    reg_set(env, d->reg, d->sz, ld_E(env, d, d->sz));
    FAST_NEXT;
L_TEST_EI:
    a = ld_E(env, d, d->sz);
    set_cc(env, CC_K_LOGIC, d->sz, a & d->imm, 0);
    FAST_NEXT;
L_TEST_EG:
    a = ld_E(env, d, d->sz);
    set_cc(env, CC_K_LOGIC, d->sz, a & reg_get(env, d->reg, d->sz), 0);
    FAST_NEXT;
L_MOVZX:
    reg_set(env, d->reg, d->sz, ld_E(env, d, d->imm2));
    FAST_NEXT;
L_MOVSX:
    reg_set(env, d->reg, d->sz, (uint64_t)sext(ld_E(env, d, d->imm2), d->imm2));
    FAST_NEXT;
L_LEA:
    reg_set(env, d->reg, d->sz, ea_off(env, d));
    FAST_NEXT;
L_PUSH_R:
    push(env, d->sz, env->regs[d->reg]);
    FAST_NEXT_CHECK;
L_POP_R:
    a = pop(env, d->sz);
    reg_set(env, d->reg, d->sz, a);
    FAST_NEXT;
L_NOP:
L_NOP_E:
    FAST_NEXT;
    /* branches end the block; Jcc with its condition fixed at decode */
#define JCC_LABEL(c) \
L_JCC_##c: \
    if (cc_test_inline(env, c)) { \
        goto jcc_taken; \
    } \
    FAST_NEXT;
    JCC_LABEL(0) JCC_LABEL(1) JCC_LABEL(2) JCC_LABEL(3)
    JCC_LABEL(4) JCC_LABEL(5) JCC_LABEL(6) JCC_LABEL(7)
    JCC_LABEL(8) JCC_LABEL(9) JCC_LABEL(10) JCC_LABEL(11)
    JCC_LABEL(12) JCC_LABEL(13) JCC_LABEL(14) JCC_LABEL(15)
#undef JCC_LABEL
L_JCC:
    if (cc_test_inline(env, d->sub)) {
jcc_taken: ;
        uint64_t target = (env->rip + d->len + d->imm) & ip_mask(d->sz);
        jump_to(env, target);
        /* a loop back to the block's start runs again here, without a
         * trip through the execution loop, while the budget allows a full
         * pass (events are still polled at least every `max` insns) */
        if (target == start_rip) {
            int done = d + 1 - tb->insns;
            if (likely((int)looped + done <= loop_room)) {
                looped += done;
                d = tb->insns;
                goto *handlers[d->op];
            }
        }
        d++;
        goto chain;
    }
    FAST_NEXT;
L_JMP_REL:
    jump_to(env, (env->rip + d->len + d->imm) & ip_mask(d->sz));
    d++;
    goto chain;
L_CALL_REL: {
    uint64_t next = env->rip + d->len;
    uint64_t target = (next + d->imm) & ip_mask(d->sz);
    check_target(env, target);
    push(env, d->sz, next);
    env->rip = target;
    d++;
    goto out;
}
L_RET: {
    uint64_t sp = env->regs[R_ESP];
    a = cpu_ld(env, stack_lin(env, sp, 1u << d->sz, false), d->sz);
    jump_to(env, a);
    set_sp(env, sp + (1u << d->sz) + d->imm);
    d++;
    goto out;
}
L_SLOW:
    exec_insn(env, d);
    if (unlikely(++d >= end || env->end_block)) {
        goto out;
    }
    goto *handlers[d->op];
chain: {
    /*
     * A direct branch changes nothing but RIP: when the loop has already
     * chained its target to this block, run that block from here instead
     * of returning (what the loop would do between them is done here:
     * count what ran, poll events, respect the budget). Anything unusual
     * (an event to take, a single step, CS limit checks, a block freed or
     * the block cache flushed) goes back to the loop.
     */
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_RELAXED);
    if ((unlikely(req) && events_actionable(env, req))
        || (env->hflags & (HF_INHIBIT_IRQ | HF_CS_LIMIT))
        || (env->rflags & TF_MASK) || env->end_block
        || tb_free_list != NULL || s->prev_tb != tb) {
        goto out;
    }
    uint64_t pc = env->segs[R_CS].base + env->rip;
    if (!(env->hflags & HF_LMA)) {
        pc = (uint32_t)pc;
    }
    TBlock *next;
    if (tb->chain_pc[0] == pc && tb->chain_gen[0] == tb_generation) {
        next = tb->chain_tb[0];
    } else if (tb->chain_pc[1] == pc && tb->chain_gen[1] == tb_generation) {
        next = tb->chain_tb[1];
    } else {
        goto out;
    }
    unsigned ran = looped + (d - tb->insns);
    s->icount -= ran;
    total_insns += ran;
    if (s->icount <= 0) {
        return 0;
    }
    max = s->icount < BLOCK_MAX_INSNS ? (unsigned)s->icount : BLOCK_MAX_INSNS;
    tb = next;
    s->prev_tb = next;
    s->prev_pc = pc;
    s->run_tb = next;
    s->run_pc = pc;
    d = tb->insns;
    end = d + (tb->n < max ? tb->n : max);
    start_rip = env->rip;
    loop_room = (int)max - (int)tb->n;
    looped = 0;
    goto *handlers[d->op];
}
out:
    return looped + (d - tb->insns);
#undef FAST_NEXT
#undef FAST_NEXT_CHECK
}

/* --- the loop --- */

static void (*kick_fn)(X86CPU *cpu);
/* PAUSE ends the slice (other vCPUs wait in the round-robin loop). */
static bool pause_yields;

/*
 * The vCPU this thread is running; its X86TCGState has the block it is
 * executing and that block's linear start (run_tb, run_pc), so that the
 * instructions completed can be counted while it runs (a clock read under
 * -icount, an exception that unwinds out of it). They are plain fields,
 * not thread-locals, as they change with every block.
 */
static __thread CPUX86State *running_env;

/* Instructions of the running block completed before the one at RIP (RIP
 * stays at the current instruction while it executes). */
static unsigned running_block_progress(void)
{
    CPUX86State *env = running_env;

    if (!env || !env->tcg || !env->tcg->run_tb) {
        return 0;
    }
    const TBlock *tb = env->tcg->run_tb;
    uint64_t pc = env->segs[R_CS].base + env->rip;
    uint64_t at = env->tcg->run_pc;
    bool lma = env->hflags & HF_LMA;
    for (unsigned i = 0; i < tb->n; i++) {
        if ((lma ? at : (uint32_t)at) == (lma ? pc : (uint32_t)pc)) {
            return i;
        }
        at += tb->insns[i].len;
    }
    return 0;
}

uint64_t tcg_x86_insn_count_exact(void)
{
    return __atomic_load_n(&total_insns, __ATOMIC_RELAXED)
           + running_block_progress();
}

void tcg_x86_set_pause_yields(bool yields)
{
    pause_yields = yields;
}

void tcg_x86_set_kick(void (*kick)(X86CPU *cpu))
{
    kick_fn = kick;
}

void tcg_x86_cpu_interrupt(X86CPU *cpu, uint32_t mask)
{
    __atomic_fetch_or(&cpu->env.interrupt_request, mask, __ATOMIC_SEQ_CST);
    if (kick_fn) {
        kick_fn(cpu);
    }
}

void tcg_x86_set_interrupt_hooks(X86CPU *cpu, const X86InterruptHooks *hooks)
{
    /* the LAPIC is realized before the accelerator sets the vCPUs up */
    if (!cpu->accel_data) {
        tcg_x86_cpu_init(cpu);
    }
    X86TCGState *s = cpu->accel_data;
    s->hooks = hooks;
}

void tcg_mmu_register(X86TCGState *s);
void tcg_mmu_unregister(X86TCGState *s);

void tcg_x86_cpu_init(X86CPU *cpu)
{
    tb_init_tables();
    if (cpu->accel_data) {
        return;
    }
    X86TCGState *s = g_new0(X86TCGState, 1);
    s->cpu = cpu;
    cpu->accel_data = s;
    cpu->env.tcg = s;
    cpu->env.tcg_magic = 0;
    memset(s->tlb, 0xff, sizeof(s->tlb));
    s->fill_n = 0;
    tcg_mmu_register(s);
    tcg_register_msrs(cpu);
}

void tcg_x86_cpu_cleanup(X86CPU *cpu)
{
    X86TCGState *s = cpu->accel_data;
    if (!s) {
        return;
    }
    tcg_mmu_unregister(s);
    cpu->accel_data = NULL;
    cpu->env.tcg = NULL;
    cpu->env.tcg_magic = 0;
    g_free(s);
}

/* Bring the interpreter's caches in line with the architectural state after
 * someone else changed it (reset, loader, debugger). */
static void sync_on_entry(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    X86TCGState *s = cpu->accel_data;

    if (env->tcg_magic != TCG_MAGIC || env->tcg != s) {
        env->tcg = s;
        env->tcg_magic = TCG_MAGIC;
        env->old_exception = -1;
        env->nmi_blocked = false;
        env->hflags = 0;
        tlb_flush_local(env);
    }
    env->cc_src = env->rflags & CC_MASK;
    env->cc_op = CC_OP_EFLAGS;
    uint32_t inhibit = env->hflags & HF_INHIBIT_IRQ;
    update_hflags(env);
    env->hflags |= inhibit;
    if (s->tlb_cr0 != env->cr[0] || s->tlb_cr3 != env->cr[3]
        || s->tlb_cr4 != env->cr[4] || s->tlb_efer != env->efer) {
        tlb_flush_local(env);
    }
}

static void sync_on_exit(CPUX86State *env)
{
    env->rflags = cpu_get_eflags(env);
    env->cc_src = env->rflags & CC_MASK;
    env->cc_op = CC_OP_EFLAGS;
}

/* Could handle_events do anything with these requests now? A maskable
 * interrupt pending while IF=0 (or in a shadow) waits without costing a
 * call per block. */
static inline bool events_actionable(CPUX86State *env, uint32_t req)
{
    /* the usual waiting case first: a maskable interrupt alone, IF=0 */
    if (likely(!(req & ~X86_INTR_HARD)) && !(env->rflags & IF_MASK)) {
        return false;
    }
    bool shadow = env->hflags & HF_INHIBIT_IRQ;
    if (req & (X86_INTR_EXIT | X86_INTR_TLB_FLUSH | X86_INTR_SMI
               | X86_INTR_INIT | X86_INTR_SIPI)) {
        return true;
    }
    if ((req & X86_INTR_NMI) && !env->nmi_blocked && !shadow) {
        return true;
    }
    return (req & X86_INTR_HARD) && (env->rflags & IF_MASK) && !shadow;
}

/* Take a pending event if it is deliverable now; true if one was taken. */
static bool handle_events(X86CPU *cpu, X86ExecExit *exit)
{
    CPUX86State *env = &cpu->env;
    X86TCGState *s = cpu->accel_data;
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_ACQUIRE);

    if (!req) {
        return false;
    }
    if (req & X86_INTR_TLB_FLUSH) {
        __atomic_fetch_and(&env->interrupt_request, ~X86_INTR_TLB_FLUSH,
                           __ATOMIC_SEQ_CST);
        tlb_flush_local(env);
    }
    if (req & X86_INTR_EXIT) {
        __atomic_fetch_and(&env->interrupt_request, ~X86_INTR_EXIT,
                           __ATOMIC_SEQ_CST);
        *exit = X86_EXIT_REQUEST;
        return true;
    }
    if (req & X86_INTR_SMI) {
        __atomic_fetch_and(&env->interrupt_request, ~X86_INTR_SMI,
                           __ATOMIC_SEQ_CST);
        qemu_log_mask(LOG_UNIMP, "SMI received: SMM is not modelled\n");
    }
    if (req & (X86_INTR_INIT | X86_INTR_SIPI)) {
        /* INIT, then a start-up IPI (SDM vol. 3A 9.4.4, 12.6.1): neither is
         * masked by IF, the shadows or NMI blocking. The LAPIC performs them
         * (INIT reset, wait-for-SIPI; SIPI: CS:IP = vector << 8 : 0); a SIPI
         * that finds the vCPU running is dropped. The mode, flags and TLB
         * are then rebuilt from the new state on the next entry. */
        ApicIntr in = apic_intr_ack_mask(cpu, APIC_INTR_MASK(APIC_INTR_INIT)
                                              | APIC_INTR_MASK(APIC_INTR_SIPI));
        if (in.kind == APIC_INTR_NONE) {
            __atomic_fetch_and(&env->interrupt_request, ~X86_INTR_SIPI,
                               __ATOMIC_SEQ_CST);
        }
        env->cc_src = env->rflags & CC_MASK;
        env->cc_op = CC_OP_EFLAGS;
        env->hflags &= ~HF_INHIBIT_IRQ;
        env->tcg_magic = 0;
        *exit = X86_EXIT_REQUEST;
        return true;
    }
    if (env->hflags & HF_INHIBIT_IRQ) {
        return false;
    }
    if ((req & X86_INTR_NMI) && !env->nmi_blocked) {
        __atomic_fetch_and(&env->interrupt_request, ~X86_INTR_NMI,
                           __ATOMIC_SEQ_CST);
        env->run_state = X86_RUN_RUNNING;
        env->nmi_blocked = true;
        env->old_exception = -1;
        do_interrupt(env, EXCP02_NMI, false, false, 0, env->rip, true);
        return false;
    }
    if ((req & X86_INTR_HARD) && (env->rflags & IF_MASK) && s->hooks
        && s->hooks->has_interrupt && s->hooks->has_interrupt(cpu)) {
        int vec = s->hooks->ack_interrupt(cpu);
        if (vec >= 0) {
            env->run_state = X86_RUN_RUNNING;
            env->old_exception = -1;
            qemu_log_mask(CPU_LOG_INT, "hardware interrupt 0x%02x\n", vec);
            do_interrupt(env, vec, false, false, 0, env->rip, true);
        }
    }
    return false;
}

X86ExecExit tcg_x86_cpu_exec(X86CPU *cpu, int64_t max_insns)
{
    CPUX86State *env = &cpu->env;
    volatile X86ExecExit why = X86_EXIT_BUDGET;

    if (!cpu->accel_data) {
        tcg_x86_cpu_init(cpu);
    }
    X86TCGState *const s = cpu->accel_data;
    sync_on_entry(cpu);
    s->icount = max_insns;
    s->prev_tb = NULL;
    s->in_exec = true;
    running_env = env;
    s->run_tb = NULL;

    if (sigsetjmp(s->jmp, 0)) {
        /* an exception or software interrupt unwound to here */
        int vec = s->exception;
        /* the instructions of the block before the one that raised it */
        unsigned done = running_block_progress();
        s->run_tb = NULL;
        s->icount -= done;
        total_insns += done;
        s->prev_tb = NULL;
        sync_on_exit(env);
        env->cc_op = CC_OP_EFLAGS;
        tb_free_pending();
        if (vec < 0) {
            why = X86_EXIT_RESET;
            goto out;
        }
        if (!do_interrupt(env, vec, s->exception_is_int,
                          s->exception_has_error, s->error_code,
                          s->exception_next_rip, false)) {
            why = X86_EXIT_RESET;
            goto out;
        }
        s->icount--;
        total_insns++;
    }

    for (;;) {
        X86ExecExit ex;
        uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_RELAXED);
        if (unlikely(req) && events_actionable(env, req) && handle_events(cpu, &ex)) {
            why = ex;
            break;
        }
        if (unlikely(env->run_state != X86_RUN_RUNNING)) {
            why = X86_EXIT_HALTED;
            break;
        }
        if (unlikely(s->icount <= 0)) {
            why = X86_EXIT_BUDGET;
            break;
        }
        uint64_t pc = env->segs[R_CS].base + env->rip;
        if (!(env->hflags & HF_LMA)) {
            pc = (uint32_t)pc;
        }
        uint32_t dflags = env->hflags & HF_DECODE_MASK;
        TBlock *tb = NULL;
        TBlock *prev = s->prev_tb;
        /* chained successor: same linear page (so the same physical page
         * as the block that ran), same decode mode */
        bool chainable = prev && ((pc ^ s->prev_pc) & PAGE_MASK) == 0
                         && prev->hflags == dflags;
        if (chainable) {
            if (prev->chain_pc[0] == pc && prev->chain_gen[0] == tb_generation) {
                tb = prev->chain_tb[0];
            } else if (prev->chain_pc[1] == pc
                       && prev->chain_gen[1] == tb_generation) {
                tb = prev->chain_tb[1];
            }
        }
        if (!tb) {
            VTBEntry *ve = &s->vtb[(pc ^ (pc >> VTB_BITS)) & (VTB_SIZE - 1)];
            if (likely(ve->tb && ve->pc == pc && ve->flags == dflags)) {
                tb = ve->tb;
            } else {
                tb = tb_find(env, pc);
                if (!ve->tb && s->vtb_n <= VTB_FILL_LOG) {
                    /* newly used: log it for vtb_flush */
                    if (s->vtb_n < VTB_FILL_LOG) {
                        s->vtb_log[s->vtb_n] = ve - s->vtb;
                    }
                    s->vtb_n++;
                }
                ve->pc = pc;
                ve->flags = dflags;
                ve->tb = tb;
            }
            if (chainable && tb->phys2 == ~0ull) {
                int slot = prev->chain_gen[0] == tb_generation
                           && prev->chain_gen[1] != tb_generation;
                prev->chain_pc[slot] = pc;
                prev->chain_tb[slot] = tb;
                prev->chain_gen[slot] = tb_generation;
            }
        }
        s->prev_tb = tb;
        s->prev_pc = pc;
        bool single = (env->hflags & HF_INHIBIT_IRQ) || (env->rflags & TF_MASK);
        s->run_tb = tb;
        s->run_pc = pc;
        if (likely(!single)) {
            /* never past the budget: under -icount it ends at a deadline */
            unsigned max = s->icount < BLOCK_MAX_INSNS ? (unsigned)s->icount
                                                       : BLOCK_MAX_INSNS;
            unsigned ran = exec_block(env, tb, max);
            /* the block that ran last: it may have gone on to chained ones */
            tb = (TBlock *)s->run_tb;
            s->run_tb = NULL;
            s->icount -= ran;
            total_insns += ran;
            if (unlikely(tb_free_list != NULL)) {
                tb_free_pending();
            }
            /* a spin-wait: let the other vCPUs run (QEMU's helper_pause) */
            if (unlikely(pause_yields) && ran == tb->n
                && tb->insns[ran - 1].op == OP_PAUSE) {
                why = X86_EXIT_BUDGET;
                break;
            }
            continue;
        }
        bool tf = env->rflags & TF_MASK;
        unsigned ran = exec_block(env, tb, 1);
        s->run_tb = NULL;
        s->icount -= ran;
        total_insns += ran;
        {
            env->hflags &= ~HF_INHIBIT_IRQ;
            if (tf) {
                /* single-step trap after the instruction (SDM 18.3.1.4) */
                env->dr[6] |= 1u << 14;
                s->exception = EXCP01_DB;
                s->exception_has_error = false;
                s->exception_is_int = false;
                env->old_exception = -1;
                sync_on_exit(env);
                if (!do_interrupt(env, EXCP01_DB, false, false, 0, env->rip, true)) {
                    why = X86_EXIT_RESET;
                    break;
                }
            }
        }
        if (tb_free_list) {
            tb_free_pending();
        }
    }
out:
    sync_on_exit(env);
    s->in_exec = false;
    running_env = NULL;
    return why;
}
