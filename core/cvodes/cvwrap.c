/* cvwrap — the CVODES solver core (creation, callbacks, error handler, freeing) and the
 * forward problem of a model.  See cvwrap.h for what this layer promises; generic systems are
 * in cvsystem.c, backward problems in cvbwd.c (cvwrap_impl.h: who calls whom). */
#include "cvwrap_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names, messages, small helpers ---------------------------------------------------- */

int cv_family_parse(const char *solver, cv_family *family)
{
    if (!solver || strcmp(solver, "bdf") == 0) {
        *family = CV_FAMILY_BDF;
        return 0;
    }
    if (strcmp(solver, "adams") == 0) {
        *family = CV_FAMILY_ADAMS;
        return 0;
    }
    return -1;
}

const char *cv_family_name(cv_family family)
{
    return family == CV_FAMILY_ADAMS ? "adams" : "bdf";
}

static int cv_lmm(cv_family family)
{
    return family == CV_FAMILY_ADAMS ? CV_ADAMS : CV_BDF;
}

/* CVODES hands every error and warning to this handler instead of printing it.  The first
 * error since the last clear is kept: it names the root cause (e.g. the backward problem's
 * "mxstep steps taken"), while later ones are the callers' follow-ups. */
static void cv_error_handler(int error_code, const char *module, const char *function,
                             char *msg, void *data)
{
    cv_solver *cv = data;
    (void)module;
    if (error_code >= 0) {
        cv->msg.warnings++;
        return;
    }
    if (cv->msg.text[0])
        return;
    (void)function;   /* the phase in our message says more than CVODES's function name */
    snprintf(cv->msg.text, sizeof cv->msg.text, "%s", msg ? msg : "");
    for (char *c = cv->msg.text; *c; c++)   /* keep it one line */
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

cv_solver *cv_setup_failed(cv_solver *cv, const char *what, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: setting up CVODES failed at %s%s%s", cv->backend, what,
                 cv->msg.text[0] ? ": " : "", cv->msg.text);
    cv_free(cv);
    return NULL;
}

/* ---- CVODES callbacks -------------------------------------------------------------------- */

static int cv_rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void *data)
{
    cv_solver *cv = data;
    if (cv->sys_rhs)
        return cv->sys_rhs(t, NV_DATA_S(y), NV_DATA_S(ydot), cv->sys_user);
    model_ctx_count_into(cv->ctx, cv->counts);
    model_rhs(cv->ctx, t, NV_DATA_S(y), NV_DATA_S(ydot));
    return cv_all_finite(NV_DATA_S(ydot), cv->n) ? 0 : 1;   /* 1: retry with a smaller step */
}

static int cv_jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *data,
                     N_Vector tmp1, N_Vector tmp2, N_Vector tmp3)
{
    cv_solver *cv = data;
    (void)fy;
    (void)tmp1;
    (void)tmp2;
    (void)tmp3;
    int status = 0;
    memset(cv->jac, 0, sizeof(double) * (size_t)cv->n * (size_t)cv->n);
    if (cv->sys_jac) {
        status = cv->sys_jac(t, NV_DATA_S(y), cv->jac, cv->sys_user);
    } else {
        model_ctx_count_into(cv->ctx, cv->counts);
        model_rhs_jac(cv->ctx, t, NV_DATA_S(y), cv->jac);
    }
    cv_dense_fill(J, cv->jac, cv->n, 0, 1.0);
    if (status == 0 && !cv_all_finite(cv->jac, cv->n * cv->n))
        status = 1;
    return status;
}

/* The parameter direction of sensitivity j: e_j for ∂x/∂θ_j, or the caller's u_j. */
static const double *cv_direction_begin(cv_solver *cv, int j)
{
    if (cv->sens_sys)
        return cv->sens_sys->directions + (size_t)j * (size_t)cv->np;
    cv->unit[j] = 1.0;
    return cv->unit;
}

static void cv_direction_end(cv_solver *cv, int j)
{
    if (!cv->sens_sys)
        cv->unit[j] = 0.0;
}

/* a caller's own sensitivity system (cv_sens_system without directions) */
static int cv_custom_sens(const cv_sens_system *sys) { return sys && !sys->directions; }

