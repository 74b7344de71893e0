/*
 * qtest of the MC146818 RTC/CMOS ("mc146818rtc") at 0x70/0x71 on ISA IRQ
 * 8: the time in BCD, binary and 12-hour formats from a fixed -rtc base,
 * advancing with clock_step; setting the time with SET; the
 * update-in-progress window; periodic, update-ended and alarm interrupts
 * observed on the board's GSI fan-out ("gsi" line 8); register C clearing;
 * the divider reset; the CMOS memory-size bytes. The machine's own RTC is
 * used when the board has one, otherwise the test adds one with -device.
 */
#include <glib.h>
#include <string.h>
#include <sys/wait.h>
#include "libqtest.h"

#define RTC_INDEX   0x70
#define RTC_DATA    0x71
#define RTC_IRQ     8

#define SECONDS     0x00
#define SEC_ALARM   0x01
#define MINUTES     0x02
#define MIN_ALARM   0x03
#define HOURS       0x04
#define HOUR_ALARM  0x05
#define DAY_OF_WEEK 0x06
#define DAY         0x07
#define MONTH       0x08
#define YEAR        0x09
#define REG_A       0x0a
#define REG_B       0x0b
#define REG_C       0x0c
#define REG_D       0x0d
#define CENTURY     0x32

#define REG_A_UIP   0x80
#define REG_B_SET   0x80
#define REG_B_PIE   0x40
#define REG_B_AIE   0x20
#define REG_B_UIE   0x10
#define REG_B_DM    0x04
#define REG_B_24H   0x02
#define REG_C_IRQF  0x80
#define REG_C_PF    0x40
#define REG_C_AF    0x20
#define REG_C_UF    0x10

#define NS_PER_SEC  1000000000LL
#define UIP_NS      244000LL

/* Does the board already have an RTC? (Its port region is named "rtc".) */
static bool board_has_rtc(void)
{
    static int cached = -1;

    if (cached < 0) {
        QTestState *s = qtest_init(NULL);
        g_autofree char *mtree = qtest_hmp(s, "info mtree");
        cached = strstr(mtree, "): rtc\n") != NULL;
        qtest_quit(s);
    }
    return cached;
}

static QTestState *rtc_start(const char *base, const char *extra)
{
    QTestState *s = qtest_initf("-global mc146818rtc.base=%s %s %s", base,
                                board_has_rtc() ? "" : "-device mc146818rtc",
                                extra ? extra : "");

    qtest_irq_intercept_in(s, "gsi");
    return s;
}

static uint8_t cmos_read(QTestState *s, uint8_t reg)
{
    qtest_outb(s, RTC_INDEX, reg);
    return qtest_inb(s, RTC_DATA);
}

static void cmos_write(QTestState *s, uint8_t reg, uint8_t val)
{
    qtest_outb(s, RTC_INDEX, reg);
    qtest_outb(s, RTC_DATA, val);
}

static void test_time_bcd_matches_base(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    g_assert_cmphex(cmos_read(s, MINUTES), ==, 0x04);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x03);
    g_assert_cmphex(cmos_read(s, DAY_OF_WEEK), ==, 0x05);   /* Thursday */
    g_assert_cmphex(cmos_read(s, DAY), ==, 0x02);
    g_assert_cmphex(cmos_read(s, MONTH), ==, 0x01);
    g_assert_cmphex(cmos_read(s, YEAR), ==, 0x20);
    g_assert_cmphex(cmos_read(s, CENTURY), ==, 0x20);
    g_assert_cmphex(cmos_read(s, REG_A), ==, 0x26);
    g_assert_cmphex(cmos_read(s, REG_B), ==, REG_B_24H);
    g_assert_cmphex(cmos_read(s, REG_D), ==, 0x80);
    qtest_quit(s);
}

