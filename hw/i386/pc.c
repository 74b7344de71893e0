/*
 * The "pc" machine: the board that builds a PC from one description of it
 * (hw/i386/machine-desc.h: CPUs and APIC IDs, the RAM map, the IOAPIC, the
 * ISA devices and their IRQs) and wires everything the way QEMU's i440FX
 * "pc" machine does, minus PCI. RAM is one host block ("pc.ram") seen
 * through two aliases: the low part at 0 up to 3.5 GiB ("ram-below-4g") and
 * the rest at 4 GiB ("ram-above-4g"), leaving 0xE0000000-0xFFFFFFFF for the
 * IOAPIC, LAPIC and MSI window.
 *
 * Interrupt wiring (ARCHITECTURE.md "Interrupt fabric"): every ISA/GSI line
 * enters the board's fan-out device "gsi" (/machine/gsi, 24 lines). Line n
 * goes to i8259 input n (n < 16) and to the IOAPIC pin the description gives
 * for it: ISA IRQ 0 (the PIT) reaches pin 2, the others pin n (MP spec 1.4
 * default configuration; the MP and ACPI tables say the same because they
 * are built from the same description). The i8259's INTR reaches every
 * LAPIC's LINT0 (virtual-wire mode). With KVM's kernel-irqchip=on the PIC
 * and IOAPIC live in the kernel and the fan-out hands each line to
 * kvm_set_irq(); with an in-kernel LAPIC (on or split) no userspace LAPIC is
 * made.
 *
 * Firmware state: the BIOS data area, MP table and ACPI tables are written
 * into RAM at init and at every reset, before a -kernel (Multiboot) image is
 * loaded again, unless the CMOS shutdown status byte asks for a warm reset
 * through 40:67 (pc_warm_start; an INIT to the BSP resets the machine so
 * that it takes the same path). Left out: PCI, a real BIOS, SMM.
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/qdev.h"
#include "hw/isa.h"
#include "hw/char/serial.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/machine-desc.h"
#include "hw/i386/firmware-tables.h"
#include "hw/i386/x86.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/msi_window.h"
#include "hw/timer/i8254.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/input/i8042.h"
#include "hw/misc/pc_reset.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/display/vga-text.h"
#include "hw/acpi/pm.h"
#include "accel/kvm.h"
#include "target/i386/cpu.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "chardev/char.h"
#include "trace/hw_i386.h"

#define PC_DEFAULT_RAM      (128 * 1024 * 1024ULL)
#define PC_DEFAULT_CPU      "qemu64"

/*
 * The board's GSI fan-out ("pc-gsi", realized as /machine/gsi). The board
 * fills in the targets after creating the interrupt controllers.
 */
typedef struct PCGsiState {
    DeviceState parent;
    uint32_t levels;                    /* bit n: level of GSI n */
    qemu_irq pic_in[ISA_NUM_IRQS];      /* NULL: no userspace PIC */
    qemu_irq ioapic_in[GSI_NUM_PINS];   /* indexed by GSI; NULL: none */
    bool to_kvm;                        /* kernel-irqchip=on */
} PCGsiState;

static void pc_gsi_set_irq(void *opaque, int n, int level)
{
    PCGsiState *s = opaque;

    if (n < 0 || n >= GSI_NUM_PINS) {
        return;
    }
    trace_pc_gsi_set_irq(n, level);
    s->levels = deposit32(s->levels, n, 1, level ? 1 : 0);
    if (s->to_kvm) {
        kvm_set_irq(n, level);
        return;
    }
    if (n < ISA_NUM_IRQS) {
        qemu_set_irq(s->pic_in[n], level);
    }
    qemu_set_irq(s->ioapic_in[n], level);
}

static void pc_gsi_realize(DeviceState *dev, GError **errp)
{
    qdev_init_gpio_in(dev, pc_gsi_set_irq, GSI_NUM_PINS);
}

static void pc_gsi_reset(DeviceState *dev)
{
    PCGsiState *s = (PCGsiState *)dev;

    s->levels = 0;
}

