/* spline — the cubic interpolating spline with Forsythe–Malcolm–Moler end conditions, as a
 * basis.
 *
 * For nodes t_0 < … < t_{n−1}, the interpolating cubic spline S through values y_k is linear
 * in y: S(t) = Σ_k y_k B_k(t), where B_k is the spline through the k-th unit vector.  The
 * basis functions depend on the node times only, so a model whose input is a spline through
 * fitted node values can treat B_k(t) as fixed functions of time and keep the node values as
 * ordinary parameters (exact derivatives for free).
 *
 * End conditions (Forsythe, Malcolm & Moler, "Computer Methods for Mathematical
 * Computations", 1977; the "fmm" spline of R and MATLAB-era codes): on the first and the last
 * segment the spline's third derivative equals that of the cubic through the four nearest
 * nodes.  Hence a spline through samples of a cubic reproduces the cubic exactly.  With three
 * nodes the third derivative is zero at both ends (the spline is the interpolating parabola),
 * with two it is the straight line.
 *
 * Outside [t_0, t_{n−1}] the first and the last cubic segment are continued. */
#ifndef ODEGRAD_SPLINE_H
#define ODEGRAD_SPLINE_H

#include <stddef.h>

typedef struct {
    int n;          /* nodes */
    double *t;      /* n node times, strictly increasing */
    double *coef;   /* (n−1) segments × n basis functions × 4 coefficients (a, b, c, d) of
                       B_k(t) = a + b s + c s² + d s³ with s = t − t_i on segment i */
} spline_basis;

/* Build the basis for n ≥ 2 strictly increasing finite node times.  Returns 0, or -1 with a
 * one-line message in err. */
int spline_basis_init(spline_basis *s, int n, const double *t, char *err, size_t errlen);
void spline_basis_free(spline_basis *s);

/* B[k] = d^order B_k / dt^order at t, k = 0..n−1, for order 0..3. */
void spline_basis_eval(const spline_basis *s, double t, int order, double *B);
/* d^order S / dt^order at t for the spline through the node values y (n values). */
double spline_eval(const spline_basis *s, const double *y, double t, int order);

#endif
