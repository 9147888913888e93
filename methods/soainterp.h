/* soainterp — soadjoint's scheme=interp: the second-order adjoint on our own explicit
 * Runge–Kutta integrators, with dense output forward and no restart at observations
 * backward (soainterp.c has the equations). */
#ifndef ODEGRAD_SOAINTERP_H
#define ODEGRAD_SOAINTERP_H

#include "method.h"

/* What soadjoint's run does for scheme=interp: the gradient, and H·v (WANT_HVP) or the full
 * Hessian (WANT_HESSIAN), into r (its arrays already allocated by hess_outputs).  errcon_all:
 * the backward error test sees [λ; μ_j] (else λ alone); weight_peak: its weights are the
 * largest sizes since tf (step_control.peak).  One-line message in r->error on failure. */
method_status soainterp_run(const method_type *type, const model *m, const double *theta,
                            const method_options *o, int errcon_all, int weight_peak,
                            method_result *r);

#endif
