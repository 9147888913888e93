/* test_petab_events — time breakpoints (core/model/model_break.c, models/petab/petab_break.c)
 * on a toy with a closed form (tests/petab/events):
 *   x1' = a (t < τ), −b x1 (t ≥ τ), x1(0) = 0        a switch at a parameter-dependent time,
 *                                                   written (time − τ) < 0
 *   x2' = −c x2, x2(0) = 1, at t_ev: x2 ← x2 + d x1    a time-triggered event whose jump
 *                                                   depends on the state and on θ
 * so x1 = a t, then a τ e^{−b(t−τ)}; x2 = e^{−ct}, then (e^{−c t_ev} + d x1(t_ev)) e^{−c(t−t_ev)}.
 * θ = (a, b, log10 τ, c, d, t_ev); y1 = x1, y2 = x2 with σ = 0.1 at t = 0.5, 1, 2, 3, 4.
 *
 * The oracle: the closed-form loss, and its gradient by the complex step
 * ∂L/∂θ_i = Im L(θ + i h e_i)/h with h = 1e-30 (no subtraction, so exact to rounding: the
 * branches are chosen on the real parts, which the step does not move).  Without the jump
 * terms of the moving times, ∂L/∂τ and ∂L/∂t_ev would be off by O(1): a test that fails.
 *
 * Checked: the loss of every backend that supports breakpoints; forward sensitivities and
 * the adjoint to 1e-8 relative at rtol 1e-12; central fd to 1e-6 (and within its own error estimate ×10);
 * the forward solver stopped at both breakpoints (breakpoint_stops = 2: the step ending at
 * t_e exists); a backend without breakpoint support refuses (METHOD_EUNSUPPORTED, which the
 * command line turns into exit 2). */
#include <complex.h>
#include "petab.h"
#include "check.h"

#define EVENTS "petab:" ODEGRAD_SOURCE_DIR "/tests/petab/events/events.yaml"

static const double times[] = {0.5, 1.0, 2.0, 3.0, 4.0};
static const double m1 = 0.7, m2 = 0.9, sigma = 0.1;

static double complex x1_at(double complex t, const double complex *q)
{
    const double complex a = q[0], b = q[1], tau = cpow(10.0, q[2]);
    return creal(t) < creal(tau) ? a * t : a * tau * cexp(-b * (t - tau));
}

static double complex x2_at(double complex t, const double complex *q)
{
    const double complex c = q[3], d = q[4], tev = q[5];
    if (creal(t) < creal(tev))
        return cexp(-c * t);
    return (cexp(-c * tev) + d * x1_at(tev, q)) * cexp(-c * (t - tev));
}

static double complex loss_at(const double complex *q);

/* the closed-form gradient by the complex step, at θ */
static void gradient_at(const double *theta, double *g)
{
    double complex q[6];
    for (int i = 0; i < 6; i++)
        q[i] = theta[i];
    for (int i = 0; i < 6; i++) {
        q[i] += 1e-30 * I;
        g[i] = cimag(loss_at(q)) / 1e-30;
        q[i] = theta[i];
    }
}

static double complex loss_at(const double complex *q)
{
    double complex L = 0.0;
    for (int i = 0; i < 5; i++) {
        const double complex r1 = (m1 - x1_at(times[i], q)) / sigma;
        const double complex r2 = (m2 - x2_at(times[i], q)) / sigma;
        L += log(2.0 * M_PI * sigma * sigma) + 0.5 * (r1 * r1 + r2 * r2);
    }
    return L;
}

