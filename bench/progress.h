/* progress — "cases done/total, elapsed, estimate" on stderr, redrawn in place, shown only
 * when stderr is a terminal (logs and CI output stay clean). */
#ifndef ODEGRAD_PROGRESS_H
#define ODEGRAD_PROGRESS_H

#include <stdio.h>

typedef struct {
    FILE *f;
    int shown;        /* f is a terminal */
    int total, done, done_at_start;
    double start;
} progress;

void progress_init(progress *p, FILE *f, int total, int done_at_start);
void progress_step(progress *p, const char *label);   /* one more case done */
void progress_finish(progress *p);

#endif
