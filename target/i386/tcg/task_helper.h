/*
 * Hardware task switching (task_helper.c): the entry points seg_helper.c
 * calls when a far JMP/CALL names a TSS or task gate, when IRET finds
 * EFLAGS.NT set, and when an IDT entry is a task gate.
 */
#ifndef LAPIS_TCG_TASK_HELPER_H
#define LAPIS_TCG_TASK_HELPER_H

#include "internal.h"

/* What started the switch: it decides the busy flags, NT and the link
 * (SDM vol. 3A table 7-2). */
typedef enum TaskSwitchSource {
    TASK_SWITCH_JMP,
    TASK_SWITCH_CALL,
    TASK_SWITCH_IRET,
    TASK_SWITCH_INT,
} TaskSwitchSource;

/* Far JMP or CALL to the system descriptor (e1, e2) named by sel: a TSS
 * descriptor or a task gate. next_eip is saved as the outgoing EIP. */
void helper_task_jmp_call(CPUX86State *env, uint16_t sel, uint32_t e1,
                          uint32_t e2, TaskSwitchSource src,
                          uint64_t next_eip);
/* IRET with EFLAGS.NT = 1: back to the task in the current TSS's link
 * field (#GP(0) in IA-32e mode). */
void helper_task_iret(CPUX86State *env);
/* Event delivery through a task gate (IDT entry e1, already checked for
 * DPL and presence); ret_eip is saved in the outgoing TSS and err, when
 * has_err, is pushed on the new task's stack. ext: the EXT bit. */
void helper_task_gate_int(CPUX86State *env, uint32_t e1, uint64_t ret_eip,
                          bool has_err, uint32_t err, uint32_t ext);

#endif
