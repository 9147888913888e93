/* cvblockmat — a SUNMatrix that holds a block lower-triangular matrix with nb equal nx × nx
 * diagonal blocks and nonzero blocks only in its first block column:
 *
 *     M = [ D            ]
 *         [ B_1  D       ]
 *         [ B_2  0   D   ]
 *         [ …            ]
 *
 * the shape of the second-order backward Jacobian JB = [[−f_xᵀ, 0], [C_j, −f_xᵀ]] and of its
 * Newton matrix I − γ JB (cvsoadj.c, cvblocklu.c).  Only D and the B_j are stored — nb·nx²
 * values instead of the dense (nb·nx)² — and the operations CVODES's linear-solver interface
 * applies at every Newton set-up (zero, copy, A ← cA + I) cost O(nb·nx²) instead of
 * O(nb²·nx²): on jakstat (nx = 9, nb = 18) the dense 162 × 162 copies and shifts took a third
 * of the backward pass.  A ← cA + I is exact in this storage because the identity touches only
 * the diagonal blocks, which are all D.  Each block is column-major; block 0 is D, block j
 * (1 ≤ j < nb) is B_j. */
#include "cvwrap_impl.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int nx, nb;
    double *data;   /* nb × nx × nx */
} cv_block_mat;

static cv_block_mat *mat_content(SUNMatrix A)
{
    return (cv_block_mat *)A->content;
}

static size_t mat_values(const cv_block_mat *c)
{
    return (size_t)c->nb * (size_t)c->nx * (size_t)c->nx;
}

static SUNMatrix_ID mat_id(SUNMatrix A)
{
    (void)A;
    return SUNMATRIX_CUSTOM;
}

static void mat_destroy(SUNMatrix A)
{
    if (!A)
        return;
    cv_block_mat *c = A->content;
    if (c) {
        free(c->data);
        free(c);
        A->content = NULL;
    }
    SUNMatFreeEmpty(A);
}

static SUNMatrix mat_clone(SUNMatrix A)
{
    const cv_block_mat *c = mat_content(A);
    return cv_block_mat_new(c->nx, c->nb, A->sunctx);
}

static int mat_zero(SUNMatrix A)
{
    cv_block_mat *c = mat_content(A);
    memset(c->data, 0, sizeof(double) * mat_values(c));
    return SUNMAT_SUCCESS;
}

/* B ← A */
static int mat_copy(SUNMatrix A, SUNMatrix B)
{
    const cv_block_mat *a = mat_content(A);
    cv_block_mat *b = mat_content(B);
    if (a->nx != b->nx || a->nb != b->nb)
        return SUNMAT_ILL_INPUT;
    memcpy(b->data, a->data, sizeof(double) * mat_values(a));
    return SUNMAT_SUCCESS;
}

/* A ← cA + I: every block scaled, the identity added to D (every diagonal block) */
static int mat_scale_add_identity(sunrealtype cscale, SUNMatrix A)
{
    cv_block_mat *c = mat_content(A);
    const size_t n = mat_values(c);
    for (size_t i = 0; i < n; i++)
        c->data[i] *= cscale;
    for (int i = 0; i < c->nx; i++)
        c->data[(size_t)i * (size_t)c->nx + (size_t)i] += 1.0;
    return SUNMAT_SUCCESS;
}

static int mat_space(SUNMatrix A, long *lenrw, long *leniw)
{
    const cv_block_mat *c = mat_content(A);
    *lenrw = (long)mat_values(c);
    *leniw = 2;
    return SUNMAT_SUCCESS;
}

SUNMatrix cv_block_mat_new(int nx, int nblocks, SUNContext sunctx)
{
    SUNMatrix A = SUNMatNewEmpty(sunctx);
    if (!A)
        return NULL;
    A->ops->getid = mat_id;
    A->ops->clone = mat_clone;
    A->ops->destroy = mat_destroy;
    A->ops->zero = mat_zero;
    A->ops->copy = mat_copy;
    A->ops->scaleaddi = mat_scale_add_identity;
    A->ops->space = mat_space;
    cv_block_mat *c = calloc(1, sizeof *c);
    A->content = c;
    if (!c) {
        mat_destroy(A);
        return NULL;
    }
    c->nx = nx;
    c->nb = nblocks;
    c->data = calloc(mat_values(c) ? mat_values(c) : 1, sizeof(double));
    if (!c->data) {
        mat_destroy(A);
        return NULL;
    }
    return A;
}

double *cv_block_mat_block(SUNMatrix A, int j)
{
    cv_block_mat *c = mat_content(A);
    return c->data + (size_t)j * (size_t)c->nx * (size_t)c->nx;
}
