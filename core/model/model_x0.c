/* model_x0 — the initial state x0(θ) and its derivatives.
 *
 * Either x0 is an explicit program of (p, c), differentiated like any other, or it is the
 * steady state of the dynamics under the steady-state constants c_ss:
 *     F(x0(θ), θ) = f(t0, x0, θ, c_ss) = 0.
 * Then x0 is found by damped Newton from the model's guess, and its derivatives follow by
 * implicit differentiation (F_x = f_x at x0):
 *     x0_θ u              = −F_x⁻¹ F_θ u
 *     x0_θᵀ w             = −F_θᵀ λ,                         λ = F_x⁻ᵀ w
 *     x0_θθ[u1, u2]       = −F_x⁻¹ F''[(x0_θ u1, u1), (x0_θ u2, u2)]
 *     (wᵀx0)_θθ u         = F_θᵀ F_x⁻ᵀ g_x − g_θ,   (g_x, g_θ) = ∇(λᵀF) differentiated along
 *                                                   (x0_θ u, u)
 * where the F'' terms come from the right-hand side's second-order products, the log10
 * chain rule included. */
#include "model.h"
#include "model_ctx_impl.h"
#include "denselu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEADY_MAX_ITER 200
#define STEADY_STEP_TOL 1e-14     /* relative Newton step at which we stop */
#define STEADY_RESIDUAL_TOL 1e-10 /* ‖F‖∞ relative to the size of the rates, to accept */

static expr_args initial_args(const model_ctx *ctx)
{
    expr_args a = {ctx->m->t0, NULL, ctx->p, ctx->c, NULL, ctx->key};
    return a;
}

/* ---- dense LU of f_x at the steady state (and of its transpose) ------------------------- */

static int lu_factor(model_ctx *ctx, const double *A, int transpose, int slot)
{
    const int n = ctx->m->nx;
    double *lu = ctx->lu + (size_t)slot * (size_t)n * (size_t)n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            lu[i * n + j] = transpose ? A[j * n + i] : A[i * n + j];
    return dense_lu_factor(n, lu, ctx->perm + (size_t)slot * (size_t)n) == 0 ? 0 : -1;
}

/* solve (f_x or f_xᵀ) y = b in place */
static void lu_solve(model_ctx *ctx, int slot, double *b)
{
    const int n = ctx->m->nx;
    dense_lu_solve(n, ctx->lu + (size_t)slot * (size_t)n * (size_t)n,
                   ctx->perm + (size_t)slot * (size_t)n, b);
}

enum { LU_PLAIN = 0, LU_TRANSPOSED = 1 };

static double norm_inf(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s = fmax(s, fabs(v[i]));
    return s;
}

