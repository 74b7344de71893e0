/*
 * The memory API: regions, address spaces, flat views and dispatch.
 *
 * This follows the model of QEMU's memory API (docs/devel/memory.rst there):
 * a tree of RAM, I/O, container and alias regions is rendered into one flat,
 * sorted array of ranges per address space, rebuilt when a topology
 * transaction commits, and memory listeners see the ranges that appear and
 * vanish. Accesses are little-endian; an I/O region's valid and implemented
 * access sizes decide how an access is rejected, split or widened (a narrow
 * write to a region that implements only wider accesses is a
 * read-modify-write here, where QEMU writes the shifted value alone). Left
 * out: big-endian regions, IOMMUs, dirty logging, ROM devices, coalesced MMIO,
 * ioeventfd, RCU (a view is freed as soon as a commit replaces it, so accesses
 * and commits must not run at the same time: both happen under the BQL, and
 * host pointers handed out are valid until the next commit).
 */
#include "qemu/osdep.h"

#include <sys/mman.h>

#include "softmmu/memory.h"
#include "qemu/log.h"
#include "trace/softmmu.h"

/* Rendering deeper than this means an alias loop: a programming error. */
#define RENDER_MAX_DEPTH 64

AddressSpace address_space_memory;
AddressSpace address_space_io;

static MemoryRegion system_memory;
static MemoryRegion system_io;
static bool memory_system_ready;

/* Every initialised AddressSpace, in the order they were created. */
static GPtrArray *address_spaces;

static unsigned transaction_depth;
static bool update_pending;
static uint64_t next_add_seq;

/* ------------------------------------------------------------------------ */
/* Little helpers                                                            */

/* Offset of the last byte of a non-empty region (UINT64_MAX: 2^64 bytes). */
static inline uint64_t region_last(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? UINT64_MAX : mr->size - 1;
}

static inline uint64_t all_ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* Load `size` (1..8) bytes at p as a little-endian value. */
static inline uint64_t ldn_le(const void *p, unsigned size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return GUINT16_FROM_LE(v);
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return GUINT32_FROM_LE(v);
    }
    case 8: {
        uint64_t v;
        memcpy(&v, p, 8);
        return GUINT64_FROM_LE(v);
    }
    default: {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)((const uint8_t *)p)[i] << (i * 8);
        }
        return v;
    }
    }
}

static inline void stn_le(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = v;
        break;
    case 2: {
        uint16_t x = GUINT16_TO_LE((uint16_t)v);
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = GUINT32_TO_LE((uint32_t)v);
        memcpy(p, &x, 4);
        break;
    }
    case 8: {
        uint64_t x = GUINT64_TO_LE(v);
        memcpy(p, &x, 8);
        break;
    }
    default:
        for (unsigned i = 0; i < size; i++) {
            ((uint8_t *)p)[i] = v >> (i * 8);
        }
        break;
    }
}

/* Largest power of two that is <= n (n >= 1). */
static inline unsigned pow2_floor(unsigned n)
{
    return 1u << (31 - __builtin_clz(n));
}

/* ------------------------------------------------------------------------ */
/* Regions                                                                   */

static void memory_region_init_common(MemoryRegion *mr, const char *name,
                                      uint64_t size, MemoryRegionType type)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name ? name : "anonymous");
    mr->type = type;
    mr->size = size;
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    memory_region_init_common(mr, name, size, MEMORY_REGION_CONTAINER);
}

bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                            GError **errp)
{
    void *ptr = NULL;

    /*
     * Anonymous mmap: zeroed, page-aligned (KVM memslots need that) and only
     * backed by host memory once touched.
     */
    if (size > 0) {
        if (size == UINT64_MAX || size > SIZE_MAX) {
            error_setg(errp, "RAM region '%s' is too large (0x%" PRIx64
                       " bytes)", name, size);
            return false;
        }
        ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (ptr == MAP_FAILED) {
            error_setg(errp, "cannot allocate 0x%" PRIx64
                       " bytes of RAM for '%s': %s", size, name,
                       g_strerror(errno));
            return false;
        }
    }
    memory_region_init_common(mr, name, size, MEMORY_REGION_RAM);
    mr->ram_ptr = ptr;
    mr->ram_owned = true;
    mr->ram_alloc_size = size;
    return true;
}

