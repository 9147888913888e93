/* progress — a one-line progress bar for sweeps. */
#include "progress.h"

#include <unistd.h>
#include "stats.h"

enum { PROGRESS_WIDTH = 30 };   /* characters of the bar */

void progress_init(progress *p, FILE *f, int total, int done_at_start)
{
    p->f = f;
    p->shown = isatty(fileno(f));
    p->total = total;
    p->done = p->done_at_start = done_at_start;
    p->start = stats_now();
}

static void clock_text(char *out, size_t len, double seconds)
{
    long s = (long)(seconds + 0.5);
    snprintf(out, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

void progress_step(progress *p, const char *label)
{
    p->done++;
    if (!p->shown || p->total <= 0)
        return;
    double elapsed = stats_now() - p->start;
    int run = p->done - p->done_at_start;
    char bar[PROGRESS_WIDTH + 1], spent[32], left[32] = "?";
    int filled = (int)((long)PROGRESS_WIDTH * p->done / p->total);
    for (int i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_WIDTH] = '\0';
    clock_text(spent, sizeof spent, elapsed);
    if (run > 0)
        clock_text(left, sizeof left, elapsed / run * (p->total - p->done));
    fprintf(p->f, "\r\033[K[%s] %d/%d cases  elapsed %s  left ~%s  %.40s", bar, p->done,
            p->total, spent, left, label);
    fflush(p->f);
}

void progress_finish(progress *p)
{
    if (p->shown && p->done > p->done_at_start) {
        fputc('\n', p->f);
        fflush(p->f);
    }
}
