/* compute — scan, request, run, measure, print: see compute.h. */
#include "compute.h"

#include "format.h"
#include "request.h"

static const args_opt compute_format_option[] = {
    { "format", FORMAT_CHOICES, "output format (default table)", 0 },
    { NULL, NULL, NULL, 0 }
};

/* The status of a run as the CLI's exit code: the user's mistakes are usage errors. */
static int exit_code(method_status status)
{
    return status == METHOD_EINPUT || status == METHOD_EUNSUPPORTED ? CLI_USAGE : CLI_FAILED;
}

/* run the request and print the result with its measurements */
static int compute_report(const cli_env *env, const compute_command *c, cli_request *rq,
                          out_format fmt)
{
    method_result r;
    method_status status = method_run(rq->type, rq->model, rq->theta, &rq->opts, &r);
    int code = CLI_OK;
    if (status != METHOD_OK) {
        code = exit_code(status);
        fprintf(env->err, "odegrad %s: %s\n", c->name, r.error);
    } else {
        reference ref;
        metric_list metrics = { 0, 0, NULL };
        double peak_rss = (double)mem_peak_rss();   /* before the reference adds its own */
        reference_compute(&ref, rq->model, rq->theta);
        if (metrics_of_result(&metrics, rq->model, &rq->opts, &r, &ref) != 0 ||
            metrics_add(&metrics, "peak_rss", peak_rss, "bytes") != 0) {
            code = cli_failure(env, c->name, "out of memory");
        } else {
            const run_report rep = { rq->model, rq->type->name, rq->options_text, rq->theta, &r,
                                     &ref, &metrics };
            format_report(env->out, fmt, &rep);
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
    const method_want want = c->directions && args_has(&a, "direction") ? WANT_HVP : c->want;
    cli_request rq;
    int code;
    if (request_open(&rq, &a, want, err, sizeof err) != 0)
        code = cli_usage_error(env, c->name, "%s", err);
    else
        code = compute_report(env, c, &rq, fmt);
    request_close(&rq);
    return code;
}
