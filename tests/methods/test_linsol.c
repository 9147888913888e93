/* The Newton linear solver of the CVODES backends (--opt linsol):
 *  - every Krylov variant (ILU(0)-preconditioned, band-LU-preconditioned, unpreconditioned)
 *    gives the loss, the forward-sensitivity gradient (simultaneous and staggered) and the
 *    adjoint gradient of the dense solver at tight tolerance, on brusselator-3/-4 and on the
 *    stiff robertson and jakstat models, in about as many steps (a wrong product would show
 *    there); backsolve's gradient likewise on models it can run (freefall, a network);
 *  - the option reaches the solver: dense evaluates dense Jacobians and no products, the
 *    Krylov solvers the reverse, in the forward and in the backward pass, and fd too;
 *  - auto picks what the measurements say: dense up to 18 states (brusselator-2/-3), krylov
 *    from 32 (brusselator-4 on), dense for small stiff models and for a dense Jacobian
 *    (a 40-state neural network);
 *  - a bad value is a one-line input error naming the choices. */
#include "cvtest.h"

#include "cvwrap.h"
#include "registry.h"

#define RTOL 1e-9
#define ATOL 1e-11
/* Agreement at RTOL is the two runs' global errors, ~10–100 rtol: measured differences to
 * dense are ≤ 2.3e-8 (gradient, relative to its largest entry) and ≤ 5e-8 (loss: robertson,
 * where the dense run is the less accurate one — 4e-8 from its rtol 1e-12 value, Krylov
 * 1e-8).  The limits leave a factor 2–5.
 * The Newton solution does not depend on the linear solver, only the iteration does, so a
 * wrong Jacobian product shows in the work, not in the result: with the backward product's
 * sign flipped, the adjoint took 3.0× (brusselator-4), 1.5× (jakstat) the dense run's
 * backward steps, or failed (robertson).  Correct runs took at most 1.10× (preconditioned)
 * and 1.32× (unpreconditioned) the dense run's steps, forward or backward. */
#define GRAD_TOL 1e-7
#define LOSS_TOL 1e-7
#define STEPS_PREC 1.25
#define STEPS_NOPREC 1.45
#define STEPS_SLACK 10

static int steps_ok(long steps, long dense_steps, const char *kind)
{
    const double limit = strcmp(kind, "krylov-noprec") == 0 ? STEPS_NOPREC : STEPS_PREC;
    return steps <= limit * dense_steps + STEPS_SLACK;
}

static const char *const krylov_kinds[] = {"krylov", "krylov-band", "krylov-noprec"};

static method_status run(const char *backend, const model *m, const double *theta,
                         const char *linsol, const char *extra, method_result *r)
{
    char opt[64];
    snprintf(opt, sizeof opt, "linsol=%s", linsol);
    const char *kv[] = {opt, extra, NULL};
    return cvtest_run(backend, m, theta, RTOL, ATOL, NULL, kv, r);
}

