/*
 * Unit tests of the x86 CPU object: -cpu parsing, CPUID as lapis answers it,
 * the MSR table and the architectural MSRs, the TSC against the virtual
 * clock (in qtest mode, so time moves only when a test moves it), RESET and
 * INIT state, and each vCPU's view of memory.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"
#include "target/i386/cpu.h"

/* --- helpers --- */

static X86CPUModel parse_ok(const char *spec)
{
    X86CPUModel m;
    GError *err = NULL;

    memset(&m, 0xa5, sizeof(m));
    if (!x86_cpu_model_parse(spec, &m, &err)) {
        g_error("parsing '%s' failed: %s", spec, err->message);
    }
    return m;
}

static void assert_parse_error(const char *spec, const char *expect)
{
    X86CPUModel m;
    GError *err = NULL;

    g_assert_false(x86_cpu_model_parse(spec, &m, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, expect)) {
        g_error("'%s': error '%s' does not mention '%s'", spec, err->message,
                expect);
    }
    g_error_free(err);
}

/* A CPU with no view of memory, for CPUID and MSR tests. */
static X86CPU *cpu_from(const char *spec, int index, uint32_t apic_id)
{
    X86CPUModel m = parse_ok(spec);

    return x86_cpu_new(&m, index, apic_id, NULL);
}

typedef struct Regs {
    uint32_t eax, ebx, ecx, edx;
} Regs;

static Regs cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf)
{
    Regs r;

    x86_cpu_cpuid(cpu, leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx);
    return r;
}

static uint64_t rdmsr_ok(X86CPU *cpu, uint32_t msr)
{
    uint64_t v = 0xdeadbeef;

    if (!x86_cpu_rdmsr(cpu, msr, &v)) {
        g_error("rdmsr 0x%x raised #GP", msr);
    }
    return v;
}

static bool rdmsr_gp(X86CPU *cpu, uint32_t msr)
{
    uint64_t v;

    return !x86_cpu_rdmsr(cpu, msr, &v);
}

static void advance_ns(int64_t ns)
{
    qemu_clock_advance_virtual(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + ns);
}

/* --- models and -cpu parsing --- */

static void test_model_default_is_qemu64(void)
{
    X86CPUModel a = parse_ok(NULL), b = parse_ok(""), c = parse_ok("qemu64");

    g_assert_cmpstr(a.name, ==, "qemu64");
    g_assert_cmpstr(b.name, ==, "qemu64");
    g_assert_cmpint(memcmp(&a, &c, sizeof(a)), ==, 0);
}

static void test_model_qemu64_matches_qemu(void)
{
    X86CPUModel m = parse_ok("qemu64");
    const uint32_t edx = CPUID_FP87 | CPUID_DE | CPUID_PSE | CPUID_TSC |
        CPUID_MSR | CPUID_PAE | CPUID_MCE | CPUID_CX8 | CPUID_APIC |
        CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_MCA | CPUID_CMOV |
        CPUID_PAT | CPUID_PSE36 | CPUID_CLFLUSH | CPUID_MMX | CPUID_FXSR |
        CPUID_SSE | CPUID_SSE2;

    g_assert_cmpstr(m.vendor, ==, "AuthenticAMD");
    g_assert_cmpuint(m.family, ==, 15);
    g_assert_cmpuint(m.model, ==, 107);
    g_assert_cmpuint(m.stepping, ==, 1);
    g_assert_cmphex(m.level, ==, 0xd);
    g_assert_cmphex(m.xlevel, ==, 0x8000000a);
    g_assert_cmpstr(m.model_id, ==, "QEMU Virtual CPU version 2.5+");
    g_assert_cmpuint(m.phys_bits, ==, 40);
    g_assert_cmphex(m.features[FEAT_1_EDX], ==, edx);
    g_assert_cmphex(m.features[FEAT_1_ECX], ==,
                    CPUID_EXT_SSE3 | CPUID_EXT_CX16 | CPUID_EXT_HYPERVISOR);
    g_assert_cmphex(m.features[FEAT_8000_0001_EDX], ==,
                    CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM);
    /* QEMU's qemu64 also has svm; lapis does not implement SVM. */
    g_assert_cmphex(m.features[FEAT_8000_0001_ECX], ==, CPUID_EXT3_LAHF_LM);
    g_assert_cmphex(m.features[FEAT_7_0_EBX], ==, 0);
}

static void test_model_max_has_lapis_features(void)
{
    X86CPUModel m = parse_ok("max");

    g_assert_cmpstr(m.vendor, ==, "GenuineIntel");
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_X2APIC);
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_TSC_DEADLINE_TIMER);
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_POPCNT);
    g_assert_true(m.features[FEAT_7_0_EBX] & CPUID_7_0_EBX_TSC_ADJUST);
    g_assert_true(m.features[FEAT_7_0_EBX] & CPUID_7_0_EBX_BMI1);
    g_assert_true(m.features[FEAT_8000_0001_EDX] & CPUID_EXT2_RDTSCP);
    g_assert_true(m.features[FEAT_8000_0001_ECX] & CPUID_EXT3_ABM);
    g_assert_false(m.features[FEAT_8000_0001_ECX] & CPUID_EXT3_SVM);
}

static void test_model_plus_minus_flags(void)
{
    X86CPUModel m = parse_ok("qemu64,+x2apic,-nx,+popcnt");

    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_X2APIC);
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_POPCNT);
    g_assert_false(m.features[FEAT_8000_0001_EDX] & CPUID_EXT2_NX);
    /* A bare flag turns it on, as in QEMU. */
    m = parse_ok("qemu64,x2apic");
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_X2APIC);
    /* Later options win. */
    m = parse_ok("qemu64,+x2apic,-x2apic");
    g_assert_false(m.features[FEAT_1_ECX] & CPUID_EXT_X2APIC);
    /* Features lapis lacks may still be turned off. */
    m = parse_ok("max,-avx,-svm");
    g_assert_cmpstr(m.name, ==, "max");
}

static void test_model_flag_on_off_and_aliases(void)
{
    X86CPUModel m = parse_ok("qemu64,tsc-deadline=on,apic=off,pae=no");

    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_TSC_DEADLINE_TIMER);
    g_assert_false(m.features[FEAT_1_EDX] & CPUID_APIC);
    g_assert_false(m.features[FEAT_1_EDX] & CPUID_PAE);
    /* QEMU's underscore spellings and aliases. */
    m = parse_ok("qemu64,tsc_deadline=on,-sse3,-lahf_lm,xd=off,+tsc_adjust");
    g_assert_true(m.features[FEAT_1_ECX] & CPUID_EXT_TSC_DEADLINE_TIMER);
    g_assert_false(m.features[FEAT_1_ECX] & CPUID_EXT_SSE3);
    g_assert_false(m.features[FEAT_8000_0001_ECX] & CPUID_EXT3_LAHF_LM);
    g_assert_false(m.features[FEAT_8000_0001_EDX] & CPUID_EXT2_NX);
    g_assert_true(m.features[FEAT_7_0_EBX] & CPUID_7_0_EBX_TSC_ADJUST);
}

