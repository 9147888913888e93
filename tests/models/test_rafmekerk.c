/* test_rafmekerk — the RAF/MEK/ERK model (docs/models.md §4): structure and data, the nominal θ
 * mapped from the published fit, and the steady-state initial state — f(x0) = 0 at t = 0
 * without inhibitor, x0 against an independent bisection of the scalar steady-state equation,
 * ∂x0/∂θ (model_x0_jac) against central differences — at the nominal θ and at seeded θ drawn
 * across the bounds. */
#include "modeltest.h"
#include "neural.h"
#include "rafmekerk.h"
#include "registry.h"

#include <float.h>

/* Independent oracle: r ∈ (0, 1) solves kp R (1 − r)/(1 + e(m(r))/K) − kdf r = 0 (the left
 * side decreases from kp R > 0 to −kdf < 0), found by bisection on ln r down to adjacent
 * doubles; then x0 = (r, m(r), e(m(r))). */
static void steady_by_bisection(const double *p, double *x)
{
    const double kdf = p[RAF_KDF_RAF], kp = p[RAF_KP_RAF], a = p[RAF_KP_PRAF_MEK];
    const double b = p[RAF_KDP_PMEK], c = p[RAF_KP_PMEK_ERK], d = p[RAF_KDP_PERK];
    const double K = p[RAF_K_PERK_INH], R = p[RAF_SUST_RAS_0];
    double lo = -745.0, hi = 0.0;   /* ln r */
    for (int it = 0; it < 2000; it++) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        const double r = exp(mid), mek = a * r / (b + a * r), erk = c * mek / (d + c * mek);
        const double balance = kp * R * (1.0 - r) / (1.0 + erk / K) - kdf * r;
        if (balance > 0.0)
            lo = mid;
        else
            hi = mid;
    }
    x[0] = exp(0.5 * (lo + hi));
    x[1] = a * x[0] / (b + a * x[0]);
    x[2] = c * x[1] / (d + c * x[1]);
}

/* |f_i| against the degradation term D_i, allowing for the rounding of 1 − x_i in saturated
 * components (x_i ≈ 1 cannot be stored closer than ε/2, which moves f_i by ~ε D_i/(1 − x_i)). */
static void check_steady(const model *m, const double *theta, const char *where)
{
    char err[512];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    CHECK(ctx != NULL, "%s: no steady state: %s", where, err);
    if (!ctx)
        return;
    double x0[RAF_NX], f[RAF_NX], oracle[RAF_NX], other[RAF_NX];
    model_ctx_condition(ctx, 0);   /* control: Sora = UO = 0 */
    CHECK(m->cond[0].constants[RAF_SORA] == 0.0 && m->cond[0].constants[RAF_UO] == 0.0,
          "condition 0 is not the untreated control");
    model_x0(ctx, x0);
    model_rhs(ctx, 0.0, x0, f);
    const double *p = model_ctx_natural(ctx);
    const double degradation[RAF_NX] = {p[RAF_KDF_RAF] * x0[0], p[RAF_KDP_PMEK] * x0[1],
                                        p[RAF_KDP_PERK] * x0[2]};
    for (int i = 0; i < RAF_NX; i++) {
        CHECK(x0[i] > 0.0 && x0[i] < 1.0, "%s: x0[%d] = %g outside (0, 1)", where, i, x0[i]);
        const double allowed = (1e-12 + 16.0 * DBL_EPSILON / (1.0 - x0[i])) * degradation[i];
        CHECK(fabs(f[i]) <= allowed, "%s: f_%d(x0) = %.3g, allowed %.3g", where, i, f[i],
              allowed);
    }
    steady_by_bisection(p, oracle);
    for (int i = 0; i < RAF_NX; i++)
        CHECK(check_rel_diff(x0[i], oracle[i]) < 1e-12, "%s: x0[%d] = %.17g, bisection %.17g",
              where, i, x0[i], oracle[i]);
    /* the same initial state in every condition (inhibitors act from t = 0) */
    for (int k = 1; k < m->ncond; k++) {
        model_ctx_condition(ctx, k);
        model_x0(ctx, other);
        CHECK(memcmp(other, x0, sizeof x0) == 0, "%s: x0 differs in condition %d", where, k);
    }
    model_ctx_free(ctx);
}

/* model_x0_jac against Richardson-extrapolated central differences of x0 (the steady state
 * solved anew at θ ± h e_j). */
