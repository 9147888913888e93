/* fdhess — Hessians by central differences of gradients (the `adjoint` backend by default,
 * or `forward`), the finite-difference baseline of the report's Figure 5.
 *
 *   column j:  H e_j ≈ (∇L(θ + h_j e_j) − ∇L(θ − h_j e_j)) / (2 h_j),   h_j = step·max(|θ_j|, 1)
 *   H·v:       H v   ≈ (∇L(θ + h v) − ∇L(θ − h v)) / (2 h),   h = min_i step·max(|θ_i|, 1)/|v_i|
 *
 * and the full Hessian is symmetrised, H ← (H + Hᵀ)/2 (the asymmetry before that is reported
 * as hessian_asymmetry: it measures the gradient noise).  Error: O(h²) truncation plus
 * O(ε/h) from the gradients' own error ε, which for an adaptive solver is of the order of its
 * tolerance, not of machine precision — so the default step balances h² against ε/h with
 * ε = max(rtol, DBL_EPSILON): h ∝ ε^(1/3) (4.6e-4 at rtol 1e-10).  The step and the solver
 * tolerance (--rtol, --atol, --rtol-b, --atol-b, passed to the gradient runs) are both
 * settable, as in the report's accuracy study.
 *
 * Time breakpoints: supported as far as the differenced backend (adjoint, forward) carries
 * their jumps, which both do.
 *
 * Cost: 2·np + 1 gradient runs (the extra one gives the loss and gradient at θ itself), or
 * 3 for H·v; memory: one gradient run at a time.  Evaluations and steps are summed over the
 * runs; peak bytes are the largest run's. */
#include "hesscommon.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const method_opt_spec fdhess_options[] = {
    {"step", OPT_DOUBLE, "0", NULL, 0, 1,
     "relative step h_j = step*max(|theta_j|,1); 0 = rtol^(1/3) (balances truncation against "
     "the gradients' solver error)"},
    {"gradient", OPT_CHOICE, "adjoint", "adjoint|forward", 0, 0,
     "the backend whose gradients are differenced"},
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status fdhess_run(const model *m, const double *theta, const method_options *o,
                                method_result *r);

const method_type method_fdhess = {
    "fdhess", "central differences of adjoint (or forward) gradients, symmetrised",
    CAP_HESSIAN | CAP_HVP | CAP_STIFF | CAP_BREAKPOINTS, fdhess_options, fdhess_run};

/* one gradient at θ into g, its counts added to r */
static method_status fdhess_gradient(const method_type *inner, const model *m,
                                     const double *theta, const method_options *o,
                                     method_result *r, double *g, double *loss)
{
    method_options io = *o;
    io.want = WANT_GRADIENT;
    io.direction = NULL;
    io.nkv = 0;   /* our own options are not the gradient backend's */
    method_result gr;
    method_status status = method_run(inner, m, theta, &io, &gr);
    if (status == METHOD_OK) {
        memcpy(g, gr.gradient, sizeof(double) * (size_t)m->np);
        if (loss)
            *loss = gr.loss;
    } else {
        method_fail(r, status, "fdhess: the %s gradient failed: %s", inner->name, gr.error);
    }
    eval_counts_add(&r->fwd, &gr.fwd);
    eval_counts_add(&r->bwd, &gr.bwd);
    r->steps_fwd += gr.steps_fwd;
    r->steps_bwd += gr.steps_bwd;
    r->checkpoints += gr.checkpoints;
    if (gr.peak_bytes > r->peak_bytes)
        r->peak_bytes = gr.peak_bytes;
    method_result_free(&gr);
    return status;
}

/* (∇L(θ + h d) − ∇L(θ − h d)) / (2h) into out, d scaled so that the step is exactly
 * representable in θ (the difference of the shifted and the original θ, not h itself) */
static method_status fdhess_column(const method_type *inner, const model *m,
                                   const double *theta, const method_options *o,
                                   const double *d, double h, method_result *r, double *work,
                                   double *out)
{
    const int np = m->np;
    double *shifted = work, *g_up = work + np, *g_down = work + 2 * np;
    for (int i = 0; i < np; i++)
        shifted[i] = theta[i] + h * d[i];
    method_status status = fdhess_gradient(inner, m, shifted, o, r, g_up, NULL);
    for (int i = 0; status == METHOD_OK && i < np; i++)
        shifted[i] = theta[i] - h * d[i];
    if (status == METHOD_OK)
        status = fdhess_gradient(inner, m, shifted, o, r, g_down, NULL);
    for (int i = 0; status == METHOD_OK && i < np; i++)
        out[i] = (g_up[i] - g_down[i]) / (2.0 * h);
    return status;
}

static method_status fdhess_run(const model *m, const double *theta, const method_options *o,
                                method_result *r)
{
    const method_type *type = &method_fdhess;
    method_status status = hess_outputs(type->name, o, r);
    if (status != METHOD_OK)
        return status;
    const method_type *inner = method_find(method_opt_choice(type, o, "gradient"));
    if (!inner)
        return method_fail(r, METHOD_EUNSUPPORTED, "fdhess: the gradient backend %s is not "
                           "registered", method_opt_choice(type, o, "gradient"));
    double step = method_opt_double(type, o, "step");
    if (!(step > 0))
        step = cbrt(fmax(method_rtol(o, m), DBL_EPSILON));
    method_extra_add(r, "relative_step", step, "");
    const int np = m->np;
    double *work = calloc(5 * (size_t)np + 1, sizeof(double));   /* 3 for fdhess_column, d, col */
    if (!work)
        return method_fail(r, METHOD_EMEMORY, "fdhess: out of memory");
    double *d = work + 3 * np, *col = work + 4 * np;
    status = fdhess_gradient(inner, m, theta, o, r, r->gradient, &r->loss);
    if (status == METHOD_OK && o->want == WANT_HVP) {
        /* the largest h that moves no θ_i by more than step·max(|θ_i|, 1) */
        double h = INFINITY;
        for (int i = 0; i < np; i++)
            if (o->direction[i] != 0.0)
                h = fmin(h, step * fmax(fabs(theta[i]), 1.0) / fabs(o->direction[i]));
        if (isfinite(h))   /* H·0 = 0 needs no run */
            status = fdhess_column(inner, m, theta, o, o->direction, h, r, work, r->hvp);
    }
    for (int j = 0; status == METHOD_OK && o->want == WANT_HESSIAN && j < np; j++) {
        /* the step actually taken is the difference of representable numbers */
        const double up = theta[j] + step * fmax(fabs(theta[j]), 1.0);
        const double h = up - theta[j];
        memset(d, 0, sizeof(double) * (size_t)np);
        d[j] = 1.0;
        status = fdhess_column(inner, m, theta, o, d, h, r, work, col);
        for (int i = 0; status == METHOD_OK && i < np; i++)
            r->hessian[i * np + j] = col[i];
    }
    if (status == METHOD_OK && o->want == WANT_HESSIAN) {
        hess_report_asymmetry(r);
        for (int i = 0; i < np; i++)
            for (int j = i + 1; j < np; j++) {
                const double s = 0.5 * (r->hessian[i * np + j] + r->hessian[j * np + i]);
                r->hessian[i * np + j] = r->hessian[j * np + i] = s;
            }
    }
    free(work);
    return status;
}
