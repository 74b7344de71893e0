/*
 * What the three monitor files share and nobody else needs: the Monitor
 * structure, the command table lookups, the QMP JSON writer and the HMP
 * built-ins' registration. A Monitor is either a QMP server on a character
 * device (one client at a time) or the short-lived context that
 * human-monitor-command runs one HMP line in (chr == NULL).
 */
#ifndef LAPIS_MONITOR_INTERNAL_H
#define LAPIS_MONITOR_INTERNAL_H

#include "monitor/monitor.h"

/*
 * QMP input is split into top-level JSON values before json-glib sees them.
 * The splitter tracks nesting outside strings; a lexical error (a byte that
 * cannot appear in JSON, a control character inside a string, a '}' that
 * closes a '[') discards the value being collected and skips to the end of
 * the line.
 */
typedef enum JsonSplitState {
    JSON_SPLIT_IDLE,        /* between values, at top level */
    JSON_SPLIT_VALUE,       /* inside an object or array, outside strings */
    JSON_SPLIT_STRING,      /* inside a string (within any value) */
    JSON_SPLIT_BARE,        /* a top-level number or keyword */
    JSON_SPLIT_RECOVER,     /* after a lexical error: skip to a newline */
} JsonSplitState;

struct Monitor {
    Chardev *chr;           /* NULL: an HMP context of human-monitor-command */
    char *id;               /* for trace points */
    int cpu_index;          /* HMP's current CPU */

    /* Session state, reset on every CHR_EVENT_OPENED. */
    bool connected;
    bool negotiated;        /* qmp_capabilities has run */
    bool oob_enabled;       /* the client asked for "oob" */

    /* Input splitter. */
    JsonSplitState split;
    JsonSplitState string_return;   /* where a string ends up */
    GString *value;         /* the value being collected */
    GString *open;          /* the open '{' and '[', innermost last */
    char quote;             /* '"' or '\'' while in a string */
    bool escape;            /* the previous string byte was a backslash */
};

/* Command table (monitor/qmp.c). */
const QmpCommand *qmp_find_command(const char *name);
/* {"qemu": {"micro", "minor", "major"}, "package": "lapis"}: the greeting's
 * "version" and query-version's return value. */
JsonObject *qmp_version_info(void);
/* Every registered command, in registration order (borrowed). */
GPtrArray *qmp_command_list(void);

/* Append `node` as QEMU writes JSON: ", " and ": " separators, strings
 * escaped with \uXXXX for control and non-ASCII characters. */
void qmp_json_append(GString *out, JsonNode *node);

/* Register the HMP info commands monitor/ owns (monitor/hmp.c). */
void hmp_register_builtin_info(void);

/* The thread id query-cpus-fast reports for a CPU (monitor/qmp-cmds.c). */
int64_t qmp_cpu_thread_id(int cpu_index);

#endif
