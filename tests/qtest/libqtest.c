/*
 * libqtest: the test side of the qtest and QMP protocols. It listens on two
 * unix sockets in a fresh temporary folder, starts the emulator as their
 * client, and then speaks QEMU's qtest line protocol on one and QMP on the
 * other, as QEMU's tests/qtest/libqtest.c does (behaviour, not code). The
 * emulator dies with the test: PR_SET_PDEATHSIG in the child, and a SIGABRT
 * handler plus an atexit hook in the parent. Anything unexpected (the
 * emulator exiting, a FAIL reply to a typed accessor, a QMP timeout) ends the
 * test with a message through g_error(). Left out: QEMU's %-escapes in QMP
 * formats (ours are plain printf), file-descriptor passing, migration
 * helpers, and a big-endian target.
 */
#include "qemu/osdep.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "config-host.h"
#include "libqtest.h"

#define QTEST_MAX_IRQ 256
/* How long the emulator gets to connect to both sockets. */
#define QTEST_CONNECT_TIMEOUT_MS 30000
/* How long a qtest reply or a QMP response may take before the test fails. */
#define QTEST_REPLY_TIMEOUT_MS 120000
/* How long qtest_quit waits after SIGTERM before SIGKILL. */
#define QTEST_QUIT_TIMEOUT_MS 10000

/* A QMP connection: bytes in, whole JSON objects out, events kept aside. */
struct QmpClient {
    int fd;
    GString *rx;                /* bytes not yet split into JSON values */
    GQueue *events;             /* JsonObject *, seen while waiting */
    JsonObject *greeting;
    bool eof;
};

struct QTestState {
    pid_t pid;
    bool reaped;
    int wstatus;
    int qtest_fd;
    char *tmpdir;
    char *qtest_path;
    char *qmp_path;
    GString *rx;                /* qtest bytes not yet split into lines */
    bool irq_level[QTEST_MAX_IRQ];
    QmpClient *qmp;
};

/*
 * Emulators still running, for the abort handler and atexit. A plain array
 * the signal handler can walk without locks or allocation.
 */
#define QTEST_MAX_CHILDREN 64
static volatile pid_t qtest_children[QTEST_MAX_CHILDREN];
static bool qtest_cleanup_installed;

static void qtest_kill_children(void)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        pid_t pid = qtest_children[i];

        if (pid > 0) {
            kill(pid, SIGKILL);
            qtest_children[i] = 0;
        }
    }
}

static void qtest_sigabrt_handler(int sig)
{
    qtest_kill_children();
    /* Returning lets abort() go on and end the process as it should. */
}

/* For qtest_run_lapis: die with the test; the pipes are set up by GLib. */
static void qtest_run_child_setup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
}

/* SIGPIPE is ignored here (a pipe or socket whose reader died gives EPIPE,
 * reported as the emulator's exit) and restored in the children. */
static void qtest_install_cleanup(void)
{
    struct sigaction sa;

    if (qtest_cleanup_installed) {
        return;
    }
    qtest_cleanup_installed = true;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = qtest_sigabrt_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    atexit(qtest_kill_children);
}

static void qtest_track_child(pid_t pid)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (qtest_children[i] == 0) {
            qtest_children[i] = pid;
            return;
        }
    }
    g_error("libqtest: more than %d emulators at once", QTEST_MAX_CHILDREN);
}

static void qtest_untrack_child(pid_t pid)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (qtest_children[i] == pid) {
            qtest_children[i] = 0;
        }
    }
}

/* Runs in the child between fork and exec: die with the test, keep the TAP
 * stream on stdout clean (the emulator's stdout goes to stderr), and read
 * nothing from the terminal. */
static void qtest_child_setup(gpointer data)
{
    int devnull;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull != STDIN_FILENO) {
            close(devnull);
        }
    }
}

const char *qtest_binary(void)
{
    const char *env = g_getenv("QTEST_BINARY");

    return env && *env ? env : LAPIS_BUILD_DIR "/lapis";
}

/* QEMU logs qtest traffic to stderr unless told otherwise; lapis does not. */
static bool qtest_binary_is_qemu(const char *binary)
{
    g_autofree char *base = g_path_get_basename(binary);

    return g_str_has_prefix(base, "qemu-system-");
}

/*
 * Whether a QEMU binary has the qtest accelerator (Debian's builds leave it
 * out). Asked once per binary path and remembered.
 */
