/* test_profile_jakstat_slow — on JAK2/STAT5 the two kinds of profile likelihood (fit/profile.h)
 * agree: the optimisation-based profile (a refit of the other 16 parameters at every point)
 * and the integration-based one (the profile path dθ_r/dt = −H_rr⁻¹H_ri with Newton
 * corrections) are computed independently from the same optimum with the second-order
 * adjoint, and their 95 % intervals must end at the same values to within TOL_END (in log10
 * units; the hand-run agreement was 1e-7) — both closed where one is; and at the points the
 * two share (both adapt their steps by the same rule) PL − L̂ agrees to TOL_VALUE·Δ
 * (Δ = 1.92, the 95 % threshold).
 * The parameter is p1 (its interval is closed on both sides); others can be added to
 * `params` (each costs minutes of processor time).
 *
 * The optimum is refitted (trust-region reflective) from the one of
 * bench/studies/hessian-accuracy.spec at the fit studies' tolerances (rtol 1e-8, atol 1e-10,
 * BDF); gtol 1e-4 lies above the gradient's noise at those tolerances.  Several minutes of
 * processor time (each point of an optimisation profile is a fit): named *_slow, so it is
 * labelled "slow" and runs only when configured with -DODEGRAD_SLOW_TESTS=ON
 * (ctest -L slow). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "opt.h"
#include "opt_backend.h"
#include "profile.h"
#include "registry.h"

#define TOL_END 1e-4
#define TOL_VALUE 1e-3

/* bench/studies/hessian-accuracy.spec's jakstat optimum (log10) */
static const double known_optimum[17] = {
    0.60265625015206159, 5.9999999982462997, -0.95492886666106958, -0.011161367657656962,
    2.9999999983811967, -2.8095665731440778, -0.2557163129160076, -0.076544574334533544,
    -0.40731387172393763, -5.4618566530845118, -0.73153606147620787, -0.65412389295781548,
    -0.10866728304858209, 0.01005548541989354, -1.4265014489424099, -1.3487966479954636,
    -1.1600437632754592
};

static void compare(const model *m, int index, const profile_result *opt,
                    const profile_result *integ)
{
    const char *name = m->params[index].name;
    printf("%-4s optimisation [%.8f, %.8f] (%d points, %ld losses, %ld Hessians, %.3g s)\n"
           "     integration  [%.8f, %.8f] (%d points, %ld losses, %ld Hessians, %.3g s)\n",
           name, opt->ci[0], opt->ci[1], opt->n, opt->n_loss, opt->n_hessian, opt->cpu_seconds,
           integ->ci[0], integ->ci[1], integ->n, integ->n_loss, integ->n_hessian,
           integ->cpu_seconds);
    for (int side = 0; side < 2; side++) {
        CHECK(opt->closed[side] == integ->closed[side], "%s side %d: optimisation %s, "
              "integration %s", name, side, opt->closed[side] ? "closed" : "open",
              integ->closed[side] ? "closed" : "open");
        CHECK(fabs(opt->ci[side] - integ->ci[side]) <= TOL_END, "%s side %d: interval ends "
              "%.10g (optimisation) and %.10g (integration) differ by more than %g", name, side,
              opt->ci[side], integ->ci[side], TOL_END);
    }
    /* both kinds start with the same step and adapt it by the same rule from the rises of
     * PL, so where they agree their points fall on the same t: compare the values there */
    int compared = 0;
    for (int a = 0; a < opt->n; a++)
        for (int b = 0; b < integ->n; b++)
            if (fabs(opt->t[a] - integ->t[b]) <= 1e-12 * (1.0 + fabs(opt->t[a]))) {
                compared++;
                CHECK(fabs(opt->value[a] - integ->value[b]) <= TOL_VALUE * PROFILE_THRESHOLD_95,
                      "%s at t = %.8f: PL - L_hat %.8g by optimisation, %.8g by integration",
                      name, opt->t[a], opt->value[a], integ->value[b]);
            }
    printf("     %d common points\n", compared);
    CHECK(compared >= 2, "%s: only %d common points to compare", name, compared);
}

int main(void)
{
    char err[512] = "";
    model *m = model_create("jakstat", err, sizeof err);
    CHECK(m != NULL && m->np == 17, "%s", err);
    if (!m || m->np != 17)
        return check_finish("test_profile_jakstat_slow");
    method_options o;
    method_options_init(&o);
    o.rtol = 1e-8;
    o.atol = 1e-10;
    o.solver = "bdf";
    optb_objective ob;
    if (optb_open(&ob, m, &o, method_find("adjoint"), method_find("soadjoint"), 0, err,
                  sizeof err) != 0) {
        CHECK(0, "%s", err);
        model_destroy(m);
        return check_finish("test_profile_jakstat_slow");
    }
    opt_problem P;
    optb_problem(&ob, &P);
    profile_settings ps;
    profile_settings_init(&ps);
    ps.inner.gtol = 1e-4;
    ps.ci_tol = 1e-7;
    opt_result fit;
    CHECK(opt_run(opt_find("trr"), &P, known_optimum, &ps.inner, &fit, err, sizeof err) == 0,
          "%s", err);
    if (fit.theta) {
        CHECK(opt_exit_converged(fit.exit) && fit.objective < -73.756, "the refit: %.10g (%s)",
              fit.objective, fit.message);
        const int params[] = { 0 };   /* p1 */
        for (size_t j = 0; j < sizeof params / sizeof params[0]; j++) {
            profile_result r[2];
            int ok[2];
            for (int kind = 0; kind < 2; kind++) {
                ok[kind] = profile_compute((profile_kind)kind, &P, fit.theta, fit.objective,
                                           params[j], &ps, &r[kind], err, sizeof err) == 0;
                CHECK(ok[kind], "%s profile of %s: %s", profile_kind_name((profile_kind)kind),
                      m->params[params[j]].name, err);
            }
            if (ok[0] && ok[1])
                compare(m, params[j], &r[0], &r[1]);
            for (int kind = 0; kind < 2; kind++)
                if (ok[kind])
                    profile_result_free(&r[kind]);
        }
        opt_result_free(&fit);
    }
    optb_close(&ob);
    model_destroy(m);
    return check_finish("test_profile_jakstat_slow");
}
