/*
 * Direct kernel boot of Multiboot (version 1) images, the way QEMU's -kernel
 * does it: the header is searched in the first 8 KiB; with the a.out kludge
 * (flag bit 16) its addresses say what to load, otherwise the file must be
 * an ELF32 image whose PT_LOAD segments are copied to their physical
 * addresses, BSS zeroed. The Multiboot information (Multiboot 0.6.96 spec,
 * section 3.3) carries mem_lower/mem_upper, the boot device, the command
 * line "FILE ARGS", one module per comma-separated -initrd entry ("FILE
 * ARGS" each; ",," is a literal comma, as in QEMU), the e820 memory map from
 * the machine description and the boot loader name. The CPU enters the
 * kernel in flat 32-bit protected mode with paging off, EAX=0x2BADB002 and
 * EBX pointing to the information. Before that the machine is left as a PC
 * BIOS leaves it: a real-mode IVT with stubs (an IRET, and EOI-then-IRET for
 * the PIC's vectors 0x08-0x0F and 0x70-0x77), the PICs at vector bases
 * 0x08/0x70 with SeaBIOS's masks, PIT channel 0 at 18.2 Hz, and the BSP's
 * LAPIC in virtual-wire mode (LINT0 ExtINT, LINT1 NMI). Not supported: ELF64 images (as QEMU, they must be
 * converted to elf32-i386), the VBE/video fields, the ELF section table.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/machine-desc.h"
#include "target/i386/cpu.h"
#include "target/i386/tcg/tcg-cpu.h"

#define MB_HEADER_MAGIC     0x1BADB002u
#define MB_BOOT_MAGIC       0x2BADB002u
#define MB_SEARCH_LIMIT     8192

/* header flags (spec 3.1.2) */
#define MB_HDR_PAGE_ALIGN   (1u << 0)
#define MB_HDR_MEMORY_INFO  (1u << 1)
#define MB_HDR_VIDEO_MODE   (1u << 2)
#define MB_HDR_AOUT_KLUDGE  (1u << 16)

/* information flags (spec 3.3) */
#define MBI_MEMORY          (1u << 0)
#define MBI_BOOT_DEVICE     (1u << 1)
#define MBI_CMDLINE         (1u << 2)
#define MBI_MODS            (1u << 3)
#define MBI_MMAP            (1u << 6)
#define MBI_LOADER_NAME     (1u << 9)

/* Multiboot information structure offsets */
#define MBI_FLAGS           0
#define MBI_MEM_LOWER       4
#define MBI_MEM_UPPER       8
#define MBI_BOOT_DEV        12
#define MBI_CMDLINE_ADDR    16
#define MBI_MODS_COUNT      20
#define MBI_MODS_ADDR       24
#define MBI_MMAP_LENGTH     44
#define MBI_MMAP_ADDR       48
#define MBI_LOADER_NAME_ADDR 64
#define MBI_SIZE            0x58

/* Where the loader puts its own structures (below the kernel, as QEMU's
 * option ROM keeps them at 0x9000). */
#define MB_INFO_ADDR        0x9000u
#define MB_MMAP_ADDR        0x9100u
#define MB_GDT_ADDR         0x9400u
#define MB_MODS_TABLE_ADDR  0x9500u
#define MB_MAX_MODS         64

/* the real-mode interrupt stubs, in the BIOS F-segment */
#define STUB_IRET_ADDR      0xFFF53u
#define STUB_EOI_MASTER     0xFFF40u
#define STUB_EOI_SLAVE      0xFFF48u

/* ELF32 (System V ABI, i386 supplement) */
#define EI_CLASS 4
#define ELFCLASS32 1
#define ELFCLASS64 2
#define EM_386 3
#define PT_LOAD 1

/*
 * The machine description (hw/i386/machine-desc.c) supplies the e820 map.
 * Until every build links it, fall back to the PC layout it describes.
 */
#pragma weak machine_desc_build
#pragma weak machine_desc_free

