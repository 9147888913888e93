/* opt — bound-constrained local optimisers behind one interface, for `odegrad fit`.
 *
 * An optimiser minimises an objective L(θ) over the box lower ≤ θ ≤ upper.  It sees the
 * objective only through the callbacks of an opt_problem (the loss alone; the loss and its
 * gradient; the loss, gradient and Hessian; or a least-squares form f with L = ½‖f‖² + offset
 * and its Jacobian), so the same optimiser runs on a model through any backend
 * (fit/opt_backend.h) or on a closed form in a test.
 *
 * Bounds, two ways.  Optimisers without bounds of their own (newton-tr, gauss-newton, bfgs)
 * use the sine change of variables of boxmap.h: each works in z, where there are no bounds;
 * every callback is made at θ(z), which is always inside the box, and gradients, Hessians
 * and Jacobians are carried to z exactly by the chain rule (second-order term of the
 * transformation included).  Optimisers that handle the box themselves (OPT_IN_THETA:
 * trust-region reflective, Ipopt) work in θ directly; for them "z" below is θ itself and the
 * gradient test uses the projected gradient θ − P(θ − ∇L) (zero exactly at the box
 * problem's first-order points).
 *
 * Stopping, the same tests for every optimiser, after each accepted step (an "iteration"):
 *   gradient   ‖∇_z L‖_∞ ≤ gtol
 *   step       max_i |Δθ_i|/(upper_i − lower_i) ≤ xtol   (measured in θ, relative to the box:
 *              z is periodic and may wander for a parameter the loss hardly sees, so a test
 *              relative to ‖z‖ would mean nothing)
 *   objective  |ΔL| ≤ ftol·(1 + |L|) on two consecutive accepted steps
 * and otherwise max_iter iterations or max_seconds of processor time (the budget of a run,
 * the same whatever else the machine is doing).  "stalled" means the optimiser could not find an
 * acceptable step (trust region collapsed, line search without progress); "failed" means an
 * evaluation it could not do without failed (e.g. the ODE solver at the start point).
 * A failed evaluation at a trial point is not fatal: the step is rejected (newton-tr,
 * gauss-newton) or the point is treated as a wall of high loss (bfgs), and counted. */
#ifndef ODEGRAD_OPT_H
#define ODEGRAD_OPT_H

#include <stddef.h>
#include "boxmap.h"

/* ---- the objective ------------------------------------------------------------------------ */
/* Every callback returns 0, or non-zero with a one-line message in err (e.g. the ODE solver
 * failed at this θ).  Outputs are the caller's arrays. */
typedef struct {
    int np;
    const double *lower, *upper;   /* the box (finite, lower < upper) */
    void *user;
    /* L(θ) */
    int (*loss)(void *user, const double *theta, double *L, char *err, size_t errlen);
    /* L(θ) and ∇L (np).  NULL: not available. */
    int (*gradient)(void *user, const double *theta, double *L, double *g, char *err,
                    size_t errlen);
    /* L, ∇L and ∇²L (np×np row-major).  NULL: not available. */
    int (*hessian)(void *user, const double *theta, double *L, double *g, double *H, char *err,
                   size_t errlen);
    /* least-squares form: f (nres) and, unless J is NULL, J = ∂f/∂θ (nres×np row-major), with
     * L = ½‖f‖² + residual_offset.  NULL: not a least-squares objective. */
    int (*residuals)(void *user, const double *theta, double *f, double *J, char *err,
                     size_t errlen);
    int nres;
    double residual_offset;
    /* an approximation of ∇²L (e.g. the Fisher information / Gauss–Newton curvature), with L
     * and ∇L, for the hybrid schemes of optimisers that take one (OPT_TAKES_HYBRID).  NULL:
     * none (always NULL for the others). */
    int (*approx_hessian)(void *user, const double *theta, double *L, double *g, double *H,
                          char *err, size_t errlen);
} opt_problem;

/* ---- settings, results -------------------------------------------------------------------- */
typedef struct {
    int max_iter;       /* accepted steps */
    double max_seconds; /* processor time of the run, checked after each accepted step
                           (0: no limit) */
    double gtol, xtol, ftol;
    /* called after every accepted step with the iteration count and L (may be NULL) */
    void (*on_iterate)(void *user, int iteration, double objective);
    void *user;
} opt_settings;

/* The defaults: max_iter 500, no time limit, gtol 1e-6, xtol 1e-10, ftol 1e-10. */
void opt_settings_init(opt_settings *s);

typedef enum {
    OPT_CONVERGED_GRADIENT = 0,
    OPT_CONVERGED_STEP = 1,
    OPT_CONVERGED_OBJECTIVE = 2,
    OPT_MAX_ITER = 3,
    OPT_MAX_TIME = 4,
    OPT_STALLED = 5,
    OPT_FAILED = 6
} opt_exit;

