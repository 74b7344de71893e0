/*
 * qtest of pc-testdev (-device pc-testdev, QEMU's x86 test device): the
 * scratch register behind ports 0xe0-0xe3 and 0xe8-0xeb, the page-flush
 * port 0xe4, the IRQ ports 0x2000+n driving GSI line n (observed on the
 * board's GSI fan-out "gsi"), and the 64 KiB of memory-like MMIO at
 * 0xff000000.
 */
#include <glib.h>
#include "libqtest.h"

#define IOPORT      0xe0
#define FLUSH       0xe4
#define IOPORT_BYTE 0xe8
#define IRQ_BASE    0x2000
#define IOMEM       0xff000000ULL
#define IOMEM_SIZE  0x10000

static QTestState *testdev_start(void)
{
    return qtest_init("-device pc-testdev");
}

static void test_ioport_echoes_each_size(void)
{
    QTestState *s = testdev_start();

    qtest_outl(s, IOPORT, 0x12345678);
    g_assert_cmphex(qtest_inl(s, IOPORT), ==, 0x12345678);
    g_assert_cmphex(qtest_inw(s, IOPORT), ==, 0x5678);
    g_assert_cmphex(qtest_inw(s, IOPORT + 2), ==, 0x1234);
    g_assert_cmphex(qtest_inb(s, IOPORT + 1), ==, 0x56);
    qtest_outb(s, IOPORT + 3, 0xab);
    g_assert_cmphex(qtest_inl(s, IOPORT), ==, 0xab345678);
    qtest_outw(s, IOPORT, 0xbeef);
    g_assert_cmphex(qtest_inl(s, IOPORT), ==, 0xab34beef);
    qtest_quit(s);
}

static void test_byte_port_shares_the_register(void)
{
    QTestState *s = testdev_start();

    /* As in QEMU, 0xe8 is a byte-wise view of the same 32 bits. */
    qtest_outl(s, IOPORT, 0xcafef00d);
    g_assert_cmphex(qtest_inl(s, IOPORT_BYTE), ==, 0xcafef00d);
    qtest_outl(s, IOPORT_BYTE, 0x01020304);
    g_assert_cmphex(qtest_inl(s, IOPORT), ==, 0x01020304);
    g_assert_cmphex(qtest_inb(s, IOPORT_BYTE + 2), ==, 0x02);
    qtest_quit(s);
}

static void test_flush_port_takes_dword_and_reads_zero(void)
{
    QTestState *s = testdev_start();

    qtest_outl(s, FLUSH, 0x00101000);
    g_assert_cmphex(qtest_inl(s, FLUSH), ==, 0);
    qtest_quit(s);
}

static void test_irq_ports_drive_gsi_lines(void)
{
    QTestState *s = testdev_start();

    qtest_irq_intercept_in(s, "gsi");
    qtest_outb(s, IRQ_BASE + 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    qtest_outb(s, IRQ_BASE + 5, 0);
    g_assert_false(qtest_get_irq(s, 5));
    /* Any non-zero value raises the line. */
    qtest_outb(s, IRQ_BASE + 10, 0x80);
    g_assert_true(qtest_get_irq(s, 10));
    g_assert_false(qtest_get_irq(s, 11));
    /* GSIs above the ISA range too. */
    qtest_outb(s, IRQ_BASE + 20, 1);
    g_assert_true(qtest_get_irq(s, 20));
    qtest_outb(s, IRQ_BASE + 23, 1);
    g_assert_true(qtest_get_irq(s, 23));
    qtest_outb(s, IRQ_BASE + 20, 0);
    g_assert_false(qtest_get_irq(s, 20));
    qtest_quit(s);
}

static void test_iomem_reads_back_any_size(void)
{
    QTestState *s = testdev_start();

    qtest_writeq(s, IOMEM, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readq(s, IOMEM), ==, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readl(s, IOMEM + 4), ==, 0x11223344);
    g_assert_cmphex(qtest_readw(s, IOMEM + 2), ==, 0x5566);
    g_assert_cmphex(qtest_readb(s, IOMEM + 7), ==, 0x11);
    qtest_writeb(s, IOMEM + IOMEM_SIZE - 1, 0x5a);
    g_assert_cmphex(qtest_readb(s, IOMEM + IOMEM_SIZE - 1), ==, 0x5a);
    qtest_writel(s, IOMEM + 0x8001, 0xdeadbeef);     /* unaligned */
    g_assert_cmphex(qtest_readl(s, IOMEM + 0x8001), ==, 0xdeadbeef);
    g_assert_cmphex(qtest_readb(s, IOMEM + 0x8001), ==, 0xef);
    qtest_quit(s);
}

static void test_iomem_starts_zeroed_and_ends_at_64k(void)
{
    QTestState *s = testdev_start();

    g_assert_cmphex(qtest_readl(s, IOMEM + 0x1234), ==, 0);
    /* Past the window nothing answers: unassigned reads are all ones. */
    g_assert_cmphex(qtest_readb(s, IOMEM + IOMEM_SIZE), ==, 0xff);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/pc-testdev/ioport/echoes-each-size",
                    test_ioport_echoes_each_size);
    g_test_add_func("/pc-testdev/ioport/byte-port-shares-register",
                    test_byte_port_shares_the_register);
    g_test_add_func("/pc-testdev/flush/takes-dword-reads-zero",
                    test_flush_port_takes_dword_and_reads_zero);
    g_test_add_func("/pc-testdev/irq/ports-drive-gsi-lines",
                    test_irq_ports_drive_gsi_lines);
    g_test_add_func("/pc-testdev/iomem/reads-back-any-size",
                    test_iomem_reads_back_any_size);
    g_test_add_func("/pc-testdev/iomem/starts-zeroed-ends-at-64k",
                    test_iomem_starts_zeroed_and_ends_at_64k);
    return g_test_run();
}
