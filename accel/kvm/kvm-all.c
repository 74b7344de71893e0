/*
 * The "kvm" accelerator: guest code runs on the host CPU through the
 * kernel's KVM API (Documentation/virt/kvm/api.rst). Open /dev/kvm, check
 * the API version (12) and the capabilities the chosen kernel-irqchip mode
 * needs (kvm-caps.c), create the VM and, for kernel-irqchip=on, the
 * in-kernel PIC pair, IOAPIC and LAPICs with the PC's GSI routing. Guest RAM
 * is mirrored into memory slots by a listener on the system address space
 * (only RAM becomes a slot; everything else exits to us). Each vCPU has one
 * host thread looping on KVM_RUN; an exit is served as the interpreter
 * serves the same access: MMIO through the exiting vCPU's own address space
 * (cpu->as), port I/O through address_space_io, both with the BQL held.
 * Kicks are SIGUSR1 with immediate_exit (the handler sets it, so a signal
 * that lands just before KVM_RUN still makes it return at once). vCPUs run
 * only while runstate_is_running(); state moves into the kernel before the
 * first run and after every reset, and comes back out on request
 * (kvm_cpu_synchronize_state, run on the vCPU's own thread as api.rst asks
 * of vCPU ioctls). kernel-irqchip=split keeps the LAPICs in the
 * kernel and our IOAPIC/PIC in userspace: their messages go in as MSIs
 * (hw/i386/kvm/kvm-apic-bus.c) and level-triggered EOIs come back as
 * KVM_EXIT_IOAPIC_EOI; our 8259's ExtINT reaches the BSP with KVM_INTERRUPT
 * and the interrupt window. kernel-irqchip=off runs our LAPIC, IOAPIC and
 * PIC: the loop injects what our LAPIC has pending (KVM_INTERRUPT when the
 * interrupt window is open, else request_interrupt_window; KVM_NMI;
 * KVM_SMI where the kernel has SMM), takes INIT/SIPI, keeps CR8 and the
 * TPR in step through kvm_run.cr8, keeps a halted vCPU in its thread until
 * the LAPIC wakes it, and the LAPIC's MSRs come to us through an MSR filter
 * and user-space MSR exits. Left out for now: dirty logging,
 * ioeventfd/irqfd, the in-kernel PIT, CPU hotplug.
 */
#include "qemu/osdep.h"
#include "accel/accel.h"
#include "accel/kvm.h"
#include "accel/kvm/kvm-int.h"
#include "hw/boards.h"
#include "hw/i386/kvm/kvm-apic-bus.h"
#include "hw/i386/kvm/kvm-irqchip-info.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/i8259.h"
#include "hw/irq.h"
#include "monitor/monitor.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "trace/accel.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The only KVM API version there has ever been (api.rst 4.1). */
#define KVM_API_VERSION_REQUIRED 12
/* Where the VMX real-mode helpers go: three pages of TSS and the identity
 * page table, in the hole below the BIOS area, as QEMU places them. */
#define KVM_TSS_ADDR            0xfeffd000UL
#define KVM_IDENTITY_MAP_ADDR   0xfeffc000ULL
#define KVM_MAX_SLOTS_USED      256
#define KVM_PAGE_SIZE           4096ULL

typedef struct KVMSlot {
    bool used;
    uint64_t gpa;
    uint64_t size;
    void *hva;
    uint32_t flags;
} KVMSlot;

KVMState *kvm_state;
/* The kernel-irqchip option, parsed before the VM exists. */
static KVMIrqchipMode kvm_irqchip_option = KVM_IRQCHIP_ON;
/* GSI levels raised before the irqchip existed (bit n: GSI n). */
static gint kvm_early_gsi_levels;
static MemoryListener kvm_memory_listener;
static const AccelClass kvm_accel;

/* The kvm_run of the vCPU running on this thread, for the kick handler. */
static __thread struct kvm_run *kvm_current_run;

/* ------------------------------------------------------------------------
 * Queries
 */

bool kvm_enabled(void)
{
    return current_accel() == &kvm_accel;
}

bool kvm_irqchip_in_kernel(void)
{
    return kvm_enabled() && kvm_irqchip_option != KVM_IRQCHIP_OFF;
}

bool kvm_ioapic_in_kernel(void)
{
    return kvm_enabled() && kvm_irqchip_option == KVM_IRQCHIP_ON;
}

const char *kvm_irqchip_mode_name(void)
{
    return kvm_enabled() ? kvm_irqchip_mode_str(kvm_irqchip_option) : "none";
}

int kvm_vm_ioctl(unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(kvm_state->vmfd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return ret;
}

int kvm_vcpu_ioctl(KVMCPU *kc, unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(kc->fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return ret;
}

bool kvm_has_msr(uint32_t index)
{
    const struct kvm_msr_list *l = kvm_state ? kvm_state->msr_list : NULL;

    for (uint32_t i = 0; l && i < l->nmsrs; i++) {
        if (l->indices[i] == index) {
            return true;
        }
    }
    return false;
}

static int kvm_cap_query(int cap, bool vm_level, void *opaque)
{
    KVMState *s = opaque;
    int fd = vm_level && s->vmfd >= 0 ? s->vmfd : s->fd;

    return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

/* ------------------------------------------------------------------------
 * Interrupts into the in-kernel irqchip
 */

void kvm_set_irq(int gsi, int level)
{
    struct kvm_irq_level irq;

    if (!kvm_ioapic_in_kernel() || gsi < 0 || gsi >= KVM_PC_GSI_COUNT) {
        return;
    }
    trace_kvm_set_irq(gsi, level);
    kvm_irq_stats_line(gsi, level);
    if (!kvm_state || !kvm_state->irqchip_created) {
        if (level) {
            g_atomic_int_or((guint *)&kvm_early_gsi_levels, 1U << gsi);
        } else {
            g_atomic_int_and((guint *)&kvm_early_gsi_levels, ~(1U << gsi));
        }
        return;
    }
    irq.irq = (uint32_t)gsi;
    irq.level = level ? 1 : 0;
    kvm_vm_ioctl(KVM_IRQ_LINE, &irq);
}

bool kvm_send_msi(uint64_t addr, uint32_t data, GError **errp)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)addr,
        .address_hi = (uint32_t)(addr >> 32),
        .data = data,
    };

    if (!kvm_irqchip_in_kernel() || !kvm_state ||
        !kvm_state->irqchip_created) {
        error_setg(errp, "no in-kernel LAPIC to deliver an MSI to");
        return false;
    }
    trace_kvm_send_msi(addr, data);
    if (kvm_vm_ioctl(KVM_SIGNAL_MSI, &msi) < 0) {
        error_setg(errp, "KVM_SIGNAL_MSI: %s", g_strerror(errno));
        return false;
    }
    kvm_irq_stats_msi(addr, data);
    return true;
}

