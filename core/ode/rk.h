/* rk — explicit Runge–Kutta integrators: one constant tableau per method, one generic driver.
 *
 * A step of an s-stage method from (t, x) with step h:
 *     Y_1 = x,   Y_i = x + h Σ_{j<i} a_ij K_j,   K_i = f(t + c_i h, Y_i)
 *     x_next = x + h Σ_i b_i K_i,      error estimate  h Σ_i e_i K_i   (e = b − b̂)
 * FSAL methods (Dormand–Prince) have a_sj = b_j, so Y_s is x_next itself and K_s = f(t_next,
 * x_next) is reused as K_1 of the next step.  Dense output inside the step, at fraction σ:
 *     x(t + σh) = x + h Σ_i b_i(σ) K_i,     b_i(σ) = Σ_k dense[i][k] σ^(k+1).
 *
 * The driver is written for the tape: an observer is called for every ACCEPTED step with
 * everything the step computed (x, every stage input Y_i and derivative K_i, x_next, and the
 * observation times inside the step with their fractions σ), and a solve can replay a given
 * time grid exactly — a replayed step performs the same floating-point operations as the
 * original one, so checkpointed recomputation reproduces the original states bit for bit.
 *
 * Time grid convention: a step is the pair (t, t_next); its size is h = t_next − t, and the
 * stage times are rk_stage_time(t, t_next, c_i).  The adaptive driver proposes h, sets
 * t_next = t + h (tf on the last step) and then uses h = t_next − t, so that recording the
 * accepted t_next values is enough to replay the solve. */
#ifndef ODEGRAD_RK_H
#define ODEGRAD_RK_H

#include <stddef.h>
#include "step_control.h"

/* Right-hand side f(t, x) -> f; returns non-zero on failure. */
typedef int (*rk_rhs_fn)(double t, const double *x, double *f, void *ctx);

/* One explicit Runge–Kutta method, as constant data (see rk_tableau.c). */
typedef struct {
    const char *name;    /* the method's name in the literature, for messages */
    int stages;          /* s; for FSAL methods including the reused last stage */
    int order;           /* order of x_next */
    int error_order;     /* order of the embedded solution; 0 = no estimate (fixed step) */
    int fsal;            /* last stage evaluates f(t_next, x_next) */
    const double *A;     /* s×s row-major, strictly lower triangular */
    const double *b;     /* s */
    const double *c;     /* s */
    const double *e;     /* s: b − b̂, or NULL */
    int dense_degree;    /* q: b_i(σ) is a polynomial of degree q without constant term */
    const double *dense; /* s×q row-major */
} rk_tableau;

extern const rk_tableau rk_euler, rk_rk4, rk_dopri5, rk_tsit5;
/* By the tableau's own name (its name in the literature), or NULL.  The solver names users
 * type are the integrator registry's (integrator.h). */
const rk_tableau *rk_tableau_find(const char *name);

/* Stage time: t + c·h, and exactly t_next when c = 1 (so that an FSAL stage and the next
 * step's first stage are evaluated at the same time). */
static inline double rk_stage_time(double t, double t_next, double c)
{
    return c == 1.0 ? t_next : t + c * (t_next - t);
}
/* b_i(σ) for i < s. */
void rk_dense_weights(const rk_tableau *tab, double sigma, double *weights);

/* What the observer sees of an accepted step.  Pointers are valid during the call only. */
typedef struct {
    long index;                 /* step number k (from 0 at the solve's t0) */
    double t, t_next, h;        /* h = t_next − t */
    int n, stages;
    const double *x;            /* x_k */
    const double *x_next;       /* x_{k+1} */
    const double *const *Y;     /* stage inputs Y_i (Y[0] is x) */
    const double *const *K;     /* stage derivatives K_i */
    int nout;                   /* observation times owned by this step … */
    const int *out_index;       /* … their indices into the problem's tout … */
    const double *out_frac;     /* … and their fractions σ */
} rk_step_view;

/* Return non-zero to stop the solve (the observer keeps its own reason). */
typedef int (*rk_observer_fn)(const rk_step_view *step, void *ctx);

typedef struct {
    int n;
    rk_rhs_fn rhs;
    void *rhs_ctx;
    double t0, tf;              /* the whole solve, t0 ≤ tf */
    int nout;                   /* observation times, non-decreasing, within [t0, tf] */
    const double *tout;
    double *xout;               /* nout×n: filled for the outputs the solve passes; may be NULL */
    rk_observer_fn observer;    /* may be NULL */
    void *observer_ctx;
} rk_problem;

typedef struct {
    long steps;                 /* accepted */
    long rejected;
    long rhs_evals;
    double t_reached;
} rk_stats;

typedef struct rk_solver rk_solver;

/* Workspace for a method on n states; NULL if out of memory. */
rk_solver *rk_solver_new(const rk_tableau *tab, int n);
void rk_solver_free(rk_solver *S);
size_t rk_solver_bytes(const rk_solver *S);
/* Room for nout observation times ahead of the solves (counted in rk_solver_bytes); 0 or
 * -1 if out of memory.  Solves grow it themselves when needed. */
int rk_solver_reserve(rk_solver *S, int nout);
const rk_tableau *rk_solver_tableau(const rk_solver *S);

/* Adaptive solve from (t0, x) to tf; x is overwritten with x(tf).  Needs a tableau with an
 * error estimate.  Returns STEP_OK, or a status with a one-line message in err. */
int rk_solve_adaptive(rk_solver *S, const rk_problem *P, const step_control *c, double *x,
                      rk_stats *st, char *err, size_t errlen);
/* Steps first … first+count−1 of the grid, starting from x = x(t_first); x is overwritten
 * with x(t_{first+count}).  Step indices and output ownership are those of the whole solve. */
int rk_solve_grid(rk_solver *S, const rk_problem *P, const step_grid *g, long first,
                  long count, double *x, rk_stats *st, char *err, size_t errlen);

#endif
