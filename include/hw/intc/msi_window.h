/*
 * The MSI window: 0xFEE00000-0xFEEFFFFF in the system address space (what
 * devices and DMA see). A 32-bit write there is a message signalled
 * interrupt: the address and data are decoded by msi_decode()
 * (include/hw/intc/apic_bus.h; SDM vol. 3A 11.11, 2024 numbering) and the
 * message goes out on the APIC bus. vCPUs never reach it: their own view
 * covers the range with their LAPIC page and a hole (ARCHITECTURE.md).
 * docs/ioapic.md describes what other accesses do.
 */
#ifndef LAPIS_HW_INTC_MSI_WINDOW_H
#define LAPIS_HW_INTC_MSI_WINDOW_H

#include "qemu/osdep.h"
#include "softmmu/memory.h"

#define MSI_WINDOW_BASE     0xfee00000ULL
#define MSI_WINDOW_SIZE     0x100000ULL

/* Create the window and map it at MSI_WINDOW_BASE in sysmem (the machine
 * passes get_system_memory()). Returns the region for msi_window_destroy. */
MemoryRegion *msi_window_init(MemoryRegion *sysmem);
/* Unmap it from sysmem and free it. */
void msi_window_destroy(MemoryRegion *sysmem, MemoryRegion *window);

#endif
