/*
 * Segment limit and type checks on data accesses and instruction fetch
 * (SDM vol. 3A 5.3-5.4). 32-bit: byte-granular and G-scaled limits with the
 * access size (the last byte must be inside), #GP(0) through DS-class
 * registers and #SS(0) through SS (explicit, ESP-based and ENTER),
 * expand-down stacks, read-only data, execute-only and CS-override writes,
 * a null selector, fetch past the CS limit in 32- and 16-bit code, and data
 * limits seen from 16-bit code. Each fault is checked for its vector and
 * error code and for the access not having happened. 64-bit: no limit
 * checks through FS, a non-canonical address is #GP(0) and a
 * non-canonical stack address #SS(0). Real-mode limits are covered by
 * the modes test (big real mode).
 */
#include "runtime.h"

const char *test_name = "segments";

#define SEL_A 0x60      /* spare GDT slots (crt0.S) */
#define SEL_B 0x68
#define SEL_C 0x70

static uint8_t buf[0x3000] __attribute__((aligned(4096)));

/* A code or data descriptor: `type` is the access byte (P, DPL, S, type),
 * `gb` the G (8) and D/B (4) flags. */
static uint64_t mkdesc(uint32_t base, uint32_t limit, unsigned type, unsigned gb)
{
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16)
           | ((uint64_t)type << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48)
           | ((uint64_t)gb << 52) | ((uint64_t)(base >> 24) << 56);
}


static void expect(int vec, ureg err, const char *what)
{
    rt_check(rt_caught.vector == vec && rt_caught.error == err,
             "%s: vector %d error 0x%lx (want %d, 0x%lx)", what,
             rt_caught.vector, (unsigned long)rt_caught.error, vec,
             (unsigned long)err);
}

static void expect_none(const char *what)
{
    rt_check(rt_caught.vector == -1, "%s: no fault (got vector %d)", what,
             rt_caught.vector);
}

#ifndef __x86_64__

static void set_gs(uint16_t sel)
{
    __asm__ volatile("mov %0, %%gs" : : "r"(sel) : "memory");
}

/* 16-bit code, run through a descriptor whose base is its address: a
 * 32-bit read through GS at offset 0xffe (last byte 0x1001), then a far
 * return to the 32-bit caller. */
extern char seg16_read[], seg16_read_end[], run_past32[], run_past16[];
extern char xonly_read[], cs_write[];
__asm__(".pushsection .text\n"
        ".code16\n"
        "seg16_read:\n"
        "    movl %gs:0xffe, %eax\n"
        "seg16_read_end:\n"
        "    lretl\n"
        "run_past16:\n"
        "    incl %ecx\n"
        "    incl %ecx\n"
        "    incl %ecx\n"
        "    lretl\n"
        ".code32\n"
        "run_past32:\n"
        "    inc %ecx\n"
        "    inc %ecx\n"
        "    inc %ecx\n"
        "    inc %ecx\n"
        "    lret\n"
        "xonly_read:\n"
        "    mov %cs:xonly_read, %eax\n"
        "    lret\n"
        "cs_write:\n"
        "    mov %eax, %cs:buf\n"
        "    lret\n"
        ".popsection\n");

