/* adjoint_accuracy — the mechanism behind the CVODES adjoint's gradient error on freefall at
 * equal tolerance (docs/adjoint-accuracy.md, README "adjoint"), held to its measured numbers.
 *
 * freefall (100 observations), rtol 1e-8, atol 1e-10, closed form as reference; errors are
 * ‖g − ref‖/‖ref‖, the study's grad_rel_err (the worst entry alone is kinder to the adjoint:
 * 7.1e-8 against forward's 9.4e-9 in 3. below).  The issue's
 * target — the adjoint within 10× of `forward`'s error — is not met, and these checks say why,
 * each a deterministic count or an error that moves only when the mechanism does:
 *  1. the gap: the adjoint's error is more than 100× forward's (measured 1.37e-6 against
 *     4.3e-9, 320×);
 *  2. its backward pass: every observation restarts the backward BDF at order 1, so it takes
 *     over 20 backward steps per forward step (1 985 against 87); a backward tolerance of
 *     1e-12 removes most of the error (7.1e-8: the quadrature's local errors over those steps),
 *     while the backward atol does not matter (λ is O(10²–10³): rtol·|λ| dominates any atol;
 *     atol_b 1e-6 and 1e-14 within 5 % of each other);
 *  3. its forward pass: it error-controls the state alone — the same steps as
 *     `forward --opt errcon=off` (87, against forward's 118) — and that alone costs forward
 *     sensitivities a factor of 9 (4.0e-8), so even the near-exact backward pass of 2. stays
 *     over 10× forward's error: at equal rtol the 10× target is out of reach for this design. */
#include "cvtest.h"
#include "registry.h"

/* ‖g − ref‖₂ / ‖ref‖₂ */
static double norm_relerr(const double *g, const double *ref, int n)
{
    double d = 0.0, r = 0.0;
    for (int i = 0; i < n; i++) {
        d += (g[i] - ref[i]) * (g[i] - ref[i]);
        r += ref[i] * ref[i];
    }
    return sqrt(d / r);
}

static double run(const char *backend, const model *m, const double *theta, double rtol_b,
                  double atol_b, const char *opt, const double *ref, method_result *r)
{
    method_options o = check_options(1e-8, 1e-10);
    o.rtol_b = rtol_b;
    o.atol_b = atol_b;
    const char *kv[] = {opt, NULL};
    const method_status st = check_run(backend, m, theta, &o, opt ? kv : NULL, r);
    CHECK(st == METHOD_OK, "%s %s: %s", backend, opt ? opt : "", r->error);
    return st == METHOD_OK ? norm_relerr(r->gradient, ref, m->np) : NAN;
}

int main(void)
{
    model *m = check_model_create("freefall");
    double theta[2], ref[2];
    model_nominal(m, theta);
    m->exact(m, theta, NULL, ref, NULL);
    method_result fw, fw_state, adj, adj_tight, adj_atol_hi, adj_atol_lo;
    const double e_fw = run("forward", m, theta, 0, 0, NULL, ref, &fw);
    const double e_state = run("forward", m, theta, 0, 0, "errcon=off", ref, &fw_state);
    const double e_adj = run("adjoint", m, theta, 0, 0, NULL, ref, &adj);
    const double e_tight = run("adjoint", m, theta, 1e-12, 0, NULL, ref, &adj_tight);
    const double e_hi = run("adjoint", m, theta, 0, 1e-6, NULL, ref, &adj_atol_hi);
    const double e_lo = run("adjoint", m, theta, 0, 1e-14, NULL, ref, &adj_atol_lo);
    printf("freefall rtol 1e-8: forward %.2e (%ld steps), forward errcon=off %.2e (%ld); "
           "adjoint %.2e (%ld forward / %ld backward steps), rtol_b 1e-12 %.2e (%ld backward), "
           "atol_b 1e-6 %.2e, 1e-14 %.2e\n",
           e_fw, fw.steps_fwd, e_state, fw_state.steps_fwd, e_adj, adj.steps_fwd, adj.steps_bwd,
           e_tight, adj_tight.steps_bwd, e_hi, e_lo);
    /* 1. the gap */
    CHECK(e_adj > 100 * e_fw, "adjoint %.3e is not over 100x forward's %.3e", e_adj, e_fw);
    /* 2. the backward pass */
    CHECK(adj.steps_bwd > 20 * adj.steps_fwd, "%ld backward steps for %ld forward",
          adj.steps_bwd, adj.steps_fwd);
    CHECK(e_tight < e_adj / 10, "rtol_b 1e-12: %.3e, not a tenth of %.3e", e_tight, e_adj);
    CHECK(fabs(e_hi - e_lo) <= 0.05 * e_lo, "atol_b matters: %.3e vs %.3e", e_hi, e_lo);
    /* 3. the forward pass */
    CHECK(adj.steps_fwd == fw_state.steps_fwd && fw_state.steps_fwd < fw.steps_fwd,
          "forward steps: adjoint %ld, forward errcon=off %ld, forward %ld", adj.steps_fwd,
          fw_state.steps_fwd, fw.steps_fwd);
    CHECK(e_state > 5 * e_fw, "errcon=off %.3e vs forward %.3e", e_state, e_fw);
    CHECK(e_tight > 10 * e_fw, "a near-exact backward pass reaches %.3e, within 10x of %.3e",
          e_tight, e_fw);
    method_result_free(&fw);
    method_result_free(&fw_state);
    method_result_free(&adj);
    method_result_free(&adj_tight);
    method_result_free(&adj_atol_hi);
    method_result_free(&adj_atol_lo);
    model_destroy(m);
    return check_finish("methods/test_adjoint_accuracy");
}
