/* test_expr — automatic derivatives of randomly generated expressions.
 *
 * Each seed builds a random graph that uses every operation (scalar and vector, broadcast,
 * gather, concat, sum, matvec, a time input) and checks, at a random point:
 *   - the tangent (J·v) against central differences of the value;
 *   - the transpose identity  wᵀ(J v) = (Jᵀw)ᵀv  to 1e-12 relative;
 *   - dense Jacobians against tangents (exactly);
 *   - many directions at one point (expr_point, expr_jvp_direction, expr_hvv_first/second)
 *     equal to expr_jvp and expr_hvv bit for bit, and a direction after the point or the
 *     first direction has ended aborts (no stale product);
 *   - tangent-over-tangent F''[v1,v2] against differences of tangents;
 *   - tangent-over-adjoint against differences of adjoints, and the exact identity
 *     wᵀF''[v1,v2] = v1·∂(Jᵀw)/∂v2;
 * then the same through the model layer with a mix of linear and log10 parameters, where
 * the derivatives are in θ and the chain rule (first and second order) is the library's. */
#include "expr.h"
#include "model.h"
#include "check.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define NX 4
#define NP 5
#define NC 1
#define VLEN 3
#define NOUT 6

static void check(int ok, const char *what, int seed, double got, double want)
{
    CHECK(ok, "seed %d: %s: got %.17g, want %.17g", seed, what, got, want);
}

#include "randgraph.h"

/* ---- helpers ----------------------------------------------------------------------------------- */

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double norm_inf(const double *a, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s = fmax(s, fabs(a[i]));
    return s;
}

/* A quantity q(s) (n values) at the point moved by s along a fixed direction. */
typedef void (*along_fn)(void *ctx, double s, double *q);

/* dq/ds at 0 by Richardson-extrapolated central differences: error O(h⁴) + O(eps·|q|/h). */
static void differentiate(along_fn q, void *ctx, int n, double *dq)
{
    const double h = 1e-3;
    double qp[16], qm[16], qp2[16], qm2[16];
    q(ctx, h, qp);
    q(ctx, -h, qm);
    q(ctx, h / 2, qp2);
    q(ctx, -h / 2, qm2);
    for (int i = 0; i < n; i++) {
        const double d1 = (qp[i] - qm[i]) / (2 * h), d2 = (qp2[i] - qm2[i]) / h;
        dq[i] = (4 * d2 - d1) / 3;
    }
}

/* |a_i − b_i| ≤ rel·(‖a‖ + ‖b‖) + abs for every i */
static void check_vec(const double *a, const double *b, int n, double rel, double abs,
                      const char *what, int seed)
{
    const double tol = rel * (norm_inf(a, n) + norm_inf(b, n)) + abs;
    for (int i = 0; i < n; i++)
        check(fabs(a[i] - b[i]) <= tol, what, seed, a[i], b[i]);
}

/* ---- the expression layer (p-space) --------------------------------------------------------------- */

enum { Q_VALUE, Q_TANGENT, Q_ADJOINT };

/* the program at (x + s·mx, p + s·mp): its value, its tangent along (dx, dp), or its adjoint
 * [Jₓᵀw, J_pᵀw] */
typedef struct {
    const expr_prog *P;
    expr_work *W;
    const double *x, *p, *c, *mx, *mp, *dx, *dp, *w;
    int kind;
} graph_point;

static void graph_quantity(void *vctx, double s, double *q)
{
    graph_point *g = vctx;
    double xs[NX], ps[NP];
    for (int i = 0; i < NX; i++) xs[i] = g->x[i] + s * g->mx[i];
    for (int i = 0; i < NP; i++) ps[i] = g->p[i] + s * g->mp[i];
    expr_args a = {0.9, xs, ps, g->c, NULL, 0};
    if (g->kind == Q_VALUE)
        expr_eval(g->P, g->W, &a, q);
    else if (g->kind == Q_TANGENT)
        expr_jvp(g->P, g->W, &a, g->dx, g->dp, NULL, q);
    else
        expr_vjp(g->P, g->W, &a, g->w, NULL, q, q + NX);
}

