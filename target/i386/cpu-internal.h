/*
 * Private interfaces between the files of the x86 CPU object (cpu.c,
 * cpu-models.c, msr.c). Not for use outside target/i386.
 */
#ifndef LAPIS_TARGET_I386_CPU_INTERNAL_H
#define LAPIS_TARGET_I386_CPU_INTERNAL_H

#include "target/i386/cpu.h"

/* Register the architectural MSRs that cpu->model advertises. */
void x86_cpu_register_arch_msrs(X86CPU *cpu);
/* Power-on values of the MSRs that live in X86CPU rather than env. */
void x86_cpu_reset_msrs(X86CPU *cpu);

static inline bool x86_cpu_vendor_is_amd(const X86CPU *cpu)
{
    return strcmp(cpu->model.vendor, "AuthenticAMD") == 0;
}

static inline bool x86_cpu_vendor_is_intel(const X86CPU *cpu)
{
    return strcmp(cpu->model.vendor, "GenuineIntel") == 0;
}

#endif
