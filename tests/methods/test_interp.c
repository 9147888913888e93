/* The interpolating continuous adjoint (methods/interp.c).
 *
 *  1. Closed forms: freefall and the oscillator, with dopri5 and tsit5, at rtol 1e-8: within
 *     10·rtol of the exact gradient (relative, largest entry), or within the error of
 *     `forward` at the same tolerance where that is larger (the oscillator: 3e-6).
 *  2. Agreement with `forward` (CVODES sensitivities) at tight tolerance (rtol 1e-10) on
 *     jakstat, rafmekerk and neural-freefall (tsit5) and on the stiff brusselator-3 (the
 *     registry's stiff integrator, Rosenbrock): within 1e-6 of the gradient's scale.
 *  3. Jumps cost no restart: on freefall at rtol 1e-8 and 1e-11 the backward step count
 *     with its 100 observation times is within 2× of the count with the last observation
 *     only.  The observations inside a forward step are transported to its start through the
 *     step's dense output, so the backward steps need not end on each of them (ending a step
 *     on every observation, observations=stop, takes at least one step per interval: 102
 *     against 27 at rtol 1e-8); the gradient stays within 10·rtol of the closed form.
 *  5. budget_bytes: under a budget that forces three or more recomputed segments the gradient
 *     is bit for bit the one without a budget (freefall on dopri5, brusselator-3 on
 *     Rosenbrock, rafmekerk's three conditions on tsit5), the bytes held for checkpoints and
 *     segments stay within the budget, every segment is recomputed exactly once and the
 *     replayed steps are the checkpoint pass's (⌈l/K⌉ − 1)·K plus the l of the segments; a
 *     budget below the least that works is a one-line METHOD_EMEMORY naming budget_bytes.
 *  6. solver=auto on the models hinted stiff: Tsit5 with the stiffness test, Rosenbrock only
 *     when it fires and the stability-limited steps left would pass 10⁴ — jakstat (rtol 1e-8,
 *     and 1e-4 where the test fires but the rest is short) stays on Tsit5 (the same gradient
 *     as --solver tsit5), Robertson switches and returns Rosenbrock's gradient, with the abandoned
 *     Tsit5 steps added to the forward count.
 *  7. Robertson (stiff, Rosenbrock both ways) at rtol 1e-8: against forward at rtol 1e-12, the
 *     gradient is within 10× of forward's own error at 1e-8 with the time column of the
 *     autonomised adjoint's Jacobian (ft=fd), and at least 10× worse without it (ft=off, the
 *     W-method's zero column): the mechanism of the README's stiff-model entry.
 *  4. Bytes: the dense output is (1 + stages)·n doubles + 16 bytes per forward step
 *     (dopri5 on freefall: 144), and a memory cap below it is a one-line METHOD_EMEMORY. */
#include "cvtest.h"
#include "registry.h"

static void check_closed_form(const char *name, const char *solver)
{
    model *m = check_model_create(name);
    double theta[8], ref[8];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, ref, NULL);
    method_result r, f;
    const method_status sf = cvtest_run("forward", m, theta, 1e-8, 1e-10, NULL, NULL, &f);
    const method_status st = cvtest_run("interp", m, theta, 1e-8, 1e-10, solver, NULL, &r);
    CHECK(st == METHOD_OK && sf == METHOD_OK, "%s %s: %s %s", name, solver, r.error, f.error);
    if (st == METHOD_OK && sf == METHOD_OK) {
        const double e = cvtest_relerr(r.gradient, ref, m->np);
        const double ef = cvtest_relerr(f.gradient, ref, m->np);
        printf("%-16s interp %-7s rtol 1e-8: error %.2e against the closed form (forward "
               "%.2e), steps %ld forward, %ld backward\n", name, solver, e, ef, r.steps_fwd,
               r.steps_bwd);
        CHECK(e <= fmax(1e-7, ef), "%s %s: error %.3e > 10 rtol and > forward's %.3e", name,
              solver, e, ef);
    }
    method_result_free(&r);
    method_result_free(&f);
    model_destroy(m);
}

