/*
 * The x86 interpreter's interface to the rest of lapis: the execution loop
 * (accel/tcg) runs a vCPU for a slice with tcg_x86_cpu_exec(); others flush a
 * vCPU's soft TLB when its view of memory changes (APIC base moved, APIC
 * disabled, x2APIC on, memory topology changed), post events for it, and
 * print its registers. The interpreter itself lives in target/i386/tcg.
 */
#ifndef LAPIS_TARGET_I386_TCG_CPU_H
#define LAPIS_TARGET_I386_TCG_CPU_H

#include "qemu/osdep.h"
#include "target/i386/cpu.h"

/* env->interrupt_request bits (set with atomics from any thread, then kick). */
#define X86_INTR_HARD       (1u << 0)   /* a maskable interrupt may be pending */
#define X86_INTR_NMI        (1u << 1)
#define X86_INTR_INIT       (1u << 2)
#define X86_INTR_SIPI       (1u << 3)
#define X86_INTR_SMI        (1u << 4)
#define X86_INTR_EXIT       (1u << 5)   /* leave the interpreter (kick) */
#define X86_INTR_TLB_FLUSH  (1u << 6)   /* flush the soft TLB before going on */

/* Why tcg_x86_cpu_exec returned. */
typedef enum X86ExecExit {
    X86_EXIT_BUDGET,        /* the slice is used up */
    X86_EXIT_REQUEST,       /* kicked (X86_INTR_EXIT) */
    X86_EXIT_HALTED,        /* HLT, or not runnable (wait-for-SIPI, stopped) */
    X86_EXIT_RESET,         /* triple fault: reset requested */
} X86ExecExit;

/*
 * Interrupt-controller hooks (the LAPIC, later). has_interrupt: is a
 * maskable interrupt ready for this CPU (priority above PPR)? ack_interrupt:
 * move it IRR->ISR and return its vector (-1: it went away). sipi_vector: the
 * vector of the latest start-up IPI. Without hooks maskable interrupts are
 * never taken.
 */
typedef struct X86InterruptHooks {
    bool (*has_interrupt)(X86CPU *cpu);
    int (*ack_interrupt)(X86CPU *cpu);
    int (*sipi_vector)(X86CPU *cpu);
    /* MOV to/from CR8 in 64-bit mode (the TPR); NULL: kept in env->cr8 */
    uint64_t (*get_cr8)(X86CPU *cpu);
    void (*set_cr8)(X86CPU *cpu, uint64_t value);
} X86InterruptHooks;

void tcg_x86_set_interrupt_hooks(X86CPU *cpu, const X86InterruptHooks *hooks);

/* Set up the interpreter's state for a vCPU (TLB, MSRs whose semantics
 * belong to execution such as EFER). */
void tcg_x86_cpu_init(X86CPU *cpu);
void tcg_x86_cpu_cleanup(X86CPU *cpu);

/* Run up to about max_insns guest instructions. Called without the BQL. */
X86ExecExit tcg_x86_cpu_exec(X86CPU *cpu, int64_t max_insns);

/* Flush a vCPU's soft TLB. From the vCPU's own thread it takes effect at
 * once; from another thread it is posted and the vCPU is kicked. */
void tlb_flush(X86CPU *cpu);
/* Forget every decoded block (after a loader or DMA rewrote guest RAM). */
void tcg_x86_flush_code_cache(void);
/* Post an event bit (X86_INTR_*) and kick the vCPU. */
void tcg_x86_cpu_interrupt(X86CPU *cpu, uint32_t mask);
/* The kick function the accelerator installs (wakes a halted vCPU too). */
void tcg_x86_set_kick(void (*kick)(X86CPU *cpu));

/* HMP "info registers", in QEMU's format. */
void x86_cpu_dump_state(X86CPU *cpu, GString *out);

/* Guest instructions executed since start (all vCPUs): for benchmarks. */
uint64_t tcg_x86_insn_count(void);
/* The same, counting also the instructions the calling thread's running
 * block has completed so far (-icount reads the clock through it). */
uint64_t tcg_x86_insn_count_exact(void);
/* Whether PAUSE ends the slice (X86_EXIT_BUDGET) so that other vCPUs of
 * the round-robin loop run, as QEMU's TCG does; off by default. */
void tcg_x86_set_pause_yields(bool yields);

#endif
