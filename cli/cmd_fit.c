/* odegrad fit — multistart fitting of a model with one optimiser (and Hessian backend):
 * N starts drawn reproducibly within the model's bounds (Latin hypercube, --seed), each run
 * in its own child process (`odegrad fit-start`) with a time limit, so that a start that
 * diverges or hangs cannot stop the study.  One case per start is appended to
 * results/<study>.csv in the harness's tidy form (backend column: optimizer/Hessian, options
 * column: starts, seed and the options that define the case, repeat: the start's number),
 * ending with its status row: ok with the optimiser's account of how it ended, failed with
 * the reason, or timeout/crashed — then the start's objective is the last one it reported.
 * Re-running resumes: finished starts are kept.  At the end the study's summary, plot data
 * (fit_summary.h) and table are written from the whole CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lhs.h"
#include "child.h"
#include "farm.h"
#include "command.h"
#include "fit_request.h"
#include "fit_summary.h"
#include "fit_trace.h"
#include "meta.h"
#include "progress.h"
#include "store.h"

/* exit codes of a start beyond the optimiser's (opt_exit 0..6) */
enum { FIT_EXIT_TIMEOUT = 7, FIT_EXIT_CRASHED = 8 };

#define FIT_MAX_CHILD_ARGS (2 * ARGS_MAX + 8)

/* The child's lines into rows: "iterate" lines only keep the latest (objective, iteration);
 * the rest are metric rows.  -1 if a line is malformed. */
static int parse_child(char *out, metric_list *rows, double *last_objective, double *last_iter)
{
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL, *end;
        if (!tab2)
            return -1;
        *tab1 = *tab2 = '\0';
        const double v = strtod(tab1 + 1, &end);
        if (end == tab1 + 1 || *end != '\0')
            return -1;
        if (strcmp(line, "iterate") == 0) {
            *last_objective = v;
            *last_iter = strtod(tab2 + 1, NULL);
        } else if (metrics_add(rows, line, v, tab2 + 1) != 0) {
            return -1;
        }
    }
    return 0;
}

/* the first line of a child's stderr, at most 300 characters */
static void first_line(const char *text, char *out, size_t outlen)
{
    const size_t n = strcspn(text, "\n");
    snprintf(out, outlen, "%.*s", (int)(n < 300 ? n : 300), text[0] ? text : "no message");
}

/* The child's outcome as rows and a status (CASE_*) with its text. */
static int outcome(child_outcome *o, metric_list *rows, char *text, size_t len)
{
    double last_objective = NAN, last_iter = 0;
    char line[320];
    const int parsed = parse_child(o->out, rows, &last_objective, &last_iter);
    first_line(o->err, line, sizeof line);
    if (o->timed_out || !o->exited) {
        rows->n = 0;
        const int timeout = o->timed_out;
        metrics_add(rows, "objective", last_objective, "");
        metrics_add(rows, "iterations", last_iter, "count");
        metrics_add(rows, "exit", timeout ? FIT_EXIT_TIMEOUT : FIT_EXIT_CRASHED,
                    timeout ? "timeout" : "crashed");
        metrics_add(rows, "converged", 0, "");
        if (timeout)
            snprintf(text, len, "timeout: killed after %.3g s", o->seconds);
        else
            snprintf(text, len, "crashed: %s", strsignal(o->signal));
        return timeout ? CASE_TIMEOUT : CASE_CRASHED;
    }
    if (o->exit_code != 0 || parsed != 0) {
        rows->n = 0;
        if (parsed != 0)
            snprintf(line, sizeof line, "the start printed a malformed line");
        snprintf(text, len, "failed: %s", line);
        return CASE_FAILED;
    }
    if (metrics_get(rows, "exit") == (double)OPT_FAILED) {
        snprintf(text, len, "%s", line);
        return CASE_FAILED;
    }
    snprintf(text, len, "ok: %s", line);
    return CASE_OK;
}

/* "v1,v2,..." of a start, exactly */
static char *start_text(const double *theta, int np)
{
    size_t len = (size_t)np * 26 + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < np; i++) {
        size_t used = strlen(s);
        snprintf(s + used, len - used, "%s%.17g", i ? "," : "", theta[i]);
    }
    return s;
}

/* The starts still to run, as the items of a farm (farm.h): item j is start starts_k[j]
 * (0-based), run in a child and appended as its case. */
typedef struct {
    const cli_env *env;
    const fit_request *fr;
    const args_list *a;
    study_store *st;
    const double *starts;   /* every start's θ, np values each */
    int *start_k;
    char *argv[FIT_MAX_CHILD_ARGS], *owned[ARGS_MAX + 2];
    int nowned;
    int failed;
} fit_job;

