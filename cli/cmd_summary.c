/* odegrad summary — the ranked table and summary files of a study already in results/. */
#include "args.h"
#include "command.h"
#include "sweep.h"

static const args_opt summary_options[] = {
    { "study", "NAME", "the study (results/NAME.csv)", 0 },
    { "results", "DIR", "where the study's files are (default results)", 0 },
    { "only", "WORDS", "list only the cases whose options hold every word, e.g. \"rtol=1e-8\"", 0 },
    { NULL, NULL, NULL, 0 }
};

static int summary_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { summary_options, NULL };
    args_list a;
    char err[512];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "summary", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad summary --study NAME [--results DIR] [--only WORDS]",
                  "Prints the ranked table of a study and rewrites DIR/NAME.summary.tsv and the\n"
                  "plot series DIR/NAME--<model>.series.tsv from DIR/NAME.csv.", tables);
        return CLI_OK;
    }
    if (!args_has(&a, "study"))
        return cli_usage_error(env, "summary", "--study is required (the NAME of results/NAME.csv)");
    return sweep_summarise(env, "summary", args_has(&a, "results") ? args_get(&a, "results") : "results",
                           args_get(&a, "study"), args_get(&a, "only"));
}

const cli_command cmd_summary = { "summary", "ranked table and plot data of a study in results/", 0,
                                  summary_run };
