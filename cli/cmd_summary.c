/* odegrad summary — the ranked table and summary files of a study already in results/. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
    const char *study = args_get(&a, "study");
    const char *dir = args_has(&a, "results") ? args_get(&a, "results") : "results";
    /* a name, not a path: every file it writes stays inside --results */
    if (!*study || strchr(study, '/') || study[0] == '.')
        return cli_usage_error(env, "summary", "--study takes a study's name (letters, digits, "
                               "'-', '_'), not '%s'", study);
    struct stat info;
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode))
        return cli_usage_error(env, "summary", "--results %s is not a directory", dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.csv", dir, study);
    if (access(path, R_OK) != 0)
        return cli_usage_error(env, "summary", "no study %s in %s (%s cannot be read); run it "
                               "first with odegrad bench", study, dir, path);
    return sweep_summarise(env, "summary", dir, study, args_get(&a, "only"));
}

const cli_command cmd_summary = { "summary", "ranked table and plot data of a study in results/", 0,
                                  summary_run };
