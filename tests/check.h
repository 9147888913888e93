/* check — the failure counter and CHECK macro of the tests that include it: a failed check
 * prints where and why and the test goes on, so one run reports every failure; main ends
 * with `return check_finish("name");`.  Header-only; include it once per test. */
#ifndef ODEGRAD_TESTS_CHECK_H
#define ODEGRAD_TESTS_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            check_failures++;                                                               \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                            \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
        }                                                                                   \
    } while (0)

static inline int check_finish(const char *test)
{
    if (check_failures)
        fprintf(stderr, "%s: %d failure(s)\n", test, check_failures);
    else
        printf("%s: all checks passed\n", test);
    return check_failures != 0;
}

#endif
