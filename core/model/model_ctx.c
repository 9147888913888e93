/* model_ctx — evaluating a model in θ-space.
 *
 * The programs see natural parameters p = s(θ) (s = identity, 10^θ or e^θ, element-wise).  With
 * D = diag(s'(θ)) and s'' the second derivatives (ln10·p and ln10²·p for log10, p and p
 * for ln), the chain rule turns every p-space product into its θ-space counterpart:
 *   tangent:        F_θ u = F_p (D u)
 *   adjoint:        F_θᵀ w = D F_pᵀ w
 *   over-adjoint:   d/dθ(D F_pᵀ w)·u = D d(F_pᵀ w) + s''⊙u⊙(F_pᵀ w)
 *   second order:   F_θθ[u1, u2] = F_pp[D u1, D u2] + F_p (s''⊙u1⊙u2)   — the last term is
 *                   fed to the tangent-over-tangent sweep as a second-order seed of p.
 * Each public call counts itself in the counters the backend selected. */
#include "model.h"
#include "model_ctx_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double LN10 = 2.302585092994045684;

static double *take(model_ctx *ctx, int n)
{
    double *p = ctx->pool + ctx->pool_used;
    ctx->pool_used += (size_t)(n > 0 ? n : 1);
    return p;
}

model_ctx *model_ctx_new(const model *m, const double *theta, char *err, size_t errlen)
{
    for (int i = 0; i < m->np; i++)
        if (!isfinite(theta[i])) {
            if (err && errlen)
                snprintf(err, errlen, "parameter %d (%s) is %g; give a finite value", i + 1,
                         m->params[i].name, theta[i]);
            return NULL;
        }
    model_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->m = m;
    const int np = m->np, nx = m->nx, ny = m->ny;
    /* x0_θ and f_x at the steady state (nx·np + nx²) only where x0 is a steady state */
    const int steady = m->initial_prog == NULL;
    const int nb = m->nbreak, nc = m->nc;
    const size_t need = (size_t)(8 * (np + 1) + 6 * (nx + 1) + 2 * (ny + 1)) +
                        (nb ? (size_t)(nc + 3 * nb + 3) + model_break_scratch(m) : 0) +
                        (steady ? (size_t)(nx + 1) * (size_t)(np + 1) +
                                      (size_t)(nx + 1) * (size_t)(nx + 1)
                                : 0);
    ctx->pool = calloc(need, sizeof(double));
    ctx->bytes = sizeof *ctx + need * sizeof(double);
    if (!ctx->pool)
        goto oom;
    ctx->theta = take(ctx, np);
    ctx->p = take(ctx, np);
    ctx->dp = take(ctx, np);
    ctx->ddp = take(ctx, np);
    ctx->u_p = take(ctx, np);
    ctx->u2_p = take(ctx, np);
    ctx->g_p = take(ctx, np);
    ctx->seed_p = take(ctx, np);
    ctx->x_tmp = take(ctx, nx);
    ctx->x_tmp2 = take(ctx, nx);
    ctx->x_tmp3 = take(ctx, nx);
    ctx->x_tmp4 = take(ctx, nx);
    ctx->x0 = take(ctx, nx);
    ctx->lambda = take(ctx, nx);
    ctx->row = take(ctx, 2 * ny);
    if (nb) {
        ctx->cbuf = take(ctx, nc);
        ctx->tb = take(ctx, nb);
        ctx->tb_live = take(ctx, nb);
        ctx->bunit = take(ctx, nb);
        ctx->bscratch = take(ctx, (int)model_break_scratch(m));
        ctx->border = calloc((size_t)nb, sizeof(int));
        if (!ctx->border)
            goto oom;
    }
    if (steady) {
        ctx->S0 = take(ctx, nx * np);
        ctx->J = take(ctx, nx * nx);
    }
    ctx->linear = 1;
    for (int i = 0; i < np; i++) {
        const double t = theta[i];
        ctx->theta[i] = t;
        ctx->linear &= m->params[i].scale != SCALE_LOG10 && m->params[i].scale != SCALE_LN;
        if (m->params[i].scale == SCALE_LOG10) {
            const double p = pow(10.0, t);
            ctx->p[i] = p;
            ctx->dp[i] = LN10 * p;
            ctx->ddp[i] = LN10 * LN10 * p;
        } else if (m->params[i].scale == SCALE_LN) {
            const double p = exp(t);   /* p = e^θ: p' = p'' = p */
            ctx->p[i] = p;
            ctx->dp[i] = p;
            ctx->ddp[i] = p;
        } else {
            ctx->p[i] = t;
            ctx->dp[i] = 1.0;
            ctx->ddp[i] = 0.0;
        }
    }
    expr_prog *progs[MODEL_NPROGS] = {m->rhs_prog, m->initial_prog, m->guess_prog, m->obs_prog,
                                      m->sigma_prog, m->loss_prog, m->running_prog,
                                      m->break_prog, m->jump_prog};
    for (int k = 0; k < MODEL_NPROGS; k++) {
        if (!progs[k])
            continue;
        ctx->work[k] = expr_work_new(progs[k]);
        if (!ctx->work[k])
            goto oom;
        ctx->bytes += expr_work_bytes(ctx->work[k]);
    }
    model_ctx_condition(ctx, 0);
    if (!m->initial_prog && model_steady_solve(ctx, err, errlen) != 0) {
        model_ctx_free(ctx);
        return NULL;
    }
    return ctx;
oom:
    if (err && errlen)
        snprintf(err, errlen, "%s: out of memory creating an evaluation context", m->name);
    model_ctx_free(ctx);
    return NULL;
}

