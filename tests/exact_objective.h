/* exact_objective.h — a model's closed-form oracle (m->exact: loss, gradient, Hessian) as the
 * objective of an optimiser (fit/opt.h's callbacks, user = the model), for the fit and
 * profile tests on freefall. */
#ifndef ODEGRAD_TEST_EXACT_OBJECTIVE_H
#define ODEGRAD_TEST_EXACT_OBJECTIVE_H

#include <stdio.h>
#include "model.h"

static int exact_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                         size_t len)
{
    const model *m = user;
    if (m->exact(m, t, L, g, H) != 0) {
        snprintf(err, len, "outside the oracle's domain");
        return -1;
    }
    return 0;
}

static int exact_gradient(void *user, const double *t, double *L, double *g, char *err, size_t len)
{
    return exact_hessian(user, t, L, g, NULL, err, len);
}

static int exact_loss(void *user, const double *t, double *L, char *err, size_t len)
{
    return exact_hessian(user, t, L, NULL, NULL, err, len);
}

#endif
