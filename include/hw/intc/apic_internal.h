/*
 * Local APIC internals shared by the common part (hw/intc/apic_common.c:
 * state, reset, state get/set, `info lapic`), the userspace backend
 * (hw/intc/apic.c: register semantics, timer, acceptance) and the APIC bus
 * (hw/intc/apic_bus.c: matching, arbitration). A KVM backend would share
 * APICCommonState and ApicRegs and bring its own APICBackendOps.
 *
 * Register offsets are those of the xAPIC page; x2APIC MSR 0x800 + (offset
 * >> 4) names the same register (SDM vol. 3A 12.12.1.2, 2024 numbering;
 * 10.12.1.2 before; the APIC chapter is 11 in some revisions, 12 in the
 * latest). We cite "APIC chapter" sections by their 2024 number.
 */
#ifndef LAPIS_HW_INTC_APIC_INTERNAL_H
#define LAPIS_HW_INTC_APIC_INTERNAL_H

#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "hw/intc/apic.h"
#include "softmmu/memory.h"
#include "qemu/timer.h"

/* --- register offsets in the 4 KiB page (SDM table 12-1) --- */
#define APIC_REG_ID         0x020
#define APIC_REG_VERSION    0x030
#define APIC_REG_TPR        0x080
#define APIC_REG_APR        0x090   /* not in this model: reads 0 */
#define APIC_REG_PPR        0x0a0
#define APIC_REG_EOI        0x0b0
#define APIC_REG_RRD        0x0c0   /* not in this model: reads 0 */
#define APIC_REG_LDR        0x0d0
#define APIC_REG_DFR        0x0e0
#define APIC_REG_SVR        0x0f0
#define APIC_REG_ISR        0x100   /* 8 registers, 0x100..0x170 */
#define APIC_REG_TMR        0x180   /* 0x180..0x1f0 */
#define APIC_REG_IRR        0x200   /* 0x200..0x270 */
#define APIC_REG_ESR        0x280
#define APIC_REG_LVT_CMCI   0x2f0
#define APIC_REG_ICR_LO     0x300
#define APIC_REG_ICR_HI     0x310
#define APIC_REG_LVT_TIMER  0x320
#define APIC_REG_LVT_THERMAL 0x330
#define APIC_REG_LVT_PERF   0x340
#define APIC_REG_LVT_LINT0  0x350
#define APIC_REG_LVT_LINT1  0x360
#define APIC_REG_LVT_ERROR  0x370
#define APIC_REG_TIMER_ICR  0x380   /* initial count */
#define APIC_REG_TIMER_CCR  0x390   /* current count */
#define APIC_REG_TIMER_DCR  0x3e0   /* divide configuration */
#define APIC_REG_SELF_IPI   0x3f0   /* x2APIC only (MSR 0x83f) */

#define APIC_VERSION        0x14    /* Pentium 4 / Xeon xAPIC */
#define APIC_VERSION_DIRECTED_EOI (1u << 24)
#define APIC_SPACE_SIZE     0x1000

/* SVR (SDM 12.9, figure 12-23): vector 7:0, APIC software enable 8, focus
 * checking 9 (not on P4/Xeon: reads 0), suppress EOI broadcast 12. */
#define APIC_SVR_VECTOR     0xffu
#define APIC_SVR_ENABLE     (1u << 8)
#define APIC_SVR_EOI_SUPPRESS (1u << 12)

/* DFR model (bits 31:28): flat 1111b, cluster 0000b; bits 27:0 read 1. */
#define APIC_DFR_FLAT       0xfu
#define APIC_DFR_CLUSTER    0x0u

/* ESR bits, P4/Xeon (SDM 12.5.3, figure 12-9). */
#define APIC_ESR_SEND_CS        (1u << 0)
#define APIC_ESR_RECV_CS        (1u << 1)
#define APIC_ESR_SEND_ACCEPT    (1u << 2)
#define APIC_ESR_RECV_ACCEPT    (1u << 3)
#define APIC_ESR_REDIR_IPI      (1u << 4)
#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_REG    (1u << 7)

/*
 * LVT entries (SDM 12.5.1, figure 12-8):
 *   7:0 vector | 10:8 delivery mode | 12 delivery status (RO) |
 *   13 input polarity (LINT) | 14 remote IRR (LINT, RO) | 15 trigger (LINT) |
 *   16 mask | 18:17 timer mode (timer)
 */
typedef enum ApicLvtIndex {
    APIC_LVT_TIMER,
    APIC_LVT_THERMAL,
    APIC_LVT_PERF,
    APIC_LVT_LINT0,
    APIC_LVT_LINT1,
    APIC_LVT_ERROR,
    APIC_LVT_CMCI,
    APIC_LVT_NB
} ApicLvtIndex;

#define APIC_LVT_VECTOR     0xffu
#define APIC_LVT_DM_SHIFT   8
#define APIC_LVT_DM_MASK    (7u << 8)
#define APIC_LVT_STATUS     (1u << 12)
#define APIC_LVT_POLARITY   (1u << 13)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_LEVEL      (1u << 15)
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_LVT_TIMER_SHIFT 17
#define APIC_LVT_TIMER_MODE (3u << 17)

