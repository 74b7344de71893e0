/*
 * Character devices: the byte streams behind -serial, -chardev, -qmp, -mon
 * and -qtest. Backends:
 *   stdio                 the terminal (raw mode while in use, restored at
 *                         exit; on a terminal Ctrl-A x quits, Ctrl-A Ctrl-A
 *                         sends one Ctrl-A, Ctrl-A h lists the keys)
 *   null                  swallows output, never produces input
 *   file:PATH             PATH is truncated, then receives the output
 *   unix:PATH             connect to a socket that is already listening
 *   unix:PATH,server=on[,wait=off]
 *                         listen on PATH; with wait=on (the default for a
 *                         server, as QEMU) block until the first client
 *                         connects. One client at a time; after it leaves the
 *                         next one is accepted.
 * -chardev spells the same as "BACKEND,id=ID,path=PATH,server=on,wait=off";
 * "socket" is the backend name for unix sockets there.
 *
 * The frontend (a UART, a monitor, the qtest server) attaches handlers; input
 * is delivered from the main loop with the BQL held.
 */
#ifndef LAPIS_CHAR_H
#define LAPIS_CHAR_H

#include "qemu/osdep.h"

typedef struct Chardev Chardev;

typedef enum ChrEvent {
    CHR_EVENT_OPENED,   /* a client connected (or the backend is ready) */
    CHR_EVENT_CLOSED,   /* the client went away */
} ChrEvent;

/* How many bytes the frontend can take now (0 stops input for a while). */
typedef int IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void IOEventHandler(void *opaque, ChrEvent event);

/* Create from a -serial/-qmp/-qtest style spec ("stdio", "unix:P,server=on"). */
Chardev *qemu_chr_new(const char *id, const char *spec, GError **errp);
/* Create from a -chardev option string ("socket,id=c0,path=P,server=on"). */
Chardev *qemu_chr_new_from_option(const char *optstr, GError **errp);
Chardev *qemu_chr_find(const char *id);
const char *qemu_chr_id(Chardev *chr);
void qemu_chr_delete(Chardev *chr);
void qemu_chr_cleanup_all(void);

/*
 * Attach a frontend. If the backend is already connected, the event handler
 * gets CHR_EVENT_OPENED right away (from the main loop). Pass all NULL to
 * detach.
 */
void qemu_chr_fe_set_handlers(Chardev *chr, IOCanReadHandler *can_read,
                              IOReadHandler *read, IOEventHandler *event,
                              void *opaque);
/* Write everything (blocking briefly if needed); returns len, or -1 when no
 * client is connected / the write failed (the data is dropped). */
int qemu_chr_fe_write_all(Chardev *chr, const uint8_t *buf, int len);
bool qemu_chr_fe_is_connected(Chardev *chr);
/* Drop the current client of a socket backend (it may reconnect). */
void qemu_chr_fe_disconnect(Chardev *chr);
/* Ask the backend to poll again after can_read went from 0 to non-zero. */
void qemu_chr_fe_accept_input(Chardev *chr);

#endif