static void start_release(void *user, int item)
{
    fit_job *j = user;
    (void)item;
    for (int i = 0; i < j->nowned; i++)
        free(j->owned[i]);
    j->nowned = 0;
}

/* the child's command of one start */
static int start_prepare(void *user, int item, char ***argvp, double *timeout, char *err,
                         size_t errlen)
{
    fit_job *j = user;
    const args_list *a = j->a;
    const int np = j->fr->rq.model->np;
    char **argv = j->argv;
    int argc = 0;
    argv[argc++] = (char *)j->env->self;
    argv[argc++] = "fit-start";
    for (int i = 0; i < a->n && j->nowned < ARGS_MAX; i++) {
        const char *name = a->item[i].opt->name;
        if (!fit_option_forwarded(name))
            continue;
        size_t len = strlen(name) + strlen(a->item[i].value) + 4;
        char *word = malloc(len);
        if (!word)
            break;
        snprintf(word, len, "--%s=%s", name, a->item[i].value);
        argv[argc++] = j->owned[j->nowned++] = word;
    }
    char *start = start_text(j->starts + (size_t)j->start_k[item] * np, np);
    char *start_arg = start ? malloc(strlen(start) + 16) : NULL;
    if (!start_arg) {
        free(start);
        start_release(j, item);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sprintf(start_arg, "--start=%s", start);
    free(start);
    argv[argc++] = j->owned[j->nowned++] = start_arg;
    argv[argc] = NULL;
    *argvp = argv;
    *timeout = j->fr->timeout;
    return FARM_RUN;
}

/* a start's child has ended: its case appended */
static int start_finish(void *user, int item, child_outcome *o, char *err, size_t errlen)
{
    fit_job *j = user;
    const fit_request *fr = j->fr;
    metric_list rows = { 0, 0, NULL };
    char text[400];
    int code = 0;
    /* the child's output as it came (outcome() takes it apart), for the trace */
    char *printed = strdup(o->out ? o->out : "");
    const int status = outcome(o, &rows, text, sizeof text);
    if (metrics_add(&rows, "peak_rss", (double)o->peak_rss, "bytes") != 0 ||
        metrics_add(&rows, "case_seconds", o->seconds, "s") != 0 ||
        metrics_add(&rows, "case_cpu_seconds", o->cpu_seconds, "s") != 0 ||
        store_append_case(j->st, fr->rq.model->name, fr->label, fr->options_text,
                          j->start_k[item] + 1, &rows, status, text, err, errlen) != 0 ||
        !printed ||
        fit_trace_append(fr->results, fr->study, fr->rq.model->name, fr->label,
                         fr->options_text, j->start_k[item] + 1, printed, err, errlen) != 0)
        code = -1;
    free(printed);
    metrics_free(&rows);
    j->failed += status != CASE_OK;
    return code < 0 ? -1 : status != CASE_OK;
}

static void start_label(void *user, int item, char *out, size_t len)
{
    const fit_job *j = user;
    snprintf(out, len, "%.64s %.96s start %d", j->fr->rq.model->name, j->fr->label,
             j->start_k[item] + 1);
}

/* the command line, for the study's metadata */
static void command_text(int argc, char **argv, char *out, size_t outlen)
{
    snprintf(out, outlen, "odegrad");
    for (int i = 0; i < argc; i++) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, " %s", argv[i]);
    }
}

