/* opt_backend — a model's loss, through the registry's backends, as an optimiser's objective
 * (see opt_backend.h). */
#include "opt_backend.h"
#include "cvcommon.h"
#include "residuals.h"
#include "model_prior.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_counts(optb_objective *ob, const method_result *r)
{
    eval_counts_add(&ob->fwd, &r->fwd);
    eval_counts_add(&ob->bwd, &r->bwd);
    ob->steps += r->steps_fwd + r->steps_bwd;
}

/* Add the objective prior (model_prior.h) to L and, where given, to g and H: the objective
 * an optimiser sees is the data term plus the prior.  0, or -1 with a message (θ outside a
 * prior's support: a failed evaluation). */
static int add_prior(const optb_objective *ob, const double *theta, double *L, double *g,
                     double *H, char *err, size_t errlen)
{
    if (!ob->prior)
        return 0;
    const size_t np = (size_t)ob->m->np;
    double P;
    if (model_prior(ob->m, theta, &P, ob->prior_g, H ? ob->prior_H : NULL, err, errlen) != 0)
        return -1;
    *L += P;
    for (size_t i = 0; g && i < np; i++)
        g[i] += ob->prior_g[i];
    for (size_t i = 0; H && i < np * np; i++)
        H[i] += ob->prior_H[i];
    return 0;
}

static int optb_loss(void *user, const double *theta, double *L, char *err, size_t errlen)
{
    optb_objective *ob = user;
    method_result scratch;
    memset(&scratch, 0, sizeof scratch);
    cv_settings s;
    if (cvm_settings("loss", ob->m, &ob->grad_opts, 0, &s, &scratch) != METHOD_OK) {
        snprintf(err, errlen, "%s", scratch.error);
        return -1;
    }
    model_ctx *ctx = model_ctx_new(ob->m, theta, err, errlen);
    if (!ctx)
        return -1;
    long steps = 0;
    const int status = cv_loss(ctx, &s, &ob->fwd, L, &steps, NULL, err, errlen);
    ob->steps += steps;
    model_ctx_free(ctx);
    if (status == 0 && !isfinite(*L)) {
        snprintf(err, errlen, "the loss is %g", *L);
        return -1;
    }
    return status == 0 ? add_prior(ob, theta, L, NULL, NULL, err, errlen) : status;
}

static int optb_gradient(void *user, const double *theta, double *L, double *g, char *err,
                         size_t errlen)
{
    optb_objective *ob = user;
    method_result r;
    const method_status status = method_run(ob->gradient, ob->m, theta, &ob->grad_opts, &r);
    add_counts(ob, &r);
    if (status == METHOD_OK) {
        *L = r.loss;
        memcpy(g, r.gradient, sizeof(double) * (size_t)ob->m->np);
    } else {
        snprintf(err, errlen, "%s", r.error);
    }
    method_result_free(&r);
    if (status != METHOD_OK)
        return -1;
    return add_prior(ob, theta, L, g, NULL, err, errlen);
}

/* L, g and H from second-order backend `type` with options o */
static int second_order(optb_objective *ob, const method_type *type, const method_options *o,
                        const double *theta, double *L, double *g, double *H, char *err,
                        size_t errlen)
{
    const int np = ob->m->np;
    method_result r;
    method_status status = method_run(type, ob->m, theta, o, &r);
    add_counts(ob, &r);
    int has_gradient = 0;
    if (status == METHOD_OK) {
        *L = r.loss;
        memcpy(H, r.hessian, sizeof(double) * (size_t)np * (size_t)np);
        if (r.gradient) {
            has_gradient = 1;
            for (int i = 0; i < np && has_gradient; i++)
                has_gradient = isfinite(r.gradient[i]);
            if (has_gradient)
                memcpy(g, r.gradient, sizeof(double) * (size_t)np);
        }
    } else {
        snprintf(err, errlen, "%s", r.error);
    }
    method_result_free(&r);
    if (status != METHOD_OK)
        return -1;
    if (!has_gradient) {
        if (!ob->gradient) {
            snprintf(err, errlen, "backend %s gave no gradient and no gradient backend is set",
                     type->name);
            return -1;
        }
        double Lg;
        /* optb_gradient adds the prior to its own g: take it out again before adding it
         * once to L, g and H together below */
        if (optb_gradient(ob, theta, &Lg, g, err, errlen) != 0)
            return -1;
        for (int i = 0; ob->prior && i < np; i++)
            g[i] -= ob->prior_g[i];
    }
    return add_prior(ob, theta, L, g, H, err, errlen);
}

static int optb_hessian(void *user, const double *theta, double *L, double *g, double *H,
                        char *err, size_t errlen)
{
    optb_objective *ob = user;
    return second_order(ob, ob->hessian, &ob->hess_opts, theta, L, g, H, err, errlen);
}

static int optb_approx(void *user, const double *theta, double *L, double *g, double *H,
                       char *err, size_t errlen)
{
    optb_objective *ob = user;
    return second_order(ob, ob->approx, &ob->approx_opts, theta, L, g, H, err, errlen);
}

void optb_set_approx(optb_objective *ob, const method_type *approx, const method_options *o)
{
    ob->approx = approx;
    ob->approx_opts = *o;
    ob->approx_opts.want = WANT_HESSIAN;
    ob->approx_opts.nkv = 0;
}

