/* fim — the Fisher information matrix (Gaussian NLL) or Gauss–Newton matrix (sum of squares)
 * from forward sensitivities of the observables: the Hessian approximation of the report's
 * Figure 5, built on methods/residuals.h.
 *
 * With one residual per data point (residuals.h) and y_θ, σ_θ the sensitivities of the
 * observable and of its noise level:
 *   Gaussian NLL:    F = Σ_i [ y_θᵀ y_θ / σ_i² + 2 σ_θᵀ σ_θ / σ_i² ]
 *                    (the expected Hessian of ½ r² + log σ: the σ-parameters' block is the
 *                    2/σ² term, zero for a fixed σ)
 *   sum of squares:  F = 2 JᵀJ,  J = ∂r/∂θ  (the Hessian without the Σ r ∇²r term).
 * Both need only first-order sensitivities: one forward run per condition.  A running cost G
 * (no residual form) contributes its generalised Gauss–Newton term ∫ (s_i, e_i)ᵀ ∇²g (s_j, e_j) dt
 * (sofwdsys.c with the second-order sensitivities switched off) — for G = ∫ ½|y|² dt that is
 * ∫ y_θᵀ y_θ dt, the Gauss–Newton matrix of the continuous least-squares problem.
 *
 * The gradient is exact (Jᵀr + Σ σ_θ/σ, or 2Jᵀr, plus G's gradient); the matrix equals the
 * Hessian where the residuals vanish and the model curvature drops out, and is biased
 * elsewhere — which is what the report's comparison shows. */
#include "hesscommon.h"
#include "residuals.h"
#include "sofwdsys.h"

#include <stdlib.h>

static method_status fim_run(const model *m, const double *theta, const method_options *o,
                             method_result *r);

const method_type method_fim = {
    "fim", "Fisher information / Gauss-Newton matrix from forward sensitivities of the observables",
    CAP_HESSIAN | CAP_STIFF, NULL, fim_run};

/* F and the gradient from the residuals and their Jacobian */
static void fim_from_residuals(const residuals *res, method_result *r)
{
    const int np = res->np;
    const int gaussian = res->sigma != NULL;
    for (int i = 0; i < res->n; i++) {
        const double *J = res->J + (size_t)i * (size_t)np;
        const double *dy = res->dy + (size_t)i * (size_t)np;
        const double *ds = gaussian ? res->dsigma + (size_t)i * (size_t)np : NULL;
        const double w = gaussian ? 1.0 / (res->sigma[i] * res->sigma[i]) : 2.0;
        for (int a = 0; a < np; a++) {
            r->gradient[a] += gaussian ? J[a] * res->r[i] + ds[a] / res->sigma[i]
                                       : 2.0 * J[a] * res->r[i];
            for (int b = 0; b < np; b++)
                r->hessian[a * np + b] += gaussian ? w * (dy[a] * dy[b] + 2.0 * ds[a] * ds[b])
                                                   : w * J[a] * J[b];
        }
    }
}

static method_status fim_run(const model *m, const double *theta, const method_options *o,
                             method_result *r)
{
    method_status status = hess_outputs(method_fim.name, o, r);
    if (status != METHOD_OK)
        return status;
    residuals res;
    char err[256];
    status = residuals_compute(m, theta, o, 1, &res, &r->fwd, err, sizeof err);
    if (status != METHOD_OK)
        return method_fail(r, status, "fim: %s", err);
    fim_from_residuals(&res, r);
    r->loss = res.loss;   /* includes a running cost G */
    const size_t own = sizeof(double) * (size_t)res.n * (3 * (size_t)res.np + 2);
    method_extra_add(r, "residuals", (double)res.n, "count");
    residuals_free(&res);
    /* the residual arrays (residuals_compute does not report its CVODES workspace, which is
     * that of one `forward` run) */
    r->peak_bytes = own;
    if (m->running_cost) {
        const size_t before = r->peak_bytes;
        r->peak_bytes = 0;
        /* G's gradient and generalised Gauss–Newton term (its loss is in res.loss) */
        status = sofwd_run(method_fim.name, m, theta, o, CV_SENS_SIMULTANEOUS, 1, 0, NULL, r);
        if (before > r->peak_bytes)
            r->peak_bytes = before;
    }
    hess_report_asymmetry(r);
    return status;
}
