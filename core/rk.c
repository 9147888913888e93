/* rk — the generic explicit Runge–Kutta driver: one step routine shared by the adaptive and
 * the grid (fixed-step / replay) solves, dense output, and the observer hook. */
#include "rk.h"

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
    step_outputs *outs = &S->outs;
    int status = step_begin_adaptive(outs, T->name, c, P->t0, P->tf, P->nout, P->tout, err,
                                     errlen);
    if (status != STEP_OK)
        return status;

    const int n = S->n, q = T->order < T->error_order ? T->order : T->error_order;
    const double h_max = c->h_max > 0.0 ? c->h_max : P->tf - P->t0;
    double t = P->t0, h = 0.0;
    if (P->tf == P->t0) {   /* no step: every output is x0 */
        for (int k = 0; k < P->nout && P->xout; k++)
            memcpy(P->xout + (size_t)k * n, x, sizeof(double) * (size_t)n);
        return STEP_OK;
    }
    status = P->rhs(t, x, S->K[0], P->rhs_ctx) != 0 ? STEP_ERHS : STEP_OK;
    st->rhs_evals++;
    if (status == STEP_OK) {
        status = step_initial(n, t, P->tf, x, S->K[0], T->order, c, P->rhs, P->rhs_ctx,
                              S->scratch, S->scratch + n, &h);
        st->rhs_evals++;
    }
    int after_reject = 0;
    long attempts = 0;
    while (status == STEP_OK && t < P->tf) {
        if (attempts >= c->max_steps) {
            status = step_fail_max_steps(T->name, c, t, P->tf, err, errlen);
            break;
        }
        const double t_next = t + 1.01 * h >= P->tf ? P->tf : t + h;
        const double hh = t_next - t;
        if (step_underflow(t, hh)) {
            status = step_fail_underflow(T->name, c, t, hh, err, errlen);
            break;
        }
        attempts++;
        status = rk_step(S, P, t, t_next, x, 1, st);
        if (status != STEP_OK)
            break;
        const double e = step_error_norm(n, S->err, x, S->x_next, c);
        if (e <= 1.0) {
            const int nout = step_outputs_take(outs, t, t_next);
            if (nout < 0) {
                status = step_fail_output_order(T->name, t, err, errlen);
                break;
            }
            status =
                rk_accept(S, P, st->steps, t, t_next, x, nout, outs->index, outs->frac);
            if (status != STEP_OK)
                break;
            rk_advance(S, x);
            st->steps++;
            t = t_next;
            if (!T->fsal && t < P->tf) {
                status = P->rhs(t, x, S->K[0], P->rhs_ctx) != 0 ? STEP_ERHS : STEP_OK;
                st->rhs_evals++;
            }
            h = fmin(hh * step_factor(c, e, q, after_reject), h_max);
            after_reject = 0;
        } else {   /* rejected (also when the estimate is not finite) */
            st->rejected++;
            h = hh * step_factor(c, e, q, 1);
            after_reject = 1;
        }
    }
    st->t_reached = t;
    return rk_fail(status, t, T, err, errlen);
}

int rk_solve_grid(rk_solver *S, const rk_problem *P, const step_grid *g, long first,
                  long count, double *x, rk_stats *st, char *err, size_t errlen)
{
    const rk_tableau *T = S->tab;
    memset(st, 0, sizeof *st);
    double t = step_grid_time(g, first);
    st->t_reached = t;
    step_outputs *outs = &S->outs;
    int status = step_begin_grid(outs, T->name, g, first, count, P->t0, P->tf, P->nout,
                                 P->tout, err, errlen);
    if (status != STEP_OK)
        return status;
    int have_k1 = 0;
    for (long k = first; k < first + count; k++) {
        double t_next;
        status = step_grid_next(T->name, g, k, t, &t_next, err, errlen);
        if (status != STEP_OK)
            break;
        status = rk_step(S, P, t, t_next, x, have_k1, st);
        if (status == STEP_OK) {
            const int nout = step_outputs_take(outs, t, t_next);
            if (nout < 0) {
                status = step_fail_output_order(T->name, t, err, errlen);
                break;
            }
            status = rk_accept(S, P, k, t, t_next, x, nout, outs->index, outs->frac);
        }
        if (status != STEP_OK)
            break;
        rk_advance(S, x);
        have_k1 = T->fsal;
        st->steps++;
        t = t_next;
    }
    st->t_reached = t;
    return rk_fail(status, t, T, err, errlen);
}
