/*
 * The firmware tables a directly booted PC OS looks for, all derived from
 * the machine description: the BIOS data area, the Intel MP table (MPS 1.4),
 * the ACPI tables (RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT) and the
 * flattened device tree of -machine dumpdtb. Each generator builds its
 * bytes into a buffer for a given guest address (unit tests check those
 * buffers); pc_firmware_tables_write() puts them all into guest RAM.
 *
 * Where things go (below 1 MiB, RAM on the pc machine):
 *   0x00400  BIOS data area
 *   0x9FC00  EBDA: byte 0 its size in KiB, at +16 the MP floating pointer
 *   0xE0000  ACPI: RSDP first, then the tables (FW_ACPI_AREA_SIZE)
 *   0xF0000  MP floating pointer, then the MP configuration table
 */
#ifndef LAPIS_HW_I386_FIRMWARE_TABLES_H
#define LAPIS_HW_I386_FIRMWARE_TABLES_H

#include "qemu/osdep.h"
#include "hw/i386/machine-desc.h"

typedef struct MachineState MachineState;

#define FW_BDA_ADDR             0x400
#define FW_BDA_SIZE             0x100
#define FW_EBDA_MPF_OFFSET      0x10
#define FW_ACPI_ADDR            0xE0000
#define FW_ACPI_AREA_SIZE       0x10000
#define FW_MPTABLE_ADDR         0xF0000
#define FW_MPTABLE_AREA_SIZE    0x10000

/* BDA offsets (from 0x400; IBM PC/AT Technical Reference, BIOS data). */
#define BDA_COM_PORTS           0x00    /* 4 words: COM1..COM4 base ports */
#define BDA_EBDA_SEGMENT        0x0E    /* word: EBDA segment */
#define BDA_BASE_MEM_KB         0x13    /* word: conventional memory in KiB */

/* The BDA's 256 bytes for `d` (g_free the result). */
uint8_t *bios_data_build(const MachineDesc *d, size_t *len);

/*
 * The MP floating pointer (16 bytes) and configuration table for `d`, the
 * table placed at guest address `table_addr`. Every processor entry carries
 * the same CPU signature (CPUID.1:EAX) and feature flags (CPUID.1:EDX):
 * the pc machine gives all its vCPUs one model.
 */
typedef struct MPTables {
    uint8_t floating[16];
    GByteArray *config;
} MPTables;
void mptable_build(const MachineDesc *d, uint32_t table_addr,
                   uint32_t cpu_signature, uint32_t cpu_features,
                   MPTables *out);
void mptable_free(MPTables *t);

/*
 * The ACPI tables for `d`, laid out from guest address `base` (16-byte
 * aligned): the RSDP is at `base` (offset 0 of the blob), the other tables
 * follow. The blob fits FW_ACPI_AREA_SIZE for up to MD_MAX_CPUS CPUs.
 */
GByteArray *acpi_build_tables(const MachineDesc *d, uint32_t base);

/* The flattened device tree of `d` (NULL with errp when libfdt is absent). */
void *fdt_build(const MachineDesc *d, size_t *size, GError **errp);

/*
 * Write the BDA, both MP floating pointers, the MP table and (when d->acpi)
 * the ACPI tables into guest RAM through address_space_memory. The board
 * calls it at init and at every reset, after the CPUs exist (the MP table
 * reads CPUID from ms->cpus[0]) and before a -kernel is loaded.
 */
void pc_firmware_tables_write(MachineState *ms, const MachineDesc *d);

/*
 * -machine dumpdtb=FILE: write the flattened device tree of `d` to `file`.
 * False with errp when it cannot (libfdt absent, file not writable). The
 * caller then exits: status 0 on success, as QEMU does.
 */
bool pc_dumpdtb(const MachineDesc *d, const char *file, GError **errp);

/* Sum of `len` bytes modulo 256: 0 for a table with a valid checksum. */
uint8_t fw_checksum(const uint8_t *data, size_t len);

/*
 * Little-endian table building, shared by the MP and ACPI builders: append
 * a value to a table, append a string padded with spaces to `width`, or
 * overwrite a field once its value (a length, an address) is known.
 */
void fw_put8(GByteArray *t, uint8_t v);
void fw_put16(GByteArray *t, uint16_t v);
void fw_put32(GByteArray *t, uint32_t v);
void fw_put64(GByteArray *t, uint64_t v);
void fw_put_str(GByteArray *t, const char *s, size_t width);
void fw_patch32(GByteArray *t, size_t off, uint32_t v);
void fw_patch64(GByteArray *t, size_t off, uint64_t v);

#endif