static const Property pc_gsi_props[] = {
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass pc_gsi_class = {
    .name = "pc-gsi",
    .desc = "PC board GSI fan-out (24 lines)",
    .instance_size = sizeof(PCGsiState),
    .props = pc_gsi_props,
    .user_creatable = false,
    .realize = pc_gsi_realize,
    .reset = pc_gsi_reset,
};
DEVICE_CLASS_REGISTER(pc_gsi_class)

typedef struct PCBoard {
    MachineDesc *desc;
    MemoryRegion ram_below_4g;
    MemoryRegion ram_above_4g;
    bool have_above_4g;
    PCGsiState *gsi;
    qemu_irq gsi_lines[GSI_NUM_PINS];
    MemoryRegion *msi_window;
} PCBoard;

static bool pc_init_ram(MachineState *ms, PCBoard *board,
                        const X86CPUModel *model, GError **errp)
{
    const MachineDesc *d = board->desc;
    GError *local_err = NULL;

    if (d->above_4g) {
        /* The top of RAM must be addressable by the CPU (CPUID 0x80000008). */
        uint64_t phys_limit = model->phys_bits >= 64 ? UINT64_MAX
                              : (1ULL << model->phys_bits);
        if (d->above_4g > phys_limit - MD_HIGHMEM_BASE) {
            error_setg(errp, "-m %" PRIu64 "M: RAM above 4 GiB would end "
                       "beyond the CPU's %u-bit physical address space",
                       ms->ram_size >> 20, model->phys_bits);
            return false;
        }
    }
    if (!memory_region_init_ram(&ms->ram, "pc.ram", ms->ram_size, &local_err)) {
        error_setg(errp, "-m: cannot allocate %" PRIu64 " MiB of guest RAM: %s",
                   ms->ram_size >> 20, local_err->message);
        g_error_free(local_err);
        return false;
    }
    trace_pc_ram_map(d->below_4g, d->above_4g);
    memory_region_init_alias(&board->ram_below_4g, "ram-below-4g", &ms->ram,
                             0, d->below_4g);
    memory_region_add_subregion(get_system_memory(), 0, &board->ram_below_4g);
    if (d->above_4g) {
        memory_region_init_alias(&board->ram_above_4g, "ram-above-4g", &ms->ram,
                                 d->below_4g, d->above_4g);
        memory_region_add_subregion(get_system_memory(), MD_HIGHMEM_BASE,
                                    &board->ram_above_4g);
        board->have_above_4g = true;
    }
    return true;
}

static bool pc_init_cpus(MachineState *ms, PCBoard *board,
                         const X86CPUModel *model, GError **errp)
{
    const MachineDesc *d = board->desc;

    ms->cpus = g_new0(X86CPU *, ms->smp_cpus);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        ms->cpus[i] = x86_cpu_new(model, (int)i, d->cpus[i].apic_id,
                                  get_system_memory());
        ms->cpus[i]->is_bsp = d->cpus[i].bsp;
        /* An in-kernel LAPIC (KVM) replaces ours. */
        if (!kvm_irqchip_in_kernel() &&
            !x86_cpu_apic_realize(ms->cpus[i], errp)) {
            return false;
        }
    }
    return true;
}

/*
 * The interrupt controllers and their wiring: the fan-out's targets, and the
 * PIC's INTR to every LAPIC's LINT0.
 */
static bool pc_init_irqchips(MachineState *ms, PCBoard *board, GError **errp)
{
    const MachineDesc *d = board->desc;
    DeviceState *pic, *ioapic;

    board->msi_window = msi_window_init(get_system_memory());
    if (kvm_ioapic_in_kernel()) {
        /* KVM's in-kernel IOAPIC is an 82093AA, version 0x11, which the
         * firmware tables must report. */
        board->desc->ioapic.version = 0x11;
        board->gsi->to_kvm = true;
        return true;
    }
    pic = i8259_create(errp);
    if (!pic) {
        return false;
    }
    ioapic = ioapic_create(get_system_memory(), errp);
    if (!ioapic) {
        return false;
    }
    /* The tables describe the IOAPIC as made (-global ioapic.version). */
    g_autofree char *version = qdev_prop_get_string(ioapic, "version");
    uint64_t v;
    if (version && qemu_parse_uint64(version, &v) && v <= UINT8_MAX) {
        board->desc->ioapic.version = (uint8_t)v;
    }
    for (int irq = 0; irq < ISA_NUM_IRQS; irq++) {
        board->gsi->pic_in[irq] = qdev_get_gpio_in(pic, irq);
    }
    for (int n = 0; n < GSI_NUM_PINS; n++) {
        uint32_t pin = n < MD_ISA_IRQS ? machine_desc_isa_irq_to_gsi(d, n)
                                       : (uint32_t)n;

        if (n < MD_ISA_IRQS && !d->isa_irq[n].present) {
            continue;               /* the cascade IRQ 2 reaches no pin */
        }
        if (pin < d->ioapic.pins) {
            board->gsi->ioapic_in[n] = qdev_get_gpio_in(ioapic, (int)pin);
        }
    }
    if (!kvm_irqchip_in_kernel()) {
        qemu_irq intr = NULL;

        /* The PIC's INTR fans out to LINT0 of every LAPIC. */
        for (unsigned i = 0; i < ms->smp_cpus; i++) {
            qemu_irq lint0 = qdev_get_gpio_in(ms->cpus[i]->apic,
                                              APIC_GPIO_LINT0);
            intr = intr ? qemu_irq_split(intr, lint0) : lint0;
        }
        qdev_connect_gpio_out(pic, 0, intr);
    }
    return true;
}

