/* residuals — the least-squares form of the loss, with its Jacobian from CVODES forward
 * sensitivities.  See residuals.h.
 *
 * At observation t_k of a condition, with s_j = ∂x(t_k)/∂θ_j from the forward sensitivities,
 * the observables' sensitivities are  ∂y/∂θ_j = h_x s_j + h_θ e_j  (one exact Jacobian–vector
 * product per parameter).  Then, per present data point,
 *   Gaussian:        r = (y − d)/σ,   ∂r/∂θ_j = (∂y/∂θ_j − r ∂σ/∂θ_j) / σ
 *   sum of squares:  r = √w (y − d),  ∂r/∂θ_j = √w ∂y/∂θ_j.
 * ∂σ/∂θ_j is σ_θ e_j: the model layer's σ product (model_sigma_jvp) takes the parameter
 * direction only, so a noise model whose σ depends on the state would need σ_x s_j as well —
 * none of the models does (σ is a parameter or a constant).
 * The loss is the model's own (the compiled loss terms, plus the running cost G if the model has
 * one — G has no residual form and is not among r). */
#include "residuals.h"
#include "cvcommon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what the observation callback needs */
typedef struct {
    model_ctx *ctx;
    const model *m;
    residuals *out;
    int want_jacobian;
    int next;            /* index of the next residual */
    double root_w;       /* √w (sum of squares) */
    double *y, *dy, *sigma, *dsigma, *unit;   /* ny, ny·np, ny, ny·np, np scratch */
    double loss;
} residuals_fill;

static int residuals_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    residuals_fill *f = user;
    const model *m = f->m;
    const int ny = m->ny, np = m->np;
    residuals *out = f->out;
    const double *d = model_data_row(f->ctx, k);
    f->loss += model_loss_term(f->ctx, k, x);
    model_observables(f->ctx, t, x, f->y);
    const int gaussian = model_sigma(f->ctx, t, x, f->sigma) == 0;
    if (f->want_jacobian)
        for (int j = 0; j < np; j++) {
            f->unit[j] = 1.0;
            /* column j of ∂y/∂θ and ∂σ/∂θ, stored observable-major (ny × np) */
            model_observables_jvp(f->ctx, t, x, S[j], f->unit, f->y + ny);
            for (int o = 0; o < ny; o++)
                f->dy[o * np + j] = f->y[ny + o];
            if (gaussian) {
                model_sigma_jvp(f->ctx, t, x, f->unit, f->y + ny);
                for (int o = 0; o < ny; o++)
                    f->dsigma[o * np + j] = f->y[ny + o];
            }
            f->unit[j] = 0.0;
        }
    for (int o = 0; o < ny; o++) {
        if (isnan(d[o]))
            continue;
        const int i = f->next++;
        const double diff = f->y[o] - d[o];
        out->r[i] = gaussian ? diff / f->sigma[o] : f->root_w * diff;
        if (gaussian)
            out->sigma[i] = f->sigma[o];
        if (!f->want_jacobian)
            continue;
        for (int j = 0; j < np; j++) {
            const double dyj = f->dy[o * np + j];
            out->dy[(size_t)i * np + j] = dyj;
            if (gaussian) {
                const double dsj = f->dsigma[o * np + j];
                out->dsigma[(size_t)i * np + j] = dsj;
                out->J[(size_t)i * np + j] = (dyj - out->r[i] * dsj) / f->sigma[o];
            } else {
                out->J[(size_t)i * np + j] = f->root_w * dyj;
            }
        }
    }
    return 0;
}

void residuals_free(residuals *res)
{
    if (!res)
        return;
    free(res->r);
    free(res->J);
    free(res->sigma);
    free(res->dsigma);
    free(res->dy);
    memset(res, 0, sizeof *res);
}

method_status residuals_compute(const model *m, const double *theta, const method_options *o,
                                int want_jacobian, residuals *out, eval_counts *counts,
                                char *err, size_t errlen)
{
    static const char name[] = "residuals";
    memset(out, 0, sizeof *out);
    method_result scratch;   /* carries cvcommon's messages */
    memset(&scratch, 0, sizeof scratch);
    cv_settings s;
    method_status status = cvm_settings(name, m, o, 0, &s, &scratch);
    if (status != METHOD_OK) {
        snprintf(err, errlen, "%s", scratch.error);
        return status;
    }
    if (m->loss == LOSS_CUSTOM) {
        snprintf(err, errlen, "model %s has its own loss term (a transformed or non-Gaussian "
                 "likelihood), which has no least-squares form", m->name);
        return METHOD_EUNSUPPORTED;
    }
    const int n = model_count_data(m), np = m->np, ny = m->ny;
    const int gaussian = m->loss == LOSS_GAUSSIAN_NLL;
    const size_t cells = (size_t)(n > 0 ? n : 1) * (size_t)(np > 0 ? np : 1);
    out->n = n;
    out->np = np;
    out->r = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
    if (want_jacobian) {
        out->J = calloc(cells, sizeof(double));
        out->dy = calloc(cells, sizeof(double));
    }
    if (gaussian) {
        out->sigma = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
        if (want_jacobian)
            out->dsigma = calloc(cells, sizeof(double));
    }
    residuals_fill f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.out = out;
    f.want_jacobian = want_jacobian && np > 0;
    f.root_w = sqrt(m->sse_weight);
    f.y = calloc((size_t)(2 * ny + 1), sizeof(double));
    f.dy = calloc((size_t)(ny + 1) * (size_t)(np + 1), sizeof(double));
    f.sigma = calloc((size_t)(ny + 1), sizeof(double));
    f.dsigma = calloc((size_t)(ny + 1) * (size_t)(np + 1), sizeof(double));
    f.unit = calloc((size_t)(np + 1), sizeof(double));
    if (!out->r || (want_jacobian && (!out->J || !out->dy)) || (gaussian && !out->sigma) ||
        (gaussian && want_jacobian && !out->dsigma) || !f.y || !f.dy || !f.sigma ||
        !f.dsigma || !f.unit) {
        snprintf(err, errlen, "%s: out of memory for %d residuals x %d parameters", name, n, np);
        status = METHOD_EMEMORY;
        goto done;
    }
    f.ctx = model_ctx_new(m, theta, err, errlen);
    if (!f.ctx) {
        status = METHOD_EINPUT;
        goto done;
    }
    const cv_forward_options fo = {f.want_jacobian ? CV_SENS_SIMULTANEOUS : CV_SENS_NONE, 1, 0,
                                   CV_INTERP_HERMITE, counts, NULL};
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(f.ctx, k);
        model_ctx_count_into(f.ctx, counts);
        cv_solver *cv = cv_forward_new(f.ctx, &s, &fo, err, errlen);
        if (!cv) {
            status = METHOD_ESOLVER;
            break;
        }
        if (cv_forward_run(cv, residuals_at_obs, &f, err, errlen) != 0) {
            status = METHOD_ESOLVER;
        } else {
            double G;
            cv_forward_running(cv, &G, NULL);
            f.loss += G;
        }
        cv_free(cv);
    }
    out->loss = f.loss;
done:
    model_ctx_free(f.ctx);
    free(f.y);
    free(f.dy);
    free(f.sigma);
    free(f.dsigma);
    free(f.unit);
    if (status != METHOD_OK)
        residuals_free(out);
    return status;
}
