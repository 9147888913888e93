/* cvsoadj — the second-order (forward-over-adjoint) backward problem with CVODES.  See
 * cvsoadj.h for the equations; this file holds the callbacks CVODES calls and the life cycle
 * of the backward problem (begin, integrate, restart after jumps, free). */
#include "cvsoadj.h"
#include "cvwrap_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cv_so_backward {
    int which;
    int nd;                  /* directions (forward sensitivities) */
    int nyb, nqb;            /* nx(1 + nd), np(1 + nd) */
    N_Vector yB, qB;
    SUNMatrix A;
    SUNLinearSolver LS;
    eval_counts *counts;
    long steps_before;       /* steps before the last re-initialisation */
    double *unit;            /* np: e_j when the forward sensitivities are ∂x/∂θ_j */
    double *g_x, *g_th;      /* running cost gradient (nx, np) */
    double *h_x, *h_th;      /* running cost second-order products (nx, np) */
    double *jac, *col, *d2;  /* nx×nx f_x; e_i; one column of ∂f_x·(s, u) */
};

/* the parameter direction u_j of sensitivity j */
static const double *so_dir_begin(cv_solver *cv, int j)
{
    if (cv->sens_sys)
        return cv->sens_sys->directions + (size_t)j * (size_t)cv->np;
    cv->so->unit[j] = 1.0;
    return cv->so->unit;
}

static void so_dir_end(cv_solver *cv, int j)
{
    if (!cv->sens_sys)
        cv->so->unit[j] = 0.0;
}

/* ---- backward callbacks (CVODES "BS" functions: they see the forward sensitivities) ------ */

/* λ' = −f_xᵀλ − g_xᵀ;  μ_j' = −f_xᵀμ_j − (λᵀf)_xx s_j − (λᵀf)_xθ u_j − g_xx s_j − g_xθ u_j */
static int so_rhs(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector yBdot,
                  void *data)
{
    cv_solver *cv = data;
    struct cv_so_backward *so = cv->so;
    const int nx = cv->n;
    const double *x = NV_DATA_S(y), *lambda = NV_DATA_S(yB);
    double *out = NV_DATA_S(yBdot);
    const int running = cv->nq > 0;
    model_ctx_count_into(cv->ctx, so->counts);
    if (so->nd == 0)
        model_rhs_vjp(cv->ctx, t, x, lambda, out, NULL);
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, j);
        const double *s = NV_DATA_S(yS[j]);
        double *mu_dot = out + (size_t)(j + 1) * (size_t)nx;
        model_rhs_vjp_jvp(cv->ctx, t, x, lambda, lambda + (size_t)(j + 1) * (size_t)nx, s, u,
                          j == 0 ? out : NULL, NULL, mu_dot, NULL);
        if (running) {
            model_running_hvp(cv->ctx, t, x, s, u, so->h_x, NULL);
            for (int i = 0; i < nx; i++)
                mu_dot[i] += so->h_x[i];
        }
        so_dir_end(cv, j);
    }
    if (running) {
        model_running_grad(cv->ctx, t, x, so->g_x, NULL);
        for (int i = 0; i < nx; i++)
            out[i] += so->g_x[i];
    }
    for (int i = 0; i < so->nyb; i++)
        out[i] = -out[i];
    return cv_all_finite(out, so->nyb) ? 0 : 1;
}

