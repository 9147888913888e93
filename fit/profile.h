/* profile — profile likelihoods of one parameter and their confidence intervals (the
 * "uncertainty analysis" of Stapor et al., Bioinformatics 2018; Raue et al., Bioinformatics
 * 2009).
 *
 * For parameter i the profile is PL(t) = min { L(θ) : θ_i = t, θ in the box }, and the
 * likelihood-ratio confidence interval at level 95 % is { t : PL(t) − L̂ ≤ Δ } with
 * Δ = ½χ²₁(0.95) = 1.9207… for an objective L that is a negative log-likelihood (for a
 * sum-of-squares loss the same Δ applies to L as written, i.e. L read as −log-likelihood up
 * to a constant).  The profile is followed from the optimum θ̂ to each side until PL − L̂
 * exceeds Δ (the end of the interval is then located to ci_tol by bisection with
 * interpolation) or the box ends (the interval is open on that side: it reaches the bound).
 * Two ways of computing PL:
 *
 *   PROFILE_OPTIMISATION  every point is a fit of the other parameters with θ_i fixed
 *                         (trust-region reflective, warm-started at the previous point);
 *   PROFILE_INTEGRATION   the profile path θ_r(t) (r: the other parameters) satisfies
 *                         ∇_r L(t, θ_r(t)) = 0, hence the path equation
 *                             dθ_r/dt = −H_rr⁻¹ H_ri
 *                         (Chen & Jennrich, J. Comput. Graph. Stat. 2002).  It is integrated by
 *                         explicit Euler steps with the Hessian of the current point, each
 *                         followed by Newton corrections of ∇_r L = 0 with the Hessians of the
 *                         new point (which keep the path on the profile, as Chen & Jennrich's
 *                         stabilising term does continuously).  Parameters that reach a bound
 *                         with the gradient pushing outwards stay there; singular directions of
 *                         H_rr (parameters the data cannot fix) are left out of the solves
 *                         (pseudo-inverse).
 *
 * The step in t adapts so that PL rises by about a fifth of Δ per step.  Every evaluation is
 * counted, and the processor time of each profile measured, so that the cost of Hessian
 * backends can be compared on the same profiles. */
#ifndef ODEGRAD_PROFILE_H
#define ODEGRAD_PROFILE_H

#include <stddef.h>
#include "opt.h"

/* ½ χ²₁(0.95): the 95 % likelihood-ratio threshold of one parameter */
#define PROFILE_THRESHOLD_95 1.9207294103470620

typedef enum { PROFILE_OPTIMISATION = 0, PROFILE_INTEGRATION = 1 } profile_kind;

/* "optimisation", "integration" */
const char *profile_kind_name(profile_kind k);
/* 0 with *k set, or -1 for an unknown name */
int profile_kind_find(const char *name, profile_kind *k);

typedef struct {
    double threshold;     /* Δ (default PROFILE_THRESHOLD_95) */
    double first_step;    /* first step in t, relative to the parameter's box width (1e-3) */
    double max_step;      /* largest step, relative to the box width (0.1) */
    double rise;          /* aim: PL rises by rise·Δ per step (0.2) */
    int max_points;       /* points per side (200) */
    double ci_tol;        /* ends of the interval to ci_tol·(box width) (1e-10) */
    int max_newton;       /* integration: Newton corrections per point (20) */
    opt_settings inner;   /* optimisation: the fits' settings; integration: inner.gtol is the
                             corrector's tolerance on ‖∇_r L‖_∞ (defaults: opt_settings_init
                             with gtol 1e-8) */
} profile_settings;

void profile_settings_init(profile_settings *s);

typedef struct {
    int np, index;        /* the parameter profiled */
    double estimate;      /* θ̂_index */
    int n;                /* points, ordered by t */
    double *t;            /* n */
    double *value;        /* n: PL(t) − L̂ */
    double *theta;        /* n × np: the profile path */
    double ci[2];         /* the interval's lower and upper end */
    int closed[2];        /* 1: PL − L̂ = Δ there; 0: the box bound (PL − L̂ < Δ up to it) */
    long n_loss, n_gradient, n_hessian;   /* evaluations of the objective */
    double cpu_seconds;   /* processor time */
} profile_result;

void profile_result_free(profile_result *r);

/* The profile of parameter `index` of P through the optimum theta_hat (objective L_hat).
 * kind PROFILE_OPTIMISATION and PROFILE_INTEGRATION both need P->hessian.  0 with r filled,
 * or -1 with a one-line message (bad arguments, an evaluation that fails at every step size,
 * out of memory); r is then empty. */
int profile_compute(profile_kind kind, const opt_problem *P, const double *theta_hat,
                    double L_hat, int index, const profile_settings *s, profile_result *r,
                    char *err, size_t errlen);

#endif
