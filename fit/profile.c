/* profile — profile likelihoods by optimisation or by integrating the profile path (see
 * profile.h for the mathematics). */
#include "profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>

const char *profile_kind_name(profile_kind k)
{
    return k == PROFILE_INTEGRATION ? "integration" : "optimisation";
}

int profile_kind_find(const char *name, profile_kind *k)
{
    if (strcmp(name, "optimisation") == 0 || strcmp(name, "optimization") == 0)
        *k = PROFILE_OPTIMISATION;
    else if (strcmp(name, "integration") == 0)
        *k = PROFILE_INTEGRATION;
    else
        return -1;
    return 0;
}

void profile_settings_init(profile_settings *s)
{
    s->threshold = PROFILE_THRESHOLD_95;
    s->first_step = 1e-3;
    s->max_step = 0.1;
    s->rise = 0.2;
    s->max_points = 200;
    s->ci_tol = 1e-10;
    s->max_newton = 20;
    opt_settings_init(&s->inner);
    s->inner.gtol = 1e-8;
}

void profile_result_free(profile_result *r)
{
    if (!r)
        return;
    free(r->t);
    free(r->value);
    free(r->theta);
    memset(r, 0, sizeof *r);
}

static double processor_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return (double)clock() / CLOCKS_PER_SEC;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the work of one profile -------------------------------------------------------------- */
typedef struct {
    profile_kind kind;
    const opt_problem *P;
    const profile_settings *s;
    int np, index;
    double L_hat;
    profile_result *r;
    /* the reduced problem of the optimisation-based profile: θ_i fixed at t */
    opt_problem sub;
    double t;
    double *full, *gfull, *Hfull, *sub_lower, *sub_upper, *sub_start;
    /* integration: the Newton system on the free parameters */
    double *g, *H, *step, *A;
    int *free_index;
    gsl_matrix *M, *Q;
    gsl_vector *eval;
    gsl_eigen_symmv_workspace *eig;
    char error[256];
} profiler;

/* θ from the reduced parameters and t */
static void expand(const profiler *pr, const double *x, double t, double *theta)
{
    for (int j = 0, k = 0; j < pr->np; j++)
        theta[j] = j == pr->index ? t : x[k++];
}

static int sub_loss(void *user, const double *x, double *L, char *err, size_t errlen)
{
    profiler *pr = user;
    pr->r->n_loss++;
    expand(pr, x, pr->t, pr->full);
    return pr->P->loss(pr->P->user, pr->full, L, err, errlen);
}

static int sub_gradient(void *user, const double *x, double *L, double *g, char *err,
                        size_t errlen)
{
    profiler *pr = user;
    pr->r->n_gradient++;
    expand(pr, x, pr->t, pr->full);
    if (pr->P->gradient(pr->P->user, pr->full, L, pr->gfull, err, errlen) != 0)
        return -1;
    for (int j = 0, k = 0; j < pr->np; j++)
        if (j != pr->index)
            g[k++] = pr->gfull[j];
    return 0;
}

static int sub_hessian(void *user, const double *x, double *L, double *g, double *H, char *err,
                       size_t errlen)
{
    profiler *pr = user;
    const int n = pr->np;
    pr->r->n_hessian++;
    expand(pr, x, pr->t, pr->full);
    if (pr->P->hessian(pr->P->user, pr->full, L, pr->gfull, pr->Hfull, err, errlen) != 0)
        return -1;
    int k = 0;
    for (int a = 0; a < n; a++) {
        if (a == pr->index)
            continue;
        g[k] = pr->gfull[a];
        int l = 0;
        for (int b = 0; b < n; b++)
            if (b != pr->index)
                H[k * (n - 1) + l++] = pr->Hfull[a * n + b];
        k++;
    }
    return 0;
}

/* PL(t) by a fit of the others from theta (θ_i ignored); theta becomes the fitted point.
 * 0, or -1 with the reason in pr->error. */
static int fit_point(profiler *pr, double t, double *theta, double *value)
{
    const opt_type *trr = opt_find("trr");
    pr->t = t;
    for (int j = 0, k = 0; j < pr->np; j++)
        if (j != pr->index) {
            pr->sub_start[k] = fmin(fmax(theta[j], pr->sub_lower[k]), pr->sub_upper[k]);
            k++;
        }
    opt_result res;
    if (opt_run(trr, &pr->sub, pr->sub_start, &pr->s->inner, &res, pr->error,
                sizeof pr->error) != 0)
        return -1;
    const int failed = res.exit == OPT_FAILED || !isfinite(res.objective);
    if (failed)
        snprintf(pr->error, sizeof pr->error, "the fit at %g failed: %.200s", t, res.message);
    else {
        expand(pr, res.theta, t, theta);
        *value = res.objective - pr->L_hat;
    }
    opt_result_free(&res);
    return failed ? -1 : 0;
}

