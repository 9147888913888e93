/* model — defining a model and compiling its programs.
 * The θ-space evaluation context is in model_ctx.c. */
#include "model.h"
#include "expr_kernel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int model_alloc(model *m, int nx, int np, int nc, int ny)
{
    if (nx < 1 || np < 0 || nc < 0 || ny < 1)
        return -1;
    m->nx = nx;
    m->np = np;
    m->nc = nc;
    m->ny = ny;
    m->state_names = calloc((size_t)nx, sizeof *m->state_names);
    m->obs_names = calloc((size_t)ny, sizeof *m->obs_names);
    m->constant_names = calloc((size_t)(nc ? nc : 1), sizeof *m->constant_names);
    m->params = calloc((size_t)(np ? np : 1), sizeof *m->params);
    m->steady_constants = calloc((size_t)(nc ? nc : 1), sizeof(double));
    m->sse_weight = 1.0;
    m->rtol = 1e-8;
    m->atol = 1e-10;
    if (!m->state_names || !m->obs_names || !m->constant_names || !m->params ||
        !m->steady_constants)
        return -1;
    return 0;
}

int model_condition_alloc(model *m, int k, int ntimes)
{
    if (k < 0 || ntimes < 1)
        return -1;
    if (k >= m->ncond) {
        model_condition *c = realloc(m->cond, sizeof *c * (size_t)(k + 1));
        if (!c)
            return -1;
        memset(c + m->ncond, 0, sizeof *c * (size_t)(k + 1 - m->ncond));
        m->cond = c;
        m->ncond = k + 1;
    }
    model_condition *c = &m->cond[k];
    free(c->constants);
    free(c->times);
    free(c->values);
    c->constants = calloc((size_t)(m->nc ? m->nc : 1), sizeof(double));
    c->times = calloc((size_t)ntimes, sizeof(double));
    c->values = malloc(sizeof(double) * (size_t)ntimes * (size_t)m->ny);
    if (!c->constants || !c->times || !c->values)
        return -1;
    c->ntimes = ntimes;
    for (size_t i = 0; i < (size_t)ntimes * (size_t)m->ny; i++)
        c->values[i] = NAN;
    return 0;
}

void model_set_param(model *m, int i, const char *name, param_scale scale, double nominal,
                     double lower, double upper)
{
    model_param *p = &m->params[i];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->scale = scale;
    p->nominal = nominal;
    p->lower = lower;
    p->upper = upper;
}

static int set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
    return -1;
}

/* Build one program from a callback into a fresh graph with the model's sizes. */
static expr_prog *build(const model *m, model_build_fn fn, int nd, const char *what, char *err,
                        size_t errlen)
{
    expr_graph *g = expr_graph_new(m->nx, m->np, m->nc, nd);
    if (!g) {
        set_err(err, errlen, "%s: out of memory building the %s", m->name, what);
        return NULL;
    }
    expr out = fn(g, m);
    expr_prog *P = expr_compile(g, out);
    if (!P)
        set_err(err, errlen, "%s: cannot build the %s", m->name, what);
    if (!P && expr_error(g) && err) {
        const size_t used = strlen(err);
        snprintf(err + used, errlen - used, ": %s", expr_error(g));
    }
    expr_graph_free(g);
    return P;
}

/* The loss term at one observation, from the observables and the noise model, with the data
 * row d = [values (missing as 0), present (1 or 0)]:
 *   Gaussian NLL:    Σ_j present_j (½ log 2π + log σ_j + ½ ((d_j − y_j)/σ_j)²)
 *   sum of squares:  w Σ_j present_j (d_j − y_j)²                                      */
static expr loss_term_graph(expr_graph *g, const model *m)
{
    const int ny = m->ny;
    expr y = m->observables(g, m);
    expr residual = expr_sub(g, expr_data(g, 0, ny), y);
    expr present = expr_data(g, ny, ny);
    if (m->loss == LOSS_SUM_OF_SQUARES)
        return expr_scale(g, expr_sum(g, expr_mul(g, present, expr_powc(g, residual, 2.0))),
                          m->sse_weight);
    expr sigma = m->sigma(g, m);
    expr z = expr_div(g, residual, sigma);
    expr term = expr_add(g, expr_shift(g, expr_log(g, sigma), 0.5 * log(2.0 * M_PI)),
                         expr_scale(g, expr_powc(g, z, 2.0), 0.5));
    return expr_sum(g, expr_mul(g, present, term));
}