static void test_graph(int seed)
{
    expr_graph *g = expr_graph_new(NX, NP, NC, 0);
    expr out = random_graph(g, (unsigned long long)seed);
    expr_prog *P = expr_compile(g, out);
    CHECK(P != NULL, "seed %d: compile: %s", seed, expr_error(g));
    if (!P) {
        expr_graph_free(g);
        return;
    }
    expr_graph_free(g);
    check(expr_prog_nout(P) == NOUT, "output length", seed, expr_prog_nout(P), NOUT);
    expr_work *W = expr_work_new(P);
    rng r = {(unsigned long long)seed * 7919 + 1};
    double x[NX], p[NP], c[NC] = {0.4}, dx[NX], dp[NP], dx2[NX], dp2[NP], w[NOUT];
    for (int i = 0; i < NX; i++) x[i] = uniform(&r, -1, 1), dx[i] = uniform(&r, -1, 1), dx2[i] = uniform(&r, -1, 1);
    for (int i = 0; i < NP; i++) p[i] = uniform(&r, -1, 1), dp[i] = uniform(&r, -1, 1), dp2[i] = uniform(&r, -1, 1);
    for (int i = 0; i < NOUT; i++) w[i] = uniform(&r, -1, 1);
    expr_args a = {0.9, x, p, c, NULL, 0};
    graph_point pt = {P, W, x, p, c, dx, dp, dx, dp, w, Q_VALUE};

    /* tangent vs differences of the value along (dx, dp) */
    double y[NOUT], dy[NOUT], fd[NX + NP];
    expr_jvp(P, W, &a, dx, dp, y, dy);
    differentiate(graph_quantity, &pt, NOUT, fd);
    check_vec(dy, fd, NOUT, 1e-8, 1e-9 * norm_inf(y, NOUT), "tangent vs differences", seed);

    /* transpose identity */
    double gx[NX], gp[NP];
    expr_vjp(P, W, &a, w, NULL, gx, gp);
    const double lhs = dot(w, dy, NOUT), rhs = dot(gx, dx, NX) + dot(gp, dp, NP);
    check(fabs(lhs - rhs) <= 1e-12 * (fabs(lhs) + fabs(rhs)), "w.(J v) = (J^T w).v", seed, lhs, rhs);

    /* Jacobians against tangents along unit vectors */
    double Jx[NOUT * NX], Jp[NOUT * NP], e[NP > NX ? NP : NX], col[NOUT];
    expr_jac_x(P, W, &a, Jx);
    expr_jac_p(P, W, &a, Jp);
    for (int j = 0; j < NX; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        expr_jvp(P, W, &a, e, NULL, NULL, dy);
        for (int i = 0; i < NOUT; i++)
            col[i] = Jx[i * NX + j];
        check_vec(col, dy, NOUT, 1e-15, 0.0, "jac_x column", seed);
    }
    for (int j = 0; j < NP; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        expr_jvp(P, W, &a, NULL, e, NULL, dy);
        for (int i = 0; i < NOUT; i++)
            col[i] = Jp[i * NP + j];
        check_vec(col, dy, NOUT, 1e-14, 0.0, "jac_p column", seed);
    }

    /* many directions at one point: the same numbers as expr_jvp, bit for bit */
    double y1[NOUT], dy1[NOUT], dy2[NOUT];
    expr_jvp(P, W, &a, dx, dp, y, dy);
    expr_jvp(P, W, &a, NULL, dp2, NULL, dy2);
    expr_point(P, W, &a, y1);
    check(memcmp(y, y1, sizeof y) == 0, "value at the point", seed, y1[0], y[0]);
    if (seed == 1) {   /* another sweep on W ends the point: a direction then aborts */
        fflush(NULL);
        const pid_t child = fork();
        if (child == 0) {
            freopen("/dev/null", "w", stderr);
            expr_eval(P, W, &a, y1);
            expr_jvp_direction(P, W, dx, dp, dy1);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
              "a direction after expr_eval: wait status %d, expected an abort", status);
    }
    for (int rep = 0; rep < 2; rep++) {   /* each direction twice, in another order */
        expr_jvp_direction(P, W, NULL, dp2, dy1);
        check(memcmp(dy1, dy2, sizeof dy) == 0, "direction (0, dp2) at the point", seed, dy1[0],
              dy2[0]);
        expr_jvp_direction(P, W, dx, dp, dy1);
        check(memcmp(dy1, dy, sizeof dy) == 0, "direction (dx, dp) at the point", seed, dy1[0],
              dy[0]);
    }

    /* pairs of directions at the same point: expr_hvv's numbers, every seed given */
    double h1[NOUT], h2[NOUT], hp[NOUT];
    expr_hvv(P, W, &a, dx, dp, dx2, dp2, dx2, NULL, NULL, h1);
    expr_hvv(P, W, &a, dx, dp, dx, dp2, dx2, dp, NULL, h2);
    expr_point(P, W, &a, NULL);
    expr_hvv_first(P, W, dx, dp);
    for (int rep = 0; rep < 2; rep++) {
        expr_hvv_second(P, W, dx2, dp2, dx2, NULL, hp);
        check(memcmp(hp, h1, sizeof hp) == 0, "second along (dx2, dp2) at the point", seed,
              hp[0], h1[0]);
        expr_hvv_second(P, W, dx, dp2, dx2, dp, hp);
        check(memcmp(hp, h2, sizeof hp) == 0, "second along (dx, dp2) at the point", seed,
              hp[0], h2[0]);
    }
    if (seed == 1) {   /* a J.v direction replaces the first direction's tangent */
        fflush(NULL);
        const pid_t child = fork();
        if (child == 0) {
            freopen("/dev/null", "w", stderr);
            expr_jvp_direction(P, W, dx, dp, dy1);
            expr_hvv_second(P, W, dx2, dp2, dx2, NULL, hp);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
              "a second direction after a J.v direction: wait status %d, expected an abort",
              status);
    }

    /* tangent-over-tangent vs differences of the tangent along (dx2, dp2) */
    double d12[NOUT], t0[NOUT];
    expr_hvv(P, W, &a, dx, dp, dx2, dp2, NULL, NULL, NULL, d12);
    pt.mx = dx2, pt.mp = dp2, pt.kind = Q_TANGENT;
    expr_jvp(P, W, &a, dx, dp, NULL, t0);
    differentiate(graph_quantity, &pt, NOUT, fd);
    check_vec(d12, fd, NOUT, 1e-8, 1e-9 * norm_inf(t0, NOUT), "second tangent vs differences", seed);

    /* tangent-over-adjoint vs differences of the adjoint along (dx2, dp2) */
    double dg[NX + NP], g0[NX + NP];
    expr_vjp_jvp(P, W, &a, w, NULL, dx2, dp2, NULL, NULL, dg, dg + NX);
    pt.kind = Q_ADJOINT;
    memcpy(g0, gx, sizeof gx);
    memcpy(g0 + NX, gp, sizeof gp);
    differentiate(graph_quantity, &pt, NX + NP, fd);
    check_vec(dg, fd, NX + NP, 1e-8, 1e-9 * norm_inf(g0, NX + NP), "over-adjoint vs differences", seed);

    /* the exact contraction identity wᵀF''[v1, v2] = v1·d(Jᵀw)[v2] */
    const double c1 = dot(w, d12, NOUT), c2 = dot(dg, dx, NX) + dot(dg + NX, dp, NP);
    check(fabs(c1 - c2) <= 1e-12 * (fabs(c1) + fabs(c2)), "w.F''[v1,v2] = v1.d(J^T w)[v2]", seed, c1, c2);

    /* a weight tangent dw enters linearly: d(Jᵀ(w + ε dw)) adds Jᵀdw */
    double dg2[NX + NP], sum[NX + NP];
    expr_vjp_jvp(P, W, &a, w, w, dx2, dp2, NULL, NULL, dg2, dg2 + NX);
    for (int i = 0; i < NX + NP; i++)
        sum[i] = dg[i] + g0[i];
    check_vec(dg2, sum, NX + NP, 1e-14, 0.0, "weight tangent", seed);
    expr_work_free(W);
    expr_prog_free(P);
}

