/*
 * The qtest server: QEMU's qtest line protocol, served on a character device,
 * with which tests read and write guest memory and ports, move the virtual
 * clock, and watch or drive a device's IRQ lines while no guest code runs
 * (-accel qtest). Replies follow QEMU's formats (QEMU 8 softmmu/qtest.c
 * protocol description): "OK 0x%016x" for readb..readq, "OK 0x%04x" for
 * inb..inl, "OK <ns>" for the clock commands, "IRQ raise|lower N" as async
 * lines. Where QEMU asserts on a malformed request (a bad number, a missing
 * argument, an unknown GPIO), this server answers one "FAIL <reason>" line
 * and carries on. Extensions (docs/qtest.md): `cpu N|system` picks the
 * address space memory commands use, `rdmsr` and `wrmsr` reach one vCPU's
 * MSRs. Left out: module_load, the in-process transport, named-GPIO
 * interception (as QEMU, only the unnamed lists are intercepted), and undoing
 * an interception.
 */
#include "qemu/osdep.h"

#include <sys/time.h>

#include "softmmu/qtest.h"
#include "chardev/char.h"
#include "hw/boards.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "hw/intc/apic.h"

/* IRQ numbers reported on "IRQ raise/lower N" lines (as QEMU's MAX_IRQ). */
#define QTEST_MAX_IRQ 256
/* Largest buffer a read/write/memset may ask for in one command. */
#define QTEST_MAX_XFER (64 * 1024 * 1024)
/* Longest command line kept while waiting for its newline. */
#define QTEST_MAX_LINE (2 * QTEST_MAX_XFER + 256)

typedef struct QTestServer QTestServer;

/* One intercepted line: the handler it had, and which server reports it. */
typedef struct QTestIrqHook {
    QTestServer *server;
    qemu_irq_handler old_handler;   /* intercept_in: the device's handler */
    void *old_opaque;
    qemu_irq old_out;               /* intercept_out: where the pin led */
    bool is_out;
} QTestIrqHook;

struct QTestServer {
    Chardev *chr;
    FILE *log;
    GTimer *log_timer;              /* time since the client connected */
    GString *inbuf;
    bool opened;

    AddressSpace *mem_as;           /* memory commands go here */
    int cpu_index;                  /* -1: address_space_memory */

    DeviceState *intercept_dev;
    int irq_levels[QTEST_MAX_IRQ];
};

/* The one server of this process (qtest_server_cleanup needs it). */
static QTestServer *qtest_server;

/*
 * Every hook, and each stand-in line made for irq_intercept_out. Devices hold
 * them until the process exits (and may raise or lower them while they are
 * torn down, after the server has gone), so they outlive the server: cleanup
 * only detaches them from it.
 */
static GPtrArray *qtest_irq_hooks;
static GPtrArray *qtest_out_irqs;

/* --- sending and logging --- */

static double qtest_log_elapsed(QTestServer *s)
{
    return s->log_timer ? g_timer_elapsed(s->log_timer, NULL) : 0.0;
}

/* Write one line (no trailing newline in text) to the client and the log. */
static void qtest_send_line(QTestServer *s, const char *text)
{
    GString *line = g_string_new(text);

    g_string_append_c(line, '\n');
    qemu_chr_fe_write_all(s->chr, (const uint8_t *)line->str, line->len);
    if (s->log) {
        fprintf(s->log, "[S +%.6f] %s", qtest_log_elapsed(s), line->str);
        fflush(s->log);
    }
    g_string_free(line, TRUE);
}

static void LAPIS_PRINTF(2, 3) qtest_sendf(QTestServer *s, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_send_line(s, text);
    g_free(text);
}

static void qtest_log_request(QTestServer *s, const char *line)
{
    if (s->log) {
        fprintf(s->log, "[R +%.6f] %s\n", qtest_log_elapsed(s), line);
        fflush(s->log);
    }
}

/* --- argument parsing: every number is C syntax (0x.., 0.., decimal) --- */

