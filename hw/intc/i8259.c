/*
 * The userspace backend of the PC's 8259A pair (device type "i8259"),
 * following the Intel 8259A datasheet (order number 231468-003, December
 * 1988): the ICW1-ICW4 initialisation sequence (IC4, SNGL, LTIM, vector
 * base, cascade map, AEOI, SFNM), OCW1 masking, every OCW2 command
 * (non-specific, specific and rotating EOIs, rotation in automatic EOI mode,
 * set priority), OCW3 (IRR/ISR read select, poll, special mask mode), edge
 * and level request latching, priority resolution with rotation, the
 * cascade of the slave on the master's IR2 with special fully nested mode,
 * the INTA cycle that the LAPIC runs for ExtINT, spurious IRQ 7/15, and the
 * PIIX3 ELCR registers (PIIX3 datasheet 4.1.11), which make single IRs level
 * triggered. Deliberate differences, and what is left out:
 *  - A request latched on a rising edge stays in IRR until it is
 *    acknowledged, as QEMU and KVM keep it. The datasheet wants an
 *    edge-triggered IR held high until the first INTA and answers a request
 *    that went away with the default IR7; emulated devices often pulse their
 *    lines, so a spurious vector here comes only from an INTA that finds
 *    nothing requested (a level-triggered line that dropped, a mask written
 *    after INTR rose, a slave whose request vanished).
 *  - The slave's INT output is seen low during an INTA cycle that reaches
 *    the slave, so a request the slave still has afterwards latches IR2 on
 *    the master again (the master's IR2 is edge triggered on PCs).
 *  - Special mask mode follows the datasheet's wording: a request is
 *    serviced if it is unmasked and not itself in service, whatever else is
 *    in service; a non-specific EOI then ignores masked ISR bits.
 *  - LTIM (ICW1) makes every IR of that chip level triggered, on top of
 *    the ELCR bits (PIIX3 ignores LTIM; QEMU honours it; so do we).
 *  - Only 8086 mode: ICW4 uPM is stored, MCS-80/85 CALL sequences and the
 *    ICW1 interval/address bits are not modelled; ICW4 BUF and M/S and the
 *    slave ID of ICW3 are stored and otherwise ignored (the slave always
 *    answers the master's cascade INTA for IR2).
 *  - The GPIO input 2 is ORed with the slave's INT on the master's IR2
 *    (nothing drives it on a PC).
 */
#include "qemu/osdep.h"
#include "hw/intc/i8259.h"
#include "hw/intc/apic_bus.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"
#include "trace/hw_intc.h"

/* Port offsets of each chip (8259A pin A0). */
enum {
    PIC_PORT_CMD = 0,           /* A0=0: ICW1, OCW2, OCW3; reads IRR/ISR */
    PIC_PORT_DATA = 1,          /* A0=1: ICW2-ICW4, OCW1; reads IMR */
    PIC_NR_PORTS = 2,
};

/*
 * A write to the even port is told apart by bits 4 and 3 (8259A, "Operation
 * Command Words"):   D4=1: ICW1;  D4=0 D3=0: OCW2;  D4=0 D3=1: OCW3.
 * ICW1:  D0 IC4 (ICW4 follows), D1 SNGL, D2 ADI, D3 LTIM, D7-D5 A7-A5
 * ICW4:  D0 uPM (8086), D1 AEOI, D2 M/S, D3 BUF, D4 SFNM
 * OCW2:  D7 R, D6 SL, D5 EOI, D2-D0 L2-L0
 * OCW3:  D6 ESMM, D5 SMM, D2 P (poll), D1 RR, D0 RIS
 */
