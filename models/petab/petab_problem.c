/* petab_problem — a PEtab v1 problem assembled into a model (see petab.h for the mapping).
 *
 * Order of work: the problem file, the SBML symbols, the parameter table (which symbols are
 * θ, which are fixed numbers), the observable table (formulas parsed with log read as ln, as
 * PEtab defines it), the condition table (columns → constants), the measurement table
 * (conditions, times, series), and finally one trial translation of every graph so that an
 * unknown id or unsupported construct is reported here, with its file, rather than as a
 * failed compilation later. */
#include "petab.h"
#include "petab_impl.h"
#include "petab_tsv.h"
#include "petab_yaml.h"
#include "model_prior.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double LN10 = 2.302585092994045684;

typedef struct {
    int row, cond, obs;
    double time;
    const char *op, *np;
} mrow;

typedef struct {
    petab_files files;
    petab_tsv par, cond, obs, meas;
    int *cond_used;          /* per condition-table row: 1 if some measurement uses it */
    int preeq;               /* condition-table row of the pre-equilibration, or -1 */
    int nmcond;              /* model conditions */
    int *mcond_row;          /* their condition-table rows */
    mrow *rows;              /* the measurements, sorted by condition, time, series */
} loader;

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* a whole cell as a number (PEtab writes inf, -inf, nan in any case) */
static int parse_number(const char *s, double *v)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return 0;
    char *end;
    *v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return end != s && *end == '\0';
}

static int is_nan_cell(const char *s)
{
    double v;
    return !*s || (parse_number(s, &v) && isnan(v));
}

static int need_col(const petab_tsv *t, const char *name, char *err, size_t errlen)
{
    const int c = petab_tsv_col(t, name);
    if (c < 0)
        errf(err, errlen, "%s: the required column '%s' is missing", t->path, name);
    return c;
}

/* ---- parameter table --------------------------------------------------------------------- */

static int scale_of(const char *s)
{
    if (strcmp(s, "lin") == 0)
        return SCALE_LIN;
    if (strcmp(s, "log") == 0)
        return SCALE_LN;
    if (strcmp(s, "log10") == 0)
        return SCALE_LOG10;
    return -1;
}

static double to_scale(int scale, double v)
{
    return scale == SCALE_LOG10 ? log10(v) : scale == SCALE_LN ? log(v) : v;
}

/* The objective prior of row r (estimated parameters only: a fixed parameter's prior is a
 * constant).  An empty type is no prior (PEtab's default, a flat density on the parameter
 * scale within the bounds, adds a constant).  0, or -1 with a message. */
static int read_prior(const petab_tsv *t, int r, int ctype, int cpar, const char *id,
                      prior_kind *kind, double *a, double *b, char *err, size_t errlen)
{
    const char *type = ctype >= 0 ? petab_tsv_get(t, r, ctype) : "";
    *kind = PRIOR_NONE;
    if (!*type)
        return 0;
    if (prior_kind_parse(type, kind) != 0)
        return errf(err, errlen, "%s: line %d: '%s': objectivePriorType '%s' is not one of "
                    "uniform, normal, laplace, logNormal, logLaplace, parameterScaleUniform, "
                    "parameterScaleNormal, parameterScaleLaplace", t->path, t->line[r], id, type);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cpar >= 0 ? petab_tsv_get(t, r, cpar) : "");
    char *semi = strchr(buf, ';');
    if (semi)
        *semi = '\0';
    char why[160];
    if (!semi || strchr(semi + 1, ';') || !parse_number(buf, a) || !parse_number(semi + 1, b))
        return errf(err, errlen, "%s: line %d: '%s': objectivePriorParameters must be two "
                    "numbers separated by ';', not '%s'", t->path, t->line[r], id,
                    cpar >= 0 ? petab_tsv_get(t, r, cpar) : "");
    if (prior_check(*kind, *a, *b, why, sizeof why) != 0)
        return errf(err, errlen, "%s: line %d: '%s': %s", t->path, t->line[r], id, why);
    return 0;
}

