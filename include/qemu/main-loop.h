/*
 * The main loop and the big lock.
 *
 * The main thread runs a GLib main loop (the default GMainContext) that serves
 * the character devices (QMP, qtest, serial), and the timers. All device state
 * is guarded by the big lock (BQL). The main thread holds it except while it
 * waits in poll(); vCPU threads take it around anything that touches devices
 * (MMIO, port I/O, MSRs that reach devices) and drop it to run guest code.
 */
#ifndef LAPIS_MAIN_LOOP_H
#define LAPIS_MAIN_LOOP_H

#include <stdbool.h>

void qemu_init_main_loop(void);
/* Run one iteration: poll (blocking up to the next timer deadline when
 * `blocking`), dispatch, run timers. Called with the BQL held. */
void main_loop_wait(bool blocking);
/* Wake the main loop from another thread (e.g. to process a request). */
void qemu_notify_event(void);

void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);

#endif