/* s_j' = f_x s_j + f_θ u_j, one exact Jacobian–vector product per sensitivity (u_j = e_j, or
 * the caller's direction) at the values of f evaluated once, or the caller's own system */
static int cv_sens_cb(int ns, sunrealtype t, N_Vector y, N_Vector ydot, N_Vector *yS,
                      N_Vector *ySdot, void *data, N_Vector tmp1, N_Vector tmp2)
{
    cv_solver *cv = data;
    (void)ydot;
    (void)tmp1;
    (void)tmp2;
    model_ctx_count_into(cv->ctx, cv->counts);
    if (cv_custom_sens(cv->sens_sys)) {
        for (int j = 0; j < ns; j++) {
            cv->columns[j] = NV_DATA_S(yS[j]);
            cv->sens_out[j] = NV_DATA_S(ySdot[j]);
        }
        int status = cv->sens_sys->rhs(cv->sens_sys->user, cv->ctx, t, NV_DATA_S(y),
                                       cv->columns, cv->sens_out);
        if (status != 0)
            return status;
    } else {   /* the values once, then one tangent sweep per sensitivity */
        model_rhs_at(cv->ctx, t, NV_DATA_S(y), NULL);
        for (int j = 0; j < ns; j++) {
            model_rhs_jvp_along(cv->ctx, NV_DATA_S(yS[j]), cv_direction_begin(cv, j),
                                NV_DATA_S(ySdot[j]));
            cv_direction_end(cv, j);
        }
    }
    for (int j = 0; j < ns; j++)
        if (!cv_all_finite(NV_DATA_S(ySdot[j]), cv->n))
            return 1;
    return 0;
}

static int cv_quad_cb(sunrealtype t, N_Vector y, N_Vector qdot, void *data)
{
    cv_solver *cv = data;
    if (cv->sys_quad)
        return cv->sys_quad(t, NV_DATA_S(y), NV_DATA_S(qdot), cv->sys_user);
    model_ctx_count_into(cv->ctx, cv->counts);
    NV_Ith_S(qdot, 0) = model_running(cv->ctx, t, NV_DATA_S(y));
    return isfinite(NV_Ith_S(qdot, 0)) ? 0 : 1;
}

/* (∫g)_j' = g_x s_j + g_θ u_j, or the caller's integrands */
static int cv_quad_sens_cb(int ns, sunrealtype t, N_Vector y, N_Vector *yS, N_Vector yQdot,
                           N_Vector *yQSdot, void *data, N_Vector tmp, N_Vector tmpQ)
{
    cv_solver *cv = data;
    (void)yQdot;
    (void)tmp;
    (void)tmpQ;
    model_ctx_count_into(cv->ctx, cv->counts);
    if (cv_custom_sens(cv->sens_sys)) {
        for (int j = 0; j < ns; j++)
            cv->columns[j] = NV_DATA_S(yS[j]);
        int status = cv->sens_sys->quad(cv->sens_sys->user, cv->ctx, t, NV_DATA_S(y),
                                        cv->columns, cv->sens_q);
        if (status != 0)
            return status;
        for (int j = 0; j < ns; j++)
            NV_Ith_S(yQSdot[j], 0) = cv->sens_q[j];
        return cv_all_finite(cv->sens_q, ns) ? 0 : 1;
    }
    model_running_grad(cv->ctx, t, NV_DATA_S(y), cv->gx, cv->gth);
    for (int j = 0; j < ns; j++) {
        const double *u = cv_direction_begin(cv, j);
        double d = 0.0;
        for (int k = 0; k < cv->np; k++)
            d += cv->gth[k] * u[k];
        cv_direction_end(cv, j);
        const double *s = NV_DATA_S(yS[j]);
        for (int i = 0; i < cv->n; i++)
            d += cv->gx[i] * s[i];
        NV_Ith_S(yQSdot[j], 0) = d;
        if (!isfinite(d))
            return 1;
    }
    return 0;
}

/* ---- creation common to both kinds ---------------------------------------------------------- */

cv_solver *cv_alloc(const cv_settings *s)
{
    cv_solver *cv = calloc(1, sizeof *cv);
    if (!cv)
        return NULL;
    cv->settings = *s;
    snprintf(cv->backend, sizeof cv->backend, "%s", s->backend ? s->backend : "cvodes");
    return cv;
}

