/* refcache — reference gradients computed once per (model, θ) and kept beside a study's
 * results in results/<study>.ref.tsv, one line each:
 *
 *   model <TAB> θ-key <TAB> source <TAB> g1,g2,... (or "-" when there is no reference)
 *         [<TAB> hessian source <TAB> h11,h12,...,hnn (row-major, or "-")]
 *
 * The two Hessian fields are there when the Hessian was asked for (a Hessian study); the
 * newest line for a (model, θ) wins, so asking later appends a line with them.
 * The θ-key is a 64-bit FNV-1a hash of θ's bytes, so a changed nominal θ gets a new entry. */
#ifndef ODEGRAD_REFCACHE_H
#define ODEGRAD_REFCACHE_H

#include <stddef.h>
#include "reference.h"

void refcache_key(const double *theta, int np, char key[17]);
/* The cache line for ref (malloc'd, ends with a newline). */
char *refcache_line(const char *model_name, const char *key, int np, const reference *ref);
/* The newest entry for (model, key) with np values: 1 found (ref filled; ref->have may be 0
 * with the reason in ref->source), 0 not found. */
int refcache_lookup(const char *path, const char *model_name, const char *key, int np,
                    reference *ref);
/* Is line a well-formed cache line for this model (with or without the Hessian fields)?
 * (checks a child's output) */
int refcache_line_valid(const char *line, const char *model_name);
/* Append one line (line NULL: only create the file if it is missing).  0, or -1. */
int refcache_append(const char *path, const char *line, char *err, size_t errlen);

#endif
