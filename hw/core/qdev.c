/*
 * The device core, a small cut of QEMU's qdev: a registry of device types
 * (static DeviceClass tables registered from constructors), typed properties
 * set from strings with QEMU's error wording, -global defaults, realize with
 * a path under /machine, reset of every realized device in creation order,
 * and named GPIO lists that the machine wires and qtest intercepts. It leaves
 * out QOM proper: no class inheritance, no buses as objects, no child
 * properties or link<> properties, no hotplug handlers and no unplug of a
 * single device while the machine runs (devices are freed at exit).
 */
#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "chardev/char.h"
#include "trace/hw_core.h"

/* A -global DRIVER.PROP=VALUE, applied by qdev_new to matching devices. */
typedef struct GlobalProp {
    char *driver;
    char *property;
    char *value;
} GlobalProp;

static GHashTable *device_classes;       /* name -> const DeviceClass * */
static GPtrArray *global_props;          /* GlobalProp * */
static GPtrArray *realized_devices;      /* DeviceState *, by create_seq */
static uint64_t next_create_seq;

/* --- the type registry --- */

void device_class_register(const DeviceClass *klass)
{
    g_assert(klass->name && klass->instance_size >= sizeof(DeviceState));
    if (!device_classes) {
        device_classes = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(!g_hash_table_contains(device_classes, klass->name));
    g_hash_table_insert(device_classes, (gpointer)klass->name, (gpointer)klass);
}

const DeviceClass *device_class_find(const char *name)
{
    if (!device_classes || !name) {
        return NULL;
    }
    return g_hash_table_lookup(device_classes, name);
}

static gint compare_class_names(gconstpointer a, gconstpointer b)
{
    const DeviceClass *ka = *(const DeviceClass *const *)a;
    const DeviceClass *kb = *(const DeviceClass *const *)b;

    return strcmp(ka->name, kb->name);
}

/* Every registered class, sorted by name, for stable help output. */
static GPtrArray *device_classes_sorted(void)
{
    GPtrArray *arr = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    if (device_classes) {
        g_hash_table_iter_init(&iter, device_classes);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            g_ptr_array_add(arr, value);
        }
    }
    g_ptr_array_sort(arr, compare_class_names);
    return arr;
}

void device_class_list(GString *out, bool only_user_creatable)
{
    g_autoptr(GPtrArray) arr = device_classes_sorted();

    for (guint i = 0; i < arr->len; i++) {
        const DeviceClass *k = g_ptr_array_index(arr, i);

        if (only_user_creatable && !k->user_creatable) {
            continue;
        }
        g_string_append_printf(out, "name \"%s\"", k->name);
        if (k->desc) {
            g_string_append_printf(out, ", desc \"%s\"", k->desc);
        }
        g_string_append_c(out, '\n');
    }
}

static const char *prop_kind_name(PropertyKind kind)
{
    switch (kind) {
    case PROP_BOOL:
        return "bool";
    case PROP_UINT8:
        return "uint8";
    case PROP_UINT16:
        return "uint16";
    case PROP_UINT32:
        return "uint32";
    case PROP_UINT64:
        return "uint64";
    case PROP_INT32:
        return "int32";
    case PROP_SIZE:
        return "size";
    case PROP_STRING:
    case PROP_CHR:
    default:
        return "str";
    }
}

/* The default as text, or NULL where there is none (chardev, NULL string). */
static char *prop_default_string(const Property *p)
{
    switch (p->kind) {
    case PROP_BOOL:
        return g_strdup(p->defval ? "true" : "false");
    case PROP_INT32:
        return g_strdup_printf("%" PRId32, (int32_t)p->defval);
    case PROP_STRING:
        return p->defstr ? g_strdup_printf("\"%s\"", p->defstr) : NULL;
    case PROP_CHR:
        return NULL;
    default:
        return g_strdup_printf("%" PRIu64, p->defval);
    }
}

static gint compare_prop_names(gconstpointer a, gconstpointer b)
{
    const Property *pa = *(const Property *const *)a;
    const Property *pb = *(const Property *const *)b;

    return strcmp(pa->name, pb->name);
}

