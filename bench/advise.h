/* advise — the verdict of `odegrad advise`: which backend to use on one model at one
 * tolerance, from the summary of a small tournament (every backend, one case each).
 *
 * The rule.  A backend qualifies when it succeeded and its error against the reference (the
 * worst over its repeats) is within the target; the caller's target is
 * max(10·rtol, the reference's own accuracy) unless the user gives one.  Among the qualified
 * backends the fastest (median wall time) wins; backends within ADVISE_TIE of the fastest
 * time count as equally fast (timing noise) and the one holding the fewest bytes among them
 * wins.  When none qualifies, the most accurate backend that ran is named instead (and
 * marked so); when no error could be measured (no reference), the fastest that ran, marked so;
 * when nothing ran, there is no recommendation. */
#ifndef ODEGRAD_ADVISE_H
#define ODEGRAD_ADVISE_H

#include <stdio.h>
#include "summary.h"

#define ADVISE_TIE 0.10   /* relative time difference taken as timing noise */

typedef enum {
    ADVISE_WINNER,        /* the recommendation */
    ADVISE_MORE_MEMORY,   /* qualified and as fast (within ADVISE_TIE), but holds more bytes */
    ADVISE_SLOWER,        /* qualified, but slower than the winner by `factor` */
    ADVISE_INACCURATE,    /* ran; its error is above the target */
    ADVISE_UNCHECKED,     /* ran; no error measured (no reference) */
    ADVISE_TIMED_OUT,     /* killed at the time limit */
    ADVISE_FAILED         /* refused the model, failed or crashed: `group->note` says why */
} advise_verdict;

typedef enum {
    ADVISE_RECOMMENDED,     /* the winner meets the target */
    ADVISE_NONE_ACCURATE,   /* none meets it: the winner is the most accurate that ran */
    ADVISE_NO_ERRORS,       /* no error measured: the winner is the fastest that ran */
    ADVISE_NOTHING_RAN      /* every backend failed: no winner */
} advise_outcome;

typedef struct {
    const summary_group *group;
    double seconds;        /* median wall time of the backend's run (NaN if it failed) */
    double bytes;          /* peak bytes the backend held (worst repeat) */
    double error;          /* worst relative error over the repeats, NaN if not measured */
    int error_bound;       /* the error is below the reference's accuracy: `error` is that bound */
    advise_verdict verdict;
    double factor;         /* ADVISE_SLOWER: time / winner's time */
} advise_entry;

typedef struct {
    const char *error_metric;   /* "grad_rel_err" or "hess_rel_err" */
    double target;
    advise_outcome outcome;
    int n;
    advise_entry *entries;      /* the winner first (if any), then qualified by time, then
                                   too inaccurate by error, unchecked by time, failures */
} advise_ranking;

/* Rank the groups of s (one model, one tolerance) by the rule above.  error_metric names the
 * summary metric of the error (a gradient's error below the reference's accuracy is already
 * that bound, flagged by "grad_err_bound"); an error below `resolution` (> 0: what the
 * reference is known to) is stated as that bound too.  0, or -1 (out of memory). */
int advise_rank(const study_summary *s, const char *error_metric, double target,
                double resolution, advise_ranking *out);
void advise_free(advise_ranking *r);
/* One line: why entry e is not the recommendation (or why it is), e.g. "slower by 2.3x". */
void advise_reason(const advise_ranking *r, const advise_entry *e, char *out, size_t len);
/* The table (backend, time, memory, error, verdict) and the recommendation line. */
void advise_print_table(FILE *f, const advise_ranking *r, const char *what);
/* The same as one JSON object (no trailing newline). */
void advise_print_json(FILE *f, const advise_ranking *r);

#endif
