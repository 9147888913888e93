/* odegrad microbench — the model layer's right-hand side against hand-written C (see
 * microbench.h); prints one table.  Timings only, not part of any test. */
#include "args.h"
#include "command.h"
#include "microbench.h"
#include "parse.h"

static const args_opt microbench_options[] = {
    {"batch", "SECONDS", "least duration of one timed batch (default 0.05)", 0},
    {"batches", "N", "batches per timing; the fastest counts (default 7)", 0},
    {NULL, NULL, NULL, 0}};

static int microbench_main(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = {microbench_options, NULL};
    args_list a;
    char err[512];
    double batch = 0.05;
    long batches = 7;
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "microbench", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad microbench [--batch SECONDS] [--batches N]",
                  "Times one right-hand side through the model layer against the same function\n"
                  "written by hand in C, and the neural ODE against two bare cblas_dgemv calls.",
                  tables);
        return CLI_OK;
    }
    if ((args_get(&a, "batch") &&
         parse_positive(args_get(&a, "batch"), "--batch", &batch, err, sizeof err) != 0) ||
        (args_get(&a, "batches") &&
         parse_long(args_get(&a, "batches"), "--batches", 1, 1000, &batches, err, sizeof err) != 0))
        return cli_usage_error(env, "microbench", "%s", err);
    if (batch > 60)
        return cli_usage_error(env, "microbench", "--batch is at most 60 seconds, not %g", batch);
    microbench_row rows[MICROBENCH_ROWS];
    if (microbench_run(batch, (int)batches, rows, err, sizeof err) != 0)
        return cli_failure(env, "microbench", "%s", err);
    fprintf(env->out, "%-36s %12s %12s %8s %12s %8s\n", "right-hand side", "model ns",
            "baseline ns", "ratio", "vjp ns", "vjp/rhs");
    for (int i = 0; i < MICROBENCH_ROWS; i++) {
        fprintf(env->out, "%-36s %12.1f %12.1f %8.2f", rows[i].name, rows[i].model_ns,
                rows[i].baseline_ns, rows[i].model_ns / rows[i].baseline_ns);
        if (rows[i].vjp_ns > 0.0)
            fprintf(env->out, " %12.1f %8.2f", rows[i].vjp_ns, rows[i].vjp_ns / rows[i].model_ns);
        fprintf(env->out, "\n");
    }
    return CLI_OK;
}

const cli_command cmd_microbench = {"microbench", "model-layer rhs vs hand-written C (timing)", 0,
                                    microbench_main};
