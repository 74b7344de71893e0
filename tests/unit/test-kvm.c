/*
 * Tests of the KVM accelerator. The first group is pure logic and runs
 * everywhere lapis is built with KVM: the kernel-irqchip values, the
 * capability check of each mode against a made-up capability table, the
 * PC's GSI routing table, segment conversion, CPUID filtering against a
 * made-up KVM_GET_SUPPORTED_CPUID answer, and the LAPIC reset state. The
 * "live" group drives the real accelerator without the launcher: one VM
 * with 2 MiB of RAM, one vCPU in 32-bit flat protected mode, small
 * hand-assembled programs (GNU as, .code32; bytes below), a port I/O test
 * device at 0x500 and an MMIO one at 0xD0000000. Those skip, with the
 * reason, where /dev/kvm is missing or KVM_CREATE_VM fails.
 */
#include "qemu/osdep.h"
#include "config-host.h"

#ifdef CONFIG_KVM

#include "accel/accel.h"
#include "accel/kvm.h"
#include "accel/kvm/kvm-int.h"
#include "target/i386/kvm/kvm-i386.h"
#include "hw/i386/kvm/kvm-apic-bus.h"
#include "hw/i386/kvm/kvm-irqchip-state.h"
#include "target/i386/cpu.h"
#include "hw/boards.h"
#include "qemu/main-loop.h"
#include "softmmu/cpus.h"
#include "softmmu/memory.h"
#include "softmmu/runstate.h"

/* ------------------------------------------------------------------------
 * kernel-irqchip values and capability checks
 */

static void test_mode_parse_accepts_on_split_off(void)
{
    static const struct { const char *text; KVMIrqchipMode mode; } ok[] = {
        { "on", KVM_IRQCHIP_ON }, { "true", KVM_IRQCHIP_ON },
        { "yes", KVM_IRQCHIP_ON }, { "split", KVM_IRQCHIP_SPLIT },
        { "off", KVM_IRQCHIP_OFF }, { "false", KVM_IRQCHIP_OFF },
        { "no", KVM_IRQCHIP_OFF },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        KVMIrqchipMode mode = (KVMIrqchipMode)-1;
        GError *err = NULL;
        g_assert_true(kvm_irqchip_mode_parse(ok[i].text, &mode, &err));
        g_assert_no_error(err);
        g_assert_cmpint(mode, ==, ok[i].mode);
    }
    g_assert_cmpstr(kvm_irqchip_mode_str(KVM_IRQCHIP_SPLIT), ==, "split");
}

