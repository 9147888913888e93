/* train — training a model by Adam with the gradients of any backend (the report's neural-ODE
 * run, its section 6), and the model's predicted observables at the trained θ.
 *
 * Epoch e (1 ≤ e ≤ E) is one gradient at θ_{e−1} and one Adam update to θ_e; the loss curve
 * holds L(θ_e) for e = 0 … E, so "epoch 50" is the loss after 50 updates, as the report's loop
 * prints it, and L(θ_E) costs one more backend run.  With the model's seeded initialisation
 * and a deterministic backend the run is deterministic. */
#ifndef ODEGRAD_TRAIN_H
#define ODEGRAD_TRAIN_H

#include <stddef.h>
#include "method.h"

/* Called after each epoch's loss is known (e = 0 … epochs); non-zero stops the run. */
typedef int (*train_epoch_fn)(void *user, long epoch, double loss);

/* Train θ (np values, updated in place) for `epochs` Adam updates with learning rate lr and
 * gradients from backend `type` with options o; loss[0 … epochs] receives the curve.
 * 0, or -1 with a one-line message in err (the backend's failure names the epoch). */
int train_adam(const method_type *type, const model *m, const method_options *o, double lr,
               long epochs, double *theta, double *loss, train_epoch_fn report, void *user,
               char *err, size_t errlen);

/* The observables of condition k at its observation times, at θ, by a CVODES BDF solve at o's
 * tolerances: predicted (ntimes × ny, row per time).  0, or -1 with a message in err. */
int train_predict(const model *m, const method_options *o, const double *theta, int k,
                  double *predicted, char *err, size_t errlen);

#endif
