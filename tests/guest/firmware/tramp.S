/*
 * The application-processor trampoline for the firmware-table tests: real
 * mode code that fw_start_cpu() copies to FW_TRAMP_ADDR (a 4 KiB page below
 * 1 MiB, so a SIPI vector can name it). An AP that runs it reads its own
 * initial APIC ID from CPUID leaf 1 (EBX bits 31:24, SDM Vol. 2A CPUID),
 * sets that bit in the bitmap at FW_AP_BITMAP, counts itself in
 * FW_AP_COUNT and halts with interrupts off, so a later INIT can take it
 * back to wait-for-SIPI. The code uses absolute addresses with DS = 0 and
 * relative jumps only, so it runs wherever it is copied.
 */
#include "fwlib-asm.h"

    .section .rodata
    .globl fw_tramp_start, fw_tramp_end
fw_tramp_start:
    .code16
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movl $1, %eax
    xorl %ecx, %ecx
    cpuid
    shrl $24, %ebx
    lock btsl %ebx, FW_AP_BITMAP
    lock incl FW_AP_COUNT
1:  hlt
    jmp 1b
fw_tramp_end:
#ifdef __x86_64__
    .code64
#else
    .code32
#endif
    .section .note.GNU-stack,"",@progbits