static void test_mode_parse_rejects_unknown(void)
{
    KVMIrqchipMode mode = KVM_IRQCHIP_ON;
    GError *err = NULL;

    g_assert_false(kvm_irqchip_mode_parse("partial", &mode, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'partial'"));
    g_error_free(err);
}

typedef struct FakeCaps {
    int missing[4];             /* caps answered 0 */
    int nmissing;
    int vm_level_queries;
} FakeCaps;

static int fake_cap_query(int cap, bool vm_level, void *opaque)
{
    FakeCaps *f = opaque;

    f->vm_level_queries += vm_level;
    for (int i = 0; i < f->nmissing; i++) {
        if (f->missing[i] == cap) {
            return 0;
        }
    }
    return 1;
}

static void test_caps_all_present_passes(void)
{
    for (KVMIrqchipMode m = KVM_IRQCHIP_ON; m <= KVM_IRQCHIP_OFF; m++) {
        FakeCaps f = { .nmissing = 0 };
        GError *err = NULL;
        g_assert_true(kvm_check_mode_caps(m, fake_cap_query, &f, &err));
        g_assert_no_error(err);
    }
}

static bool mode_requires(KVMIrqchipMode mode, int cap)
{
    for (const KVMCapRequirement *r = kvm_mode_requirements(mode); r->name;
         r++) {
        if (r->cap == cap) {
            return true;
        }
    }
    return false;
}

static void test_caps_each_mode_needs_its_own(void)
{
    g_assert_true(mode_requires(KVM_IRQCHIP_ON, KVM_CAP_IRQCHIP));
    g_assert_true(mode_requires(KVM_IRQCHIP_ON, KVM_CAP_IRQ_ROUTING));
    g_assert_false(mode_requires(KVM_IRQCHIP_ON, KVM_CAP_SPLIT_IRQCHIP));
    g_assert_true(mode_requires(KVM_IRQCHIP_SPLIT, KVM_CAP_SPLIT_IRQCHIP));
    g_assert_true(mode_requires(KVM_IRQCHIP_SPLIT, KVM_CAP_X2APIC_API));
    g_assert_true(mode_requires(KVM_IRQCHIP_SPLIT, KVM_CAP_SIGNAL_MSI));
    g_assert_false(mode_requires(KVM_IRQCHIP_SPLIT, KVM_CAP_IRQCHIP));
    g_assert_true(mode_requires(KVM_IRQCHIP_OFF, KVM_CAP_X86_USER_SPACE_MSR));
    g_assert_true(mode_requires(KVM_IRQCHIP_OFF, KVM_CAP_X86_MSR_FILTER));
    g_assert_false(mode_requires(KVM_IRQCHIP_OFF, KVM_CAP_IRQCHIP));
    for (KVMIrqchipMode m = KVM_IRQCHIP_ON; m <= KVM_IRQCHIP_OFF; m++) {
        g_assert_true(mode_requires(m, KVM_CAP_USER_MEMORY));
    }
}

static void test_caps_error_names_every_missing_cap(void)
{
    FakeCaps f = { .missing = { KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_X2APIC_API },
                   .nmissing = 2 };
    GError *err = NULL;

    g_assert_false(kvm_check_mode_caps(KVM_IRQCHIP_SPLIT, fake_cap_query, &f,
                                       &err));
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, ERROR_CLASS_KVM_MISSING_CAP);
    g_assert_nonnull(strstr(err->message, "kernel-irqchip=split"));
    g_assert_nonnull(strstr(err->message, "KVM_CAP_SPLIT_IRQCHIP"));
    g_assert_nonnull(strstr(err->message, "KVM_CAP_X2APIC_API"));
    g_assert_null(strstr(err->message, "KVM_CAP_SIGNAL_MSI"));
    g_assert_null(strchr(err->message, '\n'));
    g_error_free(err);
}

static void test_caps_vm_level_asked_on_vm(void)
{
    FakeCaps f = { .nmissing = 0 };

    /* SIGNAL_MSI, SPLIT_IRQCHIP and X2APIC_API are per-VM answers. */
    g_assert_true(kvm_check_mode_caps(KVM_IRQCHIP_SPLIT, fake_cap_query, &f,
                                      NULL));
    g_assert_cmpint(f.vm_level_queries, ==, 3);
}

static void test_caps_unaffected_mode_ignores_missing(void)
{
    FakeCaps f = { .missing = { KVM_CAP_X86_MSR_FILTER }, .nmissing = 1 };

    g_assert_true(kvm_check_mode_caps(KVM_IRQCHIP_ON, fake_cap_query, &f,
                                      NULL));
    g_assert_false(kvm_check_mode_caps(KVM_IRQCHIP_OFF, fake_cap_query, &f,
                                       NULL));
}

static void test_module_param_parse(void)
{
    g_assert_cmpint(kvm_module_param_bool("Y\n"), ==, 1);
    g_assert_cmpint(kvm_module_param_bool("1\n"), ==, 1);
    g_assert_cmpint(kvm_module_param_bool("N\n"), ==, 0);
    g_assert_cmpint(kvm_module_param_bool("0"), ==, 0);
    g_assert_cmpint(kvm_module_param_bool(""), ==, -1);
    g_assert_cmpint(kvm_module_param_bool(NULL), ==, -1);
}

/* ------------------------------------------------------------------------
 * GSI routing
 */

typedef struct RouteSet {
    struct kvm_irq_routing_entry e[64];
    int n;
} RouteSet;

static void routes_get(RouteSet *r)
{
    r->n = kvm_pc_gsi_routes(r->e, (int)G_N_ELEMENTS(r->e));
    g_assert_cmpint(r->n, <=, (int)G_N_ELEMENTS(r->e));
}

static int routes_find(const RouteSet *r, uint32_t gsi, uint32_t chip,
                       uint32_t *pin)
{
    int count = 0;

    for (int i = 0; i < r->n; i++) {
        if (r->e[i].gsi == gsi && r->e[i].u.irqchip.irqchip == chip) {
            g_assert_cmpuint(r->e[i].type, ==, KVM_IRQ_ROUTING_IRQCHIP);
            *pin = r->e[i].u.irqchip.pin;
            count++;
        }
    }
    return count;
}

static void test_routes_isa_irq0_on_ioapic_pin2(void)
{
    RouteSet r;
    uint32_t pin = 99;

    routes_get(&r);
    g_assert_cmpint(routes_find(&r, 0, KVM_IRQCHIP_IOAPIC, &pin), ==, 1);
    g_assert_cmpuint(pin, ==, 2);
    g_assert_cmpint(routes_find(&r, 0, KVM_IRQCHIP_PIC_MASTER, &pin), ==, 1);
    g_assert_cmpuint(pin, ==, 0);
}

static void test_routes_gsi2_has_no_route(void)
{
    RouteSet r;

    routes_get(&r);
    for (int i = 0; i < r.n; i++) {
        g_assert_cmpuint(r.e[i].gsi, !=, 2);
    }
}

static void test_routes_gsi_reach_pic_and_ioapic(void)
{
    RouteSet r;

    routes_get(&r);
    for (uint32_t gsi = 1; gsi < KVM_PC_GSI_COUNT; gsi++) {
        uint32_t pin = 99;
        if (gsi == 2) {
            continue;
        }
        g_assert_cmpint(routes_find(&r, gsi, KVM_IRQCHIP_IOAPIC, &pin), ==, 1);
        g_assert_cmpuint(pin, ==, gsi);
        if (gsi < 8) {
            g_assert_cmpint(routes_find(&r, gsi, KVM_IRQCHIP_PIC_MASTER, &pin),
                            ==, 1);
            g_assert_cmpuint(pin, ==, gsi);
        } else if (gsi < 16) {
            g_assert_cmpint(routes_find(&r, gsi, KVM_IRQCHIP_PIC_SLAVE, &pin),
                            ==, 1);
            g_assert_cmpuint(pin, ==, gsi - 8);
        } else {
            g_assert_cmpint(routes_find(&r, gsi, KVM_IRQCHIP_PIC_MASTER, &pin),
                            ==, 0);
            g_assert_cmpint(routes_find(&r, gsi, KVM_IRQCHIP_PIC_SLAVE, &pin),
                            ==, 0);
        }
    }
    /* 15 ISA lines (0-15 but 2) on both chips, 8 more on the IOAPIC. */
    g_assert_cmpint(r.n, ==, 15 * 2 + 8);
}

static void test_routes_count_without_buffer(void)
{
    g_assert_cmpint(kvm_pc_gsi_routes(NULL, 0), ==, 38);
}

/* ------------------------------------------------------------------------
 * Segments
 */

static void test_seg_round_trip_every_field(void)
{
    SegmentCache in = {
        .selector = 0x2b, .base = 0xffff800012340000ULL, .limit = 0xfffff,
        .flags = (0xbU << KVM_SEG_TYPE_SHIFT) | KVM_SEG_S |
                 (3U << KVM_SEG_DPL_SHIFT) | KVM_SEG_P | KVM_SEG_AVL |
                 KVM_SEG_L | KVM_SEG_G,
    };
    SegmentCache out = { 0 };
    struct kvm_segment ks;

    kvm_seg_from_cache(&in, false, &ks);
    g_assert_cmpuint(ks.selector, ==, 0x2b);
    g_assert_cmpuint(ks.base, ==, in.base);
    g_assert_cmpuint(ks.limit, ==, 0xfffff);
    g_assert_cmpuint(ks.type, ==, 0xb);
    g_assert_cmpuint(ks.s, ==, 1);
    g_assert_cmpuint(ks.dpl, ==, 3);
    g_assert_cmpuint(ks.present, ==, 1);
    g_assert_cmpuint(ks.avl, ==, 1);
    g_assert_cmpuint(ks.l, ==, 1);
    g_assert_cmpuint(ks.db, ==, 0);
    g_assert_cmpuint(ks.g, ==, 1);
    g_assert_cmpuint(ks.unusable, ==, 0);
    kvm_seg_to_cache(&ks, &out);
    g_assert_cmpuint(out.selector, ==, in.selector);
    g_assert_cmpuint(out.base, ==, in.base);
    g_assert_cmpuint(out.limit, ==, in.limit);
    g_assert_cmphex(out.flags, ==, in.flags);

    in.flags = (0x3U << KVM_SEG_TYPE_SHIFT) | KVM_SEG_S | KVM_SEG_P |
               KVM_SEG_DB;
    kvm_seg_from_cache(&in, false, &ks);
    g_assert_cmpuint(ks.db, ==, 1);
    g_assert_cmpuint(ks.l, ==, 0);
    kvm_seg_to_cache(&ks, &out);
    g_assert_cmphex(out.flags, ==, in.flags);
}

static void test_seg_not_present_is_unusable(void)
{
    SegmentCache null_seg = { .selector = 0, .flags = 0 };
    SegmentCache back;
    struct kvm_segment ks;

    kvm_seg_from_cache(&null_seg, false, &ks);
    g_assert_cmpuint(ks.present, ==, 0);
    g_assert_cmpuint(ks.unusable, ==, 1);
    /* An unusable segment comes back not present, whatever P says. */
    ks.present = 1;
    kvm_seg_to_cache(&ks, &back);
    g_assert_cmphex(back.flags & KVM_SEG_P, ==, 0);
}

static void test_seg_vm86_form(void)
{
    SegmentCache sc = { .selector = 0x1234, .base = 0, .limit = 0,
                        .flags = 0 };
    struct kvm_segment ks;

    kvm_seg_from_cache(&sc, true, &ks);
    g_assert_cmphex(ks.base, ==, 0x12340);
    g_assert_cmphex(ks.limit, ==, 0xffff);
    g_assert_cmpuint(ks.type, ==, 3);
    g_assert_cmpuint(ks.dpl, ==, 3);
    g_assert_cmpuint(ks.present, ==, 1);
    g_assert_cmpuint(ks.s, ==, 1);
}

/* ------------------------------------------------------------------------
 * CPUID
 */

typedef struct FakeCpuid {
    struct kvm_cpuid2 hdr;
    struct kvm_cpuid_entry2 e[8];
} FakeCpuid;

static X86CPU *cpuid_cpu(const char *spec)
{
    X86CPUModel model;
    GError *err = NULL;
    X86CPU *cpu;

    g_assert_true(x86_cpu_model_parse(spec, &model, &err));
    g_assert_no_error(err);
    cpu = x86_cpu_new(&model, 0, 0, NULL);
    cpu->is_bsp = true;
    x86_cpu_reset(cpu);
    return cpu;
}

/* A host that supports everything except what `clear_*` names. */
static void fake_supported(FakeCpuid *f, uint32_t clear_1_ecx,
                           uint32_t clear_1_edx, uint32_t ext_edx)
{
    memset(f, 0, sizeof(*f));
    f->hdr.nent = 4;
    f->e[0] = (struct kvm_cpuid_entry2) { .function = 1,
        .ecx = ~clear_1_ecx, .edx = ~clear_1_edx };
    f->e[1] = (struct kvm_cpuid_entry2) { .function = 7, .index = 0,
        .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
        .ebx = ~0U, .ecx = ~0U, .edx = ~0U };
    f->e[2] = (struct kvm_cpuid_entry2) { .function = 0x80000001,
        .ecx = ~0U, .edx = ext_edx };
    f->e[3] = (struct kvm_cpuid_entry2) { .function = 0x80000007,
        .edx = ~0U };
}

static const struct kvm_cpuid_entry2 *built_find(
    const struct kvm_cpuid_entry2 *e, int n, uint32_t fn, uint32_t idx)
{
    for (int i = 0; i < n; i++) {
        if (e[i].function == fn && e[i].index == idx) {
            return &e[i];
        }
    }
    return NULL;
}

static void test_cpuid_feature_words_filtered(void)
{
    X86CPU *cpu = cpuid_cpu("max,+sse3,+popcnt");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = true, .tsc_deadline = true };
    struct kvm_cpuid_entry2 out[128];
    g_autoptr(GString) dropped = g_string_new(NULL);
    const struct kvm_cpuid_entry2 *l1;
    uint32_t a, b, c, d;
    int n;

    fake_supported(&f, CPUID_EXT_POPCNT, 0, ~0U);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, dropped);
    l1 = built_find(out, n, 1, 0);
    g_assert_nonnull(l1);
    x86_cpu_cpuid(cpu, 1, 0, &a, &b, &c, &d);
    g_assert_cmphex(l1->ecx, ==, c & ~CPUID_EXT_POPCNT);
    g_assert_cmphex(l1->edx, ==, d);
    g_assert_nonnull(strstr(dropped->str, "CPUID.01H:ECX [bit 23]"));
    x86_cpu_free(cpu);
}

