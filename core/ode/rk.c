/* rk — the generic explicit Runge–Kutta driver: one step routine shared by the adaptive and
 * the grid (fixed-step / replay) solves, dense output, and the observer hook. */
#include "rk.h"
#include "step_driver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rk_solver {
    const rk_tableau *tab;
    int n, s;
    double **Y;          /* s stage inputs; Y[0] is set to the current x at every step */
    double **K;          /* s stage derivatives */
    double *x_next;      /* for FSAL methods also the last stage input */
    double *err;         /* local error estimate */
    double *weights;     /* s dense-output weights */
    double *scratch;     /* 2n, for the first-step estimate */
    double *block;       /* the storage behind all vectors */
    step_outputs outs;   /* observation bookkeeping, reused from solve to solve */
    size_t bytes;
};

rk_solver *rk_solver_new(const rk_tableau *tab, int n)
{
    if (!tab || n < 0)
        return NULL;
    const int s = tab->stages;
    rk_solver *S = calloc(1, sizeof *S);
    if (!S)
        return NULL;
    S->tab = tab;
    S->n = n;
    S->s = s;
    /* vectors: Y_2..Y_s (s−1), K_1..K_s (s), x_next, err, scratch (2), and the weights */
    const size_t nvec = (size_t)(s - 1) + (size_t)s + 4;
    const size_t doubles = nvec * (size_t)n + (size_t)s;
    S->Y = calloc((size_t)s, sizeof *S->Y);
    S->K = calloc((size_t)s, sizeof *S->K);
    S->block = calloc(doubles ? doubles : 1, sizeof(double));
    if (!S->Y || !S->K || !S->block) {
        rk_solver_free(S);
        return NULL;
    }
    double *p = S->block;
    for (int i = 1; i < s; i++, p += n)
        S->Y[i] = p;
    for (int i = 0; i < s; i++, p += n)
        S->K[i] = p;
    S->x_next = p;
    p += n;
    S->err = p;
    p += n;
    S->scratch = p;
    p += 2 * (size_t)n;
    S->weights = p;
    S->bytes = sizeof *S + 2 * (size_t)s * sizeof(double *) + doubles * sizeof(double);
    return S;
}

void rk_solver_free(rk_solver *S)
{
    if (!S)
        return;
    free(S->Y);
    free(S->K);
    free(S->block);
    step_outputs_free(&S->outs);
    free(S);
}

size_t rk_solver_bytes(const rk_solver *S)
{
    return S ? S->bytes + step_outputs_bytes(&S->outs) : 0;
}

int rk_solver_reserve(rk_solver *S, int nout)
{
    return step_outputs_reserve(&S->outs, nout);
}
const rk_tableau *rk_solver_tableau(const rk_solver *S) { return S->tab; }

/* acc = Σ_j coef_j K_j over the j < count with coef_j ≠ 0 (in increasing j: the same
 * operations in every step, so replays are bitwise identical). */
static void rk_combine(const rk_solver *S, const double *coef, int count, double *acc)
{
    const int n = S->n;
    int started = 0;
    for (int j = 0; j < count; j++) {
        const double a = coef[j];
        if (a == 0.0)
            continue;
        const double *Kj = S->K[j];
        if (!started)
            for (int m = 0; m < n; m++)
                acc[m] = a * Kj[m];
        else
            for (int m = 0; m < n; m++)
                acc[m] += a * Kj[m];
        started = 1;
    }
    if (!started)
        memset(acc, 0, sizeof(double) * (size_t)n);
}

/* One step (t → t_next) from x: stages, x_next and (if the method has one) the error
 * estimate.  K[0] must already hold f(t, x) when have_k1. */
