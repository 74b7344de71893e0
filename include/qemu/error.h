/*
 * Errors: lapis reports failures through GError in the LAPIS_ERROR domain,
 * with the GError code holding the QMP error class. Functions that can fail
 * take a `GError **errp` last; the launcher prints the message on one line
 * and exits 1, QMP turns it into {"error": {"class", "desc"}}.
 */
#ifndef LAPIS_ERROR_H
#define LAPIS_ERROR_H

#include <glib.h>

#define LAPIS_ERROR (lapis_error_quark())
GQuark lapis_error_quark(void);

/* QMP error classes (QEMU's ErrorClass). */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR = 0,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
} ErrorClass;

const char *error_class_name(ErrorClass cls);

#define error_setg(errp, ...) \
    g_set_error((errp), LAPIS_ERROR, ERROR_CLASS_GENERIC_ERROR, __VA_ARGS__)
#define error_set(errp, cls, ...) \
    g_set_error((errp), LAPIS_ERROR, (cls), __VA_ARGS__)

/* Print "lapis: <message>" on stderr (one line). */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error_report_err(GError *err);   /* prints and frees */

/* The program name used by error_report ("lapis" unless set). */
void error_set_progname(const char *name);

#endif
