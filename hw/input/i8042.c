/*
 * The i8042 keyboard controller of a PC/AT with a PS/2 keyboard and a PS/2
 * mouse attached, as the IBM PC/AT Technical Reference ("Keyboard
 * Controller"), the IBM PS/2 Hardware Interface Technical Reference
 * ("Keyboard/Auxiliary Device Controller") and QEMU's hw/input/pckbd.c and
 * ps2.c describe them. Port 0x60 reads the output buffer and writes data
 * (to the keyboard, or the parameter of a controller command); port 0x64
 * reads the status register and writes controller commands. The controller
 * keeps one output buffer, refilled from its own replies first, then the
 * keyboard, then the mouse; IRQ 1 follows a keyboard byte in the buffer when
 * the command byte's INT bit is set, IRQ 12 a mouse byte with INT2. Bytes
 * from the keyboard are translated from set 2 to set 1 when XLATE is on.
 * Commands: 0x20/0x60 command byte, 0xA7/0xA8 and 0xAD/0xAE interface
 * disable/enable, 0xA9/0xAA/0xAB tests, 0xC0 input port, 0xD0/0xD1 output
 * port (bit 0 reset line, bit 1 A20), 0xD2/0xD3 write the keyboard/mouse
 * output buffer, 0xD4 write to the mouse, 0xDD/0xDF A20 off/on, 0xE0 test
 * inputs, 0xF0-0xFF pulse output lines (bit 0 clear pulses reset). The
 * keyboard answers reset, echo, identify, scancode set, scanning, LEDs and
 * typematic; the mouse reset, identify, reporting, stream/remote mode,
 * status, resolution, sample rate and scaling. Left out: the controller's
 * timing (IBF is never seen set, bytes move at once), parity and timeout
 * errors (no device ever fails to answer), scancode set 3 (answered as
 * set 2), typematic repeat (the host's key repeat arrives as events), the
 * IntelliMouse wheel protocol, and a password or keylock.
 */
#include "qemu/osdep.h"
#include "hw/input/i8042.h"
#include "hw/isa.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "trace/hw_input.h"

/*
 * Status register (port 0x64 read):
 *   7 PARITY  6 TIMEOUT  5 AUX_OBF  4 UNLOCKED(INH)  3 CMD(A2)  2 SYS
 *   1 IBF     0 OBF
 */
#define STAT_OBF        0x01
#define STAT_IBF        0x02
#define STAT_SYS        0x04
#define STAT_CMD        0x08    /* last write went to port 0x64 */
#define STAT_UNLOCKED   0x10    /* keyboard not inhibited by the keylock */
#define STAT_AUX_OBF    0x20
#define STAT_TIMEOUT    0x40
#define STAT_PARITY     0x80

/*
 * Command byte (read 0x20, write 0x60):
 *   6 XLATE  5 DISABLE_AUX  4 DISABLE_KBD  2 SYS  1 INT2  0 INT
 */
#define MODE_INT            0x01
#define MODE_INT2           0x02
#define MODE_SYS            0x04
#define MODE_DISABLE_KBD    0x10
#define MODE_DISABLE_AUX    0x20
#define MODE_XLATE          0x40

/* Output port (read 0xD0, write 0xD1). */
#define OUT_RESET       0x01    /* 0 holds the CPU in reset */
#define OUT_A20         0x02
#define OUT_OBF         0x10    /* keyboard byte in the output buffer */
#define OUT_AUX_OBF     0x20    /* mouse byte in the output buffer */
#define OUT_ONES        0xcc    /* lines that read 1 on a PC (QEMU's value) */

