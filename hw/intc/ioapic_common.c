/*
 * The part of the I/O APIC every backend shares: the state (the registers
 * of the Intel 82093AA datasheet, 290566-001, 3.1-3.2, plus the pin levels),
 * the "version" property check, reset, copying the state in and out
 * (IOAPICSavedState), the 24 GPIO input pins, and the monitor's
 * `info ioapic` and per-GSI `info irq` text. What an access or a pin change
 * does is the backend's (hw/intc/ioapic.c for the userspace model), reached
 * through IOAPICBackendOps. Left out: migration streams (only the in-memory
 * state copy exists).
 */
#include "qemu/osdep.h"
#include "hw/intc/ioapic_internal.h"
#include "hw/intc/apic_bus.h"
#include "monitor/monitor.h"
#include "trace/hw_intc.h"

/* Device types that are IOAPICs (their state struct starts with
 * IOAPICCommonState). */
static const char *const ioapic_type_names[] = { TYPE_IOAPIC, "kvm-ioapic" };

IOAPICCommonState *ioapic_common_from_dev(DeviceState *dev)
{
    if (!dev || !dev->klass) {
        return NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ioapic_type_names); i++) {
        if (strcmp(dev->klass->name, ioapic_type_names[i]) == 0) {
            return (IOAPICCommonState *)dev;
        }
    }
    return NULL;
}

/*
 * GPIO input n is pin n. The common part keeps the electrical level and the
 * assertion count; the backend decides what the change means.
 */
static void ioapic_common_set_irq(void *opaque, int pin, int level)
{
    IOAPICCommonState *s = opaque;
    uint32_t bit;

    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        return;
    }
    level = level ? 1 : 0;
    trace_ioapic_set_irq(pin, level);
    bit = 1u << pin;
    if (!!(s->pin_level & bit) == level) {
        return;
    }
    s->pin_level ^= bit;
    if (ioapic_pin_asserted(s, pin)) {
        s->irq_count[pin]++;
    }
    if (s->ops && s->ops->set_irq) {
        s->ops->set_irq(s, pin, level);
    }
}

void ioapic_common_realize(IOAPICCommonState *s, const IOAPICBackendOps *ops,
                           GError **errp)
{
    DeviceState *dev = DEVICE(s);
    GError *local_err = NULL;

    if (s->version != IOAPIC_VERSION_82093AA &&
        s->version != IOAPIC_VERSION_ICH) {
        error_setg(errp, "IOAPIC version must be 0x11 or 0x20");
        return;
    }
    s->ops = ops;
    qdev_init_gpio_in(dev, ioapic_common_set_irq, IOAPIC_NUM_PINS);
    if (ops->realize) {
        ops->realize(s, &local_err);
        if (local_err) {
            g_propagate_error(errp, local_err);
            return;
        }
    }
    /* Only an IOAPIC with an EOI register lets a LAPIC suppress the EOI
     * broadcast (SDM vol. 3A 11.8.5, 2024 numbering: SVR bit 12). */
    apic_bus_set_directed_eoi(s->version == IOAPIC_VERSION_ICH);
    /* Sane registers before the machine's first reset. */
    ioapic_common_reset(s);
}

void ioapic_common_unrealize(IOAPICCommonState *s)
{
    if (s->ops && s->ops->unrealize) {
        s->ops->unrealize(s);
    }
}

void ioapic_common_reset(IOAPICCommonState *s)
{
    /*
     * 82093AA 3.2: after reset the ID is 0 and every redirection entry is
     * masked with its other bits 0. The input pins are wires outside the
     * IOAPIC and keep their levels; the devices driving them reset on their
     * own. The interrupt counts are statistics and survive reset.
     */
    s->id = 0;
    s->ioregsel = 0;
    s->irr = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->ioredtbl[i] = IOAPIC_RTE_MASKED;
    }
    if (s->ops && s->ops->reset) {
        s->ops->reset(s);
    }
}

void ioapic_get_state(DeviceState *dev, IOAPICSavedState *state)
{
    IOAPICCommonState *s = ioapic_common_from_dev(dev);

    memset(state, 0, sizeof(*state));
    if (!s) {
        return;
    }
    if (s->ops && s->ops->pre_save) {
        s->ops->pre_save(s);
    }
    state->id = s->id;
    state->ioregsel = s->ioregsel;
    state->irr = s->irr;
    state->pin_level = s->pin_level;
    memcpy(state->ioredtbl, s->ioredtbl, sizeof(state->ioredtbl));
}

