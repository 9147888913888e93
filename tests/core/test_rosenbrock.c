/* ROS34PW2 and the linearly implicit driver.
 *
 *  - the published coefficients satisfy the Rosenbrock order conditions (order 3, embedded
 *    order 2; Hairer & Wanner II, Table IV.7.1) and R(∞) = 0 (L-stability);
 *  - measured order 3 on a non-autonomous nonlinear problem with a known solution — with
 *    the exact Jacobian AND with deliberately wrong matrices (0, J + I): the W-method
 *    property that lets us drop f_t (see rosenbrock.h);
 *  - stiff problems: a linear system with eigenvalues −1 and −10⁴ (closed form) and
 *    Robertson's reaction (published reference values at t = 40) are solved in few steps,
 *    and the adaptive solver meets its tolerance;
 *  - observer, replay (bitwise) and the no-dense-output rule for grids;
 *  - the blocked iteration matrix (one block LU, coupling blocks by substitution) against
 *    the dense one on Robertson with a sensitivity. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rosenbrock.h"


static void test_coefficients(const ros_tableau *T)
{
    const int s = T->stages;
    const double g = T->gamma;
    double beta[64], alpha_i[8], betap[8];
    for (int i = 0; i < s; i++) {
        alpha_i[i] = betap[i] = 0.0;
        for (int j = 0; j < s; j++) {
            beta[i * s + j] = T->alpha[i * s + j] + T->Gamma[i * s + j];
            if (j < i) {
                alpha_i[i] += T->alpha[i * s + j];
                betap[i] += beta[i * s + j];
            }
        }
        beta[i * s + i] = g;
    }
    const double *w[2] = {T->b, T->bhat};
    const int order[2] = {T->order, T->error_order};
    for (int k = 0; k < 2; k++) {
        double c1 = 0, c2 = 0, c3a = 0, c3b = 0;
        for (int i = 0; i < s; i++) {
            c1 += w[k][i];
            c2 += w[k][i] * betap[i];
            c3a += w[k][i] * alpha_i[i] * alpha_i[i];
            for (int j = 0; j < i; j++)
                c3b += w[k][i] * beta[i * s + j] * betap[j];
        }
        CHECK(fabs(c1 - 1.0) < 1e-14, "order 1 condition (%s)", k ? "bhat" : "b");
        CHECK(fabs(c2 - (0.5 - g)) < 1e-14, "order 2 condition (%s)", k ? "bhat" : "b");
        const int third = fabs(c3a - 1.0 / 3.0) < 1e-14 &&
                          fabs(c3b - (1.0 / 6.0 - g + g * g)) < 1e-14;
        CHECK(third == (order[k] >= 3), "order 3 conditions hold iff declared (%s)",
              k ? "bhat" : "b");
    }
    /* R(∞) = 1 − bᵀ B⁻¹ 1 with B = (β_ij) lower triangular incl. γ on the diagonal */
    double y[8];
    for (int i = 0; i < s; i++) {
        double r = 1.0;
        for (int j = 0; j < i; j++)
            r -= beta[i * s + j] * y[j];
        y[i] = r / g;
    }
    double R = 1.0;
    for (int i = 0; i < s; i++)
        R -= T->b[i] * y[i];
    CHECK(fabs(R) < 1e-14, "R(inf) = %g, not 0 (L-stability)", R);
    /* A-stability: R(z) = 1 + z bᵀ(I − zB)⁻¹1 has its only pole at 1/γ > 0, so |R| ≤ 1 on
     * the closed left half-plane iff it holds on the imaginary axis */
    double worst = 0.0;
    for (int k = -4000; k <= 4000; k++) {
        const double complex z = I * sinh(k * 0.005) * 10.0;   /* |y| up to ~5e9 */
        double complex w[8], Rz = 1.0;
        for (int i = 0; i < s; i++) {
            double complex r = 1.0;
            for (int j = 0; j < i; j++)
                r += z * beta[i * s + j] * w[j];
            w[i] = r / (1.0 - z * g);
        }
        for (int i = 0; i < s; i++)
            Rz += z * T->b[i] * w[i];
        worst = fmax(worst, cabs(Rz));
    }
    CHECK(worst <= 1.0 + 1e-14, "|R(iy)| reaches %.17g > 1: not A-stable", worst);
    printf("%s: order conditions hold, R(inf) = %.1e, max |R(iy)| = %.17g\n", T->name, R,
           worst);
}

