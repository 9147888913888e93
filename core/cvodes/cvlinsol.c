/* cvlinsol — the linear solver of CVODES's Newton iterations: which one, and the Krylov ones.
 *
 * Each BDF (or Adams) step solves  (I − γ J) δ = r  with J = f_x for the forward problem
 * (its sensitivities reuse the same matrix) and J = −f_xᵀ for the adjoint's backward problem.
 *   dense          CVODES's dense LU of the model's exact Jacobian: O(n³) per set-up.
 *   krylov         GMRES (SUNDIALS SPGMR) with the exact product J·v (model_rhs_jvp, or
 *                  −f_xᵀv from model_rhs_vjp backwards), right-preconditioned by ILU(0) of
 *                  P = I − γ J_s (ilu0.c), J_s the exact sparse Jacobian at the set-up's state
 *                  (sparsejac.c: as many J·v products as colours).  O(nnz) per set-up and per
 *                  iteration.
 *   krylov-band    the same GMRES, preconditioned by the exact band LU of P after reverse
 *                  Cuthill–McKee reordering (bandprec.c): one iteration right after a set-up,
 *                  but O(n·b²) per set-up, which dominates its run time on brusselator-N.
 *   krylov-noprec  GMRES with the exact J·v and no preconditioner (for comparison; on stiff
 *                  problems CVODES then takes more, smaller steps: 195 against 113 on
 *                  brusselator-32, 6× the time).
 *   auto           krylov for models with at least cv_linsol_table.krylov_min_states states
 *                  whose f_x is sparse; dense otherwise (the measured cross-over).
 * A state–adjoint pair (cv_system_new_pair: backsolve's [z, a]) gets the same kinds with the
 * caller's product and a block-diagonal preconditioner of the two Newton matrices.
 * CVODES keeps P and J_s over several steps (re-factoring P when only γ changed, jok) and
 * GMRES absorbs the drift with a few more iterations.  The Newton solution does not depend on
 * P, only the iteration count does.  Right preconditioning matters: GMRES then minimises the
 * true residual of the Newton system, which is what CVODES's linear-solve test (a fraction
 * of the error tolerance) means.  With ILU(0) on the left that test measured P⁻¹·residual,
 * and on brusselator-32 the loss came out 8e-4 off its rtol-1e-10 value (3e-5 with right
 * preconditioning, as dense; both with a subspace of 5).  Other generic systems
 * (cvsystem.c) always use the dense solver. */
#include "bandprec.h"
#include "cvwrap_impl.h"
#include "ilu0.h"

#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_spgmr.h>

/* The cross-over comes from measurements on brusselator-N at its benchmark tolerances: dense
 * was faster for the loss, the adjoint and the forward-sensitivity gradient at N = 2 and 3
 * (8 and 18 states), krylov at N = 4 (32 states, f_x 19 % filled) or even, and beyond by ever
 * more.  GMRES's subspace: with CVODES's default of 5 the ILU(0)-preconditioned iteration
 * often stopped short of CVODES's tolerance, and BDF took smaller steps — 187 against 113 with
 * 20 on brusselator-32 (its loss: 0.20 s against 0.09 s), 140 against 115 at N = 17, the
 * same up to N = 10; 10 lay in between. */
static const struct {
    int krylov_min_states;       /* auto: Krylov from this many states on */
    double sparse_max_density;   /* auto: ... when f_x has at most this fraction of entries */
    int maxl;                    /* GMRES subspace dimension */
} cv_linsol_table = {32, 0.25, 20};

typedef enum { CV_PREC_NONE, CV_PREC_ILU0, CV_PREC_BAND } cv_prec_kind;

struct cv_krylov {
    cv_prec_kind kind;
    int have_jacobian;      /* J holds a Jacobian (set-ups with jok may reuse it) */
    sj_jacobian J;
    ilu0 *ilu;
    bp_band *band;
    long products, setups, jacobians, solves;
};

static const char *const cv_linsol_names[] = {
    [CV_LINSOL_AUTO] = "auto", [CV_LINSOL_DENSE] = "dense", [CV_LINSOL_KRYLOV] = "krylov",
    [CV_LINSOL_KRYLOV_BAND] = "krylov-band", [CV_LINSOL_KRYLOV_NOPREC] = "krylov-noprec"};
enum { CV_LINSOL_COUNT = sizeof cv_linsol_names / sizeof cv_linsol_names[0] };

int cv_linsol_parse(const char *name, cv_linsol *ls)
{
    if (!name) {
        *ls = CV_LINSOL_AUTO;
        return 0;
    }
    for (int k = 0; k < CV_LINSOL_COUNT; k++)
        if (strcmp(name, cv_linsol_names[k]) == 0) {
            *ls = (cv_linsol)k;
            return 0;
        }
    return -1;
}

