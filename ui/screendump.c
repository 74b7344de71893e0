/*
 * QMP screendump: write what a console shows to a file, as QEMU's command
 * does (qapi/ui.json "screendump": filename, optional device and head,
 * optional format). The picture is the console's surface rendered at the
 * fixed blink phase CONSOLE_PHASE_SHOWN (blinking characters and the cursor
 * both drawn), so a test gets the same picture whenever it asks. The file is
 * a binary PPM as QEMU's ppm_save writes it: "P6\n<width> <height>\n255\n"
 * then 8-bit R, G, B per pixel, top row first. PNG is not built in: asking
 * for it fails with QEMU's message for a build without libpng. Errors
 * follow QEMU's wording: no console, a head without a device, an unknown
 * device, a file that cannot be opened.
 */
#include "qemu/osdep.h"
#include "config-host.h"
#include "ui/config-ui.h"
#include "ui/console.h"
#include "monitor/monitor.h"
#include "trace/ui.h"

#include <fcntl.h>
#include <unistd.h>

static bool ppm_write(int fd, DisplaySurface *surface, GError **errp)
{
    int w = surface_width(surface), h = surface_height(surface);
    int stride_px = surface_stride(surface) / 4;
    const uint32_t *data = surface_data(surface);
    g_autoptr(GString) out = g_string_sized_new(32 + (gsize)w * h * 3);
    const char *p;
    gsize left;

    g_string_append_printf(out, "P6\n%d %d\n%d\n", w, h, 255);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = data + (size_t)y * stride_px;
        for (int x = 0; x < w; x++) {
            char rgb[3] = { row[x] >> 16, row[x] >> 8, row[x] };
            g_string_append_len(out, rgb, 3);
        }
    }
    for (p = out->str, left = out->len; left > 0;) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg(errp, "failed to write to file: %s",
                       n < 0 ? g_strerror(errno) : "short write");
            return false;
        }
        p += n;
        left -= n;
    }
    return true;
}

static JsonNode *qmp_screendump(Monitor *mon, JsonObject *args, GError **errp)
{
    const char *filename = json_object_get_string_member(args, "filename");
    const char *device = json_object_get_string_member_with_default(
        args, "device", NULL);
    bool has_head = json_object_has_member(args, "head");
    int64_t head = has_head ? json_object_get_int_member(args, "head") : 0;
    const char *format = json_object_get_string_member_with_default(
        args, "format", "ppm");
    QemuConsole *con;
    DisplaySurface *surface;
    int fd;

    if (strcmp(format, "png") == 0) {
        error_setg(errp, "Enable PNG support with libpng for screendump");
        return NULL;
    }
    if (strcmp(format, "ppm") != 0) {
        error_setg(errp, "Parameter 'format' does not accept value '%s'",
                   format);
        return NULL;
    }
    if (device) {
        if (head < 0 || head > UINT32_MAX) {
            error_setg(errp, "Parameter 'head' expects uint32");
            return NULL;
        }
        con = qemu_console_lookup_by_device_name(device, head, errp);
        if (!con) {
            return NULL;
        }
    } else {
        if (has_head) {
            error_setg(errp, "'head' must be specified together with 'device'");
            return NULL;
        }
        con = qemu_console_lookup_by_index(0);
        if (!con) {
            error_setg(errp, "There is no console to take a screendump from");
            return NULL;
        }
    }

    surface = console_update(con, CONSOLE_PHASE_SHOWN);
    if (!surface) {
        error_setg(errp, "no surface (this build renders nothing: "
                   "it was built without pixman)");
        return NULL;
    }

    fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd == -1) {
        error_setg(errp, "failed to open file '%s': %s", filename,
                   g_strerror(errno));
        return NULL;
    }
    trace_screendump(filename, surface_width(surface), surface_height(surface));
    if (!ppm_write(fd, surface, errp)) {
        close(fd);
        unlink(filename);
        return NULL;
    }
    close(fd);
    return NULL;
}

static const QmpArgSpec screendump_args[] = {
    { "filename", QMP_ARG_STR },
    { "device", QMP_ARG_STR, true },
    { "head", QMP_ARG_INT, true },
    { "format", QMP_ARG_STR, true },
    { NULL },
};

static const QmpCommand screendump_command = {
    .name = "screendump",
    .fn = qmp_screendump,
    .args = screendump_args,
};

static void __attribute__((constructor)) screendump_register(void)
{
    qmp_register_command(&screendump_command);
}
