/* opt_ipopt — the interior-point optimiser of the report's Figure 6, from a real library:
 * Ipopt (Wächter & Biegler, Math. Program. 106, 2006) through its C interface.
 *
 * The box l ≤ θ ≤ u is Ipopt's variable bounds (no constraints, m = 0); Ipopt works in θ
 * itself with a logarithmic barrier, so its iterates stay strictly inside the box
 * (bound_relax_factor 0: the model is never evaluated outside its bounds).  Two curvature
 * sources:
 *   ipopt        the exact Hessian of the problem's second-order callback (any backend:
 *                soadjoint, soforward, fdhess, or fim for Gauss–Newton curvature), given to
 *                Ipopt as the lower triangle of a dense matrix.  Ipopt asks for the gradient
 *                at every point whose Hessian it then wants, so a gradient request is served
 *                by the second-order callback (which returns both) and the Hessian kept for
 *                the request that follows at the same θ: one second-order evaluation per
 *                iteration, counted as a Hessian.
 *   ipopt-lbfgs  Ipopt's limited-memory quasi-Newton approximation from gradients alone.
 * Loss values all come from the loss callback.
 *
 * Stopping: Ipopt's own tests, with tol = gtol (on the unscaled problem: nlp_scaling_method
 * none) and max_iter; and, checked by the intermediate callback after every iteration,
 * opt.h's step test (xtol, relative to the box), objective test (ftol, twice in a row) and
 * the processor-time budget.  Ipopt's return status is mapped to opt_exit: Solve_Succeeded is
 * converged (gradient: Ipopt's optimality error ≤ tol), Solved_To_Acceptable_Level converged
 * (objective), Search_Direction_Becomes_Too_Small converged (step); a restoration failure, an
 * error in the step computation or diverging iterates are "stalled" with Ipopt's status in
 * the message.  The reported gradient norm is the projected gradient ‖θ − P(θ − g)‖_∞ at the
 * final point when Ipopt evaluated the gradient there.  A failed evaluation at a trial point
 * is reported to Ipopt, which cuts its step back.
 *
 * A barrier method centres the parameters the loss cannot see (the barrier's own minimiser
 * is the middle of the box): unlike the other optimisers, Ipopt moves them. */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <IpStdCInterface.h>

/* iterations in a row without a single successful evaluation before the run stops */
#define STUCK_LIMIT 3

typedef struct {
    opt_space *S;
    const opt_settings *settings;
    int n, exact;
    double *hx, *hg, *hH;       /* the last second-order evaluation: θ, g, H */
    int has_h;
    double *gx, *gg;            /* the last gradient: θ, g */
    int has_g;
    int iterations;             /* iterations that moved (see ip_iterate) */
    int stopped_for_time, stuck;
    int small;                  /* consecutive iterations with a small objective change */
    opt_exit converged;         /* set when opt.h's step or objective test ends the run */
    double *px;                 /* the iterate before the latest */
    long good_loss;             /* successful loss evaluations so far */
    long good_at_last;          /* … at the previous iteration */
    long failed_at_last;        /* failed evaluations at the previous iteration */
    double *fx, fval;           /* the last point whose loss was evaluated, and that loss */
    double *ax, objective;      /* the latest iterate and its loss */
} ipopt_state;

static int same_point(const double *a, const double *b, int n)
{
    return memcmp(a, b, sizeof(double) * (size_t)n) == 0;
}

static Bool ip_f(Index n, Number *x, Bool new_x, Number *obj, UserDataPtr user)
{
    (void)new_x, (void)n;
    ipopt_state *st = user;
    if (opt_space_loss(st->S, x, obj) != 0)
        return FALSE;
    st->good_loss++;
    memcpy(st->fx, x, sizeof(double) * (size_t)n);
    st->fval = *obj;
    return TRUE;
}

/* the second-order evaluation at x (cached) */
static int second_order(ipopt_state *st, const double *x)
{
    if (st->has_h && same_point(st->hx, x, st->n))
        return 0;
    st->has_h = 0;
    double L;
    if (opt_space_hessian(st->S, x, &L, st->hg, st->hH) != 0)
        return -1;
    memcpy(st->hx, x, sizeof(double) * (size_t)st->n);
    st->has_h = 1;
    return 0;
}

static Bool ip_grad(Index n, Number *x, Bool new_x, Number *grad, UserDataPtr user)
{
    (void)new_x;
    ipopt_state *st = user;
    double L;
    st->has_g = 0;
    if (st->exact) {
        if (second_order(st, x) != 0)
            return FALSE;
        memcpy(grad, st->hg, sizeof(double) * (size_t)n);
    } else if (opt_space_gradient(st->S, x, &L, grad) != 0) {
        return FALSE;
    }
    memcpy(st->gx, x, sizeof(double) * (size_t)n);
    memcpy(st->gg, grad, sizeof(double) * (size_t)n);
    st->has_g = 1;
    return TRUE;
}

