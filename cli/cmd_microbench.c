/* odegrad microbench — the model layer's right-hand side against hand-written C (see
 * microbench.h); prints one table.  Timings only, not part of any test. */
#include "args.h"
#include "command.h"
#include "expr_blas.h"
#include "microbench.h"
#include "parse.h"

static const args_opt microbench_options[] = {
    {"batch", "SECONDS", "least duration of one timed batch (default 0.05)", 0},
    {"batches", "N", "batches per timing; the fastest counts (default 7)", 0},
    {"compile-times", NULL, "also time building each model's kernels, cold and cached", 0},
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
        args_help(env->out, "odegrad microbench [--batch SECONDS] [--batches N] [--compile-times]",
                  "Times one right-hand side through the model layer against the same function\n"
                  "written by hand in C, and the neural ODE against two bare cblas_dgemv calls;\n"
                  "every model-layer timing with compiled kernels and with the interpreter.",
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
    fprintf(env->out, "BLAS: %s, %d thread(s)\n\n", expr_blas_name(), expr_blas_threads());
    fprintf(env->out, "%-36s %11s %11s %11s %8s %8s\n", "right-hand side", "compiled ns",
            "interp ns", "baseline ns", "comp/bl", "interp/bl");
    for (int i = 0; i < MICROBENCH_ROWS; i++)
        fprintf(env->out, "%-36s %11.1f %11.1f %11.1f %8.2f %8.2f\n", rows[i].name,
                rows[i].model_ns, rows[i].interp_ns, rows[i].baseline_ns,
                rows[i].model_ns / rows[i].baseline_ns, rows[i].interp_ns / rows[i].baseline_ns);
    fprintf(env->out, "\n%-36s %11s %11s %8s %11s %11s %8s %8s\n", "products (compiled vs interp)",
            "jvp comp", "jvp interp", "ratio", "vjp comp", "vjp interp", "ratio", "vjp/rhs");
    for (int i = 0; i < MICROBENCH_ROWS; i++)
        if (rows[i].vjp_ns > 0.0)
            fprintf(env->out, "%-36s %11.1f %11.1f %8.2f %11.1f %11.1f %8.2f %8.2f\n",
                    rows[i].name, rows[i].jvp_ns, rows[i].jvp_interp_ns,
                    rows[i].jvp_interp_ns / rows[i].jvp_ns, rows[i].vjp_ns, rows[i].vjp_interp_ns,
                    rows[i].vjp_interp_ns / rows[i].vjp_ns, rows[i].vjp_ns / rows[i].model_ns);
    if (args_has(&a, "compile-times")) {
        microbench_compile_row crow[MICROBENCH_COMPILE_ROWS];
        if (microbench_compile(crow, err, sizeof err) != 0)
            return cli_failure(env, "microbench", "%s", err);
        fprintf(env->out, "\n%-20s %8s %14s %14s %14s %9s\n", "kernel build", "nodes",
                "interpreted s", "cold cache s", "cached s", "compiles");
        for (int i = 0; i < MICROBENCH_COMPILE_ROWS; i++)
            fprintf(env->out, "%-20s %8d %14.3f %14.3f %14.3f %4ld/%-4ld\n", crow[i].name,
                    crow[i].nodes, crow[i].interpreted_s, crow[i].cold_s, crow[i].cached_s,
                    crow[i].compiles_cold, crow[i].compiles_cached);
    }
    return CLI_OK;
}

const cli_command cmd_microbench = {"microbench", "model-layer rhs vs hand-written C (timing)", 0,
                                    microbench_main};
