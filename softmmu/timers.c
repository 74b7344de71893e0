/*
 * Clocks and timers (include/qemu/timer.h), after QEMU's util/qemu-timer.c
 * and softmmu/cpu-timers.c. QEMU_CLOCK_REALTIME is the host's monotonic
 * clock. QEMU_CLOCK_VIRTUAL starts at 0 and, in normal mode, follows the host
 * clock minus an offset while enabled (the VM runs) and stands still while
 * disabled; enabling again resumes from where it stopped, so guest time never
 * jumps over a pause. In qtest mode it moves only through
 * qemu_clock_advance_virtual(), which walks the pending virtual timers in
 * deadline order and sets the clock to each deadline before that timer's
 * callback runs. Each clock keeps its pending timers in a list sorted by
 * deadline. Under -icount (softmmu/cpu-timers.c and icount.c in QEMU) the
 * virtual clock is bias + (guest instructions executed << shift): the
 * accelerator supplies the count, runs the virtual timers itself when a
 * deadline is reached (its slices end exactly there: icount_budget), and
 * moves the bias forward while every vCPU is halted (icount_warp), so a run
 * repeats to the instruction; the main loop then leaves virtual timers
 * alone. Left out: shift=auto (QEMU's adaptive rate), align=on, the
 * host-clock QEMU_CLOCK_HOST, and timer lists per AioContext.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"

#include <time.h>

struct QEMUTimer {
    QEMUClockType type;
    QEMUTimerCB *cb;
    void *opaque;
    int64_t expire_time;    /* -1 while not pending */
    QEMUTimer *next;        /* in the clock's sorted list */
};

/*
 * timer_lock guards every clock's list and the timers' expire_time/next.
 * Callbacks run without it (they may re-arm themselves) and with the BQL held
 * by whoever runs the timers.
 */
static GMutex timer_lock;
static QEMUTimer *timer_lists[QEMU_CLOCK_MAX];

/*
 * The virtual clock's state, guarded by vclock_lock so that a vCPU thread
 * may read the clock while the main thread starts or stops it.
 *   qtest mode:           now = vclock_value
 *   normal, disabled:     now = vclock_value (frozen when disabled)
 *   normal, enabled:      now = host monotonic - vclock_offset
 */
static GMutex vclock_lock;
static bool vclock_enabled;
static bool vclock_qtest;
static int64_t vclock_value;
static int64_t vclock_offset;

/*
 * -icount: now = icount_bias + (icount_counter() << icount_shift_val).
 * Configured once before the machine starts; the bias is guarded by
 * vclock_lock. qtest mode, when on, still wins (qtest moves the clock).
 */
static int icount_shift_val = -1;       /* -1: off */
static bool icount_sleep_val = true;
static int64_t icount_bias;
static uint64_t (*icount_counter)(void);
static void (*icount_notify)(void);

static bool icount_mode_locked(void)
{
    return icount_shift_val >= 0 && !vclock_qtest;
}

static int64_t icount_insns_to_ns(uint64_t insns)
{
    return (int64_t)(insns << icount_shift_val);
}

static int64_t icount_now_locked(void)
{
    uint64_t n = icount_counter ? icount_counter() : 0;
    return icount_bias + icount_insns_to_ns(n);
}

int64_t get_clock_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

static bool vclock_follows_host_locked(void)
{
    return vclock_enabled && !vclock_qtest && icount_shift_val < 0;
}

static int64_t vclock_get_locked(void)
{
    if (icount_mode_locked()) {
        return icount_now_locked();
    }
    if (vclock_follows_host_locked()) {
        return get_clock_realtime_ns() - vclock_offset;
    }
    return vclock_value;
}

/* Move the virtual clock to `ns`, whatever mode it is in. */
static void vclock_set_locked(int64_t ns)
{
    if (icount_mode_locked()) {
        icount_bias += ns - icount_now_locked();
    } else if (vclock_follows_host_locked()) {
        vclock_offset = get_clock_realtime_ns() - ns;
    } else {
        vclock_value = ns;
    }
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    int64_t now;

    if (type == QEMU_CLOCK_REALTIME) {
        return get_clock_realtime_ns();
    }
    g_mutex_lock(&vclock_lock);
    now = vclock_get_locked();
    g_mutex_unlock(&vclock_lock);
    return now;
}

void qemu_clock_enable_virtual(bool enabled)
{
    g_mutex_lock(&vclock_lock);
    if (enabled != vclock_enabled) {
        int64_t now = vclock_get_locked();
        vclock_enabled = enabled;
        vclock_set_locked(now);
    }
    g_mutex_unlock(&vclock_lock);
    if (enabled) {
        /* Virtual timers may be due now; let the main loop look again. */
        qemu_notify_event();
    }
}

