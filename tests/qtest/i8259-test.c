/*
 * qtest of the 8259A pair ("i8259"): initialisation, masking, priorities
 * and rotation, EOIs, automatic EOI, poll, special mask and special fully
 * nested modes, the cascade on IR2, the ELCR, the INTR output, `info pic`,
 * and ExtINT through a LAPIC's LINT0. IRQs are driven with set_irq_in on
 * the device's unnamed GPIO inputs; INTR is watched by intercepting its
 * unnamed output 0. Where the machine does not create the PIC yet, the tests
 * add it with -device (the ExtINT test then skips: it needs the board's
 * wiring of INTR to LINT0).
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

#define MASTER_CMD  0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD   0xa0
#define SLAVE_DATA  0xa1
#define ELCR1       0x4d0
#define ELCR2       0x4d1

/* ICW1: D4 set, IC4 (D0); ICW4 D0 8086 mode, D1 AEOI, D4 SFNM. */
#define ICW1_IC4        0x11
#define ICW4_8086       0x01
#define ICW4_AEOI       0x02
#define ICW4_SFNM       0x10
/* OCW2 commands (R SL EOI in D7-D5). */
#define OCW2_EOI        0x20
#define OCW2_SEOI(ir)   (0x60 | (ir))
#define OCW2_ROT_EOI    0xa0
#define OCW2_ROT_SEOI(ir) (0xe0 | (ir))
#define OCW2_SETPRI(ir) (0xc0 | (ir))
#define OCW2_ROT_AEOI_SET 0x80
/* OCW3: D3 set; read IRR / ISR, poll, special mask mode set / reset. */
#define OCW3_READ_IRR   0x0a
#define OCW3_READ_ISR   0x0b
#define OCW3_POLL       0x0c
#define OCW3_SMM_SET    0x68
#define OCW3_SMM_CLEAR  0x48

#define INTR 0

/* Whether the machine itself made the PIC (so INTR reaches LINT0). */
static bool pic_from_machine;

static QTestState *pic_start(void)
{
    QTestState *qts = qtest_init(NULL);
    char *reply = qtest_cmd(qts, "irq_intercept_out i8259");

    pic_from_machine = strcmp(reply, "OK") == 0;
    g_free(reply);
    if (!pic_from_machine) {
        qtest_quit(qts);
        qts = qtest_init("-device i8259,id=i8259");
        qtest_irq_intercept_out(qts, "i8259");
    }
    return qts;
}

static void set_irq(QTestState *qts, int irq, int level)
{
    qtest_set_irq_in(qts, "i8259", "unnamed-gpio-in", irq, level);
}

static void pulse_irq(QTestState *qts, int irq)
{
    set_irq(qts, irq, 1);
    set_irq(qts, irq, 0);
}

/* The PC/AT initialisation: vectors 0x08 and 0x70, slave on IR2. */
static void pic_init(QTestState *qts, uint8_t icw4_master, uint8_t icw4_slave)
{
    qtest_outb(qts, MASTER_CMD, ICW1_IC4);
    qtest_outb(qts, MASTER_DATA, 0x08);
    qtest_outb(qts, MASTER_DATA, 0x04);
    qtest_outb(qts, MASTER_DATA, icw4_master);
    qtest_outb(qts, SLAVE_CMD, ICW1_IC4);
    qtest_outb(qts, SLAVE_DATA, 0x70);
    qtest_outb(qts, SLAVE_DATA, 0x02);
    qtest_outb(qts, SLAVE_DATA, icw4_slave);
}

static uint8_t read_irr(QTestState *qts, uint16_t cmd)
{
    qtest_outb(qts, cmd, OCW3_READ_IRR);
    return qtest_inb(qts, cmd);
}

static uint8_t read_isr(QTestState *qts, uint16_t cmd)
{
    qtest_outb(qts, cmd, OCW3_READ_ISR);
    return qtest_inb(qts, cmd);
}

static uint8_t poll(QTestState *qts, uint16_t cmd)
{
    qtest_outb(qts, cmd, OCW3_POLL);
    return qtest_inb(qts, cmd);
}