static bool qtest_qemu_has_qtest_accel(const char *binary)
{
    static char *probed_binary;
    static bool probed_answer;
    const char *argv[] = { binary, "-accel", "help", NULL };
    g_autofree char *out = NULL;

    if (probed_binary && strcmp(probed_binary, binary) == 0) {
        return probed_answer;
    }
    probed_answer = g_spawn_sync(NULL, (char **)argv, NULL,
                                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &out, NULL, NULL, NULL) &&
                    out && strstr(out, "\nqtest\n") != NULL;
    g_free(probed_binary);
    probed_binary = g_strdup(binary);
    return probed_answer;
}

static char *qtest_describe_status(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        return g_strdup_printf("exited with status %d", WEXITSTATUS(wstatus));
    }
    if (WIFSIGNALED(wstatus)) {
        return g_strdup_printf("was killed by signal %d (%s)",
                               WTERMSIG(wstatus),
                               g_strsignal(WTERMSIG(wstatus)));
    }
    return g_strdup_printf("ended with wait status 0x%x", wstatus);
}

/* Non-blocking reap; true once the child has exited. */
static bool qtest_try_reap(QTestState *s)
{
    int status;

    if (s->reaped) {
        return true;
    }
    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
        s->reaped = true;
        s->wstatus = status;
        qtest_untrack_child(s->pid);
        return true;
    }
    return false;
}

static void G_GNUC_NORETURN qtest_die_exited(QTestState *s, const char *when)
{
    g_autofree char *how = NULL;

    /* Give it a moment to finish dying so its status is known. */
    for (int i = 0; i < 100 && !qtest_try_reap(s); i++) {
        g_usleep(10000);
    }
    how = s->reaped ? qtest_describe_status(s->wstatus) :
                      g_strdup("closed its socket");
    g_error("libqtest: the emulator (%s) %s %s", qtest_binary(), how, when);
}

/* --- sockets --- */

static int qtest_socket_listen(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_error("libqtest: socket path too long: %s", path);
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        g_error("libqtest: cannot listen on %s: %s", path, g_strerror(errno));
    }
    return fd;
}

/* Accept one connection, watching that the emulator is still alive. */
static int qtest_socket_accept(QTestState *s, int listen_fd, const char *what)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64)QTEST_CONNECT_TIMEOUT_MS * 1000;

    for (;;) {
        struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
        int fd;

        if (poll(&pfd, 1, 100) > 0) {
            fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
            if (errno != EINTR && errno != EAGAIN) {
                g_error("libqtest: accept on the %s socket: %s", what,
                        g_strerror(errno));
            }
        }
        if (qtest_try_reap(s)) {
            g_autofree char *how = qtest_describe_status(s->wstatus);

            g_error("libqtest: the emulator (%s) %s before connecting to the "
                    "%s socket", qtest_binary(), how, what);
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("libqtest: the emulator (%s) did not connect to the %s "
                    "socket within %d s", qtest_binary(), what,
                    QTEST_CONNECT_TIMEOUT_MS / 1000);
        }
    }
}

static bool qtest_write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

/* Append what the socket has to buf, waiting up to timeout_ms (-1: forever).
 * Returns 1 with data, 0 at EOF or error, -1 on timeout. */
static int qtest_fill(int fd, GString *buf, int timeout_ms)
{
    char chunk[4096];
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    ssize_t n;
    int r;

    do {
        r = poll(&pfd, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return -1;
    }
    do {
        n = recv(fd, chunk, sizeof(chunk), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        return 0;
    }
    g_string_append_len(buf, chunk, n);
    return 1;
}

/* --- QMP: a JSON stream split into top-level values --- */

/* Length of the first complete top-level JSON value in buf (leading
 * whitespace included), or 0 if it has not all arrived. */
static size_t qmp_json_value_end(const char *buf, size_t len)
{
    int depth = 0;
    bool in_string = false, escaped = false, started = false;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];

        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
                if (depth == 0) {
                    return i + 1;
                }
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            started = true;
            break;
        case '{':
        case '[':
            depth++;
            started = true;
            break;
        case '}':
        case ']':
            depth--;
            if (depth <= 0) {
                return i + 1;
            }
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            if (started && depth == 0) {
                return i;       /* end of a bare number or keyword */
            }
            break;
        default:
            started = true;
            break;
        }
    }
    return 0;
}

static JsonObject *qmp_parse_object(const char *text, size_t len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, text, len, &err)) {
        g_error("libqtest: bad JSON from QMP (%s): %.*s", err->message,
                (int)len, text);
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_error("libqtest: QMP sent a JSON value that is not an object: %.*s",
                (int)len, text);
    }
    return json_object_ref(json_node_get_object(root));
}

