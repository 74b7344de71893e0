/*
 * The qtest protocol itself, against the real emulator: RAM accesses of every
 * width and the bulk commands (read/write/b64read/b64write/memset) agreeing
 * with each other in little-endian order, unassigned memory and ports,
 * clock_step and clock_set, FAIL replies to malformed requests on a
 * connection that keeps working, the lapis extensions (cpu, rdmsr, wrmsr),
 * the -qtest-log file, and the emulator exiting when the qtest socket
 * closes. Device-specific IRQ interception is tested with each device.
 */
#include "qemu/osdep.h"

#include <sys/wait.h>

#include "libqtest.h"
#include "qemu/timer.h"
#include "target/i386/cpu.h"

/* Within the 128 MiB of RAM every test machine gets. */
#define RAM_ADDR        0x200000ULL
/* Far above RAM and anything the pc machine maps. */
#define UNASSIGNED_ADDR 0x100000000000ULL
/* A port the pc machine leaves free (no ISA device, no PCI). */
#define UNASSIGNED_PORT 0x4e70

#define MACHINE_ARGS    "-m 128M -smp 2"

static QTestState *start(void)
{
    return qtest_init(MACHINE_ARGS);
}

static void G_GNUC_PRINTF(3, 4) assert_reply(QTestState *s,
                                             const char *expected,
                                             const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cmd = NULL;
    g_autofree char *reply = NULL;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    reply = qtest_cmd(s, "%s", cmd);
    if (strcmp(reply, expected) != 0) {
        g_error("'%s' answered '%s', expected '%s'", cmd, reply, expected);
    }
}

static void assert_fail(QTestState *s, const char *cmd)
{
    g_autofree char *reply = qtest_cmd(s, "%s", cmd);

    if (!g_str_has_prefix(reply, "FAIL")) {
        g_error("'%s' answered '%s', expected FAIL", cmd, reply);
    }
}

/* Intercept a device's lines; false (the test skipped) if it is absent. */
static bool intercept_or_skip(QTestState *s, const char *how, const char *dev)
{
    g_autofree char *reply = qtest_cmd(s, "irq_intercept_%s %s", how, dev);

    if (strcmp(reply, "FAIL Unknown device") == 0) {
        g_autofree char *why = g_strdup_printf("no device '%s' here", dev);
        g_test_skip(why);
        return false;
    }
    g_assert_cmpstr(reply, ==, "OK");
    return true;
}

static void test_ram_round_trips_every_width(void)
{
    QTestState *s = start();

    qtest_writeb(s, RAM_ADDR, 0xa5);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR), ==, 0xa5);
    qtest_writew(s, RAM_ADDR + 0x10, 0xbeef);
    g_assert_cmphex(qtest_readw(s, RAM_ADDR + 0x10), ==, 0xbeef);
    qtest_writel(s, RAM_ADDR + 0x20, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR + 0x20), ==, 0xdeadbeef);
    qtest_writeq(s, RAM_ADDR + 0x30, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(s, RAM_ADDR + 0x30), ==, 0x0123456789abcdefULL);
    /* Unaligned, and at the very start of RAM and near its end. */
    qtest_writel(s, RAM_ADDR + 0x43, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR + 0x43), ==, 0xcafef00d);
    qtest_writeq(s, 0x0, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readq(s, 0x0), ==, 0x1122334455667788ULL);
    qtest_writeq(s, 128 * 1024 * 1024 - 8, 0xfeedfacecafebeefULL);
    g_assert_cmphex(qtest_readq(s, 128 * 1024 * 1024 - 8), ==,
                    0xfeedfacecafebeefULL);
    qtest_quit(s);
}

static void test_ram_is_little_endian(void)
{
    QTestState *s = start();
    uint8_t bytes[8];

    qtest_writel(s, RAM_ADDR, 0x11223344);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR), ==, 0x44);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 3), ==, 0x11);
    g_assert_cmphex(qtest_readw(s, RAM_ADDR + 2), ==, 0x1122);
    qtest_memread(s, RAM_ADDR, bytes, 4);
    g_assert_cmphex(bytes[0], ==, 0x44);
    g_assert_cmphex(bytes[1], ==, 0x33);
    g_assert_cmphex(bytes[2], ==, 0x22);
    g_assert_cmphex(bytes[3], ==, 0x11);

    qtest_writeq(s, RAM_ADDR + 8, 0x8877665544332211ULL);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR + 8), ==, 0x44332211);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR + 12), ==, 0x88776655);
    assert_reply(s, "OK little", "endianness");
    qtest_quit(s);
}

