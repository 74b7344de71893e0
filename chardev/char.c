/*
 * Character device core, after QEMU's chardev/char.c and char-fe.c: parsing
 * the -serial style specs ("stdio", "null", "file:PATH", "unix:PATH,...") and
 * -chardev option strings ("socket,id=ID,path=PATH,server=on,wait=off"), the
 * registry of chardevs by ID, the frontend interface (handlers, write, events,
 * flow control), the null backend, and the descriptor helpers the other
 * backends share. Option values follow QEMU, including its old spellings
 * ("server", "nowait") and ",," for a literal comma in -chardev values.
 * Left out: mux chardevs (mux=on, "mon:"), TCP/telnet/websocket, pty, pipe,
 * ringbuf, serial/parallel host devices, logfile=, and hotplug over QMP.
 */
#include "qemu/osdep.h"
#include "chardev-internal.h"
#include "trace/chardev.h"

#include <glib-unix.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* id -> Chardev *; touched from the main thread only. */
static GHashTable *chardevs;
static unsigned chardev_auto_id;

/* ---- frontend side ---------------------------------------------------- */

static gboolean chr_opened_idle(gpointer opaque)
{
    Chardev *chr = opaque;

    chr->opened_idle = 0;
    if (chr->connected && chr->fe_event) {
        trace_chr_event(chr->id, CHR_EVENT_OPENED);
        chr->fe_event(chr->fe_opaque, CHR_EVENT_OPENED);
    }
    return G_SOURCE_REMOVE;
}

static void chr_cancel_opened_idle(Chardev *chr)
{
    if (chr->opened_idle) {
        g_source_remove(chr->opened_idle);
        chr->opened_idle = 0;
    }
}

void qemu_chr_fe_set_handlers(Chardev *chr, IOCanReadHandler *can_read,
                              IOReadHandler *read, IOEventHandler *event,
                              void *opaque)
{
    chr_cancel_opened_idle(chr);
    chr->fe_can_read = can_read;
    chr->fe_read = read;
    chr->fe_event = event;
    chr->fe_opaque = opaque;
    if (event && chr->connected) {
        /* Deliver from the main loop, never from inside the caller. */
        chr->opened_idle = g_idle_add(chr_opened_idle, chr);
    }
    if (chr->ops->update_input) {
        chr->ops->update_input(chr);
    }
}

int qemu_chr_fe_write_all(Chardev *chr, const uint8_t *buf, int len)
{
    if (!chr || !chr->connected) {
        return -1;
    }
    if (len <= 0) {
        return 0;
    }
    return chr->ops->write(chr, buf, len);
}

bool qemu_chr_fe_is_connected(Chardev *chr)
{
    return chr && chr->connected;
}

void qemu_chr_fe_disconnect(Chardev *chr)
{
    if (chr && chr->ops->disconnect) {
        chr->ops->disconnect(chr);
    }
}

void qemu_chr_fe_accept_input(Chardev *chr)
{
    if (chr && chr->ops->update_input) {
        chr->ops->update_input(chr);
    }
}

/* ---- backend side ----------------------------------------------------- */

void chr_be_event(Chardev *chr, ChrEvent event)
{
    chr_cancel_opened_idle(chr);
    chr->connected = event == CHR_EVENT_OPENED;
    trace_chr_event(chr->id, event);
    if (chr->fe_event) {
        chr->fe_event(chr->fe_opaque, event);
    }
}

int chr_be_can_write(Chardev *chr)
{
    if (!chr->fe_read) {
        return 0;
    }
    if (!chr->fe_can_read) {
        return 4096;
    }
    return chr->fe_can_read(chr->fe_opaque);
}

void chr_be_write(Chardev *chr, const uint8_t *buf, int len)
{
    if (chr->opened_idle) {
        /* The frontend hears OPENED before the first byte. */
        chr_cancel_opened_idle(chr);
        chr_opened_idle(chr);
    }
    if (chr->fe_read && len > 0) {
        chr->fe_read(chr->fe_opaque, buf, len);
    }
}

