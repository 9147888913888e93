/* cvwrap — a thin layer over CVODES (SUNDIALS 6.4.1) shared by the CVODES backends.
 *
 * One cv_solver owns one SUNContext, one CVODES memory block, its vectors and its linear
 * solver, and frees them in the order CVODES requires.  Two kinds exist:
 *
 *   - the forward problem of a model: x' = f(t, x, θ) of the model_ctx's selected condition,
 *     from x0(θ) at t0 to tf, with the model's exact Jacobian f_x for the Newton iteration
 *     (dense LU, or GMRES with exact products f_x·v for large sparse models: cv_linsol),
 *     optionally with forward sensitivities (right-hand side s_j' = f_x s_j + f_θ e_j from the
 *     model's exact J·v products), the running cost ∫g as a quadrature (and its sensitivities),
 *     and checkpoint recording for a later backward pass (cvbwd.h);
 *   - a generic system y' = F(t, y) with a dense Jacobian and optional quadratures, integrated
 *     in either direction of time (the backsolve adjoint runs its augmented system on it).
 *
 * Observation outputs avoid the stale-value trap of CVODES (docs/cvodes.md T1/T2): the solver is
 * driven one step at a time (CV_ONE_STEP) and every observation time t_k ≤ t_ret is harvested
 * by interpolation within the step just taken (CVodeGetDky / CVodeGetSensDky).
 *
 * Errors: every CVODES failure becomes one line naming the backend, the phase, the time
 * reached and the CVODES flag, with CVODES's own message attached; CVODES never prints (an
 * error handler captures its messages).  Evaluations made by the forward callbacks are
 * counted (model_ctx_count_into) into the counters given at creation — CVODES's own counters
 * are reset by re-initialisations and by the adjoint's checkpoint reloads, ours are not. */
#ifndef ODEGRAD_CVWRAP_H
#define ODEGRAD_CVWRAP_H

#include <stddef.h>
#include "memtrack.h"
#include "model.h"
#include "stats.h"

typedef struct cv_solver cv_solver;

/* which linear multistep family CVODES uses */
typedef enum { CV_FAMILY_BDF = 0, CV_FAMILY_ADAMS = 1 } cv_family;

/* the linear solver of the Newton iterations of a model's forward problem, its sensitivities
 * and its adjoint's backward problem (cvlinsol.c): dense LU of the exact Jacobian; GMRES with
 * exact Jacobian-vector products, preconditioned by an incomplete LU (krylov) or by the exact
 * band LU of the reordered sparse Newton matrix (krylov-band), or not at all (krylov-noprec);
 * auto picks dense or krylov by the model's size and sparsity.  Generic systems use dense,
 * except a model's state–adjoint pair (cv_system_new_pair). */
typedef enum {
    CV_LINSOL_AUTO = 0, CV_LINSOL_DENSE, CV_LINSOL_KRYLOV, CV_LINSOL_KRYLOV_BAND,
    CV_LINSOL_KRYLOV_NOPREC
} cv_linsol;
#define CV_LINSOL_CHOICES "auto|dense|krylov|krylov-band|krylov-noprec"

typedef struct {
    const char *backend;   /* names the caller in every message, e.g. "forward" */
    cv_family family;
    double rtol, atol;
    long max_steps;        /* per integration (CVODES's own default of 500 is far too low) */
    cv_linsol linsol;      /* 0 = CV_LINSOL_AUTO */
} cv_settings;

/* The CVODES solver names a backend accepts: "bdf" or "adams" (NULL: BDF).  Returns 0, or -1
 * when the name is not a CVODES method. */
int cv_family_parse(const char *solver, cv_family *family);
const char *cv_family_name(cv_family family);
/* A linear solver name of CV_LINSOL_CHOICES (NULL: auto).  Returns 0, or -1 if unknown. */
int cv_linsol_parse(const char *name, cv_linsol *ls);
const char *cv_linsol_name(cv_linsol ls);
/* What auto picks for model m: krylov for a model with many states and a sparse f_x (the
 * thresholds in cvlinsol.c come from measurements on brusselator-N), dense otherwise. */
cv_linsol cv_linsol_auto(const model *m);

/* ---- the forward problem of a model ---------------------------------------------------- */

typedef enum { CV_SENS_NONE = 0, CV_SENS_SIMULTANEOUS = 1, CV_SENS_STAGGERED = 2 } cv_sens_mode;
typedef enum { CV_INTERP_HERMITE = 1, CV_INTERP_POLYNOMIAL = 2 } cv_interp;

/* One segment between time breakpoints, for an adjoint that records each segment apart
 * (CVODES's checkpoints cannot cross a re-initialisation): the solve runs from (ta, xa) to
 * tb with the model's current phases, reports the observations k in [obs_first, obs_end)
 * and does not stop at breakpoints. */
typedef struct {
    double ta, tb;
    const double *xa;
    int obs_first, obs_end;
} cv_segment;

