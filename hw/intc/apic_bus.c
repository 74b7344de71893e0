/*
 * The APIC bus and its userspace backend: every interrupt message (an IPI
 * from a LAPIC's ICR, an IOAPIC redirection entry, an MSI write) goes through
 * apic_bus_deliver(), which hands it to the irqchip backend. The userspace
 * backend here decides which LAPICs accept it, following SDM vol. 3A (2024
 * numbering) 12.6.2 (physical, logical flat and cluster destinations,
 * broadcast), 12.6.1 (shorthands), 12.6.2.4 (lowest priority), 12.12.10
 * (x2APIC logical destinations) and 12.11 (MSI format), and then lets each
 * LAPIC accept it (hw/intc/apic.c). Physical destinations go through a table
 * indexed by APIC ID, so their cost does not grow with the number of vCPUs;
 * aliased IDs (two LAPICs given the same xAPIC ID) are chained there and all
 * accept. Lowest-priority arbitration is by TPR, as P4/Xeon chipsets
 * arbitrate, with a round-robin tie-break (see ApicLowpriArb). The bus also
 * carries level-triggered EOIs to the IOAPIC(s) and the ExtINT INTA to the
 * 8259. Left out: the focus processor (P6 only), the arbitration-ID
 * serialisation of the three-wire P6 bus, interrupt remapping formats and the
 * extended (15-bit) MSI destination ID.
 *
 * The bus is the machine's one APIC bus, so its state is a single instance
 * (apic_bus below); everything runs under the BQL.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/apic_internal.h"
#include "target/i386/cpu.h"
#include "trace/hw_intc.h"

#define APIC_PHYS_TABLE_SIZE 256

typedef struct ApicEoiListener {
    ApicEoiHandler handler;
    void *opaque;
} ApicEoiListener;

typedef struct ApicBus {
    const ApicBusOps *ops;          /* NULL: userspace */
    GPtrArray *by_cpu;              /* APICCommonState *, index cpu_index */
    /* Physical destination table: chains of LAPICs by their current ID
     * (xAPIC ID, or x2APIC ID in x2APIC mode); IDs >= 256 in `wide`. */
    APICCommonState *phys[APIC_PHYS_TABLE_SIZE];
    GPtrArray *wide;
    uint32_t lowpri_last;           /* last lowest-priority winner's ID */
    GArray *eoi_listeners;          /* ApicEoiListener */
    bool directed_eoi;
    const ApicExtIntOps *extint;
    void *extint_opaque;
} ApicBus;

static ApicBus apic_bus;

/* ------------------------------------------------------------------ */
/* Pure logic                                                          */

bool apic_dest_is_broadcast(uint32_t dest, bool logical, bool wide)
{
    if (wide) {
        return dest == 0xffffffffu;
    }
    return (dest & 0xff) == 0xff;
}

bool apic_dest_match(const ApicDestView *v, uint32_t dest, bool logical,
                     bool wide)
{
    if (!wide) {
        dest &= 0xff;
    }
    if (!logical) {
        /* 12.6.2.1: physical; 0xFF (0xFFFFFFFF from an x2APIC) is all. */
        return apic_dest_is_broadcast(dest, false, wide) || v->phys_id == dest;
    }
    if (v->x2apic) {
        if (wide) {
            if (dest == 0xffffffffu) {
                return true;
            }
            /* 12.12.10.2: cluster in 31:16, a bit per member in 15:0. */
            return (v->ldr >> 16) == (dest >> 16) &&
                   (v->ldr & dest & 0xffff) != 0;
        }
        /* An 8-bit logical destination (IOAPIC, MSI, xAPIC sender) reaches
         * x2APIC cluster 0 only (12.12.10.2, and as KVM treats it). */
        return (v->ldr >> 16) == 0 && (v->ldr & dest & 0xff) != 0;
    }
    /* xAPIC receiver, 8-bit logical ID in LDR 31:24 (12.6.2.2). */
    uint8_t lid = v->ldr >> 24;
    uint8_t d = dest & 0xff;

    if (d == 0xff) {
        return true;                /* all destination bits set: all */
    }
    if (v->dfr_model == APIC_DFR_FLAT) {
        return (lid & d) != 0;
    }
    /* Cluster model: cluster 7:4 (0xF addresses every cluster), members 3:0. */
    return ((lid >> 4) == (d >> 4) || (d >> 4) == 0xf) && (lid & d & 0xf);
}

void apic_lowpri_init(ApicLowpriArb *a, uint32_t last_id)
{
    memset(a, 0, sizeof(*a));
    a->last_id = last_id;
}

