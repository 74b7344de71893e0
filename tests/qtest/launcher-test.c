/*
 * Launcher tests: run the lapis binary with command lines a user would type
 * and check what it prints and how it exits — option spelling, the "help"
 * listings, one-line errors with exit status 1, accelerator fallback, and
 * that a start that fails half-way leaves no socket file behind. The runs
 * that must get past start-up use -accel qtest (no guest code) and a QMP
 * client on a unix socket to check the run state and to quit.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "libqtest.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_TIMEOUT_MS 20000

typedef struct RunResult {
    int status;
    char *out;
    char *err;
} RunResult;

static RunResult run_lapis(const char *const *args, const char *stdin_text)
{
    RunResult r = { 0 };

    r.status = qtest_run_lapis(args, stdin_text, &r.out, &r.err,
                               RUN_TIMEOUT_MS);
    if (!r.out) {
        r.out = g_strdup("");
    }
    if (!r.err) {
        r.err = g_strdup("");
    }
    return r;
}

static void run_result_clear(RunResult *r)
{
    g_free(r->out);
    g_free(r->err);
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

static void assert_exit_status(const RunResult *r, int expected)
{
    if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != expected) {
        g_test_message("status 0x%x, stdout:\n%s\nstderr:\n%s", r->status,
                       r->out, r->err);
    }
    g_assert_true(WIFEXITED(r->status));
    g_assert_cmpint(WEXITSTATUS(r->status), ==, expected);
}

/* Exit status 1 and exactly one error line on stderr, containing `needle`. */
static void assert_one_line_error(const char *const *args, const char *needle)
{
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 1);
    if (!strstr(r.err, needle) || count_lines(r.err) != 1) {
        g_test_message("expected one line with '%s', got:\n%s", needle, r.err);
    }
    g_assert_true(g_str_has_prefix(r.err, "lapis: "));
    g_assert_nonnull(strstr(r.err, needle));
    g_assert_cmpint(count_lines(r.err), ==, 1);
    run_result_clear(&r);
}

/* Exit status 1 with `needle` somewhere in what was printed on stderr. */
static void assert_error_mentions(const char *const *args, const char *needle)
{
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 1);
    if (!strstr(r.err, needle)) {
        g_test_message("expected '%s' in:\n%s", needle, r.err);
    }
    g_assert_nonnull(strstr(r.err, needle));
    run_result_clear(&r);
}

static void test_unknown_option_exits_1(void)
{
    const char *const args[] = { "-no-such-option", NULL };
    const char *const args2[] = { "--frobnicate", "x", NULL };

    assert_one_line_error(args, "lapis: -no-such-option: invalid option");
    assert_one_line_error(args2, "lapis: --frobnicate: invalid option");
}

static void test_missing_argument_exits_1(void)
{
    const char *const args[] = { "-m", NULL };
    const char *const args2[] = { "-accel", "qtest", "--kernel", NULL };

    assert_one_line_error(args, "lapis: -m: requires an argument");
    assert_one_line_error(args2, "lapis: --kernel: requires an argument");
}

static void test_version_one_and_two_dashes(void)
{
    const char *const spellings[] = { "-version", "--version" };

    for (size_t i = 0; i < G_N_ELEMENTS(spellings); i++) {
        const char *const args[] = { spellings[i], NULL };
        RunResult r = run_lapis(args, NULL);

        assert_exit_status(&r, 0);
        g_assert_true(g_str_has_prefix(r.out, "lapis version " LAPIS_VERSION "\n"));
        g_assert_cmpstr(r.err, ==, "");
        run_result_clear(&r);
    }
}

