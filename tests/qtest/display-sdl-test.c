/*
 * The SDL window (-display sdl). Where Xvfb is installed (Debian package
 * xvfb) a private X server is started on a free display (Xvfb -displayfd
 * picks it), lapis runs there with -display sdl and a QMP socket, and the
 * test checks that it stays up, answers query-status, names the run state
 * in its window title (read with xwininfo from x11-utils when installed)
 * and exits cleanly on QMP quit; and that closing the window (the window
 * manager's WM_DELETE_WINDOW message, sent here through libX11 loaded at
 * run time) shuts the machine down with reason "host-ui". Without Xvfb (or
 * libX11 for the close test), or in a build without SDL2, those tests are
 * skipped with the reason. Without any X display the
 * launcher must fail with one line and status 1, which needs no X server.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <dlfcn.h>
#include "config-host.h"
#if __has_include(<X11/Xlib.h>)
#include <X11/Xlib.h>
#define HAVE_XLIB_H 1
#endif
#include "libqtest.h"

/* The launcher's answer before it hands -display to display_init(). */
#define NOT_WIRED_MESSAGE "not available in this build"

typedef struct XServer {
    GPid pid;
    char *display;          /* ":N" */
} XServer;

static bool need_sdl(void)
{
#ifndef CONFIG_SDL
    g_test_skip("lapis was built without SDL2 (libsdl2-dev)");
    return false;
#else
    return true;
#endif
}

static bool xvfb_start(XServer *x)
{
    g_autofree char *xvfb = g_find_program_in_path("Xvfb");
    g_autoptr(GError) err = NULL;
    char buf[32] = "";
    ssize_t n, got = 0;
    int out_fd;
    const char *argv[] = {
        NULL, "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten",
        "tcp", NULL,
    };

    if (!xvfb) {
        g_test_skip("Xvfb is not installed (Debian package xvfb)");
        return false;
    }
    argv[0] = xvfb;
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &x->pid, NULL, &out_fd,
                                           NULL, &err));
    /* -displayfd: the server writes its display number and a newline once
     * it accepts connections */
    while (got < (ssize_t)sizeof(buf) - 1 &&
           (n = read(out_fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
        got += n;
        if (memchr(buf, '\n', got)) {
            break;
        }
    }
    close(out_fd);
    g_assert_cmpint(got, >, 1);
    buf[got] = '\0';
    g_strstrip(buf);
    x->display = g_strdup_printf(":%s", buf);
    return true;
}

static void xvfb_stop(XServer *x)
{
    kill(x->pid, SIGTERM);
    waitpid(x->pid, NULL, 0);
    g_spawn_close_pid(x->pid);
    g_free(x->display);
}

/* The title of the top-level window whose name starts with "lapis", as
 * xwininfo prints it; NULL when xwininfo is missing or there is none. */
static char *window_title(const char *display)
{
    g_autofree char *xwininfo = g_find_program_in_path("xwininfo");
    g_autofree char *out = NULL;
    g_auto(GStrv) env = g_get_environ();
    const char *argv[] = { NULL, "-root", "-tree", NULL };
    const char *p, *end;

    if (!xwininfo) {
        return NULL;
    }
    argv[0] = xwininfo;
    env = g_environ_setenv(env, "DISPLAY", display, TRUE);
    if (!g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, NULL, NULL)) {
        return NULL;
    }
    p = strstr(out, "\"lapis");
    if (!p) {
        return g_strdup("");
    }
    end = strchr(p + 1, '"');
    return end ? g_strndup(p + 1, end - p - 1) : NULL;
}

/* Wait (up to 5 s) for the window title to become `want`. */
static void check_title(const char *display, const char *want)
{
    g_autofree char *title = NULL;

    for (int i = 0; i < 100; i++) {
        g_free(title);
        title = window_title(display);
        if (!title) {
            g_test_message("xwininfo (x11-utils) not installed: "
                           "title not checked");
            return;
        }
        if (strcmp(title, want) == 0) {
            return;
        }
        g_usleep(50 * 1000);
    }
    g_assert_cmpstr(title, ==, want);
}

typedef struct Live {
    XServer x;
    char *dir, *sock;
    GPid pid;
    QmpClient *qmp;
} Live;

/* Start lapis -display sdl -S under a fresh Xvfb; false (skipped) when it
 * cannot be done here. */
