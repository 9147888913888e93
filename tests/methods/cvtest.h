/* cvtest — what the backend tests add to tests/check.h: a gradient run at given tolerances
 * and solver, and the two ways they measure a computed vector against a reference.
 * Header-only; each test includes it once. */
#ifndef ODEGRAD_TESTS_CVTEST_H
#define ODEGRAD_TESTS_CVTEST_H

#include "check.h"

/* Run `backend` at rtol/atol (≤ 0: the model's defaults) with `solver` (NULL: the backend's)
 * and the "key=value" options kv (NULL-terminated, may be NULL). */
static inline method_status cvtest_run(const char *backend, const model *m, const double *theta,
                                       double rtol, double atol, const char *solver,
                                       const char *const *kv, method_result *r)
{
    method_options o = check_options(rtol, atol);
    o.solver = solver;
    return check_run(backend, m, theta, &o, kv, r);
}

/* largest component-wise relative error max_i |g_i − ref_i| / |ref_i| */
static inline double cvtest_relerr(const double *g, const double *ref, int n)
{
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double e = fabs(g[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300);
        if (e > worst)
            worst = e;
    }
    return worst;
}

/* the largest |entry| of an n-vector (or n×n matrix with n = rows·cols) */
static inline double cvtest_max_abs(const double *a, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s = fmax(s, fabs(a[i]));
    return s;
}

/* max_i |a_i − b_i| / max_i |b_i|: the error relative to the reference's scale, for vectors
 * (and matrices) whose small entries carry no accuracy of their own */
static inline double cvtest_scaled_err(const double *a, const double *b, int n)
{
    double d = 0.0;
    for (int i = 0; i < n; i++)
        d = fmax(d, fabs(a[i] - b[i]));
    const double s = cvtest_max_abs(b, n);
    return s > 0 ? d / s : d;
}

#endif
