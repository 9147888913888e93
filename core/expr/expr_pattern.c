/* expr_pattern — the structural sparsity of a program's state Jacobian F_x.
 *
 * One pass over the compiled nodes in evaluation order gives every element of every node
 * the sorted set of state indices it can depend on: a state input x[i] depends on {i};
 * parameters, constants, data, numbers and time inputs on nothing; element-wise operations
 * on the union of their operands' sets (a length-1 operand broadcasts its set); a gather
 * copies sets, a concatenation lists them, a sum takes the union of all; y = W x takes, for
 * every row, the union of that row of W and of all of x.  The sets of the output node are
 * the rows of the pattern.  The result is a superset of the numerical non-zeros at any
 * (t, x, p) — a product with a factor that happens to be zero is still an entry — which is
 * what a colouring and a preconditioner need: entries are never missed.
 *
 * Sets are held only while a later node still reads them, and the total held is capped, so
 * that a dense Jacobian (a neural network's) is recognised without building n² sets. */
#include "expr.h"
#include "expr_impl.h"

#include <stdlib.h>
#include <string.h>

/* the sets of one node: element e owns idx[start[e] .. start[e+1]-1] */
typedef struct {
    int *start;
    int *idx;
} node_sets;

typedef struct {
    const expr_prog *P;
    node_sets *sets;
    int *last_use;       /* the last node reading each node (its own index if none) */
    long held, cap;      /* set entries held now, and the most allowed */
    int *marks;          /* nx: scratch for unions (stamp per state index) */
    int stamp;
    int *buf;            /* nx: scratch for one union */
} pattern_pass;

static void sets_free(node_sets *s)
{
    free(s->start);
    free(s->idx);
    s->start = s->idx = NULL;
}

