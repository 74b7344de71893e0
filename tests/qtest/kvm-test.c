/*
 * The kvm accelerator through the real binary: option checking, the
 * fallback list, QMP's view of the irqchip (query-kvm, x-query-irqchip,
 * `info irqchip`), and a Multiboot guest that prints over the UART and
 * leaves through isa-debug-exit under -accel kvm. Tests that need a usable
 * /dev/kvm (open, API version 12, KVM_CREATE_VM) skip with the reason where
 * it is not; the others run everywhere.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "libqtest.h"
#include "config-host.h"

/* Values from linux/kvm.h, so this test builds without the header. */
#define KVM_IO              0xAE
#define KVM_GET_API_VERSION _IO(KVM_IO, 0x00)
#define KVM_CREATE_VM       _IO(KVM_IO, 0x01)

#define RUN_TIMEOUT_MS 20000

/* NULL when /dev/kvm can run a VM, else why not. */
static const char *kvm_unusable_reason(void)
{
    static char *reason;
    static bool probed;
    int fd, vm;

    if (probed) {
        return reason;
    }
    probed = true;
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        reason = g_strdup_printf("/dev/kvm: %s", g_strerror(errno));
        return reason;
    }
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != 12) {
        reason = g_strdup("/dev/kvm: KVM API version is not 12");
    } else if ((vm = ioctl(fd, KVM_CREATE_VM, 0)) < 0) {
        reason = g_strdup_printf("KVM_CREATE_VM: %s", g_strerror(errno));
    } else {
        close(vm);
    }
    close(fd);
    return reason;
}

#ifdef CONFIG_KVM
#define KVM_BUILT 1
#else
#define KVM_BUILT 0
#endif

/* The kvm accelerator's own options exist only where it is built. */
#define NEED_KVM_BUILD() \
    do { \
        if (!KVM_BUILT) { \
            g_test_skip("lapis is built without KVM"); \
            return; \
        } \
    } while (0)

#define NEED_KVM() \
    do { \
        NEED_KVM_BUILD(); \
        if (kvm_unusable_reason()) { \
            g_test_skip(kvm_unusable_reason()); \
            return; \
        } \
    } while (0)

static int count_lines(const char *s)
{
    int n = 0;

    for (; s && *s; s++) {
        n += *s == '\n';
    }
    return n;
}

static void test_bad_irqchip_value_exits_1(void)
{
    const char *args[] = { "-accel", "kvm,kernel-irqchip=sometimes",
                           "-display", "none", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    NEED_KVM_BUILD();
    status = qtest_run_lapis(args, NULL, &out, &err, RUN_TIMEOUT_MS);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "kernel-irqchip"));
    g_assert_nonnull(strstr(err, "'sometimes'"));
    g_assert_cmpint(count_lines(err), ==, 1);
}

static void test_unknown_property_exits_1(void)
{
    const char *args[] = { "-accel", "kvm,turbo=on", "-display", "none",
                           NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    NEED_KVM_BUILD();
    status = qtest_run_lapis(args, NULL, &out, &err, RUN_TIMEOUT_MS);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "kvm.turbo"));
}

static void test_kvm_alone_without_kvm_exits_1(void)
{
    const char *args[] = { "-accel", "kvm", "-display", "none", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    if (KVM_BUILT && !kvm_unusable_reason()) {
        g_test_skip("this host has a usable /dev/kvm");
        return;
    }
    status = qtest_run_lapis(args, NULL, &out, &err, RUN_TIMEOUT_MS);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "kvm"));
}

/* Start lapis with a QMP socket and the given accelerator arguments. */
static QmpClient *start_with_qmp(const char *const *accel_args, GPid *pid,
                                 char **tmpdir, int *err_fd)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) gerr = NULL;
    g_autofree char *sock = NULL;
    QmpClient *c;

    *tmpdir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    g_assert_nonnull(*tmpdir);
    sock = g_build_filename(*tmpdir, "qmp.sock", NULL);
    g_ptr_array_add(argv, g_strdup(qtest_binary()));
    for (int i = 0; accel_args[i]; i++) {
        g_ptr_array_add(argv, g_strdup(accel_args[i]));
    }
    g_ptr_array_add(argv, g_strdup("-S"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-serial"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-qmp"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s,server=on,wait=off", sock));
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, pid, NULL, NULL, err_fd,
                                           &gerr));
    c = qmp_client_connect(sock, true, RUN_TIMEOUT_MS);
    g_assert_nonnull(c);
    return c;
}

