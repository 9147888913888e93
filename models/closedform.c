/* closedform — the shared sum-of-squares oracle and horizon names: see closedform.h. */
#include "closedform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void closedform_sse(const model *m, const double *theta, closedform_position_fn position,
                    double *loss, double *gradient, double *hessian)
{
    const int np = m->np;
    double dy[CLOSEDFORM_MAX_NP], d2y[CLOSEDFORM_MAX_NP * CLOSEDFORM_MAX_NP], L = 0.0;
    if (gradient)
        memset(gradient, 0, sizeof(double) * (size_t)np);
    if (hessian)
        memset(hessian, 0, sizeof(double) * (size_t)(np * np));
    const model_condition *c = &m->cond[0];
    for (int i = 0; i < c->ntimes; i++) {
        const double r = position(c->times[i], theta, np, dy, d2y) - c->values[i];
        L += m->sse_weight * r * r;
        for (int a = 0; a < np; a++) {
            if (gradient)
                gradient[a] += 2.0 * m->sse_weight * r * dy[a];
            if (hessian)
                for (int b = 0; b < np; b++)
                    hessian[a * np + b] +=
                        2.0 * m->sse_weight * (dy[a] * dy[b] + r * d2y[a * np + b]);
        }
    }
    if (loss)
        *loss = L;
}

int closedform_horizon(const char *name, const char *prefix, double max, const char *example,
                       double *T, char *err, size_t errlen)
{
    const char *text = name + strlen(prefix);
    char *end;
    *T = strtod(text, &end);
    if (end == text || *end != '\0' || !(*T > 0.0) || !(*T <= max)) {
        snprintf(err, errlen, "%s: the horizon T of %s<T> must be a number in (0, %g], e.g. %s",
                 name, prefix, max, example);
        return -1;
    }
    return 0;
}
