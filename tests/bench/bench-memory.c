/*
 * Memory dispatch benchmark: nanoseconds per 4-byte read through
 * address_space_ld, for RAM and for an I/O region, in flat views of 4 and of
 * 400 ranges, with addresses that jump between regions (binary search) and
 * with one address repeated (the last-hit cache). Each case runs for about
 * half a second (--time=SECONDS changes that). There is no QEMU counterpart
 * to compare against: this measures our dispatch alone.
 */
#include "qemu/osdep.h"

#include "softmmu/memory.h"

#define REGION_SIZE   0x1000
#define REGION_STRIDE 0x2000    /* gaps between regions keep ranges apart */
#define NR_ADDRS      4096      /* power of two */
#define BATCH         (1u << 16)

static uint64_t bench_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr;
}

static void bench_io_write(void *opaque, hwaddr addr, uint64_t value,
                           unsigned size)
{
}

static const MemoryRegionOps bench_io_ops = {
    .read = bench_io_read,
    .write = bench_io_write,
};

typedef struct BenchMap {
    AddressSpace as;
    MemoryRegion root;
    MemoryRegion *regions;
    unsigned nr;
} BenchMap;

/* nr regions, alternately RAM (even) and I/O (odd). */
static void bench_map_init(BenchMap *m, unsigned nr)
{
    GError *err = NULL;

    m->nr = nr;
    m->regions = g_new0(MemoryRegion, nr);
    memory_region_init(&m->root, "bench-root", UINT64_MAX);
    memory_region_transaction_begin();
    for (unsigned i = 0; i < nr; i++) {
        g_autofree char *name = g_strdup_printf("r%u", i);
        if (i % 2 == 0) {
            if (!memory_region_init_ram(&m->regions[i], name, REGION_SIZE,
                                        &err)) {
                g_error("%s", err->message);
            }
        } else {
            memory_region_init_io(&m->regions[i], &bench_io_ops, NULL, name,
                                  REGION_SIZE);
        }
        memory_region_add_subregion(&m->root, (hwaddr)i * REGION_STRIDE,
                                    &m->regions[i]);
    }
    memory_region_transaction_commit();
    address_space_init(&m->as, &m->root, "bench");
    g_assert(m->as.current_map->nr == nr);
}

static void bench_map_destroy(BenchMap *m)
{
    address_space_destroy(&m->as);
    memory_region_finalize(&m->root);
    for (unsigned i = 0; i < m->nr; i++) {
        memory_region_finalize(&m->regions[i]);
    }
    g_free(m->regions);
}

/*
 * Addresses in regions of one kind (io: odd regions), 4-byte aligned; with
 * `repeat` they are all the same one.
 */
static void fill_addrs(hwaddr *addrs, unsigned nr_regions, bool io,
                       bool repeat)
{
    uint32_t x = 0x12345678;

    for (unsigned i = 0; i < NR_ADDRS; i++) {
        x = x * 1664525u + 1013904223u;     /* LCG: reproducible */
        unsigned region = ((x >> 8) % (nr_regions / 2)) * 2 + (io ? 1 : 0);
        hwaddr offset = ((x >> 20) * 4) % REGION_SIZE;
        addrs[i] = (hwaddr)region * REGION_STRIDE + offset;
        if (repeat) {
            addrs[i] = addrs[0];
        }
    }
}

static double bench_case(BenchMap *m, const hwaddr *addrs, double seconds)
{
    volatile uint64_t sink = 0;
    uint64_t accesses = 0;
    gint64 start = g_get_monotonic_time();
    gint64 elapsed;
    unsigned j = 0;

    do {
        for (unsigned i = 0; i < BATCH; i++) {
            uint64_t v;
            address_space_ld(&m->as, addrs[j], 4, &v);
            j = (j + 1) & (NR_ADDRS - 1);
            sink += v;
        }
        accesses += BATCH;
        elapsed = g_get_monotonic_time() - start;
    } while (elapsed < seconds * 1e6);
    (void)sink;
    return elapsed * 1000.0 / accesses;
}

int main(int argc, char **argv)
{
    static const unsigned sizes[] = { 4, 400 };
    double seconds = 0.5;
    hwaddr *addrs = g_new(hwaddr, NR_ADDRS);

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--time=")) {
            seconds = g_ascii_strtod(argv[i] + 7, NULL);
        } else {
            fprintf(stderr, "usage: %s [--time=SECONDS]\n", argv[0]);
            return 1;
        }
    }

    printf("memory dispatch: ns per 4-byte read (address_space_ld)\n");
    printf("%-6s %8s %10s %10s\n", "kind", "ranges", "random", "repeated");
    for (unsigned s = 0; s < G_N_ELEMENTS(sizes); s++) {
        BenchMap map;
        bench_map_init(&map, sizes[s]);
        for (int io = 0; io <= 1; io++) {
            double ns[2];
            for (int repeat = 0; repeat <= 1; repeat++) {
                fill_addrs(addrs, sizes[s], io, repeat);
                ns[repeat] = bench_case(&map, addrs, seconds);
            }
            printf("%-6s %8u %10.2f %10.2f\n", io ? "i/o" : "ram", sizes[s],
                   ns[0], ns[1]);
        }
        bench_map_destroy(&map);
    }
    g_free(addrs);
    return 0;
}
