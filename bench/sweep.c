/* sweep — the harness loop: references, child processes, rows, progress. */
#include "sweep.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "child.h"
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
        size_t n = strcspn(o->err, "\n");
        snprintf(text, len, "failed: %.*s", (int)(n < 300 ? n : 300),
                 o->err[0] ? o->err : "no message");
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

/* One case in a child; its rows (or its failure) appended to the store.  *status and text
 * say how it ended. */
static int run_case(const cli_env *env, const bench_spec *spec, const spec_case *c,
                    study_store *st, const char *refpath, int *status, char *text, size_t len,
                    char *err, size_t errlen)
{
    char *argv[SWEEP_MAX_ARGS], *owned[METHOD_MAX_KV + 8];
    int argc = 0, nowned = 0;
    argv[argc++] = (char *)env->self;
    argv[argc++] = "case";
    argv[argc++] = "--model";
    argv[argc++] = (char *)c->model;
    argv[argc++] = "--method";
    argv[argc++] = (char *)c->backend;
    argv[argc++] = "--want";
    argv[argc++] = (char *)want_name(spec_want(spec));
    argv[argc++] = "--reference-file";
    argv[argc++] = (char *)refpath;
    if (c->theta) {
        argv[argc++] = "--theta";
        argv[argc++] = (char *)c->theta;
    }
    /* every option, common ones included, travels as --opt key=value (request_set_option
     * sends rtol, solver, ... to their places) */
    for (int k = 0; k < c->npairs && nowned < METHOD_MAX_KV + 8; k++) {
        size_t len = strlen(c->pairs[k].key) + strlen(c->pairs[k].value) + 2;
        char *kv = malloc(len);
        if (!kv)
            break;
        snprintf(kv, len, "%s=%s", c->pairs[k].key, c->pairs[k].value);
        owned[nowned++] = kv;
        argv[argc++] = "--opt";
        argv[argc++] = kv;
    }
    argv[argc] = NULL;

    child_outcome o;
    metric_list rows = { 0, 0, NULL };
    int code = 0;
    if (child_run(argv, spec_timeout(spec), &o, err, errlen) != 0) {
        code = -1;
    } else {
        *status = outcome_status(&o, text, len);
        if (*status == CASE_OK && parse_case_output(o.out, &rows) != 0) {
            *status = CASE_FAILED;
            snprintf(text, len, "failed: the case printed a malformed line");
            rows.n = 0;
        }
        if (metrics_add(&rows, "peak_rss", (double)o.peak_rss, "bytes") != 0 ||
            metrics_add(&rows, "case_seconds", o.seconds, "s") != 0 ||
            store_append_case(st, c->model, c->backend, c->options, c->repeat, &rows, *status,
                              text, err, errlen) != 0)
            code = -1;
        child_outcome_free(&o);
    }
    metrics_free(&rows);
    for (int k = 0; k < nowned; k++)
        free(owned[k]);
    return code;
}

/* Make sure the cache has a line for every model of the spec at its θ (nominal, or the
 * spec's `theta` line). */
static int ensure_references(const cli_env *env, const bench_spec *spec, const char *refpath,
                             char *err, size_t errlen)
{
    for (int i = 0; i < spec_nmodels(spec); i++) {
        const char *name = spec_model(spec, i);
        model *m = model_create(name, err, errlen);
        if (!m)
            return -1;
        const char *point = spec_theta(spec, name);
        double *theta = NULL;
        char key[17];
        reference ref;
        if (point) {
            /* checked when the spec was loaded; parsed as the case's child parses it */
            if (request_read_vector(point, "theta", m, &theta, err, errlen) != 0) {
                model_destroy(m);
                return -1;
            }
        } else if ((theta = malloc((size_t)(m->np > 0 ? m->np : 1) * sizeof *theta))) {
            model_nominal(m, theta);
        } else {
            model_destroy(m);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        refcache_key(theta, m->np, key);
        const int hessian = spec_want(spec) == WANT_HESSIAN;
        /* a Hessian study needs the line that says how the Hessian was made (or why not) */
        int cached = refcache_lookup(refpath, name, key, m->np, &ref) &&
                     (!hessian || ref.hessian_source[0]);
        reference_free(&ref);
        int status = 0;
        if (!cached) {
            char *argv[8] = { (char *)env->self, "reference", "--model", (char *)name, NULL };
            int argc = 4;
            if (point) {
                argv[argc++] = "--theta";
                argv[argc++] = (char *)point;
            }
            if (hessian)
                argv[argc++] = "--hessian";
            argv[argc] = NULL;
            child_outcome o;
            if (child_run(argv, spec_reference_timeout(spec), &o, err, errlen) != 0) {
                status = -1;
            } else {
                char *line = NULL, text[400];
                if (outcome_status(&o, text, sizeof text) == CASE_OK && refcache_line_valid(o.out, name)) {
                    line = strdup(o.out);
                } else {
                    /* record why, so a resumed sweep does not try again and cases say so */
                    reference none;
                    char why[340];
                    snprintf(why, sizeof why, "none: reference run %.280s", text);
                    reference_set(&none, m->np, NULL, why);
                    if (hessian)
                        reference_set_hessian(&none, m->np, NULL, why);
                    line = refcache_line(name, key, m->np, &none);
                    reference_free(&none);
                }
                status = line ? refcache_append(refpath, line, err, errlen) : -1;
                free(line);
                child_outcome_free(&o);
            }
        }
        free(theta);
        model_destroy(m);
        if (status != 0)
            return -1;
    }
    return 0;
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
    int code = CLI_OK;
    /* A case that failed fails again the same way: its later repeats are recorded with the
     * first one's status instead of spending the time limit again. */
    const spec_case *failed_case = NULL;
    int failed_status = CASE_OK;
    char failed_text[400] = "";
    for (int i = 0; i < spec_ncases(spec); i++) {
        const spec_case *c = spec_case_at(spec, i);
        if (store_is_done(st, c->model, c->backend, c->options, c->repeat))
            continue;
        int status = CASE_OK, bad;
        char text[400];
        /* repeats of one case share its options text (spec.c): the same pointer */
        if (failed_case && c->repeat > 1 && c->options == failed_case->options) {
            status = failed_status;
            snprintf(text, sizeof text, "%.300s (as repeat %d; not run again)", failed_text,
                     failed_case->repeat);
            bad = store_append_case(st, c->model, c->backend, c->options, c->repeat, NULL, status,
                                    text, err, sizeof err);
        } else {
            bad = run_case(env, spec, c, st, refpath, &status, text, sizeof text, err, sizeof err);
            if (status != CASE_OK) {
                failed_case = c;
                failed_status = status;
                snprintf(failed_text, sizeof failed_text, "%s", text);
            }
        }
        if (bad) {
            code = cli_failure(env, cmd, "%s", err);
            break;
        }
        *nfailed += status != CASE_OK;
        char label[200];
        snprintf(label, sizeof label, "%s %s %s", c->model, c->backend, c->options);
        progress_step(&bar, label);
    }
    progress_finish(&bar);
    store_close(st);
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