typedef struct {
    cv_sens_mode sensitivities;   /* forward sensitivities with respect to all of θ */
    int sens_errcon;              /* sensitivities take part in the local error test */
    long checkpoint_steps;        /* > 0: record checkpoints every this many steps (adjoint) */
    cv_interp interp;             /* interpolation between checkpoints (adjoint) */
    eval_counts *counts;          /* forward-callback evaluations are counted here, or NULL */
    mem_account *account;         /* checkpoints are charged here (cap enforced), or NULL */
} cv_forward_options;

/* Time breakpoints of the model (model.h, model_break.c): the forward run sets CVODES's stop
 * time at each breakpoint in (t0, tf], so the step that ends exactly at t_e exists and no step
 * crosses it; there the state and the sensitivities jump (model_break_cross) and CVODES is
 * re-initialised.  An observation at t_e is reported after the jump.  Supported for plain
 * solves and for the np sensitivities ∂x/∂θ of cv_forward_new without checkpoints and
 * without a running cost; other uses fail with a message. */
/* Called once per observation time of the condition, in increasing order, with the state
 * x(t_k) and — when sensitivities are on — S[j] = ∂x(t_k)/∂θ_j (np columns of length nx;
 * S is NULL otherwise).  Return 0 to go on, non-zero to stop the run (then cv_forward_run
 * returns -1 and the callback is responsible for the message). */
typedef int (*cv_obs_fn)(void *user, int k, double t, const double *x, const double *const *S);
/* The observation callback of a pass that keeps nothing at the observation times (one run
 * for its checkpoints, its final state or its running cost): always goes on. */
int cv_obs_ignore(void *user, int k, double t, const double *x, const double *const *S);

/* Build the forward problem of the condition selected in ctx (x0 from model_x0, t0 = model
 * t0, tf = model tf).  NULL with a message on failure. */
cv_solver *cv_forward_new(model_ctx *ctx, const cv_settings *s, const cv_forward_options *fo,
                          char *err, size_t errlen);
/* The forward problem of one segment (no sensitivities; checkpoints as fo says). */
cv_solver *cv_forward_new_segment(model_ctx *ctx, const cv_settings *s,
                                  const cv_forward_options *fo, const cv_segment *seg,
                                  char *err, size_t errlen);
/* Integrate t0 → tf, reporting every observation.  Returns 0, or -1 with a message. */
int cv_forward_run(cv_solver *cv, cv_obs_fn at_obs, void *user, char *err, size_t errlen);
/* After cv_forward_run: the running cost G = ∫_{t0}^{tf} g dt and, with sensitivities, its
 * gradient dG (np — ns with cv_forward_new_sens; may be NULL; zeros for a pass recorded with
 * checkpoints, whose backward pass delivers it).  G = 0 when the model has no running cost. */
void cv_forward_running(cv_solver *cv, double *G, double *dG);
/* final time of the forward problem, and the state there (after cv_forward_run) */
double cv_forward_tf(const cv_solver *cv);
void cv_forward_final_state(const cv_solver *cv, double *x);
/* How many times the forward run stopped at a breakpoint and restarted (a count for tests). */
long cv_break_stops(const cv_solver *cv);
/* Steps of the forward pass (read right after cv_forward_run: an adjoint pass resets
 * CVODES's counters). */
long cv_steps(cv_solver *cv);
/* Bytes of CVODES's own workspace (integrator + linear solver, forward and backward problems)
 * as CVODES reports it in words, with the preconditioners of the Krylov solvers.  Checkpoint
 * storage is not included (see cvckpt.h). */
size_t cv_workspace_bytes(cv_solver *cv);

/* ---- other forward sensitivity systems (used by the second-order backends) ----------------
 * Instead of the np sensitivities ∂x/∂θ_j, CVODES can carry ns other vectors S_j of length nx:
 *   - first-order sensitivities along given directions u_j (columns of `directions`, np × ns
 *     column-major):  S_j' = f_x S_j + f_θ u_j,  S_j(t0) = x0_θ u_j,  and the running cost's
 *     (∫g)' = g_x S_j + g_θ u_j;
 *   - or a system of the caller's (directions == NULL): init, rhs and (for a model with a
 *     running cost) quad give S(t0), S' and the ns running-cost integrands.  CVODES's Newton
 *     iteration uses the state's matrix I − γ f_x for every S_j, so S_j' should be f_x S_j plus
 *     terms that do not depend on S_j itself (e.g. second-order sensitivities, whose forcing
 *     depends on first-order ones) — other dependences slow the iteration, not its result.
 * The observation callback then receives the ns vectors, and cv_forward_running's dG has ns
 * entries (the derivatives of G along the directions, or the caller's integrals). */
typedef struct {
    int ns;
    const double *directions;
    int (*init)(void *user, model_ctx *ctx, double *const *S0);
    int (*rhs)(void *user, model_ctx *ctx, double t, const double *x, const double *const *S,
               double *const *Sdot);
    int (*quad)(void *user, model_ctx *ctx, double t, const double *x, const double *const *S,
                double *Qdot);
    void *user;
} cv_sens_system;

/* Like cv_forward_new with fo->sensitivities (simultaneous or staggered; NONE is taken as
 * simultaneous) carrying sys instead of ∂x/∂θ.  sys must outlive the solver. */
