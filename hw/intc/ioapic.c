/*
 * The userspace I/O APIC (device type "ioapic"): the register window
 * (IOREGSEL/IOWIN, and the EOI register of version 0x20) and what a pin
 * change, a redirection entry write or an EOI does, following the Intel
 * 82093AA datasheet (290566-001) 3.0-3.2.4 and the SDM vol. 3A (2024
 * numbering) 11.8.5 for EOIs. Messages go out on the APIC bus
 * (apic_bus_deliver); level EOIs come back through the bus's EOI listeners.
 *
 * Models: edge entries deliver on each rising edge of the polarity-adjusted
 * line while unmasked (an edge while masked is lost, as on hardware); level
 * entries (fixed and lowest priority only: 82093AA 3.2.4 treats NMI and INIT
 * as edge and requires edge for SMI and ExtINT; all four act as edge here)
 * deliver while the line is asserted and remote IRR is clear, set remote
 * IRR, and deliver again after the EOI (broadcast or EOI register) and on
 * unmask while the line is still asserted; switching an entry to edge
 * clears remote IRR.
 *
 * Differs from hardware, on purpose:
 *  - Delivery is instantaneous, so delivery status always reads 0.
 *  - Reserved delivery modes (3, 6) deliver nothing and act as edge: the
 *    request is dropped (trace ioapic_reserved_mode). A line still asserted
 *    when the entry is made a valid level entry is then delivered.
 *  - Interrupt storms are damped: see IOAPIC_STORM_THRESHOLD below.
 *  - Only a change of the pin's input makes an edge; changing an entry's
 *    polarity re-evaluates level entries but does not fire edge ones.
 * Left out: the PRQ pin assertion register, the APIC serial bus timing.
 */
#include "qemu/osdep.h"
#include "hw/intc/ioapic_internal.h"
#include "hw/intc/apic_bus.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "trace/hw_intc.h"

/*
 * Interrupt storm damping. A level line that is still asserted when its EOI
 * arrives is delivered again at once: that is what hardware does and what
 * shared level interrupts need. A source that never lets go (a guest driver
 * that acknowledges the wrong device, a device model stuck high) would then
 * keep a vCPU in its handler forever and starve everything else. So: after
 * IOAPIC_STORM_THRESHOLD re-deliveries in a row made by EOIs of a line that
 * never deasserted, and the guest not touching the entry either, each
 * further re-delivery waits IOAPIC_STORM_DELAY_NS of virtual time (at most
 * 10000 such interrupts per virtual second). Nothing is lost: the line is
 * still asserted and the interrupt comes. The streak ends when the line
 * deasserts or the guest writes the entry; then re-delivery is immediate
 * again.
 */
#define IOAPIC_STORM_THRESHOLD  10000
#define IOAPIC_STORM_DELAY_NS   (100 * SCALE_US)

typedef struct IOAPICUserState {
    IOAPICCommonState common;
    uint32_t eoi_streak[IOAPIC_NUM_PINS];  /* immediate re-deliveries */
    uint32_t storm_deferred;    /* pins waiting for storm_timer */
    QEMUTimer *storm_timer;
} IOAPICUserState;

static IOAPICUserState *ioapic_user(IOAPICCommonState *s)
{
    return container_of(s, IOAPICUserState, common);
}

/* Send pin's entry as a message. The caller sets remote IRR first, so an
 * EOI the delivery might cause finds it set. */
static void ioapic_deliver(IOAPICCommonState *s, int pin,
                           const IOAPICRedirEntry *e)
{
    ApicMessage msg = {
        .source = APIC_SRC_IOAPIC,
        .src_cpu = -1,
        .dest = e->dest,
        .dest_logical = e->dest_logical,
        .shorthand = APIC_SH_NONE,
        .delivery_mode = (ApicDeliveryMode)e->delivery_mode,
        .vector = e->vector,
        .trigger_level = ioapic_rte_is_level(e),
        .level = true,
    };

    trace_ioapic_deliver(pin, e->dest, e->dest_logical, e->delivery_mode,
                         e->vector, msg.trigger_level);
    apic_bus_deliver(&msg);
}

