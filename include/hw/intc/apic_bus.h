/*
 * The APIC bus: the one path every interrupt message takes to the local
 * APICs, whether it comes from an IPI (a LAPIC's ICR), the IOAPIC, or an MSI
 * write. A message names its destination the way the sender encoded it; the
 * irqchip backend (userspace models now, KVM later) decides which LAPICs
 * accept it (physical/logical matching, broadcast, lowest-priority
 * arbitration) and delivers it. Level-triggered EOIs travel the other way,
 * from a LAPIC to the IOAPIC(s), through apic_bus_broadcast_eoi().
 *
 * SDM vol. 3A (2024 numbering) 11.6 (issuing IPIs), 11.11 (MSI format).
 */
#ifndef LAPIS_APIC_BUS_H
#define LAPIS_APIC_BUS_H

#include "qemu/osdep.h"

typedef enum ApicDeliveryMode {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWPRI = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
} ApicDeliveryMode;

typedef enum ApicShorthand {
    APIC_SH_NONE = 0,
    APIC_SH_SELF = 1,
    APIC_SH_ALL_INCL_SELF = 2,
    APIC_SH_ALL_EXCL_SELF = 3,
} ApicShorthand;

typedef enum ApicMsgSource {
    APIC_SRC_IPI,       /* a LAPIC's ICR (dest 8-bit in xAPIC, 32-bit in x2APIC mode) */
    APIC_SRC_IOAPIC,    /* an IOAPIC redirection entry (8-bit dest) */
    APIC_SRC_MSI,       /* a write to the MSI window (8-bit dest) */
} ApicMsgSource;

typedef struct ApicMessage {
    ApicMsgSource source;
    int src_cpu;                /* sending vCPU index for IPIs, else -1 */
    bool src_x2apic;            /* the sender was in x2APIC mode (32-bit dest) */
    uint32_t dest;
    bool dest_logical;
    ApicShorthand shorthand;
    ApicDeliveryMode delivery_mode;
    uint8_t vector;
    bool trigger_level;         /* level-triggered (sets TMR) */
    bool level;                 /* assert (1) or de-assert (0) */
    bool redir_hint;            /* MSI redirection hint */
} ApicMessage;

/* The backend that carries messages (userspace LAPICs, or KVM). */
typedef struct ApicBusOps {
    void (*deliver)(const ApicMessage *msg);
} ApicBusOps;

void apic_bus_set_backend(const ApicBusOps *ops);
/* Deliver one message; messages to absent APIC IDs vanish silently. */
void apic_bus_deliver(const ApicMessage *msg);

/* EOI of a level-triggered vector, to every IOAPIC (remote IRR). */
typedef void (*ApicEoiHandler)(void *opaque, uint8_t vector);
void apic_bus_add_eoi_listener(ApicEoiHandler handler, void *opaque);
void apic_bus_remove_eoi_listener(ApicEoiHandler handler, void *opaque);
void apic_bus_broadcast_eoi(uint8_t vector);

/* Whether every IOAPIC has an EOI register (version 0x20), which lets the
 * LAPIC advertise and honour suppress-EOI-broadcast (SVR bit 12). */
void apic_bus_set_directed_eoi(bool supported);
bool apic_bus_directed_eoi(void);

/* Decode an MSI address/data pair (SDM 11.11.1, 11.11.2); false when the
 * address is outside 0xFEExxxxx. */
bool msi_decode(uint64_t addr, uint32_t data, ApicMessage *msg);

/*
 * The default backend: the userspace LAPIC models (hw/intc/apic.c), which
 * apic_bus_deliver() uses while no other backend is set. Destination
 * matching, lowest-priority arbitration, broadcast and shorthands live in
 * hw/intc/apic_bus.c and are documented in docs/apic.md.
 */
extern const ApicBusOps apic_bus_userspace_ops;

/*
 * ExtINT: a LAPIC that takes an ExtINT interrupt (LINT0 in ExtINT mode, or an
 * ExtINT message) asks the 8259 for the vector, as the CPU's INTA cycle does.
 * The PIC registers itself here (one per machine; NULL ops to remove it).
 *   peek: the vector INTA would return now, or -1 when INTR is not asserted;
 *         no side effect (qtest's intr_poll).
 *   ack:  the INTA cycle itself (ISR set, IRR cleared ...); returns the
 *         vector, the spurious vector of the PIC when the request went away.
 */
typedef struct ApicExtIntOps {
    int (*peek)(void *opaque);
    int (*ack)(void *opaque);
} ApicExtIntOps;
void apic_bus_set_extint_source(const ApicExtIntOps *ops, void *opaque);
/* -1 when no PIC is registered or it has nothing. */
int apic_bus_extint_peek(void);
int apic_bus_extint_ack(void);

#endif
