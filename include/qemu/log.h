/*
 * Debug logging selected with -d ITEM[,ITEM...] and sent to stderr or to the
 * file given with -D. Items: guest_errors, unimp, int, cpu_reset, in_asm,
 * out_asm, exec, cpu, mmu, pcall, and "all". Use qemu_log_mask(LOG_GUEST_ERROR, ...) for a
 * guest mistake (unassigned access, bad register write) and LOG_UNIMP for
 * something lapis does not model.
 */
#ifndef LAPIS_LOG_H
#define LAPIS_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

#define CPU_LOG_TB_OUT_ASM  (1 << 0)
#define CPU_LOG_TB_IN_ASM   (1 << 1)
#define CPU_LOG_EXEC        (1 << 5)
#define CPU_LOG_TB_CPU      (1 << 6)
#define CPU_LOG_INT         (1 << 4)
#define CPU_LOG_PCALL       (1 << 7)
#define CPU_LOG_RESET       (1 << 9)
#define LOG_UNIMP           (1 << 10)
#define LOG_GUEST_ERROR     (1 << 11)
#define CPU_LOG_MMU         (1 << 12)

extern int qemu_loglevel;

static inline bool qemu_loglevel_mask(int mask)
{
    return (qemu_loglevel & mask) != 0;
}

void qemu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define qemu_log_mask(mask, ...) do {           \
        if (qemu_loglevel_mask(mask)) {         \
            qemu_log(__VA_ARGS__);              \
        }                                       \
    } while (0)

/* Parse "-d" items; on an unknown item set *errp naming it. */
bool qemu_set_log_items(const char *items, GError **errp);
/* Print the list of -d items (for "-d help"). */
void qemu_log_print_items(FILE *out);
/* Send the log to FILE (-D); NULL means stderr. */
bool qemu_set_log_filename(const char *filename, GError **errp);
void qemu_log_close(void);

#endif
