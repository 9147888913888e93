/* cvsoadj — the second-order kind of backward problem (cvbwd.h: forward-over-adjoint) of a
 * CVODES forward solve that was recorded with checkpoints AND first-order forward sensitivities
 * s_j = (∂x/∂θ) u_j along nd directions u_j (cv_forward_new: u_j = e_j, nd = np;
 * cv_forward_new_sens with directions: the caller's u_j).
 *
 * Differentiating the first-order adjoint system (cvadj.h) along (s_j, u_j) gives, for the
 * backward state yB = [λ; μ_1; …; μ_nd] (nx(1 + nd) values):
 *     λ'   = −f_xᵀλ − g_xᵀ
 *     μ_j' = −f_xᵀμ_j − [(λᵀf)_xx s_j + (λᵀf)_xθ u_j] − [g_xx s_j + g_xθ u_j]
 * and for the quadratures qB = [q; q2_1; …; q2_nd] (np(1 + nd) values), q(T) = q2(T) = 0:
 *     q'    = −(f_θᵀλ + g_θᵀ)
 *     q2_j' = −(f_θᵀμ_j + (λᵀf)_θx s_j + (λᵀf)_θθ u_j + g_θx s_j + g_θθ u_j)
 * (g: the running cost, if any).  The products come from model_rhs_vjp_jvp and
 * model_running_hvp, which include the log10 chain rule.  With the jumps at observation
 * times done by the caller (λ += ℓ_x, μ_j += ℓ_xx s_j + ℓ_xθ u_j) one has
 *     ∇L·u_j … = q(t0) + x0_θᵀλ(t0) + Σ ℓ_θ                       (the gradient)
 *     H u_j     = q2_j(t0) + x0_θᵀμ_j(t0) + (λᵀx0)_θθ u_j + Σ (ℓ_θx s_j + ℓ_θθ u_j).
 *
 * CVODES integrates it as a "BS" problem (CVodeInitBS: the callbacks receive the forward
 * sensitivities interpolated between checkpoints).  The BDF Newton iteration gets the exact
 * Jacobian  JB = ∂yB'/∂yB = [[−f_xᵀ, 0], [C_j, −f_xᵀ]],  C_j = −(∂f_x/∂(x,θ)·(s_j, u_j))ᵀ,
 * block lower-triangular with nd + 1 equal diagonal blocks.  Two linear solvers
 * (cv_backward_options.so_linsol):
 *   CV_SO_DENSE  CVODES's dense LU of the whole (nx(1+nd))² matrix — O(nx³ nd³) per set-up;
 *   CV_SO_BLOCK  our own SUNLinearSolver that factors the one nx × nx diagonal block of
 *                I − γ JB and solves by block forward substitution — O(nx³ + nd nx²) per
 *                set-up, O(nd nx²) per solve; the same solution as the dense LU.
 * The local error test sees all of yB, or — cv_backward_options.so_errcon_first — λ alone with
 * the first-order kind's norm, the μ_j following λ's steps (cvsoadj.c, so_ewt_first).
 * Evaluations are counted into the backward counters (each vjp_jvp / hvv as "second"). */
#ifndef ODEGRAD_CVSOADJ_H
#define ODEGRAD_CVSOADJ_H

#include "cvbwd.h"

/* y = [λ; μ_1; …; μ_nd] (nx(1 + nd) values), q = [q; q2_1; …; q2_nd] (np(1 + nd)); the
 * forward problem must have been run with checkpoints and first-order sensitivities (not a
 * caller-defined sensitivity system). */
extern const cv_backward_kind cv_adjoint_second_order;

/* The same along u_j = e_j for every parameter (the full Hessian, which is symmetric), with
 * only the rows i <= j of each q2_j integrated: q = [q; q2_0(0); q2_1(0..1); …; q2_{np-1}(0..
 * np-1)], np + np(np+1)/2 values instead of np(1 + np) — the quadratures' share of the
 * integrator's vector work and error test halves.  H(i, j) = H(j, i) for i <= j is taken
 * from column j. */
extern const cv_backward_kind cv_adjoint_second_order_symmetric;

#endif
