/* expect — what `odegrad compare` holds a sweep to: bench/expect.tsv, one expectation a line,
 * fields separated by tabs (runs of tabs count as one):
 *
 *   model  backend  options  metric  check  value  [tolerance]
 *
 * options: "-" matches every case of model × backend, otherwise each of its words must be
 * among the case's options (so "scheme=central" matches "rtol=1e-8 scheme=central").
 * check:   max    the worst repeat must be ≤ value            (errors)
 *          min    the smallest repeat must be ≥ value
 *          equal  every repeat within tolerance·|value| of value (costs: counts, bytes;
 *                 tolerance 0 means exactly)
 * Every expectation must match at least one case, and every matched case must have
 * succeeded: a missing or failed case is a failure too. */
#ifndef ODEGRAD_EXPECT_H
#define ODEGRAD_EXPECT_H

#include <stdio.h>
#include "summary.h"

typedef enum { EXPECT_MAX, EXPECT_MIN, EXPECT_EQUAL } expect_check;

typedef struct {
    int line;
    char *model, *backend, *options, *metric;
    expect_check check;
    double value, tolerance;
} expectation;

typedef struct {
    int n;
    expectation *items;
} expect_list;

/* Load; -1 with "file:line: reason". */
int expect_load(expect_list *l, const char *path, char *err, size_t errlen);
void expect_free(expect_list *l);
/* Check a study against the list, printing the table on f.  Returns the number of
 * expectations that failed (moved, missing, or their case failed). */
int expect_check_all(const expect_list *l, const study_summary *s, FILE *f);
/* Print expectation lines for every case of the study from its current measurements. */
void expect_suggest(const study_summary *s, FILE *f);

#endif