static void test_bulk_commands_agree(void)
{
    QTestState *s = start();
    uint8_t pattern[300], back[300];
    size_t i;

    for (i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (uint8_t)(i * 7 + 3);
    }
    /* write (hex) -> b64read */
    qtest_memwrite(s, RAM_ADDR, pattern, sizeof(pattern));
    qtest_bufread(s, RAM_ADDR, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 299), ==, pattern[299]);

    /* b64write -> read (hex), at an odd address */
    for (i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (uint8_t)(255 - i);
    }
    qtest_bufwrite(s, RAM_ADDR + 0x1001, pattern, sizeof(pattern));
    qtest_memread(s, RAM_ADDR + 0x1001, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));

    /* memset -> single reads; the bytes on either side stay */
    qtest_writeb(s, RAM_ADDR + 0x2000 - 1, 0x11);
    qtest_writeb(s, RAM_ADDR + 0x2000 + 64, 0x22);
    qtest_memset(s, RAM_ADDR + 0x2000, 0x5a, 64);
    g_assert_cmphex(qtest_readq(s, RAM_ADDR + 0x2000), ==,
                    0x5a5a5a5a5a5a5a5aULL);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 0x2000 + 63), ==, 0x5a);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 0x2000 - 1), ==, 0x11);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 0x2000 + 64), ==, 0x22);
    /* memset of zero bytes is allowed and changes nothing */
    qtest_memset(s, RAM_ADDR + 0x2000, 0x00, 0);
    g_assert_cmphex(qtest_readb(s, RAM_ADDR + 0x2000), ==, 0x5a);

    /* write with fewer hex digits than SIZE zero-fills the rest */
    qtest_writel(s, RAM_ADDR + 0x3000, 0xffffffff);
    assert_reply(s, "OK", "write 0x%llx 4 0xab",
                 (unsigned long long)RAM_ADDR + 0x3000);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR + 0x3000), ==, 0x000000ab);
    qtest_quit(s);
}

static void test_unassigned_memory_reads_ones_drops_writes(void)
{
    QTestState *s = start();
    uint8_t bytes[4];

    g_assert_cmphex(qtest_readb(s, UNASSIGNED_ADDR), ==, 0xff);
    g_assert_cmphex(qtest_readl(s, UNASSIGNED_ADDR), ==, 0xffffffff);
    g_assert_cmphex(qtest_readq(s, UNASSIGNED_ADDR), ==, UINT64_MAX);
    qtest_writel(s, UNASSIGNED_ADDR, 0x12345678);
    g_assert_cmphex(qtest_readl(s, UNASSIGNED_ADDR), ==, 0xffffffff);
    qtest_memread(s, UNASSIGNED_ADDR + 1, bytes, sizeof(bytes));
    for (size_t i = 0; i < sizeof(bytes); i++) {
        g_assert_cmphex(bytes[i], ==, 0xff);
    }
    qtest_quit(s);
}

static void test_unassigned_port_reads_ones(void)
{
    QTestState *s = start();

    g_assert_cmphex(qtest_inb(s, UNASSIGNED_PORT), ==, 0xff);
    g_assert_cmphex(qtest_inw(s, UNASSIGNED_PORT), ==, 0xffff);
    g_assert_cmphex(qtest_inl(s, UNASSIGNED_PORT), ==, 0xffffffff);
    qtest_outl(s, UNASSIGNED_PORT, 0);
    g_assert_cmphex(qtest_inl(s, UNASSIGNED_PORT), ==, 0xffffffff);
    /* QEMU's reply format for port reads: at least four hex digits. */
    assert_reply(s, "OK 0x00ff", "inb 0x%x", UNASSIGNED_PORT);
    qtest_quit(s);
}

static void test_read_reply_has_sixteen_digits(void)
{
    QTestState *s = start();

    qtest_writeb(s, RAM_ADDR, 0x7);
    assert_reply(s, "OK 0x0000000000000007", "readb 0x%llx",
                 (unsigned long long)RAM_ADDR);
    qtest_quit(s);
}

