/* Measured convergence of the explicit Runge–Kutta family against known solutions.
 *
 * Problem A (non-autonomous, partly nonlinear), t ∈ [0, 3]:
 *     x1' = x2, x2' = −x1, x3' = −2 t x3²,  x(0) = (1, 0, 1)
 *     exact: x = (cos t, −sin t, 1/(1 + t²)).
 * Problem B (logistic growth with a decaying second component), t ∈ [0, 10]:
 *     x1' = x1 (1 − x1), x2' = −x2 x1,  x(0) = (0.1, 1)
 *     exact: x1 = 1/(1 + 9 e^(−t)), x2 = 10/(e^t + 9).
 *
 * Checked: fitted log-log slopes of the global error at tf (Euler 1, RK4 4, DOPRI5 5,
 * Tsit5 5, each within ±0.3), of the dense output error at observation times inside steps (the
 * expected order is min(p, q+1) for a continuous extension of order q: 1, 4, 5), and that
 * adaptive DOPRI5 meets the tolerance it is asked for on both problems (global error within
 * 10× the tolerance, at rtol = atol from 1e-4 to 1e-12). */
#include "rk.h"
#include "check.h"

static int problem_a(double t, const double *x, double *f, void *ctx)
{
    (void)ctx;
    f[0] = x[1];
    f[1] = -x[0];
    f[2] = -2.0 * t * x[2] * x[2];
    return 0;
}

static void exact_a(double t, double *x)
{
    x[0] = cos(t);
    x[1] = -sin(t);
    x[2] = 1.0 / (1.0 + t * t);
}

static int problem_b(double t, const double *x, double *f, void *ctx)
{
    (void)t;
    (void)ctx;
    f[0] = x[0] * (1.0 - x[0]);
    f[1] = -x[1] * x[0];
    return 0;
}

/* x1 = 1/(1 + 9e^(−t)); x2' = −x1 x2 gives x2 = exp(−∫x1) = exp(−ln((e^t + 9)/10))
 * = 10/(e^t + 9). */
static void exact_b(double t, double *x)
{
    x[0] = 1.0 / (1.0 + 9.0 * exp(-t));
    x[1] = 10.0 / (exp(t) + 9.0);
}

/* least-squares slope of log(err) against log(h) */
static double fitted_slope(int count, const double *h, const double *err)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < count; k++) {
        const double lx = log(h[k]), ly = log(err[k]);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
    }
    return (count * sxy - sx * sy) / (count * sxx - sx * sx);
}

#define NOUT 24
#define NRUNS 5

/* Fixed-step solves of problem A with N steps: error at tf and at the outputs. */
static void run_fixed(const rk_tableau *T, long N, double *err_end, double *err_dense)
{
    const double tf = 3.0;
    double tout[NOUT], xout[NOUT * 3], x[3] = {1.0, 0.0, 1.0}, ex[3];
    for (int k = 0; k < NOUT; k++)
        tout[k] = 0.1234567 * (k + 1);   /* never on a grid point of the runs below */
    rk_problem P = {.n = 3, .rhs = problem_a, .t0 = 0.0, .tf = tf, .nout = NOUT,
                    .tout = tout, .xout = xout};
    step_grid g = {.t0 = 0.0, .tf = tf, .steps = N, .times = NULL};
    rk_solver *S = rk_solver_new(T, 3);
    rk_stats st;
    char msg[256];
    CHECK(rk_solve_grid(S, &P, &g, 0, N, x, &st, msg, sizeof msg) == STEP_OK, "%s: %s",
          T->name, msg);
    CHECK(st.steps == N &&
              st.rhs_evals == N * (T->stages - (T->fsal ? 1 : 0)) + (T->fsal ? 1 : 0),
          "%s: %ld steps, %ld evaluations for N = %ld", T->name, st.steps, st.rhs_evals, N);
    exact_a(tf, ex);
    *err_end = 0.0;
    for (int m = 0; m < 3; m++)
        *err_end = fmax(*err_end, fabs(x[m] - ex[m]));
    *err_dense = 0.0;
    for (int k = 0; k < NOUT; k++) {
        exact_a(tout[k], ex);
        for (int m = 0; m < 3; m++)
            *err_dense = fmax(*err_dense, fabs(xout[k * 3 + m] - ex[m]));
    }
    rk_solver_free(S);
}

