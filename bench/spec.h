/* spec — the study description `odegrad bench` runs: a small line-based file.
 *
 *   # a comment runs to the end of the line; blank lines are ignored
 *   study    NAME              results go to results/NAME.csv (default: the file's base name)
 *   models   M1 M2 ...         model names; "{n}" in a name is replaced by each of `sizes`
 *   sizes    N1 N2 ...         whole numbers substituted for {n}
 *   backends B1 B2 ... | all   backends; `all` = every built backend able to do `want`
 *   want     gradient|hessian  what every case computes (default gradient)
 *   tol      R[/A] ...         tolerance sweep: rtol, optionally /atol (default: the model's)
 *   options  B key=v1[,v2] ... one option set of backend B (repeatable, one set per line; a
 *                              comma list expands to one set per value, several lists to
 *                              their cross product).  Keys solver, max-steps, mem-cap,
 *                              rtol-b, atol-b set the common options; the others are B's own
 *                              (see `odegrad list`).  A backend without an options line runs
 *                              once with its defaults.
 *   theta    MODEL v1,v2,...   evaluate MODEL at this θ (all its parameters, on their scales,
 *                              comma-separated) instead of its nominal θ — e.g. at a fitted
 *                              optimum; at most once per model of `models`.  Its cases'
 *                              options text ends with "theta=<16 hex digits>" (the θ's
 *                              cache key), so a changed θ makes new cases
 *   repeats  N                 runs of every case (default 1)
 *   timeout  SECONDS           limit of one case's child process (default 300)
 *   reference_timeout SECONDS  limit of computing one model's reference gradient (default
 *                              300: it runs once, at tight tolerance)
 *   reference none|compute     none: measure without reference gradients (no errors; the
 *                              cache says "none: not asked for"); compute (default): as above
 *
 * models, backends, options and theta may be repeated (they add); the rest appear at most once.
 * Cases are the product models × backends × option sets × tolerances × repeats.  Every
 * name, value and option is checked when the file is loaded, so a malformed spec is rejected
 * with "file:line: reason" before any case runs. */
#ifndef ODEGRAD_SPEC_H
#define ODEGRAD_SPEC_H

#include <stddef.h>
#include "method.h"

typedef struct {
    char *key, *value;
} spec_pair;

/* One case: what the child runs (pairs become --rtol/--solver/--opt flags) and its key. */
typedef struct {
    const char *model;
    const char *backend;
    const spec_pair *pairs;   /* tolerances first, then the option set, in spec order */
    int npairs;
    const char *options;      /* the same as text, "rtol=1e-8 scheme=central" ("" if none) */
    int repeat;               /* 1 .. repeats */
    const char *theta;        /* the model's θ as "v1,v2,..." (a `theta` line), or NULL: nominal */
} spec_case;

typedef struct bench_spec bench_spec;

/* Load and check a spec.  NULL with "file:line: reason" (or "file: reason") in err. */
bench_spec *spec_load(const char *path, char *err, size_t errlen);
void spec_free(bench_spec *s);
const char *spec_study(const bench_spec *s);
method_want spec_want(const bench_spec *s);
double spec_timeout(const bench_spec *s);
double spec_reference_timeout(const bench_spec *s);
int spec_no_reference(const bench_spec *s);   /* the spec says `reference none` */
int spec_ncases(const bench_spec *s);
const spec_case *spec_case_at(const bench_spec *s, int i);
/* Distinct model names of the cases, in order. */
int spec_nmodels(const bench_spec *s);
const char *spec_model(const bench_spec *s, int i);
/* The θ a `theta` line gives model `name` ("v1,v2,..."), or NULL for its nominal θ. */
const char *spec_theta(const bench_spec *s, const char *name);

#endif
