/* residuals — the least-squares form of the loss and its Jacobian, against independent
 * computations of the same quantities:
 *   - the loss assembled from r (Σ r² for a sum of squares; ½Σr² + Σ log σ + (n/2) log 2π for
 *     the Gaussian NLL) equals the model's loss;
 *   - the gradient assembled from J (2 Jᵀr; Jᵀr + Σ ∂σ_i/∂θ / σ_i) equals the closed-form
 *     gradient (freefall) or the forward-sensitivity gradient (jakstat, rafmekerk with σ and
 *     scale parameters, 3 conditions);
 *   - at the data-generating θ of freefall every residual vanishes;
 *   - without the Jacobian the same residuals come back and J is not allocated. */
#include "cvtest.h"
#include "residuals.h"
#include "registry.h"

static void gradient_from_residuals(const model *m, const residuals *res, double *g)
{
    for (int j = 0; j < res->np; j++) {
        double s = 0.0;
        for (int i = 0; i < res->n; i++) {
            const double Jij = res->J[(size_t)i * res->np + j];
            if (m->loss == LOSS_GAUSSIAN_NLL)
                s += Jij * res->r[i] + res->dsigma[(size_t)i * res->np + j] / res->sigma[i];
            else
                s += 2.0 * Jij * res->r[i];
        }
        g[j] = s;
    }
}

static double loss_from_residuals(const model *m, const residuals *res)
{
    double L = 0.0;
    for (int i = 0; i < res->n; i++) {
        if (m->loss == LOSS_GAUSSIAN_NLL)
            L += 0.5 * res->r[i] * res->r[i] + log(res->sigma[i]) + 0.5 * log(2.0 * M_PI);
        else
            L += res->r[i] * res->r[i];
    }
    return L;
}

static void check(const char *name, int ndata, double rtol, double atol, double tol_grad)
{
    model *m = check_model_create(name);
    double *theta = calloc((size_t)m->np, sizeof(double));
    double *ref = calloc((size_t)m->np, sizeof(double));
    double *g = calloc((size_t)m->np, sizeof(double));
    model_nominal(m, theta);
    method_options o;
    method_options_init(&o);
    o.rtol = rtol;
    o.atol = atol;
    char err[256];
    residuals res;
    eval_counts counts = {0, 0, 0, 0, 0};
    method_status st = residuals_compute(m, theta, &o, 1, &res, &counts, err, sizeof err);
    CHECK(st == METHOD_OK, "%s: %s", name, err);
    if (st == METHOD_OK) {
        CHECK(res.n == ndata && res.np == m->np, "%s: %d residuals, expected %d", name,
              res.n, ndata);
        const double L = loss_from_residuals(m, &res);
        CHECK(fabs(L - res.loss) <= 1e-12 * fabs(res.loss), "%s: loss from r %.15g vs "
              "model loss %.15g", name, L, res.loss);
        if (m->exact) {
            m->exact(m, theta, NULL, ref, NULL);
        } else {
            method_result r;
            st = cvtest_run("forward", m, theta, rtol, atol, NULL, NULL, &r);
            CHECK(st == METHOD_OK, "%s forward: %s", name, r.error);
            memcpy(ref, r.gradient, sizeof(double) * (size_t)m->np);
            CHECK(fabs(r.loss - res.loss) <= 1e-9 * fabs(r.loss), "%s: loss %.15g vs "
                  "forward %.15g", name, res.loss, r.loss);
            method_result_free(&r);
        }
        gradient_from_residuals(m, &res, g);
        double worst = 0.0, scale = 0.0;
        for (int j = 0; j < m->np; j++) {
            worst = fmax(worst, fabs(g[j] - ref[j]));
            scale = fmax(scale, fabs(ref[j]));
        }
        printf("%-10s n=%d loss %.10g  gradient from J: max error %.2e (scale %.3g)  jvp %ld\n",
               name, res.n, res.loss, worst, scale, counts.jvp);
        CHECK(worst <= tol_grad * scale, "%s: gradient from J off by %.3e (scale %.3e)",
              name, worst, scale);
        CHECK(counts.jvp > 0, "%s: no evaluations counted", name);

        residuals plain;
        st = residuals_compute(m, theta, &o, 0, &plain, NULL, err, sizeof err);
        CHECK(st == METHOD_OK && plain.J == NULL && plain.n == res.n, "%s: plain: %s",
              name, err);
        for (int i = 0; st == METHOD_OK && i < plain.n; i++)
            CHECK(fabs(plain.r[i] - res.r[i]) <= 1e-7 * (fabs(res.r[i]) + 1.0),
                  "%s: residual %d %.12g vs %.12g", name, i, plain.r[i], res.r[i]);
        residuals_free(&plain);
    }
    residuals_free(&res);
    free(theta);
    free(ref);
    free(g);
    model_destroy(m);
}

/* at θ = (9.8, 0.5) the free-fall data are the model's own output */
static void check_zero_residual(void)
{
    model *m = check_model_create("freefall");
    const double theta[2] = {9.8, 0.5};
    method_options o;
    method_options_init(&o);
    o.rtol = 1e-11;
    o.atol = 1e-12;
    char err[256];
    residuals res;
    method_status st = residuals_compute(m, theta, &o, 1, &res, NULL, err, sizeof err);
    CHECK(st == METHOD_OK, "freefall at truth: %s", err);
    double worst = 0.0;
    for (int i = 0; st == METHOD_OK && i < res.n; i++)
        worst = fmax(worst, fabs(res.r[i]));
    printf("freefall at the data-generating theta: max |r| = %.2e\n", worst);
    CHECK(worst <= 1e-8, "freefall residuals at truth %.3e", worst);
    residuals_free(&res);
    model_destroy(m);
}

/* a bad solver name is the caller's mistake, reported as such */
static void check_errors(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_options o;
    method_options_init(&o);
    o.solver = "rk4";
    char err[256] = "";
    residuals res;
    method_status st = residuals_compute(m, theta, &o, 1, &res, NULL, err, sizeof err);
    CHECK(st == METHOD_EINPUT && strstr(err, "--solver"), "bad solver: %d %s", st, err);
    CHECK(res.r == NULL && res.J == NULL, "bad solver: arrays left allocated");
    model_destroy(m);
}

int main(void)
{
    check("freefall", 100, 1e-10, 1e-12, 1e-7);
    check("freefall-x0", 100, 1e-10, 1e-12, 1e-7);
    check("jakstat", 46, 1e-10, 1e-12, 1e-6);
    /* its states are small fractions: the upstream absolute tolerance */
    check("rafmekerk", 72, 1e-10, 1e-14, 1e-6);
    check_zero_residual();
    check_errors();
    return check_finish("methods/test_residuals");
}
