/*
 * Unit tests for the option value parsers (util/osdep.c), the -d log items
 * (util/log.c) and the trace runtime (util/trace.c).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/trace.h"

#include <unistd.h>

static void test_size_suffixes(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_size("512", 'B', &v));
    g_assert_cmpuint(v, ==, 512);
    g_assert_true(qemu_parse_size("64k", 'B', &v));
    g_assert_cmpuint(v, ==, 64 * 1024);
    g_assert_true(qemu_parse_size("64K", 'B', &v));
    g_assert_cmpuint(v, ==, 64 * 1024);
    g_assert_true(qemu_parse_size("512M", 'B', &v));
    g_assert_cmpuint(v, ==, 512ULL << 20);
    g_assert_true(qemu_parse_size("2G", 'B', &v));
    g_assert_cmpuint(v, ==, 2ULL << 30);
    g_assert_true(qemu_parse_size("3T", 'B', &v));
    g_assert_cmpuint(v, ==, 3ULL << 40);
    g_assert_true(qemu_parse_size("1P", 'B', &v));
    g_assert_cmpuint(v, ==, 1ULL << 50);
    g_assert_true(qemu_parse_size("7E", 'B', &v));
    g_assert_cmpuint(v, ==, 7ULL << 60);
    g_assert_true(qemu_parse_size("100B", 'M', &v));
    g_assert_cmpuint(v, ==, 100);
}

static void test_size_bare_number_uses_default_suffix(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_size("128", 'M', &v));
    g_assert_cmpuint(v, ==, 128ULL << 20);
    g_assert_true(qemu_parse_size("4", 'G', &v));
    g_assert_cmpuint(v, ==, 4ULL << 30);
}

static void test_size_decimal(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_size("1.5G", 'B', &v));
    g_assert_cmpuint(v, ==, 3ULL << 29);
    g_assert_true(qemu_parse_size("0.5K", 'B', &v));
    g_assert_cmpuint(v, ==, 512);
    g_assert_true(qemu_parse_size("1.5", 'M', &v));
    g_assert_cmpuint(v, ==, 3ULL << 19);
}

static void test_size_rejects_bad_input(void)
{
    static const char *const bad[] = {
        "", "-1", "-5M", "abc", "12Q", "12MB", " 12", "12 ", "M", ".", "1..5",
        "1.5B", "2.5",
        "0x", "0x1.5M", "0x1z", "18446744073709551616", "16E", "20000000000000000000K",
    };
    uint64_t v = 42;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (qemu_parse_size(bad[i], 'B', &v)) {
            g_error("qemu_parse_size accepted '%s' as %" PRIu64, bad[i], v);
        }
    }
    g_assert_cmpuint(v, ==, 42);
    g_assert_false(qemu_parse_size(NULL, 'B', &v));
}

static void test_size_largest_values(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_size("18446744073709551615", 'B', &v));
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_true(qemu_parse_size("15E", 'B', &v));
    g_assert_cmpuint(v, ==, 15ULL << 60);
    g_assert_true(qemu_parse_size("15.5E", 'B', &v));
    g_assert_cmpuint(v, ==, 31ULL << 59);
}

static void test_size_hex(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_size("0x1000", 'B', &v));
    g_assert_cmpuint(v, ==, 0x1000);
    g_assert_true(qemu_parse_size("0x10M", 'B', &v));
    g_assert_cmpuint(v, ==, 16ULL << 20);
}

static void test_bool_accepts_all_spellings(void)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    bool b;

    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        b = false;
        g_assert_true(qemu_parse_bool(yes[i], &b));
        g_assert_true(b);
        b = true;
        g_assert_true(qemu_parse_bool(no[i], &b));
        g_assert_false(b);
    }
}

static void test_bool_rejects_bad_input(void)
{
    static const char *const bad[] = { "", "1", "0", "ON", "y", "onn", "of" };
    bool b;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (qemu_parse_bool(bad[i], &b)) {
            g_error("qemu_parse_bool accepted '%s'", bad[i]);
        }
    }
    g_assert_false(qemu_parse_bool(NULL, &b));
}

static void test_uint_bases(void)
{
    uint64_t v;

    g_assert_true(qemu_parse_uint64("0", &v));
    g_assert_cmpuint(v, ==, 0);
    g_assert_true(qemu_parse_uint64("1234", &v));
    g_assert_cmpuint(v, ==, 1234);
    g_assert_true(qemu_parse_uint64("0x1F", &v));
    g_assert_cmpuint(v, ==, 31);
    g_assert_true(qemu_parse_uint64("0XfEe00000", &v));
    g_assert_cmpuint(v, ==, 0xfee00000);
    g_assert_true(qemu_parse_uint64("017", &v));
    g_assert_cmpuint(v, ==, 15);
    g_assert_true(qemu_parse_uint64("0xffffffffffffffff", &v));
    g_assert_cmpuint(v, ==, UINT64_MAX);
}

static void test_uint_rejects_bad_input(void)
{
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "12abc", "0x", "09", "0x1g",
        "0x10000000000000000", "18446744073709551616", "abc",
    };
    uint64_t v;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (qemu_parse_uint64(bad[i], &v)) {
            g_error("qemu_parse_uint64 accepted '%s' as %" PRIu64, bad[i], v);
        }
    }
    g_assert_false(qemu_parse_uint64(NULL, &v));
}

static void test_log_items_set_mask(void)
{
    GError *err = NULL;

    g_assert_true(qemu_set_log_items("guest_errors,unimp", &err));
    g_assert_no_error(err);
    g_assert_true(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(qemu_loglevel_mask(LOG_UNIMP));
    g_assert_false(qemu_loglevel_mask(CPU_LOG_INT));

    g_assert_true(qemu_set_log_items("int,cpu_reset,in_asm,out_asm,exec,cpu,"
                                     "mmu,pcall", &err));
    g_assert_no_error(err);
    g_assert_cmpint(qemu_loglevel, ==,
                    CPU_LOG_INT | CPU_LOG_RESET | CPU_LOG_TB_IN_ASM |
                    CPU_LOG_TB_OUT_ASM | CPU_LOG_EXEC | CPU_LOG_TB_CPU |
                    CPU_LOG_MMU | CPU_LOG_PCALL);
    qemu_set_log_items("", &err);
    g_assert_cmpint(qemu_loglevel, ==, 0);
}

static void test_log_unknown_item_is_named(void)
{
    GError *err = NULL;

    qemu_loglevel = 0;
    g_assert_false(qemu_set_log_items("int,bogus_item", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'bogus_item'"));
    g_error_free(err);
    /* A failed parse leaves the mask as it was. */
    g_assert_cmpint(qemu_loglevel, ==, 0);
}

