/*
 * `info lapic`, `info ioapic` and `info pic` when the interrupt controllers
 * live in the kernel (kernel-irqchip=on, and for the LAPIC also split). The
 * board creates no userspace device then, so these commands replace the
 * userspace ones (a later hmp_register_info of a name wins): each reads the
 * kernel's state (KVM_GET_LAPIC plus the APIC base and TSC-deadline MSRs on
 * the vCPU's own thread; KVM_GET_IRQCHIP for the IOAPIC and the 8259 pair),
 * converts it to the common form (kvm-irqchip-state.c) and prints it with
 * the common printers, so the text is the same as under the interpreter.
 * Two lines are added to `info lapic`: the kernel's own version register
 * and timer count, which the common printer derives from the model instead.
 * `info irq` counts what lapis itself hands the kernel (GSI lines, MSIs,
 * ExtINT injections), since the kernel's delivery keeps no counts we can
 * read. Left out: whether the kernel's LAPIC timer is armed (its hrtimer is
 * not visible).
 */
#include "qemu/osdep.h"
#include "hw/i386/kvm/kvm-irqchip-info.h"
#include "hw/i386/kvm/kvm-irqchip-state.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/ioapic_internal.h"
#include "accel/kvm.h"
#include "accel/kvm/kvm-int.h"
#include "hw/boards.h"
#include "monitor/monitor.h"
#include "target/i386/cpu.h"
#include "target/i386/kvm/kvm-i386.h"

#include <sys/ioctl.h>

/* The kernel's version register: max LVT entry index in bits 23:16 (SDM
 * vol. 3A 12.4.8, figure 12-7); 6 means the CMCI LVT exists. */
#define LVR_MAX_LVT_SHIFT 16

/* What one KVM_GET_LAPIC round trip brings back from the vCPU thread. */
typedef struct KVMLapicSnapshot {
    bool ok;
    char err[128];
    struct kvm_lapic_state page;
    uint64_t apicbase;
    uint64_t tsc_deadline;
} KVMLapicSnapshot;

/* A common LAPIC filled from the kernel, for apic_info_lapic(). */
typedef struct KVMInfoApic {
    APICCommonState s;          /* first: the ops get &s */
    uint32_t current_count;
} KVMInfoApic;

static uint32_t kvm_info_timer_current(APICCommonState *s)
{
    return ((KVMInfoApic *)s)->current_count;
}

static const APICBackendOps kvm_info_apic_ops = {
    .name = "kvm",
    .timer_current = kvm_info_timer_current,
};

static void kvm_do_get_lapic(X86CPU *cpu, void *opaque)
{
    KVMLapicSnapshot *snap = opaque;
    KVMCPU *kc = cpu->accel_data;
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[2];
    } msrs = { .hdr.nmsrs = 2 };
    int n;

    if (kvm_vcpu_ioctl(kc, KVM_GET_LAPIC, &snap->page) < 0) {
        snprintf(snap->err, sizeof(snap->err), "KVM_GET_LAPIC: %s",
                 g_strerror(errno));
        return;
    }
    msrs.e[0].index = MSR_IA32_APICBASE;
    msrs.e[1].index = MSR_IA32_TSC_DEADLINE;
    n = kvm_vcpu_ioctl(kc, KVM_GET_MSRS, &msrs);
    if (n < 1) {
        snprintf(snap->err, sizeof(snap->err), "KVM_GET_MSRS (APIC base): %s",
                 n < 0 ? g_strerror(errno) : "refused");
        return;
    }
    snap->apicbase = msrs.e[0].data;
    snap->tsc_deadline = n > 1 ? msrs.e[1].data : 0;
    snap->ok = true;
}

bool kvm_lapic_read_common(X86CPU *cpu, KVMInfoApicView *view, GError **errp)
{
    KVMLapicSnapshot snap = { .ok = false };
    ApicRegs base = { 0 };

    if (!kvm_irqchip_in_kernel() || !cpu->accel_data) {
        error_setg(errp, "CPU %d has no in-kernel local APIC",
                   cpu->cpu_index);
        return false;
    }
    kvm_run_on_cpu(cpu, kvm_do_get_lapic, &snap);
    if (!snap.ok) {
        error_setg(errp, "CPU %d: %s", cpu->cpu_index, snap.err);
        return false;
    }
    base.apicbase = snap.apicbase;
    base.tsc_deadline = snap.tsc_deadline;
    kvm_lapic_to_common(&snap.page, kvm_state->x2apic_api, &base, &view->regs);
    view->version = kvm_lapic_get_reg(&snap.page, APIC_REG_VERSION);
    view->current_count = kvm_lapic_get_reg(&snap.page, APIC_REG_TIMER_CCR);
    return true;
}

