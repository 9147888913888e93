/* spline: the FMM cubic spline basis, checked against independent computations —
 * the full 4(n−1)-coefficient linear system solved densely with GSL, exact reproduction of
 * cubics, the Lagrange cubic for n = 4, the explicit divided-difference formula for the end
 * conditions, B_k(t_j) = δ_kj and C² continuity. */
#include "spline.h"
#include "check.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


static int close_to(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* 6·f[t_a..t_{a+3}] by the explicit formula Σ_i y_i / Π_{j≠i}(t_i − t_j): the third
 * derivative of the cubic through the four points. */
static double cubic_third_derivative(const double *t, const double *y, int a)
{
    double sum = 0.0;
    for (int i = a; i < a + 4; i++) {
        double prod = 1.0;
        for (int j = a; j < a + 4; j++)
            if (j != i)
                prod *= t[i] - t[j];
        sum += y[i] / prod;
    }
    return 6.0 * sum;
}

/* Reference: every coefficient of every segment from one dense system — interpolation at
 * both ends of each segment, C¹ and C² at interior nodes, FMM third derivatives at the ends.
 * coef[4i..4i+3] = (a, b, c, d) of segment i in s = t − t_i.  n ≥ 4. */
static void dense_fmm(int n, const double *t, const double *y, double *coef)
{
    const int m = 4 * (n - 1);
    gsl_matrix *A = gsl_matrix_calloc((size_t)m, (size_t)m);
    gsl_vector *b = gsl_vector_calloc((size_t)m), *x = gsl_vector_alloc((size_t)m);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)m);
    int row = 0;
    for (int i = 0; i < n - 1; i++) {
        const double h = t[i + 1] - t[i];
        gsl_matrix_set(A, (size_t)row, (size_t)(4 * i), 1.0);   /* S(t_i) = y_i */
        gsl_vector_set(b, (size_t)row++, y[i]);
        for (int p = 0; p < 4; p++)                              /* S(t_{i+1}) = y_{i+1} */
            gsl_matrix_set(A, (size_t)row, (size_t)(4 * i + p), pow(h, p));
        gsl_vector_set(b, (size_t)row++, y[i + 1]);
        if (i < n - 2) {   /* S' and S'' continuous at t_{i+1} */
            const double d1[4] = {0, 1, 2 * h, 3 * h * h}, d2[4] = {0, 0, 2, 6 * h};
            for (int p = 0; p < 4; p++)
                gsl_matrix_set(A, (size_t)row, (size_t)(4 * i + p), d1[p]);
            gsl_matrix_set(A, (size_t)row++, (size_t)(4 * (i + 1) + 1), -1.0);
            for (int p = 0; p < 4; p++)
                gsl_matrix_set(A, (size_t)row, (size_t)(4 * i + p), d2[p]);
            gsl_matrix_set(A, (size_t)row++, (size_t)(4 * (i + 1) + 2), -2.0);
        }
    }
    gsl_matrix_set(A, (size_t)row, 3, 6.0);
    gsl_vector_set(b, (size_t)row++, cubic_third_derivative(t, y, 0));
    gsl_matrix_set(A, (size_t)row, (size_t)(4 * (n - 2) + 3), 6.0);
    gsl_vector_set(b, (size_t)row++, cubic_third_derivative(t, y, n - 4));
    int sign;
    gsl_linalg_LU_decomp(A, perm, &sign);
    gsl_linalg_LU_solve(A, perm, b, x);
    for (int i = 0; i < m; i++)
        coef[i] = gsl_vector_get(x, (size_t)i);
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
}

static double dense_eval(int n, const double *t, const double *coef, double at)
{
    int i = 0;
    while (i < n - 2 && at >= t[i + 1])
        i++;
    const double s = at - t[i], *c = coef + 4 * i;
    return c[0] + s * (c[1] + s * (c[2] + s * c[3]));
}

static void test_against_dense(void)
{
    const double t[8] = {0, 5, 10, 20, 60, 61.5, 70, 100};
    const double y[8] = {-2.8, -0.26, -0.075, -0.41, -5, 1.3, 0.2, -0.7};
    double coef[4 * 7];
    for (int n = 4; n <= 8; n++) {
        spline_basis s;
        char msg[128];
        CHECK(spline_basis_init(&s, n, t, msg, sizeof msg) == 0, "%s", msg);
        dense_fmm(n, t, y, coef);
        double worst = 0.0;
        for (int k = 0; k <= 400; k++) {
            const double at = -20.0 + (t[n - 1] + 40.0) * k / 400.0;
            worst = fmax(worst, fabs(spline_eval(&s, y, at, 0) - dense_eval(n, t, coef, at)) /
                                    fmax(1.0, fabs(dense_eval(n, t, coef, at))));
        }
        CHECK(worst < 1e-11, "n = %d: spline differs from the dense FMM solution by %g", n,
              worst);
        /* the end conditions, directly */
        CHECK(close_to(spline_eval(&s, y, t[0] + 1.0, 3), cubic_third_derivative(t, y, 0), 1e-10),
              "n = %d: first-segment third derivative", n);
        CHECK(close_to(spline_eval(&s, y, t[n - 1] - 0.1, 3),
                       cubic_third_derivative(t, y, n - 4), 1e-10),
              "n = %d: last-segment third derivative", n);
        spline_basis_free(&s);
    }
}

