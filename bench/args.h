/* args — the command-line scanner every subcommand uses: `--name value`, `--name=value` and
 * flags, checked against a table, so that every subcommand rejects unknown or repeated options
 * the same way and prints its --help from the same table. */
#ifndef ODEGRAD_ARGS_H
#define ODEGRAD_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *name;      /* long name without the dashes; NULL ends a table */
    const char *metavar;   /* what the value is, e.g. "M"; NULL for a flag without value */
    const char *help;
    int repeatable;        /* may be given more than once */
} args_opt;

#define ARGS_MAX 64
#define ARGS_MAX_POSITIONAL 8

typedef struct {
    int n;
    struct {
        const args_opt *opt;
        const char *value;   /* "" for a flag */
    } item[ARGS_MAX];
    int npositional;
    const char *positional[ARGS_MAX_POSITIONAL];
    int help;                /* --help (or -h) was given */
} args_list;

/* Scan argv[first..argc-1] against the NULL-terminated list of option tables.
 * max_positional: how many bare words are allowed.  Returns 0, or -1 with a message. */
int args_scan(const args_opt *const *tables, int max_positional, int argc, char **argv,
              int first, args_list *out, char *err, size_t errlen);
/* The value of option `name` (the last one given), or NULL. */
const char *args_get(const args_list *a, const char *name);
int args_has(const args_list *a, const char *name);
/* Print "usage" and "about" followed by the options of every table. */
void args_help(FILE *f, const char *usage, const char *about, const args_opt *const *tables);

#endif
