/*
 * qtest of the VGA text adapter ("isa-vga") and QMP screendump: text and
 * attributes are stored into 0xB8000, registers set through ports
 * 0x3C0-0x3DF, and the screendump PPM is compared pixel for pixel with a
 * rendering computed here from the same font (ui/vgafont.c is linked into
 * this test) and the CGA palette written out below. Screendump draws the
 * blink phase where blinking characters and the cursor are both visible.
 * Each test makes its own adapter with "-device isa-vga,id=vga0" and dumps
 * that device, so it holds whether or not the board also has one; the
 * no-console test passes -nodefaults.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include "libqtest.h"
#include "ui/config-ui.h"
#include "ui/vgafont.h"
#include "tests/include/vga-picture.h"

#define TEXT_BASE   0xb8000
#define COLS        VGA_COLS
#define ROWS        VGA_ROWS
#define CELL_W      VGA_CELL_W
#define CELL_H      VGA_CELL_H
#define WIDTH       VGA_WIDTH
#define HEIGHT      VGA_HEIGHT

#define CRTC_INDEX  0x3d4
#define CRTC_DATA   0x3d5
#define ATT_WRITE   0x3c0
#define ATT_READ    0x3c1
#define MISC_WRITE  0x3c2
#define MISC_READ   0x3cc
#define STATUS1     0x3da

#define CR_CURSOR_START 0x0a
#define CR_CURSOR_END   0x0b
#define CR_START_HI     0x0c
#define CR_START_LO     0x0d
#define CR_CURSOR_HI    0x0e
#define CR_CURSOR_LO    0x0f
#define CR_CURSOR_OFF   0x20

#define ATT_MODE        0x10
#define ATT_PAS         0x20
#define ATT_MODE_BLINK  0x08

/* The expected colours: the test's own copy of the CGA palette. */
#define cga vga_cga_palette

typedef VgaPicture Picture;

/* Screendump pictures need the renderer, which needs pixman. */
static bool have_rendering(void)
{
#ifdef CONFIG_PIXMAN
    return true;
#else
    g_test_skip("built without pixman: screendump has no surface to save");
    return false;
#endif
}

static QTestState *start_vga(void)
{
    return qtest_init("-device isa-vga,id=vga0");
}

static void put_cell(QTestState *s, int row, int col, uint8_t ch, uint8_t attr)
{
    uint8_t cell[2] = { ch, attr };

    qtest_memwrite(s, TEXT_BASE + (row * COLS + col) * 2, cell, 2);
}

static void crtc_write(QTestState *s, uint8_t index, uint8_t value)
{
    qtest_outb(s, CRTC_INDEX, index);
    qtest_outb(s, CRTC_DATA, value);
}

static uint8_t crtc_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, CRTC_INDEX, index);
    return qtest_inb(s, CRTC_DATA);
}

static void set_cursor(QTestState *s, int row, int col)
{
    uint16_t pos = row * COLS + col;

    crtc_write(s, CR_CURSOR_HI, pos >> 8);
    crtc_write(s, CR_CURSOR_LO, pos & 0xff);
}

/* Write an attribute controller register: reading Input Status 1 first
 * puts the flip-flop on "index". */
static void att_write(QTestState *s, uint8_t index, uint8_t value)
{
    qtest_inb(s, STATUS1);
    qtest_outb(s, ATT_WRITE, index | ATT_PAS);
    qtest_outb(s, ATT_WRITE, value);
}

static JsonObject *screendump_rsp(QTestState *s, const char *extra,
                                  const char *path)
{
    return qtest_qmp(s, "{'execute': 'screendump', 'arguments': "
                     "{'filename': '%s'%s}}", path, extra ? extra : "");
}

/* Take a screendump of vga0 and parse the P6 file. */
static Picture screendump(QTestState *s)
{
    g_autofree char *path = g_build_filename(qtest_tmpdir(s), "dump.ppm",
                                             NULL);
    g_autofree char *why = NULL;
    Picture pic;
    JsonObject *rsp = screendump_rsp(s, ", 'device': 'vga0'", path);

    g_assert_false(qmp_rsp_is_err(rsp));
    json_object_unref(rsp);
    if (!vga_picture_load(path, &pic, &why)) {
        g_test_message("%s", why);
        g_assert_not_reached();
    }
    g_unlink(path);
    return pic;
}

static uint32_t pixel(const Picture *p, int x, int y)
{
    return vga_picture_pixel(p, x, y);
}

