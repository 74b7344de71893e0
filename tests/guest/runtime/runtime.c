/*
 * The guest test runtime (see runtime.h): COM1 output at 0x3f8, a small
 * printf, TAP-style checks, the IDT (32- or 64-bit gates to the stubs in
 * crt0.S), the TSS, the recovery mechanism for expected faults, and a way
 * to run code at CPL 3.
 */
#include "runtime.h"

#define COM1            0x3f8
#define COM_LSR         5
#define LSR_THRE        0x20
#define DEBUG_EXIT_PORT 0xf4

const char *test_name __attribute__((weak)) = "guest-test";
unsigned rt_failures;
static unsigned rt_checks;
uint32_t rt_mb_magic, rt_mb_info;
volatile struct caught rt_caught;
volatile ureg rt_recover_ip;
volatile ureg rt_recover_sp;
volatile ureg rt_recover_target;
static trap_handler handlers[256];

/* --- output --- */

void rt_putc(char c)
{
    if (c == '\n') {
        rt_putc('\r');
    }
    for (int i = 0; i < 100000 && !(inb(COM1 + COM_LSR) & LSR_THRE); i++) {
    }
    outb(COM1, c);
}

void rt_puts(const char *s)
{
    while (*s) {
        rt_putc(*s++);
    }
}

static void put_num(char **p, char *end, unsigned long long v, int base,
                    int width, char pad, bool neg)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg) {
        tmp[n++] = '-';
    }
    while (width-- > n) {
        if (*p < end) {
            *(*p)++ = pad;
        }
    }
    while (n) {
        if (*p < end) {
            *(*p)++ = tmp[--n];
        } else {
            n--;
        }
    }
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    char *p = buf, *end = buf + size - 1;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            if (p < end) {
                *p++ = *fmt;
            }
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        unsigned long long v;
        switch (*fmt) {
        case 'd': {
            long long s = longs >= 2 ? va_arg(ap, long long)
                        : longs ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&p, end, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
                    10, width, pad, s < 0);
            break;
        }
        case 'u': case 'x':
            v = longs >= 2 ? va_arg(ap, unsigned long long)
              : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            put_num(&p, end, v, *fmt == 'x' ? 16 : 10, width, pad, false);
            break;
        case 'p':
            v = (uintptr_t)va_arg(ap, void *);
            put_num(&p, end, v, 16, width, pad, false);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) {
                s = "(null)";
            }
            while (*s && p < end) {
                *p++ = *s++;
            }
            break;
        }
        case 'c':
            if (p < end) {
                *p++ = (char)va_arg(ap, int);
            }
            break;
        case '%':
            if (p < end) {
                *p++ = '%';
            }
            break;
        default:
            break;
        }
    }
    *p = '\0';
    return p - buf;
}

int rt_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rt_puts(buf);
    return n;
}

void rt_exit(int v)
{
    outl(DEBUG_EXIT_PORT, v);
    /* isa-debug-exit missing: stop here */
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void rt_check(bool ok, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    rt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rt_checks++;
    if (!ok) {
        rt_failures++;
    }
    rt_printf("%s %u - %s\n", ok ? "ok" : "not ok", rt_checks, buf);
}

/* --- IDT --- */

extern const ureg rt_stub_table[256];

#ifdef __x86_64__
struct gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};
#else
struct gate {
    uint16_t off0, sel;
    uint8_t zero, type;
    uint16_t off1;
};
#endif

static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(int vec, ureg handler, int type, int dpl, int ist)
{
    struct gate *g = &idt[vec];
    g->off0 = handler & 0xffff;
    g->off1 = (handler >> 16) & 0xffff;
#ifdef __x86_64__
    g->sel = SEL_CODE64;
    g->off2 = (uint64_t)handler >> 32;
    g->ist = ist;
    g->zero = 0;
#else
    g->sel = SEL_CODE32;
    g->zero = 0;
    (void)ist;
#endif
    g->type = 0x80 | (dpl << 5) | type;
}

void rt_set_gate_dpl(int vec, int dpl)
{
    idt[vec].type = (idt[vec].type & ~0x60) | (dpl << 5);
}

void rt_set_gate_trap(int vec, bool trap)
{
    idt[vec].type = (idt[vec].type & ~1) | (trap ? 1 : 0);
}

void rt_set_gate_ist(int vec, int ist)
{
#ifdef __x86_64__
    idt[vec].ist = ist;
#else
    (void)vec;
    (void)ist;
#endif
}

void rt_set_handler(int vec, trap_handler h)
{
    handlers[vec] = h;
}

static const char *const vec_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
    "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
    "#VE", "#CP",
};

void rt_trap(struct trapframe *tf);
void rt_trap(struct trapframe *tf)
{
    int vec = tf->vector;
    if (handlers[vec]) {
        handlers[vec](tf);
        return;
    }
    if (rt_recover_ip) {
        rt_caught.vector = vec;
        rt_caught.error = tf->error;
        rt_caught.ip = tf->ip;
        rt_caught.cr2 = vec == 14 ? READ_CR(2) : 0;
        tf->ip = rt_recover_ip;
#ifdef __x86_64__
        tf->sp = rt_recover_sp;
        tf->cs = SEL_CODE64;
        tf->ss = SEL_DATA;
#else
        /* a 32-bit IRET at the same level does not reload ESP: go through
         * a trampoline that restores it */
        extern char rt_recover_tramp[];
        rt_recover_target = rt_recover_ip;
        tf->ip = (ureg)rt_recover_tramp;
        tf->cs = SEL_CODE32;
#endif
        rt_recover_ip = 0;
        return;
    }
    rt_printf("unexpected exception %d (%s) error 0x%lx at ip 0x%lx cr2 0x%lx\n",
              vec, vec < 32 && vec_names[vec] ? vec_names[vec] : "irq",
              (unsigned long)tf->error, (unsigned long)tf->ip,
              (unsigned long)READ_CR(2));
    rt_printf("FAIL: %s (unexpected exception)\n", test_name);
    rt_exit(1);
}