static void test_model_vendor_and_properties(void)
{
    X86CPUModel m = parse_ok("qemu64,vendor=GenuineIntel,family=6,model=85,"
                             "stepping=4,level=7,phys-bits=46,"
                             "model-id=Test CPU");

    g_assert_cmpstr(m.vendor, ==, "GenuineIntel");
    g_assert_cmpuint(m.family, ==, 6);
    g_assert_cmpuint(m.model, ==, 85);
    g_assert_cmpuint(m.stepping, ==, 4);
    g_assert_cmphex(m.level, ==, 7);
    g_assert_cmpuint(m.phys_bits, ==, 46);
    g_assert_cmpstr(m.model_id, ==, "Test CPU");
}

static void test_model_errors_name_the_culprit(void)
{
    assert_parse_error("pentium9", "unable to find CPU model 'pentium9'");
    assert_parse_error("qemu64,+frobnicate", "'frobnicate'");
    assert_parse_error("qemu64,-frobnicate", "'frobnicate'");
    assert_parse_error("qemu64,frobnicate=on", "'frobnicate'");
    assert_parse_error("qemu64,x2apic=maybe", "'maybe'");
    assert_parse_error("qemu64,vendor=GenuineInte", "exactly 12");
    assert_parse_error("qemu64,vendor=GenuineIntelX", "exactly 12");
    assert_parse_error("qemu64,+avx", "'avx' is not implemented");
    assert_parse_error("qemu64,+svm", "'svm' is not implemented");
    assert_parse_error("qemu64,phys-bits=60", "phys-bits");
    assert_parse_error("qemu64,stepping=16", "stepping");
}

static void test_model_list_names_models_and_flags(void)
{
    g_autoptr(GString) out = g_string_new("");

    x86_cpu_list(out);
    g_assert_nonnull(strstr(out->str, "x86 qemu64 "));
    g_assert_nonnull(strstr(out->str, "QEMU Virtual CPU version 2.5+\n"));
    g_assert_nonnull(strstr(out->str, "x86 max "));
    g_assert_nonnull(strstr(out->str, "Recognized CPUID flags:\n"));
    g_assert_nonnull(strstr(out->str, " x2apic"));
    g_assert_nonnull(strstr(out->str, " tsc-deadline"));
    /* Only flags that can be turned on are listed. */
    g_assert_null(strstr(out->str, " avx"));
}

/* --- CPUID --- */

static void test_cpuid_qemu64_vendor_and_levels(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    Regs r = cpuid(cpu, 0, 0);
    char vendor[13] = { 0 };

    g_assert_cmphex(r.eax, ==, 0xd);
    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    r = cpuid(cpu, 0x80000000, 0);
    g_assert_cmphex(r.eax, ==, 0x8000000a);
    g_assert_cmphex(r.ebx, ==, 0x68747541);     /* "Auth" */
    x86_cpu_free(cpu);
}

static void test_cpuid_signature(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    X86CPU *fam = cpu_from("qemu64,family=0x17,model=0x31,stepping=0", 1, 1);

    /* Family 15 model 107 stepping 1: extended model 6, base model 0xb. */
    g_assert_cmphex(cpuid(cpu, 1, 0).eax, ==, 0x00060fb1);
    g_assert_cmphex(cpuid(cpu, 0x80000001, 0).eax, ==, 0x00060fb1);
    g_assert_cmphex(cpu->env.regs[R_EDX], ==, 0x00060fb1);
    /* Family 0x17: base 0xf plus extended family 8. */
    g_assert_cmphex(cpuid(fam, 1, 0).eax, ==, 0x00830f10);
    x86_cpu_free(cpu);
    x86_cpu_free(fam);
}

static void test_cpuid_max_vendor_and_features(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    Regs r = cpuid(cpu, 0, 0);

    g_assert_cmphex(r.ebx, ==, 0x756e6547);     /* "Genu" */
    g_assert_cmphex(r.edx, ==, 0x49656e69);     /* "ineI" */
    g_assert_cmphex(r.ecx, ==, 0x6c65746e);     /* "ntel" */
    r = cpuid(cpu, 1, 0);
    g_assert_true(r.ecx & CPUID_EXT_X2APIC);
    g_assert_true(r.ecx & CPUID_EXT_HYPERVISOR);
    r = cpuid(cpu, 7, 0);
    g_assert_cmphex(r.eax, ==, 0);
    g_assert_true(r.ebx & CPUID_7_0_EBX_TSC_ADJUST);
    g_assert_true(r.ebx & CPUID_7_0_EBX_FSGSBASE);
    g_assert_cmphex(cpuid(cpu, 7, 1).ebx, ==, 0);
    r = cpuid(cpu, 0x80000001, 0);
    g_assert_true(r.edx & CPUID_EXT2_RDTSCP);
    g_assert_true(r.edx & CPUID_EXT2_LM);
    /* Intel does not repeat leaf 1 EDX in 0x80000001 EDX. */
    g_assert_false(r.edx & CPUID_FP87);
    g_assert_true(cpuid(cpu, 0x80000007, 0).edx & CPUID_APM_INVTSC);
    x86_cpu_free(cpu);
}

static void test_cpuid_amd_aliases_leaf1_edx(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    Regs r = cpuid(cpu, 0x80000001, 0);

    g_assert_true(r.edx & CPUID_FP87);
    g_assert_true(r.edx & CPUID_APIC);
    g_assert_true(r.edx & CPUID_EXT2_SYSCALL);
    g_assert_true(r.edx & CPUID_EXT2_LM);
    g_assert_false(r.edx & CPUID_SSE);          /* not an aliased bit */
    x86_cpu_free(cpu);
}

static void test_cpuid_leaf1_apic_id_and_clflush(void)
{
    X86CPU *cpu = cpu_from("qemu64", 3, 0x1234);
    Regs r = cpuid(cpu, 1, 0);

    g_assert_cmphex(r.ebx >> 24, ==, 0x34);
    g_assert_cmphex((r.ebx >> 8) & 0xff, ==, 8);
    g_assert_cmphex((r.ebx >> 16) & 0xff, ==, 0);
    g_assert_false(r.edx & CPUID_HT);
    g_assert_true(r.edx & CPUID_APIC);
    x86_cpu_free(cpu);
}

