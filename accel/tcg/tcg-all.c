/*
 * The "tcg" accelerator: lapis's x86 interpreter (target/i386/tcg) driven by
 * one vCPU thread that runs every vCPU round-robin, in CPU index order, in
 * turns of up to TCG_SLICE instructions (QEMU's -accel tcg,thread=single,
 * accel/tcg/tcg-accel-ops-rr.c). A turn ends early when the vCPU halts or
 * executes PAUSE (a spin-wait: the vCPU it waits for gets to run, as QEMU's
 * helper_pause does). Guest code runs only while the run state is
 * "running"; otherwise the thread waits on a condition. A kick (new
 * interrupt, run-state change, TLB flush request) makes the running vCPU
 * leave its block at the next block boundary and wakes the thread if it
 * sleeps; a kick left on a vCPU that was not running is dropped when its
 * turn begins (it is about to look at its events anyway). When every vCPU
 * is halted the thread sleeps until a kick or the next virtual-clock
 * deadline, using no host CPU.
 * Under -icount (QEMU's tcg-accel-ops-icount.c) the virtual clock counts
 * the instructions this thread executes; each run ends exactly at the next
 * virtual deadline, the thread then runs the virtual timers itself with the
 * BQL, and with every vCPU halted it moves the clock to the next deadline
 * (sleep=off) or waits for it in real time (sleep=on). Nothing then depends
 * on host timing, so a run repeats to the instruction (input from outside,
 * such as QMP or serial input, excepted).
 * Before a machine reset rewrites CPU state, a reset hook waits until the
 * thread is parked and drops all decoded code (the loader rewrites RAM).
 * Not yet: thread=multi, one host thread per vCPU; docs/tcg.md lists what it
 * needs.
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
/* Runs of a turn that may end without executing anything (INIT, SIPI,
 * kicks) before the turn is given up. */
#define TCG_MAX_EMPTY_RUNS 4

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

/* The vCPU this thread is running, if any; tcg_current_cpu is the same
 * for other threads to read. */
static __thread X86CPU *tcg_running_cpu;
static X86CPU *tcg_current_cpu;

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

/*
 * Sleep until a kick, or until the virtual clock's next deadline (at most
 * 100 ms). Returns the real time slept, in ns.
 */
static int64_t tcg_idle_wait(void)
{
    int64_t deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);
    int64_t wait_us = 100000;
    int64_t start = get_clock_realtime_ns();
    if (deadline >= 0) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        int64_t d = (deadline - now + 999) / 1000;
        wait_us = d < 0 ? 0 : d < wait_us ? d : wait_us;
    }
    g_mutex_lock(&tcg_thread.lock);
    if (!tcg_thread.kick_pending && !tcg_thread.quit && wait_us > 0) {
        gint64 end = g_get_monotonic_time() + wait_us;
        g_cond_wait_until(&tcg_thread.cond, &tcg_thread.lock, end);
    }
    tcg_thread.kick_pending = false;
    g_mutex_unlock(&tcg_thread.lock);
    return get_clock_realtime_ns() - start;
}

/* ------------------------------------------------------------------------
 * -icount
 */

/*
 * A virtual timer became the earliest: the running slice was sized for a
 * later deadline, so end it at the next block boundary (the timer was armed
 * by an MMIO store, port write or WRMSR, which end their block, so this is
 * exact when the vCPU armed it itself); a sleeping thread looks again.
 */
static void tcg_icount_notify(void)
{
    X86CPU *cpu = tcg_running_cpu;

    if (!cpu) {
        cpu = __atomic_load_n(&tcg_current_cpu, __ATOMIC_ACQUIRE);
    }
    if (cpu) {
        __atomic_fetch_or(&cpu->env.interrupt_request, X86_INTR_EXIT,
                          __ATOMIC_SEQ_CST);
    }
    tcg_wake();
}

/* Run the virtual timers that are due, with the BQL. */
static void tcg_icount_run_timers(void)
{
    if (icount_budget() == 0) {
        bql_lock();
        icount_run_timers();
        bql_unlock();
    }
}

/*
 * Instructions the next run may execute before the next virtual deadline
 * (-1: no deadline). Timers already due run first; one that keeps re-arming
 * itself in the past still lets the guest make progress.
 */
static int64_t tcg_icount_budget(void)
{
    for (int round = 0; round < 8; round++) {
        int64_t budget = icount_budget();
        if (budget != 0) {
            return budget;
        }
        bql_lock();
        icount_run_timers();
        bql_unlock();
    }
    return 1;
}

