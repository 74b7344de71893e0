/*
 * qtest of the 8254 PIT ("isa-pit", /machine/pit) and port 0x61
 * ("port61"): every mode's count and OUT (through read-back status and
 * OUT0 on the PIT's intercepted IRQ output) against clock_step, the load
 * CLK after a count write, latch and read-back, BCD, the access modes,
 * counter 2's gate and OUT through port 0x61, and the refresh toggle. The
 * tests compute CLK edges exactly as the device does: edge k happens at the
 * first nanosecond t with floor(t * 1193182 / 10^9) >= k. Where the
 * machine does not create the PIT yet, the tests add it with -device.
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

#define PIT_CH(n)   (0x40 + (n))
#define PIT_CTRL    0x43
#define PORT61      0x61
#define PIT_FREQ    1193182ULL

/* Control words: SC D7-D6, RW D5-D4 (3: LSB then MSB), mode D3-D1, BCD. */
#define CW(ch, rw, mode, bcd) (((ch) << 6) | ((rw) << 4) | ((mode) << 1) | (bcd))
/* Read-back: latch count (D5=0) and/or status (D4=0) of counter ch. */
#define RB_STATUS(ch)   (0xe0 | (2 << (ch)))
#define RB_COUNT(ch)    (0xd0 | (2 << (ch)))
#define RB_BOTH(ch)     (0xc0 | (2 << (ch)))

#define ST_OUT      0x80
#define ST_NULL     0x40

#define P61_GATE2   0x01
#define P61_REFRESH 0x10
#define P61_OUT2    0x20

static uint64_t ticks(int64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_FREQ / 1000000000ULL);
}

static int64_t tick_ns(uint64_t k)
{
    return (int64_t)(((unsigned __int128)k * 1000000000ULL + PIT_FREQ - 1) /
                     PIT_FREQ);
}

static QTestState *pit_start(void)
{
    QTestState *qts = qtest_init(NULL);
    char *reply = qtest_cmd(qts, "irq_intercept_out pit");
    bool ok = strcmp(reply, "OK") == 0;

    g_free(reply);
    if (!ok) {
        qtest_quit(qts);
        qts = qtest_init("-device isa-pit,id=pit -device port61,pit=pit");
        qtest_irq_intercept_out(qts, "pit");
    }
    /* Start between two CLK edges, away from time 0. */
    qtest_clock_step(qts, 1000000);
    return qts;
}

static int64_t now_ns(QTestState *qts)
{
    return qtest_clock_step(qts, 0);
}

/* Move the clock to absolute time t (forward only). */
static void clock_to(QTestState *qts, int64_t t)
{
    int64_t now = now_ns(qts);

    g_assert_cmpint(t, >=, now);
    qtest_clock_step(qts, t - now);
}

/* Move to CLK edge k, or to the last nanosecond before it. */
static void at_tick(QTestState *qts, uint64_t k)
{
    clock_to(qts, tick_ns(k));
}

static void before_tick(QTestState *qts, uint64_t k)
{
    clock_to(qts, tick_ns(k) - 1);
}

static void write_count(QTestState *qts, int ch, uint16_t count)
{
    qtest_outb(qts, PIT_CH(ch), count & 0xff);
    qtest_outb(qts, PIT_CH(ch), count >> 8);
}

/* Write the count; returns the tick at which CE takes it (the next CLK). */
static uint64_t load(QTestState *qts, int ch, uint16_t count)
{
    write_count(qts, ch, count);
    return ticks(now_ns(qts)) + 1;
}

static uint8_t status(QTestState *qts, int ch)
{
    qtest_outb(qts, PIT_CTRL, RB_STATUS(ch));
    return qtest_inb(qts, PIT_CH(ch));
}

static bool out(QTestState *qts, int ch)
{
    return status(qts, ch) & ST_OUT;
}

static uint16_t latched_count(QTestState *qts, int ch)
{
    uint16_t lo, hi;

    qtest_outb(qts, PIT_CTRL, CW(ch, 0, 0, 0));
    lo = qtest_inb(qts, PIT_CH(ch));
    hi = qtest_inb(qts, PIT_CH(ch));
    return lo | (hi << 8);
}