static void test_clock_step_moves_exactly(void)
{
    QTestState *s = start();
    int64_t t0 = qtest_clock_step(s, 0);

    g_assert_cmpint(qtest_clock_step(s, 1000), ==, t0 + 1000);
    g_assert_cmpint(qtest_clock_step(s, 1), ==, t0 + 1001);
    g_assert_cmpint(qtest_clock_step(s, 5 * NANOSECONDS_PER_SECOND), ==,
                    t0 + 1001 + 5 * NANOSECONDS_PER_SECOND);
    qtest_quit(s);
}

static void test_clock_step_without_timers_stays(void)
{
    QTestState *s = start();
    int64_t t0 = qtest_clock_step(s, 12345);

    /* QEMU: with no deadline pending, "clock_step" leaves the clock alone. */
    g_assert_cmpint(qtest_clock_step_next(s), ==, t0);
    qtest_quit(s);
}

static void test_clock_step_runs_to_next_deadline(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS " -serial null");
    const uint16_t com1 = 0x3f8;
    int64_t t0, t1;

    /* (Intercepting COM1's IRQ changes nothing here; it tells whether the
     * machine has COM1 at all.) */
    if (!intercept_or_skip(s, "out", "serial0")) {
        qtest_quit(s);
        return;
    }
    /*
     * A timer to step to: the 16550A's RX FIFO timeout (4 character times
     * after a character arrives, FIFO mode). 115200 baud 8N1 (divisor 1) in
     * loopback, so the character sent arrives in our own RX FIFO.
     */
    qtest_outb(s, com1 + 3, 0x83);              /* LCR: DLAB, 8N1 */
    qtest_outb(s, com1 + 0, 0x01);              /* DLL */
    qtest_outb(s, com1 + 1, 0x00);              /* DLM */
    qtest_outb(s, com1 + 3, 0x03);              /* LCR: 8N1 */
    qtest_outb(s, com1 + 2, 0x01);              /* FCR: FIFO on */
    qtest_outb(s, com1 + 4, 0x10);              /* MCR: loopback */
    t0 = qtest_clock_step(s, 0);
    qtest_outb(s, com1 + 0, 'A');
    g_assert_cmphex(qtest_inb(s, com1 + 5) & 0x01, ==, 0x01);  /* LSR.DR */

    /* 4 characters of 10 bits at 115200 baud: about 347 us */
    t1 = qtest_clock_step_next(s);
    g_assert_cmpint(t1 - t0, >, 340000);
    g_assert_cmpint(t1 - t0, <, 355000);
    /* the timeout fired and nothing is pending any more */
    g_assert_cmpint(qtest_clock_step_next(s), ==, t1);
    qtest_quit(s);
}

static void test_clock_set_moves_forward_only(void)
{
    QTestState *s = start();
    int64_t t0 = qtest_clock_step(s, 0);

    g_assert_cmpint(qtest_clock_set(s, t0 + 777777), ==, t0 + 777777);
    /* a time in the past does not move the clock back */
    g_assert_cmpint(qtest_clock_set(s, t0), ==, t0 + 777777);
    qtest_quit(s);
}

static void test_malformed_commands_fail_and_session_survives(void)
{
    static const char *const bad[] = {
        "frobnicate",
        "",
        "readl",
        "readl nonsense",
        "readl 0x1000 extra",
        "readq 0x1000zz",
        "writel 0x1000",
        "writel 0x1000 0xzz",
        "outb 0x10000 1",
        "inb",
        "inw 70000",
        "read 0x1000",
        "read 0x1000 0",
        "read 0xffffffffffffffff 2",
        "read 0x1000 0x100000000",
        "write 0x1000 4 0xzz",
        "write 0x1000 4 1234",
        "b64write 0x1000 4 !!!!",
        "memset 0x1000 4",
        "memset 0x1000 four 1",
        "clock_step abc",
        "clock_step -5",
        "clock_set",
        "set_irq_in",
        "set_irq_in /machine/no-such-device unnamed-gpio-in 0 1",
        "irq_intercept_in /machine/no-such-device",
        "irq_intercept_out",
        "cpu",
        "rdmsr",
        "wrmsr 0 0x10",
    };
    QTestState *s = start();

    qtest_writel(s, RAM_ADDR, 0x600dcafe);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_fail(s, bad[i]);
    }
    assert_reply(s, "FAIL Unknown command 'frobnicate'", "frobnicate 1 2");
    assert_reply(s, "FAIL Unknown device",
                 "irq_intercept_in /machine/no-such-device");
    /* the connection still works and nothing was written */
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0x600dcafe);
    qtest_quit(s);
}

