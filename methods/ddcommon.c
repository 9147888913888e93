/* ddcommon — integrator choice, run context and the observation-time observer shared by the
 * backends that run our own integrators (tape, checkpoint, interp). */
#include "ddcommon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

method_status dd_settings_from(const method_type *type, const model *m,
                               const method_options *o, dd_settings *s, method_result *r)
{
    const char *opt = method_opt_choice(type, o, "solver");
    const char *solver = o->solver;
    if (opt && strcmp(opt, "auto") != 0) {
        if (solver && strcmp(solver, opt) != 0)
            return method_fail(r, METHOD_EINPUT,
                               "%s: --solver %s and --opt solver=%s disagree; give one",
                               type->name, solver, opt);
        solver = opt;
    }
    if (!solver || strcmp(solver, "auto") == 0)
        solver = integrator_default(m->stiff)->name;
    if (!odeint_known(solver)) {
        char names[200];
        return method_fail(r, METHOD_EINPUT,
                           "%s runs odegrad's own integrators: the solver must be one of %s, "
                           "not '%s'",
                           type->name, integrator_names(names, sizeof names, ", ", 0), solver);
    }
    s->solver = solver;
    s->tape = 1;
    s->steps = method_opt_int(type, o, "steps");
    if (s->steps <= 0 && !odeint_adaptive_capable(solver))
        s->steps = DD_DEFAULT_FIXED_STEPS;
    step_control_default(&s->control, method_rtol(o, m), method_atol(o, m));
    s->control.max_steps = method_max_steps(o);
    return METHOD_OK;
}

/* counted allocation of the run's own arrays */
static void *dd_alloc(dd_run *R, size_t bytes)
{
    return mem_calloc(&R->acc, 1, bytes ? bytes : 1);
}

method_status dd_open(dd_run *R, const method_type *type, const model *m, const double *theta,
                      const dd_settings *s, const method_options *o, method_result *r)
{
    char err[256];
    memset(R, 0, sizeof *R);
    R->type = type;
    R->settings = s;
    R->r = r;
    R->acc.cap = o->mem_cap;
    R->ctx = model_ctx_new(m, theta, err, sizeof err);
    if (!R->ctx)
        return method_fail(r, METHOD_EINPUT, "%s: %s", type->name, err);
    model_ctx_count_into(R->ctx, &r->fwd);
    if (odesys_model(&R->sys, &R->sysdata, R->ctx, 1) != 0)
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory", type->name);
    R->I = odeint_new(s->solver, &R->sys);
    if (!R->I)
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory for the integrator",
                           type->name);
    R->nx = m->nx;
    R->n = R->sys.n;
    R->np = m->np;
    r->gradient = calloc((size_t)(m->np ? m->np : 1), sizeof(double));
    if (!r->gradient)
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory", type->name);
    /* the context and the integrator's workspace count towards the backend's bytes */
    if (mem_charge(&R->acc, model_ctx_bytes(R->ctx) + odeint_bytes(R->I)) != 0)
        goto over_cap;
    const size_t n = (size_t)R->n, np = (size_t)(R->np ? R->np : 1);
    R->x = dd_alloc(R, n * sizeof(double));
    R->xbar = dd_alloc(R, n * sizeof(double));
    R->carry = dd_alloc(R, n * sizeof(double));
    R->thbar = dd_alloc(R, np * sizeof(double));
    R->gth = dd_alloc(R, np * sizeof(double));
    R->lx = dd_alloc(R, (size_t)R->nx * sizeof(double));
    if (!R->x || !R->xbar || !R->carry || !R->thbar || !R->gth || !R->lx)
        goto over_cap;
    if (!s->tape)
        return METHOD_OK;
    R->T = tape_new(R->I, &R->sys, &R->acc);
    if (!R->T)
        return method_fail(r, METHOD_EMEMORY,
                           "%s: the memory cap of %zu bytes is too small for the tape's "
                           "workspace: raise --mem-cap",
                           type->name, R->acc.cap);
    return METHOD_OK;
