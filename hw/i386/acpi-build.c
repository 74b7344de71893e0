/*
 * The ACPI tables of the pc machine, built from the machine description
 * (ACPI 6.4 chapter 5; AML encodings from chapter 20): an RSDP revision 2
 * pointing at an RSDT and an XSDT, a FADT (revision 6, ACPI 6.0 layout) with
 * the PM timer, PM1a event and control blocks of hw/acpi/pm.h, the SCI, the
 * 0xCF9 reset register and both 32- and 64-bit pointers, a FACS, a MADT (a
 * Processor Local APIC per vCPU, the IOAPIC, an interrupt source override
 * for every ISA IRQ whose routing is not 1:1 edge/high, a Local APIC NMI on
 * LINT1 of every processor), and a DSDT written by a small AML encoder: a
 * processor device per vCPU, the ISA devices with their _CRS, and \_S0 and
 * \_S5 with the sleep types the PM block acts on. Left out: GPE blocks,
 * sleep states S1-S4, PCI (no MCFG, no _PRT), HPET, SRAT/SLIT, x2APIC
 * entries (APIC IDs stay below 255), SSDTs, _PRW wake events.
 */
#include "qemu/osdep.h"
#include "hw/i386/firmware-tables.h"
#include "hw/acpi/pm.h"

/* --- system description table header (ACPI 6.4 5.2.6) ----------------- */

#define ACPI_OEM_ID             "LAPIS"
#define ACPI_OEM_TABLE_PREFIX   "LAPS"      /* + signature: "LAPSFACP" */
#define ACPI_CREATOR_ID         "LAPS"
#define SDT_HEADER_LEN          36
#define SDT_OFF_LENGTH          4
#define SDT_OFF_CHECKSUM        9

static GByteArray *sdt_begin(const char *sig, uint8_t revision)
{
    GByteArray *t = g_byte_array_new();
    char table_id[9];

    snprintf(table_id, sizeof(table_id), "%s%s", ACPI_OEM_TABLE_PREFIX, sig);
    fw_put_str(t, sig, 4);
    fw_put32(t, 0);                /* length, set by sdt_end */
    fw_put8(t, revision);
    fw_put8(t, 0);                 /* checksum, set by sdt_end */
    fw_put_str(t, ACPI_OEM_ID, 6);
    fw_put_str(t, table_id, 8);
    fw_put32(t, 1);                /* OEM revision */
    fw_put_str(t, ACPI_CREATOR_ID, 4);
    fw_put32(t, 1);                /* creator revision */
    return t;
}

/* Set length and checksum; call again after patching pointers. */
static void sdt_end(GByteArray *t)
{
    fw_patch32(t, SDT_OFF_LENGTH, t->len);
    t->data[SDT_OFF_CHECKSUM] = 0;
    t->data[SDT_OFF_CHECKSUM] = -fw_checksum(t->data, t->len);
}

/* Generic Address Structure (ACPI 6.4 5.2.3.2). */
#define GAS_SPACE_SYSTEM_IO     1
#define GAS_ACCESS_BYTE         1
#define GAS_ACCESS_WORD         2
#define GAS_ACCESS_DWORD        3

static void put_gas_io(GByteArray *t, uint16_t port, uint8_t bit_width,
                       uint8_t access)
{
    fw_put8(t, port ? GAS_SPACE_SYSTEM_IO : 0);
    fw_put8(t, port ? bit_width : 0);
    fw_put8(t, 0);                 /* bit offset */
    fw_put8(t, port ? access : 0);
    fw_put64(t, port);
}

/* --- a small AML encoder (ACPI 6.4 chapter 20) ------------------------ */

#define AML_ZERO_OP             0x00
#define AML_ONE_OP              0x01
#define AML_NAME_OP             0x08
#define AML_BYTE_PREFIX         0x0A
#define AML_WORD_PREFIX         0x0B
#define AML_DWORD_PREFIX        0x0C
#define AML_STRING_PREFIX       0x0D
#define AML_QWORD_PREFIX        0x0E
#define AML_SCOPE_OP            0x10
#define AML_BUFFER_OP           0x11
#define AML_PACKAGE_OP          0x12
#define AML_EXT_OP_PREFIX       0x5B
#define AML_DEVICE_OP           0x82    /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR           '\\'