static void test_cpuid_x2apic_needs_kernel_lapic(void)
{
    X86CPU *cpu = cpuid_cpu("max,+x2apic");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = false };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *l1;
    int n;

    fake_supported(&f, 0, 0, ~0U);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_X2APIC, ==, 0);
    host.lapic_in_kernel = true;
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_X2APIC, ==, CPUID_EXT_X2APIC);
    x86_cpu_free(cpu);
}

/* kernel-irqchip=off with the MSR filter: the x2APIC MSRs reach our LAPIC,
 * so x2APIC stays in CPUID; TSC-deadline does not (our LAPIC counts
 * lapis's TSC, not the guest's). */
static void test_cpuid_x2apic_with_msr_filter(void)
{
    X86CPU *cpu = cpuid_cpu("max,+x2apic");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = false, .msr_filter = true,
                              .tsc_deadline = true };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *l1;
    int n;

    fake_supported(&f, 0, 0, ~0U);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_X2APIC, ==, CPUID_EXT_X2APIC);
    g_assert_cmphex(l1->ecx & CPUID_EXT_TSC_DEADLINE_TIMER, ==, 0);
    host.msr_filter = false;
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_X2APIC, ==, 0);
    x86_cpu_free(cpu);
}

static void test_cpuid_tsc_deadline_from_capability(void)
{
    X86CPU *cpu = cpuid_cpu("max,+tsc-deadline");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = true, .tsc_deadline = false };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *l1;
    uint32_t a, b, c, d;
    int n;

    x86_cpu_cpuid(cpu, 1, 0, &a, &b, &c, &d);
    g_assert_cmphex(c & CPUID_EXT_TSC_DEADLINE_TIMER, !=, 0);
    /* The supported table never lists TSC-deadline: only the capability. */
    fake_supported(&f, CPUID_EXT_TSC_DEADLINE_TIMER | CPUID_EXT_HYPERVISOR,
                   0, ~0U);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_TSC_DEADLINE_TIMER, ==, 0);
    /* The hypervisor bit stays whatever the table says. */
    g_assert_cmphex(l1->ecx & CPUID_EXT_HYPERVISOR, ==,
                    c & CPUID_EXT_HYPERVISOR);
    host.tsc_deadline = true;
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_cmphex(l1->ecx & CPUID_EXT_TSC_DEADLINE_TIMER, !=, 0);
    x86_cpu_free(cpu);
}

static void test_cpuid_amd_aliases_follow_leaf1(void)
{
    X86CPU *cpu = cpuid_cpu("qemu64");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = true };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *e;
    uint32_t a, b, c, d;
    int n;

    /* An Intel host: 0x80000001 EDX lists only SYSCALL, NX, LM. */
    fake_supported(&f, 0, 0, CPUID_EXT2_SYSCALL | CPUID_EXT2_NX |
                   CPUID_EXT2_LM);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    e = built_find(out, n, 0x80000001, 0);
    g_assert_nonnull(e);
    x86_cpu_cpuid(cpu, 0x80000001, 0, &a, &b, &c, &d);
    /* qemu64 is "AuthenticAMD": FPU, TSC, CMOV... are repeated there. */
    g_assert_cmphex(d & CPUID_FP87, !=, 0);
    g_assert_cmphex(e->edx & CPUID_FP87, !=, 0);
    g_assert_cmphex(e->edx & CPUID_CMOV, ==, d & CPUID_CMOV);
    x86_cpu_free(cpu);
}

static void test_cpuid_identity_leaves_untouched(void)
{
    X86CPU *cpu = cpuid_cpu("max");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = true };
    struct kvm_cpuid_entry2 out[128];
    uint32_t a, b, c, d;
    int n;

    fake_supported(&f, ~0U, ~0U, 0);    /* a host with no features at all */
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    for (int i = 0; i < n; i++) {
        uint32_t fn = out[i].function;
        if (fn == 0 || fn == 0x80000000 || (fn >= 0x80000002 &&
                                            fn <= 0x80000004)) {
            x86_cpu_cpuid(cpu, fn, 0, &a, &b, &c, &d);
            g_assert_cmphex(out[i].eax, ==, a);
            g_assert_cmphex(out[i].ebx, ==, b);
            g_assert_cmphex(out[i].ecx, ==, c);
            g_assert_cmphex(out[i].edx, ==, d);
        }
    }
    g_assert_nonnull(built_find(out, n, 0x80000004, 0));
    x86_cpu_free(cpu);
}

