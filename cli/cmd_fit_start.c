/* odegrad fit-start — one start of a multistart fit, run by `odegrad fit` in a child process
 * of its own (hidden: not for people).  Prints "iterate<TAB>L<TAB>k<TAB>cpu" after every
 * accepted step (flushed, so that a start killed at its time limit still tells how far it
 * got; cpu: processor seconds since the optimiser started), then its measurements as
 * "metric<TAB>value<TAB>unit" lines, and the optimiser's one-line account of how it ended on
 * stderr.  Exit code 0 whenever the optimiser ran (whatever its
 * exit), 2 for bad input, 1 when it could not start. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "command.h"
#include "fit_request.h"
#include "opt_backend.h"

/* processor time of this process (the one start it runs) */
static double processor_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return (double)clock() / CLOCKS_PER_SEC;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    FILE *out;
    double cpu_start;   /* processor time when the optimiser started */
} iterate_sink;

/* "iterate<TAB>L<TAB>k<TAB>cpu": the trace of the start (bench/fit_trace.h) */
static void print_iterate(void *user, int iteration, double objective)
{
    const iterate_sink *sink = user;
    fputs("iterate\t", sink->out);
    format_number(sink->out, objective);
    fprintf(sink->out, "\t%d\t%.9g\n", iteration, processor_seconds() - sink->cpu_start);
    fflush(sink->out);
}

static void row(FILE *f, const char *name, double value, const char *unit)
{
    fprintf(f, "%s\t", name);
    format_number(f, value);
    fprintf(f, "\t%s\n", unit);
}

static void print_counts(FILE *f, const char *pass, const eval_counts *c)
{
    const struct { const char *name; long value; } counts[] = {
        { "rhs", c->rhs }, { "jvp", c->jvp }, { "vjp", c->vjp }, { "jac", c->jac },
        { "second", c->second } };
    char name[32];
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(name, sizeof name, "%s.%s", pass, counts[i].name);
        row(f, name, (double)counts[i].value, "count");
    }
}

static void print_result(FILE *f, const model *m, const opt_result *r, const double *start,
                         const optb_objective *ob)
{
    char name[MODEL_NAME_LEN + 16];
    row(f, "objective", r->objective, "");
    row(f, "iterations", r->iterations, "count");
    row(f, "evals_loss", (double)r->n_loss, "count");
    row(f, "evals_gradient", (double)r->n_gradient, "count");
    row(f, "evals_hessian", (double)r->n_hessian, "count");
    row(f, "evals_approx_hessian", (double)r->n_approx_hessian, "count");
    row(f, "evals_residuals", (double)r->n_residuals, "count");
    row(f, "evals_jacobian", (double)r->n_jacobian, "count");
    row(f, "evals_failed", (double)r->n_failed, "count");
    row(f, "seconds", r->seconds, "s");
    row(f, "cpu_seconds", r->cpu_seconds, "s");
    row(f, "gradient_norm", r->gradient_norm, "");
    row(f, "exit", (double)r->exit, opt_exit_name(r->exit));
    row(f, "converged", opt_exit_converged(r->exit), "");
    row(f, "np", m->np, "count");
    print_counts(f, "fwd", &ob->fwd);
    print_counts(f, "bwd", &ob->bwd);
    row(f, "steps", (double)ob->steps, "count");
    for (int i = 0; i < m->np; i++) {
        snprintf(name, sizeof name, "start.%s", m->params[i].name);
        row(f, name, start[i], "");
    }
    for (int i = 0; i < m->np; i++) {
        snprintf(name, sizeof name, "theta.%s", m->params[i].name);
        row(f, name, r->theta[i], "");
    }
}

static int fit_start_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { fit_options, NULL };
    args_list a;
    char err[512];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "fit-start", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad fit-start --model M --optimizer O --start v1,... [options]",
                  "One start of a multistart fit (used by odegrad fit): prints metric, value, unit "
                  "lines.", tables);
        return CLI_OK;
    }
    if (!args_has(&a, "start"))
        return cli_usage_error(env, "fit-start", "--start is required");
    fit_request fr;
    if (fit_request_open(&fr, &a, err, sizeof err) != 0) {
        fit_request_close(&fr);
        return cli_usage_error(env, "fit-start", "%s", err);
    }
    optb_objective ob;
    opt_problem P;
    const int least_squares = (fr.optimizer->needs & OPT_NEEDS_RESIDUALS) != 0;
    if (optb_open(&ob, fr.rq.model, &fr.rq.opts, fr.gradient, fr.hessian, least_squares, err,
                  sizeof err) != 0) {
        fit_request_close(&fr);
        return cli_usage_error(env, "fit-start", "%s", err);
    }
    if (fr.approx)
        optb_set_approx(&ob, fr.approx, &fr.rq.opts);
    optb_problem(&ob, &P);
    iterate_sink sink = { env->out, processor_seconds() };
    fr.settings.on_iterate = print_iterate;
    fr.settings.user = &sink;
    opt_result r;
    int code = CLI_OK;
    if (opt_run(fr.optimizer, &P, fr.rq.theta, &fr.settings, &r, err, sizeof err) != 0) {
        code = cli_failure(env, "fit-start", "%s", err);
    } else {
        print_result(env->out, fr.rq.model, &r, fr.rq.theta, &ob);
        fflush(env->out);
        fprintf(env->err, "%s\n", r.message);
        opt_result_free(&r);
    }
    optb_close(&ob);
    fit_request_close(&fr);
    return code;
}

const cli_command cmd_fit_start = { "fit-start", "one start of a multistart fit (internal)", 1,
                                    fit_start_run };