/* Deliver what is pending and deliverable. */
static void ioapic_service(IOAPICCommonState *s)
{
    IOAPICUserState *u = ioapic_user(s);
    uint32_t pending = s->irr;

    while (pending) {
        int pin = __builtin_ctz(pending);
        uint32_t bit = 1u << pin;
        IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[pin]);

        pending &= ~bit;
        if (e.masked) {
            continue;
        }
        if (e.delivery_mode == IOAPIC_DM_RESERVED3 ||
            e.delivery_mode == IOAPIC_DM_RESERVED6) {
            /* Not a level entry (ioapic_rte_is_level): drop the edge. */
            trace_ioapic_reserved_mode(pin, e.delivery_mode);
            s->irr &= ~bit;
            continue;
        }
        if (ioapic_rte_is_level(&e)) {
            if (e.remote_irr || (u->storm_deferred & bit)) {
                continue;
            }
            s->ioredtbl[pin] |= IOAPIC_RTE_REMOTE_IRR;
            trace_ioapic_remote_irr(pin, 1);
        } else {
            s->irr &= ~bit;
        }
        ioapic_deliver(s, pin, &e);
    }
}

static void ioapic_storm_timer_cb(void *opaque)
{
    IOAPICUserState *u = opaque;

    u->storm_deferred = 0;
    ioapic_service(&u->common);
}

/* Backend hook: pin's electrical level changed (common code updated
 * pin_level and the count). */
static void ioapic_user_set_irq(IOAPICCommonState *s, int pin, int level)
{
    IOAPICUserState *u = ioapic_user(s);
    uint32_t bit = 1u << pin;
    IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[pin]);
    bool asserted = ioapic_pin_asserted(s, pin);

    if (ioapic_rte_is_level(&e)) {
        if (asserted) {
            s->irr |= bit;
        } else {
            /* The source let go: the handler made progress. */
            s->irr &= ~bit;
            u->eoi_streak[pin] = 0;
            u->storm_deferred &= ~bit;
        }
    } else if (asserted) {
        if (e.masked) {
            /* 82093AA 3.2.4: a masked edge interrupt is not latched. */
            trace_ioapic_edge_lost(pin);
            return;
        }
        s->irr |= bit;
    } else {
        u->eoi_streak[pin] = 0;
        return;
    }
    ioapic_service(s);
}

/*
 * An EOI for vector: from a LAPIC's broadcast (every IOAPIC hears it) or
 * from our EOI register. Remote IRR clears on every level entry with that
 * vector (SDM 11.8.5; ICH9 datasheet 13.5, EOI register: the vector written
 * is compared with each entry). A line still asserted is delivered again.
 */
static void ioapic_eoi(IOAPICCommonState *s, uint8_t vector)
{
    IOAPICUserState *u = ioapic_user(s);

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint32_t bit = 1u << pin;
        IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[pin]);

        if (e.vector != vector || !e.remote_irr) {
            continue;
        }
        s->ioredtbl[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
        trace_ioapic_remote_irr(pin, 0);
        if (!(s->irr & bit) || e.masked) {
            continue;
        }
        if (++u->eoi_streak[pin] > IOAPIC_STORM_THRESHOLD) {
            u->eoi_streak[pin] = IOAPIC_STORM_THRESHOLD;
            if (!(u->storm_deferred & bit)) {
                trace_ioapic_storm_defer(pin, vector);
            }
            u->storm_deferred |= bit;
            if (!timer_pending(u->storm_timer)) {
                timer_mod(u->storm_timer,
                          qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                          IOAPIC_STORM_DELAY_NS);
            }
        }
    }
    ioapic_service(s);
}

static void ioapic_eoi_broadcast(void *opaque, uint8_t vector)
{
    IOAPICCommonState *s = opaque;

    trace_ioapic_eoi_broadcast(vector);
    ioapic_eoi(s, vector);
}

