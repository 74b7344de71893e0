/*
 * Exceptions through the IDT: the vector, the error code and the saved
 * instruction pointer for #DE, #UD, #BP, #OF, #GP (bad selector, privileged
 * instruction at CPL 3, INT n above the gate's DPL), #NP, #SS, #TS-free
 * double fault (#GP whose handler gate is not present -> #NP -> #DF), and
 * that execution resumes correctly after each.
 */
#include "runtime.h"

const char *test_name = "exceptions";

static volatile int df_seen;
static volatile ureg df_error;

#ifdef __x86_64__
#define AX "rax"
#else
#define AX "eax"
#endif

static void df_handler(struct trapframe *tf)
{
    df_seen++;
    df_error = tf->error;
    /* #DF is an abort: resume at the recovery point */
    tf->ip = rt_recover_ip;
#ifdef __x86_64__
    tf->sp = rt_recover_sp;
    tf->cs = SEL_CODE64;
    tf->ss = SEL_DATA;
#endif
    rt_recover_ip = 0;
}

#ifdef __x86_64__
static volatile ureg ist_frame;
static void bp_ist_handler(struct trapframe *tf)
{
    ist_frame = (ureg)tf;
}
#endif

static volatile int user_gp_vector = -1;
static volatile ureg user_gp_error;

static void user_code(void)
{
    /* CLI at CPL 3 with IOPL 0: #GP(0); then INT 0x81 (DPL 0): #GP(0x81*8+2) */
    TRY_ASM("cli", : : : "memory");
    user_gp_vector = rt_caught.vector;
    user_gp_error = rt_caught.error;
    __asm__ volatile("int $0x80");
}

static volatile int int_gp_vector = -1;
static volatile ureg int_gp_error;

static void user_code_int(void)
{
    TRY_ASM("int $0x81", : : : "memory");
    int_gp_vector = rt_caught.vector;
    int_gp_error = rt_caught.error;
    __asm__ volatile("int $0x80");
}

