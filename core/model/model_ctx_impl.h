/* model_ctx_impl — the evaluation context's layout, shared by model_ctx.c (θ-space products)
 * and model_x0.c (the initial state, explicit or steady).  Not part of the public interface. */
#ifndef ODEGRAD_MODEL_CTX_IMPL_H
#define ODEGRAD_MODEL_CTX_IMPL_H

#include "model.h"

enum { PROG_RHS, PROG_INITIAL, PROG_GUESS, PROG_OBS, PROG_SIGMA, PROG_LOSS, PROG_RUNNING,
       PROG_BREAK, PROG_JUMP, MODEL_NPROGS };

struct model_ctx {
    const model *m;
    double *theta, *p;       /* θ and the natural values p = s(θ) */
    double *dp, *ddp;        /* s'(θ) and s''(θ) */
    int linear;              /* every parameter on the linear scale: s' = 1, the chain rule
                                is the identity and is skipped (same numbers, one pass fewer) */
    int cond;                /* selected condition; -1 = the steady-state constants */
    const double *c;         /* its constants (cbuf when the model has breakpoints) */
    unsigned long key;       /* invariant key of the current (p, c) */
    /* time breakpoints of the selected condition (model_break.c) */
    double *cbuf;            /* nc: the condition's constants with the phases φ_e */
    double *tb;              /* nbreak: t_e, unsorted */
    int *border;             /* nbreak: indices in time order; the first nb_live in (t0, tf] */
    int nb_live;
    double *tb_live;         /* nb_live sorted times */
    double *bscratch;        /* model_break_scratch(m) */
    double *bunit;           /* nbreak */
    eval_counts *counts;
    expr_work *work[MODEL_NPROGS];
    /* scratch */
    double *u_p, *u2_p, *g_p, *seed_p;          /* np each */
    double *x_tmp, *x_tmp2, *x_tmp3, *x_tmp4;   /* nx each */
    double *row;                                /* 2 ny: a loss-program data row */
    /* steady-state initial state: x0, the LU factors of f_x at x0, x0_θ */
    double *x0, *lambda, *S0, *J;
    double *lu;
    size_t *perm;
    int have_S0;
    double *pool;
    size_t pool_used;
    size_t bytes;
};

const expr_prog *model_ctx_prog(const model_ctx *ctx, int k);
const double *model_ctx_to_p(model_ctx *ctx, const double *u, double *buf);
const double *model_ctx_second_seed(model_ctx *ctx, const double *u1, const double *u2);
void model_prog_jvp(model_ctx *ctx, int k, const expr_args *a, const double *dx,
                    const double *u, double *y, double *dy);
void model_prog_vjp(model_ctx *ctx, int k, const expr_args *a, const double *w, double *y,
                    double *gx, double *gth);
void model_prog_vjp_jvp(model_ctx *ctx, int k, const expr_args *a, const double *w,
                        const double *dw, const double *dx, const double *u, double *gx,
                        double *gth, double *dgx, double *dgth);
void model_prog_hvv(model_ctx *ctx, int k, const expr_args *a, const double *dx1,
                    const double *u1, const double *dx2, const double *u2, const double *d12x,
                    double *y, double *d2);
/* breakpoints: evaluate t_e and the start phases for the selected condition (model_break.c) */
void model_break_select(model_ctx *ctx);
size_t model_break_scratch(const model *m);   /* doubles of scratch the crossings use */
/* find the steady state at the context's θ (model_x0.c) */
int model_steady_solve(model_ctx *ctx, char *err, size_t errlen);

#endif
