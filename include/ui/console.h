/*
 * Consoles and display surfaces.
 *
 * A display device (hw/display/vga-text.c) registers a QemuConsole and
 * answers, when asked, what its text screen holds (TextScreen). The console
 * renders that screen into its DisplaySurface, a pixman image of 8x16-pixel
 * character cells, whenever a display back end refreshes (the SDL window,
 * about 30 times a second) or QMP screendump takes a picture. Consoles are
 * numbered in the order they were registered, as QEMU's are; screendump
 * without a device dumps console 0.
 *
 * Keyboard input: a display back end turns host key events into PC scancode
 * set 1 codes and hands them to qemu_input_send_key(), which passes them to
 * the machine's i8042 keyboard controller.
 *
 * Everything here runs in the main thread with the BQL held.
 */
#ifndef LAPIS_UI_CONSOLE_H
#define LAPIS_UI_CONSOLE_H

#include "qemu/osdep.h"

typedef struct DeviceState DeviceState;
typedef struct QemuConsole QemuConsole;
typedef struct DisplaySurface DisplaySurface;

/* What a text-mode display shows, as its registers and memory describe it. */
typedef struct TextScreen {
    const uint8_t *vram;        /* character/attribute byte pairs */
    uint32_t vram_size;         /* bytes; a power of two, addresses wrap */
    uint32_t start;             /* first cell shown (CRTC start address) */
    unsigned cols, rows;
    bool cursor_enabled;
    uint32_t cursor;            /* cell the cursor is on (CRTC cursor location) */
    uint8_t cursor_start;       /* first and last scanline of the cursor; */
    uint8_t cursor_end;         /* start > end shows no cursor */
    bool blink_enabled;         /* attribute bit 7: blink (true) or bright
                                 * background (false) */
} TextScreen;

typedef struct TextConsoleOps {
    void (*get_screen)(void *opaque, TextScreen *screen);
} TextConsoleOps;

/*
 * The moment of the blink cycle a picture shows. The window follows the
 * real-time clock; screendump always uses CONSOLE_PHASE_SHOWN (blinking
 * characters and the cursor both visible) so its pictures do not depend on
 * when they are taken.
 */
typedef struct ConsolePhase {
    bool blink_visible;         /* blinking characters drawn */
    bool cursor_visible;        /* cursor drawn */
} ConsolePhase;
#define CONSOLE_PHASE_SHOWN ((ConsolePhase){ true, true })

/* Character cell geometry and the surface size of an 80x25 screen. */
#define CONSOLE_CELL_WIDTH   8
#define CONSOLE_CELL_HEIGHT  16

/* The 16 colours of the CGA/EGA text palette, as 0x00RRGGBB. */
extern const uint32_t console_palette[16];

QemuConsole *text_console_register(DeviceState *dev, const TextConsoleOps *ops,
                                   void *opaque);
void console_unregister(QemuConsole *con);

QemuConsole *qemu_console_lookup_by_index(unsigned index);
/* The console of device `id` (its id or /machine path) and head; errors as
 * QEMU's ("Device 'x' not found", class DeviceNotFound). */
QemuConsole *qemu_console_lookup_by_device_name(const char *id, uint32_t head,
                                                GError **errp);

/*
 * Render the device's current screen into the console's surface and return
 * it; NULL when this build has no rendering (built without pixman).
 */
DisplaySurface *console_update(QemuConsole *con, ConsolePhase phase);
/* The phase of the blink cycle at this real time (ns, QEMU_CLOCK_REALTIME). */
ConsolePhase console_phase_at(int64_t realtime_ns);

/* Surface access (x8r8g8b8 pixels, 0x00RRGGBB in host order). */
int surface_width(DisplaySurface *s);
int surface_height(DisplaySurface *s);
int surface_stride(DisplaySurface *s);          /* bytes per line */
const uint32_t *surface_data(DisplaySurface *s);

/*
 * Start a display back end: "none" (nothing to do) or "sdl" (a window, when
 * built with SDL2). The launcher calls it once after the machine and its
 * devices exist, in the main thread. False with errp when the back end is
 * unknown, not built in, or cannot start (no X display).
 */
bool display_init(const char *name, GError **errp);
/* Close the window, if any (the launcher's cleanup; safe without one). */
void display_cleanup(void);

/* Keyboard: where decoded host key events go (scancode set 1; extended keys
 * as 0xE0xx). Without a handler they go to the machine's i8042
 * (i8042_put_keycode); a handler, when set, takes them instead (tests, or
 * another keyboard). One handler; a later call replaces it. */
typedef void (*KbdEventFunc)(void *opaque, int scancode, bool down);
void qemu_input_set_kbd_handler(KbdEventFunc fn, void *opaque);
/* Send one key event to the handler (nothing happens without one). */
void qemu_input_send_key(int scancode, bool down);

#endif
