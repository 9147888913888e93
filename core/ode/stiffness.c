/* stiffness — stage estimate, power iteration and the switch rule (see stiffness.h). */
#include "stiffness.h"

#include <math.h>

#define STIFFNESS_BOUNDARY 3.25     /* |hλ| on the stability boundary, DOPRI5 and Tsit5 */
#define STIFFNESS_RUN 15            /* stability-limited steps that mean stiff … */
#define STIFFNESS_BREAK 6           /* … unless this many ordinary steps come in between */
#define STIFFNESS_POWER_EVERY 20    /* steps between power iterations */
#define STIFFNESS_POWER_ITERATIONS 8
#define STIFFNESS_WORTH 1e4         /* stability-limited steps ahead that pay for a switch */

void stiffness_test_init(stiffness_test *T, int n, stiffness_jac_fn jac, void *ctx,
                         double *work)
{
    T->n = n;
    T->jac = jac;
    T->ctx = ctx;
    T->J = work;
    T->p = work + (size_t)n * (size_t)n;
    stiffness_test_reset(T);
}

void stiffness_test_reset(stiffness_test *T)
{
    T->rho_jac = 0.0;
    T->stiff_run = T->nonstiff_run = 0;
}

/* |λ_max(f_x)| at the step's start by power iteration */
static void stiffness_power(stiffness_test *T, const rk_step_view *v)
{
    const int n = T->n;
    if (T->jac(v->t, v->x, T->J, T->ctx) != 0)
        return;
    double *p = T->p, *q = T->p + n, norm = 0.0;
    for (int m = 0; m < n; m++)
        p[m] = 1.0 + 0.1 * m / n;
    for (int it = 0; it < STIFFNESS_POWER_ITERATIONS; it++) {
        double qq = 0.0, pp = 0.0;
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            for (int j = 0; j < n; j++)
                acc += T->J[(size_t)i * n + j] * p[j];
            q[i] = acc;
            qq += acc * acc;
            pp += p[i] * p[i];
        }
        norm = pp > 0.0 ? sqrt(qq / pp) : 0.0;
        if (!(qq > 0.0))
            break;
        for (int m = 0; m < n; m++)
            p[m] = q[m] / sqrt(qq);
    }
    T->rho_jac = norm;
}

int stiffness_test_step(stiffness_test *T, const rk_step_view *v, double tf)
{
    const int s = v->stages;
    if (s < 2)
        return 0;
    double dk = 0.0, dy = 0.0;
    for (int m = 0; m < T->n; m++) {
        const double a = v->K[s - 1][m] - v->K[s - 2][m], b = v->Y[s - 1][m] - v->Y[s - 2][m];
        dk += a * a;
        dy += b * b;
    }
    double rho = dy > 0.0 ? sqrt(dk / dy) : 0.0;
    if (T->jac && v->index % STIFFNESS_POWER_EVERY == 0)
        stiffness_power(T, v);
    if (T->rho_jac > rho)
        rho = T->rho_jac;
    if (v->h * rho > STIFFNESS_BOUNDARY) {
        T->nonstiff_run = 0;
        return ++T->stiff_run >= STIFFNESS_RUN &&
               rho * (tf - v->t_next) / STIFFNESS_BOUNDARY > STIFFNESS_WORTH;
    }
    if (++T->nonstiff_run >= STIFFNESS_BREAK)
        T->stiff_run = 0;
    return 0;
}