static void test_cpuid_leaf_b_topology(void)
{
    X86CPU *cpu = cpu_from("max", 2, 0x305);
    Regs r = cpuid(cpu, 0xb, 0);

    g_assert_cmphex(r.eax, ==, 0);
    g_assert_cmphex(r.ebx, ==, 1);
    g_assert_cmphex(r.ecx, ==, 0x100);          /* level 0, type SMT */
    g_assert_cmphex(r.edx, ==, 0x305);
    r = cpuid(cpu, 0xb, 1);
    g_assert_cmphex(r.ebx, ==, 1);
    g_assert_cmphex(r.ecx, ==, 0x201);          /* level 1, type core */
    g_assert_cmphex(r.edx, ==, 0x305);
    r = cpuid(cpu, 0xb, 2);
    g_assert_cmphex(r.eax, ==, 0);
    g_assert_cmphex(r.ebx, ==, 0);
    g_assert_cmphex(r.ecx, ==, 0x002);          /* invalid level */
    g_assert_cmphex(r.edx, ==, 0x305);
    x86_cpu_free(cpu);
}

static bool refuse_read(X86CPU *cpu, uint32_t msr, uint64_t *value,
                        void *opaque)
{
    return false;
}

static bool read_opaque(X86CPU *cpu, uint32_t msr, uint64_t *value,
                        void *opaque)
{
    *value = *(uint64_t *)opaque;
    return true;
}

static bool write_opaque(X86CPU *cpu, uint32_t msr, uint64_t value,
                         void *opaque)
{
    *(uint64_t *)opaque = value;
    return true;
}

static void test_cpuid_apic_bit_follows_apic_base_enable(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    uint64_t replacement = APIC_DEFAULT_ADDRESS;   /* EN clear */
    uint64_t base = rdmsr_ok(cpu, MSR_IA32_APICBASE);

    g_assert_true(cpuid(cpu, 1, 0).edx & CPUID_APIC);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_APICBASE,
                                base & ~MSR_IA32_APICBASE_ENABLE));
    g_assert_false(cpuid(cpu, 1, 0).edx & CPUID_APIC);
    g_assert_false(cpuid(cpu, 0x80000001, 0).edx & CPUID_APIC);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_APICBASE, base));
    g_assert_true(cpuid(cpu, 1, 0).edx & CPUID_APIC);

    /* A LAPIC that registers its own handler is what CPUID consults. */
    x86_cpu_register_msr(cpu, MSR_IA32_APICBASE, 1, read_opaque, write_opaque,
                         &replacement);
    g_assert_false(cpuid(cpu, 1, 0).edx & CPUID_APIC);
    replacement |= MSR_IA32_APICBASE_ENABLE;
    g_assert_true(cpuid(cpu, 1, 0).edx & CPUID_APIC);
    x86_cpu_free(cpu);
}

static void test_cpuid_brand_string(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    char brand[49] = { 0 };

    for (uint32_t i = 0; i < 3; i++) {
        Regs r = cpuid(cpu, 0x80000002 + i, 0);
        memcpy(brand + i * 16, &r, 16);
    }
    g_assert_cmpstr(brand, ==, "QEMU Virtual CPU version 2.5+");
    x86_cpu_free(cpu);
}

static void test_cpuid_address_sizes(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    X86CPU *wide = cpu_from("max,phys-bits=46", 1, 1);

    g_assert_cmphex(cpuid(cpu, 0x80000008, 0).eax, ==, 0x3028);
    g_assert_cmphex(cpuid(wide, 0x80000008, 0).eax, ==, 0x302e);
    x86_cpu_free(cpu);
    x86_cpu_free(wide);
}

static void test_cpuid_out_of_range_answers_highest_basic_leaf(void)
{
    X86CPU *cpu = cpu_from("max,level=7,xlevel=0x80000004", 0, 0);
    Regs leaf7 = cpuid(cpu, 7, 0);
    Regs r = cpuid(cpu, 0x20, 0);

    g_assert_cmphex(leaf7.ebx, !=, 0);
    g_assert_cmpint(memcmp(&r, &leaf7, sizeof(r)), ==, 0);
    r = cpuid(cpu, 0x80000008, 0);
    g_assert_cmpint(memcmp(&r, &leaf7, sizeof(r)), ==, 0);
    /* The hypervisor range is empty. */
    r = cpuid(cpu, 0x40000000, 0);
    g_assert_cmphex(r.eax | r.ebx | r.ecx | r.edx, ==, 0);
    x86_cpu_free(cpu);
}

/* --- the MSR table --- */

static uint64_t msr_slot[4];

static bool read_slot(X86CPU *cpu, uint32_t msr, uint64_t *value,
                      void *opaque)
{
    *value = (uintptr_t)opaque * 0x1000 + msr;
    return true;
}

static void test_msr_table_register_range(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);

    x86_cpu_register_msr(cpu, 0x40000100, 16, read_slot, NULL, (void *)1);
    g_assert_true(rdmsr_gp(cpu, 0x400000ff));
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000100), ==, 0x40001100);
    g_assert_cmphex(rdmsr_ok(cpu, 0x4000010f), ==, 0x4000110f);
    g_assert_true(rdmsr_gp(cpu, 0x40000110));
    /* Read-only: writes #GP. */
    g_assert_false(x86_cpu_wrmsr(cpu, 0x40000100, 0));
    x86_cpu_free(cpu);
}

static void test_msr_table_replace_splits_range(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);

    x86_cpu_register_msr(cpu, 0x40000100, 16, read_slot, NULL, (void *)1);
    x86_cpu_register_msr(cpu, 0x40000104, 4, read_slot, NULL, (void *)2);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000103), ==, 0x40001103);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000104), ==, 0x40002104);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000107), ==, 0x40002107);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000108), ==, 0x40001108);
    /* A range over two others replaces the parts it covers. */
    x86_cpu_register_msr(cpu, 0x40000106, 4, read_slot, NULL, (void *)3);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000105), ==, 0x40002105);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000106), ==, 0x40003106);
    g_assert_cmphex(rdmsr_ok(cpu, 0x40000109), ==, 0x40003109);
    g_assert_cmphex(rdmsr_ok(cpu, 0x4000010a), ==, 0x4000110a);
    /* Unregistering a hole leaves both sides. */
    x86_cpu_unregister_msr(cpu, 0x4000010c, 2);
    g_assert_cmphex(rdmsr_ok(cpu, 0x4000010b), ==, 0x4000110b);
    g_assert_true(rdmsr_gp(cpu, 0x4000010c));
    g_assert_true(rdmsr_gp(cpu, 0x4000010d));
    g_assert_cmphex(rdmsr_ok(cpu, 0x4000010e), ==, 0x4000110e);
    /* The table stays sorted and without overlap. */
    for (guint i = 1; i < cpu->msrs->len; i++) {
        X86MsrEntry *a = &g_array_index(cpu->msrs, X86MsrEntry, i - 1);
        X86MsrEntry *b = &g_array_index(cpu->msrs, X86MsrEntry, i);
        g_assert_cmpuint((uint64_t)a->first + a->count, <=, b->first);
    }
    x86_cpu_free(cpu);
}

