/* step_control — what every adaptive one-step integrator of ours shares: the scaled error
 * norm, the step-size controller, the first trial step, the time grid of fixed-step and
 * replayed solves, and the bookkeeping of which observation times fall in a step.  The loops
 * that use them are in step_driver.h.
 *
 * Controller (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4): with the scaled RMS norm
 *     err = sqrt( (1/n) Σ_m ( e_m / (atol + rtol·max(|x_m|, |x_next,m|)) )² )
 * a step is accepted when err ≤ 1 and the next step is h·fac with
 *     fac = min(fac_max, max(fac_min, safety · err^(−1/(q+1))))
 * where q is the lower of the two orders of the embedded pair; right after a rejection fac
 * is additionally capped at 1. */
#ifndef ODEGRAD_STEP_CONTROL_H
#define ODEGRAD_STEP_CONTROL_H

#include <stddef.h>

/* Status codes shared by the integrators (rk_*, ros_*). */
typedef enum {
    STEP_OK = 0,
    STEP_EINPUT = 1,     /* invalid problem (times out of range, bad grid) */
    STEP_ERHS = 2,       /* the right-hand side or Jacobian callback failed */
    STEP_EUNDERFLOW = 3, /* step size fell below the resolution of t */
    STEP_EMAXSTEPS = 4,  /* more than max_steps attempts */
    STEP_EOBSERVER = 5,  /* the observer asked to stop (its owner holds the reason) */
    STEP_ESINGULAR = 6,  /* a linear system of a linearly implicit method was singular */
    STEP_EMEMORY = 7     /* workspace allocation failed */
} step_status;

/* Options of the adaptive controller; step_control_default documents every default. */
typedef struct {
    double rtol, atol;   /* local error tolerance per component: atol + rtol·|x| */
    double safety;       /* factor applied to the optimal step (default 0.9) */
    double fac_min;      /* smallest step change per step (default 0.2) */
    double fac_max;      /* largest step change per step (default 10) */
    double h_init;       /* first trial step; 0 = Hairer's automatic estimate (default 0) */
    double h_max;        /* largest step; 0 = the whole interval (default 0) */
    long max_steps;      /* accepted + rejected attempts per solve (default 100000) */
    int n_control;       /* the error norm sees the first n_control components only, e.g. an
                          * adjoint without the quadratures it carries (0 = all, default) */
    int block;           /* > 0: the norm is the largest of the RMS norms of consecutive blocks
                          * of `block` components (a state and its sensitivities, each held
                          * to the tolerance on its own, as CVODES does); 0 = one block */
    double *peak;        /* NULL (default), or the largest |x_m| of the accepted steps so
                          * far, one per controlled component, owned by the caller (zero it
                          * to start) and raised by the adaptive driver after every accepted
                          * step: the weight is then atol + rtol·max(|x_m|, peak_m), Gear's
                          * YMAX: for adjoint states that each observation's jump excites
                          * and that then decay (step_control.c has the measured trade-off) */
} step_control;

void step_control_default(step_control *c, double rtol, double atol);

/* The scaled RMS norm above, over the first c->n_control components when that is set, and
 * the largest over blocks when c->block is; x_next may be NULL (then only |x| scales). */
double step_error_norm(int n, const double *err, const double *x, const double *x_next,
                       const step_control *c);
/* c->peak_m ← max(c->peak_m, |x_m|) over the controlled components (nothing without peak). */
void step_peak_raise(int n, const double *x, const step_control *c);
/* Step factor for the next step from the error norm of this one (q as above). */
double step_factor(const step_control *c, double err, int q, int after_reject);
/* Is h too small to advance t (h below 16 ulp of t)? */
int step_underflow(double t, double h);

/* The time grid of a fixed-step or replayed solve: t_0 … t_K, step k runs t_k → t_{k+1}.
 * Either uniform (times == NULL: t_k = t0 + k·(tf − t0)/K, t_K = tf exactly) or an explicit,
 * strictly increasing array of K+1 times. */
