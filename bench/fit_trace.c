/* fit_trace — the convergence traces of a fit study (see fit_trace.h). */
#include "fit_trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trace_path(char *path, size_t len, const char *dir, const char *study)
{
    snprintf(path, len, "%s/%s.trace.tsv", dir, study);
}

int fit_trace_append(const char *dir, const char *study, const char *model, const char *pair,
                     const char *options, int start, const char *child_output, char *err,
                     size_t errlen)
{
    char path[4096];
    trace_path(path, sizeof path, dir, study);
    FILE *f = fopen(path, "a");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    for (const char *line = child_output; line && *line;) {
        const char *end = strchr(line, '\n');
        const size_t n = end ? (size_t)(end - line) : strlen(line);
        double L, k, cpu;
        char tail;
        /* "iterate<TAB>L<TAB>k<TAB>cpu" exactly; anything else is not a trace line */
        if (n < 200 && strncmp(line, "iterate\t", 8) == 0) {
            char text[200];
            memcpy(text, line, n);
            text[n] = '\0';
            if (sscanf(text + 8, "%lf\t%lf\t%lf%c", &L, &k, &cpu, &tail) == 3)
                fprintf(f, "%s\t%s\t%s\t%d\t%.0f\t%.9g\t%.17g\n", model, pair, options, start, k,
                        cpu, L);
        }
        line = end ? end + 1 : NULL;
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int fit_trace_reset(const char *dir, const char *study, char *err, size_t errlen)
{
    char path[4096];
    trace_path(path, sizeof path, dir, study);
    FILE *f = fopen(path, "w");
    if (!f || fclose(f) != 0) {
        snprintf(err, errlen, "cannot empty %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* one row of the study's trace, its fields pointing into the line */
typedef struct {
    char *model, *pair, *options;
    int start;
    double iteration, cpu, objective;
} trace_row;

static int split(char *line, trace_row *r)
{
    char *f[7];
    int n = 0;
    for (char *p = line; n < 7; n++) {
        f[n] = p;
        p = strchr(p, '\t');
        if (!p) {
            n++;
            break;
        }
        *p++ = '\0';
    }
    if (n != 7)
        return -1;
    r->model = f[0];
    r->pair = f[1];
    r->options = f[2];
    r->start = atoi(f[3]);
    r->iteration = strtod(f[4], NULL);
    r->cpu = strtod(f[5], NULL);
    r->objective = strtod(f[6], NULL);
    return 0;
}

int fit_trace_write_model(const char *dir, const char *study, const char *model,
                          double model_best, char *err, size_t errlen)
{
    char path[4096], out_path[4096], tmp[4200];
    trace_path(path, sizeof path, dir, study);
    FILE *in = fopen(path, "r");
    if (!in)
        return 0;
    /* the whole trace in memory: one line per accepted step, a few MB for a large study */
    size_t cap = 256, n = 0;
    char **lines = malloc(sizeof *lines * cap), *line = NULL;
    size_t linecap = 0;
    trace_row *rows = NULL;
    int status = -1;
    if (!lines)
        goto done;
    while (getline(&line, &linecap, in) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (n == cap) {
            char **grown = realloc(lines, sizeof *lines * (cap *= 2));
            if (!grown)
                goto done;
            lines = grown;
        }
        if (!(lines[n] = strdup(line)))
            goto done;
        n++;
    }
    rows = malloc(sizeof *rows * (n ? n : 1));
    if (!rows)
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (split(lines[i], &rows[m]) == 0 && strcmp(rows[m].model, model) == 0)
            m++;
    snprintf(out_path, sizeof out_path, "%s/%s--%s.trace.tsv", dir, study, model);
    if (m == 0) {
        /* no step of this model's starts (all failed or were killed at once): no figure */
        remove(out_path);
        status = 0;
        goto close_in;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto close_in;
    }
    /* blocks by pair (and options) in the order they first appear; the rows of one start
     * are contiguous (each start's lines are appended at once) */
    int blocks = 0;
    for (size_t i = 0; i < m; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(rows[j].pair, rows[i].pair) == 0 &&
                   strcmp(rows[j].options, rows[i].options) == 0;
        if (seen)
            continue;
        fprintf(out, "%s", blocks++ ? "\n\n" : "");
        fprintf(out, "iteration\t%s\tcpu_seconds\tobjective\tdelta\tstart\n", rows[i].pair);
        int last_start = -1;
        for (size_t j = i; j < m; j++) {
            if (strcmp(rows[j].pair, rows[i].pair) != 0 ||
                strcmp(rows[j].options, rows[i].options) != 0)
                continue;
            if (last_start >= 0 && rows[j].start != last_start)
                fputc('\n', out);
            last_start = rows[j].start;
            fprintf(out, "%.0f\t%s\t%.9g\t%.17g\t%.10g\t%d\n", rows[j].iteration, rows[j].pair,
                    rows[j].cpu, rows[j].objective, rows[j].objective - model_best,
                    rows[j].start);
        }
    }
    if (fclose(out) != 0 || rename(tmp, out_path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
        remove(tmp);
        goto close_in;
    }
    status = 0;
    goto close_in;
done:
    snprintf(err, errlen, "out of memory reading %s", path);
close_in:
    fclose(in);
    for (size_t i = 0; lines && i < n; i++)
        free(lines[i]);
    free(lines);
    free(line);
    free(rows);
    return status;
}
