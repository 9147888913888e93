/* weight=peak — the backward error weight of our adjoints (interp, soadjoint scheme=interp)
 * measured against the largest size of each adjoint component since tf (step_control.peak,
 * Gear's YMAX) instead of its current size.
 *
 * The point: jakstat at the fit study's start 2 (results/fit-jakstat.csv; θ below), where
 * every observation's jump excites an adjoint mode that then decays as e^{-4.5 s}.  Held to
 * its current size the decaying component keeps the step at ~0.002 all the way down:
 *  1. interp at rtol 1e-8 (atol 1e-14, where the forward pass is not the limit): weight=peak
 *     takes at most half the backward steps of weight=current, and both gradients are within
 *     1e-10 of the gradient's scale of `forward` at rtol 1e-12;
 *  2. soadjoint scheme=interp at the fit study's tolerances (rtol 1e-8, atol 1e-10): at most
 *     half the backward steps, and both Hessians within 1e-6 of soforward's scale (the bound
 *     the fit starts' test uses);
 *  3. weight with scheme=cvodes is refused with a one-line message.
 * What weight=peak costs where decayed components still matter (Robertson) is measured in
 * the README, not asserted here. */
#include "hesstest.h"
#include "registry.h"

#include <string.h>

static const double start2[17] = {
    0.36767780762165803, -1.7982623814605176, 0.65201142765581643, -2.0865893879556099,
    -3.134623400680721,  1.3326770357787616,  1.7368123573251069,  1.2465315771289172,
    2.2280088579282165,  -0.98553164693294093, 1.59439626801759,   -1.6874092937447127,
    1.3151716936379678,  2.9602114188484849,  2.7080833060666922,  -1.9358672413974998,
    1.093466455116868};

static const char *const current_kv[] = {"weight=current", NULL};
static const char *const peak_kv[] = {"weight=peak", NULL};

static void check_gradient(const model *m)
{
    const int np = m->np;
    method_result ref, cur, peak;
    const method_status s0 = cvtest_run("forward", m, start2, 1e-12, 1e-14, NULL, NULL, &ref);
    const method_status s1 = cvtest_run("interp", m, start2, 1e-8, 1e-14, NULL, current_kv,
                                        &cur);
    const method_status s2 = cvtest_run("interp", m, start2, 1e-8, 1e-14, NULL, peak_kv, &peak);
    CHECK(s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK, "interp: %s / %s / %s",
          ref.error, cur.error, peak.error);
    if (s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK) {
        const double e1 = cvtest_scaled_err(cur.gradient, ref.gradient, np);
        const double e2 = cvtest_scaled_err(peak.gradient, ref.gradient, np);
        printf("jakstat start 2 interp rtol 1e-8: weight=current %ld backward steps (%.2e of "
               "the scale from forward), weight=peak %ld (%.2e); %ld forward\n",
               cur.steps_bwd, e1, peak.steps_bwd, e2, cur.steps_fwd);
        CHECK(2 * peak.steps_bwd <= cur.steps_bwd, "weight=peak: %ld backward steps, not half "
              "of weight=current's %ld", peak.steps_bwd, cur.steps_bwd);
        CHECK(peak.steps_fwd == cur.steps_fwd, "the forward pass moved: %ld vs %ld",
              peak.steps_fwd, cur.steps_fwd);
        CHECK(e1 <= 1e-10 && e2 <= 1e-10, "gradients %.3e / %.3e of the scale from forward",
              e1, e2);
    }
    method_result_free(&ref);
    method_result_free(&cur);
    method_result_free(&peak);
}

static void check_hessian(const model *m)
{
    const int np = m->np;
    const char *const cur_kv[] = {"scheme=interp", "weight=current", NULL};
    const char *const pk_kv[] = {"scheme=interp", "weight=peak", NULL};
    method_result ref, cur, peak;
    const method_status s0 = hesstest_run("soforward", m, start2, WANT_HESSIAN, NULL, 1e-8,
                                          1e-10, NULL, &ref);
    const method_status s1 = hesstest_run("soadjoint", m, start2, WANT_HESSIAN, NULL, 1e-8,
                                          1e-10, cur_kv, &cur);
    const method_status s2 = hesstest_run("soadjoint", m, start2, WANT_HESSIAN, NULL, 1e-8,
                                          1e-10, pk_kv, &peak);
    CHECK(s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK, "soadjoint: %s / %s / %s",
          ref.error, cur.error, peak.error);
    if (s0 == METHOD_OK && s1 == METHOD_OK && s2 == METHOD_OK) {
        const double e1 = cvtest_scaled_err(cur.hessian, ref.hessian, np * np);
        const double e2 = cvtest_scaled_err(peak.hessian, ref.hessian, np * np);
        printf("jakstat start 2 soadjoint scheme=interp: weight=current %ld backward steps "
               "(Hessian %.2e of the scale from soforward), weight=peak %ld (%.2e)\n",
               cur.steps_bwd, e1, peak.steps_bwd, e2);
        CHECK(2 * peak.steps_bwd <= cur.steps_bwd, "weight=peak: %ld backward steps, not half "
              "of weight=current's %ld", peak.steps_bwd, cur.steps_bwd);
        CHECK(e1 <= 1e-6 && e2 <= 1e-6, "Hessians %.3e / %.3e of the scale from soforward", e1,
              e2);
    }
    method_result_free(&ref);
    method_result_free(&cur);
    method_result_free(&peak);
}

static void check_refused(const model *m)
{
    const char *const kv[] = {"scheme=cvodes", "weight=peak", NULL};
    method_result r;
    const method_status st = hesstest_run("soadjoint", m, start2, WANT_HESSIAN, NULL, 1e-8,
                                          1e-10, kv, &r);
    printf("refused: %s\n", r.error);
    CHECK(st == METHOD_EINPUT && strstr(r.error, "weight") && strstr(r.error, "scheme=interp") &&
              !strchr(r.error, '\n'),
          "weight=peak with scheme=cvodes: status %d, %s", (int)st, r.error);
    method_result_free(&r);
}

int main(void)
{
    model *m = check_model_create("jakstat");
    CHECK(m->np == 17, "jakstat has %d parameters, the start holds 17", m->np);
    if (m->np == 17) {
        check_gradient(m);
        check_hessian(m);
        check_refused(m);
    }
    model_destroy(m);
    return check_finish("methods/test_adjoint_weight");
}
