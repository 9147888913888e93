/* test_jakstat — the JAK2/STAT5 model (docs/models.md §3): parameters, data, the positive spline
 * input, the loss at the nominal θ from independent solvers, the structural identity of the
 * p2 and init_STAT gradient entries, and the conservation law along the trajectory. */
#include "modeltest.h"
#include "spline.h"
#include "jakstat.h"
#include "registry.h"

static const double nominal[JAKSTAT_NP] = {0.60, 3, -0.95, -0.0075, 0, -2.8, -0.26, -0.075,
                                           -0.41, -5, -0.74, -0.64, -0.11, 0.027, -0.5, 0,
                                           -0.5};
static const char *const names[JAKSTAT_NP] = {
    "p1", "p2", "p3", "p4", "init_STAT", "sp1", "sp2", "sp3", "sp4", "sp5", "offset_tSTAT",
    "offset_pSTAT", "scale_tSTAT", "scale_pSTAT", "sigma_pSTAT", "sigma_tSTAT", "sigma_pEpoR"};

static void check_definition(const model *m)
{
    CHECK(m->nx == 9 && m->np == 17 && m->ny == 3 && m->nc == 0, "sizes");
    CHECK(model_count_data(m) == 46, "data points %d", model_count_data(m));
    CHECK(m->ncond == 1 && m->cond[0].ntimes == 16 && m->cond[0].times[15] == 60.0,
          "16 times up to 60 min");
    CHECK(m->loss == LOSS_GAUSSIAN_NLL && m->stiff && m->rtol == 1e-12 && m->atol == 1e-14,
          "likelihood, stiff hint, upstream tolerances");
    for (int j = 0; j < JAKSTAT_NP; j++) {
        const model_param *p = &m->params[j];
        CHECK(strcmp(p->name, names[j]) == 0 && p->nominal == nominal[j] &&
                  p->scale == SCALE_LOG10,
              "parameter %d: %s = %g", j, p->name, p->nominal);
        const int wide = j == JAKSTAT_P2 || j == JAKSTAT_P4;
        const double lower = wide ? -3 : j == JAKSTAT_SP1 + 4 ? -6 : -5, upper = wide ? 6 : 3;
        CHECK(p->lower == lower && p->upper == upper, "bounds of %s", p->name);
    }
    /* data: pSTAT missing at t = 0, pEpoR missing at t = 60; one value per column */
    const double *v = m->cond[0].values;
    CHECK(isnan(v[0]) && v[1] == 1 && v[2] == 0.01713 && v[3 * 2 + 0] == 0.8645 &&
              v[3 * 4 + 1] == 0.7053 && isnan(v[3 * 15 + 2]),
          "data table values");
}

/* y_pEpoR = u(t) = exp(S(t)): at the nodes u = sp_k; beyond them the end cubics continue and
 * u stays positive; and u agrees with the spline through ln sp evaluated directly. */
static void check_input(const model *m)
{
    char err[256];
    double theta[JAKSTAT_NP], x[JAKSTAT_NX] = {0}, y[3];
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    spline_basis s;
    CHECK(spline_basis_init(&s, JAKSTAT_NSPLINE, jakstat_spline_times, err, sizeof err) == 0,
          "%s", err);
    double log_nodes[JAKSTAT_NSPLINE];
    for (int k = 0; k < JAKSTAT_NSPLINE; k++)
        log_nodes[k] = log(pow(10.0, theta[JAKSTAT_SP1 + k]));
    for (int k = 0; k < JAKSTAT_NSPLINE; k++) {
        model_observables(ctx, jakstat_spline_times[k], x, y);
        CHECK(check_rel_diff(y[2], pow(10.0, theta[JAKSTAT_SP1 + k])) < 1e-14,
              "u(t_%d) = %.17g", k, y[2]);
    }
    for (double t = -5.0; t <= 80.0; t += 0.25) {
        model_observables(ctx, t, x, y);
        CHECK(y[2] > 0.0 && check_rel_diff(y[2], exp(spline_eval(&s, log_nodes, t, 0))) < 1e-14,
              "u(%g) = %.17g", t, y[2]);
    }
    spline_basis_free(&s);
    model_ctx_free(ctx);
}

/* The loss at the nominal θ: CVODES BDF and Adams at the upstream tolerances and our
 * Dormand–Prince pair at the same tolerances — three different integrators. */
