/* fit_summary — multistart measures of a fit study, its plot data and its table (see
 * fit_summary.h). */
#include "fit_summary.h"
#include "tmpwrite.h"
#include "filetoken.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "fit_trace.h"
#include "store.h"

/* the most parameters whose fitted values a start's record keeps by name */
#define FIT_MAX_THETA 4096

typedef struct {
    int repeat;
    double objective, iterations, cpu_seconds, case_cpu_seconds, gradient_norm;
    double evals_loss, evals_gradient, evals_hessian, evals_residuals, evals_jacobian;
    double evals_approx_hessian;
    int converged;
    const char *exit;          /* the exit's name (a row's unit), or the status text */
    const char *message;       /* the status row's text: how the start ended, in words */
    int ntheta;                /* the fitted θ: theta_row[k] is the row "theta.<name>" */
    const store_row **theta_row;
    int ok;                    /* its status row says ok: only then do its numbers count */
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
    double fraction_lower, fraction_upper;   /* 95 % Clopper–Pearson interval of within/n */
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
    const fit_start empty = { repeat, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
                              0, NULL, NULL, 0, NULL, 0 };
    *st = empty;
    return st;
}

/* one row into its start's record; 0, or -1 when out of memory */
static int take(fit_start *st, const store_row *r)
{
    const struct { const char *metric; double *into; } numbers[] = {
        { "objective", &st->objective }, { "iterations", &st->iterations },
        { "cpu_seconds", &st->cpu_seconds }, { "case_cpu_seconds", &st->case_cpu_seconds },
        { "evals_loss", &st->evals_loss }, { "evals_gradient", &st->evals_gradient },
        { "evals_hessian", &st->evals_hessian }, { "evals_residuals", &st->evals_residuals },
        { "evals_jacobian", &st->evals_jacobian }, { "gradient_norm", &st->gradient_norm },
        { "evals_approx_hessian", &st->evals_approx_hessian } };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (strcmp(r->metric, numbers[i].metric) == 0)
            *numbers[i].into = r->value;
    if (strcmp(r->metric, "converged") == 0)
        st->converged = r->value == 1.0;
    if (strcmp(r->metric, "exit") == 0)
        st->exit = r->unit;
    if (strcmp(r->metric, "status") == 0) {
        st->message = r->unit;
        st->ok = r->value == CASE_OK;
        if (!st->exit)
            st->exit = r->unit;
    }
    if (strncmp(r->metric, "theta.", 6) == 0 && st->ntheta < FIT_MAX_THETA) {
        const store_row **grown = realloc(st->theta_row, sizeof *grown * (size_t)(st->ntheta + 1));
        if (!grown)
            return -1;
        st->theta_row = grown;
        st->theta_row[st->ntheta++] = r;
    }
    return 0;
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
static int is_converged(const fit_group *g, const fit_start *st)
{
    (void)g;
    return st->ok && st->converged;
}
/* a start that failed (solver, limit, crash) is never a success, whatever it last wrote */
static int is_success(const fit_group *g, const fit_start *st)
{
    return st->ok && isfinite(st->objective) && st->objective <= g->model_best + FIT_WITHIN;
}

/* The exact (Clopper–Pearson) 95 % interval of a binomial fraction k/n: the p whose binomial
 * tail probabilities of k are 2.5 %, through the Beta quantiles. */
static void binomial_interval(int k, int n, double *lower, double *upper)
{
    if (n <= 0) {
        *lower = *upper = NAN;
        return;
    }
    *lower = k == 0 ? 0.0 : gsl_cdf_beta_Pinv(0.025, k, n - k + 1);
    *upper = k == n ? 1.0 : gsl_cdf_beta_Pinv(0.975, k + 1, n - k);
}

static void measure(fit_study *s)
{
    for (int i = 0; i < s->n; i++) {
        fit_group *g = &s->groups[i];
        g->best = INFINITY;
        for (int k = 0; k < g->n; k++)
            if (g->starts[k].ok && isfinite(g->starts[k].objective))
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
            g->converged += is_converged(g, &g->starts[k]);
            if (isfinite(start_seconds(&g->starts[k])))
                total += start_seconds(&g->starts[k]);
        }
        g->seconds_per_success = g->within ? total / g->within : NAN;
        binomial_interval(g->within, g->n, &g->fraction_lower, &g->fraction_upper);
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
        if (!st || take(st, r) != 0) {
            snprintf(err, errlen, "out of memory reading %s", path);
            return -1;
        }
    }
    measure(s);
    return 0;
}