/*
 * kernel-irqchip=off: the MSRs of our LAPIC (IA32_APIC_BASE, TSC_DEADLINE,
 * the x2APIC range 0x800-0x8FF) must reach it, but KVM would handle them
 * itself (or raise #GP) without an in-kernel LAPIC. An MSR filter that
 * denies them, with KVM_CAP_X86_USER_SPACE_MSR reporting filtered accesses
 * as KVM_EXIT_X86_RDMSR/WRMSR, hands every guest access to us (api.rst
 * 4.126 KVM_X86_SET_MSR_FILTER, 7.21 KVM_CAP_X86_USER_SPACE_MSR). A
 * cleared bitmap bit denies the MSR; everything outside the ranges stays
 * with the kernel. KVM ignores filters over the x2APIC range, though, and
 * without its own LAPIC fails those accesses as invalid: the INVAL and
 * UNKNOWN exit reasons bring them (and any MSR the kernel refuses) to us
 * too, so our MSR table has the last word, as under the interpreter.
 */
static const uint8_t kvm_msr_deny_all[0x100 / 8];

static bool kvm_install_msr_filter(KVMState *s, GError **errp)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_INVAL |
                   KVM_MSR_EXIT_REASON_UNKNOWN,
    };
    struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
    static const struct { uint32_t base, n; } ranges[] = {
        { MSR_IA32_APICBASE, 1 },
        { MSR_IA32_TSC_DEADLINE, 1 },
        { 0x800, 0x100 },           /* x2APIC registers (SDM 12.12.1.2) */
    };

    if (kvm_vm_ioctl(KVM_ENABLE_CAP, &cap) < 0) {
        error_setg(errp, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR): %s",
                   g_strerror(errno));
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        filter.ranges[i] = (struct kvm_msr_filter_range) {
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .nmsrs = ranges[i].n,
            .base = ranges[i].base,
            .bitmap = (uint8_t *)kvm_msr_deny_all,
        };
    }
    if (kvm_vm_ioctl(KVM_X86_SET_MSR_FILTER, &filter) < 0) {
        error_setg(errp, "KVM_X86_SET_MSR_FILTER: %s", g_strerror(errno));
        return false;
    }
    s->msr_filter = true;
    return true;
}

static bool kvm_create_irqchip(KVMState *s, GError **errp)
{
    int n = kvm_pc_gsi_routes(NULL, 0);
    g_autofree struct kvm_irq_routing *routing =
        g_malloc0(sizeof(*routing) + (size_t)n * sizeof(routing->entries[0]));
    guint early;

    if (s->irqchip == KVM_IRQCHIP_SPLIT) {
        /* LAPICs in the kernel, with GSIs 0-23 reserved for the routes
         * that mirror our IOAPIC; 32-bit x2APIC IDs in the LAPIC state and
         * MSI addresses, and no xAPIC-broadcast quirk for ID 0xff in x2APIC
         * mode (api.rst 7.7, 7.8). Both before any vCPU exists. */
        struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP,
                                        .args[0] = KVM_PC_GSI_COUNT };
        struct kvm_enable_cap x2 = {
            .cap = KVM_CAP_X2APIC_API,
            .args[0] = KVM_X2APIC_API_USE_32BIT_IDS |
                       KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK,
        };
        if (kvm_vm_ioctl(KVM_ENABLE_CAP, &split) < 0) {
            error_setg(errp, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
                       g_strerror(errno));
            return false;
        }
        if (kvm_vm_ioctl(KVM_ENABLE_CAP, &x2) < 0) {
            error_setg(errp, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API): %s",
                       g_strerror(errno));
            return false;
        }
        s->x2apic_api = true;
        s->irqchip_created = true;
        return true;
    }
    if (s->irqchip == KVM_IRQCHIP_OFF) {
        return kvm_install_msr_filter(s, errp);
    }
    if (s->irqchip != KVM_IRQCHIP_ON) {
        return true;
    }
    if (kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL) < 0) {
        error_setg(errp, "KVM_CREATE_IRQCHIP: %s", g_strerror(errno));
        return false;
    }
    routing->nr = (uint32_t)kvm_pc_gsi_routes(routing->entries, n);
    if (kvm_vm_ioctl(KVM_SET_GSI_ROUTING, routing) < 0) {
        error_setg(errp, "KVM_SET_GSI_ROUTING: %s", g_strerror(errno));
        return false;
    }
    s->irqchip_created = true;
    early = (guint)g_atomic_int_and((guint *)&kvm_early_gsi_levels, 0);
    for (int gsi = 0; gsi < KVM_PC_GSI_COUNT; gsi++) {
        if (early & (1U << gsi)) {
            kvm_set_irq(gsi, 1);
        }
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Memory slots
 */

static void kvm_slot_commit(int index, KVMSlot *slot)
{
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)index,
        .flags = slot->flags,
        .guest_phys_addr = slot->gpa,
        .memory_size = slot->used ? slot->size : 0,
        .userspace_addr = (uintptr_t)slot->hva,
    };

    trace_kvm_set_slot(index, slot->gpa, r.memory_size, (int)slot->flags);
    if (kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        /* Without the slot the guest sees no RAM there: nothing can run
         * correctly, and it is the host that failed. */
        error_report("KVM_SET_USER_MEMORY_REGION slot %d gpa 0x%" PRIx64
                     " size 0x%" PRIx64 ": %s", index, slot->gpa,
                     (uint64_t)r.memory_size, g_strerror(errno));
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
    }
}

