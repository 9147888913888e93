/* expr_eval — the sweeps over a compiled program: value, tangent, adjoint,
 * tangent-over-adjoint and tangent-over-tangent (see expr.h for what each computes).
 *
 * Every node's derivative rules are written once per sweep, element-wise with broadcasting
 * (a length-1 operand has stride 0).  The element-wise operations share one description of
 * their local derivatives: for c = φ(a) the pair (φ', φ''); for c = φ(a, b) the partials
 * (φ_a, φ_b, φ_aa, φ_ab, φ_bb).  From those the chain rule gives
 *   tangent      dc   = φ_a da + φ_b db
 *   second       d12c = φ_a d12a + φ_b d12b + φ_aa d1a d2a + φ_ab (d1a d2b + d2a d1b) + φ_bb d1b d2b
 *   adjoint      ā   += c̄ φ_a,   b̄ += c̄ φ_b
 *   over-adjoint dā  += dc̄ φ_a + c̄ (φ_aa da + φ_ab db),   db̄ += dc̄ φ_b + c̄ (φ_ab da + φ_bb db)
 * Nodes that do not depend on a seeded input get zero tangents and are skipped, and the
 * reverse sweep skips nodes that do not lead to a wanted input. */
#include "expr.h"
#include "expr_impl.h"
#include "expr_kabi.h"
#include "expr_blas.h"

#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expr_work {
    const expr_prog *P;
    double *v;      /* values */
    double *d1;     /* first tangent */
    double *d2;     /* second tangent (tangent-over-tangent) */
    double *d12;    /* second-order tangent */
    double *bar;    /* adjoints */
    double *dbar;   /* tangents of the adjoints */
    double *seed;   /* a unit seed for Jacobian columns, max(nx, np, nout) */
    unsigned long invariant_key;   /* the (p, c) whose invariant values v holds; 0: none */
    int at_point;   /* v holds every value of the point of the last expr_point */
    int at_first;   /* and d1 the tangent of the last expr_hvv_first there */
    size_t bytes;
};

expr_work *expr_work_new(const expr_prog *P)
{
    expr_blas_single_thread();   /* before any dense layer runs */
    expr_work *W = calloc(1, sizeof *W);
    if (!W)
        return NULL;
    int nseed = P->nx > P->np ? P->nx : P->np;
    if (expr_prog_nout(P) > nseed)
        nseed = expr_prog_nout(P);
    const size_t nv = (size_t)(P->nvals > 0 ? P->nvals : 1);
    W->P = P;
    W->bytes = sizeof *W + sizeof(double) * (6 * nv + (size_t)nseed + 1);
    double *block = calloc(6 * nv + (size_t)nseed + 1, sizeof(double));
    if (!block) {
        free(W);
        return NULL;
    }
    W->v = block;
    W->d1 = block + nv;
    W->d2 = block + 2 * nv;
    W->d12 = block + 3 * nv;
    W->bar = block + 4 * nv;
    W->dbar = block + 5 * nv;
    W->seed = block + 6 * nv;
    return W;
}

void expr_work_free(expr_work *W)
{
    if (!W)
        return;
    free(W->v);
    free(W);
}

size_t expr_work_bytes(const expr_work *W)
{
    return W->bytes;
}

/* ---- local derivatives ----------------------------------------------------------------- */

static double powc_value(double a, double k)
{
    if (k == 2.0)
        return a * a;
    if (k == 1.0)
        return a;
    if (k == 3.0)
        return a * a * a;
    if (k == -1.0)
        return 1.0 / a;
    if (k == 0.5)
        return sqrt(a);
    return pow(a, k);
}

static double unary_value(int op, double k, double a)
{
    switch (op) {
    case OP_NEG: return -a;
    case OP_SCALE: return k * a;
    case OP_SHIFT: return a + k;
    case OP_POWC: return powc_value(a, k);
    case OP_EXP: return exp(a);
    case OP_LOG: return log(a);
    case OP_SQRT: return sqrt(a);
    case OP_TANH: return tanh(a);
    case OP_SIN: return sin(a);
    case OP_STEP: return a > 0.0 ? 1.0 : a < 0.0 ? 0.0 : k;
    default: return cos(a);   /* OP_COS */
    }
}

/* φ' and φ'' of c = φ(a) */
static void unary_derivs(int op, double k, double a, double c, double *f1, double *f2)
{
    switch (op) {
    case OP_NEG: *f1 = -1.0; *f2 = 0.0; break;
    case OP_SCALE: *f1 = k; *f2 = 0.0; break;
    case OP_SHIFT: *f1 = 1.0; *f2 = 0.0; break;
    case OP_POWC:
        if (k == 2.0) {
            *f1 = 2.0 * a;
            *f2 = 2.0;
        } else if (k == 1.0) {
            *f1 = 1.0;
            *f2 = 0.0;
        } else {
            *f1 = k * powc_value(a, k - 1.0);
            *f2 = k * (k - 1.0) * powc_value(a, k - 2.0);
        }
        break;
    case OP_EXP: *f1 = c; *f2 = c; break;
    case OP_LOG: *f1 = 1.0 / a; *f2 = -1.0 / (a * a); break;
    case OP_SQRT: *f1 = 0.5 / c; *f2 = -0.25 / (c * a); break;
    case OP_TANH: *f1 = 1.0 - c * c; *f2 = -2.0 * c * (1.0 - c * c); break;
    case OP_SIN: *f1 = cos(a); *f2 = -c; break;
    case OP_STEP: *f1 = 0.0; *f2 = 0.0; break;   /* piecewise constant */
    default: *f1 = -sin(a); *f2 = -c; break;   /* OP_COS */
    }
}

/* partials of c = φ(a, b) for the non-linear binary operations */
typedef struct {
    double a, b, aa, ab, bb;
} partials;

