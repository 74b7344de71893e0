/*
 * The local APIC of one vCPU (device type "apic"), as the CPU, the machine,
 * qtest and the monitor see it. The model is the Pentium 4 / Xeon xAPIC
 * (version 0x14) with x2APIC; docs/apic.md describes every register. A LAPIC
 * is created for a CPU by x86_cpu_apic_realize() (include/hw/i386/x86.h).
 *
 * Acceptance path. The LAPIC keeps its CPU's env.interrupt_request bits
 * (X86_INTR_HARD / NMI / SMI / INIT / SIPI, include/target/i386/tcg/tcg-cpu.h)
 * in step with what is pending, setting them atomically and kicking the vCPU
 * (cpu_kick) when one appears, so the interpreter polls one word between
 * blocks. When a bit is set, the CPU asks what it would take
 * (apic_intr_poll) and takes it (apic_intr_ack): a fixed vector moves
 * IRR->ISR, ExtINT runs the PIC's INTA, INIT and SIPI are performed on the
 * CPU state here, NMI and SMI are handed to the CPU to deliver.
 *
 * Locking: every function here runs with the BQL held, except
 * apic_intr_pending_mask(), which only reads the atomic word.
 */
#ifndef LAPIS_HW_INTC_APIC_H
#define LAPIS_HW_INTC_APIC_H

#include "qemu/osdep.h"
#include "hw/intc/apic_bus.h"

typedef struct X86CPU X86CPU;
typedef struct APICCommonState APICCommonState;
typedef struct Monitor Monitor;

#define TYPE_APIC "apic"

/* GPIO inputs of the "apic" device (unnamed list): LINT0 (the 8259's INTR),
 * LINT1 (NMI). */
#define APIC_GPIO_LINT0 0
#define APIC_GPIO_LINT1 1

/*
 * Named GPIO inputs of the "apic" device, one line each, for the local
 * interrupt sources with no pin of their own: the thermal sensor, the
 * performance-monitoring counters' overflow (PMI), and the corrected
 * machine-check interrupt (only with the "cmci" property on). A rising
 * edge is one event, delivered through the source's LVT entry. qtest:
 * `set_irq_in /machine/apic[N] thermal 0 1`.
 */
#define APIC_GPIO_THERMAL "thermal"
#define APIC_GPIO_PERF    "perf"
#define APIC_GPIO_CMCI    "cmci"

/* What a CPU can take, in the order apic_intr_poll() considers them. */
typedef enum ApicIntrKind {
    APIC_INTR_NONE = 0,
    APIC_INTR_SMI,
    APIC_INTR_INIT,
    APIC_INTR_SIPI,
    APIC_INTR_NMI,
    APIC_INTR_EXTINT,
    APIC_INTR_FIXED,
} ApicIntrKind;

/* Masks of kinds for the _mask variants (1 << kind). */
#define APIC_INTR_MASK(k)       (1u << (k))
#define APIC_INTR_MASK_ALL      0xfeu
#define APIC_INTR_MASK_MASKABLE (APIC_INTR_MASK(APIC_INTR_EXTINT) | \
                                 APIC_INTR_MASK(APIC_INTR_FIXED))

typedef struct ApicIntr {
    ApicIntrKind kind;
    uint8_t vector;             /* FIXED, EXTINT, SIPI */
} ApicIntr;

/*
 * What the CPU would take next if interrupts were open (no side effect).
 * Priority (SDM vol. 3A 7.9, 2024 numbering; 6.9 before): SMI, INIT, then a
 * SIPI (only while the vCPU waits for one), NMI, ExtINT (not subject to the
 * PPR), then the highest IRR vector whose class is above the PPR. While the
 * vCPU waits for a SIPI only INIT and SIPI are reported.
 */
ApicIntr apic_intr_poll(X86CPU *cpu);
/*
 * Take it, as the CPU does: FIXED moves the vector IRR->ISR (PPR rises);
 * EXTINT is the PIC's INTA; INIT resets the CPU (x86_cpu_init_reset) and the
 * LAPIC but for its ID and IA32_APIC_BASE, after which an AP waits for a
 * SIPI (the BSP restarts at the reset vector, as on hardware and KVM); SIPI
 * loads CS = vector << 8 (base vector << 12), IP = 0 and makes the vCPU
 * runnable; NMI and SMI are cleared from the pending set for the CPU to
 * deliver.
 */
ApicIntr apic_intr_ack(X86CPU *cpu);
/* The same, looking only at the kinds in `allowed` (APIC_INTR_MASK bits):
 * the interpreter passes what its IF / NMI blocking allows. */
ApicIntr apic_intr_poll_mask(X86CPU *cpu, unsigned allowed);
ApicIntr apic_intr_ack_mask(X86CPU *cpu, unsigned allowed);
/* qtest's reply: "OK none", "OK fixed 0x30", "OK extint 0x08", "OK nmi",
 * "OK smi", "OK init", "OK sipi 0x10" (appended to reply). */
void apic_intr_format(const ApicIntr *intr, GString *reply);
/* One call for qtest's intr_poll / intr_ack: formats the reply. */
void apic_intr_poll_reply(X86CPU *cpu, GString *reply);
void apic_intr_ack_reply(X86CPU *cpu, GString *reply);

/* The hooks of include/target/i386/tcg/tcg-cpu.h (X86InterruptHooks). */
bool apic_has_maskable_interrupt(X86CPU *cpu);
int apic_ack_maskable_interrupt(X86CPU *cpu);
int apic_sipi_vector(X86CPU *cpu);
/* CR8 is TPR[7:4] (SDM vol. 3A 11.8.6.1). */
uint64_t apic_get_cr8(X86CPU *cpu);
void apic_set_cr8(X86CPU *cpu, uint64_t value);

/* The LAPIC of a CPU (NULL if it has none), and of an initial APIC ID. */
APICCommonState *apic_from_cpu(X86CPU *cpu);
APICCommonState *apic_find_by_apic_id(uint32_t apic_id);

/* NMI to every LAPIC through LINT1, as QEMU's inject-nmi does (a masked
 * LINT1 drops it; a globally disabled APIC passes it straight on). */
void apic_inject_nmi_all(void);

/* HMP text: `info lapic` for one LAPIC; the LAPIC half of `info irq`
 * (interrupts accepted per vector and CPU). */
void apic_info_lapic(APICCommonState *s, GString *out);
void apic_info_irq(GString *out);

/*
 * Called after this CPU's view of memory changed (the LAPIC page appeared,
 * moved or went away). Defaults to the interpreter's tlb_flush() when that is
 * linked in; a caller may set its own.
 */
extern void (*apic_cpu_view_changed)(X86CPU *cpu);

/*
 * Called on the vCPU's thread right after the BSP (IA32_APIC_BASE.BSP set)
 * performed an INIT, in its post-INIT state. NULL (the default): the BSP
 * runs from the reset vector. The pc board sets it to go through its
 * firmware's reset path (the CMOS shutdown status byte).
 */
extern void (*apic_bsp_init_notify)(X86CPU *cpu);

#endif
