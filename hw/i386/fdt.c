/*
 * The flattened device tree of the pc machine (-machine dumpdtb=FILE),
 * written with libfdt's sequential-write API from the machine description,
 * in the shape of the Devicetree Specification 0.4 and of the x86 bindings
 * Linux uses for its CE4100 board: /cpus with a cpu@APICID node per vCPU
 * (reg = APIC ID), /memory@0 with the usable RAM ranges, the IOAPIC
 * ("intel,ce4100-ioapic", two interrupt cells: GSI and type) and the LAPIC
 * ("intel,ce4100-lapic") with `reg` and `interrupt-controller`, and an /isa
 * node (two address cells: 1 for I/O space, then the port) holding the
 * serial ports and the RTC with their interrupts on the IOAPIC. Nothing hands
 * it to the guest yet: it describes the machine to tools and tests.
 * Left out: the PIT and i8042 nodes, /chosen's bootargs, PCI.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "hw/i386/firmware-tables.h"
#include "config-host.h"
#include "trace/hw_i386.h"

#ifdef CONFIG_FDT
#include <libfdt.h>

#define FDT_INITIAL_SIZE        (64 * 1024)
#define FDT_PHANDLE_IOAPIC      1
#define FDT_PHANDLE_LAPIC       2
#define FDT_ISA_SPACE_IO        1
/* IOAPIC interrupt specifier types (Linux's ce4100-ioapic binding). */
#define FDT_IRQ_TYPE_EDGE_RISING  0
#define FDT_IRQ_TYPE_LEVEL_LOW    1
#define FDT_IRQ_TYPE_LEVEL_HIGH   2
#define FDT_UART_CLOCK_HZ       1843200

/* libfdt's sequential-write calls all return <0 on error; keep the first. */
typedef struct FdtWriter {
    void *fdt;
    int err;
} FdtWriter;

static void fw_check(FdtWriter *w, int ret)
{
    if (ret < 0 && !w->err) {
        w->err = ret;
    }
}

static void fw_begin(FdtWriter *w, const char *fmt, ...) LAPIS_PRINTF(2, 3);
static void fw_begin(FdtWriter *w, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *name = NULL;

    va_start(ap, fmt);
    name = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fw_check(w, fdt_begin_node(w->fdt, name));
}

static void fw_end(FdtWriter *w)
{
    fw_check(w, fdt_end_node(w->fdt));
}

static void fw_u32(FdtWriter *w, const char *prop, uint32_t v)
{
    fw_check(w, fdt_property_u32(w->fdt, prop, v));
}

static void fw_str(FdtWriter *w, const char *prop, const char *s)
{
    fw_check(w, fdt_property_string(w->fdt, prop, s));
}

static void fw_empty(FdtWriter *w, const char *prop)
{
    fw_check(w, fdt_property(w->fdt, prop, NULL, 0));
}

