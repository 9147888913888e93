/* adjoint — the loss gradient by the continuous adjoint with CVODES, checkpointed.
 *
 * Per condition: a forward pass (CVodeF) records a checkpoint every nd steps and, between
 * checkpoints, interpolation data (Hermite: x and x' per step; polynomial: x only).  At each
 * observation time t_k it keeps the loss gradient ℓ_x(t_k) (the jump the adjoint takes
 * there) and adds ℓ_θ(t_k) directly.  The backward pass integrates, from T = t_K (or tf when
 * the model has a running cost g) back to t0,
 *     λ' = −f_xᵀλ − g_xᵀ,         q' = −(f_θᵀλ + g_θᵀ),  q(T) = 0,
 * piecewise: at every observation time λ jumps by ℓ_x(t_k) and CVODES restarts (a data point
 * at t0 adds its jump to λ(t0) itself).  Then
 *     dL/dθ = q(t0) + x0_θᵀ λ(t0) + Σ_k ℓ_θ(t_k),
 * summed over conditions (one forward/backward pair each).  The backward BDF gets the exact
 * Jacobian −f_xᵀ.
 *
 * Memory: the checkpoints (≈ steps/nd of them, each a few Nordsieck columns) plus nd+1
 * interpolation points, plus ℓ_x at the observation times; reported as the exact heap
 * footprint of CVODES's storage (cvckpt.h).  Work: the forward right-hand side runs about
 * twice — CVodeB recomputes each checkpoint interval to fill the interpolation data
 * (reported as rhs_recomputed) — plus the backward problem. */
#include "adjcommon.h"
#include "cvadj.h"
#include "cvcommon.h"

#include <stdlib.h>
#include <string.h>

static const method_opt_spec adjoint_options[] = {
    {"nd", OPT_INT, "100", NULL, 1, 100000,
     "forward steps between checkpoints (memory ~ steps/nd checkpoints + nd+1 interpolation "
     "points, which CVODES allocates up front)"},
    {"interp", OPT_CHOICE, "hermite", "hermite|polynomial", 0, 0,
     "interpolation of the forward state between checkpoints (polynomial: half the memory)"},
    {"quad_errcon", OPT_BOOL, "on", NULL, 0, 1,
     "include the gradient quadrature in the backward error test"},
    CVM_MAX_STEPS_B_OPTION,
    CVM_LINSOL_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status adjoint_run(const model *m, const double *theta, const method_options *o,
                                 method_result *r);

const method_type method_adjoint = {
    "adjoint", "CVODES continuous adjoint with checkpoints (Hermite or polynomial interpolation)",
    CAP_GRADIENT | CAP_STIFF, adjoint_options, adjoint_run};

/* what one run shares between its conditions */
typedef struct {
    model_ctx *ctx;
    int nx, np;
    cv_settings fwd, bwd;
    cv_forward_options fo;
    cv_backward_options bo;
    double *jumps;       /* ℓ_x(t_k), nobs × nx, of the current condition */
    int jumps_rows;      /* capacity in observations */
    double *lth;         /* ℓ_θ scratch (np) */
    double *lambda, *q, *x0_term;   /* nx, np, np */
    double *gradient;    /* the result's gradient: ℓ_θ terms are added as they come */
    double loss;
    long rhs_recomputed; /* forward RHS evaluations made again during the backward passes */
    adj_peak peak;       /* of the condition holding the most bytes */
} adjoint_state;

static int adjoint_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    adjoint_state *st = user;
    (void)t;
    (void)S;
    st->loss += model_loss_term_grad(st->ctx, k, x, st->jumps + (size_t)k * (size_t)st->nx,
                                     st->lth);
    for (int j = 0; j < st->np; j++)
        st->gradient[j] += st->lth[j];
    return 0;
}

/* One condition: forward pass with checkpoints, backward pass with jumps, gradient terms
 * added to r->gradient.  Returns METHOD_OK or an error status with r->error set. */
