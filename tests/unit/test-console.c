/*
 * Unit tests of the text console renderer (ui/console.c) with a screen
 * described directly, no device: the blink phases the window goes through
 * (screendump only ever shows one), the VGA blink timing, cursor clamping,
 * wrap-around of the text memory, keyboard routing and display_init's
 * choices.
 */
#include "qemu/osdep.h"
#include "ui/config-ui.h"
#include "ui/console.h"
#include "ui/vgafont.h"
#include "qemu/timer.h"
#include "hw/qdev.h"
#include "hw/input/i8042.h"
#include "softmmu/memory.h"

#define VRAM_SIZE 0x1000        /* 2048 cells */

typedef struct FakeScreen {
    uint8_t vram[VRAM_SIZE];
    TextScreen ts;
} FakeScreen;

static void fake_get_screen(void *opaque, TextScreen *ts)
{
    FakeScreen *f = opaque;

    *ts = f->ts;
    ts->vram = f->vram;
}

static const TextConsoleOps fake_ops = { .get_screen = fake_get_screen };

static FakeScreen *fake_new(void)
{
    FakeScreen *f = g_new0(FakeScreen, 1);

    for (int i = 0; i < VRAM_SIZE; i += 2) {
        f->vram[i] = ' ';
        f->vram[i + 1] = 0x07;
    }
    f->ts = (TextScreen) {
        .vram_size = VRAM_SIZE, .cols = 80, .rows = 25,
        .cursor_enabled = false, .blink_enabled = true,
    };
    return f;
}

static uint32_t px(DisplaySurface *s, int x, int y)
{
    return surface_data(s)[y * (surface_stride(s) / 4) + x] & 0xffffff;
}

/* The scanline bits of cell (row, col) in colour fg: bit 7 leftmost. */
static uint8_t cell_bits(DisplaySurface *s, int row, int col, int y,
                         uint32_t fg)
{
    uint8_t bits = 0;

    for (int x = 0; x < 8; x++) {
        if (px(s, col * 8 + x, row * 16 + y) == fg) {
            bits |= 0x80 >> x;
        }
    }
    return bits;
}

static bool have_rendering(void)
{
#ifdef CONFIG_PIXMAN
    return true;
#else
    g_test_skip("built without pixman: nothing is rendered");
    return false;
#endif
}

static void test_blink_off_phase_hides_blinking_characters(void)
{
    FakeScreen *f = fake_new();
    QemuConsole *con = text_console_register(NULL, &fake_ops, f);
    ConsolePhase off = { .blink_visible = false, .cursor_visible = true };
    DisplaySurface *s;

    if (!have_rendering()) {
        goto out;
    }
    f->vram[0] = 'W';
    f->vram[1] = 0x9e;          /* blinking yellow on blue */
    f->vram[2] = 'W';
    f->vram[3] = 0x1e;          /* steady yellow on blue */
    s = console_update(con, off);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 0, 0, y, console_palette[0xe]), ==, 0);
        g_assert_cmphex(cell_bits(s, 0, 1, y, console_palette[0xe]), ==,
                        vgafont_glyph('W')[y]);
        g_assert_cmphex(px(s, 7, y), ==, console_palette[1]);
    }
    s = console_update(con, CONSOLE_PHASE_SHOWN);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 0, 0, y, console_palette[0xe]), ==,
                        vgafont_glyph('W')[y]);
    }
out:
    console_unregister(con);
    g_free(f);
}

static void test_intensity_mode_ignores_blink_phase(void)
{
    FakeScreen *f = fake_new();
    QemuConsole *con = text_console_register(NULL, &fake_ops, f);
    ConsolePhase off = { .blink_visible = false, .cursor_visible = false };
    DisplaySurface *s;

    if (!have_rendering()) {
        goto out;
    }
    f->ts.blink_enabled = false;
    f->vram[0] = 'M';
    f->vram[1] = 0x9e;          /* bright blue background, steady */
    s = console_update(con, off);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 0, 0, y, console_palette[0xe]), ==,
                        vgafont_glyph('M')[y]);
    }
    g_assert_cmphex(px(s, 7, 0), ==, console_palette[9]);
