/* hesstest — helpers shared by the Hessian backend tests: run a Hessian or H·v request by
 * backend name and compare matrices.  Header-only, on top of cvtest.h. */
#ifndef ODEGRAD_TESTS_HESSTEST_H
#define ODEGRAD_TESTS_HESSTEST_H

#include "cvtest.h"

/* run `backend` for `want` (direction for WANT_HVP, else NULL) at rtol/atol with "key=value"
 * options (NULL-terminated, may be NULL); exits the test when the backend is unknown */
static inline method_status hesstest_run(const char *backend, const model *m,
                                         const double *theta, method_want want,
                                         const double *direction, double rtol, double atol,
                                         const char *const *kv, method_result *r)
{
    method_options o;
    method_options_init(&o);
    o.rtol = rtol;
    o.atol = atol;
    o.want = want;
    o.direction = direction;
    static char keys[METHOD_MAX_KV][64];
    for (int i = 0; kv && kv[i] && o.nkv < METHOD_MAX_KV; i++) {
        snprintf(keys[o.nkv], sizeof keys[o.nkv], "%s", kv[i]);
        char *eq = strchr(keys[o.nkv], '=');
        if (!eq)
            continue;
        *eq = '\0';
        o.key[o.nkv] = keys[o.nkv];
        o.value[o.nkv] = eq + 1;
        o.nkv++;
    }
    return cvtest_run_opts(backend, m, theta, &o, r);
}

/* the largest |entry| of an n-vector (or n×n matrix with n = rows·cols) */
static inline double hesstest_max_abs(const double *a, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s = fmax(s, fabs(a[i]));
    return s;
}

/* max_i |a_i − b_i| / max_i |b_i|: the error relative to the matrix's scale */
static inline double hesstest_scaled_err(const double *a, const double *b, int n)
{
    double d = 0.0;
    for (int i = 0; i < n; i++)
        d = fmax(d, fabs(a[i] - b[i]));
    const double s = hesstest_max_abs(b, n);
    return s > 0 ? d / s : d;
}

/* max over entries of |a − b| / max(|b|, floor·max|b|): entrywise relative error, with
 * entries far below the matrix's scale compared against floor·scale instead of themselves */
static inline double hesstest_entry_err(const double *a, const double *b, int n, double floor)
{
    const double s = hesstest_max_abs(b, n);
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
    const double s = hesstest_max_abs(H, np * np);
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
