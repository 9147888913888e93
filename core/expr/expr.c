/* expr — building expression graphs (construction, sharing, pruning, compiling).
 *
 * The sweeps that evaluate and differentiate a compiled program are in expr_eval.c; the
 * node layout both files share is in expr_impl.h. */
#include "expr.h"
#include "expr_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expr_graph {
    int nx, np, nc, nd;
    expr_node *nodes;
    int nnodes, cap_nodes;
    double *consts;          /* values of vector constants */
    int nconsts, cap_consts;
    int *ints;               /* gather indices and concat operand lists */
    int nints, cap_ints;
    expr_timefn_entry *fns;
    int nfns, cap_fns;
    int *table;              /* hash table for sharing identical nodes: node index or -1 */
    int table_size;
    char error[200];
};

/* ---- small helpers -------------------------------------------------------------------- */

static int grow(void **buf, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *nb = realloc(*buf, (size_t)ncap * elem);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

static expr fail(expr_graph *g, const char *fmt, ...)
{
    if (!g->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->error, sizeof g->error, fmt, ap);
        va_end(ap);
    }
    return EXPR_NONE;
}

static int valid(const expr_graph *g, expr a)
{
    return a >= 0 && a < g->nnodes;
}

static unsigned long node_hash(const expr_node *n)
{
    unsigned long h = 1469598103934665603UL;
    const unsigned long parts[6] = {(unsigned long)n->op, (unsigned long)n->len,
                                    (unsigned long)(n->a + 1), (unsigned long)(n->b + 1),
                                    (unsigned long)(n->aux + 1), 0};
    for (int i = 0; i < 5; i++)
        h = (h ^ parts[i]) * 1099511628211UL;
    unsigned long long kb;
    memcpy(&kb, &n->k, sizeof kb);
    h = (h ^ (unsigned long)kb) * 1099511628211UL;
    return h;
}

static int same_node(const expr_node *x, const expr_node *y)
{
    return x->op == y->op && x->len == y->len && x->a == y->a && x->b == y->b &&
           x->aux == y->aux && memcmp(&x->k, &y->k, sizeof x->k) == 0;
}

/* Nodes that refer to pooled data (vector constants, index lists, time functions) are not
 * shared; every other node is looked up first, so building the same sub-expression twice
 * yields one node. */
static int shareable(int op)
{
    return op != OP_CONST_VEC && op != OP_GATHER && op != OP_CONCAT && op != OP_TIME_INPUT;
}

static int table_rehash(expr_graph *g, int size)
{
    int *t = malloc(sizeof(int) * (size_t)size);
    if (!t)
        return -1;
    for (int i = 0; i < size; i++)
        t[i] = -1;
    for (int i = 0; i < g->nnodes; i++) {
        if (!shareable(g->nodes[i].op))
            continue;
        unsigned long h = node_hash(&g->nodes[i]) & (unsigned long)(size - 1);
        while (t[h] >= 0)
            h = (h + 1) & (unsigned long)(size - 1);
        t[h] = i;
    }
    free(g->table);
    g->table = t;
    g->table_size = size;
    return 0;
}

static expr add_node(expr_graph *g, expr_node n)
{
    if (g->error[0])
        return EXPR_NONE;
    n.dep = 0;
    if (shareable(n.op)) {
        if (g->table_size < 2 * (g->nnodes + 1) && table_rehash(g, g->table_size ? 2 * g->table_size : 64))
            return fail(g, "out of memory building an expression");
        unsigned long h = node_hash(&n) & (unsigned long)(g->table_size - 1);
        while (g->table[h] >= 0) {
            if (same_node(&g->nodes[g->table[h]], &n))
                return g->table[h];
            h = (h + 1) & (unsigned long)(g->table_size - 1);
        }
        g->table[h] = g->nnodes;
    }
    if (grow((void **)&g->nodes, &g->cap_nodes, g->nnodes + 1, sizeof(expr_node)))
        return fail(g, "out of memory building an expression");
    g->nodes[g->nnodes] = n;
    return g->nnodes++;
}