static void stop_with_qmp(QmpClient *c, GPid pid, char *tmpdir, int err_fd)
{
    JsonObject *rsp = qmp_client_cmd(c, "{'execute': 'quit'}");
    int status = 0;

    if (rsp) {
        json_object_unref(rsp);
    }
    qmp_client_close(c);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    close(err_fd);
    g_autofree char *sock = g_build_filename(tmpdir, "qmp.sock", NULL);
    g_unlink(sock);
    g_rmdir(tmpdir);
    g_free(tmpdir);
}

static char *read_all(int fd)
{
    GString *s = g_string_new(NULL);
    char buf[512];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        g_string_append_len(s, buf, n);
    }
    return g_string_free(s, FALSE);
}

static JsonObject *ret_obj(JsonObject *rsp)
{
    g_assert_nonnull(rsp);
    g_assert_true(json_object_has_member(rsp, "return"));
    return json_object_get_object_member(rsp, "return");
}

static void test_qmp_irqchip_under_kvm(void)
{
    const char *accel[] = { "-accel", "kvm", NULL };
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    JsonObject *rsp, *r;

    NEED_KVM();
    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);

    rsp = qmp_client_cmd(c, "{'execute': 'query-kvm'}");
    r = ret_obj(rsp);
    g_assert_true(json_object_get_boolean_member(r, "enabled"));
    g_assert_true(json_object_get_boolean_member(r, "present"));
    json_object_unref(rsp);

    rsp = qmp_client_cmd(c, "{'execute': 'x-query-irqchip'}");
    r = ret_obj(rsp);
    g_assert_cmpstr(json_object_get_string_member(r, "accelerator"), ==, "kvm");
    g_assert_cmpstr(json_object_get_string_member(r, "kernel-irqchip"), ==,
                    "on");
    g_assert_cmpstr(json_object_get_string_member(r, "lapic"), ==, "kernel");
    g_assert_cmpstr(json_object_get_string_member(r, "ioapic"), ==, "kernel");
    g_assert_cmpstr(json_object_get_string_member(r, "pic"), ==, "kernel");
    g_assert_true(json_object_has_member(r, "apic-virtualization-active"));
    json_object_unref(rsp);

    rsp = qmp_client_cmd(c, "{'execute': 'human-monitor-command', "
                            "'arguments': {'command-line': 'info irqchip'}}");
    g_assert_nonnull(rsp);
    g_assert_nonnull(strstr(json_object_get_string_member(rsp, "return"),
                            "kernel-irqchip: on"));
    json_object_unref(rsp);

    /* Stopped at the reset vector (-S): the kernel's registers read back. */
    rsp = qmp_client_cmd(c, "{'execute': 'human-monitor-command', "
                            "'arguments': {'command-line': 'info registers'}}");
    g_assert_nonnull(rsp);
    g_assert_nonnull(strstr(json_object_get_string_member(rsp, "return"),
                            "EIP=0000fff0"));
    g_assert_nonnull(strstr(json_object_get_string_member(rsp, "return"),
                            "CS =f000 ffff0000"));
    json_object_unref(rsp);
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

static void test_qmp_irqchip_split(void)
{
    const char *accel[] = { "-accel", "kvm,kernel-irqchip=split", NULL };
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    JsonObject *rsp, *r;

    NEED_KVM();
    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);
    rsp = qmp_client_cmd(c, "{'execute': 'x-query-irqchip'}");
    r = ret_obj(rsp);
    g_assert_cmpstr(json_object_get_string_member(r, "kernel-irqchip"), ==,
                    "split");
    g_assert_cmpstr(json_object_get_string_member(r, "lapic"), ==, "kernel");
    g_assert_cmpstr(json_object_get_string_member(r, "ioapic"), ==,
                    "userspace");
    g_assert_cmpstr(json_object_get_string_member(r, "pic"), ==, "userspace");
    json_object_unref(rsp);
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

/* kernel-irqchip=off: every controller is ours (QMP says so), and the
 * LAPIC page reaches our LAPIC (the Multiboot guest below reads its
 * version register and exits with 0x14 * 2 + 1). */
static void test_irqchip_off_userspace(void)
{
    const char *accel[] = { "-accel", "kvm,kernel-irqchip=off", NULL };
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    JsonObject *rsp, *r;

    NEED_KVM();
    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);
    rsp = qmp_client_cmd(c, "{'execute': 'x-query-irqchip'}");
    r = ret_obj(rsp);
    g_assert_cmpstr(json_object_get_string_member(r, "kernel-irqchip"), ==,
                    "off");
    g_assert_cmpstr(json_object_get_string_member(r, "lapic"), ==,
                    "userspace");
    g_assert_cmpstr(json_object_get_string_member(r, "ioapic"), ==,
                    "userspace");
    g_assert_cmpstr(json_object_get_string_member(r, "pic"), ==, "userspace");
    json_object_unref(rsp);
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