static void test_cpuid_subleaf_leaves_flagged(void)
{
    X86CPU *cpu = cpuid_cpu("max");
    FakeCpuid f;
    KVMCpuidHostInfo host = { .lapic_in_kernel = true };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *e;
    int n;

    fake_supported(&f, 0, 0, ~0U);
    n = kvm_cpuid_build(cpu, &f.hdr, &host, out, 128, NULL);
    e = built_find(out, n, 7, 0);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX, !=, 0);
    e = built_find(out, n, 1, 0);
    g_assert_cmpuint(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX, ==, 0);
    /* Leaf 0xB: SMT and core levels, then the invalid level that ends it. */
    if (built_find(out, n, 0xb, 0)) {
        g_assert_nonnull(built_find(out, n, 0xb, 1));
        e = built_find(out, n, 0xb, 2);
        g_assert_nonnull(e);
        g_assert_cmpuint((e->ecx >> 8) & 0xff, ==, 0);
        g_assert_null(built_find(out, n, 0xb, 3));
    }
    x86_cpu_free(cpu);
}

/* ------------------------------------------------------------------------
 * LAPIC reset state
 */

static void test_lapic_reset_state(void)
{
    struct kvm_lapic_state s;

    memset(s.regs, 0x5a, sizeof(s.regs));
    kvm_lapic_set_reg(&s, KVM_APIC_LVR, 0x50014);
    kvm_lapic_reset_state(&s, 3);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_LVR), ==, 0x50014);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_ID), ==, 3U << 24);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_SVR), ==, 0xff);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_DFR), ==, 0xffffffff);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_TPR), ==, 0);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_LDR), ==, 0);
    for (unsigned off = KVM_APIC_LVT_TIMER; off <= KVM_APIC_LVT_ERROR;
         off += 0x10) {
        g_assert_cmphex(kvm_lapic_get_reg(&s, off), ==, KVM_APIC_LVT_MASKED);
    }
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_LVT_CMCI), ==,
                    KVM_APIC_LVT_MASKED);
    for (unsigned i = 0; i < 8; i++) {
        g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_IRR + i * 0x10), ==, 0);
        g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_ISR + i * 0x10), ==, 0);
        g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_TMR + i * 0x10), ==, 0);
    }
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_TMICT), ==, 0);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_TDCR), ==, 0);
    g_assert_cmphex(kvm_lapic_get_reg(&s, KVM_APIC_ICR), ==, 0);
}

/* ------------------------------------------------------------------------
 * APIC bus messages as MSIs
 */

static void test_msi_encode_round_trips(void)
{
    static const ApicMessage msgs[] = {
        { .dest = 0, .vector = 0x42, .delivery_mode = APIC_DM_FIXED,
          .level = true },
        { .dest = 0x5a, .dest_logical = true, .redir_hint = true,
          .vector = 0x31, .delivery_mode = APIC_DM_LOWPRI, .level = true },
        { .dest = 0xff, .vector = 0x90, .delivery_mode = APIC_DM_FIXED,
          .trigger_level = true, .level = true },
        { .dest = 3, .vector = 0, .delivery_mode = APIC_DM_NMI,
          .level = true },
        { .dest = 7, .vector = 0x9f, .delivery_mode = APIC_DM_EXTINT,
          .trigger_level = true, .level = false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(msgs); i++) {
        ApicMessage back;
        uint64_t addr;
        uint32_t data;

        kvm_apic_msg_to_msi(&msgs[i], false, &addr, &data);
        g_assert_cmphex(addr >> 20, ==, 0xfee);
        g_assert_true(msi_decode(addr, data, &back));
        g_assert_cmpuint(back.dest, ==, msgs[i].dest);
        g_assert_cmpint(back.dest_logical, ==, msgs[i].dest_logical);
        g_assert_cmpint(back.redir_hint, ==, msgs[i].redir_hint);
        g_assert_cmpuint(back.vector, ==, msgs[i].vector);
        g_assert_cmpint(back.delivery_mode, ==, msgs[i].delivery_mode);
        g_assert_cmpint(back.trigger_level, ==, msgs[i].trigger_level);
        g_assert_cmpint(back.level, ==, msgs[i].level);
    }
}

static void test_msi_encode_ext_dest(void)
{
    ApicMessage m = { .dest = 0x12345, .vector = 0x40,
                      .delivery_mode = APIC_DM_FIXED, .level = true };
    uint64_t addr;
    uint32_t data;

    kvm_apic_msg_to_msi(&m, true, &addr, &data);
    g_assert_cmphex((addr >> 12) & 0xff, ==, 0x45);
    g_assert_cmphex(addr >> 40, ==, 0x123);
    kvm_apic_msg_to_msi(&m, false, &addr, &data);
    g_assert_cmphex(addr >> 32, ==, 0);
}

static void test_split_routes_mirror_unmasked_pins(void)
{
    uint64_t redtbl[24];
    struct kvm_irq_routing_entry e[24];
    int n;

    for (int pin = 0; pin < 24; pin++) {
        redtbl[pin] = 1ULL << 16;           /* masked */
    }
    /* Pin 4: vector 0x41, fixed, physical APIC 1, edge. */
    redtbl[4] = 0x41 | (1ULL << 56);
    /* Pin 9: vector 0x59, lowest priority, logical 0x0f, level. */
    redtbl[9] = 0x59 | (1ULL << 8) | (1ULL << 11) | (1ULL << 15) |
                (0x0fULL << 56);
    n = kvm_split_ioapic_routes(redtbl, 24, e);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(e[0].gsi, ==, 4);
    g_assert_cmpuint(e[0].type, ==, KVM_IRQ_ROUTING_MSI);
    g_assert_cmphex(e[0].u.msi.address_lo, ==, 0xfee01000);
    g_assert_cmphex(e[0].u.msi.address_hi, ==, 0);
    g_assert_cmphex(e[0].u.msi.data, ==, 0x4041);
    g_assert_cmpuint(e[1].gsi, ==, 9);
    g_assert_cmphex(e[1].u.msi.address_lo, ==, 0xfee0f004);
    /* Level-triggered (bit 15) and asserted (bit 14): the vector the
     * kernel must report EOIs for. */
    g_assert_cmphex(e[1].u.msi.data, ==, 0xc159);
}

/* ------------------------------------------------------------------------
 * Common interrupt-controller state <-> the kernel's structures
 */

static void fill_apic_regs(ApicRegs *r, uint32_t seed)
{
    memset(r, 0, sizeof(*r));
    r->apicbase = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE;
    r->id = 0x5a;
    r->tpr = 0x30;
    r->ldr = 0x04000000;
    r->dfr = 0x0fffffff;
    r->svr = 0x1ff;
    for (unsigned i = 0; i < 8; i++) {
        r->isr[i] = seed * 3 + i;
        r->tmr[i] = seed * 5 + i * 7;
        r->irr[i] = seed * 11 + i * 13;
    }
    r->esr = 0x40;
    for (unsigned i = 0; i < APIC_LVT_NB; i++) {
        r->lvt[i] = 0x10000 | (0x20 + i);
    }
    r->icr_lo = 0x000c4500;
    r->icr_hi = 0x03000000;
    r->timer_initial = 0x123456;
    r->timer_dcr = 0xb;
    /* Fields the kernel keeps elsewhere: they must come from `base`. */
    r->esr_pending = 0x80;
    r->timer_start_ns = 987654321;
    r->tsc_deadline = 0x1000;
    r->events = 3;
    r->sipi_vector = 0x9a;
    r->lint_level[0] = true;
}

static void test_lapic_state_round_trip(void)
{
    ApicRegs in, out;
    struct kvm_lapic_state k, k2;

    fill_apic_regs(&in, 0x1234);
    kvm_lapic_from_common(&in, false, &k);
    g_assert_cmphex(kvm_lapic_get_reg(&k, APIC_REG_ID), ==, 0x5aU << 24);
    g_assert_cmphex(kvm_lapic_get_reg(&k, APIC_REG_LVT_CMCI), ==,
                    0x10000 | (0x20 + APIC_LVT_CMCI));
    g_assert_cmphex(kvm_lapic_get_reg(&k, APIC_REG_LVT_LINT0), ==,
                    0x10000 | (0x20 + APIC_LVT_LINT0));
    kvm_lapic_to_common(&k, false, &in, &out);
    g_assert_cmpmem(&in, sizeof(in), &out, sizeof(out));
    /* And the kernel's page survives the trip the other way. */
    kvm_lapic_from_common(&out, false, &k2);
    g_assert_cmpmem(k.regs, sizeof(k.regs), k2.regs, sizeof(k2.regs));
}

static void test_lapic_state_x2apic_id(void)
{
    ApicRegs in, out;
    struct kvm_lapic_state k;

    fill_apic_regs(&in, 7);
    in.apicbase |= MSR_IA32_APICBASE_EXTD;
    in.id = 0x1234;
    kvm_lapic_from_common(&in, true, &k);
    g_assert_cmphex(kvm_lapic_get_reg(&k, APIC_REG_ID), ==, 0x1234);
    kvm_lapic_to_common(&k, true, &in, &out);
    g_assert_cmphex(out.id, ==, 0x1234);
    /* Without the x2APIC API the kernel keeps bits 31:24 only. */
    in.id = 0x12;
    kvm_lapic_from_common(&in, false, &k);
    g_assert_cmphex(kvm_lapic_get_reg(&k, APIC_REG_ID), ==, 0x12000000);
    kvm_lapic_to_common(&k, false, &in, &out);
    g_assert_cmphex(out.id, ==, 0x12);
}

static void test_ioapic_state_round_trip(void)
{
    IOAPICSavedState in = { .id = 0xa, .ioregsel = 0x2f, .irr = 0x800010,
                            .pin_level = 0x10 }, out;
    struct kvm_ioapic_state k, k2;

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        in.ioredtbl[pin] = ((uint64_t)pin << 56) | 0x10000 | (0x30 + pin) |
                           (pin & 1 ? 0xa000 : 0);
    }
    kvm_ioapic_from_common(&in, &k);
    g_assert_cmphex(k.base_address, ==, IOAPIC_DEFAULT_ADDRESS);
    g_assert_cmpuint(k.redirtbl[5].fields.vector, ==, 0x35);
    g_assert_cmpuint(k.redirtbl[5].fields.dest_id, ==, 5);
    g_assert_cmpuint(k.redirtbl[5].fields.mask, ==, 1);
    g_assert_cmpuint(k.redirtbl[5].fields.trig_mode, ==, 1);
    kvm_ioapic_to_common(&k, &in, &out);
    g_assert_cmpmem(&in, sizeof(in), &out, sizeof(out));
    kvm_ioapic_from_common(&out, &k2);
    g_assert_cmpmem(&k, sizeof(k), &k2, sizeof(k2));
}

