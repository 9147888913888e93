/* closedform — what the closed-form models (freefall, oscillator) share: the sum-of-squares
 * loss oracle built from the exact position y(t) and its θ-derivatives, and the horizon T of
 * a family name such as "freefall-T20". */
#ifndef ODEGRAD_CLOSEDFORM_H
#define ODEGRAD_CLOSEDFORM_H

#include <stddef.h>
#include "model.h"

/* the most parameters a closed-form position has */
#define CLOSEDFORM_MAX_NP 4

/* y(t) at θ (np values) and, when not NULL, dy = ∂y/∂θ (np) and d2y = ∂²y/∂θ² (np×np
 * row-major). */
typedef double (*closedform_position_fn)(double t, const double *theta, int np, double *dy,
                                         double *d2y);

/* The model's loss L = Σ w (y(t_i) − d_i)² over condition 0's observations (one observable:
 * the position), its gradient ∇L = Σ 2w r_i ∇y_i and Hessian ∇²L = Σ 2w (∇y_i ∇y_iᵀ +
 * r_i ∇²y_i); each output may be NULL.  m->np ≤ CLOSEDFORM_MAX_NP. */
void closedform_sse(const model *m, const double *theta, closedform_position_fn position,
                    double *loss, double *gradient, double *hessian);

/* The horizon T of "<prefix><T>" (e.g. prefix "freefall-T"): a number in (0, max].  0, or -1
 * with a message that gives `example` as a valid name. */
int closedform_horizon(const char *name, const char *prefix, double max, const char *example,
                       double *T, char *err, size_t errlen);

#endif
