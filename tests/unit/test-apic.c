/*
 * Unit tests of the local APIC and the APIC bus: the pure logic (PPR,
 * divide values, destination matching, lowest-priority arbitration, the ICR
 * validity table, MSI decoding) and, in-process with real CPUs and their
 * address spaces, the register page, IA32_APIC_BASE, the x2APIC MSRs, IPIs,
 * EOI broadcast, ESR, the timer and the acceptance path. The virtual clock
 * runs in qtest mode, so time moves only when a test moves it.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/intc/apic.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/apic_internal.h"
#include "hw/i386/x86.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"
#include "softmmu/memory.h"

#define LAPIC 0xfee00000ULL

/* ------------------------------------------------------------------ */
/* Fixture: CPUs with LAPICs over a private system memory              */

typedef struct Fix {
    MemoryRegion sysmem, ram;
    X86CPU *cpu[64];
    int n;
} Fix;

static void fix_init_model(Fix *f, int n, const char *spec)
{
    X86CPUModel m;
    GError *err = NULL;

    memset(f, 0, sizeof(*f));
    g_assert_true(x86_cpu_model_parse(spec, &m, &err));
    memory_region_init(&f->sysmem, "test-apic-system", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&f->ram, "test-apic-ram", 1 << 20,
                                         &err));
    memory_region_add_subregion(&f->sysmem, 0, &f->ram);
    f->n = n;
    for (int i = 0; i < n; i++) {
        f->cpu[i] = x86_cpu_new(&m, i, i, &f->sysmem);
        f->cpu[i]->is_bsp = i == 0;
        x86_cpu_reset(f->cpu[i]);
        g_assert_true(x86_cpu_apic_realize(f->cpu[i], &err));
        g_assert_no_error(err);
        /* As if every AP had been started; SIPI tests put them back. */
        f->cpu[i]->env.run_state = X86_RUN_RUNNING;
    }
}

static void fix_init(Fix *f, int n)
{
    fix_init_model(f, n, "qemu64,+x2apic,+tsc-deadline");
}

static void fix_free(Fix *f)
{
    for (int i = 0; i < f->n; i++) {
        x86_cpu_apic_unrealize(f->cpu[i]);
        x86_cpu_free(f->cpu[i]);
    }
    memory_region_del_subregion(&f->sysmem, &f->ram);
    memory_region_finalize(&f->ram);
    memory_region_finalize(&f->sysmem);
    apic_bus_set_directed_eoi(false);
}

static uint32_t rd(X86CPU *cpu, uint32_t reg)
{
    uint64_t v = 0;

    g_assert_cmpint(address_space_ld(&cpu->as, LAPIC + reg, 4, &v), ==,
                    MEMTX_OK);
    return v;
}

static void wr(X86CPU *cpu, uint32_t reg, uint32_t val)
{
    g_assert_cmpint(address_space_st(&cpu->as, LAPIC + reg, 4, val), ==,
                    MEMTX_OK);
}

static void sw_enable(X86CPU *cpu)
{
    wr(cpu, APIC_REG_SVR, 0x1ff);
}

