/* trsub — the exact trust-region subproblem by eigen-decomposition and the secular equation
 * (see trsub.h for the mathematics). */
#include "trsub.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>

const trsub_params trsub_defaults = {
    1e-12,   /* eig_tol: eigenvalues this close (relative to ‖H‖) are one eigenspace */
    1e-12,   /* orth_tol: a gradient component this small (relative to ‖g‖) is zero */
    1e-12,   /* radius_rtol: ‖p‖ = Δ to this relative accuracy */
    200      /* max_iter: Newton steps and bisections of the secular equation */
};

struct trsub_workspace {
    int n;
    trsub_params params;
    gsl_matrix *A;                 /* the symmetric part of H, destroyed by the eigensolver */
    gsl_matrix *Q;                 /* eigenvectors, columns, ascending eigenvalues */
    gsl_vector *eval;              /* λ_1 ≤ … ≤ λ_n */
    gsl_eigen_symmv_workspace *eig;
    double *gamma;                 /* Qᵀg */
    double *phat;                  /* p in eigen-coordinates */
    double gnorm;
    int factored;
};

trsub_workspace *trsub_alloc(int n, const trsub_params *params)
{
    if (n < 1)
        return NULL;
    trsub_workspace *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->n = n;
    w->params = params ? *params : trsub_defaults;
    w->A = gsl_matrix_alloc((size_t)n, (size_t)n);
    w->Q = gsl_matrix_alloc((size_t)n, (size_t)n);
    w->eval = gsl_vector_alloc((size_t)n);
    w->eig = gsl_eigen_symmv_alloc((size_t)n);
    w->gamma = malloc(sizeof(double) * (size_t)n);
    w->phat = malloc(sizeof(double) * (size_t)n);
    if (!w->A || !w->Q || !w->eval || !w->eig || !w->gamma || !w->phat) {
        trsub_free(w);
        return NULL;
    }
    return w;
}

void trsub_free(trsub_workspace *w)
{
    if (!w)
        return;
    if (w->A)
        gsl_matrix_free(w->A);
    if (w->Q)
        gsl_matrix_free(w->Q);
    if (w->eval)
        gsl_vector_free(w->eval);
    if (w->eig)
        gsl_eigen_symmv_free(w->eig);
    free(w->gamma);
    free(w->phat);
    free(w);
}

int trsub_factor(trsub_workspace *w, const double *H, const double *g, char *err, size_t errlen)
{
    const int n = w->n;
    w->factored = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(g[i])) {
            snprintf(err, errlen, "trust-region subproblem: gradient entry %d is %g", i + 1, g[i]);
            return -1;
        }
        for (int j = 0; j < n; j++)
            if (!isfinite(H[i * n + j])) {
                snprintf(err, errlen, "trust-region subproblem: Hessian entry (%d,%d) is %g",
                         i + 1, j + 1, H[i * n + j]);
                return -1;
            }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            gsl_matrix_set(w->A, (size_t)i, (size_t)j, 0.5 * (H[i * n + j] + H[j * n + i]));
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    int status = gsl_eigen_symmv(w->A, w->eval, w->Q, w->eig);
    if (status == GSL_SUCCESS)
        status = gsl_eigen_symmv_sort(w->eval, w->Q, GSL_EIGEN_SORT_VAL_ASC);
    gsl_set_error_handler(previous);
    if (status != GSL_SUCCESS) {
        snprintf(err, errlen, "trust-region subproblem: the eigensolver failed (%s)",
                 gsl_strerror(status));
        return -1;
    }
    gsl_vector_const_view gv = gsl_vector_const_view_array(g, (size_t)n);
    gsl_vector_view gam = gsl_vector_view_array(w->gamma, (size_t)n);
    gsl_blas_dgemv(CblasTrans, 1.0, w->Q, &gv.vector, 0.0, &gam.vector);
    w->gnorm = gsl_blas_dnrm2(&gv.vector);
    w->factored = 1;
    return 0;
}

/* ‖p(μ)‖² = Σ γ_i²/(s_i + μ)² and its derivative (−2 Σ γ_i²/(s_i + μ)³).  Returns 0, or 1 when
 * a term is infinite (s_i + μ = 0 with γ_i ≠ 0: μ lies left of the root). */
