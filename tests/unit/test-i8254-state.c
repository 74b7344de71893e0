/*
 * Unit tests of the 8254's common part (hw/timer/i8254_common.c): every
 * field of the plain state through save and load, the KVM-shaped fields on
 * their own, refusal of states no counter can be in, and a real "isa-pit"
 * device on the qtest-mode virtual clock whose state, saved mid-count and
 * restored over a reprogrammed PIT, keeps counting and raises ISA IRQ 0 at
 * the CLK edge it would have without the interruption.
 */
#include "qemu/osdep.h"
#include "hw/timer/i8254.h"
#include "hw/isa.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"

/* Control word (8254 datasheet, Figure 7): counter, RW, mode, BCD. */
#define CW(sc, rw, mode, bcd) (((sc) << 6) | ((rw) << 4) | ((mode) << 1) | (bcd))
#define PIT_CONTROL 0x43

/* --- a PIT on the ISA IRQ lines, with IRQ 0 recorded --- */

static qemu_irq *isa_irqs;
static bool irq0_level;
static int irq0_rises;
static int64_t irq0_last_rise_ns;

static void isa_irq_handler(void *opaque, int n, int level)
{
    if (n != 0) {
        return;
    }
    if (level && !irq0_level) {
        irq0_rises++;
        irq0_last_rise_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    }
    irq0_level = level;
}

/* The board's PIT, as /machine/pit at 0x40 with OUT0 on ISA IRQ 0; each
 * test frees it again. */
static DeviceState *pit_new(void)
{
    GError *err = NULL;
    DeviceState *dev = i8254_create(&err);

    g_assert_no_error(err);
    g_assert_nonnull(dev);
    device_reset(dev);
    irq0_level = false;
    irq0_rises = 0;
    return dev;
}

static void outb(uint16_t port, uint8_t v)
{
    g_assert_cmpint(address_space_write(&address_space_io, port, &v, 1), ==,
                    MEMTX_OK);
}

static uint8_t inb(uint16_t port)
{
    uint8_t v = 0;

    address_space_read(&address_space_io, port, &v, 1);
    return v;
}

static void load(int ch, int mode, uint16_t count)
{
    outb(PIT_CONTROL, CW(ch, 3, mode, 0));
    outb(PIT_IOBASE + ch, count & 0xff);
    outb(PIT_IOBASE + ch, count >> 8);
}

static uint16_t latched_count(int ch)
{
    uint16_t lo, hi;

    outb(PIT_CONTROL, CW(ch, 0, 0, 0));
    lo = inb(PIT_IOBASE + ch);
    hi = inb(PIT_IOBASE + ch);
    return lo | hi << 8;
}

