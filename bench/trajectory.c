/* trajectory — one solve against the closed form: see trajectory.h. */
#include "trajectory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cvwrap.h"
#include "integrator.h"
#include "odeint.h"
#include "odesys.h"
#include "freefall.h"
#include "oscillator.h"

const char *trajectory_solvers(char *buf, size_t len)
{
    char ours[200];
    integrator_names(ours, sizeof ours, "|", 0);
    snprintf(buf, len, "%s|%s|%s", ours, cv_family_name(CV_FAMILY_BDF),
             cv_family_name(CV_FAMILY_ADAMS));
    return buf;
}

/* The closed-form states we know: each returns -1 for a model that is not its own. */
typedef int (*exact_state_fn)(const model *m, const double *theta, double t, double *x);
static const exact_state_fn trajectory_exact_states[] = {freefall_state_at, oscillator_state_at,
                                                         NULL};

static exact_state_fn exact_state_of(const model *m)
{
    double theta[8], x[8];
    if (m->np > 8 || m->nx > 8)
        return NULL;
    model_nominal(m, theta);
    for (int i = 0; trajectory_exact_states[i]; i++)
        if (trajectory_exact_states[i](m, theta, m->t0, x) == 0)
            return trajectory_exact_states[i];
    return NULL;
}

int trajectory_model_known(const model *m)
{
    return exact_state_of(m) != NULL;
}

static int is_cvodes(const char *solver)
{
    cv_family family;
    return cv_family_parse(solver, &family) == 0;
}

int trajectory_check(const model *m, const trajectory_settings *s, char *err, size_t errlen)
{
    if (!trajectory_model_known(m)) {
        snprintf(err, errlen, "model %s has no closed-form solution to measure against; use "
                 "freefall, freefall-x0, freefall-T<T>, oscillator or oscillator-T<T>", m->name);
        return -1;
    }
    char names[256];
    if (!s->solver || (!odeint_known(s->solver) && !is_cvodes(s->solver))) {
        snprintf(err, errlen, "unknown solver '%s'; solvers: %s", s->solver ? s->solver : "",
                 trajectory_solvers(names, sizeof names));
        return -1;
    }
    if (s->steps > 0 && is_cvodes(s->solver)) {
        snprintf(err, errlen, "CVODES (%s) chooses its own steps: drop --steps, or pick one of "
                 "ours: %s", s->solver, integrator_names(names, sizeof names, ", ", 0));
        return -1;
    }
    return 0;
}

/* ---- our integrators ------------------------------------------------------------------ */

static int solve_ours(model_ctx *ctx, const trajectory_settings *s, trajectory *tr, char *err,
                      size_t errlen)
{
    const model *m = model_ctx_model(ctx);
    odesys sys;
    odesys_model_data data;
    if (odesys_model(&sys, &data, ctx, 0) != 0) {
        snprintf(err, errlen, "trajectory: out of memory");
        return 2;
    }
    odeint *I = odeint_new(s->solver, &sys);
    double *x = malloc(sizeof(double) * (size_t)m->nx);
    int status = 2;
    odeint_stats st;
    memset(&st, 0, sizeof st);
    if (!I || !x || odeint_reserve(I, tr->nout) != 0 || model_x0(ctx, x) != 0) {
        snprintf(err, errlen, "trajectory: out of memory or no initial state");
        goto done;
    }
    const odeint_problem P = {m->t0, m->tf, tr->nout, tr->t, tr->numeric, NULL, NULL};
    long steps = s->steps;
    if (steps <= 0 && !odeint_adaptive_capable(s->solver))
        steps = TRAJECTORY_DEFAULT_FIXED_STEPS;
    int rc;
    if (steps > 0) {
        step_grid g;
        double *times = NULL;
        if (odeint_fixed_grid(I, m->t0, m->tf, steps, tr->nout, tr->t, &g, &times) != 0) {
            snprintf(err, errlen, "trajectory: out of memory");
            goto done;
        }
        rc = odeint_grid(I, &P, &g, 0, g.steps, x, &st, err, errlen);
        free(times);
    } else {
        step_control c;
        step_control_default(&c, tr->rtol, tr->atol);
        c.max_steps = s->max_steps;
        rc = odeint_adaptive(I, &P, &c, x, &st, err, errlen);
    }
    status = rc == STEP_OK ? 0 : rc == STEP_EINPUT ? 1 : 2;
done:
    tr->steps = st.steps;
    tr->rhs_evals = st.rhs_evals;
    free(x);
    odeint_free(I);
    odesys_model_release(&data);
    return status;
}

