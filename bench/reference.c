/* reference — closed form, or two independent backends agreeing at tight tolerance. */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "method.h"

/* How the computed reference is made: both backends at these tolerances must agree to
 * `agreement` (relative 2-norm) for the forward gradient to be trusted. */
static const struct {
    const char *primary, *confirming;   /* backend names */
    double rtol, atol;
    double agreement;
} reference_settings = { "forward", "adjoint", 1e-12, 1e-14, 1e-7 },
  /* The Hessian's: both second-order backends at these tolerances must agree to
   * `agreement`; at rtol 1e-12 they agree to 1e-11 (jakstat) and 2e-10 (rafmekerk). */
  hessian_reference_settings = { "soadjoint", "soforward", 1e-12, 1e-14, 1e-6 };

static double relative_distance(const double *a, const double *b, int n)
{
    double diff = 0, norm = 0;
    for (int i = 0; i < n; i++) {
        diff += (a[i] - b[i]) * (a[i] - b[i]);
        norm += b[i] * b[i];
    }
    return norm > 0 ? sqrt(diff / norm) : sqrt(diff);
}

static int run_tight(const char *name, const model *m, const double *theta, method_want want,
                     double rtol, double atol, method_result *r)
{
    const method_type *type = method_find(name);
    method_options o;
    method_options_init(&o);
    o.want = want;
    o.rtol = o.rtol_b = rtol;
    o.atol = o.atol_b = atol;
    return method_run(type, m, theta, &o, r) == METHOD_OK ? 0 : -1;
}

static void from_backends(reference *ref, const model *m, const double *theta)
{
    if (!method_find(reference_settings.primary) || !method_find(reference_settings.confirming)) {
        snprintf(ref->source, sizeof ref->source,
                 "none: no closed form, and backends %s and %s are not both built",
                 reference_settings.primary, reference_settings.confirming);
        return;
    }
    method_result a, b;
    int ok_a = run_tight(reference_settings.primary, m, theta, WANT_GRADIENT,
                         reference_settings.rtol, reference_settings.atol, &a);
    int ok_b = ok_a == 0 ? run_tight(reference_settings.confirming, m, theta, WANT_GRADIENT,
                                     reference_settings.rtol, reference_settings.atol, &b)
                         : -1;
    if (ok_a != 0) {
        snprintf(ref->source, sizeof ref->source, "none: %s failed: %s",
                 reference_settings.primary, a.error);
    } else if (ok_b != 0) {
        snprintf(ref->source, sizeof ref->source, "none: %s failed: %s",
                 reference_settings.confirming, b.error);
    } else {
        double d = relative_distance(b.gradient, a.gradient, m->np);
        if (d > reference_settings.agreement) {
            snprintf(ref->source, sizeof ref->source,
                     "none: %s and %s disagree by %.2g at rtol %g", reference_settings.primary,
                     reference_settings.confirming, d, reference_settings.rtol);
        } else {
            snprintf(ref->source, sizeof ref->source, "%s at rtol %g, %s agrees to %.2g",
                     reference_settings.primary, reference_settings.rtol,
                     reference_settings.confirming, d);
            ref->loss = a.loss;
            memcpy(ref->gradient, a.gradient, (size_t)m->np * sizeof *ref->gradient);
            ref->have = 1;
        }
    }
    method_result_free(&a);
    if (ok_a == 0)
        method_result_free(&b);
}

void reference_compute(reference *ref, const model *m, const double *theta)
{
    memset(ref, 0, sizeof *ref);
    size_t np = (size_t)(m->np > 0 ? m->np : 1);
    ref->gradient = calloc(np, sizeof *ref->gradient);
    ref->hessian = m->exact ? calloc(np * np, sizeof *ref->hessian) : NULL;
    if (!ref->gradient || (m->exact && !ref->hessian)) {
        snprintf(ref->source, sizeof ref->source, "none: out of memory");
        return;
    }
    if (!m->exact) {
        free(ref->hessian);
        ref->hessian = NULL;
        from_backends(ref, m, theta);
        return;
    }
    if (m->exact(m, theta, &ref->loss, ref->gradient, ref->hessian) != 0) {
        snprintf(ref->source, sizeof ref->source, "none: theta is outside the closed form's domain");
        free(ref->hessian);   /* no Hessian to measure against either */
        ref->hessian = NULL;
        return;
    }
    snprintf(ref->source, sizeof ref->source, "closed form");
    ref->have = 1;
}

