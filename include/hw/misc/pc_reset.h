/*
 * pc-reset: the PC's two reset registers in one device, System Control
 * Port A at 0x92 (fast reset, fast A20) and the ICH Reset Control Register
 * at 0xCF9. Resets go through qemu_system_reset_request(GUEST_RESET), so
 * -no-reboot turns them into an exit. The A20 state of port 0x92 is the
 * named GPIO out "a20" (level 1 = A20 enabled) and pc_reset_a20_enabled().
 */
#ifndef LAPIS_PC_RESET_H
#define LAPIS_PC_RESET_H

#include "hw/qdev.h"

#define TYPE_PC_RESET "pc-reset"

#define PC_RESET_PORT92     0x92
#define PC_RESET_CF9        0xcf9

/* Port 0x92's fast-A20 bit. */
bool pc_reset_a20_enabled(DeviceState *dev);

/*
 * The A20 gate as the CPU sees it: enabled when port 0x92 or the i8042's
 * output port enables it (the PC ORs the two). Looks the two devices up
 * among the realized ones, so it is for slow paths (reset, tests); a
 * machine with neither has no gate, and A20 is then always enabled. The
 * CPU side that needs every change wires the "a20" GPIO outs instead.
 */
bool pc_a20_enabled(void);

#endif
