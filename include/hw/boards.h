/*
 * Machines. A MachineClass describes a board type (-machine NAME); the
 * MachineState is the one machine this process runs, built from the options.
 */
#ifndef LAPIS_BOARDS_H
#define LAPIS_BOARDS_H

#include "qemu/osdep.h"
#include "softmmu/memory.h"

typedef struct MachineState MachineState;
typedef struct X86CPU X86CPU;
typedef struct AccelState AccelState;
typedef struct Chardev Chardev;
typedef struct DeviceState DeviceState;

/* COM1..COM4: the serial ports a PC machine can have (-serial). */
#define MAX_SERIAL_PORTS 4

typedef struct MachineClass {
    const char *name;
    const char *alias;          /* e.g. "pc" for a versioned name */
    const char *desc;
    bool is_default;
    unsigned max_cpus;
    uint64_t default_ram_size;
    /* Parse one machine property (-machine pc,KEY=VALUE); false with errp
     * naming the key when unknown or the value when bad. */
    bool (*set_property)(MachineState *ms, const char *key, const char *value,
                         GError **errp);
    bool (*init)(MachineState *ms, GError **errp);
    void (*reset)(MachineState *ms);
    void (*cleanup)(MachineState *ms);
} MachineClass;

struct MachineState {
    const MachineClass *mc;
    uint64_t ram_size;
    unsigned smp_cpus;
    char *cpu_model;            /* -cpu string, e.g. "qemu64,+x2apic" */
    char *kernel_filename;
    char *kernel_cmdline;
    char *initrd_filename;
    char *dumpdtb;
    bool acpi;
    AccelState *accel;
    MemoryRegion ram;
    X86CPU **cpus;              /* smp_cpus entries */
    void *board;                /* board private state */
    /* Backends of the serial ports the launcher set up (-serial, the
     * default serial0); NULL: no port there. The board creates one UART
     * per non-NULL entry. */
    Chardev *serial[MAX_SERIAL_PORTS];
    char *name;                 /* -name (stored, unused so far) */
    bool nographic;             /* -nographic: no display device is shown */
    bool nodefaults;            /* -nodefaults: no default serial or VGA */
    bool no_vga;                /* -vga none */
};

void machine_class_register(const MachineClass *mc);
#define MACHINE_CLASS_REGISTER(mc) \
    static void __attribute__((constructor)) register_##mc(void) \
    { machine_class_register(&(mc)); }
const MachineClass *machine_class_find(const char *name);
const MachineClass *machine_class_default(void);
void machine_class_list(GString *out);

/* The machine this process runs (NULL before it is created). */
extern MachineState *current_machine;

#endif
