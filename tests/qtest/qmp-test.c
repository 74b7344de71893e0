/*
 * QMP over the real socket: the greeting, capabilities negotiation, each
 * built-in command's result shape, QEMU's error texts for bad input (and
 * that the stream recovers after it), messages split across writes or
 * sharing one, events to every negotiated client, several clients and
 * reconnection, and HMP through human-monitor-command.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "libqtest.h"

/* ---- helpers ---- */

static void assert_error(JsonObject *rsp, const char *cls, const char *desc)
{
    g_assert_nonnull(rsp);
    g_assert_true(qmp_rsp_is_err(rsp));
    g_assert_cmpstr(qmp_rsp_error_class(rsp), ==, cls);
    if (desc) {
        g_assert_cmpstr(qmp_rsp_error_desc(rsp), ==, desc);
    }
}

static void assert_generic_error(JsonObject *rsp, const char *desc)
{
    assert_error(rsp, "GenericError", desc);
    json_object_unref(rsp);
}

/* The "return" member of a successful response (borrowed from rsp). */
static JsonNode *rsp_return(JsonObject *rsp)
{
    g_assert_nonnull(rsp);
    if (qmp_rsp_is_err(rsp)) {
        g_error("unexpected error: %s", qmp_rsp_error_desc(rsp));
    }
    g_assert_true(json_object_has_member(rsp, "return"));
    return json_object_get_member(rsp, "return");
}

static void assert_empty_return(JsonObject *rsp)
{
    JsonNode *ret = rsp_return(rsp);

    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
    json_object_unref(rsp);
}

static char *query_status(QTestState *s, bool *running)
{
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    JsonObject *ret = json_node_get_object(rsp_return(rsp));
    char *status = g_strdup(json_object_get_string_member(ret, "status"));

    *running = json_object_get_boolean_member(ret, "running");
    json_object_unref(rsp);
    return status;
}

/* A private folder for an extra QMP server socket. */
static char *make_sock_dir(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("lapis-qmp-test-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

static void remove_sock_dir(char *dir, const char *sock)
{
    g_unlink(sock);
    g_rmdir(dir);
    g_free(dir);
}

/* ---- greeting and negotiation ---- */

static void test_greeting_shape(void)
{
    char *dir = make_sock_dir();
    char *sock = g_build_filename(dir, "extra.sock", NULL);
    QTestState *s = qtest_initf("-qmp unix:%s,server=on,wait=off", sock);
    QmpClient *c = qmp_client_connect(sock, false, 5000);
    JsonObject *greeting, *qmp, *version, *qemu;
    JsonArray *caps;

    g_assert_nonnull(c);
    greeting = qmp_client_greeting(c);
    g_assert_nonnull(greeting);
    g_assert_cmpuint(json_object_get_size(greeting), ==, 1);
    qmp = json_object_get_object_member(greeting, "QMP");
    g_assert_nonnull(qmp);
    version = json_object_get_object_member(qmp, "version");
    g_assert_nonnull(version);
    g_assert_cmpstr(json_object_get_string_member(version, "package"), ==,
                    "lapis");
    qemu = json_object_get_object_member(version, "qemu");
    g_assert_nonnull(qemu);
    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 0);
    caps = json_object_get_array_member(qmp, "capabilities");
    g_assert_nonnull(caps);
    g_assert_cmpuint(json_array_get_length(caps), ==, 1);
    g_assert_cmpstr(json_array_get_string_element(caps, 0), ==, "oob");

    qmp_client_close(c);
    qtest_quit(s);
    remove_sock_dir(dir, sock);
    g_free(sock);
}

static void test_negotiation_required(void)
{
    QTestState *s = qtest_init_without_qmp_handshake(NULL);
    JsonObject *rsp;

    rsp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    assert_error(rsp, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    json_object_unref(rsp);
    /* Even an unknown command gets the negotiation error first. */
    rsp = qtest_qmp(s, "{\"execute\": \"no-such-command\"}");
    assert_error(rsp, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    json_object_unref(rsp);

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"qmp_capabilities\"}"));
    rsp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    rsp_return(rsp);
    json_object_unref(rsp);

    rsp = qtest_qmp(s, "{\"execute\": \"qmp_capabilities\"}");
    assert_error(rsp, "CommandNotFound",
                 "Capabilities negotiation is already complete, command ignored");
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_negotiation_enable_oob(void)
{
    QTestState *s = qtest_init_without_qmp_handshake(NULL);
    JsonObject *rsp;

    rsp = qtest_qmp(s, "{\"execute\": \"qmp_capabilities\", "
                    "\"arguments\": {\"enable\": [\"bogus\"]}}");
    assert_generic_error(rsp,
                         "Parameter 'enable[0]' does not accept value 'bogus'");
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"qmp_capabilities\", "
                                  "\"arguments\": {\"enable\": [\"oob\"]}}"));
    qtest_quit(s);
}

