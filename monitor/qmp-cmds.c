/*
 * The built-in QMP commands, with QEMU's names, argument schemas and result
 * shapes (QEMU's QAPI schema): qmp_capabilities, query-version,
 * query-commands, query-status, query-cpus-fast, query-machines, query-kvm,
 * stop, cont, system_reset, quit and human-monitor-command. Run-state changes
 * go through softmmu/runstate.c, which emits STOP, RESUME, RESET and
 * SHUTDOWN. Left out: QEMU's many other commands (qom-*, device_add, block
 * and migration), "info" output beyond what monitor/hmp.c and the
 * subsystems register, and per-command "allow-oob" (none allows it).
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include <fcntl.h>
#include <unistd.h>
#include "accel/accel.h"
#include "hw/boards.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "monitor/monitor-internal.h"

/* ---- vCPU thread ids ---- */

static GMutex vcpu_tid_lock;
static GHashTable *vcpu_tids;       /* cpu index -> thread id (gint64 *) */

void monitor_set_vcpu_thread_id(int cpu_index, int64_t thread_id)
{
    g_mutex_lock(&vcpu_tid_lock);
    if (!vcpu_tids) {
        vcpu_tids = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                          NULL, g_free);
    }
    int64_t *slot = g_new(int64_t, 1);
    *slot = thread_id;
    g_hash_table_insert(vcpu_tids, GINT_TO_POINTER(cpu_index), slot);
    g_mutex_unlock(&vcpu_tid_lock);
}

int64_t qmp_cpu_thread_id(int cpu_index)
{
    int64_t tid = getpid();     /* the main thread's id is the process id */

    g_mutex_lock(&vcpu_tid_lock);
    if (vcpu_tids) {
        int64_t *known = g_hash_table_lookup(vcpu_tids,
                                             GINT_TO_POINTER(cpu_index));
        if (known) {
            tid = *known;
        }
    }
    g_mutex_unlock(&vcpu_tid_lock);
    return tid;
}

/* ---- helpers ---- */

static JsonNode *node_take_object(JsonObject *obj)
{
    JsonNode *node = json_node_alloc();

    json_node_init_object(node, obj);
    json_object_unref(obj);
    return node;
}

static JsonNode *node_take_array(JsonArray *arr)
{
    JsonNode *node = json_node_alloc();

    json_node_init_array(node, arr);
    json_array_unref(arr);
    return node;
}

/* ---- qmp_capabilities ---- */

static JsonNode *qmp_capabilities(Monitor *mon, JsonObject *args,
                                  GError **errp)
{
    bool oob = false;

    if (json_object_has_member(args, "enable")) {
        JsonNode *en = json_object_get_member(args, "enable");
        JsonArray *caps;

        if (!JSON_NODE_HOLDS_ARRAY(en)) {
            error_setg(errp, "Invalid parameter type for 'enable', "
                       "expected: array");
            return NULL;
        }
        caps = json_node_get_array(en);
        for (guint i = 0; i < json_array_get_length(caps); i++) {
            JsonNode *cap = json_array_get_element(caps, i);
            if (!JSON_NODE_HOLDS_VALUE(cap) ||
                json_node_get_value_type(cap) != G_TYPE_STRING) {
                error_setg(errp, "Invalid parameter type for 'enable[%u]', "
                           "expected: string", i);
                return NULL;
            }
            if (strcmp(json_node_get_string(cap), "oob") != 0) {
                error_setg(errp, "Parameter 'enable[%u]' does not accept "
                           "value '%s'", i, json_node_get_string(cap));
                return NULL;
            }
            oob = true;
        }
    }
    if (!mon || !mon->chr) {
        error_setg(errp, "qmp_capabilities needs a QMP monitor");
        return NULL;
    }
    if (mon->negotiated) {
        error_set(errp, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, "
                  "command ignored");
        return NULL;
    }
    mon->negotiated = true;
    mon->oob_enabled = oob;
    return NULL;
}

static const QmpArgSpec qmp_capabilities_args[] = {
    { "enable", QMP_ARG_ANY, true },
    { NULL }
};

/* ---- queries ---- */

