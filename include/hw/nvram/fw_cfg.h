/*
 * fw_cfg ("fw_cfg"): QEMU's firmware configuration interface, the legacy
 * I/O flavour: a 16-bit selector at 0x510 and a byte-wide data port at
 * 0x511 (docs/specs/fw_cfg.rst in QEMU). Items are selected by key; files
 * get keys from FW_CFG_FILE_FIRST on and are listed in FW_CFG_FILE_DIR.
 * The device fills the standard items from current_machine when realized;
 * the board and table builders add more with the functions below, before
 * the guest runs.
 */
#ifndef LAPIS_FW_CFG_H
#define LAPIS_FW_CFG_H

#include "hw/qdev.h"

#define TYPE_FW_CFG_IO "fw_cfg"

#define FW_CFG_IO_BASE          0x510
#define FW_CFG_CTL_PORT         0x510
#define FW_CFG_DATA_PORT        0x511

/* Keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE        0x00
#define FW_CFG_ID               0x01
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_FILE_SLOTS       0x20    /* QEMU's default file slot count */
#define FW_CFG_WRITE_CHANNEL    0x4000
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_ENTRY_MASK       (~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL) & 0xffff)
#define FW_CFG_INVALID          0xffff

/* x86 arch-local keys (QEMU's hw/i386/fw_cfg.h). */
#define FW_CFG_ACPI_TABLES      (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES   (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE    (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE       (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET             (FW_CFG_ARCH_LOCAL + 4)

#define FW_CFG_MAX_FILE_PATH    56
/* FW_CFG_ID bits. */
#define FW_CFG_VERSION          0x01    /* the traditional interface */
#define FW_CFG_VERSION_DMA      0x02

/*
 * Adding items. The data is copied. Integers are stored little-endian, as
 * QEMU stores them. A key added twice keeps the last value. Keys outside
 * the table (above FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS, or arch keys
 * above 0x801f) are refused with a false return.
 */
bool fw_cfg_add_bytes(DeviceState *dev, uint16_t key, const void *data,
                      size_t len);
bool fw_cfg_add_string(DeviceState *dev, uint16_t key, const char *value);
bool fw_cfg_add_i16(DeviceState *dev, uint16_t key, uint16_t value);
bool fw_cfg_add_i32(DeviceState *dev, uint16_t key, uint32_t value);
bool fw_cfg_add_i64(DeviceState *dev, uint16_t key, uint64_t value);
/*
 * A named file ("etc/e820", "etc/acpi/tables", ...): listed in the file
 * directory, which QEMU keeps sorted by name, with keys from
 * FW_CFG_FILE_FIRST in that order. Adding an existing name replaces its
 * contents. Fails (errp) on a name of 56 bytes or more, or when all
 * FW_CFG_FILE_SLOTS are used.
 */
bool fw_cfg_add_file(DeviceState *dev, const char *name, const void *data,
                     size_t len, GError **errp);
/* The key of a file, or FW_CFG_INVALID. */
uint16_t fw_cfg_file_key(DeviceState *dev, const char *name);

/* The machine's fw_cfg device (the first realized one), or NULL. */
DeviceState *fw_cfg_find(void);

#endif