/* An unsigned 64-bit number; a leading '-' wraps, as strtoull does. */
static bool qtest_parse_u64(const char *str, uint64_t *value)
{
    char *end;

    if (!str || !*str || g_ascii_isspace(*str)) {
        return false;
    }
    errno = 0;
    *value = strtoull(str, &end, 0);
    return errno == 0 && *end == '\0';
}

static bool qtest_parse_i64(const char *str, int64_t *value)
{
    char *end;

    if (!str || !*str || g_ascii_isspace(*str)) {
        return false;
    }
    errno = 0;
    *value = strtoll(str, &end, 0);
    return errno == 0 && *end == '\0';
}

static bool qtest_parse_int(const char *str, int *value)
{
    int64_t v;

    if (!qtest_parse_i64(str, &v) || v < INT_MIN || v > INT_MAX) {
        return false;
    }
    *value = (int)v;
    return true;
}

/* ADDR SIZE of read/write/memset: the range must not wrap past 2^64. */
static bool qtest_parse_range(QTestServer *s, const char *addr_str,
                              const char *size_str, uint64_t *addr,
                              uint64_t *size)
{
    if (!qtest_parse_u64(addr_str, addr)) {
        qtest_sendf(s, "FAIL bad address '%s'", addr_str);
        return false;
    }
    if (!qtest_parse_u64(size_str, size)) {
        qtest_sendf(s, "FAIL bad size '%s'", size_str);
        return false;
    }
    if (*size > QTEST_MAX_XFER) {
        qtest_sendf(s, "FAIL size %" PRIu64 " is over the limit of %d bytes",
                    *size, QTEST_MAX_XFER);
        return false;
    }
    if (*size && *addr + (*size - 1) < *addr) {
        qtest_send_line(s, "FAIL range wraps past the end of memory");
        return false;
    }
    return true;
}

static bool qtest_check_args(QTestServer *s, char **words, int nargs)
{
    int have = g_strv_length(words) - 1;

    if (have < nargs) {
        qtest_sendf(s, "FAIL '%s' needs %d argument%s", words[0], nargs,
                    nargs == 1 ? "" : "s");
        return false;
    }
    if (have > nargs) {
        qtest_sendf(s, "FAIL too many arguments to '%s'", words[0]);
        return false;
    }
    return true;
}

/* Access width from the suffix letter of readX/writeX/inX/outX. */
static unsigned qtest_width(char suffix)
{
    switch (suffix) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    case 'q':
        return 8;
    default:
        return 0;
    }
}

static uint64_t qtest_width_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static X86CPU *qtest_find_cpu(int index)
{
    if (!current_machine || !current_machine->cpus || index < 0 ||
        (unsigned)index >= current_machine->smp_cpus) {
        return NULL;
    }
    return current_machine->cpus[index];
}

/* --- IRQ interception --- */

static void qtest_irq_report(QTestServer *s, int n, int level)
{
    if (!s || n < 0 || n >= QTEST_MAX_IRQ || s->irq_levels[n] == level) {
        return;
    }
    s->irq_levels[n] = level;
    qtest_sendf(s, "IRQ %s %d", level ? "raise" : "lower", n);
}

/* Replaces an intercepted input's handler: the device still sees the
 * change, then the client hears about it. */
static void qtest_irq_in_handler(void *opaque, int n, int level)
{
    QTestIrqHook *hook = opaque;

    hook->old_handler(hook->old_opaque, n, level);
    qtest_irq_report(hook->server, n, level);
}

/* Stands in for an intercepted output pin: forwards to where the pin led. */
static void qtest_irq_out_handler(void *opaque, int n, int level)
{
    QTestIrqHook *hook = opaque;

    qemu_set_irq(hook->old_out, level);
    qtest_irq_report(hook->server, n, level);
}