static int check_definition(model *m, char *err, size_t errlen)
{
    if (!m->rhs || !m->observables)
        return set_err(err, errlen, "%s: the model defines no %s", m->name,
                       m->rhs ? "observables" : "right-hand side");
    if (!m->initial && !m->steady_guess)
        return set_err(err, errlen, "%s: %s", m->name,
                       "the model needs an initial state or a steady-state guess");
    if (m->loss == LOSS_CUSTOM && !m->loss_term)
        return set_err(err, errlen, "%s: %s", m->name, "a custom loss needs its loss term");
    if (m->loss == LOSS_GAUSSIAN_NLL && !m->sigma)
        return set_err(err, errlen, "%s: %s", m->name, "a Gaussian likelihood needs sigma");
    if (m->ncond < 1)
        return set_err(err, errlen, "%s: %s", m->name, "the model has no condition");
    for (int i = 0; i < m->np; i++) {
        const model_param *p = &m->params[i];
        if (!p->name[0] || !(p->lower <= p->nominal && p->nominal <= p->upper))
            return set_err(err, errlen, "%s: parameter '%s' is unnamed or its nominal value "
                           "lies outside its bounds", m->name, p->name);
    }
    double last = m->t0;
    for (int k = 0; k < m->ncond; k++) {
        const model_condition *c = &m->cond[k];
        for (int i = 0; i < c->ntimes; i++) {
            if (!isfinite(c->times[i]) || c->times[i] < m->t0 ||
                (i > 0 && c->times[i] <= c->times[i - 1]))
                return set_err(err, errlen, "%s: observation times of condition '%s' must be "
                               "finite, >= t0 and strictly increasing", m->name, c->name);
        }
        if (c->ntimes > 0 && c->times[c->ntimes - 1] > last)
            last = c->times[c->ntimes - 1];
    }
    if (m->tf < last)
        m->tf = last;
    if (m->nbreak > 0 && (!m->break_times || m->break_phase < 0 ||
                          m->break_phase + m->nbreak > m->nc))
        return set_err(err, errlen, "%s: %s", m->name,
                       "breakpoints need their times and nbreak phase constants");
    if (m->nbreak > 0 && m->running_cost)
        return set_err(err, errlen, "%s: %s", m->name,
                       "a running cost with time breakpoints is not supported");
    if (!(m->tf > m->t0))
        return set_err(err, errlen, "%s: %s", m->name, "the time span is empty");
    return 0;
}

