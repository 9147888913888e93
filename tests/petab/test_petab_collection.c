/* test_petab_collection — imported models of the benchmark collection (models/petab/
 * collection) against the collection's own simulations, and their derivatives against each
 * other.
 *
 *  1. Simulated observables at the nominal parameters match the simulatedData table of each
 *     model listed below to the tolerance stated there: the error reached with CVODES BDF at
 *     rtol = atol = 1e-12, rounded up (|T(s) − T(y)| / max(|T(s)|, 1e-6), T the observable's
 *     transformation).  Tables known to be defective as oracles (Fujita, Sneyd, Zheng, Raia:
 *     wrong ids or stale values) and Perelson (its table rises where the equations fall) are
 *     not compared.  Beer switches at parameter-dependent times (time breakpoints), Smith has
 *     time-triggered events.
 *  2. forward and adjoint gradients agree at tight tolerance, and central fd to its expected
 *     accuracy, on small models — Fujita among them, whose input switches at a fixed time
 *     (a piecewise in time), and Armistead, whose σ is proportional to the observed state;
 *     the pre-equilibration model is tests/petab/rafmekerk.
 *     Oliveira switches its transmission rate at the estimated times t_1 and t_2 (time
 *     breakpoints): there forward and central fd are compared (adjoint refuses breakpoints).
 *  3. soforward and soadjoint Hessians agree on two models with np ≤ 30. */
#include "petabtest.h"

#define COLLECTION ODEGRAD_SOURCE_DIR "/models/petab/collection/"

static const struct {
    const char *name;
    double tol;
} simulated[] = {
    {"Alkan_SciSignal2018", 2e-6},    {"Armistead_CellDeathDis2024", 2e-7},
    {"Beer_MolBioSystems2014", 5e-5},
    {"Bertozzi_PNAS2020", 5e-7},      {"Boehm_JProteomeRes2014", 2e-7},
    {"Borghans_BiophysChem1997", 2e-4}, {"Bruno_JExpBot2016", 1e-5},
    {"Crauste_CellSystems2017", 5e-5}, {"Elowitz_Nature2000", 5e-4},
    {"Fiedler_BMCSystBiol2016", 2e-6}, {"Giordano_Nature2020", 2e-5},
    {"Laske_PLOSComputBiol2019", 1e-7}, {"Lucarelli_CellSystems2018", 5e-7},
    {"Rahman_MBS2016", 5e-7},         {"SalazarCavazos_MBoC2020", 1e-7},
    {"Smith_BMCSystBiol2013", 2e-7},
    {"Weber_BMC2015", 2e-7},
};

static model *load(const char *name)
{
    char spec[1024];
    snprintf(spec, sizeof spec, "petab:%s%s", COLLECTION, name);
    return check_model_create(spec);
}

int main(void)
{
    for (size_t i = 0; i < sizeof simulated / sizeof *simulated; i++) {
        model *m = load(simulated[i].name);
        char folder[1024];
        snprintf(folder, sizeof folder, "%s%s", COLLECTION, simulated[i].name);
        double err = NAN;
        const int n = pt_compare_simulated(m, folder, 1e-12, 1e-12, 1e-6, &err);
        CHECK(n > 0 && err <= simulated[i].tol, "%s: %d rows, simulation error %.3g > %.1g",
              simulated[i].name, n, err, simulated[i].tol);
        printf("%-28s nx %3d np %3d rows %5d simulation error %.2g\n", simulated[i].name, m->nx,
               m->np, n, err);
        model_destroy(m);
    }

    static const char *const gradients[] = {"Boehm_JProteomeRes2014", "Bertozzi_PNAS2020",
                                            "Fujita_SciSignal2010", "Rahman_MBS2016",
                                            "Armistead_CellDeathDis2024",
                                            "Oliveira_NatCommun2021"};
    const method_options tight = check_options(1e-11, 1e-12);
    for (size_t i = 0; i < sizeof gradients / sizeof *gradients; i++) {
        model *m = load(gradients[i]);
        double theta[256];
        model_nominal(m, theta);
        for (int j = 0; j < m->np; j++) {   /* away from the fit, where the gradient is small */
            const double moved = theta[j] + 0.2 * sin(1.0 + j);   /* and within the bounds */
            theta[j] = fmin(fmax(moved, m->params[j].lower), m->params[j].upper);
        }
        method_result f, a, d;
        const method_status sf = check_run("forward", m, theta, &tight, NULL, &f);
        method_status sa = check_run("adjoint", m, theta, &tight, NULL, &a);
        const method_status sd = check_run("fd", m, theta, &tight, NULL, &d);
        if (m->nbreak > 0 && !(method_find("adjoint")->caps & CAP_BREAKPOINTS)) {
            /* breakpoints (Oliveira's switches at t_1, t_2): adjoint refuses, fd checks */
            CHECK(sa == METHOD_EUNSUPPORTED, "%s: adjoint should refuse breakpoints: %s",
                  gradients[i], a.error);
            method_result_free(&a);
            sa = check_run("forward", m, theta, &tight, NULL, &a);
        }
        CHECK(sf == METHOD_OK && sa == METHOD_OK && sd == METHOD_OK, "%s: %s / %s / %s",
              gradients[i], f.error, a.error, d.error);
        if (sf == METHOD_OK && sa == METHOD_OK && sd == METHOD_OK) {
            const double fa = check_rel_diff_vec(f.gradient, a.gradient, m->np);
            const double ff = check_rel_diff_vec(f.gradient, d.gradient, m->np);
            CHECK(fa < 1e-7, "%s: forward and adjoint differ by %.3g", gradients[i], fa);
            CHECK(ff < 1e-4, "%s: forward and fd differ by %.3g", gradients[i], ff);
            CHECK(check_rel_diff(f.loss, a.loss) < 1e-8, "%s: losses differ by %.3g", gradients[i],
                  check_rel_diff(f.loss, a.loss));
            printf("%-28s forward vs adjoint %.2g, vs fd %.2g, losses %.2g\n", gradients[i], fa,
                   ff, check_rel_diff(f.loss, a.loss));
        }
        method_result_free(&f);
        method_result_free(&a);
        method_result_free(&d);
        model_destroy(m);
    }

    static const char *const hessians[] = {"Boehm_JProteomeRes2014", "Bertozzi_PNAS2020"};
    method_options oh = check_options(1e-10, 1e-12);
    oh.want = WANT_HESSIAN;
    for (size_t i = 0; i < sizeof hessians / sizeof *hessians; i++) {
        model *m = load(hessians[i]);
        double theta[256];
        model_nominal(m, theta);
        method_result f, a;
        const method_status sf = check_run("soforward", m, theta, &oh, NULL, &f);
        const method_status sa = check_run("soadjoint", m, theta, &oh, NULL, &a);
        CHECK(sf == METHOD_OK && sa == METHOD_OK, "%s: %s / %s", hessians[i], f.error, a.error);
        if (sf == METHOD_OK && sa == METHOD_OK) {
            const double e = check_rel_diff_vec(f.hessian, a.hessian, m->np * m->np);
            CHECK(e < 1e-5, "%s: soforward and soadjoint Hessians differ by %.3g", hessians[i], e);
            printf("%-28s soforward vs soadjoint %.2g\n", hessians[i], e);
        }
        method_result_free(&f);
        method_result_free(&a);
        model_destroy(m);
    }
    return check_finish("petab/test_petab_collection");
}