static void test_mode0_out_rises_after_count_plus_load_clk(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 0, 0));
    g_assert_cmphex(status(qts, 0), ==, 0x70);      /* null, LSB/MSB, mode 0 */
    g_assert_false(qtest_get_irq(qts, 0));
    t0 = load(qts, 0, 100);
    g_assert_cmphex(status(qts, 0), ==, ST_NULL | 0x30);
    at_tick(qts, t0);
    g_assert_cmphex(status(qts, 0), ==, 0x30);      /* loaded: null clear */
    g_assert_cmpuint(latched_count(qts, 0), ==, 100);
    at_tick(qts, t0 + 40);
    g_assert_cmpuint(latched_count(qts, 0), ==, 60);
    before_tick(qts, t0 + 100);
    g_assert_false(out(qts, 0));
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 100);
    g_assert_true(out(qts, 0));
    g_assert_true(qtest_get_irq(qts, 0));
    /* The counter wraps on and OUT stays high. */
    at_tick(qts, t0 + 103);
    g_assert_cmpuint(latched_count(qts, 0), ==, 0xfffd);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode0_first_byte_stops_count_and_lowers_out(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 0, 0));
    t0 = load(qts, 0, 10);
    at_tick(qts, t0 + 20);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_outb(qts, PIT_CH(0), 50);
    g_assert_false(qtest_get_irq(qts, 0));
    qtest_clock_step(qts, 100000);
    g_assert_false(qtest_get_irq(qts, 0));
    qtest_outb(qts, PIT_CH(0), 0);
    t0 = ticks(now_ns(qts)) + 1;
    before_tick(qts, t0 + 50);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 50);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode2_drives_irq0_periodically(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 2, 0));
    g_assert_true(qtest_get_irq(qts, 0));
    t0 = load(qts, 0, 1000);
    for (int period = 0; period < 3; period++) {
        uint64_t base = t0 + period * 1000;

        before_tick(qts, base + 999);
        g_assert_true(qtest_get_irq(qts, 0));
        g_assert_cmpuint(latched_count(qts, 0), ==, 2);
        at_tick(qts, base + 999);
        g_assert_false(qtest_get_irq(qts, 0));
        g_assert_cmpuint(latched_count(qts, 0), ==, 1);
        at_tick(qts, base + 1000);
        g_assert_true(qtest_get_irq(qts, 0));
        g_assert_cmpuint(latched_count(qts, 0), ==, 1000);
    }
    qtest_quit(qts);
}

