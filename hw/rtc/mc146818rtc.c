/*
 * The MC146818 real-time clock and its 128 bytes of CMOS memory, as the
 * Motorola MC146818A datasheet describes it (register numbers, bits and the
 * update-cycle timing below cite its sections) and as a PC uses it: index
 * port 0x70 whose bit 7 masks NMI, data port 0x71, interrupt on ISA IRQ 8.
 * The clock is a count of nanoseconds of "RTC time" (the wall clock the
 * guest sees, kept as if it were UTC) that advances with the virtual clock;
 * the time registers are rendered from it when read (BCD or binary, 12- or
 * 24-hour) and parsed back into it when the guest sets the time. UIP reads
 * 1 in the 244 us before each second boundary; at the boundary the update
 * sets UF, and AF when the time matches the alarm (0xC0-0xFF in an alarm
 * byte matches anything); PF is set at the rate register A selects. Flags
 * are worked out on demand from the clock when register C is read, so
 * nothing runs while no interrupt is enabled; a timer is armed only for the
 * next enabled event that would raise IRQF, and not at all while IRQF is
 * already set (the line then stays high until register C is read). The
 * divider's reset states (DV = 11x) stop the clock, and the first update
 * after leaving them comes half a second later. Left out: daylight-saving
 * switching (DSE is stored, never acted on), the square-wave output (no pin
 * to drive), the 4.194304 and 1.048576 MHz time bases (DV 000 and 001 count
 * as the 32.768 kHz one, as in QEMU), lost-tick compensation, and the
 * alarm's "date" byte of later chipsets.
 */
#include "qemu/osdep.h"
#include <time.h>
#include "hw/rtc/mc146818rtc.h"
#include "hw/boards.h"
#include "hw/isa.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "trace/hw_rtc.h"

/* Time and alarm registers (datasheet, "Address Map"). */
#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0a
#define RTC_REG_B           0x0b
#define RTC_REG_C           0x0c
#define RTC_REG_D           0x0d

/* Register A: UIP | DV2 DV1 DV0 | RS3 RS2 RS1 RS0 */
#define REG_A_UIP           0x80
#define REG_A_DV_MASK       0x70
#define REG_A_DV_32KHZ      0x20    /* highest DV value that counts */
#define REG_A_RS_MASK       0x0f
/* Register B: SET PIE AIE UIE SQWE DM 24/12 DSE */
#define REG_B_SET           0x80
#define REG_B_PIE           0x40
#define REG_B_AIE           0x20
#define REG_B_UIE           0x10
#define REG_B_SQWE          0x08
#define REG_B_DM            0x04    /* 1: binary, 0: BCD */
#define REG_B_24H           0x02
#define REG_B_DSE           0x01
/* Register C: IRQF PF AF UF 0 0 0 0 */
#define REG_C_IRQF          0x80
#define REG_C_PF            0x40
#define REG_C_AF            0x20
#define REG_C_UF            0x10
/* Register D: VRT (the battery is good). */
#define REG_D_VRT           0x80

#define HOUR_PM             0x80    /* 12-hour mode */
#define ALARM_DONT_CARE     0xc0    /* both top bits set */

/* Datasheet "Update Cycle": UIP rises 244 us before the update begins. */
#define UIP_HOLD_NS         244000
#define RTC_CLOCK_HZ        32768
#define SECONDS_PER_DAY     86400

/* Power-on register values QEMU uses: 32.768 kHz, 1024 Hz rate, 24 h BCD. */
#define REG_A_DEFAULT       0x26
#define REG_B_DEFAULT       REG_B_24H

/* CMOS memory bytes of the PC (IBM AT Technical Reference, CMOS map). */
#define CMOS_BASE_MEM_LO    0x15
#define CMOS_BASE_MEM_HI    0x16
#define CMOS_EXT_MEM_LO     0x17
#define CMOS_EXT_MEM_HI     0x18
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST  0x2d
#define CMOS_CHECKSUM_HI    0x2e
#define CMOS_CHECKSUM_LO    0x2f
#define CMOS_EXT_MEM2_LO    0x30
#define CMOS_EXT_MEM2_HI    0x31
#define CMOS_MEM_16M_LO     0x34    /* 64 KiB units above 16 MiB */
#define CMOS_MEM_16M_HI     0x35
#define CMOS_MEM_4G_0       0x5b    /* 64 KiB units above 4 GiB, 3 bytes */
#define CMOS_MEM_4G_1       0x5c
#define CMOS_MEM_4G_2       0x5d

