/* test_opt — the optimisers on closed-form objectives: every optimiser (trust-region reflective
 * and Ipopt included) finds the minimiser
 * of Rosenbrock's function (as ½‖f‖² with f = (10(y − x²), 1 − x)) inside a box and the
 * minimiser of a problem whose solution lies on a bound; newton-tr leaves a saddle along
 * negative curvature where the gradient gives no direction (the hard case of its subproblem);
 * evaluations are counted as documented; an objective that fails everywhere but at the start
 * stalls with the reason, and one that fails at the start fails; Hessians or Jacobians that
 * fail now and then do not stop newton-tr or gauss-newton; no optimiser moves a parameter
 * the objective cannot see; a processor-time budget stops every optimiser; bad starts and
 * settings are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "boxmap.h"
#include "opt.h"

/* A closed-form objective: one function gives L, ∇L and ∇²L (g, H may be NULL); the generic
 * callbacks below serve it as an opt_problem (user = the closed_form). */
typedef int (*hessian_fn)(void *user, const double *t, double *L, double *g, double *H,
                          char *err, size_t len);
typedef int (*residuals_fn)(void *user, const double *t, double *f, double *J, char *err,
                            size_t len);
typedef struct {
    hessian_fn hessian;
    residuals_fn residuals;
    void *user;
} closed_form;

static int cf_loss(void *user, const double *t, double *L, char *err, size_t len)
{
    const closed_form *cf = user;
    return cf->hessian(cf->user, t, L, NULL, NULL, err, len);
}

static int cf_gradient(void *user, const double *t, double *L, double *g, char *err, size_t len)
{
    const closed_form *cf = user;
    return cf->hessian(cf->user, t, L, g, NULL, err, len);
}

static int cf_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                      size_t len)
{
    const closed_form *cf = user;
    return cf->hessian(cf->user, t, L, g, H, err, len);
}

static int cf_residuals(void *user, const double *t, double *f, double *J, char *err, size_t len)
{
    const closed_form *cf = user;
    return cf->residuals(cf->user, t, f, J, err, len);
}

/* the problem of a closed form on a box (residuals when cf has them) */
static opt_problem closed_problem(closed_form *cf, const double *lower, const double *upper,
                                  int nres)
{
    const opt_problem P = {2, lower, upper, cf, cf_loss, cf_gradient, cf_hessian,
                           cf->residuals ? cf_residuals : NULL, cf->residuals ? nres : 0, 0.0, NULL};
    return P;
}

/* run T on P from start; 1 with r filled, 0 (a failed check) when the run could not start */
static int run(const opt_type *T, const opt_problem *P, const double *start,
               const opt_settings *s, opt_result *r)
{
    char err[256] = "";
    const int ok = opt_run(T, P, start, s, r, err, sizeof err) == 0;
    CHECK(ok, "%s: %s", T->name, err);
    return ok;
}

/* ---- Rosenbrock as least squares: f = (10(y − x²), 1 − x), L = ½‖f‖² -------------------- */
static int rb_residuals(void *user, const double *t, double *f, double *J, char *err, size_t len)
{
    (void)user, (void)err, (void)len;
    f[0] = 10.0 * (t[1] - t[0] * t[0]);
    f[1] = 1.0 - t[0];
    if (J) {
        J[0] = -20.0 * t[0];
        J[1] = 10.0;
        J[2] = -1.0;
        J[3] = 0.0;
    }
    return 0;
}

static int rb_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                      size_t len)
{
    double f[2], J[4];
    rb_residuals(user, t, f, J, err, len);
    *L = 0.5 * (f[0] * f[0] + f[1] * f[1]);
    if (g) {
        g[0] = J[0] * f[0] + J[2] * f[1];
        g[1] = J[1] * f[0] + J[3] * f[1];
    }
    if (H) {
        /* JᵀJ + f_0 ∇²f_0, with ∇²f_0 = [[−20, 0], [0, 0]] */
        H[0] = J[0] * J[0] + J[2] * J[2] - 20.0 * f[0];
        H[1] = H[2] = J[0] * J[1] + J[2] * J[3];
        H[3] = J[1] * J[1] + J[3] * J[3];
    }
    return 0;
}