/* ---- command result shapes ---- */

static void test_query_version_shape(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-version\"}");
    JsonObject *ret = json_node_get_object(rsp_return(rsp));
    JsonObject *qemu = json_object_get_object_member(ret, "qemu");

    g_assert_cmpstr(json_object_get_string_member(ret, "package"), ==, "lapis");
    g_assert_nonnull(qemu);
    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 0);
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_query_commands_lists_builtins(void)
{
    static const char *const expected[] = {
        "qmp_capabilities", "query-version", "query-commands", "query-status",
        "query-cpus-fast", "query-machines", "query-kvm", "stop", "cont",
        "system_reset", "quit", "human-monitor-command",
    };
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-commands\"}");
    JsonArray *cmds = json_node_get_array(rsp_return(rsp));
    GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < json_array_get_length(cmds); i++) {
        JsonObject *info = json_array_get_object_element(cmds, i);
        g_hash_table_add(names,
                         (gpointer)json_object_get_string_member(info, "name"));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_assert_true(g_hash_table_contains(names, expected[i]));
    }
    g_hash_table_destroy(names);
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_query_status_running(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    JsonObject *ret = json_node_get_object(rsp_return(rsp));

    g_assert_true(json_object_get_boolean_member(ret, "running"));
    g_assert_false(json_object_get_boolean_member(ret, "singlestep"));
    g_assert_cmpstr(json_object_get_string_member(ret, "status"), ==,
                    "running");
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_query_cpus_fast_shape(void)
{
    QTestState *s = qtest_init("-smp 2");
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-cpus-fast\"}");
    JsonArray *cpus = json_node_get_array(rsp_return(rsp));

    g_assert_cmpuint(json_array_get_length(cpus), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *cpu = json_array_get_object_element(cpus, i);
        JsonObject *props = json_object_get_object_member(cpu, "props");
        char *path = g_strdup_printf("/machine/unattached/device[%u]", i);

        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_cmpstr(json_object_get_string_member(cpu, "qom-path"), ==,
                        path);
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==,
                        "x86_64");
        g_assert_cmpint(json_object_get_int_member(cpu, "thread-id"), >, 0);
        g_assert_nonnull(props);
        g_assert_cmpint(json_object_get_int_member(props, "socket-id"), ==, i);
        g_assert_cmpint(json_object_get_int_member(props, "core-id"), ==, 0);
        g_assert_cmpint(json_object_get_int_member(props, "thread-id"), ==, 0);
        g_free(path);
    }
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_query_machines_has_one_default(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-machines\"}");
    JsonArray *machines = json_node_get_array(rsp_return(rsp));
    int defaults = 0;
    bool has_pc = false;

    g_assert_cmpuint(json_array_get_length(machines), >=, 1);
    for (guint i = 0; i < json_array_get_length(machines); i++) {
        JsonObject *m = json_array_get_object_element(machines, i);
        const char *alias = json_object_has_member(m, "alias")
            ? json_object_get_string_member(m, "alias") : NULL;

        g_assert_nonnull(json_object_get_string_member(m, "name"));
        g_assert_cmpint(json_object_get_int_member(m, "cpu-max"), >=, 1);
        g_assert_false(json_object_get_boolean_member(m, "hotpluggable-cpus"));
        g_assert_false(json_object_get_boolean_member(m, "deprecated"));
        g_assert_cmpstr(json_object_get_string_member(m, "default-cpu-type"),
                        ==, "qemu64-x86_64-cpu");
        if (json_object_get_boolean_member(m, "is-default")) {
            defaults++;
        }
        if (g_strcmp0(alias, "pc") == 0 ||
            strcmp(json_object_get_string_member(m, "name"), "pc") == 0) {
            has_pc = true;
        }
    }
    g_assert_cmpint(defaults, ==, 1);
    g_assert_true(has_pc);
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_query_kvm_not_enabled_under_qtest(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"query-kvm\"}");
    JsonObject *ret = json_node_get_object(rsp_return(rsp));
    bool present = access("/dev/kvm", R_OK | W_OK) == 0;

    g_assert_false(json_object_get_boolean_member(ret, "enabled"));
    g_assert_cmpint(json_object_get_boolean_member(ret, "present"), ==,
                    present);
    json_object_unref(rsp);
    qtest_quit(s);
}

