/* fim — the Fisher information / Gauss–Newton matrix:
 *   - at a zero-residual point (freefall at the data-generating θ = (9.8, 0.5): its data are
 *     the model's own output) 2JᵀJ is the exact Hessian of the sum of squares (closed form);
 *     away from it (the nominal θ) it differs by Σ 2 r ∇²y — measured, not zero;
 *   - jakstat (Gaussian, σ = 10^θ_σ): the σ-parameters' block is exactly 2 ln²10 times the
 *     number of data points of each observable on the diagonal and zero elsewhere (the σ do
 *     not enter y), the rest is Σ y_θᵀ y_θ / σ² — and the gradient is exact (vs forward);
 *   - a request it cannot serve (H·v) is refused. */
#include "hesstest.h"
#include "registry.h"

static void check_zero_residual(void)
{
    model *m = check_model_create("freefall");
    const double truth[2] = {9.8, 0.5};
    double L, g[2], H[4];
    m->exact(m, truth, &L, g, H);
    method_result r;
    method_status st = hesstest_run("fim", m, truth, WANT_HESSIAN, NULL, 1e-11, 1e-12, NULL, &r);
    CHECK(st == METHOD_OK, "fim at truth: %s", r.error);
    if (st == METHOD_OK) {
        const double e = cvtest_relerr(r.hessian, H, 4);
        printf("freefall at (9.8, 0.5): fim vs exact Hessian %.2e (loss %.1e)\n", e, r.loss);
        CHECK(e <= 1e-7, "fim at the zero-residual point: %.3e", e);
        CHECK(r.loss <= 1e-15, "loss at truth %.3e", r.loss);
    }
    method_result_free(&r);
    /* at the nominal θ the residuals are large and the Gauss–Newton matrix is biased */
    double theta[2];
    model_nominal(m, theta);
    m->exact(m, theta, &L, g, H);
    st = hesstest_run("fim", m, theta, WANT_HESSIAN, NULL, 1e-11, 1e-12, NULL, &r);
    CHECK(st == METHOD_OK, "fim nominal: %s", r.error);
    if (st == METHOD_OK) {
        const double e = cvtest_relerr(r.hessian, H, 4), eg = cvtest_relerr(r.gradient, g, 2);
        printf("freefall at the nominal theta: fim vs exact Hessian %.2e, gradient %.1e\n", e, eg);
        CHECK(e > 1e-3, "fim equals the Hessian away from zero residuals (%.3e)", e);
        CHECK(eg <= 1e-7, "fim gradient %.3e", eg);
    }
    method_result_free(&r);
    const double v[2] = {1, 0};
    st = hesstest_run("fim", m, theta, WANT_HVP, v, 0, 0, NULL, &r);
    CHECK(st == METHOD_EUNSUPPORTED, "fim accepted an H*v request");
    method_result_free(&r);
    model_destroy(m);
}

static void check_gaussian(void)
{
    model *m = check_model_create("jakstat");
    const int np = m->np;
    double theta[17];
    model_nominal(m, theta);
    method_result r, fwd;
    method_status st = hesstest_run("fim", m, theta, WANT_HESSIAN, NULL, 1e-10, 1e-12, NULL, &r);
    method_status sf = hesstest_run("forward", m, theta, WANT_GRADIENT, NULL, 1e-10, 1e-12, NULL,
                                    &fwd);
    CHECK(st == METHOD_OK && sf == METHOD_OK, "jakstat: %s %s", r.error, fwd.error);
    if (st == METHOD_OK && sf == METHOD_OK) {
        /* data points per observable, and which parameter is each observable's σ */
        int count[3] = {0, 0, 0}, sigma_of[3] = {-1, -1, -1};
        for (int k = 0; k < m->ncond; k++)
            for (int i = 0; i < m->cond[k].ntimes; i++)
                for (int o = 0; o < m->ny; o++)
                    count[o] += !isnan(m->cond[k].values[i * m->ny + o]);
        for (int j = 0; j < np; j++)
            for (int o = 0; o < m->ny; o++) {
                char want[80];
                snprintf(want, sizeof want, "sigma_%s", m->obs_names[o]);
                if (strcmp(m->params[j].name, want) == 0)
                    sigma_of[o] = j;
            }
        const double ln10sq = log(10.0) * log(10.0);
        double worst = 0.0;
        for (int o = 0; o < m->ny; o++) {
            const int s = sigma_of[o];
            CHECK(s >= 0, "no sigma parameter for observable %s", m->obs_names[o]);
            if (s < 0)
                continue;
            const double want = 2.0 * ln10sq * count[o];
            worst = fmax(worst, fabs(r.hessian[s * np + s] - want) / want);
            for (int j = 0; j < np; j++)
                if (j != s)
                    CHECK(r.hessian[s * np + j] == 0.0 && r.hessian[j * np + s] == 0.0,
                          "F[%s][%s] = %g, not 0", m->params[s].name, m->params[j].name,
                          r.hessian[s * np + j]);
        }
        const double eg = cvtest_scaled_err(r.gradient, fwd.gradient, np);
        printf("jakstat: sigma block vs 2 ln^2(10) n_k: %.1e (n = %d, %d, %d); gradient vs "
               "forward %.1e; asymmetry %.1e\n", worst, count[0], count[1], count[2], eg,
               hesstest_asymmetry(r.hessian, np));
        CHECK(count[0] + count[1] + count[2] == 46, "46 data points");
        CHECK(worst <= 1e-12, "sigma block off by %.3e", worst);
        CHECK(eg <= 1e-8, "fim gradient vs forward %.3e", eg);
        CHECK(hesstest_asymmetry(r.hessian, np) <= 1e-14, "fim not symmetric");
        CHECK(fabs(r.loss - fwd.loss) <= 1e-9 * fabs(fwd.loss), "loss");
    }
    method_result_free(&r);
    method_result_free(&fwd);
    model_destroy(m);
}

int main(void)
{
    check_zero_residual();
    check_gaussian();
    return check_finish("methods/test_fim");
}