static partials binary_partials(int op, double a, double b, double c)
{
    partials d;
    switch (op) {
    case OP_MUL:
        d.a = b, d.b = a, d.aa = 0.0, d.ab = 1.0, d.bb = 0.0;
        break;
    case OP_DIV: {
        const double r = 1.0 / b;
        d.a = r, d.b = -c * r, d.aa = 0.0, d.ab = -r * r, d.bb = 2.0 * c * r * r;
        break;
    }
    case OP_POW: {
        const double la = log(a);
        d.a = b * c / a, d.b = c * la, d.aa = b * (b - 1.0) * c / (a * a);
        d.ab = c * (1.0 + b * la) / a, d.bb = c * la * la;
        break;
    }
    case OP_ADD:
        d.a = 1.0, d.b = 1.0, d.aa = d.ab = d.bb = 0.0;
        break;
    default:   /* OP_SUB */
        d.a = 1.0, d.b = -1.0, d.aa = d.ab = d.bb = 0.0;
        break;
    }
    return d;
}

static int is_binary(int op)
{
    return op >= OP_ADD && op <= OP_POW;
}

static int is_unary(int op)
{
    return op >= OP_NEG && op <= OP_STEP;
}

/* ---- value sweep ----------------------------------------------------------------------- */

static void value_node(const expr_prog *P, const expr_node *n, double *v, const expr_args *in)
{
    double *c = v + n->off;
    const int len = n->len;
    switch (n->op) {
    case OP_TIME: c[0] = in->t; return;
    case OP_X: memcpy(c, in->x + n->aux, sizeof(double) * (size_t)len); return;
    case OP_P: memcpy(c, in->p + n->aux, sizeof(double) * (size_t)len); return;
    case OP_C: memcpy(c, in->c + n->aux, sizeof(double) * (size_t)len); return;
    case OP_D: memcpy(c, in->d + n->aux, sizeof(double) * (size_t)len); return;
    case OP_CONST: c[0] = n->k; return;
    case OP_CONST_VEC: memcpy(c, P->consts + n->aux, sizeof(double) * (size_t)len); return;
    case OP_TIME_INPUT: P->fns[n->aux].fn(in->t, c, P->fns[n->aux].ctx); return;
    case OP_GATHER: {
        const double *a = v + P->nodes[n->a].off;
        const int *idx = P->ints + n->aux;
        for (int i = 0; i < len; i++)
            c[i] = a[idx[i]];
        return;
    }
    case OP_CONCAT:
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            if (part->len == 1)
                *c = v[part->off];   /* most parts of a scalar model's output */
            else
                memcpy(c, v + part->off, sizeof(double) * (size_t)part->len);
            c += part->len;
        }
        return;
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        double s = 0.0;
        for (int i = 0; i < na->len; i++)
            s += v[na->off + i];
        c[0] = s;
        return;
    }
    case OP_MATVEC:
        cblas_dgemv(CblasRowMajor, CblasNoTrans, len, n->aux, 1.0, v + P->nodes[n->a].off,
                    n->aux, v + P->nodes[n->b].off, 1, 0.0, c, 1);
        return;
    default: break;
    }
    const expr_node *na = &P->nodes[n->a];
    const double *a = v + na->off;
    const int sa = na->len == len ? 1 : 0;
    if (is_unary(n->op)) {
        for (int i = 0; i < len; i++)
            c[i] = unary_value(n->op, n->k, a[i * sa]);
        return;
    }
    const expr_node *nb = &P->nodes[n->b];
    const double *b = v + nb->off;
    const int sb = nb->len == len ? 1 : 0;
    switch (n->op) {
    case OP_ADD: for (int i = 0; i < len; i++) c[i] = a[i * sa] + b[i * sb]; break;
    case OP_SUB: for (int i = 0; i < len; i++) c[i] = a[i * sa] - b[i * sb]; break;
    case OP_MUL: for (int i = 0; i < len; i++) c[i] = a[i * sa] * b[i * sb]; break;
    case OP_DIV: for (int i = 0; i < len; i++) c[i] = a[i * sa] / b[i * sb]; break;
    default: for (int i = 0; i < len; i++) c[i] = pow(a[i * sa], b[i * sb]); break;
    }
}

/* ---- tangent sweep: dv of node n from its operands' tangents ------------------------------ */

