/*
 * The MSI window of the system address space, 0xFEE00000-0xFEEFFFFF (SDM
 * vol. 3A, 2024 numbering, 11.11: message address register and message data
 * register formats). A 4-byte write is one message: its address (bits 19:12
 * destination ID, bit 3 redirection hint, bit 2 destination mode) and data
 * (bits 7:0 vector, 10:8 delivery mode, 14 level, 15 trigger mode) are
 * decoded by msi_decode() and sent with apic_bus_deliver(). A PCI MSI is
 * always one dword; other sizes are dropped (trace msi_window_drop). Reads
 * are not interrupts and have no target: like a read that nobody claims (a
 * master abort on PCI) they return all ones. Left out: interrupt remapping
 * (there is no IOMMU) and the extended destination ID of address bits 11:5.
 */
#include "qemu/osdep.h"
#include "hw/intc/msi_window.h"
#include "hw/intc/apic_bus.h"
#include "trace/hw_intc.h"

static uint64_t msi_window_read(void *opaque, hwaddr addr, unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static void msi_window_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size)
{
    uint64_t msi_addr = MSI_WINDOW_BASE + addr;
    ApicMessage msg;

    if (size != 4) {
        trace_msi_window_drop(msi_addr, size);
        return;
    }
    trace_msi_window_write(msi_addr, (uint32_t)data);
    if (msi_decode(msi_addr, (uint32_t)data, &msg)) {
        apic_bus_deliver(&msg);
    } else {
        trace_msi_window_drop(msi_addr, size);
    }
}

static const MemoryRegionOps msi_window_ops = {
    .read = msi_window_read,
    .write = msi_window_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

MemoryRegion *msi_window_init(MemoryRegion *sysmem)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    memory_region_init_io(mr, &msi_window_ops, NULL, "msi-window",
                          MSI_WINDOW_SIZE);
    memory_region_add_subregion(sysmem, MSI_WINDOW_BASE, mr);
    return mr;
}

void msi_window_destroy(MemoryRegion *sysmem, MemoryRegion *window)
{
    if (!window) {
        return;
    }
    memory_region_del_subregion(sysmem, window);
    memory_region_finalize(window);
    g_free(window);
}
