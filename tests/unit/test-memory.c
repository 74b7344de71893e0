/*
 * Unit tests of the memory API (softmmu/memory.c): rendering (priorities,
 * aliases, enable/disable, moves), dispatch (access splitting and widening,
 * valid sizes, range boundaries, unassigned accesses, byte order, read-only
 * RAM), per-vCPU views built from aliases, listeners, transactions and the
 * "info mtree" text. Each test builds its own address space and tears it down.
 */
#include "qemu/osdep.h"

#include <unistd.h>

#include "softmmu/memory.h"
#include "qemu/log.h"

/* ------------------------------------------------------------------------ */
/* A test device: 64 bytes of registers that log every callback.             */

#define DEV_REGS 64
#define DEV_LOG 32

typedef struct DevCall {
    bool is_write;
    hwaddr addr;
    unsigned size;
    uint64_t value;
} DevCall;

typedef struct TestDev {
    uint8_t regs[DEV_REGS];
    DevCall calls[DEV_LOG];
    unsigned nr_calls;
} TestDev;

static void dev_log(TestDev *d, bool is_write, hwaddr addr, unsigned size,
                    uint64_t value)
{
    if (d->nr_calls < DEV_LOG) {
        d->calls[d->nr_calls++] = (DevCall){ is_write, addr, size, value };
    }
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(addr + i) % DEV_REGS] << (i * 8);
    }
    dev_log(d, false, addr, size, v);
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    TestDev *d = opaque;

    for (unsigned i = 0; i < size; i++) {
        d->regs[(addr + i) % DEV_REGS] = value >> (i * 8);
    }
    dev_log(d, true, addr, size, value);
}

/* Defaults: valid 1..4, aligned; impl the same. */
static const MemoryRegionOps ops_default = {
    .read = dev_read,
    .write = dev_write,
};

/*
 * The guest may use 1..8 bytes, aligned or not; the callbacks only do aligned
 * 4 bytes.
 */
static const MemoryRegionOps ops_impl4 = {
    .read = dev_read,
    .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* The guest may only use aligned 4-byte accesses. */
static const MemoryRegionOps ops_valid4 = {
    .read = dev_read,
    .write = dev_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static MemoryRegion *new_ram(const char *name, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    GError *err = NULL;

    g_assert_true(memory_region_init_ram(mr, name, size, &err));
    g_assert_no_error(err);
    return mr;
}

static MemoryRegion *new_io(const char *name, uint64_t size,
                            const MemoryRegionOps *ops, TestDev *dev)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    memory_region_init_io(mr, ops, dev, name, size);
    return mr;
}

static MemoryRegion *new_container(const char *name, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    memory_region_init(mr, name, size);
    return mr;
}

static MemoryRegion *new_alias(const char *name, MemoryRegion *orig,
                               hwaddr offset, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);
    memory_region_init_alias(mr, name, orig, offset, size);
    return mr;
}

/* Detach (if needed), finalize and free each region, in the order given. */
static void free_regions(MemoryRegion *first, ...)
{
    va_list ap;

    va_start(ap, first);
    for (MemoryRegion *mr = first; mr; mr = va_arg(ap, MemoryRegion *)) {
        if (mr->container) {
            memory_region_del_subregion(mr->container, mr);
        }
        memory_region_finalize(mr);
        g_free(mr);
    }
    va_end(ap);
}

static MemoryRegion *mr_at(AddressSpace *as, hwaddr addr)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    return fr ? fr->mr : NULL;
}

static uint64_t ld(AddressSpace *as, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    g_assert_cmpint(address_space_ld(as, addr, size, &v), ==, MEMTX_OK);
    return v;
}

static void st(AddressSpace *as, hwaddr addr, unsigned size, uint64_t v)
{
    g_assert_cmpint(address_space_st(as, addr, size, v), ==, MEMTX_OK);
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                 */

static void test_overlap_higher_priority_wins(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *low = new_ram("low", 0x10000);
    MemoryRegion *high = new_ram("high", 0x1000);
    AddressSpace as;
    const FlatRange *fr;

    address_space_init(&as, root, "test");
    /* The higher one goes in first: order must not matter across priorities. */
    memory_region_add_subregion_overlap(root, 0x1000, high, 1);
    memory_region_add_subregion_overlap(root, 0, low, 0);

    g_assert_cmpuint(as.current_map->nr, ==, 3);
    g_assert_true(mr_at(&as, 0x0fff) == low);
    g_assert_true(mr_at(&as, 0x1000) == high);
    g_assert_true(mr_at(&as, 0x1fff) == high);
    fr = address_space_lookup(&as, 0x2000);
    g_assert_true(fr->mr == low);
    g_assert_cmphex(fr->start, ==, 0x2000);
    g_assert_cmphex(fr->last, ==, 0xffff);
    g_assert_cmphex(fr->offset_in_region, ==, 0x2000);

    address_space_destroy(&as);
    free_regions(root, low, high, NULL);
}

static void test_overlap_equal_priority_last_added_wins(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *a = new_ram("a", 0x2000);
    MemoryRegion *b = new_ram("b", 0x2000);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, a);
    memory_region_add_subregion(root, 0x1000, b);
    g_assert_true(mr_at(&as, 0x0800) == a);
    g_assert_true(mr_at(&as, 0x1800) == b);     /* b came later */
    g_assert_true(mr_at(&as, 0x2800) == b);

    /* Re-adding a makes it the newest: it now wins the overlap. */
    memory_region_del_subregion(root, a);
    memory_region_add_subregion(root, 0, a);
    g_assert_true(mr_at(&as, 0x1800) == a);
    g_assert_true(mr_at(&as, 0x2800) == b);

    address_space_destroy(&as);
    free_regions(root, a, b, NULL);
}

