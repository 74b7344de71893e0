/*
 * qtest of isa-debug-exit: a write of V to its ports ends the emulator with
 * exit status (V << 1) | 1 (truncated to 8 bits by the OS, as any exit
 * status), reads return 0, and bad properties are a one-line launcher error.
 */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include "libqtest.h"

#define EXIT_TIMEOUT_MS 10000

static void assert_exit_status(QTestState *s, int expected)
{
    int status = qtest_wait_exit(s, EXIT_TIMEOUT_MS);

    g_assert_cmpint(status, !=, -1);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, expected);
}

static void test_write_one_exits_with_three(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit,iobase=0xf4,iosize=4");

    qtest_outb(s, 0xf4, 0x01);
    assert_exit_status(s, 3);
    qtest_quit(s);
}

static void test_write_0x10_exits_with_0x21(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit,iobase=0xf4,iosize=4");

    qtest_outb(s, 0xf4, 0x10);
    assert_exit_status(s, 0x21);
    qtest_quit(s);
}

static void test_default_iobase_is_0x501(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit");

    /* The device answers at 0x501 (reads are 0, not unassigned 0xff). */
    g_assert_cmphex(qtest_inb(s, 0x501), ==, 0);
    qtest_outb(s, 0x501, 0x02);
    assert_exit_status(s, 5);
    qtest_quit(s);
}

static void test_second_port_of_range_exits_too(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit");

    qtest_outb(s, 0x502, 0x00);
    assert_exit_status(s, 1);
    qtest_quit(s);
}

static void test_word_write_uses_whole_value(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit,iobase=0xf4,iosize=4");

    /* (0x0102 << 1) | 1 = 0x205; the process status keeps the low byte. */
    qtest_outw(s, 0xf4, 0x0102);
    assert_exit_status(s, 0x05);
    qtest_quit(s);
}

static void test_read_returns_zero_and_keeps_running(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit,iobase=0xf4,iosize=4");

    g_assert_cmphex(qtest_inb(s, 0xf4), ==, 0);
    g_assert_cmphex(qtest_inl(s, 0xf4), ==, 0);
    /* Still alive: a later write is what ends it. */
    qtest_outb(s, 0xf4, 0x7f);
    assert_exit_status(s, 0xff);
    qtest_quit(s);
}

/* The launcher rejects the option with one line on stderr and status 1. */
static void assert_launch_error(const char *device_opt, const char *message)
{
    const char *args[] = {
        "-display", "none", "-accel", "qtest", "-device", device_opt, NULL
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;
    int status = qtest_run_lapis(args, NULL, &out, &err, EXIT_TIMEOUT_MS);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, message));
    lines = g_strsplit(g_strchomp(err), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 1);
}

static void test_bad_property_value_is_launcher_error(void)
{
    assert_launch_error("isa-debug-exit,iobase=zz",
                        "Property 'isa-debug-exit.iobase' doesn't take value 'zz'");
}

static void test_unknown_property_is_launcher_error(void)
{
    assert_launch_error("isa-debug-exit,bogus=1",
                        "Property 'isa-debug-exit.bogus' not found");
}

static void test_zero_iosize_is_launcher_error(void)
{
    assert_launch_error("isa-debug-exit,iosize=0", "iosize must be between 1");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/debug-exit/write/one-exits-with-three",
                    test_write_one_exits_with_three);
    g_test_add_func("/debug-exit/write/0x10-exits-with-0x21",
                    test_write_0x10_exits_with_0x21);
    g_test_add_func("/debug-exit/write/second-port-of-range-exits-too",
                    test_second_port_of_range_exits_too);
    g_test_add_func("/debug-exit/write/word-uses-whole-value",
                    test_word_write_uses_whole_value);
    g_test_add_func("/debug-exit/default/iobase-is-0x501",
                    test_default_iobase_is_0x501);
    g_test_add_func("/debug-exit/read/returns-zero-and-keeps-running",
                    test_read_returns_zero_and_keeps_running);
    g_test_add_func("/debug-exit/launcher/bad-property-value-is-one-line-error",
                    test_bad_property_value_is_launcher_error);
    g_test_add_func("/debug-exit/launcher/unknown-property-is-one-line-error",
                    test_unknown_property_is_launcher_error);
    g_test_add_func("/debug-exit/launcher/zero-iosize-is-one-line-error",
                    test_zero_iosize_is_launcher_error);
    return g_test_run();
}
