/* test_model_products — every derivative the model layer hands to a backend, for every model
 * of docs/models.md, against differences of the model's own values (Richardson-extrapolated
 * central differences, error O(h⁴)):
 *   f_x dx + f_θ u            (model_rhs_jvp)      vs differences of model_rhs along (dx, u)
 *   f_xᵀ w, f_θᵀ w            (model_rhs_vjp)      vs the transpose identity wᵀ(J v) = (Jᵀw)ᵀv
 *   dense f_x, f_θ            (model_rhs_jac*)     vs the JVP
 *   f''[(dx1,u1),(dx2,u2)]    (model_rhs_hvv)      vs differences of the JVP
 *   d(f_xᵀw, f_θᵀw)           (model_rhs_vjp_jvp)  vs differences of the VJP
 *   x0_θ, x0_θᵀ, x0_θθ        (model_x0_*)         vs differences of x0 (for rafmekerk: of the
 *                                                   steady state found anew at each θ)
 *   ℓ_x, ℓ_θ and ℓ'' products (model_loss_term_*)  vs differences of ℓ and of its gradient
 * in θ-space (log10 chain rule included), at the nominal θ, in every condition. */
#include "modeltest.h"
#include "neural.h"
#include "registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *model_name, const char *what, int cond, const double *got,
                  const double *want, int n, double tol)
{
    const double d = check_rel_diff_vec(got, want, n);
    if (getenv("ODEGRAD_TEST_VERBOSE"))
        printf("  %s (condition %d) %s: relative difference %.3g\n", model_name, cond, what, d);
    CHECK(d <= tol, "%s (condition %d) %s: relative difference %.3g > %.1g", model_name, cond,
          what, d, tol);
}