static void release(fit_study *s)
{
    for (int i = 0; i < s->n; i++) {
        for (int k = 0; k < s->groups[i].n; k++)
            free(s->groups[i].starts[k].theta_row);
        free(s->groups[i].starts);
    }
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
    FILE *f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen);
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
    if (tmpwrite_commit(f, tmp, path, err, errlen) != 0)
        return -1;
    double model_best = NAN;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->groups[i].model, model) == 0)
            model_best = s->groups[i].model_best;
    if (fit_trace_write_model(dir, study, model, model_best, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s--%s.fitbars.tsv", dir, study, token);
    if (!(f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen)))
        return -1;
    fprintf(f, "index\tpair\tfraction_within\tmedian_seconds_success\tmedian_seconds_converged\t"
               "seconds_per_success\tmedian_iterations_success\tfraction_lower_95\t"
               "fraction_upper_95\n");
    int index = 0;
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        if (strcmp(g->model, model) != 0)
            continue;
        fprintf(f, "%d\t%s\t", index++, g->backend);
        tsv_number(f, g->n ? (double)g->within / g->n : NAN);
        const double cols[] = { g->median_seconds_success, g->median_seconds,
                                g->seconds_per_success, g->median_iterations_success,
                                g->fraction_lower, g->fraction_upper };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fputc('\t', f);
            tsv_number(f, cols[k]);
        }
        fputc('\n', f);
    }
    return tmpwrite_commit(f, tmp, path, err, errlen);
}

static int write_files(const fit_study *s, const char *dir, const char *study, char *err,
                       size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.fit.tsv", dir, study);
    FILE *f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen);
    if (!f)
        return -1;
    fprintf(f, "model\tpair\toptions\tstarts\tbest\tmodel_best\twithin_0.1\tfraction_within\t"
               "converged\tmedian_iterations_converged\tmedian_seconds_converged\t"
               "median_iterations_success\tmedian_seconds_success\tseconds_per_success\t"
               "median_evals_hessian\tmedian_evals_gradient\tmedian_evals_loss\t"
               "fraction_lower_95\tfraction_upper_95\n");
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
                                g->median_evals_gradient, g->median_evals_loss,
                                g->fraction_lower, g->fraction_upper };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fputc('\t', f);
            tsv_number(f, cols[k]);
        }
        fputc('\n', f);
    }
    if (tmpwrite_commit(f, tmp, path, err, errlen) != 0)
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

/* ---- one start's account ---------------------------------------------------------------- */

/* the start of g with the lowest finite objective (NULL if none has one) */
static const fit_start *best_start(const fit_group *g)
{
    const fit_start *best = NULL;
    for (int k = 0; k < g->n; k++)
        if (isfinite(g->starts[k].objective) &&
            (!best || g->starts[k].objective < best->objective))
            best = &g->starts[k];
    return best;
}

/* the parameter's name of a "theta.<name>" row */
static const char *theta_name(const store_row *r) { return r->metric + 6; }

static const char *start_exit(const fit_start *st) { return st->exit ? st->exit : "missing"; }

/* the numbers every output gives per start, in this order */
static const char *const start_columns[] = { "objective", "gradient_norm", "iterations",
                                             "evals_loss", "evals_gradient", "evals_hessian",
                                             "evals_approx_hessian", "evals_residuals",
                                             "evals_jacobian", "cpu_seconds" };
#define NSTART_COLUMNS (sizeof start_columns / sizeof start_columns[0])

