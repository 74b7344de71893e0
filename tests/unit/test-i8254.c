/*
 * Unit tests of the pure logic behind the PIT and the PIC: the CLK
 * arithmetic on the virtual clock, the 8254 counting element driven tick by
 * tick without a clock, and one 8259A chip's priority resolution.
 */
#include "qemu/osdep.h"
#include "hw/timer/i8254.h"
#include "hw/intc/i8259.h"

static void test_ticks_round_trip_exactly(void)
{
    /* One second holds exactly PIT_FREQ edges. */
    g_assert_cmpuint(pit_ticks_from_ns(NANOSECONDS_PER_SECOND), ==, PIT_FREQ);
    g_assert_cmpuint(pit_ticks_from_ns(0), ==, 0);
    g_assert_cmpuint(pit_ticks_from_ns(838), ==, 0);
    g_assert_cmpuint(pit_ticks_from_ns(839), ==, 1);
    for (uint64_t k = 0; k < 100000; k += 7) {
        int64_t t = pit_ns_from_ticks(k);

        g_assert_cmpuint(pit_ticks_from_ns(t), ==, k);
        if (t > 0) {
            g_assert_cmpuint(pit_ticks_from_ns(t - 1), ==, k - 1);
        }
    }
    /* Far into the run: no overflow, no drift. */
    g_assert_cmpuint(pit_ticks_from_ns(3600LL * NANOSECONDS_PER_SECOND *
                                       24 * 365), ==,
                     (uint64_t)PIT_FREQ * 3600 * 24 * 365);
}

static void load_count(PITChannel *c, uint16_t count, uint64_t tick)
{
    pit_channel_write(c, count & 0xff, tick);
    pit_channel_write(c, count >> 8, tick);
}

static void test_mode3_odd_count_steps(void)
{
    PITChannel c;
    /* CE after each CLK from the load for N = 5: high 3 CLKs, low 2. */
    static const uint32_t ce[] = { 5, 4, 2, 5, 2, 5, 4, 2, 5, 2 };
    static const bool out[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };

    pit_channel_reset(&c, true);
    pit_channel_control(&c, 3, 3, false, 100);
    load_count(&c, 5, 100);
    for (unsigned i = 0; i < G_N_ELEMENTS(ce); i++) {
        g_assert_cmpuint(pit_channel_count(&c, 101 + i), ==, ce[i]);
        g_assert_cmpint(pit_channel_out(&c, 101 + i), ==, out[i]);
    }
}

static void test_next_event_follows_out_transitions(void)
{
    PITChannel c;
    uint64_t t = 10;

    pit_channel_reset(&c, true);
    pit_channel_control(&c, 2, 3, false, t);
    load_count(&c, 4, t);
    /* Load at 11; OUT low at 14, high at 15, low at 18 ... */
    g_assert_cmpuint(pit_channel_next_event(&c, t), ==, 11);
    g_assert_cmpuint(pit_channel_next_event(&c, 11), ==, 14);
    g_assert_false(pit_channel_out(&c, 14));
    g_assert_cmpuint(pit_channel_next_event(&c, 14), ==, 15);
    g_assert_cmpuint(pit_channel_next_event(&c, 15), ==, 18);
    /* Mode 0 after terminal count has nothing more to say. */
    pit_channel_control(&c, 0, 3, false, 20);
    load_count(&c, 3, 20);
    g_assert_cmpuint(pit_channel_next_event(&c, 21), ==, 24);
    g_assert_cmpuint(pit_channel_next_event(&c, 24), ==, PIT_NO_EVENT);
}

static void test_mode3_new_count_starts_at_half_cycle(void)
{
    PITChannel c;

    pit_channel_reset(&c, true);
    pit_channel_control(&c, 3, 3, false, 0);
    load_count(&c, 10, 0);              /* load at 1: high 1-5, low 6-10 */
    load_count(&c, 4, 3);               /* takes effect at 6, going low */
    g_assert_cmpuint(pit_channel_next_event(&c, 3), ==, 6);
    g_assert_false(pit_channel_out(&c, 6));
    g_assert_cmpuint(pit_channel_count(&c, 6), ==, 4);
    /* New low half of 2, then high 2. */
    g_assert_false(pit_channel_out(&c, 7));
    g_assert_true(pit_channel_out(&c, 8));
    g_assert_true(pit_channel_out(&c, 9));
    g_assert_false(pit_channel_out(&c, 10));
}

static void test_pic_priority_follows_rotation(void)
{
    PICChip c;

    i8259_chip_reset(&c, 0xf8);
    c.irr = 0x81;
    g_assert_cmpint(i8259_chip_pending(&c, 0), ==, 0);
    c.hprio = 5;
    g_assert_cmpint(i8259_chip_pending(&c, 0), ==, 7);
    c.isr = 0x40;                       /* IR6 ranks above IR7 now */
    g_assert_cmpint(i8259_chip_pending(&c, 0), ==, -1);
    c.imr = 0x80;
    g_assert_cmpint(i8259_chip_highest(&c, c.irr & ~c.imr), ==, 0);
    g_assert_cmpint(i8259_chip_pending(&c, 0), ==, -1);
}

static void test_pic_sfnm_only_reopens_cascade_level(void)
{
    PICChip c;

    i8259_chip_reset(&c, 0xf8);
    c.isr = 0x04;
    c.irr = 0x04;
    g_assert_cmpint(i8259_chip_pending(&c, 0x04), ==, -1);
    c.sfnm = true;
    g_assert_cmpint(i8259_chip_pending(&c, 0x04), ==, 2);
    g_assert_cmpint(i8259_chip_pending(&c, 0x00), ==, -1);
    c.irr = 0x08;
    g_assert_cmpint(i8259_chip_pending(&c, 0x04), ==, -1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/clk/ticks-round-trip-exactly",
                    test_ticks_round_trip_exactly);
    g_test_add_func("/i8254/mode3/odd-count-steps",
                    test_mode3_odd_count_steps);
    g_test_add_func("/i8254/next-event/follows-out-transitions",
                    test_next_event_follows_out_transitions);
    g_test_add_func("/i8254/mode3/new-count-starts-at-half-cycle",
                    test_mode3_new_count_starts_at_half_cycle);
    g_test_add_func("/i8259/priority/follows-rotation",
                    test_pic_priority_follows_rotation);
    g_test_add_func("/i8259/sfnm/only-reopens-cascade-level",
                    test_pic_sfnm_only_reopens_cascade_level);
    return g_test_run();
}
