/* fdhess — Hessians by central differences of gradients (the `adjoint` backend by default,
 * or `forward`), the finite-difference baseline of the report's Figure 5.
 *
 *   column j:  H e_j ≈ (∇L(θ + h_j e_j) − ∇L(θ − h_j e_j)) / (2 h_j),   h_j = step·max(|θ_j|, 1)
 *   H·v:       H v   ≈ (∇L(θ + h v) − ∇L(θ − h v)) / (2 h),   h = min_i step·max(|θ_i|, 1)/|v_i|
 *
 * — where θ lies within 2h of a bound, the one-sided second-order form on the inside,
 * ±(−3∇L(θ) + 4∇L(θ ± h e_j) − ∇L(θ ± 2h e_j))/(2h), so that no gradient is asked for
 * outside the model's bounds (fits and profiles end on them) —
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

/* Which differences stay inside the model's bounds for θ ± 2h·d: 0 central, +1 one-sided
 * forward (θ + h d, θ + 2h d), −1 one-sided backward; 2 when neither side fits (the box is
 * narrower than 2h along d). */
static int fdhess_side(const model *m, const double *theta, const double *d, double h)
{
    int up = 1, down = 1, central = 1;
    for (int i = 0; i < m->np; i++) {
        if (d[i] == 0.0)
            continue;
        const double lo = m->params[i].lower, hi = m->params[i].upper;
        const double t1 = theta[i] + h * d[i], t2 = theta[i] + 2.0 * h * d[i];
        const double b1 = theta[i] - h * d[i], b2 = theta[i] - 2.0 * h * d[i];
        central &= t1 >= lo && t1 <= hi && b1 >= lo && b1 <= hi;
        up &= t2 >= lo && t2 <= hi && t1 >= lo && t1 <= hi;
        down &= b2 >= lo && b2 <= hi && b1 >= lo && b1 <= hi;
    }
    return central ? 0 : up ? 1 : down ? -1 : 2;
}

/* The derivative of ∇L along d, into out, with g0 = ∇L(θ):
 *   central    (∇L(θ + h d) − ∇L(θ − h d)) / (2h)
 *   one-sided  ±(−3∇L(θ) + 4∇L(θ ± h d) − ∇L(θ ± 2h d)) / (2h)   (also O(h²)),
 * the one-sided form where θ sits within 2h of a bound, so that no gradient is asked for
 * outside the model's bounds (where the model may not be defined). */
static method_status fdhess_column(const method_type *inner, const model *m,
                                   const double *theta, const method_options *o,
                                   const double *d, double h, const double *g0,
                                   method_result *r, double *work, double *out)
{
    const int np = m->np;
    double *shifted = work, *g1 = work + np, *g2 = work + 2 * np;
    const int side = fdhess_side(m, theta, d, h);
    if (side == 2)
        return method_fail(r, METHOD_EINPUT, "fdhess: the bounds leave less than two steps "
                           "(h = %g) on either side of theta; give a smaller --opt step", h);
    /* central: g1 at θ + h d, g2 at θ − h d; one-sided: g1 at θ + s h d, g2 at θ + 2 s h d */
    const double a1 = side == 0 ? h : side * h, a2 = side == 0 ? -h : 2.0 * side * h;
    for (int i = 0; i < np; i++)
        shifted[i] = theta[i] + a1 * d[i];
    method_status status = fdhess_gradient(inner, m, shifted, o, r, g1, NULL);
    for (int i = 0; status == METHOD_OK && i < np; i++)
        shifted[i] = theta[i] + a2 * d[i];
    if (status == METHOD_OK)
        status = fdhess_gradient(inner, m, shifted, o, r, g2, NULL);
    for (int i = 0; status == METHOD_OK && i < np; i++)
        out[i] = side == 0 ? (g1[i] - g2[i]) / (2.0 * h)
                           : side * (-3.0 * g0[i] + 4.0 * g1[i] - g2[i]) / (2.0 * h);
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
            status = fdhess_column(inner, m, theta, o, o->direction, h, r->gradient, r, work,
                                   r->hvp);
    }
    for (int j = 0; status == METHOD_OK && o->want == WANT_HESSIAN && j < np; j++) {
        /* the step actually taken is the difference of representable numbers */
        const double up = theta[j] + step * fmax(fabs(theta[j]), 1.0);
        const double h = up - theta[j];
        memset(d, 0, sizeof(double) * (size_t)np);
        d[j] = 1.0;
        status = fdhess_column(inner, m, theta, o, d, h, r->gradient, r, work, col);
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