/* tight tests: the gradient test decides (the objective test is for noisy ODE losses) */
static void strict_settings(opt_settings *s)
{
    opt_settings_init(s);
    s->gtol = 1e-10;
    s->ftol = 1e-20;
}

static const double rb_lower[2] = {-2.0, -1.0}, rb_upper[2] = {2.0, 3.0};
static closed_form rosenbrock_form = {rb_hessian, rb_residuals, NULL};

static void test_rosenbrock(void)
{
    const double start[2] = {-1.2, 1.0};
    const opt_problem rosenbrock = closed_problem(&rosenbrock_form, rb_lower, rb_upper, 2);
    opt_settings s;
    strict_settings(&s);
    for (int k = 0; opt_types[k]; k++) {
        opt_result r;
        const opt_type *T = opt_types[k];
        if (!run(T, &rosenbrock, start, &s, &r))
            continue;
        /* BFGS's line search may stop for rounding before the gradient test is met */
        const int bfgs = strcmp(T->name, "bfgs") == 0;
        const double tol = bfgs ? 1e-7 : 1e-8;
        CHECK(opt_exit_converged(r.exit) || (bfgs && r.exit == OPT_STALLED), "%s: not converged: %s",
              T->name, r.message);
        CHECK(fabs(r.theta[0] - 1.0) <= tol && fabs(r.theta[1] - 1.0) <= tol,
              "%s: minimiser (%.17g, %.17g), expected (1, 1)", T->name, r.theta[0], r.theta[1]);
        CHECK(r.objective <= 1e-15, "%s: objective %g", T->name, r.objective);
        CHECK(r.n_failed == 0, "%s: %ld failed evaluations", T->name, r.n_failed);
        /* evaluation counts as documented: newton-tr one Hessian per accepted point, GN one
         * Jacobian per trial point, BFGS at least one gradient per accepted point */
        if (strcmp(T->name, "newton-tr") == 0)
            CHECK(r.n_hessian == r.iterations + 1 && r.n_loss >= r.iterations + 1 &&
                  r.n_gradient == 0 && r.n_jacobian == 0,
                  "newton-tr counts: %d iterations, %ld Hessians, %ld losses", r.iterations,
                  r.n_hessian, r.n_loss);
        if (strcmp(T->name, "gauss-newton") == 0)
            CHECK(r.n_jacobian >= r.iterations + 1 && r.n_residuals == 0 && r.n_hessian == 0 &&
                  r.n_gradient == 0,
                  "gauss-newton counts (every trial point with its Jacobian): %d iterations, "
                  "%ld Jacobians, %ld residuals", r.iterations, r.n_jacobian, r.n_residuals);
        if (strcmp(T->name, "trr") == 0)
            CHECK(r.n_hessian == r.iterations + 1 && r.n_approx_hessian == 0 &&
                  r.n_gradient == 0 && r.n_jacobian == 0,
                  "trr counts: %d iterations, %ld Hessians", r.iterations, r.n_hessian);
        if (bfgs)
            CHECK(r.n_gradient >= r.iterations + 1 && r.n_hessian == 0,
                  "bfgs counts: %d iterations, %ld gradients", r.iterations, r.n_gradient);
        CHECK(r.iterations > 0 && r.seconds >= 0.0, "%s: %d iterations", T->name, r.iterations);
        opt_result_free(&r);
    }
}

/* ---- linear least squares f = Aθ − b (2×2), for problems whose answer is known ---------- */
typedef struct {
    double A[4], b[2];
} linear_ls;

