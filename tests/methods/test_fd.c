/* fd — finite differences of the CVODES forward solve against the closed-form free-fall
 * gradient: central to 1e-5, forward to the O(√rtol) its step allows; the step option and
 * the number of solves each scheme makes. */
#include "cvtest.h"
#include "registry.h"

static double fd_error(const model *m, const double *theta, const double *ref,
                       const char *scheme, const char *step, long *solves_steps)
{
    char s1[64], s2[64];
    snprintf(s1, sizeof s1, "scheme=%s", scheme);
    snprintf(s2, sizeof s2, "step=%s", step);
    const char *kv[] = {s1, s2, NULL};
    method_result r;
    method_status st = cvtest_run("fd", m, theta, 1e-10, 1e-10, NULL, kv, &r);
    CHECK(st == METHOD_OK, "fd %s: %s", scheme, r.error);
    double e = st == METHOD_OK ? cvtest_relerr(r.gradient, ref, m->np) : INFINITY;
    printf("%-11s fd %-7s step %-6s (used %.3g): relative error %.2e, rhs %ld, steps %ld\n",
           m->name, scheme, step, check_extra(&r, "relative_step"), e, r.fwd.rhs, r.steps_fwd);
    CHECK(r.bwd.rhs == 0 && r.fwd.jvp == 0, "fd made backward or JVP evaluations");
    if (solves_steps)
        *solves_steps = r.steps_fwd;
    method_result_free(&r);
    return e;
}

int main(void)
{
    const char *names[] = {"freefall", "freefall-x0"};
    for (int n = 0; n < 2; n++) {
        model *m = check_model_create(names[n]);
        double theta[4], ref[4];
        model_nominal(m, theta);
        m->exact(m, theta, NULL, ref, NULL);
        double e = fd_error(m, theta, ref, "central", "0", NULL);
        CHECK(e <= 1e-5, "%s: central fd error %.3e > 1e-5", m->name, e);
        e = fd_error(m, theta, ref, "forward", "0", NULL);
        CHECK(e <= 1e-3, "%s: forward fd error %.3e > 1e-3", m->name, e);
        /* a step far too large is visibly worse: the option is honoured */
        double big = fd_error(m, theta, ref, "central", "0.05", NULL);
        CHECK(big > 10 * 1e-5, "%s: step 0.05 gave error %.3e — option ignored?",
              m->name, big);
        model_destroy(m);
    }
    return check_finish("methods/test_fd");
}
