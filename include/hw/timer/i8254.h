/*
 * The 8254 programmable interval timer of a PC (device type "isa-pit") and
 * the PC's system control port B at 0x61 (device type "port61"), which
 * drives the gate of counter 2 and reads its output. docs/pic-pit.md
 * describes the model.
 *
 * Time: the counters' CLK is 1.193182 MHz derived from the virtual clock.
 * CLK edge k happens at the first virtual nanosecond t with
 * floor(t * 1193182 / 10^9) >= k, so the number of edges up to t is exactly
 * pit_ticks_from_ns(t) (128-bit arithmetic, no drift).
 *
 * The counter logic (PITChannel and the pit_channel_* functions) is pure:
 * every call names the CLK tick it happens at, so unit tests drive it
 * without a clock. The device only maps ports, keeps counter 0's OUT on its
 * IRQ line, and arms one virtual-clock timer for OUT0's next transition.
 *
 * Locking: every function here runs with the BQL held.
 */
#ifndef LAPIS_HW_TIMER_I8254_H
#define LAPIS_HW_TIMER_I8254_H

#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"

#define TYPE_I8254              "isa-pit"
#define TYPE_PORT61             "port61"

#define PIT_FREQ                1193182
#define PIT_IOBASE              0x40
#define PIT_NUM_CHANNELS        3
#define PIT_ISA_IRQ             0
#define PORT61_IOBASE           0x61
/* Port 0x61 bit 4 toggles once per DRAM refresh request, every 15 us. */
#define PORT61_REFRESH_NS       15000

/* No further event (pit_channel_next_event). */
#define PIT_NO_EVENT            UINT64_MAX

/* One counter (8254 datasheet, "Counter Description"). */
typedef struct PITChannel {
    /* control word */
    uint8_t mode_raw;           /* M2-M0 as written (the status byte) */
    uint8_t mode;               /* 0-5: 6 and 7 are modes 2 and 3 */
    uint8_t rw;                 /* RW1-RW0: 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    /* count register (CR) and the byte flip-flops */
    uint32_t cr;                /* last count written, 1..65536 (10000 BCD) */
    bool cr_valid;              /* a count was written since the control word */
    uint8_t write_lsb;
    bool write_msb_next;
    bool read_msb_next;
    /* output latch (OL) and status latch */
    bool count_latched;
    uint16_t latch;             /* as read: BCD-coded when bcd */
    bool latch_msb_next;
    bool status_latched;
    uint8_t status;
    /*
     * The counting element (CE) as a timeline: it took the count n at CLK
     * tick load_tick; e, the ticks it has counted since, is the tick minus
     * load_tick minus the ticks the gate held it. Before load_tick OUT and
     * CE read preload_out / preload_ce; while not running idle_out / idle_ce.
     */
    bool running;
    uint32_t n;
    uint64_t load_tick;
    uint64_t paused_ticks;
    bool paused;
    uint64_t paused_since;
    uint32_t phase;             /* mode 3: where in the period e = 0 sits */
    bool preload_out;
    uint32_t preload_ce;
    bool idle_out;
    uint32_t idle_ce;
    /* modes 2 and 3: a count that waits for the end of the current cycle */
    bool pending;
    uint32_t pending_n;
    uint64_t pending_e;
    uint32_t pending_phase;
    /* null count (status bit 6) reads 1 until tick null_until */
    uint64_t null_until;
} PITChannel;

typedef struct PITState {
    DeviceState parent;
    PITChannel ch[PIT_NUM_CHANNELS];
    MemoryRegion io;
    qemu_irq irq;               /* unnamed GPIO out 0: OUT0 */
    bool irq_level;
    QEMUTimer *timer;           /* OUT0's next transition */
    uint64_t timer_tick;        /* ...at this PIT tick */
    uint32_t iobase;
    uint32_t isairq;
} PITState;

/*
 * Create, realize (as /machine/pit) and map the PIT at PIT_IOBASE. OUT0 is
 * connected at realize to isa_get_irq(PIT_ISA_IRQ), the board's GSI line 0,
 * so the machine installs its GSI fan-out (isa_bus_set_irqs) first and
 * wires nothing else. NULL with *errp set on failure.
 */
DeviceState *i8254_create(GError **errp);
/* Port 0x61 for this PIT (realized as /machine/port61). */
DeviceState *port61_create(DeviceState *pit, GError **errp);

/* Gate input and OUT of a counter now (port 0x61, the speaker). */
void i8254_set_gate(DeviceState *pit, int channel, bool level);
bool i8254_get_gate(DeviceState *pit, int channel);
bool i8254_get_out(DeviceState *pit, int channel);
PITState *i8254_from_device(DeviceState *dev);

/* --- pure counter logic --- */

/* CLK edges up to virtual time ns; the virtual time of edge k. */
uint64_t pit_ticks_from_ns(int64_t ns);
int64_t pit_ns_from_ticks(uint64_t ticks);

/* Power-on: no control word yet, OUT low, gate as given. */
void pit_channel_reset(PITChannel *c, bool gate);
/* A control word for this counter (RW != 0): mode, access, BCD. */
void pit_channel_control(PITChannel *c, uint8_t mode, uint8_t rw, bool bcd,
                         uint64_t tick);
/* Counter latch command; read-back's status latch. */
void pit_channel_latch_count(PITChannel *c, uint64_t tick);
void pit_channel_latch_status(PITChannel *c, uint64_t tick);
/* One byte through the counter's port. */
void pit_channel_write(PITChannel *c, uint8_t val, uint64_t tick);
uint8_t pit_channel_read(PITChannel *c, uint64_t tick);
void pit_channel_set_gate(PITChannel *c, bool gate, uint64_t tick);
/* CE as a binary number (0-65535) and OUT at tick. */
uint32_t pit_channel_count(PITChannel *c, uint64_t tick);
bool pit_channel_out(PITChannel *c, uint64_t tick);
/* The first tick after `tick` at which OUT may change, or PIT_NO_EVENT. */
uint64_t pit_channel_next_event(PITChannel *c, uint64_t tick);

#endif
