/*
 * MC146818 real-time clock and CMOS memory ("mc146818rtc"): index port
 * 0x70 (bit 7 masks NMI), data port 0x71, interrupt on ISA IRQ 8.
 * Properties: iobase (0x70), irq (8), base ("utc", "localtime" or a date
 * "YYYY-MM-DD[THH:MM:SS]", as QEMU's -rtc base=).
 */
#ifndef LAPIS_MC146818RTC_H
#define LAPIS_MC146818RTC_H

#include "hw/qdev.h"

#define TYPE_MC146818_RTC "mc146818rtc"

#define RTC_ISA_BASE        0x70
#define RTC_ISA_IRQ         8

/* CMOS bytes PC firmware and the OS agree on. */
#define RTC_CMOS_SHUTDOWN_STATUS    0x0f    /* warm-reset reason */
#define RTC_CMOS_CENTURY            0x32
#define RTC_CMOS_CPU_COUNT          0x5f    /* CPUs - 1, as SeaBIOS reads it */

/*
 * Parse an -rtc base= value: "utc", "localtime", "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM:SS" (taken as the wall-clock time the guest sees when
 * the machine starts). On success stores the RTC's starting time in
 * nanoseconds since 1970 (as if UTC) in *rtc_ns, when rtc_ns is not NULL.
 * The error names the value and the accepted forms.
 */
bool mc146818rtc_parse_base(const char *base, int64_t *rtc_ns, GError **errp);

/* Port 0x70 bit 7, as last written: true when the guest masked NMI. */
bool mc146818rtc_nmi_masked(DeviceState *dev);

/* Raw CMOS bytes (index 0-127; others read 0 and are ignored). Time
 * registers read this way are as last rendered, not refreshed. */
uint8_t mc146818rtc_get_cmos(DeviceState *dev, unsigned index);
void mc146818rtc_set_cmos(DeviceState *dev, unsigned index, uint8_t value);

/* CMOS byte 0x0F: the shutdown status the warm-reset path consults
 * (0x05 and 0x0A: jump through the vector at 40:67). */
uint8_t mc146818rtc_shutdown_status(DeviceState *dev);

/*
 * Write the memory-size and CPU-count bytes as PC firmware does: 0x15/0x16
 * base memory (640 KiB), 0x17/0x18 and 0x30/0x31 extended memory in KiB
 * (capped at 0xFFFF), 0x34/0x35 memory above 16 MiB in 64 KiB units,
 * 0x5B-0x5D memory above 4 GiB in 64 KiB units, 0x5F CPUs - 1, and the
 * standard checksum of 0x10-0x2D at 0x2E/0x2F. Realize does this from
 * current_machine with QEMU pc's 3.5 GiB split; the board calls it again
 * with its own memory map.
 */
void mc146818rtc_set_memory(DeviceState *dev, uint64_t below_4g,
                            uint64_t above_4g, unsigned cpus);

/* The machine's RTC (the first realized one), or NULL. */
DeviceState *mc146818rtc_find(void);

#endif
