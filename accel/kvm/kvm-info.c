/*
 * `info irqchip` (HMP) and `x-query-irqchip` (QMP): which accelerator runs
 * the machine, its kernel-irqchip mode, whether the host has APIC
 * virtualization (Intel APICv, AMD AVIC: the KVM module parameters
 * kvm_intel.enable_apicv and kvm_amd.avic) and whether an in-kernel LAPIC
 * uses it, and where the LAPIC, IOAPIC and PIC live. Built with or without
 * KVM support, so every accelerator answers. Left out: per-vCPU APICv
 * inhibits (the kernel does not report them to userspace).
 */
#include "qemu/osdep.h"
#include "accel/accel.h"
#include "accel/kvm.h"
#include "monitor/monitor.h"

int kvm_module_param_bool(const char *text)
{
    if (!text) {
        return -1;
    }
    while (*text == ' ' || *text == '\t') {
        text++;
    }
    switch (text[0]) {
    case 'Y':
    case 'y':
    case '1':
        return 1;
    case 'N':
    case 'n':
    case '0':
        return 0;
    default:
        return -1;
    }
}

typedef struct IrqchipReport {
    const char *accel;
    const char *mode;           /* kernel-irqchip, "none" without kvm */
    const char *apicv;          /* "APICv", "AVIC" or "unknown" */
    bool apicv_enabled;         /* the module parameter says on */
    bool apicv_active;          /* ... and an in-kernel LAPIC uses it */
    const char *lapic, *ioapic, *pic;
} IrqchipReport;

static int read_module_param(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    return kvm_module_param_bool(text);
}

static void irqchip_report(IrqchipReport *r)
{
    const AccelClass *ac = current_accel();
    bool kvm = kvm_enabled();
    int intel = read_module_param(
        "/sys/module/kvm_intel/parameters/enable_apicv");
    int amd = read_module_param("/sys/module/kvm_amd/parameters/avic");

    r->accel = ac ? ac->name : "none";
    r->mode = kvm_irqchip_mode_name();
    if (intel >= 0) {
        r->apicv = "APICv";
        r->apicv_enabled = intel > 0;
    } else if (amd >= 0) {
        r->apicv = "AVIC";
        r->apicv_enabled = amd > 0;
    } else {
        r->apicv = "unknown";
        r->apicv_enabled = false;
    }
    r->apicv_active = r->apicv_enabled && kvm_irqchip_in_kernel();
    r->lapic = kvm && kvm_irqchip_in_kernel() ? "kernel" : "userspace";
    r->ioapic = kvm && kvm_ioapic_in_kernel() ? "kernel" : "userspace";
    r->pic = r->ioapic;
}

static void hmp_info_irqchip(Monitor *mon, const char *args, GString *out)
{
    IrqchipReport r;

    irqchip_report(&r);
    g_string_append_printf(out, "accelerator: %s\n", r.accel);
    g_string_append_printf(out, "kernel-irqchip: %s\n", r.mode);
    g_string_append_printf(out, "APIC virtualization: %s, %s\n", r.apicv,
                           r.apicv_active ? "active" : "inactive");
    g_string_append_printf(out, "LAPIC: %s\n", r.lapic);
    g_string_append_printf(out, "IOAPIC: %s\n", r.ioapic);
    g_string_append_printf(out, "PIC: %s\n", r.pic);
}

static JsonNode *qmp_x_query_irqchip(Monitor *mon, JsonObject *args,
                                     GError **errp)
{
    IrqchipReport r;
    JsonObject *o = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    irqchip_report(&r);
    json_object_set_string_member(o, "accelerator", r.accel);
    json_object_set_string_member(o, "kernel-irqchip", r.mode);
    json_object_set_string_member(o, "apic-virtualization", r.apicv);
    json_object_set_boolean_member(o, "apic-virtualization-enabled",
                                   r.apicv_enabled);
    json_object_set_boolean_member(o, "apic-virtualization-active",
                                   r.apicv_active);
    json_object_set_string_member(o, "lapic", r.lapic);
    json_object_set_string_member(o, "ioapic", r.ioapic);
    json_object_set_string_member(o, "pic", r.pic);
    json_node_take_object(node, o);
    return node;
}

static const QmpCommand qmp_x_query_irqchip_cmd = {
    .name = "x-query-irqchip",
    .fn = qmp_x_query_irqchip,
};

static void __attribute__((constructor)) kvm_register_monitor(void)
{
    qmp_register_command(&qmp_x_query_irqchip_cmd);
    hmp_register_info("irqchip", "",
                      "show the accelerator's interrupt controllers",
                      hmp_info_irqchip);
}
