/* opt_trr — trust-region reflective: Newton's method for box bounds in θ itself, with the
 * affine scaling of Coleman & Li (SIAM J. Optim. 6, 1996) and reflection at the bounds, the
 * method of MATLAB's fmincon/lsqnonlin "trust-region-reflective" and of fides (Fröhlich &
 * Sorger, PLoS Comput Biol 2022).
 *
 * Scaling.  At a strictly feasible θ with gradient g, v_i is the distance to the bound that
 * the descent direction −g_i heads for: θ_i − l_i when g_i ≥ 0, u_i − θ_i when g_i < 0.  The
 * first-order conditions of the box problem are exactly v_i g_i = 0 for every i.  With
 * D = diag(√v) and the scaled step ŝ (θ step s = Dŝ) the quadratic model is
 *
 *     ψ(ŝ) = ĝᵀŝ + ½ ŝᵀ B̂ ŝ,   ĝ = D g,   B̂ = D H D + diag(|g|),
 *
 * where diag(|g|) = diag(g ⊙ ∂v/∂θ) is the curvature the scaling itself adds (Coleman–Li's
 * C).  Near a bound that the gradient pushes against, D_i → 0 shortens the step along i and
 * |g_i| > 0 keeps B̂ positive there, so the iteration reaches such a bound superlinearly
 * without ever stepping onto it.  At an interior minimiser g → 0, C → 0 and the step is
 * Newton's.  The subproblem min ψ(ŝ) over ‖ŝ‖ ≤ Δ is solved exactly (trsub.h: indefinite
 * and singular B̂ included; the minimum-norm solution leaves alone a direction the loss
 * cannot see).
 *
 * Feasibility.  The trust-region step may leave the box.  As in Coleman–Li and fides, three
 * candidates compete on ψ:
 *   - the trust-region step, cut where it first meets a bound and stepped back by
 *     θ_sb = max(0.95, 1 − ‖ĝ‖_∞) of that length (all of it when it stays inside);
 *   - its reflection: from where it meets the bound, the remaining direction with the hit
 *     components negated, the model minimised along that ray within the region and the box;
 *   - the scaled steepest-descent (Cauchy) step −ĝ, minimised along within region and box.
 * Every candidate that stops at a bound is stepped back by θ_sb, so every iterate stays
 * strictly inside (a start on a bound stays on it only along a component whose gradient
 * points outwards: there v_i = 0).
 *
 * Acceptance and radius: ρ = (L(θ) − L(θ + s)) / (−ψ(ŝ)), accepted when ρ > η; Δ shrinks to
 * ¼‖ŝ‖ when ρ < ¼ and doubles when ρ > ¾ and the step reached the region's boundary.  A
 * trial point whose loss, or (once it passes the ρ test) whose curvature cannot be
 * evaluated is a rejected step.  Loss values all come from the loss callback.
 *
 * Convergence: opt.h's tests with the projected gradient θ − P(θ − g) in place of the
 * gradient (it is zero exactly at the box problem's first-order points, and equals g away
 * from the bounds), plus the newton-tr test: a full step predicting a decrease below
 * ftol·(1 + |L|) means converged (objective).
 *
 * Hybrid curvature (optimiser trr with an approximate Hessian source, e.g. the Fisher
 * information, as fides' hybrid schemes do): the run starts with the approximation and
 * switches, once and for good, to the exact Hessian when it is near an optimum — when a
 * convergence test is met, when an accepted step changes L by less than hybrid_switch·(1 +
 * |L|), or when two trial steps in a row are rejected (the approximate model is poor).  The
 * curvature source of the final iterations is therefore always the exact one. */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trsub.h"

/* The trust-region constants (fides' and Nocedal & Wright's choices). */
static const struct {
    double radius0;       /* initial radius of the scaled step */
    double radius_max;
    double eta;           /* accept when ρ > η */
    double poor, good;    /* ρ < poor: shrink; ρ > good and on the boundary: grow */
    double shrink, grow;
    double stepback_min;  /* θ_sb ≥ this */
    double hybrid_switch; /* switch to the exact Hessian when |ΔL| < this·(1 + |L|) */
} trr = { 1.0, 1e6, 1e-4, 0.25, 0.75, 0.25, 2.0, 0.95, 1e-3 };

typedef struct {
    int n;
    const double *lower, *upper;
    double *x, *g, *H;            /* the current point, its gradient and curvature */
    double *d;                    /* D = √v */
    double *gs, *Bs;              /* ĝ, B̂ */
    double *s_tr, *cand, *best, *dir, *work;   /* scaled steps */
    double *xt, *gt, *Ht;         /* trial point and its derivatives */
    double *pg;                   /* projected gradient */
    trsub_workspace *w;
} trr_state;

