/* profile_output — the files and printed intervals of `odegrad profile` (see
 * profile_output.h). */
#include "profile_output.h"
#include "tmpwrite.h"

#include <math.h>
#include <string.h>

static double estimate(const profile_result *r) { return r->estimate; }

int profile_output_write(const char *dir, const char *study, const model *m,
                         const char *hessian, const double *theta_hat, double L_hat,
                         const profile_entry *entries, int n, char *err, size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s--%s.profile.tsv", dir, study, m->name);
    FILE *f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen);
    if (!f)
        return -1;
    for (int e = 0; e < n; e++) {
        const profile_result *r = entries[e].result;
        const char *name = m->params[r->index].name, *kind = profile_kind_name(entries[e].kind);
        fprintf(f, "%st\t%s\tvalue\tkind\n", e ? "\n\n" : "", name);
        for (int k = 0; k < r->n; k++)
            fprintf(f, "%.17g\t%s\t%.17g\t%s\n", r->t[k], name, r->value[k], kind);
    }
    if (tmpwrite_commit(f, tmp, path, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s--%s.ci.tsv", dir, study, m->name);
    if (!(f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen)))
        return -1;
    fprintf(f, "parameter\tkind\thessian\testimate\tci_lower\tci_upper\tlower_closed\t"
               "upper_closed\tpoints\tevals_loss\tevals_gradient\tevals_hessian\tcpu_seconds\n");
    for (int e = 0; e < n; e++) {
        const profile_result *r = entries[e].result;
        fprintf(f, "%s\t%s\t%s\t%.17g\t%.17g\t%.17g\t%d\t%d\t%d\t%ld\t%ld\t%ld\t%.6g\n",
                m->params[r->index].name, profile_kind_name(entries[e].kind), hessian,
                estimate(r), r->ci[0], r->ci[1], r->closed[0], r->closed[1], r->n, r->n_loss,
                r->n_gradient, r->n_hessian, r->cpu_seconds);
    }
    if (tmpwrite_commit(f, tmp, path, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s--%s.optimum.tsv", dir, study, m->name);
    if (!(f = tmpwrite_open(path, tmp, sizeof tmp, err, errlen)))
        return -1;
    fprintf(f, "parameter\tvalue\n");
    for (int i = 0; i < m->np; i++)
        fprintf(f, "%s\t%.17g\n", m->params[i].name, theta_hat[i]);
    fprintf(f, "objective\t%.17g\n", L_hat);
    return tmpwrite_commit(f, tmp, path, err, errlen);
}

static void print_csv(FILE *out, const model *m, const char *hessian, const profile_entry *e,
                      int n)
{
    fprintf(out, "model,parameter,kind,hessian,estimate,ci_lower,ci_upper,lower_closed,"
                 "upper_closed,points,evals_loss,evals_hessian,cpu_seconds\n");
    for (int k = 0; k < n; k++) {
        const profile_result *r = e[k].result;
        format_csv_field(out, m->name);
        fputc(',', out);
        format_csv_field(out, m->params[r->index].name);
        fprintf(out, ",%s,", profile_kind_name(e[k].kind));
        format_csv_field(out, hessian);
        const double v[] = { estimate(r), r->ci[0], r->ci[1] };
        for (size_t j = 0; j < 3; j++) {
            fputc(',', out);
            format_number(out, v[j]);
        }
        fprintf(out, ",%d,%d,%d,%ld,%ld,", r->closed[0], r->closed[1], r->n, r->n_loss,
                r->n_hessian);
        format_number(out, r->cpu_seconds);
        fputc('\n', out);
    }
}

static void print_json(FILE *out, const model *m, const char *hessian, const double *theta_hat,
                       double L_hat, const profile_entry *e, int n)
{
    fputs("{\"model\": ", out);
    format_json_string(out, m->name);
    fputs(", \"hessian\": ", out);
    format_json_string(out, hessian);
    fputs(", \"objective\": ", out);
    format_json_number(out, L_hat);
    fputs(", \"theta\": {", out);
    for (int i = 0; i < m->np; i++) {
        fputs(i ? ", " : "", out);
        format_json_string(out, m->params[i].name);
        fputs(": ", out);
        format_json_number(out, theta_hat[i]);
    }
    fputs("},\n \"profiles\": [", out);
    for (int k = 0; k < n; k++) {
        const profile_result *r = e[k].result;
        fputs(k ? ",\n  {" : "\n  {", out);
        fputs("\"parameter\": ", out);
        format_json_string(out, m->params[r->index].name);
        fprintf(out, ", \"kind\": \"%s\", \"ci_lower\": ", profile_kind_name(e[k].kind));
        format_json_number(out, r->ci[0]);
        fputs(", \"ci_upper\": ", out);
        format_json_number(out, r->ci[1]);
        fprintf(out, ", \"lower_closed\": %s, \"upper_closed\": %s, \"points\": %d, "
                     "\"evals_loss\": %ld, \"evals_hessian\": %ld, \"cpu_seconds\": ",
                r->closed[0] ? "true" : "false", r->closed[1] ? "true" : "false", r->n, r->n_loss,
                r->n_hessian);
        format_json_number(out, r->cpu_seconds);
        fputs("}", out);
    }
    fputs("\n]}\n", out);
}

void profile_output_print(FILE *out, out_format fmt, const model *m, const char *hessian,
                          const double *theta_hat, double L_hat, const profile_entry *entries,
                          int n)
{
    if (fmt == FORMAT_CSV) {
        print_csv(out, m, hessian, entries, n);
        return;
    }
    if (fmt == FORMAT_JSON) {
        print_json(out, m, hessian, theta_hat, L_hat, entries, n);
        return;
    }
    fprintf(out, "%s: profile likelihoods through the optimum (objective %.10g), Hessian %s\n",
            m->name, L_hat, hessian);
    fprintf(out, "95%% intervals from PL - L_hat <= %.6g ('>' or '<': the interval reaches the "
            "bound)\n", PROFILE_THRESHOLD_95);
    fprintf(out, "  %-16s %-12s %14s %16s %16s %7s %8s %8s %10s\n", "parameter", "kind",
            "estimate", "lower", "upper", "points", "losses", "hessians", "cpu");
    for (int k = 0; k < n; k++) {
        const profile_result *r = entries[k].result;
        char lo[40], hi[40], t[32];
        snprintf(lo, sizeof lo, "%s%.10g", r->closed[0] ? "" : "<", r->ci[0]);
        snprintf(hi, sizeof hi, "%s%.10g", r->closed[1] ? "" : ">", r->ci[1]);
        format_seconds(t, sizeof t, r->cpu_seconds);
        fprintf(out, "  %-16s %-12s %14.8g %16s %16s %7d %8ld %8ld %10s\n",
                m->params[r->index].name, profile_kind_name(entries[k].kind),
                theta_hat[r->index], lo, hi, r->n, r->n_loss, r->n_hessian, t);
    }
}
