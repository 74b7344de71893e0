/*
 * The backend-independent half of the 8254 PIT (include/hw/timer/i8254.h):
 * the CLK arithmetic on the virtual clock, each counter's counting element
 * as a timeline (CE and OUT at any CLK tick, the next OUT transition) after
 * the mode definitions of the Intel 8254 datasheet (order number 231164-005),
 * the power-on state, moving the state in and out of a device whatever
 * backend runs it (PITSavedState, shaped after KVM_GET_PIT2's channels so an
 * in-kernel PIT can share it), and the HMP `info pit` text. The control
 * logic (control words, count writes, latches, reads, GATE edges) and the
 * ports, IRQ line and timer are the backend's (hw/timer/i8254.c for the
 * userspace model). Left out: migration streams (the struct is the
 * interface), and KVM's flags word (the HPET legacy-replacement bit has no
 * HPET to talk about here).
 */
#include "qemu/osdep.h"
#include "hw/timer/i8254.h"
#include "hw/qdev.h"
#include "monitor/monitor.h"
#include "qemu/error.h"
#include "qemu/timer.h"

/* --- time --- */

uint64_t pit_ticks_from_ns(int64_t ns)
{
    if (ns <= 0) {
        return 0;
    }
    return (uint64_t)((unsigned __int128)ns * PIT_FREQ /
                      NANOSECONDS_PER_SECOND);
}

