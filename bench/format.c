/* format — table, CSV and JSON output of a run. */
#include "format.h"

#include <math.h>
#include <string.h>

int format_parse(const char *name, out_format *fmt)
{
    static const char *const names[] = { "table", "csv", "json" };
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *fmt = (out_format)i;
            return 0;
        }
    return -1;
}

void format_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.17g", v);
}

void format_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void format_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void format_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void format_bytes(char *out, size_t outlen, double bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(out, outlen, u ? "%.3g %s" : "%.0f %s", bytes, units[u]);
}

void format_seconds(char *out, size_t outlen, double seconds)
{
    if (seconds < 1e-3)
        snprintf(out, outlen, "%.3g us", seconds * 1e6);
    else if (seconds < 1)
        snprintf(out, outlen, "%.3g ms", seconds * 1e3);
    else
        snprintf(out, outlen, "%.3g s", seconds);
}

/* ---- CSV: one measurement per row ------------------------------------------------ */

void format_csv_measurement(FILE *f, const char *const *keys, int nkeys, const char *metric,
                            double value, const char *unit)
{
    for (int k = 0; k < nkeys; k++) {
        format_csv_field(f, keys[k]);
        fputc(',', f);
    }
    format_csv_field(f, metric);
    fputc(',', f);
    format_number(f, value);
    fputc(',', f);
    format_csv_field(f, unit);
    fputc('\n', f);
}

static void report_csv(FILE *f, const run_report *rep)
{
    const char *const keys[] = { rep->m->name, rep->backend, rep->options };
    fputs("model,backend,options,metric,value,unit\n", f);
    for (int i = 0; i < rep->metrics->n; i++)
        format_csv_measurement(f, keys, 3, rep->metrics->rows[i].name, rep->metrics->rows[i].value,
                               rep->metrics->rows[i].unit);
}

/* ---- JSON: the same, plus the vectors as arrays ----------------------------------- */

static void json_array(FILE *f, const double *v, int n)
{
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        format_json_number(f, v[i]);
    }
    fputc(']', f);
}

