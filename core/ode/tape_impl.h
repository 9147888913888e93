/* tape_impl — the tape's layout, shared by the recorder (tape.c) and the step adjoints
 * (tape_adjoint.c).  Not for use outside the tape. */
#ifndef ODEGRAD_TAPE_IMPL_H
#define ODEGRAD_TAPE_IMPL_H

#include "tape.h"

/* One recorded step: header + nvec vectors of n doubles (see tape.h for which). */
typedef struct tape_rec {
    struct tape_rec *prev;
    double t, t_next;
    double v[];
} tape_rec;

struct tape {
    odesys sys;
    integrator_reverse_fn reverse;   /* the integrator's reverse step (registry) */
    const rk_tableau *rk;     /* explicit Runge–Kutta, or … */
    const ros_solver *ros;    /* … Rosenbrock (coefficients and stage inputs) */
    int n, np, s, nvec;
    mem_account *acc;
    size_t record_bytes, fixed_bytes;
    tape_rec *last;
    long steps, first;
    double *x_end;            /* n: the state after the last recorded step */
    /* sweep workspace, one block */
    double *work;
    size_t work_doubles;
    double *Kbar;             /* s×n: adjoints of the stage derivatives (or increments) */
    double *x_after;          /* n: x_{k+1} of the step being reversed */
    double *xk_bar;           /* n: adjoint of x_k being assembled */
    double *gx, *gth;         /* n, np: one product's outputs */
    double *Y;                /* n: a recomputed stage input */
    double *lambda;           /* n: the transposed solve's result */
    double *weights;          /* s: dense-output weights */
    double *J;                /* n×n (Rosenbrock) */
    ros_lu *lu;               /* (Rosenbrock) */
    char error[256];
};

/* Reverse step k (record rec, x_{k+1} in T->x_after): adj->xbar from x_{k+1} to x_k.
 * Returns 0, or -1 with T->error set. */
int tape_reverse_rk(tape *T, const tape_rec *rec, long k, tape_outputs *out,
                    tape_adjoint *adj);
int tape_reverse_ros(tape *T, const tape_rec *rec, long k, tape_outputs *out,
                     tape_adjoint *adj);

#endif
