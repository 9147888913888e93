/* soadjoint — Hessian–vector products and full Hessians by the second-order adjoint
 * (forward-over-adjoint) with CVODES; the gradient comes out as well.
 *
 * Per condition, along nd directions u_j:
 *   forward  (CVodeF, checkpointed) x and the first-order sensitivities s_j = (∂x/∂θ) u_j,
 *            s_j' = f_x s_j + f_θ u_j, s_j(t0) = x0_θ u_j.  At each observation t_k the jumps
 *            of the backward state are stored — λ: ℓ_x;  μ_j: ℓ_xx s_j + ℓ_xθ u_j — and
 *            ℓ_θ, ℓ_θx s_j + ℓ_θθ u_j are added to the gradient and to H u_j directly;
 *   backward (CVodeB, a "BS" problem that sees s_j) yB = [λ; μ_1..μ_nd] from T = t_K (tf with
 *            a running cost) to t0, restarted after the jumps at every observation time, with
 *            the quadratures q, q2_j (core/cvodes/cvsoadj.h has the equations);
 *   at t0    ∇L += q + x0_θᵀλ,   H u_j += q2_j + x0_θᵀμ_j + (λᵀx0)_θθ u_j  (the second-order
 *            initial-state terms; for a steady-state x0 the model layer differentiates the
 *            steady state implicitly).
 * Conditions are summed.  Every product is the model layer's exact one in θ-space (log10 chain
 * rule included there, so nothing here applies it again).
 *
 * Requests:
 *   H·v (WANT_HVP)       one pass with nd = 1 along v: a forward with 2 nx equations and a
 *                        backward with 2 nx (+ 2 np quadratures) — about twice a gradient.
 *   full H (WANT_HESSIAN) option hessian=
 *     enlarged     (default) ONE forward pass with all np sensitivities and ONE backward pass
 *                  with nd = np: nx(1 + np) backward states and np(1 + np) quadratures (AMICI's
 *                  scheme).  The state, its Jacobians and step control are shared by all
 *                  columns; with the block-triangular linear solver (linsol_b=block) the Newton
 *                  matrix costs one nx × nx LU however large np is.
 *     directional  np passes with nd = 1 along e_j (CVODES's cvsHessian_ASA_FSA scheme, one
 *                  backward problem per column): every pass re-solves the state forward and
 *                  backward and re-factors its own Jacobians.
 *   Measured (RelWithDebInfo -O2, rtol 1e-10, the models' atol, CPU seconds, best of 3):
 *                     enlarged+block  enlarged+dense  directional
 *       freefall (2)      0.0115          0.0121         0.0163
 *       jakstat (17)      0.47            0.72           0.71
 *       rafmekerk (28)    1.18            1.37           1.97
 *   Both need the same number of second-order products (np per backward evaluation); what
 *   the enlarged pass saves is the np-fold forward solve, checkpoint recomputation, step
 *   control and Jacobian set-ups of the directional one (rafmekerk: 3953 vs 69479 forward
 *   steps) — hence the default.  The block solver is never slower than CVODES's dense LU of
 *   the whole system and 1.5× faster at nx(1+np) = 162 (jakstat), hence its default.  Enlarged memory grows like np·nx
 *   (checkpoints hold all np sensitivities: 4.96 MB vs 0.38 MB on rafmekerk); directional
 *   holds one direction at a time.
 *
 * The backward error test (option errcon) sees λ alone by default, with the first-order
 * adjoint's norm (core/cvodes/cvsoadj.c, so_ewt_first): the μ_j — linear in themselves and
 * driven by λ and s_j — follow the steps chosen for λ.  With the μ_j in the test (errcon=all)
 * the backward pass at jakstat fit starts 2 and 10 (results/fit-jakstat.csv, rtol 1e-8) took
 * more than 100 000 steps between two observations and failed (CV_TOO_MUCH_WORK); with λ
 * alone it succeeds (10 046 and 7 145 backward steps) and agrees with soforward's Hessian
 * (start 2: 2.5e-13 relative to soforward at rtol 1e-11).  Elsewhere it saves 5–14 % of the
 * backward steps (rafmekerk nominal 9 268 → 7 944, fit start 13 8 152 → 7 751; jakstat 7 654
 * → 6 744) at the same Hessian error (freefall 1.38e-6 both at rtol 1e-8; oscillator 9.2e-9
 * vs 1.0e-8; jakstat 1.2e-11 vs 1.6e-11 against soforward at rtol 1e-11).
 *
 * The Hessian is reported as computed (column j = H e_j), not symmetrised: its measured
 * asymmetry is an extra (hessian_asymmetry), a check on the accuracy of the run.
 *
 * scheme=interp hands the whole request to soainterp.c: the same equations on our own
 * integrators, with a backward pass that does not restart at the observations (measured at
 * the nominal θ, rtol 1e-8: 1.4–17× faster than this scheme on the study's four models; at
 * the stiff points fits reach 2.5–4× slower in the median — README, "Fits"). */
