/* soainterp — the second-order adjoint (forward-over-adjoint) on our own integrators:
 * soadjoint's scheme=interp.
 *
 * The CVODES scheme restarts its backward BDF at order 1 after the jump at every observation
 * time; along fits that costs hundreds of backward steps per observation interval.  A
 * one-step method has nothing to restart.  Per condition, along nd directions u_j (e_j for
 * a full Hessian, v for H·v):
 *
 *   forward   one adaptive solve of z = (x, s_1 … s_nd [, q]):
 *                 x' = f,   s_j' = f_x s_j + f_θ u_j,   q' = g (the running cost, if any),
 *             x(t0) = x0, s_j(t0) = x0_θ u_j; the error test holds x and each s_j to the
 *             tolerances on its own (the largest of their norms, as CVODES does).  Every
 *             accepted step keeps its dense output z(t_k + σh) = z_k + h Σ_i b_i(σ) K_i as
 *             z_k and the polynomial's coefficient vectors.  At each observation t_i, with
 *             z(t_i):
 *                 L += ℓ_i,  ∇L += ℓ_θ,  H u_j += ℓ_θx s_j + ℓ_θθ u_j,
 *             and the jumps of the backward state, λ: ℓ_x and μ_j: ℓ_xx s_j + ℓ_xθ u_j.
 *
 *   backward  in s = −t, one adaptive solve of y = (λ, μ_1 … μ_nd, q̄, q̄_1 … q̄_nd):
 *                 dλ/ds   = f_xᵀλ + g_x
 *                 dμ_j/ds = f_xᵀμ_j + (λᵀf + g)_xx s_j + (λᵀf + g)_xθ u_j
 *                 dq̄/ds   = f_θᵀλ + g_θ
 *                 dq̄_j/ds = f_θᵀμ_j + (λᵀf + g)_θx s_j + (λᵀf + g)_θθ u_j
 *             x(t) and s_j(t) read from the forward dense output.  This is the first-order
 *             adjoint of the sensitivity system z with the loss ∇L·u_j: its adjoint of s_j
 *             is λ and its adjoint of x is μ_j.  The steps end on the observation times,
 *             where the jumps are added, and the next step starts with the size the
 *             controller proposed — no order to rebuild.  The q̄ are quadratures: integrated
 *             by the same stages, outside the error test, which sees λ (errcon=lambda, the
 *             μ_j — linear in themselves and driven by λ — follow its steps) or λ and each μ_j,
 *             each component against its current size or, with weight=peak, its largest
 *             since tf (step_control.c).
 *
 *   at t0     ∇L += q̄ + x0_θᵀλ,   H u_j += q̄_j + x0_θᵀμ_j + (λᵀx0)_θθ u_j.
 *
 * Integrators.  An explicit Runge–Kutta method with dense output (Tsit5, Dormand–Prince),
 * or the Rosenbrock W-method for stiff models: the forward steps then end on the
 * observation times, z is read by cubic Hermite interpolation from z_k and f(z_k) (one more
 * evaluation per step), and the backward steps also end on every forward step end (the
 * interpolant is only C¹ there).  Both Rosenbrock passes see a block lower-triangular
 * iteration matrix — I/hγ − f_x (forward) or I/hγ − f_xᵀ (backward) on the diagonal blocks,
 * the coupling of each s_j or μ_j to x or λ below them, I/hγ for the quadratures — solved
 * with one nx × nx factorisation whatever nd (ros_solver_new_blocked).  The coupling blocks
 * are not optional: without them robertson-asa's Hessian was 29 % off at rtol 1e-8.
 * solver=auto: Tsit5 on models not marked stiff; on models marked stiff Tsit5 with the
 * stiffness test (stiffness.h) on x, which restarts the condition on Rosenbrock when it fires.
 *
 * Memory: the dense output, (1 + q)·nf doubles per forward step (q = 4, the degree of the
 * continuous extension; Rosenbrock: 2·nf), nf = nx(1 + nd) (+1), refused before allocation
 * beyond --mem-cap; the jumps at the observations; the solvers' workspaces. */
#include "soainterp.h"
#include "cvcommon.h"
#include "hesscommon.h"
#include "hermite.h"
#include "integrator.h"
#include "rk.h"
#include "rosenbrock.h"
#include "stiffness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The forward pass of a full Hessian builds S' = f_x S + f_θ from the dense Jacobians up to
 * this many states (nx²·np multiply-adds per evaluation), np tangent sweeps above it. */
#define SOAI_DENSE_NX 32
/* records per chunk of the dense output */
#define SOAI_CHUNK 64