typedef enum ApicTimerMode {
    APIC_TIMER_ONESHOT = 0,
    APIC_TIMER_PERIODIC = 1,
    APIC_TIMER_TSC_DEADLINE = 2,
} ApicTimerMode;

/* An LVT entry decoded once (STYLE: named fields, not repeated bit maths). */
typedef struct ApicLvt {
    uint8_t vector;
    ApicDeliveryMode mode;
    bool masked;
    bool level;                 /* trigger mode (LINT0/LINT1 only) */
    bool remote_irr;
    ApicTimerMode timer_mode;
} ApicLvt;

static inline ApicLvt apic_lvt_decode(uint32_t v)
{
    return (ApicLvt) {
        .vector = v & APIC_LVT_VECTOR,
        .mode = (ApicDeliveryMode)((v & APIC_LVT_DM_MASK) >> APIC_LVT_DM_SHIFT),
        .masked = v & APIC_LVT_MASKED,
        .level = v & APIC_LVT_LEVEL,
        .remote_irr = v & APIC_LVT_REMOTE_IRR,
        .timer_mode = (ApicTimerMode)((v & APIC_LVT_TIMER_MODE) >>
                                      APIC_LVT_TIMER_SHIFT),
    };
}

/* ICR (SDM 12.6.1, figure 12-12). */
#define APIC_ICR_VECTOR     0xffu
#define APIC_ICR_DM_SHIFT   8
#define APIC_ICR_DEST_LOGICAL (1u << 11)
#define APIC_ICR_STATUS     (1u << 12)
#define APIC_ICR_LEVEL      (1u << 14)
#define APIC_ICR_TRIGGER    (1u << 15)
#define APIC_ICR_SH_SHIFT   18
/* xAPIC: writable bits of ICR low; x2APIC: reserved bits of the 64-bit ICR */
#define APIC_ICR_LO_WRITABLE 0x000ccfffu
#define APIC_X2APIC_ICR_RESERVED 0xfff33000ULL

/*
 * Pending events kept by the LAPIC (ApicRegs.events). NMI, SMI, INIT and SIPI
 * are not here: they are pending while their X86_INTR_* bit is set in the
 * CPU's interrupt_request (the CPU clears NMI and SMI when it takes them).
 */
#define APIC_EV_EXTINT  (1u << 0)   /* an ExtINT message (not LINT0's level) */

/*
 * The architectural state, mirroring the register page (bhyve-style): a write
 * stores the value, one small handler per register applies its effect. This
 * is what state get/set moves between backends. irr[] is updated with atomics
 * (a message may be accepted while the vCPU reads it); the rest is under the
 * BQL.
 */
typedef struct ApicRegs {
    uint64_t apicbase;          /* IA32_APIC_BASE */
    uint32_t id;                /* xAPIC: the 8-bit ID (register bits 31:24);
                                 * x2APIC: the 32-bit x2APIC ID */
    uint8_t tpr;
    uint32_t ldr;               /* as the register reads */
    uint32_t dfr;
    uint32_t svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;               /* readable ESR (latched by the last write) */
    uint32_t esr_pending;       /* errors seen since that write */
    uint32_t lvt[APIC_LVT_NB];
    uint32_t icr_lo, icr_hi;
    uint32_t timer_initial;     /* initial count */
    uint32_t timer_dcr;         /* divide configuration */
    int64_t timer_start_ns;     /* virtual ns when the count was loaded */
    uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE (0: disarmed) */
    uint32_t events;            /* APIC_EV_* */
    uint8_t sipi_vector;        /* of the latest SIPI accepted */
    bool lint_level[2];         /* LINT0/LINT1 input levels */
} ApicRegs;

typedef struct APICBackendOps APICBackendOps;

struct APICCommonState {
    DeviceState parent;
    X86CPU *cpu;
    const APICBackendOps *ops;
    MemoryRegion io;            /* the 4 KiB page, in cpu->as_root */
    bool io_mapped;             /* added to cpu->as_root */
    QEMUTimer *timer;

    /* properties */
    uint32_t initial_id;        /* "id": the initial (x2)APIC ID */
    bool cmci;                  /* "cmci": the CMCI LVT (max LVT 6) */
    bool x2apic;                /* CPU model has x2APIC (from the CPU) */
    bool tsc_deadline;          /* CPU model has the TSC-deadline timer */

    ApicRegs r;

    /* APIC bus bookkeeping (apic_bus.c) */
    uint32_t bus_key;           /* ID the physical table knows it by */
    bool bus_listed;            /* in the physical table */
    APICCommonState *bus_alias_next;
    int error_depth;            /* guards the error LVT against itself */
    uint64_t irq_count[256];    /* accepted into IRR, per vector */
    /* Levels of the thermal, perf and CMCI GPIO inputs (edge detection;
     * they belong to what drives them, so reset keeps them). */
    bool event_input_level[3];
};

