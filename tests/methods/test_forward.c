/* forward — CVODES forward sensitivities against the closed-form free-fall gradient (100
 * observations), simultaneous and staggered, with θ = (g, μ) and with the initial state among
 * the parameters (θ = (g, μ, y0, v0)), plus its evaluation accounting. */
#include "cvtest.h"
#include "registry.h"

static void check_model(const char *name, const char *mode)
{
    model *m = check_model_create(name);
    double theta[4], L, ref[4];
    model_nominal(m, theta);
    m->exact(m, theta, &L, ref, NULL);
    char opt[64];
    snprintf(opt, sizeof opt, "mode=%s", mode);
    const char *kv[] = {opt, NULL};
    method_result r;
    method_status st = cvtest_run("forward", m, theta, 1e-10, 1e-10, NULL, kv, &r);
    CHECK(st == METHOD_OK, "%s %s: %s", name, mode, r.error);
    if (st == METHOD_OK) {
        double e = cvtest_relerr(r.gradient, ref, m->np);
        printf("%-12s %-13s loss %.12g (exact %.12g)  gradient relative error %.2e  steps %ld "
               "rhs %ld jvp %ld jac %ld bytes %zu\n", name, mode, r.loss, L, e, r.steps_fwd,
               r.fwd.rhs, r.fwd.jvp, r.fwd.jac, r.peak_bytes);
        /* achieved at rtol 1e-10: gradient 2.2e-10 (freefall), 1.6e-10 (freefall-x0); loss
         * 3.7e-10, 2.4e-10.  The gradient bound (4.5x) catches an 8x loss of accuracy of
         * the sensitivities. */
        CHECK(e <= 1e-9, "%s %s: gradient relative error %.3e > 1e-9", name, mode, e);
        CHECK(fabs(r.loss - L) <= 4e-9 * fabs(L), "%s %s: loss %.15g vs %.15g", name,
              mode, r.loss, L);
        /* one J·v per parameter per sensitivity evaluation, at least one per step */
        CHECK(r.fwd.jvp >= r.steps_fwd * m->np && r.fwd.jvp % m->np == 0,
              "%s %s: %ld JVPs for %ld steps", name, mode, r.fwd.jvp, r.steps_fwd);
        CHECK(r.fwd.rhs > r.steps_fwd && r.fwd.jac > 0 && r.bwd.rhs == 0,
              "%s %s: counts rhs %ld jac %ld bwd %ld", name, mode, r.fwd.rhs, r.fwd.jac,
              r.bwd.rhs);
        CHECK(r.peak_bytes > 0, "no bytes reported");
    }
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    check_model("freefall", "simultaneous");
    check_model("freefall", "staggered");
    check_model("freefall-x0", "simultaneous");
    check_model("freefall-x0", "staggered");
    return check_finish("methods/test_forward");
}
