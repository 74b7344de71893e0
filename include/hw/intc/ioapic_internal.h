/*
 * IOAPIC internals shared by the common part (hw/intc/ioapic_common.c:
 * state, reset, state get/set, `info` text) and a backend (hw/intc/ioapic.c,
 * the userspace model; an in-kernel one later). The two are joined by
 * IOAPICBackendOps. Register layout: Intel 82093AA datasheet (order
 * 290566-001, May 1996) 3.0-3.2; the EOI register of version 0x20 from the
 * ICH I/O APIC description (ICH9 datasheet 13.5, "EOI Register").
 */
#ifndef LAPIS_HW_INTC_IOAPIC_INTERNAL_H
#define LAPIS_HW_INTC_IOAPIC_INTERNAL_H

#include "hw/intc/ioapic.h"

/* Memory-mapped registers, offsets in the window (82093AA 3.0, Table 2). */
#define IOAPIC_IOREGSEL         0x00    /* index of the register IOWIN shows */
#define IOAPIC_IOWIN            0x10    /* data window (32-bit accesses) */
#define IOAPIC_EOIR             0x40    /* version 0x20: write a vector */

/* Indirect registers, selected by IOREGSEL (82093AA 3.1 and 3.2). */
#define IOAPIC_REG_ID           0x00
#define IOAPIC_REG_VER          0x01
#define IOAPIC_REG_ARB          0x02
#define IOAPIC_REG_REDTBL_BASE  0x10    /* pin n: low 0x10+2n, high 0x11+2n */
#define IOAPIC_REG_REDTBL_END   (IOAPIC_REG_REDTBL_BASE + 2 * IOAPIC_NUM_PINS)

/*
 * IOAPICID (3.2.1): bits 27:24 the ID, the rest reserved.
 * IOAPICVER (3.2.2): bits 7:0 version, 15 PRQ (0 here), 23:16 the index of
 * the highest redirection entry (23).
 * IOAPICARB (3.2.3): bits 27:24 the bus arbitration ID, read-only, loaded
 * from the ID.
 */
#define IOAPIC_ID_SHIFT         24
#define IOAPIC_ID_MASK          0x0f
#define IOAPIC_VER_MRE_SHIFT    16

/*
 * Redirection table entry (3.2.4), 64 bits:
 *   63:56 destination   (physical: APIC ID; logical: a set of processors)
 *   55:17 reserved      (read as 0 here)
 *   16    mask          (1: masked; set at reset)
 *   15    trigger mode  (1: level)
 *   14    remote IRR    (read-only; level: set when a LAPIC accepted the
 *                        interrupt, cleared by its EOI)
 *   13    polarity      (1: the pin is asserted when low)
 *   12    delivery status (read-only; 1: send pending; always 0 here)
 *   11    destination mode (1: logical)
 *   10:8  delivery mode (000 fixed, 001 lowest priority, 010 SMI,
 *                        100 NMI, 101 INIT, 111 ExtINT; 011, 110 reserved)
 *   7:0   vector
 */
#define IOAPIC_RTE_VECTOR       0x00000000000000ffULL
#define IOAPIC_RTE_DELMOD_SHIFT 8
#define IOAPIC_RTE_DELMOD       0x0000000000000700ULL
#define IOAPIC_RTE_DESTMOD      (1ULL << 11)
#define IOAPIC_RTE_DELIVS       (1ULL << 12)
#define IOAPIC_RTE_POLARITY     (1ULL << 13)
#define IOAPIC_RTE_REMOTE_IRR   (1ULL << 14)
#define IOAPIC_RTE_TRIGGER      (1ULL << 15)
#define IOAPIC_RTE_MASKED       (1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT   56
#define IOAPIC_RTE_DEST         (0xffULL << IOAPIC_RTE_DEST_SHIFT)
/* What software can write; remote IRR and delivery status are read-only. */
#define IOAPIC_RTE_WRITABLE     (IOAPIC_RTE_VECTOR | IOAPIC_RTE_DELMOD | \
                                 IOAPIC_RTE_DESTMOD | IOAPIC_RTE_POLARITY | \
                                 IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASKED | \
                                 IOAPIC_RTE_DEST)
#define IOAPIC_RTE_VALID        (IOAPIC_RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR | \
                                 IOAPIC_RTE_DELIVS)

/* Delivery modes 3 and 6 are reserved in the redirection table. */
#define IOAPIC_DM_RESERVED3     3
#define IOAPIC_DM_RESERVED6     6