void apic_lowpri_offer(ApicLowpriArb *a, void *cand, uint32_t id, uint8_t tpr)
{
    if (!a->have || tpr < a->best_tpr) {
        a->have = true;
        a->best_tpr = tpr;
        a->best_any = cand;
        a->best_any_id = id;
        a->have_after = false;
        a->best_after = NULL;
    } else if (tpr > a->best_tpr) {
        return;
    } else if (id < a->best_any_id) {
        a->best_any = cand;
        a->best_any_id = id;
    }
    if (id > a->last_id && (!a->have_after || id < a->best_after_id)) {
        a->have_after = true;
        a->best_after = cand;
        a->best_after_id = id;
    }
}

void *apic_lowpri_result(const ApicLowpriArb *a, uint32_t *id)
{
    if (!a->have) {
        return NULL;
    }
    if (a->have_after) {
        *id = a->best_after_id;
        return a->best_after;
    }
    *id = a->best_any_id;
    return a->best_any;
}

/*
 * The P4/Xeon ICR table (SDM vol. 3A table 12-3 in 2024 numbering, 10-3 in
 * older ones: "Valid Combinations for the Pentium 4 and Intel Xeon
 * Processors' Local xAPIC Interrupt Command Register"), by shorthand and
 * delivery mode. Delivery modes 3 and 7 are reserved in the ICR. A level
 * trigger is overridden to edge for every valid combination (note 2), except
 * an INIT with level 0, the INIT level de-assert message, which P4/Xeon
 * accept and ignore.
 */
static const bool apic_icr_valid[4][8] = {
    /*                    FIXED  LOWPRI SMI   rsvd   NMI   INIT  SIPI   rsvd */
    [APIC_SH_NONE]      = { true, true,  true, false, true, true, true, false },
    [APIC_SH_SELF]      = { true, false, false, false, false, false, false, false },
    [APIC_SH_ALL_INCL_SELF] = { true, false, false, false, false, false, false,
                                false },
    [APIC_SH_ALL_EXCL_SELF] = { true, true, true, false, true, true, true,
                                false },
};

ApicIcrVerdict apic_icr_check(ApicDeliveryMode mode, ApicShorthand sh,
                              bool trigger_level, bool level)
{
    if ((unsigned)sh > 3 || (unsigned)mode > 7 || !apic_icr_valid[sh][mode]) {
        return APIC_ICR_DROP;
    }
    if (mode == APIC_DM_INIT && trigger_level && !level) {
        return APIC_ICR_INIT_DEASSERT;
    }
    return trigger_level ? APIC_ICR_SEND_EDGE : APIC_ICR_SEND;
}

/* ------------------------------------------------------------------ */
/* MSI (SDM 12.11.1 address, 12.11.2 data)                             */

#define MSI_ADDR_BASE       0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT 12          /* destination ID 19:12 */
#define MSI_ADDR_RH         (1u << 3)   /* redirection hint */
#define MSI_ADDR_DM         (1u << 2)   /* destination mode: logical */
#define MSI_DATA_VECTOR     0xffu
#define MSI_DATA_DM_SHIFT   8           /* delivery mode 10:8 */
#define MSI_DATA_LEVEL      (1u << 14)  /* assert (level trigger only) */
#define MSI_DATA_TRIGGER    (1u << 15)  /* level-triggered */

bool msi_decode(uint64_t addr, uint32_t data, ApicMessage *msg)
{
    if ((addr & ~(uint64_t)0xfffff) != MSI_ADDR_BASE) {
        return false;
    }
    *msg = (ApicMessage) {
        .source = APIC_SRC_MSI,
        .src_cpu = -1,
        .dest = (addr >> MSI_ADDR_DEST_SHIFT) & 0xff,
        .dest_logical = addr & MSI_ADDR_DM,
        .redir_hint = addr & MSI_ADDR_RH,
        .shorthand = APIC_SH_NONE,
        .vector = data & MSI_DATA_VECTOR,
        .delivery_mode = (ApicDeliveryMode)((data >> MSI_DATA_DM_SHIFT) & 7),
        .trigger_level = data & MSI_DATA_TRIGGER,
        /* For edge messages the level bit is "don't care": treat as assert. */
        .level = (data & MSI_DATA_TRIGGER) ? (data & MSI_DATA_LEVEL) != 0 : true,
    };
    return true;
}

/* ------------------------------------------------------------------ */
/* Registry of LAPICs                                                  */

ApicDestView apic_dest_view(const APICCommonState *s)
{
    return (ApicDestView) {
        .x2apic = apic_is_x2apic(s),
        .phys_id = s->r.id,
        .ldr = s->r.ldr,
        .dfr_model = s->r.dfr >> 28,
    };
}

