/* rosenbrock — ROS34PW2 and the linearly implicit driver (see rosenbrock.h for the method
 * and the reasons for choosing it). */
#include "rosenbrock.h"
#include "step_driver.h"
#include "denselu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ROS34PW2, Rang & Angermann (2005), Table "ROS34PW2" ------------------------------ */
static const double ros34pw2_alpha[16] = {
    0.0, 0.0, 0.0, 0.0,
    8.7173304301691801e-01, 0.0, 0.0, 0.0,
    8.4457060015369423e-01, -1.1299064236484185e-01, 0.0, 0.0,
    0.0, 0.0, 1.0, 0.0,
};
static const double ros34pw2_gamma_offdiag[16] = {
    0.0, 0.0, 0.0, 0.0,
    -8.7173304301691801e-01, 0.0, 0.0, 0.0,
    -9.0338057013044082e-01, 5.4180672388095326e-02, 0.0, 0.0,
    2.4212380706095346e-01, -1.2232505839045147e+00, 5.4526025533510214e-01, 0.0,
};
static const double ros34pw2_b[4] = {
    2.4212380706095346e-01, -1.2232505839045147e+00, 1.5452602553351020e+00,
    4.3586652150845900e-01,
};
static const double ros34pw2_bhat[4] = {
    3.7810903145819369e-01, -9.6042292212423178e-02, 5.0000000000000000e-01,
    2.1793326075422950e-01,
};

const ros_tableau ros_ros34pw2 = {
    .name = "ros34pw2", .stages = 4, .order = 3, .error_order = 2,
    .gamma = 4.3586652150845900e-01,
    .alpha = ros34pw2_alpha, .Gamma = ros34pw2_gamma_offdiag,
    .b = ros34pw2_b, .bhat = ros34pw2_bhat,
};

/* ---- dense LU of I/hg − J (or its transpose) ------------------------------------------ */
struct ros_lu {
    int n;
    double *a;        /* n × n: the factors (denselu.h) */
    size_t *pivot;    /* n */
};

ros_lu *ros_lu_new(int n)
{
    if (n < 1)
        return NULL;
    ros_lu *lu = calloc(1, sizeof *lu);
    if (!lu)
        return NULL;
    lu->n = n;
    lu->a = malloc(sizeof(double) * (size_t)n * (size_t)n);
    lu->pivot = malloc(sizeof(size_t) * (size_t)n);
    if (!lu->a || !lu->pivot) {
        ros_lu_free(lu);
        return NULL;
    }
    return lu;
}

void ros_lu_free(ros_lu *lu)
{
    if (!lu)
        return;
    free(lu->a);
    free(lu->pivot);
    free(lu);
}

size_t ros_lu_bytes(const ros_lu *lu)
{
    return lu ? sizeof *lu + (size_t)lu->n * (size_t)lu->n * sizeof(double) +
                    (size_t)lu->n * sizeof(size_t)
              : 0;
}

int ros_lu_factor(ros_lu *lu, const double *J, double hg, int transpose)
{
    const int n = lu->n;
    const double diag = 1.0 / hg;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            lu->a[(size_t)i * n + j] =
                (i == j ? diag : 0.0) - (transpose ? J[j * n + i] : J[i * n + j]);
    return dense_lu_factor(n, lu->a, lu->pivot) == 0 ? STEP_OK : STEP_ESINGULAR;
}

void ros_lu_solve(const ros_lu *lu, double *v)
{
    dense_lu_solve(lu->n, lu->a, lu->pivot, v);
}

