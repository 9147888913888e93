/* rafmekerk — the RAF/MEK/ERK cascade (Fiedler et al., BMC Syst Biol 2016), in the 3-state
 * form used by Stapor et al. (2018); docs/models.md §4.
 *
 * States are phosphorylated fractions; time in hours; condition constants Sora, UO:
 *     RasGTP(t) = sust_Ras_0 + (1 − e^{−t/ts_sust_Ras}) e^{−t/ts_trans_Ras}
 *     pRaf' = kp_Raf (1 − pRaf) RasGTP(t) / (1 + pErk/K_pErk_inh) − kdf_Raf pRaf
 *     pMek' = kp_pRaf_Mek pRaf / (1 + Sora/K_Sora) (1 − pMek) − kdp_pMek pMek
 *     pErk' = kp_pMek_Erk pMek / (1 + UO/K_UO) (1 − pErk) − kdp_pErk pErk
 * Conditions (read from the data file): control (0, 0), UO126 (0, 30), Sorafenib (5, 0).
 *
 * Initial state: the steady state of the untreated system, the same for every condition
 * (the inhibitors act from t = 0).  RasGTP(0) = sust_Ras_0 exactly, so it is the root of
 * f(0, x, θ, Sora = UO = 0); core/model_x0.c finds it by Newton from our guess and
 * differentiates it implicitly.  The guess is the root itself in closed form (our
 * derivation): with m(r) = a r/(b + a r), e(m) = c m/(d + c m) (a = kp_pRaf_Mek,
 * b = kdp_pMek, c = kp_pMek_Erk, d = kdp_pErk) one has e(m(r)) = α r/(β + γ r) with α = ca,
 * β = db, γ = a(c + d), and the pRaf balance kp R (1 − r)/(1 + e/K) = kdf r (R = sust_Ras_0,
 * K = K_pErk_inh, kp = kp_Raf, kdf = kdf_Raf) becomes the quadratic
 *     A r² + B r − C = 0,  A = kp R K γ + kdf (K γ + α),  B = kdf K β − kp R K (γ − β),
 *     C = kp R K β,
 * with A, C > 0: exactly one positive root, r = 2C/(√D + B) = (√D − B)/(2A), D = B² + 4AC.
 * The first form cancels when B < 0, the second when B > 0; without a branch in the graph
 * we blend 2C/(√D + |B|) and (√D + |B|)/(2A) — each exact on its side of B = 0, both
 * finite everywhere — with the weight w = (|B| + B)/(2|B| + tiny) ∈ [0, 1].  Then
 * x0 = (r, m(r), e(m(r))).
 *
 * Observables, in the column order of the data file: scale_j · pMek for the pMek columns,
 * scale_j · pErk for the pErk columns; Gaussian noise with one σ_j per column.
 *
 * Nominal θ (log10): the 12 dynamic parameters are the published best fit of the 6-species
 * PEtab form (Fiedler_BMCSystBiol2016) mapped to this form (docs/models.md: kdf_Raf = k2, kp_Raf =
 * k11, sust_Ras_0 = k10/k11, ...).  The scales are derived from the data: every column is
 * normalised to its t = 0 reference (the control rows at t = 0 are all 1), so the nominal
 * scale is 1/pMek(0) or 1/pErk(0) at the nominal steady state — computed here from the guess
 * program, i.e. the closed-form root.  The σ are 1 (log10 σ = 0). */
#include "rafmekerk.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define RAF_DATA_FILE "rafmekerk_fiedler2016.tsv"
#define RAF_NY 8

static const char *const raf_state_names[RAF_NX] = {"pRaf", "pMek", "pErk"};
static const char *const raf_constant_names[RAF_NC] = {"Sora", "UO"};
static const char *const raf_constant_columns[RAF_NC] = {"Sorafenib", "UO126"};
static const char *const raf_columns[RAF_NY] = {
    "pMek_20140430_gel1", "pErk_20140430_gel1", "pMek_20140430_gel2", "pErk_20140430_gel2",
    "pMek_20140505_gel1", "pErk_20140505_gel1", "pMek_20140505_gel2", "pErk_20140505_gel2"};
/* which state each column observes */
static const int raf_observed[RAF_NY] = {RAF_PMEK, RAF_PERK, RAF_PMEK, RAF_PERK,
                                         RAF_PMEK, RAF_PERK, RAF_PMEK, RAF_PERK};