#define PC_BASE_MEM_KIB     640
/* QEMU pc's split of RAM below and above 4 GiB (hw/i386/pc.c's too). */
#define PC_DEFAULT_LOWMEM   0xe0000000ULL
#define MiB_1               (1024 * 1024ULL)
#define MiB_16              (16 * MiB_1)
#define KiB_64              (64 * 1024ULL)

#define CMOS_SIZE           128

typedef struct RTCState {
    DeviceState parent;
    uint32_t iobase;
    uint32_t isairq;
    char *base;
    MemoryRegion io;
    qemu_irq irq;               /* GPIO out 0 */
    bool irq_level;

    uint8_t cmos[CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;

    /* RTC time = virtual clock + offset_ns while the divider runs; while
     * it is held in reset the time stays at frozen_ns. */
    int64_t offset_ns;
    int64_t frozen_ns;
    /* Updates (UF, AF) accounted up to this second, periodic ticks up to
     * this tick index; both in RTC time. */
    int64_t last_update_sec;
    int64_t last_pf_tick;
    QEMUTimer *timer;
} RTCState;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static bool rtc_divider_running(RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV_MASK) <= REG_A_DV_32KHZ;
}

static bool rtc_updates_on(RTCState *s)
{
    return rtc_divider_running(s) && !(s->cmos[RTC_REG_B] & REG_B_SET);
}

static int64_t rtc_now_ns(RTCState *s)
{
    if (!rtc_divider_running(s)) {
        return s->frozen_ns;
    }
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + s->offset_ns;
}

/* Make the RTC time `ns` now (the divider running). */
static void rtc_set_now_ns(RTCState *s, int64_t ns)
{
    if (rtc_divider_running(s)) {
        s->offset_ns = ns - qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    } else {
        s->frozen_ns = ns;
    }
}

/* --- register formats --- */

static uint8_t rtc_to_reg(RTCState *s, int v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return (uint8_t)v;
    }
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int rtc_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_hour_to_reg(RTCState *s, int hour)
{
    int h12;

    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_to_reg(s, hour);
    }
    h12 = hour % 12 ? hour % 12 : 12;
    return rtc_to_reg(s, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static int rtc_hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_from_reg(s, v & 0x7f);
    }
    return rtc_from_reg(s, v & 0x7f) % 12 + ((v & HOUR_PM) ? 12 : 0);
}

/* Render the time registers from the clock. */
static void rtc_render_time(RTCState *s)
{
    time_t t = (time_t)floor_div(rtc_now_ns(s), NANOSECONDS_PER_SECOND);
    struct tm tm;
    int year;

    if (!gmtime_r(&t, &tm)) {
        return;
    }
    year = tm.tm_year + 1900;
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, tm.tm_min);
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, year % 100);
    s->cmos[RTC_CMOS_CENTURY] = rtc_to_reg(s, (year / 100) % 100);
}

static void rtc_render_if_counting(RTCState *s)
{
    if (!(s->cmos[RTC_REG_B] & REG_B_SET)) {
        rtc_render_time(s);
    }
}

static int64_t rtc_tick_index(int64_t ns, unsigned period_cycles)
{
    int64_t ticks_per_sec = RTC_CLOCK_HZ / period_cycles;
    int64_t sec = floor_div(ns, NANOSECONDS_PER_SECOND);
    int64_t sub = ns - sec * NANOSECONDS_PER_SECOND;

    return sec * ticks_per_sec + sub * ticks_per_sec / NANOSECONDS_PER_SECOND;
}

