/* child — running one command of the harness in its own process: output captured, a time
 * limit enforced with SIGKILL, its peak resident memory read from the kernel (wait4), and the
 * child killed too if the harness itself dies. */
#ifndef ODEGRAD_CHILD_H
#define ODEGRAD_CHILD_H

#include <stddef.h>

typedef struct {
    int exited;          /* 1: exited normally (exit_code valid) */
    int exit_code;
    int signal;          /* the signal that ended it, if any */
    int timed_out;       /* killed at the time limit */
    double seconds;      /* wall time from start to end */
    size_t peak_rss;     /* bytes (ru_maxrss of the child) */
    double cpu_seconds;  /* processor time of the child, user + system (rusage) */
    char *out, *err;     /* everything it wrote, NUL-terminated, owned */
} child_outcome;

/* Run argv (argv[0] a path) with the time limit.  0, or -1 (with a message) if it could not
 * be started at all. */
int child_run(char *const argv[], double timeout, child_outcome *o, char *err, size_t errlen);
void child_outcome_free(child_outcome *o);

#endif
