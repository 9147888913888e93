/* petabtest — what the PEtab tests share: an imported problem's simulated observables at the
 * measurement rows (CVODES BDF), and the collection's simulatedData table compared with
 * them.  Header-only; each test includes it once. */
#ifndef ODEGRAD_TESTS_PETABTEST_H
#define ODEGRAD_TESTS_PETABTEST_H

#include "cvwrap.h"
#include "petab.h"
#include "petab_tsv.h"
#include "petab_yaml.h"
#include <dirent.h>
#include "check.h"

typedef struct {
    model_ctx *ctx;
    const model *m;
    double *y;        /* ntimes × ny of the current condition */
} pt_sim;

static inline int pt_at_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    (void)S;
    pt_sim *s = user;
    model_observables(s->ctx, t, x, s->y + (size_t)k * (size_t)s->m->ny);
    return 0;
}

/* The (transformed) simulated observable of every measurement row, in file order, at θ.
 * Returns the row count, or -1 with a message on stderr.  *out is malloc'ed. */
static inline int pt_simulate_rows(const model *m, const double *theta, double rtol, double atol,
                                   double **out)
{
    const int n = petab_measurement_map(m, NULL, NULL, NULL);
    if (n < 0)
        return -1;
    int *cond = malloc(sizeof(int) * (size_t)n), *time = malloc(sizeof(int) * (size_t)n);
    int *col = malloc(sizeof(int) * (size_t)n);
    double *val = malloc(sizeof(double) * (size_t)n);
    petab_measurement_map(m, cond, time, col);
    char err[1024];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    int status = ctx ? 0 : -1;
    if (!ctx)
        fprintf(stderr, "%s: %s\n", m->name, err);
    const cv_settings s = {"petabtest", CV_FAMILY_BDF, rtol, atol, 10000000L, CV_LINSOL_AUTO};
    const cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, NULL, NULL};
    for (int k = 0; k < m->ncond && status == 0; k++) {
        model_ctx_condition(ctx, k);
        pt_sim sim = {ctx, m, malloc(sizeof(double) * (size_t)m->cond[k].ntimes * (size_t)m->ny)};
        cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
        if (!cv || cv_forward_run(cv, pt_at_obs, &sim, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", m->name, err);
            status = -1;
        }
        for (int r = 0; r < n && status == 0; r++)
            if (cond[r] == k)
                val[r] = sim.y[(size_t)time[r] * (size_t)m->ny + (size_t)col[r]];
        cv_free(cv);
        free(sim.y);
    }
    model_ctx_free(ctx);
    free(cond);
    free(time);
    free(col);
    if (status != 0) {
        free(val);
        return -1;
    }
    *out = val;
    return n;
}

/* key cells of a measurement or simulation row (not the overrides: some simulation tables
 * write the override parameters' values in place of their ids) */
static const char *const pt_keys[] = {"observableId", "simulationConditionId",
                                      "preequilibrationConditionId"};
enum { PT_NKEYS = 3 };

static inline int pt_same_row(const petab_tsv *a, int ra, const petab_tsv *b, int rb)
{
    for (int k = 0; k < PT_NKEYS; k++)
        if (strcmp(petab_tsv_get(a, ra, petab_tsv_col(a, pt_keys[k])),
                   petab_tsv_get(b, rb, petab_tsv_col(b, pt_keys[k]))) != 0)
            return 0;
    /* times as written (Borghans' simulation table has more digits than its measurements) */
    const double ta = atof(petab_tsv_get(a, ra, petab_tsv_col(a, "time")));
    const double tb = atof(petab_tsv_get(b, rb, petab_tsv_col(b, "time")));
    return ta == tb || fabs(ta - tb) <= 1e-7 * fmax(1.0, fabs(tb));   /* inf == inf */
}

/* Compare the imported problem's simulation at nominal θ with the collection's own
 * simulatedData table in `folder` (rows matched by observable, conditions and time; the k-th
 * of equal keys with the k-th).  The error of a row is
 * |T(s) − T(y)| / max(|T(s)|, floor) on the observable's transformation T.  Returns the
 * number of rows compared (every measurement must have its simulation row; surplus
 * simulation rows are reported and ignored), or -1. */
static inline int pt_compare_simulated(const model *m, const char *folder, double rtol,
                                       double atol, double floor, double *max_err)
{
    char err[1200], simpath[1200] = "";   /* folder names up to 900 bytes */
    petab_files files;
    if (petab_yaml_read(folder, &files, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    DIR *d = opendir(folder);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strncmp(e->d_name, "simulatedData", 13) == 0 || strcmp(e->d_name, "simulations.tsv") == 0)
            snprintf(simpath, sizeof simpath, "%.900s/%.250s", folder, e->d_name);
    if (d)
        closedir(d);
    petab_tsv meas, sim;
    if (!simpath[0] || petab_tsv_read(files.measurements, &meas, err, sizeof err) != 0) {
        fprintf(stderr, "%s: no simulatedData table or no measurements\n", folder);
        return -1;
    }
    if (petab_tsv_read(simpath, &sim, err, sizeof err) != 0) {
        petab_tsv_free(&meas);
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    double theta[1024];
    model_nominal(m, theta);
    double *y = NULL;
    const int n = m->np <= 1024 ? pt_simulate_rows(m, theta, rtol, atol, &y) : -1;
    int *used = calloc((size_t)(meas.nrow + 1), sizeof(int));
    int *col = malloc(sizeof(int) * (size_t)(meas.nrow + 1));
    int compared = n == meas.nrow ? 0 : -1;
    if (compared == 0)
        petab_measurement_map(m, NULL, NULL, col);
    const int cs = petab_tsv_col(&sim, "simulation");
    *max_err = 0.0;
    int surplus = 0;
    for (int r = 0; compared >= 0 && r < sim.nrow; r++) {
        int hit = -1;
        for (int q = 0; q < meas.nrow && hit < 0; q++)
            if (!used[q] && pt_same_row(&sim, r, &meas, q))
                hit = q;
        if (hit < 0) {   /* a surplus simulation row: allowed if every measurement is met */
            surplus++;
            continue;
        }
        used[hit] = 1;
        double s = atof(petab_tsv_get(&sim, r, cs));
        const int tr = petab_column_transform(m, col[hit]);
        s = tr == 1 ? log(s) : tr == 2 ? log10(s) : s;
        const double e = fabs(s - y[hit]) / fmax(fabs(s), floor);
        if (!(e <= *max_err))
            *max_err = e;
        compared++;
    }
    if (compared >= 0 && compared != meas.nrow) {
        fprintf(stderr, "%s: %d of %d measurements have no simulation row\n", folder,
                meas.nrow - compared, meas.nrow);
        compared = -1;
    } else if (surplus) {
        printf("%s: %d simulation rows name no measurement (ignored)\n", folder, surplus);
    }
    free(used);
    free(col);
    free(y);
    petab_tsv_free(&meas);
    petab_tsv_free(&sim);
    return compared;
}

#endif
