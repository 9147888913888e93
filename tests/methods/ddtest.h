/* ddtest — helpers for the tests of the direct-differentiation backends (tape, checkpoint):
 *
 *  - ddt_vdp_model(): a nonlinear test model that exercises every path of those backends —
 *    forced Van der Pol dynamics (non-autonomous), log10 and linear parameters, an initial
 *    state that depends on θ, a running cost that depends on θ, two conditions, a Gaussian
 *    likelihood with σ a parameter, a missing datum, and observations at t0 and at tf;
 *  - ddt_run(): one backend run with the options these tests vary (tests/check.h runs it);
 *  - ddt_tangent(): the forward-mode directional derivative dL·u of the SAME discrete
 *    computation, built independently of the tape: the same integrator, on the same step
 *    grid, applied to the tangent-linear system z = (y, ẏ),
 *        z' = ( f̃(t, y),  f̃_y ẏ + f̃_θ u ),   z(t0) = (y0, y0_θ u),
 *    whose Jacobian is [J̃ 0; H J̃] with H = ∂/∂y (f̃_y ẏ + f̃_θ u) (from the model's
 *    second-order products).  A Runge–Kutta or Rosenbrock step of the tangent system is
 *    exactly the derivative of the step of the original one (the schemes are linear in
 *    their stages; Rosenbrock's dependence of J on y enters through H), so
 *        dL·u = Σ_i [ℓ_x(x_i)·ẋ_i + ℓ_θ·u] + q̇(tf)   summed over the conditions,
 *    uses only JVPs (model_rhs_jvp, model_x0_jvp) — none of the tape's code. */
#ifndef ODEGRAD_TESTS_DDTEST_H
#define ODEGRAD_TESTS_DDTEST_H

#include "check.h"
#include "odeint.h"

/* ---- the nonlinear test model ------------------------------------------------------- */
enum { DDT_MU, DDT_A, DDT_SIGMA, DDT_W };

static expr ddt_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr x1 = expr_state(g, 0), x2 = expr_state(g, 1);
    expr mu = expr_param(g, DDT_MU);
    /* x2' = μ(1 − x1²)x2 − x1 + c·sin(t) */
    expr damp = expr_mul(g, mu, expr_mul(g, expr_shift(g, expr_neg(g, expr_mul(g, x1, x1)), 1.0),
                                          x2));
    expr force = expr_mul(g, expr_constant(g, 0), expr_sin(g, expr_time(g)));
    expr dx2 = expr_add(g, expr_sub(g, damp, x1), force);
    expr parts[2] = {x2, dx2};
    return expr_concat(g, 2, parts);
}

static expr ddt_initial(expr_graph *g, const model *m)
{
    (void)m;
    expr parts[2] = {expr_param(g, DDT_A), expr_num(g, 0.5)};
    return expr_concat(g, 2, parts);
}

static expr ddt_observables(expr_graph *g, const model *m)
{
    (void)m;
    expr x1 = expr_state(g, 0), x2 = expr_state(g, 1);
    expr parts[2] = {x1, expr_mul(g, x1, x2)};
    return expr_concat(g, 2, parts);
}

static expr ddt_sigma(expr_graph *g, const model *m)
{
    (void)m;
    expr s = expr_param(g, DDT_SIGMA);
    expr parts[2] = {s, expr_scale(g, s, 2.0)};
    return expr_concat(g, 2, parts);
}

static expr ddt_running(expr_graph *g, const model *m)
{
    (void)m;
    expr x2 = expr_state(g, 1);
    return expr_mul(g, expr_param(g, DDT_W), expr_mul(g, x2, x2));
}

