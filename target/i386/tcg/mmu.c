/*
 * The interpreter's MMU: page-table walks for every paging mode (none,
 * 32-bit with 4 MiB pages, PAE, 4-level) with the SDM's permission rules
 * (vol. 3A 5.6 U/S and R/W with CR0.WP, 5.13 NX), accessed and dirty bits
 * (5.8), reserved-bit checks and #PF error codes (5.7), CR2; and the per-vCPU
 * soft TLB that caches, per virtual page and privilege, a host pointer to RAM
 * or a note that the page is MMIO. Accesses go through the vCPU's own
 * address space (cpu->as), so each vCPU sees its own LAPIC page. Pages that
 * hold decoded code are write-protected in every TLB; a store there
 * invalidates the decoded blocks first (self-modifying code).
 * Not modelled: SMEP/SMAP, protection keys, 5-level paging, PDPTE caching
 * at CR3 load (PAE PDPTEs are read on each walk).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "internal.h"

/* Every vCPU's interpreter state, to write-protect code in all TLBs. */
static GPtrArray *all_tcg_states;

void tcg_mmu_register(X86TCGState *s);
void tcg_mmu_unregister(X86TCGState *s);

void tcg_mmu_register(X86TCGState *s)
{
    if (!all_tcg_states) {
        all_tcg_states = g_ptr_array_new();
    }
    g_ptr_array_add(all_tcg_states, s);
}

void tcg_mmu_unregister(X86TCGState *s)
{
    if (all_tcg_states) {
        g_ptr_array_remove(all_tcg_states, s);
    }
}

void vtb_flush(X86TCGState *s)
{
    if (s->vtb_n <= VTB_FILL_LOG) {
        for (unsigned i = 0; i < s->vtb_n; i++) {
            s->vtb[s->vtb_log[i]].tb = NULL;
        }
    } else {
        memset(s->vtb, 0, sizeof(s->vtb));
    }
    s->vtb_n = 0;
    s->prev_tb = NULL;
}

void vtb_flush_all(void)
{
    if (!all_tcg_states) {
        return;
    }
    for (unsigned c = 0; c < all_tcg_states->len; c++) {
        vtb_flush(g_ptr_array_index(all_tcg_states, c));
    }
}

static void tlb_entry_clear(TLBEntry *e);

void tlb_flush_local(CPUX86State *env)
{
    X86TCGState *s = env->tcg;
    if (s->fill_n <= TLB_FILL_LOG) {
        for (unsigned i = 0; i < s->fill_n; i++) {
            unsigned k = s->fill_log[i];
            tlb_entry_clear(&s->tlb[k >> TLB_BITS][k & (TLB_SIZE - 1)]);
        }
    } else {
        memset(s->tlb, 0xff, sizeof(s->tlb));
    }
    s->fill_n = 0;
    memset(s->wpages, 0, sizeof(s->wpages));
    vtb_flush(s);
    s->tlb_has_large = false;
    s->tlb_cr0 = env->cr[0];
    s->tlb_cr3 = env->cr[3];
    s->tlb_cr4 = env->cr[4];
    s->tlb_efer = env->efer;
}

static void tlb_entry_clear(TLBEntry *e)
{
    e->addr_read = e->addr_write = e->addr_code = TLB_INVALID;
    e->global = false;
}

/* MOV to CR3 keeps global translations when CR4.PGE is set (SDM 4.10.4.1). */
void tlb_flush_nonglobal(CPUX86State *env)
{
    X86TCGState *s = env->tcg;
    if (!(env->cr[4] & CR4_PGE)) {
        tlb_flush_local(env);
        return;
    }
    if (s->fill_n <= TLB_FILL_LOG) {
        /* only logged entries can be valid; keep the global ones logged */
        unsigned kept = 0;
        for (unsigned i = 0; i < s->fill_n; i++) {
            unsigned k = s->fill_log[i];
            TLBEntry *e = &s->tlb[k >> TLB_BITS][k & (TLB_SIZE - 1)];
            if (e->global && e->addr_read != TLB_INVALID) {
                s->fill_log[kept++] = k;
            } else {
                tlb_entry_clear(e);
            }
        }
        s->fill_n = kept;
    } else {
        for (int m = 0; m < MMU_NB; m++) {
            for (int i = 0; i < TLB_SIZE; i++) {
                if (!s->tlb[m][i].global) {
                    tlb_entry_clear(&s->tlb[m][i]);
                }
            }
        }
    }
    vtb_flush(s);
    s->tlb_cr3 = env->cr[3];
}

