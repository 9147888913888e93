/* opt — the generic layer of the optimisers: defaults, names, the common stopping tests, and
 * opt_run (checks, the change of variables, timing, the final point). */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "stats.h"

/* The defaults of opt_settings (documented in opt.h and by `odegrad fit --help`). */
static const opt_settings opt_defaults = {
    500,     /* max_iter */
    0.0,     /* max_seconds: no limit */
    1e-6,    /* gtol: ‖∇_z L‖_∞ */
    1e-10,   /* xtol: ‖Δz‖_∞ relative to ‖z‖_∞ */
    1e-10,   /* ftol: |ΔL| relative to 1 + |L|, twice in a row */
    NULL, NULL
};

void opt_settings_init(opt_settings *s)
{
    *s = opt_defaults;
}

const char *opt_exit_name(opt_exit e)
{
    static const char *const names[] = { "gradient", "step", "objective", "max-iter", "max-time",
                                         "stalled", "failed" };
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}

int opt_exit_converged(opt_exit e)
{
    return e == OPT_CONVERGED_GRADIENT || e == OPT_CONVERGED_STEP || e == OPT_CONVERGED_OBJECTIVE;
}

void opt_result_free(opt_result *r)
{
    if (!r)
        return;
    free(r->theta);
    r->theta = NULL;
}

const opt_type *opt_find(const char *name)
{
    for (int i = 0; name && opt_types[i]; i++)
        if (strcmp(opt_types[i]->name, name) == 0)
            return opt_types[i];
    return NULL;
}

/* processor time of the process so far (nanosecond resolution, unlike clock()) */
static double processor_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return (double)clock() / CLOCKS_PER_SEC;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double opt_cpu_seconds(const opt_space *S)
{
    return processor_seconds() - S->cpu_start;
}