static void apic_bus_rebuild_phys(void)
{
    memset(apic_bus.phys, 0, sizeof(apic_bus.phys));
    g_ptr_array_set_size(apic_bus.wide, 0);
    /* Walk backwards so each chain ends up in cpu_index order. */
    for (guint i = apic_bus.by_cpu->len; i-- > 0;) {
        APICCommonState *s = g_ptr_array_index(apic_bus.by_cpu, i);

        if (!s) {
            continue;
        }
        s->bus_alias_next = NULL;
        s->bus_listed = apic_hw_enabled(s);
        if (!s->bus_listed) {
            continue;
        }
        s->bus_key = s->r.id;
        if (s->bus_key < APIC_PHYS_TABLE_SIZE) {
            s->bus_alias_next = apic_bus.phys[s->bus_key];
            apic_bus.phys[s->bus_key] = s;
        } else {
            g_ptr_array_insert(apic_bus.wide, 0, s);
        }
    }
}

static void apic_bus_init_once(void)
{
    if (!apic_bus.by_cpu) {
        apic_bus.by_cpu = g_ptr_array_new();
        apic_bus.wide = g_ptr_array_new();
        apic_bus.eoi_listeners = g_array_new(FALSE, FALSE,
                                             sizeof(ApicEoiListener));
    }
}

void apic_bus_register_apic(APICCommonState *s)
{
    int idx = s->cpu->cpu_index;

    apic_bus_init_once();
    if ((guint)idx >= apic_bus.by_cpu->len) {
        g_ptr_array_set_size(apic_bus.by_cpu, idx + 1);
    }
    g_ptr_array_index(apic_bus.by_cpu, idx) = s;
    apic_bus_rebuild_phys();
}

void apic_bus_unregister_apic(APICCommonState *s)
{
    int idx = s->cpu->cpu_index;

    if (!apic_bus.by_cpu || (guint)idx >= apic_bus.by_cpu->len ||
        g_ptr_array_index(apic_bus.by_cpu, idx) != s) {
        return;
    }
    g_ptr_array_index(apic_bus.by_cpu, idx) = NULL;
    apic_bus_rebuild_phys();
}

void apic_bus_apic_changed(APICCommonState *s)
{
    if (apic_bus.by_cpu) {
        apic_bus_rebuild_phys();
    }
}

APICCommonState *apic_bus_apic_by_cpu_index(int cpu_index)
{
    if (!apic_bus.by_cpu || cpu_index < 0 ||
        (guint)cpu_index >= apic_bus.by_cpu->len) {
        return NULL;
    }
    return g_ptr_array_index(apic_bus.by_cpu, cpu_index);
}

void apic_bus_foreach(void (*fn)(APICCommonState *s, void *opaque),
                      void *opaque)
{
    for (guint i = 0; apic_bus.by_cpu && i < apic_bus.by_cpu->len; i++) {
        APICCommonState *s = g_ptr_array_index(apic_bus.by_cpu, i);
        if (s) {
            fn(s, opaque);
        }
    }
}

/* ------------------------------------------------------------------ */
/* The userspace backend                                               */

typedef struct ApicDelivery {
    const ApicMessage *msg;
    bool lowpri;
    ApicLowpriArb arb;
} ApicDelivery;

static void apic_delivery_offer(ApicDelivery *d, APICCommonState *s)
{
    if (!apic_hw_enabled(s)) {
        return;                     /* a globally disabled APIC hears nothing */
    }
    if (d->lowpri) {
        /* A software-disabled APIC drops fixed interrupts (12.4.7.2), so it
         * is no candidate. */
        if (apic_sw_enabled(s)) {
            apic_lowpri_offer(&d->arb, s, s->r.id, s->r.tpr);
        }
        return;
    }
    s->ops->accept(s, d->msg);
}

