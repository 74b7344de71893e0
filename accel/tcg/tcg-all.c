/*
 * The "tcg" accelerator: lapis's x86 interpreter (target/i386/tcg) driven by
 * one vCPU thread that runs every vCPU round-robin in time slices of a few
 * thousand instructions (QEMU's -accel tcg,thread=single). Guest code runs
 * only while the run state is "running"; otherwise the thread waits on a
 * condition. A kick (new interrupt, run-state change, TLB flush request)
 * makes the running vCPU leave its block at the next block boundary and
 * wakes the thread if it sleeps. When every vCPU is halted the thread sleeps
 * until a kick or the next virtual-clock deadline, using no host CPU.
 * Before a machine reset rewrites CPU state, a reset hook waits until the
 * thread is parked and drops all decoded code (the loader rewrites RAM).
 * Not yet: thread=multi (one host thread per vCPU needs the block cache and
 * the code-page tracking made thread-safe, and atomics for LOCKed accesses).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "accel/accel.h"
#include "hw/boards.h"
#include "monitor/monitor.h"
#include "softmmu/runstate.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "trace/accel.h"

/* Instructions per vCPU per turn. */
#define TCG_SLICE 20000

typedef struct TCGThread {
    GThread *thread;
    GMutex lock;
    GCond cond;             /* kicks, run-state changes, parking */
    bool kick_pending;
    bool quit;
    bool parked;            /* waiting for the run state, out of guest code */
    MachineState *ms;
} TCGThread;

static TCGThread tcg_thread;
static bool tcg_started;

static void tcg_wake(void)
{
    g_mutex_lock(&tcg_thread.lock);
    tcg_thread.kick_pending = true;
    g_cond_broadcast(&tcg_thread.cond);
    g_mutex_unlock(&tcg_thread.lock);
}

/* The vCPU this thread is running, if any. */
static __thread X86CPU *tcg_running_cpu;

static void tcg_kick_vcpu(X86CPU *cpu)
{
    /* An event the running vCPU raises for itself (a self-IPI, a device
     * interrupt from its own OUT) is seen at its next block boundary: the
     * event bit is already set, and leaving the slice would only cost an
     * exit and a re-entry. Run-state changes come from other threads. */
    if (cpu == tcg_running_cpu) {
        return;
    }
    __atomic_fetch_or(&cpu->env.interrupt_request, X86_INTR_EXIT,
                      __ATOMIC_SEQ_CST);
    tcg_wake();
}

/* Does this vCPU have anything to do right now? */
static bool vcpu_runnable(X86CPU *cpu)
{
    uint32_t req = __atomic_load_n(&cpu->env.interrupt_request,
                                   __ATOMIC_ACQUIRE);
    /* INIT and SIPI act in every state, wait-for-SIPI included (SDM vol. 3A
     * 9.4.4); the interpreter takes them on entry */
    if (req & (X86_INTR_INIT | X86_INTR_SIPI)) {
        return true;
    }
    if (cpu->env.run_state == X86_RUN_RUNNING) {
        return true;
    }
    if (cpu->env.run_state == X86_RUN_HALTED) {
        /* HLT ends on NMI, or on an interrupt when IF=1 (the hooks decide
         * whether one is really deliverable; the interpreter checks) */
        return (req & (X86_INTR_NMI | X86_INTR_TLB_FLUSH))
               || ((req & X86_INTR_HARD) && (cpu->env.rflags & 0x200));
    }
    return false;
}

/* Sleep until a kick, or until the virtual clock's next deadline. */
static void tcg_idle_wait(void)
{
    int64_t deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);
    int64_t wait_us = 100000;
    if (deadline >= 0) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        int64_t d = (deadline - now) / 1000;
        wait_us = d < 0 ? 0 : d < wait_us ? d : wait_us;
    }
    g_mutex_lock(&tcg_thread.lock);
    if (!tcg_thread.kick_pending && !tcg_thread.quit && wait_us > 0) {
        gint64 end = g_get_monotonic_time() + wait_us;
        g_cond_wait_until(&tcg_thread.cond, &tcg_thread.lock, end);
    }
    tcg_thread.kick_pending = false;
    g_mutex_unlock(&tcg_thread.lock);
}

static gpointer tcg_vcpu_thread(gpointer opaque)
{
    MachineState *ms = opaque;

    trace_tcg_vcpu_thread_start(ms->smp_cpus);

    for (;;) {
        g_mutex_lock(&tcg_thread.lock);
        while (!tcg_thread.quit && !runstate_is_running()) {
            tcg_thread.parked = true;
            g_cond_broadcast(&tcg_thread.cond);
            g_cond_wait(&tcg_thread.cond, &tcg_thread.lock);
        }
        tcg_thread.parked = false;
        tcg_thread.kick_pending = false;
        bool quit = tcg_thread.quit;
        g_mutex_unlock(&tcg_thread.lock);
        if (quit) {
            break;
        }

        bool progress = false;
        for (unsigned i = 0; i < ms->smp_cpus && runstate_is_running(); i++) {
            X86CPU *cpu = ms->cpus[i];
            if (!vcpu_runnable(cpu)) {
                /* a kick meant for a sleeping vCPU: drop its exit bit */
                __atomic_fetch_and(&cpu->env.interrupt_request, ~X86_INTR_EXIT,
                                   __ATOMIC_SEQ_CST);
                continue;
            }
            tcg_running_cpu = cpu;
            X86ExecExit why = tcg_x86_cpu_exec(cpu, TCG_SLICE);
            tcg_running_cpu = NULL;
            if (why != X86_EXIT_HALTED) {
                progress = true;
            }
        }
        if (!progress && runstate_is_running()) {
            tcg_idle_wait();
        }
    }
    trace_tcg_vcpu_thread_stop(tcg_x86_insn_count());
    g_mutex_lock(&tcg_thread.lock);
    tcg_thread.parked = true;
    g_cond_broadcast(&tcg_thread.cond);
    g_mutex_unlock(&tcg_thread.lock);
    return NULL;
}

