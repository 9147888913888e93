/* lhs — Latin hypercube sampling with an owned, seeded generator (see lhs.h). */
#include "lhs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

int lhs_sample(int N, int n, const double *lower, const double *upper, unsigned long seed,
               double *points, char *err, size_t errlen)
{
    if (N < 1 || n < 1) {
        snprintf(err, errlen, "a Latin hypercube needs at least one point and one dimension "
                 "(got %d points, %d dimensions)", N, n);
        return -1;
    }
    for (int j = 0; j < n; j++)
        if (!isfinite(lower[j]) || !isfinite(upper[j]) || !(lower[j] < upper[j])) {
            snprintf(err, errlen, "dimension %d has bounds [%g, %g]; sampling needs finite bounds "
                     "with lower < upper", j + 1, lower[j], upper[j]);
            return -1;
        }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t *strata = malloc(sizeof(size_t) * (size_t)N);
    if (!rng || !strata) {
        if (rng)
            gsl_rng_free(rng);
        free(strata);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gsl_rng_set(rng, seed);
    for (int j = 0; j < n; j++) {
        for (int k = 0; k < N; k++)
            strata[k] = (size_t)k;
        gsl_ran_shuffle(rng, strata, (size_t)N, sizeof(size_t));
        const double width = (upper[j] - lower[j]) / N;
        for (int k = 0; k < N; k++) {
            /* uniform on the open interval (0, 1): never on a stratum's edge or a bound */
            const double u = gsl_rng_uniform_pos(rng);
            points[(size_t)k * (size_t)n + (size_t)j] =
                lower[j] + width * ((double)strata[k] + u);
        }
    }
    gsl_rng_free(rng);
    free(strata);
    return 0;
}