static void test_alias_into_container(void)
{
    MemoryRegion *root = new_container("root", 0x100000);
    MemoryRegion *box = new_container("box", 0x4000);
    MemoryRegion *r0 = new_ram("r0", 0x2000);
    MemoryRegion *r1 = new_ram("r1", 0x2000);
    MemoryRegion *win = new_alias("win", box, 0x1000, 0x2000);
    AddressSpace as;
    const FlatRange *fr;

    memory_region_add_subregion(box, 0, r0);
    memory_region_add_subregion(box, 0x2000, r1);
    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x10000, win);

    /* The window shows box 0x1000-0x2fff: the top of r0, the bottom of r1. */
    g_assert_cmpuint(as.current_map->nr, ==, 2);
    fr = address_space_lookup(&as, 0x10000);
    g_assert_true(fr->mr == r0);
    g_assert_cmphex(fr->offset_in_region, ==, 0x1000);
    g_assert_cmphex(fr->last, ==, 0x10fff);
    fr = address_space_lookup(&as, 0x11000);
    g_assert_true(fr->mr == r1);
    g_assert_cmphex(fr->offset_in_region, ==, 0);
    g_assert_cmphex(fr->last, ==, 0x11fff);
    g_assert_null(mr_at(&as, 0x12000));
    g_assert_null(mr_at(&as, 0x0ffff));

    /* Accesses land in the right region at the right offset. */
    st(&as, 0x11004, 4, 0xcafef00d);
    g_assert_cmphex(*(uint32_t *)((uint8_t *)memory_region_get_ram_ptr(r1) + 4),
                    ==, GUINT32_TO_LE(0xcafef00d));
    st(&as, 0x10ffc, 4, 0x12345678);
    g_assert_cmphex(*(uint32_t *)((uint8_t *)memory_region_get_ram_ptr(r0) +
                                  0x1ffc), ==, GUINT32_TO_LE(0x12345678));
    address_space_destroy(&as);
    free_regions(win, root, box, r0, r1, NULL);
}

static void test_alias_of_alias(void)
{
    MemoryRegion *root = new_container("root", 0x100000);
    MemoryRegion *ram = new_ram("ram", 0x10000);
    MemoryRegion *a1 = new_alias("a1", ram, 0x4000, 0x8000);
    MemoryRegion *a2 = new_alias("a2", a1, 0x1000, 0x2000);
    AddressSpace as;
    const FlatRange *fr;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x20000, a2);

    /* a2 @0 = a1 @0x1000 = ram @0x5000; offsets add through both aliases. */
    fr = address_space_lookup(&as, 0x20000);
    g_assert_true(fr->mr == ram);
    g_assert_cmphex(fr->offset_in_region, ==, 0x5000);
    g_assert_cmphex(fr->last, ==, 0x21fff);
    g_assert_true(memory_region_get_ram_ptr(a2) ==
                  (uint8_t *)memory_region_get_ram_ptr(ram) + 0x5000);

    /* Moving the inner window moves what the outer one shows. */
    memory_region_set_alias_offset(a1, 0);
    fr = address_space_lookup(&as, 0x20000);
    g_assert_cmphex(fr->offset_in_region, ==, 0x1000);

    address_space_destroy(&as);
    free_regions(a2, a1, root, ram, NULL);
}

static void test_disabled_region_reveals_lower(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x10000);
    MemoryRegion *rom = new_ram("shadow", 0x1000);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion_overlap(root, 0x8000, rom, 1);
    g_assert_true(mr_at(&as, 0x8800) == rom);

    memory_region_set_enabled(rom, false);
    g_assert_true(mr_at(&as, 0x8800) == ram);
    /* With nothing above it, ram is one range again. */
    g_assert_cmpuint(as.current_map->nr, ==, 1);

    memory_region_set_enabled(rom, true);
    g_assert_true(mr_at(&as, 0x8800) == rom);

    /* A disabled container hides everything in it. */
    memory_region_set_enabled(ram, false);
    memory_region_set_enabled(rom, false);
    g_assert_cmpuint(as.current_map->nr, ==, 0);

    address_space_destroy(&as);
    free_regions(root, ram, rom, NULL);
}