/* The next message on the wire; NULL at EOF or after timeout_ms. */
static JsonObject *qmp_read_message(QmpClient *c, int timeout_ms)
{
    gint64 deadline = timeout_ms < 0 ? -1 :
                      g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        size_t end = qmp_json_value_end(c->rx->str, c->rx->len);

        if (end) {
            JsonObject *obj = qmp_parse_object(c->rx->str, end);

            g_string_erase(c->rx, 0, end);
            return obj;
        }
        if (c->eof) {
            return NULL;
        }
        int wait_ms = -1;
        if (deadline >= 0) {
            gint64 left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                return NULL;
            }
            wait_ms = (int)MIN(left / 1000 + 1, INT_MAX);
        }
        int r = qtest_fill(c->fd, c->rx, wait_ms);
        if (r == 0) {
            c->eof = true;
        } else if (r < 0) {
            return NULL;
        }
    }
}

static bool qmp_is_event(JsonObject *obj)
{
    return json_object_has_member(obj, "event");
}

static void qmp_client_vsend(QmpClient *c, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    if (!qtest_write_all(c->fd, text, strlen(text))) {
        g_error("libqtest: cannot send on the QMP socket: %s",
                g_strerror(errno));
    }
}

/* Wait for a response ({"return"} or {"error"}), queueing events. */
static JsonObject *qmp_client_wait_response(QmpClient *c, int timeout_ms)
{
    for (;;) {
        JsonObject *obj = qmp_read_message(c, timeout_ms);

        if (!obj) {
            return NULL;
        }
        if (qmp_is_event(obj)) {
            g_queue_push_tail(c->events, obj);
            continue;
        }
        return obj;
    }
}

static JsonObject *qmp_client_take_event(QmpClient *c, const char *event)
{
    for (GList *l = c->events->head; l; l = l->next) {
        JsonObject *obj = l->data;
        const char *name = json_object_get_string_member_with_default(
                               obj, "event", "");

        if (strcmp(name, event) == 0) {
            g_queue_delete_link(c->events, l);
            return obj;
        }
    }
    return NULL;
}

static QmpClient *qmp_client_new(int fd)
{
    QmpClient *c = g_new0(QmpClient, 1);

    c->fd = fd;
    c->rx = g_string_new(NULL);
    c->events = g_queue_new();
    return c;
}

/* Greeting and optional handshake; false (with *why) when they fail. */
static bool qmp_client_start(QmpClient *c, bool handshake, int timeout_ms,
                             char **why)
{
    JsonObject *rsp;

    c->greeting = qmp_read_message(c, timeout_ms);
    if (!c->greeting || !json_object_has_member(c->greeting, "QMP")) {
        *why = g_strdup("no QMP greeting");
        return false;
    }
    if (!handshake) {
        return true;
    }
    qtest_write_all(c->fd, "{\"execute\": \"qmp_capabilities\"}\n",
                    strlen("{\"execute\": \"qmp_capabilities\"}\n"));
    rsp = qmp_client_wait_response(c, timeout_ms);
    if (!rsp || !json_object_has_member(rsp, "return")) {
        *why = g_strdup("qmp_capabilities failed");
        if (rsp) {
            json_object_unref(rsp);
        }
        return false;
    }
    json_object_unref(rsp);
    return true;
}

QmpClient *qmp_client_connect(const char *path, bool handshake, int timeout_ms)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autofree char *why = NULL;
    QmpClient *c;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        return NULL;
    }
    strcpy(addr.sun_path, path);
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return NULL;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            break;
        }
        close(fd);
        if (g_get_monotonic_time() > deadline) {
            return NULL;
        }
        g_usleep(20000);
    }
    c = qmp_client_new(fd);
    if (!qmp_client_start(c, handshake, MAX(timeout_ms, 1000), &why)) {
        g_test_message("libqtest: %s on %s", why, path);
        qmp_client_close(c);
        return NULL;
    }
    return c;
}

JsonObject *qmp_client_greeting(QmpClient *c)
{
    return c->greeting;
}

JsonObject *qmp_client_cmd(QmpClient *c, const char *fmt, ...)
{
    va_list ap;
    JsonObject *rsp;

    va_start(ap, fmt);
    qmp_client_vsend(c, fmt, ap);
    va_end(ap);
    rsp = qmp_client_wait_response(c, QTEST_REPLY_TIMEOUT_MS);
    if (!rsp) {
        g_error("libqtest: no QMP response (%s)",
                c->eof ? "the connection closed" : "timed out");
    }
    return rsp;
}