/* COMn: the UART connects its own interrupt to ISA IRQ `irq` at realize. */
static bool pc_init_serial(MachineState *ms, const MachineDescIsaDev *port,
                           GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_ISA_SERIAL);

    qdev_prop_set_uint32(dev, "iobase", port->port);
    qdev_prop_set_uint32(dev, "irq", (uint32_t)port->irq);
    qdev_prop_set_chr(dev, "chardev", ms->serial[port->unit]);
    return qdev_realize(dev, port->name, errp);
}

static bool pc_realize_simple(const char *type, const char *name,
                              GError **errp)
{
    return qdev_realize(qdev_new(type), name, errp);
}

/* The legacy ISA devices a PC always has, and the optional ones. */
static bool pc_init_isa_devices(MachineState *ms, PCBoard *board,
                                GError **errp)
{
    const MachineDesc *d = board->desc;
    DeviceState *rtc, *pit, *fw;

    pit = i8254_create(errp);
    if (!pit || !port61_create(pit, errp)) {
        return false;
    }
    rtc = qdev_new(TYPE_MC146818_RTC);
    if (!qdev_realize(rtc, "rtc", errp)) {
        return false;
    }
    mc146818rtc_set_memory(rtc, d->below_4g, d->above_4g, d->ncpus);
    if (!pc_realize_simple(TYPE_I8042, "i8042", errp) ||
        !pc_realize_simple(TYPE_PC_RESET, "pc-reset", errp)) {
        return false;
    }
    fw = qdev_new(TYPE_FW_CFG_IO);
    qdev_prop_set_bool(fw, "nographic", ms->nographic);
    if (!qdev_realize(fw, "fw_cfg", errp)) {
        return false;
    }
    for (unsigned i = 0; i < d->nisa; i++) {
        if (d->isa[i].kind == MD_ISA_SERIAL &&
            !pc_init_serial(ms, &d->isa[i], errp)) {
            return false;
        }
    }
    /* The VGA text adapter, unless there is no screen to show it on. */
    if (!ms->nodefaults && !ms->nographic && !ms->no_vga &&
        !isa_vga_create(errp)) {
        return false;
    }
    if (d->acpi && !acpi_pm_create(d->pm_iobase, d->sci_irq, errp)) {
        return false;
    }
    return true;
}

/* Firmware state and the kernel: at init and at every reset. */
static bool pc_load_boot_state(MachineState *ms, GError **errp)
{
    PCBoard *board = ms->board;
    GError *local_err = NULL;

    pc_firmware_tables_write(ms, board->desc);
    if (ms->kernel_filename &&
        !x86_load_multiboot(ms, ms->cpus[0], &local_err)) {
        error_setg(errp, "-kernel %s: %s", ms->kernel_filename,
                   local_err->message);
        g_error_free(local_err);
        return false;
    }
    return true;
}

