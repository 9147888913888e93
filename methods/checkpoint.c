/* checkpoint — the tape's gradient (the same discrete computation, the same numbers) under
 * a budget of stored states: a checkpoint schedule (core/ode/revolve.h) decides which states to
 * keep; every step is recomputed from the nearest checkpoint, recorded on a tape one
 * segment at a time, and swept backwards.
 *
 * Schedules: binomial (Revolve: the fewest recomputed steps, p(l, s), for s checkpoints and
 * l steps; REVERSE of one step at a time) or uniform (a checkpoint every ⌈l/s⌉ steps,
 * segments of that length on the tape).  Both are offline: the number of steps must be known.
 * For fixed steps it is; for an adaptive solve a first pass keeps only the accepted step
 * times (8 bytes per step — the one thing that still grows with l) and the schedule then
 * replays that grid, which reproduces every state bit for bit.  The observation times'
 * loss terms are taken the first time their step is computed.
 *
 * Budget: `budget` checkpoints (the initial state is one of them), or `budget_bytes` for the
 * stored states.  A budget that holds no checkpoint, a schedule that would recompute more
 * than `max_recompute` × l steps, or checkpoints plus one segment that would pass --mem-cap
 * stop with a one-line error before any of it is allocated. */
#include "ddcommon.h"
#include "revolve.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const method_opt_spec checkpoint_options[] = {
    DD_SOLVER_OPTION,
    DD_STEPS_OPTION,
    {"schedule", OPT_CHOICE, "binomial", "binomial|uniform", 0, 0,
     "binomial (Revolve, fewest recomputations) or uniform (a checkpoint every l/budget steps)"},
    {"budget", OPT_INT, "20", NULL, 1, 1e9,
     "number of stored states (checkpoints), the initial state included"},
    {"budget_bytes", OPT_DOUBLE, "0", NULL, 0, 1e18,
     "bytes for stored states instead of a count (0 = use budget)"},
    {"max_recompute", OPT_DOUBLE, "1000", NULL, 1, 1e12,
     "refuse a schedule that recomputes more than this many times the number of steps"},
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status checkpoint_run(const model *m, const double *theta,
                                    const method_options *o, method_result *r);

const method_type method_checkpoint = {
    "checkpoint",
    "the tape's exact discrete gradient under a checkpoint budget (binomial Revolve or "
    "uniform schedule), one taped segment at a time",
    CAP_GRADIENT | CAP_STIFF | CAP_EXACT_DISCRETE, checkpoint_options, checkpoint_run};

/* What one run adds up over its conditions. */
typedef struct {
    revolve_kind kind;
    long slots_asked;
    double budget_bytes, max_recompute;
    long steps, advances, predicted, recorded, first_pass, rejected;
    long slots_used, max_held, segment;
    size_t slot_bytes, budget_bytes_used, segment_bytes, fixed_bytes;
} ckpt_totals;

/* The time grid of the selected condition: fixed, or from an adaptive first pass that keeps
 * the accepted step times (and takes the loss terms).  x is restored to x0 afterwards. */
static method_status ckpt_grid(dd_run *R, ckpt_totals *c, step_grid *g, double **times)
{
    const dd_settings *S = R->settings;
    const model *m = model_ctx_model(R->ctx);
    char err[256];
    *times = NULL;
    if (S->steps > 0) {
        if (odeint_fixed_grid(R->I, m->t0, m->tf, S->steps, R->nout, R->tout, g, times) != 0)
            return method_fail(R->r, METHOD_EMEMORY, "checkpoint: out of memory");
        /* a merged grid (Rosenbrock) is held like the adaptive one */
        if (*times && mem_charge(&R->acc, sizeof(double) * (size_t)(g->steps + 1)) != 0)
            return method_fail(R->r, METHOD_EMEMORY,
                               "checkpoint: the time grid passes the memory cap of %zu bytes",
                               R->acc.cap);
        return METHOD_OK;
    }
    const size_t bytes = sizeof(double) * (size_t)R->n;
    double *x0 = mem_alloc(&R->acc, bytes);
    if (!x0)
        return method_fail(R->r, METHOD_EMEMORY,
                           "checkpoint: the memory cap of %zu bytes is too small for the first "
                           "pass: raise --mem-cap",
                           R->acc.cap);
    memcpy(x0, R->x, bytes);
    R->keep_grid = 1;
    odeint_problem P = dd_problem(R);
    odeint_stats st;
    const int status = odeint_adaptive(R->I, &P, &S->control, R->x, &st, err, sizeof err);
    R->keep_grid = 0;
    c->first_pass += st.steps;
    c->rejected += st.rejected;
    R->r->steps_fwd += st.steps;
    memcpy(R->x, x0, bytes);
    mem_free(&R->acc, x0, bytes);
    if (status != STEP_OK)
        return dd_solver_failed(R, status, err);
    g->t0 = m->t0;
    g->tf = m->tf;
    g->steps = R->grid_len - 1;
    g->times = R->grid;
    return METHOD_OK;
}

