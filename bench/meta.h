/* meta — what a study's numbers were measured with: results/<study>.meta.json holds the
 * versions of odegrad, GSL, SUNDIALS and the compiler, the git commit of the sources, the
 * machine and the date.  Rewritten (atomically) by every run of the sweep. */
#ifndef ODEGRAD_META_H
#define ODEGRAD_META_H

#include <stddef.h>

/* The commit the sources are at, read from .git directly (no git needed): 40 hex digits,
 * or "none" when there is no repository or no commit. */
void meta_git_commit(const char *source_dir, char *out, size_t outlen);
int meta_write(const char *path, const char *study, const char *spec_path, int ncases,
               int ndone_before, char *err, size_t errlen);

#endif
