/* train — Adam over any gradient backend, and the prediction at the trained θ (train.h). */
#include <stdio.h>
#include <stdlib.h>
#include "train.h"
#include "adam.h"
#include "cvwrap.h"

int train_adam(const method_type *type, const model *m, const method_options *o, double lr,
               long epochs, double *theta, double *loss, train_epoch_fn report, void *user,
               char *err, size_t errlen)
{
    adam_options ao;
    adam_options_default(&ao);
    ao.learning_rate = lr;
    adam_state adam;
    if (adam_init(&adam, m->np, &ao) != 0) {
        snprintf(err, errlen, "Adam: out of memory or a learning rate out of range (%g)", lr);
        return -1;
    }
    int status = 0;
    for (long e = 0; e <= epochs && status == 0; e++) {
        method_result r;
        if (method_run(type, m, theta, o, &r) != METHOD_OK) {
            snprintf(err, errlen, "epoch %ld: %s", e, r.error);
            status = -1;
        } else {
            loss[e] = r.loss;
            if (report && report(user, e, r.loss) != 0) {
                snprintf(err, errlen, "epoch %ld: stopped", e);
                status = -1;
            } else if (e < epochs) {
                adam_step(&adam, theta, r.gradient);
            }
        }
        method_result_free(&r);
    }
    adam_free(&adam);
    return status;
}

typedef struct {
    model_ctx *ctx;
    double *predicted;   /* ntimes × ny */
    int ny;
} prediction;

static int at_observation(void *user, int k, double t, const double *x, const double *const *S)
{
    (void)S;
    prediction *p = user;
    model_observables(p->ctx, t, x, p->predicted + (size_t)k * (size_t)p->ny);
    return 0;
}

int train_predict(const model *m, const method_options *o, const double *theta, int k,
                  double *predicted, char *err, size_t errlen)
{
    model_ctx *ctx = model_ctx_new(m, theta, err, errlen);
    if (!ctx)
        return -1;
    const cv_settings cs = {"predict", CV_FAMILY_BDF, method_rtol(o, m), method_atol(o, m),
                            method_max_steps(o), CV_LINSOL_AUTO};
    const cv_forward_options fo = {CV_SENS_NONE, 0, 0, CV_INTERP_HERMITE, NULL, NULL};
    prediction p = {ctx, predicted, m->ny};
    model_ctx_condition(ctx, k);
    cv_solver *cv = cv_forward_new(ctx, &cs, &fo, err, errlen);
    const int status = !cv || cv_forward_run(cv, at_observation, &p, err, errlen) != 0 ? -1 : 0;
    cv_free(cv);
    model_ctx_free(ctx);
    return status;
}
