/*
 * Accelerators: what runs guest code. Each says whether it is available,
 * sets up per-machine state, starts the vCPUs and can kick them (to make a
 * vCPU notice a request or a new interrupt).
 *   qtest  no guest code; the virtual clock moves only by qtest commands
 *   tcg    our x86 interpreter
 *   kvm    the kernel's KVM (not yet)
 * -accel A -accel B and -machine accel=A:B try each in turn.
 */
#ifndef LAPIS_ACCEL_H
#define LAPIS_ACCEL_H

#include "qemu/osdep.h"

typedef struct MachineState MachineState;
typedef struct X86CPU X86CPU;

typedef struct AccelClass {
    const char *name;
    /* false (with errp saying why) when this host cannot use it */
    bool (*available)(GError **errp);
    /* Parse an accelerator property (-accel NAME,KEY=VALUE). */
    bool (*set_property)(const char *key, const char *value, GError **errp);
    bool (*init_machine)(MachineState *ms, GError **errp);
    /* Create and start the vCPU thread(s); vCPUs run only while runstate
     * is running. */
    void (*start_vcpus)(MachineState *ms);
    /* Make the vCPU leave guest code soon and look at its pending events. */
    void (*kick_vcpu)(X86CPU *cpu);
    /* Stop and join the vCPU threads at exit. */
    void (*stop_vcpus)(MachineState *ms);
    /* The irqchip description for "info irqchip" ("userspace", ...). */
    const char *irqchip;
} AccelClass;

typedef struct AccelState {
    const AccelClass *ac;
} AccelState;

void accel_class_register(const AccelClass *ac);
#define ACCEL_CLASS_REGISTER(ac) \
    static void __attribute__((constructor)) register_##ac(void) \
    { accel_class_register(&(ac)); }
const AccelClass *accel_class_find(const char *name);
/* The accelerator the machine runs with (NULL before selection). */
const AccelClass *current_accel(void);
void accel_set_current(const AccelClass *ac);
bool qtest_enabled(void);
/*
 * The KVM device node: /dev/kvm, or $LAPIS_KVM_DEVICE when set. The override
 * exists so tests can exercise the "KVM unavailable" paths (fallback to the
 * next accelerator) on hosts that do have KVM.
 */
const char *kvm_device_path(void);
/* "-accel help": one registered accelerator name per line. */
void accel_class_list(GString *out);

#endif