static void test_cpu_selects_vcpu_view(void)
{
    QTestState *s = start();

    /* RAM is the same through a vCPU's view and through the system's. */
    assert_reply(s, "OK", "cpu 1");
    qtest_writel(s, RAM_ADDR, 0xc0ffee01);
    assert_reply(s, "OK", "cpu system");
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0xc0ffee01);
    qtest_cpu_select(s, 0);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0xc0ffee01);
    qtest_cpu_select(s, -1);
    qtest_quit(s);
}

static void test_cpu_nonexistent_fails(void)
{
    QTestState *s = start();

    assert_fail(s, "cpu 2");
    assert_fail(s, "cpu -1");
    assert_fail(s, "cpu first");
    assert_fail(s, "rdmsr 2 0x10");
    assert_fail(s, "wrmsr 7 0x10 0");
    /* a failed switch leaves the session usable */
    qtest_writel(s, RAM_ADDR, 0x5);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0x5);
    qtest_quit(s);
}

static void test_tsc_follows_virtual_clock(void)
{
    QTestState *s = start();
    const uint64_t ticks_per_ns = X86_TSC_FREQ_HZ / NANOSECONDS_PER_SECOND;
    uint64_t tsc0, tsc1, other;

    g_assert_cmpuint(ticks_per_ns, ==, 2);
    g_assert_true(qtest_wrmsr(s, 0, MSR_IA32_TSC, 0x100000));
    g_assert_true(qtest_rdmsr(s, 0, MSR_IA32_TSC, &tsc0));
    g_assert_cmphex(tsc0, ==, 0x100000);
    g_assert_true(qtest_rdmsr(s, 1, MSR_IA32_TSC, &other));

    qtest_clock_step(s, 12345);
    g_assert_true(qtest_rdmsr(s, 0, MSR_IA32_TSC, &tsc1));
    g_assert_cmpuint(tsc1, ==, tsc0 + 12345 * ticks_per_ns);
    /* vCPU 1's TSC moved by the same amount and was not rewritten */
    g_assert_true(qtest_rdmsr(s, 1, MSR_IA32_TSC, &tsc1));
    g_assert_cmpuint(tsc1, ==, other + 12345 * ticks_per_ns);
    qtest_quit(s);
}

static void test_unknown_msr_raises_gp(void)
{
    QTestState *s = start();
    uint64_t value;

    g_assert_false(qtest_rdmsr(s, 0, 0x12345678, &value));
    g_assert_false(qtest_wrmsr(s, 0, 0x12345678, 1));
    assert_reply(s, "FAIL #GP", "rdmsr 0 0x12345678");
    qtest_quit(s);
}

static void test_log_records_traffic(void)
{
    g_autofree char *dir = g_dir_make_tmp("lapis-qtest-log-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qtest.log", NULL);
    g_autofree char *text = NULL;
    QTestState *s;

    s = qtest_initf(MACHINE_ARGS " -qtest-log %s", path);
    qtest_writel(s, RAM_ADDR, 0xabcdef12);
    g_assert_cmphex(qtest_readl(s, RAM_ADDR), ==, 0xabcdef12);
    assert_fail(s, "frobnicate");
    qtest_quit(s);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "] writel 0x200000 0xabcdef12\n"));
    g_assert_nonnull(strstr(text, "] readl 0x200000\n"));
    g_assert_nonnull(strstr(text, "] OK 0x00000000abcdef12\n"));
    g_assert_nonnull(strstr(text, "] FAIL Unknown command 'frobnicate'\n"));
    g_assert_nonnull(strstr(text, "[R +"));
    g_assert_nonnull(strstr(text, "[S +"));
    unlink(path);
    rmdir(dir);
}