static void test_msr_unknown_index_gp(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);

    g_assert_true(rdmsr_gp(cpu, 0x12345678));
    g_assert_false(x86_cpu_wrmsr(cpu, 0x12345678, 0));
    g_assert_true(rdmsr_gp(cpu, 0xffffffff));
    /* The TSC deadline is the LAPIC's to register. */
    g_assert_true(rdmsr_gp(cpu, MSR_IA32_TSC_DEADLINE));
    x86_cpu_free(cpu);
}

static void test_msr_read_only_write_only_and_refusal_gp(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    uint64_t v;

    x86_cpu_register_msr(cpu, 0x40000000, 1, NULL, write_opaque, &msr_slot[0]);
    g_assert_true(x86_cpu_wrmsr(cpu, 0x40000000, 42));
    g_assert_cmpuint(msr_slot[0], ==, 42);
    g_assert_false(x86_cpu_rdmsr(cpu, 0x40000000, &v));
    x86_cpu_register_msr(cpu, 0x40000001, 1, refuse_read, NULL, NULL);
    g_assert_false(x86_cpu_rdmsr(cpu, 0x40000001, &v));
    /* Architectural read-only MSR: MTRRcap. */
    g_assert_cmphex(rdmsr_ok(cpu, MSR_MTRRcap), ==, 0x508);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRcap, 0x508));
    x86_cpu_free(cpu);
}

/* --- architectural MSRs --- */

static void test_msr_efer(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    X86CPU *nonx = cpu_from("qemu64,-nx", 1, 1);
    uint64_t all = MSR_EFER_SCE | MSR_EFER_LME | MSR_EFER_NXE;

    g_assert_cmphex(rdmsr_ok(cpu, MSR_EFER), ==, 0);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_EFER, all));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_EFER), ==, all);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_EFER, all | (1ULL << 1)));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_EFER, 1ULL << 63));
    /* LMA is the processor's: a written LMA is ignored. */
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_EFER, MSR_EFER_LMA));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_EFER), ==, 0);
    /* LME may not change while CR0.PG is set. */
    cpu->env.cr[0] |= 1ULL << 31;
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_EFER, MSR_EFER_LME));
    /* NXE only with nx. */
    g_assert_false(x86_cpu_wrmsr(nonx, MSR_EFER, MSR_EFER_NXE));
    g_assert_true(x86_cpu_wrmsr(nonx, MSR_EFER, MSR_EFER_SCE));
    x86_cpu_free(cpu);
    x86_cpu_free(nonx);
}

static void test_msr_canonical_bases(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    const uint32_t msrs[] = {
        MSR_FSBASE, MSR_GSBASE, MSR_KERNELGSBASE, MSR_LSTAR,
        MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(msrs); i++) {
        g_assert_true(x86_cpu_wrmsr(cpu, msrs[i], 0xffff800000001000ULL));
        g_assert_cmphex(rdmsr_ok(cpu, msrs[i]), ==, 0xffff800000001000ULL);
        g_assert_true(x86_cpu_wrmsr(cpu, msrs[i], 0x00007ffffffff000ULL));
        g_assert_false(x86_cpu_wrmsr(cpu, msrs[i], 0x0000800000000000ULL));
        g_assert_cmphex(rdmsr_ok(cpu, msrs[i]), ==, 0x00007ffffffff000ULL);
    }
    g_assert_cmphex(cpu->env.segs[R_FS].base, ==, 0x00007ffffffff000ULL);
    g_assert_cmphex(cpu->env.kernel_gs_base, ==, 0x00007ffffffff000ULL);
    x86_cpu_free(cpu);
}

static void test_msr_syscall_sysenter_round_trip(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);

    g_assert_true(x86_cpu_wrmsr(cpu, MSR_STAR, 0x0023001000000000ULL));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_STAR), ==, 0x0023001000000000ULL);
    g_assert_cmphex(cpu->env.star, ==, 0x0023001000000000ULL);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_CSTAR, 0x1234));
    g_assert_cmphex(cpu->env.cstar, ==, 0x1234);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_FMASK, 0x47700));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_FMASK), ==, 0x47700);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_SYSENTER_CS, 0x10));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_SYSENTER_CS), ==, 0x10);
    g_assert_cmphex(cpu->env.sysenter_cs, ==, 0x10);
    x86_cpu_free(cpu);
}

static void test_msr_pat_types(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);

    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_CR_PAT), ==, 0x0007040600070406ULL);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0706050401000706ULL));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_CR_PAT), ==, 0x0706050401000706ULL);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0000000000000002ULL));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0300000000000000ULL));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0000000000000010ULL));
    g_assert_cmphex(cpu->env.pat, ==, 0x0706050401000706ULL);
    x86_cpu_free(cpu);
}

static void test_msr_mtrrs(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);

    g_assert_cmphex(rdmsr_ok(cpu, MSR_MTRRdefType), ==, 0);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRdefType, 0xc06));
    g_assert_cmphex(cpu->env.mtrr_deftype, ==, 0xc06);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRdefType, 0x002));  /* type 2 */
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRdefType, 0x106));  /* bit 8 */

    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRfix64K_00000,
                                0x0606060606060606ULL));
    g_assert_cmphex(cpu->env.mtrr_fixed[0], ==, 0x0606060606060606ULL);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRfix16K_A0000, 0x0101010100000000));
    g_assert_cmphex(cpu->env.mtrr_fixed[2], ==, 0x0101010100000000ULL);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRfix4K_F8000, 0x0505050505050505));
    g_assert_cmphex(cpu->env.mtrr_fixed[10], ==, 0x0505050505050505ULL);
    g_assert_cmphex(rdmsr_ok(cpu, MSR_MTRRfix4K_F8000), ==, 0x0505050505050505);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRfix4K_C0000, 0x0700000000000000));
    g_assert_true(rdmsr_gp(cpu, 0x251));       /* not a fixed MTRR */

    /* Variable pair 7: base 0x200 + 14, mask 0x200 + 15; 40 physical bits. */
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0 + 14,
                                0xff00000000ULL | 6));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0 + 15,
                                0xff00000000ULL | 0x800));
    g_assert_cmphex(cpu->env.mtrr_var[15], ==, 0xff00000800ULL);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0, 1ULL << 40));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0, 0x100 | 6));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0, 3));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_MTRRphysBase0 + 1, 0x801));
    g_assert_true(rdmsr_gp(cpu, MSR_MTRRphysBase0 + 16));  /* VCNT is 8 */
    x86_cpu_free(cpu);
}

