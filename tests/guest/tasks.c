/*
 * Hardware task switching (SDM vol. 3A chapter 7), 32-bit only: a JMP to a
 * second task and back, a CALL to a task returning with IRET (NT, the
 * previous-task link, busy flags and the registers saved in the TSS), a
 * double fault through a task gate after a stack fault (the faulting
 * task's stack is unusable, the error code lands on the new task's stack),
 * a software INT through a task gate, a CALL to a 16-bit TSS and back,
 * CR3 loaded from the TSS with paging on, and the faults: a busy TSS
 * (#GP), a TSS limit below 0x67 (#TS) and a TSS not present (#NP), each
 * with the TSS selector as the error code.
 */
#include "runtime.h"

const char *test_name = "tasks";

#ifndef __x86_64__

/* GDT slots this test uses (the runtime's spares, asm.h) */
#define SEL_TSS_B    0x58   /* the JMP/CALL target task */
#define SEL_TSS_D    0x60   /* the task-gate target task */
#define SEL_SMALL_SS 0x68   /* a 4 KiB stack segment for the stack fault */
#define SEL_BAD      0x70   /* descriptors for the fault cases */
#define SEL_GATE     0x78   /* a task gate in the GDT */

#define TYPE_TSS_AVAIL 9
#define TYPE_TSS_BUSY  11

static struct tss32 tss_b __attribute__((aligned(16)));
static struct tss32 tss_d __attribute__((aligned(16)));
static uint32_t stack_b[1024] __attribute__((aligned(16)));
static uint32_t stack_d[1024] __attribute__((aligned(16)));
#define STACK_TOP(s) ((uint32_t)&(s)[1024])
static uint32_t pd1[1024] __attribute__((aligned(4096)));
static uint32_t pd2[1024] __attribute__((aligned(4096)));

static struct tss32 *main_tss;

/* 16-bit TSS (SDM vol. 3A figure 7-11) */
struct tss16 {
    uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2;
    uint16_t ip, flags, ax, cx, dx, bx, sp, bp, si, di;
    uint16_t es, cs, ss, ds, ldt;
} __attribute__((packed));
static struct tss16 tss16 __attribute__((aligned(16)));
#define SEL_CODE_BASED 0x78 /* 32-bit code with a base, for a 16-bit IP */

static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned access,
                         unsigned flags)
{
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16)
           | ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48)
           | ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

static void set_tss_desc(int sel, struct tss32 *t, uint32_t limit, bool present)
{
    rt_gdt[sel / 8] = seg_desc((uint32_t)t, limit,
                               (present ? 0x80 : 0) | TYPE_TSS_AVAIL, 0);
}

static unsigned desc_type(int sel)
{
    return (rt_gdt[sel / 8] >> 40) & 0xf;
}

static uint16_t str(void)
{
    uint16_t s;
    __asm__ volatile("str %0" : "=r"(s));
    return s;
}

/* A fresh task image: flat ring-0 segments, interrupts off. */
static void init_tss(struct tss32 *t, void (*entry)(void), uint32_t sp)
{
    *t = (struct tss32){ 0 };
    t->cr3 = READ_CR(3);
    t->eip = (uint32_t)entry;
    t->eflags = 0x2;
    t->esp = sp;
    t->cs = SEL_CODE32;
    t->ss = t->ds = t->es = SEL_DATA;
    t->fs = t->gs = 0;
    t->iomap = sizeof(*t);
}

/* IDT entry as a 32-bit task gate for TSS sel (returns the old entry). */
static uint64_t set_task_gate(int vec, int sel)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint64_t *e = (volatile uint64_t *)idtr.base + vec;
    uint64_t old = *e;
    *e = ((uint64_t)sel << 16) | (0x85ull << 40);
    return old;
}

static void restore_gate(int vec, uint64_t old)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    ((volatile uint64_t *)idtr.base)[vec] = old;
}

/* --- task B for JMP: record, then JMP back to the main task --- */
static volatile uint32_t b_tr, b_flags, b_main_type, b_own_type, b_cr3;

