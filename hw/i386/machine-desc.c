/*
 * Building the machine description (include/hw/i386/machine-desc.h) from the
 * options. It fixes the PC layout that QEMU's i440FX "pc" machine and the
 * PC/AT convention use: APIC IDs 0..n-1, RAM split at 3.5 GiB with the rest
 * above 4 GiB, the IOAPIC at 0xFEC00000 with ISA IRQ 0 on pin 2 (MPS 1.4
 * section 5.1, default configurations), the legacy devices at their AT ports
 * and IRQs, and the ACPI PM block at 0x600 with its SCI on IRQ 9 (level,
 * active high, as QEMU's PIIX4 PM). Left out: CPU topology (sockets, cores,
 * threads: each vCPU is its own package), NUMA, PCI and its interrupt
 * routing, more than one IOAPIC.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "hw/boards.h"
#include "hw/i386/machine-desc.h"
#include "hw/acpi/pm.h"

/* LAPIC version register: an integrated xAPIC (SDM vol. 3A 11.4.8). */
#define MD_LAPIC_VERSION        0x14
/* IOAPIC version register: 0x20, as the ICH's IOAPIC and QEMU's default. */
#define MD_IOAPIC_VERSION       0x20
/*
 * IOAPIC ID 0: the ID register's reset value (82093AA 3.2.1) in our model
 * and the ID QEMU's ACPI tables give. MPS 1.4 section 3.6.1 wants APIC IDs
 * unique because the 82489DX's LAPICs and IOAPICs shared one serial APIC
 * bus; xAPIC delivers interrupts over the system bus, where an IOAPIC ID
 * never meets a LAPIC ID, and Linux leaves the IDs of an xAPIC system alone.
 */
#define MD_IOAPIC_ID            0
/* The PC/AT cascade: the slave i8259 sits on the master's IR2. */
#define MD_PIC_CASCADE_IRQ      2
#define MD_PIT_IRQ              0
#define MD_PIT_GSI              2
#define MD_KBD_IRQ              1
#define MD_AUX_IRQ              12
#define MD_RTC_IRQ              8
#define MD_SCI_IRQ              9
/* PCI reset control register (PIIX4 / ICH): bit 1 SYS_RST, bit 2 RST_CPU. */
#define MD_RESET_PORT           0xCF9
#define MD_RESET_VALUE          0x06
/* CMOS index of the century byte, as IBM PC/AT BIOSes place it. */
#define MD_RTC_CENTURY          0x32
/* Smallest RAM that holds the low-memory layout and a kernel above 1 MiB. */
#define MD_MIN_RAM              (2 * 1024 * 1024ULL)

typedef struct MachineDescSerialPort {
    uint16_t port;
    int irq;
} MachineDescSerialPort;

/* COM1..COM4 at the PC/AT ports; COM3/COM4 share IRQ 4/3 with COM1/COM2. */
static const MachineDescSerialPort md_serial_ports[] = {
    { 0x3F8, 4 }, { 0x2F8, 3 }, { 0x3E8, 4 }, { 0x2E8, 3 },
};

static void md_add_ram(MachineDesc *d, uint64_t base, uint64_t size,
                       MachineDescRamType type)
{
    g_assert(d->nram < MD_MAX_RAM_RANGES);
    d->ram[d->nram++] = (MachineDescRam) { base, size, type };
}

static MachineDescIsaDev *md_add_isa(MachineDesc *d, MachineDescIsaKind kind,
                                     const char *name, uint16_t port,
                                     uint16_t nports, int irq)
{
    MachineDescIsaDev *dev;

    g_assert(d->nisa < MD_MAX_ISA_DEVICES);
    dev = &d->isa[d->nisa++];
    *dev = (MachineDescIsaDev) {
        .kind = kind, .name = name, .port = port, .nports = nports,
        .irq = irq, .irq2 = MD_NO_IRQ,
    };
    return dev;
}

static void md_init_cpus(MachineDesc *d, unsigned ncpus)
{
    d->ncpus = ncpus;
    d->cpus = g_new0(MachineDescCpu, ncpus);
    for (unsigned i = 0; i < ncpus; i++) {
        d->cpus[i] = (MachineDescCpu) { .index = i, .apic_id = i,
                                        .bsp = i == 0 };
    }
    d->lapic_version = MD_LAPIC_VERSION;
    d->lapic_addr = MD_LAPIC_ADDR;
}

static void md_init_ram(MachineDesc *d, uint64_t ram_size)
{
    d->ram_size = ram_size;
    d->below_4g = MIN(ram_size, MD_LOWMEM_LIMIT);
    d->above_4g = ram_size - d->below_4g;

    md_add_ram(d, 0, MD_BASE_MEM_END, MD_RAM_USABLE);
    md_add_ram(d, MD_EBDA_ADDR, MD_EBDA_SIZE, MD_RAM_RESERVED);
    /* The VGA window and option ROMs (0xA0000-0xDFFFF) are not RAM to the
     * OS; the tables' area is reserved so it is kept. */
    md_add_ram(d, MD_BIOS_AREA_START, MD_BIOS_AREA_END - MD_BIOS_AREA_START,
               MD_RAM_RESERVED);
    md_add_ram(d, MD_HIGH_RAM_START, d->below_4g - MD_HIGH_RAM_START,
               MD_RAM_USABLE);
    if (d->above_4g) {
        md_add_ram(d, MD_HIGHMEM_BASE, d->above_4g, MD_RAM_USABLE);
    }
}

