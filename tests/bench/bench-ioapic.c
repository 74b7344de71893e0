/*
 * IOAPIC and MSI delivery benchmark, in process: nanoseconds for an IOAPIC
 * pin assertion (an edge pulse on a pin whose entry is unmasked) to reach
 * the APIC bus (a backend that only counts) and to reach the destination
 * LAPIC's IRR (the real userspace LAPICs), for an MSI write through the
 * system address space to reach the IRR, and for the level-triggered round
 * trip (assert, deliver, the CPU takes the vector, deassert, LAPIC EOI
 * broadcast back to the IOAPIC). Machines of 1, 4 and 64 vCPUs, physical
 * destination: the last vCPU for the IRR cases (the round trip targets the
 * BSP, since an AP waits for a SIPI and takes nothing else), so a bus that
 * searched all LAPICs would show it. Each case runs about half a second
 * (--time=SECONDS). There is no QEMU counterpart: these paths are not
 * reachable from outside a QEMU process.
 */
#include "qemu/osdep.h"

#include "hw/i386/x86.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/msi_window.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"
#include "target/i386/cpu.h"

#define BATCH           4096
#define PIN             10
#define VECTOR          0x40
#define IOREGSEL        (IOAPIC_DEFAULT_ADDRESS + 0x00)
#define IOWIN           (IOAPIC_DEFAULT_ADDRESS + 0x10)
#define LAPIC_EOI       0xfee000b0ULL
#define LAPIC_SVR       0xfee000f0ULL
#define RTE_LEVEL       (1u << 15)

typedef struct BenchMachine {
    unsigned ncpus;
    X86CPU **cpus;
    DeviceState *ioapic;
} BenchMachine;

static uint64_t bus_messages;

static void count_deliver(const ApicMessage *msg)
{
    bus_messages++;
}

static const ApicBusOps count_ops = { .deliver = count_deliver };

static void sys_st(hwaddr addr, uint32_t val)
{
    address_space_st(&address_space_memory, addr, 4, val);
}

static void rte_set(unsigned pin, uint32_t lo, uint8_t dest)
{
    sys_st(IOREGSEL, 0x11 + 2 * pin);
    sys_st(IOWIN, (uint32_t)dest << 24);
    sys_st(IOREGSEL, 0x10 + 2 * pin);
    sys_st(IOWIN, lo);
}

static void machine_init(BenchMachine *m, unsigned ncpus)
{
    X86CPUModel model;
    GError *err = NULL;

    if (!x86_cpu_model_parse("qemu64", &model, &err)) {
        g_error("%s", err->message);
    }
    m->ncpus = ncpus;
    m->cpus = g_new0(X86CPU *, ncpus);
    for (unsigned i = 0; i < ncpus; i++) {
        m->cpus[i] = x86_cpu_new(&model, (int)i, i, get_system_memory());
        m->cpus[i]->is_bsp = i == 0;
        if (!x86_cpu_apic_realize(m->cpus[i], &err)) {
            g_error("%s", err->message);
        }
    }
    m->ioapic = ioapic_create(get_system_memory(), &err);
    if (!m->ioapic) {
        g_error("%s", err->message);
    }
    qdev_reset_all();
    for (unsigned i = 0; i < ncpus; i++) {
        x86_cpu_reset(m->cpus[i]);
        /* Software-enable the LAPIC, spurious vector 0xff. */
        address_space_st(&m->cpus[i]->as, LAPIC_SVR, 4, 0x1ff);
    }
}

static void machine_destroy(BenchMachine *m)
{
    qdev_unrealize_all();
    for (unsigned i = 0; i < m->ncpus; i++) {
        x86_cpu_free(m->cpus[i]);
    }
    g_free(m->cpus);
}

typedef void (*BenchStep)(BenchMachine *m, qemu_irq pin);

