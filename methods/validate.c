/* validate — judging tolerances, θ, integrator names and overflow before any work (see
 * validate.h). */
#include "validate.h"
#include "integrator.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include "cvwrap.h"
#include "odeint.h"

/* The dense eigenvalue check is O(nx³): above this many states it is skipped. */
#define VALIDATE_GROWTH_MAX_NX 200

int validate_tolerance(double value, const char *flag, char *err, size_t errlen)
{
    if (value == 0)
        return 0;   /* not given: the model's or the backend's default */
    if (!isfinite(value) || value <= 0 || value >= 1) {
        snprintf(err, errlen, "%s must lie strictly between 0 and 1 (e.g. %s 1e-8), not %g", flag,
                 flag, value);
        return -1;
    }
    return 0;
}

/* Is v within [lower, upper], allowing a few units of rounding (an optimiser's θ = c + r·sin z
 * may land an ulp past a bound it reaches)? */
static int within(double v, double lower, double upper)
{
    const double slack = 4 * DBL_EPSILON * fmax(fmax(fabs(lower), fabs(upper)), 1.0);
    return v >= lower - slack && v <= upper + slack;
}

int validate_theta_in_bounds(const model *m, const double *theta)
{
    for (int i = 0; i < m->np; i++)
        if (!within(theta[i], m->params[i].lower, m->params[i].upper))
            return 0;
    return 1;
}

int validate_theta(const model *m, const double *theta, int allow_outside, char *err,
                   size_t errlen)
{
    for (int i = 0; i < m->np; i++) {
        const model_param *p = &m->params[i];
        if (!isfinite(theta[i])) {
            snprintf(err, errlen, "parameter %s is %g; every entry of theta must be finite",
                     p->name, theta[i]);
            return -1;
        }
        if (!allow_outside && !within(theta[i], p->lower, p->upper)) {
            snprintf(err, errlen, "parameter %s = %g lies outside model %s's bounds [%g, %g]%s; "
                     "give a value within them, or --allow-outside-bounds", p->name, theta[i],
                     m->name, p->lower, p->upper, p->scale == SCALE_LOG10 ? " (log10 scale)" : "");
            return -1;
        }
    }
    return 0;
}

int validate_solver(const char *name, char *err, size_t errlen)
{
    cv_family family;
    if (!name || strcmp(name, "auto") == 0 || odeint_known(name) ||
        cv_family_parse(name, &family) == 0)
        return 0;
    char ours[256];
    snprintf(err, errlen, "unknown solver '%s'; solvers: %s, %s (CVODES), %s (odegrad's own)", name,
             cv_family_name(CV_FAMILY_BDF), cv_family_name(CV_FAMILY_ADAMS),
             integrator_names(ours, sizeof ours, ", ", 0));
    return -1;
}

/* The spectral abscissa of the n×n row-major matrix J, or NaN if the eigensolver fails. */
static double spectral_abscissa(const double *J, int n)
{
    gsl_matrix *A = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector_complex *ev = gsl_vector_complex_alloc((size_t)n);
    gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc((size_t)n);
    double alpha = NAN;
    if (A && ev && w) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                gsl_matrix_set(A, (size_t)i, (size_t)j, J[i * n + j]);
        gsl_set_error_handler_off();
        if (gsl_eigen_nonsymm(A, ev, w) == 0) {
            alpha = -INFINITY;
            for (int i = 0; i < n; i++)
                alpha = fmax(alpha, GSL_REAL(gsl_vector_complex_get(ev, (size_t)i)));
        }
    }
    gsl_eigen_nonsymm_free(w);
    gsl_vector_complex_free(ev);
    gsl_matrix_free(A);
    return alpha;
}

int validate_growth(const model *m, const double *theta, char *err, size_t errlen)
{
    if (m->nx <= 0 || m->nx > VALIDATE_GROWTH_MAX_NX)
        return 0;
    char why[200];
    model_ctx *ctx = model_ctx_new(m, theta, why, sizeof why);
    if (!ctx) {
        snprintf(err, errlen, "cannot evaluate the model at this theta: %s", why);
        return -1;
    }
    const int n = m->nx;
    double *x0 = malloc(sizeof(double) * (size_t)n), *J = malloc(sizeof(double) * (size_t)(n * n));
    int status = x0 && J ? 0 : -1;
    if (status)
        snprintf(err, errlen, "out of memory");
    for (int k = 0; status == 0 && k < (m->ncond > 0 ? m->ncond : 1); k++) {
        if (m->ncond > 0)
            model_ctx_condition(ctx, k);
        if (model_x0(ctx, x0) != 0) {
            snprintf(err, errlen, "no initial state at this theta (condition %d)", k + 1);
            status = -1;
            break;
        }
        double t_end = m->tf;
        if (m->ncond > 0 && m->cond[k].ntimes > 0)
            t_end = fmax(t_end, m->cond[k].times[m->cond[k].ntimes - 1]);
        model_rhs_jac(ctx, m->t0, x0, J);
        const double alpha = spectral_abscissa(J, n), horizon = t_end - m->t0;
        /* e^{α t} passes DBL_MAX at t = log(DBL_MAX)/α */
        const double overflow_at = alpha > 0 ? log(DBL_MAX) / alpha : INFINITY;
        if (isfinite(alpha) && horizon > 0 && overflow_at < horizon) {
            snprintf(err, errlen, "the solution at this theta grows like e^(%.3g t) and overflows at "
                     "t ~ %.3g, before the horizon %g: no backend can compute it (theta lies "
                     "outside the model's bounds)", alpha, m->t0 + overflow_at, t_end);
            status = -1;
        }
    }
    free(x0);
    free(J);
    model_ctx_free(ctx);
    return status;
}