static void test_flatview_merges_contiguous_pieces(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x4000);
    MemoryRegion *lo = new_alias("lo", ram, 0, 0x2000);
    MemoryRegion *hi = new_alias("hi", ram, 0x2000, 0x2000);
    MemoryRegion *gap = new_alias("gap", ram, 0x3000, 0x1000);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, lo);
    memory_region_add_subregion(root, 0x2000, hi);
    /* Two windows that continue each other are one range. */
    g_assert_cmpuint(as.current_map->nr, ==, 1);
    g_assert_cmphex(as.current_map->ranges[0].last, ==, 0x3fff);

    /* Same region, adjacent, but not contiguous offsets: two ranges. */
    memory_region_add_subregion(root, 0x4000, gap);
    g_assert_cmpuint(as.current_map->nr, ==, 2);

    address_space_destroy(&as);
    free_regions(lo, hi, gap, root, ram, NULL);
}

static void test_set_size_resizes_window(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x4000);
    MemoryRegion *win = new_alias("win", ram, 0, 0x4000);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x8000, win);
    g_assert_true(mr_at(&as, 0xbfff) == ram);

    memory_region_set_size(win, 0x1000);
    g_assert_cmpuint(memory_region_size(win), ==, 0x1000);
    g_assert_true(mr_at(&as, 0x8fff) == ram);
    g_assert_null(mr_at(&as, 0x9000));

    /* A window larger than its target is cut at the target's end. */
    memory_region_set_size(win, 0x8000);
    g_assert_true(mr_at(&as, 0xbfff) == ram);
    g_assert_null(mr_at(&as, 0xc000));

    address_space_destroy(&as);
    free_regions(win, root, ram, NULL);
}

static void test_whole_space_container(void)
{
    MemoryRegion *root = new_container("root", UINT64_MAX);
    MemoryRegion *top = new_ram("top", 0x1000);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0xfffffffffffff000ULL, top);
    g_assert_cmpuint(as.current_map->nr, ==, 1);
    g_assert_cmphex(as.current_map->ranges[0].last, ==, UINT64_MAX);
    st(&as, UINT64_MAX - 7, 8, 0x0102030405060708ULL);
    g_assert_cmphex(ld(&as, UINT64_MAX - 7, 8), ==, 0x0102030405060708ULL);
    g_assert_cmphex(ld(&as, UINT64_MAX, 1), ==, 0x01);

    address_space_destroy(&as);
    free_regions(root, top, NULL);
}

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                  */

static void test_io_wide_access_split(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_impl4, &dev);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x1000, io);

    st(&as, 0x1008, 8, 0x1122334455667788ULL);
    g_assert_cmpuint(dev.nr_calls, ==, 2);
    g_assert_true(dev.calls[0].is_write);
    g_assert_cmphex(dev.calls[0].addr, ==, 8);
    g_assert_cmpuint(dev.calls[0].size, ==, 4);
    g_assert_cmphex(dev.calls[0].value, ==, 0x55667788);
    g_assert_cmphex(dev.calls[1].addr, ==, 12);
    g_assert_cmphex(dev.calls[1].value, ==, 0x11223344);

    dev.nr_calls = 0;
    g_assert_cmphex(ld(&as, 0x1008, 8), ==, 0x1122334455667788ULL);
    g_assert_cmpuint(dev.nr_calls, ==, 2);
    g_assert_false(dev.calls[0].is_write);
    g_assert_cmpuint(dev.calls[0].size, ==, 4);
    g_assert_cmpuint(dev.calls[1].size, ==, 4);

    address_space_destroy(&as);
    free_regions(root, io, NULL);
}

static void test_io_narrow_access_widened(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_impl4, &dev);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x1000, io);
    memcpy(dev.regs + 4, "\x11\x22\x33\x44", 4);

    /* A byte read is one aligned 4-byte read, the byte extracted. */
    g_assert_cmphex(ld(&as, 0x1006, 1), ==, 0x33);
    g_assert_cmpuint(dev.nr_calls, ==, 1);
    g_assert_cmphex(dev.calls[0].addr, ==, 4);
    g_assert_cmpuint(dev.calls[0].size, ==, 4);

    /* A 2-byte read across two units reads both. */
    dev.nr_calls = 0;
    dev.regs[8] = 0x55;
    g_assert_cmphex(ld(&as, 0x1007, 2), ==, 0x5544);
    g_assert_cmpuint(dev.nr_calls, ==, 2);

    /* A byte write is read-modify-write of its unit. */
    dev.nr_calls = 0;
    st(&as, 0x1005, 1, 0xaa);
    g_assert_cmpuint(dev.nr_calls, ==, 2);
    g_assert_false(dev.calls[0].is_write);
    g_assert_true(dev.calls[1].is_write);
    g_assert_cmphex(dev.calls[1].addr, ==, 4);
    g_assert_cmpuint(dev.calls[1].size, ==, 4);
    g_assert_cmphex(dev.calls[1].value, ==, 0x4433aa11);

    address_space_destroy(&as);
    free_regions(root, io, NULL);
}

