/*
 * 16550A UART on the ISA bus ("isa-serial"), following the National
 * Semiconductor PC16550D datasheet (June 1995 revision; TI's later reprint
 * has the same section numbers): the eight registers with the divisor latch
 * behind DLAB, 16-byte receive FIFO with the 1/4/8/14 trigger levels, the
 * character-timeout indication after four character times (on the virtual
 * clock), the four-level interrupt priority of the IIR, loopback with the
 * modem outputs fed back into the MSR, and the PC wiring in which MCR.OUT2
 * gates the interrupt onto the ISA IRQ line. Left out: the transmitter has
 * no timing (a byte written to THR goes to the chardev at once and THR/TSR
 * are empty again when the write returns, so the TX FIFO never holds
 * anything), parity and framing errors never happen, data is not masked to
 * the word length (a guest that never programs LCR still prints 8-bit text),
 * the line speed only paces the receive timeout, and there is no DMA
 * signalling (FCR bit 3 is stored, nothing more) and no external modem
 * lines: outside loopback CTS, DSR and DCD read as asserted and RI not.
 */
#include "qemu/osdep.h"
#include "hw/char/serial.h"
#include "hw/qdev.h"
#include "hw/isa.h"
#include "chardev/char.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "trace/hw_char.h"

/* Register offsets from the base port (PC16550D 8.1, Table II). */
enum {
    UART_RBR = 0,   /* read, DLAB=0: receiver buffer */
    UART_THR = 0,   /* write, DLAB=0: transmitter holding */
    UART_DLL = 0,   /* DLAB=1: divisor latch, low byte */
    UART_IER = 1,   /* DLAB=0: interrupt enable */
    UART_DLM = 1,   /* DLAB=1: divisor latch, high byte */
    UART_IIR = 2,   /* read: interrupt identification */
    UART_FCR = 2,   /* write: FIFO control */
    UART_LCR = 3,   /* line control */
    UART_MCR = 4,   /* modem control */
    UART_LSR = 5,   /* line status */
    UART_MSR = 6,   /* modem status */
    UART_SCR = 7,   /* scratch */
    UART_NR_PORTS = 8,
};

/*
 * IER (8.5): bit 0 ERBFI received data available (and character timeout),
 * bit 1 ETBEI THR empty, bit 2 ELSI receiver line status, bit 3 EDSSI modem
 * status. Bits 4-7 are always 0.
 */
#define UART_IER_ERBFI  0x01
#define UART_IER_ETBEI  0x02
#define UART_IER_ELSI   0x04
#define UART_IER_EDSSI  0x08
#define UART_IER_MASK   0x0f

/*
 * IIR (8.6, Table IV): bit 0 is 0 while an interrupt is pending; bits 1-3
 * name the highest-priority source; bits 6-7 are both set while FCR0 is.
 */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_RLS    0x06    /* priority 1: OE/PE/FE/BI */
#define UART_IIR_RDA    0x04    /* priority 2: data at the trigger level */
#define UART_IIR_CTI    0x0c    /* priority 2: character timeout */
#define UART_IIR_THRE   0x02    /* priority 3: THR empty */
#define UART_IIR_MSI    0x00    /* priority 4: modem status delta */
#define UART_IIR_FIFO   0xc0

/*
 * FCR (8.4): bit 0 enables both FIFOs (changing it clears them, and the
 * other bits are only written while it is set), bits 1 and 2 reset the RX
 * and TX FIFO (self-clearing), bit 3 DMA mode, bits 6-7 the RX trigger.
 */
#define UART_FCR_FE     0x01
#define UART_FCR_RFR    0x02
#define UART_FCR_TFR    0x04
#define UART_FCR_DMS    0x08
#define UART_FCR_TRIG   0xc0

/*
 * LCR (8.2): bits 0-1 word length 5..8, bit 2 stop bits (1, or 1.5 for
 * 5-bit words and 2 otherwise), bit 3 parity enable, bit 4 even parity,
 * bit 5 stick parity, bit 6 set break, bit 7 DLAB.
 */
#define UART_LCR_WLS    0x03
#define UART_LCR_STB    0x04
#define UART_LCR_PEN    0x08
#define UART_LCR_SBC    0x40
#define UART_LCR_DLAB   0x80

/*
 * MCR (8.7): bit 0 DTR, bit 1 RTS, bit 2 OUT1, bit 3 OUT2, bit 4 LOOP;
 * bits 5-7 are always 0.
 */