static void test_pic_state_round_trip(void)
{
    PICChip in = {
        .irr = 0x11, .imr = 0xfb, .isr = 0x04, .line = 0x15, .hprio = 3,
        .irq_base = 0x20, .icw3 = 0x04, .elcr = 0x08, .elcr_mask = 0xf8,
        .init_state = I8259_INIT_ICW3, .icw4_needed = true, .single = false,
        .ltim = true, .microprocessor_8086 = true, .auto_eoi = true,
        .buffered = true, .buffered_master = true, .sfnm = true,
        .rotate_on_auto_eoi = true, .read_isr = true, .poll = true,
        .special_mask = true,
    }, out;
    struct kvm_pic_state k, k2;

    kvm_pic_from_common(&in, &k);
    g_assert_cmpuint(k.priority_add, ==, 3);
    g_assert_cmpuint(k.init4, ==, 1);
    g_assert_cmpuint(k.read_reg_select, ==, 1);
    g_assert_cmpuint(k.special_fully_nested_mode, ==, 1);
    kvm_pic_to_common(&k, &in, &out);
    g_assert_cmpmem(&in, sizeof(in), &out, sizeof(out));
    kvm_pic_from_common(&out, &k2);
    g_assert_cmpmem(&k, sizeof(k), &k2, sizeof(k2));
    /* What the kernel does not keep comes from the base state. */
    in.icw3 = 0x02;
    kvm_pic_to_common(&k, &in, &out);
    g_assert_cmpuint(out.icw3, ==, 0x02);
}

/* ------------------------------------------------------------------------
 * Live: a real VM
 */

#define LIVE_RAM_SIZE   (2 * 1024 * 1024)
#define LIVE_CODE       0x1000
#define LIVE_GDT        0x800
#define LIVE_IDT        0x900
#define LIVE_STACK      0x8000
#define LIVE_PORT_BASE  0x500
#define LIVE_MMIO_BASE  0xd0000000ULL
#define LIVE_TIMEOUT_US (5 * G_USEC_PER_SEC)

/*
 * progA: mov $0x12345678,%ebx; LAPIC version (0xFEE00030) -> port 0x504;
 * IOREGSEL=1, IOWIN (IOAPIC version) -> port 0x508; store 0xCAFEF00D at
 * 0xD0000000, load 0xD0000004 -> port 0x50C; 'K' -> port 0x500; hlt loop.
 */
static const uint8_t prog_a[] = {
    0xbb, 0x78, 0x56, 0x34, 0x12, 0xa1, 0x30, 0x00, 0xe0, 0xfe,
    0x66, 0xba, 0x04, 0x05, 0xef, 0xc7, 0x05, 0x00, 0x00, 0xc0,
    0xfe, 0x01, 0x00, 0x00, 0x00, 0xa1, 0x10, 0x00, 0xc0, 0xfe,
    0x66, 0xba, 0x08, 0x05, 0xef, 0xc7, 0x05, 0x00, 0x00, 0x00,
    0xd0, 0x0d, 0xf0, 0xfe, 0xca, 0xa1, 0x04, 0x00, 0x00, 0xd0,
    0x66, 0xba, 0x0c, 0x05, 0xef, 0x66, 0xba, 0x00, 0x05, 0xb0,
    0x4b, 0xee, 0xf4, 0xeb, 0xfd,
};

/*
 * progB: IOAPIC pin 4 -> vector 0x41 (edge, fixed, physical, APIC 0);
 * SVR = 0x1FF; 'R' -> port 0x500; sti; hlt loop. Handlers at +0x3d
 * (vector 0x41) and +0x53 (0x42) write their vector to port 0x501, EOI,
 * iret.
 */