static int read_parameters(petab_problem *P, loader *L, model *m, int *np_out, char *err,
                           size_t errlen)
{
    const petab_tsv *t = &L->par;
    const int cid = need_col(t, "parameterId", err, errlen);
    const int cscale = cid < 0 ? -1 : need_col(t, "parameterScale", err, errlen);
    const int clo = cscale < 0 ? -1 : need_col(t, "lowerBound", err, errlen);
    const int chi = clo < 0 ? -1 : need_col(t, "upperBound", err, errlen);
    const int cnom = chi < 0 ? -1 : need_col(t, "nominalValue", err, errlen);
    const int cest = cnom < 0 ? -1 : need_col(t, "estimate", err, errlen);
    if (cest < 0)
        return -1;
    const int cprior = petab_tsv_col(t, "objectivePriorType");
    const int cprior_par = petab_tsv_col(t, "objectivePriorParameters");
    int np = 0;
    for (int r = 0; r < t->nrow; r++) {
        const char *id = petab_tsv_get(t, r, cid);
        const char *est = petab_tsv_get(t, r, cest);
        const int scale = scale_of(petab_tsv_get(t, r, cscale));
        double nominal, lo, hi;
        if (!*id)
            return errf(err, errlen, "%s: line %d: empty parameterId", t->path, t->line[r]);
        if (scale < 0)
            return errf(err, errlen, "%s: line %d: '%s': parameterScale must be lin, log or "
                        "log10", t->path, t->line[r], id);
        if (strcmp(est, "0") != 0 && strcmp(est, "1") != 0)
            return errf(err, errlen, "%s: line %d: '%s': estimate must be 0 or 1", t->path,
                        t->line[r], id);
        if (!parse_number(petab_tsv_get(t, r, cnom), &nominal) || !isfinite(nominal))
            return errf(err, errlen, "%s: line %d: '%s': nominalValue is not a finite number",
                        t->path, t->line[r], id);
        int i = petab_sym_find(P, id);
        if (i < 0) {
            i = petab_sym_add(P, id);
            if (i < 0)
                return errf(err, errlen, "out of memory");
            P->sym[i].petab_only = 1;
        } else if (P->sym[i].kind != PSYM_VALUE || P->sym[i].species) {
            return errf(err, errlen, "%s: line %d: '%s' is a species or a rule target, not a "
                        "parameter", t->path, t->line[r], id);
        }
        P->sym[i].init = NULL;   /* the table's value replaces any initial assignment */
        if (est[0] == '0') {
            P->sym[i].value = nominal;
            continue;
        }
        if (!parse_number(petab_tsv_get(t, r, clo), &lo) ||
            !parse_number(petab_tsv_get(t, r, chi), &hi) || !(lo <= nominal && nominal <= hi))
            return errf(err, errlen, "%s: line %d: '%s': the bounds must be numbers with "
                        "lowerBound <= nominalValue <= upperBound", t->path, t->line[r], id);
        if (scale != SCALE_LIN && !(nominal > 0.0 && lo >= 0.0))
            return errf(err, errlen, "%s: line %d: '%s': a log-scale parameter needs a "
                        "positive nominal value and non-negative bounds", t->path, t->line[r], id);
        prior_kind prior = PRIOR_NONE;
        double pa = 0.0, pb = 0.0;
        if (read_prior(t, r, cprior, cprior_par, id, &prior, &pa, &pb, err, errlen) != 0)
            return -1;
        P->sym[i].theta = np;
        if (m) {
            model_set_param(m, np, id, (param_scale)scale, to_scale(scale, nominal),
                            to_scale(scale, lo), to_scale(scale, hi));
            m->params[np].prior = prior;
            m->params[np].prior_a = pa;
            m->params[np].prior_b = pb;
        }
        np++;
    }
    *np_out = np;
    return 0;
}

/* ---- observable table -------------------------------------------------------------------- */

static int read_observables(petab_problem *P, loader *L, char *err, size_t errlen)
{
    const petab_tsv *t = &L->obs;
    snprintf(P->obs_path, sizeof P->obs_path, "%s", t->path);
    const int cid = need_col(t, "observableId", err, errlen);
    const int cf = cid < 0 ? -1 : need_col(t, "observableFormula", err, errlen);
    const int cn = cf < 0 ? -1 : need_col(t, "noiseFormula", err, errlen);
    if (cn < 0)
        return -1;
    const int ctr = petab_tsv_col(t, "observableTransformation");
    const int cdist = petab_tsv_col(t, "noiseDistribution");
    P->obs = calloc((size_t)(t->nrow ? t->nrow : 1), sizeof *P->obs);
    if (!P->obs)
        return errf(err, errlen, "out of memory");
    L3ParserSettings_t *settings = L3ParserSettings_create();
    L3ParserSettings_setParseLog(settings, L3P_PARSE_LOG_AS_LN);
    int status = 0;
    for (int r = 0; r < t->nrow && status == 0; r++) {
        pobservable *o = &P->obs[P->nobs++];
        const char *id = petab_tsv_get(t, r, cid);
        o->id = strdup(id);
        const char *tr = ctr >= 0 ? petab_tsv_get(t, r, ctr) : "";
        const char *dist = cdist >= 0 ? petab_tsv_get(t, r, cdist) : "";
        o->transform = !*tr || strcmp(tr, "lin") == 0 ? 0 : strcmp(tr, "log") == 0 ? 1
                       : strcmp(tr, "log10") == 0 ? 2 : -1;
        o->laplace = !*dist || strcmp(dist, "normal") == 0 ? 0
                     : strcmp(dist, "laplace") == 0 ? 1 : -1;
        if (!*id) {
            status = errf(err, errlen, "%s: line %d: empty observableId", t->path, t->line[r]);
        } else if (o->transform < 0) {
            status = errf(err, errlen, "%s: line %d: '%s': observableTransformation '%s' is "
                          "not lin, log or log10", t->path, t->line[r], id, tr);
        } else if (o->laplace < 0) {
            status = errf(err, errlen, "%s: line %d: '%s': noiseDistribution '%s' is not "
                          "normal or laplace", t->path, t->line[r], id, dist);
        } else {
            for (int k = 0; k < 2 && status == 0; k++) {
                const char *f = petab_tsv_get(t, r, k ? cn : cf);
                ASTNode_t *a = *f ? SBML_parseL3FormulaWithSettings(f, settings) : NULL;
                if (!a) {
                    char *msg = SBML_getLastParseL3Error();
                    status = errf(err, errlen, "%s: line %d: '%s': cannot parse the %s formula "
                                  "'%s'%s%.120s", t->path, t->line[r], id,
                                  k ? "noise" : "observable", f, msg ? ": " : "",
                                  msg ? msg : "");
                    for (char *c = err; c && *c; c++)
                        if (*c == '\n')
                            *c = ' ';
                    free(msg);
                }
                if (k)
                    o->noise = a;
                else
                    o->formula = a;
            }
        }
        for (int q = 0; q < r && status == 0; q++)
            if (strcmp(P->obs[q].id, id) == 0)
                status = errf(err, errlen, "%s: line %d: observableId '%s' appears twice",
                              t->path, t->line[r], id);
    }
    L3ParserSettings_free(settings);
    return status;
}