/* q' = −(f_θᵀλ + g_θᵀ);  q2_j' = −(f_θᵀμ_j + (λᵀf)_θx s_j + (λᵀf)_θθ u_j + g_θx s_j + g_θθ u_j) */
static int so_quad(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector qBdot,
                   void *data)
{
    cv_solver *cv = data;
    struct cv_so_backward *so = cv->so;
    const int nx = cv->n, np = cv->np;
    const double *x = NV_DATA_S(y), *lambda = NV_DATA_S(yB);
    double *out = NV_DATA_S(qBdot);
    const int running = cv->nq > 0;
    model_ctx_count_into(cv->ctx, so->counts);
    if (so->nd == 0)
        model_rhs_vjp(cv->ctx, t, x, lambda, NULL, out);
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, j);
        const double *s = NV_DATA_S(yS[j]);
        double *q2_dot = out + (size_t)(j + 1) * (size_t)np;
        model_rhs_vjp_jvp(cv->ctx, t, x, lambda, lambda + (size_t)(j + 1) * (size_t)nx, s, u,
                          NULL, j == 0 ? out : NULL, NULL, q2_dot);
        if (running) {
            model_running_hvp(cv->ctx, t, x, s, u, NULL, so->h_th);
            for (int k = 0; k < np; k++)
                q2_dot[k] += so->h_th[k];
        }
        so_dir_end(cv, j);
    }
    if (running) {
        model_running_grad(cv->ctx, t, x, NULL, so->g_th);
        for (int k = 0; k < np; k++)
            out[k] += so->g_th[k];
    }
    for (int k = 0; k < so->nqb; k++)
        out[k] = -out[k];
    return cv_all_finite(out, so->nqb) ? 0 : 1;
}

/* JB = [[−f_xᵀ, 0], [C_j, −f_xᵀ]] with C_j(i, k) = −∂²f_k/∂x_i∂(x, θ)·(s_j, u_j): column i of
 * ∂f_x·(s_j, u_j) is f''[(s_j, u_j), (e_i, 0)], one second-order product of the model */
static int so_jac(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector fyB,
                  SUNMatrix JB, void *data, N_Vector tmp1B, N_Vector tmp2B, N_Vector tmp3B)
{
    cv_solver *cv = data;
    struct cv_so_backward *so = cv->so;
    const int nx = cv->n;
    const double *x = NV_DATA_S(y);
    (void)yB;
    (void)fyB;
    (void)tmp1B;
    (void)tmp2B;
    (void)tmp3B;
    model_ctx_count_into(cv->ctx, so->counts);
    SUNMatZero(JB);
    model_rhs_jac(cv->ctx, t, x, so->jac);
    if (!cv_all_finite(so->jac, nx * nx))
        return 1;
    for (int b = 0; b <= so->nd; b++)
        for (int i = 0; i < nx; i++)
            for (int k = 0; k < nx; k++)
                SM_ELEMENT_D(JB, b * nx + i, b * nx + k) = -so->jac[k * nx + i];
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, j);
        const double *s = NV_DATA_S(yS[j]);
        for (int i = 0; i < nx; i++) {
            so->col[i] = 1.0;
            model_rhs_hvv(cv->ctx, t, x, s, u, so->col, NULL, NULL, so->d2);
            so->col[i] = 0.0;
            for (int k = 0; k < nx; k++)
                SM_ELEMENT_D(JB, (j + 1) * nx + i, k) = -so->d2[k];
        }
        so_dir_end(cv, j);
        if (!cv_all_finite(so->d2, nx))
            return 1;
    }
    return 0;
}

/* ---- life cycle --------------------------------------------------------------------------- */

static int so_setup_failed(cv_solver *cv, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: setting up the second-order backward problem failed at %s%s%s",
             cv->backend, what, cv->msg.text[0] ? ": " : "", cv->msg.text);
    return -1;
}

int cv_soadjoint_directions(const cv_solver *cv)
{
    return cv->sens != CV_SENS_NONE && cv->yS ? cv->ns : 0;
}

