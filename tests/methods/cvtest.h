/* cvtest — helpers shared by the CVODES backend tests: run a backend by name on a model and
 * compare its gradient with a reference.  Header-only; each test includes it once. */
#ifndef ODEGRAD_TESTS_CVTEST_H
#define ODEGRAD_TESTS_CVTEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods/method.h"

static int cvtest_failures;

#define CVTEST_CHECK(cond, ...)                                                             \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            cvtest_failures++;                                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                            \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fprintf(stderr, "\n");                                                          \
        }                                                                                   \
    } while (0)

static inline model *cvtest_model(const char *name)
{
    char err[256];
    model *m = model_create(name, err, sizeof err);
    if (!m) {
        fprintf(stderr, "cannot create model %s: %s\n", name, err);
        exit(1);
    }
    return m;
}

/* options: tolerances (0: model default), then "key=value" pairs, NULL-terminated */
static inline method_status cvtest_run(const char *backend, const model *m, const double *theta,
                                double rtol, double atol, const char *solver,
                                const char *const *kv, method_result *r)
{
    method_options o;
    method_options_init(&o);
    o.rtol = rtol;
    o.atol = atol;
    o.solver = solver;
    static char keys[METHOD_MAX_KV][64];
    for (int i = 0; kv && kv[i] && i < METHOD_MAX_KV; i++) {
        snprintf(keys[i], sizeof keys[i], "%s", kv[i]);
        char *eq = strchr(keys[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        o.key[o.nkv] = keys[i];
        o.value[o.nkv] = eq + 1;
        o.nkv++;
    }
    const method_type *type = method_find(backend);
    if (!type) {
        fprintf(stderr, "backend %s is not registered\n", backend);
        exit(1);
    }
    return method_run(type, m, theta, &o, r);
}

static inline method_status cvtest_run_opts(const char *backend, const model *m, const double *theta,
                                     const method_options *o, method_result *r)
{
    const method_type *type = method_find(backend);
    if (!type) {
        fprintf(stderr, "backend %s is not registered\n", backend);
        exit(1);
    }
    return method_run(type, m, theta, o, r);
}

/* largest component-wise relative error max_i |g_i − ref_i| / |ref_i| */
static inline double cvtest_relerr(const double *g, const double *ref, int n)
{
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double e = fabs(g[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300);
        if (e > worst)
            worst = e;
    }
    return worst;
}

static inline const char *cvtest_extra_name(const method_result *r, const char *name, double *value)
{
    for (int i = 0; i < r->nextra; i++)
        if (strcmp(r->extra[i].name, name) == 0) {
            *value = r->extra[i].value;
            return r->extra[i].name;
        }
    return NULL;
}

static inline double cvtest_extra(const method_result *r, const char *name)
{
    double v = NAN;
    if (!cvtest_extra_name(r, name, &v))
        fprintf(stderr, "note: extra %s not reported\n", name);
    return v;
}

static inline int cvtest_done(const char *what)
{
    if (cvtest_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", what, cvtest_failures);
        return 1;
    }
    printf("%s: all checks passed\n", what);
    return 0;
}

#endif
