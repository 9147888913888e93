/* bandprec — RCM ordering and the band LU of I + c·J.  See bandprec.h. */
#include "bandprec.h"

#include <nvector/nvector_serial.h>
#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunmatrix/sunmatrix_band.h>

/* A pseudo-peripheral start node is sought by at most this many breadth-first sweeps (George
 * & Liu's iteration stops as soon as the eccentricity no longer grows, usually after 2–3). */
static const int bp_peripheral_sweeps = 8;

struct bp_band {
    int n, half;          /* size, half bandwidth (mu = ml) */
    int *position;        /* n: the band position of each state */
    SUNMatrix A;
    SUNLinearSolver LS;
    N_Vector rhs, sol;
};

/* ---- the symmetrised graph and its ordering ------------------------------------------- */

typedef struct {
    int n;
    int *start, *adj;     /* neighbours of i: adj[start[i] .. start[i+1]-1], no duplicates */
} bp_graph;

static void bp_graph_free(bp_graph *g)
{
    free(g->start);
    free(g->adj);
}

static int cmp_int(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int bp_graph_build(const sj_pattern *p, bp_graph *g)
{
    const int n = p->n;
    g->n = n;
    g->start = calloc((size_t)n + 1, sizeof(int));
    g->adj = malloc(sizeof(int) * (size_t)(2 * p->nnz + 1));
    int *fill = malloc(sizeof(int) * (size_t)(n + 1));
    if (!g->start || !g->adj || !fill) {
        free(fill);
        return -1;
    }
    for (int i = 0; i < n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++)
            if (p->cols[q] != i) {
                g->start[i + 1]++;
                g->start[p->cols[q] + 1]++;
            }
    for (int i = 0; i < n; i++)
        g->start[i + 1] += g->start[i];
    memcpy(fill, g->start, sizeof(int) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++) {
            const int j = p->cols[q];
            if (j != i) {
                g->adj[fill[i]++] = j;
                g->adj[fill[j]++] = i;
            }
        }
    /* sort each list and drop the duplicates (an entry and its transpose) in place */
    int out = 0;
    for (int i = 0; i < n; i++) {
        const int begin = g->start[i], end = g->start[i + 1];
        qsort(g->adj + begin, (size_t)(end - begin), sizeof(int), cmp_int);
        g->start[i] = out;
        for (int q = begin; q < end; q++)
            if (q == begin || g->adj[q] != g->adj[q - 1])
                g->adj[out++] = g->adj[q];
    }
    g->start[n] = out;
    free(fill);
    return 0;
}

static int bp_degree(const bp_graph *g, int i)
{
    return g->start[i + 1] - g->start[i];
}

/* Breadth-first levels from root within its component (level[] must be −1 there; it is
 * reset to −1 before returning).  Returns the eccentricity of root and, in *far, a node of
 * least degree in the last level. */
static int bp_levels(const bp_graph *g, int root, int *level, int *queue, int *far)
{
    int head = 0, tail = 0;
    queue[tail++] = root;
    level[root] = 0;
    while (head < tail) {
        const int v = queue[head++];
        for (int q = g->start[v]; q < g->start[v + 1]; q++)
            if (level[g->adj[q]] < 0) {
                level[g->adj[q]] = level[v] + 1;
                queue[tail++] = g->adj[q];
            }
    }
    const int ecc = level[queue[tail - 1]];
    *far = queue[tail - 1];
    for (int k = tail - 1; k >= 0 && level[queue[k]] == ecc; k--)
        if (bp_degree(g, queue[k]) < bp_degree(g, *far))
            *far = queue[k];
    for (int k = 0; k < tail; k++)
        level[queue[k]] = -1;
    return ecc;
}

/* George & Liu: move to a far node of least degree while the eccentricity grows */
static int bp_peripheral(const bp_graph *g, int start, int *level, int *queue)
{
    int root = start, far;
    int ecc = bp_levels(g, root, level, queue, &far);
    for (int sweep = 0; sweep < bp_peripheral_sweeps; sweep++) {
        int next_far;
        const int e = bp_levels(g, far, level, queue, &next_far);
        if (e <= ecc)
            break;
        root = far;
        ecc = e;
        far = next_far;
    }
    return root;
}

int bp_rcm(const sj_pattern *p, int *order)
{
    const int n = p->n;
    bp_graph g = {0, NULL, NULL};
    int *level = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int *queue = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    char *placed = calloc((size_t)(n > 0 ? n : 1), 1);
    int status = -1;
    if (!level || !queue || !placed || bp_graph_build(p, &g) != 0)
        goto done;
    for (int i = 0; i < n; i++)
        level[i] = -1;
    int count = 0;
    for (int seed = 0; seed < n; seed++) {
        if (placed[seed])
            continue;
        /* Cuthill–McKee from a pseudo-peripheral node of this component: breadth first,
         * each node's new neighbours in order of increasing degree */
        const int root = bp_peripheral(&g, seed, level, queue);
        int head = count;
        order[count++] = root;
        placed[root] = 1;
        while (head < count) {
            const int v = order[head++];
            const int first = count;
            for (int q = g.start[v]; q < g.start[v + 1]; q++)
                if (!placed[g.adj[q]]) {
                    placed[g.adj[q]] = 1;
                    order[count++] = g.adj[q];
                }
            for (int a = first + 1; a < count; a++) {   /* insertion sort by degree */
                const int w = order[a];
                int b = a - 1;
                while (b >= first && bp_degree(&g, order[b]) > bp_degree(&g, w)) {
                    order[b + 1] = order[b];
                    b--;
                }
                order[b + 1] = w;
            }
        }
    }
    for (int k = 0; k < n / 2; k++) {   /* reversed: the "R" of RCM (less fill in the LU) */
        const int t = order[k];
        order[k] = order[n - 1 - k];
        order[n - 1 - k] = t;
    }
    status = 0;
done:
    bp_graph_free(&g);
    free(level);
    free(queue);
    free(placed);
    return status;
}

int bp_bandwidth(const sj_pattern *p, const int *position)
{
    int bw = 0;
    for (int i = 0; i < p->n; i++)
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++) {
            const int d = abs(position[i] - position[p->cols[q]]);
            if (d > bw)
                bw = d;
        }
    return bw;
}

