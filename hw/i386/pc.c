/*
 * The "pc" machine: the board that ties RAM, CPUs, the GSI fan-out and the
 * ISA serial ports together, laid out as QEMU's i440FX "pc" machine places
 * them. RAM is one host block ("pc.ram") seen through two aliases: the first
 * min(ram, 3.5 GiB) at address 0 ("ram-below-4g"), the rest at 4 GiB
 * ("ram-above-4g"), leaving 0xE0000000-0xFFFFFFFF for the PCI/MMIO hole
 * (LAPIC, IOAPIC, firmware). CPU i gets initial APIC ID i (xAPIC IDs are 8
 * bits, hence at most 255 CPUs). Serial ports sit at the standard COM1-COM4
 * addresses and IRQs (COM1 0x3f8/4, COM2 0x2f8/3, COM3 0x3e8/4, COM4 0x2e8/3).
 * -kernel boots a Multiboot image directly, at init and on every reset.
 * Left out for now: the i8259 pair and IOAPIC (the GSI fan-out records line
 * levels but forwards them nowhere until the interrupt-controller work
 * connects it), the i8254, CMOS/RTC, PCI, firmware, fw_cfg, e820 beyond what
 * the Multiboot loader builds, ACPI and MP tables.
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/qdev.h"
#include "hw/isa.h"
#include "hw/char/serial.h"
#include "hw/i386/multiboot.h"
#include "target/i386/cpu.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "chardev/char.h"
#include "trace/hw_i386.h"

/* Where 32-bit RAM stops: QEMU's pc puts the PCI hole at 3.5 GiB. */
#define PC_LOWMEM_LIMIT     0xE0000000ULL
#define PC_HIGHMEM_BASE     0x100000000ULL
#define PC_DEFAULT_RAM      (128 * 1024 * 1024ULL)
#define PC_DEFAULT_CPU      "qemu64"
/* Initial APIC IDs are 8 bits in xAPIC mode, and 0xFF is the broadcast ID. */
#define PC_MAX_CPUS         255

typedef struct PCSerialPort {
    uint32_t iobase;
    int irq;
} PCSerialPort;

/* The legacy COM port resources (PC/AT convention). */
static const PCSerialPort pc_serial_ports[MAX_SERIAL_PORTS] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

/*
 * The board's GSI fan-out ("pc-gsi", realized as /machine/gsi): 24 input
 * lines, one per GSI, which ISA devices reach through isa_get_irq().
 * Once the interrupt controllers exist, line n goes to the master/slave
 * i8259 (n < 16) and to IOAPIC pin n, except ISA IRQ 0 (the PIT), which
 * the PC wires to IOAPIC pin 2 (MP spec 1.4 / ACPI interrupt source
 * override). Today it only records each line's level.
 */
typedef struct PCGsiState {
    DeviceState parent;
    uint32_t levels;            /* bit n: level of GSI n */
} PCGsiState;

static void pc_gsi_set_irq(void *opaque, int n, int level)
{
    PCGsiState *s = opaque;

    if (n < 0 || n >= GSI_NUM_PINS) {
        return;
    }
    trace_pc_gsi_set_irq(n, level);
    s->levels = deposit32(s->levels, n, 1, level ? 1 : 0);
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
    MemoryRegion ram_below_4g;
    MemoryRegion ram_above_4g;
    bool have_above_4g;
    DeviceState *gsi;
    qemu_irq gsi_lines[GSI_NUM_PINS];
} PCBoard;