static X86CPU *kvm_info_find_cpu(Monitor *mon, const char *args,
                                 GString *out)
{
    MachineState *ms = current_machine;
    const char *p = args ? args : "";

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (!ms || !ms->cpus) {
        g_string_append(out, "No machine\n");
        return NULL;
    }
    if (*p) {
        char *end;
        unsigned long id = strtoul(p, &end, 0);

        while (*end == ' ' || *end == '\t') {
            end++;
        }
        if (*end || end == p) {
            g_string_append_printf(out, "Invalid APIC ID '%s'\n", p);
            return NULL;
        }
        for (unsigned i = 0; i < ms->smp_cpus; i++) {
            if (ms->cpus[i] && ms->cpus[i]->apic_id == id) {
                return ms->cpus[i];
            }
        }
        g_string_append_printf(out, "No local APIC with APIC ID %lu\n", id);
        return NULL;
    }
    int index = mon ? monitor_get_cpu_index(mon) : 0;
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        if (ms->cpus[i] && ms->cpus[i]->cpu_index == index) {
            return ms->cpus[i];
        }
    }
    g_string_append_printf(out, "CPU %d has no local APIC\n", index);
    return NULL;
}

void kvm_info_lapic_text(X86CPU *cpu, GString *out)
{
    KVMInfoApicView view;
    KVMInfoApic a;
    GError *err = NULL;

    if (!kvm_lapic_read_common(cpu, &view, &err)) {
        g_string_append_printf(out, "%s\n", err->message);
        g_error_free(err);
        return;
    }
    memset(&a, 0, sizeof(a));
    a.s.cpu = cpu;
    a.s.ops = &kvm_info_apic_ops;
    a.s.initial_id = cpu->apic_id;
    a.s.cmci = ((view.version >> LVR_MAX_LVT_SHIFT) & 0xff) >= 6;
    a.s.r = view.regs;
    a.current_count = view.current_count;
    apic_info_lapic(&a.s, out);
    g_string_append_printf(out, "KVM      LVR 0x%08x (the kernel's version "
                           "register), current count %u\n", view.version,
                           view.current_count);
}

static void kvm_hmp_info_lapic(Monitor *mon, const char *args, GString *out)
{
    X86CPU *cpu = kvm_info_find_cpu(mon, args, out);

    if (cpu) {
        kvm_info_lapic_text(cpu, out);
    }
}

static bool kvm_get_chip(uint32_t id, struct kvm_irqchip *chip,
                         GString *out)
{
    memset(chip, 0, sizeof(*chip));
    chip->chip_id = id;
    if (kvm_vm_ioctl(KVM_GET_IRQCHIP, chip) < 0) {
        g_string_append_printf(out, "KVM_GET_IRQCHIP (chip %u): %s\n", id,
                               g_strerror(errno));
        return false;
    }
    return true;
}

void kvm_info_ioapic_text(GString *out)
{
    struct kvm_irqchip chip;
    IOAPICSavedState base = { 0 }, st;
    IOAPICCommonState *s;

    if (!kvm_get_chip(KVM_IRQCHIP_IOAPIC, &chip, out)) {
        return;
    }
    kvm_ioapic_to_common(&chip.chip.ioapic, &base, &st);
    s = g_new0(IOAPICCommonState, 1);
    /* KVM's IOAPIC answers version 0x11 (an 82093AA, no EOI register). */
    s->version = IOAPIC_VERSION_82093AA;
    s->id = st.id;
    s->ioregsel = st.ioregsel;
    s->irr = st.irr;
    memcpy(s->ioredtbl, st.ioredtbl, sizeof(s->ioredtbl));
    ioapic_print_info(s, 0, out);
    g_free(s);
}

static void kvm_hmp_info_ioapic(Monitor *mon, const char *args, GString *out)
{
    kvm_info_ioapic_text(out);
}