static void check_forward(const char *name, const char *solver)
{
    model *m = check_model_create(name);
    double *theta = calloc((size_t)m->np, sizeof(double));
    model_nominal(m, theta);
    method_result f, r;
    const method_status sf = cvtest_run("forward", m, theta, 1e-10, 1e-12, NULL, NULL, &f);
    const method_status si = cvtest_run("interp", m, theta, 1e-10, 1e-12, solver, NULL, &r);
    CHECK(sf == METHOD_OK && si == METHOD_OK, "%s: forward %s / interp %s", name, f.error,
          r.error);
    if (sf == METHOD_OK && si == METHOD_OK) {
        const double e = cvtest_scaled_err(r.gradient, f.gradient, m->np);
        printf("%-16s interp %-10s rtol 1e-10: %.2e from forward (of the gradient's scale), "
               "steps %ld forward, %ld backward\n", name, solver ? solver : "auto", e,
               r.steps_fwd, r.steps_bwd);
        CHECK(e <= 1e-6, "%s: interp differs from forward by %.3e", name, e);
        CHECK(fabs(r.loss - f.loss) <= 1e-7 * fabs(f.loss), "%s: loss %.15g vs %.15g", name,
              r.loss, f.loss);
    }
    method_result_free(&f);
    method_result_free(&r);
    free(theta);
    model_destroy(m);
}

/* both quadratures of the parameter integral — the backward step's own stages (quad=0, the
 * default on Runge–Kutta) and Gauss–Legendre (quad=3) — agree with forward at rtol 1e-10 on
 * neural-freefall (82 parameters), and the stages cost no extra products: the backward
 * pass makes at most as many products as with Gauss–Legendre less its 3 per step */
static void check_quadratures(void)
{
    model *m = check_model_create("neural-freefall");
    double *theta = calloc((size_t)m->np, sizeof(double));
    model_nominal(m, theta);
    method_result f, st, gl;
    const char *q0[] = {"quad=0", NULL}, *q3[] = {"quad=3", NULL};
    const method_status sf = cvtest_run("forward", m, theta, 1e-10, 1e-12, NULL, NULL, &f);
    const method_status s0 = cvtest_run("interp", m, theta, 1e-10, 1e-12, "tsit5", q0, &st);
    const method_status s3 = cvtest_run("interp", m, theta, 1e-10, 1e-12, "tsit5", q3, &gl);
    CHECK(sf == METHOD_OK && s0 == METHOD_OK && s3 == METHOD_OK, "%s / %s / %s", f.error,
          st.error, gl.error);
    if (sf == METHOD_OK && s0 == METHOD_OK && s3 == METHOD_OK) {
        const double e0 = cvtest_scaled_err(st.gradient, f.gradient, m->np);
        const double e3 = cvtest_scaled_err(gl.gradient, f.gradient, m->np);
        printf("neural-freefall interp rtol 1e-10: stages %.2e (%ld products), Gauss-Legendre "
               "%.2e (%ld products) from forward; %ld backward steps\n", e0, st.bwd.vjp, e3,
               gl.bwd.vjp, st.steps_bwd);
        CHECK(e0 <= 1e-6 && e3 <= 1e-6, "quadratures: %.3e, %.3e", e0, e3);
        CHECK(st.steps_bwd == gl.steps_bwd, "the quadrature moved the backward steps");
        CHECK(st.bwd.vjp <= gl.bwd.vjp - 3 * gl.steps_bwd, "stage quadrature: %ld products",
              st.bwd.vjp);
    }
    method_result_free(&f);
    method_result_free(&st);
    method_result_free(&gl);
    free(theta);
    model_destroy(m);
}

static long backward_steps(const model *m, const double *theta, double rtol, const char *obs)
{
    method_result r;
    const char *opts[] = {obs, NULL};
    const method_status st =
        cvtest_run("interp", m, theta, rtol, rtol / 100, "dopri5", opts, &r);
    CHECK(st == METHOD_OK, "%s: %s", m->name, r.error);
    const long steps = r.steps_bwd;
    if (st == METHOD_OK && m->exact) {
        double ref[2];
        m->exact(m, theta, NULL, ref, NULL);
        const double e = cvtest_relerr(r.gradient, ref, m->np);
        CHECK(e <= 10 * rtol, "%s rtol %g %s: error %.3e against the closed form", m->name,
              rtol, obs, e);
    }
    method_result_free(&r);
    return steps;
}

static void check_jumps(double rtol)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    const long with = backward_steps(m, theta, rtol, "observations=transport");
    const long stop = backward_steps(m, theta, rtol, "observations=stop");
    /* the same model observed at tf only */
    model_condition *c = &m->cond[0];
    const int ntimes = c->ntimes;
    double *times = c->times, *values = c->values;
    c->ntimes = 1;
    c->times = times + (ntimes - 1);
    c->values = values + (size_t)(ntimes - 1) * (size_t)m->ny;
    const long without = backward_steps(m, theta, rtol, "observations=transport");
    c->ntimes = ntimes;
    c->times = times;
    c->values = values;
    printf("freefall interp rtol %g: %ld backward steps with %d observations (%ld ending a "
           "step on each), %ld with the last one only (ratio %.2f)\n", rtol, with, ntimes,
           stop, without, (double)with / without);
    CHECK(with <= 2 * without, "%ld backward steps with the observations, %ld without", with,
          without);
    CHECK(stop >= ntimes - 1, "observations=stop: %ld backward steps for %d intervals", stop,
          ntimes - 1);
    model_destroy(m);
}

