/*
 * pc-testdev, the x86 test device QEMU offers to guest unit tests, with the
 * port layout and semantics of QEMU's hw/misc/pc-testdev.c so the same test
 * kernels run on both. Two port windows, 0xe0-0xe3 (accesses of 1, 2 or 4
 * bytes at their natural offset) and 0xe8-0xeb (handled a byte at a time),
 * are views of one 32-bit scratch register. Port 0xe4 takes a 32-bit
 * guest-physical address whose page QEMU unmaps and maps again so KVM's
 * dirty and access tracking is exercised; the interpreter here keeps no
 * host-side mapping state per page, so the write is accepted and traced and
 * has no further effect. A byte written to 0x2000+n (n < 24) sets GSI line n
 * to !!value through isa_get_irq(), the board's GSI fan-out.
 * 0xff000000-0xff00ffff is 64 KiB of MMIO that reads back what was written,
 * at any size from 1 to 8 bytes and any alignment. Left out: nothing QEMU's
 * device does, apart from the mprotect dance described above.
 */
#include "qemu/osdep.h"
#include "hw/misc/pc-testdev.h"
#include "hw/qdev.h"
#include "hw/isa.h"
#include "softmmu/memory.h"
#include "trace/hw_misc.h"

typedef struct PCTestdevState {
    DeviceState parent;
    MemoryRegion ioport;        /* 0xe0, sized accesses */
    MemoryRegion ioport_byte;   /* 0xe8, byte by byte */
    MemoryRegion flush;         /* 0xe4 */
    MemoryRegion irq;           /* 0x2000 */
    MemoryRegion iomem;         /* 0xff000000 */
    uint32_t ioport_data;
    uint8_t iomem_buf[PC_TESTDEV_IOMEM_SIZE];
} PCTestdevState;

/* Bytes [addr & 3, (addr & 3) + size) of the scratch register. */
static uint32_t pc_testdev_lane_mask(hwaddr addr, unsigned size)
{
    unsigned shift = (addr & 3) * 8;
    uint32_t ones = size >= 4 ? 0xffffffffu : ((1u << (size * 8)) - 1);

    return ones << shift;
}

static uint64_t pc_testdev_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdevState *s = opaque;
    unsigned shift = (addr & 3) * 8;

    return (s->ioport_data & pc_testdev_lane_mask(addr, size)) >> shift;
}

static void pc_testdev_ioport_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size)
{
    PCTestdevState *s = opaque;
    unsigned shift = (addr & 3) * 8;
    uint32_t mask = pc_testdev_lane_mask(addr, size);

    s->ioport_data = (s->ioport_data & ~mask) | (((uint32_t)val << shift) & mask);
}

static const MemoryRegionOps pc_testdev_ioport_ops = {
    .read = pc_testdev_ioport_read,
    .write = pc_testdev_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static const MemoryRegionOps pc_testdev_ioport_byte_ops = {
    .read = pc_testdev_ioport_read,
    .write = pc_testdev_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t pc_testdev_flush_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void pc_testdev_flush_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    trace_pc_testdev_flush_page((uint64_t)val & ~0xfffULL);
}

/* QEMU takes only 32-bit writes here. */
static const MemoryRegionOps pc_testdev_flush_ops = {
    .read = pc_testdev_flush_read,
    .write = pc_testdev_flush_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t pc_testdev_irq_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void pc_testdev_irq_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    int line = (int)addr;

    if (line >= PC_TESTDEV_IRQ_LINES) {
        return;
    }
    trace_pc_testdev_irq_line(line, val != 0);
    qemu_set_irq(isa_get_irq(line), val != 0);
}

static const MemoryRegionOps pc_testdev_irq_ops = {
    .read = pc_testdev_irq_read,
    .write = pc_testdev_irq_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t pc_testdev_iomem_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t val = 0;

    if (addr + size > PC_TESTDEV_IOMEM_SIZE) {
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)s->iomem_buf[addr + i] << (i * 8);
    }
    return val;
}

static void pc_testdev_iomem_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    PCTestdevState *s = opaque;

    if (addr + size > PC_TESTDEV_IOMEM_SIZE) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        s->iomem_buf[addr + i] = (uint8_t)(val >> (i * 8));
    }
}

static const MemoryRegionOps pc_testdev_iomem_ops = {
    .read = pc_testdev_iomem_read,
    .write = pc_testdev_iomem_write,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static void pc_testdev_realize(DeviceState *dev, GError **errp)
{
    PCTestdevState *s = (PCTestdevState *)dev;

    memory_region_init_io(&s->ioport, &pc_testdev_ioport_ops, s,
                          "pc-testdev-ioport", 4);
    memory_region_init_io(&s->ioport_byte, &pc_testdev_ioport_byte_ops, s,
                          "pc-testdev-ioport-byte", 4);
    memory_region_init_io(&s->flush, &pc_testdev_flush_ops, s,
                          "pc-testdev-flush-page", 4);
    memory_region_init_io(&s->irq, &pc_testdev_irq_ops, s,
                          "pc-testdev-irq-line", PC_TESTDEV_IRQ_LINES);
    memory_region_init_io(&s->iomem, &pc_testdev_iomem_ops, s,
                          "pc-testdev-iomem", PC_TESTDEV_IOMEM_SIZE);
    memory_region_add_subregion(get_system_io(), PC_TESTDEV_IOPORT, &s->ioport);
    memory_region_add_subregion(get_system_io(), PC_TESTDEV_FLUSH_PAGE,
                                &s->flush);
    memory_region_add_subregion(get_system_io(), PC_TESTDEV_IOPORT_BYTE,
                                &s->ioport_byte);
    memory_region_add_subregion(get_system_io(), PC_TESTDEV_IRQ_BASE, &s->irq);
    memory_region_add_subregion(get_system_memory(), PC_TESTDEV_IOMEM_BASE,
                                &s->iomem);
}

static void pc_testdev_unrealize(DeviceState *dev)
{
    PCTestdevState *s = (PCTestdevState *)dev;
    MemoryRegion *io_regions[] = { &s->ioport, &s->flush, &s->ioport_byte,
                                   &s->irq };

    for (size_t i = 0; i < G_N_ELEMENTS(io_regions); i++) {
        memory_region_del_subregion(get_system_io(), io_regions[i]);
        memory_region_finalize(io_regions[i]);
    }
    memory_region_del_subregion(get_system_memory(), &s->iomem);
    memory_region_finalize(&s->iomem);
}

static const Property pc_testdev_props[] = {
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass pc_testdev_class = {
    .name = TYPE_PC_TESTDEV,
    .desc = "x86 test device: scratch ports, IRQ lines, MMIO memory (QEMU's)",
    .instance_size = sizeof(PCTestdevState),
    .props = pc_testdev_props,
    .user_creatable = true,
    .realize = pc_testdev_realize,
    .unrealize = pc_testdev_unrealize,
};
DEVICE_CLASS_REGISTER(pc_testdev_class)
