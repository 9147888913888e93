/* adjoint — the CVODES checkpointed adjoint against the closed-form free-fall gradient (100
 * observations, one at t0), Hermite and polynomial interpolation, θ with and without the
 * initial state; evaluation accounting (forward, recomputed, backward). */
#include "cvtest.h"
#include "registry.h"

static void check(const char *name, const char *interp, const char *nd)
{
    model *m = check_model_create(name);
    double theta[4], L, ref[4];
    model_nominal(m, theta);
    m->exact(m, theta, &L, ref, NULL);
    char o1[64], o2[64];
    snprintf(o1, sizeof o1, "interp=%s", interp);
    snprintf(o2, sizeof o2, "nd=%s", nd);
    const char *kv[] = {o1, o2, NULL};
    method_result r;
    method_status st = cvtest_run("adjoint", m, theta, 1e-10, 1e-10, NULL, kv, &r);
    CHECK(st == METHOD_OK, "%s %s: %s", name, interp, r.error);
    if (st == METHOD_OK) {
        double e = cvtest_relerr(r.gradient, ref, m->np);
        printf("%-11s %-10s nd %-4s error %.2e  loss err %.1e  steps %ld/%ld  ckpt %ld  "
               "fwd rhs %ld (recomputed %.0f)  bwd rhs-vjp %ld jac %ld  bytes %zu\n",
               name, interp, nd, e, fabs(r.loss - L) / L, r.steps_fwd, r.steps_bwd,
               r.checkpoints, r.fwd.rhs, check_extra(&r, "rhs_recomputed"), r.bwd.vjp,
               r.bwd.jac, r.peak_bytes);
        CHECK(e <= 1e-7, "%s %s: gradient relative error %.3e > 1e-7", name, interp, e);
        CHECK(fabs(r.loss - L) <= 1e-7 * L, "%s: loss %.15g vs %.15g", name, r.loss, L);
        CHECK(r.checkpoints == r.steps_fwd / atol(nd), "%ld checkpoints for %ld steps, "
              "nd %s", r.checkpoints, r.steps_fwd, nd);
        CHECK(r.bwd.vjp > r.steps_bwd && r.bwd.jac > 0 && r.bwd.rhs == 0,
              "backward counts vjp %ld jac %ld rhs %ld", r.bwd.vjp, r.bwd.jac, r.bwd.rhs);
        CHECK(check_extra(&r, "rhs_recomputed") > 0, "no recomputation counted");
        CHECK(r.fwd.vjp == 0 && r.fwd.jvp == 0, "forward pass made products");
    }
    method_result_free(&r);
    model_destroy(m);
}

/* checkpoint bytes scale as steps/nd: the count is exactly steps/nd, the bytes per checkpoint
 * do not depend on nd, and fewer checkpoints hold fewer bytes */
static void memory_scaling(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    const char *nds[] = {"nd=5", "nd=10", "nd=20", "nd=40"};
    double previous = INFINITY, lo = INFINITY, hi = 0.0;
    for (int i = 0; i < 4; i++) {
        const char *kv[] = {nds[i], NULL};
        method_result r;
        if (cvtest_run("adjoint", m, theta, 1e-10, 1e-10, NULL, kv, &r) != METHOD_OK) {
            CHECK(0, "%s", r.error);
            continue;
        }
        const double bytes = check_extra(&r, "checkpoint_bytes");
        const double per = bytes / (double)(r.checkpoints + 1);
        printf("freefall adjoint %-6s steps %ld checkpoints %ld checkpoint bytes %.0f (%.0f each) "
               "interpolation bytes %.0f peak %zu\n", nds[i], r.steps_fwd, r.checkpoints, bytes,
               per, check_extra(&r, "interp_bytes"), r.peak_bytes);
        CHECK(r.checkpoints == r.steps_fwd / atol(nds[i] + 3), "checkpoints %ld",
              r.checkpoints);
        CHECK(bytes < previous, "checkpoint bytes did not fall with nd");
        CHECK(r.peak_bytes > bytes + check_extra(&r, "interp_bytes"),
              "peak bytes do not include the checkpoints");
        previous = bytes;
        lo = fmin(lo, per);
        hi = fmax(hi, per);
        method_result_free(&r);
    }
    CHECK(hi <= 1.6 * lo, "bytes per checkpoint vary from %.0f to %.0f", lo, hi);
    model_destroy(m);
}