typedef struct {
    const method_type *type;
    model_ctx *ctx;
    const rk_tableau *rk;   /* explicit Runge–Kutta, or … */
    const ros_tableau *ros; /* … Rosenbrock (rk == NULL) */
    rk_solver *rk_fwd, *rk_bwd;
    ros_solver *ros_fwd, *ros_bwd;
    int detect;             /* watch the explicit forward pass for stiffness … */
    int stiff;              /* … which it found */
    stiffness_test stiffness;   /* on the x block */
    double *stiff_work;
    long switches;
    int nx, np, nd, s;
    int running;            /* the model has a running cost: q is forward state nf − 1 */
    int nf;                 /* forward states */
    int na;                 /* backward adjoint states nx(1 + nd); the quadratures follow */
    int nb;                 /* backward states: na + np(1 + nd) */
    const double *dirs;     /* np × nd, column j = u_j */
    mem_account acc;
    /* the forward dense output, one record per accepted step: t, t_next, z_k and the
     * coefficients C_1 … C_q of z(t_k + σh) = z_k + Σ_d σ^d C_d, in chunks of
     * SOAI_CHUNK records (the dense output is never moved once written) */
    double **chunk;
    long nrec, nchunk, chunk_cap;
    long nsteps;            /* Rosenbrock: step records; record nsteps holds z(tf), f(tf) */
    double *nodes;          /* Rosenbrock: −t_k of the forward step starts, ascending */
    long nodes_cap;
    int q;                  /* degree of the dense output */
    size_t rec_len;         /* doubles per record */
    long cursor;
    /* the selected condition's observations */
    int nobs;
    const double *tobs;
    double *zobs;           /* nobs_max × nf */
    double *jumps;          /* nobs_max × na */
    /* scratch */
    double *z, *gx, *gth, *hx, *hth, *y;
    double *peak;           /* na: the largest |λ_m|, |μ_jm| since tf, the backward error
                             * weight (step_control.peak) … */
    int weight_peak;        /* … with weight=peak */
    double *Jx, *Jth;       /* nx × nx, nx × np: the forward's Jacobians, or NULL */
    double *Jb;             /* nx × nx: f_x for the backward Rosenbrock matrix */
    double *zc;             /* nf: z at the backward Rosenbrock step's start (its Jacobian
                             * and coupling products), … */
    double zc_t;            /* … at this t (NaN: none) */
    /* results */
    double loss;
    double *gradient;       /* np */
    double *hv;             /* np × nd: H u_j, column j at hv + j·np */
    char error[256];
} soai;

static const double *soai_dir(const soai *A, int j)
{
    return A->dirs + (size_t)j * (size_t)A->np;
}

/* ---- forward ------------------------------------------------------------------------------ */

static int soai_fwd_rhs(double t, const double *z, double *dz, void *ctx)
{
    soai *A = ctx;
    const int nx = A->nx, np = A->np;
    if (A->Jx) {
        model_rhs(A->ctx, t, z, dz);
        /* full Hessian of a small model: S' = f_x S + f_θ from the two Jacobians, one
         * evaluation each, instead of np tangent sweeps */
        model_rhs_jac(A->ctx, t, z, A->Jx);
        model_rhs_jac_theta(A->ctx, t, z, A->Jth);
        for (int j = 0; j < A->nd; j++) {
            const double *sj = z + (size_t)(j + 1) * nx;
            double *dsj = dz + (size_t)(j + 1) * nx;
            for (int a = 0; a < nx; a++) {
                const double *row = A->Jx + (size_t)a * nx;
                double acc = A->Jth[(size_t)a * np + j];
                for (int b = 0; b < nx; b++)
                    acc += row[b] * sj[b];
                dsj[a] = acc;
            }
        }
    } else {   /* f and the values once, then one tangent sweep per direction */
        model_rhs_at(A->ctx, t, z, dz);
        for (int j = 0; j < A->nd; j++)
            model_rhs_jvp_along(A->ctx, z + (size_t)(j + 1) * nx, soai_dir(A, j),
                                dz + (size_t)(j + 1) * nx);
    }
    if (A->running)
        dz[A->nf - 1] = model_running(A->ctx, t, z);
    return 0;
}

static double *soai_rec(const soai *A, long k)
{
    return A->chunk[k / SOAI_CHUNK] + A->rec_len * (size_t)(k % SOAI_CHUNK);
}

/* room for one more record */
static int soai_room(soai *A)
{
    const size_t chunk_bytes = sizeof(double) * A->rec_len * SOAI_CHUNK;
    if (A->nrec == A->nchunk * SOAI_CHUNK) {
        double **chunk = mem_grow(&A->acc, A->chunk, sizeof *chunk, A->nchunk, &A->chunk_cap, 16);
        if (!chunk)
            goto refused;
        A->chunk = chunk;
        if (!(A->chunk[A->nchunk] = mem_alloc(&A->acc, chunk_bytes)))
            goto refused;
        A->nchunk++;
    }
    return 0;
refused:
    snprintf(A->error, sizeof A->error,
             "%s: the dense output of the forward pass (%zu bytes per step, kept in chunks "
             "of %d steps) would pass the memory cap of %zu bytes at step %ld: raise "
             "--mem-cap or loosen the tolerances",
             A->type->name, sizeof(double) * A->rec_len, SOAI_CHUNK, A->acc.cap, A->nrec + 1);
    return -1;
}

