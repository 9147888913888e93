/* test_petab_toy — the PEtab likelihood on a two-point toy problem (tests/petab/toy), against
 * the likelihood computed here by hand.
 *
 * A decays, A(t) = A0 e^{−kt}, A0 = 3 (amount) / 2 (compartment size) = 1.5, so the
 * concentration/amount conversion is checked too.  Six observables, two time points each,
 * cover normal and Laplace noise with the lin, log (ln) and log10 transformations;
 * y_log_normal takes its scale and σ from per-measurement overrides that change between the
 * two time points (a parameter id, then a number; a number, then a parameter id).
 * θ = (ln k, scale, log10 σ): k is on the natural-log scale.
 * The importer's loss (forward sensitivities, tight tolerance) must equal the hand-computed
 * loss, its forward and adjoint gradients the central differences of the hand formula, and
 * its soforward and soadjoint Hessians the formula's second differences.
 *
 * Objective priors (toy_prior.yaml: the same problem with a parameter table that gives k a
 * logNormal prior on its natural value, scale a Laplace prior, σ a normal prior on its log10
 * scale, and the fixed offset a prior that must be ignored): the prior term against the
 * densities written out here, its gradient and Hessian against their differences, and the
 * objective `fit` minimises (fit/opt_backend.h: loss, gradient and Hessian callbacks) against
 * hand loss + hand prior. */
#include "petab.h"
#include "model_prior.h"
#include "opt_backend.h"
#include "check.h"

#define TOY "petab:" ODEGRAD_SOURCE_DIR "/tests/petab/toy/toy.yaml"
#define TOY_PRIOR "petab:" ODEGRAD_SOURCE_DIR "/tests/petab/toy_prior/toy_prior.yaml"

static const double LN10 = 2.302585092994045684;

static double normal(double m, double y, double sigma, int transform)
{
    const double tm = transform == 1 ? log(m) : transform == 2 ? log10(m) : m;
    const double ty = transform == 1 ? log(y) : transform == 2 ? log10(y) : y;
    const double jac = transform == 1 ? log(m) : transform == 2 ? log(m * LN10) : 0.0;
    const double r = (tm - ty) / sigma;
    return 0.5 * log(2.0 * M_PI * sigma * sigma) + 0.5 * r * r + jac;
}

static double laplace(double m, double y, double sigma, int transform)
{
    const double tm = transform == 1 ? log(m) : transform == 2 ? log10(m) : m;
    const double ty = transform == 1 ? log(y) : transform == 2 ? log10(y) : y;
    const double jac = transform == 1 ? log(m) : transform == 2 ? log(m * LN10) : 0.0;
    return log(2.0 * sigma) + fabs(tm - ty) / sigma + jac;
}

/* the toy's negative log-likelihood at θ, by hand */
static double hand_loss(const double *theta)
{
    const double k = exp(theta[0]), scale = theta[1], sigma = pow(10.0, theta[2]);
    const double offset = 0.25;
    const double t[2] = {1.0, 2.0}, m[2] = {1.9, 0.45};
    double L = 0.0;
    for (int i = 0; i < 2; i++) {
        const double A = 1.5 * exp(-k * t[i]);
        L += normal(m[i], scale * A + offset, sigma, 0);
        L += normal(m[i], A, sigma, 2);
        L += laplace(m[i], A, 0.2, 0);
        L += laplace(m[i], A, 2.0 * sigma, 1);
        L += laplace(m[i], A, 0.4, 2);
    }
    /* y_log_normal: (scale, σ = 0.5) at t = 1 with m = 2.2; (2, σ) at t = 2 with m = 0.6 */
    L += normal(2.2, scale * 1.5 * exp(-k), 0.5, 1);
    L += normal(0.6, 2.0 * 1.5 * exp(-2.0 * k), sigma, 1);
    return L;
}

/* −log of the toy's prior densities at θ = (ln k, scale, log10 σ), by hand */
static double hand_prior(const double *theta)
{
    const double k = exp(theta[0]);
    /* k: ln k ~ normal(−0.5, 0.8), as a density of k: 1/(k·0.8·√(2π)) e^{−(ln k + 0.5)²/1.28} */
    const double pk = exp(-pow(log(k) + 0.5, 2) / (2 * 0.64)) / (k * 0.8 * sqrt(2 * M_PI));
    const double ps = exp(-fabs(theta[1] - 1.0) / 0.5) / (2 * 0.5);   /* Laplace(1, 0.5) */
    /* log10 σ ~ normal(−0.4, 0.3) */
    const double pg = exp(-pow(theta[2] + 0.4, 2) / (2 * 0.09)) / (0.3 * sqrt(2 * M_PI));
    return -log(pk) - log(ps) - log(pg);
}

