/* fdhess — central differences of adjoint gradients: close to the closed form (freefall) and
 * to the second-order adjoint (jakstat) with the default step, and in each case the error
 * grows, as the theory says, when the step is far too small (solver noise ε/h) or far too
 * large (truncation h²); its H·v; the symmetrisation; one-sided differences at θ on a
 * bound; and its cost in gradient runs. */
#include "hesstest.h"
#include "registry.h"

static double fd_error(const model *m, const double *theta, const char *step, const double *ref,
                       double rtol, double *asym, long *runs_steps)
{
    char opt[64];
    snprintf(opt, sizeof opt, "step=%s", step);
    const char *kv[] = {opt, NULL};
    method_result r;
    method_status st = hesstest_run("fdhess", m, theta, WANT_HESSIAN, NULL, rtol, rtol * 1e-2,
                                    strcmp(step, "default") ? kv : NULL, &r);
    CHECK(st == METHOD_OK, "%s step %s: %s", m->name, step, r.error);
    double e = NAN;
    if (st == METHOD_OK) {
        const int np = m->np;
        e = cvtest_scaled_err(r.hessian, ref, np * np);
        if (asym)
            *asym = check_extra(&r, "hessian_asymmetry");
        if (runs_steps)
            *runs_steps = r.steps_bwd;
        CHECK(hesstest_asymmetry(r.hessian, np) == 0.0, "fdhess result not symmetrised");
        printf("%-9s step %-8s rtol %g: error %.2e of the scale (asymmetry before "
               "symmetrising %.1e, %.3f s)\n", m->name, step, rtol, e,
               check_extra(&r, "hessian_asymmetry"), r.wall_seconds);
    }
    method_result_free(&r);
    return e;
}

int main(void)
{
    model *m = check_model_create("freefall");
    double theta[2], L, g[2], H[4];
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    const double e_default = fd_error(m, theta, "default", H, 1e-10, NULL, NULL);
    const double e_tiny = fd_error(m, theta, "1e-9", H, 1e-10, NULL, NULL);
    const double e_huge = fd_error(m, theta, "0.1", H, 1e-10, NULL, NULL);
    CHECK(e_default <= 1e-5, "freefall default step: %.3e", e_default);
    CHECK(e_tiny > 10 * e_default && e_huge > 10 * e_default,
          "step too small %.3e / too large %.3e not worse than default %.3e", e_tiny,
          e_huge, e_default);
    /* H·v: three gradient runs */
    const double v[2] = {0.7, -1.3};
    double hv[2];
    hesstest_matvec(H, v, 2, hv);
    method_result r;
    method_status st = hesstest_run("fdhess", m, theta, WANT_HVP, v, 1e-10, 1e-12, NULL, &r);
    CHECK(st == METHOD_OK, "fdhess H*v: %s", r.error);
    if (st == METHOD_OK) {
        const double e = cvtest_scaled_err(r.hvp, hv, 2);
        printf("freefall  H*v error %.2e; gradient error %.1e\n", e,
               cvtest_relerr(r.gradient, g, 2));
        CHECK(e <= 1e-5, "fdhess H*v error %.3e", e);
        CHECK(cvtest_relerr(r.gradient, g, 2) <= 1e-7, "fdhess gradient");
    }
    method_result_free(&r);

    /* θ on a bound (fits and profiles end there): the columns of the parameters at their
     * upper and lower bounds use one-sided differences on the inside; the closed form holds,
     * and no gradient was asked for outside the bounds (that run would fail: exit 2) */
    for (int side = 0; side < 2; side++) {
        double tb[2] = {theta[0], theta[1]}, Hb[4], gb[2];
        tb[side] = side ? m->params[side].lower : m->params[side].upper;
        m->exact(m, tb, &L, gb, Hb);
        const double e_bound = fd_error(m, tb, "default", Hb, 1e-10, NULL, NULL);
        CHECK(e_bound <= 1e-5, "freefall with %s on its %s bound: error %.3e",
              m->params[side].name, side ? "lower" : "upper", e_bound);
    }
    model_destroy(m);

    /* jakstat: against the second-order adjoint at tight tolerance */
    m = check_model_create("jakstat");
    double th[17];
    model_nominal(m, th);
    method_result ref;
    st = hesstest_run("soadjoint", m, th, WANT_HESSIAN, NULL, 1e-11, 1e-13, NULL, &ref);
    CHECK(st == METHOD_OK, "jakstat soadjoint: %s", ref.error);
    if (st == METHOD_OK) {
        double asym = 0;
        long steps = 0;
        const double e = fd_error(m, th, "default", ref.hessian, 1e-10, &asym, &steps);
        const double e_loose = fd_error(m, th, "default", ref.hessian, 1e-6, NULL, NULL);
        CHECK(e <= 1e-4, "jakstat fdhess vs soadjoint %.3e", e);
        CHECK(e_loose > e, "a looser solver tolerance did not make fdhess worse");
    }
    method_result_free(&ref);
    model_destroy(m);
    return check_finish("methods/test_fdhess");
}
