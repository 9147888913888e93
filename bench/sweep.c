/* sweep — the harness loop: references, child processes, rows, progress. */
#include "sweep.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "case_cost.h"
#include "child.h"
#include "farm.h"
#include "progress.h"
#include "refcache.h"
#include "request.h"
#include "store.h"
#include "summary.h"
#include "meta.h"
#include "registry.h"

#define SWEEP_MAX_ARGS (16 + 2 * METHOD_MAX_KV)

/* What a child's end means for the study: a status code and its text. */
static int outcome_status(const child_outcome *o, char *text, size_t len)
{
    if (o->timed_out) {
        snprintf(text, len, "timeout: killed after %.3g s", o->seconds);
        return CASE_TIMEOUT;
    }
    if (!o->exited) {
        snprintf(text, len, "crashed: %s", strsignal(o->signal));
        return CASE_CRASHED;
    }
    if (o->exit_code != 0) {
        /* exit 2 from a case (its spec was checked before): the backend refused the model or
         * the options (METHOD_EINPUT, METHOD_EUNSUPPORTED), which is not a solver failure */
        size_t n = strcspn(o->err, "\n");
        snprintf(text, len, "%s: %.*s", o->exit_code == CLI_USAGE ? "refused" : "failed",
                 (int)(n < 300 ? n : 300), o->err[0] ? o->err : "no message");
        return CASE_FAILED;
    }
    snprintf(text, len, "ok");
    return CASE_OK;
}

/* The child's "metric<TAB>value<TAB>unit" lines into rows; -1 if one is malformed. */
static int parse_case_output(char *out, metric_list *rows)
{
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL, *end;
        if (!tab2)
            return -1;
        *tab1 = *tab2 = '\0';
        double v = strtod(tab1 + 1, &end);
        if (end == tab1 + 1 || *end != '\0' || metrics_add(rows, line, v, tab2 + 1) != 0)
            return -1;
    }
    return 0;
}

static const char *want_name(method_want want)
{
    return want == WANT_HESSIAN ? "hessian" : want == WANT_HVP ? "hvp" : "gradient";
}

/* The cases of a sweep still to run, as the items of a farm (farm.h): item k is case
 * cases[k] of the spec.  Repeats of one case follow each other in the spec and share its
 * options text (spec.c: the same pointer); a case that failed fails again the same way, so
 * its later repeats are recorded with the first failure's status instead of spending the
 * time limit again.  Over MPI a repeat waits for the first repeat of its case for this. */
typedef struct {
    const cli_env *env;
    const bench_spec *spec;
    study_store *st;
    const char *refpath;
    int *cases;
    int *failed_repeat;     /* per case (at its first repeat): the repeat that failed, or 0 */
    int *failed_status;
    char **failed_text;
    char *argv[SWEEP_MAX_ARGS], *owned[METHOD_MAX_KV + 8];
    int nowned;
    int nfailed;
} sweep_job;

/* index of the first repeat of case i */
static int first_repeat(const bench_spec *spec, int i)
{
    return i - (spec_case_at(spec, i)->repeat - 1);
}

static void case_release(void *user, int item)
{
    sweep_job *j = user;
    (void)item;
    for (int k = 0; k < j->nowned; k++)
        free(j->owned[k]);
    j->nowned = 0;
}

/* The child's command of one case, or its record when an earlier repeat failed. */
static int case_prepare(void *user, int item, char ***argvp, double *timeout, char *err,
                        size_t errlen)
{
    sweep_job *j = user;
    const spec_case *c = spec_case_at(j->spec, j->cases[item]);
    const int first = first_repeat(j->spec, j->cases[item]);
    if (c->repeat > 1 && j->failed_repeat[first]) {
        char text[400];
        snprintf(text, sizeof text, "%.300s (as repeat %d; not run again)", j->failed_text[first],
                 j->failed_repeat[first]);
        j->nfailed++;
        return store_append_case(j->st, c->model, c->backend, c->options, c->repeat, NULL,
                                 j->failed_status[first], text, err, errlen) != 0
                   ? -1 : FARM_SETTLED_FAILED;
    }
    char **argv = j->argv;
    int argc = 0;
    argv[argc++] = (char *)j->env->self;
    argv[argc++] = "case";
    argv[argc++] = "--model";
    argv[argc++] = (char *)c->model;
    argv[argc++] = "--method";
    argv[argc++] = (char *)c->backend;
    argv[argc++] = "--want";
    argv[argc++] = (char *)want_name(spec_want(j->spec));
    argv[argc++] = "--reference-file";
    argv[argc++] = (char *)j->refpath;
    if (c->theta) {
        argv[argc++] = "--theta";
        argv[argc++] = (char *)c->theta;
    }
    /* every option, common ones included, travels as --opt key=value (request_set_option
     * sends rtol, solver, ... to their places) */
    for (int k = 0; k < c->npairs && j->nowned < METHOD_MAX_KV + 8; k++) {
        size_t len = strlen(c->pairs[k].key) + strlen(c->pairs[k].value) + 2;
        char *kv = malloc(len);
        if (!kv) {
            snprintf(err, errlen, "out of memory");
            case_release(j, item);
            return -1;
        }
        snprintf(kv, len, "%s=%s", c->pairs[k].key, c->pairs[k].value);
        j->owned[j->nowned++] = kv;
        argv[argc++] = "--opt";
        argv[argc++] = kv;
    }
    argv[argc] = NULL;
    *argvp = argv;
    *timeout = spec_timeout(j->spec);
    return FARM_RUN;
}