/* drop every record and set the record length (a switch of integrator family changes it) */
static void soai_records_reset(soai *A, size_t rec_len)
{
    if (rec_len != A->rec_len) {
        for (long c = 0; c < A->nchunk; c++)
            mem_free(&A->acc, A->chunk[c], sizeof(double) * A->rec_len * SOAI_CHUNK);
        A->nchunk = 0;
        A->rec_len = rec_len;
    }
    A->nrec = 0;
}

/* keep an accepted step's dense output: z_k and C_d = h Σ_i d_{i,d} K_i, the polynomial
 * coefficients of the method's continuous extension b_i(σ) = Σ_d d_{i,d} σ^d */
static int soai_keep(const rk_step_view *v, void *ctx)
{
    soai *A = ctx;
    if (A->detect &&
        stiffness_test_step(&A->stiffness, v, model_ctx_model(A->ctx)->tf)) {
        A->stiff = 1;
        snprintf(A->error, sizeof A->error, "stiff at t = %.6g", v->t_next);
        return -1;
    }
    if (soai_room(A) != 0)
        return -1;
    double *r = soai_rec(A, A->nrec++);
    const int nf = A->nf, q = A->q;
    r[0] = v->t;
    r[1] = v->t_next;
    memcpy(r + 2, v->x, sizeof(double) * (size_t)nf);
    double *C = r + 2 + nf;
    memset(C, 0, sizeof(double) * (size_t)q * nf);
    for (int i = 0; i < A->s; i++)
        for (int d = 0; d < q; d++) {
            const double c = v->h * A->rk->dense[(size_t)i * q + d];
            if (c != 0.0)
                for (int m = 0; m < nf; m++)
                    C[(size_t)d * nf + m] += c * v->K[i][m];
        }
    return 0;
}

/* Rosenbrock: keep z_k and f(t_k, z_k) of an accepted step */
static int soai_keep_ros(const ros_step_view *v, void *ctx)
{
    soai *A = ctx;
    if (soai_room(A) != 0)
        return -1;
    double *r = soai_rec(A, A->nrec++);
    r[0] = v->t;
    r[1] = v->t_next;
    memcpy(r + 2, v->x, sizeof(double) * (size_t)A->nf);
    return soai_fwd_rhs(v->t, v->x, r + 2 + A->nf, A);
}

/* the record of the forward step among 0 … last that holds t (from the cursor: the backward
 * pass moves through them in order), and t's fraction σ ∈ [0, 1] of that step */
static long soai_locate(soai *A, double t, long last, double *sigma)
{
    long k = A->cursor;
    while (k > 0 && t < soai_rec(A, k)[0])
        k--;
    while (k < last && t > soai_rec(A, k)[1])
        k++;
    A->cursor = k;
    const double *r = soai_rec(A, k);
    const double h = r[1] - r[0];
    const double s = h > 0.0 ? (t - r[0]) / h : 0.0;
    *sigma = s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s;
    return k;
}

/* z(t) by cubic Hermite interpolation between the step ends (Rosenbrock) */
static void soai_state_hermite(soai *A, double t, double *z)
{
    double sigma;
    const long k = soai_locate(A, t, A->nsteps - 1, &sigma);
    const double *r0 = soai_rec(A, k), *r1 = soai_rec(A, k + 1);
    const int nf = A->nf;
    const double *z0 = r0 + 2, *z1 = r1 + 2;
    hermite_cubic(nf, r0[1] - r0[0], sigma, z0, z0 + nf, z1, z1 + nf, z);
}

/* z(t) from the dense output of the forward step that holds t (Horner in σ) */
static void soai_state(soai *A, double t, double *z)
{
    if (!A->rk) {
        soai_state_hermite(A, t, z);
        return;
    }
    double sigma;
    const double *r = soai_rec(A, soai_locate(A, t, A->nrec - 1, &sigma));
    const int nf = A->nf, q = A->q;
    const double *zk = r + 2, *C = r + 2 + nf;
    for (int m = 0; m < nf; m++) {
        double acc = C[(size_t)(q - 1) * nf + m];
        for (int d = q - 2; d >= 0; d--)
            acc = C[(size_t)d * nf + m] + sigma * acc;
        z[m] = zk[m] + sigma * acc;
    }
}

