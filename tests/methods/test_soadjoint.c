/* soadjoint — the second-order adjoint against the closed-form free-fall Hessian (θ = (g, μ),
 * and θ = (g, μ, y0, v0), where the initial-state terms x0_θᵀμ(t0) carry the y0/v0 rows),
 * in every configuration (enlarged and directional full Hessians, block and dense backward
 * linear solvers, Hermite and polynomial interpolation); H·v against H·v of the full Hessian
 * and of the closed form; the gradient that comes out alongside; symmetry of the computed
 * Hessian; what is counted; and the requests it must refuse. */
#include "hesstest.h"
#include "registry.h"

static void check_full(const char *name, const char *const *kv, const char *label)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double theta[4], L, g[4], H[16];
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    method_result r;
    method_status st = hesstest_run("soadjoint", m, theta, WANT_HESSIAN, NULL, 1e-10, 1e-10, kv,
                                    &r);
    CHECK(st == METHOD_OK, "%s %s: %s", name, label, r.error);
    if (st == METHOD_OK) {
        const double eh = cvtest_relerr(r.hessian, H, np * np);
        const double eg = cvtest_relerr(r.gradient, g, np);
        const double asym = hesstest_asymmetry(r.hessian, np);
        printf("%-12s %-34s Hessian rel. error %.2e  gradient %.2e  asymmetry %.1e  steps %ld/%ld"
               "  second %ld  %.3f s\n", name, label, eh, eg, asym, r.steps_fwd, r.steps_bwd,
               r.bwd.second, r.wall_seconds);
        CHECK(eh <= 1e-6, "%s %s: Hessian entrywise relative error %.3e > 1e-6", name,
              label, eh);
        CHECK(eg <= 1e-7, "%s %s: gradient relative error %.3e", name, label, eg);
        CHECK(fabs(r.loss - L) <= 1e-8 * fabs(L), "%s %s: loss %.15g vs %.15g", name,
              label, r.loss, L);
        CHECK(asym <= 1e-8, "%s %s: asymmetry %.3e > 1e-8", name, label, asym);
        CHECK(fabs(check_extra(&r, "hessian_asymmetry") - asym) <= 1e-12,
              "%s %s: reported asymmetry differs", name, label);
        /* the backward pass did second-order work, the forward pass only first-order */
        CHECK(r.bwd.second > 0 && r.fwd.second == 0 && r.fwd.jvp > 0 &&
              r.steps_bwd > 0 && r.checkpoints >= 1 && r.peak_bytes > 0,
              "%s %s: counts bwd.second %ld fwd.second %ld fwd.jvp %ld", name, label,
              r.bwd.second, r.fwd.second, r.fwd.jvp);
    }
    method_result_free(&r);
    model_destroy(m);
}

/* H·v equals the full Hessian times v (and the closed form's), with the gradient alongside */
static void check_hvp(const char *name)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double theta[4], L, g[4], H[16], hv_exact[4], hv_full[4];
    const double v[4] = {0.7, -1.3, 0.4, 2.5};
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    hesstest_matvec(H, v, np, hv_exact);
    method_result full, r;
    method_status st = hesstest_run("soadjoint", m, theta, WANT_HESSIAN, NULL, 1e-10, 1e-10,
                                    NULL, &full);
    CHECK(st == METHOD_OK, "%s full: %s", name, full.error);
    st = hesstest_run("soadjoint", m, theta, WANT_HVP, v, 1e-10, 1e-10, NULL, &r);
    CHECK(st == METHOD_OK, "%s H*v: %s", name, r.error);
    if (st == METHOD_OK && full.hessian) {
        hesstest_matvec(full.hessian, v, np, hv_full);
        const double e_full = cvtest_scaled_err(r.hvp, hv_full, np);
        const double e_exact = cvtest_scaled_err(r.hvp, hv_exact, np);
        printf("%-12s H*v: vs full-Hessian H*v %.2e, vs closed form %.2e (%.3f s vs %.3f s)\n",
               name, e_full, e_exact, r.wall_seconds, full.wall_seconds);
        CHECK(e_full <= 1e-7, "%s: H*v vs full Hessian's %.3e", name, e_full);
        CHECK(e_exact <= 1e-7, "%s: H*v vs closed form %.3e", name, e_exact);
        CHECK(cvtest_relerr(r.gradient, g, np) <= 1e-7, "%s: H*v run's gradient", name);
        CHECK(r.hessian == NULL, "%s: H*v run returned a Hessian", name);
        /* one direction: the backward state is [λ; μ], 2 nx */
        CHECK(check_extra(&r, "backward_states") == 2 * m->nx,
              "%s: H*v backward states %g", name, check_extra(&r, "backward_states"));
    }
    method_result_free(&full);
    method_result_free(&r);
    model_destroy(m);
}

/* what method_run refuses before any work: no direction, a NaN in it, an unknown option */
static void check_refusals(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_result r;
    method_status st = hesstest_run("soadjoint", m, theta, WANT_HVP, NULL, 0, 0, NULL, &r);
    CHECK(st == METHOD_EINPUT && strstr(r.error, "direction"), "no direction: %d %s",
          st, r.error);
    method_result_free(&r);
    const double bad[2] = {1.0, NAN};
    st = hesstest_run("soadjoint", m, theta, WANT_HVP, bad, 0, 0, NULL, &r);
    CHECK(st == METHOD_EINPUT && strstr(r.error, "entry 2"), "NaN direction: %d %s", st,
          r.error);
    method_result_free(&r);
    const char *kv[] = {"hessian=columns", NULL};
    st = hesstest_run("soadjoint", m, theta, WANT_HESSIAN, NULL, 0, 0, kv, &r);
    CHECK(st == METHOD_EINPUT, "bad hessian= value accepted: %s", r.error);
    method_result_free(&r);
    st = hesstest_run("soadjoint", m, theta, WANT_GRADIENT, NULL, 0, 0, NULL, &r);
    CHECK(st == METHOD_EUNSUPPORTED, "a gradient request was accepted");
    method_result_free(&r);
    const double zero[2] = {0.0, 0.0};   /* H·0 = 0 exactly: nothing but the gradient */
    st = hesstest_run("soadjoint", m, theta, WANT_HVP, zero, 1e-8, 1e-8, NULL, &r);
    CHECK(st == METHOD_OK && r.hvp[0] == 0.0 && r.hvp[1] == 0.0, "H*0: %s", r.error);
    method_result_free(&r);
    model_destroy(m);
}

int main(void)
{
    const char *enlarged[] = {"hessian=enlarged", "linsol_b=block", NULL};
    const char *dense[] = {"hessian=enlarged", "linsol_b=dense", NULL};
    const char *directional[] = {"hessian=directional", NULL};
    const char *poly[] = {"interp=polynomial", "nd=20", NULL};
    const char *const names[] = {"freefall", "freefall-x0"};
    for (int i = 0; i < 2; i++) {
        check_full(names[i], enlarged, "enlarged, block LU");
        check_full(names[i], dense, "enlarged, dense LU");
        check_full(names[i], directional, "directional");
        check_full(names[i], poly, "polynomial interp., nd=20");
        check_hvp(names[i]);
    }
    check_refusals();
    return check_finish("methods/test_soadjoint");
}
