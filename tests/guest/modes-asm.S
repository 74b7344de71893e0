/*
 * Mode transitions for modes.c. 32-bit builds: protected mode -> 16-bit
 * protected mode -> real mode (an INT through the IVT, 16- and 32-bit
 * operands, "big real mode" through FS kept from protected mode) -> back;
 * SYSENTER/SYSEXIT; a call gate from ring 3. 64-bit builds: compatibility
 * mode through a far call, SYSCALL/SYSRET.
 */
#include "asm.h"

#define RM_BASE 0x7000
#define OFF(x) ((x) - rm_blob)

    .text
#ifndef __x86_64__
    .code32
    .globl realmode_test
realmode_test:
    pushal
    mov %esp, saved_esp
    sidt saved_idt
    mov $rm_blob, %esi
    mov $RM_BASE, %edi
    mov $(rm_blob_end - rm_blob), %ecx
    cld
    rep movsb
    mov $SEL_DATA, %ax
    mov %ax, %fs                    /* 4 GiB limit, kept into real mode */
    ljmp $SEL_CODE16, $(RM_BASE + OFF(pm16))

    .globl rm_blob
rm_blob:
    .code16
pm16:
    /* 16-bit protected mode: CS base 0, 64 KiB */
    mov $SEL_DATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    movw $0x1616, RM_BASE + OFF(rm_pm16)
    mov %cr0, %eax
    and $~1, %eax
    mov %eax, %cr0
    ljmp $(RM_BASE >> 4), $OFF(rm_entry)
rm_entry:
    mov $(RM_BASE >> 4), %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x0ffe, %sp
    lidt OFF(rm_idtr)
    /* IVT[0x30] -> our handler */
    push %ds
    xor %ax, %ax
    mov %ax, %ds
    movw $OFF(rm_int30), 0xc0
    movw $(RM_BASE >> 4), 0xc2
    pop %ds
    int $0x30
    /* the BIOS state the loader leaves: PIC at 0x08, PIT at 18.2 Hz, IRQ0
     * open. Take a few timer interrupts through IVT[8]. */
    in $0x21, %al
    mov %al, OFF(rm_imr)
    push %ds
    xor %ax, %ax
    mov %ax, %ds
    movw $OFF(rm_irq0), 0x20
    movw $(RM_BASE >> 4), 0x22
    pop %ds
    mov $0x40000000, %ecx
    sti
2:  cmpw $3, OFF(rm_ticks)
    jae 3f
    addr32 loop 2b
3:  cli
    /* a vector nobody installed: the loader's IVT stub just returns */
    int $0x31
    movw $0x31, OFF(rm_stub)
    mov $0x1234, %ax
    add $0x4321, %ax
    mov %ax, OFF(rm_sum)
    mov $0x12345678, %ebx
    mov %ebx, OFF(rm_wide)
    /* big real mode: FS still has a 4 GiB limit; read above 1 MiB */
    mov $rm_magic, %ebx
    addr32 mov %fs:(%ebx), %eax
    mov %eax, OFF(rm_big)
    /* a far call and return within real mode */
    lcall $(RM_BASE >> 4), $OFF(rm_far)
    /* back to protected mode */
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $pm_back
rm_far:
    movw $0xfa, OFF(rm_farflag)
    lret
rm_int30:
    movw $0x30, %cs:OFF(rm_flag)
    iret
rm_irq0:
    incw %cs:OFF(rm_ticks)
    push %ax
    mov $0x20, %al
    out %al, $0x20
    pop %ax
    iret
rm_idtr:
    .word 0x3ff
    .long 0
    .globl rm_flag, rm_sum, rm_wide, rm_big, rm_farflag, rm_pm16, rm_stub
    .globl rm_imr, rm_ticks
rm_imr: .byte 0
    .byte 0
rm_ticks: .word 0
rm_flag: .word 0
rm_stub: .word 0
rm_sum: .word 0
rm_wide: .long 0
rm_big: .long 0
rm_farflag: .word 0
rm_pm16: .word 0
rm_blob_end:
    .code32
pm_back:
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov saved_esp, %esp
    lidt saved_idt
    popal
    ret

/* SYSENTER lands here (CS=SYSENTER_CS, flat, CPL 0) */
    .globl sysenter_entry