void qmp_client_send_raw(QmpClient *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qmp_client_vsend(c, fmt, ap);
    va_end(ap);
}

JsonObject *qmp_client_receive(QmpClient *c, int timeout_ms)
{
    return qmp_read_message(c, timeout_ms);
}

JsonObject *qmp_client_eventwait(QmpClient *c, const char *event,
                                 int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    JsonObject *obj = qmp_client_take_event(c, event);

    while (!obj) {
        gint64 left = deadline - g_get_monotonic_time();

        if (left <= 0) {
            return NULL;
        }
        obj = qmp_read_message(c, (int)(left / 1000 + 1));
        if (!obj) {
            return NULL;
        }
        if (!qmp_is_event(obj)) {
            json_object_unref(obj);     /* a stray response: nobody waits */
            obj = NULL;
        } else if (strcmp(json_object_get_string_member_with_default(
                              obj, "event", ""), event) != 0) {
            g_queue_push_tail(c->events, obj);
            obj = NULL;
        }
    }
    return obj;
}

void qmp_client_close(QmpClient *c)
{
    if (!c) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    if (c->greeting) {
        json_object_unref(c->greeting);
    }
    g_queue_free_full(c->events, (GDestroyNotify)json_object_unref);
    g_string_free(c->rx, TRUE);
    g_free(c);
}

/* --- starting and stopping --- */

static QTestState *qtest_spawn(const char *extra_args, bool handshake)
{
    QTestState *s = g_new0(QTestState, 1);
    const char *binary = qtest_binary();
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) extra = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *why = NULL;
    int qtest_listen, qmp_listen, qmp_fd;
    GPid pid;

    qtest_install_cleanup();
    s->qtest_fd = -1;
    s->rx = g_string_new(NULL);
    s->tmpdir = g_dir_make_tmp("lapis-qtest-XXXXXX", &err);
    if (!s->tmpdir) {
        g_error("libqtest: cannot make a temporary folder: %s", err->message);
    }
    s->qtest_path = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    s->qmp_path = g_build_filename(s->tmpdir, "qmp.sock", NULL);
    qtest_listen = qtest_socket_listen(s->qtest_path);
    qmp_listen = qtest_socket_listen(s->qmp_path);

    if (extra_args) {
        g_autofree char *trimmed = g_strstrip(g_strdup(extra_args));

        if (*trimmed && !g_shell_parse_argv(trimmed, NULL, &extra, &err)) {
            g_error("libqtest: cannot split arguments '%s': %s", extra_args,
                    err->message);
        }
    }

    g_ptr_array_add(argv, g_strdup(binary));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s", s->qtest_path));
    if (g_getenv("QTEST_LOG")) {
        /* Debugging: the emulator logs the qtest traffic on our stderr. */
        g_ptr_array_add(argv, g_strdup("-qtest-log"));
        g_ptr_array_add(argv, g_strdup("/dev/fd/2"));
    } else if (qtest_binary_is_qemu(binary)) {
        /* QEMU logs every qtest line to stderr without -qtest-log. */
        g_ptr_array_add(argv, g_strdup("-qtest-log"));
        g_ptr_array_add(argv, g_strdup("/dev/null"));
    }
    g_ptr_array_add(argv, g_strdup("-chardev"));
    g_ptr_array_add(argv, g_strdup_printf("socket,path=%s,id=char0",
                                          s->qmp_path));
    g_ptr_array_add(argv, g_strdup("-mon"));
    g_ptr_array_add(argv, g_strdup("chardev=char0,mode=control"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-accel"));
    if (qtest_binary_is_qemu(binary) && !qtest_qemu_has_qtest_accel(binary)) {
        /* Stopped vCPUs: qtest memory and port commands still work, the
         * clock commands answer FAIL. */
        g_ptr_array_add(argv, g_strdup("tcg"));
        g_ptr_array_add(argv, g_strdup("-S"));
    } else {
        g_ptr_array_add(argv, g_strdup("qtest"));
    }
    for (int i = 0; extra && extra[i]; i++) {
        g_ptr_array_add(argv, g_strdup(extra[i]));
    }
    g_ptr_array_add(argv, NULL);

    if (g_getenv("QTEST_LOG")) {
        g_autofree char *cmdline = g_strjoinv(" ", (char **)argv->pdata);
        g_printerr("libqtest: starting %s\n", cmdline);
    }
    if (!g_spawn_async(NULL, (char **)argv->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD, qtest_child_setup, NULL,
                       &pid, &err)) {
        g_error("libqtest: cannot start %s: %s", binary, err->message);
    }
    s->pid = pid;
    qtest_track_child(pid);

    s->qtest_fd = qtest_socket_accept(s, qtest_listen, "qtest");
    qmp_fd = qtest_socket_accept(s, qmp_listen, "QMP");
    close(qtest_listen);
    close(qmp_listen);
    unlink(s->qtest_path);
    unlink(s->qmp_path);

    s->qmp = qmp_client_new(qmp_fd);
    if (!qmp_client_start(s->qmp, handshake, QTEST_CONNECT_TIMEOUT_MS, &why)) {
        if (qtest_try_reap(s) || s->qmp->eof) {
            qtest_die_exited(s, "while starting QMP");
        }
        g_error("libqtest: %s (%s)", why, binary);
    }
    return s;
}

QTestState *qtest_init(const char *extra_args)
{
    return qtest_spawn(extra_args, true);
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *args = NULL;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qtest_init(args);
}

QTestState *qtest_init_without_qmp_handshake(const char *extra_args)
{
    return qtest_spawn(extra_args, false);
}

int qtest_wait_exit(QTestState *s, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    while (!qtest_try_reap(s)) {
        if (g_get_monotonic_time() > deadline) {
            return -1;
        }
        g_usleep(5000);
    }
    return s->wstatus;
}

void qtest_quit(QTestState *s)
{
    if (!s) {
        return;
    }
    if (!qtest_try_reap(s)) {
        kill(s->pid, SIGTERM);
        if (qtest_wait_exit(s, QTEST_QUIT_TIMEOUT_MS) < 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &s->wstatus, 0);
            s->reaped = true;
            qtest_untrack_child(s->pid);
        }
    }
    /* A crash (rather than our SIGTERM/SIGKILL) is a failure of the test. */
    if (WIFSIGNALED(s->wstatus) && WTERMSIG(s->wstatus) != SIGTERM &&
        WTERMSIG(s->wstatus) != SIGKILL) {
        g_autofree char *how = qtest_describe_status(s->wstatus);

        g_printerr("libqtest: the emulator %s\n", how);
        if (g_test_initialized()) {
            g_test_fail();
        }
    }
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
    }
    qmp_client_close(s->qmp);
    g_spawn_close_pid(s->pid);
    unlink(s->qtest_path);
    unlink(s->qmp_path);
    rmdir(s->tmpdir);
    g_free(s->qtest_path);
    g_free(s->qmp_path);
    g_free(s->tmpdir);
    g_string_free(s->rx, TRUE);
    g_free(s);
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

