/* brusselator — the 2-D Brusselator on an N×N periodic grid (see brusselator.c). */
#ifndef ODEGRAD_BRUSSELATOR_H
#define ODEGRAD_BRUSSELATOR_H

#include <stddef.h>
#include "model.h"

int brusselator_create(model *m, const char *name, char *err, size_t errlen);

/* Nominal values of the per-cell parameters A, B and the diffusion coefficients α. */
#define BRUSSELATOR_A 3.4
#define BRUSSELATOR_B 1.0
#define BRUSSELATOR_ALPHA 10.0

/* F(x, y, t): 5 inside the disc (x − 0.3)² + (y − 0.6)² ≤ 0.1² once t ≥ 1.1, else 0. */
double brusselator_forcing(double x, double y, double t);

/* the instance data (m->data) */
typedef struct {
    int N;
    double dx;
    int *neighbours;   /* 4 × 2N² state indices: west, east, south, north of every state */
    double *mask;      /* N² values: 1 inside the forcing disc, else 0 */
} brusselator_grid;

#endif
