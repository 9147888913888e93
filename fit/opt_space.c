/* opt_space — the objective seen in z: each call evaluates the problem at θ(z), carries the
 * derivatives to z by the chain rule of boxmap.h, and counts the evaluation (and its
 * failure) in the run's result. */
#include "opt.h"

#include <stdio.h>
#include <string.h>

/* θ(z): z itself for optimisers that work in θ */
static void to_theta(opt_space *S, const double *z)
{
    if (S->in_theta)
        memcpy(S->theta, z, sizeof(double) * (size_t)S->n);
    else
        boxmap_theta(&S->map, z, S->theta, NULL, NULL);
}

static int failed(opt_space *S)
{
    S->result->n_failed++;
    if (!S->error[0])
        snprintf(S->error, sizeof S->error, "an evaluation failed without saying why");
    return -1;
}

int opt_space_loss(opt_space *S, const double *z, double *L)
{
    S->result->n_loss++;
    S->error[0] = '\0';
    to_theta(S, z);
    if (S->problem->loss(S->problem->user, S->theta, L, S->error, sizeof S->error) != 0)
        return failed(S);
    return 0;
}

int opt_space_gradient(opt_space *S, const double *z, double *L, double *gz)
{
    S->result->n_gradient++;
    S->error[0] = '\0';
    to_theta(S, z);
    if (S->problem->gradient(S->problem->user, S->theta, L, S->gtheta, S->error,
                             sizeof S->error) != 0)
        return failed(S);
    if (S->in_theta)
        memcpy(gz, S->gtheta, sizeof(double) * (size_t)S->n);
    else
        boxmap_gradient(&S->map, z, S->gtheta, gz);
    return 0;
}

int opt_space_hessian(opt_space *S, const double *z, double *L, double *gz, double *hz)
{
    S->result->n_hessian++;
    S->error[0] = '\0';
    to_theta(S, z);
    if (S->problem->hessian(S->problem->user, S->theta, L, S->gtheta, S->htheta, S->error,
                            sizeof S->error) != 0)
        return failed(S);
    if (S->in_theta) {
        memcpy(gz, S->gtheta, sizeof(double) * (size_t)S->n);
        memcpy(hz, S->htheta, sizeof(double) * (size_t)S->n * (size_t)S->n);
        return 0;
    }
    boxmap_gradient(&S->map, z, S->gtheta, gz);
    boxmap_hessian(&S->map, z, S->gtheta, S->htheta, hz);
    return 0;
}

int opt_space_approx_hessian(opt_space *S, const double *z, double *L, double *gz, double *hz)
{
    S->result->n_approx_hessian++;
    S->error[0] = '\0';
    to_theta(S, z);
    if (!S->problem->approx_hessian ||
        S->problem->approx_hessian(S->problem->user, S->theta, L, S->gtheta, S->htheta, S->error,
                                   sizeof S->error) != 0)
        return failed(S);
    if (S->in_theta) {
        memcpy(gz, S->gtheta, sizeof(double) * (size_t)S->n);
        memcpy(hz, S->htheta, sizeof(double) * (size_t)S->n * (size_t)S->n);
        return 0;
    }
    boxmap_gradient(&S->map, z, S->gtheta, gz);
    boxmap_hessian(&S->map, z, S->gtheta, S->htheta, hz);
    return 0;
}

int opt_space_residuals(opt_space *S, const double *z, double *f, double *jz)
{
    if (jz)
        S->result->n_jacobian++;
    else
        S->result->n_residuals++;
    S->error[0] = '\0';
    to_theta(S, z);
    if (S->problem->residuals(S->problem->user, S->theta, f, jz ? S->jtheta : NULL, S->error,
                              sizeof S->error) != 0)
        return failed(S);
    if (jz && S->in_theta)
        memcpy(jz, S->jtheta, sizeof(double) * (size_t)S->problem->nres * (size_t)S->n);
    else if (jz)
        boxmap_jacobian(&S->map, z, S->problem->nres, S->jtheta, jz);
    return 0;
}
