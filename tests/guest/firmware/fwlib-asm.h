/* Low-memory addresses shared by the AP trampoline and fwlib.c. */
#ifndef FWLIB_ASM_H
#define FWLIB_ASM_H

/* Below the Multiboot information (0x9000) and above the BIOS data area. */
#define FW_TRAMP_ADDR   0x7000          /* SIPI vector 0x07 */
#define FW_AP_COUNT     0x7800          /* 32-bit count of APs that ran */
#define FW_AP_BITMAP    0x7810          /* 256 bits, one per APIC ID */

#endif
