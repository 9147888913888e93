/* The explicit Runge–Kutta driver's contract with the tape:
 *  - the observer sees every accepted step, and what it sees is the computation: each K_i
 *    equals f(stage time, Y_i) bitwise, Y_i = x + h Σ a_ij K_j, consecutive steps chain
 *    (t_next, x_next) → (t, x), and every output is owned by exactly one step;
 *  - replaying the accepted grid of an adaptive solve reproduces states and outputs bit for
 *    bit, from the start and from a mid-solve restart (checkpointed recomputation);
 *  - failures stop with a status and a message that says where: step-size underflow (with t
 *    near the blow-up), too many steps, a failing right-hand side, bad outputs;
 *  - the error norm over a prefix of the components and over blocks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rk.h"


/* a nonlinear, non-autonomous test system (Van der Pol with a forcing) */
static int vdp(double t, const double *x, double *f, void *ctx)
{
    const double mu = *(const double *)ctx;
    f[0] = x[1];
    f[1] = mu * (1.0 - x[0] * x[0]) * x[1] - x[0] + 0.3 * sin(t);
    return 0;
}

#define MAXSTEPS 4096
typedef struct {
    const rk_tableau *T;
    double mu;
    long count;
    double t[MAXSTEPS + 1];
    double last_t, last_x[2];
    int owned[64];
    int bad_stage, bad_chain, bad_index;
} recorder;

static int record(const rk_step_view *v, void *ctx)
{
    recorder *R = ctx;
    const int s = v->stages, n = v->n;
    if (v->index != R->count)
        R->bad_index++;
    if (R->count > 0 && (v->t != R->last_t || memcmp(v->x, R->last_x, sizeof R->last_x) != 0))
        R->bad_chain++;
    if (v->h != v->t_next - v->t || v->Y[0] != v->x)
        R->bad_stage++;
    for (int i = 0; i < s; i++) {
        double f[2], y[2];
        vdp(rk_stage_time(v->t, v->t_next, R->T->c[i]), v->Y[i], f, &R->mu);
        if (memcmp(f, v->K[i], sizeof f) != 0)
            R->bad_stage++;
        for (int m = 0; m < n; m++) {
            double acc = 0.0;
            for (int j = 0; j < i; j++)
                acc += R->T->A[i * s + j] * v->K[j][m];
            y[m] = v->x[m] + v->h * acc;
            if (fabs(y[m] - v->Y[i][m]) > 1e-14 * (1.0 + fabs(y[m])))
                R->bad_stage++;
        }
    }
    for (int k = 0; k < v->nout; k++)
        R->owned[v->out_index[k]]++;
    if (R->count < MAXSTEPS) {
        R->t[R->count] = v->t;
        R->t[R->count + 1] = v->t_next;
    }
    R->count++;
    R->last_t = v->t_next;
    memcpy(R->last_x, v->x_next, sizeof R->last_x);
    return 0;
}

static void test_observer_and_replay(const rk_tableau *T)
{
    enum { NOUT = 17 };
    double mu = 2.0, tout[NOUT], xout[NOUT * 2], xout2[NOUT * 2], xout3[NOUT * 2];
    for (int k = 0; k < NOUT; k++)
        tout[k] = k * 0.5;   /* includes t0 = 0 and tf = 8 */
    static recorder R;
    memset(&R, 0, sizeof R);
    R.T = T;
    R.mu = mu;
    rk_problem P = {.n = 2, .rhs = vdp, .rhs_ctx = &mu, .t0 = 0.0, .tf = 8.0, .nout = NOUT,
                    .tout = tout, .xout = xout, .observer = record, .observer_ctx = &R};
    rk_solver *S = rk_solver_new(T, 2);
    double x[2] = {2.0, 0.0};
    rk_stats st;
    char msg[256];
    int status;
    if (T->e) {
        step_control c;
        step_control_default(&c, 1e-7, 1e-9);
        status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    } else {
        const step_grid g0 = {.t0 = 0.0, .tf = 8.0, .steps = 800};
        status = rk_solve_grid(S, &P, &g0, 0, 800, x, &st, msg, sizeof msg);
    }
    CHECK(status == STEP_OK, "%s solve: %s", T->name, msg);
    CHECK(R.count == st.steps && R.count <= MAXSTEPS, "%s: observer saw %ld of %ld steps",
          T->name, R.count, st.steps);
    CHECK(!R.bad_stage && !R.bad_chain && !R.bad_index,
          "%s: observer view inconsistent (stage %d, chain %d, index %d)", T->name,
          R.bad_stage, R.bad_chain, R.bad_index);
    for (int k = 0; k < NOUT; k++)
        CHECK(R.owned[k] == 1, "%s: output %d owned by %d steps", T->name, k, R.owned[k]);
    CHECK(memcmp(xout + 2 * (NOUT - 1), x, sizeof x) == 0, "%s: output at tf is not x(tf)",
          T->name);
    CHECK(xout[0] == 2.0 && xout[1] == 0.0, "%s: output at t0 is not x0", T->name);

    /* replay the recorded grid from the start: bitwise the same */
    const long K = R.count;
    const step_grid g = {.t0 = 0.0, .tf = 8.0, .steps = K, .times = R.t};
    double y[2] = {2.0, 0.0};
    rk_problem Q = P;
    Q.xout = xout2;
    Q.observer = NULL;
    status = rk_solve_grid(S, &Q, &g, 0, K, y, &st, msg, sizeof msg);
    CHECK(status == STEP_OK && memcmp(x, y, sizeof x) == 0 &&
              memcmp(xout, xout2, sizeof xout) == 0,
          "%s: replay differs from the original solve", T->name);

    /* replay in two segments, the second from a stored mid-solve state */
    const long half = K / 2;
    double z[2] = {2.0, 0.0};
    memset(xout3, 0, sizeof xout3);
    Q.xout = xout3;
    status = rk_solve_grid(S, &Q, &g, 0, half, z, &st, msg, sizeof msg);
    double saved[2];
    memcpy(saved, z, sizeof z);
    status |= rk_solve_grid(S, &Q, &g, half, K - half, saved, &st, msg, sizeof msg);
    CHECK(status == STEP_OK && memcmp(saved, x, sizeof x) == 0 &&
              memcmp(xout, xout3, sizeof xout) == 0,
          "%s: segmented replay differs", T->name);
    printf("%-7s %ld steps observed and replayed bitwise\n", T->name, K);
    rk_solver_free(S);
}

