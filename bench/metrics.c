/* metrics — a run's measurements as (name, value, unit) rows. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int metrics_add(metric_list *l, const char *name, double value, const char *unit)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 32;
        metric_row *rows = realloc(l->rows, (size_t)cap * sizeof *rows);
        if (!rows)
            return -1;
        l->rows = rows;
        l->cap = cap;
    }
    metric_row *row = &l->rows[l->n++];
    snprintf(row->name, sizeof row->name, "%s", name);
    snprintf(row->unit, sizeof row->unit, "%s", unit);
    row->value = value;
    return 0;
}

void metrics_free(metric_list *l)
{
    free(l->rows);
    memset(l, 0, sizeof *l);
}

double metrics_get(const metric_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->rows[i].name, name) == 0)
            return l->rows[i].value;
    return NAN;
}

/* The 2-norm of v (n entries, stride 1), or of v − w when w is given, computed as
 * s·sqrt(Σ (v_i/s)²) with s = max |v_i|, so that neither 1e200² overflows nor 1e-200²
 * underflows to zero. */
static double scaled_norm(const double *v, const double *w, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        const double d = fabs(w ? v[i] - w[i] : v[i]);
        if (isnan(d))
            return NAN;
        s = fmax(s, d);
    }
    if (s == 0 || isinf(s))
        return s;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        const double d = (w ? v[i] - w[i] : v[i]) / s;
        sum += d * d;
    }
    return s * sqrt(sum);
}

double metrics_rel_error(const double *x, const double *ref, int n)
{
    const double diff = scaled_norm(x, ref, n), norm = scaled_norm(ref, NULL, n);
    return norm > 0 ? diff / norm : diff;
}

double metrics_max_rel_error(const double *x, const double *ref, int n)
{
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double e = fabs(x[i] - ref[i]);
        if (ref[i] != 0)
            e /= fabs(ref[i]);
        if (e > worst || isnan(e))
            worst = e;
    }
    return worst;
}

static int add_counts(metric_list *l, const char *pass, const eval_counts *c)
{
    const struct { const char *name; long value; } counts[] = {
        { "rhs", c->rhs }, { "jvp", c->jvp }, { "vjp", c->vjp }, { "jac", c->jac },
        { "second", c->second } };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s.%s", pass, counts[i].name);
        if (metrics_add(l, name, (double)counts[i].value, "count") != 0)
            return -1;
    }
    return 0;
}

static int add_vector(metric_list *l, const char *prefix, const model *m, const double *v)
{
    for (int i = 0; i < m->np; i++) {
        char name[112];
        snprintf(name, sizeof name, "%s.%s", prefix, m->params[i].name);
        if (metrics_add(l, name, v[i], "1") != 0)
            return -1;
    }
    return 0;
}

static int add_hessian(metric_list *l, const model *m, const double *h)
{
    for (int i = 0; i < m->np; i++)
        for (int j = 0; j < m->np; j++) {
            char name[112];
            snprintf(name, sizeof name, "hessian.%.48s.%.48s", m->params[i].name,
                     m->params[j].name);
            if (metrics_add(l, name, h[i * m->np + j], "1") != 0)
                return -1;
        }
    return 0;
}

int metrics_of_result(metric_list *l, const model *m, const method_options *o,
                      const method_result *r, const reference *ref)
{
    /* the problem's size, so that cost can be drawn against it */
    int bad = metrics_add(l, "np", (double)m->np, "count");
    bad |= metrics_add(l, "nx", (double)m->nx, "count");
    bad |= metrics_add(l, "loss", r->loss, "1");
    if (r->gradient) {
        bad |= add_vector(l, "gradient", m, r->gradient);
        if (r->gradient_error)   /* a backend's own estimate of its error (fd) */
            bad |= add_vector(l, "gradient_error", m, r->gradient_error);
        if (ref && ref->have) {
            /* an error below the reference's own accuracy is not measurable: it is stated as
             * that accuracy with grad_err_bound = 1 ("< accuracy") */
            const double e = metrics_rel_error(r->gradient, ref->gradient, m->np);
            const int below = ref->accuracy > 0 && e < ref->accuracy;
            bad |= metrics_add(l, "grad_rel_err", below ? ref->accuracy : e, below ? "bound" : "1");
            bad |= metrics_add(l, "grad_err_bound", below, "1");
            bad |= metrics_add(l, "ref_accuracy", ref->accuracy, "1");
            bad |= metrics_add(l, "grad_max_rel_err",
                               metrics_max_rel_error(r->gradient, ref->gradient, m->np), "1");
        }
    }
    if (r->hessian) {
        bad |= add_hessian(l, m, r->hessian);
        if (ref && ref->hessian)
            bad |= metrics_add(l, "hess_rel_err",
                               metrics_rel_error(r->hessian, ref->hessian, m->np * m->np), "1");
    }
    if (r->hvp) {
        bad |= add_vector(l, "hvp", m, r->hvp);
        if (ref && ref->hessian && o->direction) {
            double *hv = calloc((size_t)m->np, sizeof *hv);
            if (!hv)
                return -1;
            for (int i = 0; i < m->np; i++)
                for (int j = 0; j < m->np; j++)
                    hv[i] += ref->hessian[i * m->np + j] * o->direction[j];
            bad |= metrics_add(l, "hvp_rel_err", metrics_rel_error(r->hvp, hv, m->np), "1");
            free(hv);
        }
    }
    bad |= metrics_add(l, "wall_seconds", r->wall_seconds, "s");
    bad |= add_counts(l, "fwd", &r->fwd);
    bad |= add_counts(l, "bwd", &r->bwd);
    bad |= metrics_add(l, "steps_fwd", (double)r->steps_fwd, "count");
    bad |= metrics_add(l, "steps_bwd", (double)r->steps_bwd, "count");
    bad |= metrics_add(l, "checkpoints", (double)r->checkpoints, "count");
    bad |= metrics_add(l, "peak_bytes", (double)r->peak_bytes, "bytes");
    for (int i = 0; i < r->nextra && i < METHOD_MAX_EXTRA; i++) {
        char name[112];
        snprintf(name, sizeof name, "extra.%s", r->extra[i].name);
        bad |= metrics_add(l, name, r->extra[i].value, r->extra[i].unit);
    }
    return bad ? -1 : 0;
}