static void test_io_invalid_size_rejected(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_valid4, &dev);
    AddressSpace as;
    uint64_t v = 0;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x1000, io);
    memset(dev.regs, 0, sizeof(dev.regs));

    /* Too narrow: reads all ones, nothing reaches the device. */
    g_assert_cmpint(address_space_ld(&as, 0x1000, 2, &v), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffff);
    g_assert_cmpint(address_space_st(&as, 0x1000, 1, 0x5a), ==,
                    MEMTX_DECODE_ERROR);
    /* Too wide. */
    g_assert_cmpint(address_space_ld(&as, 0x1000, 8, &v), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, UINT64_MAX);
    /* Misaligned. */
    g_assert_cmpint(address_space_st(&as, 0x1002, 4, 0x5a5a5a5a), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpuint(dev.nr_calls, ==, 0);
    g_assert_cmphex(dev.regs[0], ==, 0);
    g_assert_cmphex(dev.regs[2], ==, 0);

    /* The one valid shape works. */
    st(&as, 0x1004, 4, 0xdeadbeef);
    g_assert_cmpuint(dev.nr_calls, ==, 1);

    address_space_destroy(&as);
    free_regions(root, io, NULL);
}

static void test_io_buffer_access_split_by_valid_size(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_default, &dev);
    AddressSpace as;
    uint8_t buf[7];

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x1000, io);
    for (unsigned i = 0; i < DEV_REGS; i++) {
        dev.regs[i] = i;
    }

    /* 7 bytes at offset 1: 1 @1, 2 @2, 4 @4 (aligned pieces, at most 4). */
    g_assert_cmpint(address_space_read(&as, 0x1001, buf, sizeof(buf)), ==,
                    MEMTX_OK);
    g_assert_cmpuint(dev.nr_calls, ==, 3);
    g_assert_cmphex(dev.calls[0].addr, ==, 1);
    g_assert_cmpuint(dev.calls[0].size, ==, 1);
    g_assert_cmphex(dev.calls[1].addr, ==, 2);
    g_assert_cmpuint(dev.calls[1].size, ==, 2);
    g_assert_cmphex(dev.calls[2].addr, ==, 4);
    g_assert_cmpuint(dev.calls[2].size, ==, 4);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        g_assert_cmpuint(buf[i], ==, i + 1);
    }

    address_space_destroy(&as);
    free_regions(root, io, NULL);
}

static void test_access_unaligned_across_two_regions(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_default, &dev);
    AddressSpace as;
    uint8_t *p;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion(root, 0x1000, io);
    p = memory_region_get_ram_ptr(ram);

    /* Two bytes go to RAM, two to the device as one 2-byte access at 0. */
    st(&as, 0xffe, 4, 0xa1b2c3d4);
    g_assert_cmphex(p[0xffe], ==, 0xd4);
    g_assert_cmphex(p[0xfff], ==, 0xc3);
    g_assert_cmpuint(dev.nr_calls, ==, 1);
    g_assert_cmphex(dev.calls[0].addr, ==, 0);
    g_assert_cmpuint(dev.calls[0].size, ==, 2);
    g_assert_cmphex(dev.calls[0].value, ==, 0xa1b2);

    g_assert_cmphex(ld(&as, 0xffe, 4), ==, 0xa1b2c3d4);
    /* One byte of RAM, one byte of device (a 1-byte access at 0). */
    dev.nr_calls = 0;
    g_assert_cmphex(ld(&as, 0xfff, 2), ==, 0xb2c3);
    g_assert_cmpuint(dev.nr_calls, ==, 1);
    g_assert_cmpuint(dev.calls[0].size, ==, 1);

    address_space_destroy(&as);
    free_regions(root, ram, io, NULL);
}

static void test_unassigned_reads_ones_drops_writes(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    AddressSpace as;
    uint8_t buf[8];
    uint64_t v = 0;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);

    for (unsigned size = 1; size <= 8; size *= 2) {
        g_assert_cmpint(address_space_ld(&as, 0x2000, size, &v), ==,
                        MEMTX_DECODE_ERROR);
        g_assert_cmphex(v, ==, size == 8 ? UINT64_MAX
                                         : (UINT64_C(1) << (size * 8)) - 1);
    }
    g_assert_cmpint(address_space_st(&as, 0x2000, 4, 0), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_ld(&as, 0x2000, 4, &v), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffffffff);

    /* Half in RAM, half unassigned: the RAM half reads, the rest is ones. */
    st(&as, 0xffc, 4, 0x04030201);
    g_assert_cmpint(address_space_read(&as, 0xffc, buf, 8), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 8, "\x01\x02\x03\x04\xff\xff\xff\xff", 8);
    /* Past the root's end is unassigned too. */
    g_assert_cmpint(address_space_ld(&as, 0x10000, 1, &v), ==,
                    MEMTX_DECODE_ERROR);

    address_space_destroy(&as);
    free_regions(root, ram, NULL);
}