/* the free parameters at theta with gradient g: not the profiled one, and not one on a bound
 * that the gradient pushes against; returns their number */
static int free_set(profiler *pr, const double *theta, const double *g)
{
    int m = 0;
    for (int j = 0; j < pr->np; j++) {
        if (j == pr->index)
            continue;
        if ((theta[j] <= pr->P->lower[j] && g[j] > 0.0) ||
            (theta[j] >= pr->P->upper[j] && g[j] < 0.0))
            continue;
        pr->free_index[m++] = j;
    }
    return m;
}

/* out = −pinv(H_ff)·rhs_f on the free set (m of them), eigenvalues below 1e-10·max|λ| left
 * out (directions the data cannot fix) and negative ones taken by magnitude; 0 or -1 */
static int solve_free(profiler *pr, int m, const double *rhs, double *out)
{
    if (m == 0)
        return 0;
    gsl_matrix_view M = gsl_matrix_submatrix(pr->M, 0, 0, (size_t)m, (size_t)m);
    gsl_matrix_view Q = gsl_matrix_submatrix(pr->Q, 0, 0, (size_t)m, (size_t)m);
    gsl_vector_view ev = gsl_vector_subvector(pr->eval, 0, (size_t)m);
    const int n = pr->np;
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) {
            const int i = pr->free_index[a], j = pr->free_index[b];
            gsl_matrix_set(&M.matrix, (size_t)a, (size_t)b,
                           0.5 * (pr->H[i * n + j] + pr->H[j * n + i]));
        }
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)m);
    if (!w)
        return -1;
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    const int status = gsl_eigen_symmv(&M.matrix, &ev.vector, &Q.matrix, w);
    gsl_set_error_handler(previous);
    gsl_eigen_symmv_free(w);
    if (status != GSL_SUCCESS)
        return -1;
    double big = 0.0;
    for (int a = 0; a < m; a++)
        big = fmax(big, fabs(gsl_vector_get(&ev.vector, (size_t)a)));
    for (int a = 0; a < m; a++)
        out[a] = 0.0;
    for (int c = 0; c < m; c++) {
        const double lam = fabs(gsl_vector_get(&ev.vector, (size_t)c));
        if (!(lam > 1e-10 * big))
            continue;
        double proj = 0.0;
        for (int a = 0; a < m; a++)
            proj += gsl_matrix_get(&Q.matrix, (size_t)a, (size_t)c) * rhs[a];
        for (int a = 0; a < m; a++)
            out[a] -= gsl_matrix_get(&Q.matrix, (size_t)a, (size_t)c) * proj / lam;
    }
    return 0;
}

/* the Hessian at theta into pr->g, pr->H; 0 or -1 */
static int hessian_at(profiler *pr, const double *theta)
{
    double L;
    pr->r->n_hessian++;
    return pr->P->hessian(pr->P->user, theta, &L, pr->g, pr->H, pr->error, sizeof pr->error);
}

/* dθ/dt of the path at theta (whose Hessian is in pr->g, pr->H): −H_ff⁻¹ H_fi, 1 at i */
static int tangent(profiler *pr, const double *theta, double *dtheta)
{
    const int n = pr->np, m = free_set(pr, theta, pr->g);
    for (int a = 0; a < m; a++)
        pr->A[a] = pr->H[pr->free_index[a] * n + pr->index];
    if (solve_free(pr, m, pr->A, pr->step) != 0)
        return -1;
    memset(dtheta, 0, sizeof(double) * (size_t)n);
    dtheta[pr->index] = 1.0;
    for (int a = 0; a < m; a++)
        dtheta[pr->free_index[a]] = pr->step[a];
    return 0;
}

static void clamp(const profiler *pr, double *theta)
{
    for (int j = 0; j < pr->np; j++)
        theta[j] = fmin(fmax(theta[j], pr->P->lower[j]), pr->P->upper[j]);
}

/* One integration step from base (with its tangent dbase) to t: the Euler predictor, then
 * Newton corrections; theta gets the new point.  0, or -1 with the reason. */