int model_finish(model *m, char *err, size_t errlen)
{
    if (check_definition(m, err, errlen) != 0)
        return -1;
    m->rhs_prog = build(m, m->rhs, 0, "right-hand side", err, errlen);
    if (!m->rhs_prog)
        return -1;
    if (expr_prog_nout(m->rhs_prog) != m->nx)
        return set_err(err, errlen, "%s: %s", m->name,
                       "the right-hand side has the wrong length");
    model_build_fn x0fn = m->initial ? m->initial : m->steady_guess;
    expr_prog *x0 = build(m, x0fn, 0, "initial state", err, errlen);
    if (!x0)
        return -1;
    if (m->initial)
        m->initial_prog = x0;
    else
        m->guess_prog = x0;
    if (expr_prog_nout(x0) != m->nx || expr_prog_uses_x(x0))
        return set_err(err, errlen, "%s: %s", m->name,
                       "the initial state must have length nx and must not depend on x");
    m->obs_prog = build(m, m->observables, 0, "observables", err, errlen);
    if (!m->obs_prog)
        return -1;
    if (expr_prog_nout(m->obs_prog) != m->ny)
        return set_err(err, errlen, "%s: %s", m->name, "the observables have the wrong length");
    if (m->sigma) {
        m->sigma_prog = build(m, m->sigma, 0, "noise model", err, errlen);
        if (!m->sigma_prog)
            return -1;
        if (expr_prog_nout(m->sigma_prog) != m->ny)
            return set_err(err, errlen, "%s: %s", m->name, "sigma has the wrong length");
    }
    m->loss_prog = build(m, m->loss == LOSS_CUSTOM ? m->loss_term : loss_term_graph, 2 * m->ny,
                         "loss term", err, errlen);
    if (!m->loss_prog)
        return -1;
    if (m->running_cost) {
        m->running_prog = build(m, m->running_cost, 0, "running cost", err, errlen);
        if (!m->running_prog)
            return -1;
        if (expr_prog_nout(m->running_prog) != 1)
            return set_err(err, errlen, "%s: %s", m->name, "the running cost must be a scalar");
    }
    if (m->nbreak > 0) {
        /* breakpoint times and jumps stay interpreted: they are evaluated once per crossing */
        m->break_prog = build(m, m->break_times, 0, "breakpoint times", err, errlen);
        if (!m->break_prog)
            return -1;
        if (expr_prog_nout(m->break_prog) != m->nbreak || expr_prog_uses_x(m->break_prog))
            return set_err(err, errlen, "%s: %s", m->name,
                           "the breakpoint times must have length nbreak and not depend on x");
        if (m->break_jump) {
            m->jump_prog = build(m, m->break_jump, 0, "breakpoint jumps", err, errlen);
            if (!m->jump_prog)
                return -1;
            if (expr_prog_nout(m->jump_prog) != m->nbreak * m->nx)
                return set_err(err, errlen, "%s: %s", m->name,
                               "the breakpoint jumps must have length nbreak*nx");
        }
    }
    /* the kernels: every program compiled into one object when compiled kernels are asked
     * for and a compiler is present (expr_kernel.h), else the interpreter */
    expr_prog *progs[] = {m->rhs_prog, m->initial_prog, m->obs_prog, m->sigma_prog,
                          m->loss_prog, m->running_prog, m->guess_prog};
    char why[200];
    if (expr_progs_use_kernels(progs, (int)(sizeof progs / sizeof *progs), m->name, why,
                               sizeof why) != 0)
        return set_err(err, errlen, "%s: %s", m->name, why);
    return 0;
}

void model_release(model *m)
{
    if (!m)
        return;
    expr_prog_free(m->rhs_prog);
    expr_prog_free(m->initial_prog);
    expr_prog_free(m->guess_prog);
    expr_prog_free(m->obs_prog);
    expr_prog_free(m->sigma_prog);
    expr_prog_free(m->loss_prog);
    expr_prog_free(m->running_prog);
    expr_prog_free(m->break_prog);
    expr_prog_free(m->jump_prog);
    for (int k = 0; k < m->ncond; k++) {
        free(m->cond[k].constants);
        free(m->cond[k].times);
        free(m->cond[k].values);
    }
    free(m->cond);
    free(m->state_names);
    free(m->obs_names);
    free(m->constant_names);
    free(m->params);
    free(m->steady_constants);
    if (m->free_data)
        m->free_data(m->data);
    memset(m, 0, sizeof *m);
}

/* ---- building a model of a given type ---------------------------------------------------- */

model *model_instantiate(const model_type *t, const char *name, char *err, size_t errlen)
{
    model *m = calloc(1, sizeof *m);
    if (!m) {
        set_err(err, errlen, "%s%s: out of memory", "", name);
        return NULL;
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    if (err && errlen)
        err[0] = '\0';
    if (t->create(m, name, err, errlen) != 0 || model_finish(m, err, errlen) != 0) {
        if (err && errlen && !err[0])
            snprintf(err, errlen, "%s: the model could not be built", name);
        model_destroy(m);
        return NULL;
    }
    return m;
}

int model_select_kernels(model *m, int compiled)
{
    expr_prog *progs[] = {m->rhs_prog, m->initial_prog, m->obs_prog, m->sigma_prog,
                          m->loss_prog, m->running_prog, m->guess_prog};
    int n = 0;
    for (size_t k = 0; k < sizeof progs / sizeof *progs; k++)
        if (progs[k])
            n += expr_prog_select_kernels(progs[k], compiled);
    return n;
}

void model_destroy(model *m)
{
    if (!m)
        return;
    model_release(m);
    free(m);
}

void model_nominal(const model *m, double *theta)
{
    for (int i = 0; i < m->np; i++)
        theta[i] = m->params[i].nominal;
}

int model_count_data(const model *m)
{
    int n = 0;
    for (int k = 0; k < m->ncond; k++)
        for (int i = 0; i < m->cond[k].ntimes * m->ny; i++)
            n += !isnan(m->cond[k].values[i]);
    return n;
}
