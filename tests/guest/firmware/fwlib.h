/*
 * Helpers for the firmware-table guest tests: the kernel command line
 * options the tests take (cpus=N acpi=0|1 aps=1 kvm=1 action=WORD), byte checksums, the
 * MP floating pointer and ACPI RSDP searches as an OS does them (MPS 1.4
 * section 4, ACPI 6.x section 5.2.5.1), ACPI table lookup through the XSDT,
 * xAPIC and IOAPIC register access, and starting an AP with INIT-SIPI-SIPI
 * (SDM Vol. 3A 8.4.4.1) into the trampoline in tramp.S.
 */
#ifndef FWLIB_H
#define FWLIB_H

#include "runtime.h"
#include "fwlib-asm.h"

struct fw_args {
    int cpus;           /* -smp as the runner passes it: cpus=N */
    int acpi;           /* acpi=0 when run with -machine acpi=off */
    int aps;            /* aps=1: every AP must start (an accelerator that
                         * starts APs); otherwise none starting is a skip */
    int kvm;            /* kvm=1: run under -accel kvm (known differences) */
    char action[16];    /* what poweroff/reset tests do */
};
void fw_parse_args(struct fw_args *a);

/* A physical address as a pointer, hidden from GCC's bounds warnings about
 * constant addresses near 0. */
static inline void *phys(ureg a)
{
    __asm__("" : "+r"(a));
    return (void *)a;
}

uint8_t fw_sum(const void *p, size_t n);
static inline uint16_t rd16(const void *p) { return *(const uint16_t *)p; }
static inline uint32_t rd32(const void *p) { return *(const uint32_t *)p; }
static inline uint64_t rd64(const void *p) { return *(const uint64_t *)p; }
bool fw_sig(const void *p, const char *sig);   /* compares strlen(sig) bytes */

/* MP floating pointer: in the first KiB of the EBDA, the last KiB of base
 * memory, or 0xF0000-0xFFFFF, on a 16-byte boundary with a valid checksum. */
const uint8_t *fw_find_mpf_in(uint32_t base, uint32_t len);
uint32_t fw_ebda_base(void);

/* RSDP: the first KiB of the EBDA, then 0xE0000-0xFFFFF. NULL if absent. */
const uint8_t *fw_find_rsdp(void);
/* A table named sig listed in the XSDT (or RSDT); NULL if absent. */
const uint8_t *fw_acpi_table(const uint8_t *rsdp, const char *sig);

/* xAPIC registers (SDM Vol. 3A table 10-1) */
#define LAPIC_BASE      0xfee00000u
#define LAPIC_ID        0x20
#define LAPIC_VER       0x30
#define LAPIC_SVR       0xf0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint32_t fw_own_apic_id(void);
#define IOAPIC_BASE     0xfec00000u
uint32_t ioapic_read(uint32_t base, uint32_t reg);

/* Clear the AP bitmap and count, put the trampoline in place. */
void fw_ap_reset(void);
/* INIT, SIPI, SIPI to one APIC ID; true once its bit shows in the bitmap. */
bool fw_start_cpu(uint8_t apic_id);
bool fw_ap_seen(uint8_t apic_id);
uint32_t fw_ap_count(void);

/* A bounded wait, so that a broken emulator fails the test, not hangs it. */
void fw_spin(unsigned n);
/* A timed wait of at most 54 ms on PIT channel 2. */
void fw_delay_us(unsigned us);

#endif
