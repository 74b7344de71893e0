/*
 * qtest of the 16550A UART ("isa-serial"): the board's COM1 at 0x3f8 on ISA
 * IRQ 4, driven over port I/O. The UART's interrupt is observed on the
 * board's GSI fan-out (device "gsi", gpio-in line n = ISA IRQ n), which the
 * tests intercept. Receive is exercised through loopback; transmit through a
 * file chardev. Every test passes "-serial null" unless it checks output,
 * so nothing the UART sends lands in the TAP stream.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "libqtest.h"

#define COM1 0x3f8
#define COM1_IRQ 4

/* Register offsets and bits (PC16550D datasheet, 8.1-8.8). */
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IER_ELSI  0x04

#define IIR_NONE  0x01
#define IIR_RLS   0x06
#define IIR_RDA   0x04
#define IIR_CTI   0x0c
#define IIR_THRE  0x02
#define IIR_FIFO  0xc0

#define FCR_FE    0x01
#define FCR_RFR   0x02
#define FCR_TFR   0x04
#define FCR_TRIG8 0x80
#define FCR_TRIG14 0xc0

#define LCR_8N1   0x03
#define LCR_BREAK 0x40
#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_BI    0x10
#define LSR_THRE  0x20
#define LSR_TEMT  0x40

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08

static QTestState *serial_start(const char *extra)
{
    QTestState *s = qtest_initf("-serial null %s", extra ? extra : "");

    qtest_irq_intercept_in(s, "gsi");
    return s;
}

static uint8_t rd(QTestState *s, int reg)
{
    return qtest_inb(s, COM1 + reg);
}

static void wr(QTestState *s, int reg, uint8_t v)
{
    qtest_outb(s, COM1 + reg, v);
}

/* 8N1 at the given divisor, FIFOs as given. */
static void setup_line(QTestState *s, uint16_t divisor, uint8_t fcr)
{
    wr(s, LCR, LCR_DLAB);
    wr(s, DLL, divisor & 0xff);
    wr(s, DLM, divisor >> 8);
    wr(s, LCR, LCR_8N1);
    wr(s, FCR, fcr);
}

static void test_reset_register_values(void)
{
    QTestState *s = serial_start(NULL);

    /* PC16550D Table IV, UART reset configuration. */
    g_assert_cmphex(rd(s, IER), ==, 0x00);
    g_assert_cmphex(rd(s, IIR), ==, IIR_NONE);
    g_assert_cmphex(rd(s, LCR), ==, 0x00);
    g_assert_cmphex(rd(s, MCR), ==, 0x00);
    g_assert_cmphex(rd(s, LSR), ==, LSR_THRE | LSR_TEMT);
    /* No modem attached: CTS, DSR and DCD asserted, RI not, no deltas. */
    g_assert_cmphex(rd(s, MSR), ==, 0xb0);
    /* The divisor starts at 12 (9600 baud). */
    wr(s, LCR, LCR_DLAB);
    g_assert_cmphex(rd(s, DLL), ==, 12);
    g_assert_cmphex(rd(s, DLM), ==, 0);
    wr(s, LCR, 0);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    qtest_quit(s);
}

static void test_scratch_reads_back(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, SCR, 0x5a);
    g_assert_cmphex(rd(s, SCR), ==, 0x5a);
    wr(s, SCR, 0xa5);
    g_assert_cmphex(rd(s, SCR), ==, 0xa5);
    qtest_quit(s);
}

static void test_dlab_divisor_latch_separate_from_ier(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, LCR, LCR_DLAB | LCR_8N1);
    wr(s, DLL, 0x01);
    wr(s, DLM, 0x80);
    g_assert_cmphex(rd(s, DLL), ==, 0x01);
    g_assert_cmphex(rd(s, DLM), ==, 0x80);
    wr(s, LCR, LCR_8N1);
    /* With DLAB clear the same ports are RBR/THR and IER again. */
    g_assert_cmphex(rd(s, IER), ==, 0x00);
    wr(s, IER, 0xff);
    g_assert_cmphex(rd(s, IER), ==, 0x0f);      /* bits 4-7 read 0 */
    wr(s, IER, 0x00);
    wr(s, LCR, LCR_DLAB | LCR_8N1);
    g_assert_cmphex(rd(s, DLL), ==, 0x01);
    g_assert_cmphex(rd(s, DLM), ==, 0x80);
    qtest_quit(s);
}

