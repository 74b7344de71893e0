/*
 * Modes and transitions. 32-bit: 16-bit protected mode, real mode (INT
 * through the IVT, far CALL/RET, 16- and 32-bit operands, big real mode),
 * back to 32-bit protected mode; SYSENTER/SYSEXIT; a call gate from ring 3
 * to ring 0 with a stack switch and a copied parameter; LAR/LSL/VERR/VERW.
 * 64-bit: compatibility mode through a far call, SYSCALL/SYSRET with FMASK,
 * SWAPGS.
 */
#include "runtime.h"

const char *test_name = "modes";

#ifndef __x86_64__
extern char rm_blob[], rm_flag[], rm_sum[], rm_wide[], rm_big[], rm_farflag[],
    rm_pm16[], rm_stub[], rm_imr[], rm_ticks[];
extern void realmode_test(void);
extern char sysenter_entry[], gate_target[];
extern volatile uint32_t sysenter_cs_seen, sysenter_done, gate_cs_seen,
    gate_param_seen, gate_ss_seen;
#define RM(sym, type) (*(volatile type *)(0x7000 + ((ureg)sym - (ureg)rm_blob)))

static volatile uint32_t user_after_sysenter, user_gate_esp_ok;
static uint8_t kstack[4096] __attribute__((aligned(16)));

static void user_sysenter(void)
{
    __asm__ volatile("mov %%esp, %%ecx\n\tmov $1f, %%edx\n\tsysenter\n1:\n\t"
                     : : : "ecx", "edx", "eax", "memory");
    user_after_sysenter = 1;
    __asm__ volatile("int $0x80");
}

static void user_gate(void)
{
    ureg before, after;
    __asm__ volatile("mov %%esp, %0\n\tpush $0x55\n\tlcall $0x5b, $0\n\tmov %%esp, %1"
                     : "=r"(before), "=r"(after) : : "eax", "memory");
    user_gate_esp_ok = before == after;
    __asm__ volatile("int $0x80");
}

void test_main(void)
{
    realmode_test();
    CHECK_EQ(RM(rm_pm16, uint16_t), 0x1616, "16-bit protected mode code ran");
    CHECK_EQ(RM(rm_flag, uint16_t), 0x30, "INT 0x30 in real mode went through the IVT");
    CHECK_EQ(RM(rm_imr, uint8_t), 0xb8,
             "the PIC's mask is the BIOS's: IRQ 0, 1, 2, 6 open");
    CHECK(RM(rm_ticks, uint16_t) >= 3,
          "PIT interrupts arrive through the PIC at IVT[8] in real mode");
    CHECK_EQ(RM(rm_stub, uint16_t), 0x31,
             "INT to a vector the guest did not set returns through the IVT stub");
    CHECK_EQ(RM(rm_sum, uint16_t), 0x5555, "16-bit arithmetic in real mode");
    CHECK_EQ(RM(rm_wide, uint32_t), 0x12345678, "32-bit operands in real mode");
    CHECK_EQ(RM(rm_big, uint32_t), 0xb16b00b5,
             "big real mode: FS keeps its 4 GiB limit after leaving protected mode");
    CHECK_EQ(RM(rm_farflag, uint16_t), 0xfa, "far CALL/RET in real mode");
    CHECK((read_flags() & 0x200) == 0, "back in 32-bit protected mode, IF still 0");

    /* SYSENTER/SYSEXIT: CS0=0x20 (SS0 0x28), CS3=0x30|3, SS3=0x38|3 */
    wrmsr(0x174, SEL_CODE16);
    wrmsr(0x175, (ureg)kstack + sizeof(kstack));
    wrmsr(0x176, (ureg)sysenter_entry);
    rt_run_user(user_sysenter);
    CHECK(sysenter_done && sysenter_cs_seen == SEL_CODE16,
          "SYSENTER enters at SYSENTER_EIP with CS=SYSENTER_CS (0x%x)", sysenter_cs_seen);
    CHECK(user_after_sysenter, "SYSEXIT returns to ring 3 at EDX");

    /* call gate at SEL_SPARE, DPL 3, to SEL_CODE32:gate_target, 1 param */
    ureg t = (ureg)gate_target;
    rt_gdt[SEL_SPARE / 8] = (t & 0xffff) | ((uint64_t)SEL_CODE32 << 16)
                            | (1ull << 32) | (0xecull << 40)
                            | ((uint64_t)(t >> 16) << 48);
    rt_run_user(user_gate);
    CHECK_EQ(gate_cs_seen, SEL_CODE32, "a call gate from ring 3 runs ring-0 code");
    CHECK_EQ(gate_param_seen, 0x55, "the call gate copied the parameter to the inner stack");
    CHECK_EQ(gate_ss_seen, SEL_UDATA, "the inner stack holds the caller's SS");
    CHECK(user_gate_esp_ok, "RETF n to ring 3 restored ESP and dropped the parameter");

    /* LAR/LSL/VERR/VERW */
    uint32_t ar = 0, lim = 0;
    uint8_t zf1, zf2, zf3, zf4;
    __asm__ volatile("lar %2, %0\n\tsetz %1" : "=r"(ar), "=q"(zf1) : "r"(SEL_CODE32) : "cc");
    __asm__ volatile("lsl %2, %0\n\tsetz %1" : "=r"(lim), "=q"(zf2) : "r"(SEL_DATA16) : "cc");
    rt_printf("# LAR 0x%x, LSL 0x%x\n", ar, lim);
    CHECK(zf1 && (ar & 0x00fffe00) == 0x00c09a00, "LAR of the code segment");
    CHECK(zf2 && lim == 0xffff, "LSL of a 64 KiB segment");
    __asm__ volatile("verr %1\n\tsetz %0" : "=q"(zf3) : "r"((uint16_t)SEL_CODE32) : "cc");
    __asm__ volatile("verw %1\n\tsetz %0" : "=q"(zf4) : "r"((uint16_t)SEL_CODE32) : "cc");
    CHECK(zf3 && !zf4, "VERR/VERW: code is readable, not writable");
}
#else
extern uint32_t compat_test(void);
extern char syscall_entry[];
extern volatile uint32_t syscall_cs_seen, syscall_ss_seen;
extern volatile uint64_t syscall_flags_seen, syscall_r11_seen;
static volatile int user_back;