static void test_time_bcd_two_digit_fields(void)
{
    QTestState *s = rtc_start("2019-12-31T23:59:58", NULL);

    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x58);
    g_assert_cmphex(cmos_read(s, MINUTES), ==, 0x59);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x23);
    g_assert_cmphex(cmos_read(s, DAY), ==, 0x31);
    g_assert_cmphex(cmos_read(s, MONTH), ==, 0x12);
    g_assert_cmphex(cmos_read(s, YEAR), ==, 0x19);
    /* Two seconds later it is a new year, a new century byte unchanged. */
    qtest_clock_step(s, 2 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x00);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x00);
    g_assert_cmphex(cmos_read(s, DAY), ==, 0x01);
    g_assert_cmphex(cmos_read(s, MONTH), ==, 0x01);
    g_assert_cmphex(cmos_read(s, YEAR), ==, 0x20);
    g_assert_cmphex(cmos_read(s, CENTURY), ==, 0x20);
    qtest_quit(s);
}

static void test_time_binary_mode(void)
{
    QTestState *s = rtc_start("2019-12-31T23:59:58", NULL);

    cmos_write(s, REG_B, REG_B_24H | REG_B_DM);
    g_assert_cmpuint(cmos_read(s, SECONDS), ==, 58);
    g_assert_cmpuint(cmos_read(s, MINUTES), ==, 59);
    g_assert_cmpuint(cmos_read(s, HOURS), ==, 23);
    g_assert_cmpuint(cmos_read(s, DAY), ==, 31);
    g_assert_cmpuint(cmos_read(s, MONTH), ==, 12);
    g_assert_cmpuint(cmos_read(s, YEAR), ==, 19);
    g_assert_cmpuint(cmos_read(s, CENTURY), ==, 20);
    qtest_quit(s);
}

static void test_time_12_hour_pm_bit(void)
{
    QTestState *s = rtc_start("2020-01-02T15:04:05", NULL);

    cmos_write(s, REG_B, 0);                    /* 12-hour, BCD */
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x80 | 0x03);
    cmos_write(s, REG_B, REG_B_DM);             /* 12-hour, binary */
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x80 | 3);
    qtest_quit(s);

    s = rtc_start("2020-01-02T00:30:00", NULL);
    cmos_write(s, REG_B, 0);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x12);     /* 12 AM */
    qtest_quit(s);

    s = rtc_start("2020-01-02T12:30:00", NULL);
    cmos_write(s, REG_B, 0);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x80 | 0x12);  /* 12 PM */
    qtest_quit(s);
}

static void test_time_advances_with_clock_step(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    qtest_clock_step(s, NS_PER_SEC / 2);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    qtest_clock_step(s, NS_PER_SEC / 2);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x06);
    qtest_clock_step(s, 60 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, MINUTES), ==, 0x05);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x06);
    qtest_quit(s);
}

static void test_set_bit_freezes_and_sets_time(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_B, REG_B_24H | REG_B_SET);
    cmos_write(s, HOURS, 0x21);
    cmos_write(s, MINUTES, 0x43);
    cmos_write(s, SECONDS, 0x30);
    /* Updates are inhibited while SET is 1. */
    qtest_clock_step(s, 3 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x30);
    cmos_write(s, REG_B, REG_B_24H);
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x21);
    g_assert_cmphex(cmos_read(s, MINUTES), ==, 0x43);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x30);
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x31);
    g_assert_cmphex(cmos_read(s, DAY), ==, 0x02);
    qtest_quit(s);
}

static void test_uip_set_in_last_244us(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    /* The base second starts at virtual time 0. */
    qtest_clock_step(s, NS_PER_SEC - UIP_NS - 1);
    g_assert_cmphex(cmos_read(s, REG_A) & REG_A_UIP, ==, 0);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    qtest_clock_step(s, 1);
    g_assert_cmphex(cmos_read(s, REG_A) & REG_A_UIP, ==, REG_A_UIP);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    qtest_clock_step(s, UIP_NS);
    g_assert_cmphex(cmos_read(s, REG_A) & REG_A_UIP, ==, 0);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x06);
    /* No UIP while SET holds the updates. */
    qtest_clock_step(s, NS_PER_SEC - UIP_NS / 2);
    cmos_write(s, REG_B, REG_B_24H | REG_B_SET);
    g_assert_cmphex(cmos_read(s, REG_A) & REG_A_UIP, ==, 0);
    qtest_quit(s);
}

