/* test_trsub — the trust-region subproblem is solved exactly: closed-form solutions of small
 * problems (positive definite inside and on the boundary, indefinite, singular, the hard case
 * with a simple and with a double negative eigenvalue, zero gradient), rotated copies of them
 * (the solver must not rely on diagonal input), the optimality conditions of Moré–Sorensen
 * (H + λI)p = −g, H + λI ⪰ 0, λ(Δ − ‖p‖) = 0, and, on seeded random 2×2 problems, agreement
 * with a brute-force search over the disc. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "trsub.h"

#define MAXN 4

static double norm(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static double model_value(const double *H, const double *g, const double *p, int n)
{
    double m = 0.0;
    for (int i = 0; i < n; i++) {
        m += g[i] * p[i];
        for (int j = 0; j < n; j++)
            m += 0.5 * p[i] * H[i * n + j] * p[j];
    }
    return m;
}

/* smallest eigenvalue of a symmetric 2×2 matrix (closed form; larger tests know theirs) */
static double min_eig2(const double *H)
{
    const double a = H[0], b = H[1], d = H[3];
    return 0.5 * (a + d) - sqrt(0.25 * (a - d) * (a - d) + b * b);
}

/* Moré–Sorensen optimality: residual, feasibility, complementarity, semidefiniteness (the
 * smallest eigenvalue of H is given, so λ + λ_min(H) ≥ 0 is the last condition). */
static void check_optimality(const char *what, const double *H, const double *g, int n,
                             double delta, const double *p, const trsub_info *info, double lam_min)
{
    double res[MAXN], hnorm = 0.0;
    for (int i = 0; i < n; i++) {
        res[i] = g[i] + info->lambda * p[i];
        for (int j = 0; j < n; j++) {
            res[i] += H[i * n + j] * p[j];
            hnorm = fmax(hnorm, fabs(H[i * n + j]));
        }
    }
    const double scale = norm(g, n) + (hnorm + info->lambda) * norm(p, n) + 1e-300;
    CHECK(norm(res, n) <= 1e-11 * scale, "%s: |(H+lambda I)p + g| = %.3e (scale %.3e)", what,
          norm(res, n), scale);
    CHECK(info->lambda >= 0.0, "%s: lambda = %g < 0", what, info->lambda);
    CHECK(norm(p, n) <= delta * (1 + 1e-11), "%s: |p| = %.17g > delta = %g", what, norm(p, n), delta);
    if (info->lambda > 1e-13 * (hnorm + 1))
        CHECK(fabs(norm(p, n) - delta) <= 1e-11 * delta, "%s: lambda = %g but |p| = %.17g != %g",
              what, info->lambda, norm(p, n), delta);
    CHECK(info->lambda + lam_min >= -1e-12 * (hnorm + 1), "%s: H + lambda I is indefinite "
          "(lambda %g, lambda_min %g)", what, info->lambda, lam_min);
    CHECK(fabs(info->norm - norm(p, n)) <= 1e-12 * (delta + 1), "%s: info.norm %g vs |p| %g", what,
          info->norm, norm(p, n));
    const double m = model_value(H, g, p, n);
    CHECK(fabs(-m - info->decrease) <= 1e-12 * (fabs(m) + 1), "%s: info.decrease %.17g vs -m(p) %.17g",
          what, info->decrease, -m);
}

/* solve and return p (and info) */
static int solve(const double *H, const double *g, int n, double delta, double *p, trsub_info *info)
{
    char err[200] = "";
    trsub_workspace *w = trsub_alloc(n, NULL);
    int status = w ? trsub_factor(w, H, g, err, sizeof err) : -1;
    if (status == 0)
        status = trsub_solve(w, delta, p, info, err, sizeof err);
    CHECK(status == 0, "solver failed: %s", err);
    if (status == 0) {
        const double m = model_value(H, g, p, n);
        CHECK(fabs(trsub_model(w, p) - m) <= 1e-12 * (fabs(m) + 1), "trsub_model %g vs %g",
              trsub_model(w, p), m);
    }
    trsub_free(w);
    return status;
}