static expr_node make(int op, int len, int a, int b, int aux, double k)
{
    expr_node n;
    memset(&n, 0, sizeof n);
    n.op = (unsigned char)op;
    n.len = len;
    n.a = a;
    n.b = b;
    n.aux = aux;
    n.k = k;
    return n;
}

/* ---- graph lifetime -------------------------------------------------------------------- */

expr_graph *expr_graph_new(int nx, int np, int nc, int nd)
{
    if (nx < 0 || np < 0 || nc < 0 || nd < 0)
        return NULL;
    expr_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->nx = nx;
    g->np = np;
    g->nc = nc;
    g->nd = nd;
    return g;
}

void expr_graph_free(expr_graph *g)
{
    if (!g)
        return;
    free(g->nodes);
    free(g->consts);
    free(g->ints);
    free(g->fns);
    free(g->table);
    free(g);
}

const char *expr_error(const expr_graph *g)
{
    return g->error[0] ? g->error : NULL;
}

int expr_len(const expr_graph *g, expr a)
{
    return valid(g, a) ? g->nodes[a].len : 0;
}

/* ---- inputs ------------------------------------------------------------------------------ */

static expr input(expr_graph *g, int op, int have, const char *what, int first, int len)
{
    if (g->error[0])
        return EXPR_NONE;
    if (len < 1 || first < 0 || first + len > have)
        return fail(g, "%s[%d..%d] is out of range (the graph has %d)", what, first,
                    first + len - 1, have);
    return add_node(g, make(op, len, -1, -1, first, 0.0));
}

expr expr_time(expr_graph *g) { return input(g, OP_TIME, 1, "t", 0, 1); }
expr expr_state(expr_graph *g, int i) { return input(g, OP_X, g->nx, "x", i, 1); }
expr expr_states(expr_graph *g, int first, int len) { return input(g, OP_X, g->nx, "x", first, len); }
expr expr_param(expr_graph *g, int i) { return input(g, OP_P, g->np, "p", i, 1); }
expr expr_params(expr_graph *g, int first, int len) { return input(g, OP_P, g->np, "p", first, len); }
expr expr_constant(expr_graph *g, int i) { return input(g, OP_C, g->nc, "c", i, 1); }
expr expr_constants(expr_graph *g, int first, int len) { return input(g, OP_C, g->nc, "c", first, len); }
expr expr_datum(expr_graph *g, int i) { return input(g, OP_D, g->nd, "d", i, 1); }
expr expr_data(expr_graph *g, int first, int len) { return input(g, OP_D, g->nd, "d", first, len); }

expr expr_num(expr_graph *g, double value)
{
    if (!isfinite(value))
        return fail(g, "constant %g is not finite", value);
    return add_node(g, make(OP_CONST, 1, -1, -1, -1, value));
}

expr expr_nums(expr_graph *g, int len, const double *values)
{
    if (g->error[0])
        return EXPR_NONE;
    if (len < 1)
        return fail(g, "a constant vector needs at least one value");
    if (len == 1)
        return expr_num(g, values[0]);
    for (int i = 0; i < len; i++)
        if (!isfinite(values[i]))
            return fail(g, "constant vector entry %d (%g) is not finite", i, values[i]);
    if (grow((void **)&g->consts, &g->cap_consts, g->nconsts + len, sizeof(double)))
        return fail(g, "out of memory building an expression");
    memcpy(g->consts + g->nconsts, values, sizeof(double) * (size_t)len);
    expr e = add_node(g, make(OP_CONST_VEC, len, -1, -1, g->nconsts, 0.0));
    if (e != EXPR_NONE)
        g->nconsts += len;
    return e;
}

expr expr_time_input(expr_graph *g, int len, expr_timefn fn, const void *ctx)
{
    if (g->error[0])
        return EXPR_NONE;
    if (len < 1 || !fn)
        return fail(g, "a time input needs a function and a length >= 1");
    if (grow((void **)&g->fns, &g->cap_fns, g->nfns + 1, sizeof(expr_timefn_entry)))
        return fail(g, "out of memory building an expression");
    g->fns[g->nfns].fn = fn;
    g->fns[g->nfns].ctx = ctx;
    expr e = add_node(g, make(OP_TIME_INPUT, len, -1, -1, g->nfns, 0.0));
    if (e != EXPR_NONE)
        g->nfns++;
    return e;
}

