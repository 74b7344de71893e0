/*
 * Local APIC, userspace backend: one "apic" device per vCPU, modelling the
 * Pentium 4 / Xeon xAPIC (version 0x14) with x2APIC, after SDM vol. 3A
 * chapter "Advanced Programmable Interrupt Controller" (chapter 12 in the
 * 2024 numbering, 10 in older revisions; sections below are 2024 numbers).
 * It provides the register page as an MMIO region in its own vCPU's address
 * space at the APIC base (so an access reaches the LAPIC of the vCPU that
 * made it), IA32_APIC_BASE with the legal mode transitions (12.12.5), the
 * x2APIC MSRs 0x800-0x8ff (12.12.1), IA32_TSC_DEADLINE, the LVTs, the timer
 * (one-shot, periodic, TSC-deadline) on the virtual clock with a 1 GHz bus
 * clock, IPIs through the ICR and SELF_IPI with the P4/Xeon validity table,
 * acceptance of bus messages (IRR/TMR, NMI, SMI, INIT, SIPI, ExtINT), EOI
 * with the level-triggered broadcast (and its suppression, 12.8.5), ESR, and
 * the acceptance path towards the CPU (include/hw/intc/apic.h). docs/apic.md
 * lists every register. LINT0/LINT1 honour the LVT's input polarity and,
 * for LINT0 in fixed level-triggered mode, remote IRR (12.5.1); the thermal,
 * performance-counter and CMCI sources are named GPIO inputs delivered
 * through their LVTs. Left out: APR and RRD (read 0), the focus processor,
 * delivery status (always idle: delivery is instantaneous), the P6
 * three-wire bus, and the rule that a fixed LINT interrupt is level-sensitive
 * whatever its trigger bit when no IOAPIC is used (12.5.1, trigger mode).
 *
 * Deliberate differences from silicon, with reasons:
 * - Fixed and lowest-priority messages reaching a software-disabled LAPIC
 *   are dropped (as KVM does; 12.4.7.2 leaves this to "masking or handling"),
 *   and its held IRR bits are still offered to the CPU.
 * - A fixed or lowest-priority IPI with a vector below 16 is not sent: the
 *   sender records "send illegal vector" and fires its error LVT.
 * - An INIT to the BSP restarts it at the reset vector; an AP waits for a
 *   SIPI (KVM does the same).
 * - A periodic timer fires at most once per microsecond (a whole number of
 *   periods); its current count still reads exactly.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/error.h"
#include "qemu/timer.h"
#include "hw/qdev.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_internal.h"
#include "hw/intc/apic_bus.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "softmmu/cpus.h"
#include "trace/hw_intc.h"

/* The interpreter may or may not be linked in (unit tests, early builds). */
#pragma weak tlb_flush
#pragma weak tcg_x86_set_interrupt_hooks

static void apic_default_view_changed(X86CPU *cpu)
{
    if (tlb_flush) {
        tlb_flush(cpu);
    }
}

void (*apic_cpu_view_changed)(X86CPU *cpu) = apic_default_view_changed;
void (*apic_bsp_init_notify)(X86CPU *cpu);

/* Bits of env->interrupt_request the LAPIC raises. */
#define APIC_INTR_BITS (X86_INTR_HARD | X86_INTR_NMI | X86_INTR_INIT | \
                        X86_INTR_SIPI | X86_INTR_SMI)

static void apic_update_irq(APICCommonState *s);
static bool apic_accept_vector(APICCommonState *s, uint8_t vector,
                               bool trigger_level);

static inline bool bit_test(const uint32_t reg[8], unsigned v)
{
    return __atomic_load_n(&reg[v >> 5], __ATOMIC_RELAXED) & (1u << (v & 31));
}

static inline void bit_set(uint32_t reg[8], unsigned v)
{
    __atomic_fetch_or(&reg[v >> 5], 1u << (v & 31), __ATOMIC_SEQ_CST);
}

static inline void bit_clear(uint32_t reg[8], unsigned v)
{
    __atomic_fetch_and(&reg[v >> 5], ~(1u << (v & 31)), __ATOMIC_SEQ_CST);
}

static uint64_t apic_phys_reserved(const APICCommonState *s)
{
    unsigned bits = s->cpu->model.phys_bits;

    return bits >= 64 ? 0 : ~((1ULL << bits) - 1);
}

/*
 * NMI, SMI, INIT and SIPI are pending exactly while their bit is set in the
 * CPU's interrupt_request: the interpreter clears NMI and SMI itself when it
 * takes them, so the LAPIC keeps no second copy that could raise them again.
 */
static bool apic_event_pending(APICCommonState *s, uint32_t bit)
{
    return __atomic_load_n(&s->cpu->env.interrupt_request,
                           __ATOMIC_SEQ_CST) & bit;
}

static void apic_raise_event(APICCommonState *s, uint32_t bit)
{
    uint32_t old = __atomic_fetch_or(&s->cpu->env.interrupt_request, bit,
                                     __ATOMIC_SEQ_CST);

    if (!(old & bit)) {
        trace_apic_raise(s->cpu->cpu_index, bit);
        cpu_kick(s->cpu);
    }
}

static void apic_clear_event(APICCommonState *s, uint32_t bit)
{
    __atomic_fetch_and(&s->cpu->env.interrupt_request, ~bit,
                       __ATOMIC_SEQ_CST);
}

static uint8_t apic_ppr(APICCommonState *s)
{
    return apic_compute_ppr(s->r.tpr, apic_reg256_highest(s->r.isr));
}

