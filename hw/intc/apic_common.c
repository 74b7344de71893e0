/*
 * Local APIC, common part: the state that mirrors the architectural register
 * page (ApicRegs), its RESET/INIT values (SDM vol. 3A, 2024 numbering,
 * 12.4.7.1 "Local APIC State After Power-Up or Reset" and 12.4.7.3 "after an
 * INIT"), state get/set for moving it between backends, and the `info lapic`
 * text. Register semantics, the timer and delivery belong to the backend
 * (hw/intc/apic.c for the userspace model) through APICBackendOps. The
 * small pure helpers (priority, divide values) live here so unit tests can
 * reach them. Left out: migration formats (the state is a plain struct).
 */
#include "qemu/osdep.h"
#include "hw/intc/apic_internal.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"

/* ------------------------------------------------------------------ */
/* Pure helpers                                                        */

int apic_reg256_highest(const uint32_t reg[8])
{
    for (int i = 7; i >= 0; i--) {
        uint32_t w = __atomic_load_n(&reg[i], __ATOMIC_RELAXED);
        if (w) {
            return i * 32 + 31 - __builtin_clz(w);
        }
    }
    return -1;
}

/* SDM 12.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
uint8_t apic_compute_ppr(uint8_t tpr, int isrv)
{
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);

    return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* Figure 12-10: bits 3, 1, 0 encode divide by 2^(value + 1), 111b by 1. */
unsigned apic_timer_divide_shift(uint32_t dcr)
{
    unsigned v = (dcr & 3) | ((dcr >> 1) & 4);

    return (v + 1) & 7;
}

uint32_t apic_x2apic_ldr(uint32_t x2apic_id)
{
    /* SDM 12.12.10.2: cluster ID = ID[19:4], member bit = 1 << ID[3:0]. */
    return ((x2apic_id >> 4) << 16) | (1u << (x2apic_id & 0xf));
}

/* ------------------------------------------------------------------ */
/* State                                                               */

APICCommonState *apic_common_from_dev(DeviceState *dev)
{
    return (APICCommonState *)dev;
}

bool apic_hw_enabled(const APICCommonState *s)
{
    return s->r.apicbase & MSR_IA32_APICBASE_ENABLE;
}

bool apic_is_x2apic(const APICCommonState *s)
{
    return (s->r.apicbase & (MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD))
           == (MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD);
}

bool apic_sw_enabled(const APICCommonState *s)
{
    return s->r.svr & APIC_SVR_ENABLE;
}

uint32_t apic_version_reg(const APICCommonState *s)
{
    uint32_t max_lvt = s->cmci ? 6 : 5;

    return APIC_VERSION | max_lvt << 16 |
           (apic_bus_directed_eoi() ? APIC_VERSION_DIRECTED_EOI : 0);
}

void apic_common_reset_regs(APICCommonState *s, bool keep_id)
{
    ApicRegs *r = &s->r;
    uint64_t base = r->apicbase;
    uint32_t id = r->id;
    bool lint0 = r->lint_level[0], lint1 = r->lint_level[1];

    memset(r, 0, sizeof(*r));
    r->apicbase = base;
    r->id = keep_id ? id : s->initial_id;
    if (!apic_is_x2apic(s)) {
        r->id &= 0xff;
    } else {
        r->ldr = apic_x2apic_ldr(r->id);
    }
    r->dfr = 0xffffffffu;
    r->svr = 0xff;
    for (int i = 0; i < APIC_LVT_NB; i++) {
        r->lvt[i] = APIC_LVT_MASKED;
    }
    /* The input pins keep their levels: they belong to what drives them. */
    r->lint_level[0] = lint0;
    r->lint_level[1] = lint1;
}

void apic_get_state(APICCommonState *s, ApicRegs *out)
{
    *out = s->r;
}

void apic_set_state(APICCommonState *s, const ApicRegs *in)
{
    s->r = *in;
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
}

/* ------------------------------------------------------------------ */
/* info lapic                                                          */

static const char *const apic_dm_names[8] = {
    "Fixed", "LowPri", "SMI", "Rsvd3", "NMI", "INIT", "StartUp", "ExtINT",
};

static void apic_info_lvt(GString *out, const char *name, uint32_t v,
                          bool is_timer)
{
    ApicLvt l = apic_lvt_decode(v);
    static const char *const tmode[4] = {
        "one-shot", "periodic", "tsc-deadline", "reserved",
    };

    g_string_append_printf(out, "%-8s 0x%08x %s %s %s%s", name, v,
                           (v & APIC_LVT_POLARITY) ? "active-lo" : "active-hi",
                           l.level ? "level" : "edge ",
                           l.masked ? "masked" : "      ",
                           l.remote_irr ? " remote-irr" : "");
    if (is_timer) {
        g_string_append_printf(out, " %s", tmode[l.timer_mode & 3]);
    }
    g_string_append_printf(out, " %s (vec %u)\n", apic_dm_names[l.mode & 7],
                           l.vector);
}

static void apic_info_bits(GString *out, const char *name,
                           const uint32_t reg[8])
{
    bool any = false;

    g_string_append_printf(out, "%-8s", name);
    for (int v = 0; v < 256; v++) {
        if (reg[v / 32] & (1u << (v % 32))) {
            g_string_append_printf(out, " %d", v);
            any = true;
        }
    }
    g_string_append(out, any ? "\n" : " (none)\n");
}