/* ---- the solver ----------------------------------------------------------------------- */
struct ros_solver {
    const ros_tableau *tab;
    int n, s;
    double *a, *C, *m, *me, *alpha_sum;   /* transformed coefficients */
    int block, nblocks;                   /* the iteration matrix: nblocks copies of
                                           * I/hγ − J, J block×block, on the leading
                                           * components and I/hγ on the rest (dense:
                                           * block = n, nblocks = 1) */
    double *J;                            /* f_x(t, x) (its block) at the step's start */
    double *coupled;                      /* block: L_b u_0 (ros_problem.couple) */
    int jac_valid;                        /* J belongs to the current (t, x) */
    double lu_h;                          /* h of the current factorisation (NaN: none) */
    ros_lu *lu;
    double **U, **Y;                      /* s vectors each (Y[0] points to x) */
    double *x_next, *err;
    double *scratch;                      /* 2n for the first-step estimate */
    double *mem;
    step_outputs outs;                    /* observation bookkeeping, reused */
    size_t bytes;
};

/* Invert the lower-triangular Γ (with γ on the diagonal) and form a, C, m, m − m̂. */
static void ros_transform(ros_solver *S)
{
    const ros_tableau *T = S->tab;
    const int s = S->s;
    double Ginv[64] = {0};   /* s ≤ 8 */
    for (int j = 0; j < s; j++) {
        /* column j of Γ⁻¹ by forward substitution on Γ g = e_j */
        for (int i = 0; i < s; i++) {
            double r = i == j ? 1.0 : 0.0;
            for (int k = 0; k < i; k++)
                r -= T->Gamma[i * s + k] * Ginv[k * s + j];
            Ginv[i * s + j] = r / T->gamma;
        }
    }
    for (int i = 0; i < s; i++) {
        double alpha_i = 0.0;
        for (int j = 0; j < s; j++) {
            double aij = 0.0;
            for (int k = 0; k < s; k++)
                aij += T->alpha[i * s + k] * Ginv[k * s + j];
            S->a[i * s + j] = j < i ? aij : 0.0;
            S->C[i * s + j] = j < i ? -Ginv[i * s + j] : 0.0;
            alpha_i += T->alpha[i * s + j];
        }
        S->alpha_sum[i] = alpha_i;
    }
    for (int j = 0; j < s; j++) {
        double mj = 0.0, mhat = 0.0;
        for (int k = 0; k < s; k++) {
            mj += T->b[k] * Ginv[k * s + j];
            mhat += T->bhat[k] * Ginv[k * s + j];
        }
        S->m[j] = mj;
        S->me[j] = mj - mhat;
    }
}

ros_solver *ros_solver_new(const ros_tableau *tab, int n)
{
    return ros_solver_new_blocked(tab, n, n, 1);
}

ros_solver *ros_solver_new_blocked(const ros_tableau *tab, int n, int block, int nblocks)
{
    if (!tab || n < 1 || tab->stages > 8 || block < 1 || nblocks < 1 ||
        (long)block * nblocks > n)
        return NULL;
    const int s = tab->stages;
    ros_solver *S = calloc(1, sizeof *S);
    if (!S)
        return NULL;
    S->tab = tab;
    S->n = n;
    S->s = s;
    S->block = block;
    S->nblocks = nblocks;
    const size_t coef = 2 * (size_t)s * s + 3 * (size_t)s;
    const size_t vecs = (2 * (size_t)s + 4) * (size_t)n;
    const size_t doubles = coef + (size_t)block * block + (size_t)block + vecs;
    S->mem = calloc(doubles, sizeof(double));
    S->U = calloc((size_t)s, sizeof *S->U);
    S->Y = calloc((size_t)s, sizeof *S->Y);
    S->lu = ros_lu_new(block);
    if (!S->mem || !S->U || !S->Y || !S->lu) {
        ros_solver_free(S);
        return NULL;
    }
    double *p = S->mem;
    S->a = p, p += (size_t)s * s;
    S->C = p, p += (size_t)s * s;
    S->m = p, p += s;
    S->me = p, p += s;
    S->alpha_sum = p, p += s;
    S->J = p, p += (size_t)block * block;
    S->coupled = p, p += block;
    for (int i = 0; i < s; i++, p += n)
        S->U[i] = p;
    for (int i = 0; i < s; i++, p += n)
        S->Y[i] = p;
    S->x_next = p, p += n;
    S->err = p, p += n;
    S->scratch = p;
    S->lu_h = NAN;
    S->bytes = sizeof *S + doubles * sizeof(double) + 2 * (size_t)s * sizeof(double *) +
               ros_lu_bytes(S->lu);
    ros_transform(S);
    return S;
}

