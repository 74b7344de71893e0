/*
 * pc-testdev: QEMU's x86 test device for guest unit tests (kvm-unit-tests
 * style), made with -device pc-testdev. Ports 0xe0-0xe3 and 0xe8-0xeb are
 * views of one 32-bit scratch register, 0xe4 takes a page address to flush,
 * an outb to 0x2000+n (n < 24) sets GSI line n to !!value, and
 * 0xff000000-0xff00ffff is 64 KiB of memory-like MMIO.
 */
#ifndef LAPIS_PC_TESTDEV_H
#define LAPIS_PC_TESTDEV_H

#define TYPE_PC_TESTDEV "pc-testdev"

#define PC_TESTDEV_IOPORT       0xe0
#define PC_TESTDEV_FLUSH_PAGE   0xe4
#define PC_TESTDEV_IOPORT_BYTE  0xe8
#define PC_TESTDEV_IRQ_BASE     0x2000
#define PC_TESTDEV_IRQ_LINES    24
#define PC_TESTDEV_IOMEM_BASE   0xff000000ULL
#define PC_TESTDEV_IOMEM_SIZE   0x10000

#endif
