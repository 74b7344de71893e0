/*
 * Unit tests of the userspace IOAPIC (hw/intc/ioapic*.c) and the MSI window
 * (hw/intc/msi_window.c), driven without a machine: the IOAPIC's window is
 * mapped into a private address space, its pins are driven through its GPIO
 * inputs, the APIC bus backend is replaced by one that records every
 * message, and EOIs are sent with apic_bus_broadcast_eoi(). The virtual
 * clock is in qtest mode so the storm-damping timer runs only when a test
 * moves it.
 */
#include "qemu/osdep.h"
#include "hw/intc/ioapic_internal.h"
#include "hw/intc/msi_window.h"
#include "hw/intc/apic_bus.h"
#include "hw/qdev.h"
#include "hw/irq.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"

/* hw/intc/ioapic.c: re-deliveries in a row before damping, and the delay. */
#define STORM_THRESHOLD 10000
#define STORM_DELAY_NS  (100 * SCALE_US)

#define BASE IOAPIC_DEFAULT_ADDRESS

/* ---- a recording APIC bus ---- */

static GArray *sent;    /* ApicMessage */

static void record_deliver(const ApicMessage *msg)
{
    g_array_append_val(sent, *msg);
}

static const ApicBusOps record_ops = { .deliver = record_deliver };

static const ApicMessage *last_msg(void)
{
    g_assert_cmpuint(sent->len, >, 0);
    return &g_array_index(sent, ApicMessage, sent->len - 1);
}

/* ---- fixture ---- */

typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
    DeviceState *dev;
} Fixture;

static void fixture_init(Fixture *f, const char *version)
{
    GError *err = NULL;

    if (!sent) {
        sent = g_array_new(false, true, sizeof(ApicMessage));
    }
    g_array_set_size(sent, 0);
    apic_bus_set_backend(&record_ops);
    qemu_clock_set_qtest_mode(true);

    memory_region_init(&f->root, "test-root", UINT64_MAX);
    address_space_init(&f->as, &f->root, "test");
    f->dev = qdev_new(TYPE_IOAPIC);
    if (version) {
        g_assert_true(qdev_prop_parse(f->dev, "version", version, &err));
    }
    g_assert_true(qdev_realize(f->dev, "ioapic", &err));
    g_assert_no_error(err);
    memory_region_add_subregion(&f->root, BASE, ioapic_mmio_region(f->dev));
    device_reset(f->dev);
}

static void fixture_fini(Fixture *f)
{
    memory_region_del_subregion(&f->root, ioapic_mmio_region(f->dev));
    ioapic_destroy(f->dev);
    address_space_destroy(&f->as);
    memory_region_finalize(&f->root);
    apic_bus_set_backend(NULL);
}

static void wr32(Fixture *f, hwaddr off, uint32_t val)
{
    g_assert_cmpint(address_space_st(&f->as, BASE + off, 4, val), ==, MEMTX_OK);
}

static uint32_t rd32(Fixture *f, hwaddr off)
{
    uint64_t v = 0;

    g_assert_cmpint(address_space_ld(&f->as, BASE + off, 4, &v), ==, MEMTX_OK);
    return v;
}

static void reg_write(Fixture *f, uint8_t index, uint32_t val)
{
    wr32(f, IOAPIC_IOREGSEL, index);
    wr32(f, IOAPIC_IOWIN, val);
}

static uint32_t reg_read(Fixture *f, uint8_t index)
{
    wr32(f, IOAPIC_IOREGSEL, index);
    return rd32(f, IOAPIC_IOWIN);
}

static void rte_write(Fixture *f, int pin, uint32_t lo, uint8_t dest)
{
    reg_write(f, IOAPIC_REG_REDTBL_BASE + 2 * pin + 1, (uint32_t)dest << 24);
    reg_write(f, IOAPIC_REG_REDTBL_BASE + 2 * pin, lo);
}

static uint32_t rte_lo(Fixture *f, int pin)
{
    return reg_read(f, IOAPIC_REG_REDTBL_BASE + 2 * pin);
}

static void pin_set(Fixture *f, int pin, int level)
{
    qemu_set_irq(qdev_get_gpio_in(f->dev, pin), level);
}

#define LO_LEVEL   ((uint32_t)IOAPIC_RTE_TRIGGER)
#define LO_MASKED  ((uint32_t)IOAPIC_RTE_MASKED)
#define LO_RIRR    ((uint32_t)IOAPIC_RTE_REMOTE_IRR)
#define LO_ACTLOW  ((uint32_t)IOAPIC_RTE_POLARITY)
#define LO_LOGICAL ((uint32_t)IOAPIC_RTE_DESTMOD)
#define LO_DM(m)   ((uint32_t)(m) << IOAPIC_RTE_DELMOD_SHIFT)

