/*
 * What the character device core (char.c) and its backends (char-stdio.c,
 * char-file.c, char-socket.c) share: the Chardev object, the table of
 * backend operations, the parsed options, and helpers that deliver input and
 * events to the frontend. Frontends use include/chardev/char.h only.
 */
#ifndef LAPIS_CHARDEV_INTERNAL_H
#define LAPIS_CHARDEV_INTERNAL_H

#include "chardev/char.h"

/* A -serial/-chardev spec after parsing. */
typedef struct ChardevOptions {
    const char *backend;    /* "socket", "stdio", "null", "file" */
    char *path;             /* socket and file */
    bool server;            /* socket: listen instead of connecting */
    bool wait;              /* socket server: block until the first client */
} ChardevOptions;

typedef struct ChardevOps {
    const char *name;
    /* Write all of buf; returns len or -1 (no client, or an error). */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The frontend's handlers or its can_read changed: re-arm input. */
    void (*update_input)(Chardev *chr);
    /* Drop the current client (sockets). */
    void (*disconnect)(Chardev *chr);
    /* Release the backend's resources (not the Chardev itself). */
    void (*destroy)(Chardev *chr);
} ChardevOps;

struct Chardev {
    char *id;
    const ChardevOps *ops;
    void *backend;              /* the backend's own state */
    bool connected;             /* a peer is there (OPENED sent) */

    IOCanReadHandler *fe_can_read;
    IOReadHandler *fe_read;
    IOEventHandler *fe_event;
    void *fe_opaque;
    guint opened_idle;          /* pending deferred OPENED event */
};

/* Backend constructors: fill chr->ops and chr->backend, or set errp. */
bool chr_stdio_open(Chardev *chr, const ChardevOptions *opts, GError **errp);
bool chr_file_open(Chardev *chr, const ChardevOptions *opts, GError **errp);
bool chr_socket_open(Chardev *chr, const ChardevOptions *opts, GError **errp);

/* The peer connected (OPENED) or left (CLOSED): record and tell the frontend. */
void chr_be_event(Chardev *chr, ChrEvent event);
/* How many bytes the frontend takes now (0 without a frontend). */
int chr_be_can_write(Chardev *chr);
/* Hand input to the frontend. */
void chr_be_write(Chardev *chr, const uint8_t *buf, int len);

/*
 * Write all of buf to a descriptor, waiting in poll() whenever it would
 * block. Sockets are written with MSG_NOSIGNAL. Returns len, or -1 with
 * errno set.
 */
int chr_write_fd_all(int fd, const uint8_t *buf, int len, bool is_socket);

/*
 * Input from a descriptor, paced by the frontend: the watch exists only
 * while the frontend can take bytes. on_input gets what was read; on_eof is
 * called (with the watch already gone) at end of file or on a read error.
 */
typedef struct ChrFdReader {
    Chardev *chr;
    int fd;
    guint watch;
    void (*on_input)(Chardev *chr, const uint8_t *buf, int len);
    void (*on_eof)(Chardev *chr);
    /* Optional: the watch went away because the frontend is full. */
    void (*on_pause)(Chardev *chr);
} ChrFdReader;

void chr_fd_reader_update(ChrFdReader *r);   /* add or drop the watch */
void chr_fd_reader_stop(ChrFdReader *r);

#endif