typedef struct {
    double t0, tf;
    long steps;            /* K */
    const double *times;   /* K+1 values, or NULL for uniform */
} step_grid;

double step_grid_time(const step_grid *g, long k);

/* Observation times: tout[0..nout-1], non-decreasing, within [t0, tf].  A step from t to
 * t_next owns the times in (t, t_next]; the first step of a solve (index 0) also owns the
 * times equal to t0.  Its dense-output fraction is σ = (tout − t)/(t_next − t), exactly 1
 * at t_next and exactly 0 at t0. */
typedef struct {
    int nout;
    const double *tout;
    int cursor;            /* first output not yet owned by a step */
    int *index;            /* the outputs of the last step taken … */
    double *frac;          /* … and their fractions */
    int capacity;          /* of index/frac; kept from solve to solve */
} step_outputs;

/* Position the cursor for a solve (or a replayed segment) on [t0, tf] that starts at
 * t_start with step index `first`.  A solve from the start (first = 0) checks every output
 * (within [t0, tf], non-decreasing); a segment further on only finds its place by bisection
 * (so that replaying l one-step segments costs O(l log nout), not O(l·nout)) and
 * step_outputs_take checks the outputs it passes.  STEP_OK, or STEP_EINPUT / STEP_EMEMORY
 * with a message naming `method`.  The struct starts zeroed and is freed by
 * step_outputs_free. */
int step_outputs_open(step_outputs *o, const char *method, double t0, double tf, int nout,
                      const double *tout, double t_start, long first, char *err,
                      size_t errlen);
void step_outputs_free(step_outputs *o);
/* Make room for nout outputs ahead of the solves; 0, or -1 if out of memory. */
int step_outputs_reserve(step_outputs *o, int nout);
size_t step_outputs_bytes(const step_outputs *o);
/* Collect the outputs the step (t, t_next) owns into o->index/o->frac, advance the cursor;
 * returns how many, or −1 if they are out of order. */
int step_outputs_take(step_outputs *o, double t, double t_next);
/* step_outputs_take for a step of `method`: STEP_OK with the count in *nout, or STEP_EINPUT
 * with the message when the outputs it passes are out of order. */
int step_outputs_claim(step_outputs *o, const char *method, double t, double t_next, int *nout,
                       char *err, size_t errlen);
/* The next output time strictly after t (for integrators that step onto outputs), or
 * `fallback` when there is none. */
double step_outputs_next_after(const step_outputs *o, double t, double fallback);

/* The start of every solve: check the request and open the outputs.  Adaptive: from t0,
 * with valid tolerances.  Grid: steps first … first+count−1 of g must exist.  Returns
 * STEP_OK or the status it reports in err. */
int step_begin_adaptive(step_outputs *o, const char *method, const step_control *c,
                        double t0, double tf, int nout, const double *tout, char *err,
                        size_t errlen);
int step_begin_grid(step_outputs *o, const char *method, const step_grid *g, long first,
                    long count, double t0, double tf, int nout, const double *tout,
                    char *err, size_t errlen);

/* Shared checks and messages of the drivers (each returns the status it reports). */
/* t_{k+1} of the grid, or STEP_EINPUT if it does not exceed t */
int step_grid_next(const char *method, const step_grid *g, long k, double t, double *t_next,
                   char *err, size_t errlen);
int step_fail_max_steps(const char *method, const step_control *c, double t, double tf,
                        char *err, size_t errlen);
int step_fail_underflow(const char *method, const step_control *c, double t, double h,
                        char *err, size_t errlen);
int step_fail_output_order(const char *method, double t, char *err, size_t errlen);

/* Hairer's first trial step for a method of order p: from ‖x0‖, ‖f0‖ and one extra
 * evaluation f1 = f(t0 + h0, x0 + h0 f0).  The caller evaluates f1 through `eval`. */
typedef int (*step_eval_fn)(double t, const double *x, double *f, void *ctx);
int step_initial(int n, double t0, double tf, const double *x0, const double *f0, int p,
                 const step_control *c, step_eval_fn eval, void *ctx, double *scratch_x,
                 double *scratch_f, double *h);

#endif
