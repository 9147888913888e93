/* sofwdsys — the second-order forward sensitivity system (see sofwdsys.h). */
#include "sofwdsys.h"
#include "cvcommon.h"

#include <stdlib.h>
#include <string.h>

typedef struct sofwd_system sofwd_system;

struct sofwd_system {
    model_ctx *ctx;
    int nx, np, npair;      /* npair = np(np+1)/2 */
    int gauss_newton;       /* s_ij ≡ 0 */
    cv_sens_system sens;
    double *unit, *unit2;   /* np: e_i, e_j */
    double *hx, *hth;       /* np × nx, np × np: ∇²(·)(s_j, e_j), x and θ parts, per j */
    double *gx;             /* nx: ℓ_x or g_x */
    double *lth;            /* np */
    double *S0;             /* nx × np */
    double *dG;             /* np + npair: the running cost's gradient and Hessian */
    size_t bytes;
    double loss;
    double *gradient, *hessian;
};

/* index of the pair i ≤ j among the second-order sensitivities (after the np first-order) */
static int sofwd_pair(int np, int i, int j)
{
    if (i > j) {
        int k = i;
        i = j;
        j = k;
    }
    return np + i * np - i * (i - 1) / 2 + (j - i);
}

static int sofwd_init(void *user, model_ctx *ctx, double *const *S0)
{
    sofwd_system *st = user;
    const int nx = st->nx, np = st->np;
    model_x0_jac(ctx, st->S0);
    for (int j = 0; j < np; j++)
        for (int i = 0; i < nx; i++)
            S0[j][i] = st->S0[i * np + j];
    if (st->gauss_newton)
        return 0;   /* S0 comes zeroed */
    for (int i = 0; i < np; i++) {
        st->unit[i] = 1.0;
        for (int j = i; j < np; j++) {
            st->unit2[j] = 1.0;
            model_x0_hvv(ctx, st->unit, st->unit2, S0[sofwd_pair(np, i, j)]);
            st->unit2[j] = 0.0;
        }
        st->unit[i] = 0.0;
    }
    return 0;
}

static int sofwd_rhs(void *user, model_ctx *ctx, double t, const double *x,
                     const double *const *S, double *const *Sdot)
{
    sofwd_system *st = user;
    const int np = st->np;
    model_rhs_at(ctx, t, x, NULL);   /* the values once, then one tangent per s_j */
    for (int j = 0; j < np; j++) {
        st->unit[j] = 1.0;
        model_rhs_jvp_along(ctx, S[j], st->unit, Sdot[j]);
        st->unit[j] = 0.0;
    }
    if (st->gauss_newton) {
        for (int ij = np; ij < np + st->npair; ij++)
            memset(Sdot[ij], 0, sizeof(double) * (size_t)st->nx);
        return 0;
    }
    for (int i = 0; i < np; i++) {   /* at the same point: (s_i, e_i)'s tangent once per i */
        st->unit[i] = 1.0;
        model_rhs_hvv_first(ctx, S[i], st->unit);
        for (int j = i; j < np; j++) {
            const int ij = sofwd_pair(np, i, j);
            st->unit2[j] = 1.0;
            model_rhs_hvv_second(ctx, st->unit, S[j], st->unit2, S[ij], Sdot[ij]);
            st->unit2[j] = 0.0;
        }
        st->unit[i] = 0.0;
    }
    return 0;
}

/* ∇²F (s_j, e_j) for every j, F = ℓ_k (k ≥ 0) or the running cost g (k < 0) */
static void sofwd_second(sofwd_system *st, model_ctx *ctx, int k, double t, const double *x,
                         const double *const *S)
{
    const int nx = st->nx, np = st->np;
    for (int j = 0; j < np; j++) {
        st->unit[j] = 1.0;
        double *hx = st->hx + (size_t)j * (size_t)nx, *hth = st->hth + (size_t)j * (size_t)np;
        if (k >= 0)
            model_loss_term_hvp(ctx, k, x, S[j], st->unit, hx, hth);
        else
            model_running_hvp(ctx, t, x, S[j], st->unit, hx, hth);
        st->unit[j] = 0.0;
    }
}

/* (s_i, e_i)ᵀ ∇²F (s_j, e_j) + F_x s_ij, from sofwd_second's products and F_x in st->gx */
static double sofwd_entry(const sofwd_system *st, const double *const *S, int i, int j)
{
    const int nx = st->nx, np = st->np;
    const double *hx = st->hx + (size_t)j * (size_t)nx;
    const double *sij = S[sofwd_pair(np, i, j)];
    double h = st->hth[(size_t)j * (size_t)np + (size_t)i];
    for (int a = 0; a < nx; a++)
        h += S[i][a] * hx[a] + st->gx[a] * sij[a];
    return h;
}

/* the running cost's integrands: g_x s_j + g_θj, then every pair i ≤ j */
static int sofwd_quad(void *user, model_ctx *ctx, double t, const double *x,
                      const double *const *S, double *Qdot)
{
    sofwd_system *st = user;
    const int nx = st->nx, np = st->np;
    model_running_grad(ctx, t, x, st->gx, st->lth);
    for (int j = 0; j < np; j++) {
        double d = st->lth[j];
        for (int a = 0; a < nx; a++)
            d += st->gx[a] * S[j][a];
        Qdot[j] = d;
    }
    sofwd_second(st, ctx, -1, t, x, S);
    for (int i = 0; i < np; i++)
        for (int j = i; j < np; j++)
            Qdot[sofwd_pair(np, i, j)] = sofwd_entry(st, S, i, j);
    return 0;
}