/* The guest wrote pin's entry (old is the previous value). */
static void ioapic_rte_written(IOAPICCommonState *s, int pin, uint64_t old)
{
    IOAPICUserState *u = ioapic_user(s);
    uint32_t bit = 1u << pin;
    IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[pin]);
    IOAPICRedirEntry was = ioapic_rte_decode(old);

    trace_ioapic_rte_write(pin, s->ioredtbl[pin]);
    /* The guest is handling this pin: any storm streak ends. */
    u->eoi_streak[pin] = 0;
    u->storm_deferred &= ~bit;

    if (ioapic_rte_is_level(&e)) {
        /* A level entry's request is the line itself. */
        if (ioapic_pin_asserted(s, pin)) {
            s->irr |= bit;
        } else {
            s->irr &= ~bit;
        }
    } else {
        if (e.remote_irr) {
            /* Switching to edge clears remote IRR. The 82093AA datasheet
             * is silent; chipset IOAPICs do it, and Linux clears a stuck
             * remote IRR by reprogramming the entry as edge and back. */
            s->ioredtbl[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
            trace_ioapic_remote_irr(pin, 0);
        }
        if (ioapic_rte_is_level(&was)) {
            /* The pending level request is not an edge. */
            s->irr &= ~bit;
        }
    }
    ioapic_service(s);
}

/* ---- the register window ---- */

static uint32_t ioapic_read_indirect(IOAPICCommonState *s)
{
    uint8_t index = s->ioregsel;

    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        /* The arbitration ID is loaded from the ID (82093AA 3.2.3). */
        return (uint32_t)s->id << IOAPIC_ID_SHIFT;
    case IOAPIC_REG_VER:
        return s->version |
               ((uint32_t)(IOAPIC_NUM_PINS - 1) << IOAPIC_VER_MRE_SHIFT);
    default:
        break;
    }
    if (index >= IOAPIC_REG_REDTBL_BASE && index < IOAPIC_REG_REDTBL_END) {
        int pin = (index - IOAPIC_REG_REDTBL_BASE) / 2;
        uint64_t rte = s->ioredtbl[pin];

        return (index & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "ioapic: read of register 0x%02x, "
                  "which does not exist\n", index);
    return 0;
}

static void ioapic_write_indirect(IOAPICCommonState *s, uint32_t val)
{
    uint8_t index = s->ioregsel;

    switch (index) {
    case IOAPIC_REG_ID:
        s->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
        return;
    case IOAPIC_REG_VER:
    case IOAPIC_REG_ARB:
        /* Read-only: the write is ignored. */
        return;
    default:
        break;
    }
    if (index >= IOAPIC_REG_REDTBL_BASE && index < IOAPIC_REG_REDTBL_END) {
        int pin = (index - IOAPIC_REG_REDTBL_BASE) / 2;
        uint64_t old = s->ioredtbl[pin];
        uint64_t val64 = (index & 1) ? deposit64(old, 32, 32, val)
                                     : deposit64(old, 0, 32, val);

        s->ioredtbl[pin] = (val64 & IOAPIC_RTE_WRITABLE) |
                           (old & ~IOAPIC_RTE_WRITABLE & IOAPIC_RTE_VALID);
        ioapic_rte_written(s, pin, old);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "ioapic: write of register 0x%02x, "
                  "which does not exist\n", index);
}

static uint64_t ioapic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IOAPICCommonState *s = opaque;
    hwaddr reg = addr & ~(hwaddr)3;
    uint32_t val = 0;

    switch (reg) {
    case IOAPIC_IOREGSEL:
        val = s->ioregsel;
        break;
    case IOAPIC_IOWIN:
        val = ioapic_read_indirect(s);
        break;
    default:
        /* The EOI register is write-only; the rest of the window is
         * empty. Both read as 0. */
        break;
    }
    val >>= (addr & 3) * 8;
    if (size < 4) {
        val &= (1u << (size * 8)) - 1;
    }
    trace_ioapic_mem_read(addr, size, val);
    return val;
}

static void ioapic_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                              unsigned size)
{
    IOAPICCommonState *s = opaque;

    trace_ioapic_mem_write(addr, size, data);
    switch (addr) {
    case IOAPIC_IOREGSEL:
        /* Bits 7:0 select the register; wider writes keep those. */
        s->ioregsel = data & 0xff;
        return;
    case IOAPIC_IOWIN:
        /* 82093AA 3.0: the window is accessed as whole dwords. */
        if (size != 4) {
            qemu_log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte write to IOWIN "
                          "ignored\n", size);
            return;
        }
        ioapic_write_indirect(s, (uint32_t)data);
        return;
    case IOAPIC_EOIR:
        if (s->version == IOAPIC_VERSION_ICH) {
            uint8_t vector = data & 0xff;

            trace_ioapic_eoi_register(vector);
            ioapic_eoi(s, vector);
        }
        return;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "ioapic: write to offset 0x%" HWADDR_PRIx
                      " ignored\n", addr);
        return;
    }
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- backend hooks ---- */