/* H' = R H Rᵀ, g' = R g for the rotation R by angle a in the plane (i, j) */
static void rotate(double *H, double *g, int n, int i, int j, double a)
{
    double R[MAXN * MAXN] = {0}, T[MAXN * MAXN] = {0}, gr[MAXN] = {0};
    for (int k = 0; k < n; k++)
        R[k * n + k] = 1.0;
    R[i * n + i] = cos(a);
    R[i * n + j] = -sin(a);
    R[j * n + i] = sin(a);
    R[j * n + j] = cos(a);
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
            for (int k = 0; k < n; k++)
                T[r * n + c] += R[r * n + k] * H[k * n + c];
    for (int r = 0; r < n; r++) {
        for (int c = 0; c < n; c++) {
            double v = 0.0;
            for (int k = 0; k < n; k++)
                v += T[r * n + k] * R[c * n + k];
            H[r * n + c] = v;
        }
        for (int k = 0; k < n; k++)
            gr[r] += R[r * n + k] * g[k];
    }
    memcpy(g, gr, sizeof(double) * (size_t)n);
}

static void check_vector(const char *what, const double *p, const double *expect, int n, double tol)
{
    for (int i = 0; i < n; i++)
        CHECK(fabs(p[i] - expect[i]) <= tol * (1 + fabs(expect[i])), "%s: p[%d] = %.17g, expected %.17g",
              what, i, p[i], expect[i]);
}

static void test_positive_definite(void)
{
    /* interior: p = −H⁻¹g,  H⁻¹ = [[3, −1], [−1, 4]]/11 */
    const double H[4] = {4, 1, 1, 3}, g[2] = {1, 2}, expect[2] = {-1.0 / 11, -7.0 / 11};
    double p[2];
    trsub_info info;
    if (solve(H, g, 2, 10.0, p, &info) == 0) {
        check_vector("pd interior", p, expect, 2, 1e-14);
        CHECK(info.kind == TRSUB_INTERIOR && info.lambda == 0.0, "pd interior: kind %d lambda %g",
              info.kind, info.lambda);
        check_optimality("pd interior", H, g, 2, 10.0, p, &info, min_eig2(H));
    }
    /* boundary, diagonal: H = diag(1, 3), g = (2, 4), λ = 1 gives p = (−1, −1), ‖p‖ = √2 */
    const double D[4] = {1, 0, 0, 3}, gd[2] = {2, 4}, pd[2] = {-1, -1};
    if (solve(D, gd, 2, sqrt(2.0), p, &info) == 0) {
        check_vector("pd boundary", p, pd, 2, 1e-12);
        CHECK(info.kind == TRSUB_BOUNDARY && fabs(info.lambda - 1.0) <= 1e-12,
              "pd boundary: kind %d lambda %.17g (expected 1)", info.kind, info.lambda);
        check_optimality("pd boundary", D, gd, 2, sqrt(2.0), p, &info, 1.0);
    }
    /* zero gradient: p = 0 */
    const double zero[2] = {0, 0};
    if (solve(H, zero, 2, 1.0, p, &info) == 0)
        CHECK(p[0] == 0.0 && p[1] == 0.0 && info.kind == TRSUB_INTERIOR, "pd, g = 0: p = (%g, %g)",
              p[0], p[1]);
}

