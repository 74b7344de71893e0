/*
 * x86 board helpers shared by machines: giving a CPU its local APIC.
 */
#ifndef LAPIS_HW_I386_X86_H
#define LAPIS_HW_I386_X86_H

#include "qemu/osdep.h"

typedef struct X86CPU X86CPU;

/*
 * Create, realize and attach the local APIC of `cpu` (device "apic", at
 * /machine/apic[<cpu_index>]), with the CPU's initial APIC ID
 * (cpu->apic_id) and the x2APIC / TSC-deadline abilities of its model.
 *
 * Contract:
 * - call once per CPU, after x86_cpu_new() and after cpu->is_bsp is final
 *   (the BSP flag of IA32_APIC_BASE comes from it), before the machine
 *   starts; the CPU must have a view of memory (non-NULL sysmem);
 * - the CPU model must have the APIC (CPUID.1:EDX.APIC), else an error;
 * - on success cpu->apic is the device, the LAPIC page is mapped at
 *   0xFEE00000 in cpu->as_root (priority 2), IA32_APIC_BASE, the x2APIC MSRs
 *   0x800-0x8ff and (if the model has it) IA32_TSC_DEADLINE are handled by
 *   the LAPIC, and the interpreter's interrupt hooks point to it;
 * - the device is reset with the others by qdev_reset_all() and is
 *   unrealized by qdev_unrealize_all(), which must run before x86_cpu_free()
 *   (as softmmu/vl.c does), or call x86_cpu_apic_unrealize() first;
 * - the first call also registers HMP `info lapic`, `info irq` and QMP
 *   `inject-nmi`.
 * The machine wires the PIC's INTR to GPIO in 0 (LINT0) of every LAPIC
 * (qdev_get_gpio_in(cpu->apic, 0)) and registers the PIC's INTA with
 * apic_bus_set_extint_source().
 */
bool x86_cpu_apic_realize(X86CPU *cpu, GError **errp);
/* Detach and free the LAPIC of `cpu` (no-op without one). */
void x86_cpu_apic_unrealize(X86CPU *cpu);

#endif
