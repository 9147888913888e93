/* sparsejac — the sparse state Jacobian by colouring.  See sparsejac.h. */
#include "sparsejac.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Working room of the graph analysis beyond the pattern itself: intermediate nodes of a
 * stencil hold a few index sets per state (a 5-point Laplacian of two fields peaks near 30). */
static const long sj_analysis_room_per_state = 64;

static int sj_full_pattern(int n, sj_pattern *p)
{
    p->n = n;
    p->nnz = (long)n * n;
    p->row_start = malloc(sizeof(int) * (size_t)(n + 1));
    p->cols = malloc(sizeof(int) * (size_t)(p->nnz > 0 ? p->nnz : 1));
    if (!p->row_start || !p->cols)
        return -1;
    for (int i = 0; i <= n; i++)
        p->row_start[i] = i * n;
    for (long q = 0; q < p->nnz; q++)
        p->cols[q] = (int)(q % n);
    return 0;
}

int sj_pattern_of_model(const model *m, double max_density, sj_pattern *p)
{
    const int n = m->nx;
    const long dense_limit = (long)(max_density * (double)n * (double)n);
    memset(p, 0, sizeof *p);
    long nnz = expr_jac_x_pattern(m->rhs_prog, dense_limit + sj_analysis_room_per_state * n,
                                  &p->row_start, &p->cols);
    if (nnz == -1)
        return -1;
    if (nnz >= 0 && nnz <= dense_limit) {
        p->n = n;
        p->nnz = nnz;
        return 0;
    }
    sj_pattern_free(p);
    if (sj_full_pattern(n, p) != 0) {
        sj_pattern_free(p);
        return -1;
    }
    return 0;
}

void sj_pattern_free(sj_pattern *p)
{
    free(p->row_start);
    free(p->cols);
    memset(p, 0, sizeof *p);
}

double sj_density(const sj_pattern *p)
{
    return p->n > 0 ? (double)p->nnz / ((double)p->n * (double)p->n) : 0.0;
}

/* column j's rows: the transpose of the pattern, as (col_start, rows) */
static int sj_transpose(const sj_pattern *p, int **col_start, int **rows)
{
    const int n = p->n;
    *col_start = calloc((size_t)n + 1, sizeof(int));
    *rows = malloc(sizeof(int) * (size_t)(p->nnz > 0 ? p->nnz : 1));
    int *fill = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!*col_start || !*rows || !fill) {
        free(fill);
        return -1;
    }
    for (long q = 0; q < p->nnz; q++)
        (*col_start)[p->cols[q] + 1]++;
    for (int j = 0; j < n; j++)
        (*col_start)[j + 1] += (*col_start)[j];
    memcpy(fill, *col_start, sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++)
            (*rows)[fill[p->cols[q]]++] = i;
    free(fill);
    return 0;
}

int sj_colour(const sj_pattern *p, int *colour, int *ncolours)
{
    const int n = p->n;
    int *col_start = NULL, *rows = NULL;
    int *forbidden = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));   /* colour -> stamp */
    int status = -1;
    *ncolours = 0;
    if (!forbidden || sj_transpose(p, &col_start, &rows) != 0)
        goto done;
    for (int c = 0; c < n; c++)
        forbidden[c] = -1;
    for (int j = 0; j < n; j++)
        colour[j] = -1;
    /* column j may not take the colour of any coloured column with a row in common */
    for (int j = 0; j < n; j++) {
        for (int q = col_start[j]; q < col_start[j + 1]; q++) {
            const int i = rows[q];
            for (int r = p->row_start[i]; r < p->row_start[i + 1]; r++) {
                const int k = p->cols[r];
                if (colour[k] >= 0)
                    forbidden[colour[k]] = j;
            }
        }
        int c = 0;
        while (forbidden[c] == j)
            c++;
        colour[j] = c;
        if (c + 1 > *ncolours)
            *ncolours = c + 1;
    }
    status = 0;
done:
    free(forbidden);
    free(col_start);
    free(rows);
    return status;
}

int sj_jacobian_init(sj_jacobian *J, sj_pattern *p)
{
    memset(J, 0, sizeof *J);
    J->pattern = *p;
    memset(p, 0, sizeof *p);
    const int n = J->pattern.n;
    const long nnz = J->pattern.nnz;
    const size_t wn = (size_t)(n > 0 ? n : 1), wnnz = (size_t)(nnz > 0 ? nnz : 1);
    J->colour = malloc(sizeof(int) * wn);
    J->by_colour = malloc(sizeof(int) * wnnz);
    J->entry_row = malloc(sizeof(int) * wnnz);
    J->values = calloc(wnnz, sizeof(double));
    J->seed = calloc(wn, sizeof(double));
    J->product = calloc(wn, sizeof(double));
    if (!J->colour || !J->by_colour || !J->entry_row || !J->values || !J->seed ||
        !J->product || sj_colour(&J->pattern, J->colour, &J->ncolours) != 0)
        goto oom;
    J->colour_start = calloc((size_t)J->ncolours + 1, sizeof(int));
    if (!J->colour_start)
        goto oom;
    const sj_pattern *pt = &J->pattern;
    for (int i = 0; i < n; i++)
        for (int q = pt->row_start[i]; q < pt->row_start[i + 1]; q++) {
            J->entry_row[q] = i;
            J->colour_start[J->colour[pt->cols[q]] + 1]++;
        }
    for (int c = 0; c < J->ncolours; c++)
        J->colour_start[c + 1] += J->colour_start[c];
    int *fill = malloc(sizeof(int) * (size_t)(J->ncolours + 1));
    if (!fill)
        goto oom;
    memcpy(fill, J->colour_start, sizeof(int) * (size_t)(J->ncolours + 1));
    for (long q = 0; q < nnz; q++)
        J->by_colour[fill[J->colour[pt->cols[q]]]++] = (int)q;
    free(fill);
    return 0;
oom:
    sj_jacobian_free(J);
    return -1;
}

void sj_jacobian_free(sj_jacobian *J)
{
    sj_pattern_free(&J->pattern);
    free(J->colour);
    free(J->by_colour);
    free(J->colour_start);
    free(J->entry_row);
    free(J->values);
    free(J->seed);
    free(J->product);
    memset(J, 0, sizeof *J);
}

int sj_jacobian_eval(sj_jacobian *J, model_ctx *ctx, double t, const double *x)
{
    const int n = J->pattern.n;
    int finite = 1;
    for (int c = 0; c < J->ncolours; c++) {
        for (int j = 0; j < n; j++)
            J->seed[j] = J->colour[j] == c ? 1.0 : 0.0;
        model_rhs_jvp(ctx, t, x, J->seed, NULL, J->product);
        /* no two columns of colour c meet in a row: row i of the product is the entry of
         * the one column of colour c that row i has */
        for (int g = J->colour_start[c]; g < J->colour_start[c + 1]; g++) {
            const int q = J->by_colour[g];
            J->values[q] = J->product[J->entry_row[q]];
            finite &= isfinite(J->values[q]) != 0;
        }
    }
    return finite ? 0 : 1;
}

size_t sj_jacobian_bytes(const sj_jacobian *J)
{
    const size_t n = (size_t)J->pattern.n, nnz = (size_t)J->pattern.nnz;
    return sizeof(int) * (n + 1 + nnz) +                       /* pattern */
           sizeof(int) * (n + 2 * nnz + (size_t)J->ncolours + 1) +   /* colouring, rows */
           sizeof(double) * (nnz + 2 * n);
}
