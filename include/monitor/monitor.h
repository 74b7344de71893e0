/*
 * QMP (the JSON control protocol) and HMP (the human `info` commands reached
 * through QMP's human-monitor-command).
 *
 * QMP commands are registered with a small argument schema; the dispatcher
 * checks the arguments before the handler runs and answers QEMU's errors:
 *   "Parameter 'NAME' is missing"
 *   "Invalid parameter type for 'NAME', expected: TYPE"
 *   "Parameter 'NAME' is unexpected"
 * A handler returns a JsonNode (NULL means {}), or sets *errp.
 */
#ifndef LAPIS_MONITOR_H
#define LAPIS_MONITOR_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

typedef struct Chardev Chardev;

typedef enum QmpArgType {
    QMP_ARG_STR,
    QMP_ARG_INT,
    QMP_ARG_BOOL,
    QMP_ARG_NUMBER,
    QMP_ARG_ANY,
} QmpArgType;

typedef struct QmpArgSpec {
    const char *name;
    QmpArgType type;
    bool optional;
} QmpArgSpec;

/* The monitor running the command (for HMP's current CPU). */
typedef struct Monitor Monitor;

typedef JsonNode *(*QmpCommandFunc)(Monitor *mon, JsonObject *args,
                                    GError **errp);

typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc fn;
    const QmpArgSpec *args;     /* ends with { NULL }; NULL means no arguments */
    bool allow_oob;             /* unused; as QEMU's query-commands reports */
} QmpCommand;

void qmp_register_command(const QmpCommand *cmd);
/* Register every built-in command (monitor/qmp-cmds.c), and the HMP info
 * commands monitor/ owns (status, cpus, mtree, version). Safe to call twice. */
void qmp_register_builtin_commands(void);

/* Serve QMP on a character device (-qmp, -mon mode=control). */
bool monitor_init_qmp(Chardev *chr, GError **errp);
void monitor_cleanup(void);

/* Send an event to every QMP client past capabilities negotiation.
 * Takes ownership of data (may be NULL). */
void qmp_event_send(const char *name, JsonObject *data);

/* The CPU index HMP commands act on for this monitor (default 0). */
int monitor_get_cpu_index(Monitor *mon);
void monitor_set_cpu_index(Monitor *mon, int index);

/* A vCPU thread announces its host thread id (gettid()) for query-cpus-fast
 * and "info cpus"; CPUs that never do report the main thread's id. Safe from
 * any thread. */
void monitor_set_vcpu_thread_id(int cpu_index, int64_t thread_id);

/*
 * HMP. `info NAME [ARGS]` commands are registered by the subsystem that owns
 * the state they print (memory: mtree; devices: lapic, ioapic, pic, irq).
 */
typedef void (*HmpInfoFunc)(Monitor *mon, const char *args, GString *out);
void hmp_register_info(const char *name, const char *params, const char *help,
                       HmpInfoFunc fn);
/* Run one HMP command line; output (or the error text, as QEMU prints it)
 * goes to out, with each line ending in "\r\n" as QEMU's monitor writes it.
 * Built in: help/?, info (alone: the info list), cpu N, stop, cont/c,
 * system_reset, quit/q; an unknown name prints "unknown command: 'NAME'". */
void hmp_execute(Monitor *mon, const char *cmdline, GString *out);

#endif
