/* boxmap — box bounds l ≤ θ ≤ u removed by a smooth change of variables, so that the
 * unconstrained optimisers (GSL's and our trust-region Newton) all respect a model's bounds
 * the same way:
 *
 *     θ_i = c_i + r_i sin z_i,     c = (l + u)/2,  r = (u − l)/2
 *
 * (the transformation of MINUIT and lmfit).  Every z is feasible, and a bound is reached at a
 * finite z (sin z = ±1), where dθ/dz = 0: a minimiser on a bound whose gradient points
 * outwards is a regular minimiser in z, with curvature −r sin z · ∂L/∂θ > 0, so Newton's
 * method keeps its quadratic convergence there.  Derivatives follow by the chain rule with
 * D = diag(r cos z) and the second-order term diag(∂L/∂θ ⊙ (−r sin z)):
 *
 *     ∇_z L = D ∇_θ L,    ∇²_z L = D ∇²_θ L D + diag(∇_θ L ⊙ θ''(z)),    J_z = J_θ D.
 *
 * Starts are mapped back with z = asin((θ − c)/r) ∈ [−π/2, π/2]. */
#ifndef ODEGRAD_BOXMAP_H
#define ODEGRAD_BOXMAP_H

#include <stddef.h>

typedef struct {
    int n;
    double *centre, *half_width;   /* c, r (n each, owned) */
    const double *lower, *upper;   /* the caller's bounds (θ is clamped into them) */
} boxmap;

/* Bounds must be finite with lower < upper.  0, or -1 with a message naming entry i (the
 * caller's names are not known here: "parameter 3"). */
int boxmap_init(boxmap *b, int n, const double *lower, const double *upper, char *err,
                size_t errlen);
void boxmap_release(boxmap *b);

/* θ(z) (clamped into the box against rounding); dtheta = θ'(z), d2theta = θ''(z) (each may be
 * NULL). */
void boxmap_theta(const boxmap *b, const double *z, double *theta, double *dtheta,
                  double *d2theta);
/* z for a θ inside the box (boundary included).  0, or -1 when an entry lies outside. */
int boxmap_z(const boxmap *b, const double *theta, double *z);

/* ∇_z L from ∇_θ L */
void boxmap_gradient(const boxmap *b, const double *z, const double *gtheta, double *gz);
/* ∇²_z L (n×n row-major) from ∇_θ L and ∇²_θ L */
void boxmap_hessian(const boxmap *b, const double *z, const double *gtheta,
                    const double *htheta, double *hz);
/* J_z (m×n row-major) from J_θ (m×n); may be done in place (jz == jtheta) */
void boxmap_jacobian(const boxmap *b, const double *z, int m, const double *jtheta, double *jz);

#endif