/* Checkpoints for this condition from the budget, with the refusals of the header. */
static method_status ckpt_slots(dd_run *R, ckpt_totals *c, const tape *T, long l, long *slots)
{
    const size_t slot_bytes = sizeof(double) * (size_t)R->n;
    c->slot_bytes = slot_bytes;
    long s = c->slots_asked;
    if (c->budget_bytes > 0) {
        const double fit = floor(c->budget_bytes / (double)slot_bytes);
        if (fit < 1)
            return method_fail(R->r, METHOD_EMEMORY,
                               "checkpoint: budget_bytes = %.0f holds no checkpoint (one state "
                               "of %d values takes %zu bytes): raise budget_bytes",
                               c->budget_bytes, R->n, slot_bytes);
        s = fit > 1e9 ? 1000000000L : (long)fit;
    }
    if (s > l)
        s = l > 0 ? l : 1;   /* more checkpoints than steps are never used */
    const long predicted = c->kind == REVOLVE_BINOMIAL ? revolve_min_advances(l, s)
                                                       : revolve_uniform_advances(l, s);
    if ((double)predicted > c->max_recompute * (double)l)
        return method_fail(R->r, METHOD_EMEMORY,
                           "checkpoint: a budget of %ld checkpoints would recompute %ld steps "
                           "to reverse %ld (%.0f times, over max_recompute = %g): raise the "
                           "budget",
                           s, predicted, l, (double)predicted / l, c->max_recompute);
    const long segment = c->kind == REVOLVE_UNIFORM ? (l <= s ? 1 : (l + s - 1) / s) : 1;
    /* the stored states and their bookkeeping (schedule stack, pointers) */
    const size_t budget = (size_t)s * slot_bytes + sizeof(long) * (size_t)(s + 1) +
                          sizeof(double *) * (size_t)s;
    const size_t need = budget + (size_t)segment * tape_record_bytes(T);
    if (R->acc.cap && R->acc.current + need > R->acc.cap)
        return method_fail(R->r, METHOD_EMEMORY,
                           "checkpoint: %ld checkpoints (%zu bytes each) plus one taped segment "
                           "of %ld steps (%zu bytes) would pass the memory cap of %zu bytes "
                           "(%zu already held): lower the budget or raise --mem-cap",
                           s, slot_bytes, segment, (size_t)segment * tape_record_bytes(T),
                           R->acc.cap, R->acc.current);
    c->predicted += predicted;
    c->segment = segment > c->segment ? segment : c->segment;
    if ((size_t)segment * tape_record_bytes(T) > c->segment_bytes)
        c->segment_bytes = (size_t)segment * tape_record_bytes(T);
    if (budget > c->budget_bytes_used)
        c->budget_bytes_used = budget;
    if (s > c->slots_used)
        c->slots_used = s;
    *slots = s;
    return METHOD_OK;
}

/* Run the schedule over the l steps of grid g: the loss terms, the sweep, ∂L/∂x0 in
 * R->xbar. */
static method_status ckpt_reverse(dd_run *R, ckpt_totals *c, tape *T, const step_grid *g,
                                  long slots)
{
    method_result *r = R->r;
    const long l = g->steps;
    const size_t slot_bytes = c->slot_bytes;
    revolve rv;
    if (revolve_init(&rv, c->kind, l, slots) != 0)
        return method_fail(r, METHOD_EMEMORY, "checkpoint: out of memory for the schedule");
    double **stored = mem_calloc(&R->acc, (size_t)slots, sizeof *stored);
    if (!stored || mem_charge(&R->acc, revolve_bytes(&rv)) != 0) {
        mem_free(&R->acc, stored, sizeof *stored * (size_t)slots);
        revolve_free(&rv);
        return method_fail(r, METHOD_EMEMORY, "checkpoint: the schedule passes the memory cap");
    }
    long depth = 0;
    method_status status = METHOD_OK;
    odeint_problem P = dd_problem(R);
    tape_outputs out = dd_outputs(R);
    tape_adjoint adj = {R->xbar, R->carry, R->thbar};
    char err[256];
    revolve_action a;
    while (status == METHOD_OK && revolve_next(&rv, &a) != REVOLVE_DONE) {
        odeint_stats st;
        int rc = STEP_OK;
        switch (a.op) {
        case REVOLVE_STORE:
            stored[depth] = mem_alloc(&R->acc, slot_bytes);
            if (!stored[depth]) {
                status = method_fail(r, METHOD_EMEMORY,
                                     "checkpoint: storing checkpoint %ld passes the memory cap "
                                     "of %zu bytes: lower the budget or raise --mem-cap",
                                     depth + 1, R->acc.cap);
                break;
            }
            memcpy(stored[depth++], R->x, slot_bytes);
            break;
        case REVOLVE_RESTORE:
            memcpy(R->x, stored[depth - 1], slot_bytes);
            break;
        case REVOLVE_FREE:
            mem_free(&R->acc, stored[--depth], slot_bytes);
            stored[depth] = NULL;
            break;
        case REVOLVE_ADVANCE:
            rc = odeint_grid(R->I, &P, g, a.from, a.to - a.from, R->x, &st, err, sizeof err);
            c->advances += st.steps;
            r->steps_fwd += st.steps;
            break;
        case REVOLVE_REVERSE:
            R->record_into = T;
            rc = odeint_grid(R->I, &P, g, a.from, a.to - a.from, R->x, &st, err, sizeof err);
            R->record_into = NULL;
            c->recorded += st.steps;
            r->steps_fwd += st.steps;
            if (rc != STEP_OK)
                break;
            if (a.to == l && R->n > R->nx)
                R->q_final = R->x[R->nx];
            model_ctx_count_into(R->ctx, &r->bwd);
            if (tape_sweep(T, &out, &adj) != 0)
                status = method_fail(r, METHOD_ESOLVER, "%s", tape_error(T));
            model_ctx_count_into(R->ctx, &r->fwd);
            r->steps_bwd += a.to - a.from;
            break;
        case REVOLVE_DONE:
            break;
        }
        if (rc != STEP_OK)
            status = dd_solver_failed(R, rc, err);
    }
    if (rv.max_depth > c->max_held)
        c->max_held = rv.max_depth;
    while (depth > 0)
        mem_free(&R->acc, stored[--depth], slot_bytes);
    mem_release(&R->acc, revolve_bytes(&rv));
    mem_free(&R->acc, stored, sizeof *stored * (size_t)slots);
    revolve_free(&rv);
    return status;
}

