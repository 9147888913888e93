/* interp — the interpolating continuous adjoint on odegrad's own integrators.
 *
 * Forward pass: one adaptive solve of x' = f(t, x, θ) (with the running cost q' = g as an
 * extra state when the model has one) by an integrator of ours; every accepted step is kept
 * as its dense output:
 *   explicit Runge–Kutta (dopri5, tsit5): x_k and the stage derivatives K_1 … K_s, so that
 *       x(t_k + σh) = x_k + h Σ b_i(σ) K_i   (the method's own continuous extension, order 4);
 *   Rosenbrock (stiff models): x_k and f_k = f(t_k, x_k), with the cubic Hermite interpolant
 *       between step ends (order 3, the method's order).
 * The loss terms ℓ_i and their gradients are taken at the observation times as the solve
 * passes them (ddcommon's observer).  Under budget_bytes only the step times are kept and the
 * dense output is recomputed segment by segment from checkpoints (see interp_checkpoints).
 *
 * Backward pass: the continuous adjoint λ(t) = ∂L/∂x(t) solves
 *     λ' = −f_x(t, x(t))ᵀ λ,   λ(tf) = ∂L/∂x(tf),   λ(t_i⁻) = λ(t_i⁺) + ℓ_x(t_i),
 * integrated in reversed time s = −t by the same integrator with its own error control on λ
 * (tolerances --rtol-b/--atol-b; weight=peak measures each component against its largest
 * size since tf rather than its current one, see step_control.c), x(t) read from the forward
 * dense output.  A one-step method
 * has nothing to restart at a jump: the backward solve adds ℓ_x, evaluates f once at the new λ
 * and goes on with the step size it had.  Observations inside a forward Runge–Kutta step are
 * moved to the step's start through its dense-output formula (interp_transport), so that the
 * backward steps need not end on each of them.  The parameter gradient
 *     dL/dθ = Σ_i ℓ_θ(t_i) + ∫_{t0}^{tf} f_θ(t, x(t))ᵀ λ(t) dt + x0_θᵀ λ(t0)
 * has its integral accumulated step by step outside the error test: by the backward
 * Runge–Kutta step's own stages (quad=0, the products f_θᵀλ made for them reused), or by
 * Gauss–Legendre quadrature with `quad` nodes on each accepted backward step, λ at the nodes
 * from the backward step's dense output (Runge–Kutta) or cubic Hermite interpolation
 * (Rosenbrock, which integrates the autonomised adjoint: interp_aut_jac).
 *
 * Integrator: solver=auto on a model marked stiff is Tsit5 with a stiffness test, Rosenbrock
 * only when it fires and pays (interp_run).
 *
 * Memory: the dense output of every forward step (bytes per step reported as
 * dense_bytes_per_step), refused before allocation beyond --mem-cap, plus the two solvers'
 * workspaces; under budget_bytes the checkpoints and two segments, plus 8 bytes per step. */
#include "ddcommon.h"
#include "hermite.h"
#include "integrator.h"
#include "stiffness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTERP_MAX_QUAD 8

static const method_opt_spec interp_options[] = {
    {"solver", OPT_SOLVER, "auto", NULL, 0, 0,
     "adaptive integrator of ours for both passes (also --solver); auto = the registry's "
     "non-stiff default, and on models marked stiff Tsit5 with a stiffness test that switches "
     "to Rosenbrock when it fires"},
    {"quad", OPT_INT, "0", NULL, 0, INTERP_MAX_QUAD,
     "Gauss-Legendre nodes per backward step for the parameter integral; 0 = the backward "
     "Runge-Kutta step's own stages (no extra products; 3 nodes on Rosenbrock)"},
    {"budget_bytes", OPT_DOUBLE, "0", NULL, 0, 1e18,
     "bytes for the forward solution the backward pass reads: checkpoints plus two recomputed "
     "segments of dense output (0 = keep the whole dense output)"},
    {"ft", OPT_CHOICE, "fd", "fd|off", 0, 0,
     "Rosenbrock backward pass: the time column of the autonomised adjoint's Jacobian by a "
     "difference quotient (fd) or zero (off, the W-method's own choice)"},
    {"weight", OPT_CHOICE, "current", "current|peak", 0, 0,
     "backward error weight of each adjoint component: atol + rtol*|lambda_m| (current), or "
     "atol + rtol*(largest |lambda_m| since tf) (peak, Gear's YMAX): fewer backward steps "
     "when every observation excites adjoint modes that then decay (up to 3x at jakstat's "
     "fit points, 6x at rafmekerk's), a larger gradient error where decayed components still "
     "matter (Robertson: up to 6x)"},
    {"observations", OPT_CHOICE, "transport", "transport|stop", 0, 0,
     "Runge-Kutta: move the seeds of observations inside a forward step to its start through "
     "the step's dense output (transport), or end a backward step on every observation time "
     "(stop)"},
    {NULL, OPT_INT, NULL, NULL, 0, 0, NULL}};

static method_status interp_run(const model *m, const double *theta, const method_options *o,
                                method_result *r);

const method_type method_interp = {
    "interp",
    "interpolating continuous adjoint: forward dense output of our RK / Rosenbrock solve, "
    "adaptive backward solve of the adjoint, Gauss-Legendre quadrature of the gradient",
    CAP_GRADIENT | CAP_STIFF, interp_options, interp_run};

/* One forward step's dense output: RK x_k, K_1..K_s; Rosenbrock x_k, f_k. */
typedef struct {
    double t, t_next;
    double v[];
} interp_rec;

/* A recomputed segment: steps first … first+count−1 (Rosenbrock: and the end point). */
typedef struct {
    long seg;                  /* −1: empty */
    long first, count;
    unsigned long used;
    char *mem;                 /* (K + 1) records of rec_bytes */
} interp_segment;

