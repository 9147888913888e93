/* backsolve — the report's Algorithm 1.
 *  - freefall, 100 observations: the gradient matches the closed form to 1e-7 at rtol 1e-10
 *    with CVODES BDF (default), Adams and our dopri5, with and without re-anchoring;
 *  - the reconstruction error detects a bad reconstruction: with strong drag the reverse-time
 *    state is amplified by e^{μT}; the diagnostic grows with μ together with the gradient
 *    error, flags μ = 5 (error tens of percent) by orders of magnitude, and re-anchoring cures
 *    both;
 *  - Robertson (stiff): the reverse-time state blows up, and the failure reaches the user as
 *    one line naming backend, pass, time and flag — no gradient is passed off as good;
 *  - the bytes held do not depend on the number of steps;
 *  - a backward step limit gives a clear error. */
#include "cvtest.h"
#include "registry.h"

static method_status bs(const model *m, const double *theta, double rtol, const char *solver,
                        const char *reanchor, const char *max_steps_b, method_result *r)
{
    method_options o = check_options(rtol, rtol);
    o.solver = solver;
    o.key[0] = "reanchor";
    o.value[0] = reanchor;
    o.nkv = 1;
    if (max_steps_b) {
        o.key[1] = "max_steps_b";
        o.value[1] = max_steps_b;
        o.nkv = 2;
    }
    return check_run("backsolve", m, theta, &o, NULL, r);
}

static void accuracy(const char *name)
{
    model *m = check_model_create(name);
    double theta[4], ref[4];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, ref, NULL);
    const char *solvers[] = {"bdf", "adams", "dopri5"};
    const char *anchors[] = {"off", "on"};
    for (int s = 0; s < 3; s++)
        for (int a = 0; a < 2; a++) {
            method_result r;
            method_status st = bs(m, theta, 1e-10, solvers[s], anchors[a], NULL, &r);
            CHECK(st == METHOD_OK, "%s: %s", name, r.error);
            if (st != METHOD_OK)
                continue;
            double e = cvtest_relerr(r.gradient, ref, m->np);
            printf("%-11s %-6s reanchor %-3s error %.2e  reconstruction %.2e (%.3g tol)  "
                   "steps %ld/%ld  bwd rhs %ld vjp %ld second %ld  bytes %zu\n", name,
                   solvers[s], anchors[a], e,
                   check_extra(&r, "reconstruction_error"),
                   check_extra(&r, "reconstruction_error_scaled"), r.steps_fwd, r.steps_bwd,
                   r.bwd.rhs, r.bwd.vjp, r.bwd.second, r.peak_bytes);
            CHECK(e <= 1e-7, "%s %s reanchor %s: error %.3e > 1e-7", name,
                  solvers[s], anchors[a], e);
            CHECK(r.bwd.rhs > 0 && r.bwd.vjp > 0 && r.steps_bwd > 0,
                  "backward pass not counted");
            method_result_free(&r);
        }
    model_destroy(m);
}

static void reconstruction_diagnostic(void)
{
    model *m = check_model_create("freefall");
    const double mus[] = {0.3, 1.0, 2.0, 3.0, 5.0};
    double previous = 0.0, scaled_at[5], error_at[5];
    for (int i = 0; i < 5; i++) {
        double theta[2] = {9.81, mus[i]}, ref[2];
        m->exact(m, theta, NULL, ref, NULL);
        method_result r;
        method_status st = bs(m, theta, 1e-10, NULL, "off", NULL, &r);
        CHECK(st == METHOD_OK, "mu %g: %s", mus[i], r.error);
        if (st != METHOD_OK)
            return;
        scaled_at[i] = check_extra(&r, "reconstruction_error_scaled");
        error_at[i] = cvtest_relerr(r.gradient, ref, 2);
        printf("freefall mu = %.1f: gradient error %.2e, reconstruction error %.2e (%.3g "
               "tolerances)\n", mus[i], error_at[i], check_extra(&r, "reconstruction_error"),
               scaled_at[i]);
        CHECK(scaled_at[i] > previous, "reconstruction error not growing with mu");
        previous = scaled_at[i];
        method_result_free(&r);
    }
    /* good at the nominal point, visibly bad where the gradient is bad */
    CHECK(scaled_at[0] < 1e3 && error_at[0] < 1e-7, "nominal: %.3g tol, error %.2e",
          scaled_at[0], error_at[0]);
    CHECK(error_at[4] > 1e-2 && scaled_at[4] > 1e6 * scaled_at[0],
          "mu = 5: gradient error %.2e with reconstruction %.3g tolerances", error_at[4],
          scaled_at[4]);
    /* re-anchoring at the observations removes both */
    double theta[2] = {9.81, 5.0}, ref[2];
    m->exact(m, theta, NULL, ref, NULL);
    method_result r;
    if (bs(m, theta, 1e-10, NULL, "on", NULL, &r) == METHOD_OK) {
        double e = cvtest_relerr(r.gradient, ref, 2);
        double sc = check_extra(&r, "reconstruction_error_scaled");
        printf("freefall mu = 5.0 re-anchored: gradient error %.2e, reconstruction %.3g "
               "tolerances\n", e, sc);
        CHECK(e <= 1e-7 && sc < 1e2, "re-anchored: error %.2e, %.3g tolerances", e, sc);
    } else {
        CHECK(0, "re-anchored run failed: %s", r.error);
    }
    method_result_free(&r);
    model_destroy(m);
}