/* "gradient", "step", "objective", "max-iter", "max-time", "stalled", "failed" */
const char *opt_exit_name(opt_exit e);
int opt_exit_converged(opt_exit e);

typedef struct {
    opt_exit exit;
    char message[256];      /* what happened, one line (the reason for stalled/failed) */
    double objective;       /* L at the final point (the best accepted one) */
    double *theta;          /* np: the final point (owned; opt_result_free) */
    double gradient_norm;   /* ‖∇_z L‖_∞ there, or for OPT_IN_THETA optimisers the projected
                               gradient's ‖θ − P(θ − ∇L)‖_∞ (NaN if never computed) */
    int iterations;         /* accepted steps */
    /* evaluations the optimiser asked for */
    long n_loss, n_gradient, n_hessian, n_residuals, n_jacobian;
    long n_approx_hessian;  /* of the approximate curvature (hybrid schemes) */
    long n_failed;          /* of those, the ones that failed */
    double seconds;         /* wall time of the run */
    double cpu_seconds;     /* processor time of the process during the run (robust to other
                               load on the machine; the process runs one optimisation) */
} opt_result;

void opt_result_free(opt_result *r);

/* ---- what an optimiser works with: the objective in z ------------------------------------ */
typedef struct {
    const opt_problem *problem;
    boxmap map;
    int n;
    int in_theta;            /* 1: z is θ (OPT_IN_THETA optimisers), no change of variables */
    opt_result *result;      /* counts go here */
    double cpu_start;        /* processor time at the start of the run (s) */
    double *theta, *dtheta, *gtheta, *htheta, *jtheta;   /* scratch in θ */
    double *step_from, *step_to;   /* scratch of the step test */
    char error[256];         /* the last failed evaluation's message */
} opt_space;

/* Each evaluates at θ(z) and converts to z; 0, or -1 with the message in S->error (counted
 * as a failed evaluation). */
int opt_space_loss(opt_space *S, const double *z, double *L);
int opt_space_gradient(opt_space *S, const double *z, double *L, double *gz);
int opt_space_hessian(opt_space *S, const double *z, double *L, double *gz, double *hz);
/* the problem's approximate Hessian (in θ: for OPT_IN_THETA optimisers only) */
int opt_space_approx_hessian(opt_space *S, const double *z, double *L, double *gz, double *hz);
/* processor seconds since the run started (for optimisers that check the budget themselves) */
double opt_cpu_seconds(const opt_space *S);
/* f (nres) and J_z (nres×n, or NULL for f alone) */
int opt_space_residuals(opt_space *S, const double *z, double *f, double *jz);

/* The gradient test at the start (gz at z0): records ‖gz‖_∞ and returns 1 with r->exit set
 * when the start is already stationary, 0 otherwise. */
int opt_start_test(const opt_settings *s, int n, const double *gz, opt_result *r);

/* The common stopping tests after an accepted step from z_old to z (objective L_old → L,
 * gradient gz at z; gz may be NULL when unknown).  *small counts consecutive small objective
 * changes (start it at 0).  Returns 1 with r->exit set when converged or out of iterations,
 * 0 to go on. */
int opt_stop_test(opt_space *S, const opt_settings *s, const double *z_old, const double *z,
                  double L_old, double L, const double *gz, int *small, opt_result *r);

/* ---- the optimisers ----------------------------------------------------------------------- */
enum {
    OPT_NEEDS_GRADIENT = 1 << 0,
    OPT_NEEDS_HESSIAN = 1 << 1,
    OPT_NEEDS_RESIDUALS = 1 << 2,
    OPT_IN_THETA = 1 << 3,       /* handles the box itself and works in θ (no boxmap) */
    OPT_TAKES_HYBRID = 1 << 4    /* uses P->approx_hessian when given (hybrid curvature) */
};

typedef struct {
    const char *name;
    const char *summary;
    unsigned needs;
    /* Minimise from z0 (n values).  Fills r (except seconds, theta: opt_run does those);
     * r->objective and the final z in z_final. */
    void (*run)(opt_space *S, const double *z0, const opt_settings *s, double *z_final,
                opt_result *r);
} opt_type;

extern const opt_type *const opt_types[];   /* NULL-terminated (opt_registry.c) */
const opt_type *opt_find(const char *name);

/* Run optimiser T on P from theta0 (inside the box).  Returns 0 with r filled (whatever the
 * exit), or -1 with a message in err when the run cannot start (start outside the box,
 * missing callbacks, bad settings, out of memory); r is then empty. */
int opt_run(const opt_type *T, const opt_problem *P, const double *theta0,
            const opt_settings *s, opt_result *r, char *err, size_t errlen);

#endif