static void test_mode2_new_count_waits_for_reload(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 2, 0));
    t0 = load(qts, 0, 100);
    at_tick(qts, t0 + 30);
    write_count(qts, 0, 50);
    g_assert_true(status(qts, 0) & ST_NULL);
    at_tick(qts, t0 + 99);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 100);
    g_assert_cmpuint(latched_count(qts, 0), ==, 50);
    g_assert_false(status(qts, 0) & ST_NULL);
    at_tick(qts, t0 + 149);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 150);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode3_square_wave_odd_count(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 3, 0));
    t0 = load(qts, 0, 1001);
    /* High for 501 CLKs, low for 500. */
    at_tick(qts, t0);
    g_assert_cmpuint(latched_count(qts, 0), ==, 1001);
    at_tick(qts, t0 + 1);
    g_assert_cmpuint(latched_count(qts, 0), ==, 1000);
    at_tick(qts, t0 + 2);
    g_assert_cmpuint(latched_count(qts, 0), ==, 998);
    before_tick(qts, t0 + 501);
    g_assert_true(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 501);
    g_assert_false(qtest_get_irq(qts, 0));
    g_assert_cmpuint(latched_count(qts, 0), ==, 1001);
    at_tick(qts, t0 + 502);
    g_assert_cmpuint(latched_count(qts, 0), ==, 998);
    before_tick(qts, t0 + 1001);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 1001);
    g_assert_true(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 1502);
    g_assert_false(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode3_even_count_and_zero_is_65536(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 3, 0));
    t0 = load(qts, 0, 0);
    at_tick(qts, t0 + 1);
    g_assert_cmpuint(latched_count(qts, 0), ==, 65534);
    before_tick(qts, t0 + 32768);
    g_assert_true(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 32768);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 65536);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode4_strobe_is_one_clk(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 4, 0));
    g_assert_true(qtest_get_irq(qts, 0));
    t0 = load(qts, 0, 50);
    before_tick(qts, t0 + 50);
    g_assert_true(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 50);
    g_assert_false(qtest_get_irq(qts, 0));
    g_assert_cmphex(status(qts, 0), ==, 0x38);
    at_tick(qts, t0 + 51);
    g_assert_true(qtest_get_irq(qts, 0));
    /* No reload: no second strobe. */
    qtest_clock_step(qts, 100000000);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_mode1_one_shot_triggered_by_gate2(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PORT61, 0);
    qtest_outb(qts, PIT_CTRL, CW(2, 3, 1, 0));
    write_count(qts, 2, 30);
    /* No trigger yet: OUT high, the count waits in CR. */
    qtest_clock_step(qts, 100000);
    g_assert_cmphex(status(qts, 2), ==, ST_OUT | ST_NULL | 0x32);
    g_assert_true(qtest_inb(qts, PORT61) & P61_OUT2);
    qtest_outb(qts, PORT61, P61_GATE2);
    t0 = ticks(now_ns(qts)) + 1;
    at_tick(qts, t0);
    g_assert_cmphex(status(qts, 2), ==, 0x32);      /* low, loaded */
    g_assert_false(qtest_inb(qts, PORT61) & P61_OUT2);
    before_tick(qts, t0 + 30);
    g_assert_false(out(qts, 2));
    at_tick(qts, t0 + 30);
    g_assert_true(out(qts, 2));
    g_assert_true(qtest_inb(qts, PORT61) & P61_OUT2);
    /* Retrigger: a new pulse of the full count. */
    qtest_outb(qts, PORT61, 0);
    qtest_outb(qts, PORT61, P61_GATE2);
    t0 = ticks(now_ns(qts)) + 1;
    at_tick(qts, t0);
    g_assert_false(out(qts, 2));
    at_tick(qts, t0 + 30);
    g_assert_true(out(qts, 2));
    qtest_quit(qts);
}

static void test_mode5_strobe_triggered_by_gate2(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(2, 3, 5, 0));
    write_count(qts, 2, 20);
    qtest_clock_step(qts, 100000);
    g_assert_true(out(qts, 2));
    qtest_outb(qts, PORT61, P61_GATE2);
    t0 = ticks(now_ns(qts)) + 1;
    before_tick(qts, t0 + 20);
    g_assert_true(out(qts, 2));
    at_tick(qts, t0 + 20);
    g_assert_false(out(qts, 2));
    at_tick(qts, t0 + 21);
    g_assert_true(out(qts, 2));
    qtest_quit(qts);
}

static void test_mode0_gate_low_holds_count(void)
{
    QTestState *qts = pit_start();
    uint64_t t0, t1;

    qtest_outb(qts, PORT61, P61_GATE2);
    qtest_outb(qts, PIT_CTRL, CW(2, 3, 0, 0));
    t0 = load(qts, 2, 1000);
    at_tick(qts, t0 + 100);
    qtest_outb(qts, PORT61, 0);
    g_assert_cmpuint(latched_count(qts, 2), ==, 900);
    qtest_clock_step(qts, 1000000);
    g_assert_cmpuint(latched_count(qts, 2), ==, 900);
    qtest_outb(qts, PORT61, P61_GATE2);
    t1 = ticks(now_ns(qts));
    at_tick(qts, t1 + 899);
    g_assert_false(out(qts, 2));
    at_tick(qts, t1 + 900);
    g_assert_true(out(qts, 2));
    qtest_quit(qts);
}

static void test_mode2_gate_low_forces_out_high_and_reloads(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PORT61, P61_GATE2);
    qtest_outb(qts, PIT_CTRL, CW(2, 3, 2, 0));
    t0 = load(qts, 2, 10);
    at_tick(qts, t0 + 9);
    g_assert_false(out(qts, 2));
    qtest_outb(qts, PORT61, 0);
    g_assert_true(out(qts, 2));
    qtest_clock_step(qts, 50000);
    g_assert_true(out(qts, 2));
    qtest_outb(qts, PORT61, P61_GATE2);
    t0 = ticks(now_ns(qts)) + 1;
    at_tick(qts, t0);
    g_assert_cmpuint(latched_count(qts, 2), ==, 10);
    at_tick(qts, t0 + 9);
    g_assert_false(out(qts, 2));
    qtest_quit(qts);
}

