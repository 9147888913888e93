/* test_fit_reflective — the two optimisers that keep to the box in θ itself, trust-region
 * reflective (trr) and Ipopt's interior point, recover the free-fall model's generating
 * parameters (g, μ) = (9.8, 0.5) from every one of 10 seeded Latin-hypercube starts within
 * the model's bounds, to ≤ 1e-6 relative (the data are exact positions, so the minimiser is
 * exact and the closed form knows it):
 *   - trr and ipopt on the model's closed-form Hessian (model->exact): the optimisers alone;
 *   - trr and ipopt on the second-order adjoint (soadjoint), trr's hybrid scheme starting
 *     with the Fisher information (fim) and switching to soadjoint, and ipopt-lbfgs on
 *     adjoint gradients: the optimisers with a backend.
 * The hybrid runs must end on the exact Hessian: at least one soadjoint evaluation each. */
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
    const double eg = fabs(r->theta[0] - TRUE_G) / TRUE_G;
    const double emu = fabs(r->theta[1] - TRUE_MU) / TRUE_MU;
    CHECK(opt_exit_converged(r->exit) && eg <= 1e-6 && emu <= 1e-6,
          "%s, start %d: (g, mu) = (%.12g, %.12g), relative errors %.2e %.2e (exit: %s)", what,
          start, r->theta[0], r->theta[1], eg, emu, r->message);
}

int main(void)
{
    char err[512] = "";
    model *m = model_create("freefall", err, sizeof err);
    CHECK(m != NULL, "%s", err);
    if (!m)
        return check_finish("test_fit_reflective");
    double lower[2], upper[2], starts[NSTARTS * 2];
    for (int i = 0; i < 2; i++) {
        lower[i] = m->params[i].lower;
        upper[i] = m->params[i].upper;
    }
    CHECK(lhs_sample(NSTARTS, 2, lower, upper, SEED, starts, err, sizeof err) == 0, "%s", err);
    opt_settings s;
    opt_settings_init(&s);
    opt_problem oracle;
    memset(&oracle, 0, sizeof oracle);
    oracle.np = 2;
    oracle.lower = lower;
    oracle.upper = upper;
    oracle.user = m;
    oracle.loss = exact_loss;
    oracle.gradient = exact_gradient;
    oracle.hessian = exact_hessian;
    method_options o;
    method_options_init(&o);
    const struct {
        const char *label, *optimizer, *gradient, *hessian, *approx;
    } runs[] = {
        {"trr/soadjoint", "trr", "adjoint", "soadjoint", NULL},
        {"trr/fim>soadjoint", "trr", "adjoint", "soadjoint", "fim"},
        {"ipopt/soadjoint", "ipopt", "adjoint", "soadjoint", NULL},
        {"ipopt-lbfgs/adjoint", "ipopt-lbfgs", "adjoint", NULL, NULL},
    };
    for (int k = 0; k < NSTARTS; k++) {
        opt_result r;
        const char *closed[] = {"trr", "ipopt"};
        for (int j = 0; j < 2; j++) {
            CHECK(opt_run(opt_find(closed[j]), &oracle, starts + 2 * k, &s, &r, err,
                          sizeof err) == 0, "%s: %s", closed[j], err);
            char what[64];
            snprintf(what, sizeof what, "%s/closed form", closed[j]);
            check_fit(what, k, &r);
            opt_result_free(&r);
        }
        for (size_t j = 0; j < sizeof runs / sizeof runs[0]; j++) {
            const method_type *hess = runs[j].hessian ? method_find(runs[j].hessian) : NULL;
            optb_objective ob;
            opt_problem P;
            if (optb_open(&ob, m, &o, method_find(runs[j].gradient), hess, 0, err,
                          sizeof err) != 0) {
                CHECK(0, "%s: %s", runs[j].label, err);
                continue;
            }
            if (runs[j].approx)
                optb_set_approx(&ob, method_find(runs[j].approx), &o);
            optb_problem(&ob, &P);
            CHECK(opt_run(opt_find(runs[j].optimizer), &P, starts + 2 * k, &s, &r, err,
                          sizeof err) == 0, "%s: %s", runs[j].label, err);
            check_fit(runs[j].label, k, &r);
            if (runs[j].approx && r.theta)
                CHECK(r.n_approx_hessian > 0 && r.n_hessian > 0,
                      "%s, start %d: %ld approximate and %ld exact Hessians", runs[j].label, k,
                      r.n_approx_hessian, r.n_hessian);
            opt_result_free(&r);
            optb_close(&ob);
        }
    }
    model_destroy(m);
    return check_finish("test_fit_reflective");
}
