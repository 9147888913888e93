/* freefall — the course report's running example: a ball falling with linear drag.
 *
 *     y' = v,   v' = g − μ v,   y(0) = y0, v(0) = v0,   t ∈ [0, 5]
 *
 * Data: 100 equally spaced positions on [0, 5] (0 and 5 included) of the exact solution at
 * the report's values g = 9.8, μ = k/m = 0.5, y0 = v0 = 0.  Loss: the report's plain sum of
 * squares Σ (y(t_i) − d_i)².
 *
 * Variants: `freefall` estimates θ = (g, μ) with the initial state fixed at rest;
 * `freefall-x0` also estimates θ = (g, μ, y0, v0); `freefall-T<T>` is `freefall` over the
 * horizon [0, T] (T seconds, 0 < T ≤ FREEFALL_MAX_HORIZON) with its 100 positions equally
 * spaced on [0, T] — the family of the error-accumulation study (gradient error against
 * horizon), with the same closed-form oracle.  The nominal θ (9.81, 0.3[, 1, 2]) is the
 * check point of docs/models.md §1 — away from the data-generating values, so the gradient is not
 * zero there.
 *
 * Closed form (with E = e^{−μt}): y is linear in g, v0 and y0,
 *     y = y0 + g·A(μ) + v0·B(μ),   A = t/μ − (1−E)/μ²,   B = (1−E)/μ,
 * so every first and second derivative of y, and hence of the loss, is exact:
 *     A'  = −t/μ² − tE/μ² + 2(1−E)/μ³
 *     A'' = 2t/μ³ + t²E/μ² + 4tE/μ³ − 6(1−E)/μ⁴
 *     B'  = −(1−E)/μ² + tE/μ
 *     B'' = 2(1−E)/μ³ − 2tE/μ² − t²E/μ
 * That is the oracle every backend is checked against. */
#include "freefall.h"
#include "closedform.h"

#include <math.h>
#include <string.h>

#define FREEFALL_NOBS 100
#define FREEFALL_T_END 5.0
#define FREEFALL_TRUE_G 9.8
#define FREEFALL_TRUE_MU 0.5
#define FREEFALL_HORIZON_PREFIX "freefall-T"
#define FREEFALL_MAX_HORIZON 1e6

enum { P_G, P_MU, P_Y0, P_V0 };

static expr freefall_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr v = expr_state(g, 1);
    expr dv = expr_sub(g, expr_param(g, P_G), expr_mul(g, expr_param(g, P_MU), v));
    expr parts[2] = {v, dv};
    return expr_concat(g, 2, parts);
}

static expr freefall_initial(expr_graph *g, const model *m)
{
    if (m->np == 4)
        return expr_params(g, P_Y0, 2);
    const double rest[2] = {0.0, 0.0};
    return expr_nums(g, 2, rest);
}

static expr freefall_position(expr_graph *g, const model *m)
{
    (void)m;
    return expr_state(g, 0);
}

/* y(t) and its derivatives with respect to θ = (g, μ, y0, v0): dy[4], d2y[4×4]. */
static double freefall_position_exact(double t, const double *theta, int np, double *dy,
                                      double *d2y)
{
    const double g = theta[P_G], mu = theta[P_MU];
    const double y0 = np == 4 ? theta[P_Y0] : 0.0, v0 = np == 4 ? theta[P_V0] : 0.0;
    const double E = exp(-mu * t), omE = -expm1(-mu * t);   /* 1 − E without cancellation */
    const double mu2 = mu * mu, mu3 = mu2 * mu, mu4 = mu3 * mu;
    const double A = t / mu - omE / mu2, B = omE / mu;
    const double A1 = -t / mu2 - t * E / mu2 + 2.0 * omE / mu3;
    const double A2 = 2.0 * t / mu3 + t * t * E / mu2 + 4.0 * t * E / mu3 - 6.0 * omE / mu4;
    const double B1 = -omE / mu2 + t * E / mu;
    const double B2 = 2.0 * omE / mu3 - 2.0 * t * E / mu2 - t * t * E / mu;
    if (dy) {
        dy[P_G] = A;
        dy[P_MU] = g * A1 + v0 * B1;
        if (np == 4) {
            dy[P_Y0] = 1.0;
            dy[P_V0] = B;
        }
    }
    if (d2y) {
        memset(d2y, 0, sizeof(double) * (size_t)(np * np));
        d2y[P_G * np + P_MU] = d2y[P_MU * np + P_G] = A1;
        d2y[P_MU * np + P_MU] = g * A2 + v0 * B2;
        if (np == 4)
            d2y[P_V0 * np + P_MU] = d2y[P_MU * np + P_V0] = B1;
    }
    return y0 + g * A + v0 * B;
}

