/*
 * Debug log: the -d item mask and the -D destination, as in QEMU's
 * util/log.c. qemu_log() writes unconditionally (qemu_log_mask() checks the
 * mask first) to stderr or to the -D file, which is truncated when opened and
 * line buffered. A mutex serialises writers so lines from vCPU threads and the
 * main loop do not interleave within one call. Left out: QEMU's per-thread log
 * files ("-D file%d"), -dfilter address ranges, and the items that only make
 * sense for a JIT (op, op_opt, op_ind, out_asm has no effect here).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"

int qemu_loglevel;

typedef struct LogItem {
    int mask;
    const char *name;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { CPU_LOG_TB_OUT_ASM, "out_asm",
      "show generated host code (no effect: lapis interprets)" },
    { CPU_LOG_TB_IN_ASM, "in_asm",
      "show target assembly code for each decoded block" },
    { CPU_LOG_INT, "int",
      "show interrupts/exceptions in short format" },
    { CPU_LOG_EXEC, "exec",
      "show trace before each executed block" },
    { CPU_LOG_TB_CPU, "cpu",
      "show CPU registers before entering a block" },
    { CPU_LOG_MMU, "mmu",
      "log MMU-related activities" },
    { CPU_LOG_PCALL, "pcall",
      "x86 only: show protected mode far calls/returns/exceptions" },
    { CPU_LOG_RESET, "cpu_reset",
      "show CPU state before CPU resets" },
    { LOG_UNIMP, "unimp",
      "log unimplemented functionality" },
    { LOG_GUEST_ERROR, "guest_errors",
      "log when the guest OS does something invalid (eg accessing a "
      "non-existent register)" },
};

/* Guards log_file and every write to it. */
static GMutex log_lock;
static FILE *log_file;      /* NULL: stderr */

bool qemu_set_log_items(const char *items, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(items ? items : "", ",", -1);
    int mask = 0;

    for (char **p = parts; *p; p++) {
        const char *name = *p;
        bool found = false;

        if (*name == '\0') {
            continue;
        }
        if (strcmp(name, "all") == 0) {
            for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
                mask |= log_items[i].mask;
            }
            continue;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
            if (strcmp(name, log_items[i].name) == 0) {
                mask |= log_items[i].mask;
                found = true;
                break;
            }
        }
        if (!found) {
            error_setg(errp, "unknown -d item '%s' (use -d help for a list)",
                       name);
            return false;
        }
    }
    qemu_loglevel = mask;
    return true;
}

void qemu_log_print_items(FILE *out)
{
    fprintf(out, "Log items (comma separated):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        fprintf(out, "%-15s %s\n", log_items[i].name, log_items[i].help);
    }
    fprintf(out, "%-15s %s\n", "all", "enable every item above");
}

bool qemu_set_log_filename(const char *filename, GError **errp)
{
    FILE *f = NULL;

    if (filename) {
        f = fopen(filename, "w");
        if (!f) {
            error_setg(errp, "cannot open log file '%s': %s", filename,
                       g_strerror(errno));
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&log_lock);
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    g_mutex_unlock(&log_lock);
    return true;
}

void qemu_log_close(void)
{
    g_mutex_lock(&log_lock);
    if (log_file) {
        fclose(log_file);
        log_file = NULL;
    } else {
        fflush(stderr);
    }
    g_mutex_unlock(&log_lock);
}

void qemu_log(const char *fmt, ...)
{
    va_list ap;
    FILE *out;

    g_mutex_lock(&log_lock);
    out = log_file ? log_file : stderr;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    g_mutex_unlock(&log_lock);
}