/* A redirection entry decoded once. */
typedef struct IOAPICRedirEntry {
    uint8_t vector;
    uint8_t delivery_mode;      /* ApicDeliveryMode, or a reserved 3/6 */
    bool dest_logical;
    bool delivery_status;
    bool active_low;
    bool remote_irr;
    bool trigger_level;         /* as programmed */
    bool masked;
    uint8_t dest;
} IOAPICRedirEntry;

static inline IOAPICRedirEntry ioapic_rte_decode(uint64_t rte)
{
    IOAPICRedirEntry e = {
        .vector = rte & IOAPIC_RTE_VECTOR,
        .delivery_mode = (rte & IOAPIC_RTE_DELMOD) >> IOAPIC_RTE_DELMOD_SHIFT,
        .dest_logical = rte & IOAPIC_RTE_DESTMOD,
        .delivery_status = rte & IOAPIC_RTE_DELIVS,
        .active_low = rte & IOAPIC_RTE_POLARITY,
        .remote_irr = rte & IOAPIC_RTE_REMOTE_IRR,
        .trigger_level = rte & IOAPIC_RTE_TRIGGER,
        .masked = rte & IOAPIC_RTE_MASKED,
        .dest = rte >> IOAPIC_RTE_DEST_SHIFT,
    };
    return e;
}

/*
 * Whether the entry behaves as level-triggered. 82093AA 3.2.4: NMI and
 * INIT are treated as edge-triggered even when programmed level, and SMI
 * and ExtINT require edge mode; we treat all four as edge whatever the
 * trigger bit says. Only fixed and lowest-priority interrupts are
 * level-sensitive (remote IRR, EOI).
 */
static inline bool ioapic_rte_is_level(const IOAPICRedirEntry *e)
{
    return e->trigger_level && (e->delivery_mode == 0 || e->delivery_mode == 1);
}

typedef struct IOAPICCommonState IOAPICCommonState;

/* What a backend supplies. Every hook may be NULL. */
typedef struct IOAPICBackendOps {
    const char *name;                       /* "userspace", "kvm" */
    /* After the common checks; set up MMIO, timers, listeners. */
    void (*realize)(IOAPICCommonState *s, GError **errp);
    void (*unrealize)(IOAPICCommonState *s);
    /* After the common reset put the registers in their reset state. */
    void (*reset)(IOAPICCommonState *s);
    /* A pin input changed (pin checked, level 0 or 1). */
    void (*set_irq)(IOAPICCommonState *s, int pin, int level);
    /* Before the common state is read: fetch it from the backend. */
    void (*pre_save)(IOAPICCommonState *s);
    /* After the common state was replaced: push it / re-evaluate pins. */
    void (*post_load)(IOAPICCommonState *s);
} IOAPICBackendOps;

struct IOAPICCommonState {
    DeviceState parent;
    const IOAPICBackendOps *ops;
    MemoryRegion mmio;          /* set up by the backend */
    MemoryRegion *mapped_in;    /* container ioapic_create mapped it into */

    /* property */
    uint8_t version;

    /* architectural state (IOAPICSavedState) */
    uint8_t id;
    uint8_t ioregsel;
    /* bit n: a request is pending on pin n. Edge: a latched rising edge not
     * yet delivered. Level (as ioapic_rte_is_level): the pin is asserted. */
    uint32_t irr;
    uint32_t pin_level;         /* electrical levels, before polarity */
    uint64_t ioredtbl[IOAPIC_NUM_PINS];

    /* statistics for `info irq`: assertions of each pin (0 -> 1 of the
     * polarity-adjusted line), kept across reset */
    uint64_t irq_count[IOAPIC_NUM_PINS];
};

/*
 * Shared steps a backend's DeviceClass calls: realize checks the version
 * property ("IOAPIC version must be 0x11 or 0x20"), makes the 24 GPIO
 * inputs and runs ops->realize; reset sets the 82093AA reset state (ID 0,
 * every entry masked with all other bits 0) and runs ops->reset.
 */
void ioapic_common_realize(IOAPICCommonState *s, const IOAPICBackendOps *ops,
                           GError **errp);
void ioapic_common_unrealize(IOAPICCommonState *s);
void ioapic_common_reset(IOAPICCommonState *s);

/* The IOAPIC behind a device, or NULL if it is not one. */
IOAPICCommonState *ioapic_common_from_dev(DeviceState *dev);

/* Whether pin n's line is asserted after the entry's polarity. */
static inline bool ioapic_pin_asserted(const IOAPICCommonState *s, int pin)
{
    bool high = (s->pin_level >> pin) & 1;

    return high != !!(s->ioredtbl[pin] & IOAPIC_RTE_POLARITY);
}

/* Append one IOAPIC's `info ioapic` text. */
void ioapic_print_info(IOAPICCommonState *s, int index, GString *out);

#endif