/*
 * Every vCPU is halted: with sleep=off the clock jumps to the next deadline
 * at once; with sleep=on (QEMU's default) the thread waits for it in real
 * time and the clock moves by the time waited, up to the deadline. The
 * timers then run at the start of the next round.
 */
static void tcg_icount_idle(void)
{
    int64_t deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);

    if (!icount_sleep() && deadline >= 0) {
        icount_warp(deadline);
        return;
    }
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    int64_t slept = tcg_idle_wait();
    if (deadline >= 0) {
        icount_warp(MIN(now + slept, deadline));
    }
}

/* ------------------------------------------------------------------------
 * The round-robin loop
 */

/*
 * One vCPU's turn: up to TCG_SLICE instructions, in runs that each end at
 * the next virtual deadline under -icount (timers run between them). Ends
 * early on HLT, PAUSE, reset, or when the run state changes. Returns false
 * if the vCPU did nothing because it is halted.
 */
static bool tcg_run_vcpu(X86CPU *cpu)
{
    int64_t left = TCG_SLICE;
    int empty_runs = 0;
    bool progress = false;

    /* whatever kick was left for it has done its job: it runs now */
    __atomic_fetch_and(&cpu->env.interrupt_request, ~X86_INTR_EXIT,
                       __ATOMIC_SEQ_CST);
    tcg_running_cpu = cpu;
    __atomic_store_n(&tcg_current_cpu, cpu, __ATOMIC_RELEASE);
    while (left > 0) {
        int64_t budget = left;
        if (icount_enabled()) {
            int64_t to_deadline = tcg_icount_budget();
            if (to_deadline >= 0 && to_deadline < budget) {
                budget = to_deadline;
            }
        }
        uint64_t before = tcg_x86_insn_count();
        X86ExecExit why = tcg_x86_cpu_exec(cpu, budget);
        int64_t ran = (int64_t)(tcg_x86_insn_count() - before);
        left -= ran;
        if (why == X86_EXIT_HALTED || why == X86_EXIT_RESET) {
            progress |= ran > 0 || why == X86_EXIT_RESET;
            break;
        }
        progress = true;
        if (why == X86_EXIT_BUDGET && ran < budget) {
            break;                      /* PAUSE: the others' turn */
        }
        if (ran == 0 && ++empty_runs > TCG_MAX_EMPTY_RUNS) {
            break;
        }
        if (!runstate_is_running()
            || __atomic_load_n(&tcg_thread.quit, __ATOMIC_RELAXED)) {
            break;
        }
    }
    __atomic_store_n(&tcg_current_cpu, NULL, __ATOMIC_RELEASE);
    tcg_running_cpu = NULL;
    return progress;
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
        bool icount = icount_enabled();
        for (unsigned i = 0; i < ms->smp_cpus && runstate_is_running(); i++) {
            X86CPU *cpu = ms->cpus[i];
            if (icount) {
                tcg_icount_run_timers();    /* may wake this vCPU */
            }
            if (!vcpu_runnable(cpu)) {
                /* a kick meant for a sleeping vCPU: drop its exit bit */
                __atomic_fetch_and(&cpu->env.interrupt_request, ~X86_INTR_EXIT,
                                   __ATOMIC_SEQ_CST);
                continue;
            }
            progress |= tcg_run_vcpu(cpu);
        }
        if (!progress && runstate_is_running()) {
            if (icount) {
                tcg_icount_idle();
            } else {
                tcg_idle_wait();
            }
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

/*
 * thread=single|multi (QEMU's -accel tcg,thread=). "multi" (one host thread
 * per vCPU) is refused: docs/tcg.md says what it still needs. As in QEMU, it
 * is refused first of all when -icount is on (the launcher configures the
 * clock before it sets accelerator properties).
 */
static bool tcg_set_property(const char *key, const char *value, GError **errp)
{
    if (strcmp(key, "thread") == 0) {
        if (strcmp(value, "single") == 0) {
            return true;
        }
        if (strcmp(value, "multi") == 0) {
            if (icount_enabled()) {
                error_setg(errp, "No MTTCG when icount is enabled");
            } else {
                error_setg(errp, "thread=multi (one host thread per vCPU) is "
                           "not implemented; use thread=single");
            }
            return false;
        }
        error_setg(errp, "Invalid 'thread' setting %s", value);
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
    tcg_x86_set_pause_yields(ms->smp_cpus > 1);
    if (icount_enabled()) {
        icount_set_counter(tcg_x86_insn_count_exact, tcg_icount_notify);
    }
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
