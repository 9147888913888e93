/* odesys — the model adapter: model_ctx calls behind the odesys callbacks, with the running
 * cost appended as one more state when asked. */
#include "odesys.h"

#include <stdlib.h>
#include <string.h>

static int om_rhs(double t, const double *x, double *f, void *p)
{
    odesys_model_data *d = p;
    model_rhs(d->ctx, t, x, f);
    if (d->running)
        f[d->nx] = model_running(d->ctx, t, x);
    return 0;
}

static int om_jac(double t, const double *x, double *J, void *p)
{
    odesys_model_data *d = p;
    const int nx = d->nx;
    if (!d->running) {
        model_rhs_jac(d->ctx, t, x, J);
        return 0;
    }
    /* J̃ is (nx+1)×(nx+1): compute f_x into the scratch rows, then spread */
    const int n = nx + 1;
    double *fx = d->scratch + nx + d->np;
    model_rhs_jac(d->ctx, t, x, fx);
    memset(J, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int i = 0; i < nx; i++)
        memcpy(J + (size_t)i * n, fx + (size_t)i * nx, sizeof(double) * (size_t)nx);
    model_running_grad(d->ctx, t, x, J + (size_t)nx * n, NULL);
    return 0;
}

/* the running cost's part of the adjoint product, added to (gx, gth) */
static void om_running_vjp(odesys_model_data *d, double t, const double *x, const double *w,
                           double *gx, double *gth)
{
    const int nx = d->nx;
    gx[nx] = 0.0;
    const double wq = w[nx];
    if (wq != 0.0) {
        double *rx = d->scratch, *rth = d->scratch + nx;
        model_running_grad(d->ctx, t, x, rx, rth);
        for (int i = 0; i < nx; i++)
            gx[i] += wq * rx[i];
        for (int k = 0; k < d->np; k++)
            gth[k] += wq * rth[k];
    }
}

static int om_vjp_acc(double t, const double *x, const double *w, double *gx, double *gth,
                      void *p)
{
    odesys_model_data *d = p;
    if (!d->running) {
        model_rhs_vjp_acc(d->ctx, t, x, w, gx, gth);
        return 0;
    }
    /* f_θᵀw + w_q g_θ is summed first, then added: the order of om_vjp followed by a sum */
    double *g = d->scratch + d->nx + d->np + 1 + (size_t)d->nx * (size_t)d->nx;
    model_rhs_vjp(d->ctx, t, x, w, gx, g);
    om_running_vjp(d, t, x, w, gx, g);
    for (int k = 0; k < d->np; k++)
        gth[k] += g[k];
    return 0;
}

static int om_vjp(double t, const double *x, const double *w, double *gx, double *gth,
                  void *p)
{
    odesys_model_data *d = p;
    model_rhs_vjp(d->ctx, t, x, w, gx, gth);
    if (d->running)
        om_running_vjp(d, t, x, w, gx, gth);
    return 0;
}

static int om_vjp_jvp(double t, const double *x, const double *w, const double *v, double *gx,
                      double *gth, void *p)
{
    odesys_model_data *d = p;
    const int nx = d->nx;
    /* dgx = f_xᵀ dw + (wᵀf)_xx dx + …: with dw = 0 and u = 0 only the second-order terms */
    model_rhs_vjp_jvp(d->ctx, t, x, w, NULL, v, NULL, NULL, NULL, gx, gth);
    if (d->running) {
        gx[nx] = 0.0;
        const double wq = w[nx];
        if (wq != 0.0) {
            double *hx = d->scratch, *hth = d->scratch + nx;
            model_running_hvp(d->ctx, t, x, v, NULL, hx, hth);
            for (int i = 0; i < nx; i++)
                gx[i] += wq * hx[i];
            for (int k = 0; k < d->np; k++)
                gth[k] += wq * hth[k];
        }
    }
    return 0;
}

int odesys_model(odesys *sys, odesys_model_data *data, model_ctx *ctx, int with_running)
{
    const model *m = model_ctx_model(ctx);
    data->ctx = ctx;
    data->nx = m->nx;
    data->np = m->np;
    data->running = with_running && model_has_running_cost(ctx);
    /* nx + np for the running cost's gradients, nx² for f_x inside J̃, np for the summed
     * parameter product of om_vjp_acc */
    const size_t jac_part = data->running ? (size_t)m->nx * (size_t)m->nx + (size_t)m->np : 0;
    data->scratch = malloc(sizeof(double) * ((size_t)(m->nx + m->np + 1) + jac_part));
    if (!data->scratch)
        return -1;
    sys->n = m->nx + (data->running ? 1 : 0);
    sys->np = m->np;
    sys->ctx = data;
    sys->rhs = om_rhs;
    sys->jac = om_jac;
    sys->vjp = om_vjp;
    sys->vjp_acc = om_vjp_acc;
    sys->vjp_jvp = om_vjp_jvp;
    return 0;
}

void odesys_model_release(odesys_model_data *data)
{
    free(data->scratch);
    data->scratch = NULL;
}
