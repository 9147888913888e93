/* boxmap — the sine change of variables for box bounds (see boxmap.h). */
#include "boxmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int boxmap_init(boxmap *b, int n, const double *lower, const double *upper, char *err,
                size_t errlen)
{
    b->n = n;
    b->lower = lower;
    b->upper = upper;
    b->centre = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    b->half_width = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!b->centre || !b->half_width) {
        boxmap_release(b);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (!isfinite(lower[i]) || !isfinite(upper[i]) || !(lower[i] < upper[i])) {
            snprintf(err, errlen, "parameter %d has bounds [%g, %g]; an optimiser needs finite "
                     "bounds with lower < upper", i + 1, lower[i], upper[i]);
            boxmap_release(b);
            return -1;
        }
        b->centre[i] = 0.5 * (lower[i] + upper[i]);
        b->half_width[i] = 0.5 * (upper[i] - lower[i]);
    }
    return 0;
}

void boxmap_release(boxmap *b)
{
    free(b->centre);
    free(b->half_width);
    b->centre = b->half_width = NULL;
}

void boxmap_theta(const boxmap *b, const double *z, double *theta, double *dtheta,
                  double *d2theta)
{
    for (int i = 0; i < b->n; i++) {
        const double s = sin(z[i]), r = b->half_width[i];
        theta[i] = fmin(fmax(b->centre[i] + r * s, b->lower[i]), b->upper[i]);
        if (dtheta)
            dtheta[i] = r * cos(z[i]);
        if (d2theta)
            d2theta[i] = -r * s;
    }
}

int boxmap_z(const boxmap *b, const double *theta, double *z)
{
    for (int i = 0; i < b->n; i++) {
        if (!(theta[i] >= b->lower[i] && theta[i] <= b->upper[i]))
            return -1;
        z[i] = asin(fmin(fmax((theta[i] - b->centre[i]) / b->half_width[i], -1.0), 1.0));
    }
    return 0;
}

void boxmap_gradient(const boxmap *b, const double *z, const double *gtheta, double *gz)
{
    for (int i = 0; i < b->n; i++)
        gz[i] = b->half_width[i] * cos(z[i]) * gtheta[i];
}

void boxmap_hessian(const boxmap *b, const double *z, const double *gtheta,
                    const double *htheta, double *hz)
{
    const int n = b->n;
    for (int i = 0; i < n; i++) {
        const double di = b->half_width[i] * cos(z[i]);
        for (int j = 0; j < n; j++)
            hz[i * n + j] = di * htheta[i * n + j] * b->half_width[j] * cos(z[j]);
        hz[i * n + i] -= gtheta[i] * b->half_width[i] * sin(z[i]);
    }
}

void boxmap_jacobian(const boxmap *b, const double *z, int m, const double *jtheta, double *jz)
{
    const int n = b->n;
    for (int j = 0; j < n; j++) {
        const double dj = b->half_width[j] * cos(z[j]);
        for (int k = 0; k < m; k++)
            jz[k * n + j] = jtheta[k * n + j] * dj;
    }
}