static Bool ip_g(Index n, Number *x, Bool new_x, Index m, Number *g, UserDataPtr user)
{
    (void)n, (void)x, (void)new_x, (void)m, (void)g, (void)user;
    return TRUE;
}

static Bool ip_jac_g(Index n, Number *x, Bool new_x, Index m, Index nele, Index *iRow,
                     Index *jCol, Number *values, UserDataPtr user)
{
    (void)n, (void)x, (void)new_x, (void)m, (void)nele, (void)iRow, (void)jCol, (void)values;
    (void)user;
    return TRUE;
}

/* the lower triangle of obj_factor·∇²L, row by row */
static Bool ip_h(Index n, Number *x, Bool new_x, Number obj_factor, Index m, Number *lambda,
                 Bool new_lambda, Index nele, Index *iRow, Index *jCol, Number *values,
                 UserDataPtr user)
{
    (void)new_x, (void)m, (void)lambda, (void)new_lambda, (void)nele;
    ipopt_state *st = user;
    Index k = 0;
    if (!values) {
        for (Index i = 0; i < n; i++)
            for (Index j = 0; j <= i; j++, k++) {
                iRow[k] = i;
                jCol[k] = j;
            }
        return TRUE;
    }
    if (second_order(st, x) != 0)
        return FALSE;
    for (Index i = 0; i < n; i++)
        for (Index j = 0; j <= i; j++, k++)
            values[k] = obj_factor * 0.5 * (st->hH[i * n + j] + st->hH[j * n + i]);
    return TRUE;
}

static Bool ip_iterate(Index alg_mod, Index iter, Number obj, Number inf_pr, Number inf_du,
                       Number mu, Number d_norm, Number reg, Number alpha_du, Number alpha_pr,
                       Index ls_trials, UserDataPtr user)
{
    (void)inf_pr, (void)inf_du, (void)mu, (void)d_norm, (void)reg, (void)alpha_du;
    (void)alpha_pr, (void)ls_trials;
    ipopt_state *st = user;
    if (iter < 1)
        return TRUE;
    /* An iteration of the regular mode after a successful loss evaluation has accepted the
     * last point evaluated (Ipopt's line search ends on it).  One with failed evaluations
     * and no successful one away from the previous iterate (every trial point failed: Ipopt
     * cuts its step back to nothing, then tries its restoration phase, which with no
     * constraints cannot help) has not moved; after STUCK_LIMIT of those in a row the run
     * stops as stalled. */
    const int moved = st->good_loss != st->good_at_last && !same_point(st->fx, st->ax, st->n);
    const int failures = st->S->result->n_failed != st->failed_at_last;
    st->good_at_last = st->good_loss;
    st->failed_at_last = st->S->result->n_failed;
    if (!moved && failures) {
        if (++st->stuck >= STUCK_LIMIT)
            return FALSE;
    } else if (alg_mod == 0) {
        /* a move, or a "tiny step" that Ipopt accepts without evaluating the loss (the
         * latest iterate then stays the last point evaluated, a tiny step away) */
        const double previous = st->objective;
        st->stuck = 0;
        st->iterations++;
        memcpy(st->px, st->ax, sizeof(double) * (size_t)st->n);
        if (moved)
            memcpy(st->ax, st->fx, sizeof(double) * (size_t)st->n);
        st->objective = obj;
        if (st->settings->on_iterate)
            st->settings->on_iterate(st->settings->user, st->iterations, obj);
        /* opt.h's step and objective tests, as for every optimiser: a noisy ODE loss may
         * never let Ipopt's own optimality error reach tol */
        double step = 0.0;
        const double *lo = st->S->problem->lower, *up = st->S->problem->upper;
        for (int i = 0; i < st->n; i++)
            step = fmax(step, fabs(st->ax[i] - st->px[i]) / (up[i] - lo[i]));
        st->small = fabs(previous - obj) <= st->settings->ftol * (1.0 + fabs(obj)) ? st->small + 1
                                                                                   : 0;
        if (moved && step <= st->settings->xtol) {
            st->converged = OPT_CONVERGED_STEP;
            return FALSE;
        }
        if (st->small >= 2) {
            st->converged = OPT_CONVERGED_OBJECTIVE;
            return FALSE;
        }
    }
    if (st->settings->max_seconds > 0.0 && opt_cpu_seconds(st->S) >= st->settings->max_seconds) {
        st->stopped_for_time = 1;
        return FALSE;
    }
    return TRUE;
}