static void ckpt_report(method_result *r, const ckpt_totals *c)
{
    const double l = c->steps > 0 ? (double)c->steps : 1.0;
    method_extra_add(r, "budget_checkpoints", (double)c->slots_used, "");
    method_extra_add(r, "forward_advances", (double)c->advances, "steps");
    method_extra_add(r, "revolve_p", (double)c->predicted, "steps");
    method_extra_add(r, "recorded_steps", (double)c->recorded, "steps");
    method_extra_add(r, "first_pass_steps", (double)c->first_pass, "steps");
    method_extra_add(r, "rejected_steps", (double)c->rejected, "");
    method_extra_add(r, "forward_cost_ratio",
                     (double)(c->first_pass + c->advances + c->recorded) / l, "");
    method_extra_add(r, "checkpoint_bytes", (double)c->slot_bytes, "B");
    method_extra_add(r, "budget_bytes", (double)c->budget_bytes_used, "B");
    method_extra_add(r, "segment_steps", (double)c->segment, "steps");
    method_extra_add(r, "segment_bytes", (double)c->segment_bytes, "B");
    method_extra_add(r, "fixed_bytes", (double)c->fixed_bytes, "B");
}

static method_status checkpoint_run(const model *m, const double *theta,
                                    const method_options *o, method_result *r)
{
    dd_settings S;
    method_status status = dd_settings_from(&method_checkpoint, m, o, &S, r);
    if (status != METHOD_OK)
        return status;
    ckpt_totals c;
    memset(&c, 0, sizeof c);
    c.kind = strcmp(method_opt_choice(&method_checkpoint, o, "schedule"), "uniform") == 0
                 ? REVOLVE_UNIFORM
                 : REVOLVE_BINOMIAL;
    c.slots_asked = method_opt_int(&method_checkpoint, o, "budget");
    c.budget_bytes = method_opt_double(&method_checkpoint, o, "budget_bytes");
    c.max_recompute = method_opt_double(&method_checkpoint, o, "max_recompute");

    dd_run R;
    status = dd_open(&R, &method_checkpoint, m, theta, &S, o, r);
    tape *T = R.T;
    for (int k = 0; status == METHOD_OK && k < m->ncond; k++) {
        status = dd_condition_begin(&R, k);
        if (status != METHOD_OK)
            break;
        /* what is held whatever the budget: workspace, outputs (and the first pass's grid) */
        step_grid g;
        double *times = NULL;
        status = ckpt_grid(&R, &c, &g, &times);
        long slots = 0;
        if (status == METHOD_OK) {
            if (R.acc.current > c.fixed_bytes)
                c.fixed_bytes = R.acc.current;
            c.steps += g.steps;
            status = ckpt_slots(&R, &c, T, g.steps, &slots);
        }
        if (status == METHOD_OK)
            status = ckpt_reverse(&R, &c, T, &g, slots);
        if (times) {
            mem_release(&R.acc, sizeof(double) * (size_t)(g.steps + 1));
            free(times);
        }
        dd_grid_release(&R);
        if (status == METHOD_OK)
            status = dd_condition_end(&R);
    }
    r->checkpoints = c.max_held;
    r->peak_bytes = R.acc.peak;
    ckpt_report(r, &c);
    dd_close(&R);
    return status;
}