bool device_class_list_props(const char *name, GString *out, GError **errp)
{
    const DeviceClass *k = device_class_find(name);
    g_autoptr(GPtrArray) props = g_ptr_array_new();

    if (!k) {
        error_setg(errp, "'%s' is not a valid device model name", name);
        return false;
    }
    for (const Property *p = k->props; p && p->name; p++) {
        g_ptr_array_add(props, (gpointer)p);
    }
    if (props->len == 0) {
        g_string_append_printf(out, "There are no options for %s.\n", k->name);
        return true;
    }
    g_ptr_array_sort(props, compare_prop_names);
    g_string_append_printf(out, "%s options:\n", k->name);
    for (guint i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        g_autofree char *lhs = g_strdup_printf("%s=<%s>", p->name,
                                               prop_kind_name(p->kind));
        g_autofree char *def = prop_default_string(p);

        g_string_append_printf(out, "  %-22s", lhs);
        if (p->desc || def) {
            g_string_append(out, " -");
        }
        if (p->desc) {
            g_string_append_printf(out, " %s", p->desc);
        }
        if (def) {
            g_string_append_printf(out, " (default: %s)", def);
        }
        g_string_append_c(out, '\n');
    }
    return true;
}

/* --- properties --- */

static const Property *prop_find(const DeviceClass *k, const char *name)
{
    for (const Property *p = k->props; p && p->name; p++) {
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

static void *prop_ptr(DeviceState *dev, const Property *p)
{
    return (char *)dev + p->offset;
}

/* Store an integer into a numeric field of whatever width the kind has. */
static void prop_store_number(DeviceState *dev, const Property *p, uint64_t v)
{
    void *ptr = prop_ptr(dev, p);

    switch (p->kind) {
    case PROP_BOOL:
        *(bool *)ptr = v != 0;
        break;
    case PROP_UINT8:
        *(uint8_t *)ptr = v;
        break;
    case PROP_UINT16:
        *(uint16_t *)ptr = v;
        break;
    case PROP_UINT32:
        *(uint32_t *)ptr = v;
        break;
    case PROP_INT32:
        *(int32_t *)ptr = (int32_t)v;
        break;
    case PROP_UINT64:
    case PROP_SIZE:
        *(uint64_t *)ptr = v;
        break;
    default:
        g_assert_not_reached();
    }
}

static uint64_t prop_max(PropertyKind kind)
{
    switch (kind) {
    case PROP_UINT8:
        return UINT8_MAX;
    case PROP_UINT16:
        return UINT16_MAX;
    case PROP_UINT32:
        return UINT32_MAX;
    default:
        return UINT64_MAX;
    }
}

static void prop_set_string_field(DeviceState *dev, const Property *p,
                                  const char *value)
{
    char **field = prop_ptr(dev, p);

    g_free(*field);
    *field = g_strdup(value);
}

/*
 * Parse `value` for property p of dev and store it. Nothing is stored when
 * the value is rejected. Errors follow QEMU's wording (qdev-properties.c).
 */
static bool prop_parse_into(DeviceState *dev, const Property *p,
                            const char *value, GError **errp)
{
    const char *type = dev->klass->name;
    uint64_t u;

    switch (p->kind) {
    case PROP_BOOL: {
        bool b;

        if (!qemu_parse_bool(value, &b)) {
            break;
        }
        prop_store_number(dev, p, b);
        return true;
    }
    case PROP_UINT8:
    case PROP_UINT16:
    case PROP_UINT32:
    case PROP_UINT64:
        /* Reject a sign here: strtoull would wrap "-1" to the maximum. */
        if (!value[0] || value[0] == '-' || value[0] == '+' ||
            g_ascii_isspace(value[0]) || !qemu_parse_uint64(value, &u)) {
            break;
        }
        if (u > prop_max(p->kind)) {
            error_setg(errp, "Property '%s.%s' doesn't take value '%s' "
                       "(maximum: %" PRIu64 ")", type, p->name, value,
                       prop_max(p->kind));
            return false;
        }
        prop_store_number(dev, p, u);
        return true;
    case PROP_INT32: {
        char *end;
        long long v;

        if (!value[0] || g_ascii_isspace(value[0])) {
            break;
        }
        errno = 0;
        v = strtoll(value, &end, 0);
        if (*end) {
            break;
        }
        if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX) {
            error_setg(errp, "Property '%s.%s' doesn't take value '%s' "
                       "(minimum: %d, maximum: %d)", type, p->name, value,
                       INT32_MIN, INT32_MAX);
            return false;
        }
        prop_store_number(dev, p, (uint64_t)(int64_t)v);
        return true;
    }
    case PROP_SIZE:
        if (!value[0] || value[0] == '-' || !qemu_parse_size(value, 'B', &u)) {
            break;
        }
        prop_store_number(dev, p, u);
        return true;
    case PROP_STRING:
        prop_set_string_field(dev, p, value);
        return true;
    case PROP_CHR: {
        Chardev *chr = NULL;

        if (value[0]) {
            chr = qemu_chr_find(value);
            if (!chr) {
                error_setg(errp, "Property '%s.%s' can't find value '%s'",
                           type, p->name, value);
                return false;
            }
        }
        *(Chardev **)prop_ptr(dev, p) = chr;
        return true;
    }
    default:
        g_assert_not_reached();
    }
    error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
               type, p->name, value);
    return false;
}

