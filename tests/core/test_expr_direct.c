/* test_expr_direct — parameter blocks whose gradient their matrix-vector product writes itself.
 *
 * A block of parameters used once, as the matrix W of y = W x, has its reverse step skipped:
 * the product's adjoint puts W̄ = ȳ xᵀ straight into the parameter gradient (expr.c,
 * mark_direct).  The program here
 *     y = ( W x,  p₀ x₀,  p₇ x₁ )      W = p₀..p₅ as 2×3,  x = x₀..x₂,  p₇ a 1×1 "matrix"
 * has two such blocks, one of which shares p₀ with an ordinary parameter node, so p̄₀ gets
 * contributions from both paths.  Every reverse product is checked against its closed form,
 * with each combination of requested outputs (gx or gp alone, both, dgp without gp), the
 * accumulating vᵀJ onto a non-zero gradient, and the dense Jacobian in p (one reverse sweep
 * per output row: 4 outputs < 8 parameters) — through the interpreter and through compiled
 * kernels, which must agree exactly. */
#include "expr.h"
#include "expr_kernel.h"
#include "check.h"

enum { NX = 3, NP = 8, NOUT = 4 };

static const double x[NX] = {0.7, -1.3, 0.4}, dx[NX] = {0.2, 0.9, -0.6};
static const double p[NP] = {1.1, -0.4, 0.3, 0.8, -1.7, 0.5, 9.0, -0.9};
static const double dp[NP] = {-0.3, 0.6, 0.1, -0.8, 0.4, 0.7, 5.0, 0.25};
static const double w[NOUT] = {0.6, -1.2, 0.9, 1.4}, dw[NOUT] = {-0.5, 0.3, 0.8, -0.2};

static expr_prog *build(void)
{
    expr_graph *g = expr_graph_new(NX, NP, 0, 0);
    expr parts[3] = {
        expr_matvec(g, expr_params(g, 0, 6), expr_states(g, 0, NX), 2, 3),
        expr_mul(g, expr_param(g, 0), expr_state(g, 0)),
        expr_matvec(g, expr_param(g, 7), expr_state(g, 1), 1, 1),
    };
    expr_prog *P = expr_compile(g, expr_concat(g, 3, parts));
    if (!P)
        fprintf(stderr, "test_expr_direct: %s\n", expr_error(g));
    expr_graph_free(g);
    return P;
}

/* the closed forms: gx = Jₓᵀw, gp = J_pᵀw and their derivatives along (dw, dx, dp) */
static void oracle(double *gx, double *gp, double *dgx, double *dgp)
{
    for (int j = 0; j < NX; j++) {
        gx[j] = p[j] * w[0] + p[3 + j] * w[1];
        dgx[j] = dp[j] * w[0] + p[j] * dw[0] + dp[3 + j] * w[1] + p[3 + j] * dw[1];
    }
    gx[0] += p[0] * w[2];
    dgx[0] += dp[0] * w[2] + p[0] * dw[2];
    gx[1] += p[7] * w[3];
    dgx[1] += dp[7] * w[3] + p[7] * dw[3];
    for (int k = 0; k < NP; k++)
        gp[k] = dgp[k] = 0.0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < NX; j++) {
            gp[3 * i + j] = w[i] * x[j];
            dgp[3 * i + j] = dw[i] * x[j] + w[i] * dx[j];
        }
    gp[0] += x[0] * w[2];
    dgp[0] += dx[0] * w[2] + x[0] * dw[2];
    gp[7] = x[1] * w[3];
    dgp[7] = dx[1] * w[3] + x[1] * dw[3];
}

static void near(const double *got, const double *want, int n, const char *kind, const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK(fabs(got[i] - want[i]) <= 1e-14 * (1.0 + fabs(want[i])), "%s: %s[%d] = %.17g, want %.17g",
              kind, what, i, got[i], want[i]);
}

