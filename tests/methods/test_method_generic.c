/* The generic backend layer (methods/method.c): validation before a run, option access,
 * defaults, timing, result checks — with test backends that record what they were given —
 * and the registry's own tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "method.h"
#include "check.h"
#include "registry.h"


/* ---- a test backend: returns θ as the gradient, counts its calls ---------------- */

static int calls;
static double seen_rtol, seen_step;
static long seen_order;
static const char *seen_scheme;
static const method_type test_type;

static const method_opt_spec test_options[] = {
    { "step", OPT_DOUBLE, "1e-3", NULL, 0.0, 1.0, "a number in [0, 1]" },
    { "order", OPT_INT, "2", NULL, 1, 8, "a whole number in [1, 8]" },
    { "scheme", OPT_CHOICE, "central", "central|forward", 0, 0, "a choice" },
    { "flag", OPT_BOOL, "off", NULL, 0, 1, "on or off" },
    { NULL, 0, NULL, NULL, 0, 0, NULL }
};

static method_status test_run(const model *m, const double *theta, const method_options *o,
                              method_result *r)
{
    calls++;
    seen_rtol = method_rtol(o, m);
    seen_step = method_opt_double(&test_type, o, "step");
    seen_order = method_opt_int(&test_type, o, "order");
    seen_scheme = method_opt_choice(&test_type, o, "scheme");
    r->loss = 1.0;
    r->gradient = malloc((size_t)m->np * sizeof *r->gradient);
    memcpy(r->gradient, theta, (size_t)m->np * sizeof *theta);
    return METHOD_OK;
}

static const method_type test_type = { "test", "test backend", CAP_GRADIENT, test_options,
                                       test_run };

/* a backend that claims success with a NaN gradient, and one that fails without a message */
static method_status nan_run(const model *m, const double *theta, const method_options *o,
                             method_result *r)
{
    (void)theta;
    (void)o;
    r->loss = 0;
    r->gradient = calloc((size_t)m->np, sizeof *r->gradient);
    r->gradient[1] = NAN;
    return METHOD_OK;
}
static const method_type nan_type = { "nan", "returns NaN", CAP_GRADIENT, NULL, nan_run };

static method_status silent_run(const model *m, const double *theta, const method_options *o,
                                method_result *r)
{
    (void)m; (void)theta; (void)o; (void)r;
    return METHOD_ESOLVER;
}
static const method_type silent_type = { "silent", "fails silently", CAP_GRADIENT | CAP_HVP, NULL,
                                         silent_run };

static method_status run_with(const method_type *t, const model *m, const double *theta,
                              const char *key, const char *value, method_result *r)
{
    method_options o;
    method_options_init(&o);
    if (key) {
        o.nkv = 1;
        o.key[0] = key;
        o.value[0] = value;
    }
    method_status s = method_run(t, m, theta, &o, r);
    method_result_free(r);
    return s;
}