bool qdev_prop_parse(DeviceState *dev, const char *name, const char *value,
                     GError **errp)
{
    const Property *p = prop_find(dev->klass, name);

    if (!p) {
        error_setg(errp, "Property '%s.%s' not found", dev->klass->name, name);
        return false;
    }
    return prop_parse_into(dev, p, value ? value : "", errp);
}

/* The property a typed setter names; a missing one is a programming error. */
static const Property *prop_find_for_set(DeviceState *dev, const char *name,
                                         bool numeric)
{
    const Property *p = prop_find(dev->klass, name);

    if (!p) {
        g_critical("%s: no property '%s'", dev->klass->name, name);
        return NULL;
    }
    if (numeric && (p->kind == PROP_STRING || p->kind == PROP_CHR)) {
        g_critical("%s.%s is not a numeric property", dev->klass->name, name);
        return NULL;
    }
    return p;
}

void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t value)
{
    const Property *p = prop_find_for_set(dev, name, true);

    if (p) {
        prop_store_number(dev, p, value);
    }
}

void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t value)
{
    const Property *p = prop_find_for_set(dev, name, true);

    if (p) {
        prop_store_number(dev, p, value);
    }
}

void qdev_prop_set_bool(DeviceState *dev, const char *name, bool value)
{
    const Property *p = prop_find_for_set(dev, name, true);

    if (p) {
        prop_store_number(dev, p, value);
    }
}

void qdev_prop_set_string(DeviceState *dev, const char *name, const char *value)
{
    const Property *p = prop_find_for_set(dev, name, false);

    if (p && p->kind == PROP_STRING) {
        prop_set_string_field(dev, p, value);
    } else if (p) {
        g_critical("%s.%s is not a string property", dev->klass->name, name);
    }
}

void qdev_prop_set_chr(DeviceState *dev, const char *name, Chardev *chr)
{
    const Property *p = prop_find_for_set(dev, name, false);

    if (p && p->kind == PROP_CHR) {
        *(Chardev **)prop_ptr(dev, p) = chr;
    } else if (p) {
        g_critical("%s.%s is not a chardev property", dev->klass->name, name);
    }
}

char *qdev_prop_get_string(DeviceState *dev, const char *name)
{
    const Property *p = prop_find(dev->klass, name);
    void *ptr;

    if (!p) {
        return NULL;
    }
    ptr = prop_ptr(dev, p);
    switch (p->kind) {
    case PROP_BOOL:
        return g_strdup(*(bool *)ptr ? "true" : "false");
    case PROP_UINT8:
        return g_strdup_printf("%u", *(uint8_t *)ptr);
    case PROP_UINT16:
        return g_strdup_printf("%u", *(uint16_t *)ptr);
    case PROP_UINT32:
        return g_strdup_printf("%" PRIu32, *(uint32_t *)ptr);
    case PROP_INT32:
        return g_strdup_printf("%" PRId32, *(int32_t *)ptr);
    case PROP_UINT64:
    case PROP_SIZE:
        return g_strdup_printf("%" PRIu64, *(uint64_t *)ptr);
    case PROP_STRING:
        return g_strdup(*(char **)ptr ? *(char **)ptr : "");
    case PROP_CHR: {
        Chardev *chr = *(Chardev **)ptr;

        return g_strdup(chr ? qemu_chr_id(chr) : "");
    }
    default:
        g_assert_not_reached();
    }
}

/* --- -global --- */

/*
 * Check a global early where we can: a known driver must have the property,
 * and the value must parse (into a scratch instance that is thrown away).
 * An unknown driver is accepted, as QEMU does; a chardev value is checked
 * when the device is made, since -chardev may come later on the line.
 */