static bool irr_has(X86CPU *cpu, unsigned v)
{
    return rd(cpu, APIC_REG_IRR + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(X86CPU *cpu, unsigned v)
{
    return rd(cpu, APIC_REG_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void send_ipi(X86CPU *from, uint32_t dest8, uint32_t lo)
{
    wr(from, APIC_REG_ICR_HI, dest8 << 24);
    wr(from, APIC_REG_ICR_LO, lo);
}

static void to_x2apic(X86CPU *cpu)
{
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_APICBASE,
                                APIC_DEFAULT_ADDRESS |
                                MSR_IA32_APICBASE_ENABLE |
                                MSR_IA32_APICBASE_EXTD));
}

static void clock_step(int64_t ns)
{
    qemu_clock_advance_virtual(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + ns);
}

/* ------------------------------------------------------------------ */
/* Pure logic                                                          */

static void test_ppr_is_max_of_tpr_and_isr_class(void)
{
    g_assert_cmphex(apic_compute_ppr(0x00, -1), ==, 0x00);
    g_assert_cmphex(apic_compute_ppr(0x25, -1), ==, 0x25);
    g_assert_cmphex(apic_compute_ppr(0x25, 0x41), ==, 0x40);
    g_assert_cmphex(apic_compute_ppr(0x45, 0x41), ==, 0x45);
    g_assert_cmphex(apic_compute_ppr(0x40, 0x4f), ==, 0x40);
    g_assert_cmphex(apic_compute_ppr(0x3f, 0x40), ==, 0x40);
}

static void test_divide_config_all_eight_values(void)
{
    /* DCR bits 3,1,0 -> divisor (SDM figure 12-10). */
    static const struct { uint32_t dcr; unsigned div; } t[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
        g_assert_cmpuint(1u << apic_timer_divide_shift(t[i].dcr), ==,
                         t[i].div);
    }
}

static void test_highest_bit_of_256(void)
{
    uint32_t r[8] = { 0 };

    g_assert_cmpint(apic_reg256_highest(r), ==, -1);
    r[1] = 1u << 3;
    g_assert_cmpint(apic_reg256_highest(r), ==, 35);
    r[7] = 1u << 31;
    g_assert_cmpint(apic_reg256_highest(r), ==, 255);
}

static void test_dest_physical_and_broadcast(void)
{
    ApicDestView v = { .phys_id = 3, .ldr = 0, .dfr_model = APIC_DFR_FLAT };

    g_assert_true(apic_dest_match(&v, 3, false, false));
    g_assert_false(apic_dest_match(&v, 4, false, false));
    g_assert_true(apic_dest_match(&v, 0xff, false, false));
    /* An x2APIC sender: 0xFF is a plain ID, 0xFFFFFFFF the broadcast. */
    v.x2apic = true;
    v.phys_id = 0xff;
    g_assert_true(apic_dest_match(&v, 0xff, false, true));
    v.phys_id = 0x100;
    g_assert_false(apic_dest_match(&v, 0xff, false, true));
    g_assert_true(apic_dest_match(&v, 0xffffffff, false, true));
    g_assert_true(apic_dest_match(&v, 0x100, false, true));
}

static void test_dest_logical_flat(void)
{
    ApicDestView v = { .phys_id = 0, .ldr = 0x04000000,
                       .dfr_model = APIC_DFR_FLAT };

    g_assert_true(apic_dest_match(&v, 0x04, true, false));
    g_assert_true(apic_dest_match(&v, 0x0c, true, false));
    g_assert_false(apic_dest_match(&v, 0x03, true, false));
    g_assert_true(apic_dest_match(&v, 0xff, true, false));
}

static void test_dest_logical_cluster(void)
{
    ApicDestView v = { .phys_id = 0, .ldr = 0x32000000,
                       .dfr_model = APIC_DFR_CLUSTER };

    g_assert_true(apic_dest_match(&v, 0x32, true, false));
    g_assert_true(apic_dest_match(&v, 0x3f, true, false));
    g_assert_false(apic_dest_match(&v, 0x31, true, false));
    g_assert_false(apic_dest_match(&v, 0x22, true, false));
    g_assert_true(apic_dest_match(&v, 0xff, true, false));
}

static void test_dest_x2apic_cluster(void)
{
    /* x2APIC ID 0x23: cluster 2, member bit 3. */
    ApicDestView v = { .x2apic = true, .phys_id = 0x23,
                       .ldr = apic_x2apic_ldr(0x23) };

    g_assert_cmphex(v.ldr, ==, 0x00020008);
    g_assert_true(apic_dest_match(&v, 0x00020008, true, true));
    g_assert_true(apic_dest_match(&v, 0x0002000c, true, true));
    g_assert_false(apic_dest_match(&v, 0x00010008, true, true));
    g_assert_false(apic_dest_match(&v, 0x00020004, true, true));
    g_assert_true(apic_dest_match(&v, 0xffffffff, true, true));
}

static void test_dest_8bit_logical_reaches_x2apic_cluster0(void)
{
    ApicDestView c0 = { .x2apic = true, .phys_id = 2,
                        .ldr = apic_x2apic_ldr(2) };
    ApicDestView c1 = { .x2apic = true, .phys_id = 0x12,
                        .ldr = apic_x2apic_ldr(0x12) };

    g_assert_true(apic_dest_match(&c0, 0x04, true, false));
    g_assert_false(apic_dest_match(&c1, 0x04, true, false));
    /* Physical 0xFF from an 8-bit sender is a broadcast. */
    g_assert_true(apic_dest_match(&c1, 0xff, false, false));
    g_assert_true(apic_dest_match(&c1, 0x12, false, false));
}

static void test_lowpri_lowest_tpr_wins(void)
{
    ApicLowpriArb a;
    int c[3];
    uint32_t id = 99;

    apic_lowpri_init(&a, 0);
    apic_lowpri_offer(&a, &c[0], 0, 0x30);
    apic_lowpri_offer(&a, &c[1], 1, 0x10);
    apic_lowpri_offer(&a, &c[2], 2, 0x20);
    g_assert_true(apic_lowpri_result(&a, &id) == &c[1]);
    g_assert_cmpuint(id, ==, 1);
    apic_lowpri_init(&a, 0);
    g_assert_null(apic_lowpri_result(&a, &id));
}

static void test_lowpri_ties_rotate_round_robin(void)
{
    int c[3];
    uint32_t last = 2, id = 0;

    /* Equal TPRs: the next ID after the last winner, wrapping around. */
    for (int round = 0; round < 4; round++) {
        ApicLowpriArb a;
        apic_lowpri_init(&a, last);
        apic_lowpri_offer(&a, &c[2], 2, 0);
        apic_lowpri_offer(&a, &c[0], 0, 0);
        apic_lowpri_offer(&a, &c[1], 1, 0);
        g_assert_nonnull(apic_lowpri_result(&a, &id));
        g_assert_cmpuint(id, ==, (last + 1) % 3);
        last = id;
    }
}

static void test_icr_validity_table(void)
{
    /* No shorthand: every defined mode; 3 and 7 are reserved. */
    g_assert_cmpint(apic_icr_check(APIC_DM_FIXED, APIC_SH_NONE, false, true),
                    ==, APIC_ICR_SEND);
    g_assert_cmpint(apic_icr_check(APIC_DM_STARTUP, APIC_SH_NONE, false,
                                   false), ==, APIC_ICR_SEND);
    g_assert_cmpint(apic_icr_check(3, APIC_SH_NONE, false, true), ==,
                    APIC_ICR_DROP);
    g_assert_cmpint(apic_icr_check(APIC_DM_EXTINT, APIC_SH_NONE, false, true),
                    ==, APIC_ICR_DROP);
    /* Level trigger becomes edge, except the INIT de-assert. */
    g_assert_cmpint(apic_icr_check(APIC_DM_FIXED, APIC_SH_NONE, true, true),
                    ==, APIC_ICR_SEND_EDGE);
    g_assert_cmpint(apic_icr_check(APIC_DM_INIT, APIC_SH_NONE, true, false),
                    ==, APIC_ICR_INIT_DEASSERT);
    /* Self and all-including-self: fixed only. */
    g_assert_cmpint(apic_icr_check(APIC_DM_FIXED, APIC_SH_SELF, false, true),
                    ==, APIC_ICR_SEND);
    g_assert_cmpint(apic_icr_check(APIC_DM_NMI, APIC_SH_SELF, false, true),
                    ==, APIC_ICR_DROP);
    g_assert_cmpint(apic_icr_check(APIC_DM_LOWPRI, APIC_SH_ALL_INCL_SELF,
                                   false, true), ==, APIC_ICR_DROP);
    g_assert_cmpint(apic_icr_check(APIC_DM_INIT, APIC_SH_ALL_INCL_SELF, false,
                                   true), ==, APIC_ICR_DROP);
    /* All-excluding-self: fixed, lowest, SMI, NMI, INIT, SIPI. */
    g_assert_cmpint(apic_icr_check(APIC_DM_STARTUP, APIC_SH_ALL_EXCL_SELF,
                                   false, true), ==, APIC_ICR_SEND);
    g_assert_cmpint(apic_icr_check(APIC_DM_INIT, APIC_SH_ALL_EXCL_SELF, false,
                                   true), ==, APIC_ICR_SEND);
    g_assert_cmpint(apic_icr_check(APIC_DM_EXTINT, APIC_SH_ALL_EXCL_SELF,
                                   false, true), ==, APIC_ICR_DROP);
}

static void test_msi_decode_fields(void)
{
    ApicMessage m;

    /* dest 0x12, RH, logical; vector 0x41, lowest priority, level assert */
    g_assert_true(msi_decode(0xfee1200c, 0xc141, &m));
    g_assert_cmpint(m.source, ==, APIC_SRC_MSI);
    g_assert_cmphex(m.dest, ==, 0x12);
    g_assert_true(m.redir_hint);
    g_assert_true(m.dest_logical);
    g_assert_cmphex(m.vector, ==, 0x41);
    g_assert_cmpint(m.delivery_mode, ==, APIC_DM_LOWPRI);
    g_assert_true(m.trigger_level);
    g_assert_true(m.level);
    g_assert_true(msi_decode(0xfee00000, 0x30, &m));
    g_assert_false(m.dest_logical);
    g_assert_false(m.trigger_level);
    g_assert_false(msi_decode(0xfed00000, 0x30, &m));
    g_assert_false(msi_decode(0x1fee00000ULL, 0x30, &m));
}

/* ------------------------------------------------------------------ */
/* Registers through the vCPU's own address space                        */

static void test_reset_values(void)
{
    Fix f;

    fix_init(&f, 2);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_ID), ==, 1u << 24);
    /* 0x14, max LVT 5 (no CMCI), no directed EOI without an IOAPIC 0x20. */
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_VERSION), ==, 0x00050014);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_SVR), ==, 0xff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x10000);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_TIMER), ==, 0x10000);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_APR), ==, 0);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_RRD), ==, 0);
    uint64_t base;
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], MSR_IA32_APICBASE, &base));
    g_assert_cmphex(base, ==, 0xfee00900);
    g_assert_true(x86_cpu_rdmsr(f.cpu[1], MSR_IA32_APICBASE, &base));
    g_assert_cmphex(base, ==, 0xfee00800);
    fix_free(&f);
}