/* ---- input errors, as QEMU words them ---- */

static void test_malformed_json_recovers(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp;
    bool running;
    char *status;

    qtest_qmp_send_raw(s, "{\"execute\": foo}\n");
    rsp = qtest_qmp_receive(s);
    assert_error(rsp, "GenericError", NULL);
    g_assert_true(g_str_has_prefix(qmp_rsp_error_desc(rsp),
                                   "JSON parse error, "));
    json_object_unref(rsp);

    /* A byte no JSON token can hold, in the middle of an unfinished
     * request: the rest of the line is dropped. */
    qtest_qmp_send_raw(s, "{\"execute\": @ \"stop\"\n");
    rsp = qtest_qmp_receive(s);
    assert_error(rsp, "GenericError", NULL);
    g_assert_true(g_str_has_prefix(qmp_rsp_error_desc(rsp),
                                   "JSON parse error, "));
    json_object_unref(rsp);

    status = query_status(s, &running);
    g_assert_cmpstr(status, ==, "running");
    g_assert_true(running);
    g_free(status);
    qtest_quit(s);
}

static void test_split_message_is_reassembled(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp;

    qtest_qmp_send_raw(s, "{\"execute\": \"query-");
    g_usleep(50 * 1000);
    qtest_qmp_send_raw(s, "version\", \"id\"");
    g_usleep(50 * 1000);
    qtest_qmp_send_raw(s, ": \"split\"}");
    rsp = qtest_qmp_receive(s);
    rsp_return(rsp);
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, "split");
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_two_messages_in_one_write(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp;

    qtest_qmp_send_raw(s, "{\"execute\": \"query-status\", \"id\": 1}"
                       "{\"execute\": \"query-version\", \"id\": 2}");
    rsp = qtest_qmp_receive(s);
    g_assert_cmpint(json_object_get_int_member(rsp, "id"), ==, 1);
    g_assert_true(json_object_has_member(json_node_get_object(rsp_return(rsp)),
                                         "status"));
    json_object_unref(rsp);
    rsp = qtest_qmp_receive(s);
    g_assert_cmpint(json_object_get_int_member(rsp, "id"), ==, 2);
    g_assert_true(json_object_has_member(json_node_get_object(rsp_return(rsp)),
                                         "package"));
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_non_object_input_rejected(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_qmp_send_raw(s, "[\"execute\", \"query-status\"]");
    assert_generic_error(qtest_qmp_receive(s),
                         "QMP input must be a JSON object");
    qtest_qmp_send_raw(s, "\"query-status\"");
    assert_generic_error(qtest_qmp_receive(s),
                         "QMP input must be a JSON object");
    qtest_quit(s);
}

static void test_request_member_errors(void)
{
    QTestState *s = qtest_init(NULL);

    assert_generic_error(qtest_qmp(s, "{\"arguments\": {}}"),
                         "QMP input lacks member 'execute'");
    assert_generic_error(qtest_qmp(s, "{\"execute\": 42}"),
                         "QMP input member 'execute' must be a string");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"query-status\", "
                                   "\"foo\": 1}"),
                         "QMP input member 'foo' is unexpected");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"query-status\", "
                                   "\"arguments\": [1]}"),
                         "QMP input member 'arguments' must be an object");
    qtest_quit(s);
}

