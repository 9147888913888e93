/* test_petab_rafmekerk — the importer against hand-written C: tests/petab/rafmekerk is the
 * built-in rafmekerk (models/rafmekerk.c) written as SBML + PEtab for this test — the same
 * three equations (as six reactions, RasGTP(t) an assignment rule on the time symbol, the
 * inhibitions a function definition), the same steady-state start (pre-equilibration under
 * the control condition, found by Newton from a plain guess instead of the closed form),
 * the same data (one measurement row per non-missing cell of models/data's table) and the
 * same Gaussian noise with one σ per column.  θ is ordered as the built-in model's.
 *
 * The loss and the gradient (forward sensitivities) at the built-in model's nominal θ and at
 * a second point, and the Hessian (second-order adjoint) at the nominal θ, of
 * the two models must agree to 1e-8 relative at tight tolerance. */
#include "check.h"

#define RAF_PETAB "petab:" ODEGRAD_SOURCE_DIR "/tests/petab/rafmekerk"

int main(void)
{
    model *c = check_model_create("rafmekerk");
    model *p = check_model_create(RAF_PETAB);
    CHECK(p->np == c->np && p->nx == c->nx && p->ncond == c->ncond && p->ny == c->ny,
          "sizes: np %d/%d nx %d/%d ncond %d/%d ny %d/%d", p->np, c->np, p->nx, c->nx, p->ncond,
          c->ncond, p->ny, c->ny);
    CHECK(model_count_data(p) == model_count_data(c), "data points %d vs %d",
          model_count_data(p), model_count_data(c));
    CHECK(!p->initial && p->steady_guess, "the imported model starts from a steady state");
    for (int i = 0; i < c->np && i < p->np; i++)
        CHECK(strcmp(c->params[i].name, p->params[i].name) == 0 &&
                  p->params[i].scale == SCALE_LOG10,
              "parameter %d: %s vs %s", i, c->params[i].name, p->params[i].name);
    const int np = c->np;
    double theta[2][64];
    model_nominal(c, theta[0]);
    for (int i = 0; i < np; i++)
        theta[1][i] = theta[0][i] + 0.05 * sin(1.0 + i);   /* a second, arbitrary point */
    const method_options o = check_options(1e-12, 1e-14);
    for (int q = 0; q < 2; q++) {
        method_result rc, rp;
        method_options oh = o;
        oh.want = WANT_HESSIAN;
        const char *const backend[2] = {"forward", "soadjoint"};
        for (int h = 0; h < (q == 0 ? 2 : 1); h++) {   /* the Hessian at the nominal θ */
            const method_status sc = check_run(backend[h], c, theta[q], h ? &oh : &o, NULL, &rc);
            const method_status sp = check_run(backend[h], p, theta[q], h ? &oh : &o, NULL, &rp);
            CHECK(sc == METHOD_OK && sp == METHOD_OK, "%s: %s / %s", backend[h], rc.error,
                  rp.error);
            if (sc == METHOD_OK && sp == METHOD_OK) {
                CHECK(check_rel_diff(rc.loss, rp.loss) < 1e-8, "point %d %s: loss %.15g vs "
                      "%.15g", q, backend[h], rc.loss, rp.loss);
                if (!h)
                    CHECK(check_rel_diff_vec(rc.gradient, rp.gradient, np) < 1e-8,
                          "point %d: gradients differ by %.3g", q,
                          check_rel_diff_vec(rc.gradient, rp.gradient, np));
                else
                    CHECK(check_rel_diff_vec(rc.hessian, rp.hessian, np * np) < 1e-8,
                          "point %d: Hessians differ by %.3g", q,
                          check_rel_diff_vec(rc.hessian, rp.hessian, np * np));
            }
            method_result_free(&rc);
            method_result_free(&rp);
        }
    }
    model_destroy(c);
    model_destroy(p);
    return check_finish("petab/test_petab_rafmekerk");
}