static int integrate_point(profiler *pr, const double *base, const double *dbase, double t,
                           double *theta, double *value)
{
    const int n = pr->np;
    const double dt = t - base[pr->index];
    for (int j = 0; j < n; j++)
        theta[j] = base[j] + dt * dbase[j];
    theta[pr->index] = t;
    clamp(pr, theta);
    for (int it = 0;; it++) {
        if (hessian_at(pr, theta) != 0)
            return -1;
        const int m = free_set(pr, theta, pr->g);
        double gmax = 0.0;
        for (int a = 0; a < m; a++) {
            pr->A[a] = pr->g[pr->free_index[a]];
            gmax = fmax(gmax, fabs(pr->A[a]));
        }
        if (gmax <= pr->s->inner.gtol)
            break;
        if (it >= pr->s->max_newton) {
            snprintf(pr->error, sizeof pr->error, "the Newton corrections at %g did not reach "
                     "|gradient|_inf <= %g in %d steps (%.3g)", t, pr->s->inner.gtol,
                     pr->s->max_newton, gmax);
            return -1;
        }
        if (solve_free(pr, m, pr->A, pr->step) != 0) {
            snprintf(pr->error, sizeof pr->error, "the eigensolver failed at %g", t);
            return -1;
        }
        double move = 0.0;
        for (int a = 0; a < m; a++) {
            const int j = pr->free_index[a];
            const double before = theta[j];
            theta[j] += pr->step[a];
            theta[j] = fmin(fmax(theta[j], pr->P->lower[j]), pr->P->upper[j]);
            move = fmax(move, fabs(theta[j] - before) / (pr->P->upper[j] - pr->P->lower[j]));
        }
        if (move <= 1e-15)
            break;
    }
    double L;
    pr->r->n_loss++;
    if (pr->P->loss(pr->P->user, theta, &L, pr->error, sizeof pr->error) != 0)
        return -1;
    *value = L - pr->L_hat;
    return 0;
}

/* the profile point at t from the point base (its tangent dbase for the integration) */
static int point(profiler *pr, const double *base, const double *dbase, double t, double *theta,
                 double *value)
{
    if (pr->kind == PROFILE_INTEGRATION)
        return integrate_point(pr, base, dbase, t, theta, value);
    memcpy(theta, base, sizeof(double) * (size_t)pr->np);
    return fit_point(pr, t, theta, value);
}

/* ---- the path ------------------------------------------------------------------------------ */
typedef struct {
    int n, cap, np;
    double *t, *value, *theta;
} path;

static int path_add(path *p, double t, double value, const double *theta)
{
    if (p->n == p->cap) {
        const int cap = p->cap ? 2 * p->cap : 64;
        double *nt = realloc(p->t, sizeof(double) * (size_t)cap);
        if (nt)
            p->t = nt;
        double *nv = realloc(p->value, sizeof(double) * (size_t)cap);
        if (nv)
            p->value = nv;
        double *nth = realloc(p->theta, sizeof(double) * (size_t)cap * (size_t)p->np);
        if (nth)
            p->theta = nth;
        if (!nt || !nv || !nth)
            return -1;
        p->cap = cap;
    }
    p->t[p->n] = t;
    p->value[p->n] = value;
    memcpy(p->theta + (size_t)p->n * p->np, theta, sizeof(double) * (size_t)p->np);
    p->n++;
    return 0;
}