static void test_help_lists_every_option(void)
{
    static const char *const options[] = {
        "machine", "accel", "cpu", "smp", "m", "kernel", "append", "initrd",
        "device", "global", "serial", "chardev", "display", "nographic",
        "nodefaults", "vga", "qmp", "mon", "monitor", "qtest", "qtest-log",
        "S", "no-reboot", "no-shutdown", "d", "D", "trace", "name", "rtc",
        "icount", "version", "help",
    };
    const char *const args[] = { "--help", NULL };
    RunResult r = run_lapis(args, NULL);
    g_auto(GStrv) lines = NULL;

    assert_exit_status(&r, 0);
    lines = g_strsplit(r.out, "\n", -1);
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        g_autofree char *with_arg = g_strdup_printf("-%s ", options[i]);
        bool found = false;

        for (char **l = lines; *l && !found; l++) {
            found = g_str_has_prefix(*l, with_arg);
        }
        if (!found) {
            g_test_message("-help has no line for -%s", options[i]);
        }
        g_assert_true(found);
    }
    run_result_clear(&r);
}

static void test_machine_help_lists_pc(void)
{
    const char *const args[] = { "-machine", "help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_true(g_str_has_prefix(r.out, "Supported machines are:\n"));
    g_assert_nonnull(strstr(r.out, "\npc                   Standard PC (default)\n"));
    run_result_clear(&r);
}

static void test_device_help_lists_isa_devices(void)
{
    const char *const args[] = { "-device", "help", NULL };
    const char *const props[] = { "-device", "isa-serial,help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "isa-serial"));
    g_assert_nonnull(strstr(r.out, "isa-debug-exit"));
    /* The board's internal GSI fan-out is not user-creatable. */
    g_assert_null(strstr(r.out, "pc-gsi"));
    run_result_clear(&r);

    r = run_lapis(props, NULL);
    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "iobase"));
    g_assert_nonnull(strstr(r.out, "chardev"));
    run_result_clear(&r);
}

