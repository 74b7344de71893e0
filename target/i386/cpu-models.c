/*
 * x86 CPU models and the -cpu option: the built-in models, the CPUID feature
 * names (QEMU's spellings, with QEMU's aliases), "MODEL[,OPTION...]" parsing
 * and the "-cpu help" list. The models follow QEMU's target/i386/cpu.c:
 * "qemu64" is QEMU's qemu64 as of its family 15 / model 107 revision, less
 * SVM (lapis has no SVM); "max" holds every feature lapis implements, with
 * Intel's vendor string. Options apply left to right (QEMU applies +/- after
 * FEATURE=on|off; with distinct flags the result is the same). A feature that
 * lapis recognises but does not implement (avx, vmx, ...) may be turned off
 * but not on. Left out: the other QEMU models, model versions (-v1, -v2),
 * "host", "check"/"enforce", cache and topology properties.
 */
#include "qemu/osdep.h"
#include "target/i386/cpu.h"

#define VENDOR_INTEL "GenuineIntel"
#define VENDOR_AMD   "AuthenticAMD"

/* The P6 feature set QEMU calls PPRO_FEATURES, plus what qemu64 adds. */
#define QEMU64_1_EDX (CPUID_FP87 | CPUID_DE | CPUID_PSE | CPUID_TSC | \
                      CPUID_MSR | CPUID_PAE | CPUID_MCE | CPUID_CX8 | \
                      CPUID_APIC | CPUID_SEP | CPUID_MTRR | CPUID_PGE | \
                      CPUID_MCA | CPUID_CMOV | CPUID_PAT | CPUID_PSE36 | \
                      CPUID_CLFLUSH | CPUID_MMX | CPUID_FXSR | CPUID_SSE | \
                      CPUID_SSE2)
/* QEMU sets "hypervisor" on every model it loads; so do we. */
#define QEMU64_1_ECX (CPUID_EXT_SSE3 | CPUID_EXT_CX16 | CPUID_EXT_HYPERVISOR)
#define QEMU64_8000_0001_EDX (CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | \
                              CPUID_EXT2_LM)
#define QEMU64_8000_0001_ECX (CPUID_EXT3_LAHF_LM)