static bool qdev_check_global(const GlobalProp *g, GError **errp)
{
    const DeviceClass *k = device_class_find(g->driver);
    const Property *p;
    DeviceState *scratch;
    bool ok;

    if (!k) {
        return true;
    }
    p = prop_find(k, g->property);
    if (!p) {
        error_setg(errp, "Property '%s.%s' not found", k->name, g->property);
        return false;
    }
    if (p->kind == PROP_CHR) {
        return true;
    }
    scratch = g_malloc0(k->instance_size);
    scratch->klass = k;
    ok = prop_parse_into(scratch, p, g->value, errp);
    if (p->kind == PROP_STRING) {
        g_free(*(char **)prop_ptr(scratch, p));
    }
    g_free(scratch);
    return ok;
}

bool qdev_add_global(const char *spec, GError **errp)
{
    const char *eq = strchr(spec, '=');
    const char *dot = strchr(spec, '.');
    GlobalProp *g;

    if (!eq || !dot || dot > eq || dot == spec || dot + 1 == eq) {
        error_setg(errp, "Invalid -global '%s': expected DRIVER.PROPERTY=VALUE",
                   spec);
        return false;
    }
    g = g_new0(GlobalProp, 1);
    g->driver = g_strndup(spec, dot - spec);
    g->property = g_strndup(dot + 1, eq - dot - 1);
    g->value = g_strdup(eq + 1);
    if (!qdev_check_global(g, errp)) {
        g_free(g->driver);
        g_free(g->property);
        g_free(g->value);
        g_free(g);
        return false;
    }
    if (!global_props) {
        global_props = g_ptr_array_new();
    }
    g_ptr_array_add(global_props, g);
    return true;
}

static bool qdev_apply_globals(DeviceState *dev, GError **errp)
{
    for (guint i = 0; global_props && i < global_props->len; i++) {
        GlobalProp *g = g_ptr_array_index(global_props, i);
        GError *err = NULL;

        if (strcmp(g->driver, dev->klass->name) != 0) {
            continue;
        }
        if (!qdev_prop_parse(dev, g->property, g->value, &err)) {
            g_propagate_prefixed_error(errp, err, "can't apply global %s.%s=%s: ",
                                       g->driver, g->property, g->value);
            return false;
        }
        trace_qdev_global_applied(g->driver, g->property, g->value);
    }
    return true;
}

/* --- creation and destruction --- */

static void gpio_list_free(gpointer data)
{
    NamedGPIOList *l = data;

    g_free(l->name);
    qemu_free_irqs(l->in, l->num_in);
    g_free(l->out);
    g_free(l);
}

static void qdev_free(DeviceState *dev)
{
    for (const Property *p = dev->klass->props; p && p->name; p++) {
        if (p->kind == PROP_STRING) {
            g_free(*(char **)prop_ptr(dev, p));
        }
    }
    g_ptr_array_free(dev->gpios, true);
    g_free(dev->id);
    g_free(dev->path);
    g_free(dev);
}

static DeviceState *qdev_alloc(const DeviceClass *k, bool with_globals,
                               GError **errp)
{
    DeviceState *dev = g_malloc0(k->instance_size);

    dev->klass = k;
    dev->gpios = g_ptr_array_new_with_free_func(gpio_list_free);
    dev->create_seq = next_create_seq++;
    for (const Property *p = k->props; p && p->name; p++) {
        switch (p->kind) {
        case PROP_STRING:
            prop_set_string_field(dev, p, p->defstr);
            break;
        case PROP_CHR:
            break;
        default:
            prop_store_number(dev, p, p->defval);
            break;
        }
    }
    if (with_globals && !qdev_apply_globals(dev, errp)) {
        qdev_free(dev);
        return NULL;
    }
    if (k->instance_init) {
        k->instance_init(dev);
    }
    return dev;
}

DeviceState *qdev_try_new(const char *type, GError **errp)
{
    const DeviceClass *k = device_class_find(type);

    if (!k) {
        error_setg(errp, "'%s' is not a valid device model name", type);
        return NULL;
    }
    return qdev_alloc(k, true, errp);
}

DeviceState *qdev_new(const char *type)
{
    const DeviceClass *k = device_class_find(type);
    GError *err = NULL;
    DeviceState *dev;

    if (!k) {
        g_error("qdev_new: unknown device type '%s'", type);
    }
    dev = qdev_alloc(k, true, &err);
    if (!dev) {
        /* No caller to hand the error to: say so, keep the defaults. */
        error_report_err(err);
        dev = qdev_alloc(k, false, NULL);
    }
    return dev;
}

/* QEMU's id_wellformed: a letter, then letters, digits, '-', '.', '_'. */
static bool qdev_id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *c = id + 1; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("-._", *c)) {
            return false;
        }
    }
    return true;
}