/* RTC time at which tick `tick` begins. */
static int64_t rtc_tick_start_ns(int64_t tick, unsigned period_cycles)
{
    int64_t ticks_per_sec = RTC_CLOCK_HZ / period_cycles;
    int64_t sec = floor_div(tick, ticks_per_sec);
    int64_t r = tick - sec * ticks_per_sec;

    return sec * NANOSECONDS_PER_SECOND +
           (r * NANOSECONDS_PER_SECOND + ticks_per_sec - 1) / ticks_per_sec;
}

/*
 * The periodic interrupt's period in 32.768 kHz cycles for register A's
 * RS bits, or 0 when off (datasheet table "Periodic Interrupt Rate"): RS 1
 * and 2 give 256 and 128 Hz like RS 8 and 9; RS n >= 3 gives 2^(n-1).
 */
static unsigned rtc_period_cycles(RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;

    if (rs == 0) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;
    }
    return 1u << (rs - 1);
}

/* --- the alarm --- */

typedef struct RTCAlarm {
    int sec, min, hour;         /* -1: don't care */
} RTCAlarm;

static RTCAlarm rtc_alarm(RTCState *s)
{
    uint8_t sec = s->cmos[RTC_SECONDS_ALARM];
    uint8_t min = s->cmos[RTC_MINUTES_ALARM];
    uint8_t hour = s->cmos[RTC_HOURS_ALARM];
    RTCAlarm a;

    a.sec = (sec & ALARM_DONT_CARE) == ALARM_DONT_CARE ? -1 : rtc_from_reg(s, sec);
    a.min = (min & ALARM_DONT_CARE) == ALARM_DONT_CARE ? -1 : rtc_from_reg(s, min);
    a.hour = (hour & ALARM_DONT_CARE) == ALARM_DONT_CARE ? -1
             : rtc_hour_from_reg(s, hour);
    return a;
}

/*
 * First second in (after, after + 1 day] whose time of day matches the
 * alarm, or -1 (an alarm byte out of range never matches). Skips whole
 * hours and minutes that cannot match, so it takes a few hundred steps at
 * most, whatever the guest wrote.
 */
static int64_t rtc_next_alarm(RTCState *s, int64_t after)
{
    RTCAlarm a = rtc_alarm(s);
    int64_t t = after + 1;

    while (t <= after + SECONDS_PER_DAY) {
        int64_t sod = floor_mod(t, SECONDS_PER_DAY);
        int hour = (int)(sod / 3600), min = (int)(sod / 60) % 60;
        int sec = (int)(sod % 60);

        if (a.hour >= 0 && a.hour != hour) {
            t += 3600 - sod % 3600;
        } else if (a.min >= 0 && a.min != min) {
            t += 60 - sec;
        } else if (a.sec >= 0 && a.sec != sec) {
            t += (a.sec > sec && a.sec < 60) ? a.sec - sec : 60 - sec;
        } else {
            return t;
        }
    }
    return -1;
}

/* --- flags, interrupt and timer --- */

static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C];
    uint8_t b = s->cmos[RTC_REG_B];
    bool level;

    if (((c & REG_C_PF) && (b & REG_B_PIE)) ||
        ((c & REG_C_AF) && (b & REG_B_AIE)) ||
        ((c & REG_C_UF) && (b & REG_B_UIE))) {
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    }
    level = s->cmos[RTC_REG_C] & REG_C_IRQF;
    if (level != s->irq_level) {
        s->irq_level = level;
        trace_rtc_irq(level, s->cmos[RTC_REG_C]);
        qemu_set_irq(s->irq, level);
    }
}

/* Start counting updates and periodic ticks afresh from now. */
static void rtc_rebase_events(RTCState *s)
{
    int64_t now = rtc_now_ns(s);
    unsigned period = rtc_period_cycles(s);

    s->last_update_sec = floor_div(now, NANOSECONDS_PER_SECOND);
    s->last_pf_tick = period ? rtc_tick_index(now, period) : 0;
}

