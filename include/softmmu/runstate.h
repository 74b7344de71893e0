/*
 * Run states and the requests that move between them (QEMU's names).
 *   prelaunch  before the first `cont` when started with -S
 *   running    vCPUs run, the virtual clock runs
 *   paused     stopped by `stop`
 *   shutdown   the guest shut down and -no-shutdown kept us alive
 *   internal-error, guest-panicked
 * Requests (reset, shutdown, exit) may come from a vCPU or a device; they are
 * recorded and carried out by the main loop (main_loop_should_exit).
 */
#ifndef LAPIS_RUNSTATE_H
#define LAPIS_RUNSTATE_H

#include "qemu/osdep.h"

typedef enum RunState {
    RUN_STATE_PRELAUNCH,
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,
    RUN_STATE_SHUTDOWN,
    RUN_STATE_INTERNAL_ERROR,
    RUN_STATE_GUEST_PANICKED,
} RunState;

/* Why a reset or shutdown happened (the SHUTDOWN/RESET event "reason"). */
typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_ERROR,          /* "host-error" */
    SHUTDOWN_CAUSE_HOST_QMP_QUIT,       /* "host-qmp-quit" */
    SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET, /* "host-qmp-system-reset" */
    SHUTDOWN_CAUSE_HOST_SIGNAL,         /* "host-signal" */
    SHUTDOWN_CAUSE_HOST_UI,             /* "host-ui" */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN,      /* "guest-shutdown" */
    SHUTDOWN_CAUSE_GUEST_RESET,         /* "guest-reset" */
    SHUTDOWN_CAUSE_GUEST_PANIC,         /* "guest-panic" */
    SHUTDOWN_CAUSE_SUBSYSTEM_RESET,     /* "subsystem-reset" */
} ShutdownCause;

const char *runstate_name(RunState state);
const char *shutdown_cause_name(ShutdownCause cause);
RunState runstate_get(void);
void runstate_set(RunState state);
bool runstate_is_running(void);

/* Start or resume the VM (RESUME event), or stop it (STOP event). */
void vm_start(void);
void vm_stop(RunState state);

/* Requests, safe from any thread; the main loop carries them out. */
void qemu_system_reset_request(ShutdownCause cause);
void qemu_system_shutdown_request(ShutdownCause cause);
/* Exit the process with `status` after cleanup (isa-debug-exit). */
void qemu_system_exit_request(int status);

/* Launcher policy flags. */
extern bool no_reboot;      /* -no-reboot: a guest reset becomes a shutdown */
extern bool no_shutdown;    /* -no-shutdown: a guest shutdown stops instead
                             * (host causes such as QMP quit always exit) */

/*
 * Called by the main loop after each iteration: carries out pending requests
 * (emitting RESET/SHUTDOWN events, resetting the machine through
 * qemu_system_reset) and returns true when the process should exit, with the
 * exit status in *status.
 */
bool main_loop_should_exit(int *status);
/* Reset the machine now: every device and CPU (the machine's reset hook). */
void qemu_system_reset(ShutdownCause cause);
void qemu_register_reset_hook(void (*fn)(ShutdownCause cause, void *opaque),
                              void *opaque);

#endif
