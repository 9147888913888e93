/* fit_trace — convergence traces of a fit study: the objective after every accepted step of
 * every start, against the iteration and against the processor time the start had used (the
 * report's Figure 6 asks which Hessian makes optimisation converge fastest, which final
 * values alone cannot show).
 *
 *   <dir>/<study>.trace.tsv           every step of every finished start, appended as each
 *                                     start ends: model pair options start iteration
 *                                     cpu_seconds objective (a start interrupted before its
 *                                     case was stored leaves no trace; --fresh empties it)
 *   <dir>/<study>--<model>.trace.tsv  for the figure (plots/fit_trace.gp): one gnuplot block
 *                                     per pair (options included), its first line a header
 *                                     whose 2nd field names the pair; within a block one
 *                                     curve per start, separated by a blank line; columns
 *                                     iteration pair cpu_seconds objective delta start, with
 *                                     delta = objective − the model's best in the study */
#ifndef ODEGRAD_FIT_TRACE_H
#define ODEGRAD_FIT_TRACE_H

#include <stddef.h>

/* Append the "iterate<TAB>L<TAB>k<TAB>cpu" lines of a start's output (left unchanged) to
 * dir/<study>.trace.tsv.  0, or -1 with a message. */
int fit_trace_append(const char *dir, const char *study, const char *model, const char *pair,
                     const char *options, int start, const char *child_output, char *err,
                     size_t errlen);

/* Empty dir/<study>.trace.tsv (a --fresh study).  0, or -1 with a message. */
int fit_trace_reset(const char *dir, const char *study, char *err, size_t errlen);

/* Write dir/<study>--<model>.trace.tsv from the study's trace, delta against model_best.
 * A study without a trace file, or without a step of this model, writes nothing (and removes
 * an old file).  0, or -1 with a message. */
int fit_trace_write_model(const char *dir, const char *study, const char *model,
                          double model_best, char *err, size_t errlen);

#endif
