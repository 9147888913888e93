/* expect — loading expectations and holding a study's summary to them. */
#include "expect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

/* Headroom of suggested expectations: an error may grow by at most this factor before compare
 * fails (the bound is rounded up to two significant digits, so it stays within 3x of the
 * measured error: 2.7 * 1.1 < 3); costs may move by this fraction (they are deterministic on
 * one platform, but a different libm or compiler may change a step or two). */
static const struct {
    double error_headroom;
    double cost_tolerance;
} expect_suggestion = { 2.7, 0.02 };

/* errors held to a bound (suggested with the headroom above) */
static const char *const error_metrics[] = { "grad_rel_err", "hess_rel_err" };

static const char *const cost_metrics[] = {
    "fwd.rhs", "fwd.jvp", "fwd.vjp", "fwd.jac", "fwd.second", "bwd.rhs", "bwd.jvp", "bwd.vjp",
    "bwd.jac", "bwd.second", "steps_fwd", "steps_bwd", "checkpoints", "peak_bytes" };

static int fail(char *err, size_t errlen, const char *path, int line, const char *reason)
{
    snprintf(err, errlen, "%s:%d: %s", path, line, reason);
    return -1;
}

static int parse_line(expectation *e, char *text, const char *path, int line, char *err,
                      size_t errlen)
{
    char *field[8], reason[300];
    int n = 0;
    for (char *p = strtok(text, "\t\r\n"); p; p = strtok(NULL, "\t\r\n")) {
        if (n == 8)
            return fail(err, errlen, path, line, "too many fields (model backend options metric check value [tolerance])");
        field[n++] = p;
    }
    if (n < 6)
        return fail(err, errlen, path, line,
                    "needs tab-separated fields: model backend options metric check value [tolerance]");
    memset(e, 0, sizeof *e);
    e->line = line;
    if (strcmp(field[4], "max") == 0)
        e->check = EXPECT_MAX;
    else if (strcmp(field[4], "min") == 0)
        e->check = EXPECT_MIN;
    else if (strcmp(field[4], "equal") == 0)
        e->check = EXPECT_EQUAL;
    else
        return fail(err, errlen, path, line, "check must be max, min or equal");
    if (parse_double(field[5], "value", &e->value, reason, sizeof reason))
        return fail(err, errlen, path, line, reason);
    if (n == 7 && (parse_double(field[6], "tolerance", &e->tolerance, reason, sizeof reason) ||
                   e->tolerance < 0))
        return fail(err, errlen, path, line, n == 7 && e->tolerance < 0 ? "tolerance must be >= 0" : reason);
    if (n == 7 && e->check != EXPECT_EQUAL)
        return fail(err, errlen, path, line, "only 'equal' takes a tolerance");
    e->model = strdup(field[0]);
    e->backend = strdup(field[1]);
    e->options = strdup(field[2]);
    e->metric = strdup(field[3]);
    if (!e->model || !e->backend || !e->options || !e->metric)
        return fail(err, errlen, path, line, "out of memory");
    return 0;
}

int expect_load(expect_list *l, const char *path, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the expectations file", path);
        return -1;
    }
    char *text = NULL;
    size_t cap = 0;
    int line = 0, status = 0;
    ssize_t got;
    while (status == 0 && (got = getline(&text, &cap, f)) >= 0) {
        line++;
        if (strlen(text) != (size_t)got) {
            status = fail(err, errlen, path, line, "holds a NUL byte; the file is plain text");
            break;
        }
        char *hash = strchr(text, '#');
        if (hash)
            *hash = '\0';
        if (strspn(text, " \t\r\n") == strlen(text))
            continue;
        expectation *grown = realloc(l->items, (size_t)(l->n + 1) * sizeof *grown);
        if (!grown) {
            status = fail(err, errlen, path, line, "out of memory");
            break;
        }
        l->items = grown;
        /* zeroed first: a line that fails before its fields are set is still freed safely */
        memset(&l->items[l->n], 0, sizeof l->items[l->n]);
        status = parse_line(&l->items[l->n], text, path, line, err, errlen);
        l->n++;
    }
    free(text);
    fclose(f);
    if (status == 0 && l->n == 0)
        status = fail(err, errlen, path, line, "no expectations in the file");
    if (status != 0)
        expect_free(l);
    return status;
}

void expect_free(expect_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->items[i].model);
        free(l->items[i].backend);
        free(l->items[i].options);
        free(l->items[i].metric);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void expected_text(const expectation *e, char *out, size_t len)
{
    if (e->check == EXPECT_MAX)
        snprintf(out, len, "<= %.3g", e->value);
    else if (e->check == EXPECT_MIN)
        snprintf(out, len, ">= %.3g", e->value);
    else if (e->tolerance > 0)
        snprintf(out, len, "%.6g +-%.3g%%", e->value, 100 * e->tolerance);
    else
        snprintf(out, len, "%.6g exactly", e->value);
}