static MachineDesc *mb_machine_desc(MachineState *ms, GError **errp)
{
    if (machine_desc_build) {
        return machine_desc_build(ms, errp);
    }
    MachineDesc *md = g_new0(MachineDesc, 1);
    uint64_t below = ms->ram_size < MD_LOWMEM_LIMIT ? ms->ram_size
                                                    : MD_LOWMEM_LIMIT;
    md->ram_size = ms->ram_size;
    md->below_4g = below;
    md->above_4g = ms->ram_size - below;
    md->ram[md->nram++] = (MachineDescRam){ 0, MD_BASE_MEM_END, MD_RAM_USABLE };
    md->ram[md->nram++] = (MachineDescRam){ MD_EBDA_ADDR, MD_EBDA_SIZE,
                                            MD_RAM_RESERVED };
    md->ram[md->nram++] = (MachineDescRam){ MD_BIOS_AREA_START,
        MD_BIOS_AREA_END - MD_BIOS_AREA_START, MD_RAM_RESERVED };
    md->ram[md->nram++] = (MachineDescRam){ MD_HIGH_RAM_START,
        below - MD_HIGH_RAM_START, MD_RAM_USABLE };
    if (md->above_4g) {
        md->ram[md->nram++] = (MachineDescRam){ MD_HIGHMEM_BASE, md->above_4g,
                                                MD_RAM_USABLE };
    }
    return md;
}

static void mb_machine_desc_free(MachineDesc *md)
{
    if (machine_desc_free) {
        machine_desc_free(md);
    } else {
        g_free(md);
    }
}

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/* Is [addr, addr+len) plain RAM in the system address space? */
static bool range_is_ram(uint64_t addr, uint64_t len)
{
    while (len) {
        hwaddr l = len;
        if (!address_space_get_ram_ptr(&address_space_memory, addr, &l, true)
            || l == 0) {
            return false;
        }
        addr += l;
        len -= l;
    }
    return true;
}

static bool guest_write(uint64_t addr, const void *buf, uint64_t len,
                        GError **errp)
{
    if (!range_is_ram(addr, len)) {
        error_setg(errp, "kernel segment 0x%" PRIx64 "-0x%" PRIx64
                   " is outside RAM", addr, addr + len);
        return false;
    }
    address_space_write(&address_space_memory, addr, buf, len);
    return true;
}

static bool guest_zero(uint64_t addr, uint64_t len, GError **errp)
{
    if (!len) {
        return true;
    }
    uint8_t *z = g_malloc0(len);
    bool ok = guest_write(addr, z, len, errp);
    g_free(z);
    return ok;
}

typedef struct LoadedKernel {
    uint32_t entry;
    uint64_t end;           /* first byte after everything loaded */
} LoadedKernel;

static bool load_aout_kludge(const uint8_t *img, size_t size, size_t hdr_off,
                             const uint8_t *hdr, LoadedKernel *k, GError **errp)
{
    uint32_t header_addr = rd32(hdr + 12);
    uint32_t load_addr = rd32(hdr + 16);
    uint32_t load_end = rd32(hdr + 20);
    uint32_t bss_end = rd32(hdr + 24);
    uint32_t entry = rd32(hdr + 28);

    if (header_addr < load_addr || header_addr - load_addr > hdr_off) {
        error_setg(errp, "invalid Multiboot header addresses");
        return false;
    }
    size_t file_off = hdr_off - (header_addr - load_addr);
    uint64_t load_size = load_end ? (uint64_t)load_end - load_addr
                                  : size - file_off;
    if (load_end && load_end < load_addr) {
        error_setg(errp, "invalid Multiboot load_end_addr");
        return false;
    }
    if (file_off + load_size > size) {
        error_setg(errp, "kernel image is truncated");
        return false;
    }
    if (!guest_write(load_addr, img + file_off, load_size, errp)) {
        return false;
    }
    uint64_t end = load_addr + load_size;
    if (bss_end) {
        if (bss_end < end) {
            error_setg(errp, "invalid Multiboot bss_end_addr");
            return false;
        }
        if (!guest_zero(end, bss_end - end, errp)) {
            return false;
        }
        end = bss_end;
    }
    k->entry = entry;
    k->end = end;
    return true;
}