/* Problem A of the RK tests: x1' = x2, x2' = −x1, x3' = −2t x3² */
static int prob_a(double t, const double *x, double *f, void *ctx)
{
    (void)ctx;
    f[0] = x[1];
    f[1] = -x[0];
    f[2] = -2.0 * t * x[2] * x[2];
    return 0;
}

static int jac_mode;   /* 0 exact, 1 zero matrix, 2 exact + I */

static int prob_a_jac(double t, const double *x, double *J, void *ctx)
{
    (void)ctx;
    memset(J, 0, 9 * sizeof(double));
    if (jac_mode == 1)
        return 0;
    J[0 * 3 + 1] = 1.0;
    J[1 * 3 + 0] = -1.0;
    J[2 * 3 + 2] = -4.0 * t * x[2];
    if (jac_mode == 2)
        for (int i = 0; i < 3; i++)
            J[i * 3 + i] += 1.0;
    return 0;
}

static double fitted_slope(int count, const double *h, const double *err)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < count; k++) {
        sx += log(h[k]);
        sy += log(err[k]);
        sxx += log(h[k]) * log(h[k]);
        sxy += log(h[k]) * log(err[k]);
    }
    return (count * sxy - sx * sy) / (count * sxx - sx * sx);
}

static void test_order(void)
{
    const char *names[3] = {"exact J", "J = 0", "J + I"};
    for (jac_mode = 0; jac_mode < 3; jac_mode++) {
        double h[5], e[5];
        ros_solver *S = ros_solver_new(&ros_ros34pw2, 3);
        for (int k = 0; k < 5; k++) {
            const long N = 20L << k;
            double x[3] = {1.0, 0.0, 1.0};
            ros_problem P = {.n = 3, .rhs = prob_a, .jac = prob_a_jac, .t0 = 0, .tf = 3.0};
            step_grid g = {.t0 = 0.0, .tf = 3.0, .steps = N};
            ros_stats st;
            char msg[256];
            CHECK(ros_solve_grid(S, &P, &g, 0, N, x, &st, msg, sizeof msg) == STEP_OK, "%s",
                  msg);
            h[k] = 3.0 / N;
            e[k] = fmax(fmax(fabs(x[0] - cos(3.0)), fabs(x[1] + sin(3.0))),
                        fabs(x[2] - 0.1));
        }
        const double slope = fitted_slope(5, h, e);
        printf("order with %-7s: error %.2e..%.2e, slope %.3f (expect 3)\n", names[jac_mode],
               e[0], e[4], slope);
        CHECK(fabs(slope - 3.0) < 0.3, "order %.3f with %s", slope, names[jac_mode]);
        ros_solver_free(S);
    }
    jac_mode = 0;
}

/* stiff linear: x' = A x, A = V diag(−1, −1e4) V⁻¹ with V = [1 1; 1 −1] */
static const double lam1 = -1.0, lam2 = -1e4;
static int stiff_lin(double t, const double *x, double *f, void *ctx)
{
    (void)t;
    (void)ctx;
    const double p = 0.5 * (lam1 + lam2), q = 0.5 * (lam1 - lam2);
    f[0] = p * x[0] + q * x[1];
    f[1] = q * x[0] + p * x[1];
    return 0;
}
static int stiff_lin_jac(double t, const double *x, double *J, void *ctx)
{
    (void)t;
    (void)x;
    (void)ctx;
    const double p = 0.5 * (lam1 + lam2), q = 0.5 * (lam1 - lam2);
    J[0] = p, J[1] = q, J[2] = q, J[3] = p;
    return 0;
}
/* x0 = (2, 0) = V (1, 1): x(t) = e^{λ1 t}(1,1) + e^{λ2 t}(1,−1) */
static void stiff_lin_exact(double t, double *x)
{
    x[0] = exp(lam1 * t) + exp(lam2 * t);
    x[1] = exp(lam1 * t) - exp(lam2 * t);
}

