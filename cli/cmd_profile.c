/* odegrad profile — profile likelihoods and 95 % confidence intervals of a model's
 * parameters (fit/profile.h): the optimum is found first by trust-region reflective from
 * --theta (default: the nominal θ) with the Hessian backend --method; then every parameter
 * (or those of --param) is profiled by optimisation, by integrating the profile path, or
 * both.  Writes DIR/<study>--<model>.profile.tsv, .ci.tsv and .optimum.tsv
 * (bench/profile_output.h) and
 * prints the intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "format.h"
#include "opt.h"
#include "opt_backend.h"
#include "parse.h"
#include "profile.h"
#include "profile_output.h"
#include "request.h"
#include "store.h"

#define PROFILE_DEFAULT_STUDY "profile"
#define PROFILE_DEFAULT_RESULTS STORE_SCRATCH_DIR

static const args_opt profile_options[] = {
    { "kind", "K", "optimisation | integration | both (default both)", 0 },
    { "param", "NAME,...", "the parameters to profile (default: all)", 0 },
    { "no-fit", NULL, "--theta is the optimum already: profile from it without a fit", 0 },
    { "gtol", "G", "the fits' and the corrector's tolerance on |gradient|_inf (default 1e-8)", 0 },
    { "ci-tol", "C", "locate the interval's ends to C times the parameter's box width "
      "(default 1e-10)", 0 },
    { "study", "NAME", "files go to DIR/NAME--<model>.* (default " PROFILE_DEFAULT_STUDY ")", 0 },
    { "results", "DIR", "where the files go (default " PROFILE_DEFAULT_RESULTS ")", 0 },
    { "format", FORMAT_CHOICES, "format of the printed intervals (default table)", 0 },
    { NULL, NULL, NULL, 0 }
};

/* --param into a list of indices (all when absent); the count, or -1 with a message */
static int read_params(const model *m, const char *text, int *index, char *err, size_t errlen)
{
    if (!text) {
        for (int i = 0; i < m->np; i++)
            index[i] = i;
        return m->np;
    }
    int n = 0;
    char *copy = strdup(text), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < m->np && found < 0; i++)
            if (strcmp(m->params[i].name, name) == 0)
                found = i;
        if (found < 0 || n >= m->np) {
            snprintf(err, errlen, "--param: model %s has no parameter '%.64s'", m->name, name);
            free(copy);
            return -1;
        }
        index[n++] = found;
    }
    free(copy);
    return n;
}

