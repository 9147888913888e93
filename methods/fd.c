/* fd — the loss gradient by finite differences of the CVODES forward solve, with a step
 * chosen per parameter from an error estimate, and that estimate reported.
 *
 *   forward:  D(h) = (L(θ + h e_i) − L(θ)) / h                 error c·h  + noise
 *   central:  D(h) = (L(θ + h e_i) − L(θ − h e_i)) / (2h)      error c·h² + noise
 *
 * The loss of an adaptive solve carries an error ε_L — the solver's global error, often well
 * above its relative tolerance over a long horizon, and its step sequence changes
 * discontinuously with θ — so a difference quotient has two errors: the truncation c·h^p
 * (p = 1 forward, 2 central) and the noise, at most ε_L/h (central) or 2ε_L/h (forward).
 * ε_L is measured, not assumed: one more solve at θ with both tolerances 100× tighter gives
 * ε_L = |L(rtol) − L(rtol/100)| (at least 4 ulp of L).
 *
 * Step (option step = 0, the default).  Per parameter, start from the classical balance
 * h_0 = ε^(1/(p+1))·max(|θ_i|, 1) with ε = max(rtol, DBL_EPSILON), on the grid h_e = h_0·2^e:
 *   - the truncation error of D(h) is estimated by comparing two steps (Richardson):
 *       T(h) = |D(2h) − D(h)| / (2^p − 1),
 *     and the noise by N(h) = ε_L/h (central) or 2ε_L/h (forward);
 *   - the step that minimises c·h^p + N(h)·h/h with c = T/h^p is
 *       h* = h·(N / (p·T))^(1/(p+1)),
 *     rounded to the grid (at most 4 doublings or halvings at a time, D at grid points is
 *     kept, so a step revisited costs nothing) — Curtis and Reid's idea of steering the step
 *     by the ratio of the two error estimates; at most FD_MAX_MOVES moves.
 * The gradient is D at the chosen step; its estimated error T + N goes to the result
 * (gradient_error, per parameter) and to the extras fd_error_est_max (the largest absolute
 * estimate) and fd_error_est_rel (the largest estimate relative to |∂L/∂θ_i|).
 * With a fixed step (step > 0) the step is h = step·max(|θ_i|, 1) as given, and the estimate
 * comes from the same comparison with 2h.
 *
 * Cost: each difference quotient costs 2 solves (central) or 1 (forward, with L(θ) shared):
 * at least two quotients per parameter, typically two to four, plus the tight solve at θ; the
 * solves are counted in fwd and steps_fwd, and fd_solves says how many there were.
 * Memory: one solve at a time. */
#include "cvcommon.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the grid h_0·2^e, e ∈ [−FD_GRID, FD_GRID] */
#define FD_GRID 24
#define FD_MAX_MOVES 4

