/* jakstat — JAK2/STAT5 signalling (Swameye et al., PNAS 2003), in the form used for
 * second-order adjoints by Stapor et al. (2018); docs/models.md §3.
 *
 * Time in minutes.  With u(t) the phosphorylated EPO receptor (the input),
 *     STAT'          = (Ω_nuc/Ω_cyt) p4 nSTAT5 − p1 u STAT
 *     pSTAT'         = p1 u STAT − 2 p2 pSTAT²
 *     pSTAT_pSTAT'   = p2 pSTAT² − p3 pSTAT_pSTAT
 *     npSTAT_npSTAT' = (Ω_cyt/Ω_nuc) p3 pSTAT_pSTAT − p4 npSTAT_npSTAT
 *     nSTAT1'        = 2 p4 npSTAT_npSTAT − p4 nSTAT1
 *     nSTATi'        = p4 (nSTAT(i−1) − nSTATi),  i = 2..5
 * from STAT(0) = init_STAT, everything else 0.  Ω_cyt = 1.4, Ω_nuc = 0.45.
 *
 * The input is positive by construction, u(t) = exp(S(t)), with S the cubic spline with
 * Forsythe–Malcolm–Moler end conditions through (t_k, ln sp_k), t_k = 0, 5, 10, 20, 60.
 * S is linear in the node values: S(t) = Σ_k ln(sp_k) B_k(t) with B_k the spline through the
 * k-th unit vector (core/util/spline.h).  The graph therefore holds B(t) as a time input (fixed
 * functions of t) and ln(sp_k) as parameter nodes, so ∂u/∂θ is exact.  Before t = 0 the
 * first segment, after t = 60 the last segment is continued.
 *
 * Observables (data columns pSTAT, tSTAT, pEpoR):
 *     y_pSTAT = offset_pSTAT + scale_pSTAT/init_STAT · (pSTAT + 2 pSTAT_pSTAT)
 *     y_tSTAT = offset_tSTAT + scale_tSTAT/init_STAT · (STAT + pSTAT + 2 pSTAT_pSTAT)
 *     y_pEpoR = u(t)
 * Gaussian noise with σ = sigma_pSTAT, sigma_tSTAT, sigma_pEpoR (parameters); the loss is the
 * negative log-likelihood of the 46 data points of the Swameye table (its SD columns are not
 * used).  All 17 parameters are estimated on log10 scale; nominal values and bounds are those
 * of the public examples (docs/models.md).  Upstream tolerances rtol 1e-12, atol 1e-14; marked
 * stiff (BDF / Rosenbrock).
 *
 * Structural facts the tests check: everything depends on p2 and init_STAT only through their
 * product (so gradient entries 2 and 5 are equal in log10 coordinates), and the conservation
 *     Ω_cyt (STAT + pSTAT + 2 pSTAT_pSTAT) + Ω_nuc (2 npSTAT_npSTAT + Σ nSTATi)
 *         = Ω_cyt init_STAT. */
#include "jakstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spline.h"
#include "table.h"

#define JAKSTAT_DATA_FILE "jakstat_swameye2003.tsv"
#define JAKSTAT_NY 3

const double jakstat_spline_times[JAKSTAT_NSPLINE] = {0.0, 5.0, 10.0, 20.0, 60.0};

static const char *const jakstat_state_names[JAKSTAT_NX] = {
    "STAT", "pSTAT", "pSTAT_pSTAT", "npSTAT_npSTAT", "nSTAT1",
    "nSTAT2", "nSTAT3", "nSTAT4", "nSTAT5"};

/* name, nominal (log10), lower, upper — docs/models.md §3 */
static const struct {
    const char *name;
    double nominal, lower, upper;
} jakstat_params[JAKSTAT_NP] = {
    {"p1", 0.60, -5, 3},           {"p2", 3, -3, 6},
    {"p3", -0.95, -5, 3},          {"p4", -0.0075, -3, 6},
    {"init_STAT", 0, -5, 3},       {"sp1", -2.8, -5, 3},
    {"sp2", -0.26, -5, 3},         {"sp3", -0.075, -5, 3},
    {"sp4", -0.41, -5, 3},         {"sp5", -5, -6, 3},
    {"offset_tSTAT", -0.74, -5, 3}, {"offset_pSTAT", -0.64, -5, 3},
    {"scale_tSTAT", -0.11, -5, 3}, {"scale_pSTAT", 0.027, -5, 3},
    {"sigma_pSTAT", -0.5, -5, 3},  {"sigma_tSTAT", 0, -5, 3},
    {"sigma_pEpoR", -0.5, -5, 3},
};

