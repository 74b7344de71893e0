/*
 * The PC's system control port B at I/O port 0x61 (device type "port61"),
 * as the PIIX3 datasheet (4.7.2, NMI status and control register) and the
 * PC/AT describe it: bit 0 drives the GATE of 8254 counter 2, bit 1 enables
 * the speaker data path (stored; there is no sound), bits 2 and 3 are the
 * PCI SERR# and IOCHK# NMI enables (stored, nothing raises them), bit 4
 * toggles at every DRAM refresh request (every 15 us of virtual time, which
 * firmware delay loops count), bit 5 reads counter 2's OUT, and bits 6-7,
 * the IOCHK# and SERR# NMI sources, read 0. Bits 4-7 ignore writes.
 * Left out: the speaker itself, and NMI sources.
 */
#include "qemu/osdep.h"
#include "hw/timer/i8254.h"
#include "hw/qdev.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "trace/hw_timer.h"

#define PORT61_GATE2        0x01
#define PORT61_SPEAKER      0x02
#define PORT61_WRITABLE     0x0f    /* bits 0-3: gate, speaker, NMI enables */
#define PORT61_REFRESH      0x10
#define PORT61_OUT2         0x20

#define PORT61_CHANNEL      2

typedef struct Port61State {
    DeviceState parent;
    MemoryRegion io;
    DeviceState *pit;
    uint8_t data;               /* bits 0-3 as written */
    char *pit_path;             /* property "pit": the PIT's path or name */
} Port61State;

static uint64_t port61_read(void *opaque, hwaddr addr, unsigned size)
{
    Port61State *s = opaque;
    uint8_t val = s->data & PORT61_WRITABLE;

    if ((qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / PORT61_REFRESH_NS) & 1) {
        val |= PORT61_REFRESH;
    }
    if (i8254_get_out(s->pit, PORT61_CHANNEL)) {
        val |= PORT61_OUT2;
    }
    return val;
}

static void port61_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    Port61State *s = opaque;

    trace_port61_write((int)val);
    s->data = val & PORT61_WRITABLE;
    i8254_set_gate(s->pit, PORT61_CHANNEL, s->data & PORT61_GATE2);
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void port61_reset(DeviceState *dev)
{
    Port61State *s = (Port61State *)dev;

    s->data = 0;
    i8254_set_gate(s->pit, PORT61_CHANNEL, false);
}

static void port61_realize(DeviceState *dev, GError **errp)
{
    Port61State *s = (Port61State *)dev;
    const char *path = s->pit_path ? s->pit_path : "pit";

    s->pit = qdev_find(path);
    if (!i8254_from_device(s->pit)) {
        error_setg(errp, "port61: pit '%s' is not an %s device", path,
                   TYPE_I8254);
        return;
    }
    memory_region_init_io(&s->io, &port61_ops, s, "port61", 1);
    memory_region_add_subregion(get_system_io(), PORT61_IOBASE, &s->io);
    port61_reset(dev);
}

static void port61_unrealize(DeviceState *dev)
{
    Port61State *s = (Port61State *)dev;

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static const Property port61_props[] = {
    DEFINE_PROP_STRING("pit", Port61State, pit_path),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass port61_class = {
    .name = TYPE_PORT61,
    .desc = "PC system control port B (0x61): PIT counter 2 gate and output",
    .instance_size = sizeof(Port61State),
    .props = port61_props,
    .user_creatable = true,
    .realize = port61_realize,
    .reset = port61_reset,
    .unrealize = port61_unrealize,
};
DEVICE_CLASS_REGISTER(port61_class)

DeviceState *port61_create(DeviceState *pit, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_PORT61);

    qdev_prop_set_string(dev, "pit", pit && pit->path ? pit->path : "pit");
    if (!qdev_realize(dev, TYPE_PORT61, errp)) {
        return NULL;
    }
    return dev;
}