static const method_opt_spec fd_options[] = {
    {"scheme", OPT_CHOICE, "central", "central|forward", 0, 0,
     "central differences (error O(h^2)) or forward differences (error O(h))"},
    {"step", OPT_DOUBLE, "0", NULL, 0, 1,
     "relative step h_i = step*max(|theta_i|,1); 0 = chosen per parameter from the "
     "estimated truncation and noise errors (comparing steps h and 2h)"},
    CVM_LINSOL_OPTION,
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status fd_run(const model *m, const double *theta, const method_options *o,
                            method_result *r);

const method_type method_fd = {
    "fd",
    "finite differences (forward or central) of the CVODES forward solve, the step chosen "
    "per parameter from an error estimate, which is reported",
    CAP_GRADIENT | CAP_STIFF | CAP_BREAKPOINTS, fd_options, fd_run};

/* the loss at θ, adding steps and evaluations to the result */
static method_status fd_loss(const model *m, const double *theta, const cv_settings *s,
                             method_result *r, size_t *bytes, double *loss)
{
    char err[256];
    model_ctx *ctx = cvm_context(method_fd.name, m, theta, r);
    if (!ctx)
        return METHOD_EINPUT;
    long steps = 0;
    size_t work = 0;
    int status = cv_loss(ctx, s, &r->fwd, loss, &steps, &work, err, sizeof err);
    r->steps_fwd += steps;
    if (work + model_ctx_bytes(ctx) > *bytes)
        *bytes = work + model_ctx_bytes(ctx);
    model_ctx_free(ctx);
    if (status != 0)
        return method_fail(r, METHOD_ESOLVER, "%s", err);
    return METHOD_OK;
}

/* One parameter's difference quotients on the grid of steps. */
typedef struct {
    const model *m;
    const double *theta;
    const cv_settings *s;
    method_result *r;
    size_t *bytes;
    double *shifted;
    int i, central;
    double h0;
    double D[2 * FD_GRID + 2];
    unsigned char have[2 * FD_GRID + 2];
    long solves;
} fd_param;

/* D(h_0·2^e) (computed once) */
static method_status fd_quotient(fd_param *F, int e, double *D)
{
    const int slot = e + FD_GRID;
    if (F->have[slot]) {
        *D = F->D[slot];
        return METHOD_OK;
    }
    const int np = F->m->np, i = F->i;
    const double theta_i = F->theta[i];
    const double h = ldexp(F->h0, e);
    memcpy(F->shifted, F->theta, sizeof(double) * (size_t)np);
    /* the actual step is the difference of representable numbers, not h itself */
    F->shifted[i] = theta_i + h;
    const double hi = F->shifted[i] - theta_i;
    double up, down = F->r->loss, lo = 0.0;
    method_status status = fd_loss(F->m, F->shifted, F->s, F->r, F->bytes, &up);
    F->solves++;
    if (status == METHOD_OK && F->central) {
        F->shifted[i] = theta_i - h;
        lo = theta_i - F->shifted[i];
        status = fd_loss(F->m, F->shifted, F->s, F->r, F->bytes, &down);
        F->solves++;
    }
    if (status != METHOD_OK)
        return status;
    F->D[slot] = *D = (up - down) / (hi + lo);
    F->have[slot] = 1;
    return METHOD_OK;
}

/* D at step index e and its error estimate: truncation from D(2h), noise from ε_L */
static method_status fd_estimate(fd_param *F, int e, double noise_L, double *D, double *trunc,
                                 double *noise)
{
    double D2;
    method_status status = fd_quotient(F, e, D);
    if (status == METHOD_OK)
        status = fd_quotient(F, e + 1, &D2);
    if (status != METHOD_OK)
        return status;
    const int p = F->central ? 2 : 1;
    *trunc = fabs(D2 - *D) / (double)((1 << p) - 1);
    *noise = (F->central ? 1.0 : 2.0) * noise_L / ldexp(F->h0, e);
    return METHOD_OK;
}

static method_status fd_run(const model *m, const double *theta, const method_options *o,
                            method_result *r)
{
    cv_settings s;
    method_status status = cvm_settings(method_fd.name, m, o, 0, &s, r);
    if (status == METHOD_OK)
        status = cvm_linsol(&method_fd, o, &s, r);
    if (status != METHOD_OK || (status = cvm_gradient(method_fd.name, r)) != METHOD_OK)
        return status;
    const int central = strcmp(method_opt_choice(&method_fd, o, "scheme"), "central") == 0;
    const int p = central ? 2 : 1;
    const double given = method_opt_double(&method_fd, o, "step");
    const int adapt = !(given > 0);
    const double eps = fmax(s.rtol, DBL_EPSILON);
    const double step = adapt ? pow(eps, 1.0 / (p + 1)) : given;

    const int np = m->np;
    double *shifted = malloc(sizeof(double) * (size_t)(np ? np : 1));
    r->gradient_error = calloc((size_t)(np ? np : 1), sizeof(double));
    if (!shifted || !r->gradient_error) {
        free(shifted);
        return method_fail(r, METHOD_EMEMORY, "fd: out of memory");
    }
    size_t bytes = 0;
    status = fd_loss(m, theta, &s, r, &bytes, &r->loss);
    /* the loss's own error, from a solve at tolerances 100× tighter */
    cv_settings tight = s;
    tight.rtol = s.rtol * 1e-2;
    tight.atol = s.atol * 1e-2;
    double loss_tight = r->loss;
    if (status == METHOD_OK)
        status = fd_loss(m, theta, &tight, r, &bytes, &loss_tight);
    const double noise_L = fmax(fabs(loss_tight - r->loss), 4.0 * DBL_EPSILON * fabs(r->loss));
    double worst_abs = 0.0, worst_rel = 0.0, smallest = INFINITY, largest = 0.0;
    long solves = 2;
    for (int i = 0; status == METHOD_OK && i < np; i++) {
        fd_param F = {.m = m, .theta = theta, .s = &s, .r = r, .bytes = &bytes,
                      .shifted = shifted, .i = i, .central = central,
                      .h0 = step * fmax(fabs(theta[i]), 1.0)};
        int e = 0;
        double D = 0.0, T = 0.0, N = 0.0;
        status = fd_estimate(&F, e, noise_L, &D, &T, &N);
        for (int move = 0; adapt && status == METHOD_OK && move < FD_MAX_MOVES; move++) {
            /* h* = h (N / (p T))^(1/(p+1)), as a power of two, at most 4 doublings away */
            const double ratio = T > 0 ? pow(N / (p * T), 1.0 / (p + 1)) : 16.0;
            int k = (int)lround(log2(ratio));
            k = k > 4 ? 4 : k < -4 ? -4 : k;
            if (e + k < -FD_GRID)
                k = -FD_GRID - e;
            if (e + k > FD_GRID - 1)
                k = FD_GRID - 1 - e;
            if (k == 0)
                break;
            double D1, T1, N1;
            status = fd_estimate(&F, e + k, noise_L, &D1, &T1, &N1);
            if (status != METHOD_OK)
                break;
            if (T1 + N1 >= T + N)
                break;   /* no better: keep the step we have */
            e += k;
            D = D1, T = T1, N = N1;
        }
        if (status != METHOD_OK)
            break;
        r->gradient[i] = D;
        r->gradient_error[i] = T + N;
        worst_abs = fmax(worst_abs, T + N);
        if (D != 0.0)
            worst_rel = fmax(worst_rel, (T + N) / fabs(D));
        const double rel = ldexp(step, e);
        smallest = fmin(smallest, rel);
        largest = fmax(largest, rel);
        solves += F.solves;
    }
    free(shifted);
    r->peak_bytes = bytes + sizeof(double) * (size_t)np;
    if (status == METHOD_OK) {
        method_extra_add(r, "relative_step", np ? smallest : step, "");
        method_extra_add(r, "relative_step_max", np ? largest : step, "");
        method_extra_add(r, "fd_error_est_max", worst_abs, "");
        method_extra_add(r, "fd_error_est_rel", worst_rel, "");
        method_extra_add(r, "fd_solves", (double)solves, "");
    }
    return status;
}