bool ioapic_set_state(DeviceState *dev, const IOAPICSavedState *state,
                      GError **errp)
{
    IOAPICCommonState *s = ioapic_common_from_dev(dev);
    const uint32_t pins = (1u << IOAPIC_NUM_PINS) - 1;

    if (!s) {
        error_setg(errp, "not an IOAPIC");
        return false;
    }
    if (state->id > IOAPIC_ID_MASK) {
        error_setg(errp, "IOAPIC ID must be at most 15, not %u", state->id);
        return false;
    }
    if ((state->irr | state->pin_level) & ~pins) {
        error_setg(errp, "IOAPIC has only %d pins", IOAPIC_NUM_PINS);
        return false;
    }
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        if (state->ioredtbl[i] & ~IOAPIC_RTE_VALID) {
            error_setg(errp, "IOAPIC redirection entry %d has reserved bits "
                       "set: 0x%016" PRIx64, i, state->ioredtbl[i]);
            return false;
        }
    }
    s->id = state->id;
    s->ioregsel = state->ioregsel;
    s->irr = state->irr;
    s->pin_level = state->pin_level;
    memcpy(s->ioredtbl, state->ioredtbl, sizeof(s->ioredtbl));
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
    return true;
}

/* ---- monitor text ---- */

static const char *const ioapic_delivery_mode_names[8] = {
    "fixed", "lowest", "SMI", "rsvd3", "NMI", "INIT", "rsvd6", "ExtINT",
};

static void ioapic_print_pin_set(GString *out, const char *label,
                                 uint32_t pins)
{
    g_string_append_printf(out, "  %-10s", label);
    if (!pins) {
        g_string_append(out, " (none)");
    }
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        if (pins & (1u << i)) {
            g_string_append_printf(out, " %d", i);
        }
    }
    g_string_append_c(out, '\n');
}

/*
 * The layout of QEMU's `info ioapic`, so its users read it at a glance:
 *   ioapic0: ver=0x20 id=0x00 sel=0x12 (redir[1])
 *     pin 0  0x0000000000010000 dest=0x00 vec=0   active-hi edge  masked fixed  physical
 *     ...
 *     IRR        (none)
 *     Remote IRR 9
 * with the destination printed in full (8 bits) in both modes.
 */
void ioapic_print_info(IOAPICCommonState *s, int index, GString *out)
{
    uint32_t remote_irr = 0;

    if (s->ops && s->ops->pre_save) {
        s->ops->pre_save(s);
    }
    g_string_append_printf(out, "ioapic%d: ver=0x%02x id=0x%02x sel=0x%02x",
                           index, s->version, s->id, s->ioregsel);
    if (s->ioregsel >= IOAPIC_REG_REDTBL_BASE &&
        s->ioregsel < IOAPIC_REG_REDTBL_END) {
        g_string_append_printf(out, " (redir[%d])",
                               (s->ioregsel - IOAPIC_REG_REDTBL_BASE) / 2);
    }
    g_string_append_c(out, '\n');
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[i]);

        g_string_append_printf(out,
                               "  pin %-2d 0x%016" PRIx64 " dest=0x%02x "
                               "vec=%-3u %s %-5s %-6s %-6s %s\n",
                               i, s->ioredtbl[i], e.dest, e.vector,
                               e.active_low ? "active-lo" : "active-hi",
                               e.trigger_level ? "level" : "edge",
                               e.masked ? "masked" : "",
                               ioapic_delivery_mode_names[e.delivery_mode],
                               e.dest_logical ? "logical" : "physical");
        if (e.remote_irr) {
            remote_irr |= 1u << i;
        }
    }
    ioapic_print_pin_set(out, "IRR", s->irr);
    ioapic_print_pin_set(out, "Remote IRR", remote_irr);
}

typedef struct IOAPICInfoWalk {
    GString *out;
    int index;
    bool irq_counts;
} IOAPICInfoWalk;

static void ioapic_info_one(DeviceState *dev, void *opaque)
{
    IOAPICInfoWalk *w = opaque;
    IOAPICCommonState *s = ioapic_common_from_dev(dev);

    if (!s) {
        return;
    }
    if (!w->irq_counts) {
        ioapic_print_info(s, w->index, w->out);
    } else {
        g_string_append_printf(w->out, "IRQ statistics for %s:\n",
                               dev->klass->name);
        for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
            if (s->irq_count[i]) {
                g_string_append_printf(w->out, "%2d: %" PRIu64 "\n", i,
                                       s->irq_count[i]);
            }
        }
    }
    w->index++;
}

void ioapic_info(GString *out)
{
    IOAPICInfoWalk w = { .out = out };

    qdev_foreach(ioapic_info_one, &w);
}

void ioapic_info_irq(GString *out)
{
    IOAPICInfoWalk w = { .out = out, .irq_counts = true };

    qdev_foreach(ioapic_info_one, &w);
}

static void hmp_info_ioapic(Monitor *mon, const char *args, GString *out)
{
    ioapic_info(out);
}

static void __attribute__((constructor)) ioapic_register_hmp(void)
{
    hmp_register_info("ioapic", "", "show io apic state", hmp_info_ioapic);
}