static void test_options_validation(const model *m, const double *theta)
{
    method_result r;
    const struct { const char *key, *value; method_status want; const char *says; } cases[] = {
        { "step", "0.5", METHOD_OK, "" },
        { "step", "1", METHOD_OK, "" },
        { "step", "1.5", METHOD_EINPUT, "must lie in [0, 1]" },
        { "step", "nan", METHOD_EINPUT, "needs a finite number" },
        { "step", "inf", METHOD_EINPUT, "needs a finite number" },
        { "step", "0.1x", METHOD_EINPUT, "needs a finite number" },
        { "step", "", METHOD_EINPUT, "needs a finite number" },
        { "order", "3", METHOD_OK, "" },
        { "order", "3.5", METHOD_EINPUT, "needs a whole number" },
        { "order", "9", METHOD_EINPUT, "must lie in [1, 8]" },
        { "scheme", "forward", METHOD_OK, "" },
        { "scheme", "forw", METHOD_EINPUT, "must be one of central|forward" },
        { "scheme", "", METHOD_EINPUT, "must be one of central|forward" },
        { "flag", "yes", METHOD_OK, "" },
        { "flag", "maybe", METHOD_EINPUT, "is on or off" },
        { "bogus", "1", METHOD_EINPUT, "has no option 'bogus'; its options are: step, order, scheme, flag" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int before = calls;
        method_status s = run_with(&test_type, m, theta, cases[i].key, cases[i].value, &r);
        CHECK(s == cases[i].want, "%s=%s: status %d, want %d (%s)", cases[i].key, cases[i].value,
              (int)s, (int)cases[i].want, r.error);
        CHECK(strstr(r.error, cases[i].says) != NULL, "%s=%s: message '%s' lacks '%s'",
              cases[i].key, cases[i].value, r.error, cases[i].says);
        CHECK((calls > before) == (s == METHOD_OK), "%s=%s: backend ran on invalid input",
              cases[i].key, cases[i].value);
    }
    /* a key given twice */
    method_options o;
    method_options_init(&o);
    o.nkv = 2;
    o.key[0] = o.key[1] = "step";
    o.value[0] = o.value[1] = "0.1";
    CHECK(method_run(&test_type, m, theta, &o, &r) == METHOD_EINPUT && strstr(r.error, "given twice"),
          "duplicate key: %s", r.error);
    method_result_free(&r);
}

static void test_option_values(const model *m, const double *theta)
{
    method_result r;
    /* defaults when not given */
    CHECK(run_with(&test_type, m, theta, NULL, NULL, &r) == METHOD_OK, "plain run");
    CHECK(seen_step == 1e-3 && seen_order == 2 && seen_scheme && strcmp(seen_scheme, "central") == 0,
          "defaults: step %g order %ld scheme %s", seen_step, seen_order, seen_scheme);
    /* given values */
    run_with(&test_type, m, theta, "step", "0.25", &r);
    CHECK(seen_step == 0.25, "step given: %g", seen_step);
    run_with(&test_type, m, theta, "order", "7", &r);
    CHECK(seen_order == 7, "order given: %ld", seen_order);
    run_with(&test_type, m, theta, "scheme", "forward", &r);
    CHECK(strcmp(seen_scheme, "forward") == 0, "scheme given: %s", seen_scheme);
    /* a bool reads as 0/1 through method_opt_int */
    method_options o;
    method_options_init(&o);
    o.nkv = 1;
    o.key[0] = "flag";
    o.value[0] = "on";
    CHECK(method_opt_int(&test_type, &o, "flag") == 1, "flag on");
    CHECK(method_opt_int(&test_type, NULL, "flag") == 0, "flag default off");
    /* asking for an undeclared option is a programming error with a neutral answer */
    CHECK(isnan(method_opt_double(&test_type, &o, "nothere")), "undeclared double");
    CHECK(method_opt_choice(&test_type, &o, "step") == NULL, "a number is not a choice");
}

static void test_requests(const model *m, const double *theta)
{
    method_result r;
    method_options o;
    method_options_init(&o);
    double direction[2] = { 1, NAN };

    /* tolerances: ≤ 0 means default (the model's), NaN is refused */
    o.rtol = 0;
    CHECK(method_run(&test_type, m, theta, &o, &r) == METHOD_OK, "rtol 0 = default");
    CHECK(seen_rtol == (m->rtol > 0 ? m->rtol : 1e-8), "default rtol %g", seen_rtol);
    method_result_free(&r);
    o.rtol = 1e-5;
    method_run(&test_type, m, theta, &o, &r);
    CHECK(seen_rtol == 1e-5, "given rtol %g", seen_rtol);
    CHECK(r.np == m->np, "np set");
    method_result_free(&r);
    o.rtol = NAN;
    CHECK(method_run(&test_type, m, theta, &o, &r) == METHOD_EINPUT && strstr(r.error, "--rtol"),
          "NaN rtol: %s", r.error);
    o.rtol = 0;
    o.atol_b = INFINITY;
    CHECK(method_run(&test_type, m, theta, &o, &r) == METHOD_EINPUT && strstr(r.error, "--atol-b"),
          "inf atol-b: %s", r.error);
    o.atol_b = 0;

    /* capabilities */
    o.want = WANT_HESSIAN;
    CHECK(method_run(&test_type, m, theta, &o, &r) == METHOD_EUNSUPPORTED &&
          strstr(r.error, "cannot compute a full Hessian; backends that can:"),
          "Hessian from a gradient backend: %s", r.error);
    o.want = WANT_HVP;
    CHECK(method_run(&silent_type, m, theta, &o, &r) == METHOD_EINPUT && strstr(r.error, "needs a direction"),
          "HVP without direction: %s", r.error);
    o.direction = direction;
    CHECK(method_run(&silent_type, m, theta, &o, &r) == METHOD_EINPUT && strstr(r.error, "direction entry 2"),
          "HVP with NaN direction: %s", r.error);
    direction[1] = 0;
    CHECK(method_run(&silent_type, m, theta, &o, &r) == METHOD_ESOLVER &&
          strstr(r.error, "backend silent failed (status 2) without saying why"),
          "silent failure gets a message: %s", r.error);
    method_result_free(&r);

    /* θ with a NaN never reaches the backend */
    double bad[2] = { theta[0], NAN };
    int before = calls;
    method_options_init(&o);
    CHECK(method_run(&test_type, m, bad, &o, &r) == METHOD_EINPUT && strstr(r.error, "parameter mu is nan"),
          "NaN theta: %s", r.error);
    CHECK(calls == before, "backend ran with a NaN theta");

    /* a NaN result is caught after the run */
    CHECK(method_run(&nan_type, m, theta, &o, &r) == METHOD_ESOLVER && strstr(r.error, "entry 2"),
          "NaN gradient: %s", r.error);
    method_result_free(&r);
    CHECK(r.gradient == NULL, "result freed");
}

static void test_helpers(void)
{
    method_result r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < METHOD_MAX_EXTRA + 3; i++)
        method_extra_add(&r, "x", i, "count");
    CHECK(r.nextra == METHOD_MAX_EXTRA && r.extra[METHOD_MAX_EXTRA - 1].value == METHOD_MAX_EXTRA - 1,
          "extras stop at the table size");
    CHECK(method_fail(&r, METHOD_EMEMORY, "cap %d", 7) == METHOD_EMEMORY && strcmp(r.error, "cap 7") == 0,
          "method_fail");
    method_options o;
    method_options_init(&o);
    CHECK(method_max_steps(&o) == 1000000, "default max steps");
    o.max_steps = 5;
    CHECK(method_max_steps(&o) == 5, "given max steps");
    o.rtol = 1e-6;
    o.atol = 1e-9;
    CHECK(method_rtol_b(&o, NULL) == 1e-6 && method_atol_b(&o, NULL) == 1e-9, "backward = forward");
    o.rtol_b = 1e-4;
    CHECK(method_rtol_b(&o, NULL) == 1e-4, "backward given");
    method_options_init(&o);
    CHECK(method_rtol(&o, NULL) == 1e-8 && method_atol(&o, NULL) == 1e-10, "fallback tolerances");
}