static void test_each_cpu_sees_its_own_lapic(void)
{
    Fix f;

    fix_init(&f, 2);
    wr(f.cpu[0], APIC_REG_TPR, 0x20);
    wr(f.cpu[1], APIC_REG_TPR, 0x30);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_TPR), ==, 0x20);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_TPR), ==, 0x30);
    fix_free(&f);
}

static void test_directed_eoi_in_version_and_svr(void)
{
    Fix f;

    fix_init(&f, 1);
    wr(f.cpu[0], APIC_REG_SVR, 0x11ff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_SVR), ==, 0x1ff);
    apic_bus_set_directed_eoi(true);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_VERSION), ==, 0x01050014);
    wr(f.cpu[0], APIC_REG_SVR, 0x11ff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_SVR), ==, 0x11ff);
    fix_free(&f);
}

static void test_sw_disable_masks_lvts_and_keeps_them_masked(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_LINT0, 0x700);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x700);
    wr(f.cpu[0], APIC_REG_SVR, 0xff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x10700);
    wr(f.cpu[0], APIC_REG_LVT_LINT0, 0x700);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x10700);
    sw_enable(f.cpu[0]);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x10700);
    fix_free(&f);
}

static void test_lvt_writable_bits(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_LINT0, 0xffffffff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_LINT0), ==, 0x1a7ff);
    wr(f.cpu[0], APIC_REG_LVT_ERROR, 0xffffffff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_ERROR), ==, 0x100ff);
    wr(f.cpu[0], APIC_REG_LVT_PERF, 0xffffffff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_PERF), ==, 0x107ff);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0xffffffff);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_LVT_TIMER), ==, 0x700ff);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* IPIs and the acceptance path                                          */

static void test_fixed_ipi_reaches_irr_and_ack_moves_to_isr(void)
{
    Fix f;
    ApicIntr in;

    fix_init(&f, 2);
    sw_enable(f.cpu[0]);
    sw_enable(f.cpu[1]);
    send_ipi(f.cpu[0], 1, 0x40);
    g_assert_true(irr_has(f.cpu[1], 0x40));
    g_assert_false(irr_has(f.cpu[0], 0x40));
    g_assert_true(f.cpu[1]->env.interrupt_request & X86_INTR_HARD);
    in = apic_intr_poll(f.cpu[1]);
    g_assert_cmpint(in.kind, ==, APIC_INTR_FIXED);
    g_assert_cmphex(in.vector, ==, 0x40);
    in = apic_intr_ack(f.cpu[1]);
    g_assert_cmphex(in.vector, ==, 0x40);
    g_assert_false(irr_has(f.cpu[1], 0x40));
    g_assert_true(isr_has(f.cpu[1], 0x40));
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_PPR), ==, 0x40);
    g_assert_false(f.cpu[1]->env.interrupt_request & X86_INTR_HARD);
    wr(f.cpu[1], APIC_REG_EOI, 0);
    g_assert_false(isr_has(f.cpu[1], 0x40));
    fix_free(&f);
}

static void test_ppr_blocks_same_class(void)
{
    Fix f;
    GString *r = g_string_new("");

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_TPR, 0x50);
    send_ipi(f.cpu[0], 0, 0x55);
    apic_intr_poll_reply(f.cpu[0], r);
    g_assert_cmpstr(r->str, ==, "OK none");
    send_ipi(f.cpu[0], 0, 0x61);
    g_string_truncate(r, 0);
    apic_intr_poll_reply(f.cpu[0], r);
    g_assert_cmpstr(r->str, ==, "OK fixed 0x61");
    g_string_free(r, TRUE);
    fix_free(&f);
}

static void test_aliased_ids_both_accept(void)
{
    Fix f;

    fix_init(&f, 3);
    for (int i = 0; i < 3; i++) {
        sw_enable(f.cpu[i]);
    }
    wr(f.cpu[2], APIC_REG_ID, 1u << 24);
    send_ipi(f.cpu[0], 1, 0x41);
    g_assert_true(irr_has(f.cpu[1], 0x41));
    g_assert_true(irr_has(f.cpu[2], 0x41));
    g_assert_false(irr_has(f.cpu[0], 0x41));
    fix_free(&f);
}

static void test_absent_id_vanishes(void)
{
    Fix f;

    fix_init(&f, 2);
    sw_enable(f.cpu[0]);
    sw_enable(f.cpu[1]);
    send_ipi(f.cpu[0], 7, 0x42);
    g_assert_false(irr_has(f.cpu[0], 0x42));
    g_assert_false(irr_has(f.cpu[1], 0x42));
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_ESR), ==, 0);
    fix_free(&f);
}

