/* model_prior — the objective prior term, its gradient and Hessian (see model_prior.h). */
#include "model_prior.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const double LN10 = 2.302585092994045684;

static const char *const names[] = {
    "", "uniform", "normal", "laplace", "logNormal", "logLaplace",
    "parameterScaleUniform", "parameterScaleNormal", "parameterScaleLaplace"};

const char *prior_kind_name(prior_kind k)
{
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int prior_kind_parse(const char *name, prior_kind *k)
{
    for (unsigned i = 1; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *k = (prior_kind)i;
            return 0;
        }
    return -1;
}

int prior_check(prior_kind k, double a, double b, char *err, size_t errlen)
{
    const int uniform = k == PRIOR_UNIFORM || k == PRIOR_SCALE_UNIFORM;
    const char *why = NULL;
    if (!isfinite(a) || !isfinite(b))
        why = "its two parameters must be finite numbers";
    else if (uniform && !(a < b))
        why = "a uniform prior needs lower < upper";
    else if (!uniform && !(b > 0.0))
        why = "its scale (the second parameter) must be positive";
    if (why && err && errlen)
        snprintf(err, errlen, "%s prior: %s", prior_kind_name(k), why);
    return why ? -1 : 0;
}

int model_has_prior(const model *m)
{
    for (int i = 0; i < m->np; i++)
        if (m->params[i].prior != PRIOR_NONE)
            return 1;
    return 0;
}

static double sign(double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }

/* −log π(u) and its first two derivatives in u: 0, or -1 outside the support */
static int density(prior_kind k, double a, double b, double u, double *phi, double *d1,
                   double *d2)
{
    switch (k) {
    case PRIOR_UNIFORM:
    case PRIOR_SCALE_UNIFORM:
        if (!(a <= u && u <= b))
            return -1;
        *phi = log(b - a);
        *d1 = *d2 = 0.0;
        return 0;
    case PRIOR_NORMAL:
    case PRIOR_SCALE_NORMAL:
        *phi = 0.5 * log(2.0 * M_PI * b * b) + (u - a) * (u - a) / (2.0 * b * b);
        *d1 = (u - a) / (b * b);
        *d2 = 1.0 / (b * b);
        return 0;
    case PRIOR_LAPLACE:
    case PRIOR_SCALE_LAPLACE:
        *phi = log(2.0 * b) + fabs(u - a) / b;
        *d1 = sign(u - a) / b;
        *d2 = 0.0;
        return 0;
    case PRIOR_LOG_NORMAL: {
        if (!(u > 0.0))
            return -1;
        const double z = log(u) - a;
        /* φ = ½ log 2πb² + ln u + z²/2b²;  φ' = (1 + z/b²)/u;  φ'' = (1/b² − 1 − z/b²)/u² */
        *phi = 0.5 * log(2.0 * M_PI * b * b) + log(u) + z * z / (2.0 * b * b);
        *d1 = (1.0 + z / (b * b)) / u;
        *d2 = (1.0 / (b * b) - 1.0 - z / (b * b)) / (u * u);
        return 0;
    }
    case PRIOR_LOG_LAPLACE: {
        if (!(u > 0.0))
            return -1;
        const double z = log(u) - a, s = sign(z);
        /* φ = log 2b + ln u + |z|/b;  φ' = (1 + s/b)/u;  φ'' = −(1 + s/b)/u² */
        *phi = log(2.0 * b) + log(u) + fabs(z) / b;
        *d1 = (1.0 + s / b) / u;
        *d2 = -(1.0 + s / b) / (u * u);
        return 0;
    }
    case PRIOR_NONE:
        break;
    }
    *phi = *d1 = *d2 = 0.0;
    return 0;
}

int model_prior(const model *m, const double *theta, double *value, double *grad, double *hess,
                char *err, size_t errlen)
{
    const int np = m->np;
    double total = 0.0;
    if (hess)
        memset(hess, 0, sizeof(double) * (size_t)np * (size_t)np);
    for (int i = 0; i < np; i++) {
        const model_param *q = &m->params[i];
        if (grad)
            grad[i] = 0.0;
        if (q->prior == PRIOR_NONE)
            continue;
        const int on_scale = q->prior >= PRIOR_SCALE_UNIFORM;
        double u = theta[i], du = 1.0, ddu = 0.0;
        if (!on_scale && q->scale == SCALE_LN) {
            u = exp(theta[i]);
            du = ddu = u;
        } else if (!on_scale && q->scale == SCALE_LOG10) {
            u = pow(10.0, theta[i]);
            du = LN10 * u;
            ddu = LN10 * LN10 * u;
        }
        double phi, d1, d2;
        if (density(q->prior, q->prior_a, q->prior_b, u, &phi, &d1, &d2) != 0) {
            if (err && errlen)
                snprintf(err, errlen, "parameter %s = %g lies outside the support of its %s "
                         "prior (%g, %g)", q->name, u, prior_kind_name(q->prior), q->prior_a,
                         q->prior_b);
            return -1;
        }
        total += phi;
        if (grad)
            grad[i] = d1 * du;
        if (hess)
            hess[(size_t)i * (size_t)np + (size_t)i] = d2 * du * du + d1 * ddu;
    }
    if (value)
        *value = total;
    return 0;
}
