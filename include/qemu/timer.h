/*
 * Clocks and timers.
 *
 * QEMU_CLOCK_REALTIME: host monotonic time in ns, always running.
 * QEMU_CLOCK_VIRTUAL:  guest time in ns. It starts at 0, runs only while the
 *   VM runs (stops in prelaunch, paused and shutdown states), and in qtest
 *   mode moves only when qtest's clock_step/clock_set moves it
 *   (qemu_clock_advance_virtual). The TSC and the LAPIC timer derive from it.
 *
 * Timers fire from the main loop with the big lock held. A timer's callback
 * may re-arm it. timer_mod() with a deadline in the past fires it on the next
 * timer run.
 */
#ifndef LAPIS_TIMER_H
#define LAPIS_TIMER_H

#include <stdint.h>
#include <stdbool.h>

#define NANOSECONDS_PER_SECOND 1000000000LL
#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

typedef enum QEMUClockType {
    QEMU_CLOCK_REALTIME = 0,
    QEMU_CLOCK_VIRTUAL = 1,
    QEMU_CLOCK_MAX
} QEMUClockType;

typedef void QEMUTimerCB(void *opaque);
typedef struct QEMUTimer QEMUTimer;

int64_t qemu_clock_get_ns(QEMUClockType type);

QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque);
void timer_free(QEMUTimer *ts);            /* deletes it first if pending */
void timer_mod(QEMUTimer *ts, int64_t expire_time_ns);
void timer_del(QEMUTimer *ts);
bool timer_pending(QEMUTimer *ts);
int64_t timer_expire_time_ns(QEMUTimer *ts);   /* -1 when not pending */

/* Earliest pending deadline on the clock, or -1 when none is pending. */
int64_t qemu_clock_deadline_ns(QEMUClockType type);
/* Run every expired timer on the clock; returns true if any ran. */
bool qemu_clock_run_timers(QEMUClockType type);

/*
 * Virtual clock control. The clock is "enabled" while the VM runs (in normal
 * mode it then follows the host clock). In qtest mode it never follows the
 * host: qemu_clock_advance_virtual(dest) moves it forward to dest, running
 * each timer whose deadline is reached at its own deadline, in order.
 */
void qemu_clock_enable_virtual(bool enabled);
void qemu_clock_set_qtest_mode(bool qtest);
bool qemu_clock_is_qtest_mode(void);
void qemu_clock_advance_virtual(int64_t dest_ns);

/*
 * Nanoseconds from now until the earliest timer the main loop has to run on
 * its own: realtime timers, and virtual ones while the virtual clock follows
 * the host (enabled, not qtest mode). 0 when one is already due, -1 if none.
 */
int64_t qemu_clock_timeout_ns(void);

/* Host monotonic clock in ns. */
int64_t get_clock_realtime_ns(void);

#endif
