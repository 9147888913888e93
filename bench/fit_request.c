/* fit_request — reading and checking an `odegrad fit` request (see fit_request.h). */
#include "fit_request.h"
#include "cvwrap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "registry.h"

#define STR(x) #x
#define XSTR(x) STR(x)

const args_opt fit_options[] = {
    { "model", "M", "model name (see 'odegrad list')", 0 },
    { "optimizer", "O", "newton-tr | gauss-newton | bfgs | trr | ipopt | ipopt-lbfgs", 0 },
    { "hessian", "H", "newton-tr, trr, ipopt: the second-order backend (soadjoint, soforward, "
                      "fdhess, fim)", 0 },
    { "hybrid", "H", "trr: start with this approximate Hessian (e.g. fim), switch to --hessian "
                     "near the optimum", 0 },
    { "method", "B", "gradient backend of bfgs (and of newton-tr when H gives no gradient); "
                     "default " FIT_DEFAULT_GRADIENT, 0 },
    { "starts", "N", "Latin-hypercube starts within the bounds (default "
                     XSTR(FIT_DEFAULT_STARTS) ")", 0 },
    { "seed", "S", "seed of the starts (default " XSTR(FIT_DEFAULT_SEED) ")", 0 },
    { "start", "v1,v2,...", "one given start instead (inside the bounds)", 0 },
    { "rtol", "R", "relative tolerance of every solve (default: the model's)", 0 },
    { "atol", "A", "absolute tolerance (default: the model's)", 0 },
    { "solver", "S", "CVODES method, bdf or adams (default: the backends')", 0 },
    { "max-steps", "N", "step limit per integration (default 1000000)", 0 },
    { "opt", "key=value", "option of the Hessian backend (newton-tr) or gradient backend (bfgs)", 1 },
    { "max-iter", "N", "accepted steps per start (default 500)", 0 },
    { "max-cpu", "SECONDS", "processor time per start, checked after each step (default: none)", 0 },
    { "gtol", "G", "converged when |gradient in z|_inf <= G (default 1e-6)", 0 },
    { "xtol", "X", "converged when |step in z|_inf <= X (X + |z|_inf) (default 1e-10)", 0 },
    { "ftol", "F", "converged when |change of L| <= F (1 + |L|) twice (default 1e-10)", 0 },
    { "timeout", "SECONDS", "time limit of one start's child process (default 900)", 0 },
    { "study", "NAME", "results go to DIR/NAME.csv (default " FIT_DEFAULT_STUDY ")", 0 },
    { "results", "DIR", "where the study's files go (default " FIT_DEFAULT_RESULTS ")", 0 },
    { "fresh", NULL, "forget the study's earlier rows first", 0 },
    { "format", FORMAT_CHOICES, "format of the printed summary (default table)", 0 },
    { NULL, NULL, NULL, 0 }
};

/* what a child's fit-start needs besides --start (the rest is the parent's business) */
int fit_option_forwarded(const char *name)
{
    static const char *const forwarded[] = { "model", "optimizer", "hessian", "hybrid", "method", "rtol",
                                             "atol", "solver", "max-steps", "opt", "max-iter",
                                             "max-cpu", "gtol", "xtol", "ftol" };
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        if (strcmp(name, forwarded[i]) == 0)
            return 1;
    return 0;
}

static void append(char *out, size_t outlen, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(out);
    if (used < outlen)
        snprintf(out + used, outlen - used, fmt, a, b);
}

static void optimizer_names(char *out, size_t outlen)
{
    out[0] = '\0';
    for (int i = 0; opt_types[i]; i++)
        append(out, outlen, "%s%s", out[0] ? ", " : "", opt_types[i]->name);
}

static void hessian_backends(char *out, size_t outlen)
{
    out[0] = '\0';
    for (int i = 0; method_types[i]; i++)
        if (method_types[i]->caps & CAP_HESSIAN)
            append(out, outlen, "%s%s", out[0] ? ", " : "", method_types[i]->name);
    if (!out[0])
        snprintf(out, outlen, "none built yet");
}

