/*
 * The Intel MultiProcessor Specification 1.4 tables (MPS 1.4, May 1997,
 * chapter 4): the 16-byte floating pointer structure and the base
 * configuration table, built from the machine description. The table holds
 * a processor entry for every vCPU (APIC ID, LAPIC version, enabled, BSP,
 * CPUID signature and features), one ISA bus, the IOAPIC, an I/O interrupt
 * entry for every ISA IRQ as the description routes it (IRQ 0 to pin 2, the
 * cascade IRQ 2 left out, the SCI level triggered when ACPI is on), and the
 * local interrupts ExtINT to LINT0 and NMI to LINT1 of every LAPIC. IMCRP is
 * clear: virtual-wire mode, no IMCR (section 3.6.2.2). Left out: the
 * extended table (entry types 128+), PCI buses, OEM tables.
 */
#include "qemu/osdep.h"
#include "hw/i386/firmware-tables.h"

/* Floating pointer structure (MPS 1.4 table 4-1). */
#define MPF_SIGNATURE           "_MP_"
#define MPF_OFF_PHYSPTR         4
#define MPF_OFF_LENGTH          8       /* in 16-byte units */
#define MPF_OFF_SPEC_REV        9
#define MPF_OFF_CHECKSUM        10
#define MPF_OFF_FEATURE1        11      /* 0: a configuration table exists */
#define MPF_OFF_FEATURE2        12      /* bit 7 IMCRP */
#define MP_SPEC_REV_1_4         4

/* Configuration table header (MPS 1.4 table 4-2). */
#define MPC_SIGNATURE           "PCMP"
#define MPC_HEADER_LEN          44
#define MPC_OFF_LENGTH          4
#define MPC_OFF_SPEC_REV        6
#define MPC_OFF_CHECKSUM        7
#define MPC_OFF_OEM_ID          8
#define MPC_OFF_PRODUCT_ID      16
#define MPC_OFF_ENTRY_COUNT     34
#define MPC_OFF_LAPIC_ADDR      36

/* Entry types (MPS 1.4 table 4-3). */
enum {
    MP_ENTRY_PROCESSOR = 0,     /* 20 bytes */
    MP_ENTRY_BUS = 1,           /* 8 bytes */
    MP_ENTRY_IOAPIC = 2,
    MP_ENTRY_IOINT = 3,
    MP_ENTRY_LINT = 4,
};
#define MP_CPU_ENABLED          (1u << 0)
#define MP_CPU_BSP              (1u << 1)
#define MP_IOAPIC_ENABLED       (1u << 0)
/* Interrupt types (MPS 1.4 table 4-9). */
#define MP_INT_INT              0
#define MP_INT_NMI              1
#define MP_INT_EXTINT           3
#define MP_ISA_BUS_ID           0
#define MP_ALL_LAPICS           0xFF

static void mp_put_intsrc(GByteArray *t, uint8_t entry, uint8_t int_type,
                          uint16_t flags, uint8_t bus_irq, uint8_t dest_id,
                          uint8_t dest_pin)
{
    fw_put8(t, entry);
    fw_put8(t, int_type);
    fw_put16(t, flags);
    fw_put8(t, MP_ISA_BUS_ID);
    fw_put8(t, bus_irq);
    fw_put8(t, dest_id);
    fw_put8(t, dest_pin);
}

void mptable_build(const MachineDesc *d, uint32_t table_addr,
                   uint32_t cpu_signature, uint32_t cpu_features,
                   MPTables *out)
{
    GByteArray *t = g_byte_array_new();
    uint16_t count = 0;

    fw_put_str(t, MPC_SIGNATURE, 4);
    fw_put16(t, 0);                        /* length, patched below */
    fw_put8(t, MP_SPEC_REV_1_4);
    fw_put8(t, 0);                         /* checksum, patched below */
    fw_put_str(t, "LAPIS", 8);
    fw_put_str(t, "PC", 12);
    fw_put32(t, 0);                        /* OEM table pointer */
    fw_put16(t, 0);                        /* OEM table size */
    fw_put16(t, 0);                        /* entry count, patched below */
    fw_put32(t, (uint32_t)d->lapic_addr);
    fw_put16(t, 0);                        /* extended table length */
    fw_put8(t, 0);                         /* extended table checksum */
    fw_put8(t, 0);
    g_assert(t->len == MPC_HEADER_LEN);

    for (unsigned i = 0; i < d->ncpus; i++) {
        fw_put8(t, MP_ENTRY_PROCESSOR);
        fw_put8(t, (uint8_t)d->cpus[i].apic_id);
        fw_put8(t, d->lapic_version);
        fw_put8(t, MP_CPU_ENABLED | (d->cpus[i].bsp ? MP_CPU_BSP : 0));
        fw_put32(t, cpu_signature);
        fw_put32(t, cpu_features);
        fw_put32(t, 0);
        fw_put32(t, 0);
        count++;
    }

    fw_put8(t, MP_ENTRY_BUS);
    fw_put8(t, MP_ISA_BUS_ID);
    fw_put_str(t, "ISA", 6);
    count++;

    fw_put8(t, MP_ENTRY_IOAPIC);
    fw_put8(t, d->ioapic.id);
    fw_put8(t, d->ioapic.version);
    fw_put8(t, MP_IOAPIC_ENABLED);
    fw_put32(t, (uint32_t)d->ioapic.addr);
    count++;

    for (int irq = 0; irq < MD_ISA_IRQS; irq++) {
        const MachineDescIrqRoute *r = &d->isa_irq[irq];
        if (!r->present) {
            continue;
        }
        mp_put_intsrc(t, MP_ENTRY_IOINT, MP_INT_INT, r->flags, irq,
                      d->ioapic.id, r->gsi - d->ioapic.gsi_base);
        count++;
    }

    /* Virtual wire: the PIC's INTR to every LINT0, NMI to every LINT1. */
    mp_put_intsrc(t, MP_ENTRY_LINT, MP_INT_EXTINT, 0, 0, MP_ALL_LAPICS, 0);
    mp_put_intsrc(t, MP_ENTRY_LINT, MP_INT_NMI, 0, 0, MP_ALL_LAPICS, 1);
    count += 2;

    t->data[MPC_OFF_LENGTH] = t->len & 0xFF;
    t->data[MPC_OFF_LENGTH + 1] = t->len >> 8;
    t->data[MPC_OFF_ENTRY_COUNT] = count & 0xFF;
    t->data[MPC_OFF_ENTRY_COUNT + 1] = count >> 8;
    t->data[MPC_OFF_CHECKSUM] = -fw_checksum(t->data, t->len);
    out->config = t;

    memset(out->floating, 0, sizeof(out->floating));
    memcpy(out->floating, MPF_SIGNATURE, 4);
    for (int i = 0; i < 4; i++) {
        out->floating[MPF_OFF_PHYSPTR + i] = table_addr >> (i * 8);
    }
    out->floating[MPF_OFF_LENGTH] = 1;
    out->floating[MPF_OFF_SPEC_REV] = MP_SPEC_REV_1_4;
    out->floating[MPF_OFF_FEATURE1] = 0;
    out->floating[MPF_OFF_FEATURE2] = 0;   /* IMCRP clear */
    out->floating[MPF_OFF_CHECKSUM] =
        -fw_checksum(out->floating, sizeof(out->floating));
}

void mptable_free(MPTables *t)
{
    if (t->config) {
        g_byte_array_free(t->config, TRUE);
        t->config = NULL;
    }
}