#include "adjcommon.h"
#include "cvcommon.h"
#include "hesscommon.h"
#include "cvsoadj.h"
#include "soainterp.h"

#include <stdlib.h>
#include <string.h>

static const method_opt_spec soadjoint_options[] = {
    {"scheme", OPT_CHOICE, "cvodes", "cvodes|interp", 0, 0,
     "both passes by CVODES (checkpointed forward; backward restarted after every "
     "observation), or on our integrator named by --solver (auto: Tsit5, handing a model "
     "marked stiff to Rosenbrock when its stiffness test fires): dense output forward, no "
     "restart at observations backward (soainterp.c); the options below up to errcon are "
     "CVODES's"},
    {"hessian", OPT_CHOICE, "enlarged", "enlarged|directional", 0, 0,
     "full Hessian: one forward pass with all np sensitivities and one backward pass of "
     "nx(1+np) states (enlarged), or np passes along e_j (directional)"},
    {"linsol_b", OPT_CHOICE, "block", "block|dense", 0, 0,
     "backward Newton solver: block forward substitution with one nx x nx LU (block) or "
     "CVODES's dense LU of the whole nx(1+nd) system (dense)"},
    {"nd", OPT_INT, "100", NULL, 1, 100000,
     "forward steps between checkpoints (checkpoints store the state and its sensitivities)"},
    {"interp", OPT_CHOICE, "hermite", "hermite|polynomial", 0, 0,
     "interpolation of the forward state and sensitivities between checkpoints"},
    {"hessian_quadratures", OPT_CHOICE, "triangle", "triangle|full", 0, 0,
     "enlarged full Hessian: integrate the rows i <= j of each column's quadrature and mirror "
     "(triangle), or every entry, reporting H as computed with its asymmetry (full)"},
    {"quad_errcon", OPT_BOOL, "on", NULL, 0, 1,
     "include the gradient and Hessian quadratures in the backward error test"},
    {"errcon", OPT_CHOICE, "lambda", "all|lambda", 0, 0,
     "what the backward local error test sees: all backward states [lambda; mu_j], or lambda "
     "alone with the first-order adjoint's norm (the mu_j follow its steps)"},
    {"weight", OPT_CHOICE, "current", "current|peak", 0, 0,
     "scheme=interp: backward error weight of each adjoint component, atol + rtol*|y_m| "
     "(current) or atol + rtol*(largest |y_m| since tf) (peak, Gear's YMAX; interp's option "
     "of the same name has the measured trade-off)"},
    CVM_MAX_STEPS_B_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status soadjoint_run(const model *m, const double *theta,
                                   const method_options *o, method_result *r);

const method_type method_soadjoint = {
    "soadjoint",
    "second-order adjoint (forward-over-adjoint, CVODES): H*v, full Hessian and gradient",
    CAP_HESSIAN | CAP_HVP | CAP_STIFF, soadjoint_options, soadjoint_run};

/* what one run shares between its passes and conditions */
typedef struct {
    model_ctx *ctx;
    int nx, np;
    cv_settings fwd, bwd;
    cv_forward_options fo;
    cv_backward_options bo;
    /* the current pass */
    int nd;                 /* directions */
    const double *dirs;     /* np × nd column-major, or NULL: u_j = e_j (nd = np) */
    double *gradient;       /* added to in the pass that owns the gradient, else NULL */
    double *hv;             /* np × nd: H u_j, column j at hv + j·np */
    int triangle;           /* the symmetric kind: column j's quadrature holds rows i <= j */
    /* scratch */
    double *unit;           /* np: e_j */
    double *jumps;          /* observations × nx(1 + nd_max): [ℓ_x; ℓ_xx s_j + ℓ_xθ u_j] */
    double *yB, *qB;        /* nx(1 + nd_max), np(1 + nd_max) */
    double *lth, *hth, *x0_term;   /* np each */
    double loss;
    long rhs_recomputed;
    adj_peak peak;          /* of the condition holding the most bytes */
} soadj_state;

static const double *soadj_dir_begin(soadj_state *st, int j)
{
    if (st->dirs)
        return st->dirs + (size_t)j * (size_t)st->np;
    st->unit[j] = 1.0;
    return st->unit;
}

static void soadj_dir_end(soadj_state *st, int j)
{
    if (!st->dirs)
        st->unit[j] = 0.0;
}

static int soadj_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    soadj_state *st = user;
    const int nx = st->nx, np = st->np, nyb = nx * (1 + st->nd);
    (void)t;
    double *jump = st->jumps + (size_t)k * (size_t)nyb;
    const double l = model_loss_term_grad(st->ctx, k, x, jump, st->lth);
    if (st->gradient) {
        st->loss += l;
        for (int i = 0; i < np; i++)
            st->gradient[i] += st->lth[i];
    }
    for (int j = 0; j < st->nd; j++) {
        model_loss_term_hvp(st->ctx, k, x, S[j], soadj_dir_begin(st, j),
                            jump + (size_t)(j + 1) * (size_t)nx, st->hth);
        soadj_dir_end(st, j);
        double *hvj = st->hv + (size_t)j * (size_t)np;
        for (int i = 0; i < np; i++)
            hvj[i] += st->hth[i];
    }
    return 0;
}

