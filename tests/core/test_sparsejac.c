/* sparsejac, bandprec, ilu0 — the pieces of the Krylov linear solver:
 *  - the structural pattern of f_x from the expression graph is exactly the set of entries
 *    the dense Jacobian has at a random state (brusselator-N: 6 per row, the periodic
 *    5-point stencil plus the u–v coupling; N = 2 folds neighbours together), a superset of
 *    it for jakstat, and the full pattern for a dense network; a hand-made graph with sums,
 *    broadcasts, gathers, time inputs and an x-free row gives exactly its pattern, and the
 *    cap on held entries is reported;
 *  - the colouring is valid (no two columns of one colour share a row) and the sparse
 *    Jacobian from one product per colour equals the dense one entry by entry;
 *  - reverse Cuthill–McKee narrows the periodic grid's band (natural order: N² wide) and the
 *    band LU solves I + c·J and I + c·Jᵀ to rounding;
 *  - ILU(0) is exact where it makes no fill (a tridiagonal matrix, a missing diagonal), and
 *    elsewhere reproduces M on its pattern: (LU)_ij = M_ij, the defining property. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "bandprec.h"
#include "ilu0.h"
#include "sparsejac.h"
#include "brusselator.h"
#include "check.h"
#include "registry.h"

/* a state with every component distinct and away from zero (no accidental zero entries) */
static void random_state(int n, double *x, unsigned seed)
{
    srand(seed);
    for (int i = 0; i < n; i++)
        x[i] = 0.5 + (double)rand() / RAND_MAX;
}

/* the dense Jacobian at a random state, and whether (i, j) is in the pattern */
static double *dense_jacobian(const model *m, model_ctx **ctx, double *x)
{
    char err[256];
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    *ctx = model_ctx_new(m, theta, err, sizeof err);
    free(theta);
    random_state(m->nx, x, 7);
    double *J = malloc(sizeof(double) * (size_t)m->nx * (size_t)m->nx);
    model_rhs_jac(*ctx, 0.3, x, J);
    return J;
}

static int in_pattern(const sj_pattern *p, int i, int j)
{
    for (int q = p->row_start[i]; q < p->row_start[i + 1]; q++)
        if (p->cols[q] == j)
            return 1;
    return 0;
}

/* pattern ⊇ numerical non-zeros, and (exact = 1) ⊆ as well; rows sorted */
static void check_pattern(const char *name, int exact, long expect_nnz)
{
    model *m = check_model_create(name);
    const int n = m->nx;
    sj_pattern p;
    CHECK(sj_pattern_of_model(m, 1.0, &p) == 0, "%s: pattern", name);
    model_ctx *ctx;
    double *x = malloc(sizeof(double) * (size_t)n);
    double *J = dense_jacobian(m, &ctx, x);
    long missed = 0, extra = 0, unsorted = 0;
    for (int i = 0; i < n; i++) {
        for (int q = p.row_start[i] + 1; q < p.row_start[i + 1]; q++)
            unsorted += p.cols[q] <= p.cols[q - 1];
        for (int j = 0; j < n; j++) {
            const int nz = J[(size_t)i * n + j] != 0.0, in = in_pattern(&p, i, j);
            missed += nz && !in;
            extra += in && !nz;
        }
    }
    printf("%-16s n = %4d  pattern %5ld entries (density %.3f), %ld beyond the numerical "
           "ones\n", name, n, p.nnz, sj_density(&p), extra);
    CHECK(missed == 0, "%s: %ld non-zeros of the dense Jacobian are not in the pattern", name,
          missed);
    CHECK(unsorted == 0, "%s: rows not sorted", name);
    CHECK(!exact || extra == 0, "%s: %ld pattern entries are zero at a random state", name,
          extra);
    CHECK(expect_nnz < 0 || p.nnz == expect_nnz, "%s: %ld entries, expected %ld", name, p.nnz,
          expect_nnz);
    sj_pattern_free(&p);
    free(J);
    free(x);
    model_ctx_free(ctx);
    model_destroy(m);
}