static void test_indefinite(void)
{
    /* H = −2I: the model decreases fastest along −g: p = −Δ g/‖g‖, λ = ‖g‖/Δ + 2 */
    const double H[4] = {-2, 0, 0, -2}, g[2] = {3, 4};
    double p[2];
    trsub_info info;
    const double expect[2] = {-1.2, -1.6};
    if (solve(H, g, 2, 2.0, p, &info) == 0) {
        check_vector("-2I", p, expect, 2, 1e-12);
        CHECK(fabs(info.lambda - 4.5) <= 1e-12, "-2I: lambda %.17g, expected 4.5", info.lambda);
        check_optimality("-2I", H, g, 2, 2.0, p, &info, -2.0);
    }
    /* H = diag(−1, 3), g = (1, 2), Δ = 1: λ > 1 solves 1/(λ−1)² + 4/(λ+3)² = 1 (no closed
     * form): checked by the optimality conditions, and a rotated copy must give the same λ */
    double Hr[4] = {-1, 0, 0, 3}, gr[2] = {1, 2};
    double p0[2];
    trsub_info info0;
    if (solve(Hr, gr, 2, 1.0, p0, &info0) == 0) {
        check_optimality("diag(-1,3)", Hr, gr, 2, 1.0, p0, &info0, -1.0);
        CHECK(info0.kind == TRSUB_BOUNDARY, "diag(-1,3): kind %d", info0.kind);
        rotate(Hr, gr, 2, 0, 1, 0.7);
        if (solve(Hr, gr, 2, 1.0, p, &info) == 0) {
            check_optimality("rotated diag(-1,3)", Hr, gr, 2, 1.0, p, &info, -1.0);
            CHECK(fabs(info.lambda - info0.lambda) <= 1e-12 * info0.lambda,
                  "rotation changed lambda: %.17g vs %.17g", info.lambda, info0.lambda);
            CHECK(fabs(info.decrease - info0.decrease) <= 1e-12 * info0.decrease,
                  "rotation changed the decrease: %.17g vs %.17g", info.decrease, info0.decrease);
        }
    }
}

static void test_hard_case(void)
{
    /* H = diag(−2, 1), g = (0, 1), Δ = 2: λ = 2, p = (τ, −1/3), τ = √(4 − 1/9); m = −1/3 −τ² +1/18 */
    double H[4] = {-2, 0, 0, 1}, g[2] = {0, 1};
    const double tau = sqrt(4.0 - 1.0 / 9.0);
    const double m_expect = -1.0 / 3.0 + 0.5 * (-2.0 * tau * tau + 1.0 / 9.0);
    double p[2];
    trsub_info info;
    if (solve(H, g, 2, 2.0, p, &info) == 0) {
        CHECK(info.kind == TRSUB_HARD, "hard case: kind %d, expected TRSUB_HARD", info.kind);
        CHECK(fabs(info.lambda - 2.0) <= 1e-14, "hard case: lambda %.17g, expected 2", info.lambda);
        CHECK(fabs(fabs(p[0]) - tau) <= 1e-13 && fabs(p[1] + 1.0 / 3.0) <= 1e-14,
              "hard case: p = (%.17g, %.17g), expected (±%.17g, -1/3)", p[0], p[1], tau);
        CHECK(fabs(-info.decrease - m_expect) <= 1e-13, "hard case: m = %.17g, expected %.17g",
              -info.decrease, m_expect);
        check_optimality("hard case", H, g, 2, 2.0, p, &info, -2.0);
    }
    /* the same problem rotated by 0.4 rad: same λ and model value */
    rotate(H, g, 2, 0, 1, 0.4);
    if (solve(H, g, 2, 2.0, p, &info) == 0) {
        CHECK(info.kind == TRSUB_HARD, "rotated hard case: kind %d", info.kind);
        CHECK(fabs(info.lambda - 2.0) <= 1e-12, "rotated hard case: lambda %.17g", info.lambda);
        CHECK(fabs(-info.decrease - m_expect) <= 1e-12, "rotated hard case: m = %.17g, expected %.17g",
              -info.decrease, m_expect);
        check_optimality("rotated hard case", H, g, 2, 2.0, p, &info, -2.0);
    }
    /* a double negative eigenvalue: H = diag(−1, −1, 3), g = (0, 0, 3), Δ = 2: λ = 1,
     * p_3 = −3/4, the rest of the radius in the eigenspace of −1; m = −3.125 */
    double H3[9] = {-1, 0, 0, 0, -1, 0, 0, 0, 3}, g3[3] = {0, 0, 3}, p3[3];
    rotate(H3, g3, 3, 0, 2, 0.3);
    rotate(H3, g3, 3, 1, 2, -1.1);
    if (solve(H3, g3, 3, 2.0, p3, &info) == 0) {
        CHECK(info.kind == TRSUB_HARD, "double eigenvalue: kind %d", info.kind);
        CHECK(fabs(info.lambda - 1.0) <= 1e-12, "double eigenvalue: lambda %.17g", info.lambda);
        CHECK(fabs(-info.decrease + 3.125) <= 1e-12, "double eigenvalue: m = %.17g, expected -3.125",
              -info.decrease);
        check_optimality("double eigenvalue", H3, g3, 3, 2.0, p3, &info, -1.0);
    }
    /* zero gradient, indefinite: p = Δ·(eigenvector of λ_min), m = ½ λ_min Δ² */
    const double Hz[4] = {1, 0, 0, -3}, gz[2] = {0, 0};
    if (solve(Hz, gz, 2, 0.5, p, &info) == 0) {
        CHECK(info.kind == TRSUB_HARD && fabs(p[0]) <= 1e-15 && fabs(fabs(p[1]) - 0.5) <= 1e-15,
              "g = 0, indefinite: kind %d p = (%g, %g)", info.kind, p[0], p[1]);
        CHECK(fabs(-info.decrease + 0.375) <= 1e-15, "g = 0: m = %g, expected -0.375", -info.decrease);
    }
}