static void tangent_node(const expr_prog *P, const expr_node *n, const double *v, double *dv,
                         const double *dx, const double *dp, int mask)
{
    double *dc = dv + n->off;
    const int len = n->len;
    if (!(n->dep & mask)) {
        memset(dc, 0, sizeof(double) * (size_t)len);
        return;
    }
    switch (n->op) {
    case OP_X: memcpy(dc, dx + n->aux, sizeof(double) * (size_t)len); return;
    case OP_P: memcpy(dc, dp + n->aux, sizeof(double) * (size_t)len); return;
    case OP_GATHER: {
        const double *da = dv + P->nodes[n->a].off;
        const int *idx = P->ints + n->aux;
        for (int i = 0; i < len; i++)
            dc[i] = da[idx[i]];
        return;
    }
    case OP_CONCAT:
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            memcpy(dc, dv + part->off, sizeof(double) * (size_t)part->len);
            dc += part->len;
        }
        return;
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        double s = 0.0;
        for (int i = 0; i < na->len; i++)
            s += dv[na->off + i];
        dc[0] = s;
        return;
    }
    case OP_MATVEC: {
        /* d(Wx) = W dx + dW x */
        const expr_node *nW = &P->nodes[n->a], *nx = &P->nodes[n->b];
        const int cols = n->aux;
        memset(dc, 0, sizeof(double) * (size_t)len);
        if (nx->dep & mask)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, v + nW->off, cols,
                        dv + nx->off, 1, 1.0, dc, 1);
        if (nW->dep & mask)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, dv + nW->off, cols,
                        v + nx->off, 1, 1.0, dc, 1);
        return;
    }
    default: break;
    }
    const expr_node *na = &P->nodes[n->a];
    const double *a = v + na->off, *da = dv + na->off, *c = v + n->off;
    const int sa = na->len == len ? 1 : 0;
    if (is_unary(n->op)) {
        double f1, f2;
        for (int i = 0; i < len; i++) {
            unary_derivs(n->op, n->k, a[i * sa], c[i], &f1, &f2);
            dc[i] = f1 * da[i * sa];
        }
        return;
    }
    const expr_node *nb = &P->nodes[n->b];
    const double *b = v + nb->off, *db = dv + nb->off;
    const int sb = nb->len == len ? 1 : 0;
    switch (n->op) {
    case OP_ADD: for (int i = 0; i < len; i++) dc[i] = da[i * sa] + db[i * sb]; break;
    case OP_SUB: for (int i = 0; i < len; i++) dc[i] = da[i * sa] - db[i * sb]; break;
    case OP_MUL:
        for (int i = 0; i < len; i++)
            dc[i] = da[i * sa] * b[i * sb] + a[i * sa] * db[i * sb];
        break;
    default:
        for (int i = 0; i < len; i++) {
            const partials d = binary_partials(n->op, a[i * sa], b[i * sb], c[i]);
            dc[i] = d.a * da[i * sa] + d.b * db[i * sb];
        }
        break;
    }
}

/* ---- second-order tangent: d12 of node n (needs v, d1, d2 of n and its operands) ----------- */

static void second_node(const expr_prog *P, const expr_node *n, const double *v,
                        const double *d1, const double *d2, double *d12, const double *d12x,
                        const double *d12p, int mask)
{
    double *ec = d12 + n->off;
    const int len = n->len;
    if (!(n->dep & mask)) {
        memset(ec, 0, sizeof(double) * (size_t)len);
        return;
    }
    switch (n->op) {
    case OP_X:
        if (d12x)
            memcpy(ec, d12x + n->aux, sizeof(double) * (size_t)len);
        else
            memset(ec, 0, sizeof(double) * (size_t)len);
        return;
    case OP_P:
        if (d12p)
            memcpy(ec, d12p + n->aux, sizeof(double) * (size_t)len);
        else
            memset(ec, 0, sizeof(double) * (size_t)len);
        return;
    case OP_GATHER:
    case OP_CONCAT:
    case OP_SUM:
        tangent_node(P, n, v, d12, NULL, NULL, mask);   /* linear: same rule as a tangent */
        return;
    case OP_MATVEC: {
        /* d12(Wx) = W d12x + d12W x + d1W d2x + d2W d1x */
        const expr_node *nW = &P->nodes[n->a], *nx = &P->nodes[n->b];
        const int cols = n->aux;
        memset(ec, 0, sizeof(double) * (size_t)len);
        if (nx->dep & mask)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, v + nW->off, cols,
                        d12 + nx->off, 1, 1.0, ec, 1);
        if (nW->dep & mask) {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, d12 + nW->off, cols,
                        v + nx->off, 1, 1.0, ec, 1);
            if (nx->dep & mask) {
                cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, d1 + nW->off, cols,
                            d2 + nx->off, 1, 1.0, ec, 1);
                cblas_dgemv(CblasRowMajor, CblasNoTrans, len, cols, 1.0, d2 + nW->off, cols,
                            d1 + nx->off, 1, 1.0, ec, 1);
            }
        }
        return;
    }
    default: break;
    }
    const expr_node *na = &P->nodes[n->a];
    const int sa = na->len == len ? 1 : 0;
    const double *a = v + na->off, *c = v + n->off;
    const double *a1 = d1 + na->off, *a2 = d2 + na->off, *a12 = d12 + na->off;
    if (is_unary(n->op)) {
        double f1, f2;
        for (int i = 0; i < len; i++) {
            unary_derivs(n->op, n->k, a[i * sa], c[i], &f1, &f2);
            ec[i] = f1 * a12[i * sa] + f2 * a1[i * sa] * a2[i * sa];
        }
        return;
    }
    const expr_node *nb = &P->nodes[n->b];
    const int sb = nb->len == len ? 1 : 0;
    const double *b = v + nb->off, *b1 = d1 + nb->off, *b2 = d2 + nb->off,
                 *b12 = d12 + nb->off;
    for (int i = 0; i < len; i++) {
        const int ia = i * sa, ib = i * sb;
        const partials d = binary_partials(n->op, a[ia], b[ib], c[i]);
        ec[i] = d.a * a12[ia] + d.b * b12[ib] + d.aa * a1[ia] * a2[ia] +
                d.ab * (a1[ia] * b2[ib] + a2[ia] * b1[ib]) + d.bb * b1[ib] * b2[ib];
    }
}

/* ---- reverse sweep --------------------------------------------------------------------------
 * adjoint_node propagates c̄ (and, when dbar != NULL, its tangent dc̄) of node n to its
 * operands; at an input node it accumulates into the requested gradients. */

typedef struct {
    double *gx, *gp, *dgx, *dgp;
} gradients;

static void accumulate(double *g, const double *bar, int len)
{
    if (g)
        for (int i = 0; i < len; i++)
            g[i] += bar[i];
}