void tlb_flush_page(CPUX86State *env, uint64_t lin)
{
    X86TCGState *s = env->tcg;
    if (s->tlb_has_large) {
        /* the page may be part of a large page cached as many 4K entries */
        tlb_flush_local(env);
        return;
    }
    for (int m = 0; m < MMU_NB; m++) {
        TLBEntry *e = &s->tlb[m][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
        tlb_entry_clear(e);
    }
    vtb_flush(s);
}

static inline unsigned wpage_bit(uint64_t phys_page)
{
    return (phys_page >> PAGE_BITS) & (TLB_WPAGE_BITS - 1);
}

static inline void tlb_code_bit_entry(TLBEntry *e, uint64_t phys_page, bool set)
{
    if (e->addr_write != TLB_INVALID && e->phys == phys_page) {
        if (set) {
            e->addr_write |= TLB_CODE;
        } else {
            e->addr_write &= ~(uint64_t)TLB_CODE;
        }
    }
}

/*
 * Set or clear TLB_CODE on every vCPU's writable entries for a physical
 * page. Only vCPUs whose wpages filter has the page are looked at, and of
 * those only the logged fills when the log has not overflowed: the cost
 * follows what is cached, not the size of the TLBs.
 */
static void tlb_code_bit(uint64_t phys_page, bool set)
{
    if (!all_tcg_states) {
        return;
    }
    unsigned bit = wpage_bit(phys_page);
    for (unsigned c = 0; c < all_tcg_states->len; c++) {
        X86TCGState *s = g_ptr_array_index(all_tcg_states, c);
        if (!(s->wpages[bit / 64] & (1ull << (bit % 64)))) {
            continue;
        }
        if (s->fill_n <= TLB_FILL_LOG) {
            for (unsigned i = 0; i < s->fill_n; i++) {
                unsigned k = s->fill_log[i];
                tlb_code_bit_entry(&s->tlb[k >> TLB_BITS][k & (TLB_SIZE - 1)],
                                   phys_page, set);
            }
            continue;
        }
        for (int m = 0; m < MMU_NB; m++) {
            for (int i = 0; i < TLB_SIZE; i++) {
                tlb_code_bit_entry(&s->tlb[m][i], phys_page, set);
            }
        }
    }
}

void tlb_protect_code(uint64_t phys_page)
{
    tlb_code_bit(phys_page, true);
}

static void tlb_unprotect_code(uint64_t phys_page)
{
    tlb_code_bit(phys_page, false);
}

/* --- physical accesses (page tables, the code fetch of MMIO) --- */

uint64_t phys_ld(CPUX86State *env, uint64_t phys, int sz)
{
    X86CPU *cpu = env_cpu(env);
    hwaddr len = 1u << sz;
    void *p = address_space_get_ram_ptr(&cpu->as, phys, &len, false);
    uint64_t v = 0;
    if (p && len >= (1u << sz)) {
        return ldn_host(p, sz);
    }
    bql_lock();
    address_space_ld(&cpu->as, phys, 1u << sz, &v);
    bql_unlock();
    return v;
}

void phys_st(CPUX86State *env, uint64_t phys, int sz, uint64_t val)
{
    X86CPU *cpu = env_cpu(env);
    hwaddr len = 1u << sz;
    void *p = address_space_get_ram_ptr(&cpu->as, phys, &len, true);
    if (p && len >= (1u << sz)) {
        stn_host(p, sz, val);
        return;
    }
    bql_lock();
    address_space_st(&cpu->as, phys, 1u << sz, val);
    bql_unlock();
}

uint8_t code_ldub_phys(CPUX86State *env, uint64_t phys)
{
    return phys_ld(env, phys, 0);
}

const uint8_t *code_host_ptr(CPUX86State *env, uint64_t phys, uint64_t *avail)
{
    X86CPU *cpu = env_cpu(env);
    hwaddr len = PAGE_SIZE - (phys & 0xfff);
    const uint8_t *p = address_space_get_ram_ptr(&cpu->as, phys, &len, false);
    *avail = p ? len : 0;
    return p;
}

/* --- page walk --- */

enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)