const char *qtest_tmpdir(QTestState *s)
{
    return s->tmpdir;
}

void qtest_disconnect(QTestState *s)
{
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
        s->qtest_fd = -1;
    }
}

/* --- qtest protocol --- */

/* One reply line, with the async IRQ lines before it taken in. */
static char *qtest_read_reply(QTestState *s)
{
    for (;;) {
        char *nl = memchr(s->rx->str, '\n', s->rx->len);

        if (nl) {
            size_t len = nl - s->rx->str;
            char *line = g_strndup(s->rx->str, len);
            int n;

            g_string_erase(s->rx, 0, len + 1);
            if (g_str_has_prefix(line, "IRQ raise ") ||
                g_str_has_prefix(line, "IRQ lower ")) {
                n = atoi(line + strlen("IRQ raise "));
                if (n >= 0 && n < QTEST_MAX_IRQ) {
                    s->irq_level[n] = line[4] == 'r';
                }
                g_free(line);
                continue;
            }
            return line;
        }
        int r = qtest_fill(s->qtest_fd, s->rx, QTEST_REPLY_TIMEOUT_MS);
        if (r == 0) {
            qtest_die_exited(s, "while a qtest reply was awaited");
        }
        if (r < 0) {
            g_error("libqtest: no qtest reply within %d s",
                    QTEST_REPLY_TIMEOUT_MS / 1000);
        }
    }
}

static char *qtest_vcmd(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    size_t len = strlen(line);

    if (s->qtest_fd < 0) {
        g_error("libqtest: the qtest socket is closed");
    }
    line = g_realloc(line, len + 2);
    line[len] = '\n';
    line[len + 1] = '\0';
    if (!qtest_write_all(s->qtest_fd, line, len + 1)) {
        qtest_die_exited(s, "while a qtest command was sent");
    }
    return qtest_read_reply(s);
}

