/* expr — expression graphs over vector-valued nodes, and the automatic differentiation
 * every backend relies on.
 *
 * A model writes each of its functions (right-hand side, initial state, observables, noise,
 * running cost) once, as a graph built with the expr_* constructors below.  expr_compile()
 * freezes a graph into an immutable program; the program is then evaluated, with exact
 * derivatives, in five modes:
 *
 *   value                  y = F(t, x, p, c, d)
 *   tangent     (J·v)      dy = F_x dx + F_p dp
 *   adjoint     (vᵀJ)      gx = F_xᵀ w,  gp = F_pᵀ w
 *   tangent-over-adjoint   the derivative of the adjoint along (dx, dp, dw):
 *                          dgx = F_xᵀ dw + (wᵀF)_xx dx + (wᵀF)_xp dp   (and dgp likewise):
 *                          the "vᵀ ∇²F w" products of second-order adjoints
 *   tangent-over-tangent   d12y = F''[(dx1,dp1),(dx2,dp2)] + F_x d12x + F_p d12p:
 *                          second directional derivatives, used by second-order forward
 *                          sensitivities and by the log10 chain rule (seed d12p = p''·u1·u2)
 *
 * Inputs of every graph: the time t (scalar, never differentiated), the state x (nx), the
 * parameters p (np, natural scale), the condition constants c (nc) and a data row d (nd).
 * Derivatives are taken with respect to x and p only.
 *
 * Nodes are vectors (length ≥ 1).  Element-wise operations broadcast a length-1 operand, so
 * scalar models and vectorised models (neural networks, PDE stencils) use the same graph; a
 * dense layer runs through CBLAS.  Identical sub-expressions are shared (hash-consing), and
 * nodes that do not reach the output are dropped at compile time.
 *
 * Graph construction records the first error (bad index, length mismatch) and makes every
 * later constructor return EXPR_NONE; expr_compile() then returns NULL and expr_error() says
 * what went wrong.  A compiled program is read-only and may be shared between threads; all
 * scratch memory lives in an expr_work, one per thread. */
#ifndef ODEGRAD_EXPR_H
#define ODEGRAD_EXPR_H

#include <stddef.h>

typedef struct expr_graph expr_graph;
typedef struct expr_prog expr_prog;
typedef struct expr_work expr_work;
typedef int expr;               /* a node of a graph */
#define EXPR_NONE (-1)

/* A function of time only (a spline input, a switched forcing): writes len values at t. */
typedef void (*expr_timefn)(double t, double *out, const void *ctx);

/* ---- building ----------------------------------------------------------------------- */
expr_graph *expr_graph_new(int nx, int np, int nc, int nd);
void expr_graph_free(expr_graph *g);
const char *expr_error(const expr_graph *g);   /* NULL while no error */
int expr_len(const expr_graph *g, expr a);     /* length of a node, 0 for EXPR_NONE */

expr expr_time(expr_graph *g);
expr expr_state(expr_graph *g, int i);                 /* x[i] */
expr expr_states(expr_graph *g, int first, int len);   /* x[first .. first+len-1] */
expr expr_param(expr_graph *g, int i);
expr expr_params(expr_graph *g, int first, int len);
expr expr_constant(expr_graph *g, int i);             /* condition constant c[i] */
expr expr_constants(expr_graph *g, int first, int len);
expr expr_datum(expr_graph *g, int i);                /* data row d[i] */
expr expr_data(expr_graph *g, int first, int len);
expr expr_num(expr_graph *g, double value);
expr expr_nums(expr_graph *g, int len, const double *values);   /* values are copied */
/* ctx must outlive every program compiled from g */
expr expr_time_input(expr_graph *g, int len, expr_timefn fn, const void *ctx);

/* element-wise, with broadcasting of a length-1 operand */
expr expr_add(expr_graph *g, expr a, expr b);
expr expr_sub(expr_graph *g, expr a, expr b);
expr expr_mul(expr_graph *g, expr a, expr b);
expr expr_div(expr_graph *g, expr a, expr b);
expr expr_pow(expr_graph *g, expr a, expr b);         /* a^b = exp(b log a), a > 0 */
expr expr_neg(expr_graph *g, expr a);
expr expr_scale(expr_graph *g, expr a, double k);     /* k·a */
expr expr_shift(expr_graph *g, expr a, double k);     /* a + k */
expr expr_powc(expr_graph *g, expr a, double k);      /* a^k for a constant k */
expr expr_exp(expr_graph *g, expr a);
expr expr_log(expr_graph *g, expr a);
expr expr_sqrt(expr_graph *g, expr a);
expr expr_tanh(expr_graph *g, expr a);
expr expr_sin(expr_graph *g, expr a);
expr expr_cos(expr_graph *g, expr a);
/* the unit step H(a): 1 where a > 0, 0 where a < 0, and at a = 0 the value at_zero (0 or 1).
 * Its derivatives are 0: comparisons and piecewise definitions are built on it, and their
 * derivatives are those of the branch taken. */
expr expr_step(expr_graph *g, expr a, int at_zero);