static void start_values(const fit_start *st, double *v)
{
    const double values[NSTART_COLUMNS] = { st->objective, st->gradient_norm, st->iterations,
                                            st->evals_loss, st->evals_gradient, st->evals_hessian,
                                            st->evals_approx_hessian, st->evals_residuals,
                                            st->evals_jacobian, start_seconds(st) };
    memcpy(v, values, sizeof values);
}

/* ---- the table ------------------------------------------------------------------------- */

/* per pair: every start by objective (* marks the best), and the best start's θ by name */
static void print_starts_table(FILE *out, const fit_group *g)
{
    fit_start *sorted = malloc(sizeof *sorted * (size_t)(g->n > 0 ? g->n : 1));
    if (!sorted)
        return;
    memcpy(sorted, g->starts, sizeof *sorted * (size_t)g->n);
    qsort(sorted, (size_t)g->n, sizeof *sorted, compare_objectives);
    fprintf(out, "\n  %s, every start (by objective)\n", g->backend);
    fprintf(out, "    %6s %18s %10s %6s %7s %7s %7s %7s %10s  %s\n", "start", "objective",
            "|gradient|", "iter", "loss", "grad", "hess", "approx", "cpu", "exit");
    for (int k = 0; k < g->n; k++) {
        const fit_start *st = &sorted[k];
        char t[32], star[16];
        format_seconds(t, sizeof t, start_seconds(st));
        snprintf(star, sizeof star, "%s%d", k == 0 && isfinite(st->objective) ? "*" : "",
                 st->repeat);
        /* a Gauss–Newton start counts residual and Jacobian evaluations as its loss and
         * gradient evaluations */
        fprintf(out, "    %6s %18.10g %10.3g %6.0f %7.0f %7.0f %7.0f %7.0f %10s  %s\n", star,
                st->objective, st->gradient_norm, st->iterations, start_losses(st),
                start_gradients(st), st->evals_hessian, st->evals_approx_hessian,
                isfinite(start_seconds(st)) ? t : "-", start_exit(st));
    }
    free(sorted);
    const fit_start *best = best_start(g);
    if (!best)
        return;
    fprintf(out, "    best start %d: ", best->repeat);
    for (int k = 0; k < best->ntheta; k++)
        fprintf(out, "%s%s = %.10g", k ? ", " : "", theta_name(best->theta_row[k]),
                best->theta_row[k]->value);
    fprintf(out, "%s(%s)\n", best->ntheta ? " " : "", best->message ? best->message : "");
}


static void print_table(FILE *out, const fit_study *s)
{
    const char *model = NULL;
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        if (!model || strcmp(model, g->model) != 0) {
            model = g->model;
            fprintf(out, "%s%s (best objective %.10g)\n", i ? "\n" : "", model, g->model_best);
            fprintf(out, "  %-24s %6s %16s %11s %9s %9s %10s %11s %10s %11s %11s\n",
                    "optimizer/Hessian", "starts", "best", "within 0.1", "95% CI", "converged",
                    "iter conv", "time conv", "iter succ", "time succ", "t/success");
        }
        char within[32], t1[32], t2[32], t3[32];
        snprintf(within, sizeof within, "%d (%.0f%%)", g->within,
                 g->n ? 100.0 * g->within / g->n : 0.0);
        char interval[32];
        snprintf(interval, sizeof interval, "%.0f-%.0f%%", 100.0 * g->fraction_lower,
                 100.0 * g->fraction_upper);
        format_seconds(t1, sizeof t1, g->median_seconds);
        format_seconds(t2, sizeof t2, g->median_seconds_success);
        format_seconds(t3, sizeof t3, g->seconds_per_success);
        fprintf(out, "  %-24s %6d %16.10g %11s %9s %9d %10.4g %11s %10.4g %11s %11s\n",
                g->backend, g->n, g->best, within, interval, g->converged, g->median_iterations,
                isfinite(g->median_seconds) ? t1 : "-", g->median_iterations_success,
                isfinite(g->median_seconds_success) ? t2 : "-",
                isfinite(g->seconds_per_success) ? t3 : "-");
    }
    for (int i = 0; i < s->n; i++)
        print_starts_table(out, &s->groups[i]);
}

