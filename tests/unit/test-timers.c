/*
 * Unit tests for the clocks and timers (softmmu/timers.c): the virtual clock
 * in qtest mode (advance runs timers in deadline order, at their deadlines),
 * re-arming and deleting timers, deadline queries, and the normal-mode
 * virtual clock that stands still while disabled, and the -icount clock
 * (instruction counted: bias + count << shift, budgets to the deadline,
 * warps, timers run by the accelerator). Also the main loop's timer handling
 * (softmmu/main-loop.c) with realtime timers.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"

#include <unistd.h>

#define MAX_FIRES 64

typedef struct FireLog {
    int n;
    int ids[MAX_FIRES];
    int64_t when[MAX_FIRES];    /* virtual clock as the callback saw it */
} FireLog;

typedef struct TestTimer {
    QEMUTimer *timer;
    FireLog *log;
    int id;
    int64_t period;             /* > 0: re-arm at deadline + period */
    int64_t deadline;
    int max_fires;              /* stop re-arming after this many */
    int fires;
} TestTimer;

static void test_timer_cb(void *opaque)
{
    TestTimer *t = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    g_assert_cmpint(t->log->n, <, MAX_FIRES);
    t->log->ids[t->log->n] = t->id;
    t->log->when[t->log->n] = now;
    t->log->n++;
    t->fires++;
    if (t->period > 0 && t->fires < t->max_fires) {
        t->deadline += t->period;
        timer_mod(t->timer, t->deadline);
    }
}

static void test_timer_init(TestTimer *t, FireLog *log, int id)
{
    memset(t, 0, sizeof(*t));
    t->log = log;
    t->id = id;
    t->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, test_timer_cb, t);
}

static void test_timer_arm(TestTimer *t, int64_t deadline)
{
    t->deadline = deadline;
    timer_mod(t->timer, deadline);
}

/* Put the virtual clock in qtest mode; returns its current value. */
static int64_t enter_qtest_mode(void)
{
    qemu_clock_set_qtest_mode(true);
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void test_qtest_clock_moves_only_on_advance(void)
{
    int64_t base = enter_qtest_mode();

    qemu_clock_enable_virtual(true);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, base);
    qemu_clock_advance_virtual(base + 12345);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, base + 12345);
    /* qemu_clock_run_timers leaves qtest-mode virtual timers alone. */
    g_assert_false(qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL));
    qemu_clock_enable_virtual(false);
}

static void test_advance_runs_in_deadline_order(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer t[3];

    for (int i = 0; i < 3; i++) {
        test_timer_init(&t[i], &log, i);
    }
    /* Armed out of order; two share nothing, one is past the target. */
    test_timer_arm(&t[0], base + 300);
    test_timer_arm(&t[1], base + 100);
    test_timer_arm(&t[2], base + 200);

    qemu_clock_advance_virtual(base + 250);
    g_assert_cmpint(log.n, ==, 2);
    g_assert_cmpint(log.ids[0], ==, 1);
    g_assert_cmpint(log.when[0], ==, base + 100);
    g_assert_cmpint(log.ids[1], ==, 2);
    g_assert_cmpint(log.when[1], ==, base + 200);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, base + 250);
    g_assert_true(timer_pending(t[0].timer));
    g_assert_false(timer_pending(t[1].timer));

    qemu_clock_advance_virtual(base + 300);
    g_assert_cmpint(log.n, ==, 3);
    g_assert_cmpint(log.ids[2], ==, 0);
    g_assert_cmpint(log.when[2], ==, base + 300);

    for (int i = 0; i < 3; i++) {
        timer_free(t[i].timer);
    }
}

static void test_equal_deadlines_fire_in_arming_order(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer t[3];

    for (int i = 0; i < 3; i++) {
        test_timer_init(&t[i], &log, i);
        test_timer_arm(&t[i], base + 50);
    }
    qemu_clock_advance_virtual(base + 50);
    g_assert_cmpint(log.n, ==, 3);
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(log.ids[i], ==, i);
        timer_free(t[i].timer);
    }
}