#define ICW1_SELECT     0x10
#define ICW1_IC4        0x01
#define ICW1_SNGL       0x02
#define ICW1_LTIM       0x08
#define ICW4_UPM        0x01
#define ICW4_AEOI       0x02
#define ICW4_MS         0x04
#define ICW4_BUF        0x08
#define ICW4_SFNM       0x10
#define OCW3_SELECT     0x08
#define OCW3_RIS        0x01
#define OCW3_RR         0x02
#define OCW3_POLL       0x04
#define OCW3_SMM        0x20
#define OCW3_ESMM       0x40
/* OCW2 commands: the R, SL, EOI bits (D7-D5) as one number. */
enum {
    OCW2_ROTATE_AEOI_CLEAR = 0,
    OCW2_NONSPECIFIC_EOI = 1,
    OCW2_NOP = 2,
    OCW2_SPECIFIC_EOI = 3,
    OCW2_ROTATE_AEOI_SET = 4,
    OCW2_ROTATE_NONSPECIFIC_EOI = 5,
    OCW2_SET_PRIORITY = 6,
    OCW2_ROTATE_SPECIFIC_EOI = 7,
};
/* Poll word (8259A, "The Poll Command"): D7 I (a request), D2-D0 its IR. */
#define POLL_INT        0x80
#define SPURIOUS_IR     7

/* --- pure priority logic of one chip --- */

int i8259_chip_highest(const PICChip *c, uint8_t mask)
{
    /* Priority order starts at hprio and goes round: hprio, hprio+1, ... */
    for (int i = 0; i < 8; i++) {
        int ir = (c->hprio + i) & 7;

        if (mask & (1u << ir)) {
            return ir;
        }
    }
    return -1;
}

/* Rank of an IR in the rotating order: 0 is the highest priority. */
static int pic_rank(const PICChip *c, int ir)
{
    return (ir - c->hprio) & 7;
}

int i8259_chip_pending(const PICChip *c, uint8_t cascade)
{
    uint8_t req = c->irr & ~c->imr;
    int ir, in_service;

    if (c->special_mask) {
        /* 8259A "Special Mask Mode": every unmasked level not itself in
         * service may interrupt, lower ones included. */
        return i8259_chip_highest(c, req & ~c->isr);
    }
    ir = i8259_chip_highest(c, req);
    if (ir < 0) {
        return -1;
    }
    in_service = i8259_chip_highest(c, c->isr);
    if (in_service < 0 || pic_rank(c, ir) < pic_rank(c, in_service)) {
        return ir;
    }
    /* "Special Fully Nested Mode": the master lets a slave interrupt the
     * service of a request from that same slave (the slave resolves the
     * priority among its own IRs). */
    if (c->sfnm && ir == in_service && (cascade & (1u << ir))) {
        return ir;
    }
    return -1;
}

/* --- the pair --- */

static bool pic_level_triggered(const PICChip *c, int ir)
{
    return c->ltim || (c->elcr & (1u << ir));
}

/* An IR input pin changes level. Edge: IRR latches on a rising edge.
 * Level: IRR follows the pin. */
static void pic_chip_set_input(PICChip *c, int ir, bool level)
{
    uint8_t mask = 1u << ir;

    if (level) {
        if (pic_level_triggered(c, ir) || !(c->line & mask)) {
            c->irr |= mask;
        }
        c->line |= mask;
    } else {
        c->line &= ~mask;
        if (pic_level_triggered(c, ir)) {
            c->irr &= ~mask;
        }
    }
}

/* Level-triggered IRs report the pin in IRR (after ELCR, LTIM changes). */
static void pic_chip_resync_levels(PICChip *c)
{
    uint8_t level = c->ltim ? 0xff : c->elcr;

    c->irr = (c->irr & ~level) | (c->line & level);
}

/* The master IRs that carry the slave: only IR2 is wired to one, and only
 * when ICW1 said cascade and ICW3 names IR2. */
static uint8_t pic_cascade_mask(const I8259State *s)
{
    const PICChip *m = &s->chip[0];

    if (m->single) {
        return 0;
    }
    return m->icw3 & (1u << I8259_CASCADE_IRQ);
}