/* ---- CVODES ------------------------------------------------------------------------------ */

static int copy_state(void *user, int k, double t, const double *x, const double *const *S)
{
    (void)t;
    (void)S;
    trajectory *tr = user;
    memcpy(tr->numeric + (size_t)k * (size_t)tr->nx, x, sizeof(double) * (size_t)tr->nx);
    return 0;
}

static int solve_cvodes(model_ctx *ctx, const trajectory_settings *s, trajectory *tr,
                        char *err, size_t errlen)
{
    eval_counts counts;
    memset(&counts, 0, sizeof counts);
    cv_settings cs = {"trajectory", CV_FAMILY_BDF, tr->rtol, tr->atol, s->max_steps, 0};
    cv_family_parse(s->solver, &cs.family);
    const cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, &counts, NULL};
    model_ctx_count_into(ctx, &counts);
    cv_solver *cv = cv_forward_new(ctx, &cs, &fo, err, errlen);
    if (!cv)
        return 2;
    const int rc = cv_forward_run(cv, copy_state, tr, err, errlen);
    tr->steps = cv_steps(cv);
    tr->rhs_evals = counts.rhs;
    cv_free(cv);
    model_ctx_count_into(ctx, NULL);
    return rc == 0 ? 0 : 2;
}

int trajectory_compute(const model *m, const double *theta, const trajectory_settings *s,
                       trajectory *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (trajectory_check(m, s, err, errlen) != 0)
        return 1;
    exact_state_fn exact = exact_state_of(m);
    const model_condition *c = &m->cond[0];
    const size_t n = (size_t)c->ntimes * (size_t)m->nx;
    out->nout = c->ntimes;
    out->nx = m->nx;
    out->rtol = s->rtol > 0 ? s->rtol : m->rtol;
    out->atol = s->atol > 0 ? s->atol : m->atol;
    out->t = malloc(sizeof(double) * (size_t)(c->ntimes ? c->ntimes : 1));
    out->numeric = calloc(n ? n : 1, sizeof(double));
    out->exact = malloc(sizeof(double) * (n ? n : 1));
    if (!out->t || !out->numeric || !out->exact) {
        trajectory_free(out);
        snprintf(err, errlen, "trajectory: out of memory");
        return 2;
    }
    memcpy(out->t, c->times, sizeof(double) * (size_t)c->ntimes);
    for (int k = 0; k < c->ntimes; k++)
        if (exact(m, theta, c->times[k], out->exact + (size_t)k * (size_t)m->nx) != 0) {
            snprintf(err, errlen, "theta is outside the closed form's domain of model %s", m->name);
            trajectory_free(out);
            return 1;
        }
    model_ctx *ctx = model_ctx_new(m, theta, err, errlen);
    if (!ctx) {
        trajectory_free(out);
        return 1;
    }
    model_ctx_condition(ctx, 0);
    trajectory_settings run = *s;
    if (run.max_steps <= 0)
        run.max_steps = TRAJECTORY_MAX_STEPS;
    const int status = is_cvodes(s->solver) ? solve_cvodes(ctx, &run, out, err, errlen)
                                            : solve_ours(ctx, &run, out, err, errlen);
    model_ctx_free(ctx);
    if (status != 0) {
        long steps = out->steps, evals = out->rhs_evals;
        trajectory_free(out);
        out->steps = steps;
        out->rhs_evals = evals;
    }
    return status;
}

void trajectory_free(trajectory *tr)
{
    free(tr->t);
    free(tr->numeric);
    free(tr->exact);
    tr->t = tr->numeric = tr->exact = NULL;
}
