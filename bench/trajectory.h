/* trajectory — the state error of one solve against a model's closed-form solution at its
 * observation times: the error-accumulation measurement of the report's §2.2 (Figure 2),
 * |x_num(t) − x_exact(t)| for Euler, RK4, the adaptive Dormand–Prince pair, Rosenbrock, or
 * CVODES's BDF/Adams, on the models whose solution is known (freefall, freefall-x0,
 * freefall-T<T>, oscillator, oscillator-T<T>).
 *
 * The solve runs condition 0 of the model from x0(θ) over [t0, tf]; our integrators report
 * the state at the observation times by their dense output (for fixed steps on the
 * Runge–Kutta grid, or on a Rosenbrock grid that contains the observation times), CVODES by
 * interpolation within the step that passed each time. */
#ifndef ODEGRAD_TRAJECTORY_H
#define ODEGRAD_TRAJECTORY_H

#include <stddef.h>
#include "model.h"

typedef struct {
    const char *solver;   /* one of ours (integrator.h) or a CVODES family (bdf, adams) */
    long steps;           /* uniform steps on [t0, tf] (ours only); 0 = adaptive */
    double rtol, atol;    /* of an adaptive solve; ≤ 0: the model's */
    long max_steps;       /* step attempts per solve; ≤ 0: TRAJECTORY_MAX_STEPS */
} trajectory_settings;

#define TRAJECTORY_MAX_STEPS 10000000L
/* Euler and RK4 have no error estimate: without --steps they take this many. */
#define TRAJECTORY_DEFAULT_FIXED_STEPS 1000L

typedef struct {
    int nout, nx;
    double *t;          /* nout observation times */
    double *numeric;    /* nout × nx, the solve */
    double *exact;      /* nout × nx, the closed form */
    long steps;         /* accepted steps */
    long rhs_evals;     /* right-hand side evaluations */
    double rtol, atol;  /* effective tolerances (adaptive solves) */
} trajectory;

/* Does model m have a closed-form state for trajectory_compute? */
int trajectory_model_known(const model *m);
/* Solver names, for messages: ours (the integrator registry's) then CVODES's, '|'-separated
 * into buf; returns buf. */
const char *trajectory_solvers(char *buf, size_t len);
/* Check the settings against the model without solving: 0, or -1 with a message (bad
 * input). */
int trajectory_check(const model *m, const trajectory_settings *s, char *err, size_t errlen);
/* Solve and compare.  0; 1 bad input (message); 2 the solve failed (message). */
int trajectory_compute(const model *m, const double *theta, const trajectory_settings *s,
                       trajectory *out, char *err, size_t errlen);
void trajectory_free(trajectory *tr);

#endif