int cv_soadjoint_begin(cv_solver *cv, const cv_backward_options *bo, cv_so_linsol linsol,
                       double T, const double *yB0, char *err, size_t errlen)
{
    if (cv->checkpoint_steps <= 0 || cv->so || cv->back.active)
        return so_setup_failed(cv, "the start (no checkpointed forward pass, or a backward "
                               "problem exists already)", err, errlen);
    if (cv->sens_sys && !cv->sens_sys->directions)
        return so_setup_failed(cv, "the start (the forward sensitivities are not first-order "
                               "ones along directions)", err, errlen);
    const int nx = cv->n, np = cv->np, nd = cv_soadjoint_directions(cv);
    cv_message_clear(cv);
    struct cv_so_backward *so = calloc(1, sizeof *so);
    if (!so)
        return so_setup_failed(cv, "allocation", err, errlen);
    cv->so = so;
    so->which = -1;
    so->nd = nd;
    so->nyb = nx * (1 + nd);
    so->nqb = np * (1 + nd);
    so->counts = bo->counts;
    const size_t wnp = (size_t)(np > 0 ? np : 1);
    so->unit = calloc(wnp, sizeof(double));
    so->g_x = calloc((size_t)nx, sizeof(double));
    so->g_th = calloc(wnp, sizeof(double));
    so->h_x = calloc((size_t)nx, sizeof(double));
    so->h_th = calloc(wnp, sizeof(double));
    so->jac = calloc((size_t)nx * (size_t)nx, sizeof(double));
    so->col = calloc((size_t)nx, sizeof(double));
    so->d2 = calloc((size_t)nx, sizeof(double));
    so->yB = N_VNew_Serial(so->nyb, cv->sunctx);
    so->qB = N_VNew_Serial(so->nqb > 0 ? so->nqb : 1, cv->sunctx);
    if (!so->unit || !so->g_x || !so->g_th || !so->h_x || !so->h_th || !so->jac || !so->col ||
        !so->d2 || !so->yB || !so->qB)
        return so_setup_failed(cv, "allocation", err, errlen);
    memcpy(NV_DATA_S(so->yB), yB0, sizeof(double) * (size_t)so->nyb);
    N_VConst(0.0, so->qB);
    if (CVodeCreateB(cv->mem, bo->family == CV_FAMILY_ADAMS ? CV_ADAMS : CV_BDF, &so->which) !=
        CV_SUCCESS)
        return so_setup_failed(cv, "CVodeCreateB", err, errlen);
    if (CVodeInitBS(cv->mem, so->which, so_rhs, T, so->yB) != CV_SUCCESS)
        return so_setup_failed(cv, "CVodeInitBS", err, errlen);
    if (CVodeSStolerancesB(cv->mem, so->which, bo->rtol, bo->atol) != CV_SUCCESS ||
        CVodeSetUserDataB(cv->mem, so->which, cv) != CV_SUCCESS ||
        CVodeSetMaxNumStepsB(cv->mem, so->which, bo->max_steps) != CV_SUCCESS)
        return so_setup_failed(cv, "the backward tolerances", err, errlen);
    so->A = SUNDenseMatrix(so->nyb, so->nyb, cv->sunctx);
    if (so->A)
        so->LS = linsol == CV_SO_BLOCK ? cv_block_lu_new(nx, nd + 1, cv->sunctx)
                                       : SUNLinSol_Dense(so->yB, so->A, cv->sunctx);
    if (!so->LS || CVodeSetLinearSolverB(cv->mem, so->which, so->LS, so->A) != CV_SUCCESS ||
        CVodeSetJacFnBS(cv->mem, so->which, so_jac) != CV_SUCCESS)
        return so_setup_failed(cv, "the backward linear solver", err, errlen);
    if (so->nqb > 0 &&
        (CVodeQuadInitBS(cv->mem, so->which, so_quad, so->qB) != CV_SUCCESS ||
         CVodeQuadSStolerancesB(cv->mem, so->which, bo->rtol, bo->atol) != CV_SUCCESS ||
         CVodeSetQuadErrConB(cv->mem, so->which, bo->quad_errcon ? SUNTRUE : SUNFALSE) !=
             CV_SUCCESS))
        return so_setup_failed(cv, "the backward quadratures", err, errlen);
    return 0;
}

