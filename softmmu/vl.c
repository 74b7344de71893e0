/*
 * The launcher: lapis's command line and start-up sequence, after QEMU's
 * softmmu/vl.c. Options follow QEMU's spelling and behaviour (one or two
 * leading dashes, "-opt help" listings, errors as one line "lapis: -opt
 * value: message" and exit status 1). Everything is parsed and checked before
 * anything with a side effect outside the process is made (sockets, raw
 * terminal); a failure after that point goes through one cleanup path, so a
 * failed start leaves no socket file behind and the terminal as it was.
 * Start-up order: options, main loop and memory, accelerator (first
 * available of the list given), character devices, QMP monitors, the qtest
 * server, the machine, -device devices, the accelerator's machine set-up, a
 * system reset, the vCPUs, and vm_start() unless -S. The machine type
 * registry lives here too (QEMU keeps it in hw/core/machine.c).
 * Left out: QEMU's option groups and -readconfig, disk options (-drive,
 * -hda, a bare image argument), networking, -monitor other than "none"
 * (HMP is reachable through QMP's human-monitor-command), -daemonize,
 * migration, record/replay, and -icount shift=auto and align=on.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "ui/console.h"
#include "hw/rtc/mc146818rtc.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/log.h"
#include "qemu/trace.h"
#include "accel/accel.h"
#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/qdev.h"
#include "monitor/monitor.h"
#include "softmmu/cpus.h"
#include "softmmu/memory.h"
#include "softmmu/qtest.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "config-host.h"

#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

int lapis_main(int argc, char **argv);

/* ------------------------------------------------------------------------
 * Machine types
 */

static GPtrArray *machine_classes;   /* const MachineClass *, filled before main */
MachineState *current_machine;

void machine_class_register(const MachineClass *mc)
{
    if (!machine_classes) {
        machine_classes = g_ptr_array_new();
    }
    g_ptr_array_add(machine_classes, (gpointer)mc);
}

const MachineClass *machine_class_find(const char *name)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (strcmp(mc->name, name) == 0 ||
            (mc->alias && strcmp(mc->alias, name) == 0)) {
            return mc;
        }
    }
    return NULL;
}

const MachineClass *machine_class_default(void)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (mc->is_default) {
            return mc;
        }
    }
    return machine_classes && machine_classes->len
           ? g_ptr_array_index(machine_classes, 0) : NULL;
}

/* One line per type, as QEMU's "-machine help" prints them. */
void machine_class_list(GString *out)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (mc->alias) {
            g_string_append_printf(out, "%-20s %s (alias of %s)\n", mc->alias,
                                   mc->desc, mc->name);
        }
        g_string_append_printf(out, "%-20s %s%s\n", mc->name, mc->desc,
                               mc->is_default ? " (default)" : "");
    }
}

/* ------------------------------------------------------------------------
 * The option table
 */

typedef enum OptionId {
    OPT_MACHINE, OPT_ACCEL, OPT_CPU, OPT_SMP, OPT_MEMORY,
    OPT_KERNEL, OPT_APPEND, OPT_INITRD,
    OPT_DEVICE, OPT_GLOBAL,
    OPT_SERIAL, OPT_CHARDEV, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_NODEFAULTS,
    OPT_VGA, OPT_QMP, OPT_MON, OPT_MONITOR, OPT_QTEST, OPT_QTEST_LOG,
    OPT_START_PAUSED, OPT_NO_REBOOT, OPT_NO_SHUTDOWN,
    OPT_LOG_ITEMS, OPT_LOG_FILE, OPT_TRACE,
    OPT_NAME, OPT_RTC, OPT_ICOUNT,
    OPT_VERSION, OPT_HELP,
} OptionId;

typedef struct LapisOption {
    const char *name;
    OptionId id;
    const char *arg;            /* argument synopsis; NULL: takes none */
    const char *help;           /* NULL: an alias, left out of -help */
} LapisOption;

