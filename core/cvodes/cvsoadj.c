/* cvsoadj — the second-order (forward-over-adjoint) kind of backward problem.  See cvsoadj.h
 * for the equations; this file holds the callbacks CVODES calls, the kind's set-up and its
 * release (the life cycle and the sweep: cvbwd.c, as for the first order). */
#include "cvsoadj.h"
#include "cvwrap_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what this kind keeps besides the generic record (whose y = [λ; μ_j] holds nx(1 + nd)
 * values and q = [q; q2_j] np(1 + nd)) */
typedef struct {
    int nd;                  /* directions (forward sensitivities) */
    double *unit;            /* np: e_j when the forward sensitivities are ∂x/∂θ_j */
    double *g_x, *g_th;      /* running cost gradient (nx, np) */
    double *h_x, *h_th;      /* running cost second-order products (nx, np) */
    double *jac, *col, *d2;  /* nx×nx f_x; e_i; one column of ∂f_x·(s, u) */
    double rtol, atol;       /* for the error weights of so_ewt_first */
    int block_storage;       /* JB stored as its blocks (cvblockmat.c) for the block solver */
    int triangle;            /* the symmetric kind: q2_j holds rows i <= j only */
    double *q2_full;         /* np: one q2_j' before its rows i <= j are kept */
} cv_so_own;

/* the parameter direction u_j of sensitivity j */
static const double *so_dir_begin(const cv_solver *cv, cv_so_own *so, int j)
{
    if (cv->sens_sys)
        return cv->sens_sys->directions + (size_t)j * (size_t)cv->np;
    so->unit[j] = 1.0;
    return so->unit;
}

static void so_dir_end(const cv_solver *cv, cv_so_own *so, int j)
{
    if (!cv->sens_sys)
        so->unit[j] = 0.0;
}

/* ---- backward callbacks (CVODES "BS" functions: they see the forward sensitivities) ------ */

/* where the second-order block j of the output starts and how many values it has: μ_j' (nx
 * values), q2_j' (np values), or — the symmetric kind — rows i <= j of q2_j' (j + 1 values,
 * packed after q': so_q2_offset) */
static size_t so_q2_offset(int np, int j)
{
    return (size_t)np + (size_t)j * (size_t)(j + 1) / 2;
}

/* The backward right-hand side (into dx; dth NULL)
 *     λ'    = −f_xᵀλ − g_xᵀ,
 *     μ_j'  = −f_xᵀμ_j − (λᵀf)_xx s_j − (λᵀf)_xθ u_j − g_xx s_j − g_xθ u_j,
 * or the quadratures' integrands (into dth; dx NULL)
 *     q'    = −(f_θᵀλ + g_θᵀ),
 *     q2_j' = −(f_θᵀμ_j + (λᵀf)_θx s_j + (λᵀf)_θθ u_j + g_θx s_j + g_θθ u_j):
 * the x- and the θ-parts of the same products (model_rhs_vjp_jvp, model_running_hvp), as
 * CVODES asks for them in two calls.  The output is nd + 1 blocks of nx (dx) or np (dth); for
 * the symmetric kind the q2_j' blocks keep their rows i <= j. */
static int so_products(cv_bwd *B, double t, N_Vector y, N_Vector *yS, N_Vector yB,
                       double *dx, double *dth)
{
    cv_solver *cv = B->cv;
    cv_so_own *so = B->own;
    const int nx = cv->n, np = cv->np;
    const int block = dx ? nx : np, size = dx ? B->ny : B->nq;
    const int packed = dth && so->triangle;
    double *out = dx ? dx : dth;
    const double *x = NV_DATA_S(y), *lambda = NV_DATA_S(yB);
    const int running = cv->nq > 0;
    model_ctx_count_into(cv->ctx, B->counts);
    if (so->nd == 0)
        model_rhs_vjp(cv->ctx, t, x, lambda, dx, dth);
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, so, j);
        const double *s = NV_DATA_S(yS[j]);
        /* μ_j' or q2_j' (all of it, in so->q2_full when only its rows i <= j are kept) */
        double *second = packed ? so->q2_full : out + (size_t)(j + 1) * (size_t)block;
        model_rhs_vjp_jvp(cv->ctx, t, x, lambda, lambda + (size_t)(j + 1) * (size_t)nx, s, u,
                          j == 0 ? dx : NULL, j == 0 ? dth : NULL, dx ? second : NULL,
                          dth ? second : NULL);
        if (running) {
            model_running_hvp(cv->ctx, t, x, s, u, dx ? so->h_x : NULL, dth ? so->h_th : NULL);
            const double *h = dx ? so->h_x : so->h_th;
            for (int i = 0; i < block; i++)
                second[i] += h[i];
        }
        if (packed)
            memcpy(out + so_q2_offset(np, j), second, sizeof(double) * (size_t)(j + 1));
        so_dir_end(cv, so, j);
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
 * ∂f_x·(s_j, u_j) is f''[(s_j, u_j), (e_i, 0)], one second-order product of the model.  With
 * the block solver JB is stored as its blocks (cvblockmat.c: −f_xᵀ once, then the C_j), else
 * as CVODES's dense matrix with −f_xᵀ in every diagonal block. */