/* the report's sum of squares and its exact derivatives, from those of y (closedform.h) */
static int freefall_exact(const model *m, const double *theta, double *loss,
                          double *gradient, double *hessian)
{
    if (!(theta[P_MU] > 0.0))
        return -1;
    closedform_sse(m, theta, freefall_position_exact, loss, gradient, hessian);
    return 0;
}

int freefall_create(model *m, const char *name, char *err, size_t errlen)
{
    const int with_x0 = strcmp(name, "freefall-x0") == 0;
    const int np = with_x0 ? 4 : 2;
    double horizon = FREEFALL_T_END;
    const int family = strncmp(name, FREEFALL_HORIZON_PREFIX, strlen(FREEFALL_HORIZON_PREFIX)) == 0;
    if (family && closedform_horizon(name, FREEFALL_HORIZON_PREFIX, FREEFALL_MAX_HORIZON,
                                     "freefall-T20", &horizon, err, errlen) != 0)
        return -1;
    if (model_alloc(m, 2, np, 0, 1) != 0)
        return -1;
    m->summary = with_x0  ? "ball with linear drag, theta = (g, mu, y0, v0); closed-form oracle"
                 : family ? "ball with linear drag over [0, T], theta = (g, mu); closed-form oracle"
                          : "ball with linear drag, theta = (g, mu); closed-form oracle";
    strcpy(m->state_names[0], "y");
    strcpy(m->state_names[1], "v");
    strcpy(m->obs_names[0], "position");
    model_set_param(m, P_G, "g", SCALE_LIN, 9.81, 0.1, 50.0);
    model_set_param(m, P_MU, "mu", SCALE_LIN, 0.3, 0.01, 5.0);
    if (with_x0) {
        model_set_param(m, P_Y0, "y0", SCALE_LIN, 1.0, -100.0, 100.0);
        model_set_param(m, P_V0, "v0", SCALE_LIN, 2.0, -100.0, 100.0);
    }
    m->t0 = 0.0;
    m->tf = horizon;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 1.0;
    m->rtol = 1e-10;
    m->atol = 1e-10;
    m->rhs = freefall_rhs;
    m->initial = freefall_initial;
    m->observables = freefall_position;
    m->exact = freefall_exact;

    /* the report's data: exact positions at g = 9.8, μ = 0.5, from rest */
    if (model_condition_alloc(m, 0, FREEFALL_NOBS) != 0)
        return -1;
    model_condition *c = &m->cond[0];
    strcpy(c->name, "drop");
    const double truth[4] = {FREEFALL_TRUE_G, FREEFALL_TRUE_MU, 0.0, 0.0};
    for (int i = 0; i < FREEFALL_NOBS; i++) {
        c->times[i] = horizon * i / (FREEFALL_NOBS - 1);
        c->values[i] = freefall_position_exact(c->times[i], truth, 4, NULL, NULL);
    }
    return 0;
}

double freefall_position_at(double t, double g, double mu, double y0, double v0)
{
    const double theta[4] = {g, mu, y0, v0};
    return freefall_position_exact(t, theta, 4, NULL, NULL);
}

int freefall_state_at(const model *m, const double *theta, double t, double *x)
{
    if (m->exact != freefall_exact || !(theta[P_MU] > 0.0))
        return -1;
    const double v0 = m->np == 4 ? theta[P_V0] : 0.0;
    /* v = v0 e^{−μt} + g (1 − e^{−μt})/μ */
    x[0] = freefall_position_exact(t, theta, m->np, NULL, NULL);
    x[1] = v0 * exp(-theta[P_MU] * t) - theta[P_G] * expm1(-theta[P_MU] * t) / theta[P_MU];
    return 0;
}

const model_type freefall_type = {
    "freefall", "freefall", "ball with linear drag, theta = (g, mu); closed-form oracle", 0,
    freefall_create};

const model_type freefall_x0_type = {
    "freefall-x0", "freefall-x0",
    "ball with linear drag, theta = (g, mu, y0, v0); closed-form oracle", 0, freefall_create};

const model_type freefall_horizon_type = {
    "freefall-T", "freefall-T<T> (T > 0)",
    "freefall over the horizon [0, T] seconds (100 positions); closed-form oracle", 1,
    freefall_create};
