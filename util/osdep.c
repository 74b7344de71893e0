/*
 * Option value parsers shared by the launcher, -device properties and QMP:
 * sizes in QEMU's syntax (an integer or decimal with an optional B/K/M/G/T/P/E
 * suffix in powers of 1024, as QEMU's qemu_strtosz, which also takes a
 * hexadecimal integer such as "0x1000" or "0x10M"), booleans spelled
 * on/off/yes/no/true/false, and unsigned integers in C syntax. Each parser
 * takes the whole string or fails; none of them prints anything. Left out:
 * QEMU's metric (powers of 1000) variant.
 */
#include "qemu/osdep.h"

/* Shift for a size suffix letter, or -1 when the letter is not a suffix. */
static int size_suffix_shift(char c)
{
    switch (c) {
    case 'B': case 'b':
        return 0;
    case 'K': case 'k':
        return 10;
    case 'M': case 'm':
        return 20;
    case 'G': case 'g':
        return 30;
    case 'T': case 't':
        return 40;
    case 'P': case 'p':
        return 50;
    case 'E': case 'e':
        return 60;
    default:
        return -1;
    }
}

bool qemu_parse_size(const char *str, char default_suffix, uint64_t *result)
{
    const char *p = str;
    uint64_t whole = 0;
    uint64_t frac_num = 0, frac_den = 1;
    bool any_digit = false, hex = false;
    int shift;

    if (!str) {
        return false;
    }
    /* No sign, no leading space: "-1" and " 1" are not sizes. */
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        /* QEMU also takes a hexadecimal integer (no fraction). */
        p += 2;
        hex = true;
        while (g_ascii_isxdigit(*p)) {
            unsigned d = (unsigned)g_ascii_xdigit_value(*p);
            if (whole > (UINT64_MAX - d) / 16) {
                return false;
            }
            whole = whole * 16 + d;
            any_digit = true;
            p++;
        }
        if (!any_digit || *p == '.') {
            return false;
        }
    }
    while (!hex && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10) {
            return false;
        }
        whole = whole * 10 + d;
        any_digit = true;
        p++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            /* Keep enough precision for any real use; drop further digits. */
            if (frac_den < 1000000000000000000ULL) {
                frac_num = frac_num * 10 + (uint64_t)(*p - '0');
                frac_den *= 10;
            }
            any_digit = true;
            p++;
        }
    }
    if (!any_digit) {
        return false;
    }
    if (*p == '\0') {
        shift = size_suffix_shift(default_suffix);
        if (shift < 0) {
            return false;
        }
    } else {
        shift = size_suffix_shift(*p);
        if (shift < 0 || p[1] != '\0') {
            return false;
        }
    }

    if (shift == 0 && frac_num) {
        /* A fraction of a byte is meaningless; QEMU refuses it too. */
        return false;
    }
    if (whole > (UINT64_MAX >> shift)) {
        return false;
    }
    uint64_t value = whole << shift;
    if (frac_num) {
        /*
         * fraction * 2^shift, computed as (frac_num << shift) / frac_den with
         * 128-bit arithmetic so that "1.5E" or "0.001K" stay exact enough.
         */
        unsigned __int128 f = ((unsigned __int128)frac_num << shift) / frac_den;
        if (f > UINT64_MAX - value) {
            return false;
        }
        value += (uint64_t)f;
    }
    *result = value;
    return true;
}

bool qemu_parse_bool(const char *str, bool *result)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };

    if (!str) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (strcmp(str, yes[i]) == 0) {
            *result = true;
            return true;
        }
        if (strcmp(str, no[i]) == 0) {
            *result = false;
            return true;
        }
    }
    return false;
}

bool qemu_parse_uint64(const char *str, uint64_t *result)
{
    char *end;
    unsigned long long v;

    /* strtoull would accept leading blanks and a minus sign; we do not. */
    if (!str || !(*str >= '0' && *str <= '9')) {
        return false;
    }
    errno = 0;
    v = strtoull(str, &end, 0);
    if (errno != 0 || end == str || *end != '\0') {
        return false;
    }
    *result = v;
    return true;
}
