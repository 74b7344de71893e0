/*
 * Putting the firmware tables into guest RAM: the BIOS data area, the MP
 * floating pointer (at offset 16 of the EBDA, whose first byte keeps its
 * size in KiB as PC firmware leaves it, and at the start of the F segment:
 * two of the places MPS 1.4 section 4 names), the MP
 * configuration table after it, and the ACPI tables from 0xE0000 (ACPI 6.4
 * 5.2.5.1: the RSDP is found on a 16-byte boundary in 0xE0000-0xFFFFF).
 * Everything comes from the machine description; the CPU signature and
 * features of the MP processor entries come from the BSP's CPUID leaf 1.
 * Left out: a real BIOS and its services, e820 through INT 15h (the
 * Multiboot loader hands the map over), SMBIOS.
 */
#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/i386/firmware-tables.h"
#include "target/i386/cpu.h"
#include "softmmu/memory.h"
#include "trace/hw_i386.h"

static void fw_write(hwaddr addr, const void *data, size_t len,
                     const char *what)
{
    trace_fw_tables_write(addr, len, what);
    address_space_write(&address_space_memory, addr, data, len);
}

void pc_firmware_tables_write(MachineState *ms, const MachineDesc *d)
{
    uint32_t signature = 0, ebx, ecx, features = 0;
    g_autofree uint8_t *bda = NULL;
    size_t bda_len;
    MPTables mp = { 0 };
    uint32_t mp_config = FW_MPTABLE_ADDR + sizeof(mp.floating);
    uint8_t ebda_kb = MD_EBDA_SIZE >> 10;

    bda = bios_data_build(d, &bda_len);
    fw_write(FW_BDA_ADDR, bda, bda_len, "bios data area");

    if (ms->cpus && ms->cpus[0]) {
        x86_cpu_cpuid(ms->cpus[0], 1, 0, &signature, &ebx, &ecx, &features);
    }
    mptable_build(d, mp_config, signature, features, &mp);
    g_assert(sizeof(mp.floating) + mp.config->len <= FW_MPTABLE_AREA_SIZE);
    fw_write(MD_EBDA_ADDR, &ebda_kb, 1, "ebda size");
    fw_write(MD_EBDA_ADDR + FW_EBDA_MPF_OFFSET, mp.floating,
             sizeof(mp.floating), "mp floating pointer (ebda)");
    fw_write(FW_MPTABLE_ADDR, mp.floating, sizeof(mp.floating),
             "mp floating pointer");
    fw_write(mp_config, mp.config->data, mp.config->len, "mp config table");
    mptable_free(&mp);

    if (d->acpi) {
        GByteArray *acpi = acpi_build_tables(d, FW_ACPI_ADDR);
        fw_write(FW_ACPI_ADDR, acpi->data, acpi->len, "acpi tables");
        g_byte_array_free(acpi, TRUE);
    }
}

/* --- little-endian table building (firmware-tables.h) --- */

void fw_put8(GByteArray *t, uint8_t v)
{
    g_byte_array_append(t, &v, 1);
}

void fw_put16(GByteArray *t, uint16_t v)
{
    fw_put8(t, v & 0xFF);
    fw_put8(t, v >> 8);
}

void fw_put32(GByteArray *t, uint32_t v)
{
    fw_put16(t, v & 0xFFFF);
    fw_put16(t, v >> 16);
}

void fw_put64(GByteArray *t, uint64_t v)
{
    fw_put32(t, (uint32_t)v);
    fw_put32(t, (uint32_t)(v >> 32));
}

void fw_put_str(GByteArray *t, const char *s, size_t width)
{
    for (size_t i = 0; i < width; i++) {
        fw_put8(t, *s ? (uint8_t)*s++ : ' ');
    }
}

void fw_patch32(GByteArray *t, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        t->data[off + i] = v >> (i * 8);
    }
}

void fw_patch64(GByteArray *t, size_t off, uint64_t v)
{
    fw_patch32(t, off, (uint32_t)v);
    fw_patch32(t, off + 4, (uint32_t)(v >> 32));
}
