/*
 * qtest of fw_cfg's legacy I/O interface (selector 0x510, data 0x511), as
 * firmware reads it: the "QEMU" signature, the ID (traditional interface
 * only), RAM size, CPU counts with -smp 3, the file directory's layout
 * (with QEMU's always-present "etc/boot-fail-wait"),
 * zeros past an item's end and for keys that hold nothing. The board's own
 * device is used when it has one, otherwise the test adds one.
 */
#include <glib.h>
#include <string.h>
#include "libqtest.h"

#define FW_CFG_CTL      0x510
#define FW_CFG_DATA     0x511

#define KEY_SIGNATURE   0x00
#define KEY_ID          0x01
#define KEY_UUID        0x02
#define KEY_RAM_SIZE    0x03
#define KEY_NOGRAPHIC   0x04
#define KEY_NB_CPUS     0x05
#define KEY_MAX_CPUS    0x0f
#define KEY_FILE_DIR    0x19
#define KEY_FILE_FIRST  0x20

static bool board_has_fw_cfg(void)
{
    static int cached = -1;

    if (cached < 0) {
        QTestState *s = qtest_init(NULL);
        g_autofree char *mtree = qtest_hmp(s, "info mtree");
        cached = strstr(mtree, "): fwcfg\n") != NULL;
        qtest_quit(s);
    }
    return cached;
}

static QTestState *fw_cfg_start(const char *extra)
{
    return qtest_initf("%s %s", board_has_fw_cfg() ? "" : "-device fw_cfg",
                       extra ? extra : "");
}

static void fw_cfg_read(QTestState *s, uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    qtest_outw(s, FW_CFG_CTL, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = qtest_inb(s, FW_CFG_DATA);
    }
}

static uint64_t fw_cfg_read_le(QTestState *s, uint16_t key, size_t len)
{
    uint8_t buf[8] = { 0 };
    uint64_t v = 0;

    fw_cfg_read(s, key, buf, len);
    for (size_t i = 0; i < len; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

static void test_signature_is_qemu(void)
{
    QTestState *s = fw_cfg_start(NULL);
    char sig[5] = { 0 };

    fw_cfg_read(s, KEY_SIGNATURE, sig, 4);
    g_assert_cmpstr(sig, ==, "QEMU");
    /* Selecting again starts over at offset 0. */
    fw_cfg_read(s, KEY_SIGNATURE, sig, 2);
    g_assert_cmpmem(sig, 2, "QE", 2);
    qtest_quit(s);
}

static void test_id_is_traditional_interface_only(void)
{
    QTestState *s = fw_cfg_start(NULL);

    g_assert_cmphex(fw_cfg_read_le(s, KEY_ID, 4), ==, 1);
    qtest_quit(s);
}

static void test_cpu_counts_with_smp_3(void)
{
    QTestState *s = fw_cfg_start("-smp 3");

    g_assert_cmpuint(fw_cfg_read_le(s, KEY_NB_CPUS, 2), ==, 3);
    g_assert_cmpuint(fw_cfg_read_le(s, KEY_MAX_CPUS, 2), ==, 3);
    qtest_quit(s);
}

static void test_ram_size_is_64bit_le(void)
{
    QTestState *s = fw_cfg_start("-m 256M");

    g_assert_cmphex(fw_cfg_read_le(s, KEY_RAM_SIZE, 8), ==, 256ULL << 20);
    qtest_quit(s);
}

static void test_uuid_is_zero_and_nographic_off(void)
{
    QTestState *s = fw_cfg_start(NULL);
    uint8_t uuid[16];
    static const uint8_t zero[16];

    memset(uuid, 0xaa, sizeof(uuid));
    fw_cfg_read(s, KEY_UUID, uuid, sizeof(uuid));
    g_assert_cmpmem(uuid, sizeof(uuid), zero, sizeof(zero));
    g_assert_cmpuint(fw_cfg_read_le(s, KEY_NOGRAPHIC, 2), ==, 0);
    qtest_quit(s);
}

static void test_read_past_end_returns_zero(void)
{
    QTestState *s = fw_cfg_start("-smp 3");
    uint8_t buf[6];

    /* NB_CPUS holds 2 bytes. */
    fw_cfg_read(s, KEY_NB_CPUS, buf, sizeof(buf));
    g_assert_cmphex(buf[0], ==, 3);
    for (size_t i = 1; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0);
    }
    qtest_quit(s);
}

static void test_unknown_key_reads_zero(void)
{
    QTestState *s = fw_cfg_start(NULL);

    g_assert_cmphex(fw_cfg_read_le(s, 0x3ff, 8), ==, 0);
    g_assert_cmphex(fw_cfg_read_le(s, 0x801f, 8), ==, 0);
    g_assert_cmphex(fw_cfg_read_le(s, 0xffff, 8), ==, 0);
    qtest_quit(s);
}

static void test_file_dir_layout(void)
{
    QTestState *s = fw_cfg_start(NULL);
    uint8_t hdr[4];
    uint32_t count;
    g_autofree uint8_t *dir = NULL;
    g_autofree char *prev = g_strdup("");
    bool seen_boot_fail_wait = false;

    fw_cfg_read(s, KEY_FILE_DIR, hdr, 4);
    count = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
    g_assert_cmpuint(count, <=, 0x20);
    dir = g_malloc0(4 + count * 64 + 4);
    fw_cfg_read(s, KEY_FILE_DIR, dir, 4 + count * 64 + 4);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = dir + 4 + i * 64;
        uint32_t size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        uint16_t select = (uint16_t)(e[4] << 8 | e[5]);
        const char *name = (const char *)e + 8;
        g_autofree uint8_t *data = g_malloc0(size + 1);

        /* Keys from 0x20 in directory order; names sorted and terminated. */
        g_assert_cmphex(select, ==, KEY_FILE_FIRST + i);
        g_assert_cmphex(e[6] | e[7], ==, 0);
        g_assert_nonnull(memchr(name, 0, 56));
        g_assert_cmpstr(prev, <, name);
        g_free(prev);
        prev = g_strdup(name);
        /* The file holds as many bytes as listed, then zeros. */
        fw_cfg_read(s, select, data, size + 1);
        g_assert_cmphex(data[size], ==, 0);
        if (strcmp(name, "etc/boot-fail-wait") == 0) {
            /* QEMU's default: -1, 32-bit little-endian. */
            g_assert_cmpuint(size, ==, 4);
            g_assert_cmphex(data[0] & data[1] & data[2] & data[3], ==, 0xff);
            seen_boot_fail_wait = true;
        }
    }
    g_assert_true(seen_boot_fail_wait);
    /* Past the last entry: zeros. */
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(dir[4 + count * 64 + i], ==, 0);
    }
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/fw_cfg/signature-is-qemu", test_signature_is_qemu);
    g_test_add_func("/fw_cfg/id-is-traditional-interface-only",
                    test_id_is_traditional_interface_only);
    g_test_add_func("/fw_cfg/cpu-counts-with-smp-3", test_cpu_counts_with_smp_3);
    g_test_add_func("/fw_cfg/ram-size-is-64bit-le", test_ram_size_is_64bit_le);
    g_test_add_func("/fw_cfg/uuid-zero-nographic-off",
                    test_uuid_is_zero_and_nographic_off);
    g_test_add_func("/fw_cfg/read-past-end-returns-zero",
                    test_read_past_end_returns_zero);
    g_test_add_func("/fw_cfg/unknown-key-reads-zero", test_unknown_key_reads_zero);
    g_test_add_func("/fw_cfg/file-dir-layout", test_file_dir_layout);
    return g_test_run();
}