static int find_obs(const petab_problem *P, const char *id)
{
    for (int i = 0; i < P->nobs; i++)
        if (strcmp(P->obs[i].id, id) == 0)
            return i;
    return -1;
}

/* ---- condition table ---------------------------------------------------------------------- */

static int find_condition(const petab_tsv *t, int cid, const char *id)
{
    for (int r = 0; r < t->nrow; r++)
        if (strcmp(petab_tsv_get(t, r, cid), id) == 0)
            return r;
    return -1;
}

/* Columns → constants.  For each target column: one constant for the number, one for the
 * "a number is given" flag when some used condition keeps the model's value or names a
 * parameter, and one weight per parameter named.  Returns nc, or -1. */
static int read_conditions(petab_problem *P, loader *L, char *err, size_t errlen)
{
    const petab_tsv *t = &L->cond;
    const int cid = petab_tsv_col(t, "conditionId");
    const int cname = petab_tsv_col(t, "conditionName");
    P->col = calloc((size_t)(t->ncol ? t->ncol : 1), sizeof *P->col);
    if (!P->col)
        return errf(err, errlen, "out of memory");
    int nc = 0;
    for (int j = 0; j < t->ncol; j++) {
        if (j == cid || j == cname)
            continue;
        const char *target = t->head[j];
        const int s = petab_sym_find(P, target);
        if (s < 0)
            return errf(err, errlen, "%s: column '%s': unknown id (not in the SBML model)",
                        t->path, target);
        if (P->sym[s].kind == PSYM_ASSIGN)
            return errf(err, errlen, "%s: column '%s': an assignment-rule target cannot be "
                        "overridden by a condition", t->path, target);
        if (P->sym[s].theta >= 0)
            return errf(err, errlen, "%s: column '%s': an estimated parameter cannot be "
                        "overridden by a condition", t->path, target);
        pcolumn *c = &P->col[P->ncol];
        c->sym = s;
        c->num = nc++;
        c->flag = -1;
        int keeps = 0;
        for (int r = 0; r < t->nrow; r++) {
            if (!L->cond_used[r])
                continue;
            const char *v = petab_tsv_get(t, r, j);
            double x;
            if (is_nan_cell(v)) {
                keeps = 1;
            } else if (!parse_number(v, &x)) {
                const int q = petab_sym_find(P, v);
                if (q < 0 || P->sym[q].kind == PSYM_STATE)
                    return errf(err, errlen, "%s: line %d: column '%s': '%s' is neither a "
                                "number nor a parameter", t->path, t->line[r], target, v);
                keeps = 1;
                int seen = 0;
                for (int k = 0; k < c->nref; k++)
                    seen |= c->ref_sym[k] == q;
                if (!seen) {
                    int *a = realloc(c->ref_sym, sizeof(int) * (size_t)(c->nref + 1));
                    if (a)
                        c->ref_sym = a;
                    int *b = realloc(c->ref_c, sizeof(int) * (size_t)(c->nref + 1));
                    if (b)
                        c->ref_c = b;
                    if (!a || !b)
                        return errf(err, errlen, "out of memory");
                    c->ref_sym[c->nref] = q;
                    c->ref_c[c->nref++] = -1;   /* numbered below */
                }
            }
        }
        if (keeps)
            c->flag = nc++;
        for (int k = 0; k < c->nref; k++)
            c->ref_c[k] = nc++;
        P->sym[s].cond_col = P->ncol++;
    }
    return nc;
}

/* the constants of condition-table row r */
static void fill_constants(const petab_problem *P, const loader *L, int r, double *c)
{
    const petab_tsv *t = &L->cond;
    for (int k = 0; k < P->ncol; k++) {
        const pcolumn *col = &P->col[k];
        const char *v = petab_tsv_get(t, r, petab_tsv_col(t, P->sym[col->sym].id));
        double x = 0.0;
        c[col->num] = 0.0;
        if (col->flag >= 0)
            c[col->flag] = 0.0;
        for (int q = 0; q < col->nref; q++)
            c[col->ref_c[q]] = strcmp(v, P->sym[col->ref_sym[q]].id) == 0;
        if (!is_nan_cell(v) && parse_number(v, &x)) {
            c[col->num] = x;
            if (col->flag >= 0)
                c[col->flag] = 1.0;
        }
    }
}

/* ---- measurement table --------------------------------------------------------------------- */

static int cmp_mrow(const void *a, const void *b)
{
    const mrow *x = a, *y = b;
    if (x->cond != y->cond)
        return x->cond < y->cond ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->obs != y->obs)
        return x->obs < y->obs ? -1 : 1;
    int c = strcmp(x->op, y->op);
    if (c)
        return c;
    c = strcmp(x->np, y->np);
    if (c)
        return c;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Check one override string: ';'-separated numbers or known ids. */
static int check_overrides(const petab_problem *P, const char *s, const petab_tsv *t, int r,
                           const char *col, char *err, size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1]))
            *--e = '\0';
        double v;
        if (!parse_number(tok, &v) && petab_sym_find(P, tok) < 0)
            return errf(err, errlen, "%s: line %d: %s: unknown parameter '%s'", t->path,
                        t->line[r], col, tok);
    }
    return 0;
}