static void check_loss(const model *m)
{
    double theta[JAKSTAT_NP], bdf = NAN, adams = NAN, rk = NAN;
    model_nominal(m, theta);
    CHECK(mt_loss_cvodes(m, theta, CV_FAMILY_BDF, 1e-12, 1e-14, &bdf) == 0, "bdf solve");
    CHECK(mt_loss_cvodes(m, theta, CV_FAMILY_ADAMS, 1e-12, 1e-14, &adams) == 0,
          "adams solve");
    CHECK(mt_loss_ours(m, theta, MT_DOPRI5, 1e-12, 1e-14, &rk) == 0, "dopri5 solve");
    printf("  loss at nominal theta: bdf %.15g, adams %.15g, dopri5 %.15g\n", bdf, adams, rk);
    CHECK(check_rel_diff(bdf, adams) < 1e-9 && check_rel_diff(bdf, rk) < 1e-9,
          "losses disagree: %.15g %.15g %.15g", bdf, adams, rk);
}

/* Everything depends on p2 and init_STAT only through p2·init_STAT, so in log10 coordinates
 * the two gradient entries are equal (at the nominal θ and elsewhere). */
static void check_product_identity(const model *m)
{
    double theta[JAKSTAT_NP];
    model_nominal(m, theta);
    for (int trial = 0; trial < 2; trial++) {
        if (trial == 1) {   /* a second point: shift p2 and init_STAT differently */
            theta[JAKSTAT_P2] += 0.4;
            theta[JAKSTAT_INIT_STAT] -= 0.7;
            theta[JAKSTAT_P1] += 0.2;
        }
        method_result r;
        method_status st = mt_gradient("forward", m, theta, 1e-12, 1e-14, NULL, &r);
        CHECK(st == METHOD_OK, "forward: %s", r.error);
        if (st == METHOD_OK) {
            const double a = r.gradient[JAKSTAT_P2], b = r.gradient[JAKSTAT_INIT_STAT];
            printf("  point %d: dL/dtheta(p2) = %.15g, dL/dtheta(init_STAT) = %.15g, rel %.2g\n",
                   trial, a, b, check_rel_diff(a, b));
            CHECK(check_rel_diff(a, b) <= 1e-8,
                  "gradient entries p2 %.15g and init_STAT %.15g", a, b);
        }
        method_result_free(&r);
    }
}

/* Ω_cyt (STAT + pSTAT + 2 pSTAT_pSTAT) + Ω_nuc (2 npSTAT_npSTAT + Σ nSTATi) = Ω_cyt init_STAT
 * along the trajectory (dense output at 601 times). */
static void check_conservation(const model *m)
{
    enum { NT = 601 };
    char err[256];
    double theta[JAKSTAT_NP], x[JAKSTAT_NX], tout[NT];
    static double xout[NT * JAKSTAT_NX];
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    rk_solver *S = rk_solver_new(&rk_dopri5, JAKSTAT_NX);
    for (int i = 0; i < NT; i++)
        tout[i] = 60.0 * i / (NT - 1);
    const rk_problem P = {JAKSTAT_NX, mt_rhs, ctx, 0.0, 60.0, NT, tout, xout, NULL, NULL};
    step_control c;
    step_control_default(&c, 1e-12, 1e-14);
    rk_stats st;
    model_x0(ctx, x);
    CHECK(rk_solve_adaptive(S, &P, &c, x, &st, err, sizeof err) == STEP_OK, "%s", err);
    const double total = JAKSTAT_OMEGA_CYT * pow(10.0, theta[JAKSTAT_INIT_STAT]);
    double worst = 0.0;
    for (int i = 0; i < NT; i++) {
        const double *s = xout + i * JAKSTAT_NX;
        double nuclear = 2.0 * s[JAKSTAT_NPSTAT_NPSTAT];
        for (int j = 0; j < 5; j++)
            nuclear += s[JAKSTAT_NSTAT1 + j];
        const double cytoplasm =
            s[JAKSTAT_STAT] + s[JAKSTAT_PSTAT] + 2.0 * s[JAKSTAT_PSTAT_PSTAT];
        const double amount = JAKSTAT_OMEGA_CYT * cytoplasm + JAKSTAT_OMEGA_NUC * nuclear;
        worst = fmax(worst, check_rel_diff(amount, total));
    }
    printf("  conservation law: worst relative deviation %.2g over %d times\n", worst, NT);
    CHECK(worst <= 1e-9, "conservation violated by %.3g", worst);
    /* a non-trivial trajectory: most STAT has left the cytoplasm pool at some time */
    CHECK(xout[(NT / 6) * JAKSTAT_NX + JAKSTAT_STAT] < 0.9 * pow(10.0, theta[JAKSTAT_INIT_STAT]),
          "STAT did not move");
    rk_solver_free(S);
    model_ctx_free(ctx);
}

int main(void)
{
    model *m = check_model_create("jakstat");
    check_definition(m);
    check_input(m);
    check_loss(m);
    check_product_identity(m);
    check_conservation(m);
    model_destroy(m);
    return check_finish("jakstat");
}