void model_ctx_free(model_ctx *ctx)
{
    if (!ctx)
        return;
    for (int k = 0; k < MODEL_NPROGS; k++)
        expr_work_free(ctx->work[k]);
    free(ctx->lu);
    free(ctx->perm);
    free(ctx->border);
    free(ctx->pool);
    free(ctx);
}

const model *model_ctx_model(const model_ctx *ctx) { return ctx->m; }
const double *model_ctx_theta(const model_ctx *ctx) { return ctx->theta; }
const double *model_ctx_natural(const model_ctx *ctx) { return ctx->p; }
size_t model_ctx_bytes(const model_ctx *ctx) { return ctx->bytes; }
int model_ctx_current_condition(const model_ctx *ctx) { return ctx->cond; }
void model_ctx_count_into(model_ctx *ctx, eval_counts *counts) { ctx->counts = counts; }

void model_ctx_condition(model_ctx *ctx, int k)
{
    ctx->cond = k;
    ctx->c = k < 0 ? ctx->m->steady_constants : ctx->m->cond[k].constants;
    ctx->key++;   /* the constants changed: sub-expressions of (p, c) alone are recomputed */
    if (ctx->m->nbreak)
        model_break_select(ctx);
}

/* ---- chain-rule helpers ------------------------------------------------------------------- */

/* u (θ-space direction) -> D u (p-space); NULL stays NULL */
const double *model_ctx_to_p(model_ctx *ctx, const double *u, double *buf)
{
    if (!u)
        return NULL;
    if (ctx->linear)   /* 1·u = u exactly */
        return u;
    const int np = ctx->m->np;
    const double *dp = ctx->dp;
    for (int i = 0; i < np; i++)
        buf[i] = dp[i] * u[i];
    return buf;
}

/* the second-order seed s''⊙u1⊙u2 (NULL when either direction is absent or all linear) */
const double *model_ctx_second_seed(model_ctx *ctx, const double *u1, const double *u2)
{
    if (!u1 || !u2)
        return NULL;
    int any = 0;
    for (int i = 0; i < ctx->m->np; i++) {
        ctx->seed_p[i] = ctx->ddp[i] * u1[i] * u2[i];
        any |= ctx->ddp[i] != 0.0;
    }
    return any ? ctx->seed_p : NULL;
}

static void to_theta(const model_ctx *ctx, double *g)
{
    if (!g || ctx->linear)   /* g·1 = g exactly */
        return;
    const int np = ctx->m->np;
    const double *dp = ctx->dp;
    for (int i = 0; i < np; i++)
        g[i] *= dp[i];
}