static void qtest_intercept_list(QTestServer *s, NamedGPIOList *ngl, bool out)
{
    int i;

    if (out) {
        for (i = 0; i < ngl->num_out; i++) {
            QTestIrqHook *hook = g_new0(QTestIrqHook, 1);
            qemu_irq icpt;

            hook->server = s;
            hook->is_out = true;
            hook->old_out = *ngl->out[i];
            icpt = qemu_allocate_irq(qtest_irq_out_handler, hook, i);
            *ngl->out[i] = icpt;
            g_ptr_array_add(qtest_irq_hooks, hook);
            g_ptr_array_add(qtest_out_irqs, icpt);
        }
        return;
    }
    for (i = 0; i < ngl->num_in; i++) {
        qemu_irq irq = ngl->in[i];
        QTestIrqHook *hook;

        if (!irq) {
            continue;
        }
        /* Redirected in place, so every holder of the line goes through
         * the hook; the hook keeps the device's handler and calls it. */
        hook = g_new0(QTestIrqHook, 1);
        hook->server = s;
        hook->old_handler = irq->handler;
        hook->old_opaque = irq->opaque;
        qemu_irq_intercept(irq, qtest_irq_in_handler, hook, irq->n);
        g_ptr_array_add(qtest_irq_hooks, hook);
    }
}

static void qtest_cmd_irq_intercept(QTestServer *s, char **words)
{
    bool out = strcmp(words[0], "irq_intercept_out") == 0;
    DeviceState *dev;
    guint i;

    if (!qtest_check_args(s, words, 1)) {
        return;
    }
    dev = qdev_find(words[1]);
    if (!dev) {
        qtest_send_line(s, "FAIL Unknown device");
        return;
    }
    if (s->intercept_dev) {
        /* QEMU: one device at a time; asking again for it is harmless. */
        qtest_send_line(s, s->intercept_dev == dev ? "OK" :
                        "FAIL IRQ intercept already enabled");
        return;
    }
    for (i = 0; dev->gpios && i < dev->gpios->len; i++) {
        NamedGPIOList *ngl = g_ptr_array_index(dev->gpios, i);

        if (!ngl->name) {
            qtest_intercept_list(s, ngl, out);
        }
    }
    s->intercept_dev = dev;
    qtest_send_line(s, "OK");
}

static void qtest_cmd_set_irq_in(QTestServer *s, char **words)
{
    DeviceState *dev;
    NamedGPIOList *ngl;
    const char *name;
    int num, level;

    if (!qtest_check_args(s, words, 4)) {
        return;
    }
    dev = qdev_find(words[1]);
    if (!dev) {
        qtest_send_line(s, "FAIL Unknown device");
        return;
    }
    if (!qtest_parse_int(words[3], &num)) {
        qtest_sendf(s, "FAIL bad IRQ number '%s'", words[3]);
        return;
    }
    if (!qtest_parse_int(words[4], &level)) {
        qtest_sendf(s, "FAIL bad IRQ level '%s'", words[4]);
        return;
    }
    name = strcmp(words[2], "unnamed-gpio-in") == 0 ? NULL : words[2];
    ngl = qdev_get_named_gpio_list(dev, words[2]);
    if (!ngl || ngl->num_in == 0) {
        qtest_sendf(s, "FAIL no GPIO input list '%s'", words[2]);
        return;
    }
    if (num < 0 || num >= ngl->num_in) {
        qtest_sendf(s, "FAIL IRQ %d out of range (the list has %d)", num,
                    ngl->num_in);
        return;
    }
    qemu_set_irq(qdev_get_gpio_in_named(dev, name, num), level);
    qtest_send_line(s, "OK");
}

/* --- memory and ports --- */

static void qtest_cmd_read_sized(QTestServer *s, char **words)
{
    unsigned size = qtest_width(words[0][4]);
    uint64_t addr, value = UINT64_MAX;

    if (!qtest_check_args(s, words, 1)) {
        return;
    }
    if (!qtest_parse_u64(words[1], &addr)) {
        qtest_sendf(s, "FAIL bad address '%s'", words[1]);
        return;
    }
    /* An access that reaches nothing reads all ones (memory.h). */
    address_space_ld(s->mem_as, addr, size, &value);
    qtest_sendf(s, "OK 0x%016" PRIx64, value & qtest_width_mask(size));
}

