/*
 * Direct kernel boot of a Multiboot (v1) image, as QEMU's -kernel does:
 * ELF32 segments or the a.out kludge, BSS zeroed, EAX=0x2BADB002, EBX -> the
 * Multiboot information (mem_lower/mem_upper, e820 map, command line
 * "FILE ARGS", one module per comma-separated -initrd entry), 32-bit flat
 * protected mode with paging off. Called at machine init and again at every
 * reset, so a reset re-runs the same boot path.
 */
#ifndef LAPIS_MULTIBOOT_H
#define LAPIS_MULTIBOOT_H

#include "hw/boards.h"

/* Load ms->kernel_filename into guest RAM and set up `bsp` to enter it.
 * A file that is not Multiboot, is truncated, or has segments outside RAM
 * fails with one clear message. */
bool x86_load_multiboot(MachineState *ms, X86CPU *bsp, GError **errp);

#endif