static int read_measurements(petab_problem *P, loader *L, char *err, size_t errlen)
{
    const petab_tsv *t = &L->meas;
    const int cobs = need_col(t, "observableId", err, errlen);
    const int csim = cobs < 0 ? -1 : need_col(t, "simulationConditionId", err, errlen);
    const int cval = csim < 0 ? -1 : need_col(t, "measurement", err, errlen);
    const int ctime = cval < 0 ? -1 : need_col(t, "time", err, errlen);
    if (ctime < 0)
        return -1;
    const int cpre = petab_tsv_col(t, "preequilibrationConditionId");
    const int cop = petab_tsv_col(t, "observableParameters");
    const int cnp = petab_tsv_col(t, "noiseParameters");
    const int ccid = petab_tsv_col(&L->cond, "conditionId");
    if (ccid < 0)
        return errf(err, errlen, "%s: the required column 'conditionId' is missing",
                    L->cond.path);
    if (t->nrow == 0)
        return errf(err, errlen, "%s: no measurements", t->path);
    mrow *rows = calloc((size_t)t->nrow, sizeof *rows);
    L->cond_used = calloc((size_t)(L->cond.nrow ? L->cond.nrow : 1), sizeof(int));
    L->mcond_row = calloc((size_t)(L->cond.nrow ? L->cond.nrow : 1), sizeof(int));
    if (!rows || !L->cond_used || !L->mcond_row) {
        free(rows);
        return errf(err, errlen, "out of memory");
    }
    int status = 0;
    L->preeq = -2;
    for (int r = 0; r < t->nrow && status == 0; r++) {
        mrow *w = &rows[r];
        w->row = r;
        const char *oid = petab_tsv_get(t, r, cobs), *sid = petab_tsv_get(t, r, csim);
        const char *pid = petab_tsv_get(t, r, cpre);
        double value;
        w->obs = find_obs(P, oid);
        const int crow = find_condition(&L->cond, ccid, sid);
        const int prow = *pid ? find_condition(&L->cond, ccid, pid) : -1;
        w->op = petab_tsv_get(t, r, cop);
        w->np = petab_tsv_get(t, r, cnp);
        if (w->obs < 0)
            status = errf(err, errlen, "%s: line %d: unknown observable '%s'", t->path,
                          t->line[r], oid);
        else if (crow < 0)
            status = errf(err, errlen, "%s: line %d: unknown simulation condition '%s'",
                          t->path, t->line[r], sid);
        else if (*pid && prow < 0)
            status = errf(err, errlen, "%s: line %d: unknown pre-equilibration condition "
                          "'%s'", t->path, t->line[r], pid);
        else if (!parse_number(petab_tsv_get(t, r, ctime), &w->time) || isnan(w->time) ||
                 w->time < 0)
            status = errf(err, errlen, "%s: line %d: time '%s' is not a number >= 0", t->path,
                          t->line[r], petab_tsv_get(t, r, ctime));
        else if (r > 0 && !isinf(w->time) != !isinf(rows[0].time))
            status = errf(err, errlen, "%s: line %d: measurements at time inf (steady-state "
                          "data) are supported only when every measurement is at time inf",
                          t->path, t->line[r]);
        else if (isinf(w->time) && *pid)
            status = errf(err, errlen, "%s: line %d: measurements at time inf (steady-state "
                          "data) after a pre-equilibration are not supported", t->path,
                          t->line[r]);
        else if (!parse_number(petab_tsv_get(t, r, cval), &value) || !isfinite(value))
            status = errf(err, errlen, "%s: line %d: measurement '%s' is not a finite number",
                          t->path, t->line[r], petab_tsv_get(t, r, cval));
        else if (P->obs[w->obs].transform && !(value > 0))
            status = errf(err, errlen, "%s: line %d: a log-transformed observable needs a "
                          "positive measurement", t->path, t->line[r]);
        else if (L->preeq != -2 && prow != L->preeq)
            status = errf(err, errlen, "%s: line %d: measurements name different "
                          "pre-equilibration conditions; only one shared by all is supported",
                          t->path, t->line[r]);
        if (status == 0)
            status = check_overrides(P, w->op, t, r, "observableParameters", err, errlen) |
                     check_overrides(P, w->np, t, r, "noiseParameters", err, errlen);
        if (status != 0)
            break;
        L->preeq = prow;
        if (!L->cond_used[crow]) {
            L->cond_used[crow] = 1;
            L->mcond_row[L->nmcond++] = crow;
        }
        for (int k = 0; k < L->nmcond; k++)
            if (L->mcond_row[k] == crow)
                w->cond = k;
    }
    if (status == 0 && L->preeq >= 0)
        L->cond_used[L->preeq] = 1;
    P->steady_data = status == 0 && isinf(rows[0].time);
    if (P->steady_data && L->nmcond > 1)
        status = errf(err, errlen, "%s: measurements at time inf (steady-state data) are "
                      "supported in one simulation condition only, not %d", t->path,
                      L->nmcond);
    if (status != 0) {
        free(rows);
        return -1;
    }
    /* replicates: the k-th row with the same (condition, time, observable, overrides) */
    qsort(rows, (size_t)t->nrow, sizeof *rows, cmp_mrow);
    P->nmeas = t->nrow;
    P->meas_cond = calloc((size_t)t->nrow, sizeof(int));
    P->meas_time = calloc((size_t)t->nrow, sizeof(int));
    P->meas_series = calloc((size_t)t->nrow, sizeof(int));
    int *rep = calloc((size_t)t->nrow, sizeof(int));
    if (!P->meas_cond || !P->meas_time || !P->meas_series || !rep) {
        free(rows);
        free(rep);
        return errf(err, errlen, "out of memory");
    }
    for (int k = 1; k < t->nrow; k++) {
        const mrow *a = &rows[k - 1], *b = &rows[k];
        const int same = a->cond == b->cond && a->time == b->time && a->obs == b->obs &&
                         strcmp(a->op, b->op) == 0 && strcmp(a->np, b->np) == 0;
        rep[k] = same ? rep[k - 1] + 1 : 0;
    }
    for (int k = 0; k < t->nrow && status == 0; k++) {
        const mrow *w = &rows[k];
        int s = -1;
        for (int q = 0; q < P->nseries && s < 0; q++) {
            const pseries *z = &P->series[q];
            if (z->obs == w->obs && z->replicate == rep[k] && strcmp(z->obs_pars, w->op) == 0 &&
                strcmp(z->noise_pars, w->np) == 0)
                s = q;
        }
        if (s < 0) {
            pseries *z = realloc(P->series, sizeof *z * (size_t)(P->nseries + 1));
            if (!z) {
                status = errf(err, errlen, "out of memory");
                break;
            }
            P->series = z;
            s = P->nseries++;
            z[s].obs = w->obs;
            z[s].replicate = rep[k];
            z[s].obs_pars = strdup(w->op);
            z[s].noise_pars = strdup(w->np);
            if (P->obs[w->obs].transform || P->obs[w->obs].laplace)
                P->any_nonlinear_noise = 1;
        }
        P->meas_cond[w->row] = w->cond;
        P->meas_series[w->row] = s;
    }
    P->ny = P->nseries;
    free(rep);
    L->rows = rows;
    return status;
}

