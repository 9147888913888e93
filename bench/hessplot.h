/* hessplot — the data of the Hessian-accuracy figure (the report's Figure 5): every entry of
 * every Hessian a study computed, beside the same entry of the model's reference Hessian
 * (closed form, or soadjoint at tight tolerance confirmed by soforward: reference.h), read
 * from results/<study>.ref.tsv.
 *
 *   results/<study>--<model>.hessian.tsv   gnuplot blocks, one per backend and options, each
 *       opening with a header line whose 2nd field names the series; then one line per entry
 *       of the upper triangle (i <= j):  model series i j reference value abs_error
 *       (value: the median over the case's successful repeats).
 *
 * Models whose reference has no Hessian get no file. */
#ifndef ODEGRAD_HESSPLOT_H
#define ODEGRAD_HESSPLOT_H

#include <stddef.h>
#include "summary.h"

/* 0, or -1 with a message (a file could not be written). */
int hessplot_write(const study_summary *s, const char *dir, const char *study, char *err,
                   size_t errlen);

#endif
