/* progress — a one-line progress bar (or progress lines) for sweeps and fits. */
#include "progress.h"

#include <unistd.h>
#include "stats.h"

enum { PROGRESS_WIDTH = 30 };   /* characters of the bar */

void progress_init(progress *p, FILE *f, int total, int done_at_start)
{
    p->f = f;
    p->shown = isatty(fileno(f));
    p->lines = 0;
    p->total = total;
    p->done = p->done_at_start = done_at_start;
    p->failed = 0;
    p->start = p->last_line = stats_now();
}

void progress_lines(progress *p)
{
    p->lines = 1;
    p->shown = 0;
}

static void clock_text(char *out, size_t len, double seconds)
{
    long s = (long)(seconds + 0.5);
    snprintf(out, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

/* "12/40 cases  1 failed  elapsed 0:01:02  left ~0:03:00" */
static void counts_text(const progress *p, char *out, size_t len)
{
    double elapsed = stats_now() - p->start;
    int run = p->done - p->done_at_start;
    char spent[32], left[32] = "?", failed[32] = "";
    clock_text(spent, sizeof spent, elapsed);
    if (run > 0)
        clock_text(left, sizeof left, elapsed / run * (p->total - p->done));
    if (p->failed)
        snprintf(failed, sizeof failed, "  %d failed", p->failed);
    snprintf(out, len, "%d/%d cases%s  elapsed %s  left ~%s", p->done, p->total, failed, spent,
             left);
}

void progress_step(progress *p, const char *label, int failed)
{
    p->done++;
    p->failed += failed != 0;
    if (p->total <= 0 || !(p->shown || p->lines))
        return;
    char counts[160];
    counts_text(p, counts, sizeof counts);
    if (p->lines) {
        double now = stats_now();
        if (now - p->last_line < PROGRESS_LINE_SECONDS && p->done < p->total)
            return;
        p->last_line = now;
        fprintf(p->f, "progress: %s\n", counts);
        fflush(p->f);
        return;
    }
    char bar[PROGRESS_WIDTH + 1];
    int filled = (int)((long)PROGRESS_WIDTH * p->done / p->total);
    for (int i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_WIDTH] = '\0';
    fprintf(p->f, "\r\033[K[%s] %s  %.40s", bar, counts, label);
    fflush(p->f);
}

void progress_finish(progress *p)
{
    if (p->shown && p->done > p->done_at_start) {
        fputc('\n', p->f);
        fflush(p->f);
    }
}