const char *cv_linsol_name(cv_linsol ls)
{
    return (int)ls >= 0 && (int)ls < CV_LINSOL_COUNT ? cv_linsol_names[ls] : "?";
}

/* ---- the choice ------------------------------------------------------------------------ */

cv_linsol cv_linsol_auto(const model *m)
{
    if (m->nx < cv_linsol_table.krylov_min_states)
        return CV_LINSOL_DENSE;
    sj_pattern p;
    if (sj_pattern_of_model(m, cv_linsol_table.sparse_max_density, &p) != 0)
        return CV_LINSOL_DENSE;
    const int sparse = sj_density(&p) <= cv_linsol_table.sparse_max_density;
    sj_pattern_free(&p);
    return sparse ? CV_LINSOL_KRYLOV : CV_LINSOL_DENSE;
}

cv_linsol cv_linsol_resolve(const cv_solver *cv)
{
    /* a generic system has no model to take products or a pattern from, unless it is a
     * state–adjoint pair */
    const model_ctx *ctx = cv->pair ? cv->pair->ctx : cv->sys_rhs ? NULL : cv->ctx;
    if (!ctx)
        return CV_LINSOL_DENSE;
    if (cv->settings.linsol != CV_LINSOL_AUTO)
        return cv->settings.linsol;
    return cv_linsol_auto(model_ctx_model(ctx));
}

/* ---- the preconditioner ------------------------------------------------------------------ */

void cv_krylov_release(struct cv_krylov *k)
{
    if (!k)
        return;
    sj_jacobian_free(&k->J);
    ilu0_free(k->ilu);
    bp_free(k->band);
    free(k);
}

/* transpose: the backward problem's P = I + γ f_xᵀ */
static struct cv_krylov *cv_krylov_new(const model *m, cv_linsol linsol, int transpose,
                                       SUNContext sunctx)
{
    struct cv_krylov *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->kind = linsol == CV_LINSOL_KRYLOV ? CV_PREC_ILU0
            : linsol == CV_LINSOL_KRYLOV_BAND ? CV_PREC_BAND : CV_PREC_NONE;
    if (k->kind == CV_PREC_NONE)
        return k;
    sj_pattern p;
    /* any density: with a dense pattern both factorisations are plain dense LU, still right */
    int ok = sj_pattern_of_model(m, 1.0, &p) == 0 && sj_jacobian_init(&k->J, &p) == 0;
    if (ok && k->kind == CV_PREC_ILU0)
        ok = (k->ilu = ilu0_new(&k->J.pattern, transpose)) != NULL;
    else if (ok)
        ok = (k->band = bp_new(&k->J.pattern, sunctx)) != NULL;
    if (!ok) {
        cv_krylov_release(k);
        return NULL;
    }
    return k;
}

size_t cv_krylov_bytes(const struct cv_krylov *k)
{
    if (!k)
        return 0;
    size_t bytes = sizeof *k;
    if (k->kind != CV_PREC_NONE)
        bytes += sj_jacobian_bytes(&k->J);
    if (k->ilu)
        bytes += ilu0_bytes(k->ilu);
    if (k->band)
        bytes += bp_bytes(k->band);
    return bytes;
}

/* A new Jacobian unless CVODES says the stored one will do (jok), then the factorisation of
 * I + c·J (transposed for the backward problem); 1 (recoverable: CVODES retries with a
 * smaller step) for a non-finite Jacobian or a failed factorisation. */
static int cv_krylov_setup(struct cv_krylov *k, model_ctx *ctx, eval_counts *counts, double t,
                           N_Vector y, sunbooleantype jok, sunbooleantype *jcur, double c,
                           int transpose)
{
    k->setups++;
    *jcur = SUNFALSE;
    if (!jok || !k->have_jacobian) {
        model_ctx_count_into(ctx, counts);
        k->have_jacobian = 0;
        if (sj_jacobian_eval(&k->J, ctx, t, NV_DATA_S(y)) != 0)
            return 1;
        k->have_jacobian = 1;
        k->jacobians++;
        *jcur = SUNTRUE;
    }
    if (k->ilu)
        return ilu0_factor(k->ilu, &k->J, c);
    return bp_factor(k->band, &k->J, c, transpose);
}

static void cv_krylov_solve(struct cv_krylov *k, N_Vector r, N_Vector z)
{
    k->solves++;
    if (k->ilu)
        ilu0_solve(k->ilu, NV_DATA_S(r), NV_DATA_S(z));
    else
        bp_solve(k->band, NV_DATA_S(r), NV_DATA_S(z));
}

/* ---- forward callbacks: J = f_x ----------------------------------------------------------- */