static int profile_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { request_options, profile_options, NULL };
    args_list a;
    char err[1024];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "profile", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad profile --model M --method H [--theta v1,...] [options]",
                  "Profile likelihoods of model M's parameters with the Hessian backend H\n"
                  "(soadjoint, soforward, fdhess, fim): first a fit by trust-region reflective\n"
                  "from --theta (default the nominal theta), then for each parameter the profile\n"
                  "PL(t) = min L over the others with the parameter at t, by optimisation and/or\n"
                  "by integrating the profile path with the Hessian, to both sides until PL rises\n"
                  "by the 95% likelihood-ratio threshold (1.92) or the bound is reached. Writes\n"
                  "DIR/NAME--M.profile.tsv, .ci.tsv and .optimum.tsv and prints the intervals.",
                  tables);
        return CLI_OK;
    }
    cli_request rq;
    if (request_open(&rq, &a, WANT_HESSIAN, err, sizeof err) != 0) {
        request_close(&rq);
        return cli_usage_error(env, "profile", "%s", err);
    }
    const model *m = rq.model;
    int code = CLI_OK;
    int *index = malloc(sizeof(int) * (size_t)(m->np > 0 ? m->np : 1));
    profile_result *results = calloc((size_t)(2 * (m->np > 0 ? m->np : 1)), sizeof *results);
    profile_entry *entries = calloc((size_t)(2 * (m->np > 0 ? m->np : 1)), sizeof *entries);
    optb_objective ob;
    int ob_open = 0, nentries = 0, nparams;
    profile_settings ps;
    profile_settings_init(&ps);
    out_format fmt = FORMAT_TABLE;
    const char *kind = args_get(&a, "kind"), *text;
    const char *study = args_get(&a, "study") ? args_get(&a, "study") : PROFILE_DEFAULT_STUDY;
    const char *dir = args_get(&a, "results") ? args_get(&a, "results") : PROFILE_DEFAULT_RESULTS;
    if (!index || !results || !entries) {
        code = cli_failure(env, "profile", "out of memory");
        goto done;
    }
    if (!(rq.type->caps & CAP_HESSIAN)) {
        code = cli_usage_error(env, "profile", "--method %s computes no full Hessian; profiles "
                               "need a second-order backend (soadjoint, soforward, fdhess, fim)",
                               rq.type->name);
        goto done;
    }
    if (kind && strcmp(kind, "both") != 0 && strcmp(kind, "optimisation") != 0 &&
        strcmp(kind, "integration") != 0) {
        code = cli_usage_error(env, "profile", "--kind must be optimisation, integration or "
                               "both, not '%s'", kind);
        goto done;
    }
    if ((text = args_get(&a, "format")) && format_parse(text, &fmt) != 0) {
        code = cli_usage_error(env, "profile", "--format must be one of %s, not '%s'",
                               FORMAT_CHOICES, text);
        goto done;
    }
    if ((text = args_get(&a, "gtol")) &&
        parse_positive(text, "--gtol", &ps.inner.gtol, err, sizeof err) != 0) {
        code = cli_usage_error(env, "profile", "%s", err);
        goto done;
    }
    if ((text = args_get(&a, "ci-tol")) &&
        parse_positive(text, "--ci-tol", &ps.ci_tol, err, sizeof err) != 0) {
        code = cli_usage_error(env, "profile", "%s", err);
        goto done;
    }
    if (!(ps.ci_tol < 1e-2)) {
        code = cli_usage_error(env, "profile", "--ci-tol must be below 1e-2 (a hundredth of the "
                               "box), not %g", ps.ci_tol);
        goto done;
    }
    if ((nparams = read_params(m, args_get(&a, "param"), index, err, sizeof err)) < 0) {
        code = cli_usage_error(env, "profile", "%s", err);
        goto done;
    }
    if (m->np < 2) {
        code = cli_usage_error(env, "profile", "model %s has %d parameter(s); a profile needs "
                               "at least two", m->name, m->np);
        goto done;
    }
    for (int i = 0; i < m->np; i++)
        if (!isfinite(m->params[i].lower) || !isfinite(m->params[i].upper) ||
            !(rq.theta[i] >= m->params[i].lower && rq.theta[i] <= m->params[i].upper)) {
            code = cli_usage_error(env, "profile", "--theta entry %d (%s) is %g, outside its "
                                   "bounds [%g, %g]", i + 1, m->params[i].name, rq.theta[i],
                                   m->params[i].lower, m->params[i].upper);
            goto done;
        }
    if (optb_open(&ob, m, &rq.opts, method_find("adjoint"), rq.type, 0, err, sizeof err) != 0) {
        code = cli_usage_error(env, "profile", "%s", err);
        goto done;
    }
    ob_open = 1;
    opt_problem P;
    optb_problem(&ob, &P);
    double L_hat = NAN;
    if (!args_has(&a, "no-fit")) {
        opt_result fit;
        if (opt_run(opt_find("trr"), &P, rq.theta, &ps.inner, &fit, err, sizeof err) != 0) {
            code = cli_failure(env, "profile", "the fit could not start: %s", err);
            goto done;
        }
        if (!opt_exit_converged(fit.exit)) {
            code = cli_failure(env, "profile", "the fit did not converge (%s); profiles need an "
                               "optimum", fit.message);
            opt_result_free(&fit);
            goto done;
        }
        memcpy(rq.theta, fit.theta, sizeof(double) * (size_t)m->np);
        L_hat = fit.objective;
        opt_result_free(&fit);
    } else if (P.loss(P.user, rq.theta, &L_hat, err, sizeof err) != 0) {
        code = cli_failure(env, "profile", "the loss at --theta: %s", err);
        goto done;
    }
    for (int k = 0; k < 2; k++) {
        const profile_kind pk = k ? PROFILE_INTEGRATION : PROFILE_OPTIMISATION;
        if (kind && strcmp(kind, "both") != 0 && strcmp(kind, profile_kind_name(pk)) != 0)
            continue;
        for (int j = 0; j < nparams; j++) {
            profile_result *r = &results[nentries];
            if (profile_compute(pk, &P, rq.theta, L_hat, index[j], &ps, r, err, sizeof err) != 0) {
                code = cli_failure(env, "profile", "%s profile of %s: %s",
                                   profile_kind_name(pk), m->params[index[j]].name, err);
                goto done;
            }
            entries[nentries].result = r;
            entries[nentries++].kind = pk;
        }
    }
    if (store_make_dir(dir, err, sizeof err) != 0 ||
        profile_output_write(dir, study, m, rq.type->name, rq.theta, L_hat, entries, nentries,
                             err, sizeof err) != 0) {
        code = cli_failure(env, "profile", "%s", err);
        goto done;
    }
    profile_output_print(env->out, fmt, m, rq.type->name, rq.theta, L_hat, entries, nentries);
done:
    for (int k = 0; results && k < nentries; k++)
        profile_result_free(&results[k]);
    if (ob_open)
        optb_close(&ob);
    free(index);
    free(results);
    free(entries);
    request_close(&rq);
    return code;
}

const cli_command cmd_profile = { "profile", "profile likelihoods and 95% confidence intervals",
                                  0, profile_run };