/* Robertson */
static int robertson(double t, const double *y, double *f, void *ctx)
{
    (void)t;
    (void)ctx;
    f[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
    f[2] = 3e7 * y[1] * y[1];
    f[1] = -f[0] - f[2];
    return 0;
}
static int robertson_jac(double t, const double *y, double *J, void *ctx)
{
    (void)t;
    (void)ctx;
    J[0] = -0.04, J[1] = 1e4 * y[2], J[2] = 1e4 * y[1];
    J[6] = 0.0, J[7] = 6e7 * y[1], J[8] = 0.0;
    for (int j = 0; j < 3; j++)
        J[3 + j] = -J[j] - J[6 + j];
    return 0;
}

static void test_stiff(void)
{
    const double tols[] = {1e-4, 1e-6, 1e-8};
    for (size_t k = 0; k < 3; k++) {
        ros_solver *S = ros_solver_new(&ros_ros34pw2, 2);
        enum { NO = 10 };
        double tout[NO], xout[2 * NO], x[2] = {2.0, 0.0};
        for (int i = 0; i < NO; i++)
            tout[i] = 1e-3 * pow(1e4, (double)i / (NO - 1));   /* 1e-3 … 10 */
        ros_problem P = {.n = 2, .rhs = stiff_lin, .jac = stiff_lin_jac, .t0 = 0.0,
                         .tf = 10.0, .nout = NO, .tout = tout, .xout = xout};
        step_control c;
        step_control_default(&c, tols[k], tols[k]);
        ros_stats st;
        char msg[256];
        CHECK(ros_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg) == STEP_OK, "%s", msg);
        double worst = 0.0, ex[2];
        for (int i = 0; i < NO; i++) {
            stiff_lin_exact(tout[i], ex);
            for (int m = 0; m < 2; m++)
                worst = fmax(worst, fabs(xout[2 * i + m] - ex[m]));
        }
        printf("stiff linear tol %.0e: %ld steps (%ld rejected), worst error %.2e = %.2f tol\n",
               tols[k], st.steps, st.rejected, worst, worst / tols[k]);
        CHECK(worst <= 10.0 * tols[k], "stiff linear error %.2e above 10 tol", worst);
        /* an explicit method would need > 10⁴·10/2.8 steps for stability alone */
        CHECK(st.steps < 2000, "stiff linear took %ld steps", st.steps);
        ros_solver_free(S);
    }
    /* Robertson at t = 40: y = (0.7158270687, 9.185534764e-6, 0.2841637457) (Hairer &
     * Wanner's reference values) */
    ros_solver *S = ros_solver_new(&ros_ros34pw2, 3);
    double y[3] = {1.0, 0.0, 0.0};
    ros_problem P = {.n = 3, .rhs = robertson, .jac = robertson_jac, .t0 = 0.0, .tf = 40.0};
    step_control c;
    step_control_default(&c, 1e-7, 1e-12);
    ros_stats st;
    char msg[256];
    CHECK(ros_solve_adaptive(S, &P, &c, y, &st, msg, sizeof msg) == STEP_OK, "%s", msg);
    const double ref[3] = {0.7158270687, 9.185534764e-6, 0.2841637457};
    double worst = 0.0;
    for (int m = 0; m < 3; m++)
        worst = fmax(worst, fabs(y[m] - ref[m]) / ref[m]);
    printf("robertson t = 40: %ld steps, %ld jacobians, worst relative error %.2e\n", st.steps,
           st.jac_evals, worst);
    CHECK(worst < 1e-5 && st.steps < 2000, "robertson: error %.2e, %ld steps", worst,
          st.steps);
    ros_solver_free(S);
}


