/* petab_yaml — the problem file of a PEtab v1 problem (format_version 1, one problem with
 * one SBML model, one each of the condition, measurement and observable tables, and the
 * parameter table), read with libyaml.  Paths in the file are relative to its folder; the
 * result holds them resolved. */
#ifndef ODEGRAD_PETAB_YAML_H
#define ODEGRAD_PETAB_YAML_H

#include <stddef.h>

#define PETAB_PATH_LEN 1024

typedef struct {
    char yaml[PETAB_PATH_LEN];         /* the problem file itself */
    char parameters[PETAB_PATH_LEN];
    char sbml[PETAB_PATH_LEN];
    char conditions[PETAB_PATH_LEN];
    char measurements[PETAB_PATH_LEN];
    char observables[PETAB_PATH_LEN];
} petab_files;

/* `path` is the problem's .yaml or a folder holding exactly one .yaml.  Returns 0, or -1
 * with a one-line message naming the file in err. */
int petab_yaml_read(const char *path, petab_files *out, char *err, size_t errlen);

#endif
