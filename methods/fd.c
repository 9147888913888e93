/* fd — the loss gradient by finite differences of the CVODES forward solve.
 *
 *   forward:  ∂L/∂θ_i ≈ (L(θ + h_i e_i) − L(θ)) / h_i                 error O(h) + O(ε/h)
 *   central:  ∂L/∂θ_i ≈ (L(θ + h_i e_i) − L(θ − h_i e_i)) / (2 h_i)    error O(h²) + O(ε/h)
 *
 * with h_i = step · max(|θ_i|, 1) (relative to θ_i, but never smaller than an absolute step
 * for θ_i near 0).  The noise ε is the relative error of the computed loss.  For a plain
 * function that is machine epsilon, but a loss computed by an adaptive solver carries an
 * error of the order of the solver's relative tolerance, and its step-size sequence changes
 * discontinuously with θ — so the default step balances truncation against ε = max(rtol,
 * DBL_EPSILON) instead: the minimisers of h + ε/h and h² + ε/h are h ∝ ε^(1/2) (forward) and
 * h ∝ ε^(1/3) (central).  At rtol = 1e-10 that is 1e-5 and 4.6e-4 respectively, where a
 * machine-epsilon rule would pick 1.5e-8 and 6e-6 and drown in solver noise.
 *
 * Cost: np + 1 (forward) or 2·np (central) solves, plus one for the loss itself (central).
 * Memory: one solve at a time. */
#include "cvcommon.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const method_opt_spec fd_options[] = {
    {"scheme", OPT_CHOICE, "central", "central|forward", 0, 0,
     "central differences (error O(h^2)) or forward differences (error O(h))"},
    {"step", OPT_DOUBLE, "0", NULL, 0, 1,
     "relative step h_i = step*max(|theta_i|,1); 0 = from the solver tolerance: "
     "rtol^(1/2) forward, rtol^(1/3) central"},
    CVM_LINSOL_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status fd_run(const model *m, const double *theta, const method_options *o,
                            method_result *r);

const method_type method_fd = {
    "fd", "finite differences (forward or central) of the CVODES forward solve",
    CAP_GRADIENT | CAP_STIFF, fd_options, fd_run};

/* the loss at θ, adding steps and evaluations to the result */
static method_status fd_loss(const model *m, const double *theta, const cv_settings *s,
                             method_result *r, size_t *bytes, double *loss)
{
    char err[256];
    model_ctx *ctx = cvm_context(method_fd.name, m, theta, r);
    if (!ctx)
        return METHOD_EINPUT;
    long steps = 0;
    size_t work = 0;
    int status = cv_loss(ctx, s, &r->fwd, loss, &steps, &work, err, sizeof err);
    r->steps_fwd += steps;
    if (work + model_ctx_bytes(ctx) > *bytes)
        *bytes = work + model_ctx_bytes(ctx);
    model_ctx_free(ctx);
    if (status != 0)
        return method_fail(r, METHOD_ESOLVER, "%s", err);
    return METHOD_OK;
}

static method_status fd_run(const model *m, const double *theta, const method_options *o,
                            method_result *r)
{
    cv_settings s;
    method_status status = cvm_settings(method_fd.name, m, o, 0, &s, r);
    if (status == METHOD_OK)
        status = cvm_linsol(&method_fd, o, &s, r);
    if (status != METHOD_OK || (status = cvm_gradient(method_fd.name, r)) != METHOD_OK)
        return status;
    const int central = strcmp(method_opt_choice(&method_fd, o, "scheme"), "central") == 0;
    double step = method_opt_double(&method_fd, o, "step");
    if (!(step > 0)) {
        const double noise = fmax(s.rtol, DBL_EPSILON);
        step = central ? cbrt(noise) : sqrt(noise);
    }
    method_extra_add(r, "relative_step", step, "");

    const int np = m->np;
    double *shifted = malloc(sizeof(double) * (size_t)(np ? np : 1));
    if (!shifted)
        return method_fail(r, METHOD_EMEMORY, "fd: out of memory");
    size_t bytes = 0;
    status = fd_loss(m, theta, &s, r, &bytes, &r->loss);
    for (int i = 0; status == METHOD_OK && i < np; i++) {
        memcpy(shifted, theta, sizeof(double) * (size_t)np);
        /* the actual step is the difference of representable numbers, not h itself */
        const double h = step * fmax(fabs(theta[i]), 1.0);
        double up, down = r->loss;
        shifted[i] = theta[i] + h;
        const double hi = shifted[i] - theta[i];
        status = fd_loss(m, shifted, &s, r, &bytes, &up);
        double lo = 0.0;
        if (status == METHOD_OK && central) {
            shifted[i] = theta[i] - h;
            lo = theta[i] - shifted[i];
            status = fd_loss(m, shifted, &s, r, &bytes, &down);
        }
        if (status == METHOD_OK)
            r->gradient[i] = (up - down) / (hi + lo);
    }
    free(shifted);
    r->peak_bytes = bytes + sizeof(double) * (size_t)np;
    return status;
}