/* ---- operations -------------------------------------------------------------------------- */

static expr binary(expr_graph *g, int op, expr a, expr b)
{
    if (g->error[0])
        return EXPR_NONE;
    if (!valid(g, a) || !valid(g, b))
        return fail(g, "an operand of %s is not a node of this graph", expr_op_name(op));
    int la = g->nodes[a].len, lb = g->nodes[b].len;
    if (la != lb && la != 1 && lb != 1)
        return fail(g, "%s of vectors of lengths %d and %d", expr_op_name(op), la, lb);
    return add_node(g, make(op, la > lb ? la : lb, a, b, -1, 0.0));
}

static expr unary(expr_graph *g, int op, expr a, double k)
{
    if (g->error[0])
        return EXPR_NONE;
    if (!valid(g, a))
        return fail(g, "the operand of %s is not a node of this graph", expr_op_name(op));
    if (!isfinite(k))
        return fail(g, "%s with a non-finite constant", expr_op_name(op));
    return add_node(g, make(op, g->nodes[a].len, a, -1, -1, k));
}

expr expr_add(expr_graph *g, expr a, expr b) { return binary(g, OP_ADD, a, b); }
expr expr_sub(expr_graph *g, expr a, expr b) { return binary(g, OP_SUB, a, b); }
expr expr_mul(expr_graph *g, expr a, expr b) { return binary(g, OP_MUL, a, b); }
expr expr_div(expr_graph *g, expr a, expr b) { return binary(g, OP_DIV, a, b); }
expr expr_pow(expr_graph *g, expr a, expr b) { return binary(g, OP_POW, a, b); }
expr expr_neg(expr_graph *g, expr a) { return unary(g, OP_NEG, a, 0.0); }
expr expr_scale(expr_graph *g, expr a, double k) { return unary(g, OP_SCALE, a, k); }
expr expr_shift(expr_graph *g, expr a, double k) { return unary(g, OP_SHIFT, a, k); }
expr expr_powc(expr_graph *g, expr a, double k) { return unary(g, OP_POWC, a, k); }
expr expr_exp(expr_graph *g, expr a) { return unary(g, OP_EXP, a, 0.0); }
expr expr_log(expr_graph *g, expr a) { return unary(g, OP_LOG, a, 0.0); }
expr expr_sqrt(expr_graph *g, expr a) { return unary(g, OP_SQRT, a, 0.0); }
expr expr_tanh(expr_graph *g, expr a) { return unary(g, OP_TANH, a, 0.0); }
expr expr_sin(expr_graph *g, expr a) { return unary(g, OP_SIN, a, 0.0); }
expr expr_cos(expr_graph *g, expr a) { return unary(g, OP_COS, a, 0.0); }
expr expr_step(expr_graph *g, expr a, int at_zero)
{
    return unary(g, OP_STEP, a, at_zero ? 1.0 : 0.0);
}
expr expr_sum(expr_graph *g, expr a)
{
    if (g->error[0])
        return EXPR_NONE;
    if (!valid(g, a))
        return fail(g, "the operand of sum is not a node of this graph");
    return add_node(g, make(OP_SUM, 1, a, -1, -1, 0.0));
}

expr expr_gather(expr_graph *g, expr a, int len, const int *index)
{
    if (g->error[0])
        return EXPR_NONE;
    if (!valid(g, a) || len < 1 || !index)
        return fail(g, "gather needs a node, a length >= 1 and an index list");
    for (int i = 0; i < len; i++)
        if (index[i] < 0 || index[i] >= g->nodes[a].len)
            return fail(g, "gather index %d (entry %d) outside a vector of length %d", index[i],
                        i, g->nodes[a].len);
    if (grow((void **)&g->ints, &g->cap_ints, g->nints + len, sizeof(int)))
        return fail(g, "out of memory building an expression");
    memcpy(g->ints + g->nints, index, sizeof(int) * (size_t)len);
    expr e = add_node(g, make(OP_GATHER, len, a, -1, g->nints, 0.0));
    if (e != EXPR_NONE)
        g->nints += len;
    return e;
}

