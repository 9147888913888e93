/* expr_impl — the node layout shared by the graph builder (expr.c) and the sweeps
 * (expr_eval.c).  Not part of the public interface. */
#ifndef ODEGRAD_EXPR_IMPL_H
#define ODEGRAD_EXPR_IMPL_H

#include "expr.h"
#include "expr_kabi.h"

enum {
    OP_TIME, OP_X, OP_P, OP_C, OP_D, OP_CONST, OP_CONST_VEC, OP_TIME_INPUT,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW,
    OP_NEG, OP_SCALE, OP_SHIFT, OP_POWC, OP_EXP, OP_LOG, OP_SQRT, OP_TANH, OP_SIN, OP_COS,
    OP_STEP,
    OP_GATHER, OP_CONCAT, OP_SUM, OP_MATVEC,
    OP_COUNT
};

/* which differentiated inputs a node depends on; DEP_VARY: it changes with t, x or d (nodes
 * without it depend on p and c only and can be reused while those stay the same) */
enum { DEP_X = 1, DEP_P = 2, DEP_VARY = 4 };

/* One node.  Operands a, b are node indices (-1: none).  aux is, by operation:
 * X/P/C/D the first input index; CONST_VEC the first value in the constant pool; GATHER the
 * first index in the int pool; CONCAT the first operand in the int pool (a = operand count);
 * TIME_INPUT the function table entry; MATVEC the column count.  k is the constant of
 * CONST, SCALE, SHIFT and POWC, and STEP's value at 0. */
typedef struct {
    unsigned char op;
    unsigned char dep;
    int len;
    int a, b;
    int aux;
    int off;      /* first value of this node in the work arrays (compiled programs only) */
    int aoff, boff;   /* first values of the operands a, b (compiled programs only) */
    /* an OP_P node whose only consumer is one matrix-vector product, as its matrix: that
     * product's adjoint accumulates the matrix's gradient straight into the parameter
     * gradient, and the reverse sweeps skip this node (compiled programs only) */
    unsigned char direct;
    double k;
} expr_node;

typedef struct {
    expr_timefn fn;
    const void *ctx;
} expr_timefn_entry;

/* A compact instruction of the first-order sweeps.  Scalar nodes become one instruction
 * with the value offsets of their result and operands (X/P/C: the input index in `a`);
 * every other node is OP_NODE, run by the general per-node rule. */
#define OP_NODE OP_COUNT
typedef struct {
    unsigned char op;
    int out, a, b;
    int node;
    double k;
} expr_ins;

/* an instruction stream: the nodes one sweep visits, in the order it visits them */
typedef struct {
    expr_ins *ins;
    int n;
} expr_stream;

enum { STREAM_MASKS = 4 };   /* indexed by a DEP_X|DEP_P mask: 1, 2, 3 */

struct expr_prog {
    int nx, np, nc, nd;
    expr_node *nodes;
    int nnodes;
    int nvals;                  /* total length of all nodes */
    int *ints;
    int nints;
    double *consts;
    int nconsts;
    expr_timefn_entry *fns;
    int nfns;
    /* the value ranges (first, count) whose adjoints a reverse sweep must clear: every value
     * but those of the blocks marked direct, whose adjoints are never used (no ranges: all) */
    int *bar_ranges;
    int nbar_ranges;
    /* value sweep: every node / only the nodes that vary with t, x or d */
    expr_stream value_all, value_varying;
    /* tangent sweep (nodes depending on a seeded input) and adjoint sweep (nodes leading to
     * a wanted input, in reverse order), by mask */
    expr_stream tangent[STREAM_MASKS], adjoint[STREAM_MASKS];
    /* compiled kernels (expr_kernel.c): the loaded shared object and its table, and the
     * table the sweeps use — NULL while the program runs interpreted */
    void *kernel_handle;
    const expr_ktable *kernel_table;
    const expr_ktable *kernels;
};

const char *expr_op_name(int op);
/* build / free the instruction streams of a laid-out program (expr_eval.c) */
int expr_streams_build(expr_prog *P);
void expr_streams_free(expr_prog *P);
/* unload P's compiled kernels, if any (expr_kernel.c) */
void expr_kernels_release(expr_prog *P);

/* how many operands of other nodes each node is (a node used twice by one node counts twice;
 * the output is not counted); calloc'ed, NULL when out of memory */
int *expr_prog_uses(const expr_prog *P);

#endif