/*
 * Reset hook, registered before the machine's: the run state is already
 * "paused" (main_loop_should_exit), so the thread parks after its slice;
 * wait for that, dropping the BQL so a vCPU blocked on it can finish. Then
 * forget decoded code and cached translations.
 */
static void tcg_pre_reset(ShutdownCause cause, void *opaque)
{
    MachineState *ms = current_machine;

    if (!tcg_started || !ms) {
        tcg_x86_flush_code_cache();
        return;
    }
    g_mutex_lock(&tcg_thread.lock);
    while (!tcg_thread.parked && !runstate_is_running()) {
        gint64 end = g_get_monotonic_time() + 1000;
        g_mutex_unlock(&tcg_thread.lock);
        bql_unlock();
        g_mutex_lock(&tcg_thread.lock);
        g_cond_wait_until(&tcg_thread.cond, &tcg_thread.lock, end);
        g_mutex_unlock(&tcg_thread.lock);
        bql_lock();
        g_mutex_lock(&tcg_thread.lock);
    }
    g_mutex_unlock(&tcg_thread.lock);
    tcg_x86_flush_code_cache();
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        if (qemu_loglevel_mask(CPU_LOG_RESET)) {
            GString *s = g_string_new(NULL);
            x86_cpu_dump_state(cpu, s);
            qemu_log("CPU Reset (CPU %d)\n%s", cpu->cpu_index, s->str);
            g_string_free(s, true);
        }
        cpu->env.tcg_magic = 0;     /* rebuild TLB and mode bits at entry */
        cpu->env.interrupt_request &= ~(X86_INTR_EXIT | X86_INTR_INIT
                                        | X86_INTR_SIPI);
    }
}

static void __attribute__((constructor)) tcg_register_reset_hook(void)
{
    qemu_register_reset_hook(tcg_pre_reset, NULL);
}

static void hmp_info_registers(Monitor *mon, const char *args, GString *out)
{
    MachineState *ms = current_machine;
    if (!ms || !ms->cpus) {
        g_string_append(out, "No CPU available\n");
        return;
    }
    bool all = args && strstr(args, "-a");
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        int idx = monitor_get_cpu_index(mon);
        if (!all && (int)i != idx) {
            continue;
        }
        if (all) {
            g_string_append_printf(out, "\nCPU#%u\n", i);
        }
        x86_cpu_dump_state(ms->cpus[i], out);
    }
}

static bool tcg_available(GError **errp)
{
    return true;
}

static bool tcg_set_property(const char *key, const char *value, GError **errp)
{
    if (strcmp(key, "thread") == 0) {
        if (strcmp(value, "single") == 0) {
            return true;
        }
        if (strcmp(value, "multi") == 0) {
            error_setg(errp, "thread=multi is not supported yet; use "
                       "thread=single");
            return false;
        }
        error_setg(errp, "Parameter 'thread' expects 'single' or 'multi'");
        return false;
    }
    error_setg(errp, "Property 'tcg-accel.%s' not found", key);
    return false;
}

static bool tcg_init_machine(MachineState *ms, GError **errp)
{
    static bool hmp_done;

    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        tcg_x86_cpu_init(ms->cpus[i]);
    }
    tcg_x86_set_kick(tcg_kick_vcpu);
    if (!hmp_done) {
        hmp_register_info("registers", "[-a]", "show the cpu registers "
                          "(-a: all CPUs)", hmp_info_registers);
        hmp_done = true;
    }
    return true;
}

static void tcg_start_vcpus(MachineState *ms)
{
    if (tcg_started) {
        return;
    }
    g_mutex_init(&tcg_thread.lock);
    g_cond_init(&tcg_thread.cond);
    tcg_thread.ms = ms;
    tcg_thread.quit = false;
    tcg_thread.parked = false;
    tcg_started = true;
    tcg_thread.thread = g_thread_new("tcg-vcpu", tcg_vcpu_thread, ms);
}

static void tcg_stop_vcpus(MachineState *ms)
{
    if (!tcg_started) {
        return;
    }
    g_mutex_lock(&tcg_thread.lock);
    tcg_thread.quit = true;
    g_cond_broadcast(&tcg_thread.cond);
    g_mutex_unlock(&tcg_thread.lock);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        tcg_kick_vcpu(ms->cpus[i]);
    }
    /* the thread may be waiting for the BQL (MMIO, port I/O) */
    bool locked = bql_locked();
    if (locked) {
        bql_unlock();
    }
    g_thread_join(tcg_thread.thread);
    if (locked) {
        bql_lock();
    }
    tcg_started = false;
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        tcg_x86_cpu_cleanup(ms->cpus[i]);
    }
}

static const AccelClass tcg_accel = {
    .name = "tcg",
    .available = tcg_available,
    .set_property = tcg_set_property,
    .init_machine = tcg_init_machine,
    .start_vcpus = tcg_start_vcpus,
    .kick_vcpu = tcg_kick_vcpu,
    .stop_vcpus = tcg_stop_vcpus,
    .irqchip = "userspace",
};
ACCEL_CLASS_REGISTER(tcg_accel)
