/*
 * acpi-pm: the fixed-hardware ACPI registers of the PC (ACPI 6.4 section
 * 4.8, "ACPI Hardware Model"): the PM1a event block (status and enable),
 * the PM1a control block and the 32-bit PM timer at 3.579545 MHz, placed as
 * include/hw/acpi/pm.h lists. The timer counts from the virtual clock;
 * TMR_STS is set each time its top bit changes, and with TMR_EN the SCI is
 * raised. The SCI is a level on its ISA IRQ: SCI_EN and any status bit whose
 * enable bit is set. Writing SLP_EN with the \_S5 sleep type asks for a guest
 * shutdown (the run-state code then exits, or stops with -no-shutdown).
 * SCI_EN reads 1 from reset: no SMI_CMD port is offered, so the platform is
 * always in ACPI mode (ACPI 6.4 5.2.9, SMI_CMD zero). Left out: PM1b, PM2,
 * GPE blocks, sleep states S1-S4, the power and sleep buttons' events (their
 * status bits exist but nothing sets them), bus-master status, the global
 * lock release (GBL_RLS is stored, never signalled).
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/timer.h"
#include "hw/acpi/pm.h"
#include "hw/qdev.h"
#include "hw/isa.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"
#include "trace/hw_acpi.h"

/* Register offsets inside the block. */
#define PM_REG_STS          (ACPI_PM1_EVT_OFFSET + 0)
#define PM_REG_EN           (ACPI_PM1_EVT_OFFSET + 2)
#define PM_REG_CNT          ACPI_PM1_CNT_OFFSET
#define PM_REG_TMR          ACPI_PM_TMR_OFFSET

/* Status bits this block implements; the others read 0. */
#define PM1_STS_MASK  (ACPI_PM1_TMR | ACPI_PM1_BM_STS | ACPI_PM1_GBL | \
                       ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC | \
                       ACPI_PM1_WAK_STS)
#define PM1_EN_MASK   (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
                       ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
/* SLP_EN is write-only and reads 0 (ACPI 6.4 table 4.18). */
#define PM1_CNT_MASK  (ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD | \
                       ACPI_PM1_CNT_GBL_RLS | ACPI_PM1_CNT_SLP_TYP_MASK)

typedef struct AcpiPmState {
    DeviceState parent;
    uint32_t iobase;
    uint32_t sci_irq;

    MemoryRegion io;
    qemu_irq sci;
    QEMUTimer *overflow_timer;  /* armed at the next top-bit change */

    uint16_t sts;               /* PM1a_STS, TMR_STS excluded */
    uint16_t en;                /* PM1a_EN */
    uint16_t cnt;               /* PM1a_CNT */
    /* TMR_STS: set while the timer's top bit period differs from the one
     * seen when it was last cleared. */
    uint64_t tmr_epoch;
    bool sci_level;
} AcpiPmState;

/* Timer ticks since the virtual clock's 0 (never wraps in 64 bits). */
static uint64_t acpi_pm_ticks(void)
{
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    unsigned __int128 t = (unsigned __int128)(uint64_t)MAX(ns, 0) *
                          ACPI_PM_TIMER_FREQ_HZ;

    return (uint64_t)(t / NANOSECONDS_PER_SECOND);
}

/* Virtual-clock ns at which the timer reaches `ticks` (rounded up). */
static int64_t acpi_pm_ticks_to_ns(uint64_t ticks)
{
    unsigned __int128 ns = (unsigned __int128)ticks * NANOSECONDS_PER_SECOND;

    ns = (ns + ACPI_PM_TIMER_FREQ_HZ - 1) / ACPI_PM_TIMER_FREQ_HZ;
    return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

uint32_t acpi_pm_timer_now(void)
{
    return (uint32_t)acpi_pm_ticks();
}

static uint64_t acpi_pm_epoch(uint64_t ticks)
{
    return ticks >> (ACPI_PM_TIMER_BITS - 1);
}

static uint16_t acpi_pm_read_sts(AcpiPmState *s)
{
    uint16_t sts = s->sts;

    if (acpi_pm_epoch(acpi_pm_ticks()) != s->tmr_epoch) {
        sts |= ACPI_PM1_TMR;
    }
    return sts;
}

static void acpi_pm_update_sci(AcpiPmState *s)
{
    uint16_t pending = acpi_pm_read_sts(s) & s->en;
    bool level = (s->cnt & ACPI_PM1_CNT_SCI_EN) && pending;

    /* With TMR_EN and TMR_STS still clear, wake up at the next change. */
    if ((s->en & ACPI_PM1_TMR) && !(pending & ACPI_PM1_TMR)) {
        timer_mod(s->overflow_timer,
                  acpi_pm_ticks_to_ns((s->tmr_epoch + 1) <<
                                      (ACPI_PM_TIMER_BITS - 1)));
    } else {
        timer_del(s->overflow_timer);
    }
    if (level != s->sci_level) {
        trace_acpi_pm_sci(level, acpi_pm_read_sts(s), s->en);
        s->sci_level = level;
        qemu_set_irq(s->sci, level);
    }
}

static void acpi_pm_overflow(void *opaque)
{
    acpi_pm_update_sci(opaque);
}

/* The block as little-endian bytes, for accesses of any size and place. */
static uint8_t acpi_pm_read_byte(AcpiPmState *s, unsigned offset)
{
    switch (offset & ~1u) {
    case PM_REG_STS:
        return acpi_pm_read_sts(s) >> ((offset & 1) * 8);
    case PM_REG_EN:
        return s->en >> ((offset & 1) * 8);
    case PM_REG_CNT:
        return (s->cnt & PM1_CNT_MASK) >> ((offset & 1) * 8);
    case PM_REG_TMR:
    case PM_REG_TMR + 2:
        return acpi_pm_timer_now() >> ((offset - PM_REG_TMR) * 8);
    default:
        return 0;
    }
}

static uint64_t acpi_pm_read(void *opaque, hwaddr addr, unsigned size)
{
    AcpiPmState *s = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < ACPI_PM_IO_SIZE; i++) {
        val |= (uint64_t)acpi_pm_read_byte(s, addr + i) << (i * 8);
    }
    trace_acpi_pm_read(addr, size, val);
    return val;
}

