/* soadjoint scheme=interp — the second-order adjoint on our integrators (soainterp.c):
 *   - free fall and the oscillator against their closed-form Hessians, full and H·v, on
 *     Tsit5, Dormand–Prince and Rosenbrock;
 *   - agreement with soforward (second-order forward sensitivities, CVODES) at tight
 *     tolerance on jakstat, rafmekerk (steady-state x0, three conditions), neural-freefall
 *     (82 parameters), sundials-hessian (a running cost) and robertson-asa (stiff: the
 *     stiffness test hands the condition to Rosenbrock, whose iteration matrices carry the
 *     coupling blocks);
 *   - what it counts: no checkpoints, second-order products backward only (and in the
 *     coupling blocks of Rosenbrock's iteration matrix forward), a backward pass
 *     that does not restart at the 100 observations of free fall (its steps within 2× of
 *     the forward's);
 *   - the requests it refuses: an integrator without dense output or error estimate, the
 *     options only the CVODES scheme has, a memory cap below the dense output. */
#include "hesstest.h"
#include "registry.h"

#include <string.h>

static const char *const interp_kv[] = {"scheme=interp", NULL};

static method_status run_interp(const model *m, const double *theta, method_want want,
                                const double *v, double rtol, double atol, const char *solver,
                                method_result *r)
{
    method_options o = check_options(rtol, atol);
    o.want = want;
    o.direction = v;
    o.solver = solver;
    return check_run("soadjoint", m, theta, &o, interp_kv, r);
}

static void check_closed_form(const char *name, const char *solver, double tol)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double theta[4], L, g[4], H[16], hv_exact[4];
    const double v[4] = {0.7, -1.3, 0.4, 2.5};
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    hesstest_matvec(H, v, np, hv_exact);
    method_result r, h;
    const method_status st = run_interp(m, theta, WANT_HESSIAN, NULL, 1e-10, 1e-12, solver, &r);
    const method_status sv = run_interp(m, theta, WANT_HVP, v, 1e-10, 1e-12, solver, &h);
    CHECK(st == METHOD_OK, "%s %s: %s", name, solver, r.error);
    CHECK(sv == METHOD_OK, "%s %s H*v: %s", name, solver, h.error);
    if (st == METHOD_OK && sv == METHOD_OK) {
        const double eh = hesstest_entry_err(r.hessian, H, np * np, 1e-6);
        const double eg = cvtest_relerr(r.gradient, g, np);
        const double ev = cvtest_relerr(h.hvp, hv_exact, np);
        printf("%-10s %-10s Hessian %.2e  gradient %.2e  H*v %.2e  steps %ld/%ld  second %ld\n",
               name, solver, eh, eg, ev, r.steps_fwd, r.steps_bwd, r.bwd.second);
        CHECK(eh <= tol, "%s %s: Hessian entrywise error %.3e > %.0e", name, solver, eh, tol);
        CHECK(eg <= tol, "%s %s: gradient error %.3e", name, solver, eg);
        CHECK(ev <= tol, "%s %s: H*v error %.3e", name, solver, ev);
        CHECK(check_rel_diff(r.loss, L) <= 1e-8, "%s %s: loss %.15g vs %.15g", name, solver,
              r.loss, L);
        /* second-order products backward; forward only in Rosenbrock's coupling blocks */
        const int rosenbrock = strcmp(solver, "rosenbrock") == 0;
        CHECK(r.checkpoints == 0 && (rosenbrock || r.fwd.second == 0) && r.bwd.second > 0 &&
                  r.peak_bytes > 0,
              "%s %s: counts checkpoints %ld fwd.second %ld bwd.second %ld", name, solver,
              r.checkpoints, r.fwd.second, r.bwd.second);
        /* one backward pass without restarts: its steps end on the 100 observation times but
         * are not multiplied by them */
        CHECK(rosenbrock || r.steps_bwd <= 2 * r.steps_fwd + 100,
              "%s %s: %ld backward steps against %ld forward", name, solver, r.steps_bwd,
              r.steps_fwd);
    }
    method_result_free(&r);
    method_result_free(&h);
    model_destroy(m);
}

