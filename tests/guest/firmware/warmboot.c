/*
 * Warm resets through the CMOS shutdown status byte (CMOS 0x0F) and the
 * vector at 40:67, as PC firmware honours them at POST, and the cold boot
 * that every other code gives. The run keeps its state in low RAM
 * (warmboot.h) across resets; the kernel boots cold several times:
 *   step 0      code 0x0D (not a warm code) + 0xCF9: must boot cold
 *   steps 1-5   a warm code and a reset method each: 0x0A + port 0xCF9,
 *               0x05 + port 0x92 bit 0, 0x0B (IRET frame) + i8042 0xFE,
 *               0x0C (RETF frame) + triple fault, 0x0A + an INIT IPI to
 *               the BSP; the real-mode stub (warmstub.S) checks what it
 *               finds and, with the code cleared to 0, resets through
 *               0xCF9 back into the kernel, except after step 5, where it
 *               reports the verdict and exits through isa-debug-exit.
 * Every cold boot checks that the kernel was loaded again and entered at
 * its Multiboot entry, that the shutdown byte reads 0 and that the
 * firmware tables were written again. Before a warm reset the kernel
 * damages the BIOS-area MP floating pointer, changes a word of its own data
 * and fills a pattern; the stub finds all three as they were left (RAM
 * intact, tables not rewritten, kernel not reloaded). With -smp 2, an
 * INIT-SIPI-SIPI to the AP while a warm code is set must start the AP and
 * leave the BSP running with the code untouched.
 * action=noreboot-cf9 / noreboot-init (run with -no-reboot): a warm code set
 * and a reset through 0xCF9 or a BSP INIT must still end the run (the runner
 * expects SHUTDOWN); the stub, if it ran, would report a failure.
 */
#include "fwlib.h"
#include "warmboot.h"

const char *test_name = "fw-warmboot";

#define WB_MAGIC_VALUE  0x314d5257u     /* "WRM1" */
#define CANARY_FRESH    0x5157          /* as the image holds it */
#define CANARY_WARM     0xbeef          /* what the kernel leaves before a warm reset */
#define BDA_RESET_VECTOR 0x467
#define CMOS_SHUTDOWN   0x0f
#define NSTEPS          6

/* In .data: the loader writes it again only on a cold boot. */
static volatile uint16_t canary = CANARY_FRESH;

extern const uint8_t wb_stub_start[], wb_stub_end[];
static struct fw_args args;

static volatile uint32_t *u32at(uint32_t a) { return phys(a); }
static volatile uint16_t *u16at(uint32_t a) { return phys(a); }

static uint8_t cmos_read(uint8_t idx)
{
    outb(0x70, idx);
    return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
    outb(0x70, idx);
    outb(0x71, v);
}

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* --- the reset methods --- */

static void reset_cf9(void)
{
    outb(0xcf9, 0x06);
}

static void reset_port92(void)
{
    outb(0x92, inb(0x92) & ~1);
    outb(0x92, inb(0x92) | 1);
}

static void reset_kbd(void)
{
    for (int i = 0; i < 100000 && (inb(0x64) & 2); i++) {
    }
    outb(0x64, 0xfe);
}

static void reset_triple(void)
{
    struct { uint16_t limit; ureg base; } __attribute__((packed)) idtr = { 0, 0 };
    __asm__ volatile("lidt %0\n\tud2" : : "m"(idtr));
}

/* INIT, level assert, physical destination: the BSP's own APIC ID (SDM
 * Vol. 3A 12.6.1; the "self" shorthand is not valid for INIT). */
static void reset_bsp_init(void)
{
    lapic_write(LAPIC_ICR_HI, fw_own_apic_id() << 24);
    lapic_write(LAPIC_ICR_LO, 0x00004500);
}

struct step {
    const char *how;
    uint8_t code;
    void (*fire)(void);
};

static const struct step steps[NSTEPS] = {
    { "port 0xcf9", 0x0d, reset_cf9 },
    { "port 0xcf9", 0x0a, reset_cf9 },
    { "port 0x92 bit 0", 0x05, reset_port92 },
    { "i8042 pulse 0xfe", 0x0b, reset_kbd },
    { "triple fault", 0x0c, reset_triple },
    { "INIT IPI to the BSP", 0x0a, reset_bsp_init },
};

/* --- what the stub should find --- */

