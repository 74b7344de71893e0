/*
 * The VGA text screen as a directly booted OS drives it: clear the 80x25
 * colour text buffer at 0xB8000, write the runs of screen-layout.h with
 * their attributes (colours, blink, characters above 0x7F), set attribute
 * mode control bit 3 (bit 7 of an attribute blinks) through 0x3C0, move the
 * cursor and set its shape through the CRTC at 0x3D4/0x3D5 (IBM VGA
 * Technical Reference, CRTC registers 0x0A, 0x0B, 0x0C-0x0F), read the
 * registers back, then print SCREEN_READY_LINE and halt. The runner then
 * takes a QMP screendump and has screen-check compare it pixel for pixel
 * with the rendering it computes from the same layout, and quits.
 */
#include "fwlib.h"
#include "screen-layout.h"

const char *test_name = "fw-screen";

#define TEXT_BASE       0xb8000
#define COLS            80
#define ROWS            25
#define CRTC_INDEX      0x3d4
#define CRTC_DATA       0x3d5
#define ATT_INDEX       0x3c0
#define ATT_READ        0x3c1
#define STATUS1         0x3da

#define CR_CURSOR_START 0x0a
#define CR_CURSOR_END   0x0b
#define CR_START_HI     0x0c
#define CR_START_LO     0x0d
#define CR_CURSOR_HI    0x0e
#define CR_CURSOR_LO    0x0f
#define ATT_PAS         0x20    /* palette address source: keep the screen on */
#define ATT_MODE        0x10
#define ATT_MODE_BLINK  0x08

static volatile uint16_t *cell(int row, int col)
{
    return (volatile uint16_t *)phys(TEXT_BASE) + row * COLS + col;
}

static void crtc_write(uint8_t index, uint8_t value)
{
    outb(CRTC_INDEX, index);
    outb(CRTC_DATA, value);
}

static uint8_t crtc_read(uint8_t index)
{
    outb(CRTC_INDEX, index);
    return inb(CRTC_DATA);
}

void test_main(void)
{
    uint16_t pos = SCREEN_CURSOR_ROW * COLS + SCREEN_CURSOR_COL;

    for (int r = 0; r < ROWS; r++) {
        for (int c = 0; c < COLS; c++) {
            *cell(r, c) = 0x0700 | ' ';
        }
    }
    for (unsigned i = 0; i < SCREEN_NRUNS; i++) {
        const struct screen_run *run = &screen_runs[i];
        for (int k = 0; run->text[k]; k++) {
            *cell(run->row, run->col + k) =
                (uint16_t)run->attr << 8 | (uint8_t)run->text[k];
        }
    }
    *cell(SCREEN_CURSOR_ROW, SCREEN_CURSOR_COL) =
        SCREEN_CURSOR_ATTR << 8 | SCREEN_CURSOR_CHAR;
    CHECK_EQ(*cell(0, 0), 0x1f00 | 'l', "text memory reads back");

    /* Attribute mode control: reading input status 1 sets the flip-flop to
     * "index"; bit 3 makes attribute bit 7 blink. */
    inb(STATUS1);
    outb(ATT_INDEX, ATT_MODE | ATT_PAS);
    outb(ATT_INDEX, 0x0c | ATT_MODE_BLINK);
    inb(STATUS1);
    outb(ATT_INDEX, ATT_MODE | ATT_PAS);
    CHECK_EQ(inb(ATT_READ), 0x0c | ATT_MODE_BLINK, "attribute mode control");

    crtc_write(CR_START_HI, 0);
    crtc_write(CR_START_LO, 0);
    crtc_write(CR_CURSOR_START, SCREEN_CURSOR_START);
    crtc_write(CR_CURSOR_END, SCREEN_CURSOR_END);
    crtc_write(CR_CURSOR_HI, pos >> 8);
    crtc_write(CR_CURSOR_LO, pos & 0xff);
    CHECK_EQ(crtc_read(CR_CURSOR_START), SCREEN_CURSOR_START, "CRTC cursor start");
    CHECK_EQ(crtc_read(CR_CURSOR_END), SCREEN_CURSOR_END, "CRTC cursor end");
    CHECK_EQ(crtc_read(CR_CURSOR_HI) << 8 | crtc_read(CR_CURSOR_LO), pos,
             "CRTC cursor location");

    rt_printf("# %s\n", SCREEN_READY_LINE);
    /* The runner takes the picture and quits; nothing more to do here. */
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}
