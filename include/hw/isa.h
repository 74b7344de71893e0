/*
 * The ISA bus as devices see it: IRQ lines by number. The machine installs
 * its GSI fan-out with isa_bus_set_irqs(); until then (unit tests) the lines
 * are NULL and raising them does nothing.
 */
#ifndef LAPIS_ISA_H
#define LAPIS_ISA_H

#include "hw/irq.h"

#define ISA_NUM_IRQS 16
#define GSI_NUM_PINS 24

void isa_bus_set_irqs(qemu_irq *gsi, int n);
qemu_irq isa_get_irq(int n);

#endif