static void count(model_ctx *ctx, int which)
{
    if (!ctx->counts)
        return;
    switch (which) {
    case 0: ctx->counts->rhs++; break;
    case 1: ctx->counts->jvp++; break;
    case 2: ctx->counts->vjp++; break;
    case 3: ctx->counts->jac++; break;
    default: ctx->counts->second++; break;
    }
}

static expr_args args(const model_ctx *ctx, double t, const double *x, const double *d)
{
    /* θ is fixed for a context's lifetime; the key changes with the condition */
    expr_args a = {t, x, ctx->p, ctx->c, d, ctx->key};
    return a;
}

/* Generic θ-space products of one program (used for the right-hand side, the observables,
 * sigma, the loss term and the running cost alike). */
void model_prog_jvp(model_ctx *ctx, int k, const expr_args *a, const double *dx,
                    const double *u, double *y, double *dy)
{
    expr_jvp(model_ctx_prog(ctx, k), ctx->work[k], a, dx, model_ctx_to_p(ctx, u, ctx->u_p), y,
             dy);
}

void model_prog_vjp(model_ctx *ctx, int k, const expr_args *a, const double *w, double *y,
                    double *gx, double *gth)
{
    expr_vjp(model_ctx_prog(ctx, k), ctx->work[k], a, w, y, gx, gth);
    to_theta(ctx, gth);
}

void model_prog_vjp_jvp(model_ctx *ctx, int k, const expr_args *a, const double *w,
                        const double *dw, const double *dx, const double *u, double *gx,
                        double *gth, double *dgx, double *dgth)
{
    const int np = ctx->m->np;
    /* F_pᵀw is needed for the s'' term even when the caller does not want the gradient */
    double *gp = ctx->g_p;
    expr_vjp_jvp(model_ctx_prog(ctx, k), ctx->work[k], a, w, dw, dx,
                 model_ctx_to_p(ctx, u, ctx->u_p), gx, gp, dgx, dgth);
    if (dgth)
        for (int i = 0; i < np; i++)
            dgth[i] = ctx->dp[i] * dgth[i] + (u ? ctx->ddp[i] * u[i] * gp[i] : 0.0);
    if (gth)
        for (int i = 0; i < np; i++)
            gth[i] = ctx->dp[i] * gp[i];
}

void model_prog_hvv(model_ctx *ctx, int k, const expr_args *a, const double *dx1,
                    const double *u1, const double *dx2, const double *u2, const double *d12x,
                    double *y, double *d2)
{
    const double *p1 = model_ctx_to_p(ctx, u1, ctx->u_p);
    const double *p2 = model_ctx_to_p(ctx, u2, ctx->u2_p);
    expr_hvv(model_ctx_prog(ctx, k), ctx->work[k], a, dx1, p1, dx2, p2, d12x,
             model_ctx_second_seed(ctx, u1, u2), y, d2);
}

const expr_prog *model_ctx_prog(const model_ctx *ctx, int k)
{
    const model *m = ctx->m;
    switch (k) {
    case PROG_RHS: return m->rhs_prog;
    case PROG_INITIAL: return m->initial_prog;
    case PROG_GUESS: return m->guess_prog;
    case PROG_OBS: return m->obs_prog;
    case PROG_SIGMA: return m->sigma_prog;
    case PROG_LOSS: return m->loss_prog;
    case PROG_BREAK: return m->break_prog;
    case PROG_JUMP: return m->jump_prog;
    default: return m->running_prog;
    }
}

/* ---- right-hand side --------------------------------------------------------------------- */

void model_rhs(model_ctx *ctx, double t, const double *x, double *f)
{
    count(ctx, 0);
    const expr_args a = args(ctx, t, x, NULL);
    expr_eval(ctx->m->rhs_prog, ctx->work[PROG_RHS], &a, f);
}

void model_rhs_jvp(model_ctx *ctx, double t, const double *x, const double *dx,
                   const double *u, double *df)
{
    count(ctx, 1);
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_jvp(ctx, PROG_RHS, &a, dx, u, NULL, df);
}

