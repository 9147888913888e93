/* jakstat (9 states, 17 log10 parameters, 46 data): the structural property of docs/models.md §3 —
 * states and observables depend on p2 and init_STAT only through their product, so Hessian
 * columns 2 and 5 are equal — for soadjoint and soforward; the two backends' Hessians and
 * gradients agree entrywise at tight tolerance; every Hessian is symmetric.  soadjoint runs
 * with every quadrature entry integrated (hessian_quadratures=full): its columns p2 and
 * init_STAT are then two quadratures on the same steps, equal to rounding; with the default
 * triangle one of them is partly mirrored from other columns and equal only to the
 * integration error (checked against soforward in test_soadjoint_triangle). */
#include "hesstest.h"
#include "registry.h"

enum { P2 = 1, INIT_STAT = 4 };
static const double rtol = 1e-10, abs_tol = 1e-12;

/* max_i |H[i][P2] − H[i][INIT_STAT]| / max(|H[i][INIT_STAT]|, tiny) */
static double column_gap(const double *H, int np)
{
    double worst = 0.0;
    for (int i = 0; i < np; i++) {
        const double a = H[i * np + P2], b = H[i * np + INIT_STAT];
        worst = fmax(worst, fabs(a - b) / fmax(fabs(b), 1e-300));
    }
    return worst;
}

int main(void)
{
    model *m = check_model_create("jakstat");
    const int np = m->np;
    double theta[17];
    model_nominal(m, theta);
    method_result adj, fwd, grad;
    const char *full_kv[] = {"hessian_quadratures=full", NULL};
    method_status sa = hesstest_run("soadjoint", m, theta, WANT_HESSIAN, NULL, rtol, abs_tol,
                                    full_kv, &adj);
    method_status sf = hesstest_run("soforward", m, theta, WANT_HESSIAN, NULL, rtol, abs_tol, NULL,
                                    &fwd);
    method_status sg = hesstest_run("forward", m, theta, WANT_GRADIENT, NULL, rtol, abs_tol, NULL,
                                    &grad);
    CHECK(sa == METHOD_OK, "soadjoint: %s", adj.error);
    CHECK(sf == METHOD_OK, "soforward: %s", fwd.error);
    CHECK(sg == METHOD_OK, "forward: %s", grad.error);
    if (sa == METHOD_OK && sf == METHOD_OK && sg == METHOD_OK) {
        const double gap_a = column_gap(adj.hessian, np), gap_f = column_gap(fwd.hessian, np);
        const double agree = hesstest_entry_err(adj.hessian, fwd.hessian, np * np, 1e-3);
        const double scaled = cvtest_scaled_err(adj.hessian, fwd.hessian, np * np);
        const double asym_a = hesstest_asymmetry(adj.hessian, np);
        const double asym_f = hesstest_asymmetry(fwd.hessian, np);
        const double eg_a = cvtest_scaled_err(adj.gradient, grad.gradient, np);
        const double eg_f = cvtest_scaled_err(fwd.gradient, grad.gradient, np);
        printf("columns p2/init_STAT: soadjoint %.2e, soforward %.2e\n", gap_a, gap_f);
        printf("soadjoint vs soforward: entrywise %.2e, scaled %.2e; asymmetry %.1e / %.1e; "
               "gradient vs forward %.1e / %.1e\n", agree, scaled, asym_a, asym_f, eg_a, eg_f);
        printf("time soadjoint %.3f s, soforward %.3f s; H[0][0] %.10g\n", adj.wall_seconds,
               fwd.wall_seconds, adj.hessian[0]);
        CHECK(gap_a <= 1e-6, "soadjoint: columns p2 and init_STAT differ by %.3e", gap_a);
        CHECK(gap_f <= 1e-6, "soforward: columns p2 and init_STAT differ by %.3e", gap_f);
        /* and the gradient entries too */
        CHECK(fabs(adj.gradient[P2] - adj.gradient[INIT_STAT]) <=
                  1e-6 * fabs(adj.gradient[INIT_STAT]), "soadjoint gradient 2 vs 5");
        /* entrywise relative, entries below 1e-3 of the largest measured against that */
        CHECK(agree <= 1e-6, "soadjoint vs soforward entrywise %.3e > 1e-6", agree);
        CHECK(scaled <= 1e-8, "soadjoint vs soforward %.3e of the scale", scaled);
        CHECK(asym_a <= 1e-8 && asym_f <= 1e-8, "asymmetry %.3e / %.3e", asym_a, asym_f);
        CHECK(eg_a <= 1e-8 && eg_f <= 1e-8, "gradients %.3e / %.3e", eg_a, eg_f);
        CHECK(fabs(adj.loss - fwd.loss) <= 1e-9 * fabs(fwd.loss), "loss %.15g vs %.15g",
              adj.loss, fwd.loss);
    }
    method_result_free(&adj);
    method_result_free(&fwd);
    method_result_free(&grad);
    model_destroy(m);
    return check_finish("methods/test_hess_jakstat");
}