static void test_shorthands(void)
{
    Fix f;

    fix_init(&f, 3);
    for (int i = 0; i < 3; i++) {
        sw_enable(f.cpu[i]);
    }
    send_ipi(f.cpu[1], 0, 0x50 | 1 << 18);          /* self */
    g_assert_true(irr_has(f.cpu[1], 0x50));
    g_assert_false(irr_has(f.cpu[0], 0x50));
    send_ipi(f.cpu[1], 0, 0x51 | 2 << 18);          /* all including self */
    for (int i = 0; i < 3; i++) {
        g_assert_true(irr_has(f.cpu[i], 0x51));
    }
    send_ipi(f.cpu[1], 0, 0x52 | 3 << 18);          /* all excluding self */
    g_assert_true(irr_has(f.cpu[0], 0x52));
    g_assert_false(irr_has(f.cpu[1], 0x52));
    g_assert_true(irr_has(f.cpu[2], 0x52));
    send_ipi(f.cpu[1], 0, 0x53 | 1 << 18 | 4 << 8); /* NMI to self: invalid */
    g_assert_cmpint(apic_intr_poll(f.cpu[1]).kind, !=, APIC_INTR_NMI);
    fix_free(&f);
}

static void test_logical_flat_ipi(void)
{
    Fix f;

    fix_init(&f, 3);
    for (int i = 0; i < 3; i++) {
        sw_enable(f.cpu[i]);
        wr(f.cpu[i], APIC_REG_LDR, (1u << i) << 24);
    }
    send_ipi(f.cpu[0], 0x06, 0x60 | APIC_ICR_DEST_LOGICAL);
    g_assert_false(irr_has(f.cpu[0], 0x60));
    g_assert_true(irr_has(f.cpu[1], 0x60));
    g_assert_true(irr_has(f.cpu[2], 0x60));
    fix_free(&f);
}

static void test_lowest_priority_ipi_picks_lowest_tpr(void)
{
    Fix f;

    fix_init(&f, 3);
    for (int i = 0; i < 3; i++) {
        sw_enable(f.cpu[i]);
        wr(f.cpu[i], APIC_REG_LDR, (1u << i) << 24);
        wr(f.cpu[i], APIC_REG_TPR, 0x40);
    }
    wr(f.cpu[2], APIC_REG_TPR, 0x10);
    send_ipi(f.cpu[0], 0x07, 0x61 | 1 << 8 | APIC_ICR_DEST_LOGICAL);
    g_assert_false(irr_has(f.cpu[0], 0x61));
    g_assert_false(irr_has(f.cpu[1], 0x61));
    g_assert_true(irr_has(f.cpu[2], 0x61));
    fix_free(&f);
}

static void test_nmi_and_sipi_with_level_zero_work(void)
{
    Fix f;
    ApicIntr in;

    fix_init(&f, 2);
    f.cpu[1]->env.run_state = X86_RUN_WAIT_FOR_SIPI;
    send_ipi(f.cpu[0], 1, 4 << 8);          /* NMI, level 0 */
    /* cpu 1 is an AP waiting for SIPI: only INIT/SIPI count there. */
    g_assert_cmpint(apic_intr_poll(f.cpu[1]).kind, ==, APIC_INTR_NONE);
    send_ipi(f.cpu[0], 1, 6 << 8 | 0x9a);   /* SIPI, level 0 */
    in = apic_intr_poll(f.cpu[1]);
    g_assert_cmpint(in.kind, ==, APIC_INTR_SIPI);
    g_assert_cmphex(in.vector, ==, 0x9a);
    apic_intr_ack(f.cpu[1]);
    g_assert_cmpint(f.cpu[1]->env.run_state, ==, X86_RUN_RUNNING);
    g_assert_cmphex(f.cpu[1]->env.segs[R_CS].selector, ==, 0x9a00);
    g_assert_cmphex(f.cpu[1]->env.segs[R_CS].base, ==, 0x9a000);
    g_assert_cmphex(f.cpu[1]->env.rip, ==, 0);
    /* Now running, the NMI held during wait-for-SIPI shows. */
    g_assert_cmpint(apic_intr_poll(f.cpu[1]).kind, ==, APIC_INTR_NMI);
    fix_free(&f);
}

static void test_init_resets_but_keeps_id_and_waits_for_sipi(void)
{
    Fix f;
    GString *r = g_string_new("");

    fix_init(&f, 2);
    sw_enable(f.cpu[1]);
    wr(f.cpu[1], APIC_REG_ID, 0x05u << 24);
    wr(f.cpu[1], APIC_REG_TPR, 0x30);
    f.cpu[1]->env.run_state = X86_RUN_RUNNING;
    send_ipi(f.cpu[0], 5, 5 << 8 | APIC_ICR_LEVEL);
    apic_intr_ack_reply(f.cpu[1], r);
    g_assert_cmpstr(r->str, ==, "OK init");
    g_assert_cmpint(f.cpu[1]->env.run_state, ==, X86_RUN_WAIT_FOR_SIPI);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_ID), ==, 0x05u << 24);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_TPR), ==, 0);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_SVR), ==, 0xff);
    /* INIT level de-assert is accepted and does nothing. */
    send_ipi(f.cpu[0], 5, 5 << 8 | APIC_ICR_TRIGGER);
    g_assert_cmpint(apic_intr_poll(f.cpu[1]).kind, ==, APIC_INTR_NONE);
    g_string_free(r, TRUE);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* EOI                                                                   */

typedef struct EoiLog {
    int count;
    int last;
} EoiLog;

static void eoi_listener(void *opaque, uint8_t vector)
{
    EoiLog *l = opaque;

    l->count++;
    l->last = vector;
}

static void deliver_level(uint8_t vector, uint32_t dest)
{
    ApicMessage m = {
        .source = APIC_SRC_IOAPIC, .src_cpu = -1, .dest = dest,
        .delivery_mode = APIC_DM_FIXED, .vector = vector,
        .trigger_level = true, .level = true,
    };
    apic_bus_deliver(&m);
}

