/*
 * The host half of the VGA text-screen guest test: run-fw-test.py takes a
 * QMP screendump once the guest (screen.c) says the screen is ready and
 * runs this program on the picture (usage: fw-screen-check --tap PPM). It
 * computes the screen the guest wrote from screen-layout.h (spaces in light
 * grey on black elsewhere) and compares every cell pixel for pixel through
 * vga-picture.h, grouped into tests by what the cells exercise.
 */
#include <glib.h>
#include <string.h>
#include "tests/include/vga-picture.h"
#include "screen-layout.h"

static const char *ppm_path;
static VgaPicture pic;
static bool pic_loaded;
static char *pic_error;

/* What the guest left in each cell. */
static uint8_t want_ch[VGA_ROWS][VGA_COLS];
static uint8_t want_attr[VGA_ROWS][VGA_COLS];

static void build_expected(void)
{
    for (int r = 0; r < VGA_ROWS; r++) {
        for (int c = 0; c < VGA_COLS; c++) {
            want_ch[r][c] = ' ';
            want_attr[r][c] = 0x07;
        }
    }
    for (unsigned i = 0; i < SCREEN_NRUNS; i++) {
        const struct screen_run *run = &screen_runs[i];
        for (int k = 0; run->text[k]; k++) {
            want_ch[run->row][run->col + k] = (uint8_t)run->text[k];
            want_attr[run->row][run->col + k] = run->attr;
        }
    }
    want_ch[SCREEN_CURSOR_ROW][SCREEN_CURSOR_COL] = SCREEN_CURSOR_CHAR;
    want_attr[SCREEN_CURSOR_ROW][SCREEN_CURSOR_COL] = SCREEN_CURSOR_ATTR;
}

static bool need_picture(void)
{
    if (!pic_loaded) {
        g_test_message("%s", pic_error ? pic_error : "no picture");
        g_test_fail();
        return false;
    }
    return true;
}

static bool is_cursor(int r, int c)
{
    return r == SCREEN_CURSOR_ROW && c == SCREEN_CURSOR_COL;
}

/* Compare the cells `pick` selects; fail with the first wrong pixel. */
static void check_cells(bool (*pick)(int r, int c), int min_cells)
{
    int n = 0, bad_cells = 0;
    char *first = NULL;

    if (!need_picture()) {
        return;
    }
    for (int r = 0; r < VGA_ROWS; r++) {
        for (int c = 0; c < VGA_COLS; c++) {
            char *why = NULL;
            if (!pick(r, c)) {
                continue;
            }
            n++;
            if (vga_picture_cell_diff(&pic, r, c, want_ch[r][c],
                                      want_attr[r][c],
                                      is_cursor(r, c) ? SCREEN_CURSOR_START : -1,
                                      is_cursor(r, c) ? SCREEN_CURSOR_END : -1,
                                      &why)) {
                bad_cells++;
                if (!first) {
                    first = why;
                    why = NULL;
                }
            }
            g_free(why);
        }
    }
    g_assert_cmpint(n, >=, min_cells);
    if (bad_cells) {
        g_test_message("%d of %d cells differ; first: %s", bad_cells, n, first);
    }
    g_free(first);
    g_assert_cmpint(bad_cells, ==, 0);
}

static bool pick_plain_text(int r, int c)
{
    return want_attr[r][c] != 0x07 && !(want_attr[r][c] & 0x80) &&
           want_ch[r][c] < 0x80 && !is_cursor(r, c);
}

static bool pick_blink(int r, int c)
{
    return (want_attr[r][c] & 0x80) != 0;
}

static bool pick_high_chars(int r, int c)
{
    return want_ch[r][c] >= 0x80;
}

static bool pick_blank(int r, int c)
{
    return want_attr[r][c] == 0x07 && want_ch[r][c] == ' ';
}

static bool pick_cursor(int r, int c)
{
    return is_cursor(r, c);
}

static void test_dump_is_640x400(void)
{
    if (!need_picture()) {
        return;
    }
    g_assert_cmpint(pic.width, ==, VGA_WIDTH);
    g_assert_cmpint(pic.height, ==, VGA_HEIGHT);
}

static void test_text_in_colours(void)
{
    check_cells(pick_plain_text, 50);
}

static void test_blink_cells(void)
{
    check_cells(pick_blink, 20);
}

static void test_high_chars(void)
{
    check_cells(pick_high_chars, 8);
}

static void test_blank_cells(void)
{
    check_cells(pick_blank, 1800);
}

static void test_cursor(void)
{
    check_cells(pick_cursor, 1);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    /* Report every group, not just the first that fails. */
    g_test_set_nonfatal_assertions();
    if (argc != 2) {
        g_printerr("usage: %s [--tap] PPM\n", argv[0]);
        return 2;
    }
    ppm_path = argv[1];
    build_expected();
    pic_loaded = vga_picture_load(ppm_path, &pic, &pic_error);
    g_test_add_func("/fw-screen/dump/is-640x400", test_dump_is_640x400);
    g_test_add_func("/fw-screen/text/colour-runs-match-font-and-palette",
                    test_text_in_colours);
    g_test_add_func("/fw-screen/attr/blink-shows-glyph-over-dark-background",
                    test_blink_cells);
    g_test_add_func("/fw-screen/text/cp437-box-and-shade-characters",
                    test_high_chars);
    g_test_add_func("/fw-screen/text/untouched-cells-are-grey-on-black-spaces",
                    test_blank_cells);
    g_test_add_func("/fw-screen/cursor/at-crtc-location-with-crtc-shape",
                    test_cursor);
    ret = g_test_run();
    g_free(pic.rgb);
    g_free(pic_error);
    return ret;
}