static void pic_update(I8259State *s, bool force)
{
    PICChip *m = &s->chip[0];
    bool slave_int = i8259_chip_pending(&s->chip[1], 0) >= 0;
    bool intr;

    pic_chip_set_input(m, I8259_CASCADE_IRQ, slave_int || s->ext_irq2);
    intr = i8259_chip_pending(m, pic_cascade_mask(s)) >= 0;
    if (intr != s->intr_level || force) {
        s->intr_level = intr;
        trace_i8259_intr(intr);
        qemu_set_irq(s->intr, intr);
    }
}

/* The chip's half of an INTA (or poll): IRR->ISR, or a rotation alone in
 * automatic EOI mode, where ISR is cleared at the end of the cycle. */
static void pic_chip_intack(PICChip *c, int ir)
{
    uint8_t mask = 1u << ir;

    if (c->auto_eoi) {
        if (c->rotate_on_auto_eoi) {
            c->hprio = (ir + 1) & 7;
        }
    } else {
        c->isr |= mask;
    }
    if (!pic_level_triggered(c, ir)) {
        c->irr &= ~mask;
    }
}

/* Resolve the vector an INTA would read; with ack, run the cycle. */
static int pic_acknowledge(I8259State *s, bool ack)
{
    PICChip *m = &s->chip[0], *sl = &s->chip[1];
    uint8_t cascade = pic_cascade_mask(s);
    int ir = i8259_chip_pending(m, cascade);
    int ir2, vector, irq;

    if (ir < 0) {
        vector = m->irq_base + SPURIOUS_IR;
        if (ack) {
            trace_i8259_spurious(0, vector);
        }
        return vector;
    }
    if (!(cascade & (1u << ir))) {
        vector = m->irq_base + ir;
        if (ack) {
            pic_chip_intack(m, ir);
            s->irq_count[ir]++;
            trace_i8259_inta(ir, vector);
            pic_update(s, false);
        }
        return vector;
    }
    ir2 = i8259_chip_pending(sl, 0);
    vector = sl->irq_base + (ir2 < 0 ? SPURIOUS_IR : ir2);
    if (!ack) {
        return vector;
    }
    if (ir2 >= 0) {
        pic_chip_intack(sl, ir2);
        irq = 8 + ir2;
        s->irq_count[irq]++;
        trace_i8259_inta(irq, vector);
    } else {
        trace_i8259_spurious(1, vector);
    }
    pic_chip_intack(m, ir);
    if (!pic_level_triggered(m, ir)) {
        /* The slave's INT drops during the cycle: a request it still has
         * makes a new edge on IR2. */
        m->line &= ~(1u << ir);
    }
    pic_update(s, false);
    return vector;
}

int i8259_inta(DeviceState *pic)
{
    I8259State *s = i8259_from_device(pic);

    return s ? pic_acknowledge(s, true) : -1;
}

int i8259_peek(DeviceState *pic)
{
    I8259State *s = i8259_from_device(pic);

    if (!s || !s->intr_level) {
        return -1;
    }
    return pic_acknowledge(s, false);
}

bool i8259_intr_level(DeviceState *pic)
{
    I8259State *s = i8259_from_device(pic);

    return s && s->intr_level;
}

static int i8259_extint_peek(void *opaque)
{
    return i8259_peek(opaque);
}

static int i8259_extint_ack(void *opaque)
{
    return i8259_inta(opaque);
}

static const ApicExtIntOps i8259_extint_ops = {
    .peek = i8259_extint_peek,
    .ack = i8259_extint_ack,
};

/* The poll command: the read is the chip's INTA (8259A "The Poll
 * Command"); the master does not walk the cascade, software polls the
 * slave next (until then the slave's INT stays high). Nothing requested
 * reads 0. */
static uint8_t pic_poll_read(I8259State *s, int idx)
{
    PICChip *c = &s->chip[idx];
    uint8_t cascade = idx == 0 ? pic_cascade_mask(s) : 0;
    int ir = i8259_chip_pending(c, cascade);
    uint8_t ret = 0;

    c->poll = false;
    if (ir >= 0) {
        pic_chip_intack(c, ir);
        ret = POLL_INT | ir;
        pic_update(s, false);
    }
    trace_i8259_poll(idx, ret);
    return ret;
}

