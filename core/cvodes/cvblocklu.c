/* cvblocklu — a CVODES linear solver for block lower-triangular Newton matrices whose
 * diagonal blocks are all equal:
 *
 *     M = [ D            ]      D = I − γ(−f_xᵀ)   (nx × nx, the same in every block row)
 *         [ B_1  D       ]      B_j = −γ C_j
 *         [ B_2  0   D   ]
 *         [ …            ]
 *
 * which is the matrix I − γ JB of the second-order backward problem (cvsoadj.c).  CVODES
 * fills M, stored as its blocks D and B_j only (cvblockmat.c), from our exact Jacobian;
 * set-up factors D alone (O(nx³) instead of O((nx·nb)³)); a solve is block forward
 * substitution,
 *     x_0 = D⁻¹ b_0,   x_j = D⁻¹ (b_j − B_j x_0),
 * which is the exact solution of M x = b — the same as the dense LU's, at O(nb·nx²).  The
 * off-diagonal blocks are read from M at solve time (CVODES passes the same matrix to both).
 * LU with partial pivoting in plain loops (denselu.h); a zero or non-finite pivot of D is
 * reported as a recoverable factorisation failure, as SUNDIALS's dense solver does. */
#include "cvwrap_impl.h"

#include "denselu.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    int nx, nb;            /* block size, number of block rows */
    double *lu;            /* nx × nx row-major LU factors of D */
    size_t *perm;          /* nx: the row interchanges (denselu.h) */
    sunindextype last_flag;
} cv_block_lu;

static cv_block_lu *block_content(SUNLinearSolver S)
{
    return (cv_block_lu *)S->content;
}

static SUNLinearSolver_Type block_type(SUNLinearSolver S)
{
    (void)S;
    return SUNLINEARSOLVER_DIRECT;
}

static SUNLinearSolver_ID block_id(SUNLinearSolver S)
{
    (void)S;
    return SUNLINEARSOLVER_CUSTOM;
}

static int block_initialize(SUNLinearSolver S)
{
    block_content(S)->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}

static int block_setup(SUNLinearSolver S, SUNMatrix A)
{
    cv_block_lu *c = block_content(S);
    const int n = c->nx;
    const double *D = cv_block_mat_block(A, 0);   /* column-major */
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
            c->lu[i * n + k] = D[k * n + i];
    const int singular = dense_lu_factor(n, c->lu, c->perm);
    if (singular) {
        c->last_flag = singular;
        return SUNLS_LUFACT_FAIL;
    }
    c->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}

/* x ← D⁻¹ x from the factors (denselu.h: plain loops, no BLAS calls and their locks at these
 * block sizes — nb solves of an nx × nx block per Newton iteration, jakstat 18 of 9 × 9) */
static void block_lu_solve(cv_block_lu *c, double *x)
{
    dense_lu_solve(c->nx, c->lu, c->perm, x);
}

static int block_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, sunrealtype tol)
{
    (void)tol;
    cv_block_lu *c = block_content(S);
    const int n = c->nx;
    double *xd = NV_DATA_S(x);
    memcpy(xd, NV_DATA_S(b), sizeof(double) * (size_t)n * (size_t)c->nb);
    block_lu_solve(c, xd);
    for (int j = 1; j < c->nb; j++) {
        double *xj = xd + (size_t)j * (size_t)n;
        const double *Bj = cv_block_mat_block(A, j);
        for (int k = 0; k < n; k++) {   /* xj −= B_j x_0, B_j read column by column */
            const double *col = Bj + (size_t)k * (size_t)n;
            const double x0k = xd[k];
            for (int i = 0; i < n; i++)
                xj[i] -= col[i] * x0k;
        }
        block_lu_solve(c, xj);
    }
    c->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}

static sunindextype block_last_flag(SUNLinearSolver S)
{
    return block_content(S)->last_flag;
}

static int block_space(SUNLinearSolver S, long *lenrw, long *leniw)
{
    const cv_block_lu *c = block_content(S);
    *lenrw = (long)c->nx * c->nx + c->nx;
    *leniw = c->nx + 3;
    return SUNLS_SUCCESS;
}

static int block_free(SUNLinearSolver S)
{
    if (!S)
        return SUNLS_SUCCESS;
    cv_block_lu *c = S->content;
    if (c) {
        free(c->lu);
        free(c->perm);
        free(c);
        S->content = NULL;
    }
    SUNLinSolFreeEmpty(S);
    return SUNLS_SUCCESS;
}

SUNLinearSolver cv_block_lu_new(int nx, int nblocks, SUNContext sunctx)
{
    SUNLinearSolver S = SUNLinSolNewEmpty(sunctx);
    if (!S)
        return NULL;
    S->ops->gettype = block_type;
    S->ops->getid = block_id;
    S->ops->initialize = block_initialize;
    S->ops->setup = block_setup;
    S->ops->solve = block_solve;
    S->ops->lastflag = block_last_flag;
    S->ops->space = block_space;
    S->ops->free = block_free;
    cv_block_lu *c = calloc(1, sizeof *c);
    S->content = c;
    if (!c) {
        block_free(S);
        return NULL;
    }
    c->nx = nx;
    c->nb = nblocks;
    c->lu = calloc((size_t)nx * (size_t)nx, sizeof(double));
    c->perm = calloc((size_t)nx, sizeof(size_t));
    if (!c->lu || !c->perm) {
        block_free(S);
        return NULL;
    }
    return S;
}
