/*
 * CPUID and MSRs: the vendor string and the maximum leaves, feature bits the
 * runtime depends on, RDMSR/WRMSR of the SYSCALL MSRs, FS/GS base through
 * their MSRs, EFER's read-only LMA, #GP on unknown MSRs and on reserved EFER
 * bits, RDTSC advancing, RDTSCP and TSC_AUX, and RDMSR at CPL 3 faulting.
 */
#include "runtime.h"

const char *test_name = "msr-cpuid";

static volatile int user_vec;
static void user_rdmsr(void)
{
    TRY_ASM("rdmsr", : : "c"(0xc0000081) : "eax", "edx", "memory");
    user_vec = rt_caught.vector;
    __asm__ volatile("int $0x80");
}

void test_main(void)
{
    uint32_t a, b, c, d;
    char vendor[13];

    cpuid(0, 0, &a, &b, &c, &d);
    ((uint32_t *)vendor)[0] = b;
    ((uint32_t *)vendor)[1] = d;
    ((uint32_t *)vendor)[2] = c;
    vendor[12] = 0;
    rt_printf("# vendor %s, max leaf 0x%x\n", vendor, a);
    CHECK(a >= 1, "CPUID.0: maximum basic leaf >= 1");
    CHECK(vendor[0] == 'A' || vendor[0] == 'G', "CPUID.0: a vendor string");
    cpuid(1, 0, &a, &b, &c, &d);
    CHECK((d & (1u << 5)) && (d & (1u << 4)), "CPUID.1: MSR and TSC present");
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    CHECK(a >= 0x80000001, "CPUID.80000000: extended leaves present");
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    CHECK(d & (1u << 29), "CPUID.80000001: long mode supported");

    /* STAR/LSTAR round trip */
    wrmsr(0xc0000081, 0x0023001000000000ull);
    CHECK_EQ(rdmsr(0xc0000081), 0x0023001000000000ull, "STAR reads back");
    wrmsr(0xc0000082, 0xffffffff81000000ull);
    CHECK_EQ(rdmsr(0xc0000082), 0xffffffff81000000ull, "LSTAR reads back");
    wrmsr(0x174, 0x8);
    CHECK_EQ(rdmsr(0x174), 0x8, "SYSENTER_CS reads back");

    /* unknown MSR: #GP(0) */
    TRY_ASM("rdmsr", : : "c"(0x12345678) : "eax", "edx", "memory");
    CHECK(rt_caught.vector == 13 && rt_caught.error == 0, "RDMSR of an unknown MSR raises #GP(0)");
    TRY_ASM("wrmsr", : : "c"(0x12345678), "a"(0), "d"(0) : "memory");
    CHECK(rt_caught.vector == 13, "WRMSR of an unknown MSR raises #GP");

    /* EFER */
    uint64_t efer = rdmsr(0xc0000080);
#ifdef __x86_64__
    CHECK((efer & 0x500) == 0x500, "EFER.LME and LMA are set in long mode");
    wrmsr(0xc0000080, efer & ~0x400ull);
    CHECK(rdmsr(0xc0000080) & 0x400, "EFER.LMA is read-only");
    /* FS base through the MSR */
    wrmsr(0xc0000100, 0x12345000);
    static volatile uint32_t probe[4];
    probe[1] = 0xfeedf00d;
    wrmsr(0xc0000100, (ureg)probe);
    uint32_t v;
    __asm__ volatile("mov %%fs:4, %0" : "=r"(v));
    CHECK_EQ(v, 0xfeedf00d, "FS base from IA32_FS_BASE applies to FS: accesses");
    wrmsr(0xc0000100, 0);
    /* LME cannot change while paging is on */
    TRY_ASM("wrmsr", : : "c"(0xc0000080), "a"((uint32_t)(efer & ~0x100ull)),
            "d"((uint32_t)(efer >> 32)) : "memory");
    CHECK_EQ(rt_caught.vector, 13, "clearing EFER.LME with paging on raises #GP");
#else
    CHECK((efer & 0x500) == 0, "EFER.LME and LMA are clear in 32-bit mode");
#endif
    TRY_ASM("wrmsr", : : "c"(0xc0000080), "a"((uint32_t)efer | 0x2), "d"(0) : "memory");
    CHECK_EQ(rt_caught.vector, 13, "setting a reserved EFER bit raises #GP");

    /* TSC */
    uint64_t t0 = rdtsc();
    for (volatile int i = 0; i < 10000; i++) {
    }
    uint64_t t1 = rdtsc();
    rt_printf("# TSC %llu -> %llu\n", (unsigned long long)t0, (unsigned long long)t1);
    CHECK(t1 > t0, "RDTSC advances");
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (d & (1u << 27)) {
        wrmsr(0xc0000103, 0x42);
        uint32_t aux;
        __asm__ volatile("rdtscp" : "=c"(aux) : : "eax", "edx");
        CHECK_EQ(aux, 0x42, "RDTSCP returns TSC_AUX in ECX");
    }

    /* CPL 3 */
    rt_run_user(user_rdmsr);
    CHECK_EQ(user_vec, 13, "RDMSR at CPL 3 raises #GP");
}
