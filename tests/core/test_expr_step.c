/* test_expr_step — the unit step node H(a) (expr_step), on which the PEtab importer builds
 * comparisons, logic and piecewise definitions.
 *
 * Values: H(a) = 1 for a > 0, 0 for a < 0, and the chosen value at a = 0, for scalars and
 * vectors.  Derivatives: a piecewise function s·f + (1 − s)·g with s = H(x0 − p0) must have,
 * in every sweep (tangent, adjoint, tangent-over-tangent, tangent-over-adjoint), exactly the
 * derivatives of the branch taken — compared with a graph of that branch alone, bit for bit,
 * since s is exactly 0 or 1. */
#include "expr.h"
#include "check.h"

#define NX 2
#define NP 2

/* branch: 0 → f = x1² p1, 1 → g = sin(x1 p1) + x0, 2 → the piecewise H(x0 − p0) f + (1 − H) g */
static expr_prog *build(int which)
{
    expr_graph *g = expr_graph_new(NX, NP, 0, 0);
    expr x0 = expr_state(g, 0), x1 = expr_state(g, 1), p0 = expr_param(g, 0),
         p1 = expr_param(g, 1);
    expr f = expr_mul(g, expr_mul(g, x1, x1), p1);
    expr gg = expr_add(g, expr_sin(g, expr_mul(g, x1, p1)), x0);
    expr out = which == 0 ? f : which == 1 ? gg : EXPR_NONE;
    if (which == 2) {
        expr s = expr_step(g, expr_sub(g, x0, p0), 0);
        out = expr_add(g, expr_mul(g, s, f),
                       expr_mul(g, expr_sub(g, expr_num(g, 1.0), s), gg));
    }
    expr_prog *P = expr_compile(g, out);
    expr_graph_free(g);
    return P;
}

int main(void)
{
    /* values, scalar and vector, at 0 both ways */
    expr_graph *g = expr_graph_new(0, 0, 0, 0);
    const double v[5] = {-2.0, -1e-300, 0.0, 1e-300, 3.0};
    expr a = expr_nums(g, 5, v);
    expr both = expr_concat(g, 2, (expr[]){expr_step(g, a, 0), expr_step(g, a, 1)});
    expr_prog *P = expr_compile(g, both);
    expr_graph_free(g);
    CHECK(P != NULL, "the step graph compiles");
    if (P) {
        expr_work *W = expr_work_new(P);
        const expr_args args = {0.0, NULL, NULL, NULL, NULL, 0};
        double y[10];
        expr_eval(P, W, &args, y);
        const double want[10] = {0, 0, 0, 1, 1, 0, 0, 1, 1, 1};
        for (int i = 0; i < 10; i++)
            CHECK(y[i] == want[i], "H value %d: %g, want %g", i, y[i], want[i]);
        expr_work_free(W);
        expr_prog_free(P);
    }

    /* derivatives: the piecewise equals its branch on each side */
    expr_prog *branch[2] = {build(0), build(1)}, *pw = build(2);
    expr_work *Wb[2] = {expr_work_new(branch[0]), expr_work_new(branch[1])};
    expr_work *Wp = expr_work_new(pw);
    const double p[NP] = {0.5, 1.3};
    const double dx1[NX] = {0.3, -0.7}, dp1[NP] = {0.2, 0.9}, dx2[NX] = {-1.1, 0.4},
                 dp2[NP] = {0.6, -0.5}, w[1] = {1.7}, dw[1] = {-0.3};
    for (int side = 0; side < 2; side++) {
        const double x[NX] = {side ? 0.1 : 0.9, 0.8};   /* x0 > p0: f;  x0 < p0: g */
        const int b = side;
        const expr_args args = {0.0, x, p, NULL, NULL, 0};
        double yb, yp, db, dp_, gxb[NX], gpb[NP], gxp[NX], gpp[NP];
        expr_jvp(branch[b], Wb[b], &args, dx1, dp1, &yb, &db);
        expr_jvp(pw, Wp, &args, dx1, dp1, &yp, &dp_);
        CHECK(yb == yp && db == dp_, "side %d: value/tangent %g %g vs %g %g", side, yb, db, yp,
              dp_);
        expr_vjp(branch[b], Wb[b], &args, w, NULL, gxb, gpb);
        expr_vjp(pw, Wp, &args, w, NULL, gxp, gpp);
        for (int i = 0; i < NX; i++)
            CHECK(gxb[i] == gxp[i], "side %d: adjoint x%d", side, i);
        for (int i = 0; i < NP; i++)
            CHECK(gpb[i] == gpp[i], "side %d: adjoint p%d", side, i);
        double hb, hp;
        expr_hvv(branch[b], Wb[b], &args, dx1, dp1, dx2, dp2, NULL, NULL, NULL, &hb);
        expr_hvv(pw, Wp, &args, dx1, dp1, dx2, dp2, NULL, NULL, NULL, &hp);
        CHECK(hb == hp, "side %d: second order %g vs %g", side, hb, hp);
        double gx2b[NX], gp2b[NP], gx2p[NX], gp2p[NP];
        expr_vjp_jvp(branch[b], Wb[b], &args, w, dw, dx1, dp1, NULL, NULL, gx2b, gp2b);
        expr_vjp_jvp(pw, Wp, &args, w, dw, dx1, dp1, NULL, NULL, gx2p, gp2p);
        for (int i = 0; i < NX; i++)
            CHECK(gx2b[i] == gx2p[i], "side %d: over-adjoint x%d", side, i);
        for (int i = 0; i < NP; i++)
            CHECK(gp2b[i] == gp2p[i], "side %d: over-adjoint p%d", side, i);
    }
    for (int b = 0; b < 2; b++) {
        expr_work_free(Wb[b]);
        expr_prog_free(branch[b]);
    }
    expr_work_free(Wp);
    expr_prog_free(pw);
    return check_finish("core/test_expr_step");
}