/* Set the flags for every event between the last look and now. */
static void rtc_catch_up(RTCState *s)
{
    int64_t now, sec;
    unsigned period;

    if (!rtc_divider_running(s)) {
        return;
    }
    now = rtc_now_ns(s);
    sec = floor_div(now, NANOSECONDS_PER_SECOND);
    if (sec > s->last_update_sec) {
        if (!(s->cmos[RTC_REG_B] & REG_B_SET)) {
            /* A match in the last day of updates is all that matters. */
            int64_t from = MAX(s->last_update_sec, sec - SECONDS_PER_DAY);
            int64_t alarm = rtc_next_alarm(s, from);

            s->cmos[RTC_REG_C] |= REG_C_UF;
            if (alarm >= 0 && alarm <= sec) {
                s->cmos[RTC_REG_C] |= REG_C_AF;
            }
        }
        s->last_update_sec = sec;
    }
    period = rtc_period_cycles(s);
    if (period) {
        int64_t tick = rtc_tick_index(now, period);
        if (tick > s->last_pf_tick) {
            s->cmos[RTC_REG_C] |= REG_C_PF;
            s->last_pf_tick = tick;
        }
    }
    rtc_update_irq(s);
}

/* Arm the timer for the next event that would raise IRQF. */
static void rtc_arm_timer(RTCState *s)
{
    uint8_t b = s->cmos[RTC_REG_B];
    unsigned period = rtc_period_cycles(s);
    int64_t next = INT64_MAX;

    timer_del(s->timer);
    if (!rtc_divider_running(s) || (s->cmos[RTC_REG_C] & REG_C_IRQF)) {
        return;
    }
    if ((b & REG_B_PIE) && period) {
        next = rtc_tick_start_ns(s->last_pf_tick + 1, period);
    }
    if (!(b & REG_B_SET)) {
        if (b & REG_B_UIE) {
            next = MIN(next, (s->last_update_sec + 1) * NANOSECONDS_PER_SECOND);
        } else if (b & REG_B_AIE) {
            int64_t alarm = rtc_next_alarm(s, s->last_update_sec);
            if (alarm >= 0) {
                next = MIN(next, alarm * NANOSECONDS_PER_SECOND);
            }
        }
    }
    if (next != INT64_MAX) {
        trace_rtc_timer_arm(next - s->offset_ns);
        timer_mod(s->timer, next - s->offset_ns);
    }
}

static void rtc_timer_cb(void *opaque)
{
    RTCState *s = opaque;

    rtc_catch_up(s);
    rtc_arm_timer(s);
}

/* --- setting the time --- */

/* Take the time registers as the new time, keeping the sub-second phase. */
static void rtc_set_time_from_regs(RTCState *s)
{
    int64_t now = rtc_now_ns(s);
    int64_t sub = floor_mod(now, NANOSECONDS_PER_SECOND);
    struct tm tm = { 0 };
    int64_t secs;

    tm.tm_sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]);
    tm.tm_min = rtc_from_reg(s, s->cmos[RTC_MINUTES]);
    tm.tm_hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]);
    tm.tm_mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]);
    tm.tm_mon = rtc_from_reg(s, s->cmos[RTC_MONTH]) - 1;
    tm.tm_year = rtc_from_reg(s, s->cmos[RTC_CMOS_CENTURY]) * 100 +
                 rtc_from_reg(s, s->cmos[RTC_YEAR]) - 1900;
    secs = (int64_t)timegm(&tm);
    trace_rtc_set_time(secs);
    rtc_set_now_ns(s, secs * NANOSECONDS_PER_SECOND + sub);
    /* Setting the clock is no update: no UF or AF for the jump. */
    rtc_rebase_events(s);
}

/* --- register writes --- */