static void test_lcr_and_mcr_read_back(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, LCR, 0x1b);       /* 8 bits, even parity */
    g_assert_cmphex(rd(s, LCR), ==, 0x1b);
    wr(s, LCR, 0x03);
    g_assert_cmphex(rd(s, LCR), ==, 0x03);
    wr(s, MCR, 0xe3);       /* bits 5-7 do not exist */
    g_assert_cmphex(rd(s, MCR), ==, 0x03);
    qtest_quit(s);
}

static void test_fifo_enable_sets_iir_bits(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, FCR, FCR_FE | FCR_RFR | FCR_TFR);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    wr(s, FCR, 0);
    g_assert_cmphex(rd(s, IIR), ==, IIR_NONE);
    qtest_quit(s);
}

static void test_thre_raised_on_etbei_cleared_by_iir_read(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, MCR, MCR_OUT2);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    wr(s, IER, IER_ETBEI);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_THRE);
    /* That read was the acknowledgement. */
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_NONE);
    qtest_quit(s);
}

static void test_thre_rearmed_after_thr_write(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, MCR, MCR_OUT2);
    wr(s, IER, IER_ETBEI);
    g_assert_cmphex(rd(s, IIR), ==, IIR_THRE);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    /*
     * Writing THR clears THRE; the transmitter is instant, so THR is empty
     * again at once and a new THRE interrupt is pending.
     */
    wr(s, THR, 'x');
    g_assert_cmphex(rd(s, LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_THRE);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    /* Disabling ETBEI hides it. */
    wr(s, THR, 'y');
    wr(s, IER, 0);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_NONE);
    qtest_quit(s);
}

static void test_no_interrupt_without_out2(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, IER, IER_ETBEI);
    /* Pending inside the UART, but OUT2 keeps it off the IRQ line. */
    wr(s, MCR, MCR_DTR | MCR_RTS);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    wr(s, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    wr(s, MCR, MCR_DTR | MCR_RTS);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_THRE);
    qtest_quit(s);
}

static void test_loopback_bytes_return_in_rbr(void)
{
    QTestState *s = serial_start(NULL);
    const char *msg = "hello";

    setup_line(s, 1, 0);
    wr(s, MCR, MCR_LOOP);
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, 0);
    wr(s, THR, 'a');
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, LSR_DR);
    g_assert_cmphex(rd(s, RBR), ==, 'a');
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, 0);

    /* With FIFOs on, several bytes come back in order. */
    wr(s, FCR, FCR_FE | FCR_RFR | FCR_TFR);
    for (const char *c = msg; *c; c++) {
        wr(s, THR, *c);
    }
    for (const char *c = msg; *c; c++) {
        g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, LSR_DR);
        g_assert_cmphex(rd(s, RBR), ==, (uint8_t)*c);
    }
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, 0);
    qtest_quit(s);
}

static void test_loopback_msr_follows_mcr(void)
{
    QTestState *s = serial_start(NULL);

    /* The probe Linux uses: RTS and OUT2 come back as CTS and DCD. */
    wr(s, MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
    g_assert_cmphex(rd(s, MSR) & 0xf0, ==, 0x90);
    wr(s, MCR, MCR_LOOP | 0x0f);
    /* Only DSR changed (RI rising is not a TERI edge). */
    g_assert_cmphex(rd(s, MSR), ==, 0xf0 | MSR_DDSR);
    /* Reading MSR cleared the deltas; dropping lines sets them again. */
    g_assert_cmphex(rd(s, MSR), ==, 0xf0);
    wr(s, MCR, MCR_LOOP);
    g_assert_cmphex(rd(s, MSR), ==, MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
    qtest_quit(s);
}

static void test_loopback_rx_interrupt_at_trigger_level(void)
{
    QTestState *s = serial_start(NULL);

    setup_line(s, 1, FCR_FE | FCR_RFR | FCR_TFR | FCR_TRIG8);
    wr(s, IER, IER_ERBFI);
    wr(s, MCR, MCR_LOOP | MCR_OUT2);
    for (int i = 0; i < 7; i++) {
        wr(s, THR, '0' + i);
    }
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    wr(s, THR, '7');
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_RDA);
    /* Loopback forces the OUT2 pin inactive, so the PC's IRQ stays low. */
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    wr(s, MCR, MCR_OUT2);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    /* Below the trigger level again: the interrupt goes away. */
    g_assert_cmphex(rd(s, RBR), ==, '0');
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    qtest_quit(s);
}

static void test_loopback_overrun_when_rx_full(void)
{
    QTestState *s = serial_start(NULL);

    /* 16450 mode: the new character replaces the unread one. */
    setup_line(s, 1, 0);
    wr(s, MCR, MCR_LOOP);
    wr(s, THR, 'a');
    wr(s, THR, 'b');
    g_assert_cmphex(rd(s, LSR) & (LSR_OE | LSR_DR), ==, LSR_OE | LSR_DR);
    g_assert_cmphex(rd(s, LSR) & LSR_OE, ==, 0);       /* read clears OE */
    g_assert_cmphex(rd(s, RBR), ==, 'b');

    /* FIFO mode: the 17th character is lost, the FIFO is kept. */
    wr(s, FCR, FCR_FE | FCR_RFR | FCR_TFR);
    wr(s, IER, IER_ELSI);
    for (int i = 0; i < 17; i++) {
        wr(s, THR, 'A' + i);
    }
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_RLS);
    g_assert_cmphex(rd(s, LSR) & (LSR_OE | LSR_DR), ==, LSR_OE | LSR_DR);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(s, RBR), ==, 'A' + i);
    }
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, 0);
    qtest_quit(s);
}

