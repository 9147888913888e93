/* robertson — Robertson's stiff chemical kinetics (1966), the problem of SUNDIALS's
 * cvsRoberts examples:
 *
 *     y1' = −k1 y1 + k2 y2 y3
 *     y2' =  k1 y1 − k2 y2 y3 − k3 y2²
 *     y3' =  k3 y2²,                    y(0) = (1, 0, 0),
 *
 * with the standard rates k = (0.04, 1e4, 3e7).  The fast reaction k3 makes y2 tiny (~1e-5)
 * and the problem very stiff; y1 + y2 + y3 = 1 is conserved.
 *
 * Two variants:
 *   robertson      θ = log10 k; the loss is the sum of squares over the observables
 *                  (y1, 1e4·y2, y3) at t = 0.4·10^j, j = 0..5, against the solution at the
 *                  standard rates as published by SUNDIALS (cvsRoberts_dns.out, 7 digits).
 *                  The nominal θ = (−1, 4, 7), i.e. k = (0.1, 1e4, 1e7), is a check point away
 *                  from the data-generating rates, so the gradient is not zero there.
 *   robertson-asa  the set-up of SUNDIALS's cvsRoberts_ASAi_dns: θ = k on linear scale at the
 *                  standard rates, loss G = ∫_0^{4e7} y3 dt (a running cost; the one
 *                  observation time 4e7 has no data).  The example prints G = 3.9983e+07 and
 *                  dG/dp = (7.6842e+05, −3.0691e+00, 5.1144e−04): an oracle for the adjoint
 *                  (tests/methods/test_robertson.c). */
#include "robertson.h"

#include <math.h>
#include <string.h>

#define ROB_NX 3
#define ROB_NOBS 6
#define ROB_ASA_TF 4e7

enum { K1, K2, K3 };

/* cvsRoberts_dns.out: y at t = 0.4, 4, 40, 400, 4e3, 4e4 (standard rates) */
static const double rob_times[ROB_NOBS] = {0.4, 4.0, 40.0, 400.0, 4e3, 4e4};
static const double rob_published[ROB_NOBS][ROB_NX] = {
    {9.851641e-01, 3.386242e-05, 1.480205e-02}, {9.055097e-01, 2.240338e-05, 9.446793e-02},
    {7.158017e-01, 9.185037e-06, 2.841892e-01}, {4.505360e-01, 3.223271e-06, 5.494608e-01},
    {1.832299e-01, 8.944378e-07, 8.167692e-01}, {3.898902e-02, 1.622006e-07, 9.610108e-01}};
/* y2 is observed scaled, as it is usually plotted, so that it weighs in the loss */
static const double rob_y2_scale = 1e4;

static expr rob_rhs(expr_graph *g, const model *m)
{
    (void)m;
    expr y1 = expr_state(g, 0), y2 = expr_state(g, 1), y3 = expr_state(g, 2);
    expr r1 = expr_mul(g, expr_param(g, K1), y1);                      /* k1 y1    */
    expr r2 = expr_mul(g, expr_param(g, K2), expr_mul(g, y2, y3));     /* k2 y2 y3 */
    expr r3 = expr_mul(g, expr_param(g, K3), expr_mul(g, y2, y2));     /* k3 y2²   */
    expr parts[ROB_NX] = {expr_sub(g, r2, r1), expr_sub(g, expr_sub(g, r1, r2), r3), r3};
    return expr_concat(g, ROB_NX, parts);
}

static expr rob_initial(expr_graph *g, const model *m)
{
    (void)m;
    const double y0[ROB_NX] = {1.0, 0.0, 0.0};
    return expr_nums(g, ROB_NX, y0);
}

static expr rob_observables(expr_graph *g, const model *m)
{
    (void)m;
    expr parts[ROB_NX] = {expr_state(g, 0), expr_scale(g, expr_state(g, 1), rob_y2_scale),
                          expr_state(g, 2)};
    return expr_concat(g, ROB_NX, parts);
}

/* y3: the observable of robertson-asa and its running cost (G = ∫ y3 dt) */
static expr rob_y3(expr_graph *g, const model *m)
{
    (void)m;
    return expr_state(g, 2);
}

int robertson_create(model *m, const char *name, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    const int asa = strcmp(name, "robertson-asa") == 0;
    const int ny = asa ? 1 : ROB_NX;
    if (model_alloc(m, ROB_NX, 3, 0, ny) != 0)
        return -1;
    m->summary = asa ? "Robertson kinetics, cvsRoberts_ASAi_dns set-up: G = int y3 dt"
                     : "Robertson stiff kinetics, theta = log10 k, published data";
    strcpy(m->state_names[0], "y1");
    strcpy(m->state_names[1], "y2");
    strcpy(m->state_names[2], "y3");
    m->t0 = 0.0;
    m->stiff = 1;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 1.0;
    m->rhs = rob_rhs;
    m->initial = rob_initial;
    if (asa) {
        strcpy(m->obs_names[0], "y3");
        model_set_param(m, K1, "p1", SCALE_LIN, 0.04, 0.0, 1.0);
        model_set_param(m, K2, "p2", SCALE_LIN, 1e4, 0.0, 1e6);
        model_set_param(m, K3, "p3", SCALE_LIN, 3e7, 0.0, 1e9);
        m->tf = ROB_ASA_TF;
        m->rtol = 1e-8;
        m->atol = 1e-12;
        m->observables = rob_y3;
        m->running_cost = rob_y3;
        if (model_condition_alloc(m, 0, 1) != 0)   /* no data: the loss is G alone */
            return -1;
        strcpy(m->cond[0].name, "ASAi");
        m->cond[0].times[0] = ROB_ASA_TF;
        return 0;
    }
    strcpy(m->obs_names[0], "y1");
    strcpy(m->obs_names[1], "1e4*y2");
    strcpy(m->obs_names[2], "y3");
    model_set_param(m, K1, "log10_k1", SCALE_LOG10, -1.0, -4.0, 2.0);
    model_set_param(m, K2, "log10_k2", SCALE_LOG10, 4.0, 1.0, 7.0);
    model_set_param(m, K3, "log10_k3", SCALE_LOG10, 7.0, 4.0, 10.0);
    m->tf = rob_times[ROB_NOBS - 1];
    m->rtol = 1e-8;
    m->atol = 1e-14;
    m->observables = rob_observables;
    if (model_condition_alloc(m, 0, ROB_NOBS) != 0)
        return -1;
    model_condition *c = &m->cond[0];
    strcpy(c->name, "standard");
    for (int i = 0; i < ROB_NOBS; i++) {
        c->times[i] = rob_times[i];
        c->values[i * ROB_NX + 0] = rob_published[i][0];
        c->values[i * ROB_NX + 1] = rob_y2_scale * rob_published[i][1];
        c->values[i * ROB_NX + 2] = rob_published[i][2];
    }
    return 0;
}

const model_type robertson_type = {
    "robertson", "robertson", "Robertson stiff kinetics: 3 states, 3 log10 rates, published data",
    0, robertson_create};

const model_type robertson_asa_type = {
    "robertson-asa", "robertson-asa",
    "Robertson kinetics as in SUNDIALS cvsRoberts_ASAi_dns: G = int y3 dt, printed gradient", 0,
    robertson_create};