/* the model's conditions: times (sorted rows: by condition, then time), data, constants */
static int fill_conditions(petab_problem *P, loader *L, model *m, char *err, size_t errlen)
{
    const petab_tsv *t = &L->meas;
    const int cval = petab_tsv_col(t, "measurement");
    const int ccid = petab_tsv_col(&L->cond, "conditionId");
    const mrow *rows = L->rows;
    int status = 0;
    {
        for (int k = 0, first = 0; k < L->nmcond && status == 0; k++) {
            int n = 0, last = first;
            for (int q = first; q < t->nrow && rows[q].cond == k; q++, last++)
                n += q == first || rows[q].time != rows[q - 1].time;
            if (model_condition_alloc(m, k, n) != 0) {
                status = errf(err, errlen, "out of memory");
                break;
            }
            model_condition *mc = &m->cond[k];
            snprintf(mc->name, sizeof mc->name, "%s",
                     petab_tsv_get(&L->cond, L->mcond_row[k], ccid));
            fill_constants(P, L, L->mcond_row[k], mc->constants);
            int ti = -1;
            for (int q = first; q < last; q++) {
                const mrow *w = &rows[q];
                /* steady-state data: observed at t0, where x0 is the steady state */
                if (q == first || w->time != rows[q - 1].time)
                    mc->times[++ti] = isinf(w->time) ? 0.0 : w->time;
                double v = NAN;   /* read and checked finite by the first pass over the rows */
                (void)parse_number(petab_tsv_get(t, w->row, cval), &v);
                const int tr = P->obs[w->obs].transform;
                v = tr == 1 ? log(v) : tr == 2 ? log10(v) : v;
                mc->values[(size_t)ti * (size_t)P->ny + (size_t)P->meas_series[w->row]] = v;
                P->meas_time[w->row] = ti;
            }
            first = last;
        }
    }
    return status;
}

/* ---- the graphs -------------------------------------------------------------------------- */

static void record(petab_problem *P, const ptrans *T, expr_graph *g)
{
    P->uses_time |= T->uses_time;
    if (T->err[0] && !P->err[0])
        snprintf(P->err, sizeof P->err, "%s", T->err);
    if (T->err[0])
        expr_state(g, -1);   /* make the graph fail so that compilation reports an error */
}

/* the rate law of reaction r, its local parameters bound first */
static expr rate_law(ptrans *T, int r)
{
    const petab_problem *P = T->P;
    KineticLaw_t *kl = P->law[r];
    const unsigned nl = KineticLaw_getNumLocalParameters(kl);
    const unsigned np = KineticLaw_getNumParameters(kl);
    const unsigned n = nl ? nl : np;
    pscope *local = calloc(n ? n : 1, sizeof *local);
    if (!local)
        return EXPR_NONE;
    for (unsigned k = 0; k < n; k++) {
        const char *id;
        double v;
        if (nl) {
            LocalParameter_t *lp = KineticLaw_getLocalParameter(kl, k);
            id = LocalParameter_getId(lp);
            v = LocalParameter_getValue(lp);
        } else {
            Parameter_t *pp = KineticLaw_getParameter(kl, k);
            id = Parameter_getId(pp);
            v = Parameter_getValue(pp);
        }
        local[k].name = id;
        local[k].value = expr_num(T->g, isfinite(v) ? v : 0.0);
        local[k].next = k + 1 < n ? &local[k + 1] : NULL;
    }
    T->where = Reaction_getId(Model_getReaction(P->sbml, (unsigned)r));
    unsigned dep = 0;
    expr e = ptrans_math(T, P->rate[r], PMODE_DYN, n ? local : NULL, &dep);
    T->where = NULL;
    free(local);
    return e;
}

