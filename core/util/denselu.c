/* denselu — partial-pivoting LU in plain loops (see denselu.h). */
#include "denselu.h"

#include <math.h>

int dense_lu_factor(int n, double *a, size_t *pivot)
{
    int singular = 0;
    for (int k = 0; k < n; k++) {
        /* the largest entry of column k on or below the diagonal */
        int r = k;
        double big = fabs(a[(size_t)k * n + k]);
        for (int i = k + 1; i < n; i++) {
            const double v = fabs(a[(size_t)i * n + k]);
            if (v > big) {
                big = v;
                r = i;
            }
        }
        pivot[k] = (size_t)r;
        if (r != k)
            for (int j = 0; j < n; j++) {
                const double t = a[(size_t)k * n + j];
                a[(size_t)k * n + j] = a[(size_t)r * n + j];
                a[(size_t)r * n + j] = t;
            }
        const double d = a[(size_t)k * n + k];
        if (!(fabs(d) > 0.0) || !isfinite(d)) {
            if (!singular)
                singular = k + 1;
            continue;
        }
        for (int i = k + 1; i < n; i++) {
            double *row = a + (size_t)i * n;
            const double l = row[k] / d;
            row[k] = l;
            if (l != 0.0)
                for (int j = k + 1; j < n; j++)
                    row[j] -= l * a[(size_t)k * n + j];
        }
    }
    return singular;
}

void dense_lu_solve(int n, const double *lu, const size_t *pivot, double *b)
{
    for (int k = 0; k < n; k++)
        if (pivot[k] != (size_t)k) {
            const double t = b[k];
            b[k] = b[pivot[k]];
            b[pivot[k]] = t;
        }
    for (int i = 1; i < n; i++) {   /* L y = P b, L unit lower */
        double acc = b[i];
        for (int k = 0; k < i; k++)
            acc -= lu[(size_t)i * n + k] * b[k];
        b[i] = acc;
    }
    for (int i = n - 1; i >= 0; i--) {   /* U x = y */
        double acc = b[i];
        for (int k = i + 1; k < n; k++)
            acc -= lu[(size_t)i * n + k] * b[k];
        b[i] = acc / lu[(size_t)i * n + i];
    }
}