static void qtest_cmd_write_sized(QTestServer *s, char **words)
{
    unsigned size = qtest_width(words[0][5]);
    uint64_t addr, value;

    if (!qtest_check_args(s, words, 2)) {
        return;
    }
    if (!qtest_parse_u64(words[1], &addr)) {
        qtest_sendf(s, "FAIL bad address '%s'", words[1]);
        return;
    }
    if (!qtest_parse_u64(words[2], &value)) {
        qtest_sendf(s, "FAIL bad value '%s'", words[2]);
        return;
    }
    address_space_st(s->mem_as, addr, size, value & qtest_width_mask(size));
    qtest_send_line(s, "OK");
}

static void qtest_cmd_in(QTestServer *s, char **words)
{
    unsigned size = qtest_width(words[0][2]);
    uint64_t port, value = UINT64_MAX;

    if (!qtest_check_args(s, words, 1)) {
        return;
    }
    if (!qtest_parse_u64(words[1], &port) || port > 0xffff) {
        qtest_sendf(s, "FAIL bad port '%s'", words[1]);
        return;
    }
    address_space_ld(&address_space_io, port, size, &value);
    qtest_sendf(s, "OK 0x%04" PRIx64, value & qtest_width_mask(size));
}

static void qtest_cmd_out(QTestServer *s, char **words)
{
    unsigned size = qtest_width(words[0][3]);
    uint64_t port, value;

    if (!qtest_check_args(s, words, 2)) {
        return;
    }
    if (!qtest_parse_u64(words[1], &port) || port > 0xffff) {
        qtest_sendf(s, "FAIL bad port '%s'", words[1]);
        return;
    }
    if (!qtest_parse_u64(words[2], &value)) {
        qtest_sendf(s, "FAIL bad value '%s'", words[2]);
        return;
    }
    address_space_st(&address_space_io, port, size,
                     value & qtest_width_mask(size));
    qtest_send_line(s, "OK");
}

/* read ADDR SIZE -> OK 0x<two hex digits per byte, in address order> */
static void qtest_cmd_read(QTestServer *s, char **words)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, size, i;
    uint8_t *data;
    GString *reply;

    if (!qtest_check_args(s, words, 2) ||
        !qtest_parse_range(s, words[1], words[2], &addr, &size)) {
        return;
    }
    if (size == 0) {
        qtest_send_line(s, "FAIL read of zero bytes");
        return;
    }
    data = g_malloc(size);
    address_space_read(s->mem_as, addr, data, size);
    reply = g_string_sized_new(2 * size + 8);
    g_string_append(reply, "OK 0x");
    for (i = 0; i < size; i++) {
        g_string_append_c(reply, hex[data[i] >> 4]);
        g_string_append_c(reply, hex[data[i] & 0xf]);
    }
    qtest_send_line(s, reply->str);
    g_string_free(reply, TRUE);
    g_free(data);
}

