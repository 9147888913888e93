/* Robertson's stiff kinetics: the CVODES adjoint reproduces the gradient SUNDIALS's
 * cvsRoberts_ASAi_dns prints, agrees with forward sensitivities at tight tolerance (running
 * cost and observation loss), and a solver failure in either pass reaches the user as one
 * line naming the backend, the pass, the time reached and the CVODES flag. */
#include "cvtest.h"
#include "registry.h"

/* cvsRoberts_ASAi_dns.out: G = ∫_0^{4e7} y3 dt and dG/dp, computed there at rtol 1e-6 */
static const double printed_G = 3.9983e+07;
static const double printed_dG[3] = {7.6842e+05, -3.0691e+00, 5.1144e-04};

static void run(const char *backend, const model *m, const double *theta, double rtol,
                double atol, const char *const *kv, method_result *r)
{
    method_status st = cvtest_run(backend, m, theta, rtol, atol, NULL, kv, r);
    CHECK(st == METHOD_OK, "%s on %s: %s", backend, m->name, r->error);
    if (st != METHOD_OK)
        exit(check_finish("methods/test_robertson"));
    printf("%-8s %-13s rtol %.0e  L = %.10e  grad = (%.10e, %.10e, %.10e)  steps %ld/%ld\n",
           backend, m->name, rtol, r->loss, r->gradient[0], r->gradient[1], r->gradient[2],
           r->steps_fwd, r->steps_bwd);
}

static void asa_example(void)
{
    model *m = check_model_create("robertson-asa");
    double theta[3];
    model_nominal(m, theta);
    method_result adj, fwd;
    run("adjoint", m, theta, 1e-10, 1e-14, NULL, &adj);
    run("forward", m, theta, 1e-10, 1e-14, NULL, &fwd);
    /* the printed digits: G to all five; the gradient to the accuracy of the example's own
     * run (rtol 1e-6), which differs from the converged value by up to 1e-4 relative */
    CHECK(fabs(adj.loss - printed_G) <= 0.5e3, "G = %.6e, printed %.4e", adj.loss,
          printed_G);
    double e = cvtest_relerr(adj.gradient, printed_dG, 3);
    printf("adjoint vs printed cvsRoberts_ASAi_dns gradient: %.2e relative\n", e);
    CHECK(e <= 2e-4, "dG/dp differs from the printed values by %.2e", e);
    e = cvtest_relerr(adj.gradient, fwd.gradient, 3);
    printf("adjoint vs forward (running cost): %.2e relative\n", e);
    CHECK(e <= 1e-7, "adjoint and forward differ by %.2e", e);
    /* the backward pass runs from tf: no observations, hence no restarts */
    CHECK(adj.steps_bwd > 0 && adj.bwd.vjp > 0, "no backward pass counted");
    method_result_free(&adj);
    method_result_free(&fwd);
    model_destroy(m);
}

static void observation_loss(void)
{
    model *m = check_model_create("robertson");
    double theta[3];
    model_nominal(m, theta);
    method_result adj, fwd, poly;
    const char *kv[] = {"interp=polynomial", "nd=10", NULL};
    run("adjoint", m, theta, 1e-10, 1e-15, NULL, &adj);
    run("adjoint", m, theta, 1e-10, 1e-15, kv, &poly);
    run("forward", m, theta, 1e-10, 1e-15, NULL, &fwd);
    double e = cvtest_relerr(adj.gradient, fwd.gradient, 3);
    double ep = cvtest_relerr(poly.gradient, fwd.gradient, 3);
    printf("adjoint vs forward (6 observations, log10 rates): hermite %.2e, polynomial %.2e\n", e,
           ep);
    CHECK(e <= 1e-7 && ep <= 1e-7, "adjoint and forward differ by %.2e / %.2e", e, ep);
    CHECK(fabs(adj.loss - fwd.loss) <= 1e-8 * fwd.loss, "losses %.15g vs %.15g",
          adj.loss, fwd.loss);
    method_result_free(&adj);
    method_result_free(&poly);
    method_result_free(&fwd);
    model_destroy(m);
}

/* "adjoint: <pass> failed at t = <t> (CV_TOO_MUCH_WORK): ..." with t in (lo, hi] */
static void check_failure(const char *pass, const char *const *kv, long max_steps, double lo,
                          double hi)
{
    model *m = check_model_create("robertson");
    double theta[3];
    model_nominal(m, theta);
    method_options o;
    method_options_init(&o);
    o.max_steps = max_steps;
    method_result r;
    method_status st = check_run("adjoint", m, theta, &o, kv, &r);
    printf("expected failure: %s\n", r.error);
    CHECK(st == METHOD_ESOLVER, "status %d, not a solver error", (int)st);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "adjoint: %s failed at t = ", pass);
    CHECK(strncmp(r.error, prefix, strlen(prefix)) == 0, "message does not start with "
          "'%s': %s", prefix, r.error);
    double t = strtod(r.error + strlen(prefix), NULL);
    CHECK(t > lo && t <= hi, "time reached %g outside (%g, %g]", t, lo, hi);
    CHECK(strstr(r.error, "(CV_TOO_MUCH_WORK)") != NULL, "flag not named: %s", r.error);
    CHECK(strchr(r.error, '\n') == NULL, "message is not one line");
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    asa_example();
    observation_loss();
    const char *bwd_limit[] = {"max_steps_b=100", NULL};
    check_failure("backward integration", bwd_limit, 0, 0.0, 4e4 * (1 - 1e-9));
    check_failure("forward integration", NULL, 10, 0.0, 4e4);
    return check_finish("methods/test_robertson");
}
