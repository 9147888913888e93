/* adam — the Adam optimiser (see adam.h). */
#include "adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void adam_options_default(adam_options *o)
{
    o->learning_rate = 1e-3;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->epsilon = 1e-8;
}

int adam_init(adam_state *s, int n, const adam_options *o)
{
    memset(s, 0, sizeof *s);
    if (n < 0 || !(o->learning_rate > 0.0) || !(o->beta1 >= 0.0 && o->beta1 < 1.0) ||
        !(o->beta2 >= 0.0 && o->beta2 < 1.0) || !(o->epsilon >= 0.0))
        return -1;
    s->m = calloc((size_t)(n ? n : 1), sizeof(double));
    s->v = calloc((size_t)(n ? n : 1), sizeof(double));
    if (!s->m || !s->v) {
        adam_free(s);
        return -1;
    }
    s->n = n;
    s->options = *o;
    s->beta1_power = 1.0;
    s->beta2_power = 1.0;
    return 0;
}

void adam_step(adam_state *s, double *theta, const double *gradient)
{
    const adam_options *o = &s->options;
    s->step++;
    s->beta1_power *= o->beta1;
    s->beta2_power *= o->beta2;
    const double c1 = 1.0 - s->beta1_power, c2 = 1.0 - s->beta2_power;
    for (int i = 0; i < s->n; i++) {
        const double g = gradient[i];
        s->m[i] = o->beta1 * s->m[i] + (1.0 - o->beta1) * g;
        s->v[i] = o->beta2 * s->v[i] + (1.0 - o->beta2) * g * g;
        theta[i] -= o->learning_rate * (s->m[i] / c1) / (sqrt(s->v[i] / c2) + o->epsilon);
    }
}

void adam_free(adam_state *s)
{
    free(s->m);
    free(s->v);
    memset(s, 0, sizeof *s);
}