/* Ipopt's status as opt_exit, with its name */
static opt_exit exit_of(enum ApplicationReturnStatus status, const char **name)
{
    switch (status) {
    case Solve_Succeeded: *name = "Solve_Succeeded"; return OPT_CONVERGED_GRADIENT;
    case Solved_To_Acceptable_Level: *name = "Solved_To_Acceptable_Level";
        return OPT_CONVERGED_OBJECTIVE;
    case Search_Direction_Becomes_Too_Small: *name = "Search_Direction_Becomes_Too_Small";
        return OPT_CONVERGED_STEP;
    case Maximum_Iterations_Exceeded: *name = "Maximum_Iterations_Exceeded"; return OPT_MAX_ITER;
    case Maximum_CpuTime_Exceeded: *name = "Maximum_CpuTime_Exceeded"; return OPT_MAX_TIME;
    case User_Requested_Stop: *name = "User_Requested_Stop"; return OPT_MAX_TIME;
    case Restoration_Failed: *name = "Restoration_Failed"; return OPT_STALLED;
    case Error_In_Step_Computation: *name = "Error_In_Step_Computation"; return OPT_STALLED;
    case Diverging_Iterates: *name = "Diverging_Iterates"; return OPT_STALLED;
    case Invalid_Number_Detected: *name = "Invalid_Number_Detected"; return OPT_STALLED;
    case Infeasible_Problem_Detected: *name = "Infeasible_Problem_Detected"; return OPT_STALLED;
    case Feasible_Point_Found: *name = "Feasible_Point_Found"; return OPT_STALLED;
    case Not_Enough_Degrees_Of_Freedom: *name = "Not_Enough_Degrees_Of_Freedom"; break;
    case Invalid_Problem_Definition: *name = "Invalid_Problem_Definition"; break;
    case Invalid_Option: *name = "Invalid_Option"; break;
    case Unrecoverable_Exception: *name = "Unrecoverable_Exception"; break;
    case NonIpopt_Exception_Thrown: *name = "NonIpopt_Exception_Thrown"; break;
    case Insufficient_Memory: *name = "Insufficient_Memory"; break;
    default: *name = "Internal_Error"; break;
    }
    return OPT_FAILED;
}

/* Ipopt's options; 0, or -1 when Ipopt refuses one */
static int set_options(IpoptProblem ip, const opt_settings *s, int exact)
{
    int ok = AddIpoptIntOption(ip, "print_level", 0) &&
             AddIpoptStrOption(ip, "sb", "yes") &&
             AddIpoptStrOption(ip, "option_file_name", "") &&
             AddIpoptNumOption(ip, "tol", s->gtol > 0.0 ? s->gtol : 1e-300) &&
             AddIpoptIntOption(ip, "max_iter", s->max_iter) &&
             AddIpoptNumOption(ip, "bound_relax_factor", 0.0) &&
             AddIpoptStrOption(ip, "honor_original_bounds", "yes") &&
             AddIpoptStrOption(ip, "nlp_scaling_method", "none") &&
             AddIpoptStrOption(ip, "mu_strategy", "adaptive");
    if (ok && !exact)
        ok = AddIpoptStrOption(ip, "hessian_approximation", "limited-memory");
    return ok ? 0 : -1;
}

