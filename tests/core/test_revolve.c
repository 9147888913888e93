/* Checkpoint schedules: every schedule is valid (simulated action by action), the binomial
 * one reverses every step exactly once, in order, holds at most s checkpoints and needs
 * exactly p(l, s) forward steps — checked against the closed form p(l, s) of Griewank & Walther (ACM TOMS 2000), against
 * the exhaustive recursion p(l, s) = min_m [m + p(l−m, s−1) + p(m, s)] for all l ≤ 150,
 * s ≤ 7, and against the published examples (l = 1000, s = 10: 3.64·l; l = 10⁴, s = 20:
 * 3.80·l). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "revolve.h"


/* Run a schedule against a model of the machine; returns the advances, or -1 if invalid. */
static long simulate(revolve_kind kind, long l, long s, long *max_held, long *longest)
{
    revolve r;
    if (revolve_init(&r, kind, l, s) != 0)
        return -1;
    char *stored = calloc((size_t)l + 1, 1);
    long live = 0, end = l, held = 0, advances = 0, bad = 0;
    *max_held = 0;
    *longest = 0;
    revolve_action a;
    for (;;) {
        const revolve_op op = revolve_next(&r, &a);
        if (op == REVOLVE_DONE)
            break;
        switch (op) {
        case REVOLVE_STORE:
            bad += a.from != live || stored[a.from];
            stored[a.from] = 1;
            held++;
            if (held > *max_held)
                *max_held = held;
            break;
        case REVOLVE_RESTORE:
            bad += !stored[a.from];
            live = a.from;
            break;
        case REVOLVE_ADVANCE:
            bad += a.from != live || a.to <= a.from || a.to >= end;
            advances += a.to - a.from;
            live = a.to;
            break;
        case REVOLVE_REVERSE:
            /* must start from the live state and end exactly at the reversal front */
            bad += a.from != live || a.to != end || a.to <= a.from;
            if (a.to - a.from > *longest)
                *longest = a.to - a.from;
            end = a.from;
            live = -1;
            break;
        case REVOLVE_FREE:
            bad += !stored[a.from];
            stored[a.from] = 0;
            held--;
            break;
        default:
            bad++;
        }
        if (bad)
            break;
    }
    bad += end != 0 || held != 0 || r.advances != advances;
    free(stored);
    revolve_free(&r);
    return bad ? -1 : advances;
}

#define DP_L 150
#define DP_S 7
static long dp[DP_L + 1][DP_S + 1];

static void exhaustive(void)
{
    for (long l = 1; l <= DP_L; l++)
        for (long s = 0; s <= DP_S; s++) {
            if (l == 1) {
                dp[l][s] = 0;
                continue;
            }
            if (s == 0) {
                dp[l][s] = -1;   /* impossible */
                continue;
            }
            long best = -1;
            for (long m = 1; m < l; m++) {
                if (dp[l - m][s - 1] < 0)
                    continue;
                const long c = m + dp[l - m][s - 1] + dp[m][s];
                if (best < 0 || c < best)
                    best = c;
            }
            dp[l][s] = best;
        }
}

int main(void)
{
    exhaustive();
    long held, longest;
    for (long s = 1; s <= DP_S; s++)
        for (long l = 1; l <= DP_L; l++) {
            const long p = simulate(REVOLVE_BINOMIAL, l, s, &held, &longest);
            CHECK(p == dp[l][s] && p == revolve_min_advances(l, s) && held <= s &&
                      longest == 1,
                  "binomial l=%ld s=%ld: %ld advances (recursion %ld, closed form %ld), %ld "
                  "held",
                  l, s, p, dp[l][s], revolve_min_advances(l, s), held);
        }
    /* the published examples and larger cases against the closed form */
    CHECK(revolve_min_advances(1000, 10) == 3636, "p(1000,10) = %ld",
          revolve_min_advances(1000, 10));
    CHECK(revolve_min_advances(10000, 20) == 37976, "p(1e4,20) = %ld",
          revolve_min_advances(10000, 20));
    const long cases[][2] = {{1000, 10}, {10000, 20}, {5000, 3}, {777, 777}, {1000, 2000},
                             {4096, 12}, {100000, 40}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const long l = cases[k][0], s = cases[k][1];
        const long p = simulate(REVOLVE_BINOMIAL, l, s, &held, &longest);
        printf("binomial l = %6ld, s = %4ld: t = %ld, %8ld advances = %.3f l, %ld held\n", l,
               s, revolve_repetitions(l, s), p, (double)p / l, held);
        CHECK(p == revolve_min_advances(l, s) && held <= s, "binomial l=%ld s=%ld", l, s);
    }
    /* uniform */
    for (long l = 1; l <= 200; l += 7)
        for (long s = 1; s <= 30; s += 3) {
            const long p = simulate(REVOLVE_UNIFORM, l, s, &held, &longest);
            const long k = l <= s ? 1 : (l + s - 1) / s;
            CHECK(p == revolve_uniform_advances(l, s) && held <= s && longest == k,
                  "uniform l=%ld s=%ld: %ld advances, %ld held, segment %ld", l, s, p, held,
                  longest);
        }
    revolve r;
    CHECK(revolve_init(&r, REVOLVE_BINOMIAL, 10, 0) == -1, "zero slots accepted");
    return check_finish("test_revolve");
}
