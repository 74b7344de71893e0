/*
 * vCPU management glue: start, stop and kick the vCPUs through the current
 * accelerator (accel/accel.h). The accelerator owns the threads; these
 * helpers only route to it and do nothing when it has no such hook (qtest).
 */
#ifndef LAPIS_CPUS_H
#define LAPIS_CPUS_H

#include "qemu/osdep.h"

typedef struct MachineState MachineState;
typedef struct X86CPU X86CPU;

/* Create and start the vCPU threads (they run guest code only while the
 * run state is "running"). */
void cpus_start(MachineState *ms);
/* Stop and join the vCPU threads (at exit). */
void cpus_stop(MachineState *ms);
/* Make one vCPU leave guest code soon and look at its pending events. */
void cpu_kick(X86CPU *cpu);
/* Kick every vCPU of the current machine (after a run-state change). */
void cpus_kick_all(void);

#endif