static void test_cpu_help_lists_models(void)
{
    const char *const args[] = { "-cpu", "help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "qemu64"));
    g_assert_nonnull(strstr(r.out, "max"));
    run_result_clear(&r);
}

static void test_accel_help_lists_accelerators(void)
{
    const char *const args[] = { "-accel", "help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "\nqtest\n"));
    g_assert_nonnull(strstr(r.out, "\nkvm\n"));
    run_result_clear(&r);
}

static void test_bad_memory_size_rejected(void)
{
    const char *const garbage[] = { "-m", "lots", NULL };
    const char *const zero[] = { "-m", "0", NULL };
    const char *const negative[] = { "-m", "-5", NULL };
    const char *const suffix[] = { "-m", "64X", NULL };
    /* 1 EiB: beyond any CPU model's physical address space. */
    const char *const huge[] = { "-accel", "qtest", "-display", "none",
                                 "-m", "1E", NULL };

    assert_one_line_error(garbage, "-m lots: ");
    assert_one_line_error(zero, "-m 0: RAM size must be at least 1 MiB");
    assert_one_line_error(negative, "-m -5: ");
    assert_one_line_error(suffix, "-m 64X: ");
    assert_one_line_error(huge, "-m");
}

static void test_smp_out_of_range_rejected(void)
{
    const char *const zero[] = { "-smp", "0", NULL };
    const char *const too_many[] = { "-smp", "300", NULL };
    const char *const cores[] = { "-smp", "4,cores=2", NULL };
    const char *const mismatch[] = { "-smp", "4,sockets=2", NULL };

    assert_one_line_error(zero, "-smp 0: ");
    assert_one_line_error(too_many, "The max CPUs supported by machine 'pc' is 255");
    assert_one_line_error(cores, "-smp 4,cores=2: ");
    assert_one_line_error(mismatch, "-smp 4,sockets=2: ");
}

static void test_unknown_machine_rejected(void)
{
    const char *const args[] = { "-machine", "foo", NULL };
    const char *const prop[] = { "-M", "pc,frobnicate=on", "-accel", "qtest", NULL };

    assert_one_line_error(args, "unsupported machine type \"foo\"");
    assert_one_line_error(prop, "frobnicate");
}

static void test_unknown_accel_rejected(void)
{
    const char *const args[] = { "-accel", "foo", NULL };

    assert_error_mentions(args, "lapis: -accel foo: invalid accelerator foo\n");
}

static void test_accel_and_machine_accel_incompatible(void)
{
    const char *const args[] = { "-accel", "qtest", "-machine", "accel=qtest", NULL };

    assert_one_line_error(args, "incompatible");
}

static void test_icount_shift_auto_refused(void)
{
    const char *const args[] = { "-icount", "shift=auto", NULL };

    assert_one_line_error(args, "-icount shift=auto: shift=auto");
}

static void test_icount_shift_out_of_range_refused(void)
{
    const char *const args[] = { "-icount", "11", NULL };

    assert_one_line_error(args, "shift must be 'auto' or 0..10, not '11'");
}

static void test_icount_without_shift_refused(void)
{
    const char *const args[] = { "-icount", "sleep=off", NULL };

    assert_one_line_error(args, "shift=N is missing");
}

static void test_icount_align_on_refused(void)
{
    const char *const args[] = { "-icount", "shift=3,align=on", NULL };

    assert_one_line_error(args, "align=on is not supported");
}

static void test_icount_with_kvm_refused(void)
{
    const char *const args[] = { "-icount", "shift=3", "-accel", "kvm",
                                 "-display", "none", NULL };

    assert_one_line_error(args,
                          "-icount is not allowed with hardware virtualization");
}

static void test_tcg_thread_multi_refused(void)
{
    const char *const args[] = { "-accel", "tcg,thread=multi", "-display",
                                 "none", NULL };

    assert_one_line_error(args, "-accel tcg,thread=multi: thread=multi");
}

static void test_tcg_thread_multi_with_icount_refused(void)
{
    const char *const args[] = { "-icount", "3", "-accel", "tcg,thread=multi",
                                 "-display", "none", NULL };

    assert_one_line_error(args, "No MTTCG when icount is enabled");
}

static void test_tcg_thread_bad_value_refused(void)
{
    const char *const args[] = { "-accel", "tcg,thread=many", "-display",
                                 "none", NULL };

    assert_one_line_error(args, "Invalid 'thread' setting many");
}

static void test_kvm_alone_without_dev_kvm_exits_1(void)
{
    const char *const args[] = { "-accel", "kvm", "-display", "none", NULL };
    RunResult r;

    g_setenv("LAPIS_KVM_DEVICE", "/nonexistent/kvm", TRUE);
    r = run_lapis(args, NULL);
    g_unsetenv("LAPIS_KVM_DEVICE");
    assert_exit_status(&r, 1);
    g_assert_nonnull(strstr(r.err, "failed to initialize kvm"));
    g_assert_nonnull(strstr(r.err, "no accelerator found"));
    run_result_clear(&r);
}

/*
 * A lapis process that gets past start-up, with QMP on a unix socket in a
 * fresh folder (the client connects once it listens, so nothing it sends can
 * race the greeting).
 */
typedef struct LiveLapis {
    GPid pid;
    int err_fd;
    char *dir;
    char *sock;
    QmpClient *qmp;
} LiveLapis;

static LiveLapis *live_start(const char *const *extra)
{
    LiveLapis *l = g_new0(LiveLapis, 1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    GError *err = NULL;

    l->dir = g_dir_make_tmp("lapis-launcher-XXXXXX", NULL);
    g_assert_nonnull(l->dir);
    l->sock = g_build_filename(l->dir, "qmp.sock", NULL);
    g_ptr_array_add(argv, g_strdup(qtest_binary()));
    for (int i = 0; extra[i]; i++) {
        g_ptr_array_add(argv, g_strdup(extra[i]));
    }
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-qmp"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off", l->sock));
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDOUT_TO_DEV_NULL,
                                  NULL, NULL, &l->pid, NULL, NULL, &l->err_fd,
                                  &err)) {
        g_error("cannot start %s: %s", qtest_binary(), err->message);
    }
    l->qmp = qmp_client_connect(l->sock, true, RUN_TIMEOUT_MS);
    if (!l->qmp) {
        kill(l->pid, SIGKILL);
    }
    g_assert_nonnull(l->qmp);
    return l;
}