/* dynamic parameters: name, published best fit (linear scale), lower, upper (log10) */
static const struct {
    const char *name;
    double best_fit, lower, upper;
} raf_dynamic[RAF_SCALE] = {
    {"kdf_Raf", 1.22622, -5, 5},                 /* k2 */
    {"kp_Raf", 163.162, -5, 5},                  /* k11 */
    {"kdp_pMek", 2.90693, -5, 5},                /* k4 */
    {"kp_pRaf_Mek", 769.160, -5, 6},             /* k3 */
    {"kdp_pErk", 3.60758, -5, 4},                /* k6 */
    {"kp_pMek_Erk", 577.552, -5, 4},             /* k5 */
    {"K_pErk_inh", 1.00001e-5, -10, 4},          /* K_1 */
    {"sust_Ras_0", 0.0264137 / 163.162, -5, 4},  /* k10/k11 */
    {"ts_sust_Ras", 0.242822, -7, 4},            /* tau1 */
    {"ts_trans_Ras", 0.0211409, -5, 4},          /* tau2 */
    {"K_Sora", 1.51122, -5, 4},                  /* K_2 */
    {"K_UO", 0.960466, -5, 4},                   /* K_3 */
};
#define RAF_SCALE_UPPER 8.0
#define RAF_LOWER -5.0
#define RAF_UPPER 4.0

static expr raf_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr p[RAF_SCALE];
    for (int i = 0; i < RAF_SCALE; i++)
        p[i] = expr_param(g, i);
    expr raf = expr_state(g, RAF_PRAF), mek = expr_state(g, RAF_PMEK);
    expr erk = expr_state(g, RAF_PERK);
    expr one = expr_num(g, 1.0), minus_t = expr_neg(g, expr_time(g));
    expr sustained_rise =
        expr_sub(g, one, expr_exp(g, expr_div(g, minus_t, p[RAF_TS_SUST_RAS])));
    expr transient = expr_exp(g, expr_div(g, minus_t, p[RAF_TS_TRANS_RAS]));
    expr ras_gtp = expr_add(g, p[RAF_SUST_RAS_0], expr_mul(g, sustained_rise, transient));
    /* 1 + inhibitor/K */
    expr feedback = expr_shift(g, expr_div(g, erk, p[RAF_K_PERK_INH]), 1.0);
    expr sora = expr_shift(g, expr_div(g, expr_constant(g, RAF_SORA), p[RAF_K_SORA]), 1.0);
    expr uo = expr_shift(g, expr_div(g, expr_constant(g, RAF_UO), p[RAF_K_UO]), 1.0);

    expr parts[3];
    parts[0] = expr_sub(g,
                        expr_div(g, expr_mul(g, expr_mul(g, p[RAF_KP_RAF], expr_sub(g, one, raf)),
                                             ras_gtp),
                                 feedback),
                        expr_mul(g, p[RAF_KDF_RAF], raf));
    parts[1] = expr_sub(g,
                        expr_mul(g, expr_div(g, expr_mul(g, p[RAF_KP_PRAF_MEK], raf), sora),
                                 expr_sub(g, one, mek)),
                        expr_mul(g, p[RAF_KDP_PMEK], mek));
    parts[2] = expr_sub(g,
                        expr_mul(g, expr_div(g, expr_mul(g, p[RAF_KP_PMEK_ERK], mek), uo),
                                 expr_sub(g, one, erk)),
                        expr_mul(g, p[RAF_KDP_PERK], erk));
    return expr_concat(g, 3, parts);
}

