/* test_fit_freefall — every optimiser of `odegrad fit` recovers the free-fall model's
 * generating parameters (g, μ) = (9.8, 0.5) from 10 seeded Latin-hypercube starts within the
 * model's bounds, to ≤ 1e-6 relative: the data are exact positions, so the minimiser is exact.
 *   - newton-tr with the closed-form Hessian of the model's oracle (model->exact), which
 *     checks the optimiser independently of any backend;
 *   - newton-tr with the second-order adjoint (soadjoint);
 *   - gauss-newton on the residuals' forward sensitivities;
 *   - bfgs with adjoint gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "lhs.h"
#include "opt.h"
#include "opt_backend.h"
#include "registry.h"
#include "exact_objective.h"

#define NSTARTS 10
#define SEED 2024
#define TRUE_G 9.8
#define TRUE_MU 0.5

static void check_fit(const char *what, int start, const opt_result *r)
{
    if (!r->theta)
        return;
    const double eg = fabs(r->theta[0] - TRUE_G) / TRUE_G, emu = fabs(r->theta[1] - TRUE_MU) / TRUE_MU;
    CHECK(eg <= 1e-6 && emu <= 1e-6, "%s, start %d: (g, mu) = (%.12g, %.12g), relative errors "
          "%.2e %.2e (exit: %s)", what, start, r->theta[0], r->theta[1], eg, emu, r->message);
}

int main(void)
{
    char err[512] = "";
    model *m = model_create("freefall", err, sizeof err);
    CHECK(m != NULL, "%s", err);
    if (!m)
        return check_finish("test_fit_freefall");
    double lower[2], upper[2], starts[NSTARTS * 2];
    for (int i = 0; i < 2; i++) {
        lower[i] = m->params[i].lower;
        upper[i] = m->params[i].upper;
    }
    CHECK(lhs_sample(NSTARTS, 2, lower, upper, SEED, starts, err, sizeof err) == 0, "%s", err);
    opt_settings s;
    opt_settings_init(&s);

    const opt_problem oracle = {2, lower, upper, m, exact_loss, exact_gradient, exact_hessian,
                                NULL, 0, 0.0, NULL};
    method_options o;
    method_options_init(&o);
    const struct {
        const char *label, *optimizer, *gradient, *hessian;
        int least_squares;
    } runs[] = {
        {"newton-tr/soadjoint", "newton-tr", "adjoint", "soadjoint", 0},
        {"gauss-newton", "gauss-newton", NULL, NULL, 1},
        {"bfgs/adjoint", "bfgs", "adjoint", NULL, 0},
    };
    for (int k = 0; k < NSTARTS; k++) {
        opt_result r;
        CHECK(opt_run(opt_find("newton-tr"), &oracle, starts + 2 * k, &s, &r, err, sizeof err) == 0,
              "%s", err);
        check_fit("newton-tr/closed form", k, &r);
        opt_result_free(&r);
        for (size_t j = 0; j < sizeof runs / sizeof runs[0]; j++) {
            const method_type *hess = runs[j].hessian ? method_find(runs[j].hessian) : NULL;
            CHECK(!runs[j].hessian || hess, "backend %s is not registered", runs[j].hessian);
            if (runs[j].hessian && !hess)
                continue;
            optb_objective ob;
            opt_problem P;
            if (optb_open(&ob, m, &o, runs[j].gradient ? method_find(runs[j].gradient) : NULL, hess,
                          runs[j].least_squares, err, sizeof err) != 0) {
                CHECK(0, "%s: %s", runs[j].label, err);
                continue;
            }
            optb_problem(&ob, &P);
            CHECK(opt_run(opt_find(runs[j].optimizer), &P, starts + 2 * k, &s, &r, err, sizeof err) == 0,
                  "%s: %s", runs[j].label, err);
            check_fit(runs[j].label, k, &r);
            CHECK(ob.fwd.rhs > 0, "%s: no right-hand side evaluations counted", runs[j].label);
            opt_result_free(&r);
            optb_close(&ob);
        }
    }
    model_destroy(m);
    return check_finish("test_fit_freefall");
}
