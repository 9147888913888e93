/* freefall — the closed-form model (see freefall.c). */
#ifndef ODEGRAD_FREEFALL_H
#define ODEGRAD_FREEFALL_H

#include <stddef.h>
#include "model.h"

int freefall_create(model *m, const char *name, char *err, size_t errlen);
/* the exact position y(t) for given g, μ, y0, v0 (also used to generate the data) */
double freefall_position_at(double t, double g, double mu, double y0, double v0);
/* The exact state x(t) = (y, v) of a freefall model (freefall, freefall-x0, freefall-T<T>) at
 * θ: 0, or -1 if m is not one of them or θ is outside the closed form's domain (μ ≤ 0). */
int freefall_state_at(const model *m, const double *theta, double t, double *x);

#endif
