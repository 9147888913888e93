/* odegrad bench — run a sweep described by a spec file (format: bench/spec.h, README) into
 * results/<study>.csv, then print the ranked table and write the summary and plot data. */
#include "args.h"
#include "command.h"
#include "farm.h"
#include "spec.h"
#include "store.h"
#include "sweep.h"

static const args_opt bench_options[] = {
    { "results", "DIR", "where the study's files go (default " STORE_SCRATCH_DIR "/; the published results/ only when named)", 0 },
    { "fresh", NULL, "forget this study's earlier rows and references first", 0 },
    { NULL, NULL, NULL, 0 }
};

static int bench_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { bench_options, NULL };
    args_list a;
    char err[1024];
    if (args_scan(tables, 1, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "bench", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad bench SPEC [--results DIR] [--fresh]",
                  "Runs every case of the spec file SPEC (models x backends x option sets x\n"
                  "tolerances x repeats), each in its own process with the spec's time limit, and\n"
                  "appends one row per measurement to DIR/<study>.csv (plus <study>.meta.json,\n"
                  "<study>.ref.tsv, <study>.summary.tsv). Re-running resumes: finished cases are\n"
                  "kept, an interrupted one runs again. Failed cases get a status row with the reason.\n"
                  "Under mpirun or srun the cases are spread over the ranks; rank 0 writes the files.\n"
                  "Spec format: see bench/spec.h or the README.", tables);
        return CLI_OK;
    }
    if (a.npositional != 1)
        return cli_usage_error(env, "bench", "give the spec file, e.g. odegrad bench bench/studies/default.spec");
    bench_spec *spec = spec_load(a.positional[0], err, sizeof err);
    if (!spec)
        return cli_usage_error(env, "bench", "%s", err);
    const sweep_settings set = { args_has(&a, "results") ? args_get(&a, "results") : STORE_SCRATCH_DIR,
                                 a.positional[0], args_has(&a, "fresh") };
    int nfailed = 0;
    int code = sweep_run(env, "bench", spec, &set, &nfailed);
    if (code == CLI_OK)
        code = sweep_summarise(env, "bench", set.results_dir, spec_study(spec), NULL);
    if (code == CLI_OK && nfailed)
        fprintf(env->err, "odegrad bench: %d case%s failed this run; their status rows say why\n",
                nfailed, nfailed == 1 ? "" : "s");
    spec_free(spec);
    return code;
}

/* under mpirun or srun, rank 0 runs the sweep and the other ranks run its cases (farm.h) */
static int bench_command(const cli_env *env, int argc, char **argv)
{
    return farm_command(env, "bench", bench_run, argc, argv);
}

const cli_command cmd_bench = { "bench", "run a sweep from a spec file into results/", 0,
                                bench_command };