/* The page-aligned part of a RAM section; false when nothing is left. */
static bool kvm_section_range(MemoryRegionSection *section, uint64_t *gpa,
                              uint64_t *size, void **hva)
{
    uint64_t start = section->offset_within_address_space;
    uint64_t end = start + section->size;
    uint64_t astart = (start + KVM_PAGE_SIZE - 1) & ~(KVM_PAGE_SIZE - 1);
    uint64_t aend = end & ~(KVM_PAGE_SIZE - 1);

    if (section->mr->type != MEMORY_REGION_RAM || section->size == 0 ||
        aend <= astart) {
        return false;
    }
    *gpa = astart;
    *size = aend - astart;
    *hva = section->mr->ram_ptr + section->offset_within_region +
           (astart - start);
    return true;
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *section)
{
    KVMState *s = kvm_state;
    uint64_t gpa, size;
    void *hva;

    if (!kvm_section_range(section, &gpa, &size, &hva)) {
        return;
    }
    /* Without read-only slots a ROM stays out of KVM: every access exits
     * and the memory core drops the writes. */
    if (section->readonly && !s->readonly_mem) {
        return;
    }
    for (int i = 0; i < s->nr_slots; i++) {
        KVMSlot *slot = &s->slots[i];
        if (!slot->used) {
            *slot = (KVMSlot) {
                .used = true, .gpa = gpa, .size = size, .hva = hva,
                .flags = section->readonly ? KVM_MEM_READONLY : 0,
            };
            kvm_slot_commit(i, slot);
            return;
        }
    }
    error_report("out of KVM memory slots (%d) for 0x%" PRIx64 "+0x%" PRIx64,
                 s->nr_slots, gpa, size);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *section)
{
    KVMState *s = kvm_state;
    uint64_t gpa, size;
    void *hva;

    if (!kvm_section_range(section, &gpa, &size, &hva)) {
        return;
    }
    for (int i = 0; i < s->nr_slots; i++) {
        KVMSlot *slot = &s->slots[i];
        if (slot->used && slot->gpa == gpa && slot->size == size) {
            slot->used = false;
            kvm_slot_commit(i, slot);
            return;
        }
    }
}

/* ------------------------------------------------------------------------
 * vCPU threads
 */

static void kvm_kick_handler(int sig)
{
    struct kvm_run *run = kvm_current_run;

    if (run) {
        run->immediate_exit = 1;
    }
}

/* kernel-irqchip=off: whether the vCPU has something to do in KVM_RUN, or
 * an event that changes that (INIT, SIPI, what ends a HLT). */
static bool kvm_vcpu_userspace_ready(KVMCPU *kc)
{
    CPUX86State *env = &kc->cpu->env;
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_ACQUIRE);

    if (req & (X86_INTR_INIT | X86_INTR_SIPI)) {
        return true;
    }
    switch (env->run_state) {
    case X86_RUN_RUNNING:
        return true;
    case X86_RUN_HALTED:
        return (req & X86_INTR_NMI) || ((req & X86_INTR_HARD) && kc->hlt_if);
    default:
        return false;
    }
}

static bool kvm_vcpu_can_run(KVMCPU *kc)
{
    return !kc->quit && !kc->wait_reset && !kc->stopped &&
           runstate_is_running() &&
           (kvm_state->irqchip != KVM_IRQCHIP_OFF ||
            kvm_vcpu_userspace_ready(kc));
}

static void kvm_kick_vcpu(X86CPU *cpu)
{
    KVMCPU *kc = cpu ? cpu->accel_data : NULL;
    bool started;

    if (!kc) {
        return;
    }
    trace_kvm_vcpu_kick(cpu->cpu_index);
    g_mutex_lock(&kc->lock);
    g_cond_broadcast(&kc->cond);
    started = kc->thread_started;
    g_mutex_unlock(&kc->lock);
    if (started) {
        pthread_kill(kc->thread, SIGUSR1);
    }
}

/* An I/O or MMIO exit completes only when KVM_RUN is entered again; with
 * immediate_exit set, the kernel finishes it and returns at once, so the
 * state we read or write afterwards is consistent (api.rst 5, kvm_run). */
static void kvm_vcpu_complete_io(KVMCPU *kc)
{
    if (!kc->io_pending) {
        return;
    }
    kc->run->immediate_exit = 1;
    ioctl(kc->fd, KVM_RUN, 0);
    kc->run->immediate_exit = 0;
    kc->io_pending = false;
}

static void kvm_vcpu_stop_on_error(KVMCPU *kc, const char *what)
{
    X86CPU *cpu = kc->cpu;
    g_autoptr(GString) dump = g_string_new(NULL);
    GError *err = NULL;

    bql_lock();
    if (kvm_arch_get_registers(cpu, &err)) {
        kvm_arch_dump_registers(cpu, dump);
    } else {
        g_string_append_printf(dump, "(registers unavailable: %s)\n",
                               err->message);
        g_error_free(err);
    }
    fprintf(stderr, "%s\nCPU %d:\n%s", what, cpu->cpu_index, dump->str);
    g_mutex_lock(&kc->lock);
    kc->stopped = true;
    g_mutex_unlock(&kc->lock);
    vm_stop(RUN_STATE_INTERNAL_ERROR);
    bql_unlock();
}

/*
 * kernel-irqchip=off: CR8 and our LAPIC's TPR are one register (SDM vol. 3A
 * 12.8.6.1, 2024 numbering; 10.8.6.1 before). The kernel reports the
 * guest's CR8 in kvm_run.cr8 on every exit and loads it from there on every
 * entry (api.rst 5, kvm_run: cr8). After an exit: a value other than the
 * one we put in means the guest wrote CR8, and the TPR follows. Before an
 * entry (BQL held): the TPR, which the guest may have written through the
 * APIC page or the x2APIC MSR, or INIT may have cleared, goes to CR8.
 */