expr expr_concat(expr_graph *g, int count, const expr *parts)
{
    if (g->error[0])
        return EXPR_NONE;
    if (count < 1 || !parts)
        return fail(g, "concat needs at least one part");
    if (count == 1)
        return valid(g, parts[0]) ? parts[0] : fail(g, "concat of an invalid node");
    int len = 0;
    for (int i = 0; i < count; i++) {
        if (!valid(g, parts[i]))
            return fail(g, "concat part %d is not a node of this graph", i);
        len += g->nodes[parts[i]].len;
    }
    if (grow((void **)&g->ints, &g->cap_ints, g->nints + count, sizeof(int)))
        return fail(g, "out of memory building an expression");
    memcpy(g->ints + g->nints, parts, sizeof(int) * (size_t)count);
    expr e = add_node(g, make(OP_CONCAT, len, count, -1, g->nints, 0.0));
    if (e != EXPR_NONE)
        g->nints += count;
    return e;
}

expr expr_matvec(expr_graph *g, expr W, expr x, int rows, int cols)
{
    if (g->error[0])
        return EXPR_NONE;
    if (!valid(g, W) || !valid(g, x) || rows < 1 || cols < 1)
        return fail(g, "matvec needs a matrix node, a vector node and positive sizes");
    if (g->nodes[W].len != rows * cols)
        return fail(g, "matvec: the matrix node has %d entries, not %d x %d", g->nodes[W].len,
                    rows, cols);
    if (g->nodes[x].len != cols)
        return fail(g, "matvec: the vector has length %d, the matrix %d columns",
                    g->nodes[x].len, cols);
    return add_node(g, make(OP_MATVEC, rows, W, x, cols, 0.0));
}

/* ---- compiling ----------------------------------------------------------------------- */

/* Mark the parameter blocks whose gradient a matrix-vector product can write itself (see
 * expr_node.direct): an OP_P node used once, as the matrix of a MATVEC, and not the output.
 * Then the product's adjoint accumulates c̄ xᵀ into the parameter gradient in place instead of
 * into the block's own adjoint, which the block would copy there — one pass over the block
 * fewer per reverse sweep, which is most of a dense layer's cost.  0, or -1 out of memory. */
int *expr_prog_uses(const expr_prog *P)
{
    int *uses = calloc((size_t)(P->nnodes ? P->nnodes : 1), sizeof(int));
    if (!uses)
        return NULL;
    for (int i = 0; i < P->nnodes; i++) {
        const expr_node *n = &P->nodes[i];
        if (n->op == OP_CONCAT) {
            for (int k = 0; k < n->a; k++)
                uses[P->ints[n->aux + k]]++;
            continue;
        }
        if (n->a >= 0)
            uses[n->a]++;
        if (n->b >= 0)
            uses[n->b]++;
    }
    return uses;
}

