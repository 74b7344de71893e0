/*
 * Low-memory layout shared by the warm-reset test (warmboot.c) and its real
 * mode stub (warmstub.S). Everything sits below the AP trampoline (0x7000)
 * and the Multiboot information (0x9000), in RAM that neither the board's
 * firmware tables nor the kernel load touch, so it survives any reset.
 */
#ifndef WARMBOOT_H
#define WARMBOOT_H

#define WB_STUB         0x5000      /* stub code; entered at 0500:0000 */
#define WB_STUB_SEG     0x0500

#define WB_STATE        0x6000
#define WB_MAGIC        (WB_STATE + 0)      /* u32 "WRM1" while a run lasts */
#define WB_STEP         (WB_STATE + 4)      /* u32 next step */
#define WB_BOOTS        (WB_STATE + 8)      /* u32 cold boots seen */
#define WB_FAILURES     (WB_STATE + 12)     /* u32 failed checks so far */
#define WB_STUB_RUNS    (WB_STATE + 16)     /* u32 times the stub ran */
#define WB_LAST         (WB_STATE + 20)     /* u16 the stub exits the run */
#define WB_NWORDS       (WB_STATE + 22)     /* u16 words of got/want to compare */
#define WB_GOT          (WB_STATE + 24)     /* u16[8] what the stub saw */
#define WB_WANT         (WB_STATE + 40)     /* u16[8] what it should see */
#define WB_MASK         (WB_STATE + 56)     /* u16[8] bits that count */
#define WB_PEEK0        (WB_STATE + 72)     /* u16 offset, u16 segment */
#define WB_PEEK1        (WB_STATE + 76)     /* u16 offset, u16 segment */
#define WB_MSG          (WB_STATE + 80)     /* the stub's report, NUL-ended */
#define WB_MSG_LEN      256

/* got[] slots, as the stub fills them */
#define WB_GOT_DS       0       /* DS on entry */
#define WB_GOT_SS       1       /* SS on entry */
#define WB_GOT_SP       2       /* SP on entry */
#define WB_GOT_FLAGS    3       /* FLAGS on entry */
#define WB_GOT_CMOS     4       /* CMOS 0x0F as the stub reads it */
#define WB_GOT_PEEK0    5       /* the word at WB_PEEK0 */
#define WB_GOT_SUM      6       /* checksum of the pattern */
#define WB_GOT_PEEK1    7       /* the word at WB_PEEK1 */
#define WB_NGOT         8

#define WB_PATTERN      0x6200      /* bytes the kernel fills before a reset */
#define WB_PATTERN_LEN  0x0800
#define WB_FRAME        0x6e00      /* IRET/RETF frames for codes 0x0B/0x0C */
#define WB_STACK        0x6f00      /* the stub's own stack top */

#endif
