/* test_reference_accuracy — the computed reference states an accuracy that holds.
 *
 * On models with a closed-form gradient (the oracle) the closed form is hidden from
 * reference_compute, so that it must build the reference from its witnesses (forward at two
 * tolerances, adjoint, interp/tape); the reference must exist, state an accuracy, and lie
 * within that accuracy of the closed form.  Then: the accuracy is read back from the cache
 * line's source text (and from the older "agrees to" form); and a backend's error below the
 * reference's accuracy is reported as that accuracy with grad_err_bound = 1, never as a
 * smaller number. */
#include "check.h"
#include "metrics.h"
#include "refcache.h"
#include "reference.h"

static void hidden_closed_form(const char *name, const double *theta_or_null)
{
    model *m = check_model_create(name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    double *exact = malloc(sizeof(double) * (size_t)m->np);
    double *hess = malloc(sizeof(double) * (size_t)m->np * (size_t)m->np);
    double loss;
    if (theta_or_null)
        memcpy(theta, theta_or_null, sizeof(double) * (size_t)m->np);
    else
        model_nominal(m, theta);
    CHECK(m->exact && m->exact(m, theta, &loss, exact, hess) == 0, "%s: no closed form", name);
    model_exact_fn keep = m->exact;
    m->exact = NULL;   /* the witnesses must do it */
    reference ref;
    reference_compute(&ref, m, theta);
    m->exact = keep;
    CHECK(ref.have, "%s: no computed reference: %s", name, ref.source);
    if (ref.have) {
        const double err = metrics_rel_error(ref.gradient, exact, m->np);
        CHECK(ref.accuracy > 0 && ref.accuracy < 1e-6, "%s: accuracy %g", name, ref.accuracy);
        CHECK(err <= ref.accuracy, "%s: reference off the closed form by %g, stated accuracy %g "
              "(%s)", name, err, ref.accuracy, ref.source);
        CHECK(reference_accuracy_of(ref.source) > 0.99 * ref.accuracy &&
              reference_accuracy_of(ref.source) < 1.01 * ref.accuracy,
              "%s: the source states %g, not %g", name, reference_accuracy_of(ref.source),
              ref.accuracy);
        printf("%s: closed form - reference = %.2g, stated accuracy %.2g (%s)\n", name, err,
               ref.accuracy, ref.source);
        /* through the cache line and back */
        char key[17];
        refcache_key(theta, m->np, key);
        char *line = refcache_line(m->name, key, m->np, &ref);
        char path[] = "/tmp/odegrad-refacc-XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        CHECK(line && f, "cannot write the cache");
        if (line && f) {
            fputs(line, f);
            fclose(f);
            reference back;
            CHECK(refcache_lookup(path, m->name, key, m->np, &back) && back.have &&
                  back.accuracy == reference_accuracy_of(ref.source),
                  "%s: accuracy not read back from the cache", name);
            reference_free(&back);
        }
        remove(path);
        free(line);
    }
    reference_free(&ref);
    free(theta);
    free(exact);
    free(hess);
    model_destroy(m);
}

int main(void)
{
    hidden_closed_form("freefall", NULL);
    hidden_closed_form("oscillator", NULL);

    /* the accuracy of a source text */
    CHECK(reference_accuracy_of("closed form") == 0, "closed form states no accuracy");
    CHECK(reference_accuracy_of("forward at rtol 1e-12, adjoint agrees to 3e-10") == 3e-10,
          "the older form: the agreement");
    CHECK(reference_accuracy_of("forward at rtol 1e-12 (atol 1e-14), witnesses at distance "
                                "adjoint 2e-11; forward at rtol 1e-10 3e-10; accuracy 4e-11") ==
              4e-11, "the accuracy field");
    CHECK(reference_accuracy_of("none: not computed") == 0, "none states no accuracy");

    /* an error below the reference's accuracy is a bound, above it a number */
    model *m = check_model_create("freefall");
    const double g_ref[2] = { 1.0, 2.0 };
    const double close[2] = { 1.0 + 1e-12, 2.0 }, far[2] = { 1.0 + 1e-6, 2.0 };
    reference ref;
    reference_set(&ref, 2, g_ref, "forward at rtol 1e-12, witnesses ...; accuracy 1e-9");
    CHECK(ref.accuracy == 1e-9, "reference_set reads the accuracy: %g", ref.accuracy);
    method_result r;
    memset(&r, 0, sizeof r);
    method_options o;
    method_options_init(&o);
    for (int k = 0; k < 2; k++) {
        r.gradient = (double *)(k == 0 ? close : far);
        metric_list l = { 0, 0, NULL };
        CHECK(metrics_of_result(&l, m, &o, &r, &ref) == 0, "metrics");
        const double e = metrics_get(&l, "grad_rel_err"), bound = metrics_get(&l, "grad_err_bound");
        if (k == 0)
            CHECK(e == 1e-9 && bound == 1, "below the accuracy: %g (bound %g), expected 1e-9 as a bound",
                  e, bound);
        else
            CHECK(fabs(e - metrics_rel_error(far, g_ref, 2)) < 1e-15 && bound == 0,
                  "above the accuracy: %g (bound %g)", e, bound);
        CHECK(metrics_get(&l, "ref_accuracy") == 1e-9, "ref_accuracy row");
        metrics_free(&l);
    }
    reference_free(&ref);
    model_destroy(m);
    return check_finish("bench/test_reference_accuracy");
}