/* Robertson with its sensitivity to k1 = 0.04: z = (y, s), s' = f_y s + f_k1, whose Jacobian
 * is block lower-triangular, [J 0; L J] with L = ∂(J s + f_k1)/∂y. */
static int rob_sens(double t, const double *z, double *f, void *ctx)
{
    double J[9];
    robertson(t, z, f, ctx);
    robertson_jac(t, z, J, ctx);
    const double fk1[3] = {-z[0], z[0], 0.0};
    for (int a = 0; a < 3; a++)
        f[3 + a] = fk1[a] + J[3 * a] * z[3] + J[3 * a + 1] * z[4] + J[3 * a + 2] * z[5];
    return 0;
}
static void rob_coupling(const double *z, double *L)
{
    const double *s = z + 3;
    L[0] = -1.0, L[1] = 1e4 * s[2], L[2] = 1e4 * s[1];
    L[6] = 0.0, L[7] = 6e7 * s[1], L[8] = 0.0;
    for (int j = 0; j < 3; j++)
        L[3 + j] = -L[j] - L[6 + j];
}
static int rob_sens_jac(double t, const double *z, double *J, void *ctx)
{
    double Jy[9], L[9];
    robertson_jac(t, z, Jy, ctx);
    rob_coupling(z, L);
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            J[6 * a + b] = a < 3 ? (b < 3 ? Jy[3 * a + b] : 0.0)
                                 : (b < 3 ? L[3 * (a - 3) + b] : Jy[3 * (a - 3) + b - 3]);
    return 0;
}
static int rob_couple(double t, const double *z, int b, const double *v, double *out, void *ctx)
{
    (void)t;
    (void)ctx;
    double L[9];
    if (b != 1)
        return -1;
    rob_coupling(z, L);
    for (int a = 0; a < 3; a++)
        out[a] = L[3 * a] * v[0] + L[3 * a + 1] * v[1] + L[3 * a + 2] * v[2];
    return 0;
}

/* The blocked iteration matrix with its coupling block is the dense one, solved by
 * substitution: on a fixed grid both solvers give the same solution to rounding; without
 * the coupling block (a W-method's admissible approximation) the solution still converges
 * but differs. */
static void test_blocked(void)
{
    /* geometric steps from 1e-6 (the initial transient's scale) to t = 40 */
    enum { K = 2000 };
    static double times[K + 1];
    times[0] = 0.0;
    for (int k = 1; k <= K; k++)
        times[k] = 1e-6 * pow(40.0 / 1e-6, (double)(k - 1) / (K - 1));
    times[K] = 40.0;
    const step_grid g = {.t0 = 0.0, .tf = 40.0, .steps = K, .times = times};
    double z[3][6];
    for (int k = 0; k < 3; k++) {
        ros_solver *S = k == 0 ? ros_solver_new(&ros_ros34pw2, 6)
                               : ros_solver_new_blocked(&ros_ros34pw2, 6, 3, 2);
        ros_problem P = {.n = 6, .rhs = rob_sens, .t0 = 0.0, .tf = 40.0,
                         .jac = k == 0 ? rob_sens_jac : robertson_jac,
                         .couple = k == 1 ? rob_couple : NULL};
        const double z0[6] = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        memcpy(z[k], z0, sizeof z0);
        ros_stats st;
        char msg[256];
        CHECK(S && ros_solve_grid(S, &P, &g, 0, g.steps, z[k], &st, msg, sizeof msg) ==
                       STEP_OK, "blocked %d: %s", k, msg);
        ros_solver_free(S);
    }
    double coupled = 0.0, uncoupled = 0.0;
    for (int m = 0; m < 6; m++) {
        coupled = fmax(coupled, fabs(z[1][m] - z[0][m]) / fmax(fabs(z[0][m]), 1e-300));
        uncoupled = fmax(uncoupled, fabs(z[2][m] - z[0][m]) / fmax(fabs(z[0][m]), 1e-300));
    }
    printf("robertson + sensitivity, %d steps: blocked with coupling vs dense %.2e, "
           "block-diagonal vs dense %.2e (relative)\n", K, coupled, uncoupled);
    CHECK(coupled <= 1e-10, "blocked with coupling differs from dense by %.3e", coupled);
    CHECK(uncoupled > 1e3 * coupled && uncoupled <= 1e-2,
          "block-diagonal vs dense %.3e (coupled %.3e)", uncoupled, coupled);
    CHECK(!ros_solver_new_blocked(&ros_ros34pw2, 6, 4, 2), "blocks larger than n accepted");
}