static void check_x0_jacobian(const model *m, const double *theta, const char *where)
{
    char err[512];
    double S0[RAF_NX * RAF_NP], th[RAF_NP], xp[4][RAF_NX];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    if (!ctx) {
        CHECK(0, "%s: %s", where, err);
        return;
    }
    model_x0_jac(ctx, S0);
    model_ctx_free(ctx);
    double worst = 0.0;
    for (int j = 0; j < RAF_NP; j++) {
        const double h = 1e-3, shift[4] = {h, -h, h / 2, -h / 2};
        for (int s = 0; s < 4; s++) {
            memcpy(th, theta, sizeof th);
            th[j] += shift[s];
            model_ctx *c = model_ctx_new(m, th, err, sizeof err);
            if (!c) {
                CHECK(0, "%s: %s", where, err);
                return;
            }
            model_x0(c, xp[s]);
            model_ctx_free(c);
        }
        for (int i = 0; i < RAF_NX; i++) {
            const double d1 = (xp[0][i] - xp[1][i]) / (2 * h), d2 = (xp[2][i] - xp[3][i]) / h;
            const double diff = (4 * d2 - d1) / 3, exact = S0[i * RAF_NP + j];
            /* relative to the size of x0_i: ∂x0_i/∂θ_j is ln10 · x0_i · (elasticity) */
            const double err_ij = fabs(diff - exact) / fmax(xp[0][i], 1e-300);
            worst = fmax(worst, err_ij);
            CHECK(err_ij < 1e-7, "%s: dx0[%d]/dtheta[%s] = %.12g, differences %.12g", where,
                  i, m->params[j].name, exact, diff);
            if (j >= RAF_SCALE)
                CHECK(exact == 0.0, "%s: x0 depends on %s", where, m->params[j].name);
        }
    }
    printf("  %s: x0_theta vs differences, worst %.2g (relative to x0)\n", where, worst);
}

int main(void)
{
    model *m = check_model_create("rafmekerk");
    CHECK(m->nx == 3 && m->np == 28 && m->nc == 2 && m->ny == 8, "sizes %d %d %d %d", m->nx,
          m->np, m->nc, m->ny);
    CHECK(m->initial == NULL && m->steady_guess != NULL, "x0 must be a steady state");
    CHECK(model_count_data(m) == 72, "data points %d", model_count_data(m));
    const char *names[3] = {"control", "UO126", "Sorafenib"};
    const double sora[3] = {0, 0, 5}, uo[3] = {0, 30, 0};
    const double times[7] = {0, 0.25, 1, 5.5, 7, 8.5, 10};
    CHECK(m->ncond == 3, "conditions %d", m->ncond);
    for (int k = 0; k < 3 && k < m->ncond; k++) {
        const model_condition *c = &m->cond[k];
        CHECK(strcmp(c->name, names[k]) == 0, "condition %d is %s", k, c->name);
        CHECK(c->constants[RAF_SORA] == sora[k] && c->constants[RAF_UO] == uo[k],
              "constants of %s", c->name);
        CHECK(c->ntimes == 7 && memcmp(c->times, times, sizeof times) == 0, "times of %s",
              c->name);
    }
    CHECK(m->cond[0].values[1 * 8 + 0] == 1.99608 && m->cond[1].values[2 * 8 + 2] == 14.2249,
          "data values");

    /* the nominal dynamic θ is the published fit of the PEtab form mapped to this one */
    const double published[12] = {1.22622,  163.162,    2.90693,  769.160,
                                  3.60758,  577.552,    1.00001e-5, 0.0264137 / 163.162,
                                  0.242822, 0.0211409,  1.51122,  0.960466};
    double theta[RAF_NP];
    model_nominal(m, theta);
    for (int j = 0; j < 12; j++)
        CHECK(fabs(theta[j] - log10(published[j])) < 1e-15, "nominal %s", m->params[j].name);
    for (int j = 0; j < RAF_NP; j++) {
        const model_param *p = &m->params[j];
        CHECK(p->scale == SCALE_LOG10, "%s is not log10", p->name);
        const double lower = j == RAF_K_PERK_INH ? -10 : j == RAF_TS_SUST_RAS ? -7 : -5;
        const int is_scale = j >= RAF_SCALE && j < RAF_SIGMA;
        const double upper = j < 3 ? 5 : j == RAF_KP_PRAF_MEK ? 6 : is_scale ? 8 : 4;
        CHECK(p->lower == lower && p->upper == upper, "bounds of %s", p->name);
    }
    CHECK(strcmp(m->params[RAF_SCALE + 1].name, "scale_pErk_20140430_gel1") == 0 &&
              strcmp(m->params[RAF_SIGMA + 6].name, "sigma_pMek_20140505_gel2") == 0,
          "scale/sigma parameters follow the data columns");

    /* the nominal scales normalise every observable to 1 at t = 0 in the control */
    char err[512];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    CHECK(ctx != NULL, "%s", err);
    if (ctx) {
        double x0[RAF_NX], y[8];
        model_x0(ctx, x0);
        model_observables(ctx, 0.0, x0, y);
        for (int j = 0; j < 8; j++)
            CHECK(fabs(y[j] - 1.0) < 1e-12, "y_%d(0) = %.17g at the nominal scales", j, y[j]);
        model_ctx_free(ctx);
    }

    check_steady(m, theta, "nominal");
    check_x0_jacobian(m, theta, "nominal");
    /* across the bounds: seeded θ, uniform in the box */
    neural_rng rng = {2016};
    for (int s = 0; s < 200; s++) {
        double th[RAF_NP];
        for (int j = 0; j < RAF_NP; j++)
            th[j] = m->params[j].lower +
                    (m->params[j].upper - m->params[j].lower) * neural_rng_uniform(&rng);
        char where[32];
        snprintf(where, sizeof where, "sample %d", s);
        check_steady(m, th, where);
        if (s < 5)
            check_x0_jacobian(m, th, where);
    }
    model_destroy(m);
    return check_finish("rafmekerk");
}