static double max_abs(const double *v, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* θ − P(θ − g): the first-order measure of the box problem */
static void projected_gradient(const trr_state *T, const double *x, const double *g, double *pg)
{
    for (int i = 0; i < T->n; i++)
        pg[i] = x[i] - fmin(fmax(x[i] - g[i], T->lower[i]), T->upper[i]);
}

/* D, ĝ, B̂ at the current point */
static void scale(trr_state *T)
{
    const int n = T->n;
    for (int i = 0; i < n; i++) {
        const double v = T->g[i] >= 0.0 ? T->x[i] - T->lower[i] : T->upper[i] - T->x[i];
        T->d[i] = sqrt(fmax(v, 0.0));
        T->gs[i] = T->d[i] * T->g[i];
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            T->Bs[i * n + j] = T->d[i] * 0.5 * (T->H[i * n + j] + T->H[j * n + i]) * T->d[j] +
                               (i == j ? fabs(T->g[i]) : 0.0);
}

/* ψ(ŝ) = ĝᵀŝ + ½ŝᵀB̂ŝ */
static double model(const trr_state *T, const double *s)
{
    const int n = T->n;
    double m = 0.0;
    for (int i = 0; i < n; i++) {
        double bs = 0.0;
        for (int j = 0; j < n; j++)
            bs += T->Bs[i * n + j] * s[j];
        m += T->gs[i] * s[i] + 0.5 * s[i] * bs;
    }
    return m;
}

static double norm2(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

/* The largest τ ≥ 0 with l ≤ base + τ·D·dir ≤ u, where base = x + D·from (INFINITY when the
 * ray never meets a bound); hit[i] marks the components that meet it first. */
static double box_limit(const trr_state *T, const double *from, const double *dir, int *hit)
{
    double tau = INFINITY;
    for (int i = 0; i < T->n; i++) {
        const double step = T->d[i] * dir[i];
        if (step == 0.0)
            continue;
        const double base = T->x[i] + T->d[i] * from[i];
        const double room = step > 0.0 ? T->upper[i] - base : T->lower[i] - base;
        tau = fmin(tau, fmax(room / step, 0.0));
    }
    for (int i = 0; hit && i < T->n; i++) {
        const double step = T->d[i] * dir[i];
        hit[i] = 0;
        if (step == 0.0 || !isfinite(tau))
            continue;
        const double base = T->x[i] + T->d[i] * from[i];
        const double room = step > 0.0 ? T->upper[i] - base : T->lower[i] - base;
        hit[i] = fmax(room / step, 0.0) <= tau * (1.0 + 1e-12);
    }
    return tau;
}

/* The largest τ ≥ 0 with ‖from + τ·dir‖ ≤ Δ (from inside the region) */
static double region_limit(const double *from, const double *dir, int n, double radius)
{
    double a = 0.0, b = 0.0, c = 0.0;
    for (int i = 0; i < n; i++) {
        a += dir[i] * dir[i];
        b += from[i] * dir[i];
        c += from[i] * from[i];
    }
    if (a == 0.0)
        return 0.0;
    c -= radius * radius;
    if (c >= 0.0)
        return 0.0;
    /* positive root of a τ² + 2bτ + c = 0, written without cancellation */
    const double q = b + copysign(sqrt(b * b - a * c), b);
    return q > 0.0 ? -c / q : q / a;
}

/* The candidate from + τ*·dir minimising ψ over 0 ≤ τ ≤ min(region, box), stepped back by
 * θ_sb when the box limits it; written to out.  Returns ψ there (INFINITY when the ray
 * allows no move). */
static double line_candidate(trr_state *T, const double *from, const double *dir, double radius,
                             double stepback, double *out)
{
    const int n = T->n;
    const double t_region = region_limit(from, dir, n, radius);
    const double t_box = box_limit(T, from, dir, NULL);
    const double t_max = fmin(t_region, t_box);
    if (!(t_max > 0.0))
        return INFINITY;
    /* ψ(from + τ dir) = ψ(from) + τ a + ½τ² b */
    double a = 0.0, b = 0.0;
    for (int i = 0; i < n; i++) {
        double bf = 0.0, bd = 0.0;
        for (int j = 0; j < n; j++) {
            bf += T->Bs[i * n + j] * from[j];
            bd += T->Bs[i * n + j] * dir[j];
        }
        a += (T->gs[i] + bf) * dir[i];
        b += dir[i] * bd;
    }
    double t = b > 0.0 ? fmin(fmax(-a / b, 0.0), t_max) : (a < 0.0 ? t_max : 0.0);
    if (t >= t_box)
        t = stepback * t_box;
    if (!(t > 0.0))
        return INFINITY;
    for (int i = 0; i < n; i++)
        out[i] = from[i] + t * dir[i];
    return model(T, out);
}

/* The step: the best of the three candidates (see the top of the file) into T->best.
 * Returns ψ of it; *interior says whether it is the full trust-region step inside the
 * region (the Newton step). */
static double choose_step(trr_state *T, double radius, const trsub_info *info, int *hit,
                          int *interior)
{
    const int n = T->n;
    const double stepback = fmax(trr.stepback_min, 1.0 - max_abs(T->gs, n));
    double *zero = T->work;
    memset(zero, 0, sizeof(double) * (size_t)n);
    double best_value;
    *interior = 0;
    const double tau = box_limit(T, zero, T->s_tr, hit);
    if (tau > 1.0) {
        memcpy(T->best, T->s_tr, sizeof(double) * (size_t)n);
        best_value = -info->decrease;
        *interior = info->kind == TRSUB_INTERIOR;
    } else {
        /* cut at the bound and stepped back */
        for (int i = 0; i < n; i++)
            T->best[i] = stepback * tau * T->s_tr[i];
        best_value = model(T, T->best);
        /* reflected at the bound */
        if (tau > 0.0) {
            double *from = T->work;
            for (int i = 0; i < n; i++) {
                from[i] = tau * T->s_tr[i];
                T->dir[i] = hit[i] ? -T->s_tr[i] : T->s_tr[i];
            }
            const double value = line_candidate(T, from, T->dir, radius, stepback, T->cand);
            if (value < best_value) {
                best_value = value;
                memcpy(T->best, T->cand, sizeof(double) * (size_t)n);
            }
        }
    }
    /* scaled steepest descent */
    memset(zero, 0, sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        T->dir[i] = -T->gs[i];
    const double value = line_candidate(T, zero, T->dir, radius, stepback, T->cand);
    if (value < best_value) {
        best_value = value;
        memcpy(T->best, T->cand, sizeof(double) * (size_t)n);
        *interior = 0;
    }
    return best_value;
}

static int alloc_state(trr_state *T, opt_space *S)
{
    const int n = S->n;
    const size_t v = sizeof(double) * (size_t)n, m = v * (size_t)n;
    memset(T, 0, sizeof *T);
    T->n = n;
    T->lower = S->problem->lower;
    T->upper = S->problem->upper;
    double **vectors[] = { &T->x, &T->g, &T->d, &T->gs, &T->s_tr, &T->cand, &T->best, &T->dir,
                           &T->work, &T->xt, &T->gt, &T->pg };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
        if (!(*vectors[i] = malloc(v)))
            return -1;
    if (!(T->H = malloc(m)) || !(T->Bs = malloc(m)) || !(T->Ht = malloc(m)))
        return -1;
    T->w = trsub_alloc(n, NULL);
    return T->w ? 0 : -1;
}

static void free_state(trr_state *T)
{
    double *all[] = { T->x, T->g, T->d, T->gs, T->s_tr, T->cand, T->best, T->dir, T->work,
                      T->xt, T->gt, T->pg, T->H, T->Bs, T->Ht };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    trsub_free(T->w);
}

/* curvature at x from the current source: the approximation while *approx, else exact */
static int curvature(opt_space *S, int approx, const double *x, double *g, double *H)
{
    double L;
    return approx ? opt_space_approx_hessian(S, x, &L, g, H) : opt_space_hessian(S, x, &L, g, H);
}

static void trr_run(opt_space *S, const double *x0, const opt_settings *s, double *x_final,
                    opt_result *r)
{
    const int n = S->n;
    trr_state T;
    char err[256];
    int *hit = malloc(sizeof(int) * (size_t)n);
    int approx = S->problem->approx_hessian != NULL;
    memcpy(x_final, x0, sizeof(double) * (size_t)n);
    if (alloc_state(&T, S) != 0 || !hit) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "trr: out of memory");
        goto done;
    }
    memcpy(T.x, x0, sizeof(double) * (size_t)n);
    double L = NAN;
    if (opt_space_loss(S, T.x, &L) != 0 || curvature(S, approx, T.x, T.g, T.H) != 0) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s", S->error);
        r->objective = L;
        goto done;
    }
    r->objective = L;
    projected_gradient(&T, T.x, T.g, T.pg);
    if (opt_start_test(s, n, T.pg, r))
        goto done;
    double radius = trr.radius0;
    int small = 0, rejected = 0;
    char last_reject[200] = "";
    for (;;) {
        scale(&T);
        trsub_info info;
        if (trsub_factor(T.w, T.Bs, T.gs, err, sizeof err) != 0 ||
            trsub_solve(T.w, radius, T.s_tr, &info, err, sizeof err) != 0) {
            r->exit = OPT_FAILED;
            snprintf(r->message, sizeof r->message, "failed after %d iterations: %.200s",
                     r->iterations, err);
            break;
        }
        int interior;
        const double predicted = -choose_step(&T, radius, &info, hit, &interior);
        if (interior && predicted <= s->ftol * (1.0 + fabs(L))) {
            if (approx) {
                approx = 0;
                if (curvature(S, 0, T.x, T.g, T.H) != 0) {
                    r->exit = OPT_FAILED;
                    snprintf(r->message, sizeof r->message, "failed switching to the exact "
                             "Hessian: %.180s", S->error);
                    break;
                }
                continue;
            }
            r->exit = OPT_CONVERGED_OBJECTIVE;
            snprintf(r->message, sizeof r->message, "converged: the Newton step predicts a "
                     "decrease of %.3g, below ftol %.3g (relative)", predicted, s->ftol);
            break;
        }
        for (int i = 0; i < n; i++)
            T.xt[i] = T.x[i] + T.d[i] * T.best[i];
        double Lt = NAN, rho;
        if (opt_space_loss(S, T.xt, &Lt) != 0) {
            rho = -INFINITY;
            snprintf(last_reject, sizeof last_reject, "%.199s", S->error);
        } else {
            rho = predicted > 0.0 ? (L - Lt) / predicted : (Lt < L ? 1.0 : -1.0);
            if (!(rho > trr.eta))
                snprintf(last_reject, sizeof last_reject, "rho = %.3g", rho);
        }
        if (rho > trr.eta && curvature(S, approx, T.xt, T.gt, T.Ht) != 0) {
            rho = -INFINITY;
            snprintf(last_reject, sizeof last_reject, "Hessian: %.180s", S->error);
        }
        const double step_norm = norm2(T.best, n);
        if (!(rho >= trr.poor))
            radius = trr.shrink * step_norm;
        else if (rho > trr.good && step_norm >= 0.9 * radius)
            radius = fmin(trr.grow * radius, trr.radius_max);
        if (rho > trr.eta) {
            const double L_old = L;
            L = Lt;
            r->objective = L;
            r->iterations++;
            rejected = 0;
            if (s->on_iterate)
                s->on_iterate(s->user, r->iterations, L);
            projected_gradient(&T, T.xt, T.gt, T.pg);
            const int stop = opt_stop_test(S, s, T.x, T.xt, L_old, L, T.pg, &small, r);
            memcpy(T.x, T.xt, sizeof(double) * (size_t)n);
            memcpy(T.g, T.gt, sizeof(double) * (size_t)n);
            memcpy(T.H, T.Ht, sizeof(double) * (size_t)n * (size_t)n);
            const int switch_now = approx &&
                ((stop && opt_exit_converged(r->exit)) ||
                 fabs(L_old - L) < trr.hybrid_switch * (1.0 + fabs(L)));
            if (switch_now) {
                approx = 0;
                small = 0;
                if (curvature(S, 0, T.x, T.g, T.H) != 0) {
                    r->exit = OPT_FAILED;
                    snprintf(r->message, sizeof r->message, "failed switching to the exact "
                             "Hessian: %.180s", S->error);
                    break;
                }
                if (!stop || opt_exit_converged(r->exit))
                    continue;
            }
            if (stop)
                break;
        } else {
            rejected++;
            if (approx && rejected >= 2) {
                approx = 0;
                if (curvature(S, 0, T.x, T.g, T.H) != 0) {
                    r->exit = OPT_FAILED;
                    snprintf(r->message, sizeof r->message, "failed switching to the exact "
                             "Hessian: %.180s", S->error);
                    break;
                }
            }
            double width = 0.0;
            for (int i = 0; i < n; i++)
                width = fmax(width, fabs(T.d[i] * T.best[i]) / (T.upper[i] - T.lower[i]));
            if (width <= s->xtol || !(radius > 0.0)) {
                r->exit = OPT_STALLED;
                snprintf(r->message, sizeof r->message, "stalled: the trust region collapsed "
                         "(radius %.3g after %d rejected steps; last: %.150s)", radius, rejected,
                         last_reject);
                break;
            }
        }
    }
    memcpy(x_final, T.x, sizeof(double) * (size_t)n);
done:
    free_state(&T);
    free(hit);
}

const opt_type opt_trr = {
    "trr", "trust-region reflective (Coleman-Li scaling, reflection at the bounds) in theta "
    "on a full Hessian; with --hybrid, an approximate Hessian first",
    OPT_NEEDS_HESSIAN | OPT_IN_THETA | OPT_TAKES_HYBRID, trr_run
};