static void rtc_write_reg_a(RTCState *s, uint8_t val)
{
    bool was_running = rtc_divider_running(s);
    bool running;

    rtc_catch_up(s);
    if (was_running) {
        s->frozen_ns = rtc_now_ns(s);
    }
    s->cmos[RTC_REG_A] = val & ~REG_A_UIP;
    running = rtc_divider_running(s);
    if (was_running && !running) {
        rtc_render_if_counting(s);
    } else if (!was_running && running) {
        /* Datasheet "Divider Control": the first update comes 500 ms
         * after the divider leaves reset. */
        int64_t sec = floor_div(s->frozen_ns, NANOSECONDS_PER_SECOND);
        rtc_set_now_ns(s, sec * NANOSECONDS_PER_SECOND +
                       NANOSECONDS_PER_SECOND / 2);
        s->last_update_sec = sec;
    }
    /* The periodic tick count is in units of the (maybe new) rate. */
    {
        unsigned period = rtc_period_cycles(s);
        s->last_pf_tick = period ? rtc_tick_index(rtc_now_ns(s), period) : 0;
    }
    rtc_arm_timer(s);
}

static void rtc_write_reg_b(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_B];

    rtc_catch_up(s);
    if ((val & REG_B_SET) && !(old & REG_B_SET)) {
        /* Freeze the registers at the current time for the guest to edit. */
        rtc_render_time(s);
    }
    if (val & REG_B_SET) {
        /* Datasheet, register B: setting SET clears UIE. */
        val &= ~REG_B_UIE;
    }
    s->cmos[RTC_REG_B] = val;
    if (!(val & REG_B_SET) && (old & REG_B_SET)) {
        rtc_set_time_from_regs(s);
    }
    rtc_update_irq(s);
    rtc_arm_timer(s);
}

static void rtc_write_data(RTCState *s, uint8_t val)
{
    unsigned index = s->index;

    trace_rtc_write(index, val);
    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CMOS_CENTURY:
        rtc_catch_up(s);
        if (s->cmos[RTC_REG_B] & REG_B_SET) {
            s->cmos[index] = val;
        } else {
            /* Without SET the write takes effect at once (as in QEMU):
             * the other fields keep the current time. */
            rtc_render_time(s);
            s->cmos[index] = val;
            rtc_set_time_from_regs(s);
        }
        rtc_arm_timer(s);
        break;
    case RTC_SECONDS_ALARM:
    case RTC_MINUTES_ALARM:
    case RTC_HOURS_ALARM:
        rtc_catch_up(s);
        s->cmos[index] = val;
        rtc_arm_timer(s);
        break;
    case RTC_REG_A:
        rtc_write_reg_a(s, val);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;      /* read-only */
    default:
        s->cmos[index] = val;
        break;
    }
}

static uint8_t rtc_read_data(RTCState *s)
{
    unsigned index = s->index;
    uint8_t val;

    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CMOS_CENTURY:
        if (rtc_updates_on(s)) {
            rtc_render_time(s);
        }
        val = s->cmos[index];
        break;
    case RTC_REG_A:
        val = s->cmos[RTC_REG_A];
        if (rtc_updates_on(s) &&
            floor_mod(rtc_now_ns(s), NANOSECONDS_PER_SECOND) >=
            NANOSECONDS_PER_SECOND - UIP_HOLD_NS) {
            val |= REG_A_UIP;
        }
        break;
    case RTC_REG_C:
        rtc_catch_up(s);
        val = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        rtc_arm_timer(s);
        break;
    case RTC_REG_D:
        val = REG_D_VRT;
        break;
    default:
        val = s->cmos[index];
        break;
    }
    trace_rtc_read(index, val);
    return val;
}

/* --- ports --- */

#define RTC_PORT_INDEX  0
#define RTC_PORT_DATA   1
#define RTC_NMI_MASK    0x80

static uint64_t rtc_io_read(void *opaque, hwaddr addr, unsigned size)
{
    RTCState *s = opaque;

    if (addr == RTC_PORT_INDEX) {
        /* The index register is write-only; QEMU reads 0xff. */
        return 0xff;
    }
    return rtc_read_data(s);
}

static void rtc_io_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    RTCState *s = opaque;

    if (addr == RTC_PORT_INDEX) {
        s->index = val & 0x7f;
        if (s->nmi_masked != !!(val & RTC_NMI_MASK)) {
            s->nmi_masked = val & RTC_NMI_MASK;
            trace_rtc_nmi_mask(s->nmi_masked);
        }
        return;
    }
    rtc_write_data(s, (uint8_t)val);
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- public helpers --- */

