/*
 * The 8x16 console font (code page 437) that the text-mode renderer and the
 * tests draw with. Each glyph is 16 bytes, one per scanline from the top;
 * bit 7 of a byte is the leftmost pixel, as a VGA font plane stores it.
 */
#ifndef LAPIS_UI_VGAFONT_H
#define LAPIS_UI_VGAFONT_H

#include <stdint.h>

#define VGAFONT_WIDTH   8
#define VGAFONT_HEIGHT  16

/* The 16 scanlines of code point ch (0x00-0xFF). Thread-safe; built once. */
const uint8_t *vgafont_glyph(uint8_t ch);

#endif