/* The untreated steady state in closed form (see the top of the file). */
static expr raf_steady_guess(expr_graph *g, const model *m)
{
    (void)m;
    expr kdf = expr_param(g, RAF_KDF_RAF), kp = expr_param(g, RAF_KP_RAF);
    expr a = expr_param(g, RAF_KP_PRAF_MEK), b = expr_param(g, RAF_KDP_PMEK);
    expr c = expr_param(g, RAF_KP_PMEK_ERK), d = expr_param(g, RAF_KDP_PERK);
    expr K = expr_param(g, RAF_K_PERK_INH), R = expr_param(g, RAF_SUST_RAS_0);
    expr alpha = expr_mul(g, c, a), beta = expr_mul(g, d, b);
    expr gamma = expr_mul(g, a, expr_add(g, c, d));
    expr kpRK = expr_mul(g, expr_mul(g, kp, R), K);
    expr A = expr_add(g, expr_mul(g, kpRK, gamma),
                      expr_mul(g, kdf, expr_add(g, expr_mul(g, K, gamma), alpha)));
    expr B = expr_sub(g, expr_mul(g, expr_mul(g, kdf, K), beta),
                      expr_mul(g, kpRK, expr_sub(g, gamma, beta)));
    expr C = expr_mul(g, kpRK, beta);
    expr B2 = expr_mul(g, B, B);
    expr absB = expr_sqrt(g, B2);
    expr root_D = expr_sqrt(g, expr_add(g, B2, expr_scale(g, expr_mul(g, A, C), 4.0)));
    expr sum = expr_add(g, root_D, absB);
    expr r_pos = expr_div(g, expr_scale(g, C, 2.0), sum);      /* exact when B ≥ 0 */
    expr r_neg = expr_div(g, sum, expr_scale(g, A, 2.0));      /* exact when B ≤ 0 */
    expr w = expr_div(g, expr_add(g, absB, B), expr_shift(g, expr_scale(g, absB, 2.0), DBL_MIN));
    expr r = expr_add(g, expr_mul(g, w, r_pos),
                      expr_mul(g, expr_shift(g, expr_neg(g, w), 1.0), r_neg));
    expr ar = expr_mul(g, a, r);
    expr mek = expr_div(g, ar, expr_add(g, b, ar));
    expr cm = expr_mul(g, c, mek);
    expr erk = expr_div(g, cm, expr_add(g, d, cm));
    expr parts[3] = {r, mek, erk};
    return expr_concat(g, 3, parts);
}

static expr raf_observables(expr_graph *g, const model *m)
{
    (void)m;
    expr observed = expr_gather(g, expr_states(g, 0, RAF_NX), RAF_NY, raf_observed);
    return expr_mul(g, expr_params(g, RAF_SCALE, RAF_NY), observed);
}

static expr raf_sigma(expr_graph *g, const model *m)
{
    (void)m;
    return expr_params(g, RAF_SIGMA, RAF_NY);
}

/* The Fiedler table: one condition per group of rows, its constants from the Sorafenib and
 * UO126 columns (which must not vary within a condition). */
static int raf_read_data(model *m, char *err, size_t errlen)
{
    char path[1024];
    if (table_data_path(RAF_DATA_FILE, path, sizeof path, err, errlen) != 0)
        return -1;
    const table_spec spec = {1, "condition", "time_h"};
    table t;
    if (table_read(path, &spec, &t, err, errlen) != 0)
        return -1;
    int col[RAF_NY], ccol[RAF_NC], status = 0;
    const int tcol = table_numeric_column(&t, "time_h");
    const int name_col = table_label_column(&t, "condition");
    for (int j = 0; j < RAF_NY + RAF_NC && status == 0; j++) {
        const char *want = j < RAF_NY ? raf_columns[j] : raf_constant_columns[j - RAF_NY];
        int *slot = j < RAF_NY ? &col[j] : &ccol[j - RAF_NY];
        if ((*slot = table_numeric_column(&t, want)) < 0) {
            snprintf(err, errlen, "%s: no column '%s'", path, want);
            status = -1;
        }
    }
    for (int k = 0; k < t.ngroups && status == 0; k++) {
        const int first = t.group_start[k], rows = t.group_start[k + 1] - first;
        if (model_condition_alloc(m, k, rows) != 0) {
            snprintf(err, errlen, "rafmekerk: out of memory for the data");
            status = -1;
            break;
        }
        model_condition *c = &m->cond[k];
        snprintf(c->name, sizeof c->name, "%s", table_label(&t, first, name_col));
        for (int q = 0; q < RAF_NC; q++)
            c->constants[q] = table_value(&t, first, ccol[q]);
        for (int i = 0; i < rows && status == 0; i++) {
            for (int q = 0; q < RAF_NC; q++)
                if (!(table_value(&t, first + i, ccol[q]) == c->constants[q])) {
                    snprintf(err, errlen, "%s: column '%s' changes within condition '%s'; a "
                             "condition's constants must be the same on all its rows", path,
                             raf_constant_columns[q], c->name);
                    status = -1;
                }
            c->times[i] = table_value(&t, first + i, tcol);
            for (int j = 0; j < RAF_NY; j++)
                c->values[i * RAF_NY + j] = table_value(&t, first + i, col[j]);
        }
    }
    table_free(&t);
    return status;
}

