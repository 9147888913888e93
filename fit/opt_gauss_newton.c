/* opt_gauss_newton — trust-region Gauss–Newton / Levenberg–Marquardt on the least-squares
 * form L = ½‖f‖² + offset, through GSL's gsl_multifit_nlinear (the analogue of MATLAB's
 * lsqnonlin): the trust-region driver with the Levenberg–Marquardt subproblem, QR linear
 * solves, geodesic acceleration off.  The curvature model is J_zᵀJ_z (no second derivatives
 * of f), built from J_z = J_θ·diag(θ'(z)).  No diagonal scaling (D = I, GSL's "levenberg"):
 * z already measures every parameter in the same units (its box is [−π/2, π/2]), whereas
 * Moré's column-norm scaling lets the step grow without bound along a parameter the
 * residuals hardly see — and z is periodic, so such a step throws that parameter anywhere.
 *
 * GSL's iterate() returns after each accepted step (it retries rejected ones itself, and
 * gives up with GSL_ENOPROG after 15 in a row: "stalled").  The stopping tests are opt.h's,
 * applied here after each accepted step with g = J_zᵀf.  GSL accepts any step that
 * decreases ‖f‖ (ρ > 0).
 *
 * Every trial point is evaluated with its Jacobian (one forward-sensitivity solve), which
 * GSL's request for the Jacobian of an accepted point then finds ready: an accepted step
 * costs one solve instead of two, and a point where the sensitivities fail is never
 * accepted.  A trial point where the residuals or their Jacobian cannot be evaluated gets a
 * residual vector longer than the current one, so that GSL rejects the step and shrinks its
 * region. */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

typedef struct {
    opt_space *S;
    int n, nres;
    double *z, *f, *jz;      /* contiguous copies for the callbacks */
    double *zj;              /* the point whose Jacobian jz holds */
    int has_jacobian;
    double fnorm;            /* ‖f‖ at the current point: a failed trial gets a longer f */
    int started;             /* failures at the start are fatal, later ones reject a step */
    char trial_failure[200];
} gn_state;

static void copy_in(gn_state *st, const gsl_vector *x)
{
    for (int i = 0; i < st->n; i++)
        st->z[i] = gsl_vector_get(x, (size_t)i);
}

/* f and J at st->z into st->f, st->jz; 0, or -1 on failure */
static int evaluate(gn_state *st)
{
    st->has_jacobian = 0;
    if (opt_space_residuals(st->S, st->z, st->f, st->jz) != 0)
        return -1;
    memcpy(st->zj, st->z, sizeof(double) * (size_t)st->n);
    st->has_jacobian = 1;
    return 0;
}

static int gn_f(const gsl_vector *x, void *params, gsl_vector *f)
{
    gn_state *st = params;
    copy_in(st, x);
    if (evaluate(st) != 0) {
        if (!st->started)
            return GSL_EBADFUNC;
        snprintf(st->trial_failure, sizeof st->trial_failure, "%.199s", st->S->error);
        const double wall = (2.0 * st->fnorm + 1.0) / sqrt((double)st->nres);
        gsl_vector_set_all(f, wall);
        return GSL_SUCCESS;
    }
    for (int k = 0; k < st->nres; k++)
        gsl_vector_set(f, (size_t)k, st->f[k]);
    return GSL_SUCCESS;
}

static int gn_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
    gn_state *st = params;
    copy_in(st, x);
    const int cached =
        st->has_jacobian && memcmp(st->zj, st->z, sizeof(double) * (size_t)st->n) == 0;
    if (!cached && evaluate(st) != 0)
        return GSL_EBADFUNC;
    for (int k = 0; k < st->nres; k++)
        for (int i = 0; i < st->n; i++)
            gsl_matrix_set(J, (size_t)k, (size_t)i, st->jz[(size_t)k * (size_t)st->n + (size_t)i]);
    return GSL_SUCCESS;
}

static double objective(const gsl_multifit_nlinear_workspace *w, double offset)
{
    const double norm = gsl_blas_dnrm2(w->f);
    return 0.5 * norm * norm + offset;
}

