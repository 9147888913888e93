/* The tape backend.
 *
 *  1. Exactness: for every integrator (euler, rk4, dopri5 fixed and adaptive, rosenbrock
 *     fixed and adaptive) each gradient entry equals the forward-mode derivative of the SAME
 *     discrete computation (ddtest.h: tangent-linear system on the same grid, JVPs only) to
 *     ≤ 1e-12 relative — on freefall, freefall-x0 (θ-dependent x0), the nonlinear test model
 *     (log10 parameters, running cost, two conditions, σ a parameter, missing data,
 *     observations at t0 and tf) and the stiff robertson-asa (running cost) with rosenbrock.
 *  2. Convergence to the closed-form free-fall gradient as the tolerance / step shrinks.
 *  3. Bytes: exactly linear in the number of steps, within (stages+1)·n·8 + 64 per step.
 *  4. A memory cap that the tape would pass: a one-line error, before allocating. */
#include "ddtest.h"
#include "registry.h"

static double rel_diff(double a, double b, double scale)
{
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), scale);
}

/* every gradient entry against the tangent computation */
static void check_exact(const char *label, const model *m, const char *solver, double rtol,
                        long steps)
{
    double theta[64], u[64];
    model_nominal(m, theta);
    char kv0[32];
    snprintf(kv0, sizeof kv0, "steps=%ld", steps);
    const char *kv[] = {kv0, NULL};
    method_result r;
    const method_status status = ddt_run("tape", m, theta, rtol, solver, 0, kv, &r);
    CHECK(status == METHOD_OK, "%s %s: %s", label, solver, r.error);
    if (status != METHOD_OK)
        return;
    double gmax = 0.0;
    for (int k = 0; k < m->np; k++)
        gmax = fmax(gmax, fabs(r.gradient[k]));
    double worst = 0.0;
    for (int k = 0; k < m->np; k++) {
        memset(u, 0, sizeof(double) * (size_t)m->np);
        u[k] = 1.0;
        const double d = ddt_tangent(m, theta, u, solver, rtol, steps);
        worst = fmax(worst, rel_diff(r.gradient[k], d, 1e-3 * gmax));
    }
    printf("%-12s %-10s %s: %5ld steps, tape vs tangent worst rel. diff %.2e\n", label, solver,
           steps > 0 ? "fixed   " : "adaptive", r.steps_fwd, worst);
    CHECK(worst <= 1e-12, "%s %s: tape differs from the tangent computation by %.3e",
              label, solver, worst);
    method_result_free(&r);
}

static void exactness(void)
{
    const char *names[] = {"freefall", "freefall-x0"};
    for (int k = 0; k < 2; k++) {
        model *m = check_model_create(names[k]);
        check_exact(names[k], m, "euler", 0, 300);
        check_exact(names[k], m, "rk4", 0, 100);
        check_exact(names[k], m, "dopri5", 0, 40);
        check_exact(names[k], m, "dopri5", 1e-7, 0);
        check_exact(names[k], m, "rosenbrock", 0, 60);
        check_exact(names[k], m, "rosenbrock", 1e-6, 0);
        model_destroy(m);
    }
    model *v = ddt_vdp_model();
    check_exact("vdp-test", v, "euler", 0, 400);
    check_exact("vdp-test", v, "rk4", 0, 80);
    check_exact("vdp-test", v, "dopri5", 0, 50);
    check_exact("vdp-test", v, "dopri5", 1e-8, 0);
    check_exact("vdp-test", v, "rosenbrock", 0, 100);
    check_exact("vdp-test", v, "rosenbrock", 1e-7, 0);
    ddt_free_model(v);
    model *rob = check_model_create("robertson-asa");
    check_exact("robertson-asa", rob, "rosenbrock", 1e-5, 0);
    model_destroy(rob);
}

/* the closed-form gradient, approached as the tolerance tightens */
static void convergence(void)
{
    model *m = check_model_create("freefall");
    double theta[2], exact[2];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, exact, NULL);
    const char *solvers[2] = {"dopri5", "rosenbrock"};
    for (int s = 0; s < 2; s++) {
        double prev = INFINITY;
        for (double rtol = 1e-4; rtol >= 1e-10; rtol *= 1e-2) {
            method_result r;
            ddt_run("tape", m, theta, rtol, solvers[s], 0, NULL, &r);
            const double err = fmax(rel_diff(r.gradient[0], exact[0], 0),
                                    rel_diff(r.gradient[1], exact[1], 0));
            printf("freefall %-10s rtol %.0e: gradient error %.2e\n", solvers[s], rtol, err);
            CHECK(err < prev, "%s: error %.3e did not decrease at rtol %g", solvers[s], err,
                      rtol);
            prev = err;
            method_result_free(&r);
        }
        CHECK(prev < 1e-8, "%s: error %.3e at rtol 1e-10", solvers[s], prev);
    }
    /* fixed-step RK4: the error falls as h⁴ */
    double e[2];
    for (int k = 0; k < 2; k++) {
        const char *kv[] = {k == 0 ? "steps=50" : "steps=100", NULL};
        method_result r;
        ddt_run("tape", m, theta, 0, "rk4", 0, kv, &r);
        e[k] = fmax(rel_diff(r.gradient[0], exact[0], 0), rel_diff(r.gradient[1], exact[1], 0));
        method_result_free(&r);
    }
    printf("freefall rk4 50 -> 100 steps: error %.2e -> %.2e (ratio %.1f, h^4: 16)\n", e[0],
           e[1], e[0] / e[1]);
    CHECK(e[0] / e[1] > 12.0 && e[0] / e[1] < 20.0, "rk4 gradient error ratio %.2f",
              e[0] / e[1]);
    model_destroy(m);
}