static inline model *ddt_vdp_model(void)
{
    model *m = calloc(1, sizeof *m);
    char err[256];
    if (!m || model_alloc(m, 2, 4, 1, 2) != 0)
        exit(1);
    strcpy(m->name, "ddtest-vdp");
    m->summary = "forced Van der Pol test model";
    strcpy(m->state_names[0], "x1");
    strcpy(m->state_names[1], "x2");
    strcpy(m->obs_names[0], "x1");
    strcpy(m->obs_names[1], "x1x2");
    strcpy(m->constant_names[0], "forcing");
    model_set_param(m, DDT_MU, "mu", SCALE_LOG10, log10(1.5), -3, 3);
    model_set_param(m, DDT_A, "a", SCALE_LIN, 1.2, -10, 10);
    model_set_param(m, DDT_SIGMA, "sigma", SCALE_LOG10, log10(0.3), -3, 3);
    model_set_param(m, DDT_W, "w", SCALE_LIN, 0.05, -1, 1);
    m->t0 = 0.0;
    m->tf = 4.0;
    m->loss = LOSS_GAUSSIAN_NLL;
    m->sse_weight = 1.0;
    m->rtol = 1e-8;
    m->atol = 1e-10;
    m->rhs = ddt_rhs;
    m->initial = ddt_initial;
    m->observables = ddt_observables;
    m->sigma = ddt_sigma;
    m->running_cost = ddt_running;
    m->ncond = 2;
    m->cond = calloc(2, sizeof *m->cond);
    const double times0[6] = {0.0, 0.35, 1.0, 1.7, 2.5, 4.0};
    const double times1[4] = {0.5, 1.25, 3.0, 3.3};
    if (!m->cond || model_condition_alloc(m, 0, 6) != 0 || model_condition_alloc(m, 1, 4) != 0)
        exit(1);
    strcpy(m->cond[0].name, "free");
    strcpy(m->cond[1].name, "forced");
    m->cond[0].constants[0] = 0.0;
    m->cond[1].constants[0] = 0.4;
    for (int i = 0; i < 6; i++) {
        m->cond[0].times[i] = times0[i];
        m->cond[0].values[2 * i] = cos(times0[i]);
        m->cond[0].values[2 * i + 1] = i == 3 ? NAN : -0.3 * sin(times0[i]);
    }
    for (int i = 0; i < 4; i++) {
        m->cond[1].times[i] = times1[i];
        m->cond[1].values[2 * i] = 0.8 * cos(times1[i]);
        m->cond[1].values[2 * i + 1] = 0.1 * i;
    }
    if (model_finish(m, err, sizeof err) != 0) {
        fprintf(stderr, "ddtest model: %s\n", err);
        exit(1);
    }
    return m;
}

static inline void ddt_free_model(model *m)
{
    model_release(m);
    free(m);
}

/* ---- running a backend --------------------------------------------------------------- */
/* `backend` at rtol (atol = rtol/100; rtol ≤ 0: the model's tolerances) with `solver`, a
 * memory cap (0: none) and the "key=value" options kv (NULL-terminated, may be NULL) */
static inline method_status ddt_run(const char *backend, const model *m, const double *theta,
                                    double rtol, const char *solver, size_t mem_cap,
                                    const char *const *kv, method_result *r)
{
    method_options o = check_options(rtol, rtol > 0 ? rtol * 1e-2 : 0.0);
    o.solver = solver;
    o.mem_cap = mem_cap;
    return check_run(backend, m, theta, &o, kv, r);
}

/* ---- the tangent-linear computation --------------------------------------------------- */
typedef struct {
    model_ctx *ctx;
    int nx, n, np;     /* n = nx (+1 with a running cost) */
    int running;
    const double *u;   /* θ direction */
    double *J, *col, *e, *gx, *gth;
} ddt_tangent_sys;

static int ddt_tan_rhs(double t, const double *z, double *f, void *p)
{
    ddt_tangent_sys *T = p;
    const int nx = T->nx, n = T->n;
    model_rhs(T->ctx, t, z, f);
    model_rhs_jvp(T->ctx, t, z, z + n, T->u, f + n);
    if (T->running) {
        f[nx] = model_running_grad(T->ctx, t, z, T->gx, T->gth);
        double d = 0.0;
        for (int i = 0; i < nx; i++)
            d += T->gx[i] * z[n + i];
        for (int k = 0; k < T->np; k++)
            d += T->gth[k] * T->u[k];
        f[n + nx] = d;
    }
    return 0;
}

/* [J̃ 0; H J̃], 2n × 2n */
static int ddt_tan_jac(double t, const double *z, double *J, void *p)
{
    ddt_tangent_sys *T = p;
    const int nx = T->nx, n = T->n, N = 2 * n;
    memset(J, 0, sizeof(double) * (size_t)N * N);
    model_rhs_jac(T->ctx, t, z, T->J);
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < nx; j++)
            J[i * N + j] = J[(n + i) * N + n + j] = T->J[i * nx + j];
    if (T->running) {
        model_running_grad(T->ctx, t, z, T->gx, NULL);
        for (int j = 0; j < nx; j++)
            J[nx * N + j] = J[(n + nx) * N + n + j] = T->gx[j];
    }
    /* H column j: f''[e_j, (ẋ, u)] (and the running cost's g_xx ẋ + g_xθ u row) */
    for (int j = 0; j < nx; j++) {
        memset(T->e, 0, sizeof(double) * (size_t)nx);
        T->e[j] = 1.0;
        model_rhs_hvv(T->ctx, t, z, T->e, NULL, z + n, T->u, NULL, T->col);
        for (int i = 0; i < nx; i++)
            J[(n + i) * N + j] = T->col[i];
    }
    if (T->running) {
        model_running_hvp(T->ctx, t, z, z + n, T->u, T->gx, T->gth);
        for (int j = 0; j < nx; j++)
            J[(n + nx) * N + j] = T->gx[j];
    }
    return 0;
}