/* Controller commands (port 0x64 write). */
#define CCMD_READ_MODE      0x20
#define CCMD_WRITE_MODE     0x60
#define CCMD_AUX_DISABLE    0xa7
#define CCMD_AUX_ENABLE     0xa8
#define CCMD_AUX_TEST       0xa9
#define CCMD_SELF_TEST      0xaa
#define CCMD_KBD_TEST       0xab
#define CCMD_KBD_DISABLE    0xad
#define CCMD_KBD_ENABLE     0xae
#define CCMD_READ_INPORT    0xc0
#define CCMD_READ_OUTPORT   0xd0
#define CCMD_WRITE_OUTPORT  0xd1
#define CCMD_WRITE_KBD_OBUF 0xd2
#define CCMD_WRITE_AUX_OBUF 0xd3
#define CCMD_WRITE_AUX      0xd4
#define CCMD_DISABLE_A20    0xdd    /* HP Vectra; QEMU accepts it too */
#define CCMD_ENABLE_A20     0xdf
#define CCMD_READ_TEST      0xe0
#define CCMD_PULSE_FIRST    0xf0    /* 0xF0-0xFF: low nibble, 0 = pulse */

#define SELF_TEST_OK        0x55
#define IFACE_TEST_OK       0x00
#define INPORT_VALUE        0x80    /* keyboard not inhibited */

/* Keyboard commands and replies (IBM PS/2 Technical Reference). */
#define KBD_CMD_SET_LEDS    0xed
#define KBD_CMD_ECHO        0xee
#define KBD_CMD_SCANCODE    0xf0
#define KBD_CMD_IDENTIFY    0xf2
#define KBD_CMD_TYPEMATIC   0xf3
#define KBD_CMD_ENABLE      0xf4
#define KBD_CMD_DISABLE     0xf5
#define KBD_CMD_DEFAULTS    0xf6
#define KBD_CMD_SET3_FIRST  0xf7    /* 0xF7-0xFD: set-3 key types */
#define KBD_CMD_SET3_LAST   0xfd
#define KBD_CMD_RESEND      0xfe
#define KBD_CMD_RESET       0xff
#define KBD_REPLY_ACK       0xfa
#define KBD_REPLY_BAT_OK    0xaa
#define KBD_REPLY_ID1       0xab
#define KBD_REPLY_ID2       0x83
#define KBD_REPLY_RESEND    0xfe
#define KBD_BREAK_PREFIX    0xf0
#define KBD_DEFAULT_TYPEMATIC 0x2b  /* 10.9 cps, 500 ms */

/* Mouse commands. */
#define AUX_CMD_SET_SCALE11 0xe6
#define AUX_CMD_SET_SCALE21 0xe7
#define AUX_CMD_SET_RES     0xe8
#define AUX_CMD_STATUS      0xe9
#define AUX_CMD_SET_STREAM  0xea
#define AUX_CMD_READ_DATA   0xeb
#define AUX_CMD_RESET_WRAP  0xec
#define AUX_CMD_SET_WRAP    0xee
#define AUX_CMD_SET_REMOTE  0xf0
#define AUX_CMD_GET_ID      0xf2
#define AUX_CMD_SET_RATE    0xf3
#define AUX_CMD_ENABLE      0xf4
#define AUX_CMD_DISABLE     0xf5
#define AUX_CMD_DEFAULTS    0xf6
#define AUX_CMD_RESET       0xff
#define AUX_ID_STANDARD     0x00
#define AUX_DEFAULT_RATE    100
#define AUX_DEFAULT_RES     2       /* 4 counts/mm */

#define KBD_QUEUE_SIZE      16      /* the keyboard's own buffer */
#define AUX_QUEUE_SIZE      256
#define CTRL_QUEUE_SIZE     16

/* Controller replies carry their source: which IRQ and status bit. */
#define CTRL_SRC_AUX        0x100

typedef struct ByteQueue {
    uint16_t data[AUX_QUEUE_SIZE];
    unsigned rptr;
    unsigned count;
    unsigned size;              /* capacity, <= AUX_QUEUE_SIZE */
} ByteQueue;

