/* tape_adjoint — the reverse of one recorded step, for explicit Runge–Kutta methods and for
 * the Rosenbrock W-method (the mathematics is in tape.h). */
#include "tape_impl.h"

#include <stdio.h>
#include <string.h>

/* y += a·x */
static void axpy(int n, double a, const double *x, double *y)
{
    if (a == 0.0)
        return;
    for (int m = 0; m < n; m++)
        y[m] += a * x[m];
}

static void add(int n, const double *x, double *y)
{
    for (int m = 0; m < n; m++)
        y[m] += x[m];
}

/* gx = f_xᵀ w at (t, x), θ̄ += f_θᵀ w */
static int tape_vjp(tape *T, double t, const double *x, const double *w, double *thbar)
{
    /* straight into θ̄ when the system can (no np-long buffer to fill and add per product) */
    const int rc = T->sys.vjp_acc ? T->sys.vjp_acc(t, x, w, T->gx, thbar, T->sys.ctx)
                                  : T->sys.vjp(t, x, w, T->gx, T->gth, T->sys.ctx);
    if (rc != 0) {
        snprintf(T->error, sizeof T->error, "tape: the adjoint product failed at t = %.17g", t);
        return -1;
    }
    if (!T->sys.vjp_acc)
        add(T->np, T->gth, thbar);
    return 0;
}

/* Output seeds of step k: σ = 1 onto adj->xbar (x_{k+1}), σ = 0 onto x̄_k, interior ones
 * through the dense output when `dense` (else an error: the method has none). */
static int tape_output_seeds(tape *T, long k, double h, tape_outputs *out, tape_adjoint *adj,
                             int dense)
{
    const int n = T->n;
    while (out && out->cursor > 0 && out->step[out->cursor - 1] >= k) {
        const int i = --out->cursor;
        const double sigma = out->frac[i];
        const double *seed = out->seed + (size_t)i * n;
        if (out->step[i] != k) {
            snprintf(T->error, sizeof T->error,
                     "tape: observation %d belongs to step %ld, which is not on the tape", i,
                     out->step[i]);
            return -1;
        }
        if (sigma == 1.0) {
            add(n, seed, adj->xbar);
        } else if (sigma == 0.0) {
            add(n, seed, T->xk_bar);
        } else if (dense) {
            add(n, seed, T->xk_bar);
            rk_dense_weights(T->rk, sigma, T->weights);
            for (int j = 0; j < T->s; j++)
                axpy(n, h * T->weights[j], seed, T->Kbar + (size_t)j * n);
        } else {
            snprintf(T->error, sizeof T->error,
                     "tape: observation %d lies inside step %ld of a method without dense "
                     "output", i, k);
            return -1;
        }
    }
    return 0;
}

int tape_reverse_rk(tape *T, const tape_rec *rec, long k, tape_outputs *out,
                    tape_adjoint *adj)
{
    const rk_tableau *R = T->rk;
    const int n = T->n, s = T->s;
    const double t = rec->t, t_next = rec->t_next, h = t_next - t;
    const double *x = rec->v;
    memset(T->Kbar, 0, sizeof(double) * (size_t)s * n);
    memset(T->xk_bar, 0, sizeof(double) * (size_t)n);
    if (tape_output_seeds(T, k, h, out, adj, 1) != 0)
        return -1;

    /* x_{k+1} = x_k + h Σ b_j K_j.  FSAL: x_{k+1} is also Y_s, the input of K_s, whose
     * adjoint includes the carried adjoint of the next step's K_1. */
    double *ybar = adj->xbar;
    if (R->fsal) {
        double *Ks_bar = T->Kbar + (size_t)(s - 1) * n;
        add(n, adj->carry, Ks_bar);
        if (tape_vjp(T, rk_stage_time(t, t_next, R->c[s - 1]), T->x_after, Ks_bar,
                     adj->thbar) != 0)
            return -1;
        add(n, T->gx, ybar);
    }
    add(n, ybar, T->xk_bar);
    const double *b = R->fsal ? R->A + (size_t)(s - 1) * s : R->b;
    for (int j = 0; j < s; j++)
        axpy(n, h * b[j], ybar, T->Kbar + (size_t)j * n);

    /* the remaining stages, last to second: Y_i = x_k + h Σ_{j<i} a_ij K_j */
    const int last = R->fsal ? s - 2 : s - 1;
    for (int i = last; i >= 1; i--) {
        const double *Yi = rec->v + (size_t)i * n;
        if (tape_vjp(T, rk_stage_time(t, t_next, R->c[i]), Yi, T->Kbar + (size_t)i * n,
                     adj->thbar) != 0)
            return -1;
        add(n, T->gx, T->xk_bar);
        for (int j = 0; j < i; j++)
            axpy(n, h * R->A[i * s + j], T->gx, T->Kbar + (size_t)j * n);
    }
    /* K_1 = f(t_k, x_k): an FSAL method's K_1 is the previous step's K_s, so its adjoint
     * is carried there (except for the solve's first step) */
    if (R->fsal && k > 0) {
        memcpy(adj->carry, T->Kbar, sizeof(double) * (size_t)n);
    } else {
        if (tape_vjp(T, t, x, T->Kbar, adj->thbar) != 0)
            return -1;
        add(n, T->gx, T->xk_bar);
        if (R->fsal)
            memset(adj->carry, 0, sizeof(double) * (size_t)n);
    }
    memcpy(adj->xbar, T->xk_bar, sizeof(double) * (size_t)n);
    return 0;
}