void test_main(void)
{
    ureg fault_ip;

    /* #DE: divide by zero and quotient overflow */
    TRY_ASM("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\tdivl %%ecx",
            : : : "eax", "ecx", "edx", "memory");
    CHECK_EQ(rt_caught.vector, 0, "DIV by zero raises #DE");
    TRY_ASM("mov $2, %%ecx\n\tmov $0, %%eax\n\tmov $4, %%edx\n\tdivl %%ecx",
            : : : "eax", "ecx", "edx", "memory");
    CHECK_EQ(rt_caught.vector, 0, "DIV quotient overflow raises #DE");
    TRY_ASM("mov $-1, %%ecx\n\tmov $0x80000000, %%eax\n\tcltd\n\tidivl %%ecx",
            : : : "eax", "ecx", "edx", "memory");
    CHECK_EQ(rt_caught.vector, 0, "IDIV INT_MIN / -1 raises #DE");

    /* #UD */
    TRY_ASM("lea 2f, %%" AX "\n\tmov %%" AX ", %0\n2:\tud2", : "=m"(fault_ip) : : AX, "memory");
    CHECK_EQ(rt_caught.vector, 6, "UD2 raises #UD");
    CHECK_EQ(rt_caught.ip, fault_ip, "#UD saves the address of UD2");
    TRY_ASM(".byte 0x0f, 0xff", : : : "memory");
    CHECK_EQ(rt_caught.vector, 6, "an undefined opcode (0F FF) raises #UD");
    TRY_ASM(".byte 0xf0, 0x01, 0xc0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 6, "LOCK on a register destination raises #UD");

    /* #BP is a trap: the saved IP follows INT3 */
    TRY_ASM("lea 2f, %%" AX "\n\tmov %%" AX ", %0\n\tint3\n2:", : "=m"(fault_ip) : : AX, "memory");
    CHECK_EQ(rt_caught.vector, 3, "INT3 raises #BP");
    CHECK_EQ(rt_caught.ip, fault_ip, "#BP saves the address after INT3");

#ifndef __x86_64__
    TRY_ASM("mov $0x7fffffff, %%eax\n\tadd $1, %%eax\n\tinto", : : : "eax", "memory");
    CHECK_EQ(rt_caught.vector, 4, "INTO with OF=1 raises #OF");
    TRY_ASM("xor %%eax, %%eax\n\tinto", : : : "eax", "memory");
    CHECK_EQ(rt_caught.vector, -1, "INTO with OF=0 does nothing");
#endif

    /* #GP with a selector error code: beyond the GDT limit */
    TRY_ASM("mov $0x1f8, %%eax\n\tmov %%ax, %%fs", : : : "eax", "memory");
    CHECK_EQ(rt_caught.vector, 13, "loading a selector beyond the GDT limit raises #GP");
    CHECK_EQ(rt_caught.error, 0x1f8, "#GP error code is the selector");

    /* #NP: a data segment with P=0 */
    rt_gdt[SEL_SPARE / 8] = 0x00cf12000000ffffull;    /* data, not present */
    TRY_ASM("mov $%c0, %%eax\n\tmov %%ax, %%fs", : : "i"(SEL_SPARE) : "eax", "memory");
    CHECK_EQ(rt_caught.vector, 11, "loading a not-present data segment raises #NP");
    CHECK_EQ(rt_caught.error, SEL_SPARE, "#NP error code is the selector");
    /* #GP for SS with a read-only data segment */
    rt_gdt[SEL_SPARE / 8] = 0x00cf90000000ffffull;    /* data, read-only */
    TRY_ASM("mov $%c0, %%eax\n\tmov %%ax, %%ss", : : "i"(SEL_SPARE) : "eax", "memory");
    CHECK_EQ(rt_caught.vector, 13, "loading SS with a read-only segment raises #GP");
    /* #SS for a not-present SS */
    rt_gdt[SEL_SPARE / 8] = 0x00cf12000000ffffull;
    TRY_ASM("mov $%c0, %%eax\n\tmov %%ax, %%ss", : : "i"(SEL_SPARE) : "eax", "memory");
    CHECK_EQ(rt_caught.vector, 12, "loading a not-present SS raises #SS");
    CHECK_EQ(rt_caught.error, SEL_SPARE, "#SS error code is the selector");

    /* privileged instructions at CPL 3, INT n above the gate DPL */
    rt_run_user(user_code);
    CHECK_EQ(user_gp_vector, 13, "CLI at CPL 3 with IOPL 0 raises #GP");
    CHECK_EQ(user_gp_error, 0, "... with error code 0");
    rt_run_user(user_code_int);
    CHECK_EQ(int_gp_vector, 13, "INT 0x81 from CPL 3 through a DPL 0 gate raises #GP");
    CHECK_EQ(int_gp_error, 0x81 * 8 + 2, "... with error code vector*8+2 (IDT)");

    /* #DF: #GP while the #GP gate is not present -> #NP -> #DF */
    rt_set_handler(8, df_handler);
    {
        struct { uint16_t limit; ureg base; } __attribute__((packed)) idtr;
        __asm__ volatile("sidt %0" : "=m"(idtr));
#ifdef __x86_64__
        uint8_t *gate = (uint8_t *)idtr.base + 13 * 16;
#else
        uint8_t *gate = (uint8_t *)idtr.base + 13 * 8;
#endif
        gate[5] &= 0x7f;            /* clear P of the #GP gate */
        TRY_ASM("mov $0x1f8, %%eax\n\tmov %%ax, %%fs", : : : "eax", "memory");
        gate[5] |= 0x80;
        CHECK_EQ(df_seen, 1, "#GP with a not-present #GP gate escalates to #DF");
        CHECK_EQ(df_error, 0, "#DF pushes error code 0");
    }
    rt_set_handler(8, 0);

#ifdef __x86_64__
    /* IST: #BP through a gate with IST 1 runs on the IST stack */
    {
        static uint8_t ist_stack[4096] __attribute__((aligned(16)));
        rt_set_ist(1, (ureg)ist_stack + sizeof(ist_stack));
        rt_set_gate_ist(3, 1);
        rt_set_handler(3, bp_ist_handler);
        __asm__ volatile("int3");
        rt_set_handler(3, 0);
        rt_set_gate_ist(3, 0);
        CHECK(ist_frame >= (ureg)ist_stack && ist_frame < (ureg)ist_stack + 4096,
              "a gate with IST 1 switches to the IST stack");
    }
#endif

    /* execution continues normally afterwards */
    volatile int x = 6;
    CHECK_EQ(x * 7, 42, "execution resumes after the exceptions");
}
