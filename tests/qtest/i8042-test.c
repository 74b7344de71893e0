/*
 * qtest of the i8042 keyboard controller ("i8042") at 0x60/0x64: status
 * register, command byte, controller self-test and interface tests, the
 * output port and its A20 bit, keyboard and mouse commands with their
 * replies, set 2 -> set 1 translation of keyboard replies, interrupts on
 * ISA IRQ 1 and 12 observed on the board's GSI fan-out ("gsi"), and the
 * pulse-reset command resetting the machine (a RESET event; with
 * -no-reboot, an exit). The board's own controller is used when it has
 * one, otherwise the test adds one with -device.
 */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include "libqtest.h"

#define DATA        0x60
#define CMD         0x64

#define STAT_OBF        0x01
#define STAT_SYS        0x04
#define STAT_CMD        0x08
#define STAT_AUX_OBF    0x20

#define MODE_INT        0x01
#define MODE_INT2       0x02
#define MODE_SYS        0x04
#define MODE_DIS_KBD    0x10
#define MODE_DIS_AUX    0x20
#define MODE_XLATE      0x40

#define OUT_A20         0x02

#define KBD_IRQ     1
#define AUX_IRQ     12

static bool board_has_i8042(void)
{
    static int cached = -1;

    if (cached < 0) {
        QTestState *s = qtest_init(NULL);
        g_autofree char *mtree = qtest_hmp(s, "info mtree");
        cached = strstr(mtree, "): i8042-data\n") != NULL;
        qtest_quit(s);
    }
    return cached;
}

static QTestState *kbc_start(const char *extra)
{
    QTestState *s = qtest_initf("%s %s",
                                board_has_i8042() ? "" : "-device i8042",
                                extra ? extra : "");

    qtest_irq_intercept_in(s, "gsi");
    return s;
}

/* Read the next byte, which must be there. */
static uint8_t kbc_read(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, STAT_OBF);
    return qtest_inb(s, DATA);
}

static void assert_empty(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, 0);
}

static uint8_t read_mode(QTestState *s)
{
    qtest_outb(s, CMD, 0x20);
    return kbc_read(s);
}

static void write_mode(QTestState *s, uint8_t mode)
{
    qtest_outb(s, CMD, 0x60);
    qtest_outb(s, DATA, mode);
}

static void test_self_test_returns_0x55(void)
{
    QTestState *s = kbc_start(NULL);

    assert_empty(s);
    qtest_outb(s, CMD, 0xaa);
    g_assert_cmphex(qtest_inb(s, CMD) & (STAT_SYS | STAT_CMD), ==,
                    STAT_SYS | STAT_CMD);
    g_assert_cmphex(kbc_read(s), ==, 0x55);
    assert_empty(s);
    qtest_quit(s);
}

static void test_interface_tests_return_zero(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, CMD, 0xab);
    g_assert_cmphex(kbc_read(s), ==, 0x00);
    qtest_outb(s, CMD, 0xa9);
    g_assert_cmphex(kbc_read(s), ==, 0x00);
    qtest_quit(s);
}

static void test_command_byte_reads_back(void)
{
    QTestState *s = kbc_start(NULL);

    g_assert_cmphex(read_mode(s), ==, MODE_INT | MODE_INT2);
    write_mode(s, MODE_XLATE | MODE_SYS | MODE_INT);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_CMD, ==, 0);   /* data write */
    g_assert_cmphex(read_mode(s), ==, MODE_XLATE | MODE_SYS | MODE_INT);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_SYS, ==, STAT_SYS);
    write_mode(s, 0);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_SYS, ==, 0);
    qtest_quit(s);
}

static void test_disable_enable_interfaces_set_mode_bits(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, CMD, 0xad);
    g_assert_cmphex(read_mode(s) & MODE_DIS_KBD, ==, MODE_DIS_KBD);
    qtest_outb(s, CMD, 0xae);
    g_assert_cmphex(read_mode(s) & MODE_DIS_KBD, ==, 0);
    qtest_outb(s, CMD, 0xa7);
    g_assert_cmphex(read_mode(s) & MODE_DIS_AUX, ==, MODE_DIS_AUX);
    qtest_outb(s, CMD, 0xa8);
    g_assert_cmphex(read_mode(s) & MODE_DIS_AUX, ==, 0);
    qtest_quit(s);
}