/* Wait for the process to exit on its own; returns its wait() status and
 * what it printed on stderr, and frees everything. */
static int live_wait(LiveLapis *l, char **err_text)
{
    gint64 deadline = g_get_monotonic_time() + RUN_TIMEOUT_MS * 1000LL;
    GString *err = g_string_new(NULL);
    int status = -1;
    char buf[1024];
    ssize_t n;

    while (waitpid(l->pid, &status, WNOHANG) != l->pid) {
        if (g_get_monotonic_time() > deadline) {
            kill(l->pid, SIGKILL);
            waitpid(l->pid, &status, 0);
            status = -1;
            break;
        }
        g_usleep(10000);
    }
    while ((n = read(l->err_fd, buf, sizeof(buf))) > 0) {
        g_string_append_len(err, buf, n);
    }
    close(l->err_fd);
    qmp_client_close(l->qmp);
    g_spawn_close_pid(l->pid);
    unlink(l->sock);
    rmdir(l->dir);
    g_free(l->sock);
    g_free(l->dir);
    g_free(l);
    *err_text = g_string_free(err, FALSE);
    return status;
}

static const char *query_status(LiveLapis *l, JsonObject **rsp)
{
    JsonObject *ret;

    *rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"query-status\"}");
    g_assert_true(json_object_has_member(*rsp, "return"));
    ret = json_object_get_object_member(*rsp, "return");
    return json_object_get_string_member(ret, "status");
}

static void assert_status(LiveLapis *l, const char *expected)
{
    JsonObject *rsp;

    g_assert_cmpstr(query_status(l, &rsp), ==, expected);
    json_object_unref(rsp);
}

static void quit_and_check_exit_0(LiveLapis *l, char **err_text)
{
    JsonObject *rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"quit\"}");
    int status;

    json_object_unref(rsp);
    status = live_wait(l, err_text);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void check_falls_back_to_qtest(const char *const *args)
{
    LiveLapis *l;
    g_autofree char *err = NULL;

    /* Make KVM unavailable whatever this host has (accel/accel.h). */
    g_setenv("LAPIS_KVM_DEVICE", "/nonexistent/kvm", TRUE);
    l = live_start(args);
    g_unsetenv("LAPIS_KVM_DEVICE");
    assert_status(l, "running");
    quit_and_check_exit_0(l, &err);
    g_assert_nonnull(strstr(err, "-accel kvm: failed to initialize kvm: "));
    g_assert_nonnull(strstr(err, "lapis: falling back to qtest\n"));
}

static void test_machine_accel_list_falls_back(void)
{
    const char *const args[] = { "-machine", "accel=kvm:qtest", NULL };

    check_falls_back_to_qtest(args);
}

static void test_accel_repeated_falls_back(void)
{
    const char *const args[] = { "-accel", "kvm", "-accel", "qtest", NULL };

    check_falls_back_to_qtest(args);
}

static void test_qmp_quit_emits_shutdown_event(void)
{
    const char *const args[] = { "-accel", "qtest", NULL };
    LiveLapis *l = live_start(args);
    g_autofree char *err = NULL;
    JsonObject *rsp, *ev, *data;

    rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"quit\"}");
    json_object_unref(rsp);
    ev = qmp_client_eventwait(l->qmp, "SHUTDOWN", RUN_TIMEOUT_MS);
    g_assert_nonnull(ev);
    data = json_object_get_object_member(ev, "data");
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-quit");
    json_object_unref(ev);
    g_assert_cmpint(live_wait(l, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
}

/* thread=single and -icount with sleep=off are taken: the VM runs (no
 * kernel: the CPU executes from the reset vector) and quits through QMP. */
static void test_tcg_thread_single_with_icount_runs(void)
{
    const char *const args[] = { "-accel", "tcg,thread=single", "-icount",
                                 "shift=2,sleep=off", NULL };
    LiveLapis *l = live_start(args);
    g_autofree char *err = NULL;

    assert_status(l, "running");
    quit_and_check_exit_0(l, &err);
}

static void test_start_paused_then_cont_runs(void)
{
    const char *const args[] = { "-S", "-accel", "qtest", NULL };
    LiveLapis *l = live_start(args);
    g_autofree char *err = NULL;
    JsonObject *rsp, *ev;

    assert_status(l, "prelaunch");
    rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"cont\"}");
    json_object_unref(rsp);
    ev = qmp_client_eventwait(l->qmp, "RESUME", RUN_TIMEOUT_MS);
    g_assert_nonnull(ev);
    json_object_unref(ev);
    assert_status(l, "running");

    rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"stop\"}");
    json_object_unref(rsp);
    ev = qmp_client_eventwait(l->qmp, "STOP", RUN_TIMEOUT_MS);
    g_assert_nonnull(ev);
    json_object_unref(ev);
    assert_status(l, "paused");
    quit_and_check_exit_0(l, &err);
}

