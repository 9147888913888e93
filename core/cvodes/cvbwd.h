/* cvbwd — the backward problem of a CVODES forward solve recorded with checkpoints
 * (cv_forward_options.checkpoint_steps > 0), as AMICI keeps a backward problem beside its
 * forward one.  One module for every adjoint: what is integrated backwards — the first-order
 * adjoint λ with the gradient quadrature (cvadj.h), or the second-order [λ; μ_j] with the
 * gradient and Hessian quadratures (cvsoadj.h) — is a *kind*, a small table of callbacks;
 * the life cycle (creation, settings, integration back to an earlier time, restart after a
 * jump, steps summed over restarts, freeing) and the sweep over the observation times are
 * here, once.
 *
 * The sweep.  A loss with terms ℓ_k(x(t_k)) at the observation times t_1 ≤ … ≤ t_K of the
 * condition makes the backward state y jump by j_k at t_k, so y is piecewise smooth: from
 * T = t_K (tf when the model has a running cost, whose adjoint has a source on all of
 * [t0, tf]) integrate back to the next earlier t_k, add j_k to y there, restart CVODES from
 * the new y and the quadratures reached, and so on down to t0; a data point at t0 adds its
 * jump to y(t0) itself (the initial-state terms see it).  What y and j_k are belongs to the
 * caller (λ and ℓ_x; or [λ; μ_j] and [ℓ_x; ℓ_xx s_j + ℓ_xθ u_j]).
 *
 * Evaluations of the backward callbacks are counted into the options' counters; the forward
 * right-hand sides CVODES recomputes between checkpoints during CVodeB keep counting into the
 * forward problem's counters.  Every failure is one line naming the backend, the phase, the
 * time reached and the CVODES flag. */
#ifndef ODEGRAD_CVBWD_H
#define ODEGRAD_CVBWD_H

#include <stddef.h>
#include "cvwrap.h"

/* The Newton solver of the second-order kind (cvsoadj.h); the first-order kind uses the
 * forward problem's kind of linear solver (dense or Krylov) for −f_xᵀ. */
typedef enum { CV_SO_BLOCK = 0, CV_SO_DENSE = 1 } cv_so_linsol;

typedef struct {
    cv_family family;     /* backward integrator */
    double rtol, atol;    /* backward tolerances (states and quadratures) */
    long max_steps;       /* per integration between two observation times */
    int quad_errcon;      /* the quadratures take part in the backward error test */
    eval_counts *counts;  /* backward-callback evaluations are counted here, or NULL */
    cv_so_linsol so_linsol;
    /* the second-order kind's local error test sees λ alone (with the first-order kind's
     * norm), not the μ_j (cvsoadj.h) */
    int so_errcon_first;
} cv_backward_options;

/* What is integrated backwards: cv_adjoint_first_order (cvadj.h), cv_adjoint_second_order
 * (cvsoadj.h). */
typedef struct cv_backward_kind cv_backward_kind;

/* The sizes of the backward state y and of the quadratures q that `kind` has on the forward
 * problem cv.  Returns 0, or -1 with a message when cv was not recorded for it (no
 * checkpoints; or, for the second order, no first-order sensitivities along directions). */
int cv_backward_sizes(const cv_solver *cv, const cv_backward_kind *kind, int *ny, int *nq,
                      char *err, size_t errlen);

/* The sweep above, after cv's forward pass: jumps holds ny values per observation of the
 * condition; y (ny) and q (nq) end at t0 (q is zero at T).  Returns 0, or -1 with a message. */
int cv_backward_sweep(cv_solver *cv, const cv_backward_kind *kind, const cv_backward_options *bo,
                      const double *jumps, double *y, double *q, char *err, size_t errlen);

/* The sweep of a segment (cv recorded with a cv_segment): from y(tb) = y_end (the adjoint
 * entering from the later segment) back to ta, with the jumps of the segment's observations;
 * y and q end at ta. */
int cv_backward_sweep_segment(cv_solver *cv, const cv_backward_kind *kind,
                              const cv_backward_options *bo, const double *jumps,
                              const double *y_end, double *y, double *q, char *err,
                              size_t errlen);

/* Its pieces, for a caller with a sweep of its own.  Create the backward problem with
 * y(T) = y, q(T) = 0 (T in [t0, tf]; one backward problem per forward solve); integrate back
 * to t (t0 ≤ t < the current time) with y and q (may be NULL) receiving the values there;
 * restart at t from y and q (NULL: zero quadratures) after a jump.  Each returns 0, or -1 with
 * a message. */
int cv_backward_begin(cv_solver *cv, const cv_backward_kind *kind, const cv_backward_options *bo,
                      double T, const double *y, char *err, size_t errlen);
int cv_backward_to(cv_solver *cv, double t, double *y, double *q, char *err, size_t errlen);
int cv_backward_restart(cv_solver *cv, double t, const double *y, const double *q, char *err,
                        size_t errlen);
/* Steps of the backward problem, summed over restarts (CVODES counts from its last
 * re-initialisation); 0 before it exists. */
long cv_backward_steps(cv_solver *cv);

#endif
