/*
 * Trace points. Each source folder lists its trace points in a file named
 * `trace-events`, one per line in QEMU's format:
 *
 *     apic_deliver(uint32_t dest, int vector) "dest 0x%x vector %d"
 *
 * scripts/tracetool.py turns that list into a `trace.h` (inline
 * trace_apic_deliver(...) functions, cheap when disabled) and a `trace.c`
 * (the TraceEvent objects) in the build folder; a source file in that folder
 * includes "trace.h". -trace PATTERN (glob, e.g. 'apic_*'), -trace
 * enable=PATTERN and -trace events=FILE enable them; output goes to the log
 * (stderr or -D FILE), one line per event, prefixed as QEMU's log backend:
 * "PID@SECONDS.USECONDS:<name> <formatted args>". "-trace help" lists the
 * events and exits.
 */
#ifndef LAPIS_TRACE_H
#define LAPIS_TRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

typedef struct TraceEvent {
    const char *name;
    bool enabled;
} TraceEvent;

void trace_event_register(TraceEvent *ev);
/* Enable every event whose name matches the glob; false if none matched. */
bool trace_enable_events(const char *pattern);
/* Handle one -trace option argument ("PATTERN", "enable=P", "events=FILE"). */
bool trace_parse_option(const char *arg, GError **errp);
/* List every registered trace event, one per line (for "-trace help"). */
void trace_list_events(FILE *out);
void trace_emit(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
