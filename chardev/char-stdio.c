/*
 * The stdio chardev, after QEMU's chardev/char-stdio.c: output goes to
 * stdout, input comes from stdin through a main-loop watch paced by the
 * frontend. When stdin is a terminal it is put in raw mode (no echo, no line
 * editing, no CR/NL translation on input; output post-processing and ISIG
 * stay on, as QEMU's default signal=on, so Ctrl-C still ends the emulator)
 * and restored at exit. On a terminal the bytes also go through QEMU's
 * -nographic escape keys:
 *     Ctrl-A x        quit (a host-ui shutdown request)
 *     Ctrl-A Ctrl-A   send one Ctrl-A to the guest
 *     Ctrl-A h        print this list
 * and any other key after Ctrl-A is dropped. With a pipe or file on stdin
 * every byte goes to the guest unchanged. Only one stdio chardev may exist.
 * Left out: QEMU's other mux keys (s, b, c, t), signal=off, and Windows
 * consoles.
 */
#include "qemu/osdep.h"
#include "chardev-internal.h"
#include "softmmu/runstate.h"

#include <termios.h>
#include <unistd.h>

#define STDIO_ESCAPE_CHAR 0x01      /* Ctrl-A */

typedef struct ChrStdio {
    ChrFdReader reader;
    bool tty;               /* stdin is a terminal: raw mode and escapes */
    bool got_escape;        /* the previous byte was Ctrl-A */
} ChrStdio;

static bool stdio_in_use;
static bool stdio_tty_saved;
static struct termios stdio_saved_tty;

static void stdio_restore_tty(void)
{
    if (stdio_tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_tty);
    }
}

static void stdio_set_raw(void)
{
    static bool atexit_done;
    struct termios tty;

    if (tcgetattr(STDIN_FILENO, &stdio_saved_tty) < 0) {
        return;
    }
    stdio_tty_saved = true;
    if (!atexit_done) {
        atexit(stdio_restore_tty);
        atexit_done = true;
    }
    tty = stdio_saved_tty;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                     ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &tty);
}

static void stdio_print(const char *msg)
{
    chr_write_fd_all(STDOUT_FILENO, (const uint8_t *)msg, strlen(msg), false);
}

static int chr_stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chr_write_fd_all(STDOUT_FILENO, buf, len, false);
}

/* Act on the key after Ctrl-A; returns true if it is a byte for the guest. */
static bool stdio_escape_key(uint8_t key)
{
    switch (key) {
    case STDIO_ESCAPE_CHAR:
        return true;
    case 'x':
        stdio_print("lapis: Terminated\n");
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        return false;
    case 'h':
    case '?':
        /* Plain "\n": the terminal keeps output post-processing (OPOST). */
        stdio_print("\n"
                    "C-a h    print this help\n"
                    "C-a x    exit emulator\n"
                    "C-a C-a  sends C-a\n");
        return false;
    default:
        return false;
    }
}

static void chr_stdio_input(Chardev *chr, const uint8_t *buf, int len)
{
    ChrStdio *s = chr->backend;
    int start = 0;

    if (!s->tty) {
        chr_be_write(chr, buf, len);
        return;
    }
    /*
     * Hand over the plain runs between escapes as they are, so that the
     * guest sees its bytes before an escape's action (help text, quit).
     */
    for (int i = 0; i < len; i++) {
        if (s->got_escape) {
            s->got_escape = false;
            if (stdio_escape_key(buf[i])) {
                start = i;          /* Ctrl-A Ctrl-A: keep the second one */
            } else {
                start = i + 1;
            }
        } else if (buf[i] == STDIO_ESCAPE_CHAR) {
            chr_be_write(chr, buf + start, i - start);
            s->got_escape = true;
            start = i + 1;
        }
    }
    chr_be_write(chr, buf + start, len - start);
}

static void chr_stdio_eof(Chardev *chr)
{
    ChrStdio *s = chr->backend;

    /* Nothing more will come; stop watching stdin for good. */
    s->reader.fd = -1;
}

static void chr_stdio_update_input(Chardev *chr)
{
    ChrStdio *s = chr->backend;

    chr_fd_reader_update(&s->reader);
}

static void chr_stdio_destroy(Chardev *chr)
{
    ChrStdio *s = chr->backend;

    chr_fd_reader_stop(&s->reader);
    stdio_restore_tty();
    stdio_in_use = false;
    g_free(s);
}

static const ChardevOps chr_stdio_ops = {
    .name = "stdio",
    .write = chr_stdio_write,
    .update_input = chr_stdio_update_input,
    .destroy = chr_stdio_destroy,
};

bool chr_stdio_open(Chardev *chr, const ChardevOptions *opts, GError **errp)
{
    ChrStdio *s;

    if (stdio_in_use) {
        error_setg(errp, "chardev: stdio is already used by another chardev");
        return false;
    }
    s = g_new0(ChrStdio, 1);
    s->reader.chr = chr;
    s->reader.fd = STDIN_FILENO;
    s->reader.on_input = chr_stdio_input;
    s->reader.on_eof = chr_stdio_eof;
    s->tty = isatty(STDIN_FILENO);
    if (s->tty) {
        stdio_set_raw();
    }
    stdio_in_use = true;
    chr->ops = &chr_stdio_ops;
    chr->backend = s;
    chr->connected = true;
    return true;
}