static double *vec(int n)
{
    return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

/* Evaluations at a shifted point (x + s dx, θ + s u) for the differences. */
typedef enum { EV_RHS, EV_JVP, EV_VJP, EV_X0, EV_X0_JVP, EV_X0_VJP, EV_LOSS, EV_LOSS_GRAD } ev_kind;

typedef struct {
    const model *m;
    int cond, obs;
    double t;
    const double *theta, *x, *dx, *u;     /* the point and the direction */
    const double *dx1, *u1, *w;           /* fixed arguments of the differentiated product */
} ev_point;

/* Writes the evaluated vector (length returned) at shift s. */
static int evaluate(const ev_point *P, ev_kind kind, double s, double *out)
{
    const model *m = P->m;
    const int nx = m->nx, np = m->np;
    double *th = vec(np), *x = vec(nx);
    for (int j = 0; j < np; j++)
        th[j] = P->theta[j] + s * (P->u ? P->u[j] : 0.0);
    for (int i = 0; i < nx; i++)
        x[i] = P->x[i] + s * (P->dx ? P->dx[i] : 0.0);
    char err[256];
    model_ctx *ctx = model_ctx_new(m, th, err, sizeof err);
    int n = 0;
    CHECK(ctx != NULL, "%s: %s", m->name, err);
    if (!ctx) {
        free(th);
        free(x);
        return 0;
    }
    model_ctx_condition(ctx, P->cond);
    switch (kind) {
    case EV_RHS:
        model_rhs(ctx, P->t, x, out);
        n = nx;
        break;
    case EV_JVP:
        model_rhs_jvp(ctx, P->t, x, P->dx1, P->u1, out);
        n = nx;
        break;
    case EV_VJP:
        model_rhs_vjp(ctx, P->t, x, P->w, out, out + nx);
        n = nx + np;
        break;
    case EV_X0:
        model_x0(ctx, out);
        n = nx;
        break;
    case EV_X0_JVP:
        model_x0_jvp(ctx, P->u1, out);
        n = nx;
        break;
    case EV_X0_VJP:
        model_x0_vjp(ctx, P->w, out);
        n = np;
        break;
    case EV_LOSS:
        out[0] = model_loss_term(ctx, P->obs, x);
        n = 1;
        break;
    case EV_LOSS_GRAD:
        model_loss_term_grad(ctx, P->obs, x, out, out + nx);
        n = nx + np;
        break;
    }
    model_ctx_free(ctx);
    free(th);
    free(x);
    return n;
}

/* Richardson-extrapolated central difference d/ds at s = 0 along the point's direction. */
static void difference(const ev_point *P, ev_kind kind, double h, double *d, int len)
{
    double *a = vec(len), *b = vec(len), *c = vec(len), *e = vec(len);
    evaluate(P, kind, h, a);
    evaluate(P, kind, -h, b);
    evaluate(P, kind, h / 2, c);
    evaluate(P, kind, -h / 2, e);
    for (int i = 0; i < len; i++) {
        const double d1 = (a[i] - b[i]) / (2 * h), d2 = (c[i] - e[i]) / h;
        d[i] = (4 * d2 - d1) / 3;
    }
    free(a);
    free(b);
    free(c);
    free(e);
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

typedef struct {
    const char *name;
    double t;          /* where f is evaluated */
    double h;          /* difference step along the (unit-scale) directions */
    double tol;
} product_case;

static void fill(neural_rng *rng, double *v, int n, const double *scale)
{
    for (int i = 0; i < n; i++)
        v[i] = (2.0 * neural_rng_uniform(rng) - 1.0) * (scale ? scale[i] : 1.0);
}

static void run_case(const product_case *pc)
{
    char err[256];
    model *m = check_model_create(pc->name);
    const int nx = m->nx, np = m->np, ny = m->ny;
    double *theta = vec(np), *x = vec(nx), *xs = vec(nx);
    double *dx1 = vec(nx), *dx2 = vec(nx), *u1 = vec(np), *u2 = vec(np);
    double *w = vec(nx), *dw = vec(nx);
    double *got = vec(nx + np), *want = vec(nx + np), *gx = vec(nx), *gth = vec(np);
    double *J = vec(nx * nx), *Jth = vec(nx * np), *tmp = vec(nx + np);
    model_nominal(m, theta);
    neural_rng rng = {12345};
    for (int k = 0; k < m->ncond; k++) {
        model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
        CHECK(ctx != NULL, "%s: %s", pc->name, err);
        if (!ctx)
            break;
        model_ctx_condition(ctx, k);
        /* a state near the initial one, directions scaled like the state */
        model_x0(ctx, x);
        double size = 0.0;
        for (int i = 0; i < nx; i++)
            size = fmax(size, fabs(x[i]));
        if (size == 0.0)
            size = 1.0;
        for (int i = 0; i < nx; i++) {
            xs[i] = fmax(fabs(x[i]), 1e-3 * size);
            x[i] += 0.3 * xs[i] * neural_rng_uniform(&rng);
        }
        fill(&rng, dx1, nx, xs);
        fill(&rng, dx2, nx, xs);
        fill(&rng, u1, np, NULL);
        fill(&rng, u2, np, NULL);
        fill(&rng, w, nx, NULL);
        fill(&rng, dw, nx, NULL);
        ev_point P = {m, k, 0, pc->t, theta, x, dx1, u1, NULL, NULL, NULL};

        /* f_x dx + f_θ u */
        model_rhs_jvp(ctx, pc->t, x, dx1, u1, got);
        difference(&P, EV_RHS, pc->h, want, nx);
        check(pc->name, "rhs jvp", k, got, want, nx, pc->tol);
        /* transpose identity and dense Jacobians */
        model_rhs_vjp(ctx, pc->t, x, w, gx, gth);
        const double lhs = dot(w, got, nx), rhs = dot(gx, dx1, nx) + dot(gth, u1, np);
        check(pc->name, "rhs vjp (w'Jv = (J'w)'v)", k, &lhs, &rhs, 1, 1e-12);
        model_rhs_jac(ctx, pc->t, x, J);
        model_rhs_jac_theta(ctx, pc->t, x, Jth);
        for (int i = 0; i < nx; i++)
            tmp[i] = dot(J + (size_t)i * nx, dx1, nx) + dot(Jth + (size_t)i * np, u1, np);
        check(pc->name, "rhs jac and jac_theta", k, tmp, got, nx, 1e-12);
        /* second directional derivative: differences of the JVP along (dx2, u2) */
        model_rhs_hvv(ctx, pc->t, x, dx1, u1, dx2, u2, NULL, got);
        ev_point Q = {m, k, 0, pc->t, theta, x, dx2, u2, dx1, u1, NULL};
        difference(&Q, EV_JVP, pc->h, want, nx);
        check(pc->name, "rhs hvv", k, got, want, nx, pc->tol);
        /* derivative of the VJP along (dw; dx2, u2): vjp is linear in w, so the dw part is
         * the VJP with dw itself */
        model_rhs_vjp_jvp(ctx, pc->t, x, w, dw, dx2, u2, NULL, NULL, got, got + nx);
        ev_point R = {m, k, 0, pc->t, theta, x, dx2, u2, NULL, NULL, w};
        difference(&R, EV_VJP, pc->h, want, nx + np);
        model_rhs_vjp(ctx, pc->t, x, dw, tmp, tmp + nx);
        for (int i = 0; i < nx + np; i++)
            want[i] += tmp[i];
        check(pc->name, "rhs vjp_jvp", k, got, want, nx + np, pc->tol);

        /* initial state */
        ev_point S = {m, k, 0, m->t0, theta, x, NULL, u1, NULL, u2, w};
        model_x0_jvp(ctx, u1, got);
        difference(&S, EV_X0, pc->h, want, nx);
        check(pc->name, "x0 jvp", k, got, want, nx, pc->tol);
        model_x0_vjp(ctx, w, gth);
        const double l0 = dot(w, got, nx), r0 = dot(gth, u1, np);
        check(pc->name, "x0 vjp (transpose identity)", k, &l0, &r0, 1, 1e-12);
        model_x0_hvv(ctx, u2, u1, got);   /* differentiate x0_θ u2 along u1 */
        difference(&S, EV_X0_JVP, pc->h, want, nx);
        check(pc->name, "x0 hvv", k, got, want, nx, pc->tol);
        model_x0_vjp_jvp(ctx, w, u1, got);
        difference(&S, EV_X0_VJP, pc->h, want, np);
        check(pc->name, "x0 vjp_jvp", k, got, want, np, pc->tol);

        /* loss term at an observation with data */
        int obs = -1;
        for (int i = 0; i < m->cond[k].ntimes && obs < 0; i++)
            for (int j = 0; j < ny; j++)
                if (!isnan(m->cond[k].values[(size_t)i * ny + j]))
                    obs = i;
        if (obs >= 0) {
            ev_point T = {m, k, obs, 0.0, theta, x, dx1, u1, NULL, NULL, NULL};
            model_loss_term_grad(ctx, obs, x, gx, gth);
            const double lg = dot(gx, dx1, nx) + dot(gth, u1, np);
            difference(&T, EV_LOSS, pc->h, want, 1);
            check(pc->name, "loss term gradient", k, &lg, want, 1, pc->tol);
            model_loss_term_hvp(ctx, obs, x, dx1, u1, got, got + nx);
            difference(&T, EV_LOSS_GRAD, pc->h, want, nx + np);
            check(pc->name, "loss term hvp", k, got, want, nx + np, pc->tol);
        }
        model_ctx_free(ctx);
    }
    printf("%-16s nx %5d np %6d: products checked in %d condition(s)\n", pc->name, nx, np,
           m->ncond);
    free(theta);
    free(x);
    free(xs);
    free(dx1);
    free(dx2);
    free(u1);
    free(u2);
    free(w);
    free(dw);
    free(got);
    free(want);
    free(gx);
    free(gth);
    free(J);
    free(Jth);
    free(tmp);
    model_destroy(m);
}

int main(void)
{
    const product_case cases[] = {
        {"jakstat", 7.3, 1e-3, 1e-8},         /* inside the input spline */
        {"rafmekerk", 0.3, 1e-3, 1e-8},
        {"neural-freefall", 1.0, 1e-3, 1e-8},
        {"mlp-5-7-2", 0.5, 1e-3, 1e-8},
        {"mlp-32-256", 0.5, 1e-3, 1e-8},
        {"brusselator-2", 0.5, 1e-3, 1e-8},
        {"brusselator-4", 0.5, 1e-3, 1e-8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        run_case(&cases[i]);
    return check_finish("model products");
}