/* observable names and their data columns, in the order of the observables */
static const char *const jakstat_obs_names[JAKSTAT_NY] = {"pSTAT", "tSTAT", "pEpoR"};
static const char *const jakstat_obs_columns[JAKSTAT_NY] = {"pSTAT_au", "tSTAT_au",
                                                            "pEpoR_au"};

/* B_k(t), k = 0..4: the time input of the graph; ctx is the model's spline_basis. */
static void jakstat_input_basis(double t, double *out, const void *ctx)
{
    spline_basis_eval(ctx, t, 0, out);
}

/* u(t) = exp(Σ_k ln(sp_k) B_k(t)) */
static expr jakstat_input(expr_graph *g, const model *m)
{
    expr basis = expr_time_input(g, JAKSTAT_NSPLINE, jakstat_input_basis, m->data);
    expr log_nodes = expr_log(g, expr_params(g, JAKSTAT_SP1, JAKSTAT_NSPLINE));
    return expr_exp(g, expr_sum(g, expr_mul(g, basis, log_nodes)));
}

static expr jakstat_rhs(expr_graph *g, const model *m)
{
    const double cyt = JAKSTAT_OMEGA_CYT, nuc = JAKSTAT_OMEGA_NUC;
    expr p1 = expr_param(g, JAKSTAT_P1), p2 = expr_param(g, JAKSTAT_P2);
    expr p3 = expr_param(g, JAKSTAT_P3), p4 = expr_param(g, JAKSTAT_P4);
    expr stat = expr_state(g, JAKSTAT_STAT), pstat = expr_state(g, JAKSTAT_PSTAT);
    expr dimer = expr_state(g, JAKSTAT_PSTAT_PSTAT);
    expr ndimer = expr_state(g, JAKSTAT_NPSTAT_NPSTAT);
    expr nstat1 = expr_state(g, JAKSTAT_NSTAT1), nstat5 = expr_state(g, JAKSTAT_NSTAT1 + 4);

    expr phosphorylation = expr_mul(g, expr_mul(g, p1, jakstat_input(g, m)), stat);
    expr dimerisation = expr_mul(g, p2, expr_mul(g, pstat, pstat));
    expr export_ = expr_mul(g, p3, dimer);
    expr import_ = expr_mul(g, p4, ndimer);
    expr parts[6];
    parts[0] = expr_sub(g, expr_scale(g, expr_mul(g, p4, nstat5), nuc / cyt), phosphorylation);
    parts[1] = expr_sub(g, phosphorylation, expr_scale(g, dimerisation, 2.0));
    parts[2] = expr_sub(g, dimerisation, export_);
    parts[3] = expr_sub(g, expr_scale(g, export_, cyt / nuc), import_);
    parts[4] = expr_sub(g, expr_scale(g, import_, 2.0), expr_mul(g, p4, nstat1));
    /* the delay chain nSTAT2..5, as one vector: p4 (nSTAT(i−1) − nSTATi) */
    parts[5] = expr_mul(g, p4, expr_sub(g, expr_states(g, JAKSTAT_NSTAT1, 4),
                                        expr_states(g, JAKSTAT_NSTAT1 + 1, 4)));
    return expr_concat(g, 6, parts);
}

static expr jakstat_initial(expr_graph *g, const model *m)
{
    (void)m;
    const double zeros[JAKSTAT_NX - 1] = {0};
    expr parts[2] = {expr_param(g, JAKSTAT_INIT_STAT), expr_nums(g, JAKSTAT_NX - 1, zeros)};
    return expr_concat(g, 2, parts);
}

static expr jakstat_observables(expr_graph *g, const model *m)
{
    expr stat = expr_state(g, JAKSTAT_STAT), pstat = expr_state(g, JAKSTAT_PSTAT);
    expr dimer = expr_state(g, JAKSTAT_PSTAT_PSTAT);
    expr init = expr_param(g, JAKSTAT_INIT_STAT);
    expr phospho = expr_add(g, pstat, expr_scale(g, dimer, 2.0));   /* pSTAT + 2 pSTAT_pSTAT */
    expr total = expr_add(g, stat, phospho);
    expr parts[3];
    parts[0] = expr_add(g, expr_param(g, JAKSTAT_OFFSET_PSTAT),
                        expr_mul(g, expr_div(g, expr_param(g, JAKSTAT_SCALE_PSTAT), init),
                                 phospho));
    parts[1] = expr_add(g, expr_param(g, JAKSTAT_OFFSET_TSTAT),
                        expr_mul(g, expr_div(g, expr_param(g, JAKSTAT_SCALE_TSTAT), init),
                                 total));
    parts[2] = jakstat_input(g, m);
    return expr_concat(g, 3, parts);
}

