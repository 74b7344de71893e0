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
 * As for the other interrupt controllers, the device is split in two: the
 * common part (hw/timer/i8254_common.c: the counting element's timeline,
 * reset, state get/set through PITSavedState, `info pit`) and the backend
 * (hw/timer/i8254.c: the userspace model's ports, control logic and timer),
 * joined by PITBackendOps, so the same state can move to an in-kernel PIT.
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

/* Control word RW1-RW0 (8254 datasheet, Figure 7): PITChannel.rw. */
enum {
    PIT_RW_LSB = 1,
    PIT_RW_MSB = 2,
    PIT_RW_WORD = 3,
};

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
    const struct PITBackendOps *ops;    /* set by the backend's instance_init */
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

/* --- the common part (hw/timer/i8254_common.c) --- */

/*
 * Which byte of a two-byte access comes next, in the encoding of KVM's
 * struct kvm_pit_channel_state and QEMU's i8254 (read_state, write_state,
 * count_latched): LSB-only, MSB-only, or LSB then MSB with the LSB (WORD0)
 * or the MSB (WORD1) next.
 */
#define PIT_RW_STATE_LSB        1
#define PIT_RW_STATE_MSB        2
#define PIT_RW_STATE_WORD0      3
#define PIT_RW_STATE_WORD1      4

/* PITChannelSavedState.mode of a counter never programmed (KVM's reset). */
#define PIT_MODE_UNPROGRAMMED   0xff
/* PITChannelSavedState's tick fields: no such tick. */
#define PIT_TICK_NEVER          UINT64_MAX

/*
 * One counter's state as a plain struct. The first group is struct
 * kvm_pit_channel_state field for field (same meanings and encodings), so
 * a KVM backend fills it from KVM_GET_PIT2, converting count_load_time from
 * the kernel's clock to the virtual clock (as QEMU's kvm-i8254 does), and
 * writes it back with KVM_SET_PIT2. The second group is the userspace
 * model's exact timeline; with `timeline` false (what a KVM backend
 * leaves), i8254_set_state derives it from the first group.
 */
typedef struct PITChannelSavedState {
    uint32_t count;             /* count the CE runs on, 1-65536 (BCD: 1-
                                 * 10000, decoded); 0: none written */
    uint16_t latched_count;     /* output latch, as read (BCD-coded) */
    uint8_t count_latched;      /* 0, or the PIT_RW_STATE_* still to read */
    uint8_t status_latched;
    uint8_t status;             /* read-back status byte */
    uint8_t read_state;         /* PIT_RW_STATE_* of the next count read */
    uint8_t write_state;        /* PIT_RW_STATE_* of the next count write */
    uint8_t write_latch;        /* LSB written, waiting for the MSB */
    uint8_t rw_mode;            /* RW1-RW0: PIT_RW_* */
    uint8_t mode;               /* M2-M0 as written (0-7), or
                                 * PIT_MODE_UNPROGRAMMED */
    uint8_t bcd;
    uint8_t gate;
    int64_t count_load_time;    /* virtual ns of the CLK edge where the CE
                                 * took `count`, moved later by the time a
                                 * low GATE held it: the count now is
                                 * `count` less the CLK edges since */
    /* OUT at the instant of i8254_get_state (set_state recomputes it). */
    uint8_t out;

    /* The userspace timeline (PITChannel), ticks as pit_ticks_from_ns. */
    bool timeline;              /* the fields below are valid */
    bool count_written;         /* CR holds a count since the control word */
    uint32_t cr;                /* CR, decoded: 1-65536 */
    bool running;               /* the CE follows the timeline */
    uint64_t load_tick;         /* CE took count: counting from here */
    uint64_t paused_ticks;      /* CLK edges a low GATE held it since */
    bool paused;                /* GATE low holds the count now */
    uint64_t paused_since;
    uint32_t phase;             /* mode 3: position of the load in a period */
    bool preload_out;           /* before load_tick */
    uint32_t preload_ce;
    bool idle_out;              /* while not running */
    uint32_t idle_ce;
    bool pending;               /* mode 2/3 count waiting for the cycle end */
    uint32_t pending_count;
    uint64_t pending_elapsed;   /* ...taken after this many counted edges */
    uint32_t pending_phase;
    uint64_t null_until;        /* null count reads 1 before this tick */
} PITChannelSavedState;

typedef struct PITSavedState {
    PITChannelSavedState ch[PIT_NUM_CHANNELS];
} PITSavedState;

/* The backend's side of the common part. */
typedef struct PITBackendOps {
    /* Pull the backend's state into s->ch before it is read (a kernel
     * backend syncs here; NULL when s->ch is always current). */
    void (*pre_save)(PITState *s);
    /* s->ch was replaced (reset, state load): drive OUT0 and re-arm. */
    void (*post_load)(PITState *s);
} PITBackendOps;

/* Power-on state of every counter (GATE 0 and 1 high, GATE 2 low), then
 * post_load. */
void i8254_common_reset(PITState *s);
/* One counter to and from the plain struct, at CLK tick `tick` (pure). */
void pit_channel_save(PITChannel *c, uint64_t tick, PITChannelSavedState *st);
/* Fails, changing nothing, for a state no 8254 counter can be in. */
bool pit_channel_load(PITChannel *c, const PITChannelSavedState *st,
                      uint64_t tick, GError **errp);
/* The whole PIT, at the current virtual time. */
void i8254_get_state(DeviceState *dev, PITSavedState *state);
bool i8254_set_state(DeviceState *dev, const PITSavedState *state,
                     GError **errp);
/* HMP `info pit` text for one PIT, one line per counter:
 * "counter N: mode=M rw=R bcd=B gate=G out=O count=CE initial=CR null=N". */
void i8254_info(PITState *s, GString *out);
/* Register `info pit` (idempotent); it prints every PIT. */
void i8254_register_info(void);

/* Timeline helpers shared by the common part and the backend (pure). */
uint32_t pit_channel_modulus(const PITChannel *c);
/* CLK edges counted since the load at tick (GATE-held ones excluded). */
uint64_t pit_channel_elapsed(const PITChannel *c, uint64_t tick);
/* CE and OUT at tick (applies a waiting mode 2/3 count first). */
void pit_channel_state_at(PITChannel *c, uint64_t tick, uint32_t *ce,
                          bool *out);

#endif
