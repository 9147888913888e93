/* odeint — our own integrators behind one face, for the backends that run them on an odesys
 * (tape, checkpoint, interp): an explicit Runge–Kutta method (rk.h) or the Rosenbrock W-method
 * (rosenbrock.h), adaptive or along a time grid, with one observer type.
 *
 * Which integrators exist, their names and properties are the registry's (integrator.h):
 * methods without an error estimate run on fixed grids only, and methods without dense
 * output (Rosenbrock) on grids that contain the observation times — odeint_fixed_grid builds
 * one.  The family's driver is chosen from the registry entry, not from the name. */
#ifndef ODEGRAD_ODEINT_H
#define ODEGRAD_ODEINT_H

#include <stddef.h>
#include "odesys.h"
#include "rk.h"
#include "rosenbrock.h"
#include "integrator.h"

/* An accepted step as any observer sees it; exactly one of rk / ros is set. */
typedef struct {
    long index;
    double t, t_next;
    int nout;
    const int *out_index;
    const double *out_frac;
    const rk_step_view *rk;
    const ros_step_view *ros;
} odeint_step;

typedef int (*odeint_observer)(const odeint_step *step, void *ctx);

typedef struct {
    double t0, tf;
    int nout;
    const double *tout;
    double *xout;               /* nout × n, may be NULL */
    odeint_observer observer;   /* may be NULL */
    void *observer_ctx;
} odeint_problem;

typedef struct {
    long steps, rejected, rhs_evals, jac_evals;
    double t_reached;
} odeint_stats;

typedef struct odeint odeint;

/* Is `name` one of ours (the registry's), and can it run adaptively? */
int odeint_known(const char *name);
int odeint_adaptive_capable(const char *name);
/* NULL if the name is unknown or out of memory. */
odeint *odeint_new(const char *name, const odesys *sys);
void odeint_free(odeint *I);
size_t odeint_bytes(const odeint *I);
/* Room for nout observation times (see rk_solver_reserve); 0 or -1. */
int odeint_reserve(odeint *I, int nout);
const char *odeint_name(const odeint *I);
const integrator *odeint_integrator(const odeint *I);
int odeint_stages(const odeint *I);
const rk_tableau *odeint_rk(const odeint *I);      /* NULL for Rosenbrock */
const ros_solver *odeint_ros(const odeint *I);     /* NULL for Runge–Kutta */

int odeint_adaptive(odeint *I, const odeint_problem *P, const step_control *c, double *x,
                    odeint_stats *st, char *err, size_t errlen);
int odeint_grid(odeint *I, const odeint_problem *P, const step_grid *g, long first,
                long count, double *x, odeint_stats *st, char *err, size_t errlen);

/* The grid of a fixed-step solve with `steps` uniform steps on [t0, tf]: for Runge–Kutta
 * the uniform grid itself (times = NULL); for Rosenbrock, which has no dense output, the
 * uniform times merged with the observation times (allocated in *times, caller frees).
 * Returns 0, or -1 if out of memory. */
int odeint_fixed_grid(const odeint *I, double t0, double tf, long steps, int nout,
                      const double *tout, step_grid *g, double **times);

#endif