static double hand_objective(const double *theta)
{
    return hand_loss(theta) + hand_prior(theta);
}

/* central first and second differences of f at θ (3 parameters) */
static void differences(double (*f)(const double *), const double *theta, double *g, double *H)
{
    for (int i = 0; i < 3; i++) {
        double tp[3] = {theta[0], theta[1], theta[2]}, tm[3] = {theta[0], theta[1], theta[2]};
        tp[i] += 1e-5;
        tm[i] -= 1e-5;
        g[i] = (f(tp) - f(tm)) / 2e-5;
        for (int j = 0; j < 3; j++) {
            const double h = 1e-4;
            double t[4][3];
            for (int q = 0; q < 4; q++)
                for (int k = 0; k < 3; k++)
                    t[q][k] = theta[k];
            t[0][i] += h, t[0][j] += h;
            t[1][i] += h, t[1][j] -= h;
            t[2][i] -= h, t[2][j] += h;
            t[3][i] -= h, t[3][j] -= h;
            H[i * 3 + j] = (f(t[0]) - f(t[1]) - f(t[2]) + f(t[3])) / (4.0 * h * h);
        }
    }
}

static void check_priors(void)
{
    model *m = check_model_create(TOY_PRIOR);
    CHECK(m->np == 3 && m->params[0].prior == PRIOR_LOG_NORMAL &&
              m->params[1].prior == PRIOR_LAPLACE && m->params[2].prior == PRIOR_SCALE_NORMAL &&
              m->params[2].prior_a == -0.4 && m->params[2].prior_b == 0.3,
          "the priors of the parameter table");
    /* away from the Laplace kink at scale = 1 */
    const double theta[3] = {log(1.3), 0.8, log10(0.7)};
    double P, g[3], H[9], gd[3], Hd[9];
    char err[256];
    CHECK(model_prior(m, theta, &P, g, H, err, sizeof err) == 0, "prior: %s", err);
    CHECK(fabs(P - hand_prior(theta)) < 1e-13, "prior %.17g, by hand %.17g", P,
          hand_prior(theta));
    differences(hand_prior, theta, gd, Hd);
    CHECK(check_rel_diff_vec(g, gd, 3) < 1e-8, "prior gradient (%g %g %g), differences "
          "(%g %g %g)", g[0], g[1], g[2], gd[0], gd[1], gd[2]);
    CHECK(check_rel_diff_vec(H, Hd, 9) < 1e-5, "prior Hessian differs from its differences "
          "by %.3g", check_rel_diff_vec(H, Hd, 9));

    /* the objective fit minimises: data term + prior, with gradient and Hessian */
    const method_options o = check_options(1e-12, 1e-14);
    optb_objective ob;
    opt_problem op;
    CHECK(optb_open(&ob, m, &o, method_find("forward"), method_find("soforward"), 0, err,
                    sizeof err) == 0, "optb_open: %s", err);
    optb_problem(&ob, &op);
    double L = 0, Lg = 0, Lh = 0, gg[3], hg[3], hh[9];
    CHECK(op.loss(op.user, theta, &L, err, sizeof err) == 0, "loss: %s", err);
    CHECK(op.gradient(op.user, theta, &Lg, gg, err, sizeof err) == 0, "gradient: %s", err);
    CHECK(op.hessian(op.user, theta, &Lh, hg, hh, err, sizeof err) == 0, "Hessian: %s", err);
    const double want = hand_objective(theta);
    differences(hand_objective, theta, gd, Hd);
    CHECK(check_rel_diff(L, want) < 1e-9 && check_rel_diff(Lg, want) < 1e-9 &&
              check_rel_diff(Lh, want) < 1e-9,
          "fit's objective %.15g / %.15g / %.15g, by hand %.15g", L, Lg, Lh, want);
    CHECK(check_rel_diff_vec(gg, gd, 3) < 1e-7 && check_rel_diff_vec(hg, gd, 3) < 1e-7,
          "fit's gradient differs from the hand objective's differences by %.3g / %.3g",
          check_rel_diff_vec(gg, gd, 3), check_rel_diff_vec(hg, gd, 3));
    CHECK(check_rel_diff_vec(hh, Hd, 9) < 1e-5, "fit's Hessian differs from the hand "
          "objective's differences by %.3g", check_rel_diff_vec(hh, Hd, 9));
    optb_close(&ob);
    /* least squares cannot carry the prior: refused, not dropped */
    CHECK(optb_open(&ob, m, &o, method_find("forward"), NULL, 1, err, sizeof err) != 0,
          "gauss-newton must refuse a model with priors");
    optb_close(&ob);
    model_destroy(m);
}

