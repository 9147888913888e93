/* spline — cubic interpolating spline basis with Forsythe–Malcolm–Moler end conditions.
 *
 * In terms of the second derivatives M_i = S''(t_i), with h_i = t_{i+1} − t_i and the slopes
 * δ_i = (y_{i+1} − y_i)/h_i, continuity of S' at the interior nodes gives
 *     h_{i−1} M_{i−1} + 2(h_{i−1} + h_i) M_i + h_i M_{i+1} = 6 (δ_i − δ_{i−1}),  0 < i < n−1,
 * and the FMM end conditions S'''|segment 0 = 6 f[t_0..t_3], S'''|segment n−2 =
 * 6 f[t_{n−4}..t_{n−1}] (f[…] the third divided difference; zero when n = 3) read
 *     −h_0 M_0 + h_0 M_1 = 6 h_0² f[t_0..t_3],
 *     h_{n−2} M_{n−2} − h_{n−2} M_{n−1} = −6 h_{n−2}² f[t_{n−4}..t_{n−1}].
 * Written this way the system is symmetric tridiagonal; elimination without pivoting is
 * safe: the second pivot is 3h_0 + 2h_1 > 0, the interior rows are then diagonally
 * dominant, and the last pivot is < −h_{n−2}.  On segment i the cubic in s = t − t_i is
 *     a = y_i,  b = δ_i − h_i (2M_i + M_{i+1})/6,  c = M_i/2,  d = (M_{i+1} − M_i)/(6h_i). */
#include "spline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Third divided difference f[t_a, …, t_{a+3}] of the values y. */
static double spline_divided3(const double *t, const double *y, int a)
{
    double f[4];
    for (int i = 0; i < 4; i++)
        f[i] = y[a + i];
    for (int level = 1; level < 4; level++)
        for (int i = 3; i >= level; i--)
            f[i] = (f[i] - f[i - 1]) / (t[a + i] - t[a + i - level]);
    return f[3];
}

/* Second derivatives M (n values) of the FMM spline through y; work holds 2n doubles. */
static void spline_moments(int n, const double *t, const double *y, double *M, double *work)
{
    if (n == 2) {
        M[0] = M[1] = 0.0;
        return;
    }
    double *diag = work, *rhs = work + n;   /* the super/sub-diagonal entry of row i is h_i */
    const double h0 = t[1] - t[0], hl = t[n - 1] - t[n - 2];
    diag[0] = -h0;
    diag[n - 1] = -hl;
    rhs[0] = n >= 4 ? 6.0 * h0 * h0 * spline_divided3(t, y, 0) : 0.0;
    rhs[n - 1] = n >= 4 ? -6.0 * hl * hl * spline_divided3(t, y, n - 4) : 0.0;
    for (int i = 1; i < n - 1; i++) {
        const double hm = t[i] - t[i - 1], hp = t[i + 1] - t[i];
        diag[i] = 2.0 * (hm + hp);
        rhs[i] = 6.0 * ((y[i + 1] - y[i]) / hp - (y[i] - y[i - 1]) / hm);
    }
    /* forward elimination (sub-diagonal of row i is h_{i−1}), then back substitution */
    for (int i = 1; i < n; i++) {
        const double h = t[i] - t[i - 1], factor = h / diag[i - 1];
        diag[i] -= factor * h;
        rhs[i] -= factor * rhs[i - 1];
    }
    M[n - 1] = rhs[n - 1] / diag[n - 1];
    for (int i = n - 2; i >= 0; i--)
        M[i] = (rhs[i] - (t[i + 1] - t[i]) * M[i + 1]) / diag[i];
}

int spline_basis_init(spline_basis *s, int n, const double *t, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (n < 2) {
        snprintf(err, errlen, "a spline needs at least 2 nodes, got %d", n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (!isfinite(t[i])) {
            snprintf(err, errlen, "spline node time %d is not finite", i);
            return -1;
        }
        if (i > 0 && !(t[i] > t[i - 1])) {
            snprintf(err, errlen, "spline node times must increase strictly: t[%d] = %g "
                     "follows t[%d] = %g", i, t[i], i - 1, t[i - 1]);
            return -1;
        }
    }
    const size_t nn = (size_t)n;
    s->t = malloc(sizeof(double) * nn);
    s->coef = malloc(sizeof(double) * (nn - 1) * nn * 4);
    double *scratch = malloc(sizeof(double) * 4 * nn);   /* y, M, and 2n of elimination work */
    if (!s->t || !s->coef || !scratch) {
        free(scratch);
        spline_basis_free(s);
        snprintf(err, errlen, "out of memory building a spline of %d nodes", n);
        return -1;
    }
    s->n = n;
    memcpy(s->t, t, sizeof(double) * nn);
    double *y = scratch, *M = scratch + nn, *work = scratch + 2 * nn;
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < n; i++)
            y[i] = i == k;
        spline_moments(n, t, y, M, work);
        for (int i = 0; i < n - 1; i++) {
            const double h = t[i + 1] - t[i];
            double *c = &s->coef[((size_t)i * nn + (size_t)k) * 4];
            c[0] = y[i];
            c[1] = (y[i + 1] - y[i]) / h - h * (2.0 * M[i] + M[i + 1]) / 6.0;
            c[2] = 0.5 * M[i];
            c[3] = (M[i + 1] - M[i]) / (6.0 * h);
        }
    }
    free(scratch);
    return 0;
}

void spline_basis_free(spline_basis *s)
{
    free(s->t);
    free(s->coef);
    memset(s, 0, sizeof *s);
}

/* The segment whose cubic is used at t: the last i with t_i ≤ t, kept in [0, n−2] so that
 * the end segments continue beyond the nodes. */
static int spline_segment(const spline_basis *s, double t)
{
    int lo = 0, hi = s->n - 2;
    if (!(t > s->t[lo]))
        return 0;
    if (t >= s->t[hi])
        return hi;
    while (hi - lo > 1) {   /* invariant: t_lo ≤ t < t_hi */
        const int mid = (lo + hi) / 2;
        if (t >= s->t[mid])
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static double spline_cubic(const double *c, double x, int order)
{
    switch (order) {
    case 0:
        return c[0] + x * (c[1] + x * (c[2] + x * c[3]));
    case 1:
        return c[1] + x * (2.0 * c[2] + 3.0 * x * c[3]);
    case 2:
        return 2.0 * c[2] + 6.0 * x * c[3];
    case 3:
        return 6.0 * c[3];
    default:
        return 0.0;
    }
}

void spline_basis_eval(const spline_basis *s, double t, int order, double *B)
{
    const int i = spline_segment(s, t);
    const double x = t - s->t[i];
    const double *c = &s->coef[(size_t)i * (size_t)s->n * 4];
    for (int k = 0; k < s->n; k++)
        B[k] = spline_cubic(c + 4 * k, x, order);
}

double spline_eval(const spline_basis *s, const double *y, double t, int order)
{
    const int i = spline_segment(s, t);
    const double x = t - s->t[i];
    const double *c = &s->coef[(size_t)i * (size_t)s->n * 4];
    double sum = 0.0;
    for (int k = 0; k < s->n; k++)
        sum += y[k] * spline_cubic(c + 4 * k, x, order);
    return sum;
}
