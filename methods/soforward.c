/* soforward — full Hessians by second-order forward sensitivities (forward-over-forward),
 * the O(np²) baseline of the second-order methods.
 *
 * Alongside x' = f(t, x, θ) CVODES integrates the np first-order sensitivities and the
 * np(np+1)/2 distinct second-order ones (s_ij = s_ji, only i ≤ j is carried):
 *     s_j'  = f_x s_j + f_θ e_j,                                s_j(t0)  = x0_θ e_j
 *     s_ij' = f_x s_ij + f''[(s_i, e_i), (s_j, e_j)],             s_ij(t0) = x0_θθ[e_i, e_j]
 * (model_rhs_hvv gives exactly the second line with d12x = s_ij; model_x0_hvv the initial
 * value; both include the log10 chain rule).  All of them are CVODES forward sensitivities of
 * the state (cv_forward_new_sens with our own sensitivity system): CVODES corrects every vector
 * with the state's Newton matrix I − γ f_x — exact for s_j, and for s_ij the forcing depends on
 * s_i, s_j only, which the simultaneous (or staggered) corrector converges through.  All
 * vectors are in the local error test, as for `forward`.
 *
 * Each observation adds to the Hessian, for every pair (i, j),
 *     ∂²ℓ/∂θ_i∂θ_j = (s_i, e_i)ᵀ ∇²ℓ (s_j, e_j) + ℓ_x s_ij
 * with ∇²ℓ (s_j, e_j) from model_loss_term_hvp (one call per j), and a running cost G = ∫ g dt
 * contributes the quadrature sensitivities  ∫ [(s_i, e_i)ᵀ ∇²g (s_j, e_j) + g_x s_ij] dt.
 * Both triangles are assembled from their own products, so the reported asymmetry measures
 * rounding only.  The system itself is in sofwdsys.c (shared with `fim`).
 *
 * Cost: nx(1 + np + np(np+1)/2) equations, i.e. np(np+1)/2 second-order products per
 * right-hand side — quadratic in np (Stapor et al.'s forward-over-forward).  Memory: CVODES
 * holds its Nordsieck history for every vector. */
#include "hesscommon.h"
#include "sofwdsys.h"

#include <string.h>

static const method_opt_spec soforward_options[] = {
    {"mode", OPT_CHOICE, "simultaneous", "simultaneous|staggered", 0, 0,
     "how CVODES couples the sensitivities to the state's Newton iteration"},
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status soforward_run(const model *m, const double *theta,
                                   const method_options *o, method_result *r);

const method_type method_soforward = {
    "soforward", "second-order forward sensitivities (forward-over-forward, CVODES)",
    CAP_HESSIAN | CAP_STIFF, soforward_options, soforward_run};

static method_status soforward_run(const model *m, const double *theta,
                                   const method_options *o, method_result *r)
{
    const method_type *type = &method_soforward;
    method_status status = hess_outputs(type->name, o, r);
    if (status != METHOD_OK)
        return status;
    const cv_sens_mode mode = strcmp(method_opt_choice(type, o, "mode"), "staggered") == 0
                                  ? CV_SENS_STAGGERED
                                  : CV_SENS_SIMULTANEOUS;
    status = sofwd_run(type->name, m, theta, o, mode, 0, 1, &r->loss, r);
    hess_report_asymmetry(r);
    return status;
}
