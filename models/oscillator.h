/* oscillator — the harmonic oscillator y = a sin(ωt) with a closed-form oracle (see
 * oscillator.c): `oscillator` and the horizon family `oscillator-T<T>`. */
#ifndef ODEGRAD_OSCILLATOR_H
#define ODEGRAD_OSCILLATOR_H

#include <stddef.h>
#include "model.h"

int oscillator_create(model *m, const char *name, char *err, size_t errlen);
/* The exact state x(t) = (y, v) of an oscillator model at θ: 0, or -1 if m is not one. */
int oscillator_state_at(const model *m, const double *theta, double t, double *x);

#endif
