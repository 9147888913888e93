/* cvsystem — a generic system y' = F(t, y) on the CVODES solver core, integrated in either
 * direction of time, advanced to exact stop times and restarted after jumps.  See cvwrap.h. */
#include "cvwrap_impl.h"

#include <stdio.h>
#include <string.h>

static cv_solver *cv_system_create(int n, const cv_state_adjoint_pair *pair, double t0,
                                   const double *y0, cv_rhs_fn rhs, cv_jac_fn jac, int nq,
                                   const double *q0, cv_quad_fn quad, int quad_errcon,
                                   void *user, const cv_settings *s, char *err, size_t errlen)
{
    cv_solver *cv = cv_alloc(s);
    if (!cv) {
        snprintf(err, errlen, "%s: out of memory", s->backend ? s->backend : "cvodes");
        return NULL;
    }
    cv->pair = pair;
    cv->sys_rhs = rhs;
    cv->sys_jac = jac;
    cv->sys_quad = quad;
    cv->sys_user = user;
    cv->t0 = t0;
    if (!cv_core_init(cv, n, t0, y0, err, errlen))
        return NULL;
    if (nq > 0 && cv_quad_init(cv, nq, q0, s->rtol, s->atol, quad_errcon) != 0)
        return cv_setup_failed(cv, "the quadratures", err, errlen);
    return cv;
}

cv_solver *cv_system_new(int n, double t0, const double *y0, cv_rhs_fn rhs, cv_jac_fn jac,
                         int nq, const double *q0, cv_quad_fn quad, int quad_errcon,
                         void *user, const cv_settings *s, char *err, size_t errlen)
{
    return cv_system_create(n, NULL, t0, y0, rhs, jac, nq, q0, quad, quad_errcon, user, s, err,
                            errlen);
}

cv_solver *cv_system_new_pair(const cv_state_adjoint_pair *pair, double t0, const double *y0,
                              cv_rhs_fn rhs, cv_jac_fn jac, int nq, const double *q0,
                              cv_quad_fn quad, int quad_errcon, void *user,
                              const cv_settings *s, char *err, size_t errlen)
{
    return cv_system_create(2 * model_ctx_model(pair->ctx)->nx, pair, t0, y0, rhs, jac, nq, q0,
                            quad, quad_errcon, user, s, err, errlen);
}

int cv_system_advance(cv_solver *cv, double tout, double *y, double *q, char *err, size_t errlen)
{
    sunrealtype tret = cv->t0;
    cv_message_clear(cv);
    int flag = CVodeSetStopTime(cv->mem, tout);
    if (flag == CV_SUCCESS)
        flag = CVode(cv->mem, tout, cv->y, &tret, CV_NORMAL);
    if (flag < 0) {
        sunrealtype reached = tret;
        CVodeGetCurrentTime(cv->mem, &reached);
        return cv_fail(cv, flag, tout < cv->t0 ? "backward integration" : "integration",
                       reached, err, errlen);
    }
    memcpy(y, NV_DATA_S(cv->y), sizeof(double) * (size_t)cv->n);
    if (q && cv->nq > 0) {
        flag = CVodeGetQuadDky(cv->mem, tout, 0, cv->q);
        if (flag != CV_SUCCESS)
            return cv_fail(cv, flag, "reading the quadratures", tout, err, errlen);
        memcpy(q, NV_DATA_S(cv->q), sizeof(double) * (size_t)cv->nq);
    }
    cv->t0 = tout;
    return 0;
}

int cv_system_restart(cv_solver *cv, double t, const double *y, const double *q, char *err,
                      size_t errlen)
{
    long nst = 0;
    CVodeGetNumSteps(cv->mem, &nst);
    cv->sys_steps_before += nst;
    cv_message_clear(cv);
    memcpy(NV_DATA_S(cv->y), y, sizeof(double) * (size_t)cv->n);
    int flag = CVodeReInit(cv->mem, t, cv->y);
    if (flag == CV_SUCCESS && cv->nq > 0) {
        for (int i = 0; i < cv->nq; i++)
            NV_Ith_S(cv->q, i) = q ? q[i] : 0.0;
        flag = CVodeQuadReInit(cv->mem, cv->q);
    }
    if (flag != CV_SUCCESS)
        return cv_fail(cv, flag, "restart", t, err, errlen);
    cv->t0 = t;
    return 0;
}

long cv_system_steps(cv_solver *cv)
{
    return cv->sys_steps_before + cv_steps(cv);
}
