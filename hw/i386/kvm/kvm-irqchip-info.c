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
 * Left out: `info irq` statistics (the kernel counts nothing for us), and
 * whether the kernel's LAPIC timer is armed (its hrtimer is not visible).
 */
#include "qemu/osdep.h"
#include "hw/i386/kvm/kvm-irqchip-info.h"
#include "hw/i386/kvm/kvm-irqchip-state.h"
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
}
