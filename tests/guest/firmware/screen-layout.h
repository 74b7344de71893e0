/*
 * What the VGA text-screen guest (screen.c) writes and what the host-side
 * checker (screen-check.c) expects to see in the screendump: one table read
 * by both, so the expected rendering always follows what the guest did.
 * Plain C with no library, for the freestanding guest and the host alike.
 */
#ifndef SCREEN_LAYOUT_H
#define SCREEN_LAYOUT_H

#include <stdint.h>

struct screen_run {
    uint8_t row, col;
    uint8_t attr;               /* bit 7: blink (mode control bit 3 is set) */
    const char *text;
};

/* Colours, blinking text and characters above 0x7F (box drawing). */
static const struct screen_run screen_runs[] = {
    { 0, 0, 0x1f, "lapis VGA text test" },          /* white on blue */
    { 2, 4, 0x4e, "yellow on red" },
    { 3, 4, 0x70, "black on grey" },
    { 4, 4, 0x0a, "light green, descenders: gjpqy" },
    { 5, 4, 0x9e, "BLINK yellow on blue" },         /* blink, bg 1 not 9 */
    { 6, 4, 0xfc, "blink light red on grey" },      /* blink, bg 7 not 15 */
    { 7, 4, 0x3b, "\xc9\xcd\xcd\xbb \xb0\xb1\xb2\xdb" }, /* box, shades */
    { 10, 33, 0x6d, "@ magenta/brown" },
    { 24, 60, 0x2c, "last row, last col:Z" },      /* ends at (24, 79) */
};

#define SCREEN_NRUNS    (sizeof(screen_runs) / sizeof(screen_runs[0]))

/* The cursor, moved through CRTC 0x0A/0x0B (shape) and 0x0E/0x0F. */
#define SCREEN_CURSOR_ROW   12
#define SCREEN_CURSOR_COL   40
#define SCREEN_CURSOR_START 3
#define SCREEN_CURSOR_END   9
#define SCREEN_CURSOR_ATTR  0x0e    /* the cell under it: yellow on black */
#define SCREEN_CURSOR_CHAR  '_'

/* The serial line that tells the runner the screen is ready. */
#define SCREEN_READY_LINE   "screen ready for screendump"

#endif
