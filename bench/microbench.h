/* microbench — what the model layer costs: one right-hand side evaluated through the model
 * layer (model_rhs: graph interpreter, θ-space context, counters) against the same function
 * hand-written in C (handrhs.c), for jakstat, rafmekerk, brusselator-10, neural-freefall and the
 * neural ODE mlp-32-256; the latter also against its two bare cblas_dgemv calls (the floor of
 * any implementation).  A vector–Jacobian product (model_rhs_vjp, state and parameter
 * adjoints) is timed too, for the cheap-gradient ratio, and every model-layer timing with
 * both kernel kinds (compiled C and the interpreter, expr_kernel.h).  Timing only: nothing is
 * asserted. */
#ifndef ODEGRAD_MICROBENCH_H
#define ODEGRAD_MICROBENCH_H

#include <stddef.h>

typedef struct {
    char name[64];          /* the model, or what the baseline is */
    double model_ns;        /* model_rhs with compiled kernels, ns per call */
    double interp_ns;       /* model_rhs through the interpreter */
    double baseline_ns;     /* hand-written (or bare dgemv), ns per call */
    double jvp_ns, jvp_interp_ns;   /* model_rhs_jvp (state and parameter tangents), both kinds */
    double vjp_ns, vjp_interp_ns;   /* model_rhs_vjp (state and parameter adjoints), both kinds */
} microbench_row;

#define MICROBENCH_ROWS 6

/* Time every case; each timing is the best of `batches` batches of at least `batch_seconds`.
 * Compiled and interpreted timings of a case alternate on one model (paired).  Fills rows
 * (MICROBENCH_ROWS of them) and returns 0, or -1 with a message.  When no compiler is
 * present both kinds are the interpreter (expr_kernel.h says so on stderr). */
int microbench_run(double batch_seconds, int batches, microbench_row *rows, char *err,
                   size_t errlen);

/* What compiling a model's kernels costs: wall seconds to create the model with an empty
 * kernel cache (emitting, compiling, loading) and again with the entry cached, against the
 * interpreter's creation time. */
typedef struct {
    char name[64];
    int nodes;              /* nodes of the right-hand side */
    double interpreted_s, cold_s, cached_s;
    long compiles_cold, compiles_cached;   /* compiler runs of each creation */
} microbench_compile_row;

#define MICROBENCH_COMPILE_ROWS 7

int microbench_compile(microbench_compile_row *rows, char *err, size_t errlen);

#endif