static const uint8_t prog_b[] = {
    0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x18, 0x00, 0x00, 0x00,
    0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x41, 0x00, 0x00, 0x00,
    0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x19, 0x00, 0x00, 0x00,
    0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00,
    0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00,
    0x66, 0xba, 0x00, 0x05, 0xb0, 0x52, 0xee, 0xfb, 0xf4, 0xeb,
    0xfd,
    /* +0x3d: vector 0x41 */
    0x50, 0x52, 0x66, 0xba, 0x01, 0x05, 0xb0, 0x41, 0xee, 0xc7,
    0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x5a,
    0x58, 0xcf,
    /* +0x53: vector 0x42 */
    0x50, 0x52, 0x66, 0xba, 0x01, 0x05, 0xb0, 0x42, 0xee, 0xc7,
    0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x5a,
    0x58, 0xcf,
};
#define PROG_B_H41 0x3d
#define PROG_B_H42 0x53

/* progD: CPUID leaf 1, EDX -> port 0x504; 'C' -> port 0x500; hlt loop. */
static const uint8_t prog_d[] = {
    0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x89, 0xd0, 0x66,
    0xba, 0x04, 0x05, 0xef, 0x66, 0xba, 0x00, 0x05, 0xb0, 0x43,
    0xee, 0xf4, 0xeb, 0xfd,
};

/* progC: int3 with an empty IDT: #BP, #GP, #DF, then a triple fault. */
static const uint8_t prog_c[] = { 0xcc };

typedef struct LiveEvent {
    uint32_t port;
    uint32_t value;
} LiveEvent;

static struct {
    bool tried;
    char *skip;
    MachineState *ms;
    X86CPU *cpu;
    uint8_t *ram;
    MemoryRegion ports, mmio;
    GMutex lock;
    GCond cond;
    GArray *events;
    uint32_t mmio_value;
} live;

static uint64_t live_port_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void live_port_write(void *opaque, hwaddr addr, uint64_t data,
                            unsigned size)
{
    LiveEvent ev = { LIVE_PORT_BASE + (uint32_t)addr, (uint32_t)data };

    g_mutex_lock(&live.lock);
    g_array_append_val(live.events, ev);
    g_cond_broadcast(&live.cond);
    g_mutex_unlock(&live.lock);
}

static const MemoryRegionOps live_port_ops = {
    .read = live_port_read,
    .write = live_port_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t live_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 4 ? ~live.mmio_value : 0;
}

static void live_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                            unsigned size)
{
    if (addr == 0) {
        live.mmio_value = (uint32_t)data;
    }
}

static const MemoryRegionOps live_mmio_ops = {
    .read = live_mmio_read,
    .write = live_mmio_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static KVMCPU *live_kc(void)
{
    return live.cpu->accel_data;
}

static bool live_setup(void)
{
    const AccelClass *ac;
    X86CPUModel model;
    GError *err = NULL;

    if (live.tried) {
        return !live.skip;
    }
    live.tried = true;
    ac = accel_class_find("kvm");
    g_assert_nonnull(ac);
    if (!ac->available(&err)) {
        live.skip = g_strdup_printf("KVM is not usable here: %s",
                                    err->message);
        g_error_free(err);
        return false;
    }
    accel_set_current(ac);
    g_mutex_init(&live.lock);
    g_cond_init(&live.cond);
    live.events = g_array_new(FALSE, TRUE, sizeof(LiveEvent));

    live.ms = g_new0(MachineState, 1);
    live.ms->smp_cpus = 1;
    live.ms->ram_size = LIVE_RAM_SIZE;
    g_assert_true(memory_region_init_ram(&live.ms->ram, "live.ram",
                                         LIVE_RAM_SIZE, &err));
    memory_region_add_subregion(get_system_memory(), 0, &live.ms->ram);
    live.ram = memory_region_get_ram_ptr(&live.ms->ram);
    memory_region_init_io(&live.ports, &live_port_ops, NULL, "live-ports",
                          0x10);
    memory_region_add_subregion(get_system_io(), LIVE_PORT_BASE, &live.ports);
    memory_region_init_io(&live.mmio, &live_mmio_ops, NULL, "live-mmio", 0x10);
    memory_region_add_subregion(get_system_memory(), LIVE_MMIO_BASE,
                                &live.mmio);

    g_assert_true(x86_cpu_model_parse("qemu64", &model, &err));
    live.cpu = x86_cpu_new(&model, 0, 0, get_system_memory());
    live.cpu->is_bsp = true;
    x86_cpu_reset(live.cpu);
    live.ms->cpus = &live.cpu;
    current_machine = live.ms;

    if (!ac->init_machine(live.ms, &err)) {
        live.skip = g_strdup_printf("KVM VM set-up failed: %s", err->message);
        g_error_free(err);
        return false;
    }
    ac->start_vcpus(live.ms);
    return true;
}

static void live_pause(void)
{
    gint64 end = g_get_monotonic_time() + LIVE_TIMEOUT_US;
    KVMCPU *kc = live_kc();
    bool parked = false;

    runstate_set(RUN_STATE_PAUSED);
    cpus_kick_all();
    while (!parked && g_get_monotonic_time() < end) {
        g_mutex_lock(&kc->lock);
        parked = kc->parked;
        g_mutex_unlock(&kc->lock);
        if (!parked) {
            g_usleep(1000);
        }
    }
    g_assert_true(parked);
}

static void write_desc(uint32_t addr, uint64_t desc)
{
    memcpy(live.ram + addr, &desc, 8);
}

/* A 32-bit interrupt gate (SDM vol. 3A 7.11, figure 7-2) to CS 0x08. */
static void write_gate(int vector, uint32_t offset)
{
    uint64_t gate = (offset & 0xffffULL) | (0x08ULL << 16) |
                    (0x8e00ULL << 32) | ((uint64_t)(offset >> 16) << 48);
    write_desc(LIVE_IDT + (uint32_t)vector * 8, gate);
}

/* Stop the vCPU, load `code` at LIVE_CODE with a flat 32-bit state, reset
 * the machine (which puts the state into KVM) and run. */
static void live_load(const uint8_t *code, size_t len, uint32_t idt_limit,
                      bool prog_b_gates)
{
    CPUX86State *env = &live.cpu->env;
    uint32_t code_flags = (0xbU << KVM_SEG_TYPE_SHIFT) | KVM_SEG_S |
                          KVM_SEG_P | KVM_SEG_DB | KVM_SEG_G;
    uint32_t data_flags = (0x3U << KVM_SEG_TYPE_SHIFT) | KVM_SEG_S |
                          KVM_SEG_P | KVM_SEG_DB | KVM_SEG_G;

    live_pause();
    g_mutex_lock(&live.lock);
    g_array_set_size(live.events, 0);
    g_mutex_unlock(&live.lock);

    memset(live.ram, 0, 0x10000);
    memcpy(live.ram + LIVE_CODE, code, len);
    write_desc(LIVE_GDT + 8, 0x00cf9a000000ffffULL);
    write_desc(LIVE_GDT + 16, 0x00cf92000000ffffULL);
    if (prog_b_gates) {
        write_gate(0x41, LIVE_CODE + PROG_B_H41);
        write_gate(0x42, LIVE_CODE + PROG_B_H42);
    }

    bql_lock();
    x86_cpu_reset(live.cpu);
    env->cr[0] = 0x11;              /* PE, ET */
    for (int i = 0; i < 6; i++) {
        env->segs[i] = (SegmentCache) { .selector = 0x10, .base = 0,
                                        .limit = 0xffffffff,
                                        .flags = data_flags };
    }
    env->segs[R_CS] = (SegmentCache) { .selector = 0x08, .base = 0,
                                       .limit = 0xffffffff,
                                       .flags = code_flags };
    env->gdt.base = LIVE_GDT;
    env->gdt.limit = 23;
    env->idt.base = LIVE_IDT;
    env->idt.limit = idt_limit;
    env->rip = LIVE_CODE;
    env->regs[R_ESP] = LIVE_STACK;
    env->rflags = 2;
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    bql_unlock();

    runstate_set(RUN_STATE_RUNNING);
    cpus_kick_all();
}

/* Wait until the guest wrote `value` to `port`; returns it was seen. */
static bool live_wait(uint32_t port, uint32_t *value)
{
    gint64 end = g_get_monotonic_time() + LIVE_TIMEOUT_US;
    bool found = false;

    g_mutex_lock(&live.lock);
    while (!found) {
        for (guint i = 0; i < live.events->len; i++) {
            LiveEvent *ev = &g_array_index(live.events, LiveEvent, i);
            if (ev->port == port) {
                *value = ev->value;
                found = true;
                break;
            }
        }
        if (!found && !g_cond_wait_until(&live.cond, &live.lock, end)) {
            break;
        }
    }
    g_mutex_unlock(&live.lock);
    return found;
}

#define LIVE_OR_SKIP() \
    do { \
        if (!live_setup()) { \
            g_test_skip(live.skip); \
            return; \
        } \
    } while (0)

static void test_live_io_mmio_and_kernel_apic(void)
{
    CPUX86State *env;
    uint32_t v = 0;

    LIVE_OR_SKIP();
    live_load(prog_a, sizeof(prog_a), 0x7ff, false);
    g_assert_true(live_wait(0x500, &v));
    g_assert_cmphex(v, ==, 'K');
    /* The in-kernel LAPIC answered (our CPU view has no LAPIC page: the
     * MSI hole would have read all ones). Version 0x14: integrated APIC. */
    g_assert_true(live_wait(0x504, &v));
    g_assert_cmphex(v & 0xff, ==, 0x14);
    /* The in-kernel IOAPIC: version 0x11, 24 redirection entries. */
    g_assert_true(live_wait(0x508, &v));
    g_assert_cmphex(v, ==, 0x00170011);
    /* MMIO outside RAM reached our device through the vCPU's view. */
    g_assert_true(live_wait(0x50c, &v));
    g_assert_cmphex(live.mmio_value, ==, 0xcafef00d);
    g_assert_cmphex(v, ==, ~0xcafef00dU);

    /* Registers come back from the kernel: EBX, and RIP in the hlt loop. */
    env = &live.cpu->env;
    env->regs[R_EBX] = 0;
    bql_lock();
    kvm_cpu_synchronize_state(live.cpu);
    bql_unlock();
    g_assert_cmphex(env->regs[R_EBX], ==, 0x12345678);
    g_assert_cmphex(env->rip, >=, LIVE_CODE + sizeof(prog_a) - 3);
    g_assert_cmphex(env->rip, <=, LIVE_CODE + sizeof(prog_a));
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x08);
    g_assert_cmphex(env->segs[R_CS].flags & (KVM_SEG_P | KVM_SEG_DB), ==,
                    KVM_SEG_P | KVM_SEG_DB);
    g_assert_cmphex(env->cr[0] & 1, ==, 1);
}