static void expect(int slot, uint16_t want, uint16_t mask)
{
    u16at(WB_WANT)[slot] = want & mask;
    u16at(WB_MASK)[slot] = mask;
}

static uint16_t pattern_fill(uint32_t seed)
{
    volatile uint8_t *p = phys(WB_PATTERN);
    uint16_t sum = 0;

    for (unsigned i = 0; i < WB_PATTERN_LEN; i++) {
        p[i] = (uint8_t)(seed * 0x9e3779b1u >> 24) ^ (uint8_t)(i * 7);
        seed++;
        sum = (uint16_t)(sum + p[i]);
        sum = (uint16_t)(sum << 1 | sum >> 15);
    }
    return sum;
}

static void set_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vsnprintf(phys(WB_MSG), WB_MSG_LEN, fmt, ap);
    va_end(ap);
}

/* A real-mode far pointer to a physical address below 1 MiB + 64 KiB. */
static void set_peek(uint32_t where, uint32_t addr)
{
    uint16_t seg = addr >= 0x100000 ? 0xffff : (uint16_t)(addr >> 4);
    u16at(where)[0] = (uint16_t)(addr - ((uint32_t)seg << 4));
    u16at(where)[1] = seg;
}

/*
 * Arm the stub and the vector, then fire. With stub_may_run false (a cold
 * code, or -no-reboot) the stub, should it run, reports a failure: CMOS
 * 0x0F can never read 0x1FF.
 */
static void warm_reset(const struct step *st, bool last, bool stub_may_run)
{
    uint8_t *mpf = (uint8_t *)fw_find_mpf_in(0xf0000, 0x10000);
    uint32_t canary_addr = (uint32_t)(ureg)&canary;
    uint16_t vec_ip = 0, vec_cs = WB_STUB_SEG, sp_want = 0, ss_want = 0;
    uint16_t flags_want = 0x0002;
    volatile uint16_t *frame = phys(WB_FRAME);

    for (const uint8_t *p = wb_stub_start; p < wb_stub_end; p++) {
        *(volatile uint8_t *)phys(WB_STUB + (p - wb_stub_start)) = *p;
    }
    for (int i = 0; i < WB_NGOT; i++) {
        u16at(WB_GOT)[i] = 0xdead;
        expect(i, 0, 0);
    }
    if (st->code == 0x0b || st->code == 0x0c) {
        /* 40:67 names SS:SP; the frame there is IP, CS (, FLAGS). SS is
         * 0x0060 so that the stack's segment is seen to be loaded. */
        frame[0] = 0;
        frame[1] = WB_STUB_SEG;
        frame[2] = 0x0403;                      /* DF | CF, IF clear */
        ss_want = 0x0060;
        vec_cs = ss_want;
        vec_ip = (uint16_t)(WB_FRAME - (ss_want << 4));
        sp_want = (uint16_t)(vec_ip + (st->code == 0x0b ? 6 : 4));
        if (st->code == 0x0b) {
            flags_want = 0x0403;
        }
    }
    u16at(BDA_RESET_VECTOR)[0] = vec_ip;
    u16at(BDA_RESET_VECTOR)[1] = vec_cs;

    expect(WB_GOT_DS, 0x0040, 0xffff);          /* the BDA, as firmware */
    expect(WB_GOT_SS, ss_want, 0xffff);
    expect(WB_GOT_SP, sp_want, 0xffff);
    expect(WB_GOT_FLAGS, flags_want, 0x0fd7);   /* IOPL/NT/bit 15 vary */
    expect(WB_GOT_CMOS, 0, 0x00ff);
    expect(WB_GOT_SUM, pattern_fill(u32at(WB_STEP)[0] * 131 + 17), 0xffff);
    canary = CANARY_WARM;
    if (canary_addr < 0x10fff0) {
        set_peek(WB_PEEK0, canary_addr);
        expect(WB_GOT_PEEK0, CANARY_WARM, 0xffff);
    }
    if (mpf) {
        mpf[10]++;          /* its checksum byte: the pointer is now invalid */
        set_peek(WB_PEEK1, (uint32_t)(ureg)mpf + 10);
        expect(WB_GOT_PEEK1, mpf[10], 0x00ff);
    }
    u16at(WB_NWORDS)[0] = WB_NGOT;
    u16at(WB_LAST)[0] = last;
    if (stub_may_run) {
        set_msg("warm reset via %s, shutdown code 0x%02x: RAM, tables and "
                "kernel left as they were, CMOS 0x0F cleared, registers as "
                "firmware leaves them", st->how, st->code);
    } else {
        expect(WB_GOT_CMOS, 0x1ff, 0xffff);
        set_msg("the stub must not run after a reset via %s with shutdown "
                "code 0x%02x%s", st->how, st->code,
                last ? " under -no-reboot" : "");
    }

    u32at(WB_FAILURES)[0] += rt_failures;
    rt_failures = 0;
    cmos_write(CMOS_SHUTDOWN, st->code);
    rt_printf("# resetting: %s with shutdown code 0x%02x\n", st->how, st->code);
    st->fire();
    fw_spin(20000000);
    CHECK(false, "the machine still runs after the reset via %s", st->how);
}

