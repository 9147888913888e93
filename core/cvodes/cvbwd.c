/* cvbwd — the backward problem of a forward solve with checkpoints, whatever its kind: its life
 * cycle (creation and settings, integration back, restart after a jump, steps over restarts,
 * bytes, freeing) and the sweep over the observation times.  See cvbwd.h. */
#include "cvwrap_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<backend>: setting up the <kind> problem failed at <what>: <CVODES message>" */
static int bwd_setup_failed(cv_solver *cv, const cv_backward_kind *kind, const char *what,
                            char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: setting up the %s problem failed at %s%s%s", cv->backend,
             kind->name, what, cv->msg.text[0] ? ": " : "", cv->msg.text);
    return -1;
}

int cv_backward_sizes(const cv_solver *cv, const cv_backward_kind *kind, int *ny, int *nq,
                      char *err, size_t errlen)
{
    const char *why = NULL;
    if (cv->checkpoint_steps <= 0)
        why = "the start (no checkpointed forward pass)";
    else if (kind->sizes(cv, ny, nq, &why) == 0)
        return 0;
    snprintf(err, errlen, "%s: setting up the %s problem failed at %s", cv->backend, kind->name,
             why);
    return -1;
}

/* ---- what the solver record reaches without naming this file --------------------------- */

/* the CVODES workspace of the backward problem and its preconditioner */
static size_t bwd_workspace_bytes(cv_solver *cv)
{
    const cv_bwd *B = cv->bwd;
    return cv_mem_workspace_bytes(CVodeGetAdjCVodeBmem(cv->mem, B->which)) +
           cv_krylov_bytes(B->kry);
}

/* what CVodeFree does not own (called by cv_free after CVodeFree) */
static void bwd_release(cv_solver *cv)
{
    cv_bwd *B = cv->bwd;
    if (B->kind)
        B->kind->release(B);
    if (B->LS)
        SUNLinSolFree(B->LS);
    if (B->A)
        SUNMatDestroy(B->A);
    if (B->y)
        N_VDestroy(B->y);
    if (B->q)
        N_VDestroy(B->q);
    cv_krylov_release(B->kry);
    free(B);
    cv->bwd = NULL;
    cv->attached = NULL;
}

static const cv_attachment cv_bwd_attachment = {bwd_workspace_bytes, bwd_release};

/* ---- the life cycle ------------------------------------------------------------------------ */

int cv_bwd_settings(cv_bwd *B, const cv_backward_options *bo)
{
    void *mem = B->cv->mem;
    return CVodeSStolerancesB(mem, B->which, bo->rtol, bo->atol) == CV_SUCCESS &&
                   CVodeSetUserDataB(mem, B->which, B) == CV_SUCCESS &&
                   CVodeSetMaxNumStepsB(mem, B->which, bo->max_steps) == CV_SUCCESS
               ? 0
               : -1;
}

int cv_bwd_quad_settings(cv_bwd *B, const cv_backward_options *bo)
{
    void *mem = B->cv->mem;
    return CVodeQuadSStolerancesB(mem, B->which, bo->rtol, bo->atol) == CV_SUCCESS &&
                   CVodeSetQuadErrConB(mem, B->which,
                                       bo->quad_errcon ? SUNTRUE : SUNFALSE) == CV_SUCCESS
               ? 0
               : -1;
}

int cv_backward_begin(cv_solver *cv, const cv_backward_kind *kind, const cv_backward_options *bo,
                      double T, const double *y, char *err, size_t errlen)
{
    int ny, nq;
    if (cv->bwd)
        return bwd_setup_failed(cv, kind, "the start (a backward problem exists already)", err,
                                errlen);
    if (cv_backward_sizes(cv, kind, &ny, &nq, err, errlen) != 0)
        return -1;
    cv_message_clear(cv);
    cv_bwd *B = calloc(1, sizeof *B);
    if (!B)
        return bwd_setup_failed(cv, kind, "allocation", err, errlen);
    cv->bwd = B;
    cv->attached = &cv_bwd_attachment;
    B->cv = cv;
    B->ny = ny;
    B->nq = nq;
    B->counts = bo->counts;
    B->y = N_VNew_Serial(ny, cv->sunctx);
    B->q = nq > 0 ? N_VNew_Serial(nq, cv->sunctx) : NULL;
    if (!B->y || (nq > 0 && !B->q))
        return bwd_setup_failed(cv, kind, "allocation", err, errlen);
    cv_enable_fused(B->y);
    if (B->q)
        cv_enable_fused(B->q);
    memcpy(NV_DATA_S(B->y), y, sizeof(double) * (size_t)ny);
    if (B->q)
        N_VConst(0.0, B->q);
    /* the backward problem inherits the forward problem's error handler (CVodeCreateB) */
    if (CVodeCreateB(cv->mem, bo->family == CV_FAMILY_ADAMS ? CV_ADAMS : CV_BDF, &B->which) !=
        CV_SUCCESS)
        return bwd_setup_failed(cv, kind, "CVodeCreateB", err, errlen);
    B->kind = kind;   /* from here on its release frees what its init made */
    const char *failed = kind->init(B, bo, T);
    return failed ? bwd_setup_failed(cv, kind, failed, err, errlen) : 0;
}

/* the backward problem, or -1 with a message when there is none */
static cv_bwd *bwd_of(cv_solver *cv, const char *phase, char *err, size_t errlen)
{
    if (!cv->bwd)
        snprintf(err, errlen, "%s: %s without a backward problem", cv->backend, phase);
    return cv->bwd;
}

