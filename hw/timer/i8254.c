/*
 * The PC's 8254 programmable interval timer (device type "isa-pit"), the
 * userspace backend: the control logic and ports here, the counting
 * element's timeline, reset, state get/set and `info pit` in the common part
 * (hw/timer/i8254_common.c). It follows the Intel 8254 datasheet (order
 * number 231164-005, September 1993): three counters at ports 0x40-0x42 and the control word register
 * at 0x43; modes 0-5 (6 and 7 alias 2 and 3) with their OUT waveforms
 * counted in CLK edges, including the load CLK after a count is written;
 * gate behaviour per mode (counting inhibited, retriggering, reload on a
 * rising edge); LSB, MSB and LSB-then-MSB access, with mode 0's rule that
 * the first byte of a two-byte count stops counting and drives OUT low; a
 * new count in modes 2 and 3 taking effect at the end of the current
 * period or half-period; the counter latch command; the read-back command
 * with the status byte (OUT, null count, RW, mode, BCD); binary and BCD
 * counting, where a count of 0 means 65536 (10000 BCD). CLK is 1.193182 MHz
 * on the virtual clock; counter 0's OUT drives ISA IRQ 0 through one
 * virtual-clock timer armed for its next transition (no periodic polling).
 * The gates of counters 0 and 1 are tied high as on PCs; counter 2's comes
 * from port 0x61 (hw/timer/port61.c). Left out: the datasheet leaves the
 * power-on mode, count and OUT undefined; here every counter starts
 * unprogrammed in mode 0 with OUT low (no timer interrupt until software
 * programs counter 0). BCD counts with digits above 9 count as the binary
 * value of their digits. A count read before the load CLK returns what the
 * counting element held before. Reads of the control port return 0xff
 * (the 8254 leaves the bus floating).
 */
#include "qemu/osdep.h"
#include "hw/timer/i8254.h"
#include "hw/isa.h"
#include "hw/qdev.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "trace/hw_timer.h"

/* Port offsets (8254 datasheet, Table 1: A1, A0). */
enum {
    PIT_PORT_COUNTER0 = 0,
    PIT_PORT_COUNTER1 = 1,
    PIT_PORT_COUNTER2 = 2,
    PIT_PORT_CONTROL = 3,
    PIT_NR_PORTS = 4,
};

/*
 * Control word (8254 datasheet, Figure 7):
 *   D7-D6 SC (counter; 11 = read-back), D5-D4 RW (00 = counter latch
 *   command, 01 LSB, 10 MSB, 11 LSB then MSB), D3-D1 M2-M0, D0 BCD.
 * Read-back command (Figure 9): D7-D6 = 11, D5 COUNT (0 = latch count),
 *   D4 STATUS (0 = latch status), D3 CNT2, D2 CNT1, D1 CNT0.
 * Status byte (Figure 10): D7 OUTPUT, D6 NULL COUNT, D5-D4 RW, D3-D1 mode,
 *   D0 BCD.
 */
#define PIT_CW_SC_SHIFT         6
#define PIT_CW_SC_READBACK      3
#define PIT_CW_RW_SHIFT         4
#define PIT_CW_RW_MASK          3
#define PIT_CW_MODE_SHIFT       1
#define PIT_CW_MODE_MASK        7
#define PIT_CW_BCD              0x01
#define PIT_RB_NO_COUNT         0x20
#define PIT_RB_NO_STATUS        0x10
#define PIT_RB_CNT(i)           (2u << (i))
#define PIT_STATUS_OUT          0x80
#define PIT_STATUS_NULL         0x40

/* --- count encoding --- */

/* A count as written to CR; 0 is the largest count. */
static uint32_t pit_decode_count(const PITChannel *c, uint16_t raw)
{
    uint32_t v = raw;

    if (c->bcd) {
        v = ((raw >> 12) & 0xf) * 1000 + ((raw >> 8) & 0xf) * 100 +
            ((raw >> 4) & 0xf) * 10 + (raw & 0xf);
    }
    return v ? v : pit_channel_modulus(c);
}

/* CE as the output latch shows it. */
static uint16_t pit_encode_count(const PITChannel *c, uint32_t ce)
{
    ce %= pit_channel_modulus(c);
    if (c->bcd) {
        return ((ce / 1000) << 12) | (((ce / 100) % 10) << 8) |
               (((ce / 10) % 10) << 4) | (ce % 10);
    }
    return ce;
}

/* --- the counting element --- */

static bool pit_gate_inhibits(const PITChannel *c)
{
    /* Modes 0, 2, 3, 4 stop counting while GATE is low; 1 and 5 use the
     * gate only as a trigger. */
    return c->mode != 1 && c->mode != 5;
}

