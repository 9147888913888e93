/* compute — scan, request, run, measure, print: see compute.h. */
#include "compute.h"

#include <errno.h>
#include <math.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "format.h"
#include "metrics.h"
#include "refcache.h"
#include "request.h"
#include "model_prior.h"
#include <stdlib.h>

static const args_opt compute_format_option[] = {
    { "format", FORMAT_CHOICES, "output format (default table)", 0 },
    { "reference", "auto|compute|none|FILE",
      "what the result is measured against: auto (default) the closed form or a cached "
      "reference in results/*.ref.tsv, else none and how to get one; compute: the consensus "
      "of forward at rtol 1e-12 and 1e-10, adjoint (and interp, tape), with its estimated "
      "accuracy (several times the backend's cost); none: nothing; "
      "FILE: a reference cache (odegrad reference / bench)", 0 },
    { "check-tolerance", "E",
      "run the backend again at rtol/100 and atol/100 (the backward ones too) and fail (exit 1) "
      "when the result moves by more than E relative (2-norm), e.g. 1e-3: a gradient that the "
      "solver's tolerance still moves is not printed; the distance is the tolerance_check "
      "metric", 0 },
    { NULL, NULL, NULL, 0 }
};

/* --check-tolerance: the run again at tolerances 100x tighter; the distance of its result
 * (gradient, Hessian or H·v) from the run's into *distance.  METHOD_OK, or the tighter run's
 * failure with its message in err. */
static method_status tolerance_distance(const cli_request *rq, const method_result *r,
                                        double *distance, char *err, size_t errlen)
{
    const model *m = rq->model;
    method_options o = rq->opts;
    o.rtol = method_rtol(&rq->opts, m) / 100.0;
    o.atol = method_atol(&rq->opts, m) / 100.0;
    o.rtol_b = method_rtol_b(&rq->opts, m) / 100.0;
    o.atol_b = method_atol_b(&rq->opts, m) / 100.0;
    method_result t;
    const method_status st = method_run(rq->type, m, rq->theta, &o, &t);
    if (st != METHOD_OK) {
        snprintf(err, errlen, "the check at rtol %g failed: %s", o.rtol, t.error);
    } else {
        const int np = m->np;
        double d = metrics_rel_error(r->gradient, t.gradient, np);
        if (r->hessian && t.hessian)
            d = fmax(d, metrics_rel_error(r->hessian, t.hessian, np * np));
        if (r->hvp && t.hvp)
            d = fmax(d, metrics_rel_error(r->hvp, t.hvp, np));
        *distance = d;
    }
    method_result_free(&t);
    return st;
}

/* where `auto` looks for cached references: the studies' caches in the default results */
#define COMPUTE_REFERENCE_GLOB "results/*.ref.tsv"

/* The reference of the request by the --reference mode (see the option's help).  0, or -1
 * with a message (a FILE that cannot be read). */
static int obtain_reference(reference *ref, const cli_request *rq, const char *mode, char *err,
                            size_t errlen)
{
    const model *m = rq->model;
    char key[17], source[300];
    if (!mode || strcmp(mode, "auto") == 0) {
        if (m->exact) {
            reference_compute(ref, m, rq->theta);   /* the closed form: costs nothing */
            return 0;
        }
        refcache_key(rq->theta, m->np, key);
        glob_t g;
        int found = 0;
        if (glob(COMPUTE_REFERENCE_GLOB, 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc && !found; i++)
                found = refcache_lookup(g.gl_pathv[i], m->name, key, m->np, ref) && ref->have;
            globfree(&g);
        }
        if (found)
            return 0;
        reference_free(ref);
        return reference_set(ref, m->np, NULL, "none: no closed form and no cached reference at "
                             "this theta; --reference compute computes one (forward at rtol 1e-12 "
                             "confirmed by independent witnesses)");
    }
    if (strcmp(mode, "compute") == 0) {
        reference_compute(ref, m, rq->theta);
        return 0;
    }
    if (strcmp(mode, "none") == 0)
        return reference_set(ref, m->np, NULL, "none: not asked for (--reference none)");
    if (access(mode, R_OK) != 0) {
        snprintf(err, errlen, "--reference: %s is not auto, compute, none or a readable file (%s)",
                 mode, strerror(errno));
        return -1;
    }
    refcache_key(rq->theta, m->np, key);
    if (refcache_lookup(mode, m->name, key, m->np, ref) && ref->have)
        return 0;
    reference_free(ref);
    snprintf(source, sizeof source, "none: %.120s has no reference of %.40s at this theta", mode,
             m->name);
    return reference_set(ref, m->np, NULL, source);
}

/* The status of a run as the CLI's exit code: the user's mistakes are usage errors. */
static int exit_code(method_status status)
{
    return status == METHOD_EINPUT || status == METHOD_EUNSUPPORTED ? CLI_USAGE : CLI_FAILED;
}

/* Print the run, with the objective prior (model_prior.h) beside the data term when the
 * model has one: its value, gradient and (for a Hessian) Hessian, and the objective they
 * sum to.  CLI_OK, or the exit code after a one-line message (θ outside a prior's support is
 * bad input). */