static void live_load_prog_b(void)
{
    uint32_t v = 0;

    live_load(prog_b, sizeof(prog_b), 0x7ff, true);
    g_assert_true(live_wait(0x500, &v));
    g_assert_cmphex(v, ==, 'R');
}

static void test_live_gsi_line_through_ioapic(void)
{
    uint32_t v = 0;

    LIVE_OR_SKIP();
    live_load_prog_b();
    kvm_set_irq(4, 1);
    kvm_set_irq(4, 0);
    g_assert_true(live_wait(0x501, &v));
    g_assert_cmphex(v, ==, 0x41);
}

static void test_live_msi_to_lapic(void)
{
    GError *err = NULL;
    uint32_t v = 0;

    LIVE_OR_SKIP();
    live_load_prog_b();
    /* Destination APIC 0, fixed, edge, vector 0x42 (SDM vol. 3A 12.11). */
    g_assert_true(kvm_send_msi(0xfee00000, 0x42, &err));
    g_assert_no_error(err);
    g_assert_true(live_wait(0x501, &v));
    g_assert_cmphex(v, ==, 0x42);
}

static void test_live_triple_fault_requests_reset(void)
{
    gint64 end = g_get_monotonic_time() + LIVE_TIMEOUT_US;
    KVMCPU *kc;
    bool waiting = false, stopped = false;
    int status = -1;

    LIVE_OR_SKIP();
    kc = live_kc();
    live_load(prog_c, sizeof(prog_c), 0, false);
    while (!waiting && !stopped && g_get_monotonic_time() < end) {
        g_mutex_lock(&kc->lock);
        waiting = kc->wait_reset;
        stopped = kc->stopped;
        g_mutex_unlock(&kc->lock);
        if (!waiting && !stopped) {
            g_usleep(1000);
        }
    }
    if (stopped) {
        /* Some KVM flavours (PVM) emulate event delivery and report an
         * emulation failure where hardware would shut down. */
        g_assert_cmpint(runstate_get(), ==, RUN_STATE_INTERNAL_ERROR);
        live_pause();
        g_test_skip("this host's KVM reports an internal error, not a "
                    "shutdown, for a triple fault");
        return;
    }
    g_assert_true(waiting);
    /* The main loop carries the request out: the reset hook lets the vCPU
     * run again, with its state to be reloaded. */
    bql_lock();
    g_assert_false(main_loop_should_exit(&status));
    bql_unlock();
    live_pause();
    g_mutex_lock(&kc->lock);
    g_assert_false(kc->wait_reset);
    g_mutex_unlock(&kc->lock);
}

typedef struct LiveCpuid {
    uint32_t edx;               /* the kernel's leaf 1 EDX */
    bool ok;
} LiveCpuid;

static void live_get_cpuid(X86CPU *cpu, void *opaque)
{
    LiveCpuid *r = opaque;
    KVMCPU *kc = cpu->accel_data;
    g_autofree struct kvm_cpuid2 *t =
        g_malloc0(sizeof(*t) + 256 * sizeof(t->entries[0]));
    const struct kvm_cpuid_entry2 *e;

    t->nent = 256;
    r->ok = kvm_vcpu_ioctl(kc, KVM_GET_CPUID2, t) == 0 &&
            (e = kvm_cpuid_find(t, 1, 0)) != NULL;
    if (r->ok) {
        r->edx = e->edx;
    }
}

/*
 * The guest's CPUID.01H:EDX is the kernel's copy of our table. What lapis
 * sets is the model filtered by the kernel (no VME, SS or HTT for qemu64,
 * which lacks them); the kernel may add only the bits docs/kvm.md names
 * for PVM, and nothing on hardware-assisted KVM.
 */
