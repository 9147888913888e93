/* summary — a study's rows gathered per case (model, backend, options) over its repeats:
 * the statistics the ranked table, the plot data and `odegrad compare` read. */
#ifndef ODEGRAD_SUMMARY_H
#define ODEGRAD_SUMMARY_H

#include <stdio.h>
#include "store.h"

typedef struct {
    const char *name;
    const char *unit;
    int n;
    double *values;          /* over the successful repeats, sorted ascending */
} summary_metric;

typedef struct {
    const char *model, *backend, *options;   /* point into the rows */
    int runs, ok;
    const char *note;        /* the first failure's reason, or NULL */
    int *ok_repeats;
    int nmetrics;
    summary_metric *metrics;
} summary_group;

typedef struct {
    store_rows rows;
    int n;
    summary_group *groups;   /* in the order the cases first appear */
} study_summary;

/* Gather dir/<study>.csv.  0, or -1 with a message. */
int summary_build(study_summary *s, const char *csv_path, char *err, size_t errlen);
void summary_free(study_summary *s);
/* The metric of a group, or NULL if no successful repeat measured it. */
const summary_metric *summary_metric_of(const summary_group *g, const char *name);
/* min, median, max of a metric (NaN when absent) */
double summary_min(const summary_group *g, const char *name);
double summary_median(const summary_group *g, const char *name);
double summary_max(const summary_group *g, const char *name);

/* Does every word of `want` appear among the words of the options text `have`?  ("-" or
 * NULL matches everything; "rtol=1e-8" matches "rtol=1e-8 scheme=central".) */
int summary_options_match(const char *want, const char *have);
/* The ranked table (per model and tolerance, by median time; failures last), of the cases
 * whose options hold every word of `only` (NULL: all).  A study with Hessians gets a column
 * for the Hessian's error. */
void summary_print(FILE *f, const study_summary *s, const char *only);
/* results/<study>.summary.tsv (one row per case); per model, the plot series
 * results/<study>--<model>.series.tsv (gnuplot blocks, one per backend and options without
 * tolerances, sorted by rtol: work-precision); results/<study>.scaling.tsv (one block per
 * backend and options, sorted by the number of parameters: cost against size); and, for
 * cases with Hessians whose reference Hessian is in results/<study>.ref.tsv,
 * results/<study>--<model>.hessian.tsv (entry against reference: hessplot.h).
 * 0, or -1 with a message. */
int summary_write(const study_summary *s, const char *dir, const char *study, char *err,
                  size_t errlen);

#endif