static bool pc_init_ram(MachineState *ms, PCBoard *board,
                        const X86CPUModel *model, GError **errp)
{
    uint64_t below = MIN(ms->ram_size, PC_LOWMEM_LIMIT);
    uint64_t above = ms->ram_size - below;
    GError *local_err = NULL;

    if (above) {
        /* The top of RAM must be addressable by the CPU (CPUID 0x80000008). */
        uint64_t phys_limit = model->phys_bits >= 64 ? UINT64_MAX
                              : (1ULL << model->phys_bits);
        if (above > phys_limit - PC_HIGHMEM_BASE) {
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
    trace_pc_ram_map(below, above);
    memory_region_init_alias(&board->ram_below_4g, "ram-below-4g", &ms->ram,
                             0, below);
    memory_region_add_subregion(get_system_memory(), 0, &board->ram_below_4g);
    if (above) {
        memory_region_init_alias(&board->ram_above_4g, "ram-above-4g", &ms->ram,
                                 below, above);
        memory_region_add_subregion(get_system_memory(), PC_HIGHMEM_BASE,
                                    &board->ram_above_4g);
        board->have_above_4g = true;
    }
    return true;
}

/* COMn: the UART connects its own interrupt to ISA IRQ `irq` at realize. */
static bool pc_init_serial(MachineState *ms, int index, GError **errp)
{
    const PCSerialPort *port = &pc_serial_ports[index];
    DeviceState *dev = qdev_new(TYPE_ISA_SERIAL);
    g_autofree char *name = g_strdup_printf("serial%d", index);

    qdev_prop_set_uint32(dev, "iobase", port->iobase);
    qdev_prop_set_uint32(dev, "irq", port->irq);
    qdev_prop_set_chr(dev, "chardev", ms->serial[index]);
    return qdev_realize(dev, name, errp);
}

static void pc_machine_reset(MachineState *ms)
{
    GError *err = NULL;

    qdev_reset_all();
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        x86_cpu_reset(ms->cpus[i]);
    }
    if (ms->kernel_filename &&
        !x86_load_multiboot(ms, ms->cpus[0], &err)) {
        /* The image changed under us since init; nothing sensible can run. */
        error_report("-kernel %s: %s", ms->kernel_filename, err->message);
        g_error_free(err);
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
    GError *local_err = NULL;

    ms->board = board;
    if (!x86_cpu_model_parse(ms->cpu_model ? ms->cpu_model : PC_DEFAULT_CPU,
                             &model, errp)) {
        return false;
    }
    if (!pc_init_ram(ms, board, &model, errp)) {
        return false;
    }

    /* The GSI fan-out first: ISA devices find their lines when realized. */
    board->gsi = qdev_new("pc-gsi");
    if (!qdev_realize(board->gsi, "gsi", errp)) {
        board->gsi = NULL;
        return false;
    }
    for (int i = 0; i < GSI_NUM_PINS; i++) {
        board->gsi_lines[i] = qdev_get_gpio_in(board->gsi, i);
    }
    isa_bus_set_irqs(board->gsi_lines, GSI_NUM_PINS);

    ms->cpus = g_new0(X86CPU *, ms->smp_cpus);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        ms->cpus[i] = x86_cpu_new(&model, (int)i, i, get_system_memory());
        ms->cpus[i]->is_bsp = i == 0;
    }

    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        if (ms->serial[i] && !pc_init_serial(ms, i, errp)) {
            return false;
        }
    }

    if (ms->kernel_filename &&
        !x86_load_multiboot(ms, ms->cpus[0], &local_err)) {
        error_setg(errp, "-kernel %s: %s", ms->kernel_filename,
                   local_err->message);
        g_error_free(local_err);
        return false;
    }
    qemu_register_reset_hook(pc_reset_hook, ms);
    return true;
}

static void pc_cleanup(MachineState *ms)
{
    PCBoard *board = ms->board;

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
        if (board->have_above_4g) {
            memory_region_del_subregion(get_system_memory(),
                                        &board->ram_above_4g);
        }
        if (board->ram_below_4g.container) {
            memory_region_del_subregion(get_system_memory(),
                                        &board->ram_below_4g);
        }
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
    .max_cpus = PC_MAX_CPUS,
    .default_ram_size = PC_DEFAULT_RAM,
    .set_property = pc_set_property,
    .init = pc_init,
    .reset = pc_machine_reset,
    .cleanup = pc_cleanup,
};
MACHINE_CLASS_REGISTER(pc_machine)
