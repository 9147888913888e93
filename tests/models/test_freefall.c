/* test_freefall — the closed-form oracle itself: the check point of docs/models.md §1, and the
 * exact gradient and Hessian of the loss against Richardson differences of the exact loss. */
#include "freefall.h"
#include "check.h"
#include "registry.h"

static void expect(int ok, const char *what, double got, double want)
{
    CHECK(ok, "%s: got %.12g, want %.12g", what, got, want);
}

/* d/dθ_j of the exact loss (or of gradient entry i when i >= 0), Richardson-extrapolated */
static double difference(const model *m, const double *theta, int j, int i)
{
    double th[4], g[4], v[4];
    const double h = 1e-3 * fmax(1.0, fabs(theta[j]));
    const double s[4] = {h, -h, h / 2, -h / 2};
    for (int k = 0; k < 4; k++) {
        for (int a = 0; a < m->np; a++)
            th[a] = theta[a];
        th[j] += s[k];
        double L;
        m->exact(m, th, &L, g, NULL);
        v[k] = i < 0 ? L : g[i];
    }
    const double d1 = (v[0] - v[1]) / (2 * h), d2 = (v[2] - v[3]) / h;
    return (4 * d2 - d1) / 3;
}

int main(void)
{
    /* docs/models.md §1 check point: g = 9.81, μ = 0.3, v0 = 2, y0 = 1, t = 5 → y = 85.0003197 */
    const double y = freefall_position_at(5.0, 9.81, 0.3, 1.0, 2.0);
    expect(fabs(y - 85.0003197) < 5e-8, "check point y(5)", y, 85.0003197);
    /* ∂y/∂μ = −111.906623 there, by differences of the closed form */
    const double h = 1e-4;
    const double dymu = (freefall_position_at(5.0, 9.81, 0.3 + h, 1.0, 2.0) -
                         freefall_position_at(5.0, 9.81, 0.3 - h, 1.0, 2.0)) / (2 * h);
    expect(fabs(dymu + 111.906623) < 1e-5, "check point dy/dmu", dymu, -111.906623);

    const char *names[2] = {"freefall", "freefall-x0"};
    for (int v = 0; v < 2; v++) {
        model *m = check_model_create(names[v]);
        expect(m->ncond == 1 && m->cond[0].ntimes == 100 && m->cond[0].times[99] == 5.0,
               "100 observations on [0, 5]", m->cond[0].ntimes, 100);
        double theta[4], L, g[4], H[16];
        model_nominal(m, theta);
        m->exact(m, theta, &L, g, H);
        for (int j = 0; j < m->np; j++) {
            const double fd = difference(m, theta, j, -1);
            expect(fabs(g[j] - fd) <= 1e-7 * fabs(g[j]), "gradient vs differences", g[j], fd);
            for (int i = 0; i < m->np; i++) {
                const double hd = difference(m, theta, j, i);
                expect(fabs(H[i * m->np + j] - hd) <= 1e-7 * (fabs(hd) + 1e-3 * fabs(g[i])),
                       "hessian vs differences", H[i * m->np + j], hd);
                expect(H[i * m->np + j] == H[j * m->np + i], "hessian symmetric",
                       H[i * m->np + j], H[j * m->np + i]);
            }
        }
        /* at the data-generating values the loss vanishes */
        const double truth[4] = {9.8, 0.5, 0.0, 0.0};
        m->exact(m, truth, &L, NULL, NULL);
        expect(L < 1e-24, "zero loss at the truth", L, 0.0);
        model_destroy(m);
    }
    if (!check_failures)
        printf("freefall oracle: check point, gradient and Hessian verified\n");
    return check_finish("models/test_freefall");
}