static void test_level_eoi_broadcasts_unless_suppressed(void)
{
    Fix f;
    EoiLog log = { 0 };

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    apic_bus_add_eoi_listener(eoi_listener, &log);
    deliver_level(0x70, 0);
    g_assert_true(rd(f.cpu[0], APIC_REG_TMR + 0x30) & (1u << 16));
    apic_intr_ack(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_EOI, 0);
    g_assert_cmpint(log.count, ==, 1);
    g_assert_cmpint(log.last, ==, 0x70);
    /* Edge: no broadcast. */
    send_ipi(f.cpu[0], 0, 0x71);
    apic_intr_ack(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_EOI, 0);
    g_assert_cmpint(log.count, ==, 1);
    /* SVR bit 12 without directed-EOI support: ignored, still broadcast. */
    wr(f.cpu[0], APIC_REG_SVR, 0x11ff);
    deliver_level(0x72, 0);
    apic_intr_ack(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_EOI, 0);
    g_assert_cmpint(log.count, ==, 2);
    /* With an IOAPIC that has an EOI register: suppressed. */
    apic_bus_set_directed_eoi(true);
    wr(f.cpu[0], APIC_REG_SVR, 0x11ff);
    deliver_level(0x73, 0);
    apic_intr_ack(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_EOI, 0);
    g_assert_cmpint(log.count, ==, 2);
    apic_bus_remove_eoi_listener(eoi_listener, &log);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* ESR                                                                   */

static void test_esr_write_then_read_and_error_lvt(void)
{
    Fix f;

    fix_init(&f, 2);
    sw_enable(f.cpu[0]);
    sw_enable(f.cpu[1]);
    wr(f.cpu[0], APIC_REG_LVT_ERROR, 0xe0);
    send_ipi(f.cpu[0], 1, 0x05);            /* illegal vector */
    g_assert_false(irr_has(f.cpu[1], 0x05));
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_ESR), ==, 0);
    g_assert_true(irr_has(f.cpu[0], 0xe0));
    wr(f.cpu[0], APIC_REG_ESR, 0);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_ESR), ==,
                    APIC_ESR_SEND_ILLEGAL_VECTOR);
    wr(f.cpu[0], APIC_REG_ESR, 0);
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_ESR), ==, 0);
    /* Receive side: an 8-bit message with vector 3 (e.g. a bad MSI). */
    ApicMessage m = { .source = APIC_SRC_MSI, .src_cpu = -1, .dest = 1,
                      .delivery_mode = APIC_DM_FIXED, .vector = 3,
                      .level = true };
    apic_bus_deliver(&m);
    wr(f.cpu[1], APIC_REG_ESR, 0);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_ESR), ==,
                    APIC_ESR_RECV_ILLEGAL_VECTOR);
    /* An illegal register address. */
    rd(f.cpu[1], 0x3a0);
    wr(f.cpu[1], APIC_REG_ESR, 0);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_ESR), ==, APIC_ESR_ILLEGAL_REG);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* IA32_APIC_BASE                                                        */

static void test_base_relocation_moves_page(void)
{
    Fix f;
    uint64_t v;

    fix_init(&f, 1);
    wr(f.cpu[0], APIC_REG_TPR, 0x20);
    g_assert_true(x86_cpu_wrmsr(f.cpu[0], MSR_IA32_APICBASE,
                                0x80000 | MSR_IA32_APICBASE_ENABLE));
    g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0x80080, 4, &v), ==,
                    MEMTX_OK);
    g_assert_cmphex(v, ==, 0x20);
    /* The old place shows the CPU's MSI hole again. */
    g_assert_cmphex(rd(f.cpu[0], APIC_REG_TPR), ==, 0xffffffff);
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], MSR_IA32_APICBASE, &v));
    g_assert_cmphex(v, ==, 0x80000 | MSR_IA32_APICBASE_ENABLE |
                    MSR_IA32_APICBASE_BSP);
    fix_free(&f);
}

static void test_global_disable_hides_page_and_resets(void)
{
    Fix f;

    fix_init(&f, 2);
    sw_enable(f.cpu[1]);
    wr(f.cpu[1], APIC_REG_ID, 0x09u << 24);
    wr(f.cpu[1], APIC_REG_TPR, 0x20);
    g_assert_true(x86_cpu_wrmsr(f.cpu[1], MSR_IA32_APICBASE,
                                APIC_DEFAULT_ADDRESS));
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_TPR), ==, 0xffffffff);
    wr(f.cpu[1], APIC_REG_TPR, 0x30);           /* dropped */
    /* A disabled APIC hears no IPIs. */
    sw_enable(f.cpu[0]);
    send_ipi(f.cpu[0], 1, 0x44);
    g_assert_true(x86_cpu_wrmsr(f.cpu[1], MSR_IA32_APICBASE,
                                APIC_DEFAULT_ADDRESS |
                                MSR_IA32_APICBASE_ENABLE));
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_ID), ==, 1u << 24);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_TPR), ==, 0);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_SVR), ==, 0xff);
    g_assert_false(irr_has(f.cpu[1], 0x44));
    fix_free(&f);
}

static void test_base_mode_transitions_and_reserved_bits(void)
{
    Fix f;
    const uint64_t en = MSR_IA32_APICBASE_ENABLE, x2 = MSR_IA32_APICBASE_EXTD;
    const uint64_t b = APIC_DEFAULT_ADDRESS;
    X86CPU *c;

    fix_init(&f, 1);
    c = f.cpu[0];
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en | 1));
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en | (1 << 9)));
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE,
                                 b | en | (1ULL << c->model.phys_bits)));
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | x2)); /* invalid */
    g_assert_true(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en | x2));
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en)); /* x2->x */
    g_assert_true(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b));       /* x2->off */
    g_assert_false(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en | x2));
    g_assert_true(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en));
    /* BSP is read-only. */
    g_assert_true(x86_cpu_wrmsr(c, MSR_IA32_APICBASE, b | en));
    uint64_t v;
    g_assert_true(x86_cpu_rdmsr(c, MSR_IA32_APICBASE, &v));
    g_assert_true(v & MSR_IA32_APICBASE_BSP);
    fix_free(&f);
}

