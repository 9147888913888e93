/* metrics — one run turned into tidy measurements (name, value, unit): the single source for
 * every output format of `grad`/`hess` and for the rows the harness stores. */
#ifndef ODEGRAD_METRICS_H
#define ODEGRAD_METRICS_H

#include "method.h"
#include "reference.h"

typedef struct {
    char name[112];
    double value;
    char unit[16];
} metric_row;

typedef struct {
    int n, cap;
    metric_row *rows;
} metric_list;

/* 0, or -1 when out of memory */
int metrics_add(metric_list *l, const char *name, double value, const char *unit);
void metrics_free(metric_list *l);
/* The value of the metric called name, or NaN. */
double metrics_get(const metric_list *l, const char *name);

/* Relative errors of x against ref: the 2-norm ‖x − ref‖/‖ref‖ (absolute if ref = 0), and
 * the worst entry |x_i − ref_i|/|ref_i| (absolute where ref_i = 0). */
double metrics_rel_error(const double *x, const double *ref, int n);
double metrics_max_rel_error(const double *x, const double *ref, int n);

/* Everything a run measured: np and nx (the problem's size), loss, result entries (gradient.<name>, hessian.<a>.<b>,
 * hvp.<name>), errors against the reference (grad_rel_err, grad_max_rel_err, hess_rel_err),
 * wall_seconds, fwd.<count> and bwd.<count> evaluation counts, steps, checkpoints, peak_bytes, extra.*.
 * Returns 0, or -1 when out of memory. */
int metrics_of_result(metric_list *l, const model *m, const method_options *o,
                      const method_result *r, const reference *ref);

#endif
