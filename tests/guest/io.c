/*
 * Port and MMIO access to devices: the UART's scratch register, QEMU's
 * pc-testdev (its scratch ports at 0xe0/0xe8 and 64 KiB of memory-like
 * MMIO at 0xff000000) with every access size, unaligned and string
 * accesses (REP INS/OUTS, REP MOVS to and from MMIO), locked operations on
 * MMIO, and the I/O permission check (#GP for IN at CPL 3 with IOPL 0).
 * Run with -device pc-testdev.
 */
#include "runtime.h"

const char *test_name = "io";

#define COM1_SCR 0x3ff
#define TESTDEV_PORT 0xe0
#define TESTDEV_BYTE 0xe8
#define TESTDEV_MEM ((volatile uint8_t *)0xff000000ul)

static volatile int user_vec;
static void user_in(void)
{
    TRY_ASM("inb $0x80, %%al", : : : "eax", "memory");
    user_vec = rt_caught.vector;
    __asm__ volatile("int $0x80");
}

void test_main(void)
{
    /* UART scratch register */
    outb(COM1_SCR, 0x5a);
    CHECK_EQ(inb(COM1_SCR), 0x5a, "UART scratch register keeps 0x5a");
    outb(COM1_SCR, 0xa5);
    CHECK_EQ(inb(COM1_SCR), 0xa5, "UART scratch register keeps 0xa5");

    /* pc-testdev scratch ports */
    outl(TESTDEV_PORT, 0x12345678);
    CHECK_EQ(inl(TESTDEV_PORT), 0x12345678, "OUTL/INL on the test device port");
    CHECK_EQ(inb(TESTDEV_PORT + 1), 0x56, "INB at offset 1 reads byte lane 1");
    outw(TESTDEV_PORT + 2, 0xbeef);
    CHECK_EQ(inl(TESTDEV_PORT), 0xbeef5678, "OUTW at offset 2 writes the upper half");

    /* string port I/O */
    static uint8_t out_buf[4] = { 0x11, 0x22, 0x33, 0x44 };
    static uint8_t in_buf[4];
    ureg si = (ureg)out_buf, cx = 4;
    __asm__ volatile("rep outsb" : "+S"(si), "+c"(cx) : "d"(TESTDEV_BYTE) : "memory");
    CHECK_EQ(inl(TESTDEV_PORT) & 0xff, 0x44, "REP OUTSB writes each byte in turn");
    outl(TESTDEV_PORT, 0x01020304);
    ureg di = (ureg)in_buf;
    cx = 2;
    __asm__ volatile("rep insw" : "+D"(di), "+c"(cx) : "d"(TESTDEV_PORT) : "memory");
    CHECK(in_buf[0] == 4 && in_buf[1] == 3 && in_buf[2] == 4 && in_buf[3] == 3,
          "REP INSW stores each word read");

    /* MMIO of every size */
    volatile uint8_t *m = TESTDEV_MEM;
    m[0] = 0xab;
    CHECK_EQ(m[0], 0xab, "MMIO byte write/read");
    *(volatile uint16_t *)(m + 2) = 0xcdef;
    CHECK_EQ(*(volatile uint16_t *)(m + 2), 0xcdef, "MMIO word write/read");
    *(volatile uint32_t *)(m + 4) = 0x89abcdef;
    CHECK_EQ(*(volatile uint32_t *)(m + 4), 0x89abcdef, "MMIO dword write/read");
    CHECK_EQ(*(volatile uint32_t *)(m + 0), 0xcdef00ab, "MMIO dword spans earlier writes");
#ifdef __x86_64__
    *(volatile uint64_t *)(m + 8) = 0x0123456789abcdefull;
    CHECK_EQ(*(volatile uint64_t *)(m + 8), 0x0123456789abcdefull, "MMIO qword write/read");
#endif
    *(volatile uint32_t *)(m + 0x11) = 0xdeadbeef;
    CHECK_EQ(*(volatile uint32_t *)(m + 0x11), 0xdeadbeef, "unaligned MMIO dword");
    CHECK_EQ(m[0x12], 0xbe, "... its bytes land in place");

    /* REP MOVS between RAM and MMIO */
    static uint8_t src[64], back[64];
    for (int i = 0; i < 64; i++) {
        src[i] = (uint8_t)(i * 3 + 1);
    }
    si = (ureg)src;
    di = (ureg)(m + 0x100);
    cx = 64;
    __asm__ volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    si = (ureg)(m + 0x100);
    di = (ureg)back;
    cx = 16;
    __asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
    int same = 1;
    for (int i = 0; i < 64; i++) {
        same &= back[i] == src[i];
    }
    CHECK(same, "REP MOVSB into MMIO and REP MOVSD back");

    /* locked RMW on MMIO */
    *(volatile uint32_t *)(m + 0x200) = 5;
    uint32_t old = 7;
    __asm__ volatile("lock xaddl %0, (%1)" : "+r"(old) : "r"(m + 0x200) : "memory");
    CHECK(old == 5 && *(volatile uint32_t *)(m + 0x200) == 12, "LOCK XADD on MMIO");
    uint32_t expect = 12, newv = 99;
    uint8_t zf;
    __asm__ volatile("lock cmpxchgl %2, (%3)\n\tsete %1" : "+a"(expect), "=q"(zf)
                     : "r"(newv), "r"(m + 0x200) : "memory", "cc");
    CHECK(zf && *(volatile uint32_t *)(m + 0x200) == 99, "LOCK CMPXCHG on MMIO");

    /* I/O permission: IN at CPL 3 with IOPL 0 and no bitmap */
    rt_run_user(user_in);
    CHECK_EQ(user_vec, 13, "IN at CPL 3 with IOPL 0 raises #GP");
}
