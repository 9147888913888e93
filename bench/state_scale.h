/* state_scale — how large a model's states get, for an absolute tolerance that suits them.
 *
 * CVODES accepts a step when every component's error is below rtol·|x_i| + atol, so atol
 * decides how precisely a state is followed while it is small.  A reference gradient at
 * rtol 1e-12 with an atol meant for states of order one follows a state that peaks at 1e-6 to
 * only 1e-8 of its size, and one that peaks at 1e4 to rtol already.  The reference therefore
 * takes atol = rtol · factor · s, where s is the smallest peak magnitude among the states
 * (ignoring states that stay below 1e-8 of the largest peak: they are zero in all but name). */
#ifndef ODEGRAD_STATE_SCALE_H
#define ODEGRAD_STATE_SCALE_H

#include "model.h"

/* The smallest peak max_t |x_i(t)| over the states (over every condition and observation
 * time, and the final state), from one plain CVODES solve at the model's own tolerances,
 * floored at 1e-8 of the largest peak.  Returns the scale (> 0), or NaN when the solve fails
 * or every state stays zero. */
double state_scale(const model *m, const double *theta);

#endif