static method_status adjoint_condition(adjoint_state *st, method_result *r, mem_account *acc)
{
    char err[256];
    const int np = st->np;
    cv_solver *cv = cv_forward_new(st->ctx, &st->fwd, &st->fo, err, sizeof err);
    if (!cv)
        return method_fail(r, METHOD_ESOLVER, "%s", err);
    cv_checkpoint_stats cs;
    method_status status =
        adj_forward(method_adjoint.name, cv, adjoint_at_obs, st, acc, &cs, r);
    if (status != METHOD_OK)
        goto done;
    double G;
    cv_forward_running(cv, &G, NULL);
    st->loss += G;

    /* backward: λ and q from T = last observation (tf with a running cost) down to t0 */
    const long rhs_before = r->fwd.rhs;
    if (cv_backward_sweep(cv, &cv_adjoint_first_order, &st->bo, st->jumps, st->lambda, st->q,
                          err, sizeof err) != 0) {
        status = method_fail(r, METHOD_ESOLVER, "%s", err);
        goto done;
    }
    r->steps_bwd += cv_backward_steps(cv);
    st->rhs_recomputed += r->fwd.rhs - rhs_before;

    /* dL/dθ += q(t0) + x0_θᵀ λ(t0) */
    model_ctx_count_into(st->ctx, &r->bwd);
    model_x0_vjp(st->ctx, st->lambda, st->x0_term);
    for (int j = 0; j < np; j++)
        r->gradient[j] += st->q[j] + st->x0_term[j];
    adj_peak_note(&st->peak, cv, &cs);
done:
    cv_free(cv);
    return status;
}

static method_status adjoint_run(const model *m, const double *theta, const method_options *o,
                                 method_result *r)
{
    adjoint_state st;
    memset(&st, 0, sizeof st);
    method_status status = cvm_settings(method_adjoint.name, m, o, 0, &st.fwd, r);
    if (status == METHOD_OK)
        status = cvm_settings(method_adjoint.name, m, o, 1, &st.bwd, r);
    if (status == METHOD_OK)   /* the backward problem uses the forward one's kind */
        status = cvm_linsol(&method_adjoint, o, &st.fwd, r);
    if (status != METHOD_OK || (status = cvm_gradient(method_adjoint.name, r)) != METHOD_OK)
        return status;
    mem_account acc = {0, 0, o->mem_cap, 0};
    st.fo.sensitivities = CV_SENS_NONE;
    status = adj_options(&method_adjoint, o, &st.fwd, &st.bwd, &st.fo, &st.bo, &acc, r);
    if (status != METHOD_OK)
        return status;

    st.ctx = cvm_context(method_adjoint.name, m, theta, r);
    if (!st.ctx)
        return METHOD_EINPUT;
    st.nx = m->nx;
    st.np = m->np;
    const int most_obs = cvm_most_observations(m);
    const size_t own = sizeof(double) * ((size_t)most_obs * (size_t)st.nx + 2 * (size_t)st.nx +
                                         3 * (size_t)(st.np + 1));
    st.jumps = mem_alloc(&acc, sizeof(double) * (size_t)most_obs * (size_t)st.nx);
    st.lth = calloc((size_t)st.np + 1, sizeof(double));
    st.lambda = calloc((size_t)st.nx, sizeof(double));
    st.q = calloc((size_t)st.np + 1, sizeof(double));
    st.x0_term = calloc((size_t)st.np + 1, sizeof(double));
    if (!st.jumps || !st.lth || !st.lambda || !st.q || !st.x0_term) {
        status = method_fail(r, METHOD_EMEMORY, "adjoint: %s",
                             acc.refused ? "the memory cap is too small for the loss gradients "
                                           "at the observation times"
                                         : "out of memory");
        goto done;
    }
    st.gradient = r->gradient;
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(st.ctx, k);
        status = adjoint_condition(&st, r, &acc);
    }
    r->loss = st.loss;
    method_extra_add(r, "rhs_recomputed", (double)st.rhs_recomputed, "evaluations");
    r->peak_bytes = st.peak.bytes + own + model_ctx_bytes(st.ctx);
    adj_peak_report(&st.peak, r);
    method_extra_add(r, "checkpoint_payload_bytes", (double)st.peak.largest.payload_bytes,
                     "bytes");
done:
    mem_free(&acc, st.jumps, sizeof(double) * (size_t)most_obs * (size_t)st.nx);
    free(st.lth);
    free(st.lambda);
    free(st.q);
    free(st.x0_term);
    model_ctx_free(st.ctx);
    return status;
}
