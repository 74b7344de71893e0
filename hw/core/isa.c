/*
 * The ISA bus as devices see it: a table of IRQ lines indexed by GSI (ISA IRQs
 * 0-15 and PCI-style lines 16-23). The machine installs its GSI fan-out (each line feeding the i8259
 * and the IOAPIC) with isa_bus_set_irqs(); ISA devices look their line up
 * with isa_get_irq() when they are realized. There is no bus object, no DMA
 * channel allocation and no I/O port bookkeeping: devices map their ports in
 * the system I/O space directly.
 */
#include "qemu/osdep.h"
#include "hw/isa.h"

static qemu_irq isa_irqs[GSI_NUM_PINS];

void isa_bus_set_irqs(qemu_irq *gsi, int n)
{
    for (int i = 0; i < GSI_NUM_PINS; i++) {
        isa_irqs[i] = (gsi && i < n) ? gsi[i] : NULL;
    }
}

qemu_irq isa_get_irq(int n)
{
    if (n < 0 || n >= GSI_NUM_PINS) {
        return NULL;
    }
    return isa_irqs[n];
}