static int lin_residuals(void *user, const double *t, double *f, double *J, char *err, size_t len)
{
    (void)err, (void)len;
    const linear_ls *ls = user;
    for (int k = 0; k < 2; k++) {
        f[k] = ls->A[2 * k] * t[0] + ls->A[2 * k + 1] * t[1] - ls->b[k];
        if (J) {
            J[2 * k] = ls->A[2 * k];
            J[2 * k + 1] = ls->A[2 * k + 1];
        }
    }
    return 0;
}

/* L = ½‖f‖², ∇L = Aᵀf, ∇²L = AᵀA */
static int lin_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                       size_t len)
{
    const linear_ls *ls = user;
    const double *A = ls->A;
    double f[2];
    lin_residuals(user, t, f, NULL, err, len);
    *L = 0.5 * (f[0] * f[0] + f[1] * f[1]);
    for (int i = 0; i < 2; i++) {
        if (g)
            g[i] = A[i] * f[0] + A[2 + i] * f[1];
        for (int j = 0; H && j < 2; j++)
            H[2 * i + j] = A[i] * A[j] + A[2 + i] * A[2 + j];
    }
    return 0;
}

/* ---- a minimiser on a bound: L = ½(θ_1 − 3)² + ½(θ_2 − 0.25)², θ ∈ [0, 1]² → (1, 0.25) ---- */
static void test_bound(void)
{
    const double lower[2] = {0.0, 0.0}, upper[2] = {1.0, 1.0}, start[2] = {0.2, 0.9};
    linear_ls ls = {{1, 0, 0, 1}, {3.0, 0.25}};
    closed_form cf = {lin_hessian, lin_residuals, &ls};
    const opt_problem P = closed_problem(&cf, lower, upper, 2);
    opt_settings s;
    strict_settings(&s);
    for (int k = 0; opt_types[k]; k++) {
        opt_result r;
        if (!run(opt_types[k], &P, start, &s, &r))
            continue;
        /* without second derivatives (gauss-newton, bfgs) progress towards a bound is linear
         * and ends when ‖f‖ stops changing in floating point (stalled); the position is then
         * known to about √(ε·L) ≈ 2e-8 */
        CHECK(opt_exit_converged(r.exit) || r.exit == OPT_STALLED, "%s on a bound: %s",
              opt_types[k]->name, r.message);
        CHECK(fabs(r.theta[0] - 1.0) <= 1e-7 && fabs(r.theta[1] - 0.25) <= 1e-7 &&
              r.theta[0] <= 1.0,
              "%s on a bound: (%.17g, %.17g), expected (1, 0.25)", opt_types[k]->name, r.theta[0],
              r.theta[1]);
        /* with the exact Hessian the bound is a regular minimiser in z: quadratic convergence */
        if (strcmp(opt_types[k]->name, "newton-tr") == 0)
            CHECK(r.exit == OPT_CONVERGED_GRADIENT && fabs(r.theta[0] - 1.0) <= 1e-12 &&
                  fabs(r.theta[1] - 0.25) <= 1e-10,
                  "newton-tr on a bound: %s, (%.17g, %.17g)", r.message, r.theta[0], r.theta[1]);
        /* trust-region reflective approaches the bound superlinearly (the scaling shortens
         * the step along it and the step-back factor tends to 1) */
        if (strcmp(opt_types[k]->name, "trr") == 0)
            CHECK(opt_exit_converged(r.exit) && fabs(r.theta[0] - 1.0) <= 1e-10 &&
                  fabs(r.theta[1] - 0.25) <= 1e-9 && r.iterations <= 12,
                  "trr on a bound: %s after %d iterations, (%.17g, %.17g)", r.message,
                  r.iterations, r.theta[0], r.theta[1]);
        opt_result_free(&r);
    }
}