static void data_limits(void)
{
    volatile uint32_t *w = (volatile uint32_t *)buf;
    uint32_t v = 0;

    /* byte-granular limit 0xfff: a dword at 0xffc fits, at 0xffd not */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 0xfff, 0x92, 4);
    set_gs(SEL_A);
    TRY_ASM("movl $0x11223344, %%gs:0xffc", : : : "memory");
    expect_none("dword write ending at the limit");
    CHECK_EQ(w[0xffc / 4], 0x11223344, "the write inside the limit happened");
    buf[0xffd] = 0xaa;
    TRY_ASM("movl $0x55667788, %%gs:0xffd", : : : "memory");
    expect(13, 0, "dword write crossing the GS limit");
    CHECK_EQ(buf[0xffd], 0xaa, "the write crossing the limit did not happen");
    TRY_ASM("movb %%gs:0xfff, %%al", : : : "eax", "memory");
    expect_none("byte read at the limit");
    TRY_ASM("movb %%gs:0x1000, %%al", : : : "eax", "memory");
    expect(13, 0, "byte read just past the limit");
    v = 0x1234;
    TRY_ASM("mov %%gs:0x1000, %0", : "+r"(v) : : "memory");
    CHECK_EQ(v, 0x1234, "the faulting read left its destination alone");

    /* G bit: limit field 1 -> 0x1fff */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 1, 0x92, 0xc);
    set_gs(SEL_A);
    TRY_ASM("movl %%gs:0x1ffc, %%eax", : : : "eax", "memory");
    expect_none("G=1: dword read ending at 0x1fff");
    TRY_ASM("movw %%gs:0x1fff, %%ax", : : : "eax", "memory");
    expect(13, 0, "G=1: word read crossing the scaled limit");

    /* read-only data: reads are fine, writes #GP(0) */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 0xffff, 0x90, 4);
    set_gs(SEL_A);
    w[0] = 0xcafe;
    TRY_ASM("mov %%gs:0, %0", : "=r"(v) : : "memory");
    expect_none("read from a read-only segment");
    CHECK_EQ(v, 0xcafe, "the read-only segment's data");
    TRY_ASM("movl $1, %%gs:0", : : : "memory");
    expect(13, 0, "write to a read-only data segment");
    TRY_ASM("addl $1, %%gs:0", : : : "memory");
    expect(13, 0, "read-modify-write of a read-only data segment");
    CHECK_EQ(w[0], 0xcafe, "the read-only segment was not written");

    /* string instructions check ES and DS too */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 0xfff, 0x92, 4);
    __asm__ volatile("mov %0, %%es" : : "r"((uint16_t)SEL_A) : "memory");
    buf[0x1000] = 0x5c;
    TRY_ASM("mov $0x1000, %%edi\n\tmov $0x77, %%al\n\tstosb",
            : : : "eax", "edi", "memory");
    __asm__ volatile("mov %0, %%es" : : "r"((uint16_t)SEL_DATA) : "memory");
    expect(13, 0, "STOSB past the ES limit");
    CHECK_EQ(buf[0x1000], 0x5c, "STOSB past the limit did not store");

    /* null selector */
    set_gs(0);
    TRY_ASM("movl %%gs:0, %%eax", : : : "eax", "memory");
    expect(13, 0, "read through a null GS");

    /* back to a flat segment: the fast path again */
    set_gs(SEL_DATA);
    w[1] = 0x600d;
    TRY_ASM("mov %%gs:(%1), %0", : "=r"(v) : "r"(&w[1]) : "memory");
    expect_none("read through a flat GS after the limited ones");
    CHECK_EQ(v, 0x600d, "flat GS reads the same memory as DS");
}

