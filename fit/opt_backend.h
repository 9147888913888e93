/* opt_backend — a model's loss as the objective of an optimiser (fit/opt.h), with every
 * derivative from a backend of the registry:
 *
 *   loss        plain CVODES forward solves (cv_loss) at the run's tolerances — every loss
 *               value an optimiser compares comes from here, computed the same way;
 *   gradient    the gradient backend (e.g. adjoint), its own loss value unused;
 *   Hessian     the second-order backend (soadjoint, soforward, fdhess, fim), with its
 *               gradient, or the gradient backend's when it delivers none;
 *   residuals   methods/residuals.h (forward sensitivities), in the least-squares form
 *               L = ½‖f‖² + offset:
 *                 sum of squares  L = Σ r_i²                       f = √2·r
 *                 Gaussian NLL    L = Σ ½r_i² + Σ ln σ_i + (n/2) ln 2π
 *                                 f = (r, s),  s_i = √(2 ln σ_i + C),
 *                                 offset = (n/2) ln 2π − nC/2.
 *               The σ-residuals s make the negative log-likelihood itself a sum of squares,
 *               so Gauss–Newton optimises the σ parameters with the others, on exactly the
 *               objective the other optimisers see; their Gauss–Newton curvature
 *               (∂s/∂θ)(∂s/∂θ)ᵀ = σ_θσ_θᵀ/(σ² s²) shrinks as C grows (for σ = 10^θ the exact
 *               curvature of Σ ln σ is zero), so C is large: C = 100, valid while
 *               σ > e^{−50} ≈ 2e-22 (every model's σ bounds are far above; a smaller σ is
 *               a failed evaluation).
 * Objective priors (model_prior.h), when the model has them, are added to every loss,
 * gradient and Hessian: the optimiser minimises the data term plus the prior (least squares
 * is refused for such a model).
 * The evaluations of every backend run are added up (RHS, JVP, VJP, Jacobian, second-order
 * products; steps) for the caller to report. */
#ifndef ODEGRAD_OPT_BACKEND_H
#define ODEGRAD_OPT_BACKEND_H

#include "opt.h"
#include "method.h"

typedef struct {
    const model *m;
    method_options grad_opts;        /* common options, WANT_GRADIENT, no backend options */
    method_options hess_opts;        /* common options + backend options, WANT_HESSIAN */
    const method_type *gradient;     /* may be NULL */
    const method_type *hessian;      /* may be NULL */
    const method_type *approx;       /* approximate Hessian of hybrid schemes; may be NULL */
    method_options approx_opts;      /* common options, WANT_HESSIAN, no backend options */
    int least_squares;               /* residuals offered */
    double *lower, *upper;           /* the model's bounds */
    int ndata, gaussian;
    int prior;                       /* the model has objective priors: added to every
                                        loss, gradient and Hessian (model_prior.h) */
    double *prior_g, *prior_H;       /* scratch for them */
    /* what all runs evaluated, summed */
    eval_counts fwd, bwd;
    long steps;
} optb_objective;

/* The σ-residual constant C (see above). */
#define OPTB_SIGMA_OFFSET 100.0

/* Set up the objective of model m.  o: the common options (tolerances, solver, step limit)
 * and the backend options, which go to the Hessian backend (or, without one, to the gradient
 * backend).  gradient/hessian may be NULL; least_squares asks for residuals (refused, with a
 * message, for a model whose loss has a running cost).  0, or -1 with a message. */
int optb_open(optb_objective *ob, const model *m, const method_options *o,
              const method_type *gradient, const method_type *hessian, int least_squares,
              char *err, size_t errlen);
void optb_close(optb_objective *ob);
/* Offer an approximate Hessian (e.g. fim) from backend `approx` with the common options of o,
 * for the hybrid schemes of trr (opt_problem.approx_hessian). */
void optb_set_approx(optb_objective *ob, const method_type *approx, const method_options *o);
/* The opt_problem view (callbacks into ob; valid while ob is). */
void optb_problem(optb_objective *ob, opt_problem *P);

#endif
