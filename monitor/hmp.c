/*
 * HMP, QEMU's human monitor, as reached through QMP's human-monitor-command:
 * one command line in, the text QEMU would print out (lines end in "\r\n",
 * as QEMU's monitor writes them). It follows QEMU's monitor/hmp.c for the
 * parts it has: "help"/"?" and "info" alone list the commands, an unknown
 * name prints "unknown command: 'NAME'", and a command that takes no
 * arguments refuses extra text. The `info` subcommands live in a registry
 * that the subsystems owning the state fill in; this file adds status,
 * cpus, mtree and version. Other commands: cpu, stop, cont/c, system_reset,
 * quit/q, which run the QMP commands of the same names.
 * Left out: the readline front end (-mon mode=readline), command
 * completion, expression arguments (cpu takes a decimal number) and most of
 * QEMU's command set.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "hw/boards.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "monitor/monitor-internal.h"
#include "trace/monitor.h"

typedef struct HmpInfoCmd {
    char *name;
    char *params;
    char *help;
    HmpInfoFunc fn;
} HmpInfoCmd;

static GPtrArray *hmp_info_cmds;    /* HmpInfoCmd *, sorted by name */

static gint hmp_info_cmp(gconstpointer a, gconstpointer b)
{
    const HmpInfoCmd *x = *(HmpInfoCmd *const *)a;
    const HmpInfoCmd *y = *(HmpInfoCmd *const *)b;

    return strcmp(x->name, y->name);
}

static HmpInfoCmd *hmp_find_info(const char *name)
{
    for (guint i = 0; hmp_info_cmds && i < hmp_info_cmds->len; i++) {
        HmpInfoCmd *c = g_ptr_array_index(hmp_info_cmds, i);
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

void hmp_register_info(const char *name, const char *params, const char *help,
                       HmpInfoFunc fn)
{
    HmpInfoCmd *c = hmp_find_info(name);

    if (!hmp_info_cmds) {
        hmp_info_cmds = g_ptr_array_new();
    }
    if (!c) {
        c = g_new0(HmpInfoCmd, 1);
        c->name = g_strdup(name);
        g_ptr_array_add(hmp_info_cmds, c);
        g_ptr_array_sort(hmp_info_cmds, hmp_info_cmp);
    } else {
        /* A later registration of the same name replaces the earlier one. */
        g_free(c->params);
        g_free(c->help);
    }
    c->params = g_strdup(params ? params : "");
    c->help = g_strdup(help ? help : "");
    c->fn = fn;
}

/* ---- built-in info commands ---- */

static void hmp_info_status(Monitor *mon, const char *args, GString *out)
{
    RunState state = runstate_get();
    bool running = runstate_is_running();

    /* QEMU names the state only when it is not a plain pause. */
    g_string_append_printf(out, "VM status: %s", running ? "running" : "paused");
    if (!running && state != RUN_STATE_PAUSED) {
        g_string_append_printf(out, " (%s)", runstate_name(state));
    }
    g_string_append_c(out, '\n');
}

static void hmp_info_cpus(Monitor *mon, const char *args, GString *out)
{
    MachineState *ms = current_machine;

    for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        if (!cpu) {
            continue;
        }
        g_string_append_printf(out, "%c CPU #%d: thread_id=%" PRId64 "\n",
                               cpu->cpu_index == monitor_get_cpu_index(mon)
                               ? '*' : ' ',
                               cpu->cpu_index,
                               qmp_cpu_thread_id(cpu->cpu_index));
    }
}

static void hmp_info_mtree(Monitor *mon, const char *args, GString *out)
{
    char **opts = g_strsplit_set(args, " \t", -1);
    bool flat = false;

    for (char **o = opts; *o; o++) {
        if (!**o) {
            continue;
        }
        if (strcmp(*o, "-f") == 0) {
            flat = true;
        } else {
            g_string_append_printf(out, "unsupported option %s\n", *o);
            g_strfreev(opts);
            return;
        }
    }
    g_strfreev(opts);
    memory_mtree_info(out, flat);
}

static void hmp_info_version(Monitor *mon, const char *args, GString *out)
{
    g_string_append_printf(out, "%s (lapis)\n", LAPIS_VERSION);
}

void hmp_register_builtin_info(void)
{
    hmp_register_info("cpus", "", "show infos for each CPU", hmp_info_cpus);
    hmp_register_info("mtree", "[-f]",
                      "show memory tree (-f: dump flat view for address "
                      "spaces)", hmp_info_mtree);
    hmp_register_info("status", "",
                      "show the current VM status (running|paused)",
                      hmp_info_status);
    hmp_register_info("version", "", "show the version of lapis",
                      hmp_info_version);
}

/* ---- top-level commands ---- */

typedef struct HmpCmd {
    const char *name;           /* "long|short" as QEMU's table */
    const char *params;
    const char *help;
    void (*fn)(Monitor *mon, const char *cmdline, const char *args_in_line,
               const char *args, GString *out);
    bool takes_args;
} HmpCmd;

static void hmp_run_qmp(Monitor *mon, const char *name, GString *out)
{
    const QmpCommand *cmd = qmp_find_command(name);
    JsonObject *args = json_object_new();
    GError *err = NULL;
    JsonNode *ret;

    if (!cmd) {
        g_string_append_printf(out, "Error: command %s is not available\n",
                               name);
        json_object_unref(args);
        return;
    }
    ret = cmd->fn(mon, args, &err);
    if (ret) {
        json_node_unref(ret);
    }
    if (err) {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    }
    json_object_unref(args);
}

static void hmp_stop(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out)
{
    hmp_run_qmp(mon, "stop", out);
}

static void hmp_cont(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out)
{
    hmp_run_qmp(mon, "cont", out);
}

static void hmp_system_reset(Monitor *mon, const char *line,
                             const char *args_in_line, const char *args,
                             GString *out)
{
    hmp_run_qmp(mon, "system_reset", out);
}

static void hmp_quit(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out)
{
    hmp_run_qmp(mon, "quit", out);
}

static void hmp_cpu(Monitor *mon, const char *line, const char *args_in_line,
                    const char *args, GString *out)
{
    MachineState *ms = current_machine;
    uint64_t index;

    if (!*args) {
        g_string_append(out, "cpu: integer expected\n");
        return;
    }
    if (!qemu_parse_uint64(args, &index)) {
        g_string_append(out, "cpu: invalid char in expression\n");
        return;
    }
    if (!ms || index >= ms->smp_cpus) {
        g_string_append(out, "invalid CPU index\n");
        return;
    }
    monitor_set_cpu_index(mon, (int)index);
}

static void hmp_help(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out);
static void hmp_info(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out);

/* Sorted by name, as QEMU lists them. */
static const HmpCmd hmp_cmds[] = {
    { "cont|c", "", "resume emulation", hmp_cont, false },
    { "cpu", "index", "set the default CPU", hmp_cpu, true },
    { "help|?", "[cmd]", "show the help", hmp_help, true },
    { "info", "[subcommand]", "show various information about the system state",
      hmp_info, true },
    { "quit|q", "", "quit the emulator", hmp_quit, false },
    { "stop", "", "stop emulation", hmp_stop, false },
    { "system_reset", "", "reset the system", hmp_system_reset, false },
};

/* "cont|c" matches "cont" and "c". */
static bool hmp_name_matches(const char *names, const char *name)
{
    char **alts = g_strsplit(names, "|", -1);
    bool match = false;

    for (char **a = alts; *a && !match; a++) {
        match = strcmp(*a, name) == 0;
    }
    g_strfreev(alts);
    return match;
}

static const HmpCmd *hmp_find_cmd(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hmp_cmds); i++) {
        if (hmp_name_matches(hmp_cmds[i].name, name)) {
            return &hmp_cmds[i];
        }
    }
    return NULL;
}