static void test_periodic_interrupt_at_register_a_rate(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    /* RS = 6: 1024 Hz, a period of 976562.5 ns. */
    cmos_write(s, REG_A, 0x26);
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_PIE);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 976000);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1000);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_IRQF | REG_C_PF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0);
    /* The next tick, one period on: at 1953125 ns. */
    qtest_clock_step(s, 976000);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 125);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, REG_C);

    /* RS = 15: 2 Hz. */
    cmos_write(s, REG_A, 0x2f);
    cmos_read(s, REG_C);
    qtest_clock_step(s, NS_PER_SEC / 4);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC / 2);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_periodic_flag_without_pie_raises_nothing(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_read(s, REG_C);
    qtest_clock_step(s, 2 * NS_PER_SEC / 1024);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* PF is set at the rate anyway (no update yet, so no UF). */
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_PF);
    /* Enabling PIE with PF set raises IRQF. */
    qtest_clock_step(s, 2 * NS_PER_SEC / 1024);
    cmos_write(s, REG_B, REG_B_24H | REG_B_PIE);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_update_ended_interrupt_each_second(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x20);     /* no periodic rate */
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_UIE);
    qtest_clock_step(s, NS_PER_SEC - 1);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x06);
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_IRQF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_alarm_interrupt_at_alarm_time(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x20);
    cmos_write(s, HOUR_ALARM, 0x03);
    cmos_write(s, MIN_ALARM, 0x04);
    cmos_write(s, SEC_ALARM, 0x10);
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_AIE);
    qtest_clock_step(s, 5 * NS_PER_SEC - 1);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_IRQF | REG_C_AF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    /* A day later, not a second later. */
    qtest_clock_step(s, 10 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_alarm_dont_care_bytes_match_any(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x20);
    cmos_write(s, HOUR_ALARM, 0xc0);
    cmos_write(s, MIN_ALARM, 0xff);
    cmos_write(s, SEC_ALARM, 0x00);
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_AIE);
    /* Every minute at :00, the first at 03:05:00, 55 s on. */
    qtest_clock_step(s, 54 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C) & REG_C_AF, ==, REG_C_AF);
    qtest_clock_step(s, 60 * NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_alarm_in_12_hour_bcd(void)
{
    QTestState *s = rtc_start("2020-01-02T15:04:05", NULL);

    cmos_write(s, REG_A, 0x20);
    cmos_write(s, REG_B, 0);        /* 12-hour BCD */
    cmos_write(s, HOUR_ALARM, 0x83);    /* 3 PM */
    cmos_write(s, MIN_ALARM, 0x04);
    cmos_write(s, SEC_ALARM, 0x07);
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_AIE);
    qtest_clock_step(s, 2 * NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    qtest_quit(s);
}

static void test_alarm_hours_ahead(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x20);
    cmos_write(s, HOUR_ALARM, 0x05);
    cmos_write(s, MIN_ALARM, 0x00);
    cmos_write(s, SEC_ALARM, 0x00);
    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_AIE);
    /* 05:00:00 is 6955 s after 03:04:05. */
    qtest_clock_step(s, 6954 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, HOURS), ==, 0x05);
    qtest_quit(s);
}

static void test_alarm_flag_without_aie_raises_nothing(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x20);
    cmos_write(s, HOUR_ALARM, 0xc0);
    cmos_write(s, MIN_ALARM, 0xc0);
    cmos_write(s, SEC_ALARM, 0x08);
    cmos_read(s, REG_C);
    qtest_clock_step(s, 2 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_UF);
    qtest_clock_step(s, 2 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, REG_C_UF | REG_C_AF);
    qtest_quit(s);
}

static void test_reg_c_read_clears_flags_and_lowers_irq(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_read(s, REG_C);
    cmos_write(s, REG_B, REG_B_24H | REG_B_UIE | REG_B_PIE);
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==,
                    REG_C_IRQF | REG_C_PF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0);
    /* Writes to C are ignored. */
    cmos_write(s, REG_C, 0xff);
    g_assert_cmphex(cmos_read(s, REG_C), ==, 0);
    qtest_quit(s);
}

static void test_setting_set_clears_uie(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_B, REG_B_24H | REG_B_UIE | REG_B_SET);
    g_assert_cmphex(cmos_read(s, REG_B), ==, REG_B_24H | REG_B_SET);
    qtest_quit(s);
}