static void adjoint_node(const expr_prog *P, const expr_node *n, const double *v,
                         const double *dv, double *bar, double *dbar, int want, gradients *out)
{
    const int len = n->len;
    const double *cb = bar + n->off;
    const double *dcb = dbar ? dbar + n->off : NULL;
    switch (n->op) {
    case OP_X:
        accumulate(out->gx ? out->gx + n->aux : NULL, cb, len);
        if (dcb)
            accumulate(out->dgx ? out->dgx + n->aux : NULL, dcb, len);
        return;
    case OP_P:
        accumulate(out->gp ? out->gp + n->aux : NULL, cb, len);
        if (dcb)
            accumulate(out->dgp ? out->dgp + n->aux : NULL, dcb, len);
        return;
    case OP_GATHER: {
        const expr_node *na = &P->nodes[n->a];
        const int *idx = P->ints + n->aux;
        for (int i = 0; i < len; i++)
            bar[na->off + idx[i]] += cb[i];
        if (dcb)
            for (int i = 0; i < len; i++)
                dbar[na->off + idx[i]] += dcb[i];
        return;
    }
    case OP_CONCAT: {
        int pos = 0;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            if (part->dep & want) {
                accumulate(bar + part->off, cb + pos, part->len);
                if (dcb)
                    accumulate(dbar + part->off, dcb + pos, part->len);
            }
            pos += part->len;
        }
        return;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        for (int i = 0; i < na->len; i++)
            bar[na->off + i] += cb[0];
        if (dcb)
            for (int i = 0; i < na->len; i++)
                dbar[na->off + i] += dcb[0];
        return;
    }
    case OP_MATVEC: {
        /* x̄ += Wᵀc̄,  W̄ += c̄ xᵀ;  dx̄ += Wᵀdc̄ + dWᵀc̄,  dW̄ += dc̄ xᵀ + c̄ dxᵀ */
        const expr_node *nW = &P->nodes[n->a], *nx = &P->nodes[n->b];
        const int cols = n->aux;
        if (nx->dep & want) {
            cblas_dgemv(CblasRowMajor, CblasTrans, len, cols, 1.0, v + nW->off, cols, cb, 1,
                        1.0, bar + nx->off, 1);
            if (dcb) {
                cblas_dgemv(CblasRowMajor, CblasTrans, len, cols, 1.0, v + nW->off, cols, dcb,
                            1, 1.0, dbar + nx->off, 1);
                cblas_dgemv(CblasRowMajor, CblasTrans, len, cols, 1.0, dv + nW->off, cols, cb,
                            1, 1.0, dbar + nx->off, 1);
            }
        }
        if (nW->dep & want) {
            /* W̄ into W's own adjoint, or (a block marked direct, whose reverse step is
             * skipped) straight into the parameter gradients, which W's step would have done */
            double *Wb = nW->direct ? (out->gp ? out->gp + nW->aux : NULL) : bar + nW->off;
            double *dWb = nW->direct ? (out->dgp ? out->dgp + nW->aux : NULL) : dbar + nW->off;
            if (Wb)
                cblas_dger(CblasRowMajor, len, cols, 1.0, cb, 1, v + nx->off, 1, Wb, cols);
            if (dcb && dWb) {
                cblas_dger(CblasRowMajor, len, cols, 1.0, dcb, 1, v + nx->off, 1, dWb, cols);
                cblas_dger(CblasRowMajor, len, cols, 1.0, cb, 1, dv + nx->off, 1, dWb, cols);
            }
        }
        return;
    }
    default: break;
    }
    if (!is_unary(n->op) && !is_binary(n->op))
        return;   /* time, constants, data, time inputs: nothing to propagate */
    const expr_node *na = &P->nodes[n->a];
    const int sa = na->len == len ? 1 : 0;
    const double *a = v + na->off, *c = v + n->off;
    double *ab = bar + na->off;
    if (is_unary(n->op)) {
        if (!(na->dep & want))
            return;
        double f1, f2;
        const double *da = dv ? dv + na->off : NULL;
        for (int i = 0; i < len; i++) {
            unary_derivs(n->op, n->k, a[i * sa], c[i], &f1, &f2);
            ab[i * sa] += cb[i] * f1;
            if (dcb)
                dbar[na->off + i * sa] += dcb[i] * f1 + cb[i] * f2 * da[i * sa];
        }
        return;
    }
    const expr_node *nb = &P->nodes[n->b];
    const int sb = nb->len == len ? 1 : 0;
    const double *b = v + nb->off;
    double *bb = bar + nb->off;
    const int to_a = (na->dep & want) != 0, to_b = (nb->dep & want) != 0;
    if (!dcb) {
        switch (n->op) {
        case OP_ADD:
            for (int i = 0; i < len; i++) {
                if (to_a) ab[i * sa] += cb[i];
                if (to_b) bb[i * sb] += cb[i];
            }
            return;
        case OP_SUB:
            for (int i = 0; i < len; i++) {
                if (to_a) ab[i * sa] += cb[i];
                if (to_b) bb[i * sb] -= cb[i];
            }
            return;
        case OP_MUL:
            for (int i = 0; i < len; i++) {
                if (to_a) ab[i * sa] += cb[i] * b[i * sb];
                if (to_b) bb[i * sb] += cb[i] * a[i * sa];
            }
            return;
        default:
            for (int i = 0; i < len; i++) {
                const partials d = binary_partials(n->op, a[i * sa], b[i * sb], c[i]);
                if (to_a) ab[i * sa] += cb[i] * d.a;
                if (to_b) bb[i * sb] += cb[i] * d.b;
            }
            return;
        }
    }
    const double *da = dv + na->off, *db = dv + nb->off;
    double *dab = dbar + na->off, *dbb = dbar + nb->off;
    for (int i = 0; i < len; i++) {
        const int ia = i * sa, ib = i * sb;
        const partials d = binary_partials(n->op, a[ia], b[ib], c[i]);
        if (to_a) {
            ab[ia] += cb[i] * d.a;
            dab[ia] += dcb[i] * d.a + cb[i] * (d.aa * da[ia] + d.ab * db[ib]);
        }
        if (to_b) {
            bb[ib] += cb[i] * d.b;
            dbb[ib] += dcb[i] * d.b + cb[i] * (d.ab * da[ia] + d.bb * db[ib]);
        }
    }
}