static bool load_elf32(const uint8_t *img, size_t size, LoadedKernel *k,
                       GError **errp)
{
    if (size < 52 || memcmp(img, "\x7f" "ELF", 4) != 0) {
        error_setg(errp, "not a Multiboot kernel: no a.out kludge and not "
                   "an ELF image");
        return false;
    }
    if (img[EI_CLASS] == ELFCLASS64) {
        error_setg(errp, "Cannot load x86-64 image, give a 32bit one.");
        return false;
    }
    if (img[EI_CLASS] != ELFCLASS32 || rd16(img + 18) != EM_386) {
        error_setg(errp, "not an i386 ELF32 image");
        return false;
    }
    uint32_t entry = rd32(img + 24);
    uint32_t phoff = rd32(img + 28);
    uint16_t phentsize = rd16(img + 42);
    uint16_t phnum = rd16(img + 44);
    bool entry_mapped = false;
    uint64_t end = 0;

    if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phnum * phentsize > size) {
        error_setg(errp, "kernel image is truncated (program headers)");
        return false;
    }
    unsigned loaded = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + i * phentsize;
        if (rd32(ph) != PT_LOAD) {
            continue;
        }
        uint32_t off = rd32(ph + 4), vaddr = rd32(ph + 8), paddr = rd32(ph + 12);
        uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);
        if ((uint64_t)off + filesz > size) {
            error_setg(errp, "kernel image is truncated (segment %u)", i);
            return false;
        }
        if (filesz > memsz) {
            error_setg(errp, "ELF segment %u: file size exceeds memory size", i);
            return false;
        }
        if (!guest_write(paddr, img + off, filesz, errp)
            || !guest_zero((uint64_t)paddr + filesz, memsz - filesz, errp)) {
            return false;
        }
        /* the entry point is virtual; translate it like the segment */
        if (!entry_mapped && entry >= vaddr && entry - vaddr < memsz) {
            entry = entry - vaddr + paddr;
            entry_mapped = true;
        }
        if ((uint64_t)paddr + memsz > end) {
            end = (uint64_t)paddr + memsz;
        }
        loaded++;
    }
    if (!loaded) {
        error_setg(errp, "ELF image has no loadable segment");
        return false;
    }
    k->entry = entry;
    k->end = end;
    return true;
}

/* Split -initrd at commas; ",," stands for one comma (QEMU's rule). */
static GPtrArray *split_modules(const char *spec)
{
    GPtrArray *mods = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = spec; ; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            if (cur->len) {
                g_ptr_array_add(mods, g_strdup(cur->str));
            }
            g_string_truncate(cur, 0);
            if (!*p) {
                break;
            }
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_string_free(cur, true);
    return mods;
}

static void write_ivt_stubs(void)
{
    static const uint8_t iret = 0xcf;
    /* push ax; mov al,0x20; out 0x20,al; pop ax; iret */
    static const uint8_t eoi_master[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf };
    /* push ax; mov al,0x20; out 0xa0,al; out 0x20,al; pop ax; iret */
    static const uint8_t eoi_slave[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20,
                                         0x58, 0xcf };
    uint8_t ivt[1024];

    address_space_write(&address_space_memory, STUB_IRET_ADDR, &iret, 1);
    address_space_write(&address_space_memory, STUB_EOI_MASTER, eoi_master,
                        sizeof(eoi_master));
    address_space_write(&address_space_memory, STUB_EOI_SLAVE, eoi_slave,
                        sizeof(eoi_slave));
    for (int v = 0; v < 256; v++) {
        uint32_t lin = STUB_IRET_ADDR;
        if (v >= 0x08 && v <= 0x0f) {
            lin = STUB_EOI_MASTER;
        } else if (v >= 0x70 && v <= 0x77) {
            lin = STUB_EOI_SLAVE;
        }
        /* segment F000, offset lin - 0xF0000 */
        wr32(ivt + v * 4, (0xf000u << 16) | (lin - 0xf0000u));
    }
    address_space_write(&address_space_memory, 0, ivt, sizeof(ivt));
}

