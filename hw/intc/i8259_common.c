/*
 * The backend-independent half of the 8259A pair (include/hw/intc/i8259.h):
 * the power-on state of each chip as the Intel 8259A datasheet
 * (order number 231468-003) describes initialisation, moving the state in
 * and out of a device whatever backend runs it, and the HMP `info pic`
 * text, laid out as QEMU prints it. Nothing here touches the registers'
 * behaviour; that is the backend's (hw/intc/i8259.c for the userspace
 * model). Left out: migration streams (the state struct is the interface).
 */
#include "qemu/osdep.h"
#include "hw/intc/i8259.h"
#include "monitor/monitor.h"

void i8259_chip_reset(PICChip *c, uint8_t elcr_mask)
{
    uint8_t line = c->line;

    memset(c, 0, sizeof(*c));
    /* The input pins keep their electrical level across a reset; only the
     * latches inside the chip are cleared. */
    c->line = line;
    c->elcr_mask = elcr_mask;
    c->microprocessor_8086 = true;
}

void i8259_common_reset(I8259State *s)
{
    i8259_chip_reset(&s->chip[0], I8259_ELCR_MASK_MASTER);
    i8259_chip_reset(&s->chip[1], I8259_ELCR_MASK_SLAVE);
    memset(s->irq_count, 0, sizeof(s->irq_count));
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
}

/* The device types whose instance is an I8259State: the userspace model
 * and, later, the in-kernel one. */
I8259State *i8259_from_device(DeviceState *dev)
{
    if (!dev || !dev->klass || !dev->klass->name) {
        return NULL;
    }
    if (strcmp(dev->klass->name, TYPE_I8259) != 0 &&
        strcmp(dev->klass->name, "kvm-i8259") != 0) {
        return NULL;
    }
    return (I8259State *)dev;
}

void i8259_get_state(DeviceState *dev, I8259SavedState *state)
{
    I8259State *s = i8259_from_device(dev);

    memset(state, 0, sizeof(*state));
    if (!s) {
        return;
    }
    if (s->ops && s->ops->pre_save) {
        s->ops->pre_save(s);
    }
    memcpy(state->chip, s->chip, sizeof(state->chip));
}

bool i8259_set_state(DeviceState *dev, const I8259SavedState *state,
                     GError **errp)
{
    I8259State *s = i8259_from_device(dev);

    if (!s) {
        error_setg(errp, "device is not an i8259");
        return false;
    }
    for (int i = 0; i < 2; i++) {
        const PICChip *c = &state->chip[i];
        uint8_t mask = i ? I8259_ELCR_MASK_SLAVE : I8259_ELCR_MASK_MASTER;

        if (c->init_state > I8259_INIT_ICW4) {
            error_setg(errp, "pic%d: initialisation state %u is not 0-3", i,
                       c->init_state);
            return false;
        }
        if (c->hprio > 7) {
            error_setg(errp, "pic%d: highest-priority IR %u is not 0-7", i,
                       c->hprio);
            return false;
        }
        if (c->irq_base & 7) {
            error_setg(errp, "pic%d: vector base 0x%02x is not a multiple "
                       "of 8", i, c->irq_base);
            return false;
        }
        if (c->elcr & ~mask) {
            error_setg(errp, "pic%d: ELCR 0x%02x sets bits outside 0x%02x", i,
                       c->elcr, mask);
            return false;
        }
    }
    memcpy(s->chip, state->chip, sizeof(s->chip));
    s->chip[0].elcr_mask = I8259_ELCR_MASK_MASTER;
    s->chip[1].elcr_mask = I8259_ELCR_MASK_SLAVE;
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
    return true;
}

void i8259_info(I8259State *s, GString *out)
{
    if (s->ops && s->ops->pre_save) {
        s->ops->pre_save(s);
    }
    for (int i = 0; i < 2; i++) {
        const PICChip *c = &s->chip[i];

        g_string_append_printf(out, "pic%d: irr=%02x imr=%02x isr=%02x "
                               "hprio=%d irq_base=%02x rr_sel=%d elcr=%02x "
                               "fnm=%d\n", i, c->irr, c->imr, c->isr,
                               c->hprio, c->irq_base, c->read_isr, c->elcr,
                               c->sfnm);
    }
}

static void i8259_info_one(DeviceState *dev, void *opaque)
{
    I8259State *s = i8259_from_device(dev);

    if (s) {
        i8259_info(s, opaque);
    }
}

static void hmp_info_pic(Monitor *mon, const char *args, GString *out)
{
    gsize before = out->len;

    qdev_foreach(i8259_info_one, out);
    if (out->len == before) {
        g_string_append(out, "PIC is not present\n");
    }
}

static void i8259_info_irq_one(DeviceState *dev, void *opaque)
{
    I8259State *s = i8259_from_device(dev);
    GString *out = opaque;

    if (!s) {
        return;
    }
    g_string_append_printf(out, "IRQ statistics for %s:\n",
                           dev->klass->name);
    for (int i = 0; i < I8259_NUM_IRQS; i++) {
        if (s->irq_count[i]) {
            g_string_append_printf(out, "%2d: %" PRIu64 "\n", i,
                                   s->irq_count[i]);
        }
    }
}

void i8259_info_irq(GString *out)
{
    qdev_foreach(i8259_info_irq_one, out);
}

void i8259_register_info(void)
{
    hmp_register_info("pic", "", "show PIC state", hmp_info_pic);
}