/*
 * The warm-reset path of PC firmware. A BIOS's POST starts by reading the
 * shutdown status byte (CMOS 0x0F), clearing it, and for the codes below
 * giving control straight back to the OS through the pointer at 40:67
 * (offset at 0x467, segment at 0x469), without touching memory: the way a
 * 286 OS got back to real mode, and how OSes still restart the BSP into
 * their own real-mode code. The codes, as the IBM AT BIOS defined them and
 * SeaBIOS's handle_resume() carries them out:
 *   0x05  send a non-specific EOI to both PICs, then far-jump to 40:67
 *   0x0A  far-jump to 40:67
 *   0x0B  SS:SP = the pointer at 40:67, then IRET (pops IP, CS, FLAGS)
 *   0x0C  SS:SP = the pointer at 40:67, then RETF (pops IP, CS)
 * Every other code (0 among them) is a cold boot. The BSP starts in real
 * mode with its RESET state but for CS:IP, DS = 0x40 (the BDA, as SeaBIOS
 * leaves it) and, for 0x0B/0x0C, SS:SP after the pop; interrupts stay off
 * except as an IRET frame's FLAGS say. The devices have been reset like at
 * any reset (so A20 is on and the PICs are idle: the EOI of 0x05 finds
 * nothing in service). APs wait for a SIPI. Returns true when it took over.
 */
#define BDA_RESET_VECTOR    0x467
#define SHUTDOWN_EOI_JUMP   0x05
#define SHUTDOWN_JUMP       0x0a
#define SHUTDOWN_IRET       0x0b
#define SHUTDOWN_RETF       0x0c
/* 8259A command ports and OCW2 "non-specific EOI" (8259A datasheet). */
#define PIC_MASTER_CMD      0x20
#define PIC_SLAVE_CMD       0xa0
#define PIC_OCW2_EOI        0x20

static void pc_real_mode_seg(SegmentCache *sc, uint16_t selector)
{
    sc->selector = selector;
    sc->base = (uint64_t)selector << 4;
}

static bool pc_warm_start(MachineState *ms)
{
    DeviceState *rtc = mc146818rtc_find();
    CPUX86State *env = &ms->cpus[0]->env;
    uint8_t code, vec[4], frame[6], eoi = PIC_OCW2_EOI;
    uint16_t ip, cs, sp, ss;

    code = rtc ? mc146818rtc_shutdown_status(rtc) : 0;
    if (!code) {
        return false;
    }
    /* Firmware clears the byte whatever it said, so a later reset is cold
     * unless the OS asks again. */
    mc146818rtc_set_cmos(rtc, RTC_CMOS_SHUTDOWN_STATUS, 0);
    if (code != SHUTDOWN_EOI_JUMP && code != SHUTDOWN_JUMP &&
        code != SHUTDOWN_IRET && code != SHUTDOWN_RETF) {
        trace_pc_warm_reset(code, 0, 0, "cold");
        return false;
    }
    address_space_read(&address_space_memory, BDA_RESET_VECTOR, vec, 4);
    ip = vec[0] | vec[1] << 8;
    cs = vec[2] | vec[3] << 8;
    if (code == SHUTDOWN_EOI_JUMP) {
        /* Slave first, then master, as firmware does. */
        address_space_write(&address_space_io, PIC_SLAVE_CMD, &eoi, 1);
        address_space_write(&address_space_io, PIC_MASTER_CMD, &eoi, 1);
    }
    if (code == SHUTDOWN_IRET || code == SHUTDOWN_RETF) {
        /* 40:67 holds SP, 40:69 SS; the frame is IP, CS[, FLAGS]. */
        sp = ip;
        ss = cs;
        for (unsigned i = 0; i < 6; i += 2) {
            address_space_read(&address_space_memory,
                               ((uint64_t)ss << 4) + (uint16_t)(sp + i),
                               &frame[i], 2);
        }
        ip = frame[0] | frame[1] << 8;
        cs = frame[2] | frame[3] << 8;
        if (code == SHUTDOWN_IRET) {
            /* Real-mode IRET loads FLAGS; bit 1 is 1, bits 3, 5, 15 are 0. */
            env->rflags = ((frame[4] | frame[5] << 8) & 0x7fd5) | 0x2;
            sp += 6;
        } else {
            sp += 4;
        }
        pc_real_mode_seg(&env->segs[R_SS], ss);
        env->regs[R_ESP] = sp;
    }
    pc_real_mode_seg(&env->segs[R_CS], cs);
    pc_real_mode_seg(&env->segs[R_DS], 0x40);
    env->rip = ip;
    env->run_state = X86_RUN_RUNNING;
    trace_pc_warm_reset(code, cs, ip, "warm");
    return true;
}

/*
 * An INIT reached the BSP (the LAPIC calls this on the vCPU's thread). With
 * no BIOS to run at the reset vector, the whole machine goes through its
 * reset, where the shutdown status byte decides between a warm and a cold
 * start; -no-reboot makes that an exit. The BSP sleeps until then.
 */
