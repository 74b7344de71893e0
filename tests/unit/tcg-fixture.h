/*
 * A bare vCPU for interpreter unit tests: 2 MiB of RAM at 0 in a system
 * address space of its own, one qemu64 CPU reset as the BSP, and helpers
 * to place code and enter flat 32-bit protected mode (as a Multiboot
 * loader leaves it). Header-only, shared by test-tcg.c and test-sse.c.
 */
#ifndef TESTS_UNIT_TCG_FIXTURE_H
#define TESTS_UNIT_TCG_FIXTURE_H

#include "qemu/osdep.h"
#include "softmmu/memory.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"

typedef struct Fixture {
    MemoryRegion sysmem, ram;
    X86CPU *cpu;
    CPUX86State *env;
    uint8_t *mem;
} Fixture;

/* false (the test skipped, with the reason) when the memory API cannot
 * give the CPU RAM. */
static inline bool fixture_init(Fixture *f)
{
    X86CPUModel m;
    GError *err = NULL;
    hwaddr len = 4;

    memset(f, 0, sizeof(*f));
    g_assert_true(x86_cpu_model_parse("qemu64", &m, &err));
    memory_region_init(&f->sysmem, "tcg-test-system", UINT64_MAX);
    if (!memory_region_init_ram(&f->ram, "tcg-test-ram", 2 << 20, &err)) {
        g_test_skip("memory API: RAM allocation failed");
        g_clear_error(&err);
        return false;
    }
    memory_region_add_subregion(&f->sysmem, 0, &f->ram);
    f->cpu = x86_cpu_new(&m, 0, 0, &f->sysmem);
    f->cpu->is_bsp = true;
    x86_cpu_reset(f->cpu);
    f->env = &f->cpu->env;
    f->mem = address_space_get_ram_ptr(&f->cpu->as, 0, &len, true);
    if (!f->mem) {
        g_test_skip("memory API does not resolve RAM through the CPU's view");
        return false;
    }
    tcg_x86_cpu_init(f->cpu);
    return true;
}

static inline void fixture_free(Fixture *f)
{
    tcg_x86_cpu_cleanup(f->cpu);
    x86_cpu_free(f->cpu);
    memory_region_del_subregion(&f->sysmem, &f->ram);
    memory_region_finalize(&f->ram);
    memory_region_finalize(&f->sysmem);
    tcg_x86_flush_code_cache();
}

/* Copy code into guest RAM and drop decoded blocks that may cover it. */
static inline void put(Fixture *f, uint32_t addr, const uint8_t *code,
                       size_t n)
{
    memcpy(f->mem + addr, code, n);
    tcg_x86_flush_code_cache();
}

/* Flat 32-bit protected mode, paging off, at eip with ESP = 0x8000. */
static inline void enter_flat32(Fixture *f, uint32_t eip)
{
    CPUX86State *env = f->env;

    env->cr[0] |= 1;
    for (int s = 0; s < 6; s++) {
        env->segs[s].selector = s == R_CS ? 0x08 : 0x10;
        env->segs[s].base = 0;
        env->segs[s].limit = 0xffffffff;
        env->segs[s].flags = s == R_CS ? 0x00cf9b00 : 0x00cf9300;
    }
    env->rip = eip;
    env->rflags = 0x2;
    env->run_state = X86_RUN_RUNNING;
    env->regs[R_ESP] = 0x8000;
}

#endif
