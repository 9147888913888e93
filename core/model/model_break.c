/* model_break — time breakpoints: where the right-hand side switches and the state jumps, and
 * the exact jumps of the forward sensitivities and of the adjoint there.
 *
 * A breakpoint e has a time t_e(θ) (a number, a parameter, a condition's value, or any
 * expression of p and c), a jump map x⁺ = g(x⁻, θ) (the identity for a pure switch of the
 * right-hand side) and a phase constant φ_e, 0 before t_e and 1 from t_e on, through which
 * the programs see the switch: f = f⁻ while φ_e = 0, f = f⁺ once it is 1.  Within a phase
 * every program is smooth, so its derivatives from the expression graph are exact there; what
 * the graph cannot see is that t_e moves with θ.  That is the jump below.
 *
 * Forward sensitivities.  Let x⁻(t) solve x' = f⁻ up to t_e, x⁺(t_e) = g(x⁻(t_e), θ), and
 * x' = f⁺ after.  Just after the breakpoint, to first order in t − t_e,
 *     x(t) = g(x⁻(t_e), θ) + (t − t_e) f⁺,
 * and x⁻(t_e) moves with θ both through s⁻ = ∂x⁻/∂θ and through t_e: d x⁻(t_e)/dθ =
 * s⁻ + f⁻ ∇t_eᵀ.  Differentiating at fixed t > t_e and letting t ↓ t_e:
 *     s⁺ = g_x (s⁻ + f⁻ ∇t_eᵀ) + g_θ − f⁺ ∇t_eᵀ = g_x s⁻ + g_θ + (g_x f⁻ − f⁺) ∇t_eᵀ,
 * with f⁻ = f(t_e, x⁻) in the old phase and f⁺ = f(t_e, x⁺) in the new one.  For a pure switch
 * (g = identity) s⁺ = s⁻ + (f⁻ − f⁺) ∇t_eᵀ; for a jump at a fixed time the last term vanishes.
 * (The jump map must not read time itself — the importer refuses that — so there is no g_t.)
 *
 * Adjoint.  The gradient pairs the adjoint with the sensitivities: at the breakpoint the
 * loss sees λ⁺ᵀ s⁺ = (g_xᵀλ⁺)ᵀ s⁻ + λ⁺ᵀ g_θ + (λ⁺ᵀ(g_x f⁻ − f⁺)) ∇t_eᵀ, so going backward
 *     λ⁻ = g_xᵀ λ⁺,    ∇L += g_θᵀ λ⁺ + (λ⁻ᵀ f⁻ − λ⁺ᵀ f⁺) ∇t_e
 * (λ⁺ᵀ g_x f⁻ = λ⁻ᵀ f⁻: no Jacobian-vector product is needed).
 *
 * Two breakpoints at one time are crossed one after the other (index order): the segment
 * between them has length zero and the formulas compose.  An observation at t_e sees x⁺ and
 * the new phase; derivatives with respect to a breakpoint time that equals an observation
 * time are one-sided there. */
#include "model.h"
#include "model_ctx_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t model_break_scratch(const model *m)
{
    return (size_t)(4 * m->nx + 2 * m->nbreak * m->nx + 3 * m->np + 3);
}

static expr_args break_args(const model_ctx *ctx, double t, const double *x)
{
    expr_args a = {t, x, ctx->p, ctx->c, NULL, ctx->key};
    return a;
}

static void set_phase(model_ctx *ctx, int e, double v)
{
    double *phi = &ctx->cbuf[ctx->m->break_phase + e];
    if (*phi != v) {
        *phi = v;
        ctx->key++;
    }
}

void model_break_select(model_ctx *ctx)
{
    const model *m = ctx->m;
    const int nb = m->nbreak;
    memcpy(ctx->cbuf, ctx->c, sizeof(double) * (size_t)m->nc);
    ctx->c = ctx->cbuf;
    for (int e = 0; e < nb; e++)
        ctx->cbuf[m->break_phase + e] = 0.0;
    ctx->key++;
    const expr_args a = break_args(ctx, m->t0, NULL);
    expr_eval(m->break_prog, ctx->work[PROG_BREAK], &a, ctx->tb);
    int live = 0;
    for (int e = 0; e < nb; e++) {
        const double te = ctx->tb[e];
        if (te <= m->t0)
            ctx->cbuf[m->break_phase + e] = 1.0;   /* already past at the start */
        if (!(te > m->t0 && te <= m->tf))
            continue;                               /* never crossed (NaN too) */
        /* insertion into time order, ties in index order */
        int q = live++;
        while (q > 0 && ctx->tb[ctx->border[q - 1]] > te) {
            ctx->border[q] = ctx->border[q - 1];
            q--;
        }
        ctx->border[q] = e;
    }
    ctx->nb_live = live;
    for (int i = 0; i < live; i++)
        ctx->tb_live[i] = ctx->tb[ctx->border[i]];
    ctx->key++;
}

int model_breaks(const model_ctx *ctx, const double **times)
{
    if (times)
        *times = ctx->tb_live;
    return ctx->m->nbreak ? ctx->nb_live : 0;
}