int cv_backward_to(cv_solver *cv, double t, double *y, double *q, char *err, size_t errlen)
{
    cv_bwd *B = bwd_of(cv, "backward integration", err, errlen);
    if (!B)
        return -1;
    sunrealtype tret = t;
    cv_message_clear(cv);
    int flag = CVodeB(cv->mem, t, CV_NORMAL);
    if (flag >= 0)
        flag = CVodeGetB(cv->mem, B->which, &tret, B->y);
    if (flag >= 0 && B->nq > 0)
        flag = CVodeGetQuadB(cv->mem, B->which, &tret, B->q);
    if (flag < 0) {
        char phase[64];
        sunrealtype reached = t;
        CVodeGetCurrentTime(CVodeGetAdjCVodeBmem(cv->mem, B->which), &reached);
        snprintf(phase, sizeof phase, "%s integration", B->kind->name);
        return cv_fail(cv, flag, phase, reached, err, errlen);
    }
    memcpy(y, NV_DATA_S(B->y), sizeof(double) * (size_t)B->ny);
    if (q && B->nq > 0)
        memcpy(q, NV_DATA_S(B->q), sizeof(double) * (size_t)B->nq);
    return 0;
}

int cv_backward_restart(cv_solver *cv, double t, const double *y, const double *q, char *err,
                        size_t errlen)
{
    cv_bwd *B = bwd_of(cv, "backward restart", err, errlen);
    if (!B)
        return -1;
    long nst = 0;
    CVodeGetNumSteps(CVodeGetAdjCVodeBmem(cv->mem, B->which), &nst);
    B->steps_before += nst;
    cv_message_clear(cv);
    memcpy(NV_DATA_S(B->y), y, sizeof(double) * (size_t)B->ny);
    int flag = CVodeReInitB(cv->mem, B->which, t, B->y);
    if (flag == CV_SUCCESS && B->nq > 0) {
        for (int j = 0; j < B->nq; j++)
            NV_Ith_S(B->q, j) = q ? q[j] : 0.0;
        flag = CVodeQuadReInitB(cv->mem, B->which, B->q);
    }
    if (flag != CV_SUCCESS) {
        char phase[64];
        snprintf(phase, sizeof phase, "%s restart", B->kind->name);
        return cv_fail(cv, flag, phase, t, err, errlen);
    }
    return 0;
}

long cv_backward_steps(cv_solver *cv)
{
    if (!cv->bwd)
        return 0;
    long nst = 0;
    CVodeGetNumSteps(CVodeGetAdjCVodeBmem(cv->mem, cv->bwd->which), &nst);
    return cv->bwd->steps_before + nst;
}

/* ---- the sweep over the observation times -------------------------------------------------- */

/* y += j_k, the jump of the backward state at observation k */
static void bwd_jump(double *y, const double *jumps, int ny, int k)
{
    const double *jk = jumps + (size_t)k * (size_t)ny;
    for (int i = 0; i < ny; i++)
        y[i] += jk[i];
}

static int bwd_sweep(cv_solver *cv, const cv_backward_kind *kind, const cv_backward_options *bo,
                     const double *jumps, const double *y_end, double *y, double *q, char *err,
                     size_t errlen)
{
    int ny, nq;
    if (cv_backward_sizes(cv, kind, &ny, &nq, err, errlen) != 0)
        return -1;
    const int first = cv->obs_first, nobs = cv->obs_end;
    const double *times = model_obs_times(cv->ctx);
    const double t0 = cv->t0;
    /* a segment before a breakpoint starts at its end, where the later adjoint enters */
    const double T = y_end || model_has_running_cost(cv->ctx) || nobs == first
                         ? cv->tf : times[nobs - 1];
    if (y_end)
        memcpy(y, y_end, sizeof(double) * (size_t)ny);
    else
        memset(y, 0, sizeof(double) * (size_t)ny);
    memset(q, 0, sizeof(double) * (size_t)nq);
    int k = nobs - 1;
    for (; k >= first && times[k] >= T; k--)   /* the jumps at T itself start the sweep */
        bwd_jump(y, jumps, ny, k);
    if (!(T > t0))
        return 0;
    if (cv_backward_begin(cv, kind, bo, T, y, err, errlen) != 0)
        return -1;
    for (;;) {
        const double t_next = k >= first ? times[k] : t0;
        if (cv_backward_to(cv, t_next, y, q, err, errlen) != 0)
            return -1;
        if (k < first)
            break;
        bwd_jump(y, jumps, ny, k);
        k--;
        if (t_next <= t0)   /* a data point at t0: its jump is the last */
            break;
        if (cv_backward_restart(cv, t_next, y, q, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int cv_backward_sweep(cv_solver *cv, const cv_backward_kind *kind, const cv_backward_options *bo,
                      const double *jumps, double *y, double *q, char *err, size_t errlen)
{
    return bwd_sweep(cv, kind, bo, jumps, NULL, y, q, err, errlen);
}

int cv_backward_sweep_segment(cv_solver *cv, const cv_backward_kind *kind,
                              const cv_backward_options *bo, const double *jumps,
                              const double *y_end, double *y, double *q, char *err,
                              size_t errlen)
{
    return bwd_sweep(cv, kind, bo, jumps, y_end, y, q, err, errlen);
}