static void pc_bsp_init(X86CPU *cpu)
{
    cpu->env.run_state = X86_RUN_HALTED;
    qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
}

static void pc_machine_reset(MachineState *ms)
{
    GError *err = NULL;

    qdev_reset_all();
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        x86_cpu_reset(ms->cpus[i]);
    }
    if (pc_warm_start(ms)) {
        /* RAM as the OS left it: no tables, no kernel. */
        return;
    }
    if (!pc_load_boot_state(ms, &err)) {
        /* The image changed under us since init; nothing sensible can run. */
        error_report_err(err);
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
    }
}

static void pc_reset_hook(ShutdownCause cause, void *opaque)
{
    trace_pc_machine_reset(shutdown_cause_name(cause));
    pc_machine_reset(opaque);
}

static bool pc_init(MachineState *ms, GError **errp)
{
    PCBoard *board = g_new0(PCBoard, 1);
    X86CPUModel model;

    ms->board = board;
    board->desc = machine_desc_build(ms, errp);
    if (!board->desc) {
        return false;
    }
    if (ms->dumpdtb) {
        /* As QEMU's dumpdtb: write the tree and exit without running. */
        if (!pc_dumpdtb(board->desc, ms->dumpdtb, errp)) {
            return false;
        }
        qemu_system_exit_request(0);
    }
    if (!x86_cpu_model_parse(ms->cpu_model ? ms->cpu_model : PC_DEFAULT_CPU,
                             &model, errp) ||
        !pc_init_ram(ms, board, &model, errp)) {
        return false;
    }

    /* The GSI fan-out first: ISA devices find their lines when realized. */
    board->gsi = (PCGsiState *)qdev_new("pc-gsi");
    if (!qdev_realize(DEVICE(board->gsi), "gsi", errp)) {
        board->gsi = NULL;
        return false;
    }
    for (int i = 0; i < GSI_NUM_PINS; i++) {
        board->gsi_lines[i] = qdev_get_gpio_in(DEVICE(board->gsi), i);
    }
    isa_bus_set_irqs(board->gsi_lines, GSI_NUM_PINS);

    if (!pc_init_cpus(ms, board, &model, errp) ||
        !pc_init_irqchips(ms, board, errp) ||
        !pc_init_isa_devices(ms, board, errp) ||
        !pc_load_boot_state(ms, errp)) {
        return false;
    }
    qemu_register_reset_hook(pc_reset_hook, ms);
    apic_bsp_init_notify = pc_bsp_init;
    return true;
}

static void pc_cleanup(MachineState *ms)
{
    PCBoard *board = ms->board;

    apic_bsp_init_notify = NULL;
    isa_bus_set_irqs(NULL, 0);
    if (ms->cpus) {
        for (unsigned i = 0; i < ms->smp_cpus; i++) {
            if (ms->cpus[i]) {
                x86_cpu_free(ms->cpus[i]);
            }
        }
        g_free(ms->cpus);
        ms->cpus = NULL;
    }
    /* Devices (the GSI fan-out included) are freed by qdev_unrealize_all. */
    if (board) {
        if (board->msi_window) {
            msi_window_destroy(get_system_memory(), board->msi_window);
        }
        if (board->have_above_4g) {
            memory_region_del_subregion(get_system_memory(),
                                        &board->ram_above_4g);
            memory_region_finalize(&board->ram_above_4g);
        }
        if (board->ram_below_4g.container) {
            memory_region_del_subregion(get_system_memory(),
                                        &board->ram_below_4g);
            memory_region_finalize(&board->ram_below_4g);
        }
        machine_desc_free(board->desc);
        g_free(board);
        ms->board = NULL;
    }
}

static bool pc_set_property(MachineState *ms, const char *key,
                            const char *value, GError **errp)
{
    error_setg(errp, "Property 'pc.%s' not found", key);
    return false;
}

static const MachineClass pc_machine = {
    .name = "pc",
    .desc = "Standard PC",
    .is_default = true,
    .max_cpus = MD_MAX_CPUS,
    .default_ram_size = PC_DEFAULT_RAM,
    .set_property = pc_set_property,
    .init = pc_init,
    .reset = pc_machine_reset,
    .cleanup = pc_cleanup,
};
MACHINE_CLASS_REGISTER(pc_machine)
