/* odegrad hess — one Hessian, or one Hessian-vector product with --direction: loss,
 * gradient, the Hessian (or H·v), their errors against the reference where one exists (the
 * closed form; otherwise the gradient's reference only, and the output says there is no
 * Hessian reference), time, evaluation counts, steps, bytes — the same formats as `grad`. */
#include "compute.h"

static const compute_command hess_command = {
    "hess", "odegrad hess --model M --method B [--direction v1,v2,...] [options]",
    "Computes the Hessian of the loss of model M with backend B at theta (or, with\n"
    "--direction, the Hessian-vector product H*v) and prints it with the gradient, their\n"
    "errors against the closed form where the model has one, the time, evaluation\n"
    "counts, steps and bytes. Backends: soadjoint, soforward, fdhess, fim (see\n"
    "'odegrad list'). Writes no files.",
    1, WANT_HESSIAN};

static int hess_run(const cli_env *env, int argc, char **argv)
{
    return compute_run(env, &hess_command, argc, argv);
}

const cli_command cmd_hess = { "hess", "one Hessian or Hessian-vector product, with error, time, "
                               "counts and bytes", 0, hess_run };
