/*
 * The 8259A programmable interrupt controller pair of a PC (device type
 * "i8259"): the master at ports 0x20/0x21, the slave at 0xa0/0xa1 cascaded
 * on the master's IR2, and the PIIX edge/level control registers (ELCR) at
 * 0x4d0/0x4d1. One device models both chips, so IRQ n (0-15) is GPIO input n
 * of its unnamed list (0-7 the master's IR0-7, 8-15 the slave's IR0-7), and
 * unnamed GPIO output 0 is the master's INT pin ("INTR"), which the machine
 * wires to every LAPIC's LINT0. docs/pic-pit.md describes the model.
 *
 * The state (I8259SavedState) is the same whichever backend runs the PIC
 * (ours in userspace now, an in-kernel one later): the common part
 * (hw/intc/i8259_common.c) owns it, resets it, moves it in and out and
 * prints `info pic`; the backend (hw/intc/i8259.c) runs the registers and
 * the INTA cycle, and is reached through I8259BackendOps.
 *
 * Locking: every function here runs with the BQL held.
 */
#ifndef LAPIS_HW_INTC_I8259_H
#define LAPIS_HW_INTC_I8259_H

#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "softmmu/memory.h"

#define TYPE_I8259              "i8259"

#define I8259_NUM_IRQS          16
#define I8259_MASTER_IOBASE     0x20
#define I8259_SLAVE_IOBASE      0xa0
#define I8259_ELCR_IOBASE       0x4d0
/* The master input the slave's INT pin drives (PC/AT wiring). */
#define I8259_CASCADE_IRQ       2

/*
 * ELCR bits that can be set (PIIX3 datasheet 4.1.11, ELCR1/ELCR2): IRQ 0
 * (timer), 1 (keyboard), 2 (cascade), 8 (RTC) and 13 (FPU error) are edge
 * triggered on every PC chipset; their ELCR bits read 0 and ignore writes.
 */
#define I8259_ELCR_MASK_MASTER  0xf8
#define I8259_ELCR_MASK_SLAVE   0xde

/* Which initialisation word the chip expects next on its odd port. */
typedef enum I8259InitState {
    I8259_INIT_DONE = 0,        /* operational: the odd port is OCW1 */
    I8259_INIT_ICW2 = 1,
    I8259_INIT_ICW3 = 2,
    I8259_INIT_ICW4 = 3,
} I8259InitState;

/* One 8259A, decoded into named fields (8259A datasheet, "Programming the
 * 8259A": ICW1-ICW4, OCW1-OCW3). */
typedef struct PICChip {
    uint8_t irr;                /* interrupt request register */
    uint8_t imr;                /* interrupt mask register (OCW1) */
    uint8_t isr;                /* in-service register */
    uint8_t line;               /* IR input levels, for edge detection */
    uint8_t hprio;              /* the IR with the highest priority (rotation) */
    uint8_t irq_base;           /* ICW2 T7-T3: vector of IR0 */
    uint8_t icw3;               /* master: IRs with a slave; slave: its ID */
    uint8_t elcr;               /* level-triggered IRs (ELCR) */
    uint8_t elcr_mask;          /* ELCR bits that exist */
    uint8_t init_state;         /* I8259InitState */
    bool icw4_needed;           /* ICW1 IC4 */
    bool single;                /* ICW1 SNGL: no cascade */
    bool ltim;                  /* ICW1 LTIM: every IR level triggered */
    bool microprocessor_8086;   /* ICW4 uPM (stored; 8086 mode is modelled) */
    bool auto_eoi;              /* ICW4 AEOI */
    bool buffered;              /* ICW4 BUF (stored) */
    bool buffered_master;       /* ICW4 M/S (stored) */
    bool sfnm;                  /* ICW4 SFNM: special fully nested mode */
    bool rotate_on_auto_eoi;    /* OCW2 R=1 SL=0 EOI=0 */
    bool read_isr;              /* OCW3 RR/RIS: even port reads ISR, not IRR */
    bool poll;                  /* OCW3 P: the next read is a poll */
    bool special_mask;          /* OCW3 ESMM/SMM */
} PICChip;

