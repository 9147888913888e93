/* The checkpoint backend.
 *
 *  1. It computes the tape's gradient: ≤ 1e-13 relative (in practice bitwise) for every
 *     budget from 2 checkpoints to all steps, binomial and uniform, for adaptive and fixed
 *     explicit and Rosenbrock solves, on the nonlinear test model (two conditions, running
 *     cost) and freefall.
 *  2. The forward steps it recomputes equal the schedule's count: Revolve's
 *     p(l, s) = t·l − β(s+1, t−1) for the binomial schedule (several (l, s), up to
 *     l = 10⁴, s = 20: 37976), the uniform schedule's l − (last segment) otherwise; every
 *     step is recorded exactly once.
 *  3. Peak bytes stay within what is held anyway + the budget + one taped segment.
 *  4. A budget too small to run, a schedule over max_recompute, a memory cap too small:
 *     one-line errors, nothing crashes. */
#include "ddtest.h"
#include "revolve.h"
#include "registry.h"

/* every budget from 2 to all steps, both schedules */
static void check_budgets(const char *label, const model *m, const char *solver, double rtol,
                          long steps)
{
    double theta[16];
    model_nominal(m, theta);
    char kv_steps[32];
    snprintf(kv_steps, sizeof kv_steps, "steps=%ld", steps);
    const char *kv_tape[] = {kv_steps, NULL};
    method_result tr;
    CHECK(ddt_run("tape", m, theta, rtol, solver, 0, kv_tape, &tr) == METHOD_OK, "%s",
              tr.error);
    const long K = (long)check_extra(&tr, "tape_steps_max");
    double worst = 0.0;
    long runs = 0, wrong_count = 0, over_bytes = 0;
    double worst_ratio = 0.0;
    for (int sched = 0; sched < 2; sched++)
        for (long s = 2; s <= K; s++) {
            char kv_budget[32];
            snprintf(kv_budget, sizeof kv_budget, "budget=%ld", s);
            const char *kv[] = {kv_steps, kv_budget,
                                sched ? "schedule=uniform" : "schedule=binomial", NULL};
            method_result r;
            if (ddt_run("checkpoint", m, theta, rtol, solver, 0, kv, &r) != METHOD_OK) {
                CHECK(0, "%s %s budget %ld: %s", label, solver, s, r.error);
                continue;
            }
            runs++;
            worst = fmax(worst, check_rel_diff_vec(r.gradient, tr.gradient, m->np));
            worst = fmax(worst, fabs(r.loss - tr.loss) / fabs(tr.loss));
            /* every step recorded once; the advances are the schedule's count */
            const double adv = check_extra(&r, "forward_advances");
            wrong_count += check_extra(&r, "recorded_steps") != (double)tr.steps_fwd ||
                           adv != check_extra(&r, "revolve_p") ||
                           r.steps_bwd != tr.steps_bwd;
            const double bound = check_extra(&r, "fixed_bytes") + check_extra(&r, "budget_bytes") +
                                 check_extra(&r, "segment_bytes");
            over_bytes += (double)r.peak_bytes > bound;
            worst_ratio = fmax(worst_ratio, (double)r.peak_bytes / bound);
            method_result_free(&r);
        }
    printf("%-9s %-10s %s: %4ld steps, %3ld runs (budgets 2..%ld x 2 schedules): worst rel. "
           "diff to tape %.1e, peak/bound <= %.3f\n",
           label, solver, steps > 0 ? "fixed   " : "adaptive", K, runs, K, worst, worst_ratio);
    CHECK(worst <= 1e-13, "%s %s: checkpoint differs from tape by %.3e", label, solver,
              worst);
    CHECK(wrong_count == 0, "%s %s: %ld runs with wrong step counts", label, solver,
              wrong_count);
    CHECK(over_bytes == 0, "%s %s: %ld runs over fixed + budget + segment bytes", label,
              solver, over_bytes);
    method_result_free(&tr);
}

