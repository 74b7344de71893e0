/*
 * isa-vga: a VGA-compatible adapter in 80x25 colour text mode. Text memory
 * (32 KiB) at 0xB8000, registers at ports 0x3C0-0x3CF and 0x3D0-0x3DF. It
 * registers a console (include/ui/console.h) that the SDL window and QMP
 * screendump draw. User-creatable (-device isa-vga); the pc machine makes
 * one with isa_vga_create().
 */
#ifndef LAPIS_VGA_TEXT_H
#define LAPIS_VGA_TEXT_H

#include "qemu/osdep.h"

typedef struct DeviceState DeviceState;

#define TYPE_ISA_VGA        "isa-vga"

#define VGA_TEXT_BASE       0xB8000     /* colour text memory */
#define VGA_TEXT_SIZE       0x8000      /* 32 KiB: 16 K cells, 8 pages */
#define VGA_TEXT_COLS       80
#define VGA_TEXT_ROWS       25

/* Create and realize the adapter at /machine/vga. */
DeviceState *isa_vga_create(GError **errp);

#endif