static void test_extd_reserved_without_x2apic(void)
{
    Fix f;

    fix_init_model(&f, 1, "qemu64,-x2apic");
    g_assert_false(x86_cpu_wrmsr(f.cpu[0], MSR_IA32_APICBASE,
                                 APIC_DEFAULT_ADDRESS |
                                 MSR_IA32_APICBASE_ENABLE |
                                 MSR_IA32_APICBASE_EXTD));
    uint64_t v;
    g_assert_false(x86_cpu_rdmsr(f.cpu[0], 0x802, &v));
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* x2APIC                                                                */

static void test_x2apic_msrs(void)
{
    Fix f;
    uint64_t v;
    X86CPU *c;

    fix_init(&f, 2);
    c = f.cpu[1];
    g_assert_false(x86_cpu_rdmsr(c, 0x802, &v));        /* not in x2APIC */
    to_x2apic(c);
    g_assert_cmphex(rd(c, APIC_REG_TPR), ==, 0xffffffff);   /* page gone */
    g_assert_true(x86_cpu_rdmsr(c, 0x802, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(x86_cpu_rdmsr(c, 0x80d, &v));
    g_assert_cmphex(v, ==, 0x2);                        /* cluster 0, bit 1 */
    g_assert_false(x86_cpu_wrmsr(c, 0x802, 5));         /* ID read-only */
    g_assert_false(x86_cpu_wrmsr(c, 0x803, 0));         /* version */
    g_assert_false(x86_cpu_wrmsr(c, 0x80a, 0));         /* PPR */
    g_assert_false(x86_cpu_wrmsr(c, 0x80d, 0));         /* LDR */
    g_assert_false(x86_cpu_wrmsr(c, 0x810, 0));         /* ISR */
    g_assert_false(x86_cpu_rdmsr(c, 0x80b, &v));        /* EOI write-only */
    g_assert_false(x86_cpu_rdmsr(c, 0x83f, &v));        /* SELF_IPI */
    g_assert_false(x86_cpu_rdmsr(c, 0x80e, &v));        /* no DFR */
    g_assert_false(x86_cpu_rdmsr(c, 0x831, &v));        /* no ICR high */
    g_assert_false(x86_cpu_rdmsr(c, 0x809, &v));        /* no APR */
    g_assert_false(x86_cpu_rdmsr(c, 0x804, &v));        /* reserved */
    g_assert_false(x86_cpu_wrmsr(c, 0x80b, 1));         /* EOI non-zero */
    g_assert_true(x86_cpu_wrmsr(c, 0x80b, 0));
    g_assert_false(x86_cpu_wrmsr(c, 0x828, 1));         /* ESR non-zero */
    g_assert_false(x86_cpu_wrmsr(c, 0x808, 1ULL << 32)); /* high bits */
    g_assert_true(x86_cpu_wrmsr(c, 0x808, 0x20));
    g_assert_true(x86_cpu_rdmsr(c, 0x808, &v));
    g_assert_cmphex(v, ==, 0x20);
    /* SELF_IPI */
    g_assert_true(x86_cpu_wrmsr(c, 0x80f, 0x1ff));
    g_assert_false(x86_cpu_wrmsr(c, 0x83f, 0x100));
    g_assert_true(x86_cpu_wrmsr(c, 0x83f, 0x45));
    g_assert_true(x86_cpu_rdmsr(c, 0x820 + 2, &v));
    g_assert_cmphex(v, ==, 1u << 5);
    /* 64-bit ICR to x2APIC ID 0 (cpu 0 also in x2APIC mode) */
    to_x2apic(f.cpu[0]);
    g_assert_true(x86_cpu_wrmsr(f.cpu[0], 0x80f, 0x1ff));
    g_assert_false(x86_cpu_wrmsr(c, 0x830, 1ULL << 13 | 0x46));
    g_assert_true(x86_cpu_wrmsr(c, 0x830, 0x46));
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], 0x822, &v));
    g_assert_cmphex(v, ==, 1u << 6);
    g_assert_true(x86_cpu_rdmsr(c, 0x830, &v));
    g_assert_cmphex(v, ==, 0x46);
    /* x2APIC logical: cluster 0, member bit 0 = x2APIC ID 0 */
    g_assert_true(x86_cpu_wrmsr(c, 0x830, 0x1ULL << 32 | 0x847));
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], 0x822, &v));
    g_assert_cmphex(v, ==, 3u << 6);
    fix_free(&f);
}

static void test_ioapic_logical_dest_reaches_x2apic_cluster0(void)
{
    Fix f;
    uint64_t v;

    fix_init(&f, 2);
    for (int i = 0; i < 2; i++) {
        to_x2apic(f.cpu[i]);
        g_assert_true(x86_cpu_wrmsr(f.cpu[i], 0x80f, 0x1ff));
    }
    ApicMessage m = { .source = APIC_SRC_IOAPIC, .src_cpu = -1, .dest = 0x02,
                      .dest_logical = true, .delivery_mode = APIC_DM_FIXED,
                      .vector = 0x48, .level = true };
    apic_bus_deliver(&m);
    g_assert_true(x86_cpu_rdmsr(f.cpu[1], 0x822, &v));
    g_assert_cmphex(v, ==, 1u << 8);
    m.dest_logical = false;
    m.dest = 0xff;
    m.vector = 0x49;
    apic_bus_deliver(&m);
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], 0x822, &v));
    g_assert_cmphex(v, ==, 1u << 9);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* Timer                                                                 */

static void test_timer_oneshot_counts_and_fires(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0x80);
    wr(f.cpu[0], APIC_REG_TIMER_DCR, 0x3);          /* divide by 16 */
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 1000);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 1000);
    clock_step(16 * 250);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 750);
    g_assert_false(irr_has(f.cpu[0], 0x80));
    clock_step(16 * 750 - 1);
    g_assert_false(irr_has(f.cpu[0], 0x80));
    clock_step(1);
    g_assert_true(irr_has(f.cpu[0], 0x80));
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 0);
    clock_step(100000);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 0);
    fix_free(&f);
}

static void test_timer_periodic_reloads(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0x81 | 1 << 17);
    wr(f.cpu[0], APIC_REG_TIMER_DCR, 0xb);          /* divide by 1 */
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 2000);
    clock_step(2000);
    g_assert_true(irr_has(f.cpu[0], 0x81));
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 2000);
    clock_step(600);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 1400);
    apic_intr_ack(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_EOI, 0);
    clock_step(1399);
    g_assert_false(irr_has(f.cpu[0], 0x81));
    clock_step(1);
    g_assert_true(irr_has(f.cpu[0], 0x81));
    /* Initial count 0 stops it. */
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 0);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 0);
    fix_free(&f);
}

static void test_timer_tiny_period_counts_exactly_and_stays_cheap(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0x84 | 1 << 17);
    wr(f.cpu[0], APIC_REG_TIMER_DCR, 0xb);
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 10);           /* a 10 ns period */
    clock_step(1000000000LL + 3);                   /* one second */
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 7);
    g_assert_true(irr_has(f.cpu[0], 0x84));
    fix_free(&f);
}

