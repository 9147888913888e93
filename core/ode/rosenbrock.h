/* rosenbrock — a linearly implicit, L-stable integrator for stiff problems, with an embedded
 * error estimate, driven like rk.h (adaptive or along a given grid, observer on accepted
 * steps, bitwise-exact replay).
 *
 * Method: ROS34PW2 (Rang & Angermann, BIT 45, 2005): 4 stages, order 3 with an embedded
 * order-2 solution, stiffly accurate, L-stable (R(∞) = 0), γ = 0.4358665215….
 * Why this one: (1) it is a W-method — its order conditions hold for ANY matrix in place of
 * the Jacobian.  Our model layer gives the exact f_x but not f_t, and a classical Rosenbrock
 * method (Rodas4, ROS3P) needs f_t for non-autonomous problems; a W-method applied to the
 * autonomised system with the matrix [f_x, 0; 0, 0] (i.e. f_t replaced by 0) keeps its full
 * order without ever evaluating f_t.  jakstat, rafmekerk and brusselator are non-autonomous,
 * so this matters.  (2) Stiffly accurate and L-stable, unlike ROS3P (R(∞) ≈ −0.73).
 * (3) Four stages keep the tape small: (stages + 1)·n doubles per step.
 *
 * Form used (Hairer & Wanner II, §IV.7, the transformation that avoids products with J):
 * with Γ = (γ_ij) (γ on the diagonal), a = α Γ⁻¹, C = diag(1/γ) − Γ⁻¹, m = b Γ⁻¹:
 *     (I/(hγ) − J) u_i = f(t + α_i h, Y_i) + Σ_{j<i} (c_ij/h) u_j,   Y_i = x + Σ_{j<i} a_ij u_j
 *     x_next = x + Σ m_i u_i,   error = Σ (m − m̂)_i u_i,   J = f_x(t, x).
 * One Jacobian and one LU factorisation per step (re-factorised only when h changes).
 *
 * No dense output: the adaptive driver ends steps exactly on observation times (so every
 * output is a step end, σ = 1), and a grid must contain every observation time. */
#ifndef ODEGRAD_ROSENBROCK_H
#define ODEGRAD_ROSENBROCK_H

#include <stddef.h>
#include "step_control.h"

typedef int (*ros_rhs_fn)(double t, const double *x, double *f, void *ctx);
/* J = f_x(t, x), n×n row-major (block × block for a blocked solver, see
 * ros_solver_new_blocked); returns non-zero on failure. */
typedef int (*ros_jac_fn)(double t, const double *x, double *J, void *ctx);

/* The published coefficients of a Rosenbrock (W-)method in Hairer–Wanner form:
 *   (I − hγJ) k_i = h f(t + α_i h, x + Σ α_ij k_j) + hJ Σ_{j<i} γ_ij k_j,
 *   x_next = x + Σ b_i k_i */
typedef struct {
    const char *name;
    int stages, order, error_order;
    double gamma;
    const double *alpha;   /* s×s strictly lower */
    const double *Gamma;   /* s×s strictly lower (off-diagonal γ_ij) */
    const double *b;       /* s */
    const double *bhat;    /* s, embedded */
} ros_tableau;

extern const ros_tableau ros_ros34pw2;

typedef struct {
    long index;
    double t, t_next, h;
    int n, stages;
    const double *x, *x_next;
    const double *const *U;    /* stage increments u_i */
    const double *const *Y;    /* stage inputs Y_i */
    int nout;
    const int *out_index;
    const double *out_frac;    /* 1 (or 0 for t0 in the first step) */
} ros_step_view;

typedef int (*ros_observer_fn)(const ros_step_view *step, void *ctx);

typedef struct {
    int n;
    ros_rhs_fn rhs;
    ros_jac_fn jac;
    void *ctx;                 /* passed to rhs and jac */
    double t0, tf;
    int nout;
    const double *tout;
    double *xout;
    ros_observer_fn observer;
    void *observer_ctx;
    /* Blocked solvers only, may be NULL: out = L_b v (block-sized), the coupling of block
     * b ≥ 1 to block 0 in the Jacobian at the step's start (t, x).  The iteration matrix is
     * then block lower-triangular — I/hγ − J on the diagonal, −L_b below it in the first
     * block column — and solved by substitution with the one factorisation. */
    int (*couple)(double t, const double *x, int b, const double *v, double *out, void *ctx);
} ros_problem;

typedef struct {
    long steps, rejected, rhs_evals, jac_evals, factorizations;
    double t_reached;
    double h_proposed;          /* adaptive: the next step the controller proposed */
} ros_stats;

typedef struct ros_solver ros_solver;

ros_solver *ros_solver_new(const ros_tableau *tab, int n);
/* A solver for a system whose Jacobian is block lower-triangular with equal diagonal
 * blocks — a state with its sensitivities, an adjoint with its second-order adjoints and
 * their quadratures: nblocks copies of I/hγ − J on the leading block·nblocks components (the
 * problem's jac fills the block × block matrix J), I/hγ on the rest, and the coupling of
 * each block to the first through ros_problem.couple; one block × block LU per step however
 * many blocks.  Without couple the matrix is block diagonal: a W-method keeps its order
 * with it, but on stiff coupled systems its error estimates and accuracy suffer (the
 * second-order adjoint of robertson-asa was 29 % off at rtol 1e-8).  NULL if the sizes do
 * not fit (block·nblocks ≤ n) or out of memory. */
ros_solver *ros_solver_new_blocked(const ros_tableau *tab, int n, int block, int nblocks);
void ros_solver_free(ros_solver *S);
size_t ros_solver_bytes(const ros_solver *S);
int ros_solver_reserve(ros_solver *S, int nout);   /* as rk_solver_reserve */
const ros_tableau *ros_solver_tableau(const ros_solver *S);

int ros_solve_adaptive(ros_solver *S, const ros_problem *P, const step_control *c, double *x,
                       ros_stats *st, char *err, size_t errlen);
int ros_solve_grid(ros_solver *S, const ros_problem *P, const step_grid *g, long first,
                   long count, double *x, ros_stats *st, char *err, size_t errlen);

/* ---- for the tape's reverse sweep (the same arithmetic as the forward step) ----------- */
/* Transformed coefficients: a (s×s), C (s×s, c_ij), m (s), stage time fractions α_i (s). */
const double *ros_coef_a(const ros_solver *S);
const double *ros_coef_c(const ros_solver *S);
const double *ros_coef_m(const ros_solver *S);
const double *ros_coef_alpha(const ros_solver *S);
/* Stage time t + α_i h (exactly t_next when α_i = 1). */
double ros_stage_time(const ros_solver *S, int i, double t, double t_next);
/* Y_i = x + Σ_{j<i} a_ij u_j, bitwise as in the forward step. */
void ros_stage_input(const ros_solver *S, int i, const double *x, const double *const *U,
                     double *Y);

/* A dense LU factorisation of (I/(hγ) − J) or of its transpose, for n ≥ 1. */
typedef struct ros_lu ros_lu;
ros_lu *ros_lu_new(int n);
void ros_lu_free(ros_lu *lu);
size_t ros_lu_bytes(const ros_lu *lu);
/* Factorise I/hg − J (transpose = 0) or I/hg − Jᵀ (transpose = 1); STEP_ESINGULAR on a zero
 * pivot. */
int ros_lu_factor(ros_lu *lu, const double *J, double hg, int transpose);
/* Solve in place with the last factorisation. */
void ros_lu_solve(const ros_lu *lu, double *v);

#endif
