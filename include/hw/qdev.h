/*
 * The device core: device types with typed properties, realize and reset,
 * named GPIO (IRQ) lines, and a path for each device (/machine/NAME).
 *
 * A device type is a static DeviceClass registered at start-up with
 * device_class_register() (use the DEVICE_CLASS_REGISTER macro). A device is
 * made with qdev_new(type): zeroed instance of instance_size, property
 * defaults applied, then -global overrides, then class->instance_init. The
 * creator sets properties (qdev_prop_parse from strings, or the typed
 * setters) and calls qdev_realize(), which checks them (class->realize may
 * fail with an error that says what is allowed) and gives the device its path.
 * The machine then wires GPIOs and maps its memory regions.
 *
 * Every realized device is reset, in creation order, by qdev_reset_all().
 */
#ifndef LAPIS_QDEV_H
#define LAPIS_QDEV_H

#include "qemu/osdep.h"
#include "hw/irq.h"

typedef struct DeviceState DeviceState;
typedef struct DeviceClass DeviceClass;
typedef struct Chardev Chardev;

typedef enum PropertyKind {
    PROP_BOOL,      /* bool */
    PROP_UINT8,     /* uint8_t */
    PROP_UINT16,    /* uint16_t */
    PROP_UINT32,    /* uint32_t */
    PROP_UINT64,    /* uint64_t */
    PROP_INT32,     /* int32_t */
    PROP_STRING,    /* char *, owned by the device */
    PROP_CHR,       /* Chardev *, given by chardev id */
    PROP_SIZE,      /* uint64_t, QEMU size syntax (bytes) */
} PropertyKind;

typedef struct Property {
    const char *name;
    PropertyKind kind;
    size_t offset;
    uint64_t defval;            /* numeric and bool defaults */
    const char *defstr;         /* string default (may be NULL) */
    const char *desc;
} Property;

#define DEFINE_PROP(_name, _kind, _state, _field, _def, _desc) \
    { .name = (_name), .kind = (_kind), .offset = offsetof(_state, _field), \
      .defval = (_def), .desc = (_desc) }
#define DEFINE_PROP_BOOL(n, s, f, d)   DEFINE_PROP(n, PROP_BOOL, s, f, d, NULL)
#define DEFINE_PROP_UINT8(n, s, f, d)  DEFINE_PROP(n, PROP_UINT8, s, f, d, NULL)
#define DEFINE_PROP_UINT16(n, s, f, d) DEFINE_PROP(n, PROP_UINT16, s, f, d, NULL)
#define DEFINE_PROP_UINT32(n, s, f, d) DEFINE_PROP(n, PROP_UINT32, s, f, d, NULL)
#define DEFINE_PROP_UINT64(n, s, f, d) DEFINE_PROP(n, PROP_UINT64, s, f, d, NULL)
#define DEFINE_PROP_INT32(n, s, f, d)  DEFINE_PROP(n, PROP_INT32, s, f, d, NULL)
#define DEFINE_PROP_SIZE(n, s, f, d)   DEFINE_PROP(n, PROP_SIZE, s, f, d, NULL)
#define DEFINE_PROP_CHR(n, s, f)       DEFINE_PROP(n, PROP_CHR, s, f, 0, NULL)
#define DEFINE_PROP_STRING(n, s, f) \
    { .name = (n), .kind = PROP_STRING, .offset = offsetof(s, f) }
#define DEFINE_PROP_END_OF_LIST() { .name = NULL }

struct DeviceClass {
    const char *name;           /* type name, e.g. "isa-serial" */
    const char *desc;           /* one line for -device help */
    size_t instance_size;       /* >= sizeof(DeviceState), state struct first member */
    const Property *props;      /* ends with DEFINE_PROP_END_OF_LIST */
    bool user_creatable;        /* may be made with -device */
    void (*instance_init)(DeviceState *dev);
    void (*realize)(DeviceState *dev, GError **errp);
    void (*reset)(DeviceState *dev);
    void (*unrealize)(DeviceState *dev);
};

typedef struct NamedGPIOList {
    char *name;                 /* NULL for the unnamed list */
    qemu_irq *in;
    int num_in;
    qemu_irq **out;             /* pointers to the device's own qemu_irq fields */
    int num_out;
} NamedGPIOList;