static int fit_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { fit_options, NULL };
    args_list a;
    char err[1024];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "fit", "%s", err);
    if (a.help) {
        args_help(env->out,
                  "odegrad fit --model M --optimizer O [--hessian H] [--starts N] [--seed S] [options]",
                  "Fits model M from N starts drawn within its bounds (Latin hypercube, seed S), each\n"
                  "start in its own process with a time limit. Optimizers: trr (trust-region\n"
                  "reflective in theta on the full Hessian of backend H: soadjoint, soforward,\n"
                  "fdhess, fim; --hybrid fim starts with the Fisher information), ipopt (Ipopt's\n"
                  "interior point on the Hessian of H), ipopt-lbfgs (Ipopt, limited-memory\n"
                  "quasi-Newton), newton-tr (trust-region Newton on H in z, theta = c + r sin z),\n"
                  "gauss-newton (GSL Levenberg-Marquardt on the residuals' forward sensitivities),\n"
                  "bfgs (GSL BFGS2 on gradients of --method, default adjoint); the last three keep\n"
                  "to the bounds through theta = c + r sin z. Appends one case per start to\n"
                  "DIR/NAME.csv and writes NAME.fit.tsv and the waterfall plot data; prints the\n"
                  "best objective, the fraction of starts within 0.1 of the best, and the median\n"
                  "iterations and time of the converged starts. Re-running resumes.", tables);
        return CLI_OK;
    }
    fit_request fr;
    if (fit_request_open(&fr, &a, err, sizeof err) != 0) {
        fit_request_close(&fr);
        return cli_usage_error(env, "fit", "%s", err);
    }
    const model *m = fr.rq.model;
    const int np = m->np, N = fr.nstarts;
    double *starts = malloc(sizeof(double) * (size_t)N * (size_t)np);
    double *lower = malloc(sizeof(double) * (size_t)np), *upper = malloc(sizeof(double) * (size_t)np);
    int code = CLI_OK;
    study_store *st = NULL;
    if (!starts || !lower || !upper) {
        code = cli_failure(env, "fit", "out of memory for %d starts", N);
        goto done;
    }
    for (int i = 0; i < np; i++) {
        lower[i] = m->params[i].lower;
        upper[i] = m->params[i].upper;
    }
    if (fr.given_start)
        memcpy(starts, fr.rq.theta, sizeof(double) * (size_t)np);
    else if (lhs_sample(N, np, lower, upper, fr.seed, starts, err, sizeof err) != 0) {
        code = cli_usage_error(env, "fit", "%s", err);
        goto done;
    }
    /* everything is checked: from here on files are written */
    if (store_make_dir(fr.results, err, sizeof err) != 0 ||
        !(st = store_open(fr.results, fr.study, fr.fresh, err, sizeof err))) {
        code = cli_failure(env, "fit", "%s", err);
        goto done;
    }
    if (fr.fresh && fit_trace_reset(fr.results, fr.study, err, sizeof err) != 0) {
        code = cli_failure(env, "fit", "%s", err);
        goto done;
    }
    if (store_dropped(st))
        fprintf(env->err, "odegrad fit: dropped %zu bytes of a start that was interrupted; it runs "
                "again\n", store_dropped(st));
    int ndone = 0;
    for (int k = 0; k < N; k++)
        ndone += store_is_done(st, m->name, fr.label, fr.options_text, k + 1);
    char path[4096], command[2048];
    snprintf(path, sizeof path, "%s/%s.meta.json", fr.results, fr.study);
    command_text(argc, argv, command, sizeof command);
    if (meta_write(path, fr.study, command, N, ndone, err, sizeof err) != 0) {
        code = cli_failure(env, "fit", "%s", err);
        goto done;
    }
    progress bar;
    progress_init(&bar, env->err, N, ndone);
    fit_job job = { env, &fr, &a, st, starts, malloc(sizeof(int) * (size_t)N), { NULL }, { NULL },
                    0, 0 };
    if (!job.start_k) {
        code = cli_failure(env, "fit", "out of memory for %d starts", N);
    } else {
        int n = 0;
        for (int k = 0; k < N; k++)
            if (!store_is_done(st, m->name, fr.label, fr.options_text, k + 1))
                job.start_k[n++] = k;
        /* every start costs alike a priori: they go out in their order */
        const farm_job fj = { n, NULL, NULL, NULL, &job, start_prepare, start_release,
                              start_finish, start_label };
        if (farm_run(&fj, &bar, env->self, err, sizeof err) != 0)
            code = cli_failure(env, "fit", "%s", err);
    }
    const int failed = job.failed;
    free(job.start_k);
    progress_finish(&bar);
    store_close(st);
    st = NULL;
    if (code == CLI_OK &&
        fit_summary_write(fr.results, fr.study, env->out, fr.format, err, sizeof err) != 0)
        code = cli_failure(env, "fit", "%s", err);
    if (code == CLI_OK && failed)
        fprintf(env->err, "odegrad fit: %d start%s did not finish normally; their status rows "
                "say why\n", failed, failed == 1 ? "" : "s");
done:
    if (st)
        store_close(st);
    free(starts);
    free(lower);
    free(upper);
    fit_request_close(&fr);
    return code;
}

/* under mpirun or srun, rank 0 runs the fit and the other ranks run its starts (farm.h) */
static int fit_command(const cli_env *env, int argc, char **argv)
{
    return farm_command(env, "fit", fit_run, argc, argv);
}

const cli_command cmd_fit = { "fit", "multistart fit with trr, ipopt, newton-tr, gauss-newton "
                              "or bfgs", 0, fit_command };
