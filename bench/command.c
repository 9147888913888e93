/* cli — the one-line messages every subcommand ends with when something is wrong. */
#include "command.h"

#include <stdarg.h>

static void message(const cli_env *env, const char *cmd, const char *fmt, va_list ap)
{
    fprintf(env->err, "odegrad %s: ", cmd);
    vfprintf(env->err, fmt, ap);
    fputc('\n', env->err);
    fflush(env->err);
}

int cli_usage_error(const cli_env *env, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message(env, cmd, fmt, ap);
    va_end(ap);
    return CLI_USAGE;
}

int cli_failure(const cli_env *env, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message(env, cmd, fmt, ap);
    va_end(ap);
    return CLI_FAILED;
}
