/*
 * Clocks and timers.
 *
 * QEMU_CLOCK_REALTIME: host monotonic time in ns, always running.
 * QEMU_CLOCK_VIRTUAL:  guest time in ns. It starts at 0, runs only while the
 *   VM runs (stops in prelaunch, paused and shutdown states), and in qtest
 *   mode moves only when qtest's clock_step/clock_set moves it
 *   (qemu_clock_advance_virtual); under -icount it counts executed guest
 *   instructions (below). The TSC and the LAPIC timer derive from it.
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

/*
 * -icount shift=N: the virtual clock is a bias plus the guest instructions
 * executed (all vCPUs together) times 2^N ns, so a run repeats to the
 * instruction. The accelerator supplies the count (icount_set_counter; its
 * notify hook is called when a virtual deadline becomes the earliest, so a
 * running slice can end sooner), runs each slice for at most
 * icount_budget() instructions, runs the virtual timers itself
 * (icount_run_timers, BQL held) and, while every vCPU is halted, moves the
 * clock with icount_warp(): to the next deadline (sleep=off) or by the real
 * time waited (sleep=on). The main loop does not run virtual timers then.
 * qtest mode, when on, still moves the clock instead.
 */
#define ICOUNT_MAX_SHIFT 10
void icount_configure(int shift, bool sleep);   /* shift -1: off */
bool icount_enabled(void);
int icount_shift(void);
bool icount_sleep(void);
void icount_set_counter(uint64_t (*count)(void), void (*notify)(void));
/* Instructions until the earliest virtual deadline (rounded up; 0 when one
 * is due), or -1 when no virtual timer is pending. */
int64_t icount_budget(void);
/* Move the virtual clock forward to dest_ns (never backwards). */
void icount_warp(int64_t dest_ns);
/* Run the virtual timers that are due; true if any ran. */
bool icount_run_timers(void);

#endif
