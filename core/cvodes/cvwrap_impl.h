/* cvwrap_impl — the solver record shared by the files of the CVODES wrapper: cvwrap.c
 * (forward problems, generic systems), cvbwd.c, cvadj.c and cvsoadj.c (backward problems),
 * cvlinsol.c and cvblocklu.c (linear solvers).  Not part of the public interface. */
#ifndef ODEGRAD_CVWRAP_IMPL_H
#define ODEGRAD_CVWRAP_IMPL_H

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "cvadj.h"

/* The first CVODES error message since the last call (CVODES reports the root cause first,
 * then the callers' follow-ups), and how many warnings it issued. */
typedef struct {
    char text[200];
    int warnings;
} cv_message;

/* What every backward problem of a forward solver with checkpoints holds on the CVODES side
 * — the first-order adjoint (cvadj.c) and the second-order one (cvsoadj.c) — and what
 * cvbwd.c does with it for both: integrate back, restart after a jump, count steps. */
typedef struct {
    const char *kind;          /* "backward", "second-order backward": names it in messages */
    int active, which;         /* made by CVodeCreateB, and its index there */
    int ny, nq;                /* backward states and quadratures */
    N_Vector y, q;             /* their values (q unused when nq = 0) */
    long steps_before;         /* steps before the last re-initialisation */
} cv_bwd;

/* The first-order backward (adjoint) problem of a forward solver with checkpoints: λ (bwd.y,
 * nx) and the quadrature q (bwd.q, np: dL/dθ). */
typedef struct {
    cv_bwd bwd;
    SUNMatrix A;
    SUNLinearSolver LS;
    eval_counts *counts;       /* backward-callback evaluations */
    double *scratch_x, *scratch_th, *jac;   /* nx, np, nx*nx (jac: dense only) */
    struct cv_krylov *kry;     /* the Krylov solver's preconditioner (cvlinsol.c), or NULL */
} cv_backward;

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
    cv_backward back;
    struct cv_so_backward *so; /* the second-order backward problem (cvsoadj.c), or NULL */
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

/* "<backend>: <phase> failed at t = <t> (<FLAG>): <CVODES message>; <hint>" into err. */
int cv_fail(cv_solver *cv, int flag, const char *phase, double t, char *err, size_t errlen);
/* forget the messages of earlier calls */
void cv_message_clear(cv_solver *cv);
/* copy a row-major n×n matrix into a dense SUNMatrix, transposed and scaled if asked:
 * A = scale · (transpose ? Jᵀ : J) */
void cv_dense_fill(SUNMatrix A, const double *J, int n, int transpose, double scale);

/* cvlinsol.c: the linear solver a solver gets (auto resolved; dense for a generic system
 * other than a state–adjoint pair); attaching a Krylov solver (cv->linsol one of the krylov
 * kinds) to the forward problem, to the backward problem (cv->back.which, .lambda set) and to
 * a state–adjoint pair; freeing; and the bytes of the preconditioners (not in CVODES's
 * workspace counts) */
cv_linsol cv_linsol_resolve(const cv_solver *cv);
int cv_krylov_attach_forward(cv_solver *cv);
int cv_krylov_attach_backward(cv_solver *cv);
int cv_krylov_attach_pair(cv_solver *cv);
void cv_krylov_release(struct cv_krylov *k);
size_t cv_krylov_workspace_bytes(const cv_solver *cv);

/* cvbwd.c: the life cycle shared by the backward problems.  Creation (CVodeCreateB with the
 * family of bo; `kind` for messages), the settings every one gets from bo (tolerances, user
 * data = cv, step limit; and those of its quadratures), the one-line message of a failed
 * set-up ("<backend>: setting up the <kind> problem failed at <what>: <CVODES message>"),
 * integration back to t with y, q (q may be NULL) receiving the values there, a restart at t
 * from y, q (q NULL: zero quadratures) — these return 0 or -1, with the message in err where
 * they take one — and the steps summed over restarts and the bytes of the CVODES workspace
 * (both 0 before creation). */
int cv_bwd_create(cv_solver *cv, cv_bwd *B, const char *kind, const cv_backward_options *bo);
int cv_bwd_settings(cv_solver *cv, cv_bwd *B, const cv_backward_options *bo);
int cv_bwd_quad_settings(cv_solver *cv, cv_bwd *B, const cv_backward_options *bo);
int cv_bwd_setup_failed(cv_solver *cv, const char *kind, const char *what, char *err,
                        size_t errlen);
int cv_bwd_to(cv_solver *cv, cv_bwd *B, double t, double *y, double *q, char *err,
              size_t errlen);
int cv_bwd_restart(cv_solver *cv, cv_bwd *B, double t, const double *y, const double *q,
                   char *err, size_t errlen);
long cv_bwd_steps(cv_solver *cv, const cv_bwd *B);
size_t cv_bwd_workspace_bytes(cv_solver *cv, const cv_bwd *B);
/* cvwrap.c: the bytes of the workspace CVODES reports for one of its memories (integrator and
 * linear solver, in words) */
size_t cv_mem_workspace_bytes(void *mem);

/* cvadj.c: an upper bound of the bytes the adjoint storage holds so far, and freeing what the
 * backward problem owns outside CVODES (CVodeFree frees the rest) */
size_t cv_checkpoint_charge_bound(const cv_solver *cv);
void cv_backward_release(cv_solver *cv);

/* cvsoadj.c: freeing the second-order backward problem's own storage, and its CVODES workspace
 * in bytes (0 when there is none) */
void cv_so_release(cv_solver *cv);
size_t cv_so_workspace_bytes(cv_solver *cv);

/* cvblocklu.c: a direct linear solver for Newton matrices that are block lower-triangular
 * with nblocks equal nx × nx diagonal blocks (factors one block; see cvblocklu.c) */
SUNLinearSolver cv_block_lu_new(int nx, int nblocks, SUNContext sunctx);

#endif