static void kvm_vcpu_cr8_from_kernel(KVMCPU *kc)
{
    uint64_t cr8 = kc->run->cr8;

    if (cr8 == kc->cr8_in) {
        return;
    }
    bql_lock();
    apic_set_cr8(kc->cpu, cr8);
    trace_kvm_cr8_sync(kc->cpu->cpu_index, cr8, true);
    bql_unlock();
    kc->cr8_in = cr8;
}

static void kvm_vcpu_cr8_to_kernel(KVMCPU *kc)
{
    uint64_t cr8 = apic_get_cr8(kc->cpu);

    if (cr8 != kc->run->cr8) {
        trace_kvm_cr8_sync(kc->cpu->cpu_index, cr8, false);
    }
    kc->run->cr8 = cr8;
    kc->cr8_in = cr8;
}

static void kvm_handle_io(KVMCPU *kc)
{
    struct kvm_run *run = kc->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool out = run->io.direction == KVM_EXIT_IO_OUT;

    trace_kvm_io(kc->cpu->cpu_index, run->io.port, run->io.size, out,
                 run->io.count);
    bql_lock();
    for (uint32_t i = 0; i < run->io.count; i++) {
        address_space_rw(&address_space_io, run->io.port, data,
                         run->io.size, out);
        data += run->io.size;
    }
    bql_unlock();
}

static void kvm_handle_mmio(KVMCPU *kc)
{
    struct kvm_run *run = kc->run;

    trace_kvm_mmio(kc->cpu->cpu_index, run->mmio.phys_addr, (int)run->mmio.len,
                   run->mmio.is_write);
    bql_lock();
    address_space_rw(&kc->cpu->as, run->mmio.phys_addr, run->mmio.data,
                     run->mmio.len, run->mmio.is_write);
    if (kvm_state->irqchip == KVM_IRQCHIP_OFF && run->mmio.is_write) {
        /* It may have been the TPR on the APIC page. */
        kvm_vcpu_cr8_to_kernel(kc);
    }
    bql_unlock();
}

/*
 * kernel-irqchip=off: the guest's IA32_APIC_BASE writes reach our LAPIC
 * (the MSR filter), so the kernel's copy is written after each one: KVM
 * derives CPUID.01H:EDX.APIC[bit 9] from its enable bit (SDM vol. 3A
 * 12.4.3: a disabled APIC clears it) and reports it in kvm_run.apic_base.
 * A host-side KVM_SET_MSRS is not subject to the filter. BQL held.
 */
static void kvm_vcpu_apic_base_to_kernel(KVMCPU *kc)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = { .hdr.nmsrs = 1, .e.index = MSR_IA32_APICBASE };
    uint64_t base = 0;

    if (!x86_cpu_rdmsr(kc->cpu, MSR_IA32_APICBASE, &base)) {
        return;
    }
    m.e.data = base;
    if (kvm_vcpu_ioctl(kc, KVM_SET_MSRS, &m) != 1) {
        trace_kvm_apic_base_refused(kc->cpu->cpu_index, base);
    }
}

/* kernel-irqchip=off: a guest RDMSR/WRMSR the filter sent to us goes to
 * the CPU's MSR table (our LAPIC answers its MSRs); a refusal is a #GP. */
static void kvm_handle_msr(KVMCPU *kc)
{
    struct kvm_run *run = kc->run;
    bool ok;

    bql_lock();
    if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
        uint64_t v = 0;
        ok = x86_cpu_rdmsr(kc->cpu, run->msr.index, &v);
        run->msr.data = ok ? v : 0;
    } else {
        ok = x86_cpu_wrmsr(kc->cpu, run->msr.index, run->msr.data);
    }
    if (ok && run->exit_reason == KVM_EXIT_X86_WRMSR &&
        run->msr.index == MSR_IA32_APICBASE) {
        kvm_vcpu_apic_base_to_kernel(kc);
    }
    /* A TPR write through the x2APIC MSR is a CR8 write. */
    if (kvm_state->irqchip == KVM_IRQCHIP_OFF) {
        kvm_vcpu_cr8_to_kernel(kc);
    }
    bql_unlock();
    run->msr.error = ok ? 0 : 1;
}

/*
 * KVM_INTERRUPT queues the vector as already accepted: the kernel injects
 * it on the next entry whatever RFLAGS.IF says then (api.rst 4.16), so a
 * second one before the first reached the guest would overwrite it. When
 * KVM_RUN returned before entering (a kick), ask the kernel whether the
 * last one is still waiting.
 */