int tape_reverse_ros(tape *T, const tape_rec *rec, long k, tape_outputs *out,
                     tape_adjoint *adj)
{
    const ros_solver *S = T->ros;
    const int n = T->n, s = T->s;
    const double *a = ros_coef_a(S), *C = ros_coef_c(S), *m = ros_coef_m(S);
    const double t = rec->t, t_next = rec->t_next, h = t_next - t;
    const double *x = rec->v;
    const double *U[8];
    for (int i = 0; i < s; i++)
        U[i] = rec->v + (size_t)(i + 1) * n;
    double *Ubar = T->Kbar;
    memset(Ubar, 0, sizeof(double) * (size_t)s * n);
    memset(T->xk_bar, 0, sizeof(double) * (size_t)n);
    if (tape_output_seeds(T, k, h, out, adj, 0) != 0)
        return -1;

    /* x_{k+1} = x_k + Σ m_j u_j */
    add(n, adj->xbar, T->xk_bar);
    for (int j = 0; j < s; j++)
        axpy(n, m[j], adj->xbar, Ubar + (size_t)j * n);

    /* the iteration matrix of the step, transposed, recomputed from x_k */
    if (T->sys.jac(t, x, T->J, T->sys.ctx) != 0) {
        snprintf(T->error, sizeof T->error, "tape: the Jacobian failed at t = %.17g", t);
        return -1;
    }
    if (ros_lu_factor(T->lu, T->J, h * ros_solver_tableau(S)->gamma, 1) != 0) {
        snprintf(T->error, sizeof T->error,
                 "tape: singular transposed iteration matrix at t = %.17g", t);
        return -1;
    }
    for (int i = s - 1; i >= 0; i--) {
        /* u_i = M⁻¹ r_i with r_i = f(t_i, Y_i) + Σ_{j<i} (c_ij/h) u_j */
        double *rbar = T->lambda;
        memcpy(rbar, Ubar + (size_t)i * n, sizeof(double) * (size_t)n);
        ros_lu_solve(T->lu, rbar);
        for (int j = 0; j < i; j++)
            axpy(n, C[i * s + j] / h, rbar, Ubar + (size_t)j * n);
        const double *Yi = x;
        if (i > 0) {
            ros_stage_input(S, i, x, U, T->Y);
            Yi = T->Y;
        }
        if (tape_vjp(T, ros_stage_time(S, i, t, t_next), Yi, rbar, adj->thbar) != 0)
            return -1;
        add(n, T->gx, T->xk_bar);
        for (int j = 0; j < i; j++)
            axpy(n, a[i * s + j], T->gx, Ubar + (size_t)j * n);
        /* M depends on x_k and θ through J = f_x(t_k, x_k): J̄ = r̄ u_iᵀ */
        if (T->sys.vjp_jvp(t, x, rbar, U[i], T->gx, T->gth, T->sys.ctx) != 0) {
            snprintf(T->error, sizeof T->error,
                     "tape: the second-order product failed at t = %.17g", t);
            return -1;
        }
        add(n, T->gx, T->xk_bar);
        add(T->np, T->gth, adj->thbar);
    }
    memcpy(adj->xbar, T->xk_bar, sizeof(double) * (size_t)n);
    return 0;
}