static void task_b_jmp(void)
{
    for (;;) {
        b_tr = str();
        b_flags = read_flags();
        b_main_type = desc_type(SEL_TSS);
        b_own_type = desc_type(SEL_TSS_B);
        b_cr3 = READ_CR(3);
        __asm__ volatile("ljmp $" "0x48" ", $0" : : : "memory");
    }
}

/* --- task B for CALL: record, set registers, IRET to the caller --- */
static volatile uint32_t c_flags, c_link, c_main_type, c_own_type;
static volatile uint32_t c_after_iret;

static void task_b_call(void)
{
    for (;;) {
        c_flags = read_flags();
        c_link = tss_b.link;
        c_main_type = desc_type(SEL_TSS);
        c_own_type = desc_type(SEL_TSS_B);
        __asm__ volatile("mov $0x5a5a0001, %%ebx\n\t"
                         "mov $0x5a5a0002, %%esi\n\t"
                         "movl $1f, %0\n\t"
                         "iret\n1:"
                         : "=m"(c_after_iret) : : "ebx", "esi", "memory");
    }
}

/* --- task D: the #DF and INT 0x90 handler tasks (entries in asm) --- */
static volatile uint32_t d_calls, d_err, d_flags, d_link, d_fault_ss;
static volatile uint32_t d_fault_eip, d_resume;
/* ESP as the task entry found it (asm stubs below) */
volatile uint32_t d_entry_sp;

void df_task_body(uint32_t err);
void df_task_body(uint32_t err)
{
    d_calls++;
    d_err = err;
    d_flags = read_flags();
    d_link = tss_d.link;
    /* the faulting task cannot go on with its stack: repair its saved
     * state, then IRET resumes it at the recovery point */
    d_fault_ss = main_tss->ss;
    d_fault_eip = main_tss->eip;
    main_tss->ss = SEL_DATA;
    main_tss->eip = d_resume;
}

void int_task_body(void);
void int_task_body(void)
{
    d_calls++;
    d_flags = read_flags();
    d_link = tss_d.link;
}

/* the 16-bit TSS task: runs in a code segment based so its IP fits */
volatile uint32_t t16_runs, t16_flags, t16_after_iret;
void t16_entry(void);
__asm__(".text\n"
        ".p2align 4\n"
        "t16_entry:\n\t"
        "incl t16_runs\n\t"
        "pushf\n\t"
        "popl t16_flags\n\t"
        "mov $0x11112222, %ebx\n\t"
        "movl $1f, t16_after_iret\n\t"
        "iret\n"
        "1:\tjmp t16_entry\n");

void df_task_entry(void);
void int_task_entry(void);
__asm__(".text\n"
        "df_task_entry:\n\t"
        "mov %esp, d_entry_sp\n\t"
        "call df_task_body\n\t"
        "add $4, %esp\n\t"          /* the error code */
        "iret\n\t"
        "jmp df_task_entry\n"
        "int_task_entry:\n\t"
        "mov %esp, d_entry_sp\n\t"
        "call int_task_body\n\t"
        "iret\n\t"
        "jmp int_task_entry\n");