/* the loss terms at the observations, and the jumps of the backward state */
static void soai_observations(soai *A)
{
    const int nx = A->nx, np = A->np;
    for (int i = 0; i < A->nobs; i++) {
        const double *z = A->zobs + (size_t)i * A->nf;
        double *jump = A->jumps + (size_t)i * A->na;
        A->loss += model_loss_term_grad(A->ctx, i, z, jump, A->gth);
        for (int p = 0; p < np; p++)
            A->gradient[p] += A->gth[p];
        for (int j = 0; j < A->nd; j++) {
            model_loss_term_hvp(A->ctx, i, z, z + (size_t)(j + 1) * nx, soai_dir(A, j),
                                jump + (size_t)(j + 1) * nx, A->hth);
            double *hvj = A->hv + (size_t)j * np;
            for (int p = 0; p < np; p++)
                hvj[p] += A->hth[p];
        }
    }
}

/* ---- backward, in s = −t ------------------------------------------------------------------ */

static int soai_bwd_rhs(double s, const double *y, double *dy, void *ctx)
{
    soai *A = ctx;
    const double t = -s;
    const int nx = A->nx, np = A->np, nd = A->nd;
    soai_state(A, t, A->z);
    const double *x = A->z, *lam = y;
    double *dlam = dy, *dq = dy + A->na;
    if (nd == 0)
        model_rhs_vjp(A->ctx, t, x, lam, dlam, dq);
    for (int j = 0; j < nd; j++)
        model_rhs_vjp_jvp(A->ctx, t, x, lam, y + (size_t)(j + 1) * nx,
                          A->z + (size_t)(j + 1) * nx, soai_dir(A, j), j == 0 ? dlam : NULL,
                          j == 0 ? dq : NULL, dy + (size_t)(j + 1) * nx,
                          dq + (size_t)(j + 1) * np);
    if (A->running) {
        model_running_grad(A->ctx, t, x, A->gx, A->gth);
        for (int m = 0; m < nx; m++)
            dlam[m] += A->gx[m];
        for (int p = 0; p < np; p++)
            dq[p] += A->gth[p];
        for (int j = 0; j < nd; j++) {
            model_running_hvp(A->ctx, t, x, A->z + (size_t)(j + 1) * nx, soai_dir(A, j),
                              A->hx, A->hth);
            double *dmu = dy + (size_t)(j + 1) * nx, *dqj = dq + (size_t)(j + 1) * np;
            for (int m = 0; m < nx; m++)
                dmu[m] += A->hx[m];
            for (int p = 0; p < np; p++)
                dqj[p] += A->hth[p];
        }
    }
    return 0;
}

/* add the jumps of the observations at times ≥ t, from *i down */
static void soai_jumps(soai *A, int *i, double t)
{
    for (; *i >= 0 && A->tobs[*i] >= t; (*i)--) {
        const double *jump = A->jumps + (size_t)*i * A->na;
        for (int m = 0; m < A->na; m++)
            A->y[m] += jump[m];
    }
}

/* the blocks of the Rosenbrock iteration matrices: f_x forward, f_xᵀ backward */
static int soai_fwd_jac(double t, const double *z, double *J, void *ctx)
{
    soai *A = ctx;
    model_rhs_jac(A->ctx, t, z, J);
    return 0;
}

static const double *soai_step_start_state(soai *A, double s);

static int soai_bwd_jac(double s, const double *y, double *J, void *ctx)
{
    soai *A = ctx;
    const int nx = A->nx;
    (void)y;
    model_rhs_jac(A->ctx, -s, soai_step_start_state(A, s), A->Jb);
    for (int a = 0; a < nx; a++)
        for (int b = 0; b < nx; b++)
            J[a * nx + b] = A->Jb[b * nx + a];
    return 0;
}

/* the coupling blocks of the Rosenbrock iteration matrices, at the step's start:
 *   forward   ∂(f_x s_j + f_θ u_j)/∂x · v = f''[(s_j, u_j), (v, 0)]
 *   backward  ∂/∂λ [(λᵀf)_xx s_j + (λᵀf)_xθ u_j] · v = (vᵀf)_xx s_j + (vᵀf)_xθ u_j */
static int soai_fwd_couple(double t, const double *z, int b, const double *v, double *out,
                           void *ctx)
{
    soai *A = ctx;
    const int j = b - 1;
    model_rhs_hvv(A->ctx, t, z, z + (size_t)b * A->nx, soai_dir(A, j), v, NULL, NULL, out);
    return 0;
}