struct DeviceState {
    const DeviceClass *klass;
    char *id;                   /* -device ...,id=ID (may be NULL) */
    char *path;                 /* /machine/NAME once realized */
    bool realized;
    GPtrArray *gpios;           /* NamedGPIOList * */
    uint64_t create_seq;        /* order of qdev_new, for reset order */
};

#define DEVICE(obj) ((DeviceState *)(obj))

void device_class_register(const DeviceClass *klass);
#define DEVICE_CLASS_REGISTER(klass) \
    static void __attribute__((constructor)) register_##klass(void) \
    { device_class_register(&(klass)); }
const DeviceClass *device_class_find(const char *name);
/* "-device help": one line per user-creatable type. */
void device_class_list(GString *out, bool only_user_creatable);
/* "-device TYPE,help": the type's properties. */
bool device_class_list_props(const char *name, GString *out, GError **errp);

/* -global DRIVER.PROP=VALUE, applied by qdev_new to later devices. */
bool qdev_add_global(const char *spec, GError **errp);

DeviceState *qdev_try_new(const char *type, GError **errp);
DeviceState *qdev_new(const char *type);   /* the type must exist */
/* Parse and set a property from its string form; the error names the bad key
 * or value ("Property 'isa-serial.iobase' doesn't take value 'x'"). */
bool qdev_prop_parse(DeviceState *dev, const char *name, const char *value,
                     GError **errp);
/* Parse "TYPE,key=value,..." (-device) into a new, unrealized device. */
DeviceState *qdev_new_from_option(const char *optstr, GError **errp);
void qdev_prop_set_uint32(DeviceState *dev, const char *name, uint32_t value);
void qdev_prop_set_uint64(DeviceState *dev, const char *name, uint64_t value);
void qdev_prop_set_bool(DeviceState *dev, const char *name, bool value);
void qdev_prop_set_string(DeviceState *dev, const char *name, const char *value);
void qdev_prop_set_chr(DeviceState *dev, const char *name, Chardev *chr);
/* Read a property back as text (for info/qom-style output). */
char *qdev_prop_get_string(DeviceState *dev, const char *name);

/* Realize and place the device at /machine/<name> (name NULL: the id, or
 * "<type>[N]"). On failure the device is freed and NULL-safe to ignore.
 * Realize does not reset: the machine's reset (qdev_reset_all) does, once
 * everything is wired; a device that must be sane before that sets its own
 * reset state in realize. */
bool qdev_realize(DeviceState *dev, const char *name, GError **errp);
void qdev_unrealize_and_free(DeviceState *dev);
void qdev_unrealize_all(void);
void qdev_reset_all(void);
void device_reset(DeviceState *dev);

/* Find by path "/machine/NAME", by NAME alone, or by id. */
DeviceState *qdev_find(const char *path);
/* Iterate over realized devices in creation order. */
void qdev_foreach(void (*fn)(DeviceState *dev, void *opaque), void *opaque);

/* GPIOs. name NULL is the unnamed list ("unnamed-gpio-in"/"unnamed-gpio-out"). */
void qdev_init_gpio_in_named(DeviceState *dev, qemu_irq_handler handler,
                             const char *name, int n);
static inline void qdev_init_gpio_in(DeviceState *dev, qemu_irq_handler h, int n)
{
    qdev_init_gpio_in_named(dev, h, NULL, n);
}
void qdev_init_gpio_out_named(DeviceState *dev, qemu_irq *pins,
                              const char *name, int n);
static inline void qdev_init_gpio_out(DeviceState *dev, qemu_irq *pins, int n)
{
    qdev_init_gpio_out_named(dev, pins, NULL, n);
}
qemu_irq qdev_get_gpio_in_named(DeviceState *dev, const char *name, int n);
static inline qemu_irq qdev_get_gpio_in(DeviceState *dev, int n)
{
    return qdev_get_gpio_in_named(dev, NULL, n);
}
void qdev_connect_gpio_out_named(DeviceState *dev, const char *name, int n,
                                 qemu_irq pin);
static inline void qdev_connect_gpio_out(DeviceState *dev, int n, qemu_irq pin)
{
    qdev_connect_gpio_out_named(dev, NULL, n, pin);
}
/* Look up a GPIO list by its qtest name ("unnamed-gpio-in", or a name). */
NamedGPIOList *qdev_get_named_gpio_list(DeviceState *dev, const char *name);

#endif
