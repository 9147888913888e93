/* odegrad reference — the reference gradient of a model at θ (with --hessian also its
 * reference Hessian) as one cache line (hidden: `odegrad bench` runs it in a child process and
 * keeps the line in results/<study>.ref.tsv). */
#include <stdlib.h>
#include "command.h"
#include "refcache.h"
#include "request.h"
#include "registry.h"

static const args_opt reference_options[] = {
    { "model", "M", "model name", 0 },
    { "theta", "v1,v2,...", "parameter vector (default: nominal)", 0 },
    { "hessian", NULL, "also the reference Hessian (soadjoint confirmed by soforward)", 0 },
    { NULL, NULL, NULL, 0 }
};

static int reference_run(const cli_env *env, int argc, char **argv)
{
    const args_opt *const tables[] = { reference_options, NULL };
    args_list a;
    char err[512], key[17];
    if (args_scan(tables, 0, argc, argv, 1, &a, err, sizeof err) != 0)
        return cli_usage_error(env, "reference", "%s", err);
    if (a.help) {
        args_help(env->out, "odegrad reference --model M [--theta v1,...] [--hessian]",
                  "Prints the reference gradient (and Hessian) as a cache line (used by odegrad bench).", tables);
        return CLI_OK;
    }
    if (!args_has(&a, "model"))
        return cli_usage_error(env, "reference", "--model is required");
    model *m = model_create(args_get(&a, "model"), err, sizeof err);
    if (!m)
        return cli_usage_error(env, "reference", "%s", err);
    double *theta = NULL;
    int code = CLI_OK;
    if (args_has(&a, "theta")) {
        if (request_read_vector(args_get(&a, "theta"), "--theta", m, &theta, err, sizeof err) != 0)
            code = cli_usage_error(env, "reference", "%s", err);
    } else if ((theta = malloc((size_t)(m->np > 0 ? m->np : 1) * sizeof *theta))) {
        model_nominal(m, theta);
    } else {
        code = cli_failure(env, "reference", "out of memory");
    }
    if (code == CLI_OK) {
        reference ref;
        reference_compute(&ref, m, theta);
        if (args_has(&a, "hessian"))
            reference_add_hessian(&ref, m, theta);
        refcache_key(theta, m->np, key);
        char *line = refcache_line(m->name, key, m->np, &ref);
        if (line)
            fputs(line, env->out);
        else
            code = cli_failure(env, "reference", "out of memory");
        free(line);
        reference_free(&ref);
    }
    free(theta);
    model_destroy(m);
    return code;
}

const cli_command cmd_reference = { "reference", "reference gradient as a cache line (internal)", 1,
                                    reference_run };