static int mark_direct(expr_prog *P)
{
    int *uses = expr_prog_uses(P);
    if (!uses)
        return -1;
    for (int i = 0; i < P->nnodes; i++) {
        expr_node *n = &P->nodes[i];
        n->direct = 0;
        if (n->op == OP_MATVEC && n->a != n->b && P->nodes[n->a].op == OP_P &&
            uses[n->a] == 1 && n->a != P->nnodes - 1)
            P->nodes[n->a].direct = 1;
    }
    free(uses);
    /* the values outside the direct blocks, as ranges (nodes are laid out in order) */
    int ndirect = 0;
    for (int i = 0; i < P->nnodes; i++)
        ndirect += P->nodes[i].direct;
    P->nbar_ranges = 0;
    if (!ndirect)
        return 0;
    P->bar_ranges = malloc(sizeof(int) * 2 * (size_t)(ndirect + 1));
    if (!P->bar_ranges)
        return -1;
    int start = 0;
    for (int i = 0; i < P->nnodes; i++) {
        const expr_node *n = &P->nodes[i];
        if (!n->direct)
            continue;
        if (n->off > start) {
            P->bar_ranges[2 * P->nbar_ranges] = start;
            P->bar_ranges[2 * P->nbar_ranges + 1] = n->off - start;
            P->nbar_ranges++;
        }
        start = n->off + n->len;
    }
    if (P->nvals > start) {
        P->bar_ranges[2 * P->nbar_ranges] = start;
        P->bar_ranges[2 * P->nbar_ranges + 1] = P->nvals - start;
        P->nbar_ranges++;
    }
    if (P->nbar_ranges == 0) {   /* nothing outside direct blocks: one empty range */
        P->bar_ranges[0] = 0;
        P->bar_ranges[1] = 0;
        P->nbar_ranges = 1;
    }
    return 0;
}

/* Keep only the nodes the output depends on (operands always precede their users, so the
 * kept nodes, in creation order, are already a valid evaluation order ending in `out`),
 * renumber them, lay out their values, and record which inputs each one depends on. */
expr_prog *expr_compile(expr_graph *g, expr out)
{
    if (g->error[0])
        return NULL;
    if (!valid(g, out)) {
        fail(g, "the output is not a node of this graph");
        return NULL;
    }
    const int n = out + 1;
    char *keep = calloc((size_t)n, 1);
    int *newid = malloc(sizeof(int) * (size_t)n);
    expr_prog *P = calloc(1, sizeof *P);
    if (!keep || !newid || !P)
        goto oom;
    keep[out] = 1;
    for (int i = out; i >= 0; i--) {
        if (!keep[i])
            continue;
        const expr_node *nd = &g->nodes[i];
        if (nd->op == OP_CONCAT) {
            for (int k = 0; k < nd->a; k++)
                keep[g->ints[nd->aux + k]] = 1;
        } else {
            if (nd->a >= 0)
                keep[nd->a] = 1;
            if (nd->b >= 0)
                keep[nd->b] = 1;
        }
    }
    int kept = 0, nints = 0, nconsts = 0;
    for (int i = 0; i < n; i++) {
        newid[i] = keep[i] ? kept++ : -1;
        if (!keep[i])
            continue;
        const expr_node *nd = &g->nodes[i];
        if (nd->op == OP_CONCAT)
            nints += nd->a;
        else if (nd->op == OP_GATHER)
            nints += nd->len;
        else if (nd->op == OP_CONST_VEC)
            nconsts += nd->len;
    }
    P->nodes = malloc(sizeof(expr_node) * (size_t)kept);
    P->ints = malloc(sizeof(int) * (size_t)(nints ? nints : 1));
    P->consts = malloc(sizeof(double) * (size_t)(nconsts ? nconsts : 1));
    P->fns = malloc(sizeof(expr_timefn_entry) * (size_t)(g->nfns ? g->nfns : 1));
    if (!P->nodes || !P->ints || !P->consts || !P->fns)
        goto oom;
    if (g->nfns)
        memcpy(P->fns, g->fns, sizeof(expr_timefn_entry) * (size_t)g->nfns);
    P->nnodes = kept;
    P->nx = g->nx;
    P->np = g->np;
    P->nc = g->nc;
    P->nd = g->nd;
    int off = 0, ip = 0, cp = 0;
    for (int i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        expr_node nd = g->nodes[i];
        switch (nd.op) {
        case OP_X: nd.dep = DEP_X | DEP_VARY; break;
        case OP_P: nd.dep = DEP_P; break;
        case OP_TIME:
        case OP_D:
        case OP_TIME_INPUT: nd.dep = DEP_VARY; break;
        case OP_CONCAT:
            for (int k = 0; k < nd.a; k++) {
                const int part = newid[g->ints[nd.aux + k]];
                P->ints[ip + k] = part;
                nd.dep |= P->nodes[part].dep;
            }
            nd.aux = ip;
            ip += nd.a;
            break;
        case OP_GATHER:
            memcpy(P->ints + ip, g->ints + nd.aux, sizeof(int) * (size_t)nd.len);
            nd.aux = ip;
            ip += nd.len;
            break;
        case OP_CONST_VEC:
            memcpy(P->consts + cp, g->consts + nd.aux, sizeof(double) * (size_t)nd.len);
            nd.aux = cp;
            cp += nd.len;
            break;
        default: break;
        }
        if (nd.op != OP_CONCAT) {
            if (nd.a >= 0) {
                nd.a = newid[nd.a];
                nd.dep |= P->nodes[nd.a].dep;
            }
            if (nd.b >= 0) {
                nd.b = newid[nd.b];
                nd.dep |= P->nodes[nd.b].dep;
            }
        }
        nd.off = off;
        off += nd.len;
        nd.aoff = nd.op != OP_CONCAT && nd.a >= 0 ? P->nodes[nd.a].off : 0;
        nd.boff = nd.b >= 0 ? P->nodes[nd.b].off : 0;
        P->nodes[newid[i]] = nd;
    }
    P->nvals = off;
    P->nints = ip;
    P->nconsts = cp;
    P->nfns = g->nfns;
    free(keep);
    free(newid);
    if (mark_direct(P) != 0 || expr_streams_build(P) != 0) {
        expr_prog_free(P);
        fail(g, "out of memory compiling an expression");
        return NULL;
    }
    return P;
oom:
    free(keep);
    free(newid);
    expr_prog_free(P);
    fail(g, "out of memory compiling an expression");
    return NULL;
}

