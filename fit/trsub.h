/* trsub — the trust-region subproblem, solved exactly:
 *
 *     minimise  m(p) = gᵀp + ½ pᵀHp   subject to  ‖p‖ ≤ Δ
 *
 * for any symmetric H: positive definite, singular or indefinite.  p* is a global solution if
 * and only if there is a λ ≥ 0 with (H + λI)p* = −g, H + λI positive semidefinite and
 * λ(Δ − ‖p*‖) = 0 (Moré & Sorensen 1983; Nocedal & Wright, Theorem 4.1).
 *
 * Method: one eigen-decomposition H = QΛQᵀ (GSL gsl_eigen_symmv, eigenvalues ascending),
 * γ = Qᵀg.  In eigen-coordinates p = −Σ γ_i/(λ_i + λ) q_i, so ‖p(λ)‖ is explicit and the
 * secular equation  1/‖p(λ)‖ = 1/Δ  is solved by Newton's method (the function is concave
 * and nearly linear in λ, Moré–Sorensen's choice), safeguarded by bisection on a bracket.
 *   - λ_1 > 0 and ‖H⁻¹g‖ ≤ Δ: the Newton step, λ = 0 (interior).
 *   - λ_1 ≈ 0 and g ⊥ the null space with ‖H⁺g‖ ≤ Δ: the minimum-norm solution −H⁺g, λ = 0
 *     (every p = −H⁺g + v, v in the null space, ‖p‖ ≤ Δ, is optimal; the shortest one does
 *     not wander along directions the model cannot see — jakstat's Hessian has one).
 *   - λ_1 < 0 and g ⊥ the eigenspace of λ_1 with ‖p(−λ_1)‖ ≤ Δ: the "hard case"; λ = −λ_1
 *     and p = p(−λ_1) + τ q_1 with τ ≥ 0 chosen so that ‖p‖ = Δ.
 *   - otherwise λ > max(0, −λ_1) solves the secular equation and ‖p‖ = Δ.
 * The unknown is μ = λ + min(λ_1, 0) ≥ 0 with the shifted eigenvalues s_i = λ_i − min(λ_1, 0)
 * computed once, so that s_1 + μ is formed without cancellation even when λ sits just above
 * −λ_1 (a nearly hard case).
 *
 * One factorisation serves any number of radii: a trust-region method whose step is
 * rejected solves again with a smaller Δ at O(n) per secular iteration. */
#ifndef ODEGRAD_TRSUB_H
#define ODEGRAD_TRSUB_H

#include <stddef.h>

/* Tolerances of the solver (one constant table; trsub_defaults). */
typedef struct {
    double eig_tol;       /* eigenvalues within eig_tol·max|λ| of the smallest one belong to
                             its eigenspace (a numerically multiple or zero eigenvalue) */
    double orth_tol;      /* g counts as orthogonal to that eigenspace when its component there
                             is below orth_tol·‖g‖ */
    double radius_rtol;   /* the secular equation is solved to |‖p‖ − Δ| ≤ radius_rtol·Δ */
    int max_iter;         /* secular iterations (Newton + bisection) */
} trsub_params;

extern const trsub_params trsub_defaults;

typedef enum {
    TRSUB_INTERIOR = 0,   /* ‖p‖ < Δ, λ = 0 (Newton step or minimum-norm solution) */
    TRSUB_BOUNDARY = 1,   /* ‖p‖ = Δ from the secular equation */
    TRSUB_HARD = 2        /* ‖p‖ = Δ in the hard case (eigenvector component added) */
} trsub_kind;

typedef struct {
    trsub_kind kind;
    double lambda;        /* the multiplier λ ≥ 0 */
    double decrease;      /* −m(p) ≥ 0: what the quadratic model predicts */
    double norm;          /* ‖p‖ */
    double lambda_min;    /* smallest eigenvalue of H */
    int iterations;       /* secular-equation iterations */
} trsub_info;

typedef struct trsub_workspace trsub_workspace;

/* For matrices of order n ≥ 1.  NULL when out of memory. */
trsub_workspace *trsub_alloc(int n, const trsub_params *params);
void trsub_free(trsub_workspace *w);

/* Decompose H (n×n row-major; its symmetric part (H + Hᵀ)/2 is used) and take g.
 * Returns 0, or -1 with a message when an entry is not finite or the eigensolver fails. */
int trsub_factor(trsub_workspace *w, const double *H, const double *g, char *err, size_t errlen);

/* The global minimiser p (n) of the model within radius delta > 0, for the factorised H and g.
 * Returns 0, or -1 with a message when delta is not positive or the secular iteration does
 * not converge (it always does for finite data within max_iter; the check is a guard). */
int trsub_solve(trsub_workspace *w, double delta, double *p, trsub_info *info, char *err,
                size_t errlen);

/* m(p) = gᵀp + ½ pᵀHp for the factorised H and g (for tests and callers' checks). */
double trsub_model(const trsub_workspace *w, const double *p);

#endif