#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1f

/*
 * LSR (8.3): bit 0 DR, 1 OE, 2 PE, 3 FE, 4 BI, 5 THRE, 6 TEMT, 7 an error
 * (here: a break) somewhere in the RX FIFO. Reading LSR clears bits 1-4.
 */
#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_FIFOE  0x80
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

/*
 * MSR (8.8): bits 0-3 are deltas (DCTS, DDSR, TERI: RI went inactive,
 * DDCD) cleared by reading MSR; bits 4-7 the inputs CTS, DSR, RI, DCD.
 */
#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80
#define UART_MSR_DELTAS 0x0f

#define UART_FIFO_SIZE  16
/* The PC's 1.8432 MHz crystal; the baud rate is clock / (16 * divisor). */
#define UART_CLOCK_HZ   1843200
/* Divisor 12 (9600 baud): the datasheet leaves the latch undefined at reset. */
#define UART_RESET_DIVISOR 12

/* A received character carries its break indication along the FIFO. */
#define RX_FLAG_BREAK   0x01

typedef struct SerialState {
    DeviceState parent;

    /* properties */
    uint32_t iobase;
    uint32_t isairq;
    Chardev *chr;

    MemoryRegion io;
    qemu_irq irq;               /* GPIO out 0 */
    bool irq_level;             /* what the IRQ line was last set to */
    QEMUTimer *timeout_timer;   /* RX character timeout */

    uint16_t divisor;
    uint8_t ier;
    uint8_t fcr;                /* FE, DMS and trigger bits as written */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr;                /* OE, BI, THRE, TEMT; DR and bit 7 derive */
    uint8_t msr;
    uint8_t scr;
    uint8_t rbr;                /* the last character read, re-read when empty */
    bool thr_ipending;          /* THR emptied since IIR/THR cleared it */
    bool timeout_ipending;      /* character timeout indicated */

    /* RX FIFO, a ring; holds one character while FIFOs are disabled. */
    uint8_t rx_data[UART_FIFO_SIZE];
    uint8_t rx_flags[UART_FIFO_SIZE];
    unsigned rx_head;
    unsigned rx_count;
} SerialState;

static const Property serial_props[] = {
    DEFINE_PROP("iobase", PROP_UINT32, SerialState, iobase, 0x3f8,
                "first of the 8 I/O ports"),
    DEFINE_PROP("irq", PROP_UINT32, SerialState, isairq, 4, "ISA IRQ (0-15)"),
    DEFINE_PROP("chardev", PROP_CHR, SerialState, chr, 0,
                "ID of a chardev to use as a backend"),
    DEFINE_PROP_END_OF_LIST(),
};

