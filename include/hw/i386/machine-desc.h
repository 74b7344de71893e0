/*
 * The description of the PC machine: one record of its CPUs and their APIC
 * IDs, its RAM map (e820 style), the IOAPIC and LAPIC addresses, the ISA
 * devices with their ports and IRQs, how ISA IRQs reach the IOAPIC, the ACPI
 * PM block and the reset register. The board builds it once from the options
 * (machine_desc_build) and everything else derives from it: device creation
 * and IRQ wiring, the BIOS data area, the MP table, the ACPI tables and the
 * flattened device tree. No other file holds a second copy of these facts.
 */
#ifndef LAPIS_HW_I386_MACHINE_DESC_H
#define LAPIS_HW_I386_MACHINE_DESC_H

#include "qemu/osdep.h"

typedef struct MachineState MachineState;

/* Fixed addresses of the PC platform. */
#define MD_LAPIC_ADDR           0xFEE00000ULL   /* SDM vol. 3A 11.4.1 default */
#define MD_IOAPIC_ADDR          0xFEC00000ULL   /* 82093AA default base */
#define MD_IOAPIC_PINS          24
#define MD_LOWMEM_LIMIT         0xE0000000ULL   /* 3.5 GiB: start of the PCI hole */
#define MD_HIGHMEM_BASE         0x100000000ULL

/*
 * The low-memory layout a directly booted OS sees (no BIOS runs). The EBDA
 * takes the top KiB of conventional memory; the tables live in the BIOS
 * areas 0xE0000-0xFFFFF, which are RAM here and reported as reserved.
 */
#define MD_BASE_MEM_END         0x9FC00ULL      /* 639 KiB usable */
#define MD_EBDA_ADDR            0x9FC00ULL
#define MD_EBDA_SIZE            0x400ULL
#define MD_VGA_HOLE_START       0xA0000ULL
#define MD_BIOS_AREA_START      0xE0000ULL      /* ACPI tables live here */
#define MD_BIOS_FSEG_START      0xF0000ULL      /* MP table lives here */
#define MD_BIOS_AREA_END        0x100000ULL
#define MD_HIGH_RAM_START       0x100000ULL

#define MD_MAX_CPUS             255
#define MD_MAX_RAM_RANGES       8
#define MD_MAX_ISA_DEVICES      12
#define MD_ISA_IRQS             16
#define MD_NO_IRQ               (-1)

/* e820 types (ACPI 6.4 table 15.312, "Address Range Types"). */
typedef enum MachineDescRamType {
    MD_RAM_USABLE = 1,
    MD_RAM_RESERVED = 2,
    MD_RAM_ACPI = 3,
    MD_RAM_NVS = 4,
} MachineDescRamType;

typedef struct MachineDescCpu {
    unsigned index;             /* vCPU index, 0..n-1; also the ACPI UID */
    uint32_t apic_id;           /* initial APIC ID */
    bool bsp;
} MachineDescCpu;

typedef struct MachineDescRam {
    uint64_t base;
    uint64_t size;
    MachineDescRamType type;
} MachineDescRam;

typedef struct MachineDescIoapic {
    uint8_t id;                 /* IOAPIC ID (ID register bits 27:24) */
    uint8_t version;            /* version register bits 7:0 */
    uint64_t addr;
    uint32_t gsi_base;
    unsigned pins;
} MachineDescIoapic;

typedef enum MachineDescIsaKind {
    MD_ISA_PIT,                 /* i8254 */
    MD_ISA_KBC,                 /* i8042: IRQ 1 keyboard, irq2 = 12 mouse */
    MD_ISA_RTC,                 /* MC146818 */
    MD_ISA_SERIAL,              /* 16550A; `unit` is the COM port index */
} MachineDescIsaKind;

