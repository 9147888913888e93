/* progress — "cases done/total, failures, elapsed, estimate" on stderr: a bar redrawn in
 * place when stderr is a terminal (logs and CI output stay clean), or, for a job spread
 * over MPI ranks (whose stderr reaches the terminal or the batch log through the launcher,
 * never as a terminal), one line every PROGRESS_LINE_SECONDS and one at the end. */
#ifndef ODEGRAD_PROGRESS_H
#define ODEGRAD_PROGRESS_H

#include <stdio.h>

#define PROGRESS_LINE_SECONDS 30.0

typedef struct {
    FILE *f;
    int shown;        /* f is a terminal: the bar */
    int lines;        /* lines instead of the bar */
    int total, done, done_at_start, failed;
    double start, last_line;
} progress;

void progress_init(progress *p, FILE *f, int total, int done_at_start);
/* Report as lines (an MPI job), whether or not f is a terminal. */
void progress_lines(progress *p);
/* One more case done (failed: it did not end normally). */
void progress_step(progress *p, const char *label, int failed);
void progress_finish(progress *p);

#endif
