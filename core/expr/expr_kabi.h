/* expr_kabi — the calling convention between the sweeps (expr_eval.c) and the compiled
 * kernels that expr_emit.c writes as C.  Not part of the public interface.
 *
 * A compiled program exports one constant table, `odegrad_kernels`: the ABI version, the key
 * it was built for, and one function per sweep.  Every function takes a context holding the
 * sweep's arrays; nodes the generated code does not handle itself (matrix-vector products,
 * data rows, time inputs) are handed back to the interpreter's own per-node rule through the
 * `node` callback, so both kernel kinds share those rules.
 *
 * The field list is written once, as a macro, and pasted both into this header and, as text,
 * into every generated file: the two sides cannot disagree about the layout. */
#ifndef ODEGRAD_EXPR_KABI_H
#define ODEGRAD_EXPR_KABI_H

#define EXPR_KABI_VERSION 2

#define EXPR_KCTX_FIELDS                                                                       \
    double t;                                                                                  \
    const double *x; const double *p; const double *c;                                         \
    double *v; double *d; double *d1; double *d2; double *d12; double *bar; double *dbar;      \
    const double *dx; const double *dp; const double *d12x; const double *d12p;                \
    double *gx; double *gp; double *dgx; double *dgp;                                          \
    void (*node)(void *host, int node);                                                        \
    void *host;

/* the sweeps, in the order of the table's functions; the last three groups are indexed by a
 * DEP_X | DEP_P mask (1, 2, 3) */
enum {
    EXPR_K_VALUES_ALL,      /* v of every node */
    EXPR_K_VALUES_VARYING,  /* v of the nodes that vary with t, x or d */
    EXPR_K_TANGENT = 1,     /* + mask: d along (dx, dp) */
    EXPR_K_ADJOINT = 4,     /* + mask: bar into (gx, gp) */
    EXPR_K_ADJOINT2 = 7,    /* + mask: bar, dbar (tangent d1) into (gx, gp, dgx, dgp) */
    EXPR_K_SECOND = 10,     /* + mask: d12 from v, d1, d2 and (d12x, d12p) */
    EXPR_K_EVAL_ALL = 14,   /* the values sweeps for an evaluation alone: v of the output and */
    EXPR_K_EVAL_VARYING,    /* of the nodes other sweeps or loops read; the rest in registers */
    EXPR_K_COUNT
};

#define EXPR_KTABLE_FIELDS                                                                     \
    int abi;                                                                                   \
    const char *key;                                                                           \
    void (*fn[16])(expr_kctx *);

typedef struct { EXPR_KCTX_FIELDS } expr_kctx;
typedef struct { EXPR_KTABLE_FIELDS } expr_ktable;

#define EXPR_KTEXT_(...) #__VA_ARGS__
#define EXPR_KTEXT(...) EXPR_KTEXT_(__VA_ARGS__)

#endif