static void test_init_clears_mask_and_sets_vector_base(void)
{
    QTestState *qts = pic_start();
    char *info;

    qtest_outb(qts, MASTER_DATA, 0x5a);
    g_assert_cmphex(qtest_inb(qts, MASTER_DATA), ==, 0x5a);
    pic_init(qts, ICW4_8086, ICW4_8086);
    /* ICW1 clears IMR; afterwards the odd port is OCW1 again. */
    g_assert_cmphex(qtest_inb(qts, MASTER_DATA), ==, 0x00);
    qtest_outb(qts, MASTER_DATA, 0xfb);
    qtest_outb(qts, SLAVE_DATA, 0xff);
    g_assert_cmphex(qtest_inb(qts, MASTER_DATA), ==, 0xfb);
    g_assert_cmphex(qtest_inb(qts, SLAVE_DATA), ==, 0xff);
    info = qtest_hmp(qts, "info pic");
    g_assert_nonnull(strstr(info, "pic0: irr=00 imr=fb isr=00 hprio=0 "
                            "irq_base=08 rr_sel=0 elcr=00 fnm=0"));
    g_assert_nonnull(strstr(info, "pic1: irr=00 imr=ff isr=00 hprio=0 "
                            "irq_base=70 rr_sel=0 elcr=00 fnm=0"));
    g_free(info);
    qtest_quit(qts);
}

static void test_edge_request_latches_on_rising_edge(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    qtest_outb(qts, MASTER_DATA, 0xff);
    set_irq(qts, 3, 1);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x08);
    set_irq(qts, 3, 0);
    /* Edge triggered: the request stays latched after the line drops. */
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x08);
    /* Masked: INTR stays low. */
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_outb(qts, MASTER_DATA, 0xf7);
    g_assert_true(qtest_get_irq(qts, INTR));
    qtest_outb(qts, MASTER_DATA, 0xff);
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_quit(qts);
}

static void test_icw1_requires_new_edge(void)
{
    QTestState *qts = pic_start();

    set_irq(qts, 4, 1);
    pic_init(qts, ICW4_8086, ICW4_8086);
    /* The edge sense latch was reset: a line already high is no request. */
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x00);
    set_irq(qts, 4, 1);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x00);
    set_irq(qts, 4, 0);
    set_irq(qts, 4, 1);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x10);
    qtest_quit(qts);
}

static void test_elcr_level_irr_follows_line(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    qtest_outb(qts, ELCR1, 0x20);
    g_assert_cmphex(qtest_inb(qts, ELCR1), ==, 0x20);
    set_irq(qts, 5, 1);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x20);
    g_assert_true(qtest_get_irq(qts, INTR));
    set_irq(qts, 5, 0);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x00);
    g_assert_false(qtest_get_irq(qts, INTR));
    /* In service, a level request stays in IRR and fires again after EOI. */
    set_irq(qts, 5, 1);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x85);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x20);
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_true(qtest_get_irq(qts, INTR));
    qtest_quit(qts);
}

static void test_elcr_edge_only_irqs_read_zero(void)
{
    QTestState *qts = pic_start();

    qtest_outb(qts, ELCR1, 0xff);
    qtest_outb(qts, ELCR2, 0xff);
    /* IRQ 0, 1, 2, 8 and 13 are always edge triggered. */
    g_assert_cmphex(qtest_inb(qts, ELCR1), ==, 0xf8);
    g_assert_cmphex(qtest_inb(qts, ELCR2), ==, 0xde);
    qtest_quit(qts);
}

static void test_poll_acknowledges_highest_request(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 5);
    pulse_irq(qts, 3);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x83);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x08);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x20);
    /* IR5 has a lower priority than IR3 in service. */
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_true(qtest_get_irq(qts, INTR));
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x85);
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    /* Nothing requested: the poll word has I clear. */
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x00);
    qtest_quit(qts);
}

static void test_higher_priority_nests_and_eoi_clears_highest(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 5);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x85);
    pulse_irq(qts, 6);
    g_assert_false(qtest_get_irq(qts, INTR));
    pulse_irq(qts, 1);
    g_assert_true(qtest_get_irq(qts, INTR));
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x81);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x22);
    /* A non-specific EOI ends the highest level in service (IR1). */
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x20);
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_quit(qts);
}

static void test_specific_eoi_clears_named_level(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 6);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x86);
    pulse_irq(qts, 4);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x84);
    qtest_outb(qts, MASTER_CMD, OCW2_SEOI(6));
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x10);
    qtest_quit(qts);
}