static void test_jmp(void)
{
    uint32_t eax_out, after;

    init_tss(&tss_b, task_b_jmp, STACK_TOP(stack_b) - 4);
    set_tss_desc(SEL_TSS_B, &tss_b, sizeof(tss_b) - 1, true);
    __asm__ volatile("movl $1f, %1\n\t"
                     "mov $0x1234abcd, %%eax\n\t"
                     "ljmp $0x58, $0\n1:"
                     : "=a"(eax_out), "=m"(after) : : "memory");
    CHECK_EQ(b_tr, SEL_TSS_B, "JMP to a TSS: TR names the new task");
    CHECK_EQ(b_flags & 0x4000, 0, "JMP to a TSS: NT clear in the new task");
    CHECK_EQ(b_main_type, TYPE_TSS_AVAIL, "JMP: the old TSS becomes available");
    CHECK_EQ(b_own_type, TYPE_TSS_BUSY, "JMP: the new TSS is busy");
    CHECK_EQ(str(), SEL_TSS, "JMP back: TR names the main task again");
    CHECK_EQ(eax_out, 0x1234abcd, "JMP back: EAX restored from the TSS");
    CHECK_EQ(main_tss->eip, after, "JMP: saved EIP follows the JMP");
    CHECK_EQ(main_tss->eax, 0x1234abcd, "JMP: EAX saved in the old TSS");
    CHECK_EQ(desc_type(SEL_TSS_B), TYPE_TSS_AVAIL, "JMP back: task B available");
    CHECK_EQ(desc_type(SEL_TSS), TYPE_TSS_BUSY, "JMP back: main TSS busy");
    CHECK(READ_CR(0) & 8, "a task switch sets CR0.TS");
    __asm__ volatile("clts");
}

static void test_call(void)
{
    uint32_t eax_out, after;

    init_tss(&tss_b, task_b_call, STACK_TOP(stack_b) - 4);
    set_tss_desc(SEL_TSS_B, &tss_b, sizeof(tss_b) - 1, true);
    __asm__ volatile("movl $1f, %1\n\t"
                     "mov $0x600d, %%eax\n\t"
                     "lcall $0x58, $0\n1:"
                     : "=a"(eax_out), "=m"(after) : : "memory");
    CHECK(c_flags & 0x4000, "CALL to a TSS sets NT in the new task");
    CHECK_EQ(c_link, SEL_TSS, "CALL: the new TSS links to the caller");
    CHECK_EQ(c_main_type, TYPE_TSS_BUSY, "CALL: the caller's TSS stays busy");
    CHECK_EQ(c_own_type, TYPE_TSS_BUSY, "CALL: the new TSS is busy");
    CHECK_EQ(eax_out, 0x600d, "IRET to the caller: EAX restored");
    CHECK_EQ(read_flags() & 0x4000, 0, "IRET to the caller: NT clear");
    CHECK_EQ(main_tss->eip, after, "CALL: saved EIP follows the CALL");
    CHECK_EQ(main_tss->eax, 0x600d, "CALL: EAX saved in the caller's TSS");
    CHECK_EQ(tss_b.eip, c_after_iret, "IRET: saved EIP follows the IRET");
    CHECK_EQ(tss_b.ebx, 0x5a5a0001, "IRET: EBX saved in the task's TSS");
    CHECK_EQ(tss_b.esi, 0x5a5a0002, "IRET: ESI saved in the task's TSS");
    CHECK_EQ(tss_b.eflags & 0x4000, 0, "IRET: NT clear in the saved EFLAGS");
    CHECK_EQ(desc_type(SEL_TSS_B), TYPE_TSS_AVAIL, "IRET: the task's TSS available");
    CHECK_EQ(desc_type(SEL_TSS), TYPE_TSS_BUSY, "IRET: the caller's TSS busy");
    __asm__ volatile("clts");
}

