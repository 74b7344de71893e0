/*
 * Unit tests of the device core (hw/core/qdev.c), IRQ lines (hw/core/irq.c)
 * and the ISA IRQ table (hw/core/isa.c): property defaults, parsing and the
 * exact error messages, -global, -device option strings, realize and paths,
 * lookup, reset order, GPIO wiring, split and intercepted lines. The test
 * device types are defined here, so no memory or chardev backend is needed
 * (the one chardev case relies only on qemu_chr_find of an unknown id).
 */
#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "hw/irq.h"
#include "hw/isa.h"

/* --- test device types --- */

typedef struct TestDev {
    DeviceState parent;
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    uint64_t size;
    char *str;
    Chardev *chr;
    bool fail_realize;

    uint32_t u32_seen_by_init;
    int realize_calls;
    int unrealize_calls;
    qemu_irq out[2];
    int last_in_line;
    int last_in_level;
    int in_calls;
} TestDev;

static const Property test_dev_props[] = {
    DEFINE_PROP_BOOL("flag", TestDev, flag, true),
    DEFINE_PROP_UINT8("u8", TestDev, u8, 7),
    DEFINE_PROP_UINT16("u16", TestDev, u16, 0x1234),
    DEFINE_PROP_UINT32("u32", TestDev, u32, 0x3f8),
    DEFINE_PROP_UINT64("u64", TestDev, u64, 1ULL << 40),
    DEFINE_PROP_INT32("i32", TestDev, i32, -5),
    DEFINE_PROP_SIZE("size", TestDev, size, 4096),
    { .name = "str", .kind = PROP_STRING, .offset = offsetof(TestDev, str),
      .defstr = "hello", .desc = "a string" },
    DEFINE_PROP_CHR("chardev", TestDev, chr),
    DEFINE_PROP_BOOL("fail", TestDev, fail_realize, false),
    DEFINE_PROP_END_OF_LIST(),
};

/* Devices reset so far, in order, by path. */
static GPtrArray *reset_log;

static void test_dev_in(void *opaque, int n, int level)
{
    TestDev *t = opaque;

    t->last_in_line = n;
    t->last_in_level = level;
    t->in_calls++;
}

static void test_dev_init(DeviceState *dev)
{
    TestDev *t = (TestDev *)dev;

    t->u32_seen_by_init = t->u32;
    t->last_in_line = -1;
    qdev_init_gpio_in(dev, test_dev_in, 3);
    qdev_init_gpio_in_named(dev, test_dev_in, "named-in", 2);
    qdev_init_gpio_out(dev, t->out, 2);
}

static void test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = (TestDev *)dev;

    t->realize_calls++;
    if (t->fail_realize) {
        error_setg(errp, "test-dev: fail must be off");
    }
}

static void test_dev_reset(DeviceState *dev)
{
    if (reset_log) {
        g_ptr_array_add(reset_log, g_strdup(dev->path));
    }
}

static int unrealize_count;

static void test_dev_unrealize(DeviceState *dev)
{
    unrealize_count++;
}

static const DeviceClass test_dev_class = {
    .name = "test-dev",
    .desc = "a device for unit tests",
    .instance_size = sizeof(TestDev),
    .props = test_dev_props,
    .user_creatable = true,
    .instance_init = test_dev_init,
    .realize = test_dev_realize,
    .reset = test_dev_reset,
    .unrealize = test_dev_unrealize,
};
DEVICE_CLASS_REGISTER(test_dev_class)

/* A separate type for -global tests: globals stay for the whole process. */
static const DeviceClass test_global_class = {
    .name = "test-global-dev",
    .instance_size = sizeof(TestDev),
    .props = test_dev_props,
    .user_creatable = true,
    .instance_init = test_dev_init,
};
DEVICE_CLASS_REGISTER(test_global_class)

static const DeviceClass test_internal_class = {
    .name = "test-internal",
    .desc = "not for -device",
    .instance_size = sizeof(DeviceState),
};
DEVICE_CLASS_REGISTER(test_internal_class)

static TestDev *new_test_dev(void)
{
    return (TestDev *)qdev_new("test-dev");
}