cv_solver *cv_forward_new_sens(model_ctx *ctx, const cv_settings *s, const cv_forward_options *fo,
                               const cv_sens_system *sys, char *err, size_t errlen);

/* The loss of the model at ctx's θ from plain forward solves: Σ over conditions of the loss
 * terms at the observation times plus the running cost.  Evaluations are counted into counts;
 * *steps (may be NULL) receives the steps taken, *bytes (may be NULL) the largest CVODES
 * workspace used.  Returns 0, or -1 with a message. */
int cv_loss(model_ctx *ctx, const cv_settings *s, eval_counts *counts, double *loss,
            long *steps, size_t *bytes, char *err, size_t errlen);

/* ---- a generic system -------------------------------------------------------------------- */

/* callbacks get plain arrays; return 0, > 0 for a recoverable failure (CVODES retries with a
 * smaller step), < 0 to stop */
typedef int (*cv_rhs_fn)(double t, const double *y, double *ydot, void *user);
/* dense Jacobian ∂F/∂y, n×n row-major (zeroed before the call); NULL: CVODES's difference
 * quotients */
typedef int (*cv_jac_fn)(double t, const double *y, double *J, void *user);
/* quadrature integrands q' = Q(t, y) */
typedef int (*cv_quad_fn)(double t, const double *y, double *qdot, void *user);

/* y' = rhs(t, y) of size n, starting at (t0, y0); nq quadratures (0 for none) starting at q0,
 * in the error test when quad_errcon is set.  Time may run in either direction. */
cv_solver *cv_system_new(int n, double t0, const double *y0, cv_rhs_fn rhs, cv_jac_fn jac,
                         int nq, const double *q0, cv_quad_fn quad, int quad_errcon,
                         void *user, const cv_settings *s, char *err, size_t errlen);
/* A model's state and its adjoint as one generic system, y = [z, a] of size 2·nx, whose
 * Jacobian is block lower-triangular with the diagonal blocks f_x(z) and −f_x(z)ᵀ (the
 * backsolve adjoint's [z' = f, a' = −f_zᵀa − g_zᵀ]).  Its Newton solver follows s->linsol like
 * a model's (auto: by the model's size and sparsity): dense uses jac; the Krylov kinds use the
 * caller's product jtimes, Jv = ∂F/∂y·v, and precondition with the block diagonal — the
 * model's Newton matrices I − γf_x and I + γf_xᵀ from one sparse Jacobian at z, each
 * factored as cvlinsol.c does.  The dropped off-diagonal block makes the preconditioned
 * matrix I plus a nilpotent part: two GMRES iterations where the blocks are exact. */
typedef int (*cv_jtimes_fn)(double t, const double *y, const double *v, double *Jv, void *user);
typedef struct {
    model_ctx *ctx;        /* the model of z (its condition selected) */
    eval_counts *counts;   /* where the preconditioner's Jacobian products are counted */
    cv_jtimes_fn jtimes;
} cv_state_adjoint_pair;
cv_solver *cv_system_new_pair(const cv_state_adjoint_pair *pair, double t0, const double *y0,
                              cv_rhs_fn rhs, cv_jac_fn jac, int nq, const double *q0,
                              cv_quad_fn quad, int quad_errcon, void *user,
                              const cv_settings *s, char *err, size_t errlen);
/* Advance to tout exactly (the stop time is set at tout, so F is never evaluated beyond it);
 * y (n) and q (nq, may be NULL) receive the values at tout.  Returns 0, or -1 with a message. */
int cv_system_advance(cv_solver *cv, double tout, double *y, double *q, char *err, size_t errlen);
/* Restart at (t, y, q) — after a jump of the state.  CVODES restarts at order 1. */
int cv_system_restart(cv_solver *cv, double t, const double *y, const double *q, char *err,
                      size_t errlen);
/* Steps taken so far, summed over restarts. */
long cv_system_steps(cv_solver *cv);

/* What a solver's linear solver did, in the forward and in the backward problem (zero for
 * dense; for a state–adjoint pair: its state block and its adjoint block).  With right
 * preconditioning GMRES applies P⁻¹ once per iteration and once to form the solution, so
 * iterations per linear solve = products / (prec_solves − products). */
typedef struct {
    long products;            /* Jacobian-vector products of the GMRES iterations */
    long prec_setups;         /* preconditioner factorisations */
    long prec_jacobians;      /* sparse Jacobians evaluated for them (colours products each) */
    long prec_solves;
} cv_krylov_counts;
typedef struct {
    cv_linsol used;           /* auto resolved */
    cv_krylov_counts fwd, bwd;
    int colours;              /* products per sparse Jacobian */
    int half_bandwidth;       /* of the reordered Newton matrix (krylov-band; else 0) */
} cv_linsol_stats;
void cv_linsol_stats_get(const cv_solver *cv, cv_linsol_stats *st);

void cv_free(cv_solver *cv);

/* 1 if every entry of v[0..n-1] is finite (callbacks use it to ask CVODES for a smaller
 * step instead of propagating a NaN) */
int cv_all_finite(const double *v, int n);

#endif
