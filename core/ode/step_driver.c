/* step_driver — the adaptive and the grid step loops shared by the integrators.  See
 * step_driver.h. */
#include "step_driver.h"

#include <math.h>
#include <string.h>

int step_adaptive_solve(const step_method *M, void *integrator, const step_solve *P,
                        const step_control *c, step_outputs *outs, double *f0,
                        double *scratch, double *x, step_tally *tally, char *err,
                        size_t errlen)
{
    memset(tally, 0, sizeof *tally);
    tally->t_reached = P->t0;
    int status = step_begin_adaptive(outs, M->name, c, P->t0, P->tf, P->nout, P->tout, err,
                                     errlen);
    if (status != STEP_OK)
        return status;

    const int n = P->n, q = M->order < M->error_order ? M->order : M->error_order;
    const double h_max = c->h_max > 0.0 ? c->h_max : P->tf - P->t0;
    double t = P->t0, h = 0.0;
    if (P->tf == P->t0) {   /* no step: every output is x0 */
        for (int k = 0; k < P->nout && P->xout; k++)
            memcpy(P->xout + (size_t)k * n, x, sizeof(double) * (size_t)n);
        return STEP_OK;
    }
    status = P->rhs(t, x, f0, P->rhs_ctx) != 0 ? STEP_ERHS : STEP_OK;
    tally->rhs_evals++;
    if (status == STEP_OK) {
        status = step_initial(n, t, P->tf, x, f0, M->order, c, P->rhs, P->rhs_ctx, scratch,
                              scratch + n, &h);
        tally->rhs_evals++;
    }
    int after_reject = 0;
    long attempts = 0;
    while (status == STEP_OK && t < P->tf) {
        if (attempts >= c->max_steps) {
            status = step_fail_max_steps(M->name, c, t, P->tf, err, errlen);
            break;
        }
        const double target =
            M->lands_on_outputs ? step_outputs_next_after(outs, t, P->tf) : P->tf;
        const int clipped = t + 1.01 * h >= target;
        const double t_next = clipped ? target : t + h;
        const double hh = t_next - t;
        if (step_underflow(t, hh)) {
            status = step_fail_underflow(M->name, c, t, hh, err, errlen);
            break;
        }
        attempts++;
        double e;
        status = M->attempt(integrator, t, t_next, x, &e);
        if (status != STEP_OK)
            break;
        if (e <= 1.0) {
            int nout;
            status = step_outputs_claim(outs, M->name, t, t_next, &nout, err, errlen);
            if (status != STEP_OK)
                break;
            status = M->accept(integrator, tally->steps, t, t_next, x, nout, outs->index,
                               outs->frac);
            if (status != STEP_OK)
                break;
            tally->steps++;
            t = t_next;
            status = M->advance(integrator, t, x);
            step_peak_raise(n, x, c);
            const double h_new = hh * step_factor(c, e, q, after_reject);
            tally->h_proposed = clipped ? fmax(h_new, h) : h_new;
            h = fmin(tally->h_proposed, h_max);
            after_reject = 0;
        } else {   /* rejected (also when the estimate is not finite) */
            tally->rejected++;
            h = hh * step_factor(c, e, q, 1);
            after_reject = 1;
        }
    }
    tally->t_reached = t;
    return status;
}

int step_grid_solve(const char *name, step_grid_fn step, void *integrator, const step_solve *P,
                    const step_grid *g, long first, long count, step_outputs *outs, double *x,
                    step_tally *tally, char *err, size_t errlen)
{
    memset(tally, 0, sizeof *tally);
    double t = step_grid_time(g, first);
    tally->t_reached = t;
    int status = step_begin_grid(outs, name, g, first, count, P->t0, P->tf, P->nout, P->tout,
                                 err, errlen);
    if (status != STEP_OK)
        return status;
    for (long k = first; k < first + count; k++) {
        double t_next;
        status = step_grid_next(name, g, k, t, &t_next, err, errlen);
        if (status == STEP_OK)
            status = step(integrator, k, t, t_next, x, outs, err, errlen);
        if (status != STEP_OK)
            break;
        tally->steps++;
        t = t_next;
    }
    tally->t_reached = t;
    return status;
}