static void so_jac_set(const cv_so_own *so, SUNMatrix JB, int nx, int row_block, int col_block,
                       int i, int k, double v)
{
    if (so->block_storage)
        cv_block_mat_block(JB, row_block == col_block ? 0 : row_block)[k * nx + i] = v;
    else
        SM_ELEMENT_D(JB, row_block * nx + i, col_block * nx + k) = v;
}

static int so_jac(sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yB, N_Vector fyB,
                  SUNMatrix JB, void *data, N_Vector tmp1B, N_Vector tmp2B, N_Vector tmp3B)
{
    cv_bwd *B = data;
    cv_solver *cv = B->cv;
    cv_so_own *so = B->own;
    const int nx = cv->n;
    const double *x = NV_DATA_S(y);
    (void)yB;
    (void)fyB;
    (void)tmp1B;
    (void)tmp2B;
    (void)tmp3B;
    model_ctx_count_into(cv->ctx, B->counts);
    SUNMatZero(JB);
    model_rhs_jac(cv->ctx, t, x, so->jac);
    if (!cv_all_finite(so->jac, nx * nx))
        return 1;
    const int diagonal_blocks = so->block_storage ? 1 : so->nd + 1;
    for (int b = 0; b < diagonal_blocks; b++)
        for (int i = 0; i < nx; i++)
            for (int k = 0; k < nx; k++)
                so_jac_set(so, JB, nx, b, b, i, k, -so->jac[k * nx + i]);
    for (int j = 0; j < so->nd; j++) {
        const double *u = so_dir_begin(cv, so, j);
        const double *s = NV_DATA_S(yS[j]);
        for (int i = 0; i < nx; i++) {
            so->col[i] = 1.0;
            model_rhs_hvv(cv->ctx, t, x, s, u, so->col, NULL, NULL, so->d2);
            so->col[i] = 0.0;
            for (int k = 0; k < nx; k++)
                so_jac_set(so, JB, nx, j + 1, 0, i, k, -so->d2[k]);
        }
        so_dir_end(cv, so, j);
        if (!cv_all_finite(so->d2, nx))
            return 1;
    }
    return 0;
}

/* The error weights of a local error test on λ alone (so_errcon_first): CVODES measures the
 * local error e of y = [λ; μ_j] by the weighted RMS norm sqrt(Σ (w_i e_i)² / ny).  With
 *     w_i = sqrt(ny / nx) / (rtol |λ_i| + atol)  for λ,   w_i = 0  for the μ_j,
 * that norm is exactly the first-order kind's, sqrt(Σ_λ (e_i / (rtol |λ_i| + atol))² / nx):
 * the step sizes are chosen for λ as a first-order adjoint would choose them, and the μ_j —
 * linear in themselves, driven by λ and the forward sensitivities — ride along.  The Newton
 * iteration's convergence test uses the same weights, so it too watches λ alone; the μ_j's
 * accuracy is what the Hessian errors measured against closed forms and soforward show
 * (methods/soadjoint.c, docs/adjoint-accuracy.md).  CVODES gives
 * a backward problem's weight function the forward problem's memory as user data (cvodea.c,
 * CVodeCreateB), whose user data is our solver record. */
static int so_ewt_first(N_Vector y, N_Vector ewt, void *forward_mem)
{
    void *data = NULL;
    if (CVodeGetUserData(forward_mem, &data) != CV_SUCCESS || !data)
        return -1;
    const cv_solver *cv = data;
    const cv_bwd *B = cv->bwd;
    const cv_so_own *so = B->own;
    const int nx = cv->n;
    const double scale = sqrt((double)B->ny / (double)nx);
    const double *yv = NV_DATA_S(y);
    double *w = NV_DATA_S(ewt);
    for (int i = 0; i < B->ny; i++)
        w[i] = i < nx ? scale / (so->rtol * fabs(yv[i]) + so->atol) : 0.0;
    return 0;
}

/* ---- the kind ------------------------------------------------------------------------------ */

/* the directions nd: the forward problem's first-order sensitivities along directions */
static int so_sizes(const cv_solver *cv, int *ny, int *nq, const char **why)
{
    if (cv->sens_sys && !cv->sens_sys->directions) {
        *why = "the start (the forward sensitivities are not first-order ones along directions)";
        return -1;
    }
    const int nd = cv->sens != CV_SENS_NONE && cv->yS ? cv->ns : 0;
    *ny = cv->n * (1 + nd);
    *nq = cv->np * (1 + nd);
    return 0;
}