struct APICBackendOps {
    const char *name;
    /* after realize (CPU known) / before unrealize */
    void (*realize)(APICCommonState *s, GError **errp);
    void (*unrealize)(APICCommonState *s);
    /* the backend's part of a reset (timers, overlay, bus) */
    void (*reset)(APICCommonState *s);
    /* after apic_set_state: re-arm the timer, refresh mapping and lines */
    void (*post_load)(APICCommonState *s);
    /* current timer count at this instant */
    uint32_t (*timer_current)(APICCommonState *s);
    /* accept one message from the bus */
    void (*accept)(APICCommonState *s, const ApicMessage *msg);
};

extern const APICBackendOps apic_userspace_ops;

/* --- common part (apic_common.c) --- */
APICCommonState *apic_common_from_dev(DeviceState *dev);
/* Registers to their RESET values (keep_id: INIT keeps the ID). Leaves
 * apicbase to the caller. */
void apic_common_reset_regs(APICCommonState *s, bool keep_id);
void apic_get_state(APICCommonState *s, ApicRegs *out);
void apic_set_state(APICCommonState *s, const ApicRegs *in);
bool apic_is_x2apic(const APICCommonState *s);
bool apic_hw_enabled(const APICCommonState *s);
bool apic_sw_enabled(const APICCommonState *s);
uint32_t apic_version_reg(const APICCommonState *s);
uint32_t apic_x2apic_ldr(uint32_t x2apic_id);

/* --- pure logic (apic_common.c, apic_bus.c): unit-tested --- */
/* Highest set bit of a 256-bit register, -1 if none. */
int apic_reg256_highest(const uint32_t reg[8]);
/* PPR from TPR and the highest ISR vector (-1: none), SDM 12.8.3.1. */
uint8_t apic_compute_ppr(uint8_t tpr, int isrv);
/* Divide configuration -> log2 of the divisor (SDM 12.5.4, figure 12-10). */
unsigned apic_timer_divide_shift(uint32_t dcr);

/* How an ICR command is treated (P4/Xeon table 12-? "Valid Combinations"). */
typedef enum ApicIcrVerdict {
    APIC_ICR_SEND,              /* valid */
    APIC_ICR_SEND_EDGE,         /* level trigger overridden to edge (note 2) */
    APIC_ICR_INIT_DEASSERT,     /* INIT level de-assert: sent, ignored */
    APIC_ICR_DROP,              /* invalid or reserved: not sent */
} ApicIcrVerdict;
ApicIcrVerdict apic_icr_check(ApicDeliveryMode mode, ApicShorthand sh,
                              bool trigger_level, bool level);

/* A LAPIC as destination matching sees it. */
typedef struct ApicDestView {
    bool x2apic;                /* receiver in x2APIC mode */
    uint32_t phys_id;           /* 8-bit xAPIC ID or 32-bit x2APIC ID */
    uint32_t ldr;               /* LDR as it reads */
    uint8_t dfr_model;          /* APIC_DFR_FLAT / APIC_DFR_CLUSTER */
} ApicDestView;
/* Whether a message's destination field (no shorthand) names this LAPIC.
 * wide: the sender used a 32-bit x2APIC destination. */
bool apic_dest_match(const ApicDestView *v, uint32_t dest, bool logical,
                     bool wide);
/* Whether the destination is a broadcast in that form. */
bool apic_dest_is_broadcast(uint32_t dest, bool logical, bool wide);

/*
 * Lowest-priority arbitration, one candidate at a time (no allocation):
 * lowest TPR wins; among equal TPRs, round robin: the first APIC ID above
 * the previous winner's, wrapping to the lowest.
 */
typedef struct ApicLowpriArb {
    uint32_t last_id;           /* previous winner */
    bool have;
    uint8_t best_tpr;
    bool have_after;
    uint32_t best_after_id;     /* lowest ID > last_id among best TPR */
    void *best_after;
    uint32_t best_any_id;       /* lowest ID among best TPR */
    void *best_any;
} ApicLowpriArb;
void apic_lowpri_init(ApicLowpriArb *a, uint32_t last_id);
void apic_lowpri_offer(ApicLowpriArb *a, void *cand, uint32_t id, uint8_t tpr);
/* The winner (NULL if no candidate); *id gets its ID. */
void *apic_lowpri_result(const ApicLowpriArb *a, uint32_t *id);

/* --- the bus's list of LAPICs (apic_bus.c) --- */
void apic_bus_register_apic(APICCommonState *s);
void apic_bus_unregister_apic(APICCommonState *s);
/* An ID, LDR, DFR or mode changed: refresh the physical table entry. */
void apic_bus_apic_changed(APICCommonState *s);
APICCommonState *apic_bus_apic_by_cpu_index(int cpu_index);
/* Iterate over every LAPIC in cpu_index order. */
void apic_bus_foreach(void (*fn)(APICCommonState *s, void *opaque),
                      void *opaque);
ApicDestView apic_dest_view(const APICCommonState *s);

#endif
