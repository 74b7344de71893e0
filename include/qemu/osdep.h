/*
 * Common includes and small helpers used by every lapis source file.
 * Include this first in every .c file.
 */
#ifndef LAPIS_OSDEP_H
#define LAPIS_OSDEP_H

#define _GNU_SOURCE 1

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <errno.h>
#include <glib.h>

#include "qemu/error.h"

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define LAPIS_NORETURN __attribute__((noreturn))
#define LAPIS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define LAPIS_UNUSED __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Extract/deposit bit fields: extract64(v, start, len). */
static inline uint64_t extract64(uint64_t value, unsigned start, unsigned length)
{
    return (value >> start) & (~0ULL >> (64 - length));
}

static inline uint32_t extract32(uint32_t value, unsigned start, unsigned length)
{
    return (value >> start) & (~0U >> (32 - length));
}

static inline uint64_t deposit64(uint64_t value, unsigned start, unsigned length,
                                 uint64_t field)
{
    uint64_t mask = (~0ULL >> (64 - length)) << start;
    return (value & ~mask) | ((field << start) & mask);
}

static inline uint32_t deposit32(uint32_t value, unsigned start, unsigned length,
                                 uint32_t field)
{
    uint32_t mask = (~0U >> (32 - length)) << start;
    return (value & ~mask) | ((field << start) & mask);
}

/*
 * Parse a size in QEMU's syntax ("512", "512M", "2G", "1.5G", "64k"); a bare
 * number is in `default_suffix` units ('M' for -m, 'B' for byte counts).
 * Returns false on a malformed or overflowing value.
 */
bool qemu_parse_size(const char *str, char default_suffix, uint64_t *result);

/* Parse "on/off/yes/no/true/false" into a bool. */
bool qemu_parse_bool(const char *str, bool *result);

/* Parse an unsigned integer in C syntax (0x.., 0.., decimal), whole string. */
bool qemu_parse_uint64(const char *str, uint64_t *result);

#endif
