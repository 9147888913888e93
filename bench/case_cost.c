/* case_cost — the guessed cost of a case, from its model's size and its options. */
#include "case_cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the value of option `key` as a positive number, or 0 */
static double option_value(const spec_case *c, const char *key)
{
    for (int k = 0; k < c->npairs; k++)
        if (strcmp(c->pairs[k].key, key) == 0) {
            double v = strtod(c->pairs[k].value, NULL);
            return v > 0 && isfinite(v) ? v : 0;
        }
    return 0;
}

double case_cost(const spec_case *c, int np, int nx, method_want want)
{
    double size = (double)(nx > 0 ? nx : 1) * (double)(np + 1);
    double steps = option_value(c, "steps");
    if (steps <= 0) {
        double rtol = option_value(c, "rtol");
        steps = 100.0 * pow(1e-6 / (rtol > 0 ? rtol : 1e-6), 0.25);
    }
    return size * steps * (want == WANT_HESSIAN ? (double)(np + 1) : 1.0);
}
