/* adjcommon — what the checkpointed CVODES adjoint backends share (adjoint: first order,
 * soadjoint: second order):
 *  - the options both declare (nd, interp, quad_errcon, max_steps_b), read into the forward
 *    pass's checkpointing and the backward problem's settings;
 *  - the forward pass: checkpoints every nd steps, each observation reported to the backend
 *    (which stores the jump its backward state takes there), steps and checkpoints counted,
 *    what the checkpoints hold read for the byte accounting;
 *  - the largest bytes one condition's passes held, and their report as extras.
 * The backward sweep over the observation times is core/cvodes's (cvbwd.h: cv_backward_sweep
 * with the backend's kind of backward problem). */
#ifndef ODEGRAD_ADJCOMMON_H
#define ODEGRAD_ADJCOMMON_H

#include "method.h"
#include "cvbwd.h"
#include "cvckpt.h"

/* The options both backends declare, into fo (checkpoint_steps, interp, counts, account: acc
 * when the run has a memory cap) and bo (family and tolerances of bwd, the step limit
 * max_steps_b or bwd's, quad_errcon, counts).  fo's sensitivities are the backend's choice.
 * METHOD_EINPUT (message in r->error) for polynomial interpolation with fewer steps between
 * checkpoints than the forward method's maximum order (fwd's family): CVODES 6.4.1 fits a
 * polynomial of the current order through the stored steps and reads past its buffer. */
method_status adj_options(const method_type *type, const method_options *o,
                          const cv_settings *fwd, const cv_settings *bwd,
                          cv_forward_options *fo, cv_backward_options *bo, mem_account *acc,
                          method_result *r);

/* Run the forward pass of cv (recorded with checkpoints), observation k reported to at_obs;
 * add its steps and checkpoints to r and read what the checkpoints hold into cs.  METHOD_OK,
 * or the status with r->error set (METHOD_EMEMORY when acc refused the checkpoints). */
method_status adj_forward(const char *name, cv_solver *cv, cv_obs_fn at_obs, void *user,
                          const mem_account *acc, cv_checkpoint_stats *cs, method_result *r);

/* The most bytes one condition's passes held (CVODES's workspace, the checkpoints, their
 * interpolation data and index), and the checkpoint statistics of that condition. */
typedef struct {
    size_t bytes;
    cv_checkpoint_stats largest;
} adj_peak;

/* After a condition's passes: keep what cv and its checkpoints cs hold if it is the most. */
void adj_peak_note(adj_peak *p, cv_solver *cv, const cv_checkpoint_stats *cs);
/* The extras checkpoint_bytes and interp_bytes (interpolation data and index) of the largest. */
void adj_peak_report(const adj_peak *p, method_result *r);

#endif