/* Small resource descriptors (ACPI 6.4 6.4.2). */
#define RES_IRQ_NOFLAGS         0x22    /* type 4, length 2 */
#define RES_IO                  0x47    /* type 8, length 7 */
#define RES_IO_DECODE16         0x01
#define RES_END_TAG             0x79    /* type 15, length 1 */

/* A NameSeg: four characters, padded with '_' (20.2.2). */
static void aml_nameseg(GByteArray *t, const char *name)
{
    size_t n = strlen(name);

    g_assert(n >= 1 && n <= 4);
    for (size_t i = 0; i < 4; i++) {
        fw_put8(t, i < n ? (uint8_t)name[i] : '_');
    }
}

/* A NameString: "\\XXXX" (root-relative) or "XXXX" (one segment). */
static void aml_namestring(GByteArray *t, const char *name)
{
    if (name[0] == AML_ROOT_CHAR) {
        fw_put8(t, AML_ROOT_CHAR);
        name++;
    }
    aml_nameseg(t, name);
}

/* PkgLength (20.2.4): counts its own bytes and what follows it. */
static void aml_pkglength(GByteArray *t, size_t body)
{
    size_t total;

    if (body + 1 <= 0x3F) {
        fw_put8(t, (uint8_t)(body + 1));
        return;
    }
    for (unsigned extra = 1; extra <= 3; extra++) {
        total = body + 1 + extra;
        if (total < (1u << (4 + 8 * extra))) {
            fw_put8(t, (uint8_t)((extra << 6) | (total & 0x0F)));
            for (unsigned i = 0; i < extra; i++) {
                fw_put8(t, (uint8_t)(total >> (4 + 8 * i)));
            }
            return;
        }
    }
    g_assert_not_reached();
}

static void aml_integer(GByteArray *t, uint64_t v)
{
    if (v == 0) {
        fw_put8(t, AML_ZERO_OP);
    } else if (v == 1) {
        fw_put8(t, AML_ONE_OP);
    } else if (v <= 0xFF) {
        fw_put8(t, AML_BYTE_PREFIX);
        fw_put8(t, (uint8_t)v);
    } else if (v <= 0xFFFF) {
        fw_put8(t, AML_WORD_PREFIX);
        fw_put16(t, (uint16_t)v);
    } else if (v <= 0xFFFFFFFF) {
        fw_put8(t, AML_DWORD_PREFIX);
        fw_put32(t, (uint32_t)v);
    } else {
        fw_put8(t, AML_QWORD_PREFIX);
        fw_put64(t, v);
    }
}

static void aml_string(GByteArray *t, const char *s)
{
    fw_put8(t, AML_STRING_PREFIX);
    g_byte_array_append(t, (const guint8 *)s, strlen(s) + 1);
}

/* EISAID("PNP0501") (ACPI 6.4 19.6.42): three 5-bit letters, four hex
 * digits, as a DWord in the byte order the macro produces. */