/* ---- the band LU ------------------------------------------------------------------------ */

bp_band *bp_new(const sj_pattern *p, SUNContext sunctx)
{
    const int n = p->n;
    bp_band *b = calloc(1, sizeof *b);
    int *order = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!b || !order)
        goto oom;
    b->n = n;
    b->position = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!b->position || bp_rcm(p, order) != 0)
        goto oom;
    for (int k = 0; k < n; k++)
        b->position[order[k]] = k;
    b->half = bp_bandwidth(p, b->position);
    b->A = SUNBandMatrix(n, b->half, b->half, sunctx);
    b->rhs = N_VNew_Serial(n, sunctx);
    b->sol = N_VNew_Serial(n, sunctx);
    b->LS = b->A && b->rhs ? SUNLinSol_Band(b->rhs, b->A, sunctx) : NULL;
    if (!b->A || !b->rhs || !b->sol || !b->LS || SUNLinSolInitialize(b->LS) != SUNLS_SUCCESS)
        goto oom;
    free(order);
    return b;
oom:
    free(order);
    bp_free(b);
    return NULL;
}

void bp_free(bp_band *b)
{
    if (!b)
        return;
    if (b->LS)
        SUNLinSolFree(b->LS);
    if (b->A)
        SUNMatDestroy(b->A);
    if (b->rhs)
        N_VDestroy(b->rhs);
    if (b->sol)
        N_VDestroy(b->sol);
    free(b->position);
    free(b);
}

int bp_factor(bp_band *b, const sj_jacobian *J, double c, int transpose)
{
    const sj_pattern *p = &J->pattern;
    SUNMatZero(b->A);
    for (int i = 0; i < b->n; i++)
        SM_ELEMENT_B(b->A, i, i) = 1.0;
    for (int i = 0; i < p->n; i++) {
        const int pi = b->position[i];
        for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++) {
            const int pj = b->position[p->cols[q]];
            if (transpose)
                SM_ELEMENT_B(b->A, pj, pi) += c * J->values[q];
            else
                SM_ELEMENT_B(b->A, pi, pj) += c * J->values[q];
        }
    }
    return SUNLinSolSetup(b->LS, b->A) == SUNLS_SUCCESS ? 0 : 1;
}

void bp_solve(bp_band *b, const double *r, double *z)
{
    double *in = NV_DATA_S(b->rhs), *out = NV_DATA_S(b->sol);
    for (int i = 0; i < b->n; i++)
        in[b->position[i]] = r[i];
    SUNLinSolSolve(b->LS, b->A, b->sol, b->rhs, 0.0);
    for (int i = 0; i < b->n; i++)
        z[i] = out[b->position[i]];
}

int bp_half_bandwidth(const bp_band *b)
{
    return b->half;
}

size_t bp_bytes(const bp_band *b)
{
    /* the band storage keeps mu + ml super-diagonals for the pivoting, ml below */
    const size_t n = (size_t)b->n, h = (size_t)b->half;
    return sizeof *b + sizeof(int) * n * 2 + sizeof(double) * n * (3 * h + 1) +
           sizeof(double) * 2 * n;
}
