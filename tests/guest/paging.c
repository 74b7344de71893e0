/*
 * Page-table walks and the TLB: translations through 4 KiB and large pages,
 * accessed and dirty bits, #PF error codes and CR2 (not present, write to
 * read-only with CR0.WP, user access to a supervisor page, instruction
 * fetch from an NX page), INVLPG and CR3 reloads making PTE changes
 * visible, and global pages. 32-bit guests check 32-bit paging (with 4 MiB
 * pages) and then PAE; 64-bit guests check 4-level paging.
 */
#include "runtime.h"

const char *test_name = "paging";

#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_U   0x004
#define PTE_A   0x020
#define PTE_D   0x040
#define PTE_PS  0x080
#define PTE_G   0x100
#define PTE_NX  (1ull << 63)

#define PF_P 1
#define PF_W 2
#define PF_U 4
#define PF_I 0x10

#define WINDOW 0x40000000ul     /* virtual test window (4 KiB pages) */

static uint8_t pages[4][4096] __attribute__((aligned(4096)));
static uint8_t code_page[4096] __attribute__((aligned(4096)));

/* user mode probes */
static volatile ureg user_addr;
static volatile int user_vec;
static volatile ureg user_err;
static void user_read(void)
{
    TRY_ASM("mov (%0), %%al", : : "r"(user_addr) : "eax", "memory");
    user_vec = rt_caught.vector;
    user_err = rt_caught.error;
    __asm__ volatile("int $0x80");
}

#ifdef __x86_64__
typedef uint64_t pte_t;
static pte_t pdpt_hi[512] __attribute__((aligned(4096)));
static pte_t pd_hi[512] __attribute__((aligned(4096)));
static pte_t pt_hi[512] __attribute__((aligned(4096)));
extern uint64_t boot_pml4[];
#undef WINDOW
#define WINDOW 0x8000000000ul       /* PML4 index 1 */
#define LARGE_WINDOW 0x8040000000ul /* PDPT index 1 -> a 2 MiB page */
static pte_t pd_large[512] __attribute__((aligned(4096)));

static void setup_tables(void)
{
    boot_pml4[1] = (ureg)pdpt_hi | PTE_P | PTE_W | PTE_U;
    pdpt_hi[0] = (ureg)pd_hi | PTE_P | PTE_W | PTE_U;
    pd_hi[0] = (ureg)pt_hi | PTE_P | PTE_W | PTE_U;
    pdpt_hi[1] = (ureg)pd_large | PTE_P | PTE_W | PTE_U;
    pd_large[0] = 0 | PTE_P | PTE_W | PTE_PS;   /* physical 0..2 MiB */
    WRITE_CR(3, READ_CR(3));
}
static pte_t *pte_of(ureg va)
{
    return &pt_hi[(va >> 12) & 511];
}
#else
typedef uint32_t pte_t;
static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));
#define LARGE_WINDOW 0x80000000ul

static void setup_tables(void)
{
    /* identity map 0..64 MiB with 4 MiB user pages, the window with 4 KiB */
    for (int i = 0; i < 16; i++) {
        pd32[i] = (i << 22) | PTE_P | PTE_W | PTE_U | PTE_PS;
    }
    pd32[WINDOW >> 22] = (ureg)pt32 | PTE_P | PTE_W | PTE_U;
    pd32[LARGE_WINDOW >> 22] = 0 | PTE_P | PTE_W | PTE_PS;
    WRITE_CR(4, READ_CR(4) | 0x10);     /* PSE */
    WRITE_CR(3, (ureg)pd32);
    WRITE_CR(0, READ_CR(0) | 0x80000000);
}
static pte_t *pte_of(ureg va)
{
    return &pt32[(va >> 12) & 1023];
}
#endif

#ifndef __x86_64__
/* PAE tables for the second phase of 32-bit guests */
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd0[512] __attribute__((aligned(4096)));
static uint64_t pae_pd1[512] __attribute__((aligned(4096)));
static uint64_t pae_pd2[512] __attribute__((aligned(4096)));
static uint64_t pae_pt[512] __attribute__((aligned(4096)));
static int pae;