/* Follow one side (dir = ±1) from θ̂; the interval's end on that side into *end, *closed. */
static int walk(profiler *pr, const double *theta_hat, int dir, path *p, double *end, int *closed)
{
    const int n = pr->np, i = pr->index;
    const profile_settings *s = pr->s;
    const double width = pr->P->upper[i] - pr->P->lower[i];
    const double bound = dir > 0 ? pr->P->upper[i] : pr->P->lower[i];
    double *cur = malloc(sizeof(double) * (size_t)n), *dcur = malloc(sizeof(double) * (size_t)n);
    double *next = malloc(sizeof(double) * (size_t)n), *dnext = malloc(sizeof(double) * (size_t)n);
    double *mid = malloc(sizeof(double) * (size_t)n);
    int status = -1;
    if (!cur || !dcur || !next || !dnext || !mid) {
        snprintf(pr->error, sizeof pr->error, "out of memory");
        goto done;
    }
    memcpy(cur, theta_hat, sizeof(double) * (size_t)n);
    double vcur = 0.0, h = s->first_step * width;
    if (pr->kind == PROFILE_INTEGRATION &&
        (hessian_at(pr, cur) != 0 || tangent(pr, cur, dcur) != 0))
        goto done;
    *closed = 0;
    *end = bound;
    for (int k = 0; k < s->max_points; k++) {
        if (dir * (bound - cur[i]) <= 0.0) {
            status = 0;   /* at the bound: the interval is open on this side */
            goto done;
        }
        double t = cur[i] + dir * h, vnext;
        if (dir * (t - bound) > 0.0)
            t = bound;
        if (point(pr, cur, dcur, t, next, &vnext) != 0) {
            h *= 0.25;
            if (h < s->ci_tol * width) {
                char reason[256];
                snprintf(reason, sizeof reason, "%s", pr->error);
                snprintf(pr->error, sizeof pr->error, "the profile of parameter %d cannot go past "
                         "%g: %.180s", i + 1, cur[i], reason);
                goto done;
            }
            continue;
        }
        if (path_add(p, t, vnext, next) != 0) {
            snprintf(pr->error, sizeof pr->error, "out of memory");
            goto done;
        }
        if (vnext >= s->threshold) {
            /* the end lies between cur (below Δ) and next (above): bisection with linear
             * interpolation (the Illinois rule), each trial a point from cur */
            double a = cur[i], va = vcur - s->threshold, b = t, vb = vnext - s->threshold;
            int side = 0;
            while (fabs(b - a) > s->ci_tol * width) {
                double c = (a * vb - b * va) / (vb - va);
                if (!(dir * (c - a) > 0.0 && dir * (b - c) > 0.0))
                    c = 0.5 * (a + b);
                double vc;
                if (point(pr, cur, dcur, c, mid, &vc) != 0)
                    goto done;
                vc -= s->threshold;
                if (vc == 0.0) {
                    a = b = c;
                    break;
                }
                if ((vc < 0.0) == (va < 0.0)) {
                    a = c;
                    va = vc;
                    if (side == -1)
                        vb *= 0.5;
                    side = -1;
                } else {
                    b = c;
                    vb = vc;
                    if (side == 1)
                        va *= 0.5;
                    side = 1;
                }
            }
            *end = 0.5 * (a + b);
            *closed = 1;
            status = 0;
            goto done;
        }
        if (pr->kind == PROFILE_INTEGRATION && tangent(pr, next, dnext) != 0)
            goto done;
        const double rise = vnext - vcur, aim = s->rise * s->threshold;
        if (rise < 0.5 * aim)
            h = fmin(2.0 * h, s->max_step * width);
        else if (rise > 2.0 * aim)
            h *= 0.5;
        memcpy(cur, next, sizeof(double) * (size_t)n);
        memcpy(dcur, dnext, sizeof(double) * (size_t)n);
        vcur = vnext;
    }
    snprintf(pr->error, sizeof pr->error, "the profile of parameter %d did not reach the "
             "threshold or the bound in %d points", i + 1, s->max_points);
done:
    free(cur);
    free(dcur);
    free(next);
    free(dnext);
    free(mid);
    return status;
}

static int setup(profiler *pr)
{
    const int n = pr->np, m = n > 1 ? n - 1 : 1;
    const size_t v = sizeof(double) * (size_t)n;
    pr->full = malloc(v);
    pr->gfull = malloc(v);
    pr->Hfull = malloc(v * (size_t)n);
    pr->sub_lower = malloc(sizeof(double) * (size_t)m);
    pr->sub_upper = malloc(sizeof(double) * (size_t)m);
    pr->sub_start = malloc(sizeof(double) * (size_t)m);
    pr->g = malloc(v);
    pr->H = malloc(v * (size_t)n);
    pr->step = malloc(v);
    pr->A = malloc(v);
    pr->free_index = malloc(sizeof(int) * (size_t)n);
    pr->M = gsl_matrix_alloc((size_t)n, (size_t)n);
    pr->Q = gsl_matrix_alloc((size_t)n, (size_t)n);
    pr->eval = gsl_vector_alloc((size_t)n);
    if (!pr->full || !pr->gfull || !pr->Hfull || !pr->sub_lower || !pr->sub_upper ||
        !pr->sub_start || !pr->g || !pr->H || !pr->step || !pr->A || !pr->free_index || !pr->M ||
        !pr->Q || !pr->eval)
        return -1;
    for (int j = 0, k = 0; j < n; j++)
        if (j != pr->index) {
            pr->sub_lower[k] = pr->P->lower[j];
            pr->sub_upper[k++] = pr->P->upper[j];
        }
    memset(&pr->sub, 0, sizeof pr->sub);
    pr->sub.np = n - 1;
    pr->sub.lower = pr->sub_lower;
    pr->sub.upper = pr->sub_upper;
    pr->sub.user = pr;
    pr->sub.loss = sub_loss;
    pr->sub.gradient = pr->P->gradient ? sub_gradient : NULL;
    pr->sub.hessian = sub_hessian;
    return 0;
}