/*
 * Compare one cell with the expected picture: the glyph in fg over bg,
 * with scanlines cursor_first..cursor_last (inclusive; -1 for none) filled
 * with fg, and the glyph left out when hide_glyph.
 */
static void check_cell(const Picture *p, int row, int col, uint8_t ch,
                       uint32_t fg, uint32_t bg, bool hide_glyph,
                       int cursor_first, int cursor_last)
{
    g_autofree char *why = NULL;
    int bad = vga_picture_cell_diff_rgb(p, row, col, ch, fg, bg, hide_glyph,
                                        cursor_first, cursor_last, &why);

    if (bad) {
        g_test_message("%d wrong pixels; first: %s", bad, why);
    }
    g_assert_cmpint(bad, ==, 0);
}

static void check_plain_cell(const Picture *p, int row, int col, uint8_t ch,
                             uint8_t attr)
{
    check_cell(p, row, col, ch, cga[attr & 0x0f], cga[(attr >> 4) & 0x07],
               false, -1, -1);
}

static void test_font_printable_ascii_is_distinct(void)
{
    /* every printable character lights some pixel, and no two coincide */
    for (int a = 0x21; a <= 0x7e; a++) {
        const uint8_t *ga = vgafont_glyph(a);
        bool lit = false;
        for (int y = 0; y < CELL_H; y++) {
            lit |= ga[y] != 0;
        }
        g_assert_true(lit);
        for (int b = a + 1; b <= 0x7e; b++) {
            g_assert_true(memcmp(ga, vgafont_glyph(b), CELL_H) != 0);
        }
    }
    for (int y = 0; y < CELL_H; y++) {
        g_assert_cmpint(vgafont_glyph(' ')[y], ==, 0);
        g_assert_cmpint(vgafont_glyph(0xdb)[y], ==, 0xff);   /* full block */
    }
}

