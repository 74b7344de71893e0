/*
 * IRQ lines: each line is a small IRQState (handler, opaque, line number)
 * that a device raises or lowers with qemu_set_irq(). This file allocates
 * and frees lines, builds the two-way split the ISA fan-out uses (one input
 * feeding both the i8259 and the IOAPIC), and lets qtest redirect an
 * existing line to its own reporter (irq_intercept_in/out) without the
 * device that raises it noticing. Lines carry a level only: there is no
 * edge memory here; edge detection belongs to the receiving controller.
 */
#include "qemu/osdep.h"
#include "hw/irq.h"

/* A split line: its IRQState first, so qemu_free_irq's g_free frees it all. */
typedef struct SplitIRQ {
    struct IRQState irq;
    qemu_irq out[2];
} SplitIRQ;

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq irq = g_new0(struct IRQState, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq *irqs = g_new0(qemu_irq, n > 0 ? n : 1);

    for (int i = 0; i < n; i++) {
        irqs[i] = qemu_allocate_irq(handler, opaque, i);
    }
    return irqs;
}

void qemu_free_irq(qemu_irq irq)
{
    g_free(irq);
}

void qemu_free_irqs(qemu_irq *irqs, int n)
{
    if (!irqs) {
        return;
    }
    for (int i = 0; i < n; i++) {
        qemu_free_irq(irqs[i]);
    }
    g_free(irqs);
}

static void qemu_splitirq(void *opaque, int n, int level)
{
    SplitIRQ *s = opaque;

    qemu_set_irq(s->out[0], level);
    qemu_set_irq(s->out[1], level);
}

qemu_irq qemu_irq_split(qemu_irq a, qemu_irq b)
{
    SplitIRQ *s = g_new0(SplitIRQ, 1);

    s->irq.handler = qemu_splitirq;
    s->irq.opaque = s;
    s->irq.n = 0;
    s->out[0] = a;
    s->out[1] = b;
    return &s->irq;
}

void qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler, void *opaque,
                        int n)
{
    if (!irq) {
        return;
    }
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
}