static double max_abs(const double *v, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

int opt_start_test(const opt_settings *s, int n, const double *gz, opt_result *r)
{
    r->gradient_norm = max_abs(gz, n);
    if (r->gradient_norm > s->gtol)
        return 0;
    r->exit = OPT_CONVERGED_GRADIENT;
    snprintf(r->message, sizeof r->message, "converged: the start is stationary "
             "(|gradient|_inf = %.3g)", r->gradient_norm);
    return 1;
}

int opt_stop_test(opt_space *S, const opt_settings *s, const double *z_old, const double *z,
                  double L_old, double L, const double *gz, int *small, opt_result *r)
{
    const int n = S->n;
    if (gz) {
        r->gradient_norm = max_abs(gz, n);
        if (r->gradient_norm <= s->gtol) {
            r->exit = OPT_CONVERGED_GRADIENT;
            snprintf(r->message, sizeof r->message, "converged: |gradient|_inf = %.3g <= gtol %.3g",
                     r->gradient_norm, s->gtol);
            return 1;
        }
    }
    if (S->in_theta) {
        memcpy(S->step_from, z_old, sizeof(double) * (size_t)n);
        memcpy(S->step_to, z, sizeof(double) * (size_t)n);
    } else {
        boxmap_theta(&S->map, z_old, S->step_from, NULL, NULL);
        boxmap_theta(&S->map, z, S->step_to, NULL, NULL);
    }
    double step = 0.0;
    for (int i = 0; i < n; i++)
        step = fmax(step, fabs(S->step_to[i] - S->step_from[i]) / (2.0 * S->map.half_width[i]));
    if (step <= s->xtol) {
        r->exit = OPT_CONVERGED_STEP;
        snprintf(r->message, sizeof r->message, "converged: step %.3g of the box, below xtol %.3g",
                 step, s->xtol);
        return 1;
    }
    *small = fabs(L_old - L) <= s->ftol * (1.0 + fabs(L)) ? *small + 1 : 0;
    if (*small >= 2) {
        r->exit = OPT_CONVERGED_OBJECTIVE;
        snprintf(r->message, sizeof r->message, "converged: objective changed by less than ftol "
                 "%.3g (relative) on two steps", s->ftol);
        return 1;
    }
    if (r->iterations >= s->max_iter) {
        r->exit = OPT_MAX_ITER;
        snprintf(r->message, sizeof r->message, "stopped after max_iter = %d iterations "
                 "(|gradient|_inf = %.3g)", s->max_iter, r->gradient_norm);
        return 1;
    }
    const double used = processor_seconds() - S->cpu_start;
    if (s->max_seconds > 0.0 && used >= s->max_seconds) {
        r->exit = OPT_MAX_TIME;
        snprintf(r->message, sizeof r->message, "stopped after %.4g s of processor time (limit "
                 "%.4g s) and %d iterations (|gradient|_inf = %.3g)", used, s->max_seconds,
                 r->iterations, r->gradient_norm);
        return 1;
    }
    return 0;
}

static int check_settings(const opt_settings *s, char *err, size_t errlen)
{
    if (s->max_iter < 1) {
        snprintf(err, errlen, "max_iter must be at least 1, not %d", s->max_iter);
        return -1;
    }
    const struct { const char *name; double value; } tol[] = {
        { "gtol", s->gtol }, { "xtol", s->xtol }, { "ftol", s->ftol },
        { "max_seconds", s->max_seconds } };
    for (size_t i = 0; i < sizeof tol / sizeof tol[0]; i++)
        if (!(tol[i].value >= 0.0) || !isfinite(tol[i].value)) {
            snprintf(err, errlen, "%s must be a finite number >= 0, not %g", tol[i].name,
                     tol[i].value);
            return -1;
        }
    return 0;
}

static int check_problem(const opt_type *T, const opt_problem *P, char *err, size_t errlen)
{
    if (!P->loss) {
        snprintf(err, errlen, "optimiser %s: the objective has no loss", T->name);
        return -1;
    }
    if ((T->needs & OPT_NEEDS_GRADIENT) && !P->gradient) {
        snprintf(err, errlen, "optimiser %s needs gradients, and the objective has none", T->name);
        return -1;
    }
    if ((T->needs & OPT_NEEDS_HESSIAN) && !P->hessian) {
        snprintf(err, errlen, "optimiser %s needs Hessians, and the objective has none", T->name);
        return -1;
    }
    if ((T->needs & OPT_NEEDS_RESIDUALS) && (!P->residuals || P->nres < 1)) {
        snprintf(err, errlen, "optimiser %s needs a least-squares objective (residuals), and this "
                 "one is not", T->name);
        return -1;
    }
    if (P->approx_hessian && !(T->needs & OPT_TAKES_HYBRID)) {
        snprintf(err, errlen, "optimiser %s takes no approximate Hessian (no hybrid scheme)",
                 T->name);
        return -1;
    }
    if ((T->needs & OPT_NEEDS_RESIDUALS) && P->nres < P->np) {
        snprintf(err, errlen, "optimiser %s needs at least as many residuals as parameters, not "
                 "%d for %d", T->name, P->nres, P->np);
        return -1;
    }
    return 0;
}

static void space_release(opt_space *S)
{
    boxmap_release(&S->map);
    free(S->theta);
    free(S->dtheta);
    free(S->gtheta);
    free(S->htheta);
    free(S->jtheta);
    free(S->step_from);
    free(S->step_to);
}

int opt_run(const opt_type *T, const opt_problem *P, const double *theta0,
            const opt_settings *s, opt_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->gradient_norm = NAN;
    r->objective = NAN;
    if (!T || !P || P->np < 1) {
        snprintf(err, errlen, "no optimiser or an empty problem");
        return -1;
    }
    if (check_settings(s, err, errlen) != 0 || check_problem(T, P, err, errlen) != 0)
        return -1;
    const int n = P->np;
    const size_t nres = (size_t)(P->nres > 0 ? P->nres : 1);
    opt_space S;
    memset(&S, 0, sizeof S);
    S.problem = P;
    S.n = n;
    S.result = r;
    S.in_theta = (T->needs & OPT_IN_THETA) != 0;
    if (boxmap_init(&S.map, n, P->lower, P->upper, err, errlen) != 0)
        return -1;
    S.theta = malloc(sizeof(double) * (size_t)n);
    S.dtheta = malloc(sizeof(double) * (size_t)n);
    S.gtheta = malloc(sizeof(double) * (size_t)n);
    S.htheta = malloc(sizeof(double) * (size_t)n * (size_t)n);
    S.jtheta = malloc(sizeof(double) * nres * (size_t)n);
    S.step_from = malloc(sizeof(double) * (size_t)n);
    S.step_to = malloc(sizeof(double) * (size_t)n);
    double *z0 = malloc(sizeof(double) * (size_t)n), *z = malloc(sizeof(double) * (size_t)n);
    r->theta = malloc(sizeof(double) * (size_t)n);
    if (!S.theta || !S.dtheta || !S.gtheta || !S.htheta || !S.jtheta || !S.step_from ||
        !S.step_to || !z0 || !z || !r->theta) {
        snprintf(err, errlen, "out of memory for %d parameters", n);
        free(z0);
        free(z);
        space_release(&S);
        opt_result_free(r);
        return -1;
    }
    int outside = 0;
    if (S.in_theta) {
        for (int i = 0; i < n; i++)
            outside |= !(theta0[i] >= P->lower[i] && theta0[i] <= P->upper[i]);
        if (!outside)
            memcpy(z0, theta0, sizeof(double) * (size_t)n);
    } else {
        outside = boxmap_z(&S.map, theta0, z0) != 0;
    }
    if (outside) {
        for (int i = 0; i < n; i++)
            if (!(theta0[i] >= P->lower[i] && theta0[i] <= P->upper[i])) {
                snprintf(err, errlen, "the start's entry %d is %g, outside its bounds [%g, %g]",
                         i + 1, theta0[i], P->lower[i], P->upper[i]);
                break;
            }
        free(z0);
        free(z);
        space_release(&S);
        opt_result_free(r);
        return -1;
    }
    const double start = stats_now();
    S.cpu_start = processor_seconds();
    memcpy(z, z0, sizeof(double) * (size_t)n);
    T->run(&S, z0, s, z, r);
    r->seconds = stats_now() - start;
    r->cpu_seconds = processor_seconds() - S.cpu_start;
    if (S.in_theta)
        memcpy(r->theta, z, sizeof(double) * (size_t)n);
    else
        boxmap_theta(&S.map, z, r->theta, NULL, NULL);
    free(z0);
    free(z);
    space_release(&S);
    return 0;
}