static int soai_bwd_couple(double s, const double *y, int b, const double *v, double *out,
                           void *ctx)
{
    soai *A = ctx;
    const int j = b - 1;
    (void)y;
    const double *z = soai_step_start_state(A, s);
    model_rhs_vjp_jvp(A->ctx, -s, z, v, NULL, z + (size_t)b * A->nx, soai_dir(A, j), NULL,
                      NULL, out, NULL);
    return 0;
}

/* z at a backward Rosenbrock step's start s = −t, interpolated once for the step's Jacobian
 * and all its coupling products */
static const double *soai_step_start_state(soai *A, double s)
{
    if (!(A->zc_t == -s)) {
        soai_state(A, -s, A->zc);
        A->zc_t = -s;
    }
    return A->zc;
}

/* ---- one condition ------------------------------------------------------------------------ */

/* the solvers of the current family, made when first needed */
static int soai_solvers(soai *A)
{
    const int blocks = 1 + A->nd;
    if (A->rk && !A->rk_fwd) {
        A->rk_fwd = rk_solver_new(A->rk, A->nf);
        A->rk_bwd = rk_solver_new(A->rk, A->nb);
    }
    if (A->ros && !A->ros_fwd) {
        A->ros_fwd = ros_solver_new_blocked(A->ros, A->nf, A->nx, blocks);
        A->ros_bwd = ros_solver_new_blocked(A->ros, A->nb, A->nx, blocks);
    }
    return A->rk ? (A->rk_fwd && A->rk_bwd ? 0 : -1) : (A->ros_fwd && A->ros_bwd ? 0 : -1);
}

/* the forward pass of the selected condition from z(t0): the records and z at the
 * observations.  STEP_OK or the integrator's status, its message in err. */
static int soai_forward(soai *A, const model *m, const step_control *fc, method_result *r,
                        char *err, size_t errlen)
{
    int status;
    if (A->rk) {
        soai_records_reset(A, 2 + (size_t)(1 + A->q) * (size_t)A->nf);
        const rk_problem P = {.n = A->nf, .rhs = soai_fwd_rhs, .rhs_ctx = A, .t0 = m->t0,
                              .tf = m->tf, .nout = A->nobs, .tout = A->tobs, .xout = A->zobs,
                              .observer = soai_keep, .observer_ctx = A};
        rk_stats st;
        status = rk_solve_adaptive(A->rk_fwd, &P, fc, A->z, &st, err, errlen);
        r->steps_fwd += st.steps;
        return status;
    }
    soai_records_reset(A, 2 + 2 * (size_t)A->nf);
    const ros_problem P = {.n = A->nf, .rhs = soai_fwd_rhs, .jac = soai_fwd_jac, .ctx = A,
                           .t0 = m->t0, .tf = m->tf, .nout = A->nobs, .tout = A->tobs,
                           .xout = A->zobs, .observer = soai_keep_ros, .observer_ctx = A,
                           .couple = soai_fwd_couple};
    ros_stats st;
    status = ros_solve_adaptive(A->ros_fwd, &P, fc, A->z, &st, err, errlen);
    r->steps_fwd += st.steps;
    if (status != STEP_OK)
        return status;
    /* the end record, z(tf) and f(tf), and the step starts inside (t0, tf) as nodes */
    A->nsteps = A->nrec;
    if (soai_room(A) != 0) {
        snprintf(err, errlen, "%s", A->error);
        return STEP_EOBSERVER;
    }
    double *end = soai_rec(A, A->nrec++);
    end[0] = end[1] = m->tf;
    memcpy(end + 2, A->z, sizeof(double) * (size_t)A->nf);
    soai_fwd_rhs(m->tf, A->z, end + 2 + A->nf, A);
    if (A->nsteps > A->nodes_cap) {
        double *nodes = mem_alloc(&A->acc, sizeof(double) * (size_t)A->nsteps);
        if (!nodes) {
            snprintf(err, errlen, "%s: the memory cap is too small for the step times of the "
                     "backward pass: raise --mem-cap", A->type->name);
            return STEP_EMEMORY;
        }
        mem_free(&A->acc, A->nodes, sizeof(double) * (size_t)A->nodes_cap);
        A->nodes = nodes;
        A->nodes_cap = A->nsteps;
    }
    for (long k = 1; k < A->nsteps; k++)
        A->nodes[k - 1] = -soai_rec(A, A->nsteps - k)[0];
    return STEP_OK;
}

/* the backward pass on [t_lo, t_hi] (s from −t_hi to −t_lo), the step proposed carried in
 * c->h_init */
