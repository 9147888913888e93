/* farm — running a study's child processes (one per case or start), in this process or
 * spread over the ranks of an MPI job (mpirun, srun).
 *
 * Without an MPI launcher, or with one rank, the items run one after another in the order
 * given: exactly the harness's serial loop.  With N > 1 ranks, rank 0 coordinates: it keeps
 * the queue (largest estimated cost first; an item may wait for another one to finish),
 * hands one item at a time to every idle rank — itself included, through a helper thread
 * that only waits for its child — and receives every outcome back.  Only rank 0 calls
 * `prepare` and `finish`, so only rank 0 reads and writes the study's files and its rows are
 * appended whole, one case at a time.  Ranks 1..N-1 run the commands they are sent, each
 * in a child process with its time limit, exactly as the serial loop does (farm_serve): they
 * need the executable, not the spec nor the results.  A file the commands read (the
 * reference cache) is copied to every rank first.
 *
 * A rank that dies takes the job with it (mpirun/srun end every rank); the study's CSV
 * keeps every finished case, and the same command resumes.  A child that dies costs only
 * its item: `finish` records it as crashed, as in the serial loop. */
#ifndef ODEGRAD_FARM_H
#define ODEGRAD_FARM_H

#include <stddef.h>
#include "child.h"
#include "command.h"
#include "progress.h"

/* what `prepare` says about an item */
enum {
    FARM_RUN = 0,            /* run the command it filled in */
    FARM_SETTLED_OK = 1,     /* recorded without running (nothing to run) */
    FARM_SETTLED_FAILED = 2  /* recorded as failed without running */
};

typedef struct {
    int nitems;
    const double *cost;       /* per item: estimated cost, larger first (NULL: given order) */
    const int *after;         /* per item: an item that must finish first, or -1 (NULL: none) */
    const char *shared_file;  /* a file the commands name by this path (NULL: none) */
    void *user;
    /* Item i's command (NULL-terminated; argv[0] is replaced by each rank's own executable)
     * and its time limit.  FARM_RUN, FARM_SETTLED_*, or -1 with a message.  The farm holds
     * one item's argv at a time: `release` comes before the next `prepare`. */
    int (*prepare)(void *user, int i, char ***argv, double *timeout, char *err, size_t errlen);
    /* The argv of item i is no longer needed. */
    void (*release)(void *user, int i);
    /* Item i ended with outcome o: record it.  0 ok, 1 the item failed, -1 (with a message)
     * the results cannot be written. */
    int (*finish)(void *user, int i, child_outcome *o, char *err, size_t errlen);
    /* A short text naming item i, for the progress line. */
    void (*label)(void *user, int i, char *out, size_t len);
} farm_job;

/* The life of a command that may run under mpirun or srun (`odegrad bench`, `odegrad fit`):
 * join the MPI job if there is one; on a worker rank serve rank 0 until it says stop; on
 * rank 0, or without MPI, run `body` (which uses farm_run for its child processes); leave
 * the job.  The exit code of body (or of the worker). */
int farm_command(const cli_env *env, const char *cmd,
                 int (*body)(const cli_env *env, int argc, char **argv), int argc, char **argv);

/* Join the MPI job when launched by mpirun or srun (nothing otherwise).  Returns 1 on a
 * worker rank, whose command then only calls farm_serve; 0 on rank 0 or without MPI; -1
 * (with a message) when MPI cannot start. */
int farm_open(char *err, size_t errlen);
/* Number of ranks (1 without MPI). */
int farm_ranks(void);
/* A worker rank's whole life: run the commands rank 0 sends until it says stop.  A CLI
 * exit code. */
int farm_serve(const char *self);
/* Run every item of the job; the bar counts them (and the failed ones).  0, or -1 with a
 * message when `prepare` or `finish` failed or a child could not be started. */
int farm_run(const farm_job *job, progress *bar, const char *self, char *err, size_t errlen);
/* Leave the MPI job: tell the workers to stop (or, after a farm_run that failed, end the
 * whole job); nothing without MPI.  Every command that called farm_open calls it once. */
void farm_close(void);

#endif