static void apic_bus_userspace_deliver(const ApicMessage *msg)
{
    bool wide = msg->source == APIC_SRC_IPI && msg->src_x2apic;
    ApicDelivery d = { .msg = msg };
    APICCommonState *sender = apic_bus_apic_by_cpu_index(msg->src_cpu);

    apic_bus_init_once();
    trace_apic_bus_deliver(msg->source, msg->dest, msg->dest_logical,
                           msg->shorthand, msg->delivery_mode, msg->vector,
                           msg->trigger_level);
    /* Lowest priority: the delivery mode, or an MSI whose redirection hint
     * asks for it among a logical group (12.11.1). */
    d.lowpri = msg->delivery_mode == APIC_DM_LOWPRI ||
               (msg->source == APIC_SRC_MSI && msg->redir_hint &&
                msg->dest_logical && msg->delivery_mode == APIC_DM_FIXED);
    if (d.lowpri) {
        apic_lowpri_init(&d.arb, apic_bus.lowpri_last);
    }

    switch (msg->shorthand) {
    case APIC_SH_SELF:
        if (sender) {
            apic_delivery_offer(&d, sender);
        }
        break;
    case APIC_SH_ALL_INCL_SELF:
    case APIC_SH_ALL_EXCL_SELF:
        for (guint i = 0; i < apic_bus.by_cpu->len; i++) {
            APICCommonState *s = g_ptr_array_index(apic_bus.by_cpu, i);
            /* Note 4 of the P4 table: a lowest-priority all-but-self IPI may
             * come back to its sender, so the sender competes too. */
            if (s && (s != sender || msg->shorthand == APIC_SH_ALL_INCL_SELF ||
                      d.lowpri)) {
                apic_delivery_offer(&d, s);
            }
        }
        break;
    case APIC_SH_NONE:
    default:
        if (!msg->dest_logical &&
            !apic_dest_is_broadcast(msg->dest, false, wide)) {
            uint32_t key = wide ? msg->dest : (msg->dest & 0xff);

            if (key < APIC_PHYS_TABLE_SIZE) {
                for (APICCommonState *s = apic_bus.phys[key]; s;
                     s = s->bus_alias_next) {
                    ApicDestView v = apic_dest_view(s);
                    if (apic_dest_match(&v, msg->dest, false, wide)) {
                        apic_delivery_offer(&d, s);
                    }
                }
            } else {
                for (guint i = 0; i < apic_bus.wide->len; i++) {
                    APICCommonState *s = g_ptr_array_index(apic_bus.wide, i);
                    if (s->bus_key == key) {
                        apic_delivery_offer(&d, s);
                    }
                }
            }
            break;
        }
        for (guint i = 0; i < apic_bus.by_cpu->len; i++) {
            APICCommonState *s = g_ptr_array_index(apic_bus.by_cpu, i);
            ApicDestView v;

            if (!s) {
                continue;
            }
            v = apic_dest_view(s);
            if (apic_dest_match(&v, msg->dest, msg->dest_logical, wide)) {
                apic_delivery_offer(&d, s);
            }
        }
        break;
    }

    if (d.lowpri) {
        uint32_t id = 0;
        APICCommonState *w = apic_lowpri_result(&d.arb, &id);

        if (w) {
            apic_bus.lowpri_last = id;
            trace_apic_bus_lowpri_winner(id, msg->vector);
            w->ops->accept(w, msg);
        }
    }
}

const ApicBusOps apic_bus_userspace_ops = {
    .deliver = apic_bus_userspace_deliver,
};

/* ------------------------------------------------------------------ */
/* The bus API                                                         */

void apic_bus_set_backend(const ApicBusOps *ops)
{
    apic_bus.ops = ops;
}

void apic_bus_deliver(const ApicMessage *msg)
{
    const ApicBusOps *ops = apic_bus.ops ? apic_bus.ops
                                         : &apic_bus_userspace_ops;
    ops->deliver(msg);
}

void apic_bus_add_eoi_listener(ApicEoiHandler handler, void *opaque)
{
    ApicEoiListener l = { handler, opaque };

    apic_bus_init_once();
    g_array_append_val(apic_bus.eoi_listeners, l);
}

void apic_bus_remove_eoi_listener(ApicEoiHandler handler, void *opaque)
{
    for (guint i = 0; apic_bus.eoi_listeners &&
                      i < apic_bus.eoi_listeners->len; i++) {
        ApicEoiListener *l = &g_array_index(apic_bus.eoi_listeners,
                                            ApicEoiListener, i);
        if (l->handler == handler && l->opaque == opaque) {
            g_array_remove_index(apic_bus.eoi_listeners, i);
            return;
        }
    }
}

void apic_bus_broadcast_eoi(uint8_t vector)
{
    trace_apic_bus_eoi_broadcast(vector);
    for (guint i = 0; apic_bus.eoi_listeners &&
                      i < apic_bus.eoi_listeners->len; i++) {
        ApicEoiListener *l = &g_array_index(apic_bus.eoi_listeners,
                                            ApicEoiListener, i);
        l->handler(l->opaque, vector);
    }
}

void apic_bus_set_directed_eoi(bool supported)
{
    apic_bus.directed_eoi = supported;
}

bool apic_bus_directed_eoi(void)
{
    return apic_bus.directed_eoi;
}

void apic_bus_set_extint_source(const ApicExtIntOps *ops, void *opaque)
{
    apic_bus.extint = ops;
    apic_bus.extint_opaque = opaque;
}

int apic_bus_extint_peek(void)
{
    if (!apic_bus.extint || !apic_bus.extint->peek) {
        return -1;
    }
    return apic_bus.extint->peek(apic_bus.extint_opaque);
}

int apic_bus_extint_ack(void)
{
    if (!apic_bus.extint || !apic_bus.extint->ack) {
        return -1;
    }
    return apic_bus.extint->ack(apic_bus.extint_opaque);
}
