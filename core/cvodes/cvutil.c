/* cvutil — what every file of the CVODES wrapper uses and that needs nothing of the others:
 * CVODES failures as one line, finite checks, filling a dense matrix, and the bytes of a
 * CVODES memory's workspace.  The bottom of the wrapper's files (cvwrap_impl.h lists who
 * calls whom), so that none of them calls back into another. */
#include "cvwrap_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int cv_all_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

void cv_enable_fused(N_Vector v)
{
    /* the serial vector cannot fail this (it only sets its function table) */
    (void)N_VEnableFusedOps_Serial(v, SUNTRUE);
}

void cv_dense_fill(SUNMatrix A, const double *J, int n, int transpose, double scale)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            SM_ELEMENT_D(A, i, j) = scale * (transpose ? J[j * n + i] : J[i * n + j]);
}

void cv_message_clear(cv_solver *cv)
{
    cv->msg.text[0] = '\0';
}

/* what a user can do about a failure */
static const char *cv_hint(int flag)
{
    switch (flag) {
    case CV_TOO_MUCH_WORK:
        return "raise --max-steps or loosen the tolerances";
    case CV_TOO_MUCH_ACC:
        return "loosen the tolerances";
    case CV_ERR_FAILURE:
    case CV_CONV_FAILURE:
    case CV_LSETUP_FAIL:
    case CV_LSOLVE_FAIL:
        return "too stiff or ill-conditioned here for this solver";
    case CV_RHSFUNC_FAIL:
    case CV_FIRST_RHSFUNC_ERR:
    case CV_REPTD_RHSFUNC_ERR:
    case CV_UNREC_RHSFUNC_ERR:
    case CV_QRHSFUNC_FAIL:
    case CV_FIRST_QRHSFUNC_ERR:
    case CV_REPTD_QRHSFUNC_ERR:
    case CV_SRHSFUNC_FAIL:
    case CV_FIRST_SRHSFUNC_ERR:
    case CV_REPTD_SRHSFUNC_ERR:
    case CV_QSRHSFUNC_FAIL:
    case CV_REPTD_QSRHSFUNC_ERR:
        return "the right-hand side became non-finite";
    case CV_MEM_FAIL:
        return "out of memory";
    default:
        return "see the CVODES message";
    }
}

int cv_fail(cv_solver *cv, int flag, const char *phase, double t, char *err, size_t errlen)
{
    char *name = CVodeGetReturnFlagName(flag);   /* malloc'd by CVODES */
    if (err && errlen)
        snprintf(err, errlen, "%s: %s failed at t = %.9g (%s): %s; %s", cv->backend, phase, t,
                 name ? name : "unknown flag", cv->msg.text[0] ? cv->msg.text : "no message",
                 cv_hint(flag));
    free(name);
    return -1;
}

size_t cv_mem_workspace_bytes(void *mem)
{
    long lenrw = 0, leniw = 0, lenrwLS = 0, leniwLS = 0;
    if (!mem)
        return 0;
    CVodeGetWorkSpace(mem, &lenrw, &leniw);
    CVodeGetLinWorkSpace(mem, &lenrwLS, &leniwLS);
    return (size_t)lenrw * sizeof(sunrealtype) + (size_t)leniw * sizeof(long) +
           (size_t)lenrwLS * sizeof(sunrealtype) + (size_t)leniwLS * sizeof(long);
}
