/*
 * isa-vga: the text-mode part of a VGA (IBM VGA Technical Reference, and
 * the register summaries of the Intel/FreeVGA documentation), as the 80x25
 * colour mode 03h that a PC BIOS leaves behind. Text memory is 32 KiB of
 * plain RAM at 0xB8000, so guest stores go straight to it and the console
 * reads it at refresh; each cell is a character byte and an attribute byte.
 * Registers: the CRT controller at 0x3D4/0x3D5 (cursor start/end with the
 * cursor-disable bit, start address, cursor location; the rest stored, with
 * CR11 bit 7 write-protecting CR00-CR07), the attribute controller at
 * 0x3C0/0x3C1 with its index/data flip-flop (mode control bit 3 chooses
 * blink or bright backgrounds), Misc Output (write 0x3C2, read 0x3CC),
 * Input Status 0/1 (0x3C2/0x3DA, the retrace bits toggling on every read so
 * a guest polling for retrace moves on), and the sequencer, graphics
 * controller and DAC index/data registers stored so a guest can read back
 * what it wrote. It is also a CGA-compatible sink: the CGA mode control and
 * colour select registers (0x3D8/0x3D9) are stored, and text written to
 * 0xB8000 stays there whether or not any display shows it (with -display
 * none it is still what screendump draws).
 * Not modelled: graphics modes and the 0xA0000 window, the monochrome port
 * range 0x3B0-0x3BF (Misc Output bit 0 is stored but the CRTC stays at
 * 0x3Dx), character generator RAM (the console font is fixed), the palette
 * and DAC mapping (drawn with the standard 16 colours), timing registers
 * (the screen is 80x25 whatever CR01/CR12/CR13 say), split screen, panning.
 */
#include "qemu/osdep.h"
#include "hw/display/vga-text.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"
#include "ui/console.h"
#include "trace/hw_display.h"

/* Port offsets inside the two register windows. */
#define VGA_IO_3C0          0x3C0       /* window 0x3C0-0x3CF */
#define VGA_IO_3D0          0x3D0       /* window 0x3D0-0x3DF */

#define VGA_ATT_W           0x0         /* 0x3C0 attribute index/data write */
#define VGA_ATT_R           0x1         /* 0x3C1 attribute data read */
#define VGA_MIS_W           0x2         /* 0x3C2 misc output write */
#define VGA_IS0_R           0x2         /* 0x3C2 input status 0 read */
#define VGA_SEQ_I           0x4         /* 0x3C4 sequencer index */
#define VGA_SEQ_D           0x5         /* 0x3C5 sequencer data */
#define VGA_PEL_MSK         0x6         /* 0x3C6 DAC pixel mask */
#define VGA_DAC_RI          0x7         /* 0x3C7 DAC read index (w), state (r) */
#define VGA_DAC_WI          0x8         /* 0x3C8 DAC write index */
#define VGA_DAC_D           0x9         /* 0x3C9 DAC data, R G B in turn */
#define VGA_FTC_R           0xA         /* 0x3CA feature control read */
#define VGA_MIS_R           0xC         /* 0x3CC misc output read */
#define VGA_GFX_I           0xE         /* 0x3CE graphics controller index */
#define VGA_GFX_D           0xF         /* 0x3CF graphics controller data */

#define VGA_CRT_I           0x4         /* 0x3D4 CRTC index */
#define VGA_CRT_D           0x5         /* 0x3D5 CRTC data */
#define CGA_MODE            0x8         /* 0x3D8 CGA mode control */
#define CGA_COLOR           0x9         /* 0x3D9 CGA colour select */
#define VGA_IS1_R           0xA         /* 0x3DA input status 1 read */
#define VGA_FTC_W           0xA         /* 0x3DA feature control write */

/* CRT controller registers (VGA Technical Reference, "CRT Controller"). */
#define CRTC_CURSOR_START   0x0A        /* bits 0-4 start line, bit 5 off */
#define CRTC_CURSOR_END     0x0B        /* bits 0-4 end line, 5-6 skew */
#define CRTC_START_HI       0x0C        /* start address, in cells */
#define CRTC_START_LO       0x0D
#define CRTC_CURSOR_HI      0x0E        /* cursor location, in cells */
#define CRTC_CURSOR_LO      0x0F
#define CRTC_VSYNC_END      0x11        /* bit 7: protect CR00-CR07 */
#define CRTC_NUM_REGS       0x19
#define CRTC_PROTECTED_LAST 0x07

