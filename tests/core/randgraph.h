/* randgraph.h — the random expression graphs of tests/core/test_expr.c and
 * test_expr_kernels.c: deterministic random numbers and a graph that uses every operation
 * (scalar and vector, broadcast, gather, concat, sum, matvec, a time input).  The including
 * test defines NX, NP, NC, VLEN and NOUT (the graph's sizes) first. */
#ifndef ODEGRAD_TEST_RANDGRAPH_H
#define ODEGRAD_TEST_RANDGRAPH_H

#include "expr.h"

/* ---- deterministic random numbers ----------------------------------------------------------- */
typedef struct {
    unsigned long long s;
} rng;

static unsigned long long next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static double uniform(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next(r) >> 11) / 9007199254740992.0;
}

static int pick(rng *r, int n)
{
    return (int)(next(r) % (unsigned long long)n);
}

/* ---- a time input: two smooth functions of t ------------------------------------------------- */
static void wave(double t, double *out, const void *ctx)
{
    (void)ctx;
    out[0] = sin(1.3 * t);
    out[1] = 0.5 + 0.25 * cos(t);
}

/* ---- the random graph --------------------------------------------------------------------- */

/* Keep values moderate and inside every operation's domain: log, sqrt, pow and the divisor of
 * div receive 1 + a², exp receives tanh(a). */
static expr positive(expr_graph *g, expr a)
{
    return expr_shift(g, expr_powc(g, a, 2.0), 1.0);
}

static expr random_graph(expr_graph *g, unsigned long long seed)
{
    rng r = {seed * 2654435761ULL + 12345};
    expr scalars[256], vectors[128];
    int ns = 0, nv = 0;
    for (int i = 0; i < NX; i++)
        scalars[ns++] = expr_state(g, i);
    for (int i = 0; i < NP; i++)
        scalars[ns++] = expr_param(g, i);
    scalars[ns++] = expr_scale(g, expr_time(g), 0.1);
    scalars[ns++] = expr_constant(g, 0);
    scalars[ns++] = expr_num(g, 0.7);
    vectors[nv++] = expr_states(g, 0, VLEN);
    vectors[nv++] = expr_params(g, 1, VLEN);
    const double cv[VLEN] = {0.3, -0.2, 0.5};
    vectors[nv++] = expr_nums(g, VLEN, cv);
    expr w = expr_time_input(g, 2, wave, NULL);
    const int pad[VLEN] = {0, 1, 1};
    vectors[nv++] = expr_gather(g, w, VLEN, pad);
    const int nops = 60;
    for (int k = 0; k < nops; k++) {
        const int op = k < 16 ? k : pick(&r, 16);   /* the first 16 cover every operation */
        const int vec = pick(&r, 2);
        expr a = vec ? vectors[pick(&r, nv)] : scalars[pick(&r, ns)];
        expr b = pick(&r, 2) ? vectors[pick(&r, nv)] : scalars[pick(&r, ns)];
        expr e;
        switch (op) {
        case 0: e = expr_add(g, a, b); break;
        case 1: e = expr_sub(g, a, b); break;
        case 2: e = expr_mul(g, a, b); break;
        case 3: e = expr_div(g, a, positive(g, b)); break;
        case 4: e = expr_pow(g, positive(g, a), expr_tanh(g, b)); break;
        case 5: e = expr_neg(g, a); break;
        case 6: e = expr_powc(g, positive(g, a), uniform(&r, -1.5, 2.5)); break;
        case 7: e = expr_exp(g, expr_tanh(g, a)); break;
        case 8: e = expr_log(g, positive(g, a)); break;
        case 9: e = expr_sqrt(g, positive(g, a)); break;
        case 10: e = expr_sin(g, a); break;
        case 11: e = expr_cos(g, a); break;
        case 12: e = expr_scale(g, expr_shift(g, a, uniform(&r, -1, 1)), uniform(&r, -2, 2)); break;
        case 13: e = expr_sum(g, expr_mul(g, a, b)); break;
        case 14: {
            /* a 3×3 matrix of mixed entries times a vector */
            expr entries[VLEN * VLEN];
            for (int i = 0; i < VLEN * VLEN; i++)
                entries[i] = expr_tanh(g, scalars[pick(&r, ns)]);
            expr W = expr_concat(g, VLEN * VLEN, entries);
            e = expr_matvec(g, W, vectors[pick(&r, nv)], VLEN, VLEN);
            break;
        }
        default: {
            const int idx[VLEN] = {pick(&r, VLEN), pick(&r, VLEN), pick(&r, VLEN)};
            expr parts[2] = {expr_gather(g, vectors[pick(&r, nv)], 2, idx), scalars[pick(&r, ns)]};
            e = expr_concat(g, 2, parts);
            break;
        }
        }
        if (expr_len(g, e) == 1 && ns < 256)
            scalars[ns++] = e;
        else if (nv < 128)
            vectors[nv++] = e;
    }
    /* output: the newest vector and scalars, squashed to keep magnitudes moderate */
    expr parts[4] = {expr_tanh(g, vectors[nv - 1]), expr_tanh(g, scalars[ns - 1]),
                     scalars[ns - 2], expr_sin(g, scalars[ns - 3])};
    return expr_concat(g, 4, parts);
}

#endif