static const X86CPUModel builtin_models[] = {
    {
        .name = "qemu64",
        .vendor = VENDOR_AMD,
        .family = 15, .model = 107, .stepping = 1,
        .level = 0xd,
        .xlevel = 0x8000000a,
        .model_id = "QEMU Virtual CPU version 2.5+",
        .phys_bits = 40,            /* QEMU's TCG_PHYS_ADDR_BITS */
        .features = {
            [FEAT_1_EDX] = QEMU64_1_EDX,
            [FEAT_1_ECX] = QEMU64_1_ECX,
            [FEAT_8000_0001_EDX] = QEMU64_8000_0001_EDX,
            [FEAT_8000_0001_ECX] = QEMU64_8000_0001_ECX,
        },
    },
    {
        /*
         * Family 6 model 6 stepping 3 are QEMU's values for its TCG "max";
         * no real model number, so guests apply no model-specific quirks.
         */
        .name = "max",
        .vendor = VENDOR_INTEL,
        .family = 6, .model = 6, .stepping = 3,
        .level = 0xd,
        .xlevel = 0x80000008,
        .model_id = "lapis max CPU",
        .phys_bits = 40,
        .features = {
            [FEAT_1_EDX] = QEMU64_1_EDX,
            [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_X2APIC |
                           CPUID_EXT_POPCNT | CPUID_EXT_TSC_DEADLINE_TIMER,
            [FEAT_7_0_EBX] = CPUID_7_0_EBX_FSGSBASE |
                             CPUID_7_0_EBX_TSC_ADJUST | CPUID_7_0_EBX_BMI1,
            [FEAT_7_0_EDX] = CPUID_7_0_EDX_SPEC_CTRL,
            [FEAT_8000_0001_EDX] = QEMU64_8000_0001_EDX | CPUID_EXT2_RDTSCP,
            [FEAT_8000_0001_ECX] = QEMU64_8000_0001_ECX | CPUID_EXT3_ABM,
            [FEAT_8000_0007_EDX] = CPUID_APM_INVTSC,
        },
    },
};

/* The model "max" is the set of features that "+FLAG" may turn on. */
#define MAX_MODEL (&builtin_models[1])

typedef struct FeatureName {
    const char *name;
    FeatureWord word;
    uint8_t bit;
} FeatureName;

/*
 * QEMU's names (target/i386/cpu.c feature_word_info) for the words lapis
 * models. Only bits in MAX_MODEL may be turned on; the rest are here so that
 * "-avx" works and "+avx" says why it does not.
 */
static const FeatureName feature_names[] = {
    { "fpu", FEAT_1_EDX, 0 }, { "vme", FEAT_1_EDX, 1 },
    { "de", FEAT_1_EDX, 2 }, { "pse", FEAT_1_EDX, 3 },
    { "tsc", FEAT_1_EDX, 4 }, { "msr", FEAT_1_EDX, 5 },
    { "pae", FEAT_1_EDX, 6 }, { "mce", FEAT_1_EDX, 7 },
    { "cx8", FEAT_1_EDX, 8 }, { "apic", FEAT_1_EDX, 9 },
    { "sep", FEAT_1_EDX, 11 }, { "mtrr", FEAT_1_EDX, 12 },
    { "pge", FEAT_1_EDX, 13 }, { "mca", FEAT_1_EDX, 14 },
    { "cmov", FEAT_1_EDX, 15 }, { "pat", FEAT_1_EDX, 16 },
    { "pse36", FEAT_1_EDX, 17 }, { "pn", FEAT_1_EDX, 18 },
    { "clflush", FEAT_1_EDX, 19 }, { "ds", FEAT_1_EDX, 21 },
    { "acpi", FEAT_1_EDX, 22 }, { "mmx", FEAT_1_EDX, 23 },
    { "fxsr", FEAT_1_EDX, 24 }, { "sse", FEAT_1_EDX, 25 },
    { "sse2", FEAT_1_EDX, 26 }, { "ss", FEAT_1_EDX, 27 },
    { "ht", FEAT_1_EDX, 28 }, { "tm", FEAT_1_EDX, 29 },
    { "ia64", FEAT_1_EDX, 30 }, { "pbe", FEAT_1_EDX, 31 },

    { "pni", FEAT_1_ECX, 0 }, { "pclmulqdq", FEAT_1_ECX, 1 },
    { "dtes64", FEAT_1_ECX, 2 }, { "monitor", FEAT_1_ECX, 3 },
    { "ds-cpl", FEAT_1_ECX, 4 }, { "vmx", FEAT_1_ECX, 5 },
    { "smx", FEAT_1_ECX, 6 }, { "est", FEAT_1_ECX, 7 },
    { "tm2", FEAT_1_ECX, 8 }, { "ssse3", FEAT_1_ECX, 9 },
    { "cid", FEAT_1_ECX, 10 }, { "fma", FEAT_1_ECX, 12 },
    { "cx16", FEAT_1_ECX, 13 }, { "xtpr", FEAT_1_ECX, 14 },
    { "pdcm", FEAT_1_ECX, 15 }, { "pcid", FEAT_1_ECX, 17 },
    { "dca", FEAT_1_ECX, 18 }, { "sse4.1", FEAT_1_ECX, 19 },
    { "sse4.2", FEAT_1_ECX, 20 }, { "x2apic", FEAT_1_ECX, 21 },
    { "movbe", FEAT_1_ECX, 22 }, { "popcnt", FEAT_1_ECX, 23 },
    { "tsc-deadline", FEAT_1_ECX, 24 }, { "aes", FEAT_1_ECX, 25 },
    { "xsave", FEAT_1_ECX, 26 }, { "avx", FEAT_1_ECX, 28 },
    { "f16c", FEAT_1_ECX, 29 }, { "rdrand", FEAT_1_ECX, 30 },
    { "hypervisor", FEAT_1_ECX, 31 },

    { "fsgsbase", FEAT_7_0_EBX, 0 }, { "tsc-adjust", FEAT_7_0_EBX, 1 },
    { "bmi1", FEAT_7_0_EBX, 3 }, { "hle", FEAT_7_0_EBX, 4 },
    { "avx2", FEAT_7_0_EBX, 5 }, { "smep", FEAT_7_0_EBX, 7 },
    { "bmi2", FEAT_7_0_EBX, 8 }, { "erms", FEAT_7_0_EBX, 9 },
    { "invpcid", FEAT_7_0_EBX, 10 }, { "rtm", FEAT_7_0_EBX, 11 },
    { "avx512f", FEAT_7_0_EBX, 16 }, { "rdseed", FEAT_7_0_EBX, 18 },
    { "adx", FEAT_7_0_EBX, 19 }, { "smap", FEAT_7_0_EBX, 20 },
    { "clflushopt", FEAT_7_0_EBX, 23 }, { "clwb", FEAT_7_0_EBX, 24 },
    { "sha-ni", FEAT_7_0_EBX, 29 },

    { "umip", FEAT_7_0_ECX, 2 }, { "pku", FEAT_7_0_ECX, 3 },
    { "la57", FEAT_7_0_ECX, 16 }, { "rdpid", FEAT_7_0_ECX, 22 },

    { "fsrm", FEAT_7_0_EDX, 4 }, { "md-clear", FEAT_7_0_EDX, 10 },
    { "serialize", FEAT_7_0_EDX, 14 }, { "spec-ctrl", FEAT_7_0_EDX, 26 },
    { "stibp", FEAT_7_0_EDX, 27 }, { "flush-l1d", FEAT_7_0_EDX, 28 },
    { "arch-capabilities", FEAT_7_0_EDX, 29 }, { "ssbd", FEAT_7_0_EDX, 31 },

    { "syscall", FEAT_8000_0001_EDX, 11 }, { "nx", FEAT_8000_0001_EDX, 20 },
    { "mmxext", FEAT_8000_0001_EDX, 22 },
    { "fxsr-opt", FEAT_8000_0001_EDX, 25 },
    { "pdpe1gb", FEAT_8000_0001_EDX, 26 },
    { "rdtscp", FEAT_8000_0001_EDX, 27 }, { "lm", FEAT_8000_0001_EDX, 29 },
    { "3dnowext", FEAT_8000_0001_EDX, 30 },
    { "3dnow", FEAT_8000_0001_EDX, 31 },

    { "lahf-lm", FEAT_8000_0001_ECX, 0 },
    { "cmp-legacy", FEAT_8000_0001_ECX, 1 },
    { "svm", FEAT_8000_0001_ECX, 2 }, { "extapic", FEAT_8000_0001_ECX, 3 },
    { "cr8legacy", FEAT_8000_0001_ECX, 4 }, { "abm", FEAT_8000_0001_ECX, 5 },
    { "sse4a", FEAT_8000_0001_ECX, 6 },
    { "misalignsse", FEAT_8000_0001_ECX, 7 },
    { "3dnowprefetch", FEAT_8000_0001_ECX, 8 },
    { "xop", FEAT_8000_0001_ECX, 11 }, { "fma4", FEAT_8000_0001_ECX, 16 },
    { "tbm", FEAT_8000_0001_ECX, 21 }, { "topoext", FEAT_8000_0001_ECX, 22 },

    { "invtsc", FEAT_8000_0007_EDX, 8 },
};

/*
 * QEMU's alternative spellings, after '_' has become '-' (QEMU accepts
 * "tsc_deadline" for "tsc-deadline", "lahf_lm" for "lahf-lm" the same way).
 */
static const struct {
    const char *alias;
    const char *name;
} feature_aliases[] = {
    { "sse3", "pni" },
    { "pclmuldq", "pclmulqdq" },
    { "sse4-1", "sse4.1" },
    { "sse4-2", "sse4.2" },
    { "xd", "nx" },
    { "i64", "lm" },
    { "ffxsr", "fxsr-opt" },
};

static const FeatureName *feature_lookup(const char *spelled)
{
    g_autofree char *name = g_strdelimit(g_strdup(spelled), "_", '-');

    for (size_t i = 0; i < G_N_ELEMENTS(feature_aliases); i++) {
        if (strcmp(name, feature_aliases[i].alias) == 0) {
            g_free(name);
            name = g_strdup(feature_aliases[i].name);
            break;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(feature_names); i++) {
        if (strcmp(name, feature_names[i].name) == 0) {
            return &feature_names[i];
        }
    }
    return NULL;
}

static bool feature_supported(const FeatureName *f)
{
    return (MAX_MODEL->features[f->word] & (1U << f->bit)) != 0;
}

static bool set_feature(X86CPUModel *model, const char *name, bool on,
                        GError **errp)
{
    const FeatureName *f = feature_lookup(name);

    if (!f) {
        error_setg(errp, "unknown CPU feature '%s'", name);
        return false;
    }
    if (on && !feature_supported(f)) {
        error_setg(errp, "CPU feature '%s' is not implemented by lapis", name);
        return false;
    }
    if (on) {
        model->features[f->word] |= 1U << f->bit;
    } else {
        model->features[f->word] &= ~(1U << f->bit);
    }
    return true;
}

static bool parse_number(const char *key, const char *value, uint64_t max,
                         uint64_t *result, GError **errp)
{
    if (!qemu_parse_uint64(value, result) || *result > max) {
        error_setg(errp, "invalid value '%s' for CPU property '%s' "
                   "(at most %" PRIu64 ")", value, key, max);
        return false;
    }
    return true;
}

/* One "KEY=VALUE" option: a model property or FEATURE=on|off. */
static bool apply_property(X86CPUModel *model, const char *key,
                           const char *value, GError **errp)
{
    uint64_t n;

    if (strcmp(key, "vendor") == 0) {
        if (strlen(value) != 12) {
            error_setg(errp, "CPU vendor '%s' must be exactly 12 characters",
                       value);
            return false;
        }
        memcpy(model->vendor, value, 13);
    } else if (strcmp(key, "model-id") == 0) {
        if (strlen(value) > 48) {
            error_setg(errp, "CPU model-id '%s' is longer than 48 characters",
                       value);
            return false;
        }
        memset(model->model_id, 0, sizeof(model->model_id));
        memcpy(model->model_id, value, strlen(value));
    } else if (strcmp(key, "family") == 0) {
        /* The signature holds base family 0xf plus an 8-bit extension. */
        if (!parse_number(key, value, 0xff + 0xf, &n, errp)) {
            return false;
        }
        model->family = n;
    } else if (strcmp(key, "model") == 0) {
        if (!parse_number(key, value, 0xff, &n, errp)) {
            return false;
        }
        model->model = n;
    } else if (strcmp(key, "stepping") == 0) {
        if (!parse_number(key, value, 0xf, &n, errp)) {
            return false;
        }
        model->stepping = n;
    } else if (strcmp(key, "level") == 0) {
        if (!parse_number(key, value, 0x3fffffff, &n, errp)) {
            return false;
        }
        model->level = n;
    } else if (strcmp(key, "xlevel") == 0) {
        if (!parse_number(key, value, 0x8fffffff, &n, errp)) {
            return false;
        }
        if (n < 0x80000000) {
            /* QEMU raises a too-small xlevel into the extended range too. */
            n = 0x80000000;
        }
        model->xlevel = n;
    } else if (strcmp(key, "phys-bits") == 0) {
        /* SDM vol. 3A 4.1.4: MAXPHYADDR is at most 52. */
        if (!parse_number(key, value, 52, &n, errp)) {
            return false;
        }
        if (n < 32) {
            error_setg(errp, "CPU phys-bits must be between 32 and 52");
            return false;
        }
        model->phys_bits = n;
    } else {
        bool on;

        if (!feature_lookup(key)) {
            error_setg(errp, "unknown CPU feature '%s'", key);
            return false;
        }
        if (!qemu_parse_bool(value, &on)) {
            error_setg(errp, "invalid value '%s' for CPU feature '%s' "
                       "(use on or off)", value, key);
            return false;
        }
        return set_feature(model, key, on, errp);
    }
    return true;
}

bool x86_cpu_model_parse(const char *spec, X86CPUModel *model, GError **errp)
{
    g_auto(GStrv) parts = NULL;
    const X86CPUModel *base = NULL;
    const char *name;

    if (!spec || !*spec) {
        spec = "qemu64";
    }
    parts = g_strsplit(spec, ",", -1);
    name = parts[0];
    for (size_t i = 0; i < G_N_ELEMENTS(builtin_models); i++) {
        if (strcmp(name, builtin_models[i].name) == 0) {
            base = &builtin_models[i];
        }
    }
    if (!base) {
        error_setg(errp, "unable to find CPU model '%s'", name);
        return false;
    }

    X86CPUModel m = *base;
    for (size_t i = 1; parts[i]; i++) {
        const char *opt = parts[i];
        const char *eq = strchr(opt, '=');

        if (!*opt) {
            continue;
        }
        if (opt[0] == '+' || opt[0] == '-') {
            if (!set_feature(&m, opt + 1, opt[0] == '+', errp)) {
                return false;
            }
        } else if (eq) {
            g_autofree char *key = g_strndup(opt, eq - opt);
            if (!apply_property(&m, key, eq + 1, errp)) {
                return false;
            }
        } else {
            /* QEMU takes a bare "FEATURE" as FEATURE=on. */
            if (!set_feature(&m, opt, true, errp)) {
                return false;
            }
        }
    }
    *model = m;
    return true;
}

void x86_cpu_list(GString *out)
{
    size_t column = 0;

    g_string_append(out, "Available CPUs:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(builtin_models); i++) {
        g_string_append_printf(out, "x86 %-20s  %s\n", builtin_models[i].name,
                               builtin_models[i].model_id);
    }
    g_string_append(out, "\nRecognized CPUID flags:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(feature_names); i++) {
        const char *name = feature_names[i].name;

        if (!feature_supported(&feature_names[i])) {
            continue;
        }
        if (column && column + 1 + strlen(name) > 76) {
            g_string_append_c(out, '\n');
            column = 0;
        }
        if (!column) {
            g_string_append(out, " ");
            column = 1;
        }
        g_string_append_printf(out, " %s", name);
        column += 1 + strlen(name);
    }
    if (column) {
        g_string_append_c(out, '\n');
    }
}