static expr jakstat_sigma(expr_graph *g, const model *m)
{
    (void)m;
    return expr_params(g, JAKSTAT_SIGMA_PSTAT, 3);   /* σ_pSTAT, σ_tSTAT, σ_pEpoR */
}

static void jakstat_free_data(void *data)
{
    if (data) {
        spline_basis_free(data);
        free(data);
    }
}

/* The Swameye table: one condition, 16 times, the three observable columns. */
static int jakstat_read_data(model *m, char *err, size_t errlen)
{
    char path[1024];
    if (table_data_path(JAKSTAT_DATA_FILE, path, sizeof path, err, errlen) != 0)
        return -1;
    const table_spec spec = {0, NULL, "time_min"};
    table t;
    if (table_read(path, &spec, &t, err, errlen) != 0)
        return -1;
    int col[JAKSTAT_NY + 1], status = 0;
    col[JAKSTAT_NY] = table_numeric_column(&t, "time_min");
    for (int j = 0; j < JAKSTAT_NY && status == 0; j++)
        if ((col[j] = table_numeric_column(&t, jakstat_obs_columns[j])) < 0) {
            snprintf(err, errlen, "%s: no column '%s'", path, jakstat_obs_columns[j]);
            status = -1;
        }
    if (status == 0 && model_condition_alloc(m, 0, t.nrows) != 0) {
        snprintf(err, errlen, "jakstat: out of memory for the data");
        status = -1;
    }
    if (status == 0) {
        model_condition *c = &m->cond[0];
        snprintf(c->name, sizeof c->name, "swameye2003");
        for (int i = 0; i < t.nrows; i++) {
            c->times[i] = table_value(&t, i, col[JAKSTAT_NY]);
            for (int j = 0; j < JAKSTAT_NY; j++)
                c->values[i * JAKSTAT_NY + j] = table_value(&t, i, col[j]);
        }
    }
    table_free(&t);
    return status;
}

int jakstat_create(model *m, const char *name, char *err, size_t errlen)
{
    (void)name;
    if (model_alloc(m, JAKSTAT_NX, JAKSTAT_NP, 0, JAKSTAT_NY) != 0) {
        snprintf(err, errlen, "jakstat: out of memory");
        return -1;
    }
    spline_basis *input = calloc(1, sizeof *input);
    if (!input) {
        snprintf(err, errlen, "jakstat: out of memory");
        return -1;
    }
    m->data = input;
    m->free_data = jakstat_free_data;
    if (spline_basis_init(input, JAKSTAT_NSPLINE, jakstat_spline_times, err, errlen) != 0)
        return -1;
    m->summary = "JAK2/STAT5 signalling (Swameye 2003): 9 states, 17 log10 params, 46 data";
    for (int i = 0; i < JAKSTAT_NX; i++)
        snprintf(m->state_names[i], MODEL_NAME_LEN, "%s", jakstat_state_names[i]);
    for (int j = 0; j < JAKSTAT_NY; j++)
        snprintf(m->obs_names[j], MODEL_NAME_LEN, "%s", jakstat_obs_names[j]);
    for (int i = 0; i < JAKSTAT_NP; i++)
        model_set_param(m, i, jakstat_params[i].name, SCALE_LOG10, jakstat_params[i].nominal,
                        jakstat_params[i].lower, jakstat_params[i].upper);
    m->t0 = 0.0;
    m->tf = jakstat_spline_times[JAKSTAT_NSPLINE - 1];
    m->loss = LOSS_GAUSSIAN_NLL;
    m->stiff = 1;
    m->rtol = 1e-12;
    m->atol = 1e-14;
    m->rhs = jakstat_rhs;
    m->initial = jakstat_initial;
    m->observables = jakstat_observables;
    m->sigma = jakstat_sigma;
    return jakstat_read_data(m, err, errlen);
}

const model_type jakstat_type = {
    "jakstat", "jakstat",
    "JAK2/STAT5 signalling (Swameye 2003): 9 states, 17 log10 params, 46 data", 0,
    jakstat_create};
