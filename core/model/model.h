/* model — what is differentiated: dynamics, initial state, observables, noise, data, loss.
 *
 * A model is written once, as a handful of graph-building callbacks (see expr.h) plus its
 * parameters, conditions and data.  model_finish() turns the callbacks into compiled
 * programs; from then on every derivative any backend needs comes from those programs.
 *
 * Parameters.  The optimiser sees θ; each parameter has a scale, and the dynamics see the
 * natural value p = θ (linear) or p = 10^θ (log10).  The context below applies the chain rule
 * — first order dp/dθ = ln10·p, and the second-order term p'' = ln10²·p — so every product
 * a backend asks for is already in θ-space.
 *
 * Loss.  For condition k with observation times t_1 < … < t_K and data rows d_i (NaN =
 * missing), the loss is  L(θ) = Σ_k [ Σ_i ℓ(t_i, x(t_i), θ; d_i) + ∫ g(t, x, θ) dt ],
 * where ℓ is built by the library from the observables y = h(t, x, p, c) and the noise:
 *   Gaussian NLL:    ℓ = Σ_j present_j · [ ½ log(2π σ_j²) + ½ ((d_j − y_j)/σ_j)² ]
 *   sum of squares:  ℓ = w · Σ_j present_j · (d_j − y_j)²
 * and g is an optional running cost.  ℓ is itself a compiled program (inputs x, p, c and the
 * data row [d_1..d_ny, present_1..present_ny]), so its derivatives are exact as well.
 *
 * Integration runs from t0 to tf = max(t0 of the model, last observation time, model tf). */
#ifndef ODEGRAD_MODEL_H
#define ODEGRAD_MODEL_H

#include <stddef.h>
#include "expr.h"
#include "stats.h"

#define MODEL_NAME_LEN 64

typedef enum { SCALE_LIN = 0, SCALE_LOG10 = 1, SCALE_LN = 2 } param_scale;
/* LOSS_CUSTOM: the model builds its own loss term (loss_term below), e.g. a Laplace
 * likelihood or transformed observables; backends built on Gaussian residuals refuse it. */
typedef enum { LOSS_GAUSSIAN_NLL = 0, LOSS_SUM_OF_SQUARES = 1, LOSS_CUSTOM = 2 } loss_kind;

/* An objective prior of one parameter (PEtab's objectivePriorType): a density π whose
 * negative logarithm is added to the objective (core/model/model_prior.h).  The parameter
 * scale variants are densities of θ itself; the others of the natural value p. */
typedef enum {
    PRIOR_NONE = 0,
    PRIOR_UNIFORM, PRIOR_NORMAL, PRIOR_LAPLACE, PRIOR_LOG_NORMAL, PRIOR_LOG_LAPLACE,
    PRIOR_SCALE_UNIFORM, PRIOR_SCALE_NORMAL, PRIOR_SCALE_LAPLACE
} prior_kind;

typedef struct {
    char name[MODEL_NAME_LEN];
    param_scale scale;
    double nominal;          /* θ on its own scale (log10 value for SCALE_LOG10, ln for SCALE_LN) */
    double lower, upper;     /* bounds on θ, same scale */
    prior_kind prior;        /* PRIOR_NONE unless the model says otherwise */
    double prior_a, prior_b; /* its two parameters (see model_prior.h) */
} model_param;

typedef struct {
    char name[MODEL_NAME_LEN];
    double *constants;       /* nc values, owned */
    int ntimes;              /* observation times, strictly increasing, ≥ t0 */
    double *times;           /* ntimes, owned */
    double *values;          /* ntimes × ny row-major, NaN = missing, owned */
} model_condition;

typedef struct model model;

/* Graph-building callbacks.  Each returns the output node built into g (sized by the model:
 * g has nx states, np parameters, nc constants).  m->data is the model's own instance data. */
typedef expr (*model_build_fn)(expr_graph *g, const model *m);

/* A closed-form oracle: loss, gradient (np) and Hessian (np×np row-major) in θ-space, each
 * pointer optional.  Returns 0, or non-zero if θ is outside its domain. */
typedef int (*model_exact_fn)(const model *m, const double *theta,
                              double *loss, double *gradient, double *hessian);

