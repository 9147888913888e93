/* farm_wire — a command and its outcome as flat bytes, for sending between the ranks of an
 * MPI job (every rank runs the same build of odegrad on the same kind of machine, so
 * numbers travel in their own representation: a double arrives bit for bit).
 *
 *   task:    item, time limit, argc, argv[0..argc-1]
 *   outcome: item, started (0: the child could not be started; then only the message),
 *            message, exited, exit code, signal, timed out, seconds, processor seconds,
 *            peak RSS, stdout, stderr */
#ifndef ODEGRAD_FARM_WIRE_H
#define ODEGRAD_FARM_WIRE_H

#include <stddef.h>
#include "child.h"

typedef struct {
    char *data;
    size_t len, cap, pos;   /* pos: where reading continues */
    int bad;                /* out of memory, or read past the end */
} wire;

void wire_free(wire *w);

/* Pack a task; w->bad on failure. */
void wire_put_task(wire *w, int item, double timeout, char *const argv[]);
/* Unpack a task from w (its bytes stay owned by w): *argv is a new NULL-terminated array
 * of pointers into w's bytes (free the array only).  0, or -1 if malformed. */
int wire_get_task(wire *w, int *item, double *timeout, char ***argv);

/* Pack an outcome (started = 0: only the message counts). */
void wire_put_outcome(wire *w, int item, int started, const char *message, const child_outcome *o);
/* Unpack an outcome; o->out and o->err are new strings (child_outcome_free).  0, or -1 if
 * malformed. */
int wire_get_outcome(wire *w, int *item, int *started, char *message, size_t msglen,
                     child_outcome *o);

#endif