static void test_readback_status_then_count(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(1, 3, 2, 0));
    t0 = load(qts, 1, 0x1234);
    at_tick(qts, t0 + 0x34);
    qtest_outb(qts, PIT_CTRL, RB_BOTH(1));
    qtest_clock_step(qts, 10000);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(1)), ==, ST_OUT | 0x34);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(1)), ==, 0x00);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(1)), ==, 0x12);
    /* Read-back of the count only, for two counters at once. */
    qtest_outb(qts, PIT_CTRL, 0xd0 | 0x02 | 0x04);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 0x00);
    qtest_quit(qts);
}

static void test_latch_holds_until_read_and_ignores_second(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 0, 0));
    t0 = load(qts, 0, 5000);
    at_tick(qts, t0 + 1000);
    qtest_outb(qts, PIT_CTRL, CW(0, 0, 0, 0));
    at_tick(qts, t0 + 2000);
    qtest_outb(qts, PIT_CTRL, CW(0, 0, 0, 0));
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 4000 & 0xff);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 4000 >> 8);
    /* Unlatched reads follow the counter. */
    at_tick(qts, t0 + 3000);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 2000 & 0xff);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 2000 >> 8);
    qtest_quit(qts);
}

static void test_bcd_counts_in_decimal(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 0, 1));
    t0 = load(qts, 0, 0x1234);
    at_tick(qts, t0 + 35);
    g_assert_cmphex(latched_count(qts, 0), ==, 0x1199);
    before_tick(qts, t0 + 1234);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 1234);
    g_assert_true(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 1235);
    g_assert_cmphex(latched_count(qts, 0), ==, 0x9999);
    g_assert_cmphex(status(qts, 0), ==, ST_OUT | 0x31);
    qtest_quit(qts);
}

static void test_lsb_only_and_msb_only_access(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 1, 0, 0));
    qtest_outb(qts, PIT_CH(0), 0x80);
    t0 = ticks(now_ns(qts)) + 1;
    at_tick(qts, t0 + 0x10);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 0x70);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 0x70);
    at_tick(qts, t0 + 0x80);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_outb(qts, PIT_CTRL, CW(0, 2, 0, 0));
    qtest_outb(qts, PIT_CH(0), 0x02);
    t0 = ticks(now_ns(qts)) + 1;
    at_tick(qts, t0 + 1);
    g_assert_cmphex(qtest_inb(qts, PIT_CH(0)), ==, 0x01);
    before_tick(qts, t0 + 0x200);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 0x200);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_modes_6_and_7_alias_2_and_3(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 6, 0));
    g_assert_cmphex(status(qts, 0), ==, ST_OUT | ST_NULL | 0x3c);
    t0 = load(qts, 0, 10);
    at_tick(qts, t0 + 9);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 10);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_outb(qts, PIT_CTRL, CW(0, 3, 7, 0));
    t0 = load(qts, 0, 10);
    at_tick(qts, t0 + 5);
    g_assert_false(qtest_get_irq(qts, 0));
    at_tick(qts, t0 + 10);
    g_assert_true(qtest_get_irq(qts, 0));
    qtest_quit(qts);
}