static expr petab_rhs(expr_graph *g, const model *m)
{
    petab_problem *P = m->data;
    ptrans T;
    expr out = EXPR_NONE;
    if (ptrans_init(&T, g, P) != 0)
        return expr_state(g, -1);
    expr *rate = malloc(sizeof(expr) * (size_t)(P->nreact ? P->nreact : 1));
    expr *f = malloc(sizeof(expr) * (size_t)P->nx);
    if (rate && f) {
        for (int r = 0; r < P->nreact; r++)
            rate[r] = rate_law(&T, r);
        for (int i = 0; i < P->nx; i++) {
            const psym *s = &P->sym[P->state_sym[i]];
            unsigned dep = 0;
            if (s->math) {
                T.where = s->id;
                f[i] = ptrans_math(&T, s->math, PMODE_DYN, NULL, &dep);
                continue;
            }
            expr sum = expr_num(g, 0.0);
            for (int k = 0; k < P->nstoich; k++)
                if (P->st_state[k] == P->state_sym[i])
                    sum = expr_add(g, sum, expr_scale(g, rate[P->st_react[k]], P->st_coef[k]));
            if (s->species && !s->hosu)
                sum = expr_div(g, sum, ptrans_sym(&T, s->compartment, PMODE_DYN, &dep));
            f[i] = sum;
        }
        out = expr_concat(g, P->nx, f);
    }
    record(P, &T, g);
    free(rate);
    free(f);
    ptrans_free(&T);
    return out;
}

static expr petab_initial(expr_graph *g, const model *m)
{
    petab_problem *P = m->data;
    ptrans T;
    expr out = EXPR_NONE;
    expr *x0 = malloc(sizeof(expr) * (size_t)P->nx);
    if (ptrans_init(&T, g, P) == 0 && x0) {
        for (int i = 0; i < P->nx; i++) {
            unsigned dep = 0;
            x0[i] = ptrans_sym(&T, P->state_sym[i], PMODE_INIT, &dep);
        }
        out = expr_concat(g, P->nx, x0);
    }
    record(P, &T, g);
    free(x0);
    ptrans_free(&T);
    return out;
}

/* the placeholders observableParameter<k>_<obs> (or noiseParameter…) bound to the k-th
 * entry of an override string: a number or a parameter */
static pscope *bind_overrides(ptrans *T, const char *kind, const char *obs, const char *s,
                              const pscope *next, pscope *store, int cap, int *used)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    pscope *head = (pscope *)next;
    int k = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok && *used < cap;
         tok = strtok_r(NULL, ";", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1]))
            *--e = '\0';
        k++;
        pscope *b = &store[(*used)++];
        char *name = malloc(strlen(kind) + strlen(obs) + 24);
        if (!name)
            break;
        sprintf(name, "%s%d_%s", kind, k, obs);
        b->name = name;
        double v;
        b->dep = 0;
        if (parse_number(tok, &v)) {
            b->value = expr_num(T->g, v);
        } else {
            const int i = petab_sym_find(T->P, tok);
            b->value = i >= 0 ? ptrans_sym(T, i, PMODE_DYN, &b->dep) : EXPR_NONE;
        }
        b->next = head;
        head = b;
    }
    return head;
}

#define PETAB_MAX_BIND 64

/* observable (noise = 0) or σ (noise = 1) of series j, transformed for the observable */
static expr series_value(ptrans *T, int j, int noise)
{
    const petab_problem *P = T->P;
    const pseries *z = &P->series[j];
    const pobservable *o = &P->obs[z->obs];
    pscope store[PETAB_MAX_BIND];
    int used = 0;
    const pscope *scope = bind_overrides(T, "observableParameter", o->id, z->obs_pars, NULL,
                                         store, PETAB_MAX_BIND, &used);
    if (noise)
        scope = bind_overrides(T, "noiseParameter", o->id, z->noise_pars, scope, store,
                               PETAB_MAX_BIND, &used);
    unsigned dep = 0;
    T->where = o->id;
    expr e = ptrans_math(T, noise ? o->noise : o->formula, PMODE_DYN, scope, &dep);
    T->where = NULL;
    for (int k = 0; k < used; k++)
        free((char *)store[k].name);
    if (!noise && o->transform)
        e = expr_log(T->g, e);
    if (!noise && o->transform == 2)
        e = expr_scale(T->g, e, 1.0 / LN10);
    return e;
}

static expr all_series(expr_graph *g, const model *m, int noise)
{
    petab_problem *P = m->data;
    ptrans T;
    expr out = EXPR_NONE;
    expr *y = malloc(sizeof(expr) * (size_t)P->ny);
    if (ptrans_init(&T, g, P) == 0 && y) {
        T.file = P->obs_path;
        for (int j = 0; j < P->ny; j++)
            y[j] = series_value(&T, j, noise);
        out = expr_concat(g, P->ny, y);
    }
    record(P, &T, g);
    free(y);
    ptrans_free(&T);
    return out;
}

static expr petab_observables(expr_graph *g, const model *m) { return all_series(g, m, 0); }
static expr petab_sigma(expr_graph *g, const model *m) { return all_series(g, m, 1); }

/* The PEtab negative log-likelihood of one observation (see petab.h).  The data row holds
 * the transformed measurements T(m) (0 where missing) and the presence mask. */