bool mc146818rtc_parse_base(const char *base, int64_t *rtc_ns, GError **errp)
{
    int64_t ns;

    if (strcmp(base, "utc") == 0) {
        ns = g_get_real_time() * 1000;
    } else if (strcmp(base, "localtime") == 0) {
        time_t now = time(NULL);
        struct tm tm;

        localtime_r(&now, &tm);
        ns = g_get_real_time() * 1000 + (int64_t)tm.tm_gmtoff *
             NANOSECONDS_PER_SECOND;
    } else {
        struct tm tm = { 0 }, check;
        int consumed = -1;
        time_t t;

        if (sscanf(base, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon,
                   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                   &consumed) != 6 || (size_t)consumed != strlen(base)) {
            tm = (struct tm) { 0 };
            consumed = -1;
            if (sscanf(base, "%d-%d-%d%n", &tm.tm_year, &tm.tm_mon,
                       &tm.tm_mday, &consumed) != 3 ||
                (size_t)consumed != strlen(base)) {
                goto bad;
            }
        }
        if (tm.tm_year < 1970 || tm.tm_year > 9999) {
            goto bad;
        }
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        check = tm;
        t = timegm(&tm);
        /* timegm normalises out-of-range fields: demand none were. */
        if (tm.tm_mday != check.tm_mday || tm.tm_mon != check.tm_mon ||
            tm.tm_hour != check.tm_hour || tm.tm_min != check.tm_min ||
            tm.tm_sec != check.tm_sec) {
            goto bad;
        }
        ns = (int64_t)t * NANOSECONDS_PER_SECOND;
    }
    if (rtc_ns) {
        *rtc_ns = ns;
    }
    return true;

bad:
    error_setg(errp, "invalid RTC base '%s' (utc, localtime, YYYY-MM-DD or "
               "YYYY-MM-DDTHH:MM:SS, from 1970 on)", base);
    return false;
}

bool mc146818rtc_nmi_masked(DeviceState *dev)
{
    return ((RTCState *)dev)->nmi_masked;
}

uint8_t mc146818rtc_get_cmos(DeviceState *dev, unsigned index)
{
    return index < CMOS_SIZE ? ((RTCState *)dev)->cmos[index] : 0;
}

void mc146818rtc_set_cmos(DeviceState *dev, unsigned index, uint8_t value)
{
    if (index < CMOS_SIZE) {
        ((RTCState *)dev)->cmos[index] = value;
    }
}

uint8_t mc146818rtc_shutdown_status(DeviceState *dev)
{
    return ((RTCState *)dev)->cmos[RTC_CMOS_SHUTDOWN_STATUS];
}

void mc146818rtc_set_memory(DeviceState *dev, uint64_t below_4g,
                            uint64_t above_4g, unsigned cpus)
{
    RTCState *s = (RTCState *)dev;
    uint64_t ext_kib = below_4g > MiB_1 ? (below_4g - MiB_1) / 1024 : 0;
    uint64_t above_16m = below_4g > MiB_16 ? (below_4g - MiB_16) / KiB_64 : 0;
    uint64_t above_4g_units = above_4g / KiB_64;
    unsigned sum = 0;

    ext_kib = MIN(ext_kib, 0xffff);
    above_16m = MIN(above_16m, 0xffff);
    s->cmos[CMOS_BASE_MEM_LO] = PC_BASE_MEM_KIB & 0xff;
    s->cmos[CMOS_BASE_MEM_HI] = PC_BASE_MEM_KIB >> 8;
    s->cmos[CMOS_EXT_MEM_LO] = ext_kib & 0xff;
    s->cmos[CMOS_EXT_MEM_HI] = ext_kib >> 8;
    s->cmos[CMOS_EXT_MEM2_LO] = ext_kib & 0xff;
    s->cmos[CMOS_EXT_MEM2_HI] = ext_kib >> 8;
    s->cmos[CMOS_MEM_16M_LO] = above_16m & 0xff;
    s->cmos[CMOS_MEM_16M_HI] = above_16m >> 8;
    s->cmos[CMOS_MEM_4G_0] = above_4g_units & 0xff;
    s->cmos[CMOS_MEM_4G_1] = (above_4g_units >> 8) & 0xff;
    s->cmos[CMOS_MEM_4G_2] = (above_4g_units >> 16) & 0xff;
    s->cmos[RTC_CMOS_CPU_COUNT] = cpus ? (uint8_t)(cpus - 1) : 0;
    for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++) {
        sum += s->cmos[i];
    }
    s->cmos[CMOS_CHECKSUM_HI] = (sum >> 8) & 0xff;
    s->cmos[CMOS_CHECKSUM_LO] = sum & 0xff;
}