static void fw_cells(FdtWriter *w, const char *prop, const uint32_t *cells,
                     unsigned n)
{
    g_autofree fdt32_t *be = g_new(fdt32_t, n);

    for (unsigned i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    fw_check(w, fdt_property(w->fdt, prop, be, n * sizeof(fdt32_t)));
}

static uint32_t fdt_irq_type(const MachineDesc *d, int isa_irq)
{
    uint16_t flags = d->isa_irq[isa_irq].flags;
    bool level = (flags & 0xC) == MD_IRQ_TRIGGER_LEVEL;
    bool low = (flags & 0x3) == MD_IRQ_POLARITY_LOW;

    if (!level) {
        return FDT_IRQ_TYPE_EDGE_RISING;
    }
    return low ? FDT_IRQ_TYPE_LEVEL_LOW : FDT_IRQ_TYPE_LEVEL_HIGH;
}

static void fdt_isa_node(FdtWriter *w, const MachineDesc *d,
                         const MachineDescIsaDev *dev, const char *node,
                         const char *compatible)
{
    uint32_t reg[] = { FDT_ISA_SPACE_IO, dev->port, dev->nports };
    uint32_t irq[] = { machine_desc_isa_irq_to_gsi(d, dev->irq),
                       fdt_irq_type(d, dev->irq) };

    fw_begin(w, "%s@i%x", node, dev->port);
    fw_str(w, "compatible", compatible);
    fw_cells(w, "reg", reg, G_N_ELEMENTS(reg));
    fw_cells(w, "interrupts", irq, G_N_ELEMENTS(irq));
    fw_u32(w, "interrupt-parent", FDT_PHANDLE_IOAPIC);
    if (dev->kind == MD_ISA_SERIAL) {
        fw_u32(w, "clock-frequency", FDT_UART_CLOCK_HZ);
    }
    fw_end(w);
}

void *fdt_build(const MachineDesc *d, size_t *size, GError **errp)
{
    FdtWriter w = { .fdt = g_malloc0(FDT_INITIAL_SIZE) };
    g_autofree uint32_t *mem = g_new(uint32_t, d->nram * 4);
    unsigned nmem = 0;

    fw_check(&w, fdt_create(w.fdt, FDT_INITIAL_SIZE));
    fw_check(&w, fdt_finish_reservemap(w.fdt));
    fw_begin(&w, "%s", "");
    fw_u32(&w, "#address-cells", 2);
    fw_u32(&w, "#size-cells", 2);
    fw_str(&w, "compatible", "lapis,pc");
    fw_str(&w, "model", "lapis pc");
    fw_u32(&w, "interrupt-parent", FDT_PHANDLE_IOAPIC);

    fw_begin(&w, "%s", "chosen");
    fw_end(&w);

    fw_begin(&w, "%s", "cpus");
    fw_u32(&w, "#address-cells", 1);
    fw_u32(&w, "#size-cells", 0);
    for (unsigned i = 0; i < d->ncpus; i++) {
        fw_begin(&w, "cpu@%x", d->cpus[i].apic_id);
        fw_str(&w, "device_type", "cpu");
        fw_u32(&w, "reg", d->cpus[i].apic_id);
        fw_str(&w, "status", "okay");
        fw_end(&w);
    }
    fw_end(&w);

    for (unsigned i = 0; i < d->nram; i++) {
        const MachineDescRam *r = &d->ram[i];
        if (r->type == MD_RAM_USABLE) {
            mem[nmem++] = r->base >> 32;
            mem[nmem++] = (uint32_t)r->base;
            mem[nmem++] = r->size >> 32;
            mem[nmem++] = (uint32_t)r->size;
        }
    }
    fw_begin(&w, "%s", "memory@0");
    fw_str(&w, "device_type", "memory");
    fw_cells(&w, "reg", mem, nmem);
    fw_end(&w);

    fw_begin(&w, "interrupt-controller@%" PRIx64, d->ioapic.addr);
    {
        uint32_t reg[] = { d->ioapic.addr >> 32, (uint32_t)d->ioapic.addr,
                           0, 0x1000 };
        fw_str(&w, "compatible", "intel,ce4100-ioapic");
        fw_cells(&w, "reg", reg, G_N_ELEMENTS(reg));
        fw_empty(&w, "interrupt-controller");
        fw_u32(&w, "#interrupt-cells", 2);
        fw_u32(&w, "#address-cells", 0);
        fw_u32(&w, "phandle", FDT_PHANDLE_IOAPIC);
    }
    fw_end(&w);

    fw_begin(&w, "interrupt-controller@%" PRIx64, d->lapic_addr);
    {
        uint32_t reg[] = { d->lapic_addr >> 32, (uint32_t)d->lapic_addr,
                           0, 0x1000 };
        fw_str(&w, "compatible", "intel,ce4100-lapic");
        fw_cells(&w, "reg", reg, G_N_ELEMENTS(reg));
        fw_empty(&w, "interrupt-controller");
        fw_u32(&w, "#interrupt-cells", 1);
        fw_u32(&w, "#address-cells", 0);
        fw_u32(&w, "phandle", FDT_PHANDLE_LAPIC);
    }
    fw_end(&w);

    fw_begin(&w, "%s", "isa");
    fw_str(&w, "compatible", "isa");
    fw_u32(&w, "#address-cells", 2);
    fw_u32(&w, "#size-cells", 1);
    for (unsigned i = 0; i < d->nisa; i++) {
        const MachineDescIsaDev *dev = &d->isa[i];
        if (dev->kind == MD_ISA_SERIAL) {
            fdt_isa_node(&w, d, dev, "serial", "ns16550a");
        } else if (dev->kind == MD_ISA_RTC) {
            fdt_isa_node(&w, d, dev, "rtc", "motorola,mc146818");
        }
    }
    fw_end(&w);

    fw_end(&w);
    fw_check(&w, fdt_finish(w.fdt));
    if (!w.err) {
        fw_check(&w, fdt_pack(w.fdt));
    }
    if (w.err) {
        error_setg(errp, "cannot build the device tree: %s",
                   fdt_strerror(w.err));
        g_free(w.fdt);
        return NULL;
    }
    *size = fdt_totalsize(w.fdt);
    return w.fdt;
}

#else /* !CONFIG_FDT */

void *fdt_build(const MachineDesc *d, size_t *size, GError **errp)
{
    error_setg(errp, "dumpdtb is unavailable: lapis was built without libfdt "
               "(install libfdt-dev and reconfigure)");
    return NULL;
}

#endif

bool pc_dumpdtb(const MachineDesc *d, const char *file, GError **errp)
{
    size_t size;
    g_autofree void *fdt = fdt_build(d, &size, errp);
    GError *local_err = NULL;

    if (!fdt) {
        return false;
    }
    if (!g_file_set_contents(file, fdt, size, &local_err)) {
        error_setg(errp, "dumpdtb %s: %s", file, local_err->message);
        g_error_free(local_err);
        return false;
    }
    trace_fw_dumpdtb(file, (unsigned)size);
    return true;
}
