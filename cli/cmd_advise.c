/* odegrad advise — which backend to use on the user's model at the user's tolerance: a short
 * tournament of every gradient backend (and, with --hessian, every Hessian backend), each case
 * in its own child process under a time limit (the harness of `odegrad bench`), then the
 * verdict of bench/advise.h with the time, memory and error of each backend and why the
 * others lost.
 *
 * The tournament is an ordinary study: its spec is written to DIR/advise-<model>.spec (and
 * advise-<model>-hessian.spec), its rows to DIR/advise-<model>.csv, so `odegrad summary
 * --study advise-<model>` shows it again (<model>: the name with every character a study name
 * may not hold made '_', cut to its last 48). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "advise.h"
#include "args.h"
#include "command.h"
#include "filetoken.h"
#include "format.h"
#include "method.h"
#include "parse.h"
#include "registry.h"
#include "spec.h"
#include "store.h"
#include "summary.h"
#include "sweep.h"
#include "validate.h"

static const args_opt advise_options[] = {
    { "model", "M", "the model (a built-in name or petab:PATH)", 0 },
    { "rtol", "R", "relative tolerance of every backend (default: the model's)", 0 },
    { "atol", "A", "absolute tolerance of every backend (default: the model's)", 0 },
    { "hessian", NULL, "also run the Hessian backends and recommend one", 0 },
    { "target", "E", "the error a backend must meet (default max(10*rtol, the reference's accuracy))", 0 },
    { "time-limit", "SECONDS", "limit of each backend's run (default 20)", 0 },
    { "reference-time-limit", "SECONDS", "limit of computing the reference (default 120)", 0 },
    { "repeats", "N", "runs of each backend; time is the median (default 3)", 0 },
    { "results", "DIR", "where the tournament's files go (default " STORE_SCRATCH_DIR "/)", 0 },
    { "format", "table|json", "the output (default table)", 0 },
    { NULL, NULL, NULL, 0 }
};

typedef struct {
    const char *model;
    const char *rtol_text, *atol_text;   /* as given, or NULL */
    double rtol, atol;                   /* in force (the model's when not given) */
    double target;                       /* > 0 when given */
    double time_limit, reference_time_limit;
    long repeats;
    const char *results;
    int json;
} advise_request;

/* Write the spec of one tournament (want: gradient or Hessian) to path.  0, or -1. */
static int write_spec(const advise_request *rq, const char *path, const char *study,
                      method_want want, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %.900s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# written by odegrad advise\nstudy %s\nmodels %s\nwant %s\nbackends", study,
            rq->model, want == WANT_HESSIAN ? "hessian" : "gradient");
    /* every built backend that can do what is asked, from the registry */
    const unsigned cap = want == WANT_HESSIAN ? CAP_HESSIAN : CAP_GRADIENT;
    for (int i = 0; method_types[i]; i++)
        if (method_types[i]->caps & cap)
            fprintf(f, " %s", method_types[i]->name);
    fputc('\n', f);
    if (rq->rtol_text || rq->atol_text)
        fprintf(f, "tol %.17g/%.17g\n", rq->rtol, rq->atol);
    fprintf(f, "repeats %ld\ntimeout %.17g\nreference_timeout %.17g\n", rq->repeats,
            rq->time_limit, rq->reference_time_limit);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %.900s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The reference's accuracy the cases recorded (the largest, to be safe), or 0. */
static double reference_accuracy(const study_summary *s)
{
    double acc = 0;
    for (int i = 0; i < s->n; i++) {
        double a = summary_max(&s->groups[i], "ref_accuracy");
        if (a > acc)
            acc = a;
    }
    return acc;
}

static int errors_measured(const study_summary *s, const char *metric)
{
    for (int i = 0; i < s->n; i++)
        if (summary_metric_of(&s->groups[i], metric))
            return 1;
    return 0;
}

