/*
 * The real-mode stub of the warm-reset test: warmboot.c copies it to
 * WB_STUB and points the vector at 40:67 (or the IRET/RETF frame it names)
 * at 0500:0000. After a reset whose CMOS shutdown code asks for it, the
 * board's firmware path starts the BSP here. The stub records what it
 * finds (DS, SS, SP, FLAGS on entry, CMOS 0x0F, two words the kernel chose,
 * a checksum of the pattern the kernel left in RAM), compares it with what
 * the kernel expects (warmboot.h), prints "ok - MSG" or "not ok - MSG" on
 * COM1, and then either resets the machine through 0xCF9 with the shutdown
 * code left at 0 (a cold boot back into the kernel) or, on the last step,
 * prints PASS/FAIL and exits through isa-debug-exit at 0xF4. It uses
 * relative jumps and calls only and reaches its strings through DS = 0 at
 * their copied address, so it runs wherever CS points at WB_STUB.
 */
#include "warmboot.h"

#define OFF(x)  ((x) - WB_STUB)           /* CS-relative, CS = 0x0500 */
#define STR(l)  (WB_STUB + (l) - wb_stub_start)

    .section .rodata
    .globl wb_stub_start, wb_stub_end
wb_stub_start:
    .code16
    cli
    /* What the firmware path left, before anything changes it. */
    movw %ds, %cs:OFF(WB_GOT + 2 * WB_GOT_DS)
    movw %ss, %cs:OFF(WB_GOT + 2 * WB_GOT_SS)
    movw %sp, %cs:OFF(WB_GOT + 2 * WB_GOT_SP)
    movw $0, %ax                /* MOV, not XOR: FLAGS are still to save */
    movw %ax, %ss
    movw $WB_STACK, %sp
    pushfw
    popw %ax
    movw %ax, %cs:OFF(WB_GOT + 2 * WB_GOT_FLAGS)
    xorw %ax, %ax
    movw %ax, %ds
    cld

    /* CMOS 0x0F: firmware clears it on the way through. */
    movb $0x0f, %al
    outb %al, $0x70
    inb $0x71, %al
    xorb %ah, %ah
    movw %ax, WB_GOT + 2 * WB_GOT_CMOS

    /* The two words the kernel asked about. */
    movw WB_PEEK0 + 2, %ax
    movw %ax, %es
    movw WB_PEEK0, %bx
    movw %es:(%bx), %ax
    movw %ax, WB_GOT + 2 * WB_GOT_PEEK0
    movw WB_PEEK1 + 2, %ax
    movw %ax, %es
    movw WB_PEEK1, %bx
    movw %es:(%bx), %ax
    movw %ax, WB_GOT + 2 * WB_GOT_PEEK1

    /* Checksum of the pattern: sum += byte, then rotate left by one. */
    movw $WB_PATTERN, %si
    movw $WB_PATTERN_LEN, %cx
    xorw %dx, %dx
1:  lodsb
    xorb %ah, %ah
    addw %ax, %dx
    rolw $1, %dx
    loop 1b
    movw %dx, WB_GOT + 2 * WB_GOT_SUM

    /* Compare got & mask with want; %bp counts the differences. */
    xorw %bp, %bp
    xorw %bx, %bx
    movw WB_NWORDS, %cx
2:  jcxz 3f
    movw WB_GOT(%bx), %ax
    andw WB_MASK(%bx), %ax
    cmpw WB_WANT(%bx), %ax
    je 4f
    incw %bp
4:  addw $2, %bx
    decw %cx
    jmp 2b
3:  incl WB_STUB_RUNS
    testw %bp, %bp
    jz 5f
    incl WB_FAILURES
    movw $STR(s_not), %si
    call puts
5:  movw $STR(s_ok), %si
    call puts
    movw $WB_MSG, %si
    call puts
    movw $STR(s_nl), %si
    call puts
    testw %bp, %bp
    jz 6f
    /* "# got: ...  want: ..." for the log */
    movw $STR(s_got), %si
    call puts
    movw $WB_GOT, %di
    call hexwords
    movw $STR(s_want), %si
    call puts
    movw $WB_WANT, %di
    call hexwords
    movw $STR(s_nl), %si
    call puts

6:  cmpw $0, WB_LAST
    jne 7f
    /* Back to the kernel: a cold reset (the shutdown code is 0 now). */
    movw $0xcf9, %dx
    movb $0x06, %al
    outb %al, %dx
    jmp 8f

7:  /* The last step: the verdict and isa-debug-exit ((v << 1) | 1). */
    xorl %eax, %eax
    cmpl $0, WB_FAILURES
    je 9f
    movw $STR(s_fail), %si
    call puts
    movl $1, %eax
    jmp 10f
9:  movw $STR(s_pass), %si
    call puts
    xorl %eax, %eax
10: movw $0xf4, %dx
    outl %eax, %dx
8:  hlt
    jmp 8b

/* Print the NUL-ended string at DS:SI. */
puts:
    lodsb
    testb %al, %al
    jz 2f
    call putc
    jmp puts
2:  ret

/* Print %al on COM1 once the transmitter holds nothing (LSR bit 5). */
putc:
    pushw %dx
    pushw %cx
    movb %al, %ah
    movw $0x3fd, %dx
    movw $0xffff, %cx
1:  inb %dx, %al
    testb $0x20, %al
    jnz 2f
    loop 1b
2:  movw $0x3f8, %dx
    movb %ah, %al
    outb %al, %dx
    popw %cx
    popw %dx
    ret

/* Print the WB_NGOT words at DS:DI in hex, each after a space. */
hexwords:
    movw $WB_NGOT, %cx
1:  movb $' ', %al
    call putc
    movw (%di), %dx
    pushw %cx
    movw $4, %cx
2:  rolw $4, %dx
    movb %dl, %al
    andb $0x0f, %al
    addb $'0', %al
    cmpb $'9', %al
    jbe 3f
    addb $('a' - '0' - 10), %al
3:  call putc
    loop 2b
    popw %cx
    addw $2, %di
    loop 1b
    ret

s_not:  .asciz "not "
s_ok:   .asciz "ok 1 - "
s_nl:   .asciz "\r\n"
s_got:  .asciz "# got:"
s_want: .asciz "  want:"
s_pass: .asciz "PASS: fw-warmboot\r\n"
s_fail: .asciz "FAIL: fw-warmboot (warm-reset checks failed)\r\n"
wb_stub_end:
#ifdef __x86_64__
    .code64
#else
    .code32
#endif
    .section .note.GNU-stack,"",@progbits