char *qtest_cmd(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *reply;

    va_start(ap, fmt);
    reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    return reply;
}

/* Send a command that must answer "OK..."; returns what follows "OK". */
static char * G_GNUC_PRINTF(2, 3) qtest_cmd_ok(QTestState *s,
                                               const char *fmt, ...)
{
    va_list ap;
    char *reply, *rest;

    va_start(ap, fmt);
    reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    if (strcmp(reply, "OK") != 0 && !g_str_has_prefix(reply, "OK ")) {
        va_start(ap, fmt);
        g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_error("libqtest: '%s' answered '%s'", cmd, reply);
    }
    rest = g_strdup(reply[2] ? reply + 3 : "");
    g_free(reply);
    return rest;
}

static uint64_t qtest_parse_reply_u64(const char *text)
{
    char *end;
    uint64_t v;

    errno = 0;
    v = g_ascii_strtoull(text, &end, 0);
    if (errno || end == text || *end) {
        g_error("libqtest: expected a number in the reply, got '%s'", text);
    }
    return v;
}

static uint64_t qtest_read_sized(QTestState *s, const char *cmd, uint64_t addr)
{
    g_autofree char *val = qtest_cmd_ok(s, "%s 0x%" PRIx64, cmd, addr);

    return qtest_parse_reply_u64(val);
}

