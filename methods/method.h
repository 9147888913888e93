/* method — the one interface every gradient/Hessian backend implements.
 *
 * A backend is one file exporting one constant method_type (in the style of GSL's
 * gsl_odeiv2_step_type) and one line in methods/registry.c.  It is given a finished model,
 * θ, a request and options; it fills a method_result.  It never writes files, never prints,
 * and never measures anything but what it counts itself (the generic layer times the run). */
#ifndef ODEGRAD_METHOD_H
#define ODEGRAD_METHOD_H

#include <stddef.h>
#include "model.h"
#include "stats.h"
#include "memtrack.h"

/* what a backend can do (bit flags) */
enum {
    CAP_GRADIENT = 1 << 0,   /* loss gradient */
    CAP_HESSIAN = 1 << 1,    /* full Hessian */
    CAP_HVP = 1 << 2,        /* Hessian–vector product along a direction */
    CAP_STIFF = 1 << 3,      /* has a solver suited to stiff models */
    CAP_EXACT_DISCRETE = 1 << 4, /* exact gradient of the discrete solution */
    CAP_BREAKPOINTS = 1 << 5     /* stops at time breakpoints and carries their exact jumps
                                    (model_break.c); others refuse such a model */
};

/* what the caller asks for */
typedef enum { WANT_GRADIENT = 0, WANT_HESSIAN = 1, WANT_HVP = 2 } method_want;

/* return status of a run; each comes with a one-line message in method_result.error */
typedef enum {
    METHOD_OK = 0,
    METHOD_EINPUT = 1,      /* bad option value or request (user error: CLI exit 2) */
    METHOD_ESOLVER = 2,     /* integration failed (names backend, time reached, flag) */
    METHOD_EMEMORY = 3,     /* memory cap or checkpoint budget too small */
    METHOD_EUNSUPPORTED = 4 /* this backend cannot do what was asked on this model */
} method_status;

/* A backend-specific option: declared in the backend's table, given as --opt name=value. */
/* OPT_SOLVER: one of our integrators by its registry name (integrator.h), or "auto"; the
 * choices are the registry's, so no option table spells a solver name. */
typedef enum { OPT_INT, OPT_DOUBLE, OPT_CHOICE, OPT_BOOL, OPT_SOLVER } method_opt_kind;
typedef struct {
    const char *name;
    method_opt_kind kind;
    const char *fallback;   /* default, as text */
    const char *choices;    /* OPT_CHOICE: "a|b|c" */
    double min, max;        /* OPT_INT / OPT_DOUBLE: allowed range */
    const char *help;
} method_opt_spec;

#define METHOD_MAX_KV 16
typedef struct {
    /* common options (the CLI's --rtol, --atol, --rtol-b, --atol-b, --solver, --max-steps) */
    double rtol, atol;        /* forward tolerances; ≤ 0 means the model's defaults */
    double rtol_b, atol_b;    /* backward tolerances; ≤ 0 means the forward ones */
    const char *solver;       /* integrator name (NULL: the backend's default) */
    long max_steps;           /* per integration; ≤ 0 means 10^6 */
    size_t mem_cap;           /* bytes the backend may hold (0: no cap) */
    int allow_outside_bounds; /* θ may leave the model's bounds (validate.h checks growth) */
    method_want want;
    const double *direction;  /* np values, for WANT_HVP */
    /* backend-specific options, validated against the backend's spec before the run */
    int nkv;
    const char *key[METHOD_MAX_KV];
    const char *value[METHOD_MAX_KV];
} method_options;

#define METHOD_MAX_EXTRA 16
typedef struct {
    char name[40];
    double value;
    char unit[16];
} method_extra;

typedef struct {
    int np;
    double loss;
    double *gradient;      /* np, or NULL */
    double *gradient_error;  /* np estimated absolute errors of the gradient, or NULL (fd) */
    double *hessian;       /* np×np row-major, or NULL */
    double *hvp;           /* np, or NULL */
    eval_counts fwd, bwd;  /* evaluations in the forward and in the backward pass */
    long steps_fwd, steps_bwd;
    long checkpoints;
    size_t peak_bytes;     /* bytes the backend itself held at its peak (exact accounting) */
    double wall_seconds;   /* filled by method_run */
    int nextra;            /* backend-specific measurements, e.g. reconstruction_error */
    method_extra extra[METHOD_MAX_EXTRA];
    char error[256];
} method_result;

typedef struct method_type {
    const char *name;
    const char *summary;
    unsigned caps;
    const method_opt_spec *options;   /* terminated by an entry with name == NULL */
    /* Compute what o->want asks.  r->np is set and r is zeroed by the caller. */
    method_status (*run)(const model *m, const double *theta, const method_options *o,
                         method_result *r);
} method_type;

extern const method_type *const method_types[];   /* NULL-terminated, in methods/methods.def order */
const method_type *method_find(const char *name);

/* Validate o against the backend (unknown option keys, malformed values, missing direction,
 * unsupported request) and θ against the model's bounds (validate.h), run it, time it.  On
 * failure r->error holds one line. */
method_status method_run(const method_type *type, const model *m, const double *theta,
                         const method_options *o, method_result *r);
/* The validation method_run does before a run, without running: option keys, values and
 * ranges against the backend's table, tolerances finite, the request within the backend's
 * capabilities, an HVP direction present and finite (m may be NULL: no length check).
 * Lets callers (the CLI, a bench spec) reject bad input before any work starts. */
method_status method_check(const method_type *type, const model *m, const method_options *o,
                           char *err, size_t errlen);
/* Frees the arrays of a result (after any status: a run that failed late may hold some). */
void method_result_free(method_result *r);
void method_options_init(method_options *o);

/* For backends: read a declared option (its default if not given).  The value has already
 * been validated by method_run. */
long method_opt_int(const method_type *type, const method_options *o, const char *name);
double method_opt_double(const method_type *type, const method_options *o, const char *name);
const char *method_opt_choice(const method_type *type, const method_options *o,
                              const char *name);
/* For backends: effective tolerances and step limit with the defaults applied. */
double method_rtol(const method_options *o, const model *m);
double method_atol(const method_options *o, const model *m);
double method_rtol_b(const method_options *o, const model *m);
double method_atol_b(const method_options *o, const model *m);
long method_max_steps(const method_options *o);

/* Record an extra measurement, and set the error message (printf-style). */
void method_extra_add(method_result *r, const char *name, double value, const char *unit);
method_status method_fail(method_result *r, method_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