/* f and J (nres × np) of the least-squares form (see opt_backend.h) */
static int optb_residuals(void *user, const double *theta, double *f, double *J, char *err,
                          size_t errlen)
{
    optb_objective *ob = user;
    const int np = ob->m->np, n = ob->ndata;
    residuals res;
    if (residuals_compute(ob->m, theta, &ob->grad_opts, J != NULL, &res, &ob->fwd, err,
                          errlen) != METHOD_OK)
        return -1;
    int status = 0;
    if (res.n != n) {
        snprintf(err, errlen, "the residuals have %d entries, the model %d data points", res.n, n);
        status = -1;
    }
    for (int i = 0; status == 0 && i < n; i++) {
        if (!ob->gaussian) {
            f[i] = M_SQRT2 * res.r[i];
            for (int j = 0; J && j < np; j++)
                J[(size_t)i * np + j] = M_SQRT2 * res.J[(size_t)i * np + j];
            continue;
        }
        f[i] = res.r[i];
        const double arg = 2.0 * log(res.sigma[i]) + OPTB_SIGMA_OFFSET;
        if (!(arg > 0.0)) {
            snprintf(err, errlen, "sigma = %g of data point %d is below the range of the "
                     "sigma-residual (exp(-%g/2))", res.sigma[i], i + 1, OPTB_SIGMA_OFFSET);
            status = -1;
            break;
        }
        const double s = sqrt(arg);
        f[n + i] = s;
        for (int j = 0; J && j < np; j++) {
            J[(size_t)i * np + j] = res.J[(size_t)i * np + j];
            /* ∂s/∂θ = σ_θ / (σ s) */
            J[(size_t)(n + i) * np + j] = res.dsigma[(size_t)i * np + j] / (res.sigma[i] * s);
        }
    }
    for (int i = 0; status == 0 && i < (ob->gaussian ? 2 * n : n); i++)
        if (!isfinite(f[i])) {
            snprintf(err, errlen, "residual %d is %g", i + 1, f[i]);
            status = -1;
        }
    residuals_free(&res);
    return status;
}

int optb_open(optb_objective *ob, const model *m, const method_options *o,
              const method_type *gradient, const method_type *hessian, int least_squares,
              char *err, size_t errlen)
{
    memset(ob, 0, sizeof *ob);
    ob->m = m;
    ob->gradient = gradient;
    ob->hessian = hessian;
    ob->hess_opts = *o;
    ob->hess_opts.want = WANT_HESSIAN;
    ob->grad_opts = *o;
    ob->grad_opts.want = WANT_GRADIENT;
    if (hessian)
        ob->grad_opts.nkv = 0;   /* the backend options belong to the Hessian backend */
    ob->ndata = model_count_data(m);
    ob->gaussian = m->loss == LOSS_GAUSSIAN_NLL;
    if (least_squares) {
        if (m->loss == LOSS_CUSTOM) {
            snprintf(err, errlen, "model %s has its own loss term (a transformed or "
                     "non-Gaussian likelihood), which has no least-squares form; gauss-newton "
                     "cannot fit it", m->name);
            return -1;
        }
        if (m->running_cost) {
            snprintf(err, errlen, "model %s has a running cost in its loss, which has no "
                     "least-squares form; gauss-newton cannot fit it", m->name);
            return -1;
        }
        if (model_has_prior(m)) {
            snprintf(err, errlen, "model %s has objective priors, which odegrad does not "
                     "write as residuals; gauss-newton cannot fit it (use newton-tr, trr, bfgs "
                     "or ipopt)", m->name);
            return -1;
        }
        if (ob->ndata < 1) {
            snprintf(err, errlen, "model %s has no data points to fit", m->name);
            return -1;
        }
        ob->least_squares = 1;
    }
    const int np = m->np;
    ob->lower = malloc(sizeof(double) * (size_t)(np > 0 ? np : 1));
    ob->upper = malloc(sizeof(double) * (size_t)(np > 0 ? np : 1));
    if (!ob->lower || !ob->upper) {
        optb_close(ob);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < np; i++) {
        ob->lower[i] = m->params[i].lower;
        ob->upper[i] = m->params[i].upper;
    }
    if (model_has_prior(m)) {
        ob->prior = 1;
        ob->prior_g = malloc(sizeof(double) * (size_t)np);
        ob->prior_H = malloc(sizeof(double) * (size_t)np * (size_t)np);
        if (!ob->prior_g || !ob->prior_H) {
            optb_close(ob);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

void optb_close(optb_objective *ob)
{
    free(ob->lower);
    free(ob->upper);
    free(ob->prior_g);
    free(ob->prior_H);
    ob->lower = ob->upper = NULL;
    ob->prior_g = ob->prior_H = NULL;
}

void optb_problem(optb_objective *ob, opt_problem *P)
{
    memset(P, 0, sizeof *P);
    P->np = ob->m->np;
    P->lower = ob->lower;
    P->upper = ob->upper;
    P->user = ob;
    P->loss = optb_loss;
    P->gradient = ob->gradient ? optb_gradient : NULL;
    P->hessian = ob->hessian ? optb_hessian : NULL;
    P->approx_hessian = ob->approx ? optb_approx : NULL;
    if (ob->least_squares) {
        P->residuals = optb_residuals;
        P->nres = ob->gaussian ? 2 * ob->ndata : ob->ndata;
        P->residual_offset = ob->gaussian
            ? 0.5 * ob->ndata * log(2.0 * M_PI) - 0.5 * ob->ndata * OPTB_SIGMA_OFFSET
            : 0.0;
    }
}
