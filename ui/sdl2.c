/*
 * The SDL2 window (-display sdl): shows console 0 scaled to the window
 * (whole multiples of the 640x400 picture, kept in proportion), sends the
 * keyboard to the emulated keyboard controller as PC scancode set 1, names
 * the run state in the title ("lapis [Running]", "lapis [Paused]"), and
 * closing it shuts the machine down as QEMU's SDL display does (shutdown
 * cause "host-ui"). Everything runs in the main thread from a real-time
 * timer about 30 times a second, with the BQL held: it polls SDL's events,
 * redraws the picture at the current blink phase and refreshes the title
 * when the run state changed. Not done: the mouse, grabs, full screen, host
 * key combinations (Ctrl-Alt-...), more than one console, and the Pause key
 * (its E1 sequence); key repeat is passed on as repeated make codes, as a
 * PC keyboard's typematic repeat sends them.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "ui/config-ui.h"
#include "ui/console.h"
#include "ui/sdl2.h"
#include "qemu/timer.h"
#include "softmmu/runstate.h"
#include "trace/ui.h"

#include <SDL.h>

#define SDL_REFRESH_NS      (NANOSECONDS_PER_SECOND / 30)
#define SDL_DEFAULT_WIDTH   640
#define SDL_DEFAULT_HEIGHT  400

typedef struct SDLDisplay {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    QEMUTimer *timer;
    RunState title_state;
    bool title_set;
} SDLDisplay;

static SDLDisplay *sdl;

/*
 * SDL scancodes are USB HID usages (HID Usage Tables, keyboard page 0x07);
 * the values are PC scancode set 1 make codes, 0xE0xx for extended keys.
 */