void ros_solver_free(ros_solver *S)
{
    if (!S)
        return;
    ros_lu_free(S->lu);
    step_outputs_free(&S->outs);
    free(S->U);
    free(S->Y);
    free(S->mem);
    free(S);
}

size_t ros_solver_bytes(const ros_solver *S)
{
    return S ? S->bytes + step_outputs_bytes(&S->outs) : 0;
}

int ros_solver_reserve(ros_solver *S, int nout)
{
    return step_outputs_reserve(&S->outs, nout);
}
const ros_tableau *ros_solver_tableau(const ros_solver *S) { return S->tab; }
const double *ros_coef_a(const ros_solver *S) { return S->a; }
const double *ros_coef_c(const ros_solver *S) { return S->C; }
const double *ros_coef_m(const ros_solver *S) { return S->m; }
const double *ros_coef_alpha(const ros_solver *S) { return S->alpha_sum; }

double ros_stage_time(const ros_solver *S, int i, double t, double t_next)
{
    const double alpha = S->alpha_sum[i];
    return alpha == 1.0 ? t_next : t + alpha * (t_next - t);
}

/* out = x + Σ_{j<count} coef_j v_j, skipping zero coefficients, in increasing j */
static void ros_combine(int n, const double *x, const double *coef, int count,
                        const double *const *v, double *out)
{
    memcpy(out, x, sizeof(double) * (size_t)n);
    for (int j = 0; j < count; j++) {
        const double c = coef[j];
        if (c == 0.0)
            continue;
        for (int m = 0; m < n; m++)
            out[m] += c * v[j][m];
    }
}

void ros_stage_input(const ros_solver *S, int i, const double *x, const double *const *U,
                     double *Y)
{
    ros_combine(S->n, x, S->a + (size_t)i * S->s, i, U, Y);
}

/* u ← W⁻¹ u with the blocked iteration matrix W (see struct ros_solver and
 * ros_problem.couple): block 0 first, then each block b with L_b u_0 added to its right-hand
 * side; the components outside the blocks are scaled by hγ */
static int ros_iteration_solve(const ros_solver *S, const ros_problem *P, double t,
                               const double *x, double *u, double h)
{
    const int block = S->block;
    ros_lu_solve(S->lu, u);
    for (int b = 1; b < S->nblocks; b++) {
        double *ub = u + (size_t)b * block;
        if (P->couple) {
            if (P->couple(t, x, b, u, S->coupled, P->ctx) != 0)
                return STEP_ERHS;
            for (int m = 0; m < block; m++)
                ub[m] += S->coupled[m];
        }
        ros_lu_solve(S->lu, ub);
    }
    const double hg = h * S->tab->gamma;
    for (int m = block * S->nblocks; m < S->n; m++)
        u[m] *= hg;
    return STEP_OK;
}

