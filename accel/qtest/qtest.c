/*
 * The "qtest" accelerator, after QEMU's accel/qtest: no guest code runs and
 * there are no vCPU threads. Tests drive the devices over the qtest protocol
 * (softmmu/qtest.c), and the virtual clock moves only when qtest's
 * clock_step/clock_set move it; the launcher puts the clock in qtest mode when
 * this accelerator is selected. It is always available. Because nothing
 * executes, kicking a vCPU has nothing to do.
 */
#include "qemu/osdep.h"
#include "accel/accel.h"
#include "hw/boards.h"
#include "trace/accel.h"

static bool qtest_accel_available(GError **errp)
{
    return true;
}

static bool qtest_accel_init_machine(MachineState *ms, GError **errp)
{
    trace_qtest_accel_init_machine(ms->smp_cpus);
    return true;
}

static void qtest_accel_start_vcpus(MachineState *ms)
{
    /* No vCPU threads: CPU state only changes through qtest commands. */
}

static void qtest_accel_stop_vcpus(MachineState *ms)
{
}

static const AccelClass qtest_accel = {
    .name = "qtest",
    .available = qtest_accel_available,
    .init_machine = qtest_accel_init_machine,
    .start_vcpus = qtest_accel_start_vcpus,
    .stop_vcpus = qtest_accel_stop_vcpus,
    .irqchip = "userspace",
};
ACCEL_CLASS_REGISTER(qtest_accel)
