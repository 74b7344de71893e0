/*
 * Unit tests for the character devices (chardev/): a unix socket server and
 * clients in the same process, served by the real main loop (bytes both ways,
 * OPENED/CLOSED events, one client at a time, flow control through can_read),
 * the null and file backends, -chardev option strings, and the errors that
 * bad specs give.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "chardev/char.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A frontend that records what it gets. */
typedef struct TestFe {
    GString *data;
    int opened;
    int closed;
    int capacity;       /* what can_read answers; -1 = 4096 */
} TestFe;

static int fe_can_read(void *opaque)
{
    TestFe *fe = opaque;
    return fe->capacity < 0 ? 4096 : fe->capacity;
}

static void fe_read(void *opaque, const uint8_t *buf, int size)
{
    TestFe *fe = opaque;

    g_assert_cmpint(size, >, 0);
    if (fe->capacity >= 0) {
        g_assert_cmpint(size, <=, fe->capacity);
        fe->capacity -= size;
    }
    g_string_append_len(fe->data, (const char *)buf, size);
}

static void fe_event(void *opaque, ChrEvent event)
{
    TestFe *fe = opaque;

    if (event == CHR_EVENT_OPENED) {
        fe->opened++;
    } else {
        fe->closed++;
    }
}

static void fe_init(TestFe *fe)
{
    memset(fe, 0, sizeof(*fe));
    fe->data = g_string_new(NULL);
    fe->capacity = -1;
}

static void fe_attach(Chardev *chr, TestFe *fe)
{
    qemu_chr_fe_set_handlers(chr, fe_can_read, fe_read, fe_event, fe);
}

static void fe_free(TestFe *fe)
{
    g_string_free(fe->data, TRUE);
}

static void tick_cb(void *opaque)
{
    QEMUTimer *t = *(QEMUTimer **)opaque;
    timer_mod(t, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + 5 * SCALE_MS);
}

/*
 * Run the main loop until `cond` holds, for at most 5 seconds; a 5 ms tick
 * keeps the loop from sleeping forever if the awaited event never comes.
 */
#define WAIT_UNTIL(cond) do {                                              \
        static QEMUTimer *tick_;                                           \
        int64_t end_ = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) +            \
                       5 * NANOSECONDS_PER_SECOND;                         \
        if (!tick_) {                                                      \
            tick_ = timer_new_ns(QEMU_CLOCK_REALTIME, tick_cb, &tick_);    \
        }                                                                  \
        tick_cb(&tick_);                                                   \
        while (!(cond) &&                                                  \
               qemu_clock_get_ns(QEMU_CLOCK_REALTIME) < end_) {            \
            main_loop_wait(true);                                          \
        }                                                                  \
        timer_del(tick_);                                                  \
        g_assert_true(cond);                                               \
    } while (0)

/* Run the main loop for `ms` milliseconds (to show something does NOT happen). */
static void spin_ms(int ms)
{
    int64_t end = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + ms * SCALE_MS;
    while (qemu_clock_get_ns(QEMU_CLOCK_REALTIME) < end) {
        main_loop_wait(false);
        g_usleep(1000);
    }
}

static char *tmp_dir;

static char *sock_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static int raw_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    return fd;
}