static expr petab_loss_term(expr_graph *g, const model *m)
{
    petab_problem *P = m->data;
    const int ny = P->ny;
    expr y = petab_observables(g, m), sigma = petab_sigma(g, m);
    expr total = expr_num(g, 0.0);
    for (int j = 0; j < ny; j++) {
        const pobservable *o = &P->obs[P->series[j].obs];
        expr d = expr_datum(g, j), present = expr_datum(g, ny + j);
        expr yj = expr_gather(g, y, 1, &j), sj = expr_gather(g, sigma, 1, &j);
        expr r = expr_div(g, expr_sub(g, d, yj), sj);
        expr term;
        if (o->laplace) {
            /* log 2σ + |r| with |r| = r (2H(r) − 1) */
            expr sign = expr_shift(g, expr_scale(g, expr_step(g, r, 0), 2.0), -1.0);
            term = expr_add(g, expr_log(g, expr_scale(g, sj, 2.0)), expr_mul(g, r, sign));
        } else {
            term = expr_add(g, expr_shift(g, expr_log(g, sj), 0.5 * log(2.0 * M_PI)),
                            expr_scale(g, expr_mul(g, r, r), 0.5));
        }
        /* log J(m): ln m = T(m) for log; ln(m ln10) = T(m) ln10 + ln ln10 for log10 */
        if (o->transform == 1)
            term = expr_add(g, term, d);
        else if (o->transform == 2)
            term = expr_add(g, term, expr_shift(g, expr_scale(g, d, LN10), log(LN10)));
        total = expr_add(g, total, expr_mul(g, present, term));
    }
    return total;
}

/* ---- assembly ---------------------------------------------------------------------------- */

static void problem_free(void *data)
{
    petab_problem *P = data;
    if (!P)
        return;
    for (int i = 0; i < P->nobs; i++) {
        free(P->obs[i].id);
        ASTNode_free(P->obs[i].formula);
        ASTNode_free(P->obs[i].noise);
    }
    free(P->obs);
    for (int i = 0; i < P->nseries; i++) {
        free(P->series[i].obs_pars);
        free(P->series[i].noise_pars);
    }
    free(P->series);
    for (int k = 0; k < P->ncol; k++) {
        free(P->col[k].ref_c);
        free(P->col[k].ref_sym);
    }
    free(P->col);
    free(P->meas_cond);
    free(P->meas_time);
    free(P->meas_series);
    petab_sbml_free(P);
    free(P);
}

static void loader_free(loader *L)
{
    petab_tsv_free(&L->par);
    petab_tsv_free(&L->cond);
    petab_tsv_free(&L->obs);
    petab_tsv_free(&L->meas);
    free(L->cond_used);
    free(L->mcond_row);
    free(L->rows);
}

/* translate every graph once (into graphs with nc constants), so that errors name their file
 * and id — and, while the breakpoint registry is open, so that every switch time is found */
static int trial_build(const model *m, int nc, char *err, size_t errlen)
{
    petab_problem *P = m->data;
    model_build_fn fns[] = {petab_rhs, petab_initial, petab_observables, petab_sigma,
                            petab_break_times, petab_break_jumps};
    const int nfn = m->nbreak > 0 ? 6 : 4;
    for (int k = 0; k < nfn; k++) {
        expr_graph *g = expr_graph_new(m->nx, m->np, nc, 0);
        if (!g)
            return errf(err, errlen, "out of memory");
        fns[k](g, m);
        expr_graph_free(g);
        if (P->err[0])
            return errf(err, errlen, "%s", P->err);
    }
    return 0;
}

/* Find the switch times of the maths (petab_break.c): one translation of every graph with
 * the registry open, phases numbered from nc on.  Returns how many breakpoints, or -1. */
static int discover_breaks(petab_problem *P, int np, int nc, char *err, size_t errlen)
{
    model probe;
    memset(&probe, 0, sizeof probe);
    probe.nx = P->nx;
    probe.np = np;
    probe.ny = P->ny;
    probe.data = P;
    P->brk->phase = nc;
    P->brk->open = 1;
    const int status = trial_build(&probe, nc + PETAB_MAX_BREAKS, err, errlen);
    P->brk->open = 0;
    return status != 0 ? -1 : P->brk->n;
}

