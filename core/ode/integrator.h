/* integrator — the registry of odegrad's own integrators: one constant table per integrator,
 * the one place where their names are written.
 *
 * Everything that offers, checks, describes or runs one of our integrators reads this table:
 * odeint (which family's step to run, with which coefficients), the tape (how many vectors a
 * recorded step keeps, which reverse step sweeps it), every backend's solver option, the
 * command line's help and error messages.  Adding an integrator is adding its coefficients
 * (rk_tableau.c or rosenbrock.c) and one entry in integrator.c.
 *
 * Families.  An explicit Runge–Kutta method is run by the generic driver of rk.h with its
 * tableau; the Rosenbrock W-method by rosenbrock.h.  "adaptive" means the method has an
 * embedded error estimate (else it runs on a fixed grid only); "stiff" that it is meant for
 * stiff problems (linearly implicit).  `auto` in a solver option means the first adaptive
 * entry whose stiffness matches the model's hint. */
#ifndef ODEGRAD_INTEGRATOR_H
#define ODEGRAD_INTEGRATOR_H

#include <stddef.h>
#include "rk.h"
#include "rosenbrock.h"

typedef enum { INTEGRATOR_RK = 0, INTEGRATOR_ROSENBROCK = 1 } integrator_family;

/* the reverse of one recorded step (tape_adjoint.c), see tape.h */
struct tape;
struct tape_rec;
struct tape_outputs;
struct tape_adjoint;
typedef int (*integrator_reverse_fn)(struct tape *T, const struct tape_rec *rec, long k,
                                     struct tape_outputs *out, struct tape_adjoint *adj);

typedef struct {
    const char *name;             /* what --solver and solver=… accept */
    const char *summary;          /* one line for `odegrad list` */
    integrator_family family;
    int order;                    /* of the solution */
    int adaptive;                 /* has an embedded error estimate */
    int stiff;                    /* linearly implicit, for stiff problems */
    int stages;
    int dense;                    /* dense output inside a step (else steps end on outputs) */
    const rk_tableau *rk;         /* the step's coefficients: RK family … */
    const ros_tableau *ros;       /* … or Rosenbrock */
    integrator_reverse_fn reverse;   /* the tape's reverse step */
} integrator;

extern const integrator *const integrators[];   /* NULL-terminated */

/* By name, or NULL. */
const integrator *integrator_find(const char *name);
/* What `auto` means: the first adaptive entry with the given stiffness. */
const integrator *integrator_default(int stiff);
/* The explicit method that solver=auto tries first on a model hinted stiff, with the
 * stiffness test (Tsitouras 5(4): its stage estimate of the dominant eigenvalue). */
const integrator *integrator_stiffness_probe(void);
/* The names joined by sep (all, or only the adaptive ones) into buf; returns buf. */
const char *integrator_names(char *buf, size_t len, const char *sep, int adaptive_only);
/* Vectors of n doubles a tape keeps per recorded step of this integrator (see tape.h). */
int integrator_tape_vectors(const integrator *it);

#endif