/* ---- registers ---- */

static void test_reset_masks_every_entry(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        g_assert_cmphex(rte_lo(&f, pin), ==, LO_MASKED);
        g_assert_cmphex(reg_read(&f, IOAPIC_REG_REDTBL_BASE + 2 * pin + 1),
                        ==, 0);
    }
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0);
    fixture_fini(&f);
}

static void test_id_only_bits_27_24_writable(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    reg_write(&f, IOAPIC_REG_ID, 0xffffffff);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0x0f000000);
    reg_write(&f, IOAPIC_REG_ID, 0x05000000);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0x05000000);
    fixture_fini(&f);
}

static void test_arbitration_id_mirrors_id_and_is_read_only(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    reg_write(&f, IOAPIC_REG_ID, 0x03000000);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ARB), ==, 0x03000000);
    reg_write(&f, IOAPIC_REG_ARB, 0x0a000000);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ARB), ==, 0x03000000);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0x03000000);
    fixture_fini(&f);
}

static void test_version_0x20_default_read_only(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_VER), ==, 0x00170020);
    reg_write(&f, IOAPIC_REG_VER, 0x12345678);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_VER), ==, 0x00170020);
    fixture_fini(&f);
}

static void test_version_0x11_property(void)
{
    Fixture f;

    fixture_init(&f, "0x11");
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_VER), ==, 0x00170011);
    fixture_fini(&f);
}

static void test_version_other_values_rejected(void)
{
    DeviceState *dev = qdev_new(TYPE_IOAPIC);
    GError *err = NULL;

    g_assert_true(qdev_prop_parse(dev, "version", "0x12", &err));
    g_assert_false(qdev_realize(dev, "ioapic", &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, "IOAPIC version must be 0x11 or 0x20");
    g_error_free(err);
}

static void test_rte_read_only_bits_not_writable(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    reg_write(&f, IOAPIC_REG_REDTBL_BASE, 0xffffffff);
    /* Delivery status (12) and remote IRR (14) stay 0; 31:17 reserved. */
    g_assert_cmphex(rte_lo(&f, 0), ==, 0x0001afff);
    reg_write(&f, IOAPIC_REG_REDTBL_BASE + 1, 0xffffffff);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_REDTBL_BASE + 1), ==, 0xff000000);
    fixture_fini(&f);
}

static void test_ioregsel_reads_back_and_missing_register_reads_zero(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    wr32(&f, IOAPIC_IOREGSEL, 0x12);
    g_assert_cmphex(rd32(&f, IOAPIC_IOREGSEL), ==, 0x12);
    g_assert_cmphex(reg_read(&f, 0x03), ==, 0);
    g_assert_cmphex(reg_read(&f, 0x40), ==, 0);
    fixture_fini(&f);
}

/* ---- edge ---- */

static void test_edge_delivers_on_each_rising_edge(void)
{
    Fixture f;
    const ApicMessage *m;

    fixture_init(&f, NULL);
    rte_write(&f, 3, 0x31, 2);
    pin_set(&f, 3, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    m = last_msg();
    g_assert_cmpint(m->source, ==, APIC_SRC_IOAPIC);
    g_assert_cmpuint(m->dest, ==, 2);
    g_assert_false(m->dest_logical);
    g_assert_cmpint(m->delivery_mode, ==, APIC_DM_FIXED);
    g_assert_cmpuint(m->vector, ==, 0x31);
    g_assert_false(m->trigger_level);
    g_assert_cmpint(m->shorthand, ==, APIC_SH_NONE);
    /* Staying high is not another edge; an EOI does nothing for edge. */
    pin_set(&f, 3, 1);
    apic_bus_broadcast_eoi(0x31);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmphex(rte_lo(&f, 3) & LO_RIRR, ==, 0);
    pin_set(&f, 3, 0);
    pin_set(&f, 3, 1);
    g_assert_cmpuint(sent->len, ==, 2);
    fixture_fini(&f);
}

static void test_edge_while_masked_is_lost(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 4, LO_MASKED | 0x40, 0);
    pin_set(&f, 4, 1);
    pin_set(&f, 4, 0);
    rte_write(&f, 4, 0x40, 0);
    g_assert_cmpuint(sent->len, ==, 0);
    /* Still high while unmasked: no edge either. */
    rte_write(&f, 4, LO_MASKED | 0x40, 0);
    pin_set(&f, 4, 1);
    rte_write(&f, 4, 0x40, 0);
    g_assert_cmpuint(sent->len, ==, 0);
    fixture_fini(&f);
}