typedef struct {
    double *times;
    long len, cap;
} ddt_grid;

static int ddt_keep(const odeint_step *s, void *p)
{
    ddt_grid *G = p;
    if (G->len + 2 > G->cap) {
        G->cap = G->cap ? 2 * G->cap : 256;
        G->times = realloc(G->times, sizeof(double) * (size_t)G->cap);
    }
    if (G->len == 0)
        G->times[G->len++] = s->t;
    G->times[G->len++] = s->t_next;
    return 0;
}

/* dL·u through the discrete computation that the tape backend performs with `solver` at
 * tolerances (rtol, atol = rtol/100) or `steps` fixed steps. */
static inline double ddt_tangent(const model *m, const double *theta, const double *u,
                                 const char *solver, double rtol, long steps)
{
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    ddt_tangent_sys T = {.ctx = ctx, .nx = m->nx, .np = m->np, .u = u};
    T.running = model_has_running_cost(ctx);
    T.n = m->nx + T.running;
    const int n = T.n;
    T.J = malloc(sizeof(double) * (size_t)(m->nx * m->nx));
    T.col = malloc(sizeof(double) * (size_t)m->nx);
    T.e = malloc(sizeof(double) * (size_t)m->nx);
    T.gx = malloc(sizeof(double) * (size_t)(m->nx + 1));
    T.gth = malloc(sizeof(double) * (size_t)(m->np + 1));
    double *lx = malloc(sizeof(double) * (size_t)m->nx);
    double *lth = malloc(sizeof(double) * (size_t)m->np);
    double dL = 0.0;
    for (int k = 0; k < m->ncond; k++) {
        model_ctx_condition(ctx, k);
        const int nout = model_nobs(ctx);
        const double *tout = model_obs_times(ctx);
        /* the grid of the original computation: the backend's adaptive solve repeated */
        odesys sys;
        odesys_model_data data;
        odesys_model(&sys, &data, ctx, 1);
        odeint *I = odeint_new(solver, &sys);
        double *z = calloc((size_t)(2 * n), sizeof(double));
        double *zout = calloc((size_t)(2 * n * (nout + 1)), sizeof(double));
        step_grid g;
        double *times = NULL;
        ddt_grid G = {0};
        model_x0(ctx, z);
        if (steps > 0) {
            odeint_fixed_grid(I, m->t0, m->tf, steps, nout, tout, &g, &times);
        } else {
            step_control c;
            step_control_default(&c, rtol, rtol * 1e-2);
            c.max_steps = 1000000;
            odeint_problem P = {.t0 = m->t0, .tf = m->tf, .nout = nout, .tout = tout,
                                .observer = ddt_keep, .observer_ctx = &G};
            odeint_stats st;
            if (odeint_adaptive(I, &P, &c, z, &st, err, sizeof err) != 0)
                fprintf(stderr, "tangent: %s\n", err);
            g.t0 = m->t0;
            g.tf = m->tf;
            g.steps = G.len - 1;
            g.times = G.times;
        }
        odeint_free(I);
        odesys_model_release(&data);
        /* the tangent system along that grid */
        memset(z, 0, sizeof(double) * (size_t)(2 * n));
        model_x0(ctx, z);
        model_x0_jvp(ctx, u, z + n);
        odesys tsys = {.n = 2 * n, .np = m->np, .ctx = &T, .rhs = ddt_tan_rhs,
                       .jac = ddt_tan_jac};
        I = odeint_new(solver, &tsys);
        odeint_problem P = {.t0 = m->t0, .tf = m->tf, .nout = nout, .tout = tout,
                            .xout = zout};
        odeint_stats st;
        if (odeint_grid(I, &P, &g, 0, g.steps, z, &st, err, sizeof err) != 0)
            fprintf(stderr, "tangent: %s\n", err);
        for (int i = 0; i < nout; i++) {
            model_loss_term_grad(ctx, i, zout + (size_t)i * 2 * n, lx, lth);
            for (int j = 0; j < m->nx; j++)
                dL += lx[j] * zout[(size_t)i * 2 * n + n + j];
            for (int j = 0; j < m->np; j++)
                dL += lth[j] * u[j];
        }
        if (T.running)
            dL += z[n + m->nx];
        odeint_free(I);
        free(times);
        free(G.times);
        free(z);
        free(zout);
    }
    free(T.J);
    free(T.col);
    free(T.e);
    free(T.gx);
    free(T.gth);
    free(lx);
    free(lth);
    model_ctx_free(ctx);
    return dL;
}

#endif
