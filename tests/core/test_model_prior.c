/* test_model_prior — the objective prior term (core/model/model_prior.h) of every PEtab prior
 * kind, on every parameter scale it can meet, against its density written out here:
 *   the value against −log of the textbook density (evaluated directly, not through the
 *   formulas of model_prior.c), the gradient and the (diagonal) Hessian against central
 *   differences of that value; a θ outside a prior's support and invalid prior parameters
 *   are refused. */
#include "model_prior.h"
#include "check.h"

static const double LN10 = 2.302585092994045684;

typedef struct {
    prior_kind kind;
    param_scale scale;
    double a, b, theta;
} case_t;

/* the natural value of θ on its scale */
static double natural(param_scale s, double theta)
{
    return s == SCALE_LN ? exp(theta) : s == SCALE_LOG10 ? pow(10.0, theta) : theta;
}

/* −log of the density, written from the definitions */
static double neg_log_density(const case_t *c, double theta)
{
    const int on_scale = c->kind >= PRIOR_SCALE_UNIFORM;
    const double u = on_scale ? theta : natural(c->scale, theta);
    const double a = c->a, b = c->b;
    double pdf = 0.0;
    switch (c->kind) {
    case PRIOR_UNIFORM:
    case PRIOR_SCALE_UNIFORM:
        pdf = 1.0 / (b - a);
        break;
    case PRIOR_NORMAL:
    case PRIOR_SCALE_NORMAL:
        pdf = exp(-0.5 * pow((u - a) / b, 2)) / (b * sqrt(2.0 * M_PI));
        break;
    case PRIOR_LAPLACE:
    case PRIOR_SCALE_LAPLACE:
        pdf = exp(-fabs(u - a) / b) / (2.0 * b);
        break;
    case PRIOR_LOG_NORMAL:   /* the density of u whose logarithm is normal(a, b) */
        pdf = exp(-0.5 * pow((log(u) - a) / b, 2)) / (u * b * sqrt(2.0 * M_PI));
        break;
    case PRIOR_LOG_LAPLACE:
        pdf = exp(-fabs(log(u) - a) / b) / (2.0 * b * u);
        break;
    case PRIOR_NONE:
        return 0.0;
    }
    return -log(pdf);
}

int main(void)
{
    /* points away from the kinks of the Laplace priors (u = a), so that differences apply */
    const case_t cases[] = {
        {PRIOR_UNIFORM, SCALE_LOG10, 0.5, 20.0, 0.3},
        {PRIOR_NORMAL, SCALE_LIN, 1.0, 0.7, 1.6},
        {PRIOR_NORMAL, SCALE_LN, 2.0, 1.5, 0.4},
        {PRIOR_LAPLACE, SCALE_LIN, 0.0, 0.4, -0.3},
        {PRIOR_LAPLACE, SCALE_LOG10, 1.0, 3.0, 0.2},
        {PRIOR_LOG_NORMAL, SCALE_LIN, 0.3, 0.6, 2.5},
        {PRIOR_LOG_NORMAL, SCALE_LOG10, -0.5, 0.9, 0.1},
        {PRIOR_LOG_LAPLACE, SCALE_LN, 0.2, 0.5, -0.4},
        {PRIOR_LOG_LAPLACE, SCALE_LIN, 0.2, 0.5, 3.0},
        {PRIOR_SCALE_UNIFORM, SCALE_LOG10, -3.0, 2.0, -1.0},
        {PRIOR_SCALE_NORMAL, SCALE_LOG10, 0.6, 0.2, 0.45},
        {PRIOR_SCALE_LAPLACE, SCALE_LN, -1.0, 0.8, 0.3},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    model m;
    memset(&m, 0, sizeof m);
    CHECK(model_alloc(&m, 1, N + 1, 0, 1) == 0, "model_alloc");
    double theta[N + 1];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        model_set_param(&m, i, name, cases[i].scale, cases[i].theta, -10, 10);
        m.params[i].prior = cases[i].kind;
        m.params[i].prior_a = cases[i].a;
        m.params[i].prior_b = cases[i].b;
        theta[i] = cases[i].theta;
    }
    model_set_param(&m, N, "free", SCALE_LIN, 0.0, -1, 1);   /* no prior: contributes 0 */
    theta[N] = 0.5;
    CHECK(model_has_prior(&m), "the model has priors");

    double P, g[N + 1], H[(N + 1) * (N + 1)];
    char err[256];
    CHECK(model_prior(&m, theta, &P, g, H, err, sizeof err) == 0, "model_prior: %s", err);
    double want = 0.0;
    for (int i = 0; i < N; i++)
        want += neg_log_density(&cases[i], theta[i]);
    CHECK(fabs(P - want) < 1e-13 * fmax(1.0, fabs(want)), "P = %.17g, by the densities %.17g",
          P, want);
    for (int i = 0; i < N; i++) {
        const double h = 1e-5, t = theta[i];
        const double fp = neg_log_density(&cases[i], t + h), f0 = neg_log_density(&cases[i], t);
        const double fm = neg_log_density(&cases[i], t - h);
        const double d1 = (fp - fm) / (2.0 * h), d2 = (fp - 2.0 * f0 + fm) / (h * h);
        CHECK(fabs(g[i] - d1) < 1e-7 * fmax(1.0, fabs(d1)), "%s on scale %d: gradient %.12g, "
              "differences %.12g", prior_kind_name(cases[i].kind), cases[i].scale, g[i], d1);
        CHECK(fabs(H[i * (N + 1) + i] - d2) < 2e-4 * fmax(1.0, fabs(d2)), "%s on scale %d: "
              "Hessian %.12g, differences %.12g", prior_kind_name(cases[i].kind),
              cases[i].scale, H[i * (N + 1) + i], d2);
        for (int j = 0; j <= N; j++)
            CHECK(j == i || H[i * (N + 1) + j] == 0.0, "the Hessian is diagonal");
    }
    CHECK(g[N] == 0.0 && H[N * (N + 1) + N] == 0.0, "no prior, no term");
    (void)LN10;

    /* outside a support: the uniform prior's interval, and u <= 0 for a log prior */
    double t2[N + 1];
    memcpy(t2, theta, sizeof t2);
    t2[0] = log10(25.0);
    CHECK(model_prior(&m, t2, &P, NULL, NULL, err, sizeof err) != 0 && strstr(err, "p0") &&
              strstr(err, "uniform"), "a value outside the uniform prior is refused: %s", err);
    memcpy(t2, theta, sizeof t2);
    t2[5] = -1.0;
    CHECK(model_prior(&m, t2, &P, NULL, NULL, err, sizeof err) != 0 && strstr(err, "logNormal"),
          "a negative value under a logNormal prior is refused: %s", err);

    /* names and parameter checks */
    prior_kind k;
    CHECK(prior_kind_parse("parameterScaleNormal", &k) == 0 && k == PRIOR_SCALE_NORMAL, "parse");
    CHECK(prior_kind_parse("gamma", &k) != 0, "unknown kind refused");
    CHECK(prior_check(PRIOR_NORMAL, 0.0, 0.0, err, sizeof err) != 0, "sd 0 refused");
    CHECK(prior_check(PRIOR_UNIFORM, 2.0, 1.0, err, sizeof err) != 0, "empty interval refused");
    CHECK(prior_check(PRIOR_LAPLACE, 0.0, 1.0, err, sizeof err) == 0, "valid laplace");
    model_release(&m);
    return check_finish("core/test_model_prior");
}