static void test_unassigned_access_logged(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_valid4, &dev);
    AddressSpace as;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    GError *err = NULL;
    uint64_t v;
    int fd;

    fd = g_file_open_tmp("test-memory-log-XXXXXX", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(qemu_set_log_filename(path, &err));
    g_assert_true(qemu_set_log_items("guest_errors", &err));
    g_assert_no_error(err);

    address_space_init(&as, root, "logged-as");
    memory_region_add_subregion(root, 0x1000, io);
    address_space_ld(&as, 0x2468, 4, &v);
    address_space_st(&as, 0x2468, 2, 0);
    address_space_ld(&as, 0x1000, 1, &v);
    qemu_log_close();
    qemu_set_log_items("", NULL);

    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_nonnull(strstr(text, "logged-as: unassigned read of size 4 at "
                                  "0x2468"));
    g_assert_nonnull(strstr(text, "logged-as: unassigned write of size 2 at "
                                  "0x2468"));
    g_assert_nonnull(strstr(text, "logged-as: invalid read of size 1 at "
                                  "0x1000"));
    unlink(path);

    address_space_destroy(&as);
    free_regions(root, io, NULL);
}

static void test_access_little_endian(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("dev", 0x40, &ops_default, &dev);
    AddressSpace as;
    uint8_t *p;
    uint8_t buf[4] = { 0x01, 0x02, 0x03, 0x04 };

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion(root, 0x1000, io);
    p = memory_region_get_ram_ptr(ram);

    st(&as, 0x10, 4, 0x11223344);
    g_assert_cmpmem(p + 0x10, 4, "\x44\x33\x22\x11", 4);
    st(&as, 0x20, 8, 0x0102030405060708ULL);
    g_assert_cmpmem(p + 0x20, 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    g_assert_cmphex(ld(&as, 0x21, 2), ==, 0x0607);

    /* A buffer write to a device arrives as a little-endian value. */
    g_assert_cmpint(address_space_write(&as, 0x1000, buf, 4), ==, MEMTX_OK);
    g_assert_cmpuint(dev.nr_calls, ==, 1);
    g_assert_cmphex(dev.calls[0].value, ==, 0x04030201);

    address_space_destroy(&as);
    free_regions(root, ram, io, NULL);
}

static void test_ram_readonly_drops_writes(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *rom = new_ram("bios", 0x1000);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    MemoryRegion *ro_view = new_alias("ram-ro", ram, 0, 0x1000);
    AddressSpace as;
    hwaddr len = 0x100;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, rom);
    memory_region_add_subregion(root, 0x1000, ram);
    memory_region_add_subregion(root, 0x2000, ro_view);
    st(&as, 0x10, 4, 0x12345678);
    memory_region_set_readonly(rom, true);

    g_assert_cmpint(address_space_st(&as, 0x10, 4, 0), ==, MEMTX_OK);
    g_assert_cmphex(ld(&as, 0x10, 4), ==, 0x12345678);
    g_assert_null(address_space_get_ram_ptr(&as, 0x10, &len, true));
    g_assert_nonnull(address_space_get_ram_ptr(&as, 0x10, &len, false));
    g_assert_cmphex(len, ==, 0x100);

    /* A read-only alias of writable RAM: writable at 0x1000, not at 0x2000. */
    memory_region_set_readonly(ro_view, true);
    st(&as, 0x2000, 4, 0xffffffff);
    st(&as, 0x1000, 4, 0xabcd);
    g_assert_cmphex(ld(&as, 0x2000, 4), ==, 0xabcd);
    g_assert_true(address_space_lookup(&as, 0x2000)->readonly);
    g_assert_false(address_space_lookup(&as, 0x1000)->readonly);

    address_space_destroy(&as);
    free_regions(ro_view, root, rom, ram, NULL);
}

static void test_ram_ptr_length_clipped(void)
{
    MemoryRegion *root = new_container("root", 0x10000);
    MemoryRegion *ram = new_ram("ram", 0x2000);
    AddressSpace as;
    hwaddr len = 0x1000;
    uint8_t *p;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0x4000, ram);
    p = address_space_get_ram_ptr(&as, 0x5800, &len, true);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(ram) + 0x1800);
    g_assert_cmphex(len, ==, 0x800);
    g_assert_null(address_space_get_ram_ptr(&as, 0x6000, &len, false));

    address_space_destroy(&as);
    free_regions(root, ram, NULL);
}

/* ------------------------------------------------------------------------ */
/* Per-vCPU views                                                            */

