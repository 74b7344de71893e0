/*
 * The unix socket chardev, after QEMU's chardev/char-socket.c. As a client
 * ("unix:PATH", "-chardev socket,path=PATH") it connects once to a socket
 * that is already listening and fails at creation if it cannot. As a server
 * (server=on) it removes a stale socket file, listens, and with wait=on (the
 * default) blocks until the first client connects; it serves one client at a
 * time: the listening watch is dropped while a client is connected (later
 * clients wait in the backlog) and comes back when that client leaves. The
 * frontend gets CHR_EVENT_OPENED when a client arrives and CHR_EVENT_CLOSED
 * when it leaves. Writes block until done (poll on EAGAIN) and never raise
 * SIGPIPE; a failed write drops the client from the main loop. The socket
 * file is removed when the chardev goes. Left out: TCP and telnet, reconnect=,
 * abstract socket names, fd passing (SCM_RIGHTS), and TLS.
 */
#include "qemu/osdep.h"
#include "chardev-internal.h"
#include "trace/chardev.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct ChrSocket {
    Chardev *chr;
    char *path;
    bool server;
    int listen_fd;          /* server only; -1 otherwise */
    guint listen_watch;     /* present while no client is connected */
    int client_fd;          /* -1 when no client */
    bool broken;            /* a write failed; the drop is pending */
    guint drop_idle;
    ChrFdReader reader;
    /*
     * While input is paused (no frontend, or it is full) the reader has no
     * watch, so a hang-up is watched for on its own: a client that leaves
     * must not keep the next one out. If unread bytes remain, the hang-up
     * is left for the reader to find after them (hup_deferred).
     */
    guint hup_watch;
    bool hup_deferred;
} ChrSocket;

static void chr_socket_listen_start(ChrSocket *s);
static void chr_socket_drop_client(ChrSocket *s);

static gboolean chr_socket_hup(gint fd, GIOCondition cond, gpointer opaque)
{
    ChrSocket *s = opaque;
    int pending = 0;

    s->hup_watch = 0;
    if (ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) {
        s->hup_deferred = true;
    } else {
        chr_socket_drop_client(s);
    }
    return G_SOURCE_REMOVE;
}

/* Re-arm input, and the hang-up watch while input is paused. */
static void chr_socket_update_watches(ChrSocket *s)
{
    chr_fd_reader_update(&s->reader);
    if (s->client_fd >= 0 && !s->reader.watch && !s->hup_deferred) {
        if (!s->hup_watch) {
            s->hup_watch = g_unix_fd_add(s->client_fd, G_IO_HUP | G_IO_ERR,
                                         chr_socket_hup, s);
        }
    } else if (s->hup_watch) {
        g_source_remove(s->hup_watch);
        s->hup_watch = 0;
    }
}

static void chr_socket_paused(Chardev *chr)
{
    chr_socket_update_watches(chr->backend);
}

static void chr_socket_set_client(ChrSocket *s, int fd)
{
    int flags = fcntl(fd, F_GETFL);

    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    s->client_fd = fd;
    s->reader.fd = fd;
    s->broken = false;
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
        s->listen_watch = 0;
    }
    s->hup_deferred = false;
    trace_chr_socket_accept(s->chr->id, fd);
    chr_be_event(s->chr, CHR_EVENT_OPENED);
    if (s->client_fd == fd) {   /* the frontend may have dropped it */
        chr_socket_update_watches(s);
    }
}

static void chr_socket_drop_client(ChrSocket *s)
{
    if (s->client_fd < 0) {
        return;
    }
    trace_chr_socket_close(s->chr->id, s->client_fd);
    chr_fd_reader_stop(&s->reader);
    if (s->drop_idle) {
        g_source_remove(s->drop_idle);
        s->drop_idle = 0;
    }
    if (s->hup_watch) {
        g_source_remove(s->hup_watch);
        s->hup_watch = 0;
    }
    close(s->client_fd);
    s->client_fd = -1;
    s->reader.fd = -1;
    s->broken = false;
    if (s->server) {
        chr_socket_listen_start(s);
    }
    chr_be_event(s->chr, CHR_EVENT_CLOSED);
}

static gboolean chr_socket_accept_ready(gint fd, GIOCondition cond,
                                        gpointer opaque)
{
    ChrSocket *s = opaque;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (client < 0) {
        /* EAGAIN (the client gave up) or a transient error: keep listening. */
        return G_SOURCE_CONTINUE;
    }
    s->listen_watch = 0;    /* we return REMOVE: one client at a time */
    chr_socket_set_client(s, client);
    return G_SOURCE_REMOVE;
}

static void chr_socket_listen_start(ChrSocket *s)
{
    if (!s->listen_watch && s->listen_fd >= 0) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        chr_socket_accept_ready, s);
    }
}