/* Split "a,b=c,,d" at single commas; ",," stands for a literal comma. */
static GPtrArray *split_option(const char *optstr)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *c = optstr; *c; c++) {
        if (*c == ',' && c[1] == ',') {
            g_string_append_c(cur, ',');
            c++;
        } else if (*c == ',') {
            g_ptr_array_add(items, g_string_free(cur, false));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *c);
        }
    }
    g_ptr_array_add(items, g_string_free(cur, false));
    return items;
}

static DeviceState *qdev_find_name_or_id(const char *name);

DeviceState *qdev_new_from_option(const char *optstr, GError **errp)
{
    g_autoptr(GPtrArray) items = split_option(optstr);
    const char *type = g_ptr_array_index(items, 0);
    const DeviceClass *k;
    DeviceState *dev;

    if (g_str_has_prefix(type, "driver=")) {
        type += strlen("driver=");
    } else if (strchr(type, '=')) {
        type = "";
    }
    if (!type[0]) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    k = device_class_find(type);
    if (!k) {
        error_setg(errp, "'%s' is not a valid device model name", type);
        return NULL;
    }
    if (!k->user_creatable) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    dev = qdev_alloc(k, true, errp);
    if (!dev) {
        return NULL;
    }
    for (guint i = 1; i < items->len; i++) {
        char *item = g_ptr_array_index(items, i);
        char *eq = strchr(item, '=');
        const char *value = "on";     /* a bare key means key=on */

        if (!item[0]) {
            continue;
        }
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        if (strcmp(item, "id") == 0) {
            if (!qdev_id_wellformed(value)) {
                error_setg(errp, "Parameter 'id' expects an identifier");
                goto fail;
            }
            if (qdev_find_name_or_id(value)) {
                error_setg(errp, "Duplicate ID '%s' for device", value);
                goto fail;
            }
            g_free(dev->id);
            dev->id = g_strdup(value);
        } else if (!qdev_prop_parse(dev, item, value, errp)) {
            goto fail;
        }
    }
    return dev;

fail:
    qdev_free(dev);
    return NULL;
}

/* --- realize, paths, reset --- */

static const char *qdev_name(DeviceState *dev)
{
    return dev->path + strlen("/machine/");
}

static DeviceState *qdev_find_name_or_id(const char *name)
{
    for (guint i = 0; realized_devices && i < realized_devices->len; i++) {
        DeviceState *d = g_ptr_array_index(realized_devices, i);

        if (strcmp(qdev_name(d), name) == 0 ||
            (d->id && strcmp(d->id, name) == 0)) {
            return d;
        }
    }
    return NULL;
}

DeviceState *qdev_find(const char *path)
{
    if (!path || !realized_devices) {
        return NULL;
    }
    if (g_str_has_prefix(path, "/machine/")) {
        path += strlen("/machine/");
    }
    /* A path name wins over an id that happens to spell the same. */
    for (guint i = 0; i < realized_devices->len; i++) {
        DeviceState *d = g_ptr_array_index(realized_devices, i);

        if (strcmp(qdev_name(d), path) == 0) {
            return d;
        }
    }
    for (guint i = 0; i < realized_devices->len; i++) {
        DeviceState *d = g_ptr_array_index(realized_devices, i);

        if (d->id && strcmp(d->id, path) == 0) {
            return d;
        }
    }
    return NULL;
}

bool qdev_realize(DeviceState *dev, const char *name, GError **errp)
{
    g_autofree char *auto_name = NULL;
    GError *err = NULL;
    guint pos;

    g_return_val_if_fail(dev != NULL, false);
    if (dev->realized) {
        error_setg(errp, "Device '%s' is already realized", dev->path);
        return false;
    }
    if (!name) {
        name = dev->id;
    }
    if (!name) {
        for (int n = 0; ; n++) {
            g_free(auto_name);
            auto_name = g_strdup_printf("%s[%d]", dev->klass->name, n);
            if (!qdev_find_name_or_id(auto_name)) {
                break;
            }
        }
        name = auto_name;
    }
    if (qdev_find_name_or_id(name) ||
        (dev->id && qdev_find_name_or_id(dev->id))) {
        if (dev->id) {
            error_setg(errp, "Duplicate ID '%s' for device", dev->id);
        } else {
            error_setg(errp, "Device path '/machine/%s' is already in use", name);
        }
        qdev_free(dev);
        return false;
    }
    if (dev->klass->realize) {
        dev->klass->realize(dev, &err);
        if (err) {
            trace_qdev_realize_failed(dev->klass->name, err->message);
            g_propagate_error(errp, err);
            qdev_free(dev);
            return false;
        }
    }
    dev->path = g_strdup_printf("/machine/%s", name);
    dev->realized = true;
    if (!realized_devices) {
        realized_devices = g_ptr_array_new();
    }
    /* Keep creation order: a device made earlier may be realized later. */
    for (pos = realized_devices->len; pos > 0; pos--) {
        DeviceState *d = g_ptr_array_index(realized_devices, pos - 1);

        if (d->create_seq < dev->create_seq) {
            break;
        }
    }
    g_ptr_array_insert(realized_devices, pos, dev);
    trace_qdev_realize(dev->klass->name, dev->path);
    return true;
}

