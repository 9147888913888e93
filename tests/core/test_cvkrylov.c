/* cvlinsol — the Krylov solver inside CVODES, forward and backward (adjoint):
 *  - with the exact band-LU preconditioner GMRES needs about one iteration per linear solve
 *    (P is the Newton matrix at every set-up; only the lagged Jacobian separates them), with
 *    ILU(0) a few on the grid and one on jakstat (no fill there: ILU(0) is exact).  These
 *    counts check how γ and the orientation reach the factorisation: with the sign of γ
 *    flipped, brusselator-6/-12 needed 3.1–4.6 iterations per solve with the band (forward or
 *    backward); with the backward matrix not transposed, jakstat (a cascade, far from
 *    symmetric) needed 1.23–1.26 against 1.01 (the grid, nearly symmetric, cannot tell);
 *  - every product is accounted for: the forward counters hold exactly the GMRES products
 *    plus colours × sparse Jacobians, the backward ones exactly colours × sparse Jacobians
 *    (its products −f_xᵀv are vector–Jacobian products);
 *  - a generic system ignores the choice (dense); a state–adjoint pair [z, a] (backsolve's
 *    system) follows it and agrees with dense. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvadj.h"
#include "check.h"
#include "registry.h"

/* iterations per linear solve under right preconditioning */
static double per_solve(const cv_krylov_counts *c)
{
    const long solves = c->prec_solves - c->products;
    return solves > 0 ? (double)c->products / (double)solves : 0.0;
}

