/* request — one gradient/Hessian request as the CLI states it (model, backend, θ, tolerances,
 * backend options), read from the scanned arguments and checked completely before any work:
 * shared by `grad`, `hess` and the harness's `case`. */
#ifndef ODEGRAD_REQUEST_H
#define ODEGRAD_REQUEST_H

#include <stddef.h>
#include "method.h"
#include "args.h"

typedef struct {
    model *model;
    const method_type *type;
    method_options opts;
    double *theta;              /* np values: --theta, or the model's nominal θ */
    double *direction;          /* --direction (np values) or NULL */
    char *opt_key[METHOD_MAX_KV];   /* owned copies of the --opt keys */
    char options_text[512];     /* what was set, as "rtol=1e-8 scheme=central" ("" if nothing) */
} cli_request;

/* --model --method --theta --rtol --atol --rtol-b --atol-b --solver --max-steps --mem-cap --opt */
extern const args_opt request_options[];
/* --direction (for Hessian-vector products) */
extern const args_opt request_direction_option[];

/* An empty request for `want` (what request_open starts from). */
void request_init(cli_request *rq, method_want want);
/* Set one option by its flag name (rtol, atol, rtol-b, atol-b, solver, max-steps, mem-cap) or
 * as a backend option (anything else); value must outlive rq.  0, or -1 with a message. */
int request_set_option(cli_request *rq, const char *key, const char *value, char *err,
                       size_t errlen);
/* Fill rq from the arguments; want is the request.  Returns 0, or -1 with a one-line message
 * (a usage error: exit code 2).  rq must be released with request_close either way. */
int request_open(cli_request *rq, const args_list *a, method_want want, char *err, size_t errlen);
void request_close(cli_request *rq);

/* The message for an unknown backend name, listing the valid ones.  (Models are looked up
 * by models/registry.h's model_create, which says the same for an unknown model.) */
void request_unknown_backend(const char *name, char *err, size_t errlen);
/* "v1,v2,..." with exactly m->np finite values (θ, a direction); the message names flag. */
int request_read_vector(const char *text, const char *flag, const model *m, double **out,
                        char *err, size_t errlen);
/* Parse a byte count with an optional k/M/G suffix (powers of 1024). */
int request_parse_bytes(const char *text, const char *what, size_t *out, char *err, size_t errlen);

#endif