static void test_divider_reset_stops_time(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    cmos_write(s, REG_A, 0x70);     /* divider held in reset */
    qtest_clock_step(s, 5 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    cmos_write(s, REG_A, 0x26);
    /* The first update comes 500 ms after the divider restarts. */
    qtest_clock_step(s, NS_PER_SEC / 2 - 1);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x05);
    qtest_clock_step(s, 1);
    g_assert_cmphex(cmos_read(s, SECONDS), ==, 0x06);
    qtest_quit(s);
}

static void test_nmi_mask_bit_still_selects_register(void)
{
    QTestState *s = rtc_start("2020-01-02T03:04:05", NULL);

    qtest_outb(s, RTC_INDEX, 0x80 | MINUTES);
    g_assert_cmphex(qtest_inb(s, RTC_DATA), ==, 0x04);
    qtest_outb(s, RTC_INDEX, 0x80 | 0x40);
    qtest_outb(s, RTC_DATA, 0x5a);
    g_assert_cmphex(cmos_read(s, 0x40), ==, 0x5a);
    qtest_quit(s);
}

static void test_cmos_bytes_hold_values(void)
{
    QTestState *s = rtc_start("utc", NULL);

    for (unsigned i = 0x40; i < 0x80; i += 7) {
        cmos_write(s, i, (uint8_t)(i * 3));
    }
    for (unsigned i = 0x40; i < 0x80; i += 7) {
        g_assert_cmphex(cmos_read(s, i), ==, (uint8_t)(i * 3));
    }
    /* The shutdown status byte is plain memory to the guest. */
    cmos_write(s, 0x0f, 0x0a);
    g_assert_cmphex(cmos_read(s, 0x0f), ==, 0x0a);
    qtest_quit(s);
}

static void test_host_time_with_base_utc(void)
{
    QTestState *s = rtc_start("utc", NULL);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    int year, min, hour, diff;

    cmos_write(s, REG_B, REG_B_24H | REG_B_DM);
    year = cmos_read(s, CENTURY) * 100 + cmos_read(s, YEAR);
    hour = cmos_read(s, HOURS);
    min = cmos_read(s, MINUTES);
    g_assert_cmpint(year, ==, g_date_time_get_year(now));
    /* Within a couple of minutes of the host's clock (around midnight
     * the two may sit on either side of it). */
    diff = ABS((hour * 60 + min) - (g_date_time_get_hour(now) * 60 +
                                    g_date_time_get_minute(now)));
    g_assert_cmpint(MIN(diff, 24 * 60 - diff), <=, 2);
    qtest_quit(s);
}

static void test_cmos_memory_bytes_128m(void)
{
    QTestState *s = rtc_start("utc", "-m 128M -smp 2");

    g_assert_cmphex(cmos_read(s, 0x15), ==, 0x80);    /* 640 KiB */
    g_assert_cmphex(cmos_read(s, 0x16), ==, 0x02);
    g_assert_cmphex(cmos_read(s, 0x17), ==, 0xff);    /* capped 0xffff */
    g_assert_cmphex(cmos_read(s, 0x18), ==, 0xff);
    g_assert_cmphex(cmos_read(s, 0x30), ==, 0xff);
    g_assert_cmphex(cmos_read(s, 0x31), ==, 0xff);
    g_assert_cmphex(cmos_read(s, 0x34), ==, 0x00);    /* 112 MiB / 64 KiB */
    g_assert_cmphex(cmos_read(s, 0x35), ==, 0x07);
    g_assert_cmphex(cmos_read(s, 0x5b), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5c), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5d), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5f), ==, 0x01);    /* CPUs - 1 */
    qtest_quit(s);
}

static void test_cmos_memory_bytes_8m(void)
{
    QTestState *s = rtc_start("utc", "-m 8M");

    /* 7 MiB of extended memory, nothing above 16 MiB. */
    g_assert_cmphex(cmos_read(s, 0x17), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x18), ==, 0x1c);
    g_assert_cmphex(cmos_read(s, 0x34), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x35), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5f), ==, 0x00);
    qtest_quit(s);
}