/* -accel kvm -accel qtest: kvm where it works, else qtest with a notice. */
static void test_fallback_list(void)
{
    const char *accel[] = { "-accel", "kvm", "-accel", "qtest", NULL };
    bool have_kvm = KVM_BUILT && !kvm_unusable_reason();
    g_autofree char *err = NULL;
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    JsonObject *rsp, *r;

    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);
    rsp = qmp_client_cmd(c, "{'execute': 'x-query-irqchip'}");
    r = ret_obj(rsp);
    g_assert_cmpstr(json_object_get_string_member(r, "accelerator"), ==,
                    have_kvm ? "kvm" : "qtest");
    g_assert_cmpstr(json_object_get_string_member(r, "lapic"), ==,
                    have_kvm ? "kernel" : "userspace");
    json_object_unref(rsp);
    rsp = qmp_client_cmd(c, "{'execute': 'query-kvm'}");
    r = ret_obj(rsp);
    g_assert_cmpint(json_object_get_boolean_member(r, "enabled"), ==,
                    have_kvm);
    json_object_unref(rsp);
    qmp_client_close(c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
    err = read_all(err_fd);
    close(err_fd);
    if (have_kvm) {
        g_assert_null(strstr(err, "falling back"));
    } else {
        g_assert_nonnull(strstr(err, "falling back to qtest"));
    }
    g_autofree char *sock = g_build_filename(tmpdir, "qmp.sock", NULL);
    g_unlink(sock);
    g_rmdir(tmpdir);
    g_free(tmpdir);
}

/*
 * A Multiboot image with the a.out kludge (header flags bit 16), loaded at
 * 1 MiB and entered at 0x100020 (GNU as, .code32): if EAX is 0x2BADB002,
 * read the LAPIC version register (0xFEE00030), print "KVM\n" on COM1 and
 * write the version's low byte to isa-debug-exit (status 0x14*2+1 = 41);
 * otherwise write 0x7F (status 255).
 */
static const unsigned char multiboot_image[] = {
    0x02, 0xb0, 0xad, 0x1b, 0x00, 0x00, 0x01, 0x00, 0xfe, 0x4f, 0x51, 0xe4,
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x3d, 0x02, 0xb0, 0xad,
    0x2b, 0x75, 0x25, 0x8b, 0x0d, 0x30, 0x00, 0xe0, 0xfe, 0x66, 0xba, 0xf8,
    0x03, 0xb0, 0x4b, 0xee, 0xb0, 0x56, 0xee, 0xb0, 0x4d, 0xee, 0xb0, 0x0a,
    0xee, 0x66, 0xba, 0xf4, 0x00, 0x89, 0xc8, 0x25, 0xff, 0x00, 0x00, 0x00,
    0xef, 0xf4, 0xeb, 0xfd, 0x66, 0xba, 0xf4, 0x00, 0xb8, 0x7f, 0x00, 0x00,
    0x00, 0xef, 0xeb, 0xf1,
};