struct model {
    char name[MODEL_NAME_LEN];
    const char *summary;
    int nx, np, nc, ny;
    char (*state_names)[MODEL_NAME_LEN];     /* nx */
    char (*obs_names)[MODEL_NAME_LEN];       /* ny */
    char (*constant_names)[MODEL_NAME_LEN];  /* nc */
    model_param *params;                      /* np */
    int ncond;
    model_condition *cond;
    double t0, tf;
    loss_kind loss;
    double sse_weight;       /* w of the sum of squares (1 unless the model says otherwise) */
    int stiff;               /* hint: prefer BDF / Rosenbrock */
    double rtol, atol;       /* tolerances the model's upstream uses (defaults for backends) */

    /* the one definition */
    model_build_fn rhs;           /* (t, x, p, c) -> nx                                   */
    model_build_fn initial;       /* (p, c) -> nx; NULL when x0 is a steady state          */
    model_build_fn observables;   /* (t, x, p, c) -> ny                                   */
    model_build_fn sigma;         /* (t, x, p, c) -> ny; NULL for sum of squares          */
    model_build_fn running_cost;  /* (t, x, p, c) -> 1; NULL when there is none           */
    model_build_fn loss_term;     /* LOSS_CUSTOM only: (t, x, p, c, d) -> 1, d the data row
                                     [values (missing as 0), present (1 or 0)]             */
    /* Steady-state initial state: x0 solves f(t0, x0, p, steady_constants) = 0, found by
     * Newton's method from steady_guess (built like `initial`); derivatives by implicit
     * differentiation. */
    double *steady_constants;     /* nc, owned; used when initial == NULL */
    model_build_fn steady_guess;

    model_exact_fn exact;         /* optional oracle */

    /* Time breakpoints (model_break.c): nbreak times t_e(p, c) at which the right-hand side
     * may switch and the state may jump, x⁺ = g_e(t_e, x⁻, p, c).  The switch is seen by the
     * programs through the phase constants φ_e = c[break_phase + e] (0 before t_e, 1 from t_e
     * on), which the context sets; so every program is smooth within a phase and its
     * derivatives hold there.  A model with breakpoints has no running cost. */
    int nbreak;
    int break_phase;              /* index of φ_0 among the constants */
    model_build_fn break_times;   /* (p, c) -> nbreak, no dependence on t or x              */
    model_build_fn break_jump;    /* (t, x, p, c) -> nbreak·nx, block e is g_e; NULL: none  */

    void *data;                   /* the model's own instance data */
    void (*free_data)(void *data);

    /* compiled by model_finish(), owned */
    expr_prog *rhs_prog, *initial_prog, *obs_prog, *sigma_prog, *loss_prog, *running_prog,
              *guess_prog, *break_prog, *jump_prog;
};

/* ---- defining a model (used by the files in models/) -------------------------------------------- */
/* Allocate the name arrays and parameter table for the given sizes (all zero-filled). */
int model_alloc(model *m, int nx, int np, int nc, int ny);
/* Allocate condition k's constants and data table (ntimes × ny, filled with NaN). */
int model_condition_alloc(model *m, int k, int ntimes);
void model_set_param(model *m, int i, const char *name, param_scale scale, double nominal,
                     double lower, double upper);
/* Compile every program.  Returns 0, or -1 with a message in err. */
int model_finish(model *m, char *err, size_t errlen);
void model_release(model *m);   /* frees everything a model owns (not the struct itself) */
/* Run every program of m through its compiled kernels (compiled ≠ 0; programs without them
 * stay interpreted) or through the interpreter; returns how many programs now run compiled.
 * Which kind model_finish gives is expr_kernel.h's choice (ODEGRAD_KERNELS, --kernels); this
 * switch lets a test or a paired timing compare both kinds on one model.  Not while another
 * thread evaluates m. */
int model_select_kernels(model *m, int compiled);

/* ---- model types (each model file exports one; models/models.def lists them) ----------- */
typedef struct {
    const char *name;      /* e.g. "freefall"; for families the prefix, e.g. "brusselator-" */
    const char *pattern;   /* what `odegrad list` shows, e.g. "brusselator-N (N >= 2)" */
    const char *summary;
    int family;            /* 1: name is a prefix followed by a size */
    /* Fill m for the requested name; return 0, or -1 with a one-line message. */
    int (*create)(model *m, const char *name, char *err, size_t errlen);
} model_type;

/* Create a model of type t under the requested name and finish it.  NULL with a message on
 * failure.  Looking a type up by name is the registry's job (models/registry.h). */
model *model_instantiate(const model_type *t, const char *name, char *err, size_t errlen);
void model_destroy(model *m);
/* Nominal θ of the model (np values, caller-owned). */
void model_nominal(const model *m, double *theta);
/* Number of non-missing data points over all conditions. */
int model_count_data(const model *m);