/* ---- instruction streams ------------------------------------------------------------------- */

/* operations with a scalar rule in all three first-order sweeps */
static int has_scalar_rule(int op)
{
    switch (op) {
    case OP_X: case OP_P: case OP_C: case OP_TIME: case OP_CONST:
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
    case OP_NEG: case OP_SCALE: case OP_SHIFT: case OP_POWC: case OP_EXP: case OP_LOG:
    case OP_SQRT: case OP_TANH: case OP_SIN: case OP_COS: case OP_STEP:
        return 1;
    default:
        return 0;
    }
}

static expr_ins instruction(const expr_prog *P, int i)
{
    const expr_node *n = &P->nodes[i];
    expr_ins I = {OP_NODE, n->off, 0, 0, i, n->k};
    if (n->len == 1 && has_scalar_rule(n->op)) {
        I.op = n->op;
        const int input = n->op == OP_X || n->op == OP_P || n->op == OP_C;
        I.a = input ? n->aux : n->aoff;
        I.b = n->boff;
    }
    return I;
}

/* the nodes i (in order, or reversed) whose dependencies meet `mask` (0: every node) */
static int stream(const expr_prog *P, expr_stream *S, int mask, int reversed)
{
    S->ins = malloc(sizeof(expr_ins) * (size_t)(P->nnodes ? P->nnodes : 1));
    S->n = 0;
    if (!S->ins)
        return -1;
    for (int k = 0; k < P->nnodes; k++) {
        const int i = reversed ? P->nnodes - 1 - k : k;
        /* a block whose gradient its matrix-vector product writes itself has no reverse step */
        if ((!mask || (P->nodes[i].dep & mask)) && !(reversed && P->nodes[i].direct))
            S->ins[S->n++] = instruction(P, i);
    }
    return 0;
}

int expr_streams_build(expr_prog *P)
{
    int fail = stream(P, &P->value_all, 0, 0) | stream(P, &P->value_varying, DEP_VARY, 0);
    for (int m = 1; m < STREAM_MASKS; m++)
        fail |= stream(P, &P->tangent[m], m, 0) | stream(P, &P->adjoint[m], m, 1);
    return fail ? -1 : 0;
}

void expr_streams_free(expr_prog *P)
{
    free(P->value_all.ins);
    free(P->value_varying.ins);
    for (int m = 0; m < STREAM_MASKS; m++) {
        free(P->tangent[m].ins);
        free(P->adjoint[m].ins);
    }
}

static void run_values(const expr_prog *P, const expr_stream *S, double *v, const expr_args *in)
{
    for (const expr_ins *I = S->ins, *end = S->ins + S->n; I < end; I++) {
        switch (I->op) {
        case OP_X: v[I->out] = in->x[I->a]; break;
        case OP_P: v[I->out] = in->p[I->a]; break;
        case OP_C: v[I->out] = in->c[I->a]; break;
        case OP_TIME: v[I->out] = in->t; break;
        case OP_CONST: v[I->out] = I->k; break;
        case OP_ADD: v[I->out] = v[I->a] + v[I->b]; break;
        case OP_SUB: v[I->out] = v[I->a] - v[I->b]; break;
        case OP_MUL: v[I->out] = v[I->a] * v[I->b]; break;
        case OP_DIV: v[I->out] = v[I->a] / v[I->b]; break;
        case OP_NODE: value_node(P, &P->nodes[I->node], v, in); break;
        default: v[I->out] = unary_value(I->op, I->k, v[I->a]); break;
        }
    }
}

/* d = tangents of the stream's nodes; all others must already be zero */
static void run_tangent(const expr_prog *P, const expr_stream *S, const double *v, double *d,
                        const double *dx, const double *dp, int mask)
{
    for (const expr_ins *I = S->ins, *end = S->ins + S->n; I < end; I++) {
        const int o = I->out, a = I->a, b = I->b;
        switch (I->op) {
        case OP_X: d[o] = dx[a]; break;
        case OP_P: d[o] = dp[a]; break;
        case OP_ADD: d[o] = d[a] + d[b]; break;
        case OP_SUB: d[o] = d[a] - d[b]; break;
        case OP_MUL: d[o] = d[a] * v[b] + v[a] * d[b]; break;
        case OP_DIV: d[o] = (d[a] - v[o] * d[b]) / v[b]; break;
        case OP_NEG: d[o] = -d[a]; break;
        case OP_SCALE: d[o] = I->k * d[a]; break;
        case OP_SHIFT: d[o] = d[a]; break;
        case OP_EXP: d[o] = v[o] * d[a]; break;
        case OP_NODE: tangent_node(P, &P->nodes[I->node], v, d, dx, dp, mask); break;
        default: {
            double f1, f2;
            unary_derivs(I->op, I->k, v[a], v[o], &f1, &f2);
            d[o] = f1 * d[a];
            break;
        }
        }
    }
}

/* first-order reverse sweep; adjoints may reach operands that lead to no wanted input —
 * those are never read */
