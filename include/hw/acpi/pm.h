/*
 * The ACPI power-management I/O block ("acpi-pm"): PM1a event and control
 * registers and the PM timer, laid out as QEMU's PIIX4 PM function places
 * them at its default base 0x600:
 *
 *   base + 0  PM1a_STS  (16 bits, write 1 to clear)
 *   base + 2  PM1a_EN   (16 bits)
 *   base + 4  PM1a_CNT  (16 bits)
 *   base + 8  PM_TMR    (32 bits, read only, 3.579545 MHz)
 *
 * The FADT and the DSDT's \_S5 are built from these constants, so the table
 * and the device cannot disagree.
 */
#ifndef LAPIS_HW_ACPI_PM_H
#define LAPIS_HW_ACPI_PM_H

#include "qemu/osdep.h"

typedef struct DeviceState DeviceState;

#define TYPE_ACPI_PM                "acpi-pm"
#define ACPI_PM_DEFAULT_IOBASE      0x600

#define ACPI_PM1_EVT_OFFSET         0x00
#define ACPI_PM1_EVT_LEN            4
#define ACPI_PM1_CNT_OFFSET         0x04
#define ACPI_PM1_CNT_LEN            2
#define ACPI_PM_TMR_OFFSET          0x08
#define ACPI_PM_TMR_LEN             4
#define ACPI_PM_IO_SIZE             0x0C

/* PM timer frequency (ACPI 6.4 4.8.3.3). */
#define ACPI_PM_TIMER_FREQ_HZ       3579545
/* The timer is 32 bits wide (FADT TMR_VAL_EXT set). */
#define ACPI_PM_TIMER_BITS          32

/* PM1 status / enable bits (ACPI 6.4 tables 4.16 and 4.17). */
#define ACPI_PM1_TMR                (1u << 0)
#define ACPI_PM1_BM_STS             (1u << 4)
#define ACPI_PM1_GBL                (1u << 5)
#define ACPI_PM1_PWRBTN             (1u << 8)
#define ACPI_PM1_SLPBTN             (1u << 9)
#define ACPI_PM1_RTC                (1u << 10)
#define ACPI_PM1_WAK_STS            (1u << 15)

/* PM1 control bits (ACPI 6.4 table 4.18). */
#define ACPI_PM1_CNT_SCI_EN         (1u << 0)
#define ACPI_PM1_CNT_BM_RLD         (1u << 1)
#define ACPI_PM1_CNT_GBL_RLS        (1u << 2)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT  10
#define ACPI_PM1_CNT_SLP_TYP_MASK   (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN         (1u << 13)

/* SLP_TYP values the DSDT's \_Sx packages hand the OS: S0 (working) and
 * S5 (soft off, the encoding Intel's ICH family uses). Sleep states S1-S4
 * are not offered. */
#define ACPI_SLP_TYP_S0             0
#define ACPI_SLP_TYP_S5             7

/*
 * Create, realize and map the PM block at `iobase` in the I/O space, its SCI
 * on ISA IRQ `sci_irq` (through isa_get_irq, so the board's GSI fan-out must
 * be installed first). Named /machine/acpi-pm. NULL with errp on failure.
 */
DeviceState *acpi_pm_create(uint16_t iobase, int sci_irq, GError **errp);

/* The PM timer's value now (for tests and the tables' users). */
uint32_t acpi_pm_timer_now(void);

#endif