over_cap:
    return method_fail(r, METHOD_EMEMORY,
                       "%s: the memory cap of %zu bytes is too small for the solver's "
                       "workspace (%zu bytes held when the next part was refused): raise "
                       "--mem-cap",
                       type->name, R->acc.cap, R->acc.current);
}

static void dd_free(dd_run *R, void *p, size_t bytes)
{
    mem_free(&R->acc, p, bytes ? bytes : 1);
}

static void dd_release_outputs(dd_run *R)
{
    const size_t nout = (size_t)R->nout, n = (size_t)R->n;
    dd_free(R, R->xout, nout * n * sizeof(double));
    dd_free(R, R->seed, nout * n * sizeof(double));
    dd_free(R, R->out_step, nout * sizeof(long));
    dd_free(R, R->out_frac, nout * sizeof(double));
    dd_free(R, R->seeded, nout);
    R->xout = R->seed = R->out_frac = NULL;
    R->out_step = NULL;
    R->seeded = NULL;
    R->nout = 0;
}

void dd_grid_release(dd_run *R)
{
    mem_free(&R->acc, R->grid, sizeof(double) * (size_t)R->grid_cap);
    R->grid = NULL;
    R->grid_len = R->grid_cap = 0;
}

void dd_close(dd_run *R)
{
    tape_free(R->T);
    R->T = NULL;
    dd_release_outputs(R);
    dd_grid_release(R);
    const size_t n = (size_t)R->n, np = (size_t)(R->np ? R->np : 1);
    dd_free(R, R->x, n * sizeof(double));
    dd_free(R, R->xbar, n * sizeof(double));
    dd_free(R, R->carry, n * sizeof(double));
    dd_free(R, R->thbar, np * sizeof(double));
    dd_free(R, R->gth, np * sizeof(double));
    dd_free(R, R->lx, (size_t)R->nx * sizeof(double));
    odeint_free(R->I);   /* (the account dies with the run: no release needed) */
    odesys_model_release(&R->sysdata);
    model_ctx_free(R->ctx);
    R->I = NULL;
    R->ctx = NULL;
}

method_status dd_condition_begin(dd_run *R, int k)
{
    method_result *r = R->r;
    model_ctx_condition(R->ctx, k);
    model_ctx_count_into(R->ctx, &r->fwd);
    memset(R->x, 0, sizeof(double) * (size_t)R->n);
    if (model_x0(R->ctx, R->x) != 0)
        return method_fail(r, METHOD_ESOLVER,
                           "%s: the initial state of condition %d could not be computed at "
                           "this theta",
                           R->type->name, k);
    R->nout = model_nobs(R->ctx);
    R->tout = model_obs_times(R->ctx);
    /* the integrator's bookkeeping for the observations is held too */
    const size_t before = odeint_bytes(R->I);
    if (odeint_reserve(R->I, R->nout) != 0 ||
        mem_charge(&R->acc, odeint_bytes(R->I) - before) != 0)
        return method_fail(r, METHOD_EMEMORY,
                           "%s: the memory cap of %zu bytes is too small even for the %d "
                           "observations: raise --mem-cap",
                           R->type->name, R->acc.cap, R->nout);
    const size_t nout = (size_t)R->nout, n = (size_t)R->n;
    R->xout = dd_alloc(R, nout * n * sizeof(double));
    R->seed = dd_alloc(R, nout * n * sizeof(double));
    R->out_step = dd_alloc(R, nout * sizeof(long));
    R->out_frac = dd_alloc(R, nout * sizeof(double));
    R->seeded = dd_alloc(R, nout);
    if (!R->xout || !R->seed || !R->out_step || !R->out_frac || !R->seeded)
        return method_fail(r, METHOD_EMEMORY,
                           "%s: the memory cap of %zu bytes is too small even for the %d "
                           "observations: raise --mem-cap",
                           R->type->name, R->acc.cap, R->nout);
    for (int i = 0; i < R->nout; i++)
        R->out_step[i] = -1;
    memset(R->xbar, 0, sizeof(double) * n);
    memset(R->carry, 0, sizeof(double) * n);
    memset(R->thbar, 0, sizeof(double) * (size_t)R->np);
    if (R->n > R->nx)   /* ∂L/∂q(tf) = 1 */
        R->xbar[R->nx] = 1.0;
    R->q_final = 0.0;
    return METHOD_OK;
}