static void test_singular(void)
{
    /* H = diag(0, 2), g = (0, 2): every p = (t, −1) is optimal; the minimum-norm one is (0, −1) */
    double H[4] = {0, 0, 0, 2}, g[2] = {0, 2}, p[2];
    trsub_info info;
    const double expect[2] = {0, -1};
    if (solve(H, g, 2, 5.0, p, &info) == 0) {
        check_vector("singular, g in range", p, expect, 2, 1e-14);
        CHECK(info.kind == TRSUB_INTERIOR, "singular, g in range: kind %d", info.kind);
        check_optimality("singular, g in range", H, g, 2, 5.0, p, &info, 0.0);
    }
    /* rotated: H = [[1,1],[1,1]] (eigenvalues 0, 2), g = (1, 1) ⊥ the null space: p = −(½, ½) */
    const double Hs[4] = {1, 1, 1, 1}, gs[2] = {1, 1}, es[2] = {-0.5, -0.5};
    if (solve(Hs, gs, 2, 3.0, p, &info) == 0) {
        check_vector("rank-one", p, es, 2, 1e-14);
        CHECK(info.kind == TRSUB_INTERIOR, "rank-one: kind %d", info.kind);
        check_optimality("rank-one", Hs, gs, 2, 3.0, p, &info, 0.0);
    }
    /* g with a null-space component: the boundary, λ = ‖g_null‖/Δ: p = (−Δ, 0), λ = 1/3 */
    const double gn[2] = {1, 0}, en[2] = {-3, 0};
    if (solve(H, gn, 2, 3.0, p, &info) == 0) {
        check_vector("singular, g in null space", p, en, 2, 1e-12);
        CHECK(fabs(info.lambda - 1.0 / 3.0) <= 1e-12, "singular, g in null space: lambda %.17g",
              info.lambda);
        check_optimality("singular, g in null space", H, gn, 2, 3.0, p, &info, 0.0);
    }
    /* H = 0: p = −Δ g/‖g‖ */
    const double H0[4] = {0, 0, 0, 0}, g0[2] = {0, -2}, e0[2] = {0, 0.25};
    if (solve(H0, g0, 2, 0.25, p, &info) == 0)
        check_vector("H = 0", p, e0, 2, 1e-14);
}

