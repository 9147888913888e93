/* lhs — Latin hypercube samples inside a box, reproducible from a seed.
 *
 * N points in n dimensions: each dimension is cut into N equal strata and every stratum holds
 * exactly one point; the strata are paired across dimensions by independent random
 * permutations, and each point sits uniformly inside its stratum (never on its edges).  The
 * generator is a GSL Mersenne Twister owned by the call and seeded with `seed`, so the same
 * (N, n, box, seed) always gives the same points, and no global random state is touched. */
#ifndef ODEGRAD_LHS_H
#define ODEGRAD_LHS_H

#include <stddef.h>

/* points: N × n row-major (point k in points[k·n .. k·n + n − 1]).  Bounds finite with
 * lower < upper.  0, or -1 with a message. */
int lhs_sample(int N, int n, const double *lower, const double *upper, unsigned long seed,
               double *points, char *err, size_t errlen);

#endif
