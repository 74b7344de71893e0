/*
 * IRQ lines: small objects with a handler, an opaque and a line number.
 * Devices raise and lower them; the machine wires outputs to inputs.
 * qtest can intercept a line (irq_intercept_in/out) by swapping its handler.
 */
#ifndef LAPIS_IRQ_H
#define LAPIS_IRQ_H

#include "qemu/osdep.h"

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

struct IRQState {
    qemu_irq_handler handler;
    void *opaque;
    int n;
};

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
/* n lines numbered 0..n-1 sharing handler and opaque; free with qemu_free_irqs. */
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);
void qemu_free_irqs(qemu_irq *irqs, int n);

static inline void qemu_set_irq(qemu_irq irq, int level)
{
    if (irq) {
        irq->handler(irq->opaque, irq->n, level);
    }
}
static inline void qemu_irq_raise(qemu_irq irq) { qemu_set_irq(irq, 1); }
static inline void qemu_irq_lower(qemu_irq irq) { qemu_set_irq(irq, 0); }
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

/* A line that forwards to both a and b (the ISA fan-out to PIC and IOAPIC). */
qemu_irq qemu_irq_split(qemu_irq a, qemu_irq b);

/*
 * Redirect an existing line: from now on raising or lowering `irq` calls
 * handler(opaque, n, level) instead of what it called before. Whoever holds
 * the line (a device's qemu_irq field, the ISA table) keeps the same pointer,
 * so this is how qtest's irq_intercept_in reports a device's input lines.
 * The previous handler is not kept; interception lasts until the line is
 * freed. A NULL irq is ignored.
 */
void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler, void *opaque,
                        int n);

#endif
