/*
 * APIC bus messages into the kernel's LAPICs. With kernel-irqchip=on or
 * split, the LAPICs live in KVM, so the few messages that begin in
 * userspace (MSIs that devices write to the MSI window, and the IOAPIC's
 * messages under split) are re-encoded as MSIs and sent with
 * KVM_SIGNAL_MSI; the kernel then does the destination matching and
 * lowest-priority arbitration. Shorthands, which an MSI cannot express,
 * only come from a LAPIC's ICR, and the ICR is in the kernel here; they are
 * still turned into one message per target so nothing is lost. Under
 * kernel-irqchip=split the IOAPIC is ours, and the kernel reports the EOI of
 * a level-triggered vector only if it finds the vector in the MSI routes of
 * the GSIs reserved for the IOAPIC; so before an IOAPIC message goes out,
 * those routes are brought up to date with our redirection table (one
 * KVM_SET_GSI_ROUTING when it changed). Follows the MSI format of the SDM
 * (vol. 3A 12.11, 2024 numbering). Left out: the remappable
 * (interrupt-remapping) MSI format.
 */
#include "qemu/osdep.h"
#include "hw/i386/kvm/kvm-apic-bus.h"
#include "accel/kvm.h"
#include "accel/kvm/kvm-int.h"
#include "hw/intc/ioapic.h"
#include "hw/qdev.h"
#include "hw/boards.h"
#include "target/i386/cpu.h"

#define MSI_ADDR_BASE       0xfee00000ULL
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_ADDR_RH         (1ULL << 3)
#define MSI_ADDR_DM         (1ULL << 2)
/* KVM's x2APIC API: destination bits 31:8 in address bits 63:40. */
#define MSI_ADDR_EXT_DEST_SHIFT 32
#define MSI_DATA_DM_SHIFT   8
#define MSI_DATA_LEVEL      (1U << 14)
#define MSI_DATA_TRIGGER    (1U << 15)
#define APIC_BROADCAST_XAPIC 0xff

void kvm_apic_msg_to_msi(const ApicMessage *msg, bool ext_dest,
                         uint64_t *addr, uint32_t *data)
{
    *addr = MSI_ADDR_BASE |
            ((uint64_t)(msg->dest & 0xff) << MSI_ADDR_DEST_SHIFT) |
            (msg->redir_hint ? MSI_ADDR_RH : 0) |
            (msg->dest_logical ? MSI_ADDR_DM : 0);
    if (ext_dest) {
        *addr |= (uint64_t)(msg->dest & 0xffffff00U) << MSI_ADDR_EXT_DEST_SHIFT;
    }
    *data = msg->vector |
            ((uint32_t)(msg->delivery_mode & 7) << MSI_DATA_DM_SHIFT) |
            (msg->level ? MSI_DATA_LEVEL : 0) |
            (msg->trigger_level ? MSI_DATA_TRIGGER : 0);
}

/* IOAPIC redirection entry fields (82093AA datasheet 3.2.4). */
#define IOAPIC_RTE_VECTOR       0xffULL
#define IOAPIC_RTE_DM_SHIFT     8
#define IOAPIC_RTE_DEST_LOGICAL (1ULL << 11)
#define IOAPIC_RTE_LEVEL        (1ULL << 15)
#define IOAPIC_RTE_MASKED       (1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT   56

void kvm_ioapic_entry_to_msi(uint64_t entry, uint64_t *addr, uint32_t *data)
{
    ApicMessage m = {
        .dest = (uint32_t)(entry >> IOAPIC_RTE_DEST_SHIFT),
        .dest_logical = entry & IOAPIC_RTE_DEST_LOGICAL,
        .vector = (uint8_t)(entry & IOAPIC_RTE_VECTOR),
        .delivery_mode = (ApicDeliveryMode)((entry >> IOAPIC_RTE_DM_SHIFT) & 7),
        .trigger_level = entry & IOAPIC_RTE_LEVEL,
        .level = true,
    };

    kvm_apic_msg_to_msi(&m, false, addr, data);
}