/* --- TSS --- */

#ifdef __x86_64__
typedef struct rt_tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap;
} __attribute__((packed)) rt_tss;
#else
typedef struct tss32 rt_tss;    /* runtime.h */
#endif
static rt_tss tss __attribute__((aligned(16)));
static uint8_t ring0_stack[16384] __attribute__((aligned(16)));

void rt_set_tss_stack(int ring, ureg sp)
{
#ifdef __x86_64__
    tss.rsp[ring] = sp;
#else
    if (ring == 0) {
        tss.esp0 = sp;
        tss.ss0 = SEL_DATA;
    }
#endif
}

void rt_set_ist(int ist, ureg sp)
{
#ifdef __x86_64__
    tss.ist[ist - 1] = sp;
#else
    (void)ist;
    (void)sp;
#endif
}

static void setup_tss(void)
{
    ureg base = (ureg)&tss;
    uint32_t limit = sizeof(tss) - 1;
    tss.iomap = sizeof(tss);        /* no I/O bitmap */
    rt_set_tss_stack(0, (ureg)ring0_stack + sizeof(ring0_stack));
    uint64_t d = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16)
                 | (0x89ull << 40) | ((uint64_t)(limit >> 16) << 48)
                 | ((uint64_t)((base >> 24) & 0xff) << 56);
    rt_gdt[SEL_TSS / 8] = d;
#ifdef __x86_64__
    rt_gdt[SEL_TSS / 8 + 1] = (uint64_t)base >> 32;
#endif
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

/* --- user mode --- */

extern ureg user_saved_sp;
ureg user_saved_sp;
static uint8_t user_stack[16384] __attribute__((aligned(16)));

void user_return_handler(struct trapframe *tf);
void user_return_handler(struct trapframe *tf)
{
    /* back to rt_run_user's caller: resume after the iret there */
    extern char rt_user_resume[];
    tf->ip = (ureg)rt_user_resume;
#ifdef __x86_64__
    tf->cs = SEL_CODE64;
    tf->ss = SEL_DATA;
    tf->sp = user_saved_sp;
#else
    /* a 32-bit IRET to ring 0 pops no ESP: switch stacks in the stub */
    tf->cs = SEL_CODE32;
#endif
}

void rt_run_user(void (*fn)(void))
{
    rt_set_handler(0x80, user_return_handler);
#ifdef __x86_64__
    __asm__ volatile(
        "push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\t"
        "push %%r14\n\tpush %%r15\n\t"
        "mov %%rsp, user_saved_sp(%%rip)\n\t"
        "pushq %[uss]\n\tpushq %[usp]\n\tpushq $0x2\n\t"
        "pushq %[ucs]\n\tpushq %[fn]\n\t"
        "iretq\n\t"
        ".globl rt_user_resume\nrt_user_resume:\n\t"
        "pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\t"
        "pop %%rbp\n\tpop %%rbx\n\t"
        : : [uss]"i"(SEL_UDATA), [usp]"r"((ureg)user_stack + sizeof(user_stack) - 8),
            [ucs]"i"(SEL_UCODE64), [fn]"r"(fn)
        : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
#else
    __asm__ volatile(
        "push %%ebx\n\tpush %%ebp\n\tpush %%esi\n\tpush %%edi\n\t"
        "mov %%esp, user_saved_sp\n\t"
        "pushl %[uss]\n\tpushl %[usp]\n\tpushl $0x2\n\t"
        "pushl %[ucs]\n\tpushl %[fn]\n\t"
        "mov %[uss], %%eax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\t"
        "iret\n\t"
        ".globl rt_user_resume\nrt_user_resume:\n\t"
        "mov user_saved_sp, %%esp\n\t"
        "mov %[kds], %%eax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\t"
        "pop %%edi\n\tpop %%esi\n\tpop %%ebp\n\tpop %%ebx\n\t"
        : : [uss]"i"(SEL_UDATA), [usp]"r"((ureg)user_stack + sizeof(user_stack) - 4),
            [ucs]"i"(SEL_UCODE32), [fn]"r"(fn), [kds]"i"(SEL_DATA)
        : "memory", "eax", "ecx", "edx");
#endif
    rt_set_handler(0x80, 0);
}

/* --- entry --- */

void rt_start(uint32_t magic, uint32_t info);
void rt_start(uint32_t magic, uint32_t info)
{
    rt_mb_magic = magic;
    rt_mb_info = info;
    for (int v = 0; v < 256; v++) {
        set_gate(v, rt_stub_table[v], 0xe, 0, 0);
    }
    rt_set_gate_dpl(0x80, 3);
    struct {
        uint16_t limit;
        ureg base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (ureg)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
    setup_tss();
    rt_printf("# %s: %s mode\n", test_name,
#ifdef __x86_64__
              "64-bit"
#else
              "32-bit"
#endif
              );
    test_main();
    if (rt_failures) {
        rt_printf("FAIL: %s (%u failed)\n", test_name, rt_failures);
        rt_exit(1);
    }
    rt_printf("PASS: %s\n", test_name);
    rt_exit(0);
}
