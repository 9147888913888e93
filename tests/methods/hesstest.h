/* hesstest — what the Hessian backend tests add to cvtest.h: a Hessian or H·v request by
 * backend name, and measures of computed matrices.  Header-only. */
#ifndef ODEGRAD_TESTS_HESSTEST_H
#define ODEGRAD_TESTS_HESSTEST_H

#include "cvtest.h"

/* run `backend` for `want` (direction for WANT_HVP, else NULL) at rtol/atol with "key=value"
 * options (NULL-terminated, may be NULL) */
static inline method_status hesstest_run(const char *backend, const model *m,
                                         const double *theta, method_want want,
                                         const double *direction, double rtol, double atol,
                                         const char *const *kv, method_result *r)
{
    method_options o = check_options(rtol, atol);
    o.want = want;
    o.direction = direction;
    return check_run(backend, m, theta, &o, kv, r);
}

/* max over entries of |a − b| / max(|b|, floor·max|b|): entrywise relative error, with
 * entries far below the matrix's scale compared against floor·scale instead of themselves */
static inline double hesstest_entry_err(const double *a, const double *b, int n, double floor)
{
    const double s = cvtest_max_abs(b, n);
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        worst = fmax(worst, fabs(a[i] - b[i]) / fmax(fabs(b[i]), floor * s));
    return worst;
}

/* max_ij |H_ij − H_ji| / max |H| */
static inline double hesstest_asymmetry(const double *H, int np)
{
    double d = 0.0;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++)
            d = fmax(d, fabs(H[i * np + j] - H[j * np + i]));
    const double s = cvtest_max_abs(H, np * np);
    return s > 0 ? d / s : d;
}

/* H v */
static inline void hesstest_matvec(const double *H, const double *v, int np, double *out)
{
    for (int i = 0; i < np; i++) {
        out[i] = 0.0;
        for (int j = 0; j < np; j++)
            out[i] += H[i * np + j] * v[j];
    }
}

#endif
