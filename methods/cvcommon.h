/* cvcommon — what the CVODES backends (fd, forward, adjoint, backsolve, soadjoint, …) share: turning the
 * common options into solver settings, with the user's mistakes caught as one-line errors. */
#ifndef ODEGRAD_CVCOMMON_H
#define ODEGRAD_CVCOMMON_H

#include "method.h"
#include "cvwrap.h"

/* Forward settings (backward = 0: rtol/atol) or backward ones (backward = 1: rtol_b/atol_b)
 * for backend `name`; the solver must be a CVODES method ("bdf" — the default — or "adams").
 * Returns METHOD_OK, or METHOD_EINPUT with the message in r->error. */
method_status cvm_settings(const char *name, const model *m, const method_options *o,
                           int backward, cv_settings *s, method_result *r);

/* The backend option that chooses the Newton linear solver (cvwrap.h, cv_linsol), for the
 * option table of every CVODES backend, and reading it into s->linsol (after cvm_settings,
 * which sets auto).  Returns METHOD_OK, or METHOD_EINPUT with the message in r->error. */
#define CVM_LINSOL_OPTION                                                                    \
    {"linsol", OPT_CHOICE, "auto", CV_LINSOL_CHOICES, 0, 0,                                \
     "Newton linear solver: dense LU of the exact Jacobian, GMRES with exact J*v and a "    \
     "band-LU preconditioner of the reordered sparse Jacobian (krylov) or none (krylov-noprec); " \
     "auto = krylov for large sparse models, dense otherwise"}
method_status cvm_linsol(const method_type *type, const method_options *o, cv_settings *s,
                         method_result *r);

/* The backend option `max_steps_b` of the backends with a backward integration (adjoint,
 * soadjoint, backsolve), and reading it: the step limit of each backward integration, where
 * 0 means the same limit as the forward one (forward_limit, from --max-steps). */
#define CVM_MAX_STEPS_B_OPTION                                                               \
    {"max_steps_b", OPT_INT, "0", NULL, 0, 1e12,                                           \
     "step limit of each backward integration (0: the forward limit, --max-steps)"}
long cvm_max_steps_b(const method_type *type, const method_options *o, long forward_limit);

/* A θ-space context for the run, with a message in r->error on failure. */
model_ctx *cvm_context(const char *name, const model *m, const double *theta,
                       method_result *r);

/* The most observation times of any condition of m (at least 1): the rows of the buffers
 * that keep something per observation time. */
int cvm_most_observations(const model *m);

/* Allocate the result's gradient (zeroed). */
method_status cvm_gradient(const char *name, method_result *r);

#endif