static void test_unknown_command(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp = qtest_qmp(s, "{\"execute\": \"no-such-command\"}");

    assert_error(rsp, "CommandNotFound",
                 "The command no-such-command has not been found");
    json_object_unref(rsp);
    qtest_quit(s);
}

static void test_argument_errors(void)
{
    QTestState *s = qtest_init(NULL);

    assert_generic_error(qtest_qmp(s, "{\"execute\": "
                                   "\"human-monitor-command\"}"),
                         "Parameter 'command-line' is missing");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"human-monitor-command\", "
                                   "\"arguments\": {\"command-line\": 7}}"),
                         "Invalid parameter type for 'command-line', "
                         "expected: string");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"human-monitor-command\", "
                                   "\"arguments\": {\"command-line\": \"info\", "
                                   "\"cpu-index\": \"0\"}}"),
                         "Invalid parameter type for 'cpu-index', "
                         "expected: integer");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"human-monitor-command\", "
                                   "\"arguments\": {\"command-line\": \"info\", "
                                   "\"bogus\": true}}"),
                         "Parameter 'bogus' is unexpected");
    assert_generic_error(qtest_qmp(s, "{\"execute\": \"query-status\", "
                                   "\"arguments\": {\"verbose\": true}}"),
                         "Parameter 'verbose' is unexpected");
    qtest_quit(s);
}

static void test_id_is_echoed(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *rsp;
    JsonObject *obj_id;

    rsp = qtest_qmp(s, "{\"execute\": \"query-status\", \"id\": \"abc\"}");
    g_assert_cmpstr(json_object_get_string_member(rsp, "id"), ==, "abc");
    json_object_unref(rsp);

    rsp = qtest_qmp(s, "{\"execute\": \"query-status\", \"id\": 1234}");
    g_assert_cmpint(json_object_get_int_member(rsp, "id"), ==, 1234);
    json_object_unref(rsp);

    /* Any JSON value is echoed, on errors as well. */
    rsp = qtest_qmp(s, "{\"execute\": \"no-such-command\", "
                    "\"id\": {\"seq\": 5}}");
    assert_error(rsp, "CommandNotFound", NULL);
    obj_id = json_object_get_object_member(rsp, "id");
    g_assert_nonnull(obj_id);
    g_assert_cmpint(json_object_get_int_member(obj_id, "seq"), ==, 5);
    json_object_unref(rsp);
    qtest_quit(s);
}

/* ---- run control and events ---- */

static void test_stop_cont_emit_events(void)
{
    QTestState *s = qtest_init(NULL);
    bool running;
    char *status;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    qtest_qmp_eventwait(s, "STOP");
    status = query_status(s, &running);
    g_assert_cmpstr(status, ==, "paused");
    g_assert_false(running);
    g_free(status);

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"cont\"}"));
    qtest_qmp_eventwait(s, "RESUME");
    status = query_status(s, &running);
    g_assert_cmpstr(status, ==, "running");
    g_assert_true(running);
    g_free(status);
    qtest_quit(s);
}

static void test_event_has_timestamp(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *ev, *ts;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    ev = qtest_qmp_eventwait_ref(s, "STOP");
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==, "STOP");
    ts = json_object_get_object_member(ev, "timestamp");
    g_assert_nonnull(ts);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >=, now - 5);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), <=, now + 5);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <,
                    1000000);
    json_object_unref(ev);
    qtest_quit(s);
}

static void test_system_reset_emits_reset(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *ev, *data;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"system_reset\"}"));
    ev = qtest_qmp_eventwait_ref(s, "RESET");
    data = json_object_get_object_member(ev, "data");
    g_assert_nonnull(data);
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-system-reset");
    json_object_unref(ev);
    qtest_quit(s);
}