sysenter_entry:
    mov %cs, %eax
    mov %eax, sysenter_cs_seen
    movl $1, sysenter_done
    sysexit                         /* to EDX with ESP=ECX, CPL 3 */

/* call gate target: [esp]=eip [esp+4]=cs [esp+8]=param [esp+12]=esp [esp+16]=ss */
    .globl gate_target
gate_target:
    mov %cs, %eax
    mov %eax, gate_cs_seen
    mov 8(%esp), %eax
    mov %eax, gate_param_seen
    mov 16(%esp), %eax
    mov %eax, gate_ss_seen
    lret $4

    .data
saved_esp: .long 0
saved_idt: .word 0
    .long 0
    .globl rm_magic
rm_magic: .long 0xb16b00b5
    .globl sysenter_cs_seen, sysenter_done, gate_cs_seen, gate_param_seen, gate_ss_seen
sysenter_cs_seen: .long 0
sysenter_done: .long 0
gate_cs_seen: .long 0
gate_param_seen: .long 0
gate_ss_seen: .long 0

#else
    .code64
    .globl compat_test
compat_test:
    push %rbx
    lcall *compat_ptr(%rip)
    pop %rbx
    ret
    .code32
compat_code:
    mov $0x10, %eax
    .byte 0x48                      /* DEC EAX in 32-bit code (REX.W in 64) */
    mov %esp, %ecx                  /* 32-bit stack in compatibility mode */
    lret
    .code64

/* SYSCALL lands here: RCX = return RIP, R11 = RFLAGS */
    .globl syscall_entry
syscall_entry:
    mov %cs, %eax
    mov %eax, syscall_cs_seen(%rip)
    mov %ss, %eax
    mov %eax, syscall_ss_seen(%rip)
    pushf
    pop %rax
    mov %rax, syscall_flags_seen(%rip)
    mov %r11, syscall_r11_seen(%rip)
    sysretq

/*
 * Long mode -> compatibility mode -> paging off (leaves long mode) -> real
 * mode -> protected mode -> long mode again, with the boot page tables.
 * Real mode stores 0x4d4d at 0x7000 + 0x100 (checked by modes.c).
 */
#define RM64_BASE 0x7000
#define OFF64(x) ((x) - lm_blob)
    .code64
    .globl longmode_roundtrip
longmode_roundtrip:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, lm_saved_rsp(%rip)
    sidt lm_saved_idt(%rip)
    lea lm_blob(%rip), %rsi
    mov $RM64_BASE, %edi
    mov $(lm_blob_end - lm_blob), %ecx
    cld
    rep movsb
    movw $0, RM64_BASE + 0x100
    mov $RM64_BASE + 0xff0, %esp            /* a stack below 4 GiB */
    ljmp *lm_to_compat(%rip)
    .code32
lm_compat:
    /* compatibility mode: turn paging off, which leaves long mode */
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov $0xc0000080, %ecx
    rdmsr
    and $~0x100, %eax                       /* LME off */
    wrmsr
    ljmp $SEL_CODE16, $(RM64_BASE + OFF64(lm_pm16))

lm_blob:
    .code16
lm_pm16:
    mov $SEL_DATA16, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov %cr0, %eax
    and $~1, %eax
    mov %eax, %cr0
    ljmp $(RM64_BASE >> 4), $OFF64(lm_real)
lm_real:
    mov $(RM64_BASE >> 4), %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x0ff0, %sp
    movw $0x4d4d, 0x100
    /* back: protected mode, PAE, LME, paging -> long mode */
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $lm_pm32
lm_blob_end:
    .code32
lm_pm32:
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE64, $lm_back
    .code64
lm_back:
    mov lm_saved_rsp(%rip), %rsp
    lidt lm_saved_idt(%rip)
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .data
lm_saved_rsp: .quad 0
lm_saved_idt: .word 0
    .quad 0
lm_to_compat:
    .long lm_compat
    .word SEL_CODE32
compat_ptr:
    .long compat_code
    .word SEL_CODE32
    .globl syscall_cs_seen, syscall_ss_seen, syscall_flags_seen, syscall_r11_seen
syscall_cs_seen: .long 0
syscall_ss_seen: .long 0
syscall_flags_seen: .quad 0
syscall_r11_seen: .quad 0
#endif
    .section .note.GNU-stack,"",@progbits
