/*
 * The AP start-up path for the interrupt tests. smp_start() copies the
 * real-mode part (ap_tramp .. ap_tramp_end) to 0x8000, below 1 MiB as a
 * start-up IPI needs (SIPI vector 8: CS = 0x0800, IP = 0). It loads the
 * runtime's GDT and enters 32-bit protected mode at ap_entry32, which for a
 * 64-bit build turns on PAE paging with the BSP's page tables and long mode
 * (SDM vol. 3A 10.8.5), takes a stack by slot and calls ap_main().
 */
#include "asm.h"

#define TRAMP_ADDR 0x8000
#define AP_STACK_SIZE 16384

    .section .rodata
    .code16
    .globl ap_tramp, ap_tramp_end
ap_tramp:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl TRAMP_ADDR + (ap_gdtr - ap_tramp)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $ap_entry32
    .align 4
ap_gdtr:
    .word 16 * 8 - 1             /* the runtime GDT: 16 entries */
    .long rt_gdt
ap_tramp_end:

    .text
    .code32
ap_entry32:
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $1, %eax
    lock xadd %eax, ap_slot
    mov %eax, %edi              /* slot: 0 for the first AP */
    lea 1(%eax), %ebx
    shl $14, %ebx               /* AP_STACK_SIZE */
    add $ap_stacks, %ebx
    mov %ebx, %esp
#ifdef __x86_64__
    mov %cr4, %eax
    or $0x20, %eax              /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx       /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $ap_entry64
    .code64
ap_entry64:
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %esp, %esp
    call ap_main
1:  hlt
    jmp 1b
#else
    push %edi
    call ap_main
1:  hlt
    jmp 1b
#endif

    .data
    .align 4
    .globl ap_slot
ap_slot:
    .long 0
    .bss
    .align 16
    .globl ap_stacks
ap_stacks:
    .skip AP_STACK_SIZE * 8
    .section .note.GNU-stack,"",@progbits