/* brute force over the disc for n = 2: the boundary circle on a fine grid refined by golden
 * sections, and the interior stationary point when H is positive definite */
static double brute_force(const double *H, const double *g, double delta)
{
    const int grid = 20000;
    double best = 0.0;   /* p = 0 */
    for (int k = 0; k < grid; k++) {
        double a = 2 * M_PI * k / grid, lo = a - 2 * M_PI / grid, hi = a + 2 * M_PI / grid;
        for (int it = 0; it < 80; it++) {
            double m1 = lo + (hi - lo) * 0.381966011250105, m2 = lo + (hi - lo) * 0.618033988749895;
            double p1[2] = {delta * cos(m1), delta * sin(m1)}, p2[2] = {delta * cos(m2), delta * sin(m2)};
            if (model_value(H, g, p1, 2) < model_value(H, g, p2, 2))
                hi = m2;
            else
                lo = m1;
        }
        double p[2] = {delta * cos(0.5 * (lo + hi)), delta * sin(0.5 * (lo + hi))};
        best = fmin(best, model_value(H, g, p, 2));
    }
    const double det = H[0] * H[3] - H[1] * H[2];
    if (H[0] > 0 && det > 0) {
        double p[2] = {-(H[3] * g[0] - H[1] * g[1]) / det, -(-H[2] * g[0] + H[0] * g[1]) / det};
        if (norm(p, 2) <= delta)
            best = fmin(best, model_value(H, g, p, 2));
    }
    return best;
}

static void test_random_against_brute_force(void)
{
    unsigned long state = 12345;   /* a fixed linear congruential sequence */
    for (int trial = 0; trial < 40; trial++) {
        double u[6];
        for (int k = 0; k < 6; k++) {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            u[k] = (double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
        }
        const double H[4] = {3 * u[0], 2 * u[1], 2 * u[1], 3 * u[2]}, g[2] = {u[3], u[4]};
        const double delta = 0.1 + 2 * fabs(u[5]);
        double p[2];
        trsub_info info;
        if (solve(H, g, 2, delta, p, &info) != 0)
            continue;
        const double m = model_value(H, g, p, 2), best = brute_force(H, g, delta);
        CHECK(m <= best + 1e-12 * (fabs(best) + 1), "random %d: m(p) = %.17g above brute force %.17g",
              trial, m, best);
        CHECK(m >= best - 1e-9 * (fabs(best) + 1), "random %d: m(p) = %.17g below brute force %.17g "
              "(the brute force is not converged?)", trial, m, best);
        check_optimality("random", H, g, 2, delta, p, &info, min_eig2(H));
    }
}

static void test_errors(void)
{
    char err[200] = "";
    double p[2];
    trsub_info info;
    trsub_workspace *w = trsub_alloc(2, NULL);
    const double H[4] = {1, 0, 0, NAN}, g[2] = {1, 1}, Hok[4] = {1, 0, 0, 1};
    CHECK(trsub_factor(w, H, g, err, sizeof err) != 0 && strstr(err, "Hessian entry (2,2)"),
          "a NaN entry must be refused: %s", err);
    CHECK(trsub_solve(w, 1.0, p, &info, err, sizeof err) != 0, "solve without a factorisation");
    CHECK(trsub_factor(w, Hok, g, err, sizeof err) == 0, "factor: %s", err);
    CHECK(trsub_solve(w, 0.0, p, &info, err, sizeof err) != 0 && strstr(err, "radius"),
          "a zero radius must be refused: %s", err);
    trsub_free(w);
    CHECK(trsub_alloc(0, NULL) == NULL, "order 0 must be refused");
}

int main(void)
{
    test_positive_definite();
    test_indefinite();
    test_hard_case();
    test_singular();
    test_random_against_brute_force();
    test_errors();
    return check_finish("test_trsub");
}