static void report_json(FILE *f, const run_report *rep)
{
    const model *m = rep->m;
    const method_result *r = rep->r;
    fputs("{\n  \"model\": ", f);
    format_json_string(f, m->name);
    fputs(",\n  \"backend\": ", f);
    format_json_string(f, rep->backend);
    fputs(",\n  \"options\": ", f);
    format_json_string(f, rep->options);
    fputs(",\n  \"parameters\": [", f);
    for (int i = 0; i < m->np; i++) {
        if (i)
            fputs(", ", f);
        format_json_string(f, m->params[i].name);
    }
    fputs("],\n  \"theta\": ", f);
    json_array(f, rep->theta, m->np);
    fputs(",\n  \"loss\": ", f);
    format_json_number(f, r->loss);
    fputs(",\n  \"gradient\": ", f);
    json_array(f, r->gradient, m->np);
    if (r->hessian) {
        fputs(",\n  \"hessian\": [", f);
        for (int i = 0; i < m->np; i++) {
            fputs(i ? ", " : "", f);
            json_array(f, r->hessian + (size_t)i * (size_t)m->np, m->np);
        }
        fputc(']', f);
    }
    if (r->hvp) {
        fputs(",\n  \"hvp\": ", f);
        json_array(f, r->hvp, m->np);
    }
    if (rep->prior) {
        const run_prior *P = rep->prior;
        fputs(",\n  \"prior\": {\"value\": ", f);
        format_json_number(f, P->value);
        fputs(", \"objective\": ", f);
        format_json_number(f, r->loss + P->value);
        fputs(", \"gradient\": ", f);
        json_array(f, P->gradient, m->np);
        if (P->hessian) {
            fputs(", \"hessian_diagonal\": [", f);
            for (int i = 0; i < m->np; i++) {
                fputs(i ? ", " : "", f);
                format_json_number(f, P->hessian[(size_t)i * (size_t)m->np + (size_t)i]);
            }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fputs(",\n  \"reference\": {\"source\": ", f);
    format_json_string(f, rep->ref ? rep->ref->source : "none");
    fputs(", \"gradient\": ", f);
    json_array(f, rep->ref && rep->ref->have ? rep->ref->gradient : NULL, m->np);
    if (r->hessian || r->hvp) {   /* null: there is no Hessian reference */
        fputs(", \"hessian\": ", f);
        json_array(f, rep->ref ? rep->ref->hessian : NULL,
                   rep->ref && rep->ref->hessian ? m->np * m->np : 0);
    }
    fputs("},\n  \"metrics\": [", f);
    for (int i = 0; i < rep->metrics->n; i++) {
        const metric_row *row = &rep->metrics->rows[i];
        fputs(i ? ",\n    " : "\n    ", f);
        fputs("{\"metric\": ", f);
        format_json_string(f, row->name);
        fputs(", \"value\": ", f);
        format_json_number(f, row->value);
        fputs(", \"unit\": ", f);
        format_json_string(f, row->unit);
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
}

/* ---- table: for people ----------------------------------------------------------- */

/* v[i·stride], i < np, beside the reference */
static void table_strided(FILE *f, const char *title, const model *m, const double *v,
                          size_t stride, const double *ref)
{
    fprintf(f, "\n%-20s %24s", "parameter", title);
    if (ref)
        fprintf(f, " %24s %10s", "reference", "rel. error");
    fputc('\n', f);
    for (int i = 0; i < m->np; i++) {
        const double vi = v[(size_t)i * stride];
        fprintf(f, "%-20s %24.15g", m->params[i].name, vi);
        if (ref) {
            double e = fabs(vi - ref[i]) / (ref[i] != 0 ? fabs(ref[i]) : 1.0);
            fprintf(f, " %24.15g %10.2e", ref[i], e);
        }
        fputc('\n', f);
    }
}

static void table_vector(FILE *f, const char *title, const model *m, const double *v,
                         const double *ref)
{
    table_strided(f, title, m, v, 1, ref);
}

static void table_counts(FILE *f, const char *label, const char *pass, const eval_counts *c)
{
    fprintf(f, "%-20s %-8s rhs %ld  jvp %ld  vjp %ld  jac %ld  second %ld\n", label, pass,
            c->rhs, c->jvp, c->vjp, c->jac, c->second);
}

static void report_table(FILE *f, const run_report *rep)
{
    const model *m = rep->m;
    const method_result *r = rep->r;
    const reference *ref = rep->ref && rep->ref->have ? rep->ref : NULL;
    char text[64], more[64];
    fprintf(f, "%-20s %s (%d parameter%s)\n", "model", m->name, m->np, m->np == 1 ? "" : "s");
    fprintf(f, "%-20s %s\n", "backend", rep->backend);
    fprintf(f, "%-20s %s\n", "options", rep->options[0] ? rep->options : "defaults");
    if (rep->prior) {
        fprintf(f, "%-20s %.15g (the data term; what the backend computes)\n", "loss",
                r->loss);
        fprintf(f, "%-20s %.15g (objective priors, exact)\n", "prior", rep->prior->value);
        fprintf(f, "%-20s %.15g (loss + prior: what fit minimises)\n", "objective",
                r->loss + rep->prior->value);
    } else {
        fprintf(f, "%-20s %.15g\n", "loss", r->loss);
    }
    if (r->gradient)
        table_vector(f, "gradient", m, r->gradient, ref ? ref->gradient : NULL);
    if (rep->prior)
        table_vector(f, "prior gradient", m, rep->prior->gradient, NULL);
    if (rep->prior && rep->prior->hessian)
        table_strided(f, "prior Hessian (diag.)", m, rep->prior->hessian, (size_t)m->np + 1,
                      NULL);
    if (r->gradient_error)
        table_vector(f, "estimated error", m, r->gradient_error, NULL);
    if (r->hvp)
        table_vector(f, "Hessian-vector", m, r->hvp, NULL);
    if (r->hessian) {
        fprintf(f, "\nHessian (row-major, %d x %d)\n", m->np, m->np);
        for (int i = 0; i < m->np; i++) {
            fprintf(f, "%-20s", m->params[i].name);
            for (int j = 0; j < m->np; j++)
                fprintf(f, " %16.9g", r->hessian[i * m->np + j]);
            fputc('\n', f);
        }
    }
    fputc('\n', f);
    const char *const errors[][2] = {
        { "grad_rel_err", "gradient error" }, { "grad_max_rel_err", "  worst entry" },
        { "hess_rel_err", "Hessian error" }, { "hvp_rel_err", "H*v error" } };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        double e = metrics_get(rep->metrics, errors[i][0]);
        if (isnan(e))
            continue;
        if (i == 0 && metrics_get(rep->metrics, "grad_err_bound") == 1)
            fprintf(f, "%-20s < %.3e (relative; below the reference's accuracy)\n",
                    errors[i][1], e);
        else
            fprintf(f, "%-20s %.3e (relative)\n", errors[i][1], e);
    }
    fprintf(f, "%-20s %s\n", "reference", rep->ref ? rep->ref->source : "none");
    if (r->hessian || r->hvp)
        fprintf(f, "%-20s %s\n", "Hessian reference",
                rep->ref && rep->ref->hessian ? "closed form"
                                              : "none (the model has no closed-form Hessian)");
    format_seconds(text, sizeof text, r->wall_seconds);
    fprintf(f, "%-20s %s\n", "time", text);
    table_counts(f, "evaluations", "forward", &r->fwd);
    table_counts(f, "", "backward", &r->bwd);
    fprintf(f, "%-20s forward %ld  backward %ld\n", "steps", r->steps_fwd, r->steps_bwd);
    fprintf(f, "%-20s %ld\n", "checkpoints", r->checkpoints);
    format_bytes(text, sizeof text, (double)r->peak_bytes);
    fprintf(f, "%-20s %s (%zu bytes held by the backend)\n", "peak bytes", text, r->peak_bytes);
    double rss = metrics_get(rep->metrics, "peak_rss");
    if (!isnan(rss)) {
        format_bytes(more, sizeof more, rss);
        fprintf(f, "%-20s %s (whole process)\n", "peak RSS", more);
    }
    double moved = metrics_get(rep->metrics, "tolerance_check");
    if (!isnan(moved))
        fprintf(f, "%-20s the result moves by %.2g (relative) at rtol and atol / 100\n",
                "tolerance check", moved);
    for (int i = 0; i < r->nextra && i < METHOD_MAX_EXTRA; i++)
        fprintf(f, "%-20s %s = %.6g %s\n", i ? "" : "extras", r->extra[i].name,
                r->extra[i].value, r->extra[i].unit);
}

void format_report(FILE *f, out_format fmt, const run_report *rep)
{
    switch (fmt) {
    case FORMAT_TABLE: report_table(f, rep); break;
    case FORMAT_CSV: report_csv(f, rep); break;
    case FORMAT_JSON: report_json(f, rep); break;
    }
}
