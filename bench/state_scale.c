/* state_scale — the smallest peak magnitude of a model's states (see state_scale.h). */
#include "state_scale.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cvcommon.h"

/* states whose peak stays below this fraction of the largest peak count as zero */
#define STATE_SCALE_FLOOR 1e-8

typedef struct {
    int nx;
    double *peak;   /* nx: max |x_i| seen so far */
} peak_record;

static void record(peak_record *p, const double *x)
{
    for (int i = 0; i < p->nx; i++)
        if (fabs(x[i]) > p->peak[i])
            p->peak[i] = fabs(x[i]);
}

static int at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    (void)k;
    (void)t;
    (void)S;
    record(user, x);
    return 0;
}

double state_scale(const model *m, const double *theta)
{
    method_options o;
    method_options_init(&o);   /* the model's own tolerances, CVODES BDF */
    method_result scratch;
    memset(&scratch, 0, sizeof scratch);
    cv_settings s;
    if (cvm_settings("solve", m, &o, 0, &s, &scratch) != METHOD_OK)
        return NAN;
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    peak_record p = { m->nx, calloc((size_t)(m->nx > 0 ? m->nx : 1), sizeof(double)) };
    double *x = malloc((size_t)(m->nx > 0 ? m->nx : 1) * sizeof *x);
    int ok = ctx && p.peak && x;
    const cv_forward_options fo = { CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, NULL, NULL };
    for (int k = 0; ok && k < m->ncond; k++) {
        model_ctx_condition(ctx, k);
        cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
        ok = cv && cv_forward_run(cv, at_obs, &p, err, sizeof err) == 0;
        if (ok) {
            cv_forward_final_state(cv, x);
            record(&p, x);
        }
        cv_free(cv);
    }
    double largest = 0, smallest = INFINITY;
    for (int i = 0; ok && i < m->nx; i++)
        largest = fmax(largest, p.peak[i]);
    for (int i = 0; ok && i < m->nx; i++)
        if (p.peak[i] >= STATE_SCALE_FLOOR * largest && p.peak[i] > 0)
            smallest = fmin(smallest, p.peak[i]);
    free(p.peak);
    free(x);
    model_ctx_free(ctx);
    return ok && largest > 0 && isfinite(smallest) ? smallest : NAN;
}
