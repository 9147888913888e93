/* fit_summary — multistart measures of a fit study, its plot data and its table (see
 * fit_summary.h). */
#include "fit_summary.h"
#include "filetoken.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "store.h"

typedef struct {
    int repeat;
    double objective, iterations, cpu_seconds, case_cpu_seconds;
    double evals_loss, evals_gradient, evals_hessian, evals_residuals, evals_jacobian;
    int converged;
    const char *exit;          /* the exit's name (a row's unit), or the status text */
} fit_start;

typedef struct {
    const char *model, *backend, *options;
    int n;
    fit_start *starts;
    /* the measures */
    double best, model_best;
    int within, converged;
    double median_iterations, median_seconds, median_seconds_success, seconds_per_success;
    double median_iterations_success;
    double median_evals_hessian, median_evals_gradient, median_evals_loss;
} fit_group;

typedef struct {
    store_rows rows;
    int n;
    fit_group *groups;
} fit_study;

static fit_group *group_of(fit_study *s, const store_row *r)
{
    for (int i = s->n - 1; i >= 0; i--) {
        fit_group *g = &s->groups[i];
        if (strcmp(g->model, r->model) == 0 && strcmp(g->backend, r->backend) == 0 &&
            strcmp(g->options, r->options) == 0)
            return g;
    }
    fit_group *grown = realloc(s->groups, (size_t)(s->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->groups = grown;
    fit_group *g = &s->groups[s->n++];
    memset(g, 0, sizeof *g);
    g->model = r->model;
    g->backend = r->backend;
    g->options = r->options;
    return g;
}

static fit_start *start_of(fit_group *g, int repeat)
{
    for (int i = g->n - 1; i >= 0; i--)
        if (g->starts[i].repeat == repeat)
            return &g->starts[i];
    fit_start *grown = realloc(g->starts, (size_t)(g->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    g->starts = grown;
    fit_start *st = &g->starts[g->n++];
    const fit_start empty = { repeat, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, NULL };
    *st = empty;
    return st;
}

/* one row into its start's record */
static void take(fit_start *st, const store_row *r)
{
    const struct { const char *metric; double *into; } numbers[] = {
        { "objective", &st->objective }, { "iterations", &st->iterations },
        { "cpu_seconds", &st->cpu_seconds }, { "case_cpu_seconds", &st->case_cpu_seconds },
        { "evals_loss", &st->evals_loss }, { "evals_gradient", &st->evals_gradient },
        { "evals_hessian", &st->evals_hessian }, { "evals_residuals", &st->evals_residuals },
        { "evals_jacobian", &st->evals_jacobian } };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (strcmp(r->metric, numbers[i].metric) == 0)
            *numbers[i].into = r->value;
    if (strcmp(r->metric, "converged") == 0)
        st->converged = r->value == 1.0;
    if (strcmp(r->metric, "exit") == 0)
        st->exit = r->unit;
    if (strcmp(r->metric, "status") == 0 && !st->exit)
        st->exit = r->unit;
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* median of the finite values v[i] of the starts selected by keep (NaN if none) */
static double median_of(const fit_group *g, double (*value)(const fit_start *),
                        int (*keep)(const fit_group *, const fit_start *), double *scratch)
{
    int m = 0;
    for (int i = 0; i < g->n; i++) {
        const double v = value(&g->starts[i]);
        if (keep(g, &g->starts[i]) && isfinite(v))
            scratch[m++] = v;
    }
    if (!m)
        return NAN;
    qsort(scratch, (size_t)m, sizeof *scratch, compare_doubles);
    return m % 2 ? scratch[m / 2] : 0.5 * (scratch[m / 2 - 1] + scratch[m / 2]);
}

/* the optimisation's processor time; for a start killed at its limit, its process's */
static double start_seconds(const fit_start *st)
{
    return isfinite(st->cpu_seconds) ? st->cpu_seconds : st->case_cpu_seconds;
}
static double start_iterations(const fit_start *st) { return st->iterations; }
static double start_hessians(const fit_start *st) { return st->evals_hessian; }
static double start_gradients(const fit_start *st)
{
    /* a Gauss–Newton Jacobian is that optimiser's gradient-level evaluation */
    return isfinite(st->evals_jacobian) && st->evals_jacobian > 0 ? st->evals_jacobian
                                                                   : st->evals_gradient;
}
static double start_losses(const fit_start *st)
{
    return isfinite(st->evals_residuals) && st->evals_residuals > 0 ? st->evals_residuals
                                                                     : st->evals_loss;
}
static int is_converged(const fit_group *g, const fit_start *st) { (void)g; return st->converged; }
static int is_success(const fit_group *g, const fit_start *st)
{
    return isfinite(st->objective) && st->objective <= g->model_best + FIT_WITHIN;
}

static void measure(fit_study *s)
{
    for (int i = 0; i < s->n; i++) {
        fit_group *g = &s->groups[i];
        g->best = INFINITY;
        for (int k = 0; k < g->n; k++)
            if (isfinite(g->starts[k].objective))
                g->best = fmin(g->best, g->starts[k].objective);
    }
    for (int i = 0; i < s->n; i++) {
        fit_group *g = &s->groups[i];
        g->model_best = INFINITY;
        for (int j = 0; j < s->n; j++)
            if (strcmp(s->groups[j].model, g->model) == 0)
                g->model_best = fmin(g->model_best, s->groups[j].best);
    }
    for (int i = 0; i < s->n; i++) {
        fit_group *g = &s->groups[i];
        double *scratch = malloc(sizeof(double) * (size_t)(g->n > 0 ? g->n : 1));
        double total = 0.0;
        g->within = g->converged = 0;
        for (int k = 0; k < g->n; k++) {
            g->within += is_success(g, &g->starts[k]);
            g->converged += g->starts[k].converged;
            if (isfinite(start_seconds(&g->starts[k])))
                total += start_seconds(&g->starts[k]);
        }
        g->seconds_per_success = g->within ? total / g->within : NAN;
        if (!scratch) {
            g->median_iterations = g->median_seconds = g->median_seconds_success = NAN;
            g->median_iterations_success = NAN;
            g->median_evals_hessian = g->median_evals_gradient = g->median_evals_loss = NAN;
            continue;
        }
        g->median_iterations = median_of(g, start_iterations, is_converged, scratch);
        g->median_seconds = median_of(g, start_seconds, is_converged, scratch);
        g->median_seconds_success = median_of(g, start_seconds, is_success, scratch);
        g->median_iterations_success = median_of(g, start_iterations, is_success, scratch);
        g->median_evals_hessian = median_of(g, start_hessians, is_converged, scratch);
        g->median_evals_gradient = median_of(g, start_gradients, is_converged, scratch);
        g->median_evals_loss = median_of(g, start_losses, is_converged, scratch);
        free(scratch);
    }
}

static int build(fit_study *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (store_read(path, &s->rows, err, errlen) != 0)
        return -1;
    for (int i = 0; i < s->rows.n; i++) {
        const store_row *r = &s->rows.rows[i];
        fit_group *g = group_of(s, r);
        fit_start *st = g ? start_of(g, r->repeat) : NULL;
        if (!st) {
            snprintf(err, errlen, "out of memory reading %s", path);
            return -1;
        }
        take(st, r);
    }
    measure(s);
    return 0;
}

static void release(fit_study *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->groups[i].starts);
    free(s->groups);
    store_rows_free(&s->rows);
}

/* ---- files ------------------------------------------------------------------------------ */

static void tsv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("nan", f);
}

/* write through a temporary file and rename, so a reader never sees half a file */
static FILE *open_tmp(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
    snprintf(tmp, tmplen, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    return f;
}

static int close_tmp(FILE *f, const char *tmp, const char *path, char *err, size_t errlen)
{
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static int compare_objectives(const void *a, const void *b)
{
    const fit_start *x = a, *y = b;
    const double u = isfinite(x->objective) ? x->objective : INFINITY;
    const double v = isfinite(y->objective) ? y->objective : INFINITY;
    return (u > v) - (u < v);
}

static int write_model_files(const fit_study *s, const char *dir, const char *study,
                             const char *model, char *err, size_t errlen)
{
    char path[4096], tmp[4200], token[512];
    file_token(model, token, sizeof token);
    snprintf(path, sizeof path, "%s/%s--%s.waterfall.tsv", dir, study, token);
    FILE *f = open_tmp(path, tmp, sizeof tmp, err, errlen);
    if (!f)
        return -1;
    int blocks = 0;
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        if (strcmp(g->model, model) != 0)
            continue;
        fit_start *sorted = malloc(sizeof *sorted * (size_t)(g->n > 0 ? g->n : 1));
        if (!sorted) {
            fclose(f);
            remove(tmp);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memcpy(sorted, g->starts, sizeof *sorted * (size_t)g->n);
        qsort(sorted, (size_t)g->n, sizeof *sorted, compare_objectives);
        fprintf(f, "%s", blocks++ ? "\n\n" : "");
        fprintf(f, "rank\t%s\tdelta\tconverged\tseconds\n", g->backend);
        for (int k = 0; k < g->n; k++) {
            fprintf(f, "%d\t", k + 1);
            tsv_number(f, sorted[k].objective);
            fputc('\t', f);
            tsv_number(f, sorted[k].objective - g->model_best);
            fprintf(f, "\t%d\t", sorted[k].converged);
            tsv_number(f, start_seconds(&sorted[k]));
            fputc('\n', f);
        }
        free(sorted);
    }
    if (close_tmp(f, tmp, path, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s--%s.fitbars.tsv", dir, study, token);
    if (!(f = open_tmp(path, tmp, sizeof tmp, err, errlen)))
        return -1;
    fprintf(f, "index\tpair\tfraction_within\tmedian_seconds_success\tmedian_seconds_converged\t"
               "seconds_per_success\tmedian_iterations_success\n");
    int index = 0;
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        if (strcmp(g->model, model) != 0)
            continue;
        fprintf(f, "%d\t%s\t", index++, g->backend);
        tsv_number(f, g->n ? (double)g->within / g->n : NAN);
        const double cols[] = { g->median_seconds_success, g->median_seconds,
                                g->seconds_per_success, g->median_iterations_success };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fputc('\t', f);
            tsv_number(f, cols[k]);
        }
        fputc('\n', f);
    }
    return close_tmp(f, tmp, path, err, errlen);
}

static int write_files(const fit_study *s, const char *dir, const char *study, char *err,
                       size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.fit.tsv", dir, study);
    FILE *f = open_tmp(path, tmp, sizeof tmp, err, errlen);
    if (!f)
        return -1;
    fprintf(f, "model\tpair\toptions\tstarts\tbest\tmodel_best\twithin_0.1\tfraction_within\t"
               "converged\tmedian_iterations_converged\tmedian_seconds_converged\t"
               "median_iterations_success\tmedian_seconds_success\tseconds_per_success\t"
               "median_evals_hessian\tmedian_evals_gradient\tmedian_evals_loss\n");
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        fprintf(f, "%s\t%s\t%s\t%d\t", g->model, g->backend, g->options, g->n);
        tsv_number(f, g->best);
        fputc('\t', f);
        tsv_number(f, g->model_best);
        fprintf(f, "\t%d\t", g->within);
        tsv_number(f, g->n ? (double)g->within / g->n : NAN);
        fprintf(f, "\t%d", g->converged);
        const double cols[] = { g->median_iterations, g->median_seconds,
                                g->median_iterations_success, g->median_seconds_success,
                                g->seconds_per_success, g->median_evals_hessian,
                                g->median_evals_gradient, g->median_evals_loss };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fputc('\t', f);
            tsv_number(f, cols[k]);
        }
        fputc('\n', f);
    }
    if (close_tmp(f, tmp, path, err, errlen) != 0)
        return -1;
    for (int i = 0; i < s->n; i++) {
        int first = 1;
        for (int j = 0; j < i && first; j++)
            first = strcmp(s->groups[j].model, s->groups[i].model) != 0;
        if (first && write_model_files(s, dir, study, s->groups[i].model, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* ---- the table ------------------------------------------------------------------------- */

static void print_table(FILE *out, const fit_study *s)
{
    const char *model = NULL;
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        if (!model || strcmp(model, g->model) != 0) {
            model = g->model;
            fprintf(out, "%s%s (best objective %.10g)\n", i ? "\n" : "", model, g->model_best);
            fprintf(out, "  %-24s %6s %16s %11s %9s %10s %11s %10s %11s %11s\n", "optimizer/Hessian",
                    "starts", "best", "within 0.1", "converged", "iter conv", "time conv",
                    "iter succ", "time succ", "t/success");
        }
        char within[32], t1[32], t2[32], t3[32];
        snprintf(within, sizeof within, "%d (%.0f%%)", g->within,
                 g->n ? 100.0 * g->within / g->n : 0.0);
        format_seconds(t1, sizeof t1, g->median_seconds);
        format_seconds(t2, sizeof t2, g->median_seconds_success);
        format_seconds(t3, sizeof t3, g->seconds_per_success);
        fprintf(out, "  %-24s %6d %16.10g %11s %9d %10.4g %11s %10.4g %11s %11s\n", g->backend,
                g->n, g->best, within, g->converged, g->median_iterations,
                isfinite(g->median_seconds) ? t1 : "-", g->median_iterations_success,
                isfinite(g->median_seconds_success) ? t2 : "-",
                isfinite(g->seconds_per_success) ? t3 : "-");
    }
}

static void print_csv(FILE *out, const fit_study *s)
{
    fprintf(out, "model,pair,options,starts,best,model_best,within,fraction_within,converged,"
                 "median_iterations_converged,median_seconds_converged,median_iterations_success,"
                 "median_seconds_success,seconds_per_success\n");
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        format_csv_field(out, g->model);
        fputc(',', out);
        format_csv_field(out, g->backend);
        fputc(',', out);
        format_csv_field(out, g->options);
        fprintf(out, ",%d,", g->n);
        const double cols[] = { g->best, g->model_best, g->within,
                                g->n ? (double)g->within / g->n : NAN, g->converged,
                                g->median_iterations, g->median_seconds,
                                g->median_iterations_success, g->median_seconds_success,
                                g->seconds_per_success };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            format_number(out, cols[k]);
            fputc(k + 1 < sizeof cols / sizeof cols[0] ? ',' : '\n', out);
        }
    }
}

static void print_json(FILE *out, const fit_study *s)
{
    fputs("[", out);
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        fputs(i ? ",\n {" : "\n {", out);
        fputs("\"model\": ", out);
        format_json_string(out, g->model);
        fputs(", \"pair\": ", out);
        format_json_string(out, g->backend);
        fputs(", \"options\": ", out);
        format_json_string(out, g->options);
        fprintf(out, ", \"starts\": %d, \"within\": %d, \"converged\": %d", g->n, g->within,
                g->converged);
        const struct { const char *name; double v; } cols[] = {
            { "best", g->best }, { "model_best", g->model_best },
            { "fraction_within", g->n ? (double)g->within / g->n : NAN },
            { "median_iterations_converged", g->median_iterations },
            { "median_seconds_converged", g->median_seconds },
            { "median_iterations_success", g->median_iterations_success },
            { "median_seconds_success", g->median_seconds_success },
            { "seconds_per_success", g->seconds_per_success } };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fprintf(out, ", \"%s\": ", cols[k].name);
            format_json_number(out, cols[k].v);
        }
        fputs("}", out);
    }
    fputs("\n]\n", out);
}

int fit_summary_write(const char *dir, const char *study, FILE *out, out_format fmt, char *err,
                      size_t errlen)
{
    char path[4096];
    fit_study s;
    snprintf(path, sizeof path, "%s/%s.csv", dir, study);
    int status = build(&s, path, err, errlen);
    if (status == 0)
        status = write_files(&s, dir, study, err, errlen);
    if (status == 0 && out) {
        if (fmt == FORMAT_CSV)
            print_csv(out, &s);
        else if (fmt == FORMAT_JSON)
            print_json(out, &s);
        else
            print_table(out, &s);
    }
    release(&s);
    return status;
}