static void run_adjoint(const expr_prog *P, const expr_stream *S, const double *v, double *bar,
                        int want, gradients *g)
{
    for (const expr_ins *I = S->ins, *end = S->ins + S->n; I < end; I++) {
        const int o = I->out, a = I->a, b = I->b;
        const double cb = bar[o];
        switch (I->op) {
        case OP_X: if (g->gx) g->gx[a] += cb; break;
        case OP_P: if (g->gp) g->gp[a] += cb; break;
        case OP_ADD: bar[a] += cb; bar[b] += cb; break;
        case OP_SUB: bar[a] += cb; bar[b] -= cb; break;
        case OP_MUL: bar[a] += cb * v[b]; bar[b] += cb * v[a]; break;
        case OP_DIV: bar[a] += cb / v[b]; bar[b] -= cb * v[o] / v[b]; break;
        case OP_NEG: bar[a] -= cb; break;
        case OP_SCALE: bar[a] += I->k * cb; break;
        case OP_SHIFT: bar[a] += cb; break;
        case OP_EXP: bar[a] += cb * v[o]; break;
        case OP_NODE: adjoint_node(P, &P->nodes[I->node], v, NULL, bar, NULL, want, g); break;
        default: {
            double f1, f2;
            unary_derivs(I->op, I->k, v[a], v[o], &f1, &f2);
            bar[a] += cb * f1;
            break;
        }
        }
    }
}

/* ---- compiled kernels ------------------------------------------------------------------------
 * When a program has compiled kernels (expr_kernel.h), each sweep below calls the generated
 * function instead of its run_* loop; the generated code hands every vector node back to the
 * per-node rules above through kernel_node. */

/* Only the fields a sweep uses are set (the generated code of each sweep reads only those):
 * on a model of a few dozen nodes, clearing the whole context would cost a visible part of
 * an evaluation. */
typedef struct {
    expr_kctx K;   /* what the generated code sees */
    const expr_prog *P;
    const expr_args *in;
    int sweep, mask;
} kernel_call;

static void kernel_node(void *host, int i)
{
    kernel_call *c = host;
    const expr_prog *P = c->P;
    const expr_node *n = &P->nodes[i];
    expr_kctx *K = &c->K;
    gradients g = {NULL, NULL, NULL, NULL};
    if (c->sweep == EXPR_K_ADJOINT || c->sweep == EXPR_K_ADJOINT2)
        g.gx = K->gx, g.gp = K->gp;
    if (c->sweep == EXPR_K_ADJOINT2)
        g.dgx = K->dgx, g.dgp = K->dgp;
    switch (c->sweep) {
    case EXPR_K_VALUES_ALL: value_node(P, n, K->v, c->in); break;
    case EXPR_K_TANGENT: tangent_node(P, n, K->v, K->d, K->dx, K->dp, c->mask); break;
    case EXPR_K_ADJOINT: adjoint_node(P, n, K->v, NULL, K->bar, NULL, c->mask, &g); break;
    case EXPR_K_ADJOINT2:
        adjoint_node(P, n, K->v, K->d1, K->bar, K->dbar, c->mask, &g);
        break;
    default: second_node(P, n, K->v, K->d1, K->d2, K->d12, K->d12x, K->d12p, c->mask); break;
    }
}

/* run the generated function of `sweep` (+ mask) with the arrays set in c */
static void kernel_run(const expr_prog *P, kernel_call *c, int sweep, int fn)
{
    c->P = P;
    c->sweep = sweep;
    c->K.node = kernel_node;
    c->K.host = c;
    P->kernels->fn[fn](&c->K);
}

/* eval_only: only the output's values are wanted (and those of nodes that do not vary, which
 * later sweeps reuse) — the compiled kernels may then keep the others out of memory */
static void value_sweep(const expr_prog *P, int reuse, int eval_only, double *v,
                        const expr_args *in)
{
    if (!P->kernels) {
        run_values(P, reuse ? &P->value_varying : &P->value_all, v, in);
        return;
    }
    kernel_call c;
    c.in = in;
    c.K.t = in->t, c.K.x = in->x, c.K.p = in->p, c.K.c = in->c, c.K.v = v;
    const int fn = eval_only ? (reuse ? EXPR_K_EVAL_VARYING : EXPR_K_EVAL_ALL)
                             : (reuse ? EXPR_K_VALUES_VARYING : EXPR_K_VALUES_ALL);
    kernel_run(P, &c, EXPR_K_VALUES_ALL, fn);
}

static void tangent_sweep(const expr_prog *P, const double *v, double *d, const double *dx,
                          const double *dp, int mask)
{
    if (!P->kernels) {
        run_tangent(P, &P->tangent[mask], v, d, dx, dp, mask);
        return;
    }
    kernel_call c;
    c.mask = mask;
    c.K.v = (double *)v, c.K.d = d, c.K.dx = dx, c.K.dp = dp;
    kernel_run(P, &c, EXPR_K_TANGENT, EXPR_K_TANGENT + mask);
}

static void adjoint_sweep(const expr_prog *P, const double *v, double *bar, int want,
                          gradients *g)
{
    if (!P->kernels) {
        run_adjoint(P, &P->adjoint[want], v, bar, want, g);
        return;
    }
    kernel_call c = {.mask = want};
    c.K.v = (double *)v, c.K.bar = bar, c.K.gx = g->gx, c.K.gp = g->gp;
    kernel_run(P, &c, EXPR_K_ADJOINT, EXPR_K_ADJOINT + want);
}

/* tangent-over-adjoint: bar and dbar of every node leading to a wanted input */
static void adjoint2_sweep(const expr_prog *P, const double *v, const double *d1, double *bar,
                           double *dbar, int want, gradients *g)
{
    if (!P->kernels) {
        const expr_stream *S = &P->adjoint[want];
        for (int k = 0; k < S->n; k++)
            adjoint_node(P, &P->nodes[S->ins[k].node], v, d1, bar, dbar, want, g);
        return;
    }
    kernel_call c = {.mask = want};
    c.K.v = (double *)v, c.K.d1 = (double *)d1, c.K.bar = bar, c.K.dbar = dbar;
    c.K.gx = g->gx, c.K.gp = g->gp, c.K.dgx = g->dgx, c.K.dgp = g->dgp;
    kernel_run(P, &c, EXPR_K_ADJOINT2, EXPR_K_ADJOINT2 + want);
}

