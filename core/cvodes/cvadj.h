/* cvadj — the first-order kind of backward problem (cvbwd.h): the continuous adjoint of the
 * model's condition,
 *     λ' = −f_xᵀ λ − g_xᵀ                 (g: the running cost, if the model has one)
 *     q' = −(f_θᵀ λ + g_θᵀ),  q(T) = 0     so that  q(t) = ∫_t^T (f_θᵀλ + g_θᵀ) ds,
 * integrated from T back towards t0 by CVODES (CVodeB) with the forward state interpolated
 * between checkpoints: y = λ (nx values), q (np).  Its Newton iteration gets the exact
 * Jacobian −f_xᵀ (the model's f_x, transposed), or — when the forward problem runs a Krylov
 * linsol — GMRES with the exact products −f_xᵀv and the transposed preconditioner
 * (cvlinsol.c).  With the jumps λ += ℓ_x at the observation times (cv_backward_sweep),
 *     dL/dθ = q(t0) + x0_θᵀ λ(t0) + Σ_k ℓ_θ(t_k). */
#ifndef ODEGRAD_CVADJ_H
#define ODEGRAD_CVADJ_H

#include "cvbwd.h"

extern const cv_backward_kind cv_adjoint_first_order;

#endif