void model_rhs_at(model_ctx *ctx, double t, const double *x, double *f)
{
    if (f)
        count(ctx, 0);
    const expr_args a = args(ctx, t, x, NULL);
    expr_point(model_ctx_prog(ctx, PROG_RHS), ctx->work[PROG_RHS], &a, f);
}

void model_rhs_jvp_along(model_ctx *ctx, const double *dx, const double *u, double *df)
{
    count(ctx, 1);
    expr_jvp_direction(model_ctx_prog(ctx, PROG_RHS), ctx->work[PROG_RHS], dx,
                       model_ctx_to_p(ctx, u, ctx->u_p), df);
}

void model_rhs_hvv_first(model_ctx *ctx, const double *dx1, const double *u1)
{
    expr_hvv_first(model_ctx_prog(ctx, PROG_RHS), ctx->work[PROG_RHS], dx1,
                   model_ctx_to_p(ctx, u1, ctx->u_p));
}

void model_rhs_hvv_second(model_ctx *ctx, const double *u1, const double *dx2, const double *u2,
                          const double *d12x, double *d2)
{
    count(ctx, 4);
    expr_hvv_second(model_ctx_prog(ctx, PROG_RHS), ctx->work[PROG_RHS], dx2,
                    model_ctx_to_p(ctx, u2, ctx->u2_p), d12x, model_ctx_second_seed(ctx, u1, u2),
                    d2);
}

void model_rhs_vjp(model_ctx *ctx, double t, const double *x, const double *w, double *gx,
                   double *gth)
{
    count(ctx, 2);
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_vjp(ctx, PROG_RHS, &a, w, NULL, gx, gth);
}

void model_rhs_vjp_acc(model_ctx *ctx, double t, const double *x, const double *w,
                       double *gx, double *gth)
{
    count(ctx, 2);
    const expr_args a = args(ctx, t, x, NULL);
    if (ctx->linear || !gth) {   /* θ = p: accumulate in place */
        expr_vjp_acc(ctx->m->rhs_prog, ctx->work[PROG_RHS], &a, w, gx, gth);
        return;
    }
    double *g = ctx->g_p;
    const int np = ctx->m->np;
    model_prog_vjp(ctx, PROG_RHS, &a, w, NULL, gx, g);
    for (int i = 0; i < np; i++)
        gth[i] += g[i];
}

void model_rhs_jac(model_ctx *ctx, double t, const double *x, double *J)
{
    count(ctx, 3);
    const expr_args a = args(ctx, t, x, NULL);
    expr_jac_x(ctx->m->rhs_prog, ctx->work[PROG_RHS], &a, J);
}

void model_rhs_jac_theta(model_ctx *ctx, double t, const double *x, double *Jth)
{
    count(ctx, 3);
    const expr_args a = args(ctx, t, x, NULL);
    const int nx = ctx->m->nx, np = ctx->m->np;
    expr_jac_p(ctx->m->rhs_prog, ctx->work[PROG_RHS], &a, Jth);
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < np; j++)
            Jth[i * np + j] *= ctx->dp[j];
}

void model_rhs_vjp_jvp(model_ctx *ctx, double t, const double *x, const double *w,
                       const double *dw, const double *dx, const double *u, double *gx,
                       double *gth, double *dgx, double *dgth)
{
    count(ctx, 4);
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_vjp_jvp(ctx, PROG_RHS, &a, w, dw, dx, u, gx, gth, dgx, dgth);
}

void model_rhs_hvv(model_ctx *ctx, double t, const double *x, const double *dx1,
                   const double *u1, const double *dx2, const double *u2, const double *d12x,
                   double *d2)
{
    count(ctx, 4);
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_hvv(ctx, PROG_RHS, &a, dx1, u1, dx2, u2, d12x, NULL, d2);
}

/* ---- observation loss terms ------------------------------------------------------------------ */

int model_nobs(const model_ctx *ctx)
{
    return ctx->cond < 0 ? 0 : ctx->m->cond[ctx->cond].ntimes;
}