static void test_per_vcpu_view_own_overlay_shared_ram(void)
{
    MemoryRegion *sys = new_container("sys", UINT64_MAX);
    MemoryRegion *ram = new_ram("ram", 0x100000);
    TestDev dev0 = { 0 }, dev1 = { 0 };
    MemoryRegion *root[2], *alias[2], *lapic[2];
    AddressSpace sys_as, cpu_as[2];
    TestDev *devs[2] = { &dev0, &dev1 };

    memory_region_add_subregion(sys, 0, ram);
    address_space_init(&sys_as, sys, "sys");
    for (int i = 0; i < 2; i++) {
        root[i] = new_container("cpu-root", UINT64_MAX);
        alias[i] = new_alias("cpu-sys", sys, 0, UINT64_MAX);
        lapic[i] = new_io("lapic", 0x1000, &ops_default, devs[i]);
        memory_region_add_subregion_overlap(root[i], 0, alias[i], 0);
        memory_region_add_subregion_overlap(root[i], 0x80000, lapic[i], 1);
        address_space_init(&cpu_as[i], root[i], i ? "cpu1" : "cpu0");
    }

    /* Each vCPU reaches its own device at the same address. */
    st(&cpu_as[0], 0x80000, 4, 0xc0);
    st(&cpu_as[1], 0x80000, 4, 0xc1);
    g_assert_cmpuint(dev0.nr_calls, ==, 1);
    g_assert_cmphex(dev0.calls[0].value, ==, 0xc0);
    g_assert_cmpuint(dev1.nr_calls, ==, 1);
    g_assert_cmphex(dev1.calls[0].value, ==, 0xc1);
    /* The system view has RAM there. */
    g_assert_true(mr_at(&sys_as, 0x80000) == ram);
    g_assert_cmphex(ld(&sys_as, 0x80000, 4), ==, 0);

    /* RAM is shared: what one vCPU writes, the other and devices see. */
    st(&cpu_as[0], 0x100, 4, 0x5eed);
    g_assert_cmphex(ld(&cpu_as[1], 0x100, 4), ==, 0x5eed);
    g_assert_cmphex(ld(&sys_as, 0x100, 4), ==, 0x5eed);
    g_assert_true(mr_at(&cpu_as[0], 0x7ffff) == ram);
    g_assert_true(mr_at(&cpu_as[1], 0x81000) == ram);

    /* A region added to the system later shows up in every view. */
    MemoryRegion *late = new_ram("late", 0x1000);
    memory_region_add_subregion(sys, 0x200000, late);
    g_assert_true(mr_at(&cpu_as[0], 0x200000) == late);
    g_assert_true(mr_at(&cpu_as[1], 0x200000) == late);

    /* Moving one vCPU's overlay leaves the other alone. */
    memory_region_set_address(lapic[0], 0x90000);
    g_assert_true(mr_at(&cpu_as[0], 0x80000) == ram);
    g_assert_true(mr_at(&cpu_as[0], 0x90000) == lapic[0]);
    g_assert_true(mr_at(&cpu_as[1], 0x80000) == lapic[1]);

    for (int i = 0; i < 2; i++) {
        address_space_destroy(&cpu_as[i]);
        free_regions(alias[i], lapic[i], root[i], NULL);
    }
    address_space_destroy(&sys_as);
    free_regions(late, sys, ram, NULL);
}

static void test_overlay_set_address_moves(void)
{
    MemoryRegion *root = new_container("root", 0x100000);
    MemoryRegion *ram = new_ram("ram", 0x100000);
    TestDev dev = { 0 };
    MemoryRegion *io = new_io("overlay", 0x1000, &ops_default, &dev);
    AddressSpace as;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion_overlap(root, 0xfe000, io, 1);
    g_assert_true(mr_at(&as, 0xfe000) == io);

    memory_region_set_address(io, 0x10000);
    g_assert_true(mr_at(&as, 0xfe000) == ram);
    g_assert_true(mr_at(&as, 0x10000) == io);
    g_assert_true(mr_at(&as, 0x10fff) == io);
    g_assert_true(mr_at(&as, 0x11000) == ram);
    g_assert_cmpuint(as.current_map->nr, ==, 3);

    address_space_destroy(&as);
    free_regions(root, ram, io, NULL);
}

/* ------------------------------------------------------------------------ */
/* Listeners and transactions                                                */

typedef struct RecListener {
    MemoryListener ml;
    GString *log;
    unsigned begins, commits;
} RecListener;

static void rec_begin(MemoryListener *l)
{
    container_of(l, RecListener, ml)->begins++;
}

static void rec_commit(MemoryListener *l)
{
    container_of(l, RecListener, ml)->commits++;
}

static void rec_event(MemoryListener *l, MemoryRegionSection *s,
                      const char *what)
{
    RecListener *r = container_of(l, RecListener, ml);
    g_string_append_printf(r->log, "%s %s %" PRIx64 "+%" PRIx64 "@%" PRIx64
                           ";", what, memory_region_name(s->mr),
                           s->offset_within_address_space, s->size,
                           s->offset_within_region);
}

static void rec_add(MemoryListener *l, MemoryRegionSection *s)
{
    rec_event(l, s, "add");
}

static void rec_del(MemoryListener *l, MemoryRegionSection *s)
{
    rec_event(l, s, "del");
}

static void rec_init(RecListener *r)
{
    memset(r, 0, sizeof(*r));
    r->ml.name = "rec";
    r->ml.begin = rec_begin;
    r->ml.commit = rec_commit;
    r->ml.region_add = rec_add;
    r->ml.region_del = rec_del;
    r->log = g_string_new("");
}