typedef struct I8042State {
    DeviceState parent;
    uint32_t kbd_irq_num;
    uint32_t aux_irq_num;
    MemoryRegion data_io;
    MemoryRegion cmd_io;

    /* controller */
    uint8_t status;
    uint8_t mode;
    uint8_t outport;
    uint8_t pending_cmd;        /* command waiting for its data byte, or 0 */
    uint8_t obuf;
    bool xlate_break;           /* an F0 was swallowed by translation */
    ByteQueue ctrl_q;
    qemu_irq kbd_irq;           /* GPIO out 0 */
    qemu_irq aux_irq;           /* GPIO out 1 */
    qemu_irq a20_out;           /* GPIO out "a20" */
    bool kbd_level;
    bool aux_level;

    /* keyboard */
    ByteQueue kbd_q;
    uint8_t kbd_pending_cmd;
    bool kbd_scanning;
    uint8_t kbd_set;
    uint8_t kbd_leds;
    uint8_t kbd_typematic;

    /* mouse */
    ByteQueue aux_q;
    uint8_t aux_pending_cmd;
    bool aux_reporting;
    bool aux_remote;
    bool aux_wrap;
    bool aux_scale21;
    uint8_t aux_rate;
    uint8_t aux_resolution;
    unsigned aux_buttons;
} I8042State;

/* --- scancode translation --- */

/*
 * Set 2 make codes and their set 1 equivalents, for the keys of a PC/AT
 * 102/104-key keyboard (IBM PS/2 Technical Reference, keyboard chapter,
 * "Scan Code Tables"; the 8042's translation maps one to the other).
 */
static const uint8_t scancode_pairs[][2] = {
    { 0x01, 0x43 }, { 0x03, 0x3f }, { 0x04, 0x3d }, { 0x05, 0x3b },
    { 0x06, 0x3c }, { 0x07, 0x58 }, { 0x09, 0x44 }, { 0x0a, 0x42 },
    { 0x0b, 0x40 }, { 0x0c, 0x3e }, { 0x0d, 0x0f }, { 0x0e, 0x29 },
    { 0x11, 0x38 }, { 0x12, 0x2a }, { 0x14, 0x1d }, { 0x15, 0x10 },
    { 0x16, 0x02 }, { 0x1a, 0x2c }, { 0x1b, 0x1f }, { 0x1c, 0x1e },
    { 0x1d, 0x11 }, { 0x1e, 0x03 }, { 0x1f, 0x5b }, { 0x21, 0x2e },
    { 0x22, 0x2d }, { 0x23, 0x20 }, { 0x24, 0x12 }, { 0x25, 0x05 },
    { 0x26, 0x04 }, { 0x27, 0x5c }, { 0x29, 0x39 }, { 0x2a, 0x2f },
    { 0x2b, 0x21 }, { 0x2c, 0x14 }, { 0x2d, 0x13 }, { 0x2e, 0x06 },
    { 0x2f, 0x5d }, { 0x31, 0x31 }, { 0x32, 0x30 }, { 0x33, 0x23 },
    { 0x34, 0x22 }, { 0x35, 0x15 }, { 0x36, 0x07 }, { 0x3a, 0x32 },
    { 0x3b, 0x24 }, { 0x3c, 0x16 }, { 0x3d, 0x08 }, { 0x3e, 0x09 },
    { 0x41, 0x33 }, { 0x42, 0x25 }, { 0x43, 0x17 }, { 0x44, 0x18 },
    { 0x45, 0x0b }, { 0x46, 0x0a }, { 0x49, 0x34 }, { 0x4a, 0x35 },
    { 0x4b, 0x26 }, { 0x4c, 0x27 }, { 0x4d, 0x19 }, { 0x4e, 0x0c },
    { 0x52, 0x28 }, { 0x54, 0x1a }, { 0x55, 0x0d }, { 0x58, 0x3a },
    { 0x59, 0x36 }, { 0x5a, 0x1c }, { 0x5b, 0x1b }, { 0x5d, 0x2b },
    { 0x61, 0x56 }, { 0x66, 0x0e }, { 0x69, 0x4f }, { 0x6b, 0x4b },
    { 0x6c, 0x47 }, { 0x70, 0x52 }, { 0x71, 0x53 }, { 0x72, 0x50 },
    { 0x73, 0x4c }, { 0x74, 0x4d }, { 0x75, 0x48 }, { 0x76, 0x01 },
    { 0x77, 0x45 }, { 0x78, 0x57 }, { 0x79, 0x4e }, { 0x7a, 0x51 },
    { 0x7b, 0x4a }, { 0x7c, 0x37 }, { 0x7d, 0x49 }, { 0x7e, 0x46 },
    { 0x83, 0x41 }, { 0x84, 0x54 },
};