static void qtest_write_sized(QTestState *s, const char *cmd, uint64_t addr,
                              uint64_t value)
{
    g_free(qtest_cmd_ok(s, "%s 0x%" PRIx64 " 0x%" PRIx64, cmd, addr, value));
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_read_sized(s, "readb", addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_read_sized(s, "readw", addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_read_sized(s, "readl", addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_read_sized(s, "readq", addr);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value)
{
    qtest_write_sized(s, "writeb", addr, value);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t value)
{
    qtest_write_sized(s, "writew", addr, value);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t value)
{
    qtest_write_sized(s, "writel", addr, value);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value)
{
    qtest_write_sized(s, "writeq", addr, value);
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_read_sized(s, "inb", port);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_read_sized(s, "inw", port);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_read_sized(s, "inl", port);
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t value)
{
    qtest_write_sized(s, "outb", port, value);
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t value)
{
    qtest_write_sized(s, "outw", port, value);
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t value)
{
    qtest_write_sized(s, "outl", port, value);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *hex = NULL;
    uint8_t *out = data;

    if (!size) {
        return;         /* the protocol has no zero-length read */
    }
    hex = qtest_cmd_ok(s, "read 0x%" PRIx64 " 0x%zx", addr, size);
    if (!g_str_has_prefix(hex, "0x") || strlen(hex) != 2 + 2 * size) {
        g_error("libqtest: read of %zu bytes answered '%s'", size, hex);
    }
    for (size_t i = 0; i < size; i++) {
        int hi = g_ascii_xdigit_value(hex[2 + 2 * i]);
        int lo = g_ascii_xdigit_value(hex[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            g_error("libqtest: bad hex in read reply '%s'", hex);
        }
        out[i] = hi << 4 | lo;
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *in = data;
    GString *hex;

    if (!size) {
        return;
    }
    hex = g_string_sized_new(2 * size + 1);
    for (size_t i = 0; i < size; i++) {
        g_string_append_c(hex, digits[in[i] >> 4]);
        g_string_append_c(hex, digits[in[i] & 0xf]);
    }
    g_free(qtest_cmd_ok(s, "write 0x%" PRIx64 " 0x%zx 0x%s", addr, size,
                        hex->str));
    g_string_free(hex, TRUE);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *b64 = NULL;
    g_autofree guchar *bytes = NULL;
    gsize len;

    b64 = qtest_cmd_ok(s, "b64read 0x%" PRIx64 " 0x%zx", addr, size);
    bytes = g_base64_decode(b64, &len);
    if (len != size) {
        g_error("libqtest: b64read of %zu bytes gave %zu", size, (size_t)len);
    }
    memcpy(data, bytes, size);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data, size_t size)
{
    g_autofree char *b64 = g_base64_encode(data, size);

    if (!size) {
        return;
    }
    g_free(qtest_cmd_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, size,
                        b64));
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    g_free(qtest_cmd_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, size,
                        pattern));
}

static int64_t qtest_clock_reply(char *val)
{
    char *end;
    int64_t ns;

    errno = 0;
    ns = g_ascii_strtoll(val, &end, 10);
    if (errno || end == val || *end) {
        g_error("libqtest: bad clock reply '%s'", val);
    }
    g_free(val);
    return ns;
}

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    if (step < 0) {
        return qtest_clock_reply(qtest_cmd_ok(s, "clock_step"));
    }
    return qtest_clock_reply(qtest_cmd_ok(s, "clock_step %" PRId64, step));
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return qtest_clock_step(s, -1);
}

int64_t qtest_clock_set(QTestState *s, int64_t val)
{
    return qtest_clock_reply(qtest_cmd_ok(s, "clock_set %" PRId64, val));
}

void qtest_irq_intercept_in(QTestState *s, const char *path)
{
    g_free(qtest_cmd_ok(s, "irq_intercept_in %s", path));
}

void qtest_irq_intercept_out(QTestState *s, const char *path)
{
    g_free(qtest_cmd_ok(s, "irq_intercept_out %s", path));
}

void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int num, int level)
{
    g_free(qtest_cmd_ok(s, "set_irq_in %s %s %d %d", path,
                        name ? name : "unnamed-gpio-in", num, level));
}

bool qtest_get_irq(QTestState *s, int num)
{
    g_assert(num >= 0 && num < QTEST_MAX_IRQ);
    /* A round trip with no side effect takes in any IRQ line sent so far. */
    g_free(qtest_cmd_ok(s, "endianness"));
    return s->irq_level[num];
}

void qtest_cpu_select(QTestState *s, int cpu)
{
    if (cpu < 0) {
        g_free(qtest_cmd_ok(s, "cpu system"));
    } else {
        g_free(qtest_cmd_ok(s, "cpu %d", cpu));
    }
}

bool qtest_rdmsr(QTestState *s, int cpu, uint32_t msr, uint64_t *value)
{
    g_autofree char *reply = qtest_cmd(s, "rdmsr %d 0x%" PRIx32, cpu, msr);

    if (strcmp(reply, "FAIL #GP") == 0) {
        return false;
    }
    if (!g_str_has_prefix(reply, "OK ")) {
        g_error("libqtest: rdmsr %d 0x%" PRIx32 " answered '%s'", cpu, msr,
                reply);
    }
    *value = qtest_parse_reply_u64(reply + 3);
    return true;
}

bool qtest_wrmsr(QTestState *s, int cpu, uint32_t msr, uint64_t value)
{
    g_autofree char *reply = qtest_cmd(s, "wrmsr %d 0x%" PRIx32 " 0x%" PRIx64,
                                       cpu, msr, value);

    if (strcmp(reply, "FAIL #GP") == 0) {
        return false;
    }
    if (strcmp(reply, "OK") != 0) {
        g_error("libqtest: wrmsr %d 0x%" PRIx32 " answered '%s'", cpu, msr,
                reply);
    }
    return true;
}

/* --- QMP on the emulator's monitor --- */

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    JsonObject *rsp;

    va_start(ap, fmt);
    qmp_client_vsend(s->qmp, fmt, ap);
    va_end(ap);
    rsp = qmp_client_wait_response(s->qmp, QTEST_REPLY_TIMEOUT_MS);
    if (!rsp) {
        if (s->qmp->eof) {
            qtest_die_exited(s, "while a QMP response was awaited");
        }
        g_error("libqtest: no QMP response within %d s",
                QTEST_REPLY_TIMEOUT_MS / 1000);
    }
    return rsp;
}

void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qmp_client_vsend(s->qmp, fmt, ap);
    va_end(ap);
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    return qmp_read_message(s->qmp, QTEST_REPLY_TIMEOUT_MS);
}

JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event)
{
    JsonObject *obj = qmp_client_eventwait(s->qmp, event,
                                           QTEST_REPLY_TIMEOUT_MS);

    if (!obj) {
        if (s->qmp->eof) {
            qtest_die_exited(s, "while a QMP event was awaited");
        }
        g_error("libqtest: no QMP event %s within %d s", event,
                QTEST_REPLY_TIMEOUT_MS / 1000);
    }
    return obj;
}

void qtest_qmp_eventwait(QTestState *s, const char *event)
{
    json_object_unref(qtest_qmp_eventwait_ref(s, event));
}