static void test_loopback_break_sets_bi(void)
{
    QTestState *s = serial_start(NULL);

    wr(s, MCR, MCR_LOOP);
    wr(s, LCR, LCR_8N1 | LCR_BREAK);
    g_assert_cmphex(rd(s, LSR) & (LSR_BI | LSR_DR), ==, LSR_BI | LSR_DR);
    g_assert_cmphex(rd(s, LSR) & LSR_BI, ==, 0);
    g_assert_cmphex(rd(s, RBR), ==, 0);
    qtest_quit(s);
}

static void test_fifo_reset_clears_rx(void)
{
    QTestState *s = serial_start(NULL);

    setup_line(s, 1, FCR_FE);
    wr(s, MCR, MCR_LOOP);
    wr(s, THR, 'x');
    wr(s, THR, 'y');
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, LSR_DR);
    wr(s, FCR, FCR_FE | FCR_RFR);
    g_assert_cmphex(rd(s, LSR) & LSR_DR, ==, 0);
    qtest_quit(s);
}

static void test_character_timeout_after_four_char_times(void)
{
    QTestState *s = serial_start(NULL);

    /* 9600 8N1: 10 bits of 104.17 us; four characters are 4.17 ms. */
    setup_line(s, 12, FCR_FE | FCR_RFR | FCR_TFR | FCR_TRIG14);
    wr(s, IER, IER_ERBFI);
    wr(s, MCR, MCR_LOOP | MCR_OUT2);
    wr(s, THR, 'p');
    wr(s, THR, 'q');
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    qtest_clock_step(s, 3 * 1000 * 1000);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    qtest_clock_step(s, 2 * 1000 * 1000);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_CTI);
    /* Reading a character clears it and restarts the timer. */
    g_assert_cmphex(rd(s, RBR), ==, 'p');
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    qtest_clock_step(s, 5 * 1000 * 1000);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_CTI);
    /* Out of loopback, with OUT2, the same indication reaches IRQ 4. */
    wr(s, MCR, MCR_OUT2);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(rd(s, RBR), ==, 'q');
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    qtest_clock_step(s, 10 * 1000 * 1000);
    g_assert_cmphex(rd(s, IIR), ==, IIR_FIFO | IIR_NONE);
    qtest_quit(s);
}

static void test_output_reaches_file_chardev(void)
{
    g_autofree char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out.txt", NULL);
    g_autofree char *contents = NULL;
    const char *msg = "lapis 16550A\r\n";
    QTestState *s;
    gsize len = 0;

    g_assert_nonnull(dir);
    s = qtest_initf("-serial file:%s", path);
    setup_line(s, 1, FCR_FE);
    for (const char *c = msg; *c; c++) {
        g_assert_cmphex(rd(s, LSR) & LSR_THRE, ==, LSR_THRE);
        wr(s, THR, *c);
    }
    qtest_quit(s);
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpstr(contents, ==, msg);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_second_uart_from_device_option(void)
{
    QTestState *s = serial_start("-device isa-serial,iobase=0x2f8,irq=3");

    qtest_outb(s, 0x2f8 + SCR, 0x42);
    g_assert_cmphex(qtest_inb(s, 0x2f8 + SCR), ==, 0x42);
    g_assert_cmphex(qtest_inb(s, 0x2f8 + LSR), ==, LSR_THRE | LSR_TEMT);
    qtest_outb(s, 0x2f8 + MCR, MCR_OUT2);
    qtest_outb(s, 0x2f8 + IER, IER_ETBEI);
    g_assert_true(qtest_get_irq(s, 3));
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    /* COM1 is a separate UART. */
    g_assert_cmphex(rd(s, SCR), !=, 0x42);
    qtest_quit(s);
}

/* Connect to the emulator's listening unix socket, retrying a while. */
static int connect_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    for (int i = 0; i < 500; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        g_assert_cmpint(fd, >=, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return fd;
        }
        close(fd);
        g_usleep(10 * 1000);
    }
    return -1;
}

