/*
 * libqtest: start build/lapis under -accel qtest and drive it over its two
 * sockets, the qtest line protocol and QMP, as QEMU's libqtest does.
 *
 * qtest_init() creates two listening unix sockets in a fresh temporary
 * folder, starts the emulator ($QTEST_BINARY, default build/lapis) as their
 * client with
 *     -qtest unix:QTEST_SOCK -chardev socket,path=QMP_SOCK,id=char0
 *     -mon chardev=char0,mode=control -display none -accel qtest EXTRA_ARGS
 * accepts both connections, reads the QMP greeting and runs
 * qmp_capabilities. With QTEST_LOG set in the environment it adds
 * "-qtest-log /dev/fd/2" (the traffic on stderr). With a QEMU binary
 * ($QTEST_BINARY=qemu-system-*) it otherwise passes -qtest-log /dev/null
 * (QEMU logs to stderr by default), and where that QEMU lacks the
 * qtest accelerator (Debian's) "-accel tcg -S" instead of "-accel qtest":
 * memory and port commands work, the clock commands do not.
 * If the test process aborts (a failed g_assert), the
 * emulator is killed too (SIGABRT handler and atexit).
 *
 * Async "IRQ raise N" / "IRQ lower N" lines are absorbed while waiting for
 * replies and recorded; qtest_get_irq() returns the last level seen.
 * QMP events that arrive while waiting for a reply are queued for
 * qtest_qmp_eventwait_ref().
 */
#ifndef LIBQTEST_H
#define LIBQTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct QTestState QTestState;

/* Start with extra arguments (a string split like a shell would, no quoting
 * beyond '...' and "..."); may be NULL. Aborts the test on failure. */
QTestState *qtest_init(const char *extra_args);
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Same, but stops after reading the greeting (no qmp_capabilities). */
QTestState *qtest_init_without_qmp_handshake(const char *extra_args);
/* Kill the emulator (SIGTERM, then SIGKILL), reap it, free everything. */
void qtest_quit(QTestState *s);
/* Wait (up to timeout_ms) for the emulator to exit on its own; returns its
 * wait() status (use WIFEXITED/WEXITSTATUS), or -1 on timeout. */
int qtest_wait_exit(QTestState *s, int timeout_ms);
pid_t qtest_pid(QTestState *s);
/* Path of the QMP socket's folder, e.g. to add a second QMP server there. */
const char *qtest_tmpdir(QTestState *s);

/* --- qtest protocol --- */
/* Send one command line (printf format, no newline) and return the reply
 * line without its newline ("OK ...", "FAIL ..."); free with g_free. */
char *qtest_cmd(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_outb(QTestState *s, uint16_t port, uint8_t value);
void qtest_outw(QTestState *s, uint16_t port, uint16_t value);
void qtest_outl(QTestState *s, uint16_t port, uint32_t value);
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data, size_t size);
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);   /* b64read */
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data, size_t size); /* b64write */
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);
/* clock_step [NS]: returns the new virtual time in ns. step < 0: to the next
 * timer deadline (clock_step without an argument). */
int64_t qtest_clock_step(QTestState *s, int64_t step);
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_set(QTestState *s, int64_t val);
void qtest_irq_intercept_in(QTestState *s, const char *path);
void qtest_irq_intercept_out(QTestState *s, const char *path);
void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int num, int level);
/* Level of intercepted line num as last reported by an IRQ line. */
bool qtest_get_irq(QTestState *s, int num);

/* lapis extensions (docs/qtest.md). Later memory commands use vCPU cpu's
 * view of memory; cpu < 0 goes back to the system view. */
void qtest_cpu_select(QTestState *s, int cpu);
/* RDMSR/WRMSR on vCPU cpu; false when the instruction would raise #GP. */
bool qtest_rdmsr(QTestState *s, int cpu, uint32_t msr, uint64_t *value);
bool qtest_wrmsr(QTestState *s, int cpu, uint32_t msr, uint64_t value);
/* Close the qtest socket (the emulator then exits); QMP stays open. */
void qtest_disconnect(QTestState *s);

/* --- QMP --- */
/* Send a command (printf format producing JSON text) and return the
 * response object ({"return": ...} or {"error": ...}), skipping and queueing
 * events. Free with json_object_unref. */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Send raw bytes on the QMP socket (may be malformed JSON). */
void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Next QMP message of any kind (response or event); NULL at EOF. */
JsonObject *qtest_qmp_receive(QTestState *s);
/* Wait for the named event (queued or new); returns it. */
JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event);
void qtest_qmp_eventwait(QTestState *s, const char *event);
/* HMP through human-monitor-command; returns the output text. */
char *qtest_hmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Helpers on responses. */
bool qmp_rsp_is_err(JsonObject *rsp);
/* The "error" member's class and desc (NULL if not an error). */
const char *qmp_rsp_error_class(JsonObject *rsp);
const char *qmp_rsp_error_desc(JsonObject *rsp);

/* --- a standalone QMP client, for a second client or a QMP-only run --- */
typedef struct QmpClient QmpClient;
/* Connect to a QMP server socket (retrying up to timeout_ms) and read the
 * greeting; with handshake, also run qmp_capabilities. NULL on failure. */
QmpClient *qmp_client_connect(const char *path, bool handshake, int timeout_ms);
JsonObject *qmp_client_greeting(QmpClient *c);
JsonObject *qmp_client_cmd(QmpClient *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qmp_client_send_raw(QmpClient *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
JsonObject *qmp_client_receive(QmpClient *c, int timeout_ms);
JsonObject *qmp_client_eventwait(QmpClient *c, const char *event, int timeout_ms);
void qmp_client_close(QmpClient *c);

/* Run build/lapis with argv-style args and no sockets: returns its wait()
 * status and fills *out and *err (either may be NULL) with what it printed. */
int qtest_run_lapis(const char *const *args, const char *stdin_text,
                    char **out, char **err, int timeout_ms);
/* The emulator binary used ($QTEST_BINARY or the build's). */
const char *qtest_binary(void);

#endif
