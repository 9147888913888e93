/* cli — what every `odegrad` subcommand shares: its table entry, where it writes, and the
 * exit codes that tell scripts what happened. */
#ifndef ODEGRAD_CLI_H
#define ODEGRAD_CLI_H

#include <stdio.h>

/* Exit codes of every subcommand. */
enum {
    CLI_OK = 0,       /* done */
    CLI_FAILED = 1,   /* the computation failed (solver, memory) or expectations moved */
    CLI_USAGE = 2     /* bad input: one line on stderr says what and how to fix it */
};

typedef struct {
    FILE *out;            /* results */
    FILE *err;            /* errors and progress */
    const char *self;     /* path of this executable, for child processes */
} cli_env;

typedef struct {
    const char *name;
    const char *summary;   /* one line for `odegrad --help` */
    int hidden;            /* internal subcommands (used by the harness) are not listed */
    int (*run)(const cli_env *env, int argc, char **argv);   /* argv[0] is the subcommand */
} cli_command;

/* Print "odegrad <cmd>: <message>" as one line on env->err and return CLI_USAGE. */
int cli_usage_error(const cli_env *env, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, returning CLI_FAILED (a computation failed). */
int cli_failure(const cli_env *env, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