static void test_irq_intercept_in_reports_levels(void)
{
    QTestState *s = start();

    /* The machine's GSI fan-out: inputs numbered as GSIs. */
    if (intercept_or_skip(s, "in", "gsi")) {
        g_assert_false(qtest_get_irq(s, 4));
        qtest_set_irq_in(s, "gsi", NULL, 4, 1);
        g_assert_true(qtest_get_irq(s, 4));
        g_assert_false(qtest_get_irq(s, 3));
        qtest_set_irq_in(s, "gsi", "unnamed-gpio-in", 4, 0);
        g_assert_false(qtest_get_irq(s, 4));
        /* asking again for the same device is fine, another one is not */
        assert_reply(s, "OK", "irq_intercept_in gsi");
        assert_reply(s, "FAIL IRQ intercept already enabled",
                     "irq_intercept_out serial0");
        assert_fail(s, "set_irq_in gsi unnamed-gpio-in 100000 1");
        assert_fail(s, "set_irq_in gsi no-such-list 0 1");
    }
    qtest_quit(s);
}

static void test_irq_intercept_out_reports_device_irq(void)
{
    QTestState *s = qtest_init(MACHINE_ARGS " -serial null");

    /* 16550A: enabling the THR-empty interrupt (IER bit 1) with an empty
     * transmitter raises the line at once; disabling it lowers it. Output
     * pins are numbered within the device (COM1's one pin is 0). */
    if (intercept_or_skip(s, "out", "serial0")) {
        qtest_outb(s, 0x3f8 + 4, 0x08);         /* MCR.OUT2 gates the IRQ */
        qtest_outb(s, 0x3f8 + 1, 0x02);
        g_assert_true(qtest_get_irq(s, 0));
        qtest_outb(s, 0x3f8 + 1, 0x00);
        g_assert_false(qtest_get_irq(s, 0));
    }
    qtest_quit(s);
}

static void test_exits_when_qtest_socket_closes(void)
{
    QTestState *s = start();
    int status;

    qtest_writel(s, RAM_ADDR, 1);
    qtest_disconnect(s);
    status = qtest_wait_exit(s, 20000);
    g_assert_cmpint(status, !=, -1);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/memory/ram-round-trips-every-width",
                    test_ram_round_trips_every_width);
    g_test_add_func("/qtest/memory/ram-is-little-endian",
                    test_ram_is_little_endian);
    g_test_add_func("/qtest/memory/bulk-commands-agree",
                    test_bulk_commands_agree);
    g_test_add_func("/qtest/memory/read-reply-has-sixteen-hex-digits",
                    test_read_reply_has_sixteen_digits);
    g_test_add_func("/qtest/memory/unassigned-reads-ones-drops-writes",
                    test_unassigned_memory_reads_ones_drops_writes);
    g_test_add_func("/qtest/pio/unassigned-port-reads-ones",
                    test_unassigned_port_reads_ones);
    g_test_add_func("/qtest/clock/step-moves-by-exactly-n",
                    test_clock_step_moves_exactly);
    g_test_add_func("/qtest/clock/step-without-timers-stays",
                    test_clock_step_without_timers_stays);
    g_test_add_func("/qtest/clock/step-without-ns-runs-to-next-deadline",
                    test_clock_step_runs_to_next_deadline);
    g_test_add_func("/qtest/clock/set-moves-forward-only",
                    test_clock_set_moves_forward_only);
    g_test_add_func("/qtest/protocol/malformed-commands-fail-session-survives",
                    test_malformed_commands_fail_and_session_survives);
    g_test_add_func("/qtest/cpu/select-vcpu-view-and-back",
                    test_cpu_selects_vcpu_view);
    g_test_add_func("/qtest/cpu/nonexistent-cpu-fails",
                    test_cpu_nonexistent_fails);
    g_test_add_func("/qtest/msr/tsc-follows-virtual-clock-at-2ghz",
                    test_tsc_follows_virtual_clock);
    g_test_add_func("/qtest/msr/unknown-msr-raises-gp",
                    test_unknown_msr_raises_gp);
    g_test_add_func("/qtest/log/records-requests-and-replies",
                    test_log_records_traffic);
    g_test_add_func("/qtest/irq/intercept-in-reports-levels",
                    test_irq_intercept_in_reports_levels);
    g_test_add_func("/qtest/irq/intercept-out-reports-device-irq",
                    test_irq_intercept_out_reports_device_irq);
    g_test_add_func("/qtest/exit/exits-when-qtest-socket-closes",
                    test_exits_when_qtest_socket_closes);
    return g_test_run();
}
