/* modeltest — what the model tests add to tests/check.h: the loss by CVODES and by our own
 * adaptive integrators, and gradients through a backend.  Header-only; each test includes it
 * once. */
#ifndef ODEGRAD_TESTS_MODELTEST_H
#define ODEGRAD_TESTS_MODELTEST_H

#include "cvwrap.h"
#include "rk.h"
#include "rosenbrock.h"
#include "check.h"

/* ---- the loss by CVODES ------------------------------------------------------------------ */

typedef struct {
    model_ctx *ctx;
    double loss;
} mt_loss_sum;

static inline int mt_loss_at_obs(void *user, int k, double t, const double *x,
                                 const double *const *S)
{
    (void)t;
    (void)S;
    mt_loss_sum *sum = user;
    sum->loss += model_loss_term(sum->ctx, k, x);
    return 0;
}

/* Σ over conditions of the loss, CVODES (BDF or Adams) at the given tolerances.  0 or -1. */
static inline int mt_loss_cvodes(const model *m, const double *theta, cv_family family,
                                 double rtol, double atol, double *loss)
{
    char err[512];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "%s: %s\n", m->name, err);
        return -1;
    }
    const cv_settings s = {"modeltest", family, rtol, atol, 10000000L, CV_LINSOL_AUTO};
    const cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, NULL, NULL};
    mt_loss_sum sum = {ctx, 0.0};
    int status = 0;
    for (int k = 0; k < m->ncond && status == 0; k++) {
        model_ctx_condition(ctx, k);
        cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
        if (!cv || cv_forward_run(cv, mt_loss_at_obs, &sum, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", m->name, err);
            status = -1;
        }
        cv_free(cv);
    }
    model_ctx_free(ctx);
    *loss = sum.loss;
    return status;
}

/* ---- the loss by our own adaptive integrators --------------------------------------------- */

typedef enum { MT_DOPRI5, MT_ROS34PW2 } mt_integrator;

static inline int mt_rhs(double t, const double *x, double *f, void *ctx)
{
    model_rhs(ctx, t, x, f);
    return 0;
}

static inline int mt_jac(double t, const double *x, double *J, void *ctx)
{
    model_rhs_jac(ctx, t, x, J);
    return 0;
}

/* One condition from x (overwritten) with the states at the observation times in xout. */
static inline int mt_solve_condition(mt_integrator which, model_ctx *ctx, const model *m,
                                     const model_condition *cond, const step_control *c,
                                     double *x, double *xout, char *err, size_t errlen)
{
    int status;
    if (which == MT_DOPRI5) {
        rk_solver *S = rk_solver_new(&rk_dopri5, m->nx);
        const rk_problem P = {m->nx, mt_rhs, ctx, m->t0, m->tf, cond->ntimes, cond->times,
                              xout, NULL, NULL};
        rk_stats st;
        status = S ? rk_solve_adaptive(S, &P, c, x, &st, err, errlen) : STEP_EMEMORY;
        rk_solver_free(S);
    } else {
        ros_solver *S = ros_solver_new(&ros_ros34pw2, m->nx);
        const ros_problem P = {.n = m->nx, .rhs = mt_rhs, .jac = mt_jac, .ctx = ctx,
                               .t0 = m->t0, .tf = m->tf, .nout = cond->ntimes,
                               .tout = cond->times, .xout = xout};
        ros_stats st;
        status = S ? ros_solve_adaptive(S, &P, c, x, &st, err, errlen) : STEP_EMEMORY;
        ros_solver_free(S);
    }
    if (status == STEP_EMEMORY)
        snprintf(err, errlen, "out of memory");
    return status == STEP_OK ? 0 : -1;
}

/* Σ over conditions of the loss by Dormand–Prince 5(4) (dense output at the observation
 * times) or ROS34PW2 (steps end on them).  0 or -1. */
static inline int mt_loss_ours(const model *m, const double *theta, mt_integrator which,
                               double rtol, double atol, double *loss)
{
    char err[512];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    double *x = malloc(sizeof(double) * (size_t)m->nx);
    int status = ctx && x ? 0 : -1;
    if (!ctx)
        fprintf(stderr, "%s: %s\n", m->name, err);
    step_control c;
    step_control_default(&c, rtol, atol);
    c.max_steps = 10000000L;
    *loss = 0.0;
    for (int k = 0; k < m->ncond && status == 0; k++) {
        model_ctx_condition(ctx, k);
        const model_condition *cond = &m->cond[k];
        double *xout = malloc(sizeof(double) * (size_t)cond->ntimes * (size_t)m->nx);
        model_x0(ctx, x);
        if (!xout ||
            mt_solve_condition(which, ctx, m, cond, &c, x, xout, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", m->name, xout ? err : "out of memory");
            status = -1;
        } else {
            for (int i = 0; i < cond->ntimes; i++)
                *loss += model_loss_term(ctx, i, xout + (size_t)i * m->nx);
        }
        free(xout);
    }
    free(x);
    model_ctx_free(ctx);
    return status;
}

/* ---- a gradient through a backend --------------------------------------------------------- */

/* Run backend `name` for the gradient; rtol/atol ≤ 0: the model's defaults; kv: "key=value"
 * options, NULL-terminated (or NULL).  Returns the status; r must be freed by the caller. */
static inline method_status mt_gradient(const char *name, const model *m, const double *theta,
                                        double rtol, double atol, const char *const *kv,
                                        method_result *r)
{
    const method_options o = check_options(rtol, atol);
    return check_run(name, m, theta, &o, kv, r);
}

#endif