static void test_rotate_on_nonspecific_eoi(void)
{
    QTestState *qts = pic_start();
    char *info;

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 3);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x83);
    qtest_outb(qts, MASTER_CMD, OCW2_ROT_EOI);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x00);
    /* IR3 is now the lowest, IR4 the highest priority. */
    info = qtest_hmp(qts, "info pic");
    g_assert_nonnull(strstr(info, "pic0: irr=00 imr=00 isr=00 hprio=4"));
    g_free(info);
    pulse_irq(qts, 0);
    pulse_irq(qts, 3);
    pulse_irq(qts, 6);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x86);
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x80);
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x83);
    qtest_quit(qts);
}

static void test_rotate_on_specific_eoi_and_set_priority(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    /* Set priority: IR5 lowest, so IR6 highest. */
    qtest_outb(qts, MASTER_CMD, OCW2_SETPRI(5));
    pulse_irq(qts, 1);
    pulse_irq(qts, 7);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x87);
    /* Rotate on specific EOI of IR0: IR1 highest. IR7 still in service
     * but now ranks below IR1. */
    qtest_outb(qts, MASTER_CMD, OCW2_ROT_SEOI(0));
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x80);
    g_assert_true(qtest_get_irq(qts, INTR));
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x81);
    qtest_quit(qts);
}

static void test_auto_eoi_sets_no_isr_bit(void)
{
    QTestState *qts = pic_start();
    char *info;

    pic_init(qts, ICW4_8086 | ICW4_AEOI, ICW4_8086);
    pulse_irq(qts, 3);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x83);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x00);
    /* Rotation in automatic EOI mode: the serviced level becomes lowest. */
    qtest_outb(qts, MASTER_CMD, OCW2_ROT_AEOI_SET);
    pulse_irq(qts, 5);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x85);
    info = qtest_hmp(qts, "info pic");
    g_assert_nonnull(strstr(info, "hprio=6"));
    g_free(info);
    qtest_quit(qts);
}

static void test_special_mask_mode_enables_lower_levels(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 3);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x83);
    pulse_irq(qts, 5);
    g_assert_false(qtest_get_irq(qts, INTR));
    /* Mask IR3 and enter special mask mode: IR5 gets through. */
    qtest_outb(qts, MASTER_DATA, 0x08);
    qtest_outb(qts, MASTER_CMD, OCW3_SMM_SET);
    g_assert_true(qtest_get_irq(qts, INTR));
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x85);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x28);
    /* A non-specific EOI skips the masked IR3. */
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x08);
    qtest_outb(qts, MASTER_CMD, OCW3_SMM_CLEAR);
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x00);
    qtest_quit(qts);
}

static void test_cascade_slave_request_reaches_master_ir2(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 10);
    g_assert_cmphex(read_irr(qts, SLAVE_CMD), ==, 0x04);
    g_assert_cmphex(read_irr(qts, MASTER_CMD), ==, 0x04);
    g_assert_true(qtest_get_irq(qts, INTR));
    /* Masking on the slave takes the request back off INTR. */
    qtest_outb(qts, SLAVE_DATA, 0x04);
    qtest_outb(qts, MASTER_DATA, 0x00);
    qtest_outb(qts, SLAVE_DATA, 0x00);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x82);
    g_assert_cmphex(poll(qts, SLAVE_CMD), ==, 0x82);
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(qts, SLAVE_CMD), ==, 0x04);
    g_assert_false(qtest_get_irq(qts, INTR));
    /* A master IR1 request still nests above the cascade. */
    pulse_irq(qts, 1);
    g_assert_true(qtest_get_irq(qts, INTR));
    qtest_quit(qts);
}

static void test_cascade_vanished_slave_request_keeps_ir2(void)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 11);
    /* Masked on the slave after the master latched the IR2 edge: the
     * master still asks, the slave has nothing (spurious IRQ 15). */
    qtest_outb(qts, SLAVE_DATA, 0x08);
    g_assert_true(qtest_get_irq(qts, INTR));
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x82);
    g_assert_cmphex(poll(qts, SLAVE_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(qts, SLAVE_CMD), ==, 0x00);
    g_assert_false(qtest_get_irq(qts, INTR));
    qtest_quit(qts);
}

/* A higher slave request while a slave level is in service: only special
 * fully nested mode lets it through the master. */
