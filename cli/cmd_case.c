/* odegrad case — one case of a sweep, run by `odegrad bench` in a child process of its own
 * (hidden: not for people).  Prints its measurements as "metric<TAB>value<TAB>unit" lines;
 * on failure one line on stderr and exit code 1 (solver) or 2 (input). */
#include <math.h>
#include <string.h>
#include "command.h"
#include "format.h"
#include "refcache.h"
#include "request.h"
#include "stats.h"
#include "solve_unit.h"

static const args_opt case_options[] = {
    { "want", "gradient|hessian|hvp", "what to compute (default gradient)", 0 },
    { "reference-file", "PATH", "reference cache to measure the gradient against", 0 },
    { NULL, NULL, NULL, 0 }
};

static int parse_want(const char *text, method_want *want)
{
    static const char *const names[] = { "gradient", "hessian", "hvp" };
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *want = (method_want)i;
            return 0;
        }
    return -1;
}

/* closed form if the model has one (cheap, Hessian included), else the sweep's cache */
static void case_reference(reference *ref, const cli_request *rq, const char *cache)
{
    char key[17];
    if (rq->model->exact) {
        reference_compute(ref, rq->model, rq->theta);
        return;
    }
    refcache_key(rq->theta, rq->model->np, key);
    if (!cache || !refcache_lookup(cache, rq->model->name, key, rq->model->np, ref))
        reference_set(ref, rq->model->np, NULL, "none: not computed");
}

/* θ as theta.<param> rows when the case is not at the nominal θ (a spec's `theta` line gave
 * --theta): where it was measured, so that its reference can be found again from the results
 * alone (no rows: the nominal θ) */
static int add_theta(metric_list *l, const model *m, const double *theta)
{
    for (int i = 0; i < m->np; i++) {
        char name[112];
        snprintf(name, sizeof name, "theta.%s", m->params[i].name);
        if (metrics_add(l, name, theta[i], "1") != 0)
            return -1;
    }
    return 0;
}

static int case_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { request_options, request_direction_option, case_options,
                                       NULL };
    args_list a;
    char err[512];
    method_want want = WANT_GRADIENT;
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "case", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad case --model M --method B [options]",
                  "One case of a sweep (used by odegrad bench): prints metric, value, unit lines.",
                  tables);
        return CLI_OK;
    }
    if (args_has(&a, "want") && parse_want(args_get(&a, "want"), &want) != 0)
        return cli_usage_error(env, "case", "--want is gradient, hessian or hvp");
    cli_request rq;
    if (request_open(&rq, &a, want, err, sizeof err) != 0) {
        request_close(&rq);
        return cli_usage_error(env, "case", "%s", err);
    }
    method_result r;
    method_status status = method_run(rq.type, rq.model, rq.theta, &rq.opts, &r);
    int code = CLI_OK;
    if (status != METHOD_OK) {
        code = status == METHOD_EINPUT || status == METHOD_EUNSUPPORTED ? CLI_USAGE : CLI_FAILED;
        fprintf(env->err, "%s\n", r.error);
    } else {
        reference ref;
        metric_list metrics = { 0, 0, NULL };
        case_reference(&ref, &rq, args_get(&a, "reference-file"));
        if (metrics_of_result(&metrics, rq.model, &rq.opts, &r, &ref) != 0 ||
            solve_unit_add(&metrics, &rq, r.wall_seconds) != 0 ||
            (args_has(&a, "theta") && add_theta(&metrics, rq.model, rq.theta) != 0)) {
            code = cli_failure(env, "case", "out of memory");
        } else {
            for (int i = 0; i < metrics.n; i++) {
                fprintf(env->out, "%s\t", metrics.rows[i].name);
                format_number(env->out, metrics.rows[i].value);
                fprintf(env->out, "\t%s\n", metrics.rows[i].unit);
            }
        }
        metrics_free(&metrics);
        reference_free(&ref);
    }
    method_result_free(&r);
    request_close(&rq);
    return code;
}

const cli_command cmd_case = { "case", "one case of a sweep (internal)", 1, case_run };