static void user_syscall(void)
{
    __asm__ volatile("std\n\tsyscall\n\tcld" : : : "rcx", "r11", "rax", "memory");
    user_back = 1;
    __asm__ volatile("int $0x80");
}

extern void longmode_roundtrip(void);

void test_main(void)
{
    longmode_roundtrip();
    CHECK_EQ(*(volatile uint16_t *)0x7100, 0x4d4d,
             "long mode -> real mode -> long mode round trip");
    CHECK((rdmsr(0xc0000080) & 0x500) == 0x500, "EFER.LMA is set again afterwards");

    uint32_t r = compat_test();
    CHECK_EQ(r, 0xf, "compatibility mode: 0x48 is DEC EAX, not REX.W");

    /* SYSCALL: CS=STAR[47:32]=0x18, SS=0x20; SYSRET: CS=0x30+16|3, SS=0x38|3 */
    wrmsr(0xc0000080, rdmsr(0xc0000080) | 1);          /* SCE */
    wrmsr(0xc0000081, ((uint64_t)0x30 << 48) | ((uint64_t)SEL_CODE64 << 32));
    wrmsr(0xc0000082, (ureg)syscall_entry);
    wrmsr(0xc0000084, 0x400);                          /* FMASK: clear DF */
    rt_run_user(user_syscall);
    CHECK_EQ(syscall_cs_seen, SEL_CODE64, "SYSCALL loads CS from STAR[47:32]");
    CHECK_EQ(syscall_ss_seen, SEL_CODE64 + 8, "... and SS = CS + 8");
    CHECK((syscall_flags_seen & 0x400) == 0, "FMASK cleared DF on entry");
    CHECK(syscall_r11_seen & 0x400, "R11 holds the caller's RFLAGS (DF set)");
    CHECK(user_back, "SYSRETQ returned to ring 3");

    /* SWAPGS exchanges GS base and KERNEL_GS_BASE */
    wrmsr(0xc0000101, 0x1111);
    wrmsr(0xc0000102, 0x2222);
    __asm__ volatile("swapgs");
    CHECK(rdmsr(0xc0000101) == 0x2222 && rdmsr(0xc0000102) == 0x1111,
          "SWAPGS exchanges GS.base and KERNEL_GS_BASE");
    __asm__ volatile("swapgs");
    wrmsr(0xc0000101, 0);
}
#endif
