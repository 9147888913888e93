/* test_fdhess_symmetry — fdhess symmetrises by averaging, H = (A + Aᵀ)/2, where column j of
 * A is the central difference of gradients along e_j.  fdhess's own H·e_j (the same
 * difference, run as a Hessian-vector product) gives A column by column, so every entry of
 * the full Hessian must equal the average of the two raw entries — not one of them.  At rtol
 * 1e-6 the raw A is visibly asymmetric (the gradients' solver noise), so copying one triangle
 * over the other is off by half that asymmetry, far above the bound. */
#include "hesstest.h"
#include "registry.h"

int main(void)
{
    model *m = check_model_create("freefall-x0");
    const int np = m->np;
    double theta[4], A[16];
    model_nominal(m, theta);
    const char *kv[] = { "step=1e-3", NULL };
    method_result r;
    for (int j = 0; j < np; j++) {
        double e[4] = { 0, 0, 0, 0 };
        e[j] = 1.0;
        method_status st = hesstest_run("fdhess", m, theta, WANT_HVP, e, 1e-6, 1e-8, kv, &r);
        CHECK(st == METHOD_OK, "H*e_%d: %s", j + 1, r.error);
        for (int i = 0; i < np; i++)
            A[i * np + j] = st == METHOD_OK ? r.hvp[i] : NAN;
        method_result_free(&r);
    }
    method_status st = hesstest_run("fdhess", m, theta, WANT_HESSIAN, NULL, 1e-6, 1e-8, kv, &r);
    CHECK(st == METHOD_OK, "full Hessian: %s", r.error);
    if (st == METHOD_OK) {
        double scale = 0, asym = 0, worst = 0;
        for (int k = 0; k < np * np; k++)
            scale = fmax(scale, fabs(A[k]));
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++) {
                asym = fmax(asym, fabs(A[i * np + j] - A[j * np + i]) / scale);
                const double avg = 0.5 * (A[i * np + j] + A[j * np + i]);
                worst = fmax(worst, fabs(r.hessian[i * np + j] - avg) / scale);
            }
        /* achieved: asymmetry of A 3.9e-4 of the scale; H against the average 1.9e-12 */
        printf("raw asymmetry %.2e of the scale; |H - (A + A^T)/2| %.2e\n", asym, worst);
        CHECK(asym > 1e-9, "the raw differences are too symmetric (%.2e) for this test to bite", asym);
        CHECK(worst <= 1e-11, "fdhess does not average the two triangles: %.2e off", worst);
    }
    method_result_free(&r);
    model_destroy(m);
    return check_finish("methods/test_fdhess_symmetry");
}
