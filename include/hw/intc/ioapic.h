/*
 * The I/O APIC (device type "ioapic"), as the machine, the monitor and
 * tests see it: an 82093AA-style IOAPIC with 24 input pins (GPIO inputs of
 * the unnamed list, pin N is GSI N), its register window at 0xFEC00000, and
 * a property "version" (0x11, the 82093AA; or 0x20, the ICH IOxAPIC that
 * adds the EOI register; default 0x20 as QEMU's). docs/ioapic.md describes
 * the registers and the edge/level semantics.
 *
 * The state (IOAPICSavedState) is the same whichever backend runs the
 * IOAPIC (ours in userspace now, an in-kernel one later), so it can be moved
 * between them with ioapic_get_state()/ioapic_set_state().
 *
 * Locking: every function here runs with the BQL held.
 */
#ifndef LAPIS_HW_INTC_IOAPIC_H
#define LAPIS_HW_INTC_IOAPIC_H

#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"

#define TYPE_IOAPIC             "ioapic"

#define IOAPIC_NUM_PINS         24
#define IOAPIC_DEFAULT_ADDRESS  0xfec00000ULL
/* The window the chipset decodes for one IOAPIC; registers sit in its first
 * 0x44 bytes, the rest reads as 0. */
#define IOAPIC_MMIO_SIZE        0x1000

#define IOAPIC_VERSION_82093AA  0x11
#define IOAPIC_VERSION_ICH      0x20    /* adds the EOI register at 0x40 */
#define IOAPIC_VERSION_DEFAULT  IOAPIC_VERSION_ICH

/* Everything a backend needs to resume the IOAPIC where another left it. */
typedef struct IOAPICSavedState {
    uint8_t id;                 /* 4 bits, IOAPICID[27:24] */
    uint8_t ioregsel;           /* the IOREGSEL index */
    uint32_t irr;               /* bit n: pin n has a request pending */
    uint32_t pin_level;         /* bit n: electrical level of input pin n */
    uint64_t ioredtbl[IOAPIC_NUM_PINS];
} IOAPICSavedState;

/*
 * Create, realize (as /machine/ioapic) and map the IOAPIC at
 * IOAPIC_DEFAULT_ADDRESS in sysmem. -global ioapic.version=... applies.
 * Returns NULL with *errp set if realize refused the properties.
 * The machine then wires GSI n to qdev_get_gpio_in(dev, n).
 */
DeviceState *ioapic_create(MemoryRegion *sysmem, GError **errp);
/* Unmap and free an IOAPIC made by ioapic_create. */
void ioapic_destroy(DeviceState *dev);

/* The register window (IOAPIC_MMIO_SIZE bytes), for a caller that maps it
 * elsewhere. NULL for a device that is not an IOAPIC. */
MemoryRegion *ioapic_mmio_region(DeviceState *dev);

/* Copy the architectural state out of / into an IOAPIC (any backend).
 * set fails, changing nothing, if the state is not one the device can hold
 * (an ID above 15, bits set that the registers do not have). */
void ioapic_get_state(DeviceState *dev, IOAPICSavedState *state);
bool ioapic_set_state(DeviceState *dev, const IOAPICSavedState *state,
                      GError **errp);

/* HMP text. `info ioapic` (registered by this module) prints
 * ioapic_info(); the LAPIC's `info irq` appends ioapic_info_irq(), the
 * per-GSI counts ("IRQ statistics for ioapic:" then " N: COUNT" for each
 * pin that was ever asserted, as QEMU prints them). */
void ioapic_info(GString *out);
void ioapic_info_irq(GString *out);

#endif