static const uint16_t sdl_to_set1[SDL_NUM_SCANCODES] = {
    [SDL_SCANCODE_A] = 0x1e, [SDL_SCANCODE_B] = 0x30, [SDL_SCANCODE_C] = 0x2e,
    [SDL_SCANCODE_D] = 0x20, [SDL_SCANCODE_E] = 0x12, [SDL_SCANCODE_F] = 0x21,
    [SDL_SCANCODE_G] = 0x22, [SDL_SCANCODE_H] = 0x23, [SDL_SCANCODE_I] = 0x17,
    [SDL_SCANCODE_J] = 0x24, [SDL_SCANCODE_K] = 0x25, [SDL_SCANCODE_L] = 0x26,
    [SDL_SCANCODE_M] = 0x32, [SDL_SCANCODE_N] = 0x31, [SDL_SCANCODE_O] = 0x18,
    [SDL_SCANCODE_P] = 0x19, [SDL_SCANCODE_Q] = 0x10, [SDL_SCANCODE_R] = 0x13,
    [SDL_SCANCODE_S] = 0x1f, [SDL_SCANCODE_T] = 0x14, [SDL_SCANCODE_U] = 0x16,
    [SDL_SCANCODE_V] = 0x2f, [SDL_SCANCODE_W] = 0x11, [SDL_SCANCODE_X] = 0x2d,
    [SDL_SCANCODE_Y] = 0x15, [SDL_SCANCODE_Z] = 0x2c,
    [SDL_SCANCODE_1] = 0x02, [SDL_SCANCODE_2] = 0x03, [SDL_SCANCODE_3] = 0x04,
    [SDL_SCANCODE_4] = 0x05, [SDL_SCANCODE_5] = 0x06, [SDL_SCANCODE_6] = 0x07,
    [SDL_SCANCODE_7] = 0x08, [SDL_SCANCODE_8] = 0x09, [SDL_SCANCODE_9] = 0x0a,
    [SDL_SCANCODE_0] = 0x0b,
    [SDL_SCANCODE_RETURN] = 0x1c, [SDL_SCANCODE_ESCAPE] = 0x01,
    [SDL_SCANCODE_BACKSPACE] = 0x0e, [SDL_SCANCODE_TAB] = 0x0f,
    [SDL_SCANCODE_SPACE] = 0x39, [SDL_SCANCODE_MINUS] = 0x0c,
    [SDL_SCANCODE_EQUALS] = 0x0d, [SDL_SCANCODE_LEFTBRACKET] = 0x1a,
    [SDL_SCANCODE_RIGHTBRACKET] = 0x1b, [SDL_SCANCODE_BACKSLASH] = 0x2b,
    [SDL_SCANCODE_NONUSHASH] = 0x2b, [SDL_SCANCODE_SEMICOLON] = 0x27,
    [SDL_SCANCODE_APOSTROPHE] = 0x28, [SDL_SCANCODE_GRAVE] = 0x29,
    [SDL_SCANCODE_COMMA] = 0x33, [SDL_SCANCODE_PERIOD] = 0x34,
    [SDL_SCANCODE_SLASH] = 0x35, [SDL_SCANCODE_CAPSLOCK] = 0x3a,
    [SDL_SCANCODE_F1] = 0x3b, [SDL_SCANCODE_F2] = 0x3c, [SDL_SCANCODE_F3] = 0x3d,
    [SDL_SCANCODE_F4] = 0x3e, [SDL_SCANCODE_F5] = 0x3f, [SDL_SCANCODE_F6] = 0x40,
    [SDL_SCANCODE_F7] = 0x41, [SDL_SCANCODE_F8] = 0x42, [SDL_SCANCODE_F9] = 0x43,
    [SDL_SCANCODE_F10] = 0x44, [SDL_SCANCODE_F11] = 0x57,
    [SDL_SCANCODE_F12] = 0x58,
    [SDL_SCANCODE_PRINTSCREEN] = 0xe037, [SDL_SCANCODE_SCROLLLOCK] = 0x46,
    [SDL_SCANCODE_INSERT] = 0xe052, [SDL_SCANCODE_HOME] = 0xe047,
    [SDL_SCANCODE_PAGEUP] = 0xe049, [SDL_SCANCODE_DELETE] = 0xe053,
    [SDL_SCANCODE_END] = 0xe04f, [SDL_SCANCODE_PAGEDOWN] = 0xe051,
    [SDL_SCANCODE_RIGHT] = 0xe04d, [SDL_SCANCODE_LEFT] = 0xe04b,
    [SDL_SCANCODE_DOWN] = 0xe050, [SDL_SCANCODE_UP] = 0xe048,
    [SDL_SCANCODE_NUMLOCKCLEAR] = 0x45, [SDL_SCANCODE_KP_DIVIDE] = 0xe035,
    [SDL_SCANCODE_KP_MULTIPLY] = 0x37, [SDL_SCANCODE_KP_MINUS] = 0x4a,
    [SDL_SCANCODE_KP_PLUS] = 0x4e, [SDL_SCANCODE_KP_ENTER] = 0xe01c,
    [SDL_SCANCODE_KP_1] = 0x4f, [SDL_SCANCODE_KP_2] = 0x50,
    [SDL_SCANCODE_KP_3] = 0x51, [SDL_SCANCODE_KP_4] = 0x4b,
    [SDL_SCANCODE_KP_5] = 0x4c, [SDL_SCANCODE_KP_6] = 0x4d,
    [SDL_SCANCODE_KP_7] = 0x47, [SDL_SCANCODE_KP_8] = 0x48,
    [SDL_SCANCODE_KP_9] = 0x49, [SDL_SCANCODE_KP_0] = 0x52,
    [SDL_SCANCODE_KP_PERIOD] = 0x53, [SDL_SCANCODE_NONUSBACKSLASH] = 0x56,
    [SDL_SCANCODE_APPLICATION] = 0xe05d,
    [SDL_SCANCODE_LCTRL] = 0x1d, [SDL_SCANCODE_LSHIFT] = 0x2a,
    [SDL_SCANCODE_LALT] = 0x38, [SDL_SCANCODE_LGUI] = 0xe05b,
    [SDL_SCANCODE_RCTRL] = 0xe01d, [SDL_SCANCODE_RSHIFT] = 0x36,
    [SDL_SCANCODE_RALT] = 0xe038, [SDL_SCANCODE_RGUI] = 0xe05c,
};

static void sdl_update_title(SDLDisplay *d)
{
    RunState state = runstate_get();
    g_autofree char *name = NULL;
    g_autofree char *title = NULL;

    if (d->title_set && state == d->title_state) {
        return;
    }
    name = g_strdup(runstate_name(state));
    if (name[0]) {
        name[0] = g_ascii_toupper(name[0]);
    }
    title = g_strdup_printf("lapis [%s]", name);
    trace_sdl_title(title);
    SDL_SetWindowTitle(d->window, title);
    d->title_state = state;
    d->title_set = true;
}