static void acpi_pm_write_sts(AcpiPmState *s, uint16_t val)
{
    /* Write 1 to clear (ACPI 6.4 4.8.1.1). */
    if (val & ACPI_PM1_TMR) {
        s->tmr_epoch = acpi_pm_epoch(acpi_pm_ticks());
    }
    s->sts &= ~(val & PM1_STS_MASK);
}

static void acpi_pm_write_cnt(AcpiPmState *s, uint16_t val)
{
    unsigned slp_typ = extract32(val, ACPI_PM1_CNT_SLP_TYP_SHIFT, 3);

    s->cnt = val & PM1_CNT_MASK;
    if (!(val & ACPI_PM1_CNT_SLP_EN)) {
        return;
    }
    trace_acpi_pm_sleep(slp_typ);
    if (slp_typ == ACPI_SLP_TYP_S5) {
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    }
    /* Other types name no state the DSDT offers: nothing happens, as on a
     * chipset that ignores a reserved SLP_TYP. */
}

static void acpi_pm_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    AcpiPmState *s = opaque;

    trace_acpi_pm_write(addr, size, val);
    /* Split the access into the 16-bit registers it touches; a register
     * only partly written keeps its other byte (writes of 0 to the status
     * byte not written clear nothing). */
    for (unsigned reg = addr & ~1u; reg < addr + size; reg += 2) {
        uint16_t mask = 0, bits = 0;

        for (unsigned b = 0; b < 2; b++) {
            if (reg + b >= addr && reg + b < addr + size) {
                mask |= 0xFF << (b * 8);
                bits |= ((val >> ((reg + b - addr) * 8)) & 0xFF) << (b * 8);
            }
        }
        switch (reg) {
        case PM_REG_STS:
            acpi_pm_write_sts(s, bits & mask);
            break;
        case PM_REG_EN:
            s->en = ((s->en & ~mask) | (bits & mask)) & PM1_EN_MASK;
            break;
        case PM_REG_CNT:
            acpi_pm_write_cnt(s, (s->cnt & ~mask) | (bits & mask));
            break;
        default:
            break;      /* the timer is read-only; padding ignores writes */
        }
    }
    acpi_pm_update_sci(s);
}

static const MemoryRegionOps acpi_pm_ops = {
    .read = acpi_pm_read,
    .write = acpi_pm_write,
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .unaligned = true },
};

static const Property acpi_pm_props[] = {
    DEFINE_PROP("iobase", PROP_UINT32, AcpiPmState, iobase,
                ACPI_PM_DEFAULT_IOBASE, "first I/O port of the PM block"),
    DEFINE_PROP("sci-irq", PROP_UINT32, AcpiPmState, sci_irq, 9,
                "ISA IRQ of the SCI"),
    DEFINE_PROP_END_OF_LIST(),
};

static void acpi_pm_realize(DeviceState *dev, GError **errp)
{
    AcpiPmState *s = (AcpiPmState *)dev;

    if (s->iobase + ACPI_PM_IO_SIZE > 0x10000) {
        error_setg(errp, "acpi-pm: iobase 0x%" PRIx32 " leaves no room for "
                   "the %u-byte block below 0x10000", s->iobase,
                   ACPI_PM_IO_SIZE);
        return;
    }
    if (s->sci_irq >= ISA_NUM_IRQS) {
        error_setg(errp, "acpi-pm: sci-irq must be an ISA IRQ (0-15), not %"
                   PRIu32, s->sci_irq);
        return;
    }
    s->sci = isa_get_irq((int)s->sci_irq);
    s->overflow_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, acpi_pm_overflow, s);
    memory_region_init_io(&s->io, &acpi_pm_ops, s, "acpi-pm",
                          ACPI_PM_IO_SIZE);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    s->cnt = ACPI_PM1_CNT_SCI_EN;
}

static void acpi_pm_reset(DeviceState *dev)
{
    AcpiPmState *s = (AcpiPmState *)dev;

    s->sts = 0;
    s->en = 0;
    s->cnt = ACPI_PM1_CNT_SCI_EN;
    s->tmr_epoch = acpi_pm_epoch(acpi_pm_ticks());
    acpi_pm_update_sci(s);
}

static void acpi_pm_unrealize(DeviceState *dev)
{
    AcpiPmState *s = (AcpiPmState *)dev;

    timer_free(s->overflow_timer);
    s->overflow_timer = NULL;
    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
}

static const DeviceClass acpi_pm_class = {
    .name = TYPE_ACPI_PM,
    .desc = "ACPI PM1a event/control registers and PM timer",
    .instance_size = sizeof(AcpiPmState),
    .props = acpi_pm_props,
    .user_creatable = false,
    .realize = acpi_pm_realize,
    .reset = acpi_pm_reset,
    .unrealize = acpi_pm_unrealize,
};
DEVICE_CLASS_REGISTER(acpi_pm_class)

DeviceState *acpi_pm_create(uint16_t iobase, int sci_irq, GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_ACPI_PM);

    qdev_prop_set_uint32(dev, "iobase", iobase);
    qdev_prop_set_uint32(dev, "sci-irq", (uint32_t)sci_irq);
    if (!qdev_realize(dev, TYPE_ACPI_PM, errp)) {
        return NULL;
    }
    return dev;
}