/* tangent-over-tangent: d12 of every node depending on a seeded input */
static void second_sweep(const expr_prog *P, const double *v, const double *d1, const double *d2,
                         double *d12, const double *d12x, const double *d12p, int mask)
{
    if (!P->kernels) {
        const expr_stream *S = &P->tangent[mask];
        for (int k = 0; k < S->n; k++)
            second_node(P, &P->nodes[S->ins[k].node], v, d1, d2, d12, d12x, d12p, mask);
        return;
    }
    kernel_call c = {.mask = mask};
    c.K.v = (double *)v, c.K.d1 = (double *)d1, c.K.d2 = (double *)d2, c.K.d12 = d12;
    c.K.d12x = d12x, c.K.d12p = d12p;
    kernel_run(P, &c, EXPR_K_SECOND, EXPR_K_SECOND + mask);
}

/* ---- public sweeps ------------------------------------------------------------------------ */

static const expr_node *out_node(const expr_prog *P)
{
    return &P->nodes[P->nnodes - 1];
}

static void copy_out(const expr_prog *P, const double *arr, double *y)
{
    if (!y)
        return;
    const expr_node *o = out_node(P);
    /* a loop, not memcpy: most outputs are a few values, where the library call costs more
     * than the copy (a fifth of a small model's right-hand side) */
    const double *from = arr + o->off;
    for (int i = 0; i < o->len; i++)
        y[i] = from[i];
}

static void zero(double *a, int n)
{
    if (a)
        memset(a, 0, sizeof(double) * (size_t)n);
}

/* Values of every node.  Nodes that depend on p and c only are skipped when the caller's
 * invariant key says their values from the previous sweep still hold. */
static void values_of(const expr_prog *P, expr_work *W, const expr_args *in, int eval_only)
{
    const int reuse = in->invariant_key != 0 && in->invariant_key == W->invariant_key;
    W->invariant_key = in->invariant_key;
    W->at_point = W->at_first = 0;
    value_sweep(P, reuse, eval_only, W->v, in);
}

static void values(const expr_prog *P, expr_work *W, const expr_args *in)
{
    values_of(P, W, in, 0);
}

/* tangents into d along (dx, dp) at the current values */
static void tangents(const expr_prog *P, const double *v, double *d, const double *dx,
                     const double *dp)
{
    const int mask = (dx ? DEP_X : 0) | (dp ? DEP_P : 0);
    memset(d, 0, sizeof(double) * (size_t)P->nvals);
    if (mask)
        tangent_sweep(P, v, d, dx, dp, mask);
}

void expr_eval(const expr_prog *P, expr_work *W, const expr_args *in, double *y)
{
    values_of(P, W, in, 1);
    copy_out(P, W->v, y);
}

void expr_jvp(const expr_prog *P, expr_work *W, const expr_args *in, const double *dx,
              const double *dp, double *y, double *dy)
{
    values(P, W, in);
    tangents(P, W->v, W->d1, dx, dp);
    copy_out(P, W->v, y);
    copy_out(P, W->d1, dy);
}

void expr_point(const expr_prog *P, expr_work *W, const expr_args *in, double *y)
{
    values(P, W, in);
    W->at_point = 1;
    copy_out(P, W->v, y);
}

/* a caller's sequence error: no number rather than a stale one */
static void require(int ok, const char *call, const char *before)
{
    if (ok)
        return;
    fprintf(stderr, "odegrad: internal error: %s without %s on the same work space\n", call,
            before);
    abort();
}

void expr_jvp_direction(const expr_prog *P, expr_work *W, const double *dx, const double *dp,
                        double *dy)
{
    require(W->at_point, "expr_jvp_direction", "expr_point");
    W->at_first = 0;   /* d1 is about to hold this direction's tangent */
    tangents(P, W->v, W->d1, dx, dp);
    copy_out(P, W->d1, dy);
}

/* The two halves of expr_hvv at the current values, for the seeds of `mask` (a NULL seed
 * among them a zero one, pointing at W->seed, which hvv_first zeroes): d1 along the first
 * direction; then d2 along the second and d12. */
static void hvv_first(const expr_prog *P, expr_work *W, const double *dx1, const double *dp1,
                      int mask)
{
    double *zeros = W->seed;
    memset(zeros, 0, sizeof(double) * (size_t)(P->nx > P->np ? P->nx : P->np));
    memset(W->d1, 0, sizeof(double) * (size_t)P->nvals);
    tangent_sweep(P, W->v, W->d1, dx1 ? dx1 : zeros, dp1 ? dp1 : zeros, mask);
}

static void hvv_second(const expr_prog *P, expr_work *W, const double *dx2, const double *dp2,
                       const double *d12x, const double *d12p, int mask)
{
    const double *zeros = W->seed;
    memset(W->d2, 0, sizeof(double) * (size_t)P->nvals);
    memset(W->d12, 0, sizeof(double) * (size_t)P->nvals);
    tangent_sweep(P, W->v, W->d2, dx2 ? dx2 : zeros, dp2 ? dp2 : zeros, mask);
    second_sweep(P, W->v, W->d1, W->d2, W->d12, d12x, d12p, mask);
}

/* with every seed taken as given, so that the first direction's tangent may serve many
 * second ones */
void expr_hvv_first(const expr_prog *P, expr_work *W, const double *dx1, const double *dp1)
{
    require(W->at_point, "expr_hvv_first", "expr_point");
    hvv_first(P, W, dx1, dp1, DEP_X | DEP_P);
    W->at_first = 1;
}