/* Run one tournament and print its verdict.  *ran: a backend succeeded.  A CLI code. */
static int tournament(const cli_env *env, const advise_request *rq, method_want want,
                      int *ran, int first)
{
    char err[1024], token[512], study[600], spec_path[4096], csv[4096];
    const int hessian = want == WANT_HESSIAN;
    /* a study name holds only letters, digits, '.', '_' and '-' (spec.h) */
    file_token(rq->model, token, sizeof token);
    for (char *c = token; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            *c = '_';
    /* ... and at most 63 of them: a long path keeps its end, the model's own name */
    const size_t room = 63 - strlen("advise-") - strlen("-hessian"), len = strlen(token);
    const char *tail = len > room ? token + len - room : token;
    snprintf(study, sizeof study, "advise-%s%s", tail, hessian ? "-hessian" : "");
    snprintf(spec_path, sizeof spec_path, "%s/%s.spec", rq->results, study);
    if (write_spec(rq, spec_path, study, want, err, sizeof err) != 0)
        return cli_failure(env, "advise", "%s", err);
    bench_spec *spec = spec_load(spec_path, err, sizeof err);
    if (!spec)   /* the request was checked: this is a fault of ours or of the file system */
        return cli_failure(env, "advise", "%s", err);
    const sweep_settings set = { rq->results, spec_path, 1 };
    int nfailed = 0;
    int code = sweep_run(env, "advise", spec, &set, &nfailed);
    spec_free(spec);
    if (code != CLI_OK)
        return code;
    study_summary s;
    snprintf(csv, sizeof csv, "%s/%s.csv", rq->results, study);
    if (summary_build(&s, csv, err, sizeof err) != 0)
        return cli_failure(env, "advise", "%s", err);
    /* the target: the user's, else 10·rtol — but never below what the reference can resolve
     * (the Hessian reference is confirmed to 1e-6 only: bench/README.md) */
    const double ref_acc = hessian ? 1e-6 : reference_accuracy(&s);
    double target = rq->target > 0 ? rq->target : 10 * rq->rtol;
    if (rq->target <= 0 && ref_acc > target)
        target = ref_acc;
    advise_ranking r;
    if (advise_rank(&s, hessian ? "hess_rel_err" : "grad_rel_err", target, hessian ? ref_acc : 0,
                    &r) != 0) {
        summary_free(&s);
        return cli_failure(env, "advise", "out of memory");
    }
    *ran = r.outcome != ADVISE_NOTHING_RAN;
    const char *what = hessian ? "Hessian" : "gradient";
    if (rq->json) {
        fprintf(env->out, "%s\"%s\": ", first ? "" : ",\n ", what);
        advise_print_json(env->out, &r);
    } else {
        fprintf(env->out, "\n%s tournament (%s/%s.csv): target %.1e = ", what, rq->results, study,
                target);
        if (rq->target > 0)
            fprintf(env->out, "--target\n");
        else if (hessian)
            fprintf(env->out, "max(10*rtol, 1e-6 the Hessian reference's confirmation)\n");
        else if (ref_acc > 0)
            fprintf(env->out, "max(10*rtol, reference accuracy %.1e)\n", ref_acc);
        else if (errors_measured(&s, "grad_rel_err"))
            fprintf(env->out, "10*rtol (exact reference: the closed form)\n");
        else
            fprintf(env->out, "10*rtol (no reference gradient, errors not measured: see %s/%s.ref.tsv)\n",
                    rq->results, study);
        advise_print_table(env->out, &r, what);
    }
    advise_free(&r);
    summary_free(&s);
    return CLI_OK;
}

static int read_seconds(const args_list *a, const char *name, double dflt, double *out, char *err,
                        size_t errlen)
{
    *out = dflt;
    if (!args_has(a, name))
        return 0;
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", name);
    if (parse_positive(args_get(a, name), flag, out, err, errlen) != 0)
        return -1;
    if (*out > 86400) {
        snprintf(err, errlen, "%s is at most 86400 seconds, not %s", flag, args_get(a, name));
        return -1;
    }
    return 0;
}

/* Check everything the user typed (and that the model exists) before any file is written. */
static int read_request(const args_list *a, advise_request *rq, char *err, size_t errlen)
{
    memset(rq, 0, sizeof *rq);
    rq->model = args_get(a, "model");
    if (!rq->model) {
        snprintf(err, errlen, "--model M is required (odegrad list shows the models)");
        return -1;
    }
    /* the model name goes into a spec file, whose words are separated by blanks */
    if (strpbrk(rq->model, " \t\n\r#")) {
        snprintf(err, errlen, "the model name '%s' holds a blank or '#'; give a path without them",
                 rq->model);
        return -1;
    }
    model *m = model_create(rq->model, err, errlen);
    if (!m)
        return -1;
    rq->rtol = m->rtol;
    rq->atol = m->atol;
    model_destroy(m);
    rq->rtol_text = args_get(a, "rtol");
    rq->atol_text = args_get(a, "atol");
    if ((rq->rtol_text && (parse_positive(rq->rtol_text, "--rtol", &rq->rtol, err, errlen) ||
                           validate_tolerance(rq->rtol, "--rtol", err, errlen))) ||
        (rq->atol_text && (parse_positive(rq->atol_text, "--atol", &rq->atol, err, errlen) ||
                           validate_tolerance(rq->atol, "--atol", err, errlen))))
        return -1;
    if (args_has(a, "target") && parse_positive(args_get(a, "target"), "--target", &rq->target, err,
                                                errlen))
        return -1;
    if (read_seconds(a, "time-limit", 20, &rq->time_limit, err, errlen) ||
        read_seconds(a, "reference-time-limit", 120, &rq->reference_time_limit, err, errlen))
        return -1;
    rq->repeats = 3;
    if (args_has(a, "repeats") &&
        parse_long(args_get(a, "repeats"), "--repeats", 1, 100, &rq->repeats, err, errlen))
        return -1;
    rq->results = args_has(a, "results") ? args_get(a, "results") : STORE_SCRATCH_DIR;
    const char *fmt = args_has(a, "format") ? args_get(a, "format") : "table";
    if (strcmp(fmt, "table") != 0 && strcmp(fmt, "json") != 0) {
        snprintf(err, errlen, "--format must be one of table|json, not '%s'", fmt);
        return -1;
    }
    rq->json = strcmp(fmt, "json") == 0;
    return 0;
}

static int advise_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { advise_options, NULL };
    args_list a;
    char err[1024];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "advise", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad advise --model M [--rtol R] [--atol A] [--hessian] [options]",
                  "Runs every gradient backend (and with --hessian every Hessian backend) on model\n"
                  "M at the tolerance, each in its own process under --time-limit, and recommends\n"
                  "one.  The rule: a backend qualifies when it succeeds and its error against the\n"
                  "reference (worst over the repeats) is at most the target, max(10*rtol, the\n"
                  "reference's own accuracy) unless --target is given (Hessians: max(10*rtol,\n"
                  "1e-6)); among those the fastest (median time) wins, and backends within 10% of\n"
                  "the fastest time count as tied, the one holding the fewest bytes winning.  If\n"
                  "none qualifies, it says so and names the most accurate.  Each other backend gets\n"
                  "one line saying why it lost.  Exit 0 with a recommendation, 1 when no backend\n"
                  "succeeded, 2 for bad input.  The study is DIR/advise-<model>.csv.", tables);
        return CLI_OK;
    }
    advise_request rq;
    if (read_request(&a, &rq, err, sizeof err) != 0)
        return cli_usage_error(env, "advise", "%s", err);
    if (store_make_dir(rq.results, err, sizeof err) != 0)
        return cli_failure(env, "advise", "%s", err);
    if (rq.json) {
        fputs("{\"model\": ", env->out);
        format_json_string(env->out, rq.model);
        fputs(", \"rtol\": ", env->out);
        format_json_number(env->out, rq.rtol);
        fputs(", \"atol\": ", env->out);
        format_json_number(env->out, rq.atol);
        fputs(",\n ", env->out);
    } else {
        fprintf(env->out, "odegrad advise: model %s, rtol %.3g, atol %.3g%s; %ld run(s) per backend, "
                "time limit %.3g s each\n", rq.model, rq.rtol, rq.atol,
                rq.rtol_text || rq.atol_text ? "" : " (the model's)", rq.repeats, rq.time_limit);
    }
    int ran_grad = 0, ran_hess = 1;
    int code = tournament(env, &rq, WANT_GRADIENT, &ran_grad, 1);
    if (code == CLI_OK && args_has(&a, "hessian"))
        code = tournament(env, &rq, WANT_HESSIAN, &ran_hess, 0);
    if (rq.json && code == CLI_OK)
        fputs("}\n", env->out);
    if (code == CLI_OK && (!ran_grad || !ran_hess))
        code = cli_failure(env, "advise", "no %s backend succeeded on %s (reasons in the table)",
                           !ran_grad ? "gradient" : "Hessian", rq.model);
    return code;
}

const cli_command cmd_advise = { "advise", "which backend to use on your model: a short tournament",
                                 0, advise_run };
