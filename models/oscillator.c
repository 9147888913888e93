/* oscillator — the course report's error-accumulation example (§2.2, eq. 16): a prediction
 * task whose exact answer is y(t) = sin t, here as the harmonic oscillator
 *
 *     y' = v,   v' = −ω² y,   y(0) = 0,   v(0) = a ω,        so  y = a sin ωt,  v = a ω cos ωt,
 *
 * with θ = (ω, a) on linear scales.  Data: 100 equally spaced positions on [0, T] (0 and T
 * included) of sin t (ω = a = 1); loss: the plain sum of squares Σ (y(t_i) − d_i)², as for
 * freefall.  The nominal θ = (1.05, 0.9) is away from the truth, so the gradient is not zero.
 *
 * `oscillator` runs over T = OSCILLATOR_T_END; `oscillator-T<T>` over [0, T] (0 < T ≤
 * OSCILLATOR_MAX_HORIZON).  Unlike freefall, whose drag makes the backward re-integration of
 * a backsolve adjoint unstable (errors grow like e^{μt}), the oscillator conserves energy in
 * both time directions, and the number of steps any solver takes grows in proportion to T
 * (a fixed number per period) — the long-horizon problem of the memory-against-steps study.
 *
 * Closed form: with s = sin ωt, c = cos ωt,
 *     y = a s,   ∂y/∂ω = a t c,   ∂y/∂a = s,
 *     ∂²y/∂ω² = −a t² s,   ∂²y/∂ω∂a = t c,   ∂²y/∂a² = 0,
 * so the loss, its gradient and its Hessian are exact — the oracle every backend is held to. */
#include "oscillator.h"
#include "closedform.h"

#include <math.h>
#include <string.h>

#define OSCILLATOR_NOBS 100
#define OSCILLATOR_T_END 20.0
#define OSCILLATOR_MAX_HORIZON 1e6
#define OSCILLATOR_HORIZON_PREFIX "oscillator-T"

/* θ: nominal values, bounds; the truth the data come from */
static const struct {
    double omega, amplitude;
    double omega_lower, omega_upper, amplitude_lower, amplitude_upper;
    double true_omega, true_amplitude;
} oscillator_params = {1.05, 0.9, 0.1, 10.0, -10.0, 10.0, 1.0, 1.0};

enum { P_OMEGA, P_AMPLITUDE };

static expr oscillator_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr omega = expr_param(g, P_OMEGA);
    expr dv = expr_neg(g, expr_mul(g, expr_mul(g, omega, omega), expr_state(g, 0)));
    expr parts[2] = {expr_state(g, 1), dv};
    return expr_concat(g, 2, parts);
}

static expr oscillator_initial(expr_graph *g, const model *m)
{
    (void)m;
    expr parts[2] = {expr_num(g, 0.0),
                     expr_mul(g, expr_param(g, P_AMPLITUDE), expr_param(g, P_OMEGA))};
    return expr_concat(g, 2, parts);
}

static expr oscillator_position(expr_graph *g, const model *m)
{
    (void)m;
    return expr_state(g, 0);
}

/* y(t) and its θ-derivatives dy[2], d2y[2×2] (either may be NULL; np is always 2) */
static double oscillator_position_exact(double t, const double *theta, int np, double *dy,
                                        double *d2y)
{
    (void)np;
    const double omega = theta[P_OMEGA], a = theta[P_AMPLITUDE];
    const double s = sin(omega * t), c = cos(omega * t);
    if (dy) {
        dy[P_OMEGA] = a * t * c;
        dy[P_AMPLITUDE] = s;
    }
    if (d2y) {
        d2y[P_OMEGA * 2 + P_OMEGA] = -a * t * t * s;
        d2y[P_OMEGA * 2 + P_AMPLITUDE] = d2y[P_AMPLITUDE * 2 + P_OMEGA] = t * c;
        d2y[P_AMPLITUDE * 2 + P_AMPLITUDE] = 0.0;
    }
    return a * s;
}

/* the sum of squares and its exact derivatives, from those of y (closedform.h) */
static int oscillator_exact(const model *m, const double *theta, double *loss, double *gradient,
                            double *hessian)
{
    closedform_sse(m, theta, oscillator_position_exact, loss, gradient, hessian);
    return 0;
}

int oscillator_create(model *m, const char *name, char *err, size_t errlen)
{
    double horizon = OSCILLATOR_T_END;
    const int family =
        strncmp(name, OSCILLATOR_HORIZON_PREFIX, strlen(OSCILLATOR_HORIZON_PREFIX)) == 0;
    if (family && closedform_horizon(name, OSCILLATOR_HORIZON_PREFIX, OSCILLATOR_MAX_HORIZON,
                                     "oscillator-T100", &horizon, err, errlen) != 0)
        return -1;
    if (model_alloc(m, 2, 2, 0, 1) != 0)
        return -1;
    m->summary = family ? "harmonic oscillator y = a sin(omega t) over [0, T]; closed-form oracle"
                        : "harmonic oscillator y = a sin(omega t) (report eq. 16); closed-form oracle";
    strcpy(m->state_names[0], "y");
    strcpy(m->state_names[1], "v");
    strcpy(m->obs_names[0], "position");
    model_set_param(m, P_OMEGA, "omega", SCALE_LIN, oscillator_params.omega,
                    oscillator_params.omega_lower, oscillator_params.omega_upper);
    model_set_param(m, P_AMPLITUDE, "a", SCALE_LIN, oscillator_params.amplitude,
                    oscillator_params.amplitude_lower, oscillator_params.amplitude_upper);
    m->t0 = 0.0;
    m->tf = horizon;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 1.0;
    m->rtol = 1e-10;
    m->atol = 1e-10;
    m->rhs = oscillator_rhs;
    m->initial = oscillator_initial;
    m->observables = oscillator_position;
    m->exact = oscillator_exact;

    if (model_condition_alloc(m, 0, OSCILLATOR_NOBS) != 0)
        return -1;
    model_condition *c = &m->cond[0];
    strcpy(c->name, "swing");
    const double truth[2] = {oscillator_params.true_omega, oscillator_params.true_amplitude};
    for (int i = 0; i < OSCILLATOR_NOBS; i++) {
        c->times[i] = horizon * i / (OSCILLATOR_NOBS - 1);
        c->values[i] = oscillator_position_exact(c->times[i], truth, 2, NULL, NULL);
    }
    return 0;
}

int oscillator_state_at(const model *m, const double *theta, double t, double *x)
{
    if (m->exact != oscillator_exact)
        return -1;
    const double omega = theta[P_OMEGA], a = theta[P_AMPLITUDE];
    x[0] = a * sin(omega * t);
    x[1] = a * omega * cos(omega * t);
    return 0;
}

const model_type oscillator_type = {
    "oscillator", "oscillator",
    "harmonic oscillator y = a sin(omega t) (report eq. 16), theta = (omega, a); closed-form oracle",
    0, oscillator_create};

const model_type oscillator_horizon_type = {
    "oscillator-T", "oscillator-T<T> (T > 0)",
    "harmonic oscillator over the horizon [0, T] (100 positions); closed-form oracle", 1,
    oscillator_create};
