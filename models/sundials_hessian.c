/* sundials_hessian — the problem of SUNDIALS's second-order adjoint example
 * cvsHessian_ASA_FSA (docs/models.md §6), installed with libsundials-dev with its output:
 *
 *     y1' = −p1 y1² − y3,   y2' = −y2,   y3' = −p2² y2 y3,   y(0) = (1, 1, 1),
 *     G(p) = ∫_0^2 ½ |y|² dt,   p = (1, 2) on linear scale.
 *
 * The loss is the running cost alone: the one observation time t = 2 has no data.  The
 * example prints (cvsHessian_ASA_FSA.out, rtol = atol = 1e-8):
 *     G = 5.3088e-01,   dG/dp = (−1.2838e-01, 1.8037e-02)   [forward; −qB from the adjoint:
 *     (−1.2838e-01, 1.8036e-02)],   H = [[1.5628e-01, −7.8678e-02], [−7.8678e-02, 8.9814e-02]]
 * — an oracle for a running cost in every Hessian backend (tests/methods/test_sundials_hessian.c).
 * p2 enters squared and y2 = e^{−t} does not depend on p, so ∂y/∂p1 has no y3 component. */
#include "sundials_hessian.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SH_NX 3
#define SH_T_END 2.0

enum { P1, P2 };

static expr sh_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr y1 = expr_state(g, 0), y2 = expr_state(g, 1), y3 = expr_state(g, 2);
    expr p1 = expr_param(g, P1), p2 = expr_param(g, P2);
    expr parts[SH_NX] = {
        expr_neg(g, expr_add(g, expr_mul(g, p1, expr_mul(g, y1, y1)), y3)),   /* −p1 y1² − y3 */
        expr_neg(g, y2),                                                     /* −y2 */
        expr_neg(g, expr_mul(g, expr_mul(g, p2, p2), expr_mul(g, y2, y3)))};  /* −p2² y2 y3 */
    return expr_concat(g, SH_NX, parts);
}

static expr sh_initial(expr_graph *g, const model *m)
{
    (void)m;
    const double y0[SH_NX] = {1.0, 1.0, 1.0};
    return expr_nums(g, SH_NX, y0);
}

static expr sh_observables(expr_graph *g, const model *m)
{
    (void)m;
    return expr_states(g, 0, SH_NX);
}

/* g = ½ (y1² + y2² + y3²) */
static expr sh_running(expr_graph *g, const model *m)
{
    (void)m;
    expr y = expr_states(g, 0, SH_NX);
    return expr_scale(g, expr_sum(g, expr_mul(g, y, y)), 0.5);
}

int sundials_hessian_create(model *m, const char *name, char *err, size_t errlen)
{
    (void)name;
    (void)err;
    (void)errlen;
    if (model_alloc(m, SH_NX, 2, 0, SH_NX) != 0)
        return -1;
    m->summary = "SUNDIALS cvsHessian_ASA_FSA: G = int_0^2 |y|^2/2 dt, p = (1, 2), printed H";
    for (int i = 0; i < SH_NX; i++) {
        snprintf(m->state_names[i], MODEL_NAME_LEN, "y%d", i + 1);
        snprintf(m->obs_names[i], MODEL_NAME_LEN, "y%d", i + 1);
    }
    model_set_param(m, P1, "p1", SCALE_LIN, 1.0, 0.0, 10.0);
    model_set_param(m, P2, "p2", SCALE_LIN, 2.0, 0.0, 10.0);
    m->t0 = 0.0;
    m->tf = SH_T_END;
    m->loss = LOSS_SUM_OF_SQUARES;   /* no data: the loss terms are all zero */
    m->sse_weight = 1.0;
    m->rtol = 1e-8;                  /* the example's tolerances */
    m->atol = 1e-8;
    m->rhs = sh_rhs;
    m->initial = sh_initial;
    m->observables = sh_observables;
    m->running_cost = sh_running;
    if (model_condition_alloc(m, 0, 1) != 0)
        return -1;
    strcpy(m->cond[0].name, "example");
    m->cond[0].times[0] = SH_T_END;
    return 0;
}

const model_type sundials_hessian_type = {
    "sundials-hessian", "sundials-hessian",
    "SUNDIALS cvsHessian_ASA_FSA: G = int_0^2 |y|^2/2 dt, p = (1, 2); printed gradient and Hessian",
    0, sundials_hessian_create};