static int soai_backward(soai *A, double t_hi, double t_lo, step_control *c, method_result *r,
                         long *rejected, char *err, size_t errlen)
{
    int status;
    double proposed;
    if (A->rk) {
        const rk_problem B = {.n = A->nb, .rhs = soai_bwd_rhs, .rhs_ctx = A, .t0 = -t_hi,
                              .tf = -t_lo};
        rk_stats st;
        status = rk_solve_adaptive(A->rk_bwd, &B, c, A->y, &st, err, errlen);
        r->steps_bwd += st.steps;
        *rejected += st.rejected;
        proposed = st.h_proposed;
    } else {
        /* the steps end on the forward step starts strictly inside the interval */
        long a = 0, b = A->nsteps - 1;
        while (a < b && !(A->nodes[a] > -t_hi))
            a++;
        while (b > a && !(A->nodes[b - 1] < -t_lo))
            b--;
        const ros_problem B = {.n = A->nb, .rhs = soai_bwd_rhs, .jac = soai_bwd_jac, .ctx = A,
                               .t0 = -t_hi, .tf = -t_lo, .nout = (int)(b - a),
                               .tout = A->nodes + a, .couple = soai_bwd_couple};
        A->zc_t = NAN;
        ros_stats st;
        status = ros_solve_adaptive(A->ros_bwd, &B, c, A->y, &st, err, errlen);
        r->steps_bwd += st.steps;
        *rejected += st.rejected;
        proposed = st.h_proposed;
    }
    if (status == STEP_OK && proposed > 0.0)
        c->h_init = proposed;
    return status;
}

static method_status soai_condition(soai *A, const model *m, const step_control *fc,
                                    const step_control *bc, method_result *r, long *rejected_b)
{
    const int nx = A->nx, np = A->np, nd = A->nd;
    const char *name = A->type->name;
    char err[256];
    A->nobs = model_nobs(A->ctx);
    A->tobs = model_obs_times(A->ctx);

    /* forward (again on Rosenbrock when the explicit pass proves stiff) */
    model_ctx_count_into(A->ctx, &r->fwd);
    int status;
    for (;;) {
        if (soai_solvers(A) != 0)
            return method_fail(r, METHOD_EMEMORY, "%s: out of memory for the solvers", name);
        memset(A->z, 0, sizeof(double) * (size_t)A->nf);
        if (model_x0(A->ctx, A->z) != 0)
            return method_fail(r, METHOD_ESOLVER, "%s: the initial state could not be "
                               "computed at this theta", name);
        for (int j = 0; j < nd; j++)
            model_x0_jvp(A->ctx, soai_dir(A, j), A->z + (size_t)(j + 1) * nx);
        A->error[0] = '\0';
        A->stiff = 0;
        if (A->detect)
            stiffness_test_reset(&A->stiffness);
        status = soai_forward(A, m, fc, r, err, sizeof err);
        if (!(status == STEP_EOBSERVER && A->stiff))
            break;
        A->rk = NULL;          /* stiff: Rosenbrock from now on */
        A->detect = 0;
        A->switches++;
    }
    if (status != STEP_OK && A->acc.refused)
        return method_fail(r, METHOD_EMEMORY, "%s", A->error[0] ? A->error : err);
    if (status != STEP_OK) {
        /* an explicit method on a model marked stiff: say what to use instead */
        const integrator *stiff = integrator_default(1);
        char hint[128] = "";
        if (m->stiff && A->rk && stiff)
            snprintf(hint, sizeof hint, "; the model is marked stiff: try --solver %s or "
                     "scheme=cvodes", stiff->name);
        return method_fail(r, METHOD_ESOLVER, "%s (scheme=interp): forward pass: %s%s", name,
                           A->error[0] ? A->error : err, hint);
    }
    if (A->running)
        A->loss += A->z[A->nf - 1];
    soai_observations(A);

    /* backward, from tf to t0, the steps ending on the observation times */
    model_ctx_count_into(A->ctx, &r->bwd);
    memset(A->y, 0, sizeof(double) * (size_t)A->nb);
    memset(A->peak, 0, sizeof(double) * (size_t)A->na);
    A->cursor = A->rk ? A->nrec - 1 : A->nsteps - 1;
    step_control c = *bc;
    c.peak = A->weight_peak ? A->peak : NULL;   /* weight=peak */
    /* the first backward step: the last forward step's size (λ(tf) may have zero
     * components, whose weight is atol alone: Hairer's estimate would start far too small) */
    const long last = A->rk ? A->nrec - 1 : A->nsteps - 1;
    c.h_init = last >= 0 ? soai_rec(A, last)[1] - soai_rec(A, last)[0] : 0.0;
    int i = A->nobs - 1;
    double t = m->tf;
    soai_jumps(A, &i, t);
    while (t > m->t0) {
        const double lo = i >= 0 && A->tobs[i] > m->t0 ? A->tobs[i] : m->t0;
        status = soai_backward(A, t, lo, &c, r, rejected_b, err, sizeof err);
        if (status != STEP_OK)
            return method_fail(r, METHOD_ESOLVER, "%s (scheme=interp): backward pass from "
                               "t = %.6g: %s", name, t, err);
        t = lo;
        soai_jumps(A, &i, t);
    }

    /* the initial-state terms at t0 */
    const double *lam = A->y, *q = A->y + A->na;
    model_x0_vjp(A->ctx, lam, A->gth);
    for (int p = 0; p < np; p++)
        A->gradient[p] += q[p] + A->gth[p];
    for (int j = 0; j < nd; j++) {
        double *hvj = A->hv + (size_t)j * np;
        const double *qj = q + (size_t)(j + 1) * np;
        model_x0_vjp(A->ctx, A->y + (size_t)(j + 1) * nx, A->gth);
        model_x0_vjp_jvp(A->ctx, lam, soai_dir(A, j), A->hth);
        for (int p = 0; p < np; p++)
            hvj[p] += qj[p] + A->gth[p] + A->hth[p];
    }
    return METHOD_OK;
}

