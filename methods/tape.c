/* tape — the exact gradient of the discrete solution by recording every accepted step of one
 * of our integrators and sweeping the record backwards (core/ode/tape.h has the mathematics).
 *
 * The step sizes are constants of the discrete computation: the adaptive controller that
 * chose them is not differentiated (its decisions are piecewise constant in θ).  So the
 * result is the exact gradient of the loss of the computed solution, which converges to the
 * gradient of the exact loss as the tolerance (or the step) shrinks.
 *
 * Memory: every accepted step stays on the tape until the sweep — bytes per step are
 * reported (tape_bytes_per_step) and grow exactly linearly with the steps; a tape that would
 * pass --mem-cap stops with a one-line error before allocating (for fixed steps, before the
 * solve starts). */
#include "ddcommon.h"

#include <stdio.h>
#include <stdlib.h>

static const method_opt_spec tape_options[] = {
    DD_SOLVER_OPTION,
    DD_STEPS_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status tape_run(const model *m, const double *theta, const method_options *o,
                              method_result *r);

const method_type method_tape = {
    "tape",
    "records every accepted step of our RK / Rosenbrock integrator and sweeps it backwards: "
    "exact gradient of the discrete solution",
    CAP_GRADIENT | CAP_STIFF | CAP_EXACT_DISCRETE, tape_options, tape_run};

/* Forward solve of the selected condition while recording on T. */
static method_status tape_forward(dd_run *R, tape *T, long *rejected)
{
    const dd_settings *S = R->settings;
    const model *m = model_ctx_model(R->ctx);
    char err[256];
    odeint_problem P = dd_problem(R);
    odeint_stats st;
    int status;
    R->record_into = T;
    if (S->steps > 0) {
        step_grid g;
        double *times;
        if (odeint_fixed_grid(R->I, m->t0, m->tf, S->steps, R->nout, R->tout, &g, &times) != 0)
            return method_fail(R->r, METHOD_EMEMORY, "tape: out of memory");
        /* the whole tape's size is known: refuse before the first step (a merged grid is
         * held during the solve as well) */
        const size_t grid_bytes = times ? sizeof(double) * (size_t)(g.steps + 1) : 0;
        const size_t need = (size_t)g.steps * tape_record_bytes(T) + grid_bytes;
        if (R->acc.cap && R->acc.current + need > R->acc.cap) {
            free(times);
            return method_fail(R->r, METHOD_EMEMORY,
                               "tape: %ld steps need %zu bytes of tape (%zu per step) beyond "
                               "the %zu held, over the memory cap of %zu bytes: raise "
                               "--mem-cap, take fewer steps, or use the checkpoint backend",
                               g.steps, need, tape_record_bytes(T), R->acc.current,
                               R->acc.cap);
        }
        mem_charge(&R->acc, grid_bytes);
        status = odeint_grid(R->I, &P, &g, 0, g.steps, R->x, &st, err, sizeof err);
        mem_release(&R->acc, grid_bytes);
        free(times);
    } else {
        status = odeint_adaptive(R->I, &P, &S->control, R->x, &st, err, sizeof err);
    }
    R->record_into = NULL;
    R->r->steps_fwd += st.steps;
    *rejected += st.rejected;
    if (status != STEP_OK)
        return dd_solver_failed(R, status, err);
    R->q_final = R->n > R->nx ? R->x[R->nx] : 0.0;
    return METHOD_OK;
}

static method_status tape_run(const model *m, const double *theta, const method_options *o,
                              method_result *r)
{
    dd_settings S;
    method_status status = dd_settings_from(&method_tape, m, o, &S, r);
    if (status != METHOD_OK)
        return status;
    dd_run R;
    status = dd_open(&R, &method_tape, m, theta, &S, o, r);
    tape *T = R.T;
    long rejected = 0, most_steps = 0;
    for (int k = 0; status == METHOD_OK && k < m->ncond; k++) {
        status = dd_condition_begin(&R, k);
        if (status == METHOD_OK)
            status = tape_forward(&R, T, &rejected);
        if (status != METHOD_OK)
            break;
        const long steps = tape_steps(T);
        if (steps > most_steps)
            most_steps = steps;
        model_ctx_count_into(R.ctx, &r->bwd);
        tape_outputs out = dd_outputs(&R);
        tape_adjoint adj = {R.xbar, R.carry, R.thbar};
        if (tape_sweep(T, &out, &adj) != 0) {
            status = method_fail(r, METHOD_ESOLVER, "%s", tape_error(T));
            break;
        }
        r->steps_bwd += steps;
        status = dd_condition_end(&R);
        model_ctx_count_into(R.ctx, &r->fwd);
    }
    if (T) {
        method_extra_add(r, "tape_bytes_per_step", (double)tape_record_bytes(T), "B");
        method_extra_add(r, "tape_steps_max", (double)most_steps, "");
        method_extra_add(r, "tape_bytes_max",
                         (double)(most_steps * tape_record_bytes(T) + tape_fixed_bytes(T)), "B");
    }
    method_extra_add(r, "rejected_steps", (double)rejected, "");
    r->peak_bytes = R.acc.peak;
    dd_close(&R);
    return status;
}