int64_t pit_ns_from_ticks(uint64_t ticks)
{
    unsigned __int128 ns = ((unsigned __int128)ticks * NANOSECONDS_PER_SECOND +
                            PIT_FREQ - 1) / PIT_FREQ;

    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

/* --- the counting element as a timeline --- */

uint32_t pit_channel_modulus(const PITChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

uint64_t pit_channel_elapsed(const PITChannel *c, uint64_t tick)
{
    uint64_t e = tick - c->load_tick - c->paused_ticks;

    if (c->paused && tick > c->paused_since) {
        e -= tick - c->paused_since;
    }
    return e;
}

/* Apply a waiting mode 2/3 count once its cycle has ended. */
static void pit_sync(PITChannel *c, uint64_t tick)
{
    uint64_t at;

    if (!c->running || !c->pending || c->paused) {
        return;
    }
    at = c->load_tick + c->paused_ticks + c->pending_e;
    if (tick >= at) {
        c->n = c->pending_n;
        c->phase = c->pending_phase;
        c->load_tick = at;
        c->paused_ticks = 0;
        c->pending = false;
        c->null_until = at;
    }
}

/* CE and OUT after e counted ticks (8254 datasheet, "Mode Definitions"). */
static void pit_eval(const PITChannel *c, uint64_t e, uint32_t *ce, bool *out)
{
    uint32_t n = c->n, m = pit_channel_modulus(c);
    uint32_t r, h, p;

    switch (c->mode) {
    case 0:     /* interrupt on terminal count: high once CE reaches 0 */
    case 1:     /* one-shot: low from the load until CE reaches 0 */
        *ce = (n + m - (uint32_t)(e % m)) % m;
        *out = e >= n;
        break;
    case 4:     /* strobes: low for the one CLK when CE reaches 0 */
    case 5:
        *ce = (n + m - (uint32_t)(e % m)) % m;
        *out = e != n;
        break;
    case 2:     /* rate generator: low for the CLK where CE is 1, reload */
        r = e % n;
        *ce = n - r;
        *out = r != n - 1;
        break;
    default:    /* 3, square wave: high ceil(n/2) CLKs, low floor(n/2) */
        p = (uint32_t)((e + c->phase) % n);
        h = (n + 1) / 2;
        if (p < h) {
            *out = true;
            /* An odd count loses 1 on the first CLK, then 2 per CLK. */
            *ce = p == 0 ? n : (n & 1) ? n + 1 - 2 * p : n - 2 * p;
        } else {
            p -= h;
            *out = false;
            /* ... and 3 on the first CLK of the low half. */
            *ce = p == 0 ? n : (n & 1) ? n - 1 - 2 * p : n - 2 * p;
        }
        break;
    }
}

void pit_channel_state_at(PITChannel *c, uint64_t tick, uint32_t *ce,
                          bool *out)
{
    pit_sync(c, tick);
    if (!c->running) {
        *ce = c->idle_ce;
        *out = c->idle_out;
        return;
    }
    if (tick < c->load_tick) {
        *ce = c->preload_ce;
        *out = c->preload_out;
        return;
    }
    pit_eval(c, pit_channel_elapsed(c, tick), ce, out);
    if ((c->mode == 2 || c->mode == 3) && !c->gate) {
        *out = true;    /* GATE low forces OUT high in modes 2 and 3 */
    }
}

uint32_t pit_channel_count(PITChannel *c, uint64_t tick)
{
    uint32_t ce;
    bool out;

    pit_channel_state_at(c, tick, &ce, &out);
    return ce % 65536;
}

bool pit_channel_out(PITChannel *c, uint64_t tick)
{
    uint32_t ce;
    bool out;

    pit_channel_state_at(c, tick, &ce, &out);
    return out;
}

/* The next e after `e` at which OUT changes, or PIT_NO_EVENT. */
static uint64_t pit_next_e(const PITChannel *c, uint64_t e)
{
    uint64_t n = c->n, r, p, h;

    switch (c->mode) {
    case 0:
    case 1:
        return e < n ? n : PIT_NO_EVENT;
    case 4:
    case 5:
        return e < n ? n : e == n ? n + 1 : PIT_NO_EVENT;
    case 2:
        if (n == 1) {
            return PIT_NO_EVENT;
        }
        r = e % n;
        return r == n - 1 ? e + 1 : e + (n - 1 - r);
    default:
        if (n == 1) {
            return PIT_NO_EVENT;
        }
        p = (e + c->phase) % n;
        h = (n + 1) / 2;
        return p < h ? e + (h - p) : e + (n - p);
    }
}

uint64_t pit_channel_next_event(PITChannel *c, uint64_t tick)
{
    uint64_t base, next, en;

    pit_sync(c, tick);
    if (!c->running) {
        return PIT_NO_EVENT;
    }
    if (tick < c->load_tick) {
        return c->load_tick;
    }
    if (c->paused) {
        return PIT_NO_EVENT;
    }
    base = c->load_tick + c->paused_ticks;
    en = pit_next_e(c, tick - base);
    next = en == PIT_NO_EVENT ? PIT_NO_EVENT : base + en;
    if (c->pending && base + c->pending_e < next) {
        next = base + c->pending_e;
    }
    return next;
}

void pit_channel_reset(PITChannel *c, bool gate)
{
    memset(c, 0, sizeof(*c));
    c->rw = PIT_RW_WORD;
    c->gate = gate;
    c->null_until = PIT_NO_EVENT;
}

/* --- the plain state --- */

/* Which byte comes next of an access of width rw (PIT_RW_STATE_*). */
static uint8_t pit_rw_state(uint8_t rw, bool msb_next)
{
    switch (rw) {
    case PIT_RW_LSB:
        return PIT_RW_STATE_LSB;
    case PIT_RW_MSB:
        return PIT_RW_STATE_MSB;
    default:
        return msb_next ? PIT_RW_STATE_WORD1 : PIT_RW_STATE_WORD0;
    }
}

void pit_channel_save(PITChannel *c, uint64_t tick, PITChannelSavedState *st)
{
    uint32_t ce;
    bool out;

    /* A mode 2/3 count whose cycle has ended is applied first, so the
     * saved count is the one the CE runs on now. */
    pit_channel_state_at(c, tick, &ce, &out);
    memset(st, 0, sizeof(*st));
    st->count = c->running ? c->n : c->cr_valid ? c->cr : 0;
    st->latched_count = c->latch;
    st->count_latched = c->count_latched ?
                        pit_rw_state(c->rw, c->latch_msb_next) : 0;
    st->status_latched = c->status_latched;
    st->status = c->status;
    st->read_state = pit_rw_state(c->rw, c->read_msb_next);
    st->write_state = pit_rw_state(c->rw, c->write_msb_next);
    st->write_latch = c->write_lsb;
    st->rw_mode = c->rw;
    st->mode = c->mode_raw;
    st->bcd = c->bcd;
    st->gate = c->gate;
    /* KVM's reference: the count now is count minus the CLK edges since
     * this instant, so a GATE-held stretch moves it later. */
    st->count_load_time = pit_ns_from_ticks(c->load_tick + c->paused_ticks +
                                            (c->paused && tick > c->paused_since ?
                                             tick - c->paused_since : 0));
    st->out = out;

    st->timeline = true;
    st->count_written = c->cr_valid;
    st->cr = c->cr;
    st->running = c->running;
    st->load_tick = c->load_tick;
    st->paused_ticks = c->paused_ticks;
    st->paused = c->paused;
    st->paused_since = c->paused_since;
    st->phase = c->phase;
    st->preload_out = c->preload_out;
    st->preload_ce = c->preload_ce;
    st->idle_out = c->idle_out;
    st->idle_ce = c->idle_ce;
    st->pending = c->pending;
    st->pending_count = c->pending_n;
    st->pending_elapsed = c->pending_e;
    st->pending_phase = c->pending_phase;
    st->null_until = c->null_until;
}

static bool pit_check_rw_state(uint8_t v, uint8_t rw, bool allow_zero)
{
    if (v == 0) {
        return allow_zero;
    }
    switch (rw) {
    case PIT_RW_LSB:
        return v == PIT_RW_STATE_LSB;
    case PIT_RW_MSB:
        return v == PIT_RW_STATE_MSB;
    default:
        return v == PIT_RW_STATE_WORD0 || v == PIT_RW_STATE_WORD1;
    }
}

bool pit_channel_load(PITChannel *c, const PITChannelSavedState *st,
                      uint64_t tick, GError **errp)
{
    PITChannel n;
    uint32_t mod = st->bcd ? 10000 : 65536;
    uint8_t rw = st->rw_mode ? st->rw_mode : PIT_RW_WORD;

    if (st->mode == PIT_MODE_UNPROGRAMMED) {
        /* KVM's reset leaves its counters so: the power-on state. */
        pit_channel_reset(c, st->gate);
        return true;
    }
    if (st->mode > 7) {
        error_setg(errp, "mode %u is not 0-7", st->mode);
        return false;
    }
    if (rw > PIT_RW_WORD) {
        error_setg(errp, "access mode %u is not 1 (LSB), 2 (MSB) or 3 (LSB "
                   "then MSB)", st->rw_mode);
        return false;
    }
    if (st->bcd > 1 || st->gate > 1 || st->status_latched > 1) {
        error_setg(errp, "bcd, gate and status_latched must be 0 or 1");
        return false;
    }
    if (st->count > mod) {
        error_setg(errp, "count %u is above %u", st->count, mod);
        return false;
    }
    if (!pit_check_rw_state(st->count_latched, rw, true) ||
        !pit_check_rw_state(st->read_state, rw, true) ||
        !pit_check_rw_state(st->write_state, rw, true)) {
        error_setg(errp, "latch/read/write state does not fit access mode %u",
                   rw);
        return false;
    }
    /* The timeline's counts divide by themselves: none may be 0. */
    if (st->timeline && st->count_written && (st->cr == 0 || st->cr > mod)) {
        error_setg(errp, "count register %u is not 1-%u", st->cr, mod);
        return false;
    }
    if (st->timeline && st->running &&
        (st->count == 0 || st->phase >= st->count ||
         (st->pending && (st->pending_count == 0 ||
                          st->pending_count > mod ||
                          st->pending_phase >= st->pending_count)))) {
        error_setg(errp, "running counter: count %u, phase %u, waiting "
                   "count %u (phase %u) out of range", st->count, st->phase,
                   st->pending ? st->pending_count : 0, st->pending_phase);
        return false;
    }

    memset(&n, 0, sizeof(n));
    n.mode_raw = st->mode;
    n.mode = st->mode > 5 ? st->mode & 3 : st->mode;
    n.rw = rw;
    n.bcd = st->bcd;
    n.gate = st->gate;
    n.write_lsb = st->write_latch;
    n.write_msb_next = st->write_state == PIT_RW_STATE_WORD1;
    n.read_msb_next = st->read_state == PIT_RW_STATE_WORD1;
    n.count_latched = st->count_latched != 0;
    n.latch = st->latched_count;
    n.latch_msb_next = st->count_latched == PIT_RW_STATE_WORD1;
    n.status_latched = st->status_latched;
    n.status = st->status;

    if (st->timeline) {
        n.cr_valid = st->count_written;
        n.cr = st->cr;
        n.running = st->running;
        n.n = st->count;
        n.load_tick = st->load_tick;
        n.paused_ticks = st->paused_ticks;
        n.paused = st->paused;
        n.paused_since = st->paused_since;
        n.phase = st->phase;
        n.preload_out = st->preload_out;
        n.preload_ce = st->preload_ce;
        n.idle_out = st->idle_out;
        n.idle_ce = st->idle_ce;
        n.pending = st->pending;
        n.pending_n = st->pending_count;
        n.pending_e = st->pending_elapsed;
        n.pending_phase = st->pending_phase;
        n.null_until = st->null_until;
    } else {
        /*
         * Only KVM's fields: as KVM models it, a counter with a count runs
         * on it from count_load_time (modes 1 and 5 included); without one
         * it holds OUT at the control word's initial level. A low GATE in a
         * mode it inhibits holds the count from now on.
         */
        n.cr_valid = st->count != 0;
        n.cr = st->count;
        n.running = st->count != 0;
        n.n = st->count;
        n.load_tick = pit_ticks_from_ns(st->count_load_time);
        n.idle_out = n.mode != 0;
        n.null_until = n.load_tick;
        if (n.running && !n.gate && n.mode != 1 && n.mode != 5) {
            n.paused = true;
            n.paused_since = tick > n.load_tick ? tick : n.load_tick;
        }
    }
    *c = n;
    return true;
}

/* --- the device's state --- */

/* The device types whose instance is a PITState: the userspace model and,
 * later, the in-kernel one. */
PITState *i8254_from_device(DeviceState *dev)
{
    if (!dev || !dev->klass || !dev->klass->name) {
        return NULL;
    }
    if (strcmp(dev->klass->name, TYPE_I8254) != 0 &&
        strcmp(dev->klass->name, "kvm-pit") != 0) {
        return NULL;
    }
    return (PITState *)dev;
}

static uint64_t pit_now(void)
{
    return pit_ticks_from_ns(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

void i8254_common_reset(PITState *s)
{
    /* GATE 0 and 1 are tied high on PCs; GATE 2 follows port 0x61 bit 0,
     * which resets to 0. */
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        pit_channel_reset(&s->ch[i], i != 2);
    }
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
}

void i8254_get_state(DeviceState *dev, PITSavedState *state)
{
    PITState *s = i8254_from_device(dev);
    uint64_t tick = pit_now();

    memset(state, 0, sizeof(*state));
    if (!s) {
        return;
    }
    if (s->ops && s->ops->pre_save) {
        s->ops->pre_save(s);
    }
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        pit_channel_save(&s->ch[i], tick, &state->ch[i]);
    }
}

bool i8254_set_state(DeviceState *dev, const PITSavedState *state,
                     GError **errp)
{
    PITState *s = i8254_from_device(dev);
    PITChannel ch[PIT_NUM_CHANNELS];
    uint64_t tick = pit_now();

    if (!s) {
        error_setg(errp, "device is not an 8254 PIT");
        return false;
    }
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        GError *err = NULL;

        if (!pit_channel_load(&ch[i], &state->ch[i], tick, &err)) {
            error_setg(errp, "pit counter %d: %s", i, err->message);
            g_error_free(err);
            return false;
        }
    }
    memcpy(s->ch, ch, sizeof(ch));
    if (s->ops && s->ops->post_load) {
        s->ops->post_load(s);
    }
    return true;
}

void i8254_info(PITState *s, GString *out)
{
    PITSavedState st;

    i8254_get_state(DEVICE(s), &st);
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        const PITChannelSavedState *c = &st.ch[i];
        PITChannel *ch = &s->ch[i];
        uint64_t tick = pit_now();

        g_string_append_printf(out, "counter %d: mode=%d rw=%d bcd=%d "
                               "gate=%d out=%d count=%u initial=%u "
                               "null=%d\n", i, c->mode, c->rw_mode, c->bcd,
                               c->gate, c->out, pit_channel_count(ch, tick),
                               c->count_written ? c->cr : 0,
                               tick < c->null_until);
    }
}

static void i8254_info_one(DeviceState *dev, void *opaque)
{
    PITState *s = i8254_from_device(dev);

    if (s) {
        i8254_info(s, opaque);
    }
}

static void hmp_info_pit(Monitor *mon, const char *args, GString *out)
{
    gsize before = out->len;

    qdev_foreach(i8254_info_one, out);
    if (out->len == before) {
        g_string_append(out, "PIT is not present\n");
    }
}

void i8254_register_info(void)
{
    hmp_register_info("pit", "", "show PIT state", hmp_info_pit);
}
