/* sofwdsys — the second-order forward sensitivity system shared by `soforward` (the full
 * Hessian) and `fim` (the Gauss–Newton term of a running cost).
 *
 * The np first-order sensitivities s_j = ∂x/∂θ_j and the np(np+1)/2 second-order ones
 * s_ij = ∂²x/∂θ_i∂θ_j (i ≤ j) as CVODES forward sensitivities of the state (cv_sens_system):
 *     s_j'  = f_x s_j + f_θ e_j,                       s_j(t0)  = x0_θ e_j
 *     s_ij' = f_x s_ij + f''[(s_i, e_i), (s_j, e_j)],   s_ij(t0) = x0_θθ[e_i, e_j]
 * and, for a model with a running cost g, the quadrature sensitivities
 *     ∫ g_x s_j + g_θj dt    and    ∫ (s_i, e_i)ᵀ ∇²g (s_j, e_j) + g_x s_ij dt,
 * i.e. G's gradient and Hessian.  Observation terms add
 *     ∂²ℓ/∂θ_i∂θ_j = (s_i, e_i)ᵀ ∇²ℓ (s_j, e_j) + ℓ_x s_ij.
 *
 * Gauss–Newton mode drops every term that carries the model's curvature: s_ij ≡ 0 (zero
 * initial value and right-hand side), so the integrals and observation terms reduce to
 * (s_i, e_i)ᵀ ∇²(g or ℓ) (s_j, e_j) — the generalised Gauss–Newton matrix, which is exact
 * where the model is linear in θ and, for a sum of squares, where the residuals vanish. */
#ifndef ODEGRAD_SOFWDSYS_H
#define ODEGRAD_SOFWDSYS_H

#include "method.h"
#include "cvwrap.h"

/* Solve every condition of m at θ with the system (Gauss–Newton mode if asked), adding the
 * Hessian and gradient contributions to r->hessian and r->gradient (allocated by the caller),
 * and the steps, evaluations (r->fwd) and peak bytes to r.  observations = 0 leaves the
 * observation terms out (only the running cost's).  *loss (may be NULL) receives the loss
 * the run saw (observation terms if included, plus G).  `name` is the backend, for messages. */
method_status sofwd_run(const char *name, const model *m, const double *theta,
                        const method_options *o, cv_sens_mode mode, int gauss_newton,
                        int observations, double *loss, method_result *r);

#endif
