/* cvbwd — what the CVODES backward problems share, whatever they integrate (the first-order
 * adjoint λ, q of cvadj.c; the second-order [λ; μ_j], [q; q2_j] of cvsoadj.c): creation and
 * settings from the backward options, integration back to an earlier time, the restart after
 * the caller's jump at an observation time, and the steps counted across restarts (CVODES
 * counts from its last re-initialisation).  See cvwrap_impl.h. */
#include "cvwrap_impl.h"

#include <stdio.h>
#include <string.h>

int cv_bwd_create(cv_solver *cv, cv_bwd *B, const char *kind, const cv_backward_options *bo)
{
    B->kind = kind;
    /* the backward problem inherits the forward problem's error handler (CVodeCreateB) */
    if (CVodeCreateB(cv->mem, bo->family == CV_FAMILY_ADAMS ? CV_ADAMS : CV_BDF, &B->which) !=
        CV_SUCCESS)
        return -1;
    B->active = 1;
    return 0;
}

int cv_bwd_settings(cv_solver *cv, cv_bwd *B, const cv_backward_options *bo)
{
    return CVodeSStolerancesB(cv->mem, B->which, bo->rtol, bo->atol) == CV_SUCCESS &&
                   CVodeSetUserDataB(cv->mem, B->which, cv) == CV_SUCCESS &&
                   CVodeSetMaxNumStepsB(cv->mem, B->which, bo->max_steps) == CV_SUCCESS
               ? 0
               : -1;
}

int cv_bwd_quad_settings(cv_solver *cv, cv_bwd *B, const cv_backward_options *bo)
{
    return CVodeQuadSStolerancesB(cv->mem, B->which, bo->rtol, bo->atol) == CV_SUCCESS &&
                   CVodeSetQuadErrConB(cv->mem, B->which,
                                       bo->quad_errcon ? SUNTRUE : SUNFALSE) == CV_SUCCESS
               ? 0
               : -1;
}

int cv_bwd_setup_failed(cv_solver *cv, const char *kind, const char *what, char *err,
                        size_t errlen)
{
    snprintf(err, errlen, "%s: setting up the %s problem failed at %s%s%s", cv->backend, kind,
             what, cv->msg.text[0] ? ": " : "", cv->msg.text);
    return -1;
}

int cv_bwd_to(cv_solver *cv, cv_bwd *B, double t, double *y, double *q, char *err,
              size_t errlen)
{
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
        snprintf(phase, sizeof phase, "%s integration", B->kind);
        return cv_fail(cv, flag, phase, reached, err, errlen);
    }
    memcpy(y, NV_DATA_S(B->y), sizeof(double) * (size_t)B->ny);
    if (q && B->nq > 0)
        memcpy(q, NV_DATA_S(B->q), sizeof(double) * (size_t)B->nq);
    return 0;
}

int cv_bwd_restart(cv_solver *cv, cv_bwd *B, double t, const double *y, const double *q,
                   char *err, size_t errlen)
{
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
        snprintf(phase, sizeof phase, "%s restart", B->kind);
        return cv_fail(cv, flag, phase, t, err, errlen);
    }
    return 0;
}

long cv_bwd_steps(cv_solver *cv, const cv_bwd *B)
{
    if (!B->active)
        return 0;
    long nst = 0;
    CVodeGetNumSteps(CVodeGetAdjCVodeBmem(cv->mem, B->which), &nst);
    return B->steps_before + nst;
}

size_t cv_bwd_workspace_bytes(cv_solver *cv, const cv_bwd *B)
{
    return B->active ? cv_mem_workspace_bytes(CVodeGetAdjCVodeBmem(cv->mem, B->which)) : 0;
}