/* CE takes count n on the CLK after `tick`. */
static void pit_start(PITChannel *c, uint64_t tick, uint32_t n,
                      uint32_t preload_ce, bool preload_out)
{
    c->preload_ce = preload_ce;
    c->preload_out = preload_out;
    c->running = true;
    c->n = n;
    c->load_tick = tick + 1;
    c->paused_ticks = 0;
    c->phase = 0;
    c->pending = false;
    c->paused = !c->gate && pit_gate_inhibits(c);
    c->paused_since = c->load_tick;
    c->null_until = tick + 1;
}

void pit_channel_control(PITChannel *c, uint8_t mode, uint8_t rw, bool bcd,
                         uint64_t tick)
{
    uint32_t ce;
    bool out;

    pit_channel_state_at(c, tick, &ce, &out);
    c->mode_raw = mode & PIT_CW_MODE_MASK;
    c->mode = c->mode_raw > 5 ? c->mode_raw & 3 : c->mode_raw;
    c->rw = rw & PIT_CW_RW_MASK;
    c->bcd = bcd;
    /* "When a Control Word is written to a Counter, all Control Logic is
     * immediately reset and OUT goes to a known initial state": low in
     * mode 0, high in every other mode. */
    c->running = false;
    c->idle_out = c->mode != 0;
    c->idle_ce = ce;
    c->cr_valid = false;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->latch_msb_next = false;
    c->status_latched = false;
    c->pending = false;
    c->null_until = PIT_NO_EVENT;
}

void pit_channel_latch_count(PITChannel *c, uint64_t tick)
{
    uint32_t ce;
    bool out;

    /* A second latch before the first is read is ignored. */
    if (c->count_latched) {
        return;
    }
    pit_channel_state_at(c, tick, &ce, &out);
    c->latch = pit_encode_count(c, ce);
    c->count_latched = true;
    c->latch_msb_next = false;
}

void pit_channel_latch_status(PITChannel *c, uint64_t tick)
{
    uint32_t ce;
    bool out;

    if (c->status_latched) {
        return;
    }
    pit_channel_state_at(c, tick, &ce, &out);
    c->status = (out ? PIT_STATUS_OUT : 0) |
                (tick < c->null_until ? PIT_STATUS_NULL : 0) |
                (c->rw << PIT_CW_RW_SHIFT) |
                (c->mode_raw << PIT_CW_MODE_SHIFT) |
                (c->bcd ? PIT_CW_BCD : 0);
    c->status_latched = true;
}

/* A whole count reached CR. */
static void pit_load_count(PITChannel *c, uint16_t raw, uint64_t tick)
{
    uint32_t ce, h;
    uint64_t e, p;
    bool out;

    pit_channel_state_at(c, tick, &ce, &out);
    c->cr = pit_decode_count(c, raw);
    c->cr_valid = true;
    switch (c->mode) {
    case 1:
    case 5:
        /* Loaded into CE by the next trigger on GATE. */
        c->null_until = PIT_NO_EVENT;
        break;
    case 2:
    case 3:
        if (!c->running) {
            pit_start(c, tick, c->cr, ce, out);
        } else if (tick < c->load_tick) {
            c->n = c->cr;
        } else if (c->paused) {
            /* GATE is low: its rising edge loads CR. */
            c->null_until = PIT_NO_EVENT;
        } else {
            /* The current cycle (mode 2) or half-cycle (mode 3) ends
             * first. */
            e = pit_channel_elapsed(c, tick);
            c->pending = true;
            c->pending_n = c->cr;
            c->null_until = PIT_NO_EVENT;
            if (c->mode == 2) {
                c->pending_e = (e / c->n + 1) * c->n;
                c->pending_phase = 0;
            } else {
                p = (e + c->phase) % c->n;
                h = (c->n + 1) / 2;
                if (p < h) {
                    /* OUT goes low there: start in the new low half. */
                    c->pending_e = e + (h - p);
                    c->pending_phase = (c->cr + 1) / 2 % c->cr;
                } else {
                    c->pending_e = e + (c->n - p);
                    c->pending_phase = 0;
                }
            }
        }
        break;
    default:
        /* Modes 0 and 4: loaded on the next CLK, counting restarts. */
        pit_start(c, tick, c->cr, ce, out);
        break;
    }
}

void pit_channel_write(PITChannel *c, uint8_t val, uint64_t tick)
{
    uint32_t ce;
    bool out;

    switch (c->rw) {
    case PIT_RW_LSB:
        pit_load_count(c, val, tick);
        break;
    case PIT_RW_MSB:
        pit_load_count(c, (uint16_t)val << 8, tick);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0) {
                /* Mode 0: the first byte stops counting, OUT goes low. */
                pit_channel_state_at(c, tick, &ce, &out);
                c->running = false;
                c->idle_ce = ce;
                c->idle_out = false;
            }
        } else {
            c->write_msb_next = false;
            pit_load_count(c, c->write_lsb | ((uint16_t)val << 8), tick);
        }
        break;
    }
}

