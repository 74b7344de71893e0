/*
 * The guest test runtime: serial output, printf, test reporting in TAP
 * style, exit through isa-debug-exit, the IDT with handlers that report or
 * recover from exceptions, and small wrappers for privileged instructions.
 *
 * Exit convention (isa-debug-exit at port 0xf4, status = (V << 1) | 1):
 * V = 0 -> process status 1 means PASS; V = 1 -> status 3 means FAIL.
 * The last serial line is "PASS: <name>" or "FAIL: <name> (<n> failed)".
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include "asm.h"

typedef uintptr_t ureg;

#ifdef __x86_64__
struct trapframe {
    uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss;
};
#else
struct trapframe {
    uint32_t es, ds;
    uint32_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
    uint32_t vector, error;
    uint32_t ip, cs, flags, sp, ss;   /* sp, ss: only from ring 3 */
};
#endif

/* --- output and exit --- */
void rt_putc(char c);
void rt_puts(const char *s);
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
void rt_exit(int v) __attribute__((noreturn));

/* --- tests --- */
extern const char *test_name;
void test_main(void);           /* each test program defines it */
void rt_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CHECK(cond, ...) rt_check(!!(cond), __VA_ARGS__)
#define CHECK_EQ(a, b, what) do { \
        unsigned long long _a = (unsigned long long)(a); \
        unsigned long long _b = (unsigned long long)(b); \
        rt_check(_a == _b, "%s: got 0x%llx expected 0x%llx", what, _a, _b); \
    } while (0)
extern unsigned rt_failures;

/* --- Multiboot information saved at entry --- */
extern uint32_t rt_mb_magic;
extern uint32_t rt_mb_info;

/* --- exceptions --- */
typedef void (*trap_handler)(struct trapframe *tf);
void rt_set_handler(int vec, trap_handler h);
void rt_set_gate_dpl(int vec, int dpl);
void rt_set_gate_ist(int vec, int ist);
/* The IDT gate for a vector as an interrupt (IF cleared) or trap gate. */
void rt_set_gate_trap(int vec, bool trap);

/*
 * Expecting a fault: run `code` (an asm block or C) after arming a recovery
 * point; if an exception happens the handler records it and resumes at the
 * end of the block. rt_caught.vector is -1 when nothing happened.
 */
struct caught {
    int vector;
    ureg error;
    ureg cr2;
    ureg ip;
};
extern volatile struct caught rt_caught;
extern volatile ureg rt_recover_ip;
extern volatile ureg rt_recover_sp;
extern volatile ureg rt_recover_target;
/* Arm recovery, run asm `insn` (with operands), disarm. */
#ifdef __x86_64__
#define TRY_ASM(insn, ...) do { \
        rt_caught.vector = -1; \
        __asm__ volatile( \
            "push %%rax\n\tlea 1f(%%rip), %%rax\n\t" \
            "mov %%rax, rt_recover_ip(%%rip)\n\tpop %%rax\n\t" \
            "mov %%rsp, rt_recover_sp(%%rip)\n\t" \
            insn "\n1:\n\tmovq $0, rt_recover_ip(%%rip)\n\t" \
            __VA_ARGS__); \
    } while (0)
#else
#define TRY_ASM(insn, ...) do { \
        rt_caught.vector = -1; \
        __asm__ volatile( \
            "movl $1f, rt_recover_ip\n\t" \
            "mov %%esp, rt_recover_sp\n\t" \
            insn "\n1:\n\tmovl $0, rt_recover_ip\n\t" \
            __VA_ARGS__); \
    } while (0)
#endif

/* --- system helpers --- */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)) : "memory");
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                         uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "a"(leaf), "c"(sub));
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#define READ_CR(n) ({ ureg _v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(_v)); _v; })
#define WRITE_CR(n, v) __asm__ volatile("mov %0, %%cr" #n : : "r"((ureg)(v)) : "memory")
static inline void invlpg(const void *p)
{
    __asm__ volatile("invlpg (%0)" : : "r"(p) : "memory");
}
static inline ureg read_flags(void)
{
    ureg f;
    __asm__ volatile("pushf\n\tpop %0" : "=r"(f));
    return f;
}

/* The GDT (crt0.S) and TSS helpers. */
extern uint64_t rt_gdt[];
void rt_set_tss_stack(int ring, ureg sp);

/* The 32-bit TSS (SDM vol. 3A figure 7-2), for tests that build their own. */
struct tss32 {
    uint32_t link;
    uint32_t esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} __attribute__((packed));
void rt_set_ist(int ist, ureg sp);

/* Run a function at CPL 3 (flat user segments); returns when it calls
 * rt_user_return() (through INT 0x80 by default). Pages it touches must be
 * user-accessible. */
void rt_run_user(void (*fn)(void));

#endif