/* ---- a saddle: L = θ_1⁴ − 2θ_1² + θ_2² from (0, 0.5): ∂L/∂θ_1 = 0 all along θ_1 = 0 ------ */
static int sd_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                      size_t len)
{
    (void)user, (void)err, (void)len;
    const double x = t[0], y = t[1];
    *L = x * x * x * x - 2 * x * x + y * y;
    if (g) {
        g[0] = 4 * x * x * x - 4 * x;
        g[1] = 2 * y;
    }
    if (H) {
        H[0] = 12 * x * x - 4;
        H[1] = H[2] = 0.0;
        H[3] = 2.0;
    }
    return 0;
}

static void test_saddle(void)
{
    const double lower[2] = {-2.0, -2.0}, upper[2] = {2.0, 2.0}, start[2] = {0.0, 0.5};
    closed_form cf = {sd_hessian, NULL, NULL};
    const opt_problem P = closed_problem(&cf, lower, upper, 0);
    opt_settings s;
    strict_settings(&s);
    opt_result r;
    char err[256] = "";
    CHECK(opt_run(opt_find("newton-tr"), &P, start, &s, &r, err, sizeof err) == 0, "%s", err);
    if (r.theta) {
        CHECK(opt_exit_converged(r.exit), "saddle: %s", r.message);
        CHECK(fabs(fabs(r.theta[0]) - 1.0) <= 1e-8 && fabs(r.theta[1]) <= 1e-8 &&
              fabs(r.objective + 1.0) <= 1e-14,
              "newton-tr must leave the saddle for (±1, 0): (%.17g, %.17g), L = %.17g", r.theta[0],
              r.theta[1], r.objective);
        opt_result_free(&r);
    }
    /* BFGS cannot see the negative curvature: it converges to the saddle (0, 0), L = 0 */
    CHECK(opt_run(opt_find("bfgs"), &P, start, &s, &r, err, sizeof err) == 0, "%s", err);
    if (r.theta) {
        CHECK(fabs(r.theta[0]) <= 1e-12 && fabs(r.objective) <= 1e-12,
              "bfgs from the saddle line: (%.17g, %.17g), L = %g", r.theta[0], r.theta[1],
              r.objective);
        opt_result_free(&r);
    }
}

/* ---- failures: an objective that can be evaluated only at its start ----------------------- */
typedef struct {
    double start[2];
    int fail_start;
} picky;

static int picky_fails(const picky *pk, const double *t)
{
    return pk->fail_start || t[0] != pk->start[0] || t[1] != pk->start[1];
}

static int pk_residuals(void *user, const double *t, double *f, double *J, char *err, size_t len)
{
    if (picky_fails(user, t)) {
        snprintf(err, len, "the solver failed here");
        return -1;
    }
    return rb_residuals(NULL, t, f, J, err, len);
}

static int pk_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                      size_t len)
{
    if (picky_fails(user, t)) {
        snprintf(err, len, "the solver failed here");
        return -1;
    }
    return rb_hessian(NULL, t, L, g, H, err, len);
}

static void test_failures(void)
{
    /* the optimisers evaluate at θ(z(start)), which may differ from the start by rounding:
     * the picky objective accepts exactly that point, computed the way opt_run does */
    picky pk = {{0.0, 0.0}, 0};
    const double start[2] = {-1.2, 1.0};
    boxmap map;
    char err[256] = "";
    double z[2];
    CHECK(boxmap_init(&map, 2, rb_lower, rb_upper, err, sizeof err) == 0, "%s", err);
    boxmap_z(&map, start, z);
    boxmap_theta(&map, z, pk.start, NULL, NULL);
    boxmap_release(&map);
    closed_form cf = {pk_hessian, pk_residuals, &pk};
    const opt_problem P = closed_problem(&cf, rb_lower, rb_upper, 2);
    opt_settings s;
    opt_settings_init(&s);
    for (int k = 0; opt_types[k]; k++) {
        opt_result r;
        const char *name = opt_types[k]->name;
        pk.fail_start = 0;
        CHECK(opt_run(opt_types[k], &P, start, &s, &r, err, sizeof err) == 0, "%s", err);
        if (r.theta) {
            CHECK(r.exit == OPT_STALLED || r.exit == OPT_FAILED, "%s, failing everywhere: exit %s",
                  name, opt_exit_name(r.exit));
            CHECK(strstr(r.message, "the solver failed here") != NULL || r.exit == OPT_STALLED,
                  "%s: message '%s'", name, r.message);
            CHECK(r.n_failed > 0 && r.iterations == 0, "%s: %ld failures, %d iterations", name,
                  r.n_failed, r.iterations);
            CHECK(r.theta[0] == pk.start[0] && r.theta[1] == pk.start[1] &&
                  fabs(r.objective - 12.1) <= 1e-12,
                  "%s must end at its start: (%g, %g), L = %.17g", name, r.theta[0], r.theta[1],
                  r.objective);
            opt_result_free(&r);
        }
        pk.fail_start = 1;
        CHECK(opt_run(opt_types[k], &P, start, &s, &r, err, sizeof err) == 0, "%s", err);
        if (r.theta) {
            CHECK(r.exit == OPT_FAILED && strstr(r.message, "failed at the start") &&
                  strstr(r.message, "the solver failed here"),
                  "%s, failing start: exit %s, '%s'", name, opt_exit_name(r.exit), r.message);
            opt_result_free(&r);
        }
    }
}