/* ---- evaluating, in θ-space (core/model/model_ctx.c) ------------------------------------------ */
/* A context holds one θ, its natural values and chain-rule factors, the selected condition,
 * scratch space for every program, and a pointer to the counters that the calls increment.
 * One context per thread. */
typedef struct model_ctx model_ctx;

/* Fails (NULL, message) if θ has a NaN/Inf or the steady state cannot be found. */
model_ctx *model_ctx_new(const model *m, const double *theta, char *err, size_t errlen);
void model_ctx_free(model_ctx *ctx);
const model *model_ctx_model(const model_ctx *ctx);
const double *model_ctx_theta(const model_ctx *ctx);
const double *model_ctx_natural(const model_ctx *ctx);   /* p */
size_t model_ctx_bytes(const model_ctx *ctx);
void model_ctx_condition(model_ctx *ctx, int k);         /* select condition k (default 0) */
int model_ctx_current_condition(const model_ctx *ctx);
/* Where the calls below count (e.g. &result->fwd, then &result->bwd).  NULL: not counted. */
void model_ctx_count_into(model_ctx *ctx, eval_counts *counts);

/* right-hand side f(t, x, θ) of the selected condition */
void model_rhs(model_ctx *ctx, double t, const double *x, double *f);
/* df = f_x dx + f_θ u   (dx or u may be NULL) */
void model_rhs_jvp(model_ctx *ctx, double t, const double *x, const double *dx,
                   const double *u, double *df);
/* model_rhs_jvp for many directions at one (t, x) — forward sensitivities: model_rhs_at
 * evaluates the right-hand side's values once (and f, counted as model_rhs, unless f is
 * NULL), then each model_rhs_jvp_along is df = f_x dx + f_θ u there (counted as one J·v).
 * Any other right-hand-side call in between ends the point. */
void model_rhs_at(model_ctx *ctx, double t, const double *x, double *f);
void model_rhs_jvp_along(model_ctx *ctx, const double *dx, const double *u, double *df);
/* model_rhs_hvv for many pairs at the point of model_rhs_at — second-order forward
 * sensitivities: model_rhs_hvv_first takes the first direction (dx1, u1), then each
 * model_rhs_hvv_second (counted as one second-order product) is model_rhs_hvv's d2 along
 * (dx2, u2) with d12x, given u1 again (the log10 term s''⊙u1⊙u2 needs it). */
void model_rhs_hvv_first(model_ctx *ctx, const double *dx1, const double *u1);
void model_rhs_hvv_second(model_ctx *ctx, const double *u1, const double *dx2, const double *u2,
                          const double *d12x, double *d2);
/* gx = f_xᵀ w, gth = f_θᵀ w   (either output may be NULL) */
void model_rhs_vjp(model_ctx *ctx, double t, const double *x, const double *w,
                   double *gx, double *gth);
/* gx = f_xᵀ w (overwritten; may be NULL), gth += f_θᵀ w (accumulated): for reverse sweeps
 * summing θ̄ over many products, without a pass over an np-long buffer per product */
void model_rhs_vjp_acc(model_ctx *ctx, double t, const double *x, const double *w,
                       double *gx, double *gth);
/* J = f_x, nx×nx row-major */
void model_rhs_jac(model_ctx *ctx, double t, const double *x, double *J);
/* Jth = f_θ, nx×np row-major */
void model_rhs_jac_theta(model_ctx *ctx, double t, const double *x, double *Jth);
/* The derivative of (f_xᵀw, f_θᵀw) along (dx, u, dw):
 *   dgx  = f_xᵀ dw + (wᵀf)_xx dx + (wᵀf)_xθ u
 *   dgth = f_θᵀ dw + (wᵀf)_θx dx + (wᵀf)_θθ u         (log10 chain rule included)
 * Any of gx, gth, dgx, dgth may be NULL; dw, dx, u may be NULL (zero). */
void model_rhs_vjp_jvp(model_ctx *ctx, double t, const double *x, const double *w,
                       const double *dw, const double *dx, const double *u,
                       double *gx, double *gth, double *dgx, double *dgth);
/* d2 = f''[(dx1,u1),(dx2,u2)] + f_x d12x   (second directional derivative; d12x may be NULL,
 * the log10 term f_θ·(θ-second-order seed) is included) */
void model_rhs_hvv(model_ctx *ctx, double t, const double *x,
                   const double *dx1, const double *u1, const double *dx2, const double *u2,
                   const double *d12x, double *d2);