static void test_rearming_callback_fires_repeatedly(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer periodic, other;

    test_timer_init(&periodic, &log, 7);
    periodic.period = 1000;
    periodic.max_fires = 100;
    test_timer_arm(&periodic, base + 1000);
    test_timer_init(&other, &log, 8);
    test_timer_arm(&other, base + 2500);

    qemu_clock_advance_virtual(base + 4000);
    /* 1000, 2000, (other at 2500), 3000, 4000 */
    g_assert_cmpint(log.n, ==, 5);
    int expect_ids[] = { 7, 7, 8, 7, 7 };
    int64_t expect_when[] = { 1000, 2000, 2500, 3000, 4000 };
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(log.ids[i], ==, expect_ids[i]);
        g_assert_cmpint(log.when[i], ==, base + expect_when[i]);
    }
    g_assert_cmpint(timer_expire_time_ns(periodic.timer), ==, base + 5000);
    timer_free(periodic.timer);
    timer_free(other.timer);
}

static void test_timer_del_prevents_firing(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer a, b;

    test_timer_init(&a, &log, 1);
    test_timer_init(&b, &log, 2);
    test_timer_arm(&a, base + 10);
    test_timer_arm(&b, base + 20);
    timer_del(a.timer);
    g_assert_false(timer_pending(a.timer));
    g_assert_cmpint(timer_expire_time_ns(a.timer), ==, -1);
    qemu_clock_advance_virtual(base + 100);
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.ids[0], ==, 2);
    /* Deleting twice, or a timer that never ran, is harmless. */
    timer_del(a.timer);
    timer_free(a.timer);
    timer_free(b.timer);
}

static void test_timer_mod_moves_deadline(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer a;

    test_timer_init(&a, &log, 1);
    test_timer_arm(&a, base + 10);
    test_timer_arm(&a, base + 500);
    qemu_clock_advance_virtual(base + 100);
    g_assert_cmpint(log.n, ==, 0);
    qemu_clock_advance_virtual(base + 500);
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.when[0], ==, base + 500);
    timer_free(a.timer);
}

static void test_past_deadline_fires_on_next_advance(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer a;

    qemu_clock_advance_virtual(base + 1000);
    test_timer_init(&a, &log, 1);
    test_timer_arm(&a, base + 10);
    qemu_clock_advance_virtual(base + 1000);
    g_assert_cmpint(log.n, ==, 1);
    /* The clock never goes back to an old deadline. */
    g_assert_cmpint(log.when[0], ==, base + 1000);
    timer_free(a.timer);
}

static void test_deadline_query(void)
{
    int64_t base = enter_qtest_mode();
    FireLog log = { 0 };
    TestTimer a, b;

    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, -1);
    test_timer_init(&a, &log, 1);
    test_timer_init(&b, &log, 2);
    test_timer_arm(&a, base + 900);
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, base + 900);
    test_timer_arm(&b, base + 400);
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, base + 400);
    g_assert_cmpint(timer_expire_time_ns(a.timer), ==, base + 900);
    timer_del(b.timer);
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, base + 900);
    timer_free(a.timer);
    g_assert_cmpint(qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL), ==, -1);
    timer_free(b.timer);
}

static void test_normal_mode_disable_freezes_virtual_time(void)
{
    int64_t t0, t1, t2, t3;

    qemu_clock_set_qtest_mode(false);
    qemu_clock_enable_virtual(false);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(5000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t0);

    qemu_clock_enable_virtual(true);
    g_usleep(5000);
    t1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(t1 - t0, >=, 5 * SCALE_MS);

    qemu_clock_enable_virtual(false);
    t2 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(t2, >=, t1);
    g_usleep(50000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t2);

    /* Enabling resumes from the frozen value: the pause is not counted. */
    qemu_clock_enable_virtual(true);
    t3 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(t3, >=, t2);
    g_assert_cmpint(t3 - t2, <, 40 * SCALE_MS);
    qemu_clock_enable_virtual(false);
}

