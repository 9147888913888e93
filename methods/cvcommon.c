/* cvcommon — settings and set-up shared by the CVODES backends. */
#include "cvcommon.h"

#include <stdlib.h>

method_status cvm_settings(const char *name, const model *m, const method_options *o,
                           int backward, cv_settings *s, method_result *r)
{
    s->backend = name;
    if (cv_family_parse(o->solver, &s->family) != 0)
        return method_fail(r, METHOD_EINPUT, "backend %s runs CVODES: --solver must be bdf or "
                           "adams, not '%s'", name, o->solver);
    s->rtol = backward ? method_rtol_b(o, m) : method_rtol(o, m);
    s->atol = backward ? method_atol_b(o, m) : method_atol(o, m);
    s->max_steps = method_max_steps(o);
    s->linsol = CV_LINSOL_AUTO;
    return METHOD_OK;
}

method_status cvm_linsol(const method_type *type, const method_options *o, cv_settings *s,
                         method_result *r)
{
    const char *name = method_opt_choice(type, o, "linsol");
    if (cv_linsol_parse(name, &s->linsol) != 0)
        return method_fail(r, METHOD_EINPUT, "backend %s: --opt linsol must be one of %s, not "
                           "'%s'", type->name, CV_LINSOL_CHOICES, name);
    return METHOD_OK;
}

long cvm_max_steps_b(const method_type *type, const method_options *o, long forward_limit)
{
    const long max_steps_b = method_opt_int(type, o, "max_steps_b");
    return max_steps_b > 0 ? max_steps_b : forward_limit;
}

model_ctx *cvm_context(const char *name, const model *m, const double *theta,
                       method_result *r)
{
    char err[200];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    if (!ctx)
        method_fail(r, METHOD_EINPUT, "%s: %s", name, err);
    return ctx;
}

int cvm_most_observations(const model *m)
{
    int most = 1;
    for (int k = 0; k < m->ncond; k++)
        if (m->cond[k].ntimes > most)
            most = m->cond[k].ntimes;
    return most;
}

method_status cvm_gradient(const char *name, method_result *r)
{
    r->gradient = calloc((size_t)(r->np > 0 ? r->np : 1), sizeof(double));
    if (!r->gradient)
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory for the gradient", name);
    return METHOD_OK;
}