static double bench_run(BenchMachine *m, BenchStep step, double seconds)
{
    qemu_irq pin = qdev_get_gpio_in(m->ioapic, PIN);
    uint64_t n = 0;
    gint64 start = g_get_monotonic_time();
    gint64 elapsed;

    do {
        for (unsigned i = 0; i < BATCH; i++) {
            step(m, pin);
        }
        n += BATCH;
        elapsed = g_get_monotonic_time() - start;
    } while (elapsed < seconds * 1e6);
    return elapsed * 1000.0 / n;
}

static void step_pin_pulse(BenchMachine *m, qemu_irq pin)
{
    qemu_set_irq(pin, 1);
    qemu_set_irq(pin, 0);
}

static void step_msi(BenchMachine *m, qemu_irq pin)
{
    sys_st(MSI_WINDOW_BASE | ((m->ncpus - 1) << 12), VECTOR);
}

static void step_level_round_trip(BenchMachine *m, qemu_irq pin)
{
    X86CPU *bsp = m->cpus[0];

    qemu_set_irq(pin, 1);
    apic_intr_ack(bsp);
    qemu_set_irq(pin, 0);
    address_space_st(&bsp->as, LAPIC_EOI, 4, 0);
}

static bool irr_has(X86CPU *cpu, int vector)
{
    uint64_t v = 0;

    address_space_ld(&cpu->as, 0xfee00200 + 0x10 * (vector / 32), 4, &v);
    return (v >> (vector % 32)) & 1;
}

int main(int argc, char **argv)
{
    static const unsigned ncpus[] = { 1, 4, 64 };
    double seconds = 0.5;
    MemoryRegion *msi;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--time=")) {
            seconds = g_ascii_strtod(argv[i] + 7, NULL);
        } else {
            fprintf(stderr, "usage: %s [--time=SECONDS]\n", argv[0]);
            return 1;
        }
    }
    memory_system_init();
    msi = msi_window_init(get_system_memory());

    printf("IOAPIC / MSI delivery: ns per operation, physical destination\n");
    printf("%-6s %12s %12s %12s %12s\n", "vcpus", "pin->bus", "pin->IRR",
           "msi->IRR", "level+EOI");
    for (size_t c = 0; c < G_N_ELEMENTS(ncpus); c++) {
        BenchMachine m;
        X86CPU *last;
        double ns_bus, ns_irr, ns_msi, ns_level;

        machine_init(&m, ncpus[c]);
        last = m.cpus[m.ncpus - 1];

        /* Edge entry to the last vCPU. */
        rte_set(PIN, VECTOR, m.ncpus - 1);
        apic_bus_set_backend(&count_ops);
        bus_messages = 0;
        ns_bus = bench_run(&m, step_pin_pulse, seconds);
        g_assert_cmpuint(bus_messages, >, 0);
        apic_bus_set_backend(NULL);

        ns_irr = bench_run(&m, step_pin_pulse, seconds);
        g_assert_true(irr_has(last, VECTOR));

        ns_msi = bench_run(&m, step_msi, seconds);

        /* Level entry to the BSP. */
        rte_set(PIN, RTE_LEVEL | (VECTOR + 0x10), 0);
        for (int round = 0; round < 2; round++) {
            /* The round trip really delivers each time. */
            ApicIntr taken;

            qemu_set_irq(qdev_get_gpio_in(m.ioapic, PIN), 1);
            taken = apic_intr_ack(m.cpus[0]);
            g_assert_cmpint(taken.kind, ==, APIC_INTR_FIXED);
            g_assert_cmpint(taken.vector, ==, VECTOR + 0x10);
            qemu_set_irq(qdev_get_gpio_in(m.ioapic, PIN), 0);
            address_space_st(&m.cpus[0]->as, LAPIC_EOI, 4, 0);
        }
        ns_level = bench_run(&m, step_level_round_trip, seconds);

        printf("%-6u %12.1f %12.1f %12.1f %12.1f\n", m.ncpus, ns_bus, ns_irr,
               ns_msi, ns_level);
        machine_destroy(&m);
    }
    msi_window_destroy(get_system_memory(), msi);
    return 0;
}
