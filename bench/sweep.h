/* sweep — running a loaded spec: the reference gradients first (cached per model and θ),
 * then every case not yet stored, each in a child process `odegrad case ...` with the
 * spec's time limit; each finished case is appended to the study's CSV at once. */
#ifndef ODEGRAD_SWEEP_H
#define ODEGRAD_SWEEP_H

#include "command.h"
#include "spec.h"

typedef struct {
    const char *results_dir;   /* where <study>.csv and friends go */
    const char *spec_path;     /* recorded in the metadata */
    int fresh;                 /* forget earlier results of this study first */
} sweep_settings;

/* A CLI exit code: CLI_OK when every case has its rows (failed cases included: *nfailed
 * counts them), CLI_FAILED when results could not be written. */
int sweep_run(const cli_env *env, const char *cmd, const bench_spec *spec,
              const sweep_settings *set, int *nfailed);

/* Write the summary files of a study and print its ranked table on env->out (only the cases
 * whose options hold every word of `only`; NULL: all). */
int sweep_summarise(const cli_env *env, const char *cmd, const char *results_dir,
                    const char *study, const char *only);

#endif