static void test_screendump_is_640x400_ppm(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p = screendump(s);

    g_assert_cmpint(p.width, ==, WIDTH);
    g_assert_cmpint(p.height, ==, HEIGHT);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_reset_screen_is_blank_with_cursor_at_origin(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p = screendump(s);

    /* cleared to grey-on-black spaces; mode 3 cursor on scanlines 13-14 */
    check_cell(&p, 0, 0, ' ', cga[7], cga[0], false, 13, 14);
    check_plain_cell(&p, 12, 40, ' ', 0x07);
    check_plain_cell(&p, 24, 79, ' ', 0x07);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_text_renders_with_font_and_palette(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    static const struct { int row, col; uint8_t ch, attr; } cells[] = {
        { 1, 0, 'H', 0x1f },    /* white on blue */
        { 1, 1, 'i', 0x4e },    /* yellow on red */
        { 1, 2, '!', 0x70 },    /* black on grey */
        { 2, 5, 'g', 0x0a },    /* light green, a descender */
        { 3, 7, 0xc9, 0x3b },   /* box corner, light cyan on cyan */
        { 10, 33, '@', 0x6d },  /* light magenta on brown */
        { 24, 79, 'Z', 0x2c },  /* the last cell, light red on green */
    };
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF);
    for (size_t i = 0; i < G_N_ELEMENTS(cells); i++) {
        put_cell(s, cells[i].row, cells[i].col, cells[i].ch, cells[i].attr);
    }
    p = screendump(s);
    for (size_t i = 0; i < G_N_ELEMENTS(cells); i++) {
        check_plain_cell(&p, cells[i].row, cells[i].col, cells[i].ch,
                         cells[i].attr);
    }
    /* a neighbour is untouched */
    check_plain_cell(&p, 1, 3, ' ', 0x07);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_all_sixteen_colours(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF);
    for (int c = 0; c < 16; c++) {
        /* full block in colour c over black */
        put_cell(s, 4, c, 0xdb, c);
    }
    p = screendump(s);
    for (int c = 0; c < 16; c++) {
        g_assert_cmphex(pixel(&p, c * CELL_W + 3, 4 * CELL_H + 7), ==, cga[c]);
    }
    g_assert_cmphex(cga[6], ==, 0xaa5500);  /* brown, not dark yellow */
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_cursor_follows_crtc_location_and_shape(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    put_cell(s, 5, 10, 'A', 0x1e);
    set_cursor(s, 5, 10);
    crtc_write(s, CR_CURSOR_START, 2);
    crtc_write(s, CR_CURSOR_END, 6);
    p = screendump(s);
    check_cell(&p, 5, 10, 'A', cga[0xe], cga[1], false, 2, 6);
    check_plain_cell(&p, 0, 0, ' ', 0x07);      /* no longer at the origin */
    g_free(p.rgb);

    /* a 16-bit OUT writes index then data: cursor location low byte */
    qtest_outw(s, CRTC_INDEX, (((5 * COLS + 11) & 0xff) << 8) | CR_CURSOR_LO);
    g_assert_cmpint(crtc_read(s, CR_CURSOR_LO), ==, (5 * COLS + 11) & 0xff);
    p = screendump(s);
    check_plain_cell(&p, 5, 10, 'A', 0x1e);
    check_cell(&p, 5, 11, ' ', cga[7], cga[0], false, 2, 6);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_cursor_disable_bit_and_empty_shape_hide_it(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF | 13);
    p = screendump(s);
    check_plain_cell(&p, 0, 0, ' ', 0x07);
    g_free(p.rgb);

    /* start after end shows nothing either */
    crtc_write(s, CR_CURSOR_START, 10);
    crtc_write(s, CR_CURSOR_END, 4);
    p = screendump(s);
    check_plain_cell(&p, 0, 0, ' ', 0x07);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_blink_bit_blinks_by_default(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF);
    put_cell(s, 7, 3, 'B', 0x9e);       /* blink, blue bg, yellow fg */
    p = screendump(s);
    /* blink mode: background is colour 1, not bright 9; the picture's
     * phase shows the character */
    check_cell(&p, 7, 3, 'B', cga[0xe], cga[1], false, -1, -1);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_mode_control_bit3_clear_gives_bright_background(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF);
    put_cell(s, 7, 3, 'B', 0x9e);
    att_write(s, ATT_MODE, 0x0c & ~ATT_MODE_BLINK);
    p = screendump(s);
    check_cell(&p, 7, 3, 'B', cga[0xe], cga[9], false, -1, -1);
    g_free(p.rgb);

    /* and back */
    att_write(s, ATT_MODE, 0x0c);
    qtest_inb(s, STATUS1);
    qtest_outb(s, ATT_WRITE, ATT_MODE | ATT_PAS);
    g_assert_cmphex(qtest_inb(s, ATT_READ), ==, 0x0c);
    p = screendump(s);
    check_cell(&p, 7, 3, 'B', cga[0xe], cga[1], false, -1, -1);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_start_address_scrolls_the_screen(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    Picture p;

    crtc_write(s, CR_CURSOR_START, CR_CURSOR_OFF);
    put_cell(s, 1, 0, 'S', 0x0f);
    put_cell(s, 25, 2, 'T', 0x0c);      /* beyond the first page */
    crtc_write(s, CR_START_HI, 0);
    crtc_write(s, CR_START_LO, COLS);   /* one row down */
    p = screendump(s);
    check_plain_cell(&p, 0, 0, 'S', 0x0f);
    check_plain_cell(&p, 24, 2, 'T', 0x0c);
    g_free(p.rgb);
    qtest_quit(s);
}

static void test_registers_read_back(void)
{
    QTestState *s = start_vga();

    /* mode 3 values */
    g_assert_cmphex(qtest_inb(s, MISC_READ), ==, 0x67);
    g_assert_cmphex(crtc_read(s, CR_CURSOR_START), ==, 0x0d);
    g_assert_cmphex(crtc_read(s, CR_CURSOR_END), ==, 0x0e);
    g_assert_cmphex(crtc_read(s, 0x13), ==, 0x28);     /* offset: 80 bytes/2 */

    crtc_write(s, CR_START_LO, 0x5a);
    g_assert_cmphex(crtc_read(s, CR_START_LO), ==, 0x5a);
    g_assert_cmphex(qtest_inb(s, CRTC_INDEX), ==, CR_START_LO);
    qtest_outb(s, MISC_WRITE, 0x63);
    g_assert_cmphex(qtest_inb(s, MISC_READ), ==, 0x63);

    /* CR11 bit 7 protects CR00-CR07 */
    crtc_write(s, 0x11, 0x8e);
    crtc_write(s, 0x01, 0x10);
    g_assert_cmphex(crtc_read(s, 0x01), ==, 0x4f);
    crtc_write(s, 0x11, 0x0e);
    crtc_write(s, 0x01, 0x10);
    g_assert_cmphex(crtc_read(s, 0x01), ==, 0x10);
    qtest_quit(s);
}

static void test_input_status_retrace_toggles(void)
{
    QTestState *s = start_vga();
    uint8_t a = qtest_inb(s, STATUS1), b = qtest_inb(s, STATUS1);

    g_assert_cmphex((a ^ b) & 0x08, ==, 0x08);
    g_assert_cmphex((a ^ b) & 0x01, ==, 0x01);
    qtest_quit(s);
}

static void test_text_memory_is_a_sink_without_display(void)
{
    QTestState *s = start_vga();
    static const uint8_t msg[] = { 'O', 0x07, 'K', 0x07 };
    uint8_t back[sizeof(msg)];

    /* runs under -display none: the text is still stored */
    qtest_memwrite(s, TEXT_BASE + 0x7ffc, msg, sizeof(msg));
    qtest_memread(s, TEXT_BASE + 0x7ffc, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), msg, sizeof(msg));
    g_assert_cmphex(qtest_readw(s, TEXT_BASE), ==, 0x0720);
    qtest_quit(s);
}

static void check_error(JsonObject *rsp, const char *cls, const char *desc)
{
    g_assert_true(qmp_rsp_is_err(rsp));
    g_assert_cmpstr(qmp_rsp_error_class(rsp), ==, cls);
    g_assert_cmpstr(qmp_rsp_error_desc(rsp), ==, desc);
    json_object_unref(rsp);
}

static void test_screendump_errors(void)
{
    if (!have_rendering()) {
        return;
    }
    QTestState *s = start_vga();
    g_autofree char *path = g_build_filename(qtest_tmpdir(s), "e.ppm", NULL);

    check_error(screendump_rsp(s, ", 'format': 'png'", path), "GenericError",
                "Enable PNG support with libpng for screendump");
    check_error(screendump_rsp(s, ", 'head': 0", path), "GenericError",
                "'head' must be specified together with 'device'");
    check_error(screendump_rsp(s, ", 'device': 'nosuch'", path),
                "DeviceNotFound", "Device 'nosuch' not found");
    check_error(screendump_rsp(s, ", 'device': 'vga0', 'head': 1", path),
                "GenericError",
                "Device vga0 (head 1) is not bound to a QemuConsole");
    check_error(qtest_qmp(s, "{'execute': 'screendump', 'arguments': "
                          "{'filename': '/nonexistent/dir/x.ppm'}}"),
                "GenericError",
                "failed to open file '/nonexistent/dir/x.ppm': "
                "No such file or directory");
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    qtest_quit(s);
}

static void test_screendump_without_display_device_fails(void)
{
    QTestState *s = qtest_init("-nodefaults");
    g_autofree char *path = g_build_filename(qtest_tmpdir(s), "n.ppm", NULL);

    check_error(screendump_rsp(s, NULL, path), "GenericError",
                "There is no console to take a screendump from");
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vga/font/printable-ascii-is-lit-and-distinct",
                    test_font_printable_ascii_is_distinct);
    g_test_add_func("/vga/screendump/is-640x400-binary-ppm",
                    test_screendump_is_640x400_ppm);
    g_test_add_func("/vga/reset/screen-is-blank-with-cursor-at-origin",
                    test_reset_screen_is_blank_with_cursor_at_origin);
    g_test_add_func("/vga/text/renders-with-font-and-palette",
                    test_text_renders_with_font_and_palette);
    g_test_add_func("/vga/text/sixteen-cga-colours",
                    test_all_sixteen_colours);
    g_test_add_func("/vga/cursor/follows-crtc-location-and-shape",
                    test_cursor_follows_crtc_location_and_shape);
    g_test_add_func("/vga/cursor/disable-bit-and-empty-shape-hide-it",
                    test_cursor_disable_bit_and_empty_shape_hide_it);
    g_test_add_func("/vga/attr/bit7-blinks-by-default",
                    test_blink_bit_blinks_by_default);
    g_test_add_func("/vga/attr/mode-control-bit3-clear-gives-bright-background",
                    test_mode_control_bit3_clear_gives_bright_background);
    g_test_add_func("/vga/crtc/start-address-scrolls-the-screen",
                    test_start_address_scrolls_the_screen);
    g_test_add_func("/vga/ports/registers-read-back",
                    test_registers_read_back);
    g_test_add_func("/vga/ports/input-status-retrace-toggles",
                    test_input_status_retrace_toggles);
    g_test_add_func("/vga/sink/text-memory-stores-without-display",
                    test_text_memory_is_a_sink_without_display);
    g_test_add_func("/vga/screendump/errors-as-qemu",
                    test_screendump_errors);
    g_test_add_func("/vga/screendump/no-display-device-fails",
                    test_screendump_without_display_device_fails);
    return g_test_run();
}