/* ---- level ---- */

static void test_level_sets_remote_irr_and_redelivers_after_eoi(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 9, LO_LEVEL | 0x59, 1);
    pin_set(&f, 9, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_true(last_msg()->trigger_level);
    g_assert_true(last_msg()->level);
    g_assert_cmphex(rte_lo(&f, 9) & LO_RIRR, ==, LO_RIRR);
    /* Still asserted, remote IRR set: nothing more. */
    pin_set(&f, 9, 1);
    apic_bus_broadcast_eoi(0x60);           /* another vector */
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmphex(rte_lo(&f, 9) & LO_RIRR, ==, LO_RIRR);
    /* EOI while the line is still asserted: delivered again at once. */
    apic_bus_broadcast_eoi(0x59);
    g_assert_cmpuint(sent->len, ==, 2);
    g_assert_cmphex(rte_lo(&f, 9) & LO_RIRR, ==, LO_RIRR);
    /* Deasserted, then EOI: remote IRR clears, nothing is sent. */
    pin_set(&f, 9, 0);
    apic_bus_broadcast_eoi(0x59);
    g_assert_cmpuint(sent->len, ==, 2);
    g_assert_cmphex(rte_lo(&f, 9) & LO_RIRR, ==, 0);
    fixture_fini(&f);
}

static void test_level_unmask_delivers_asserted_line(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 10, LO_MASKED | LO_LEVEL | 0x61, 0);
    pin_set(&f, 10, 1);
    g_assert_cmpuint(sent->len, ==, 0);
    rte_write(&f, 10, LO_LEVEL | 0x61, 0);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmpuint(last_msg()->vector, ==, 0x61);
    /* Masked with remote IRR set, EOI, unmask: delivered again. */
    rte_write(&f, 10, LO_MASKED | LO_LEVEL | 0x61, 0);
    g_assert_cmphex(rte_lo(&f, 10) & LO_RIRR, ==, LO_RIRR);
    apic_bus_broadcast_eoi(0x61);
    g_assert_cmpuint(sent->len, ==, 1);
    rte_write(&f, 10, LO_LEVEL | 0x61, 0);
    g_assert_cmpuint(sent->len, ==, 2);
    fixture_fini(&f);
}

static void test_level_deasserted_before_unmask_not_delivered(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 11, LO_MASKED | LO_LEVEL | 0x62, 0);
    pin_set(&f, 11, 1);
    pin_set(&f, 11, 0);
    rte_write(&f, 11, LO_LEVEL | 0x62, 0);
    g_assert_cmpuint(sent->len, ==, 0);
    fixture_fini(&f);
}

static void test_switch_to_edge_clears_remote_irr(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 5, LO_LEVEL | 0x45, 0);
    pin_set(&f, 5, 1);
    g_assert_cmphex(rte_lo(&f, 5) & LO_RIRR, ==, LO_RIRR);
    rte_write(&f, 5, 0x45, 0);
    g_assert_cmphex(rte_lo(&f, 5) & LO_RIRR, ==, 0);
    /* The level already high is not an edge. */
    g_assert_cmpuint(sent->len, ==, 1);
    fixture_fini(&f);
}

static void test_eoi_register_clears_remote_irr(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 7, LO_LEVEL | 0x77, 0);
    pin_set(&f, 7, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    wr32(&f, IOAPIC_EOIR, 0x76);            /* other vector */
    g_assert_cmphex(rte_lo(&f, 7) & LO_RIRR, ==, LO_RIRR);
    pin_set(&f, 7, 0);
    wr32(&f, IOAPIC_EOIR, 0x77);
    g_assert_cmphex(rte_lo(&f, 7) & LO_RIRR, ==, 0);
    g_assert_true(apic_bus_directed_eoi());
    fixture_fini(&f);
}

static void test_eoi_register_absent_in_version_0x11(void)
{
    Fixture f;

    fixture_init(&f, "0x11");
    g_assert_false(apic_bus_directed_eoi());
    rte_write(&f, 7, LO_LEVEL | 0x77, 0);
    pin_set(&f, 7, 1);
    pin_set(&f, 7, 0);
    wr32(&f, IOAPIC_EOIR, 0x77);
    g_assert_cmphex(rte_lo(&f, 7) & LO_RIRR, ==, LO_RIRR);
    apic_bus_broadcast_eoi(0x77);
    g_assert_cmphex(rte_lo(&f, 7) & LO_RIRR, ==, 0);
    fixture_fini(&f);
}

