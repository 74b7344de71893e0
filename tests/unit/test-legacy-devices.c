/*
 * Unit tests of the legacy PC devices' C interfaces, which no guest port
 * reaches: key and mouse injection into the i8042 (scancode sets and the
 * 8042 translation), the combined A20 gate, fw_cfg's item and file API
 * (sorted directory, keys, replacement, limits), and the RTC's -rtc base
 * parser, NMI-mask and CMOS getters. Devices are realized on the system
 * I/O space and driven through address_space_io, as a guest would.
 */
#include "qemu/osdep.h"
#include "hw/qdev.h"
#include "hw/input/i8042.h"
#include "hw/misc/pc_reset.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/rtc/mc146818rtc.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "softmmu/memory.h"

static uint8_t inb(uint16_t port)
{
    uint64_t v = 0;

    g_assert_cmpint(address_space_ld(&address_space_io, port, 1, &v), ==,
                    MEMTX_OK);
    return (uint8_t)v;
}

static void outb(uint16_t port, uint8_t v)
{
    g_assert_cmpint(address_space_st(&address_space_io, port, 1, v), ==,
                    MEMTX_OK);
}

static void outw(uint16_t port, uint16_t v)
{
    g_assert_cmpint(address_space_st(&address_space_io, port, 2, v), ==,
                    MEMTX_OK);
}

static DeviceState *make(const char *type)
{
    DeviceState *dev = qdev_new(type);
    GError *err = NULL;

    g_assert_true(qdev_realize(dev, NULL, &err));
    g_assert_no_error(err);
    device_reset(dev);
    return dev;
}

/* --- i8042 --- */

static uint8_t kbc_read(void)
{
    g_assert_cmphex(inb(I8042_CMD_PORT) & 0x01, ==, 0x01);
    return inb(I8042_DATA_PORT);
}

static void kbc_assert_empty(void)
{
    g_assert_cmphex(inb(I8042_CMD_PORT) & 0x01, ==, 0);
}

static void kbc_write_mode(uint8_t mode)
{
    outb(I8042_CMD_PORT, 0x60);
    outb(I8042_DATA_PORT, mode);
}

static void put(DeviceState *kbc, I8042ScancodeSet set, const char *hex)
{
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    g_auto(GStrv) words = g_strsplit(hex, " ", -1);

    for (char **w = words; *w; w++) {
        uint8_t b = (uint8_t)strtoul(*w, NULL, 16);
        g_byte_array_append(bytes, &b, 1);
    }
    i8042_put_keycode(kbc, set, bytes->data, bytes->len);
}

static void assert_bytes(const char *hex)
{
    g_auto(GStrv) words = g_strsplit(hex, " ", -1);

    for (char **w = words; *w; w++) {
        g_assert_cmphex(kbc_read(), ==, strtoul(*w, NULL, 16));
    }
    kbc_assert_empty();
}