static void sdl_draw(SDLDisplay *d)
{
    QemuConsole *con = qemu_console_lookup_by_index(0);
    DisplaySurface *surface = NULL;

    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    if (con) {
        surface = console_update(con,
                                 console_phase_at(get_clock_realtime_ns()));
    }
    if (surface) {
        int w = surface_width(surface), h = surface_height(surface);
        if (!d->texture || d->tex_w != w || d->tex_h != h) {
            if (d->texture) {
                SDL_DestroyTexture(d->texture);
            }
            d->texture = SDL_CreateTexture(d->renderer, SDL_PIXELFORMAT_RGB888,
                                           SDL_TEXTUREACCESS_STREAMING, w, h);
            d->tex_w = w;
            d->tex_h = h;
            SDL_RenderSetLogicalSize(d->renderer, w, h);
        }
        if (d->texture) {
            SDL_UpdateTexture(d->texture, NULL, surface_data(surface),
                              surface_stride(surface));
            SDL_RenderCopy(d->renderer, d->texture, NULL, NULL);
        }
    }
    SDL_RenderPresent(d->renderer);
}

static void sdl_key(const SDL_KeyboardEvent *ev)
{
    SDL_Scancode sc = ev->keysym.scancode;

    if (sc >= 0 && sc < SDL_NUM_SCANCODES && sdl_to_set1[sc]) {
        qemu_input_send_key(sdl_to_set1[sc], ev->type == SDL_KEYDOWN);
    }
}

static void sdl_close_requested(void)
{
    trace_sdl_window_close(SHUTDOWN_CAUSE_HOST_UI);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
}

static void sdl_refresh(void *opaque)
{
    SDLDisplay *d = opaque;
    SDL_Event ev;

    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
        case SDL_QUIT:
            sdl_close_requested();
            break;
        case SDL_WINDOWEVENT:
            if (ev.window.event == SDL_WINDOWEVENT_CLOSE) {
                sdl_close_requested();
            }
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            sdl_key(&ev.key);
            break;
        default:
            break;
        }
    }
    sdl_update_title(d);
    sdl_draw(d);
    timer_mod(d->timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + SDL_REFRESH_NS);
}

bool sdl_display_init(GError **errp)
{
    SDLDisplay *d;
    const char *driver;

    if (sdl) {
        return true;
    }
    /*
     * Nothing to show a window on: say so here, before SDL probes every
     * video driver (its Wayland probe prints its own complaints).
     */
    if (!g_getenv("SDL_VIDEODRIVER") && !g_getenv("DISPLAY") &&
        !g_getenv("WAYLAND_DISPLAY")) {
        error_setg(errp, "Could not initialize SDL(no display to open a "
                   "window on: set DISPLAY, WAYLAND_DISPLAY or "
                   "SDL_VIDEODRIVER) - exiting");
        return false;
    }
    /* The launcher handles SIGINT/SIGTERM itself. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        error_setg(errp, "Could not initialize SDL(%s) - exiting",
                   SDL_GetError());
        return false;
    }
    /*
     * With no display SDL falls back to its "offscreen" driver and would
     * show nothing while looking as if it worked; take it (or "dummy")
     * only when the user asked for it by name.
     */
    driver = SDL_GetCurrentVideoDriver();
    if (!g_getenv("SDL_VIDEODRIVER") && driver &&
        (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0)) {
        error_setg(errp, "Could not initialize SDL(no display to open a "
                   "window on: SDL chose its '%s' driver) - exiting", driver);
        SDL_Quit();
        return false;
    }
    d = g_new0(SDLDisplay, 1);
    d->window = SDL_CreateWindow("lapis", SDL_WINDOWPOS_UNDEFINED,
                                 SDL_WINDOWPOS_UNDEFINED, SDL_DEFAULT_WIDTH,
                                 SDL_DEFAULT_HEIGHT, SDL_WINDOW_RESIZABLE);
    if (d->window) {
        d->renderer = SDL_CreateRenderer(d->window, -1, 0);
        if (!d->renderer) {
            d->renderer = SDL_CreateRenderer(d->window, -1,
                                             SDL_RENDERER_SOFTWARE);
        }
    }
    if (!d->window || !d->renderer) {
        error_setg(errp, "SDL window: %s", SDL_GetError());
        if (d->window) {
            SDL_DestroyWindow(d->window);
        }
        g_free(d);
        SDL_Quit();
        return false;
    }
    SDL_RenderSetIntegerScale(d->renderer, SDL_TRUE);
    sdl = d;
    sdl_update_title(d);
    d->timer = timer_new_ns(QEMU_CLOCK_REALTIME, sdl_refresh, d);
    timer_mod(d->timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME));
    return true;
}

void sdl_display_cleanup(void)
{
    SDLDisplay *d = sdl;

    if (!d) {
        return;
    }
    sdl = NULL;
    timer_free(d->timer);
    if (d->texture) {
        SDL_DestroyTexture(d->texture);
    }
    SDL_DestroyRenderer(d->renderer);
    SDL_DestroyWindow(d->window);
    SDL_Quit();
    g_free(d);
}