static void test_system_reset_emits_reset_event(void)
{
    const char *const args[] = { "-accel", "qtest", NULL };
    LiveLapis *l = live_start(args);
    g_autofree char *err = NULL;
    JsonObject *rsp, *ev, *data;

    rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"system_reset\"}");
    json_object_unref(rsp);
    ev = qmp_client_eventwait(l->qmp, "RESET", RUN_TIMEOUT_MS);
    g_assert_nonnull(ev);
    data = json_object_get_object_member(ev, "data");
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-system-reset");
    json_object_unref(ev);
    assert_status(l, "running");
    quit_and_check_exit_0(l, &err);
}

static void test_no_reboot_turns_reset_into_shutdown(void)
{
    const char *const args[] = { "-no-reboot", "-accel", "qtest", NULL };
    LiveLapis *l = live_start(args);
    g_autofree char *err = NULL;
    JsonObject *rsp, *ev, *data;
    int status;

    rsp = qmp_client_cmd(l->qmp, "{\"execute\": \"system_reset\"}");
    json_object_unref(rsp);
    ev = qmp_client_eventwait(l->qmp, "SHUTDOWN", RUN_TIMEOUT_MS);
    g_assert_nonnull(ev);
    data = json_object_get_object_member(ev, "data");
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-system-reset");
    json_object_unref(ev);
    status = live_wait(l, &err);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void test_device_bad_property_rejected(void)
{
    const char *const args[] = { "-accel", "qtest", "-display", "none",
                                 "-device", "isa-debug-exit,bogusprop=1", NULL };
    const char *const type[] = { "-accel", "qtest", "-display", "none",
                                 "-device", "no-such-device", NULL };

    assert_one_line_error(args, "bogusprop");
    assert_one_line_error(type, "no-such-device");
}

static void test_global_bad_spec_rejected(void)
{
    const char *const args[] = { "-global", "nodotnoequals", NULL };

    assert_one_line_error(args, "-global nodotnoequals: ");
}

static void test_d_help_lists_items(void)
{
    const char *const args[] = { "-d", "help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "guest_errors"));
    g_assert_nonnull(strstr(r.out, "unimp"));
    run_result_clear(&r);
}

static void test_d_unknown_item_rejected(void)
{
    const char *const args[] = { "-d", "bogus", NULL };

    assert_one_line_error(args, "-d bogus: ");
}

static void test_trace_help_lists_events(void)
{
    const char *const args[] = { "-trace", "help", NULL };
    RunResult r = run_lapis(args, NULL);

    assert_exit_status(&r, 0);
    g_assert_nonnull(strstr(r.out, "accel_set_current"));
    g_assert_nonnull(strstr(r.out, "pc_gsi_set_irq"));
    run_result_clear(&r);
}

static void test_kernel_missing_file_rejected(void)
{
    const char *const args[] = { "-kernel", "/nonexistent/lapis-kernel.elf", NULL };

    assert_one_line_error(args, "-kernel /nonexistent/lapis-kernel.elf: ");
}

static void test_serial_bogus_spec_rejected(void)
{
    const char *const args[] = { "-accel", "qtest", "-display", "none",
                                 "-serial", "bogus", NULL };

    assert_one_line_error(args, "-serial bogus: ");
}

/* Without a display server (or SDL2), -display sdl fails in one line. */
static void test_display_sdl_without_display_fails(void)
{
    const char *const args[] = { "-display", "sdl", NULL };
    g_autofree char *display = g_strdup(g_getenv("DISPLAY"));
    g_autofree char *wayland = g_strdup(g_getenv("WAYLAND_DISPLAY"));

    g_unsetenv("DISPLAY");
    g_unsetenv("WAYLAND_DISPLAY");
    assert_one_line_error(args, "-display sdl: ");
    if (display) {
        g_setenv("DISPLAY", display, TRUE);
    }
    if (wayland) {
        g_setenv("WAYLAND_DISPLAY", wayland, TRUE);
    }
}

static void test_mon_readline_rejected(void)
{
    const char *const args[] = { "-chardev", "null,id=m0", "-mon",
                                 "chardev=m0,mode=readline", NULL };

    assert_one_line_error(args, "only mode=control is supported");
}

static void test_failed_start_leaves_no_socket(void)
{
    g_autofree char *dir = g_dir_make_tmp("lapis-launcher-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    const char *const args[] = { "-accel", "qtest", "-display", "none",
                                 "-qmp", spec, "-device", "no-such-device", NULL };
    RunResult r;

    g_assert_nonnull(dir);
    r = run_lapis(args, NULL);
    assert_exit_status(&r, 1);
    g_assert_nonnull(strstr(r.err, "no-such-device"));
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    run_result_clear(&r);
    rmdir(dir);
}

/* --- the pc machine, seen over qtest --- */

/* 16550A LSR (offset 5): THR empty and transmitter empty after reset. */
#define UART_LSR_OFFSET 5
#define UART_LSR_IDLE   0x60

static void test_pc_ram_split_at_3_5g(void)
{
    QTestState *s = qtest_init("-m 4G");

    /* Below 3.5 GiB and from 4 GiB up: RAM; the hole between: unassigned. */
    qtest_writel(s, 0xDFFFFFFC, 0x11223344);
    g_assert_cmphex(qtest_readl(s, 0xDFFFFFFC), ==, 0x11223344);
    qtest_writel(s, 0x100000000ULL, 0x55667788);
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL), ==, 0x55667788);
    qtest_writel(s, 0x11FFFFFFCULL, 0xCAFEF00D);
    g_assert_cmphex(qtest_readl(s, 0x11FFFFFFCULL), ==, 0xCAFEF00D);
    qtest_writel(s, 0xE0000000, 0);
    g_assert_cmphex(qtest_readl(s, 0xE0000000), ==, 0xFFFFFFFF);
    /* 4 GiB of RAM: 3.5 below, 0.5 above, nothing past 4.5 GiB. */
    g_assert_cmphex(qtest_readl(s, 0x120000000ULL), ==, 0xFFFFFFFF);
    qtest_quit(s);
}

