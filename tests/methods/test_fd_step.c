/* fd's working step and its error estimate on a sharply curved loss.
 *
 * The toy: Lotka–Volterra predator–prey dynamics
 *     x' = a x − b x y,   y' = c x y − d y,   x(0) = 3, y(0) = 0.2,   t ∈ [0, 30],
 * θ = (a, b, c, d) on a linear scale, both populations observed at 60 times against smooth
 * made-up data, sum-of-squares loss.  Over eight or so cycles the loss is a sharply curved
 * function of θ (a change of a shifts every later cycle), so the classical relative step
 * rtol^(1/3) leaves a truncation error far above the solver noise.
 *
 * Checked at the model's tolerance (rtol 1e-6, atol 1e-9), against `forward` at rtol 1e-12
 * (the reference), for central and forward differences:
 *   - every entry of the fd gradient is within its own reported error estimate of the
 *     reference: |g_i − ref_i| ≤ est_i;
 *   - the estimate is not vacuous: max_i est_i ≤ 10 · max_i |g_i − ref_i|;
 *   - central differences with the fixed classical step rtol^(1/3) are far off here (40 % of
 *     the gradient's scale on d) and the working step improves on them by at least 10×;
 *     forward differences' classical step rtol^(1/2) happens to be near the best one here
 *     (both printed).  The estimate of a fixed step that is far from the asymptotic regime
 *     (comparing h with 2h) can be too small, so only the working step's is held to it. */
#include "cvtest.h"
#include "registry.h"

enum { LV_A, LV_B, LV_C, LV_D };
#define LV_NOBS 60
#define LV_T 30.0

static expr lv_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr x = expr_state(g, 0), y = expr_state(g, 1), xy = expr_mul(g, x, y);
    expr dx = expr_sub(g, expr_mul(g, expr_param(g, LV_A), x), expr_mul(g, expr_param(g, LV_B), xy));
    expr dy = expr_sub(g, expr_mul(g, expr_param(g, LV_C), xy), expr_mul(g, expr_param(g, LV_D), y));
    expr parts[2] = {dx, dy};
    return expr_concat(g, 2, parts);
}

static expr lv_initial(expr_graph *g, const model *m)
{
    (void)m;
    const double x0[2] = {3.0, 0.2};
    return expr_nums(g, 2, x0);
}

static expr lv_observables(expr_graph *g, const model *m)
{
    (void)m;
    expr parts[2] = {expr_state(g, 0), expr_state(g, 1)};
    return expr_concat(g, 2, parts);
}

static model *lv_model(void)
{
    model *m = calloc(1, sizeof *m);
    char err[256];
    if (!m || model_alloc(m, 2, 4, 0, 2) != 0)
        exit(1);
    strcpy(m->name, "lotka-volterra-test");
    m->summary = "Lotka-Volterra toy with a sharply curved loss";
    strcpy(m->state_names[0], "prey");
    strcpy(m->state_names[1], "predator");
    strcpy(m->obs_names[0], "prey");
    strcpy(m->obs_names[1], "predator");
    model_set_param(m, LV_A, "a", SCALE_LIN, 1.1, 0, 10);
    model_set_param(m, LV_B, "b", SCALE_LIN, 0.9, 0, 10);
    model_set_param(m, LV_C, "c", SCALE_LIN, 1.2, 0, 10);
    model_set_param(m, LV_D, "d", SCALE_LIN, 1.0, 0, 10);
    m->t0 = 0.0;
    m->tf = LV_T;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 1.0;
    m->rtol = 1e-6;
    m->atol = 1e-9;
    m->rhs = lv_rhs;
    m->initial = lv_initial;
    m->observables = lv_observables;
    m->ncond = 1;
    m->cond = calloc(1, sizeof *m->cond);
    if (!m->cond || model_condition_alloc(m, 0, LV_NOBS) != 0)
        exit(1);
    strcpy(m->cond[0].name, "only");
    for (int i = 0; i < LV_NOBS; i++) {
        const double t = LV_T * (i + 1) / LV_NOBS;
        m->cond[0].times[i] = t;
        m->cond[0].values[2 * i] = 1.0 + 0.5 * sin(1.3 * t);
        m->cond[0].values[2 * i + 1] = 1.0 + 0.4 * cos(1.3 * t);
    }
    if (model_finish(m, err, sizeof err) != 0) {
        fprintf(stderr, "lotka-volterra model: %s\n", err);
        exit(1);
    }
    return m;
}

/* fd at the model's tolerance with the given options; the largest absolute error against
 * ref and whether every entry lies within its estimate */
static double fd_check(const model *m, const double *theta, const double *ref,
                       const char *scheme, const char *step, double *est_max, int must_hold)
{
    char s1[64], s2[64];
    snprintf(s1, sizeof s1, "scheme=%s", scheme);
    snprintf(s2, sizeof s2, "step=%s", step);
    const char *kv[] = {s1, s2, NULL};
    method_result r;
    const method_status st = cvtest_run("fd", m, theta, 0, 0, NULL, kv, &r);
    CHECK(st == METHOD_OK && r.gradient_error, "fd %s: %s", scheme, r.error);
    if (st != METHOD_OK || !r.gradient_error) {
        method_result_free(&r);
        return INFINITY;
    }
    double worst = 0.0, scale = cvtest_max_abs(ref, m->np);
    *est_max = 0.0;
    int outside = 0;
    for (int i = 0; i < m->np; i++) {
        const double e = fabs(r.gradient[i] - ref[i]);
        worst = fmax(worst, e);
        *est_max = fmax(*est_max, r.gradient_error[i]);
        outside += e > r.gradient_error[i];
        printf("  %-7s step %-6s %s: fd %14.8g ref %14.8g  error %.2e estimate %.2e\n", scheme,
               step, m->params[i].name, r.gradient[i], ref[i], e, r.gradient_error[i]);
    }
    printf("%-7s step %-6s: largest error %.2e (%.1e of the gradient's scale), largest estimate "
           "%.2e, %.0f solves\n", scheme, step, worst, worst / scale, *est_max,
           check_extra(&r, "fd_solves"));
    CHECK(!must_hold || outside == 0, "fd %s step %s: %d entries outside their error estimate", scheme, step,
          outside);
    method_result_free(&r);
    return worst;
}

int main(void)
{
    model *m = lv_model();
    double theta[4];
    model_nominal(m, theta);
    method_result f;
    CHECK(cvtest_run("forward", m, theta, 1e-12, 1e-14, NULL, NULL, &f) == METHOD_OK,
          "forward reference: %s", f.error);
    const char *schemes[2] = {"central", "forward"};
    for (int k = 0; k < 2; k++) {
        double est, est_fixed;
        const double e = fd_check(m, theta, f.gradient, schemes[k], "0", &est, 1);
        CHECK(est <= 10.0 * e, "fd %s: estimate %.3e is over 10x the true error %.3e",
              schemes[k], est, e);
        /* the classical fixed step: rtol^(1/3) central, rtol^(1/2) forward */
        char classical[32];
        snprintf(classical, sizeof classical, "%.6g", k == 0 ? cbrt(m->rtol) : sqrt(m->rtol));
        const double e_fixed =
            fd_check(m, theta, f.gradient, schemes[k], classical, &est_fixed, 0);
        CHECK(k == 1 || e_fixed >= 10.0 * e, "fd %s: the working step (%.3e) is not 10x better than the "
              "classical one (%.3e)", schemes[k], e, e_fixed);
    }
    method_result_free(&f);
    model_release(m);
    free(m);
    return check_finish("methods/test_fd_step");
}
