/* opt_newton_tr — trust-region Newton on a full Hessian (Nocedal & Wright, Algorithm 4.1,
 * with the exact subproblem solver of trsub.h).
 *
 * At z with L, g = ∇_z L and H = ∇²_z L (any Hessian the problem supplies: exact second
 * order, finite differences, or the Fisher information), the step p minimises the quadratic
 * model m(p) = gᵀp + ½pᵀHp within ‖p‖ ≤ Δ — exactly, also when H is indefinite or singular,
 * so negative curvature is used and null directions (jakstat's) cost nothing.  The trial
 * point is accepted when the actual decrease is a fair share of the predicted one,
 *     ρ = (L(z) − L(z + p)) / (−m(p)) > η,
 * and Δ shrinks when ρ is poor and grows when the model was good and the step hit the
 * boundary.  A trial point where the loss or, once it passes the ρ test, the Hessian cannot
 * be evaluated (ODE solver failure) is a rejected step: the run goes on from the current
 * point with a smaller region.  One eigen-decomposition per Hessian serves every radius
 * tried.
 *
 * Loss values all come from the problem's loss callback (not from the Hessian source), so
 * that ρ compares numbers computed the same way.  Besides the common tests of opt.h, a full
 * Newton step (inside the region) whose predicted decrease is below ftol·(1 + |L|) ends the
 * run as converged (objective): no step can change L by more than that. */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trsub.h"

/* The trust-region constants (Nocedal & Wright's choices, with a slightly stricter η). */
static const struct {
    double radius0;       /* initial radius in z (radians: the whole box is π wide) */
    double radius_max;    /* largest radius */
    double eta;           /* accept when ρ > η */
    double poor, good;    /* ρ < poor: shrink; ρ > good and on the boundary: grow */
    double shrink, grow;  /* Δ ← shrink·‖p‖, Δ ← grow·Δ */
} newton_tr = { 1.0, 10.0, 1e-4, 0.25, 0.75, 0.25, 2.0 };

static double max_abs(const double *v, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

static void newton_tr_run(opt_space *S, const double *z0, const opt_settings *s, double *z,
                          opt_result *r)
{
    const int n = S->n;
    char err[256];
    double *g = malloc(sizeof(double) * (size_t)n), *p = malloc(sizeof(double) * (size_t)n);
    double *zt = malloc(sizeof(double) * (size_t)n);
    double *H = malloc(sizeof(double) * (size_t)n * (size_t)n);
    trsub_workspace *w = trsub_alloc(n, NULL);
    memcpy(z, z0, sizeof(double) * (size_t)n);
    if (!g || !p || !zt || !H || !w) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "newton-tr: out of memory");
        goto done;
    }
    double L = NAN, Lh;
    if (opt_space_loss(S, z, &L) != 0 || opt_space_hessian(S, z, &Lh, g, H) != 0) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s", S->error);
        r->objective = L;
        goto done;
    }
    r->objective = L;
    if (opt_start_test(s, n, g, r))
        goto done;
    if (trsub_factor(w, H, g, err, sizeof err) != 0) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s", err);
        goto done;
    }
    double radius = newton_tr.radius0;
    int small = 0, rejected = 0;
    char last_reject[200] = "";
    for (;;) {
        trsub_info info;
        if (trsub_solve(w, radius, p, &info, err, sizeof err) != 0) {
            r->exit = OPT_FAILED;
            snprintf(r->message, sizeof r->message, "failed: %.220s", err);
            break;
        }
        if (info.kind == TRSUB_INTERIOR && info.decrease <= s->ftol * (1.0 + fabs(L))) {
            r->exit = OPT_CONVERGED_OBJECTIVE;
            snprintf(r->message, sizeof r->message, "converged: the Newton step predicts a "
                     "decrease of %.3g, below ftol %.3g (relative)", info.decrease, s->ftol);
            break;
        }
        for (int i = 0; i < n; i++)
            zt[i] = z[i] + p[i];
        double Lt = NAN, rho;
        if (opt_space_loss(S, zt, &Lt) != 0) {
            rho = -INFINITY;
            snprintf(last_reject, sizeof last_reject, "%.199s", S->error);
        } else {
            rho = info.decrease > 0.0 ? (L - Lt) / info.decrease : (Lt < L ? 1.0 : -1.0);
            if (!(rho > newton_tr.eta))
                snprintf(last_reject, sizeof last_reject, "rho = %.3g", rho);
        }
        /* a point is accepted only with its Hessian: where that cannot be evaluated, the
         * step counts as rejected (g and H keep the current point's values) */
        if (rho > newton_tr.eta && opt_space_hessian(S, zt, &Lh, g, H) != 0) {
            rho = -INFINITY;
            snprintf(last_reject, sizeof last_reject, "Hessian: %.180s", S->error);
        }
        if (!(rho >= newton_tr.poor))
            radius = newton_tr.shrink * info.norm;
        else if (rho > newton_tr.good && info.kind != TRSUB_INTERIOR)
            radius = fmin(newton_tr.grow * radius, newton_tr.radius_max);
        if (rho > newton_tr.eta) {
            const double L_old = L;
            L = Lt;
            r->objective = L;
            r->iterations++;
            rejected = 0;
            if (s->on_iterate)
                s->on_iterate(s->user, r->iterations, L);
            const int stop = opt_stop_test(S, s, z, zt, L_old, L, g, &small, r);
            memcpy(z, zt, sizeof(double) * (size_t)n);
            if (stop)
                break;
            if (trsub_factor(w, H, g, err, sizeof err) != 0) {
                r->exit = OPT_FAILED;
                snprintf(r->message, sizeof r->message, "failed after %d iterations: %.200s",
                         r->iterations, err);
                break;
            }
        } else {
            rejected++;
            if (radius <= s->xtol * (s->xtol + max_abs(z, n))) {
                r->exit = OPT_STALLED;
                snprintf(r->message, sizeof r->message, "stalled: the trust region collapsed "
                         "(radius %.3g after %d rejected steps; last: %.150s)", radius, rejected,
                         last_reject);
                break;
            }
        }
    }
done:
    trsub_free(w);
    free(g);
    free(p);
    free(zt);
    free(H);
}

const opt_type opt_newton_tr = {
    "newton-tr", "trust-region Newton on a full Hessian (exact subproblem, indefinite or singular)",
    OPT_NEEDS_HESSIAN, newton_tr_run
};
