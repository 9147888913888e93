/* forward — the loss gradient from CVODES forward sensitivities.
 *
 * Alongside x' = f(t, x, θ) CVODES integrates the np sensitivities s_j = ∂x/∂θ_j,
 *     s_j' = f_x s_j + f_θ e_j,   s_j(t0) = ∂x0/∂θ_j,
 * whose right-hand side is one exact Jacobian–vector product of the model per parameter.
 * Each observation adds  ∂ℓ_k/∂θ_j = ℓ_x(t_k)·s_j(t_k) + ℓ_θj  (the initial state's dependence
 * on θ is carried by s_j(t0); a data point at t0 sees it directly).  A running cost
 * G = ∫ g dt is a CVODES quadrature and its gradient the quadrature sensitivities
 * (∫ g)_θj' = g_x s_j + g_θj.  Conditions are solved one after another and summed.
 *
 * Modes: simultaneous (state and sensitivities in one Newton system) or staggered (the state
 * corrector converges first, then the sensitivities).  Sensitivities take part in the error
 * test by default (errcon), which is what makes them as accurate as the state.
 *
 * Time breakpoints (events, piecewise in time): CVODES stops at each, the state and the
 * sensitivities take their exact jump (model_break.c) and it restarts; breakpoint_stops (an
 * extra) counts the stops over all conditions.
 *
 * Memory grows with np: CVODES holds (1 + np) copies of its Nordsieck history. */
#include "cvcommon.h"

#include <stdlib.h>
#include <string.h>

static const method_opt_spec forward_options[] = {
    {"mode", OPT_CHOICE, "simultaneous", "simultaneous|staggered", 0, 0,
     "how CVODES couples the sensitivities to the state's Newton iteration"},
    {"errcon", OPT_BOOL, "on", NULL, 0, 1,
     "include the sensitivities in the local error test (off: only the state controls steps)"},
    CVM_LINSOL_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status forward_run(const model *m, const double *theta, const method_options *o,
                                 method_result *r);

const method_type method_forward = {
    "forward", "CVODES forward sensitivities (simultaneous or staggered)",
    CAP_GRADIENT | CAP_STIFF | CAP_BREAKPOINTS, forward_options, forward_run};

typedef struct {
    model_ctx *ctx;
    int nx, np;
    double loss;
    double *gradient;     /* np, accumulated */
    double *lx, *lth;     /* ℓ_x (nx), ℓ_θ (np) scratch */
} forward_sum;

static int forward_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    forward_sum *acc = user;
    (void)t;
    acc->loss += model_loss_term_grad(acc->ctx, k, x, acc->lx, acc->lth);
    for (int j = 0; j < acc->np; j++) {
        double d = acc->lth[j];
        for (int i = 0; i < acc->nx; i++)
            d += acc->lx[i] * S[j][i];
        acc->gradient[j] += d;
    }
    return 0;
}

static method_status forward_run(const model *m, const double *theta, const method_options *o,
                                 method_result *r)
{
    cv_settings s;
    method_status status = cvm_settings(method_forward.name, m, o, 0, &s, r);
    if (status == METHOD_OK)
        status = cvm_linsol(&method_forward, o, &s, r);
    if (status != METHOD_OK || (status = cvm_gradient(method_forward.name, r)) != METHOD_OK)
        return status;
    const char *mode = method_opt_choice(&method_forward, o, "mode");
    cv_forward_options fo = {
        strcmp(mode, "staggered") == 0 ? CV_SENS_STAGGERED : CV_SENS_SIMULTANEOUS,
        (int)method_opt_int(&method_forward, o, "errcon"), 0, CV_INTERP_HERMITE, &r->fwd, NULL};

    model_ctx *ctx = cvm_context(method_forward.name, m, theta, r);
    if (!ctx)
        return METHOD_EINPUT;
    const int np = m->np, nx = m->nx;
    forward_sum acc = {ctx, nx, np, 0.0, r->gradient, calloc((size_t)nx, sizeof(double)),
                       calloc((size_t)(np ? np : 1), sizeof(double))};
    double *dG = calloc((size_t)(np ? np : 1), sizeof(double));
    if (!acc.lx || !acc.lth || !dG) {
        status = method_fail(r, METHOD_EMEMORY, "forward: out of memory");
        goto done;
    }
    const size_t own = sizeof(double) * (size_t)(nx + 2 * np) + model_ctx_bytes(ctx);
    char err[256];
    long stops = 0;
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(ctx, k);
        cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
        if (!cv) {
            status = method_fail(r, METHOD_ESOLVER, "%s", err);
            break;
        }
        if (cv_forward_run(cv, forward_at_obs, &acc, err, sizeof err) != 0) {
            status = method_fail(r, METHOD_ESOLVER, "%s", err);
        } else {
            double G;
            cv_forward_running(cv, &G, dG);
            acc.loss += G;
            for (int j = 0; j < np; j++)
                r->gradient[j] += dG[j];
            r->steps_fwd += cv_steps(cv);
            stops += cv_break_stops(cv);
            if (cv_workspace_bytes(cv) + own > r->peak_bytes)
                r->peak_bytes = cv_workspace_bytes(cv) + own;
        }
        cv_free(cv);
    }
    r->loss = acc.loss;
    if (status == METHOD_OK && m->nbreak > 0)
        method_extra_add(r, "breakpoint_stops", (double)stops, "");
done:
    free(acc.lx);
    free(acc.lth);
    free(dG);
    model_ctx_free(ctx);
    return status;
}
