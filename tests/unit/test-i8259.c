/*
 * Unit tests of the 8259A pair's INTA cycle (i8259_inta, the APIC bus's
 * ExtINT source) and its state transfer, on a PIC made in-process: ports
 * through the system I/O address space, IRQs through the device's GPIO
 * inputs. The qtests cover the port protocol; these cover the vector a CPU
 * gets, which qtest reaches only through a wired LAPIC.
 */
#include "qemu/osdep.h"
#include "hw/intc/i8259.h"
#include "hw/intc/apic_bus.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"

static void outb(uint16_t port, uint8_t val)
{
    g_assert_cmpint(address_space_st(&address_space_io, port, 1, val), ==,
                    MEMTX_OK);
}

static uint8_t inb(uint16_t port)
{
    uint64_t v = 0;

    g_assert_cmpint(address_space_ld(&address_space_io, port, 1, &v), ==,
                    MEMTX_OK);
    return v;
}

static void pulse(DeviceState *pic, int irq)
{
    qemu_set_irq(qdev_get_gpio_in(pic, irq), 1);
    qemu_set_irq(qdev_get_gpio_in(pic, irq), 0);
}

static uint8_t isr(uint16_t cmd)
{
    outb(cmd, 0x0b);
    return inb(cmd);
}

/* PC/AT initialisation with the given ICW4s: vectors 0x08 and 0x70. */
static DeviceState *pic_new(uint8_t icw4_master, uint8_t icw4_slave)
{
    GError *err = NULL;
    DeviceState *pic = i8259_create(&err);

    g_assert_no_error(err);
    g_assert_nonnull(pic);
    outb(0x20, 0x11);
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, icw4_master);
    outb(0xa0, 0x11);
    outb(0xa1, 0x70);
    outb(0xa1, 0x02);
    outb(0xa1, icw4_slave);
    return pic;
}

static void test_inta_returns_vector_and_sets_isr(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);

    pulse(pic, 3);
    g_assert_true(i8259_intr_level(pic));
    g_assert_cmphex(i8259_peek(pic), ==, 0x0b);
    g_assert_cmphex(i8259_inta(pic), ==, 0x0b);
    g_assert_cmphex(isr(0x20), ==, 0x08);
    g_assert_false(i8259_intr_level(pic));
    g_assert_cmpint(i8259_peek(pic), ==, -1);
    qdev_unrealize_and_free(pic);
}

static void test_inta_cascade_returns_slave_vector(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);

    pulse(pic, 14);
    g_assert_cmphex(i8259_inta(pic), ==, 0x76);
    g_assert_cmphex(isr(0x20), ==, 0x04);
    g_assert_cmphex(isr(0xa0), ==, 0x40);
    qdev_unrealize_and_free(pic);
}

static void test_inta_spurious_irq7_sets_no_isr(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);

    pulse(pic, 4);
    outb(0x21, 0x10);
    g_assert_cmphex(i8259_inta(pic), ==, 0x0f);
    g_assert_cmphex(isr(0x20), ==, 0x00);
    qdev_unrealize_and_free(pic);
}

static void test_inta_spurious_irq15_sets_master_ir2(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);

    pulse(pic, 11);
    outb(0xa1, 0x08);
    g_assert_cmphex(i8259_inta(pic), ==, 0x77);
    g_assert_cmphex(isr(0x20), ==, 0x04);
    g_assert_cmphex(isr(0xa0), ==, 0x00);
    qdev_unrealize_and_free(pic);
}

static void test_inta_auto_eoi_leaves_isr_clear(void)
{
    DeviceState *pic = pic_new(0x03, 0x01);

    pulse(pic, 6);
    g_assert_cmphex(i8259_inta(pic), ==, 0x0e);
    g_assert_cmphex(isr(0x20), ==, 0x00);
    qdev_unrealize_and_free(pic);
}

static void test_inta_relatches_ir2_for_remaining_slave_request(void)
{
    /* The slave in automatic EOI mode keeps a second request eligible
     * across the INTA; the master serves it after its own EOI. */
    DeviceState *pic = pic_new(0x01, 0x03);

    pulse(pic, 9);
    pulse(pic, 12);
    g_assert_cmphex(i8259_inta(pic), ==, 0x71);
    g_assert_false(i8259_intr_level(pic));
    outb(0x20, 0x20);
    g_assert_true(i8259_intr_level(pic));
    g_assert_cmphex(i8259_inta(pic), ==, 0x74);
    qdev_unrealize_and_free(pic);
}