/* One case's child has ended: its rows (or its failure) appended to the store. */
static int case_finish(void *user, int item, child_outcome *o, char *err, size_t errlen)
{
    sweep_job *j = user;
    const spec_case *c = spec_case_at(j->spec, j->cases[item]);
    metric_list rows = { 0, 0, NULL };
    char text[400];
    int status = outcome_status(o, text, sizeof text);
    if (status == CASE_OK && parse_case_output(o->out, &rows) != 0) {
        status = CASE_FAILED;
        snprintf(text, sizeof text, "failed: the case printed a malformed line");
        rows.n = 0;
    }
    int code = 0;
    if (metrics_add(&rows, "peak_rss", (double)o->peak_rss, "bytes") != 0 ||
        metrics_add(&rows, "case_seconds", o->seconds, "s") != 0 ||
        store_append_case(j->st, c->model, c->backend, c->options, c->repeat, &rows, status,
                          text, err, errlen) != 0)
        code = -1;
    metrics_free(&rows);
    if (code != 0 || status == CASE_OK)
        return code;
    const int first = first_repeat(j->spec, j->cases[item]);
    if (!j->failed_repeat[first] && (j->failed_text[first] = strdup(text))) {
        j->failed_repeat[first] = c->repeat;
        j->failed_status[first] = status;
    }
    j->nfailed++;
    return 1;
}

static void case_label(void *user, int item, char *out, size_t len)
{
    const sweep_job *j = user;
    const spec_case *c = spec_case_at(j->spec, j->cases[item]);
    snprintf(out, len, "%s %s %s", c->model, c->backend, c->options);
}

/* Guessed costs of the items (case_cost.h), for handing the largest out first; NULL when
 * the sweep runs in this process alone (the spec's order) or a model cannot be made. */
static double *case_costs(const bench_spec *spec, const int *cases, int n)
{
    double *cost = farm_ranks() > 1 ? malloc(sizeof(double) * (size_t)(n > 0 ? n : 1)) : NULL;
    for (int m = 0; cost && m < spec_nmodels(spec); m++) {
        char err[256];
        model *mod = model_create(spec_model(spec, m), err, sizeof err);
        if (!mod) {
            free(cost);
            return NULL;
        }
        for (int k = 0; k < n; k++) {
            const spec_case *c = spec_case_at(spec, cases[k]);
            if (strcmp(c->model, mod->name) == 0)
                cost[k] = case_cost(c, mod->np, mod->nx, spec_want(spec));
        }
        model_destroy(mod);
    }
    return cost;
}

/* The reference gradients a sweep still needs, as the items of a farm: one per model of the
 * spec (at its θ) that the cache has no line for.  They run before the cases, spread over
 * the ranks like them; rank 0 appends each line to the cache as it comes back. */
typedef struct {
    const cli_env *env;
    const bench_spec *spec;
    const char *refpath;
    int *models;            /* item → index of its model in the spec */
    int *np;                /* its number of parameters */
    char (*key)[17];        /* the cache key of its θ */
    char *argv[8];
} reference_job;

static int reference_prepare(void *user, int item, char ***argvp, double *timeout, char *err,
                             size_t errlen)
{
    reference_job *j = user;
    const char *name = spec_model(j->spec, j->models[item]);
    const char *point = spec_theta(j->spec, name);
    int argc = 0;
    (void)err;
    (void)errlen;
    j->argv[argc++] = (char *)j->env->self;
    j->argv[argc++] = "reference";
    j->argv[argc++] = "--model";
    j->argv[argc++] = (char *)name;
    if (point) {
        j->argv[argc++] = "--theta";
        j->argv[argc++] = (char *)point;
    }
    if (spec_want(j->spec) == WANT_HESSIAN)
        j->argv[argc++] = "--hessian";
    j->argv[argc] = NULL;
    *argvp = j->argv;
    *timeout = spec_reference_timeout(j->spec);
    return FARM_RUN;
}

