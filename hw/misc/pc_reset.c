/*
 * pc-reset: the two software reset registers of a PC chipset. System
 * Control Port A at 0x92 (PS/2 and every chipset since; Intel ICH9 datasheet
 * 13.7.2 "PORT92"): bit 0 INIT_NOW, a 0 to 1 transition resets the machine
 * ("fast reset"); bit 1 ALT_A20_GATE, the fast A20 gate ORed with the
 * keyboard controller's; the register reads back as written. The Reset
 * Control Register at 0xCF9 (ICH9 13.7.5 "RST_CNT", a byte register that
 * shares the dword 0xCF8 only for byte accesses): bit 1 SYS_RST picks a
 * hard (1) or soft (0) reset, bit 2 RST_CPU starts it when it goes 0 to 1,
 * bit 3 FULL_RST asks for a power cycle; bits 1 and 3 read back, bit 2 is
 * self-clearing. Both go through qemu_system_reset_request(GUEST_RESET).
 * Left out: a soft reset (SYS_RST clear) should only INIT the CPUs, and a
 * full reset should drop power for a few seconds; both reset the whole
 * machine here, as QEMU's PIIX does. When a PCI host bridge claims
 * 0xCF8-0xCFF it must hand byte accesses at 0xCF9 to this register.
 */
#include "qemu/osdep.h"
#include "hw/misc/pc_reset.h"
#include "hw/input/i8042.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "trace/hw_misc.h"

/* Port 0x92 bits (ICH9 13.7.2). */
#define PORT92_INIT_NOW     0x01
#define PORT92_A20          0x02
/* RST_CNT bits (ICH9 13.7.5). */
#define RST_CNT_SYS_RST     0x02
#define RST_CNT_RST_CPU     0x04
#define RST_CNT_FULL_RST    0x08

typedef struct PCResetState {
    DeviceState parent;
    MemoryRegion port92_io;
    MemoryRegion cf9_io;
    uint8_t port92;
    uint8_t rst_cnt;
    qemu_irq a20_out;           /* GPIO out "a20" */
} PCResetState;

static uint64_t port92_read(void *opaque, hwaddr addr, unsigned size)
{
    PCResetState *s = opaque;

    return s->port92;
}

static void port92_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCResetState *s = opaque;
    uint8_t old = s->port92;

    s->port92 = (uint8_t)val;
    trace_pc_reset_port92_write(s->port92);
    if ((old ^ s->port92) & PORT92_A20) {
        qemu_set_irq(s->a20_out, !!(s->port92 & PORT92_A20));
    }
    if ((s->port92 & PORT92_INIT_NOW) && !(old & PORT92_INIT_NOW)) {
        trace_pc_reset_request("port 0x92 INIT_NOW");
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t cf9_read(void *opaque, hwaddr addr, unsigned size)
{
    PCResetState *s = opaque;

    return s->rst_cnt;
}

static void cf9_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCResetState *s = opaque;

    trace_pc_reset_cf9_write((uint32_t)val);
    /* RST_CPU is self-clearing, so every write with it set is a 0 -> 1
     * transition of the register as software sees it. */
    s->rst_cnt = (uint8_t)val & (RST_CNT_SYS_RST | RST_CNT_FULL_RST);
    if (val & RST_CNT_RST_CPU) {
        trace_pc_reset_request((val & (RST_CNT_SYS_RST | RST_CNT_FULL_RST))
                               ? "0xcf9 hard reset" : "0xcf9 soft reset");
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps cf9_ops = {
    .read = cf9_read,
    .write = cf9_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

bool pc_reset_a20_enabled(DeviceState *dev)
{
    PCResetState *s = (PCResetState *)dev;

    return (s->port92 & PORT92_A20) != 0;
}

typedef struct A20Query {
    bool have_gate;
    bool enabled;
} A20Query;

static void pc_a20_visit(DeviceState *dev, void *opaque)
{
    A20Query *q = opaque;

    if (strcmp(dev->klass->name, TYPE_PC_RESET) == 0) {
        q->have_gate = true;
        q->enabled |= pc_reset_a20_enabled(dev);
    } else if (strcmp(dev->klass->name, TYPE_I8042) == 0) {
        q->have_gate = true;
        q->enabled |= i8042_a20_enabled(dev);
    }
}

bool pc_a20_enabled(void)
{
    A20Query q = { false, false };

    qdev_foreach(pc_a20_visit, &q);
    return !q.have_gate || q.enabled;
}

static void pc_reset_reset(DeviceState *dev)
{
    PCResetState *s = (PCResetState *)dev;

    /* Both registers power up as 0 (ICH9 13.7.2, 13.7.5); the i8042's
     * output port keeps A20 on, so the gate as a whole stays open. */
    s->port92 = 0;
    s->rst_cnt = 0;
    qemu_set_irq(s->a20_out, 0);
}

static void pc_reset_realize(DeviceState *dev, GError **errp)
{
    PCResetState *s = (PCResetState *)dev;

    qdev_init_gpio_out_named(dev, &s->a20_out, "a20", 1);
    memory_region_init_io(&s->port92_io, &port92_ops, s, "port92", 1);
    memory_region_init_io(&s->cf9_io, &cf9_ops, s, "reset-control", 1);
    memory_region_add_subregion(get_system_io(), PC_RESET_PORT92,
                                &s->port92_io);
    memory_region_add_subregion(get_system_io(), PC_RESET_CF9, &s->cf9_io);
}

static void pc_reset_unrealize(DeviceState *dev)
{
    PCResetState *s = (PCResetState *)dev;

    memory_region_del_subregion(get_system_io(), &s->port92_io);
    memory_region_del_subregion(get_system_io(), &s->cf9_io);
    memory_region_finalize(&s->port92_io);
    memory_region_finalize(&s->cf9_io);
}

static const Property pc_reset_props[] = {
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass pc_reset_class = {
    .name = TYPE_PC_RESET,
    .desc = "PC reset registers: port 0x92 (fast reset, fast A20), 0xCF9",
    .instance_size = sizeof(PCResetState),
    .props = pc_reset_props,
    /* The pc machine makes one; -device lets tests add it on boards that
     * lack it. */
    .user_creatable = true,
    .realize = pc_reset_realize,
    .reset = pc_reset_reset,
    .unrealize = pc_reset_unrealize,
};
DEVICE_CLASS_REGISTER(pc_reset_class)