typedef struct MachineDescIsaDev {
    MachineDescIsaKind kind;
    const char *name;           /* "serial0", "rtc", "i8042", "pit" */
    unsigned unit;              /* COM port index for serial ports */
    uint16_t port;              /* first I/O port */
    uint16_t nports;
    uint16_t port2;             /* a second port range (i8042 0x64), or 0 */
    uint16_t nports2;
    int irq;                    /* ISA IRQ, MD_NO_IRQ if none */
    int irq2;                   /* a second ISA IRQ (i8042 aux), or MD_NO_IRQ */
} MachineDescIsaDev;

/*
 * How an ISA IRQ reaches the IOAPIC. Polarity and trigger are the MP/MADT
 * "flags" encoding (MPS 1.4 table 4-10, ACPI 6.4 table 5.50): conforming
 * (0) means the bus default, for ISA active high and edge.
 */
#define MD_IRQ_POLARITY_CONFORM  0x0
#define MD_IRQ_POLARITY_HIGH     0x1
#define MD_IRQ_POLARITY_LOW      0x3
#define MD_IRQ_TRIGGER_CONFORM   (0x0 << 2)
#define MD_IRQ_TRIGGER_EDGE      (0x1 << 2)
#define MD_IRQ_TRIGGER_LEVEL     (0x3 << 2)

typedef struct MachineDescIrqRoute {
    bool present;               /* false for the cascade IRQ 2 */
    uint32_t gsi;               /* IOAPIC input */
    uint16_t flags;             /* MD_IRQ_POLARITY_* | MD_IRQ_TRIGGER_* */
} MachineDescIrqRoute;

typedef struct MachineDesc {
    unsigned ncpus;
    MachineDescCpu *cpus;       /* ncpus entries; cpus[0] is the BSP */
    uint8_t lapic_version;      /* LAPIC version register bits 7:0 */
    uint64_t lapic_addr;

    uint64_t ram_size;          /* total guest RAM */
    uint64_t below_4g;          /* RAM mapped from 0 */
    uint64_t above_4g;          /* RAM mapped from 4 GiB */
    unsigned nram;
    MachineDescRam ram[MD_MAX_RAM_RANGES];   /* sorted, e820 style */

    MachineDescIoapic ioapic;
    unsigned nisa;
    MachineDescIsaDev isa[MD_MAX_ISA_DEVICES];
    MachineDescIrqRoute isa_irq[MD_ISA_IRQS];
    int pic_cascade_irq;        /* 2: the slave i8259 on the master's IR2 */

    bool acpi;                  /* ACPI tables and the PM block present */
    uint16_t pm_iobase;         /* ACPI PM I/O block (hw/acpi/pm.h) */
    int sci_irq;                /* ISA IRQ of the SCI */
    uint16_t reset_port;        /* FADT RESET_REG (port 0xCF9) */
    uint8_t reset_value;
    uint8_t rtc_century;        /* CMOS index of the century byte */
} MachineDesc;

/*
 * Build the description from the options (ram_size, smp_cpus, serial[],
 * acpi). CPU i gets APIC ID i; the board creates its CPUs with these IDs.
 * Fails when the options do not fit the PC (too many CPUs, RAM too small for
 * the low-memory layout). Free with machine_desc_free().
 */
MachineDesc *machine_desc_build(MachineState *ms, GError **errp);
/* The same, from plain numbers (unit tests; serial_mask bit n: COMn+1). */
MachineDesc *machine_desc_new(unsigned ncpus, uint64_t ram_size,
                              unsigned serial_mask, bool acpi, GError **errp);
void machine_desc_free(MachineDesc *d);

/* The ISA device of `kind` (`unit` for serial ports), or NULL. */
const MachineDescIsaDev *machine_desc_find_isa(const MachineDesc *d,
                                               MachineDescIsaKind kind,
                                               unsigned unit);
/* The GSI an ISA IRQ drives (IRQ 0 → 2 on the PC). */
uint32_t machine_desc_isa_irq_to_gsi(const MachineDesc *d, int isa_irq);
/* The highest APIC ID of any CPU. */
uint32_t machine_desc_max_apic_id(const MachineDesc *d);

#endif