static const LapisOption lapis_options[] = {
    { "machine", OPT_MACHINE, "NAME[,accel=A[:B]][,dumpdtb=F][,acpi=on|off]",
      "machine type and properties (help lists machines)" },
    { "M", OPT_MACHINE, "NAME", NULL },
    { "accel", OPT_ACCEL, "NAME[:NAME...][,PROP=VALUE]",
      "accelerator to try; repeat to give fallbacks (help lists them)" },
    { "cpu", OPT_CPU, "MODEL[,+FLAG|-FLAG|FLAG=on|off]",
      "CPU model and features (help lists them)" },
    { "smp", OPT_SMP, "N[,sockets=N][,cores=1][,threads=1][,maxcpus=N]",
      "number of CPUs, one per socket (1-255 on pc)" },
    { "m", OPT_MEMORY, "SIZE[K|M|G|T]", "guest RAM; a bare number is MiB" },
    { "kernel", OPT_KERNEL, "FILE", "boot this Multiboot kernel directly" },
    { "append", OPT_APPEND, "CMDLINE", "kernel command line" },
    { "initrd", OPT_INITRD, "FILE[ ARGS][,FILE...]",
      "Multiboot modules, comma-separated" },
    { "device", OPT_DEVICE, "TYPE[,PROP=VALUE...]",
      "add a device (help lists types, TYPE,help its properties)" },
    { "global", OPT_GLOBAL, "DRIVER.PROP=VALUE",
      "default property value for every device of a type" },
    { "serial", OPT_SERIAL, "none|null|stdio|file:PATH|unix:PATH[,...]|chardev:ID",
      "next serial port (COM1..COM4)" },
    { "chardev", OPT_CHARDEV, "BACKEND,id=ID[,path=P][,server=on][,wait=off]",
      "character device (help lists backends)" },
    { "display", OPT_DISPLAY, "none|sdl", "display type (default none)" },
    { "nographic", OPT_NOGRAPHIC, NULL,
      "no display; serial0 on stdio unless -serial is given" },
    { "nodefaults", OPT_NODEFAULTS, NULL, "no default serial port" },
    { "vga", OPT_VGA, "std|none", "VGA card (std: text-mode adapter, the default)" },
    { "qmp", OPT_QMP, "CHARDEV-SPEC", "QMP server on this character device" },
    { "mon", OPT_MON, "chardev=ID,mode=control[,pretty=on|off]",
      "QMP monitor on a -chardev" },
    { "monitor", OPT_MONITOR, "none", "human monitor (only none; use QMP)" },
    { "qtest", OPT_QTEST, "CHARDEV-SPEC", "qtest protocol server (implies -accel qtest)" },
    { "qtest-log", OPT_QTEST_LOG, "FILE", "log the qtest traffic to FILE" },
    { "S", OPT_START_PAUSED, NULL, "do not start the CPUs (QMP cont starts them)" },
    { "no-reboot", OPT_NO_REBOOT, NULL, "exit instead of rebooting" },
    { "no-shutdown", OPT_NO_SHUTDOWN, NULL,
      "stop instead of exiting when the guest shuts down" },
    { "d", OPT_LOG_ITEMS, "ITEM[,ITEM...]", "debug log items (help lists them)" },
    { "D", OPT_LOG_FILE, "FILE", "write the debug log to FILE" },
    { "trace", OPT_TRACE, "PATTERN|enable=PATTERN|events=FILE|file=FILE",
      "enable trace points (help lists them)" },
    { "name", OPT_NAME, "NAME", "a name for this guest" },
    { "rtc", OPT_RTC, "[base=utc|localtime][,clock=host|rt|vm][,driftfix=none|slew]",
      "RTC settings (accepted; no RTC device yet)" },
    { "icount", OPT_ICOUNT, "[shift=]N[,sleep=on|off][,align=off]",
      "virtual time from executed instructions, 2^N ns each (tcg)" },
    { "version", OPT_VERSION, NULL, "print the version and exit" },
    { "help", OPT_HELP, NULL, "print this help and exit" },
    { "h", OPT_HELP, NULL, NULL },
};

static const LapisOption *lookup_option(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(lapis_options); i++) {
        if (strcmp(lapis_options[i].name, name) == 0) {
            return &lapis_options[i];
        }
    }
    return NULL;
}

static void print_help(void)
{
    printf("usage: lapis [options]\n"
           "lapis %s, a QEMU-compatible x86 system emulator. Options take one "
           "or two leading dashes.\n\n", LAPIS_VERSION);
    for (size_t i = 0; i < G_N_ELEMENTS(lapis_options); i++) {
        const LapisOption *o = &lapis_options[i];
        char *synopsis;

        if (!o->help) {
            continue;
        }
        synopsis = g_strdup_printf("-%s%s%s", o->name, o->arg ? " " : "",
                                   o->arg ? o->arg : "");
        printf("%-44s %s\n", synopsis, o->help);
        g_free(synopsis);
    }
    printf("\n-M is -machine, -h is -help. See docs/usage.md for details.\n");
}

/* ------------------------------------------------------------------------
 * Option values
 */

typedef struct KeyValue {
    char *key;                  /* NULL for a bare item */
    char *value;
} KeyValue;

static void key_value_free(gpointer p)
{
    KeyValue *kv = p;

    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

/*
 * Split "a,b=c,d=e,,f" on commas into KeyValue items; as in QEMU, ",," is a
 * literal comma inside a value. An item without '=' has key NULL.
 */
static GPtrArray *split_options(const char *str)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(key_value_free);
    GString *cur = g_string_new(NULL);
    const char *p = str;

    for (;;) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p += 2;
            continue;
        }
        if (*p == ',' || *p == '\0') {
            KeyValue *kv = g_new0(KeyValue, 1);
            char *eq = strchr(cur->str, '=');
            if (eq) {
                kv->key = g_strndup(cur->str, (gsize)(eq - cur->str));
                kv->value = g_strdup(eq + 1);
            } else {
                kv->value = g_strdup(cur->str);
            }
            g_ptr_array_add(items, kv);
            g_string_truncate(cur, 0);
            if (*p == '\0') {
                break;
            }
            p++;
            continue;
        }
        g_string_append_c(cur, *p++);
    }
    g_string_free(cur, TRUE);
    return items;
}

/* What the command line asked for; filled by parsing, read by start-up. */
typedef struct LaunchConfig {
    char *machine_type;
    GPtrArray *machine_props;   /* KeyValue * for MachineClass.set_property */
    char *machine_accel;        /* -machine accel=A:B */
    GPtrArray *accels;          /* -accel arguments, in order */
    char *dumpdtb;
    bool acpi;
    char *cpu_model;
    uint64_t smp;               /* 0: the default, 1 */
    uint64_t ram_size;          /* 0: the machine's default */
    char *kernel, *append, *initrd;
    GPtrArray *devices;         /* -device strings */
    GPtrArray *serials;         /* -serial specs other than "none" */
    bool serial_none;           /* -serial none was given */
    GPtrArray *chardevs;        /* -chardev strings */
    GPtrArray *qmps;            /* -qmp specs */
    GPtrArray *mons;            /* -mon chardev ids */
    bool nographic, nodefaults, start_paused;
    char *display;              /* -display TYPE; NULL: none */
    bool no_vga;                /* -vga none */
    char *qtest, *qtest_log;
    char *log_file;
    char *name;
    int icount_shift;           /* -1: no -icount */
    bool icount_sleep;
} LaunchConfig;

static LaunchConfig cfg;

static void print_string_and_exit(GString *text)
{
    fputs(text->str, stdout);
    g_string_free(text, TRUE);
    exit(0);
}

