/* rafmekerk (3 states, 28 log10 parameters, 3 conditions, steady-state initial state): the
 * second-order adjoint — with its initial-state terms x0_θᵀμ(t0) + (λᵀx0)_θθ u from the
 * implicitly differentiated steady state, summed over the conditions — agrees with the
 * second-order forward sensitivities (whose s_ij(t0) = x0_θθ[e_i, e_j] is independent of
 * those terms); both Hessians are symmetric; the H·v of one direction matches. */
#include "hesstest.h"
#include "registry.h"

static const double rtol = 1e-10, abs_tol = 1e-14;   /* the model's upstream atol */

int main(void)
{
    model *m = check_model_create("rafmekerk");
    const int np = m->np;
    double theta[28], v[28], hv[28];
    model_nominal(m, theta);
    for (int i = 0; i < np; i++)
        v[i] = sin(1.0 + i);   /* a generic direction */
    method_result adj, fwd, hvp;
    method_status sa = hesstest_run("soadjoint", m, theta, WANT_HESSIAN, NULL, rtol, abs_tol, NULL,
                                    &adj);
    method_status sf = hesstest_run("soforward", m, theta, WANT_HESSIAN, NULL, rtol, abs_tol, NULL,
                                    &fwd);
    method_status sv = hesstest_run("soadjoint", m, theta, WANT_HVP, v, rtol, abs_tol, NULL, &hvp);
    CHECK(sa == METHOD_OK, "soadjoint: %s", adj.error);
    CHECK(sf == METHOD_OK, "soforward: %s", fwd.error);
    CHECK(sv == METHOD_OK, "soadjoint H*v: %s", hvp.error);
    if (sa == METHOD_OK && sf == METHOD_OK && sv == METHOD_OK) {
        const double agree = hesstest_entry_err(adj.hessian, fwd.hessian, np * np, 1e-3);
        const double scaled = cvtest_scaled_err(adj.hessian, fwd.hessian, np * np);
        const double asym_a = hesstest_asymmetry(adj.hessian, np);
        const double asym_f = hesstest_asymmetry(fwd.hessian, np);
        hesstest_matvec(fwd.hessian, v, np, hv);
        const double ehv = cvtest_scaled_err(hvp.hvp, hv, np);
        const double eg = cvtest_scaled_err(adj.gradient, fwd.gradient, np);
        printf("soadjoint vs soforward: entrywise %.2e, scaled %.2e; asymmetry %.1e / %.1e; "
               "gradient %.1e; H*v vs soforward's %.1e\n", agree, scaled, asym_a, asym_f, eg, ehv);
        printf("time soadjoint %.3f s, soforward %.3f s, one H*v %.3f s\n", adj.wall_seconds,
               fwd.wall_seconds, hvp.wall_seconds);
        CHECK(agree <= 1e-6, "entrywise %.3e > 1e-6", agree);
        CHECK(scaled <= 1e-8, "%.3e of the scale", scaled);
        CHECK(asym_a <= 1e-8 && asym_f <= 1e-8, "asymmetry %.3e / %.3e", asym_a, asym_f);
        CHECK(ehv <= 1e-8, "H*v off by %.3e of its scale", ehv);
        CHECK(eg <= 1e-8, "gradients differ by %.3e of the scale", eg);
    }
    method_result_free(&adj);
    method_result_free(&fwd);
    method_result_free(&hvp);
    model_destroy(m);
    return check_finish("methods/test_hess_rafmekerk");
}
