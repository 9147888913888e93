/* residuals — the least-squares form of a model's loss and its exact first-order
 * sensitivities, from CVODES forward sensitivities at the observation times.
 *
 * One residual per non-missing data point (conditions in order, then times, then observables):
 *   Gaussian NLL:    r_i = (y_i − d_i) / σ_i,     L = Σ ½ r_i² + Σ log σ_i + (n/2) log 2π
 *   sum of squares:  r_i = √w (y_i − d_i),        L = Σ r_i²
 * J = ∂r/∂θ includes σ's dependence on θ.  The Fisher information (`fim`) and the
 * Gauss–Newton / Levenberg–Marquardt optimiser (`odegrad fit --optimizer gauss-newton`) are
 * both built on this. */
#ifndef ODEGRAD_RESIDUALS_H
#define ODEGRAD_RESIDUALS_H

#include "method.h"

typedef struct {
    int n, np;          /* residuals, parameters */
    double loss;        /* the model's loss at θ */
    double *r;          /* n */
    double *J;          /* n × np row-major, ∂r_i/∂θ_j */
    double *sigma;      /* n: σ_i (Gaussian), NULL for sum of squares */
    double *dsigma;     /* n × np: ∂σ_i/∂θ_j (Gaussian), NULL for sum of squares */
    double *dy;         /* n × np: ∂y_i/∂θ_j, the observables' sensitivities */
} residuals;

/* Solve with forward sensitivities (tolerances, solver and step limit from o; evaluations
 * counted into counts, which may be NULL).  want_jacobian = 0 skips the sensitivities (r and
 * loss only).  Returns METHOD_OK, or a status with a one-line message in err. */
method_status residuals_compute(const model *m, const double *theta, const method_options *o,
                                int want_jacobian, residuals *out, eval_counts *counts,
                                char *err, size_t errlen);
void residuals_free(residuals *res);

#endif