/* ---- second-order evaluations that fail now and then: every third Hessian or Jacobian ---- */
typedef struct {
    int calls;
} flaky;

static int fl_hessian(void *user, const double *t, double *L, double *g, double *H, char *err,
                      size_t len)
{
    flaky *fl = user;
    if (H && ++fl->calls % 3 == 0) {
        snprintf(err, len, "the second-order solve failed here");
        return -1;
    }
    return rb_hessian(NULL, t, L, g, H, err, len);
}

static int fl_residuals(void *user, const double *t, double *f, double *J, char *err, size_t len)
{
    flaky *fl = user;
    if (J && ++fl->calls % 3 == 0) {
        snprintf(err, len, "the sensitivities failed here");
        return -1;
    }
    return rb_residuals(NULL, t, f, J, err, len);
}

static void test_recovery(void)
{
    /* a point whose Hessian (newton-tr) or Jacobian (gauss-newton) fails is not accepted: the
     * run goes on from the current point and still reaches the minimiser */
    flaky fl = {0};
    closed_form cf = {fl_hessian, fl_residuals, &fl};
    const opt_problem P = closed_problem(&cf, rb_lower, rb_upper, 2);
    const double start[2] = {-1.2, 1.0};
    opt_settings s;
    strict_settings(&s);
    const char *names[] = {"newton-tr", "gauss-newton", "trr"};
    for (int k = 0; k < 3; k++) {
        opt_result r;
        char err[256] = "";
        fl.calls = 0;
        CHECK(opt_run(opt_find(names[k]), &P, start, &s, &r, err, sizeof err) == 0, "%s", err);
        if (!r.theta)
            continue;
        CHECK(opt_exit_converged(r.exit) && fabs(r.theta[0] - 1.0) <= 1e-8 &&
              fabs(r.theta[1] - 1.0) <= 1e-8,
              "%s with failing second-order evaluations: %s, (%.17g, %.17g)", names[k], r.message,
              r.theta[0], r.theta[1]);
        CHECK(r.n_failed > 0, "%s: no failed evaluation counted", names[k]);
        opt_result_free(&r);
    }
}