static int rk_step(rk_solver *S, const rk_problem *P, double t, double t_next,
                   const double *x, int have_k1, rk_stats *st)
{
    const rk_tableau *T = S->tab;
    const int n = S->n, s = S->s;
    const double h = t_next - t;
    if (!have_k1) {
        if (P->rhs(t, x, S->K[0], P->rhs_ctx) != 0)
            return STEP_ERHS;
        st->rhs_evals++;
    }
    for (int i = 1; i < s; i++) {
        double *Yi = (T->fsal && i == s - 1) ? S->x_next : S->Y[i];
        rk_combine(S, T->A + (size_t)i * s, i, Yi);
        for (int m = 0; m < n; m++)
            Yi[m] = x[m] + h * Yi[m];
        if (P->rhs(rk_stage_time(t, t_next, T->c[i]), Yi, S->K[i], P->rhs_ctx) != 0)
            return STEP_ERHS;
        st->rhs_evals++;
    }
    if (!T->fsal) {
        rk_combine(S, T->b, s, S->x_next);
        for (int m = 0; m < n; m++)
            S->x_next[m] = x[m] + h * S->x_next[m];
    }
    if (T->e) {
        rk_combine(S, T->e, s, S->err);
        for (int m = 0; m < n; m++)
            S->err[m] *= h;
    }
    return STEP_OK;
}

/* Dense output of the outputs the step owns, then the observer. */
static int rk_accept(rk_solver *S, const rk_problem *P, long index, double t, double t_next,
                     const double *x, int nout, const int *out_index, const double *out_frac)
{
    const int n = S->n, s = S->s;
    const double h = t_next - t;
    for (int k = 0; k < nout && P->xout; k++) {
        double *xo = P->xout + (size_t)out_index[k] * n;
        const double sigma = out_frac[k];
        if (sigma == 1.0) {
            memcpy(xo, S->x_next, sizeof(double) * (size_t)n);
        } else if (sigma == 0.0) {
            memcpy(xo, x, sizeof(double) * (size_t)n);
        } else {
            rk_dense_weights(S->tab, sigma, S->weights);
            rk_combine(S, S->weights, s, xo);
            for (int m = 0; m < n; m++)
                xo[m] = x[m] + h * xo[m];
        }
    }
    if (!P->observer)
        return STEP_OK;
    S->Y[0] = (double *)x;   /* Y_1 = x; the view is read-only */
    if (S->tab->fsal)
        S->Y[s - 1] = S->x_next;
    const rk_step_view view = {
        .index = index, .t = t, .t_next = t_next, .h = h, .n = n, .stages = s,
        .x = x, .x_next = S->x_next,
        .Y = (const double *const *)S->Y, .K = (const double *const *)S->K,
        .nout = nout, .out_index = out_index, .out_frac = out_frac,
    };
    return P->observer(&view, P->observer_ctx) != 0 ? STEP_EOBSERVER : STEP_OK;
}

/* Move to the accepted state; FSAL methods keep K_s as the next K_1. */
static void rk_advance(rk_solver *S, double *x)
{
    memcpy(x, S->x_next, sizeof(double) * (size_t)S->n);
    if (S->tab->fsal) {
        double *tmp = S->K[0];
        S->K[0] = S->K[S->s - 1];
        S->K[S->s - 1] = tmp;
    }
}

static int rk_fail(int status, double t, const rk_tableau *T, char *err, size_t errlen)
{
    if (status == STEP_ERHS)
        snprintf(err, errlen, "%s: the right-hand side failed at t = %.17g", T->name, t);
    else if (status == STEP_EOBSERVER)
        snprintf(err, errlen, "%s: stopped by the step observer at t = %.17g", T->name, t);
    return status;
}

/* ---- the solves: this integrator's calls of the shared loops (step_driver.h) ---------- */

typedef struct {
    rk_solver *S;
    const rk_problem *P;
    const step_control *c;   /* adaptive solves */
    rk_stats *st;
    int have_k1;             /* grid solves: K_1 = f(t, x) kept from the step before (FSAL) */
} rk_run;

/* K_1 = f(t, x) is already there: computed at t0 by the loop, then by rk_adaptive_advance */
static int rk_adaptive_attempt(void *integrator, double t, double t_next, const double *x,
                               double *err_norm)
{
    rk_run *R = integrator;
    const int status = rk_step(R->S, R->P, t, t_next, x, 1, R->st);
    if (status == STEP_OK)
        *err_norm = step_error_norm(R->S->n, R->S->err, x, R->S->x_next, R->c);
    return status;
}