static void test_normal_mode_run_timers_respects_enable(void)
{
    FireLog log = { 0 };
    TestTimer a;
    int64_t now;

    qemu_clock_set_qtest_mode(false);
    qemu_clock_enable_virtual(false);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    test_timer_init(&a, &log, 1);
    test_timer_arm(&a, now);
    g_assert_false(qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL));
    g_assert_cmpint(log.n, ==, 0);
    qemu_clock_enable_virtual(true);
    g_assert_true(qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL));
    g_assert_cmpint(log.n, ==, 1);
    qemu_clock_enable_virtual(false);
    timer_free(a.timer);
}

/* -icount: an instruction counter the tests move by hand. */
static uint64_t fake_insns;
static int notifies;

static uint64_t fake_insn_count(void)
{
    return fake_insns;
}

static void fake_notify(void)
{
    notifies++;
}

/* Turn -icount on with the fake counter at 0; returns the clock then. */
static int64_t enter_icount_mode(int shift)
{
    qemu_clock_set_qtest_mode(false);
    fake_insns = 0;
    notifies = 0;
    icount_configure(shift, false);
    icount_set_counter(fake_insn_count, fake_notify);
    qemu_clock_enable_virtual(true);
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void leave_icount_mode(void)
{
    qemu_clock_enable_virtual(false);
    icount_set_counter(NULL, NULL);
    icount_configure(-1, true);
}

static void test_icount_clock_counts_instructions(void)
{
    int64_t t0 = enter_icount_mode(3);

    /* host time passing does not move it */
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t0);
    /* each instruction is 2^3 ns */
    fake_insns = 1000;
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t0 + 8000);
    /* a pause does not move it either */
    qemu_clock_enable_virtual(false);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t0 + 8000);
    leave_icount_mode();
}

static void test_icount_budget_ends_at_deadline(void)
{
    FireLog log = { 0 };
    TestTimer a;
    int64_t t0 = enter_icount_mode(2);

    g_assert_cmpint(icount_budget(), ==, -1);
    test_timer_init(&a, &log, 1);
    /* 4 ns per instruction: 1001 ns away needs 251 instructions, rounded
     * up so that the clock has reached the deadline when they are done */
    test_timer_arm(&a, t0 + 1001);
    g_assert_cmpint(notifies, ==, 1);
    g_assert_cmpint(icount_budget(), ==, 251);
    fake_insns = 250;
    g_assert_cmpint(icount_budget(), ==, 1);
    g_assert_false(icount_run_timers());
    fake_insns = 251;
    g_assert_cmpint(icount_budget(), ==, 0);
    /* the main loop leaves virtual timers to the accelerator */
    g_assert_false(qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL));
    g_assert_cmpint(log.n, ==, 0);
    g_assert_true(icount_run_timers());
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.when[0], ==, t0 + 1004);
    timer_free(a.timer);
    leave_icount_mode();
}

static void test_icount_warp_jumps_to_deadline(void)
{
    FireLog log = { 0 };
    TestTimer a;
    int64_t t0 = enter_icount_mode(0);

    test_timer_init(&a, &log, 1);
    test_timer_arm(&a, t0 + 5 * SCALE_MS);
    icount_warp(t0 + 5 * SCALE_MS);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t0 + 5 * SCALE_MS);
    g_assert_cmpint(icount_budget(), ==, 0);
    g_assert_true(icount_run_timers());
    g_assert_cmpint(log.n, ==, 1);
    /* never backwards; instructions count on from the warped value */
    icount_warp(t0);
    fake_insns = 10;
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==,
                    t0 + 5 * SCALE_MS + 10);
    timer_free(a.timer);
    leave_icount_mode();
}

static void test_realtime_follows_host(void)
{
    int64_t a = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    g_usleep(2000);
    int64_t b = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    g_assert_cmpint(b - a, >=, 2 * SCALE_MS);
}