int petab_model_create(model *m, const char *path, char *err, size_t errlen)
{
    loader L;
    memset(&L, 0, sizeof L);
    petab_problem *P = calloc(1, sizeof *P);
    int status = -1, np = 0;
    if (!P)
        return errf(err, errlen, "out of memory");
    if (petab_yaml_read(path, &L.files, err, errlen) != 0 ||
        petab_tsv_read(L.files.parameters, &L.par, err, errlen) != 0 ||
        petab_tsv_read(L.files.conditions, &L.cond, err, errlen) != 0 ||
        petab_tsv_read(L.files.observables, &L.obs, err, errlen) != 0 ||
        petab_tsv_read(L.files.measurements, &L.meas, err, errlen) != 0 ||
        petab_sbml_load(P, L.files.sbml, err, errlen) != 0 ||
        read_parameters(P, &L, NULL, &np, err, errlen) != 0 ||
        read_observables(P, &L, err, errlen) != 0 ||
        read_measurements(P, &L, err, errlen) != 0)
        goto done;
    const int nc = read_conditions(P, &L, err, errlen);
    if (nc < 0)
        goto done;
    const int nbreak = discover_breaks(P, np, nc, err, errlen);
    if (nbreak < 0)
        goto done;
    if (model_alloc(m, P->nx, np, nc + nbreak, P->ny) != 0) {
        errf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    m->data = P;
    m->free_data = problem_free;
    for (int i = 0; i < P->nx; i++)
        snprintf(m->state_names[i], MODEL_NAME_LEN, "%s", P->sym[P->state_sym[i]].id);
    for (int j = 0; j < P->ny; j++) {
        const pseries *z = &P->series[j];
        int same = 0;
        for (int q = 0; q < P->ny; q++)
            same += P->series[q].obs == z->obs;
        if (same > 1)
            snprintf(m->obs_names[j], MODEL_NAME_LEN, "%s#%d", P->obs[z->obs].id, j);
        else
            snprintf(m->obs_names[j], MODEL_NAME_LEN, "%s", P->obs[z->obs].id);
    }
    for (int k = 0; k < P->ncol; k++) {
        const pcolumn *c = &P->col[k];
        snprintf(m->constant_names[c->num], MODEL_NAME_LEN, "%s", P->sym[c->sym].id);
        if (c->flag >= 0)
            snprintf(m->constant_names[c->flag], MODEL_NAME_LEN, "%s?", P->sym[c->sym].id);
        for (int q = 0; q < c->nref; q++)
            snprintf(m->constant_names[c->ref_c[q]], MODEL_NAME_LEN, "%s=%s", P->sym[c->sym].id,
                     P->sym[c->ref_sym[q]].id);
    }
    /* time breakpoints: their phases are the last constants (set by the model layer) */
    m->nbreak = nbreak;
    m->break_phase = nc;
    m->break_times = nbreak ? petab_break_times : NULL;
    m->break_jump = petab_break_has_jumps(P) ? petab_break_jumps : NULL;
    for (int e = 0; e < nbreak; e++)
        snprintf(m->constant_names[nc + e], MODEL_NAME_LEN, "time>=%.50s", P->brk->b[e].key);
    /* the parameter table again, now writing θ's scales, nominal values and bounds */
    for (int i = 0; i < P->nsym; i++)
        P->sym[i].theta = -1;
    if (read_parameters(P, &L, m, &np, err, errlen) != 0 ||
        fill_conditions(P, &L, m, err, errlen) != 0)
        goto done;
    m->summary = "a PEtab problem (SBML model with PEtab tables)";
    m->t0 = 0.0;
    m->tf = 0.0;
    m->stiff = 1;
    m->loss = P->any_nonlinear_noise ? LOSS_CUSTOM : LOSS_GAUSSIAN_NLL;
    m->rhs = petab_rhs;
    m->observables = petab_observables;
    m->sigma = petab_sigma;
    m->loss_term = P->any_nonlinear_noise ? petab_loss_term : NULL;
    if (P->steady_data) {
        /* the observables at the steady state reached in the (one) simulation condition:
         * x0 is that steady state (Newton from the model's initial values, derivatives by
         * implicit differentiation: core/model/model_x0.c), observed at t0 */
        m->initial = NULL;
        m->steady_guess = petab_initial;
        fill_constants(P, &L, L.mcond_row[0], m->steady_constants);
        m->tf = 1.0;   /* a time span for the solvers; the state stays at the steady state */
    } else if (L.preeq >= 0) {
        m->initial = NULL;
        m->steady_guess = petab_initial;
        fill_constants(P, &L, L.preeq, m->steady_constants);
        /* after pre-equilibration the simulation condition may not reset species */
        for (int k = 0; k < P->ncol; k++) {
            const pcolumn *c = &P->col[k];
            if (P->sym[c->sym].kind != PSYM_STATE)
                continue;
            for (int q = 0; q < m->ncond; q++) {
                const double *cc = m->cond[q].constants;
                const double *pc = m->steady_constants;
                int differs = c->flag >= 0 ? cc[c->flag] != pc[c->flag] : 0;
                differs |= cc[c->num] != pc[c->num];
                for (int r = 0; r < c->nref; r++)
                    differs |= cc[c->ref_c[r]] != pc[c->ref_c[r]];
                if (differs) {
                    errf(err, errlen, "%s: condition '%s' changes species '%s' after "
                         "pre-equilibration; that is not supported", L.files.conditions,
                         m->cond[q].name, P->sym[c->sym].id);
                    goto done;
                }
            }
        }
    } else {
        m->initial = petab_initial;
    }
    status = trial_build(m, m->nc, err, errlen);
    const int laws = status == 0 && P->steady_data ? petab_conserved_totals(P) : 0;
    if (laws != 0 && status == 0)
        status = errf(err, errlen, "%s: measurements at time inf (steady-state data) need an "
                      "isolated steady state; the reactions of %s conserve %d total%s, so the "
                      "steady state depends on the initial totals and the rate Jacobian is "
                      "singular (not supported)", L.files.measurements, L.files.sbml, laws,
                      laws == 1 ? "" : "s");
    if (status == 0 && P->steady_data && P->uses_time)
        status = errf(err, errlen, "%s: measurements at time inf (steady-state data) need "
                      "dynamics and observables that do not depend on time; this model's do",
                      L.files.measurements);
done:
    if (!m->data)
        problem_free(P);
    loader_free(&L);
    return status;
}

int petab_measurement_map(const model *m, int *cond, int *time, int *column)
{
    if (!m || m->free_data != problem_free)
        return -1;
    const petab_problem *P = m->data;
    for (int r = 0; r < P->nmeas; r++) {
        if (cond)
            cond[r] = P->meas_cond[r];
        if (time)
            time[r] = P->meas_time[r];
        if (column)
            column[r] = P->meas_series[r];
    }
    return P->nmeas;
}

int petab_column_transform(const model *m, int column)
{
    if (!m || m->free_data != problem_free)
        return -1;
    const petab_problem *P = m->data;
    if (column < 0 || column >= P->ny)
        return -1;
    return P->obs[P->series[column].obs].transform;
}
