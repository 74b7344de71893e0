/*
 * Guest runtime entry: the Multiboot (v1) header, the 32-bit entry the loader
 * jumps to (flat protected mode, paging off, EAX=0x2BADB002, EBX=info), our
 * own GDT, and for 64-bit builds the switch to long mode through PAE paging
 * (identity map of the first 4 GiB with 2 MiB pages), EFER.LME and CR0.PG.
 * Then it calls rt_start(magic, info) in C. Also: the exception stubs that
 * build a struct trapframe and call rt_trap(), and the GDT/TSS the tests
 * share (selectors in runtime.h).
 */
#include "asm.h"

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov $boot_stack_top, %esp
    mov %eax, %edi              /* magic, kept across the set-up */
    mov %ebx, %esi              /* Multiboot information */
    lgdt gdt_desc32
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
#ifdef __x86_64__
    /* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; 2 MiB pages, RW, present,
     * user-accessible (tests run code at CPL 3) */
    mov $boot_pml4, %ebx
    mov $boot_pdpt, %eax
    or $0x7, %eax
    mov %eax, (%ebx)
    mov $boot_pdpt, %ebx
    mov $boot_pd, %eax
    or $0x7, %eax
    xor %ecx, %ecx
2:  mov %eax, (%ebx, %ecx, 8)
    add $0x1000, %eax
    inc %ecx
    cmp $4, %ecx
    jne 2b
    mov $boot_pd, %ebx
    xor %ecx, %ecx
3:  mov %ecx, %eax
    shl $21, %eax
    or $0x87, %eax              /* present, writable, user, 2 MiB */
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax               /* high dword: (ecx << 21) >> 32 */
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 3b
    mov %cr4, %eax
    or $0x20, %eax              /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx       /* EFER */
    rdmsr
    or $0x100, %eax             /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax        /* PG: long mode becomes active */
    mov %eax, %cr0
    ljmp $SEL_CODE64, $long_entry

    .code64
long_entry:
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $boot_stack_top, %rsp
    mov %edi, %edi
    mov %esi, %esi
    call rt_start
4:  hlt
    jmp 4b
#else
    push %esi
    push %edi
    call rt_start
4:  hlt
    jmp 4b
#endif

/* --- exception and interrupt stubs: vector numbers 0..255 --- */
    .text
#ifdef __x86_64__
    .code64
.macro STUB vec
    .align 16
stub_\vec:
    .if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    .else
    push $0
    .endif
    push $\vec
    jmp trap_common
.endm
trap_common:
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rdi
    push %rsi
    push %rbp
    push %rbx
    push %rdx
    push %rcx
    push %rax
    mov %rsp, %rdi
    mov %rsp, %rbx
    and $~0xf, %rsp
    cld
    call rt_trap
    mov %rbx, %rsp
    pop %rax
    pop %rcx
    pop %rdx
    pop %rbx
    pop %rbp
    pop %rsi
    pop %rdi
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    add $16, %rsp
    iretq
#else
    .code32
.macro STUB vec
    .align 16
stub_\vec:
    .if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    .else
    push $0
    .endif
    push $\vec
    jmp trap_common
.endm
trap_common:
    push %edi
    push %esi
    push %ebp
    push %ebx
    push %edx
    push %ecx
    push %eax
    push %ds
    push %es
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %esp, %eax
    push %eax
    cld
    call rt_trap
    add $4, %esp
    pop %es
    pop %ds
    pop %eax
    pop %ecx
    pop %edx
    pop %ebx
    pop %ebp
    pop %esi
    pop %edi
    add $8, %esp
    iret

    .globl rt_recover_tramp
rt_recover_tramp:
    mov rt_recover_sp, %esp
    jmp *rt_recover_target
#endif

    .altmacro
.macro STUBS from, to
    STUB \from
    .if \to-\from
    STUBS %(\from+1), \to
    .endif
.endm
    STUBS 0, 63
    STUBS 64, 127
    STUBS 128, 191
    STUBS 192, 255

    .section .rodata
    .align 8
    .globl rt_stub_table
rt_stub_table:
.macro STUBADDR from, to
#ifdef __x86_64__
    .quad stub_\from
#else
    .long stub_\from
#endif
    .if \to-\from
    STUBADDR %(\from+1), \to
    .endif
.endm
    STUBADDR 0, 63
    STUBADDR 64, 127
    STUBADDR 128, 191
    STUBADDR 192, 255

/* --- GDT (selectors in asm.h) --- */
    .data
    .align 16
    .globl rt_gdt
rt_gdt:
    .quad 0                         /* 0x00 null */
    .quad 0x00cf9a000000ffff        /* 0x08 code32, DPL0 */
    .quad 0x00cf92000000ffff        /* 0x10 data, DPL0 */
    .quad 0x00af9a000000ffff        /* 0x18 code64, DPL0 */
    .quad 0x00009a000000ffff        /* 0x20 code16, DPL0 */
    .quad 0x000092000000ffff        /* 0x28 data16, DPL0 */
    .quad 0x00cffa000000ffff        /* 0x30 code32, DPL3 */
    .quad 0x00cff2000000ffff        /* 0x38 data, DPL3 */
    .quad 0x00affa000000ffff        /* 0x40 code64, DPL3 */
    .quad 0                         /* 0x48 TSS (filled at run time) */
    .quad 0                         /* 0x50 TSS upper half (64-bit) */
    .quad 0                         /* 0x58 spare, for tests */
    .quad 0                         /* 0x60 spare */
    .quad 0                         /* 0x68 spare */
    .quad 0                         /* 0x70 spare */
    .quad 0                         /* 0x78 spare */
    .globl rt_gdt_end
rt_gdt_end:
gdt_desc32:
    .word rt_gdt_end - rt_gdt - 1
    .long rt_gdt

    .bss
    .align 4096
#ifdef __x86_64__
    .globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096 * 4
#endif
    .align 16
    .skip 65536
    .globl boot_stack_top
boot_stack_top:
    .section .note.GNU-stack,"",@progbits