static void test_double_fault(void)
{
    uint32_t fault_eip;

    init_tss(&tss_d, df_task_entry, STACK_TOP(stack_d));
    set_tss_desc(SEL_TSS_D, &tss_d, sizeof(tss_d) - 1, true);
    /* a 4 KiB expand-up stack segment: ESP is far above its limit */
    rt_gdt[SEL_SMALL_SS / 8] = seg_desc(0, 0xfff, 0x92, 0x4);
    uint64_t old = set_task_gate(8, SEL_TSS_D);
    d_calls = 0;
    __asm__ volatile("movl $1f, %1\n\t"
                     "movl $2f, %0\n\t"
                     "mov $" "0x68" ", %%eax\n\t"
                     "mov %%eax, %%ss\n\t"
                     "2: push %%eax\n\t"
                     "1:"
                     : "=m"(fault_eip), "=m"(d_resume) : : "eax", "memory");
    restore_gate(8, old);
    CHECK_EQ(d_calls, 1, "#SS on a broken stack -> #DF through a task gate");
    CHECK_EQ(d_err, 0, "#DF task: error code 0 on the new task's stack");
    CHECK_EQ(d_entry_sp, STACK_TOP(stack_d) - 4, "#DF task: 4-byte error code on its stack");
    CHECK(d_flags & 0x4000, "#DF task runs nested (NT set)");
    CHECK_EQ(d_link, SEL_TSS, "#DF task links to the faulting task");
    CHECK_EQ(d_fault_ss, SEL_SMALL_SS, "#DF: the faulting task's SS saved");
    CHECK_EQ(d_fault_eip, fault_eip, "#DF: saved EIP is the faulting PUSH");
    CHECK_EQ(tss_d.esp, STACK_TOP(stack_d), "#DF task: ESP saved at its IRET");
    CHECK_EQ(desc_type(SEL_TSS_D), TYPE_TSS_AVAIL, "#DF task: available after IRET");
    __asm__ volatile("clts");
}

static void test_int_gate(void)
{
    uint32_t after, eax_out;

    init_tss(&tss_d, int_task_entry, STACK_TOP(stack_d));
    set_tss_desc(SEL_TSS_D, &tss_d, sizeof(tss_d) - 1, true);
    uint64_t old = set_task_gate(0x90, SEL_TSS_D);
    d_calls = 0;
    __asm__ volatile("movl $1f, %1\n\t"
                     "mov $0x77, %%eax\n\t"
                     "int $0x90\n1:"
                     : "=a"(eax_out), "=m"(after) : : "memory");
    restore_gate(0x90, old);
    CHECK_EQ(d_calls, 1, "INT n through a task gate runs the task");
    CHECK(d_flags & 0x4000, "INT task gate: NT set in the new task");
    CHECK_EQ(d_link, SEL_TSS, "INT task gate: link to the interrupted task");
    CHECK_EQ(d_entry_sp, STACK_TOP(stack_d), "INT n pushes no error code");
    CHECK_EQ(main_tss->eip, after, "INT task gate: saved EIP follows INT");
    CHECK_EQ(eax_out, 0x77, "INT task gate: EAX back after IRET");
    __asm__ volatile("clts");
}

static void test_tss16(void)
{
    uint32_t entry = (uint32_t)t16_entry, base = entry & 0xffff0000u;
    uint32_t eax_out;

    rt_gdt[SEL_CODE_BASED / 8] = seg_desc(base, 0xfffff, 0x9a, 0xc);
    tss16 = (struct tss16){ 0 };
    tss16.ip = entry - base;
    tss16.flags = 0x2;
    tss16.sp = 0;
    tss16.cs = SEL_CODE_BASED;
    tss16.ss = tss16.ds = tss16.es = SEL_DATA;
    rt_gdt[SEL_BAD / 8] = seg_desc((uint32_t)&tss16, sizeof(tss16) - 1, 0x81, 0);
    t16_runs = 0;
    __asm__ volatile("mov $0xabcd, %%eax\n\t"
                     "lcall $0x70, $0" : "=a"(eax_out) : : "memory");
    CHECK_EQ(t16_runs, 1, "CALL to a 16-bit TSS runs the task");
    CHECK(t16_flags & 0x4000, "16-bit TSS task: NT set");
    CHECK_EQ(tss16.link, SEL_TSS, "16-bit TSS: link to the caller");
    CHECK_EQ(tss16.bx, 0x2222, "IRET: BX saved in the 16-bit TSS");
    CHECK_EQ(tss16.ip, (t16_after_iret - base) & 0xffff,
             "IRET: IP saved in the 16-bit TSS follows the IRET");
    CHECK_EQ(tss16.flags & 0x4000, 0, "IRET: NT clear in the saved FLAGS");
    CHECK_EQ(desc_type(SEL_BAD), 1, "IRET: the 16-bit TSS is available again");
    CHECK_EQ(eax_out, 0xabcd, "back from the 16-bit TSS task: EAX restored");
    rt_gdt[SEL_BAD / 8] = 0;
    rt_gdt[SEL_CODE_BASED / 8] = 0;
    __asm__ volatile("clts");
}

