/* cvadj — the backward (adjoint) problem of a CVODES forward solve recorded with
 * checkpoints (cv_forward_options.checkpoint_steps > 0), and the bytes those checkpoints hold.
 *
 * The backward problem is the continuous adjoint of the model's condition:
 *     λ' = −f_xᵀ λ − g_xᵀ                 (g: the running cost, if the model has one)
 *     q' = −(f_θᵀ λ + g_θᵀ),  q(T) = 0     so that  q(t) = ∫_t^T (f_θᵀλ + g_θᵀ) ds,
 * integrated from T back towards t0 by CVODES (CVodeB) with the forward state interpolated
 * between checkpoints.  Its Newton iteration gets the exact Jacobian −f_xᵀ (the model's f_x,
 * transposed), or — when the forward problem runs a Krylov linsol — GMRES with the exact
 * products −f_xᵀv and the transposed preconditioner (cvlinsol.c).  Evaluations of the backward callbacks are counted into their own counters;
 * the forward right-hand sides CVODES recomputes between checkpoints during CVodeB keep
 * counting into the forward problem's counters.
 *
 * A loss with terms at observation times is handled piecewise: integrate to the next earlier
 * observation time, add the jump ∂ℓ_k/∂x to λ there, and restart (cv_adjoint_restart). */
#ifndef ODEGRAD_CVADJ_H
#define ODEGRAD_CVADJ_H

#include <stddef.h>
#include "cvwrap.h"

typedef struct {
    cv_family family;     /* backward integrator */
    double rtol, atol;    /* backward tolerances (λ and q) */
    long max_steps;
    int quad_errcon;      /* q takes part in the backward error test */
    eval_counts *counts;  /* backward-callback evaluations are counted here, or NULL */
} cv_backward_options;

/* Create the backward problem with λ(T) = lambda, q(T) = 0.  T must lie in [t0, tf]. */
int cv_adjoint_begin(cv_solver *cv, const cv_backward_options *bo, double T,
                     const double *lambda, char *err, size_t errlen);
/* Integrate back to t (t0 ≤ t < current time); lambda (nx) and q (np) receive λ(t), q(t). */
int cv_adjoint_to(cv_solver *cv, double t, double *lambda, double *q, char *err, size_t errlen);
/* Restart at t with new λ (after a jump) and the current q. */
int cv_adjoint_restart(cv_solver *cv, double t, const double *lambda, const double *q,
                       char *err, size_t errlen);
/* Steps of the backward problem, summed over restarts (CVODES resets its own count). */
long cv_adjoint_steps(cv_solver *cv);

/* ---- what the checkpoints hold --------------------------------------------------------------
 * Bytes on the heap held by CVODES's adjoint storage, from the checkpoint list that CVODES
 * reports (CVodeGetAdjCheckPointsInfo: each record's BDF order q) and the layout of CVODES
 * 6.4.1 (docs/cvodes.md §5): a checkpoint keeps q+1 Nordsieck vectors (+1 if q < qmax; the t0
 * checkpoint keeps 2), times (1 + stored sensitivities), plus the running-cost quadrature's
 * when it is error-controlled; the interpolation buffer keeps Nd+1 points of 2 (Hermite) or 1
 * (polynomial) vectors.  Each vector is counted with its serial N_Vector headers, each record
 * with its struct, each block with the allocator's chunk header — so the total is comparable
 * with the heap (mallinfo2) and is checked against it in tests/core/test_cvadj.c. */
typedef struct {
    long checkpoints;           /* ncheck (not counting the t0 one) */
    long vectors;               /* N_Vectors held by checkpoints and interpolation data */
    size_t checkpoint_bytes;    /* all checkpoints, t0 included */
    size_t interp_bytes;        /* interpolation points, their records, the work vector */
    size_t index_bytes;         /* the index of interpolation points (made by CVodeAdjInit) */
    size_t payload_bytes;       /* realtype words only, ×8: the docs/cvodes.md §5 formula */
} cv_checkpoint_stats;

/* After the forward pass (before the backward pass changes the list). */
int cv_checkpoint_stats_get(cv_solver *cv, cv_checkpoint_stats *st);

#endif