static void test_timer_tsc_deadline(void)
{
    Fix f;
    uint64_t v;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    /* Other modes: the MSR reads 0 and ignores writes. */
    g_assert_true(x86_cpu_wrmsr(f.cpu[0], MSR_IA32_TSC_DEADLINE, 12345));
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmphex(v, ==, 0);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0x82 | 2 << 17);
    /* Initial-count writes are ignored in TSC-deadline mode. */
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 5);
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_ICR), ==, 0);
    uint64_t tsc = x86_cpu_get_tsc(f.cpu[0]);
    g_assert_true(x86_cpu_wrmsr(f.cpu[0], MSR_IA32_TSC_DEADLINE, tsc + 2000));
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmphex(v, ==, tsc + 2000);
    clock_step(999);                                /* 2 TSC ticks per ns */
    g_assert_false(irr_has(f.cpu[0], 0x82));
    clock_step(1);
    g_assert_true(irr_has(f.cpu[0], 0x82));
    g_assert_true(x86_cpu_rdmsr(f.cpu[0], MSR_IA32_TSC_DEADLINE, &v));
    g_assert_cmphex(v, ==, 0);
    fix_free(&f);
}

static void test_timer_masked_counts_without_interrupt(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_TIMER, 0x83 | APIC_LVT_MASKED);
    wr(f.cpu[0], APIC_REG_TIMER_DCR, 0xb);
    wr(f.cpu[0], APIC_REG_TIMER_ICR, 50);
    clock_step(60);
    g_assert_false(irr_has(f.cpu[0], 0x83));
    g_assert_cmpuint(rd(f.cpu[0], APIC_REG_TIMER_CCR), ==, 0);
    fix_free(&f);
}

/* ------------------------------------------------------------------ */
/* LINT inputs, ExtINT, NMI                                              */

static int fake_pic_vector = -1;
static int fake_pic_acks;

static int fake_pic_peek(void *opaque)
{
    return fake_pic_vector;
}

static int fake_pic_ack(void *opaque)
{
    fake_pic_acks++;
    return fake_pic_vector;
}

static const ApicExtIntOps fake_pic_ops = { fake_pic_peek, fake_pic_ack };

static void test_lint0_extint_asks_the_pic(void)
{
    Fix f;
    qemu_irq lint0;
    ApicIntr in;

    fix_init(&f, 1);
    apic_bus_set_extint_source(&fake_pic_ops, NULL);
    lint0 = qdev_get_gpio_in(DEVICE(f.cpu[0]->apic), APIC_GPIO_LINT0);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_LVT_LINT0, 0x700);        /* ExtINT */
    fake_pic_vector = 0x08;
    qemu_irq_raise(lint0);
    /* ExtINT ignores the PPR. */
    wr(f.cpu[0], APIC_REG_TPR, 0xf0);
    in = apic_intr_poll(f.cpu[0]);
    g_assert_cmpint(in.kind, ==, APIC_INTR_EXTINT);
    g_assert_cmphex(in.vector, ==, 0x08);
    g_assert_cmpint(fake_pic_acks, ==, 0);
    in = apic_intr_ack(f.cpu[0]);
    g_assert_cmphex(in.vector, ==, 0x08);
    g_assert_cmpint(fake_pic_acks, ==, 1);
    qemu_irq_lower(lint0);
    g_assert_cmpint(apic_intr_poll(f.cpu[0]).kind, ==, APIC_INTR_NONE);
    /* Masked LINT0: the PIC is not heard. */
    wr(f.cpu[0], APIC_REG_LVT_LINT0, 0x10700);
    qemu_irq_raise(lint0);
    g_assert_cmpint(apic_intr_poll(f.cpu[0]).kind, ==, APIC_INTR_NONE);
    qemu_irq_lower(lint0);
    apic_bus_set_extint_source(NULL, NULL);
    fake_pic_vector = -1;
    fix_free(&f);
}

static void test_inject_nmi_goes_through_lint1(void)
{
    Fix f;

    fix_init(&f, 2);
    sw_enable(f.cpu[0]);
    sw_enable(f.cpu[1]);
    f.cpu[1]->env.run_state = X86_RUN_RUNNING;
    wr(f.cpu[0], APIC_REG_LVT_LINT1, 0x400);        /* NMI */
    /* cpu 1 keeps LINT1 masked */
    apic_inject_nmi_all();
    g_assert_cmpint(apic_intr_poll(f.cpu[0]).kind, ==, APIC_INTR_NMI);
    g_assert_cmpint(apic_intr_poll(f.cpu[1]).kind, ==, APIC_INTR_NONE);
    g_assert_true(f.cpu[0]->env.interrupt_request & X86_INTR_NMI);
    apic_intr_ack(f.cpu[0]);
    g_assert_false(f.cpu[0]->env.interrupt_request & X86_INTR_NMI);
    fix_free(&f);
}

static void test_nmi_taken_by_cpu_is_not_raised_again(void)
{
    Fix f;

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    send_ipi(f.cpu[0], 0, 4 << 8);                  /* NMI to self by ID */
    g_assert_true(f.cpu[0]->env.interrupt_request & X86_INTR_NMI);
    /* The interpreter takes an NMI by clearing its bit. */
    __atomic_fetch_and(&f.cpu[0]->env.interrupt_request, ~X86_INTR_NMI,
                       __ATOMIC_SEQ_CST);
    wr(f.cpu[0], APIC_REG_TPR, 0x10);
    send_ipi(f.cpu[0], 0, 0x40);
    g_assert_false(f.cpu[0]->env.interrupt_request & X86_INTR_NMI);
    g_assert_cmpint(apic_intr_poll(f.cpu[0]).kind, ==, APIC_INTR_FIXED);
    fix_free(&f);
}

static void test_info_lapic_decodes_registers(void)
{
    Fix f;
    GString *out = g_string_new("");

    fix_init(&f, 1);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_TPR, 0x30);
    send_ipi(f.cpu[0], 0, 0x91);
    apic_info_lapic(f.cpu[0]->apic, out);
    g_assert_nonnull(strstr(out->str, "dump APIC state for CPU 0"));
    g_assert_nonnull(strstr(out->str, "TPR 0x30"));
    g_assert_nonnull(strstr(out->str, "IRR      145"));
    g_assert_nonnull(strstr(out->str, "APIC enabled"));
    g_string_truncate(out, 0);
    apic_info_irq(out);
    g_assert_nonnull(strstr(out->str, "vector 0x91: 1"));
    g_string_free(out, TRUE);
    fix_free(&f);
}

