/* test_steady — a steady-state initial state and its implicit derivatives, on a model whose
 * steady state is known in closed form:
 *     x1' = k1 − k2 x1 − k3 x1²,   x2' = x1 − k4 x2      (k on log10 scale)
 *     x1_ss = (−k2 + √(k2² + 4 k1 k3)) / (2 k3),   x2_ss = x1_ss / k4
 * Checked: the value, x0_θ against differences of the closed form, the transpose identity,
 * x0_θθ against differences of x0_θ, and (wᵀx0)_θθ u against wᵀx0_θθ[·, u]. */
#include "model.h"
#include "check.h"

static void expect(int ok, const char *what, double got, double want)
{
    CHECK(ok, "%s: got %.15g, want %.15g", what, got, want);
}

static expr rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr x1 = expr_state(g, 0), x2 = expr_state(g, 1);
    expr k1 = expr_param(g, 0), k2 = expr_param(g, 1), k3 = expr_param(g, 2), k4 = expr_param(g, 3);
    expr d1 = expr_sub(g, expr_sub(g, k1, expr_mul(g, k2, x1)), expr_mul(g, k3, expr_powc(g, x1, 2)));
    expr d2 = expr_sub(g, expr_mul(g, x1, expr_constant(g, 0)), expr_mul(g, k4, x2));
    return expr_concat(g, 2, (expr[]){d1, d2});
}

static expr guess(expr_graph *g, const model *m)
{
    (void)m;
    const double ones[2] = {1.0, 1.0};
    return expr_nums(g, 2, ones);
}

static expr obs(expr_graph *g, const model *m)
{
    (void)m;
    return expr_state(g, 1);
}

static void exact(const double *th, double *x)
{
    const double k1 = pow(10, th[0]), k2 = pow(10, th[1]), k3 = pow(10, th[2]), k4 = pow(10, th[3]);
    x[0] = (-k2 + sqrt(k2 * k2 + 4 * k1 * k3)) / (2 * k3);
    x[1] = x[0] / k4;
}

int main(void)
{
    model m;
    memset(&m, 0, sizeof m);
    strcpy(m.name, "steady-test");
    model_alloc(&m, 2, 4, 1, 1);
    const char *names[4] = {"k1", "k2", "k3", "k4"};
    const double nominal[4] = {0.3, -0.2, 0.5, 0.1};
    for (int i = 0; i < 4; i++)
        model_set_param(&m, i, names[i], SCALE_LOG10, nominal[i], -3, 3);
    model_condition_alloc(&m, 0, 1);
    m.cond[0].times[0] = 1.0;
    m.cond[0].values[0] = 0.3;
    m.cond[0].constants[0] = 0.5;     /* the condition changes the dynamics ... */
    m.steady_constants[0] = 1.0;      /* ... the steady state is that of c = 1 */
    m.loss = LOSS_SUM_OF_SQUARES;
    m.rhs = rhs;
    m.steady_guess = guess;
    m.observables = obs;
    char err[256];
    if (model_finish(&m, err, sizeof err) != 0) {
        fprintf(stderr, "FAIL %s\n", err);
        return 1;
    }
    model_ctx *ctx = model_ctx_new(&m, nominal, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "FAIL %s\n", err);
        return 1;
    }
    double x0[2], want[2];
    model_x0(ctx, x0);
    exact(nominal, want);
    for (int i = 0; i < 2; i++)
        expect(fabs(x0[i] - want[i]) <= 1e-14 * fabs(want[i]), "steady state", x0[i], want[i]);

    /* x0_θ column by column against Richardson differences of the closed form */
    double S0[8];
    model_x0_jac(ctx, S0);
    for (int j = 0; j < 4; j++) {
        double th[4], xp[2], xm[2], xp2[2], xm2[2];
        const double h = 1e-3;
        memcpy(th, nominal, sizeof th);
        th[j] = nominal[j] + h; exact(th, xp);
        th[j] = nominal[j] - h; exact(th, xm);
        th[j] = nominal[j] + h / 2; exact(th, xp2);
        th[j] = nominal[j] - h / 2; exact(th, xm2);
        for (int i = 0; i < 2; i++) {
            const double fd = (4 * (xp2[i] - xm2[i]) / h - (xp[i] - xm[i]) / (2 * h)) / 3;
            expect(fabs(S0[i * 4 + j] - fd) <= 1e-9 * fabs(fd) + 1e-13, "x0_theta", S0[i * 4 + j], fd);
        }
    }
    /* transpose identity and second order */
    const double u[4] = {0.3, -0.7, 0.2, 0.9}, u2[4] = {-0.4, 0.1, 0.8, -0.3}, w[2] = {0.6, -1.1};
    double du[2], gw[4], h12[2];
    model_x0_jvp(ctx, u, du);
    model_x0_vjp(ctx, w, gw);
    const double lhs = w[0] * du[0] + w[1] * du[1];
    double rhs_ = 0;
    for (int j = 0; j < 4; j++)
        rhs_ += gw[j] * u[j];
    expect(fabs(lhs - rhs_) <= 1e-13 * fabs(lhs), "x0 transpose identity", lhs, rhs_);
    model_x0_hvv(ctx, u, u2, h12);
    double fd[2];
    {
        const double h = 1e-3, s[4] = {h, -h, h / 2, -h / 2};
        double v[4][2];
        for (int k = 0; k < 4; k++) {
            double th[4];
            for (int j = 0; j < 4; j++)
                th[j] = nominal[j] + s[k] * u2[j];
            model_ctx *c2 = model_ctx_new(&m, th, err, sizeof err);
            model_x0_jvp(c2, u, v[k]);
            model_ctx_free(c2);
        }
        for (int i = 0; i < 2; i++)
            fd[i] = (4 * (v[2][i] - v[3][i]) / h - (v[0][i] - v[1][i]) / (2 * h)) / 3;
    }
    for (int i = 0; i < 2; i++)
        expect(fabs(h12[i] - fd[i]) <= 1e-8 * fabs(fd[i]) + 1e-12, "x0 second order", h12[i], fd[i]);
    double hw[4], c2 = 0;
    model_x0_vjp_jvp(ctx, w, u2, hw);
    for (int j = 0; j < 4; j++)
        c2 += hw[j] * u[j];
    const double c1 = w[0] * h12[0] + w[1] * h12[1];
    expect(fabs(c1 - c2) <= 1e-12 * fabs(c1), "x0 over-adjoint identity", c2, c1);
    /* f(x0) = 0 under the steady-state constants */
    double f[2];
    model_ctx_condition(ctx, -1);
    model_rhs(ctx, m.t0, x0, f);
    expect(fabs(f[0]) < 1e-14 && fabs(f[1]) < 1e-14, "f(x0) = 0", fmax(fabs(f[0]), fabs(f[1])), 0);
    model_ctx_free(ctx);
    model_release(&m);
    if (!check_failures)
        printf("steady state: value and implicit derivatives verified\n");
    return check_finish("core/test_steady");
}