void reference_add_hessian(reference *ref, const model *m, const double *theta)
{
    const size_t nn = (size_t)m->np * (size_t)m->np;
    if (m->exact) {
        /* the closed form's (reference_compute made it), or its reason for having none */
        snprintf(ref->hessian_source, sizeof ref->hessian_source, "%s", ref->source);
        return;
    }
    const char *primary = hessian_reference_settings.primary;
    const char *confirming = hessian_reference_settings.confirming;
    if (!method_find(primary) || !method_find(confirming)) {
        snprintf(ref->hessian_source, sizeof ref->hessian_source,
                 "none: no closed form, and backends %s and %s are not both built", primary,
                 confirming);
        return;
    }
    method_result a, b;
    const double rtol = hessian_reference_settings.rtol, atol = hessian_reference_settings.atol;
    int ok_a = run_tight(primary, m, theta, WANT_HESSIAN, rtol, atol, &a);
    int ok_b = ok_a == 0 ? run_tight(confirming, m, theta, WANT_HESSIAN, rtol, atol, &b) : -1;
    if (ok_a != 0) {
        snprintf(ref->hessian_source, sizeof ref->hessian_source, "none: %s failed: %s",
                 primary, a.error);
    } else if (ok_b != 0) {
        snprintf(ref->hessian_source, sizeof ref->hessian_source, "none: %s failed: %s",
                 confirming, b.error);
    } else if (!a.hessian || !b.hessian) {
        snprintf(ref->hessian_source, sizeof ref->hessian_source,
                 "none: %s or %s returned no Hessian", primary, confirming);
    } else {
        double d = relative_distance(b.hessian, a.hessian, (int)nn);
        if (d > hessian_reference_settings.agreement) {
            snprintf(ref->hessian_source, sizeof ref->hessian_source,
                     "none: %s and %s disagree by %.2g at rtol %g", primary, confirming, d, rtol);
        } else {
            char source[320];
            snprintf(source, sizeof source, "%s at rtol %g, %s agrees to %.2g", primary, rtol,
                     confirming, d);
            reference_set_hessian(ref, m->np, a.hessian, source);
        }
    }
    method_result_free(&a);
    if (ok_a == 0)
        method_result_free(&b);
}

int reference_set_hessian(reference *ref, int np, const double *hessian, const char *source)
{
    snprintf(ref->hessian_source, sizeof ref->hessian_source, "%s", source);
    free(ref->hessian);
    ref->hessian = NULL;
    if (!hessian)
        return 0;
    const size_t nn = (size_t)np * (size_t)np;
    ref->hessian = malloc(sizeof(double) * (nn ? nn : 1));
    if (!ref->hessian) {
        snprintf(ref->hessian_source, sizeof ref->hessian_source, "none: out of memory");
        return -1;
    }
    memcpy(ref->hessian, hessian, sizeof(double) * nn);
    return 0;
}

int reference_set(reference *ref, int np, const double *gradient, const char *source)
{
    memset(ref, 0, sizeof *ref);
    snprintf(ref->source, sizeof ref->source, "%s", source);
    if (!gradient)
        return 0;
    ref->gradient = malloc((size_t)(np > 0 ? np : 1) * sizeof *ref->gradient);
    if (!ref->gradient) {
        snprintf(ref->source, sizeof ref->source, "none: out of memory");
        return -1;
    }
    memcpy(ref->gradient, gradient, (size_t)np * sizeof *gradient);
    ref->have = 1;
    return 0;
}

void reference_free(reference *ref)
{
    free(ref->gradient);
    free(ref->hessian);
    ref->gradient = ref->hessian = NULL;
    ref->have = 0;
}