static void test_port61_gate_out2_and_refresh_toggle(void)
{
    QTestState *qts = pit_start();
    int64_t t = now_ns(qts);
    uint8_t v;

    qtest_outb(qts, PORT61, 0xff);
    v = qtest_inb(qts, PORT61);
    /* Bits 0-3 as written; 4-7 are read-only. */
    g_assert_cmphex(v & 0x0f, ==, 0x0f);
    g_assert_cmphex(v & 0xc0, ==, 0x00);
    qtest_outb(qts, PORT61, 0x00);
    g_assert_cmphex(qtest_inb(qts, PORT61) & 0x0f, ==, 0x00);
    /* Refresh toggles every 15 us of virtual time. */
    clock_to(qts, (t / 15000 + 1) * 15000);
    v = qtest_inb(qts, PORT61) & P61_REFRESH;
    clock_to(qts, (t / 15000 + 1) * 15000 + 14999);
    g_assert_cmphex(qtest_inb(qts, PORT61) & P61_REFRESH, ==, v);
    qtest_clock_step(qts, 1);
    g_assert_cmphex(qtest_inb(qts, PORT61) & P61_REFRESH, ==, v ^ P61_REFRESH);
    /* OUT2 follows counter 2: mode 0 after its control word is low. */
    qtest_outb(qts, PIT_CTRL, CW(2, 3, 0, 0));
    g_assert_false(qtest_inb(qts, PORT61) & P61_OUT2);
    qtest_outb(qts, PIT_CTRL, CW(2, 3, 3, 0));
    g_assert_true(qtest_inb(qts, PORT61) & P61_OUT2);
    qtest_quit(qts);
}

static void test_info_pit_shows_counters(void)
{
    QTestState *qts = pit_start();
    uint64_t t0;
    char *info;

    qtest_outb(qts, PIT_CTRL, CW(0, 3, 2, 0));
    t0 = load(qts, 0, 1000);
    at_tick(qts, t0 + 10);
    info = qtest_hmp(qts, "info pit");
    g_assert_nonnull(strstr(info, "counter 0: mode=2 rw=3 bcd=0 gate=1 "
                            "out=1 count=990 initial=1000 null=0"));
    g_assert_nonnull(strstr(info, "counter 2: mode=0 rw=3 bcd=0 gate=0 "
                            "out=0 count=0 initial=0 null=1"));
    g_free(info);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/mode0/out-rises-after-count-plus-load-clk",
                    test_mode0_out_rises_after_count_plus_load_clk);
    g_test_add_func("/i8254/mode0/first-byte-stops-count-and-lowers-out",
                    test_mode0_first_byte_stops_count_and_lowers_out);
    g_test_add_func("/i8254/mode0/gate-low-holds-count",
                    test_mode0_gate_low_holds_count);
    g_test_add_func("/i8254/mode1/one-shot-triggered-by-gate2",
                    test_mode1_one_shot_triggered_by_gate2);
    g_test_add_func("/i8254/mode2/drives-irq0-periodically",
                    test_mode2_drives_irq0_periodically);
    g_test_add_func("/i8254/mode2/new-count-waits-for-reload",
                    test_mode2_new_count_waits_for_reload);
    g_test_add_func("/i8254/mode2/gate-low-forces-out-high-and-reloads",
                    test_mode2_gate_low_forces_out_high_and_reloads);
    g_test_add_func("/i8254/mode3/square-wave-odd-count",
                    test_mode3_square_wave_odd_count);
    g_test_add_func("/i8254/mode3/even-count-and-zero-is-65536",
                    test_mode3_even_count_and_zero_is_65536);
    g_test_add_func("/i8254/mode4/strobe-is-one-clk",
                    test_mode4_strobe_is_one_clk);
    g_test_add_func("/i8254/mode5/strobe-triggered-by-gate2",
                    test_mode5_strobe_triggered_by_gate2);
    g_test_add_func("/i8254/mode6-7/alias-2-and-3",
                    test_modes_6_and_7_alias_2_and_3);
    g_test_add_func("/i8254/readback/status-then-count",
                    test_readback_status_then_count);
    g_test_add_func("/i8254/latch/holds-until-read-ignores-second",
                    test_latch_holds_until_read_and_ignores_second);
    g_test_add_func("/i8254/bcd/counts-in-decimal",
                    test_bcd_counts_in_decimal);
    g_test_add_func("/i8254/access/lsb-only-and-msb-only",
                    test_lsb_only_and_msb_only_access);
    g_test_add_func("/i8254/port61/gate-out2-and-refresh-toggle",
                    test_port61_gate_out2_and_refresh_toggle);
    g_test_add_func("/i8254/info-pit/shows-counters",
                    test_info_pit_shows_counters);
    return g_test_run();
}
