/*
 * qtest round-trip benchmark: how many writel+readl pairs per second a test
 * gets through the qtest socket, each pair checked, for about two seconds
 * (--time=SECONDS changes that). It measures the whole path a qtest test
 * pays for: libqtest formatting and parsing, the socket, the server's line
 * handling and one RAM access. Where qemu-system-x86_64 is on PATH the same
 * client loop runs against it in the same run (through the same libqtest,
 * QTEST_BINARY pointing at QEMU) and the ratio is printed.
 */
#include "qemu/osdep.h"

#include "tests/qtest/libqtest.h"

#define BENCH_ADDR  0x100000ULL     /* 1 MiB: RAM on both emulators */
#define BENCH_BATCH 256             /* round trips between clock reads */

typedef struct BenchResult {
    double rate;                    /* round trips per second */
    uint64_t pairs;
    double seconds;
} BenchResult;

static BenchResult bench_run(const char *binary, const char *args,
                             double seconds)
{
    BenchResult r = { 0 };
    QTestState *s;
    gint64 start, end, now;
    uint32_t value = 0x12345678;

    g_setenv("QTEST_BINARY", binary, TRUE);
    s = qtest_init(args);
    /* warm up: first-touch of the page, caches */
    for (int i = 0; i < 100; i++) {
        qtest_writel(s, BENCH_ADDR, i);
        (void)qtest_readl(s, BENCH_ADDR);
    }
    start = g_get_monotonic_time();
    end = start + (gint64)(seconds * G_USEC_PER_SEC);
    do {
        for (int i = 0; i < BENCH_BATCH; i++) {
            value = value * 1103515245u + 12345u;
            qtest_writel(s, BENCH_ADDR, value);
            if (qtest_readl(s, BENCH_ADDR) != value) {
                g_error("bench-qtest: %s read back the wrong value", binary);
            }
        }
        r.pairs += BENCH_BATCH;
        now = g_get_monotonic_time();
    } while (now < end);
    r.seconds = (now - start) / (double)G_USEC_PER_SEC;
    r.rate = r.pairs / r.seconds;
    qtest_quit(s);
    return r;
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    const char *lapis_binary;
    g_autofree char *lapis = NULL;
    g_autofree char *qemu = NULL;
    BenchResult rl, rq;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--time=")) {
            seconds = g_ascii_strtod(argv[i] + strlen("--time="), NULL);
            if (seconds <= 0) {
                seconds = 2.0;
            }
        } else {
            g_printerr("usage: %s [--time=SECONDS]\n", argv[0]);
            return 2;
        }
    }

    lapis_binary = qtest_binary();
    lapis = g_strdup(lapis_binary);   /* setenv below may change it */
    if (!g_file_test(lapis, G_FILE_TEST_IS_EXECUTABLE)) {
        g_printerr("bench-qtest: %s is not built\n", lapis);
        return 1;
    }
    qemu = g_find_program_in_path("qemu-system-x86_64");

    printf("qtest writel+readl round trips, %.1f s each\n", seconds);
    rl = bench_run(lapis, "-m 128M", seconds);
    printf("  lapis: %10.0f round trips/s (%" PRIu64 " in %.2f s)\n",
           rl.rate, rl.pairs, rl.seconds);
    if (!qemu) {
        printf("  qemu-system-x86_64: not installed, no comparison\n");
        return 0;
    }
    rq = bench_run(qemu, "-machine pc -nodefaults -m 128M", seconds);
    printf("  qemu:  %10.0f round trips/s (%" PRIu64 " in %.2f s)\n",
           rq.rate, rq.pairs, rq.seconds);
    printf("  lapis/qemu: %.2fx\n", rl.rate / rq.rate);
    g_setenv("QTEST_BINARY", lapis, TRUE);
    return 0;
}
