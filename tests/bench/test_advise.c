/* The verdict of `odegrad advise` (bench/advise.c) on synthetic studies whose answer is known
 * by construction: a faster backend whose error is above the target must not win; backends
 * within the timing noise of the fastest are tied and the one holding fewer bytes wins; a
 * refused or timed-out backend is reported with its reason; when no backend meets the target
 * the most accurate is named and marked so; when nothing ran there is no winner. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "advise.h"
#include "store.h"
#include "summary.h"
#include "check.h"

static char dir[] = "/tmp/odegrad-advise-test.XXXXXX";

/* A study with one case per line of rows: "backend status unit seconds bytes error bound". */
typedef struct {
    const char *backend;
    int status;
    const char *status_text;
    double seconds, bytes, error;
    int bound;
} fake_case;

static int build(study_summary *s, const fake_case *c, int n, const char *name)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", STORE_HEADER);
    for (int i = 0; i < n; i++) {
        const char *k = c[i].backend;
        if (c[i].status == 0) {
            fprintf(f, "%s,m,%s,,1,wall_seconds,%.17g,s\n", name, k, c[i].seconds);
            fprintf(f, "%s,m,%s,,1,peak_bytes,%.17g,bytes\n", name, k, c[i].bytes);
            if (!isnan(c[i].error)) {
                fprintf(f, "%s,m,%s,,1,grad_rel_err,%.17g,%s\n", name, k, c[i].error,
                        c[i].bound ? "bound" : "1");
                fprintf(f, "%s,m,%s,,1,grad_err_bound,%d,1\n", name, k, c[i].bound);
            }
        }
        fprintf(f, "%s,m,%s,,1,status,%d,%s\n", name, k, c[i].status, c[i].status_text);
    }
    fclose(f);
    int rc = summary_build(s, path, err, sizeof err);
    CHECK(rc == 0, "summary of %s: %s", name, err);
    return rc;
}

static const advise_entry *entry(const advise_ranking *r, const char *backend)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->entries[i].group->backend, backend) == 0)
            return &r->entries[i];
    return NULL;
}

static void test_rule(void)
{
    const fake_case c[] = {
        { "fastbad", 0, "ok", 0.001, 100, 1e-3, 0 },     /* fastest, but error above target */
        { "good", 0, "ok", 0.0100, 1000, 1e-8, 0 },
        { "lean", 0, "ok", 0.0105, 500, 1e-9, 0 },       /* within 10 %, fewer bytes */
        { "slow", 0, "ok", 0.042, 200, 1e-7, 1 },        /* error a bound below the reference */
        { "refusing", 1, "refused: model has time breakpoints", NAN, NAN, NAN, 0 },
        { "late", 2, "timeout: killed after 20 s", NAN, NAN, NAN, 0 },
    };
    study_summary s;
    if (build(&s, c, 6, "rule") != 0)
        return;
    advise_ranking r;
    CHECK(advise_rank(&s, "grad_rel_err", 1e-6, 0, &r) == 0, "rank");
    CHECK(r.outcome == ADVISE_RECOMMENDED, "outcome %d", r.outcome);
    CHECK(r.n == 6, "6 entries, got %d", r.n);
    CHECK(r.entries[0].verdict == ADVISE_WINNER && strcmp(r.entries[0].group->backend, "lean") == 0,
          "lean wins (tie on time, fewer bytes), got %s", r.entries[0].group->backend);
    const advise_entry *e;
    char why[512];
    advise_reason(&r, &r.entries[0], why, sizeof why);
    CHECK(strstr(why, "the fewest bytes") != NULL, "lean won on memory: %s", why);
    CHECK((e = entry(&r, "fastbad")) && e->verdict == ADVISE_INACCURATE, "fastbad is too inaccurate");
    if (e) {
        advise_reason(&r, e, why, sizeof why);
        CHECK(strstr(why, "above the target") != NULL, "fastbad's reason: %s", why);
    }
    CHECK((e = entry(&r, "good")) && e->verdict == ADVISE_MORE_MEMORY, "good: as fast, more memory");
    CHECK((e = entry(&r, "slow")) && e->verdict == ADVISE_SLOWER && fabs(e->factor - 0.042 / 0.0105) < 1e-12 &&
              e->error_bound, "slow: slower by 4x, its error a bound");
    if (e) {
        advise_reason(&r, e, why, sizeof why);
        CHECK(strcmp(why, "slower by 4x") == 0, "slow's reason: %s", why);
    }
    CHECK((e = entry(&r, "refusing")) && e->verdict == ADVISE_FAILED, "refusing failed");
    if (e) {
        advise_reason(&r, e, why, sizeof why);
        CHECK(strcmp(why, "refused: model has time breakpoints") == 0, "refusing's reason: %s", why);
    }
    CHECK((e = entry(&r, "late")) && e->verdict == ADVISE_TIMED_OUT, "late timed out");
    if (e) {
        advise_reason(&r, e, why, sizeof why);
        CHECK(strcmp(why, "out of the time limit (killed after 20 s)") == 0, "late's reason: %s", why);
    }
    /* a looser target lets the fastest win */
    advise_free(&r);
    CHECK(advise_rank(&s, "grad_rel_err", 1e-2, 0, &r) == 0, "rank");
    CHECK(r.n > 0 && strcmp(r.entries[0].group->backend, "fastbad") == 0, "target 1e-2: fastbad wins");
    advise_free(&r);
    /* a resolution above every error: all bounds, all qualify */
    CHECK(advise_rank(&s, "grad_rel_err", 1e-2, 1e-2, &r) == 0, "rank");
    CHECK((e = entry(&r, "good")) && e->error_bound && e->error == 1e-2, "resolution makes a bound");
    advise_free(&r);
    summary_free(&s);
}

