/* summary — per-case statistics over repeats, the ranked table and the plot data. */
#include "summary.h"
#include "filetoken.h"

#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "hessplot.h"

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static summary_group *find_group(study_summary *s, const store_row *r, summary_group *hint)
{
    if (hint && strcmp(hint->model, r->model) == 0 && strcmp(hint->backend, r->backend) == 0 &&
        strcmp(hint->options, r->options) == 0)
        return hint;
    for (int i = 0; i < s->n; i++) {
        summary_group *g = &s->groups[i];
        if (strcmp(g->model, r->model) == 0 && strcmp(g->backend, r->backend) == 0 &&
            strcmp(g->options, r->options) == 0)
            return g;
    }
    return NULL;
}

static summary_group *add_group(study_summary *s, const store_row *r)
{
    summary_group *grown = realloc(s->groups, (size_t)(s->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->groups = grown;
    summary_group *g = &grown[s->n++];
    memset(g, 0, sizeof *g);
    g->model = r->model;
    g->backend = r->backend;
    g->options = r->options;
    return g;
}

static int repeat_ok(const summary_group *g, int repeat)
{
    for (int i = 0; i < g->ok; i++)
        if (g->ok_repeats[i] == repeat)
            return 1;
    return 0;
}

/* the metric called name in g, searched from *hint on (rows of every repeat come in the
 * same order, so the next metric is almost always the next slot) */
static summary_metric *metric_slot(summary_group *g, const store_row *r, int *hint)
{
    for (int k = 0; k < g->nmetrics; k++) {
        int i = (*hint + k) % g->nmetrics;
        if (strcmp(g->metrics[i].name, r->metric) == 0) {
            *hint = i + 1;
            return &g->metrics[i];
        }
    }
    summary_metric *grown = realloc(g->metrics, (size_t)(g->nmetrics + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    g->metrics = grown;
    summary_metric *m = &grown[g->nmetrics++];
    m->name = r->metric;
    m->unit = r->unit;
    m->n = 0;
    m->values = NULL;
    *hint = g->nmetrics;
    return m;
}

int summary_build(study_summary *s, const char *csv_path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (store_read(csv_path, &s->rows, err, errlen) != 0)
        return -1;
    summary_group *g = NULL;
    /* pass 1: the cases and which of their repeats succeeded */
    for (int i = 0; i < s->rows.n; i++) {
        const store_row *r = &s->rows.rows[i];
        if (strcmp(r->metric, "status") != 0)
            continue;
        g = find_group(s, r, g);
        if (!g && !(g = add_group(s, r)))
            goto oom;
        g->runs++;
        if (r->value == 0) {
            int *grown = realloc(g->ok_repeats, (size_t)(g->ok + 1) * sizeof *grown);
            if (!grown)
                goto oom;
            g->ok_repeats = grown;
            grown[g->ok++] = r->repeat;
        } else if (!g->note) {
            g->note = r->unit;
        }
    }
    /* pass 2: the measurements of the successful repeats */
    g = NULL;
    int hint = 0;
    for (int i = 0; i < s->rows.n; i++) {
        const store_row *r = &s->rows.rows[i];
        if (strcmp(r->metric, "status") == 0)
            continue;
        summary_group *found = find_group(s, r, g);
        if (found != g)
            hint = 0;
        g = found;
        if (!g || !repeat_ok(g, r->repeat))
            continue;
        summary_metric *m = metric_slot(g, r, &hint);
        double *grown = m ? realloc(m->values, (size_t)(m->n + 1) * sizeof *grown) : NULL;
        if (!grown)
            goto oom;
        m->values = grown;
        grown[m->n++] = r->value;
    }
    for (int i = 0; i < s->n; i++)
        for (int k = 0; k < s->groups[i].nmetrics; k++) {
            summary_metric *m = &s->groups[i].metrics[k];
            qsort(m->values, (size_t)m->n, sizeof *m->values, compare_doubles);
        }
    return 0;
oom:
    summary_free(s);
    snprintf(err, errlen, "out of memory summarising %s", csv_path);
    return -1;
}

void summary_free(study_summary *s)
{
    for (int i = 0; i < s->n; i++) {
        for (int k = 0; k < s->groups[i].nmetrics; k++)
            free(s->groups[i].metrics[k].values);
        free(s->groups[i].metrics);
        free(s->groups[i].ok_repeats);
    }
    free(s->groups);
    store_rows_free(&s->rows);
    memset(s, 0, sizeof *s);
}

const summary_metric *summary_metric_of(const summary_group *g, const char *name)
{
    for (int k = 0; k < g->nmetrics; k++)
        if (strcmp(g->metrics[k].name, name) == 0 && g->metrics[k].n > 0)
            return &g->metrics[k];
    return NULL;
}

double summary_min(const summary_group *g, const char *name)
{
    const summary_metric *m = summary_metric_of(g, name);
    return m ? m->values[0] : NAN;
}

double summary_max(const summary_group *g, const char *name)
{
    const summary_metric *m = summary_metric_of(g, name);
    return m ? m->values[m->n - 1] : NAN;
}

double summary_median(const summary_group *g, const char *name)
{
    const summary_metric *m = summary_metric_of(g, name);
    if (!m)
        return NAN;
    return m->n % 2 ? m->values[m->n / 2] : 0.5 * (m->values[m->n / 2 - 1] + m->values[m->n / 2]);
}

int summary_options_match(const char *want, const char *have)
{
    if (!want || strcmp(want, "-") == 0)
        return 1;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", want);
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        size_t len = strlen(w);
        const char *p = have;
        int found = 0;
        while (!found && (p = strstr(p, w))) {
            found = (p == have || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0');
            p += len;
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* the options without rtol=/atol= words, and the rtol/atol values (NaN if absent) */
static void split_tolerances(const char *options, char *rest, size_t len, double *rtol,
                             double *atol)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", options);
    if (rest)
        rest[0] = '\0';
    *rtol = *atol = NAN;
    for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
        if (strncmp(w, "rtol=", 5) == 0)
            *rtol = strtod(w + 5, NULL);
        else if (strncmp(w, "atol=", 5) == 0)
            *atol = strtod(w + 5, NULL);
        else if (rest) {
            size_t used = strlen(rest);
            snprintf(rest + used, len - used, "%s%s", used ? " " : "", w);
        }
    }
}

/* ---- the ranked table ------------------------------------------------------------ */


/* a < b for tolerances, loose to tight, absent (the model's default) last */
static int compare_tolerance(double a, double b)
{
    if (a == b || (isnan(a) && isnan(b)))
        return 0;
    return isnan(a) ? 1 : isnan(b) ? -1 : a > b ? -1 : 1;
}

/* ranked within (model, tolerances): by median time, failures last */
static int compare_ranked(const void *a, const void *b)
{
    const summary_group *x = *(const summary_group *const *)a;
    const summary_group *y = *(const summary_group *const *)b;
    double rx, ax, ry, ay;
    int c = strcmp(x->model, y->model);
    if (c)
        return c;
    split_tolerances(x->options, NULL, 0, &rx, &ax);
    split_tolerances(y->options, NULL, 0, &ry, &ay);
    if ((c = compare_tolerance(rx, ry)) != 0 || (c = compare_tolerance(ax, ay)) != 0)
        return c;
    if ((x->ok > 0) != (y->ok > 0))
        return x->ok > 0 ? -1 : 1;
    double tx = summary_median(x, "wall_seconds"), ty = summary_median(y, "wall_seconds");
    if (tx != ty && !isnan(tx) && !isnan(ty))
        return tx < ty ? -1 : 1;
    c = strcmp(x->backend, y->backend);
    return c ? c : strcmp(x->options, y->options);
}

static void cell_number(char *out, size_t len, const char *fmt, double v)
{
    if (isnan(v))
        snprintf(out, len, "-");
    else
        snprintf(out, len, fmt, v);
}

void summary_print(FILE *f, const study_summary *s, const char *only)
{
    const summary_group **order = malloc((size_t)(s->n ? s->n : 1) * sizeof *order);
    if (!order)
        return;
    int n = 0, hessians = 0;
    for (int i = 0; i < s->n; i++)
        if (summary_options_match(only, s->groups[i].options)) {
            order[n++] = &s->groups[i];
            hessians |= summary_metric_of(&s->groups[i], "hess_rel_err") != NULL;
        }
    qsort(order, (size_t)n, sizeof *order, compare_ranked);
    fprintf(f, "%-16s %3s %-12s %-28s %10s %7s %10s%s %11s %11s %6s\n", "model", "#",
            "backend", "options", "time", "solves", "grad err", hessians ? "   hess err" : "",
            "peak bytes", "peak RSS", "ok");
    int rank = 0;
    for (int i = 0; i < n; i++) {
        const summary_group *g = order[i];
        char time[32], solves[32], error[32], herror[48] = "", bytes[32], rss[32], runs[32];
        double r0, a0, r1, a1;
        split_tolerances(g->options, NULL, 0, &r1, &a1);
        if (i > 0)
            split_tolerances(order[i - 1]->options, NULL, 0, &r0, &a0);
        /* the rank restarts with each model and tolerance */
        if (i == 0 || strcmp(order[i - 1]->model, g->model) != 0 || compare_tolerance(r0, r1) ||
            compare_tolerance(a0, a1))
            rank = 0;
        rank++;
        double t = summary_median(g, "wall_seconds");
        if (isnan(t))
            snprintf(time, sizeof time, "-");
        else
            format_seconds(time, sizeof time, t);
        cell_number(solves, sizeof solves, "%.3g", summary_median(g, "time_per_forward_solve"));
        if (summary_min(g, "grad_err_bound") == 1)   /* every repeat below the reference's accuracy */
            snprintf(error, sizeof error, "<%.1e", summary_max(g, "grad_rel_err"));
        else
            cell_number(error, sizeof error, "%.2e", summary_max(g, "grad_rel_err"));
        if (hessians) {
            char cell[32];
            cell_number(cell, sizeof cell, "%.2e", summary_max(g, "hess_rel_err"));
            snprintf(herror, sizeof herror, " %10s", cell);
        }
        double b = summary_max(g, "peak_bytes"), r = summary_max(g, "peak_rss");
        if (isnan(b)) snprintf(bytes, sizeof bytes, "-"); else format_bytes(bytes, sizeof bytes, b);
        if (isnan(r)) snprintf(rss, sizeof rss, "-"); else format_bytes(rss, sizeof rss, r);
        snprintf(runs, sizeof runs, "%d/%d", g->ok, g->runs);
        fprintf(f, "%-16s %3d %-12s %-28s %10s %7s %10s%s %11s %11s %6s", g->model, rank,
                g->backend, g->options[0] ? g->options : "defaults", time, solves, error, herror,
                bytes, rss, runs);
        if (g->note)
            fprintf(f, "  %.70s", g->note);
        fputc('\n', f);
    }
    fprintf(f, "time: median over repeats; solves: that time in units of one plain CVODES "
               "forward solve of the loss at the same tolerances; grad err%s: worst relative "
               "2-norm error against the reference (- when there is none, <x when below the "
               "reference's own accuracy x); peak bytes: held by "
               "the backend; peak RSS: whole case process\n", hessians ? " and hess err" : "");
    free(order);
}

/* ---- files for plots -------------------------------------------------------------- */

static const char *const summary_columns[][2] = {
    /* column, metric (statistic chosen below) */
    { "time_median_s", "wall_seconds" }, { "time_min_s", "wall_seconds" },
    { "grad_rel_err", "grad_rel_err" }, { "grad_max_rel_err", "grad_max_rel_err" },
    { "peak_bytes", "peak_bytes" }, { "peak_rss_bytes", "peak_rss" },
    { "fwd_rhs", "fwd.rhs" }, { "fwd_jvp", "fwd.jvp" }, { "fwd_vjp", "fwd.vjp" },
    { "fwd_jac", "fwd.jac" }, { "bwd_rhs", "bwd.rhs" }, { "bwd_vjp", "bwd.vjp" },
    { "bwd_jac", "bwd.jac" }, { "steps_fwd", "steps_fwd" }, { "steps_bwd", "steps_bwd" },
    { "checkpoints", "checkpoints" }, { "np", "np" }, { "nx", "nx" },
    { "hess_rel_err", "hess_rel_err" }, { "solves_median", "time_per_forward_solve" },
    { "grad_err_bound", "grad_err_bound" }, { "ref_accuracy", "ref_accuracy" } };

static double column_value(const summary_group *g, int c)
{
    const char *metric = summary_columns[c][1];
    if (c == 0 || strcmp(metric, "time_per_forward_solve") == 0)
        return summary_median(g, metric);   /* times: the median repeat */
    if (c == 1 || strcmp(metric, "grad_err_bound") == 0)
        return summary_min(g, metric);   /* a bound only when every repeat is one */
    return summary_max(g, metric);   /* errors and costs: the worst repeat */
}

static void write_number(FILE *f, double v)
{
    fputc('\t', f);
    format_number(f, v);
}

static int compare_by_series(const void *a, const void *b)
{
    const summary_group *x = *(summary_group *const *)a, *y = *(summary_group *const *)b;
    char rx[1024], ry[1024];
    double rtx, atx, rty, aty;
    split_tolerances(x->options, rx, sizeof rx, &rtx, &atx);
    split_tolerances(y->options, ry, sizeof ry, &rty, &aty);
    int c = strcmp(x->model, y->model);
    if (!c) c = strcmp(x->backend, y->backend);
    if (!c) c = strcmp(rx, ry);
    return c ? c : compare_tolerance(rtx, rty);
}

static int write_series(const study_summary *s, const char *dir, const char *study, char *err,
                        size_t errlen)
{
    summary_group **sorted = malloc((size_t)(s->n ? s->n : 1) * sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < s->n; i++)
        sorted[i] = &s->groups[i];
    qsort(sorted, (size_t)s->n, sizeof *sorted, compare_by_series);
    FILE *f = NULL;
    char path[4096], last_series[1200] = "";
    const char *model = NULL;
    int status = 0;
    for (int i = 0; i < s->n && status == 0; i++) {
        const summary_group *g = sorted[i];
        char rest[1024], series[1200];
        double rtol, atol;
        split_tolerances(g->options, rest, sizeof rest, &rtol, &atol);
        snprintf(series, sizeof series, "%s%s%s", g->backend, rest[0] ? " " : "", rest);
        if (g->ok == 0)
            continue;          /* nothing to draw; a model without any success gets no file */
        if (!model || strcmp(model, g->model) != 0) {
            if (f && fclose(f) != 0)
                status = -1;
            model = g->model;
            char token[512];
            snprintf(path, sizeof path, "%s/%s--%s.series.tsv", dir, study,
                     file_token(model, token, sizeof token));
            if (!(f = fopen(path, "w"))) {
                status = -1;
                break;
            }
            last_series[0] = '\0';
        }
        if (strcmp(series, last_series) != 0) {
            /* a gnuplot block: its first line is read as column headers, so the series
             * name stands in the second column (title columnheader(2)) */
            fprintf(f, "%s%s\t%s\trtol\tatol\ttime_median_s\tgrad_rel_err\tpeak_bytes\tpeak_rss_bytes\n",
                    last_series[0] ? "\n\n" : "", g->model, series);
            snprintf(last_series, sizeof last_series, "%s", series);
        }
        fprintf(f, "%s\t%s", g->model, series);
        write_number(f, rtol);
        write_number(f, atol);
        write_number(f, summary_median(g, "wall_seconds"));
        write_number(f, summary_max(g, "grad_rel_err"));
        write_number(f, summary_max(g, "peak_bytes"));
        write_number(f, summary_max(g, "peak_rss"));
        fputc('\n', f);
    }
    if (f && fclose(f) != 0)
        status = -1;
    free(sorted);
    if (status != 0)
        snprintf(err, errlen, "cannot write %s", path);
    return status;
}

static int compare_by_size(const void *a, const void *b)
{
    const summary_group *x = *(summary_group *const *)a, *y = *(summary_group *const *)b;
    int c = strcmp(x->backend, y->backend);
    if (!c)
        c = strcmp(x->options, y->options);
    double nx = summary_max(x, "np"), ny = summary_max(y, "np");
    if (!c && nx != ny)
        c = nx < ny ? -1 : 1;
    return c ? c : strcmp(x->model, y->model);
}

/* <study>.scaling.tsv: one block per backend and option set, its cases sorted by the number
 * of parameters — cost against problem size (brusselator-N, MLP widths). */
static int write_scaling(const study_summary *s, const char *dir, const char *study, char *err,
                         size_t errlen)
{
    char path[4096], last[1200] = "";
    summary_group **sorted = malloc((size_t)(s->n ? s->n : 1) * sizeof *sorted);
    snprintf(path, sizeof path, "%s/%s.scaling.tsv", dir, study);
    FILE *f = sorted ? fopen(path, "w") : NULL;
    if (!f) {
        free(sorted);
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    int n = 0;
    for (int i = 0; i < s->n; i++)
        if (s->groups[i].ok > 0)
            sorted[n++] = &s->groups[i];
    qsort(sorted, (size_t)n, sizeof *sorted, compare_by_size);
    for (int i = 0; i < n; i++) {
        const summary_group *g = sorted[i];
        char series[1200];
        snprintf(series, sizeof series, "%s%s%s", g->backend, g->options[0] ? " " : "", g->options);
        if (strcmp(series, last) != 0) {
            /* block header: the curve's name in column 2 (title columnheader(2)) */
            fprintf(f, "%smodel\t%s\tnp\tnx\ttime_median_s\tgrad_rel_err\tpeak_bytes\tpeak_rss_bytes\n",
                    last[0] ? "\n\n" : "", series);
            snprintf(last, sizeof last, "%s", series);
        }
        fprintf(f, "%s\t%s", g->model, series);
        write_number(f, summary_max(g, "np"));
        write_number(f, summary_max(g, "nx"));
        write_number(f, summary_median(g, "wall_seconds"));
        write_number(f, summary_max(g, "grad_rel_err"));
        write_number(f, summary_max(g, "peak_bytes"));
        write_number(f, summary_max(g, "peak_rss"));
        fputc('\n', f);
    }
    free(sorted);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

int summary_write(const study_summary *s, const char *dir, const char *study, char *err,
                  size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.summary.tsv", dir, study);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s", tmp);
        return -1;
    }
    fputs("model\tbackend\toptions\trtol\tatol\truns\tok", f);
    for (size_t c = 0; c < sizeof summary_columns / sizeof summary_columns[0]; c++)
        fprintf(f, "\t%s", summary_columns[c][0]);
    fputs("\tnote\n", f);
    for (int i = 0; i < s->n; i++) {
        const summary_group *g = &s->groups[i];
        char rest[1024];
        double rtol, atol;
        split_tolerances(g->options, rest, sizeof rest, &rtol, &atol);
        fprintf(f, "%s\t%s\t%s", g->model, g->backend, g->options[0] ? g->options : "defaults");
        write_number(f, rtol);
        write_number(f, atol);
        fprintf(f, "\t%d\t%d", g->runs, g->ok);
        for (size_t c = 0; c < sizeof summary_columns / sizeof summary_columns[0]; c++)
            write_number(f, column_value(g, (int)c));
        fprintf(f, "\t%s\n", g->note ? g->note : "");
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        remove(tmp);
        return -1;
    }
    return write_series(s, dir, study, err, errlen) || write_scaling(s, dir, study, err, errlen) ||
                   hessplot_write(s, dir, study, err, errlen)
               ? -1 : 0;
}