static void check_multiboot_guest_runs(const char *accel_arg)
{
    g_autofree char *dir = NULL, *img = NULL, *out = NULL, *err = NULL;
    int status;

    NEED_KVM();
    dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    img = g_build_filename(dir, "guest.bin", NULL);
    g_assert_true(g_file_set_contents(img, (const char *)multiboot_image,
                                      sizeof(multiboot_image), NULL));
    {
        const char *args[] = { "-accel", accel_arg, "-kernel", img,
                               "-nographic",
                               "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                               NULL };
        status = qtest_run_lapis(args, NULL, &out, &err, RUN_TIMEOUT_MS);
    }
    g_unlink(img);
    g_rmdir(dir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
        strstr(err, "not implemented")) {
        g_test_skip("-kernel (Multiboot loading) is not implemented yet");
        return;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 41) {
        g_test_message("status 0x%x\nstdout:\n%s\nstderr:\n%s", status, out,
                       err);
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 41);
    g_assert_nonnull(strstr(out, "KVM\n") ? strstr(out, "KVM\n")
                                          : strstr(out, "KVM\r\n"));
}

static void test_multiboot_guest_runs(void)
{
    check_multiboot_guest_runs("kvm");
}

static void test_multiboot_guest_runs_split(void)
{
    check_multiboot_guest_runs("kvm,kernel-irqchip=split");
}

static void test_multiboot_guest_runs_off(void)
{
    check_multiboot_guest_runs("kvm,kernel-irqchip=off");
}

/*
 * The Multiboot guest above with one more instruction after the magic
 * check: an SMI to itself through the ICR (0xFEE00300 = 0x00000200:
 * delivery mode SMI, physical destination APIC ID 0 from the zeroed ICR
 * high half; the self shorthand allows only fixed delivery, SDM vol. 3A
 * 12.6.1). Exit status 41 again when the guest goes on.
 */
static const unsigned char multiboot_smi_image[] = {
    0x02, 0xb0, 0xad, 0x1b, 0x00, 0x00, 0x01, 0x00, 0xfe, 0x4f, 0x51, 0xe4,
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x3d, 0x02, 0xb0, 0xad,
    0x2b, 0x75, 0x2f, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x02, 0x00,
    0x00, 0x8b, 0x0d, 0x30, 0x00, 0xe0, 0xfe, 0x66, 0xba, 0xf8, 0x03, 0xb0,
    0x4b, 0xee, 0xb0, 0x56, 0xee, 0xb0, 0x4d, 0xee, 0xb0, 0x0a, 0xee, 0x66,
    0xba, 0xf4, 0x00, 0x89, 0xc8, 0x25, 0xff, 0x00, 0x00, 0x00, 0xef, 0xf4,
    0xeb, 0xfd, 0x66, 0xba, 0xf4, 0x00, 0xb8, 0x7f, 0x00, 0x00, 0x00, 0xef,
    0xeb, 0xf1,
};

/*
 * kernel-irqchip=off: an SMI our LAPIC accepts goes to the kernel with
 * KVM_SMI where it has SMM (KVM_CAP_X86_SMM); elsewhere it is dropped with
 * a line under -d unimp, and the guest goes on.
 */
static void test_smi_off_logged_without_smm(void)
{
    g_autofree char *dir = NULL, *img = NULL, *log = NULL, *text = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int status;

    NEED_KVM();
    dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    img = g_build_filename(dir, "guest.bin", NULL);
    log = g_build_filename(dir, "unimp.log", NULL);
    g_assert_true(g_file_set_contents(img, (const char *)multiboot_smi_image,
                                      sizeof(multiboot_smi_image), NULL));
    {
        const char *args[] = { "-accel", "kvm,kernel-irqchip=off", "-kernel",
                               img, "-nographic", "-d", "unimp", "-D", log,
                               "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                               NULL };
        status = qtest_run_lapis(args, NULL, &out, &err, RUN_TIMEOUT_MS);
    }
    g_file_get_contents(log, &text, NULL, NULL);
    g_unlink(img);
    g_unlink(log);
    g_rmdir(dir);
    g_test_message("status 0x%x\nstderr:\n%s\nlog:\n%s", status, err,
                   text ? text : "");
    if (!text || !strstr(text, "SMI dropped")) {
        if (WIFEXITED(status) && WEXITSTATUS(status) != 41) {
            g_test_skip("this host's KVM has SMM: the SMI went in with "
                        "KVM_SMI, and the guest has no SMM handler");
            return;
        }
    }
    g_assert_nonnull(text);
    g_assert_nonnull(strstr(text, "CPU 0: SMI dropped"));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 41);
}

/* `human-monitor-command` text (the test fails if it is missing). */
static char *hmp(QmpClient *c, const char *cmdline)
{
    g_autofree char *cmd = g_strdup_printf(
        "{'execute': 'human-monitor-command', "
        "'arguments': {'command-line': '%s'}}", cmdline);
    JsonObject *rsp = qmp_client_cmd(c, cmd);
    char *text;

    g_assert_nonnull(rsp);
    g_assert_true(json_object_has_member(rsp, "return"));
    text = g_strdup(json_object_get_string_member(rsp, "return"));
    json_object_unref(rsp);
    return text;
}

static int count_substr(const char *s, const char *needle)
{
    int n = 0;

    while (s && (s = strstr(s, needle))) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* `info lapic` reads the kernel's LAPIC of the BSP: APIC ID 0, enabled
 * (xAPIC, BSP flag) at the default base, version 0x14, software-disabled
 * (SVR 0xFF) with the timer LVT masked, before the guest has run. */
static void check_info_lapic(const char *accel_arg)
{
    const char *accel[] = { "-accel", accel_arg, NULL };
    g_autofree char *text = NULL, *by_id = NULL, *bad = NULL;
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    const char *v;

    NEED_KVM();
    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);
    text = hmp(c, "info lapic");
    g_test_message("%s", text);
    g_assert_nonnull(strstr(text, "dump APIC state for CPU 0"));
    g_assert_nonnull(strstr(text, "xAPIC BSP base 0xfee00000"));
    g_assert_nonnull(strstr(text, "ID       0x00000000 (initial 0x0)"));
    v = strstr(text, "VERSION 0x");
    g_assert_nonnull(v);
    g_assert_cmphex(strtoul(v + 8, NULL, 16) & 0xff, ==, 0x14);
    v = strstr(text, "KVM      LVR 0x");
    g_assert_nonnull(v);
    g_assert_cmphex(strtoul(v + 13, NULL, 16) & 0xff, ==, 0x14);
    g_assert_nonnull(strstr(text, "SPIV     0x000000ff APIC disabled"));
    g_assert_nonnull(strstr(text, "LVTT     0x00010000"));
    /* By APIC ID, and an ID no CPU has. */
    by_id = hmp(c, "info lapic 0");
    g_assert_nonnull(strstr(by_id, "dump APIC state for CPU 0"));
    bad = hmp(c, "info lapic 7");
    g_assert_nonnull(strstr(bad, "No local APIC with APIC ID 7"));
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

static void test_info_lapic_on(void)
{
    check_info_lapic("kvm");
}

static void test_info_lapic_split(void)
{
    check_info_lapic("kvm,kernel-irqchip=split");
}

/* `info ioapic` and `info pic` read the kernel's chips: 24 masked pins,
 * and two 8259s in their reset state (ELCR readable). */
static void test_info_ioapic_pic_on(void)
{
    const char *accel[] = { "-accel", "kvm", NULL };
    g_autofree char *io = NULL, *pic = NULL;
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;

    NEED_KVM();
    c = start_with_qmp(accel, &pid, &tmpdir, &err_fd);
    io = hmp(c, "info ioapic");
    g_test_message("%s", io);
    g_assert_nonnull(strstr(io, "ioapic0: ver=0x11 id=0x00"));
    g_assert_cmpint(count_substr(io, "  pin "), ==, 24);
    g_assert_nonnull(strstr(io, "  pin 23 "));
    g_assert_cmpint(count_substr(io, " masked "), ==, 24);
    pic = hmp(c, "info pic");
    g_test_message("%s", pic);
    g_assert_nonnull(strstr(pic, "pic0: irr="));
    g_assert_nonnull(strstr(pic, "pic1: irr="));
    g_assert_null(strstr(pic, "not present"));
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

/*
 * `info irq` with an in-kernel irqchip counts what lapis hands the kernel:
 * the firmware RTC guest (tests/guest/firmware/rtc.c) runs the RTC's
 * periodic interrupt on ISA IRQ 8 through the IOAPIC. Under on the line
 * goes in with KVM_IRQ_LINE (GSI 8 counted); under split our IOAPIC sends
 * an MSI per interrupt (a fixed vector to APIC ID 0). Both say what the
 * kernel does not report.
 */
static void check_info_irq(const char *accel_arg, const char *want)
{
    g_autofree char *img = g_build_filename(LAPIS_BUILD_DIR, "tests", "guest",
                                            "firmware", "fw-rtc-64.img",
                                            NULL);
    const char *args[] = { "-accel", accel_arg, "-kernel", img, NULL };
    g_autofree char *text = NULL;
    JsonObject *rsp;
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    gint64 end;

    NEED_KVM();
    if (!g_file_test(img, G_FILE_TEST_EXISTS)) {
        g_test_skip("no fw-rtc-64.img in the build folder (gcc/objcopy "
                    "missing?)");
        return;
    }
    c = start_with_qmp(args, &pid, &tmpdir, &err_fd);
    rsp = qmp_client_cmd(c, "{'execute': 'cont'}");
    g_assert_nonnull(rsp);
    json_object_unref(rsp);
    end = g_get_monotonic_time() + (gint64)RUN_TIMEOUT_MS * 1000;
    do {
        g_free(text);
        g_usleep(50000);
        text = hmp(c, "info irq");
    } while (!strstr(text, want) && g_get_monotonic_time() < end);
    g_test_message("%s", text);
    if (!strstr(text, want)) {
        kill(pid, SIGKILL);
    }
    g_assert_nonnull(strstr(text, want));
    g_assert_nonnull(strstr(text, "Not available with kernel-irqchip="));
    g_assert_nonnull(strstr(text, "which CPU accepted each vector"));
    stop_with_qmp(c, pid, tmpdir, err_fd);
}

static void test_info_irq_on(void)
{
    check_info_irq("kvm", "\n 8: ");
}

static void test_info_irq_split(void)
{
    check_info_irq("kvm,kernel-irqchip=split", " fixed -> APIC ID 0x0: ");
}

/* Wait until `path` holds `n` copies of `needle` (or time runs out). */
static bool wait_file_count(const char *path, const char *needle, int n)
{
    gint64 end = g_get_monotonic_time() + (gint64)RUN_TIMEOUT_MS * 1000;

    do {
        g_autofree char *text = NULL;
        if (g_file_get_contents(path, &text, NULL, NULL) &&
            count_substr(text, needle) >= n) {
            return true;
        }
        g_usleep(20000);
    } while (g_get_monotonic_time() < end);
    return false;
}

/*
 * The Multiboot guest above, without isa-debug-exit: it prints "KVM" and
 * halts with interrupts off. system_reset must bring it back through the
 * boot path (a second "KVM"), with the kernel's LAPIC back in its RESET
 * state. Run in each in-kernel irqchip mode.
 */
static void check_reset_keeps_guest_working(const char *accel_arg)
{
    g_autofree char *dir = NULL, *img = NULL, *serial = NULL;
    g_autofree char *serial_arg = NULL, *lapic = NULL;
    char *tmpdir;
    GPid pid;
    int err_fd;
    QmpClient *c;
    JsonObject *rsp;

    NEED_KVM();
    dir = g_dir_make_tmp("kvm-test-XXXXXX", NULL);
    img = g_build_filename(dir, "guest.bin", NULL);
    serial = g_build_filename(dir, "com1.txt", NULL);
    serial_arg = g_strdup_printf("file:%s", serial);
    g_assert_true(g_file_set_contents(img, (const char *)multiboot_image,
                                      sizeof(multiboot_image), NULL));
    {
        const char *args[] = { "-accel", accel_arg, "-kernel", img,
                               "-serial", serial_arg, NULL };
        c = start_with_qmp(args, &pid, &tmpdir, &err_fd);
    }
    rsp = qmp_client_cmd(c, "{'execute': 'cont'}");
    ret_obj(rsp);
    json_object_unref(rsp);
    g_assert_true(wait_file_count(serial, "KVM", 1));
    rsp = qmp_client_cmd(c, "{'execute': 'system_reset'}");
    ret_obj(rsp);
    json_object_unref(rsp);
    g_assert_true(wait_file_count(serial, "KVM", 2));
    lapic = hmp(c, "info lapic");
    g_assert_nonnull(strstr(lapic, "SPIV     0x000000ff"));
    g_assert_nonnull(strstr(lapic, "ISR      (none)"));
    stop_with_qmp(c, pid, tmpdir, err_fd);
    g_unlink(img);
    g_unlink(serial);
    g_rmdir(dir);
}

static void test_reset_on(void)
{
    check_reset_keeps_guest_working("kvm");
}

static void test_reset_split(void)
{
    check_reset_keeps_guest_working("kvm,kernel-irqchip=split");
}

/*
 * The guest-program suite (tests/guest, built into the build folder) again
 * under -accel kvm, as run-guest-test.py runs it: exit status 1 and a
 * "PASS:" line on COM1, except where tests/guest/meson.build says otherwise
 * (guest_expect, repeated here).
 */
typedef struct GuestRun {
    char *img;
    char *stem;                 /* "triple-fault-32" */
    const char *accel;          /* the -accel argument */
} GuestRun;

static const struct { const char *name; int status; const char *line; }
guest_expect[] = {
    { "triple-fault", 0, "about to triple fault" },
};

/* Extra arguments per test (tests/guest/meson.build's guest_extra, minus
 * mbinfo's files); at most 8. */
static const struct { const char *name; const char *args[9]; }
guest_extra[] = {
    { "io", { "-device", "pc-testdev" } },
    { "irq-smp1", { "-smp", "1", "-append", "cpus=1" } },
    { "irq-smp2", { "-smp", "2", "-append", "cpus=2" } },
    { "irq-smp4", { "-smp", "4", "-append", "cpus=4" } },
    { "irq-smp8", { "-smp", "8", "-append", "cpus=8" } },
    { "irq-ipi", { "-smp", "4", "-cpu", "max" } },
    { "irq-timer", { "-cpu", "max" } },
    { "irq-ioapic", { "-smp", "2", "-cpu", "max", "-device", "pc-testdev" } },
    { "irq-pic", { "-device", "pc-testdev" } },
    { "irq-sync", { "-device", "pc-testdev" } },
    { "irq-apic-base", { "-cpu", "max" } },
};

/*
 * Where this host, not lapis, decides the result: such a test skips with
 * the reason when it fails here (and still runs, so a host without the
 * limit asserts it).
 *   tsc: lapis warned that the guest's TSC runs at the host's rate, not
 *        the model's 2 GHz (no KVM_CAP_TSC_CONTROL): irq-timer's bounds
 *        are in 2 GHz TSC ticks.
 *   pvm_off: PVM (kvm_pvm) reports the interrupt window at its next exit,
 *        about 0.4 ms after STI or IRET opened it, so under
 *        kernel-irqchip=off a pending interrupt comes late; irq-sync checks
 *        the same deliveries with a 100 ms bound.
 */
static const struct { const char *name; bool tsc, pvm_off; const char *why; }
guest_host_limits[] = {
    { "irq-timer", true, false, "the guest's TSC runs at the host's rate, "
      "not the CPU model's 2 GHz, and this host's KVM cannot scale it (no "
      "KVM_CAP_TSC_CONTROL)" },
    { "irq-ipi", false, true, "PVM reports the interrupt window about "
      "0.4 ms late, so the IPI pending across STI comes after the STI "
      "shadow (irq-sync checks it with a 100 ms bound)" },
    { "irq-ioapic", false, true, "PVM reports the interrupt window about "
      "0.4 ms late, so three re-deliveries at EOI take longer than the "
      "500 us allowed (irq-sync checks them with a 100 ms bound)" },
};

static bool stem_is(const char *stem, const char *name)
{
    size_t len = strlen(name);

    return strncmp(stem, name, len) == 0 && stem[len] == '-';
}

/* PVM (the kvm_pvm module) runs non-PV guests through KVM's instruction
 * emulator, which lacks protected-mode IRET, INT n and more. */
static bool host_is_pvm(void)
{
    return g_file_test("/sys/module/kvm_pvm", G_FILE_TEST_IS_DIR);
}

/* Run lapis; stop early when it reports a KVM internal error (it would
 * wait in the internal-error state). Returns the wait status, or -1 when
 * it had to be killed. */
static int run_guest(const char *const *args, char **out, char **err,
                     int timeout_ms)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GString *o = g_string_new(NULL), *e = g_string_new(NULL);
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int out_fd, err_fd, status = -1;
    bool killed = false, exited = false;
    GPid pid;

    g_ptr_array_add(argv, (gpointer)qtest_binary());
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (gpointer)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, &out_fd, &err_fd,
                                           NULL));
    fcntl(out_fd, F_SETFL, O_NONBLOCK);
    fcntl(err_fd, F_SETFL, O_NONBLOCK);
    while (!exited) {
        char buf[4096];
        ssize_t n;

        while ((n = read(out_fd, buf, sizeof(buf))) > 0) {
            g_string_append_len(o, buf, n);
        }
        while ((n = read(err_fd, buf, sizeof(buf))) > 0) {
            g_string_append_len(e, buf, n);
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        if (!killed && (strstr(e->str, "KVM internal error") ||
                        g_get_monotonic_time() > end)) {
            kill(pid, SIGKILL);
            killed = true;
        }
        g_usleep(20000);
    }
    g_spawn_close_pid(pid);
    close(out_fd);
    close(err_fd);
    *out = g_string_free(o, FALSE);
    *err = g_string_free(e, FALSE);
    return killed ? -1 : status;
}

static void test_guest_image(gconstpointer data)
{
    const GuestRun *run = data;
    const char *args[24] = { "-accel", run->accel, "-display", "none",
                             "-serial", "stdio", "-no-reboot",
                             "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                             "-kernel", run->img, NULL };
    int nargs = 11;
    const char *host_limit = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int want_status = 1;
    const char *want_line = "PASS:";
    bool ok;
    int status;

    NEED_KVM();
    for (size_t i = 0; i < G_N_ELEMENTS(guest_expect); i++) {
        if (stem_is(run->stem, guest_expect[i].name)) {
            want_status = guest_expect[i].status;
            want_line = guest_expect[i].line;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(guest_extra); i++) {
        if (stem_is(run->stem, guest_extra[i].name)) {
            for (int k = 0; guest_extra[i].args[k]; k++) {
                args[nargs++] = guest_extra[i].args[k];
            }
        }
    }
    args[nargs] = NULL;
    status = run_guest(args, &out, &err, 60000);
    ok = status >= 0 && WIFEXITED(status) &&
         WEXITSTATUS(status) == want_status && strstr(out, want_line);
    for (size_t i = 0; !ok && i < G_N_ELEMENTS(guest_host_limits); i++) {
        if (!stem_is(run->stem, guest_host_limits[i].name)) {
            continue;
        }
        if ((guest_host_limits[i].tsc &&
             strstr(err, "KVM cannot scale it")) ||
            (guest_host_limits[i].pvm_off && host_is_pvm() &&
             g_str_has_suffix(run->accel, "=off"))) {
            host_limit = guest_host_limits[i].why;
        }
    }
    if (host_limit && !strstr(err, "KVM internal error")) {
        g_test_message("status %d\nstdout:\n%s\nstderr:\n%s", status, out,
                       err);
        g_test_skip(host_limit);
        return;
    }
    if (!ok && host_is_pvm()) {
        /* Not a verdict on lapis: say what the host did instead. */
        const char *why = strstr(err, "KVM internal error") ? "a KVM "
                          "emulation failure" : "a result that differs from "
                          "hardware-assisted KVM";
        g_autofree char *reason = g_strdup_printf(
            "PVM host (kvm_pvm): the guest hit %s; needs hardware-assisted "
            "KVM", why);
        g_test_message("status %d\nstdout:\n%s\nstderr:\n%s", status, out,
                       err);
        g_test_skip(reason);
        return;
    }
    if (!ok) {
        g_test_message("status %d\nstdout:\n%s\nstderr:\n%s", status, out,
                       err);
    }
    g_assert_cmpint(status, >=, 0);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, want_status);
    g_assert_nonnull(strstr(out, want_line));
}

static void test_no_guest_images(void)
{
    g_test_skip("no guest images in " LAPIS_BUILD_DIR "/tests/guest "
                "(gcc/objcopy missing?)");
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_guest_tests(void)
{
    g_autofree char *dir = g_build_filename(LAPIS_BUILD_DIR, "tests", "guest",
                                            NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        /* bench-*.img is the interpreter benchmark, not a test. */
        if (g_str_has_suffix(name, ".img") &&
            !g_str_has_prefix(name, "bench-")) {
            g_ptr_array_add(names, g_strdup(name));
        }
    }
    g_ptr_array_sort(names, cmp_names);
    if (!names->len) {
        g_test_add_func("/kvm/guest/images-present", test_no_guest_images);
    }
    static const char *const modes[][2] = {
        { "on", "kvm,kernel-irqchip=on" },
        { "split", "kvm,kernel-irqchip=split" },
        { "off", "kvm,kernel-irqchip=off" },
    };
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
        for (guint i = 0; i < names->len; i++) {
            const char *n = g_ptr_array_index(names, i);
            g_autofree char *stem = g_strndup(n, strlen(n) - 4);
            g_autofree char *path = g_strdup_printf("/kvm/guest/%s/%s",
                                                    modes[m][0], stem);
            /* The test data lives as long as the process. */
            GuestRun *run = g_new0(GuestRun, 1);
            run->img = g_build_filename(dir, n, NULL);
            run->stem = g_strdup(stem);
            run->accel = modes[m][1];
            g_test_add_data_func(path, run, test_guest_image);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/launcher/bad-kernel-irqchip-value-exits-1",
                    test_bad_irqchip_value_exits_1);
    g_test_add_func("/kvm/launcher/unknown-property-exits-1",
                    test_unknown_property_exits_1);
    g_test_add_func("/kvm/launcher/kvm-alone-without-kvm-exits-1",
                    test_kvm_alone_without_kvm_exits_1);
    g_test_add_func("/kvm/launcher/fallback-list-picks-kvm-or-says-why",
                    test_fallback_list);
    g_test_add_func("/kvm/qmp/irqchip-in-kernel-under-kvm",
                    test_qmp_irqchip_under_kvm);
    g_test_add_func("/kvm/qmp/irqchip-split-lapic-in-kernel-only",
                    test_qmp_irqchip_split);
    g_test_add_func("/kvm/qmp/irqchip-off-all-userspace",
                    test_irqchip_off_userspace);
    g_test_add_func("/kvm/boot/multiboot-guest-prints-and-exits",
                    test_multiboot_guest_runs);
    g_test_add_func("/kvm/boot/multiboot-guest-prints-and-exits-split",
                    test_multiboot_guest_runs_split);
    g_test_add_func("/kvm/boot/multiboot-guest-reads-our-lapic-off",
                    test_multiboot_guest_runs_off);
    g_test_add_func("/kvm/off/smi-logged-when-kernel-has-no-smm",
                    test_smi_off_logged_without_smm);
    g_test_add_func("/kvm/hmp/info-lapic-reads-kernel-lapic-on",
                    test_info_lapic_on);
    g_test_add_func("/kvm/hmp/info-lapic-reads-kernel-lapic-split",
                    test_info_lapic_split);
    g_test_add_func("/kvm/hmp/info-ioapic-and-pic-read-kernel-chips",
                    test_info_ioapic_pic_on);
    g_test_add_func("/kvm/hmp/info-irq-counts-gsi-lines-raised-on",
                    test_info_irq_on);
    g_test_add_func("/kvm/hmp/info-irq-counts-msis-sent-split",
                    test_info_irq_split);
    g_test_add_func("/kvm/reset/system-reset-reruns-guest-on",
                    test_reset_on);
    g_test_add_func("/kvm/reset/system-reset-reruns-guest-split",
                    test_reset_split);
    add_guest_tests();
    return g_test_run();
}
