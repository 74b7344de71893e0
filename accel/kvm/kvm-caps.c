/*
 * Pure pieces of the KVM accelerator, kept apart from the ioctls so the unit
 * tests can check them on hosts without /dev/kvm: the kernel-irqchip option
 * values, the capabilities each mode relies on (the KVM API documentation,
 * Documentation/virt/kvm/api.rst, section 4 for each ioctl and section 7/8
 * for the capabilities), and the GSI routing table that matches the PC's
 * wiring (ISA IRQ 0 on IOAPIC pin 2, as the MP table's and the ACPI MADT's
 * interrupt source override say). Left out: capabilities of features lapis
 * does not use (PIT in the kernel, ioeventfd, dirty logging).
 */
#include "qemu/osdep.h"
#include "accel/kvm/kvm-int.h"

bool kvm_irqchip_mode_parse(const char *value, KVMIrqchipMode *mode,
                            GError **errp)
{
    /* QEMU's kernel-irqchip is an OnOffSplit; it also takes bool words. */
    if (!strcmp(value, "on") || !strcmp(value, "true") ||
        !strcmp(value, "yes")) {
        *mode = KVM_IRQCHIP_ON;
    } else if (!strcmp(value, "split")) {
        *mode = KVM_IRQCHIP_SPLIT;
    } else if (!strcmp(value, "off") || !strcmp(value, "false") ||
               !strcmp(value, "no")) {
        *mode = KVM_IRQCHIP_OFF;
    } else {
        error_setg(errp, "Parameter 'kernel-irqchip' does not accept value "
                   "'%s' (expected on, split or off)", value);
        return false;
    }
    return true;
}

const char *kvm_irqchip_mode_str(KVMIrqchipMode mode)
{
    switch (mode) {
    case KVM_IRQCHIP_ON:
        return "on";
    case KVM_IRQCHIP_SPLIT:
        return "split";
    case KVM_IRQCHIP_OFF:
        return "off";
    }
    return "unknown";
}

#define REQ(c, w) { c, #c, w, false }
#define REQ_VM(c, w) { c, #c, w, true }

/*
 * What every mode needs: guest RAM in user memory slots, CPUID leaves
 * beyond the old interface, the real-mode TSS area (VMX hosts), and
 * immediate_exit, which our signal kicks rely on.
 */
#define KVM_COMMON_REQS \
    REQ(KVM_CAP_USER_MEMORY, "user memory slots"), \
    REQ(KVM_CAP_EXT_CPUID, "KVM_SET_CPUID2"), \
    REQ(KVM_CAP_SET_TSS_ADDR, "the real-mode TSS address"), \
    REQ(KVM_CAP_IMMEDIATE_EXIT, "immediate_exit"), \
    REQ(KVM_CAP_MP_STATE, "vCPU MP state")

static const KVMCapRequirement kvm_reqs_on[] = {
    KVM_COMMON_REQS,
    REQ(KVM_CAP_IRQCHIP, "an in-kernel irqchip"),
    REQ(KVM_CAP_IRQ_ROUTING, "GSI routing"),
    REQ_VM(KVM_CAP_SIGNAL_MSI, "MSI injection"),
    { 0, NULL, NULL, false },
};

static const KVMCapRequirement kvm_reqs_split[] = {
    KVM_COMMON_REQS,
    REQ_VM(KVM_CAP_SPLIT_IRQCHIP, "a split irqchip"),
    REQ_VM(KVM_CAP_X2APIC_API, "the x2APIC API"),
    REQ_VM(KVM_CAP_SIGNAL_MSI, "MSI injection"),
    REQ(KVM_CAP_IRQ_ROUTING, "GSI routing"),
    { 0, NULL, NULL, false },
};

static const KVMCapRequirement kvm_reqs_off[] = {
    KVM_COMMON_REQS,
    REQ_VM(KVM_CAP_X86_USER_SPACE_MSR, "MSR accesses in user space"),
    REQ_VM(KVM_CAP_X86_MSR_FILTER, "an MSR filter"),
    { 0, NULL, NULL, false },
};

const KVMCapRequirement *kvm_mode_requirements(KVMIrqchipMode mode)
{
    switch (mode) {
    case KVM_IRQCHIP_ON:
        return kvm_reqs_on;
    case KVM_IRQCHIP_SPLIT:
        return kvm_reqs_split;
    case KVM_IRQCHIP_OFF:
        return kvm_reqs_off;
    }
    return kvm_reqs_on;
}

bool kvm_check_mode_caps(KVMIrqchipMode mode, KVMCapQueryFn query,
                         void *opaque, GError **errp)
{
    const KVMCapRequirement *r = kvm_mode_requirements(mode);
    g_autoptr(GString) missing = g_string_new(NULL);

    for (; r->name; r++) {
        if (query(r->cap, r->vm_level, opaque) <= 0) {
            g_string_append_printf(missing, "%s%s (%s)",
                                   missing->len ? ", " : "", r->name, r->what);
        }
    }
    if (missing->len) {
        error_set(errp, ERROR_CLASS_KVM_MISSING_CAP,
                  "kernel-irqchip=%s needs KVM capabilities the host lacks: %s",
                  kvm_irqchip_mode_str(mode), missing->str);
        return false;
    }
    return true;
}

/*
 * GSI n goes to i8259 input n (master 0-7, slave 8-15) and IOAPIC pin n,
 * with two PC exceptions: ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2,
 * and IRQ 2 is the cascade input of the master PIC, so GSI 2 reaches
 * neither chip.
 */
int kvm_pc_gsi_routes(struct kvm_irq_routing_entry *out, int max)
{
    int n = 0;

    for (int gsi = 0; gsi < KVM_PC_GSI_COUNT; gsi++) {
        struct kvm_irq_routing_entry e[2];
        int count = 0;

        if (gsi == 2) {
            continue;
        }
        if (gsi < 16) {
            memset(&e[count], 0, sizeof(e[count]));
            e[count].gsi = (uint32_t)gsi;
            e[count].type = KVM_IRQ_ROUTING_IRQCHIP;
            e[count].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
                                                 : KVM_IRQCHIP_PIC_SLAVE;
            e[count].u.irqchip.pin = (uint32_t)(gsi & 7);
            count++;
        }
        memset(&e[count], 0, sizeof(e[count]));
        e[count].gsi = (uint32_t)gsi;
        e[count].type = KVM_IRQ_ROUTING_IRQCHIP;
        e[count].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
        e[count].u.irqchip.pin = gsi == 0 ? 2 : (uint32_t)gsi;
        count++;
        for (int i = 0; i < count; i++) {
            if (out && n < max) {
                out[n] = e[i];
            }
            n++;
        }
    }
    if (n > max && out) {
        /* Too small: say how many are needed, fill nothing half-way. */
        memset(out, 0, sizeof(*out) * (size_t)max);
    }
    return n;
}
