/* cvwrap_impl — the solver record shared by the files of the CVODES wrapper.  Not part of the
 * public interface.  Who calls whom (each file calls only files below it, so there is no
 * circle and the backward problems never reach into the forward problem's file):
 *
 *     cvsystem.c   generic systems y' = F(t, y)           → cvwrap.c
 *     cvadj.c      first-order backward kind              → cvbwd.c, cvlinsol.c
 *     cvsoadj.c    second-order backward kind             → cvbwd.c, cvblocklu.c
 *     cvbwd.c      backward problems: life cycle, sweep   → cvlinsol.c (bytes), cvutil.c
 *     cvwrap.c     solver core, forward problem           → cvlinsol.c, cvckpt.c, cvutil.c
 *     cvlinsol.c   linear solvers (dense choice, Krylov)  → cvutil.c
 *     cvckpt.c     bytes of the checkpoints
 *     cvblocklu.c  block-triangular LU for the second order
 *     cvblockmat.c block-triangular matrix storage for the second order
 *     cvutil.c     messages, finite checks, workspace bytes
 *
 * cvwrap.c frees and sizes a backward problem without naming it: the backward module attaches
 * itself to the solver record (cv_attachment below). */
#ifndef ODEGRAD_CVWRAP_IMPL_H
#define ODEGRAD_CVWRAP_IMPL_H

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "cvbwd.h"

/* The first CVODES error message since the last call (CVODES reports the root cause first,
 * then the callers' follow-ups), and how many warnings it issued. */
typedef struct {
    char text[200];
    int warnings;
} cv_message;

/* One backward problem of a forward solver with checkpoints (cvbwd.c), whatever its kind. */
typedef struct cv_bwd {
    cv_solver *cv;             /* its forward problem; CVODES hands this record to the callbacks */
    const cv_backward_kind *kind;
    int which;                 /* its index in CVODES (CVodeCreateB) */
    int ny, nq;                /* backward states and quadratures */
    N_Vector y, q;             /* their values (q unused when nq = 0) */
    long steps_before;         /* steps before the last re-initialisation */
    eval_counts *counts;       /* backward-callback evaluations */
    SUNMatrix A;               /* its Newton solver: a dense matrix (or NULL) and a solver */
    SUNLinearSolver LS;
    struct cv_krylov *kry;     /* the Krylov solver's preconditioner (cvlinsol.c), or NULL */
    void *own;                 /* what the kind keeps (scratch), freed by kind->release */
} cv_bwd;

/* A kind of backward problem (cvbwd.h): its name in messages, the sizes it has on a forward
 * problem (-1 and a reason when the forward problem was not recorded for it), its set-up after
 * CVodeCreateB (its storage in B->own, CVodeInitB(S) with its right-hand side, the settings
 * of cv_bwd_settings, its linear solver, its quadratures with cv_bwd_quad_settings; returns
 * NULL or the step that failed, for the message) and the release of B->own. */
struct cv_backward_kind {
    const char *name;
    int (*sizes)(const cv_solver *cv, int *ny, int *nq, const char **why);
    const char *(*init)(cv_bwd *B, const cv_backward_options *bo, double T);
    void (*release)(cv_bwd *B);
};

/* What a file above the solver core attaches to a solver (the backward problem, cvbwd.c):
 * cv_workspace_bytes adds its bytes, cv_free releases it right after CVodeFree. */
typedef struct {
    size_t (*workspace_bytes)(cv_solver *cv);
    void (*release)(cv_solver *cv);
} cv_attachment;

struct cv_solver {
    char backend[32];
    cv_settings settings;
    SUNContext sunctx;
    void *mem;
    int n;                     /* state size */
    N_Vector y;                /* state / output vector */
    N_Vector work;             /* interpolation output */
    SUNMatrix A;               /* dense only */
    SUNLinearSolver LS;
    cv_linsol linsol;          /* the linear solver in use (settings.linsol, auto resolved) */
    struct cv_krylov *kry;     /* the Krylov solver's preconditioner (cvlinsol.c), or NULL */
    cv_message msg;

    /* quadratures (running cost for a model; anything for a generic system) */
    int nq;
    N_Vector q;

    /* generic system */
    cv_rhs_fn sys_rhs;
    cv_jac_fn sys_jac;
    const cv_state_adjoint_pair *pair;   /* a state–adjoint system (cv_system_new_pair), or NULL */
    struct cv_krylov *kry_adj;           /* its adjoint block's preconditioner (cvlinsol.c) */
    cv_quad_fn sys_quad;
    void *sys_user;
    long sys_steps_before;     /* steps before the last restart */