/* Every registered backend: a unique name that method_find returns, a summary, a gradient
 * or Hessian capability, and option tables whose defaults pass their own checks. */
static void test_registry(void)
{
    char err[512];
    CHECK(method_find("no-such-backend") == NULL && method_find(NULL) == NULL, "unknown name");
    for (int i = 0; method_types[i]; i++) {
        const method_type *t = method_types[i];
        CHECK(method_find(t->name) == t, "%s: method_find", t->name);
        CHECK(t->summary && t->summary[0], "%s: summary", t->name);
        CHECK(t->caps & (CAP_GRADIENT | CAP_HESSIAN | CAP_HVP), "%s: computes nothing", t->name);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(method_types[j]->name, t->name) != 0, "%s registered twice", t->name);
        method_options o;
        method_options_init(&o);
        o.want = t->caps & CAP_GRADIENT ? WANT_GRADIENT : WANT_HESSIAN;
        CHECK(method_check(t, NULL, &o, err, sizeof err) == METHOD_OK, "%s: defaults invalid: %s",
              t->name, err);
        for (const method_opt_spec *s = t->options; s && s->name; s++)
            CHECK(s->help && s->help[0], "%s: option %s has no help", t->name, s->name);
    }
}

int main(void)
{
    char err[256];
    model *m = model_create("freefall", err, sizeof err);
    if (!m) {
        printf("FAIL: cannot create freefall: %s\n", err);
        return 1;
    }
    double theta[2];
    model_nominal(m, theta);
    test_options_validation(m, theta);
    test_option_values(m, theta);
    test_requests(m, theta);
    test_helpers();
    test_registry();
    model_destroy(m);
    return check_finish("test_method_generic");
}
