/* compute — the flow shared by the subcommands that compute one result and print it (`grad`,
 * `hess`): scan the options, open the request, run the backend, measure the result against
 * the reference, print it as a table, CSV or JSON. */
#ifndef ODEGRAD_COMPUTE_H
#define ODEGRAD_COMPUTE_H

#include "command.h"
#include "method.h"

typedef struct {
    const char *name;          /* the subcommand, for messages */
    const char *usage;         /* first line of --help */
    const char *about;         /* what it does, for --help */
    int directions;            /* accepts --direction (then asks for H·v instead of want) */
    method_want want;          /* what it asks for without --direction */
} compute_command;

/* Exit code: CLI_OK, CLI_USAGE (bad input, one line on stderr), CLI_FAILED. */
int compute_run(const cli_env *env, const compute_command *c, int argc, char **argv);

#endif
