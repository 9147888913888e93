/* freefall — the closed-form model (see freefall.c). */
#ifndef ODEGRAD_FREEFALL_H
#define ODEGRAD_FREEFALL_H

#include <stddef.h>
#include "../core/model.h"

int freefall_create(model *m, const char *name, char *err, size_t errlen);
/* the exact position y(t) for given g, μ, y0, v0 (also used to generate the data) */
double freefall_position_at(double t, double g, double mu, double y0, double v0);

#endif