/* ---- the model layer (θ-space, log10 chain rule) ------------------------------------------------ */

static expr model_random_rhs(expr_graph *g, const model *m)
{
    expr out = random_graph(g, *(const unsigned long long *)m->data);
    const int idx[NX] = {0, 1, 2, 3};
    return expr_gather(g, out, NX, idx);
}

static expr model_initial(expr_graph *g, const model *m)
{
    (void)m;
    return expr_concat(g, 2, (expr[]){expr_params(g, 0, 2), expr_params(g, 2, 2)});
}

static expr model_first_state(expr_graph *g, const model *m)
{
    (void)m;
    return expr_state(g, 0);
}

enum { M_RHS, M_RHS_TANGENT, M_RHS_ADJOINT, M_X0, M_X0_TANGENT };

/* the model at (x + s·mx, θ + s·mu) */
typedef struct {
    const model *m;
    const double *th, *x, *mx, *mu, *dx, *u, *w;
    int kind;
} model_point;

static void model_quantity(void *vctx, double s, double *q)
{
    model_point *mp = vctx;
    double th[NP], x[NX];
    char err[128];
    for (int i = 0; i < NP; i++) th[i] = mp->th[i] + s * mp->mu[i];
    for (int i = 0; i < NX; i++) x[i] = mp->x[i] + s * mp->mx[i];
    model_ctx *ctx = model_ctx_new(mp->m, th, err, sizeof err);
    switch (mp->kind) {
    case M_RHS: model_rhs(ctx, 0.9, x, q); break;
    case M_RHS_TANGENT: model_rhs_jvp(ctx, 0.9, x, mp->dx, mp->u, q); break;
    case M_RHS_ADJOINT: model_rhs_vjp(ctx, 0.9, x, mp->w, q, q + NX); break;
    case M_X0: model_x0(ctx, q); break;
    default: model_x0_jvp(ctx, mp->u, q); break;
    }
    model_ctx_free(ctx);
}