static void check_sfnm(bool sfnm)
{
    QTestState *qts = pic_start();

    pic_init(qts, ICW4_8086 | (sfnm ? ICW4_SFNM : 0), ICW4_8086);
    pulse_irq(qts, 12);
    g_assert_cmphex(poll(qts, MASTER_CMD), ==, 0x82);
    g_assert_cmphex(poll(qts, SLAVE_CMD), ==, 0x84);
    g_assert_false(qtest_get_irq(qts, INTR));
    /* A lower master level stays blocked in both modes. */
    pulse_irq(qts, 5);
    g_assert_false(qtest_get_irq(qts, INTR));
    pulse_irq(qts, 9);
    g_assert_cmpint(qtest_get_irq(qts, INTR), ==, sfnm);
    qtest_quit(qts);
}

static void test_sfnm_lets_higher_slave_request_through(void)
{
    check_sfnm(true);
}

static void test_fully_nested_blocks_slave_while_in_service(void)
{
    check_sfnm(false);
}

static void test_info_pic_without_state_change(void)
{
    QTestState *qts = pic_start();
    char *info;

    pic_init(qts, ICW4_8086, ICW4_8086 | ICW4_SFNM);
    qtest_outb(qts, ELCR2, 0x0c);
    qtest_outb(qts, SLAVE_CMD, OCW3_READ_ISR);
    pulse_irq(qts, 1);
    info = qtest_hmp(qts, "info pic");
    g_assert_nonnull(strstr(info, "pic0: irr=02 imr=00 isr=00 hprio=0 "
                            "irq_base=08 rr_sel=0 elcr=00 fnm=0"));
    g_assert_nonnull(strstr(info, "pic1: irr=00 imr=00 isr=00 hprio=0 "
                            "irq_base=70 rr_sel=1 elcr=0c fnm=1"));
    g_free(info);
    qtest_quit(qts);
}

/*
 * ExtINT: with LINT0 in ExtINT mode, intr_poll/intr_ack on CPU 0 run the
 * PIC's INTA: IRR->ISR and the vector; a level request that went away
 * answers the spurious IRQ 7 vector; a vanished slave request IRQ 15's.
 */
#define APIC_BASE_ADDR  0xfee00000
#define APIC_SVR        0xf0
#define APIC_LVT_LINT0  0x350
#define LVT_EXTINT      0x700

static bool extint_ready(QTestState *qts)
{
    char *reply;
    bool ok;

    if (!pic_from_machine) {
        g_test_skip("the machine does not create the i8259 yet, so INTR "
                    "is not wired to LINT0");
        return false;
    }
    reply = qtest_cmd(qts, "intr_poll 0");
    ok = g_str_has_prefix(reply, "OK");
    g_free(reply);
    if (!ok) {
        g_test_skip("qtest has no intr_poll command yet");
        return false;
    }
    qtest_cpu_select(qts, 0);
    qtest_writel(qts, APIC_BASE_ADDR + APIC_SVR, 0x1ff);
    qtest_writel(qts, APIC_BASE_ADDR + APIC_LVT_LINT0, LVT_EXTINT);
    qtest_cpu_select(qts, -1);
    return true;
}

static void assert_reply(QTestState *qts, const char *cmd,
                         const char *expected)
{
    char *reply = qtest_cmd(qts, "%s", cmd);

    g_assert_cmpstr(reply, ==, expected);
    g_free(reply);
}

static void test_extint_lint0_takes_pic_vector(void)
{
    QTestState *qts = pic_start();

    if (!extint_ready(qts)) {
        qtest_quit(qts);
        return;
    }
    pic_init(qts, ICW4_8086, ICW4_8086);
    assert_reply(qts, "intr_poll 0", "OK none");
    pulse_irq(qts, 3);
    assert_reply(qts, "intr_poll 0", "OK extint 0x0b");
    assert_reply(qts, "intr_ack 0", "OK extint 0x0b");
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x08);
    assert_reply(qts, "intr_poll 0", "OK none");
    qtest_outb(qts, MASTER_CMD, OCW2_EOI);
    /* Through the cascade: the slave's vector, both ISR bits. */
    pulse_irq(qts, 14);
    assert_reply(qts, "intr_ack 0", "OK extint 0x76");
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(qts, SLAVE_CMD), ==, 0x40);
    qtest_quit(qts);
}