/*
 * Leave the interrupt controller and the timer as a PC BIOS does before it
 * jumps to a boot loader: both i8259s initialised with vector bases 0x08 and
 * 0x70 (8259A datasheet, ICW1-ICW4), only the timer and the cascade
 * unmasked, and PIT channel 0 in mode 3 with the full count 65536, i.e.
 * 1193182 / 65536 = 18.2 Hz (8254 datasheet, control word 0x36). This goes
 * through the ports, as the BIOS's own writes would.
 */
#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define PIT_CH0         0x40
#define PIT_MODE        0x43

static void mb_bios_device_state(void)
{
    static const struct { uint16_t port; uint8_t val; } seq[] = {
        { PIC_MASTER_CMD, 0x11 },   /* ICW1: edge, cascade, ICW4 needed */
        { PIC_MASTER_DATA, 0x08 },  /* ICW2: vectors 0x08-0x0f */
        { PIC_MASTER_DATA, 0x04 },  /* ICW3: slave on IR2 */
        { PIC_MASTER_DATA, 0x01 },  /* ICW4: 8086 mode */
        { PIC_SLAVE_CMD, 0x11 },
        { PIC_SLAVE_DATA, 0x70 },   /* vectors 0x70-0x77 */
        { PIC_SLAVE_DATA, 0x02 },   /* cascade identity 2 */
        { PIC_SLAVE_DATA, 0x01 },
        /* OCW1: the masks SeaBIOS leaves (QEMU's -kernel path): IRQ 0, 1,
         * 2, 6 open on the master, 8, 12, 13 on the slave */
        { PIC_MASTER_DATA, 0xb8 },
        { PIC_SLAVE_DATA, 0x8e },
        { PIT_MODE, 0x36 },         /* channel 0, lobyte/hibyte, mode 3 */
        { PIT_CH0, 0x00 },
        { PIT_CH0, 0x00 },          /* count 0 = 65536 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(seq); i++) {
        address_space_st(&address_space_io, seq[i].port, 1, seq[i].val);
    }
}

/*
 * The BSP's local APIC in virtual-wire mode, as the BIOS leaves it (MP spec
 * 1.4 section 3.6.2.2): software-enabled with spurious vector 0xff, LINT0
 * ExtINT (the PIC's INTR) and LINT1 NMI, level-triggered as SeaBIOS writes
 * them (SDM vol. 3A 11.5.1 LVT layout). Written through the BSP's own view,
 * where its LAPIC page is; without a LAPIC the writes are dropped.
 */
#define LAPIC_BASE      0xfee00000u
#define LAPIC_SVR       0x0f0
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360

static void mb_bios_lapic_state(X86CPU *bsp)
{
    if (!bsp->apic) {
        return;
    }
    address_space_st(&bsp->as, LAPIC_BASE + LAPIC_SVR, 4, 0x1ff);
    address_space_st(&bsp->as, LAPIC_BASE + LAPIC_LVT_LINT0, 4, 0x8700);
    address_space_st(&bsp->as, LAPIC_BASE + LAPIC_LVT_LINT1, 4, 0x8400);
}

bool x86_load_multiboot(MachineState *ms, X86CPU *bsp, GError **errp)
{
    g_autofree uint8_t *img = NULL;
    gsize size = 0;
    GError *err = NULL;
    const char *file = ms->kernel_filename;

    if (!g_file_get_contents(file, (gchar **)&img, &size, &err)) {
        error_setg(errp, "cannot read kernel: %s", err->message);
        g_error_free(err);
        return false;
    }

    /* the header: 4-byte aligned in the first 8 KiB (spec 3.1.1) */
    size_t hdr_off = SIZE_MAX;
    size_t limit = size < MB_SEARCH_LIMIT ? size : MB_SEARCH_LIMIT;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        uint32_t magic = rd32(img + off), flags = rd32(img + off + 4);
        if (magic == MB_HEADER_MAGIC
            && (uint32_t)(magic + flags + rd32(img + off + 8)) == 0) {
            hdr_off = off;
            break;
        }
    }
    if (hdr_off == SIZE_MAX) {
        error_setg(errp, "not a Multiboot kernel (no Multiboot header in the "
                   "first 8 KiB)");
        return false;
    }
    const uint8_t *hdr = img + hdr_off;
    uint32_t flags = rd32(hdr + 4);
    if (flags & MB_HDR_VIDEO_MODE) {
        qemu_log_mask(LOG_UNIMP, "multiboot: video mode request ignored\n");
    }

    MachineDesc *md = mb_machine_desc(ms, errp);
    if (!md) {
        return false;
    }

    write_ivt_stubs();
    mb_bios_device_state();
    mb_bios_lapic_state(bsp);

    LoadedKernel k;
    bool ok;
    if (flags & MB_HDR_AOUT_KLUDGE) {
        if (hdr_off + 32 > size) {
            error_setg(errp, "kernel image is truncated (Multiboot header)");
            mb_machine_desc_free(md);
            return false;
        }
        ok = load_aout_kludge(img, size, hdr_off, hdr, &k, errp);
    } else {
        ok = load_elf32(img, size, &k, errp);
    }
    if (!ok) {
        mb_machine_desc_free(md);
        return false;
    }

    /* strings and modules go after the kernel, page aligned */
    uint64_t next = (k.end + 0xfff) & ~0xfffull;
    uint8_t mbi[MBI_SIZE] = { 0 };
    uint32_t mbi_flags = MBI_MEMORY | MBI_BOOT_DEVICE | MBI_CMDLINE | MBI_MODS
                         | MBI_MMAP | MBI_LOADER_NAME;

    g_autofree char *cmdline = g_strdup_printf("%s %s", file,
                                               ms->kernel_cmdline ? ms->kernel_cmdline : "");
    static const char loader_name[] = "lapis";
    uint64_t cmdline_addr = next;
    uint64_t name_addr = cmdline_addr + strlen(cmdline) + 1;
    next = name_addr + sizeof(loader_name);

    /* modules */
    uint8_t modtab[MB_MAX_MODS * 16] = { 0 };
    unsigned nmods = 0;
    if (ms->initrd_filename && *ms->initrd_filename) {
        GPtrArray *mods = split_modules(ms->initrd_filename);
        /* module strings first, then the module contents page aligned */
        uint64_t str_addr = next;
        for (unsigned i = 0; i < mods->len; i++) {
            str_addr += strlen(g_ptr_array_index(mods, i)) + 1;
        }
        uint64_t mod_addr = (str_addr + 0xfff) & ~0xfffull;
        str_addr = next;
        for (unsigned i = 0; i < mods->len && ok; i++) {
            const char *spec = g_ptr_array_index(mods, i);
            g_autofree char *path = g_strdup(spec);
            char *space = strchr(path, ' ');
            if (space) {
                *space = '\0';
            }
            g_autofree uint8_t *data = NULL;
            gsize dlen = 0;
            if (nmods >= MB_MAX_MODS) {
                error_setg(errp, "too many Multiboot modules (at most %d)",
                           MB_MAX_MODS);
                ok = false;
                break;
            }
            if (!g_file_get_contents(path, (gchar **)&data, &dlen, &err)) {
                error_setg(errp, "cannot read module: %s", err->message);
                g_error_free(err);
                err = NULL;
                ok = false;
                break;
            }
            ok = guest_write(mod_addr, data, dlen, errp)
                 && guest_write(str_addr, spec, strlen(spec) + 1, errp);
            wr32(modtab + nmods * 16, mod_addr);
            wr32(modtab + nmods * 16 + 4, mod_addr + dlen);
            wr32(modtab + nmods * 16 + 8, str_addr);
            nmods++;
            str_addr += strlen(spec) + 1;
            mod_addr = (mod_addr + dlen + 0xfff) & ~0xfffull;
        }
        next = mod_addr;
        g_ptr_array_free(mods, true);
    }
    ok = ok && guest_write(cmdline_addr, cmdline, strlen(cmdline) + 1, errp)
         && guest_write(name_addr, loader_name, sizeof(loader_name), errp);
    if (ok && nmods) {
        ok = guest_write(MB_MODS_TABLE_ADDR, modtab, nmods * 16, errp);
    }

    /* the e820 map: entries of size(4), base(8), length(8), type(4) */
    uint8_t mmap[MD_MAX_RAM_RANGES * 24];
    unsigned mmap_len = 0;
    for (unsigned i = 0; i < md->nram; i++) {
        uint8_t *e = mmap + mmap_len;
        wr32(e, 20);
        wr32(e + 4, (uint32_t)md->ram[i].base);
        wr32(e + 8, md->ram[i].base >> 32);
        wr32(e + 12, (uint32_t)md->ram[i].size);
        wr32(e + 16, md->ram[i].size >> 32);
        wr32(e + 20, md->ram[i].type);
        mmap_len += 24;
    }
    uint64_t below_4g = md->below_4g;
    mb_machine_desc_free(md);
    if (!ok) {
        return false;
    }
    address_space_write(&address_space_memory, MB_MMAP_ADDR, mmap, mmap_len);

    wr32(mbi + MBI_FLAGS, mbi_flags);
    wr32(mbi + MBI_MEM_LOWER, MD_BASE_MEM_END / 1024);
    wr32(mbi + MBI_MEM_UPPER, (uint32_t)((below_4g - MD_HIGH_RAM_START) / 1024));
    wr32(mbi + MBI_BOOT_DEV, 0x8000ffff);   /* first BIOS disk, no partition */
    wr32(mbi + MBI_CMDLINE_ADDR, cmdline_addr);
    wr32(mbi + MBI_MODS_COUNT, nmods);
    wr32(mbi + MBI_MODS_ADDR, MB_MODS_TABLE_ADDR);
    wr32(mbi + MBI_MMAP_LENGTH, mmap_len);
    wr32(mbi + MBI_MMAP_ADDR, MB_MMAP_ADDR);
    wr32(mbi + MBI_LOADER_NAME_ADDR, name_addr);
    address_space_write(&address_space_memory, MB_INFO_ADDR, mbi, sizeof(mbi));

    /* a flat GDT: null, null, code 0x10, data 0x18 (as QEMU's option ROM) */
    static const uint8_t gdt[32] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,
        0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,
    };
    address_space_write(&address_space_memory, MB_GDT_ADDR, gdt, sizeof(gdt));

    /* the CPU: 32-bit flat protected mode, paging off (spec 3.2) */
    CPUX86State *env = &bsp->env;
    env->cr[0] |= 1;            /* PE */
    env->cr[0] &= ~(1ull << 31);
    env->gdt.base = MB_GDT_ADDR;
    env->gdt.limit = sizeof(gdt) - 1;
    for (int s = 0; s < 6; s++) {
        bool code = s == R_CS;
        env->segs[s].selector = code ? 0x10 : 0x18;
        env->segs[s].base = 0;
        env->segs[s].limit = 0xffffffff;
        env->segs[s].flags = code ? 0x00cf9b00 : 0x00cf9300;
    }
    env->rflags = 0x2;
    env->rip = k.entry;
    env->regs[R_EAX] = MB_BOOT_MAGIC;
    env->regs[R_EBX] = MB_INFO_ADDR;
    env->run_state = X86_RUN_RUNNING;
    /* the loader rewrote RAM behind any decoded code */
    tcg_x86_flush_code_cache();
    (void)next;
    return true;
}