static int reference_finish(void *user, int item, child_outcome *o, char *err, size_t errlen)
{
    reference_job *j = user;
    const char *name = spec_model(j->spec, j->models[item]);
    const int np = j->np[item];
    char *line = NULL, text[400];
    const int ok = outcome_status(o, text, sizeof text) == CASE_OK &&
                   refcache_line_valid(o->out, name);
    if (ok) {
        line = strdup(o->out);
    } else {
        /* record why, so a resumed sweep does not try again and cases say so */
        reference none;
        char why[340];
        snprintf(why, sizeof why, "none: reference run %.280s", text);
        reference_set(&none, np, NULL, why);
        if (spec_want(j->spec) == WANT_HESSIAN)
            reference_set_hessian(&none, np, NULL, why);
        line = refcache_line(name, j->key[item], np, &none);
        reference_free(&none);
    }
    int code = line ? refcache_append(j->refpath, line, err, errlen) : -1;
    if (!line)
        snprintf(err, errlen, "out of memory");
    free(line);
    return code < 0 ? -1 : !ok;
}

static void reference_label(void *user, int item, char *out, size_t len)
{
    const reference_job *j = user;
    snprintf(out, len, "reference %s", spec_model(j->spec, j->models[item]));
}

/* Make sure the cache has a line for every model of the spec at its θ (nominal, or the
 * spec's `theta` line). */
static int ensure_references(const cli_env *env, const bench_spec *spec, const char *refpath,
                             char *err, size_t errlen)
{
    const int nm = spec_nmodels(spec);
    reference_job job = { env, spec, refpath, malloc(sizeof(int) * (size_t)(nm + 1)),
                          malloc(sizeof(int) * (size_t)(nm + 1)),
                          malloc(sizeof(char[17]) * (size_t)(nm + 1)), { NULL } };
    int n = 0, code = 0;
    if (!job.models || !job.np || !job.key) {
        snprintf(err, errlen, "out of memory");
        code = -1;
    }
    for (int i = 0; code == 0 && i < nm; i++) {
        const char *name = spec_model(spec, i);
        model *m = model_create(name, err, errlen);
        if (!m) {
            code = -1;
            break;
        }
        const char *point = spec_theta(spec, name);
        double *theta = NULL;
        reference ref;
        if (point) {
            /* checked when the spec was loaded; parsed as the case's child parses it */
            if (request_read_vector(point, "theta", m, &theta, err, errlen) != 0)
                code = -1;
        } else if ((theta = malloc((size_t)(m->np > 0 ? m->np : 1) * sizeof *theta))) {
            model_nominal(m, theta);
        } else {
            snprintf(err, errlen, "out of memory");
            code = -1;
        }
        if (code == 0) {
            refcache_key(theta, m->np, job.key[n]);
            /* a Hessian study needs the line that says how the Hessian was made (or why not) */
            int cached = refcache_lookup(refpath, name, job.key[n], m->np, &ref) &&
                         (spec_want(spec) != WANT_HESSIAN || ref.hessian_source[0]);
            reference_free(&ref);
            if (!cached && spec_no_reference(spec)) {
                /* `reference none`: the cache says so, and the cases carry no errors */
                reference none;
                reference_set(&none, m->np, NULL, "none: not asked for (spec: reference none)");
                if (spec_want(spec) == WANT_HESSIAN)
                    reference_set_hessian(&none, m->np, NULL,
                                          "none: not asked for (spec: reference none)");
                char *line = refcache_line(name, job.key[n], m->np, &none);
                reference_free(&none);
                if (!line || refcache_append(refpath, line, err, errlen) != 0) {
                    if (!line)
                        snprintf(err, errlen, "out of memory");
                    code = -1;
                }
                free(line);
            } else if (!cached) {
                job.models[n] = i;
                job.np[n++] = m->np;
            }
        }
        free(theta);
        model_destroy(m);
    }
    if (code == 0 && n > 0) {
        /* counted by a progress of their own: the sweep's bar counts cases */
        progress bar;
        progress_init(&bar, env->err, 0, 0);
        const farm_job fj = { n, NULL, NULL, NULL, &job, reference_prepare, NULL,
                              reference_finish, reference_label };
        code = farm_run(&fj, &bar, env->self, err, errlen);
    }
    free(job.models);
    free(job.np);
    free(job.key);
    return code;
}