char *qtest_hmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cmdline = NULL;
    g_autofree char *request = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    JsonObject *rsp;
    char *out;

    va_start(ap, fmt);
    cmdline = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, "human-monitor-command");
    json_builder_set_member_name(b, "arguments");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "command-line");
    json_builder_add_string_value(b, cmdline);
    json_builder_end_object(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    request = json_generator_to_data(gen, NULL);

    rsp = qtest_qmp(s, "%s", request);
    if (!json_object_has_member(rsp, "return")) {
        g_error("libqtest: human-monitor-command '%s' failed: %s", cmdline,
                qmp_rsp_error_desc(rsp) ? qmp_rsp_error_desc(rsp) : "?");
    }
    out = g_strdup(json_object_get_string_member_with_default(rsp, "return",
                                                              ""));
    json_object_unref(rsp);
    return out;
}

bool qmp_rsp_is_err(JsonObject *rsp)
{
    return rsp && json_object_has_member(rsp, "error");
}

static const char *qmp_rsp_error_member(JsonObject *rsp, const char *name)
{
    JsonObject *err;

    if (!qmp_rsp_is_err(rsp)) {
        return NULL;
    }
    err = json_object_get_object_member(rsp, "error");
    if (!err || !json_object_has_member(err, name)) {
        return NULL;
    }
    return json_object_get_string_member_with_default(err, name, NULL);
}

const char *qmp_rsp_error_class(JsonObject *rsp)
{
    return qmp_rsp_error_member(rsp, "class");
}

const char *qmp_rsp_error_desc(JsonObject *rsp)
{
    return qmp_rsp_error_member(rsp, "desc");
}

/* --- running the emulator without sockets --- */

static void qtest_drain(int *fd, GString *buf)
{
    char chunk[4096];
    ssize_t n;

    do {
        n = read(*fd, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        g_string_append_len(buf, chunk, n);
    } else if (n == 0 || errno != EAGAIN) {
        close(*fd);
        *fd = -1;
    }
}

int qtest_run_lapis(const char *const *args, const char *stdin_text,
                    char **out, char **err, int timeout_ms)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    GString *outbuf = g_string_new(NULL), *errbuf = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    const char *in = stdin_text ? stdin_text : "";
    size_t in_left = strlen(in);
    int in_fd, out_fd, err_fd, status = 0;
    bool exited = false;
    GPid pid;

    qtest_install_cleanup();
    g_ptr_array_add(argv, (char *)qtest_binary());
    for (int i = 0; args && args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD,
                                  qtest_run_child_setup, NULL, &pid,
                                  &in_fd, &out_fd, &err_fd, &error)) {
        g_error("libqtest: cannot start %s: %s", qtest_binary(),
                error->message);
    }
    qtest_track_child(pid);
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
    fcntl(out_fd, F_SETFL, O_NONBLOCK);
    fcntl(err_fd, F_SETFL, O_NONBLOCK);
    if (!in_left) {
        close(in_fd);
        in_fd = -1;
    }

    while (out_fd >= 0 || err_fd >= 0 || !exited) {
        struct pollfd pfd[3];
        int n = 0;
        gint64 left = deadline - g_get_monotonic_time();

        if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            qtest_untrack_child(pid);
            continue;
        }
        if (left <= 0) {
            if (!exited) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                exited = true;
                qtest_untrack_child(pid);
            }
            break;
        }
        if (in_fd >= 0) {
            pfd[n++] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
        }
        if (out_fd >= 0) {
            pfd[n++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
        }
        if (err_fd >= 0) {
            pfd[n++] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
        }
        /* Wake now and then to notice the child's exit. */
        if (poll(pfd, n, (int)MIN(left / 1000 + 1, 20)) <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (!pfd[i].revents) {
                continue;
            }
            if (pfd[i].fd == in_fd) {
                ssize_t w = write(in_fd, in, in_left);

                if (w > 0) {
                    in += w;
                    in_left -= w;
                }
                if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
                    in_left == 0) {
                    close(in_fd);
                    in_fd = -1;
                }
            } else if (pfd[i].fd == out_fd) {
                qtest_drain(&out_fd, outbuf);
            } else if (pfd[i].fd == err_fd) {
                qtest_drain(&err_fd, errbuf);
            }
        }
    }
    if (in_fd >= 0) {
        close(in_fd);
    }
    if (out_fd >= 0) {
        close(out_fd);
    }
    if (err_fd >= 0) {
        close(err_fd);
    }
    g_spawn_close_pid(pid);
    if (out) {
        *out = g_string_free(outbuf, FALSE);
    } else {
        g_string_free(outbuf, TRUE);
    }
    if (err) {
        *err = g_string_free(errbuf, FALSE);
    } else {
        g_string_free(errbuf, TRUE);
    }
    return status;
}