/* bytes: peak(K2) − peak(K1) = (K2 − K1)·bytes per step, and the per-step target */
static void bytes(void)
{
    model *m = check_model_create("freefall");
    model *v = ddt_vdp_model();
    double theta[8];
    const char *solvers[4] = {"euler", "rk4", "dopri5", "rosenbrock"};
    const int stages[4] = {1, 4, 7, 4};
    for (int s = 0; s < 4; s++) {
        /* (Rosenbrock's merged grid differs between vdp-test's two conditions, so its
         * largest condition can change with the step count: freefall only) */
        for (int which = 0; which < (s == 3 ? 1 : 2); which++) {
            const model *mm = which ? v : m;
            model_nominal(mm, theta);
            size_t peak[3];
            long steps[3];
            double per_step = 0;
            for (int k = 0; k < 3; k++) {
                char kv0[32];
                snprintf(kv0, sizeof kv0, "steps=%d", 200 << k);
                const char *kv[] = {kv0, NULL};
                method_result r;
                CHECK(ddt_run("tape", mm, theta, 0, solvers[s], 0, kv, &r) == METHOD_OK,
                          "%s", r.error);
                peak[k] = r.peak_bytes;
                steps[k] = (long)check_extra(&r, "tape_steps_max");
                per_step = check_extra(&r, "tape_bytes_per_step");
                method_result_free(&r);
            }
            /* a Rosenbrock grid also holds its merged time grid: 8 more bytes per step */
            const double grid = strcmp(solvers[s], "rosenbrock") == 0 ? 8.0 : 0.0;
            const int n = mm->nx + (mm->running_cost != NULL);
            const double target = (stages[s] + 1) * n * 8.0 + 64.0;
            const int linear =
                (double)(peak[1] - peak[0]) == (steps[1] - steps[0]) * (per_step + grid) &&
                (double)(peak[2] - peak[1]) == (steps[2] - steps[1]) * (per_step + grid);
            printf("%-9s %-10s n = %d: %.0f bytes/step (target <= %.0f), peak %zu/%zu/%zu at "
                   "%ld/%ld/%ld steps: %s\n",
                   mm->name, solvers[s], n, per_step, target, peak[0], peak[1], peak[2],
                   steps[0], steps[1], steps[2], linear ? "exactly linear" : "NOT linear");
            CHECK(linear && per_step <= target, "%s %s: bytes", mm->name, solvers[s]);
        }
    }
    model_destroy(m);
    ddt_free_model(v);
}

static void memory_cap(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_result r;
    /* fixed steps: the tape's size is known, refused before the solve */
    const char *kv[] = {"steps=100000", NULL};
    method_status status = ddt_run("tape", m, theta, 0, "rk4", 200000, kv, &r);
    printf("fixed-step cap: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "memory cap") && r.steps_fwd == 0 &&
                  r.peak_bytes <= 200000,
              "fixed-step tape over the cap: status %d, %ld steps", status, r.steps_fwd);
    method_result_free(&r);
    /* adaptive: refused at the step that would pass it */
    status = ddt_run("tape", m, theta, 1e-12, "dopri5", 12000, NULL, &r);
    printf("adaptive cap: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "would pass the memory cap") &&
                  r.peak_bytes <= 12000,
              "adaptive tape over the cap: status %d, peak %zu", status, r.peak_bytes);
    method_result_free(&r);
    /* too small for anything */
    status = ddt_run("tape", m, theta, 0, "dopri5", 100, NULL, &r);
    printf("tiny cap: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "--mem-cap"), "tiny cap");
    method_result_free(&r);
    /* an unknown solver, conflicting solver options */
    status = ddt_run("tape", m, theta, 0, "bdf", 0, NULL, &r);
    printf("bad solver: %s\n", r.error);
    CHECK(status == METHOD_EINPUT, "solver bdf accepted");
    method_result_free(&r);
    const char *kv2[] = {"solver=rk4", NULL};
    status = ddt_run("tape", m, theta, 0, "dopri5", 0, kv2, &r);
    printf("conflict: %s\n", r.error);
    CHECK(status == METHOD_EINPUT, "conflicting solvers accepted");
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    exactness();
    convergence();
    bytes();
    memory_cap();
    return check_finish("test_tape");
}