static void test_live_cpuid_leaf1_edx_is_ours_plus_documented(void)
{
    KVMCpuidHostInfo host = { .lapic_in_kernel = true,
                              .tsc_deadline = kvm_state ? kvm_state->tsc_deadline
                                                        : false };
    struct kvm_cpuid_entry2 out[128];
    const struct kvm_cpuid_entry2 *l1;
    LiveCpuid k = { 0 };
    uint32_t v = 0, added;
    int n;

    LIVE_OR_SKIP();
    n = kvm_cpuid_build(live.cpu, kvm_state->supported_cpuid, &host, out,
                        128, NULL);
    l1 = built_find(out, n, 1, 0);
    g_assert_nonnull(l1);
    g_assert_cmphex(l1->edx & KVM_PVM_CPUID1_EDX_ADDED, ==, 0);

    live_load(prog_d, sizeof(prog_d), 0x7ff, false);
    g_assert_true(live_wait(0x500, &v));
    g_assert_cmphex(v, ==, 'C');
    g_assert_true(live_wait(0x504, &v));
    bql_lock();
    kvm_run_on_cpu(live.cpu, live_get_cpuid, &k);
    bql_unlock();
    g_assert_true(k.ok);
    g_assert_cmphex(v, ==, k.edx);
    added = k.edx & ~l1->edx;
    if (g_file_test("/sys/module/kvm_pvm", G_FILE_TEST_IS_DIR)) {
        g_assert_cmphex(added & ~KVM_PVM_CPUID1_EDX_ADDED, ==, 0);
    } else {
        g_assert_cmphex(added, ==, 0);
    }
    g_assert_cmphex(l1->edx & ~k.edx, ==, 0);
}

static void test_live_reports_kernel_irqchip(void)
{
    LIVE_OR_SKIP();
    g_assert_true(kvm_enabled());
    g_assert_true(kvm_irqchip_in_kernel());
    g_assert_true(kvm_ioapic_in_kernel());
    g_assert_cmpstr(kvm_irqchip_mode_name(), ==, "on");
}

static void live_teardown(void)
{
    if (live.ms && !live.skip) {
        live_pause();
        current_accel()->stop_vcpus(live.ms);
    }
}

#else

static void test_not_built(void)
{
    g_test_skip("lapis is built without KVM (no linux/kvm.h, or "
                "-Dkvm=disabled)");
}

#endif /* CONFIG_KVM */

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
#ifdef CONFIG_KVM
    qemu_init_main_loop();
    /* The main loop's thread holds the BQL; here the vCPU threads need it
     * while this thread waits, so it is taken only where needed. */
    if (bql_locked()) {
        bql_unlock();
    }
    memory_system_init();
    g_test_add_func("/kvm/irqchip-mode/parse-accepts-on-split-off",
                    test_mode_parse_accepts_on_split_off);
    g_test_add_func("/kvm/irqchip-mode/parse-rejects-unknown",
                    test_mode_parse_rejects_unknown);
    g_test_add_func("/kvm/caps/all-present-passes-every-mode",
                    test_caps_all_present_passes);
    g_test_add_func("/kvm/caps/each-mode-needs-its-own",
                    test_caps_each_mode_needs_its_own);
    g_test_add_func("/kvm/caps/error-names-every-missing-cap",
                    test_caps_error_names_every_missing_cap);
    g_test_add_func("/kvm/caps/vm-level-caps-asked-on-the-vm",
                    test_caps_vm_level_asked_on_vm);
    g_test_add_func("/kvm/caps/missing-cap-fails-only-modes-needing-it",
                    test_caps_unaffected_mode_ignores_missing);
    g_test_add_func("/kvm/module-param/parses-y-n-1-0",
                    test_module_param_parse);
    g_test_add_func("/kvm/routes/isa-irq0-on-ioapic-pin2",
                    test_routes_isa_irq0_on_ioapic_pin2);
    g_test_add_func("/kvm/routes/gsi2-has-no-route",
                    test_routes_gsi2_has_no_route);
    g_test_add_func("/kvm/routes/gsi-reach-pic-and-ioapic-pin",
                    test_routes_gsi_reach_pic_and_ioapic);
    g_test_add_func("/kvm/routes/count-without-buffer",
                    test_routes_count_without_buffer);
    g_test_add_func("/kvm/seg/round-trip-every-field",
                    test_seg_round_trip_every_field);
    g_test_add_func("/kvm/seg/not-present-is-unusable",
                    test_seg_not_present_is_unusable);
    g_test_add_func("/kvm/seg/vm86-form", test_seg_vm86_form);
    g_test_add_func("/kvm/cpuid/feature-words-filtered-by-kernel",
                    test_cpuid_feature_words_filtered);
    g_test_add_func("/kvm/cpuid/x2apic-kept-with-msr-filter-off-mode",
                    test_cpuid_x2apic_with_msr_filter);
    g_test_add_func("/kvm/cpuid/x2apic-needs-kernel-lapic",
                    test_cpuid_x2apic_needs_kernel_lapic);
    g_test_add_func("/kvm/cpuid/tsc-deadline-from-capability",
                    test_cpuid_tsc_deadline_from_capability);
    g_test_add_func("/kvm/cpuid/amd-aliases-follow-leaf1",
                    test_cpuid_amd_aliases_follow_leaf1);
    g_test_add_func("/kvm/cpuid/identity-leaves-untouched",
                    test_cpuid_identity_leaves_untouched);
    g_test_add_func("/kvm/cpuid/subleaf-leaves-flagged",
                    test_cpuid_subleaf_leaves_flagged);
    g_test_add_func("/kvm/lapic/reset-state", test_lapic_reset_state);
    g_test_add_func("/kvm/state/lapic-round-trip-every-field",
                    test_lapic_state_round_trip);
    g_test_add_func("/kvm/state/lapic-x2apic-id-with-and-without-api",
                    test_lapic_state_x2apic_id);
    g_test_add_func("/kvm/state/ioapic-round-trip-every-field",
                    test_ioapic_state_round_trip);
    g_test_add_func("/kvm/state/pic-round-trip-every-field",
                    test_pic_state_round_trip);
    g_test_add_func("/kvm/split/routes-mirror-unmasked-ioapic-pins",
                    test_split_routes_mirror_unmasked_pins);
    g_test_add_func("/kvm/msi/encode-round-trips-through-decode",
                    test_msi_encode_round_trips);
    g_test_add_func("/kvm/msi/x2apic-api-extended-destination",
                    test_msi_encode_ext_dest);
    g_test_add_func("/kvm/live/cpuid-leaf1-edx-is-ours-plus-documented-kernel-bits",
                    test_live_cpuid_leaf1_edx_is_ours_plus_documented);
    g_test_add_func("/kvm/live/reports-kernel-irqchip",
                    test_live_reports_kernel_irqchip);
    g_test_add_func("/kvm/live/io-mmio-and-kernel-apic-registers",
                    test_live_io_mmio_and_kernel_apic);
    g_test_add_func("/kvm/live/gsi-line-reaches-guest-through-ioapic",
                    test_live_gsi_line_through_ioapic);
    g_test_add_func("/kvm/live/msi-reaches-guest-lapic",
                    test_live_msi_to_lapic);
    g_test_add_func("/kvm/live/triple-fault-requests-reset",
                    test_live_triple_fault_requests_reset);
#else
    g_test_add_func("/kvm/not-built", test_not_built);
#endif
    ret = g_test_run();
#ifdef CONFIG_KVM
    live_teardown();
#endif
    return ret;
}