static bool kvm_vcpu_irq_still_queued(KVMCPU *kc)
{
    struct kvm_vcpu_events ev;

    if (!kc->irq_queued) {
        return false;
    }
    if (kvm_vcpu_ioctl(kc, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
        !ev.interrupt.injected) {
        kc->irq_queued = false;
    }
    return kc->irq_queued;
}

static void kvm_vcpu_inject(KVMCPU *kc, int vector)
{
    struct kvm_interrupt irq = { .irq = (uint32_t)vector };

    trace_kvm_inject_irq(kc->cpu->cpu_index, vector);
    if (kvm_vcpu_ioctl(kc, KVM_INTERRUPT, &irq) == 0) {
        kc->irq_queued = true;
    }
}

/* Whether the vCPU can take a maskable interrupt now, as the last exit
 * reported it (api.rst 5, kvm_run: ready_for_interrupt_injection, if_flag). */
static bool kvm_vcpu_window_open(KVMCPU *kc)
{
    return kc->run->ready_for_interrupt_injection && kc->run->if_flag &&
           !kvm_vcpu_irq_still_queued(kc);
}

/*
 * kernel-irqchip=off, before KVM_RUN (no locks held): take INIT and SIPI
 * (our LAPIC performs them on cpu->env, which then goes to the kernel),
 * end a HLT, inject an NMI, hand an SMI to the kernel (KVM_SMI, where it
 * has SMM) or log it, and inject the highest deliverable maskable vector
 * with KVM_INTERRUPT when the last exit said the vCPU can take one
 * (ready_for_interrupt_injection, IF set); whenever something maskable
 * stays deliverable, ask for an exit when the window opens
 * (request_interrupt_window, api.rst 5 "kvm_run"). A LAPIC event raised by
 * another thread (an IPI, an IOAPIC message, the LAPIC timer firing in the
 * main loop) kicks the vCPU out of KVM_RUN, which brings it here.
 */
static void kvm_userspace_irq_pre_run(KVMCPU *kc)
{
    X86CPU *cpu = kc->cpu;
    CPUX86State *env = &cpu->env;
    struct kvm_run *run = kc->run;
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_ACQUIRE);

    run->request_interrupt_window = 0;
    if (!(req & (X86_INTR_HARD | X86_INTR_NMI | X86_INTR_INIT |
                 X86_INTR_SIPI | X86_INTR_SMI))) {
        return;
    }
    kvm_vcpu_complete_io(kc);
    bql_lock();
    if (req & (X86_INTR_INIT | X86_INTR_SIPI)) {
        ApicIntr i = apic_intr_ack_mask(cpu, APIC_INTR_MASK(APIC_INTR_INIT) |
                                             APIC_INTR_MASK(APIC_INTR_SIPI));
        if (i.kind == APIC_INTR_INIT || i.kind == APIC_INTR_SIPI) {
            g_atomic_int_set(&kc->put_pending, 1);
            kc->irq_queued = false;
        }
    }
    if (req & X86_INTR_SMI) {
        ApicIntr i = apic_intr_ack_mask(cpu, APIC_INTR_MASK(APIC_INTR_SMI));
        if (i.kind == APIC_INTR_SMI) {
            if (kvm_state->smm) {
                kvm_vcpu_ioctl(kc, KVM_SMI, NULL);
            } else {
                qemu_log_mask(LOG_UNIMP, "kvm: CPU %d: SMI dropped: this "
                              "host's KVM has no SMM (KVM_CAP_X86_SMM)\n",
                              cpu->cpu_index);
            }
        }
    }
    if (env->run_state == X86_RUN_HALTED &&
        ((req & X86_INTR_NMI) || ((req & X86_INTR_HARD) && kc->hlt_if))) {
        env->run_state = X86_RUN_RUNNING;
    }
    if (env->run_state == X86_RUN_RUNNING) {
        if (req & X86_INTR_NMI) {
            ApicIntr i = apic_intr_ack_mask(cpu, APIC_INTR_MASK(APIC_INTR_NMI));
            if (i.kind == APIC_INTR_NMI) {
                kvm_vcpu_ioctl(kc, KVM_NMI, NULL);
            }
        }
        if ((req & X86_INTR_HARD) && apic_has_maskable_interrupt(cpu)) {
            if (kvm_vcpu_window_open(kc)) {
                int vector = apic_ack_maskable_interrupt(cpu);
                if (vector >= 0) {
                    kvm_vcpu_inject(kc, vector);
                }
            }
            if (apic_has_maskable_interrupt(cpu)) {
                run->request_interrupt_window = 1;
            }
        }
    }
    /* Acking a vector raised the PPR, not the TPR; INIT cleared the TPR. */
    kvm_vcpu_cr8_to_kernel(kc);
    bql_unlock();
}

/*
 * kernel-irqchip=split: the LAPICs are the kernel's but the 8259 is ours.
 * Its INTR reaches the BSP as on QEMU's PC (pic_irq_request): while INTR
 * is high and the kernel says the vCPU can take an ExtINT (IF set, no
 * interrupt shadow, and LINT0 of its LAPIC in ExtINT mode or the LAPIC
 * disabled: ready_for_interrupt_injection, api.rst 5), run the INTA cycle
 * and inject the vector with KVM_INTERRUPT; otherwise ask for the window.
 */
static gint kvm_pic_intr_level;

static void kvm_pic_intr_set(void *opaque, int n, int level)
{
    MachineState *ms = current_machine;

    g_atomic_int_set(&kvm_pic_intr_level, level ? 1 : 0);
    if (level && ms && ms->cpus && ms->smp_cpus) {
        for (unsigned i = 0; i < ms->smp_cpus; i++) {
            if (ms->cpus[i] && ms->cpus[i]->is_bsp) {
                kvm_kick_vcpu(ms->cpus[i]);
                return;
            }
        }
    }
}

static void kvm_split_extint_pre_run(KVMCPU *kc)
{
    struct kvm_run *run = kc->run;

    run->request_interrupt_window = 0;
    if (!kc->cpu->is_bsp || !g_atomic_int_get(&kvm_pic_intr_level)) {
        return;
    }
    if (kvm_vcpu_window_open(kc)) {
        int vector;

        bql_lock();
        vector = g_atomic_int_get(&kvm_pic_intr_level) ?
                 apic_bus_extint_ack() : -1;
        bql_unlock();
        if (vector >= 0) {
            kvm_vcpu_inject(kc, vector);
            kvm_irq_stats_extint(kc->cpu->cpu_index, vector);
        }
    }
    if (g_atomic_int_get(&kvm_pic_intr_level)) {
        run->request_interrupt_window = 1;
    }
}

/* Connect our 8259's INTR (unnamed output 0), which the board leaves
 * unconnected when the LAPICs are in the kernel. */
static void kvm_split_connect_pic(void)
{
    DeviceState *pic = qdev_find(TYPE_I8259);

    if (pic) {
        qdev_connect_gpio_out(pic, 0,
                              qemu_allocate_irq(kvm_pic_intr_set, NULL, 0));
    }
}

/* The guest asked for a reset or shut down: stay out of KVM_RUN until the
 * machine has been reset (the reset hook clears wait_reset). */
static void kvm_vcpu_wait_reset(KVMCPU *kc)
{
    g_mutex_lock(&kc->lock);
    kc->wait_reset = true;
    g_mutex_unlock(&kc->lock);
}

