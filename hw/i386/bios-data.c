/*
 * The BIOS data area at 0x400 as PC firmware leaves it for a directly booted
 * OS (IBM PC/AT Technical Reference, "BIOS Data Area"; the word offsets are
 * those every PC OS reads): the COM port bases at 0x400, the EBDA segment at
 * 0x40E (Linux and the MP specification look for the EBDA there) and the
 * conventional memory size in KiB at 0x413. All three come from the machine
 * description. Left out: the equipment word, keyboard buffer, video and
 * timer-tick fields a BIOS would keep up to date; they stay 0.
 */
#include "qemu/osdep.h"
#include "hw/i386/firmware-tables.h"

static void bda_put16(uint8_t *bda, unsigned offset, uint16_t value)
{
    bda[offset] = value & 0xFF;
    bda[offset + 1] = value >> 8;
}

uint8_t *bios_data_build(const MachineDesc *d, size_t *len)
{
    uint8_t *bda = g_malloc0(FW_BDA_SIZE);

    for (unsigned unit = 0; unit < 4; unit++) {
        const MachineDescIsaDev *com =
            machine_desc_find_isa(d, MD_ISA_SERIAL, unit);
        if (com) {
            bda_put16(bda, BDA_COM_PORTS + unit * 2, com->port);
        }
    }
    bda_put16(bda, BDA_EBDA_SEGMENT, MD_EBDA_ADDR >> 4);
    bda_put16(bda, BDA_BASE_MEM_KB, d->ram[0].size >> 10);
    *len = FW_BDA_SIZE;
    return bda;
}

uint8_t fw_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return sum;
}