static int cmp_int(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Union of element `e` of each listed operand into pp->buf (sorted); returns its size. */
static int union_into(pattern_pass *pp, const int *nodes, int count, const int *elements)
{
    int size = 0;
    if (++pp->stamp == 0) {   /* the stamp wrapped: clear the marks */
        memset(pp->marks, 0, sizeof(int) * (size_t)pp->P->nx);
        pp->stamp = 1;
    }
    for (int k = 0; k < count; k++) {
        const node_sets *s = &pp->sets[nodes[k]];
        if (!s->start)
            continue;   /* no dependence on x */
        const int e = elements[k];
        for (int q = s->start[e]; q < s->start[e + 1]; q++) {
            const int i = s->idx[q];
            if (pp->marks[i] != pp->stamp) {
                pp->marks[i] = pp->stamp;
                pp->buf[size++] = i;
            }
        }
    }
    qsort(pp->buf, (size_t)size, sizeof(int), cmp_int);
    return size;
}

/* Append the union now in buf as element e of the node being built. */
static int append(pattern_pass *pp, node_sets *out, int e, int size, int *cap)
{
    const int at = out->start[e];
    if (at + size > *cap) {
        int ncap = *cap ? *cap : 64;
        while (ncap < at + size)
            ncap *= 2;
        int *grown = realloc(out->idx, sizeof(int) * (size_t)ncap);
        if (!grown)
            return -1;
        out->idx = grown;
        *cap = ncap;
    }
    if (size > 0)   /* an empty set: no copy (out->idx may still be NULL) */
        memcpy(out->idx + at, pp->buf, sizeof(int) * (size_t)size);
    out->start[e + 1] = at + size;
    pp->held += size;
    return pp->held > pp->cap ? -2 : 0;
}

/* The sets of node k from those of its operands.  0, -1 out of memory, -2 over the cap. */
static int node_pattern(pattern_pass *pp, int k)
{
    const expr_prog *P = pp->P;
    const expr_node *n = &P->nodes[k];
    node_sets *out = &pp->sets[k];
    if (!(n->dep & DEP_X))
        return 0;   /* no state dependence: no sets */
    out->start = malloc(sizeof(int) * (size_t)(n->len + 1));
    if (!out->start)
        return -1;
    out->start[0] = 0;
    int cap = 0, status = 0;
    for (int e = 0; e < n->len && status == 0; e++) {
        int nodes[2], elements[2], count = 0, size;
        switch (n->op) {
        case OP_X:
            pp->buf[0] = n->aux + e;
            size = 1;
            break;
        case OP_GATHER:
            nodes[0] = n->a;
            elements[0] = P->ints[n->aux + e];
            size = union_into(pp, nodes, 1, elements);
            break;
        case OP_CONCAT: {
            int part = 0, base = 0;
            while (e >= base + P->nodes[P->ints[n->aux + part]].len)
                base += P->nodes[P->ints[n->aux + part++]].len;
            nodes[0] = P->ints[n->aux + part];
            elements[0] = e - base;
            size = union_into(pp, nodes, 1, elements);
            break;
        }
        case OP_SUM:
        case OP_MATVEC: {
            /* every element of the operand(s) — Σ a[i]; row e of W and all of x */
            const int first = n->op == OP_SUM ? n->a : n->b;
            const int len = P->nodes[first].len;
            int *all = malloc(sizeof(int) * (size_t)(2 * len + 2) * 2);
            if (!all)
                return -1;
            int *ids = all, *els = all + 2 * len + 2;
            for (int i = 0; i < len; i++) {
                ids[count] = first;
                els[count++] = i;
                if (n->op == OP_MATVEC) {
                    ids[count] = n->a;
                    els[count++] = e * n->aux + i;
                }
            }
            size = union_into(pp, ids, count, els);
            free(all);
            break;
        }
        default:   /* element-wise: one or two operands, a length-1 operand broadcasts */
            nodes[count] = n->a;
            elements[count++] = P->nodes[n->a].len == 1 ? 0 : e;
            if (n->b >= 0) {
                nodes[count] = n->b;
                elements[count++] = P->nodes[n->b].len == 1 ? 0 : e;
            }
            size = union_into(pp, nodes, count, elements);
            break;
        }
        status = append(pp, out, e, size, &cap);
    }
    return status;
}

/* Inputs and numbers have no operands (a = b = -1); a concatenation lists its parts. */
static int operands_of(const expr_prog *P, int k, const int **list, int pair[2])
{
    const expr_node *n = &P->nodes[k];
    if (n->op == OP_CONCAT) {
        *list = P->ints + n->aux;
        return n->a;
    }
    pair[0] = n->a;
    pair[1] = n->b;
    *list = pair;
    return 2;
}

static void note_uses(pattern_pass *pp, int k)
{
    const int *list;
    int pair[2];
    const int count = operands_of(pp->P, k, &list, pair);
    for (int q = 0; q < count; q++)
        if (list[q] >= 0)
            pp->last_use[list[q]] = k;
}

/* free the sets of operands that no later node reads */
static void release_after(pattern_pass *pp, int k)
{
    const int *list;
    int pair[2];
    const int count = operands_of(pp->P, k, &list, pair);
    for (int q = 0; q < count; q++) {
        const int o = list[q];
        if (o >= 0 && pp->last_use[o] == k && pp->sets[o].start) {
            pp->held -= pp->sets[o].start[pp->P->nodes[o].len];
            sets_free(&pp->sets[o]);
        }
    }
}

long expr_jac_x_pattern(const expr_prog *P, long max_entries, int **row_start, int **cols)
{
    const int nn = P->nnodes, nx = P->nx, nout = expr_prog_nout(P);
    *row_start = NULL;
    *cols = NULL;
    pattern_pass pp = {P, calloc((size_t)nn, sizeof(node_sets)),
                       malloc(sizeof(int) * (size_t)nn), 0, max_entries,
                       calloc((size_t)(nx > 0 ? nx : 1), sizeof(int)), 0,
                       malloc(sizeof(int) * (size_t)(nx > 0 ? nx : 1))};
    long result = -1;
    if (!pp.sets || !pp.last_use || !pp.marks || !pp.buf)
        goto done;
    for (int k = 0; k < nn; k++)
        pp.last_use[k] = k;
    for (int k = 0; k < nn; k++)
        note_uses(&pp, k);
    pp.last_use[nn - 1] = nn;   /* the output is kept */
    for (int k = 0; k < nn; k++) {
        int status = node_pattern(&pp, k);
        if (status != 0) {
            result = status;
            goto done;
        }
        release_after(&pp, k);
    }
    node_sets *out = &pp.sets[nn - 1];
    const long nnz = out->start ? out->start[nout] : 0;
    *row_start = malloc(sizeof(int) * (size_t)(nout + 1));
    *cols = malloc(sizeof(int) * (size_t)(nnz > 0 ? nnz : 1));
    if (!*row_start || !*cols) {
        free(*row_start);
        free(*cols);
        *row_start = *cols = NULL;
        goto done;
    }
    for (int r = 0; r <= nout; r++)
        (*row_start)[r] = out->start ? out->start[r] : 0;
    if (nnz > 0)
        memcpy(*cols, out->idx, sizeof(int) * (size_t)nnz);
    result = nnz;
done:
    for (int k = 0; pp.sets && k < nn; k++)
        sets_free(&pp.sets[k]);
    free(pp.sets);
    free(pp.last_use);
    free(pp.marks);
    free(pp.buf);
    return result;
}