void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr)
{
    memory_region_init_common(mr, name, size, MEMORY_REGION_RAM);
    mr->ram_ptr = ptr;
    mr->ram_owned = false;
    mr->ram_alloc_size = size;
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    memory_region_init_common(mr, name, size, MEMORY_REGION_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    g_return_if_fail(orig != NULL);
    memory_region_init_common(mr, name, size, MEMORY_REGION_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    g_return_if_fail(mr->container == NULL);

    if (mr->subregions) {
        memory_region_transaction_begin();
        while (mr->subregions->len > 0) {
            memory_region_del_subregion(mr, g_ptr_array_index(mr->subregions,
                                                               0));
        }
        memory_region_transaction_commit();
        g_ptr_array_free(mr->subregions, TRUE);
    }
    if (mr->type == MEMORY_REGION_RAM && mr->ram_owned && mr->ram_ptr) {
        munmap(mr->ram_ptr, mr->ram_alloc_size);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

/* A topology change: rebuild the views when the outermost transaction ends. */
static void memory_region_topology_changed(void)
{
    memory_region_transaction_begin();
    update_pending = true;
    memory_region_transaction_commit();
}

void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *subregion, int priority)
{
    GPtrArray *subs = container->subregions;
    unsigned i;

    g_return_if_fail(container->type != MEMORY_REGION_ALIAS);
    g_return_if_fail(subregion->container == NULL);
    g_return_if_fail(subregion != container);

    subregion->container = container;
    subregion->addr = offset;
    subregion->priority = priority;
    subregion->add_seq = next_add_seq++;

    /*
     * Highest priority first; a newcomer goes before the others of its
     * priority, so that among equals the last added wins.
     */
    for (i = 0; i < subs->len; i++) {
        MemoryRegion *other = g_ptr_array_index(subs, i);
        if (other->priority <= priority) {
            break;
        }
    }
    g_ptr_array_insert(subs, i, subregion);
    memory_region_topology_changed();
}

void memory_region_add_subregion(MemoryRegion *container, hwaddr offset,
                                 MemoryRegion *subregion)
{
    memory_region_add_subregion_overlap(container, offset, subregion, 0);
}

void memory_region_del_subregion(MemoryRegion *container,
                                 MemoryRegion *subregion)
{
    g_return_if_fail(subregion->container == container);

    g_ptr_array_remove(container->subregions, subregion);
    subregion->container = NULL;
    memory_region_topology_changed();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_region_topology_changed();
    }
}

/*
 * Moving keeps the region's place among equal priorities (QEMU re-adds it,
 * which makes it the newest); a move should not change who wins elsewhere.
 */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        if (mr->container) {
            memory_region_topology_changed();
        }
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_return_if_fail(mr->type == MEMORY_REGION_ALIAS);
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_region_topology_changed();
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_region_topology_changed();
    }
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    /* RAM can shrink, but never grow past the memory behind it. */
    g_return_if_fail(mr->type != MEMORY_REGION_RAM ||
                     size <= mr->ram_alloc_size);
    if (mr->size != size) {
        mr->size = size;
        memory_region_topology_changed();
    }
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    for (int depth = 0; mr && depth < RENDER_MAX_DEPTH; depth++) {
        if (mr->type == MEMORY_REGION_RAM) {
            return mr->ram_ptr ? mr->ram_ptr + offset : NULL;
        }
        if (mr->type != MEMORY_REGION_ALIAS) {
            return NULL;
        }
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    return NULL;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

/* ------------------------------------------------------------------------ */
/* Rendering flat views                                                      */

#define RANGE(arr, i) g_array_index((arr), FlatRange, (i))

/*
 * Put [start, last] of mr (mr offset `offset` at `start`) into the gaps the
 * view still has there: whatever was rendered before has precedence.
 */
static void view_insert(GArray *ranges, hwaddr start, hwaddr last,
                        MemoryRegion *mr, hwaddr offset, bool readonly)
{
    unsigned lo = 0, hi = ranges->len;
    hwaddr cur = start;

    /* First range that ends at or after start. */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (RANGE(ranges, mid).last < start) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    for (unsigned i = lo;;) {
        if (i < ranges->len && RANGE(ranges, i).start <= cur) {
            /* cur is already taken; skip past that range. */
            if (RANGE(ranges, i).last >= last) {
                return;
            }
            cur = RANGE(ranges, i).last + 1;
            i++;
            continue;
        }
        hwaddr gap_last = last;
        if (i < ranges->len && RANGE(ranges, i).start <= last) {
            gap_last = RANGE(ranges, i).start - 1;
        }
        FlatRange fr = {
            .start = cur,
            .last = gap_last,
            .mr = mr,
            .offset_in_region = offset + (cur - start),
            .readonly = readonly,
        };
        g_array_insert_val(ranges, i, fr);
        i++;
        if (gap_last == last) {
            return;
        }
        cur = gap_last + 1;
    }
}

/*
 * Render mr's offsets [first, last] (inside the region), with offset 0 of mr
 * at address space address `base` (modulo 2^64). Subregions go first, highest
 * priority first, then the region itself fills what they left.
 */
static void render_region(GArray *ranges, MemoryRegion *mr, hwaddr base,
                          hwaddr first, hwaddr last, bool readonly, int depth)
{
    if (!mr->enabled || mr->size == 0) {
        return;
    }
    if (depth > RENDER_MAX_DEPTH) {
        g_warning("memory: region '%s' nests too deeply (alias loop?)",
                  mr->name);
        return;
    }
    readonly |= mr->readonly;

    if (mr->type == MEMORY_REGION_ALIAS) {
        MemoryRegion *target = mr->alias;
        hwaddr tfirst = mr->alias_offset + first;
        hwaddr tlast = mr->alias_offset + last;

        if (tfirst < first || target->size == 0) {
            return;             /* the window starts past 2^64 */
        }
        if (tlast < last) {
            tlast = UINT64_MAX;
        }
        if (tfirst > region_last(target)) {
            return;
        }
        tlast = MIN(tlast, region_last(target));
        render_region(ranges, target, base - mr->alias_offset, tfirst, tlast,
                      readonly, depth + 1);
        return;
    }

    for (unsigned i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        hwaddr sfirst, slast;

        if (!sub->enabled || sub->size == 0) {
            continue;
        }
        sfirst = sub->addr;
        slast = sub->addr + region_last(sub);
        if (slast < sfirst) {
            slast = UINT64_MAX;     /* clipped at the end of the space */
        }
        if (slast < first || sfirst > last) {
            continue;
        }
        sfirst = MAX(sfirst, first);
        slast = MIN(slast, last);
        render_region(ranges, sub, base + sub->addr, sfirst - sub->addr,
                      slast - sub->addr, readonly, depth + 1);
    }

    if (mr->type == MEMORY_REGION_RAM || mr->type == MEMORY_REGION_IO) {
        view_insert(ranges, base + first, base + last, mr, first,
                    readonly && mr->type == MEMORY_REGION_RAM);
    }
}

static bool flat_range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->last == b->last && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly;
}

/* Neighbours that are one piece of one region become one range. */
static void view_merge(GArray *ranges)
{
    unsigned out = 0;

    for (unsigned i = 0; i < ranges->len; i++) {
        FlatRange *cur = &RANGE(ranges, i);
        if (out > 0) {
            FlatRange *prev = &RANGE(ranges, out - 1);
            if (prev->mr == cur->mr && prev->readonly == cur->readonly &&
                prev->last != UINT64_MAX && prev->last + 1 == cur->start &&
                prev->offset_in_region + (prev->last - prev->start) + 1 ==
                cur->offset_in_region) {
                prev->last = cur->last;
                continue;
            }
        }
        RANGE(ranges, out++) = *cur;
    }
    g_array_set_size(ranges, out);
}

static FlatView *generate_flatview(MemoryRegion *root)
{
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    FlatView *view = g_new0(FlatView, 1);

    if (root && root->size > 0) {
        render_region(ranges, root, 0, 0, region_last(root), false, 0);
    }
    view_merge(ranges);
    view->nr = ranges->len;
    view->ranges = (FlatRange *)g_array_free(ranges, view->nr == 0);
    view->ref = 1;
    return view;
}

static void flatview_unref(FlatView *view)
{
    if (view && --view->ref == 0) {
        g_free(view->ranges);
        g_free(view);
    }
}

static bool flatview_equal(const FlatView *a, const FlatView *b)
{
    if (a->nr != b->nr) {
        return false;
    }
    for (unsigned i = 0; i < a->nr; i++) {
        if (!flat_range_equal(&a->ranges[i], &b->ranges[i])) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Listeners and transactions                                                */

static void listener_notify(MemoryListener *l, AddressSpace *as,
                            const FlatRange *fr, bool add)
{
    MemoryRegionSection section = {
        .mr = fr->mr,
        .as = as,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = fr->start,
        .size = fr->last - fr->start + 1,       /* 0 for all of 2^64 */
        .readonly = fr->readonly,
    };

    if (add && l->region_add) {
        l->region_add(l, &section);
    } else if (!add && l->region_del) {
        l->region_del(l, &section);
    }
}

static void listeners_begin(AddressSpace *as)
{
    for (unsigned i = 0; i < as->listeners->len; i++) {
        MemoryListener *l = g_ptr_array_index(as->listeners, i);
        if (l->begin) {
            l->begin(l);
        }
    }
}

static void listeners_commit(AddressSpace *as)
{
    for (unsigned i = 0; i < as->listeners->len; i++) {
        MemoryListener *l = g_ptr_array_index(as->listeners, i);
        if (l->commit) {
            l->commit(l);
        }
    }
}

/*
 * Walk both sorted views at once. A range present in both, identical, is
 * left alone; the deletion pass reports old ranges that are gone, the
 * addition pass new ones. Deletions all go first, as a listener such as
 * KVM must free a slot before another one may overlap it.
 */
static void address_space_diff_pass(AddressSpace *as, const FlatView *old,
                                    const FlatView *new, bool adding)
{
    unsigned io = 0, in = 0;

    while (io < old->nr || in < new->nr) {
        const FlatRange *fo = io < old->nr ? &old->ranges[io] : NULL;
        const FlatRange *fn = in < new->nr ? &new->ranges[in] : NULL;

        if (fo && fn && flat_range_equal(fo, fn)) {
            io++;
            in++;
        } else if (fo && (!fn || fo->start <= fn->start)) {
            if (!adding) {
                for (unsigned i = 0; i < as->listeners->len; i++) {
                    listener_notify(g_ptr_array_index(as->listeners, i), as,
                                    fo, false);
                }
            }
            io++;
        } else {
            if (adding) {
                for (unsigned i = 0; i < as->listeners->len; i++) {
                    listener_notify(g_ptr_array_index(as->listeners, i), as,
                                    fn, true);
                }
            }
            in++;
        }
    }
}

static void address_space_update_topology(AddressSpace *as)
{
    FlatView *old = as->current_map;
    FlatView *new = generate_flatview(as->root);

    if (flatview_equal(old, new)) {
        flatview_unref(new);
        return;
    }
    __atomic_store_n(&as->last_hit, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&as->current_map, new, __ATOMIC_RELEASE);
    trace_memory_flatview_update(as->name, new->nr);

    if (as->listeners->len > 0) {
        listeners_begin(as);
        address_space_diff_pass(as, old, new, false);
        address_space_diff_pass(as, old, new, true);
        listeners_commit(as);
    }
    flatview_unref(old);
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_return_if_fail(transaction_depth > 0);

    if (transaction_depth > 1 || !update_pending) {
        transaction_depth--;
        return;
    }
    /*
     * Stay inside a transaction while listeners run, so that topology
     * changes they make are collected and rendered by the loop below
     * instead of recursing.
     */
    while (update_pending) {
        update_pending = false;
        for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
            address_space_update_topology(g_ptr_array_index(address_spaces,
                                                            i));
        }
    }
    transaction_depth--;
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    FlatView *view = as->current_map;

    g_return_if_fail(listener->address_space == NULL);

    listener->address_space = as;
    g_ptr_array_add(as->listeners, listener);

    if (listener->begin) {
        listener->begin(listener);
    }
    for (unsigned i = 0; i < view->nr; i++) {
        listener_notify(listener, as, &view->ranges[i], true);
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

/* Like QEMU, the listener hears region_del for every range it still holds. */
void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;
    FlatView *view;

    if (!as) {
        return;
    }
    view = as->current_map;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (unsigned i = view->nr; i-- > 0;) {
        listener_notify(listener, as, &view->ranges[i], false);
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    g_ptr_array_remove(as->listeners, listener);
    listener->address_space = NULL;
}

/* ------------------------------------------------------------------------ */
/* Address spaces                                                            */

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->current_map = generate_flatview(root);
    trace_memory_flatview_update(as->name, as->current_map->nr);
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    if (address_spaces) {
        g_ptr_array_remove(address_spaces, as);
    }
    if (as->listeners) {
        for (unsigned i = 0; i < as->listeners->len; i++) {
            MemoryListener *l = g_ptr_array_index(as->listeners, i);
            l->address_space = NULL;
        }
        g_ptr_array_free(as->listeners, TRUE);
    }
    flatview_unref(as->current_map);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

/*
 * The range holding addr, or NULL; then *next (if given) is the index of the
 * first range above addr. Tries the last hit first.
 */
static inline const FlatRange *view_lookup(AddressSpace *as,
                                           const FlatView *view, hwaddr addr,
                                           unsigned *next)
{
    const FlatRange *r = view->ranges;
    const FlatRange *base = r;
    unsigned hit = __atomic_load_n(&as->last_hit, __ATOMIC_RELAXED);
    unsigned n = view->nr;

    if (likely(hit < n) &&
        addr - r[hit].start <= r[hit].last - r[hit].start) {
        return &r[hit];
    }
    if (unlikely(n == 0)) {
        if (next) {
            *next = 0;
        }
        return NULL;
    }
    /*
     * Branch-free binary search (the compiler makes the step a conditional
     * move): base ends on the last range starting at or below addr, or on
     * the first range if none does.
     */
    while (n > 1) {
        unsigned half = n / 2;
        base = base[half].start <= addr ? base + half : base;
        n -= half;
    }
    if (base->start <= addr) {
        if (addr <= base->last) {
            __atomic_store_n(&as->last_hit, (unsigned)(base - r),
                             __ATOMIC_RELAXED);
            return base;
        }
        base++;
    }
    if (next) {
        *next = base - r;
    }
    return NULL;
}

const FlatRange *address_space_lookup(AddressSpace *as, hwaddr addr)
{
    return view_lookup(as, __atomic_load_n(&as->current_map, __ATOMIC_ACQUIRE),
                       addr, NULL);
}

/* ------------------------------------------------------------------------ */
/* I/O dispatch                                                              */

typedef struct AccessRules {
    unsigned valid_min, valid_max;
    bool valid_unaligned;
    unsigned impl_min, impl_max;
    bool impl_unaligned;
} AccessRules;

static inline unsigned clamp_size(unsigned size, unsigned dflt)
{
    if (size == 0) {
        return dflt;
    }
    return size > 8 ? 8 : size;
}

static inline void access_rules(const MemoryRegionOps *ops, AccessRules *r)
{
    r->valid_min = clamp_size(ops->valid.min_access_size, 1);
    r->valid_max = clamp_size(ops->valid.max_access_size, 4);
    if (r->valid_max < r->valid_min) {
        r->valid_max = r->valid_min;
    }
    r->valid_unaligned = ops->valid.unaligned;
    r->impl_min = clamp_size(ops->impl.min_access_size, r->valid_min);
    r->impl_max = clamp_size(ops->impl.max_access_size, r->valid_max);
    if (r->impl_max < r->impl_min) {
        r->impl_max = r->impl_min;
    }
    /* An impl block left all zero means "same as valid". */
    if (ops->impl.min_access_size == 0 && ops->impl.max_access_size == 0 &&
        !ops->impl.unaligned) {
        r->impl_unaligned = r->valid_unaligned;
    } else {
        r->impl_unaligned = ops->impl.unaligned;
    }
}

static inline void io_call(MemoryRegion *mr, hwaddr addr, unsigned size,
                           uint64_t *value, bool is_write)
{
    if (is_write) {
        trace_memory_region_ops_write(mr->name, addr, *value, size);
        if (mr->ops->write) {
            mr->ops->write(mr->opaque, addr, *value, size);
        }
    } else {
        *value = mr->ops->read ? mr->ops->read(mr->opaque, addr, size)
                               : all_ones(size);
        *value &= all_ones(size);
        trace_memory_region_ops_read(mr->name, addr, *value, size);
    }
}

/*
 * Bring an access the guest may make to the sizes the callbacks implement:
 * cover [addr, addr + size) with impl-sized units (aligned unless the
 * callbacks take unaligned ones). A unit the access covers only in part is
 * read; on a write it is then written back with the new bytes in place
 * (read-modify-write, where QEMU writes the shifted value alone).
 */
static void io_access_adjusted(MemoryRegion *mr, const AccessRules *r,
                               hwaddr addr, unsigned size, uint64_t *value,
                               bool is_write)
{
    unsigned unit = size < r->impl_min ? r->impl_min
                    : size > r->impl_max ? r->impl_max : size;
    hwaddr end = addr + size;
    hwaddr u;
    uint64_t result = 0;

    unit = pow2_floor(unit);
    u = r->impl_unaligned ? addr : addr & ~(hwaddr)(unit - 1);
    for (; u < end; u += unit) {
        hwaddr ov_start = MAX(u, addr);
        hwaddr ov_end = MIN(u + unit, end);
        unsigned ov_len = ov_end - ov_start;
        unsigned shift_unit = (ov_start - u) * 8;
        unsigned shift_access = (ov_start - addr) * 8;
        uint64_t unit_val = 0;

        if (!is_write) {
            io_call(mr, u, unit, &unit_val, false);
            result |= ((unit_val >> shift_unit) & all_ones(ov_len))
                      << shift_access;
            continue;
        }
        uint64_t piece = (*value >> shift_access) & all_ones(ov_len);
        if (ov_len < unit) {
            io_call(mr, u, unit, &unit_val, false);
            unit_val = deposit64(unit_val, shift_unit, ov_len * 8, piece);
        } else {
            unit_val = piece;
        }
        io_call(mr, u, unit, &unit_val, true);
    }
    if (!is_write) {
        *value = result;
    }
}

/*
 * One guest access of `size` bytes at offset `addr` of I/O region mr (at
 * as_addr in as). An access the ops do not allow is treated like an
 * unassigned one.
 */
static MemTxResult io_dispatch(AddressSpace *as, hwaddr as_addr,
                               MemoryRegion *mr, hwaddr addr, unsigned size,
                               uint64_t *value, bool is_write)
{
    AccessRules r;

    if (unlikely(!mr->ops)) {
        if (!is_write) {
            *value = all_ones(size);
        }
        return MEMTX_OK;
    }
    access_rules(mr->ops, &r);
    if (unlikely(size < r.valid_min || size > r.valid_max ||
                 (!r.valid_unaligned && (addr & (size - 1))))) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "%s: invalid %s of size %u at 0x%" HWADDR_PRIx
                      " (region '%s' offset 0x%" HWADDR_PRIx
                      ": valid sizes %u..%u%s)\n",
                      as->name, is_write ? "write" : "read", size, as_addr,
                      mr->name, addr, r.valid_min, r.valid_max,
                      r.valid_unaligned ? "" : ", aligned");
        if (!is_write) {
            *value = all_ones(size);
        }
        return MEMTX_DECODE_ERROR;
    }
    if (likely(size >= r.impl_min && size <= r.impl_max &&
               (r.impl_unaligned || !(addr & (size - 1))))) {
        io_call(mr, addr, size, value, is_write);
    } else {
        io_access_adjusted(mr, &r, addr, size, value, is_write);
    }
    return MEMTX_OK;
}

/* Size of the next piece of a buffer access at offset addr of an I/O region. */
static unsigned io_piece_size(const MemoryRegion *mr, hwaddr addr, hwaddr len)
{
    unsigned max = 4;
    bool unaligned = false;

    if (mr->ops) {
        AccessRules r;
        access_rules(mr->ops, &r);
        max = r.valid_max;
        unaligned = r.valid_unaligned;
    }
    if (len < max) {
        max = len;
    }
    if (!unaligned && addr) {
        hwaddr align = addr & -addr;
        if (align < max) {
            max = align;
        }
    }
    return pow2_floor(max);
}

static void unassigned_access(AddressSpace *as, hwaddr addr, uint8_t *buf,
                              hwaddr len, bool is_write)
{
    trace_memory_unassigned(as->name, addr, len, is_write);
    qemu_log_mask(LOG_GUEST_ERROR,
                  "%s: unassigned %s of size %" PRIu64 " at 0x%" HWADDR_PRIx
                  "\n", as->name, is_write ? "write" : "read", (uint64_t)len,
                  addr);
    if (!is_write) {
        memset(buf, 0xff, len);
    }
}

/* The general path: any length, split at range boundaries. */
static MemTxResult address_space_access(AddressSpace *as, hwaddr addr,
                                        uint8_t *buf, hwaddr len,
                                        bool is_write)
{
    const FlatView *view = __atomic_load_n(&as->current_map, __ATOMIC_ACQUIRE);
    MemTxResult result = MEMTX_OK;

    while (len > 0) {
        unsigned next = 0;
        const FlatRange *fr = view_lookup(as, view, addr, &next);
        hwaddr chunk;

        if (!fr) {
            /* Unassigned up to the next range, or to the end of the space. */
            hwaddr room = next < view->nr ? view->ranges[next].start - addr
                                          : (hwaddr)0 - addr;
            chunk = (room == 0 || room > len) ? len : room;
            unassigned_access(as, addr, buf, chunk, is_write);
            if (result == MEMTX_OK) {
                result = MEMTX_DECODE_ERROR;
            }
        } else {
            MemoryRegion *mr = fr->mr;
            hwaddr off = fr->offset_in_region + (addr - fr->start);
            hwaddr room = fr->last - addr;

            chunk = (len - 1 <= room) ? len : room + 1;
            if (mr->type == MEMORY_REGION_RAM) {
                if (!is_write) {
                    memcpy(buf, mr->ram_ptr + off, chunk);
                } else if (!fr->readonly) {
                    memcpy(mr->ram_ptr + off, buf, chunk);
                }
            } else {
                for (hwaddr done = 0; done < chunk;) {
                    unsigned size = io_piece_size(mr, off + done, chunk - done);
                    uint64_t value = is_write ? ldn_le(buf + done, size) : 0;
                    MemTxResult r = io_dispatch(as, addr + done, mr,
                                                off + done, size, &value,
                                                is_write);
                    if (!is_write) {
                        stn_le(buf + done, size, value);
                    }
                    if (result == MEMTX_OK) {
                        result = r;
                    }
                    done += size;
                }
            }
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return result;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               hwaddr len)
{
    return address_space_access(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf,
                                hwaddr len)
{
    /* The write path never stores through buf. */
    return address_space_access(as, addr, (uint8_t *)buf, len, true);
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, void *buf,
                             hwaddr len, bool is_write)
{
    return address_space_access(as, addr, buf, len, is_write);
}

MemTxResult address_space_ld(AddressSpace *as, hwaddr addr, unsigned size,
                             uint64_t *value)
{
    const FlatView *view = __atomic_load_n(&as->current_map, __ATOMIC_ACQUIRE);
    const FlatRange *fr;
    uint8_t buf[8];
    MemTxResult r;

    g_return_val_if_fail(size >= 1 && size <= 8, MEMTX_DECODE_ERROR);

    /* Within one range: RAM is a load, I/O one access of the guest's size. */
    fr = view_lookup(as, view, addr, NULL);
    if (likely(fr && size - 1 <= fr->last - addr)) {
        MemoryRegion *mr = fr->mr;
        hwaddr off = fr->offset_in_region + (addr - fr->start);
        if (likely(mr->type == MEMORY_REGION_RAM)) {
            *value = ldn_le(mr->ram_ptr + off, size);
            return MEMTX_OK;
        }
        return io_dispatch(as, addr, mr, off, size, value, false);
    }
    r = address_space_access(as, addr, buf, size, false);
    *value = ldn_le(buf, size);
    return r;
}

MemTxResult address_space_st(AddressSpace *as, hwaddr addr, unsigned size,
                             uint64_t value)
{
    const FlatView *view = __atomic_load_n(&as->current_map, __ATOMIC_ACQUIRE);
    const FlatRange *fr;
    uint8_t buf[8];

    g_return_val_if_fail(size >= 1 && size <= 8, MEMTX_DECODE_ERROR);

    fr = view_lookup(as, view, addr, NULL);
    if (likely(fr && size - 1 <= fr->last - addr)) {
        MemoryRegion *mr = fr->mr;
        hwaddr off = fr->offset_in_region + (addr - fr->start);
        if (likely(mr->type == MEMORY_REGION_RAM)) {
            if (!fr->readonly) {
                stn_le(mr->ram_ptr + off, size, value);
            }
            return MEMTX_OK;
        }
        value &= all_ones(size);
        return io_dispatch(as, addr, mr, off, size, &value, true);
    }
    stn_le(buf, size, value);
    return address_space_access(as, addr, buf, size, true);
}

void *address_space_get_ram_ptr(AddressSpace *as, hwaddr addr, hwaddr *plen,
                                bool is_write)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    hwaddr room;

    if (!fr || fr->mr->type != MEMORY_REGION_RAM || !fr->mr->ram_ptr ||
        (is_write && fr->readonly)) {
        return NULL;
    }
    room = fr->last - addr;             /* bytes left, minus one */
    if (plen && (*plen == 0 || *plen - 1 > room)) {
        *plen = room + 1;
    }
    return fr->mr->ram_ptr + fr->offset_in_region + (addr - fr->start);
}

/* ------------------------------------------------------------------------ */
/* The system                                                                */

void memory_system_init(void)
{
    if (memory_system_ready) {
        return;
    }
    memory_system_ready = true;
    memory_region_init(&system_memory, "system", UINT64_MAX);
    memory_region_init(&system_io, "io", 0x10000);
    address_space_init(&address_space_memory, &system_memory, "memory");
    address_space_init(&address_space_io, &system_io, "I/O");
}

MemoryRegion *get_system_memory(void)
{
    return memory_system_ready ? &system_memory : NULL;
}

MemoryRegion *get_system_io(void)
{
    return memory_system_ready ? &system_io : NULL;
}

/* ------------------------------------------------------------------------ */
/* info mtree                                                                */

#define MTREE_INDENT "  "

/* QEMU's names: an alias shows its target's kind, read-only RAM is "rom". */
static const char *mtree_type(const MemoryRegion *mr)
{
    for (int depth = 0; mr->type == MEMORY_REGION_ALIAS && mr->alias &&
         depth < RENDER_MAX_DEPTH; depth++) {
        mr = mr->alias;
    }
    if (mr->type == MEMORY_REGION_RAM) {
        return mr->readonly ? "rom" : "ram";
    }
    return "i/o";
}

/* Last address of a region of `size` bytes at start, as QEMU prints it. */
static inline uint64_t mtree_last(uint64_t start, uint64_t size)
{
    return start + (size == 0 ? 0 : size == UINT64_MAX ? UINT64_MAX : size - 1);
}

static gint mtree_child_order(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a;
    const MemoryRegion *y = *(MemoryRegion *const *)b;

    /* By address, then higher priority first, then most recent first. */
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    if (x->priority != y->priority) {
        return x->priority > y->priority ? -1 : 1;
    }
    return x->add_seq > y->add_seq ? -1 : x->add_seq < y->add_seq;
}

static void mtree_print_mr(GString *out, const MemoryRegion *mr, int level,
                           hwaddr base, GPtrArray *alias_targets)
{
    hwaddr start = base + mr->addr;
    hwaddr last = mtree_last(start, mr->size);
    GPtrArray *children;

    if (level > RENDER_MAX_DEPTH) {
        return;
    }
    for (int i = 0; i < level; i++) {
        g_string_append(out, MTREE_INDENT);
    }
    if (mr->type == MEMORY_REGION_ALIAS) {
        if (!g_ptr_array_find(alias_targets, mr->alias, NULL)) {
            g_ptr_array_add(alias_targets, mr->alias);
        }
        g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64
                               " (prio %d, %s): alias %s @%s %016" PRIx64
                               "-%016" PRIx64 "%s\n",
                               start, last, mr->priority, mtree_type(mr),
                               mr->name, mr->alias->name, mr->alias_offset,
                               mtree_last(mr->alias_offset, mr->size),
                               mr->enabled ? "" : " [disabled]");
    } else {
        g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64
                               " (prio %d, %s): %s%s\n",
                               start, last, mr->priority, mtree_type(mr),
                               mr->name, mr->enabled ? "" : " [disabled]");
    }
    if (!mr->subregions || mr->subregions->len == 0) {
        return;
    }
    children = g_ptr_array_new();
    for (unsigned i = 0; i < mr->subregions->len; i++) {
        g_ptr_array_add(children, g_ptr_array_index(mr->subregions, i));
    }
    g_ptr_array_sort(children, mtree_child_order);
    for (unsigned i = 0; i < children->len; i++) {
        mtree_print_mr(out, g_ptr_array_index(children, i), level + 1, start,
                       alias_targets);
    }
    g_ptr_array_free(children, TRUE);
}

static void mtree_print_flatview(GString *out, unsigned n, AddressSpace *as)
{
    const FlatView *view = as->current_map;

    g_string_append_printf(out, "FlatView #%u\n", n);
    g_string_append_printf(out, " AS \"%s\", root: %s\n", as->name,
                           as->root ? as->root->name : "(none)");
    g_string_append_printf(out, " Root memory region: %s\n",
                           as->root ? as->root->name : "(none)");
    if (view->nr == 0) {
        g_string_append(out, "  No rendered FlatView\n\n");
        return;
    }
    for (unsigned i = 0; i < view->nr; i++) {
        const FlatRange *fr = &view->ranges[i];
        g_string_append_printf(out, MTREE_INDENT "%016" PRIx64 "-%016" PRIx64
                               " (prio %d, %s): %s",
                               fr->start, fr->last, fr->mr->priority,
                               fr->readonly ? "rom" : mtree_type(fr->mr),
                               fr->mr->name);
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
}

void memory_mtree_info(GString *out, bool flatview)
{
    GPtrArray *alias_targets;
    GPtrArray *roots;

    if (!address_spaces) {
        return;
    }
    if (flatview) {
        for (unsigned i = 0; i < address_spaces->len; i++) {
            mtree_print_flatview(out, i, g_ptr_array_index(address_spaces, i));
        }
        return;
    }

    /* Address spaces over one root share its tree, as in QEMU. */
    alias_targets = g_ptr_array_new();
    roots = g_ptr_array_new();
    for (unsigned i = 0; i < address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(address_spaces, i);
        if (!as->root || g_ptr_array_find(roots, as->root, NULL)) {
            continue;
        }
        g_ptr_array_add(roots, as->root);
        for (unsigned j = i; j < address_spaces->len; j++) {
            AddressSpace *other = g_ptr_array_index(address_spaces, j);
            if (other->root == as->root) {
                g_string_append_printf(out, "address-space: %s\n", other->name);
            }
        }
        mtree_print_mr(out, as->root, 1, 0, alias_targets);
        g_string_append_c(out, '\n');
    }
    /* Then every alias target on its own (the list grows as we go). */
    for (unsigned i = 0; i < alias_targets->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(alias_targets, i);
        g_string_append_printf(out, "memory-region: %s\n", mr->name);
        mtree_print_mr(out, mr, 1, 0, alias_targets);
        g_string_append_c(out, '\n');
    }
    g_ptr_array_free(roots, TRUE);
    g_ptr_array_free(alias_targets, TRUE);
}