static void test_quit_emits_shutdown_and_exits(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *ev, *data;
    int status;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"quit\"}"));
    ev = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    data = json_object_get_object_member(ev, "data");
    g_assert_nonnull(data);
    g_assert_false(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "host-qmp-quit");
    json_object_unref(ev);
    status = qtest_wait_exit(s, 10000);
    g_assert_cmpint(status, !=, -1);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_quit(s);
}

static void test_prelaunch_with_S(void)
{
    QTestState *s = qtest_init("-S");
    bool running;
    char *status = query_status(s, &running);
    char *out;

    g_assert_cmpstr(status, ==, "prelaunch");
    g_assert_false(running);
    g_free(status);
    out = qtest_hmp(s, "info status");
    g_assert_cmpstr(out, ==, "VM status: paused (prelaunch)\r\n");
    g_free(out);

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"cont\"}"));
    qtest_qmp_eventwait(s, "RESUME");
    status = query_status(s, &running);
    g_assert_cmpstr(status, ==, "running");
    g_assert_true(running);
    g_free(status);
    qtest_quit(s);
}

/* ---- several clients ---- */

static void test_two_clients_both_get_events(void)
{
    char *dir = make_sock_dir();
    char *sock = g_build_filename(dir, "second.sock", NULL);
    QTestState *s = qtest_initf("-qmp unix:%s,server=on,wait=off", sock);
    QmpClient *c = qmp_client_connect(sock, true, 5000);
    JsonObject *rsp, *ev;

    g_assert_nonnull(c);
    rsp = qmp_client_cmd(c, "{\"execute\": \"query-status\"}");
    rsp_return(rsp);
    json_object_unref(rsp);

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    qtest_qmp_eventwait(s, "STOP");
    ev = qmp_client_eventwait(c, "STOP", 5000);
    g_assert_nonnull(ev);
    json_object_unref(ev);

    /* The second client's own command reaches the same machine. */
    assert_empty_return(qmp_client_cmd(c, "{\"execute\": \"cont\"}"));
    ev = qmp_client_eventwait(c, "RESUME", 5000);
    g_assert_nonnull(ev);
    json_object_unref(ev);
    qtest_qmp_eventwait(s, "RESUME");

    qmp_client_close(c);
    qtest_quit(s);
    remove_sock_dir(dir, sock);
    g_free(sock);
}

static void test_events_only_after_negotiation(void)
{
    char *dir = make_sock_dir();
    char *sock = g_build_filename(dir, "second.sock", NULL);
    QTestState *s = qtest_initf("-qmp unix:%s,server=on,wait=off", sock);
    QmpClient *c = qmp_client_connect(sock, false, 5000);
    JsonObject *rsp, *msg;

    g_assert_nonnull(c);
    /* STOP happens while the second client is still negotiating... */
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    qtest_qmp_eventwait(s, "STOP");
    assert_empty_return(qmp_client_cmd(c, "{\"execute\": \"qmp_capabilities\"}"));
    /* ...so the first thing it hears about afterwards is RESUME. */
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"cont\"}"));
    msg = qmp_client_receive(c, 5000);
    g_assert_nonnull(msg);
    g_assert_cmpstr(json_object_get_string_member(msg, "event"), ==, "RESUME");
    json_object_unref(msg);

    rsp = qmp_client_cmd(c, "{\"execute\": \"query-status\"}");
    rsp_return(rsp);
    json_object_unref(rsp);
    qmp_client_close(c);
    qtest_quit(s);
    remove_sock_dir(dir, sock);
    g_free(sock);
}

