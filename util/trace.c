/*
 * Trace point runtime: the registry that the generated trace/<folder>.c files
 * fill at start-up, the -trace option ("PATTERN", "enable=PATTERN",
 * "events=FILE", "help", and "file=FILE" for the output), and trace_emit(),
 * which writes one line per event through the debug log (stderr or -D FILE)
 * prefixed as QEMU's "log" trace backend does: "PID@SECONDS.USECONDS:name args".
 * Patterns are GLib globs ('*' and '?'); a leading '-' disables instead. A
 * pattern is remembered so that events registered later (there are none after
 * start-up today) still follow it. Left out: QEMU's other backends (simple,
 * ftrace, dtrace), per-vCPU events, and the trace-event-* QMP commands.
 */
#include "qemu/osdep.h"
#include "qemu/trace.h"
#include "qemu/log.h"

#include <sys/time.h>
#include <unistd.h>

/*
 * Guards the registry. Registration happens in constructors and option
 * parsing on the main thread; the lock only makes a late enable from QMP safe.
 * trace_emit() reads ev->enabled without it (a stale read costs one line).
 */
static GMutex trace_lock;
static GPtrArray *trace_events;      /* TraceEvent *, in registration order */
typedef struct TracePattern {
    char *glob;
    bool enable;
} TracePattern;
static GPtrArray *trace_patterns;    /* TracePattern *, in the order given */

static bool trace_apply_pattern_locked(const TracePattern *tp)
{
    bool matched = false;

    for (guint i = 0; trace_events && i < trace_events->len; i++) {
        TraceEvent *ev = g_ptr_array_index(trace_events, i);
        if (g_pattern_match_simple(tp->glob, ev->name)) {
            ev->enabled = tp->enable;
            matched = true;
        }
    }
    return matched;
}

void trace_event_register(TraceEvent *ev)
{
    g_mutex_lock(&trace_lock);
    if (!trace_events) {
        trace_events = g_ptr_array_new();
    }
    g_ptr_array_add(trace_events, ev);
    for (guint i = 0; trace_patterns && i < trace_patterns->len; i++) {
        TracePattern *tp = g_ptr_array_index(trace_patterns, i);
        if (g_pattern_match_simple(tp->glob, ev->name)) {
            ev->enabled = tp->enable;
        }
    }
    g_mutex_unlock(&trace_lock);
}

/* Apply "[-]GLOB"; returns whether any registered event matched. */
static bool trace_set_pattern(const char *pattern)
{
    TracePattern *tp = g_new0(TracePattern, 1);
    bool matched;

    tp->enable = pattern[0] != '-';
    tp->glob = g_strdup(tp->enable ? pattern : pattern + 1);
    g_mutex_lock(&trace_lock);
    if (!trace_patterns) {
        trace_patterns = g_ptr_array_new();
    }
    g_ptr_array_add(trace_patterns, tp);
    matched = trace_apply_pattern_locked(tp);
    g_mutex_unlock(&trace_lock);
    return matched;
}

bool trace_enable_events(const char *pattern)
{
    return trace_set_pattern(pattern);
}

static void trace_warn_unmatched(const char *pattern)
{
    error_report("warning: trace event pattern '%s' matches no event "
                 "(use -trace help for a list)", pattern);
}

static bool trace_read_events_file(const char *path, GError **errp)
{
    g_autofree char *contents = NULL;
    g_autoptr(GError) local_err = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &local_err)) {
        error_setg(errp, "-trace events=%s: %s", path, local_err->message);
        return false;
    }
    g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_strstrip(*l);
        if ((*l)[0] == '\0' || (*l)[0] == '#') {
            continue;
        }
        if (!trace_set_pattern(*l)) {
            trace_warn_unmatched(*l);
        }
    }
    return true;
}

bool trace_parse_option(const char *arg, GError **errp)
{
    g_auto(GStrv) parts = NULL;

    if (!arg || !*arg) {
        error_setg(errp, "-trace needs an argument (PATTERN, enable=PATTERN, "
                   "events=FILE or help)");
        return false;
    }
    if (strcmp(arg, "help") == 0 || strcmp(arg, "enable=help") == 0) {
        /* As QEMU: list and leave; nothing else can be running yet. */
        trace_list_events(stdout);
        exit(0);
    }

    parts = g_strsplit(arg, ",", -1);
    for (char **p = parts; *p; p++) {
        const char *item = *p;
        const char *eq = strchr(item, '=');

        if (!eq) {
            if (p != parts) {
                error_setg(errp, "-trace: unexpected '%s' (expected "
                           "enable=, events= or file=)", item);
                return false;
            }
            if (!trace_set_pattern(item)) {
                trace_warn_unmatched(item);
            }
        } else if (g_str_has_prefix(item, "enable=")) {
            if (!trace_set_pattern(eq + 1)) {
                trace_warn_unmatched(eq + 1);
            }
        } else if (g_str_has_prefix(item, "events=")) {
            if (!trace_read_events_file(eq + 1, errp)) {
                return false;
            }
        } else if (g_str_has_prefix(item, "file=")) {
            if (!qemu_set_log_filename(eq + 1, errp)) {
                return false;
            }
        } else {
            g_autofree char *key = g_strndup(item, eq - item);
            error_setg(errp, "-trace: unknown option '%s' (expected "
                       "enable=, events= or file=)", key);
            return false;
        }
    }
    return true;
}

static gint trace_event_cmp(gconstpointer a, gconstpointer b)
{
    const TraceEvent *ea = *(TraceEvent *const *)a;
    const TraceEvent *eb = *(TraceEvent *const *)b;
    return strcmp(ea->name, eb->name);
}

void trace_list_events(FILE *out)
{
    g_mutex_lock(&trace_lock);
    if (trace_events) {
        g_autoptr(GPtrArray) sorted = g_ptr_array_copy(trace_events, NULL,
                                                       NULL);
        g_ptr_array_sort(sorted, trace_event_cmp);
        for (guint i = 0; i < sorted->len; i++) {
            TraceEvent *ev = g_ptr_array_index(sorted, i);
            fprintf(out, "%s\n", ev->name);
        }
    }
    g_mutex_unlock(&trace_lock);
}

void trace_emit(const char *name, const char *fmt, ...)
{
    struct timeval tv;
    va_list ap;
    g_autofree char *args = NULL;

    gettimeofday(&tv, NULL);
    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_log("%d@%ld.%06ld:%s %s\n", (int)getpid(), (long)tv.tv_sec,
             (long)tv.tv_usec, name, args);
}