static void pic_write_icw1(PICChip *c, int idx, uint8_t val)
{
    trace_i8259_icw(idx, 1, val);
    /* 8259A "Initialization Command Words": the edge sense circuit is
     * reset (an IR must go low and high again), IMR is cleared, IR7 gets
     * the lowest priority, special mask mode is cleared, reads select IRR,
     * and without IC4 every ICW4 function is zero. We also drop what was
     * in service and requested, as QEMU does. */
    c->irr = 0;
    c->isr = 0;
    c->imr = 0;
    c->hprio = 0;
    c->icw3 = 0;
    c->read_isr = false;
    c->poll = false;
    c->special_mask = false;
    c->rotate_on_auto_eoi = false;
    c->icw4_needed = val & ICW1_IC4;
    c->single = val & ICW1_SNGL;
    c->ltim = val & ICW1_LTIM;
    if (!c->icw4_needed) {
        c->microprocessor_8086 = false;
        c->auto_eoi = false;
        c->buffered_master = false;
        c->buffered = false;
        c->sfnm = false;
    }
    pic_chip_resync_levels(c);
    c->init_state = I8259_INIT_ICW2;
}

static void pic_write_ocw2(PICChip *c, int idx, uint8_t val)
{
    int cmd = val >> 5;
    int ir = val & 7;
    uint8_t in_service;
    int eoi_ir = -1;

    trace_i8259_ocw(idx, 2, val);
    switch (cmd) {
    case OCW2_ROTATE_AEOI_CLEAR:
        c->rotate_on_auto_eoi = false;
        break;
    case OCW2_ROTATE_AEOI_SET:
        c->rotate_on_auto_eoi = true;
        break;
    case OCW2_NONSPECIFIC_EOI:
    case OCW2_ROTATE_NONSPECIFIC_EOI:
        /* The highest-priority level in service; in special mask mode
         * masked levels are not reset by a non-specific EOI. */
        in_service = c->isr;
        if (c->special_mask) {
            in_service &= ~c->imr;
        }
        eoi_ir = i8259_chip_highest(c, in_service);
        if (eoi_ir >= 0) {
            c->isr &= ~(1u << eoi_ir);
            if (cmd == OCW2_ROTATE_NONSPECIFIC_EOI) {
                c->hprio = (eoi_ir + 1) & 7;
            }
        }
        break;
    case OCW2_SPECIFIC_EOI:
    case OCW2_ROTATE_SPECIFIC_EOI:
        eoi_ir = ir;
        c->isr &= ~(1u << ir);
        if (cmd == OCW2_ROTATE_SPECIFIC_EOI) {
            c->hprio = (ir + 1) & 7;
        }
        break;
    case OCW2_SET_PRIORITY:
        /* L2-L0 names the lowest-priority level. */
        c->hprio = (ir + 1) & 7;
        break;
    case OCW2_NOP:
    default:
        break;
    }
    if (eoi_ir >= 0) {
        trace_i8259_eoi(idx, eoi_ir, c->hprio);
    }
}

static void pic_write_ocw3(PICChip *c, int idx, uint8_t val)
{
    trace_i8259_ocw(idx, 3, val);
    if (val & OCW3_POLL) {
        c->poll = true;
    }
    if (val & OCW3_RR) {
        c->read_isr = val & OCW3_RIS;
    }
    if (val & OCW3_ESMM) {
        c->special_mask = val & OCW3_SMM;
    }
}