void expr_hvv_second(const expr_prog *P, expr_work *W, const double *dx2, const double *dp2,
                     const double *d12x, const double *d12p, double *d12y)
{
    require(W->at_point && W->at_first, "expr_hvv_second", "expr_point and expr_hvv_first");
    hvv_second(P, W, dx2, dp2, d12x, d12p, DEP_X | DEP_P);
    copy_out(P, W->d12, d12y);
}

/* zero the adjoints a reverse sweep accumulates into (all but those of direct blocks) */
static void clear_adjoints(const expr_prog *P, double *bar)
{
    if (!P->nbar_ranges) {
        memset(bar, 0, sizeof(double) * (size_t)P->nvals);
        return;
    }
    for (int r = 0; r < P->nbar_ranges; r++)
        memset(bar + P->bar_ranges[2 * r], 0, sizeof(double) * (size_t)P->bar_ranges[2 * r + 1]);
}

/* Reverse sweep from the output weights w (and, second order, their tangents dw). */
static void reverse(const expr_prog *P, expr_work *W, const double *w, const double *dw,
                    int second, int want, gradients *g)
{
    const expr_node *o = out_node(P);
    clear_adjoints(P, W->bar);
    memcpy(W->bar + o->off, w, sizeof(double) * (size_t)o->len);
    if (!second) {
        adjoint_sweep(P, W->v, W->bar, want, g);
        return;
    }
    clear_adjoints(P, W->dbar);
    if (dw)
        memcpy(W->dbar + o->off, dw, sizeof(double) * (size_t)o->len);
    adjoint2_sweep(P, W->v, W->d1, W->bar, W->dbar, want, g);
}

void expr_vjp(const expr_prog *P, expr_work *W, const expr_args *in, const double *w, double *y,
              double *gx, double *gp)
{
    values(P, W, in);
    copy_out(P, W->v, y);
    zero(gx, P->nx);
    zero(gp, P->np);
    const int want = (gx ? DEP_X : 0) | (gp ? DEP_P : 0);
    if (!want)
        return;
    gradients g = {gx, gp, NULL, NULL};
    reverse(P, W, w, NULL, 0, want, &g);
}

void expr_vjp_acc(const expr_prog *P, expr_work *W, const expr_args *in, const double *w,
                  double *gx, double *gp)
{
    values(P, W, in);
    zero(gx, P->nx);
    const int want = (gx ? DEP_X : 0) | (gp ? DEP_P : 0);
    if (!want)
        return;
    gradients g = {gx, gp, NULL, NULL};
    reverse(P, W, w, NULL, 0, want, &g);
}

void expr_vjp_jvp(const expr_prog *P, expr_work *W, const expr_args *in, const double *w,
                  const double *dw, const double *dx, const double *dp, double *gx, double *gp,
                  double *dgx, double *dgp)
{
    values(P, W, in);
    tangents(P, W->v, W->d1, dx, dp);
    zero(gx, P->nx);
    zero(gp, P->np);
    zero(dgx, P->nx);
    zero(dgp, P->np);
    const int want = (gx || dgx ? DEP_X : 0) | (gp || dgp ? DEP_P : 0);
    if (!want)
        return;
    gradients g = {gx, gp, dgx, dgp};
    reverse(P, W, w, dw, 1, want, &g);
}

void expr_hvv(const expr_prog *P, expr_work *W, const expr_args *in, const double *dx1,
              const double *dp1, const double *dx2, const double *dp2, const double *d12x,
              const double *d12p, double *y, double *d12y)
{
    const int mask = (dx1 || dx2 || d12x ? DEP_X : 0) | (dp1 || dp2 || d12p ? DEP_P : 0);
    values(P, W, in);
    copy_out(P, W->v, y);
    if (mask) {
        hvv_first(P, W, dx1, dp1, mask);
        hvv_second(P, W, dx2, dp2, d12x, d12p, mask);
    } else {
        memset(W->d12, 0, sizeof(double) * (size_t)P->nvals);
    }
    copy_out(P, W->d12, d12y);
}

/* Dense Jacobians: one value sweep, then one tangent sweep per input column — or, when the
 * output is shorter than the input, one reverse sweep per output row. */
static void jacobian(const expr_prog *P, expr_work *W, const expr_args *in, double *J, int dep)
{
    const int nin = dep == DEP_X ? P->nx : P->np, nout = expr_prog_nout(P);
    values(P, W, in);
    if (!(out_node(P)->dep & dep)) {
        zero(J, nin * nout);
        return;
    }
    double *seed = W->seed;
    if (nout < nin) {
        for (int r = 0; r < nout; r++) {
            memset(seed, 0, sizeof(double) * (size_t)nout);
            seed[r] = 1.0;
            double *row = J + (size_t)r * (size_t)nin;
            zero(row, nin);
            gradients g = {dep == DEP_X ? row : NULL, dep == DEP_P ? row : NULL, NULL, NULL};
            reverse(P, W, seed, NULL, 0, dep, &g);
        }
        return;
    }
    const expr_node *o = out_node(P);
    memset(seed, 0, sizeof(double) * (size_t)nin);
    for (int j = 0; j < nin; j++) {
        seed[j] = 1.0;
        tangents(P, W->v, W->d1, dep == DEP_X ? seed : NULL, dep == DEP_P ? seed : NULL);
        seed[j] = 0.0;
        for (int r = 0; r < nout; r++)
            J[(size_t)r * (size_t)nin + (size_t)j] = W->d1[o->off + r];
    }
}

void expr_jac_x(const expr_prog *P, expr_work *W, const expr_args *in, double *J)
{
    jacobian(P, W, in, J, DEP_X);
}

void expr_jac_p(const expr_prog *P, expr_work *W, const expr_args *in, double *J)
{
    jacobian(P, W, in, J, DEP_P);
}
