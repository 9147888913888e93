/* The study file (bench/store.c) and its summary (bench/summary.c): CSV quoting round-trips,
 * an interrupted tail is dropped on opening, finished cases are known, statistics over
 * repeats are those of the successful repeats only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store.h"
#include "summary.h"
#include "check.h"


static void test_split(void)
{
    char line[] = "a,\"b,c\",\"say \"\"hi\"\"\",,last";
    char *f[8];
    int n = store_split_csv(line, f, 8);
    CHECK(n == 5, "5 fields, got %d", n);
    if (n == 5)
        CHECK(strcmp(f[0], "a") == 0 && strcmp(f[1], "b,c") == 0 && strcmp(f[2], "say \"hi\"") == 0 &&
              strcmp(f[3], "") == 0 && strcmp(f[4], "last") == 0, "field values");
    char open_quote[] = "a,\"never closed";
    CHECK(store_split_csv(open_quote, f, 8) == -1, "an open quote is malformed");
    char too_many[] = "1,2,3";
    CHECK(store_split_csv(too_many, f, 2) == -1, "more fields than allowed");
}

static void add(metric_list *l, const char *name, double v)
{
    metrics_add(l, name, v, "1");
}

static void test_store_and_summary(const char *dir)
{
    char err[512], path[1024];
    study_store *st = store_open(dir, "unit", 0, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    if (!st)
        return;
    /* three repeats of one case: two succeed, one fails with a reason holding a comma */
    for (int r = 1; r <= 3; r++) {
        metric_list l = { 0, 0, NULL };
        add(&l, "wall_seconds", r == 3 ? 100.0 : r);
        add(&l, "grad_rel_err", 1e-8 * r);
        CHECK(store_append_case(st, "freefall", "fd", "rtol=1e-8 scheme=central", r, r == 2 ? NULL : &l,
                                r == 2 ? 1 : 0, r == 2 ? "failed: at t = 1, CV_TOO_MUCH_WORK" : "ok",
                                err, sizeof err) == 0, "append: %s", err);
        metrics_free(&l);
    }
    CHECK(store_is_done(st, "freefall", "fd", "rtol=1e-8 scheme=central", 2), "repeat 2 done");
    CHECK(!store_is_done(st, "freefall", "fd", "rtol=1e-8 scheme=central", 4), "repeat 4 not done");
    CHECK(!store_is_done(st, "freefall", "fd", "rtol=1e-8", 1), "options are part of the key");
    store_close(st);

    /* a kill in the middle of the next case: rows without a status row and a cut line */
    snprintf(path, sizeof path, "%s/unit.csv", dir);
    FILE *f = fopen(path, "a");
    fprintf(f, "unit,freefall,fd,rtol=1e-8 scheme=central,4,wall_seconds,5,s\nunit,freefall,fd,rtol=1e-");
    fclose(f);
    st = store_open(dir, "unit", 0, err, sizeof err);
    CHECK(st && store_dropped(st) > 0 && store_ncases_done(st) == 3, "tail dropped, 3 cases kept");
    store_close(st);

    study_summary s;
    CHECK(summary_build(&s, path, err, sizeof err) == 0, "summary: %s", err);
    CHECK(s.n == 1 && s.groups[0].runs == 3 && s.groups[0].ok == 2, "one case, 3 runs, 2 ok");
    if (s.n == 1) {
        const summary_group *g = &s.groups[0];
        /* repeats 1 and 3 succeeded: times 1 and 100 */
        CHECK(summary_min(g, "wall_seconds") == 1 && summary_max(g, "wall_seconds") == 100 &&
              summary_median(g, "wall_seconds") == 50.5, "time statistics over the ok repeats");
        CHECK(summary_max(g, "grad_rel_err") == 1e-8 * 3, "worst error %g", summary_max(g, "grad_rel_err"));
        CHECK(isnan(summary_max(g, "not_measured")), "absent metric");
        CHECK(g->note && strcmp(g->note, "failed: at t = 1, CV_TOO_MUCH_WORK") == 0, "failure reason kept: %s",
              g->note ? g->note : "(none)");
    }
    summary_free(&s);

    /* a file that is not a study is refused, not overwritten */
    snprintf(path, sizeof path, "%s/other.csv", dir);
    f = fopen(path, "w");
    fprintf(f, "x,y\n1,2\n");
    fclose(f);
    CHECK(store_open(dir, "other", 0, err, sizeof err) == NULL && strstr(err, "not an odegrad study file"),
          "foreign file: %s", err);
    /* two sweeps of one study cannot write at once */
    study_store *a = store_open(dir, "unit", 0, err, sizeof err);
    study_store *b = store_open(dir, "unit", 0, err, sizeof err);
    CHECK(a && !b && strstr(err, "in use by another odegrad bench"), "lock: %s", err);
    store_close(a);
    store_close(b);
}

int main(void)
{
    char dir[] = "/tmp/odegrad-store-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL: mkdtemp\n");
        return 1;
    }
    test_split();
    test_store_and_summary(dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
    return check_finish("test_store");
}