int model_steady_solve(model_ctx *ctx, char *err, size_t errlen)
{
    const model *m = ctx->m;
    const int n = m->nx;
    ctx->lu = malloc(sizeof(double) * 2 * (size_t)n * (size_t)n);
    ctx->perm = malloc(sizeof(size_t) * 2 * (size_t)n);
    if (!ctx->lu || !ctx->perm) {
        snprintf(err, errlen, "%s: out of memory for the steady state", m->name);
        return -1;
    }
    ctx->bytes += sizeof(double) * 2 * (size_t)n * (size_t)n + sizeof(size_t) * 2 * (size_t)n;
    const int saved = ctx->cond;
    model_ctx_condition(ctx, -1);
    eval_counts *counts = ctx->counts;
    ctx->counts = NULL;
    double *x = ctx->x0, *F = ctx->x_tmp, *dx = ctx->x_tmp2, *trial = ctx->x_tmp3,
           *Ftrial = ctx->x_tmp4;
    const expr_args a = initial_args(ctx);
    expr_eval(m->guess_prog, ctx->work[PROG_GUESS], &a, x);
    const double t0 = m->t0;
    int ok = 0;
    model_rhs(ctx, t0, x, F);
    double fnorm = norm_inf(F, n);
    for (int it = 0; it < STEADY_MAX_ITER && isfinite(fnorm); it++) {
        model_rhs_jac(ctx, t0, x, ctx->J);
        if (lu_factor(ctx, ctx->J, 0, LU_PLAIN) != 0)
            break;
        for (int i = 0; i < n; i++)
            dx[i] = -F[i];
        lu_solve(ctx, LU_PLAIN, dx);
        /* backtracking on ‖F‖∞: accept the first step length that decreases it */
        double alpha = 1.0, tnorm = INFINITY;
        for (; alpha > 1e-12; alpha *= 0.5) {
            for (int i = 0; i < n; i++)
                trial[i] = x[i] + alpha * dx[i];
            model_rhs(ctx, t0, trial, Ftrial);
            tnorm = norm_inf(Ftrial, n);
            if (tnorm < fnorm || tnorm == 0.0)
                break;
        }
        const double step = alpha * norm_inf(dx, n), size = norm_inf(x, n);
        if (!(tnorm < fnorm) && !(tnorm == 0.0)) {
            ok = step <= STEADY_STEP_TOL * (1.0 + size) * 1e3;   /* stalled at rounding */
            break;
        }
        memcpy(x, trial, sizeof(double) * (size_t)n);
        memcpy(F, Ftrial, sizeof(double) * (size_t)n);
        fnorm = tnorm;
        if (step <= STEADY_STEP_TOL * (1.0 + size) || fnorm == 0.0) {
            ok = 1;
            break;
        }
    }
    /* accept only a true root: the residual small against the size of the rates */
    double rate = 1.0;
    if (ok) {
        model_rhs_jac(ctx, t0, x, ctx->J);
        for (int i = 0; i < n * n; i++)
            rate = fmax(rate, fabs(ctx->J[i]) * (1.0 + norm_inf(x, n)));
        ok = fnorm <= STEADY_RESIDUAL_TOL * rate &&
             lu_factor(ctx, ctx->J, 0, LU_PLAIN) == 0 &&
             lu_factor(ctx, ctx->J, 1, LU_TRANSPOSED) == 0;
    }
    ctx->counts = counts;
    model_ctx_condition(ctx, saved);
    if (!ok) {
        snprintf(err, errlen,
                 "%s: no steady state found for the initial state at this theta (Newton "
                 "stopped with |f| = %.3g); try a theta closer to the nominal values",
                 m->name, fnorm);
        return -1;
    }
    return 0;
}

/* ---- public: x0 and its derivatives ---------------------------------------------------------- */

int model_x0(model_ctx *ctx, double *x0)
{
    if (ctx->m->initial_prog) {
        const expr_args a = initial_args(ctx);
        expr_eval(ctx->m->initial_prog, ctx->work[PROG_INITIAL], &a, x0);
    } else {
        memcpy(x0, ctx->x0, sizeof(double) * (size_t)ctx->m->nx);
    }
    return 0;
}

/* Run f's products at the steady state under the steady-state constants. */
#define AT_STEADY(ctx, body)                 \
    do {                                     \
        const int saved_ = (ctx)->cond;      \
        model_ctx_condition((ctx), -1);      \
        body;                                \
        model_ctx_condition((ctx), saved_);  \
    } while (0)

void model_x0_jvp(model_ctx *ctx, const double *u, double *dx0)
{
    if (ctx->m->initial_prog) {
        const expr_args a = initial_args(ctx);
        model_prog_jvp(ctx, PROG_INITIAL, &a, NULL, u, NULL, dx0);
        return;
    }
    const int n = ctx->m->nx;
    AT_STEADY(ctx, model_rhs_jvp(ctx, ctx->m->t0, ctx->x0, NULL, u, dx0));
    for (int i = 0; i < n; i++)
        dx0[i] = -dx0[i];
    lu_solve(ctx, LU_PLAIN, dx0);
}

