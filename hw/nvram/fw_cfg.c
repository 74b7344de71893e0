/*
 * fw_cfg, QEMU's firmware configuration device, with the legacy I/O
 * interface of QEMU's docs/specs/fw_cfg.rst: a guest writes a 16-bit key to
 * the selector port 0x510, then reads the item a byte at a time from the
 * data port 0x511 (QEMU's "comb" region: byte reads at either port return
 * data). Reading past an item's end, or reading a key that holds nothing,
 * returns 0. The ID item says which interfaces exist: bit 0, the
 * traditional one, only. Items filled at realize from the machine:
 * signature "QEMU", ID, UUID (zeros), RAM size (64-bit), NOGRAPHIC,
 * NB_CPUS, MAX_CPUS, BOOT_MENU (0), the file "etc/boot-fail-wait" (-1,
 * as QEMU always adds it) and the file directory, which lists files by
 * name with big-endian count, size and key as the spec lays out. Left out: the DMA interface (the ID does not advertise it), guest
 * writes to items (QEMU ignores them since 2.4 too), the kernel, initrd and
 * command-line items (lapis loads -kernel itself, not through a firmware
 * option ROM), callbacks on read, and the MMIO flavour of other boards.
 */
#include "qemu/osdep.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/boards.h"
#include "softmmu/memory.h"
#include "trace/hw_nvram.h"

#define FW_CFG_SIGNATURE_STR    "QEMU"
#define FW_CFG_LOCAL_ENTRIES    (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_ARCH_ENTRIES     0x20
#define FW_CFG_DIR_ENTRY_SIZE   64      /* size 4, select 2, reserved 2, name 56 */

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
} FWCfgEntry;

typedef struct FWCfgState {
    DeviceState parent;
    bool nographic;
    MemoryRegion io;
    FWCfgEntry local[FW_CFG_LOCAL_ENTRIES];
    FWCfgEntry arch[FW_CFG_ARCH_ENTRIES];
    char *file_names[FW_CFG_FILE_SLOTS];     /* sorted, file_count used */
    unsigned file_count;
    uint16_t cur_key;
    uint32_t cur_offset;
} FWCfgState;

static FWCfgEntry *fw_cfg_entry(FWCfgState *s, uint16_t key)
{
    unsigned index = key & FW_CFG_ENTRY_MASK;

    if (key == FW_CFG_INVALID) {
        return NULL;
    }
    if (key & FW_CFG_ARCH_LOCAL) {
        return index < FW_CFG_ARCH_ENTRIES ? &s->arch[index] : NULL;
    }
    return index < FW_CFG_LOCAL_ENTRIES ? &s->local[index] : NULL;
}

static void fw_cfg_entry_set(FWCfgEntry *e, const void *data, size_t len)
{
    g_free(e->data);
    e->data = NULL;
    if (len) {
        e->data = g_malloc(len);
        memcpy(e->data, data, len);
    }
    e->len = (uint32_t)len;
}

bool fw_cfg_add_bytes(DeviceState *dev, uint16_t key, const void *data,
                      size_t len)
{
    FWCfgState *s = (FWCfgState *)dev;
    FWCfgEntry *e = fw_cfg_entry(s, key);

    if (!e || len > UINT32_MAX) {
        return false;
    }
    trace_fw_cfg_add(key, (uint32_t)len);
    fw_cfg_entry_set(e, data, len);
    return true;
}

bool fw_cfg_add_string(DeviceState *dev, uint16_t key, const char *value)
{
    return fw_cfg_add_bytes(dev, key, value, strlen(value) + 1);
}

bool fw_cfg_add_i16(DeviceState *dev, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);

    return fw_cfg_add_bytes(dev, key, &le, sizeof(le));
}

bool fw_cfg_add_i32(DeviceState *dev, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);

    return fw_cfg_add_bytes(dev, key, &le, sizeof(le));
}

bool fw_cfg_add_i64(DeviceState *dev, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);

    return fw_cfg_add_bytes(dev, key, &le, sizeof(le));
}