static int secular_terms(const double *gamma, const double *s, int n, double mu, double *psi,
                         double *dpsi)
{
    double sum = 0.0, dsum = 0.0;
    for (int i = 0; i < n; i++) {
        if (gamma[i] == 0.0)
            continue;
        const double d = s[i] + mu;
        if (!(d > 0.0))
            return 1;
        const double t = gamma[i] / d;
        sum += t * t;
        dsum -= 2.0 * t * t / d;
    }
    *psi = sum;
    *dpsi = dsum;
    return 0;
}

/* The root μ ≥ 0 of 1/‖p(μ)‖ = 1/Δ, known to lie in [lo, hi]: Newton's method on the nearly
 * linear φ(μ) = 1/‖p(μ)‖ − 1/Δ, falling back to bisection whenever a Newton step leaves
 * the bracket or φ cannot be evaluated. */
static int secular_root(const trsub_workspace *w, const double *s, double delta, double lo,
                        double hi, double *mu_out, int *iterations)
{
    const int n = w->n;
    const double rtol = w->params.radius_rtol;
    double mu = lo;
    for (int it = 1; it <= w->params.max_iter; it++) {
        double psi = 0.0, dpsi = 0.0;
        const int infinite = secular_terms(w->gamma, s, n, mu, &psi, &dpsi);
        double next;
        if (infinite || psi == 0.0) {
            /* ‖p‖ = ∞ (left of the root) or 0 (only at μ = ∞): bisect */
            if (infinite)
                lo = mu;
            else
                hi = mu;
            next = 0.5 * (lo + hi);
        } else {
            const double norm = sqrt(psi);
            if (fabs(norm - delta) <= rtol * delta) {
                *mu_out = mu;
                *iterations = it;
                return 0;
            }
            if (norm > delta)
                lo = mu;
            else
                hi = mu;
            /* φ = 1/‖p‖ − 1/Δ,  φ' = −½ ψ^{−3/2} ψ' */
            const double phi = 1.0 / norm - 1.0 / delta;
            const double dphi = -0.5 * dpsi / (psi * norm);
            next = dphi > 0.0 ? mu - phi / dphi : 0.5 * (lo + hi);
            if (!(next > lo && next < hi))
                next = 0.5 * (lo + hi);
        }
        if (hi - lo <= 4.0 * DBL_EPSILON * hi) {
            /* the bracket cannot shrink further: its right end has ‖p‖ ≤ Δ */
            *mu_out = hi;
            *iterations = it;
            return 0;
        }
        mu = next;
    }
    return -1;
}