static bool parse_machine(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);

        if ((!kv->key && i == 0) || g_strcmp0(kv->key, "type") == 0) {
            if (strcmp(kv->value, "help") == 0 || strcmp(kv->value, "?") == 0) {
                GString *out = g_string_new("Supported machines are:\n");
                machine_class_list(out);
                print_string_and_exit(out);
            }
            g_free(cfg.machine_type);
            cfg.machine_type = g_strdup(kv->value);
        } else if (!kv->key) {
            error_setg(errp, "Invalid parameter '%s'", kv->value);
            return false;
        } else if (strcmp(kv->key, "accel") == 0) {
            g_free(cfg.machine_accel);
            cfg.machine_accel = g_strdup(kv->value);
        } else if (strcmp(kv->key, "dumpdtb") == 0) {
            g_free(cfg.dumpdtb);
            cfg.dumpdtb = g_strdup(kv->value);
        } else if (strcmp(kv->key, "acpi") == 0) {
            if (!qemu_parse_bool(kv->value, &cfg.acpi)) {
                error_setg(errp, "Parameter 'acpi' expects 'on' or 'off'");
                return false;
            }
        } else {
            KeyValue *copy = g_new0(KeyValue, 1);
            copy->key = g_strdup(kv->key);
            copy->value = g_strdup(kv->value);
            g_ptr_array_add(cfg.machine_props, copy);
        }
    }
    return true;
}

/*
 * -smp: lapis models one CPU per socket (no cores or threads), so sockets
 * equals cpus and cores/threads must be 1; no CPU hotplug, so maxcpus, if
 * given, equals cpus. The machine's own maximum is checked later.
 */
static bool parse_smp(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);
    uint64_t cpus = 0, sockets = 0, maxcpus = 0;
    static const char *const one_only[] = {
        "cores", "threads", "dies", "clusters", "books", "drawers", NULL
    };

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        const char *key = kv->key ? kv->key : (i == 0 ? "cpus" : NULL);
        uint64_t v;

        if (!key) {
            error_setg(errp, "Invalid parameter '%s'", kv->value);
            return false;
        }
        if (!qemu_parse_uint64(kv->value, &v)) {
            error_setg(errp, "Parameter '%s' expects a number, not '%s'", key,
                       kv->value);
            return false;
        }
        if (strcmp(key, "cpus") == 0) {
            cpus = v;
        } else if (strcmp(key, "sockets") == 0) {
            sockets = v;
        } else if (strcmp(key, "maxcpus") == 0) {
            maxcpus = v;
        } else if (g_strv_contains(one_only, key)) {
            if (v != 1) {
                error_setg(errp, "%s=%" PRIu64 " is not supported: lapis models "
                           "one CPU per socket (cores=1,threads=1)", key, v);
                return false;
            }
        } else {
            error_setg(errp, "Invalid parameter '%s'", key);
            return false;
        }
    }
    if (!cpus) {
        cpus = sockets ? sockets : maxcpus;
    }
    if (cpus == 0) {
        error_setg(errp, "CPU count must be at least 1");
        return false;
    }
    if (sockets && sockets != cpus) {
        error_setg(errp, "Invalid CPU topology: sockets (%" PRIu64 ") * cores (1) "
                   "* threads (1) != cpus (%" PRIu64 ")", sockets, cpus);
        return false;
    }
    if (maxcpus && maxcpus != cpus) {
        error_setg(errp, "maxcpus (%" PRIu64 ") must equal cpus (%" PRIu64 "): "
                   "CPU hotplug is not supported", maxcpus, cpus);
        return false;
    }
    cfg.smp = cpus;
    return true;
}

/* Smallest RAM we accept: room for the real-mode area and a Multiboot image. */
#define MIN_RAM_SIZE (1024 * 1024ULL)
#define RAM_ALIGN    4096ULL

static bool parse_memory(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);
    const char *size_str = NULL;
    uint64_t size;

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        if ((!kv->key && i == 0) || g_strcmp0(kv->key, "size") == 0) {
            size_str = kv->value;
        } else if (g_strcmp0(kv->key, "slots") == 0 ||
                   g_strcmp0(kv->key, "maxmem") == 0) {
            error_setg(errp, "memory hotplug (%s) is not supported", kv->key);
            return false;
        } else {
            error_setg(errp, "Invalid parameter '%s'",
                       kv->key ? kv->key : kv->value);
            return false;
        }
    }
    if (!size_str || !qemu_parse_size(size_str, 'M', &size)) {
        error_setg(errp, "invalid RAM size '%s' (expected e.g. 512, 512M, 2G)",
                   size_str ? size_str : "");
        return false;
    }
    if (size < MIN_RAM_SIZE) {
        error_setg(errp, "RAM size must be at least 1 MiB");
        return false;
    }
    if (size > UINT64_MAX - (RAM_ALIGN - 1)) {
        error_setg(errp, "RAM size is too large");
        return false;
    }
    cfg.ram_size = (size + RAM_ALIGN - 1) & ~(RAM_ALIGN - 1);
    return true;
}

#ifdef CONFIG_SDL
static const bool have_sdl = true;
#else
static const bool have_sdl = false;
#endif

static bool parse_display(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);
    KeyValue *first = g_ptr_array_index(items, 0);
    const char *type = first->key ? NULL : first->value;

    if (g_strcmp0(first->key, "type") == 0) {
        type = first->value;
    }
    if (g_strcmp0(type, "help") == 0) {
        print_string_and_exit(g_string_new(have_sdl
                                           ? "Available display backend types:\n"
                                             "none\nsdl\n"
                                           : "Available display backend types:\n"
                                             "none\n"));
    }
    if (g_strcmp0(type, "none") == 0 ||
        (have_sdl && g_strcmp0(type, "sdl") == 0)) {
        g_free(cfg.display);
        cfg.display = g_strdup(type);
        return true;
    }
    if (g_strcmp0(type, "sdl") == 0) {
        error_setg(errp, "not available in this build (no SDL2)");
        return false;
    }
    error_setg(errp, "unknown display type '%s' (this build has: none%s)",
               type ? type : "", have_sdl ? ", sdl" : "");
    return false;
}