/* One step (t → t_next) from x: stages, x_next, error estimate. */
static int ros_step(ros_solver *S, const ros_problem *P, double t, double t_next,
                    const double *x, ros_stats *st)
{
    const int n = S->n, s = S->s;
    const double h = t_next - t;
    if (!S->jac_valid) {
        if (P->jac(t, x, S->J, P->ctx) != 0)
            return STEP_ERHS;
        st->jac_evals++;
        S->jac_valid = 1;
        S->lu_h = NAN;
    }
    if (S->lu_h != h) {
        const int status = ros_lu_factor(S->lu, S->J, h * S->tab->gamma, 0);
        st->factorizations++;
        if (status != STEP_OK) {
            S->lu_h = NAN;
            return status;
        }
        S->lu_h = h;
    }
    const double *const *U = (const double *const *)S->U;
    for (int i = 0; i < s; i++) {
        const double *Yi = x;
        if (i > 0) {
            ros_stage_input(S, i, x, U, S->Y[i]);
            Yi = S->Y[i];
        }
        double *ui = S->U[i];
        if (P->rhs(ros_stage_time(S, i, t, t_next), Yi, ui, P->ctx) != 0)
            return STEP_ERHS;
        st->rhs_evals++;
        for (int j = 0; j < i; j++) {
            const double cj = S->C[i * s + j] / h;
            if (cj == 0.0)
                continue;
            for (int m = 0; m < n; m++)
                ui[m] += cj * S->U[j][m];
        }
        if (ros_iteration_solve(S, P, t, x, ui, h) != STEP_OK)
            return STEP_ERHS;
    }
    ros_combine(n, x, S->m, s, U, S->x_next);
    for (int m = 0; m < n; m++)
        S->err[m] = 0.0;
    for (int j = 0; j < s; j++)
        for (int m = 0; m < n; m++)
            S->err[m] += S->me[j] * S->U[j][m];
    return STEP_OK;
}

static int ros_accept(ros_solver *S, const ros_problem *P, long index, double t,
                      double t_next, const double *x, int nout, const int *out_index,
                      const double *out_frac)
{
    const int n = S->n;
    for (int k = 0; k < nout && P->xout; k++)
        memcpy(P->xout + (size_t)out_index[k] * n, out_frac[k] == 0.0 ? x : S->x_next,
               sizeof(double) * (size_t)n);
    if (!P->observer)
        return STEP_OK;
    const double *Y[8];   /* Y_1 = x; s ≤ 8 */
    Y[0] = x;
    for (int i = 1; i < S->s; i++)
        Y[i] = S->Y[i];
    const ros_step_view view = {
        .index = index, .t = t, .t_next = t_next, .h = t_next - t, .n = n, .stages = S->s,
        .x = x, .x_next = S->x_next,
        .U = (const double *const *)S->U, .Y = Y,
        .nout = nout, .out_index = out_index, .out_frac = out_frac,
    };
    return P->observer(&view, P->observer_ctx) != 0 ? STEP_EOBSERVER : STEP_OK;
}

static int ros_fail(int status, double t, const ros_tableau *T, char *err, size_t errlen)
{
    if (status == STEP_ERHS)
        snprintf(err, errlen, "%s: the right-hand side or Jacobian failed at t = %.17g",
                 T->name, t);
    else if (status == STEP_ESINGULAR)
        snprintf(err, errlen, "%s: singular iteration matrix I/(h*gamma) - J at t = %.17g",
                 T->name, t);
    else if (status == STEP_EOBSERVER)
        snprintf(err, errlen, "%s: stopped by the step observer at t = %.17g", T->name, t);
    return status;
}

/* ---- the solves: this integrator's calls of the shared loops (step_driver.h) ---------- */

typedef struct {
    ros_solver *S;
    const ros_problem *P;
    const step_control *c;   /* adaptive solves */
    ros_stats *st;
} ros_run;

/* a singular iteration matrix fails the attempt but not the solve: a smaller h changes it */
static int ros_adaptive_attempt(void *integrator, double t, double t_next, const double *x,
                                double *err_norm)
{
    ros_run *R = integrator;
    const int status = ros_step(R->S, R->P, t, t_next, x, R->st);
    if (status == STEP_ESINGULAR) {
        *err_norm = INFINITY;
        return STEP_OK;
    }
    if (status == STEP_OK)
        *err_norm = step_error_norm(R->S->n, R->S->err, x, R->S->x_next, R->c);
    return status;
}

static int ros_adaptive_accept(void *integrator, long index, double t, double t_next,
                               const double *x, int nout, const int *out_index,
                               const double *out_frac)
{
    ros_run *R = integrator;
    return ros_accept(R->S, R->P, index, t, t_next, x, nout, out_index, out_frac);
}

