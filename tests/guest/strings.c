/*
 * String instructions: MOVS/STOS/LODS/CMPS/SCAS in every operand size, with
 * and without REP/REPE/REPNE, forwards and backwards (DF), the registers
 * they leave behind, REP with a zero count, 16-bit address size (0x67 in
 * 32-bit code), overlapping copies, and a long REP that crosses pages.
 */
#include "runtime.h"

const char *test_name = "strings";

static uint8_t src[3 * 4096 + 64] __attribute__((aligned(4096)));
static uint8_t dst[3 * 4096 + 64] __attribute__((aligned(4096)));

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7);
    }
}

static int same(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

void test_main(void)
{
    ureg si, di, cx, ax;

    /* REP MOVSB across pages */
    fill(src, sizeof(src), 3);
    si = (ureg)src + 5;
    di = (ureg)dst + 9;
    cx = 3 * 4096;
    __asm__ volatile("cld\n\trep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(same(src + 5, dst + 9, 3 * 4096), "REP MOVSB copies 12 KiB across pages");
    CHECK(cx == 0 && si == (ureg)src + 5 + 3 * 4096 && di == (ureg)dst + 9 + 3 * 4096,
          "REP MOVSB leaves RCX=0 and RSI/RDI past the data");

    /* REP MOVSD / MOVSW / MOVSQ */
    fill(src, 256, 9);
    si = (ureg)src; di = (ureg)dst; cx = 16;
    __asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(same(src, dst, 64) && di == (ureg)dst + 64, "REP MOVSD moves dwords");
    si = (ureg)src; di = (ureg)dst + 100; cx = 7;
    __asm__ volatile("rep movsw" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(same(src, dst + 100, 14) && si == (ureg)src + 14, "REP MOVSW moves words");
#ifdef __x86_64__
    si = (ureg)src; di = (ureg)dst + 200; cx = 5;
    __asm__ volatile("rep movsq" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(same(src, dst + 200, 40), "REP MOVSQ moves qwords");
#endif

    /* backwards with DF=1 */
    fill(src, 64, 1);
    si = (ureg)src + 60; di = (ureg)dst + 60; cx = 16;
    __asm__ volatile("std\n\trep movsl\n\tcld" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(same(src, dst, 64) && si == (ureg)src - 4 && di == (ureg)dst - 4,
          "STD; REP MOVSD copies backwards and decrements RSI/RDI");

    /* overlapping forward copy replicates (byte at a time semantics) */
    for (int i = 0; i < 8; i++) {
        dst[i] = (uint8_t)(0x40 + i);
    }
    si = (ureg)dst; di = (ureg)dst + 1; cx = 16;
    __asm__ volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    int rep_ok = 1;
    for (int i = 0; i < 17; i++) {
        rep_ok &= dst[i] == 0x40;
    }
    CHECK(rep_ok, "an overlapping REP MOVSB propagates the first byte");

    /* zero count: nothing happens */
    si = (ureg)src; di = (ureg)dst; cx = 0;
    dst[0] = 0x5a;
    __asm__ volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    CHECK(dst[0] == 0x5a && si == (ureg)src && di == (ureg)dst,
          "REP with RCX=0 does nothing");

    /* STOS */
    di = (ureg)dst; cx = 100; ax = 0xa5;
    __asm__ volatile("rep stosb" : "+D"(di), "+c"(cx) : "a"(ax) : "memory");
    int st_ok = 1;
    for (int i = 0; i < 100; i++) {
        st_ok &= dst[i] == 0xa5;
    }
    CHECK(st_ok && di == (ureg)dst + 100, "REP STOSB fills");
    di = (ureg)dst; cx = 10; ax = 0x11223344;
    __asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(ax) : "memory");
    CHECK(((volatile uint32_t *)dst)[9] == 0x11223344, "REP STOSD fills dwords");

    /* LODS */
    ((volatile uint32_t *)src)[0] = 0xcafebabe;
    si = (ureg)src;
    __asm__ volatile("lodsl" : "+S"(si), "=a"(ax) : : "memory");
    CHECK((uint32_t)ax == 0xcafebabe && si == (ureg)src + 4, "LODSD loads and advances");

    /* REPE CMPSB stops at the first difference */
    fill(src, 64, 0);
    fill(dst, 64, 0);
    dst[37] ^= 1;
    si = (ureg)src; di = (ureg)dst; cx = 64;
    uint8_t zf;
    __asm__ volatile("repe cmpsb\n\tsete %3" : "+S"(si), "+D"(di), "+c"(cx), "=q"(zf)
                     : : "memory", "cc");
    CHECK(cx == 64 - 38 && si == (ureg)src + 38 && zf == 0,
          "REPE CMPSB stops after the first mismatch (RCX=%lu)", (unsigned long)cx);

    /* REPNE SCASB finds a byte (strlen) */
    const char *str = "hello, lapis";
    di = (ureg)str; cx = ~(ureg)0; ax = 0;
    __asm__ volatile("repne scasb" : "+D"(di), "+c"(cx) : "a"(ax) : "memory", "cc");
    CHECK_EQ(~cx - 1, 12, "REPNE SCASB finds the terminating NUL");

    /* SCASW without REP sets flags like CMP */
    ((volatile uint16_t *)dst)[0] = 0x1234;
    di = (ureg)dst; ax = 0x1235;
    uint8_t above;
    __asm__ volatile("scasw\n\tseta %1" : "+D"(di), "=q"(above) : "a"(ax) : "memory", "cc");
    CHECK(above && di == (ureg)dst + 2, "SCASW compares AX with memory");

#ifndef __x86_64__
    /* 16-bit address size: SI/DI/CX wrap within 64 KiB */
    {
        ureg esi = 0x12340000u | 0xfffe, edi = 0x56780000u | 0x10, ecx = 0xabcd0000u | 2;
        /* DS/ES are flat: the copy reads 0xfffe,0xffff then wraps to 0 */
        __asm__ volatile("addr16 rep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        CHECK(ecx == 0xabcd0000u && esi == 0x12340000u && edi == 0x56780012u,
              "a16 REP MOVSB uses and wraps SI, DI, CX only");
    }
#endif
}
