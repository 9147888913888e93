/* method — the generic layer over the backends: look-up by name, validation of a request
 * before any backend sees it, typed access to backend options, defaults, timing, results.
 *
 * Everything a user can get wrong is caught here, once, with a sentence that says what is
 * wrong and how to fix it, so that backends may assume valid input. */
#include "method.h"
#include "integrator.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "validate.h"

/* Defaults of the common options, used when neither the caller nor the model gives one. */
static const struct {
    double rtol;      /* relative tolerance when the model declares none */
    double atol;      /* absolute tolerance when the model declares none */
    long max_steps;   /* steps per integration */
} method_defaults = { 1e-8, 1e-10, 1000000 };

const method_type *method_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; method_types[i]; i++)
        if (strcmp(method_types[i]->name, name) == 0)
            return method_types[i];
    return NULL;
}

void method_options_init(method_options *o)
{
    memset(o, 0, sizeof *o);
    o->want = WANT_GRADIENT;
}

void method_result_free(method_result *r)
{
    if (!r)
        return;
    free(r->gradient);
    free(r->gradient_error);
    free(r->hessian);
    free(r->hvp);
    r->gradient = r->gradient_error = r->hessian = r->hvp = NULL;
}

method_status method_fail(method_result *r, method_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    return status;
}

void method_extra_add(method_result *r, const char *name, double value, const char *unit)
{
    /* A backend declares few extras; past the table's size the measurement is dropped
     * rather than overwriting another (the table size is part of the interface). */
    if (r->nextra >= METHOD_MAX_EXTRA)
        return;
    method_extra *e = &r->extra[r->nextra++];
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->unit, sizeof e->unit, "%s", unit ? unit : "");
    e->value = value;
}

/* ---- option values ----------------------------------------------------------------- */

static const method_opt_spec *opt_spec(const method_type *type, const char *name)
{
    if (!type->options)
        return NULL;
    for (const method_opt_spec *s = type->options; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static int parse_bool(const char *text, long *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Is `text` one of the '|'-separated words of `choices`? */
static int choice_allowed(const char *choices, const char *text)
{
    size_t len = strlen(text);
    const char *p = choices ? choices : "";
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t wlen = bar ? (size_t)(bar - p) : strlen(p);
        if (wlen == len && len > 0 && strncmp(p, text, len) == 0)
            return 1;
        p += wlen + (bar != NULL);
    }
    return 0;
}

/* Parse one value of an option; 0, or -1 with a message naming the option. */
static int opt_parse(const method_type *type, const method_opt_spec *s, const char *text,
                     double *number, char *err, size_t errlen)
{
    char *end = NULL;
    long bool_value = 0;
    switch (s->kind) {
    case OPT_INT: {
        errno = 0;
        long v = strtol(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE) {
            snprintf(err, errlen, "option %s of backend %s needs a whole number, not '%s'",
                     s->name, type->name, text);
            return -1;
        }
        *number = (double)v;
        break;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double v = strtod(text, &end);
        if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v)) {
            snprintf(err, errlen, "option %s of backend %s needs a finite number, not '%s'",
                     s->name, type->name, text);
            return -1;
        }
        *number = v;
        break;
    }
    case OPT_BOOL:
        if (parse_bool(text, &bool_value) != 0) {
            snprintf(err, errlen, "option %s of backend %s is on or off (1|0|true|false|yes|no|on|off), not '%s'",
                     s->name, type->name, text);
            return -1;
        }
        *number = (double)bool_value;
        return 0;
    case OPT_SOLVER:
        if (strcmp(text, "auto") != 0 && !integrator_find(text)) {
            char names[256];
            snprintf(err, errlen, "option %s of backend %s must be auto or one of %s, not '%s'",
                     s->name, type->name, integrator_names(names, sizeof names, "|", 0), text);
            return -1;
        }
        *number = 0;
        return 0;
    case OPT_CHOICE:
        if (!choice_allowed(s->choices, text)) {
            snprintf(err, errlen, "option %s of backend %s must be one of %s, not '%s'",
                     s->name, type->name, s->choices ? s->choices : "(none)", text);
            return -1;
        }
        *number = 0;
        return 0;
    }
    if (*number < s->min || *number > s->max) {
        snprintf(err, errlen, "option %s of backend %s must lie in [%g, %g], not %s",
                 s->name, type->name, s->min, s->max, text);
        return -1;
    }
    return 0;
}

/* The text of option `name`: the caller's value if given, else the declared default. */
static const char *opt_text(const method_type *type, const method_options *o, const char *name,
                            const method_opt_spec **spec)
{
    *spec = opt_spec(type, name);
    if (!*spec)
        return NULL;
    for (int i = 0; o && i < o->nkv; i++)
        if (strcmp(o->key[i], name) == 0)
            return o->value[i];
    return (*spec)->fallback;
}

