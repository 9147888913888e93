/* odeint — dispatch to the explicit Runge–Kutta or the Rosenbrock driver. */
#include "odeint.h"

#include <stdlib.h>
#include <string.h>

#define ODEINT_ROSENBROCK "rosenbrock"

struct odeint {
    const char *name;
    odesys sys;
    rk_solver *rk;
    ros_solver *ros;
    /* the caller's observer, wrapped per solve */
    odeint_observer observer;
    void *observer_ctx;
};

int odeint_known(const char *name)
{
    return name && (rk_tableau_find(name) || strcmp(name, ODEINT_ROSENBROCK) == 0);
}

int odeint_adaptive_capable(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, ODEINT_ROSENBROCK) == 0)
        return 1;
    const rk_tableau *T = rk_tableau_find(name);
    return T && T->e != NULL;
}

odeint *odeint_new(const char *name, const odesys *sys)
{
    if (!odeint_known(name))
        return NULL;
    odeint *I = calloc(1, sizeof *I);
    if (!I)
        return NULL;
    I->sys = *sys;
    if (strcmp(name, ODEINT_ROSENBROCK) == 0) {
        I->name = ODEINT_ROSENBROCK;
        I->ros = ros_solver_new(&ros_ros34pw2, sys->n);
    } else {
        const rk_tableau *T = rk_tableau_find(name);
        I->name = T->name;
        I->rk = rk_solver_new(T, sys->n);
    }
    if (!I->rk && !I->ros) {
        free(I);
        return NULL;
    }
    return I;
}

void odeint_free(odeint *I)
{
    if (!I)
        return;
    rk_solver_free(I->rk);
    ros_solver_free(I->ros);
    free(I);
}

size_t odeint_bytes(const odeint *I)
{
    return sizeof *I + (I->rk ? rk_solver_bytes(I->rk) : ros_solver_bytes(I->ros));
}

int odeint_reserve(odeint *I, int nout)
{
    return I->rk ? rk_solver_reserve(I->rk, nout) : ros_solver_reserve(I->ros, nout);
}

const char *odeint_name(const odeint *I) { return I->name; }
int odeint_stages(const odeint *I)
{
    return I->rk ? rk_solver_tableau(I->rk)->stages : ros_solver_tableau(I->ros)->stages;
}
const rk_tableau *odeint_rk(const odeint *I) { return I->rk ? rk_solver_tableau(I->rk) : NULL; }
const ros_solver *odeint_ros(const odeint *I) { return I->ros; }

static int odeint_rk_observer(const rk_step_view *v, void *ctx)
{
    odeint *I = ctx;
    const odeint_step s = {.index = v->index, .t = v->t, .t_next = v->t_next,
                           .nout = v->nout, .out_index = v->out_index,
                           .out_frac = v->out_frac, .rk = v};
    return I->observer(&s, I->observer_ctx);
}

static int odeint_ros_observer(const ros_step_view *v, void *ctx)
{
    odeint *I = ctx;
    const odeint_step s = {.index = v->index, .t = v->t, .t_next = v->t_next,
                           .nout = v->nout, .out_index = v->out_index,
                           .out_frac = v->out_frac, .ros = v};
    return I->observer(&s, I->observer_ctx);
}

static rk_problem odeint_rk_problem(odeint *I, const odeint_problem *P)
{
    I->observer = P->observer;
    I->observer_ctx = P->observer_ctx;
    const rk_problem R = {.n = I->sys.n, .rhs = I->sys.rhs, .rhs_ctx = I->sys.ctx,
                          .t0 = P->t0, .tf = P->tf, .nout = P->nout, .tout = P->tout,
                          .xout = P->xout, .observer = P->observer ? odeint_rk_observer : NULL,
                          .observer_ctx = I};
    return R;
}

static ros_problem odeint_ros_problem(odeint *I, const odeint_problem *P)
{
    I->observer = P->observer;
    I->observer_ctx = P->observer_ctx;
    const ros_problem R = {.n = I->sys.n, .rhs = I->sys.rhs, .jac = I->sys.jac,
                           .ctx = I->sys.ctx, .t0 = P->t0, .tf = P->tf, .nout = P->nout,
                           .tout = P->tout, .xout = P->xout,
                           .observer = P->observer ? odeint_ros_observer : NULL,
                           .observer_ctx = I};
    return R;
}

static void odeint_stats_rk(const rk_stats *a, odeint_stats *st)
{
    st->steps = a->steps;
    st->rejected = a->rejected;
    st->rhs_evals = a->rhs_evals;
    st->jac_evals = 0;
    st->t_reached = a->t_reached;
}

static void odeint_stats_ros(const ros_stats *a, odeint_stats *st)
{
    st->steps = a->steps;
    st->rejected = a->rejected;
    st->rhs_evals = a->rhs_evals;
    st->jac_evals = a->jac_evals;
    st->t_reached = a->t_reached;
}

int odeint_adaptive(odeint *I, const odeint_problem *P, const step_control *c, double *x,
                    odeint_stats *st, char *err, size_t errlen)
{
    int status;
    if (I->rk) {
        const rk_problem R = odeint_rk_problem(I, P);
        rk_stats s;
        status = rk_solve_adaptive(I->rk, &R, c, x, &s, err, errlen);
        odeint_stats_rk(&s, st);
    } else {
        const ros_problem R = odeint_ros_problem(I, P);
        ros_stats s;
        status = ros_solve_adaptive(I->ros, &R, c, x, &s, err, errlen);
        odeint_stats_ros(&s, st);
    }
    return status;
}

int odeint_grid(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                long count, double *x, odeint_stats *st, char *err, size_t errlen)
{
    int status;
    if (I->rk) {
        const rk_problem R = odeint_rk_problem(I, P);
        rk_stats s;
        status = rk_solve_grid(I->rk, &R, g, first, count, x, &s, err, errlen);
        odeint_stats_rk(&s, st);
    } else {
        const ros_problem R = odeint_ros_problem(I, P);
        ros_stats s;
        status = ros_solve_grid(I->ros, &R, g, first, count, x, &s, err, errlen);
        odeint_stats_ros(&s, st);
    }
    return status;
}

int odeint_fixed_grid(const odeint *I, double t0, double tf, long steps, int nout,
                      const double *tout, step_grid *g, double **times)
{
    g->t0 = t0;
    g->tf = tf;
    g->steps = steps;
    g->times = NULL;
    *times = NULL;
    if (I->rk)
        return 0;
    /* merge t_k = uniform grid with the observation times (both sorted), dropping
     * duplicates and anything outside (t0, tf) */
    double *merged = malloc(sizeof(double) * (size_t)(steps + nout + 1));
    if (!merged)
        return -1;
    const step_grid uniform = {.t0 = t0, .tf = tf, .steps = steps};
    long count = 0, k = 0;
    int i = 0;
    merged[count++] = t0;
    while (k < steps || i < nout) {
        const double tu = k < steps ? step_grid_time(&uniform, k + 1) : tf;
        const double to = i < nout ? tout[i] : tf;
        const double next = tu < to ? tu : to;
        if (tu <= next)
            k++;
        if (to <= next && i < nout)
            i++;
        if (next > merged[count - 1] && next <= tf)
            merged[count++] = next;
    }
    if (merged[count - 1] < tf)
        merged[count++] = tf;
    g->steps = count - 1;
    g->times = merged;
    *times = merged;
    return 0;
}