typedef struct {
    dd_run *R;
    const rk_tableau *rk;      /* RK family, or … */
    const ros_tableau *ros;    /* … Rosenbrock */
    int n, np, s, nvec;
    size_t rec_bytes;
    interp_rec **rec;
    long nrec, cap;
    long cursor;
    double *x_end, *f_end;     /* Rosenbrock: the state and f at tf */
    double *nodes;             /* Rosenbrock: the forward step ends inside (t0, tf), as
                                * s = −t ascending: the backward steps land on them */
    long nnodes;
    size_t solver_bytes;       /* the backward solver's, as charged */
    /* solver=auto on a model hinted stiff: the stiffness test of the forward pass */
    int detect, stiff;
    stiffness_test stiffness;  /* on the whole state, its work space in scratch */
    /* budget_bytes > 0: the forward pass keeps checkpoints, segments are recomputed */
    double budget;
    long nsteps;               /* forward steps of the condition (budget: from R->grid) */
    long seg_len, nseg;        /* K steps per segment, ⌈nsteps/K⌉ segments */
    double *ckpt;              /* nseg × n: x at the start of every segment */
    interp_segment buf[2];     /* the two segments held, least recently used replaced */
    unsigned long stamp;
    size_t seg_bytes;          /* one buffer */
    long loads, replayed;      /* segments recomputed, forward steps replayed (all passes) */
    size_t budget_used;        /* the most held under the budget */
    double *xw, *x0;           /* n, n: the replays' state, x(t0) */
    int nbuf;                  /* buffers in use (1 when there is one segment) */
    /* scratch */
    double *scratch;
    size_t scratch_doubles;
    double *xi, *gx, *gth, *w, *lam_q, *d0, *d1, *Jf, *kbar;
    /* Rosenbrock backward pass on the autonomised system (λ, τ = s) */
    int time_column;           /* ft=fd: the Jacobian's time column by a difference quotient */
    double *Jn, *g0, *g1, *z;  /* n×n, n, n, n + 1 */
    /* observations inside a forward step, transported to the step's start (RK only) */
    unsigned char *moved;      /* nout: this observation's seed went into the pending jump */
    double *pending;           /* n: the transported seeds, added at pending_t */
    double *peak;              /* n + 1: the largest |λ_m| since tf, the backward error
                                * weight (step_control.peak; Rosenbrock's time column last) … */
    int weight_peak;           /* … with weight=peak */
    double pending_t;
    int has_pending;
    long transported;          /* observations moved, over the run */
    /* quadrature on [0, 1] */
    int transport;             /* observations=transport */
    /* quad=0 on Runge–Kutta: the last products f_θᵀλ of the backward solve, to be reused as
     * the accepted step's stage values */
    int stage_quad;
    int ring_len, ring_next;
    double *ring_s;            /* ring_len times s */
    double *ring_lam, *ring_gth; /* ring_len × n, ring_len × np */
    long stage_misses;         /* stage values not found in the ring (evaluated again) */
    int nq;
    double node[INTERP_MAX_QUAD], weight[INTERP_MAX_QUAD];
    /* backward bookkeeping */
    double h_carry;            /* the step proposed when the last interval ended */
    double *thbar;
    char error[256];
} interp_run_t;