/* With an AP: an INIT to it waits for its SIPI whatever the CMOS says. */
static void ap_init_keeps_bsp(void)
{
    uint8_t ap = 0xff;

    if (args.cpus < 2) {
        return;
    }
    for (uint8_t id = 0; id < 8; id++) {
        if (id != fw_own_apic_id()) {
            ap = id;
            break;
        }
    }
    cmos_write(CMOS_SHUTDOWN, 0x0a);
    fw_ap_reset();
    CHECK(fw_start_cpu(ap), "INIT-SIPI-SIPI to the AP (APIC ID %u) starts it "
          "at its SIPI vector while a warm code is set", ap);
    CHECK_EQ(cmos_read(CMOS_SHUTDOWN), 0x0a,
             "an INIT to an AP leaves CMOS 0x0F alone (no machine reset)");
    cmos_write(CMOS_SHUTDOWN, 0);
}

/* Under -no-reboot a reset ends the run, warm code or not. */
static void noreboot(void (*fire)(void), const char *how)
{
    struct step st = { how, 0x0a, fire };

    warm_reset(&st, true, false);
}

void test_main(void)
{
    uint32_t step;

    fw_parse_args(&args);
    if (streq(args.action, "noreboot-cf9")) {
        u32at(WB_MAGIC)[0] = 0;
        noreboot(reset_cf9, "port 0xcf9");
        return;
    }
    if (streq(args.action, "noreboot-init")) {
        u32at(WB_MAGIC)[0] = 0;
        noreboot(reset_bsp_init, "INIT IPI to the BSP");
        return;
    }

    if (u32at(WB_MAGIC)[0] != WB_MAGIC_VALUE) {
        for (uint32_t a = WB_STATE; a < WB_MSG; a += 4) {
            u32at(a)[0] = 0;
        }
        u32at(WB_MAGIC)[0] = WB_MAGIC_VALUE;
    }
    step = u32at(WB_STEP)[0];
    u32at(WB_BOOTS)[0]++;
    rt_printf("# cold boot %u, step %u\n", u32at(WB_BOOTS)[0], step);

    /* What every cold boot must look like. */
    CHECK_EQ(rt_mb_magic, MB_BOOT_MAGIC,
             "cold boot: entered at the kernel's Multiboot entry");
    CHECK_EQ(canary, CANARY_FRESH, "cold boot: the kernel image was loaded again");
    CHECK_EQ(cmos_read(CMOS_SHUTDOWN), 0, "cold boot: CMOS 0x0F reads 0");
    CHECK(fw_find_mpf_in(0xf0000, 0x10000) != NULL,
          "cold boot: the firmware tables were written again");
    CHECK_EQ(u32at(WB_BOOTS)[0], step + 1, "one cold boot per step");
    if (step == 1) {
        CHECK_EQ(u32at(WB_STUB_RUNS)[0], 0,
                 "shutdown code 0x0d is a cold boot: the stub did not run");
    } else if (step > 1) {
        CHECK_EQ(u32at(WB_STUB_RUNS)[0], step - 1,
                 "the stub ran once per warm reset, then code 0 booted cold");
    }
    if (step >= NSTEPS) {
        CHECK(false, "step %u: the last stub should have ended the run", step);
        u32at(WB_MAGIC)[0] = 0;
        return;
    }
    if (steps[step].code == 0x0a && steps[step].fire == reset_bsp_init) {
        ap_init_keeps_bsp();
    }
    u32at(WB_STEP)[0] = step + 1;
    warm_reset(&steps[step], step == NSTEPS - 1, step != 0);
}
