/*
 * The SDL2 window back end (ui/sdl2.c), started by display_init("sdl").
 * Only built with SDL2 and pixman (CONFIG_SDL, CONFIG_PIXMAN).
 */
#ifndef LAPIS_UI_SDL2_H
#define LAPIS_UI_SDL2_H

#include "qemu/osdep.h"

/* Open the window and start its refresh timer; false with errp when SDL
 * cannot start (no video device, e.g. no X display). Main thread. */
bool sdl_display_init(GError **errp);
void sdl_display_cleanup(void);

#endif
