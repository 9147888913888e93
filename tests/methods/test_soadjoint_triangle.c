/* soadjoint's full Hessian with only the rows i <= j of each column's quadrature integrated
 * (hessian_quadratures=triangle, the default; cvsoadj.h, cv_adjoint_second_order_symmetric)
 * against the same pass with every entry integrated (full) and against soforward, at tight
 * tolerance, on jakstat (nominal θ and fit start 12 of results/fit-jakstat.csv, a point the
 * fits reached) and rafmekerk (nominal, three conditions, steady-state initial state).  A wrong
 * offset in the packed quadratures, or a mirror taken from the wrong column, moves entries by
 * O(1) of the scale; the two layouts differ only by the integrator's error (the error test sees
 * fewer quadratures).  The triangle's Hessian is symmetric by construction; the full one's
 * measured asymmetry stays a check on the run. */
#include "hesstest.h"
#include "registry.h"

static const double jakstat_fit_start12[17] = {
    1.3885884397228132,  -0.99921514207945616, -0.38304593309837376, 4.7482487954061359,
    0.57912224563209636, -3.0055858091394438,  -0.27117512718218584, -0.068287978358482881,
    -0.42635273417132735, -2.5264589357312772, -0.86146236185143144, -3.2828677105741599,
    -0.20586787721885458, -0.072212675484834898, -1.2607255213722164, -0.88403474956110717,
    -1.1809434715163509};

static void compare(const char *name, const double *theta_or_null, double rtol, double atol)
{
    model *m = check_model_create(name);
    const int np = m->np;
    double theta[64];
    if (theta_or_null)
        for (int i = 0; i < np; i++)
            theta[i] = theta_or_null[i];
    else
        model_nominal(m, theta);
    const char *tri_kv[] = {"hessian_quadratures=triangle", NULL};
    const char *full_kv[] = {"hessian_quadratures=full", NULL};
    method_result tri, full, fwd;
    method_options o = check_options(rtol, atol);
    o.want = WANT_HESSIAN;
    o.max_steps = 100000;
    o.allow_outside_bounds = 1;
    const method_status st = check_run("soadjoint", m, theta, &o, tri_kv, &tri);
    const method_status sf = check_run("soadjoint", m, theta, &o, full_kv, &full);
    const method_status so = check_run("soforward", m, theta, &o, NULL, &fwd);
    CHECK(st == METHOD_OK, "%s: triangle: %s", name, tri.error);
    CHECK(sf == METHOD_OK, "%s: full: %s", name, full.error);
    CHECK(so == METHOD_OK, "%s: soforward: %s", name, fwd.error);
    if (st == METHOD_OK && sf == METHOD_OK && so == METHOD_OK) {
        const double tf = cvtest_scaled_err(tri.hessian, full.hessian, np * np);
        const double to = cvtest_scaled_err(tri.hessian, fwd.hessian, np * np);
        const double fo = cvtest_scaled_err(full.hessian, fwd.hessian, np * np);
        /* the gradient comes from the same quadrature q in both layouts; near a fitted optimum
         * it is small, so it is compared between the layouts rather than against soforward */
        const double gt = cvtest_scaled_err(tri.gradient, full.gradient, np);
        const double asym_t = hesstest_asymmetry(tri.hessian, np);
        const double asym_f = hesstest_asymmetry(full.hessian, np);
        printf("%s%s: triangle vs full %.2e, vs soforward %.2e (full %.2e); gradients %.2e; "
               "asymmetry %.1e (triangle) %.1e (full); backward steps %ld / %ld\n", name,
               theta_or_null ? " (fit point)" : "", tf, to, fo, gt, asym_t, asym_f,
               tri.steps_bwd, full.steps_bwd);
        CHECK(to <= 1e-7 && fo <= 1e-7, "%s: vs soforward %.3e / %.3e of the scale", name, to,
              fo);
        CHECK(tf <= 1e-7, "%s: triangle vs full %.3e of the scale", name, tf);
        CHECK(gt <= 1e-6, "%s: gradient triangle vs full %.3e of the scale", name, gt);
        CHECK(asym_t == 0.0, "%s: the triangle's Hessian is not mirrored: %.3e", name, asym_t);
        CHECK(asym_f <= 1e-7, "%s: full asymmetry %.3e", name, asym_f);
    }
    method_result_free(&tri);
    method_result_free(&full);
    method_result_free(&fwd);
    model_destroy(m);
}

int main(void)
{
    compare("jakstat", NULL, 1e-10, 1e-12);
    compare("jakstat", jakstat_fit_start12, 1e-10, 1e-12);
    compare("rafmekerk", NULL, 1e-10, 1e-14);
    return check_finish("methods/test_soadjoint_triangle");
}
