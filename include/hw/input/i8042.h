/*
 * i8042 keyboard controller ("i8042") with a PS/2 keyboard and a PS/2 mouse
 * behind it: data port 0x60, status/command port 0x64, keyboard interrupt on
 * ISA IRQ 1 and mouse interrupt on ISA IRQ 12 (properties "kbd-irq",
 * "aux-irq"). The A20 bit of its output port is the named GPIO out "a20"
 * (level 1 = enabled) and i8042_a20_enabled().
 */
#ifndef LAPIS_I8042_H
#define LAPIS_I8042_H

#include "hw/qdev.h"

#define TYPE_I8042 "i8042"

#define I8042_DATA_PORT     0x60
#define I8042_CMD_PORT      0x64

typedef enum I8042ScancodeSet {
    I8042_SCANCODE_SET1 = 1,    /* XT codes: break = make | 0x80 */
    I8042_SCANCODE_SET2 = 2,    /* AT codes: break = 0xF0 prefix */
} I8042ScancodeSet;

/*
 * A key event as the bytes a PC keyboard sends, in `set`: e.g. set 2
 * "1C" (A pressed), "F0 1C" (A released), "E0 75" (up arrow pressed),
 * "E0 F0 75" (released); or set 1 "1E", "9E", "E0 48", "E0 C8". The
 * keyboard turns them into the scancode set the guest selected (1 or 2;
 * set 3 is answered as set 2) and the controller translates them to set 1
 * when the command byte's XLATE bit is on, as a PC does. Nothing is sent
 * while the guest has scanning disabled (0xF5); bytes wait in the
 * keyboard's 16-byte buffer while its interface is disabled, and are lost
 * when it is full. Call with the big lock held (the UI thread's key
 * handler, or the main loop).
 */
void i8042_put_keycode(DeviceState *dev, I8042ScancodeSet set,
                       const uint8_t *bytes, size_t len);

/*
 * Mouse movement and buttons (bit 0 left, 1 right, 2 middle) as one
 * stream-mode packet, sent only while the guest has enabled data reporting
 * (0xF4 to the aux device). dy is positive upwards, as PS/2 reports it.
 */
void i8042_put_mouse_event(DeviceState *dev, int dx, int dy, unsigned buttons);

/* The output port's A20 bit (set by 0xD1, 0xDD/0xDF; on after reset). */
bool i8042_a20_enabled(DeviceState *dev);

#endif