static bool live_start(Live *l)
{
    g_autofree char *qmp_arg = NULL;
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) err = NULL;
    const char *argv[16];
    int i = 0, err_fd, status;
    char errbuf[512] = "";
    ssize_t n;

    if (!need_sdl() || !xvfb_start(&l->x)) {
        return false;
    }
    l->dir = g_dir_make_tmp("lapis-sdl-XXXXXX", NULL);
    l->sock = g_build_filename(l->dir, "qmp.sock", NULL);
    qmp_arg = g_strdup_printf("unix:%s,server=on,wait=off", l->sock);
    argv[i++] = qtest_binary();
    argv[i++] = "-display";
    argv[i++] = "sdl";
    argv[i++] = "-device";
    argv[i++] = "isa-vga";
    argv[i++] = "-accel";
    argv[i++] = "qtest";
    argv[i++] = "-S";
    argv[i++] = "-qmp";
    argv[i++] = qmp_arg;
    argv[i++] = NULL;
    env = g_environ_setenv(env, "DISPLAY", l->x.display, TRUE);
    env = g_environ_setenv(env, "SDL_VIDEODRIVER", "x11", TRUE);
    env = g_environ_unsetenv(env, "WAYLAND_DISPLAY");
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, env,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &l->pid, NULL, NULL, &err_fd,
                                           &err));
    l->qmp = qmp_client_connect(l->sock, true, 5000);
    if (!l->qmp) {
        /* it exited: say why */
        waitpid(l->pid, &status, 0);
        n = read(err_fd, errbuf, sizeof(errbuf) - 1);
        errbuf[n > 0 ? n : 0] = '\0';
        close(err_fd);
        xvfb_stop(&l->x);
        if (strstr(errbuf, NOT_WIRED_MESSAGE)) {
            g_test_skip("the launcher does not pass -display sdl to "
                        "display_init() yet (softmmu/vl.c)");
            return false;
        }
        g_error("lapis -display sdl did not come up: %s", errbuf);
    }
    close(err_fd);
    return true;
}

/* Wait for lapis to exit 0, then stop the X server and clean up. */
static void live_finish(Live *l)
{
    int status = 0;

    qmp_client_close(l->qmp);
    g_assert_cmpint(waitpid(l->pid, &status, 0), ==, l->pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_spawn_close_pid(l->pid);
    xvfb_stop(&l->x);
    g_unlink(l->sock);
    g_rmdir(l->dir);
    g_free(l->sock);
    g_free(l->dir);
}

static void test_window_opens_and_quits_under_xvfb(void)
{
    Live l = { 0 };
    JsonObject *rsp, *ret;
    int status;

    if (!live_start(&l)) {
        return;
    }
    rsp = qmp_client_cmd(l.qmp, "{'execute': 'query-status'}");
    g_assert_false(qmp_rsp_is_err(rsp));
    ret = json_object_get_object_member(rsp, "return");
    g_assert_cmpstr(json_object_get_string_member(ret, "status"), ==,
                    "prelaunch");
    json_object_unref(rsp);
    check_title(l.x.display, "lapis [Prelaunch]");

    rsp = qmp_client_cmd(l.qmp, "{'execute': 'cont'}");
    g_assert_false(qmp_rsp_is_err(rsp));
    json_object_unref(rsp);
    check_title(l.x.display, "lapis [Running]");
    rsp = qmp_client_cmd(l.qmp, "{'execute': 'stop'}");
    g_assert_false(qmp_rsp_is_err(rsp));
    json_object_unref(rsp);
    check_title(l.x.display, "lapis [Paused]");

    /* still alive after some refreshes */
    g_usleep(300 * 1000);
    g_assert_cmpint(waitpid(l.pid, &status, WNOHANG), ==, 0);

    rsp = qmp_client_cmd(l.qmp, "{'execute': 'quit'}");
    json_object_unref(rsp);
    live_finish(&l);
}

/*
 * Ask the window to close as a window manager does: a WM_PROTOCOLS client
 * message carrying WM_DELETE_WINDOW, sent to the top-level window whose
 * name starts with "lapis". libX11 is loaded at run time so the test
 * builds without linking it. False (with the reason) where it cannot.
 */
static bool x_close_lapis_window(const char *display, const char **why)
{
#ifdef HAVE_XLIB_H
    void *lib = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);
    Display *(*open_display)(const char *);
    Status (*query_tree)(Display *, Window, Window *, Window *, Window **,
                         unsigned *);
    Status (*fetch_name)(Display *, Window, char **);
    Atom (*intern_atom)(Display *, const char *, Bool);
    Status (*send_event)(Display *, Window, Bool, long, XEvent *);
    int (*flush)(Display *);
    int (*close_display)(Display *);
    int (*xfree)(void *);
    Display *d;
    Window root, parent, *kids = NULL;
    unsigned n = 0;
    bool sent = false;

    if (!lib) {
        *why = "libX11.so.6 cannot be loaded";
        return false;
    }
    open_display = dlsym(lib, "XOpenDisplay");
    query_tree = dlsym(lib, "XQueryTree");
    fetch_name = dlsym(lib, "XFetchName");
    intern_atom = dlsym(lib, "XInternAtom");
    send_event = dlsym(lib, "XSendEvent");
    flush = dlsym(lib, "XFlush");
    close_display = dlsym(lib, "XCloseDisplay");
    xfree = dlsym(lib, "XFree");
    g_assert_true(open_display && query_tree && fetch_name && intern_atom &&
                  send_event && flush && close_display && xfree);
    d = open_display(display);
    g_assert_nonnull(d);
    g_assert_true(query_tree(d, DefaultRootWindow(d), &root, &parent, &kids,
                             &n));
    for (unsigned i = 0; i < n && !sent; i++) {
        char *name = NULL;
        if (fetch_name(d, kids[i], &name) && name &&
            g_str_has_prefix(name, "lapis")) {
            XEvent ev;
            memset(&ev, 0, sizeof(ev));
            ev.xclient.type = ClientMessage;
            ev.xclient.window = kids[i];
            ev.xclient.message_type = intern_atom(d, "WM_PROTOCOLS", False);
            ev.xclient.format = 32;
            ev.xclient.data.l[0] = intern_atom(d, "WM_DELETE_WINDOW", False);
            ev.xclient.data.l[1] = CurrentTime;
            sent = send_event(d, kids[i], False, NoEventMask, &ev);
        }
        if (name) {
            xfree(name);
        }
    }
    if (kids) {
        xfree(kids);
    }
    flush(d);
    close_display(d);
    dlclose(lib);
    g_assert_true(sent);
    return true;
#else
    *why = "built without the X11 headers (libx11-dev)";
    return false;
#endif
}