void expr_prog_free(expr_prog *P)
{
    if (!P)
        return;
    expr_kernels_release(P);
    expr_streams_free(P);
    free(P->nodes);
    free(P->ints);
    free(P->consts);
    free(P->fns);
    free(P->bar_ranges);
    free(P);
}

int expr_prog_nout(const expr_prog *P) { return P->nodes[P->nnodes - 1].len; }
int expr_prog_nx(const expr_prog *P) { return P->nx; }
int expr_prog_np(const expr_prog *P) { return P->np; }
int expr_prog_nodes(const expr_prog *P) { return P->nnodes; }
int expr_prog_uses_x(const expr_prog *P) { return (P->nodes[P->nnodes - 1].dep & DEP_X) != 0; }
int expr_prog_uses_p(const expr_prog *P) { return (P->nodes[P->nnodes - 1].dep & DEP_P) != 0; }

size_t expr_prog_bytes(const expr_prog *P)
{
    return sizeof *P + sizeof(expr_node) * (size_t)P->nnodes + sizeof(int) * (size_t)P->nints +
           sizeof(double) * (size_t)P->nconsts + sizeof(expr_timefn_entry) * (size_t)P->nfns;
}

const char *expr_op_name(int op)
{
    static const char *const names[] = {
        [OP_TIME] = "time", [OP_X] = "state", [OP_P] = "parameter", [OP_C] = "constant",
        [OP_D] = "datum", [OP_CONST] = "number", [OP_CONST_VEC] = "numbers",
        [OP_TIME_INPUT] = "time input", [OP_ADD] = "add", [OP_SUB] = "sub", [OP_MUL] = "mul",
        [OP_DIV] = "div", [OP_POW] = "pow", [OP_NEG] = "neg", [OP_SCALE] = "scale",
        [OP_SHIFT] = "shift", [OP_POWC] = "powc", [OP_EXP] = "exp", [OP_LOG] = "log",
        [OP_SQRT] = "sqrt", [OP_TANH] = "tanh", [OP_SIN] = "sin", [OP_COS] = "cos",
        [OP_STEP] = "step",
        [OP_GATHER] = "gather", [OP_CONCAT] = "concat", [OP_SUM] = "sum",
        [OP_MATVEC] = "matvec"};
    return op >= 0 && op < OP_COUNT ? names[op] : "?";
}