uint8_t pit_channel_read(PITChannel *c, uint64_t tick)
{
    uint32_t ce;
    uint16_t v;
    bool out;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        v = c->latch;
        switch (c->rw) {
        case PIT_RW_LSB:
            c->count_latched = false;
            return v & 0xff;
        case PIT_RW_MSB:
            c->count_latched = false;
            return v >> 8;
        default:
            if (!c->latch_msb_next) {
                c->latch_msb_next = true;
                return v & 0xff;
            }
            c->latch_msb_next = false;
            c->count_latched = false;
            return v >> 8;
        }
    }
    pit_channel_state_at(c, tick, &ce, &out);
    v = pit_encode_count(c, ce);
    switch (c->rw) {
    case PIT_RW_LSB:
        return v & 0xff;
    case PIT_RW_MSB:
        return v >> 8;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? v & 0xff : v >> 8;
    }
}

void pit_channel_set_gate(PITChannel *c, bool gate, uint64_t tick)
{
    uint32_t ce;
    bool out;

    pit_channel_state_at(c, tick, &ce, &out);
    if (gate == c->gate) {
        return;
    }
    c->gate = gate;
    if (!gate) {
        if (c->running && !c->paused && pit_gate_inhibits(c)) {
            c->paused = true;
            c->paused_since = tick > c->load_tick ? tick : c->load_tick;
        }
        return;
    }
    switch (c->mode) {
    case 0:
    case 4:
        if (c->running && c->paused) {
            if (tick > c->paused_since) {
                c->paused_ticks += tick - c->paused_since;
            }
            c->paused = false;
        }
        break;
    default:
        /* 1, 5: a trigger; 2, 3: the rising edge reloads. Either way CR
         * goes to CE on the next CLK. */
        if (c->cr_valid) {
            pit_start(c, tick, c->cr, ce, out);
        }
        break;
    }
}

/* --- the device --- */

static uint64_t pit_now(void)
{
    return pit_ticks_from_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/* Put OUT0 on the IRQ line and arm the timer for its next change. */
/*
 * Drive IRQ0 from OUT0 as it is at `tick`, then arm the timer for OUT0's next
 * transition. The timer callback evaluates OUT0 at the tick it was armed for,
 * not at the current time: when the timer runs late (a vCPU's time slice), a
 * short pulse such as mode 2's one-clock low (8254 datasheet, mode 2) would
 * otherwise be missed whole, and an edge-triggered PIC or IOAPIC would never
 * see the rising edge. A late timer so replays each transition in order.
 */
static void pit_update_irq_at(PITState *s, uint64_t tick, bool force)
{
    bool out = pit_channel_out(&s->ch[0], tick);
    uint64_t next;

    if (out != s->irq_level || force) {
        s->irq_level = out;
        trace_i8254_irq(out, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
        qemu_set_irq(s->irq, out);
    }
    next = pit_channel_next_event(&s->ch[0], tick);
    if (next == PIT_NO_EVENT) {
        timer_del(s->timer);
    } else {
        trace_i8254_timer_arm(pit_ns_from_ticks(next));
        s->timer_tick = next;
        timer_mod(s->timer, pit_ns_from_ticks(next));
    }
}

static void pit_update_irq(PITState *s, bool force)
{
    pit_update_irq_at(s, pit_now(), force);
}

static void pit_timer_cb(void *opaque)
{
    PITState *s = opaque;

    pit_update_irq_at(s, s->timer_tick, false);
}

static void pit_write_control(PITState *s, uint8_t val, uint64_t tick)
{
    int sc = val >> PIT_CW_SC_SHIFT;
    int rw = (val >> PIT_CW_RW_SHIFT) & PIT_CW_RW_MASK;

    if (sc == PIT_CW_SC_READBACK) {
        trace_i8254_readback(val);
        for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
            if (!(val & PIT_RB_CNT(i))) {
                continue;
            }
            /* The status is read first when both are latched. */
            if (!(val & PIT_RB_NO_COUNT)) {
                pit_channel_latch_count(&s->ch[i], tick);
            }
            if (!(val & PIT_RB_NO_STATUS)) {
                pit_channel_latch_status(&s->ch[i], tick);
            }
        }
        return;
    }
    if (rw == 0) {
        pit_channel_latch_count(&s->ch[sc], tick);
        return;
    }
    trace_i8254_control(sc, (val >> PIT_CW_MODE_SHIFT) & PIT_CW_MODE_MASK,
                        rw, val & PIT_CW_BCD);
    pit_channel_control(&s->ch[sc], (val >> PIT_CW_MODE_SHIFT) &
                        PIT_CW_MODE_MASK, rw, val & PIT_CW_BCD, tick);
}

static void pit_ioport_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    PITState *s = opaque;
    uint64_t tick = pit_now();

    if (addr == PIT_PORT_CONTROL) {
        pit_write_control(s, val, tick);
    } else if (addr < PIT_NUM_CHANNELS) {
        pit_channel_write(&s->ch[addr], val, tick);
        if (!s->ch[addr].write_msb_next) {
            trace_i8254_count(addr, s->ch[addr].cr);
        }
    }
    pit_update_irq(s, false);
}

