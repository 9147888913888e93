/* odesys — an ODE system as the integrators and the tape see it: f, its Jacobian, and the
 * adjoint products the reverse sweep needs, as plain callbacks.
 *
 * odesys_model() builds one from a model context (model.h), optionally augmented by the
 * running cost: with q' = g(t, x, θ), q(t0) = 0, the integral ∫ g dt is q(tf) — integrated
 * by the SAME discrete scheme as x, so the tape differentiates it exactly like the state
 * (the discrete gradient of the discrete quadrature).  The augmented state is (x, q):
 *     f̃ = (f, g),   J̃ = [f_x 0; g_x 0],
 *     J̃ᵀ(w, w_q) = (f_xᵀ w + w_q g_x, 0),   θ-part f_θᵀ w + w_q g_θ,
 *     second order: ((w,w_q)ᵀ f̃)_xx v = (wᵀf)_xx v + w_q g_xx v   (and the θx block). */
#ifndef ODEGRAD_ODESYS_H
#define ODEGRAD_ODESYS_H

#include "model.h"

typedef struct {
    int n;    /* integrated states (nx, or nx + 1 with a running cost) */
    int np;   /* parameters */
    void *ctx;
    /* f(t, x) */
    int (*rhs)(double t, const double *x, double *f, void *ctx);
    /* J = f_x, n×n row-major */
    int (*jac)(double t, const double *x, double *J, void *ctx);
    /* gx = f_xᵀ w (n), gth = f_θᵀ w (np); outputs overwritten */
    int (*vjp)(double t, const double *x, const double *w, double *gx, double *gth,
               void *ctx);
    /* as vjp, but gth += f_θᵀ w is accumulated (gx still overwritten) */
    int (*vjp_acc)(double t, const double *x, const double *w, double *gx, double *gth,
                   void *ctx);
    /* gx = (wᵀf)_xx v (n), gth = (wᵀf)_θx v (np): the derivative of f_xᵀ w along x → x + v
     * (and of f_θᵀ w); outputs overwritten */
    int (*vjp_jvp)(double t, const double *x, const double *w, const double *v, double *gx,
                   double *gth, void *ctx);
} odesys;

/* The adapter's own state (owned by the caller, e.g. on the stack). */
typedef struct {
    model_ctx *ctx;
    int nx, np;
    int running;          /* the running cost is integrated as state nx */
    double *scratch;      /* nx + np (+ nx² with a running cost) */
} odesys_model_data;

/* Fill sys from ctx (with the running cost when the model has one and with_running).
 * Returns 0, or -1 if out of memory. */
int odesys_model(odesys *sys, odesys_model_data *data, model_ctx *ctx, int with_running);
void odesys_model_release(odesys_model_data *data);

#endif