static void pic_write_data(PICChip *c, int idx, uint8_t val)
{
    switch (c->init_state) {
    case I8259_INIT_ICW2:
        trace_i8259_icw(idx, 2, val);
        /* 8086 mode: T7-T3 of the vector; the low three bits are the IR. */
        c->irq_base = val & 0xf8;
        if (!c->single) {
            c->init_state = I8259_INIT_ICW3;
        } else {
            c->init_state = c->icw4_needed ? I8259_INIT_ICW4 : I8259_INIT_DONE;
        }
        break;
    case I8259_INIT_ICW3:
        trace_i8259_icw(idx, 3, val);
        c->icw3 = val;
        c->init_state = c->icw4_needed ? I8259_INIT_ICW4 : I8259_INIT_DONE;
        break;
    case I8259_INIT_ICW4:
        trace_i8259_icw(idx, 4, val);
        c->microprocessor_8086 = val & ICW4_UPM;
        c->auto_eoi = val & ICW4_AEOI;
        c->buffered_master = val & ICW4_MS;
        c->buffered = val & ICW4_BUF;
        c->sfnm = val & ICW4_SFNM;
        c->init_state = I8259_INIT_DONE;
        break;
    default:
        trace_i8259_ocw(idx, 1, val);
        c->imr = val;
        break;
    }
}

static void pic_chip_write(I8259State *s, int idx, hwaddr addr, uint8_t val)
{
    PICChip *c = &s->chip[idx];

    if (addr == PIC_PORT_CMD) {
        if (val & ICW1_SELECT) {
            pic_write_icw1(c, idx, val);
        } else if (val & OCW3_SELECT) {
            pic_write_ocw3(c, idx, val);
        } else {
            pic_write_ocw2(c, idx, val);
        }
    } else {
        pic_write_data(c, idx, val);
    }
    pic_update(s, false);
}

static uint8_t pic_chip_read(I8259State *s, int idx, hwaddr addr)
{
    PICChip *c = &s->chip[idx];
    uint8_t ret;

    if (c->poll) {
        return pic_poll_read(s, idx);
    }
    if (addr == PIC_PORT_CMD) {
        ret = c->read_isr ? c->isr : c->irr;
        trace_i8259_read(idx, c->read_isr ? "ISR" : "IRR", ret);
    } else {
        ret = c->imr;
        trace_i8259_read(idx, "IMR", ret);
    }
    return ret;
}

static uint64_t pic_master_read(void *opaque, hwaddr addr, unsigned size)
{
    return pic_chip_read(opaque, 0, addr);
}

static void pic_master_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    pic_chip_write(opaque, 0, addr, val);
}

static uint64_t pic_slave_read(void *opaque, hwaddr addr, unsigned size)
{
    return pic_chip_read(opaque, 1, addr);
}

static void pic_slave_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    pic_chip_write(opaque, 1, addr, val);
}