static void test_client_can_reconnect(void)
{
    char *dir = make_sock_dir();
    char *sock = g_build_filename(dir, "second.sock", NULL);
    QTestState *s = qtest_initf("-qmp unix:%s,server=on,wait=off", sock);
    QmpClient *c = qmp_client_connect(sock, true, 5000);
    JsonObject *rsp;

    g_assert_nonnull(c);
    qmp_client_close(c);

    /* A new client gets a fresh greeting and must negotiate again. */
    c = qmp_client_connect(sock, false, 5000);
    g_assert_nonnull(c);
    g_assert_nonnull(qmp_client_greeting(c));
    rsp = qmp_client_cmd(c, "{\"execute\": \"query-status\"}");
    assert_error(rsp, "CommandNotFound",
                 "Expecting capabilities negotiation with 'qmp_capabilities'");
    json_object_unref(rsp);
    assert_empty_return(qmp_client_cmd(c, "{\"execute\": \"qmp_capabilities\"}"));
    rsp = qmp_client_cmd(c, "{\"execute\": \"query-version\"}");
    rsp_return(rsp);
    json_object_unref(rsp);
    qmp_client_close(c);

    /* The first monitor was never disturbed. */
    rsp = qtest_qmp(s, "{\"execute\": \"query-version\"}");
    rsp_return(rsp);
    json_object_unref(rsp);
    qtest_quit(s);
    remove_sock_dir(dir, sock);
    g_free(sock);
}

/* ---- HMP ---- */

static void test_hmp_info_status(void)
{
    QTestState *s = qtest_init(NULL);
    char *out = qtest_hmp(s, "info status");

    g_assert_cmpstr(out, ==, "VM status: running\r\n");
    g_free(out);
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    out = qtest_hmp(s, "info status");
    g_assert_cmpstr(out, ==, "VM status: paused\r\n");
    g_free(out);
    qtest_quit(s);
}

static void test_hmp_info_cpus_marks_current(void)
{
    QTestState *s = qtest_init("-smp 2");
    JsonObject *rsp;
    const char *out;
    char *text;

    text = qtest_hmp(s, "info cpus");
    g_assert_true(g_str_has_prefix(text, "* CPU #0: thread_id="));
    g_assert_nonnull(strstr(text, "\r\n  CPU #1: thread_id="));
    g_free(text);

    rsp = qtest_qmp(s, "{\"execute\": \"human-monitor-command\", "
                    "\"arguments\": {\"command-line\": \"info cpus\", "
                    "\"cpu-index\": 1}}");
    out = json_node_get_string(rsp_return(rsp));
    g_assert_true(g_str_has_prefix(out, "  CPU #0: thread_id="));
    g_assert_nonnull(strstr(out, "\r\n* CPU #1: thread_id="));
    json_object_unref(rsp);

    rsp = qtest_qmp(s, "{\"execute\": \"human-monitor-command\", "
                    "\"arguments\": {\"command-line\": \"info cpus\", "
                    "\"cpu-index\": 2}}");
    assert_generic_error(rsp, "Parameter 'cpu-index' expects a CPU number");
    qtest_quit(s);
}

static void test_hmp_info_mtree(void)
{
    QTestState *s = qtest_init(NULL);
    char *out = qtest_hmp(s, "info mtree");

    g_assert_nonnull(strstr(out, "address-space: memory\r\n"));
    g_assert_nonnull(strstr(out, "address-space: I/O\r\n"));
    g_free(out);
    out = qtest_hmp(s, "info mtree -f");
    g_assert_nonnull(strstr(out, "FlatView #0\r\n"));
    g_assert_nonnull(strstr(out, " AS \"memory\", root: system\r\n"));
    g_free(out);
    out = qtest_hmp(s, "info mtree -x");
    g_assert_cmpstr(out, ==, "unsupported option -x\r\n");
    g_free(out);
    qtest_quit(s);
}

static void test_hmp_help_lists_commands(void)
{
    QTestState *s = qtest_init(NULL);
    char *out = qtest_hmp(s, "help");

    g_assert_nonnull(strstr(out, "info [subcommand] -- "));
    g_assert_nonnull(strstr(out, "stop  -- "));
    g_free(out);
    out = qtest_hmp(s, "info");
    g_assert_nonnull(strstr(out, "info status  -- "));
    g_assert_nonnull(strstr(out, "info mtree [-f] -- "));
    g_free(out);
    qtest_quit(s);
}