static void test_state_get_set_roundtrip(void)
{
    Fix f;
    ApicRegs r;

    fix_init(&f, 2);
    sw_enable(f.cpu[0]);
    wr(f.cpu[0], APIC_REG_TPR, 0x20);
    send_ipi(f.cpu[0], 0, 0x66);
    apic_get_state(f.cpu[0]->apic, &r);
    apic_set_state(f.cpu[1]->apic, &r);
    g_assert_cmphex(rd(f.cpu[1], APIC_REG_TPR), ==, 0x20);
    g_assert_true(irr_has(f.cpu[1], 0x66));
    g_assert_true(f.cpu[1]->env.interrupt_request & X86_INTR_HARD);
    fix_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_clock_set_qtest_mode(true);

    g_test_add_func("/apic/ppr/max-of-tpr-and-isr-class",
                    test_ppr_is_max_of_tpr_and_isr_class);
    g_test_add_func("/apic/timer/divide-config-all-eight-values",
                    test_divide_config_all_eight_values);
    g_test_add_func("/apic/reg256/highest-bit", test_highest_bit_of_256);
    g_test_add_func("/apic/dest/physical-and-broadcast",
                    test_dest_physical_and_broadcast);
    g_test_add_func("/apic/dest/logical-flat", test_dest_logical_flat);
    g_test_add_func("/apic/dest/logical-cluster", test_dest_logical_cluster);
    g_test_add_func("/apic/dest/x2apic-cluster", test_dest_x2apic_cluster);
    g_test_add_func("/apic/dest/8bit-logical-reaches-x2apic-cluster0",
                    test_dest_8bit_logical_reaches_x2apic_cluster0);
    g_test_add_func("/apic/lowpri/lowest-tpr-wins",
                    test_lowpri_lowest_tpr_wins);
    g_test_add_func("/apic/lowpri/ties-rotate-round-robin",
                    test_lowpri_ties_rotate_round_robin);
    g_test_add_func("/apic/icr/validity-table", test_icr_validity_table);
    g_test_add_func("/apic/msi/decode-fields", test_msi_decode_fields);
    g_test_add_func("/apic/regs/reset-values", test_reset_values);
    g_test_add_func("/apic/regs/each-cpu-sees-its-own-lapic",
                    test_each_cpu_sees_its_own_lapic);
    g_test_add_func("/apic/regs/directed-eoi-in-version-and-svr",
                    test_directed_eoi_in_version_and_svr);
    g_test_add_func("/apic/regs/sw-disable-keeps-lvts-masked",
                    test_sw_disable_masks_lvts_and_keeps_them_masked);
    g_test_add_func("/apic/regs/lvt-writable-bits", test_lvt_writable_bits);
    g_test_add_func("/apic/ipi/fixed-reaches-irr-ack-moves-to-isr",
                    test_fixed_ipi_reaches_irr_and_ack_moves_to_isr);
    g_test_add_func("/apic/accept/ppr-blocks-same-class",
                    test_ppr_blocks_same_class);
    g_test_add_func("/apic/ipi/aliased-ids-both-accept",
                    test_aliased_ids_both_accept);
    g_test_add_func("/apic/ipi/absent-id-vanishes", test_absent_id_vanishes);
    g_test_add_func("/apic/ipi/shorthands", test_shorthands);
    g_test_add_func("/apic/ipi/logical-flat", test_logical_flat_ipi);
    g_test_add_func("/apic/ipi/lowest-priority-picks-lowest-tpr",
                    test_lowest_priority_ipi_picks_lowest_tpr);
    g_test_add_func("/apic/ipi/nmi-and-sipi-with-level-zero",
                    test_nmi_and_sipi_with_level_zero_work);
    g_test_add_func("/apic/init/keeps-id-waits-for-sipi",
                    test_init_resets_but_keeps_id_and_waits_for_sipi);
    g_test_add_func("/apic/eoi/level-broadcasts-unless-suppressed",
                    test_level_eoi_broadcasts_unless_suppressed);
    g_test_add_func("/apic/esr/write-then-read-and-error-lvt",
                    test_esr_write_then_read_and_error_lvt);
    g_test_add_func("/apic/base/relocation-moves-page",
                    test_base_relocation_moves_page);
    g_test_add_func("/apic/base/global-disable-hides-page-and-resets",
                    test_global_disable_hides_page_and_resets);
    g_test_add_func("/apic/base/mode-transitions-and-reserved-bits",
                    test_base_mode_transitions_and_reserved_bits);
    g_test_add_func("/apic/base/extd-reserved-without-x2apic",
                    test_extd_reserved_without_x2apic);
    g_test_add_func("/apic/x2apic/msrs", test_x2apic_msrs);
    g_test_add_func("/apic/x2apic/ioapic-logical-dest-reaches-cluster0",
                    test_ioapic_logical_dest_reaches_x2apic_cluster0);
    g_test_add_func("/apic/timer/oneshot-counts-and-fires",
                    test_timer_oneshot_counts_and_fires);
    g_test_add_func("/apic/timer/periodic-reloads",
                    test_timer_periodic_reloads);
    g_test_add_func("/apic/timer/tiny-period-counts-exactly",
                    test_timer_tiny_period_counts_exactly_and_stays_cheap);
    g_test_add_func("/apic/timer/tsc-deadline", test_timer_tsc_deadline);
    g_test_add_func("/apic/timer/masked-counts-without-interrupt",
                    test_timer_masked_counts_without_interrupt);
    g_test_add_func("/apic/lint/lint0-extint-asks-the-pic",
                    test_lint0_extint_asks_the_pic);
    g_test_add_func("/apic/lint/inject-nmi-through-lint1",
                    test_inject_nmi_goes_through_lint1);
    g_test_add_func("/apic/lint/nmi-taken-by-cpu-is-not-raised-again",
                    test_nmi_taken_by_cpu_is_not_raised_again);
    g_test_add_func("/apic/info/lapic-decodes-registers",
                    test_info_lapic_decodes_registers);
    g_test_add_func("/apic/state/get-set-roundtrip",
                    test_state_get_set_roundtrip);
    return g_test_run();
}
