/*
 * Consoles: the list of display devices, and the text-mode renderer that
 * turns a device's character/attribute cells into pixels of a pixman
 * surface with the 8x16 console font (ui/vgafont.c). Colours are the 16 of
 * the CGA/EGA text palette; attribute bits follow the IBM VGA Technical
 * Reference (attribute byte: bits 0-3 foreground, 4-6 background, 7 blink
 * or background intensity as attribute mode control bit 3 selects). The
 * blink rates follow the VGA's: the cursor toggles every 8 frames and
 * blinking characters every 16, at the 70 Hz refresh of the 80x25 mode.
 * Not modelled: the attribute palette and DAC remapping (every device is
 * drawn with the standard palette), 9-pixel-wide cells, character heights
 * other than 16 scanlines, underline attributes of the monochrome adapter.
 * Without pixman (a build option) nothing is rendered: console_update
 * returns NULL, and screendump and the window say so.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "ui/config-ui.h"
#include "ui/console.h"
#include "ui/vgafont.h"
#include "ui/sdl2.h"
#include "qemu/timer.h"
#include "hw/qdev.h"
#include "hw/input/i8042.h"
#include "trace/ui.h"

#ifdef CONFIG_PIXMAN
#include <pixman.h>
#endif

struct DisplaySurface {
#ifdef CONFIG_PIXMAN
    pixman_image_t *image;
#endif
    int width, height;
};

struct QemuConsole {
    unsigned index;
    DeviceState *dev;
    const TextConsoleOps *ops;
    void *opaque;
    DisplaySurface *surface;
};

const uint32_t console_palette[16] = {
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa,     /* black blue green cyan */
    0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,     /* red magenta brown grey */
    0x555555, 0x5555ff, 0x55ff55, 0x55ffff,     /* bright versions */
    0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

/* Attribute byte, IBM VGA Technical Reference "Attribute Byte Definition". */
#define ATTR_FG(a)          ((a) & 0x0f)
#define ATTR_BG(a)          (((a) >> 4) & 0x0f)
#define ATTR_BLINK          0x80

/* VGA 80x25 refresh: 70 Hz; cursor half-period 8 frames, characters 16. */
#define VGA_FRAME_HZ        70
#define CURSOR_BLINK_FRAMES 8
#define CHAR_BLINK_FRAMES   16

static GPtrArray *consoles;        /* QemuConsole *, by index */

static KbdEventFunc kbd_handler;
static void *kbd_opaque;

QemuConsole *text_console_register(DeviceState *dev, const TextConsoleOps *ops,
                                   void *opaque)
{
    QemuConsole *con = g_new0(QemuConsole, 1);

    if (!consoles) {
        consoles = g_ptr_array_new();
    }
    con->index = consoles->len;
    con->dev = dev;
    con->ops = ops;
    con->opaque = opaque;
    g_ptr_array_add(consoles, con);
    trace_console_register(con->index, dev && dev->klass ? dev->klass->name : "?");
    return con;
}

static void surface_free(DisplaySurface *s)
{
    if (!s) {
        return;
    }
#ifdef CONFIG_PIXMAN
    pixman_image_unref(s->image);
#endif
    g_free(s);
}

void console_unregister(QemuConsole *con)
{
    if (!con || !consoles) {
        return;
    }
    g_ptr_array_remove(consoles, con);
    for (guint i = 0; i < consoles->len; i++) {
        ((QemuConsole *)g_ptr_array_index(consoles, i))->index = i;
    }
    surface_free(con->surface);
    g_free(con);
}

QemuConsole *qemu_console_lookup_by_index(unsigned index)
{
    if (!consoles || index >= consoles->len) {
        return NULL;
    }
    return g_ptr_array_index(consoles, index);
}

QemuConsole *qemu_console_lookup_by_device_name(const char *id, uint32_t head,
                                                GError **errp)
{
    DeviceState *dev = qdev_find(id);
    uint32_t n = 0;

    if (!dev) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                  "Device '%s' not found", id);
        return NULL;
    }
    for (guint i = 0; consoles && i < consoles->len; i++) {
        QemuConsole *con = g_ptr_array_index(consoles, i);
        if (con->dev == dev && n++ == head) {
            return con;
        }
    }
    error_setg(errp, "Device %s (head %u) is not bound to a QemuConsole",
               id, head);
    return NULL;
}

ConsolePhase console_phase_at(int64_t realtime_ns)
{
    int64_t frame = realtime_ns / (NANOSECONDS_PER_SECOND / VGA_FRAME_HZ);

    return (ConsolePhase) {
        .blink_visible = (frame / CHAR_BLINK_FRAMES) % 2 == 0,
        .cursor_visible = (frame / CURSOR_BLINK_FRAMES) % 2 == 0,
    };
}

#ifdef CONFIG_PIXMAN

static DisplaySurface *surface_new(int width, int height)
{
    DisplaySurface *s = g_new0(DisplaySurface, 1);

    s->width = width;
    s->height = height;
    s->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height,
                                        NULL, width * 4);
    g_assert(s->image);
    return s;
}

int surface_width(DisplaySurface *s)
{
    return s->width;
}

int surface_height(DisplaySurface *s)
{
    return s->height;
}

int surface_stride(DisplaySurface *s)
{
    return pixman_image_get_stride(s->image);
}

const uint32_t *surface_data(DisplaySurface *s)
{
    return pixman_image_get_data(s->image);
}