/* ---- the run ------------------------------------------------------------------------------ */

/* The integrator --solver names: an adaptive explicit Runge–Kutta method with dense output,
 * or Rosenbrock.  auto: Tsit5 (the registry's explicit method with a stiffness estimate; it
 * took 10–20 % fewer steps than Dormand–Prince here: jakstat 7 079 vs 8 617 forward,
 * rafmekerk 1 822 vs 2 035), with the stiffness test on models marked stiff. */
static int soai_integrator(soai *A, const model *m, const method_options *o, method_result *r)
{
    const int automatic = !o->solver || strcmp(o->solver, "auto") == 0;
    const integrator *it = automatic ? integrator_stiffness_probe() : integrator_find(o->solver);
    if (it && it->family == INTEGRATOR_ROSENBROCK && it->adaptive) {
        A->ros = it->ros;
        A->s = it->ros->stages;
        return 0;
    }
    if (!it || it->family != INTEGRATOR_RK || !it->adaptive || !it->dense) {
        char names[256];
        method_fail(r, METHOD_EINPUT, "%s: scheme=interp runs on an adaptive integrator of "
                    "ours with dense output or on Rosenbrock; --solver '%s' is not one (use "
                    "auto or one of %s)", A->type->name, o->solver ? o->solver : "auto",
                    integrator_names(names, sizeof names, ", ", 1));
        return -1;
    }
    A->rk = it->rk;
    A->s = it->rk->stages;
    A->q = it->rk->dense_degree;
    A->detect = automatic && m->stiff;
    const integrator *stiff = integrator_default(1);
    A->ros = stiff && stiff->family == INTEGRATOR_ROSENBROCK ? stiff->ros : NULL;
    if (A->detect && !A->ros)
        A->detect = 0;
    return 0;
}