static bool serial_fifo_enabled(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

static unsigned serial_rx_capacity(SerialState *s)
{
    return serial_fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

/* FCR bits 6-7 select 1, 4, 8 or 14 characters (8.4, Table III). */
static unsigned serial_rx_trigger(SerialState *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };

    return levels[(s->fcr & UART_FCR_TRIG) >> 6];
}

/*
 * One character time in ns at the current line settings: a start bit, the
 * data bits, parity, and 1, 1.5 or 2 stop bits, counted in half bits.
 */
static int64_t serial_char_time_ns(SerialState *s)
{
    unsigned data_bits = 5 + (s->lcr & UART_LCR_WLS);
    unsigned half_bits = 2 * (1 + data_bits + !!(s->lcr & UART_LCR_PEN));
    uint64_t divisor = s->divisor ? s->divisor : 1;   /* 0 is not allowed */

    if (s->lcr & UART_LCR_STB) {
        half_bits += data_bits == 5 ? 3 : 4;
    } else {
        half_bits += 2;
    }
    /* bit time = 16 * divisor / clock; halve for half bits. */
    return (int64_t)(half_bits * divisor * 16 * NANOSECONDS_PER_SECOND /
                     (2 * UART_CLOCK_HZ));
}

/* The interrupt the IIR reports now, by the priorities of Table IV. */
static uint8_t serial_iir_id(SerialState *s)
{
    if ((s->ier & UART_IER_ELSI) && (s->lsr & UART_LSR_INT_ANY)) {
        return UART_IIR_RLS;
    }
    if (s->ier & UART_IER_ERBFI) {
        bool fifo = serial_fifo_enabled(s);

        if (s->rx_count && (!fifo || s->rx_count >= serial_rx_trigger(s))) {
            return UART_IIR_RDA;
        }
        if (fifo && s->timeout_ipending && s->rx_count) {
            return UART_IIR_CTI;
        }
    }
    if ((s->ier & UART_IER_ETBEI) && s->thr_ipending) {
        return UART_IIR_THRE;
    }
    if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTAS)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

/*
 * The UART's INTRPT output reaches the ISA IRQ line through a driver that
 * the OUT2 pin enables on PC boards; in loopback the datasheet (8.7) forces
 * the OUT pins inactive, so the line stays low there even with MCR.OUT2 set,
 * as on real PCs, while the IIR still reports the interrupt.
 */
static void serial_update_irq(SerialState *s)
{
    uint8_t id = serial_iir_id(s);
    bool level = !(id & UART_IIR_NO_INT) && (s->mcr & UART_MCR_OUT2) &&
                 !(s->mcr & UART_MCR_LOOP);

    if (level != s->irq_level) {
        s->irq_level = level;
        trace_serial_irq(s->iobase, level, id);
        qemu_set_irq(s->irq, level);
    }
}

/* LSR as read: stored bits plus DR and the FIFO error summary. */
static uint8_t serial_lsr_value(SerialState *s)
{
    uint8_t lsr = s->lsr;

    if (s->rx_count) {
        lsr |= UART_LSR_DR;
    }
    if (serial_fifo_enabled(s)) {
        for (unsigned i = 0; i < s->rx_count; i++) {
            if (s->rx_flags[(s->rx_head + i) % UART_FIFO_SIZE] & RX_FLAG_BREAK) {
                lsr |= UART_LSR_FIFOE;
                break;
            }
        }
    }
    return lsr;
}

/* A character's error bits show in LSR once it is at the top of the FIFO. */
static void serial_rx_top_changed(SerialState *s)
{
    if (s->rx_count && (s->rx_flags[s->rx_head] & RX_FLAG_BREAK)) {
        s->lsr |= UART_LSR_BI;
    }
}

/*
 * The timeout counter restarts whenever a character enters or leaves the
 * RX FIFO (8.6.1); it only runs in FIFO mode with something in the FIFO.
 */
static void serial_rearm_timeout(SerialState *s)
{
    if (!s->timeout_timer) {
        return;
    }
    if (serial_fifo_enabled(s) && s->rx_count && !s->timeout_ipending) {
        timer_mod(s->timeout_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                                    4 * serial_char_time_ns(s));
    } else if (!s->rx_count || !serial_fifo_enabled(s)) {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_enabled(s) && s->rx_count) {
        trace_serial_rx_timeout(s->iobase, s->rx_count);
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->timeout_ipending = false;
    if (s->timeout_timer) {
        timer_del(s->timeout_timer);
    }
}

/*
 * A character completes in the receiver shift register. With no room it is
 * an overrun (8.3, LSR bit 1): in 16450 mode the new character overwrites
 * RBR; in FIFO mode the FIFO is kept and the new character is lost.
 */
static void serial_receive_char(SerialState *s, uint8_t ch, uint8_t flags)
{
    unsigned cap = serial_rx_capacity(s);

    if (s->rx_count >= cap) {
        s->lsr |= UART_LSR_OE;
        if (!serial_fifo_enabled(s)) {
            trace_serial_rx_overrun(s->iobase, s->rx_data[s->rx_head]);
            s->rx_data[s->rx_head] = ch;
            s->rx_flags[s->rx_head] = flags;
            serial_rx_top_changed(s);
        } else {
            trace_serial_rx_overrun(s->iobase, ch);
        }
    } else {
        unsigned tail = (s->rx_head + s->rx_count) % UART_FIFO_SIZE;

        s->rx_data[tail] = ch;
        s->rx_flags[tail] = flags;
        s->rx_count++;
        if (s->rx_count == 1) {
            serial_rx_top_changed(s);
        }
    }
    serial_rearm_timeout(s);
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    bool was_full = s->rx_count >= serial_rx_capacity(s);

    if (s->rx_count) {
        s->rbr = s->rx_data[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
        serial_rx_top_changed(s);
    }
    /* Reading a character clears the timeout indication (8.6.1). */
    s->timeout_ipending = false;
    serial_rearm_timeout(s);
    serial_update_irq(s);
    if (was_full && s->chr && !(s->mcr & UART_MCR_LOOP)) {
        qemu_chr_fe_accept_input(s->chr);
    }
    return s->rbr;
}

/*
 * The transmitter: the byte leaves at once (to RX in loopback, else to the
 * chardev, or nowhere without one), so THR and the shift register are empty
 * again by the time the write returns. Writing THR clears a pending THRE
 * interrupt and THR emptying sets it again, so a driver sees one THRE
 * interrupt per byte (or burst) it writes, as with a fast line.
 */
static void serial_write_thr(SerialState *s, uint8_t val)
{
    s->thr_ipending = false;
    s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    if (s->mcr & UART_MCR_LOOP) {
        serial_receive_char(s, val, 0);
    } else if (s->chr) {
        qemu_chr_fe_write_all(s->chr, &val, 1);
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
    serial_update_irq(s);
}

/*
 * MSR bits 4-7 follow the modem inputs: outside loopback, CTS, DSR and DCD
 * asserted (no modem lines are modelled); in loopback (8.7) CTS=RTS,
 * DSR=DTR, RI=OUT1, DCD=OUT2. Changes set the delta bits.
 */
static void serial_update_msr(SerialState *s)
{
    uint8_t in, old = s->msr & 0xf0, delta = 0;

    if (s->mcr & UART_MCR_LOOP) {
        in = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
             ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
             ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
             ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    }
    if ((in ^ old) & UART_MSR_CTS) {
        delta |= UART_MSR_DCTS;
    }
    if ((in ^ old) & UART_MSR_DSR) {
        delta |= UART_MSR_DDSR;
    }
    if ((old & UART_MSR_RI) && !(in & UART_MSR_RI)) {
        delta |= UART_MSR_TERI;
    }
    if ((in ^ old) & UART_MSR_DCD) {
        delta |= UART_MSR_DDCD;
    }
    s->msr = in | (s->msr & UART_MSR_DELTAS) | delta;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    bool was_full = s->rx_count >= serial_rx_capacity(s);

    /* Turning the FIFOs on or off clears them both (8.4, FCR bit 0). */
    if ((val ^ s->fcr) & UART_FCR_FE) {
        serial_rx_clear(s);
    }
    if (!(val & UART_FCR_FE)) {
        s->fcr = 0;
    } else {
        if (val & UART_FCR_RFR) {
            serial_rx_clear(s);
        }
        /* UART_FCR_TFR: the TX FIFO is always empty here. */
        s->fcr = val & (UART_FCR_FE | UART_FCR_DMS | UART_FCR_TRIG);
    }
    serial_rearm_timeout(s);
    serial_update_irq(s);
    if (was_full && s->rx_count == 0 && s->chr) {
        qemu_chr_fe_accept_input(s->chr);
    }
}

static const char *serial_reg_name(SerialState *s, hwaddr addr, bool write)
{
    bool dlab = s->lcr & UART_LCR_DLAB;

    switch (addr) {
    case UART_RBR:
        return dlab ? "DLL" : write ? "THR" : "RBR";
    case UART_IER:
        return dlab ? "DLM" : "IER";
    case UART_IIR:
        return write ? "FCR" : "IIR";
    case UART_LCR:
        return "LCR";
    case UART_MCR:
        return "MCR";
    case UART_LSR:
        return "LSR";
    case UART_MSR:
        return "MSR";
    default:
        return "SCR";
    }
}

static uint64_t serial_io_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t ret;

    switch (addr) {
    case UART_RBR:
        ret = dlab ? (s->divisor & 0xff) : serial_read_rbr(s);
        break;
    case UART_IER:
        ret = dlab ? (s->divisor >> 8) : s->ier;
        break;
    case UART_IIR:
        ret = serial_iir_id(s);
        /* Reading IIR when THRE is the source clears it (Table IV). */
        if (ret == UART_IIR_THRE) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        if (serial_fifo_enabled(s)) {
            ret |= UART_IIR_FIFO;
        }
        break;
    case UART_LCR:
        ret = s->lcr;
        break;
    case UART_MCR:
        ret = s->mcr;
        break;
    case UART_LSR:
        ret = serial_lsr_value(s);
        s->lsr &= ~UART_LSR_INT_ANY;
        serial_update_irq(s);
        break;
    case UART_MSR:
        ret = s->msr;
        s->msr &= ~UART_MSR_DELTAS;
        serial_update_irq(s);
        break;
    case UART_SCR:
    default:
        ret = s->scr;
        break;
    }
    trace_serial_read(s->iobase, serial_reg_name(s, addr, false), ret);
    return ret;
}

static void serial_io_write(void *opaque, hwaddr addr, uint64_t data,
                            unsigned size)
{
    SerialState *s = opaque;
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t val = data;

    trace_serial_write(s->iobase, serial_reg_name(s, addr, true), val);
    switch (addr) {
    case UART_THR:
        if (dlab) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            serial_write_thr(s, val);
        }
        break;
    case UART_IER:
        if (dlab) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
        } else {
            uint8_t old = s->ier;

            s->ier = val & UART_IER_MASK;
            /*
             * Enabling ETBEI while THR is empty raises THRE at once, as
             * the 16550A does; drivers start transmission this way.
             */
            if (!(old & UART_IER_ETBEI) && (s->ier & UART_IER_ETBEI) &&
                (s->lsr & UART_LSR_THRE)) {
                s->thr_ipending = true;
            }
            serial_update_irq(s);
        }
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR: {
        uint8_t old = s->lcr;

        s->lcr = val;
        /* A break set in loopback reaches our own receiver as one break. */
        if ((s->mcr & UART_MCR_LOOP) && !(old & UART_LCR_SBC) &&
            (val & UART_LCR_SBC)) {
            serial_receive_char(s, 0, RX_FLAG_BREAK);
        }
        break;
    }
    case UART_MCR: {
        bool was_loop = s->mcr & UART_MCR_LOOP;

        s->mcr = val & UART_MCR_MASK;
        serial_update_msr(s);
        serial_update_irq(s);
        if (was_loop && !(s->mcr & UART_MCR_LOOP) && s->chr) {
            qemu_chr_fe_accept_input(s->chr);
        }
        break;
    }
    case UART_LSR:
    case UART_MSR:
        /* Read-only in normal use (the datasheet's factory test only). */
        break;
    case UART_SCR:
    default:
        s->scr = val;
        break;
    }
}

static const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* Input from the chardev: as much as the RX FIFO has room for. */
static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    /* The serial input pin is disconnected in loopback (8.7). */
    if (s->mcr & UART_MCR_LOOP) {
        return 0;
    }
    return serial_rx_capacity(s) - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    SerialState *s = opaque;

    for (int i = 0; i < size; i++) {
        serial_receive_char(s, buf[i], 0);
    }
}

