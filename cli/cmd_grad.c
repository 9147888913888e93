/* odegrad grad — one gradient: loss, gradient, its error against the reference, time,
 * evaluation counts, steps, bytes (the flow is compute.c's). */
#include "compute.h"

static const compute_command grad_command = {
    "grad", "odegrad grad --model M --method B [options]",
    "Computes the loss gradient of model M with backend B at theta and prints it with\n"
    "its error against the reference (closed form, or forward confirmed by adjoint),\n"
    "the time, evaluation counts, steps and bytes. Writes no files.",
    0, WANT_GRADIENT};

static int grad_run(const cli_env *env, int argc, char **argv)
{
    return compute_run(env, &grad_command, argc, argv);
}

const cli_command cmd_grad = { "grad", "one loss gradient, with error, time, counts and bytes", 0,
                               grad_run };
