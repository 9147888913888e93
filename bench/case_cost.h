/* case_cost — a rough guess of what one case of a sweep costs, used only to hand the largest
 * cases out first when a sweep is spread over MPI ranks (so that a slow case starts early
 * instead of keeping one rank busy after the others are done).  The order never changes a
 * result; a bad guess only costs wall time.
 *
 *   cost = nx (np + 1) · steps · (np + 1 if the case computes a Hessian)
 *
 * nx (np + 1) is the size of the forward sensitivity system, the typical work of a gradient
 * step; steps is the fixed step count when the options set one (`steps=N`), else the step
 * count of an adaptive method of order ~4 relative to rtol 1e-6: 100 (1e-6 / rtol)^(1/4). */
#ifndef ODEGRAD_CASE_COST_H
#define ODEGRAD_CASE_COST_H

#include "spec.h"

double case_cost(const spec_case *c, int np, int nx, method_want want);

#endif
