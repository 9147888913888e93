/* ddcommon — what the direct-differentiation backends (tape, checkpoint) share: the choice
 * of integrator from the options, the run's context (model context, odesys with the running
 * cost as an extra state, integrator, byte account), and the observer that owns the
 * observation times: it records which step produced each output and, the first time an
 * output is produced, adds its loss term to the loss and keeps ∂ℓ/∂x as the seed of the
 * reverse sweep (∂ℓ/∂θ goes straight into the gradient).
 *
 * Loss: L = Σ_conditions [ Σ_i ℓ_i(x(t_i)) + q(tf) ], q the running cost's integral (see
 * odesys.h), so the adjoint at tf starts as (0, …, 0, 1) when there is a running cost. */
#ifndef ODEGRAD_DDCOMMON_H
#define ODEGRAD_DDCOMMON_H

#include "method.h"
#include "odeint.h"
#include "tape.h"

/* Default number of uniform steps for the fixed-step methods (euler, rk4) when steps=0. */
#define DD_DEFAULT_FIXED_STEPS 1000

typedef struct {
    const char *solver;      /* a name of the integrator registry (integrator.h) */
    int tape;                /* dd_open makes the run's tape (set by dd_settings_from) */
    long steps;              /* > 0: that many uniform steps; 0: adaptive */
    step_control control;    /* tolerances, max_steps (adaptive) */
} dd_settings;

/* The options of every backend that runs our integrators: the solver (the registry's names,
 * shown by `odegrad list`) and fixed steps. */
#define DD_SOLVER_OPTION                                                                      \
    {"solver", OPT_SOLVER, "auto", NULL, 0, 0,                                              \
     "integrator of ours (also --solver); auto = the registry's stiff integrator for models " \
     "marked stiff, its first adaptive non-stiff one otherwise"}
#define DD_STEPS_OPTION                                                                       \
    {"steps", OPT_INT, "0", NULL, 0, 1e9,                                                   \
     "uniform steps on [t0, tf]; 0 = adaptive (integrators with an error estimate) or 1000 " \
     "(the others)"}

/* Solver from --solver or the backend's solver option (auto: the registry's default for
 * models marked stiff or not, integrator_default), steps, tolerances.  METHOD_EINPUT with a
 * message on a conflict or an unknown solver. */
method_status dd_settings_from(const method_type *type, const model *m,
                               const method_options *o, dd_settings *s, method_result *r);

typedef struct {
    const method_type *type;
    const dd_settings *settings;
    model_ctx *ctx;
    odesys sys;
    odesys_model_data sysdata;
    odeint *I;
    tape *T;                 /* the run's tape (one segment or the whole solve) */
    int nx, n, np;
    mem_account acc;         /* everything the backend holds, with the run's cap */
    double *x;               /* n: the live state */
    double *thbar;           /* np: the sweep's θ-adjoint */
    double *xbar, *carry;    /* n, n */
    /* the current condition's observations */
    int nout;
    const double *tout;
    double *xout;            /* nout × n */
    long *out_step;
    double *out_frac, *seed; /* nout, nout × n */
    unsigned char *seeded;
    size_t out_bytes;
    /* what the observer does besides the outputs */
    tape *record_into;       /* record on this tape (NULL: no) */
    int keep_grid;           /* keep t_0 … t_K of the steps in grid (adaptive first pass) */
    double *grid;
    long grid_len, grid_cap;
    double *gth;             /* np scratch */
    double *lx;              /* nx scratch */
    double q_final;          /* q(tf), the running cost's integral (set by the backend) */
    method_result *r;
    char error[256];
} dd_run;

/* Context, odesys (with the running cost), integrator, tape, scratch; the gradient of r
 * is allocated and zeroed.  On failure r->error says why (dd_close is still needed). */
method_status dd_open(dd_run *R, const method_type *type, const model *m, const double *theta,
                      const dd_settings *s, const method_options *o, method_result *r);
void dd_close(dd_run *R);

/* Select condition k: x = x0 (and q = 0), output arrays for its observation times, the
 * adjoint at tf (the running cost's seed), θ̄ = 0. */
method_status dd_condition_begin(dd_run *R, int k);
/* After the sweep (R->xbar = ∂L/∂x0): gradient += θ̄ + x0_θᵀ x̄0, loss += q_final (with a
 * running cost); release the outputs.  METHOD_ESOLVER if an observation was never reached. */
method_status dd_condition_end(dd_run *R);

/* The observer (context: the dd_run). */
int dd_observe(const odeint_step *step, void *run);
odeint_problem dd_problem(dd_run *R);
/* The tape sweep's view of the outputs. */
tape_outputs dd_outputs(const dd_run *R);
/* Drop the kept grid. */
void dd_grid_release(dd_run *R);
/* For the integrators' failures: the observer's own reason when it stopped them. */
method_status dd_solver_failed(dd_run *R, int status, const char *err);

#endif