static int rk_adaptive_accept(void *integrator, long index, double t, double t_next,
                              const double *x, int nout, const int *out_index,
                              const double *out_frac)
{
    rk_run *R = integrator;
    return rk_accept(R->S, R->P, index, t, t_next, x, nout, out_index, out_frac);
}

/* x = x_next and the next step's K_1: FSAL methods have it already, the others evaluate it
 * (unless the solve is over) */
static int rk_adaptive_advance(void *integrator, double t, double *x)
{
    rk_run *R = integrator;
    rk_advance(R->S, x);
    if (R->S->tab->fsal || !(t < R->P->tf))
        return STEP_OK;
    R->st->rhs_evals++;
    return R->P->rhs(t, x, R->S->K[0], R->P->rhs_ctx) != 0 ? STEP_ERHS : STEP_OK;
}

/* step k of a grid: K_1 is evaluated in the step unless an FSAL method kept it */
static int rk_grid_step(void *integrator, long k, double t, double t_next, double *x,
                        step_outputs *outs, char *err, size_t errlen)
{
    rk_run *R = integrator;
    rk_solver *S = R->S;
    int nout = 0;
    int status = rk_step(S, R->P, t, t_next, x, R->have_k1, R->st);
    if (status == STEP_OK)
        status = step_outputs_claim(outs, S->tab->name, t, t_next, &nout, err, errlen);
    if (status == STEP_OK)
        status = rk_accept(S, R->P, k, t, t_next, x, nout, outs->index, outs->frac);
    if (status != STEP_OK)
        return status;
    rk_advance(S, x);
    R->have_k1 = S->tab->fsal;
    return STEP_OK;
}

/* the loop's counts into the solve's statistics (the steps count f evaluations themselves) */
static void rk_add_tally(rk_stats *st, const step_tally *tally)
{
    st->steps = tally->steps;
    st->rejected = tally->rejected;
    st->rhs_evals += tally->rhs_evals;
    st->t_reached = tally->t_reached;
    st->h_proposed = tally->h_proposed;
}

int rk_solve_adaptive(rk_solver *S, const rk_problem *P, const step_control *c, double *x,
                      rk_stats *st, char *err, size_t errlen)
{
    const rk_tableau *T = S->tab;
    memset(st, 0, sizeof *st);
    st->t_reached = P->t0;
    if (!T->e) {
        snprintf(err, errlen, "%s has no error estimate: give a number of fixed steps",
                 T->name);
        return STEP_EINPUT;
    }
    const step_method M = {T->name, T->order, T->error_order, 0, rk_adaptive_attempt,
                           rk_adaptive_accept, rk_adaptive_advance};
    const step_solve solve = {S->n, P->rhs, P->rhs_ctx, P->t0, P->tf, P->nout, P->tout,
                              P->xout};
    rk_run R = {S, P, c, st, 0};
    step_tally tally;
    /* f(t0, x0) goes to K_1, the first stage of the first step */
    const int status = step_adaptive_solve(&M, &R, &solve, c, &S->outs, S->K[0], S->scratch,
                                           x, &tally, err, errlen);
    rk_add_tally(st, &tally);
    return rk_fail(status, tally.t_reached, T, err, errlen);
}

int rk_solve_grid(rk_solver *S, const rk_problem *P, const step_grid *g, long first,
                  long count, double *x, rk_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    const step_solve solve = {S->n, P->rhs, P->rhs_ctx, P->t0, P->tf, P->nout, P->tout,
                              P->xout};
    rk_run R = {S, P, NULL, st, 0};
    step_tally tally;
    const int status = step_grid_solve(S->tab->name, rk_grid_step, &R, &solve, g, first, count,
                                       &S->outs, x, &tally, err, errlen);
    rk_add_tally(st, &tally);
    return rk_fail(status, tally.t_reached, S->tab, err, errlen);
}
