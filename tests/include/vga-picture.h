/*
 * Host-side helpers for checking a QMP screendump of the VGA text screen
 * pixel for pixel: loading the binary PPM (P6, maxval 255) QEMU and lapis
 * write, and comparing one 8x16 cell with the rendering computed from the
 * console font (ui/vgafont.c, linked in by the user) and the standard CGA
 * palette, written out here so the test does not trust the renderer's own
 * table. The rules are docs/display.md's: attribute bits 0-3 foreground,
 * 4-6 background, bit 7 blink (drawn in its visible phase by screendump);
 * the cursor fills scanlines start..end of its cell with the foreground.
 * Header-only (static functions), for any test that needs it; unused
 * functions draw no warning since they are inline.
 */
#ifndef VGA_PICTURE_H
#define VGA_PICTURE_H

#include <glib.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include "ui/vgafont.h"

#define VGA_COLS        80
#define VGA_ROWS        25
#define VGA_CELL_W      VGAFONT_WIDTH
#define VGA_CELL_H      VGAFONT_HEIGHT
#define VGA_WIDTH       (VGA_COLS * VGA_CELL_W)
#define VGA_HEIGHT      (VGA_ROWS * VGA_CELL_H)

/* CGA text colours, 0xRRGGBB (colour 6 is brown, not dark yellow). */
static const uint32_t vga_cga_palette[16] = {
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500,
    0xaaaaaa, 0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff,
    0xffff55, 0xffffff,
};

typedef struct VgaPicture {
    int width, height;
    uint8_t *rgb;               /* width * height * 3 bytes, g_free it */
} VgaPicture;

/* Load a P6 PPM with maxval 255; false (with *why set) when malformed. */
static inline bool vga_picture_load(const char *path, VgaPicture *pic,
                                    char **why)
{
    g_autofree char *data = NULL;
    gsize len;
    int w, h, max, hdr = 0;
    GError *err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        *why = g_strdup(err->message);
        g_error_free(err);
        return false;
    }
    if (sscanf(data, "P6\n%d %d\n%d\n%n", &w, &h, &max, &hdr) != 3 ||
        hdr <= 0 || max != 255 || w <= 0 || h <= 0 ||
        len != (gsize)hdr + (gsize)w * h * 3) {
        *why = g_strdup_printf("%s is not a binary PPM with maxval 255 "
                               "(%zu bytes)", path, (size_t)len);
        return false;
    }
    pic->width = w;
    pic->height = h;
    pic->rgb = g_memdup2(data + hdr, (gsize)w * h * 3);
    return true;
}

static inline uint32_t vga_picture_pixel(const VgaPicture *p, int x, int y)
{
    const uint8_t *q = p->rgb + ((size_t)y * p->width + x) * 3;

    return (uint32_t)q[0] << 16 | q[1] << 8 | q[2];
}

/*
 * Count the wrong pixels of cell (row, col): the glyph of ch in colour fg
 * over bg (glyph left out when hide_glyph), with scanlines
 * cursor_first..cursor_last (-1: none) filled with fg. The first wrong
 * pixel is described in *why (caller frees; why may be NULL).
 */
static inline int vga_picture_cell_diff_rgb(const VgaPicture *p, int row,
                                            int col, uint8_t ch, uint32_t fg,
                                            uint32_t bg, bool hide_glyph,
                                            int cursor_first, int cursor_last,
                                            char **why)
{
    const uint8_t *g = vgafont_glyph(ch);
    int bad = 0;

    for (int y = 0; y < VGA_CELL_H; y++) {
        uint8_t bits = hide_glyph ? 0 : g[y];
        if (cursor_first >= 0 && y >= cursor_first && y <= cursor_last) {
            bits = 0xff;
        }
        for (int x = 0; x < VGA_CELL_W; x++) {
            uint32_t want = (bits & (0x80 >> x)) ? fg : bg;
            uint32_t got = vga_picture_pixel(p, col * VGA_CELL_W + x,
                                             row * VGA_CELL_H + y);
            if (got != want && bad++ == 0 && why) {
                *why = g_strdup_printf("cell (%d,%d) char 0x%02x pixel "
                                       "(%d,%d): got %06x want %06x",
                                       row, col, ch, x, y, got, want);
            }
        }
    }
    return bad;
}

/* The same for character ch in attribute attr (blink enabled: bit 7 does
 * not brighten the background). */
static inline int vga_picture_cell_diff(const VgaPicture *p, int row, int col,
                                        uint8_t ch, uint8_t attr,
                                        int cursor_first, int cursor_last,
                                        char **why)
{
    return vga_picture_cell_diff_rgb(p, row, col, ch,
                                     vga_cga_palette[attr & 0x0f],
                                     vga_cga_palette[(attr >> 4) & 0x07],
                                     false, cursor_first, cursor_last, why);
}

#endif
