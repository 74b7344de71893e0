/*
 * Run states and the requests that move between them, after QEMU's
 * softmmu/runstate.c. The state names, the SHUTDOWN/RESET/STOP/RESUME events
 * and their "guest"/"reason" members follow QEMU's QAPI schema. A request
 * (reset, shutdown, exit) may come from any thread — a vCPU taking a triple
 * fault, a device, a QMP command, a signal — so it is only recorded with an
 * atomic store and the main loop is woken; main_loop_should_exit() carries it
 * out on the main thread with the big lock held. Policy as QEMU's defaults:
 *   -no-reboot    every reset request except a subsystem reset becomes a
 *                 shutdown request with the same cause
 *   -no-shutdown  a shutdown stops the VM (state "shutdown") instead of
 *                 exiting, unless the cause is quit, a signal, a host error
 *                 or the UI, which always exit (QEMU forces poweroff there)
 *   exit request  (isa-debug-exit) exits with the given status and no
 *                 SHUTDOWN event, as QEMU's device calls exit() directly.
 * Left out: QEMU's run-state transition table, suspend/wakeup, the
 * -action/set-action policy knobs and the watchdog actions.
 */
#include "qemu/osdep.h"
#include "softmmu/runstate.h"
#include "softmmu/cpus.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "monitor/monitor.h"

bool no_reboot;
bool no_shutdown;

/* Read by vCPU threads without the BQL, hence atomic. */
static gint current_runstate = RUN_STATE_PRELAUNCH;

/* Pending requests, stored as cause + 1 (0: none). */
static gint reset_requested;
static gint shutdown_requested;
static gint exit_requested;
static gint exit_status;

typedef struct ResetHook {
    void (*fn)(ShutdownCause cause, void *opaque);
    void *opaque;
} ResetHook;
/* Registered at machine creation on the main thread; run under the BQL. */
static GArray *reset_hooks;