cv_solver *cv_core_init(cv_solver *cv, int n, double t0, const double *y0, char *err,
                        size_t errlen)
{
    cv->n = n;
    if (SUNContext_Create(NULL, &cv->sunctx) != 0)
        return cv_setup_failed(cv, "SUNContext_Create", err, errlen);
    cv->mem = CVodeCreate(cv_lmm(cv->settings.family), cv->sunctx);
    cv->y = N_VNew_Serial(n, cv->sunctx);
    cv->work = N_VNew_Serial(n, cv->sunctx);
    if (!cv->mem || !cv->y || !cv->work)
        return cv_setup_failed(cv, "allocation", err, errlen);
    cv_enable_fused(cv->y);
    /* from here on CVODES reports to us, never to stderr */
    if (CVodeSetErrHandlerFn(cv->mem, cv_error_handler, cv) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeSetErrHandlerFn", err, errlen);
    memcpy(NV_DATA_S(cv->y), y0, sizeof(double) * (size_t)n);
    if (CVodeInit(cv->mem, cv_rhs_cb, t0, cv->y) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeInit", err, errlen);
    if (CVodeSetUserData(cv->mem, cv) != CV_SUCCESS ||
        CVodeSStolerances(cv->mem, cv->settings.rtol, cv->settings.atol) != CV_SUCCESS)
        return cv_setup_failed(cv, "the tolerances", err, errlen);
    if (CVodeSetMaxNumSteps(cv->mem, cv->settings.max_steps) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeSetMaxNumSteps", err, errlen);
    /* t + h == t is a warning CVODES prints up to 10 times; it is counted in msg.warnings */
    cv->linsol = cv_linsol_resolve(cv);
    if (cv->linsol != CV_LINSOL_DENSE) {
        if ((cv->pair ? cv_krylov_attach_pair(cv) : cv_krylov_attach_forward(cv)) != 0)
            return cv_setup_failed(cv, "the Krylov linear solver", err, errlen);
        return cv;
    }
    cv->jac = calloc((size_t)n * (size_t)n, sizeof(double));
    cv->A = cv->jac ? SUNDenseMatrix(n, n, cv->sunctx) : NULL;
    cv->LS = cv->A ? SUNLinSol_Dense(cv->y, cv->A, cv->sunctx) : NULL;
    if (!cv->LS || CVodeSetLinearSolver(cv->mem, cv->LS, cv->A) != CV_SUCCESS)
        return cv_setup_failed(cv, "the dense linear solver", err, errlen);
    /* a model always has its exact Jacobian; a generic system without one gets CVODES's
     * difference quotients */
    if ((!cv->sys_rhs || cv->sys_jac) && CVodeSetJacFn(cv->mem, cv_jac_cb) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeSetJacFn", err, errlen);
    return cv;
}

int cv_quad_init(cv_solver *cv, int nq, const double *q0, double rtol, double atol, int errcon)
{
    cv->nq = nq;
    cv->q = N_VNew_Serial(nq, cv->sunctx);
    if (!cv->q)
        return -1;
    cv_enable_fused(cv->q);
    for (int i = 0; i < nq; i++)
        NV_Ith_S(cv->q, i) = q0 ? q0[i] : 0.0;
    if (CVodeQuadInit(cv->mem, cv_quad_cb, cv->q) != CV_SUCCESS ||
        CVodeQuadSStolerances(cv->mem, rtol, atol) != CV_SUCCESS ||
        CVodeSetQuadErrCon(cv->mem, errcon ? SUNTRUE : SUNFALSE) != CV_SUCCESS)
        return -1;
    return 0;
}

/* ---- the forward problem of a model ------------------------------------------------------- */

/* the sensitivities' initial values: x0_θ (columns e_j), x0_θ u_j, or the caller's */
static int cv_sens_initial(cv_solver *cv)
{
    const int nx = cv->n, np = cv->np, ns = cv->ns;
    const cv_sens_system *sys = cv->sens_sys;
    model_ctx_count_into(cv->ctx, cv->counts);
    if (cv_custom_sens(sys)) {
        for (int j = 0; j < ns; j++) {
            cv->sens_out[j] = NV_DATA_S(cv->yS[j]);
            memset(cv->sens_out[j], 0, sizeof(double) * (size_t)nx);
        }
        return sys->init(sys->user, cv->ctx, cv->sens_out);
    }
    if (sys) {
        for (int j = 0; j < ns; j++)
            model_x0_jvp(cv->ctx, sys->directions + (size_t)j * (size_t)np,
                         NV_DATA_S(cv->yS[j]));
        return 0;
    }
    double *S0 = malloc(sizeof(double) * (size_t)nx * (size_t)np);
    if (!S0)
        return -1;
    model_x0_jac(cv->ctx, S0);   /* nx×np row-major: column j is s_j(t0) */
    for (int j = 0; j < np; j++)
        for (int i = 0; i < nx; i++)
            NV_Ith_S(cv->yS[j], i) = S0[i * np + j];
    free(S0);
    return 0;
}

static int cv_sens_init(cv_solver *cv, const cv_forward_options *fo)
{
    const int ns = cv->ns;
    cv->yS = N_VCloneVectorArray(ns, cv->y);
    cv->workS = N_VCloneVectorArray(ns, cv->y);
    if (!cv->yS || !cv->workS || cv_sens_initial(cv) != 0)
        return -1;
    for (int j = 0; j < ns; j++)
        if (!cv_all_finite(NV_DATA_S(cv->yS[j]), cv->n))
            return -1;
    int ism = fo->sensitivities == CV_SENS_STAGGERED ? CV_STAGGERED : CV_SIMULTANEOUS;
    if (CVodeSensInit(cv->mem, ns, ism, cv_sens_cb, cv->yS) != CV_SUCCESS ||
        CVodeSensEEtolerances(cv->mem) != CV_SUCCESS ||
        CVodeSetSensErrCon(cv->mem, fo->sens_errcon ? SUNTRUE : SUNFALSE) != CV_SUCCESS)
        return -1;
    /* The running cost's sensitivities are integrated for forward-only passes.  A recorded
     * pass (checkpoints: a backward pass follows and delivers dG itself) leaves them out:
     * CVODES 6.4.1 stores error-controlled quadrature sensitivities in its checkpoints, and
     * the recomputation of checkpoint intervals during CVodeB then failed its error test
     * (CV_FWD_FAIL, h → 4e-9) on the sundials-hessian model at rtol 1e-10..1e-12, while the
     * same run without them succeeds. */
    if (cv->nq > 0 && cv->checkpoint_steps <= 0) {
        cv->qS = N_VCloneVectorArray(ns, cv->q);
        if (!cv->qS)
            return -1;
        for (int j = 0; j < ns; j++)
            NV_Ith_S(cv->qS[j], 0) = 0.0;
        if (CVodeQuadSensInit(cv->mem, cv_quad_sens_cb, cv->qS) != CV_SUCCESS ||
            CVodeQuadSensEEtolerances(cv->mem) != CV_SUCCESS ||
            CVodeSetQuadSensErrCon(cv->mem, SUNTRUE) != CV_SUCCESS)
            return -1;
    }
    return 0;
}

static cv_solver *cv_forward_create(model_ctx *ctx, const cv_settings *s,
                                    const cv_forward_options *fo, const cv_sens_system *sys,
                                    const cv_segment *seg, char *err, size_t errlen)
{
    cv_solver *cv = cv_alloc(s);
    if (!cv) {
        snprintf(err, errlen, "%s: out of memory", s->backend ? s->backend : "cvodes");
        return NULL;
    }
    const model *m = model_ctx_model(ctx);
    cv->ctx = ctx;
    cv->np = m->np;
    cv->ns = sys ? sys->ns : m->np;
    cv->sens_sys = sys;
    cv->t0 = seg ? seg->ta : m->t0;
    cv->tf = seg ? seg->tb : m->tf;
    cv->segment = seg != NULL;
    cv->obs_first = seg ? seg->obs_first : 0;
    cv->obs_end = seg ? seg->obs_end : model_nobs(ctx);
    cv->counts = fo->counts;
    cv->account = fo->account;
    cv->sens = sys && fo->sensitivities == CV_SENS_NONE ? CV_SENS_SIMULTANEOUS
                                                         : fo->sensitivities;
    cv->checkpoint_steps = fo->checkpoint_steps;
    cv->interp = fo->interp;
    const int wide = cv->ns > m->np ? cv->ns : m->np;
    double *x0 = malloc(sizeof(double) * (size_t)m->nx);
    cv->unit = calloc((size_t)(m->np ? m->np : 1), sizeof(double));
    cv->gx = calloc((size_t)m->nx, sizeof(double));
    cv->gth = calloc((size_t)(m->np ? m->np : 1), sizeof(double));
    cv->columns = calloc((size_t)(wide ? wide : 1), sizeof *cv->columns);
    cv->sens_out = calloc((size_t)(cv->ns ? cv->ns : 1), sizeof *cv->sens_out);
    cv->sens_q = calloc((size_t)(cv->ns ? cv->ns : 1), sizeof *cv->sens_q);
    if (!x0 || !cv->unit || !cv->gx || !cv->gth || !cv->columns || !cv->sens_out ||
        !cv->sens_q) {
        free(x0);
        return cv_setup_failed(cv, "allocation", err, errlen);
    }
    model_ctx_count_into(ctx, cv->counts);
    if (seg && (cv->sens != CV_SENS_NONE || !(seg->tb > seg->ta))) {
        free(x0);
        snprintf(err, errlen, "%s: a segment needs tb > ta and no sensitivities", cv->backend);
        cv_free(cv);
        return NULL;
    }
    if (seg)
        memcpy(x0, seg->xa, sizeof(double) * (size_t)m->nx);
    else if (model_x0(ctx, x0) != 0 || !cv_all_finite(x0, m->nx)) {
        free(x0);
        snprintf(err, errlen, "%s: the initial state of condition %d could not be computed at "
                 "this theta", cv->backend, model_ctx_current_condition(ctx));
        cv_free(cv);
        return NULL;
    }
    cv_solver *ok = cv_core_init(cv, m->nx, cv->t0, x0, err, errlen);
    free(x0);
    if (!ok)
        return NULL;
    /* never step past tf: the model need not be defined beyond it */
    if (CVodeSetStopTime(cv->mem, cv->tf) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeSetStopTime", err, errlen);
    if (model_has_running_cost(ctx) &&
        cv_quad_init(cv, 1, NULL, s->rtol, s->atol, 1) != 0)
        return cv_setup_failed(cv, "the running-cost quadrature", err, errlen);
    if (cv->sens != CV_SENS_NONE && cv->ns > 0 && cv_sens_init(cv, fo) != 0)
        return cv_setup_failed(cv, "the forward sensitivities", err, errlen);
    if (cv->sens != CV_SENS_NONE && cv->ns == 0)
        cv->sens = CV_SENS_NONE;
    if (cv->checkpoint_steps > 0 &&
        CVodeAdjInit(cv->mem, cv->checkpoint_steps,
                     cv->interp == CV_INTERP_POLYNOMIAL ? CV_POLYNOMIAL : CV_HERMITE) != CV_SUCCESS)
        return cv_setup_failed(cv, "CVodeAdjInit", err, errlen);
    return cv;
}

cv_solver *cv_forward_new(model_ctx *ctx, const cv_settings *s, const cv_forward_options *fo,
                          char *err, size_t errlen)
{
    return cv_forward_create(ctx, s, fo, NULL, NULL, err, errlen);
}

cv_solver *cv_forward_new_segment(model_ctx *ctx, const cv_settings *s,
                                  const cv_forward_options *fo, const cv_segment *seg,
                                  char *err, size_t errlen)
{
    return cv_forward_create(ctx, s, fo, NULL, seg, err, errlen);
}

cv_solver *cv_forward_new_sens(model_ctx *ctx, const cv_settings *s, const cv_forward_options *fo,
                               const cv_sens_system *sys, char *err, size_t errlen)
{
    return cv_forward_create(ctx, s, fo, sys, NULL, err, errlen);
}

int cv_obs_ignore(void *user, int k, double t, const double *x, const double *const *S)
{
    (void)user;
    (void)k;
    (void)t;
    (void)x;
    (void)S;
    return 0;
}

/* Report observation k from the step just taken (or from the initial values at t0). */
static int cv_harvest(cv_solver *cv, int k, double t, int at_start, cv_obs_fn at_obs,
                      void *user, char *err, size_t errlen)
{
    N_Vector x = cv->y;
    N_Vector *S = cv->yS;
    if (!at_start) {
        int flag = CVodeGetDky(cv->mem, t, 0, cv->work);
        if (flag == CV_SUCCESS && cv->sens != CV_SENS_NONE)
            flag = CVodeGetSensDky(cv->mem, t, 0, cv->workS);
        if (flag != CV_SUCCESS)
            return cv_fail(cv, flag, "interpolation at an observation time", t, err, errlen);
        x = cv->work;
        S = cv->workS;
    }
    if (cv->sens != CV_SENS_NONE)
        for (int j = 0; j < cv->ns; j++)
            cv->columns[j] = NV_DATA_S(S[j]);
    if (at_obs(user, k, t, NV_DATA_S(x), cv->sens != CV_SENS_NONE ? cv->columns : NULL) != 0)
        return -1;
    return 0;
}

/* Charge the adjoint storage to the account as it grows (an upper bound: every checkpoint at
 * the maximum order), so that a memory cap stops the run before CVODES allocates past it. */
static int cv_charge_checkpoints(cv_solver *cv, double t, char *err, size_t errlen)
{
    if (cv->checkpoint_steps <= 0 || !cv->account)
        return 0;
    const size_t bound = cv_checkpoint_charge_bound(cv);
    if (bound <= cv->charged)
        return 0;
    if (mem_charge(cv->account, bound - cv->charged) != 0) {
        snprintf(err, errlen, "%s: the checkpoints and interpolation data would exceed the "
                 "memory cap of %zu bytes at t = %.9g; raise the cap or the checkpoint "
                 "spacing nd (fewer checkpoints), or lower nd (fewer interpolation points)",
                 cv->backend, cv->account->cap, t);
        return -1;
    }
    cv->charged = bound;
    return 0;
}

/* Cross the breakpoints at time t (the solver has stopped there): the state and the
 * sensitivities jump (model_break_cross: x⁺ = g(x⁻), s⁺ = g_x s⁻ + g_θ + (g_x f⁻ − f⁺)∇t_eᵀ)
 * and CVODES restarts from them at order 1, since its history belongs to the old phase. */
static int cv_cross_breaks(cv_solver *cv, double t, const double *tb, int nb, int *b, char *err,
                           size_t errlen)
{
    int flag = CV_SUCCESS;
    if (cv->sens != CV_SENS_NONE) {
        flag = CVodeGetSensDky(cv->mem, t, 0, cv->yS);
        for (int j = 0; j < cv->ns; j++)
            cv->sens_out[j] = NV_DATA_S(cv->yS[j]);
    }
    if (flag != CV_SUCCESS)
        return cv_fail(cv, flag, "the sensitivities at a breakpoint", t, err, errlen);
    for (; *b < nb && tb[*b] <= t; (*b)++)
        model_break_cross(cv->ctx, *b, NV_DATA_S(cv->y),
                          cv->sens != CV_SENS_NONE ? cv->sens_out : NULL);
    if (!cv_all_finite(NV_DATA_S(cv->y), cv->n))
        return cv_fail(cv, CV_ILL_INPUT, "the state jump at a breakpoint", t, err, errlen);
    long nst = 0;
    CVodeGetNumSteps(cv->mem, &nst);
    cv->steps_before += nst;
    flag = CVodeReInit(cv->mem, t, cv->y);
    if (flag == CV_SUCCESS && cv->sens != CV_SENS_NONE)
        flag = CVodeSensReInit(cv->mem, cv->sens == CV_SENS_STAGGERED ? CV_STAGGERED
                                                                      : CV_SIMULTANEOUS, cv->yS);
    if (flag == CV_SUCCESS)
        flag = CVodeSetStopTime(cv->mem, *b < nb ? tb[*b] : cv->tf);
    if (flag != CV_SUCCESS)
        return cv_fail(cv, flag, "the restart at a breakpoint", t, err, errlen);
    cv->break_stops++;
    return 0;
}

int cv_forward_run(cv_solver *cv, cv_obs_fn at_obs, void *user, char *err, size_t errlen)
{
    const int nobs = cv->obs_end;
    const double *times = model_obs_times(cv->ctx);
    const double *tb = NULL;
    const int nb = cv->segment ? 0 : model_breaks(cv->ctx, &tb);
    int k = cv->obs_first, b = 0;
    cv_message_clear(cv);
    model_ctx_count_into(cv->ctx, cv->counts);
    if (nb > 0 && (cv->checkpoint_steps > 0 || cv->sens_sys || cv->nq > 0)) {
        snprintf(err, errlen, "%s: time breakpoints (events, piecewise in time) are supported "
                 "only by plain forward solves and forward sensitivities", cv->backend);
        return -1;
    }
    if (nb > 0 && CVodeSetStopTime(cv->mem, tb[0]) != CV_SUCCESS)
        return cv_fail(cv, CV_ILL_INPUT, "setting the stop time at a breakpoint", cv->t0, err,
                       errlen);
    /* a data point at t0 sees the initial values themselves */
    for (; k < nobs && times[k] <= cv->t0; k++)
        if (cv_harvest(cv, k, times[k], 1, at_obs, user, err, errlen) != 0)
            return -1;
    double tret = cv->t0;
    long steps = 0;
    /* the interpolation buffer (nd + 1 points) is allocated at the first step */
    if (cv_charge_checkpoints(cv, tret, err, errlen) != 0)
        return -1;
    for (;;) {
        int flag;
        if (cv->checkpoint_steps > 0)
            flag = CVodeF(cv->mem, cv->tf, cv->y, &tret, CV_ONE_STEP, &cv->ncheck);
        else
            flag = CVode(cv->mem, cv->tf, cv->y, &tret, CV_ONE_STEP);
        if (flag < 0) {
            sunrealtype reached = tret;
            CVodeGetCurrentTime(cv->mem, &reached);
            return cv_fail(cv, flag, "forward integration", reached, err, errlen);
        }
        /* the solver stops at the next breakpoint: an observation there waits for the jump */
        const double tstop = b < nb ? tb[b] : cv->tf;
        for (; k < nobs && times[k] <= tret && (b == nb || times[k] < tstop); k++)
            if (cv_harvest(cv, k, times[k], 0, at_obs, user, err, errlen) != 0)
                return -1;
        if (b < nb && (flag == CV_TSTOP_RETURN || tret >= tstop)) {
            if (tret != tstop)
                return cv_fail(cv, CV_ILL_INPUT, "stopping at a breakpoint", tret, err, errlen);
            if (cv_cross_breaks(cv, tstop, tb, nb, &b, err, errlen) != 0)
                return -1;
            for (; k < nobs && times[k] <= tstop; k++)
                if (cv_harvest(cv, k, times[k], 1, at_obs, user, err, errlen) != 0)
                    return -1;
            if (tstop >= cv->tf)
                break;
            continue;
        }
        /* CVODES counts its step limit per call, and each call here is one step: the limit of
         * the whole integration is ours to enforce */
        if (++steps >= cv->settings.max_steps && flag != CV_TSTOP_RETURN && tret < cv->tf) {
            snprintf(cv->msg.text, sizeof cv->msg.text, "%ld steps taken before reaching "
                     "tf = %.9g", steps, cv->tf);
            return cv_fail(cv, CV_TOO_MUCH_WORK, "forward integration", tret, err, errlen);
        }
        if (cv_charge_checkpoints(cv, tret, err, errlen) != 0)
            return -1;
        if (flag == CV_TSTOP_RETURN || tret >= cv->tf)
            break;
    }
    for (; k < nobs; k++)   /* only reachable if an observation lies beyond tf */
        if (cv_harvest(cv, k, times[k], 0, at_obs, user, err, errlen) != 0)
            return -1;
    return 0;
}

long cv_break_stops(const cv_solver *cv)
{
    return cv->break_stops;
}

void cv_forward_running(cv_solver *cv, double *G, double *dG)
{
    *G = 0.0;
    if (dG)
        memset(dG, 0, sizeof(double) * (size_t)(cv->sens != CV_SENS_NONE ? cv->ns : cv->np));
    if (cv->nq == 0)
        return;
    sunrealtype t = cv->tf;
    /* read at tf by interpolation, not through CVodeGetQuad (stale time, G1) */
    if (CVodeGetQuadDky(cv->mem, cv->tf, 0, cv->q) == CV_SUCCESS)
        *G = NV_Ith_S(cv->q, 0);
    else if (CVodeGetQuad(cv->mem, &t, cv->q) == CV_SUCCESS)
        *G = NV_Ith_S(cv->q, 0);
    if (dG && cv->qS && CVodeGetQuadSensDky(cv->mem, cv->tf, 0, cv->qS) == CV_SUCCESS)
        for (int j = 0; j < cv->ns; j++)
            dG[j] = NV_Ith_S(cv->qS[j], 0);
}

double cv_forward_tf(const cv_solver *cv)
{
    return cv->tf;
}

void cv_forward_final_state(const cv_solver *cv, double *x)
{
    memcpy(x, NV_DATA_S(cv->y), sizeof(double) * (size_t)cv->n);
}

long cv_steps(cv_solver *cv)
{
    long nst = 0;
    CVodeGetNumSteps(cv->mem, &nst);
    return nst + cv->steps_before;   /* CVodeReInit at a breakpoint resets CVODES's count */
}

size_t cv_workspace_bytes(cv_solver *cv)
{
    return cv_mem_workspace_bytes(cv->mem) + cv_krylov_workspace_bytes(cv) +
           (cv->attached ? cv->attached->workspace_bytes(cv) : 0);
}

/* ---- the loss from plain forward solves ------------------------------------------------- */

typedef struct {
    model_ctx *ctx;
    double sum;
} cv_loss_sum;

static int cv_loss_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    cv_loss_sum *acc = user;
    (void)t;
    (void)S;
    acc->sum += model_loss_term(acc->ctx, k, x);
    return 0;
}

int cv_loss(model_ctx *ctx, const cv_settings *s, eval_counts *counts, double *loss,
            long *steps, size_t *bytes, char *err, size_t errlen)
{
    const model *m = model_ctx_model(ctx);
    cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, counts, NULL};
    cv_loss_sum acc = {ctx, 0.0};
    if (steps)
        *steps = 0;
    if (bytes)
        *bytes = 0;
    for (int k = 0; k < m->ncond; k++) {
        model_ctx_condition(ctx, k);
        cv_solver *cv = cv_forward_new(ctx, s, &fo, err, errlen);
        if (!cv)
            return -1;
        if (cv_forward_run(cv, cv_loss_at_obs, &acc, err, errlen) != 0) {
            cv_free(cv);
            return -1;
        }
        double G;
        cv_forward_running(cv, &G, NULL);
        acc.sum += G;
        if (steps)
            *steps += cv_steps(cv);
        if (bytes && cv_workspace_bytes(cv) > *bytes)
            *bytes = cv_workspace_bytes(cv);
        cv_free(cv);
    }
    *loss = acc.sum;
    return 0;
}

/* ---- freeing, in the order CVODES requires ------------------------------------------------ */

void cv_free(cv_solver *cv)
{
    if (!cv)
        return;
    if (cv->mem)
        CVodeFree(&cv->mem);   /* also frees the backward problems' CVODES memory */
    if (cv->attached)          /* what CVodeFree did not free of the backward problem */
        cv->attached->release(cv);
    if (cv->account)
        mem_release(cv->account, cv->charged);
    if (cv->LS)
        SUNLinSolFree(cv->LS);
    if (cv->A)
        SUNMatDestroy(cv->A);
    cv_krylov_release(cv->kry);
    cv_krylov_release(cv->kry_adj);
    if (cv->yS)
        N_VDestroyVectorArray(cv->yS, cv->ns);
    if (cv->workS)
        N_VDestroyVectorArray(cv->workS, cv->ns);
    if (cv->qS)
        N_VDestroyVectorArray(cv->qS, cv->ns);
    if (cv->q)
        N_VDestroy(cv->q);
    if (cv->work)
        N_VDestroy(cv->work);
    if (cv->y)
        N_VDestroy(cv->y);
    if (cv->sunctx)
        SUNContext_Free(&cv->sunctx);
    free(cv->unit);
    free(cv->jac);
    free(cv->gx);
    free(cv->gth);
    free(cv->columns);
    free(cv->sens_out);
    free(cv->sens_q);
    free(cv);
}