static int qtest_hex_nibble(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* write ADDR SIZE 0xDATA: DATA shorter than SIZE bytes is zero-filled at the
 * end, longer is cut (QEMU's rule). */
static void qtest_cmd_write(QTestServer *s, char **words)
{
    uint64_t addr, size, i;
    const char *hexdata = words[3];
    size_t ndigits;
    uint8_t *data;

    if (!qtest_check_args(s, words, 3) ||
        !qtest_parse_range(s, words[1], words[2], &addr, &size)) {
        return;
    }
    if (hexdata[0] != '0' || (hexdata[1] != 'x' && hexdata[1] != 'X')) {
        qtest_send_line(s, "FAIL data must start with 0x");
        return;
    }
    hexdata += 2;
    ndigits = strlen(hexdata);
    for (i = 0; i < ndigits; i++) {
        if (qtest_hex_nibble(hexdata[i]) < 0) {
            qtest_sendf(s, "FAIL bad hex digit '%c' in data", hexdata[i]);
            return;
        }
    }
    data = g_malloc0(size ? size : 1);
    for (i = 0; i < size && 2 * i + 1 < ndigits; i++) {
        data[i] = qtest_hex_nibble(hexdata[2 * i]) << 4 |
                  qtest_hex_nibble(hexdata[2 * i + 1]);
    }
    address_space_write(s->mem_as, addr, data, size);
    g_free(data);
    qtest_send_line(s, "OK");
}

static void qtest_cmd_b64read(QTestServer *s, char **words)
{
    uint64_t addr, size;
    uint8_t *data;
    char *b64;

    if (!qtest_check_args(s, words, 2) ||
        !qtest_parse_range(s, words[1], words[2], &addr, &size)) {
        return;
    }
    data = g_malloc(size ? size : 1);
    address_space_read(s->mem_as, addr, data, size);
    b64 = g_base64_encode(data, size);
    qtest_sendf(s, "OK %s", b64);
    g_free(b64);
    g_free(data);
}

static bool qtest_is_base64(const char *str)
{
    for (; *str; str++) {
        if (!g_ascii_isalnum(*str) && *str != '+' && *str != '/' &&
            *str != '=') {
            return false;
        }
    }
    return true;
}

/* b64write ADDR SIZE B64: SIZE bytes are written; decoded data that is
 * shorter is zero-filled, longer is cut (and the mismatch logged). */
static void qtest_cmd_b64write(QTestServer *s, char **words)
{
    uint64_t addr, size;
    guchar *decoded;
    gsize decoded_len;
    uint8_t *data;

    if (!qtest_check_args(s, words, 3) ||
        !qtest_parse_range(s, words[1], words[2], &addr, &size)) {
        return;
    }
    if (!qtest_is_base64(words[3])) {
        qtest_send_line(s, "FAIL data is not base64");
        return;
    }
    decoded = g_base64_decode(words[3], &decoded_len);
    if (decoded_len != size && s->log) {
        fprintf(s->log, "[S +%.6f] b64write: told %" PRIu64
                " bytes, data has %zu\n", qtest_log_elapsed(s), size,
                (size_t)decoded_len);
    }
    data = g_malloc0(size ? size : 1);
    memcpy(data, decoded, MIN((uint64_t)decoded_len, size));
    address_space_write(s->mem_as, addr, data, size);
    g_free(data);
    g_free(decoded);
    qtest_send_line(s, "OK");
}

static void qtest_cmd_memset(QTestServer *s, char **words)
{
    uint64_t addr, size, pattern;
    uint8_t *data;

    if (!qtest_check_args(s, words, 3) ||
        !qtest_parse_range(s, words[1], words[2], &addr, &size)) {
        return;
    }
    if (!qtest_parse_u64(words[3], &pattern)) {
        qtest_sendf(s, "FAIL bad pattern '%s'", words[3]);
        return;
    }
    if (size) {
        data = g_malloc(size);
        memset(data, (uint8_t)pattern, size);
        address_space_write(s->mem_as, addr, data, size);
        g_free(data);
    }
    qtest_send_line(s, "OK");
}

/* --- clock --- */

static bool qtest_check_clock(QTestServer *s, const char *cmd)
{
    if (!qemu_clock_is_qtest_mode()) {
        qtest_sendf(s, "FAIL %s needs -accel qtest", cmd);
        return false;
    }
    return true;
}

/* clock_step [NS]: forward by NS, or without NS to the next virtual timer
 * deadline; with no timer pending the clock stays where it is (QEMU steps
 * by the -1 "no deadline" and so does not move). Timers run on the way. */
static void qtest_cmd_clock_step(QTestServer *s, char **words)
{
    int64_t now, step, deadline;

    if (!qtest_check_clock(s, words[0])) {
        return;
    }
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (words[1]) {
        if (words[2]) {
            qtest_send_line(s, "FAIL too many arguments to 'clock_step'");
            return;
        }
        if (!qtest_parse_i64(words[1], &step) || step < 0) {
            qtest_sendf(s, "FAIL bad step '%s'", words[1]);
            return;
        }
        if (step > INT64_MAX - now) {
            qtest_sendf(s, "FAIL step '%s' overflows the clock", words[1]);
            return;
        }
        qemu_clock_advance_virtual(now + step);
    } else {
        /* qemu_clock_deadline_ns gives the expiry time itself (timer.h). */
        deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);
        if (deadline >= 0) {
            qemu_clock_advance_virtual(MAX(deadline, now));
        }
    }
    qtest_sendf(s, "OK %" PRIi64, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/* clock_set NS: forward to NS; a time in the past leaves the clock alone. */
static void qtest_cmd_clock_set(QTestServer *s, char **words)
{
    int64_t dest;

    if (!qtest_check_clock(s, words[0]) || !qtest_check_args(s, words, 1)) {
        return;
    }
    if (!qtest_parse_i64(words[1], &dest)) {
        qtest_sendf(s, "FAIL bad time '%s'", words[1]);
        return;
    }
    if (dest > qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) {
        qemu_clock_advance_virtual(dest);
    }
    qtest_sendf(s, "OK %" PRIi64, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

/* --- lapis extensions: one vCPU's view --- */

static void qtest_cmd_cpu(QTestServer *s, char **words)
{
    X86CPU *cpu;
    int index;

    if (!qtest_check_args(s, words, 1)) {
        return;
    }
    if (strcmp(words[1], "system") == 0) {
        s->mem_as = &address_space_memory;
        s->cpu_index = -1;
        qtest_send_line(s, "OK");
        return;
    }
    if (!qtest_parse_int(words[1], &index)) {
        qtest_sendf(s, "FAIL bad CPU '%s'", words[1]);
        return;
    }
    cpu = qtest_find_cpu(index);
    if (!cpu) {
        qtest_sendf(s, "FAIL no CPU %d", index);
        return;
    }
    s->mem_as = &cpu->as;
    s->cpu_index = index;
    qtest_send_line(s, "OK");
}

/* The CPU a command names by index, or NULL after replying FAIL. */
static X86CPU *qtest_parse_cpu(QTestServer *s, const char *word)
{
    X86CPU *cpu;
    int cpu_index;

    if (!qtest_parse_int(word, &cpu_index)) {
        qtest_sendf(s, "FAIL bad CPU '%s'", word);
        return NULL;
    }
    cpu = qtest_find_cpu(cpu_index);
    if (!cpu) {
        qtest_sendf(s, "FAIL no CPU %d", cpu_index);
    }
    return cpu;
}

static X86CPU *qtest_parse_msr_target(QTestServer *s, char **words,
                                      uint32_t *msr)
{
    X86CPU *cpu = qtest_parse_cpu(s, words[1]);
    uint64_t index;

    if (!cpu) {
        return NULL;
    }
    if (!qtest_parse_u64(words[2], &index) || index > UINT32_MAX) {
        qtest_sendf(s, "FAIL bad MSR '%s'", words[2]);
        return NULL;
    }
    *msr = (uint32_t)index;
    return cpu;
}

/* rdmsr CPU MSR -> OK 0x<value>, or FAIL #GP where RDMSR would fault. */
static void qtest_cmd_rdmsr(QTestServer *s, char **words)
{
    X86CPU *cpu;
    uint32_t msr;
    uint64_t value = 0;

    if (!qtest_check_args(s, words, 2)) {
        return;
    }
    cpu = qtest_parse_msr_target(s, words, &msr);
    if (!cpu) {
        return;
    }
    if (!x86_cpu_rdmsr(cpu, msr, &value)) {
        qtest_send_line(s, "FAIL #GP");
        return;
    }
    qtest_sendf(s, "OK 0x%016" PRIx64, value);
}

static void qtest_cmd_wrmsr(QTestServer *s, char **words)
{
    X86CPU *cpu;
    uint32_t msr;
    uint64_t value;

    if (!qtest_check_args(s, words, 3)) {
        return;
    }
    cpu = qtest_parse_msr_target(s, words, &msr);
    if (!cpu) {
        return;
    }
    if (!qtest_parse_u64(words[3], &value)) {
        qtest_sendf(s, "FAIL bad value '%s'", words[3]);
        return;
    }
    qtest_send_line(s, x86_cpu_wrmsr(cpu, msr, value) ? "OK" : "FAIL #GP");
}

/*
 * intr_poll CPU: what that CPU would take next with interrupts open, without
 * taking it; intr_ack CPU: take it as the CPU would (hw/intc/apic.h). Both
 * reply "OK none", "OK fixed 0xVV", "OK extint 0xVV", "OK nmi", "OK smi",
 * "OK init" or "OK sipi 0xVV".
 */
static void qtest_cmd_intr(QTestServer *s, char **words)
{
    bool ack = strcmp(words[0], "intr_ack") == 0;
    g_autoptr(GString) reply = g_string_new(NULL);
    X86CPU *cpu;

    if (!qtest_check_args(s, words, 1)) {
        return;
    }
    cpu = qtest_parse_cpu(s, words[1]);
    if (!cpu) {
        return;
    }
    if (!cpu->apic) {
        qtest_sendf(s, "FAIL CPU %d has no userspace LAPIC", cpu->cpu_index);
        return;
    }
    if (ack) {
        apic_intr_ack_reply(cpu, reply);
    } else {
        apic_intr_poll_reply(cpu, reply);
    }
    qtest_send_line(s, reply->str);
}

static void qtest_cmd_endianness(QTestServer *s, char **words)
{
    if (qtest_check_args(s, words, 0)) {
        qtest_send_line(s, "OK little");
    }
}

/* --- dispatch --- */

typedef struct QTestCommand {
    const char *name;
    void (*fn)(QTestServer *s, char **words);
} QTestCommand;

static const QTestCommand qtest_commands[] = {
    { "readb", qtest_cmd_read_sized },
    { "readw", qtest_cmd_read_sized },
    { "readl", qtest_cmd_read_sized },
    { "readq", qtest_cmd_read_sized },
    { "writeb", qtest_cmd_write_sized },
    { "writew", qtest_cmd_write_sized },
    { "writel", qtest_cmd_write_sized },
    { "writeq", qtest_cmd_write_sized },
    { "inb", qtest_cmd_in },
    { "inw", qtest_cmd_in },
    { "inl", qtest_cmd_in },
    { "outb", qtest_cmd_out },
    { "outw", qtest_cmd_out },
    { "outl", qtest_cmd_out },
    { "read", qtest_cmd_read },
    { "write", qtest_cmd_write },
    { "b64read", qtest_cmd_b64read },
    { "b64write", qtest_cmd_b64write },
    { "memset", qtest_cmd_memset },
    { "clock_step", qtest_cmd_clock_step },
    { "clock_set", qtest_cmd_clock_set },
    { "irq_intercept_in", qtest_cmd_irq_intercept },
    { "irq_intercept_out", qtest_cmd_irq_intercept },
    { "set_irq_in", qtest_cmd_set_irq_in },
    { "endianness", qtest_cmd_endianness },
    { "cpu", qtest_cmd_cpu },
    { "rdmsr", qtest_cmd_rdmsr },
    { "wrmsr", qtest_cmd_wrmsr },
    { "intr_poll", qtest_cmd_intr },
    { "intr_ack", qtest_cmd_intr },
};

/* Split on spaces and tabs, dropping empty words; "" gives { "" } so an
 * empty line is an unknown command as in QEMU. */
static char **qtest_split_words(const char *line)
{
    GPtrArray *words = g_ptr_array_new();
    const char *p = line;

    while (*p) {
        const char *start;

        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (!*p) {
            break;
        }
        start = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
        }
        g_ptr_array_add(words, g_strndup(start, p - start));
    }
    if (words->len == 0) {
        g_ptr_array_add(words, g_strdup(""));
    }
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, FALSE);
}

static void qtest_process_line(QTestServer *s, const char *line)
{
    char **words;
    size_t i;

    qtest_log_request(s, line);
    words = qtest_split_words(line);
    for (i = 0; i < G_N_ELEMENTS(qtest_commands); i++) {
        if (strcmp(words[0], qtest_commands[i].name) == 0) {
            qtest_commands[i].fn(s, words);
            break;
        }
    }
    if (i == G_N_ELEMENTS(qtest_commands)) {
        qtest_sendf(s, "FAIL Unknown command '%s'", words[0]);
    }
    g_strfreev(words);
}

static void qtest_process_inbuf(QTestServer *s)
{
    size_t start = 0;
    char *nl;

    while ((nl = memchr(s->inbuf->str + start, '\n',
                        s->inbuf->len - start)) != NULL) {
        size_t len = nl - (s->inbuf->str + start);
        char *line = g_strndup(s->inbuf->str + start, len);

        if (len && line[len - 1] == '\r') {
            line[len - 1] = '\0';
        }
        qtest_process_line(s, line);
        g_free(line);
        start += len + 1;
    }
    g_string_erase(s->inbuf, 0, start);
    if (s->inbuf->len > QTEST_MAX_LINE) {
        g_string_truncate(s->inbuf, 0);
        qtest_send_line(s, "FAIL command line too long");
    }
}

static int qtest_chr_can_read(void *opaque)
{
    return 64 * 1024;
}

static void qtest_chr_read(void *opaque, const uint8_t *buf, int size)
{
    QTestServer *s = opaque;

    g_string_append_len(s->inbuf, (const char *)buf, size);
    qtest_process_inbuf(s);
}

static void qtest_chr_event(void *opaque, ChrEvent event)
{
    QTestServer *s = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        memset(s->irq_levels, 0, sizeof(s->irq_levels));
        g_string_truncate(s->inbuf, 0);
        g_clear_pointer(&s->log_timer, g_timer_destroy);
        s->log_timer = g_timer_new();
        s->opened = true;
        if (s->log) {
            fprintf(s->log, "[I %.6f] OPENED\n", qtest_log_elapsed(s));
            fflush(s->log);
        }
        break;
    case CHR_EVENT_CLOSED:
        if (s->log) {
            fprintf(s->log, "[I +%.6f] CLOSED\n", qtest_log_elapsed(s));
            fflush(s->log);
        }
        s->opened = false;
        /* The test that drove us has gone: nothing else will move the
         * clock or ask for anything, so leave as a host-requested quit
         * (always an exit, even under -no-shutdown). */
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
        break;
    }
}

bool qtest_server_init(Chardev *chr, const char *logfile, GError **errp)
{
    QTestServer *s;
    FILE *log = NULL;

    if (qtest_server) {
        error_setg(errp, "Only one qtest server can be created");
        return false;
    }
    if (!chr) {
        error_setg(errp, "qtest needs a character device");
        return false;
    }
    if (logfile && strcmp(logfile, "none") != 0) {
        log = fopen(logfile, "w");
        if (!log) {
            error_setg(errp, "Could not open qtest log '%s': %s", logfile,
                       g_strerror(errno));
            return false;
        }
    }

    s = g_new0(QTestServer, 1);
    s->chr = chr;
    s->log = log;
    s->inbuf = g_string_new(NULL);
    s->mem_as = &address_space_memory;
    s->cpu_index = -1;
    if (!qtest_irq_hooks) {
        qtest_irq_hooks = g_ptr_array_new();
        qtest_out_irqs = g_ptr_array_new();
    }
    qtest_server = s;
    qemu_chr_fe_set_handlers(chr, qtest_chr_can_read, qtest_chr_read,
                             qtest_chr_event, s);
    return true;
}

void qtest_server_cleanup(void)
{
    QTestServer *s = qtest_server;

    if (!s) {
        return;
    }
    qemu_chr_fe_set_handlers(s->chr, NULL, NULL, NULL, NULL);
    if (s->log) {
        fclose(s->log);
    }
    g_clear_pointer(&s->log_timer, g_timer_destroy);
    g_string_free(s->inbuf, TRUE);
    /* The hooks stay, forwarding and no longer reporting. */
    for (guint i = 0; i < qtest_irq_hooks->len; i++) {
        QTestIrqHook *hook = g_ptr_array_index(qtest_irq_hooks, i);

        hook->server = NULL;
    }
    g_free(s);
    qtest_server = NULL;
}