static bool parse_mon(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);
    const char *chardev = NULL, *mode = "readline";

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        bool pretty;

        if ((!kv->key && i == 0) || g_strcmp0(kv->key, "chardev") == 0) {
            chardev = kv->value;
        } else if (g_strcmp0(kv->key, "mode") == 0) {
            mode = kv->value;
        } else if (g_strcmp0(kv->key, "pretty") == 0) {
            if (!qemu_parse_bool(kv->value, &pretty)) {
                error_setg(errp, "Parameter 'pretty' expects 'on' or 'off'");
                return false;
            }
        } else {
            error_setg(errp, "Invalid parameter '%s'",
                       kv->key ? kv->key : kv->value);
            return false;
        }
    }
    if (!chardev) {
        error_setg(errp, "Parameter 'chardev' is missing");
        return false;
    }
    if (strcmp(mode, "control") != 0) {
        error_setg(errp, "only mode=control is supported (the human monitor "
                   "is reachable through QMP's human-monitor-command)");
        return false;
    }
    g_ptr_array_add(cfg.mons, g_strdup(chardev));
    return true;
}

/* Accept QEMU's -rtc keys; there is no RTC device yet to use them. */
static bool parse_rtc(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        const char *key = kv->key ? kv->key : "";

        if (strcmp(key, "base") == 0) {
            /* utc, localtime or a date; the RTC takes it as its "base". */
            g_autofree char *global = NULL;

            if (!mc146818rtc_parse_base(kv->value, NULL, errp)) {
                return false;
            }
            global = g_strdup_printf("%s.base=%s", TYPE_MC146818_RTC,
                                     kv->value);
            if (!qdev_add_global(global, errp)) {
                return false;
            }
        } else if (strcmp(key, "clock") == 0) {
            if (strcmp(kv->value, "host") && strcmp(kv->value, "rt") &&
                strcmp(kv->value, "vm")) {
                error_setg(errp, "invalid clock '%s' (host, rt or vm)", kv->value);
                return false;
            }
        } else if (strcmp(key, "driftfix") == 0) {
            if (strcmp(kv->value, "none") && strcmp(kv->value, "slew")) {
                error_setg(errp, "invalid driftfix '%s' (none or slew)",
                           kv->value);
                return false;
            }
        } else {
            error_setg(errp, "Invalid parameter '%s'",
                       kv->key ? kv->key : kv->value);
            return false;
        }
    }
    return true;
}

/*
 * -icount [shift=]N[,sleep=on|off][,align=off] (QEMU's icount_configure):
 * the virtual clock advances 2^N ns per guest instruction. shift=auto
 * (QEMU's adaptive rate) and align=on (keeping the guest near host time)
 * are refused; sleep=off needs no host timing at all.
 */
static bool parse_icount(const char *arg, GError **errp)
{
    g_autoptr(GPtrArray) items = split_options(arg);
    int shift = -1;
    bool sleep = true;

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        const char *key = kv->key ? kv->key : (i == 0 ? "shift" : "");
        uint64_t v;
        bool b;

        if (strcmp(key, "shift") == 0) {
            if (strcmp(kv->value, "auto") == 0) {
                error_setg(errp, "shift=auto (adaptive instruction counting) "
                           "is not supported; give shift=0..%d",
                           ICOUNT_MAX_SHIFT);
                return false;
            }
            if (!qemu_parse_uint64(kv->value, &v) || v > ICOUNT_MAX_SHIFT) {
                error_setg(errp, "shift must be 'auto' or 0..%d, not '%s'",
                           ICOUNT_MAX_SHIFT, kv->value);
                return false;
            }
            shift = (int)v;
        } else if (strcmp(key, "align") == 0 || strcmp(key, "sleep") == 0) {
            if (!qemu_parse_bool(kv->value, &b)) {
                error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
                return false;
            }
            if (strcmp(key, "align") == 0 && b) {
                error_setg(errp, "align=on is not supported");
                return false;
            }
            if (strcmp(key, "sleep") == 0) {
                sleep = b;
            }
        } else {
            error_setg(errp, "Invalid parameter '%s'",
                       kv->key ? kv->key : kv->value);
            return false;
        }
    }
    if (shift < 0) {
        error_setg(errp, "shift=N is missing (N: 0..%d)", ICOUNT_MAX_SHIFT);
        return false;
    }
    cfg.icount_shift = shift;
    cfg.icount_sleep = sleep;
    return true;
}

/* The value of "id=" in a -chardev option string, or NULL. */
static char *chardev_option_id(const char *optstr)
{
    g_autoptr(GPtrArray) items = split_options(optstr);

    for (guint i = 0; i < items->len; i++) {
        KeyValue *kv = g_ptr_array_index(items, i);
        if (g_strcmp0(kv->key, "id") == 0) {
            return g_strdup(kv->value);
        }
    }
    return NULL;
}

static bool chardev_id_given(const char *id)
{
    for (guint i = 0; i < cfg.chardevs->len; i++) {
        g_autofree char *cid = chardev_option_id(g_ptr_array_index(cfg.chardevs, i));
        if (g_strcmp0(cid, id) == 0) {
            return true;
        }
    }
    return false;
}