static void test_msr_apic_base(void)
{
    X86CPU *bsp = cpu_from("qemu64", 0, 0);
    X86CPU *ap = cpu_from("max", 1, 1);
    const uint64_t en = MSR_IA32_APICBASE_ENABLE;
    const uint64_t x2 = MSR_IA32_APICBASE_EXTD;

    g_assert_cmphex(rdmsr_ok(bsp, MSR_IA32_APICBASE), ==, 0xfee00900);
    g_assert_cmphex(rdmsr_ok(ap, MSR_IA32_APICBASE), ==, 0xfee00800);
    /* BSP is read-only. */
    g_assert_true(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE,
                                0xfee00000 | en | MSR_IA32_APICBASE_BSP));
    g_assert_cmphex(rdmsr_ok(ap, MSR_IA32_APICBASE), ==, 0xfee00800);
    g_assert_true(x86_cpu_wrmsr(bsp, MSR_IA32_APICBASE, 0xfed00000 | en));
    g_assert_cmphex(rdmsr_ok(bsp, MSR_IA32_APICBASE), ==, 0xfed00900);
    /* Reserved: bits 0-7, 9, above MAXPHYADDR; EXTD without x2apic. */
    g_assert_false(x86_cpu_wrmsr(bsp, MSR_IA32_APICBASE, 0xfee00000 | en | 1));
    g_assert_false(x86_cpu_wrmsr(bsp, MSR_IA32_APICBASE,
                                 0xfee00000 | en | (1 << 9)));
    g_assert_false(x86_cpu_wrmsr(bsp, MSR_IA32_APICBASE,
                                 (1ULL << 40) | 0xfee00000 | en));
    g_assert_false(x86_cpu_wrmsr(bsp, MSR_IA32_APICBASE,
                                 0xfee00000 | en | x2));
    /* With x2apic: xAPIC -> x2APIC ok, x2APIC -> xAPIC #GP, EXTD alone #GP. */
    g_assert_false(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE, 0xfee00000 | x2));
    g_assert_true(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE, 0xfee00000 | en | x2));
    g_assert_false(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE, 0xfee00000 | en));
    g_assert_true(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE, 0xfee00000));
    g_assert_false(x86_cpu_wrmsr(ap, MSR_IA32_APICBASE, 0xfee00000 | en | x2));
    x86_cpu_free(bsp);
    x86_cpu_free(ap);
}

static void test_msr_tsc_aux(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    X86CPU *plain = cpu_from("qemu64", 1, 1);

    g_assert_true(x86_cpu_wrmsr(cpu, MSR_TSC_AUX, 0xffffffff));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_TSC_AUX), ==, 0xffffffff);
    g_assert_cmphex(cpu->env.tsc_aux, ==, 0xffffffff);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_TSC_AUX, 1ULL << 32));
    /* No rdtscp, no TSC_AUX. */
    g_assert_true(rdmsr_gp(plain, MSR_TSC_AUX));
    x86_cpu_free(cpu);
    x86_cpu_free(plain);
}

static void test_msr_misc_and_identification(void)
{
    X86CPU *intel = cpu_from("max", 0, 0);
    X86CPU *amd = cpu_from("qemu64", 1, 1);

    g_assert_cmphex(rdmsr_ok(intel, MSR_IA32_MISC_ENABLE), ==, 1);
    g_assert_true(x86_cpu_wrmsr(intel, MSR_IA32_MISC_ENABLE, 0));
    g_assert_cmphex(intel->env.misc_enable, ==, 0);
    g_assert_true(x86_cpu_wrmsr(intel, MSR_IA32_BIOS_SIGN_ID, 0));
    g_assert_cmphex(rdmsr_ok(intel, MSR_IA32_BIOS_SIGN_ID), ==, 0x100000000);
    g_assert_cmphex(rdmsr_ok(amd, MSR_IA32_BIOS_SIGN_ID), ==, 0x01000065);
    /* Machine check: no banks, status writable only with 0. */
    g_assert_cmphex(rdmsr_ok(intel, MSR_MCG_CAP), ==, 0);
    g_assert_false(x86_cpu_wrmsr(intel, MSR_MCG_CAP, 0));
    g_assert_true(x86_cpu_wrmsr(intel, MSR_MCG_STATUS, 0));
    g_assert_false(x86_cpu_wrmsr(intel, MSR_MCG_STATUS, 1));
    g_assert_cmphex(rdmsr_ok(intel, MSR_MCG_STATUS), ==, 0);
    x86_cpu_free(intel);
    x86_cpu_free(amd);
}

static void test_msr_feature_control_locks(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);

    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_FEATURE_CONTROL), ==, 0);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_FEATURE_CONTROL, 1 << 2));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_FEATURE_CONTROL, 1));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_FEATURE_CONTROL), ==, 1);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_FEATURE_CONTROL, 0));
    x86_cpu_reset(cpu);
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_FEATURE_CONTROL), ==, 0);
    x86_cpu_free(cpu);
}

static void test_msr_spec_ctrl_only_if_advertised(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    X86CPU *plain = cpu_from("qemu64", 1, 1);
    X86CPU *ssbd = cpu_from("qemu64,+spec-ctrl", 2, 2);
    uint64_t v;

    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_SPEC_CTRL, 1));
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_SPEC_CTRL), ==, 1);
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_SPEC_CTRL, 4));  /* no ssbd */
    /* PRED_CMD is write-only. */
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_PRED_CMD, 1));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_PRED_CMD, 2));
    g_assert_false(x86_cpu_rdmsr(cpu, MSR_IA32_PRED_CMD, &v));
    g_assert_true(rdmsr_gp(plain, MSR_IA32_SPEC_CTRL));
    g_assert_false(x86_cpu_wrmsr(plain, MSR_IA32_PRED_CMD, 1));
    g_assert_true(x86_cpu_wrmsr(ssbd, MSR_IA32_SPEC_CTRL, 1));
    x86_cpu_free(cpu);
    x86_cpu_free(plain);
    x86_cpu_free(ssbd);
}