static int cv_jtimes(N_Vector v, N_Vector Jv, sunrealtype t, N_Vector y, N_Vector fy,
                     void *data, N_Vector tmp)
{
    cv_solver *cv = data;
    (void)fy;
    (void)tmp;
    cv->kry->products++;
    model_ctx_count_into(cv->ctx, cv->counts);
    model_rhs_jvp(cv->ctx, t, NV_DATA_S(y), NV_DATA_S(v), NULL, NV_DATA_S(Jv));
    return cv_all_finite(NV_DATA_S(Jv), cv->n) ? 0 : 1;
}

/* P = I − γ f_x */
static int cv_psetup(sunrealtype t, N_Vector y, N_Vector fy, sunbooleantype jok,
                     sunbooleantype *jcur, sunrealtype gamma, void *data)
{
    cv_solver *cv = data;
    (void)fy;
    return cv_krylov_setup(cv->kry, cv->ctx, cv->counts, t, y, jok, jcur, -gamma, 0);
}

static int cv_psolve(sunrealtype t, N_Vector y, N_Vector fy, N_Vector r, N_Vector z,
                     sunrealtype gamma, sunrealtype delta, int lr, void *data)
{
    cv_solver *cv = data;
    (void)t;
    (void)y;
    (void)fy;
    (void)gamma;
    (void)delta;
    (void)lr;
    cv_krylov_solve(cv->kry, r, z);
    return 0;
}

/* ---- backward callbacks (user data: the backward problem, cvbwd.c): J = −f_xᵀ at the
 * interpolated forward state y ------------------------------------------------------------ */

static int cv_jtimes_b(N_Vector v, N_Vector Jv, sunrealtype t, N_Vector y, N_Vector yB,
                       N_Vector fyB, void *data, N_Vector tmp)
{
    cv_bwd *B = data;
    (void)yB;
    (void)fyB;
    (void)tmp;
    B->kry->products++;
    model_ctx_count_into(B->cv->ctx, B->counts);
    model_rhs_vjp(B->cv->ctx, t, NV_DATA_S(y), NV_DATA_S(v), NV_DATA_S(Jv), NULL);
    N_VScale(-1.0, Jv, Jv);
    return cv_all_finite(NV_DATA_S(Jv), B->cv->n) ? 0 : 1;
}

/* P = I − γ(−f_xᵀ) = I + γ f_xᵀ */
static int cv_psetup_b(sunrealtype t, N_Vector y, N_Vector yB, N_Vector fyB, sunbooleantype jok,
                       sunbooleantype *jcur, sunrealtype gamma, void *data)
{
    cv_bwd *B = data;
    (void)yB;
    (void)fyB;
    return cv_krylov_setup(B->kry, B->cv->ctx, B->counts, t, y, jok, jcur, gamma, 1);
}

static int cv_psolve_b(sunrealtype t, N_Vector y, N_Vector yB, N_Vector fyB, N_Vector r,
                       N_Vector z, sunrealtype gamma, sunrealtype delta, int lr, void *data)
{
    cv_bwd *B = data;
    (void)t;
    (void)y;
    (void)yB;
    (void)fyB;
    (void)gamma;
    (void)delta;
    (void)lr;
    cv_krylov_solve(B->kry, r, z);
    return 0;
}

/* ---- a state–adjoint pair y = [z, a]: the caller's product, a block-diagonal P ------------- */

static int cv_pair_jtimes(N_Vector v, N_Vector Jv, sunrealtype t, N_Vector y, N_Vector fy,
                          void *data, N_Vector tmp)
{
    cv_solver *cv = data;
    (void)fy;
    (void)tmp;
    cv->kry->products++;
    return cv->pair->jtimes(t, NV_DATA_S(y), NV_DATA_S(v), NV_DATA_S(Jv), cv->sys_user);
}

/* P = diag(I − γ f_x(z), I + γ f_x(z)ᵀ): one sparse Jacobian for both blocks */
static int cv_pair_psetup(sunrealtype t, N_Vector y, N_Vector fy, sunbooleantype jok,
                          sunbooleantype *jcur, sunrealtype gamma, void *data)
{
    cv_solver *cv = data;
    struct cv_krylov *z = cv->kry, *a = cv->kry_adj;
    (void)fy;
    int status = cv_krylov_setup(z, cv->pair->ctx, cv->pair->counts, t, y, jok, jcur, -gamma, 0);
    if (status != 0)
        return status;
    memcpy(a->J.values, z->J.values, sizeof(double) * (size_t)z->J.pattern.nnz);
    a->have_jacobian = 1;
    a->setups++;
    return a->ilu ? ilu0_factor(a->ilu, &a->J, gamma) : bp_factor(a->band, &a->J, gamma, 1);
}

