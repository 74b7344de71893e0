/*
 * x86 board helpers: giving each CPU its local APIC (include/hw/i386/x86.h
 * states the contract). The machine calls x86_cpu_apic_realize() once per
 * CPU after creating it; the LAPIC then owns IA32_APIC_BASE, the x2APIC MSRs
 * and IA32_TSC_DEADLINE of that CPU and maps its page into the CPU's own
 * address space. The first LAPIC also registers the monitor commands that
 * read the LAPICs: HMP `info lapic [APIC-ID]`, `info irq` (the IOAPIC's
 * per-GSI counts and the LAPICs' per-vector counts) and QMP `inject-nmi`.
 * Left out: CPU hotplug, and the in-kernel (KVM) LAPIC device.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "hw/qdev.h"
#include "hw/i386/x86.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_internal.h"
#include "hw/intc/ioapic.h"
#include "monitor/monitor.h"
#include "target/i386/cpu.h"

static void hmp_info_lapic(Monitor *mon, const char *args, GString *out)
{
    APICCommonState *s;
    const char *p = args ? args : "";

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p) {
        char *end;
        unsigned long id = strtoul(p, &end, 0);

        while (*end == ' ' || *end == '\t') {
            end++;
        }
        if (*end || end == p) {
            g_string_append_printf(out, "Invalid APIC ID '%s'\n", p);
            return;
        }
        s = apic_find_by_apic_id((uint32_t)id);
        if (!s) {
            g_string_append_printf(out, "No local APIC with APIC ID %lu\n",
                                   id);
            return;
        }
    } else {
        int index = mon ? monitor_get_cpu_index(mon) : 0;

        s = apic_bus_apic_by_cpu_index(index);
        if (!s) {
            g_string_append_printf(out, "CPU %d has no local APIC\n", index);
            return;
        }
    }
    apic_info_lapic(s, out);
}

/* `info irq`: the IOAPIC's per-GSI counts, then the LAPICs' per-vector,
 * per-CPU counts of interrupts accepted into the IRR. */
static void hmp_info_irq(Monitor *mon, const char *args, GString *out)
{
    ioapic_info_irq(out);
    apic_info_irq(out);
}

static JsonNode *qmp_inject_nmi(Monitor *mon, JsonObject *args, GError **errp)
{
    apic_inject_nmi_all();
    return NULL;
}

static const QmpCommand qmp_inject_nmi_cmd = {
    .name = "inject-nmi",
    .fn = qmp_inject_nmi,
};

static void x86_apic_register_monitor(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    hmp_register_info("lapic", "[apic-id]",
                      "show local apic state (apic-id: local apic to read, "
                      "default is which of current CPU)", hmp_info_lapic);
    hmp_register_info("irq", "", "show the interrupts statistics (if "
                      "available)", hmp_info_irq);
    qmp_register_command(&qmp_inject_nmi_cmd);
}

bool x86_cpu_apic_realize(X86CPU *cpu, GError **errp)
{
    DeviceState *dev;
    g_autofree char *name = NULL;

    if (!x86_cpu_has_feature(cpu, FEAT_1_EDX, CPUID_APIC)) {
        error_setg(errp, "CPU %d: the CPU model has no local APIC "
                   "(CPUID.1:EDX.APIC is off)", cpu->cpu_index);
        return false;
    }
    dev = qdev_new(TYPE_APIC);
    qdev_prop_set_uint32(dev, "id", cpu->apic_id);
    apic_common_from_dev(dev)->cpu = cpu;
    name = g_strdup_printf("apic[%d]", cpu->cpu_index);
    if (!qdev_realize(dev, name, errp)) {
        return false;
    }
    x86_apic_register_monitor();
    return true;
}

void x86_cpu_apic_unrealize(X86CPU *cpu)
{
    if (cpu && cpu->apic) {
        qdev_unrealize_and_free(DEVICE(cpu->apic));
    }
}