static void test_msr_perf_counters_per_vendor(void)
{
    X86CPU *amd = cpu_from("qemu64", 0, 0);
    X86CPU *intel = cpu_from("qemu64,vendor=GenuineIntel", 1, 1);
    const uint32_t intel_msrs[] = { 0xc1, 0xc4, 0x186, 0x189, 0x309, 0x30b,
                                    0x38d, 0x38e, 0x38f, 0x390 };

    for (uint32_t msr = 0xc0010000; msr <= 0xc0010007; msr++) {
        g_assert_true(x86_cpu_wrmsr(amd, msr, 0x1234));
        g_assert_cmphex(rdmsr_ok(amd, msr), ==, 0);
        g_assert_true(rdmsr_gp(intel, msr));
    }
    g_assert_true(rdmsr_gp(amd, 0xc0010008));
    for (size_t i = 0; i < G_N_ELEMENTS(intel_msrs); i++) {
        g_assert_true(x86_cpu_wrmsr(intel, intel_msrs[i], 0x1234));
        g_assert_cmphex(rdmsr_ok(intel, intel_msrs[i]), ==, 0);
        g_assert_true(rdmsr_gp(amd, intel_msrs[i]));
    }
    g_assert_true(rdmsr_gp(intel, 0xc5));
    x86_cpu_free(amd);
    x86_cpu_free(intel);
}

static void test_msr_features_gate_msrs(void)
{
    X86CPU *cpu = cpu_from("qemu64,-lm,-syscall,-nx,-mtrr,-pat,-sep", 0, 0);

    g_assert_true(rdmsr_gp(cpu, MSR_EFER));
    g_assert_true(rdmsr_gp(cpu, MSR_STAR));
    g_assert_true(rdmsr_gp(cpu, MSR_FSBASE));
    g_assert_true(rdmsr_gp(cpu, MSR_MTRRcap));
    g_assert_true(rdmsr_gp(cpu, MSR_IA32_CR_PAT));
    g_assert_true(rdmsr_gp(cpu, MSR_IA32_SYSENTER_CS));
    /* qemu64 has no tsc-adjust. */
    g_assert_true(rdmsr_gp(cpu, MSR_IA32_TSC_ADJUST));
    g_assert_false(x86_cpu_wrmsr(cpu, MSR_IA32_TSC_ADJUST, 0));
    x86_cpu_free(cpu);
}

/* --- TSC --- */

static void test_tsc_follows_virtual_clock_at_2ghz(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    uint64_t t0 = x86_cpu_get_tsc(cpu);

    /* RESET set the TSC to 0 and the clock has not moved since. */
    g_assert_cmpuint(t0, ==, 0);
    advance_ns(1000);
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 2000);
    g_assert_cmpuint(rdmsr_ok(cpu, MSR_IA32_TSC), ==, 2000);
    advance_ns(NANOSECONDS_PER_SECOND);
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 2000 + X86_TSC_FREQ_HZ);
    x86_cpu_free(cpu);
}

static void test_tsc_write_moves_tsc_adjust(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);

    advance_ns(500);
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 1000);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_TSC, 11000));
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 11000);
    g_assert_cmpint(rdmsr_ok(cpu, MSR_IA32_TSC_ADJUST), ==, 10000);
    advance_ns(10);
    g_assert_cmpuint(rdmsr_ok(cpu, MSR_IA32_TSC), ==, 11020);
    /* Backwards too. */
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_TSC, 20));
    g_assert_cmpint((int64_t)rdmsr_ok(cpu, MSR_IA32_TSC_ADJUST), ==, -1000);
    /* x86_cpu_set_tsc alone leaves TSC_ADJUST. */
    x86_cpu_set_tsc(cpu, 5);
    g_assert_cmpint((int64_t)rdmsr_ok(cpu, MSR_IA32_TSC_ADJUST), ==, -1000);
    x86_cpu_free(cpu);
}

static void test_tsc_adjust_write_moves_tsc(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);

    advance_ns(100);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_TSC_ADJUST, 5000));
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 5200);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_TSC_ADJUST, 3000));
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 3200);
    g_assert_cmpuint(rdmsr_ok(cpu, MSR_IA32_TSC_ADJUST), ==, 3000);
    x86_cpu_free(cpu);
}

static void test_tsc_to_ns_rounds_up(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    /* TSC 0 now: tick 2N is reached at now + N, tick 2N+1 a ns later. */
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 2000), ==, now + 1000);
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 2001), ==, now + 1001);
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 0), ==, now);
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 1ULL << 62), ==,
                    now + (int64_t)(1ULL << 61));
    /* Past the end of virtual time: never. */
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, UINT64_MAX), ==, INT64_MAX);
    advance_ns(10);
    /* A value already passed gives the instant it was reached. */
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 7), ==, now + 4);
    g_assert_cmpint(x86_cpu_tsc_to_ns(cpu, 8), ==, now + 4);
    x86_cpu_free(cpu);
}

/* --- RESET and INIT --- */

static void test_reset_power_on_state(void)
{
    X86CPU *cpu = cpu_from("qemu64", 0, 0);
    CPUX86State *env = &cpu->env;

    env->regs[R_EAX] = 1;
    env->cr[0] = 0x80000011;
    env->efer = MSR_EFER_LME;
    x86_cpu_reset(cpu);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0xf000);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0xffff0000);
    g_assert_cmphex(env->segs[R_CS].limit, ==, 0xffff);
    g_assert_cmphex(env->rip, ==, 0xfff0);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            g_assert_cmphex(env->segs[i].selector, ==, 0);
            g_assert_cmphex(env->segs[i].base, ==, 0);
            g_assert_cmphex(env->segs[i].limit, ==, 0xffff);
            g_assert_true(env->segs[i].flags & (1U << 15));   /* present */
        }
    }
    g_assert_cmphex(env->rflags, ==, 2);
    g_assert_cmphex(env->cr[0], ==, 0x60000010);
    g_assert_cmphex(env->cr[3] | env->cr[4] | env->cr[2], ==, 0);
    g_assert_cmphex(env->regs[R_EAX], ==, 0);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x00060fb1);
    g_assert_cmphex(env->gdt.limit, ==, 0xffff);
    g_assert_cmphex(env->idt.limit, ==, 0xffff);
    g_assert_cmphex(env->dr[6], ==, 0xffff0ff0);
    g_assert_cmphex(env->dr[7], ==, 0x400);
    g_assert_cmphex(env->pat, ==, 0x0007040600070406ULL);
    g_assert_cmphex(env->mtrr_deftype, ==, 0);
    g_assert_cmphex(env->efer, ==, 0);
    g_assert_cmphex(env->misc_enable, ==, 1);
    g_assert_cmphex(env->fpu_cw, ==, 0x40);
    g_assert_cmpint(env->run_state, ==, X86_RUN_RUNNING);
    g_assert_true(cpu->is_bsp);
    x86_cpu_free(cpu);
}