static int cv_pair_psolve(sunrealtype t, N_Vector y, N_Vector fy, N_Vector r, N_Vector z,
                          sunrealtype gamma, sunrealtype delta, int lr, void *data)
{
    cv_solver *cv = data;
    const int nx = cv->n / 2;
    double *in = NV_DATA_S(r), *out = NV_DATA_S(z);
    (void)t;
    (void)y;
    (void)fy;
    (void)gamma;
    (void)delta;
    (void)lr;
    cv->kry->solves++;
    cv->kry_adj->solves++;
    if (cv->kry->ilu) {
        ilu0_solve(cv->kry->ilu, in, out);
        ilu0_solve(cv->kry_adj->ilu, in + nx, out + nx);
    } else {
        bp_solve(cv->kry->band, in, out);
        bp_solve(cv->kry_adj->band, in + nx, out + nx);
    }
    return 0;
}

/* ---- attaching to CVODES ------------------------------------------------------------------- */

static SUNLinearSolver cv_spgmr(N_Vector y, const struct cv_krylov *k, SUNContext sunctx)
{
    return SUNLinSol_SPGMR(y, k->kind == CV_PREC_NONE ? SUN_PREC_NONE : SUN_PREC_RIGHT,
                           cv_linsol_table.maxl, sunctx);
}

int cv_krylov_attach_forward(cv_solver *cv)
{
    cv->kry = cv_krylov_new(model_ctx_model(cv->ctx), cv->linsol, 0, cv->sunctx);
    cv->LS = cv->kry ? cv_spgmr(cv->y, cv->kry, cv->sunctx) : NULL;
    if (!cv->LS || CVodeSetLinearSolver(cv->mem, cv->LS, NULL) != CV_SUCCESS ||
        CVodeSetJacTimes(cv->mem, NULL, cv_jtimes) != CV_SUCCESS)
        return -1;
    if (cv->kry->kind != CV_PREC_NONE &&
        CVodeSetPreconditioner(cv->mem, cv_psetup, cv_psolve) != CV_SUCCESS)
        return -1;
    return 0;
}

int cv_krylov_attach_backward(cv_bwd *B)
{
    cv_solver *cv = B->cv;
    B->kry = cv_krylov_new(model_ctx_model(cv->ctx), cv->linsol, 1, cv->sunctx);
    B->LS = B->kry ? cv_spgmr(B->y, B->kry, cv->sunctx) : NULL;
    if (!B->LS || CVodeSetLinearSolverB(cv->mem, B->which, B->LS, NULL) != CV_SUCCESS ||
        CVodeSetJacTimesB(cv->mem, B->which, NULL, cv_jtimes_b) != CV_SUCCESS)
        return -1;
    if (B->kry->kind != CV_PREC_NONE &&
        CVodeSetPreconditionerB(cv->mem, B->which, cv_psetup_b, cv_psolve_b) != CV_SUCCESS)
        return -1;
    return 0;
}

int cv_krylov_attach_pair(cv_solver *cv)
{
    const model *m = model_ctx_model(cv->pair->ctx);
    cv->kry = cv_krylov_new(m, cv->linsol, 0, cv->sunctx);
    cv->kry_adj = cv_krylov_new(m, cv->linsol, 1, cv->sunctx);
    cv->LS = cv->kry && cv->kry_adj ? cv_spgmr(cv->y, cv->kry, cv->sunctx) : NULL;
    if (!cv->LS || CVodeSetLinearSolver(cv->mem, cv->LS, NULL) != CV_SUCCESS ||
        CVodeSetJacTimes(cv->mem, NULL, cv_pair_jtimes) != CV_SUCCESS)
        return -1;
    if (cv->kry->kind != CV_PREC_NONE &&
        CVodeSetPreconditioner(cv->mem, cv_pair_psetup, cv_pair_psolve) != CV_SUCCESS)
        return -1;
    return 0;
}

size_t cv_krylov_workspace_bytes(const cv_solver *cv)
{
    return cv_krylov_bytes(cv->kry) + cv_krylov_bytes(cv->kry_adj);
}

static void cv_krylov_add_stats(const struct cv_krylov *k, cv_krylov_counts *c,
                                cv_linsol_stats *st)
{
    if (!k)
        return;
    c->products = k->products;
    c->prec_setups = k->setups;
    c->prec_jacobians = k->jacobians;
    c->prec_solves = k->solves;
    if (k->kind != CV_PREC_NONE)
        st->colours = k->J.ncolours;
    if (k->band)
        st->half_bandwidth = bp_half_bandwidth(k->band);
}

void cv_linsol_stats_get(const cv_solver *cv, cv_linsol_stats *st)
{
    memset(st, 0, sizeof *st);
    st->used = cv->linsol;
    cv_krylov_add_stats(cv->kry, &st->fwd, st);
    cv_krylov_add_stats(cv->bwd ? cv->bwd->kry : NULL, &st->bwd, st);
    cv_krylov_add_stats(cv->kry_adj, &st->bwd, st);   /* a pair's adjoint block */
}