/* Nominal scales 1/pMek(0), 1/pErk(0) at the nominal steady state, from the guess program
 * (the closed-form root) evaluated at the nominal dynamic parameters. */
static int raf_nominal_scales(model *m, char *err, size_t errlen)
{
    expr_graph *g = expr_graph_new(RAF_NX, RAF_NP, RAF_NC, 0);
    expr_prog *P = g ? expr_compile(g, raf_steady_guess(g, m)) : NULL;
    expr_work *W = P ? expr_work_new(P) : NULL;
    if (!W) {
        snprintf(err, errlen, "rafmekerk: cannot build the steady-state guess%s%s",
                 g && expr_error(g) ? ": " : "", g && expr_error(g) ? expr_error(g) : "");
        expr_prog_free(P);
        expr_graph_free(g);
        return -1;
    }
    double p[RAF_NP], c[RAF_NC] = {0.0, 0.0}, x0[RAF_NX];
    for (int i = 0; i < RAF_NP; i++)
        p[i] = pow(10.0, m->params[i].nominal);
    const expr_args args = {0.0, NULL, p, c, NULL, 0};
    expr_eval(P, W, &args, x0);
    expr_work_free(W);
    expr_prog_free(P);
    expr_graph_free(g);
    for (int j = 0; j < RAF_NY; j++) {
        const double level = x0[raf_observed[j]];
        if (!(level > 0.0 && isfinite(level))) {
            snprintf(err, errlen, "rafmekerk: the nominal steady state is not positive");
            return -1;
        }
        m->params[RAF_SCALE + j].nominal = -log10(level);
    }
    return 0;
}

int rafmekerk_create(model *m, const char *name, char *err, size_t errlen)
{
    (void)name;
    if (model_alloc(m, RAF_NX, RAF_NP, RAF_NC, RAF_NY) != 0) {
        snprintf(err, errlen, "rafmekerk: out of memory");
        return -1;
    }
    m->summary = "RAF/MEK/ERK cascade (Fiedler 2016): 3 states, 28 log10 params, 3 conditions, "
                 "72 data, steady-state x0";
    for (int i = 0; i < RAF_NX; i++)
        snprintf(m->state_names[i], MODEL_NAME_LEN, "%s", raf_state_names[i]);
    for (int q = 0; q < RAF_NC; q++)
        snprintf(m->constant_names[q], MODEL_NAME_LEN, "%s", raf_constant_names[q]);
    for (int i = 0; i < RAF_SCALE; i++)
        model_set_param(m, i, raf_dynamic[i].name, SCALE_LOG10, log10(raf_dynamic[i].best_fit),
                        raf_dynamic[i].lower, raf_dynamic[i].upper);
    for (int j = 0; j < RAF_NY; j++) {
        char pname[MODEL_NAME_LEN];
        snprintf(m->obs_names[j], MODEL_NAME_LEN, "%s", raf_columns[j]);
        snprintf(pname, sizeof pname, "scale_%s", raf_columns[j]);
        model_set_param(m, RAF_SCALE + j, pname, SCALE_LOG10, 0.0, RAF_LOWER, RAF_SCALE_UPPER);
        snprintf(pname, sizeof pname, "sigma_%s", raf_columns[j]);
        model_set_param(m, RAF_SIGMA + j, pname, SCALE_LOG10, 0.0, RAF_LOWER, RAF_UPPER);
    }
    m->t0 = 0.0;
    m->tf = 10.0;
    m->loss = LOSS_GAUSSIAN_NLL;
    m->stiff = 1;
    m->rtol = 1e-10;
    m->atol = 1e-14;
    m->rhs = raf_rhs;
    m->initial = NULL;   /* x0 is the untreated steady state */
    m->steady_guess = raf_steady_guess;
    m->steady_constants[RAF_SORA] = 0.0;
    m->steady_constants[RAF_UO] = 0.0;
    m->observables = raf_observables;
    m->sigma = raf_sigma;
    if (raf_nominal_scales(m, err, errlen) != 0)
        return -1;
    return raf_read_data(m, err, errlen);
}

const model_type rafmekerk_type = {
    "rafmekerk", "rafmekerk",
    "RAF/MEK/ERK cascade (Fiedler 2016): 3 states, 28 log10 params, 3 conditions, steady-state x0",
    0, rafmekerk_create};