static void test_reset_ap_waits_for_sipi(void)
{
    X86CPU *ap = cpu_from("qemu64", 1, 4);

    g_assert_false(ap->is_bsp);
    g_assert_cmpint(ap->cpu_index, ==, 1);
    g_assert_cmpuint(ap->apic_id, ==, 4);
    g_assert_cmpint(ap->env.run_state, ==, X86_RUN_WAIT_FOR_SIPI);
    x86_cpu_init_reset(ap);
    g_assert_cmpint(ap->env.run_state, ==, X86_RUN_WAIT_FOR_SIPI);
    x86_cpu_free(ap);
}

static void test_reset_clears_msrs_and_tsc(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);

    advance_ns(1000);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0606060606060606ULL));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRdefType, 0x806));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_TSC_ADJUST, 77));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_APICBASE, 0xfee00000));
    x86_cpu_reset(cpu);
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_CR_PAT), ==, 0x0007040600070406ULL);
    g_assert_cmphex(rdmsr_ok(cpu, MSR_MTRRdefType), ==, 0);
    g_assert_cmpuint(rdmsr_ok(cpu, MSR_IA32_TSC_ADJUST), ==, 0);
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 0);
    g_assert_cmphex(rdmsr_ok(cpu, MSR_IA32_APICBASE), ==, 0xfee00900);
    x86_cpu_free(cpu);
}

static void test_init_keeps_msrs_and_tsc(void)
{
    X86CPU *cpu = cpu_from("max", 0, 0);
    CPUX86State *env = &cpu->env;

    advance_ns(1000);
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_IA32_CR_PAT, 0x0606060606060606ULL));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_MTRRdefType, 0x806));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_LSTAR, 0xffffffff81000000ULL));
    g_assert_true(x86_cpu_wrmsr(cpu, MSR_EFER, MSR_EFER_LME | MSR_EFER_SCE));
    env->cr[0] = 0x80000011;            /* PG, ET, PE; CD and NW clear */
    env->fpu_cw = 0x37f;
    env->rip = 0x1234;
    x86_cpu_init_reset(cpu);
    g_assert_cmphex(env->rip, ==, 0xfff0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0xf000);
    g_assert_cmphex(env->cr[0], ==, 0x10);
    g_assert_cmphex(env->efer, ==, 0);
    g_assert_cmphex(env->fpu_cw, ==, 0x37f);
    g_assert_cmphex(env->pat, ==, 0x0606060606060606ULL);
    g_assert_cmphex(env->mtrr_deftype, ==, 0x806);
    g_assert_cmphex(env->lstar, ==, 0xffffffff81000000ULL);
    g_assert_cmpuint(x86_cpu_get_tsc(cpu), ==, 2000);
    g_assert_cmpint(env->run_state, ==, X86_RUN_RUNNING);
    x86_cpu_free(cpu);
}

/* --- the per-vCPU address space --- */

typedef struct ASFixture {
    MemoryRegion sysmem;
    MemoryRegion ram;
    X86CPU *cpu[2];
} ASFixture;

static uint64_t overlay_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x11223344;
}

static void overlay_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps overlay_ops = {
    .read = overlay_read,
    .write = overlay_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

/*
 * A private system memory root (so the test does not depend on
 * memory_system_init) with 1 MiB of RAM at 0, and two CPUs over it. Returns
 * false after g_test_skip when the memory API does not resolve RAM yet.
 */
static bool as_fixture_init(ASFixture *f)
{
    X86CPUModel m = parse_ok("qemu64");
    hwaddr len = 4;
    GError *err = NULL;

    memset(f, 0, sizeof(*f));
    memory_region_init(&f->sysmem, "test-system", UINT64_MAX);
    if (!memory_region_init_ram(&f->ram, "test-ram", 1 << 20, &err)) {
        g_test_skip("memory API: RAM allocation failed");
        g_clear_error(&err);
        return false;
    }
    memory_region_add_subregion(&f->sysmem, 0, &f->ram);
    f->cpu[0] = x86_cpu_new(&m, 0, 0, &f->sysmem);
    f->cpu[1] = x86_cpu_new(&m, 1, 1, &f->sysmem);
    if (!address_space_get_ram_ptr(&f->cpu[0]->as, 0x1000, &len, false)) {
        g_test_skip("memory API does not resolve RAM through an alias yet");
        return false;
    }
    return true;
}

static void as_fixture_free(ASFixture *f)
{
    x86_cpu_free(f->cpu[0]);
    x86_cpu_free(f->cpu[1]);
    if (f->ram.name) {
        if (f->ram.container) {
            memory_region_del_subregion(&f->sysmem, &f->ram);
        }
        memory_region_finalize(&f->ram);
    }
    if (f->sysmem.name) {
        memory_region_finalize(&f->sysmem);
    }
}

static void test_as_ram_is_shared(void)
{
    ASFixture f;
    uint64_t v = 0;

    if (as_fixture_init(&f)) {
        g_assert_cmpstr(f.cpu[0]->as.name, ==, "cpu-memory-0");
        g_assert_cmpstr(memory_region_name(&f.cpu[1]->sysmem_alias), ==,
                        "cpu-sysmem-1");
        g_assert_cmpint(address_space_st(&f.cpu[0]->as, 0x2000, 4, 0xcafef00d),
                        ==, MEMTX_OK);
        g_assert_cmpint(address_space_ld(&f.cpu[1]->as, 0x2000, 4, &v), ==,
                        MEMTX_OK);
        g_assert_cmphex(v, ==, 0xcafef00d);
    }
    as_fixture_free(&f);
}

static void test_as_msi_window_reads_all_ones(void)
{
    ASFixture f;
    uint64_t v = 0;

    if (as_fixture_init(&f)) {
        g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0xfee00000, 4, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, 0xffffffff);
        g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0xfeeffff8, 8, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, UINT64_MAX);
        /* Writes are dropped, without error. */
        g_assert_cmpint(address_space_st(&f.cpu[0]->as, 0xfee00000, 4, 0x41),
                        ==, MEMTX_OK);
        g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0xfee00000, 4, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, 0xffffffff);
    }
    as_fixture_free(&f);
}