/* structure */
expr expr_gather(expr_graph *g, expr a, int len, const int *index);   /* out[i] = a[index[i]] */
expr expr_concat(expr_graph *g, int count, const expr *parts);
expr expr_sum(expr_graph *g, expr a);                                   /* scalar Σ a[i] */
/* y = W x with W a rows×cols row-major node (typically expr_params of a weight block);
 * evaluated with cblas_dgemv, differentiated with dgemv/dger. */
expr expr_matvec(expr_graph *g, expr W, expr x, int rows, int cols);

/* Freeze the graph with `out` as its output.  Returns NULL on error (see expr_error). */
expr_prog *expr_compile(expr_graph *g, expr out);

/* ---- evaluating ----------------------------------------------------------------------- */
typedef struct {
    double t;
    const double *x, *p, *c, *d;   /* NULL where the program has no such inputs */
    /* Non-zero: a key for the current (p, c).  Sub-expressions that depend on p and c only
     * are then evaluated once and reused by every later sweep of the same expr_work with the
     * same key; the caller must change the key whenever p or c changes.  0: no reuse. */
    unsigned long invariant_key;
} expr_args;

void expr_prog_free(expr_prog *P);
int expr_prog_nout(const expr_prog *P);
int expr_prog_nx(const expr_prog *P);
int expr_prog_np(const expr_prog *P);
int expr_prog_nodes(const expr_prog *P);        /* node count after pruning */
size_t expr_prog_bytes(const expr_prog *P);     /* bytes held by the program */
/* Does the output depend on x / on p at all?  (lets callers skip zero products) */
int expr_prog_uses_x(const expr_prog *P);
int expr_prog_uses_p(const expr_prog *P);

expr_work *expr_work_new(const expr_prog *P);
void expr_work_free(expr_work *W);
size_t expr_work_bytes(const expr_work *W);

/* In every call below, any output pointer may be NULL when not wanted, and a NULL seed
 * (dx, dp, d12x, d12p, dw) means a zero seed.  Outputs are overwritten, never accumulated. */

void expr_eval(const expr_prog *P, expr_work *W, const expr_args *a, double *y);

void expr_jvp(const expr_prog *P, expr_work *W, const expr_args *a,
              const double *dx, const double *dp, double *y, double *dy);

/* expr_jvp in two halves, for many directions at one point: expr_point evaluates every
 * value at a (and y), then each expr_jvp_direction is dy along (dx, dp) at that point — one
 * values sweep for all the directions.  Any other call on W ends the point (a direction
 * after it aborts: a sequence error, never a stale product). */
void expr_point(const expr_prog *P, expr_work *W, const expr_args *a, double *y);
void expr_jvp_direction(const expr_prog *P, expr_work *W, const double *dx, const double *dp,
                        double *dy);
/* expr_hvv in the same way, for many pairs of directions at one point: after expr_point,
 * expr_hvv_first takes the first direction's tangent, then each expr_hvv_second is d12y
 * along a second direction with its second-order seeds — the numbers of expr_hvv with every
 * seed given (a NULL seed is a zero one).  A J·v direction in between ends the first. */
void expr_hvv_first(const expr_prog *P, expr_work *W, const double *dx1, const double *dp1);
void expr_hvv_second(const expr_prog *P, expr_work *W, const double *dx2, const double *dp2,
                     const double *d12x, const double *d12p, double *d12y);

void expr_vjp(const expr_prog *P, expr_work *W, const expr_args *a, const double *w,
              double *y, double *gx, double *gp);
/* The one exception to the rule above: gx = f_xᵀ w is overwritten, gp += f_pᵀ w is
 * accumulated, for a reverse sweep that sums the parameter gradient over many products.
 * The contributions are added to gp one by one, so where a parameter gets several (it is
 * used more than once) the sum may round differently from expr_vjp followed by gp += . */
void expr_vjp_acc(const expr_prog *P, expr_work *W, const expr_args *a, const double *w,
                  double *gx, double *gp);

void expr_vjp_jvp(const expr_prog *P, expr_work *W, const expr_args *a,
                  const double *w, const double *dw, const double *dx, const double *dp,
                  double *gx, double *gp, double *dgx, double *dgp);

void expr_hvv(const expr_prog *P, expr_work *W, const expr_args *a,
              const double *dx1, const double *dp1, const double *dx2, const double *dp2,
              const double *d12x, const double *d12p, double *y, double *d12y);

/* Dense Jacobians, row-major: J[i*nx + j] = ∂y_i/∂x_j, J[i*np + j] = ∂y_i/∂p_j. */
void expr_jac_x(const expr_prog *P, expr_work *W, const expr_args *a, double *J);
void expr_jac_p(const expr_prog *P, expr_work *W, const expr_args *a, double *J);

/* Structural sparsity of the state Jacobian F_x (expr_pattern.c): row r can be non-zero
 * only in the columns cols[row_start[r] .. row_start[r+1]-1] (sorted), at every (t, x, p, c,
 * d) — a superset of the numerical non-zeros, found from the graph alone.  Returns the
 * number of entries; -1 when out of memory; -2 when the analysis would hold more than
 * max_entries indices at once (a dense Jacobian).  The caller frees both arrays. */
long expr_jac_x_pattern(const expr_prog *P, long max_entries, int **row_start, int **cols);

#endif