void qemu_clock_set_qtest_mode(bool qtest)
{
    g_mutex_lock(&vclock_lock);
    if (qtest != vclock_qtest) {
        int64_t now = vclock_get_locked();
        vclock_qtest = qtest;
        vclock_set_locked(now);
    }
    g_mutex_unlock(&vclock_lock);
}

bool qemu_clock_is_qtest_mode(void)
{
    bool qtest;

    g_mutex_lock(&vclock_lock);
    qtest = vclock_qtest;
    g_mutex_unlock(&vclock_lock);
    return qtest;
}

QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    QEMUTimer *ts;

    g_assert(type >= 0 && type < QEMU_CLOCK_MAX);
    ts = g_new0(QEMUTimer, 1);
    ts->type = type;
    ts->cb = cb;
    ts->opaque = opaque;
    ts->expire_time = -1;
    return ts;
}

void timer_free(QEMUTimer *ts)
{
    if (ts) {
        timer_del(ts);
        g_free(ts);
    }
}

static void timer_unlink_locked(QEMUTimer *ts)
{
    QEMUTimer **pt = &timer_lists[ts->type];

    if (ts->expire_time < 0) {
        return;
    }
    while (*pt) {
        if (*pt == ts) {
            *pt = ts->next;
            break;
        }
        pt = &(*pt)->next;
    }
    ts->next = NULL;
    ts->expire_time = -1;
}

void timer_del(QEMUTimer *ts)
{
    g_mutex_lock(&timer_lock);
    timer_unlink_locked(ts);
    g_mutex_unlock(&timer_lock);
}

void timer_mod(QEMUTimer *ts, int64_t expire_time_ns)
{
    QEMUTimer **pt;
    bool now_first;

    if (expire_time_ns < 0) {
        expire_time_ns = 0;
    }
    g_mutex_lock(&timer_lock);
    timer_unlink_locked(ts);
    /* After every timer with the same or an earlier deadline: FIFO ties. */
    pt = &timer_lists[ts->type];
    while (*pt && (*pt)->expire_time <= expire_time_ns) {
        pt = &(*pt)->next;
    }
    ts->expire_time = expire_time_ns;
    ts->next = *pt;
    *pt = ts;
    now_first = timer_lists[ts->type] == ts;
    g_mutex_unlock(&timer_lock);

    if (now_first) {
        /* The main loop may be sleeping towards a later deadline. */
        qemu_notify_event();
        /* Under -icount the running slice must now end sooner. */
        if (ts->type == QEMU_CLOCK_VIRTUAL && icount_enabled()
            && icount_notify) {
            icount_notify();
        }
    }
}

bool timer_pending(QEMUTimer *ts)
{
    bool pending;

    g_mutex_lock(&timer_lock);
    pending = ts->expire_time >= 0;
    g_mutex_unlock(&timer_lock);
    return pending;
}

int64_t timer_expire_time_ns(QEMUTimer *ts)
{
    int64_t t;

    g_mutex_lock(&timer_lock);
    t = ts->expire_time;
    g_mutex_unlock(&timer_lock);
    return t;
}

int64_t qemu_clock_deadline_ns(QEMUClockType type)
{
    int64_t t;

    g_assert(type >= 0 && type < QEMU_CLOCK_MAX);
    g_mutex_lock(&timer_lock);
    t = timer_lists[type] ? timer_lists[type]->expire_time : -1;
    g_mutex_unlock(&timer_lock);
    return t;
}

/*
 * Detach the first timer of the clock if its deadline is at or before
 * `limit`; returns it (no longer pending) or NULL.
 */
static QEMUTimer *timer_take_expired(QEMUClockType type, int64_t limit,
                                     int64_t *deadline)
{
    QEMUTimer *ts;

    g_mutex_lock(&timer_lock);
    ts = timer_lists[type];
    if (ts && ts->expire_time <= limit) {
        *deadline = ts->expire_time;
        timer_lists[type] = ts->next;
        ts->next = NULL;
        ts->expire_time = -1;
    } else {
        ts = NULL;
    }
    g_mutex_unlock(&timer_lock);
    return ts;
}

