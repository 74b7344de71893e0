/*
 * qtest of the PC reset registers ("pc-reset"): port 0x92 (fast A20 in
 * bit 1, fast reset on a 0 -> 1 of bit 0) and the ICH reset control
 * register at 0xCF9 (reset when RST_CPU is written as 1, SYS_RST and
 * FULL_RST read back). A reset shows as a RESET QMP event with reason
 * "guest-reset"; with -no-reboot the emulator exits instead. The board's
 * own device is used when it has one, otherwise the test adds one.
 */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include "libqtest.h"

#define PORT92      0x92
#define RST_CNT     0xcf9

static bool board_has_pc_reset(void)
{
    static int cached = -1;

    if (cached < 0) {
        QTestState *s = qtest_init(NULL);
        g_autofree char *mtree = qtest_hmp(s, "info mtree");
        cached = strstr(mtree, "): port92\n") != NULL;
        qtest_quit(s);
    }
    return cached;
}

static QTestState *reset_start(const char *extra)
{
    return qtest_initf("%s %s", board_has_pc_reset() ? "" : "-device pc-reset",
                       extra ? extra : "");
}

static void assert_guest_reset_event(QTestState *s)
{
    JsonObject *ev = qtest_qmp_eventwait_ref(s, "RESET");
    JsonObject *data = json_object_get_object_member(ev, "data");

    g_assert_nonnull(data);
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "guest-reset");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    json_object_unref(ev);
}

static void assert_exits_cleanly(QTestState *s)
{
    int status = qtest_wait_exit(s, 10000);

    g_assert_cmpint(status, !=, -1);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void test_port92_a20_bit_reads_back(void)
{
    QTestState *s = reset_start(NULL);

    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_outb(s, PORT92, 0x02);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x02);
    qtest_outb(s, PORT92, 0x00);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_quit(s);
}

static void test_port92_fast_reset_on_rising_bit0(void)
{
    QTestState *s = reset_start(NULL);

    qtest_outb(s, PORT92, 0x03);
    assert_guest_reset_event(s);
    /* The register powers up as 0 again. */
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_quit(s);
}

static void test_port92_bit0_held_does_not_reset_again(void)
{
    QTestState *s = reset_start("-no-reboot");

    /* Writing with bit 0 clear, then the A20 bit alone, never resets: the
     * process is still there to answer. */
    qtest_outb(s, PORT92, 0x00);
    qtest_outb(s, PORT92, 0x02);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x02);
    qtest_quit(s);
}

static void test_cf9_0x06_resets(void)
{
    QTestState *s = reset_start(NULL);

    qtest_outb(s, RST_CNT, 0x06);
    assert_guest_reset_event(s);
    qtest_quit(s);
}

static void test_cf9_0x02_then_0x04_resets(void)
{
    QTestState *s = reset_start(NULL);

    /* ICH RST_CNT: pick the reset type, then set RST_CPU. */
    qtest_outb(s, RST_CNT, 0x02);
    g_assert_cmphex(qtest_inb(s, RST_CNT), ==, 0x02);
    qtest_outb(s, RST_CNT, 0x04);
    assert_guest_reset_event(s);
    g_assert_cmphex(qtest_inb(s, RST_CNT), ==, 0x00);
    qtest_quit(s);
}

static void test_cf9_type_bits_alone_do_not_reset(void)
{
    QTestState *s = reset_start("-no-reboot");

    qtest_outb(s, RST_CNT, 0x0a);
    g_assert_cmphex(qtest_inb(s, RST_CNT), ==, 0x0a);
    qtest_quit(s);
}

static void test_cf9_reset_with_no_reboot_exits(void)
{
    QTestState *s = reset_start("-no-reboot");

    qtest_outb(s, RST_CNT, 0x06);
    assert_exits_cleanly(s);
    qtest_quit(s);
}

static void test_port92_reset_with_no_reboot_exits(void)
{
    QTestState *s = reset_start("-no-reboot");

    qtest_outb(s, PORT92, 0x01);
    assert_exits_cleanly(s);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/pc-reset/port92/a20-bit-reads-back",
                    test_port92_a20_bit_reads_back);
    g_test_add_func("/pc-reset/port92/fast-reset-on-rising-bit0",
                    test_port92_fast_reset_on_rising_bit0);
    g_test_add_func("/pc-reset/port92/bit0-clear-does-not-reset",
                    test_port92_bit0_held_does_not_reset_again);
    g_test_add_func("/pc-reset/port92/no-reboot-exits",
                    test_port92_reset_with_no_reboot_exits);
    g_test_add_func("/pc-reset/cf9/0x06-resets", test_cf9_0x06_resets);
    g_test_add_func("/pc-reset/cf9/0x02-then-0x04-resets",
                    test_cf9_0x02_then_0x04_resets);
    g_test_add_func("/pc-reset/cf9/type-bits-alone-do-not-reset",
                    test_cf9_type_bits_alone_do_not_reset);
    g_test_add_func("/pc-reset/cf9/no-reboot-exits",
                    test_cf9_reset_with_no_reboot_exits);
    return g_test_run();
}
