/* advise — the tournament's verdict (the rule is stated in advise.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "advise.h"
#include "format.h"

/* The order of the table: the verdict's rank, then the quantity that decided it. */
static int entry_order(const void *pa, const void *pb)
{
    const advise_entry *a = pa, *b = pb;
    if (a->verdict != b->verdict)
        return a->verdict < b->verdict ? -1 : 1;
    double x = a->verdict == ADVISE_INACCURATE ? a->error : a->seconds;
    double y = b->verdict == ADVISE_INACCURATE ? b->error : b->seconds;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

/* The winner among the candidates (entries with verdict `pool`): the fastest, or — among
 * those within ADVISE_TIE of the fastest time — the one holding the fewest bytes.  -1 if
 * the pool is empty. */
static int fastest_of(const advise_ranking *r, advise_verdict pool)
{
    int fastest = -1;
    for (int i = 0; i < r->n; i++)
        if (r->entries[i].verdict == pool &&
            (fastest < 0 || r->entries[i].seconds < r->entries[fastest].seconds))
            fastest = i;
    if (fastest < 0)
        return -1;
    int best = fastest;
    const double limit = r->entries[fastest].seconds * (1 + ADVISE_TIE);
    for (int i = 0; i < r->n; i++) {
        const advise_entry *e = &r->entries[i];
        if (e->verdict == pool && e->seconds <= limit && e->bytes < r->entries[best].bytes)
            best = i;
    }
    return best;
}

int advise_rank(const study_summary *s, const char *error_metric, double target,
                double resolution, advise_ranking *out)
{
    memset(out, 0, sizeof *out);
    out->error_metric = error_metric;
    out->target = target;
    out->entries = calloc((size_t)(s->n > 0 ? s->n : 1), sizeof *out->entries);
    if (!out->entries)
        return -1;
    const int gradient = strcmp(error_metric, "grad_rel_err") == 0;
    for (int i = 0; i < s->n; i++) {
        const summary_group *g = &s->groups[i];
        advise_entry *e = &out->entries[out->n++];
        e->group = g;
        e->seconds = summary_median(g, "wall_seconds");
        e->bytes = summary_max(g, "peak_bytes");
        e->error = summary_max(g, error_metric);
        e->error_bound = gradient && summary_min(g, "grad_err_bound") == 1;
        if (resolution > 0 && e->error < resolution) {
            e->error = resolution;
            e->error_bound = 1;
        }
        if (g->ok == 0 || isnan(e->seconds))
            e->verdict = g->note && strncmp(g->note, "timeout", 7) == 0 ? ADVISE_TIMED_OUT
                                                                        : ADVISE_FAILED;
        else if (isnan(e->error))
            e->verdict = ADVISE_UNCHECKED;
        else if (e->error > target)
            e->verdict = ADVISE_INACCURATE;
        else
            e->verdict = ADVISE_SLOWER;   /* qualified; the winner is picked below */
    }
    int w = fastest_of(out, ADVISE_SLOWER);
    out->outcome = ADVISE_RECOMMENDED;
    if (w < 0) {
        /* nobody meets the target: the most accurate that ran, else the fastest unchecked */
        for (int i = 0; i < out->n; i++)
            if (out->entries[i].verdict == ADVISE_INACCURATE &&
                (w < 0 || out->entries[i].error < out->entries[w].error))
                w = i;
        out->outcome = ADVISE_NONE_ACCURATE;
        if (w < 0) {
            w = fastest_of(out, ADVISE_UNCHECKED);
            out->outcome = w < 0 ? ADVISE_NOTHING_RAN : ADVISE_NO_ERRORS;
        }
    }
    if (w >= 0) {
        const advise_entry *win = &out->entries[w];
        for (int i = 0; out->outcome == ADVISE_RECOMMENDED && i < out->n; i++) {
            advise_entry *e = &out->entries[i];
            if (i == w || e->verdict != ADVISE_SLOWER)
                continue;
            e->factor = e->seconds / win->seconds;
            if (e->seconds <= win->seconds * (1 + ADVISE_TIE))
                e->verdict = ADVISE_MORE_MEMORY;
        }
        out->entries[w].verdict = ADVISE_WINNER;
    }
    qsort(out->entries, (size_t)out->n, sizeof *out->entries, entry_order);
    return 0;
}

void advise_free(advise_ranking *r)
{
    free(r->entries);
    r->entries = NULL;
    r->n = 0;
}

static const advise_entry *winner_of(const advise_ranking *r)
{
    return r->n > 0 && r->entries[0].verdict == ADVISE_WINNER ? &r->entries[0] : NULL;
}

void advise_reason(const advise_ranking *r, const advise_entry *e, char *out, size_t len)
{
    const advise_entry *w = winner_of(r);
    char a[32], b[32];
    switch (e->verdict) {
    case ADVISE_WINNER:
        for (int i = 0; r->outcome == ADVISE_RECOMMENDED && i < r->n; i++)
            if (r->entries[i].verdict == ADVISE_MORE_MEMORY && r->entries[i].seconds < e->seconds) {
                /* it won the tie on memory */
                snprintf(out, len, "recommended: within the target, as fast as the fastest (within "
                         "%.0f%%) and the fewest bytes", 100 * ADVISE_TIE);
                return;
            }
        snprintf(out, len, r->outcome == ADVISE_RECOMMENDED ? "recommended: the fastest within the target"
                           : r->outcome == ADVISE_NONE_ACCURATE ? "the most accurate, but above the target"
                                                                : "the fastest; its error was not measured");
        break;
    case ADVISE_SLOWER:
        snprintf(out, len, e->factor < 10 ? "slower by %.2gx" : "slower by %.0fx", e->factor);
        break;
    case ADVISE_MORE_MEMORY:
        format_bytes(a, sizeof a, e->bytes);
        format_bytes(b, sizeof b, w ? w->bytes : NAN);
        snprintf(out, len, "as fast (within %.0f%%) but holds %s, not %s", 100 * ADVISE_TIE, a, b);
        break;
    case ADVISE_INACCURATE:
        snprintf(out, len, "error %.1e above the target %.1e", e->error, r->target);
        break;
    case ADVISE_UNCHECKED:
        snprintf(out, len, "error not measured (no reference)");
        break;
    case ADVISE_TIMED_OUT:
        snprintf(out, len, "out of the time limit (%s)",
                 e->group->note && strncmp(e->group->note, "timeout: ", 9) == 0 ? e->group->note + 9
                 : e->group->note ? e->group->note : "timeout");
        break;
    case ADVISE_FAILED:
        snprintf(out, len, "%s", e->group->note ? e->group->note : "failed (no reason recorded)");
        break;
    }
}

static void error_cell(char *out, size_t len, const advise_entry *e)
{
    if (isnan(e->error))
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%s%.1e", e->error_bound ? "<" : "", e->error);
}

void advise_print_table(FILE *f, const advise_ranking *r, const char *what)
{
    fprintf(f, "%-11s %10s %11s %9s  %s\n", "backend", "time", "memory", "error", "verdict");
    for (int i = 0; i < r->n; i++) {
        const advise_entry *e = &r->entries[i];
        char t[32] = "-", m[32] = "-", err[32], why[512];
        if (!isnan(e->seconds))
            format_seconds(t, sizeof t, e->seconds);
        if (!isnan(e->bytes))
            format_bytes(m, sizeof m, e->bytes);
        error_cell(err, sizeof err, e);
        advise_reason(r, e, why, sizeof why);
        fprintf(f, "%-11s %10s %11s %9s  %s\n", e->group->backend, t, m, err, why);
    }
    const advise_entry *w = winner_of(r);
    if (!w) {
        fprintf(f, "recommendation for the %s: none — no backend succeeded (reasons above)\n", what);
        return;
    }
    char t[32], m[32], err[32];
    format_seconds(t, sizeof t, w->seconds);
    format_bytes(m, sizeof m, w->bytes);
    error_cell(err, sizeof err, w);
    if (r->outcome == ADVISE_RECOMMENDED)
        fprintf(f, "recommendation for the %s: %s (%s, %s, error %s within the target %.1e)\n", what,
                w->group->backend, t, m, err, r->target);
    else if (r->outcome == ADVISE_NONE_ACCURATE)
        fprintf(f, "recommendation for the %s: none meets the target %.1e; the most accurate is %s "
                "(error %s, %s, %s)\n", what, r->target, w->group->backend, err, t, m);
    else
        fprintf(f, "recommendation for the %s: no error could be measured (no reference); the "
                "fastest that ran is %s (%s, %s), its accuracy unchecked\n", what, w->group->backend,
                t, m);
}

void advise_print_json(FILE *f, const advise_ranking *r)
{
    static const char *const outcomes[] = { "recommended", "none_accurate", "no_errors",
                                            "nothing_ran" };
    const advise_entry *w = winner_of(r);
    fputs("{\"outcome\": ", f);
    format_json_string(f, outcomes[r->outcome]);
    fputs(", \"recommendation\": ", f);
    if (w)
        format_json_string(f, w->group->backend);
    else
        fputs("null", f);
    fputs(", \"error_metric\": ", f);
    format_json_string(f, r->error_metric);
    fputs(", \"target\": ", f);
    format_json_number(f, r->target);
    fputs(", \"backends\": [", f);
    for (int i = 0; i < r->n; i++) {
        const advise_entry *e = &r->entries[i];
        char why[512];
        advise_reason(r, e, why, sizeof why);
        fputs(i ? ",\n  {\"backend\": " : "\n  {\"backend\": ", f);
        format_json_string(f, e->group->backend);
        fputs(", \"seconds\": ", f);
        format_json_number(f, e->seconds);
        fputs(", \"peak_bytes\": ", f);
        format_json_number(f, e->bytes);
        fputs(", \"error\": ", f);
        format_json_number(f, e->error);
        fprintf(f, ", \"error_is_bound\": %s, \"ran\": %s, \"reason\": ", e->error_bound ? "true" : "false",
                e->verdict == ADVISE_TIMED_OUT || e->verdict == ADVISE_FAILED ? "false" : "true");
        format_json_string(f, why);
        fputc('}', f);
    }
    fputs("]}", f);
}