static const MemoryRegionOps pic_master_ops = {
    .read = pic_master_read,
    .write = pic_master_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps pic_slave_ops = {
    .read = pic_slave_read,
    .write = pic_slave_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ELCR1 (0x4d0) is the master's IR0-7, ELCR2 (0x4d1) the slave's. */
static uint64_t pic_elcr_read(void *opaque, hwaddr addr, unsigned size)
{
    I8259State *s = opaque;

    return addr < 2 ? s->chip[addr].elcr : 0xff;
}

static void pic_elcr_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    I8259State *s = opaque;
    PICChip *c;

    if (addr >= 2) {
        return;
    }
    c = &s->chip[addr];
    c->elcr = val & c->elcr_mask;
    trace_i8259_elcr_write((int)addr, c->elcr);
    pic_chip_resync_levels(c);
    pic_update(s, false);
}

static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void i8259_set_irq(void *opaque, int n, int level)
{
    I8259State *s = opaque;

    if (n < 0 || n >= I8259_NUM_IRQS) {
        return;
    }
    trace_i8259_set_irq(n, level);
    if (n == I8259_CASCADE_IRQ) {
        s->ext_irq2 = level != 0;
    } else if (n < 8) {
        pic_chip_set_input(&s->chip[0], n, level);
    } else {
        pic_chip_set_input(&s->chip[1], n - 8, level);
    }
    pic_update(s, false);
}

static void i8259_post_load(I8259State *s)
{
    pic_update(s, true);
}

static const I8259BackendOps i8259_userspace_ops = {
    .post_load = i8259_post_load,
};

static void i8259_instance_init(DeviceState *dev)
{
    I8259State *s = (I8259State *)dev;

    s->ops = &i8259_userspace_ops;
    qdev_init_gpio_in(dev, i8259_set_irq, I8259_NUM_IRQS);
    qdev_init_gpio_out(dev, &s->intr, 1);
}

static void i8259_find_other(DeviceState *dev, void *opaque)
{
    if (i8259_from_device(dev)) {
        *(bool *)opaque = true;
    }
}

static void i8259_realize(DeviceState *dev, GError **errp)
{
    I8259State *s = (I8259State *)dev;
    bool other = false;
    const struct {
        const char *name;
        uint32_t base;
    } ports[] = {
        { "master-iobase", s->master_iobase },
        { "slave-iobase", s->slave_iobase },
        { "elcr-iobase", s->elcr_iobase },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
        if (ports[i].base > 0x10000 - PIC_NR_PORTS) {
            error_setg(errp, "i8259: %s must be at most 0x%x, not 0x%" PRIx32,
                       ports[i].name, 0x10000 - PIC_NR_PORTS, ports[i].base);
            return;
        }
    }
    qdev_foreach(i8259_find_other, &other);
    if (other) {
        error_setg(errp, "i8259: a machine has one PIC pair, and this one "
                   "already has it");
        return;
    }
    memory_region_init_io(&s->io_master, &pic_master_ops, s, "pic-master",
                          PIC_NR_PORTS);
    memory_region_init_io(&s->io_slave, &pic_slave_ops, s, "pic-slave",
                          PIC_NR_PORTS);
    memory_region_init_io(&s->io_elcr, &pic_elcr_ops, s, "elcr",
                          PIC_NR_PORTS);
    memory_region_add_subregion(get_system_io(), s->master_iobase,
                                &s->io_master);
    memory_region_add_subregion(get_system_io(), s->slave_iobase,
                                &s->io_slave);
    memory_region_add_subregion(get_system_io(), s->elcr_iobase, &s->io_elcr);
    /* Sane registers before the machine's first reset. */
    i8259_common_reset(s);
    apic_bus_set_extint_source(&i8259_extint_ops, s);
    i8259_register_info();
}

static void i8259_unrealize(DeviceState *dev)
{
    I8259State *s = (I8259State *)dev;

    apic_bus_set_extint_source(NULL, NULL);
    memory_region_del_subregion(get_system_io(), &s->io_master);
    memory_region_del_subregion(get_system_io(), &s->io_slave);
    memory_region_del_subregion(get_system_io(), &s->io_elcr);
    memory_region_finalize(&s->io_master);
    memory_region_finalize(&s->io_slave);
    memory_region_finalize(&s->io_elcr);
}

static void i8259_reset(DeviceState *dev)
{
    i8259_common_reset((I8259State *)dev);
}

static const Property i8259_props[] = {
    DEFINE_PROP_UINT32("master-iobase", I8259State, master_iobase,
                       I8259_MASTER_IOBASE),
    DEFINE_PROP_UINT32("slave-iobase", I8259State, slave_iobase,
                       I8259_SLAVE_IOBASE),
    DEFINE_PROP_UINT32("elcr-iobase", I8259State, elcr_iobase,
                       I8259_ELCR_IOBASE),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass i8259_class = {
    .name = TYPE_I8259,
    .desc = "8259A PIC pair (master, slave on IR2) with the PIIX ELCR",
    .instance_size = sizeof(I8259State),
    .props = i8259_props,
    .user_creatable = true,
    .instance_init = i8259_instance_init,
    .realize = i8259_realize,
    .reset = i8259_reset,
    .unrealize = i8259_unrealize,
};
DEVICE_CLASS_REGISTER(i8259_class)

DeviceState *i8259_create(GError **errp)
{
    DeviceState *dev = qdev_new(TYPE_I8259);

    if (!qdev_realize(dev, TYPE_I8259, errp)) {
        return NULL;
    }
    return dev;
}