int chr_write_fd_all(int fd, const uint8_t *buf, int len, bool is_socket)
{
    int done = 0;

    while (done < len) {
        ssize_t n;

        if (is_socket) {
            n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
        } else {
            n = write(fd, buf + done, len - done);
        }
        if (n > 0) {
            done += n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                return -1;
            }
            if ((pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
                !(pfd.revents & POLLOUT)) {
                errno = EPIPE;
                return -1;
            }
            continue;
        }
        if (n == 0) {
            errno = EIO;
        }
        return -1;
    }
    return len;
}

static gboolean chr_fd_reader_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ChrFdReader *r = opaque;
    uint8_t buf[4096];
    int room = chr_be_can_write(r->chr);
    ssize_t n;

    if (room <= 0) {
        /* The frontend is full: stop until it calls accept_input. */
        r->watch = 0;
        if (r->on_pause) {
            r->on_pause(r->chr);
        }
        return G_SOURCE_REMOVE;
    }
    n = read(fd, buf, MIN((size_t)room, sizeof(buf)));
    if (n > 0) {
        /* r may be gone after this (the frontend may delete the chardev). */
        r->on_input(r->chr, buf, (int)n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    r->watch = 0;
    r->on_eof(r->chr);
    return G_SOURCE_REMOVE;
}

void chr_fd_reader_update(ChrFdReader *r)
{
    bool want = r->fd >= 0 && chr_be_can_write(r->chr) > 0;

    if (want && !r->watch) {
        r->watch = g_unix_fd_add(r->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                 chr_fd_reader_ready, r);
    } else if (!want && r->watch) {
        g_source_remove(r->watch);
        r->watch = 0;
    }
}

void chr_fd_reader_stop(ChrFdReader *r)
{
    if (r->watch) {
        g_source_remove(r->watch);
        r->watch = 0;
    }
}

/* ---- null backend ----------------------------------------------------- */

static int chr_null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static const ChardevOps chr_null_ops = {
    .name = "null",
    .write = chr_null_write,
};

static bool chr_null_open(Chardev *chr, const ChardevOptions *opts,
                          GError **errp)
{
    chr->ops = &chr_null_ops;
    chr->connected = true;
    return true;
}

/* ---- option parsing --------------------------------------------------- */

/*
 * Split "a,b=c,,d" at single commas; ",," stands for a literal comma.
 * Returns a NULL-terminated vector of unescaped items.
 */
static char **chr_split_options(const char *str)
{
    GPtrArray *items = g_ptr_array_new();
    GString *cur = g_string_new(NULL);

    for (const char *p = str; *p; p++) {
        if (*p == ',') {
            if (p[1] == ',') {
                g_string_append_c(cur, ',');
                p++;
                continue;
            }
            g_ptr_array_add(items, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
            continue;
        }
        g_string_append_c(cur, *p);
    }
    g_ptr_array_add(items, g_string_free(cur, FALSE));
    g_ptr_array_add(items, NULL);
    return (char **)g_ptr_array_free(items, FALSE);
}

static bool chr_parse_bool_opt(const char *key, const char *value, bool *out,
                               GError **errp)
{
    if (!value) {
        *out = true;        /* "server" alone means server=on */
        return true;
    }
    if (!qemu_parse_bool(value, out)) {
        error_setg(errp, "chardev: option '%s' takes on or off, not '%s'",
                   key, value);
        return false;
    }
    return true;
}

/*
 * Apply one "key[=value]" item to opts. `allow_path` is false for the
 * "unix:PATH" form, whose path comes before the first comma.
 */
static bool chr_parse_item(ChardevOptions *opts, const char *item,
                           bool allow_path, bool *wait_given, GError **errp)
{
    g_autofree char *key = NULL;
    const char *value = NULL;
    const char *eq = strchr(item, '=');
    bool is_socket = strcmp(opts->backend, "socket") == 0;
    bool is_file = strcmp(opts->backend, "file") == 0;

    if (eq) {
        key = g_strndup(item, eq - item);
        value = eq + 1;
    } else {
        key = g_strdup(item);
    }

    if (*key == '\0') {
        error_setg(errp, "chardev: empty option in '%s' options",
                   opts->backend);
        return false;
    }
    if (strcmp(key, "path") == 0 && allow_path && (is_socket || is_file)) {
        if (!value || !*value) {
            error_setg(errp, "chardev: 'path' needs a value");
            return false;
        }
        g_free(opts->path);
        opts->path = g_strdup(value);
        return true;
    }
    if (is_socket && strcmp(key, "server") == 0) {
        return chr_parse_bool_opt(key, value, &opts->server, errp);
    }
    if (is_socket && strcmp(key, "wait") == 0) {
        *wait_given = true;
        return chr_parse_bool_opt(key, value, &opts->wait, errp);
    }
    if (is_socket && strcmp(key, "nowait") == 0 && !value) {
        *wait_given = true;
        opts->wait = false;
        return true;
    }
    if (strcmp(opts->backend, "stdio") == 0 && strcmp(key, "signal") == 0) {
        bool ignored;
        /* Ctrl-C always reaches us as SIGINT (QEMU's default, signal=on). */
        return chr_parse_bool_opt(key, value, &ignored, errp);
    }
    if (is_socket && (strcmp(key, "host") == 0 || strcmp(key, "port") == 0)) {
        error_setg(errp, "chardev: socket: only unix sockets (path=) are "
                   "supported, not '%s'", key);
        return false;
    }
    error_setg(errp, "chardev: unknown option '%s' for backend '%s'", key,
               opts->backend);
    return false;
}

/* Checks that do not depend on how the options were spelled. */
static bool chr_check_options(ChardevOptions *opts, bool wait_given,
                              GError **errp)
{
    if (strcmp(opts->backend, "socket") == 0) {
        if (!opts->path) {
            error_setg(errp, "chardev: socket needs path=PATH (a unix socket)");
            return false;
        }
        if (!opts->server && wait_given) {
            error_setg(errp, "chardev: 'wait' only applies to a socket with "
                       "server=on");
            return false;
        }
        if (!wait_given) {
            opts->wait = true;      /* QEMU's default for a server */
        }
    } else if (strcmp(opts->backend, "file") == 0 && !opts->path) {
        error_setg(errp, "chardev: file needs path=PATH");
        return false;
    }
    return true;
}

static Chardev *chr_create(const char *id, ChardevOptions *opts, GError **errp)
{
    Chardev *chr;
    bool ok;

    if (!chardevs) {
        chardevs = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(chardevs, id)) {
        error_setg(errp, "chardev: duplicate ID '%s'", id);
        return NULL;
    }

    chr = g_new0(Chardev, 1);
    chr->id = g_strdup(id);
    if (strcmp(opts->backend, "null") == 0) {
        ok = chr_null_open(chr, opts, errp);
    } else if (strcmp(opts->backend, "stdio") == 0) {
        ok = chr_stdio_open(chr, opts, errp);
    } else if (strcmp(opts->backend, "file") == 0) {
        ok = chr_file_open(chr, opts, errp);
    } else if (strcmp(opts->backend, "socket") == 0) {
        ok = chr_socket_open(chr, opts, errp);
    } else {
        error_setg(errp, "chardev: unknown backend '%s'", opts->backend);
        ok = false;
    }
    if (!ok) {
        g_free(chr->id);
        g_free(chr);
        return NULL;
    }
    g_hash_table_insert(chardevs, chr->id, chr);
    return chr;
}

static char *chr_make_id(const char *id)
{
    if (id) {
        return g_strdup(id);
    }
    for (;;) {
        char *auto_id = g_strdup_printf("chr%u", chardev_auto_id++);
        if (!qemu_chr_find(auto_id)) {
            return auto_id;
        }
        g_free(auto_id);
    }
}

Chardev *qemu_chr_new(const char *id, const char *spec, GError **errp)
{
    ChardevOptions opts = { 0 };
    g_autofree char *chr_id = NULL;
    g_autofree char *backend = NULL;
    bool wait_given = false;
    Chardev *chr = NULL;
    const char *rest;

    if (!spec || !*spec) {
        error_setg(errp, "chardev: empty specification");
        return NULL;
    }
    if (id && !*id) {
        error_setg(errp, "chardev: empty ID");
        return NULL;
    }
    rest = spec + strcspn(spec, ":,");
    backend = g_strndup(spec, rest - spec);

    if (strcmp(backend, "stdio") == 0 || strcmp(backend, "null") == 0) {
        if (*rest) {
            error_setg(errp, "chardev: '%s' takes no options", backend);
            return NULL;
        }
        opts.backend = strcmp(backend, "stdio") == 0 ? "stdio" : "null";
    } else if (strcmp(backend, "file") == 0) {
        /* QEMU's legacy form: everything after "file:" is the path. */
        if (*rest != ':' || rest[1] == '\0') {
            error_setg(errp, "chardev: 'file:' needs a path");
            return NULL;
        }
        opts.backend = "file";
        opts.path = g_strdup(rest + 1);
    } else if (strcmp(backend, "unix") == 0) {
        g_auto(GStrv) items = NULL;

        if (*rest != ':' || rest[1] == '\0' || rest[1] == ',') {
            error_setg(errp, "chardev: 'unix:' needs a path");
            return NULL;
        }
        opts.backend = "socket";
        items = chr_split_options(rest + 1);
        opts.path = g_strdup(items[0]);
        for (char **p = items + 1; *p; p++) {
            if (!chr_parse_item(&opts, *p, false, &wait_given, errp)) {
                goto out;
            }
        }
    } else {
        error_setg(errp, "chardev: unknown backend '%s'", backend);
        return NULL;
    }

    if (chr_check_options(&opts, wait_given, errp)) {
        chr_id = chr_make_id(id);
        chr = chr_create(chr_id, &opts, errp);
    }
out:
    g_free(opts.path);
    return chr;
}

Chardev *qemu_chr_new_from_option(const char *optstr, GError **errp)
{
    static const char *const backends[] = { "socket", "stdio", "null",
                                            "file" };
    ChardevOptions opts = { 0 };
    g_auto(GStrv) items = NULL;
    g_autofree char *id = NULL;
    bool wait_given = false;
    Chardev *chr = NULL;

    if (!optstr || !*optstr) {
        error_setg(errp, "chardev: empty -chardev option");
        return NULL;
    }
    items = chr_split_options(optstr);
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        if (strcmp(items[0], backends[i]) == 0) {
            opts.backend = backends[i];
        }
    }
    if (!opts.backend) {
        error_setg(errp, "chardev: unknown backend '%s' (expected socket, "
                   "stdio, null or file)", items[0]);
        return NULL;
    }
    for (char **p = items + 1; *p; p++) {
        if (g_str_has_prefix(*p, "id=")) {
            g_free(id);
            id = g_strdup(*p + 3);
            continue;
        }
        if (!chr_parse_item(&opts, *p, true, &wait_given, errp)) {
            goto out;
        }
    }
    if (!id || !*id) {
        error_setg(errp, "chardev: '%s' needs id=ID", opts.backend);
        goto out;
    }
    if (chr_check_options(&opts, wait_given, errp)) {
        chr = chr_create(id, &opts, errp);
    }
out:
    g_free(opts.path);
    return chr;
}

/* ---- registry --------------------------------------------------------- */

Chardev *qemu_chr_find(const char *id)
{
    return chardevs && id ? g_hash_table_lookup(chardevs, id) : NULL;
}

const char *qemu_chr_id(Chardev *chr)
{
    return chr->id;
}

void qemu_chr_delete(Chardev *chr)
{
    if (!chr) {
        return;
    }
    if (chardevs) {
        g_hash_table_remove(chardevs, chr->id);
    }
    chr_cancel_opened_idle(chr);
    chr->fe_can_read = NULL;
    chr->fe_read = NULL;
    chr->fe_event = NULL;
    if (chr->ops->destroy) {
        chr->ops->destroy(chr);
    }
    g_free(chr->id);
    g_free(chr);
}

void qemu_chr_cleanup_all(void)
{
    GList *all;

    if (!chardevs) {
        return;
    }
    all = g_hash_table_get_values(chardevs);
    for (GList *l = all; l; l = l->next) {
        qemu_chr_delete(l->data);
    }
    g_list_free(all);
}
