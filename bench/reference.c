/* reference — closed form, or two independent backends agreeing at tight tolerance. */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "method.h"
#include "state_scale.h"

/* The Hessian's reference: both second-order backends at these tolerances must agree to
 * `agreement`; at rtol 1e-12 they agree to 1e-11 (jakstat) and 2e-10 (rafmekerk). */
static const struct {
    const char *primary, *confirming;   /* backend names */
    double rtol, atol;
    double agreement;
} hessian_reference_settings = { "soadjoint", "soforward", 1e-12, 1e-14, 1e-6 };

/* The gradient's witnesses.  The candidate is `forward` at the tight tolerance; `forward` at a
 * looser one measures how far its result still moves with the tolerance (self-convergence);
 * the others compute the same gradient by independent means — a different integration
 * (CVODES's adjoint; our own Runge–Kutta/Rosenbrock pass for interp and tape) and a different
 * derivative — and confirm or refute it.  interp and tape share their forward pass, so they
 * are one family and cannot confirm each other.  The later witnesses are consulted only when
 * `adjoint` does not already agree to `quick_agreement` (they are bounded in steps and
 * memory, and fail rather than run long where they are expensive). */
enum { FAMILY_FORWARD, FAMILY_CVODES_ADJOINT, FAMILY_OWN_INTEGRATOR };
static const struct {
    const char *backend;
    double rtol;
    int family;
    int bounded;         /* limited to witness_max_steps and witness_mem_cap */
} witnesses[] = {
    { "forward", 1e-12, FAMILY_FORWARD, 0 },   /* the candidate: must be first */
    { "forward", 1e-10, FAMILY_FORWARD, 0 },   /* self-convergence: must be second */
    { "adjoint", 1e-12, FAMILY_CVODES_ADJOINT, 0 },
    { "interp", 1e-12, FAMILY_OWN_INTEGRATOR, 1 },
    { "tape", 1e-12, FAMILY_OWN_INTEGRATOR, 1 },
};
#define NWITNESS ((int)(sizeof witnesses / sizeof witnesses[0]))
#define QUICK_WITNESSES 3              /* forward ×2 and adjoint: always */
static const double quick_agreement = 1e-9;   /* adjoint this close: no further witness */
/* The error of `forward` at the tight rtol is taken as at most this fraction of its distance
 * to the loose one: CVODES's global error shrinks about in proportion to rtol, so 1e-2 for a
 * factor 100 in rtol; 1e-1 leaves a margin for tolerance proportionality failing. */
static const double self_convergence_factor = 1e-1;
/* A reference whose estimated accuracy is worse than this is no reference (1e-4 still tells
 * a 1e-3 error from a 1e-5 one; below it every error is stated as a bound, "< accuracy"). */
static const double accuracy_ceiling = 1e-4;
/* atol = rtol · atol_factor · (smallest peak state magnitude): state_scale.h */
static const double atol_factor = 1e-2;
static const long witness_max_steps = 200000;
static const size_t witness_mem_cap = (size_t)256 << 20;

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
                     double rtol, double atol, int bounded, method_result *r)
{
    const method_type *type = method_find(name);
    method_options o;
    method_options_init(&o);
    o.want = want;
    o.rtol = o.rtol_b = rtol;
    o.atol = o.atol_b = atol;
    if (bounded) {
        o.max_steps = witness_max_steps;
        o.mem_cap = witness_mem_cap;
    }
    return method_run(type, m, theta, &o, r) == METHOD_OK ? 0 : -1;
}

/* one witness's outcome */
typedef struct {
    int ran, ok;
    method_result r;
    double distance;   /* to the candidate (relative 2-norm), when both ok */
} witness_run;

/* "adjoint 2.1e-11", "interp failed", "tape -" (not run) into out */
static void describe(char *out, size_t len, int i, const witness_run *w)
{
    if (!w->ran)
        snprintf(out, len, "%s -", witnesses[i].backend);
    else if (!w->ok)
        snprintf(out, len, "%s failed", witnesses[i].backend);
    else
        snprintf(out, len, "%s %.2g", witnesses[i].backend, w->distance);
}

/* The consensus of the witnesses (see `witnesses` above): the candidate, confirmed by the
 * closest independent witness, with accuracy max(that distance, the candidate's own
 * self-convergence estimate). */