void kvm_info_pic_text(GString *out)
{
    struct kvm_irqchip chip;
    PICChip base = { 0 };
    I8259State *s = g_new0(I8259State, 1);

    for (int i = 0; i < 2; i++) {
        if (!kvm_get_chip(i == 0 ? KVM_IRQCHIP_PIC_MASTER
                                 : KVM_IRQCHIP_PIC_SLAVE, &chip, out)) {
            g_free(s);
            return;
        }
        kvm_pic_to_common(&chip.chip.pic, &base, &s->chip[i]);
    }
    i8259_info(s, out);
    g_free(s);
}

static void kvm_hmp_info_pic(Monitor *mon, const char *args, GString *out)
{
    kvm_info_pic_text(out);
}

/* ---- `info irq` ---- */

static GMutex kvm_irq_stats_lock;
static struct {
    uint64_t gsi[KVM_PC_GSI_COUNT];
    uint32_t gsi_level;             /* bit n: last level of GSI n */
    GHashTable *msi;                /* key kvm_irq_msi_key -> count */
    uint64_t extint[256];           /* by vector (the BSP takes them) */
    int extint_cpu;
} kvm_irq_stats;

/* vector 7:0, destination 39:8, logical 40, delivery mode 43:41. */
static guint64 kvm_irq_msi_key(const ApicMessage *m)
{
    return (guint64)m->vector | ((guint64)m->dest << 8) |
           ((guint64)m->dest_logical << 40) |
           ((guint64)(m->delivery_mode & 7) << 41);
}

void kvm_irq_stats_line(int gsi, int level)
{
    if (gsi < 0 || gsi >= KVM_PC_GSI_COUNT) {
        return;
    }
    g_mutex_lock(&kvm_irq_stats_lock);
    if (level && !(kvm_irq_stats.gsi_level & (1U << gsi))) {
        kvm_irq_stats.gsi[gsi]++;
    }
    kvm_irq_stats.gsi_level = level ? kvm_irq_stats.gsi_level | (1U << gsi)
                                    : kvm_irq_stats.gsi_level & ~(1U << gsi);
    g_mutex_unlock(&kvm_irq_stats_lock);
}

void kvm_irq_stats_msi(uint64_t addr, uint32_t data)
{
    ApicMessage m;
    guint64 key;
    guint64 *count;

    /* The x2APIC API's extended destination (address bits 63:40 hold
     * destination bits 31:8) is folded in as the kernel reads it. */
    if (!msi_decode(addr & 0xffffffffULL, data, &m)) {
        return;
    }
    m.dest |= (uint32_t)(addr >> 32) & 0xffffff00U;
    key = kvm_irq_msi_key(&m);
    g_mutex_lock(&kvm_irq_stats_lock);
    if (!kvm_irq_stats.msi) {
        kvm_irq_stats.msi = g_hash_table_new_full(g_int64_hash,
                                                  g_int64_equal, g_free,
                                                  g_free);
    }
    count = g_hash_table_lookup(kvm_irq_stats.msi, &key);
    if (!count) {
        guint64 *k = g_new(guint64, 1);
        *k = key;
        count = g_new0(guint64, 1);
        g_hash_table_insert(kvm_irq_stats.msi, k, count);
    }
    (*count)++;
    g_mutex_unlock(&kvm_irq_stats_lock);
}

void kvm_irq_stats_extint(int cpu_index, int vector)
{
    g_mutex_lock(&kvm_irq_stats_lock);
    kvm_irq_stats.extint[vector & 0xff]++;
    kvm_irq_stats.extint_cpu = cpu_index;
    g_mutex_unlock(&kvm_irq_stats_lock);
}

void kvm_irq_stats_reset(void)
{
    g_mutex_lock(&kvm_irq_stats_lock);
    if (kvm_irq_stats.msi) {
        g_hash_table_destroy(kvm_irq_stats.msi);
    }
    memset(&kvm_irq_stats, 0, sizeof(kvm_irq_stats));
    g_mutex_unlock(&kvm_irq_stats_lock);
}

static gint kvm_irq_key_cmp(gconstpointer a, gconstpointer b)
{
    guint64 x = **(guint64 *const *)a, y = **(guint64 *const *)b;

    /* By vector, then destination. */
    if ((x & 0xff) != (y & 0xff)) {
        return (x & 0xff) < (y & 0xff) ? -1 : 1;
    }
    return x < y ? -1 : x > y;
}

