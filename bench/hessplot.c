/* hessplot — Hessian entries against the reference, for plots: see hessplot.h. */
#include "hessplot.h"
#include "filetoken.h"

#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "refcache.h"
#include "request.h"
#include "registry.h"

/* The metric `name` of g, looked for at *hint first (a case's Hessian entries are stored in
 * row-major order, so the next entry is almost always the next metric). */
static const summary_metric *metric_at(const summary_group *g, const char *name, int *hint)
{
    if (*hint < g->nmetrics && strcmp(g->metrics[*hint].name, name) == 0 &&
        g->metrics[*hint].n > 0)
        return &g->metrics[(*hint)++];
    for (int k = 0; k < g->nmetrics; k++)
        if (strcmp(g->metrics[k].name, name) == 0 && g->metrics[k].n > 0) {
            *hint = k + 1;
            return &g->metrics[k];
        }
    return NULL;
}

static int has_hessian(const summary_group *g)
{
    if (g->ok == 0)
        return 0;
    for (int k = 0; k < g->nmetrics; k++)
        if (strncmp(g->metrics[k].name, "hessian.", 8) == 0)
            return 1;
    return 0;
}

/* The θ a case was measured at: its theta.<param> rows (cli/cmd_case.c writes them for a
 * spec's `theta` line), else the nominal θ. */
static void case_theta(const summary_group *g, const model *m, double *theta)
{
    model_nominal(m, theta);
    for (int i = 0; i < m->np; i++) {
        char name[112];
        snprintf(name, sizeof name, "theta.%s", m->params[i].name);
        const summary_metric *t = summary_metric_of(g, name);
        if (t)
            theta[i] = t->values[0];
    }
}

static double median_of(const summary_metric *m)
{
    return m->n % 2 ? m->values[m->n / 2] : 0.5 * (m->values[m->n / 2 - 1] + m->values[m->n / 2]);
}

/* the blocks of every Hessian case of model m into f */
static void write_model(FILE *f, const study_summary *s, const model *m, const double *ref)
{
    const int np = m->np;
    int blocks = 0;
    for (int gi = 0; gi < s->n; gi++) {
        const summary_group *g = &s->groups[gi];
        if (strcmp(g->model, m->name) != 0 || !has_hessian(g))
            continue;
        char series[1200];
        snprintf(series, sizeof series, "%s%s%s", g->backend, g->options[0] ? " " : "", g->options);
        fprintf(f, "%smodel\t%s\ti\tj\treference\tvalue\tabs_error\n", blocks++ ? "\n\n" : "",
                series);
        int hint = 0;
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++) {
                char name[112];
                /* the names metrics_of_result gives the entries */
                snprintf(name, sizeof name, "hessian.%.48s.%.48s", m->params[i].name,
                         m->params[j].name);
                const summary_metric *e = metric_at(g, name, &hint);
                if (!e || j < i)
                    continue;
                const double v = median_of(e), r = ref[(size_t)i * (size_t)np + (size_t)j];
                fprintf(f, "%s\t%s\t%d\t%d", m->name, series, i, j);
                fputc('\t', f);
                format_number(f, r);
                fputc('\t', f);
                format_number(f, v);
                fputc('\t', f);
                format_number(f, fabs(v - r));
                fputc('\n', f);
            }
    }
}

int hessplot_write(const study_summary *s, const char *dir, const char *study, char *err,
                   size_t errlen)
{
    char refpath[4096];
    snprintf(refpath, sizeof refpath, "%s/%s.ref.tsv", dir, study);
    for (int gi = 0; gi < s->n; gi++) {
        const summary_group *g = &s->groups[gi];
        if (!has_hessian(g))
            continue;
        /* one file per model, written at its first group with a Hessian */
        int earlier = 0;
        for (int k = 0; k < gi && !earlier; k++)
            earlier = strcmp(s->groups[k].model, g->model) == 0 && has_hessian(&s->groups[k]);
        if (earlier)
            continue;
        char why[512], key[17];
        model *m = model_create(g->model, why, sizeof why);
        if (!m)
            continue;   /* a model this build does not know: nothing to draw against */
        double *theta = malloc(sizeof(double) * (size_t)(m->np > 0 ? m->np : 1));
        reference ref;
        memset(&ref, 0, sizeof ref);
        int status = 0;
        if (theta) {
            case_theta(g, m, theta);
            refcache_key(theta, m->np, key);
            if (refcache_lookup(refpath, m->name, key, m->np, &ref) && ref.hessian) {
                char path[4096], tmp[4200], token[512];
                snprintf(path, sizeof path, "%s/%s--%s.hessian.tsv", dir, study,
                         file_token(m->name, token, sizeof token));
                snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
                FILE *f = fopen(tmp, "w");
                if (f)
                    write_model(f, s, m, ref.hessian);
                if (!f || fclose(f) != 0 || rename(tmp, path) != 0) {
                    snprintf(err, errlen, "cannot write %s", path);
                    remove(tmp);
                    status = -1;
                }
            }
        }
        reference_free(&ref);
        free(theta);
        model_destroy(m);
        if (status != 0)
            return -1;
    }
    return 0;
}
