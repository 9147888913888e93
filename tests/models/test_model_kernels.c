/* test_model_kernels — every product the model layer hands to a backend, for every model,
 * through compiled kernels and through the interpreter: the two must agree to 1e-14 relative
 * on every product (the generated C does the interpreter's arithmetic in its order).
 *
 * Products: f, f_x dx + f_θ u, f_xᵀ w and f_θᵀ w, dense f_x and f_θ, the sparse f_x by colours,
 * f''[v1, v2], d(f_xᵀ w) along (dw; dx, u), the initial state and its four products, the loss
 * term with its gradient and second-order product, the observables and their tangent, σ and
 * its tangent, the running cost with its gradient and second-order product — at the nominal
 * θ and a state off x0, in every condition.  (The differences and identities these products
 * must satisfy are test_model_products, run once with each kind.) */
#include "modeltest.h"
#include "neural.h"
#include "sparsejac.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double *vec(int n)
{
    return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

static void fill(neural_rng *rng, double *v, int n, double scale)
{
    for (int i = 0; i < n; i++)
        v[i] = (2.0 * neural_rng_uniform(rng) - 1.0) * scale;
}

/* Every product of model m in condition k into out (grown as needed); returns the count. */
static long products(model *m, int k, double **out, long *cap)
{
    const int nx = m->nx, np = m->np, ny = m->ny;
    const long need = 16L * (nx + np) + 2L * nx * (nx + np) + 8L * ny + 64;
    if (need > *cap) {
        *out = realloc(*out, sizeof(double) * (size_t)need);
        *cap = need;
    }
    double *o = *out, *theta = vec(np), *x = vec(nx), *dx = vec(nx), *dx2 = vec(nx);
    double *u = vec(np), *u2 = vec(np), *w = vec(nx), *dw = vec(nx);
    neural_rng rng = {4242};
    model_nominal(m, theta);
    fill(&rng, dx, nx, 1.0);
    fill(&rng, dx2, nx, 1.0);
    fill(&rng, u, np, 1.0);
    fill(&rng, u2, np, 1.0);
    fill(&rng, w, nx, 1.0);
    fill(&rng, dw, nx, 1.0);
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    CHECK(ctx != NULL, "%s: %s", m->name, err);
    long n = 0;
    if (ctx) {
        model_ctx_condition(ctx, k);
        const double t = m->t0 + 0.37 * (m->tf - m->t0);
        model_x0(ctx, o + n), n += nx;
        for (int i = 0; i < nx; i++)
            x[i] = o[i] * (1.0 + 0.1 * neural_rng_uniform(&rng)) + 1e-3 * neural_rng_uniform(&rng);
        model_x0_jvp(ctx, u, o + n), n += nx;
        model_x0_vjp(ctx, w, o + n), n += np;
        model_x0_hvv(ctx, u, u2, o + n), n += nx;
        model_x0_vjp_jvp(ctx, w, u, o + n), n += np;
        model_rhs(ctx, t, x, o + n), n += nx;
        model_rhs_jvp(ctx, t, x, dx, u, o + n), n += nx;
        model_rhs_jvp(ctx, t, x, dx, NULL, o + n), n += nx;
        model_rhs_vjp(ctx, t, x, w, o + n, o + n + nx), n += nx + np;
        model_rhs_jac(ctx, t, x, o + n), n += (long)nx * nx;
        model_rhs_jac_theta(ctx, t, x, o + n), n += (long)nx * np;
        model_rhs_hvv(ctx, t, x, dx, u, dx2, u2, NULL, o + n), n += nx;
        model_rhs_vjp_jvp(ctx, t, x, w, dw, dx2, u2, NULL, NULL, o + n, o + n + nx);
        n += nx + np;
        sj_pattern p;
        sj_jacobian J;
        if (sj_pattern_of_model(m, 1.0, &p) == 0 && sj_jacobian_init(&J, &p) == 0) {
            CHECK(sj_jacobian_eval(&J, ctx, t, x) == 0, "%s: sparse Jacobian", m->name);
            for (long e = 0; e < J.pattern.nnz && e < (long)nx * nx; e++)
                o[n++] = J.values[e];
            sj_jacobian_free(&J);
        }
        model_observables(ctx, t, x, o + n), n += ny;
        model_observables_jvp(ctx, t, x, dx, u, o + n), n += ny;
        if (model_sigma(ctx, t, x, o + n) == 0) {
            n += ny;
            model_sigma_jvp(ctx, t, x, u, o + n), n += ny;
        }
        if (model_nobs(ctx) > 0) {
            o[n] = model_loss_term_grad(ctx, 0, x, o + n + 1, o + n + 1 + nx), n += 1 + nx + np;
            model_loss_term_hvp(ctx, 0, x, dx, u, o + n, o + n + nx), n += nx + np;
        }
        if (model_has_running_cost(ctx)) {
            o[n] = model_running_grad(ctx, t, x, o + n + 1, o + n + 1 + nx), n += 1 + nx + np;
            model_running_hvp(ctx, t, x, dx, u, o + n, o + n + nx), n += nx + np;
        }
        model_ctx_free(ctx);
    }
    free(theta);
    free(x);
    free(dx);
    free(dx2);
    free(u);
    free(u2);
    free(w);
    free(dw);
    return n;
}

static void compare(const char *name)
{
    model *m = check_model_create(name);
    double *a = NULL, *b = NULL;
    long cap_a = 0, cap_b = 0, worst_i = -1;
    double worst = 0.0;
    for (int k = 0; k < m->ncond; k++) {
        const int compiled = model_select_kernels(m, 1);
        CHECK(compiled > 0, "%s: no program has compiled kernels", name);
        const long na = products(m, k, &a, &cap_a);
        model_select_kernels(m, 0);
        const long nb = products(m, k, &b, &cap_b);
        CHECK(na == nb && na > 0, "%s: %ld vs %ld products", name, na, nb);
        for (long i = 0; i < na && i < nb; i++) {
            const double d = check_rel_diff(a[i], b[i]);
            if (d > worst || isnan(d))
                worst = d, worst_i = i;
            CHECK(d <= 1e-14 && isfinite(a[i]), "%s (condition %d) product %ld: compiled %.17g, "
                  "interpreted %.17g", name, k, i, a[i], b[i]);
        }
        printf("%-18s condition %d: %6ld products, largest relative difference %.3g (at %ld)\n",
               name, k, na, worst, worst_i);
    }
    free(a);
    free(b);
    model_destroy(m);
}

int main(void)
{
    setenv("ODEGRAD_KERNELS", "compiled", 1);
    const char *const names[] = {"freefall", "freefall-x0", "oscillator", "jakstat", "rafmekerk",
                                 "neural-freefall", "mlp-5-7-2", "mlp-32-256", "brusselator-2",
                                 "brusselator-4", "robertson", "robertson-asa",
                                 "sundials-hessian"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        compare(names[i]);
    return check_finish("models/test_model_kernels");
}