static void test_active_low_level_asserted_while_pin_low(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    /* The pin idles low, so an active-low entry sees it asserted. */
    rte_write(&f, 12, LO_ACTLOW | LO_LEVEL | 0x52, 0);
    g_assert_cmpuint(sent->len, ==, 1);
    pin_set(&f, 12, 1);                     /* deasserted */
    apic_bus_broadcast_eoi(0x52);
    g_assert_cmpuint(sent->len, ==, 1);
    pin_set(&f, 12, 0);                     /* asserted again */
    g_assert_cmpuint(sent->len, ==, 2);
    fixture_fini(&f);
}

static void test_active_low_edge_fires_on_falling_pin(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    pin_set(&f, 13, 1);
    rte_write(&f, 13, LO_ACTLOW | 0x53, 0);
    g_assert_cmpuint(sent->len, ==, 0);
    pin_set(&f, 13, 0);
    g_assert_cmpuint(sent->len, ==, 1);
    pin_set(&f, 13, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    fixture_fini(&f);
}

/* ---- delivery modes ---- */

static void test_lowest_priority_logical_passes_through(void)
{
    Fixture f;
    const ApicMessage *m;

    fixture_init(&f, NULL);
    rte_write(&f, 1, LO_DM(APIC_DM_LOWPRI) | LO_LOGICAL | 0x81, 0x0f);
    pin_set(&f, 1, 1);
    m = last_msg();
    g_assert_cmpint(m->delivery_mode, ==, APIC_DM_LOWPRI);
    g_assert_true(m->dest_logical);
    g_assert_cmpuint(m->dest, ==, 0x0f);
    g_assert_cmpuint(m->vector, ==, 0x81);
    fixture_fini(&f);
}

static void test_nmi_programmed_level_acts_as_edge(void)
{
    Fixture f;
    const ApicMessage *m;

    fixture_init(&f, NULL);
    rte_write(&f, 2, LO_DM(APIC_DM_NMI) | LO_LEVEL, 0);
    pin_set(&f, 2, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    m = last_msg();
    g_assert_cmpint(m->delivery_mode, ==, APIC_DM_NMI);
    g_assert_false(m->trigger_level);
    g_assert_cmphex(rte_lo(&f, 2) & LO_RIRR, ==, 0);
    pin_set(&f, 2, 0);
    pin_set(&f, 2, 1);
    g_assert_cmpuint(sent->len, ==, 2);
    fixture_fini(&f);
}

static void test_smi_init_extint_pass_through(void)
{
    static const ApicDeliveryMode modes[] = {
        APIC_DM_SMI, APIC_DM_INIT, APIC_DM_EXTINT,
    };
    Fixture f;

    fixture_init(&f, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        rte_write(&f, 14, LO_DM(modes[i]), 3);
        pin_set(&f, 14, 1);
        pin_set(&f, 14, 0);
        g_assert_cmpuint(sent->len, ==, i + 1);
        g_assert_cmpint(last_msg()->delivery_mode, ==, modes[i]);
        g_assert_cmpuint(last_msg()->dest, ==, 3);
    }
    fixture_fini(&f);
}

static void test_reserved_delivery_modes_send_nothing(void)
{
    Fixture f;

    fixture_init(&f, NULL);
    rte_write(&f, 15, LO_DM(3) | 0x35, 0);
    pin_set(&f, 15, 1);
    rte_write(&f, 16, LO_DM(6) | LO_LEVEL | 0x36, 0);
    pin_set(&f, 16, 1);
    g_assert_cmpuint(sent->len, ==, 0);
    /* Reprogrammed as a valid level entry, the asserted line delivers. */
    rte_write(&f, 16, LO_LEVEL | 0x36, 0);
    g_assert_cmpuint(sent->len, ==, 1);
    fixture_fini(&f);
}

/* ---- storm ---- */

static void test_storm_damped_but_not_lost(void)
{
    Fixture f;
    int64_t now;

    fixture_init(&f, NULL);
    rte_write(&f, 20, LO_LEVEL | 0x90, 0);
    pin_set(&f, 20, 1);
    g_assert_cmpuint(sent->len, ==, 1);
    for (int i = 0; i < STORM_THRESHOLD; i++) {
        apic_bus_broadcast_eoi(0x90);
    }
    /* Every one of those was re-delivered at once. */
    g_assert_cmpuint(sent->len, ==, 1 + STORM_THRESHOLD);
    apic_bus_broadcast_eoi(0x90);
    g_assert_cmpuint(sent->len, ==, 1 + STORM_THRESHOLD);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    qemu_clock_advance_virtual(now + STORM_DELAY_NS - 1);
    g_assert_cmpuint(sent->len, ==, 1 + STORM_THRESHOLD);
    qemu_clock_advance_virtual(now + STORM_DELAY_NS);
    g_assert_cmpuint(sent->len, ==, 2 + STORM_THRESHOLD);
    /* The line let go once: re-delivery is immediate again. */
    pin_set(&f, 20, 0);
    pin_set(&f, 20, 1);
    apic_bus_broadcast_eoi(0x90);
    g_assert_cmpuint(sent->len, ==, 3 + STORM_THRESHOLD);
    apic_bus_broadcast_eoi(0x90);
    g_assert_cmpuint(sent->len, ==, 4 + STORM_THRESHOLD);
    fixture_fini(&f);
}

/* ---- state, info ---- */

static void test_state_round_trip_redelivers_pending_level(void)
{
    Fixture f;
    IOAPICSavedState st;
    GError *err = NULL;

    fixture_init(&f, NULL);
    reg_write(&f, IOAPIC_REG_ID, 0x02000000);
    rte_write(&f, 6, LO_MASKED | LO_LEVEL | 0x66, 4);
    pin_set(&f, 6, 1);
    ioapic_get_state(f.dev, &st);
    g_assert_cmpuint(st.id, ==, 2);
    g_assert_cmphex(st.pin_level, ==, 1u << 6);
    g_assert_cmphex(st.irr, ==, 1u << 6);

    device_reset(f.dev);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0);
    st.ioredtbl[6] &= ~IOAPIC_RTE_MASKED;
    g_assert_true(ioapic_set_state(f.dev, &st, &err));
    g_assert_no_error(err);
    g_assert_cmphex(reg_read(&f, IOAPIC_REG_ID), ==, 0x02000000);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmpuint(last_msg()->dest, ==, 4);

    st.id = 16;
    g_assert_false(ioapic_set_state(f.dev, &st, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    fixture_fini(&f);
}

static void test_info_decodes_entries_and_counts_gsis(void)
{
    Fixture f;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) irq = g_string_new(NULL);

    fixture_init(&f, NULL);
    rte_write(&f, 1, LO_LEVEL | LO_LOGICAL | LO_DM(APIC_DM_LOWPRI) | 0x31,
              0x03);
    pin_set(&f, 1, 1);
    pin_set(&f, 2, 1);
    pin_set(&f, 2, 0);
    pin_set(&f, 2, 1);
    ioapic_info(out);
    g_assert_nonnull(strstr(out->str, "ioapic0: ver=0x20 id=0x00 sel=0x12 "
                                      "(redir[1])\n"));
    g_assert_nonnull(strstr(out->str,
                            "  pin 1  0x030000000000c931 dest=0x03 vec=49  "
                            "active-hi level        lowest logical\n"));
    g_assert_nonnull(strstr(out->str,
                            "  pin 0  0x0000000000010000 dest=0x00 vec=0   "
                            "active-hi edge  masked fixed  physical\n"));
    g_assert_nonnull(strstr(out->str, "  IRR        1\n"));
    g_assert_nonnull(strstr(out->str, "  Remote IRR 1\n"));
    ioapic_info_irq(irq);
    g_assert_cmpstr(irq->str, ==, "IRQ statistics for ioapic:\n"
                                  " 1: 1\n"
                                  " 2: 2\n");
    fixture_fini(&f);
}

/* ---- MSI window ---- */

static void test_msi_write_decoded_and_delivered(void)
{
    MemoryRegion root, *win;
    AddressSpace as;
    const ApicMessage *m;
    uint64_t v = 0;

    if (!sent) {
        sent = g_array_new(false, true, sizeof(ApicMessage));
    }
    g_array_set_size(sent, 0);
    apic_bus_set_backend(&record_ops);
    memory_region_init(&root, "msi-root", UINT64_MAX);
    address_space_init(&as, &root, "msi");
    win = msi_window_init(&root);

    /* dest 0x12, RH, logical; vector 0x45, lowest priority, level assert */
    address_space_st(&as, 0xfee12000 | 0x8 | 0x4, 4,
                     0x45 | (1 << 8) | (1 << 14) | (1 << 15));
    g_assert_cmpuint(sent->len, ==, 1);
    m = last_msg();
    g_assert_cmpint(m->source, ==, APIC_SRC_MSI);
    g_assert_cmpuint(m->dest, ==, 0x12);
    g_assert_true(m->redir_hint);
    g_assert_true(m->dest_logical);
    g_assert_cmpuint(m->vector, ==, 0x45);
    g_assert_cmpint(m->delivery_mode, ==, APIC_DM_LOWPRI);
    g_assert_true(m->trigger_level);
    g_assert_true(m->level);

    /* Byte writes are not MSIs; reads return all ones. */
    address_space_st(&as, 0xfee00000, 1, 0x30);
    g_assert_cmpuint(sent->len, ==, 1);
    g_assert_cmpint(address_space_ld(&as, 0xfee00000, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0xffffffff);

    msi_window_destroy(&root, win);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    apic_bus_set_backend(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/reset/every-entry-masked",
                    test_reset_masks_every_entry);
    g_test_add_func("/ioapic/id/only-bits-27-24-writable",
                    test_id_only_bits_27_24_writable);
    g_test_add_func("/ioapic/arb/mirrors-id-and-read-only",
                    test_arbitration_id_mirrors_id_and_is_read_only);
    g_test_add_func("/ioapic/version/0x20-default-read-only",
                    test_version_0x20_default_read_only);
    g_test_add_func("/ioapic/version/0x11-property",
                    test_version_0x11_property);
    g_test_add_func("/ioapic/version/other-values-rejected",
                    test_version_other_values_rejected);
    g_test_add_func("/ioapic/rte/read-only-bits-not-writable",
                    test_rte_read_only_bits_not_writable);
    g_test_add_func("/ioapic/ioregsel/reads-back-missing-register-zero",
                    test_ioregsel_reads_back_and_missing_register_reads_zero);
    g_test_add_func("/ioapic/edge/delivers-on-each-rising-edge",
                    test_edge_delivers_on_each_rising_edge);
    g_test_add_func("/ioapic/edge/masked-edge-is-lost",
                    test_edge_while_masked_is_lost);
    g_test_add_func("/ioapic/level/remote-irr-and-redelivery-after-eoi",
                    test_level_sets_remote_irr_and_redelivers_after_eoi);
    g_test_add_func("/ioapic/level/unmask-delivers-asserted-line",
                    test_level_unmask_delivers_asserted_line);
    g_test_add_func("/ioapic/level/deasserted-before-unmask-not-delivered",
                    test_level_deasserted_before_unmask_not_delivered);
    g_test_add_func("/ioapic/level/switch-to-edge-clears-remote-irr",
                    test_switch_to_edge_clears_remote_irr);
    g_test_add_func("/ioapic/eoi-register/clears-remote-irr",
                    test_eoi_register_clears_remote_irr);
    g_test_add_func("/ioapic/eoi-register/absent-in-version-0x11",
                    test_eoi_register_absent_in_version_0x11);
    g_test_add_func("/ioapic/polarity/active-low-level-asserted-while-low",
                    test_active_low_level_asserted_while_pin_low);
    g_test_add_func("/ioapic/polarity/active-low-edge-fires-on-falling-pin",
                    test_active_low_edge_fires_on_falling_pin);
    g_test_add_func("/ioapic/delivery/lowest-priority-logical-passes-through",
                    test_lowest_priority_logical_passes_through);
    g_test_add_func("/ioapic/delivery/nmi-programmed-level-acts-as-edge",
                    test_nmi_programmed_level_acts_as_edge);
    g_test_add_func("/ioapic/delivery/smi-init-extint-pass-through",
                    test_smi_init_extint_pass_through);
    g_test_add_func("/ioapic/delivery/reserved-modes-send-nothing",
                    test_reserved_delivery_modes_send_nothing);
    g_test_add_func("/ioapic/storm/damped-but-not-lost",
                    test_storm_damped_but_not_lost);
    g_test_add_func("/ioapic/state/round-trip-redelivers-pending-level",
                    test_state_round_trip_redelivers_pending_level);
    g_test_add_func("/ioapic/info/decodes-entries-and-counts-gsis",
                    test_info_decodes_entries_and_counts_gsis);
    g_test_add_func("/msi/window/write-decoded-and-delivered",
                    test_msi_write_decoded_and_delivered);
    return g_test_run();
}