static void kvm_handle_exit(KVMCPU *kc)
{
    struct kvm_run *run = kc->run;
    char what[640];

    trace_kvm_run_exit(kc->cpu->cpu_index, run->exit_reason);
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        kc->io_pending = true;
        kvm_handle_io(kc);
        break;
    case KVM_EXIT_MMIO:
        kc->io_pending = true;
        kvm_handle_mmio(kc);
        break;
    case KVM_EXIT_IOAPIC_EOI:
        /* split: the guest ended a level-triggered vector of our IOAPIC
         * (remote IRR, and re-delivery if the line is still high). */
        bql_lock();
        apic_bus_broadcast_eoi(run->eoi.vector);
        bql_unlock();
        break;
    case KVM_EXIT_HLT:
        /* Only a userspace irqchip sees HLT: the vCPU waits in its thread
         * until our LAPIC has what ends it (kvm_vcpu_can_run). */
        bql_lock();
        kc->hlt_if = run->if_flag;
        kc->cpu->env.run_state = X86_RUN_HALTED;
        bql_unlock();
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        /* The loop injects before the next entry. */
        break;
    case KVM_EXIT_X86_RDMSR:
    case KVM_EXIT_X86_WRMSR:
        kc->io_pending = true;
        kvm_handle_msr(kc);
        break;
    case KVM_EXIT_SHUTDOWN:
        /* Triple fault: the PC resets (QEMU does the same). */
        kvm_vcpu_wait_reset(kc);
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        kvm_vcpu_wait_reset(kc);
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
            break;
        case KVM_SYSTEM_EVENT_RESET:
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
            break;
        case KVM_SYSTEM_EVENT_CRASH:
            bql_lock();
            vm_stop(RUN_STATE_GUEST_PANICKED);
            bql_unlock();
            break;
        default:
            snprintf(what, sizeof(what), "KVM: unknown system event %u",
                     run->system_event.type);
            kvm_vcpu_stop_on_error(kc, what);
            break;
        }
        break;
    case KVM_EXIT_INTERNAL_ERROR: {
        int len = snprintf(what, sizeof(what),
                           "KVM internal error. Suberror: %u",
                           run->internal.suberror);
        for (uint32_t i = 0; i < run->internal.ndata && i < 16 &&
             len < (int)sizeof(what); i++) {
            len += snprintf(what + len, sizeof(what) - (size_t)len,
                            "\nextra data[%u]: 0x%016llx", i,
                            (unsigned long long)run->internal.data[i]);
        }
        kvm_vcpu_stop_on_error(kc, what);
        break;
    }
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(what, sizeof(what),
                 "KVM: entry failed, hardware error 0x%llx",
                 (unsigned long long)
                 run->fail_entry.hardware_entry_failure_reason);
        kvm_vcpu_stop_on_error(kc, what);
        break;
    default:
        snprintf(what, sizeof(what), "KVM: unhandled exit reason %u",
                 run->exit_reason);
        kvm_vcpu_stop_on_error(kc, what);
        break;
    }
}

static void kvm_vcpu_put_if_pending(KVMCPU *kc)
{
    GError *err = NULL;
    bool failed = false;

    if (!g_atomic_int_get(&kc->put_pending)) {
        return;
    }
    kvm_vcpu_complete_io(kc);
    bql_lock();
    if (g_atomic_int_get(&kc->put_pending)) {
        g_atomic_int_set(&kc->put_pending, 0);
        failed = !kvm_arch_put_registers(kc->cpu, true, &err);
        kc->irq_queued = false;
        if (kvm_state->irqchip == KVM_IRQCHIP_OFF) {
            kvm_vcpu_cr8_to_kernel(kc);
        }
    }
    bql_unlock();
    if (failed) {
        char what[200];
        snprintf(what, sizeof(what), "KVM: cannot load the CPU state: %s",
                 err->message);
        g_error_free(err);
        kvm_vcpu_stop_on_error(kc, what);
    }
}

static void *kvm_vcpu_thread(void *opaque)
{
    KVMCPU *kc = opaque;
    X86CPU *cpu = kc->cpu;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    kvm_current_run = kc->run;
    monitor_set_vcpu_thread_id(cpu->cpu_index, gettid());

    for (;;) {
        void (*work)(X86CPU *cpu, void *opaque);
        void *work_opaque;
        int ret;

        g_mutex_lock(&kc->lock);
        while (!kc->quit && !kc->work && !kvm_vcpu_can_run(kc)) {
            kc->parked = true;
            g_cond_wait(&kc->cond, &kc->lock);
        }
        kc->parked = false;
        if (kc->quit) {
            g_mutex_unlock(&kc->lock);
            break;
        }
        work = kc->work;
        work_opaque = kc->work_opaque;
        g_mutex_unlock(&kc->lock);

        if (work) {
            kvm_vcpu_complete_io(kc);
            bql_lock();
            work(cpu, work_opaque);
            bql_unlock();
            g_mutex_lock(&kc->lock);
            kc->work = NULL;
            kc->work_done = true;
            g_cond_broadcast(&kc->cond);
            g_mutex_unlock(&kc->lock);
            continue;
        }

        if (kvm_state->irqchip == KVM_IRQCHIP_OFF) {
            kvm_userspace_irq_pre_run(kc);
        } else if (kvm_state->irqchip == KVM_IRQCHIP_SPLIT) {
            kvm_split_extint_pre_run(kc);
        }
        kvm_vcpu_put_if_pending(kc);
        if (!kvm_vcpu_can_run(kc) ||
            (kvm_state->irqchip == KVM_IRQCHIP_OFF &&
             kc->cpu->env.run_state != X86_RUN_RUNNING)) {
            continue;
        }
        ret = ioctl(kc->fd, KVM_RUN, 0);
        kc->run->immediate_exit = 0;
        if (kvm_state->irqchip == KVM_IRQCHIP_OFF) {
            kvm_vcpu_cr8_from_kernel(kc);
        }
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                /* Kicked, or an exit already completed: look again. */
                kc->io_pending = false;
                continue;
            }
            char what[120];
            snprintf(what, sizeof(what), "KVM_RUN: %s", g_strerror(errno));
            kvm_vcpu_stop_on_error(kc, what);
            continue;
        }
        kc->io_pending = false;
        kvm_handle_exit(kc);
    }
    kvm_current_run = NULL;
    return NULL;
}