/*
 * ExtINT on LINT0 is level-sensitive (SDM vol. 3A 11.5.1): a request masked
 * before the CPU acknowledges it withdraws INTR, so the CPU is offered
 * nothing. (The spurious IRQ 7/15 vectors of a withdrawn request that INTA
 * already started are covered by the unit tests of i8259_inta.)
 */
static void test_extint_masked_request_withdraws_extint(void)
{
    QTestState *qts = pic_start();

    if (!extint_ready(qts)) {
        qtest_quit(qts);
        return;
    }
    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 4);
    assert_reply(qts, "intr_poll 0", "OK extint 0x0c");
    qtest_outb(qts, MASTER_DATA, 0x10);
    assert_reply(qts, "intr_poll 0", "OK none");
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x00);
    qtest_quit(qts);
}

/*
 * Masked on the slave instead, the master's edge-latched IR2 request stays,
 * so the CPU runs an INTA that finds the slave empty: the slave answers its
 * spurious vector (base + 7) and only the master's IR2 goes in service.
 */
static void test_extint_slave_masked_gives_spurious_irq15(void)
{
    QTestState *qts = pic_start();

    if (!extint_ready(qts)) {
        qtest_quit(qts);
        return;
    }
    pic_init(qts, ICW4_8086, ICW4_8086);
    pulse_irq(qts, 11);
    assert_reply(qts, "intr_poll 0", "OK extint 0x73");
    qtest_outb(qts, SLAVE_DATA, 0x08);
    assert_reply(qts, "intr_ack 0", "OK extint 0x77");
    g_assert_cmphex(read_isr(qts, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(qts, SLAVE_CMD), ==, 0x00);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/init/clears-mask-and-sets-vector-base",
                    test_init_clears_mask_and_sets_vector_base);
    g_test_add_func("/i8259/init/icw1-requires-new-edge",
                    test_icw1_requires_new_edge);
    g_test_add_func("/i8259/irr/edge-latches-on-rising-edge",
                    test_edge_request_latches_on_rising_edge);
    g_test_add_func("/i8259/elcr/level-irr-follows-line",
                    test_elcr_level_irr_follows_line);
    g_test_add_func("/i8259/elcr/edge-only-irqs-read-zero",
                    test_elcr_edge_only_irqs_read_zero);
    g_test_add_func("/i8259/poll/acknowledges-highest-request",
                    test_poll_acknowledges_highest_request);
    g_test_add_func("/i8259/priority/higher-nests-eoi-clears-highest",
                    test_higher_priority_nests_and_eoi_clears_highest);
    g_test_add_func("/i8259/eoi/specific-clears-named-level",
                    test_specific_eoi_clears_named_level);
    g_test_add_func("/i8259/rotation/on-nonspecific-eoi",
                    test_rotate_on_nonspecific_eoi);
    g_test_add_func("/i8259/rotation/on-specific-eoi-and-set-priority",
                    test_rotate_on_specific_eoi_and_set_priority);
    g_test_add_func("/i8259/auto-eoi/sets-no-isr-bit-and-rotates",
                    test_auto_eoi_sets_no_isr_bit);
    g_test_add_func("/i8259/special-mask/enables-lower-levels",
                    test_special_mask_mode_enables_lower_levels);
    g_test_add_func("/i8259/cascade/slave-request-reaches-master-ir2",
                    test_cascade_slave_request_reaches_master_ir2);
    g_test_add_func("/i8259/cascade/vanished-slave-request-keeps-ir2",
                    test_cascade_vanished_slave_request_keeps_ir2);
    g_test_add_func("/i8259/cascade/sfnm-lets-higher-slave-request-through",
                    test_sfnm_lets_higher_slave_request_through);
    g_test_add_func("/i8259/cascade/fully-nested-blocks-slave-in-service",
                    test_fully_nested_blocks_slave_while_in_service);
    g_test_add_func("/i8259/info-pic/prints-both-chips",
                    test_info_pic_without_state_change);
    g_test_add_func("/i8259/extint/lint0-takes-pic-vector",
                    test_extint_lint0_takes_pic_vector);
    g_test_add_func("/i8259/extint/masked-request-withdraws-extint",
                    test_extint_masked_request_withdraws_extint);
    g_test_add_func("/i8259/extint/slave-masked-gives-spurious-irq15",
                    test_extint_slave_masked_gives_spurious_irq15);
    return g_test_run();
}
