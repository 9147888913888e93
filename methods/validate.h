/* validate — the one place where the numbers a user hands odegrad are judged: tolerances,
 * the parameter vector θ against the model's bounds, integrator names, and whether a θ
 * outside the bounds makes the true solution overflow before any backend starts.
 *
 * method_check (every backend option and tolerance) and method_run (θ) call it, so every
 * command, the bench spec reader and the fit share one rule and one message per mistake. */
#ifndef ODEGRAD_VALIDATE_H
#define ODEGRAD_VALIDATE_H

#include <stddef.h>
#include "model.h"

/* A tolerance (flag names it in the message): 0 means "not given" (the default applies);
 * anything else must be finite and lie strictly between 0 and 1 — rtol 1 allows a 100 %
 * error, and an atol of 1e300 switches error control off.  0, or -1 with a message. */
int validate_tolerance(double value, const char *flag, char *err, size_t errlen);

/* θ: np finite values, each within the model's [lower, upper] unless allow_outside (then
 * only finiteness is required).  0, or -1 with a message naming the parameter, its bounds
 * and --allow-outside-bounds. */
int validate_theta(const model *m, const double *theta, int allow_outside, char *err,
                   size_t errlen);
/* Is θ within every bound of the model? */
int validate_theta_in_bounds(const model *m, const double *theta);

/* An integrator name given with --solver or solver=: one of CVODES's (bdf, adams) or one of
 * odegrad's own (odeint_known), or "auto".  NULL (not given) passes.  0, or -1. */
int validate_solver(const char *name, char *err, size_t errlen);

/* For θ outside the bounds: the spectral abscissa α (largest real part of an eigenvalue) of
 * the Jacobian ∂f/∂x at the start of every condition.  Near the start the solution grows like
 * e^{α t}; if α·(t_end − t_0) exceeds log(DBL_MAX) ≈ 709 the true solution overflows within
 * the horizon, and an implicit solver would quietly return a damped, meaningless one (BDF maps
 * e^{λh} with λh ≫ 1 to about 1/(1 − λh)).  0 when no condition overflows (or nx > 200, where
 * the dense eigenvalue problem is not worth it), -1 with a message naming the time of
 * overflow. */
int validate_growth(const model *m, const double *theta, char *err, size_t errlen);

#endif