static void assert_parse_error(DeviceState *dev, const char *key,
                               const char *value, const char *message)
{
    GError *err = NULL;

    g_assert_false(qdev_prop_parse(dev, key, value, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

/* --- properties --- */

static void test_props_defaults_applied(void)
{
    TestDev *t = new_test_dev();

    g_assert_true(t->flag);
    g_assert_cmpuint(t->u8, ==, 7);
    g_assert_cmpuint(t->u16, ==, 0x1234);
    g_assert_cmpuint(t->u32, ==, 0x3f8);
    g_assert_cmpuint(t->u64, ==, 1ULL << 40);
    g_assert_cmpint(t->i32, ==, -5);
    g_assert_cmpuint(t->size, ==, 4096);
    g_assert_cmpstr(t->str, ==, "hello");
    g_assert_null(t->chr);
    g_assert_cmpuint(t->u32_seen_by_init, ==, 0x3f8);
    qdev_unrealize_and_free(DEVICE(t));
}

static void test_props_parse_typed_values(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);
    GError *err = NULL;

    g_assert_true(qdev_prop_parse(d, "flag", "off", &err));
    g_assert_false(t->flag);
    g_assert_true(qdev_prop_parse(d, "u8", "255", &err));
    g_assert_cmpuint(t->u8, ==, 255);
    g_assert_true(qdev_prop_parse(d, "u16", "0x2f8", &err));
    g_assert_cmpuint(t->u16, ==, 0x2f8);
    g_assert_true(qdev_prop_parse(d, "u32", "4294967295", &err));
    g_assert_cmpuint(t->u32, ==, UINT32_MAX);
    g_assert_true(qdev_prop_parse(d, "u64", "0xffffffffffffffff", &err));
    g_assert_cmpuint(t->u64, ==, UINT64_MAX);
    g_assert_true(qdev_prop_parse(d, "i32", "-2147483648", &err));
    g_assert_cmpint(t->i32, ==, INT32_MIN);
    g_assert_true(qdev_prop_parse(d, "size", "64k", &err));
    g_assert_cmpuint(t->size, ==, 65536);
    g_assert_true(qdev_prop_parse(d, "str", "world", &err));
    g_assert_cmpstr(t->str, ==, "world");
    g_assert_no_error(err);
    qdev_unrealize_and_free(d);
}

static void test_props_unknown_key_named(void)
{
    DeviceState *d = DEVICE(new_test_dev());

    assert_parse_error(d, "nope", "1", "Property 'test-dev.nope' not found");
    qdev_unrealize_and_free(d);
}

static void test_props_bad_value_named(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);

    assert_parse_error(d, "u32", "x",
                       "Property 'test-dev.u32' doesn't take value 'x'");
    assert_parse_error(d, "u32", "",
                       "Property 'test-dev.u32' doesn't take value ''");
    assert_parse_error(d, "u16", "12abc",
                       "Property 'test-dev.u16' doesn't take value '12abc'");
    assert_parse_error(d, "flag", "maybe",
                       "Property 'test-dev.flag' doesn't take value 'maybe'");
    assert_parse_error(d, "i32", "seven",
                       "Property 'test-dev.i32' doesn't take value 'seven'");
    assert_parse_error(d, "size", "12Q",
                       "Property 'test-dev.size' doesn't take value '12Q'");
    /* A rejected value leaves the old one in place. */
    g_assert_cmpuint(t->u32, ==, 0x3f8);
    g_assert_cmpuint(t->u16, ==, 0x1234);
    g_assert_true(t->flag);
    qdev_unrealize_and_free(d);
}

static void test_props_out_of_range_rejected(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);

    assert_parse_error(d, "u8", "300",
                       "Property 'test-dev.u8' doesn't take value '300' "
                       "(maximum: 255)");
    assert_parse_error(d, "u16", "0x10000",
                       "Property 'test-dev.u16' doesn't take value '0x10000' "
                       "(maximum: 65535)");
    assert_parse_error(d, "i32", "2147483648",
                       "Property 'test-dev.i32' doesn't take value "
                       "'2147483648' (minimum: -2147483648, maximum: 2147483647)");
    g_assert_cmpuint(t->u8, ==, 7);
    qdev_unrealize_and_free(d);
}