static void test_hmp_unknown_command(void)
{
    QTestState *s = qtest_init(NULL);
    char *out = qtest_hmp(s, "frobnicate now");

    g_assert_cmpstr(out, ==, "unknown command: 'frobnicate'\r\n");
    g_free(out);
    out = qtest_hmp(s, "info frobnicate");
    g_assert_cmpstr(out, ==, "unknown command: 'info frobnicate'\r\n");
    g_free(out);
    qtest_quit(s);
}

static void test_hmp_stop_and_cont(void)
{
    QTestState *s = qtest_init(NULL);
    char *out = qtest_hmp(s, "stop");

    g_assert_cmpstr(out, ==, "");
    g_free(out);
    qtest_qmp_eventwait(s, "STOP");
    out = qtest_hmp(s, "c");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    qtest_qmp_eventwait(s, "RESUME");
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qmp/greeting/shape", test_greeting_shape);
    g_test_add_func("/qmp/negotiation/required-before-commands",
                    test_negotiation_required);
    g_test_add_func("/qmp/negotiation/enable-accepts-only-oob",
                    test_negotiation_enable_oob);
    g_test_add_func("/qmp/query-version/shape", test_query_version_shape);
    g_test_add_func("/qmp/query-commands/lists-builtins",
                    test_query_commands_lists_builtins);
    g_test_add_func("/qmp/query-status/running", test_query_status_running);
    g_test_add_func("/qmp/query-cpus-fast/one-entry-per-cpu",
                    test_query_cpus_fast_shape);
    g_test_add_func("/qmp/query-machines/one-default-and-pc",
                    test_query_machines_has_one_default);
    g_test_add_func("/qmp/query-kvm/not-enabled-under-qtest",
                    test_query_kvm_not_enabled_under_qtest);
    g_test_add_func("/qmp/input/malformed-json-then-stream-recovers",
                    test_malformed_json_recovers);
    g_test_add_func("/qmp/input/split-message-is-reassembled",
                    test_split_message_is_reassembled);
    g_test_add_func("/qmp/input/two-messages-in-one-write",
                    test_two_messages_in_one_write);
    g_test_add_func("/qmp/input/non-object-rejected",
                    test_non_object_input_rejected);
    g_test_add_func("/qmp/input/request-member-errors",
                    test_request_member_errors);
    g_test_add_func("/qmp/input/unknown-command", test_unknown_command);
    g_test_add_func("/qmp/input/argument-errors", test_argument_errors);
    g_test_add_func("/qmp/input/id-is-echoed", test_id_is_echoed);
    g_test_add_func("/qmp/events/stop-cont-and-query-status",
                    test_stop_cont_emit_events);
    g_test_add_func("/qmp/events/timestamp-is-wall-clock",
                    test_event_has_timestamp);
    g_test_add_func("/qmp/events/system-reset-emits-reset",
                    test_system_reset_emits_reset);
    g_test_add_func("/qmp/events/quit-emits-shutdown-and-exits-0",
                    test_quit_emits_shutdown_and_exits);
    g_test_add_func("/qmp/runstate/S-starts-in-prelaunch",
                    test_prelaunch_with_S);
    g_test_add_func("/qmp/clients/two-clients-both-get-events",
                    test_two_clients_both_get_events);
    g_test_add_func("/qmp/clients/events-only-after-negotiation",
                    test_events_only_after_negotiation);
    g_test_add_func("/qmp/clients/reconnect-after-close",
                    test_client_can_reconnect);
    g_test_add_func("/qmp/hmp/info-status", test_hmp_info_status);
    g_test_add_func("/qmp/hmp/info-cpus-marks-current-cpu",
                    test_hmp_info_cpus_marks_current);
    g_test_add_func("/qmp/hmp/info-mtree", test_hmp_info_mtree);
    g_test_add_func("/qmp/hmp/help-lists-commands",
                    test_hmp_help_lists_commands);
    g_test_add_func("/qmp/hmp/unknown-command", test_hmp_unknown_command);
    g_test_add_func("/qmp/hmp/stop-and-cont", test_hmp_stop_and_cont);

    return g_test_run();
}