/* Run the clock's timers that are due at `now`. */
static bool run_due_timers(QEMUClockType type, int64_t now)
{
    int64_t deadline, budget = 0;
    bool ran = false;

    /*
     * Run at most as many callbacks as there were timers due when we began,
     * so a callback that keeps re-arming itself in the past cannot starve
     * the main loop; what is left runs on the next iteration.
     */
    g_mutex_lock(&timer_lock);
    for (QEMUTimer *t = timer_lists[type]; t && t->expire_time <= now;
         t = t->next) {
        budget++;
    }
    g_mutex_unlock(&timer_lock);

    while (budget-- > 0) {
        QEMUTimer *ts = timer_take_expired(type, now, &deadline);
        if (!ts) {
            break;
        }
        ts->cb(ts->opaque);
        ran = true;
    }
    return ran;
}

bool qemu_clock_run_timers(QEMUClockType type)
{
    g_assert(type >= 0 && type < QEMU_CLOCK_MAX);
    if (type == QEMU_CLOCK_VIRTUAL) {
        bool runs;
        g_mutex_lock(&vclock_lock);
        runs = vclock_follows_host_locked();
        g_mutex_unlock(&vclock_lock);
        if (!runs) {
            return false;
        }
    }
    return run_due_timers(type, qemu_clock_get_ns(type));
}

/* ------------------------------------------------------------------------
 * -icount
 */

void icount_configure(int shift, bool sleep)
{
    g_assert(shift <= ICOUNT_MAX_SHIFT);
    g_mutex_lock(&vclock_lock);
    int64_t now = vclock_get_locked();
    icount_shift_val = shift;
    icount_sleep_val = sleep;
    if (shift >= 0) {
        icount_bias = 0;
    }
    vclock_set_locked(now);
    g_mutex_unlock(&vclock_lock);
}

bool icount_enabled(void)
{
    return icount_shift_val >= 0;
}

int icount_shift(void)
{
    return icount_shift_val;
}

bool icount_sleep(void)
{
    return icount_sleep_val;
}

void icount_set_counter(uint64_t (*count)(void), void (*notify)(void))
{
    g_mutex_lock(&vclock_lock);
    int64_t now = vclock_get_locked();
    icount_counter = count;
    icount_notify = notify;
    vclock_set_locked(now);
    g_mutex_unlock(&vclock_lock);
}

int64_t icount_budget(void)
{
    int64_t deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);
    int64_t now, delta;

    if (deadline < 0) {
        return -1;
    }
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    delta = deadline - now;
    if (delta <= 0) {
        return 0;
    }
    /* rounded up: the clock reaches the deadline when the budget ends */
    return (delta + (1ll << icount_shift_val) - 1) >> icount_shift_val;
}

void icount_warp(int64_t dest_ns)
{
    g_mutex_lock(&vclock_lock);
    int64_t now = vclock_get_locked();
    if (icount_mode_locked() && dest_ns > now) {
        icount_bias += dest_ns - now;
    }
    g_mutex_unlock(&vclock_lock);
}

bool icount_run_timers(void)
{
    if (!icount_enabled() || qemu_clock_is_qtest_mode()) {
        return false;
    }
    return run_due_timers(QEMU_CLOCK_VIRTUAL,
                          qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

void qemu_clock_advance_virtual(int64_t dest_ns)
{
    QEMUTimer *ts;
    int64_t deadline;

    for (;;) {
        g_mutex_lock(&vclock_lock);
        int64_t now = vclock_get_locked();
        g_mutex_unlock(&vclock_lock);
        if (now > dest_ns) {
            /* Never move backwards; a normal-mode clock may be past dest. */
            dest_ns = now;
        }
        ts = timer_take_expired(QEMU_CLOCK_VIRTUAL, dest_ns, &deadline);
        if (!ts) {
            break;
        }
        if (deadline > now) {
            g_mutex_lock(&vclock_lock);
            vclock_set_locked(deadline);
            g_mutex_unlock(&vclock_lock);
        }
        ts->cb(ts->opaque);
    }
    g_mutex_lock(&vclock_lock);
    if (vclock_get_locked() < dest_ns) {
        vclock_set_locked(dest_ns);
    }
    g_mutex_unlock(&vclock_lock);
}

int64_t qemu_clock_timeout_ns(void)
{
    int64_t best = -1;
    bool virtual_runs;

    g_mutex_lock(&vclock_lock);
    virtual_runs = vclock_follows_host_locked();
    g_mutex_unlock(&vclock_lock);

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        int64_t deadline, delta;

        if (type == QEMU_CLOCK_VIRTUAL && !virtual_runs) {
            continue;
        }
        deadline = qemu_clock_deadline_ns(type);
        if (deadline < 0) {
            continue;
        }
        delta = deadline - qemu_clock_get_ns(type);
        if (delta < 0) {
            delta = 0;
        }
        if (best < 0 || delta < best) {
            best = delta;
        }
    }
    return best;
}
