/* cvwrap — the CVODES wrapper itself:
 *  - outputs at 1000 dense observation times (the case where CVodeGetSens after CV_NORMAL
 *    returned stale values, docs/cvodes.md T1) match the closed-form free fall, states and
 *    sensitivities, in plain and in checkpointing (CVodeF) mode;
 *  - a generic system integrates backwards in time and restarts, exactly as y' = −y says;
 *  - a failure is one line with backend, phase, time and flag, and CVODES prints nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cvwrap.h"
#include "freefall.h"
#include "check.h"

#define DENSE_NOBS 1000

/* freefall-x0 with 1000 observation times on [0, 5] */
static model *dense_freefall(void)
{
    char err[256];
    model *m = calloc(1, sizeof *m);
    snprintf(m->name, sizeof m->name, "freefall-x0");
    if (freefall_create(m, "freefall-x0", err, sizeof err) != 0 ||
        model_condition_alloc(m, 0, DENSE_NOBS) != 0) {
        fprintf(stderr, "cannot build the model\n");
        exit(1);
    }
    for (int i = 0; i < DENSE_NOBS; i++) {
        m->cond[0].times[i] = 5.0 * i / (DENSE_NOBS - 1);
        m->cond[0].values[i] = 0.0;
    }
    if (model_finish(m, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return m;
}

typedef struct {
    const double *theta;
    int seen;
    double worst_x, worst_s;
} dense_check;

/* y(t) exact, and ∂y/∂θ_j by central differences of the exact solution in θ (closed form,
 * differentiated to ~1e-10) */
static int check_obs(void *user, int k, double t, const double *x, const double *const *S)
{
    dense_check *c = user;
    const double *th = c->theta;
    const double y = freefall_position_at(t, th[0], th[1], th[2], th[3]);
    c->worst_x = fmax(c->worst_x, fabs(x[0] - y) / fmax(fabs(y), 1.0));
    if (S) {
        for (int j = 0; j < 4; j++) {
            double up[4], dn[4];
            memcpy(up, th, sizeof up);
            memcpy(dn, th, sizeof dn);
            const double h = 1e-5 * fmax(fabs(th[j]), 1.0);
            up[j] += h;
            dn[j] -= h;
            const double d = (freefall_position_at(t, up[0], up[1], up[2], up[3]) -
                              freefall_position_at(t, dn[0], dn[1], dn[2], dn[3])) / (2 * h);
            c->worst_s = fmax(c->worst_s, fabs(S[j][0] - d) / fmax(fabs(d), 1.0));
        }
    }
    CHECK(k == c->seen, "observation %d reported out of order (expected %d)", k, c->seen);
    c->seen++;
    return 0;
}

static void dense_outputs(cv_sens_mode sens, long nd)
{
    model *m = dense_freefall();
    double theta[4];
    model_nominal(m, theta);
    char err[256];
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    eval_counts counts = {0, 0, 0, 0, 0};
    cv_settings s = {"test", CV_FAMILY_BDF, 1e-10, 1e-10, 100000, CV_LINSOL_AUTO};
    cv_forward_options fo = {sens, 1, nd, CV_INTERP_HERMITE, &counts, NULL};
    cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
    CHECK(cv != NULL, "%s", err);
    dense_check c = {theta, 0, 0.0, 0.0};
    CHECK(cv_forward_run(cv, check_obs, &c, err, sizeof err) == 0, "%s", err);
    printf("1000 outputs, sensitivities %d, nd %ld: %d seen, worst state error %.2e, worst "
           "sensitivity error %.2e, %ld steps, rhs %ld\n", (int)sens, nd, c.seen, c.worst_x,
           c.worst_s, cv_steps(cv), counts.rhs);
    CHECK(c.seen == DENSE_NOBS, "%d of %d observations reported", c.seen, DENSE_NOBS);
    CHECK(c.worst_x < 1e-8, "state error %.2e", c.worst_x);
    CHECK(sens == CV_SENS_NONE || c.worst_s < 1e-7, "sensitivity error %.2e", c.worst_s);
    CHECK(counts.rhs > cv_steps(cv), "evaluations not counted");
    cv_free(cv);
    model_ctx_free(ctx);
    model_destroy(m);
}

static int decay(double t, const double *y, double *ydot, void *user)
{
    (void)t;
    (void)user;
    ydot[0] = -y[0];
    return 0;
}

static int decay_jac(double t, const double *y, double *J, void *user)
{
    (void)t;
    (void)y;
    (void)user;
    J[0] = -1.0;
    return 0;
}

static int decay_integral(double t, const double *y, double *q, void *user)
{
    (void)t;
    (void)user;
    q[0] = y[0];
    return 0;
}

static void generic_backwards(void)
{
    char err[256];
    cv_settings s = {"test", CV_FAMILY_BDF, 1e-10, 1e-12, 100000, CV_LINSOL_AUTO};
    const double y0 = 1.0, q0 = 0.0;
    /* from t = 2 back to t = 1, then a jump y += 1 and on to t = 0:
     * y(1) = e, y(0) = (e + 1)·e;  q' = y: q(1) = ∫_2^1 e^{2−t}... = 1 − e, q(0) continues */
    cv_solver *cv = cv_system_new(1, 2.0, &y0, decay, decay_jac, 1, &q0, decay_integral, 1,
                                  NULL, &s, err, sizeof err);
    CHECK(cv != NULL, "%s", err);
    double y, q;
    CHECK(cv_system_advance(cv, 1.0, &y, &q, err, sizeof err) == 0, "%s", err);
    CHECK(fabs(y - exp(1.0)) < 1e-8, "y(1) = %.15g", y);
    CHECK(fabs(q - (1.0 - exp(1.0))) < 1e-8, "q(1) = %.15g", q);
    const long first = cv_system_steps(cv);
    y += 1.0;
    CHECK(cv_system_restart(cv, 1.0, &y, &q, err, sizeof err) == 0, "%s", err);
    CHECK(cv_system_advance(cv, 0.0, &y, &q, err, sizeof err) == 0, "%s", err);
    const double y_exact = (exp(1.0) + 1.0) * exp(1.0);
    const double q_exact = (1.0 - exp(1.0)) + (exp(1.0) + 1.0) * (1.0 - exp(1.0));
    printf("generic system backwards: y(0) error %.2e, q(0) error %.2e, steps %ld + %ld\n",
           fabs(y - y_exact), fabs(q - q_exact), first, cv_system_steps(cv) - first);
    CHECK(fabs(y - y_exact) < 1e-8 * y_exact, "y(0) = %.15g, exact %.15g", y, y_exact);
    CHECK(fabs(q - q_exact) < 1e-8 * fabs(q_exact), "q(0) = %.15g, exact %.15g", q, q_exact);
    CHECK(cv_system_steps(cv) > first && first > 0, "steps not summed over the restart");
    cv_free(cv);
}

/* a failing solve: the message, and silence on stderr */
static void failure_message(void)
{
    char err[256], path[] = "/tmp/odegrad_cvwrap_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "no temporary file");
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);

    cv_settings s = {"probe", CV_FAMILY_ADAMS, 1e-12, 1e-12, 100000, CV_LINSOL_AUTO};
    const double y0 = 1.0;
    cv_solver *cv = cv_system_new(1, 0.0, &y0, decay, NULL, 0, NULL, NULL, 0, NULL, &s, err,
                                  sizeof err);
    double y;
    /* no Jacobian given: CVODES's difference quotients */
    int plain = cv ? cv_system_advance(cv, 1.0, &y, NULL, err, sizeof err) : -1;
    CHECK(plain == 0 && fabs(y - exp(-1.0)) < 1e-9, "y(1) = %.15g without a Jacobian", y);
    s.max_steps = 3;
    cv_solver *limited = cv_system_new(1, 0.0, &y0, decay, decay_jac, 0, NULL, NULL, 0, NULL,
                                       &s, err, sizeof err);
    int status = limited ? cv_system_advance(limited, 100.0, &y, NULL, err, sizeof err) : 0;

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t printed = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    printf("failure message: %s\n", err);
    CHECK(cv != NULL && limited != NULL, "set-up failed");
    CHECK(status != 0, "3 steps reached t = 100");
    CHECK(strncmp(err, "probe: integration failed at t = ", 33) == 0, "message: %s", err);
    CHECK(strstr(err, "(CV_TOO_MUCH_WORK)") != NULL, "flag missing: %s", err);
    CHECK(strchr(err, '\n') == NULL, "message is not one line");
    CHECK(printed == 0, "CVODES printed %ld bytes to stderr", (long)printed);
    cv_free(cv);
    cv_free(limited);
}

int main(void)
{
    dense_outputs(CV_SENS_NONE, 0);
    dense_outputs(CV_SENS_SIMULTANEOUS, 0);
    dense_outputs(CV_SENS_STAGGERED, 0);
    dense_outputs(CV_SENS_NONE, 20);   /* CVodeF driven one step at a time */
    generic_backwards();
    failure_message();
    return check_finish("core/test_cvwrap");
}
