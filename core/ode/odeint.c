/* odeint — our integrators behind one face: the registry entry (integrator.h) names the
 * family, and the family's operations below run its driver (rk.h or rosenbrock.h) with the
 * entry's coefficients. */
#include "odeint.h"

#include <stdlib.h>
#include <string.h>

struct odeint {
    const integrator *it;
    odesys sys;
    rk_solver *rk;     /* the family's solver: explicit Runge–Kutta … */
    ros_solver *ros;   /* … or Rosenbrock */
    /* the caller's observer, wrapped per solve */
    odeint_observer observer;
    void *observer_ctx;
};

/* What differs between the families, as operations on the odeint (defined below). */
typedef struct {
    int (*create)(odeint *I, int n);
    void (*destroy)(odeint *I);
    size_t (*bytes)(const odeint *I);
    int (*reserve)(odeint *I, int nout);
    int (*adaptive)(odeint *I, const odeint_problem *P, const step_control *c, double *x,
                    odeint_stats *st, char *err, size_t errlen);
    int (*grid)(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                long count, double *x, odeint_stats *st, char *err, size_t errlen);
} odeint_family;

static const odeint_family *odeint_family_of(const integrator *it);

int odeint_known(const char *name)
{
    return integrator_find(name) != NULL;
}

int odeint_adaptive_capable(const char *name)
{
    const integrator *it = integrator_find(name);
    return it && it->adaptive;
}

odeint *odeint_new(const char *name, const odesys *sys)
{
    const integrator *it = integrator_find(name);
    if (!it)
        return NULL;
    odeint *I = calloc(1, sizeof *I);
    if (!I)
        return NULL;
    I->it = it;
    I->sys = *sys;
    if (odeint_family_of(it)->create(I, sys->n) != 0) {
        free(I);
        return NULL;
    }
    return I;
}

void odeint_free(odeint *I)
{
    if (!I)
        return;
    odeint_family_of(I->it)->destroy(I);
    free(I);
}

size_t odeint_bytes(const odeint *I)
{
    return sizeof *I + odeint_family_of(I->it)->bytes(I);
}

int odeint_reserve(odeint *I, int nout)
{
    return odeint_family_of(I->it)->reserve(I, nout);
}

const char *odeint_name(const odeint *I) { return I->it->name; }
const integrator *odeint_integrator(const odeint *I) { return I->it; }
int odeint_stages(const odeint *I) { return I->it->stages; }
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

/* ---- the two families ------------------------------------------------------------------ */

static int rk_family_create(odeint *I, int n)
{
    I->rk = rk_solver_new(I->it->rk, n);
    return I->rk ? 0 : -1;
}
static void rk_family_destroy(odeint *I) { rk_solver_free(I->rk); }
static size_t rk_family_bytes(const odeint *I) { return rk_solver_bytes(I->rk); }
static int rk_family_reserve(odeint *I, int nout) { return rk_solver_reserve(I->rk, nout); }

static int rk_family_adaptive(odeint *I, const odeint_problem *P, const step_control *c,
                              double *x, odeint_stats *st, char *err, size_t errlen)
{
    const rk_problem R = odeint_rk_problem(I, P);
    rk_stats s;
    const int status = rk_solve_adaptive(I->rk, &R, c, x, &s, err, errlen);
    odeint_stats_rk(&s, st);
    return status;
}

static int rk_family_grid(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                          long count, double *x, odeint_stats *st, char *err, size_t errlen)
{
    const rk_problem R = odeint_rk_problem(I, P);
    rk_stats s;
    const int status = rk_solve_grid(I->rk, &R, g, first, count, x, &s, err, errlen);
    odeint_stats_rk(&s, st);
    return status;
}

static int ros_family_create(odeint *I, int n)
{
    I->ros = ros_solver_new(I->it->ros, n);
    return I->ros ? 0 : -1;
}
static void ros_family_destroy(odeint *I) { ros_solver_free(I->ros); }
static size_t ros_family_bytes(const odeint *I) { return ros_solver_bytes(I->ros); }
static int ros_family_reserve(odeint *I, int nout) { return ros_solver_reserve(I->ros, nout); }

static int ros_family_adaptive(odeint *I, const odeint_problem *P, const step_control *c,
                               double *x, odeint_stats *st, char *err, size_t errlen)
{
    const ros_problem R = odeint_ros_problem(I, P);
    ros_stats s;
    const int status = ros_solve_adaptive(I->ros, &R, c, x, &s, err, errlen);
    odeint_stats_ros(&s, st);
    return status;
}

static int ros_family_grid(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                           long count, double *x, odeint_stats *st, char *err, size_t errlen)
{
    const ros_problem R = odeint_ros_problem(I, P);
    ros_stats s;
    const int status = ros_solve_grid(I->ros, &R, g, first, count, x, &s, err, errlen);
    odeint_stats_ros(&s, st);
    return status;
}

static const odeint_family odeint_families[] = {
    [INTEGRATOR_RK] = {rk_family_create, rk_family_destroy, rk_family_bytes,
                       rk_family_reserve, rk_family_adaptive, rk_family_grid},
    [INTEGRATOR_ROSENBROCK] = {ros_family_create, ros_family_destroy, ros_family_bytes,
                               ros_family_reserve, ros_family_adaptive, ros_family_grid},
};

static const odeint_family *odeint_family_of(const integrator *it)
{
    return &odeint_families[it->family];
}

int odeint_adaptive(odeint *I, const odeint_problem *P, const step_control *c, double *x,
                    odeint_stats *st, char *err, size_t errlen)
{
    return odeint_family_of(I->it)->adaptive(I, P, c, x, st, err, errlen);
}

int odeint_grid(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                long count, double *x, odeint_stats *st, char *err, size_t errlen)
{
    return odeint_family_of(I->it)->grid(I, P, g, first, count, x, st, err, errlen);
}

int odeint_fixed_grid(const odeint *I, double t0, double tf, long steps, int nout,
                      const double *tout, step_grid *g, double **times)
{
    g->t0 = t0;
    g->tf = tf;
    g->steps = steps;
    g->times = NULL;
    *times = NULL;
    if (I->it->dense)
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