/* One character cell at pixel row y0, column x0. */
static void render_cell(uint32_t *pixels, int stride_px, const uint8_t *glyph,
                        uint32_t fg, uint32_t bg, bool draw_glyph,
                        int cursor_first, int cursor_last)
{
    for (int y = 0; y < CONSOLE_CELL_HEIGHT; y++) {
        uint32_t *p = pixels + y * stride_px;
        uint8_t bits = draw_glyph ? glyph[y] : 0;

        if (y >= cursor_first && y <= cursor_last) {
            bits = 0xff;
        }
        for (int x = 0; x < CONSOLE_CELL_WIDTH; x++) {
            p[x] = (bits & (0x80 >> x)) ? fg : bg;
        }
    }
}

static void render_text(DisplaySurface *s, const TextScreen *ts,
                        ConsolePhase phase)
{
    uint32_t *data = pixman_image_get_data(s->image);
    int stride_px = pixman_image_get_stride(s->image) / 4;
    uint32_t cell_mask = ts->vram_size / 2 - 1;
    uint32_t ncells = ts->cols * ts->rows;
    /* the cursor's cell, counted from the first cell shown */
    uint32_t cursor_cell = (ts->cursor - ts->start) & cell_mask;
    bool cursor_shown = ts->cursor_enabled && phase.cursor_visible &&
                        ts->cursor_start <= ts->cursor_end &&
                        ts->cursor_start < CONSOLE_CELL_HEIGHT &&
                        cursor_cell < ncells;

    for (uint32_t i = 0; i < ncells; i++) {
        uint32_t off = ((ts->start + i) & cell_mask) * 2;
        uint8_t ch = ts->vram[off], attr = ts->vram[off + 1];
        unsigned bg = ATTR_BG(attr);
        bool draw_glyph = true;
        int row = i / ts->cols, col = i % ts->cols;
        int cfirst = CONSOLE_CELL_HEIGHT, clast = -1;

        if (ts->blink_enabled) {
            /* bit 7 blinks the character; only 8 background colours */
            draw_glyph = !(attr & ATTR_BLINK) || phase.blink_visible;
            bg &= 7;
        }
        if (cursor_shown && i == cursor_cell) {
            cfirst = ts->cursor_start;
            clast = MIN(ts->cursor_end, CONSOLE_CELL_HEIGHT - 1);
        }
        render_cell(data + row * CONSOLE_CELL_HEIGHT * stride_px +
                    col * CONSOLE_CELL_WIDTH, stride_px, vgafont_glyph(ch),
                    console_palette[ATTR_FG(attr)], console_palette[bg],
                    draw_glyph, cfirst, clast);
    }
}

DisplaySurface *console_update(QemuConsole *con, ConsolePhase phase)
{
    TextScreen ts = { 0 };
    int w, h;

    con->ops->get_screen(con->opaque, &ts);
    g_assert(ts.vram_size >= 2 && (ts.vram_size & (ts.vram_size - 1)) == 0);
    /* a screen larger than the memory would show cells twice: clip it */
    while (ts.cols * ts.rows > ts.vram_size / 2 && ts.rows > 1) {
        ts.rows--;
    }
    w = ts.cols * CONSOLE_CELL_WIDTH;
    h = ts.rows * CONSOLE_CELL_HEIGHT;
    if (!con->surface || con->surface->width != w ||
        con->surface->height != h) {
        surface_free(con->surface);
        con->surface = surface_new(w, h);
    }
    render_text(con->surface, &ts, phase);
    return con->surface;
}

#else /* !CONFIG_PIXMAN */

DisplaySurface *console_update(QemuConsole *con, ConsolePhase phase)
{
    return NULL;
}

int surface_width(DisplaySurface *s)
{
    return s->width;
}

int surface_height(DisplaySurface *s)
{
    return s->height;
}

int surface_stride(DisplaySurface *s)
{
    return 0;
}

const uint32_t *surface_data(DisplaySurface *s)
{
    return NULL;
}

#endif /* CONFIG_PIXMAN */

bool display_init(const char *name, GError **errp)
{
    if (!name || strcmp(name, "none") == 0) {
        return true;
    }
    if (strcmp(name, "sdl") == 0) {
#if defined(CONFIG_SDL) && defined(CONFIG_PIXMAN)
        return sdl_display_init(errp);
#else
        error_setg(errp, "Display 'sdl' is not available in this build "
                   "(it needs SDL2 and pixman)");
        return false;
#endif
    }
    error_setg(errp, "Display '%s' is not available (choose none or sdl)",
               name);
    return false;
}

void display_cleanup(void)
{
#if defined(CONFIG_SDL) && defined(CONFIG_PIXMAN)
    sdl_display_cleanup();
#endif
}

void qemu_input_set_kbd_handler(KbdEventFunc fn, void *opaque)
{
    kbd_handler = fn;
    kbd_opaque = opaque;
}

static void find_i8042(DeviceState *dev, void *opaque)
{
    DeviceState **found = opaque;

    if (!*found && strcmp(dev->klass->name, TYPE_I8042) == 0) {
        *found = dev;
    }
}

/*
 * The default route: the machine's i8042, as set 1 bytes (an 0xE0 prefix
 * for extended keys, bit 7 set in a break code).
 */
static void send_to_i8042(int scancode, bool down)
{
    DeviceState *kbd = NULL;
    uint8_t bytes[2];
    size_t n = 0;

    qdev_foreach(find_i8042, &kbd);
    if (!kbd) {
        return;
    }
    if (scancode > 0xff) {
        bytes[n++] = scancode >> 8;
    }
    bytes[n++] = (scancode & 0x7f) | (down ? 0 : 0x80);
    i8042_put_keycode(kbd, I8042_SCANCODE_SET1, bytes, n);
}

void qemu_input_send_key(int scancode, bool down)
{
    trace_console_key(scancode, down);
    if (kbd_handler) {
        kbd_handler(kbd_opaque, scancode, down);
    } else {
        send_to_i8042(scancode, down);
    }
}
