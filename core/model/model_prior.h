/* model_prior — the objective prior of a model: a separate term of the objective,
 *     P(θ) = Σ_i −log π_i(u_i),   u_i = θ_i (parameter-scale priors) or p_i (the others),
 * over the parameters that carry a prior (model_param.prior), with its exact gradient and
 * Hessian in θ-space.  The objective a fit minimises is the data term (the loss every backend
 * computes) plus P; `grad` reports the two apart.
 *
 * The densities (a, b the two prior parameters; PEtab v1's objectivePriorParameters):
 *   uniform        a ≤ u ≤ b             −log π = log(b − a)
 *   normal         mean a, sd b          −log π = ½ log(2π b²) + (u − a)²/(2b²)
 *   laplace        location a, scale b   −log π = log(2b) + |u − a|/b
 *   logNormal      ln u ~ normal(a, b)   −log π = ½ log(2π b²) + ln u + (ln u − a)²/(2b²)
 *   logLaplace     ln u ~ laplace(a, b)  −log π = log(2b) + ln u + |ln u − a|/b
 * (the log densities include the 1/u of the change of variable: they are densities of u).
 * Derivatives through u(θ) by the chain rule, with u' = 1, p, ln10·p and u'' = 0, p, ln10²·p
 * for the lin, ln and log10 scales (u' = 1, u'' = 0 for the parameter-scale variants):
 *   dP/dθ = φ'(u) u',   d²P/dθ² = φ''(u) u'² + φ'(u) u''.
 * |u − a| has no derivative at u = a; there the gradient takes sign(0) = 0.  The Hessian is
 * diagonal. */
#ifndef ODEGRAD_MODEL_PRIOR_H
#define ODEGRAD_MODEL_PRIOR_H

#include <stddef.h>
#include "model.h"

/* 1 if some parameter of m carries a prior */
int model_has_prior(const model *m);
/* P(θ) into *value, its gradient (np) and Hessian (np×np row-major, zeros off the diagonal)
 * into grad and hess (each may be NULL).  0, or -1 with a message when θ lies outside a
 * prior's support (a uniform prior's interval, u ≤ 0 for a log prior). */
int model_prior(const model *m, const double *theta, double *value, double *grad, double *hess,
                char *err, size_t errlen);

/* PEtab's names: uniform, normal, laplace, logNormal, logLaplace, parameterScaleUniform,
 * parameterScaleNormal, parameterScaleLaplace.  parse: 0, or -1 for an unknown name. */
const char *prior_kind_name(prior_kind k);
int prior_kind_parse(const char *name, prior_kind *k);
/* 0 if (a, b) are valid parameters of a prior of kind k (b > 0; a < b for the uniforms),
 * else -1 with the reason in err. */
int prior_check(prior_kind k, double a, double b, char *err, size_t errlen);

#endif