/*
 * Run fn(cpu, opaque) on the vCPU's thread, with the BQL, while that vCPU is
 * out of KVM_RUN. Called with the BQL held (released while waiting, so a
 * vCPU that needs it to finish an exit can get it).
 */
void kvm_run_on_cpu(X86CPU *cpu, void (*fn)(X86CPU *cpu, void *opaque),
                    void *opaque)
{
    KVMCPU *kc = cpu->accel_data;
    bool started;

    g_mutex_lock(&kc->lock);
    started = kc->thread_started && !kc->quit;
    g_mutex_unlock(&kc->lock);
    if (!started || pthread_equal(pthread_self(), kc->thread)) {
        fn(cpu, opaque);
        return;
    }
    g_mutex_lock(&kc->lock);
    kc->work = fn;
    kc->work_opaque = opaque;
    kc->work_done = false;
    g_mutex_unlock(&kc->lock);
    kvm_kick_vcpu(cpu);
    bql_unlock();
    g_mutex_lock(&kc->lock);
    while (!kc->work_done) {
        g_cond_wait(&kc->cond, &kc->lock);
    }
    g_mutex_unlock(&kc->lock);
    bql_lock();
}

static void kvm_do_get_registers(X86CPU *cpu, void *opaque)
{
    GError *err = NULL;

    if (!kvm_arch_get_registers(cpu, &err)) {
        error_report("CPU %d: %s", cpu->cpu_index, err->message);
        g_error_free(err);
    }
}

void kvm_cpu_synchronize_state(X86CPU *cpu)
{
    if (!kvm_enabled() || !cpu || !cpu->accel_data) {
        return;
    }
    kvm_run_on_cpu(cpu, kvm_do_get_registers, NULL);
}

/* ------------------------------------------------------------------------
 * The accelerator class
 */

static void kvm_state_free(KVMState *s)
{
    if (!s) {
        return;
    }
    if (s->vmfd >= 0) {
        close(s->vmfd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->slots);
    g_free(s->msr_list);
    g_free(s->supported_cpuid);
    g_free(s);
}

static bool kvm_set_property(const char *key, const char *value, GError **errp)
{
    if (strcmp(key, "kernel-irqchip") == 0) {
        return kvm_irqchip_mode_parse(value, &kvm_irqchip_option, errp);
    }
    error_setg(errp, "Property 'kvm.%s' not found", key);
    return false;
}

/*
 * Open /dev/kvm, create the VM and check what the chosen mode needs. The VM
 * is kept for init_machine (QEMU's kvm_init also creates it this early), so
 * a host where KVM_CREATE_VM fails is "not available" and the fallback list
 * goes on.
 */
static bool kvm_available(GError **errp)
{
    KVMState *s;
    int version;

    if (kvm_state) {
        return true;
    }
    s = g_new0(KVMState, 1);
    s->vmfd = -1;
    s->irqchip = kvm_irqchip_option;
    s->fd = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg(errp, "Could not access KVM kernel module: %s",
                   g_strerror(errno));
        goto fail;
    }
    version = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION_REQUIRED) {
        error_setg(errp, "kvm version %d is not supported (lapis needs "
                   "API version %d)", version, KVM_API_VERSION_REQUIRED);
        goto fail;
    }
    do {
        s->vmfd = ioctl(s->fd, KVM_CREATE_VM, 0);
    } while (s->vmfd < 0 && errno == EINTR);
    if (s->vmfd < 0) {
        error_setg(errp, "KVM_CREATE_VM failed: %s", g_strerror(errno));
        goto fail;
    }
    if (!kvm_check_mode_caps(s->irqchip, kvm_cap_query, s, errp)) {
        goto fail;
    }
    kvm_state = s;
    return true;

fail:
    kvm_state_free(s);
    return false;
}

static bool kvm_get_supported_cpuid(KVMState *s, GError **errp)
{
    for (uint32_t nent = 128; nent <= 4096; nent *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                         nent * sizeof(c->entries[0]));
        c->nent = nent;
        if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            s->supported_cpuid = c;
            return true;
        }
        g_free(c);
        if (errno != E2BIG) {
            break;
        }
    }
    error_setg(errp, "KVM_GET_SUPPORTED_CPUID: %s", g_strerror(errno));
    return false;
}

static void kvm_get_msr_list(KVMState *s)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };

    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        return;
    }
    s->msr_list = g_malloc0(sizeof(*s->msr_list) +
                            probe.nmsrs * sizeof(s->msr_list->indices[0]));
    s->msr_list->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, s->msr_list) < 0) {
        s->msr_list->nmsrs = 0;
    }
}

static bool kvm_init_vcpu(KVMState *s, X86CPU *cpu, GError **errp)
{
    KVMCPU *kc = g_new0(KVMCPU, 1);
    int mmap_size;

    kc->cpu = cpu;
    g_mutex_init(&kc->lock);
    g_cond_init(&kc->cond);
    kc->put_pending = 1;
    cpu->accel_data = kc;
    kc->fd = ioctl(s->vmfd, KVM_CREATE_VCPU, (unsigned long)cpu->apic_id);
    if (kc->fd < 0) {
        error_setg(errp, "KVM_CREATE_VCPU for CPU %d (APIC ID %u): %s",
                   cpu->cpu_index, cpu->apic_id, g_strerror(errno));
        return false;
    }
    mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE: %s", g_strerror(errno));
        return false;
    }
    kc->run_size = (size_t)mmap_size;
    kc->run = mmap(NULL, kc->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   kc->fd, 0);
    if (kc->run == MAP_FAILED) {
        kc->run = NULL;
        error_setg(errp, "mmap of the vCPU run area: %s", g_strerror(errno));
        return false;
    }
    return kvm_arch_init_vcpu(cpu, errp);
}