const double *model_obs_times(const model_ctx *ctx)
{
    return ctx->cond < 0 ? NULL : ctx->m->cond[ctx->cond].times;
}

const double *model_data_row(const model_ctx *ctx, int i)
{
    return ctx->m->cond[ctx->cond].values + (size_t)i * (size_t)ctx->m->ny;
}

/* the loss program's data input: values with missing entries as 0, then presence flags */
static const double *loss_row(model_ctx *ctx, int i)
{
    const int ny = ctx->m->ny;
    const double *d = model_data_row(ctx, i);
    for (int j = 0; j < ny; j++) {
        const int present = !isnan(d[j]);
        ctx->row[j] = present ? d[j] : 0.0;
        ctx->row[ny + j] = present;
    }
    return ctx->row;
}

double model_loss_term(model_ctx *ctx, int i, const double *x)
{
    double l;
    const expr_args a = args(ctx, model_obs_times(ctx)[i], x, loss_row(ctx, i));
    expr_eval(ctx->m->loss_prog, ctx->work[PROG_LOSS], &a, &l);
    return l;
}

double model_loss_term_grad(model_ctx *ctx, int i, const double *x, double *lx, double *lth)
{
    double l;
    const double one = 1.0;
    const expr_args a = args(ctx, model_obs_times(ctx)[i], x, loss_row(ctx, i));
    model_prog_vjp(ctx, PROG_LOSS, &a, &one, &l, lx, lth);
    return l;
}

void model_loss_term_hvp(model_ctx *ctx, int i, const double *x, const double *dx,
                         const double *u, double *hx, double *hth)
{
    const double one = 1.0;
    const expr_args a = args(ctx, model_obs_times(ctx)[i], x, loss_row(ctx, i));
    model_prog_vjp_jvp(ctx, PROG_LOSS, &a, &one, NULL, dx, u, NULL, NULL, hx, hth);
}

/* ---- running cost ------------------------------------------------------------------------- */

int model_has_running_cost(const model_ctx *ctx)
{
    return ctx->m->running_prog != NULL;
}

double model_running(model_ctx *ctx, double t, const double *x)
{
    double g;
    const expr_args a = args(ctx, t, x, NULL);
    expr_eval(ctx->m->running_prog, ctx->work[PROG_RUNNING], &a, &g);
    return g;
}

double model_running_grad(model_ctx *ctx, double t, const double *x, double *gx, double *gth)
{
    double g;
    const double one = 1.0;
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_vjp(ctx, PROG_RUNNING, &a, &one, &g, gx, gth);
    return g;
}

void model_running_hvp(model_ctx *ctx, double t, const double *x, const double *dx,
                       const double *u, double *hx, double *hth)
{
    const double one = 1.0;
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_vjp_jvp(ctx, PROG_RUNNING, &a, &one, NULL, dx, u, NULL, NULL, hx, hth);
}

/* ---- observables and noise ------------------------------------------------------------------ */

void model_observables(model_ctx *ctx, double t, const double *x, double *y)
{
    const expr_args a = args(ctx, t, x, NULL);
    expr_eval(ctx->m->obs_prog, ctx->work[PROG_OBS], &a, y);
}

void model_observables_jvp(model_ctx *ctx, double t, const double *x, const double *dx,
                           const double *u, double *dy)
{
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_jvp(ctx, PROG_OBS, &a, dx, u, NULL, dy);
}

int model_sigma(model_ctx *ctx, double t, const double *x, double *sigma)
{
    if (!ctx->m->sigma_prog)
        return -1;
    const expr_args a = args(ctx, t, x, NULL);
    expr_eval(ctx->m->sigma_prog, ctx->work[PROG_SIGMA], &a, sigma);
    return 0;
}

int model_sigma_jvp(model_ctx *ctx, double t, const double *x, const double *u, double *dsigma)
{
    if (!ctx->m->sigma_prog)
        return -1;
    const expr_args a = args(ctx, t, x, NULL);
    model_prog_jvp(ctx, PROG_SIGMA, &a, NULL, u, NULL, dsigma);
    return 0;
}
