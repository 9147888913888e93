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
 * The derivatives of every model against each other are tests/petab/petab_agree.c (one test
 * per model, label petab-agree). */
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
    {"Weber_BMC2015", 2e-7},          {"Schwen_PONE2014", 5e-7},
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

    return check_finish("petab/test_petab_collection");
}