/* the symmetric kind: u_j = e_j for every parameter (nd = np), q2 packed as rows i <= j */
static int so_sizes_symmetric(const cv_solver *cv, int *ny, int *nq, const char **why)
{
    if (so_sizes(cv, ny, nq, why) != 0)
        return -1;
    if (cv->sens_sys || cv->sens == CV_SENS_NONE || !cv->yS || cv->ns != cv->np) {
        *why = "the start (the symmetric kind needs the sensitivities along every e_j)";
        return -1;
    }
    *nq = (int)so_q2_offset(cv->np, cv->np);
    return 0;
}

static const char *so_init(cv_bwd *B, const cv_backward_options *bo, double T)
{
    cv_solver *cv = B->cv;
    const int nx = cv->n, np = cv->np, nd = B->ny / nx - 1;
    cv_so_own *so = calloc(1, sizeof *so);
    B->own = so;
    if (!so)
        return "allocation";
    so->nd = nd;
    so->triangle = B->kind == &cv_adjoint_second_order_symmetric;
    const size_t wnp = (size_t)(np > 0 ? np : 1);
    so->unit = calloc(wnp, sizeof(double));
    so->g_x = calloc((size_t)nx, sizeof(double));
    so->g_th = calloc(wnp, sizeof(double));
    so->h_x = calloc((size_t)nx, sizeof(double));
    so->h_th = calloc(wnp, sizeof(double));
    so->jac = calloc((size_t)nx * (size_t)nx, sizeof(double));
    so->col = calloc((size_t)nx, sizeof(double));
    so->d2 = calloc((size_t)nx, sizeof(double));
    so->q2_full = calloc(wnp, sizeof(double));
    if (!so->unit || !so->g_x || !so->g_th || !so->h_x || !so->h_th || !so->jac || !so->col ||
        !so->d2 || !so->q2_full)
        return "allocation";
    /* SUNDIALS's fused vector operations: one pass over [λ; μ_j] and [q; q2_j] where the
     * integrator would otherwise make several (the Nordsieck updates; measured 3 % of a
     * rafmekerk Hessian) */
    if (N_VEnableFusedOps_Serial(B->y, SUNTRUE) != 0 ||
        (B->q && N_VEnableFusedOps_Serial(B->q, SUNTRUE) != 0))
        return "the fused vector operations";
    if (CVodeInitBS(cv->mem, B->which, so_rhs, T, B->y) != CV_SUCCESS)
        return "CVodeInitBS";
    if (cv_bwd_settings(B, bo) != 0)
        return "the backward tolerances";
    so->rtol = bo->rtol;
    so->atol = bo->atol;
    if (bo->so_errcon_first &&
        CVodeWFtolerances(CVodeGetAdjCVodeBmem(cv->mem, B->which), so_ewt_first) != CV_SUCCESS)
        return "the error weights of λ alone";
    so->block_storage = bo->so_linsol != CV_SO_DENSE;
    B->A = so->block_storage ? cv_block_mat_new(nx, nd + 1, cv->sunctx)
                             : SUNDenseMatrix(B->ny, B->ny, cv->sunctx);
    if (B->A)
        B->LS = so->block_storage ? cv_block_lu_new(nx, nd + 1, cv->sunctx)
                                  : SUNLinSol_Dense(B->y, B->A, cv->sunctx);
    if (!B->LS || CVodeSetLinearSolverB(cv->mem, B->which, B->LS, B->A) != CV_SUCCESS ||
        CVodeSetJacFnBS(cv->mem, B->which, so_jac) != CV_SUCCESS)
        return "the backward linear solver";
    if (B->nq > 0 && (CVodeQuadInitBS(cv->mem, B->which, so_quad, B->q) != CV_SUCCESS ||
                      cv_bwd_quad_settings(B, bo) != 0))
        return "the backward quadratures";
    return NULL;
}

static void so_release(cv_bwd *B)
{
    cv_so_own *so = B->own;
    if (!so)
        return;
    free(so->unit);
    free(so->g_x);
    free(so->g_th);
    free(so->h_x);
    free(so->h_th);
    free(so->jac);
    free(so->col);
    free(so->d2);
    free(so->q2_full);
    free(so);
    B->own = NULL;
}

const cv_backward_kind cv_adjoint_second_order = {"second-order backward", so_sizes, so_init,
                                                  so_release};
const cv_backward_kind cv_adjoint_second_order_symmetric = {"second-order backward",
                                                            so_sizes_symmetric, so_init,
                                                            so_release};