int trsub_solve(trsub_workspace *w, double delta, double *p, trsub_info *info, char *err,
                size_t errlen)
{
    const int n = w->n;
    if (!w->factored) {
        snprintf(err, errlen, "trust-region subproblem: trsub_factor was not called");
        return -1;
    }
    if (!(delta > 0.0) || !isfinite(delta)) {
        snprintf(err, errlen, "trust-region subproblem: the radius must be positive and finite, not %g",
                 delta);
        return -1;
    }
    const double *lam = w->eval->data;
    const double lam1 = lam[0];
    const double hnorm = fmax(fabs(lam1), fabs(lam[n - 1]));
    const double tol = w->params.eig_tol * hnorm;
    /* the eigenspace of λ_1 (a numerically multiple or zero eigenvalue): indices 0..nlow−1 */
    int nlow = 0;
    while (nlow < n && lam[nlow] - lam1 <= tol)
        nlow++;
    double low2 = 0.0;
    for (int i = 0; i < nlow; i++)
        low2 += w->gamma[i] * w->gamma[i];
    const int orthogonal = sqrt(low2) <= w->params.orth_tol * w->gnorm;
    const int indefinite = lam1 < -tol;
    const int singular = !indefinite && lam1 <= tol;

    /* shifted eigenvalues s_i = λ_i + λ_lo ≥ 0 with λ_lo = max(0, −λ_1): the unknown is
     * μ = λ − λ_lo, and s_i + μ never suffers cancellation (s_1 = 0 exactly when λ_1 ≤ 0) */
    double *s = malloc(sizeof(double) * (size_t)n);
    if (!s) {
        snprintf(err, errlen, "trust-region subproblem: out of memory");
        return -1;
    }
    const double lambda_lo = lam1 < 0.0 ? -lam1 : 0.0;
    for (int i = 0; i < n; i++)
        s[i] = lam1 < 0.0 ? lam[i] - lam1 : lam[i];

    trsub_info out;
    memset(&out, 0, sizeof out);
    out.lambda_min = lam1;
    double *ph = w->phat;
    int done = 0;

    if (!indefinite && !singular) {
        /* positive definite: the Newton step if it fits */
        double norm2 = 0.0;
        for (int i = 0; i < n; i++) {
            ph[i] = -w->gamma[i] / lam[i];
            norm2 += ph[i] * ph[i];
        }
        if (sqrt(norm2) <= delta) {
            out.kind = TRSUB_INTERIOR;
            out.lambda = 0.0;
            done = 1;
        }
    } else if (orthogonal) {
        /* g ⊥ the eigenspace of λ_1: the solution with λ = λ_lo, that eigenspace left out */
        double norm2 = 0.0;
        for (int i = 0; i < n; i++) {
            ph[i] = i < nlow ? 0.0 : -w->gamma[i] / s[i];
            norm2 += ph[i] * ph[i];
        }
        if (sqrt(norm2) <= delta) {
            if (indefinite) {
                /* hard case: reach the boundary along the eigenvector of λ_1 */
                ph[0] = sqrt(fmax(delta * delta - norm2, 0.0));
                out.kind = TRSUB_HARD;
                out.lambda = lambda_lo;
            } else {
                /* singular positive semidefinite: the minimum-norm minimiser (λ_lo is zero or
                 * a rounding-level |λ_1|) */
                out.kind = TRSUB_INTERIOR;
                out.lambda = lambda_lo;
            }
            done = 1;
        }
    }
    if (!done) {
        /* ‖p(μ)‖ decreases from > Δ at μ = 0 to 0: bracket by ‖g‖/(s_n + μ) ≤ ‖p‖ ≤ ‖g‖/(s_1 + μ) */
        const double lo = fmax(0.0, w->gnorm / delta - s[n - 1]);
        const double hi = w->gnorm / delta - s[0] > lo ? w->gnorm / delta - s[0] : lo;
        double mu = 0.0;
        if (hi <= 0.0 || secular_root(w, s, delta, lo, hi, &mu, &out.iterations) != 0) {
            free(s);
            snprintf(err, errlen, "trust-region subproblem: the secular equation did not converge "
                     "in %d iterations (radius %g, smallest eigenvalue %g)", w->params.max_iter,
                     delta, lam1);
            return -1;
        }
        for (int i = 0; i < n; i++)
            ph[i] = w->gamma[i] == 0.0 ? 0.0 : -w->gamma[i] / (s[i] + mu);
        out.kind = TRSUB_BOUNDARY;
        out.lambda = lambda_lo + mu;
    }
    free(s);

    double norm2 = 0.0, model = 0.0;
    for (int i = 0; i < n; i++) {
        norm2 += ph[i] * ph[i];
        model += w->gamma[i] * ph[i] + 0.5 * lam[i] * ph[i] * ph[i];
    }
    out.norm = sqrt(norm2);
    out.decrease = -model;
    gsl_vector_view pv = gsl_vector_view_array(p, (size_t)n);
    gsl_vector_view phv = gsl_vector_view_array(ph, (size_t)n);
    gsl_blas_dgemv(CblasNoTrans, 1.0, w->Q, &phv.vector, 0.0, &pv.vector);
    if (info)
        *info = out;
    return 0;
}

double trsub_model(const trsub_workspace *w, const double *p)
{
    /* in eigen-coordinates: m = Σ γ_i p̂_i + ½ λ_i p̂_i², p̂ = Qᵀp */
    double model = 0.0;
    for (int i = 0; i < w->n; i++) {
        double ph = 0.0;
        for (int k = 0; k < w->n; k++)
            ph += gsl_matrix_get(w->Q, (size_t)k, (size_t)i) * p[k];
        model += w->gamma[i] * ph + 0.5 * gsl_vector_get(w->eval, (size_t)i) * ph * ph;
    }
    return model;
}
