/* cvadj — the first-order backward kind: λ' = −f_xᵀλ − g_xᵀ with the quadrature for dL/dθ,
 * its callbacks and set-up (the life cycle and the sweep: cvbwd.c).  See cvadj.h. */
#include "cvadj.h"
#include "cvwrap_impl.h"

#include <stdlib.h>
#include <string.h>

/* what this kind keeps besides the generic record */
typedef struct {
    double *scratch_x, *scratch_th, *jac;   /* nx, np, nx*nx (jac: dense only) */
} cv_adj_own;

/* ---- backward callbacks ---------------------------------------------------------------- */

/* −(f_xᵀλ + g_xᵀ) into gx and −(f_θᵀλ + g_θᵀ) into gth (either may be NULL): the adjoint's
 * right-hand side and the quadrature's integrand, g being the running cost if there is one */
static int cv_adj_products(cv_bwd *B, double t, N_Vector y, N_Vector yB, double *gx,
                           double *gth)
{
    cv_solver *cv = B->cv;
    cv_adj_own *b = B->own;
    const int nx = cv->n, np = B->nq;
    model_ctx_count_into(cv->ctx, B->counts);
    model_rhs_vjp(cv->ctx, t, NV_DATA_S(y), NV_DATA_S(yB), gx, gth);
    if (cv->nq > 0) {
        model_running_grad(cv->ctx, t, NV_DATA_S(y), gx ? b->scratch_x : NULL,
                           gth ? b->scratch_th : NULL);
        for (int i = 0; gx && i < nx; i++)
            gx[i] += b->scratch_x[i];
        for (int j = 0; gth && j < np; j++)
            gth[j] += b->scratch_th[j];
    }
    for (int i = 0; gx && i < nx; i++)
        gx[i] = -gx[i];
    for (int j = 0; gth && j < np; j++)
        gth[j] = -gth[j];
    return (gx && !cv_all_finite(gx, nx)) || (gth && !cv_all_finite(gth, np)) ? 1 : 0;
}

/* λ' = −(f_xᵀλ + g_xᵀ) */
static int cv_adj_rhs(sunrealtype t, N_Vector y, N_Vector yB, N_Vector yBdot, void *data)
{
    return cv_adj_products(data, t, y, yB, NV_DATA_S(yBdot), NULL);
}

/* q' = −(f_θᵀλ + g_θᵀ) */
static int cv_adj_quad(sunrealtype t, N_Vector y, N_Vector yB, N_Vector qBdot, void *data)
{
    return cv_adj_products(data, t, y, yB, NULL, NV_DATA_S(qBdot));
}

/* ∂λ'/∂λ = −f_xᵀ, from the model's exact f_x */
static int cv_adj_jac(sunrealtype t, N_Vector y, N_Vector yB, N_Vector fyB, SUNMatrix JB,
                      void *data, N_Vector tmp1B, N_Vector tmp2B, N_Vector tmp3B)
{
    cv_bwd *B = data;
    cv_solver *cv = B->cv;
    double *jac = ((cv_adj_own *)B->own)->jac;
    (void)yB;
    (void)fyB;
    (void)tmp1B;
    (void)tmp2B;
    (void)tmp3B;
    model_ctx_count_into(cv->ctx, B->counts);
    model_rhs_jac(cv->ctx, t, NV_DATA_S(y), jac);
    cv_dense_fill(JB, jac, cv->n, 1, -1.0);
    return cv_all_finite(jac, cv->n * cv->n) ? 0 : 1;
}

/* ---- the kind ------------------------------------------------------------------------------ */

static int cv_adj_sizes(const cv_solver *cv, int *ny, int *nq, const char **why)
{
    (void)why;
    *ny = cv->n;
    *nq = cv->np;
    return 0;
}

static const char *cv_adj_init(cv_bwd *B, const cv_backward_options *bo, double T)
{
    cv_solver *cv = B->cv;
    const int nx = cv->n;
    cv_adj_own *b = calloc(1, sizeof *b);
    B->own = b;
    if (!b)
        return "allocation";
    b->scratch_x = calloc((size_t)nx, sizeof(double));
    b->scratch_th = calloc((size_t)(cv->np ? cv->np : 1), sizeof(double));
    if (!b->scratch_x || !b->scratch_th)
        return "allocation";
    if (CVodeInitB(cv->mem, B->which, cv_adj_rhs, T, B->y) != CV_SUCCESS)
        return "CVodeInitB";
    if (cv_bwd_settings(B, bo) != 0)
        return "the backward tolerances";
    /* the forward problem's kind of linear solver, for the transposed Jacobian */
    if (cv->linsol != CV_LINSOL_DENSE) {
        if (cv_krylov_attach_backward(B) != 0)
            return "the backward Krylov linear solver";
    } else {
        b->jac = calloc((size_t)nx * (size_t)nx, sizeof(double));
        B->A = b->jac ? SUNDenseMatrix(nx, nx, cv->sunctx) : NULL;
        B->LS = B->A ? SUNLinSol_Dense(B->y, B->A, cv->sunctx) : NULL;
        if (!B->LS || CVodeSetLinearSolverB(cv->mem, B->which, B->LS, B->A) != CV_SUCCESS ||
            CVodeSetJacFnB(cv->mem, B->which, cv_adj_jac) != CV_SUCCESS)
            return "the backward linear solver";
    }
    if (B->nq > 0 && (CVodeQuadInitB(cv->mem, B->which, cv_adj_quad, B->q) != CV_SUCCESS ||
                      cv_bwd_quad_settings(B, bo) != 0))
        return "the backward quadrature";
    return NULL;
}

static void cv_adj_release(cv_bwd *B)
{
    cv_adj_own *b = B->own;
    if (!b)
        return;
    free(b->scratch_x);
    free(b->scratch_th);
    free(b->jac);
    free(b);
    B->own = NULL;
}

const cv_backward_kind cv_adjoint_first_order = {"backward", cv_adj_sizes, cv_adj_init,
                                                 cv_adj_release};