static void rtc_find_visit(DeviceState *dev, void *opaque)
{
    DeviceState **found = opaque;

    if (!*found && strcmp(dev->klass->name, TYPE_MC146818_RTC) == 0) {
        *found = dev;
    }
}

DeviceState *mc146818rtc_find(void)
{
    DeviceState *found = NULL;

    qdev_foreach(rtc_find_visit, &found);
    return found;
}

/* --- device --- */

static void rtc_reset(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    /* Datasheet, RESET pin: clears PIE, AIE, UIE, SQWE and the flags; the
     * time, register A and the memory survive (they are battery-backed). */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_rebase_events(s);
    rtc_update_irq(s);
    rtc_arm_timer(s);
}

static void rtc_realize(DeviceState *dev, GError **errp)
{
    RTCState *s = (RTCState *)dev;
    MachineState *ms = current_machine;
    int64_t start_ns;

    if (s->isairq >= ISA_NUM_IRQS) {
        error_setg(errp, "mc146818rtc: irq must be between 0 and %d, not %"
                   PRIu32, ISA_NUM_IRQS - 1, s->isairq);
        return;
    }
    if (s->iobase > 0xfffe) {
        error_setg(errp, "mc146818rtc: iobase 0x%" PRIx32 " leaves no room "
                   "for the data port below 0x10000", s->iobase);
        return;
    }
    if (!mc146818rtc_parse_base(s->base ? s->base : "utc", &start_ns, errp)) {
        return;
    }
    qdev_init_gpio_out(dev, &s->irq, 1);
    qdev_connect_gpio_out(dev, 0, isa_get_irq((int)s->isairq));
    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, rtc_timer_cb, s);

    s->cmos[RTC_REG_A] = REG_A_DEFAULT;
    s->cmos[RTC_REG_B] = REG_B_DEFAULT;
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_set_now_ns(s, start_ns);
    rtc_render_time(s);
    rtc_rebase_events(s);
    if (ms) {
        uint64_t below = MIN(ms->ram_size, PC_DEFAULT_LOWMEM);
        mc146818rtc_set_memory(dev, below, ms->ram_size - below, ms->smp_cpus);
    }

    memory_region_init_io(&s->io, &rtc_io_ops, s, "rtc", 2);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
}

static void rtc_unrealize(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
    timer_free(s->timer);
    s->timer = NULL;
}

static const Property rtc_props[] = {
    DEFINE_PROP("iobase", PROP_UINT32, RTCState, iobase, RTC_ISA_BASE,
                "index port (data port is iobase + 1)"),
    DEFINE_PROP("irq", PROP_UINT32, RTCState, isairq, RTC_ISA_IRQ,
                "ISA IRQ (0-15)"),
    { .name = "base", .kind = PROP_STRING, .offset = offsetof(RTCState, base),
      .defstr = "utc",
      .desc = "starting time: utc, localtime or YYYY-MM-DD[THH:MM:SS]" },
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass rtc_class = {
    .name = TYPE_MC146818_RTC,
    .desc = "MC146818 real-time clock and CMOS memory",
    .instance_size = sizeof(RTCState),
    .props = rtc_props,
    /* The pc machine makes one; -device lets tests add it elsewhere. */
    .user_creatable = true,
    .realize = rtc_realize,
    .reset = rtc_reset,
    .unrealize = rtc_unrealize,
};
DEVICE_CLASS_REGISTER(rtc_class)