static void md_init_interrupts(MachineDesc *d, bool acpi)
{
    d->ioapic = (MachineDescIoapic) {
        .id = MD_IOAPIC_ID,
        .version = MD_IOAPIC_VERSION,
        .addr = MD_IOAPIC_ADDR,
        .gsi_base = 0,
        .pins = MD_IOAPIC_PINS,
    };
    d->pic_cascade_irq = MD_PIC_CASCADE_IRQ;
    for (int irq = 0; irq < MD_ISA_IRQS; irq++) {
        d->isa_irq[irq] = (MachineDescIrqRoute) {
            .present = irq != MD_PIC_CASCADE_IRQ,
            .gsi = irq == MD_PIT_IRQ ? MD_PIT_GSI : (uint32_t)irq,
            .flags = MD_IRQ_POLARITY_CONFORM | MD_IRQ_TRIGGER_CONFORM,
        };
    }
    d->acpi = acpi;
    d->sci_irq = MD_SCI_IRQ;
    d->pm_iobase = ACPI_PM_DEFAULT_IOBASE;
    if (acpi) {
        /* The SCI is a shareable level interrupt, active high on the PC
         * (ACPI 6.4 5.2.12.5: the override gives its polarity/trigger). */
        d->isa_irq[MD_SCI_IRQ].flags = MD_IRQ_POLARITY_HIGH |
                                       MD_IRQ_TRIGGER_LEVEL;
    }
    d->reset_port = MD_RESET_PORT;
    d->reset_value = MD_RESET_VALUE;
}

static void md_init_isa(MachineDesc *d, unsigned serial_mask)
{
    static const char *const serial_names[] = {
        "serial0", "serial1", "serial2", "serial3",
    };
    MachineDescIsaDev *dev;

    md_add_isa(d, MD_ISA_PIT, "pit", 0x40, 4, MD_PIT_IRQ);
    dev = md_add_isa(d, MD_ISA_KBC, "i8042", 0x60, 1, MD_KBD_IRQ);
    dev->port2 = 0x64;
    dev->nports2 = 1;
    dev->irq2 = MD_AUX_IRQ;
    md_add_isa(d, MD_ISA_RTC, "rtc", 0x70, 2, MD_RTC_IRQ);
    d->rtc_century = MD_RTC_CENTURY;
    for (unsigned i = 0; i < G_N_ELEMENTS(md_serial_ports); i++) {
        if (serial_mask & (1u << i)) {
            dev = md_add_isa(d, MD_ISA_SERIAL, serial_names[i],
                             md_serial_ports[i].port, 8,
                             md_serial_ports[i].irq);
            dev->unit = i;
        }
    }
}

MachineDesc *machine_desc_new(unsigned ncpus, uint64_t ram_size,
                              unsigned serial_mask, bool acpi, GError **errp)
{
    MachineDesc *d;

    if (ncpus < 1 || ncpus > MD_MAX_CPUS) {
        error_setg(errp, "%u CPUs: the PC takes 1 to %u (8-bit xAPIC IDs, "
                   "0xFF is the broadcast ID)", ncpus, MD_MAX_CPUS);
        return NULL;
    }
    if (ram_size < MD_MIN_RAM) {
        error_setg(errp, "-m %" PRIu64 "K: the PC needs at least %llu MiB of "
                   "RAM", ram_size >> 10, MD_MIN_RAM >> 20);
        return NULL;
    }
    d = g_new0(MachineDesc, 1);
    md_init_cpus(d, ncpus);
    md_init_ram(d, ram_size);
    md_init_interrupts(d, acpi);
    md_init_isa(d, serial_mask);
    return d;
}

MachineDesc *machine_desc_build(MachineState *ms, GError **errp)
{
    unsigned serial_mask = 0;

    for (unsigned i = 0; i < MAX_SERIAL_PORTS; i++) {
        if (ms->serial[i]) {
            serial_mask |= 1u << i;
        }
    }
    return machine_desc_new(ms->smp_cpus, ms->ram_size, serial_mask,
                            ms->acpi, errp);
}

void machine_desc_free(MachineDesc *d)
{
    if (d) {
        g_free(d->cpus);
        g_free(d);
    }
}

const MachineDescIsaDev *machine_desc_find_isa(const MachineDesc *d,
                                               MachineDescIsaKind kind,
                                               unsigned unit)
{
    for (unsigned i = 0; i < d->nisa; i++) {
        if (d->isa[i].kind == kind &&
            (kind != MD_ISA_SERIAL || d->isa[i].unit == unit)) {
            return &d->isa[i];
        }
    }
    return NULL;
}

uint32_t machine_desc_isa_irq_to_gsi(const MachineDesc *d, int isa_irq)
{
    g_assert(isa_irq >= 0 && isa_irq < MD_ISA_IRQS);
    return d->isa_irq[isa_irq].gsi;
}

uint32_t machine_desc_max_apic_id(const MachineDesc *d)
{
    uint32_t max = 0;

    for (unsigned i = 0; i < d->ncpus; i++) {
        max = MAX(max, d->cpus[i].apic_id);
    }
    return max;
}