static void test_pc_small_ram_ends_where_asked(void)
{
    QTestState *s = qtest_init("-m 16M");

    qtest_writeb(s, 0xFFFFFF, 0x5A);
    g_assert_cmphex(qtest_readb(s, 0xFFFFFF), ==, 0x5A);
    g_assert_cmphex(qtest_readb(s, 0x1000000), ==, 0xFF);
    qtest_quit(s);
}

static void test_pc_default_serial_on_com1(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_inb(s, 0x3f8 + UART_LSR_OFFSET), ==, UART_LSR_IDLE);
    /* Only one port by default. */
    g_assert_cmphex(qtest_inb(s, 0x2f8 + UART_LSR_OFFSET), ==, 0xFF);
    qtest_quit(s);
}

static void test_pc_nodefaults_has_no_serial(void)
{
    QTestState *s = qtest_init("-nodefaults");

    g_assert_cmphex(qtest_inb(s, 0x3f8 + UART_LSR_OFFSET), ==, 0xFF);
    qtest_quit(s);
}

static void test_pc_serial_options_fill_com1_to_com4(void)
{
    QTestState *s = qtest_init("-serial null -serial null -serial null "
                               "-serial null");
    static const uint16_t bases[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

    for (size_t i = 0; i < G_N_ELEMENTS(bases); i++) {
        g_assert_cmphex(qtest_inb(s, bases[i] + UART_LSR_OFFSET), ==,
                        UART_LSR_IDLE);
    }
    qtest_quit(s);
}

static void test_pc_serial_irq_reaches_gsi(void)
{
    /*
     * THRE interrupt of COM1 on ISA IRQ 4: MCR.OUT2 (bit 3) gates the UART's
     * interrupt onto the bus on a PC; IER.ETBEI (bit 1) with THR empty.
     */
    QTestState *s = qtest_init("-serial null");

    qtest_irq_intercept_in(s, "/machine/gsi");
    qtest_outb(s, 0x3f8 + 4, 0x08);
    qtest_outb(s, 0x3f8 + 1, 0x02);
    g_assert_true(qtest_get_irq(s, 4));
    qtest_outb(s, 0x3f8 + 1, 0x00);
    g_assert_false(qtest_get_irq(s, 4));
    qtest_quit(s);
}

static void test_pc_device_serial_wired_to_its_irq(void)
{
    QTestState *s = qtest_init("-nodefaults -chardev null,id=c1 "
                               "-device isa-serial,iobase=0x2f8,irq=3,chardev=c1");

    qtest_irq_intercept_in(s, "/machine/gsi");
    qtest_outb(s, 0x2f8 + 4, 0x08);
    qtest_outb(s, 0x2f8 + 1, 0x02);
    g_assert_true(qtest_get_irq(s, 3));
    g_assert_false(qtest_get_irq(s, 4));
    qtest_quit(s);
}

static void test_debug_exit_sets_exit_status(void)
{
    QTestState *s = qtest_init("-device isa-debug-exit,iobase=0x501,iosize=2");
    int status;

    /* isa-debug-exit: writing V exits with (V << 1) | 1. */
    g_free(qtest_cmd(s, "outb 0x501 0x3"));
    status = qtest_wait_exit(s, RUN_TIMEOUT_MS);
    g_assert_true(status != -1 && WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 7);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/launcher/unknown-option-exits-1", test_unknown_option_exits_1);
    g_test_add_func("/launcher/missing-argument-exits-1",
                    test_missing_argument_exits_1);
    g_test_add_func("/launcher/version-one-and-two-dashes",
                    test_version_one_and_two_dashes);
    g_test_add_func("/launcher/help-lists-every-option",
                    test_help_lists_every_option);
    g_test_add_func("/launcher/machine-help-lists-pc", test_machine_help_lists_pc);
    g_test_add_func("/launcher/device-help-lists-isa-devices",
                    test_device_help_lists_isa_devices);
    g_test_add_func("/launcher/cpu-help-lists-models", test_cpu_help_lists_models);
    g_test_add_func("/launcher/accel-help-lists-accelerators",
                    test_accel_help_lists_accelerators);
    g_test_add_func("/launcher/bad-memory-size-rejected",
                    test_bad_memory_size_rejected);
    g_test_add_func("/launcher/smp-out-of-range-rejected",
                    test_smp_out_of_range_rejected);
    g_test_add_func("/launcher/unknown-machine-rejected",
                    test_unknown_machine_rejected);
    g_test_add_func("/launcher/unknown-accel-rejected", test_unknown_accel_rejected);
    g_test_add_func("/launcher/accel-and-machine-accel-incompatible",
                    test_accel_and_machine_accel_incompatible);
    g_test_add_func("/launcher/icount/shift-auto-refused",
                    test_icount_shift_auto_refused);
    g_test_add_func("/launcher/icount/shift-out-of-range-refused",
                    test_icount_shift_out_of_range_refused);
    g_test_add_func("/launcher/icount/without-shift-refused",
                    test_icount_without_shift_refused);
    g_test_add_func("/launcher/icount/align-on-refused",
                    test_icount_align_on_refused);
    g_test_add_func("/launcher/icount/with-kvm-refused",
                    test_icount_with_kvm_refused);
    g_test_add_func("/launcher/tcg/thread-multi-refused",
                    test_tcg_thread_multi_refused);
    g_test_add_func("/launcher/tcg/thread-multi-with-icount-refused",
                    test_tcg_thread_multi_with_icount_refused);
    g_test_add_func("/launcher/tcg/thread-bad-value-refused",
                    test_tcg_thread_bad_value_refused);
    g_test_add_func("/launcher/tcg/thread-single-with-icount-runs",
                    test_tcg_thread_single_with_icount_runs);
    g_test_add_func("/launcher/kvm-alone-without-dev-kvm-exits-1",
                    test_kvm_alone_without_dev_kvm_exits_1);
    g_test_add_func("/launcher/machine-accel-list-falls-back",
                    test_machine_accel_list_falls_back);
    g_test_add_func("/launcher/accel-repeated-falls-back",
                    test_accel_repeated_falls_back);
    g_test_add_func("/launcher/qmp-quit-emits-shutdown-event",
                    test_qmp_quit_emits_shutdown_event);
    g_test_add_func("/launcher/start-paused-then-cont-runs",
                    test_start_paused_then_cont_runs);
    g_test_add_func("/launcher/system-reset-emits-reset-event",
                    test_system_reset_emits_reset_event);
    g_test_add_func("/launcher/no-reboot-turns-reset-into-shutdown",
                    test_no_reboot_turns_reset_into_shutdown);
    g_test_add_func("/launcher/device-bad-property-rejected",
                    test_device_bad_property_rejected);
    g_test_add_func("/launcher/global-bad-spec-rejected",
                    test_global_bad_spec_rejected);
    g_test_add_func("/launcher/d-help-lists-items", test_d_help_lists_items);
    g_test_add_func("/launcher/d-unknown-item-rejected",
                    test_d_unknown_item_rejected);
    g_test_add_func("/launcher/trace-help-lists-events",
                    test_trace_help_lists_events);
    g_test_add_func("/launcher/kernel-missing-file-rejected",
                    test_kernel_missing_file_rejected);
    g_test_add_func("/launcher/serial-bogus-spec-rejected",
                    test_serial_bogus_spec_rejected);
    g_test_add_func("/launcher/display-sdl-without-display-fails",
                    test_display_sdl_without_display_fails);
    g_test_add_func("/launcher/mon-readline-rejected", test_mon_readline_rejected);
    g_test_add_func("/launcher/failed-start-leaves-no-socket",
                    test_failed_start_leaves_no_socket);
    g_test_add_func("/launcher/pc/ram-split-at-3.5g", test_pc_ram_split_at_3_5g);
    g_test_add_func("/launcher/pc/small-ram-ends-where-asked",
                    test_pc_small_ram_ends_where_asked);
    g_test_add_func("/launcher/pc/default-serial-on-com1",
                    test_pc_default_serial_on_com1);
    g_test_add_func("/launcher/pc/nodefaults-has-no-serial",
                    test_pc_nodefaults_has_no_serial);
    g_test_add_func("/launcher/pc/serial-options-fill-com1-to-com4",
                    test_pc_serial_options_fill_com1_to_com4);
    g_test_add_func("/launcher/pc/serial-irq-reaches-gsi",
                    test_pc_serial_irq_reaches_gsi);
    g_test_add_func("/launcher/pc/device-serial-wired-to-its-irq",
                    test_pc_device_serial_wired_to_its_irq);
    g_test_add_func("/launcher/debug-exit-sets-exit-status",
                    test_debug_exit_sets_exit_status);
    return g_test_run();
}
