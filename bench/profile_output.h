/* profile_output — the files of `odegrad profile` (fit/profile.h's results, one model):
 *
 *   <dir>/<study>--<model>.profile.tsv  for the figure (plots/profile.gp): one gnuplot block
 *                                       per parameter and kind, its first line a header
 *                                       "t <parameter> value kind"; rows t, the parameter's
 *                                       name, PL(t) − L̂, the kind (optimisation/integration)
 *   <dir>/<study>--<model>.ci.tsv       one row per parameter and kind: parameter kind hessian
 *                                       estimate ci_lower ci_upper lower_closed upper_closed
 *                                       points evals_loss evals_gradient evals_hessian
 *                                       cpu_seconds (closed 0: the interval reaches the bound)
 *   <dir>/<study>--<model>.optimum.tsv  the point profiled through: rows "parameter value"
 *                                       for every parameter, then "objective L̂" — so that
 *                                       other runs can profile from the same optimum
 *                                       (`--theta` with `--no-fit`)
 *
 * All are rewritten whole (through a temporary file and a rename). */
#ifndef ODEGRAD_PROFILE_OUTPUT_H
#define ODEGRAD_PROFILE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include "format.h"
#include "model.h"
#include "profile.h"

typedef struct {
    const profile_result *result;
    profile_kind kind;
} profile_entry;

/* Write the three files for model m (the Hessian backend's name for the ci file; θ̂ and L̂
 * for the optimum file).  0, or -1. */
int profile_output_write(const char *dir, const char *study, const model *m,
                         const char *hessian, const double *theta_hat, double L_hat,
                         const profile_entry *entries, int n, char *err, size_t errlen);

/* The intervals on out: a table, CSV or JSON (parameters by name). */
void profile_output_print(FILE *out, out_format fmt, const model *m, const char *hessian,
                          const double *theta_hat, double L_hat, const profile_entry *entries,
                          int n);

#endif
