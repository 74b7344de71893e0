/* placeholder: the interpreter work implements Multiboot loading. */
#include "qemu/osdep.h"
#include "hw/i386/multiboot.h"

bool x86_load_multiboot(MachineState *ms, X86CPU *bsp, GError **errp)
{
    error_setg(errp, "-kernel: direct kernel boot is not implemented yet");
    return false;
}