/* which backends the optimiser uses, checked against what it can take */
static int pick_backends(fit_request *fr, const args_list *a, char *err, size_t errlen)
{
    const char *name = fr->optimizer->name, *hess = args_get(a, "hessian");
    const char *grad = args_get(a, "method");
    char list[300];
    const int wants_hessian = (fr->optimizer->needs & OPT_NEEDS_HESSIAN) != 0;
    const int least_squares = (fr->optimizer->needs & OPT_NEEDS_RESIDUALS) != 0;
    if (wants_hessian) {
        hessian_backends(list, sizeof list);
        if (!hess) {
            snprintf(err, errlen, "%s needs --hessian H, a backend that computes full Hessians: %s",
                     name, list);
            return -1;
        }
        fr->hessian = method_find(hess);
        if (!fr->hessian) {
            request_unknown_backend(hess, err, errlen);
            return -1;
        }
        if (!(fr->hessian->caps & CAP_HESSIAN)) {
            snprintf(err, errlen, "%s needs a second-order backend, and %s computes no full "
                     "Hessian; use --hessian with one of: %s", name, hess, list);
            return -1;
        }
    } else if (hess) {
        if (least_squares)
            snprintf(err, errlen, "%s builds its curvature JᵀJ from the residuals' Jacobian and "
                     "takes no --hessian; for a Hessian backend use --optimizer newton-tr "
                     "(--hessian fim is the Fisher information)", name);
        else
            snprintf(err, errlen, "%s builds its own curvature from gradients and takes no "
                     "--hessian; for a Hessian backend use --optimizer newton-tr", name);
        return -1;
    }
    const char *hybrid = args_get(a, "hybrid");
    if (hybrid) {
        if (!(fr->optimizer->needs & OPT_TAKES_HYBRID)) {
            snprintf(err, errlen, "%s has no hybrid scheme; --hybrid is for --optimizer trr", name);
            return -1;
        }
        fr->approx = method_find(hybrid);
        if (!fr->approx) {
            request_unknown_backend(hybrid, err, errlen);
            return -1;
        }
        if (!(fr->approx->caps & CAP_HESSIAN)) {
            hessian_backends(list, sizeof list);
            snprintf(err, errlen, "--hybrid needs a backend that computes full Hessians (%s), not "
                     "%s", list, hybrid);
            return -1;
        }
    }
    if (least_squares) {
        if (grad) {
            snprintf(err, errlen, "%s takes its Jacobian from forward sensitivities of the "
                     "residuals and takes no --method", name);
            return -1;
        }
        if (fr->rq.opts.nkv > 0) {
            snprintf(err, errlen, "%s takes no backend options (--opt %s)", name,
                     fr->rq.opts.key[0]);
            return -1;
        }
        return 0;
    }
    fr->gradient = method_find(grad ? grad : FIT_DEFAULT_GRADIENT);
    if (!fr->gradient) {
        request_unknown_backend(grad, err, errlen);
        return -1;
    }
    if (!(fr->gradient->caps & CAP_GRADIENT)) {
        snprintf(err, errlen, "backend %s computes no gradient; --method needs a gradient backend "
                 "such as adjoint", fr->gradient->name);
        return -1;
    }
    return 0;
}

static int read_criteria(fit_request *fr, const args_list *a, char *err, size_t errlen)
{
    const struct { const char *flag; double *into; } tolerances[] = {
        { "gtol", &fr->settings.gtol }, { "xtol", &fr->settings.xtol },
        { "ftol", &fr->settings.ftol } };
    for (size_t i = 0; i < sizeof tolerances / sizeof tolerances[0]; i++) {
        const char *text = args_get(a, tolerances[i].flag);
        char what[16];
        snprintf(what, sizeof what, "--%s", tolerances[i].flag);
        if (!text)
            continue;
        if (parse_double(text, what, tolerances[i].into, err, errlen) != 0)
            return -1;
        if (*tolerances[i].into < 0) {
            snprintf(err, errlen, "%s must be >= 0, not %s", what, text);
            return -1;
        }
    }
    const char *text = args_get(a, "max-iter");
    long v;
    if (text) {
        if (parse_long(text, "--max-iter", 1, 10000000L, &v, err, errlen) != 0)
            return -1;
        fr->settings.max_iter = (int)v;
    }
    if ((text = args_get(a, "max-cpu")) &&
        parse_positive(text, "--max-cpu", &fr->settings.max_seconds, err, errlen) != 0)
        return -1;
    return 0;
}

