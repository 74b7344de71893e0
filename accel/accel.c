/*
 * The accelerator registry: each AccelClass registers itself at start-up
 * (ACCEL_CLASS_REGISTER); the launcher looks them up by name, tries them in
 * the order the user gave (-machine accel=A:B, or -accel A -accel B) and makes
 * the first available one current. This file also holds the "kvm" class as a
 * stub: it is registered so that the QEMU fallback spellings
 * (-accel kvm -accel tcg, -machine accel=kvm:tcg) behave as QEMU's do on a
 * host without KVM, but it never reports itself available — the KVM backend
 * (accel/kvm/) is not written yet. Left out: QEMU's accelerator properties
 * other than those a class parses itself, and the AccelOps/AccelCPUClass split.
 */
#include "qemu/osdep.h"
#include "accel/accel.h"
#include "trace/accel.h"
#include "config-host.h"

#include <unistd.h>

const char *kvm_device_path(void)
{
    const char *path = g_getenv("LAPIS_KVM_DEVICE");

    return path && *path ? path : "/dev/kvm";
}

/* Registered classes, in registration order. Filled by constructors before
 * main(); read-only afterwards, so no lock. */
static GPtrArray *accel_classes;
static const AccelClass *accel_current;

void accel_class_register(const AccelClass *ac)
{
    if (!accel_classes) {
        accel_classes = g_ptr_array_new();
    }
    g_assert(!accel_class_find(ac->name));
    g_ptr_array_add(accel_classes, (gpointer)ac);
}

const AccelClass *accel_class_find(const char *name)
{
    for (guint i = 0; accel_classes && i < accel_classes->len; i++) {
        const AccelClass *ac = g_ptr_array_index(accel_classes, i);
        if (strcmp(ac->name, name) == 0) {
            return ac;
        }
    }
    return NULL;
}

void accel_class_list(GString *out)
{
    for (guint i = 0; accel_classes && i < accel_classes->len; i++) {
        const AccelClass *ac = g_ptr_array_index(accel_classes, i);
        g_string_append_printf(out, "%s\n", ac->name);
    }
}

const AccelClass *current_accel(void)
{
    return accel_current;
}

void accel_set_current(const AccelClass *ac)
{
    trace_accel_set_current(ac ? ac->name : "(none)");
    accel_current = ac;
}

bool qtest_enabled(void)
{
    return accel_current && strcmp(accel_current->name, "qtest") == 0;
}

#ifndef CONFIG_KVM
/*
 * The "kvm" stub, for builds without KVM (accel/kvm/ registers the real
 * class otherwise). QEMU first opens /dev/kvm and, when that fails, says
 * "Could not access KVM kernel module: <errno text>"; we give the same
 * reason. Where /dev/kvm is usable we still decline, and say so plainly.
 */
static bool kvm_stub_available(GError **errp)
{
    if (access(kvm_device_path(), R_OK | W_OK) != 0) {
        error_setg(errp, "Could not access KVM kernel module: %s",
                   g_strerror(errno));
        return false;
    }
    error_setg(errp, "KVM support is not implemented yet");
    return false;
}

static bool kvm_stub_init_machine(MachineState *ms, GError **errp)
{
    error_setg(errp, "KVM support is not implemented yet");
    return false;
}

static const AccelClass kvm_stub_accel = {
    .name = "kvm",
    .available = kvm_stub_available,
    .init_machine = kvm_stub_init_machine,
    .irqchip = "in-kernel",
};
ACCEL_CLASS_REGISTER(kvm_stub_accel)
#endif