static void setup_pae(void)
{
    WRITE_CR(0, READ_CR(0) & ~0x80000000ul);
    for (int i = 0; i < 512; i++) {
        pae_pd0[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS;
    }
    pae_pd1[0] = (ureg)pae_pt | PTE_P | PTE_W | PTE_U;     /* WINDOW */
    pae_pd2[0] = 0 | PTE_P | PTE_W | PTE_PS;               /* LARGE_WINDOW */
    pae_pdpt[0] = (ureg)pae_pd0 | PTE_P;
    pae_pdpt[1] = (ureg)pae_pd1 | PTE_P;
    pae_pdpt[2] = (ureg)pae_pd2 | PTE_P;
    wrmsr(0xc0000080, rdmsr(0xc0000080) | 0x800);           /* NXE */
    WRITE_CR(4, READ_CR(4) | 0x20);
    WRITE_CR(3, (ureg)pae_pdpt);
    WRITE_CR(0, READ_CR(0) | 0x80000000);
    pae = 1;
}
#endif

static uint64_t get_pte(ureg va)
{
#ifndef __x86_64__
    if (pae) {
        return pae_pt[(va >> 12) & 511];
    }
#endif
    return *pte_of(va);
}

static void set_pte(ureg va, uint64_t v)
{
#ifndef __x86_64__
    if (pae) {
        pae_pt[(va >> 12) & 511] = v;
        return;
    }
#endif
    *pte_of(va) = (pte_t)v;
}

static void map(ureg va, void *pa, uint64_t flags)
{
    set_pte(va, (ureg)pa | flags);
    invlpg((void *)va);
}

static void check_fault(const char *what, int vec, ureg err, ureg cr2)
{
    CHECK(rt_caught.vector == vec && rt_caught.error == err
          && (vec != 14 || rt_caught.cr2 == cr2),
          "%s: vector %d error 0x%lx cr2 0x%lx (want %d, 0x%lx, 0x%lx)", what,
          rt_caught.vector, (unsigned long)rt_caught.error,
          (unsigned long)rt_caught.cr2, vec, (unsigned long)err,
          (unsigned long)cr2);
}

static void common_checks(const char *mode)
{
    volatile uint8_t *w = (volatile uint8_t *)WINDOW;
    ureg v;

    rt_printf("# %s\n", mode);
    pages[0][0] = 0x11;
    pages[1][0] = 0x22;
    map(WINDOW, pages[0], PTE_P | PTE_W);
    CHECK_EQ(w[0], 0x11, "a 4 KiB mapping reaches its physical page");
    CHECK((get_pte(WINDOW) & (PTE_A | PTE_D)) == PTE_A,
          "a read sets the accessed bit, not the dirty bit");
    w[1] = 0x33;
    CHECK_EQ(((volatile uint8_t *)pages[0])[1], 0x33, "a write through the mapping lands in the page");
    CHECK(get_pte(WINDOW) & PTE_D, "a write sets the dirty bit");

    /* a PTE change is seen after INVLPG */
    set_pte(WINDOW, (ureg)pages[1] | PTE_P | PTE_W);
    invlpg((void *)WINDOW);
    CHECK_EQ(w[0], 0x22, "INVLPG makes a changed PTE visible");
    set_pte(WINDOW, (ureg)pages[0] | PTE_P | PTE_W);
    WRITE_CR(3, READ_CR(3));
    CHECK_EQ(w[0], 0x11, "a CR3 reload makes a changed PTE visible");

    /* not present */
    map(WINDOW + 0x1000, pages[2], 0);
    TRY_ASM("mov (%0), %%al", : : "r"(WINDOW + 0x1234) : "eax", "memory");
    check_fault("read of a not-present page", 14, 0, WINDOW + 0x1234);
    TRY_ASM("movb $1, (%0)", : : "r"(WINDOW + 0x1010) : "memory");
    check_fault("write to a not-present page", 14, PF_W, WINDOW + 0x1010);

    /* read-only page, CR0.WP */
    map(WINDOW + 0x2000, pages[2], PTE_P);
    v = READ_CR(0);
    WRITE_CR(0, v & ~0x10000ul);
    TRY_ASM("movb $5, (%0)", : : "r"(WINDOW + 0x2000) : "memory");
    CHECK(rt_caught.vector == -1 && ((volatile uint8_t *)pages[2])[0] == 5,
          "CR0.WP=0: a supervisor write to a read-only page succeeds");
    WRITE_CR(0, v | 0x10000);
    TRY_ASM("movb $6, (%0)", : : "r"(WINDOW + 0x2004) : "memory");
    check_fault("CR0.WP=1: supervisor write to a read-only page", 14, PF_P | PF_W,
                WINDOW + 0x2004);
    WRITE_CR(0, v);

    /* a write that crosses into a read-only page changes neither page */
    map(WINDOW + 0x3000, pages[3], PTE_P | PTE_W);
    map(WINDOW + 0x4000, pages[2], PTE_P | PTE_W);
    WRITE_CR(0, READ_CR(0) | 0x10000);
    TRY_ASM("movl $0x12345678, (%0)", : : "r"(WINDOW + 0x3ffe) : "memory");
    CHECK(rt_caught.vector == -1 && ((volatile uint8_t *)pages[3])[0xffe] == 0x78
          && ((volatile uint8_t *)pages[2])[1] == 0x12,
          "a write crossing two writable pages writes both");
    map(WINDOW + 0x4000, pages[2], PTE_P);
    ((volatile uint8_t *)pages[3])[0xffe] = 0xaa;
    TRY_ASM("movl $0x9abcdef0, (%0)", : : "r"(WINDOW + 0x3ffe) : "memory");
    check_fault("a write crossing into a read-only page", 14, PF_P | PF_W,
                WINDOW + 0x4000);
    CHECK_EQ(((volatile uint8_t *)pages[3])[0xffe], 0xaa,
             "the faulting crossing write left the first page unchanged");

    /* user access to a supervisor page */
    map(WINDOW + 0x5000, pages[2], PTE_P | PTE_W);
    user_addr = WINDOW + 0x5008;
    rt_run_user(user_read);
    CHECK(user_vec == 14 && user_err == (PF_P | PF_U),
          "CPL 3 read of a supervisor page: #PF error 0x%lx (want 0x5)",
          (unsigned long)user_err);
    map(WINDOW + 0x5000, pages[2], PTE_P | PTE_W | PTE_U);
    rt_run_user(user_read);
    CHECK(user_vec == -1, "CPL 3 read of a user page works");

    /* a large page */
    volatile uint32_t *lw = (volatile uint32_t *)(LARGE_WINDOW + 0x9000);
    *(volatile uint32_t *)0x9000 = 0xdeadbeef;
    CHECK_EQ(*lw, 0xdeadbeef, "a large page maps physical memory from 0");
}

static void nx_checks(void)
{
    /* NX: fetch from a no-execute page */
    wrmsr(0xc0000080, rdmsr(0xc0000080) | 0x800);
    code_page[0] = 0xc3;   /* ret */
    map(WINDOW + 0x6000, code_page, PTE_P | PTE_W | PTE_NX);
    TRY_ASM("call *%0", : : "r"(WINDOW + 0x6000) : "memory");
    check_fault("fetch from an NX page", 14, PF_P | PF_I, WINDOW + 0x6000);
    map(WINDOW + 0x6000, code_page, PTE_P | PTE_W);
    TRY_ASM("call *%0", : : "r"(WINDOW + 0x6000) : "memory");
    CHECK(rt_caught.vector == -1, "fetch from an executable page works");

#ifdef __x86_64__
    /* non-canonical address: #GP(0) */
    TRY_ASM("mov (%0), %%al", : : "r"(0x0000800000000000ul) : "eax", "memory");
    CHECK(rt_caught.vector == 13 && rt_caught.error == 0,
          "a non-canonical address raises #GP(0)");

    /* reserved bit in a PTE: #PF with RSVD */
    map(WINDOW + 0x7000, pages[2], PTE_P | PTE_W | (1ull << 51));
    TRY_ASM("mov (%0), %%al", : : "r"(WINDOW + 0x7000) : "eax", "memory");
    check_fault("a reserved PTE bit", 14, PF_P | 8, WINDOW + 0x7000);
#endif
}

void test_main(void)
{
    setup_tables();
#ifdef __x86_64__
    common_checks("4-level paging");
    nx_checks();
#else
    common_checks("32-bit paging");
    /* global pages survive a CR3 reload until CR4.PGE is toggled */
    WRITE_CR(4, READ_CR(4) | 0x80);
    map(WINDOW, pages[0], PTE_P | PTE_W | PTE_G);
    volatile uint8_t *w = (volatile uint8_t *)WINDOW;
    (void)w[0];
    set_pte(WINDOW, (ureg)pages[1] | PTE_P | PTE_W | PTE_G);
    WRITE_CR(4, READ_CR(4) & ~0x80ul);
    WRITE_CR(4, READ_CR(4) | 0x80);
    CHECK_EQ(w[0], 0x22, "toggling CR4.PGE flushes global translations");
    WRITE_CR(4, READ_CR(4) & ~0x80ul);
    setup_pae();
    common_checks("PAE paging");
    nx_checks();
#endif
}
