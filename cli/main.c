/* odegrad — the command-line front end.  It parses, picks a model and a backend by name,
 * calls, and prints or hands rows to the harness; it holds no numerics.
 *
 * Each subcommand is one file cli/cmd_<name>.c exporting one cli_command; adding one is
 * adding that file and its name to the two lists below. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "command.h"
#include "expr_kernel.h"

extern const cli_command cmd_list, cmd_grad, cmd_hess, cmd_bench, cmd_case, cmd_reference, cmd_compare,
    cmd_summary;
extern const cli_command cmd_train, cmd_microbench;
extern const cli_command cmd_fit, cmd_fit_start, cmd_profile;
extern const cli_command cmd_trajectory;
extern const cli_command cmd_advise;

static const cli_command *const commands[] = {
    &cmd_list, &cmd_grad, &cmd_hess, &cmd_advise, &cmd_bench, &cmd_summary, &cmd_compare, &cmd_case, &cmd_reference,
    &cmd_train, &cmd_microbench,
    &cmd_fit, &cmd_fit_start, &cmd_profile,
    &cmd_trajectory,
    NULL
};

static void usage(FILE *f)
{
    fprintf(f, "usage: odegrad <command> [options]   (odegrad <command> --help for its options)\n\n"
               "Measures every way of computing gradients and Hessians of ODE-model losses.\n\n"
               "commands:\n");
    for (int i = 0; commands[i]; i++)
        if (!commands[i]->hidden)
            fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n  --kernels compiled|interpreted\n"
               "             model kernels as generated, compiled C (the default when a C\n"
               "             compiler is present) or through the interpreter; any command\n"
               "  --version  print the version\n  --help     this text\n\n"
               "exit codes: 0 done, 1 a computation failed, 2 bad input (one line on stderr)\n");
}

/* Everything printed to stdout reaches its file, or the command fails: a full disk or
 * /dev/full must not leave a cut table behind an exit code of 0. */
static int finish(const char *cmd, int code)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "odegrad %s: cannot write the output: %s\n", cmd,
                errno ? strerror(errno) : "write error");
        return code == CLI_OK ? CLI_FAILED : code;
    }
    if (fclose(stdout) != 0) {
        fprintf(stderr, "odegrad %s: cannot write the output: %s\n", cmd, strerror(errno));
        return code == CLI_OK ? CLI_FAILED : code;
    }
    return code;
}

int main(int argc, char **argv)
{
    /* children of the harness are this same executable */
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0)
        self[len] = '\0';
    else
        snprintf(self, sizeof self, "%s", argv[0]);
    const cli_env env = { stdout, stderr, self };

    if (argc < 2) {
        fprintf(stderr, "odegrad: no command given; see odegrad --help\n");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return finish("--help", CLI_OK);
    }
    /* --kernels compiled|interpreted, anywhere on the line: which kernels every model of this
     * run uses, and — through the environment — every child the harness starts */
    for (int i = 1; i < argc; i++) {
        const int joined = strncmp(argv[i], "--kernels=", 10) == 0;
        if (!joined && strcmp(argv[i], "--kernels") != 0)
            continue;
        const char *kind = joined ? argv[i] + 10 : i + 1 < argc ? argv[i + 1] : NULL;
        if (expr_kernels_parse(kind) < 0) {
            fprintf(stderr, "odegrad: --kernels takes compiled or interpreted, not '%s'\n",
                    kind ? kind : "");
            return CLI_USAGE;
        }
        setenv("ODEGRAD_KERNELS", kind, 1);
        const int drop = joined ? 1 : 2;
        for (int k = i; k + drop <= argc; k++)
            argv[k] = argv[k + drop];
        argc -= drop;
        i--;
    }
    if (argc < 2) {
        fprintf(stderr, "odegrad: no command given; see odegrad --help\n");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("odegrad %s\n", ODEGRAD_VERSION);
        return finish("--version", CLI_OK);
    }
    for (int i = 0; commands[i]; i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            return finish(argv[1], commands[i]->run(&env, argc - 1, argv + 1));
    char known[256] = "";
    for (int i = 0; commands[i]; i++)
        if (!commands[i]->hidden) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "", commands[i]->name);
        }
    fprintf(stderr, "odegrad: unknown command '%s'; commands: %s (see odegrad --help)\n", argv[1],
            known);
    return CLI_USAGE;
}