int main(void)
{
    model *m = check_model_create(EVENTS);
    CHECK(m->np == 6 && m->nx == 2 && m->nbreak == 2, "sizes np %d nx %d nbreak %d", m->np,
          m->nx, m->nbreak);
    double theta[6];
    model_nominal(m, theta);
    double complex q[6];
    for (int i = 0; i < 6; i++)
        q[i] = theta[i];
    const double want_loss = creal(loss_at(q));
    double want[6];
    for (int i = 0; i < 6; i++) {
        q[i] += 1e-30 * I;
        want[i] = cimag(loss_at(q)) / 1e-30;
        q[i] = theta[i];
    }

    const method_options tight = check_options(1e-12, 1e-14);
    method_result r;
    CHECK(check_run("forward", m, theta, &tight, NULL, &r) == METHOD_OK, "forward: %s", r.error);
    CHECK(check_rel_diff(r.loss, want_loss) < 1e-10, "forward loss %.15g, closed form %.15g",
          r.loss, want_loss);
    CHECK(r.gradient && check_rel_diff_vec(r.gradient, want, 6) < 1e-8,
          "forward gradient differs from the closed form by %.3g",
          r.gradient ? check_rel_diff_vec(r.gradient, want, 6) : NAN);
    CHECK(check_extra(&r, "breakpoint_stops") == 2.0, "forward stopped at %g breakpoints, not 2",
          check_extra(&r, "breakpoint_stops"));
    printf("forward: loss %.3g, gradient error %.2g (closed form)\n", fabs(r.loss - want_loss),
           r.gradient ? check_rel_diff_vec(r.gradient, want, 6) : NAN);
    method_result_free(&r);

    /* the adjoint: segments between the breakpoints, joined by λ⁻ = g_xᵀλ⁺ and the ∇t_e term */
    CHECK(check_run("adjoint", m, theta, &tight, NULL, &r) == METHOD_OK, "adjoint: %s", r.error);
    CHECK(check_rel_diff(r.loss, want_loss) < 1e-10, "adjoint loss %.15g, closed form %.15g",
          r.loss, want_loss);
    CHECK(r.gradient && check_rel_diff_vec(r.gradient, want, 6) < 1e-8,
          "adjoint gradient differs from the closed form by %.3g",
          r.gradient ? check_rel_diff_vec(r.gradient, want, 6) : NAN);
    printf("adjoint: gradient error %.2g (closed form)\n",
           r.gradient ? check_rel_diff_vec(r.gradient, want, 6) : NAN);
    method_result_free(&r);

    CHECK(check_run("fd", m, theta, &tight, NULL, &r) == METHOD_OK, "fd: %s", r.error);
    if (r.gradient) {
        const double err = check_rel_diff_vec(r.gradient, want, 6);
        CHECK(err < 1e-6, "central fd differs from the closed form by %.3g", err);
        for (int i = 0; i < 6; i++)
            CHECK(fabs(r.gradient[i] - want[i]) <= 10.0 * r.gradient_error[i] + 1e-12,
                  "fd entry %d: error %.3g beyond its estimate %.3g", i,
                  fabs(r.gradient[i] - want[i]), r.gradient_error[i]);
        printf("fd: gradient error %.2g (closed form)\n", err);
    }
    method_result_free(&r);

    /* fdhess (central differences of adjoint gradients) against central differences, step
     * 1e-4 (truncation ~1e-8), of the closed-form gradient */
    double H[36], gp[6], gm[6], shifted[6];
    for (int j = 0; j < 6; j++) {
        memcpy(shifted, theta, sizeof shifted);
        shifted[j] = theta[j] + 1e-4;
        gradient_at(shifted, gp);
        shifted[j] = theta[j] - 1e-4;
        gradient_at(shifted, gm);
        for (int i = 0; i < 6; i++)
            H[i * 6 + j] = (gp[i] - gm[i]) / 2e-4;
    }
    method_options oh = tight;
    oh.want = WANT_HESSIAN;
    CHECK(check_run("fdhess", m, theta, &oh, NULL, &r) == METHOD_OK && r.hessian, "fdhess: %s",
          r.error);
    if (r.hessian) {
        const double e = check_rel_diff_vec(r.hessian, H, 36);
        CHECK(e < 1e-5, "fdhess differs from the closed form's Hessian by %.3g", e);
        printf("fdhess: Hessian error %.2g (closed form, differenced)\n", e);
    }
    method_result_free(&r);

    /* a backend that does not carry the jumps refuses rather than answer wrongly */
    static const char *const refusing[] = {"soforward", "soadjoint", "fim"};
    static const char *const refusing_gradient[] = {"tape", "interp", "checkpoint", "backsolve"};
    for (size_t b = 0; b < sizeof refusing_gradient / sizeof *refusing_gradient; b++) {
        CHECK(check_run(refusing_gradient[b], m, theta, &tight, NULL, &r) == METHOD_EUNSUPPORTED &&
                  strstr(r.error, "time breakpoints"),
              "%s: should refuse a model with breakpoints, said '%s'", refusing_gradient[b],
              r.error);
        method_result_free(&r);
    }
    for (size_t b = 0; b < sizeof refusing / sizeof *refusing; b++) {
        method_options o = tight;
        o.want = WANT_HESSIAN;
        CHECK(check_run(refusing[b], m, theta, &o, NULL, &r) == METHOD_EUNSUPPORTED &&
                  strstr(r.error, "time breakpoints"),
              "%s: should refuse a model with breakpoints, said '%s'", refusing[b], r.error);
        method_result_free(&r);
    }
    model_destroy(m);
    return check_finish("petab/test_petab_events");
}