/* The verdict of one expectation on one case: NULL if it holds, else why not. */
static const char *verdict(const expectation *e, const summary_group *g, char *why, size_t len,
                           double *shown)
{
    const summary_metric *m = summary_metric_of(g, e->metric);
    *shown = NAN;
    if (g->ok < g->runs) {
        snprintf(why, len, "CASE FAILED %.60s", g->note ? g->note : "");
        return why;
    }
    if (!m) {
        snprintf(why, len, "NOT MEASURED");
        return why;
    }
    double lo = m->values[0], hi = m->values[m->n - 1];
    switch (e->check) {
    case EXPECT_MAX:
        *shown = hi;
        if (!(hi <= e->value)) {
            snprintf(why, len, "WORSE x%.3g", e->value > 0 ? hi / e->value : INFINITY);
            return why;
        }
        break;
    case EXPECT_MIN:
        *shown = lo;
        if (!(lo >= e->value)) {
            snprintf(why, len, "BELOW");
            return why;
        }
        break;
    case EXPECT_EQUAL: {
        double far = fabs(hi - e->value) > fabs(lo - e->value) ? hi : lo;
        *shown = far;
        if (!(fabs(far - e->value) <= e->tolerance * fabs(e->value))) {
            if (e->value != 0)
                snprintf(why, len, "MOVED %+.3g%%", 100 * (far - e->value) / fabs(e->value));
            else
                snprintf(why, len, "MOVED from 0");
            return why;
        }
        break;
    }
    }
    return NULL;
}

int expect_check_all(const expect_list *l, const study_summary *s, FILE *f)
{
    int failed = 0;
    fprintf(f, "%-14s %-11s %-26s %-18s %-20s %-12s %s\n", "model", "backend", "options",
            "metric", "expected", "measured", "verdict");
    for (int i = 0; i < l->n; i++) {
        const expectation *e = &l->items[i];
        char expected[64], measured[64], why[128];
        int matched = 0;
        expected_text(e, expected, sizeof expected);
        for (int k = 0; k < s->n; k++) {
            const summary_group *g = &s->groups[k];
            if (strcmp(g->model, e->model) != 0 || strcmp(g->backend, e->backend) != 0 ||
                !summary_options_match(e->options, g->options))
                continue;
            matched++;
            double shown;
            const char *bad = verdict(e, g, why, sizeof why, &shown);
            failed += bad != NULL;
            if (isnan(shown))
                snprintf(measured, sizeof measured, "-");
            else
                snprintf(measured, sizeof measured, "%.6g", shown);
            fprintf(f, "%-14s %-11s %-26s %-18s %-20s %-12s %s\n", g->model, g->backend,
                    g->options[0] ? g->options : "defaults", e->metric, expected, measured,
                    bad ? bad : "ok");
        }
        if (!matched) {
            failed++;
            fprintf(f, "%-14s %-11s %-26s %-18s %-20s %-12s MISSING (line %d: no such case ran)\n",
                    e->model, e->backend, e->options, e->metric, expected, "-", e->line);
        }
    }
    /* cases nobody holds to anything yet (a new backend, say): shown, not failed */
    for (int k = 0; k < s->n; k++) {
        const summary_group *g = &s->groups[k];
        int held = 0;
        for (int i = 0; i < l->n && !held; i++)
            held = strcmp(g->model, l->items[i].model) == 0 &&
                   strcmp(g->backend, l->items[i].backend) == 0 &&
                   summary_options_match(l->items[i].options, g->options);
        if (!held)
            fprintf(f, "%-14s %-11s %-26s %-18s %-20s %-12s no expectation yet (%d/%d ok%s%.60s)\n",
                    g->model, g->backend, g->options[0] ? g->options : "defaults", "-", "-", "-",
                    g->ok, g->runs, g->note ? "; " : "", g->note ? g->note : "");
    }
    return failed;
}

static double round_up_2digits(double x)
{
    /* 3.21e-9 -> 3.3e-9: a bound that reads easily and is at most 10 % above x */
    if (!(x > 0))
        return 1e-15;
    double scale = pow(10, floor(log10(x)) - 1);
    return ceil(x / scale) * scale;
}

/* The head of bench/expect.tsv, printed by --suggest so that its output is the whole file. */
static const char expect_file_header[] =
    "# Expectations of `odegrad compare` (run by CI through CTest) for bench/studies/compare.spec\n"
    "# (gradients) and bench/studies/compare-hessian.spec (Hessians: hess_rel_err against the reference).\n"
    "# Format: bench/expect.h.  Errors are bounds within 3x of the measured value (2.7x, rounded up\n"
    "# to two digits); costs (evaluation counts, steps, bytes, zero counts included) are deterministic\n"
    "# and may move by 2%.  When a change moves them on purpose, regenerate with\n"
    "#   build/odegrad compare --suggest > bench/expect.tsv\n"
    "# then review the diff: every line that moved is a claim to check.\n";

void expect_suggest(const study_summary *s, FILE *f)
{
    fputs(expect_file_header, f);
    fprintf(f, "# model\tbackend\toptions\tmetric\tcheck\tvalue\ttolerance\n");
    for (int k = 0; k < s->n; k++) {
        const summary_group *g = &s->groups[k];
        const char *opts = g->options[0] ? g->options : "-";
        if (g->ok < g->runs) {
            fprintf(f, "# %s %s %s failed: %s\n", g->model, g->backend, opts, g->note ? g->note : "");
            continue;
        }
        for (size_t e = 0; e < sizeof error_metrics / sizeof error_metrics[0]; e++) {
            double err = summary_max(g, error_metrics[e]);
            if (!isnan(err))
                fprintf(f, "%s\t%s\t%s\t%s\tmax\t%.2g\n", g->model, g->backend, opts,
                        error_metrics[e], round_up_2digits(err * expect_suggestion.error_headroom));
        }
        for (size_t c = 0; c < sizeof cost_metrics / sizeof cost_metrics[0]; c++) {
            double v = summary_max(g, cost_metrics[c]);
            /* zero counts too: a backend that starts making evaluations of a new kind moves */
            if (!isnan(v))
                fprintf(f, "%s\t%s\t%s\t%s\tequal\t%.17g\t%g\n", g->model, g->backend, opts,
                        cost_metrics[c], v, expect_suggestion.cost_tolerance);
        }
    }
}
