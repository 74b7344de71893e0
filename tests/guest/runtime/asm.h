/* Constants shared by the runtime's assembly and C code. */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* page-align modules, memory info */
#define MB_BOOT_MAGIC   0x2BADB002

#define SEL_CODE32      0x08
#define SEL_DATA        0x10
#define SEL_CODE64      0x18
#define SEL_CODE16      0x20
#define SEL_DATA16      0x28
#define SEL_UCODE32     0x33            /* RPL 3 */
#define SEL_UDATA       0x3b
#define SEL_UCODE64     0x43
#define SEL_TSS         0x48
#define SEL_SPARE       0x58

#endif