static void test_basis_properties(void)
{
    const double t[5] = {0, 5, 10, 20, 60};   /* jakstat's input nodes */
    spline_basis s;
    char msg[128];
    CHECK(spline_basis_init(&s, 5, t, msg, sizeof msg) == 0, "%s", msg);
    double B[5], left[5], right[5];
    for (int j = 0; j < 5; j++) {
        spline_basis_eval(&s, t[j], 0, B);
        for (int k = 0; k < 5; k++)
            CHECK(fabs(B[k] - (k == j)) < 1e-14, "B_%d(t_%d) = %.17g", k, j, B[k]);
    }
    /* the basis sums to one (the spline through constant data is that constant) */
    for (double at = -10; at <= 80; at += 0.7) {
        spline_basis_eval(&s, at, 0, B);
        double sum = 0.0;
        for (int k = 0; k < 5; k++)
            sum += B[k];
        CHECK(fabs(sum - 1.0) < 1e-13, "sum of basis at %g = %.17g", at, sum);
    }
    /* C² at interior nodes: derivatives of orders 0..2 agree from both sides */
    for (int j = 1; j < 4; j++)
        for (int order = 0; order <= 2; order++) {
            const double eps = 1e-9;
            spline_basis_eval(&s, t[j] - eps, order, left);
            spline_basis_eval(&s, t[j] + eps, order, right);
            for (int k = 0; k < 5; k++)
                CHECK(fabs(left[k] - right[k]) < 1e-7, "order %d jump of B_%d at t_%d: %g",
                      order, k, j, left[k] - right[k]);
        }
    spline_basis_free(&s);
}

/* Any spline through samples of a cubic is that cubic, everywhere (the end segments
 * continue it beyond the nodes), with all derivatives. */
static void test_cubic_reproduction(void)
{
    const double t[6] = {-1.0, 0.3, 0.9, 2.0, 3.7, 4.0};
    double y[6];
    for (int n = 4; n <= 6; n++) {
        for (int i = 0; i < n; i++)
            y[i] = 2.0 - 1.5 * t[i] + 0.7 * t[i] * t[i] - 0.3 * t[i] * t[i] * t[i];
        spline_basis s;
        char msg[128];
        CHECK(spline_basis_init(&s, n, t, msg, sizeof msg) == 0, "%s", msg);
        for (double at = -3.0; at <= 7.0; at += 0.13) {
            const double exact[4] = {2.0 - 1.5 * at + 0.7 * at * at - 0.3 * at * at * at,
                                     -1.5 + 1.4 * at - 0.9 * at * at, 1.4 - 1.8 * at, -1.8};
            for (int order = 0; order < 4; order++)
                CHECK(close_to(spline_eval(&s, y, at, order), exact[order], 1e-11),
                      "n = %d, order %d at %g: %.17g vs %.17g", n, order, at,
                      spline_eval(&s, y, at, order), exact[order]);
        }
        spline_basis_free(&s);
    }
}

static void test_few_nodes(void)
{
    spline_basis s;
    char msg[128];
    const double t[3] = {1.0, 2.0, 4.0}, y[3] = {3.0, -1.0, 2.0};
    /* three nodes: the interpolating parabola */
    CHECK(spline_basis_init(&s, 3, t, msg, sizeof msg) == 0, "%s", msg);
    for (double at = 0.0; at <= 5.0; at += 0.25) {
        double lagrange = 0.0;
        for (int i = 0; i < 3; i++) {
            double l = y[i];
            for (int j = 0; j < 3; j++)
                if (j != i)
                    l *= (at - t[j]) / (t[i] - t[j]);
            lagrange += l;
        }
        CHECK(close_to(spline_eval(&s, y, at, 0), lagrange, 1e-13), "parabola at %g", at);
    }
    spline_basis_free(&s);
    /* two nodes: the line */
    CHECK(spline_basis_init(&s, 2, t, msg, sizeof msg) == 0, "%s", msg);
    CHECK(close_to(spline_eval(&s, y, 3.0, 0), -5.0, 1e-14), "line extrapolation");
    spline_basis_free(&s);
    /* errors */
    const double bad[3] = {0.0, 1.0, 1.0};
    CHECK(spline_basis_init(&s, 1, t, msg, sizeof msg) == -1 && strstr(msg, "at least 2"),
          "one node: %s", msg);
    CHECK(spline_basis_init(&s, 3, bad, msg, sizeof msg) == -1 && strstr(msg, "increase"),
          "repeated node: %s", msg);
    const double inf[2] = {0.0, INFINITY};
    CHECK(spline_basis_init(&s, 2, inf, msg, sizeof msg) == -1 && strstr(msg, "finite"),
          "infinite node: %s", msg);
}

int main(void)
{
    test_against_dense();
    test_basis_properties();
    test_cubic_reproduction();
    test_few_nodes();
    return check_finish("spline");
}
