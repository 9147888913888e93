/* test_profile_freefall — profile likelihoods against the closed form.  Free fall's loss is
 * known exactly (model->exact), and y is linear in g, so
 *   - the profile of μ is explicit: for fixed μ the loss is quadratic in g, minimised by one
 *     Newton step ĝ(μ) = g − L_g/L_gg from any g;
 *   - the profile of g is a one-dimensional minimisation over μ, done here by safeguarded
 *     Newton iteration on the closed-form derivatives;
 * and the 95 % interval's ends are the roots of PL − L̂ = Δ, found by bisection.  Both kinds
 * of fit/profile.h (optimisation, integration) must reproduce those ends to 1e-6, on the
 * closed form and through the second-order adjoint backend (the ODE solved at tight
 * tolerances); the integration-based profile must cost fewer loss evaluations. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "opt.h"
#include "opt_backend.h"
#include "profile.h"
#include "registry.h"
#include "exact_objective.h"

#define TRUE_G 9.8
#define TRUE_MU 0.5

/* the closed-form profile of parameter `which` (0: g, 1: μ) at t; *other carries the other
 * parameter's minimiser from call to call (a good start for the next) */
static double closed_profile(const model *m, int which, double t, double *other)
{
    double th[2], L, g[2], H[4];
    if (which == 1) {
        th[0] = *other;
        th[1] = t;
        m->exact(m, th, &L, g, H);
        th[0] -= g[0] / H[0];   /* exact: L is quadratic in g */
        *other = th[0];
        m->exact(m, th, &L, NULL, NULL);
        return L;
    }
    th[0] = t;
    th[1] = *other;
    for (int it = 0; it < 100; it++) {
        m->exact(m, th, &L, g, H);
        double step = H[3] > 0.0 ? -g[1] / H[3] : -0.01 * g[1];
        if (fabs(step) > 0.1)
            step = copysign(0.1, step);
        th[1] += step;
        if (fabs(step) <= 1e-15 * fabs(th[1]))
            break;
    }
    *other = th[1];
    m->exact(m, th, &L, NULL, NULL);
    return L;
}

/* the end of the interval of `which` on side dir (±1): scan out, then bisect */
static double closed_end(const model *m, int which, int dir, const double *hat)
{
    const double width = m->params[which].upper - m->params[which].lower;
    double other = hat[1 - which], inside = hat[which], outside = hat[which];
    for (;;) {
        outside += dir * 1e-3 * width;
        if (closed_profile(m, which, outside, &other) > PROFILE_THRESHOLD_95)
            break;
        inside = outside;
    }
    for (int it = 0; it < 200 && fabs(outside - inside) > 1e-14 * fabs(inside); it++) {
        const double mid = 0.5 * (inside + outside);
        double o = hat[1 - which];
        if (closed_profile(m, which, mid, &o) > PROFILE_THRESHOLD_95)
            outside = mid;
        else
            inside = mid;
    }
    return 0.5 * (inside + outside);
}

/* gtol: the corrector's and inner fits' gradient tolerance — 1e-10 on the closed form; through
 * the ODE backends at rtol 1e-11 the adjoint gradient itself is accurate to ~1e-9 near the
 * interval ends, so a tolerance below that cannot be met */
static void check_profiles(const char *what, const opt_problem *P, const model *m,
                           const double *hat, double L_hat, double ends[2][2], double gtol)
{
    profile_settings ps;
    profile_settings_init(&ps);
    ps.inner.gtol = gtol;
    long losses[2] = {0, 0};
    for (int kind = 0; kind < 2; kind++)
        for (int which = 0; which < 2; which++) {
            profile_result r;
            char err[256] = "";
            const int ok = profile_compute((profile_kind)kind, P, hat, L_hat, which, &ps, &r, err,
                                           sizeof err) == 0;
            CHECK(ok, "%s, %s profile of %s: %s", what, profile_kind_name((profile_kind)kind),
                  m->params[which].name, err);
            if (!ok)
                continue;
            for (int side = 0; side < 2; side++)
                CHECK(r.closed[side] && fabs(r.ci[side] - ends[which][side]) <= 1e-6,
                      "%s, %s profile of %s: interval end %d is %.12g, the closed form's %.12g",
                      what, profile_kind_name((profile_kind)kind), m->params[which].name, side,
                      r.ci[side], ends[which][side]);
            CHECK(r.n >= 3 && r.n_hessian > 0 && r.cpu_seconds >= 0.0, "%s: %d points, %ld "
                  "Hessians", what, r.n, r.n_hessian);
            losses[kind] += r.n_loss;
            profile_result_free(&r);
        }
    CHECK(losses[1] < losses[0], "%s: integration used %ld loss evaluations, optimisation %ld",
          what, losses[1], losses[0]);
}

int main(void)
{
    char err[512] = "";
    model *m = model_create("freefall", err, sizeof err);
    CHECK(m != NULL, "%s", err);
    if (!m)
        return check_finish("test_profile_freefall");
    const double hat[2] = {TRUE_G, TRUE_MU};
    double ends[2][2];
    for (int which = 0; which < 2; which++)
        for (int side = 0; side < 2; side++)
            ends[which][side] = closed_end(m, which, side ? 1 : -1, hat);
    double lower[2], upper[2], L_hat;
    for (int i = 0; i < 2; i++) {
        lower[i] = m->params[i].lower;
        upper[i] = m->params[i].upper;
    }
    m->exact(m, hat, &L_hat, NULL, NULL);
    CHECK(L_hat < 1e-20, "the data are exact: L at the generating values is %g", L_hat);
    printf("closed form: g in [%.12g, %.12g], mu in [%.12g, %.12g]\n", ends[0][0], ends[0][1],
           ends[1][0], ends[1][1]);

    opt_problem oracle;
    memset(&oracle, 0, sizeof oracle);
    oracle.np = 2;
    oracle.lower = lower;
    oracle.upper = upper;
    oracle.user = m;
    oracle.loss = exact_loss;
    oracle.gradient = exact_gradient;
    oracle.hessian = exact_hessian;
    check_profiles("closed form", &oracle, m, hat, L_hat, ends, 1e-10);

    /* through the backends: the ODE at tight tolerances, the optimum refitted on it */
    method_options o;
    method_options_init(&o);
    o.rtol = 1e-11;
    o.atol = 1e-11;
    optb_objective ob;
    if (optb_open(&ob, m, &o, method_find("adjoint"), method_find("soadjoint"), 0, err,
                  sizeof err) != 0) {
        CHECK(0, "%s", err);
    } else {
        opt_problem P;
        optb_problem(&ob, &P);
        opt_settings s;
        opt_settings_init(&s);
        s.gtol = 1e-10;
        opt_result fit;
        CHECK(opt_run(opt_find("trr"), &P, hat, &s, &fit, err, sizeof err) == 0, "%s", err);
        if (fit.theta) {
            check_profiles("soadjoint", &P, m, fit.theta, fit.objective, ends, 1e-8);
            opt_result_free(&fit);
        }
        optb_close(&ob);
    }
    model_destroy(m);
    return check_finish("test_profile_freefall");
}