static void test_cr3(void)
{
    for (int i = 0; i < 1024; i++) {
        pd1[i] = pd2[i] = ((uint32_t)i << 22) | 0x83;    /* 4 MiB, RW, P */
    }
    WRITE_CR(4, READ_CR(4) | 0x10);     /* PSE */
    WRITE_CR(3, (uint32_t)pd1);
    WRITE_CR(0, READ_CR(0) | 0x80000000u);
    main_tss->cr3 = (uint32_t)pd1;
    init_tss(&tss_b, task_b_jmp, STACK_TOP(stack_b) - 4);
    tss_b.cr3 = (uint32_t)pd2;
    set_tss_desc(SEL_TSS_B, &tss_b, sizeof(tss_b) - 1, true);
    __asm__ volatile("ljmp $0x58, $0" : : : "memory");
    uint32_t back = READ_CR(3);
    WRITE_CR(0, READ_CR(0) & ~0x80000000u);
    CHECK_EQ(b_cr3, (uint32_t)pd2, "with paging, the new task's CR3 is loaded");
    CHECK_EQ(back, (uint32_t)pd1, "JMP back loads the main task's CR3");
    __asm__ volatile("clts");
}

static void test_faults(void)
{
    TRY_ASM("ljmp $0x48, $0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 13, "JMP to a busy TSS raises #GP");
    CHECK_EQ(rt_caught.error, SEL_TSS, "busy TSS on JMP: error code is the selector");
    TRY_ASM("lcall $0x48, $0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 13, "CALL to a busy TSS raises #GP");
    CHECK_EQ(rt_caught.error, SEL_TSS, "busy TSS on CALL: error code is the selector");

    set_tss_desc(SEL_BAD, &tss_b, 0x50, true);
    init_tss(&tss_b, task_b_jmp, STACK_TOP(stack_b) - 4);
    TRY_ASM("ljmp $0x70, $0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 10, "TSS limit below 0x67 raises #TS");
    CHECK_EQ(rt_caught.error, SEL_BAD, "#TS error code is the TSS selector");
    CHECK_EQ(desc_type(SEL_BAD), TYPE_TSS_AVAIL, "#TS before the switch: not busy");
    CHECK_EQ(str(), SEL_TSS, "#TS before the switch: TR unchanged");

    set_tss_desc(SEL_BAD, &tss_b, sizeof(tss_b) - 1, false);
    TRY_ASM("lcall $0x70, $0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 11, "CALL to a TSS not present raises #NP");
    CHECK_EQ(rt_caught.error, SEL_BAD, "#NP error code is the TSS selector");

    /* a task gate in the GDT naming the busy main TSS: #GP(TSS selector) */
    rt_gdt[SEL_GATE / 8] = ((uint64_t)SEL_TSS << 16) | (0x85ull << 40);
    TRY_ASM("ljmp $0x78, $0", : : : "memory");
    CHECK_EQ(rt_caught.vector, 13, "JMP through a task gate to a busy TSS: #GP");
    CHECK_EQ(rt_caught.error, SEL_TSS, "task gate to a busy TSS: error is the TSS");
    rt_gdt[SEL_GATE / 8] = 0;
    rt_gdt[SEL_BAD / 8] = 0;
}

void test_main(void)
{
    uint64_t d = rt_gdt[SEL_TSS / 8];
    main_tss = (struct tss32 *)(uint32_t)(((d >> 16) & 0xffffff)
                                          | ((d >> 56) << 24));
    test_jmp();
    test_call();
    test_double_fault();
    test_int_gate();
    test_tss16();
    test_cr3();
    test_faults();
}

#else

void test_main(void)
{
    rt_printf("# hardware task switching is tested in the 32-bit image only\n");
}

#endif