static void check_bytes(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_result r;
    method_status st = cvtest_run("interp", m, theta, 1e-8, 1e-10, "dopri5", NULL, &r);
    CHECK(st == METHOD_OK, "%s", r.error);
    const double per = check_extra(&r, "dense_bytes_per_step");
    const double steps = check_extra(&r, "dense_steps_max");
    CHECK(per == 16.0 + 8.0 * 8.0 * m->nx, "%.0f dense bytes per step", per);
    CHECK((double)r.peak_bytes >= per * steps, "peak %zu bytes < %.0f steps x %.0f",
          r.peak_bytes, steps, per);
    const size_t peak = r.peak_bytes;
    method_result_free(&r);
    method_options o = check_options(1e-8, 1e-10);
    o.solver = "dopri5";
    o.mem_cap = peak - 2 * (size_t)per;
    st = check_run("interp", m, theta, &o, NULL, &r);
    printf("freefall interp: %.0f bytes per step, peak %zu; with a cap of %zu: %s\n", per,
           peak, o.mem_cap, r.error);
    CHECK(st == METHOD_EMEMORY && strstr(r.error, "--mem-cap"), "cap: status %d, '%s'", st,
          r.error);
    method_result_free(&r);
    model_destroy(m);
}

static void check_budget(const char *name, const char *solver, double budget, int exact_counts)
{
    model *m = check_model_create(name);
    double *theta = calloc((size_t)m->np, sizeof(double));
    model_nominal(m, theta);
    method_result all, part;
    char opt[64];
    snprintf(opt, sizeof opt, "budget_bytes=%.0f", budget);
    const char *kv[] = {opt, NULL};
    const method_status sa = cvtest_run("interp", m, theta, 1e-8, 1e-10, solver, NULL, &all);
    const method_status sp = cvtest_run("interp", m, theta, 1e-8, 1e-10, solver, kv, &part);
    CHECK(sa == METHOD_OK && sp == METHOD_OK, "%s: %s / %s", name, all.error, part.error);
    if (sa == METHOD_OK && sp == METHOD_OK) {
        const double used = check_extra(&part, "budget_bytes_used");
        const long K = (long)check_extra(&part, "segment_steps");
        const long loads = (long)check_extra(&part, "segments_recomputed");
        const long replayed = (long)check_extra(&part, "steps_recomputed");
        const long l = part.steps_fwd, nseg = (l + K - 1) / K;
        printf("%-14s interp budget %.0f B: %.0f B held, %ld steps in %ld segments of %ld, %ld "
               "recomputed, %ld steps replayed; gradient %s\n", name, budget, used, l, nseg,
               K, loads, replayed,
               memcmp(all.gradient, part.gradient, sizeof(double) * (size_t)m->np) == 0
                   ? "bit for bit the same"
                   : "DIFFERS");
        CHECK(memcmp(all.gradient, part.gradient, sizeof(double) * (size_t)m->np) == 0 &&
                  all.loss == part.loss,
              "%s: the budget changed the gradient", name);
        CHECK(all.steps_bwd == part.steps_bwd && all.steps_fwd == part.steps_fwd,
              "%s: steps moved", name);
        CHECK(used <= budget, "%s: %.0f bytes held under a budget of %.0f", name, used, budget);
        CHECK(nseg >= 3 || !exact_counts, "%s: only %ld segments", name, nseg);
        if (exact_counts)
            CHECK(loads == nseg && replayed == (nseg - 1) * K + l,
                  "%s: %ld segments recomputed (of %ld), %ld steps replayed", name, loads, nseg,
                  replayed);
    }
    method_result_free(&all);
    method_result_free(&part);
    const char *tiny[] = {"budget_bytes=100", NULL};
    const method_status st = cvtest_run("interp", m, theta, 1e-8, 1e-10, solver, tiny, &part);
    CHECK(st == METHOD_EMEMORY && strstr(part.error, "budget_bytes") &&
              !strchr(part.error, '\n'),
          "%s: budget 100: status %d, '%s'", name, st, part.error);
    method_result_free(&part);
    free(theta);
    model_destroy(m);
}