static char *read_file_or_die(const char *path)
{
    char *contents = NULL;
    GError *err = NULL;

    g_file_get_contents(path, &contents, NULL, &err);
    g_assert_no_error(err);
    return contents;
}

static void test_log_goes_to_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("lapis-test-util-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log.txt", NULL);
    g_autofree char *contents = NULL;
    GError *err = NULL;

    g_assert_true(qemu_set_log_filename(path, &err));
    g_assert_no_error(err);
    qemu_set_log_items("guest_errors", &err);
    qemu_log_mask(LOG_GUEST_ERROR, "bad write %d\n", 7);
    qemu_log_mask(LOG_UNIMP, "not shown\n");
    qemu_log_close();
    contents = read_file_or_die(path);
    g_assert_cmpstr(contents, ==, "bad write 7\n");
    unlink(path);
    rmdir(dir);

    g_assert_false(qemu_set_log_filename("/nonexistent-dir/x/log", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

/* Two trace events registered by hand, as the generated code would. */
static TraceEvent ev_alpha_one = { "test_alpha_one", false };
static TraceEvent ev_alpha_two = { "test_alpha_two", false };
static TraceEvent ev_beta = { "test_beta", false };

static void register_test_events(void)
{
    static bool done;

    if (!done) {
        trace_event_register(&ev_alpha_one);
        trace_event_register(&ev_alpha_two);
        trace_event_register(&ev_beta);
        done = true;
    }
    ev_alpha_one.enabled = ev_alpha_two.enabled = ev_beta.enabled = false;
}

static void test_trace_glob_enables_matching_events(void)
{
    register_test_events();
    g_assert_true(trace_enable_events("test_alpha_*"));
    g_assert_true(ev_alpha_one.enabled);
    g_assert_true(ev_alpha_two.enabled);
    g_assert_false(ev_beta.enabled);
    g_assert_false(trace_enable_events("no_such_event_*"));
}

static void test_trace_option_forms(void)
{
    g_autofree char *dir = g_dir_make_tmp("lapis-test-util-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "events", NULL);
    g_autofree char *opt = g_strdup_printf("events=%s", path);
    GError *err = NULL;

    register_test_events();
    g_assert_true(trace_parse_option("enable=test_beta", &err));
    g_assert_no_error(err);
    g_assert_true(ev_beta.enabled);
    g_assert_false(ev_alpha_one.enabled);

    register_test_events();
    g_assert_true(g_file_set_contents(path, "# comment\n\ntest_alpha_one\n"
                                      "test_b?ta\n", -1, NULL));
    g_assert_true(trace_parse_option(opt, &err));
    g_assert_no_error(err);
    g_assert_true(ev_alpha_one.enabled);
    g_assert_false(ev_alpha_two.enabled);
    g_assert_true(ev_beta.enabled);
    unlink(path);
    rmdir(dir);

    g_assert_false(trace_parse_option("events=/nonexistent/events", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(trace_parse_option("test_beta,colour=red", &err));
    g_assert_nonnull(strstr(err->message, "colour"));
    g_clear_error(&err);
}

static void test_trace_list_includes_registered_events(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    register_test_events();
    trace_list_events(f);
    fclose(f);
    g_assert_nonnull(strstr(buf, "test_alpha_one\n"));
    g_assert_nonnull(strstr(buf, "test_beta\n"));
    /* Sorted by name. */
    g_assert_true(strstr(buf, "test_alpha_two\n") < strstr(buf, "test_beta\n"));
    free(buf);
}

static void test_trace_emit_writes_prefixed_line(void)
{
    g_autofree char *dir = g_dir_make_tmp("lapis-test-util-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "trace.txt", NULL);
    g_autofree char *contents = NULL;
    g_autofree char *prefix = g_strdup_printf("%d@", (int)getpid());
    GError *err = NULL;
    const char *colon;

    g_assert_true(qemu_set_log_filename(path, &err));
    trace_emit("test_alpha_one", "dest 0x%x vector %d", 3, 48);
    qemu_log_close();
    contents = read_file_or_die(path);
    g_assert_true(g_str_has_prefix(contents, prefix));
    colon = strchr(contents, ':');
    g_assert_nonnull(colon);
    /* "PID@SECONDS.USECONDS:" with six digits of microseconds */
    g_assert_cmpint(colon[-7], ==, '.');
    g_assert_cmpstr(colon + 1, ==, "test_alpha_one dest 0x3 vector 48\n");
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/size/suffixes-are-powers-of-1024",
                    test_size_suffixes);
    g_test_add_func("/util/size/bare-number-uses-default-suffix",
                    test_size_bare_number_uses_default_suffix);
    g_test_add_func("/util/size/decimal-fractions", test_size_decimal);
    g_test_add_func("/util/size/rejects-negative-empty-garbage-overflow",
                    test_size_rejects_bad_input);
    g_test_add_func("/util/size/largest-values-fit", test_size_largest_values);
    g_test_add_func("/util/size/hex-integer-with-suffix", test_size_hex);
    g_test_add_func("/util/bool/accepts-on-off-yes-no-true-false",
                    test_bool_accepts_all_spellings);
    g_test_add_func("/util/bool/rejects-other-words",
                    test_bool_rejects_bad_input);
    g_test_add_func("/util/uint/hex-octal-decimal", test_uint_bases);
    g_test_add_func("/util/uint/rejects-partial-signed-overflow",
                    test_uint_rejects_bad_input);
    g_test_add_func("/util/log/items-set-mask", test_log_items_set_mask);
    g_test_add_func("/util/log/unknown-item-is-named",
                    test_log_unknown_item_is_named);
    g_test_add_func("/util/log/file-receives-masked-messages",
                    test_log_goes_to_file);
    g_test_add_func("/util/trace/glob-enables-matching-events",
                    test_trace_glob_enables_matching_events);
    g_test_add_func("/util/trace/option-enable-and-events-file",
                    test_trace_option_forms);
    g_test_add_func("/util/trace/list-includes-registered-events",
                    test_trace_list_includes_registered_events);
    g_test_add_func("/util/trace/emit-writes-pid-timestamp-name-args",
                    test_trace_emit_writes_prefixed_line);
    return g_test_run();
}