static void krylov_counts(const char *name, cv_linsol ls, double max_per_solve)
{
    char err[256];
    model *m = check_model_create(name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    eval_counts fwd = {0}, bwd = {0};
    cv_settings s = {"test", CV_FAMILY_BDF, m->rtol, m->atol, 100000, ls};
    cv_forward_options fo = {CV_SENS_NONE, 0, 20, CV_INTERP_HERMITE, &fwd, NULL};
    cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
    CHECK(cv != NULL, "%s: %s", name, err);
    if (!cv)
        exit(1);
    CHECK(cv_forward_run(cv, cv_obs_ignore, NULL, err, sizeof err) == 0, "%s: %s", name, err);
    double *lambda = malloc(sizeof(double) * (size_t)m->nx);
    double *q = malloc(sizeof(double) * (size_t)m->np);
    for (int i = 0; i < m->nx; i++)
        lambda[i] = 1.0;
    cv_backward_options bo = {CV_FAMILY_BDF, m->rtol, m->atol, 100000, 1, &bwd, CV_SO_BLOCK};
    CHECK(cv_backward_begin(cv, &cv_adjoint_first_order, &bo, m->tf, lambda, err, sizeof err) ==
              0,
          "%s: %s", name, err);
    CHECK(cv_backward_to(cv, m->t0, lambda, q, err, sizeof err) == 0, "%s: %s", name, err);
    cv_linsol_stats st;
    cv_linsol_stats_get(cv, &st);
    const size_t bytes = cv_workspace_bytes(cv);
    printf("%-16s %-12s forward: %4ld products, %3ld set-ups, %2ld Jacobians, %.2f iterations "
           "per solve; backward: %4ld, %3ld, %2ld, %.2f; %d colours; %zu bytes\n", name,
           cv_linsol_name(ls), st.fwd.products, st.fwd.prec_setups, st.fwd.prec_jacobians,
           per_solve(&st.fwd), st.bwd.products, st.bwd.prec_setups, st.bwd.prec_jacobians,
           per_solve(&st.bwd), st.colours, bytes);
    CHECK(st.used == ls, "%s: uses %s", name, cv_linsol_name(st.used));
    CHECK(st.fwd.prec_jacobians > 0 && st.bwd.prec_jacobians > 0,
          "%s %s: no preconditioner set-ups", name, cv_linsol_name(ls));
    CHECK(per_solve(&st.fwd) <= max_per_solve && per_solve(&st.bwd) <= max_per_solve,
          "%s %s: %.2f / %.2f GMRES iterations per solve (at most %.1f expected)", name,
          cv_linsol_name(ls), per_solve(&st.fwd), per_solve(&st.bwd), max_per_solve);
    CHECK(fwd.jvp == st.fwd.products + st.fwd.prec_jacobians * st.colours && fwd.jac == 0,
          "%s: forward products %ld != %ld + %ld x %d", name, fwd.jvp, st.fwd.products,
          st.fwd.prec_jacobians, st.colours);
    CHECK(bwd.jvp == st.bwd.prec_jacobians * st.colours && bwd.jac == 0 &&
              bwd.vjp >= st.bwd.products,
          "%s: backward products %ld != %ld x %d", name, bwd.jvp, st.bwd.prec_jacobians,
          st.colours);
    free(lambda);
    free(q);
    cv_free(cv);
    model_ctx_free(ctx);
    free(theta);
    model_destroy(m);
}

/* y' = −y on a generic system: dense whatever is asked */
static int decay(double t, const double *y, double *ydot, void *user)
{
    (void)t;
    (void)user;
    ydot[0] = -y[0];
    return 0;
}

static void generic_system_is_dense(void)
{
    char err[256];
    const double y0 = 1.0;
    double y;
    cv_settings s = {"test", CV_FAMILY_BDF, 1e-10, 1e-12, 10000, CV_LINSOL_KRYLOV};
    cv_solver *cv = cv_system_new(1, 0.0, &y0, decay, NULL, 0, NULL, NULL, 0, NULL, &s, err,
                                  sizeof err);
    CHECK(cv && cv_system_advance(cv, 1.0, &y, NULL, err, sizeof err) == 0, "%s", err);
    cv_linsol_stats st;
    cv_linsol_stats_get(cv, &st);
    CHECK(st.used == CV_LINSOL_DENSE && fabs(y - exp(-1.0)) < 1e-8,
          "generic system: %s, y(1) = %.12g", cv_linsol_name(st.used), y);
    cv_free(cv);
}

/* ---- a state–adjoint pair: z' = f(z), a' = −f_zᵀa, backwards from t1 to t0 ------------- */

typedef struct {
    model_ctx *ctx;
    int nx;
    double *fz, *unit, *column;
} pair_model;

static int pair_rhs(double t, const double *y, double *ydot, void *user)
{
    pair_model *P = user;
    model_rhs(P->ctx, t, y, ydot);
    model_rhs_vjp(P->ctx, t, y, y + P->nx, ydot + P->nx, NULL);
    for (int i = 0; i < P->nx; i++)
        ydot[P->nx + i] = -ydot[P->nx + i];
    return 0;
}

/* [[f_z, 0], [−(aᵀf)_zz, −f_zᵀ]] */
static int pair_jac(double t, const double *y, double *J, void *user)
{
    pair_model *P = user;
    const int nx = P->nx, n = 2 * nx;
    model_rhs_jac(P->ctx, t, y, P->fz);
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < nx; j++) {
            J[i * n + j] = P->fz[i * nx + j];
            J[(nx + i) * n + nx + j] = -P->fz[j * nx + i];
        }
    for (int j = 0; j < nx; j++) {
        P->unit[j] = 1.0;
        model_rhs_vjp_jvp(P->ctx, t, y, y + nx, NULL, P->unit, NULL, NULL, NULL, P->column, NULL);
        P->unit[j] = 0.0;
        for (int i = 0; i < nx; i++)
            J[(nx + i) * n + j] = -P->column[i];
    }
    return 0;
}

static int pair_jtimes(double t, const double *y, const double *v, double *Jv, void *user)
{
    pair_model *P = user;
    const int nx = P->nx;
    model_rhs_jvp(P->ctx, t, y, v, NULL, Jv);
    model_rhs_vjp_jvp(P->ctx, t, y, y + nx, v + nx, v, NULL, NULL, NULL, Jv + nx, NULL);
    for (int i = 0; i < nx; i++)
        Jv[nx + i] = -Jv[nx + i];
    return 0;
}