#define CURSOR_LINE_MASK    0x1f
#define CURSOR_DISABLE      0x20
#define VSYNC_END_PROTECT   0x80

/* Attribute controller (VGA Technical Reference, "Attribute Controller"). */
#define ATT_INDEX_MASK      0x1f
#define ATT_PAS             0x20        /* palette address source */
#define ATT_MODE            0x10        /* mode control */
#define ATT_NUM_REGS        0x15
#define ATT_MODE_BLINK      0x08        /* bit 3: blink, else intensity */

#define SEQ_NUM_REGS        0x05
#define GFX_NUM_REGS        0x09

/* Input Status 1: bit 0 display disabled (any retrace), bit 3 vertical
 * retrace. */
#define IS1_DISPLAY_DISABLED 0x01
#define IS1_VRETRACE         0x08

/* Register values of BIOS mode 03h (80x25, 16 colours, 9x16 cells). */
static const uint8_t mode3_crtc[CRTC_NUM_REGS] = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f,
    0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
    0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};
static const uint8_t mode3_att[ATT_NUM_REGS] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
    0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x0c, 0x00, 0x0f, 0x08, 0x00,
};
static const uint8_t mode3_seq[SEQ_NUM_REGS] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_gfx[GFX_NUM_REGS] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff,
};
#define MODE3_MISC          0x67
/* CGA mode control for 80x25 text with video on and blink: bits 0, 3, 5 */
#define MODE3_CGA_MODE      0x29
/* What a BIOS clears the screen to: space, light grey on black. */
#define BLANK_CELL_CHAR     0x20
#define BLANK_CELL_ATTR     0x07

typedef struct VGATextState {
    DeviceState parent;

    MemoryRegion vram;
    MemoryRegion io_3c0;
    MemoryRegion io_3d0;
    QemuConsole *con;

    uint8_t misc;
    uint8_t crtc_index;
    uint8_t crtc[CRTC_NUM_REGS];
    uint8_t att_index;              /* with the PAS bit */
    bool att_flip_flop;             /* true: next 0x3C0 write is data */
    uint8_t att[ATT_NUM_REGS];
    uint8_t seq_index, seq[SEQ_NUM_REGS];
    uint8_t gfx_index, gfx[GFX_NUM_REGS];
    uint8_t dac_read_index, dac_write_index, dac_component, pel_mask;
    bool dac_reading;               /* last index written was the read one */
    uint8_t feature;
    uint8_t cga_mode, cga_color;
    bool retrace;                   /* what the next status read reports */
} VGATextState;

static void vga_text_get_screen(void *opaque, TextScreen *ts)
{
    VGATextState *s = opaque;

    ts->vram = memory_region_get_ram_ptr(&s->vram);
    ts->vram_size = VGA_TEXT_SIZE;
    ts->start = (s->crtc[CRTC_START_HI] << 8) | s->crtc[CRTC_START_LO];
    ts->cols = VGA_TEXT_COLS;
    ts->rows = VGA_TEXT_ROWS;
    ts->cursor = (s->crtc[CRTC_CURSOR_HI] << 8) | s->crtc[CRTC_CURSOR_LO];
    ts->cursor_enabled = !(s->crtc[CRTC_CURSOR_START] & CURSOR_DISABLE);
    ts->cursor_start = s->crtc[CRTC_CURSOR_START] & CURSOR_LINE_MASK;
    ts->cursor_end = s->crtc[CRTC_CURSOR_END] & CURSOR_LINE_MASK;
    ts->blink_enabled = s->att[ATT_MODE] & ATT_MODE_BLINK;
}

static const TextConsoleOps vga_text_console_ops = {
    .get_screen = vga_text_get_screen,
};

/* Reading Input Status 1 also resets the attribute flip-flop to "index". */
static uint8_t vga_read_status1(VGATextState *s)
{
    uint8_t v = s->retrace ? (IS1_DISPLAY_DISABLED | IS1_VRETRACE) : 0;

    s->retrace = !s->retrace;
    s->att_flip_flop = false;
    return v;
}

