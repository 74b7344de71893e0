/*
 * isa-debug-exit: a write of V to its port exits the emulator with status
 * (V << 1) | 1. Properties iobase (default 0x501), iosize (default 2).
 */
#ifndef LAPIS_DEBUG_EXIT_H
#define LAPIS_DEBUG_EXIT_H

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

#endif
