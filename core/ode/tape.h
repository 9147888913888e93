/* tape — records the accepted steps of one of our integrators and sweeps them backwards:
 * the exact gradient of the discrete solution ("direct differentiation").
 *
 * What is recorded.  A step is a fixed sequence of stage evaluations K_i = f(t_i, Y_i) and
 * linear combinations with constant coefficients (the step size h is a constant of the
 * discrete computation — the controller that chose it is not differentiated).  The reverse
 * sweep needs f's vector–Jacobian products at every stage input, so a record keeps exactly
 * the stage inputs that are not available otherwise:
 *   explicit RK:  x_k and Y_2 … Y_s (for FSAL methods Y_s = x_{k+1} is the next record's
 *                 x_k, so it is not stored twice): s vectors (s − 1 for FSAL);
 *   Rosenbrock:   x_k and the stage increments u_1 … u_s (Y_i = x_k + Σ a_ij u_j is
 *                 recomputed with the forward arithmetic): s + 1 vectors;
 * plus a header (link, t_k, t_{k+1}): 24 bytes.  (integrator_tape_vectors gives the count for
 * each registered integrator, and the entry's reverse step sweeps its records: e.g. dopri5
 * and tsit5, both FSAL with 7 stages, keep 6 vectors, 24 + 48·n bytes per step; rosenbrock
 * keeps 5, 24 + 40·n.)  Each record is one allocation charged to
 * the caller's mem_account, so the tape's bytes are exactly (header + vectors·n·8) per
 * step, and a record that would pass the account's cap is refused BEFORE it is allocated:
 * recording stops with a one-line error instead of exhausting memory.
 *
 * The reverse of a step (tape_adjoint.c), with λ the adjoint of x_{k+1}:
 *   explicit RK   K̄_j += h b_j λ, x̄_k += λ; then for i = s … 1: Ȳ_i = f_x(Y_i)ᵀ K̄_i,
 *                 θ̄ += f_θ(Y_i)ᵀ K̄_i, x̄_k += Ȳ_i, K̄_j += h a_ij Ȳ_i.  For FSAL methods
 *                 the adjoint of K_1 of step k+1 (the same evaluation as K_s of step k)
 *                 is carried over and added to K̄_s, saving one product per step.
 *   Rosenbrock    with M = I/(hγ) − J(x_k): ū_j = m_j λ; for i = s … 1: r̄_i = M⁻ᵀ ū_i,
 *                 ū_j += (c_ij/h) r̄_i, the stage product at Y_i as above (ū_j += a_ij Ȳ_i),
 *                 and the linear solve's dependence on J: since u_i = M⁻¹ r_i, J̄ = r̄_i u_iᵀ,
 *                 whose pull-back to x_k and θ is the second-order product
 *                 ((r̄_iᵀ f)_xx u_i, (r̄_iᵀ f)_θx u_i) — exact, not approximated.
 * Observation times inside a step add their loss seeds through the dense output:
 * x(t_k + σh) = x_k + h Σ b_j(σ) K_j, so x̄_k += seed and K̄_j += h b_j(σ) seed (σ = 1 adds
 * to the adjoint of x_{k+1}, σ = 0 to that of x_k). */
#ifndef ODEGRAD_TAPE_H
#define ODEGRAD_TAPE_H

#include <stddef.h>
#include "memtrack.h"
#include "odeint.h"

typedef struct tape tape;

/* A tape for the integrator I (its method and coefficients) on sys, charging every byte
 * to acc.  NULL if the fixed part does not fit (acc->refused tells) or out of memory. */
tape *tape_new(const odeint *I, const odesys *sys, mem_account *acc);
void tape_free(tape *T);

/* The recording observer: pass tape_record with the tape as its context. */
int tape_record(const odeint_step *step, void *tape);

long tape_steps(const tape *T);           /* steps on the tape now */
long tape_first_step(const tape *T);      /* global index of the first of them */
size_t tape_record_bytes(const tape *T);  /* bytes of one recorded step (exact) */
size_t tape_fixed_bytes(const tape *T);   /* bytes of the tape's own workspace */
const char *tape_error(const tape *T);    /* why recording or sweeping stopped */

/* Loss seeds at observation times: output i belongs to step step[i] at fraction frac[i]
 * (as the integrator reported them) and contributes seed[i·n … i·n+n−1] = ∂L/∂x(t_i).
 * The sweep consumes outputs from the end: those with index < cursor are still to come
 * (start with cursor = nout). */
typedef struct tape_outputs {
    int nout;
    const long *step;
    const double *frac;
    const double *seed;
    int cursor;
} tape_outputs;

/* The running adjoint: xbar = ∂L/∂x at the current position (the end of the recorded
 * steps on entry to a sweep, their start on exit); carry = FSAL's pending adjoint of
 * f(t, x) at that position (zero otherwise); thbar accumulates ∂L/∂θ. */
typedef struct tape_adjoint {
    double *xbar;    /* n */
    double *carry;   /* n */
    double *thbar;   /* np */
} tape_adjoint;

/* Sweep every recorded step backwards, releasing it.  Returns 0, or -1 with tape_error(). */
int tape_sweep(tape *T, tape_outputs *out, tape_adjoint *adj);

#endif