/* HMP `info registers [-a]`: the kernel's state, read on the vCPU thread. */
static void kvm_hmp_info_registers(Monitor *mon, const char *args,
                                   GString *out)
{
    MachineState *ms = current_machine;
    bool all = args && strstr(args, "-a");
    int current = monitor_get_cpu_index(mon);

    for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        if (!cpu || (!all && cpu->cpu_index != current)) {
            continue;
        }
        kvm_cpu_synchronize_state(cpu);
        if (all) {
            g_string_append_printf(out, "\nCPU#%d\n", cpu->cpu_index);
        }
        kvm_arch_dump_registers(cpu, out);
    }
}

static void kvm_reset_hook(ShutdownCause cause, void *opaque)
{
    MachineState *ms = opaque;

    kvm_arch_reset_irqchip();
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        KVMCPU *kc = ms->cpus[i]->accel_data;
        if (!kc) {
            continue;
        }
        g_atomic_int_set(&kc->put_pending, 1);
        g_mutex_lock(&kc->lock);
        kc->wait_reset = false;
        kc->stopped = false;
        g_cond_broadcast(&kc->cond);
        g_mutex_unlock(&kc->lock);
    }
}

static bool kvm_init_machine(MachineState *ms, GError **errp)
{
    KVMState *s = kvm_state;
    struct sigaction sa;
    int nr;

    if (!s && !kvm_available(errp)) {
        return false;
    }
    s = kvm_state;
    nr = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    s->nr_slots = nr > 0 ? MIN(nr, KVM_MAX_SLOTS_USED) : 32;
    s->slots = g_new0(KVMSlot, s->nr_slots);
    s->readonly_mem = kvm_cap_query(KVM_CAP_READONLY_MEM, true, s) > 0;
    s->tsc_deadline = kvm_cap_query(KVM_CAP_TSC_DEADLINE_TIMER, false, s) > 0;
    s->debugregs = kvm_cap_query(KVM_CAP_DEBUGREGS, false, s) > 0;
    s->smm = kvm_cap_query(KVM_CAP_X86_SMM, true, s) > 0;
    s->tsc_control = kvm_cap_query(KVM_CAP_TSC_CONTROL, false, s) > 0;
    kvm_get_msr_list(s);
    if (!kvm_get_supported_cpuid(s, errp)) {
        return false;
    }

    /* VMX runs real mode through vm86 on hosts without unrestricted guest,
     * which needs these; AMD ignores them. */
    if (kvm_vm_ioctl(KVM_SET_TSS_ADDR, (void *)KVM_TSS_ADDR) < 0) {
        error_setg(errp, "KVM_SET_TSS_ADDR: %s", g_strerror(errno));
        return false;
    }
    if (kvm_cap_query(KVM_CAP_SET_IDENTITY_MAP_ADDR, false, s) > 0) {
        uint64_t addr = KVM_IDENTITY_MAP_ADDR;
        kvm_vm_ioctl(KVM_SET_IDENTITY_MAP_ADDR, &addr);
    }
    if (!kvm_create_irqchip(s, errp)) {
        return false;
    }
    if (s->irqchip != KVM_IRQCHIP_OFF) {
        /* MSIs written to the MSI window go to the kernel's LAPICs. */
        kvm_apic_bus_install();
    }
    if (s->irqchip == KVM_IRQCHIP_SPLIT) {
        kvm_split_connect_pic();
    }

    kvm_memory_listener = (MemoryListener) {
        .name = "kvm-memory",
        .region_add = kvm_region_add,
        .region_del = kvm_region_del,
    };
    memory_listener_register(&kvm_memory_listener, &address_space_memory);

    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        if (!kvm_init_vcpu(s, ms->cpus[i], errp)) {
            return false;
        }
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kvm_kick_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    qemu_register_reset_hook(kvm_reset_hook, ms);
    hmp_register_info("registers", "[-a]",
                      "show the cpu registers (-a: all CPUs)",
                      kvm_hmp_info_registers);
    kvm_irqchip_register_info();
    trace_kvm_init_vm(kvm_irqchip_mode_str(s->irqchip), s->nr_slots);
    return true;
}

static void kvm_start_vcpus(MachineState *ms)
{
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        KVMCPU *kc = ms->cpus[i]->accel_data;
        if (!kc || kc->thread_started) {
            continue;
        }
        g_mutex_lock(&kc->lock);
        if (pthread_create(&kc->thread, NULL, kvm_vcpu_thread, kc) == 0) {
            kc->thread_started = true;
        } else {
            error_report("cannot start the thread of CPU %u", i);
        }
        g_mutex_unlock(&kc->lock);
    }
}

static void kvm_stop_vcpus(MachineState *ms)
{
    bool relock = bql_locked();

    if (!ms || !ms->cpus) {
        return;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        KVMCPU *kc = ms->cpus[i] ? ms->cpus[i]->accel_data : NULL;
        if (!kc) {
            continue;
        }
        g_mutex_lock(&kc->lock);
        kc->quit = true;
        g_mutex_unlock(&kc->lock);
        kvm_kick_vcpu(ms->cpus[i]);
    }
    /* A vCPU may be waiting for the BQL to finish an exit. */
    if (relock) {
        bql_unlock();
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        KVMCPU *kc = ms->cpus[i] ? ms->cpus[i]->accel_data : NULL;
        if (!kc) {
            continue;
        }
        if (kc->thread_started) {
            pthread_join(kc->thread, NULL);
            kc->thread_started = false;
        }
        if (kc->run) {
            munmap(kc->run, kc->run_size);
            kc->run = NULL;
        }
        if (kc->fd >= 0) {
            close(kc->fd);
            kc->fd = -1;
        }
        g_mutex_clear(&kc->lock);
        g_cond_clear(&kc->cond);
        ms->cpus[i]->accel_data = NULL;
        g_free(kc);
    }
    if (relock) {
        bql_lock();
    }
}

static const AccelClass kvm_accel = {
    .name = "kvm",
    .available = kvm_available,
    .set_property = kvm_set_property,
    .init_machine = kvm_init_machine,
    .start_vcpus = kvm_start_vcpus,
    .kick_vcpu = kvm_kick_vcpu,
    .stop_vcpus = kvm_stop_vcpus,
    .irqchip = "in-kernel",
};
ACCEL_CLASS_REGISTER(kvm_accel)