/* Return what the listener heard since the last call, and forget it. */
static char *rec_take(RecListener *r)
{
    char *s = g_strdup(r->log->str);
    g_string_truncate(r->log, 0);
    return s;
}

#define assert_heard(r, expected) do {          \
        g_autofree char *got_ = rec_take(r);    \
        g_assert_cmpstr(got_, ==, (expected));  \
    } while (0)

static void test_listener_add_del_events(void)
{
    MemoryRegion *root = new_container("root", 0x100000);
    MemoryRegion *ram = new_ram("ram", 0x10000);
    MemoryRegion *rom = new_ram("rom", 0x1000);
    AddressSpace as;
    RecListener r;

    address_space_init(&as, root, "test");
    memory_region_add_subregion(root, 0, ram);

    rec_init(&r);
    memory_listener_register(&r.ml, &as);
    g_assert_true(r.ml.address_space == &as);
    assert_heard(&r, "add ram 0+10000@0;");
    g_assert_cmpuint(r.begins, ==, 1);
    g_assert_cmpuint(r.commits, ==, 1);

    /* An overlay splits ram: the old range goes, three new ones come. */
    memory_region_add_subregion_overlap(root, 0x4000, rom, 1);
    assert_heard(&r, "del ram 0+10000@0;add ram 0+4000@0;add rom 4000+1000@0;"
                 "add ram 5000+b000@5000;");
    g_assert_cmpuint(r.begins, ==, 2);
    g_assert_cmpuint(r.commits, ==, 2);

    /* Moving it: the ranges that stay the same are not reported. */
    memory_region_set_address(rom, 0x8000);
    assert_heard(&r, "del ram 0+4000@0;del rom 4000+1000@0;"
                 "del ram 5000+b000@5000;add ram 0+8000@0;"
                 "add rom 8000+1000@0;add ram 9000+7000@9000;");

    memory_region_set_enabled(rom, false);
    assert_heard(&r, "del ram 0+8000@0;del rom 8000+1000@0;"
                 "del ram 9000+7000@9000;add ram 0+10000@0;");
    memory_region_set_enabled(rom, true);
    assert_heard(&r, "del ram 0+10000@0;add ram 0+8000@0;"
                 "add rom 8000+1000@0;add ram 9000+7000@9000;");

    /* A region outside the overlap: only its own range is reported. */
    MemoryRegion *far = new_ram("far", 0x1000);
    memory_region_add_subregion(root, 0x20000, far);
    assert_heard(&r, "add far 20000+1000@0;");
    memory_region_del_subregion(root, far);
    assert_heard(&r, "del far 20000+1000@0;");

    /* A change that leaves the view as it was reports nothing. */
    unsigned begins = r.begins;
    memory_region_set_enabled(far, false);
    g_assert_cmpuint(r.begins, ==, begins);
    assert_heard(&r, "");

    memory_listener_unregister(&r.ml);
    g_assert_null(r.ml.address_space);
    assert_heard(&r, "del ram 9000+7000@9000;del rom 8000+1000@0;"
                 "del ram 0+8000@0;");
    memory_region_del_subregion(root, rom);
    assert_heard(&r, "");

    address_space_destroy(&as);
    g_string_free(r.log, TRUE);
    free_regions(root, ram, rom, far, NULL);
}

static void test_transaction_no_rebuild_until_commit(void)
{
    MemoryRegion *root = new_container("root", 0x100000);
    MemoryRegion *a = new_ram("a", 0x1000);
    MemoryRegion *b = new_ram("b", 0x1000);
    AddressSpace as;
    RecListener r;
    FlatView *before;

    address_space_init(&as, root, "test");
    rec_init(&r);
    memory_listener_register(&r.ml, &as);
    assert_heard(&r, "");
    before = as.current_map;

    memory_region_transaction_begin();
    memory_region_add_subregion(root, 0, a);
    memory_region_transaction_begin();
    memory_region_add_subregion(root, 0x1000, b);
    memory_region_set_address(b, 0x3000);
    memory_region_transaction_commit();
    /* Still inside the outer transaction: the old view, nothing heard. */
    g_assert_true(as.current_map == before);
    g_assert_null(mr_at(&as, 0));
    assert_heard(&r, "");
    memory_region_transaction_commit();

    g_assert_true(mr_at(&as, 0) == a);
    g_assert_true(mr_at(&as, 0x3000) == b);
    g_assert_null(mr_at(&as, 0x1000));
    /* One begin/commit pair for the whole transaction, and only the result. */
    assert_heard(&r, "add a 0+1000@0;add b 3000+1000@0;");
    g_assert_cmpuint(r.begins, ==, 2);
    g_assert_cmpuint(r.commits, ==, 2);

    memory_listener_unregister(&r.ml);
    address_space_destroy(&as);
    g_string_free(r.log, TRUE);
    free_regions(root, a, b, NULL);
}

/* ------------------------------------------------------------------------ */
/* info mtree                                                                */