static void test_props_negative_unsigned_rejected(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);

    assert_parse_error(d, "u32", "-1",
                       "Property 'test-dev.u32' doesn't take value '-1'");
    assert_parse_error(d, "u64", "-1",
                       "Property 'test-dev.u64' doesn't take value '-1'");
    g_assert_cmpuint(t->u32, ==, 0x3f8);
    qdev_unrealize_and_free(d);
}

static void test_props_chardev_not_found_named(void)
{
    DeviceState *d = DEVICE(new_test_dev());

    assert_parse_error(d, "chardev", "nosuchchr",
                       "Property 'test-dev.chardev' can't find value 'nosuchchr'");
    qdev_unrealize_and_free(d);
}

static void test_props_typed_setters_and_get_string(void)
{
    DeviceState *d = DEVICE(new_test_dev());
    TestDev *t = (TestDev *)d;
    char *s;

    qdev_prop_set_uint32(d, "u32", 0x2f8);
    qdev_prop_set_uint64(d, "u64", 5);
    qdev_prop_set_bool(d, "flag", false);
    qdev_prop_set_string(d, "str", "abc");
    g_assert_cmpuint(t->u32, ==, 0x2f8);
    g_assert_cmpuint(t->u64, ==, 5);
    g_assert_false(t->flag);

    s = qdev_prop_get_string(d, "u32");
    g_assert_cmpstr(s, ==, "760");
    g_free(s);
    s = qdev_prop_get_string(d, "flag");
    g_assert_cmpstr(s, ==, "false");
    g_free(s);
    s = qdev_prop_get_string(d, "i32");
    g_assert_cmpstr(s, ==, "-5");
    g_free(s);
    s = qdev_prop_get_string(d, "str");
    g_assert_cmpstr(s, ==, "abc");
    g_free(s);
    s = qdev_prop_get_string(d, "chardev");
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    g_assert_null(qdev_prop_get_string(d, "nope"));
    qdev_unrealize_and_free(d);
}

/* --- -global --- */

static void test_global_malformed_spec_named(void)
{
    static const char *const bad[] = {
        "test-global-dev", "test-global-dev.u32", "u32=5", ".u32=5",
        "test-global-dev.=5",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;

        g_assert_false(qdev_add_global(bad[i], &err));
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_error_free(err);
    }
}

static void test_global_bad_property_or_value_rejected(void)
{
    GError *err = NULL;

    g_assert_false(qdev_add_global("test-global-dev.nope=1", &err));
    g_assert_cmpstr(err->message, ==, "Property 'test-global-dev.nope' not found");
    g_clear_error(&err);
    g_assert_false(qdev_add_global("test-global-dev.u8=300", &err));
    g_assert_nonnull(strstr(err->message,
                            "Property 'test-global-dev.u8' doesn't take value '300'"));
    g_clear_error(&err);
    /* An unknown driver is accepted, as in QEMU (it may never be made). */
    g_assert_true(qdev_add_global("no-such-driver.x=1", &err));
    g_assert_no_error(err);
}

static void test_global_applied_before_instance_init(void)
{
    GError *err = NULL;
    TestDev *t;

    g_assert_true(qdev_add_global("test-global-dev.u32=0x2f8", &err));
    g_assert_true(qdev_add_global("test-global-dev.str=from-global", &err));
    g_assert_no_error(err);
    t = (TestDev *)qdev_new("test-global-dev");
    g_assert_cmpuint(t->u32, ==, 0x2f8);
    g_assert_cmpuint(t->u32_seen_by_init, ==, 0x2f8);
    g_assert_cmpstr(t->str, ==, "from-global");
    /* Other properties keep their defaults, other types are untouched. */
    g_assert_cmpuint(t->u8, ==, 7);
    qdev_unrealize_and_free(DEVICE(t));

    t = new_test_dev();
    g_assert_cmpuint(t->u32, ==, 0x3f8);
    qdev_unrealize_and_free(DEVICE(t));
}

