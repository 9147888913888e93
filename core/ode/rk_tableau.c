/* rk_tableau — the coefficients of the explicit Runge–Kutta methods, one constant table each.
 * A tableau's name is the method's name in the literature, used in the driver's messages;
 * the names the user types are the integrator registry's (integrator.c).
 *
 * Dense-output coefficients are stored expanded in powers of σ (b_i(σ) = Σ_k d_ik σ^(k+1)),
 * as exact rationals where they are.  tests/core/test_rk_tableau.c checks every table
 * against the order conditions, including those of the continuous extensions. */
#include "rk.h"

#include <string.h>

/* ---- explicit Euler: order 1, dense output by linear interpolation --------------------- */
static const double euler_A[1] = {0.0};
static const double euler_b[1] = {1.0};
static const double euler_c[1] = {0.0};
static const double euler_dense[1] = {1.0};

const rk_tableau rk_euler = {
    .name = "Euler", .stages = 1, .order = 1, .error_order = 0, .fsal = 0,
    .A = euler_A, .b = euler_b, .c = euler_c, .e = NULL,
    .dense_degree = 1, .dense = euler_dense,
};

/* ---- classical RK4: order 4; the third-order continuous extension
 *      b1 = σ − 3σ²/2 + 2σ³/3,  b2 = b3 = σ² − 2σ³/3,  b4 = −σ²/2 + 2σ³/3 -------------- */
static const double rk4_A[16] = {
    0.0, 0.0, 0.0, 0.0,
    0.5, 0.0, 0.0, 0.0,
    0.0, 0.5, 0.0, 0.0,
    0.0, 0.0, 1.0, 0.0,
};
static const double rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double rk4_c[4] = {0.0, 0.5, 0.5, 1.0};
static const double rk4_dense[12] = {
    1.0, -1.5, 2.0 / 3.0,
    0.0, 1.0, -2.0 / 3.0,
    0.0, 1.0, -2.0 / 3.0,
    0.0, -0.5, 2.0 / 3.0,
};

const rk_tableau rk_rk4 = {
    .name = "classical RK4", .stages = 4, .order = 4, .error_order = 0, .fsal = 0,
    .A = rk4_A, .b = rk4_b, .c = rk4_c, .e = NULL,
    .dense_degree = 3, .dense = rk4_dense,
};

/* ---- Dormand–Prince 5(4) (Dormand & Prince 1980), FSAL, 7 stages.  Dense output: the
 * fourth-order continuous extension of Hairer, Nørsett & Wanner I (§II.6, DOPRI5's
 * CONTD5), expanded in powers of σ. ---------------------------------------------------- */
static const double dopri5_A[49] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0,
    19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0, 0.0,
    9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0,
    0.0,
    35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0,
};
static const double dopri5_b[7] = {
    35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0,
};
static const double dopri5_c[7] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0};
/* b − b̂ with b̂ = (5179/57600, 0, 7571/16695, 393/640, −92097/339200, 187/2100, 1/40) */
static const double dopri5_e[7] = {
    71.0 / 57600.0, 0.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0,
    -1.0 / 40.0,
};
static const double dopri5_dense[28] = {
    1.0, -8048581381.0 / 2820520608.0, 8663915743.0 / 2820520608.0,
    -12715105075.0 / 11282082432.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 131558114200.0 / 32700410799.0, -68118460800.0 / 10900136933.0,
    87487479700.0 / 32700410799.0,
    0.0, -1754552775.0 / 470086768.0, 14199869525.0 / 1410260304.0,
    -10690763975.0 / 1880347072.0,
    0.0, 127303824393.0 / 49829197408.0, -318862633887.0 / 49829197408.0,
    701980252875.0 / 199316789632.0,
    0.0, -282668133.0 / 205662961.0, 2019193451.0 / 616988883.0,
    -1453857185.0 / 822651844.0,
    0.0, 40617522.0 / 29380423.0, -110615467.0 / 29380423.0, 69997945.0 / 29380423.0,
};

const rk_tableau rk_dopri5 = {
    .name = "Dormand-Prince 5(4)", .stages = 7, .order = 5, .error_order = 4, .fsal = 1,
    .A = dopri5_A, .b = dopri5_b, .c = dopri5_c, .e = dopri5_e,
    .dense_degree = 4, .dense = dopri5_dense,
};

/* ---- Tsitouras 5(4) (Ch. Tsitouras, Comput. Math. Appl. 62, 2011, Table 1), FSAL, 7 stages.
 * Built on the first column simplifying assumption only (not b_2 = 0 as Dormand–Prince), which
 * leaves room for smaller principal error coefficients.  Coefficients as published (decimal,
 * about 16 digits: a_i1 = c_i − Σ_{j>1} a_ij as in the paper).  e = b − b̂ as published for the
 * error estimate (its sign is irrelevant to the norm).  Dense output: the paper's fourth-order
 * continuous extension, expanded in powers of σ (b_i(1) = b_i). ------------------------ */
static const double tsit5_A[49] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.161, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    -0.008480655492356989, 0.335480655492357, 0.0, 0.0, 0.0, 0.0, 0.0,
    2.897153057105493, -6.359448489975075, 4.3622954328695815, 0.0, 0.0, 0.0, 0.0,
    5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525, 0.0,
    0.0, 0.0,
    5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
    -0.028269050394068383, 0.0, 0.0,
    0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
    2.324710524099774, 0.0,
};
static const double tsit5_b[7] = {
    0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
    2.324710524099774, 0.0,
};
static const double tsit5_c[7] = {0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0};
static const double tsit5_e[7] = {
    -0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995,
    -0.1447110071732629, 0.5823571654525552, -0.45808210592918697, 1.0 / 66.0,
};
static const double tsit5_dense[28] = {
    1.0, -2.763706197274826, 2.9132554618219126, -1.0530884977290216,
    0.0, 0.13169999999999998, -0.2234, 0.1017,
    0.0, 3.9302962368947516, -5.941033872131505, 2.490627285651253,
    0.0, -12.411077166933676, 30.33818863028232, -16.548102889244902,
    0.0, 37.50931341651104, -88.1789048947664, 47.37952196281928,
    0.0, -27.896526289197286, 65.09189467479366, -34.87065786149661,
    0.0, 1.5, -4.0, 2.5,
};

const rk_tableau rk_tsit5 = {
    .name = "Tsitouras 5(4)", .stages = 7, .order = 5, .error_order = 4, .fsal = 1,
    .A = tsit5_A, .b = tsit5_b, .c = tsit5_c, .e = tsit5_e,
    .dense_degree = 4, .dense = tsit5_dense,
};

static const rk_tableau *const rk_tableaus[] = {&rk_euler, &rk_rk4, &rk_dopri5, &rk_tsit5, NULL};

const rk_tableau *rk_tableau_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; rk_tableaus[i]; i++)
        if (strcmp(rk_tableaus[i]->name, name) == 0)
            return rk_tableaus[i];
    return NULL;
}

void rk_dense_weights(const rk_tableau *tab, double sigma, double *weights)
{
    const int q = tab->dense_degree;
    for (int i = 0; i < tab->stages; i++) {
        const double *d = tab->dense + (size_t)i * q;
        double w = d[q - 1];   /* Horner on Σ_k d_k σ^(k+1) = σ(d_0 + σ(d_1 + …)) */
        for (int k = q - 2; k >= 0; k--)
            w = d[k] + sigma * w;
        weights[i] = sigma * w;
    }
}