long method_opt_int(const method_type *type, const method_options *o, const char *name)
{
    const method_opt_spec *s;
    const char *text = opt_text(type, o, name, &s);
    double v = 0;
    char err[8];
    if (!text || s->kind == OPT_CHOICE || s->kind == OPT_SOLVER ||
        opt_parse(type, s, text, &v, err, sizeof err) != 0)
        return 0;
    return (long)v;
}

double method_opt_double(const method_type *type, const method_options *o, const char *name)
{
    const method_opt_spec *s;
    const char *text = opt_text(type, o, name, &s);
    double v = NAN;
    char err[8];
    if (!text || s->kind == OPT_CHOICE || s->kind == OPT_SOLVER ||
        opt_parse(type, s, text, &v, err, sizeof err) != 0)
        return NAN;
    return v;
}

const char *method_opt_choice(const method_type *type, const method_options *o,
                              const char *name)
{
    const method_opt_spec *s;
    const char *text = opt_text(type, o, name, &s);
    return text && (s->kind == OPT_CHOICE || s->kind == OPT_SOLVER) ? text : NULL;
}

/* ---- common options with their defaults ------------------------------------------- */

double method_rtol(const method_options *o, const model *m)
{
    if (o->rtol > 0)
        return o->rtol;
    return m && m->rtol > 0 ? m->rtol : method_defaults.rtol;
}

double method_atol(const method_options *o, const model *m)
{
    if (o->atol > 0)
        return o->atol;
    return m && m->atol > 0 ? m->atol : method_defaults.atol;
}

double method_rtol_b(const method_options *o, const model *m)
{
    return o->rtol_b > 0 ? o->rtol_b : method_rtol(o, m);
}

double method_atol_b(const method_options *o, const model *m)
{
    return o->atol_b > 0 ? o->atol_b : method_atol(o, m);
}

long method_max_steps(const method_options *o)
{
    return o->max_steps > 0 ? o->max_steps : method_defaults.max_steps;
}

/* ---- validation ------------------------------------------------------------------- */

static const char *want_words(method_want want)
{
    switch (want) {
    case WANT_GRADIENT: return "a gradient";
    case WANT_HESSIAN: return "a full Hessian";
    case WANT_HVP: return "a Hessian-vector product";
    }
    return "an unknown request";
}

static unsigned want_cap(method_want want)
{
    switch (want) {
    case WANT_GRADIENT: return CAP_GRADIENT;
    case WANT_HESSIAN: return CAP_HESSIAN;
    case WANT_HVP: return CAP_HVP;
    }
    return 0;
}

/* "a, b, c" of the registered backends having capability cap ("none" if none) */
static void backends_with(unsigned cap, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; method_types[i]; i++) {
        if ((method_types[i]->caps & cap) != cap)
            continue;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "",
                         method_types[i]->name);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
    if (!used)
        snprintf(out, outlen, "none yet");
}