/* dense and the Krylov kinds agree.  (How much the block preconditioner helps cannot be seen
 * here: a network is not stiff, and a stiff model's [z, a] does not run backwards stably —
 * one of the two blocks always grows.  Its blocks are the ones the forward and backward
 * problems above check.) */
static void pair_system(const char *name, double t1, double t0)
{
    char err[256];
    model *m = check_model_create(name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    const int nx = m->nx;
    pair_model P = {model_ctx_new(m, theta, err, sizeof err), nx,
                    malloc(sizeof(double) * (size_t)nx * (size_t)nx),
                    calloc((size_t)nx, sizeof(double)), malloc(sizeof(double) * (size_t)nx)};
    const size_t bytes = sizeof(double) * 2 * (size_t)nx;
    double *y1 = malloc(bytes), *y = malloc(bytes), *ref = malloc(bytes);
    model_x0(P.ctx, y1);
    for (int i = 0; i < nx; i++)
        y1[nx + i] = 1.0 + 0.1 * i;
    eval_counts counts = {0};
    cv_state_adjoint_pair pair = {P.ctx, &counts, pair_jtimes};
    for (cv_linsol ls = CV_LINSOL_DENSE; ls <= CV_LINSOL_KRYLOV_NOPREC; ls++) {
        cv_settings s = {"test", CV_FAMILY_BDF, 1e-10, 1e-12, 100000, ls};
        cv_solver *cv = cv_system_new_pair(&pair, t1, y1, pair_rhs, pair_jac, 0, NULL, NULL, 0,
                                           &P, &s, err, sizeof err);
        CHECK(cv && cv_system_advance(cv, t0, y, NULL, err, sizeof err) == 0, "%s %s: %s", name,
              cv_linsol_name(ls), err);
        if (!cv)
            continue;
        cv_linsol_stats st;
        cv_linsol_stats_get(cv, &st);
        CHECK(st.used == ls, "%s: the pair uses %s", name, cv_linsol_name(st.used));
        if (ls == CV_LINSOL_DENSE)
            memcpy(ref, y, bytes);
        double diff = 0.0, scale = 0.0;
        for (int i = 0; i < 2 * nx; i++) {
            diff = fmax(diff, fabs(y[i] - ref[i]));
            scale = fmax(scale, fabs(ref[i]));
        }
        printf("%-16s pair %-14s |y - dense| %.2e of |y|, %.2f GMRES iterations per solve, "
               "%ld steps\n", name, cv_linsol_name(ls), diff / scale, per_solve(&st.fwd),
               cv_system_steps(cv));
        CHECK(diff <= 1e-7 * scale, "%s pair %s: %.2e from dense", name, cv_linsol_name(ls),
              diff / scale);
        cv_free(cv);
    }
    free(y1);
    free(y);
    free(ref);
    free(P.fz);
    free(P.unit);
    free(P.column);
    model_ctx_free(P.ctx);
    free(theta);
    model_destroy(m);
}

int main(void)
{
    krylov_counts("brusselator-6", CV_LINSOL_KRYLOV_BAND, 1.5);
    krylov_counts("brusselator-6", CV_LINSOL_KRYLOV, 5.0);
    krylov_counts("brusselator-12", CV_LINSOL_KRYLOV_BAND, 1.5);
    krylov_counts("brusselator-12", CV_LINSOL_KRYLOV, 5.0);
    krylov_counts("jakstat", CV_LINSOL_KRYLOV_BAND, 1.1);   /* far from symmetric */
    krylov_counts("jakstat", CV_LINSOL_KRYLOV, 1.1);
    generic_system_is_dense();
    pair_system("mlp-8-16", 1.0, 0.0);   /* a network runs backwards stably, a stiff model not */
    pair_system("mlp-24-8", 1.0, 0.0);
    return check_finish("core/test_cvkrylov");
}