/* Poll LSR until data is ready (input arrives from the main loop). */
static bool wait_for_dr(QTestState *s)
{
    for (int i = 0; i < 500; i++) {
        if (rd(s, LSR) & LSR_DR) {
            return true;
        }
        g_usleep(10 * 1000);
    }
    return false;
}

static void test_input_from_socket_chardev(void)
{
    g_autofree char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "com1.sock", NULL);
    char msg[21];
    QTestState *s;
    int fd;

    /* 20 bytes: more than the FIFO holds, so input must wait for room. */
    memcpy(msg, "abcdefghijklmnopqrst", sizeof(msg));
    s = qtest_initf("-serial unix:%s,server=on,wait=off", path);
    qtest_irq_intercept_in(s, "gsi");
    setup_line(s, 1, FCR_FE | FCR_RFR | FCR_TFR);
    wr(s, IER, IER_ERBFI);
    wr(s, MCR, MCR_OUT2);
    fd = connect_unix(path);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, msg, 20), ==, 20);
    for (int i = 0; i < 20; i++) {
        g_assert_true(wait_for_dr(s));
        /* Trigger level 1: data ready means the interrupt is up. */
        g_assert_true(qtest_get_irq(s, COM1_IRQ));
        g_assert_cmphex(rd(s, RBR), ==, (uint8_t)msg[i]);
    }
    /* Every byte arrived once and none was lost to an overrun. */
    g_assert_cmphex(rd(s, LSR) & (LSR_DR | LSR_OE), ==, 0);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    close(fd);
    qtest_quit(s);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/serial/reset/register-values", test_reset_register_values);
    g_test_add_func("/serial/scratch/reads-back", test_scratch_reads_back);
    g_test_add_func("/serial/dlab/divisor-latch-separate-from-ier",
                    test_dlab_divisor_latch_separate_from_ier);
    g_test_add_func("/serial/lcr-mcr/read-back", test_lcr_and_mcr_read_back);
    g_test_add_func("/serial/fifo/enable-sets-iir-bits",
                    test_fifo_enable_sets_iir_bits);
    g_test_add_func("/serial/fifo/rx-reset-clears-data", test_fifo_reset_clears_rx);
    g_test_add_func("/serial/thre/raised-on-etbei-cleared-by-iir-read",
                    test_thre_raised_on_etbei_cleared_by_iir_read);
    g_test_add_func("/serial/thre/rearmed-after-thr-write",
                    test_thre_rearmed_after_thr_write);
    g_test_add_func("/serial/irq/no-interrupt-without-out2",
                    test_no_interrupt_without_out2);
    g_test_add_func("/serial/loopback/bytes-return-in-rbr",
                    test_loopback_bytes_return_in_rbr);
    g_test_add_func("/serial/loopback/msr-follows-mcr",
                    test_loopback_msr_follows_mcr);
    g_test_add_func("/serial/loopback/rx-interrupt-at-trigger-level",
                    test_loopback_rx_interrupt_at_trigger_level);
    g_test_add_func("/serial/loopback/overrun-when-rx-full",
                    test_loopback_overrun_when_rx_full);
    g_test_add_func("/serial/loopback/break-sets-bi", test_loopback_break_sets_bi);
    g_test_add_func("/serial/timeout/character-timeout-after-four-char-times",
                    test_character_timeout_after_four_char_times);
    g_test_add_func("/serial/output/thr-bytes-reach-file-chardev",
                    test_output_reaches_file_chardev);
    g_test_add_func("/serial/input/socket-bytes-reach-rbr-without-overrun",
                    test_input_from_socket_chardev);
    g_test_add_func("/serial/device/second-uart-from-device-option",
                    test_second_uart_from_device_option);
    return g_test_run();
}