static void from_backends(reference *ref, const model *m, const double *theta)
{
    for (int i = 0; i < NWITNESS; i++)
        if (!method_find(witnesses[i].backend) && i < QUICK_WITNESSES) {
            snprintf(ref->source, sizeof ref->source,
                     "none: no closed form, and backend %s is not built", witnesses[i].backend);
            return;
        }
    /* atol follows the states' magnitudes; without a scale, states of order one */
    double scale = state_scale(m, theta);
    if (!(scale > 0))
        scale = 1;
    witness_run w[NWITNESS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < NWITNESS; i++) {
        if (!method_find(witnesses[i].backend))
            continue;
        if (i >= QUICK_WITNESSES && w[2].ok && w[2].distance <= quick_agreement)
            break;   /* adjoint agrees closely already */
        if (i > 0 && !w[0].ok)
            break;   /* no candidate to confirm */
        const double rtol = witnesses[i].rtol, atol = rtol * atol_factor * scale;
        w[i].ran = 1;
        w[i].ok = run_tight(witnesses[i].backend, m, theta, WANT_GRADIENT, rtol, atol,
                            witnesses[i].bounded, &w[i].r) == 0;
        if (w[i].ok && i > 0)
            w[i].distance = relative_distance(w[i].r.gradient, w[0].r.gradient, m->np);
    }
    if (!w[0].ok) {
        snprintf(ref->source, sizeof ref->source, "none: forward at rtol %g failed: %.200s",
                 witnesses[0].rtol, w[0].r.error);
    } else {
        /* the closest independent witness */
        int best = -1;
        for (int i = 1; i < NWITNESS; i++)
            if (w[i].ok && witnesses[i].family != FAMILY_FORWARD &&
                (best < 0 || w[i].distance < w[best].distance))
                best = i;
        const double self = w[1].ok ? self_convergence_factor * w[1].distance : 0;
        char others[160] = "", one[48];
        for (int i = 2; i < NWITNESS; i++) {
            describe(one, sizeof one, i, &w[i]);
            snprintf(others + strlen(others), sizeof others - strlen(others), "%s%s",
                     i > 2 ? ", " : "", one);
        }
        const double atol = witnesses[0].rtol * atol_factor * scale;
        if (best < 0) {
            snprintf(ref->source, sizeof ref->source,
                     "none: no independent witness confirms forward at rtol %g (%s)",
                     witnesses[0].rtol, others);
        } else {
            const double accuracy = fmax(fmax(w[best].distance, self), 1e-15);
            if (accuracy > accuracy_ceiling || !w[1].ok) {
                snprintf(ref->source, sizeof ref->source,
                         "none: witnesses disagree with forward at rtol %g (atol %.2g) by "
                         "%s; forward at rtol %g %s%.2g (limit %g)",
                         witnesses[0].rtol, atol, others, witnesses[1].rtol,
                         w[1].ok ? "differs by " : "failed", w[1].ok ? w[1].distance : 0.0,
                         accuracy_ceiling);
            } else {
                snprintf(ref->source, sizeof ref->source,
                         "forward at rtol %g (atol %.2g), witnesses at distance %s; forward at "
                         "rtol %g %.2g; accuracy %.2g",
                         witnesses[0].rtol, atol, others, witnesses[1].rtol, w[1].distance,
                         accuracy);
                ref->loss = w[0].r.loss;
                memcpy(ref->gradient, w[0].r.gradient, (size_t)m->np * sizeof *ref->gradient);
                ref->accuracy = reference_accuracy_of(ref->source);   /* as the cache has it */
                ref->have = 1;
            }
        }
    }
    for (int i = 0; i < NWITNESS; i++)
        if (w[i].ran)
            method_result_free(&w[i].r);
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
    int ok_a = run_tight(primary, m, theta, WANT_HESSIAN, rtol, atol, 0, &a);
    int ok_b = ok_a == 0 ? run_tight(confirming, m, theta, WANT_HESSIAN, rtol, atol, 0, &b) : -1;
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
    ref->accuracy = reference_accuracy_of(source);
    ref->have = 1;
    return 0;
}

double reference_accuracy_of(const char *source)
{
    static const char *const markers[] = { "accuracy ", "agrees to " };
    for (int k = 0; k < 2; k++) {
        const char *p = NULL, *q = source;
        while ((q = strstr(q, markers[k])) != NULL)
            p = q++;   /* the last one */
        if (p) {
            double v = strtod(p + strlen(markers[k]), NULL);
            if (isfinite(v) && v > 0)
                return v;
        }
    }
    return 0;
}

void reference_free(reference *ref)
{
    free(ref->gradient);
    free(ref->hessian);
    ref->gradient = ref->hessian = NULL;
    ref->have = 0;
}