/* x' = x², x(0) = 1 blows up at t = 1 */
static int blowup(double t, const double *x, double *f, void *ctx)
{
    (void)t;
    (void)ctx;
    f[0] = x[0] * x[0];
    return 0;
}

static int failing(double t, const double *x, double *f, void *ctx)
{
    (void)ctx;
    f[0] = -x[0];
    return t > 0.5 ? -1 : 0;
}

static void test_errors(void)
{
    rk_solver *S = rk_solver_new(&rk_dopri5, 1);
    step_control c;
    step_control_default(&c, 1e-8, 1e-8);
    char msg[256] = "";
    rk_stats st;
    double x[1] = {1.0};
    rk_problem P = {.n = 1, .rhs = blowup, .t0 = 0.0, .tf = 2.0};
    int status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    printf("blow-up: %s\n", msg);
    CHECK((status == STEP_EUNDERFLOW || status == STEP_EMAXSTEPS) &&
              fabs(st.t_reached - 1.0) < 0.01 &&
              strstr(msg, "at t = "),
          "blow-up not reported near t = 1 (status %d, t %g)", status, st.t_reached);

    x[0] = 1.0;
    c.max_steps = 5;
    P.rhs = blowup;
    P.tf = 0.9;
    status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    printf("max steps: %s\n", msg);
    CHECK(status == STEP_EMAXSTEPS && strstr(msg, "max_steps = 5"), "max_steps not reported");

    x[0] = 1.0;
    step_control_default(&c, 1e-8, 1e-8);
    P.rhs = failing;
    status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    printf("rhs failure: %s\n", msg);
    CHECK(status == STEP_ERHS && strstr(msg, "right-hand side failed"), "rhs failure");

    const double bad_out[2] = {0.5, 0.2};
    P.rhs = blowup;
    P.nout = 2;
    P.tout = bad_out;
    status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    printf("bad outputs: %s\n", msg);
    CHECK(status == STEP_EINPUT, "out-of-order outputs accepted");
    rk_solver_free(S);

    S = rk_solver_new(&rk_rk4, 1);
    P.nout = 0;
    status = rk_solve_adaptive(S, &P, &c, x, &st, msg, sizeof msg);
    printf("rk4 adaptive: %s\n", msg);
    CHECK(status == STEP_EINPUT, "adaptive RK4 accepted without an error estimate");
    rk_solver_free(S);
}


/* The error norm: the scaled RMS of every component by default; over the leading n_control
 * components only (an adjoint's quadratures left out); the largest of the blocks' RMS norms
 * (a state and its sensitivities each held to the tolerance) — values by hand. */
static void test_error_norm(void)
{
    step_control c;
    step_control_default(&c, 0.0, 1.0);   /* the scale is 1: the norm of err itself */
    const double err[6] = {3.0, 4.0, 0.0, 0.0, 12.0, 0.0}, x[6] = {0};
    const double all = sqrt((9.0 + 16.0 + 144.0) / 6.0);
    CHECK(fabs(step_error_norm(6, err, x, NULL, &c) - all) <= 1e-15, "plain RMS");
    c.n_control = 2;
    CHECK(fabs(step_error_norm(6, err, x, NULL, &c) - sqrt(25.0 / 2.0)) <= 1e-15,
          "the first two components");
    c.n_control = 0;
    c.block = 2;   /* blocks (3,4), (0,0), (12,0): RMS 3.54, 0, 8.49 */
    CHECK(fabs(step_error_norm(6, err, x, NULL, &c) - sqrt(144.0 / 2.0)) <= 1e-15,
          "the largest block");
    c.n_control = 4;   /* blocks (3,4), (0,0) */
    CHECK(fabs(step_error_norm(6, err, x, NULL, &c) - sqrt(25.0 / 2.0)) <= 1e-15,
          "blocks within the first four");
    const double bad[6] = {NAN, 0.0, 0.0, 0.0, 12.0, 0.0};
    c.n_control = 0;
    CHECK(isnan(step_error_norm(6, bad, x, NULL, &c)), "a NaN in an early block is the norm");
}

int main(void)
{
    test_error_norm();
    test_observer_and_replay(&rk_euler);
    test_observer_and_replay(&rk_rk4);
    test_observer_and_replay(&rk_dopri5);
    test_errors();
    return check_finish("test_rk_driver");
}
