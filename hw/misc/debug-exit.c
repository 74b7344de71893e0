/*
 * isa-debug-exit: QEMU's test-harness device. A guest write of value V to
 * its port range asks the emulator to exit with status (V << 1) | 1, so a
 * guest can report success or failure to the test runner without a clean
 * shutdown ever looking like a pass (a plain exit is 0, this is always odd).
 * Like QEMU's hw/misc/debugexit.c, any access size from 1 to 4 bytes is
 * accepted inside the region, the value is taken as written (zero-extended
 * to 32 bits, then shifted) and reads return 0. The exit goes through
 * qemu_system_exit_request(), so the main loop cleans up before leaving;
 * the process status only keeps the low 8 bits, as with any exit().
 */
#include "qemu/osdep.h"
#include "hw/misc/debug-exit.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "trace/hw_misc.h"

typedef struct DebugExitState {
    DeviceState parent;
    uint32_t iobase;
    uint32_t iosize;
    MemoryRegion io;
} DebugExitState;

static const Property debug_exit_props[] = {
    DEFINE_PROP("iobase", PROP_UINT32, DebugExitState, iobase, 0x501,
                "first I/O port"),
    DEFINE_PROP("iosize", PROP_UINT32, DebugExitState, iosize, 0x02,
                "number of I/O ports"),
    DEFINE_PROP_END_OF_LIST(),
};

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    DebugExitState *s = opaque;
    int status = (int)(((uint32_t)val << 1) | 1);

    trace_debug_exit_write(s->iobase + (uint32_t)addr, (uint32_t)val, size,
                           status);
    qemu_system_exit_request(status);
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static void debug_exit_realize(DeviceState *dev, GError **errp)
{
    DebugExitState *s = (DebugExitState *)dev;

    if (s->iosize == 0 || s->iosize > 0x10000) {
        error_setg(errp, "isa-debug-exit: iosize must be between 1 and 0x10000, "
                   "not %" PRIu32, s->iosize);
        return;
    }
    if ((uint64_t)s->iobase + s->iosize > 0x10000) {
        error_setg(errp, "isa-debug-exit: iobase 0x%" PRIx32 " + iosize 0x%"
                   PRIx32 " runs past the end of I/O space (0x10000)",
                   s->iobase, s->iosize);
        return;
    }
    memory_region_init_io(&s->io, &debug_exit_ops, s, "isa-debug-exit",
                          s->iosize);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
}

static void debug_exit_unrealize(DeviceState *dev)
{
    DebugExitState *s = (DebugExitState *)dev;

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static const DeviceClass debug_exit_class = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .desc = "exit the emulator with the value written, shifted, as status",
    .instance_size = sizeof(DebugExitState),
    .props = debug_exit_props,
    .user_creatable = true,
    .realize = debug_exit_realize,
    .unrealize = debug_exit_unrealize,
};
DEVICE_CLASS_REGISTER(debug_exit_class)
