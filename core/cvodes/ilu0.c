/* ilu0 — ILU(0) of I + c·J on J's pattern.  See ilu0.h. */
#include "ilu0.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ilu0 {
    int n;
    int *row_start, *cols;   /* the pattern of M, rows sorted, the diagonal always present */
    int *diag;               /* n: position of (i, i) */
    int *source;             /* per entry: the index of its value in J, or −1 (diagonal only) */
    double *lu;              /* per entry: L below the diagonal (unit diagonal), U from it */
    int *where;              /* n: scratch, position of column j in the row being factored */
};

static int cmp_long(const void *a, const void *b)
{
    const long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

ilu0 *ilu0_new(const sj_pattern *p, int transpose)
{
    const int n = p->n;
    const size_t wn = (size_t)(n > 0 ? n : 1), cap = (size_t)p->nnz + wn;
    ilu0 *f = calloc(1, sizeof *f);
    long *packed = malloc(sizeof(long) * cap);   /* (column, source) pairs of a row, packed */
    if (!f || !packed)
        goto oom;
    f->n = n;
    f->row_start = calloc(wn + 1, sizeof(int));
    f->cols = malloc(sizeof(int) * cap);
    f->source = malloc(sizeof(int) * cap);
    f->lu = malloc(sizeof(double) * cap);
    f->diag = malloc(sizeof(int) * wn);
    f->where = malloc(sizeof(int) * wn);
    if (!f->row_start || !f->cols || !f->source || !f->lu || !f->diag || !f->where)
        goto oom;
    /* entries (row, column, source) of M's off-diagonal and diagonal part: row i of Jᵀ is
     * column i of J */
    int *count = f->row_start + 1;
    for (int i = 0; i < n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++)
            count[transpose ? p->cols[q] : i]++;
    for (int i = 0; i < n; i++)
        count[i]++;   /* room for a diagonal J lacks */
    for (int i = 0; i < n; i++)
        f->row_start[i + 1] += f->row_start[i];
    int *fill = f->where;
    memcpy(fill, f->row_start, sizeof(int) * wn);
    for (int i = 0; i < n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++) {
            const int row = transpose ? p->cols[q] : i, col = transpose ? i : p->cols[q];
            f->cols[fill[row]] = col;
            f->source[fill[row]++] = q;
        }
    /* sort each row by column, add the diagonal if missing, and compact */
    int out = 0;
    for (int i = 0; i < n; i++) {
        const int begin = f->row_start[i], end = fill[i];
        int len = 0, has_diag = 0;
        for (int q = begin; q < end; q++) {
            packed[len++] = (long)f->cols[q] * (long)(p->nnz + 1) + f->source[q];
            has_diag |= f->cols[q] == i;
        }
        if (!has_diag)
            packed[len++] = (long)i * (long)(p->nnz + 1) + p->nnz;   /* source p->nnz: none */
        qsort(packed, (size_t)len, sizeof(long), cmp_long);
        f->row_start[i] = out;
        for (int k = 0; k < len; k++) {
            const int col = (int)(packed[k] / (p->nnz + 1));
            const long src = packed[k] % (p->nnz + 1);
            f->cols[out] = col;
            f->source[out] = src == p->nnz ? -1 : (int)src;
            if (col == i)
                f->diag[i] = out;
            out++;
        }
    }
    f->row_start[n] = out;
    free(packed);
    return f;
oom:
    free(packed);
    ilu0_free(f);
    return NULL;
}

void ilu0_free(ilu0 *f)
{
    if (!f)
        return;
    free(f->row_start);
    free(f->cols);
    free(f->diag);
    free(f->source);
    free(f->lu);
    free(f->where);
    free(f);
}

int ilu0_factor(ilu0 *f, const sj_jacobian *J, double c)
{
    const int n = f->n;
    for (int q = 0; q < f->row_start[n]; q++)
        f->lu[q] = f->source[q] >= 0 ? c * J->values[f->source[q]] : 0.0;
    for (int i = 0; i < n; i++)
        f->lu[f->diag[i]] += 1.0;
    for (int i = 0; i < n; i++)
        f->where[i] = -1;
    /* row by row (IKJ): eliminate with every earlier row k that row i has an entry in,
     * updating only entries row i already has */
    for (int i = 0; i < n; i++) {
        const int begin = f->row_start[i], end = f->row_start[i + 1];
        for (int q = begin; q < end; q++)
            f->where[f->cols[q]] = q;
        for (int q = begin; q < f->diag[i]; q++) {
            const int k = f->cols[q];
            const double l = f->lu[q] / f->lu[f->diag[k]];
            f->lu[q] = l;
            for (int r = f->diag[k] + 1; r < f->row_start[k + 1]; r++) {
                const int at = f->where[f->cols[r]];
                if (at >= 0)
                    f->lu[at] -= l * f->lu[r];
            }
        }
        for (int q = begin; q < end; q++)
            f->where[f->cols[q]] = -1;
        const double pivot = f->lu[f->diag[i]];
        if (pivot == 0.0 || !isfinite(pivot))
            return 1;
    }
    return 0;
}

void ilu0_solve(const ilu0 *f, const double *r, double *z)
{
    const int n = f->n;
    if (z != r)
        memcpy(z, r, sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {   /* L y = r, unit diagonal */
        double s = z[i];
        for (int q = f->row_start[i]; q < f->diag[i]; q++)
            s -= f->lu[q] * z[f->cols[q]];
        z[i] = s;
    }
    for (int i = n - 1; i >= 0; i--) {   /* U z = y */
        double s = z[i];
        for (int q = f->diag[i] + 1; q < f->row_start[i + 1]; q++)
            s -= f->lu[q] * z[f->cols[q]];
        z[i] = s / f->lu[f->diag[i]];
    }
}

size_t ilu0_bytes(const ilu0 *f)
{
    const size_t n = (size_t)f->n, nnz = (size_t)f->row_start[f->n];
    return sizeof *f + sizeof(int) * (3 * n + 1 + 2 * nnz) + sizeof(double) * nnz;
}