static void code_segments(void)
{
    uint32_t v = 0, ecx;

    /* execute-only code: CS-relative reads #GP(0) */
    rt_gdt[SEL_A / 8] = mkdesc(0, 0xfffff, 0x98, 0xc);
    TRY_ASM("lcall %1, $xonly_read", : "=a"(v) : "i"(SEL_A) : "memory");
    expect(13, 0, "read through an execute-only CS");
    /* readable code: the read works, a CS-override write #GP(0) */
    rt_gdt[SEL_A / 8] = mkdesc(0, 0xfffff, 0x9a, 0xc);
    TRY_ASM("lcall %1, $xonly_read", : "=a"(v) : "i"(SEL_A) : "memory");
    expect_none("read through a readable CS");
    CHECK_EQ(v, *(uint32_t *)xonly_read, "CS-relative read");
    buf[0] = 0x3c;
    TRY_ASM("mov $0xffffffff, %%eax\n\tlcall %0, $cs_write", : : "i"(SEL_A)
            : "eax", "memory");
    expect(13, 0, "write through CS");
    CHECK_EQ(buf[0], 0x3c, "the write through CS did not happen");

    /* fetch past the CS limit: 32-bit code, limit 2 (three INCs fit in
     * bytes 0-2, the fourth is at offset 3) */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)run_past32, 2, 0x9a, 4);
    ecx = 0;
    TRY_ASM("lcall %1, $0", : "+c"(ecx) : "i"(SEL_A) : "memory");
    expect(13, 0, "32-bit fetch past the CS limit");
    CHECK_EQ(rt_caught.ip, 3, "#GP reported at the first instruction past the limit");
    CHECK_EQ(ecx, 3, "the instructions inside the limit ran, the next did not");

    /* 16-bit code: INC ECX is 66 41, two bytes; limit 4 fits two of them */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)run_past16, 4, 0x9a, 0);
    ecx = 0;
    TRY_ASM("lcall %1, $0", : "+c"(ecx) : "i"(SEL_A) : "memory");
    expect(13, 0, "16-bit fetch past the CS limit");
    CHECK_EQ(rt_caught.ip, 4, "16-bit #GP at the instruction crossing the limit");
    CHECK_EQ(ecx, 2, "16-bit code ran up to the limit");

    /* 16-bit code reading through a 0xfff-limit GS */
    rt_gdt[SEL_B / 8] = mkdesc((uint32_t)seg16_read, 0xffff, 0x9a, 0);
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 0xfff, 0x92, 0);
    set_gs(SEL_A);
    v = 0x1234;
    TRY_ASM("lcall %1, $0", : "+a"(v) : "i"(SEL_B) : "memory");
    expect(13, 0, "16-bit code: dword read crossing the GS limit");
    CHECK_EQ(rt_caught.ip, 0, "16-bit #GP at the faulting read");
    CHECK_EQ(v, 0x1234, "16-bit faulting read left EAX alone");
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)buf, 0x1001, 0x92, 0);
    set_gs(SEL_A);
    *(volatile uint32_t *)(buf + 0xffe) = 0xfeedf00d;
    TRY_ASM("lcall %1, $0", : "=a"(v) : "i"(SEL_B) : "memory");
    expect_none("16-bit code: the same read with the limit at 0x1001");
    CHECK_EQ(v, 0xfeedf00d, "16-bit code read through GS");
    set_gs(SEL_DATA);
}

static volatile uint32_t saved_ebp __attribute__((used));
static volatile uint32_t ebp_after __attribute__((used));
static volatile uint32_t enter_sp __attribute__((used));
static volatile uint32_t enter_ss __attribute__((used));

