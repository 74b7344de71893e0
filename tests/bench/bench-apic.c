/*
 * LAPIC and APIC bus benchmark, in-process: nanoseconds per
 *   - IPI: a guest-style 4-byte store to vCPU 0's ICR low (through its own
 *     address space) that sets a fixed vector in another vCPU's IRR;
 *   - bus message: one physical fixed message through apic_bus_deliver (what
 *     an IOAPIC or MSI write ends in) to the last vCPU's IRR;
 *   - EOI with broadcast: an EOI store (through the vCPU's address space)
 *     that ends a level-triggered vector and broadcasts it to an EOI
 *     listener (a stub standing for the IOAPIC);
 * with 1, 4 and 64 vCPUs. A physical destination is found through a table
 * indexed by APIC ID, so the columns should not grow with the vCPU count.
 * Each case runs for about 0.3 s (--time=SECONDS changes that). There is no
 * QEMU counterpart to run in-process, so no ratio is printed.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/apic_internal.h"
#include "hw/i386/x86.h"
#include "target/i386/cpu.h"
#include "softmmu/memory.h"

#define LAPIC 0xfee00000ULL
#define BATCH 4096

typedef struct BenchSys {
    MemoryRegion sysmem;
    X86CPU **cpu;
    int n;
} BenchSys;

static void bench_sys_init(BenchSys *b, int n)
{
    X86CPUModel m;
    GError *err = NULL;

    if (!x86_cpu_model_parse("qemu64,+x2apic", &m, &err)) {
        g_error("%s", err->message);
    }
    memory_region_init(&b->sysmem, "bench-apic-system", UINT64_MAX);
    b->n = n;
    b->cpu = g_new0(X86CPU *, n);
    for (int i = 0; i < n; i++) {
        b->cpu[i] = x86_cpu_new(&m, i, i, &b->sysmem);
        b->cpu[i]->is_bsp = i == 0;
        if (!x86_cpu_apic_realize(b->cpu[i], &err)) {
            g_error("%s", err->message);
        }
        b->cpu[i]->env.run_state = X86_RUN_RUNNING;
        /* Software-enable every LAPIC. */
        address_space_st(&b->cpu[i]->as, LAPIC + APIC_REG_SVR, 4, 0x1ff);
    }
}

static void bench_sys_free(BenchSys *b)
{
    for (int i = 0; i < b->n; i++) {
        x86_cpu_apic_unrealize(b->cpu[i]);
        x86_cpu_free(b->cpu[i]);
    }
    g_free(b->cpu);
    memory_region_finalize(&b->sysmem);
}

static void clear_irr(X86CPU *cpu)
{
    APICCommonState *s = apic_from_cpu(cpu);

    memset(s->r.irr, 0, sizeof(s->r.irr));
}

static void eoi_stub(void *opaque, uint8_t vector)
{
    (*(uint64_t *)opaque)++;
}

typedef void (*BenchOp)(BenchSys *b);

static X86CPU *target_cpu(BenchSys *b)
{
    return b->cpu[b->n - 1];
}

static void op_ipi(BenchSys *b)
{
    X86CPU *t = target_cpu(b);

    for (int i = 0; i < BATCH; i++) {
        address_space_st(&b->cpu[0]->as, LAPIC + APIC_REG_ICR_LO, 4, 0x40);
        if ((i & 63) == 63) {
            clear_irr(t);
        }
    }
    clear_irr(t);
}

static void op_bus(BenchSys *b)
{
    X86CPU *t = target_cpu(b);
    ApicMessage msg = {
        .source = APIC_SRC_IOAPIC, .src_cpu = -1, .dest = t->apic_id,
        .delivery_mode = APIC_DM_FIXED, .vector = 0x41, .level = true,
    };

    for (int i = 0; i < BATCH; i++) {
        apic_bus_deliver(&msg);
    }
    clear_irr(t);
}

/* The EOI of a level-triggered vector, broadcast to the listener: fill the
 * ISR with level vectors (untimed), then time the EOI stores alone. */
static double bench_eoi(BenchSys *b, double seconds)
{
    X86CPU *t = target_cpu(b);
    int64_t spent = 0, start = get_clock_realtime_ns();
    uint64_t ops = 0;

    while (get_clock_realtime_ns() - start < (int64_t)(seconds * 1e9)) {
        int64_t t0;
        int n = 0;

        for (int v = 0x20; v < 0x100; v++) {
            ApicMessage msg = {
                .source = APIC_SRC_IOAPIC, .src_cpu = -1, .dest = t->apic_id,
                .delivery_mode = APIC_DM_FIXED, .vector = v,
                .trigger_level = true, .level = true,
            };
            apic_bus_deliver(&msg);
            apic_intr_ack(t);
            n++;
        }
        t0 = get_clock_realtime_ns();
        for (int i = 0; i < n; i++) {
            address_space_st(&t->as, LAPIC + APIC_REG_EOI, 4, 0);
        }
        spent += get_clock_realtime_ns() - t0;
        ops += n;
    }
    return (double)spent / ops;
}

static double bench_run(BenchSys *b, BenchOp op, double seconds)
{
    int64_t start = get_clock_realtime_ns(), now;
    uint64_t ops = 0;

    do {
        op(b);
        ops += BATCH;
        now = get_clock_realtime_ns();
    } while (now - start < (int64_t)(seconds * 1e9));
    return (double)(now - start) / ops;
}

int main(int argc, char **argv)
{
    static const int counts[] = { 1, 4, 64 };
    double seconds = 0.3;
    uint64_t eois = 0;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--time=")) {
            seconds = g_ascii_strtod(argv[i] + 7, NULL);
        } else {
            fprintf(stderr, "usage: %s [--time=SECONDS]\n", argv[0]);
            return 1;
        }
    }
    qemu_clock_set_qtest_mode(true);
    apic_bus_add_eoi_listener(eoi_stub, &eois);

    printf("LAPIC / APIC bus: ns per operation (vCPU 0 -> last vCPU)\n");
    printf("%-6s %10s %10s %10s\n", "vcpus", "ipi", "bus-msg", "eoi-bcast");
    for (size_t k = 0; k < G_N_ELEMENTS(counts); k++) {
        BenchSys b;
        double ipi, bus, eoi;

        bench_sys_init(&b, counts[k]);
        /* ICR high: physical destination = the last vCPU's APIC ID. */
        address_space_st(&b.cpu[0]->as, LAPIC + APIC_REG_ICR_HI, 4,
                         target_cpu(&b)->apic_id << 24);
        ipi = bench_run(&b, op_ipi, seconds);
        bus = bench_run(&b, op_bus, seconds);
        eoi = bench_eoi(&b, seconds);
        printf("%-6d %10.2f %10.2f %10.2f\n", counts[k], ipi, bus, eoi);
        bench_sys_free(&b);
    }
    apic_bus_remove_eoi_listener(eoi_stub, &eois);
    if (!eois) {
        fprintf(stderr, "bench-apic: the EOI listener never ran\n");
        return 1;
    }
    return 0;
}