/* θ as "name=value;…" (CSV) */
static void theta_text(FILE *out, const fit_start *st)
{
    for (int k = 0; k < st->ntheta; k++) {
        fprintf(out, "%s%s=", k ? ";" : "", theta_name(st->theta_row[k]));
        format_number(out, st->theta_row[k]->value);
    }
}

/* one row per start, with its pair's measures and a flag for the pair's best start */
static void print_csv(FILE *out, const fit_study *s)
{
    fprintf(out, "model,pair,options,starts,within,fraction_within,fraction_lower_95,"
                 "fraction_upper_95,model_best,start,best");
    for (size_t k = 0; k < NSTART_COLUMNS; k++)
        fprintf(out, ",%s", start_columns[k]);
    fprintf(out, ",converged,exit,message,theta\n");
    for (int i = 0; i < s->n; i++) {
        const fit_group *g = &s->groups[i];
        const fit_start *best = best_start(g);
        for (int j = 0; j < g->n; j++) {
            const fit_start *st = &g->starts[j];
            format_csv_field(out, g->model);
            fputc(',', out);
            format_csv_field(out, g->backend);
            fputc(',', out);
            format_csv_field(out, g->options);
            fprintf(out, ",%d,%d,", g->n, g->within);
            const double pair_values[] = { g->n ? (double)g->within / g->n : NAN,
                                           g->fraction_lower, g->fraction_upper, g->model_best };
            for (size_t k = 0; k < sizeof pair_values / sizeof pair_values[0]; k++) {
                format_number(out, pair_values[k]);
                if (k + 1 < sizeof pair_values / sizeof pair_values[0])
                    fputc(',', out);
            }
            fprintf(out, ",%d,%d", st->repeat, st == best);
            double v[NSTART_COLUMNS];
            start_values(st, v);
            for (size_t k = 0; k < NSTART_COLUMNS; k++) {
                fputc(',', out);
                format_number(out, v[k]);
            }
            fprintf(out, ",%d,", st->converged);
            format_csv_field(out, start_exit(st));
            fputc(',', out);
            format_csv_field(out, st->message ? st->message : "");
            fputc(',', out);
            theta_text(out, st);
            fputc('\n', out);
        }
    }
}

/* one start as a JSON object, θ by name */
static void json_start(FILE *out, const fit_start *st)
{
    fprintf(out, "{\"start\": %d", st->repeat);
    double v[NSTART_COLUMNS];
    start_values(st, v);
    for (size_t k = 0; k < NSTART_COLUMNS; k++) {
        fprintf(out, ", \"%s\": ", start_columns[k]);
        format_json_number(out, v[k]);
    }
    fprintf(out, ", \"converged\": %s, \"exit\": ", st->converged ? "true" : "false");
    format_json_string(out, start_exit(st));
    fputs(", \"message\": ", out);
    format_json_string(out, st->message ? st->message : "");
    fputs(", \"theta\": {", out);
    for (int k = 0; k < st->ntheta; k++) {
        fputs(k ? ", " : "", out);
        format_json_string(out, theta_name(st->theta_row[k]));
        fputs(": ", out);
        format_json_number(out, st->theta_row[k]->value);
    }
    fputs("}}", out);
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
            { "fraction_lower_95", g->fraction_lower }, { "fraction_upper_95", g->fraction_upper },
            { "median_iterations_converged", g->median_iterations },
            { "median_seconds_converged", g->median_seconds },
            { "median_iterations_success", g->median_iterations_success },
            { "median_seconds_success", g->median_seconds_success },
            { "seconds_per_success", g->seconds_per_success } };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            fprintf(out, ", \"%s\": ", cols[k].name);
            format_json_number(out, cols[k].v);
        }
        const fit_start *best = best_start(g);
        fputs(",\n  \"best_start\": ", out);
        if (best)
            json_start(out, best);
        else
            fputs("null", out);
        fputs(",\n  \"start_results\": [", out);
        for (int k = 0; k < g->n; k++) {
            fputs(k ? ",\n   " : "\n   ", out);
            json_start(out, &g->starts[k]);
        }
        fputs("]}", out);
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