static void test_none_accurate(void)
{
    const fake_case c[] = {
        { "a", 0, "ok", 0.001, 100, 1e-3, 0 },
        { "b", 0, "ok", 0.002, 100, 1e-5, 0 },     /* the most accurate */
        { "c", 1, "failed: CV_TOO_MUCH_WORK", NAN, NAN, NAN, 0 },
    };
    study_summary s;
    if (build(&s, c, 3, "none") != 0)
        return;
    advise_ranking r;
    CHECK(advise_rank(&s, "grad_rel_err", 1e-8, 0, &r) == 0, "rank");
    CHECK(r.outcome == ADVISE_NONE_ACCURATE, "none meets the target: outcome %d", r.outcome);
    CHECK(r.n == 3 && strcmp(r.entries[0].group->backend, "b") == 0 &&
              r.entries[0].verdict == ADVISE_WINNER, "the most accurate is named");
    char why[512];
    advise_reason(&r, &r.entries[0], why, sizeof why);
    CHECK(strstr(why, "above the target") != NULL, "it is marked: %s", why);
    advise_free(&r);
    summary_free(&s);
}

static void test_nothing_ran(void)
{
    const fake_case c[] = {
        { "a", 1, "failed: solver", NAN, NAN, NAN, 0 },
        { "b", 2, "timeout: killed after 1 s", NAN, NAN, NAN, 0 },
    };
    study_summary s;
    if (build(&s, c, 2, "nothing") != 0)
        return;
    advise_ranking r;
    CHECK(advise_rank(&s, "grad_rel_err", 1e-6, 0, &r) == 0, "rank");
    CHECK(r.outcome == ADVISE_NOTHING_RAN, "nothing ran: outcome %d", r.outcome);
    for (int i = 0; i < r.n; i++)
        CHECK(r.entries[i].verdict != ADVISE_WINNER, "no winner");
    advise_free(&r);
    summary_free(&s);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_rule();
    test_none_accurate();
    test_nothing_ran();
    const char *names[] = { "rule", "none", "nothing" };
    char path[512];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
    return check_finish("bench/test_advise");
}