#define MAXREC 512
typedef struct {
    long count;
    double grid[MAXREC + 1];
    int bad;
} recorder;

static int record(const ros_step_view *v, void *ctx)
{
    recorder *R = ctx;
    if (v->index != R->count || v->Y[0] != v->x || v->h != v->t_next - v->t)
        R->bad++;
    for (int k = 0; k < v->nout; k++)
        if (v->out_frac[k] != 1.0 && !(v->index == 0 && v->out_frac[k] == 0.0))
            R->bad++;
    if (R->count < MAXREC) {
        R->grid[R->count] = v->t;
        R->grid[R->count + 1] = v->t_next;
    }
    R->count++;
    return 0;
}

static void test_replay(void)
{
    enum { NO = 7 };
    double tout[NO] = {0.0, 0.1, 0.25, 1.0, 1.5, 2.0, 3.0}, xout[3 * NO], xout2[3 * NO];
    static recorder R;
    ros_solver *S = ros_solver_new(&ros_ros34pw2, 3);
    ros_problem P = {.n = 3, .rhs = prob_a, .jac = prob_a_jac, .t0 = 0.0, .tf = 3.0,
                     .nout = NO, .tout = tout, .xout = xout, .observer = record,
                     .observer_ctx = &R};
    step_control c;
    step_control_default(&c, 1e-6, 1e-8);
    double x[3] = {1.0, 0.0, 1.0}, y[3] = {1.0, 0.0, 1.0};
    ros_stats st;
    char msg[256];
    CHECK(ros_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg) == STEP_OK, "%s", msg);
    CHECK(R.count == st.steps && !R.bad, "observer: %ld of %ld steps, %d bad", R.count,
          st.steps, R.bad);
    for (int i = 1; i < NO; i++) {   /* every output time is a step end */
        int found = 0;
        for (long k = 1; k <= R.count; k++)
            found |= R.grid[k] == tout[i];
        CHECK(found, "output %g is not on the step grid", tout[i]);
    }
    step_grid g = {.t0 = 0.0, .tf = 3.0, .steps = R.count, .times = R.grid};
    P.observer = NULL;
    P.xout = xout2;
    CHECK(ros_solve_grid(S, &P, &g, 0, R.count, y, &st, msg, sizeof msg) == STEP_OK, "%s",
          msg);
    CHECK(memcmp(x, y, sizeof x) == 0 && memcmp(xout, xout2, sizeof xout) == 0,
          "replay is not bitwise identical");
    printf("rosenbrock: %ld adaptive steps replayed bitwise\n", R.count);

    /* a uniform grid that misses an output: clear error */
    step_grid u = {.t0 = 0.0, .tf = 3.0, .steps = 7};
    double z[3] = {1.0, 0.0, 1.0};
    const int status = ros_solve_grid(S, &P, &u, 0, 7, z, &st, msg, sizeof msg);
    printf("grid without the outputs: %s\n", msg);
    CHECK(status == STEP_EINPUT && strstr(msg, "no dense output"), "interior output accepted");
    ros_solver_free(S);
}

int main(void)
{
    test_coefficients(&ros_ros34pw2);
    test_order();
    test_stiff();
    test_replay();
    test_blocked();
    return check_finish("test_rosenbrock");
}