static uint8_t set2_to_set1[256];
static uint8_t set1_to_set2[128];

static void __attribute__((constructor)) i8042_build_tables(void)
{
    for (unsigned i = 0; i < 256; i++) {
        set2_to_set1[i] = (uint8_t)i;   /* prefixes and replies pass */
    }
    for (unsigned i = 0; i < 128; i++) {
        set1_to_set2[i] = (uint8_t)i;
    }
    /* The scancode-set numbers the keyboard reports to 0xF0 0x00 go
     * through the 8042 table too (the F7 key's row also holds 0x02). */
    set2_to_set1[0x02] = 0x41;
    for (size_t i = 0; i < G_N_ELEMENTS(scancode_pairs); i++) {
        set2_to_set1[scancode_pairs[i][0]] = scancode_pairs[i][1];
        set1_to_set2[scancode_pairs[i][1]] = scancode_pairs[i][0];
    }
}

/* --- queues --- */

static void queue_init(ByteQueue *q, unsigned size)
{
    q->rptr = 0;
    q->count = 0;
    q->size = size;
}

static bool queue_push(ByteQueue *q, uint16_t v)
{
    if (q->count >= q->size) {
        return false;
    }
    q->data[(q->rptr + q->count) % q->size] = v;
    q->count++;
    return true;
}

static uint16_t queue_pop(ByteQueue *q)
{
    uint16_t v = q->data[q->rptr];

    q->rptr = (q->rptr + 1) % q->size;
    q->count--;
    return v;
}

/* --- the controller's output buffer and interrupts --- */

static void i8042_update_irq(I8042State *s)
{
    bool full = s->status & STAT_OBF;
    bool aux = s->status & STAT_AUX_OBF;
    bool kbd_level = full && !aux && (s->mode & MODE_INT);
    bool aux_level = full && aux && (s->mode & MODE_INT2);

    if (kbd_level != s->kbd_level) {
        s->kbd_level = kbd_level;
        trace_i8042_irq("kbd", kbd_level);
        qemu_set_irq(s->kbd_irq, kbd_level);
    }
    if (aux_level != s->aux_level) {
        s->aux_level = aux_level;
        trace_i8042_irq("aux", aux_level);
        qemu_set_irq(s->aux_irq, aux_level);
    }
}

static void i8042_fill_obuf(I8042State *s, uint8_t val, bool aux)
{
    s->obuf = val;
    s->status |= STAT_OBF;
    if (aux) {
        s->status |= STAT_AUX_OBF;
    } else {
        s->status &= ~STAT_AUX_OBF;
    }
}

/* A keyboard byte through the 8042 translation; false if it was swallowed. */
static bool i8042_translate(I8042State *s, uint8_t in, uint8_t *out)
{
    if (in == KBD_BREAK_PREFIX) {
        s->xlate_break = true;
        return false;
    }
    *out = set2_to_set1[in] | (s->xlate_break ? 0x80 : 0);
    s->xlate_break = false;
    return true;
}

/* Move the next byte into an empty output buffer and update the IRQs. */
static void i8042_update(I8042State *s)
{
    if (!(s->status & STAT_OBF)) {
        if (s->ctrl_q.count) {
            uint16_t v = queue_pop(&s->ctrl_q);
            i8042_fill_obuf(s, v & 0xff, v & CTRL_SRC_AUX);
        } else {
            while (!(s->mode & MODE_DISABLE_KBD) && s->kbd_q.count) {
                uint8_t b = (uint8_t)queue_pop(&s->kbd_q);
                if (!(s->mode & MODE_XLATE) || i8042_translate(s, b, &b)) {
                    i8042_fill_obuf(s, b, false);
                    break;
                }
            }
            if (!(s->status & STAT_OBF) && !(s->mode & MODE_DISABLE_AUX) &&
                s->aux_q.count) {
                i8042_fill_obuf(s, (uint8_t)queue_pop(&s->aux_q), true);
            }
        }
    }
    i8042_update_irq(s);
}

