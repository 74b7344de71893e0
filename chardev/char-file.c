/*
 * The file chardev ("file:PATH", "-chardev file,id=ID,path=PATH"), after
 * QEMU's chardev/char-file.c: the file is created or truncated when the
 * chardev opens and receives everything the frontend writes; it never
 * produces input. The chardev counts as connected from the start, so the
 * frontend gets CHR_EVENT_OPENED as soon as it attaches. Left out: QEMU's
 * append=on and the separate input file (in=).
 */
#include "qemu/osdep.h"
#include "chardev-internal.h"

#include <fcntl.h>
#include <unistd.h>

typedef struct ChrFile {
    int fd;
} ChrFile;

static int chr_file_write(Chardev *chr, const uint8_t *buf, int len)
{
    ChrFile *f = chr->backend;

    return chr_write_fd_all(f->fd, buf, len, false);
}

static void chr_file_destroy(Chardev *chr)
{
    ChrFile *f = chr->backend;

    close(f->fd);
    g_free(f);
}

static const ChardevOps chr_file_ops = {
    .name = "file",
    .write = chr_file_write,
    .destroy = chr_file_destroy,
};

bool chr_file_open(Chardev *chr, const ChardevOptions *opts, GError **errp)
{
    ChrFile *f;
    int fd = open(opts->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

    if (fd < 0) {
        error_setg(errp, "chardev: cannot open '%s': %s", opts->path,
                   g_strerror(errno));
        return false;
    }
    f = g_new0(ChrFile, 1);
    f->fd = fd;
    chr->ops = &chr_file_ops;
    chr->backend = f;
    chr->connected = true;
    return true;
}