static uint64_t vga_3c0_read(void *opaque, hwaddr addr, unsigned size)
{
    VGATextState *s = opaque;
    uint8_t v = 0xff;

    switch (addr) {
    case VGA_ATT_W:
        v = s->att_index;
        break;
    case VGA_ATT_R:
        v = (s->att_index & ATT_INDEX_MASK) < ATT_NUM_REGS ?
            s->att[s->att_index & ATT_INDEX_MASK] : 0;
        break;
    case VGA_IS0_R:
        v = 0x00;       /* no switch sense, no pending CRT interrupt */
        break;
    case VGA_SEQ_I:
        v = s->seq_index;
        break;
    case VGA_SEQ_D:
        v = s->seq_index < SEQ_NUM_REGS ? s->seq[s->seq_index] : 0xff;
        break;
    case VGA_PEL_MSK:
        v = s->pel_mask;
        break;
    case VGA_DAC_RI:
        v = s->dac_reading ? 0x03 : 0x00;   /* DAC state */
        break;
    case VGA_DAC_WI:
        v = s->dac_write_index;
        break;
    case VGA_DAC_D:
        v = 0;          /* the palette is not stored */
        break;
    case VGA_FTC_R:
        v = s->feature;
        break;
    case VGA_MIS_R:
        v = s->misc;
        break;
    case VGA_GFX_I:
        v = s->gfx_index;
        break;
    case VGA_GFX_D:
        v = s->gfx_index < GFX_NUM_REGS ? s->gfx[s->gfx_index] : 0xff;
        break;
    }
    trace_vga_ioport_read(VGA_IO_3C0 + (uint32_t)addr, v);
    return v;
}

static void vga_att_write(VGATextState *s, uint8_t v)
{
    if (!s->att_flip_flop) {
        s->att_index = v & (ATT_INDEX_MASK | ATT_PAS);
    } else {
        uint8_t index = s->att_index & ATT_INDEX_MASK;
        trace_vga_attr_write(index, v);
        if (index < ATT_NUM_REGS) {
            s->att[index] = v;
        }
    }
    s->att_flip_flop = !s->att_flip_flop;
}

static void vga_3c0_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    VGATextState *s = opaque;
    uint8_t v = data;

    trace_vga_ioport_write(VGA_IO_3C0 + (uint32_t)addr, v);
    switch (addr) {
    case VGA_ATT_W:
        vga_att_write(s, v);
        break;
    case VGA_MIS_W:
        s->misc = v;
        break;
    case VGA_SEQ_I:
        s->seq_index = v;
        break;
    case VGA_SEQ_D:
        if (s->seq_index < SEQ_NUM_REGS) {
            s->seq[s->seq_index] = v;
        }
        break;
    case VGA_PEL_MSK:
        s->pel_mask = v;
        break;
    case VGA_DAC_RI:
        s->dac_read_index = v;
        s->dac_component = 0;
        s->dac_reading = true;
        break;
    case VGA_DAC_WI:
        s->dac_write_index = v;
        s->dac_component = 0;
        s->dac_reading = false;
        break;
    case VGA_DAC_D:
        /* three writes (R, G, B) per entry, then the index moves on */
        if (++s->dac_component == 3) {
            s->dac_component = 0;
            s->dac_write_index++;
        }
        break;
    case VGA_GFX_I:
        s->gfx_index = v;
        break;
    case VGA_GFX_D:
        if (s->gfx_index < GFX_NUM_REGS) {
            s->gfx[s->gfx_index] = v;
        }
        break;
    }
}

static uint64_t vga_3d0_read(void *opaque, hwaddr addr, unsigned size)
{
    VGATextState *s = opaque;
    uint8_t v = 0xff;

    switch (addr) {
    case VGA_CRT_I:
        v = s->crtc_index;
        break;
    case VGA_CRT_D:
        v = s->crtc_index < CRTC_NUM_REGS ? s->crtc[s->crtc_index] : 0xff;
        break;
    case CGA_MODE:
        v = s->cga_mode;
        break;
    case CGA_COLOR:
        v = s->cga_color;
        break;
    case VGA_IS1_R:
        v = vga_read_status1(s);
        break;
    }
    trace_vga_ioport_read(VGA_IO_3D0 + (uint32_t)addr, v);
    return v;
}

static void vga_crtc_write(VGATextState *s, uint8_t v)
{
    uint8_t index = s->crtc_index;

    trace_vga_crtc_write(index, v);
    if (index >= CRTC_NUM_REGS) {
        return;
    }
    if (index <= CRTC_PROTECTED_LAST &&
        (s->crtc[CRTC_VSYNC_END] & VSYNC_END_PROTECT)) {
        return;
    }
    s->crtc[index] = v;
}