static void test_socket_bytes_both_ways(void)
{
    g_autofree char *path = sock_path("both.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    g_autofree char *cspec = g_strdup_printf("unix:%s", path);
    GError *err = NULL;
    TestFe sfe, cfe;
    Chardev *srv, *cli;

    fe_init(&sfe);
    fe_init(&cfe);
    srv = qemu_chr_new("srv-both", spec, &err);
    g_assert_no_error(err);
    g_assert_nonnull(srv);
    g_assert_true(qemu_chr_find("srv-both") == srv);
    g_assert_cmpstr(qemu_chr_id(srv), ==, "srv-both");
    fe_attach(srv, &sfe);
    g_assert_false(qemu_chr_fe_is_connected(srv));
    /* Nobody there: the data is dropped. */
    g_assert_cmpint(qemu_chr_fe_write_all(srv, (const uint8_t *)"x", 1), ==,
                    -1);

    cli = qemu_chr_new("cli-both", cspec, &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_fe_is_connected(cli));
    fe_attach(cli, &cfe);
    /* OPENED comes from the main loop, not from inside set_handlers. */
    g_assert_cmpint(cfe.opened, ==, 0);
    WAIT_UNTIL(sfe.opened == 1 && cfe.opened == 1);
    g_assert_true(qemu_chr_fe_is_connected(srv));

    g_assert_cmpint(qemu_chr_fe_write_all(cli, (const uint8_t *)"hello", 5),
                    ==, 5);
    WAIT_UNTIL(sfe.data->len == 5);
    g_assert_cmpstr(sfe.data->str, ==, "hello");

    g_assert_cmpint(qemu_chr_fe_write_all(srv, (const uint8_t *)"world!", 6),
                    ==, 6);
    WAIT_UNTIL(cfe.data->len == 6);
    g_assert_cmpstr(cfe.data->str, ==, "world!");

    /* The server drops the client: both sides see CLOSED. */
    qemu_chr_fe_disconnect(srv);
    g_assert_cmpint(sfe.closed, ==, 1);
    g_assert_false(qemu_chr_fe_is_connected(srv));
    WAIT_UNTIL(cfe.closed == 1);
    g_assert_false(qemu_chr_fe_is_connected(cli));
    g_assert_cmpint(qemu_chr_fe_write_all(cli, (const uint8_t *)"x", 1), ==,
                    -1);

    qemu_chr_delete(cli);
    qemu_chr_delete(srv);
    g_assert_null(qemu_chr_find("srv-both"));
    fe_free(&sfe);
    fe_free(&cfe);
}

static void test_socket_next_client_after_first_leaves(void)
{
    g_autofree char *path = sock_path("next.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=srv-next,path=%s,"
                                            "server=on,wait=off", path);
    GError *err = NULL;
    TestFe sfe;
    Chardev *srv;
    int a, b;

    fe_init(&sfe);
    srv = qemu_chr_new_from_option(spec, &err);
    g_assert_no_error(err);
    fe_attach(srv, &sfe);

    a = raw_connect(path);
    WAIT_UNTIL(sfe.opened == 1);
    g_assert_cmpint(write(a, "from-a", 6), ==, 6);
    WAIT_UNTIL(sfe.data->len == 6);

    /* A second client waits in the backlog while the first is served. */
    b = raw_connect(path);
    g_assert_cmpint(write(b, "from-b", 6), ==, 6);
    spin_ms(50);
    g_assert_cmpint(sfe.opened, ==, 1);
    g_assert_cmpstr(sfe.data->str, ==, "from-a");

    close(a);
    WAIT_UNTIL(sfe.closed == 1 && sfe.opened == 2);
    WAIT_UNTIL(sfe.data->len == 12);
    g_assert_cmpstr(sfe.data->str, ==, "from-afrom-b");

    /* The server answers the new client. */
    char buf[8] = { 0 };
    g_assert_cmpint(qemu_chr_fe_write_all(srv, (const uint8_t *)"ok", 2), ==,
                    2);
    g_assert_cmpint(read(b, buf, sizeof(buf)), ==, 2);
    g_assert_cmpstr(buf, ==, "ok");

    close(b);
    WAIT_UNTIL(sfe.closed == 2);
    qemu_chr_delete(srv);
    fe_free(&sfe);
}

static void test_socket_file_removed_and_stale_replaced(void)
{
    g_autofree char *path = sock_path("stale.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server,nowait", path);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    GError *err = NULL;
    struct stat st;
    Chardev *srv;
    int fd;

    /* Leave a socket file behind, as a crashed run would. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    close(fd);
    g_assert_cmpint(lstat(path, &st), ==, 0);

    srv = qemu_chr_new("srv-stale", spec, &err);
    g_assert_no_error(err);
    g_assert_nonnull(srv);
    qemu_chr_delete(srv);
    g_assert_cmpint(lstat(path, &st), ==, -1);
    g_assert_cmpint(errno, ==, ENOENT);
}

static gpointer late_client(gpointer opaque)
{
    g_usleep(50000);
    return GINT_TO_POINTER(raw_connect(opaque));
}

static void test_socket_wait_blocks_until_client(void)
{
    g_autofree char *path = sock_path("wait.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on", path);
    GError *err = NULL;
    GThread *th;
    Chardev *srv;
    int64_t start = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    th = g_thread_new("client", late_client, path);
    srv = qemu_chr_new("srv-wait", spec, &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_fe_is_connected(srv));
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - start, >=,
                    40 * SCALE_MS);
    close(GPOINTER_TO_INT(g_thread_join(th)));
    qemu_chr_delete(srv);
}

static void test_socket_input_respects_can_read(void)
{
    g_autofree char *path = sock_path("flow.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    GError *err = NULL;
    TestFe sfe;
    Chardev *srv;
    int fd;

    fe_init(&sfe);
    sfe.capacity = 0;
    srv = qemu_chr_new("srv-flow", spec, &err);
    g_assert_no_error(err);
    fe_attach(srv, &sfe);
    fd = raw_connect(path);
    WAIT_UNTIL(sfe.opened == 1);
    g_assert_cmpint(write(fd, "abcdefgh", 8), ==, 8);
    spin_ms(30);
    g_assert_cmpuint(sfe.data->len, ==, 0);

    /* Room for three bytes: exactly three arrive, then input pauses. */
    sfe.capacity = 3;
    qemu_chr_fe_accept_input(srv);
    WAIT_UNTIL(sfe.data->len == 3);
    spin_ms(30);
    g_assert_cmpstr(sfe.data->str, ==, "abc");

    sfe.capacity = -1;
    qemu_chr_fe_accept_input(srv);
    WAIT_UNTIL(sfe.data->len == 8);
    g_assert_cmpstr(sfe.data->str, ==, "abcdefgh");
    close(fd);
    WAIT_UNTIL(sfe.closed == 1);
    qemu_chr_delete(srv);
    fe_free(&sfe);
}

typedef struct Drain {
    int fd;
    int len;
    uint8_t *buf;
} Drain;

static gpointer drain_thread(gpointer opaque)
{
    Drain *d = opaque;
    int got = 0;

    while (got < d->len) {
        ssize_t n = read(d->fd, d->buf + got, d->len - got);
        if (n <= 0) {
            break;
        }
        got += n;
    }
    return GINT_TO_POINTER(got);
}

static void test_socket_large_write_is_complete(void)
{
    g_autofree char *path = sock_path("large.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    const int len = 4 << 20;    /* far beyond the socket buffer */
    g_autofree uint8_t *big = g_malloc(len);
    g_autofree uint8_t *copy = g_malloc0(len);
    GError *err = NULL;
    Drain d;
    GThread *th;
    Chardev *srv;

    for (int i = 0; i < len; i++) {
        big[i] = (uint8_t)(i * 7 + (i >> 13));
    }
    srv = qemu_chr_new("srv-large", spec, &err);
    g_assert_no_error(err);
    d.fd = raw_connect(path);
    d.len = len;
    d.buf = copy;
    WAIT_UNTIL(qemu_chr_fe_is_connected(srv));

    /* The write waits (poll on EAGAIN) while a slow reader drains it. */
    th = g_thread_new("drain", drain_thread, &d);
    g_assert_cmpint(qemu_chr_fe_write_all(srv, big, len), ==, len);
    g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(th)), ==, len);
    g_assert_true(memcmp(big, copy, len) == 0);
    close(d.fd);
    WAIT_UNTIL(!qemu_chr_fe_is_connected(srv));
    qemu_chr_delete(srv);
}