static const char *const runstate_names[] = {
    [RUN_STATE_PRELAUNCH] = "prelaunch",
    [RUN_STATE_RUNNING] = "running",
    [RUN_STATE_PAUSED] = "paused",
    [RUN_STATE_SHUTDOWN] = "shutdown",
    [RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
};

static const char *const shutdown_cause_names[] = {
    [SHUTDOWN_CAUSE_NONE] = "none",
    [SHUTDOWN_CAUSE_HOST_ERROR] = "host-error",
    [SHUTDOWN_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
    [SHUTDOWN_CAUSE_HOST_UI] = "host-ui",
    [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
    [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
    [SHUTDOWN_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
};

const char *runstate_name(RunState state)
{
    if ((unsigned)state >= G_N_ELEMENTS(runstate_names)) {
        return "unknown";
    }
    return runstate_names[state];
}

const char *shutdown_cause_name(ShutdownCause cause)
{
    if ((unsigned)cause >= G_N_ELEMENTS(shutdown_cause_names)) {
        return "unknown";
    }
    return shutdown_cause_names[cause];
}

/* QEMU's shutdown_caused_by_guest(): the causes listed after host-ui. */
static bool shutdown_caused_by_guest(ShutdownCause cause)
{
    return cause > SHUTDOWN_CAUSE_HOST_UI;
}

/* Causes for which -no-shutdown does not apply: the user asked to leave. */
static bool shutdown_cause_forces_exit(ShutdownCause cause)
{
    switch (cause) {
    case SHUTDOWN_CAUSE_HOST_ERROR:
    case SHUTDOWN_CAUSE_HOST_QMP_QUIT:
    case SHUTDOWN_CAUSE_HOST_SIGNAL:
    case SHUTDOWN_CAUSE_HOST_UI:
        return true;
    default:
        return false;
    }
}

RunState runstate_get(void)
{
    return (RunState)g_atomic_int_get(&current_runstate);
}

void runstate_set(RunState state)
{
    g_atomic_int_set(&current_runstate, (gint)state);
}

bool runstate_is_running(void)
{
    return runstate_get() == RUN_STATE_RUNNING;
}

static void send_cause_event(const char *name, ShutdownCause cause)
{
    JsonObject *data = json_object_new();

    json_object_set_boolean_member(data, "guest",
                                   shutdown_caused_by_guest(cause));
    json_object_set_string_member(data, "reason", shutdown_cause_name(cause));
    qmp_event_send(name, data);
}

void vm_start(void)
{
    if (runstate_is_running()) {
        return;
    }
    /*
     * In qtest mode the clock is "enabled" but still moves only by
     * clock_step (timers.c); otherwise it follows the host from here on.
     */
    qemu_clock_enable_virtual(true);
    runstate_set(RUN_STATE_RUNNING);
    qmp_event_send("RESUME", NULL);
    cpus_kick_all();
}

void vm_stop(RunState state)
{
    if (!runstate_is_running()) {
        /* Already stopped: only the reported state changes, no event. */
        runstate_set(state);
        return;
    }
    runstate_set(state);
    cpus_kick_all();
    qemu_clock_enable_virtual(false);
    qmp_event_send("STOP", NULL);
}

void qemu_system_reset_request(ShutdownCause cause)
{
    if (no_reboot && cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        qemu_system_shutdown_request(cause);
        return;
    }
    g_atomic_int_set(&reset_requested, (gint)cause + 1);
    cpus_kick_all();
    qemu_notify_event();
}

void qemu_system_shutdown_request(ShutdownCause cause)
{
    g_atomic_int_set(&shutdown_requested, (gint)cause + 1);
    cpus_kick_all();
    qemu_notify_event();
}

void qemu_system_exit_request(int status)
{
    g_atomic_int_set(&exit_status, status);
    g_atomic_int_set(&exit_requested, 1);
    cpus_kick_all();
    qemu_notify_event();
}

void qemu_register_reset_hook(void (*fn)(ShutdownCause cause, void *opaque),
                              void *opaque)
{
    ResetHook hook = { .fn = fn, .opaque = opaque };

    if (!reset_hooks) {
        reset_hooks = g_array_new(FALSE, FALSE, sizeof(ResetHook));
    }
    g_array_append_val(reset_hooks, hook);
}

void qemu_system_reset(ShutdownCause cause)
{
    for (guint i = 0; reset_hooks && i < reset_hooks->len; i++) {
        ResetHook *hook = &g_array_index(reset_hooks, ResetHook, i);
        hook->fn(cause, hook->opaque);
    }
    /* QEMU reports every reset but the initial one and subsystem resets. */
    if (cause != SHUTDOWN_CAUSE_NONE && cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        send_cause_event("RESET", cause);
    }
}

bool main_loop_should_exit(int *status)
{
    gint req;

    if (g_atomic_int_get(&exit_requested)) {
        *status = g_atomic_int_get(&exit_status);
        return true;
    }

    req = g_atomic_int_and(&shutdown_requested, 0);
    if (req) {
        ShutdownCause cause = (ShutdownCause)(req - 1);

        send_cause_event("SHUTDOWN", cause);
        if (no_shutdown && !shutdown_cause_forces_exit(cause)) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *status = cause == SHUTDOWN_CAUSE_HOST_ERROR ? 1 : 0;
            return true;
        }
    }

    req = g_atomic_int_and(&reset_requested, 0);
    if (req) {
        ShutdownCause cause = (ShutdownCause)(req - 1);
        bool was_running = runstate_is_running();

        /*
         * Keep the vCPUs out of guest code while their state is rewritten:
         * they run only in the running state, and the kick makes them look.
         * (There is no acknowledgement yet; see cpus.c.)
         */
        if (was_running) {
            runstate_set(RUN_STATE_PAUSED);
            cpus_kick_all();
        }
        qemu_system_reset(cause);
        if (was_running) {
            runstate_set(RUN_STATE_RUNNING);
            cpus_kick_all();
        } else {
            /* As QEMU: a machine reset while stopped waits in prelaunch. */
            runstate_set(RUN_STATE_PRELAUNCH);
        }
    }
    return false;
}