#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)

typedef struct WalkResult {
    uint64_t phys;      /* physical address of the page (4K-aligned part) */
    bool writable, user, exec, dirty, global, large;
} WalkResult;

static void LAPIS_NORETURN page_fault(CPUX86State *env, uint64_t lin,
                                      uint32_t err)
{
    env->cr[2] = lin;
    qemu_log_mask(CPU_LOG_MMU, "pf lin=%016" PRIx64 " err=%x\n", lin, err);
    raise_exception_err(env, EXCP0E_PF, err);
}

static void set_ad(CPUX86State *env, uint64_t addr, uint64_t *pte, uint64_t bits,
                   int sz)
{
    if ((*pte & bits) != bits) {
        *pte |= bits;
        phys_st(env, addr, sz, *pte);
    }
}

/*
 * Walk the page tables for `lin`. Fills *r or raises #PF. `access` and
 * `mmu` give the rights to check (SDM vol. 3A 5.6).
 */
static void page_walk(CPUX86State *env, uint64_t lin, int access, int mmu,
                      WalkResult *r)
{
    X86CPU *cpu = env_cpu(env);
    bool user = mmu == MMU_USER;
    bool nxe = env->efer & EFER_NXE;
    unsigned phys_bits = cpu->model.phys_bits ? cpu->model.phys_bits : 40;
    uint64_t addr_mask = ((1ull << phys_bits) - 1) & PAGE_MASK;
    uint64_t rsvd_hi = ~((1ull << phys_bits) - 1) & ~PG_NX & ((1ull << 52) - 1);
    uint32_t err = (access == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0);
    bool rw = true, us = true, nx = false;
    uint64_t pte, pte_addr, page_size;
    int levels;

    if (access == ACC_EXEC && nxe) {
        err |= PF_I;
    }
    if (!nxe) {
        rsvd_hi |= PG_NX;
    }

    if (env->cr[4] & CR4_PAE) {
        uint64_t table;
        if (env->hflags & HF_LMA) {
            levels = 4;
            table = env->cr[3] & addr_mask;
        } else {
            /* PAE: the PDPTE selected by bits 31:30 (SDM 5.4.1) */
            uint64_t pdpte_addr = (env->cr[3] & 0xffffffe0) + ((lin >> 27) & 0x18);
            uint64_t pdpte = phys_ld(env, pdpte_addr, 3);
            if (!(pdpte & PG_P)) {
                page_fault(env, lin, err);
            }
            if (pdpte & (rsvd_hi | PG_NX | 0x1e6)) {
                page_fault(env, lin, err | PF_P | PF_RSVD);
            }
            table = pdpte & addr_mask;
            levels = 2;
        }
        for (int level = levels; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            pte_addr = table + (((lin >> shift) & 0x1ff) << 3);
            pte = phys_ld(env, pte_addr, 3);
            if (!(pte & PG_P)) {
                page_fault(env, lin, err);
            }
            uint64_t rsvd = rsvd_hi;
            if (level == 4) {
                rsvd |= PG_PS;
            }
            if (level == 3 && (pte & PG_PS)) {
                if (!x86_cpu_has_feature(cpu, FEAT_8000_0001_EDX,
                                         CPUID_EXT2_PDPE1GB)) {
                    rsvd |= PG_PS;
                } else {
                    rsvd |= 0x3fffe000ull;
                }
            }
            if (level == 2 && (pte & PG_PS)) {
                rsvd |= 0x1fe000ull;
            }
            if (pte & rsvd) {
                page_fault(env, lin, err | PF_P | PF_RSVD);
            }
            rw &= !!(pte & PG_RW);
            us &= !!(pte & PG_US);
            nx |= nxe && (pte & PG_NX);
            if (level == 1 || (pte & PG_PS)) {
                page_size = 1ull << shift;
                r->phys = (pte & addr_mask & ~(page_size - 1))
                          | (lin & (page_size - 1) & PAGE_MASK);
                r->global = pte & PG_G;
                r->large = level > 1;
                break;
            }
            set_ad(env, pte_addr, &pte, PG_A, 3);
            table = pte & addr_mask;
        }
    } else {
        /* 32-bit paging (SDM 5.3) */
        pte_addr = (env->cr[3] & 0xfffff000) + ((lin >> 20) & 0xffc);
        pte = phys_ld(env, pte_addr, 2);
        if (!(pte & PG_P)) {
            page_fault(env, lin, err);
        }
        rw = pte & PG_RW;
        us = pte & PG_US;
        if ((pte & PG_PS) && (env->cr[4] & CR4_PSE)) {
            /* 4 MiB page; PSE-36 puts physical bits 39:32 in 20:13 */
            if (pte & (1ull << 21)) {
                page_fault(env, lin, err | PF_P | PF_RSVD);
            }
            uint64_t hi = ((pte >> 13) & 0xff) << 32;
            r->phys = (pte & 0xffc00000) | hi | (lin & 0x3ff000);
            r->global = pte & PG_G;
            r->large = true;
        } else {
            set_ad(env, pte_addr, &pte, PG_A, 2);
            pte_addr = (pte & 0xfffff000) + ((lin >> 10) & 0xffc);
            pte = phys_ld(env, pte_addr, 2);
            if (!(pte & PG_P)) {
                page_fault(env, lin, err);
            }
            rw &= !!(pte & PG_RW);
            us &= !!(pte & PG_US);
            r->phys = pte & 0xfffff000;
            r->global = pte & PG_G;
            r->large = false;
        }
    }
    if (!(env->cr[4] & CR4_PGE)) {
        r->global = false;
    }

    /* rights (SDM 5.6) */
    bool wp = env->cr[0] & CR0_WP;
    r->user = us;
    r->writable = user ? (rw && us) : (rw || !wp);
    r->exec = !nx && (!user || us);
    bool ok;
    switch (access) {
    case ACC_WRITE:
        ok = r->writable && (!user || us);
        break;
    case ACC_EXEC:
        ok = r->exec;
        break;
    default:
        ok = !user || us;
        break;
    }
    if (!ok) {
        page_fault(env, lin, err | PF_P);
    }
    /* set A (and D on a write) in the final entry */
    uint64_t bits = PG_A | (access == ACC_WRITE ? PG_D : 0);
    set_ad(env, pte_addr, &pte, bits, (env->cr[4] & CR4_PAE) ? 3 : 2);
    r->dirty = pte & PG_D;
}