static void test_socket_write_to_departed_client_fails(void)
{
    g_autofree char *path = sock_path("gone.sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    g_autofree uint8_t *buf = g_malloc0(1 << 20);
    GError *err = NULL;
    TestFe sfe;
    Chardev *srv;
    int fd, ret = 0;

    fe_init(&sfe);
    sfe.capacity = 0;           /* do not read: only the write notices */
    srv = qemu_chr_new("srv-gone", spec, &err);
    g_assert_no_error(err);
    fe_attach(srv, &sfe);
    fd = raw_connect(path);
    WAIT_UNTIL(sfe.opened == 1);
    close(fd);
    /* No SIGPIPE kills us; the write reports failure (the first may fit). */
    for (int i = 0; i < 3 && ret >= 0; i++) {
        ret = qemu_chr_fe_write_all(srv, buf, 1 << 20);
    }
    g_assert_cmpint(ret, ==, -1);
    WAIT_UNTIL(sfe.closed == 1);
    g_assert_false(qemu_chr_fe_is_connected(srv));
    qemu_chr_delete(srv);
    fe_free(&sfe);
}

static void test_null_swallows_output_and_opens(void)
{
    GError *err = NULL;
    TestFe fe;
    Chardev *chr;

    fe_init(&fe);
    chr = qemu_chr_new("null-a", "null", &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_fe_is_connected(chr));
    fe_attach(chr, &fe);
    g_assert_cmpint(fe.opened, ==, 0);
    WAIT_UNTIL(fe.opened == 1);
    g_assert_cmpint(qemu_chr_fe_write_all(chr, (const uint8_t *)"abc", 3), ==,
                    3);
    spin_ms(10);
    g_assert_cmpuint(fe.data->len, ==, 0);
    qemu_chr_delete(chr);

    chr = qemu_chr_new_from_option("null,id=null-b", &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_find("null-b") == chr);
    qemu_chr_delete(chr);
    fe_free(&fe);
}

static void test_file_truncates_and_receives_output(void)
{
    g_autofree char *path = sock_path("out.txt");
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *opt = g_strdup_printf("file,id=file-b,path=%s", path);
    g_autofree char *contents = NULL;
    GError *err = NULL;
    Chardev *chr;

    g_assert_true(g_file_set_contents(path, "old contents, longer", -1, NULL));
    chr = qemu_chr_new("file-a", spec, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qemu_chr_fe_write_all(chr, (const uint8_t *)"serial\n", 7),
                    ==, 7);
    qemu_chr_delete(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "serial\n");
    g_clear_pointer(&contents, g_free);

    chr = qemu_chr_new_from_option(opt, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qemu_chr_fe_write_all(chr, (const uint8_t *)"b", 1), ==, 1);
    qemu_chr_delete(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "b");
    unlink(path);
}

/* Each bad spec must fail with a message that contains `expect`. */
static void expect_spec_error(const char *spec, bool option_form,
                              const char *expect)
{
    GError *err = NULL;
    Chardev *chr = option_form ? qemu_chr_new_from_option(spec, &err)
                               : qemu_chr_new("bad", spec, &err);

    if (chr) {
        g_error("spec '%s' was accepted", spec);
    }
    g_assert_nonnull(err);
    if (!strstr(err->message, expect)) {
        g_error("spec '%s': message '%s' lacks '%s'", spec, err->message,
                expect);
    }
    g_error_free(err);
    g_assert_null(qemu_chr_find("bad"));
}

static void test_bad_specs_give_errors(void)
{
    g_autofree char *missing = sock_path("nobody-listens.sock");
    g_autofree char *connect_spec = g_strdup_printf("unix:%s", missing);
    g_autofree char *long_spec = g_strdup_printf("unix:/tmp/%0200d", 0);

    expect_spec_error("foo", false, "unknown backend 'foo'");
    expect_spec_error("tcp:localhost:4444", false, "unknown backend 'tcp'");
    expect_spec_error("", false, "empty");
    expect_spec_error("unix:", false, "'unix:' needs a path");
    expect_spec_error("unix:,server=on", false, "'unix:' needs a path");
    expect_spec_error("file:", false, "'file:' needs a path");
    expect_spec_error("stdio,foo", false, "takes no options");
    expect_spec_error("unix:/tmp/x.sock,colour=red", false, "'colour'");
    expect_spec_error("unix:/tmp/x.sock,server=maybe", false, "'server'");
    expect_spec_error("unix:/tmp/x.sock,wait=off", false, "'wait'");
    expect_spec_error(connect_spec, false, "cannot connect");
    expect_spec_error(long_spec, false, "too long");
    expect_spec_error("file:/nonexistent-dir/x/y", false, "cannot open");

    expect_spec_error("socket,path=/tmp/x.sock,server=on,wait=off", true,
                      "id=");
    expect_spec_error("bogus,id=bad", true, "unknown backend 'bogus'");
    expect_spec_error("socket,id=bad", true, "path=");
    expect_spec_error("socket,id=bad,host=localhost,port=4444", true,
                      "only unix sockets");
    expect_spec_error("file,id=bad", true, "path=");
    expect_spec_error("null,id=bad,mux=on", true, "'mux'");
}

static void test_duplicate_id_is_refused(void)
{
    GError *err = NULL;
    Chardev *a, *b;

    a = qemu_chr_new("dup", "null", &err);
    g_assert_no_error(err);
    b = qemu_chr_new_from_option("null,id=dup", &err);
    g_assert_null(b);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'dup'"));
    g_clear_error(&err);
    g_assert_true(qemu_chr_find("dup") == a);
    qemu_chr_delete(a);
}

static void test_cleanup_all_empties_registry(void)
{
    GError *err = NULL;

    g_assert_nonnull(qemu_chr_new("c1", "null", &err));
    g_assert_nonnull(qemu_chr_new(NULL, "null", &err));
    g_assert_no_error(err);
    qemu_chr_cleanup_all();
    g_assert_null(qemu_chr_find("c1"));
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop();
    tmp_dir = g_dir_make_tmp("lapis-test-char-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);

    g_test_add_func("/char/socket/bytes-both-ways-and-events",
                    test_socket_bytes_both_ways);
    g_test_add_func("/char/socket/next-client-accepted-after-first-leaves",
                    test_socket_next_client_after_first_leaves);
    g_test_add_func("/char/socket/stale-file-replaced-and-removed-at-delete",
                    test_socket_file_removed_and_stale_replaced);
    g_test_add_func("/char/socket/wait-on-blocks-until-client",
                    test_socket_wait_blocks_until_client);
    g_test_add_func("/char/socket/input-respects-can-read",
                    test_socket_input_respects_can_read);
    g_test_add_func("/char/socket/large-write-is-complete",
                    test_socket_large_write_is_complete);
    g_test_add_func("/char/socket/write-to-departed-client-fails",
                    test_socket_write_to_departed_client_fails);
    g_test_add_func("/char/null/swallows-output-and-opens",
                    test_null_swallows_output_and_opens);
    g_test_add_func("/char/file/truncates-and-receives-output",
                    test_file_truncates_and_receives_output);
    g_test_add_func("/char/spec/bad-specs-give-errors",
                    test_bad_specs_give_errors);
    g_test_add_func("/char/registry/duplicate-id-is-refused",
                    test_duplicate_id_is_refused);
    g_test_add_func("/char/registry/cleanup-all-empties-registry",
                    test_cleanup_all_empties_registry);
    ret = g_test_run();
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
