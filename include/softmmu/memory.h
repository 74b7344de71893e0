/*
 * The memory API: regions, address spaces and their flat views.
 *
 * A MemoryRegion is RAM (host memory), I/O (callbacks), a container (holds
 * subregions) or an alias (a window onto part of another region). Subregions
 * sit at an offset inside their container with a priority; where enabled
 * subregions overlap, the higher priority wins, and among equal priorities the
 * one added last wins. Anything a container does not cover is unassigned.
 *
 * An AddressSpace has a root region; its FlatView is the root flattened into
 * a sorted array of non-overlapping ranges, each naming the RAM or I/O region
 * and the offset within it. Views are rebuilt when a transaction that changed
 * the topology commits (every topology call is its own transaction unless
 * wrapped in memory_region_transaction_begin/commit). Lookup is a binary
 * search with a last-hit cache.
 *
 * Accesses are little-endian. An I/O region declares the access sizes that are
 * valid (what a guest may do; others are rejected like unassigned accesses)
 * and the sizes its callbacks implement; the core splits a wide access into
 * several narrow ones, or widens a narrow one and extracts the bytes. An
 * access that straddles two ranges is split at the boundary. Unassigned reads
 * return all ones, unassigned writes are dropped, and both are logged under
 * -d guest_errors.
 *
 * Sizes: a region's size is a uint64_t; UINT64_MAX stands for the whole
 * 64-bit space (2^64 bytes) and is what the system memory root uses.
 *
 * Locking: topology changes and I/O callbacks run under the BQL.
 */
#ifndef LAPIS_MEMORY_H
#define LAPIS_MEMORY_H

#include "qemu/osdep.h"

typedef uint64_t hwaddr;
#define HWADDR_PRIx PRIx64

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryListener MemoryListener;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,          /* a device rejected the access */
    MEMTX_DECODE_ERROR = 2,   /* nothing is mapped there, or an invalid size */
} MemTxResult;

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    /* What the guest may do. 0 means the default: 1..4, aligned only. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } valid;
    /* What the callbacks implement. 0 means: same as valid. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
} MemoryRegionOps;

typedef enum MemoryRegionType {
    MEMORY_REGION_CONTAINER,
    MEMORY_REGION_RAM,
    MEMORY_REGION_IO,
    MEMORY_REGION_ALIAS,
} MemoryRegionType;

struct MemoryRegion {
    char *name;
    MemoryRegionType type;
    uint64_t size;
    bool enabled;
    bool readonly;              /* RAM that drops writes (ROM) */

    /* RAM */
    uint8_t *ram_ptr;
    bool ram_owned;             /* allocated by us, freed by finalize */
    uint64_t ram_alloc_size;    /* bytes behind ram_ptr; size stays <= it */
    /* I/O */
    const MemoryRegionOps *ops;
    void *opaque;
    /* alias */
    MemoryRegion *alias;
    hwaddr alias_offset;

    /* placement in the container */
    MemoryRegion *container;
    hwaddr addr;
    int priority;
    uint64_t add_seq;           /* order added, to break priority ties */
    /* subregions, kept sorted (highest priority first) */
    GPtrArray *subregions;
};

/* One range of a flat view. last is inclusive so the range can end at 2^64-1. */
typedef struct FlatRange {
    hwaddr start;
    hwaddr last;
    MemoryRegion *mr;           /* RAM or I/O region, never container/alias */
    hwaddr offset_in_region;    /* offset within mr of `start` */
    bool readonly;              /* RAM read-only here (itself or an alias) */
} FlatRange;

struct FlatView {
    FlatRange *ranges;
    unsigned nr;
    unsigned ref;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;
    unsigned last_hit;          /* index of the range that served the last lookup */
    GPtrArray *listeners;
};

typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    AddressSpace *as;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;              /* 0 stands for 2^64 */
    bool readonly;              /* RAM that drops writes in this range */
} MemoryRegionSection;

struct MemoryListener {
    const char *name;
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    /* Called for RAM and I/O ranges that appear or disappear. */
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *section);
    AddressSpace *address_space;   /* set by memory_listener_register */
};

/* --- regions --- */
void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);
/* RAM backed by zeroed host memory; fails (errp) if it cannot be allocated. */
bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp);
/* RAM backed by memory the caller owns (not freed by finalize). */
void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr);
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size);
/* Frees what init allocated; the region must not be in a container. */
void memory_region_finalize(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *container, hwaddr offset,
                                 MemoryRegion *subregion);
void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *subregion, int priority);
void memory_region_del_subregion(MemoryRegion *container,
                                 MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
void memory_region_set_size(MemoryRegion *mr, uint64_t size);

static inline uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}
void *memory_region_get_ram_ptr(MemoryRegion *mr);
const char *memory_region_name(const MemoryRegion *mr);

void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* --- address spaces --- */
void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);

/* Find the flat range holding addr, or NULL for unassigned. */
const FlatRange *address_space_lookup(AddressSpace *as, hwaddr addr);

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf,
                                hwaddr len);
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf,
                             hwaddr len, bool is_write);
/* One little-endian access of 1, 2, 4 or 8 bytes (need not be aligned). */
MemTxResult address_space_ld(AddressSpace *as, hwaddr addr, unsigned size,
                             uint64_t *value);
MemTxResult address_space_st(AddressSpace *as, hwaddr addr, unsigned size,
                             uint64_t value);
/*
 * Host pointer for addr if it is in RAM (writable RAM when is_write), with
 * *plen reduced to how many bytes stay in that RAM range; NULL otherwise.
 * The interpreter's soft TLB caches these.
 */
void *address_space_get_ram_ptr(AddressSpace *as, hwaddr addr, hwaddr *plen,
                                bool is_write);

/* --- listeners --- */
/*
 * Registers and replays the current view as region_add calls. After each
 * commit that changes the view: begin, region_del for vanished ranges,
 * region_add for new ones, commit. Unregistering replays the view as
 * region_del calls first (as QEMU does).
 */
void memory_listener_register(MemoryListener *listener, AddressSpace *as);
void memory_listener_unregister(MemoryListener *listener);

/* --- the system --- */
/*
 * The system memory (what devices and DMA see, 64-bit) and the port I/O space
 * (64 KiB), created by memory_system_init().
 */
void memory_system_init(void);
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

/*
 * HMP "info mtree": each address space's region tree (as QEMU prints it:
 * "address-space: NAME", then indented "START-END (prio P, TYPE): NAME"), and
 * with flatview=true each address space's flat view instead.
 */
void memory_mtree_info(GString *out, bool flatview);

#endif