/* FW_CFG_FILE_DIR: BE32 count, then per file BE32 size, BE16 select,
 * BE16 reserved, name[56] NUL-padded. */
static void fw_cfg_rebuild_dir(FWCfgState *s)
{
    size_t len = 4 + (size_t)s->file_count * FW_CFG_DIR_ENTRY_SIZE;
    g_autofree uint8_t *dir = g_malloc0(len);
    uint32_t count_be = GUINT32_TO_BE(s->file_count);

    memcpy(dir, &count_be, 4);
    for (unsigned i = 0; i < s->file_count; i++) {
        uint8_t *ent = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
        uint32_t size_be = GUINT32_TO_BE(s->local[FW_CFG_FILE_FIRST + i].len);
        uint16_t select_be = GUINT16_TO_BE(FW_CFG_FILE_FIRST + i);

        memcpy(ent, &size_be, 4);
        memcpy(ent + 4, &select_be, 2);
        /* Names are shorter than FW_CFG_MAX_FILE_PATH (fw_cfg_add_file). */
        memcpy(ent + 8, s->file_names[i], strlen(s->file_names[i]));
    }
    fw_cfg_entry_set(&s->local[FW_CFG_FILE_DIR], dir, len);
}

uint16_t fw_cfg_file_key(DeviceState *dev, const char *name)
{
    FWCfgState *s = (FWCfgState *)dev;

    for (unsigned i = 0; i < s->file_count; i++) {
        if (strcmp(s->file_names[i], name) == 0) {
            return FW_CFG_FILE_FIRST + i;
        }
    }
    return FW_CFG_INVALID;
}

bool fw_cfg_add_file(DeviceState *dev, const char *name, const void *data,
                     size_t len, GError **errp)
{
    FWCfgState *s = (FWCfgState *)dev;
    uint16_t key = fw_cfg_file_key(dev, name);
    unsigned pos;

    if (strlen(name) >= FW_CFG_MAX_FILE_PATH) {
        error_setg(errp, "fw_cfg: file name '%s' is longer than %d bytes",
                   name, FW_CFG_MAX_FILE_PATH - 1);
        return false;
    }
    if (len > UINT32_MAX) {
        error_setg(errp, "fw_cfg: file '%s' is larger than 4 GiB", name);
        return false;
    }
    if (key != FW_CFG_INVALID) {
        fw_cfg_entry_set(&s->local[key], data, len);
        fw_cfg_rebuild_dir(s);
        return true;
    }
    if (s->file_count >= FW_CFG_FILE_SLOTS) {
        error_setg(errp, "fw_cfg: no free file slot for '%s' (%d in use)",
                   name, FW_CFG_FILE_SLOTS);
        return false;
    }
    /* Keep the directory sorted by name; later files move up one key. */
    for (pos = 0; pos < s->file_count; pos++) {
        if (strcmp(name, s->file_names[pos]) < 0) {
            break;
        }
    }
    for (unsigned i = s->file_count; i > pos; i--) {
        s->file_names[i] = s->file_names[i - 1];
        s->local[FW_CFG_FILE_FIRST + i] = s->local[FW_CFG_FILE_FIRST + i - 1];
    }
    s->file_names[pos] = g_strdup(name);
    s->local[FW_CFG_FILE_FIRST + pos] = (FWCfgEntry) { NULL, 0 };
    fw_cfg_entry_set(&s->local[FW_CFG_FILE_FIRST + pos], data, len);
    s->file_count++;
    trace_fw_cfg_add_file(name, FW_CFG_FILE_FIRST + pos, (uint32_t)len);
    fw_cfg_rebuild_dir(s);
    return true;
}

static void fw_cfg_find_visit(DeviceState *dev, void *opaque)
{
    DeviceState **found = opaque;

    if (!*found && strcmp(dev->klass->name, TYPE_FW_CFG_IO) == 0) {
        *found = dev;
    }
}