/* Handle one option; false with errp set on a bad value. */
static bool handle_option(const LapisOption *o, const char *arg, GError **errp)
{
    switch (o->id) {
    case OPT_MACHINE:
        return parse_machine(arg, errp);
    case OPT_ACCEL:
        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            GString *out = g_string_new("Accelerators supported in lapis:\n");
            accel_class_list(out);
            print_string_and_exit(out);
        }
        g_ptr_array_add(cfg.accels, g_strdup(arg));
        return true;
    case OPT_CPU:
        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            GString *out = g_string_new(NULL);
            x86_cpu_list(out);
            print_string_and_exit(out);
        }
        g_free(cfg.cpu_model);
        cfg.cpu_model = g_strdup(arg);
        return true;
    case OPT_SMP:
        return parse_smp(arg, errp);
    case OPT_MEMORY:
        return parse_memory(arg, errp);
    case OPT_KERNEL:
        g_free(cfg.kernel);
        cfg.kernel = g_strdup(arg);
        return true;
    case OPT_APPEND:
        g_free(cfg.append);
        cfg.append = g_strdup(arg);
        return true;
    case OPT_INITRD:
        g_free(cfg.initrd);
        cfg.initrd = g_strdup(arg);
        return true;
    case OPT_DEVICE: {
        g_autoptr(GPtrArray) items = split_options(arg);
        KeyValue *first = g_ptr_array_index(items, 0);

        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            GString *out = g_string_new(NULL);
            device_class_list(out, true);
            print_string_and_exit(out);
        }
        if (items->len == 2 && !first->key) {
            KeyValue *second = g_ptr_array_index(items, 1);
            if (!second->key && (strcmp(second->value, "help") == 0 ||
                                 strcmp(second->value, "?") == 0)) {
                GString *out = g_string_new(NULL);
                if (!device_class_list_props(first->value, out, errp)) {
                    g_string_free(out, TRUE);
                    return false;
                }
                print_string_and_exit(out);
            }
        }
        g_ptr_array_add(cfg.devices, g_strdup(arg));
        return true;
    }
    case OPT_GLOBAL:
        return qdev_add_global(arg, errp);
    case OPT_SERIAL:
        if (strcmp(arg, "none") == 0) {
            cfg.serial_none = true;
            return true;
        }
        if (cfg.serials->len >= MAX_SERIAL_PORTS) {
            error_setg(errp, "too many serial ports (at most %d: COM1..COM4)",
                       MAX_SERIAL_PORTS);
            return false;
        }
        g_ptr_array_add(cfg.serials, g_strdup(arg));
        return true;
    case OPT_CHARDEV:
        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            print_string_and_exit(g_string_new("Available chardev backend types:\n"
                                               "  file\n  null\n  socket\n"
                                               "  stdio\n"));
        }
        g_ptr_array_add(cfg.chardevs, g_strdup(arg));
        return true;
    case OPT_DISPLAY:
        return parse_display(arg, errp);
    case OPT_NOGRAPHIC:
        cfg.nographic = true;
        return true;
    case OPT_NODEFAULTS:
        cfg.nodefaults = true;
        return true;
    case OPT_VGA:
        /* "std" is the default text-mode adapter (isa-vga; text modes only). */
        if (strcmp(arg, "none") != 0 && strcmp(arg, "std") != 0) {
            error_setg(errp, "'%s' is not available (std or none)", arg);
            return false;
        }
        cfg.no_vga = strcmp(arg, "none") == 0;
        return true;
    case OPT_QMP:
        g_ptr_array_add(cfg.qmps, g_strdup(arg));
        return true;
    case OPT_MON:
        return parse_mon(arg, errp);
    case OPT_MONITOR:
        if (strcmp(arg, "none") != 0) {
            error_setg(errp, "only 'none' is supported; use -qmp (HMP is "
                       "reachable through QMP's human-monitor-command)");
            return false;
        }
        return true;
    case OPT_QTEST:
        g_free(cfg.qtest);
        cfg.qtest = g_strdup(arg);
        return true;
    case OPT_QTEST_LOG:
        g_free(cfg.qtest_log);
        cfg.qtest_log = g_strdup(arg);
        return true;
    case OPT_START_PAUSED:
        cfg.start_paused = true;
        return true;
    case OPT_NO_REBOOT:
        no_reboot = true;
        return true;
    case OPT_NO_SHUTDOWN:
        no_shutdown = true;
        return true;
    case OPT_LOG_ITEMS:
        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            qemu_log_print_items(stdout);
            exit(0);
        }
        return qemu_set_log_items(arg, errp);
    case OPT_LOG_FILE:
        g_free(cfg.log_file);
        cfg.log_file = g_strdup(arg);
        return true;
    case OPT_TRACE:
        if (strcmp(arg, "help") == 0 || strcmp(arg, "?") == 0) {
            trace_list_events(stdout);
            exit(0);
        }
        return trace_parse_option(arg, errp);
    case OPT_NAME: {
        g_autoptr(GPtrArray) items = split_options(arg);
        for (guint i = 0; i < items->len; i++) {
            KeyValue *kv = g_ptr_array_index(items, i);
            if ((!kv->key && i == 0) || g_strcmp0(kv->key, "guest") == 0) {
                g_free(cfg.name);
                cfg.name = g_strdup(kv->value);
            }
        }
        return true;
    }
    case OPT_RTC:
        return parse_rtc(arg, errp);
    case OPT_ICOUNT:
        return parse_icount(arg, errp);
    case OPT_VERSION:
        printf("lapis version %s\n"
               "A QEMU-compatible x86 system emulator (command line, QMP and "
               "qtest protocols after QEMU's)\n", LAPIS_VERSION);
        exit(0);
    case OPT_HELP:
        print_help();
        exit(0);
    }
    g_assert_not_reached();
}