static void test_disabled_keyboard_holds_its_bytes(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, DATA, 0xee);      /* echo */
    g_assert_cmphex(kbc_read(s), ==, 0xee);
    qtest_outb(s, DATA, 0xf2);      /* identify: FA AB 83 */
    qtest_outb(s, CMD, 0xad);
    /* FA was already in the output buffer; the rest waits in the
     * keyboard until its interface is enabled again. */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    assert_empty(s);
    qtest_outb(s, CMD, 0xae);
    g_assert_cmphex(kbc_read(s), ==, 0xab);
    g_assert_cmphex(kbc_read(s), ==, 0x83);
    qtest_quit(s);
}

static void test_a20_through_output_port(void)
{
    QTestState *s = kbc_start(NULL);
    uint8_t out;

    qtest_outb(s, CMD, 0xd0);
    out = kbc_read(s);
    g_assert_cmphex(out & OUT_A20, ==, OUT_A20);    /* on after reset */
    qtest_outb(s, CMD, 0xd1);
    qtest_outb(s, DATA, out & ~OUT_A20);
    qtest_outb(s, CMD, 0xd0);
    g_assert_cmphex(kbc_read(s) & OUT_A20, ==, 0);
    qtest_outb(s, CMD, 0xdf);
    qtest_outb(s, CMD, 0xd0);
    g_assert_cmphex(kbc_read(s) & OUT_A20, ==, OUT_A20);
    qtest_outb(s, CMD, 0xdd);
    qtest_outb(s, CMD, 0xd0);
    g_assert_cmphex(kbc_read(s) & OUT_A20, ==, 0);
    qtest_quit(s);
}

static void test_keyboard_reset_sequence(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, DATA, 0xff);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0xaa);
    assert_empty(s);
    qtest_quit(s);
}

static void test_keyboard_identify_translated_with_xlate(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, DATA, 0xf2);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0xab);
    g_assert_cmphex(kbc_read(s), ==, 0x83);
    /* The 8042 translation maps set-2 0x83 to 0x41, as Linux expects. */
    write_mode(s, MODE_XLATE | MODE_INT | MODE_INT2);
    qtest_outb(s, DATA, 0xf2);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0xab);
    g_assert_cmphex(kbc_read(s), ==, 0x41);
    qtest_quit(s);
}

static void test_keyboard_scancode_set_and_leds(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, DATA, 0xf0);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0x00);      /* get the current set */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0x02);
    qtest_outb(s, DATA, 0xf0);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0x01);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0xf0);
    kbc_read(s);
    qtest_outb(s, DATA, 0x00);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0x01);
    qtest_outb(s, DATA, 0xed);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0x07);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0xf3);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0x20);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0xf5);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, DATA, 0xf4);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    /* An unknown command asks for a resend. */
    qtest_outb(s, DATA, 0x42);
    g_assert_cmphex(kbc_read(s), ==, 0xfe);
    qtest_quit(s);
}

static void test_keyboard_byte_raises_irq1_with_int(void)
{
    QTestState *s = kbc_start(NULL);

    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    qtest_outb(s, CMD, 0xd2);       /* as if the keyboard sent 0x1c */
    qtest_outb(s, DATA, 0x1c);
    g_assert_true(qtest_get_irq(s, KBD_IRQ));
    g_assert_false(qtest_get_irq(s, AUX_IRQ));
    g_assert_cmphex(qtest_inb(s, CMD) & (STAT_OBF | STAT_AUX_OBF), ==, STAT_OBF);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x1c);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    /* Without INT the byte arrives but no interrupt. */
    write_mode(s, MODE_INT2);
    qtest_outb(s, DATA, 0xee);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(kbc_read(s), ==, 0xee);
    qtest_quit(s);
}

static void test_aux_byte_raises_irq12_with_int2(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, CMD, 0xd3);
    qtest_outb(s, DATA, 0x08);
    g_assert_true(qtest_get_irq(s, AUX_IRQ));
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(qtest_inb(s, CMD) & (STAT_OBF | STAT_AUX_OBF), ==,
                    STAT_OBF | STAT_AUX_OBF);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x08);
    g_assert_false(qtest_get_irq(s, AUX_IRQ));
    qtest_quit(s);
}