static int report_with_prior(const cli_env *env, const compute_command *c, cli_request *rq,
                             out_format fmt, const method_result *r, const reference *ref,
                             metric_list *metrics)
{
    const model *m = rq->model;
    run_report rep = { m, rq->type->name, rq->options_text, rq->theta, r, ref, metrics, NULL };
    if (!model_has_prior(m)) {
        format_report(env->out, fmt, &rep);
        return CLI_OK;
    }
    const size_t np = (size_t)m->np;
    double *g = malloc(sizeof(double) * np);
    double *H = r->hessian ? malloc(sizeof(double) * np * np) : NULL;
    run_prior prior = { 0.0, g, H };
    char err[300];
    int status = CLI_OK;
    if (!g || (r->hessian && !H)) {
        status = cli_failure(env, c->name, "out of memory");
    } else if (model_prior(m, rq->theta, &prior.value, g, H, err, sizeof err) != 0) {
        status = cli_usage_error(env, c->name, "%s", err);   /* θ is the user's */
    } else if (metrics_add(metrics, "prior", prior.value, "1") != 0 ||
               metrics_add(metrics, "objective", r->loss + prior.value, "1") != 0) {
        status = cli_failure(env, c->name, "out of memory");
    } else {
        rep.prior = &prior;
        format_report(env->out, fmt, &rep);
    }
    free(g);
    free(H);
    return status;
}

/* run the request and print the result with its measurements */
static int compute_report(const cli_env *env, const compute_command *c, cli_request *rq,
                          out_format fmt, const char *reference_mode, double check_limit)
{
    method_result r;
    method_status status = method_run(rq->type, rq->model, rq->theta, &rq->opts, &r);
    int code = CLI_OK;
    double moved = NAN;
    char message[700];
    snprintf(message, sizeof message, "%s", r.error);
    if (status == METHOD_OK && check_limit > 0.0) {
        const method_status cs = tolerance_distance(rq, &r, &moved, message, sizeof message);
        if (cs != METHOD_OK) {
            status = cs;
        } else if (!(moved <= check_limit)) {
            status = METHOD_ESOLVER;
            snprintf(message, sizeof message, "%s: the result moves by %.3g (relative) when rtol "
                     "and atol are divided by 100, more than --check-tolerance %g: it is "
                     "dominated by integration error; give a smaller --rtol and --atol",
                     rq->type->name, moved, check_limit);
        }
    }
    if (status != METHOD_OK) {
        code = exit_code(status);
        fprintf(env->err, "odegrad %s: %s\n", c->name, message);
    } else {
        reference ref;
        metric_list metrics = { 0, 0, NULL };
        double peak_rss = (double)mem_peak_rss();   /* before the reference adds its own */
        char err[300];
        memset(&ref, 0, sizeof ref);
        if (obtain_reference(&ref, rq, reference_mode, err, sizeof err) != 0)
            code = cli_failure(env, c->name, "%s", err);
        else if (metrics_of_result(&metrics, rq->model, &rq->opts, &r, &ref) != 0 ||
            metrics_add(&metrics, "peak_rss", peak_rss, "bytes") != 0 ||
            (!isnan(moved) && metrics_add(&metrics, "tolerance_check", moved, "1") != 0)) {
            code = cli_failure(env, c->name, "out of memory");
        } else {
            code = report_with_prior(env, c, rq, fmt, &r, &ref, &metrics);
        }
        metrics_free(&metrics);
        reference_free(&ref);
    }
    method_result_free(&r);
    return code;
}

int compute_run(const cli_env *env, const compute_command *c, int argc, char **argv)
{
    const args_opt *const tables[] = { request_options, compute_format_option,
                                       c->directions ? request_direction_option : NULL, NULL };
    args_list a;
    char err[512];
    out_format fmt = FORMAT_TABLE;
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, c->name, "%s", err);
    if (a.help) {
        args_help(env->out, c->usage, c->about, tables);
        return CLI_OK;
    }
    const char *format_name = args_get(&a, "format");
    if (format_name && format_parse(format_name, &fmt) != 0)
        return cli_usage_error(env, c->name, "--format must be one of %s, not '%s'",
                               FORMAT_CHOICES, format_name);
    const char *mode = args_get(&a, "reference");
    if (mode && strcmp(mode, "auto") && strcmp(mode, "compute") && strcmp(mode, "none") &&
        access(mode, R_OK) != 0)
        return cli_usage_error(env, c->name, "--reference is auto, compute, none or a readable "
                               "reference cache, not '%s'", mode);
    double check_limit = 0.0;
    const char *check = args_get(&a, "check-tolerance");
    if (check) {
        char *end = NULL;
        check_limit = strtod(check, &end);
        if (!end || *end || end == check || !(check_limit > 0.0) || !isfinite(check_limit))
            return cli_usage_error(env, c->name, "--check-tolerance needs a positive number "
                                   "(a relative distance, e.g. 1e-3), not '%s'", check);
    }
    const method_want want = c->directions && args_has(&a, "direction") ? WANT_HVP : c->want;
    cli_request rq;
    int code;
    if (request_open(&rq, &a, want, err, sizeof err) != 0)
        code = cli_usage_error(env, c->name, "%s", err);
    else
        code = compute_report(env, c, &rq, fmt, args_get(&a, "reference"), check_limit);
    request_close(&rq);
    return code;
}
