/* odegrad compare — CI's check on the backends: run a small sweep afresh and hold it to the
 * expectations committed in bench/expect.tsv (accuracy bounds and deterministic costs).
 * Fails (exit 1) with a table of what moved.
 *
 * The sweep may take several spec files (a spec computes either gradients or Hessians): by
 * default bench/studies/compare.spec (gradients) and compare-hessian.spec (Hessians).  They
 * must name the same study; the first runs afresh and the others add their cases to it. */
#include <string.h>
#include "args.h"
#include "command.h"
#include "expect.h"
#include "spec.h"
#include "store.h"
#include "sweep.h"

static const args_opt compare_options[] = {
    { "spec", "FILE", "a spec of the sweep (repeatable; default bench/studies/compare.spec and "
                      "compare-hessian.spec of the sources)", 1 },
    { "expect", "FILE", "the expectations (default bench/expect.tsv of the sources)", 0 },
    { "results", "DIR", "where the sweep's files go (default " STORE_SCRATCH_DIR "/)", 0 },
    { "suggest", NULL, "print expectation lines for the current measurements and exit 0", 0 },
    { NULL, NULL, NULL, 0 }
};

static int compare_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { compare_options, NULL };
    args_list a;
    char err[1024];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "compare", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad compare [--spec FILE]... [--expect FILE] [--results DIR] [--suggest]",
                  "Runs the sweep of the spec FILEs afresh (one study) and checks every expectation\n"
                  "(see bench/expect.h for the format): exit 0 when all hold, 1 with a table of\n"
                  "what moved.", tables);
        return CLI_OK;
    }
    static const char *const default_specs[] = {
        ODEGRAD_SOURCE_DIR "/bench/studies/compare.spec",
        ODEGRAD_SOURCE_DIR "/bench/studies/compare-hessian.spec" };
    const char *spec_paths[ARGS_MAX];
    int nspecs = 0;
    for (int i = 0; i < a.n; i++)
        if (strcmp(a.item[i].opt->name, "spec") == 0)
            spec_paths[nspecs++] = a.item[i].value;
    if (nspecs == 0)
        for (size_t i = 0; i < sizeof default_specs / sizeof default_specs[0]; i++)
            spec_paths[nspecs++] = default_specs[i];
    const char *expect_path = args_has(&a, "expect") ? args_get(&a, "expect")
                                                     : ODEGRAD_SOURCE_DIR "/bench/expect.tsv";
    int suggest = args_has(&a, "suggest");
    expect_list expectations = { 0, NULL };
    if (!suggest && expect_load(&expectations, expect_path, err, sizeof err) != 0)
        return cli_usage_error(env, "compare", "%s", err);
    /* every spec is checked before any case runs */
    bench_spec *specs[ARGS_MAX];
    int loaded = 0;
    for (; loaded < nspecs; loaded++) {
        specs[loaded] = spec_load(spec_paths[loaded], err, sizeof err);
        if (!specs[loaded])
            break;
        if (loaded > 0 && strcmp(spec_study(specs[loaded]), spec_study(specs[0])) != 0) {
            snprintf(err, sizeof err, "%s: names study '%s', but %s names '%s'; the specs of one "
                     "comparison must name the same study", spec_paths[loaded],
                     spec_study(specs[loaded]), spec_paths[0], spec_study(specs[0]));
            spec_free(specs[loaded]);
            break;
        }
    }
    if (loaded < nspecs) {
        for (int i = 0; i < loaded; i++)
            spec_free(specs[i]);
        expect_free(&expectations);
        return cli_usage_error(env, "compare", "%s", err);
    }
    const char *results = args_has(&a, "results") ? args_get(&a, "results") : STORE_SCRATCH_DIR;
    int nfailed = 0, code = CLI_OK;
    for (int i = 0; i < nspecs && code == CLI_OK; i++) {
        const sweep_settings set = { results, spec_paths[i], i == 0 };
        code = sweep_run(env, "compare", specs[i], &set, &nfailed);
    }
    study_summary s;
    char csv[4096];
    snprintf(csv, sizeof csv, "%s/%s.csv", results, spec_study(specs[0]));
    if (code == CLI_OK && summary_build(&s, csv, err, sizeof err) != 0)
        code = cli_failure(env, "compare", "%s", err);
    else if (code == CLI_OK) {
        if (suggest) {
            expect_suggest(&s, env->out);
        } else {
            int moved = expect_check_all(&expectations, &s, env->out);
            if (moved)
                code = cli_failure(env, "compare",
                                   "%d of the checks failed (table above); if the change is intended, "
                                   "update %s (odegrad compare --suggest prints current values)",
                                   moved, expect_path);
        }
        summary_free(&s);
    }
    for (int i = 0; i < nspecs; i++)
        spec_free(specs[i]);
    expect_free(&expectations);
    return code;
}

const cli_command cmd_compare = { "compare", "CI check: a small sweep held to bench/expect.tsv", 0,
                                  compare_run };