static inline bool is_canonical(uint64_t lin)
{
    return (uint64_t)(((int64_t)lin << 16) >> 16) == lin;
}

/* Fill the TLB entry for lin for an access; raises #PF/#GP on a fault. */
static TLBEntry *tlb_fill(CPUX86State *env, uint64_t lin, int access, int mmu)
{
    X86CPU *cpu = env_cpu(env);
    X86TCGState *s = env->tcg;
    uint64_t page = lin & PAGE_MASK;
    WalkResult r;

    if ((env->hflags & HF_LMA) && !is_canonical(lin)) {
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    if (env->cr[0] & CR0_PG) {
        page_walk(env, lin, access, mmu, &r);
    } else {
        r.phys = page;
        r.writable = r.user = r.exec = r.dirty = true;
        r.global = false;
        r.large = false;
    }
    if (r.large) {
        s->tlb_has_large = true;
    }

    unsigned idx = (lin >> PAGE_BITS) & (TLB_SIZE - 1);
    TLBEntry *e = &s->tlb[mmu][idx];
    if (s->fill_n < TLB_FILL_LOG) {
        s->fill_log[s->fill_n] = (mmu << TLB_BITS) | idx;
    }
    if (s->fill_n <= TLB_FILL_LOG) {
        s->fill_n++;
    }
    hwaddr len = PAGE_SIZE;
    void *host = address_space_get_ram_ptr(&cpu->as, r.phys, &len, false);
    bool ram = host && len >= PAGE_SIZE;
    hwaddr wlen = PAGE_SIZE;
    void *whost = address_space_get_ram_ptr(&cpu->as, r.phys, &wlen, true);
    bool wram = whost && wlen >= PAGE_SIZE;

    e->phys = r.phys;
    e->global = r.global;
    e->addend = ram ? (uintptr_t)host - (uintptr_t)page : 0;
    e->addr_read = page | (ram ? 0 : TLB_MMIO);
    e->addr_code = r.exec ? page | (ram ? 0 : TLB_MMIO) : TLB_INVALID;
    if (r.writable && r.dirty && (mmu != MMU_USER || r.user)) {
        e->addr_write = page | (wram && ram ? 0 : TLB_MMIO);
        unsigned bit = wpage_bit(r.phys);
        s->wpages[bit / 64] |= 1ull << (bit % 64);
        if (tb_page_has_code(r.phys)) {
            e->addr_write |= TLB_CODE;
        }
    } else {
        e->addr_write = TLB_INVALID;
    }
    if (mmu == MMU_USER && !r.user) {
        /* cannot happen: the walk faulted */
        e->addr_read = TLB_INVALID;
    }
    return e;
}

static inline bool tag_hit(uint64_t tag, uint64_t page)
{
    return tag != TLB_INVALID && (tag & PAGE_MASK) == page;
}

uint64_t ld_slow(CPUX86State *env, uint64_t lin, int sz, int mmu)
{
    X86TCGState *s = env->tcg;
    unsigned n = 1u << sz;

    if (!(env->hflags & HF_LMA)) {
        lin = (uint32_t)lin;
    }
    if ((lin & 0xfff) + n > PAGE_SIZE) {
        /* crosses a page: byte by byte, low byte first */
        uint64_t v = 0;
        for (unsigned i = 0; i < n; i++) {
            v |= ld_slow(env, (lin + i) & (env->hflags & HF_LMA ? ~0ull : 0xffffffffull),
                         0, mmu) << (8 * i);
        }
        return v;
    }
    TLBEntry *e = &s->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (!tag_hit(e->addr_read, lin & PAGE_MASK)) {
        e = tlb_fill(env, lin, ACC_READ, mmu);
    }
    if (e->addr_read & TLB_MMIO) {
        X86CPU *cpu = env_cpu(env);
        uint64_t v = 0;
        bql_lock();
        address_space_ld(&cpu->as, e->phys | (lin & 0xfff), n, &v);
        bql_unlock();
        return v;
    }
    return ldn_host((void *)(uintptr_t)(lin + e->addend), sz);
}

static TLBEntry *tlb_get_write(CPUX86State *env, uint64_t lin, int mmu)
{
    X86TCGState *s = env->tcg;
    TLBEntry *e = &s->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (!tag_hit(e->addr_write, lin & PAGE_MASK)) {
        e = tlb_fill(env, lin, ACC_WRITE, mmu);
    }
    return e;
}

void probe_write(CPUX86State *env, uint64_t lin, unsigned len, int mmu)
{
    uint64_t amask = (env->hflags & HF_LMA) ? ~0ull : 0xffffffffull;
    lin &= amask;
    tlb_get_write(env, lin, mmu);
    if ((lin & 0xfff) + len > PAGE_SIZE) {
        /* a fault on the second page reports its first byte in CR2 */
        tlb_get_write(env, (lin + len - 1) & amask & PAGE_MASK, mmu);
    }
}

void st_slow(CPUX86State *env, uint64_t lin, int sz, uint64_t val, int mmu)
{
    unsigned n = 1u << sz;
    uint64_t amask = (env->hflags & HF_LMA) ? ~0ull : 0xffffffffull;

    lin &= amask;
    if ((lin & 0xfff) + n > PAGE_SIZE) {
        /* both pages must be writable before any byte is written */
        probe_write(env, lin, n, mmu);
        for (unsigned i = 0; i < n; i++) {
            st_slow(env, (lin + i) & amask, 0, val >> (8 * i), mmu);
        }
        return;
    }
    TLBEntry *e = tlb_get_write(env, lin, mmu);
    if (e->addr_write & TLB_CODE) {
        /* a store into a page with decoded code: drop the blocks it
         * overwrites and end the current block (it may be one of them);
         * once the page holds no code, writes take the fast path again */
        bool empty;
        if (tb_invalidate_phys_range(e->phys | (lin & 0xfff), n, &empty)) {
            env->end_block = true;
        }
        if (empty) {
            tlb_unprotect_code(e->phys);
        }
    }
    if (e->addr_write & TLB_MMIO) {
        X86CPU *cpu = env_cpu(env);
        bql_lock();
        address_space_st(&cpu->as, e->phys | (lin & 0xfff), n, val);
        bql_unlock();
        /* an MMIO store may raise an interrupt: end the block */
        env->end_block = true;
        return;
    }
    stn_host((void *)(uintptr_t)(lin + e->addend), sz, val);
}

/*
 * Walk the page tables for an instruction fetch without raising a fault: the
 * fill runs under a temporary jump buffer, and a fault lands back here. Kept
 * apart from get_phys_code so that nothing it reads after the jump was
 * modified since sigsetjmp (C11 7.13.2.1).
 */
static uint64_t probe_phys_code(CPUX86State *env, X86TCGState *s,
                                const uint64_t lin, const int mmu)
{
    sigjmp_buf saved;
    const uint64_t cr2 = env->cr[2];
    TLBEntry *e;

    memcpy(&saved, &s->jmp, sizeof(saved));
    if (sigsetjmp(s->jmp, 0)) {
        memcpy(&s->jmp, &saved, sizeof(saved));
        env->cr[2] = cr2;
        return ~0ull;
    }
    e = tlb_fill(env, lin, ACC_EXEC, mmu);
    memcpy(&s->jmp, &saved, sizeof(saved));
    if (!tag_hit(e->addr_code, lin & PAGE_MASK)) {
        return ~0ull;
    }
    return e->phys | (lin & 0xfff);
}

uint64_t get_phys_code(CPUX86State *env, uint64_t lin, bool fault)
{
    X86TCGState *s = env->tcg;
    int mmu = cpu_mmu_index(env);

    if (!(env->hflags & HF_LMA)) {
        lin = (uint32_t)lin;
    }
    TLBEntry *e = &s->tlb[mmu][(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    if (tag_hit(e->addr_code, lin & PAGE_MASK)) {
        return e->phys | (lin & 0xfff);
    }
    if (!fault) {
        return probe_phys_code(env, s, lin, mmu);
    }
    e = tlb_fill(env, lin, ACC_EXEC, mmu);
    if (!tag_hit(e->addr_code, lin & PAGE_MASK)) {
        /* walk succeeded for exec, so this is impossible */
        raise_exception_err(env, EXCP0D_GP, 0);
    }
    return e->phys | (lin & 0xfff);
}

void tlb_flush(X86CPU *cpu)
{
    tcg_x86_cpu_interrupt(cpu, X86_INTR_TLB_FLUSH);
}