static void test_mouse_commands_answer(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xff);      /* reset: FA AA 00 */
    g_assert_true(qtest_get_irq(s, AUX_IRQ));
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0xaa);
    g_assert_cmphex(kbc_read(s), ==, 0x00);
    assert_empty(s);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xf2);      /* identify: FA 00 */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0x00);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xf3);      /* sample rate 40 */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 40);
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xea);      /* stream mode */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xf4);      /* enable reporting */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xe9);      /* status: FA, flags, resolution, rate */
    g_assert_cmphex(kbc_read(s), ==, 0xfa);
    g_assert_cmphex(kbc_read(s), ==, 0x20);
    g_assert_cmphex(kbc_read(s), ==, 0x02);
    g_assert_cmphex(kbc_read(s), ==, 40);
    qtest_quit(s);
}

static void test_pulse_reset_resets_machine(void)
{
    QTestState *s = kbc_start(NULL);

    write_mode(s, MODE_XLATE);
    qtest_outb(s, CMD, 0xfe);
    qtest_qmp_eventwait(s, "RESET");
    /* The controller came back with its power-on command byte. */
    g_assert_cmphex(read_mode(s), ==, MODE_INT | MODE_INT2);
    qtest_quit(s);
}

static void test_pulse_without_bit0_clear_does_nothing(void)
{
    QTestState *s = kbc_start("-no-reboot");

    qtest_outb(s, CMD, 0xff);       /* pulses no line */
    qtest_outb(s, CMD, 0xf1);
    g_assert_cmphex(read_mode(s), ==, MODE_INT | MODE_INT2);
    qtest_quit(s);
}

static void test_output_port_reset_bit_resets_machine(void)
{
    QTestState *s = kbc_start(NULL);

    qtest_outb(s, CMD, 0xd1);
    qtest_outb(s, DATA, 0x02);      /* reset line low */
    qtest_qmp_eventwait(s, "RESET");
    qtest_quit(s);
}

static void test_pulse_reset_with_no_reboot_exits(void)
{
    QTestState *s = kbc_start("-no-reboot");
    int status;

    qtest_outb(s, CMD, 0xfe);
    status = qtest_wait_exit(s, 10000);
    g_assert_cmpint(status, !=, -1);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/i8042/controller/self-test-returns-0x55",
                    test_self_test_returns_0x55);
    g_test_add_func("/i8042/controller/interface-tests-return-0",
                    test_interface_tests_return_zero);
    g_test_add_func("/i8042/controller/command-byte-reads-back",
                    test_command_byte_reads_back);
    g_test_add_func("/i8042/controller/disable-enable-set-mode-bits",
                    test_disable_enable_interfaces_set_mode_bits);
    g_test_add_func("/i8042/controller/disabled-keyboard-holds-its-bytes",
                    test_disabled_keyboard_holds_its_bytes);
    g_test_add_func("/i8042/a20/output-port-bit-1",
                    test_a20_through_output_port);
    g_test_add_func("/i8042/keyboard/reset-answers-fa-aa",
                    test_keyboard_reset_sequence);
    g_test_add_func("/i8042/keyboard/identify-translated-with-xlate",
                    test_keyboard_identify_translated_with_xlate);
    g_test_add_func("/i8042/keyboard/scancode-set-leds-typematic",
                    test_keyboard_scancode_set_and_leds);
    g_test_add_func("/i8042/irq/keyboard-byte-raises-irq1-with-int",
                    test_keyboard_byte_raises_irq1_with_int);
    g_test_add_func("/i8042/irq/aux-byte-raises-irq12-with-int2",
                    test_aux_byte_raises_irq12_with_int2);
    g_test_add_func("/i8042/mouse/commands-answer",
                    test_mouse_commands_answer);
    g_test_add_func("/i8042/reset/pulse-0xfe-resets-machine",
                    test_pulse_reset_resets_machine);
    g_test_add_func("/i8042/reset/pulse-without-bit0-does-nothing",
                    test_pulse_without_bit0_clear_does_nothing);
    g_test_add_func("/i8042/reset/output-port-bit0-clear-resets-machine",
                    test_output_port_reset_bit_resets_machine);
    g_test_add_func("/i8042/reset/pulse-with-no-reboot-exits",
                    test_pulse_reset_with_no_reboot_exits);
    return g_test_run();
}