static int sofwd_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    sofwd_system *st = user;
    const int nx = st->nx, np = st->np;
    st->loss += model_loss_term_grad(st->ctx, k, x, st->gx, st->lth);
    for (int j = 0; j < np; j++) {
        double d = st->lth[j];
        for (int a = 0; a < nx; a++)
            d += st->gx[a] * S[j][a];
        st->gradient[j] += d;
    }
    sofwd_second(st, st->ctx, k, t, x, S);
    for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++)
            st->hessian[i * np + j] += sofwd_entry(st, S, i, j);
    return 0;
}


static void sofwd_free(sofwd_system *st);

static sofwd_system *sofwd_new(model_ctx *ctx, int gauss_newton, double *gradient, double *hessian)
{
    const model *m = model_ctx_model(ctx);
    sofwd_system *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    const int nx = m->nx, np = m->np;
    st->ctx = ctx;
    st->nx = nx;
    st->np = np;
    st->npair = np * (np + 1) / 2;
    st->gauss_newton = gauss_newton;
    st->gradient = gradient;
    st->hessian = hessian;
    const size_t wnp = (size_t)np + 1;
    st->unit = calloc(wnp, sizeof(double));
    st->unit2 = calloc(wnp, sizeof(double));
    st->hx = calloc(wnp * (size_t)nx, sizeof(double));
    st->hth = calloc(wnp * wnp, sizeof(double));
    st->gx = calloc((size_t)nx, sizeof(double));
    st->lth = calloc(wnp, sizeof(double));
    st->S0 = calloc((size_t)nx * wnp, sizeof(double));
    st->dG = calloc(wnp + (size_t)st->npair, sizeof(double));
    st->bytes = sizeof *st + sizeof(double) * (3 * wnp + wnp * (size_t)nx * 2 + wnp * wnp +
                                               (size_t)nx + wnp + (size_t)st->npair);
    if (!st->unit || !st->unit2 || !st->hx || !st->hth || !st->gx || !st->lth || !st->S0 ||
        !st->dG) {
        sofwd_free(st);
        return NULL;
    }
    const cv_sens_system sens = {np + st->npair, NULL, sofwd_init, sofwd_rhs, sofwd_quad, st};
    st->sens = sens;
    return st;
}

static void sofwd_free(sofwd_system *st)
{
    if (!st)
        return;
    free(st->unit);
    free(st->unit2);
    free(st->hx);
    free(st->hth);
    free(st->gx);
    free(st->lth);
    free(st->S0);
    free(st->dG);
    free(st);
}

/* G and its gradient and Hessian from the quadrature sensitivities, added */
static void sofwd_add_running(sofwd_system *st, cv_solver *cv)
{
    const int np = st->np;
    double G;
    cv_forward_running(cv, &G, st->dG);
    st->loss += G;
    if (!model_has_running_cost(st->ctx))
        return;
    for (int i = 0; i < np; i++) {
        st->gradient[i] += st->dG[i];
        for (int j = 0; j < np; j++)
            st->hessian[i * np + j] += st->dG[sofwd_pair(np, i, j)];
    }
}

method_status sofwd_run(const char *name, const model *m, const double *theta,
                        const method_options *o, cv_sens_mode mode, int gauss_newton,
                        int observations, double *loss, method_result *r)
{
    cv_settings s;
    method_status status = cvm_settings(name, m, o, 0, &s, r);
    if (status != METHOD_OK)
        return status;
    const cv_forward_options fo = {mode, 1, 0, CV_INTERP_HERMITE, &r->fwd, NULL};
    model_ctx *ctx = cvm_context(name, m, theta, r);
    if (!ctx)
        return METHOD_EINPUT;
    sofwd_system *sys = sofwd_new(ctx, gauss_newton, r->gradient, r->hessian);
    if (!sys) {
        model_ctx_free(ctx);
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory", name);
    }
    const size_t own = sys->bytes + model_ctx_bytes(ctx);
    char err[256];
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(ctx, k);
        cv_solver *cv = cv_forward_new_sens(ctx, &s, &fo, &sys->sens, err, sizeof err);
        if (!cv) {
            status = method_fail(r, METHOD_ESOLVER, "%s", err);
            break;
        }
        if (cv_forward_run(cv, observations ? sofwd_at_obs : cv_obs_ignore, sys, err,
                           sizeof err) != 0) {
            status = method_fail(r, METHOD_ESOLVER, "%s", err);
        } else {
            sofwd_add_running(sys, cv);
            r->steps_fwd += cv_steps(cv);
            if (cv_workspace_bytes(cv) + own > r->peak_bytes)
                r->peak_bytes = cv_workspace_bytes(cv) + own;
        }
        cv_free(cv);
    }
    if (loss)
        *loss = sys->loss;
    method_extra_add(r, "sensitivity_vectors", (double)sys->sens.ns, "count");
    sofwd_free(sys);
    model_ctx_free(ctx);
    return status;
}