static void test_pic_is_the_apic_bus_extint_source(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);

    g_assert_cmpint(apic_bus_extint_peek(), ==, -1);
    pulse(pic, 1);
    g_assert_cmphex(apic_bus_extint_peek(), ==, 0x09);
    g_assert_cmphex(apic_bus_extint_ack(), ==, 0x09);
    g_assert_cmphex(isr(0x20), ==, 0x02);
    qdev_unrealize_and_free(pic);
    g_assert_cmpint(apic_bus_extint_peek(), ==, -1);
}

static void test_info_irq_counts_acknowledged_irqs(void)
{
    DeviceState *pic = pic_new(0x03, 0x01);
    GString *out = g_string_new(NULL);

    pulse(pic, 1);
    i8259_inta(pic);
    pulse(pic, 1);
    i8259_inta(pic);
    pulse(pic, 12);
    i8259_inta(pic);
    i8259_inta(pic);                    /* spurious: not counted */
    i8259_info_irq(out);
    g_assert_cmpstr(out->str, ==,
                    "IRQ statistics for i8259:\n 1: 2\n12: 1\n");
    g_string_free(out, TRUE);
    qdev_unrealize_and_free(pic);
}

static void test_state_round_trips_and_rejects_bad_values(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);
    I8259SavedState st, bad;
    GError *err = NULL;

    pulse(pic, 5);
    i8259_get_state(pic, &st);
    g_assert_cmphex(st.chip[0].irr, ==, 0x20);
    g_assert_cmphex(st.chip[1].irq_base, ==, 0x70);
    /* Loading a state with IR5 masked drops INTR; restoring raises it. */
    bad = st;
    bad.chip[0].imr = 0x20;
    g_assert_true(i8259_set_state(pic, &bad, &err));
    g_assert_false(i8259_intr_level(pic));
    g_assert_true(i8259_set_state(pic, &st, &err));
    g_assert_true(i8259_intr_level(pic));
    bad = st;
    bad.chip[1].elcr = 0x01;            /* IRQ 8 cannot be level */
    g_assert_false(i8259_set_state(pic, &bad, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    bad = st;
    bad.chip[0].irq_base = 0x09;
    g_assert_false(i8259_set_state(pic, &bad, &err));
    g_clear_error(&err);
    qdev_unrealize_and_free(pic);
}

static void test_second_pic_is_refused(void)
{
    DeviceState *pic = pic_new(0x01, 0x01);
    DeviceState *second = qdev_new(TYPE_I8259);
    GError *err = NULL;

    g_assert_false(qdev_realize(second, "i8259-2", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    qdev_unrealize_and_free(pic);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    g_test_add_func("/i8259/inta/returns-vector-and-sets-isr",
                    test_inta_returns_vector_and_sets_isr);
    g_test_add_func("/i8259/inta/cascade-returns-slave-vector",
                    test_inta_cascade_returns_slave_vector);
    g_test_add_func("/i8259/inta/spurious-irq7-sets-no-isr",
                    test_inta_spurious_irq7_sets_no_isr);
    g_test_add_func("/i8259/inta/spurious-irq15-sets-master-ir2",
                    test_inta_spurious_irq15_sets_master_ir2);
    g_test_add_func("/i8259/inta/auto-eoi-leaves-isr-clear",
                    test_inta_auto_eoi_leaves_isr_clear);
    g_test_add_func("/i8259/inta/relatches-ir2-for-remaining-slave-request",
                    test_inta_relatches_ir2_for_remaining_slave_request);
    g_test_add_func("/i8259/extint/pic-is-the-apic-bus-source",
                    test_pic_is_the_apic_bus_extint_source);
    g_test_add_func("/i8259/info-irq/counts-acknowledged-irqs",
                    test_info_irq_counts_acknowledged_irqs);
    g_test_add_func("/i8259/state/round-trips-and-rejects-bad-values",
                    test_state_round_trips_and_rejects_bad_values);
    g_test_add_func("/i8259/realize/second-pic-is-refused",
                    test_second_pic_is_refused);
    return g_test_run();
}