static void test_mtree_tree_and_flatview(void)
{
    MemoryRegion *sysmem, *ram, *below, *io;
    TestDev dev = { 0 };
    g_autoptr(GString) tree = g_string_new("");
    g_autoptr(GString) flat = g_string_new("");

    memory_system_init();
    sysmem = get_system_memory();
    g_assert_nonnull(sysmem);
    g_assert_nonnull(get_system_io());
    g_assert_cmpstr(address_space_memory.name, ==, "memory");
    g_assert_cmpstr(address_space_io.name, ==, "I/O");

    ram = new_ram("pc.ram", 0x10000000);
    below = new_alias("ram-below-4g", ram, 0, 0x8000000);
    io = new_io("serial", 8, &ops_default, &dev);
    memory_region_add_subregion(sysmem, 0, below);
    memory_region_add_subregion(get_system_io(), 0x3f8, io);

    memory_mtree_info(tree, false);
    g_assert_nonnull(strstr(tree->str,
        "address-space: memory\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
        "    0000000000000000-0000000007ffffff (prio 0, ram): alias "
        "ram-below-4g @pc.ram 0000000000000000-0000000007ffffff\n"));
    g_assert_nonnull(strstr(tree->str,
        "address-space: I/O\n"
        "  0000000000000000-000000000000ffff (prio 0, i/o): io\n"
        "    00000000000003f8-00000000000003ff (prio 0, i/o): serial\n"));
    g_assert_nonnull(strstr(tree->str,
        "memory-region: pc.ram\n"
        "  0000000000000000-000000000fffffff (prio 0, ram): pc.ram\n"));

    memory_region_set_alias_offset(below, 0x1000);
    memory_mtree_info(flat, true);
    g_assert_nonnull(strstr(flat->str,
        " AS \"memory\", root: system\n"
        " Root memory region: system\n"
        "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram "
        "@0000000000001000\n"));
    g_assert_nonnull(strstr(flat->str,
        " AS \"I/O\", root: io\n"
        " Root memory region: io\n"
        "  00000000000003f8-00000000000003ff (prio 0, i/o): serial\n"));
    g_assert_nonnull(strstr(flat->str, "FlatView #0\n"));

    free_regions(below, io, ram, NULL);
    g_assert_cmpuint(address_space_memory.current_map->nr, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/memory/overlap/higher-priority-wins",
                    test_overlap_higher_priority_wins);
    g_test_add_func("/memory/overlap/equal-priority-last-added-wins",
                    test_overlap_equal_priority_last_added_wins);
    g_test_add_func("/memory/alias/into-container", test_alias_into_container);
    g_test_add_func("/memory/alias/alias-of-alias-offsets-add",
                    test_alias_of_alias);
    g_test_add_func("/memory/enable/disabled-region-reveals-lower",
                    test_disabled_region_reveals_lower);
    g_test_add_func("/memory/flatview/merges-contiguous-pieces",
                    test_flatview_merges_contiguous_pieces);
    g_test_add_func("/memory/size/set-size-resizes-alias-window",
                    test_set_size_resizes_window);
    g_test_add_func("/memory/flatview/whole-64bit-space",
                    test_whole_space_container);
    g_test_add_func("/memory/io/wide-access-split-to-impl-size",
                    test_io_wide_access_split);
    g_test_add_func("/memory/io/narrow-access-widened-rmw-write",
                    test_io_narrow_access_widened);
    g_test_add_func("/memory/io/invalid-size-rejected-like-unassigned",
                    test_io_invalid_size_rejected);
    g_test_add_func("/memory/io/buffer-split-into-aligned-valid-pieces",
                    test_io_buffer_access_split_by_valid_size);
    g_test_add_func("/memory/access/unaligned-across-two-regions",
                    test_access_unaligned_across_two_regions);
    g_test_add_func("/memory/access/unassigned-reads-ones-drops-writes",
                    test_unassigned_reads_ones_drops_writes);
    g_test_add_func("/memory/access/unassigned-and-invalid-logged",
                    test_unassigned_access_logged);
    g_test_add_func("/memory/access/little-endian", test_access_little_endian);
    g_test_add_func("/memory/ram/readonly-drops-writes",
                    test_ram_readonly_drops_writes);
    g_test_add_func("/memory/ram/host-pointer-length-clipped",
                    test_ram_ptr_length_clipped);
    g_test_add_func("/memory/per-vcpu-view/own-overlay-shared-ram",
                    test_per_vcpu_view_own_overlay_shared_ram);
    g_test_add_func("/memory/overlay/set-address-moves",
                    test_overlay_set_address_moves);
    g_test_add_func("/memory/listener/add-del-on-topology-changes",
                    test_listener_add_del_events);
    g_test_add_func("/memory/transaction/no-rebuild-until-commit",
                    test_transaction_no_rebuild_until_commit);
    g_test_add_func("/memory/mtree/tree-and-flatview-text",
                    test_mtree_tree_and_flatview);
    return g_test_run();
}