static void ioapic_user_realize(IOAPICCommonState *s, GError **errp)
{
    IOAPICUserState *u = ioapic_user(s);

    memory_region_init_io(&s->mmio, &ioapic_mmio_ops, s, "ioapic",
                          IOAPIC_MMIO_SIZE);
    u->storm_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, ioapic_storm_timer_cb, u);
    apic_bus_add_eoi_listener(ioapic_eoi_broadcast, s);
}

static void ioapic_user_unrealize(IOAPICCommonState *s)
{
    IOAPICUserState *u = ioapic_user(s);

    apic_bus_remove_eoi_listener(ioapic_eoi_broadcast, s);
    timer_free(u->storm_timer);
    u->storm_timer = NULL;
    if (s->mapped_in) {
        memory_region_del_subregion(s->mapped_in, &s->mmio);
        s->mapped_in = NULL;
    }
    memory_region_finalize(&s->mmio);
}

static void ioapic_user_reset(IOAPICCommonState *s)
{
    IOAPICUserState *u = ioapic_user(s);

    memset(u->eoi_streak, 0, sizeof(u->eoi_streak));
    u->storm_deferred = 0;
    if (u->storm_timer) {
        timer_del(u->storm_timer);
    }
}

/* A new state was loaded: rebuild the level part of IRR from the pins and
 * deliver what is deliverable. */
static void ioapic_user_post_load(IOAPICCommonState *s)
{
    ioapic_user_reset(s);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        IOAPICRedirEntry e = ioapic_rte_decode(s->ioredtbl[pin]);

        if (ioapic_rte_is_level(&e)) {
            if (ioapic_pin_asserted(s, pin)) {
                s->irr |= 1u << pin;
            } else {
                s->irr &= ~(1u << pin);
            }
        }
    }
    ioapic_service(s);
}

static const IOAPICBackendOps ioapic_user_ops = {
    .name = "userspace",
    .realize = ioapic_user_realize,
    .unrealize = ioapic_user_unrealize,
    .reset = ioapic_user_reset,
    .set_irq = ioapic_user_set_irq,
    .post_load = ioapic_user_post_load,
};

/* ---- the device type ---- */

static void ioapic_realize(DeviceState *dev, GError **errp)
{
    ioapic_common_realize((IOAPICCommonState *)dev, &ioapic_user_ops, errp);
}

static void ioapic_unrealize(DeviceState *dev)
{
    ioapic_common_unrealize((IOAPICCommonState *)dev);
}

static void ioapic_reset(DeviceState *dev)
{
    ioapic_common_reset((IOAPICCommonState *)dev);
}

static const Property ioapic_props[] = {
    DEFINE_PROP_UINT8("version", IOAPICCommonState, version,
                      IOAPIC_VERSION_DEFAULT),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass ioapic_class = {
    .name = TYPE_IOAPIC,
    .desc = "I/O APIC (82093AA, or ICH with the EOI register)",
    .instance_size = sizeof(IOAPICUserState),
    .props = ioapic_props,
    .user_creatable = false,
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .unrealize = ioapic_unrealize,
};
DEVICE_CLASS_REGISTER(ioapic_class)

/* ---- for the machine ---- */

DeviceState *ioapic_create(MemoryRegion *sysmem, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_IOAPIC);
    IOAPICCommonState *s = (IOAPICCommonState *)dev;

    if (!qdev_realize(dev, "ioapic", errp)) {
        return NULL;
    }
    if (sysmem) {
        memory_region_add_subregion(sysmem, IOAPIC_DEFAULT_ADDRESS, &s->mmio);
        s->mapped_in = sysmem;
    }
    return dev;
}

void ioapic_destroy(DeviceState *dev)
{
    if (ioapic_common_from_dev(dev)) {
        qdev_unrealize_and_free(dev);
    }
}

MemoryRegion *ioapic_mmio_region(DeviceState *dev)
{
    IOAPICCommonState *s = ioapic_common_from_dev(dev);

    return s ? &s->mmio : NULL;
}