int kvm_split_ioapic_routes(const uint64_t *redtbl, int npins,
                            struct kvm_irq_routing_entry *out)
{
    int n = 0;

    for (int pin = 0; pin < npins; pin++) {
        uint64_t addr;
        uint32_t data;

        if (redtbl[pin] & IOAPIC_RTE_MASKED) {
            continue;
        }
        kvm_ioapic_entry_to_msi(redtbl[pin], &addr, &data);
        memset(&out[n], 0, sizeof(out[n]));
        out[n].gsi = (uint32_t)pin;
        out[n].type = KVM_IRQ_ROUTING_MSI;
        out[n].u.msi.address_lo = (uint32_t)addr;
        out[n].u.msi.address_hi = (uint32_t)(addr >> 32);
        out[n].u.msi.data = data;
        n++;
    }
    return n;
}

/* The routes last given to the kernel (split only). */
static struct {
    bool valid;
    int n;
    struct kvm_irq_routing_entry e[IOAPIC_NUM_PINS];
} split_routes;

static void kvm_split_refresh_routes(void)
{
    DeviceState *dev = qdev_find("/machine/ioapic");
    IOAPICSavedState st;
    struct kvm_irq_routing_entry e[IOAPIC_NUM_PINS];
    g_autofree struct kvm_irq_routing *table = NULL;
    int n;

    if (!dev) {
        return;
    }
    ioapic_get_state(dev, &st);
    n = kvm_split_ioapic_routes(st.ioredtbl, IOAPIC_NUM_PINS, e);
    if (split_routes.valid && split_routes.n == n &&
        memcmp(split_routes.e, e, sizeof(e[0]) * (size_t)n) == 0) {
        return;
    }
    table = g_malloc0(sizeof(*table) + (size_t)n * sizeof(table->entries[0]));
    table->nr = (uint32_t)n;
    memcpy(table->entries, e, sizeof(e[0]) * (size_t)n);
    if (kvm_vm_ioctl(KVM_SET_GSI_ROUTING, table) == 0) {
        split_routes.valid = true;
        split_routes.n = n;
        memcpy(split_routes.e, e, sizeof(e[0]) * (size_t)n);
    }
}

static void kvm_apic_bus_send(const ApicMessage *msg)
{
    uint64_t addr;
    uint32_t data;
    GError *err = NULL;

    if (msg->source == APIC_SRC_IOAPIC && kvm_state &&
        kvm_state->irqchip == KVM_IRQCHIP_SPLIT) {
        kvm_split_refresh_routes();
    }
    kvm_apic_msg_to_msi(msg, kvm_state && kvm_state->x2apic_api, &addr,
                        &data);
    if (!kvm_send_msi(addr, data, &err)) {
        /* A message the kernel refuses is dropped, as one to an absent
         * APIC ID would be. */
        g_error_free(err);
    }
}

static void kvm_apic_bus_deliver(const ApicMessage *msg)
{
    MachineState *ms = current_machine;
    ApicMessage one = *msg;

    switch (msg->shorthand) {
    case APIC_SH_NONE:
        kvm_apic_bus_send(msg);
        return;
    case APIC_SH_ALL_INCL_SELF:
        one.shorthand = APIC_SH_NONE;
        one.dest_logical = false;
        one.dest = APIC_BROADCAST_XAPIC;
        kvm_apic_bus_send(&one);
        return;
    case APIC_SH_SELF:
    case APIC_SH_ALL_EXCL_SELF:
        break;
    }
    one.shorthand = APIC_SH_NONE;
    one.dest_logical = false;
    for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        bool self = cpu && cpu->cpu_index == msg->src_cpu;

        if (!cpu || self != (msg->shorthand == APIC_SH_SELF)) {
            continue;
        }
        one.dest = cpu->apic_id;
        kvm_apic_bus_send(&one);
    }
}

static const ApicBusOps kvm_apic_bus_ops = {
    .deliver = kvm_apic_bus_deliver,
};

void kvm_apic_bus_install(void)
{
    apic_bus_set_backend(&kvm_apic_bus_ops);
}
