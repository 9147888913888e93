/* hermite — the cubic Hermite interpolant between two step ends, the dense output of the
 * integrators that have none of their own (Rosenbrock) as the adjoints read it. */
#ifndef ODEGRAD_HERMITE_H
#define ODEGRAD_HERMITE_H

/* y(t0 + σh) from y0, y1 and their derivatives d0, d1 at the step's ends (n components):
 *     y = h00(σ) y0 + h01(σ) y1 + h (h10(σ) d0 + h11(σ) d1),
 * h00 = 2σ³ − 3σ² + 1, h10 = σ³ − 2σ² + σ, h01 = 3σ² − 2σ³, h11 = σ³ − σ²; order 3. */
static inline void hermite_cubic(int n, double h, double sigma, const double *y0,
                                 const double *d0, const double *y1, const double *d1,
                                 double *y)
{
    const double s2 = sigma * sigma, s3 = s2 * sigma;
    const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + sigma, h01 = 3 * s2 - 2 * s3,
                 h11 = s3 - s2;
    for (int m = 0; m < n; m++)
        y[m] = h00 * y0[m] + h01 * y1[m] + h * (h10 * d0[m] + h11 * d1[m]);
}

#endif
