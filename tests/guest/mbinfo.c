/*
 * The Multiboot information as the loader builds it: flags, mem_lower and
 * mem_upper consistent with the e820 map, the command line "FILE ARGS",
 * modules from -initrd (two of them, the first with an argument; the runner
 * passes this test's own source files), and the loader name. Run with
 * -append "hello multiboot" -initrd "MODULE1 arg1,MODULE2".
 */
#include "runtime.h"

const char *test_name = "mbinfo";

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
    uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_mod {
    uint32_t start, end, string, reserved;
};

static int contains(const char *s, const char *w)
{
    for (; *s; s++) {
        const char *a = s, *b = w;
        while (*a && *b && *a == *b) {
            a++;
            b++;
        }
        if (!*b) {
            return 1;
        }
    }
    return 0;
}

static int starts_with(const char *s, const char *w)
{
    while (*w && *s == *w) {
        s++;
        w++;
    }
    return !*w;
}

void test_main(void)
{
    const struct mb_info *mb = (const struct mb_info *)(ureg)rt_mb_info;

    CHECK((mb->flags & 0x4f) == 0x4f, "flags: memory, boot device, cmdline, mods, mmap");
    CHECK_EQ(mb->mem_lower, 639, "mem_lower is 639 KiB");
    const char *cmd = (const char *)(ureg)mb->cmdline;
    rt_printf("# cmdline '%s'\n", cmd);
    CHECK(contains(cmd, "mbinfo-") && contains(cmd, ".img hello multiboot"),
          "the command line is the kernel file name, then -append");

    /* e820: RAM from 1 MiB up to 1 MiB + mem_upper KiB */
    uint32_t off = 0, found = 0;
    uint64_t top = 0;
    while (off < mb->mmap_length) {
        const uint8_t *e = (const uint8_t *)(ureg)(mb->mmap_addr + off);
        uint32_t size = *(const uint32_t *)e;
        uint64_t base = *(const uint64_t *)(e + 4);
        uint64_t len = *(const uint64_t *)(e + 12);
        uint32_t type = *(const uint32_t *)(e + 20);
        rt_printf("# e820 %llx-%llx type %u\n", (unsigned long long)base,
                  (unsigned long long)(base + len), type);
        if (type == 1 && base == 0x100000) {
            found = 1;
            top = base + len;
        }
        off += size + 4;
    }
    CHECK(found, "the map has usable RAM at 1 MiB");
    CHECK_EQ(top, 0x100000ull + (uint64_t)mb->mem_upper * 1024,
             "mem_upper matches the usable range above 1 MiB");

    /* modules */
    CHECK_EQ(mb->mods_count, 2, "two modules from -initrd");
    if (mb->mods_count == 2) {
        const struct mb_mod *m = (const struct mb_mod *)(ureg)mb->mods_addr;
        const char *s0 = (const char *)(ureg)m[0].string;
        const char *s1 = (const char *)(ureg)m[1].string;
        rt_printf("# module 0 '%s' %x-%x, module 1 '%s' %x-%x\n", s0, m[0].start,
                  m[0].end, s1, m[1].start, m[1].end);
        CHECK(contains(s0, "mbinfo.c arg1"), "module 0's string is its file and argument");
        CHECK(contains(s1, "hello.c") && !contains(s1, ","), "module 1's string");
        CHECK((m[0].start & 0xfff) == 0 && (m[1].start & 0xfff) == 0,
              "modules are page aligned");
        CHECK(starts_with((const char *)(ureg)m[0].start, "/*\n * The Multiboot information"),
              "module 0 holds the file's bytes");
        CHECK(starts_with((const char *)(ureg)m[1].start, "/* The smallest guest test"),
              "module 1 holds the file's bytes");
        CHECK(m[0].end > m[0].start && m[1].start >= m[0].end, "modules do not overlap");
    }
    if (mb->flags & (1u << 9)) {
        rt_printf("# boot loader '%s'\n", (const char *)(ureg)mb->boot_loader_name);
    }
}