static gboolean chr_socket_drop_idle(gpointer opaque)
{
    ChrSocket *s = opaque;

    s->drop_idle = 0;
    chr_socket_drop_client(s);
    return G_SOURCE_REMOVE;
}

static int chr_socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    ChrSocket *s = chr->backend;

    if (s->client_fd < 0 || s->broken) {
        return -1;
    }
    if (chr_write_fd_all(s->client_fd, buf, len, true) < 0) {
        trace_chr_socket_write_error(chr->id, errno);
        /*
         * The peer is gone. Tell the frontend from the main loop rather
         * than from inside its own write call.
         */
        s->broken = true;
        if (!s->drop_idle) {
            s->drop_idle = g_idle_add(chr_socket_drop_idle, s);
        }
        return -1;
    }
    return len;
}

static void chr_socket_input(Chardev *chr, const uint8_t *buf, int len)
{
    chr_be_write(chr, buf, len);
}

static void chr_socket_eof(Chardev *chr)
{
    chr_socket_drop_client(chr->backend);
}

static void chr_socket_update_input(Chardev *chr)
{
    chr_socket_update_watches(chr->backend);
}

static void chr_socket_disconnect(Chardev *chr)
{
    chr_socket_drop_client(chr->backend);
}

static void chr_socket_destroy(Chardev *chr)
{
    ChrSocket *s = chr->backend;

    chr_fd_reader_stop(&s->reader);
    if (s->drop_idle) {
        g_source_remove(s->drop_idle);
    }
    if (s->hup_watch) {
        g_source_remove(s->hup_watch);
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->client_fd >= 0) {
        close(s->client_fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        unlink(s->path);
    }
    g_free(s->path);
    g_free(s);
}

static const ChardevOps chr_socket_ops = {
    .name = "socket",
    .write = chr_socket_write,
    .update_input = chr_socket_update_input,
    .disconnect = chr_socket_disconnect,
    .destroy = chr_socket_destroy,
};

static bool chr_socket_make_addr(const char *path, struct sockaddr_un *addr,
                                 GError **errp)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        error_setg(errp, "chardev: socket path '%s' is too long (at most %zu "
                   "bytes)", path, sizeof(addr->sun_path) - 1);
        return false;
    }
    strcpy(addr->sun_path, path);
    return true;
}

static int chr_socket_listen(const char *path, GError **errp)
{
    struct sockaddr_un addr;
    struct stat st;
    int fd;

    if (!chr_socket_make_addr(path, &addr, errp)) {
        return -1;
    }
    /* A socket file left by an earlier run is stale; anything else stays. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg(errp, "chardev: socket: %s", g_strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        error_setg(errp, "chardev: cannot listen on '%s': %s", path,
                   g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int chr_socket_connect(const char *path, GError **errp)
{
    struct sockaddr_un addr;
    int fd, ret;

    if (!chr_socket_make_addr(path, &addr, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg(errp, "chardev: socket: %s", g_strerror(errno));
        return -1;
    }
    do {
        ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        error_setg(errp, "chardev: cannot connect to unix socket '%s': %s",
                   path, g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

bool chr_socket_open(Chardev *chr, const ChardevOptions *opts, GError **errp)
{
    ChrSocket *s = g_new0(ChrSocket, 1);

    s->chr = chr;
    s->path = g_strdup(opts->path);
    s->server = opts->server;
    s->listen_fd = -1;
    s->client_fd = -1;
    s->reader.chr = chr;
    s->reader.fd = -1;
    s->reader.on_input = chr_socket_input;
    s->reader.on_eof = chr_socket_eof;
    s->reader.on_pause = chr_socket_paused;
    chr->ops = &chr_socket_ops;
    chr->backend = s;

    if (!s->server) {
        int fd = chr_socket_connect(s->path, errp);
        if (fd < 0) {
            goto fail;
        }
        trace_chr_socket_connect(chr->id, s->path);
        chr_socket_set_client(s, fd);
        return true;
    }

    s->listen_fd = chr_socket_listen(s->path, errp);
    if (s->listen_fd < 0) {
        goto fail;
    }
    trace_chr_socket_listen(chr->id, s->path);
    if (opts->wait) {
        int fd;

        /* QEMU prints the same notice before it blocks. */
        fprintf(stderr, "lapis: waiting for connection on: unix:%s,"
                "server=on\n", s->path);
        do {
            fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            error_setg(errp, "chardev: accept on '%s': %s", s->path,
                       g_strerror(errno));
            close(s->listen_fd);
            unlink(s->path);
            goto fail;
        }
        chr_socket_set_client(s, fd);
    } else {
        chr_socket_listen_start(s);
    }
    return true;

fail:
    g_free(s->path);
    g_free(s);
    chr->backend = NULL;
    return false;
}