/* ---- Gauss–Legendre nodes and weights on [0, 1], by Newton's method on P_n ------------- */
static void gauss_legendre(int n, double *node, double *weight)
{
    for (int i = 0; i < n; i++) {
        double z = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 1.0;
        for (int it = 0; it < 100; it++) {
            double p0 = 1.0, p1 = z;   /* P_0, P_1, recurrence to P_n */
            for (int k = 2; k <= n; k++) {
                const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = n * (z * p1 - p0) / (z * z - 1.0);
            const double dz = p1 / dp;
            z -= dz;
            if (fabs(dz) < 1e-16)
                break;
        }
        node[i] = 0.5 * (1.0 - z);
        weight[i] = 1.0 / ((1.0 - z * z) * dp * dp);   /* 2/((1−z²)P'²) halved */
    }
}

/* ---- the forward dense output --------------------------------------------------------- */

/* t_k, the start of forward step k (k = nsteps: tf) */
static double interp_t(const interp_run_t *A, long k)
{
    if (A->budget > 0)
        return A->R->grid[k];
    return k < A->nrec ? A->rec[k]->t : A->rec[A->nrec - 1]->t_next;
}

/* copy an accepted forward step into a record */
static int interp_fill(interp_run_t *A, const odeint_step *step, interp_rec *rec)
{
    dd_run *R = A->R;
    const size_t vec = sizeof(double) * (size_t)A->n;
    rec->t = step->t;
    rec->t_next = step->t_next;
    if (step->rk) {
        memcpy(rec->v, step->rk->x, vec);
        for (int i = 0; i < A->s; i++)
            memcpy(rec->v + (size_t)(i + 1) * A->n, step->rk->K[i], vec);
        return 0;
    }
    memcpy(rec->v, step->ros->x, vec);
    if (R->sys.rhs(step->t, step->ros->x, rec->v + A->n, R->sys.ctx) != 0) {
        snprintf(R->error, sizeof R->error,
                 "interp: the right-hand side failed at t = %.17g", step->t);
        return -1;
    }
    return 0;
}

static interp_rec *interp_slot(const interp_run_t *A, const interp_segment *b, long k)
{
    return (interp_rec *)(b->mem + (size_t)(k - b->first) * A->rec_bytes);
}

typedef struct {
    interp_run_t *A;
    interp_segment *b;
} interp_replay;

static int interp_replay_keep(const odeint_step *step, void *ctx)
{
    const interp_replay *P = ctx;
    return interp_fill(P->A, step, interp_slot(P->A, P->b, step->index));
}

/* Replay forward steps first … first+count−1 of the kept grid from x (overwritten with
 * x_{first+count}); observer may be NULL. */
static int interp_replay_steps(interp_run_t *A, long first, long count, double *x,
                               odeint_observer observer, void *ctx)
{
    dd_run *R = A->R;
    const model *m = model_ctx_model(R->ctx);
    const step_grid g = {.t0 = m->t0, .tf = m->tf, .steps = A->nsteps, .times = R->grid};
    const odeint_problem P = {.t0 = m->t0, .tf = m->tf, .nout = R->nout, .tout = R->tout,
                              .xout = NULL, .observer = observer, .observer_ctx = ctx};
    odeint_stats st;
    char err[160];
    const int status = odeint_grid(R->I, &P, &g, first, count, x, &st, err, sizeof err);
    A->replayed += count;
    if (status == STEP_OK)
        return 0;
    if (!(status == STEP_EOBSERVER && R->error[0]))
        snprintf(R->error, sizeof R->error, "interp: recomputing forward steps %ld-%ld: %s",
                 first, first + count - 1, err);
    return -1;
}

/* the segment holding step k, recomputed from its checkpoint into the least recently used
 * buffer when it is not held */
static interp_segment *interp_segment_of(interp_run_t *A, long k)
{
    const long seg = k / A->seg_len;
    interp_segment *b = NULL;
    for (int j = 0; j < 2; j++)
        if (A->buf[j].seg == seg)
            b = &A->buf[j];
    if (!b) {
        b = A->nbuf < 2 || A->buf[0].used <= A->buf[1].used ? &A->buf[0] : &A->buf[1];
        b->seg = -1;
        b->first = seg * A->seg_len;
        b->count = A->nsteps - b->first < A->seg_len ? A->nsteps - b->first : A->seg_len;
        memcpy(A->xw, A->ckpt + (size_t)seg * A->n, sizeof(double) * (size_t)A->n);
        interp_replay P = {A, b};
        if (interp_replay_steps(A, b->first, b->count, A->xw, interp_replay_keep, &P) != 0)
            return NULL;
        if (A->ros) {
            /* the end point, for the Hermite interpolant of the segment's last step */
            interp_rec *end = interp_slot(A, b, b->first + b->count);
            end->t = end->t_next = interp_t(A, b->first + b->count);
            memcpy(end->v, A->xw, sizeof(double) * (size_t)A->n);
            if (A->R->sys.rhs(end->t, A->xw, end->v + A->n, A->R->sys.ctx) != 0) {
                snprintf(A->R->error, sizeof A->R->error,
                         "interp: the right-hand side failed at t = %.17g", end->t);
                return NULL;
            }
        }
        b->seg = seg;
        A->loads++;
    }
    b->used = ++A->stamp;
    return b;
}

/* forward step k's record, and (Rosenbrock) the state and f at its end */
static int interp_rec_get(interp_run_t *A, long k, const interp_rec **rec, const double **x1,
                          const double **f1)
{
    const int n = A->n;
    if (A->budget <= 0) {
        *rec = A->rec[k];
        if (x1) {
            *x1 = k + 1 < A->nrec ? A->rec[k + 1]->v : A->x_end;
            *f1 = k + 1 < A->nrec ? A->rec[k + 1]->v + n : A->f_end;
        }
        return 0;
    }
    interp_segment *b = interp_segment_of(A, k);
    if (!b)
        return -1;
    *rec = interp_slot(A, b, k);
    if (x1) {
        const interp_rec *next = interp_slot(A, b, k + 1);   /* the end point at most */
        *x1 = next->v;
        *f1 = next->v + n;
    }
    return 0;
}

/* x(t) from the record that holds t (the cursor follows the backward pass) */
static int interp_state(interp_run_t *A, double t, double *x)
{
    long k = A->cursor;
    while (k > 0 && t < interp_t(A, k))
        k--;
    while (k < A->nsteps - 1 && t > interp_t(A, k + 1))
        k++;
    A->cursor = k;
    const interp_rec *rec;
    const double *x1 = NULL, *f1 = NULL;
    if (interp_rec_get(A, k, &rec, A->rk ? NULL : &x1, &f1) != 0)
        return -1;
    const double h = rec->t_next - rec->t;
    double sigma = (t - rec->t) / h;
    sigma = sigma < 0.0 ? 0.0 : sigma > 1.0 ? 1.0 : sigma;
    const int n = A->n;
    if (A->rk) {
        rk_dense_weights(A->rk, sigma, A->w);
        memcpy(x, rec->v, sizeof(double) * (size_t)n);
        for (int i = 0; i < A->s; i++) {
            const double c = h * A->w[i];
            const double *K = rec->v + (size_t)(i + 1) * n;
            if (c != 0.0)
                for (int m = 0; m < n; m++)
                    x[m] += c * K[m];
        }
    } else {
        hermite_cubic(n, h, sigma, rec->v, rec->v + n, x1, f1, x);
    }
    return 0;
}

static int interp_keep(interp_run_t *A, const odeint_step *step)
{
    dd_run *R = A->R;
    interp_rec **recs = mem_grow(&R->acc, A->rec, sizeof *recs, A->nrec, &A->cap, 256);
    if (!recs)
        goto refused;
    A->rec = recs;
    interp_rec *rec = mem_alloc(&R->acc, A->rec_bytes);
    if (!rec)
        goto refused;
    if (interp_fill(A, step, rec) != 0) {
        mem_free(&R->acc, rec, A->rec_bytes);
        return -1;
    }
    A->rec[A->nrec++] = rec;
    return 0;
refused:
    snprintf(R->error, sizeof R->error,
             "interp: keeping the dense output of step %ld (t = %.6g) would pass the memory "
             "cap of %zu bytes (%zu per step): raise --mem-cap or loosen the tolerances",
             step->index, step->t, R->acc.cap, A->rec_bytes);
    return -1;
}

/* the stiffness test of solver=auto on a model hinted stiff (stiffness.h) */
static int interp_stiffness(interp_run_t *A, const rk_step_view *v)
{
    if (!stiffness_test_step(&A->stiffness, v, model_ctx_model(A->R->ctx)->tf))
        return 0;
    A->stiff = 1;
    snprintf(A->R->error, sizeof A->R->error,
             "interp: %s is stiff at t = %.6g (stability-limited steps)", A->rk->name,
             v->t_next);
    return -1;
}

static int interp_observe(const odeint_step *step, void *ctx)
{
    interp_run_t *A = ctx;
    if (dd_observe(step, A->R) != 0)
        return -1;
    if (A->detect && step->rk && step->rk->stages >= 2 && interp_stiffness(A, step->rk) != 0)
        return -1;
    return A->budget > 0 ? 0 : interp_keep(A, step);
}

/* Rosenbrock: the interpolant of x is cubic Hermite on each forward step, whose second
 * derivative jumps at the step ends; an order-3(2) error estimate across such a kink forces
 * tiny steps, so the backward solve treats the forward step ends as output times (the
 * driver ends a step on each, with no restart) and integrates one smooth piece per step. */
static method_status interp_nodes(interp_run_t *A, void *solver)
{
    dd_run *R = A->R;
    const long count = A->nsteps > 1 ? A->nsteps - 1 : 0;
    A->nodes = mem_alloc(&R->acc, sizeof(double) * (size_t)(count ? count : 1));
    const size_t before = ros_solver_bytes(solver);
    if (!A->nodes || ros_solver_reserve(solver, (int)count) != 0 ||
        mem_charge(&R->acc, ros_solver_bytes(solver) - before) != 0)
        return method_fail(R->r, METHOD_EMEMORY,
                           "interp: the memory cap of %zu bytes is too small for the %ld "
                           "forward step times: raise --mem-cap",
                           R->acc.cap, count);
    A->solver_bytes += ros_solver_bytes(solver) - before;
    for (long j = 0; j < count; j++)
        A->nodes[j] = -interp_t(A, A->nsteps - 1 - j);
    A->nnodes = count;
    return METHOD_OK;
}

static void interp_drop(interp_run_t *A)
{
    dd_run *R = A->R;
    if (A->nodes)
        mem_free(&R->acc, A->nodes, sizeof(double) * (size_t)(A->nnodes ? A->nnodes : 1));
    A->nodes = NULL;
    A->nnodes = 0;
    for (long k = 0; k < A->nrec; k++)
        mem_free(&R->acc, A->rec[k], A->rec_bytes);
    mem_free(&R->acc, A->rec, sizeof *A->rec * (size_t)A->cap);
    A->rec = NULL;
    A->nrec = A->cap = 0;
    A->cursor = 0;
    if (A->budget > 0) {
        mem_free(&R->acc, A->ckpt, sizeof(double) * (size_t)A->nseg * (size_t)A->n);
        for (int j = 0; j < 2; j++)
            mem_free(&R->acc, A->buf[j].mem, A->seg_bytes);
        memset(A->buf, 0, sizeof A->buf);
        A->ckpt = NULL;
        A->nseg = 0;
        dd_grid_release(R);
    }
}

/* ---- budget_bytes: checkpoints and recomputed segments ------------------------------------
 * The forward pass keeps only the step times (8 bytes per step, outside the budget, as the
 * checkpoint backend's first pass) and the loss terms.  Segments of K steps are then chosen
 * as long as the budget allows:
 *     ⌈l/K⌉ checkpoints of n values + min(2, ⌈l/K⌉) buffers of K + 1 records ≤ budget_bytes,
 * a replay of the grid stores the checkpoints (steps 0 … (⌈l/K⌉ − 1)K − 1), and the backward
 * pass recomputes a segment from its checkpoint when it first reads x(t) there, into the
 * least recently used of the two buffers (a backward step that straddles two segments finds
 * both).  Replays repeat the original steps bit for bit (rk.h), so the dense output read is
 * the one kept without a budget and the gradient is the same. */
static size_t interp_budget_need(const interp_run_t *A, long K)
{
    const long nseg = (A->nsteps + K - 1) / K;
    return (size_t)nseg * sizeof(double) * (size_t)A->n +
           (size_t)(nseg < 2 ? nseg : 2) * (size_t)(K + 1) * A->rec_bytes;
}

static int interp_keep_ckpt(const odeint_step *step, void *ctx)
{
    interp_run_t *A = ctx;
    if (step->index % A->seg_len == 0)
        memcpy(A->ckpt + (size_t)(step->index / A->seg_len) * A->n,
               step->rk ? step->rk->x : step->ros->x, sizeof(double) * (size_t)A->n);
    return 0;
}

static method_status interp_checkpoints(interp_run_t *A)
{
    dd_run *R = A->R;
    A->nsteps = R->grid_len - 1;
    long K = 0;
    size_t least = 0;
    for (long k = A->nsteps; k >= 1; k--) {
        const size_t need = interp_budget_need(A, k);
        if (!K && (double)need <= A->budget)
            K = k;
        if (!least || need < least)
            least = need;
    }
    if (!K)
        return method_fail(R->r, METHOD_EMEMORY,
                           "interp: budget_bytes = %.0f cannot hold the checkpoints and "
                           "recomputed segments of the %ld forward steps (%zu bytes per "
                           "step's dense output, %zu per checkpoint): the least that works is "
                           "%zu bytes; raise budget_bytes",
                           A->budget, A->nsteps, A->rec_bytes,
                           sizeof(double) * (size_t)A->n, least);
    A->seg_len = K;
    A->nseg = (A->nsteps + K - 1) / K;
    A->nbuf = A->nseg < 2 ? (int)A->nseg : 2;
    A->seg_bytes = (size_t)(K + 1) * A->rec_bytes;
    A->ckpt = mem_alloc(&R->acc, sizeof(double) * (size_t)A->nseg * (size_t)A->n);
    for (int j = 0; j < 2; j++) {
        A->buf[j].seg = -1;
        A->buf[j].mem = j < A->nbuf ? mem_alloc(&R->acc, A->seg_bytes) : NULL;
    }
    if (!A->ckpt || !A->buf[0].mem || (A->nbuf == 2 && !A->buf[1].mem))
        return method_fail(R->r, METHOD_EMEMORY,
                           "interp: %ld checkpoints and %d segments of %ld steps (%zu bytes) "
                           "would pass the memory cap of %zu bytes: raise --mem-cap",
                           A->nseg, A->nbuf, K, interp_budget_need(A, K), R->acc.cap);
    const size_t used = interp_budget_need(A, K);
    if (used > A->budget_used)
        A->budget_used = used;
    /* the checkpoints: x0, then a replay up to the last segment's start */
    memcpy(A->ckpt, A->x0, sizeof(double) * (size_t)A->n);
    if (A->nseg > 1) {
        memcpy(A->xw, A->x0, sizeof(double) * (size_t)A->n);
        const long upto = (A->nseg - 1) * K;
        if (interp_replay_steps(A, 0, upto, A->xw, interp_keep_ckpt, A) != 0)
            return method_fail(R->r, METHOD_ESOLVER, "%s", R->error);
        memcpy(A->ckpt + (size_t)(A->nseg - 1) * A->n, A->xw, sizeof(double) * (size_t)A->n);
    }
    return METHOD_OK;
}

/* ---- the backward pass, in s = −t --------------------------------------------------------- */

/* dλ/ds = f_x(t, x(t))ᵀ λ at t = −s */
static int interp_adj_rhs(double s, const double *lam, double *dlam, void *ctx)
{
    interp_run_t *A = ctx;
    const double t = -s;
    if (interp_state(A, t, A->xi) != 0 ||
        A->R->sys.vjp(t, A->xi, lam, dlam, A->gth, A->R->sys.ctx) != 0)
        return -1;
    if (A->stage_quad) {
        /* keep (s, λ, f_θᵀλ): the accepted step's stages are among the last evaluations */
        const int k = A->ring_next;
        A->ring_s[k] = s;
        memcpy(A->ring_lam + (size_t)k * A->n, lam, sizeof(double) * (size_t)A->n);
        memcpy(A->ring_gth + (size_t)k * A->np, A->gth, sizeof(double) * (size_t)A->np);
        A->ring_next = (k + 1) % A->ring_len;
    }
    return 0;
}

/* its Jacobian f_xᵀ (for the Rosenbrock backward pass) */
static int interp_adj_jac(double s, const double *lam, double *J, void *ctx)
{
    (void)lam;
    interp_run_t *A = ctx;
    const double t = -s;
    const int n = A->n;
    if (interp_state(A, t, A->xi) != 0 || A->R->sys.jac(t, A->xi, A->Jf, A->R->sys.ctx) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            J[i * n + j] = A->Jf[j * n + i];
    return 0;
}

/* The Rosenbrock backward pass integrates the autonomised system z = (λ, τ), dλ/ds =
 * A(τ)λ with A(τ) = f_x(−τ, x(−τ))ᵀ, dτ/ds = 1, whose Jacobian is
 *     [ A(τ)  ∂(Aλ)/∂τ ]
 *     [ 0     0        ].
 * ROS34PW2 is a W-method: any matrix keeps its classical order, so the forward pass (our
 * models are autonomous or nearly) does without the time column.  The adjoint is not: A
 * follows x(t), and on a stiff problem a W-matrix that misses the stiff part of the exact
 * Jacobian costs accuracy (stiff order reduction).  Measured on Robertson at rtol 1e-8:
 * without the column the backward pass takes 27 605 steps for 2 753 forward ones and the
 * gradient is 8.0e-6 off (forward sensitivities 5.1e-8); with it 17 718 steps and 4.6e-7.
 * The column is a forward difference quotient of two adjoint products (ft=fd, the default;
 * ft=off gives zero, the W-method's own choice). */
static int interp_aut_rhs(double s, const double *z, double *dz, void *ctx)
{
    interp_run_t *A = ctx;
    if (interp_adj_rhs(s, z, dz, A) != 0)
        return -1;
    dz[A->n] = 1.0;
    return 0;
}

static int interp_aut_jac(double s, const double *z, double *J, void *ctx)
{
    interp_run_t *A = ctx;
    const int n = A->n, N = n + 1;
    if (interp_adj_jac(s, z, A->Jn, A) != 0)
        return -1;
    memset(J, 0, sizeof(double) * (size_t)N * (size_t)N);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            J[i * N + j] = A->Jn[i * n + j];
    if (!A->time_column)
        return 0;
    const double delta = 1.5e-8 * fmax(fabs(s), 1.0);
    if (interp_adj_rhs(s, z, A->g0, A) != 0 || interp_adj_rhs(s + delta, z, A->g1, A) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        J[i * N + n] = (A->g1[i] - A->g0[i]) / delta;
    return 0;
}

/* θ̄ += h Σ_q w_q f_θ(t_q, x(t_q))ᵀ λ(t_q) over a backward step s → s + h; lam_at fills λ at
 * fraction σ of the step */
static int interp_quadrature(interp_run_t *A, double s, double h,
                             void (*lam_at)(interp_run_t *, const void *, double, double *),
                             const void *view)
{
    dd_run *R = A->R;
    for (int q = 0; q < A->nq; q++) {
        lam_at(A, view, A->node[q], A->lam_q);
        const double t = -(s + A->node[q] * h);
        if (interp_state(A, t, A->xi) != 0)
            return -1;
        if (R->sys.vjp(t, A->xi, A->lam_q, A->gx, A->gth, R->sys.ctx) != 0) {
            snprintf(R->error, sizeof R->error,
                     "interp: the adjoint product failed at t = %.17g", t);
            return -1;
        }
        for (int k = 0; k < A->np; k++)
            A->thbar[k] += A->weight[q] * h * A->gth[k];
    }
    return 0;
}

static void lam_rk(interp_run_t *A, const void *view, double sigma, double *lam)
{
    const rk_step_view *v = view;
    rk_dense_weights(A->rk, sigma, A->w);
    memcpy(lam, v->x, sizeof(double) * (size_t)A->n);
    for (int i = 0; i < v->stages; i++) {
        const double c = v->h * A->w[i];
        if (c != 0.0)
            for (int m = 0; m < A->n; m++)
                lam[m] += c * v->K[i][m];
    }
}

/* quad=0: θ̄ += h Σ_i b_i f_θᵀ(t_i, x(t_i)) Y_i — the backward step's own quadrature, i.e. the
 * Runge–Kutta method applied to the augmented system (λ, θ̄) with θ̄ kept out of the error
 * test: of the method's order, and the products were made for the stages already (found in
 * the ring by their time and input; a stage not found is evaluated again). */
static int interp_stage_quadrature(interp_run_t *A, const rk_step_view *v)
{
    dd_run *R = A->R;
    const int n = A->n;
    for (int i = 0; i < v->stages; i++) {
        const double b = A->rk->b[i];
        if (b == 0.0)
            continue;
        const double si = rk_stage_time(v->t, v->t_next, A->rk->c[i]);
        const double *gth = NULL;
        for (int k = 0; k < A->ring_len && !gth; k++) {
            const int e = (A->ring_next - 1 - k + 2 * A->ring_len) % A->ring_len;
            if (A->ring_s[e] == si &&
                memcmp(A->ring_lam + (size_t)e * n, v->Y[i], sizeof(double) * (size_t)n) == 0)
                gth = A->ring_gth + (size_t)e * A->np;
        }
        if (!gth) {
            const double t = -si;
            if (interp_state(A, t, A->xi) != 0)
                return -1;
            if (R->sys.vjp(t, A->xi, v->Y[i], A->gx, A->gth, R->sys.ctx) != 0) {
                snprintf(R->error, sizeof R->error,
                         "interp: the adjoint product failed at t = %.17g", t);
                return -1;
            }
            gth = A->gth;
            A->stage_misses++;
        }
        for (int k = 0; k < A->np; k++)
            A->thbar[k] += v->h * b * gth[k];
    }
    return 0;
}

static int interp_bwd_rk(const rk_step_view *v, void *ctx)
{
    interp_run_t *A = ctx;
    if (A->stage_quad)
        return interp_stage_quadrature(A, v);
    return interp_quadrature(A, v->t, v->h, lam_rk, v);
}

static void lam_ros(interp_run_t *A, const void *view, double sigma, double *lam)
{
    const ros_step_view *v = view;
    hermite_cubic(A->n, v->h, sigma, v->x, A->d0, v->x_next, A->d1, lam);
}

static int interp_bwd_ros(const ros_step_view *v, void *ctx)
{
    interp_run_t *A = ctx;
    /* dλ/ds at both ends of the step for the Hermite interpolant (f_θᵀλ there is not used) */
    if (interp_adj_rhs(v->t, v->x, A->d0, A) != 0 ||
        interp_adj_rhs(v->t_next, v->x_next, A->d1, A) != 0) {
        if (!A->R->error[0])
            snprintf(A->R->error, sizeof A->R->error,
                     "interp: the adjoint product failed at t = %.17g", -v->t);
        return -1;
    }
    return interp_quadrature(A, v->t, v->h, lam_ros, v);
}

/* λ from t_hi down to t_lo (t_lo < t_hi), one backward solve */
static method_status interp_interval(interp_run_t *A, void *solver, const step_control *cb,
                                     double t_hi, double t_lo, double *lam, long *steps,
                                     long *rejected)
{
    dd_run *R = A->R;
    char err[256];
    step_control c = *cb;
    /* carry the step size over the jump: no fresh start */
    c.h_init = A->h_carry;
    /* weight=peak: each component of λ weighed against its largest size since tf */
    c.peak = A->weight_peak ? A->peak : NULL;
    int status;
    if (A->rk) {
        const rk_problem P = {.n = A->n, .rhs = interp_adj_rhs, .rhs_ctx = A, .t0 = -t_hi,
                              .tf = -t_lo, .observer = interp_bwd_rk, .observer_ctx = A};
        rk_stats st;
        status = rk_solve_adaptive(solver, &P, &c, lam, &st, err, sizeof err);
        *steps += st.steps;
        *rejected += st.rejected;
        if (st.h_proposed > 0.0)
            A->h_carry = st.h_proposed;
    } else {
        /* the forward step ends strictly inside the interval: s in (−t_hi, −t_lo) */
        long a = 0, b = A->nnodes;
        while (a < A->nnodes && !(A->nodes[a] > -t_hi))
            a++;
        while (b > a && !(A->nodes[b - 1] < -t_lo))
            b--;
        const ros_problem P = {.n = A->n + 1, .rhs = interp_aut_rhs, .jac = interp_aut_jac,
                               .ctx = A, .t0 = -t_hi, .tf = -t_lo, .nout = (int)(b - a),
                               .tout = A->nodes + a, .observer = interp_bwd_ros,
                               .observer_ctx = A};
        ros_stats st;
        memcpy(A->z, lam, sizeof(double) * (size_t)A->n);
        A->z[A->n] = -t_hi;
        status = ros_solve_adaptive(solver, &P, &c, A->z, &st, err, sizeof err);
        memcpy(lam, A->z, sizeof(double) * (size_t)A->n);
        *steps += st.steps;
        *rejected += st.rejected;
        if (st.h_proposed > 0.0)
            A->h_carry = st.h_proposed;
    }
    if (status == STEP_OK)
        return METHOD_OK;
    if (R->error[0])   /* the observer's reason, or a recomputation's */
        return method_fail(R->r, METHOD_ESOLVER, "%s", R->error);
    return method_fail(R->r, METHOD_ESOLVER, "interp: backward pass from t = %.6g: %s", t_hi,
                       err);
}

/* Observations strictly inside a forward Runge–Kutta step t_k → t_k + h are read from its
 * dense output x̂(σ) = x_k + h Σ_i b_i(σ) K_i, K_i = f(t_k + c_i h, Y_i), Y_i = x_k + h Σ_{j<i}
 * a_ij K_j.  Their seeds ℓ_x can be moved to t_k by the exact reverse sweep of that formula
 * (the step's discrete adjoint: at most s products f_xᵀ·, f_θᵀ· at the stage inputs, which
 * the record rebuilds from x_k and the K_i):
 *     K̄_i = h Σ_j b_i(σ_j) ℓ_j;   for i = s … 1:  Ȳ_i = f_xᵀ K̄_i,  θ̄ += f_θᵀ K̄_i,
 *                                                   K̄_j += h a_ij Ȳ_i (j < i),  x̄_k += Ȳ_i;
 *     x̄_k += Σ_j ℓ_j.
 * x̄_k approximates Φ(t_j, t_k)ᵀ ℓ_j summed (the derivative of an order-p formula in x_k) and
 * the θ̄ part ∫_{t_k}^{t_j} f_θᵀ λ_j dt: what the backward pass computes on [t_k, t_j] for
 * these seeds when it stops at t_j.  By linearity the backward pass then goes on without
 * them down to t_k and adds x̄_k there.  The observations moved are those of step k below
 * t_hi (the backward pass has already passed the others). */
static int interp_transport(interp_run_t *A, int *i, double t_hi)
{
    dd_run *R = A->R;
    const int n = A->n, s = A->s;
    const long k = R->out_step[*i];
    const interp_rec *rec;
    if (interp_rec_get(A, k, &rec, NULL, NULL) != 0)
        return -1;
    const double h = rec->t_next - rec->t;
    memset(A->kbar, 0, sizeof(double) * (size_t)s * (size_t)n);
    memset(A->pending, 0, sizeof(double) * (size_t)n);
    for (; *i >= 0 && R->out_step[*i] == k && R->tout[*i] < t_hi; (*i)--) {
        const double sigma = R->out_frac[*i];
        if (!(sigma > 0.0 && sigma < 1.0))
            break;
        double *seed = R->seed + (size_t)*i * n;
        rk_dense_weights(A->rk, sigma, A->w);
        for (int st = 0; st < s; st++)
            for (int m = 0; m < n; m++)
                A->kbar[(size_t)st * n + m] += h * A->w[st] * seed[m];
        for (int m = 0; m < n; m++)
            A->pending[m] += seed[m];
        A->moved[*i] = 1;
        A->transported++;
    }
    const double *xk = rec->v;
    for (int st = s - 1; st >= 0; st--) {
        const double *kb = A->kbar + (size_t)st * n;
        int any = 0;
        for (int m = 0; m < n && !any; m++)
            any = kb[m] != 0.0;
        if (!any)
            continue;
        /* the stage input Y_st from the record */
        memcpy(A->xi, xk, sizeof(double) * (size_t)n);
        for (int j = 0; j < st; j++) {
            const double a = h * A->rk->A[(size_t)st * s + j];
            if (a != 0.0)
                for (int m = 0; m < n; m++)
                    A->xi[m] += a * rec->v[(size_t)(j + 1) * n + m];
        }
        const double ts = rk_stage_time(rec->t, rec->t_next, A->rk->c[st]);
        if (R->sys.vjp(ts, A->xi, kb, A->gx, A->gth, R->sys.ctx) != 0) {
            snprintf(R->error, sizeof R->error,
                     "interp: the adjoint product failed at t = %.17g", ts);
            return -1;
        }
        for (int p = 0; p < A->np; p++)
            A->thbar[p] += A->gth[p];
        for (int m = 0; m < n; m++)
            A->pending[m] += A->gx[m];
        for (int j = 0; j < st; j++) {
            const double a = h * A->rk->A[(size_t)st * s + j];
            if (a != 0.0)
                for (int m = 0; m < n; m++)
                    A->kbar[(size_t)j * n + m] += a * A->gx[m];
        }
    }
    A->pending_t = rec->t;
    A->has_pending = 1;
    return 0;
}

/* add the seeds at times ≥ t: the observations from *i down (those moved into the pending
 * jump hold their seed there and are passed over) and the pending jump */
static void interp_jumps(interp_run_t *A, int *i, double t, double *lam)
{
    dd_run *R = A->R;
    while (*i >= 0 && R->tout[*i] >= t) {
        if (!A->moved[*i]) {
            const double *seed = R->seed + (size_t)*i * R->n;
            for (int m = 0; m < R->n; m++)
                lam[m] += seed[m];
        }
        (*i)--;
    }
    if (A->has_pending && A->pending_t >= t) {
        for (int m = 0; m < R->n; m++)
            lam[m] += A->pending[m];
        A->has_pending = 0;
    }
}

/* The next time below t where λ jumps (or t0).  When the next observation lies inside a
 * forward step and closer to t than the step the backward solver would take next (it would
 * cut that step short), the observations of that forward step are transported to its start
 * instead, if allowed; otherwise the backward step ends on the observation. */
static int interp_next_stop(interp_run_t *A, int i, double t, double t0, double *lo)
{
    const dd_run *R = A->R;
    while (i >= 0 && (A->moved[i] || R->tout[i] >= t))
        i--;
    if (A->transport && A->rk && !A->has_pending && i >= 0 && R->tout[i] > t0 &&
        R->out_frac[i] > 0.0 && R->out_frac[i] < 1.0 &&
        (A->h_carry == 0.0 || t - R->tout[i] < A->h_carry)) {
        if (interp_transport(A, &i, t) != 0)
            return -1;
        while (i >= 0 && A->moved[i])
            i--;
    }
    *lo = t0;
    if (i >= 0 && R->tout[i] > *lo)
        *lo = R->tout[i];
    if (A->has_pending && A->pending_t > *lo)
        *lo = A->pending_t;
    return 0;
}

static method_status interp_backward(interp_run_t *A, void *solver, const step_control *cb,
                                     long *steps, long *rejected)
{
    dd_run *R = A->R;
    const model *m = model_ctx_model(R->ctx);
    double *lam = R->xbar;   /* holds the running cost's seed already */
    A->cursor = A->nsteps ? A->nsteps - 1 : 0;
    /* the first backward step: the last forward step's size (the same Jacobian sets both
     * passes' scales).  Hairer's estimate from λ(tf) fails when a component of λ(tf) is zero:
     * its weight is atol alone and the estimate falls below the resolution of t (rafmekerk at
     * rtol 1e-6, atol 1e-14: 2e-14 at t = 10). */
    A->h_carry = A->nsteps ? interp_t(A, A->nsteps) - interp_t(A, A->nsteps - 1) : 0.0;
    A->has_pending = 0;
    memset(A->peak, 0, sizeof(double) * (size_t)(A->n + 1));
    memset(A->moved, 0, (size_t)R->nout);
    for (int k = 0; k < A->ring_len; k++)
        A->ring_s[k] = NAN;   /* no stage value carried over from another condition */
    int i = R->nout - 1;
    double t = m->tf;
    interp_jumps(A, &i, t, lam);
    while (t > m->t0) {
        double lo;
        if (interp_next_stop(A, i, t, m->t0, &lo) != 0)
            return method_fail(R->r, METHOD_ESOLVER, "%s", R->error);
        const method_status status = interp_interval(A, solver, cb, t, lo, lam, steps, rejected);
        if (status != METHOD_OK)
            return status;
        t = lo;
        interp_jumps(A, &i, t, lam);
    }
    return METHOD_OK;
}

/* ---- the run ---------------------------------------------------------------------------- */

static method_status interp_scratch(interp_run_t *A)
{
    dd_run *R = A->R;
    const size_t n = (size_t)A->n, np = (size_t)(A->np ? A->np : 1);
    A->ring_len = A->stage_quad ? 2 * A->s + 2 : 0;
    const size_t ring = (size_t)A->ring_len * (1 + n + np);
    const size_t doubles = 10 * n + 1 + np + (A->detect ? STIFFNESS_WORK(n) : 0) + (size_t)A->s +
                           (size_t)A->s * n + ring + (A->ros ? 2 * n * n + 5 * n + 1 : 0);
    double *p = mem_calloc(&R->acc, doubles, sizeof(double));
    A->scratch = p;
    A->scratch_doubles = doubles;
    if (!p)
        return method_fail(R->r, METHOD_EMEMORY,
                           "interp: the memory cap of %zu bytes is too small for the "
                           "workspace: raise --mem-cap",
                           R->acc.cap);
    A->xi = p, p += n;
    A->gx = p, p += n;
    A->lam_q = p, p += n;
    A->d0 = p, p += n;
    A->d1 = p, p += n;
    A->gth = p, p += np;
    A->w = p, p += A->s;
    A->pending = p, p += n;
    A->xw = p, p += n;
    A->peak = p, p += n + 1;
    if (A->detect) {
        stiffness_test_init(&A->stiffness, A->n, R->sys.jac, R->sys.ctx, p);
        p += STIFFNESS_WORK(n);
    }
    A->x0 = p, p += n;
    if (A->ring_len) {
        A->ring_s = p, p += A->ring_len;
        A->ring_lam = p, p += (size_t)A->ring_len * n;
        A->ring_gth = p, p += (size_t)A->ring_len * np;
        for (int k = 0; k < A->ring_len; k++)
            A->ring_s[k] = NAN;
    }
    A->kbar = p, p += (size_t)A->s * n;
    if (A->ros) {
        A->Jf = p, p += n * n;
        A->Jn = p, p += n * n;
        A->g0 = p, p += n;
        A->g1 = p, p += n;
        A->z = p, p += n + 1;
        A->x_end = p, p += n;
        A->f_end = p;
    }
    return METHOD_OK;
}

/* One run on `solver` (NULL: the options' choice); with `detect`, the forward pass stops
 * as soon as the Runge–Kutta stiffness test fires (*stiff set, METHOD_ESOLVER). */
static method_status interp_once(const model *m, const double *theta, const method_options *o,
                                 method_result *r, const char *forced, int detect, int *stiff)
{
    dd_settings S;
    method_status status = dd_settings_from(&method_interp, m, o, &S, r);
    if (status != METHOD_OK)
        return status;
    if (forced)
        S.solver = forced;
    const integrator *it = integrator_find(S.solver);
    if (!it || !it->adaptive) {
        char names[200];
        integrator_names(names, sizeof names, ", ", 1);
        return method_fail(r, METHOD_EINPUT,
                           "interp needs an adaptive integrator of ours with an error estimate "
                           "(%s), not '%s'",
                           names, S.solver);
    }
    S.steps = 0;
    S.tape = 0;
    step_control cb;
    step_control_default(&cb, method_rtol_b(o, m), method_atol_b(o, m));
    cb.max_steps = method_max_steps(o);

    dd_run R;
    interp_run_t A;
    memset(&A, 0, sizeof A);
    void *solver = NULL;
    status = dd_open(&R, &method_interp, m, theta, &S, o, r);
    if (status == METHOD_OK) {
        A.R = &R;
        A.rk = odeint_rk(R.I);
        A.ros = A.rk ? NULL : ros_solver_tableau(odeint_ros(R.I));
        A.n = R.n;
        A.np = R.np;
        A.s = odeint_stages(R.I);
        A.nvec = A.rk ? A.s + 1 : 2;
        A.rec_bytes = sizeof(interp_rec) + (size_t)A.nvec * (size_t)A.n * sizeof(double);
        A.thbar = R.thbar;
        A.nq = (int)method_opt_int(&method_interp, o, "quad");
        A.stage_quad = A.nq == 0 && A.rk != NULL;
        if (A.nq == 0)
            A.nq = 3;   /* Rosenbrock: Gauss–Legendre (its stages are not f values) */
        A.budget = method_opt_double(&method_interp, o, "budget_bytes");
        A.time_column = strcmp(method_opt_choice(&method_interp, o, "ft"), "off") != 0;
        A.detect = detect && A.rk != NULL;
        R.keep_grid = A.budget > 0;
        A.transport = strcmp(method_opt_choice(&method_interp, o, "observations"), "stop") != 0;
        A.weight_peak = strcmp(method_opt_choice(&method_interp, o, "weight"), "peak") == 0;
        gauss_legendre(A.nq, A.node, A.weight);
        status = interp_scratch(&A);
    }
    if (status == METHOD_OK) {
        solver = A.rk ? (void *)rk_solver_new(A.rk, A.n) : (void *)ros_solver_new(A.ros, A.n + 1);
        A.solver_bytes = !solver ? 0 : A.rk ? rk_solver_bytes(solver) : ros_solver_bytes(solver);
        if (!solver || mem_charge(&R.acc, A.solver_bytes) != 0)
            status = method_fail(r, METHOD_EMEMORY,
                                 "interp: the memory cap of %zu bytes is too small for the "
                                 "backward solver: raise --mem-cap",
                                 R.acc.cap);
    }
    long bsteps = 0, brejected = 0, frejected = 0, most = 0;
    for (int k = 0; status == METHOD_OK && k < m->ncond; k++) {
        status = dd_condition_begin(&R, k);
        if (status != METHOD_OK)
            break;
        A.moved = mem_calloc(&R.acc, (size_t)(R.nout ? R.nout : 1), 1);
        if (!A.moved) {
            status = method_fail(r, METHOD_EMEMORY,
                                 "interp: the memory cap of %zu bytes is too small for the "
                                 "observation flags: raise --mem-cap", R.acc.cap);
            break;
        }
        /* forward, keeping the dense output */
        char err[256];
        odeint_problem P = dd_problem(&R);
        P.observer = interp_observe;
        P.observer_ctx = &A;
        odeint_stats st;
        memcpy(A.x0, R.x, sizeof(double) * (size_t)A.n);
        const int fs = odeint_adaptive(R.I, &P, &S.control, R.x, &st, err, sizeof err);
        r->steps_fwd += st.steps;
        frejected += st.rejected;
        if (fs != STEP_OK && A.stiff) {
            *stiff = 1;
            status = method_fail(r, METHOD_ESOLVER, "%s", R.error);
            break;
        }
        if (fs != STEP_OK) {
            status = dd_solver_failed(&R, fs, err);
            break;
        }
        R.q_final = R.n > R.nx ? R.x[R.nx] : 0.0;
        A.nsteps = A.nrec;
        if (A.budget > 0) {
            if ((status = interp_checkpoints(&A)) != METHOD_OK)
                break;
        } else if (A.ros) {
            memcpy(A.x_end, R.x, sizeof(double) * (size_t)A.n);
            if (R.sys.rhs(m->tf, R.x, A.f_end, R.sys.ctx) != 0) {
                status = method_fail(r, METHOD_ESOLVER,
                                     "interp: the right-hand side failed at t = %.17g", m->tf);
                break;
            }
        }
        const long held = A.budget > 0 ? A.nbuf * (A.seg_len + 1) : A.nrec;
        if (held > most)
            most = held;
        if (A.ros && (status = interp_nodes(&A, solver)) != METHOD_OK)
            break;
        /* backward */
        model_ctx_count_into(R.ctx, &r->bwd);
        status = interp_backward(&A, solver, &cb, &bsteps, &brejected);
        interp_drop(&A);
        mem_free(&R.acc, A.moved, (size_t)(R.nout ? R.nout : 1));
        A.moved = NULL;
        if (status == METHOD_OK)
            status = dd_condition_end(&R);
        model_ctx_count_into(R.ctx, &r->fwd);
    }
    if (A.R) {
        interp_drop(&A);
        if (A.moved)
            mem_free(&R.acc, A.moved, (size_t)(R.nout ? R.nout : 1));
        mem_free(&R.acc, A.scratch, A.scratch_doubles * sizeof(double));
    }
    r->steps_bwd = bsteps;
    method_extra_add(r, "dense_bytes_per_step", (double)A.rec_bytes, "B");
    method_extra_add(r, "dense_steps_max", (double)most, "");
    method_extra_add(r, "rejected_steps", (double)frejected, "");
    method_extra_add(r, "rejected_steps_bwd", (double)brejected, "");
    method_extra_add(r, "quad_nodes", A.stage_quad ? 0.0 : (double)A.nq, "");
    if (A.stage_quad)
        method_extra_add(r, "quad_stage_reevaluations", (double)A.stage_misses, "");
    method_extra_add(r, "observations_transported", (double)A.transported, "");
    if (A.budget > 0) {
        method_extra_add(r, "budget_bytes_used", (double)A.budget_used, "B");
        method_extra_add(r, "segment_steps", (double)A.seg_len, "");
        method_extra_add(r, "segments_recomputed", (double)A.loads, "");
        method_extra_add(r, "steps_recomputed", (double)A.replayed, "");
    }
    r->peak_bytes = R.acc.peak;
    if (A.rk)
        rk_solver_free(solver);
    else if (solver)
        ros_solver_free(solver);
    dd_close(&R);
    return status;
}

/* solver=auto: on a model hinted stiff, Tsit5 with the stiffness test first, and the
 * registry's stiff integrator (Rosenbrock) only when the test fires — the hint alone made
 * interp 30–80× slower than Tsit5 on jakstat and rafmekerk, whose solutions the explicit
 * method follows at accuracy-limited steps.  The abandoned attempt's evaluations and steps
 * are added to the run's counts. */
static method_status interp_run(const model *m, const double *theta, const method_options *o,
                                method_result *r)
{
    const char *opt = method_opt_choice(&method_interp, o, "solver");
    const int chosen = (o->solver && strcmp(o->solver, "auto") != 0) ||
                       (opt && strcmp(opt, "auto") != 0);
    if (chosen || !m->stiff)
        return interp_once(m, theta, o, r, NULL, 0, NULL);
    int stiff = 0;
    const method_status status = interp_once(m, theta, o, r, integrator_stiffness_probe()->name, 1, &stiff);
    if (!stiff) {
        method_extra_add(r, "stiffness_switch", 0.0, "");
        return status;
    }
    const method_result tried = *r;
    free(r->gradient);
    memset(r, 0, sizeof *r);
    r->np = tried.np;
    const method_status again =
        interp_once(m, theta, o, r, integrator_default(1)->name, 0, NULL);
    eval_counts *f = &r->fwd;
    f->rhs += tried.fwd.rhs + tried.bwd.rhs;
    f->jvp += tried.fwd.jvp + tried.bwd.jvp;
    f->vjp += tried.fwd.vjp + tried.bwd.vjp;
    f->jac += tried.fwd.jac + tried.bwd.jac;
    f->second += tried.fwd.second + tried.bwd.second;
    r->steps_fwd += tried.steps_fwd;
    if (tried.peak_bytes > r->peak_bytes)
        r->peak_bytes = tried.peak_bytes;
    method_extra_add(r, "stiffness_switch", 1.0, "");
    method_extra_add(r, "steps_before_switch", (double)tried.steps_fwd, "");
    return again;
}