static void test_cmos_memory_bytes_4g(void)
{
    QTestState *s = rtc_start("utc", "-m 4G");

    /* 3.5 GiB below 4 GiB: (3.5 GiB - 16 MiB) / 64 KiB = 0xdf00. */
    g_assert_cmphex(cmos_read(s, 0x34), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x35), ==, 0xdf);
    /* 512 MiB above 4 GiB = 0x2000 units of 64 KiB. */
    g_assert_cmphex(cmos_read(s, 0x5b), ==, 0x00);
    g_assert_cmphex(cmos_read(s, 0x5c), ==, 0x20);
    g_assert_cmphex(cmos_read(s, 0x5d), ==, 0x00);
    qtest_quit(s);
}

static void test_bad_base_is_launcher_error(void)
{
    const char *args[] = {
        "-display", "none", "-accel", "qtest",
        "-device", "mc146818rtc,base=2020-13-45", NULL
    };
    g_autofree char *err = NULL;
    int status = qtest_run_lapis(args, NULL, NULL, &err, 10000);

    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "invalid RTC base '2020-13-45'"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/rtc/time/bcd-matches-base", test_time_bcd_matches_base);
    g_test_add_func("/rtc/time/bcd-two-digit-fields-and-rollover",
                    test_time_bcd_two_digit_fields);
    g_test_add_func("/rtc/time/binary-mode", test_time_binary_mode);
    g_test_add_func("/rtc/time/12-hour-pm-bit", test_time_12_hour_pm_bit);
    g_test_add_func("/rtc/time/advances-with-clock-step",
                    test_time_advances_with_clock_step);
    g_test_add_func("/rtc/time/base-utc-follows-host-clock",
                    test_host_time_with_base_utc);
    g_test_add_func("/rtc/set/freezes-updates-and-sets-time",
                    test_set_bit_freezes_and_sets_time);
    g_test_add_func("/rtc/set/clears-uie", test_setting_set_clears_uie);
    g_test_add_func("/rtc/uip/set-in-last-244us-of-second",
                    test_uip_set_in_last_244us);
    g_test_add_func("/rtc/divider/reset-stops-time-first-update-after-500ms",
                    test_divider_reset_stops_time);
    g_test_add_func("/rtc/irq/periodic-at-register-a-rate",
                    test_periodic_interrupt_at_register_a_rate);
    g_test_add_func("/rtc/irq/periodic-flag-without-pie-raises-nothing",
                    test_periodic_flag_without_pie_raises_nothing);
    g_test_add_func("/rtc/irq/update-ended-each-second",
                    test_update_ended_interrupt_each_second);
    g_test_add_func("/rtc/irq/alarm-at-alarm-time",
                    test_alarm_interrupt_at_alarm_time);
    g_test_add_func("/rtc/irq/alarm-dont-care-bytes-match-any",
                    test_alarm_dont_care_bytes_match_any);
    g_test_add_func("/rtc/irq/alarm-in-12-hour-bcd", test_alarm_in_12_hour_bcd);
    g_test_add_func("/rtc/irq/alarm-hours-ahead", test_alarm_hours_ahead);
    g_test_add_func("/rtc/irq/alarm-flag-without-aie-raises-nothing",
                    test_alarm_flag_without_aie_raises_nothing);
    g_test_add_func("/rtc/reg-c/read-clears-flags-and-lowers-irq",
                    test_reg_c_read_clears_flags_and_lowers_irq);
    g_test_add_func("/rtc/index/nmi-mask-bit-still-selects-register",
                    test_nmi_mask_bit_still_selects_register);
    g_test_add_func("/rtc/cmos/bytes-hold-values", test_cmos_bytes_hold_values);
    g_test_add_func("/rtc/cmos/memory-bytes-128m", test_cmos_memory_bytes_128m);
    g_test_add_func("/rtc/cmos/memory-bytes-8m", test_cmos_memory_bytes_8m);
    g_test_add_func("/rtc/cmos/memory-bytes-4g", test_cmos_memory_bytes_4g);
    g_test_add_func("/rtc/launcher/bad-base-is-error",
                    test_bad_base_is_launcher_error);
    return g_test_run();
}