static void gauss_newton_run(opt_space *S, const double *z0, const opt_settings *s, double *z,
                             opt_result *r)
{
    const int n = S->n, nres = S->problem->nres;
    const double offset = S->problem->residual_offset;
    gn_state st;
    memset(&st, 0, sizeof st);
    st.S = S;
    st.n = n;
    st.nres = nres;
    st.z = malloc(sizeof(double) * (size_t)n);
    st.zj = malloc(sizeof(double) * (size_t)n);
    st.f = malloc(sizeof(double) * (size_t)nres);
    st.jz = malloc(sizeof(double) * (size_t)nres * (size_t)n);
    double *z_old = malloc(sizeof(double) * (size_t)n), *g = malloc(sizeof(double) * (size_t)n);
    memcpy(z, z0, sizeof(double) * (size_t)n);
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    params.trs = gsl_multifit_nlinear_trs_lm;
    params.scale = gsl_multifit_nlinear_scale_levenberg;
    params.solver = gsl_multifit_nlinear_solver_qr;
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, (size_t)nres, (size_t)n);
    if (!st.z || !st.zj || !st.f || !st.jz || !z_old || !g || !w) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "gauss-newton: out of memory");
        goto done;
    }
    gsl_multifit_nlinear_fdf fdf;
    memset(&fdf, 0, sizeof fdf);
    fdf.f = gn_f;
    fdf.df = gn_df;
    fdf.fvv = NULL;
    fdf.n = (size_t)nres;
    fdf.p = (size_t)n;
    fdf.params = &st;
    gsl_vector_const_view x0 = gsl_vector_const_view_array(z0, (size_t)n);
    if (gsl_multifit_nlinear_init(&x0.vector, &fdf, w) != GSL_SUCCESS) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s", S->error);
        goto done;
    }
    st.started = 1;
    st.fnorm = gsl_blas_dnrm2(w->f);
    r->objective = objective(w, offset);
    for (int i = 0; i < n; i++)
        g[i] = gsl_vector_get(w->g, (size_t)i);
    if (opt_start_test(s, n, g, r))
        goto done;
    int small = 0;
    for (;;) {
        st.trial_failure[0] = '\0';
        const int status = gsl_multifit_nlinear_iterate(w);
        if (status == GSL_ENOPROG) {
            r->exit = OPT_STALLED;
            snprintf(r->message, sizeof r->message, "stalled: no acceptable step in GSL's 15 "
                     "tries%s%.150s", st.trial_failure[0] ? "; last failure: " : "",
                     st.trial_failure);
            break;
        }
        if (status != GSL_SUCCESS) {
            /* the Jacobian at an accepted trial point failed; GSL keeps the previous point
             * (w->x, w->f), which is where the run ends */
            r->exit = OPT_FAILED;
            snprintf(r->message, sizeof r->message, "failed after %d iterations (Jacobian at "
                     "the next point): %.180s", r->iterations,
                     S->error[0] ? S->error : gsl_strerror(status));
            break;
        }
        const double L_old = r->objective;
        r->objective = objective(w, offset);
        st.fnorm = gsl_blas_dnrm2(w->f);
        r->iterations++;
        memcpy(z_old, z, sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) {
            z[i] = gsl_vector_get(w->x, (size_t)i);
            g[i] = gsl_vector_get(w->g, (size_t)i);
        }
        if (s->on_iterate)
            s->on_iterate(s->user, r->iterations, r->objective);
        if (opt_stop_test(S, s, z_old, z, L_old, r->objective, g, &small, r))
            break;
    }
done:
    gsl_set_error_handler(previous);
    if (w)
        gsl_multifit_nlinear_free(w);
    free(st.z);
    free(st.zj);
    free(st.f);
    free(st.jz);
    free(z_old);
    free(g);
}

const opt_type opt_gauss_newton = {
    "gauss-newton", "trust-region Gauss-Newton / Levenberg-Marquardt on residuals (GSL multifit_nlinear)",
    OPT_NEEDS_RESIDUALS, gauss_newton_run
};