    /* forward problem of a model */
    model_ctx *ctx;
    int np;
    double t0, tf;
    eval_counts *counts;
    mem_account *account;
    size_t charged;            /* bytes charged to account for checkpoints so far */
    cv_sens_mode sens;
    int ns;                    /* sensitivity vectors: np, or sens_sys->ns */
    const cv_sens_system *sens_sys;   /* NULL: ∂x/∂θ_j (cv_forward_new) */
    double **sens_out;         /* ns output pointers for a caller's sensitivity system */
    double *sens_q;            /* ns running-cost integrands of a caller's system */
    N_Vector *yS, *workS;      /* sensitivities and their interpolation outputs */
    N_Vector *qS;              /* quadrature sensitivities */
    double *unit;              /* np: the unit direction e_j */
    double *jac;               /* n×n row-major Jacobian */
    double *gx, *gth;          /* running-cost gradient scratch (n, np) */
    const double **columns;    /* np pointers handed to the observation callback */
    long checkpoint_steps;     /* Nd (0: no adjoint recording) */
    cv_interp interp;
    int ncheck;                /* checkpoints after the forward pass */
    cv_bwd *bwd;               /* the backward problem (cvbwd.c), or NULL */
    long steps_before;         /* forward steps before the last restart at a breakpoint */
    int segment;               /* a segment between breakpoints (cv_segment) */
    int obs_first, obs_end;    /* the observations it reports */
    long break_stops;          /* restarts at breakpoints (each after a step ending at t_e) */
    const cv_attachment *attached;   /* how cv_free and cv_workspace_bytes reach it */
};

/* the solver core (cvwrap.c): a zeroed record with the settings; SUNContext, CVODES memory,
 * state vector (y0 copied), the linear solver (dense with our Jacobian, or CVODES's difference
 * quotients for a generic system without one; or a Krylov one, cvlinsol.c), error handler,
 * tolerances, step limit; the
 * quadratures; and the set-up failure path (frees cv, returns NULL) */
cv_solver *cv_alloc(const cv_settings *s);
cv_solver *cv_core_init(cv_solver *cv, int n, double t0, const double *y0, char *err,
                        size_t errlen);
int cv_quad_init(cv_solver *cv, int nq, const double *q0, double rtol, double atol, int errcon);
cv_solver *cv_setup_failed(cv_solver *cv, const char *what, char *err, size_t errlen);
/* Turn on the serial vector's fused operations (linear combinations and the vector-array
 * operations do all their vectors in one loop instead of one call per vector); clones inherit
 * them.  On the small systems of the suite the sensitivity and backward passes spend most of
 * their time in these per-vector calls. */
void cv_enable_fused(N_Vector v);

/* cvutil.c: "<backend>: <phase> failed at t = <t> (<FLAG>): <CVODES message>; <hint>" into
 * err; forgetting the messages of earlier calls; copying a row-major n×n matrix into a dense
 * SUNMatrix, transposed and scaled if asked (A = scale · (transpose ? Jᵀ : J)); the bytes of
 * the workspace CVODES reports for one of its memories (integrator and linear solver) */
int cv_fail(cv_solver *cv, int flag, const char *phase, double t, char *err, size_t errlen);
void cv_message_clear(cv_solver *cv);
void cv_dense_fill(SUNMatrix A, const double *J, int n, int transpose, double scale);
size_t cv_mem_workspace_bytes(void *mem);

/* cvlinsol.c: the linear solver a solver gets (auto resolved; dense for a generic system
 * other than a state–adjoint pair); attaching a Krylov solver (cv->linsol one of the krylov
 * kinds) to the forward problem, to a first-order backward problem B (B->kry, B->LS: GMRES
 * with −f_xᵀv and the transposed preconditioner) and to a state–adjoint pair; freeing; and
 * the bytes of the preconditioners (not in CVODES's workspace counts): one, and the forward
 * problem's own */
cv_linsol cv_linsol_resolve(const cv_solver *cv);
int cv_krylov_attach_forward(cv_solver *cv);
int cv_krylov_attach_backward(cv_bwd *B);
int cv_krylov_attach_pair(cv_solver *cv);
void cv_krylov_release(struct cv_krylov *k);
size_t cv_krylov_bytes(const struct cv_krylov *k);
size_t cv_krylov_workspace_bytes(const cv_solver *cv);

/* cvckpt.c: an upper bound of the bytes the adjoint storage holds so far (charged during the
 * forward pass) */
size_t cv_checkpoint_charge_bound(const cv_solver *cv);

/* cvbwd.c, for the kinds: the settings every backward problem gets from bo (tolerances, user
 * data = B, step limit) and those of its quadratures (tolerances, error control); 0 or -1 */
int cv_bwd_settings(cv_bwd *B, const cv_backward_options *bo);
int cv_bwd_quad_settings(cv_bwd *B, const cv_backward_options *bo);

/* cvblockmat.c: a SUNMatrix holding only the diagonal block D and the first-column blocks
 * B_j of a block lower-triangular matrix with nblocks equal nx × nx diagonal blocks;
 * cv_block_mat_block(A, 0) is D, (A, j) is B_j, each nx × nx column-major */
SUNMatrix cv_block_mat_new(int nx, int nblocks, SUNContext sunctx);
double *cv_block_mat_block(SUNMatrix A, int j);

/* cvblocklu.c: a direct linear solver for those matrices (cv_block_mat_new; factors one
 * block; see cvblocklu.c) */
SUNLinearSolver cv_block_lu_new(int nx, int nblocks, SUNContext sunctx);

#endif