static void check_order(const rk_tableau *T, long N0, double expect_end, double expect_dense)
{
    double h[NRUNS], e_end[NRUNS], e_dense[NRUNS];
    for (int k = 0; k < NRUNS; k++) {
        const long N = N0 << k;
        h[k] = 3.0 / N;
        run_fixed(T, N, &e_end[k], &e_dense[k]);
    }
    const double s_end = fitted_slope(NRUNS, h, e_end);
    const double s_dense = fitted_slope(NRUNS, h, e_dense);
    printf("%-7s N = %ld..%ld: error at tf %.2e..%.2e, slope %.3f (expect %g); dense "
           "%.2e..%.2e, slope %.3f (expect %g)\n",
           T->name, N0, N0 << (NRUNS - 1), e_end[0], e_end[NRUNS - 1], s_end, expect_end,
           e_dense[0], e_dense[NRUNS - 1], s_dense, expect_dense);
    CHECK(!(fabs(s_end - expect_end) > 0.3 || fabs(s_dense - expect_dense) > 0.3),
          "%s: slope outside expected +-0.3", T->name);
}

/* Adaptive DOPRI5 with rtol = atol = tol: the largest error (over outputs and tf, relative
 * to max(1, |x|)) must stay within `factor`·tol. */
static void check_tolerance(const char *name, rk_rhs_fn f, int n, const double *x0, double tf,
                            int nout, const double *tout, const double *xexact, double factor)
{
    const double tols[] = {1e-4, 1e-6, 1e-8, 1e-10, 1e-12};
    rk_solver *S = rk_solver_new(&rk_dopri5, n);
    double xout[64 * 4], x[4];
    long prev_steps = 0;
    for (size_t k = 0; k < sizeof tols / sizeof *tols; k++) {
        step_control c;
        step_control_default(&c, tols[k], tols[k]);
        memcpy(x, x0, sizeof(double) * (size_t)n);
        rk_problem P = {.n = n, .rhs = f, .t0 = 0.0, .tf = tf, .nout = nout, .tout = tout,
                        .xout = xout};
        rk_stats st;
        char msg[256];
        const int status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
        CHECK(status == STEP_OK, "%s: %s", name, msg);
        if (status != STEP_OK)
            continue;
        double worst = 0.0;
        for (int i = 0; i < nout; i++)
            for (int m = 0; m < n; m++) {
                const double ref = xexact[i * n + m];
                worst = fmax(worst, fabs(xout[i * n + m] - ref) / fmax(1.0, fabs(ref)));
            }
        printf("%-8s tol %.0e: %5ld steps (%ld rejected), worst error %.2e = %.2f tol\n",
               name, tols[k], st.steps, st.rejected, worst, worst / tols[k]);
        CHECK(worst <= factor * tols[k] && st.steps > prev_steps,
              "%s: error %.3e exceeds %.0f x tol or steps did not grow", name, worst, factor);
        prev_steps = st.steps;
    }
    rk_solver_free(S);
}

int main(void)
{
    check_order(&rk_euler, 400, 1.0, 1.0);
    check_order(&rk_rk4, 10, 4.0, 4.0);
    check_order(&rk_dopri5, 10, 5.0, 5.0);
    check_order(&rk_tsit5, 10, 5.0, 5.0);

    /* problem A on [0, 10]: outputs every 0.5 and at tf */
    enum { NA = 20 };
    double tout_a[NA], xa[NA * 3];
    for (int i = 0; i < NA; i++) {
        tout_a[i] = 0.5 * (i + 1);
        exact_a(tout_a[i], xa + 3 * i);
    }
    const double x0a[3] = {1.0, 0.0, 1.0};
    check_tolerance("problemA", problem_a, 3, x0a, 10.0, NA, tout_a, xa, 10.0);

    /* problem B on [0, 10]: outputs at 0.7, 1.4, … and tf */
    enum { NB = 15 };
    double tout_b[NB], xb[NB * 2];
    for (int i = 0; i < NB; i++) {
        tout_b[i] = i + 1 < NB ? 0.7 * (i + 1) : 10.0;
        exact_b(tout_b[i], xb + 2 * i);
    }
    const double x0b[2] = {0.1, 1.0};
    check_tolerance("logistic", problem_b, 2, x0b, 10.0, NB, tout_b, xb, 10.0);

    return check_finish("core/test_rk_convergence");
}
