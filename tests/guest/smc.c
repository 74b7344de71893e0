/*
 * Self-modifying code: a function is run, its immediate operand rewritten
 * by a store, and the next call must see the new bytes; also code that
 * patches the very next instruction in the same block, code written into a
 * fresh buffer and executed, and a page that is rewritten many times.
 */
#include "runtime.h"

const char *test_name = "smc";

static uint8_t buf[8192] __attribute__((aligned(4096)));

typedef int (*fn_t)(void);

static void emit_ret_imm(uint8_t *p, uint32_t v)
{
    p[0] = 0xb8;            /* mov $imm32, %eax */
    p[1] = v;
    p[2] = v >> 8;
    p[3] = v >> 16;
    p[4] = v >> 24;
    p[5] = 0xc3;            /* ret */
}

void test_main(void)
{
    fn_t f = (fn_t)(ureg)buf;

    emit_ret_imm(buf, 1234);
    CHECK_EQ(f(), 1234, "freshly written code runs");
    emit_ret_imm(buf, 5678);
    CHECK_EQ(f(), 5678, "rewritten code runs with the new immediate");

    int ok = 1;
    for (uint32_t i = 0; i < 200; i++) {
        emit_ret_imm(buf + 100, i * 3);
        ok &= ((fn_t)(ureg)(buf + 100))() == (int)(i * 3);
    }
    CHECK(ok, "200 rewrites of the same code are all seen");

    /* a store that patches the next instruction of the same block:
     * mov $0x2a, %al -> patched to mov $0x63, %al before it runs */
    uint32_t r;
    __asm__ volatile(
        "movb $0x63, 2f+1\n\t"
        "2: movb $0x2a, %%al\n\t"
        "movzbl %%al, %0\n\t"
        : "=r"(r) : : "eax", "memory");
    CHECK_EQ(r, 0x63, "a store to the next instruction takes effect at once");

    /* code across a page boundary */
    uint8_t *p = buf + 4096 - 3;
    emit_ret_imm(p, 0x1111);
    CHECK_EQ(((fn_t)(ureg)p)(), 0x1111, "code crossing a page boundary runs");
    buf[4096] = 0x22;               /* immediate bits 16-23, in page 2 */
    CHECK_EQ(((fn_t)(ureg)p)(), 0x221111,
             "rewriting the second page of a crossing instruction is seen");
}
