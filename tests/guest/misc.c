/*
 * Assorted instructions with architecturally fixed results: ENTER/LEAVE with
 * nesting levels, PUSHA/POPA, BCD adjustments (the SDM's examples), XLAT,
 * CMPXCHG8B/16B on memory, BSWAP, MOVBE, the x87 presence probe
 * (FNINIT/FNSTSW/FNSTCW), LAHF/SAHF, CMC/CLC/STC, PUSHF/POPF of DF and AC.
 */
#include "runtime.h"

const char *test_name = "misc";

void test_main(void)
{
    ureg r;

    /* ENTER $16, $2: pushes BP, copies one outer frame pointer, pushes the
     * new frame pointer, reserves 16 bytes; LEAVE undoes it */
#ifdef __x86_64__
    ureg sp0, sp1, bp1, sp2, slot;
    __asm__ volatile("mov %%rsp, %0\n\tpush %%rbp\n\tmov $0x1234, %%rbp\n\t"
                     "enter $16, $2\n\tmov %%rsp, %1\n\tmov %%rbp, %2\n\t"
                     "mov -16(%%rbp), %4\n\t"
                     "leave\n\tmov %%rsp, %3\n\tpop %%rbp"
                     : "=&a"(sp0), "=&c"(sp1), "=&d"(bp1), "=&S"(sp2), "=&D"(slot)
                     : : "memory");
    CHECK(bp1 == sp0 - 16 && sp1 == sp0 - 16 - 16 - 16,
          "ENTER $16, $2 builds the frame (64-bit)");
    CHECK(slot == bp1, "ENTER stores the new frame pointer in the display");
    CHECK_EQ(sp2, sp0 - 8, "LEAVE restores RSP");
#else
    ureg sp0, sp1, bp1, sp2, slot;
    __asm__ volatile("mov %%esp, %0\n\tpush %%ebp\n\tmov $0x1234, %%ebp\n\t"
                     "enter $16, $2\n\tmov %%esp, %1\n\tmov %%ebp, %2\n\t"
                     "mov -8(%%ebp), %4\n\t"
                     "leave\n\tmov %%esp, %3\n\tpop %%ebp"
                     : "=&a"(sp0), "=&c"(sp1), "=&d"(bp1), "=&S"(sp2), "=&D"(slot)
                     : : "memory");
    CHECK(bp1 == sp0 - 8 && sp1 == sp0 - 8 - 8 - 16,
          "ENTER $16, $2 builds the frame (32-bit)");
    CHECK(slot == bp1, "ENTER stores the new frame pointer in the display");
    CHECK_EQ(sp2, sp0 - 4, "LEAVE restores ESP");

    /* PUSHA/POPA round trip with a changed register in between */
    ureg a1 = 0x11111111, b1 = 0x22222222;
    __asm__ volatile("pusha\n\tmov $0, %%eax\n\tmov $0, %%ebx\n\tpopa"
                     : "+a"(a1), "+b"(b1) : : "memory");
    CHECK(a1 == 0x11111111 && b1 == 0x22222222, "PUSHA/POPA restore the registers");

    /* BCD, SDM examples: 0x79 + 0x35 = 0x114 -> AL=0x14, CF=1 */
    uint32_t ax, fl;
    __asm__ volatile("mov $0x79, %%al\n\tadd $0x35, %%al\n\tdaa\n\tpushf\n\tpop %1"
                     : "=a"(ax), "=r"(fl));
    CHECK((ax & 0xff) == 0x14 && (fl & 1), "DAA: 79 + 35 = 114 (BCD)");
    /* 0x35 - 0x47 = -12 -> AL=0x88, CF=1 */
    __asm__ volatile("mov $0x35, %%al\n\tsub $0x47, %%al\n\tdas\n\tpushf\n\tpop %1"
                     : "=a"(ax), "=r"(fl));
    CHECK((ax & 0xff) == 0x88 && (fl & 1), "DAS: 35 - 47 = 88 borrow 1 (BCD)");
    /* AAA: '8' + '7' -> AX=0x0105 */
    __asm__ volatile("xor %%eax, %%eax\n\tmov $0x38, %%al\n\tadd $0x37, %%al\n\taaa"
                     : "=a"(ax));
    CHECK_EQ(ax & 0xffff, 0x0105, "AAA: unpacked 8 + 7 = 15");
    __asm__ volatile("mov $0x0100, %%ax\n\tsub $1, %%al\n\taas" : "=a"(ax));
    CHECK_EQ(ax & 0xffff, 0x0009, "AAS: unpacked 10 - 1 = 9");
    __asm__ volatile("mov $63, %%al\n\taam" : "=a"(ax));
    CHECK_EQ(ax & 0xffff, 0x0603, "AAM: 63 = 6,3");
    __asm__ volatile("mov $0x0603, %%ax\n\taad" : "=a"(ax));
    CHECK_EQ(ax & 0xffff, 63, "AAD: 6,3 = 63");
    __asm__ volatile("stc\n\t.byte 0xd6" : "=a"(ax));
    CHECK_EQ(ax & 0xff, 0xff, "SALC with CF=1 sets AL to 0xff");
#endif

    /* XLAT */
    static const uint8_t xt[16] = "0123456789abcdef";
    ureg xa = 0x0c;
    __asm__ volatile("xlat" : "+a"(xa) : "b"(xt) : "memory");
    CHECK_EQ(xa & 0xff, 'c', "XLAT looks up AL in the table at [E/RBX]");

    /* CMPXCHG8B */
    static volatile uint64_t q8 __attribute__((aligned(8))) = 0x1111111122222222ull;
    uint32_t lo = 0x22222222, hi = 0x11111111;
    uint8_t zf;
    __asm__ volatile("lock cmpxchg8b %2\n\tsete %3"
                     : "+a"(lo), "+d"(hi), "+m"(q8), "=q"(zf)
                     : "b"(0x44444444), "c"(0x33333333) : "memory", "cc");
    CHECK(zf && q8 == 0x3333333344444444ull, "CMPXCHG8B stores ECX:EBX when equal");
    __asm__ volatile("lock cmpxchg8b %2\n\tsete %3"
                     : "+a"(lo), "+d"(hi), "+m"(q8), "=q"(zf)
                     : "b"(0), "c"(0) : "memory", "cc");
    CHECK(!zf && lo == 0x44444444 && hi == 0x33333333,
          "CMPXCHG8B loads EDX:EAX when different");
#ifdef __x86_64__
    static volatile uint64_t o16[2] __attribute__((aligned(16))) = { 1, 2 };
    uint64_t l64 = 1, h64 = 2;
    __asm__ volatile("lock cmpxchg16b %2\n\tsete %3"
                     : "+a"(l64), "+d"(h64), "+m"(o16[0]), "=q"(zf)
                     : "b"(5ull), "c"(6ull) : "memory", "cc");
    CHECK(zf && o16[0] == 5 && o16[1] == 6, "CMPXCHG16B stores RCX:RBX when equal");
    TRY_ASM("cmpxchg16b 1(%0)", : : "r"(o16) : "rax", "rdx", "memory");
    CHECK_EQ(rt_caught.vector, 13, "CMPXCHG16B on a misaligned operand raises #GP");
#endif

    /* BSWAP */
    r = 0x11223344;
    __asm__ volatile("bswap %k0" : "+r"(r));
    CHECK_EQ(r & 0xffffffff, 0x44332211, "BSWAP reverses bytes");

    /* x87 probe as firmware does it */
    uint16_t sw = 0xffff, cw = 0;
    __asm__ volatile("fninit\n\tfnstsw %0\n\tfnstcw %1" : "=m"(sw), "=m"(cw));
    CHECK(sw == 0 && cw == 0x37f, "FNINIT; FNSTSW/FNSTCW: an FPU with default state");

    /* LAHF/SAHF and CF instructions */
    uint32_t ah;
    __asm__ volatile("xor %%eax, %%eax\n\tstc\n\tlahf\n\tmovzbl %%ah, %0"
                     : "=r"(ah) : : "eax", "cc");
    CHECK_EQ(ah & 0xd5, 0x45, "LAHF after XOR; STC: ZF, PF, CF");
    __asm__ volatile("mov $0x01, %%ah\n\tsahf\n\tcmc\n\tsetc %b0" : "=q"(ah) : : "eax", "cc");
    CHECK_EQ(ah & 0xff, 0, "SAHF sets CF, CMC clears it");

    /* POPF of DF */
    ureg f0 = read_flags();
    __asm__ volatile("pushf\n\torl $0x400, (%%" 
#ifdef __x86_64__
                     "rsp"
#else
                     "esp"
#endif
                     ")\n\tpopf" : : : "memory", "cc");
    ureg f1 = read_flags();
    __asm__ volatile("cld");
    CHECK((f1 & 0x400) && !(f0 & 0x400), "POPF sets DF");
}