/* "name, name" of the options a backend declares */
static void option_names(const method_type *type, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (const method_opt_spec *s = type->options; s && s->name; s++) {
        int n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", s->name);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
}

method_status method_check(const method_type *type, const model *m, const method_options *o,
                           char *err, size_t errlen)
{
    char list[200];
    if (!type) {
        snprintf(err, errlen, "no backend given");
        return METHOD_EINPUT;
    }
    /* the backend's own table: every default must be a valid value (a programming error
     * otherwise, caught by the test over the registry rather than at a user's run) */
    for (const method_opt_spec *s = type->options; s && s->name; s++) {
        double v;
        if (!s->fallback || opt_parse(type, s, s->fallback, &v, err, errlen) != 0) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (the backend's declared default is invalid)");
            return METHOD_EUNSUPPORTED;
        }
    }
    if (validate_tolerance(o->rtol, "--rtol", err, errlen) ||
        validate_tolerance(o->atol, "--atol", err, errlen) ||
        validate_tolerance(o->rtol_b, "--rtol-b", err, errlen) ||
        validate_tolerance(o->atol_b, "--atol-b", err, errlen) ||
        validate_solver(o->solver, err, errlen))
        return METHOD_EINPUT;
    if (o->max_steps < 0) {
        snprintf(err, errlen, "--max-steps must be a positive whole number, not %ld", o->max_steps);
        return METHOD_EINPUT;
    }
    if (o->nkv < 0 || o->nkv > METHOD_MAX_KV) {
        snprintf(err, errlen, "too many backend options (at most %d)", METHOD_MAX_KV);
        return METHOD_EINPUT;
    }
    for (int i = 0; i < o->nkv; i++) {
        const method_opt_spec *s = opt_spec(type, o->key[i]);
        if (!s) {
            option_names(type, list, sizeof list);
            if (list[0])
                snprintf(err, errlen, "backend %s has no option '%s'; its options are: %s",
                         type->name, o->key[i], list);
            else
                snprintf(err, errlen, "backend %s has no option '%s'; it takes no --opt options",
                         type->name, o->key[i]);
            return METHOD_EINPUT;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(o->key[j], o->key[i]) == 0) {
                snprintf(err, errlen, "option %s of backend %s is given twice; give it once",
                         o->key[i], type->name);
                return METHOD_EINPUT;
            }
        double v;
        if (opt_parse(type, s, o->value[i] ? o->value[i] : "", &v, err, errlen) != 0)
            return METHOD_EINPUT;
    }
    unsigned cap = want_cap(o->want);
    if (!cap) {
        snprintf(err, errlen, "unknown request %d (gradient, Hessian or Hessian-vector product)",
                 (int)o->want);
        return METHOD_EINPUT;
    }
    if (!(type->caps & cap)) {
        backends_with(cap, list, sizeof list);
        snprintf(err, errlen, "backend %s cannot compute %s; backends that can: %s", type->name,
                 want_words(o->want), list);
        return METHOD_EUNSUPPORTED;
    }
    if (m && m->nbreak > 0 && !(type->caps & CAP_BREAKPOINTS)) {
        backends_with(cap | CAP_BREAKPOINTS, list, sizeof list);
        snprintf(err, errlen, "backend %s does not support time breakpoints (events or "
                 "piecewise in time, which model %s has); backends that do: %s", type->name,
                 m->name, list[0] ? list : "none");
        return METHOD_EUNSUPPORTED;
    }
    if (o->want == WANT_HVP) {
        if (!o->direction) {
            snprintf(err, errlen, "a Hessian-vector product needs a direction (--direction v1,v2,...)");
            return METHOD_EINPUT;
        }
        for (int i = 0; m && i < m->np; i++)
            if (!isfinite(o->direction[i])) {
                snprintf(err, errlen, "direction entry %d is %g; every entry must be finite",
                         i + 1, o->direction[i]);
                return METHOD_EINPUT;
            }
    }
    return METHOD_OK;
}

/* After a successful run: did the backend deliver what was asked, and is it finite?  A
 * non-finite number is an integration failure the backend did not notice. */
static method_status check_outputs(const method_type *type, const model *m,
                                   const method_options *o, method_result *r)
{
    const double *values = o->want == WANT_HESSIAN ? r->hessian
                         : o->want == WANT_HVP ? r->hvp : r->gradient;
    int count = o->want == WANT_HESSIAN ? m->np * m->np : m->np;
    if (!values)
        return method_fail(r, METHOD_ESOLVER, "backend %s returned no %s (a bug in the backend)",
                           type->name, o->want == WANT_GRADIENT ? "gradient" : "result");
    if (!isfinite(r->loss))
        return method_fail(r, METHOD_ESOLVER, "backend %s: the loss is %g; try tighter tolerances "
                           "or a stiff solver", type->name, r->loss);
    for (int i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return method_fail(r, METHOD_ESOLVER, "backend %s: entry %d of the result is %g; try "
                               "tighter tolerances or a stiff solver", type->name, i + 1, values[i]);
    return METHOD_OK;
}

method_status method_run(const method_type *type, const model *m, const double *theta,
                         const method_options *o, method_result *r)
{
    memset(r, 0, sizeof *r);
    r->np = m ? m->np : 0;
    if (!m || !theta)
        return method_fail(r, METHOD_EINPUT, "no model or no parameter vector given");
    method_status status = method_check(type, m, o, r->error, sizeof r->error);
    if (status != METHOD_OK)
        return status;
    if (validate_theta(m, theta, o->allow_outside_bounds, r->error, sizeof r->error) != 0)
        return METHOD_EINPUT;
    /* outside the bounds nothing vouches for the dynamics: refuse a θ whose true solution
     * overflows within the horizon, which an implicit solver would quietly damp */
    if (!validate_theta_in_bounds(m, theta) && validate_growth(m, theta, r->error, sizeof r->error) != 0)
        return METHOD_ESOLVER;

    double start = stats_now();
    status = type->run(m, theta, o, r);
    r->wall_seconds = stats_now() - start;

    if (status == METHOD_OK)
        status = check_outputs(type, m, o, r);
    else if (r->error[0] == '\0')
        method_fail(r, status, "backend %s failed (status %d) without saying why", type->name,
                    (int)status);
    return status;
}