DeviceState *fw_cfg_find(void)
{
    DeviceState *found = NULL;

    qdev_foreach(fw_cfg_find_visit, &found);
    return found;
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);

    if (!e || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

static uint64_t fw_cfg_io_read(void *opaque, hwaddr addr, unsigned size)
{
    FWCfgState *s = opaque;

    if (size != 1) {
        /* QEMU rejects wider reads of the data port. */
        return (1ULL << (size * 8)) - 1;
    }
    return fw_cfg_read_byte(s);
}

static void fw_cfg_io_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 2 && addr == 0) {
        s->cur_key = (uint16_t)val;
        s->cur_offset = 0;
        trace_fw_cfg_select(s->cur_key, fw_cfg_entry(s, s->cur_key) != NULL);
    }
    /* Byte writes to the data port: ignored, as in QEMU since 2.4. */
}

static const MemoryRegionOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
};

static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = (FWCfgState *)dev;

    s->cur_key = FW_CFG_INVALID;
    s->cur_offset = 0;
}

static void fw_cfg_realize(DeviceState *dev, GError **errp)
{
    FWCfgState *s = (FWCfgState *)dev;
    static const uint8_t zero_uuid[16];
    MachineState *ms = current_machine;
    unsigned cpus = ms ? ms->smp_cpus : 1;
    uint32_t boot_fail_wait = GUINT32_TO_LE(UINT32_MAX);

    fw_cfg_add_bytes(dev, FW_CFG_SIGNATURE, FW_CFG_SIGNATURE_STR, 4);
    fw_cfg_add_i32(dev, FW_CFG_ID, FW_CFG_VERSION);
    fw_cfg_add_bytes(dev, FW_CFG_UUID, zero_uuid, sizeof(zero_uuid));
    fw_cfg_add_i64(dev, FW_CFG_RAM_SIZE, ms ? ms->ram_size : 0);
    fw_cfg_add_i16(dev, FW_CFG_NOGRAPHIC, s->nographic);
    fw_cfg_add_i16(dev, FW_CFG_NB_CPUS, (uint16_t)cpus);
    /* QEMU's pc gives the APIC ID limit; CPU i has APIC ID i here. */
    fw_cfg_add_i16(dev, FW_CFG_MAX_CPUS, (uint16_t)cpus);
    fw_cfg_add_i16(dev, FW_CFG_BOOT_MENU, 0);
    fw_cfg_rebuild_dir(s);
    /* QEMU always offers the reboot timeout after a failed boot; -1: never
     * retry (SeaBIOS reads it). */
    if (!fw_cfg_add_file(dev, "etc/boot-fail-wait", &boot_fail_wait,
                         sizeof(boot_fail_wait), errp)) {
        return;
    }

    memory_region_init_io(&s->io, &fw_cfg_io_ops, s, "fwcfg", 2);
    memory_region_add_subregion(get_system_io(), FW_CFG_IO_BASE, &s->io);
    fw_cfg_reset(dev);
}

static void fw_cfg_unrealize(DeviceState *dev)
{
    FWCfgState *s = (FWCfgState *)dev;

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
    for (unsigned i = 0; i < FW_CFG_LOCAL_ENTRIES; i++) {
        g_free(s->local[i].data);
    }
    for (unsigned i = 0; i < FW_CFG_ARCH_ENTRIES; i++) {
        g_free(s->arch[i].data);
    }
    for (unsigned i = 0; i < s->file_count; i++) {
        g_free(s->file_names[i]);
    }
}

static const Property fw_cfg_props[] = {
    DEFINE_PROP("nographic", PROP_BOOL, FWCfgState, nographic, false,
                "value of the NOGRAPHIC item"),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass fw_cfg_class = {
    .name = TYPE_FW_CFG_IO,
    .desc = "QEMU firmware configuration, I/O ports 0x510/0x511",
    .instance_size = sizeof(FWCfgState),
    .props = fw_cfg_props,
    /* The pc machine makes one; -device lets tests add it elsewhere. */
    .user_creatable = true,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .unrealize = fw_cfg_unrealize,
};
DEVICE_CLASS_REGISTER(fw_cfg_class)