JsonObject *qmp_version_info(void)
{
    JsonObject *ret = json_object_new();
    JsonObject *qemu = json_object_new();
    unsigned major = 0, minor = 0, micro = 0;

    sscanf(LAPIS_VERSION, "%u.%u.%u", &major, &minor, &micro);
    /* QEMU's member order (VersionTriple as its QAPI code emits it). */
    json_object_set_int_member(qemu, "micro", micro);
    json_object_set_int_member(qemu, "minor", minor);
    json_object_set_int_member(qemu, "major", major);
    json_object_set_object_member(ret, "qemu", qemu);
    json_object_set_string_member(ret, "package", "lapis");
    return ret;
}

static JsonNode *qmp_query_version(Monitor *mon, JsonObject *args,
                                   GError **errp)
{
    return node_take_object(qmp_version_info());
}

static JsonNode *qmp_query_commands(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    GPtrArray *cmds = qmp_command_list();
    JsonArray *ret = json_array_new();

    for (guint i = 0; i < cmds->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(cmds, i);
        JsonObject *info = json_object_new();
        json_object_set_string_member(info, "name", cmd->name);
        json_array_add_object_element(ret, info);
    }
    return node_take_array(ret);
}

static JsonNode *qmp_query_status(Monitor *mon, JsonObject *args,
                                  GError **errp)
{
    JsonObject *ret = json_object_new();

    json_object_set_boolean_member(ret, "running", runstate_is_running());
    json_object_set_boolean_member(ret, "singlestep", false);
    json_object_set_string_member(ret, "status", runstate_name(runstate_get()));
    return node_take_object(ret);
}

static JsonNode *qmp_query_cpus_fast(Monitor *mon, JsonObject *args,
                                     GError **errp)
{
    JsonArray *ret = json_array_new();
    MachineState *ms = current_machine;

    for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        JsonObject *info, *props;
        char *path;

        if (!cpu) {
            continue;
        }
        info = json_object_new();
        props = json_object_new();
        path = g_strdup_printf("/machine/unattached/device[%d]",
                               cpu->cpu_index);
        json_object_set_int_member(info, "cpu-index", cpu->cpu_index);
        json_object_set_string_member(info, "qom-path", path);
        json_object_set_int_member(info, "thread-id",
                                   qmp_cpu_thread_id(cpu->cpu_index));
        json_object_set_string_member(info, "target", "x86_64");
        /* One core with one thread per socket, as QEMU's -smp N. */
        json_object_set_int_member(props, "core-id", 0);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_int_member(props, "socket-id", cpu->cpu_index);
        json_object_set_object_member(info, "props", props);
        json_array_add_object_element(ret, info);
        g_free(path);
    }
    return node_take_array(ret);
}

/*
 * boards.h lists machine classes only as text (-machine help), so every word
 * of that text is looked up as a machine name; a word that names a class
 * (or its alias) adds that class once.
 */
static GPtrArray *machine_classes(void)
{
    GPtrArray *found = g_ptr_array_new();
    GString *text = g_string_new(NULL);
    char **words;
    const MachineClass *def = machine_class_default();

    if (def) {
        g_ptr_array_add(found, (gpointer)def);
    }
    machine_class_list(text);
    words = g_strsplit_set(text->str, " \t\n\r(),:", -1);
    for (char **w = words; *w; w++) {
        const MachineClass *mc;
        if (!**w) {
            continue;
        }
        mc = machine_class_find(*w);
        if (mc && (strcmp(mc->name, *w) == 0 ||
                   (mc->alias && strcmp(mc->alias, *w) == 0)) &&
            !g_ptr_array_find(found, mc, NULL)) {
            g_ptr_array_add(found, (gpointer)mc);
        }
    }
    g_strfreev(words);
    g_string_free(text, TRUE);
    return found;
}