static void aml_eisaid(GByteArray *t, const char *id)
{
    uint32_t b0, b1, b2, b3;

    g_assert(strlen(id) == 7);
    b0 = ((id[0] & 0x1F) << 2) | ((id[1] & 0x1F) >> 3);
    b1 = ((id[1] & 0x07) << 5) | (id[2] & 0x1F);
    b2 = (g_ascii_xdigit_value(id[3]) << 4) | g_ascii_xdigit_value(id[4]);
    b3 = (g_ascii_xdigit_value(id[5]) << 4) | g_ascii_xdigit_value(id[6]);
    fw_put8(t, AML_DWORD_PREFIX);
    fw_put32(t, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
}

/* Append `body` as the contents of an opcode with a PkgLength; frees it. */
static void aml_package_op(GByteArray *t, const uint8_t *op, size_t oplen,
                           GByteArray *body)
{
    g_byte_array_append(t, op, oplen);
    aml_pkglength(t, body->len);
    g_byte_array_append(t, body->data, body->len);
    g_byte_array_free(body, TRUE);
}

/* Scope(name) { body } */
static void aml_scope(GByteArray *t, const char *name, GByteArray *body)
{
    static const uint8_t op[] = { AML_SCOPE_OP };
    GByteArray *full = g_byte_array_new();

    aml_namestring(full, name);
    g_byte_array_append(full, body->data, body->len);
    g_byte_array_free(body, TRUE);
    aml_package_op(t, op, sizeof(op), full);
}

/* Device(name) { body } */
static void aml_device(GByteArray *t, const char *name, GByteArray *body)
{
    static const uint8_t op[] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
    GByteArray *full = g_byte_array_new();

    aml_namestring(full, name);
    g_byte_array_append(full, body->data, body->len);
    g_byte_array_free(body, TRUE);
    aml_package_op(t, op, sizeof(op), full);
}

/* Name(name, ...): the caller appends the value. */
static void aml_name(GByteArray *t, const char *name)
{
    fw_put8(t, AML_NAME_OP);
    aml_namestring(t, name);
}

/* Package(n) { integers } */
static void aml_package_ints(GByteArray *t, const uint64_t *v, unsigned n)
{
    static const uint8_t op[] = { AML_PACKAGE_OP };
    GByteArray *body = g_byte_array_new();

    fw_put8(body, (uint8_t)n);     /* NumElements */
    for (unsigned i = 0; i < n; i++) {
        aml_integer(body, v[i]);
    }
    aml_package_op(t, op, sizeof(op), body);
}

/* Buffer() { bytes }: a ResourceTemplate's bytes, end tag added. */
static void aml_resource_template(GByteArray *t, GByteArray *res)
{
    static const uint8_t op[] = { AML_BUFFER_OP };
    GByteArray *body = g_byte_array_new();

    fw_put8(res, RES_END_TAG);
    fw_put8(res, 0);               /* checksum 0: "treat as valid" */
    aml_integer(body, res->len);
    g_byte_array_append(body, res->data, res->len);
    g_byte_array_free(res, TRUE);
    aml_package_op(t, op, sizeof(op), body);
}

static void res_io(GByteArray *r, uint16_t port, uint16_t len)
{
    fw_put8(r, RES_IO);
    fw_put8(r, RES_IO_DECODE16);
    fw_put16(r, port);             /* minimum */
    fw_put16(r, port);             /* maximum */
    fw_put8(r, 1);                 /* alignment */
    fw_put8(r, (uint8_t)len);
}

static void res_irq(GByteArray *r, int irq)
{
    fw_put8(r, RES_IRQ_NOFLAGS);
    fw_put16(r, (uint16_t)(1u << irq));
}

/* --- DSDT ------------------------------------------------------------- */

typedef struct AcpiIsaName {
    MachineDescIsaKind kind;
    const char *name;           /* NameSeg; serial ports add the unit */
    const char *hid;            /* EISA ID */
} AcpiIsaName;

static const AcpiIsaName acpi_isa_names[] = {
    { MD_ISA_PIT,    "PIT",  "PNP0100" },
    { MD_ISA_KBC,    "KBD",  "PNP0303" },
    { MD_ISA_RTC,    "RTC",  "PNP0B00" },
    { MD_ISA_SERIAL, "COM",  "PNP0501" },
};
#define ACPI_MOUSE_HID  "PNP0F13"

static const AcpiIsaName *acpi_isa_name(MachineDescIsaKind kind)
{
    for (size_t i = 0; i < G_N_ELEMENTS(acpi_isa_names); i++) {
        if (acpi_isa_names[i].kind == kind) {
            return &acpi_isa_names[i];
        }
    }
    return NULL;
}

static void dsdt_isa_device(GByteArray *sb, const MachineDescIsaDev *dev)
{
    const AcpiIsaName *an = acpi_isa_name(dev->kind);
    GByteArray *body = g_byte_array_new();
    GByteArray *res = g_byte_array_new();
    char name[5];

    if (dev->kind == MD_ISA_SERIAL) {
        snprintf(name, sizeof(name), "%s%u", an->name, dev->unit + 1);
    } else {
        snprintf(name, sizeof(name), "%s", an->name);
    }
    aml_name(body, "_HID");
    aml_eisaid(body, an->hid);
    if (dev->kind == MD_ISA_SERIAL) {
        aml_name(body, "_UID");
        aml_integer(body, dev->unit + 1);
    }
    res_io(res, dev->port, dev->nports);
    if (dev->nports2) {
        res_io(res, dev->port2, dev->nports2);
    }
    if (dev->irq != MD_NO_IRQ) {
        res_irq(res, dev->irq);
    }
    aml_name(body, "_CRS");
    aml_resource_template(body, res);
    aml_device(sb, name, body);

    if (dev->kind == MD_ISA_KBC && dev->irq2 != MD_NO_IRQ) {
        /* The i8042's auxiliary port is its own PNP device (a PS/2 mouse),
         * with only the interrupt: the ports belong to the keyboard. */
        body = g_byte_array_new();
        res = g_byte_array_new();
        aml_name(body, "_HID");
        aml_eisaid(body, ACPI_MOUSE_HID);
        res_irq(res, dev->irq2);
        aml_name(body, "_CRS");
        aml_resource_template(body, res);
        aml_device(sb, "MOU", body);
    }
}

static GByteArray *build_dsdt(const MachineDesc *d)
{
    GByteArray *t = sdt_begin("DSDT", 2);     /* revision 2: 64-bit ints */
    GByteArray *sb = g_byte_array_new();
    const uint64_t s0[] = { ACPI_SLP_TYP_S0, ACPI_SLP_TYP_S0, 0, 0 };
    const uint64_t s5[] = { ACPI_SLP_TYP_S5, ACPI_SLP_TYP_S5, 0, 0 };

    /* One processor device per vCPU; _UID matches the MADT's UID. */
    for (unsigned i = 0; i < d->ncpus; i++) {
        GByteArray *cpu = g_byte_array_new();
        char name[5];

        snprintf(name, sizeof(name), "C%03X", d->cpus[i].index);
        aml_name(cpu, "_HID");
        aml_string(cpu, "ACPI0007");
        aml_name(cpu, "_UID");
        aml_integer(cpu, d->cpus[i].index);
        aml_device(sb, name, cpu);
    }
    for (unsigned i = 0; i < d->nisa; i++) {
        dsdt_isa_device(sb, &d->isa[i]);
    }
    aml_scope(t, "\\_SB", sb);

    /* Sleep states: {PM1a SLP_TYP, PM1b SLP_TYP, reserved, reserved}. */
    aml_name(t, "\\_S0");
    aml_package_ints(t, s0, G_N_ELEMENTS(s0));
    aml_name(t, "\\_S5");
    aml_package_ints(t, s5, G_N_ELEMENTS(s5));
    sdt_end(t);
    return t;
}

/* --- FADT (ACPI 6.4 5.2.9, table 5.9) --------------------------------- */

#define FADT_REVISION           6
#define FADT_MINOR_VERSION      0
#define FADT_OFF_FIRMWARE_CTRL  36
#define FADT_OFF_DSDT           40
#define FADT_OFF_X_FIRMWARE_CTRL 132
#define FADT_OFF_X_DSDT         140
#define FADT_LEN                276

/* FADT fixed feature flags (table 5.10). */
#define FADT_F_WBINVD           (1u << 0)
#define FADT_F_PROC_C1          (1u << 2)
#define FADT_F_PWR_BUTTON       (1u << 4)   /* 1: no fixed power button */
#define FADT_F_SLP_BUTTON       (1u << 5)   /* 1: no fixed sleep button */
#define FADT_F_TMR_VAL_EXT      (1u << 8)   /* 32-bit PM timer */
#define FADT_F_RESET_REG_SUP    (1u << 10)
/* IA-PC boot architecture flags (table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define FADT_BOOT_8042          (1u << 1)
#define FADT_BOOT_NO_CMOS_RTC   (1u << 5)
/* P_LVL2_LAT > 100 and P_LVL3_LAT > 1000: no C2, no C3. */
#define FADT_NO_C2_LATENCY      0x0FFF
#define FADT_NO_C3_LATENCY      0x0FFF

static GByteArray *build_fadt(const MachineDesc *d)
{
    GByteArray *t = sdt_begin("FACP", FADT_REVISION);
    uint16_t evt = d->pm_iobase + ACPI_PM1_EVT_OFFSET;
    uint16_t cnt = d->pm_iobase + ACPI_PM1_CNT_OFFSET;
    uint16_t tmr = d->pm_iobase + ACPI_PM_TMR_OFFSET;
    uint16_t boot = 0;

    if (d->nisa) {
        boot |= FADT_BOOT_LEGACY_DEVICES;
    }
    if (machine_desc_find_isa(d, MD_ISA_KBC, 0)) {
        boot |= FADT_BOOT_8042;
    }
    if (!machine_desc_find_isa(d, MD_ISA_RTC, 0)) {
        boot |= FADT_BOOT_NO_CMOS_RTC;
    }

    fw_put32(t, 0);                /* FIRMWARE_CTRL, patched */
    fw_put32(t, 0);                /* DSDT, patched */
    fw_put8(t, 0);                 /* reserved (INT_MODEL in ACPI 1.0) */
    fw_put8(t, 0);                 /* Preferred_PM_Profile: unspecified */
    fw_put16(t, (uint16_t)d->sci_irq);
    fw_put32(t, 0);                /* SMI_CMD: none, always in ACPI mode */
    fw_put8(t, 0);                 /* ACPI_ENABLE */
    fw_put8(t, 0);                 /* ACPI_DISABLE */
    fw_put8(t, 0);                 /* S4BIOS_REQ */
    fw_put8(t, 0);                 /* PSTATE_CNT */
    fw_put32(t, evt);              /* PM1a_EVT_BLK */
    fw_put32(t, 0);                /* PM1b_EVT_BLK */
    fw_put32(t, cnt);              /* PM1a_CNT_BLK */
    fw_put32(t, 0);                /* PM1b_CNT_BLK */
    fw_put32(t, 0);                /* PM2_CNT_BLK */
    fw_put32(t, tmr);              /* PM_TMR_BLK */
    fw_put32(t, 0);                /* GPE0_BLK */
    fw_put32(t, 0);                /* GPE1_BLK */
    fw_put8(t, ACPI_PM1_EVT_LEN);
    fw_put8(t, ACPI_PM1_CNT_LEN);
    fw_put8(t, 0);                 /* PM2_CNT_LEN */
    fw_put8(t, ACPI_PM_TMR_LEN);
    fw_put8(t, 0);                 /* GPE0_BLK_LEN */
    fw_put8(t, 0);                 /* GPE1_BLK_LEN */
    fw_put8(t, 0);                 /* GPE1_BASE */
    fw_put8(t, 0);                 /* CST_CNT */
    fw_put16(t, FADT_NO_C2_LATENCY);
    fw_put16(t, FADT_NO_C3_LATENCY);
    fw_put16(t, 0);                /* FLUSH_SIZE */
    fw_put16(t, 0);                /* FLUSH_STRIDE */
    fw_put8(t, 0);                 /* DUTY_OFFSET */
    fw_put8(t, 0);                 /* DUTY_WIDTH */
    fw_put8(t, 0);                 /* DAY_ALRM: not supported */
    fw_put8(t, 0);                 /* MON_ALRM: not supported */
    fw_put8(t, machine_desc_find_isa(d, MD_ISA_RTC, 0) ? d->rtc_century : 0);
    fw_put16(t, boot);             /* IAPC_BOOT_ARCH */
    fw_put8(t, 0);                 /* reserved */
    fw_put32(t, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON |
             FADT_F_SLP_BUTTON | FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP);
    put_gas_io(t, d->reset_port, 8, GAS_ACCESS_BYTE);   /* RESET_REG */
    fw_put8(t, d->reset_value);
    fw_put16(t, 0);                /* ARM_BOOT_ARCH */
    fw_put8(t, FADT_MINOR_VERSION);
    fw_put64(t, 0);                /* X_FIRMWARE_CTRL, patched */
    fw_put64(t, 0);                /* X_DSDT, patched */
    put_gas_io(t, evt, ACPI_PM1_EVT_LEN * 8, GAS_ACCESS_WORD);
    put_gas_io(t, 0, 0, 0);     /* X_PM1b_EVT_BLK */
    put_gas_io(t, cnt, ACPI_PM1_CNT_LEN * 8, GAS_ACCESS_WORD);
    put_gas_io(t, 0, 0, 0);     /* X_PM1b_CNT_BLK */
    put_gas_io(t, 0, 0, 0);     /* X_PM2_CNT_BLK */
    put_gas_io(t, tmr, ACPI_PM_TMR_LEN * 8, GAS_ACCESS_DWORD);
    put_gas_io(t, 0, 0, 0);     /* X_GPE0_BLK */
    put_gas_io(t, 0, 0, 0);     /* X_GPE1_BLK */
    put_gas_io(t, 0, 0, 0);     /* SLEEP_CONTROL_REG */
    put_gas_io(t, 0, 0, 0);     /* SLEEP_STATUS_REG */
    fw_put64(t, 0);                /* hypervisor vendor identity */
    g_assert(t->len == FADT_LEN);
    sdt_end(t);
    return t;
}

/* --- FACS (ACPI 6.4 5.2.10) ------------------------------------------- */

#define FACS_LEN                64
#define FACS_VERSION            2

static GByteArray *build_facs(void)
{
    GByteArray *t = g_byte_array_new();

    fw_put_str(t, "FACS", 4);
    fw_put32(t, FACS_LEN);
    fw_put32(t, 0);                /* hardware signature */
    fw_put32(t, 0);                /* firmware waking vector */
    fw_put32(t, 0);                /* global lock */
    fw_put32(t, 0);                /* flags: no S4BIOS, no 64-bit wake */
    fw_put64(t, 0);                /* X firmware waking vector */
    fw_put8(t, FACS_VERSION);
    fw_put8(t, 0);
    fw_put16(t, 0);                /* reserved */
    fw_put32(t, 0);                /* OSPM flags */
    g_byte_array_set_size(t, FACS_LEN);     /* reserved, zero */
    memset(t->data + 40, 0, FACS_LEN - 40);
    return t;
}

/* --- MADT (ACPI 6.4 5.2.12) ------------------------------------------- */

#define MADT_REVISION           5       /* ACPI 6.0 */
#define MADT_PCAT_COMPAT        (1u << 0)
#define MADT_LAPIC              0
#define MADT_IOAPIC             1
#define MADT_ISO                2
#define MADT_LAPIC_NMI          4
#define MADT_LAPIC_ENABLED      (1u << 0)
#define MADT_ALL_PROCESSORS     0xFF
#define MADT_ISA_BUS            0
#define MADT_NMI_LINT           1

static GByteArray *build_madt(const MachineDesc *d)
{
    GByteArray *t = sdt_begin("APIC", MADT_REVISION);

    fw_put32(t, (uint32_t)d->lapic_addr);
    fw_put32(t, MADT_PCAT_COMPAT);         /* the i8259 pair is present */
    for (unsigned i = 0; i < d->ncpus; i++) {
        fw_put8(t, MADT_LAPIC);
        fw_put8(t, 8);
        fw_put8(t, (uint8_t)d->cpus[i].index);     /* ACPI processor UID */
        fw_put8(t, (uint8_t)d->cpus[i].apic_id);
        fw_put32(t, MADT_LAPIC_ENABLED);
    }
    fw_put8(t, MADT_IOAPIC);
    fw_put8(t, 12);
    fw_put8(t, d->ioapic.id);
    fw_put8(t, 0);
    fw_put32(t, (uint32_t)d->ioapic.addr);
    fw_put32(t, d->ioapic.gsi_base);
    /* An override wherever an ISA IRQ is not identity-mapped edge/high. */
    for (int irq = 0; irq < MD_ISA_IRQS; irq++) {
        const MachineDescIrqRoute *r = &d->isa_irq[irq];
        if (!r->present || (r->gsi == (uint32_t)irq && r->flags == 0)) {
            continue;
        }
        fw_put8(t, MADT_ISO);
        fw_put8(t, 10);
        fw_put8(t, MADT_ISA_BUS);
        fw_put8(t, (uint8_t)irq);
        fw_put32(t, r->gsi);
        fw_put16(t, r->flags);
    }
    fw_put8(t, MADT_LAPIC_NMI);
    fw_put8(t, 6);
    fw_put8(t, MADT_ALL_PROCESSORS);
    fw_put16(t, 0);                        /* flags: conforming */
    fw_put8(t, MADT_NMI_LINT);
    sdt_end(t);
    return t;
}

/* --- RSDT, XSDT, RSDP, and the layout --------------------------------- */

#define RSDP_LEN                36
#define RSDP_V1_LEN             20
#define RSDP_REVISION           2
#define RSDP_OFF_CHECKSUM       8
#define RSDP_OFF_EXT_CHECKSUM   32

static size_t blob_place(GByteArray *blob, GByteArray *t, size_t align)
{
    size_t off = (blob->len + align - 1) & ~(align - 1);

    g_byte_array_set_size(blob, off);
    g_byte_array_append(blob, t->data, t->len);
    return off;
}

GByteArray *acpi_build_tables(const MachineDesc *d, uint32_t base)
{
    GByteArray *blob = g_byte_array_new();
    GByteArray *facs = build_facs();
    GByteArray *dsdt = build_dsdt(d);
    GByteArray *fadt = build_fadt(d);
    GByteArray *madt = build_madt(d);
    GByteArray *rsdt = sdt_begin("RSDT", 1);
    GByteArray *xsdt = sdt_begin("XSDT", 1);
    GByteArray *rsdp = g_byte_array_new();
    size_t facs_off, dsdt_off, fadt_off, madt_off, rsdt_off, xsdt_off;

    g_assert((base & 0xF) == 0);
    g_byte_array_set_size(blob, RSDP_LEN);      /* the RSDP goes first */
    memset(blob->data, 0, RSDP_LEN);
    facs_off = blob_place(blob, facs, 64);      /* FACS: 64-byte aligned */
    dsdt_off = blob_place(blob, dsdt, 16);

    fw_patch32(fadt, FADT_OFF_FIRMWARE_CTRL, base + facs_off);
    fw_patch32(fadt, FADT_OFF_DSDT, base + dsdt_off);
    fw_patch64(fadt, FADT_OFF_X_DSDT, base + dsdt_off);
    /* X_FIRMWARE_CTRL stays 0: FIRMWARE_CTRL holds the FACS below 4 GiB,
     * and ACPI 6.4 5.2.9 wants only one of the two non-zero. */
    sdt_end(fadt);
    fadt_off = blob_place(blob, fadt, 16);
    madt_off = blob_place(blob, madt, 16);

    fw_put32(rsdt, base + fadt_off);
    fw_put32(rsdt, base + madt_off);
    sdt_end(rsdt);
    rsdt_off = blob_place(blob, rsdt, 16);
    fw_put64(xsdt, base + fadt_off);
    fw_put64(xsdt, base + madt_off);
    sdt_end(xsdt);
    xsdt_off = blob_place(blob, xsdt, 16);

    /* RSDP (ACPI 6.4 5.2.5.3). */
    fw_put_str(rsdp, "RSD PTR ", 8);
    fw_put8(rsdp, 0);              /* checksum of the first 20 bytes */
    fw_put_str(rsdp, ACPI_OEM_ID, 6);
    fw_put8(rsdp, RSDP_REVISION);
    fw_put32(rsdp, base + rsdt_off);
    fw_put32(rsdp, RSDP_LEN);
    fw_put64(rsdp, base + xsdt_off);
    fw_put8(rsdp, 0);              /* extended checksum */
    fw_put8(rsdp, 0);
    fw_put16(rsdp, 0);
    g_assert(rsdp->len == RSDP_LEN);
    rsdp->data[RSDP_OFF_CHECKSUM] = -fw_checksum(rsdp->data, RSDP_V1_LEN);
    rsdp->data[RSDP_OFF_EXT_CHECKSUM] = -fw_checksum(rsdp->data, RSDP_LEN);
    memcpy(blob->data, rsdp->data, RSDP_LEN);

    g_assert(blob->len <= FW_ACPI_AREA_SIZE);
    g_byte_array_free(facs, TRUE);
    g_byte_array_free(dsdt, TRUE);
    g_byte_array_free(fadt, TRUE);
    g_byte_array_free(madt, TRUE);
    g_byte_array_free(rsdt, TRUE);
    g_byte_array_free(xsdt, TRUE);
    g_byte_array_free(rsdp, TRUE);
    return blob;
}
