/* step_driver — the step loops that every one-step integrator of ours runs (explicit
 * Runge–Kutta, rk.c; Rosenbrock, rosenbrock.c), around the step that each does its own way:
 * the adaptive loop, and the loop along a given time grid.
 *
 * Adaptive.
 * From (t0, x0): f0 = f(t0, x0) and Hairer's first trial step h (step_initial); then, until
 * tf, the step t → t_next = t + h is attempted — shortened to land on `target` (tf, or for an
 * integrator without dense output the next observation time) when t + 1.01·h reaches it, so
 * that no sliver of a step is left — and
 *   accepted when its scaled error norm err ≤ 1: the observation times it owns are handed to
 *     the integrator with the step (dense output, observer), the integrator moves to x_next,
 *     and h_new = (t_next − t)·fac(err) (step_factor; at most 1 right after a rejection);
 *     a step shortened to land on its target does not shrink the next one (h = max(h_new, h)),
 *     and h never exceeds h_max;
 *   rejected otherwise (a non-finite err included): h = (t_next − t)·fac(err), capped at 1.
 * Accepted and rejected attempts together are limited by max_steps; a step below the
 * resolution of t is an underflow.  The integrator's calls do the arithmetic of a step, so
 * the loop adds one indirect call per step and nothing to its inner loops. */
#ifndef ODEGRAD_STEP_DRIVER_H
#define ODEGRAD_STEP_DRIVER_H

#include "step_control.h"

/* An integrator as the loop sees it. */
typedef struct {
    const char *name;       /* for messages */
    int order;              /* order of x_next: the first trial step */
    int error_order;        /* order of the embedded solution: the controller uses the lower */
    int lands_on_outputs;   /* no dense output: end steps on the observation times */
    /* Attempt the step t → t_next from x; on STEP_OK *err_norm is its scaled error norm
     * (INFINITY for an attempt that failed in a way a smaller step may cure). */
    int (*attempt)(void *integrator, double t, double t_next, const double *x,
                   double *err_norm);
    /* The attempt was accepted as step `index`: outputs (dense output of the nout owned
     * observation times, out_frac their fractions σ) and the observer. */
    int (*accept)(void *integrator, long index, double t, double t_next, const double *x,
                  int nout, const int *out_index, const double *out_frac);
    /* Move x to the accepted x_next, ready for the next step from t (= the old t_next). */
    int (*advance)(void *integrator, double t, double *x);
} step_method;

/* The solve: n states from x(t0) to tf; f for the first trial step; observation times tout
 * (nout, within [t0, tf]) whose states go to xout (nout × n, may be NULL). */
typedef struct {
    int n;
    step_eval_fn rhs;
    void *rhs_ctx;
    double t0, tf;
    int nout;
    const double *tout;
    double *xout;
} step_solve;

/* What a loop itself counted. */
typedef struct {
    long steps;        /* accepted */
    long rejected;
    long rhs_evals;    /* f0 and the first-step estimate (the integrator counts its own) */
    double t_reached;
    double h_proposed; /* adaptive: the step the controller proposes after the last accepted
                        * one, before the cap by the solve's span (0 before any) — a solve
                        * that continues from there (after a jump) can start with it */
} step_tally;

/* Run the loop with the integrator's workspace: outs (its observation bookkeeping), f0 (n:
 * receives f(t0, x0) — the first stage of an FSAL method may keep it), scratch (2n).  x is
 * overwritten with x(t_reached).  Returns STEP_OK or a status; the loop's own failures (bad
 * request, max_steps, underflow, outputs out of order) come with their message in err, the
 * integrator's (STEP_ERHS, …) and a failed f0 are the caller's to describe. */
int step_adaptive_solve(const step_method *M, void *integrator, const step_solve *P,
                        const step_control *c, step_outputs *outs, double *f0,
                        double *scratch, double *x, step_tally *tally, char *err,
                        size_t errlen);

/* Along a grid.  Steps first … first+count−1 of g (fixed steps, or a recorded solve being
 * replayed), each taken as it is — no error control; step k runs t_k → t_{k+1}, k and the
 * ownership of the observation times being those of the whole solve. */

/* Step k, t → t_next, from x (overwritten with x(t_next)) as the integrator takes it: its
 * stages, the observation times it owns (step_outputs_claim) with dense output and the
 * observer.  STEP_OK, or a status (the integrator's own, or STEP_EINPUT with a message). */
typedef int (*step_grid_fn)(void *integrator, long k, double t, double t_next, double *x,
                            step_outputs *outs, char *err, size_t errlen);

/* Run the grid loop for the integrator `name` with its observation bookkeeping outs (only
 * t0, tf and the observation times of P are used); x = x(t_first) is overwritten with
 * x(t_reached).  Returns STEP_OK or a status; the loop's own failures (steps outside the
 * grid, a grid that does not increase) come with their message in err. */
int step_grid_solve(const char *name, step_grid_fn step, void *integrator, const step_solve *P,
                    const step_grid *g, long first, long count, step_outputs *outs, double *x,
                    step_tally *tally, char *err, size_t errlen);

#endif
