/* cvsoadj — the second-order (forward-over-adjoint) backward problem with CVODES.  See
 * cvsoadj.h for the equations; this file holds the callbacks CVODES calls, the set-up of the
 * backward problem and its release (integration and restarts: cvbwd.c, as for the first
 * order). */
#include "cvsoadj.h"
#include "cvwrap_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cv_so_backward {
    cv_bwd bwd;              /* yB = [λ; μ_j]: nx(1 + nd) values; qB = [q; q2_j]: np(1 + nd) */
    int nd;                  /* directions (forward sensitivities) */
    SUNMatrix A;
    SUNLinearSolver LS;
    eval_counts *counts;
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

/* The backward right-hand side (into dx; dth NULL)
 *     λ'    = −f_xᵀλ − g_xᵀ,
 *     μ_j'  = −f_xᵀμ_j − (λᵀf)_xx s_j − (λᵀf)_xθ u_j − g_xx s_j − g_xθ u_j,
 * or the quadratures' integrands (into dth; dx NULL)
 *     q'    = −(f_θᵀλ + g_θᵀ),
 *     q2_j' = −(f_θᵀμ_j + (λᵀf)_θx s_j + (λᵀf)_θθ u_j + g_θx s_j + g_θθ u_j):
 * the x- and the θ-parts of the same products (model_rhs_vjp_jvp, model_running_hvp), as
 * CVODES asks for them in two calls.  The output is nd + 1 blocks of nx (dx) or np (dth). */
static int so_products(cv_solver *cv, double t, N_Vector y, N_Vector *yS, N_Vector yB,
                       double *dx, double *dth)
{
    struct cv_so_backward *so = cv->so;
    const int nx = cv->n;
    const int block = dx ? nx : cv->np, size = dx ? so->bwd.ny : so->bwd.nq;
    double *out = dx ? dx : dth;
    const double *x = NV_DATA_S(y), *lambda = NV_DATA_S(yB);
    const int running = cv->nq > 0;
    model_ctx_count_into(cv->ctx, so->counts);
    if (so->nd == 0)
        model_rhs_vjp(cv->ctx, t, x, lambda, dx, dth);
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, j);
        const double *s = NV_DATA_S(yS[j]);
        double *second = out + (size_t)(j + 1) * (size_t)block;   /* μ_j' or q2_j' */
        model_rhs_vjp_jvp(cv->ctx, t, x, lambda, lambda + (size_t)(j + 1) * (size_t)nx, s, u,
                          j == 0 ? dx : NULL, j == 0 ? dth : NULL, dx ? second : NULL,
                          dth ? second : NULL);
        if (running) {
            model_running_hvp(cv->ctx, t, x, s, u, dx ? so->h_x : NULL, dth ? so->h_th : NULL);
            const double *h = dx ? so->h_x : so->h_th;
            for (int i = 0; i < block; i++)
                second[i] += h[i];
        }
        so_dir_end(cv, j);
    }
    if (running) {
        model_running_grad(cv->ctx, t, x, dx ? so->g_x : NULL, dth ? so->g_th : NULL);
        const double *g = dx ? so->g_x : so->g_th;
        for (int i = 0; i < block; i++)
            out[i] += g[i];
    }
    for (int i = 0; i < size; i++)
        out[i] = -out[i];
    return cv_all_finite(out, size) ? 0 : 1;
}

static int so_rhs(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector yBdot,
                  void *data)
{
    return so_products(data, t, y, yS, yB, NV_DATA_S(yBdot), NULL);
}

static int so_quad(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector qBdot,
                   void *data)
{
    return so_products(data, t, y, yS, yB, NULL, NV_DATA_S(qBdot));
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

/* names this problem in messages */
static const char so_kind[] = "second-order backward";

static int so_setup_failed(cv_solver *cv, const char *what, char *err, size_t errlen)
{
    return cv_bwd_setup_failed(cv, so_kind, what, err, errlen);
}

int cv_soadjoint_directions(const cv_solver *cv)
{
    return cv->sens != CV_SENS_NONE && cv->yS ? cv->ns : 0;
}

int cv_soadjoint_begin(cv_solver *cv, const cv_backward_options *bo, cv_so_linsol linsol,
                       double T, const double *yB0, char *err, size_t errlen)
{
    if (cv->checkpoint_steps <= 0 || cv->so || cv->back.bwd.active)
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
    so->nd = nd;
    so->bwd.ny = nx * (1 + nd);
    so->bwd.nq = np * (1 + nd);
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
    so->bwd.y = N_VNew_Serial(so->bwd.ny, cv->sunctx);
    so->bwd.q = N_VNew_Serial(so->bwd.nq > 0 ? so->bwd.nq : 1, cv->sunctx);
    if (!so->unit || !so->g_x || !so->g_th || !so->h_x || !so->h_th || !so->jac || !so->col ||
        !so->d2 || !so->bwd.y || !so->bwd.q)
        return so_setup_failed(cv, "allocation", err, errlen);
    memcpy(NV_DATA_S(so->bwd.y), yB0, sizeof(double) * (size_t)so->bwd.ny);
    N_VConst(0.0, so->bwd.q);
    if (cv_bwd_create(cv, &so->bwd, so_kind, bo) != 0)
        return so_setup_failed(cv, "CVodeCreateB", err, errlen);
    if (CVodeInitBS(cv->mem, so->bwd.which, so_rhs, T, so->bwd.y) != CV_SUCCESS)
        return so_setup_failed(cv, "CVodeInitBS", err, errlen);
    if (cv_bwd_settings(cv, &so->bwd, bo) != 0)
        return so_setup_failed(cv, "the backward tolerances", err, errlen);
    so->A = SUNDenseMatrix(so->bwd.ny, so->bwd.ny, cv->sunctx);
    if (so->A)
        so->LS = linsol == CV_SO_BLOCK ? cv_block_lu_new(nx, nd + 1, cv->sunctx)
                                       : SUNLinSol_Dense(so->bwd.y, so->A, cv->sunctx);
    if (!so->LS ||
        CVodeSetLinearSolverB(cv->mem, so->bwd.which, so->LS, so->A) != CV_SUCCESS ||
        CVodeSetJacFnBS(cv->mem, so->bwd.which, so_jac) != CV_SUCCESS)
        return so_setup_failed(cv, "the backward linear solver", err, errlen);
    if (so->bwd.nq > 0 &&
        (CVodeQuadInitBS(cv->mem, so->bwd.which, so_quad, so->bwd.q) != CV_SUCCESS ||
         cv_bwd_quad_settings(cv, &so->bwd, bo) != 0))
        return so_setup_failed(cv, "the backward quadratures", err, errlen);
    return 0;
}

int cv_soadjoint_to(cv_solver *cv, double t, double *yB, double *qB, char *err, size_t errlen)
{
    return cv_bwd_to(cv, &cv->so->bwd, t, yB, qB, err, errlen);
}

int cv_soadjoint_restart(cv_solver *cv, double t, const double *yB, const double *qB,
                         char *err, size_t errlen)
{
    return cv_bwd_restart(cv, &cv->so->bwd, t, yB, qB, err, errlen);
}

long cv_soadjoint_steps(cv_solver *cv)
{
    return cv->so ? cv_bwd_steps(cv, &cv->so->bwd) : 0;
}

size_t cv_so_workspace_bytes(cv_solver *cv)
{
    return cv->so ? cv_bwd_workspace_bytes(cv, &cv->so->bwd) : 0;
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
    if (so->bwd.y)
        N_VDestroy(so->bwd.y);
    if (so->bwd.q)
        N_VDestroy(so->bwd.q);
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
