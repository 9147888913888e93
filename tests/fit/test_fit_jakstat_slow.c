/* test_fit_jakstat_slow — on JAK2/STAT5 from the nominal θ, trust-region reflective and Ipopt with
 * the exact Hessian (second-order adjoint) both end within 1e-4 of the best objective any of
 * the optimisers here finds (newton-tr, the sine-transform comparison, is the third), the
 * issue's "PESTO's best log-likelihood region" check.  The solves use the fit study's
 * tolerances (rtol 1e-8, atol 1e-10, BDF).  About 60 second-order adjoint solves, 25 s of
 * processor time, minutes of wall time on a loaded machine (8 under the sanitizers): named
 * *_slow, so it is labelled "slow" and left out unless the build is configured with
 * -DODEGRAD_SLOW_TESTS=ON (then ctest -L slow).  Measured: trr −73.75643737 in 17 iterations, ipopt −73.75643935 in 19,
 * newton-tr −73.75643927 in 21. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "opt.h"
#include "opt_backend.h"
#include "registry.h"

int main(void)
{
    char err[512] = "";
    model *m = model_create("jakstat", err, sizeof err);
    CHECK(m != NULL, "%s", err);
    if (!m)
        return check_finish("test_fit_jakstat_slow");
    double *theta0 = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta0);
    method_options o;
    method_options_init(&o);
    o.rtol = 1e-8;
    o.atol = 1e-10;
    o.solver = "bdf";
    optb_objective ob;
    if (optb_open(&ob, m, &o, method_find("adjoint"), method_find("soadjoint"), 0, err,
                  sizeof err) != 0) {
        CHECK(0, "%s", err);
        free(theta0);
        model_destroy(m);
        return check_finish("test_fit_jakstat_slow");
    }
    opt_problem P;
    optb_problem(&ob, &P);
    opt_settings s;
    opt_settings_init(&s);
    s.max_iter = 300;
    const char *names[] = {"trr", "ipopt", "newton-tr"};
    double objective[3] = {NAN, NAN, NAN}, best = INFINITY;
    for (int k = 0; k < 3; k++) {
        opt_result r;
        CHECK(opt_run(opt_find(names[k]), &P, theta0, &s, &r, err, sizeof err) == 0, "%s: %s",
              names[k], err);
        if (!r.theta)
            continue;
        printf("%-10s objective %.10f  |gradient| %.3g  %d iterations, %ld Hessians, %ld losses, "
               "%.3g s cpu: %s\n", names[k], r.objective, r.gradient_norm, r.iterations,
               r.n_hessian, r.n_loss, r.cpu_seconds, r.message);
        objective[k] = r.objective;
        if (isfinite(r.objective))
            best = fmin(best, r.objective);
        opt_result_free(&r);
    }
    /* the best the 20-start study of bench/studies/fit.sh found is −73.7564 */
    CHECK(best <= -73.7564 + 1e-3, "the best objective here is %.10f, above the study's -73.7564",
          best);
    for (int k = 0; k < 2; k++)
        CHECK(objective[k] - best <= 1e-4, "%s ends at %.10f, %.3g above the best %.10f",
              names[k], objective[k], objective[k] - best, best);
    optb_close(&ob);
    free(theta0);
    model_destroy(m);
    return check_finish("test_fit_jakstat_slow");
}