void qdev_unrealize_and_free(DeviceState *dev)
{
    if (!dev) {
        return;
    }
    if (dev->realized) {
        trace_qdev_unrealize(dev->path);
        if (dev->klass->unrealize) {
            dev->klass->unrealize(dev);
        }
        g_ptr_array_remove(realized_devices, dev);
    }
    qdev_free(dev);
}

void qdev_unrealize_all(void)
{
    while (realized_devices && realized_devices->len) {
        qdev_unrealize_and_free(g_ptr_array_index(realized_devices,
                                                  realized_devices->len - 1));
    }
}

void device_reset(DeviceState *dev)
{
    trace_qdev_reset(dev->path ? dev->path : dev->klass->name);
    if (dev->klass->reset) {
        dev->klass->reset(dev);
    }
}

void qdev_reset_all(void)
{
    for (guint i = 0; realized_devices && i < realized_devices->len; i++) {
        device_reset(g_ptr_array_index(realized_devices, i));
    }
}

void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque)
{
    /* Copy first: fn may realize or free devices. */
    g_autoptr(GPtrArray) copy = g_ptr_array_new();

    for (guint i = 0; realized_devices && i < realized_devices->len; i++) {
        g_ptr_array_add(copy, g_ptr_array_index(realized_devices, i));
    }
    for (guint i = 0; i < copy->len; i++) {
        fn(g_ptr_array_index(copy, i), opaque);
    }
}

/* --- GPIOs --- */

static NamedGPIOList *gpio_list_find(DeviceState *dev, const char *name)
{
    for (guint i = 0; i < dev->gpios->len; i++) {
        NamedGPIOList *l = g_ptr_array_index(dev->gpios, i);

        if (g_strcmp0(l->name, name) == 0) {
            return l;
        }
    }
    return NULL;
}

static NamedGPIOList *gpio_list_get(DeviceState *dev, const char *name)
{
    NamedGPIOList *l = gpio_list_find(dev, name);

    if (!l) {
        l = g_new0(NamedGPIOList, 1);
        l->name = g_strdup(name);
        g_ptr_array_add(dev->gpios, l);
    }
    return l;
}

void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n)
{
    NamedGPIOList *l = gpio_list_get(dev, name);

    g_assert(n >= 0);
    l->in = g_renew(qemu_irq, l->in, l->num_in + n);
    for (int i = 0; i < n; i++) {
        l->in[l->num_in + i] = qemu_allocate_irq(handler, dev, l->num_in + i);
    }
    l->num_in += n;
}

void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n)
{
    NamedGPIOList *l = gpio_list_get(dev, name);

    g_assert(n >= 0);
    l->out = g_renew(qemu_irq *, l->out, l->num_out + n);
    for (int i = 0; i < n; i++) {
        l->out[l->num_out + i] = &pins[i];
    }
    l->num_out += n;
}

qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n)
{
    NamedGPIOList *l = gpio_list_find(dev, name);

    if (!l || n < 0 || n >= l->num_in) {
        return NULL;
    }
    return l->in[n];
}

void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin)
{
    NamedGPIOList *l = gpio_list_find(dev, name);

    if (!l || n < 0 || n >= l->num_out) {
        g_critical("%s: no GPIO out '%s' %d", dev->klass->name,
                   name ? name : "unnamed-gpio-out", n);
        return;
    }
    *l->out[n] = pin;
}

NamedGPIOList *qdev_get_named_gpio_list(DeviceState *dev, const char *name)
{
    if (!name || strcmp(name, "unnamed-gpio-in") == 0 ||
        strcmp(name, "unnamed-gpio-out") == 0) {
        return gpio_list_find(dev, NULL);
    }
    return gpio_list_find(dev, name);
}