/* initial state x0(θ) of the selected condition, and its derivatives */
int model_x0(model_ctx *ctx, double *x0);
void model_x0_jvp(model_ctx *ctx, const double *u, double *dx0);          /* x0_θ u */
void model_x0_jac(model_ctx *ctx, double *S0);                            /* nx×np row-major */
void model_x0_vjp(model_ctx *ctx, const double *w, double *gth);          /* x0_θᵀ w */
void model_x0_vjp_jvp(model_ctx *ctx, const double *w, const double *u,
                      double *dgth);                                      /* (wᵀx0)_θθ u */
void model_x0_hvv(model_ctx *ctx, const double *u1, const double *u2, double *d2);

/* loss term ℓ_i at observation i of the selected condition (data row i) */
int model_nobs(const model_ctx *ctx);                   /* observation times of the condition */
const double *model_obs_times(const model_ctx *ctx);
double model_loss_term(model_ctx *ctx, int i, const double *x);
/* ℓ and its gradient: lx = ℓ_x (nx), lth = ℓ_θ (np); outputs may be NULL */
double model_loss_term_grad(model_ctx *ctx, int i, const double *x, double *lx, double *lth);
/* second order along (dx, u): hx = ℓ_xx dx + ℓ_xθ u, hth = ℓ_θx dx + ℓ_θθ u */
void model_loss_term_hvp(model_ctx *ctx, int i, const double *x, const double *dx,
                         const double *u, double *hx, double *hth);

/* running cost g(t, x, θ): present only when model->running_cost != NULL */
int model_has_running_cost(const model_ctx *ctx);
double model_running(model_ctx *ctx, double t, const double *x);
double model_running_grad(model_ctx *ctx, double t, const double *x, double *gx, double *gth);
void model_running_hvp(model_ctx *ctx, double t, const double *x, const double *dx,
                       const double *u, double *hx, double *hth);

/* observables and noise, for the Fisher information and for reporting */
void model_observables(model_ctx *ctx, double t, const double *x, double *y);
/* dy = h_x dx + h_θ u */
void model_observables_jvp(model_ctx *ctx, double t, const double *x, const double *dx,
                           const double *u, double *dy);
/* σ (ny) and dσ = σ_θ u ; returns 0, or -1 for sum-of-squares models (no σ) */
int model_sigma(model_ctx *ctx, double t, const double *x, double *sigma);
int model_sigma_jvp(model_ctx *ctx, double t, const double *x, const double *u, double *dsigma);

/* the data of the selected condition */
const double *model_data_row(const model_ctx *ctx, int i);   /* ny values, NaN = missing */

/* ---- time breakpoints (core/model/model_break.c) ------------------------------------------
 * Selecting a condition evaluates its breakpoint times at θ and sets each phase φ_e to 1 if
 * t_e ≤ t0 (a breakpoint at or before the start is already past; its jump never happens)
 * and to 0 otherwise.  The breakpoints to cross are those in (t0, tf], in time order (ties
 * in index order).  An integrator stops at each (the step that ends at t_e exists; no step
 * crosses it), crosses it with model_break_cross, and restarts from x⁺; an observation at
 * t_e sees x⁺ and the new phase (the solution is taken right-continuous). */
int model_breaks(const model_ctx *ctx, const double **times);   /* count; times sorted */
/* Cross breakpoint i (of that order) forward in time: x holds x⁻ on entry and x⁺ on exit;
 * with S (ns = np columns of length nx, S[j] = ∂x/∂θ_j; may be NULL) S⁻ becomes S⁺:
 *     S⁺ = g_x S⁻ + g_θ + (g_x f⁻ − f⁺) ∇t_eᵀ
 * (f∓ the right-hand sides before and after, at t_e).  Sets the phase to after. */
void model_break_cross(model_ctx *ctx, int i, double *x, double *const *S);
/* Cross breakpoint i backward in time for an adjoint: with x⁻ (the state before the jump)
 * and λ⁺ in lambda on entry, lambda becomes λ⁻ = g_xᵀλ⁺ and grad (np) receives
 *     g_θᵀλ⁺ + (λ⁺ᵀ(g_x f⁻ − f⁺)) ∇t_e.
 * Sets the phase to before. */
void model_break_cross_back(model_ctx *ctx, int i, const double *xminus, double *lambda,
                            double *grad);
/* Set the phases to those of time t (φ_e = 1 for the breakpoints with t_e ≤ t). */
void model_break_phase_at(model_ctx *ctx, double t);

#endif