/* Reset state: PC16550D Table IV ("UART Reset Configuration"). */
static void serial_reset(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;

    s->divisor = UART_RESET_DIVISOR;
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = 0;
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTAS;
    s->rbr = 0;
    s->thr_ipending = false;
    serial_rx_clear(s);
    /* SCR is not touched by reset. */
    s->irq_level = false;
    qemu_irq_lower(s->irq);
}

static void serial_instance_init(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;

    qdev_init_gpio_out(dev, &s->irq, 1);
}

static void serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = (SerialState *)dev;

    if (s->isairq >= ISA_NUM_IRQS) {
        error_setg(errp, "isa-serial: irq must be between 0 and %d, not %" PRIu32,
                   ISA_NUM_IRQS - 1, s->isairq);
        return;
    }
    if (s->iobase > 0x10000 - UART_NR_PORTS) {
        error_setg(errp, "isa-serial: iobase must be at most 0x%x, not 0x%" PRIx32,
                   0x10000 - UART_NR_PORTS, s->iobase);
        return;
    }
    memory_region_init_io(&s->io, &serial_io_ops, s, "serial", UART_NR_PORTS);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    qdev_connect_gpio_out(dev, 0, isa_get_irq(s->isairq));
    s->timeout_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, serial_timeout_expired, s);
    /* Sane registers before the machine's first reset. */
    serial_reset(dev);
    if (s->chr) {
        qemu_chr_fe_set_handlers(s->chr, serial_can_receive, serial_receive,
                                 NULL, s);
    }
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;

    if (s->chr) {
        qemu_chr_fe_set_handlers(s->chr, NULL, NULL, NULL, NULL);
    }
    timer_free(s->timeout_timer);
    s->timeout_timer = NULL;
    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static const DeviceClass serial_class = {
    .name = TYPE_ISA_SERIAL,
    .desc = "16550A UART",
    .instance_size = sizeof(SerialState),
    .props = serial_props,
    .user_creatable = true,
    .instance_init = serial_instance_init,
    .realize = serial_realize,
    .reset = serial_reset,
    .unrealize = serial_unrealize,
};
DEVICE_CLASS_REGISTER(serial_class)
