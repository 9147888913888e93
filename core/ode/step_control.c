/* step_control — error norm, controller, first step, time grids and output bookkeeping. */
#include "step_control.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Defaults of the adaptive controller (Hairer's DOPRI5 values, except fac_max which Hairer
 * sets to 10 as well; max_steps bounds a run that would otherwise never end). */
static const step_control step_defaults = {
    .safety = 0.9,
    .fac_min = 0.2,
    .fac_max = 10.0,
    .h_init = 0.0,
    .h_max = 0.0,
    .max_steps = 100000,
    .n_control = 0,
    .block = 0,
    .peak = NULL,
};

void step_control_default(step_control *c, double rtol, double atol)
{
    *c = step_defaults;
    c->rtol = rtol;
    c->atol = atol;
}

double step_error_norm(int n, const double *err, const double *x, const double *x_next,
                       const step_control *c)
{
    if (c->n_control > 0 && c->n_control < n)
        n = c->n_control;
    const int block = c->block > 0 && c->block < n ? c->block : n;
    double worst = 0.0;
    for (int first = 0; first < n; first += block) {
        const int last = first + block < n ? first + block : n;
        double sum = 0.0;
        for (int m = first; m < last; m++) {
            double mag = fabs(x[m]);
            if (x_next && fabs(x_next[m]) > mag)
                mag = fabs(x_next[m]);
            if (c->peak && c->peak[m] > mag)
                mag = c->peak[m];
            const double scaled = err[m] / (c->atol + c->rtol * mag);
            sum += scaled * scaled;
        }
        const double norm = sqrt(sum / (last - first));
        if (isnan(norm))        /* as the whole norm would be: the step is rejected */
            return norm;
        if (norm > worst)
            worst = norm;
    }
    return worst;
}

/* Why a running maximum (Gear's DIFSUB weighs the error by YMAX, the largest |y_i| met so
 * far).  An adjoint λ jumps at every observation and its fast modes then decay, e.g. as
 * e^{−4.5 s} in jakstat at a point its fits reach.  Held to rtol·|λ_m|, the decaying
 * component asks for the same relative accuracy at every size, so the step stays where the
 * transient set it (0.002 there: 24 000 backward steps against 189 forward); held to
 * rtol·peak_m, the step grows as the mode dies out (7 800 steps, the same gradient error).
 * Not free: where a decayed component still meets a large f_θ the gradient loses accuracy
 * (Robertson: 2.7×, 0.7×, 5× and 6× the error at rtol 1e-7, 1e-8, 1e-9, 1e-10), so the
 * adjoints offer it as an option (weight=peak), not as their default. */
void step_peak_raise(int n, const double *x, const step_control *c)
{
    if (!c->peak)
        return;
    if (c->n_control > 0 && c->n_control < n)
        n = c->n_control;
    for (int m = 0; m < n; m++)
        if (fabs(x[m]) > c->peak[m])
            c->peak[m] = fabs(x[m]);
}

double step_factor(const step_control *c, double err, int q, int after_reject)
{
    const double fac_max = after_reject ? fmin(1.0, c->fac_max) : c->fac_max;
    if (!(err > 0.0))
        return fac_max;
    double fac = c->safety * pow(err, -1.0 / (q + 1));
    if (!isfinite(fac))   /* err = inf or NaN: shrink as much as allowed */
        return c->fac_min;
    return fmin(fac_max, fmax(c->fac_min, fac));
}

int step_underflow(double t, double h)
{
    return !(h > 16.0 * DBL_EPSILON * fabs(t)) || !(h > DBL_MIN);
}

double step_grid_time(const step_grid *g, long k)
{
    if (g->times)
        return g->times[k];
    if (k >= g->steps)
        return g->tf;
    return g->t0 + (double)k * ((g->tf - g->t0) / (double)g->steps);
}