/* One pass over the selected condition along st->dirs (nd directions). */
static method_status soadj_condition(soadj_state *st, method_result *r, mem_account *acc)
{
    char err[256];
    const int nx = st->nx, np = st->np;
    const cv_sens_system sys = {st->nd, st->dirs, NULL, NULL, NULL, NULL};
    cv_solver *cv = st->dirs ? cv_forward_new_sens(st->ctx, &st->fwd, &st->fo, &sys, err,
                                                   sizeof err)
                             : cv_forward_new(st->ctx, &st->fwd, &st->fo, err, sizeof err);
    if (!cv)
        return method_fail(r, METHOD_ESOLVER, "%s", err);
    cv_checkpoint_stats cs;
    method_status status =
        adj_forward(method_soadjoint.name, cv, soadj_at_obs, st, acc, &cs, r);
    if (status != METHOD_OK)
        goto done;
    if (st->gradient) {
        double G;
        cv_forward_running(cv, &G, NULL);
        st->loss += G;
    }

    /* backward: yB = [λ; μ_j] and qB = [q; q2_j] from T down to t0 */
    const long rhs_before = r->fwd.rhs;
    const cv_backward_kind *kind =
        st->triangle ? &cv_adjoint_second_order_symmetric : &cv_adjoint_second_order;
    const int swept = cv_backward_sweep(cv, kind, &st->bo, st->jumps, st->yB, st->qB, err,
                                        sizeof err);
    st->rhs_recomputed += r->fwd.rhs - rhs_before;
    if (swept != 0) {
        status = method_fail(r, METHOD_ESOLVER, "%s", err);
        goto done;
    }
    r->steps_bwd += cv_backward_steps(cv);

    /* the initial-state terms at t0 */
    model_ctx_count_into(st->ctx, &r->bwd);
    const double *lambda = st->yB;
    if (st->gradient) {
        model_x0_vjp(st->ctx, lambda, st->x0_term);
        for (int i = 0; i < np; i++)
            st->gradient[i] += st->qB[i] + st->x0_term[i];
    }
    for (int j = 0; j < st->nd; j++) {
        double *hvj = st->hv + (size_t)j * (size_t)np;
        /* q2_j: all np rows, or (symmetric kind) rows i <= j packed after q (cvsoadj.h) */
        const size_t q2_at = st->triangle ? (size_t)np + (size_t)j * (size_t)(j + 1) / 2
                                          : (size_t)(j + 1) * (size_t)np;
        const int q2_rows = st->triangle ? j + 1 : np;
        const double *q2 = st->qB + q2_at;
        model_x0_vjp(st->ctx, st->yB + (size_t)(j + 1) * (size_t)nx, st->x0_term);
        for (int i = 0; i < np; i++)
            hvj[i] += (i < q2_rows ? q2[i] : 0.0) + st->x0_term[i];
        model_x0_vjp_jvp(st->ctx, lambda, soadj_dir_begin(st, j), st->x0_term);
        soadj_dir_end(st, j);
        for (int i = 0; i < np; i++)
            hvj[i] += st->x0_term[i];
    }

    adj_peak_note(&st->peak, cv, &cs);
done:
    cv_free(cv);
    return status;
}