static void vga_3d0_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    VGATextState *s = opaque;
    uint8_t v = data;

    trace_vga_ioport_write(VGA_IO_3D0 + (uint32_t)addr, v);
    switch (addr) {
    case VGA_CRT_I:
        s->crtc_index = v;
        break;
    case VGA_CRT_D:
        vga_crtc_write(s, v);
        break;
    case CGA_MODE:
        s->cga_mode = v;
        break;
    case CGA_COLOR:
        s->cga_color = v;
        break;
    case VGA_FTC_W:
        s->feature = v;
        break;
    }
}

/*
 * Byte registers; a 16-bit access is two byte accesses at consecutive
 * ports (OUT DX, AX with DX=0x3D4 writes index then data), which the memory
 * core does for us through impl.max_access_size = 1.
 */
static const MemoryRegionOps vga_3c0_ops = {
    .read = vga_3c0_read,
    .write = vga_3c0_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps vga_3d0_ops = {
    .read = vga_3d0_read,
    .write = vga_3d0_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void vga_text_reset(DeviceState *dev)
{
    VGATextState *s = (VGATextState *)dev;
    uint8_t *vram = memory_region_get_ram_ptr(&s->vram);

    memcpy(s->crtc, mode3_crtc, sizeof(s->crtc));
    memcpy(s->att, mode3_att, sizeof(s->att));
    memcpy(s->seq, mode3_seq, sizeof(s->seq));
    memcpy(s->gfx, mode3_gfx, sizeof(s->gfx));
    s->misc = MODE3_MISC;
    s->cga_mode = MODE3_CGA_MODE;
    s->cga_color = 0;
    s->crtc_index = s->seq_index = s->gfx_index = 0;
    s->att_index = ATT_PAS;
    s->att_flip_flop = false;
    s->pel_mask = 0xff;
    s->dac_read_index = s->dac_write_index = s->dac_component = 0;
    s->dac_reading = false;
    s->feature = 0;
    s->retrace = false;
    /* the screen a BIOS leaves after clearing it */
    for (uint32_t i = 0; i < VGA_TEXT_SIZE; i += 2) {
        vram[i] = BLANK_CELL_CHAR;
        vram[i + 1] = BLANK_CELL_ATTR;
    }
}

static void vga_text_realize(DeviceState *dev, GError **errp)
{
    VGATextState *s = (VGATextState *)dev;

    if (!memory_region_init_ram(&s->vram, "vga.text", VGA_TEXT_SIZE, errp)) {
        return;
    }
    memory_region_init_io(&s->io_3c0, &vga_3c0_ops, s, "vga.3c0", 0x10);
    memory_region_init_io(&s->io_3d0, &vga_3d0_ops, s, "vga.3d0", 0x10);
    /* above any RAM the board maps below 1 MiB */
    memory_region_add_subregion_overlap(get_system_memory(), VGA_TEXT_BASE,
                                        &s->vram, 1);
    memory_region_add_subregion(get_system_io(), VGA_IO_3C0, &s->io_3c0);
    memory_region_add_subregion(get_system_io(), VGA_IO_3D0, &s->io_3d0);
    s->con = text_console_register(dev, &vga_text_console_ops, s);
    vga_text_reset(dev);
}

static void vga_text_unrealize(DeviceState *dev)
{
    VGATextState *s = (VGATextState *)dev;

    console_unregister(s->con);
    s->con = NULL;
    memory_region_del_subregion(get_system_memory(), &s->vram);
    memory_region_del_subregion(get_system_io(), &s->io_3c0);
    memory_region_del_subregion(get_system_io(), &s->io_3d0);
    memory_region_finalize(&s->vram);
    memory_region_finalize(&s->io_3c0);
    memory_region_finalize(&s->io_3d0);
}

static const DeviceClass isa_vga_class = {
    .name = TYPE_ISA_VGA,
    .desc = "VGA-compatible adapter, 80x25 colour text mode",
    .instance_size = sizeof(VGATextState),
    .user_creatable = true,
    .realize = vga_text_realize,
    .reset = vga_text_reset,
    .unrealize = vga_text_unrealize,
};
DEVICE_CLASS_REGISTER(isa_vga_class);

DeviceState *isa_vga_create(GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_ISA_VGA);

    if (!qdev_realize(dev, "vga", errp)) {
        return NULL;
    }
    return dev;
}