static void test_model(int seed)
{
    unsigned long long s = (unsigned long long)seed;
    model m;
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "random-%d", seed);
    model_alloc(&m, NX, NP, NC, 1);
    for (int i = 0; i < NP; i++)
        model_set_param(&m, i, (const char *[]){"a", "b", "c", "d", "e"}[i],
                        i % 2 ? SCALE_LOG10 : SCALE_LIN, 0.0, -3.0, 3.0);
    model_condition_alloc(&m, 0, 1);
    m.cond[0].times[0] = 1.0;
    m.cond[0].values[0] = 0.5;
    m.cond[0].constants[0] = 0.4;
    m.tf = 1.0;
    m.loss = LOSS_SUM_OF_SQUARES;
    m.rhs = model_random_rhs;
    m.initial = model_initial;
    m.observables = model_first_state;
    m.data = &s;
    char err[256];
    const int finished = model_finish(&m, err, sizeof err) == 0;
    CHECK(finished, "seed %d: model: %s", seed, err);
    if (!finished) {
        m.data = NULL;
        model_release(&m);
        return;
    }
    rng r = {(unsigned long long)seed * 104729 + 3};
    double th[NP], x[NX], dx[NX], u[NP], dx2[NX], u2[NP], w[NX];
    for (int i = 0; i < NP; i++) th[i] = uniform(&r, -0.5, 0.5), u[i] = uniform(&r, -1, 1), u2[i] = uniform(&r, -1, 1);
    for (int i = 0; i < NX; i++) x[i] = uniform(&r, -1, 1), dx[i] = uniform(&r, -1, 1), dx2[i] = uniform(&r, -1, 1), w[i] = uniform(&r, -1, 1);
    const double t = 0.9;
    model_ctx *ctx = model_ctx_new(&m, th, err, sizeof err);
    model_point pt = {&m, th, x, dx2, u2, dx, u, w, M_RHS};
    double f[NX], df[NX], fd[NX + NP], gx[NX], gth[NP];

    /* first order in θ (two of the five parameters log10): tangent vs differences,
     * transpose identity, Jacobian vs tangents */
    model_rhs(ctx, t, x, f);
    model_rhs_jvp(ctx, t, x, dx2, u2, df);
    differentiate(model_quantity, &pt, NX, fd);
    check_vec(df, fd, NX, 1e-8, 1e-9 * norm_inf(f, NX), "theta tangent", seed);
    model_rhs_vjp(ctx, t, x, w, gx, gth);
    const double lhs = dot(w, df, NX), rhs = dot(gx, dx2, NX) + dot(gth, u2, NP);
    check(fabs(lhs - rhs) <= 1e-12 * (fabs(lhs) + fabs(rhs)), "theta transpose identity", seed, lhs, rhs);
    double Jth[NX * NP], col[NX], jcol[NX], e[NP];
    model_rhs_jac_theta(ctx, t, x, Jth);
    for (int j = 0; j < NP; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        model_rhs_jvp(ctx, t, x, NULL, e, col);
        for (int i = 0; i < NX; i++)
            jcol[i] = Jth[i * NP + j];
        check_vec(jcol, col, NX, 1e-14, 0.0, "theta jacobian", seed);
    }

    /* forward sensitivities' products: the point once, then each direction (θ chain rule
     * included) — exactly model_rhs_jvp's numbers, and one counted J·v each */
    eval_counts counts = {0};
    model_ctx_count_into(ctx, &counts);
    double f1[NX];
    model_rhs_at(ctx, t, x, f1);
    check(memcmp(f1, f, sizeof f) == 0, "f at the point", seed, f1[0], f[0]);
    for (int j = 0; j < NP; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        model_rhs_jvp_along(ctx, dx, e, col);
        model_rhs_jvp(ctx, t, x, dx, e, jcol);
        check(memcmp(col, jcol, sizeof col) == 0, "jvp along e_j at the point", seed, col[0],
              jcol[0]);
        model_rhs_at(ctx, t, x, NULL);   /* model_rhs_jvp ended the point */
    }
    check(counts.jvp == 2 * NP && counts.rhs == 1, "J.v counted once a direction, f once", seed,
          (double)counts.jvp, 2.0 * NP);
    /* second-order forward sensitivities' products: model_rhs_hvv's, s'' term included */
    double h[NX], hs[NX];
    model_rhs_at(ctx, t, x, NULL);
    model_rhs_hvv_first(ctx, dx, u);
    for (int j = 0; j < NP; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        model_rhs_hvv_second(ctx, u, dx2, e, dx, hs);
        model_rhs_hvv(ctx, t, x, dx, u, dx2, e, dx, h);
        check(memcmp(hs, h, sizeof h) == 0, "second-order product at the point", seed, hs[0],
              h[0]);
        model_rhs_at(ctx, t, x, NULL);
        model_rhs_hvv_first(ctx, dx, u);
    }
    check(counts.second == 2 * NP, "second-order products counted once each", seed,
          (double)counts.second, 2.0 * NP);
    model_ctx_count_into(ctx, NULL);

    /* second order in θ (the log10 term s''⊙u1⊙u2 included) */
    double d2[NX], t0[NX], dg[NX + NP], g0[NX + NP];
    model_rhs_hvv(ctx, t, x, dx, u, dx2, u2, NULL, d2);
    model_rhs_jvp(ctx, t, x, dx, u, t0);
    pt.kind = M_RHS_TANGENT;
    differentiate(model_quantity, &pt, NX, fd);
    check_vec(d2, fd, NX, 1e-8, 1e-9 * norm_inf(t0, NX), "theta second tangent", seed);
    model_rhs_vjp_jvp(ctx, t, x, w, NULL, dx2, u2, NULL, NULL, dg, dg + NX);
    memcpy(g0, gx, sizeof gx);
    memcpy(g0 + NX, gth, sizeof gth);
    pt.kind = M_RHS_ADJOINT;
    differentiate(model_quantity, &pt, NX + NP, fd);
    check_vec(dg, fd, NX + NP, 1e-8, 1e-9 * norm_inf(g0, NX + NP), "theta over-adjoint", seed);
    const double c1 = dot(w, d2, NX), c2 = dot(dg, dx, NX) + dot(dg + NX, u, NP);
    check(fabs(c1 - c2) <= 1e-12 * (fabs(c1) + fabs(c2)), "theta contraction identity", seed, c1, c2);

    /* the initial state (two of its four parameters log10) */
    double x0[NX], dx0[NX], gx0[NP], h0[NX];
    model_x0(ctx, x0);
    model_x0_jvp(ctx, u2, dx0);
    pt.kind = M_X0;
    differentiate(model_quantity, &pt, NX, fd);
    check_vec(dx0, fd, NX, 1e-8, 1e-9 * norm_inf(x0, NX), "x0 tangent", seed);
    model_x0_vjp(ctx, w, gx0);
    check(fabs(dot(w, dx0, NX) - dot(gx0, u2, NP)) <= 1e-12 * fabs(dot(w, dx0, NX)) + 1e-300,
          "x0 transpose", seed, dot(w, dx0, NX), dot(gx0, u2, NP));
    model_x0_hvv(ctx, u, u2, h0);
    pt.kind = M_X0_TANGENT;
    differentiate(model_quantity, &pt, NX, fd);
    check_vec(h0, fd, NX, 1e-8, 1e-9 * norm_inf(x0, NX), "x0 second order", seed);
    double hw[NP], hwant = 0.0;
    model_x0_vjp_jvp(ctx, w, u2, hw);
    hwant = dot(w, h0, NX);
    check(fabs(dot(hw, u, NP) - hwant) <= 1e-12 * fabs(hwant) + 1e-300, "x0 over-adjoint", seed,
          dot(hw, u, NP), hwant);
    model_ctx_free(ctx);
    m.data = NULL;
    model_release(&m);
}

int main(void)
{
    for (int seed = 1; seed <= 200; seed++)
        test_graph(seed);
    for (int seed = 1; seed <= 100; seed++)
        test_model(seed);
    if (!check_failures)
        printf("expression AD: 200 random graphs and 100 random models agree\n");
    return check_finish("core/test_expr");
}