static uint64_t pit_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PITState *s = opaque;
    uint8_t ret;

    if (addr >= PIT_NUM_CHANNELS) {
        return 0xff;
    }
    ret = pit_channel_read(&s->ch[addr], pit_now());
    trace_i8254_read(addr, ret);
    return ret;
}

static const MemoryRegionOps pit_io_ops = {
    .read = pit_ioport_read,
    .write = pit_ioport_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void i8254_set_gate(DeviceState *pit, int channel, bool level)
{
    PITState *s = i8254_from_device(pit);

    if (!s || channel < 0 || channel >= PIT_NUM_CHANNELS) {
        return;
    }
    trace_i8254_gate(channel, level);
    pit_channel_set_gate(&s->ch[channel], level, pit_now());
    pit_update_irq(s, false);
}

bool i8254_get_gate(DeviceState *pit, int channel)
{
    PITState *s = i8254_from_device(pit);

    if (!s || channel < 0 || channel >= PIT_NUM_CHANNELS) {
        return false;
    }
    return s->ch[channel].gate;
}

bool i8254_get_out(DeviceState *pit, int channel)
{
    PITState *s = i8254_from_device(pit);

    if (!s || channel < 0 || channel >= PIT_NUM_CHANNELS) {
        return false;
    }
    return pit_channel_out(&s->ch[channel], pit_now());
}

/* The common part replaced s->ch (reset, state load): OUT0 onto the line
 * as it is now, and the timer for its next transition. */
static void pit_userspace_post_load(PITState *s)
{
    if (s->timer) {
        pit_update_irq(s, true);
    }
}

static const PITBackendOps pit_userspace_ops = {
    .post_load = pit_userspace_post_load,
};

static void pit_reset(DeviceState *dev)
{
    i8254_common_reset((PITState *)dev);
}

static void pit_instance_init(DeviceState *dev)
{
    PITState *s = (PITState *)dev;

    s->ops = &pit_userspace_ops;
    qdev_init_gpio_out(dev, &s->irq, 1);
}

static void pit_realize(DeviceState *dev, GError **errp)
{
    PITState *s = (PITState *)dev;

    if (s->isairq >= ISA_NUM_IRQS) {
        error_setg(errp, "isa-pit: irq must be between 0 and %d, not %"
                   PRIu32, ISA_NUM_IRQS - 1, s->isairq);
        return;
    }
    if (s->iobase > 0x10000 - PIT_NR_PORTS) {
        error_setg(errp, "isa-pit: iobase must be at most 0x%x, not 0x%"
                   PRIx32, 0x10000 - PIT_NR_PORTS, s->iobase);
        return;
    }
    memory_region_init_io(&s->io, &pit_io_ops, s, "pit", PIT_NR_PORTS);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    qdev_connect_gpio_out(dev, 0, isa_get_irq(s->isairq));
    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, pit_timer_cb, s);
    /* Sane counters before the machine's first reset. */
    pit_reset(dev);
    i8254_register_info();
}

static void pit_unrealize(DeviceState *dev)
{
    PITState *s = (PITState *)dev;

    timer_free(s->timer);
    s->timer = NULL;
    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static const Property pit_props[] = {
    DEFINE_PROP_UINT32("iobase", PITState, iobase, PIT_IOBASE),
    DEFINE_PROP_UINT32("irq", PITState, isairq, PIT_ISA_IRQ),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass pit_class = {
    .name = TYPE_I8254,
    .desc = "8254 programmable interval timer",
    .instance_size = sizeof(PITState),
    .props = pit_props,
    .user_creatable = true,
    .instance_init = pit_instance_init,
    .realize = pit_realize,
    .reset = pit_reset,
    .unrealize = pit_unrealize,
};
DEVICE_CLASS_REGISTER(pit_class)

DeviceState *i8254_create(GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_I8254);

    if (!qdev_realize(dev, "pit", errp)) {
        return NULL;
    }
    return dev;
}