static void stiff_failure(void)
{
    model *m = check_model_create("robertson");
    double theta[3];
    model_nominal(m, theta);
    const char *anchors[] = {"off", "on"};
    for (int a = 0; a < 2; a++) {
        method_result r;
        method_status st = bs(m, theta, 1e-8, NULL, anchors[a], NULL, &r);
        printf("robertson reanchor %s: %s\n", anchors[a], r.error);
        CHECK(st == METHOD_ESOLVER, "robertson: status %d (%s)", (int)st, r.error);
        const char *prefix = "backsolve: backward integration failed at t = ";
        CHECK(strncmp(r.error, prefix, strlen(prefix)) == 0, "message: %s", r.error);
        double t = strtod(r.error + strlen(prefix), NULL);
        CHECK(t > 0 && t <= 4e4, "time reached %g", t);
        CHECK(strstr(r.error, "(CV_") != NULL, "no CVODES flag named: %s", r.error);
        method_result_free(&r);
    }
    model_destroy(m);
}

static void bytes_independent_of_steps(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    const char *solvers[] = {"bdf", "dopri5"};
    for (int s = 0; s < 2; s++) {
        method_result loose, tight;
        bs(m, theta, 1e-5, solvers[s], "off", NULL, &loose);
        bs(m, theta, 1e-11, solvers[s], "off", NULL, &tight);
        printf("%-6s steps %ld/%ld -> %ld/%ld, bytes %zu -> %zu\n",
               solvers[s], loose.steps_fwd, loose.steps_bwd,
               tight.steps_fwd, tight.steps_bwd, loose.peak_bytes, tight.peak_bytes);
        CHECK(tight.steps_bwd > 2 * loose.steps_bwd, "steps did not grow");
        CHECK(tight.peak_bytes == loose.peak_bytes && loose.peak_bytes > 0,
              "bytes %zu vs %zu", loose.peak_bytes, tight.peak_bytes);
        method_result_free(&loose);
        method_result_free(&tight);
    }
    model_destroy(m);
}

static void backward_limit(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    const char *solvers[] = {"bdf", "dopri5"};
    for (int s = 0; s < 2; s++) {
        method_result r;
        method_status st = bs(m, theta, 1e-10, solvers[s], "off", "1", &r);
        printf("expected failure: %s\n", r.error);
        CHECK(st == METHOD_ESOLVER, "status %d", (int)st);
        CHECK(strncmp(r.error, "backsolve: backward integration failed at t = ", 46) == 0,
              "message: %s", r.error);
        CHECK(strstr(r.error,
                     strcmp(solvers[s], "bdf") ? "(STEP_EMAXSTEPS)" : "(CV_TOO_MUCH_WORK)"),
              "flag not named: %s", r.error);
        method_result_free(&r);
    }
    model_destroy(m);
}

int main(void)
{
    accuracy("freefall");
    accuracy("freefall-x0");
    reconstruction_diagnostic();
    stiff_failure();
    bytes_independent_of_steps();
    backward_limit();
    return check_finish("methods/test_backsolve");
}
