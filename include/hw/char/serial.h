/*
 * 16550A UART ("isa-serial"): properties iobase (default 0x3f8), irq (4),
 * chardev. Its interrupt is GPIO out 0, wired by the machine to ISA IRQ `irq`.
 */
#ifndef LAPIS_SERIAL_H
#define LAPIS_SERIAL_H

#define TYPE_ISA_SERIAL "isa-serial"

#endif
