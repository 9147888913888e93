/* test_opt_backend — a model's loss as an optimiser's objective is the same function through
 * every callback: the least-squares form ½‖f‖² + offset equals the loss (the σ-residuals
 * s_i = √(2 ln σ_i + C) make the Gaussian negative log-likelihood a sum of squares), its
 * gradient Jᵀf equals the adjoint gradient, the Hessian callback's gradient equals it
 * too and its Hessian equals soforward's — on jakstat (Gaussian, σ parameters) and freefall (sum of squares), at tight
 * tolerances. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "opt_backend.h"
#include "registry.h"

static double rel_diff(const double *a, const double *b, int n)
{
    double num = 0.0, den = 0.0;
    for (int i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return sqrt(num / (den > 0 ? den : 1.0));
}

static void check_model(const char *name, double rtol)
{
    char err[512] = "";
    model *m = model_create(name, err, sizeof err);
    CHECK(m != NULL, "%s", err);
    if (!m)
        return;
    const int np = m->np;
    double *theta = malloc(sizeof(double) * np), *g = malloc(sizeof(double) * np);
    double *gh = malloc(sizeof(double) * np), *gres = calloc((size_t)np, sizeof(double));
    double *H = malloc(sizeof(double) * np * np);
    model_nominal(m, theta);
    method_options o;
    method_options_init(&o);
    o.rtol = rtol;
    o.atol = 1e-14;
    optb_objective ob;
    opt_problem P;
    CHECK(optb_open(&ob, m, &o, method_find("adjoint"), method_find("soadjoint"), 1, err,
                    sizeof err) == 0, "%s: %s", name, err);
    optb_problem(&ob, &P);
    const int nres = P.nres;
    double *f = malloc(sizeof(double) * nres), *J = malloc(sizeof(double) * nres * np);
    double L = NAN, Lg = NAN, Lh = NAN;
    CHECK(P.loss(P.user, theta, &L, err, sizeof err) == 0, "%s loss: %s", name, err);
    CHECK(P.gradient(P.user, theta, &Lg, g, err, sizeof err) == 0, "%s gradient: %s", name, err);
    CHECK(P.hessian(P.user, theta, &Lh, gh, H, err, sizeof err) == 0, "%s Hessian: %s", name, err);
    CHECK(P.residuals(P.user, theta, f, J, err, sizeof err) == 0, "%s residuals: %s", name, err);
    double half = 0.0;
    for (int k = 0; k < nres; k++) {
        half += 0.5 * f[k] * f[k];
        for (int j = 0; j < np; j++)
            gres[j] += J[k * np + j] * f[k];
    }
    const double Lres = half + P.residual_offset;
    CHECK(fabs(Lres - L) <= 1e-7 * (1 + fabs(L)), "%s: 1/2|f|^2 + offset = %.15g, loss = %.15g",
          name, Lres, L);
    CHECK(fabs(Lg - L) <= 1e-7 * (1 + fabs(L)) && fabs(Lh - L) <= 1e-7 * (1 + fabs(L)),
          "%s: losses of the gradient (%.15g) and Hessian (%.15g) backends vs %.15g", name, Lg,
          Lh, L);
    CHECK(rel_diff(gres, g, np) <= 1e-6, "%s: J^T f vs adjoint gradient: %.3e", name,
          rel_diff(gres, g, np));
    CHECK(rel_diff(gh, g, np) <= 1e-6, "%s: soadjoint's gradient vs adjoint's: %.3e", name,
          rel_diff(gh, g, np));
    /* the Hessian callback's matrix against an independent one: soforward, same tolerances */
    method_options so = o;
    so.want = WANT_HESSIAN;
    method_result hr;
    CHECK(check_run("soforward", m, theta, &so, NULL, &hr) == METHOD_OK, "%s soforward: %s", name,
          hr.error);
    if (hr.hessian) {
        const double dh = check_rel_diff_vec(H, hr.hessian, np * np);
        printf("%-9s Hessian callback vs soforward: %.2e\n", name, dh);
        /* achieved: freefall 8.3e-9, jakstat 3.9e-10 */
        CHECK(dh <= 8e-8, "%s: the Hessian callback differs from soforward by %.3e", name, dh);
    }
    method_result_free(&hr);
    CHECK(ob.fwd.rhs > 0 && ob.bwd.vjp + ob.bwd.second > 0, "%s: evaluations not counted", name);
    for (int i = 0; i < np; i++)
        CHECK(P.lower[i] == m->params[i].lower && P.upper[i] == m->params[i].upper,
              "%s: bounds of parameter %d", name, i);
    free(f);
    free(J);
    optb_close(&ob);
    free(theta);
    free(g);
    free(gh);
    free(gres);
    free(H);
    model_destroy(m);
}

int main(void)
{
    check_model("freefall", 1e-10);
    check_model("jakstat", 1e-10);
    /* a running cost has no least-squares form: refused */
    char err[512] = "";
    model *m = model_create("robertson-asa", err, sizeof err);
    if (m) {
        method_options o;
        method_options_init(&o);
        optb_objective ob;
        CHECK(optb_open(&ob, m, &o, NULL, NULL, 1, err, sizeof err) != 0 &&
              strstr(err, "running cost"), "robertson-asa residuals must be refused: %s", err);
        model_destroy(m);
    }
    return check_finish("test_opt_backend");
}