int main(void)
{
    check_priors();
    model *m = check_model_create(TOY);
    CHECK(m->np == 3 && m->nx == 1 && m->ncond == 1, "sizes np %d nx %d ncond %d", m->np, m->nx,
          m->ncond);
    CHECK(m->params[0].scale == SCALE_LN && fabs(m->params[0].nominal - log(0.7)) < 1e-15 &&
              fabs(m->params[0].lower - log(0.001)) < 1e-15,
          "k is on the ln scale, nominal and bounds as ln of the table's values");
    CHECK(m->params[2].scale == SCALE_LOG10 && fabs(m->params[2].nominal - log10(0.3)) < 1e-15,
          "sigma is on the log10 scale");
    CHECK(m->loss == LOSS_CUSTOM, "transformed and Laplace noise need the custom loss");
    CHECK(model_count_data(m) == 12, "12 data points, got %d", model_count_data(m));

    const double points[2][3] = {{log(0.7), 1.5, log10(0.3)}, {log(1.3), 0.8, log10(0.7)}};
    const method_options o = check_options(1e-12, 1e-14);
    for (int q = 0; q < 2; q++) {
        const double *theta = points[q];
        const double want = hand_loss(theta);
        double fd[3];
        for (int j = 0; j < 3; j++) {
            double tp[3] = {theta[0], theta[1], theta[2]}, tm[3] = {theta[0], theta[1], theta[2]};
            const double h = 1e-5;
            tp[j] += h;
            tm[j] -= h;
            fd[j] = (hand_loss(tp) - hand_loss(tm)) / (2.0 * h);
        }
        static const char *const backends[] = {"forward", "adjoint"};
        for (int b = 0; b < 2; b++) {
            method_result r;
            const method_status st = check_run(backends[b], m, theta, &o, NULL, &r);
            CHECK(st == METHOD_OK, "%s: %s", backends[b], r.error);
            if (st == METHOD_OK) {
                CHECK(check_rel_diff(r.loss, want) < 1e-9, "point %d %s: loss %.15g, by hand "
                      "%.15g", q, backends[b], r.loss, want);
                CHECK(check_rel_diff_vec(r.gradient, fd, 3) < 1e-7,
                      "point %d %s: gradient (%g %g %g), by hand (%g %g %g)", q, backends[b],
                      r.gradient[0], r.gradient[1], r.gradient[2], fd[0], fd[1], fd[2]);
            }
            method_result_free(&r);
        }
    }
    /* second order, and with it the ln scale's second chain-rule term p'' = p: the Hessians
     * of soforward and soadjoint against central differences of the hand-computed loss */
    method_options oh = o;
    oh.want = WANT_HESSIAN;
    const double *theta = points[1];
    double H[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            const double h = 1e-4;
            double t[4][3];
            for (int q = 0; q < 4; q++)
                for (int k = 0; k < 3; k++)
                    t[q][k] = theta[k];
            t[0][i] += h, t[0][j] += h;
            t[1][i] += h, t[1][j] -= h;
            t[2][i] -= h, t[2][j] += h;
            t[3][i] -= h, t[3][j] -= h;
            H[i * 3 + j] = (hand_loss(t[0]) - hand_loss(t[1]) - hand_loss(t[2]) + hand_loss(t[3])) /
                           (4.0 * h * h);
        }
    static const char *const second[] = {"soforward", "soadjoint"};
    for (int b = 0; b < 2; b++) {
        method_result r;
        const method_status st = check_run(second[b], m, theta, &oh, NULL, &r);
        CHECK(st == METHOD_OK && r.hessian, "%s: %s", second[b], r.error);
        if (st == METHOD_OK && r.hessian)
            CHECK(check_rel_diff_vec(r.hessian, H, 9) < 1e-6, "%s: Hessian differs from the "
                  "hand-computed one by %.3g", second[b], check_rel_diff_vec(r.hessian, H, 9));
        method_result_free(&r);
    }
    /* residual-based backends refuse a custom loss instead of answering for a Gaussian one */
    method_result r;
    CHECK(check_run("fim", m, points[0], &o, NULL, &r) == METHOD_EUNSUPPORTED,
          "fim must refuse a transformed/Laplace likelihood");
    method_result_free(&r);
    model_destroy(m);
    return check_finish("petab/test_petab_toy");
}