static void test_null_direction(void)
{
    /* the Hessian and JᵀJ are singular along θ_2 and the gradient has no θ_2 part: no
     * optimiser may move θ_2 (newton-tr takes the minimum-norm step of its subproblem) */
    const double lower[2] = {-1.0, -5.0}, upper[2] = {1.0, 5.0}, start[2] = {-0.8, 1.7};
    /* f = (θ_1 − 0.3, 0.1): θ_2 is invisible */
    linear_ls ls = {{1, 0, 0, 0}, {0.3, -0.1}};
    closed_form cf = {lin_hessian, lin_residuals, &ls};
    const opt_problem P = closed_problem(&cf, lower, upper, 2);
    opt_settings s;
    strict_settings(&s);
    for (int k = 0; opt_types[k]; k++) {
        opt_result r;
        /* a barrier method centres what the loss cannot see (the barrier's own minimiser is
         * the middle of the box): Ipopt moves θ_2 by design */
        if (strncmp(opt_types[k]->name, "ipopt", 5) == 0)
            continue;
        if (!run(opt_types[k], &P, start, &s, &r))
            continue;
        CHECK(fabs(r.theta[0] - 0.3) <= 1e-7 && fabs(r.theta[1] - start[1]) <= 1e-14,
              "%s with a null direction: (%.17g, %.17g), expected (0.3, %g): %s", opt_types[k]->name,
              r.theta[0], r.theta[1], start[1], r.message);
        opt_result_free(&r);
    }
}

static void test_refusals(void)
{
    opt_settings s;
    opt_settings_init(&s);
    opt_result r;
    char err[256] = "";
    const opt_problem rosenbrock = closed_problem(&rosenbrock_form, rb_lower, rb_upper, 2);
    const double outside[2] = {2.5, 0.0};
    CHECK(opt_run(opt_find("bfgs"), &rosenbrock, outside, &s, &r, err, sizeof err) != 0 &&
          strstr(err, "entry 1 is 2.5, outside its bounds [-2, 2]"), "start outside: '%s'", err);
    opt_problem no_hessian = closed_problem(&rosenbrock_form, rb_lower, rb_upper, 2);
    no_hessian.hessian = NULL;
    no_hessian.residuals = NULL;
    no_hessian.nres = 0;
    const double start[2] = {0.0, 0.0};
    CHECK(opt_run(opt_find("newton-tr"), &no_hessian, start, &s, &r, err, sizeof err) != 0 &&
          strstr(err, "needs Hessians"), "newton-tr without Hessians: '%s'", err);
    CHECK(opt_run(opt_find("gauss-newton"), &no_hessian, start, &s, &r, err, sizeof err) != 0 &&
          strstr(err, "least-squares"), "gauss-newton without residuals: '%s'", err);
    const opt_problem one_residual = closed_problem(&rosenbrock_form, rb_lower, rb_upper, 1);
    CHECK(opt_run(opt_find("gauss-newton"), &one_residual, start, &s, &r, err, sizeof err) != 0 &&
          strstr(err, "as many residuals as parameters, not 1 for 2"), "1 residual: '%s'", err);
    s.gtol = NAN;
    CHECK(opt_run(opt_find("bfgs"), &rosenbrock, start, &s, &r, err, sizeof err) != 0 &&
          strstr(err, "gtol"), "gtol NaN: '%s'", err);
    CHECK(opt_find("nelder-mead") == NULL, "unknown optimiser found");
}

static void test_budget(void)
{
    /* a processor-time budget that the first step exhausts: every optimiser stops there */
    const opt_problem rosenbrock = closed_problem(&rosenbrock_form, rb_lower, rb_upper, 2);
    const double start[2] = {-1.2, 1.0};
    opt_settings s;
    strict_settings(&s);
    s.max_seconds = 1e-12;
    for (int k = 0; opt_types[k]; k++) {
        opt_result r;
        if (!run(opt_types[k], &rosenbrock, start, &s, &r))
            continue;
        CHECK(r.exit == OPT_MAX_TIME && r.iterations == 1 && !opt_exit_converged(r.exit) &&
              strcmp(opt_exit_name(r.exit), "max-time") == 0,
              "%s with no time: exit %s after %d iterations", opt_types[k]->name,
              opt_exit_name(r.exit), r.iterations);
        opt_result_free(&r);
    }
}

int main(void)
{
    test_rosenbrock();
    test_bound();
    test_saddle();
    test_failures();
    test_recovery();
    test_null_direction();
    test_refusals();
    test_budget();
    return check_finish("test_opt");
}