static void check_auto(const char *name, double rtol, int expect_switch)
{
    model *m = check_model_create(name);
    double *theta = calloc((size_t)m->np, sizeof(double));
    model_nominal(m, theta);
    method_result a, x;
    const char *explicit_solver = expect_switch ? "rosenbrock" : "tsit5";
    const method_status sa = cvtest_run("interp", m, theta, rtol, 0, NULL, NULL, &a);
    const method_status sx = cvtest_run("interp", m, theta, rtol, 0, explicit_solver, NULL, &x);
    CHECK(sa == METHOD_OK && sx == METHOD_OK, "%s: %s / %s", name, a.error, x.error);
    if (sa == METHOD_OK && sx == METHOD_OK) {
        const double sw = check_extra(&a, "stiffness_switch");
        const long before = expect_switch ? (long)check_extra(&a, "steps_before_switch") : 0;
        printf("%-10s interp solver=auto rtol %g: switch %.0f, %ld forward steps (%ld of "
               "them Tsit5's before the switch), %ld backward\n", name, rtol, sw, a.steps_fwd,
               before, a.steps_bwd);
        CHECK(sw == expect_switch, "%s: stiffness_switch %.0f", name, sw);
        CHECK(memcmp(a.gradient, x.gradient, sizeof(double) * (size_t)m->np) == 0,
              "%s: auto's gradient is not %s's", name, explicit_solver);
        CHECK(a.steps_fwd == x.steps_fwd + before && a.steps_bwd == x.steps_bwd,
              "%s: steps %ld/%ld vs %ld/%ld", name, a.steps_fwd, a.steps_bwd, x.steps_fwd,
              x.steps_bwd);
    }
    method_result_free(&a);
    method_result_free(&x);
    free(theta);
    model_destroy(m);
}

static void check_time_column(void)
{
    model *m = check_model_create("robertson");
    double theta[3];
    model_nominal(m, theta);
    method_result ref, f, fd, off;
    const char *kfd[] = {"ft=fd", NULL}, *koff[] = {"ft=off", NULL};
    const method_status s0 = cvtest_run("forward", m, theta, 1e-12, 1e-20, NULL, NULL, &ref);
    const method_status s1 = cvtest_run("forward", m, theta, 1e-8, 0, NULL, NULL, &f);
    const method_status s2 = cvtest_run("interp", m, theta, 1e-8, 0, "rosenbrock", kfd, &fd);
    const method_status s3 = cvtest_run("interp", m, theta, 1e-8, 0, "rosenbrock", koff, &off);
    CHECK(s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK && s3 == METHOD_OK,
          "robertson: %s / %s / %s / %s", ref.error, f.error, fd.error, off.error);
    if (s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK && s3 == METHOD_OK) {
        const double ef = cvtest_relerr(f.gradient, ref.gradient, 3);
        const double e1 = cvtest_relerr(fd.gradient, ref.gradient, 3);
        const double e0 = cvtest_relerr(off.gradient, ref.gradient, 3);
        printf("robertson rtol 1e-8: forward %.2e; interp ft=fd %.2e (%ld backward steps), "
               "ft=off %.2e (%ld)\n", ef, e1, fd.steps_bwd, e0, off.steps_bwd);
        CHECK(e1 <= 10 * ef, "ft=fd: %.3e > 10 x forward's %.3e", e1, ef);
        CHECK(e0 >= 10 * e1, "ft=off %.3e is not 10x ft=fd's %.3e", e0, e1);
    }
    method_result_free(&ref);
    method_result_free(&f);
    method_result_free(&fd);
    method_result_free(&off);
    model_destroy(m);
}

int main(void)
{
    check_closed_form("freefall", "dopri5");
    check_closed_form("freefall", "tsit5");
    check_closed_form("oscillator", "dopri5");
    check_closed_form("oscillator", "tsit5");
    check_forward("jakstat", "tsit5");
    check_forward("rafmekerk", "tsit5");
    check_forward("neural-freefall", "tsit5");
    check_forward("brusselator-3", NULL);
    check_quadratures();
    check_jumps(1e-8);
    check_jumps(1e-11);
    check_bytes();
    check_time_column();
    check_auto("jakstat", 1e-8, 0);
    check_auto("jakstat", 1e-4, 0);   /* stiff there, but not enough to pay for Rosenbrock */
    check_auto("robertson", 1e-8, 1);
    check_budget("freefall", "dopri5", 2000, 1);
    check_budget("brusselator-3", "rosenbrock", 20000, 1);
    check_budget("rafmekerk", "tsit5", 6000, 0);
    return check_finish("methods/test_interp");
}