out:
    console_unregister(con);
    g_free(f);
}

static void test_cursor_blinks_and_clamps_to_cell(void)
{
    FakeScreen *f = fake_new();
    QemuConsole *con = text_console_register(NULL, &fake_ops, f);
    ConsolePhase hidden = { .blink_visible = true, .cursor_visible = false };
    DisplaySurface *s;

    if (!have_rendering()) {
        goto out;
    }
    f->ts.cursor_enabled = true;
    f->ts.cursor = 81;          /* row 1, column 1 */
    f->ts.cursor_start = 14;
    f->ts.cursor_end = 31;      /* past the cell: stops at scanline 15 */
    s = console_update(con, CONSOLE_PHASE_SHOWN);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 1, 1, y, console_palette[7]), ==,
                        y >= 14 ? 0xff : 0);
    }
    s = console_update(con, hidden);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 1, 1, y, console_palette[7]), ==, 0);
    }
out:
    console_unregister(con);
    g_free(f);
}

static void test_start_address_wraps_around_text_memory(void)
{
    FakeScreen *f = fake_new();
    QemuConsole *con = text_console_register(NULL, &fake_ops, f);
    DisplaySurface *s;

    if (!have_rendering()) {
        goto out;
    }
    f->ts.start = VRAM_SIZE / 2 - 1;    /* the last cell, then cell 0 */
    f->vram[VRAM_SIZE - 2] = 'L';
    f->vram[VRAM_SIZE - 1] = 0x0f;
    f->vram[0] = 'F';
    f->vram[1] = 0x0f;
    s = console_update(con, CONSOLE_PHASE_SHOWN);
    for (int y = 0; y < 16; y++) {
        g_assert_cmphex(cell_bits(s, 0, 0, y, console_palette[0xf]), ==,
                        vgafont_glyph('L')[y]);
        g_assert_cmphex(cell_bits(s, 0, 1, y, console_palette[0xf]), ==,
                        vgafont_glyph('F')[y]);
    }
out:
    console_unregister(con);
    g_free(f);
}

static void test_blink_timing_follows_vga_frame_counts(void)
{
    const int64_t frame = NANOSECONDS_PER_SECOND / 70;
    ConsolePhase p;

    p = console_phase_at(0);
    g_assert_true(p.blink_visible && p.cursor_visible);
    p = console_phase_at(8 * frame + 1);          /* cursor half period */
    g_assert_true(p.blink_visible);
    g_assert_false(p.cursor_visible);
    p = console_phase_at(16 * frame + 1);         /* character half period */
    g_assert_false(p.blink_visible);
    g_assert_true(p.cursor_visible);
    p = console_phase_at(32 * frame + 1);
    g_assert_true(p.blink_visible && p.cursor_visible);
}

static void test_consoles_are_numbered_in_order(void)
{
    FakeScreen *a = fake_new(), *b = fake_new();
    QemuConsole *ca = text_console_register(NULL, &fake_ops, a);
    QemuConsole *cb = text_console_register(NULL, &fake_ops, b);

    g_assert_true(qemu_console_lookup_by_index(0) == ca);
    g_assert_true(qemu_console_lookup_by_index(1) == cb);
    g_assert_null(qemu_console_lookup_by_index(2));
    console_unregister(ca);
    g_assert_true(qemu_console_lookup_by_index(0) == cb);
    console_unregister(cb);
    g_assert_null(qemu_console_lookup_by_index(0));
    g_free(a);
    g_free(b);
}

static int last_scancode;
static bool last_down;

static void record_key(void *opaque, int scancode, bool down)
{
    (*(int *)opaque)++;
    last_scancode = scancode;
    last_down = down;
}