static void stack_segments(void)
{
    uint32_t esp;
    __asm__ volatile("mov %%esp, %0" : "=r"(esp));

    /* expand-up SS with a 16 MiB limit (G=1, field 0xfff) around the
     * current stack: an SS access at 16 MiB is #SS(0) */
    rt_gdt[SEL_C / 8] = mkdesc(0, 0xfff, 0x92, 0xc);
    TRY_ASM("mov %0, %%ss\n\tmov %%ss:0xfffffc, %%eax\n\t"
            "mov %%ss:0xfffffd, %%eax",
            : : "r"((uint32_t)SEL_C) : "eax", "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "SS-override read crossing the SS limit");
    /* ESP-based addressing defaults to SS */
    TRY_ASM("mov %0, %%ss\n\tmov (%%esp,%1), %%eax",
            : : "r"((uint32_t)SEL_C), "r"(0x1000000 - esp + 64) : "eax", "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "ESP-based read past the SS limit");

    /* expand-down 32-bit stack, limit 0xfffff: offsets 0x100000 up to
     * 4 GiB - 1 are valid, the stack (above 1 MiB) is inside */
    CHECK(esp > 0x110000, "the stack is above 1 MiB + 64 KiB (esp 0x%x)", esp);
    rt_gdt[SEL_C / 8] = mkdesc(0, 0xfffff, 0x96, 4);
    buf[0] = 0;
    TRY_ASM("mov %0, %%ss\n\tmov %%ss:0x100000, %%eax\n\t"
            "mov %%ss:0xffffc, %%eax",
            : : "r"((uint32_t)SEL_C) : "eax", "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "expand-down SS: read at or below the limit");
    TRY_ASM("mov %0, %%ss\n\tmovl $0x4321, %%ss:(%1)",
            : : "r"((uint32_t)SEL_C), "r"(buf + 0x100) : "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    if ((uint32_t)buf > 0x100000) {
        expect_none("expand-down SS: write above the limit");
        CHECK_EQ(*(volatile uint32_t *)(buf + 0x100), 0x4321,
                 "expand-down SS: the write above the limit happened");
    }

    /* ENTER whose frame would end at or below an expand-down limit:
     * #SS(0) before anything changes (EBP keeps its value). The stack is
     * moved into buf, above the limit buf + 0xfff (G=1), so the exception
     * frame lands there. */
    enter_sp = (uint32_t)buf + 0x1ff0;
    enter_ss = SEL_C;
    rt_gdt[SEL_C / 8] = mkdesc(0, (uint32_t)buf >> 12, 0x96, 0xc);
    __asm__ volatile(
        "mov %%ebp, saved_ebp\n\t"
        "movl $1f, rt_recover_ip\n\t"
        "mov %%esp, rt_recover_sp\n\t"
        "movl $-1, rt_caught\n\t"
        "mov enter_sp, %%esp\n\t"
        "mov enter_ss, %%ss\n\t"
        "mov $0x5eb5eb, %%ebp\n\t"
        "enter $0x10, $0\n\t"           /* fits */
        "leave\n\t"
        "enter $0x1000, $0\n\t"         /* ends at buf + 0xfec */
        "leave\n\t"
        "mov rt_recover_sp, %%esp\n"
        "1:\n\t"
        "movl $0, rt_recover_ip\n\t"
        "mov %%ebp, ebp_after\n\t"
        "mov saved_ebp, %%ebp\n\t"
        : : : "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "ENTER with a frame below the expand-down limit");
    CHECK_EQ(ebp_after, 0x5eb5eb, "the faulting ENTER left EBP alone");

    /* PUSH and POP through an expand-up SS whose limit is buf + 0x1fff:
     * a push and pop below it work, a dword pop at 0x1ffe #SS(0) */
    rt_gdt[SEL_C / 8] = mkdesc(0, ((uint32_t)buf >> 12) + 1, 0x92, 0xc);
    TRY_ASM("mov %%esp, %%edx\n\tmov %1, %%esp\n\tmov %0, %%ss\n\t"
            "push %%eax\n\tpop %%eax\n\tadd $2, %%esp\n\tpop %%eax\n\t"
            "mov %%edx, %%esp",
            : : "r"((uint32_t)SEL_C), "r"((uint32_t)buf + 0x1ffc)
            : "eax", "edx", "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "POP of a dword crossing the SS limit");
}

/*
 * The new stack of a privilege-changing transfer (SDM vol. 3A 6.12.1,
 * 5.8.5): ring-3 code enters a ring-1 handler through an interrupt gate
 * (INT n, and #UD for an exception with EXT set) or a call gate with two
 * parameters, while the TSS names a ring-1 stack. A frame that does not
 * fit its limit is #SS(new SS) before anything is written; a bad SS
 * descriptor is #TS(SS) or, not present, #SS(SS). The faults go to the
 * runtime's ring-0 handlers through the good ring-0 stack. IRET to ring 3
 * whose SS:ESP lie past the current SS limit is #SS(0).
 */
#define SEL_R1CODE SEL_A
#define SEL_R1STACK SEL_B
#define SEL_CGATE SEL_C
#define VEC_R1 0x81         /* interrupt gate to ring 1, DPL 3 */
#define VEC_BACK 0x82       /* back to ring 0 through the runtime */

static uint8_t r1stack[0x200] __attribute__((aligned(16)));
static uint8_t r3stack[0x400] __attribute__((aligned(16)));
static volatile uint32_t r3_esp __attribute__((used));
static volatile uint32_t r1_entered;

extern char r1_iret[], r1_lret[];
__asm__(".pushsection .text\n"
        "r1_iret:\n"
        "    incl r1_entered\n"
        "    iret\n"
        "r1_lret:\n"
        "    incl r1_entered\n"
        "    lret $8\n"
        ".popsection\n");

static uint32_t *tss32(void)
{
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    uint64_t d = rt_gdt[tr / 8];
    return (uint32_t *)(uintptr_t)(((d >> 16) & 0xffffff) | ((d >> 56) << 24));
}

static uint64_t mkgate(uint16_t sel, uint32_t off, unsigned type, unsigned pc)
{
    return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)pc << 32)
           | ((uint64_t)type << 40) | ((uint64_t)(off >> 16) << 48);
}

static void set_idt(int vec, uint64_t g)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    ((volatile uint64_t *)(uintptr_t)idtr.base)[vec] = g;
}

static uint64_t get_idt(int vec)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    return ((volatile uint64_t *)(uintptr_t)idtr.base)[vec];
}

/* Ring-1 stack: the descriptor (access byte `type`) based at r1stack with
 * `limit`, named by `ss1` in the TSS with ESP1 = 0x100. */
static void set_r1_stack(unsigned type, uint32_t limit, uint16_t ss1)
{
    uint32_t *tss = tss32();
    rt_gdt[SEL_R1STACK / 8] = mkdesc((uint32_t)r1stack, limit, type, 4);
    tss[3] = 0x100;             /* ESP1 */
    tss[4] = ss1;               /* SS1 */
    for (unsigned i = 0; i < sizeof(r1stack); i++) {
        r1stack[i] = 0xa5;
    }
}

/* Enter ring 3 and run `act`; ring 3 comes back with INT VEC_BACK, which
 * the runtime reports as that vector (so "no fault" reads as VEC_BACK). */
#define RING3(act) \
    TRY_ASM("mov %[ud], %%eax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\t" \
            "pushl %[ud]\n\tpushl r3_esp\n\tpushl $2\n\tpushl %[uc]\n\t" \
            "pushl $2f\n\tiret\n" \
            "2:\n\t" act "\n\tint %[back]", \
            : : [ud]"i"(SEL_UDATA), [uc]"i"(SEL_UCODE32), \
                [back]"i"(VEC_BACK), [cg]"i"(SEL_CGATE | 3), \
                [r1]"i"(VEC_R1) \
            : "eax", "memory"); \
    __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es" \
                     : : "r"((uint32_t)SEL_DATA) : "memory")

static void inner_stack_limits(void)
{
    uint64_t ud_gate = get_idt(6);
    uint32_t *tss = tss32();
    uint32_t esp1 = tss[3], ss1 = tss[4];

    r3_esp = (uint32_t)r3stack + sizeof(r3stack) - 16;
    rt_gdt[SEL_R1CODE / 8] = mkdesc(0, 0xfffff, 0xba, 0xc);
    rt_gdt[SEL_CGATE / 8] = mkgate(SEL_R1CODE | 1, (uint32_t)r1_lret, 0xec, 2);
    set_idt(VEC_R1, mkgate(SEL_R1CODE | 1, (uint32_t)r1_iret, 0xee, 0));
    rt_set_gate_dpl(VEC_BACK, 3);

    /* INT n: 20 bytes below 0x100 fit a limit of 0xff, not of 0xfe */
    set_r1_stack(0xb2, 0xff, SEL_R1STACK | 1);
    r1_entered = 0;
    RING3("int %[r1]");
    expect(VEC_BACK, 0, "INT to ring 1: the frame fits the new SS limit");
    CHECK_EQ(r1_entered, 1, "the ring-1 handler ran");
    set_r1_stack(0xb2, 0xfe, SEL_R1STACK | 1);
    r1_entered = 0;
    RING3("int %[r1]");
    expect(12, SEL_R1STACK, "INT to ring 1: frame past the new SS limit");
    CHECK_EQ(r1_entered, 0, "the ring-1 handler did not run");

    /* expand-down: valid offsets above the limit; the frame's low end at
     * 0xec must be above it. Nothing is written when it is not. */
    set_r1_stack(0xb6, 0xec, SEL_R1STACK | 1);
    RING3("int %[r1]");
    expect(12, SEL_R1STACK, "INT to ring 1: frame reaching an expand-down limit");
    CHECK_EQ(r1stack[0xff], 0xa5, "the faulting delivery wrote nothing");
    set_r1_stack(0xb6, 0xeb, SEL_R1STACK | 1);
    RING3("int %[r1]");
    expect(VEC_BACK, 0, "INT to ring 1: frame just above an expand-down limit");

    /* an exception (#UD) through the same gate: EXT set in the error code */
    set_idt(6, mkgate(SEL_R1CODE | 1, (uint32_t)r1_iret, 0xee, 0));
    set_r1_stack(0xb2, 0xfe, SEL_R1STACK | 1);
    RING3("ud2");
    expect(12, SEL_R1STACK | 1, "#UD to ring 1: frame past the limit, EXT set");

    /* the new SS descriptor: RPL, DPL, writability, presence */
    set_r1_stack(0xb2, 0xfff, SEL_R1STACK | 2);
    RING3("ud2");
    expect(10, SEL_R1STACK | 1, "#UD to ring 1: SS1 RPL not 1 is #TS(SS), EXT");
    set_r1_stack(0xb2, 0xfff, SEL_R1STACK | 2);
    RING3("int %[r1]");
    expect(10, SEL_R1STACK, "INT to ring 1: SS1 RPL not 1 is #TS(SS)");
    set_r1_stack(0xd2, 0xfff, SEL_R1STACK | 1);
    RING3("int %[r1]");
    expect(10, SEL_R1STACK, "INT to ring 1: SS1 descriptor DPL 2 is #TS(SS)");
    set_r1_stack(0xb0, 0xfff, SEL_R1STACK | 1);
    RING3("int %[r1]");
    expect(10, SEL_R1STACK, "INT to ring 1: read-only SS1 is #TS(SS)");
    set_r1_stack(0x32, 0xfff, SEL_R1STACK | 1);
    RING3("int %[r1]");
    expect(12, SEL_R1STACK, "INT to ring 1: SS1 not present is #SS(SS)");
    set_r1_stack(0x32, 0xfff, SEL_R1STACK | 1);
    RING3("ud2");
    expect(12, SEL_R1STACK | 1, "#UD to ring 1: SS1 not present, EXT set");
    set_idt(6, ud_gate);

    /* call gate with two dword parameters: SS, ESP, 2 parameters, CS, EIP
     * (24 bytes) fit a limit of 0xff, not of 0xfe */
    set_r1_stack(0xb2, 0xff, SEL_R1STACK | 1);
    r1_entered = 0;
    RING3("pushl $1\n\tpushl $2\n\tlcall %[cg], $0\n\taddl $8, %%esp");
    expect(VEC_BACK, 0, "call gate to ring 1: stack with parameters fits");
    CHECK_EQ(r1_entered, 1, "the ring-1 procedure ran");
    CHECK(*(volatile uint32_t *)(r1stack + 0xf4) == 1
          && *(volatile uint32_t *)(r1stack + 0xf0) == 2,
          "the parameters were copied to the new stack in order");
    set_r1_stack(0xb2, 0xfe, SEL_R1STACK | 1);
    RING3("pushl $1\n\tpushl $2\n\tlcall %[cg], $0\n\taddl $8, %%esp");
    expect(12, SEL_R1STACK, "call gate to ring 1: new stack past its limit");
    set_r1_stack(0xb6, 0xe8, SEL_R1STACK | 1);
    RING3("pushl $1\n\tpushl $2\n\tlcall %[cg], $0\n\taddl $8, %%esp");
    expect(12, SEL_R1STACK, "call gate to ring 1: expand-down limit reached");
    CHECK_EQ(r1stack[0xff], 0xa5, "the faulting call wrote nothing");
    set_r1_stack(0xb2, 0xfff, SEL_R1STACK | 2);
    RING3("pushl $1\n\tpushl $2\n\tlcall %[cg], $0\n\taddl $8, %%esp");
    expect(10, SEL_R1STACK, "call gate to ring 1: SS1 RPL not 1 is #TS(SS)");

    /* IRET to ring 3 from ring 0 with SS limited so that EIP, CS and
     * EFLAGS fit but the outer ESP and SS do not: #SS(0) */
    rt_gdt[SEL_R1STACK / 8] = mkdesc(0, ((uint32_t)buf >> 12) + 1, 0x92, 0xc);
    enter_sp = (uint32_t)buf + 0x1ff4;      /* the limit is buf + 0x1fff */
    enter_ss = SEL_R1STACK;
    *(volatile uint32_t *)(buf + 0x1ff4) = 0;
    *(volatile uint32_t *)(buf + 0x1ff8) = SEL_UCODE32;
    *(volatile uint32_t *)(buf + 0x1ffc) = 2;
    TRY_ASM("mov enter_ss, %%ss\n\tmov enter_sp, %%esp\n\tiret", : : : "memory");
    __asm__ volatile("mov %0, %%ss" : : "r"((uint32_t)SEL_DATA) : "memory");
    expect(12, 0, "IRET to ring 3 with SS:ESP past the SS limit");

    tss[3] = esp1;
    tss[4] = ss1;
    rt_set_gate_dpl(VEC_BACK, 0);
}

#else

static uint8_t ss_ist[4096] __attribute__((aligned(16)));

static void long_mode(void)
{
    uint32_t v = 0;

    /* 64-bit mode: no limit checks through FS (only its base) */
    rt_gdt[SEL_A / 8] = mkdesc((uint32_t)(ureg)buf, 0xfff, 0x92, 0);
    __asm__ volatile("mov %0, %%fs" : : "r"((uint16_t)SEL_A) : "memory");
    *(volatile uint32_t *)(buf + 0x2000) = 0xf5f5;
    TRY_ASM("mov %%fs:0x2000, %0", : "=r"(v) : : "memory");
    expect_none("64-bit: FS read past the descriptor limit");
    CHECK_EQ(v, 0xf5f5, "64-bit: FS adds its base only");
    __asm__ volatile("mov %0, %%fs" : : "r"((uint16_t)0) : "memory");

    /* non-canonical: #GP(0) for data, #SS(0) for stack references */
    TRY_ASM("mov (%0), %%eax", : : "r"(0x0000800000000000ull) : "eax", "memory");
    expect(13, 0, "64-bit: non-canonical data address");
    TRY_ASM("mov (%%rsp,%0), %%eax", : : "r"(0x8000000000000000ull) : "eax", "memory");
    expect(12, 0, "64-bit: non-canonical RSP-based address");

    /* PUSH and POP with a non-canonical RSP: #SS(0), taken on an IST
     * stack since the exception frame cannot go on that RSP (#GP too, so
     * that an emulator raising #GP reports it instead of faulting again) */
    rt_set_ist(3, (ureg)(ss_ist + sizeof(ss_ist)));
    rt_set_gate_ist(12, 3);
    rt_set_gate_ist(13, 3);
    TRY_ASM("mov %%rsp, %%rdx\n\tmov %0, %%rsp\n\tpush %%rax\n\t"
            "mov %%rdx, %%rsp", : : "r"(0x8000000000000008ull) : "rdx", "memory");
    expect(12, 0, "64-bit: PUSH with a non-canonical RSP");
    TRY_ASM("mov %%rsp, %%rdx\n\tmov %0, %%rsp\n\tpop %%rax\n\t"
            "mov %%rdx, %%rsp", : : "r"(0x8000000000000000ull)
            : "rax", "rdx", "memory");
    expect(12, 0, "64-bit: POP with a non-canonical RSP");
    rt_set_gate_ist(12, 0);
    rt_set_gate_ist(13, 0);
}

#endif

void test_main(void)
{
#ifndef __x86_64__
    data_limits();
    code_segments();
    stack_segments();
    inner_stack_limits();
#else
    long_mode();
#endif
}