static uint64_t now_ticks(void)
{
    return pit_ticks_from_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/* Move the virtual clock to the first ns of CLK edge k (timers run). */
static void run_to_tick(uint64_t k)
{
    qemu_clock_advance_virtual(pit_ns_from_ticks(k));
    g_assert_cmpuint(now_ticks(), ==, k);
}

/* --- every field through save and load --- */

static PITChannelSavedState sample_state(uint64_t tick)
{
    /* Mode 2 (written as 6), counting 3000 with GATE low since 40 edges,
     * 7 edges held earlier, a new count of 500 waiting for the cycle end,
     * LSB then MSB access with the MSB of the next read and write due, a
     * count latch half read and a status latch pending. */
    PITChannelSavedState st = {
        .count = 3000,
        .latched_count = 0x1234,
        .count_latched = PIT_RW_STATE_WORD1,
        .status_latched = 1,
        .status = 0xbc,
        .read_state = PIT_RW_STATE_WORD1,
        .write_state = PIT_RW_STATE_WORD1,
        .write_latch = 0x5a,
        .rw_mode = PIT_RW_WORD,
        .mode = 6,
        .bcd = 0,
        .gate = 0,
        .timeline = true,
        .count_written = true,
        .cr = 500,
        .running = true,
        .load_tick = tick - 1000,
        .paused_ticks = 7,
        .paused = true,
        .paused_since = tick - 40,
        .phase = 0,
        .preload_out = true,
        .preload_ce = 4321,
        .idle_out = true,
        .idle_ce = 77,
        .pending = true,
        .pending_count = 500,
        .pending_elapsed = 3000,
        .pending_phase = 0,
        .null_until = PIT_NO_EVENT,
    };

    st.count_load_time = pit_ns_from_ticks(tick - 1000 + 7 + 40);
    st.out = 1;         /* GATE low forces OUT high in mode 2 */
    return st;
}

static void assert_same_state(const PITChannelSavedState *a,
                              const PITChannelSavedState *b)
{
    g_assert_cmpuint(a->count, ==, b->count);
    g_assert_cmphex(a->latched_count, ==, b->latched_count);
    g_assert_cmpuint(a->count_latched, ==, b->count_latched);
    g_assert_cmpuint(a->status_latched, ==, b->status_latched);
    g_assert_cmphex(a->status, ==, b->status);
    g_assert_cmpuint(a->read_state, ==, b->read_state);
    g_assert_cmpuint(a->write_state, ==, b->write_state);
    g_assert_cmphex(a->write_latch, ==, b->write_latch);
    g_assert_cmpuint(a->rw_mode, ==, b->rw_mode);
    g_assert_cmpuint(a->mode, ==, b->mode);
    g_assert_cmpuint(a->bcd, ==, b->bcd);
    g_assert_cmpuint(a->gate, ==, b->gate);
    g_assert_cmpint(a->count_load_time, ==, b->count_load_time);
    g_assert_cmpuint(a->out, ==, b->out);
    g_assert_cmpint(a->timeline, ==, b->timeline);
    g_assert_cmpint(a->count_written, ==, b->count_written);
    g_assert_cmpuint(a->cr, ==, b->cr);
    g_assert_cmpint(a->running, ==, b->running);
    g_assert_cmpuint(a->load_tick, ==, b->load_tick);
    g_assert_cmpuint(a->paused_ticks, ==, b->paused_ticks);
    g_assert_cmpint(a->paused, ==, b->paused);
    g_assert_cmpuint(a->paused_since, ==, b->paused_since);
    g_assert_cmpuint(a->phase, ==, b->phase);
    g_assert_cmpint(a->preload_out, ==, b->preload_out);
    g_assert_cmpuint(a->preload_ce, ==, b->preload_ce);
    g_assert_cmpint(a->idle_out, ==, b->idle_out);
    g_assert_cmpuint(a->idle_ce, ==, b->idle_ce);
    g_assert_cmpint(a->pending, ==, b->pending);
    g_assert_cmpuint(a->pending_count, ==, b->pending_count);
    g_assert_cmpuint(a->pending_elapsed, ==, b->pending_elapsed);
    g_assert_cmpuint(a->pending_phase, ==, b->pending_phase);
    g_assert_cmpuint(a->null_until, ==, b->null_until);
}

static void test_save_load_round_trips_every_field(void)
{
    const uint64_t tick = 1000000;
    PITChannelSavedState st = sample_state(tick), back;
    GError *err = NULL;
    PITChannel c;

    g_assert_true(pit_channel_load(&c, &st, tick, &err));
    g_assert_no_error(err);
    pit_channel_save(&c, tick, &back);
    assert_same_state(&st, &back);
    /* The state it describes: 3000 - (1000 - 7 - 40) edges counted. */
    g_assert_cmpuint(pit_channel_count(&c, tick), ==, 3000 - 953);
    g_assert_true(pit_channel_out(&c, tick));
}

static void test_kvm_fields_alone_load_and_save_back(void)
{
    const uint64_t tick = 500000;
    PITChannelSavedState st = {
        .count = 0x2000,
        .latched_count = 0x0102,
        .count_latched = PIT_RW_STATE_WORD0,
        .status = 0x36,
        .read_state = PIT_RW_STATE_WORD0,
        .write_state = PIT_RW_STATE_WORD0,
        .rw_mode = PIT_RW_WORD,
        .mode = 3,
        .gate = 1,
        /* On a CLK edge: KVM's nanoseconds round to the edge otherwise. */
        .count_load_time = pit_ns_from_ticks(tick - 0x100),
    };
    PITChannelSavedState back;
    GError *err = NULL;
    PITChannel c;

    g_assert_true(pit_channel_load(&c, &st, tick, &err));
    g_assert_no_error(err);
    pit_channel_save(&c, tick, &back);
    g_assert_cmpuint(back.count, ==, st.count);
    g_assert_cmphex(back.latched_count, ==, st.latched_count);
    g_assert_cmpuint(back.count_latched, ==, st.count_latched);
    g_assert_cmpuint(back.status_latched, ==, st.status_latched);
    g_assert_cmphex(back.status, ==, st.status);
    g_assert_cmpuint(back.read_state, ==, st.read_state);
    g_assert_cmpuint(back.write_state, ==, st.write_state);
    g_assert_cmphex(back.write_latch, ==, st.write_latch);
    g_assert_cmpuint(back.rw_mode, ==, st.rw_mode);
    g_assert_cmpuint(back.mode, ==, st.mode);
    g_assert_cmpuint(back.bcd, ==, st.bcd);
    g_assert_cmpuint(back.gate, ==, st.gate);
    g_assert_cmpint(back.count_load_time, ==, st.count_load_time);
    /* Mode 3 with N = 0x2000, 0x100 edges in: CE falls 2 per edge in the
     * high half. */
    g_assert_cmpuint(pit_channel_count(&c, tick), ==, 0x2000 - 2 * 0x100);
    g_assert_true(pit_channel_out(&c, tick));
    /* KVM's reset value of mode: the power-on counter. */
    st.mode = PIT_MODE_UNPROGRAMMED;
    g_assert_true(pit_channel_load(&c, &st, tick, &err));
    g_assert_false(c.running);
    g_assert_false(pit_channel_out(&c, tick));
}

static void test_impossible_states_refused_changing_nothing(void)
{
    DeviceState *dev = pit_new();
    PITSavedState good, bad;
    GError *err = NULL;

    load(0, 2, 1234);
    run_to_tick(now_ticks() + 1);       /* the load edge */
    i8254_get_state(dev, &good);

    bad = good;
    bad.ch[1].mode = 8;
    g_assert_false(i8254_set_state(dev, &bad, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "counter 1"));
    g_clear_error(&err);

    bad = good;
    bad.ch[0].count = 70000;
    g_assert_false(i8254_set_state(dev, &bad, &err));
    g_clear_error(&err);

    bad = good;
    bad.ch[0].rw_mode = PIT_RW_LSB;
    bad.ch[0].read_state = PIT_RW_STATE_WORD1;
    g_assert_false(i8254_set_state(dev, &bad, &err));
    g_clear_error(&err);

    bad = good;
    bad.ch[0].count = 0;        /* a running timeline divides by it */
    g_assert_false(i8254_set_state(dev, &bad, &err));
    g_clear_error(&err);

    /* Still the counter programmed above. */
    g_assert_cmpuint(latched_count(0), ==, 1234);
    qdev_unrealize_and_free(dev);
}

/* --- a restored state keeps counting --- */

static void test_restore_mid_count_continues_and_irq0_fires_on_time(void)
{
    DeviceState *dev = pit_new();
    PITSavedState saved, again;
    GError *err = NULL;
    uint64_t t0, fire;
    uint16_t at_save;

    /* Mode 0, N = 10000: OUT0 (IRQ 0) rises N edges after the load edge. */
    t0 = now_ticks();
    load(0, 0, 10000);
    fire = t0 + 1 + 10000;
    run_to_tick(t0 + 1 + 4000);
    at_save = latched_count(0);
    g_assert_cmpuint(at_save, ==, 6000);
    i8254_get_state(dev, &saved);
    g_assert_false(irq0_level);

    /* Perturb at the same instant: the longest count (its timer would
     * fire 65536 edges on, long after the restored count ends), and
     * counter 2 reprogrammed. */
    load(0, 0, 0);
    load(2, 2, 50);
    i8254_get_state(dev, &again);
    g_assert_cmpuint(again.ch[0].count, ==, 65536);
    g_assert_cmpuint(again.ch[2].mode, ==, 2);

    g_assert_true(i8254_set_state(dev, &saved, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(latched_count(0), ==, at_save);
    i8254_get_state(dev, &again);
    g_assert_cmpint(memcmp(&again, &saved, sizeof(saved)), ==, 0);

    run_to_tick(now_ticks() + 200);
    g_assert_false(irq0_level);
    g_assert_cmpuint(latched_count(0), ==, at_save - 200);
    /* IRQ 0 rises at the original terminal count, not an edge earlier. */
    run_to_tick(fire - 1);
    g_assert_false(irq0_level);
    g_assert_cmpuint(latched_count(0), ==, 1);
    qemu_clock_advance_virtual(pit_ns_from_ticks(fire));
    g_assert_true(irq0_level);
    g_assert_cmpint(irq0_rises, ==, 1);
    g_assert_cmpint(irq0_last_rise_ns, ==, pit_ns_from_ticks(fire));

    /* OUT0 high saved; a control word drives it low; the restore drives
     * IRQ 0 high again at once. */
    i8254_get_state(dev, &saved);
    outb(PIT_CONTROL, CW(0, 3, 0, 0));
    g_assert_false(irq0_level);
    g_assert_true(i8254_set_state(dev, &saved, &err));
    g_assert_true(irq0_level);
    qdev_unrealize_and_free(dev);
}

static void test_restore_keeps_rate_generator_period(void)
{
    DeviceState *dev = pit_new();
    PITSavedState saved;
    GError *err = NULL;
    uint64_t t0;
    int rises;

    /* Mode 2, N = 1000: OUT0 low for the edge where CE is 1, high again on
     * the next, so IRQ 0 rises at load + k * N for k >= 1. */
    t0 = now_ticks();
    load(0, 2, 1000);       /* the control word itself drives OUT high */
    run_to_tick(t0 + 1 + 1500);
    rises = irq0_rises;
    g_assert_cmpint(irq0_last_rise_ns, ==, pit_ns_from_ticks(t0 + 1 + 1000));
    i8254_get_state(dev, &saved);
    load(0, 2, 7);
    g_assert_true(i8254_set_state(dev, &saved, &err));
    g_assert_no_error(err);
    run_to_tick(t0 + 1 + 2000 - 1);
    g_assert_false(irq0_level);     /* the low edge of the second period */
    g_assert_cmpint(irq0_rises, ==, rises);
    run_to_tick(t0 + 1 + 3000);
    g_assert_cmpint(irq0_rises, ==, rises + 2);
    g_assert_cmpint(irq0_last_rise_ns, ==, pit_ns_from_ticks(t0 + 1 + 3000));
    qdev_unrealize_and_free(dev);
}

static void test_info_prints_each_counter(void)
{
    DeviceState *dev = pit_new();
    g_autoptr(GString) out = g_string_new("");

    load(0, 2, 1000);
    run_to_tick(now_ticks() + 11);
    i8254_info(i8254_from_device(dev), out);
    g_assert_nonnull(strstr(out->str, "counter 0: mode=2 rw=3 bcd=0 gate=1 "
                            "out=1 count=990 initial=1000 null=0\n"));
    g_assert_nonnull(strstr(out->str, "counter 2: mode=0 rw=3 bcd=0 gate=0 "
                            "out=0 count=0 initial=0 null=1\n"));
    qdev_unrealize_and_free(dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_system_init();
    qemu_clock_set_qtest_mode(true);
    isa_irqs = qemu_allocate_irqs(isa_irq_handler, NULL, ISA_NUM_IRQS);
    isa_bus_set_irqs(isa_irqs, ISA_NUM_IRQS);

    g_test_add_func("/i8254/state/save-load-round-trips-every-field",
                    test_save_load_round_trips_every_field);
    g_test_add_func("/i8254/state/kvm-fields-alone-load-and-save-back",
                    test_kvm_fields_alone_load_and_save_back);
    g_test_add_func("/i8254/state/impossible-states-refused-changing-nothing",
                    test_impossible_states_refused_changing_nothing);
    g_test_add_func("/i8254/state/restore-mid-count-continues-irq0-on-time",
                    test_restore_mid_count_continues_and_irq0_fires_on_time);
    g_test_add_func("/i8254/state/restore-keeps-rate-generator-period",
                    test_restore_keeps_rate_generator_period);
    g_test_add_func("/i8254/info/prints-each-counter",
                    test_info_prints_each_counter);
    return g_test_run();
}