static const char *const kvm_irq_dm_names[8] = {
    "fixed", "lowest-priority", "SMI", "reserved", "NMI", "INIT", "reserved",
    "ExtINT",
};

void kvm_info_irq_text(GString *out)
{
    bool any = false;

    g_mutex_lock(&kvm_irq_stats_lock);
    if (kvm_ioapic_in_kernel()) {
        g_string_append(out, "IRQ statistics for kvm (GSI lines raised "
                        "with KVM_IRQ_LINE, rising edges):\n");
        for (int i = 0; i < KVM_PC_GSI_COUNT; i++) {
            if (kvm_irq_stats.gsi[i]) {
                g_string_append_printf(out, " %d: %" PRIu64 "\n", i,
                                       kvm_irq_stats.gsi[i]);
            }
        }
    }
    g_string_append(out, "IRQ statistics for kvm (MSIs sent with "
                    "KVM_SIGNAL_MSI, by vector and destination):\n");
    if (kvm_irq_stats.msi) {
        g_autoptr(GPtrArray) keys = g_ptr_array_new();
        GHashTableIter it;
        gpointer k, v;

        g_hash_table_iter_init(&it, kvm_irq_stats.msi);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            g_ptr_array_add(keys, k);
        }
        g_ptr_array_sort(keys, kvm_irq_key_cmp);
        for (guint i = 0; i < keys->len; i++) {
            guint64 key = *(guint64 *)g_ptr_array_index(keys, i);
            guint64 *count = g_hash_table_lookup(kvm_irq_stats.msi, &key);
            g_string_append_printf(out, " 0x%02x %s -> %s 0x%x: %" PRIu64
                                   "\n", (unsigned)(key & 0xff),
                                   kvm_irq_dm_names[(key >> 41) & 7],
                                   (key >> 40) & 1 ? "logical" : "APIC ID",
                                   (unsigned)((key >> 8) & 0xffffffffU),
                                   *count);
        }
    }
    if (kvm_state && kvm_state->irqchip == KVM_IRQCHIP_SPLIT) {
        for (int v = 0; v < 256; v++) {
            if (!kvm_irq_stats.extint[v]) {
                continue;
            }
            if (!any) {
                g_string_append_printf(out, "IRQ statistics for kvm (ExtINT "
                                       "from the i8259, injected into CPU "
                                       "%d with KVM_INTERRUPT):\n",
                                       kvm_irq_stats.extint_cpu);
                any = true;
            }
            g_string_append_printf(out, " 0x%02x: %" PRIu64 "\n", v,
                                   kvm_irq_stats.extint[v]);
        }
    }
    g_mutex_unlock(&kvm_irq_stats_lock);
    g_string_append_printf(out, "Not available with kernel-irqchip=%s: "
                           "which CPU accepted each vector, and interrupts "
                           "the kernel raises itself (LAPIC timer, IPIs%s); "
                           "the kernel's delivery keeps no counts lapis can "
                           "read.\n", kvm_irqchip_mode_name(),
                           kvm_ioapic_in_kernel() ? ", its IOAPIC's and "
                           "PIC's acceptance" : "");
}

static void kvm_hmp_info_irq(Monitor *mon, const char *args, GString *out)
{
    if (!kvm_ioapic_in_kernel()) {
        /* split: our IOAPIC and 8259 count what they delivered. */
        ioapic_info_irq(out);
        i8259_info_irq(out);
    }
    kvm_info_irq_text(out);
}

void kvm_irqchip_register_info(void)
{
    if (!kvm_irqchip_in_kernel()) {
        return;
    }
    hmp_register_info("lapic", "[apic-id]",
                      "show local apic state (apic-id: local apic to read, "
                      "default is which of current CPU)", kvm_hmp_info_lapic);
    if (kvm_ioapic_in_kernel()) {
        hmp_register_info("ioapic", "", "show io apic state",
                          kvm_hmp_info_ioapic);
        hmp_register_info("pic", "", "show PIC state", kvm_hmp_info_pic);
    }
    hmp_register_info("irq", "", "show the interrupts statistics (if "
                      "available)", kvm_hmp_info_irq);
}
