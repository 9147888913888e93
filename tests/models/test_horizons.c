/* test_horizons — the closed-form models of the error-accumulation and memory studies:
 * the oscillator (y = a sin ωt, the report's eq. 16) and the horizon families
 * oscillator-T<T> and freefall-T<T>.  Two independent computations must agree: each closed
 * form (loss, gradient, Hessian; the state) against the model's own expression-graph
 * definition solved at tight tolerance (second-order forward sensitivities for the
 * derivatives, dopri5 for the state).  Also the data and the family names. */
#include "model.h"
#include "odeint.h"
#include "odesys.h"
#include "freefall.h"
#include "oscillator.h"
#include "check.h"
#include "registry.h"

typedef int (*state_fn)(const model *m, const double *theta, double t, double *x);

/* the oracle against soforward at rtol 1e-12: loss, gradient, Hessian */
static void check_oracle(const model *m)
{
    double theta[4], L, g[4], H[16];
    model_nominal(m, theta);
    CHECK(m->exact(m, theta, &L, g, H) == 0, "%s: oracle undefined at nominal theta", m->name);
    method_options o;
    method_options_init(&o);
    o.want = WANT_HESSIAN;
    o.rtol = o.rtol_b = 1e-12;
    o.atol = o.atol_b = 1e-12;
    method_result r;
    CHECK(check_run("soforward", m, theta, &o, NULL, &r) == METHOD_OK, "%s: soforward: %s",
          m->name, r.error);
    if (r.hessian) {
        CHECK(check_rel_diff(r.loss, L) < 1e-9, "%s: loss %.15g vs closed form %.15g", m->name,
              r.loss, L);
        CHECK(check_rel_diff_vec(r.gradient, g, m->np) < 1e-8, "%s: gradient differs by %.3g",
              m->name, check_rel_diff_vec(r.gradient, g, m->np));
        CHECK(check_rel_diff_vec(r.hessian, H, m->np * m->np) < 1e-7, "%s: Hessian differs by %.3g",
              m->name, check_rel_diff_vec(r.hessian, H, m->np * m->np));
    }
    for (int i = 0; i < m->np; i++)
        for (int j = 0; j < m->np; j++)
            CHECK(H[i * m->np + j] == H[j * m->np + i], "%s: Hessian not symmetric", m->name);
    method_result_free(&r);
}

/* the exact state at tf against the model's dynamics, solved by dopri5 at rtol 1e-12 */
static void check_state(const model *m, state_fn state_at)
{
    double theta[4], x[2], exact[2];
    char err[256];
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    odesys sys;
    odesys_model_data data;
    if (!ctx || odesys_model(&sys, &data, ctx, 0) != 0) {
        fprintf(stderr, "%s: no context: %s\n", m->name, err);
        exit(1);
    }
    odeint *I = odeint_new("dopri5", &sys);
    step_control c;
    step_control_default(&c, 1e-12, 1e-12);
    c.max_steps = 10000000;
    const odeint_problem P = {m->t0, m->tf, 0, NULL, NULL, NULL, NULL};
    odeint_stats st;
    model_x0(ctx, x);
    CHECK(odeint_adaptive(I, &P, &c, x, &st, err, sizeof err) == STEP_OK, "%s: %s", m->name, err);
    CHECK(state_at(m, theta, m->tf, exact) == 0, "%s: exact state undefined", m->name);
    for (int i = 0; i < 2; i++)
        CHECK(fabs(x[i] - exact[i]) <= 1e-8 * fmax(1.0, fabs(exact[i])),
              "%s: state %d at tf: solved %.15g, exact %.15g", m->name, i, x[i], exact[i]);
    odeint_free(I);
    odesys_model_release(&data);
    model_ctx_free(ctx);
}

int main(void)
{
    /* the oscillator: data are sin t at 100 points of [0, 20], loss zero at ω = a = 1 */
    model *osc = check_model_create("oscillator");
    const model_condition *c = &osc->cond[0];
    CHECK(osc->np == 2 && osc->nx == 2 && c->ntimes == 100 && c->times[99] == 20.0,
          "oscillator: 100 observations on [0, 20]");
    CHECK(c->values[37] == sin(c->times[37]), "oscillator data are sin t");
    const double truth[2] = {1.0, 1.0};
    double L, x[2], theta[2];
    osc->exact(osc, truth, &L, NULL, NULL);
    CHECK(L < 1e-28, "oscillator: loss %g at the truth", L);
    check_oracle(osc);
    check_state(osc, oscillator_state_at);
    /* y = a sin ωt, v = aω cos ωt at the nominal (1.05, 0.9) */
    model_nominal(osc, theta);
    oscillator_state_at(osc, theta, 2.0, x);
    CHECK(x[0] == 0.9 * sin(1.05 * 2.0) && x[1] == 0.9 * 1.05 * cos(1.05 * 2.0),
          "oscillator state closed form: %.17g %.17g", x[0], x[1]);
    CHECK(freefall_state_at(osc, theta, 1.0, x) == -1, "freefall_state_at took the oscillator");
    model_destroy(osc);

    /* horizon families: data spread over [0, T], oracle and dynamics as before */
    model *o100 = check_model_create("oscillator-T100");
    CHECK(o100->tf == 100.0 && o100->cond[0].times[99] == 100.0, "oscillator-T100 horizon");
    check_oracle(o100);
    check_state(o100, oscillator_state_at);
    model_destroy(o100);

    model *f5 = check_model_create("freefall-T5"), *f = check_model_create("freefall");
    model *f40 = check_model_create("freefall-T40");
    double g5[2], g[2], L5, ftheta[2];
    model_nominal(f, ftheta);
    f->exact(f, ftheta, &L, g, NULL);
    f5->exact(f5, ftheta, &L5, g5, NULL);
    CHECK(L5 == L && g5[0] == g[0] && g5[1] == g[1], "freefall-T5 is not freefall");
    CHECK(f40->tf == 40.0 && f40->cond[0].times[99] == 40.0, "freefall-T40 horizon");
    check_oracle(f40);
    check_state(f40, freefall_state_at);
    CHECK(oscillator_state_at(f40, ftheta, 1.0, x) == -1, "oscillator_state_at took freefall");
    model_destroy(f5);
    model_destroy(f);
    model_destroy(f40);

    /* malformed horizons are refused with a message naming the family */
    const char *bad[] = {"freefall-T0", "freefall-T-3", "freefall-Tx", "freefall-T5s",
                         "oscillator-T", "oscillator-Tnan", "oscillator-T1e9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        model *m = model_create(bad[i], err, sizeof err);
        CHECK(m == NULL && strstr(err, "-T<T> must be a number in (0, 1e+06]") != NULL,
              "%s: accepted, or message '%s'", bad[i], err);
        model_destroy(m);
    }
    return check_finish("models/test_horizons");
}