static void test_as_overlay_seen_only_by_its_cpu(void)
{
    ASFixture f;
    MemoryRegion overlay;
    uint64_t v = 0;

    if (as_fixture_init(&f)) {
        memory_region_init_io(&overlay, &overlay_ops, NULL, "test-lapic",
                              0x1000);
        memory_region_add_subregion_overlap(&f.cpu[0]->as_root, 0xfee00000,
                                            &overlay, 2);
        g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0xfee00020, 4, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, 0x11223344);
        g_assert_cmpint(address_space_ld(&f.cpu[1]->as, 0xfee00020, 4, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, 0xffffffff);
        /* Beyond the overlay, CPU 0 still sees the hole. */
        g_assert_cmpint(address_space_ld(&f.cpu[0]->as, 0xfee01000, 4, &v),
                        ==, MEMTX_OK);
        g_assert_cmphex(v, ==, 0xffffffff);
        memory_region_del_subregion(&f.cpu[0]->as_root, &overlay);
        memory_region_finalize(&overlay);
    }
    as_fixture_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_clock_set_qtest_mode(true);

    g_test_add_func("/cpu/model/default-is-qemu64", test_model_default_is_qemu64);
    g_test_add_func("/cpu/model/qemu64-matches-qemu",
                    test_model_qemu64_matches_qemu);
    g_test_add_func("/cpu/model/max-has-lapis-features",
                    test_model_max_has_lapis_features);
    g_test_add_func("/cpu/model/plus-minus-flags", test_model_plus_minus_flags);
    g_test_add_func("/cpu/model/flag-on-off-and-aliases",
                    test_model_flag_on_off_and_aliases);
    g_test_add_func("/cpu/model/vendor-and-properties",
                    test_model_vendor_and_properties);
    g_test_add_func("/cpu/model/errors-name-the-culprit",
                    test_model_errors_name_the_culprit);
    g_test_add_func("/cpu/model/list-names-models-and-flags",
                    test_model_list_names_models_and_flags);

    g_test_add_func("/cpu/cpuid/qemu64-vendor-and-levels",
                    test_cpuid_qemu64_vendor_and_levels);
    g_test_add_func("/cpu/cpuid/signature", test_cpuid_signature);
    g_test_add_func("/cpu/cpuid/max-vendor-and-features",
                    test_cpuid_max_vendor_and_features);
    g_test_add_func("/cpu/cpuid/amd-repeats-leaf1-edx-in-80000001",
                    test_cpuid_amd_aliases_leaf1_edx);
    g_test_add_func("/cpu/cpuid/leaf1-apic-id-and-clflush",
                    test_cpuid_leaf1_apic_id_and_clflush);
    g_test_add_func("/cpu/cpuid/leaf-b-topology", test_cpuid_leaf_b_topology);
    g_test_add_func("/cpu/cpuid/apic-bit-follows-apic-base-enable",
                    test_cpuid_apic_bit_follows_apic_base_enable);
    g_test_add_func("/cpu/cpuid/brand-string", test_cpuid_brand_string);
    g_test_add_func("/cpu/cpuid/address-sizes", test_cpuid_address_sizes);
    g_test_add_func("/cpu/cpuid/out-of-range-answers-highest-basic-leaf",
                    test_cpuid_out_of_range_answers_highest_basic_leaf);

    g_test_add_func("/cpu/msr/table/register-range",
                    test_msr_table_register_range);
    g_test_add_func("/cpu/msr/table/replace-splits-range",
                    test_msr_table_replace_splits_range);
    g_test_add_func("/cpu/msr/unknown-index-gp", test_msr_unknown_index_gp);
    g_test_add_func("/cpu/msr/read-only-write-only-and-refusal-gp",
                    test_msr_read_only_write_only_and_refusal_gp);
    g_test_add_func("/cpu/msr/efer", test_msr_efer);
    g_test_add_func("/cpu/msr/canonical-bases", test_msr_canonical_bases);
    g_test_add_func("/cpu/msr/syscall-sysenter-round-trip",
                    test_msr_syscall_sysenter_round_trip);
    g_test_add_func("/cpu/msr/pat-types", test_msr_pat_types);
    g_test_add_func("/cpu/msr/mtrrs", test_msr_mtrrs);
    g_test_add_func("/cpu/msr/apic-base", test_msr_apic_base);
    g_test_add_func("/cpu/msr/tsc-aux", test_msr_tsc_aux);
    g_test_add_func("/cpu/msr/misc-and-identification",
                    test_msr_misc_and_identification);
    g_test_add_func("/cpu/msr/feature-control-locks",
                    test_msr_feature_control_locks);
    g_test_add_func("/cpu/msr/spec-ctrl-only-if-advertised",
                    test_msr_spec_ctrl_only_if_advertised);
    g_test_add_func("/cpu/msr/perf-counters-per-vendor",
                    test_msr_perf_counters_per_vendor);
    g_test_add_func("/cpu/msr/features-gate-msrs",
                    test_msr_features_gate_msrs);

    g_test_add_func("/cpu/tsc/follows-virtual-clock-at-2ghz",
                    test_tsc_follows_virtual_clock_at_2ghz);
    g_test_add_func("/cpu/tsc/write-moves-tsc-adjust",
                    test_tsc_write_moves_tsc_adjust);
    g_test_add_func("/cpu/tsc/adjust-write-moves-tsc",
                    test_tsc_adjust_write_moves_tsc);
    g_test_add_func("/cpu/tsc/to-ns-rounds-up", test_tsc_to_ns_rounds_up);

    g_test_add_func("/cpu/reset/power-on-state", test_reset_power_on_state);
    g_test_add_func("/cpu/reset/ap-waits-for-sipi",
                    test_reset_ap_waits_for_sipi);
    g_test_add_func("/cpu/reset/clears-msrs-and-tsc",
                    test_reset_clears_msrs_and_tsc);
    g_test_add_func("/cpu/reset/init-keeps-msrs-and-tsc",
                    test_init_keeps_msrs_and_tsc);

    g_test_add_func("/cpu/address-space/ram-is-shared", test_as_ram_is_shared);
    g_test_add_func("/cpu/address-space/msi-window-reads-all-ones",
                    test_as_msi_window_reads_all_ones);
    g_test_add_func("/cpu/address-space/overlay-seen-only-by-its-cpu",
                    test_as_overlay_seen_only_by_its_cpu);
    return g_test_run();
}