/* scheme=interp against soforward, both at tight tolerance */
static void check_agrees(const char *name, double rtol, double atol, double tol,
                         int expect_switch)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double *theta = calloc((size_t)np, sizeof(double));
    model_nominal(m, theta);
    method_result a, f;
    const method_status sa = run_interp(m, theta, WANT_HESSIAN, NULL, rtol, atol, NULL, &a);
    const method_status sf = hesstest_run("soforward", m, theta, WANT_HESSIAN, NULL, rtol / 10,
                                          atol / 10, NULL, &f);
    CHECK(sa == METHOD_OK, "%s: scheme=interp: %s", name, a.error);
    CHECK(sf == METHOD_OK, "%s: soforward: %s", name, f.error);
    if (sa == METHOD_OK && sf == METHOD_OK) {
        const double eh = cvtest_scaled_err(a.hessian, f.hessian, np * np);
        const double eg = cvtest_scaled_err(a.gradient, f.gradient, np);
        const double sw = check_extra(&a, "stiff_switches");
        printf("%-16s vs soforward: Hessian %.2e, gradient %.2e of the scale; steps %ld/%ld, "
               "switches to Rosenbrock %g; %.3f s vs %.3f s\n", name, eh, eg, a.steps_fwd,
               a.steps_bwd, sw, a.wall_seconds, f.wall_seconds);
        CHECK(eh <= tol && eg <= tol, "%s: Hessian %.3e, gradient %.3e of the scale > %.0e",
              name, eh, eg, tol);
        CHECK(check_rel_diff(a.loss, f.loss) <= 1e-7, "%s: loss %.15g vs %.15g", name, a.loss,
              f.loss);
        CHECK(expect_switch ? sw >= 1 : sw == 0, "%s: %g switches to Rosenbrock, expected %s",
              name, sw, expect_switch ? "some" : "none");
    }
    method_result_free(&a);
    method_result_free(&f);
    free(theta);
    model_destroy(m);
}

static void check_refused(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_result r;
    method_status st = run_interp(m, theta, WANT_HESSIAN, NULL, 1e-8, 1e-10, "rk4", &r);
    printf("refused: %s\n", r.error);
    CHECK(st == METHOD_EINPUT && strstr(r.error, "rk4") && !strchr(r.error, '\n'),
          "rk4 (no error estimate): status %d, %s", (int)st, r.error);
    method_result_free(&r);

    const char *const cvodes_only[] = {"scheme=interp", "hessian=directional", NULL};
    method_options o = check_options(1e-8, 1e-10);
    o.want = WANT_HESSIAN;
    st = check_run("soadjoint", m, theta, &o, cvodes_only, &r);
    printf("refused: %s\n", r.error);
    CHECK(st == METHOD_EINPUT && strstr(r.error, "hessian") && strstr(r.error, "scheme=cvodes"),
          "hessian=directional with scheme=interp: status %d, %s", (int)st, r.error);
    method_result_free(&r);

    o.mem_cap = 20000;   /* below the dense output of the ~80 forward steps */
    st = check_run("soadjoint", m, theta, &o, interp_kv, &r);
    printf("refused: %s\n", r.error);
    CHECK(st == METHOD_EMEMORY && strstr(r.error, "--mem-cap") && !strchr(r.error, '\n'),
          "a memory cap of 20000 bytes: status %d, %s", (int)st, r.error);
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    check_closed_form("freefall", "tsit5", 1e-7);
    check_closed_form("freefall", "dopri5", 1e-7);
    check_closed_form("freefall", "rosenbrock", 1e-6);
    check_closed_form("oscillator", "tsit5", 1e-7);
    check_closed_form("oscillator", "rosenbrock", 1e-6);
    check_agrees("jakstat", 1e-10, 1e-12, 1e-8, 0);
    check_agrees("rafmekerk", 1e-10, 1e-14, 1e-8, 0);
    check_agrees("neural-freefall", 1e-10, 1e-12, 1e-6, 0);
    check_agrees("sundials-hessian", 1e-10, 1e-12, 1e-6, 0);
    check_agrees("robertson-asa", 1e-10, 1e-12, 1e-5, 1);
    check_refused();
    return check_finish("methods/test_soadjoint_interp");
}
