/*
 * The main loop and the big lock, after QEMU's util/main-loop.c. One
 * iteration prepares GLib's default GMainContext, polls its descriptors with
 * a timeout that also covers the nearest timer deadline (realtime timers, and
 * virtual ones while the virtual clock follows the host), drops the big lock
 * (BQL) only for the poll itself, dispatches the ready sources and then runs
 * the expired timers. ppoll() gives the timeout nanosecond resolution, so a
 * LAPIC timer a few microseconds away is not rounded up to a millisecond.
 * The BQL is a plain mutex plus a per-thread "held" flag for bql_locked().
 * Left out: QEMU's AioContext and bottom halves (use g_idle_add), iohandlers
 * (use GSources), and the Windows event loop.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

#include <poll.h>
#include <signal.h>
#include <time.h>

/*
 * The big lock: guards all device state. The main thread holds it except
 * around poll(); vCPU threads take it for device accesses. Not recursive.
 */
static GMutex bql;
static __thread bool bql_held;

/* Descriptors GLib asked us to poll, reused between iterations. */
static GPollFD *poll_fds;
static gint poll_fds_len;

void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

void qemu_init_main_loop(void)
{
    /*
     * A peer that closes a socket or pipe must not kill us; writers see EPIPE
     * instead (sockets also pass MSG_NOSIGNAL).
     */
    signal(SIGPIPE, SIG_IGN);
    (void)g_main_context_default();
    if (!bql_held) {
        bql_lock();
    }
}

void qemu_notify_event(void)
{
    g_main_context_wakeup(NULL);
}

/*
 * Combine GLib's timeout (ms, -1 = forever) with the timers' (ns, -1 = none)
 * into a ppoll timeout; NULL means wait forever.
 */
static struct timespec *main_loop_timeout(bool blocking, gint glib_ms,
                                          struct timespec *ts)
{
    int64_t ns = -1;

    if (!blocking) {
        ns = 0;
    } else {
        int64_t timer_ns = qemu_clock_timeout_ns();
        if (glib_ms >= 0) {
            ns = (int64_t)glib_ms * SCALE_MS;
        }
        if (timer_ns >= 0 && (ns < 0 || timer_ns < ns)) {
            ns = timer_ns;
        }
    }
    if (ns < 0) {
        return NULL;
    }
    ts->tv_sec = ns / NANOSECONDS_PER_SECOND;
    ts->tv_nsec = ns % NANOSECONDS_PER_SECOND;
    return ts;
}

void main_loop_wait(bool blocking)
{
    GMainContext *ctx = g_main_context_default();
    struct timespec ts, *timeout;
    gint max_priority, glib_ms, n;
    bool acquired;

    acquired = g_main_context_acquire(ctx);
    g_main_context_prepare(ctx, &max_priority);
    for (;;) {
        n = g_main_context_query(ctx, max_priority, &glib_ms, poll_fds,
                                 poll_fds_len);
        if (n <= poll_fds_len) {
            break;
        }
        poll_fds_len = n;
        poll_fds = g_renew(GPollFD, poll_fds, poll_fds_len);
    }

    timeout = main_loop_timeout(blocking, glib_ms, &ts);

    /* GPollFD has struct pollfd's layout on Unix (GLib guarantees it). */
    G_STATIC_ASSERT(sizeof(GPollFD) == sizeof(struct pollfd));
    bool was_locked = bql_held;
    if (was_locked) {
        bql_unlock();
    }
    if (ppoll((struct pollfd *)poll_fds, n, timeout, NULL) < 0) {
        /* EINTR: nothing ready; the sources below see no revents. */
        for (gint i = 0; i < n; i++) {
            poll_fds[i].revents = 0;
        }
    }
    if (was_locked) {
        bql_lock();
    }

    if (g_main_context_check(ctx, max_priority, poll_fds, n)) {
        g_main_context_dispatch(ctx);
    }
    if (acquired) {
        g_main_context_release(ctx);
    }

    qemu_clock_run_timers(QEMU_CLOCK_REALTIME);
    qemu_clock_run_timers(QEMU_CLOCK_VIRTUAL);
}