int step_outputs_open(step_outputs *o, const char *method, double t0, double tf, int nout,
                      const double *tout, double t_start, long first, char *err,
                      size_t errlen)
{
    o->nout = nout;
    o->tout = tout;
    o->cursor = 0;
    for (int k = 0; first == 0 && k < nout; k++)
        if (!(tout[k] >= t0 && tout[k] <= tf) || (k > 0 && tout[k] < tout[k - 1])) {
            snprintf(err, errlen,
                     "%s: observation time %d (t = %g) is outside [%g, %g] or out of order",
                     method, k, tout[k], t0, tf);
            return STEP_EINPUT;
        }
    if (step_outputs_reserve(o, nout) != 0) {
        snprintf(err, errlen, "%s: out of memory for %d observation times", method, nout);
        return STEP_EMEMORY;
    }
    /* the first output the solve owns: ≥ t0 from the start, > t_start for a later segment
     * (t_start itself belongs to the step before) */
    int lo = 0, hi = nout;
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (first == 0 ? tout[mid] < t_start : tout[mid] <= t_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    o->cursor = lo;
    return STEP_OK;
}

int step_outputs_reserve(step_outputs *o, int nout)
{
    if (nout <= o->capacity)
        return 0;
    step_outputs_free(o);
    o->index = malloc(sizeof(int) * (size_t)nout);
    o->frac = malloc(sizeof(double) * (size_t)nout);
    if (!o->index || !o->frac) {
        step_outputs_free(o);
        return -1;
    }
    o->capacity = nout;
    return 0;
}

size_t step_outputs_bytes(const step_outputs *o)
{
    return (size_t)o->capacity * (sizeof(int) + sizeof(double));
}

void step_outputs_free(step_outputs *o)
{
    free(o->index);
    free(o->frac);
    o->index = NULL;
    o->frac = NULL;
    o->capacity = 0;
}

int step_outputs_take(step_outputs *o, double t, double t_next)
{
    int count = 0;
    const double h = t_next - t;
    while (o->cursor < o->nout && o->tout[o->cursor] <= t_next) {
        const double tk = o->tout[o->cursor];
        if (o->cursor > 0 && tk < o->tout[o->cursor - 1])
            return -1;
        o->index[count] = o->cursor;
        o->frac[count] = tk == t_next ? 1.0 : tk <= t ? 0.0 : (tk - t) / h;
        count++;
        o->cursor++;
    }
    return count;
}

int step_outputs_claim(step_outputs *o, const char *method, double t, double t_next, int *nout,
                       char *err, size_t errlen)
{
    *nout = step_outputs_take(o, t, t_next);
    return *nout < 0 ? step_fail_output_order(method, t, err, errlen) : STEP_OK;
}

double step_outputs_next_after(const step_outputs *o, double t, double fallback)
{
    for (int k = o->cursor; k < o->nout; k++)
        if (o->tout[k] > t)
            return o->tout[k];
    return fallback;
}

int step_begin_adaptive(step_outputs *o, const char *method, const step_control *c,
                        double t0, double tf, int nout, const double *tout, char *err,
                        size_t errlen)
{
    if (!(tf >= t0 && c->rtol >= 0.0 && c->atol >= 0.0 && (c->rtol > 0.0 || c->atol > 0.0))) {
        snprintf(err, errlen, "%s: need t0 <= tf and tolerances >= 0, not both zero", method);
        return STEP_EINPUT;
    }
    return step_outputs_open(o, method, t0, tf, nout, tout, t0, 0, err, errlen);
}

int step_begin_grid(step_outputs *o, const char *method, const step_grid *g, long first,
                    long count, double t0, double tf, int nout, const double *tout,
                    char *err, size_t errlen)
{
    if (first < 0 || count < 0 || first + count > g->steps) {
        snprintf(err, errlen, "%s: steps %ld..%ld are outside the grid of %ld steps", method,
                 first, first + count - 1, g->steps);
        return STEP_EINPUT;
    }
    return step_outputs_open(o, method, t0, tf, nout, tout, step_grid_time(g, first), first,
                             err, errlen);
}

int step_grid_next(const char *method, const step_grid *g, long k, double t, double *t_next,
                   char *err, size_t errlen)
{
    *t_next = step_grid_time(g, k + 1);
    if (*t_next > t)
        return STEP_OK;
    snprintf(err, errlen, "%s: the time grid is not increasing at step %ld (t = %.17g)", method,
             k, t);
    return STEP_EINPUT;
}

int step_fail_max_steps(const char *method, const step_control *c, double t, double tf,
                        char *err, size_t errlen)
{
    snprintf(err, errlen,
             "%s: too many steps (max_steps = %ld) at t = %.17g before reaching tf = %g: raise "
             "max_steps or loosen the tolerances",
             method, c->max_steps, t, tf);
    return STEP_EMAXSTEPS;
}

int step_fail_underflow(const char *method, const step_control *c, double t, double h,
                        char *err, size_t errlen)
{
    snprintf(err, errlen,
             "%s: step size underflow (h = %.3g) at t = %.17g: the problem is too stiff or "
             "singular there for rtol = %g, atol = %g",
             method, h, t, c->rtol, c->atol);
    return STEP_EUNDERFLOW;
}

int step_fail_output_order(const char *method, double t, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: the observation times after t = %.17g are out of order", method,
             t);
    return STEP_EINPUT;
}

/* Hairer, Nørsett & Wanner I, §II.4 ("starting step size"): h0 from the sizes of x0 and
 * f0, one explicit Euler step to estimate the second derivative, and h1 such that
 * h1^(p+1)·max(‖f0‖, ‖f'‖) = 0.01. */
int step_initial(int n, double t0, double tf, const double *x0, const double *f0, int p,
                 const step_control *c, step_eval_fn eval, void *ctx, double *scratch_x,
                 double *scratch_f, double *h)
{
    const double span = tf - t0;
    const double h_max = c->h_max > 0.0 ? fmin(c->h_max, span) : span;
    if (c->h_init > 0.0) {
        *h = fmin(c->h_init, h_max);
        return STEP_OK;
    }
    const double d0 = step_error_norm(n, x0, x0, NULL, c);
    const double d1 = step_error_norm(n, f0, x0, NULL, c);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = fmin(h0, h_max);
    for (int m = 0; m < n; m++)
        scratch_x[m] = x0[m] + h0 * f0[m];
    if (eval(t0 + h0, scratch_x, scratch_f, ctx) != 0)
        return STEP_ERHS;
    for (int m = 0; m < n; m++)
        scratch_f[m] -= f0[m];
    const double d2 = step_error_norm(n, scratch_f, x0, NULL, c) / h0;
    const double dmax = fmax(d1, d2);
    const double h1 = dmax <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dmax, 1.0 / (p + 1));
    *h = fmin(fmin(100.0 * h0, h1), h_max);
    return STEP_OK;
}
