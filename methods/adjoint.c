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
 * Time breakpoints (events, piecewise in time): each segment between them is its own recorded
 * forward solve and backward sweep, joined by the adjoint's exact jump (see
 * adjoint_condition_segments below and core/model/model_break.c).
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
    CAP_GRADIENT | CAP_STIFF | CAP_BREAKPOINTS, adjoint_options, adjoint_run};

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

/* One condition with time breakpoints t_1 ≤ … ≤ t_B in (t0, tf] (model_break.c).  CVODES's
 * checkpoints cannot span a re-initialisation, so each segment [t_{i}, t_{i+1}] (t_0 = t0,
 * t_{B+1} = tf) is its own recorded forward solve, started from the state after the jump;
 * the observations of a segment are those in [t_i, t_{i+1}) (the last one's include tf: the
 * solution is right-continuous).  Backward, segment by segment from the last: the sweep of
 * segment i starts from the adjoint λ(t_{i+1}⁻) that the later segment handed over, and at
 * each breakpoint model_break_cross_back takes λ⁺ to λ⁻ = g_xᵀλ⁺ and adds
 * g_θᵀλ⁺ + (λ⁻ᵀf⁻ − λ⁺ᵀf⁺)∇t_e to the gradient.  A segment of length zero (two breakpoints at
 * one time, or one at tf) has no solve; observations at tf after a breakpoint there are
 * taken from the state after the jump. */
static method_status adjoint_condition_segments(adjoint_state *st, method_result *r,
                                                mem_account *acc)
{
    char err[256];
    model_ctx *ctx = st->ctx;
    const model *m = model_ctx_model(ctx);
    const int nx = st->nx, np = st->np;
    const double *tb;
    const int nb = model_breaks(ctx, &tb);
    const int nobs = model_nobs(ctx);
    const double *times = model_obs_times(ctx);
    cv_solver **seg = calloc((size_t)nb + 1, sizeof *seg);
    double *x = malloc(sizeof(double) * (size_t)nx);
    double *xminus = malloc(sizeof(double) * (size_t)nx * (size_t)(nb + 1));
    double *ynext = malloc(sizeof(double) * (size_t)nx);
    method_status status = METHOD_OK;
    if (!seg || !x || !xminus || !ynext) {
        status = method_fail(r, METHOD_EMEMORY, "adjoint: out of memory");
        goto done;
    }
    model_ctx_count_into(ctx, &r->fwd);
    if (model_x0(ctx, x) != 0 || !cv_all_finite(x, nx)) {
        status = method_fail(r, METHOD_ESOLVER, "adjoint: the initial state of condition %d "
                             "could not be computed at this theta",
                             model_ctx_current_condition(ctx));
        goto done;
    }
    /* forward, segment by segment */
    int k = 0;
    for (int i = 0; i <= nb && status == METHOD_OK; i++) {
        const double ta = i == 0 ? m->t0 : tb[i - 1], tz = i == nb ? m->tf : tb[i];
        int kend = k;
        while (kend < nobs && (times[kend] < tz || (i == nb && times[kend] <= tz)))
            kend++;
        if (tz > ta) {
            const cv_segment sg = {ta, tz, x, k, kend};
            seg[i] = cv_forward_new_segment(ctx, &st->fwd, &st->fo, &sg, err, sizeof err);
            if (!seg[i]) {
                status = method_fail(r, METHOD_ESOLVER, "%s", err);
                break;
            }
            cv_checkpoint_stats cs;
            status = adj_forward(method_adjoint.name, seg[i], adjoint_at_obs, st, acc, &cs, r);
            if (status != METHOD_OK)
                break;
            cv_forward_final_state(seg[i], x);
            adj_peak_note(&st->peak, seg[i], &cs);
        } else {
            for (int q = k; q < kend; q++)   /* observations at tf after a jump there */
                adjoint_at_obs(st, q, times[q], x, NULL);
        }
        k = kend;
        if (i < nb) {
            memcpy(xminus + (size_t)i * nx, x, sizeof(double) * (size_t)nx);
            model_break_cross(ctx, i, x, NULL);
        }
    }
    if (status != METHOD_OK)
        goto done;
    /* backward, from the last segment */
    const long rhs_before = r->fwd.rhs;
    memset(st->lambda, 0, sizeof(double) * (size_t)nx);
    int started = 0;
    k = nobs;
    for (int i = nb; i >= 0; i--) {
        const double ta = i == 0 ? m->t0 : tb[i - 1];
        int kfirst = k;
        while (kfirst > 0 && (i == 0 || times[kfirst - 1] >= ta))   /* [ta, next segment) */
            kfirst--;
        if (seg[i]) {
            model_break_phase_at(ctx, ta);   /* the phases of this segment */
            memcpy(ynext, st->lambda, sizeof(double) * (size_t)nx);
            if (cv_backward_sweep_segment(seg[i], &cv_adjoint_first_order, &st->bo, st->jumps,
                                          started ? ynext : NULL, st->lambda, st->q, err,
                                          sizeof err) != 0) {
                status = method_fail(r, METHOD_ESOLVER, "%s", err);
                goto done;
            }
            r->steps_bwd += cv_backward_steps(seg[i]);
            for (int j = 0; j < np; j++)
                r->gradient[j] += st->q[j];
        } else {
            for (int q = kfirst; q < k; q++)
                for (int c = 0; c < nx; c++)
                    st->lambda[c] += st->jumps[(size_t)q * nx + c];
        }
        started = 1;
        k = kfirst;
        if (i > 0) {
            model_ctx_count_into(ctx, &r->bwd);
            model_break_cross_back(ctx, i - 1, xminus + (size_t)(i - 1) * nx, st->lambda,
                                   r->gradient);
        }
    }
    st->rhs_recomputed += r->fwd.rhs - rhs_before;
    /* dL/dθ += x0_θᵀ λ(t0) */
    model_ctx_count_into(ctx, &r->bwd);
    model_x0_vjp(ctx, st->lambda, st->x0_term);
    for (int j = 0; j < np; j++)
        r->gradient[j] += st->x0_term[j];
done:
    for (int i = 0; seg && i <= nb; i++)
        cv_free(seg[i]);
    free(seg);
    free(x);
    free(xminus);
    free(ynext);
    return status;
}

/* One condition: forward pass with checkpoints, backward pass with jumps, gradient terms
 * added to r->gradient.  Returns METHOD_OK or an error status with r->error set. */
static method_status adjoint_condition(adjoint_state *st, method_result *r, mem_account *acc)
{
    char err[256];
    const int np = st->np;
    if (model_breaks(st->ctx, NULL) > 0)
        return adjoint_condition_segments(st, r, acc);
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