static void equality(void)
{
    model *v = ddt_vdp_model();
    check_budgets("vdp-test", v, "dopri5", 1e-6, 0);
    check_budgets("vdp-test", v, "rk4", 0, 60);
    check_budgets("vdp-test", v, "rosenbrock", 1e-5, 0);
    check_budgets("vdp-test", v, "rosenbrock", 0, 40);
    ddt_free_model(v);
    model *m = check_model_create("freefall-x0");
    check_budgets("freefall", m, "euler", 0, 150);
    check_budgets("freefall", m, "dopri5", 1e-8, 0);
    model_destroy(m);
}

/* recomputation counts against the closed form */
static void revolve_counts(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    const long cases[][2] = {{100, 2}, {100, 5}, {1000, 3}, {1000, 10}, {10000, 20},
                             {10000, 4}, {777, 50}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const long l = cases[k][0], s = cases[k][1];
        char kv0[32], kv1[32];
        snprintf(kv0, sizeof kv0, "steps=%ld", l);
        snprintf(kv1, sizeof kv1, "budget=%ld", s);
        const char *kv[] = {kv0, kv1, NULL};
        method_result r;
        CHECK(ddt_run("checkpoint", m, theta, 0, "rk4", 0, kv, &r) == METHOD_OK, "%s",
                  r.error);
        const double adv = check_extra(&r, "forward_advances");
        printf("l = %5ld, s = %2ld: %7.0f forward steps recomputed, p(l,s) = %7ld (%.3f l), "
               "%ld checkpoints held, forward cost %.3f x\n",
               l, s, adv, revolve_min_advances(l, s), adv / l, r.checkpoints,
               check_extra(&r, "forward_cost_ratio"));
        CHECK(adv == (double)revolve_min_advances(l, s) &&
                      check_extra(&r, "recorded_steps") == (double)l && r.checkpoints <= s,
                  "l = %ld, s = %ld: %.0f advances, p = %ld", l, s, adv,
                  revolve_min_advances(l, s));
        method_result_free(&r);
    }
    CHECK(revolve_min_advances(10000, 20) == 37976, "p(1e4, 20)");
    model_destroy(m);
}

static void errors(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_result r;
    const char *kv1[] = {"steps=1000", "budget_bytes=8", NULL};
    method_status status = ddt_run("checkpoint", m, theta, 0, "rk4", 0, kv1, &r);
    printf("budget_bytes=8: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "holds no checkpoint"),
              "tiny byte budget");
    method_result_free(&r);

    const char *kv2[] = {"steps=100000", "budget=2", "max_recompute=50", NULL};
    status = ddt_run("checkpoint", m, theta, 0, "rk4", 0, kv2, &r);
    printf("budget=2 at 1e5 steps: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "raise the budget") &&
                  r.steps_fwd == 0,
              "over max_recompute");
    method_result_free(&r);

    const char *kv3[] = {"steps=1000", "budget=500", NULL};
    status = ddt_run("checkpoint", m, theta, 0, "rk4", 12000, kv3, &r);
    printf("budget over the cap: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY && strstr(r.error, "memory cap") && r.peak_bytes <= 12000,
              "budget over the memory cap");
    method_result_free(&r);

    /* the same budget fits a larger cap, and then works */
    status = ddt_run("checkpoint", m, theta, 0, "rk4", 40000, kv3, &r);
    CHECK(status == METHOD_OK && r.peak_bytes <= 40000, "budget 500 in 40000 bytes: %s",
              r.error);
    method_result_free(&r);

    status = ddt_run("checkpoint", m, theta, 0, "rk4", 64, kv3, &r);
    printf("tiny cap: %s\n", r.error);
    CHECK(status == METHOD_EMEMORY, "tiny cap");
    method_result_free(&r);

    const char *kv4[] = {"budget=0", NULL};
    status = ddt_run("checkpoint", m, theta, 0, "dopri5", 0, kv4, &r);
    printf("budget=0: %s\n", r.error);
    CHECK(status == METHOD_EINPUT, "budget 0 accepted");
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    equality();
    revolve_counts();
    errors();
    return check_finish("test_checkpoint");
}
