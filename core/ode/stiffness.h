/* stiffness — the test that tells an explicit Runge–Kutta solve to give way to a stiff
 * integrator: Hairer's stage estimate (Solving ODEs II, §IV.2, as in DOPRI5) backed by a
 * power iteration on the Jacobian, and a judgement whether switching pays.
 *
 * For the methods whose last two stages are both at t_next (Dormand–Prince, Tsit5),
 * ρ = ‖K_s − K_{s−1}‖ / ‖Y_s − Y_{s−1}‖ estimates the Lipschitz constant along their
 * difference, and h·ρ beyond the stability boundary (3.25 for these methods) means the step
 * was limited by stability, not accuracy.  The stage estimate sees only the directions the
 * solution excites, and a damped stiff mode hardly shows in it, so every 20 steps a power
 * iteration on the dense f_x at x_k (eight products) estimates |λ_max| as well, and the
 * larger is used.  Fifteen stability-limited steps without six ordinary ones in between mean
 * stiff; switching is judged worth it only when the stability-limited steps still to take,
 * ρ(tf − t)/3.25, pass 10⁴ (a Rosenbrock step — Jacobian, LU, both passes — cost 26× a Tsit5
 * step on jakstat, and there at rtol 1e-4 the test fires on Tsit5's 284 steps, which
 * Rosenbrock replaced by 453: 40× slower and 1000× less accurate). */
#ifndef ODEGRAD_STIFFNESS_H
#define ODEGRAD_STIFFNESS_H

#include <stddef.h>
#include "rk.h"

/* J = f_x(t, x) of the tested components, n×n row-major; non-zero on failure */
typedef int (*stiffness_jac_fn)(double t, const double *x, double *J, void *ctx);

typedef struct {
    int n;                  /* the leading n components of the step are tested */
    stiffness_jac_fn jac;   /* NULL: the stage estimate alone */
    void *ctx;
    double *J, *p;          /* n×n and 2n doubles of the caller's work space */
    double rho_jac;         /* the last power-iteration estimate of |λ_max(f_x)| */
    long stiff_run, nonstiff_run;
} stiffness_test;

/* doubles of work space stiffness_test_init needs for n components */
#define STIFFNESS_WORK(n) ((size_t)(n) * (size_t)(n) + 2 * (size_t)(n))

void stiffness_test_init(stiffness_test *T, int n, stiffness_jac_fn jac, void *ctx,
                         double *work);
/* forget the runs and the estimate (a new solve) */
void stiffness_test_reset(stiffness_test *T);
/* After an accepted step of a solve ending at tf: 1 when the solve is stiff and a switch
 * pays, 0 otherwise (also for methods with fewer than two stages). */
int stiffness_test_step(stiffness_test *T, const rk_step_view *v, double tf);

#endif