/* every condition, one pass each, along the current directions */
static method_status soadj_all_conditions(soadj_state *st, const model *m, method_result *r,
                                          mem_account *acc)
{
    method_status status = METHOD_OK;
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(st->ctx, k);
        status = soadj_condition(st, r, acc);
    }
    return status;
}

static method_status soadj_settings(const model *m, const method_options *o, soadj_state *st,
                                    method_result *r, mem_account *acc)
{
    const method_type *type = &method_soadjoint;
    method_status status = cvm_settings(type->name, m, o, 0, &st->fwd, r);
    if (status == METHOD_OK)
        status = cvm_settings(type->name, m, o, 1, &st->bwd, r);
    if (status != METHOD_OK)
        return status;
    st->fo.sensitivities = CV_SENS_SIMULTANEOUS;
    st->fo.sens_errcon = 1;
    status = adj_options(type, o, &st->fwd, &st->bwd, &st->fo, &st->bo, acc, r);
    if (status != METHOD_OK)
        return status;
    st->bo.so_errcon_first = strcmp(method_opt_choice(type, o, "errcon"), "lambda") == 0;
    st->bo.so_linsol = strcmp(method_opt_choice(type, o, "linsol_b"), "dense") == 0
                           ? CV_SO_DENSE
                           : CV_SO_BLOCK;
    return METHOD_OK;
}

/* An option given that only the other scheme has is refused, not ignored: METHOD_EINPUT
 * naming it and `scheme`, the scheme it belongs to, or METHOD_OK.  only: NULL-terminated. */
static method_status soadjoint_refuse(const method_type *type, const method_options *o,
                                      const char *const *only, const char *scheme,
                                      method_result *r)
{
    for (int k = 0; k < o->nkv; k++)
        for (int c = 0; only[c]; c++)
            if (strcmp(o->key[k], only[c]) == 0)
                return method_fail(r, METHOD_EINPUT, "%s: --opt %s applies to scheme=%s "
                                   "only; drop it or use scheme=%s", type->name, only[c],
                                   scheme, scheme);
    return METHOD_OK;
}

static method_status soadjoint_interp(const method_type *type, const model *m,
                                      const double *theta, const method_options *o,
                                      method_result *r)
{
    static const char *const cvodes_only[] = {"hessian", "linsol_b", "nd", "interp",
                                              "hessian_quadratures", "quad_errcon", NULL};
    method_status status = soadjoint_refuse(type, o, cvodes_only, "cvodes", r);
    if (status != METHOD_OK)
        return status;
    status = hess_outputs(type->name, o, r);
    if (status != METHOD_OK)
        return status;
    return soainterp_run(type, m, theta, o,
                         strcmp(method_opt_choice(type, o, "errcon"), "all") == 0,
                         strcmp(method_opt_choice(type, o, "weight"), "peak") == 0, r);
}