static void ipopt_run_with(opt_space *S, const double *x0, const opt_settings *s, double *x,
                           opt_result *r, int exact)
{
    const int n = S->n;
    const size_t v = sizeof(double) * (size_t)n;
    ipopt_state st;
    memset(&st, 0, sizeof st);
    st.S = S;
    st.settings = s;
    st.n = n;
    st.exact = exact;
    st.hx = malloc(v);
    st.hg = malloc(v);
    st.hH = malloc(v * (size_t)n);
    st.gx = malloc(v);
    st.gg = malloc(v);
    st.fx = malloc(v);
    st.ax = malloc(v);
    st.px = malloc(v);
    st.converged = OPT_FAILED;
    double *lower = malloc(v), *upper = malloc(v);
    IpoptProblem ip = NULL;
    memcpy(x, x0, v);
    if (!st.hx || !st.hg || !st.hH || !st.gx || !st.gg || !st.fx || !st.ax || !st.px || !lower || !upper) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "ipopt: out of memory");
        goto done;
    }
    /* the start's loss first: a start that cannot be evaluated is a failure, as for every
     * optimiser, not something for Ipopt to work around */
    double L0;
    if (opt_space_loss(S, x, &L0) != 0) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "failed at the start: %.200s", S->error);
        goto done;
    }
    r->objective = st.objective = L0;
    memcpy(st.ax, x, v);
    memcpy(lower, S->problem->lower, v);
    memcpy(upper, S->problem->upper, v);
    ip = CreateIpoptProblem(n, lower, upper, 0, NULL, NULL, 0, exact ? n * (n + 1) / 2 : 0, 0,
                            ip_f, ip_g, ip_grad, ip_jac_g, ip_h);
    if (!ip || set_options(ip, s, exact) != 0 || !SetIntermediateCallback(ip, ip_iterate)) {
        r->exit = OPT_FAILED;
        snprintf(r->message, sizeof r->message, "ipopt: could not set up the problem");
        goto done;
    }
    double objective = NAN;
    const enum ApplicationReturnStatus status = IpoptSolve(ip, x, NULL, &objective, NULL, NULL,
                                                           NULL, &st);
    const char *name;
    r->exit = exit_of(status, &name);
    r->iterations = st.iterations;
    if (status == User_Requested_Stop && st.converged != OPT_FAILED)
        r->exit = st.converged;
    else if (status == User_Requested_Stop && !st.stopped_for_time)
        r->exit = OPT_STALLED;
    /* the final point: Ipopt's when it ended normally; the latest iterate when it stopped
     * because no trial point could be evaluated, or ended without a finite loss */
    if (r->exit == OPT_STALLED || !isfinite(objective)) {
        memcpy(x, st.ax, v);
        r->objective = st.objective;
    } else {
        r->objective = objective;
    }
    if (st.has_g && same_point(st.gx, x, n)) {
        double m = 0.0;
        for (int i = 0; i < n; i++)
            m = fmax(m, fabs(x[i] - fmin(fmax(x[i] - st.gg[i], lower[i]), upper[i])));
        r->gradient_norm = m;
    }
    if (r->exit == OPT_MAX_TIME)
        snprintf(r->message, sizeof r->message, "stopped after %.4g s of processor time (limit "
                 "%.4g s) and %d iterations (Ipopt)", opt_cpu_seconds(S), s->max_seconds,
                 r->iterations);
    else if (status == User_Requested_Stop && r->exit == OPT_CONVERGED_STEP)
        snprintf(r->message, sizeof r->message, "converged: step below xtol %.3g of the box "
                 "after %d iterations (Ipopt)", s->xtol, r->iterations);
    else if (status == User_Requested_Stop && r->exit == OPT_CONVERGED_OBJECTIVE)
        snprintf(r->message, sizeof r->message, "converged: objective changed by less than ftol "
                 "%.3g (relative) on two iterations (Ipopt, %d iterations)", s->ftol,
                 r->iterations);
    else if (opt_exit_converged(r->exit))
        snprintf(r->message, sizeof r->message, "converged: Ipopt %s after %d iterations (tol "
                 "%.3g)", name, r->iterations, s->gtol);
    else if (r->exit == OPT_MAX_ITER)
        snprintf(r->message, sizeof r->message, "stopped after max_iter = %d iterations (Ipopt)",
                 s->max_iter);
    else if (status == User_Requested_Stop)
        snprintf(r->message, sizeof r->message, "stalled: no trial point could be evaluated in %d "
                 "Ipopt iterations after %d iterations; last failure: %.150s", STUCK_LIMIT,
                 r->iterations, S->error);
    else
        snprintf(r->message, sizeof r->message, "%s: Ipopt %s after %d iterations%s%.150s",
                 r->exit == OPT_STALLED ? "stalled" : "failed", name, r->iterations,
                 r->n_failed ? "; last failed evaluation: " : "", r->n_failed ? S->error : "");
done:
    if (ip)
        FreeIpoptProblem(ip);
    free(st.hx);
    free(st.hg);
    free(st.hH);
    free(st.gx);
    free(st.gg);
    free(st.fx);
    free(st.ax);
    free(st.px);
    free(lower);
    free(upper);
}

static void ipopt_exact_run(opt_space *S, const double *x0, const opt_settings *s, double *x,
                            opt_result *r)
{
    ipopt_run_with(S, x0, s, x, r, 1);
}

static void ipopt_lbfgs_run(opt_space *S, const double *x0, const opt_settings *s, double *x,
                            opt_result *r)
{
    ipopt_run_with(S, x0, s, x, r, 0);
}

const opt_type opt_ipopt = {
    "ipopt", "Ipopt interior point (log barrier for the bounds) on the full Hessian of a backend",
    OPT_NEEDS_HESSIAN | OPT_IN_THETA, ipopt_exact_run
};

const opt_type opt_ipopt_lbfgs = {
    "ipopt-lbfgs", "Ipopt interior point with its limited-memory quasi-Newton Hessian",
    OPT_NEEDS_GRADIENT | OPT_IN_THETA, ipopt_lbfgs_run
};