static int read_starts(fit_request *fr, const args_list *a, char *err, size_t errlen)
{
    const model *m = fr->rq.model;
    const char *text = args_get(a, "starts");
    long v;
    if (text) {
        if (parse_long(text, "--starts", 1, FIT_MAX_STARTS, &v, err, errlen) != 0)
            return -1;
        fr->nstarts = (int)v;
    }
    if ((text = args_get(a, "seed"))) {
        if (parse_long(text, "--seed", 0, 2147483647L, &v, err, errlen) != 0)
            return -1;
        fr->seed = (unsigned long)v;
    }
    if ((text = args_get(a, "start"))) {
        if (args_has(a, "starts") || args_has(a, "seed")) {
            snprintf(err, errlen, "--start gives the one start; leave out --starts and --seed");
            return -1;
        }
        if (request_read_vector(text, "--start", m, &fr->rq.theta, err, errlen) != 0)
            return -1;
        for (int i = 0; i < m->np; i++)
            if (!(fr->rq.theta[i] >= m->params[i].lower && fr->rq.theta[i] <= m->params[i].upper)) {
                snprintf(err, errlen, "--start entry %d (%s) is %g, outside its bounds [%g, %g]",
                         i + 1, m->params[i].name, fr->rq.theta[i], m->params[i].lower,
                         m->params[i].upper);
                return -1;
            }
        fr->given_start = 1;
        fr->nstarts = 1;
    }
    for (int i = 0; i < m->np; i++)
        if (!isfinite(m->params[i].lower) || !isfinite(m->params[i].upper) ||
            !(m->params[i].lower < m->params[i].upper)) {
            snprintf(err, errlen, "parameter %s of model %s has bounds [%g, %g]; fitting needs "
                     "finite bounds with lower < upper", m->params[i].name, m->name,
                     m->params[i].lower, m->params[i].upper);
            return -1;
        }
    return 0;
}

static int read_output(fit_request *fr, const args_list *a, char *err, size_t errlen)
{
    const char *text;
    if ((text = args_get(a, "timeout")) &&
        parse_positive(text, "--timeout", &fr->timeout, err, errlen) != 0)
        return -1;
    if (fr->timeout > 86400) {
        snprintf(err, errlen, "--timeout is at most 86400 seconds, not %g", fr->timeout);
        return -1;
    }
    if ((text = args_get(a, "format")) && format_parse(text, &fr->format) != 0) {
        snprintf(err, errlen, "--format must be one of %s, not '%s'", FORMAT_CHOICES, text);
        return -1;
    }
    if ((text = args_get(a, "study"))) {
        if (!*text || strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789_.-") != strlen(text) || text[0] == '.') {
            snprintf(err, errlen, "--study must be a name of letters, digits, '_', '-' and '.', "
                     "not '%s'", text);
            return -1;
        }
        fr->study = text;
    }
    if ((text = args_get(a, "results"))) {
        if (!*text) {
            snprintf(err, errlen, "--results must name a folder");
            return -1;
        }
        fr->results = text;
    }
    fr->fresh = args_has(a, "fresh");
    return 0;
}

/* backend column and options column of the store */
static void describe(fit_request *fr, const args_list *a)
{
    if (fr->hessian && fr->approx)
        snprintf(fr->label, sizeof fr->label, "%s/%s>%s", fr->optimizer->name, fr->approx->name,
                 fr->hessian->name);
    else if (fr->hessian)
        snprintf(fr->label, sizeof fr->label, "%s/%s", fr->optimizer->name, fr->hessian->name);
    else if (fr->gradient)
        snprintf(fr->label, sizeof fr->label, "%s/%s", fr->optimizer->name, fr->gradient->name);
    else
        snprintf(fr->label, sizeof fr->label, "%s", fr->optimizer->name);
    char *o = fr->options_text;
    const size_t len = sizeof fr->options_text;
    if (fr->given_start) {
        snprintf(o, len, "start=");
        for (int i = 0; i < fr->rq.model->np; i++) {
            size_t used = strlen(o);
            snprintf(o + used, len - used, "%s%.17g", i ? ";" : "", fr->rq.theta[i]);
        }
    } else {
        snprintf(o, len, "starts=%d seed=%lu", fr->nstarts, fr->seed);
    }
    if (fr->hessian && fr->gradient && strcmp(fr->gradient->name, FIT_DEFAULT_GRADIENT) != 0)
        append(o, len, " gradient=%s%s", fr->gradient->name, "");
    if (fr->rq.options_text[0])
        append(o, len, " %s%s", fr->rq.options_text, "");
    static const char *const criteria[] = { "max-iter", "max-cpu", "gtol", "xtol", "ftol" };
    for (size_t i = 0; i < sizeof criteria / sizeof criteria[0]; i++)
        if (args_has(a, criteria[i]))
            append(o, len, " %s=%s", criteria[i], args_get(a, criteria[i]));
}

