/*
 * Unit tests of the x86 interpreter through its public interface
 * (tcg_x86_cpu_exec and friends), without the launcher: a CPU over 2 MiB of
 * RAM runs small hand-assembled programs in flat 32-bit protected mode or
 * real mode; the tests check registers, run state and exit reasons. The
 * guest programs in tests/guest cover the instruction set in depth.
 */
#include "qemu/osdep.h"
#include "softmmu/memory.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"

typedef struct Fixture {
    MemoryRegion sysmem, ram;
    X86CPU *cpu;
    uint8_t *mem;
} Fixture;

static bool fixture_init(Fixture *f)
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
    f->mem = address_space_get_ram_ptr(&f->cpu->as, 0, &len, true);
    if (!f->mem) {
        g_test_skip("memory API does not resolve RAM through the CPU's view");
        return false;
    }
    tcg_x86_cpu_init(f->cpu);
    return true;
}

static void fixture_free(Fixture *f)
{
    tcg_x86_cpu_cleanup(f->cpu);
    x86_cpu_free(f->cpu);
    memory_region_del_subregion(&f->sysmem, &f->ram);
    memory_region_finalize(&f->ram);
    memory_region_finalize(&f->sysmem);
    tcg_x86_flush_code_cache();
}

/* Flat 32-bit protected mode, paging off, as a Multiboot loader leaves it. */
static void enter_flat32(Fixture *f, uint32_t eip)
{
    CPUX86State *env = &f->cpu->env;
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

static void put(Fixture *f, uint32_t addr, const uint8_t *code, size_t n)
{
    memcpy(f->mem + addr, code, n);
    tcg_x86_flush_code_cache();
}

static void test_tcg_loop_sums_and_halts(void)
{
    Fixture f;
    /* mov ecx,10; xor eax,eax; L: add eax,ecx; dec ecx; jnz L; hlt */
    static const uint8_t code[] = { 0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x01, 0xc8,
                                    0x49, 0x75, 0xfb, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    X86ExecExit why = tcg_x86_cpu_exec(f.cpu, 100000);
    g_assert_cmpint(why, ==, X86_EXIT_HALTED);
    g_assert_cmpint(f.cpu->env.run_state, ==, X86_RUN_HALTED);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 55);
    g_assert_cmphex(f.cpu->env.rip, ==, 0x1000 + sizeof(code));
    /* ZF from DEC is visible in RFLAGS outside the interpreter */
    g_assert_cmphex(f.cpu->env.rflags & 0x40, ==, 0x40);
    fixture_free(&f);
}

static void test_tcg_budget_ends_a_slice(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xeb, 0xfe };     /* jmp $ */
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_BUDGET);
    g_assert_cmphex(f.cpu->env.rip, ==, 0x1000);
    fixture_free(&f);
}

static void test_tcg_exit_request_is_seen(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xeb, 0xfe };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_interrupt(f.cpu, X86_INTR_EXIT);
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000000000), ==, X86_EXIT_REQUEST);
    fixture_free(&f);
}

static void test_tcg_self_modifying_code_is_seen(void)
{
    Fixture f;
    /* 0x1000: mov byte [0x1011], 7; jmp 0x1010 ... 0x1010: mov eax, 1; hlt */
    static const uint8_t patch[] = { 0xc6, 0x05, 0x11, 0x10, 0, 0, 0x07,
                                     0xeb, 0x07 };
    static const uint8_t target[] = { 0xb8, 1, 0, 0, 0, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, patch, sizeof(patch));
    memcpy(f.mem + 0x1010, target, sizeof(target));
    /* decode and run the target once, unpatched */
    enter_flat32(&f, 0x1010);
    tcg_x86_cpu_exec(f.cpu, 1000);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 1);
    /* now the guest patches it, then runs it */
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_exec(f.cpu, 1000);
    g_assert_cmphex(f.cpu->env.regs[R_EAX], ==, 7);
    fixture_free(&f);
}

static void test_tcg_real_mode_int_uses_ivt(void)
{
    Fixture f;
    /* 0000:1000: int 0x20; hlt.  0000:2000: mov bx, 0x1234; iret */
    static const uint8_t code[] = { 0xcd, 0x20, 0xf4 };
    static const uint8_t handler[] = { 0xbb, 0x34, 0x12, 0xcf };
    if (!fixture_init(&f)) {
        return;
    }
    CPUX86State *env = &f.cpu->env;
    put(&f, 0x1000, code, sizeof(code));
    put(&f, 0x2000, handler, sizeof(handler));
    f.mem[0x80] = 0x00;             /* IVT[0x20] = 0000:2000 */
    f.mem[0x81] = 0x20;
    f.mem[0x82] = 0;
    f.mem[0x83] = 0;
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    env->rip = 0x1000;
    env->regs[R_ESP] = 0x7000;
    env->idt.base = 0;
    env->idt.limit = 0x3ff;
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_HALTED);
    g_assert_cmphex(env->regs[R_EBX] & 0xffff, ==, 0x1234);
    g_assert_cmphex(env->rip, ==, 0x1003);
    g_assert_cmphex(env->regs[R_ESP] & 0xffff, ==, 0x7000);
    fixture_free(&f);
}

static void test_tcg_triple_fault_requests_reset(void)
{
    Fixture f;
    static const uint8_t code[] = { 0x0f, 0x0b };     /* ud2 */
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    f.cpu->env.idt.base = 0;
    f.cpu->env.idt.limit = 0;       /* every vector is beyond the limit */
    g_assert_cmpint(tcg_x86_cpu_exec(f.cpu, 1000), ==, X86_EXIT_RESET);
    g_assert_cmpint(f.cpu->env.run_state, ==, X86_RUN_STOPPED);
    fixture_free(&f);
}

static void test_tcg_info_registers_format(void)
{
    Fixture f;
    static const uint8_t code[] = { 0xb8, 0x37, 0, 0, 0, 0xf4 };
    if (!fixture_init(&f)) {
        return;
    }
    put(&f, 0x1000, code, sizeof(code));
    enter_flat32(&f, 0x1000);
    tcg_x86_cpu_exec(f.cpu, 1000);
    GString *s = g_string_new(NULL);
    x86_cpu_dump_state(f.cpu, s);
    g_assert_nonnull(strstr(s->str, "EAX=00000037 "));
    g_assert_nonnull(strstr(s->str, "EIP=00001006 EFL=00000002 [-------] CPL=0"));
    g_assert_nonnull(strstr(s->str, "CS =0008 00000000 ffffffff 00cf9b00 DPL=0 CS32"));
    g_assert_nonnull(strstr(s->str, "HLT=1"));
    g_string_free(s, true);
    fixture_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/exec/loop-sums-and-halts", test_tcg_loop_sums_and_halts);
    g_test_add_func("/tcg/exec/budget-ends-a-slice", test_tcg_budget_ends_a_slice);
    g_test_add_func("/tcg/exec/exit-request-is-seen", test_tcg_exit_request_is_seen);
    g_test_add_func("/tcg/exec/self-modifying-code-is-seen",
                    test_tcg_self_modifying_code_is_seen);
    g_test_add_func("/tcg/exec/real-mode-int-uses-ivt", test_tcg_real_mode_int_uses_ivt);
    g_test_add_func("/tcg/exec/triple-fault-requests-reset",
                    test_tcg_triple_fault_requests_reset);
    g_test_add_func("/tcg/dump/info-registers-format", test_tcg_info_registers_format);
    return g_test_run();
}