/* colouring valid; sparse values = dense values; band and ILU(0) solves */
static void check_values_and_solves(const char *name)
{
    model *m = check_model_create(name);
    const int n = m->nx;
    sj_pattern p;
    sj_jacobian SJ;
    CHECK(sj_pattern_of_model(m, 1.0, &p) == 0 && sj_jacobian_init(&SJ, &p) == 0,
          "%s: sparse Jacobian", name);
    model_ctx *ctx;
    double *x = malloc(sizeof(double) * (size_t)n);
    double *J = dense_jacobian(m, &ctx, x);
    const sj_pattern *pt = &SJ.pattern;

    /* no two columns of one colour meet in a row */
    long clashes = 0;
    for (int i = 0; i < n; i++)
        for (int a = pt->row_start[i]; a < pt->row_start[i + 1]; a++)
            for (int b = a + 1; b < pt->row_start[i + 1]; b++)
                clashes += SJ.colour[pt->cols[a]] == SJ.colour[pt->cols[b]];
    CHECK(clashes == 0, "%s: %ld colour clashes", name, clashes);

    eval_counts counts = {0};
    model_ctx_count_into(ctx, &counts);
    CHECK(sj_jacobian_eval(&SJ, ctx, 0.3, x) == 0, "%s: sparse evaluation", name);
    CHECK(counts.jvp == SJ.ncolours && counts.jac == 0, "%s: %ld products for %d colours",
          name, counts.jvp, SJ.ncolours);
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int q = pt->row_start[i]; q < pt->row_start[i + 1]; q++)
            worst = fmax(worst, fabs(SJ.values[q] - J[(size_t)i * n + pt->cols[q]]) /
                                    fmax(fabs(J[(size_t)i * n + pt->cols[q]]), 1.0));
    CHECK(worst <= 1e-14, "%s: sparse vs dense Jacobian differ by %.2e", name, worst);

    /* RCM: the band LU of M = I + c J (and of its transpose) solves M z = r */
    SUNContext sunctx;
    SUNContext_Create(NULL, &sunctx);
    bp_band *band = bp_new(pt, sunctx);
    int *natural = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        natural[i] = i;
    const int bw_natural = bp_bandwidth(pt, natural);
    double *r = malloc(sizeof(double) * (size_t)n), *z = malloc(sizeof(double) * (size_t)n);
    random_state(n, r, 11);
    const double c = -0.01;   /* −γ of a typical BDF step */
    ilu0 *ilu[2] = {ilu0_new(pt, 0), ilu0_new(pt, 1)};
    for (int tr = 0; tr < 2; tr++) {
        CHECK(bp_factor(band, &SJ, c, tr) == 0, "%s: band factorisation", name);
        bp_solve(band, r, z);
        double res = 0.0;
        for (int i = 0; i < n; i++) {
            double Mz = z[i];
            for (int j = 0; j < n; j++)
                Mz += c * (tr ? J[(size_t)j * n + i] : J[(size_t)i * n + j]) * z[j];
            res = fmax(res, fabs(Mz - r[i]));
        }
        CHECK(res <= 1e-12, "%s: band solve residual %.2e (transpose %d)", name, res, tr);
        /* ILU(0): L·U equals M on M's pattern (Saad, Prop. 10.4) — recover L·U as the
         * inverse of the matrix whose columns are the solves (LU)⁻¹ e_j */
        CHECK(ilu[tr] && ilu0_factor(ilu[tr], &SJ, c) == 0, "%s: ILU(0)", name);
        gsl_matrix *B = gsl_matrix_alloc((size_t)n, (size_t)n);
        gsl_matrix *LU = gsl_matrix_alloc((size_t)n, (size_t)n);
        gsl_permutation *perm = gsl_permutation_alloc((size_t)n);
        for (int j = 0; j < n; j++) {
            memset(r, 0, sizeof(double) * (size_t)n);
            r[j] = 1.0;
            ilu0_solve(ilu[tr], r, z);
            for (int i = 0; i < n; i++)
                gsl_matrix_set(B, (size_t)i, (size_t)j, z[i]);
        }
        int sign;
        gsl_linalg_LU_decomp(B, perm, &sign);
        gsl_linalg_LU_invert(B, perm, LU);
        double on = 0.0, off = 0.0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                const double Jij = tr ? J[(size_t)j * n + i] : J[(size_t)i * n + j];
                const double Mij = (i == j) + c * Jij;
                const double d = fabs(gsl_matrix_get(LU, (size_t)i, (size_t)j) - Mij);
                if (i == j || (tr ? in_pattern(pt, j, i) : in_pattern(pt, i, j)))
                    on = fmax(on, d);
                else
                    off = fmax(off, d);
            }
        printf("%-16s band %3d (natural %4d); ILU(0): |LU - M| %.1e on the pattern, %.1e "
               "(dropped fill) off it (transpose %d)\n", name, bp_half_bandwidth(band),
               bw_natural, on, off, tr);
        CHECK(on <= 1e-11, "%s: ILU(0) differs from M on its pattern by %.2e (transpose %d)",
              name, on, tr);
        gsl_matrix_free(B);
        gsl_matrix_free(LU);
        gsl_permutation_free(perm);
    }
    if (strncmp(name, "brusselator-", 12) == 0) {
        const int N = atoi(name + 12);
        /* the periodic grid's natural order puts u and v N² apart; RCM keeps ~4N */
        CHECK(bw_natural >= N * N && bp_half_bandwidth(band) <= 4 * N,
              "%s: bandwidth %d (natural %d)", name, bp_half_bandwidth(band), bw_natural);
    }
    ilu0_free(ilu[0]);
    ilu0_free(ilu[1]);
    bp_free(band);
    SUNContext_Free(&sunctx);
    free(natural);
    free(r);
    free(z);
    sj_jacobian_free(&SJ);
    free(J);
    free(x);
    model_ctx_free(ctx);
    model_destroy(m);
}

/* ILU(0) without fill is the exact LU: a tridiagonal matrix with a missing diagonal entry
 * (which ILU(0) must add), in both orientations, checked by M z = r */