/* x = x_next; the Jacobian is evaluated afresh at the next step's start */
static int ros_adaptive_advance(void *integrator, double t, double *x)
{
    ros_run *R = integrator;
    (void)t;
    memcpy(x, R->S->x_next, sizeof(double) * (size_t)R->S->n);
    R->S->jac_valid = 0;
    return STEP_OK;
}

/* step k of a grid: without dense output every observation time must be a grid point, which
 * is checked before the step is taken; the Jacobian is evaluated at every step's start */
static int ros_grid_step(void *integrator, long k, double t, double t_next, double *x,
                         step_outputs *outs, char *err, size_t errlen)
{
    ros_run *R = integrator;
    ros_solver *S = R->S;
    const char *name = S->tab->name;
    int nout;
    int status = step_outputs_claim(outs, name, t, t_next, &nout, err, errlen);
    if (status != STEP_OK)
        return status;
    for (int j = 0; j < nout; j++)
        if (outs->frac[j] != 0.0 && outs->frac[j] != 1.0) {
            snprintf(err, errlen,
                     "%s has no dense output: observation time %g falls inside step %ld "
                     "(%.17g, %.17g); put it on the grid",
                     name, R->P->tout[outs->index[j]], k, t, t_next);
            return STEP_EINPUT;
        }
    S->jac_valid = 0;
    status = ros_step(S, R->P, t, t_next, x, R->st);
    if (status == STEP_OK)
        status = ros_accept(S, R->P, k, t, t_next, x, nout, outs->index, outs->frac);
    if (status != STEP_OK)
        return status;
    memcpy(x, S->x_next, sizeof(double) * (size_t)S->n);
    return STEP_OK;
}

/* the loop's counts into the solve's statistics (the steps count f and J evaluations
 * themselves) */
static void ros_add_tally(ros_stats *st, const step_tally *tally)
{
    st->steps = tally->steps;
    st->rejected = tally->rejected;
    st->rhs_evals += tally->rhs_evals;
    st->t_reached = tally->t_reached;
    st->h_proposed = tally->h_proposed;
}

int ros_solve_adaptive(ros_solver *S, const ros_problem *P, const step_control *c, double *x,
                       ros_stats *st, char *err, size_t errlen)
{
    const ros_tableau *T = S->tab;
    memset(st, 0, sizeof *st);
    S->jac_valid = 0;
    S->lu_h = NAN;
    /* no dense output: steps end on the observation times */
    const step_method M = {T->name, T->order, T->error_order, 1, ros_adaptive_attempt,
                           ros_adaptive_accept, ros_adaptive_advance};
    const step_solve solve = {S->n, P->rhs, P->ctx, P->t0, P->tf, P->nout, P->tout, P->xout};
    ros_run R = {S, P, c, st};
    step_tally tally;
    /* f(t0, x0) is needed only for the first trial step: x_next holds it for the moment */
    const int status = step_adaptive_solve(&M, &R, &solve, c, &S->outs, S->x_next,
                                           S->scratch, x, &tally, err, errlen);
    ros_add_tally(st, &tally);
    return ros_fail(status, tally.t_reached, T, err, errlen);
}

int ros_solve_grid(ros_solver *S, const ros_problem *P, const step_grid *g, long first,
                   long count, double *x, ros_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    const step_solve solve = {S->n, P->rhs, P->ctx, P->t0, P->tf, P->nout, P->tout, P->xout};
    ros_run R = {S, P, NULL, st};
    step_tally tally;
    const int status = step_grid_solve(S->tab->name, ros_grid_step, &R, &solve, g, first,
                                       count, &S->outs, x, &tally, err, errlen);
    ros_add_tally(st, &tally);
    return ros_fail(status, tally.t_reached, S->tab, err, errlen);
}
