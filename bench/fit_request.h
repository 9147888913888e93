/* fit_request — one `odegrad fit` request (model, optimiser, Hessian and gradient backends,
 * tolerances, stopping tests, starts), read from the scanned arguments and checked
 * completely before any work: shared by `fit` (the multistart parent) and `fit-start` (one
 * start in a child process). */
#ifndef ODEGRAD_FIT_REQUEST_H
#define ODEGRAD_FIT_REQUEST_H

#include <stddef.h>
#include "opt.h"
#include "args.h"
#include "format.h"
#include "request.h"
#include "store.h"

#define FIT_DEFAULT_STARTS 10
#define FIT_DEFAULT_SEED 1
#define FIT_DEFAULT_TIMEOUT 900.0      /* seconds per start */
#define FIT_DEFAULT_STUDY "fit"
#define FIT_DEFAULT_RESULTS STORE_SCRATCH_DIR
#define FIT_DEFAULT_GRADIENT "adjoint"
#define FIT_MAX_STARTS 100000L

typedef struct {
    cli_request rq;                 /* model, θ = the start, common and backend options */
    const opt_type *optimizer;
    const method_type *hessian;     /* newton-tr, trr, ipopt */
    const method_type *approx;      /* trr --hybrid: the approximate Hessian first (or NULL) */
    const method_type *gradient;    /* bfgs, newton-tr; NULL for gauss-newton */
    opt_settings settings;
    int nstarts;
    unsigned long seed;
    int given_start;                /* --start was given: rq.theta is it */
    double timeout;
    const char *study, *results;
    int fresh;
    out_format format;
    char label[96];                 /* the store's backend column: "newton-tr/soadjoint" */
    char options_text[600];         /* the store's options column: what else defines the case */
} fit_request;

/* the options of `fit` and `fit-start` */
extern const args_opt fit_options[];

/* Fill fr from the arguments; 0, or -1 with a one-line message (a usage error: exit 2).
 * fr must be released with fit_request_close either way. */
int fit_request_open(fit_request *fr, const args_list *a, char *err, size_t errlen);
void fit_request_close(fit_request *fr);

/* Is option `name` one that a child's `fit-start` needs (forwarded by the parent)? */
int fit_option_forwarded(const char *name);

#endif
