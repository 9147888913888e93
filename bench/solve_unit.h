/* solve_unit — the unit in which the harness states what a gradient costs: the time of one
 * plain CVODES forward solve of the loss (the case's CVODES method, else BDF; the automatic
 * linear solver), the fastest of a few. */
#ifndef ODEGRAD_SOLVE_UNIT_H
#define ODEGRAD_SOLVE_UNIT_H

#include "metrics.h"
#include "request.h"

/* Seconds of one forward solve at rq's θ and tolerances; NaN when it cannot run. */
double solve_unit_seconds(const cli_request *rq);
/* Add forward_solve_seconds and time_per_forward_solve (wall_seconds in units of the solve)
 * to l; nothing when the solve cannot run.  0, or -1 when l cannot grow. */
int solve_unit_add(metric_list *l, const cli_request *rq, double wall_seconds);

#endif