static void i8042_ctrl_reply(I8042State *s, uint8_t val, bool aux)
{
    queue_push(&s->ctrl_q, val | (aux ? CTRL_SRC_AUX : 0));
    i8042_update(s);
}

static void i8042_set_outport(I8042State *s, uint8_t val)
{
    uint8_t old = s->outport;

    s->outport = val;
    trace_i8042_outport(val);
    if ((old ^ val) & OUT_A20) {
        qemu_set_irq(s->a20_out, !!(val & OUT_A20));
    }
    if (!(val & OUT_RESET)) {
        trace_i8042_reset_request(val);
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

/* --- keyboard --- */

static void kbd_queue(I8042State *s, uint8_t b)
{
    queue_push(&s->kbd_q, b);
}

static void kbd_set_defaults(I8042State *s)
{
    s->kbd_set = 2;
    s->kbd_leds = 0;
    s->kbd_typematic = KBD_DEFAULT_TYPEMATIC;
}

static void kbd_write(I8042State *s, uint8_t val)
{
    uint8_t pending = s->kbd_pending_cmd;

    trace_i8042_kbd_write(val);
    s->kbd_pending_cmd = 0;
    if (pending == KBD_CMD_SET_LEDS) {
        s->kbd_leds = val & 0x07;
        kbd_queue(s, KBD_REPLY_ACK);
        return;
    } else if (pending == KBD_CMD_TYPEMATIC) {
        s->kbd_typematic = val & 0x7f;
        kbd_queue(s, KBD_REPLY_ACK);
        return;
    } else if (pending == KBD_CMD_SCANCODE) {
        if (val == 0) {
            kbd_queue(s, KBD_REPLY_ACK);
            kbd_queue(s, s->kbd_set);
        } else if (val <= 3) {
            s->kbd_set = val;
            kbd_queue(s, KBD_REPLY_ACK);
        } else {
            kbd_queue(s, KBD_REPLY_RESEND);
        }
        return;
    }

    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_TYPEMATIC:
    case KBD_CMD_SCANCODE:
        s->kbd_pending_cmd = val;
        kbd_queue(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_ECHO:
        kbd_queue(s, KBD_CMD_ECHO);
        break;
    case KBD_CMD_IDENTIFY:
        kbd_queue(s, KBD_REPLY_ACK);
        kbd_queue(s, KBD_REPLY_ID1);
        kbd_queue(s, KBD_REPLY_ID2);
        break;
    case KBD_CMD_ENABLE:
        s->kbd_scanning = true;
        kbd_queue(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_DISABLE:
        /* "Default Disable": defaults, and scanning stops. */
        queue_init(&s->kbd_q, KBD_QUEUE_SIZE);
        kbd_set_defaults(s);
        s->kbd_scanning = false;
        kbd_queue(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_DEFAULTS:
        queue_init(&s->kbd_q, KBD_QUEUE_SIZE);
        kbd_set_defaults(s);
        s->kbd_scanning = true;
        kbd_queue(s, KBD_REPLY_ACK);
        break;
    case KBD_CMD_RESET:
        queue_init(&s->kbd_q, KBD_QUEUE_SIZE);
        kbd_set_defaults(s);
        s->kbd_scanning = true;
        kbd_queue(s, KBD_REPLY_ACK);
        kbd_queue(s, KBD_REPLY_BAT_OK);
        break;
    case KBD_CMD_RESEND:
    default:
        if (val >= KBD_CMD_SET3_FIRST && val <= KBD_CMD_SET3_LAST) {
            kbd_queue(s, KBD_REPLY_ACK);
        } else {
            kbd_queue(s, KBD_REPLY_RESEND);
        }
        break;
    }
}

void i8042_put_keycode(DeviceState *dev, I8042ScancodeSet set,
                       const uint8_t *bytes, size_t len)
{
    I8042State *s = (I8042State *)dev;
    bool brk = false;

    if (!s->kbd_scanning) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t b = bytes[i];

        if (b == 0xe0 || b == 0xe1) {
            kbd_queue(s, b);
        } else if (set == I8042_SCANCODE_SET2) {
            if (s->kbd_set != 1) {
                kbd_queue(s, b);
            } else if (b == KBD_BREAK_PREFIX) {
                brk = true;
            } else {
                kbd_queue(s, set2_to_set1[b] | (brk ? 0x80 : 0));
                brk = false;
            }
        } else {
            if (s->kbd_set == 1) {
                kbd_queue(s, b);
            } else {
                if (b & 0x80) {
                    kbd_queue(s, KBD_BREAK_PREFIX);
                }
                kbd_queue(s, set1_to_set2[b & 0x7f]);
            }
        }
    }
    i8042_update(s);
}

/* --- mouse --- */

static void aux_queue(I8042State *s, uint8_t b)
{
    queue_push(&s->aux_q, b);
}

static void aux_set_defaults(I8042State *s)
{
    s->aux_reporting = false;
    s->aux_remote = false;
    s->aux_scale21 = false;
    s->aux_rate = AUX_DEFAULT_RATE;
    s->aux_resolution = AUX_DEFAULT_RES;
}

static void aux_queue_packet(I8042State *s, int dx, int dy, unsigned buttons)
{
    uint8_t b0 = 0x08 | (buttons & 0x07);

    dx = CLAMP(dx, -256, 255);
    dy = CLAMP(dy, -256, 255);
    if (dx < 0) {
        b0 |= 0x10;
    }
    if (dy < 0) {
        b0 |= 0x20;
    }
    aux_queue(s, b0);
    aux_queue(s, (uint8_t)dx);
    aux_queue(s, (uint8_t)dy);
}

static void aux_write(I8042State *s, uint8_t val)
{
    uint8_t pending = s->aux_pending_cmd;

    trace_i8042_aux_write(val);
    s->aux_pending_cmd = 0;
    if (pending == AUX_CMD_SET_RES) {
        s->aux_resolution = val & 0x03;
        aux_queue(s, KBD_REPLY_ACK);
        return;
    } else if (pending == AUX_CMD_SET_RATE) {
        s->aux_rate = val;
        aux_queue(s, KBD_REPLY_ACK);
        return;
    }
    if (s->aux_wrap && val != AUX_CMD_RESET_WRAP && val != AUX_CMD_RESET) {
        aux_queue(s, val);      /* wrap mode echoes everything else */
        return;
    }

    switch (val) {
    case AUX_CMD_SET_SCALE11:
    case AUX_CMD_SET_SCALE21:
        s->aux_scale21 = val == AUX_CMD_SET_SCALE21;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_SET_RES:
    case AUX_CMD_SET_RATE:
        s->aux_pending_cmd = val;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_STATUS:
        aux_queue(s, KBD_REPLY_ACK);
        aux_queue(s, (s->aux_remote ? 0x40 : 0) | (s->aux_reporting ? 0x20 : 0) |
                  (s->aux_scale21 ? 0x10 : 0) | (s->aux_buttons & 0x07));
        aux_queue(s, s->aux_resolution);
        aux_queue(s, s->aux_rate);
        break;
    case AUX_CMD_SET_STREAM:
    case AUX_CMD_SET_REMOTE:
        s->aux_remote = val == AUX_CMD_SET_REMOTE;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_READ_DATA:
        aux_queue(s, KBD_REPLY_ACK);
        aux_queue_packet(s, 0, 0, s->aux_buttons);
        break;
    case AUX_CMD_RESET_WRAP:
    case AUX_CMD_SET_WRAP:
        s->aux_wrap = val == AUX_CMD_SET_WRAP;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_GET_ID:
        aux_queue(s, KBD_REPLY_ACK);
        aux_queue(s, AUX_ID_STANDARD);
        break;
    case AUX_CMD_ENABLE:
        s->aux_reporting = true;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_DISABLE:
        s->aux_reporting = false;
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_DEFAULTS:
        aux_set_defaults(s);
        aux_queue(s, KBD_REPLY_ACK);
        break;
    case AUX_CMD_RESET:
        queue_init(&s->aux_q, AUX_QUEUE_SIZE);
        aux_set_defaults(s);
        s->aux_wrap = false;
        aux_queue(s, KBD_REPLY_ACK);
        aux_queue(s, KBD_REPLY_BAT_OK);
        aux_queue(s, AUX_ID_STANDARD);
        break;
    default:
        aux_queue(s, KBD_REPLY_RESEND);
        break;
    }
}

void i8042_put_mouse_event(DeviceState *dev, int dx, int dy, unsigned buttons)
{
    I8042State *s = (I8042State *)dev;

    s->aux_buttons = buttons & 0x07;
    if (!s->aux_reporting || s->aux_remote ||
        s->aux_q.count + 3 > s->aux_q.size) {
        return;
    }
    aux_queue_packet(s, dx, dy, buttons);
    i8042_update(s);
}

/* --- port 0x64: status and controller commands --- */

static void i8042_command(I8042State *s, uint8_t cmd)
{
    trace_i8042_command(cmd);
    s->pending_cmd = 0;
    if (cmd >= CCMD_PULSE_FIRST) {
        /* Bits 3:0 select output port lines to pulse low; line 0 is the
         * CPU reset. */
        if (!(cmd & OUT_RESET)) {
            trace_i8042_reset_request(cmd);
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        }
        return;
    }
    switch (cmd) {
    case CCMD_READ_MODE:
        i8042_ctrl_reply(s, s->mode, false);
        break;
    case CCMD_WRITE_MODE:
    case CCMD_WRITE_OUTPORT:
    case CCMD_WRITE_KBD_OBUF:
    case CCMD_WRITE_AUX_OBUF:
    case CCMD_WRITE_AUX:
        s->pending_cmd = cmd;
        break;
    case CCMD_AUX_DISABLE:
        s->mode |= MODE_DISABLE_AUX;
        break;
    case CCMD_AUX_ENABLE:
        s->mode &= ~MODE_DISABLE_AUX;
        i8042_update(s);
        break;
    case CCMD_AUX_TEST:
    case CCMD_KBD_TEST:
        i8042_ctrl_reply(s, IFACE_TEST_OK, false);
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SYS;
        i8042_ctrl_reply(s, SELF_TEST_OK, false);
        break;
    case CCMD_KBD_DISABLE:
        s->mode |= MODE_DISABLE_KBD;
        break;
    case CCMD_KBD_ENABLE:
        s->mode &= ~MODE_DISABLE_KBD;
        i8042_update(s);
        break;
    case CCMD_READ_INPORT:
        i8042_ctrl_reply(s, INPORT_VALUE, false);
        break;
    case CCMD_READ_OUTPORT: {
        uint8_t val = s->outport & ~(OUT_OBF | OUT_AUX_OBF);
        if (s->status & STAT_OBF) {
            val |= (s->status & STAT_AUX_OBF) ? OUT_AUX_OBF : OUT_OBF;
        }
        i8042_ctrl_reply(s, val, false);
        break;
    }
    case CCMD_DISABLE_A20:
        i8042_set_outport(s, s->outport & ~OUT_A20);
        break;
    case CCMD_ENABLE_A20:
        i8042_set_outport(s, s->outport | OUT_A20);
        break;
    case CCMD_READ_TEST:
        i8042_ctrl_reply(s, 0x00, false);
        break;
    default:
        trace_i8042_unknown_command(cmd);
        break;
    }
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending_cmd;

    s->pending_cmd = 0;
    switch (cmd) {
    case CCMD_WRITE_MODE:
        s->mode = val;
        if (val & MODE_SYS) {
            s->status |= STAT_SYS;
        } else {
            s->status &= ~STAT_SYS;
        }
        i8042_update(s);
        break;
    case CCMD_WRITE_OUTPORT:
        i8042_set_outport(s, val);
        break;
    case CCMD_WRITE_KBD_OBUF:
        i8042_ctrl_reply(s, val, false);
        break;
    case CCMD_WRITE_AUX_OBUF:
        i8042_ctrl_reply(s, val, true);
        break;
    case CCMD_WRITE_AUX:
        /* Talking to a device re-enables its interface (as QEMU does). */
        s->mode &= ~MODE_DISABLE_AUX;
        aux_write(s, val);
        i8042_update(s);
        break;
    default:
        s->mode &= ~MODE_DISABLE_KBD;
        kbd_write(s, val);
        i8042_update(s);
        break;
    }
}

static uint64_t i8042_data_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t val = s->obuf;

    if (s->status & STAT_OBF) {
        s->status &= ~(STAT_OBF | STAT_AUX_OBF);
        i8042_update(s);
    }
    trace_i8042_data_read(val);
    return val;
}

static void i8042_data_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~STAT_CMD;
    i8042_write_data(s, (uint8_t)val);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t i8042_status_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;

    return s->status;
}

static void i8042_cmd_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    i8042_command(s, (uint8_t)val);
}

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