int fit_request_open(fit_request *fr, const args_list *a, char *err, size_t errlen)
{
    memset(fr, 0, sizeof *fr);
    request_init(&fr->rq, WANT_HESSIAN);
    opt_settings_init(&fr->settings);
    fr->nstarts = FIT_DEFAULT_STARTS;
    fr->seed = FIT_DEFAULT_SEED;
    fr->timeout = FIT_DEFAULT_TIMEOUT;
    fr->study = FIT_DEFAULT_STUDY;
    fr->results = FIT_DEFAULT_RESULTS;
    fr->format = FORMAT_TABLE;
    const char *model_name = args_get(a, "model"), *opt_name = args_get(a, "optimizer");
    if (!model_name || !*model_name) {
        snprintf(err, errlen, "--model is required (see 'odegrad list' for the models)");
        return -1;
    }
    if (!opt_name || !*opt_name) {
        char list[200];
        optimizer_names(list, sizeof list);
        snprintf(err, errlen, "--optimizer is required: %s", list);
        return -1;
    }
    fr->optimizer = opt_find(opt_name);
    if (!fr->optimizer) {
        char list[200];
        optimizer_names(list, sizeof list);
        snprintf(err, errlen, "unknown optimizer '%s'; optimizers: %s", opt_name, list);
        return -1;
    }
    /* common options and --opt, in the order given (the options text follows it) */
    for (int i = 0; i < a->n; i++) {
        const char *name = a->item[i].opt->name, *value = a->item[i].value;
        static const char *const common[] = { "rtol", "atol", "solver", "max-steps" };
        int is_common = 0;
        for (size_t k = 0; k < sizeof common / sizeof common[0]; k++)
            is_common |= strcmp(name, common[k]) == 0;
        if (is_common) {
            if (request_set_option(&fr->rq, name, value, err, errlen) != 0)
                return -1;
        } else if (strcmp(name, "opt") == 0) {
            char *key = NULL;
            int bad = parse_key_value(value, "--opt", &key, &value, err, errlen) ||
                      request_set_option(&fr->rq, key, value, err, errlen);
            free(key);
            if (bad)
                return -1;
        }
    }
    if (pick_backends(fr, a, err, errlen) != 0 || read_criteria(fr, a, err, errlen) != 0)
        return -1;
    /* every backend a fit uses runs CVODES: say so now rather than fail every start */
    const char *solver = fr->rq.opts.solver;
    cv_family family;
    if (solver && cv_family_parse(solver, &family) != 0) {
        snprintf(err, errlen, "--solver of a fit is a CVODES method, %s or %s, not '%s'",
                 cv_family_name(CV_FAMILY_BDF), cv_family_name(CV_FAMILY_ADAMS), solver);
        return -1;
    }
    fr->rq.model = model_create(model_name, err, errlen);
    if (!fr->rq.model || read_starts(fr, a, err, errlen) != 0 ||
        read_output(fr, a, err, errlen) != 0)
        return -1;
    /* the backend options and tolerances, checked by the backend that takes them */
    fr->rq.type = fr->hessian ? fr->hessian : fr->gradient;
    if (fr->rq.type) {
        fr->rq.opts.want = fr->hessian ? WANT_HESSIAN : WANT_GRADIENT;
        if (method_check(fr->rq.type, fr->rq.model, &fr->rq.opts, err, errlen) != METHOD_OK)
            return -1;
    }
    if (fr->approx) {
        method_options plain = fr->rq.opts;
        plain.nkv = 0;
        plain.want = WANT_HESSIAN;
        if (method_check(fr->approx, fr->rq.model, &plain, err, errlen) != METHOD_OK)
            return -1;
    }
    if (fr->gradient && fr->hessian) {
        method_options plain = fr->rq.opts;
        plain.nkv = 0;
        plain.want = WANT_GRADIENT;
        if (method_check(fr->gradient, fr->rq.model, &plain, err, errlen) != METHOD_OK)
            return -1;
    }
    if ((fr->optimizer->needs & OPT_NEEDS_RESIDUALS) && fr->rq.model->running_cost) {
        snprintf(err, errlen, "model %s has a running cost in its loss, which has no "
                 "least-squares form; use --optimizer newton-tr or bfgs", fr->rq.model->name);
        return -1;
    }
    describe(fr, a);
    return 0;
}

void fit_request_close(fit_request *fr)
{
    request_close(&fr->rq);
}