static void teardown(profiler *pr)
{
    free(pr->full);
    free(pr->gfull);
    free(pr->Hfull);
    free(pr->sub_lower);
    free(pr->sub_upper);
    free(pr->sub_start);
    free(pr->g);
    free(pr->H);
    free(pr->step);
    free(pr->A);
    free(pr->free_index);
    if (pr->M)
        gsl_matrix_free(pr->M);
    if (pr->Q)
        gsl_matrix_free(pr->Q);
    if (pr->eval)
        gsl_vector_free(pr->eval);
}

int profile_compute(profile_kind kind, const opt_problem *P, const double *theta_hat,
                    double L_hat, int index, const profile_settings *s, profile_result *r,
                    char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!P || !P->hessian || !P->loss || P->np < 2 || index < 0 || index >= P->np) {
        snprintf(err, errlen, "a profile needs an objective with Hessians, at least two "
                 "parameters and a parameter index in range");
        return -1;
    }
    if (!(s->threshold > 0.0) || !(s->first_step > 0.0) || !(s->max_step >= s->first_step) ||
        !(s->rise > 0.0) || s->max_points < 1 || !(s->ci_tol > 0.0)) {
        snprintf(err, errlen, "profile settings out of range");
        return -1;
    }
    for (int j = 0; j < P->np; j++)
        if (!(theta_hat[j] >= P->lower[j] && theta_hat[j] <= P->upper[j])) {
            snprintf(err, errlen, "the optimum's entry %d is %g, outside its bounds [%g, %g]",
                     j + 1, theta_hat[j], P->lower[j], P->upper[j]);
            return -1;
        }
    profiler pr;
    memset(&pr, 0, sizeof pr);
    pr.kind = kind;
    pr.P = P;
    pr.s = s;
    pr.np = P->np;
    pr.index = index;
    pr.L_hat = L_hat;
    pr.r = r;
    r->np = P->np;
    r->index = index;
    r->estimate = theta_hat[index];
    const double start = processor_seconds();
    path sides[2] = { { 0, 0, P->np, NULL, NULL, NULL }, { 0, 0, P->np, NULL, NULL, NULL } };
    int status = setup(&pr);
    if (status != 0)
        snprintf(pr.error, sizeof pr.error, "out of memory");
    for (int k = 0; status == 0 && k < 2; k++)
        status = walk(&pr, theta_hat, k ? 1 : -1, &sides[k], &r->ci[k], &r->closed[k]);
    r->cpu_seconds = processor_seconds() - start;
    if (status == 0) {
        /* the points by t: the lower side reversed, θ̂, the upper side */
        const int total = sides[0].n + 1 + sides[1].n;
        r->t = malloc(sizeof(double) * (size_t)total);
        r->value = malloc(sizeof(double) * (size_t)total);
        r->theta = malloc(sizeof(double) * (size_t)total * (size_t)P->np);
        if (!r->t || !r->value || !r->theta) {
            snprintf(pr.error, sizeof pr.error, "out of memory");
            status = -1;
        } else {
            int k = 0;
            for (int j = sides[0].n - 1; j >= 0; j--, k++) {
                r->t[k] = sides[0].t[j];
                r->value[k] = sides[0].value[j];
                memcpy(r->theta + (size_t)k * P->np, sides[0].theta + (size_t)j * P->np,
                       sizeof(double) * (size_t)P->np);
            }
            r->t[k] = theta_hat[index];
            r->value[k] = 0.0;
            memcpy(r->theta + (size_t)k * P->np, theta_hat, sizeof(double) * (size_t)P->np);
            k++;
            for (int j = 0; j < sides[1].n; j++, k++) {
                r->t[k] = sides[1].t[j];
                r->value[k] = sides[1].value[j];
                memcpy(r->theta + (size_t)k * P->np, sides[1].theta + (size_t)j * P->np,
                       sizeof(double) * (size_t)P->np);
            }
            r->n = total;
        }
    }
    for (int k = 0; k < 2; k++) {
        free(sides[k].t);
        free(sides[k].value);
        free(sides[k].theta);
    }
    teardown(&pr);
    if (status != 0) {
        snprintf(err, errlen, "%s", pr.error);
        profile_result_free(r);
        return -1;
    }
    return 0;
}