static void check_ilu_exact(void)
{
    enum { n = 7 };
    sj_pattern p = {n, 0, malloc(sizeof(int) * (n + 1)), malloc(sizeof(int) * 3 * n)};
    long q = 0;
    for (int i = 0; i < n; i++) {
        p.row_start[i] = (int)q;
        for (int j = i - 1; j <= i + 1; j++)
            if (j >= 0 && j < n && !(i == 3 && j == 3))   /* J has no (3, 3) */
                p.cols[q++] = j;
    }
    p.row_start[n] = (int)q;
    p.nnz = q;
    sj_jacobian SJ;
    CHECK(sj_jacobian_init(&SJ, &p) == 0, "tridiagonal Jacobian");
    double M[n][n];
    for (int tr = 0; tr < 2; tr++) {
        memset(M, 0, sizeof M);
        const double c = 0.7;
        for (int i = 0; i < n; i++) {
            M[i][i] = 1.0;
            for (int k = SJ.pattern.row_start[i]; k < SJ.pattern.row_start[i + 1]; k++) {
                const int j = SJ.pattern.cols[k];
                SJ.values[k] = 1.0 + 0.37 * i - 0.21 * j + 0.05 * i * j;   /* unsymmetric */
                if (tr)
                    M[j][i] += c * SJ.values[k];
                else
                    M[i][j] += c * SJ.values[k];
            }
        }
        ilu0 *f = ilu0_new(&SJ.pattern, tr);
        CHECK(f && ilu0_factor(f, &SJ, c) == 0, "tridiagonal ILU(0)");
        double r[n], z[n], worst = 0.0;
        for (int i = 0; i < n; i++)
            r[i] = sin(i + 1.0);
        ilu0_solve(f, r, z);
        for (int i = 0; i < n; i++) {
            double Mz = 0.0;
            for (int j = 0; j < n; j++)
                Mz += M[i][j] * z[j];
            worst = fmax(worst, fabs(Mz - r[i]));
        }
        CHECK(worst <= 1e-13, "tridiagonal ILU(0) is not exact: residual %.2e (transpose %d)",
              worst, tr);
        ilu0_free(f);
    }
    sj_jacobian_free(&SJ);
}

/* a hand-made graph with every kind of node the models do not all use: out =
 * [x0·x2, Σx, p0 (no x), x3 + p0 (a broadcast), x[gather 1, 1], x1/t-input] */
static void two_x(double t, double *out, const void *ctx)
{
    (void)ctx;
    out[0] = 2.0 + t;
}

static void check_graph_pattern(void)
{
    expr_graph *g = expr_graph_new(4, 1, 0, 0);
    const int twice[1] = {1};
    expr x = expr_states(g, 0, 4);
    expr parts[6] = {expr_mul(g, expr_state(g, 0), expr_state(g, 2)), expr_sum(g, x),
                     expr_param(g, 0), expr_add(g, expr_state(g, 3), expr_param(g, 0)),
                     expr_gather(g, x, 1, twice),
                     expr_div(g, expr_state(g, 1), expr_time_input(g, 1, two_x, NULL))};
    expr_prog *P = expr_compile(g, expr_concat(g, 6, parts));
    int *rows = NULL, *cols = NULL;
    const long nnz = P ? expr_jac_x_pattern(P, 1000, &rows, &cols) : -3;
    static const int expect_rows[7] = {0, 2, 6, 6, 7, 8, 9};
    static const int expect_cols[9] = {0, 2, 0, 1, 2, 3, 3, 1, 1};
    int same = nnz == 9;
    for (int r = 0; same && r <= 6; r++)
        same = rows[r] == expect_rows[r];
    for (int q = 0; same && q < 9; q++)
        same = cols[q] == expect_cols[q];
    CHECK(same, "hand-made graph: pattern of %ld entries differs from the expected one", nnz);
    int *r2 = NULL, *c2 = NULL;
    CHECK(P && expr_jac_x_pattern(P, 3, &r2, &c2) == -2 && !r2 && !c2,
          "hand-made graph: the cap of 3 held entries is not reported");
    free(rows);
    free(cols);
    expr_prog_free(P);
    expr_graph_free(g);
}

int main(void)
{
    check_graph_pattern();
    check_pattern("brusselator-2", 1, 4 * 8);    /* N = 2: west = east, south = north */
    check_pattern("brusselator-3", 1, 6 * 18);
    check_pattern("brusselator-5", 1, 6 * 50);
    check_pattern("jakstat", 0, -1);
    check_pattern("robertson", 0, -1);
    check_pattern("mlp-6-8", 1, 36);             /* a dense network: every entry */
    check_values_and_solves("brusselator-3");
    check_values_and_solves("brusselator-6");
    check_values_and_solves("jakstat");
    check_ilu_exact();
    /* a dense Jacobian is recognised: over the density limit, the full pattern comes back */
    model *m = check_model_create("brusselator-4");
    sj_pattern p;
    CHECK(sj_pattern_of_model(m, 0.05, &p) == 0 && p.nnz == 32L * 32, "density limit: %ld",
          p.nnz);
    sj_pattern_free(&p);
    model_destroy(m);
    return check_finish("core/test_sparsejac");
}
