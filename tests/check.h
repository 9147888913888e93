/* check — what every test shares.
 *
 *  - The failure counter and CHECK: a failed check prints where and why and the test goes
 *    on, so one run reports every failure; main ends with `return check_finish("area/x");`.
 *  - The set-ups most tests start from: a model from the registry by name, and a backend run
 *    through method_run — so that a test's options are validated exactly as a user's are —
 *    with the common options and "key=value" backend options.  A set-up that cannot be made
 *    (unknown model or backend, a malformed option string) is a mistake in the test, not a
 *    finding: it ends the test at once with the reason.
 *  - The relative difference of two values or vectors, and a backend's extra measurement by
 *    name.
 *
 * Header-only; include it once per test.  The area headers (tests/methods/cvtest.h,
 * hesstest.h, ddtest.h, tests/models/modeltest.h) are thin layers on it. */
#ifndef ODEGRAD_TESTS_CHECK_H
#define ODEGRAD_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "method.h"
#include "registry.h"

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

/* Model `name` from the registry (models/registry.h); the caller owns it (model_destroy). */
static inline model *check_model_create(const char *name)
{
    char err[256];
    model *m = model_create(name, err, sizeof err);
    if (!m) {
        fprintf(stderr, "cannot create model %s: %s\n", name, err);
        exit(1);
    }
    return m;
}

/* The common options of a run at tolerances rtol, atol (≤ 0: the model's), the others at
 * method_options_init's defaults. */
static inline method_options check_options(double rtol, double atol)
{
    method_options o;
    method_options_init(&o);
    o.rtol = rtol;
    o.atol = atol;
    return o;
}

/* The longest backend option name a test may give (the keys are copied to NUL-terminate
 * them; the values are used in place). */
#define CHECK_MAX_KEY 64

/* Run backend `backend` on (m, θ) through method_run with the common options of `o` (NULL:
 * method_options_init's defaults) and, after any backend options o already holds, the
 * "key=value" strings of kv (NULL-terminated, or NULL for none).  Returns method_run's
 * status; r holds the result (the caller frees it with method_result_free). */
static inline method_status check_run(const char *backend, const model *m, const double *theta,
                                      const method_options *o, const char *const *kv,
                                      method_result *r)
{
    const method_type *type = method_find(backend);
    if (!type) {
        fprintf(stderr, "backend %s is not registered\n", backend);
        exit(1);
    }
    method_options opts;
    if (o)
        opts = *o;
    else
        method_options_init(&opts);
    char keys[METHOD_MAX_KV][CHECK_MAX_KEY];
    for (int i = 0; kv && kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        if (!eq || eq - kv[i] >= CHECK_MAX_KEY || opts.nkv >= METHOD_MAX_KV) {
            fprintf(stderr, "backend option '%s' is not key=value (key under %d characters, "
                    "at most %d options)\n", kv[i], CHECK_MAX_KEY, METHOD_MAX_KV);
            exit(1);
        }
        snprintf(keys[opts.nkv], sizeof keys[opts.nkv], "%.*s", (int)(eq - kv[i]), kv[i]);
        opts.key[opts.nkv] = keys[opts.nkv];
        opts.value[opts.nkv] = eq + 1;
        opts.nkv++;
    }
    return method_run(type, m, theta, &opts, r);
}

/* |a − b| / max(|a|, |b|) (0 when both are 0): how far apart two values are, neither taken
 * as the reference */
static inline double check_rel_diff(double a, double b)
{
    const double s = fmax(fabs(a), fabs(b));
    return s > 0.0 ? fabs(a - b) / s : 0.0;
}

/* max_i |a_i − b_i| / max_i max(|a_i|, |b_i|): the same for two vectors, in the max norm */
static inline double check_rel_diff_vec(const double *a, const double *b, int n)
{
    double d = 0.0, s = 0.0;
    for (int i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fmax(fabs(a[i]), fabs(b[i])));
    }
    return s > 0.0 ? d / s : d;
}

/* The extra measurement `name` of a run (method_extra_add), or NaN — with a note, so that a
 * check on it says why it failed — when the backend did not report it. */
static inline double check_extra(const method_result *r, const char *name)
{
    for (int i = 0; i < r->nextra; i++)
        if (strcmp(r->extra[i].name, name) == 0)
            return r->extra[i].value;
    fprintf(stderr, "note: extra %s not reported\n", name);
    return NAN;
}

#endif
