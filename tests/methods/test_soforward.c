/* soforward — second-order forward sensitivities against the closed-form free-fall Hessian
 * (θ = (g, μ) and θ = (g, μ, y0, v0)), simultaneous and staggered, with the number of
 * sensitivity vectors and of second-order products it must use. */
#include "hesstest.h"
#include "registry.h"

static void check(const char *name, const char *mode)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double theta[4], L, g[4], H[16];
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    char opt[64];
    snprintf(opt, sizeof opt, "mode=%s", mode);
    const char *kv[] = {opt, NULL};
    method_result r;
    method_status st = hesstest_run("soforward", m, theta, WANT_HESSIAN, NULL, 1e-10, 1e-10, kv,
                                    &r);
    CHECK(st == METHOD_OK, "%s %s: %s", name, mode, r.error);
    if (st == METHOD_OK) {
        const double eh = cvtest_relerr(r.hessian, H, np * np);
        const double eg = cvtest_relerr(r.gradient, g, np);
        printf("%-12s %-13s Hessian rel. error %.2e  gradient %.2e  steps %ld  jvp %ld  "
               "second %ld\n", name, mode, eh, eg, r.steps_fwd, r.fwd.jvp, r.fwd.second);
        /* achieved at rtol 1e-10: Hessian 8.0e-11 to 9.2e-11, gradient 6.6e-11 to 8.1e-11 */
        CHECK(eh <= 1e-9, "%s %s: Hessian relative error %.3e > 1e-9", name, mode, eh);
        CHECK(eg <= 8e-10, "%s %s: gradient relative error %.3e", name, mode, eg);
        CHECK(fabs(r.loss - L) <= 1e-8 * fabs(L), "%s %s: loss", name, mode);
        CHECK(hesstest_asymmetry(r.hessian, np) <= 1e-8, "%s %s: asymmetry", name, mode);
        /* np first- and np(np+1)/2 second-order vectors; each sensitivity evaluation makes
         * np J·v products and np(np+1)/2 second-order ones (plus the observations' products,
         * which are not counted by the model layer) */
        const int pairs = np * (np + 1) / 2;
        CHECK(check_extra(&r, "sensitivity_vectors") == np + pairs,
              "%s: %g sensitivity vectors", name, check_extra(&r, "sensitivity_vectors"));
        CHECK(r.fwd.jvp % np == 0 && r.fwd.second == (r.fwd.jvp / np) * pairs,
              "%s %s: jvp %ld second %ld", name, mode, r.fwd.jvp, r.fwd.second);
        CHECK(r.bwd.rhs == 0 && r.bwd.second == 0 && r.steps_bwd == 0,
              "%s: a backward pass was counted", name);
    }
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    check("freefall", "simultaneous");
    check("freefall", "staggered");
    check("freefall-x0", "simultaneous");
    check("freefall-x0", "staggered");
    return check_finish("methods/test_soforward");
}