/* every reverse product of P, checked, and written in order into out (for comparing kinds) */
static int products(const expr_prog *P, expr_work *W, const char *kind, double *out)
{
    double gx[NX], gp[NP], dgx[NX], dgp[NP], ox[NX], op[NP], odx[NX], odp[NP];
    double J[NOUT * NP];
    oracle(ox, op, odx, odp);
    const expr_args a = {0.0, x, p, NULL, NULL, 0};
    double *o = out;

    expr_vjp(P, W, &a, w, NULL, gx, gp);
    near(gx, ox, NX, kind, "vjp gx");
    near(gp, op, NP, kind, "vjp gp");
    memcpy(o, gx, sizeof gx), o += NX, memcpy(o, gp, sizeof gp), o += NP;

    expr_vjp(P, W, &a, w, NULL, gx, NULL);
    near(gx, ox, NX, kind, "vjp gx (gp not asked)");
    for (int k = 0; k < NP; k++)
        gp[k] = -7.0;
    expr_vjp(P, W, &a, w, NULL, NULL, gp);
    near(gp, op, NP, kind, "vjp gp (gx not asked)");

    /* accumulating: gp = g0 + J_pᵀw, gx overwritten */
    double want[NP];
    for (int k = 0; k < NP; k++)
        gp[k] = 0.25 * k - 1.0, want[k] = gp[k] + op[k];
    for (int j = 0; j < NX; j++)
        gx[j] = 1e300;
    expr_vjp_acc(P, W, &a, w, gx, gp);
    near(gx, ox, NX, kind, "vjp_acc gx");
    near(gp, want, NP, kind, "vjp_acc gp");
    memcpy(o, gp, sizeof gp), o += NP;
    expr_vjp_acc(P, W, &a, w, NULL, gp);
    for (int k = 0; k < NP; k++)
        want[k] += op[k];
    near(gp, want, NP, kind, "vjp_acc gp, twice");

    /* tangent-over-adjoint, all outputs, then dgp without gp (a direct block with no gp) */
    expr_vjp_jvp(P, W, &a, w, dw, dx, dp, gx, gp, dgx, dgp);
    near(gx, ox, NX, kind, "vjp_jvp gx");
    near(gp, op, NP, kind, "vjp_jvp gp");
    near(dgx, odx, NX, kind, "vjp_jvp dgx");
    near(dgp, odp, NP, kind, "vjp_jvp dgp");
    memcpy(o, dgx, sizeof dgx), o += NX, memcpy(o, dgp, sizeof dgp), o += NP;
    expr_vjp_jvp(P, W, &a, w, dw, dx, dp, NULL, NULL, NULL, dgp);
    near(dgp, odp, NP, kind, "vjp_jvp dgp (gp not asked)");
    expr_vjp_jvp(P, W, &a, w, dw, dx, dp, NULL, NULL, dgx, NULL);
    near(dgx, odx, NX, kind, "vjp_jvp dgx (gp, dgp not asked)");

    /* J_p row by row: row r is J_pᵀ e_r */
    expr_jac_p(P, W, &a, J);
    const double xs[NX] = {x[0], x[1], x[2]};
    double Jw[NOUT * NP] = {0};
    for (int j = 0; j < NX; j++)
        Jw[0 * NP + j] = xs[j], Jw[1 * NP + 3 + j] = xs[j];
    Jw[2 * NP + 0] = x[0];
    Jw[3 * NP + 7] = x[1];
    near(J, Jw, NOUT * NP, kind, "jac_p");
    memcpy(o, J, sizeof J), o += NOUT * NP;
    return (int)(o - out);
}

int main(void)
{
    expr_prog *P = build();
    if (!P)
        return 1;
    expr_work *W = expr_work_new(P);
    enum { NOUTS = 2 * NX + 3 * NP + NOUT * NP };
    double interp[NOUTS], comp[NOUTS];
    expr_prog_select_kernels(P, 0);
    const int n = products(P, W, "interpreted", interp);
    CHECK(n == NOUTS, "products wrote %d values, not %d", n, NOUTS);
    char err[256];
    const int rc = expr_prog_compile_kernels(P, err, sizeof err);
    CHECK(rc >= 0, "compiling kernels: %s", err);
    if (rc == 0 && expr_prog_select_kernels(P, 1)) {
        products(P, W, "compiled", comp);
        for (int i = 0; i < NOUTS; i++)
            CHECK(comp[i] == interp[i], "compiled and interpreted differ at %d: %.17g, %.17g", i,
                  comp[i], interp[i]);
    } else {
        printf("no compiler: the compiled kind is not checked\n");
    }
    expr_work_free(W);
    expr_prog_free(P);
    return check_finish("core/test_expr_direct");
}
