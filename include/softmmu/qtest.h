/*
 * The qtest server: QEMU's line protocol over a character device, with which
 * tests drive devices directly (no guest code runs under -accel qtest).
 * See docs/qtest.md for the commands, including lapis's per-vCPU extensions.
 */
#ifndef LAPIS_QTEST_H
#define LAPIS_QTEST_H

#include "qemu/osdep.h"

typedef struct Chardev Chardev;

/* Serve qtest on chr; log the traffic to logfile ("-qtest-log"), if set. */
bool qtest_server_init(Chardev *chr, const char *logfile, GError **errp);
void qtest_server_cleanup(void);

#endif
