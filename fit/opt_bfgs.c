/* opt_bfgs — quasi-Newton BFGS from gradients alone: GSL's gsl_multimin_fdfminimizer_vector_bfgs2
 * (Fletcher's line search with strong Wolfe conditions, inverse-Hessian updates), in z.
 * The first-order baseline of `odegrad fit`.
 *
 * Loss values come from the problem's loss callback and gradients from its gradient
 * callback (whose own loss is not used), so the line search compares numbers computed the
 * same way.  A one-point cache lets GSL's f-then-df pattern at a trial point cost one loss
 * and one gradient.  A trial point where an evaluation fails acts as a wall: its loss is
 * L_acc + wall·(1 + |L_acc|) (L_acc the last accepted loss) and its gradient the negated
 * accepted one, so the line search backs off towards the accepted point.  GSL_ENOPROG from
 * the line search is "stalled".  Iterations are GSL iterate() calls, each one accepted
 * line-search step; the stopping tests are opt.h's. */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

/* The line-search constants. */
static const struct {
    double first_step;   /* length of the first trial step in z (the trust methods' radius) */
    double line_tol;     /* GSL's tol: the curvature condition σ (0.1: GSL's advice for BFGS) */
    double wall;         /* loss added at a failed point, relative to 1 + |L_acc| */
} bfgs = { 1.0, 0.1, 1e3 };

typedef struct {
    opt_space *S;
    int n;
    double *z;             /* contiguous copy of the point asked for */
    double *zc, Lc;        /* the one-point loss cache */
    int cached;
    double L_acc;          /* last accepted loss and gradient (for the wall) */
    double *g_acc;
    double *g;             /* contiguous gradient scratch */
    int started;
    int failed_start;
    char trial_failure[200];
} bfgs_state;

static void copy_in(bfgs_state *st, const gsl_vector *x)
{
    for (int i = 0; i < st->n; i++)
        st->z[i] = gsl_vector_get(x, (size_t)i);
}

static double wall_loss(const bfgs_state *st)
{
    return st->L_acc + bfgs.wall * (1.0 + fabs(st->L_acc));
}

static void note_failure(bfgs_state *st)
{
    if (!st->started)
        st->failed_start = 1;
    snprintf(st->trial_failure, sizeof st->trial_failure, "%.199s", st->S->error);
}

/* L at st->z, from the cache when it is that point; 0, or -1 on failure */
static int loss_at(bfgs_state *st, double *L)
{
    if (st->cached && memcmp(st->zc, st->z, sizeof(double) * (size_t)st->n) == 0) {
        *L = st->Lc;
        return 0;
    }
    if (opt_space_loss(st->S, st->z, L) != 0)
        return -1;
    memcpy(st->zc, st->z, sizeof(double) * (size_t)st->n);
    st->Lc = *L;
    st->cached = 1;
    return 0;
}

static double bfgs_f(const gsl_vector *x, void *params)
{
    bfgs_state *st = params;
    double L;
    copy_in(st, x);
    if (loss_at(st, &L) != 0) {
        note_failure(st);
        return wall_loss(st);
    }
    return L;
}

static void bfgs_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    bfgs_state *st = params;
    double L;
    copy_in(st, x);
    const int ok = opt_space_gradient(st->S, st->z, &L, st->g) == 0;
    if (!ok)
        note_failure(st);
    for (int i = 0; i < st->n; i++)
        gsl_vector_set(g, (size_t)i, ok ? st->g[i] : -st->g_acc[i]);
}

static void bfgs_fdf(const gsl_vector *x, void *params, double *f, gsl_vector *g)
{
    *f = bfgs_f(x, params);
    bfgs_df(x, params, g);
}

static void bfgs_run(opt_space *S, const double *z0, const opt_settings *s, double *z,
                     opt_result *r)
{
    const int n = S->n;
    bfgs_state st;
    memset(&st, 0, sizeof st);
    st.S = S;
    st.n = n;
    st.z = malloc(sizeof(double) * (size_t)n);
    st.zc = malloc(sizeof(double) * (size_t)n);
    st.g_acc = calloc((size_t)n, sizeof(double));
    st.g = malloc(sizeof(double) * (size_t)n);
    double *z_old = malloc(sizeof(double) * (size_t)n);
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    gsl_multimin_fdfminimizer *m =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)n);
    memcpy(z, z0, sizeof(double) * (size_t)n);
    if (!st.z || !st.zc || !st.g_acc || !st.g || !z_old || !m) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "bfgs: out of memory");
        goto done;
    }
    gsl_multimin_function_fdf F = { bfgs_f, bfgs_df, bfgs_fdf, (size_t)n, &st };
    gsl_vector_const_view x0 = gsl_vector_const_view_array(z0, (size_t)n);
    const int status0 =
        gsl_multimin_fdfminimizer_set(m, &F, &x0.vector, bfgs.first_step, bfgs.line_tol);
    if (st.failed_start || status0 != GSL_SUCCESS) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s",
                 st.failed_start ? st.trial_failure : gsl_strerror(status0));
        goto done;
    }
    st.started = 1;
    st.L_acc = r->objective = m->f;
    for (int i = 0; i < n; i++)
        st.g_acc[i] = gsl_vector_get(m->gradient, (size_t)i);
    if (opt_start_test(s, n, st.g_acc, r))
        goto done;
    int small = 0;
    for (;;) {
        memcpy(z_old, z, sizeof(double) * (size_t)n);
        st.trial_failure[0] = '\0';
        const int status = gsl_multimin_fdfminimizer_iterate(m);
        if (status != GSL_SUCCESS) {
            r->exit = status == GSL_ENOPROG ? OPT_STALLED : OPT_FAILED;
            snprintf(r->message, sizeof r->message, "%s: the line search made no progress "
                     "(%s)%s%.150s", status == GSL_ENOPROG ? "stalled" : "failed",
                     gsl_strerror(status), st.trial_failure[0] ? "; last failure: " : "",
                     st.trial_failure);
            break;
        }
        for (int i = 0; i < n; i++) {
            z[i] = gsl_vector_get(m->x, (size_t)i);
            st.g_acc[i] = gsl_vector_get(m->gradient, (size_t)i);
        }
        const double L_old = r->objective;
        st.L_acc = r->objective = m->f;
        r->iterations++;
        if (s->on_iterate)
            s->on_iterate(s->user, r->iterations, r->objective);
        if (opt_stop_test(S, s, z_old, z, L_old, r->objective, st.g_acc, &small, r))
            break;
    }
done:
    gsl_set_error_handler(previous);
    if (m)
        gsl_multimin_fdfminimizer_free(m);
    free(st.z);
    free(st.zc);
    free(st.g_acc);
    free(st.g);
    free(z_old);
}

const opt_type opt_bfgs = {
    "bfgs", "quasi-Newton BFGS from gradients (GSL multimin vector_bfgs2)",
    OPT_NEEDS_GRADIENT, bfgs_run
};