int cv_soadjoint_to(cv_solver *cv, double t, double *yB, double *qB, char *err, size_t errlen)
{
    struct cv_so_backward *so = cv->so;
    sunrealtype tret = t;
    cv_message_clear(cv);
    int flag = CVodeB(cv->mem, t, CV_NORMAL);
    if (flag >= 0)
        flag = CVodeGetB(cv->mem, so->which, &tret, so->yB);
    if (flag >= 0 && so->nqb > 0)
        flag = CVodeGetQuadB(cv->mem, so->which, &tret, so->qB);
    if (flag < 0) {
        sunrealtype reached = t;
        CVodeGetCurrentTime(CVodeGetAdjCVodeBmem(cv->mem, so->which), &reached);
        return cv_fail(cv, flag, "second-order backward integration", reached, err, errlen);
    }
    memcpy(yB, NV_DATA_S(so->yB), sizeof(double) * (size_t)so->nyb);
    if (so->nqb > 0)
        memcpy(qB, NV_DATA_S(so->qB), sizeof(double) * (size_t)so->nqb);
    return 0;
}

int cv_soadjoint_restart(cv_solver *cv, double t, const double *yB, const double *qB,
                         char *err, size_t errlen)
{
    struct cv_so_backward *so = cv->so;
    long nst = 0;
    CVodeGetNumSteps(CVodeGetAdjCVodeBmem(cv->mem, so->which), &nst);
    so->steps_before += nst;
    cv_message_clear(cv);
    memcpy(NV_DATA_S(so->yB), yB, sizeof(double) * (size_t)so->nyb);
    int flag = CVodeReInitB(cv->mem, so->which, t, so->yB);
    if (flag == CV_SUCCESS && so->nqb > 0) {
        memcpy(NV_DATA_S(so->qB), qB, sizeof(double) * (size_t)so->nqb);
        flag = CVodeQuadReInitB(cv->mem, so->which, so->qB);
    }
    if (flag != CV_SUCCESS)
        return cv_fail(cv, flag, "second-order backward restart", t, err, errlen);
    return 0;
}

long cv_soadjoint_steps(cv_solver *cv)
{
    if (!cv->so || !cv->mem || cv->so->which < 0)
        return 0;
    long nst = 0;
    CVodeGetNumSteps(CVodeGetAdjCVodeBmem(cv->mem, cv->so->which), &nst);
    return cv->so->steps_before + nst;
}

size_t cv_so_workspace_bytes(cv_solver *cv)
{
    if (!cv->so || !cv->mem || cv->so->which < 0)
        return 0;
    void *bmem = CVodeGetAdjCVodeBmem(cv->mem, cv->so->which);
    long lenrw = 0, leniw = 0, lenrwLS = 0, leniwLS = 0;
    if (!bmem)
        return 0;
    CVodeGetWorkSpace(bmem, &lenrw, &leniw);
    CVodeGetLinWorkSpace(bmem, &lenrwLS, &leniwLS);
    return (size_t)lenrw * sizeof(sunrealtype) + (size_t)leniw * sizeof(long) +
           (size_t)lenrwLS * sizeof(sunrealtype) + (size_t)leniwLS * sizeof(long);
}

/* what CVodeFree does not own (called by cv_free after CVodeFree) */
void cv_so_release(cv_solver *cv)
{
    struct cv_so_backward *so = cv->so;
    if (!so)
        return;
    if (so->LS)
        SUNLinSolFree(so->LS);
    if (so->A)
        SUNMatDestroy(so->A);
    if (so->yB)
        N_VDestroy(so->yB);
    if (so->qB)
        N_VDestroy(so->qB);
    free(so->unit);
    free(so->g_x);
    free(so->g_th);
    free(so->h_x);
    free(so->h_th);
    free(so->jac);
    free(so->col);
    free(so->d2);
    free(so);
    cv->so = NULL;
}