static void test_i8042_set2_keys_pass_without_xlate(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    put(kbc, I8042_SCANCODE_SET2, "1c");
    put(kbc, I8042_SCANCODE_SET2, "f0 1c");
    put(kbc, I8042_SCANCODE_SET2, "e0 75");
    assert_bytes("1c f0 1c e0 75");
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_xlate_turns_set2_into_set1(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    kbc_write_mode(0x43);           /* XLATE, INT2, INT */
    put(kbc, I8042_SCANCODE_SET2, "1c");        /* A down */
    put(kbc, I8042_SCANCODE_SET2, "f0 1c");     /* A up */
    put(kbc, I8042_SCANCODE_SET2, "e0 75");     /* up arrow */
    put(kbc, I8042_SCANCODE_SET2, "e0 f0 75");
    put(kbc, I8042_SCANCODE_SET2, "76 5a 83");  /* Esc, Enter, F7 */
    assert_bytes("1e 9e e0 48 e0 c8 01 1c 41");
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_set1_input_is_converted(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    /* Without XLATE the keyboard sends set 2, so set-1 input becomes set 2. */
    put(kbc, I8042_SCANCODE_SET1, "1e 9e e0 48 e0 c8");
    assert_bytes("1c f0 1c e0 75 e0 f0 75");
    /* With XLATE the guest sees set 1 again. */
    kbc_write_mode(0x43);
    put(kbc, I8042_SCANCODE_SET1, "1e 9e 2a");
    assert_bytes("1e 9e 2a");
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_keyboard_in_set1_sends_set1(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    outb(I8042_DATA_PORT, 0xf0);
    outb(I8042_DATA_PORT, 0x01);
    assert_bytes("fa fa");
    put(kbc, I8042_SCANCODE_SET2, "1c f0 1c");
    assert_bytes("1e 9e");
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_scanning_disabled_drops_keys(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    outb(I8042_DATA_PORT, 0xf5);
    assert_bytes("fa");
    put(kbc, I8042_SCANCODE_SET2, "1c");
    kbc_assert_empty();
    outb(I8042_DATA_PORT, 0xf4);
    assert_bytes("fa");
    put(kbc, I8042_SCANCODE_SET2, "1c");
    assert_bytes("1c");
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_keyboard_buffer_holds_16_bytes(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    outb(I8042_CMD_PORT, 0xad);     /* bytes stay in the keyboard */
    for (int i = 0; i < 20; i++) {
        uint8_t b = (uint8_t)(0x10 + i);
        i8042_put_keycode(kbc, I8042_SCANCODE_SET2, &b, 1);
    }
    kbc_assert_empty();
    outb(I8042_CMD_PORT, 0xae);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(kbc_read(), ==, 0x10 + i);
    }
    kbc_assert_empty();
    qdev_unrealize_and_free(kbc);
}

static void test_i8042_mouse_packet_when_reporting(void)
{
    DeviceState *kbc = make(TYPE_I8042);

    i8042_put_mouse_event(kbc, 5, -3, 1);
    kbc_assert_empty();             /* reporting is off after reset */
    outb(I8042_CMD_PORT, 0xd4);
    outb(I8042_DATA_PORT, 0xf4);
    assert_bytes("fa");
    i8042_put_mouse_event(kbc, 5, -3, 1);
    g_assert_cmphex(inb(I8042_CMD_PORT) & 0x21, ==, 0x21);  /* AUX_OBF */
    /* Left button, always-1 bit, Y negative; then X and Y. */
    assert_bytes("29 05 fd");
    i8042_put_mouse_event(kbc, -300, 300, 6);
    assert_bytes("1e 00 ff");
    qdev_unrealize_and_free(kbc);
}

static void test_a20_gate_ors_i8042_and_port92(void)
{
    DeviceState *kbc, *rst;

    g_assert_true(pc_a20_enabled());    /* no gate at all */
    kbc = make(TYPE_I8042);
    rst = make(TYPE_PC_RESET);
    g_assert_true(i8042_a20_enabled(kbc));
    g_assert_false(pc_reset_a20_enabled(rst));
    g_assert_true(pc_a20_enabled());
    outb(I8042_CMD_PORT, 0xdd);
    g_assert_false(i8042_a20_enabled(kbc));
    g_assert_false(pc_a20_enabled());
    outb(PC_RESET_PORT92, 0x02);
    g_assert_true(pc_reset_a20_enabled(rst));
    g_assert_true(pc_a20_enabled());
    outb(PC_RESET_PORT92, 0x00);
    outb(I8042_CMD_PORT, 0xd1);
    outb(I8042_DATA_PORT, 0x03);
    g_assert_true(pc_a20_enabled());
    qdev_unrealize_and_free(rst);
    qdev_unrealize_and_free(kbc);
}

/* --- fw_cfg --- */

static void fw_cfg_read(uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    outw(FW_CFG_CTL_PORT, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = inb(FW_CFG_DATA_PORT);
    }
}

static void test_fw_cfg_files_sorted_with_keys_in_order(void)
{
    DeviceState *fw = make(TYPE_FW_CFG_IO);
    GError *err = NULL;
    uint8_t dir[4 + 4 * 64];
    char buf[8] = { 0 };

    g_assert_true(fw_cfg_find() == fw);
    g_assert_true(fw_cfg_add_file(fw, "z/last", "zz", 2, &err));
    g_assert_true(fw_cfg_add_file(fw, "a/first", "aaaa", 4, &err));
    g_assert_true(fw_cfg_add_file(fw, "m/mid", "m", 1, &err));
    g_assert_no_error(err);
    g_assert_cmphex(fw_cfg_file_key(fw, "a/first"), ==, 0x20);
    g_assert_cmphex(fw_cfg_file_key(fw, "etc/boot-fail-wait"), ==, 0x21);
    g_assert_cmphex(fw_cfg_file_key(fw, "m/mid"), ==, 0x22);
    g_assert_cmphex(fw_cfg_file_key(fw, "z/last"), ==, 0x23);
    g_assert_cmphex(fw_cfg_file_key(fw, "nope"), ==, FW_CFG_INVALID);

    fw_cfg_read(FW_CFG_FILE_DIR, dir, sizeof(dir));
    g_assert_cmphex(dir[3], ==, 4);
    g_assert_cmpstr((char *)dir + 4 + 64 * 2 + 8, ==, "m/mid");
    g_assert_cmphex(dir[4 + 64 * 2 + 3], ==, 1);       /* size BE32 */
    g_assert_cmphex(dir[4 + 64 * 2 + 5], ==, 0x22);    /* select BE16 */

    fw_cfg_read(0x23, buf, 3);
    g_assert_cmpstr(buf, ==, "zz");
    /* Replacing keeps the key and changes the listed size. */
    g_assert_true(fw_cfg_add_file(fw, "z/last", "yyyyy", 5, &err));
    g_assert_cmphex(fw_cfg_file_key(fw, "z/last"), ==, 0x23);
    fw_cfg_read(0x23, buf, 6);
    g_assert_cmpstr(buf, ==, "yyyyy");
    fw_cfg_read(FW_CFG_FILE_DIR, dir, sizeof(dir));
    g_assert_cmphex(dir[4 + 64 * 3 + 3], ==, 5);
    qdev_unrealize_and_free(fw);
}

static void test_fw_cfg_rejects_long_names_and_full_table(void)
{
    DeviceState *fw = make(TYPE_FW_CFG_IO);
    g_autofree char *long_name = g_strnfill(56, 'x');
    GError *err = NULL;
    int added = 0;

    g_assert_false(fw_cfg_add_file(fw, long_name, "", 0, &err));
    g_assert_nonnull(strstr(err->message, "longer than 55"));
    g_clear_error(&err);
    for (int i = 0; i < 64; i++) {
        g_autofree char *name = g_strdup_printf("f/%02d", i);
        if (!fw_cfg_add_file(fw, name, "", 0, &err)) {
            break;
        }
        added++;
    }
    /* etc/boot-fail-wait holds one of the 32 slots. */
    g_assert_cmpint(added, ==, FW_CFG_FILE_SLOTS - 1);
    g_assert_nonnull(strstr(err->message, "no free file slot"));
    g_clear_error(&err);
    qdev_unrealize_and_free(fw);
}

static void test_fw_cfg_integers_are_little_endian(void)
{
    DeviceState *fw = make(TYPE_FW_CFG_IO);
    uint8_t b[8];

    g_assert_true(fw_cfg_add_i32(fw, FW_CFG_E820_TABLE, 0x11223344));
    g_assert_true(fw_cfg_add_i64(fw, 0x0d, 0x0102030405060708ULL));
    g_assert_false(fw_cfg_add_i16(fw, FW_CFG_ARCH_LOCAL + 0x20, 1));
    g_assert_false(fw_cfg_add_i16(fw, 0x40, 1));
    fw_cfg_read(FW_CFG_E820_TABLE, b, 4);
    g_assert_cmphex(b[0], ==, 0x44);
    g_assert_cmphex(b[3], ==, 0x11);
    fw_cfg_read(0x0d, b, 8);
    g_assert_cmphex(b[0], ==, 0x08);
    g_assert_cmphex(b[7], ==, 0x01);
    qdev_unrealize_and_free(fw);
}

/* --- RTC --- */

static void test_rtc_parse_base_forms(void)
{
    int64_t ns = 0;
    GError *err = NULL;

    g_assert_true(mc146818rtc_parse_base("2020-01-02T03:04:05", &ns, &err));
    g_assert_cmpint(ns, ==, 1577934245LL * NANOSECONDS_PER_SECOND);
    g_assert_true(mc146818rtc_parse_base("2020-01-02", &ns, &err));
    g_assert_cmpint(ns, ==, 1577923200LL * NANOSECONDS_PER_SECOND);
    g_assert_true(mc146818rtc_parse_base("utc", &ns, &err));
    g_assert_cmpint(ns / NANOSECONDS_PER_SECOND, >=, 1577923200LL);
    g_assert_true(mc146818rtc_parse_base("localtime", NULL, &err));
    g_assert_no_error(err);

    const char *bad[] = { "2020-02-30", "2020-01-02T24:00:00", "1969-12-31",
                          "2020-01-02T03:04", "2020-01-02x", "soon", "" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(mc146818rtc_parse_base(bad[i], &ns, &err));
        g_assert_nonnull(strstr(err->message, "invalid RTC base"));
        g_clear_error(&err);
    }
}

static void test_rtc_nmi_mask_and_cmos_getters(void)
{
    DeviceState *rtc = make(TYPE_MC146818_RTC);

    g_assert_true(mc146818rtc_find() == rtc);
    g_assert_false(mc146818rtc_nmi_masked(rtc));
    outb(RTC_ISA_BASE, 0x80 | RTC_CMOS_SHUTDOWN_STATUS);
    g_assert_true(mc146818rtc_nmi_masked(rtc));
    outb(RTC_ISA_BASE + 1, 0x0a);
    g_assert_cmphex(mc146818rtc_shutdown_status(rtc), ==, 0x0a);
    outb(RTC_ISA_BASE, 0x0f);
    g_assert_false(mc146818rtc_nmi_masked(rtc));

    /* The board's memory map: 3 GiB below 4 GiB, 1 GiB above, 8 CPUs. */
    mc146818rtc_set_memory(rtc, 3ULL << 30, 1ULL << 30, 8);
    g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x34), ==, 0x00);
    g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x35), ==, 0xbf);
    g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x5c), ==, 0x40);
    g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x5f), ==, 7);
    {
        unsigned sum = 0;
        for (unsigned i = 0x10; i <= 0x2d; i++) {
            sum += mc146818rtc_get_cmos(rtc, i);
        }
        g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x2e), ==, (sum >> 8) & 0xff);
        g_assert_cmphex(mc146818rtc_get_cmos(rtc, 0x2f), ==, sum & 0xff);
    }
    g_assert_cmphex(mc146818rtc_get_cmos(rtc, 200), ==, 0);
    qdev_unrealize_and_free(rtc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop();
    memory_system_init();

    g_test_add_func("/legacy/i8042/set2-keys-pass-without-xlate",
                    test_i8042_set2_keys_pass_without_xlate);
    g_test_add_func("/legacy/i8042/xlate-turns-set2-into-set1",
                    test_i8042_xlate_turns_set2_into_set1);
    g_test_add_func("/legacy/i8042/set1-input-is-converted",
                    test_i8042_set1_input_is_converted);
    g_test_add_func("/legacy/i8042/keyboard-in-set1-sends-set1",
                    test_i8042_keyboard_in_set1_sends_set1);
    g_test_add_func("/legacy/i8042/scanning-disabled-drops-keys",
                    test_i8042_scanning_disabled_drops_keys);
    g_test_add_func("/legacy/i8042/keyboard-buffer-holds-16-bytes",
                    test_i8042_keyboard_buffer_holds_16_bytes);
    g_test_add_func("/legacy/i8042/mouse-packet-when-reporting",
                    test_i8042_mouse_packet_when_reporting);
    g_test_add_func("/legacy/a20/gate-ors-i8042-and-port92",
                    test_a20_gate_ors_i8042_and_port92);
    g_test_add_func("/legacy/fw_cfg/files-sorted-keys-in-order",
                    test_fw_cfg_files_sorted_with_keys_in_order);
    g_test_add_func("/legacy/fw_cfg/rejects-long-names-and-full-table",
                    test_fw_cfg_rejects_long_names_and_full_table);
    g_test_add_func("/legacy/fw_cfg/integers-are-little-endian",
                    test_fw_cfg_integers_are_little_endian);
    g_test_add_func("/legacy/rtc/parse-base-forms", test_rtc_parse_base_forms);
    g_test_add_func("/legacy/rtc/nmi-mask-and-cmos-getters",
                    test_rtc_nmi_mask_and_cmos_getters);
    return g_test_run();
}
