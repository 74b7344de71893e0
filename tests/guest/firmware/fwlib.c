/*
 * Helpers for the firmware-table guest tests (see fwlib.h): table searches,
 * checksums, APIC access and the INIT-SIPI-SIPI sequence. Delays are
 * timed with PIT channel 2 as firmware does (gate and OUT2 through port
 * 0x61), so they hold in virtual time under any accelerator; every wait is
 * bounded so that a missing AP fails a check instead of hanging.
 */
#include "fwlib.h"

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

static int parse_int(const char *s)
{
    int v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

static bool word_is(const char *s, const char *w)
{
    while (*w && *s == *w) {
        s++;
        w++;
    }
    return !*w;
}

void fw_parse_args(struct fw_args *a)
{
    const struct mb_info *mb = (const struct mb_info *)(ureg)rt_mb_info;
    const char *s;

    a->cpus = 1;
    a->acpi = 1;
    a->aps = 0;
    a->kvm = 0;
    a->action[0] = 0;
    if (!(mb->flags & 4) || !mb->cmdline) {
        return;
    }
    for (s = (const char *)(ureg)mb->cmdline; *s; s++) {
        if (s[0] != ' ' && s != (const char *)(ureg)mb->cmdline) {
            continue;
        }
        while (*s == ' ') {
            s++;
        }
        if (word_is(s, "cpus=")) {
            a->cpus = parse_int(s + 5);
        } else if (word_is(s, "acpi=")) {
            a->acpi = parse_int(s + 5);
        } else if (word_is(s, "aps=")) {
            a->aps = parse_int(s + 4);
        } else if (word_is(s, "kvm=")) {
            a->kvm = parse_int(s + 4);
        } else if (word_is(s, "action=")) {
            unsigned i = 0;
            for (s += 7; *s && *s != ' ' && i + 1 < sizeof(a->action); s++) {
                a->action[i++] = *s;
            }
            a->action[i] = 0;
            s--;
        }
        if (!*s) {
            break;
        }
    }
}

uint8_t fw_sum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (n--) {
        s += *b++;
    }
    return s;
}

bool fw_sig(const void *p, const char *sig)
{
    const uint8_t *b = p;
    for (; *sig; sig++, b++) {
        if (*b != (uint8_t)*sig) {
            return false;
        }
    }
    return true;
}

uint32_t fw_ebda_base(void)
{
    return (uint32_t)*(volatile uint16_t *)phys(0x40e) << 4;
}

const uint8_t *fw_find_mpf_in(uint32_t base, uint32_t len)
{
    for (uint32_t a = base; a + 16 <= base + len; a += 16) {
        const uint8_t *p = (const uint8_t *)phys(a);
        if (fw_sig(p, "_MP_") && p[8] == 1 && fw_sum(p, 16) == 0) {
            return p;
        }
    }
    return NULL;
}

static const uint8_t *rsdp_in(uint32_t base, uint32_t len)
{
    for (uint32_t a = base; a + 20 <= base + len; a += 16) {
        const uint8_t *p = (const uint8_t *)phys(a);
        if (fw_sig(p, "RSD PTR ") && fw_sum(p, 20) == 0) {
            return p;
        }
    }
    return NULL;
}

const uint8_t *fw_find_rsdp(void)
{
    uint32_t ebda = fw_ebda_base();
    const uint8_t *p = NULL;

    if (ebda >= 0x80000 && ebda < 0xa0000) {
        p = rsdp_in(ebda, 1024);
    }
    return p ? p : rsdp_in(0xe0000, 0x20000);
}

const uint8_t *fw_acpi_table(const uint8_t *rsdp, const char *sig)
{
    if (rsdp[15] >= 2 && rd64(rsdp + 24)) {
        const uint8_t *x = (const uint8_t *)phys(rd64(rsdp + 24));
        uint32_t n = (rd32(x + 4) - 36) / 8;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *t = (const uint8_t *)phys(rd64(x + 36 + 8 * i));
            if (fw_sig(t, sig)) {
                return t;
            }
        }
        return NULL;
    }
    const uint8_t *r = (const uint8_t *)phys(rd32(rsdp + 16));
    uint32_t n = (rd32(r + 4) - 36) / 4;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = (const uint8_t *)phys(rd32(r + 36 + 4 * i));
        if (fw_sig(t, sig)) {
            return t;
        }
    }
    return NULL;
}

uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)phys(LAPIC_BASE + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)phys(LAPIC_BASE + reg) = v;
}

uint32_t fw_own_apic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

uint32_t ioapic_read(uint32_t base, uint32_t reg)
{
    *(volatile uint32_t *)phys(base) = reg;               /* IOREGSEL */
    return *(volatile uint32_t *)phys(base + 0x10);     /* IOWIN */
}

void fw_spin(unsigned n)
{
    while (n--) {
        __asm__ volatile("pause" ::: "memory");
    }
}

/*
 * Wait us microseconds (at most 54 ms): PIT channel 2 in mode 0 counts down
 * at 1.193182 MHz and raises OUT2 (port 0x61 bit 5) at terminal count
 * (8254 datasheet, mode 0; port 0x61 bit 0 is GATE2, bit 1 the speaker).
 */
void fw_delay_us(unsigned us)
{
    uint32_t count = (uint32_t)(((uint64_t)us * 1193182 + 999999) / 1000000);

    if (count > 0xffff) {
        count = 0xffff;
    }
    if (count < 2) {
        count = 2;
    }
    outb(0x61, (inb(0x61) & ~0x03) | 0x01);
    outb(0x43, 0xb0);                   /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    for (unsigned i = 0; i < 50000000 && !(inb(0x61) & 0x20); i++) {
    }
}

extern const uint8_t fw_tramp_start[], fw_tramp_end[];

void fw_ap_reset(void)
{
    volatile uint8_t *dst = (volatile uint8_t *)phys(FW_TRAMP_ADDR);
    volatile uint32_t *bm = (volatile uint32_t *)phys(FW_AP_BITMAP);

    for (const uint8_t *s = fw_tramp_start; s < fw_tramp_end; s++) {
        *dst++ = *s;
    }
    for (int i = 0; i < 8; i++) {
        bm[i] = 0;
    }
    *(volatile uint32_t *)phys(FW_AP_COUNT) = 0;
    /* Software-enable the local APIC (SVR bit 8), spurious vector 0xff. */
    lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x1ff);
}

bool fw_ap_seen(uint8_t id)
{
    volatile uint32_t *bm = (volatile uint32_t *)phys(FW_AP_BITMAP);
    return (bm[id / 32] >> (id % 32)) & 1;
}

uint32_t fw_ap_count(void)
{
    return *(volatile uint32_t *)phys(FW_AP_COUNT);
}

/* ICR low: delivery mode bits 10:8 (INIT 5, start-up 6), level bit 14
 * (assert), delivery status bit 12 (send pending). SDM Vol. 3A 10.6.1. */
#define ICR_INIT        0x00004500u
#define ICR_SIPI        0x00004600u
#define ICR_PENDING     (1u << 12)

static void send_ipi(uint8_t id, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, (uint32_t)id << 24);
    lapic_write(LAPIC_ICR_LO, lo);
    for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++) {
        __asm__ volatile("pause");
    }
}

/* SDM Vol. 3A 8.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI. Then up to a
 * second for the AP to show. */
bool fw_start_cpu(uint8_t id)
{
    send_ipi(id, ICR_INIT);
    fw_delay_us(10000);
    send_ipi(id, ICR_SIPI | (FW_TRAMP_ADDR >> 12));
    fw_delay_us(200);
    if (!fw_ap_seen(id)) {
        send_ipi(id, ICR_SIPI | (FW_TRAMP_ADDR >> 12));
    }
    for (int i = 0; i < 100 && !fw_ap_seen(id); i++) {
        fw_delay_us(10000);
    }
    return fw_ap_seen(id);
}