static void test_keys_reach_the_registered_handler(void)
{
    int calls = 0;

    qemu_input_send_key(0x1e, true);        /* no handler: dropped */
    qemu_input_set_kbd_handler(record_key, &calls);
    qemu_input_send_key(0xe048, true);
    g_assert_cmpint(calls, ==, 1);
    g_assert_cmphex(last_scancode, ==, 0xe048);
    g_assert_true(last_down);
    qemu_input_send_key(0xe048, false);
    g_assert_false(last_down);
    qemu_input_set_kbd_handler(NULL, NULL);
    qemu_input_send_key(0x1e, true);
    g_assert_cmpint(calls, ==, 2);
}

static uint8_t inb(uint16_t port)
{
    uint8_t v = 0xff;

    g_assert_cmpint(address_space_read(&address_space_io, port, &v, 1), ==,
                    MEMTX_OK);
    return v;
}

static void outb(uint16_t port, uint8_t v)
{
    g_assert_cmpint(address_space_write(&address_space_io, port, &v, 1), ==,
                    MEMTX_OK);
}

static void test_keys_without_handler_reach_the_i8042(void)
{
    GError *err = NULL;
    DeviceState *kbd;
    static const uint8_t want[] = { 0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8 };

    memory_system_init();
    kbd = qdev_new(TYPE_I8042);
    g_assert_true(qdev_realize(kbd, NULL, &err));
    g_assert_no_error(err);
    device_reset(kbd);

    /* command byte: translate to set 1 (XLATE), as PC firmware sets it */
    outb(I8042_CMD_PORT, 0x60);
    outb(I8042_DATA_PORT, 0x40);

    qemu_input_set_kbd_handler(NULL, NULL);
    qemu_input_send_key(0x1e, true);        /* A */
    qemu_input_send_key(0x1e, false);
    qemu_input_send_key(0xe048, true);      /* up arrow */
    qemu_input_send_key(0xe048, false);
    /* the keyboard sends set 2, the controller translates it back: the
     * bytes come back as they were sent */
    for (size_t i = 0; i < sizeof(want); i++) {
        g_assert_cmphex(inb(I8042_CMD_PORT) & 0x01, ==, 0x01);   /* OBF */
        g_assert_cmphex(inb(I8042_DATA_PORT), ==, want[i]);
    }
    g_assert_cmphex(inb(I8042_CMD_PORT) & 0x01, ==, 0);
    qdev_unrealize_and_free(kbd);
}

static void test_display_init_choices(void)
{
    GError *err = NULL;

    g_assert_true(display_init("none", &err));
    g_assert_no_error(err);
    g_assert_false(display_init("gtk", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'gtk'"));
    g_clear_error(&err);
    display_cleanup();          /* nothing open: harmless */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/blink/off-phase-hides-blinking-characters",
                    test_blink_off_phase_hides_blinking_characters);
    g_test_add_func("/console/blink/intensity-mode-ignores-blink-phase",
                    test_intensity_mode_ignores_blink_phase);
    g_test_add_func("/console/blink/timing-follows-vga-frame-counts",
                    test_blink_timing_follows_vga_frame_counts);
    g_test_add_func("/console/cursor/blinks-and-clamps-to-cell",
                    test_cursor_blinks_and_clamps_to_cell);
    g_test_add_func("/console/text/start-address-wraps-around-memory",
                    test_start_address_wraps_around_text_memory);
    g_test_add_func("/console/index/consoles-numbered-in-order",
                    test_consoles_are_numbered_in_order);
    g_test_add_func("/console/input/keys-reach-registered-handler",
                    test_keys_reach_the_registered_handler);
    g_test_add_func("/console/input/keys-without-handler-reach-i8042",
                    test_keys_without_handler_reach_the_i8042);
    g_test_add_func("/console/display-init/none-ok-unknown-refused",
                    test_display_init_choices);
    return g_test_run();
}