static void realtime_cb(void *opaque)
{
    int64_t *fired_at = opaque;
    *fired_at = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
}

static void test_main_loop_sleeps_until_realtime_timer(void)
{
    int64_t fired_at = 0, start, deadline;
    QEMUTimer *t;

    qemu_init_main_loop();
    g_assert_true(bql_locked());
    t = timer_new_ns(QEMU_CLOCK_REALTIME, realtime_cb, &fired_at);
    start = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    deadline = start + 20 * SCALE_MS;
    timer_mod(t, deadline);
    while (!fired_at && qemu_clock_get_ns(QEMU_CLOCK_REALTIME) <
           start + 5 * NANOSECONDS_PER_SECOND) {
        main_loop_wait(true);
        g_assert_true(bql_locked());
    }
    g_assert_cmpint(fired_at, >=, deadline);
    /* Woken by the deadline, not by some far later event. */
    g_assert_cmpint(fired_at - deadline, <, NANOSECONDS_PER_SECOND);
    timer_free(t);
}

static gpointer notify_thread(gpointer opaque)
{
    g_usleep(20000);
    qemu_notify_event();
    return NULL;
}

static void test_notify_event_wakes_main_loop(void)
{
    int64_t start;
    GThread *th;

    qemu_init_main_loop();
    /* Consume wakeups left by earlier timer_mod calls. */
    main_loop_wait(false);
    main_loop_wait(false);
    start = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    th = g_thread_new("notify", notify_thread, NULL);
    /* No timers, no sources: only the notification can end this wait. */
    main_loop_wait(true);
    int64_t waited = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - start;
    g_assert_cmpint(waited, >=, 15 * SCALE_MS);
    g_assert_cmpint(waited, <, 5 * NANOSECONDS_PER_SECOND);
    g_thread_join(th);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timers/virtual/qtest-clock-moves-only-on-advance",
                    test_qtest_clock_moves_only_on_advance);
    g_test_add_func("/timers/virtual/advance-runs-in-deadline-order",
                    test_advance_runs_in_deadline_order);
    g_test_add_func("/timers/virtual/equal-deadlines-fire-in-arming-order",
                    test_equal_deadlines_fire_in_arming_order);
    g_test_add_func("/timers/virtual/rearming-callback-fires-repeatedly",
                    test_rearming_callback_fires_repeatedly);
    g_test_add_func("/timers/virtual/timer-del-prevents-firing",
                    test_timer_del_prevents_firing);
    g_test_add_func("/timers/virtual/timer-mod-moves-deadline",
                    test_timer_mod_moves_deadline);
    g_test_add_func("/timers/virtual/past-deadline-fires-on-next-advance",
                    test_past_deadline_fires_on_next_advance);
    g_test_add_func("/timers/virtual/deadline-is-earliest-pending",
                    test_deadline_query);
    g_test_add_func("/timers/virtual/disable-freezes-normal-mode-time",
                    test_normal_mode_disable_freezes_virtual_time);
    g_test_add_func("/timers/virtual/run-timers-only-while-enabled",
                    test_normal_mode_run_timers_respects_enable);
    g_test_add_func("/timers/icount/clock-counts-instructions",
                    test_icount_clock_counts_instructions);
    g_test_add_func("/timers/icount/budget-ends-at-deadline",
                    test_icount_budget_ends_at_deadline);
    g_test_add_func("/timers/icount/warp-jumps-to-deadline",
                    test_icount_warp_jumps_to_deadline);
    g_test_add_func("/timers/realtime/follows-host-clock",
                    test_realtime_follows_host);
    g_test_add_func("/timers/main-loop/sleeps-until-realtime-deadline",
                    test_main_loop_sleeps_until_realtime_timer);
    g_test_add_func("/timers/main-loop/notify-event-wakes-wait",
                    test_notify_event_wakes_main_loop);
    return g_test_run();
}