static void hmp_list_info(GString *out)
{
    for (guint i = 0; hmp_info_cmds && i < hmp_info_cmds->len; i++) {
        HmpInfoCmd *c = g_ptr_array_index(hmp_info_cmds, i);
        g_string_append_printf(out, "info %s %s -- %s\n", c->name, c->params,
                               c->help);
    }
}

static void hmp_help(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out)
{
    const HmpCmd *cmd;

    if (!*args) {
        for (size_t i = 0; i < G_N_ELEMENTS(hmp_cmds); i++) {
            g_string_append_printf(out, "%s %s -- %s\n", hmp_cmds[i].name,
                                   hmp_cmds[i].params, hmp_cmds[i].help);
        }
        return;
    }
    cmd = hmp_find_cmd(args);
    if (cmd && strcmp(cmd->name, "info") == 0) {
        hmp_list_info(out);
    } else if (cmd) {
        g_string_append_printf(out, "%s %s -- %s\n", cmd->name, cmd->params,
                               cmd->help);
    } else {
        g_string_append_printf(out, "unknown command: '%s'\n", args);
    }
}

static void hmp_info(Monitor *mon, const char *line, const char *args_in_line,
                     const char *args, GString *out)
{
    const char *p = args;
    char *sub;
    HmpInfoCmd *c;

    if (!*p) {
        hmp_list_info(out);
        return;
    }
    while (*p && !g_ascii_isspace(*p)) {
        p++;
    }
    sub = g_strndup(args, p - args);
    c = hmp_find_info(sub);
    if (!c) {
        /* QEMU quotes the line up to the end of the unknown name. */
        g_string_append_printf(out, "unknown command: '%.*s'\n",
                               (int)(args_in_line - line + (p - args)), line);
    } else {
        while (g_ascii_isspace(*p)) {
            p++;
        }
        if (*p && !*c->params) {
            g_string_append_printf(out,
                                   "%s: extraneous characters at the end of "
                                   "line\n", c->name);
        } else {
            c->fn(mon, p, out);
        }
    }
    g_free(sub);
}

void hmp_execute(Monitor *mon, const char *cmdline, GString *out)
{
    GString *text = g_string_new(NULL);
    const char *p = cmdline ? cmdline : "";
    const char *start;
    char *name;
    char *args;
    const HmpCmd *cmd;

    trace_hmp_command(p);
    while (g_ascii_isspace(*p)) {
        p++;
    }
    start = p;
    while (*p && !g_ascii_isspace(*p)) {
        p++;
    }
    if (p == start) {
        g_string_free(text, TRUE);
        return;
    }
    name = g_strndup(start, p - start);
    cmd = hmp_find_cmd(name);
    if (!cmd) {
        g_string_append_printf(text, "unknown command: '%.*s'\n",
                               (int)(p - cmdline), cmdline);
    } else {
        while (g_ascii_isspace(*p)) {
            p++;
        }
        args = g_strchomp(g_strdup(p));
        if (*args && !cmd->takes_args) {
            g_string_append_printf(text, "%s: extraneous characters at the "
                                   "end of line\n", name);
        } else {
            cmd->fn(mon, cmdline, p, args, text);
        }
        g_free(args);
    }
    g_free(name);

    /* QEMU's monitor turns every "\n" into "\r\n". */
    for (gsize i = 0; i < text->len; i++) {
        if (text->str[i] == '\n' && (i == 0 || text->str[i - 1] != '\r')) {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, text->str[i]);
    }
    g_string_free(text, TRUE);
}