method_status soainterp_run(const method_type *type, const model *m, const double *theta,
                            const method_options *o, int errcon_all, int weight_peak,
                            method_result *r)
{
    soai A;
    memset(&A, 0, sizeof A);
    A.type = type;
    A.weight_peak = weight_peak;
    if (soai_integrator(&A, m, o, r) != 0)
        return METHOD_EINPUT;
    A.acc.cap = o->mem_cap;
    A.nx = m->nx;
    A.np = m->np;
    const int full = o->want == WANT_HESSIAN;
    A.nd = full ? m->np : 1;
    A.ctx = cvm_context(type->name, m, theta, r);
    if (!A.ctx)
        return METHOD_EINPUT;
    A.running = model_has_running_cost(A.ctx);
    A.na = A.nx * (1 + A.nd);
    A.nf = A.na + (A.running ? 1 : 0);
    A.nb = A.na + A.np * (1 + A.nd);

    method_status status = METHOD_OK;
    const int np = A.np, most_obs = cvm_most_observations(m);
    const size_t np1 = (size_t)(np ? np : 1);
    double *dirs = NULL;
    if (full) {
        dirs = calloc(np1 * np1, sizeof(double));
        for (int j = 0; dirs && j < np; j++)
            dirs[(size_t)j * np + j] = 1.0;
        A.dirs = dirs;
        A.hv = calloc(np1 * np1, sizeof(double));
    } else {
        A.dirs = o->direction;
        A.hv = r->hvp;
    }
    A.gradient = r->gradient;
    const size_t obs_bytes = sizeof(double) * (size_t)most_obs * (size_t)(A.nf + A.na);
    A.zobs = mem_alloc(&A.acc, obs_bytes);
    A.jumps = A.zobs ? A.zobs + (size_t)most_obs * A.nf : NULL;
    A.z = calloc((size_t)A.nf, sizeof(double));
    A.y = calloc((size_t)A.nb + (size_t)A.na, sizeof(double));
    A.peak = A.y ? A.y + A.nb : NULL;
    A.gx = calloc((size_t)A.nx + 1, sizeof(double));
    A.hx = calloc((size_t)A.nx + 1, sizeof(double));
    A.gth = calloc(np1, sizeof(double));
    A.hth = calloc(np1, sizeof(double));
    A.Jb = calloc((size_t)A.nx * A.nx + 1, sizeof(double));
    A.zc = calloc((size_t)A.nf, sizeof(double));
    if (A.detect) {
        A.stiff_work = calloc(STIFFNESS_WORK(A.nx), sizeof(double));
        if (A.stiff_work)
            stiffness_test_init(&A.stiffness, A.nx, soai_fwd_jac, &A, A.stiff_work);
    }
    if (full && A.nx <= SOAI_DENSE_NX) {
        A.Jx = calloc((size_t)A.nx * A.nx + 1, sizeof(double));
        A.Jth = calloc((size_t)A.nx * np1, sizeof(double));
    }
    if ((full && (!dirs || !A.hv || (A.nx <= SOAI_DENSE_NX && (!A.Jx || !A.Jth)))) ||
        !A.zobs || !A.z || !A.y || !A.gx || !A.hx || !A.gth || !A.hth || !A.Jb || !A.zc ||
        (A.detect && !A.stiff_work)) {
        status = method_fail(r, METHOD_EMEMORY, "%s: %s", type->name,
                             A.acc.refused ? "the memory cap is too small for the state at "
                                             "the observation times"
                                           : "out of memory");
        goto done;
    }

    /* forward: x and every s_j to the tolerances on its own; backward: λ (or λ and every
     * μ_j), the quadratures outside the test */
    step_control fc, bc;
    step_control_default(&fc, method_rtol(o, m), method_atol(o, m));
    fc.max_steps = method_max_steps(o);
    fc.block = A.nx;
    step_control_default(&bc, method_rtol_b(o, m), method_atol_b(o, m));
    bc.max_steps = cvm_max_steps_b(type, o, fc.max_steps);
    bc.n_control = errcon_all ? A.na : A.nx;
    bc.block = A.nx;

    long rejected_b = 0;
    for (int k = 0; k < m->ncond && status == METHOD_OK; k++) {
        model_ctx_condition(A.ctx, k);
        status = soai_condition(&A, m, &fc, &bc, r, &rejected_b);
    }
    if (status != METHOD_OK)
        goto done;
    r->loss = A.loss;
    if (full)   /* column j of H is H e_j, reported as computed */
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++)
                r->hessian[i * np + j] = A.hv[(size_t)j * np + i];
    hess_report_asymmetry(r);
    method_extra_add(r, "backward_states", (double)A.na, "count");
    method_extra_add(r, "backward_rejected", (double)rejected_b, "steps");
    method_extra_add(r, "dense_bytes_per_step", (double)(sizeof(double) * A.rec_len), "bytes");
    method_extra_add(r, "stiff_switches", (double)A.switches, "conditions");
    r->peak_bytes = A.acc.peak + rk_solver_bytes(A.rk_fwd) + rk_solver_bytes(A.rk_bwd) +
                    ros_solver_bytes(A.ros_fwd) + ros_solver_bytes(A.ros_bwd) +
                    sizeof(double) * ((size_t)A.nf + A.nb + A.na + 2 * (A.nx + np1 + 1)) +
                    sizeof(double) * ((size_t)A.nx * A.nx + A.nf) +
                    (A.stiff_work ? sizeof(double) * STIFFNESS_WORK(A.nx) : 0) +
                    (full ? 2 * sizeof(double) * np1 * np1 : 0) +
                    (A.Jx ? sizeof(double) * (size_t)A.nx * (A.nx + np1) : 0) +
                    model_ctx_bytes(A.ctx);
done:
    for (long c = 0; c < A.nchunk; c++)
        mem_free(&A.acc, A.chunk[c], sizeof(double) * A.rec_len * SOAI_CHUNK);
    mem_free(&A.acc, A.chunk, sizeof *A.chunk * (size_t)A.chunk_cap);
    mem_free(&A.acc, A.nodes, sizeof(double) * (size_t)A.nodes_cap);
    mem_free(&A.acc, A.zobs, obs_bytes);
    rk_solver_free(A.rk_fwd);
    rk_solver_free(A.rk_bwd);
    ros_solver_free(A.ros_fwd);
    ros_solver_free(A.ros_bwd);
    free(dirs);
    if (full)
        free(A.hv);
    free(A.z);
    free(A.y);
    free(A.gx);
    free(A.hx);
    free(A.gth);
    free(A.hth);
    free(A.Jx);
    free(A.Jth);
    free(A.Jb);
    free(A.zc);
    free(A.stiff_work);
    model_ctx_free(A.ctx);
    return status;
}
