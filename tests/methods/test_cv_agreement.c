/* CVODES backends agree where no closed form exists: forward sensitivities (simultaneous and
 * staggered) and the checkpointed adjoint on jakstat (σ parameters: loss terms that depend on
 * θ directly; a spline input) and rafmekerk (three conditions summed; a steady-state initial
 * state, so the x0_θᵀλ(t0) term is not zero). */
#include "cvtest.h"
#include "registry.h"

static void agree(const char *name, double rtol, double atol, double tol)
{
    model *m = check_model_create(name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    const char *sim[] = {"mode=simultaneous", NULL};
    const char *stg[] = {"mode=staggered", NULL};
    method_result fs, fg, adj;
    method_status a = cvtest_run("forward", m, theta, rtol, atol, NULL, sim, &fs);
    method_status b = cvtest_run("forward", m, theta, rtol, atol, NULL, stg, &fg);
    method_status c = cvtest_run("adjoint", m, theta, rtol, atol, NULL, NULL, &adj);
    CHECK(a == METHOD_OK && b == METHOD_OK && c == METHOD_OK, "%s: %s | %s | %s", name,
          fs.error, fg.error, adj.error);
    if (a == METHOD_OK && b == METHOD_OK && c == METHOD_OK) {
        const double e_stg = cvtest_relerr(fg.gradient, fs.gradient, m->np);
        const double e_adj = cvtest_relerr(adj.gradient, fs.gradient, m->np);
        printf("%-10s rtol %.0e: staggered vs simultaneous %.2e, adjoint vs forward %.2e "
               "(worst entry), losses %.12g / %.12g\n", name, rtol, e_stg, e_adj, fs.loss,
               adj.loss);
        CHECK(e_stg <= tol && e_adj <= tol, "%s: disagreement %.2e / %.2e > %.0e", name,
              e_stg, e_adj, tol);
        CHECK(fabs(fs.loss - adj.loss) <= 1e3 * rtol * fabs(fs.loss), "%s: losses differ",
              name);
    }
    method_result_free(&fs);
    method_result_free(&fg);
    method_result_free(&adj);
    free(theta);
    model_destroy(m);
}

int main(void)
{
    agree("jakstat", 1e-11, 1e-13, 1e-6);
    agree("rafmekerk", 1e-11, 1e-13, 1e-6);
    return check_finish("methods/test_cv_agreement");
}