/* backend with every Krylov kind against dense; the solver kind shows in the counts */
static void agree(const char *model_name, const char *backend, const char *extra)
{
    model *m = check_model_create(model_name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    method_result ref;
    method_status s = run(backend, m, theta, "dense", extra, &ref);
    CHECK(s == METHOD_OK, "%s %s dense: %s", model_name, backend, ref.error);
    const int backward = strcmp(backend, "adjoint") == 0;
    if (s == METHOD_OK) {
        CHECK(ref.fwd.jac > 0 && (!backward || ref.bwd.jac > 0),
              "%s %s dense: no dense Jacobians (%ld, %ld)", model_name, backend,
              ref.fwd.jac, ref.bwd.jac);
        for (size_t k = 0; k < sizeof krylov_kinds / sizeof krylov_kinds[0]; k++) {
            method_result r;
            s = run(backend, m, theta, krylov_kinds[k], extra, &r);
            CHECK(s == METHOD_OK, "%s %s %s: %s", model_name, backend, krylov_kinds[k],
                  r.error);
            if (s == METHOD_OK) {
                const double dg = cvtest_scaled_err(r.gradient, ref.gradient, m->np);
                const double dl = fabs(r.loss - ref.loss) / fabs(ref.loss);
                printf("%-14s %-8s %-8s %-14s gradient %.2e  loss %.2e  (steps %ld/%ld vs "
                       "%ld/%ld; products per step %.2f/%.2f)\n", model_name, backend,
                       extra ? extra : "", krylov_kinds[k], dg, dl, r.steps_fwd, r.steps_bwd,
                       ref.steps_fwd, ref.steps_bwd, (double)r.fwd.jvp / r.steps_fwd,
                       r.steps_bwd ? (double)r.bwd.jvp / r.steps_bwd : 0.0);
                CHECK(dg <= GRAD_TOL && dl <= LOSS_TOL,
                      "%s %s %s: gradient %.2e, loss %.2e from dense", model_name,
                      backend, krylov_kinds[k], dg, dl);
                CHECK(steps_ok(r.steps_fwd, ref.steps_fwd, krylov_kinds[k]) &&
                          steps_ok(r.steps_bwd, ref.steps_bwd, krylov_kinds[k]),
                      "%s %s %s: steps %ld/%ld against dense %ld/%ld", model_name,
                      backend, krylov_kinds[k], r.steps_fwd, r.steps_bwd, ref.steps_fwd,
                      ref.steps_bwd);
                /* GMRES products, no dense Jacobian, forward and backward */
                CHECK(r.fwd.jac == 0 && r.fwd.jvp > 0 && r.bwd.jac == 0 &&
                          (!backward || r.bwd.jvp > 0 || strcmp(krylov_kinds[k],
                                                                "krylov-noprec") == 0),
                      "%s %s %s: counts fwd jac %ld jvp %ld, bwd jac %ld jvp %ld",
                      model_name, backend, krylov_kinds[k], r.fwd.jac, r.fwd.jvp,
                      r.bwd.jac, r.bwd.jvp);
            }
            method_result_free(&r);
        }
    }
    method_result_free(&ref);
    free(theta);
    model_destroy(m);
}

/* backsolve (CVODES BDF on [z, a]): the Krylov kinds against dense on models whose state runs
 * backwards stably (on stiff ones backsolve fails with any linear solver) */
static void agree_backsolve(const char *model_name)
{
    model *m = check_model_create(model_name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    method_result ref;
    const char *dense[] = {"linsol=dense", NULL};
    method_status s = cvtest_run("backsolve", m, theta, RTOL, ATOL, "bdf", dense, &ref);
    CHECK(s == METHOD_OK && ref.bwd.jac > 0, "%s backsolve dense: %s", model_name,
          ref.error);
    for (size_t k = 0; s == METHOD_OK && k < sizeof krylov_kinds / sizeof krylov_kinds[0]; k++) {
        char opt[64];
        snprintf(opt, sizeof opt, "linsol=%s", krylov_kinds[k]);
        const char *kv[] = {opt, NULL};
        method_result r;
        method_status sk = cvtest_run("backsolve", m, theta, RTOL, ATOL, "bdf", kv, &r);
        CHECK(sk == METHOD_OK, "%s backsolve %s: %s", model_name, krylov_kinds[k],
              r.error);
        if (sk == METHOD_OK) {
            const double dg = cvtest_scaled_err(r.gradient, ref.gradient, m->np);
            printf("%-14s backsolve         %-14s gradient %.2e  (steps %ld/%ld vs %ld/%ld)\n",
                   model_name, krylov_kinds[k], dg, r.steps_fwd, r.steps_bwd, ref.steps_fwd,
                   ref.steps_bwd);
            CHECK(dg <= GRAD_TOL, "%s backsolve %s: gradient %.2e from dense",
                  model_name, krylov_kinds[k], dg);
            /* products [f_z dz; ...] are a tangent and a tangent-over-adjoint each */
            CHECK(r.bwd.jac == 0 && r.bwd.second > 0 && r.bwd.jvp > 0 &&
                      steps_ok(r.steps_bwd, ref.steps_bwd, krylov_kinds[k]),
                  "%s backsolve %s: bwd jac %ld second %ld jvp %ld, steps %ld vs %ld",
                  model_name, krylov_kinds[k], r.bwd.jac, r.bwd.second, r.bwd.jvp,
                  r.steps_bwd, ref.steps_bwd);
        }
        method_result_free(&r);
    }
    method_result_free(&ref);
    free(theta);
    model_destroy(m);
}

/* the plain forward loss (cv_loss, as fd uses it) of every kind against dense */
static void agree_loss(const char *model_name)
{
    model *m = check_model_create(model_name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    double ref = 0.0;
    for (cv_linsol ls = CV_LINSOL_DENSE; ls <= CV_LINSOL_KRYLOV_NOPREC; ls++) {
        cv_settings s = {"test", CV_FAMILY_BDF, RTOL, ATOL, 1000000, ls};
        eval_counts counts = {0};
        double loss = NAN;
        CHECK(cv_loss(ctx, &s, &counts, &loss, NULL, NULL, err, sizeof err) == 0,
              "%s: %s", model_name, err);
        if (ls == CV_LINSOL_DENSE)
            ref = loss;
        CHECK(fabs(loss - ref) <= LOSS_TOL * fabs(ref), "%s %s loss %.15g vs dense %.15g",
              model_name, cv_linsol_name(ls), loss, ref);
        CHECK((ls == CV_LINSOL_DENSE) == (counts.jac > 0), "%s %s: %ld dense Jacobians",
              model_name, cv_linsol_name(ls), counts.jac);
    }
    model_ctx_free(ctx);
    free(theta);
    model_destroy(m);
}

/* auto: what cv_linsol_auto says and what a solver then uses */
static void check_auto(const char *model_name, cv_linsol expect)
{
    model *m = check_model_create(model_name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    const cv_linsol picked = cv_linsol_auto(m);
    CHECK(picked == expect, "%s: auto picks %s, expected %s", model_name,
          cv_linsol_name(picked), cv_linsol_name(expect));
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    cv_settings s = {"test", CV_FAMILY_BDF, 1e-6, 1e-8, 1000000, CV_LINSOL_AUTO};
    cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, NULL, NULL};
    cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
    CHECK(cv != NULL, "%s: %s", model_name, err);
    if (cv) {
        cv_linsol_stats st;
        cv_linsol_stats_get(cv, &st);
        CHECK(st.used == expect, "%s: the solver uses %s", model_name,
              cv_linsol_name(st.used));
        cv_free(cv);
    }
    printf("auto on %-16s (%4d states): %s\n", model_name, m->nx, cv_linsol_name(picked));
    fflush(stdout);
    model_ctx_free(ctx);
    free(theta);
    model_destroy(m);
}

static void check_errors(void)
{
    cv_linsol ls;
    CHECK(cv_linsol_parse("bogus", &ls) == -1, "parse accepted 'bogus'");
    CHECK(cv_linsol_parse(NULL, &ls) == 0 && ls == CV_LINSOL_AUTO, "NULL is auto");
    for (cv_linsol k = CV_LINSOL_AUTO; k <= CV_LINSOL_KRYLOV_NOPREC; k++) {
        cv_linsol back;
        CHECK(cv_linsol_parse(cv_linsol_name(k), &back) == 0 && back == k,
              "name %s does not parse back", cv_linsol_name(k));
    }
    model *m = check_model_create("brusselator-2");
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    const char *backends[] = {"forward", "adjoint", "fd", "backsolve"};
    for (int b = 0; b < 4; b++) {
        method_result r;
        method_status s = run(backends[b], m, theta, "sparse", NULL, &r);
        CHECK(s == METHOD_EINPUT && strstr(r.error, "linsol") &&
                  strstr(r.error, CV_LINSOL_CHOICES) && strstr(r.error, "'sparse'") &&
                  !strchr(r.error, '\n'),
              "%s: bad linsol gives status %d, '%s'", backends[b], (int)s, r.error);
        method_result_free(&r);
    }
    /* fd honours the option too (its forward solves) */
    const char *fwd[] = {"scheme=forward", "linsol=krylov", NULL};
    method_result r;
    method_status s = cvtest_run("fd", m, theta, 0, 0, NULL, fwd, &r);
    CHECK(s == METHOD_OK && r.fwd.jac == 0 && r.fwd.jvp > 0,
          "fd linsol=krylov: status %d, %ld dense Jacobians, %ld products (%s)", (int)s,
          r.fwd.jac, r.fwd.jvp, r.error);
    method_result_free(&r);
    free(theta);
    model_destroy(m);
}

int main(void)
{
    agree_loss("brusselator-4");
    agree_loss("robertson");
    agree("brusselator-3", "forward", NULL);
    agree("brusselator-3", "forward", "mode=staggered");
    agree("brusselator-4", "adjoint", NULL);
    agree("robertson", "forward", NULL);
    agree("robertson", "adjoint", NULL);
    agree("jakstat", "forward", NULL);
    agree("jakstat", "adjoint", NULL);
    agree_backsolve("freefall");
    agree_backsolve("mlp-32-16");
    check_auto("brusselator-2", CV_LINSOL_DENSE);
    check_auto("brusselator-3", CV_LINSOL_DENSE);
    check_auto("brusselator-4", CV_LINSOL_KRYLOV);
    check_auto("brusselator-17", CV_LINSOL_KRYLOV);
    check_auto("robertson", CV_LINSOL_DENSE);
    check_auto("jakstat", CV_LINSOL_DENSE);
    check_auto("mlp-40-8", CV_LINSOL_DENSE);
    check_errors();
    return check_finish("methods/test_linsol");
}
