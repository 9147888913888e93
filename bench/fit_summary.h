/* fit_summary — a fit study's rows (results/<study>.csv, one case per start) gathered per
 * model and optimiser/Hessian pair, with the field's multistart measures:
 *
 *   best        the lowest final objective of the pair; the model's best is the lowest of all
 *               pairs in the study
 *   within      starts whose final objective is within FIT_WITHIN (0.1) of the model's best
 *               ("successful" starts), and their fraction of all the pair's starts
 *   converged   starts whose optimiser ended by a convergence test (gradient, step,
 *               objective) — as opposed to max-iter, stalled, failed, timeout, crashed
 *   medians     iterations and optimiser time over the converged starts, and over the
 *               successful starts; and the total time of all starts divided by the number of
 *               successful ones (the expected cost of one successful start).  Time is
 *               processor time (cpu_seconds of the optimisation; for a start killed at its
 *               limit, its process's): each start runs alone in its process, and processor
 *               time does not change with other load on a shared machine as wall time does
 *               (wall time is in the CSV too, as seconds)
 *
 * Written files (rewritten from the whole CSV every time):
 *   <study>.fit.tsv                one row per model and pair, the measures above
 *   <study>--<model>.waterfall.tsv one gnuplot block per pair, its first line a header whose
 *                                  second field names the pair; columns rank objective
 *                                  delta(objective − model best) converged seconds
 *   <study>--<model>.fitbars.tsv   one row per pair: index label fraction_within
 *                                  median_seconds_success median_seconds_converged
 *                                  seconds_per_success median_iterations_success */
#ifndef ODEGRAD_FIT_SUMMARY_H
#define ODEGRAD_FIT_SUMMARY_H

#include <stdio.h>
#include "format.h"

#define FIT_WITHIN 0.1

/* Gather dir/<study>.csv, write the files above into dir and print the table on out in fmt.
 * 0, or -1 with a message. */
int fit_summary_write(const char *dir, const char *study, FILE *out, out_format fmt, char *err,
                      size_t errlen);

#endif