void model_break_phase_at(model_ctx *ctx, double t)
{
    for (int e = 0; e < ctx->m->nbreak; e++)
        set_phase(ctx, e, ctx->tb[e] <= t ? 1.0 : 0.0);
}

/* ∇t_e in θ-space (np) */
static void time_gradient(model_ctx *ctx, int e, double *grad_te)
{
    const model *m = ctx->m;
    double *w = ctx->bunit;
    memset(w, 0, sizeof(double) * (size_t)m->nbreak);
    w[e] = 1.0;
    const expr_args a = break_args(ctx, m->t0, NULL);
    expr_vjp(m->break_prog, ctx->work[PROG_BREAK], &a, w, NULL, NULL, grad_te);
    for (int j = 0; j < m->np; j++)
        grad_te[j] *= ctx->dp[j];
}

void model_break_cross(model_ctx *ctx, int i, double *x, double *const *S)
{
    const model *m = ctx->m;
    const int nx = m->nx, np = m->np, nb = m->nbreak;
    const int e = ctx->border[i];
    const double te = ctx->tb[e];
    /* scratch: f⁻, f⁺, g_x f⁻, the jump's outputs (nb·nx twice), ∇t_e, a p-space seed */
    double *buf = ctx->bscratch;
    double *fm = buf, *fp = fm + nx, *gf = fp + nx, *y = gf + nx, *dy = y + (size_t)nb * nx;
    double *dte = dy + (size_t)nb * nx, *seed = dte + np + 1;
    model_rhs(ctx, te, x, fm);                                  /* f⁻, old phase */
    const expr_args a = break_args(ctx, te, x);
    if (m->jump_prog) {
        /* g_x f⁻ (and x⁺ = g(x⁻) alongside) */
        expr_jvp(m->jump_prog, ctx->work[PROG_JUMP], &a, fm, NULL, y, dy);
        memcpy(gf, dy + (size_t)e * nx, sizeof(double) * (size_t)nx);
        /* S⁻_j → g_x S⁻_j + g_θ e_j (the θ-direction e_j is D e_j in p-space) */
        for (int j = 0; S && j < np; j++) {
            memset(seed, 0, sizeof(double) * (size_t)np);
            seed[j] = ctx->dp[j];
            expr_jvp(m->jump_prog, ctx->work[PROG_JUMP], &a, S[j], seed, NULL, dy);
            memcpy(S[j], dy + (size_t)e * nx, sizeof(double) * (size_t)nx);
        }
        memcpy(x, y + (size_t)e * nx, sizeof(double) * (size_t)nx);   /* x⁺ */
    } else {
        memcpy(gf, fm, sizeof(double) * (size_t)nx);
    }
    set_phase(ctx, e, 1.0);
    model_rhs(ctx, te, x, fp);                                  /* f⁺, new phase */
    if (S) {
        time_gradient(ctx, e, dte);
        for (int j = 0; j < np; j++)
            if (dte[j] != 0.0)
                for (int k = 0; k < nx; k++)
                    S[j][k] += (gf[k] - fp[k]) * dte[j];
    }
}

void model_break_cross_back(model_ctx *ctx, int i, const double *xminus, double *lambda,
                            double *grad)
{
    const model *m = ctx->m;
    const int nx = m->nx, np = m->np, nb = m->nbreak;
    const int e = ctx->border[i];
    const double te = ctx->tb[e];
    double *buf = ctx->bscratch;
    memset(buf, 0, sizeof(double) * model_break_scratch(m));
    double *fm = buf, *fp = fm + nx, *lm = fp + nx, *xp = lm + nx, *w = xp + nx;
    double *y = w + (size_t)nb * nx, *dte = y + (size_t)nb * nx, *gth = dte + np + 1;
    set_phase(ctx, e, 0.0);                                     /* the jump reads the old phase */
    model_rhs(ctx, te, xminus, fm);
    if (m->jump_prog) {
        const expr_args a = break_args(ctx, te, xminus);
        memcpy(w + (size_t)e * nx, lambda, sizeof(double) * (size_t)nx);
        expr_vjp(m->jump_prog, ctx->work[PROG_JUMP], &a, w, y, lm, gth);   /* g_xᵀλ⁺, g_pᵀλ⁺ */
        memcpy(xp, y + (size_t)e * nx, sizeof(double) * (size_t)nx);
        for (int j = 0; j < np; j++)
            grad[j] += ctx->dp[j] * gth[j];
    } else {
        memcpy(lm, lambda, sizeof(double) * (size_t)nx);
        memcpy(xp, xminus, sizeof(double) * (size_t)nx);
    }
    set_phase(ctx, e, 1.0);
    model_rhs(ctx, te, xp, fp);
    set_phase(ctx, e, 0.0);
    double dot = 0.0;
    for (int k = 0; k < nx; k++)
        dot += lm[k] * fm[k] - lambda[k] * fp[k];
    time_gradient(ctx, e, dte);
    for (int j = 0; j < np; j++)
        grad[j] += dot * dte[j];
    memcpy(lambda, lm, sizeof(double) * (size_t)nx);
}