method_status dd_condition_end(dd_run *R)
{
    method_result *r = R->r;
    for (int i = 0; i < R->nout; i++)
        if (!R->seeded[i])
            return method_fail(r, METHOD_ESOLVER,
                               "%s: observation time %g of condition %d was never reached",
                               R->type->name, R->tout[i], model_ctx_current_condition(R->ctx));
    for (int k = 0; k < R->np; k++)
        r->gradient[k] += R->thbar[k];
    model_x0_vjp(R->ctx, R->xbar, R->gth);
    for (int k = 0; k < R->np; k++)
        r->gradient[k] += R->gth[k];
    if (R->n > R->nx)
        r->loss += R->q_final;
    dd_release_outputs(R);
    return METHOD_OK;
}

static int dd_keep_time(dd_run *R, double t)
{
    double *grid = mem_grow(&R->acc, R->grid, sizeof *grid, R->grid_len, &R->grid_cap, 1024);
    if (!grid) {
        snprintf(R->error, sizeof R->error,
                 "%s: keeping the step sizes of step %ld would pass the memory cap of %zu "
                 "bytes: raise --mem-cap or loosen the tolerances",
                 R->type->name, R->grid_len, R->acc.cap);
        return -1;
    }
    R->grid = grid;
    R->grid[R->grid_len++] = t;
    return 0;
}

int dd_observe(const odeint_step *step, void *run)
{
    dd_run *R = run;
    for (int j = 0; j < step->nout; j++) {
        const int i = step->out_index[j];
        R->out_step[i] = step->index;
        R->out_frac[i] = step->out_frac[j];
        if (R->seeded[i])
            continue;
        /* first time this output is produced: its loss term and seed */
        R->r->loss +=
            model_loss_term_grad(R->ctx, i, R->xout + (size_t)i * R->n, R->lx, R->gth);
        memcpy(R->seed + (size_t)i * R->n, R->lx, sizeof(double) * (size_t)R->nx);
        for (int k = 0; k < R->np; k++)
            R->r->gradient[k] += R->gth[k];
        R->seeded[i] = 1;
    }
    if (R->keep_grid) {
        if (R->grid_len == 0 && dd_keep_time(R, step->t) != 0)
            return -1;
        if (dd_keep_time(R, step->t_next) != 0)
            return -1;
    }
    if (R->record_into && tape_record(step, R->record_into) != 0) {
        snprintf(R->error, sizeof R->error, "%s", tape_error(R->record_into));
        return -1;
    }
    return 0;
}

odeint_problem dd_problem(dd_run *R)
{
    const model *m = model_ctx_model(R->ctx);
    const odeint_problem P = {.t0 = m->t0, .tf = m->tf, .nout = R->nout, .tout = R->tout,
                              .xout = R->xout, .observer = dd_observe, .observer_ctx = R};
    return P;
}

tape_outputs dd_outputs(const dd_run *R)
{
    const tape_outputs out = {.nout = R->nout, .step = R->out_step, .frac = R->out_frac,
                              .seed = R->seed, .cursor = R->nout};
    return out;
}

method_status dd_solver_failed(dd_run *R, int status, const char *err)
{
    if (status == STEP_EOBSERVER && R->error[0])
        return method_fail(R->r, R->acc.refused ? METHOD_EMEMORY : METHOD_ESOLVER, "%s",
                           R->error);
    return method_fail(R->r, status == STEP_EINPUT ? METHOD_EINPUT : METHOD_ESOLVER, "%s: %s",
                       R->type->name, err);
}