static void test_global_chardev_checked_at_creation(void)
{
    GError *err = NULL;

    /* The chardev is looked up when the device is made, not at -global. */
    g_assert_true(qdev_add_global("test-global-dev.chardev=missingchr", &err));
    g_assert_no_error(err);
    g_assert_null(qdev_try_new("test-global-dev", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message,
                            "Property 'test-global-dev.chardev' can't find "
                            "value 'missingchr'"));
    g_clear_error(&err);
}

/* --- -device option strings --- */

static void test_option_sets_props_and_id(void)
{
    GError *err = NULL;
    DeviceState *d = qdev_new_from_option("test-dev,u32=0x100,str=a,,b,"
                                          "id=mydev,flag", &err);
    TestDev *t = (TestDev *)d;

    g_assert_no_error(err);
    g_assert_nonnull(d);
    g_assert_cmpstr(d->klass->name, ==, "test-dev");
    g_assert_cmpstr(d->id, ==, "mydev");
    g_assert_cmpuint(t->u32, ==, 0x100);
    g_assert_cmpstr(t->str, ==, "a,b");    /* ",," is a literal comma */
    g_assert_true(t->flag);                /* a bare key means on */
    g_assert_false(d->realized);
    qdev_unrealize_and_free(d);

    d = qdev_new_from_option("driver=test-dev,u8=9", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(((TestDev *)d)->u8, ==, 9);
    qdev_unrealize_and_free(d);
}

static void assert_option_error(const char *opt, const char *message)
{
    GError *err = NULL;

    g_assert_null(qdev_new_from_option(opt, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

static void test_option_errors_named(void)
{
    assert_option_error("no-such-dev", "'no-such-dev' is not a valid device "
                        "model name");
    assert_option_error("u32=5", "Parameter 'driver' is missing");
    assert_option_error("test-internal",
                        "Parameter 'driver' expects a pluggable device type");
    assert_option_error("test-dev,bogus=1", "Property 'test-dev.bogus' not found");
    assert_option_error("test-dev,u8=256",
                        "Property 'test-dev.u8' doesn't take value '256' "
                        "(maximum: 255)");
    assert_option_error("test-dev,id=1bad",
                        "Parameter 'id' expects an identifier");
}

/* --- realize, paths, lookup --- */

static void test_realize_path_naming(void)
{
    GError *err = NULL;
    DeviceState *named = qdev_new("test-dev");
    DeviceState *with_id = qdev_new_from_option("test-dev,id=com2", &err);
    DeviceState *anon0 = qdev_new("test-dev");
    DeviceState *anon1 = qdev_new("test-dev");

    qdev_unrealize_all();
    g_assert_true(qdev_realize(named, "serial0", &err));
    g_assert_true(qdev_realize(with_id, NULL, &err));
    g_assert_true(qdev_realize(anon0, NULL, &err));
    g_assert_true(qdev_realize(anon1, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(named->path, ==, "/machine/serial0");
    g_assert_cmpstr(with_id->path, ==, "/machine/com2");
    g_assert_cmpstr(anon0->path, ==, "/machine/test-dev[0]");
    g_assert_cmpstr(anon1->path, ==, "/machine/test-dev[1]");
    g_assert_true(anon1->realized);
    g_assert_cmpint(((TestDev *)anon1)->realize_calls, ==, 1);
    qdev_unrealize_all();
}

static void test_realize_failure_reports_and_frees(void)
{
    GError *err = NULL;
    DeviceState *d = qdev_new("test-dev");

    qdev_unrealize_all();
    qdev_prop_set_bool(d, "fail", true);
    g_assert_false(qdev_realize(d, "broken", &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "test-dev: fail must be off");
    g_clear_error(&err);
    g_assert_null(qdev_find("broken"));
}

static void test_realize_duplicate_name_rejected(void)
{
    GError *err = NULL;
    DeviceState *a = qdev_new("test-dev");
    DeviceState *b = qdev_new("test-dev");
    DeviceState *c = qdev_new_from_option("test-dev,id=dup", &err);
    DeviceState *e;

    qdev_unrealize_all();
    g_assert_true(qdev_realize(a, "dup", &err));
    g_assert_false(qdev_realize(b, "dup", &err));
    g_assert_cmpstr(err->message, ==, "Device path '/machine/dup' is already in use");
    g_clear_error(&err);
    g_assert_false(qdev_realize(c, NULL, &err));
    g_assert_cmpstr(err->message, ==, "Duplicate ID 'dup' for device");
    g_clear_error(&err);
    /* -device with an id already taken fails at parse time. */
    e = qdev_new_from_option("test-dev,id=dup", &err);
    g_assert_null(e);
    g_assert_cmpstr(err->message, ==, "Duplicate ID 'dup' for device");
    g_clear_error(&err);
    qdev_unrealize_all();
}

static void test_find_by_path_name_or_id(void)
{
    GError *err = NULL;
    DeviceState *a = qdev_new("test-dev");
    DeviceState *b = qdev_new_from_option("test-dev,id=mine", &err);

    qdev_unrealize_all();
    g_assert_true(qdev_realize(a, "gsi", &err));
    g_assert_true(qdev_realize(b, "board-uart", &err));
    g_assert_no_error(err);
    g_assert_true(qdev_find("/machine/gsi") == a);
    g_assert_true(qdev_find("gsi") == a);
    g_assert_true(qdev_find("/machine/board-uart") == b);
    g_assert_true(qdev_find("mine") == b);
    g_assert_null(qdev_find("/machine/nothing"));
    g_assert_null(qdev_find("nothing"));
    g_assert_null(qdev_find(NULL));
    qdev_unrealize_all();
    g_assert_null(qdev_find("gsi"));
}

static void test_unrealize_calls_class_hook(void)
{
    GError *err = NULL;
    DeviceState *a = qdev_new("test-dev");
    DeviceState *b = qdev_new("test-dev");

    qdev_unrealize_all();
    g_assert_true(qdev_realize(a, NULL, &err));
    unrealize_count = 0;
    qdev_unrealize_and_free(b);        /* never realized: no hook */
    g_assert_cmpint(unrealize_count, ==, 0);
    qdev_unrealize_all();
    g_assert_cmpint(unrealize_count, ==, 1);
}

static void count_dev(DeviceState *dev, void *opaque)
{
    (*(int *)opaque)++;
}

static void test_reset_all_in_creation_order(void)
{
    GError *err = NULL;
    DeviceState *first = qdev_new("test-dev");
    DeviceState *second = qdev_new("test-dev");
    DeviceState *third = qdev_new("test-dev");
    int n = 0;

    qdev_unrealize_all();
    reset_log = g_ptr_array_new_with_free_func(g_free);
    /* Realized out of order; reset follows creation order. */
    g_assert_true(qdev_realize(third, "third", &err));
    g_assert_true(qdev_realize(first, "first", &err));
    g_assert_true(qdev_realize(second, "second", &err));
    /* Realize does not reset; the machine's reset does. */
    g_assert_cmpuint(reset_log->len, ==, 0);

    qdev_reset_all();
    g_assert_cmpuint(reset_log->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(reset_log, 0), ==, "/machine/first");
    g_assert_cmpstr(g_ptr_array_index(reset_log, 1), ==, "/machine/second");
    g_assert_cmpstr(g_ptr_array_index(reset_log, 2), ==, "/machine/third");
    qdev_foreach(count_dev, &n);
    g_assert_cmpint(n, ==, 3);
    g_ptr_array_free(reset_log, true);
    reset_log = NULL;
    qdev_unrealize_all();
}

/* --- GPIOs and IRQ lines --- */

typedef struct Sink {
    int calls;
    int n;
    int level;
    void *opaque;
} Sink;

static void sink_handler(void *opaque, int n, int level)
{
    Sink *s = opaque;

    s->calls++;
    s->n = n;
    s->level = level;
}

static void test_gpio_in_calls_device_handler(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);

    qemu_irq_raise(qdev_get_gpio_in(d, 2));
    g_assert_cmpint(t->in_calls, ==, 1);
    g_assert_cmpint(t->last_in_line, ==, 2);
    g_assert_cmpint(t->last_in_level, ==, 1);
    qemu_irq_lower(qdev_get_gpio_in_named(d, "named-in", 1));
    g_assert_cmpint(t->in_calls, ==, 2);
    g_assert_cmpint(t->last_in_line, ==, 1);
    g_assert_cmpint(t->last_in_level, ==, 0);
    /* Out of range: no line. */
    g_assert_null(qdev_get_gpio_in(d, 3));
    g_assert_null(qdev_get_gpio_in(d, -1));
    g_assert_null(qdev_get_gpio_in_named(d, "no-such", 0));
    qdev_unrealize_and_free(d);
}

static void test_gpio_out_connect_and_raise(void)
{
    TestDev *src = new_test_dev();
    TestDev *dst = new_test_dev();

    /* Unconnected outputs are NULL and raising them does nothing. */
    g_assert_null(src->out[1]);
    qemu_irq_raise(src->out[1]);
    qdev_connect_gpio_out(DEVICE(src), 1, qdev_get_gpio_in(DEVICE(dst), 0));
    g_assert_true(src->out[1] == qdev_get_gpio_in(DEVICE(dst), 0));
    qemu_irq_raise(src->out[1]);
    g_assert_cmpint(dst->in_calls, ==, 1);
    g_assert_cmpint(dst->last_in_line, ==, 0);
    g_assert_cmpint(dst->last_in_level, ==, 1);
    qemu_irq_pulse(src->out[1]);
    g_assert_cmpint(dst->in_calls, ==, 3);
    g_assert_cmpint(dst->last_in_level, ==, 0);
    g_assert_null(src->out[0]);
    qdev_unrealize_and_free(DEVICE(src));
    qdev_unrealize_and_free(DEVICE(dst));
}

static void test_gpio_named_list_lookup(void)
{
    DeviceState *d = DEVICE(new_test_dev());
    NamedGPIOList *in = qdev_get_named_gpio_list(d, "unnamed-gpio-in");
    NamedGPIOList *out = qdev_get_named_gpio_list(d, "unnamed-gpio-out");
    NamedGPIOList *named = qdev_get_named_gpio_list(d, "named-in");

    g_assert_nonnull(in);
    g_assert_true(in == out);          /* one unnamed list holds both */
    g_assert_null(in->name);
    g_assert_cmpint(in->num_in, ==, 3);
    g_assert_cmpint(in->num_out, ==, 2);
    g_assert_true(qdev_get_named_gpio_list(d, NULL) == in);
    g_assert_nonnull(named);
    g_assert_cmpstr(named->name, ==, "named-in");
    g_assert_cmpint(named->num_in, ==, 2);
    g_assert_cmpint(named->num_out, ==, 0);
    g_assert_null(qdev_get_named_gpio_list(d, "no-such"));
    qdev_unrealize_and_free(d);
}

static void test_gpio_in_lines_appended_by_second_init(void)
{
    DeviceState *d = DEVICE(new_test_dev());
    TestDev *t = (TestDev *)d;
    NamedGPIOList *l;

    qdev_init_gpio_in(d, test_dev_in, 2);
    l = qdev_get_named_gpio_list(d, NULL);
    g_assert_cmpint(l->num_in, ==, 5);
    qemu_irq_raise(qdev_get_gpio_in(d, 4));
    g_assert_cmpint(t->last_in_line, ==, 4);
    qdev_unrealize_and_free(d);
}

static void test_irq_split_forwards_to_both(void)
{
    Sink a = { 0 }, b = { 0 };
    qemu_irq la = qemu_allocate_irq(sink_handler, &a, 3);
    qemu_irq lb = qemu_allocate_irq(sink_handler, &b, 7);
    qemu_irq split = qemu_irq_split(la, lb);

    qemu_irq_raise(split);
    g_assert_cmpint(a.calls, ==, 1);
    g_assert_cmpint(b.calls, ==, 1);
    g_assert_cmpint(a.n, ==, 3);
    g_assert_cmpint(b.n, ==, 7);
    g_assert_cmpint(a.level, ==, 1);
    g_assert_cmpint(b.level, ==, 1);
    qemu_irq_lower(split);
    g_assert_cmpint(a.level, ==, 0);
    g_assert_cmpint(b.level, ==, 0);
    g_assert_cmpint(b.calls, ==, 2);
    qemu_free_irq(split);
    qemu_free_irq(la);
    qemu_free_irq(lb);
}

static void test_irq_allocate_irqs_numbered(void)
{
    Sink s = { 0 };
    qemu_irq *lines = qemu_allocate_irqs(sink_handler, &s, 4);

    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(lines[i]->n, ==, i);
    }
    qemu_set_irq(lines[3], 1);
    g_assert_cmpint(s.n, ==, 3);
    qemu_set_irq(NULL, 1);             /* a NULL line is ignored */
    g_assert_cmpint(s.calls, ==, 1);
    qemu_free_irqs(lines, 4);
}

static void test_irq_intercept_redirects_line(void)
{
    TestDev *t = new_test_dev();
    DeviceState *d = DEVICE(t);
    qemu_irq line = qdev_get_gpio_in(d, 1);
    Sink spy = { 0 };

    /* Whoever already holds the line now reaches the interceptor. */
    qemu_irq_intercept(line, sink_handler, &spy, 11);
    qemu_irq_raise(line);
    g_assert_cmpint(t->in_calls, ==, 0);
    g_assert_cmpint(spy.calls, ==, 1);
    g_assert_cmpint(spy.n, ==, 11);
    g_assert_cmpint(spy.level, ==, 1);
    /* Other lines of the device are untouched. */
    qemu_irq_raise(qdev_get_gpio_in(d, 0));
    g_assert_cmpint(t->in_calls, ==, 1);
    qemu_irq_intercept(NULL, sink_handler, &spy, 0);   /* ignored */
    qdev_unrealize_and_free(d);
}

static void test_isa_irq_table(void)
{
    Sink s = { 0 };
    qemu_irq *gsi = qemu_allocate_irqs(sink_handler, &s, GSI_NUM_PINS);

    isa_bus_set_irqs(NULL, 0);
    g_assert_null(isa_get_irq(4));
    isa_bus_set_irqs(gsi, GSI_NUM_PINS);
    g_assert_true(isa_get_irq(4) == gsi[4]);
    g_assert_true(isa_get_irq(15) == gsi[15]);
    g_assert_true(isa_get_irq(23) == gsi[23]);
    g_assert_null(isa_get_irq(GSI_NUM_PINS));
    g_assert_null(isa_get_irq(-1));
    qemu_irq_raise(isa_get_irq(4));
    g_assert_cmpint(s.n, ==, 4);
    isa_bus_set_irqs(NULL, 0);
    qemu_free_irqs(gsi, GSI_NUM_PINS);
}

/* --- help text --- */

static void test_help_lists_user_creatable_types(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    device_class_list(out, true);
    g_assert_nonnull(strstr(out->str,
                            "name \"test-dev\", desc \"a device for unit tests\"\n"));
    g_assert_nonnull(strstr(out->str, "name \"test-global-dev\"\n"));
    g_assert_null(strstr(out->str, "test-internal"));
    g_string_truncate(out, 0);
    device_class_list(out, false);
    g_assert_nonnull(strstr(out->str, "name \"test-internal\", desc \"not for -device\"\n"));
}

static void test_help_lists_props_with_types_and_defaults(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    g_assert_true(device_class_list_props("test-dev", out, &err));
    g_assert_true(g_str_has_prefix(out->str, "test-dev options:\n"));
    g_assert_nonnull(strstr(out->str, "  u32=<uint32>"));
    g_assert_nonnull(strstr(out->str, "(default: 1016)\n"));
    g_assert_nonnull(strstr(out->str, "  flag=<bool>"));
    g_assert_nonnull(strstr(out->str, "(default: true)\n"));
    g_assert_nonnull(strstr(out->str, "  str=<str>"));
    g_assert_nonnull(strstr(out->str, "- a string (default: \"hello\")\n"));
    g_assert_nonnull(strstr(out->str, "  chardev=<str>"));
    g_assert_nonnull(strstr(out->str, "  i32=<int32>"));
    g_assert_nonnull(strstr(out->str, "(default: -5)\n"));
    /* Sorted by name: chardev comes before u32. */
    g_assert_true(strstr(out->str, "chardev=") < strstr(out->str, "u32="));

    g_string_truncate(out, 0);
    g_assert_true(device_class_list_props("test-internal", out, &err));
    g_assert_cmpstr(out->str, ==, "There are no options for test-internal.\n");
    g_assert_false(device_class_list_props("no-such-dev", out, &err));
    g_assert_cmpstr(err->message, ==, "'no-such-dev' is not a valid device model name");
    g_clear_error(&err);
}

static void test_try_new_unknown_type(void)
{
    GError *err = NULL;

    g_assert_null(qdev_try_new("no-such-dev", &err));
    g_assert_cmpstr(err->message, ==, "'no-such-dev' is not a valid device model name");
    g_clear_error(&err);
    g_assert_true(device_class_find("test-dev") == &test_dev_class);
    g_assert_null(device_class_find("no-such-dev"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qdev/props/defaults-applied", test_props_defaults_applied);
    g_test_add_func("/qdev/props/parse-typed-values", test_props_parse_typed_values);
    g_test_add_func("/qdev/props/unknown-key-named-in-error",
                    test_props_unknown_key_named);
    g_test_add_func("/qdev/props/bad-value-named-in-error",
                    test_props_bad_value_named);
    g_test_add_func("/qdev/props/out-of-range-rejected",
                    test_props_out_of_range_rejected);
    g_test_add_func("/qdev/props/negative-unsigned-rejected",
                    test_props_negative_unsigned_rejected);
    g_test_add_func("/qdev/props/chardev-not-found-named-in-error",
                    test_props_chardev_not_found_named);
    g_test_add_func("/qdev/props/typed-setters-and-get-string",
                    test_props_typed_setters_and_get_string);
    g_test_add_func("/qdev/global/malformed-spec-named-in-error",
                    test_global_malformed_spec_named);
    g_test_add_func("/qdev/global/bad-property-or-value-rejected",
                    test_global_bad_property_or_value_rejected);
    g_test_add_func("/qdev/global/applied-before-instance-init",
                    test_global_applied_before_instance_init);
    g_test_add_func("/qdev/global/chardev-checked-at-creation",
                    test_global_chardev_checked_at_creation);
    g_test_add_func("/qdev/option/sets-props-and-id", test_option_sets_props_and_id);
    g_test_add_func("/qdev/option/errors-named", test_option_errors_named);
    g_test_add_func("/qdev/try-new/unknown-type-named", test_try_new_unknown_type);
    g_test_add_func("/qdev/realize/path-from-name-id-or-type-index",
                    test_realize_path_naming);
    g_test_add_func("/qdev/realize/failure-reports-and-frees",
                    test_realize_failure_reports_and_frees);
    g_test_add_func("/qdev/realize/duplicate-name-rejected",
                    test_realize_duplicate_name_rejected);
    g_test_add_func("/qdev/find/by-path-name-or-id", test_find_by_path_name_or_id);
    g_test_add_func("/qdev/unrealize/calls-class-hook-when-realized",
                    test_unrealize_calls_class_hook);
    g_test_add_func("/qdev/reset/all-in-creation-order",
                    test_reset_all_in_creation_order);
    g_test_add_func("/qdev/gpio/in-calls-device-handler",
                    test_gpio_in_calls_device_handler);
    g_test_add_func("/qdev/gpio/out-connect-and-raise",
                    test_gpio_out_connect_and_raise);
    g_test_add_func("/qdev/gpio/named-list-lookup-by-qtest-name",
                    test_gpio_named_list_lookup);
    g_test_add_func("/qdev/gpio/in-lines-appended-by-second-init",
                    test_gpio_in_lines_appended_by_second_init);
    g_test_add_func("/irq/split/forwards-to-both", test_irq_split_forwards_to_both);
    g_test_add_func("/irq/allocate-irqs/numbered-from-zero",
                    test_irq_allocate_irqs_numbered);
    g_test_add_func("/irq/intercept/redirects-line", test_irq_intercept_redirects_line);
    g_test_add_func("/isa/irq-table/set-get-and-out-of-range-null",
                    test_isa_irq_table);
    g_test_add_func("/qdev/help/lists-user-creatable-types",
                    test_help_lists_user_creatable_types);
    g_test_add_func("/qdev/help/lists-props-with-types-and-defaults",
                    test_help_lists_props_with_types_and_defaults);
    return g_test_run();
}