static void test_closing_window_shuts_down_with_host_ui(void)
{
    Live l = { 0 };
    JsonObject *ev, *data;
    const char *why = NULL;

    if (!live_start(&l)) {
        return;
    }
    check_title(l.x.display, "lapis [Prelaunch]");
    if (!x_close_lapis_window(l.x.display, &why)) {
        JsonObject *rsp = qmp_client_cmd(l.qmp, "{'execute': 'quit'}");
        json_object_unref(rsp);
        live_finish(&l);
        g_test_skip(why);
        return;
    }
    ev = qmp_client_eventwait(l.qmp, "SHUTDOWN", 5000);
    g_assert_nonnull(ev);
    data = json_object_get_object_member(ev, "data");
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-ui");
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    json_object_unref(ev);
    live_finish(&l);
}

static void test_no_x_display_fails_with_one_line(void)
{
    const char *args[] = { "-display", "sdl", "-device", "isa-vga",
                           "-accel", "qtest", "-S", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    if (!need_sdl()) {
        return;
    }
    g_unsetenv("DISPLAY");
    g_unsetenv("WAYLAND_DISPLAY");
    /* SDL's own choice: it must not settle for an invisible window */
    g_unsetenv("SDL_VIDEODRIVER");
    status = qtest_run_lapis(args, NULL, &out, &err, 10000);
    if (strstr(err, NOT_WIRED_MESSAGE)) {
        g_test_skip("the launcher does not pass -display sdl to "
                    "display_init() yet (softmmu/vl.c)");
        return;
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "SDL"));
    /* one line */
    g_assert_nonnull(strchr(err, '\n'));
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/display/sdl/window-opens-titles-run-state-and-quits",
                    test_window_opens_and_quits_under_xvfb);
    g_test_add_func("/display/sdl/closing-window-shuts-down-with-host-ui",
                    test_closing_window_shuts_down_with_host_ui);
    g_test_add_func("/display/sdl/no-x-display-fails-with-one-line",
                    test_no_x_display_fails_with_one_line);
    return g_test_run();
}
