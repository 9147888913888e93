/* odegrad trajectory — the state error of one solve against the closed form at the model's
 * observation times (the report's Figure 2), as tidy CSV rows on stdout:
 *
 *   model,solver,options,t,state,numeric,exact,abs_error,steps,rhs_evals
 *
 * one row per observation time and state; steps and rhs_evals are the solve's totals (the
 * same on every row), so that curves can be compared at equal work.  --no-header leaves out
 * the header line (to append to a file). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "format.h"
#include "odeint.h"
#include "parse.h"
#include "request.h"
#include "trajectory.h"
#include "registry.h"

static const args_opt trajectory_options[] = {
    { "model", "M", "model with a closed-form solution: freefall, freefall-x0, freefall-T<T>, "
                    "oscillator, oscillator-T<T>", 0 },
    { "solver", "S", "an integrator of ours or bdf, adams (CVODES); see 'odegrad list'", 0 },
    { "steps", "N", "uniform steps on [t0, tf] (ours only; default: adaptive for those with an "
                    "error estimate, 1000 for the others)", 0 },
    { "rtol", "R", "relative tolerance of an adaptive solve (default: the model's)", 0 },
    { "atol", "A", "absolute tolerance of an adaptive solve (default: the model's)", 0 },
    { "max-steps", "N", "step attempts per solve (default 10000000)", 0 },
    { "theta", "v1,v2,...", "parameter vector (default: nominal)", 0 },
    { "no-header", NULL, "leave out the CSV header line", 0 },
    { NULL, NULL, NULL, 0 }
};

/* settings from the scanned arguments: 0, or -1 with a message */
static int read_settings(const args_list *a, trajectory_settings *s, char *err, size_t errlen)
{
    s->solver = args_get(a, "solver");
    s->steps = 0;
    s->rtol = s->atol = 0;
    s->max_steps = 0;
    if (!s->solver) {
        char names[256];
        snprintf(err, errlen, "--solver is required (one of %s)",
                 trajectory_solvers(names, sizeof names));
        return -1;
    }
    if (args_has(a, "steps") &&
        parse_long(args_get(a, "steps"), "--steps", 1, 1000000000L, &s->steps, err, errlen))
        return -1;
    if (args_has(a, "max-steps") &&
        parse_long(args_get(a, "max-steps"), "--max-steps", 1, 1000000000000L, &s->max_steps, err,
                   errlen))
        return -1;
    if (args_has(a, "rtol") && parse_positive(args_get(a, "rtol"), "--rtol", &s->rtol, err, errlen))
        return -1;
    if (args_has(a, "atol") && parse_positive(args_get(a, "atol"), "--atol", &s->atol, err, errlen))
        return -1;
    if (s->steps > 0 && (args_has(a, "rtol") || args_has(a, "atol"))) {
        snprintf(err, errlen, "--steps takes fixed steps: --rtol/--atol would be ignored; give one or the other");
        return -1;
    }
    return 0;
}

static void print_rows(FILE *f, const model *m, const trajectory_settings *s,
                       const trajectory *tr, int header)
{
    char options[128];
    /* fixed steps (given, or the default of a method without an error estimate) or tolerances */
    if (s->steps > 0 || !odeint_adaptive_capable(s->solver))
        snprintf(options, sizeof options, "steps=%ld", tr->steps);
    else
        snprintf(options, sizeof options, "rtol=%g atol=%g", tr->rtol, tr->atol);
    if (header)
        fprintf(f, "model,solver,options,t,state,numeric,exact,abs_error,steps,rhs_evals\n");
    for (int k = 0; k < tr->nout; k++)
        for (int i = 0; i < tr->nx; i++) {
            const double num = tr->numeric[(size_t)k * (size_t)tr->nx + (size_t)i];
            const double ex = tr->exact[(size_t)k * (size_t)tr->nx + (size_t)i];
            format_csv_field(f, m->name);
            fputc(',', f);
            format_csv_field(f, s->solver);
            fputc(',', f);
            format_csv_field(f, options);
            fputc(',', f);
            format_number(f, tr->t[k]);
            fputc(',', f);
            format_csv_field(f, m->state_names[i]);
            fputc(',', f);
            format_number(f, num);
            fputc(',', f);
            format_number(f, ex);
            fputc(',', f);
            format_number(f, fabs(num - ex));
            fprintf(f, ",%ld,%ld\n", tr->steps, tr->rhs_evals);
        }
}

static int trajectory_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { trajectory_options, NULL };
    args_list a;
    char err[512];
    trajectory_settings s;
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "trajectory", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad trajectory --model M --solver S [--steps N | --rtol R --atol A]",
                  "Solves model M (condition 0) with solver S and prints, at each observation\n"
                  "time and for each state, the numerical and the exact value and their\n"
                  "absolute difference as CSV rows (the report's error accumulation, Figure 2).\n"
                  "Writes no files.", tables);
        return CLI_OK;
    }
    if (!args_has(&a, "model"))
        return cli_usage_error(env, "trajectory", "--model is required (e.g. --model oscillator)");
    if (read_settings(&a, &s, err, sizeof err) != 0)
        return cli_usage_error(env, "trajectory", "%s", err);
    model *m = model_create(args_get(&a, "model"), err, sizeof err);
    if (!m)
        return cli_usage_error(env, "trajectory", "%s", err);
    double *theta = NULL;
    int code = CLI_OK;
    if (trajectory_check(m, &s, err, sizeof err) != 0) {
        code = cli_usage_error(env, "trajectory", "%s", err);
    } else if (args_has(&a, "theta")) {
        if (request_read_vector(args_get(&a, "theta"), "--theta", m, &theta, err, sizeof err) != 0)
            code = cli_usage_error(env, "trajectory", "%s", err);
    } else if ((theta = malloc(sizeof(double) * (size_t)(m->np > 0 ? m->np : 1)))) {
        model_nominal(m, theta);
    } else {
        code = cli_failure(env, "trajectory", "out of memory");
    }
    if (code == CLI_OK) {
        trajectory tr;
        const int status = trajectory_compute(m, theta, &s, &tr, err, sizeof err);
        if (status == 1)
            code = cli_usage_error(env, "trajectory", "%s", err);
        else if (status != 0)
            code = cli_failure(env, "trajectory", "%s", err);
        else
            print_rows(env->out, m, &s, &tr, !args_has(&a, "no-header"));
        trajectory_free(&tr);
    }
    free(theta);
    model_destroy(m);
    return code;
}

const cli_command cmd_trajectory = { "trajectory", "state error of one solve against the closed "
                                     "form (error accumulation)", 0, trajectory_run };
