/*
 * vCPU management glue (QEMU's softmmu/cpus.c, reduced): starting, stopping
 * and kicking the vCPUs is the accelerator's business, so these functions
 * only find the current accelerator and call its hook when it has one. The
 * run state (runstate.c) decides whether vCPUs run; after changing it the
 * caller kicks them so they notice. Left out: QEMU's pause_all_vcpus()
 * handshake (the AccelClass interface has no "paused" acknowledgement yet)
 * and CPU hotplug.
 */
#include "qemu/osdep.h"
#include "softmmu/cpus.h"
#include "accel/accel.h"
#include "hw/boards.h"

void cpus_start(MachineState *ms)
{
    const AccelClass *ac = current_accel();

    if (ac && ac->start_vcpus) {
        ac->start_vcpus(ms);
    }
}

void cpus_stop(MachineState *ms)
{
    const AccelClass *ac = current_accel();

    if (ac && ac->stop_vcpus) {
        ac->stop_vcpus(ms);
    }
}

void cpu_kick(X86CPU *cpu)
{
    const AccelClass *ac = current_accel();

    if (cpu && ac && ac->kick_vcpu) {
        ac->kick_vcpu(cpu);
    }
}

void cpus_kick_all(void)
{
    MachineState *ms = current_machine;

    if (!ms || !ms->cpus) {
        return;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        cpu_kick(ms->cpus[i]);
    }
}