/* Parse argv; on error print one line and return false. */
static bool parse_command_line(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *typed = argv[i];
        const char *name = typed;
        const LapisOption *o;
        const char *arg = NULL;
        GError *err = NULL;

        if (name[0] != '-' || name[1] == '\0') {
            error_report("%s: invalid option (lapis takes no disk image "
                         "argument)", typed);
            return false;
        }
        name += name[1] == '-' ? 2 : 1;
        o = lookup_option(name);
        if (!o) {
            error_report("%s: invalid option", typed);
            return false;
        }
        if (o->arg) {
            if (i + 1 >= argc) {
                error_report("%s: requires an argument", typed);
                return false;
            }
            arg = argv[++i];
        }
        if (!handle_option(o, arg, &err)) {
            if (arg) {
                error_report("%s %s: %s", typed, arg, err->message);
            } else {
                error_report("%s: %s", typed, err->message);
            }
            g_error_free(err);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Checks that need the whole command line, before anything is created
 */

static bool file_readable(const char *path, const char *opt, GError **errp)
{
    if (access(path, R_OK) != 0) {
        error_setg(errp, "%s %s: could not open: %s", opt, path,
                   g_strerror(errno));
        return false;
    }
    return true;
}

static bool validate_config(const MachineClass **pmc, GError **errp)
{
    const MachineClass *mc;
    X86CPUModel model;
    GError *local_err = NULL;

    if (cfg.machine_accel && cfg.accels->len) {
        error_setg(errp, "The -accel and \"-machine accel=\" options are "
                   "incompatible");
        return false;
    }
    if (cfg.machine_type) {
        mc = machine_class_find(cfg.machine_type);
        if (!mc) {
            error_setg(errp, "-machine %s: unsupported machine type \"%s\" "
                       "(-machine help lists them)", cfg.machine_type,
                       cfg.machine_type);
            return false;
        }
    } else {
        mc = machine_class_default();
        if (!mc) {
            error_setg(errp, "no machine types are built in");
            return false;
        }
    }
    if (cfg.smp > mc->max_cpus) {
        error_setg(errp, "-smp %" PRIu64 ": Invalid SMP CPUs %" PRIu64
                   ". The max CPUs supported by machine '%s' is %u",
                   cfg.smp, cfg.smp, mc->name, mc->max_cpus);
        return false;
    }
    if (!x86_cpu_model_parse(cfg.cpu_model ? cfg.cpu_model : "qemu64", &model,
                             &local_err)) {
        error_setg(errp, "-cpu %s: %s", cfg.cpu_model ? cfg.cpu_model : "qemu64",
                   local_err->message);
        g_error_free(local_err);
        return false;
    }
    if (cfg.kernel && !file_readable(cfg.kernel, "-kernel", errp)) {
        return false;
    }
    if ((cfg.append || cfg.initrd) && !cfg.kernel) {
        error_setg(errp, "%s only allowed with -kernel option",
                   cfg.initrd ? "-initrd" : "-append");
        return false;
    }
    if (cfg.initrd) {
        /* Each module is "FILE ARGS"; check that each FILE can be read. */
        g_autoptr(GPtrArray) mods = split_options(cfg.initrd);
        for (guint i = 0; i < mods->len; i++) {
            KeyValue *kv = g_ptr_array_index(mods, i);
            g_autofree char *whole = kv->key
                ? g_strdup_printf("%s=%s", kv->key, kv->value)
                : g_strdup(kv->value);
            g_auto(GStrv) words = g_strsplit(whole, " ", 2);
            if (!words[0] || !*words[0]) {
                error_setg(errp, "-initrd %s: empty module name", cfg.initrd);
                return false;
            }
            if (!file_readable(words[0], "-initrd", errp)) {
                return false;
            }
        }
    }
    for (guint i = 0; i < cfg.mons->len; i++) {
        const char *id = g_ptr_array_index(cfg.mons, i);
        if (!chardev_id_given(id)) {
            error_setg(errp, "-mon chardev=%s: no -chardev with id=%s", id, id);
            return false;
        }
    }
    for (guint i = 0; i < cfg.serials->len; i++) {
        const char *spec = g_ptr_array_index(cfg.serials, i);
        if (g_str_has_prefix(spec, "chardev:") && !chardev_id_given(spec + 8)) {
            error_setg(errp, "-serial %s: no -chardev with id=%s", spec,
                       spec + 8);
            return false;
        }
    }
    *pmc = mc;
    return true;
}

/* ------------------------------------------------------------------------
 * Accelerator selection
 */

/*
 * Try each accelerator of the list in turn, as QEMU's configure_accelerators
 * does: an unknown name or an unavailable accelerator is reported and the next
 * one tried; the first that is available becomes current.
 */
static const AccelClass *select_accelerator(GError **errp)
{
    g_autoptr(GPtrArray) tries = g_ptr_array_new_with_free_func(g_free);
    const AccelClass *chosen = NULL;
    bool any_failed = false;

    if (cfg.machine_accel) {
        g_auto(GStrv) names = g_strsplit(cfg.machine_accel, ":", -1);
        for (char **n = names; *n; n++) {
            g_ptr_array_add(tries, g_strdup(*n));
        }
    } else if (cfg.accels->len) {
        for (guint i = 0; i < cfg.accels->len; i++) {
            const char *spec = g_ptr_array_index(cfg.accels, i);
            const char *comma = strchr(spec, ',');
            g_autofree char *names = comma ? g_strndup(spec, (gsize)(comma - spec))
                                           : g_strdup(spec);
            const char *list = g_str_has_prefix(names, "accel=") ? names + 6 : names;
            g_auto(GStrv) split = g_strsplit(list, ":", -1);
            /* Properties follow the name(s): "kvm,kernel-irqchip=split". */
            for (char **n = split; *n; n++) {
                g_ptr_array_add(tries, comma ? g_strconcat(*n, comma, NULL)
                                             : g_strdup(*n));
            }
        }
    } else {
        g_ptr_array_add(tries, g_strdup(cfg.qtest ? "qtest" : "tcg"));
    }
    if (icount_enabled()) {
        /* instructions are counted by the interpreter only (QEMU: "-icount
         * is not allowed with hardware virtualization"); refused before
         * anything is tried, so the answer does not depend on /dev/kvm */
        bool counts = false;
        for (guint i = 0; i < tries->len; i++) {
            const char *spec = g_ptr_array_index(tries, i);
            counts |= g_str_has_prefix(spec, "tcg") || g_str_has_prefix(spec, "qtest");
        }
        if (!counts) {
            error_setg(errp, "-icount is not allowed with hardware "
                       "virtualization");
            return NULL;
        }
    }

    for (guint i = 0; i < tries->len && !chosen; i++) {
        const char *spec = g_ptr_array_index(tries, i);
        g_autoptr(GPtrArray) items = split_options(spec);
        KeyValue *first = g_ptr_array_index(items, 0);
        const char *name = first->value;
        const AccelClass *ac = accel_class_find(name);
        GError *err = NULL;

        if (!ac) {
            error_report("-accel %s: invalid accelerator %s", name, name);
            any_failed = true;
            continue;
        }
        for (guint k = 1; k < items->len; k++) {
            KeyValue *kv = g_ptr_array_index(items, k);
            if (!kv->key || !ac->set_property ||
                !ac->set_property(kv->key, kv->value, &err)) {
                if (err) {
                    error_setg(errp, "-accel %s: %s", spec, err->message);
                    g_error_free(err);
                } else {
                    error_setg(errp, "-accel %s: Property '%s.%s' not found",
                               spec, name, kv->key ? kv->key : kv->value);
                }
                return NULL;
            }
        }
        if (!ac->available(&err)) {
            error_report("-accel %s: failed to initialize %s: %s", name, name,
                         err ? err->message : "not available");
            g_clear_error(&err);
            any_failed = true;
            continue;
        }
        chosen = ac;
    }
    if (!chosen) {
        error_setg(errp, "no accelerator found");
        return NULL;
    }
    if (any_failed) {
        error_report("falling back to %s", chosen->name);
    }
    return chosen;
}

/* ------------------------------------------------------------------------
 * Start-up and shutdown
 */

/* What has been brought up, so that a failure can take it down again. */
static struct {
    bool monitors;
    bool qtest;
    bool machine;
    bool vcpus;
    bool display;
} started;

static void teardown(void)
{
    MachineState *ms = current_machine;

    if (started.vcpus) {
        cpus_stop(ms);
    }
    if (started.monitors) {
        monitor_cleanup();
    }
    if (started.qtest) {
        qtest_server_cleanup();
    }
    if (started.display) {
        display_cleanup();
    }
    /* Devices first (a UART detaches from its chardev), then the board. */
    qdev_unrealize_all();
    if (started.machine && ms->mc->cleanup) {
        ms->mc->cleanup(ms);
    }
    qemu_chr_cleanup_all();
    qemu_log_close();
}

static gboolean on_terminate_signal(gpointer opaque)
{
    if (!qtest_enabled()) {
        error_report("terminating on signal %d", GPOINTER_TO_INT(opaque));
    }
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static Chardev *create_chardev(const char *opt, const char *id,
                               const char *spec, GError **errp)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new(id, spec, &err);

    if (!chr) {
        error_setg(errp, "%s %s: %s", opt, spec, err->message);
        g_error_free(err);
    }
    return chr;
}

/* Character devices, monitors and the qtest server. */
static bool start_frontends(MachineState *ms, GError **errp)
{
    GError *err = NULL;
    GPtrArray *serials = cfg.serials;
    g_autoptr(GPtrArray) qmp_chrs = g_ptr_array_new();

    for (guint i = 0; i < cfg.chardevs->len; i++) {
        const char *opt = g_ptr_array_index(cfg.chardevs, i);
        if (!qemu_chr_new_from_option(opt, &err)) {
            error_setg(errp, "-chardev %s: %s", opt, err->message);
            g_error_free(err);
            return false;
        }
    }

    /* serial0 by default: stdio with -nographic, else null (no display). */
    if (!serials->len && !cfg.serial_none && !cfg.nodefaults) {
        g_ptr_array_add(serials, g_strdup(cfg.nographic ? "stdio" : "null"));
    }
    for (guint i = 0; i < serials->len; i++) {
        const char *spec = g_ptr_array_index(serials, i);
        if (g_str_has_prefix(spec, "chardev:")) {
            ms->serial[i] = qemu_chr_find(spec + 8);
        } else {
            g_autofree char *id = g_strdup_printf("serial%u", i);
            ms->serial[i] = create_chardev("-serial", id, spec, errp);
        }
        if (!ms->serial[i]) {
            return false;
        }
    }

    for (guint i = 0; i < cfg.qmps->len; i++) {
        g_autofree char *id = g_strdup_printf("qmp%u", i);
        Chardev *chr = create_chardev("-qmp", id, g_ptr_array_index(cfg.qmps, i),
                                      errp);
        if (!chr) {
            return false;
        }
        g_ptr_array_add(qmp_chrs, chr);
    }
    for (guint i = 0; i < cfg.mons->len; i++) {
        g_ptr_array_add(qmp_chrs, qemu_chr_find(g_ptr_array_index(cfg.mons, i)));
    }
    if (qmp_chrs->len) {
        qmp_register_builtin_commands();
        started.monitors = true;
    }
    for (guint i = 0; i < qmp_chrs->len; i++) {
        Chardev *chr = g_ptr_array_index(qmp_chrs, i);
        if (!chr || !monitor_init_qmp(chr, &err)) {
            error_setg(errp, "QMP monitor on '%s': %s",
                       chr ? qemu_chr_id(chr) : "?",
                       err ? err->message : "chardev not found");
            g_clear_error(&err);
            return false;
        }
    }

    if (cfg.qtest) {
        Chardev *chr = create_chardev("-qtest", "qtest", cfg.qtest, errp);
        if (!chr) {
            return false;
        }
        started.qtest = true;
        if (!qtest_server_init(chr, cfg.qtest_log, &err)) {
            error_setg(errp, "-qtest %s: %s", cfg.qtest, err->message);
            g_error_free(err);
            return false;
        }
    }
    return true;
}

static bool create_devices(MachineState *ms, GError **errp)
{
    for (guint i = 0; i < cfg.devices->len; i++) {
        const char *opt = g_ptr_array_index(cfg.devices, i);
        GError *err = NULL;
        DeviceState *dev = qdev_new_from_option(opt, &err);

        if (!dev || !qdev_realize(dev, NULL, &err)) {
            error_setg(errp, "-device %s: %s", opt, err->message);
            g_error_free(err);
            return false;
        }
    }
    return true;
}

static MachineState *machine_new(const MachineClass *mc, GError **errp)
{
    MachineState *ms = g_new0(MachineState, 1);

    ms->mc = mc;
    ms->ram_size = cfg.ram_size ? cfg.ram_size : mc->default_ram_size;
    ms->smp_cpus = cfg.smp ? (unsigned)cfg.smp : 1;
    ms->cpu_model = g_strdup(cfg.cpu_model);
    ms->kernel_filename = g_strdup(cfg.kernel);
    ms->kernel_cmdline = g_strdup(cfg.append ? cfg.append : "");
    ms->initrd_filename = g_strdup(cfg.initrd);
    ms->dumpdtb = g_strdup(cfg.dumpdtb);
    ms->acpi = cfg.acpi;
    ms->name = g_strdup(cfg.name);
    ms->nographic = cfg.nographic;
    ms->nodefaults = cfg.nodefaults;
    ms->no_vga = cfg.no_vga;
    ms->accel = g_new0(AccelState, 1);
    current_machine = ms;

    for (guint i = 0; i < cfg.machine_props->len; i++) {
        KeyValue *kv = g_ptr_array_index(cfg.machine_props, i);
        GError *err = NULL;
        if (!mc->set_property ||
            !mc->set_property(ms, kv->key, kv->value, &err)) {
            error_setg(errp, "-machine %s=%s: %s", kv->key, kv->value,
                       err ? err->message : "unknown property");
            g_clear_error(&err);
            return NULL;
        }
    }
    return ms;
}

static void config_init(void)
{
    cfg.machine_props = g_ptr_array_new_with_free_func(key_value_free);
    cfg.accels = g_ptr_array_new_with_free_func(g_free);
    cfg.icount_shift = -1;
    cfg.devices = g_ptr_array_new_with_free_func(g_free);
    cfg.serials = g_ptr_array_new_with_free_func(g_free);
    cfg.chardevs = g_ptr_array_new_with_free_func(g_free);
    cfg.qmps = g_ptr_array_new_with_free_func(g_free);
    cfg.mons = g_ptr_array_new_with_free_func(g_free);
    cfg.acpi = true;
}

int lapis_main(int argc, char **argv)
{
    const MachineClass *mc = NULL;
    const AccelClass *ac;
    MachineState *ms;
    GError *err = NULL;
    int status = 0;

    error_set_progname("lapis");
    config_init();
    if (!parse_command_line(argc, argv)) {
        return 1;
    }
    if (!validate_config(&mc, &err)) {
        error_report_err(err);
        return 1;
    }
    if (cfg.log_file && !qemu_set_log_filename(cfg.log_file, &err)) {
        error_report("-D %s: %s", cfg.log_file, err->message);
        g_error_free(err);
        return 1;
    }

    qemu_init_main_loop();
    memory_system_init();

    ms = machine_new(mc, &err);
    if (!ms) {
        error_report_err(err);
        return 1;
    }
    /* before the accelerator's properties: tcg refuses thread=multi then */
    icount_configure(cfg.icount_shift, cfg.icount_sleep);
    ac = select_accelerator(&err);
    if (!ac) {
        error_report_err(err);
        return 1;
    }
    if (icount_enabled() && strcmp(ac->name, "tcg") != 0
        && strcmp(ac->name, "qtest") != 0) {
        error_report("-icount is not allowed with hardware virtualization");
        return 1;
    }
    accel_set_current(ac);
    ms->accel->ac = ac;
    if (qtest_enabled()) {
        /* The virtual clock moves only by qtest's clock_step/clock_set. */
        qemu_clock_set_qtest_mode(true);
    }

    g_unix_signal_add(SIGTERM, on_terminate_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGINT, on_terminate_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGHUP, on_terminate_signal, GINT_TO_POINTER(SIGHUP));

    /* From here on a failure must undo what was made: teardown(). */
    if (!start_frontends(ms, &err)) {
        goto fail;
    }
    started.machine = true;
    if (!mc->init(ms, &err) || !create_devices(ms, &err)) {
        goto fail;
    }
    if (ac->init_machine && !ac->init_machine(ms, &err)) {
        g_prefix_error(&err, "-accel %s: ", ac->name);
        goto fail;
    }
    if (!display_init(cfg.display ? cfg.display : "none", &err)) {
        g_prefix_error(&err, "-display %s: ", cfg.display);
        goto fail;
    }
    started.display = true;

    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    cpus_start(ms);
    started.vcpus = true;
    if (!cfg.start_paused) {
        vm_start();
    }

    while (!main_loop_should_exit(&status)) {
        main_loop_wait(true);
    }
    teardown();
    return status;

fail:
    error_report_err(err);
    teardown();
    return 1;
}
