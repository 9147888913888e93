/* Tsit5 through the integrator registry: one table entry makes it a solver of the tape,
 * checkpoint and backsolve backends.
 *
 *  1. The tape's gradient with tsit5 (fixed steps and adaptive) equals the forward-mode
 *     derivative of the same discrete computation (ddtest.h's tangent-linear system, JVPs
 *     only) to ≤ 1e-12 relative, on freefall-x0 and the nonlinear test model (log10
 *     parameters, running cost, two conditions, observations at t0 and tf).
 *  2. checkpoint with tsit5 gives the tape's gradient (≤ 1e-13) for binomial and uniform
 *     schedules at several budgets.
 *  3. Tape bytes per step: tsit5 is FSAL with 7 stages, so a record keeps x_k and Y_2 … Y_6:
 *     24 + 6·8·n bytes (n states, + 1 with a running cost) — the same as dopri5.
 *  4. Against the closed form of freefall at rtol 1e-10: tape, checkpoint and backsolve with
 *     tsit5 all within 1e-7 relative. */
#include "ddtest.h"
#include "cvtest.h"
#include "registry.h"

static double rel_diff(double a, double b, double scale)
{
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), scale);
}

static void check_tangent(const char *label, const model *m, double rtol, long steps)
{
    double theta[16], u[16];
    model_nominal(m, theta);
    char kv0[32];
    snprintf(kv0, sizeof kv0, "steps=%ld", steps);
    const char *kv[] = {kv0, NULL};
    method_result r;
    const method_status status = ddt_run("tape", m, theta, rtol, "tsit5", 0, kv, &r);
    CHECK(status == METHOD_OK, "%s: %s", label, r.error);
    if (status != METHOD_OK)
        return;
    double gmax = 0.0, worst = 0.0;
    for (int k = 0; k < m->np; k++)
        gmax = fmax(gmax, fabs(r.gradient[k]));
    for (int k = 0; k < m->np; k++) {
        memset(u, 0, sizeof(double) * (size_t)m->np);
        u[k] = 1.0;
        const double d = ddt_tangent(m, theta, u, "tsit5", rtol, steps);
        worst = fmax(worst, rel_diff(r.gradient[k], d, 1e-3 * gmax));
    }
    /* 3. bytes per recorded step */
    const int n = m->nx + (m->running_cost ? 1 : 0);
    const double per_step = check_extra(&r, "tape_bytes_per_step");
    printf("%-12s tsit5 %s: %5ld steps, tape vs tangent %.2e, %.0f tape bytes per step\n",
           label, steps > 0 ? "fixed   " : "adaptive", r.steps_fwd, worst, per_step);
    CHECK(worst <= 1e-12, "%s: tape differs from the tangent computation by %.3e", label,
          worst);
    CHECK(per_step == 24.0 + 6.0 * 8.0 * n, "%s: %.0f tape bytes per step, expected %d", label,
          per_step, 24 + 48 * n);
    method_result_free(&r);
}

static void check_checkpoint(const char *label, const model *m, double rtol)
{
    double theta[16];
    model_nominal(m, theta);
    method_result tr;
    CHECK(ddt_run("tape", m, theta, rtol, "tsit5", 0, NULL, &tr) == METHOD_OK, "%s", tr.error);
    const long K = (long)check_extra(&tr, "tape_steps_max");
    const long budgets[] = {2, 3, 7, K};
    double worst = 0.0;
    for (int sched = 0; sched < 2; sched++)
        for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
            char kv_budget[32];
            snprintf(kv_budget, sizeof kv_budget, "budget=%ld", budgets[b]);
            const char *kv[] = {kv_budget, sched ? "schedule=uniform" : "schedule=binomial",
                                NULL};
            method_result r;
            if (ddt_run("checkpoint", m, theta, rtol, "tsit5", 0, kv, &r) != METHOD_OK) {
                CHECK(0, "%s budget %ld: %s", label, budgets[b], r.error);
                continue;
            }
            worst = fmax(worst, check_rel_diff_vec(r.gradient, tr.gradient, m->np));
            CHECK(r.steps_bwd == tr.steps_bwd, "%s: %ld backward steps, tape %ld", label,
                  r.steps_bwd, tr.steps_bwd);
            method_result_free(&r);
        }
    printf("%-12s tsit5 checkpoint (budgets 2, 3, 7, %ld; both schedules): worst rel. diff to "
           "tape %.1e\n", label, K, worst);
    CHECK(worst <= 1e-13, "%s: checkpoint differs from tape by %.3e", label, worst);
    method_result_free(&tr);
}

static void check_closed_form(const char *backend)
{
    model *m = check_model_create("freefall");
    double theta[2], ref[2];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, ref, NULL);
    method_result r;
    const method_status status = cvtest_run(backend, m, theta, 1e-10, 1e-12, "tsit5", NULL, &r);
    CHECK(status == METHOD_OK, "%s with tsit5: %s", backend, r.error);
    if (status == METHOD_OK) {
        const double e = cvtest_relerr(r.gradient, ref, m->np);
        printf("freefall     tsit5 %-10s rtol 1e-10: relative error %.2e (%ld steps)\n",
               backend, e, r.steps_fwd);
        CHECK(e <= 1e-7, "%s with tsit5: error %.3e against the closed form", backend, e);
    }
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    model *ff = check_model_create("freefall-x0");
    check_tangent("freefall-x0", ff, 0, 40);
    check_tangent("freefall-x0", ff, 1e-8, 0);
    model_destroy(ff);
    model *v = ddt_vdp_model();
    check_tangent("vdp-test", v, 0, 50);
    check_tangent("vdp-test", v, 1e-8, 0);
    check_checkpoint("vdp-test", v, 1e-6);
    ddt_free_model(v);
    check_closed_form("tape");
    check_closed_form("checkpoint");
    check_closed_form("backsolve");
    return check_finish("methods/test_tsit5");
}