bool i8042_a20_enabled(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    return (s->outport & OUT_A20) != 0;
}

/* --- device --- */

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    /* QEMU's power-on values: interrupts on, no translation (firmware
     * sets XLATE), A20 on, the reset line high. */
    s->mode = MODE_INT | MODE_INT2;
    s->status = STAT_CMD | STAT_UNLOCKED;
    s->outport = OUT_RESET | OUT_A20 | OUT_ONES;
    s->pending_cmd = 0;
    s->obuf = 0;
    s->xlate_break = false;
    queue_init(&s->ctrl_q, CTRL_QUEUE_SIZE);

    queue_init(&s->kbd_q, KBD_QUEUE_SIZE);
    s->kbd_pending_cmd = 0;
    s->kbd_scanning = true;
    kbd_set_defaults(s);

    queue_init(&s->aux_q, AUX_QUEUE_SIZE);
    s->aux_pending_cmd = 0;
    s->aux_wrap = false;
    s->aux_buttons = 0;
    aux_set_defaults(s);

    i8042_update_irq(s);
    qemu_set_irq(s->a20_out, 1);
}

static void i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = (I8042State *)dev;

    if (s->kbd_irq_num >= ISA_NUM_IRQS || s->aux_irq_num >= ISA_NUM_IRQS) {
        error_setg(errp, "i8042: kbd-irq and aux-irq must be between 0 and %d",
                   ISA_NUM_IRQS - 1);
        return;
    }
    qdev_init_gpio_out(dev, &s->kbd_irq, 1);
    qdev_init_gpio_out_named(dev, &s->aux_irq, "aux-irq", 1);
    qdev_init_gpio_out_named(dev, &s->a20_out, "a20", 1);
    qdev_connect_gpio_out(dev, 0, isa_get_irq((int)s->kbd_irq_num));
    qdev_connect_gpio_out_named(dev, "aux-irq", 0,
                                isa_get_irq((int)s->aux_irq_num));

    memory_region_init_io(&s->data_io, &i8042_data_ops, s, "i8042-data", 1);
    memory_region_init_io(&s->cmd_io, &i8042_cmd_ops, s, "i8042-cmd", 1);
    memory_region_add_subregion(get_system_io(), I8042_DATA_PORT, &s->data_io);
    memory_region_add_subregion(get_system_io(), I8042_CMD_PORT, &s->cmd_io);
    /* Sane before the machine's first reset. */
    i8042_reset(dev);
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    memory_region_del_subregion(get_system_io(), &s->data_io);
    memory_region_del_subregion(get_system_io(), &s->cmd_io);
    memory_region_finalize(&s->data_io);
    memory_region_finalize(&s->cmd_io);
}

static const Property i8042_props[] = {
    DEFINE_PROP("kbd-irq", PROP_UINT32, I8042State, kbd_irq_num, 1,
                "ISA IRQ of the keyboard (0-15)"),
    DEFINE_PROP("aux-irq", PROP_UINT32, I8042State, aux_irq_num, 12,
                "ISA IRQ of the mouse (0-15)"),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass i8042_class = {
    .name = TYPE_I8042,
    .desc = "i8042 keyboard controller with PS/2 keyboard and mouse",
    .instance_size = sizeof(I8042State),
    .props = i8042_props,
    /* The pc machine makes one; -device lets tests add it elsewhere. */
    .user_creatable = true,
    .realize = i8042_realize,
    .reset = i8042_reset,
    .unrealize = i8042_unrealize,
};
DEVICE_CLASS_REGISTER(i8042_class)
