/* microbench — what the model layer costs: one right-hand side evaluated through the model
 * layer (model_rhs: graph interpreter, θ-space context, counters) against the same function
 * hand-written in C (handrhs.c), for jakstat, rafmekerk, brusselator-10, neural-freefall and the
 * neural ODE mlp-32-256; the latter also against its two bare cblas_dgemv calls (the floor of
 * any implementation).  A vector–Jacobian product (model_rhs_vjp, state and parameter
 * adjoints) is timed too, for the cheap-gradient ratio.  Timing only: nothing is asserted. */
#ifndef ODEGRAD_MICROBENCH_H
#define ODEGRAD_MICROBENCH_H

#include <stddef.h>

typedef struct {
    char name[64];        /* the model, or what the baseline is */
    double model_ns;      /* model_rhs, ns per call */
    double baseline_ns;   /* hand-written (or bare dgemv), ns per call */
    double vjp_ns;        /* model_rhs_vjp, ns per call (0 when not timed) */
} microbench_row;

#define MICROBENCH_ROWS 6

/* Time every case; each timing is the best of `batches` batches of at least `batch_seconds`.
 * Fills rows (MICROBENCH_ROWS of them) and returns 0, or -1 with a message. */
int microbench_run(double batch_seconds, int batches, microbench_row *rows, char *err,
                   size_t errlen);

#endif