/* Everything a backend needs to resume the pair where another left it. */
typedef struct I8259SavedState {
    PICChip chip[2];            /* 0: master, 1: slave */
} I8259SavedState;

typedef struct I8259State I8259State;

/* The backend's side of the common part. */
typedef struct I8259BackendOps {
    /* Pull the backend's state into s->chip before it is read (a kernel
     * backend syncs here; NULL when s->chip is always current). */
    void (*pre_save)(I8259State *s);
    /* s->chip was replaced (reset, state load): recompute the outputs. */
    void (*post_load)(I8259State *s);
} I8259BackendOps;

struct I8259State {
    DeviceState parent;
    PICChip chip[2];
    const I8259BackendOps *ops;
    qemu_irq intr;              /* unnamed GPIO out 0: the master's INT pin */
    bool intr_level;            /* last level driven on intr */
    uint8_t ext_irq2;           /* level of GPIO input 2 (ORed with the slave) */
    uint64_t irq_count[I8259_NUM_IRQS];     /* INTA cycles per IRQ */
    MemoryRegion io_master, io_slave, io_elcr;
    /* properties */
    uint32_t master_iobase;
    uint32_t slave_iobase;
    uint32_t elcr_iobase;
};

/*
 * Create, realize (as /machine/i8259) and map the PIC pair in the system
 * I/O space; it also becomes the APIC bus's ExtINT source (the INTA a LAPIC
 * runs for an ExtINT interrupt). Returns NULL with *errp set on failure.
 * The machine then wires:
 *   - GSI line n (n < 16)  -> qdev_get_gpio_in(pic, n)
 *   - qdev_connect_gpio_out(pic, 0, <every LAPIC's LINT0 input>)
 *     (through qemu_irq_split for more than one CPU)
 */
DeviceState *i8259_create(GError **errp);

/*
 * The INTA cycle as the CPU runs it (the LAPIC calls this through the APIC
 * bus's ExtINT ops): resolves the highest request, moves it IRR->ISR (or
 * rotates, in automatic EOI mode), walks the cascade to the slave, and
 * returns the vector. With nothing requested it returns the spurious vector
 * (master base + 7, no ISR bit set; a cascade request the slave no longer
 * has gives slave base + 7 with the master's IR2 in service).
 */
int i8259_inta(DeviceState *pic);
/* The vector i8259_inta() would return now, or -1 while INTR is low. */
int i8259_peek(DeviceState *pic);
/* Level of the INTR output now. */
bool i8259_intr_level(DeviceState *pic);

/* --- the common part (hw/intc/i8259_common.c) --- */

/* Datasheet power-on/initialisation state of one chip; ELCR is cleared. */
void i8259_chip_reset(PICChip *c, uint8_t elcr_mask);
void i8259_common_reset(I8259State *s);
/* NULL when dev is not an i8259 of any backend. */
I8259State *i8259_from_device(DeviceState *dev);
void i8259_get_state(DeviceState *dev, I8259SavedState *state);
/* Fails, changing nothing, for a state the chips cannot hold. */
bool i8259_set_state(DeviceState *dev, const I8259SavedState *state,
                     GError **errp);
/* HMP `info pic` text for one device, as QEMU prints it: one line per chip,
 * "pic0: irr=.. imr=.. isr=.. hprio=N irq_base=.. rr_sel=N elcr=.. fnm=N". */
void i8259_info(I8259State *s, GString *out);
/* The PIC half of `info irq` (QEMU's layout): "IRQ statistics for
 * i8259:" then " N: COUNT" for each IRQ acknowledged at least once. */
void i8259_info_irq(GString *out);
/* Register `info pic` (idempotent); it prints every i8259 device. */
void i8259_register_info(void);

/*
 * Pure priority logic of one chip (8259A "Interrupt Sequence", "Fully
 * Nested Mode", "Special Mask Mode"), exposed for unit tests.
 * i8259_chip_pending: the IR the chip would signal on INT, or -1. cascade is
 * the mask of IRs that carry a slave (used by special fully nested mode).
 * i8259_chip_highest: the highest-priority IR in mask under the chip's
 * rotation, or -1.
 */
int i8259_chip_pending(const PICChip *c, uint8_t cascade);
int i8259_chip_highest(const PICChip *c, uint8_t mask);

#endif