void model_x0_jac(model_ctx *ctx, double *S0)
{
    const model *m = ctx->m;
    const int nx = m->nx, np = m->np;
    if (m->initial_prog) {
        const expr_args a = initial_args(ctx);
        expr_jac_p(m->initial_prog, ctx->work[PROG_INITIAL], &a, S0);
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < np; j++)
                S0[i * np + j] *= ctx->dp[j];
        return;
    }
    if (!ctx->have_S0) {
        /* S0 = −F_x⁻¹ F_θ, one column at a time */
        double *Fth = malloc(sizeof(double) * (size_t)nx * (size_t)(np ? np : 1));
        double *col = ctx->x_tmp;
        if (!Fth)
            return;
        AT_STEADY(ctx, model_rhs_jac_theta(ctx, m->t0, ctx->x0, Fth));
        for (int j = 0; j < np; j++) {
            for (int i = 0; i < nx; i++)
                col[i] = -Fth[i * np + j];
            lu_solve(ctx, LU_PLAIN, col);
            for (int i = 0; i < nx; i++)
                ctx->S0[i * np + j] = col[i];
        }
        free(Fth);
        ctx->have_S0 = 1;
    }
    memcpy(S0, ctx->S0, sizeof(double) * (size_t)nx * (size_t)np);
}

void model_x0_vjp(model_ctx *ctx, const double *w, double *gth)
{
    if (ctx->m->initial_prog) {
        const expr_args a = initial_args(ctx);
        model_prog_vjp(ctx, PROG_INITIAL, &a, w, NULL, NULL, gth);
        return;
    }
    const int n = ctx->m->nx, np = ctx->m->np;
    double *lambda = ctx->lambda;
    memcpy(lambda, w, sizeof(double) * (size_t)n);
    lu_solve(ctx, LU_TRANSPOSED, lambda);
    AT_STEADY(ctx, model_rhs_vjp(ctx, ctx->m->t0, ctx->x0, lambda, NULL, gth));
    for (int j = 0; j < np; j++)
        gth[j] = -gth[j];
}

void model_x0_vjp_jvp(model_ctx *ctx, const double *w, const double *u, double *dgth)
{
    const model *m = ctx->m;
    if (m->initial_prog) {
        const expr_args a = initial_args(ctx);
        model_prog_vjp_jvp(ctx, PROG_INITIAL, &a, w, NULL, NULL, u, NULL, NULL, NULL, dgth);
        return;
    }
    const int n = m->nx, np = m->np;
    double *lambda = ctx->lambda, *du = ctx->x_tmp2, *gx = ctx->x_tmp3;
    double *back = malloc(sizeof(double) * (size_t)(np ? np : 1));
    if (!back)
        return;
    memcpy(lambda, w, sizeof(double) * (size_t)n);
    lu_solve(ctx, LU_TRANSPOSED, lambda);
    model_x0_jvp(ctx, u, du);
    AT_STEADY(ctx, model_rhs_vjp_jvp(ctx, m->t0, ctx->x0, lambda, NULL, du, u, NULL, NULL, gx,
                                     dgth));
    lu_solve(ctx, LU_TRANSPOSED, gx);
    AT_STEADY(ctx, model_rhs_vjp(ctx, m->t0, ctx->x0, gx, NULL, back));
    for (int j = 0; j < np; j++)
        dgth[j] = back[j] - dgth[j];
    free(back);
}

void model_x0_hvv(model_ctx *ctx, const double *u1, const double *u2, double *d2)
{
    const model *m = ctx->m;
    if (m->initial_prog) {
        const expr_args a = initial_args(ctx);
        model_prog_hvv(ctx, PROG_INITIAL, &a, NULL, u1, NULL, u2, NULL, NULL, d2);
        return;
    }
    const int n = m->nx;
    double *s1 = ctx->x_tmp2, *s2 = ctx->x_tmp3;
    model_x0_jvp(ctx, u1, s1);
    model_x0_jvp(ctx, u2, s2);
    AT_STEADY(ctx, model_rhs_hvv(ctx, m->t0, ctx->x0, s1, u1, s2, u2, NULL, d2));
    for (int i = 0; i < n; i++)
        d2[i] = -d2[i];
    lu_solve(ctx, LU_PLAIN, d2);
}
