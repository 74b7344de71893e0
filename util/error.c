/*
 * Error reporting: the LAPIS_ERROR GError domain, QMP class names, and the
 * one-line "lapis: message" form the launcher prints.
 */
#include "qemu/osdep.h"

static const char *progname = "lapis";

G_DEFINE_QUARK(lapis-error-quark, lapis_error)

const char *error_class_name(ErrorClass cls)
{
    switch (cls) {
    case ERROR_CLASS_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case ERROR_CLASS_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case ERROR_CLASS_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case ERROR_CLASS_KVM_MISSING_CAP:
        return "KVMMissingCap";
    case ERROR_CLASS_GENERIC_ERROR:
    default:
        return "GenericError";
    }
}

void error_set_progname(const char *name)
{
    progname = name;
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void error_report_err(GError *err)
{
    error_report("%s", err->message);
    g_error_free(err);
}
