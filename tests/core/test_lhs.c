/* test_lhs — Latin hypercube samples: inside the box, exactly one point per stratum in every
 * dimension, the same points for the same seed, different ones for another seed, and bad
 * arguments refused. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "lhs.h"

#define N 25
#define D 3

int main(void)
{
    const double lower[D] = {-5.0, 0.1, 2.0}, upper[D] = {3.0, 50.0, 2.5};
    double a[N * D], b[N * D], c[N * D];
    char err[200] = "";
    CHECK(lhs_sample(N, D, lower, upper, 7, a, err, sizeof err) == 0, "%s", err);
    CHECK(lhs_sample(N, D, lower, upper, 7, b, err, sizeof err) == 0, "%s", err);
    CHECK(lhs_sample(N, D, lower, upper, 8, c, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(a, b, sizeof a) == 0, "the same seed must give the same points");
    CHECK(memcmp(a, c, sizeof a) != 0, "another seed must give other points");
    for (int j = 0; j < D; j++) {
        int count[N] = {0};
        for (int k = 0; k < N; k++) {
            const double v = a[k * D + j];
            CHECK(v > lower[j] && v < upper[j], "point %d dim %d = %g outside (%g, %g)", k, j, v,
                  lower[j], upper[j]);
            const int s = (int)floor((v - lower[j]) / (upper[j] - lower[j]) * N);
            if (s >= 0 && s < N)
                count[s]++;
        }
        for (int s = 0; s < N; s++)
            CHECK(count[s] == 1, "dimension %d stratum %d holds %d points", j, s, count[s]);
    }
    CHECK(lhs_sample(0, D, lower, upper, 1, a, err, sizeof err) != 0, "N = 0 must be refused");
    const double bad[D] = {3.0, 0.05, 2.5};
    CHECK(lhs_sample(N, D, lower, bad, 1, a, err, sizeof err) != 0 && strstr(err, "dimension 2"),
          "an empty interval must be refused: %s", err);
    return check_finish("test_lhs");
}