/* The highest IRR vector the CPU may take against the PPR, or -1. */
static int apic_deliverable_vector(APICCommonState *s)
{
    int irrv = apic_reg256_highest(s->r.irr);

    if (irrv < 0 || (irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

/*
 * Whether LINT n is asserted as its LVT sees it: the pin level, inverted
 * when the LVT's input pin polarity (bit 13) says active low (12.5.1). With
 * the APIC globally disabled no LVT is in effect and the pin is taken as it
 * is (12.4.3: LINT0 is INTR, LINT1 is NMI, both active high).
 */
static bool apic_lint_asserted(APICCommonState *s, int n)
{
    ApicLvtIndex idx = n ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
    bool active_low = s->r.lvt[idx] & APIC_LVT_POLARITY;

    if (!apic_hw_enabled(s)) {
        return s->r.lint_level[n];
    }
    return s->r.lint_level[n] != active_low;
}

/*
 * Whether an LVT entry delivers level-triggered, with remote IRR (12.5.1,
 * trigger mode): only LINT0 in fixed mode with the trigger bit set. NMI,
 * SMI and INIT are always edge-sensitive, ExtINT always level-sensitive
 * (followed by apic_extint_active(), without remote IRR), and "level-
 * sensitive interrupts are not supported for LINT1": its trigger bit is
 * stored and read back, and LINT1 stays edge-sensitive.
 */
static bool apic_lvt_is_level(ApicLvtIndex idx, const ApicLvt *l)
{
    return idx == APIC_LVT_LINT0 && l->mode == APIC_DM_FIXED && l->level;
}

/* ExtINT is pending: an ExtINT message, or LINT0 asserted and routed as
 * ExtINT (or straight through while the APIC is globally disabled). */
static bool apic_extint_active(APICCommonState *s)
{
    ApicLvt l = apic_lvt_decode(s->r.lvt[APIC_LVT_LINT0]);

    if (s->r.events & APIC_EV_EXTINT) {
        return true;
    }
    if (!apic_lint_asserted(s, 0)) {
        return false;
    }
    return !apic_hw_enabled(s) || (!l.masked && l.mode == APIC_DM_EXTINT);
}

/* Bring X86_INTR_HARD in step with what the CPU could take (a fixed vector
 * above the PPR, or ExtINT), and kick the vCPU when it appears. */
static void apic_update_irq(APICCommonState *s)
{
    bool want = apic_extint_active(s) || apic_deliverable_vector(s) >= 0;

    if (want) {
        apic_raise_event(s, X86_INTR_HARD);
    } else if (apic_event_pending(s, X86_INTR_HARD)) {
        apic_clear_event(s, X86_INTR_HARD);
    }
}

/* ------------------------------------------------------------------ */
/* Errors and local interrupts                                         */

/* SDM 12.5.3: an error is recorded (readable after the next ESR write) and
 * signalled through the error LVT. */
static void apic_set_error(APICCommonState *s, uint32_t bits)
{
    trace_apic_error(s->cpu->cpu_index, bits);
    s->r.esr_pending |= bits;
    if (s->error_depth) {
        return;                 /* an error raised by the error LVT itself */
    }
    ApicLvt l = apic_lvt_decode(s->r.lvt[APIC_LVT_ERROR]);
    if (!l.masked) {
        s->error_depth++;
        apic_accept_vector(s, l.vector, false);
        s->error_depth--;
        apic_update_irq(s);
    }
}

/* Deliver a local interrupt through its LVT (12.5.1). */
static void apic_local_deliver(APICCommonState *s, ApicLvtIndex idx)
{
    ApicLvt l = apic_lvt_decode(s->r.lvt[idx]);
    bool lint = idx == APIC_LVT_LINT0 || idx == APIC_LVT_LINT1;
    bool level;

    if (l.masked) {
        return;
    }
    /* The timer and error LVTs have no delivery mode field: fixed. */
    if (idx == APIC_LVT_TIMER || idx == APIC_LVT_ERROR) {
        l.mode = APIC_DM_FIXED;
    }
    /*
     * P4/Xeon: "when a performance monitoring counters interrupt is
     * generated, the mask bit for its associated LVT entry is set" (SDM
     * vol. 3A figure 12-8 footnote, 2024 numbering; figure 10-8 before; and
     * vol. 3B, NetBurst performance monitoring, "Generating an Interrupt on
     * Overflow": the handler clears the mask to take the next one). The
     * interrupt is generated whatever the delivery mode, so the mask is set
     * before the mode is looked at.
     */
    if (idx == APIC_LVT_PERF) {
        s->r.lvt[idx] |= APIC_LVT_MASKED;
    }
    switch (l.mode) {
    case APIC_DM_FIXED:
        level = apic_lvt_is_level(idx, &l);
        /* Remote IRR: set once the LAPIC has accepted the interrupt
         * (IRR and TMR set), cleared by its EOI. */
        if (apic_accept_vector(s, l.vector, level) && level) {
            s->r.lvt[idx] |= APIC_LVT_REMOTE_IRR;
            trace_apic_lint_remote_irr(s->cpu->cpu_index,
                                       idx == APIC_LVT_LINT1, 1);
        }
        break;
    case APIC_DM_SMI:
        apic_raise_event(s, X86_INTR_SMI);
        break;
    case APIC_DM_NMI:
        apic_raise_event(s, X86_INTR_NMI);
        break;
    case APIC_DM_INIT:
        if (lint) {
            apic_raise_event(s, X86_INTR_INIT);
        }
        break;
    case APIC_DM_EXTINT:
        /* LINT0's ExtINT is level-sensitive and followed by
         * apic_extint_active(); nothing to latch. */
        break;
    default:
        break;                  /* reserved modes: nothing happens */
    }
    apic_update_irq(s);
}

/* ------------------------------------------------------------------ */
/* Acceptance of bus messages                                          */

/* Whether the vector reached IRR. */
static bool apic_accept_vector(APICCommonState *s, uint8_t vector,
                               bool trigger_level)
{
    /* 12.5.3: vectors 0-15 are illegal for fixed and lowest priority. */
    if (vector < 16) {
        apic_set_error(s, APIC_ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    if (!apic_sw_enabled(s)) {
        return false;
    }
    trace_apic_accept(s->cpu->cpu_index, APIC_DM_FIXED, vector, trigger_level);
    s->irq_count[vector]++;
    if (trigger_level) {
        bit_set(s->r.tmr, vector);
    } else {
        bit_clear(s->r.tmr, vector);
    }
    bit_set(s->r.irr, vector);
    return true;
}

static void apic_userspace_accept(APICCommonState *s, const ApicMessage *msg)
{
    int cpu = s->cpu->cpu_index;

    switch (msg->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWPRI:
        apic_accept_vector(s, msg->vector, msg->trigger_level);
        break;
    case APIC_DM_SMI:
        trace_apic_accept(cpu, msg->delivery_mode, 0, 0);
        apic_raise_event(s, X86_INTR_SMI);
        break;
    case APIC_DM_NMI:
        trace_apic_accept(cpu, msg->delivery_mode, 2, 0);
        apic_raise_event(s, X86_INTR_NMI);
        break;
    case APIC_DM_INIT:
        /* INIT level de-assert: accepted, and does nothing on P4/Xeon. */
        if (msg->trigger_level && !msg->level) {
            return;
        }
        trace_apic_accept(cpu, msg->delivery_mode, 0, 0);
        apic_raise_event(s, X86_INTR_INIT);
        break;
    case APIC_DM_STARTUP:
        /* A SIPI counts only in the wait-for-SIPI state (or right behind
         * an INIT that will put the vCPU there); otherwise it is ignored. */
        if (s->cpu->env.run_state != X86_RUN_WAIT_FOR_SIPI &&
            !apic_event_pending(s, X86_INTR_INIT)) {
            return;
        }
        trace_apic_accept(cpu, msg->delivery_mode, msg->vector, 0);
        s->r.sipi_vector = msg->vector;
        apic_raise_event(s, X86_INTR_SIPI);
        break;
    case APIC_DM_EXTINT:
        trace_apic_accept(cpu, msg->delivery_mode, 0, 0);
        s->r.events |= APIC_EV_EXTINT;
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "apic %d: message with reserved "
                      "delivery mode %d dropped\n", cpu, msg->delivery_mode);
        return;
    }
    apic_update_irq(s);
}

/* ------------------------------------------------------------------ */
/* EOI (12.8.5)                                                        */

static void apic_eoi(APICCommonState *s)
{
    int isrv = apic_reg256_highest(s->r.isr);
    bool level, suppress;

    if (isrv < 0) {
        return;
    }
    bit_clear(s->r.isr, isrv);
    level = bit_test(s->r.tmr, isrv);
    suppress = (s->r.svr & APIC_SVR_EOI_SUPPRESS) && apic_bus_directed_eoi();
    trace_apic_eoi(s->cpu->cpu_index, isrv, level && !suppress);
    if (level && !suppress) {
        apic_bus_broadcast_eoi(isrv);
    }
    /* A level-triggered LINT input: the EOI of its vector clears remote
     * IRR (12.5.1) and, if the line is still asserted, it is delivered
     * again. (Only LINT0 sets remote IRR; LINT1's is cleared all the same,
     * whatever a state load left there.) */
    for (int n = 0; n < 2; n++) {
        ApicLvtIndex idx = n ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
        ApicLvt l = apic_lvt_decode(s->r.lvt[idx]);

        if (l.remote_irr && l.vector == isrv) {
            s->r.lvt[idx] &= ~APIC_LVT_REMOTE_IRR;
            trace_apic_lint_remote_irr(s->cpu->cpu_index, n, 0);
            if (apic_lint_asserted(s, n) && apic_lvt_is_level(idx, &l)) {
                apic_local_deliver(s, idx);
            }
        }
    }
    apic_update_irq(s);
}

/* ------------------------------------------------------------------ */
/* Timer (12.5.4): the bus clock is 1 GHz, one tick per virtual ns.      */

/* The shortest interval between two firings of a periodic timer. */
#define APIC_TIMER_MIN_FIRE_NS 1000

static ApicTimerMode apic_timer_mode(APICCommonState *s)
{
    ApicTimerMode m = apic_lvt_decode(s->r.lvt[APIC_LVT_TIMER]).timer_mode;

    /* Mode 11b is reserved; without the TSC-deadline feature bit 18 cannot
     * be set, so only one-shot and periodic remain. Treat 11b as one-shot. */
    return m == 3 ? APIC_TIMER_ONESHOT : m;
}

static int64_t apic_timer_period_ns(APICCommonState *s)
{
    return (int64_t)s->r.timer_initial <<
           apic_timer_divide_shift(s->r.timer_dcr);
}

static uint32_t apic_userspace_timer_current(APICCommonState *s)
{
    int64_t now, ticks;
    unsigned shift = apic_timer_divide_shift(s->r.timer_dcr);

    if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE ||
        s->r.timer_initial == 0 || !timer_pending(s->timer)) {
        return 0;
    }
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    ticks = now > s->r.timer_start_ns ? (now - s->r.timer_start_ns) >> shift
                                      : 0;
    if (apic_timer_mode(s) == APIC_TIMER_PERIODIC) {
        return s->r.timer_initial - (uint32_t)(ticks % s->r.timer_initial);
    }
    return ticks >= s->r.timer_initial ? 0
           : s->r.timer_initial - (uint32_t)ticks;
}

/* Periodic: move the start to the beginning of the current period. */
static void apic_timer_rebase_periodic(APICCommonState *s, int64_t now)
{
    int64_t period = apic_timer_period_ns(s);

    if (period > 0 && now > s->r.timer_start_ns) {
        s->r.timer_start_ns += (now - s->r.timer_start_ns) / period * period;
    }
}

/* Arm the QEMUTimer for the state in s->r. */
static void apic_timer_rearm(APICCommonState *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    int64_t expire, period;
    ApicTimerMode mode = apic_timer_mode(s);

    switch (mode) {
    case APIC_TIMER_TSC_DEADLINE:
        if (!s->r.tsc_deadline) {
            timer_del(s->timer);
            return;
        }
        expire = x86_cpu_tsc_to_ns(s->cpu, s->r.tsc_deadline);
        break;
    case APIC_TIMER_PERIODIC:
        if (!s->r.timer_initial) {
            timer_del(s->timer);
            return;
        }
        apic_timer_rebase_periodic(s, now);
        period = apic_timer_period_ns(s);
        /* Fire at most once per APIC_TIMER_MIN_FIRE_NS: faster periods
         * would only pile up in the IRR, and would make a long clock step
         * run billions of callbacks. The count still reads exactly. */
        expire = s->r.timer_start_ns +
                 period * MAX(1, (APIC_TIMER_MIN_FIRE_NS + period - 1) /
                                 period);
        break;
    case APIC_TIMER_ONESHOT:
    default:
        expire = s->r.timer_start_ns + apic_timer_period_ns(s);
        if (!s->r.timer_initial ||
            (expire <= now && !timer_pending(s->timer))) {
            timer_del(s->timer);        /* stopped, or already fired */
            return;
        }
        break;
    }
    trace_apic_timer_arm(s->cpu->cpu_index, mode, expire);
    timer_mod(s->timer, expire);
}

static void apic_timer_cb(void *opaque)
{
    APICCommonState *s = opaque;
    ApicTimerMode mode = apic_timer_mode(s);

    trace_apic_timer_fire(s->cpu->cpu_index, mode);
    switch (mode) {
    case APIC_TIMER_TSC_DEADLINE:
        /* 12.5.4.1: the MSR reads 0 once the timer has fired. */
        s->r.tsc_deadline = 0;
        break;
    case APIC_TIMER_PERIODIC:
        apic_timer_rearm(s);
        break;
    default:
        break;
    }
    apic_local_deliver(s, APIC_LVT_TIMER);
}

static void apic_timer_write_initial(APICCommonState *s, uint32_t value)
{
    /* 12.5.4.1: in TSC-deadline mode writes to the initial count are
     * ignored. */
    if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE) {
        return;
    }
    s->r.timer_initial = value;
    s->r.timer_start_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    timer_del(s->timer);
    if (value) {
        apic_timer_rearm(s);
    }
}

static void apic_timer_write_dcr(APICCommonState *s, uint32_t value)
{
    uint32_t dcr = value & 0xb;        /* bits 0, 1 and 3 */
    bool running = timer_pending(s->timer) &&
                   apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE;

    if (running) {
        /* Keep the count where it is; it goes on at the new rate. */
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        uint32_t done = s->r.timer_initial - apic_userspace_timer_current(s);

        s->r.timer_dcr = dcr;
        s->r.timer_start_ns = now - ((int64_t)done <<
                                     apic_timer_divide_shift(dcr));
        apic_timer_rearm(s);
    } else {
        s->r.timer_dcr = dcr;
    }
}

/* ------------------------------------------------------------------ */
/* IPIs                                                                 */

static void apic_send_ipi(APICCommonState *s, uint32_t lo, uint32_t dest)
{
    ApicDeliveryMode mode = (lo >> APIC_ICR_DM_SHIFT) & 7;
    ApicShorthand sh = (lo >> APIC_ICR_SH_SHIFT) & 3;
    uint8_t vector = lo & APIC_ICR_VECTOR;
    ApicIcrVerdict v = apic_icr_check(mode, sh, lo & APIC_ICR_TRIGGER,
                                      lo & APIC_ICR_LEVEL);
    ApicMessage msg;

    trace_apic_ipi(s->cpu->cpu_index, lo, dest);
    if (v == APIC_ICR_DROP) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %d: invalid ICR command 0x%08x "
                      "(delivery mode %d, shorthand %d) not sent\n",
                      s->cpu->cpu_index, lo, mode, sh);
        return;
    }
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWPRI) && vector < 16) {
        apic_set_error(s, APIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    msg = (ApicMessage) {
        .source = APIC_SRC_IPI,
        .src_cpu = s->cpu->cpu_index,
        .src_x2apic = apic_is_x2apic(s),
        .dest = dest,
        .dest_logical = lo & APIC_ICR_DEST_LOGICAL,
        .shorthand = sh,
        .delivery_mode = mode,
        .vector = vector,
        .trigger_level = v == APIC_ICR_INIT_DEASSERT,
        .level = v != APIC_ICR_INIT_DEASSERT,
    };
    apic_bus_deliver(&msg);
}

/* ------------------------------------------------------------------ */
/* Registers                                                            */

static const ApicLvtIndex apic_lvt_by_reg[] = {
    [(APIC_REG_LVT_TIMER - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_TIMER,
    [(APIC_REG_LVT_THERMAL - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_THERMAL,
    [(APIC_REG_LVT_PERF - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_PERF,
    [(APIC_REG_LVT_LINT0 - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_LINT0,
    [(APIC_REG_LVT_LINT1 - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_LINT1,
    [(APIC_REG_LVT_ERROR - APIC_REG_LVT_TIMER) >> 4] = APIC_LVT_ERROR,
};

/* Writable bits of each LVT (figure 12-8). */
static uint32_t apic_lvt_writable(APICCommonState *s, ApicLvtIndex idx)
{
    switch (idx) {
    case APIC_LVT_TIMER:
        return APIC_LVT_VECTOR | APIC_LVT_MASKED |
               (s->tsc_deadline ? APIC_LVT_TIMER_MODE : 1u << 17);
    case APIC_LVT_LINT0:
    case APIC_LVT_LINT1:
        return APIC_LVT_VECTOR | APIC_LVT_DM_MASK | APIC_LVT_POLARITY |
               APIC_LVT_LEVEL | APIC_LVT_MASKED;
    case APIC_LVT_ERROR:
        return APIC_LVT_VECTOR | APIC_LVT_MASKED;
    default:                    /* thermal, performance, CMCI */
        return APIC_LVT_VECTOR | APIC_LVT_DM_MASK | APIC_LVT_MASKED;
    }
}

/*
 * After a write to LVT LINT0/LINT1. Remote IRR is read-only (12.5.1), but
 * it means nothing outside fixed level-triggered mode, so leaving that mode
 * clears it (as an 82093AA redirection entry switched to edge does). A
 * level-triggered input that is asserted, unmasked and not waiting for an
 * EOI is delivered now: unmasking it, or a polarity change that makes the
 * line active, does not lose the request. In edge mode only the pin's
 * edges deliver; a polarity flip is not an edge.
 */
static void apic_lint_lvt_written(APICCommonState *s, ApicLvtIndex idx,
                                  uint32_t old)
{
    ApicLvt l = apic_lvt_decode(s->r.lvt[idx]);
    int n = idx == APIC_LVT_LINT1;

    if (!apic_lvt_is_level(idx, &l)) {
        if (l.remote_irr) {
            s->r.lvt[idx] &= ~APIC_LVT_REMOTE_IRR;
            trace_apic_lint_remote_irr(s->cpu->cpu_index, n, 0);
        }
        return;
    }
    if (!l.masked && !l.remote_irr && apic_lint_asserted(s, n) &&
        s->r.lvt[idx] != old) {
        apic_local_deliver(s, idx);
    }
}

static void apic_lvt_write(APICCommonState *s, ApicLvtIndex idx, uint32_t val)
{
    uint32_t w = apic_lvt_writable(s, idx);
    uint32_t old = s->r.lvt[idx];
    uint32_t nv = (old & ~w) | (val & w);

    /* 12.4.7.2: while software-disabled, the mask bits stay set. */
    if (!apic_sw_enabled(s)) {
        nv |= APIC_LVT_MASKED;
    }
    if (idx == APIC_LVT_TIMER) {
        ApicTimerMode om = apic_timer_mode(s);
        s->r.lvt[idx] = nv;
        ApicTimerMode nm = apic_timer_mode(s);

        if ((om == APIC_TIMER_TSC_DEADLINE) != (nm == APIC_TIMER_TSC_DEADLINE)) {
            /* 12.5.4.1: switching to or from TSC-deadline disarms it. */
            timer_del(s->timer);
            s->r.timer_initial = 0;
            s->r.tsc_deadline = 0;
        } else if (om != nm) {
            /* One-shot <-> periodic does not restart the count
             * (12.5.4): a running count goes on under the new mode. */
            if (om == APIC_TIMER_PERIODIC) {
                s->r.lvt[idx] = old;
                apic_timer_rebase_periodic(s,
                                           qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
                s->r.lvt[idx] = nv;
            }
            if (timer_pending(s->timer)) {
                apic_timer_rearm(s);
            }
        }
        return;
    }
    s->r.lvt[idx] = nv;
    if (idx == APIC_LVT_LINT0 || idx == APIC_LVT_LINT1) {
        apic_lint_lvt_written(s, idx, old);
        apic_update_irq(s);     /* LINT0 ExtINT routing may have changed */
    }
}

static void apic_svr_write(APICCommonState *s, uint32_t val)
{
    uint32_t w = APIC_SVR_VECTOR | APIC_SVR_ENABLE |
                 (apic_bus_directed_eoi() ? APIC_SVR_EOI_SUPPRESS : 0);

    s->r.svr = val & w;
    if (!apic_sw_enabled(s)) {
        for (int i = 0; i < APIC_LVT_NB; i++) {
            s->r.lvt[i] |= APIC_LVT_MASKED;
        }
    }
    apic_update_irq(s);
}

/* Whether reg names a register this LAPIC has (for its mode). */
static bool apic_reg_read(APICCommonState *s, uint32_t reg, uint64_t *val,
                          bool x2)
{
    ApicRegs *r = &s->r;

    switch (reg) {
    case APIC_REG_ID:
        *val = x2 ? r->id : r->id << 24;
        return true;
    case APIC_REG_VERSION:
        *val = apic_version_reg(s);
        return true;
    case APIC_REG_TPR:
        *val = r->tpr;
        return true;
    case APIC_REG_APR:
    case APIC_REG_RRD:
    case APIC_REG_DFR:
        if (x2) {
            return false;       /* not in the x2APIC map */
        }
        *val = reg == APIC_REG_DFR ? r->dfr : 0;
        return true;
    case APIC_REG_PPR:
        *val = apic_ppr(s);
        return true;
    case APIC_REG_EOI:
        if (x2) {
            return false;       /* write-only */
        }
        *val = 0;
        return true;
    case APIC_REG_LDR:
        *val = r->ldr;
        return true;
    case APIC_REG_SVR:
        *val = r->svr;
        return true;
    case APIC_REG_ISR ... APIC_REG_ISR + 0x70:
        *val = __atomic_load_n(&r->isr[(reg - APIC_REG_ISR) >> 4],
                               __ATOMIC_RELAXED);
        return !(reg & 0xf);
    case APIC_REG_TMR ... APIC_REG_TMR + 0x70:
        *val = r->tmr[(reg - APIC_REG_TMR) >> 4];
        return !(reg & 0xf);
    case APIC_REG_IRR ... APIC_REG_IRR + 0x70:
        *val = __atomic_load_n(&r->irr[(reg - APIC_REG_IRR) >> 4],
                               __ATOMIC_RELAXED);
        return !(reg & 0xf);
    case APIC_REG_ESR:
        *val = r->esr;
        return true;
    case APIC_REG_LVT_CMCI:
        if (!s->cmci) {
            return false;
        }
        *val = r->lvt[APIC_LVT_CMCI];
        return true;
    case APIC_REG_ICR_LO:
        *val = x2 ? ((uint64_t)r->icr_hi << 32 | r->icr_lo) : r->icr_lo;
        return true;
    case APIC_REG_ICR_HI:
        if (x2) {
            return false;
        }
        *val = r->icr_hi;
        return true;
    case APIC_REG_LVT_TIMER:
    case APIC_REG_LVT_THERMAL:
    case APIC_REG_LVT_PERF:
    case APIC_REG_LVT_LINT0:
    case APIC_REG_LVT_LINT1:
    case APIC_REG_LVT_ERROR:
        *val = r->lvt[apic_lvt_by_reg[(reg - APIC_REG_LVT_TIMER) >> 4]];
        return true;
    case APIC_REG_TIMER_ICR:
        *val = r->timer_initial;
        return true;
    case APIC_REG_TIMER_CCR:
        *val = apic_userspace_timer_current(s);
        return true;
    case APIC_REG_TIMER_DCR:
        *val = r->timer_dcr;
        return true;
    default:
        return false;           /* reserved; SELF_IPI is write-only */
    }
}

/* false: #GP in x2APIC mode, "illegal register address" in xAPIC mode. */
static bool apic_reg_write(APICCommonState *s, uint32_t reg, uint64_t val,
                           bool x2)
{
    ApicRegs *r = &s->r;

    /* 12.12.1.2: only the ICR is 64 bits wide; others #GP on bits 63:32. */
    if (x2 && reg != APIC_REG_ICR_LO && (val >> 32)) {
        return false;
    }
    switch (reg) {
    case APIC_REG_ID:
        if (x2) {
            return false;       /* read-only in x2APIC mode */
        }
        r->id = (val >> 24) & 0xff;
        apic_bus_apic_changed(s);
        return true;
    case APIC_REG_TPR:
        r->tpr = val & 0xff;
        apic_update_irq(s);
        return true;
    case APIC_REG_EOI:
        /* 12.12.1.2: a non-zero write to the x2APIC EOI register #GPs. */
        if (x2 && val != 0) {
            return false;
        }
        apic_eoi(s);
        return true;
    case APIC_REG_LDR:
        if (x2) {
            return false;       /* derived from the x2APIC ID */
        }
        r->ldr = val & 0xff000000u;
        apic_bus_apic_changed(s);
        return true;
    case APIC_REG_DFR:
        if (x2) {
            return false;
        }
        r->dfr = (val & 0xf0000000u) | 0x0fffffffu;
        apic_bus_apic_changed(s);
        return true;
    case APIC_REG_SVR:
        apic_svr_write(s, val);
        return true;
    case APIC_REG_ESR:
        /* 12.5.3: a write latches the errors seen since the last one into
         * the readable register and starts afresh. x2APIC: only 0. */
        if (x2 && val != 0) {
            return false;
        }
        r->esr = r->esr_pending;
        r->esr_pending = 0;
        return true;
    case APIC_REG_LVT_CMCI:
        if (!s->cmci) {
            return false;
        }
        apic_lvt_write(s, APIC_LVT_CMCI, val);
        return true;
    case APIC_REG_ICR_LO:
        if (x2) {
            if (val & APIC_X2APIC_ICR_RESERVED) {
                return false;
            }
            r->icr_lo = val & APIC_ICR_LO_WRITABLE;
            r->icr_hi = val >> 32;
        } else {
            r->icr_lo = val & APIC_ICR_LO_WRITABLE;
        }
        apic_send_ipi(s, r->icr_lo, x2 ? r->icr_hi : r->icr_hi >> 24);
        return true;
    case APIC_REG_ICR_HI:
        if (x2) {
            return false;
        }
        r->icr_hi = val & 0xff000000u;
        return true;
    case APIC_REG_LVT_TIMER:
    case APIC_REG_LVT_THERMAL:
    case APIC_REG_LVT_PERF:
    case APIC_REG_LVT_LINT0:
    case APIC_REG_LVT_LINT1:
    case APIC_REG_LVT_ERROR:
        apic_lvt_write(s, apic_lvt_by_reg[(reg - APIC_REG_LVT_TIMER) >> 4],
                       val);
        return true;
    case APIC_REG_TIMER_ICR:
        apic_timer_write_initial(s, val);
        return true;
    case APIC_REG_TIMER_DCR:
        apic_timer_write_dcr(s, val);
        return true;
    case APIC_REG_SELF_IPI:
        if (!x2 || (val & ~0xffull)) {
            return false;
        }
        apic_send_ipi(s, (val & 0xff) | APIC_SH_SELF << APIC_ICR_SH_SHIFT, 0);
        return true;
    case APIC_REG_VERSION:
    case APIC_REG_PPR:
    case APIC_REG_ISR ... APIC_REG_IRR + 0x70:
    case APIC_REG_TIMER_CCR:
        /* Read-only: #GP in x2APIC mode, ignored in xAPIC mode. */
        return !x2 && !(reg & 0xf);
    case APIC_REG_APR:
    case APIC_REG_RRD:
        return !x2;             /* not modelled: writes ignored */
    default:
        return false;
    }
}

/* --- the MMIO page (xAPIC mode) --- */

static uint64_t apic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    APICCommonState *s = opaque;
    uint32_t reg = addr & 0xff0;
    unsigned byte = addr & 0xf;
    uint64_t val = 0;

    if (!apic_reg_read(s, reg, &val, false)) {
        apic_set_error(s, APIC_ESR_ILLEGAL_REG);
        val = 0;
    }
    trace_apic_mmio_read(s->cpu->cpu_index, reg, (uint32_t)val);
    /* Each register is the first 4 bytes of its 16-byte slot. */
    if (byte >= 4) {
        return 0;
    }
    val >>= byte * 8;
    return size >= 4 ? (uint32_t)val : val & ((1u << (size * 8)) - 1);
}

static void apic_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                            unsigned size)
{
    APICCommonState *s = opaque;
    uint32_t reg = addr & 0xff0;

    /* 12.4.1: registers are written with aligned 32-bit stores. */
    if (size != 4 || (addr & 0xf)) {
        qemu_log_mask(LOG_GUEST_ERROR, "apic %d: %u-byte write at offset "
                      "0x%03" HWADDR_PRIx " ignored\n", s->cpu->cpu_index,
                      size, addr);
        return;
    }
    trace_apic_mmio_write(s->cpu->cpu_index, reg, (uint32_t)data);
    if (!apic_reg_write(s, reg, (uint32_t)data, false)) {
        apic_set_error(s, APIC_ESR_ILLEGAL_REG);
    }
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* --- MSRs --- */

static bool apic_msr_x2apic_read(X86CPU *cpu, uint32_t msr, uint64_t *value,
                                 void *opaque)
{
    APICCommonState *s = opaque;

    if (!apic_is_x2apic(s) ||
        !apic_reg_read(s, (msr - MSR_X2APIC_FIRST) << 4, value, true)) {
        trace_apic_msr_gp(cpu->cpu_index, msr, 0, 0);
        return false;
    }
    return true;
}

static bool apic_msr_x2apic_write(X86CPU *cpu, uint32_t msr, uint64_t value,
                                  void *opaque)
{
    APICCommonState *s = opaque;

    if (!apic_is_x2apic(s) ||
        !apic_reg_write(s, (msr - MSR_X2APIC_FIRST) << 4, value, true)) {
        trace_apic_msr_gp(cpu->cpu_index, msr, 1, value);
        return false;
    }
    return true;
}

static bool apic_msr_tsc_deadline_read(X86CPU *cpu, uint32_t msr,
                                       uint64_t *value, void *opaque)
{
    APICCommonState *s = opaque;

    /* 12.5.4.1: reads 0 in the other timer modes. */
    *value = apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE
             ? s->r.tsc_deadline : 0;
    return true;
}

static bool apic_msr_tsc_deadline_write(X86CPU *cpu, uint32_t msr,
                                        uint64_t value, void *opaque)
{
    APICCommonState *s = opaque;

    if (apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
        return true;            /* ignored in the other modes */
    }
    s->r.tsc_deadline = value;
    if (value && x86_cpu_tsc_to_ns(s->cpu, value) <=
                 qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) {
        /* 12.5.4.1: a deadline the TSC has already reached fires at once,
         * so the interrupt is pending at the instruction after WRMSR, not
         * whenever the main loop next runs its timers. */
        timer_del(s->timer);
        apic_timer_cb(s);
        return true;
    }
    apic_timer_rearm(s);
    return true;
}

/* Make the page overlay follow IA32_APIC_BASE; tell the CPU if it moved. */
static void apic_update_mapping(APICCommonState *s)
{
    bool want = apic_hw_enabled(s) && !apic_is_x2apic(s);
    hwaddr base = s->r.apicbase & MSR_IA32_APICBASE_BASE;
    bool changed = false;

    if (!s->io_mapped) {
        return;
    }
    memory_region_transaction_begin();
    if (s->io.enabled != want) {
        memory_region_set_enabled(&s->io, want);
        changed = true;
    }
    if (s->io.addr != base) {
        memory_region_set_address(&s->io, base);
        changed = true;
    }
    memory_region_transaction_commit();
    if (changed && apic_cpu_view_changed) {
        apic_cpu_view_changed(s->cpu);
    }
}

static void apic_set_base(APICCommonState *s, uint64_t value)
{
    bool old_en = apic_hw_enabled(s), old_x2 = apic_is_x2apic(s);
    uint64_t old = s->r.apicbase;

    trace_apic_set_base(s->cpu->cpu_index, old, value);
    s->r.apicbase = value;
    s->cpu->apic_base = value;
    if (!apic_hw_enabled(s)) {
        if (old_en) {
            /* 12.4.3: a global disable puts the APIC in its power-up state
             * (the ID back to the initial one); only IA32_APIC_BASE stays. */
            apic_common_reset_regs(s, false);
            timer_del(s->timer);
        }
    } else if (apic_is_x2apic(s) && !old_x2) {
        /* 12.12.5.1: entering x2APIC mode, the ID becomes the x2APIC ID and
         * the LDR is derived from it. */
        s->r.id = s->initial_id;
        s->r.ldr = apic_x2apic_ldr(s->initial_id);
    }
    apic_update_mapping(s);
    apic_bus_apic_changed(s);
    apic_update_irq(s);
}

static bool apic_msr_base_read(X86CPU *cpu, uint32_t msr, uint64_t *value,
                               void *opaque)
{
    APICCommonState *s = opaque;

    *value = s->r.apicbase;
    return true;
}

static bool apic_msr_base_write(X86CPU *cpu, uint32_t msr, uint64_t value,
                                void *opaque)
{
    APICCommonState *s = opaque;
    uint64_t reserved = 0xff | (1ULL << 9) | apic_phys_reserved(s);
    bool en = value & MSR_IA32_APICBASE_ENABLE;
    bool x2 = value & MSR_IA32_APICBASE_EXTD;
    bool old_en = apic_hw_enabled(s), old_x2 = apic_is_x2apic(s);

    if (!s->x2apic) {
        reserved |= MSR_IA32_APICBASE_EXTD;
    }
    /* The BSP flag is read-only (12.4.4): the written bit is ignored. */
    value = (value & ~MSR_IA32_APICBASE_BSP) |
            (s->r.apicbase & MSR_IA32_APICBASE_BSP);
    /*
     * Figure 12-27 (12.12.5): EXTD without EN is invalid; x2APIC mode is
     * entered from xAPIC mode only and left only by a global disable.
     */
    if ((value & reserved) || (x2 && !en) || (x2 && !old_en) ||
        (old_x2 && en && !x2)) {
        trace_apic_msr_gp(cpu->cpu_index, msr, 1, value);
        return false;
    }
    apic_set_base(s, value);
    return true;
}

/* --- LINT0 / LINT1 inputs --- */

static void apic_lint_set(void *opaque, int n, int level)
{
    APICCommonState *s = opaque;
    bool was, now;
    ApicLvtIndex idx;
    ApicLvt l;

    if (n < 0 || n > 1) {
        return;
    }
    was = apic_lint_asserted(s, n);
    s->r.lint_level[n] = level != 0;
    now = apic_lint_asserted(s, n);
    trace_apic_lint(s->cpu->cpu_index, n, level);
    if (!apic_hw_enabled(s)) {
        /* 12.4.3: without the APIC, LINT0 is INTR and LINT1 is NMI. */
        if (n == 1 && now && !was) {
            apic_raise_event(s, X86_INTR_NMI);
        }
        apic_update_irq(s);
        return;
    }
    idx = n ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
    l = apic_lvt_decode(s->r.lvt[idx]);
    if (apic_lvt_is_level(idx, &l)) {
        /* Level-triggered: deliver while asserted, once per EOI. */
        if (now && !l.remote_irr) {
            apic_local_deliver(s, idx);
        }
    } else if (now && !was && l.mode != APIC_DM_EXTINT) {
        /* Edge-triggered (fixed with trigger 0, NMI, SMI, INIT): the
         * inactive-to-active transition is the interrupt. */
        apic_local_deliver(s, idx);
    }
    apic_update_irq(s);
}

/*
 * The thermal sensor, performance-counter overflow and CMCI inputs: each
 * rising edge is one event, delivered through the source's LVT (12.5.1):
 * masking, vector (an illegal one sets "received illegal vector" and fires
 * the error LVT), and delivery mode fixed (edge: TMR clear), SMI or NMI;
 * INIT and ExtINT are "not supported" for these LVTs and deliver nothing.
 * With the APIC globally disabled no LVT is in effect: the event is lost.
 */
static const ApicLvtIndex apic_event_lvt[] = {
    APIC_LVT_THERMAL, APIC_LVT_PERF, APIC_LVT_CMCI,
};

static void apic_event_input_set(APICCommonState *s, int which, int level)
{
    bool rising = level && !s->event_input_level[which];

    s->event_input_level[which] = level != 0;
    trace_apic_event_input(s->cpu->cpu_index, which, level);
    if (!rising || !apic_hw_enabled(s)) {
        return;
    }
    apic_local_deliver(s, apic_event_lvt[which]);
}

static void apic_thermal_set(void *opaque, int n, int level)
{
    apic_event_input_set(opaque, 0, level);
}

static void apic_perf_set(void *opaque, int n, int level)
{
    apic_event_input_set(opaque, 1, level);
}

static void apic_cmci_set(void *opaque, int n, int level)
{
    apic_event_input_set(opaque, 2, level);
}

/* ------------------------------------------------------------------ */
/* Acceptance path                                                      */

APICCommonState *apic_from_cpu(X86CPU *cpu)
{
    return cpu ? cpu->apic : NULL;
}

static void apic_find_id_cb(APICCommonState *s, void *opaque)
{
    APICCommonState **found = opaque;

    if (!found[1] && s->initial_id == (uint32_t)(uintptr_t)found[0]) {
        found[1] = s;
    }
}

APICCommonState *apic_find_by_apic_id(uint32_t apic_id)
{
    APICCommonState *found[2] = { (APICCommonState *)(uintptr_t)apic_id,
                                  NULL };

    apic_bus_foreach(apic_find_id_cb, found);
    return found[1];
}

ApicIntr apic_intr_poll_mask(X86CPU *cpu, unsigned allowed)
{
    APICCommonState *s = apic_from_cpu(cpu);
    ApicIntr none = { APIC_INTR_NONE, 0 };
    int v;

    if (!s) {
        return none;
    }
    if ((allowed & APIC_INTR_MASK(APIC_INTR_SMI)) &&
        apic_event_pending(s, X86_INTR_SMI)) {
        return (ApicIntr) { APIC_INTR_SMI, 0 };
    }
    if ((allowed & APIC_INTR_MASK(APIC_INTR_INIT)) &&
        apic_event_pending(s, X86_INTR_INIT)) {
        return (ApicIntr) { APIC_INTR_INIT, 0 };
    }
    if (cpu->env.run_state == X86_RUN_WAIT_FOR_SIPI) {
        if ((allowed & APIC_INTR_MASK(APIC_INTR_SIPI)) &&
            apic_event_pending(s, X86_INTR_SIPI)) {
            return (ApicIntr) { APIC_INTR_SIPI, s->r.sipi_vector };
        }
        return none;
    }
    if ((allowed & APIC_INTR_MASK(APIC_INTR_NMI)) &&
        apic_event_pending(s, X86_INTR_NMI)) {
        return (ApicIntr) { APIC_INTR_NMI, 2 };
    }
    if ((allowed & APIC_INTR_MASK(APIC_INTR_EXTINT)) &&
        apic_extint_active(s) && (v = apic_bus_extint_peek()) >= 0) {
        return (ApicIntr) { APIC_INTR_EXTINT, v };
    }
    if ((allowed & APIC_INTR_MASK(APIC_INTR_FIXED)) &&
        (v = apic_deliverable_vector(s)) >= 0) {
        return (ApicIntr) { APIC_INTR_FIXED, v };
    }
    return none;
}

ApicIntr apic_intr_poll(X86CPU *cpu)
{
    return apic_intr_poll_mask(cpu, APIC_INTR_MASK_ALL);
}

/* INIT as the CPU performs it (12.4.7.3): the LAPIC keeps its ID and
 * IA32_APIC_BASE, the rest is reset; an AP then waits for a SIPI. */
static void apic_do_init(APICCommonState *s)
{
    X86CPU *cpu = s->cpu;
    /* A SIPI accepted behind this INIT (9.4.4: INIT, then SIPI) is still
     * pending and must start the AP at its own vector: keep it. */
    uint8_t sipi_vector = s->r.sipi_vector;

    apic_clear_event(s, X86_INTR_INIT);
    x86_cpu_init_reset(cpu);
    apic_common_reset_regs(s, true);
    s->r.sipi_vector = sipi_vector;
    timer_del(s->timer);
    cpu->env.run_state = (s->r.apicbase & MSR_IA32_APICBASE_BSP)
                         ? X86_RUN_RUNNING : X86_RUN_WAIT_FOR_SIPI;
    apic_bus_apic_changed(s);
    if ((s->r.apicbase & MSR_IA32_APICBASE_BSP) && apic_bsp_init_notify) {
        apic_bsp_init_notify(cpu);
    }
}

ApicIntr apic_intr_ack_mask(X86CPU *cpu, unsigned allowed)
{
    APICCommonState *s = apic_from_cpu(cpu);
    ApicIntr in = apic_intr_poll_mask(cpu, allowed);
    int v;

    if (!s || in.kind == APIC_INTR_NONE) {
        return in;
    }
    switch (in.kind) {
    case APIC_INTR_SMI:
        apic_clear_event(s, X86_INTR_SMI);
        break;
    case APIC_INTR_NMI:
        apic_clear_event(s, X86_INTR_NMI);
        break;
    case APIC_INTR_INIT:
        apic_do_init(s);
        break;
    case APIC_INTR_SIPI:
        apic_clear_event(s, X86_INTR_SIPI);
        cpu->env.segs[R_CS].selector = in.vector << 8;
        cpu->env.segs[R_CS].base = (uint64_t)in.vector << 12;
        cpu->env.rip = 0;
        cpu->env.run_state = X86_RUN_RUNNING;
        break;
    case APIC_INTR_EXTINT:
        s->r.events &= ~APIC_EV_EXTINT;
        v = apic_bus_extint_ack();
        if (v < 0) {
            in.kind = APIC_INTR_NONE;
            in.vector = 0;
        } else {
            in.vector = v;
        }
        break;
    case APIC_INTR_FIXED:
        bit_clear(s->r.irr, in.vector);
        bit_set(s->r.isr, in.vector);
        break;
    default:
        break;
    }
    trace_apic_ack(cpu->cpu_index, in.kind, in.vector);
    apic_update_irq(s);
    return in;
}

ApicIntr apic_intr_ack(X86CPU *cpu)
{
    return apic_intr_ack_mask(cpu, APIC_INTR_MASK_ALL);
}

void apic_intr_format(const ApicIntr *intr, GString *reply)
{
    switch (intr->kind) {
    case APIC_INTR_FIXED:
        g_string_append_printf(reply, "OK fixed 0x%02x", intr->vector);
        break;
    case APIC_INTR_EXTINT:
        g_string_append_printf(reply, "OK extint 0x%02x", intr->vector);
        break;
    case APIC_INTR_SIPI:
        g_string_append_printf(reply, "OK sipi 0x%02x", intr->vector);
        break;
    case APIC_INTR_NMI:
        g_string_append(reply, "OK nmi");
        break;
    case APIC_INTR_SMI:
        g_string_append(reply, "OK smi");
        break;
    case APIC_INTR_INIT:
        g_string_append(reply, "OK init");
        break;
    default:
        g_string_append(reply, "OK none");
        break;
    }
}

void apic_intr_poll_reply(X86CPU *cpu, GString *reply)
{
    ApicIntr in = apic_intr_poll(cpu);

    apic_intr_format(&in, reply);
}

void apic_intr_ack_reply(X86CPU *cpu, GString *reply)
{
    ApicIntr in = apic_intr_ack(cpu);

    apic_intr_format(&in, reply);
}

bool apic_has_maskable_interrupt(X86CPU *cpu)
{
    return apic_intr_poll_mask(cpu, APIC_INTR_MASK_MASKABLE).kind !=
           APIC_INTR_NONE;
}

int apic_ack_maskable_interrupt(X86CPU *cpu)
{
    ApicIntr in = apic_intr_ack_mask(cpu, APIC_INTR_MASK_MASKABLE);

    return in.kind == APIC_INTR_NONE ? -1 : in.vector;
}

int apic_sipi_vector(X86CPU *cpu)
{
    APICCommonState *s = apic_from_cpu(cpu);

    return s ? s->r.sipi_vector : -1;
}

uint64_t apic_get_cr8(X86CPU *cpu)
{
    APICCommonState *s = apic_from_cpu(cpu);

    return s ? s->r.tpr >> 4 : cpu->env.cr8;
}

void apic_set_cr8(X86CPU *cpu, uint64_t value)
{
    APICCommonState *s = apic_from_cpu(cpu);

    if (!s) {
        cpu->env.cr8 = value & 0xf;
        return;
    }
    s->r.tpr = (value & 0xf) << 4;
    apic_update_irq(s);
}

static const X86InterruptHooks apic_x86_hooks = {
    .has_interrupt = apic_has_maskable_interrupt,
    .ack_interrupt = apic_ack_maskable_interrupt,
    .sipi_vector = apic_sipi_vector,
    .get_cr8 = apic_get_cr8,
    .set_cr8 = apic_set_cr8,
};

static void apic_nmi_cb(APICCommonState *s, void *opaque)
{
    if (!apic_hw_enabled(s)) {
        apic_raise_event(s, X86_INTR_NMI);
        apic_update_irq(s);
    } else {
        apic_local_deliver(s, APIC_LVT_LINT1);
    }
}

void apic_inject_nmi_all(void)
{
    apic_bus_foreach(apic_nmi_cb, NULL);
}

static void apic_irq_info_cb(APICCommonState *s, void *opaque)
{
    GString *out = opaque;
    bool any = false;

    for (int v = 0; v < 256; v++) {
        if (s->irq_count[v]) {
            if (!any) {
                g_string_append_printf(out, "LAPIC CPU %d (APIC ID 0x%x):\n",
                                       s->cpu->cpu_index, s->initial_id);
                any = true;
            }
            g_string_append_printf(out, "  vector 0x%02x: %" PRIu64 "\n", v,
                                   s->irq_count[v]);
        }
    }
}

void apic_info_irq(GString *out)
{
    apic_bus_foreach(apic_irq_info_cb, out);
}

/* ------------------------------------------------------------------ */
/* Backend ops and the device                                           */

static void apic_userspace_realize(APICCommonState *s, GError **errp)
{
    X86CPU *cpu = s->cpu;
    g_autofree char *name = g_strdup_printf("apic-%d", cpu->cpu_index);

    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, apic_timer_cb, s);
    memory_region_init_io(&s->io, &apic_mmio_ops, s, name, APIC_SPACE_SIZE);
    /* Above the CPU's MSI hole (1) and system memory (0). */
    memory_region_add_subregion_overlap(&cpu->as_root, APIC_DEFAULT_ADDRESS,
                                        &s->io, 2);
    s->io_mapped = true;
    x86_cpu_register_msr(cpu, MSR_IA32_APICBASE, 1, apic_msr_base_read,
                         apic_msr_base_write, s);
    if (s->x2apic) {
        x86_cpu_register_msr(cpu, MSR_X2APIC_FIRST,
                             MSR_X2APIC_LAST - MSR_X2APIC_FIRST + 1,
                             apic_msr_x2apic_read, apic_msr_x2apic_write, s);
    }
    if (s->tsc_deadline) {
        x86_cpu_register_msr(cpu, MSR_IA32_TSC_DEADLINE, 1,
                             apic_msr_tsc_deadline_read,
                             apic_msr_tsc_deadline_write, s);
    }
    qdev_init_gpio_in(DEVICE(s), apic_lint_set, 2);
    qdev_init_gpio_in_named(DEVICE(s), apic_thermal_set, APIC_GPIO_THERMAL, 1);
    qdev_init_gpio_in_named(DEVICE(s), apic_perf_set, APIC_GPIO_PERF, 1);
    /* The CMCI source exists only with its LVT (12.5.1). */
    if (s->cmci) {
        qdev_init_gpio_in_named(DEVICE(s), apic_cmci_set, APIC_GPIO_CMCI, 1);
    }
    cpu->apic = s;
    apic_bus_register_apic(s);
    if (tcg_x86_set_interrupt_hooks) {
        tcg_x86_set_interrupt_hooks(cpu, &apic_x86_hooks);
    }
}

static void apic_userspace_unrealize(APICCommonState *s)
{
    X86CPU *cpu = s->cpu;

    apic_bus_unregister_apic(s);
    if (tcg_x86_set_interrupt_hooks) {
        tcg_x86_set_interrupt_hooks(cpu, NULL);
    }
    x86_cpu_unregister_msr(cpu, MSR_IA32_APICBASE, 1);
    if (s->x2apic) {
        x86_cpu_unregister_msr(cpu, MSR_X2APIC_FIRST,
                               MSR_X2APIC_LAST - MSR_X2APIC_FIRST + 1);
    }
    if (s->tsc_deadline) {
        x86_cpu_unregister_msr(cpu, MSR_IA32_TSC_DEADLINE, 1);
    }
    if (s->io_mapped) {
        memory_region_del_subregion(&cpu->as_root, &s->io);
        memory_region_finalize(&s->io);
        s->io_mapped = false;
    }
    timer_free(s->timer);
    s->timer = NULL;
    __atomic_fetch_and(&cpu->env.interrupt_request, ~APIC_INTR_BITS,
                       __ATOMIC_SEQ_CST);
    cpu->apic = NULL;
}

static void apic_userspace_reset(APICCommonState *s)
{
    timer_del(s->timer);
    apic_update_mapping(s);
    apic_bus_apic_changed(s);
    apic_update_irq(s);
}

static void apic_userspace_post_load(APICCommonState *s)
{
    s->cpu->apic_base = s->r.apicbase;
    timer_del(s->timer);
    if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE || s->r.timer_initial) {
        /* A one-shot count already run out stays stopped. */
        apic_timer_rearm(s);
    }
    apic_update_mapping(s);
    apic_bus_apic_changed(s);
    apic_update_irq(s);
}

const APICBackendOps apic_userspace_ops = {
    .name = "userspace",
    .realize = apic_userspace_realize,
    .unrealize = apic_userspace_unrealize,
    .reset = apic_userspace_reset,
    .post_load = apic_userspace_post_load,
    .timer_current = apic_userspace_timer_current,
    .accept = apic_userspace_accept,
};

static void apic_dev_instance_init(DeviceState *dev)
{
    apic_common_from_dev(dev)->ops = &apic_userspace_ops;
}

static void apic_dev_reset(DeviceState *dev);

static void apic_dev_realize(DeviceState *dev, GError **errp)
{
    APICCommonState *s = apic_common_from_dev(dev);

    if (!s->cpu) {
        error_setg(errp, "apic: no CPU attached (LAPICs are created by the "
                   "machine for each CPU)");
        return;
    }
    if (!s->cpu->as.root) {
        error_setg(errp, "apic: CPU %d has no view of memory",
                   s->cpu->cpu_index);
        return;
    }
    if (s->cpu->apic) {
        error_setg(errp, "apic: CPU %d already has a local APIC",
                   s->cpu->cpu_index);
        return;
    }
    s->x2apic = x86_cpu_has_feature(s->cpu, FEAT_1_ECX, CPUID_EXT_X2APIC);
    s->tsc_deadline = x86_cpu_has_feature(s->cpu, FEAT_1_ECX,
                                          CPUID_EXT_TSC_DEADLINE_TIMER);
    if (!s->x2apic && s->initial_id > 0xff) {
        error_setg(errp, "apic: APIC ID 0x%x needs x2APIC (xAPIC IDs are "
                   "0-255)", s->initial_id);
        return;
    }
    s->ops->realize(s, errp);
    /* Start from the RESET state whether or not the core resets us. */
    apic_dev_reset(dev);
}

static void apic_dev_unrealize(DeviceState *dev)
{
    APICCommonState *s = apic_common_from_dev(dev);

    if (s->cpu && s->cpu->apic == s) {
        s->ops->unrealize(s);
    }
}

/* RESET (12.4.7.1): IA32_APIC_BASE to 0xFEE00000 | EN (| BSP), registers
 * to their power-up values. */
static void apic_dev_reset(DeviceState *dev)
{
    APICCommonState *s = apic_common_from_dev(dev);

    if (!s->cpu || s->cpu->apic != s) {
        return;
    }
    s->r.apicbase = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE |
                    (s->cpu->is_bsp ? MSR_IA32_APICBASE_BSP : 0);
    s->cpu->apic_base = s->r.apicbase;
    apic_common_reset_regs(s, false);
    __atomic_fetch_and(&s->cpu->env.interrupt_request, ~APIC_INTR_BITS,
                       __ATOMIC_SEQ_CST);
    s->ops->reset(s);
}

static const Property apic_props[] = {
    DEFINE_PROP_UINT32("id", APICCommonState, initial_id, 0),
    DEFINE_PROP_BOOL("cmci", APICCommonState, cmci, false),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass apic_class = {
    .name = TYPE_APIC,
    .desc = "local APIC (xAPIC 0x14 with x2APIC), one per CPU",
    .instance_size = sizeof(APICCommonState),
    .props = apic_props,
    .user_creatable = false,
    .instance_init = apic_dev_instance_init,
    .realize = apic_dev_realize,
    .reset = apic_dev_reset,
    .unrealize = apic_dev_unrealize,
};
DEVICE_CLASS_REGISTER(apic_class)