int sweep_run(const cli_env *env, const char *cmd, const bench_spec *spec,
              const sweep_settings *set, int *nfailed)
{
    char err[1024], path[4096], refpath[4096];
    const char *study = spec_study(spec);
    *nfailed = 0;
    study_store *st = store_open(set->results_dir, study, set->fresh, err, sizeof err);
    if (!st)
        return cli_failure(env, cmd, "%s", err);
    if (store_dropped(st))
        fprintf(env->err, "odegrad %s: dropped %zu bytes of a case that was interrupted; it runs again\n",
                cmd, store_dropped(st));
    snprintf(refpath, sizeof refpath, "%s/%s.ref.tsv", set->results_dir, study);
    snprintf(path, sizeof path, "%s/%s.meta.json", set->results_dir, study);
    if (set->fresh)
        remove(refpath);
    int ndone = 0;
    for (int i = 0; i < spec_ncases(spec); i++) {
        const spec_case *c = spec_case_at(spec, i);
        ndone += store_is_done(st, c->model, c->backend, c->options, c->repeat);
    }
    if (meta_write(path, study, set->spec_path, spec_ncases(spec), ndone, err, sizeof err) != 0 ||
        ensure_references(env, spec, refpath, err, sizeof err) != 0 ||
        refcache_append(refpath, NULL, err, sizeof err) != 0) {   /* exists, maybe empty */
        store_close(st);
        return cli_failure(env, cmd, "%s", err);
    }
    progress bar;
    progress_init(&bar, env->err, spec_ncases(spec), ndone);
    int code = CLI_OK, n = 0, ncases = spec_ncases(spec);
    sweep_job job = { env, spec, st, refpath, NULL, NULL, NULL, NULL, { NULL }, { NULL }, 0, 0 };
    job.cases = malloc(sizeof(int) * (size_t)(ncases > 0 ? ncases : 1));
    job.failed_repeat = calloc((size_t)(ncases > 0 ? ncases : 1), sizeof(int));
    job.failed_status = calloc((size_t)(ncases > 0 ? ncases : 1), sizeof(int));
    job.failed_text = calloc((size_t)(ncases > 0 ? ncases : 1), sizeof(char *));
    int *item_of = malloc(sizeof(int) * (size_t)(ncases > 0 ? ncases : 1));
    int *after = malloc(sizeof(int) * (size_t)(ncases > 0 ? ncases : 1));
    double *cost = NULL;
    if (!job.cases || !job.failed_repeat || !job.failed_status || !job.failed_text || !item_of ||
        !after) {
        code = cli_failure(env, cmd, "out of memory for %d cases", ncases);
    } else {
        for (int i = 0; i < ncases; i++) {
            const spec_case *c = spec_case_at(spec, i);
            item_of[i] = -1;
            if (store_is_done(st, c->model, c->backend, c->options, c->repeat))
                continue;
            /* a later repeat waits for the first, when that runs too */
            after[n] = c->repeat > 1 ? item_of[first_repeat(spec, i)] : -1;
            item_of[i] = n;
            job.cases[n++] = i;
        }
        cost = case_costs(spec, job.cases, n);
        const farm_job fj = { n, cost, after, refpath, &job, case_prepare, case_release,
                              case_finish, case_label };
        if (farm_run(&fj, &bar, env->self, err, sizeof err) != 0)
            code = cli_failure(env, cmd, "%s", err);
    }
    *nfailed = job.nfailed;
    progress_finish(&bar);
    store_close(st);
    for (int i = 0; job.failed_text && i < ncases; i++)
        free(job.failed_text[i]);
    free(job.cases);
    free(job.failed_repeat);
    free(job.failed_status);
    free(job.failed_text);
    free(item_of);
    free(after);
    free(cost);
    return code;
}

int sweep_summarise(const cli_env *env, const char *cmd, const char *results_dir,
                    const char *study, const char *only)
{
    char path[4096], err[1024];
    study_summary s;
    snprintf(path, sizeof path, "%s/%s.csv", results_dir, study);
    if (summary_build(&s, path, err, sizeof err) != 0)
        return cli_failure(env, cmd, "%s", err);
    int code = CLI_OK;
    if (summary_write(&s, results_dir, study, err, sizeof err) != 0)
        code = cli_failure(env, cmd, "%s", err);
    else
        summary_print(env->out, &s, only);
    summary_free(&s);
    return code;
}