/* a memory cap too small for the checkpoints stops the forward pass with a clear error */
static void memory_cap(void)
{
    model *m = check_model_create("freefall");
    double theta[2];
    model_nominal(m, theta);
    method_options o = check_options(1e-10, 1e-10);
    const char *nd2[] = {"nd=2", NULL};
    method_result r;
    check_run("adjoint", m, theta, &o, nd2, &r);   /* uncapped: what it needs */
    const size_t need = r.peak_bytes;
    method_result_free(&r);
    o.mem_cap = need / 2;
    method_status st = check_run("adjoint", m, theta, &o, nd2, &r);
    printf("cap %zu of %zu bytes: %s\n", o.mem_cap, need, r.error);
    CHECK(st == METHOD_EMEMORY, "status %d under a cap of half the need", (int)st);
    CHECK(strstr(r.error, "memory cap") != NULL, "message: %s", r.error);
    method_result_free(&r);
    o.mem_cap = 2 * need;   /* the charge is an upper bound, but not a loose one */
    st = check_run("adjoint", m, theta, &o, nd2, &r);
    CHECK(st == METHOD_OK, "a cap of twice the need refused: %s", r.error);
    method_result_free(&r);
    model_destroy(m);
}

/* the backward pass has its own tolerances, and its quadrature error control can be off */
static void backward_options(void)
{
    model *m = check_model_create("freefall");
    double theta[2], ref[2];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, ref, NULL);
    method_options o = check_options(1e-10, 1e-10);
    method_result tight, loose, noerrcon;
    check_run("adjoint", m, theta, &o, NULL, &tight);
    o.rtol_b = o.atol_b = 1e-5;
    check_run("adjoint", m, theta, &o, NULL, &loose);
    o.rtol_b = o.atol_b = 0;
    const char *no_errcon[] = {"quad_errcon=off", NULL};
    check_run("adjoint", m, theta, &o, no_errcon, &noerrcon);
    const double et = cvtest_relerr(tight.gradient, ref, 2);
    const double el = cvtest_relerr(loose.gradient, ref, 2);
    const double eq = cvtest_relerr(noerrcon.gradient, ref, 2);
    printf("backward rtol 1e-10: error %.2e, %ld steps; rtol_b 1e-5: error %.2e, %ld steps; "
           "quadrature not error-controlled: error %.2e, %ld steps\n", et, tight.steps_bwd, el,
           loose.steps_bwd, eq, noerrcon.steps_bwd);
    CHECK(loose.steps_fwd == tight.steps_fwd, "the forward pass changed");
    CHECK(loose.steps_bwd < tight.steps_bwd / 2 && el > 10 * et && el < 1e-3,
          "rtol_b not honoured: %ld vs %ld steps, error %.2e vs %.2e", loose.steps_bwd,
          tight.steps_bwd, el, et);
    CHECK(noerrcon.steps_bwd != tight.steps_bwd && eq < 1e-5,
          "quad_errcon=off: %ld steps, error %.2e", noerrcon.steps_bwd, eq);
    method_result_free(&tight);
    method_result_free(&loose);
    method_result_free(&noerrcon);
    model_destroy(m);
}

int main(void)
{
    memory_scaling();
    backward_options();
    memory_cap();
    check("freefall", "hermite", "100");
    check("freefall", "polynomial", "100");
    check("freefall", "hermite", "20");
    check("freefall-x0", "hermite", "100");
    check("freefall-x0", "polynomial", "7");
    return check_finish("methods/test_adjoint");
}
