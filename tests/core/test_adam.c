/* test_adam — the Adam update against the formulas of Kingma & Ba written out step by step
 * for a scalar, its first step (a move of η·sign(g) when ε ≪ |g|), option checks, and
 * convergence on a quadratic. */
#include "adam.h"
#include "check.h"

#include <math.h>
#include <stdio.h>


int main(void)
{
    adam_options o;
    adam_options_default(&o);
    CHECK(o.learning_rate == 1e-3 && o.beta1 == 0.9 && o.beta2 == 0.999 && o.epsilon == 1e-8,
          "defaults");
    o.learning_rate = 0.05;
    adam_state s;
    /* first step: m̂ = g, v̂ = g², so each coordinate moves by η g/(|g| + ε) */
    double theta[3] = {1.0, -2.0, 0.5};
    const double g[3] = {3.0, -1e-3, 0.0};
    CHECK(adam_init(&s, 3, &o) == 0, "init");
    adam_step(&s, theta, g);
    CHECK(fabs(theta[0] - (1.0 - 0.05 * 3.0 / (3.0 + 1e-8))) < 1e-15, "step 1, g > 0: %.17g",
          theta[0]);
    CHECK(fabs(theta[1] - (-2.0 + 0.05 * 1e-3 / (1e-3 + 1e-8))) < 1e-15, "step 1, g < 0");
    CHECK(theta[2] == 0.5, "a zero gradient does not move");
    adam_free(&s);

    /* three steps with gradients 2, −1, 4, written out */
    const double grads[3] = {2.0, -1.0, 4.0};
    double x = 0.0, m = 0.0, v = 0.0, y = 0.0;
    CHECK(adam_init(&s, 1, &o) == 0, "init");
    for (int t = 1; t <= 3; t++) {
        m = 0.9 * m + 0.1 * grads[t - 1];
        v = 0.999 * v + 0.001 * grads[t - 1] * grads[t - 1];
        const double mhat = m / (1.0 - pow(0.9, t)), vhat = v / (1.0 - pow(0.999, t));
        x -= 0.05 * mhat / (sqrt(vhat) + 1e-8);
        adam_step(&s, &y, &grads[t - 1]);
        CHECK(fabs(x - y) < 1e-15, "step %d: %.17g vs %.17g", t, y, x);
    }
    CHECK(s.step == 3, "step count");
    adam_free(&s);

    /* options out of range */
    adam_options bad = o;
    bad.beta1 = 1.0;
    CHECK(adam_init(&s, 1, &bad) == -1, "beta1 = 1 accepted");
    bad = o;
    bad.learning_rate = 0.0;
    CHECK(adam_init(&s, 1, &bad) == -1, "zero learning rate accepted");

    /* minimises ½ Σ a_i (x_i − c_i)² */
    const double a[2] = {1.0, 100.0}, c[2] = {3.0, -1.0};
    double z[2] = {0.0, 0.0}, grad[2];
    o.learning_rate = 0.01;
    CHECK(adam_init(&s, 2, &o) == 0, "init");
    for (int k = 0; k < 5000; k++) {
        for (int i = 0; i < 2; i++)
            grad[i] = a[i] * (z[i] - c[i]);
        adam_step(&s, z, grad);
    }
    CHECK(fabs(z[0] - 3.0) < 1e-3 && fabs(z[1] + 1.0) < 1e-3, "minimum %g %g", z[0], z[1]);
    adam_free(&s);
    return check_finish("adam");
}