void apic_info_lapic(APICCommonState *s, GString *out)
{
    const ApicRegs *r = &s->r;
    int isrv = apic_reg256_highest(r->isr);
    unsigned shift = apic_timer_divide_shift(r->timer_dcr);
    static const char *const shorthand[4] = {
        "no-shorthand", "self", "all-self", "all",
    };
    const char *mode = !apic_hw_enabled(s) ? "disabled"
                       : apic_is_x2apic(s) ? "x2APIC" : "xAPIC";

    g_string_append_printf(out, "dump APIC state for CPU %d\n",
                           s->cpu->cpu_index);
    g_string_append_printf(out, "APICBASE 0x%016" PRIx64 " %s%s base 0x%"
                           PRIx64 "\n", r->apicbase, mode,
                           (r->apicbase & MSR_IA32_APICBASE_BSP) ? " BSP" : "",
                           (uint64_t)(r->apicbase & MSR_IA32_APICBASE_BASE));
    g_string_append_printf(out, "ID       0x%08x (initial 0x%x)  VERSION "
                           "0x%08x\n",
                           apic_is_x2apic(s) ? r->id : r->id << 24,
                           s->initial_id, apic_version_reg(s));
    apic_info_lvt(out, "LVT0", r->lvt[APIC_LVT_LINT0], false);
    apic_info_lvt(out, "LVT1", r->lvt[APIC_LVT_LINT1], false);
    apic_info_lvt(out, "LVTPC", r->lvt[APIC_LVT_PERF], false);
    apic_info_lvt(out, "LVTERR", r->lvt[APIC_LVT_ERROR], false);
    apic_info_lvt(out, "LVTTHMR", r->lvt[APIC_LVT_THERMAL], false);
    apic_info_lvt(out, "LVTT", r->lvt[APIC_LVT_TIMER], true);
    if (s->cmci) {
        apic_info_lvt(out, "LVTCMCI", r->lvt[APIC_LVT_CMCI], false);
    }
    g_string_append_printf(out, "Timer    DCR=0x%x (divide by %u) "
                           "initial_count = %u current_count = %u\n",
                           r->timer_dcr, 1u << shift, r->timer_initial,
                           s->ops && s->ops->timer_current
                           ? s->ops->timer_current(s) : 0);
    g_string_append_printf(out, "Timer    %s, TSC deadline 0x%" PRIx64 "\n",
                           s->timer && timer_pending(s->timer)
                           ? "armed" : "not armed", r->tsc_deadline);
    g_string_append_printf(out, "SPIV     0x%08x APIC %s, EOI broadcast %s, "
                           "spurious vec %u\n", r->svr,
                           apic_sw_enabled(s) ? "enabled" : "disabled",
                           (r->svr & APIC_SVR_EOI_SUPPRESS)
                           ? "suppressed" : "on", r->svr & APIC_SVR_VECTOR);
    g_string_append_printf(out, "ICR      0x%08x %s %s %s %s %s (vec %u)\n",
                           r->icr_lo,
                           (r->icr_lo & APIC_ICR_DEST_LOGICAL)
                           ? "logical" : "physical",
                           (r->icr_lo & APIC_ICR_TRIGGER) ? "level" : "edge",
                           (r->icr_lo & APIC_ICR_LEVEL) ? "assert" : "de-assert",
                           shorthand[(r->icr_lo >> APIC_ICR_SH_SHIFT) & 3],
                           apic_dm_names[(r->icr_lo >> APIC_ICR_DM_SHIFT) & 7],
                           r->icr_lo & APIC_ICR_VECTOR);
    g_string_append_printf(out, "ICR2     0x%08x\n", r->icr_hi);
    g_string_append_printf(out, "ESR      0x%08x (pending 0x%08x)\n", r->esr,
                           r->esr_pending);
    apic_info_bits(out, "ISR", r->isr);
    apic_info_bits(out, "IRR", r->irr);
    apic_info_bits(out, "TMR", r->tmr);
    g_string_append_printf(out, "APR 0x00 TPR 0x%02x DFR 0x%02x LDR 0x%08x "
                           "PPR 0x%02x\n", r->tpr, r->dfr >> 24, r->ldr,
                           apic_compute_ppr(r->tpr, isrv));
    uint32_t req = __atomic_load_n(&s->cpu->env.interrupt_request,
                                   __ATOMIC_SEQ_CST);
    bool any = (req & (X86_INTR_HARD | X86_INTR_NMI | X86_INTR_SMI |
                       X86_INTR_INIT | X86_INTR_SIPI)) ||
               (r->events & APIC_EV_EXTINT);

    g_string_append_printf(out, "LINT0 %d LINT1 %d  pending:%s%s%s%s%s%s",
                           r->lint_level[0], r->lint_level[1],
                           (req & X86_INTR_HARD) ? " INTR" : "",
                           (req & X86_INTR_NMI) ? " NMI" : "",
                           (req & X86_INTR_SMI) ? " SMI" : "",
                           (req & X86_INTR_INIT) ? " INIT" : "",
                           (r->events & APIC_EV_EXTINT) ? " ExtINT" : "",
                           any ? "" : " (none)");
    if (req & X86_INTR_SIPI) {
        g_string_append_printf(out, " SIPI(0x%02x)", r->sipi_vector);
    }
    g_string_append_c(out, '\n');
}