static JsonNode *qmp_query_machines(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    JsonArray *ret = json_array_new();
    GPtrArray *classes = machine_classes();

    for (guint i = 0; i < classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(classes, i);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", mc->name);
        if (mc->alias) {
            json_object_set_string_member(info, "alias", mc->alias);
        }
        json_object_set_boolean_member(info, "is-default", mc->is_default);
        json_object_set_int_member(info, "cpu-max", mc->max_cpus);
        json_object_set_boolean_member(info, "hotpluggable-cpus", false);
        json_object_set_boolean_member(info, "deprecated", false);
        json_object_set_string_member(info, "default-cpu-type",
                                      "qemu64-x86_64-cpu");
        json_array_add_object_element(ret, info);
    }
    g_ptr_array_free(classes, TRUE);
    return node_take_array(ret);
}

static JsonNode *qmp_query_kvm(Monitor *mon, JsonObject *args, GError **errp)
{
    JsonObject *ret = json_object_new();
    const AccelClass *ac = current_accel();
    int fd = open(kvm_device_path(), O_RDWR | O_CLOEXEC);

    if (fd >= 0) {
        close(fd);
    }
    json_object_set_boolean_member(ret, "enabled",
                                   ac && strcmp(ac->name, "kvm") == 0);
    json_object_set_boolean_member(ret, "present", fd >= 0);
    return node_take_object(ret);
}

/* ---- run control ---- */

static JsonNode *qmp_stop(Monitor *mon, JsonObject *args, GError **errp)
{
    vm_stop(RUN_STATE_PAUSED);
    return NULL;
}

static JsonNode *qmp_cont(Monitor *mon, JsonObject *args, GError **errp)
{
    RunState state = runstate_get();

    /* QEMU's runstate_needs_reset(): these states resume only through
     * system_reset. */
    if (state == RUN_STATE_SHUTDOWN || state == RUN_STATE_INTERNAL_ERROR) {
        error_setg(errp, "Resetting the Virtual Machine is required");
        return NULL;
    }
    if (!runstate_is_running()) {
        vm_start();
    }
    return NULL;
}

static JsonNode *qmp_system_reset(Monitor *mon, JsonObject *args,
                                  GError **errp)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
    return NULL;
}

static JsonNode *qmp_quit(Monitor *mon, JsonObject *args, GError **errp)
{
    /* The main loop acts on the request after this reply is written. */
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

/* ---- HMP passthrough ---- */

static JsonNode *qmp_human_monitor_command(Monitor *mon, JsonObject *args,
                                           GError **errp)
{
    Monitor hmp = { .chr = NULL, .id = (char *)"hmp", .cpu_index = 0 };
    GString *out;
    JsonNode *ret;

    if (json_object_has_member(args, "cpu-index")) {
        gint64 index = json_object_get_int_member(args, "cpu-index");
        MachineState *ms = current_machine;
        if (!ms || index < 0 || index >= (gint64)ms->smp_cpus) {
            error_setg(errp, "Parameter 'cpu-index' expects a CPU number");
            return NULL;
        }
        hmp.cpu_index = (int)index;
    }
    out = g_string_new(NULL);
    hmp_execute(&hmp, json_object_get_string_member(args, "command-line"),
                out);
    ret = json_node_init_string(json_node_alloc(), out->str);
    g_string_free(out, TRUE);
    return ret;
}

static const QmpArgSpec human_monitor_command_args[] = {
    { "command-line", QMP_ARG_STR, false },
    { "cpu-index", QMP_ARG_INT, true },
    { NULL }
};

static const QmpCommand builtin_commands[] = {
    { "qmp_capabilities", qmp_capabilities, qmp_capabilities_args },
    { "query-version", qmp_query_version, NULL },
    { "query-commands", qmp_query_commands, NULL },
    { "query-status", qmp_query_status, NULL },
    { "query-cpus-fast", qmp_query_cpus_fast, NULL },
    { "query-machines", qmp_query_machines, NULL },
    { "query-kvm", qmp_query_kvm, NULL },
    { "stop", qmp_stop, NULL },
    { "cont", qmp_cont, NULL },
    { "system_reset", qmp_system_reset, NULL },
    { "quit", qmp_quit, NULL },
    { "human-monitor-command", qmp_human_monitor_command,
      human_monitor_command_args },
};

void qmp_register_builtin_commands(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    for (size_t i = 0; i < G_N_ELEMENTS(builtin_commands); i++) {
        qmp_register_command(&builtin_commands[i]);
    }
    hmp_register_builtin_info();
}