static method_status soadjoint_run(const model *m, const double *theta,
                                   const method_options *o, method_result *r)
{
    const method_type *type = &method_soadjoint;
    if (strcmp(method_opt_choice(type, o, "scheme"), "interp") == 0)
        return soadjoint_interp(type, m, theta, o, r);
    static const char *const interp_only[] = {"weight", NULL};
    const method_status refused = soadjoint_refuse(type, o, interp_only, "interp", r);
    if (refused != METHOD_OK)
        return refused;
    soadj_state st;
    memset(&st, 0, sizeof st);
    mem_account acc = {0, 0, o->mem_cap, 0};
    method_status status = soadj_settings(m, o, &st, r, &acc);
    if (status != METHOD_OK || (status = hess_outputs(type->name, o, r)) != METHOD_OK)
        return status;
    const int np = m->np, nx = m->nx;
    const int full = o->want == WANT_HESSIAN;
    const int enlarged = full && strcmp(method_opt_choice(type, o, "hessian"), "enlarged") == 0;
    const int nd_max = enlarged ? np : 1;
    st.ctx = cvm_context(type->name, m, theta, r);
    if (!st.ctx)
        return METHOD_EINPUT;
    st.nx = nx;
    st.np = np;
    const int most_obs = cvm_most_observations(m);
    const size_t nyb = (size_t)nx * (size_t)(1 + nd_max), nqb = (size_t)np * (size_t)(1 + nd_max);
    const size_t jump_bytes = sizeof(double) * (size_t)most_obs * nyb;
    double *hv = full ? calloc((size_t)np * (size_t)(np ? np : 1), sizeof(double)) : r->hvp;
    st.jumps = mem_alloc(&acc, jump_bytes);
    st.yB = calloc(nyb, sizeof(double));
    st.qB = calloc(nqb ? nqb : 1, sizeof(double));
    st.unit = calloc((size_t)np + 1, sizeof(double));
    st.lth = calloc((size_t)np + 1, sizeof(double));
    st.hth = calloc((size_t)np + 1, sizeof(double));
    st.x0_term = calloc((size_t)np + 1, sizeof(double));
    if (!hv || !st.jumps || !st.yB || !st.qB || !st.unit || !st.lth || !st.hth || !st.x0_term) {
        status = method_fail(r, METHOD_EMEMORY, "soadjoint: %s",
                             acc.refused ? "the memory cap is too small for the jumps at the "
                                           "observation times"
                                         : "out of memory");
        goto done;
    }
    st.gradient = r->gradient;
    if (!full) {                         /* H·v: one pass along v */
        st.nd = 1;
        st.dirs = o->direction;
        st.hv = hv;
        status = soadj_all_conditions(&st, m, r, &acc);
    } else if (enlarged) {               /* all columns in one pass */
        st.nd = np;
        st.dirs = NULL;
        st.hv = hv;
        st.triangle = strcmp(method_opt_choice(type, o, "hessian_quadratures"), "triangle") == 0;
        status = soadj_all_conditions(&st, m, r, &acc);
    } else {                             /* column j along e_j, one pass each */
        double *ej = calloc((size_t)np + 1, sizeof(double));
        if (!ej)
            status = method_fail(r, METHOD_EMEMORY, "soadjoint: out of memory");
        for (int j = 0; j < np && status == METHOD_OK; j++) {
            ej[j] = 1.0;
            st.nd = 1;
            st.dirs = ej;
            st.hv = hv + (size_t)j * (size_t)np;
            st.gradient = j == 0 ? r->gradient : NULL;
            status = soadj_all_conditions(&st, m, r, &acc);
            ej[j] = 0.0;
        }
        free(ej);
    }
    if (status == METHOD_OK && full)     /* column j of H is H e_j; triangle: rows i <= j */
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++) {
                const int col = st.triangle && i > j ? i : j, row = st.triangle && i > j ? j : i;
                r->hessian[i * np + j] = hv[(size_t)col * (size_t)np + (size_t)row];
            }
    r->loss = st.loss;
    hess_report_asymmetry(r);
    method_extra_add(r, "backward_states", (double)((size_t)nx * (size_t)(1 + (full && enlarged ? np : 1))),
                     "count");
    method_extra_add(r, "rhs_recomputed", (double)st.rhs_recomputed, "evaluations");
    adj_peak_report(&st.peak, r);
    r->peak_bytes = st.peak.bytes + jump_bytes +
                    sizeof(double) * (nyb + nqb + 4 * (size_t)(np + 1)) +
                    (full ? sizeof(double) * (size_t)np * (size_t)np : 0) +
                    model_ctx_bytes(st.ctx);
done:
    if (full)
        free(hv);
    mem_free(&acc, st.jumps, jump_bytes);
    free(st.yB);
    free(st.qB);
    free(st.unit);
    free(st.lth);
    free(st.hth);
    free(st.x0_term);
    model_ctx_free(st.ctx);
    return status;
}
