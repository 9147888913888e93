/* neural — neural ODEs whose right-hand side is a tanh multilayer perceptron.
 *
 *     x' = W_{L+1} tanh(W_L … tanh(W_1 x + b_1) … + b_L) + b_{L+1}
 *
 * Dense layers are expr_matvec nodes over parameter blocks, so they run through CBLAS
 * (dgemv forward, dgemv/dger for the derivatives), not scalar by scalar.  Parameters are on
 * linear scale, named W<l>_<row>_<col> and b<l>_<row> (layers from 1, entries from 0), with
 * a loose box of ±NEURAL_PARAM_BOUND that no training run comes near.
 *
 * Initialisation (the nominal θ) is seeded and deterministic, drawn from SplitMix64 with a
 * fixed seed: Glorot-uniform weights, W_l ~ U(−a, a) with a = √(6/(fan_in + fan_out)) (Flux's
 * default, which the report used), and biases b_l ~ U(−1/√fan_in, 1/√fan_in) (PyTorch's
 * default).  Flux's zero biases would make neural-freefall degenerate: with x(0) = 0 they
 * give f(x(0)) = 0, so the trajectory stays at rest, an adaptive solver sees no error and
 * every gradient method is measured at a fixed point that no training run stays at.
 *
 * neural-freefall (docs/models.md §2): D = 2, H = 16, L = 1 (82 parameters); data = the report's
 * 100 free-fall positions on [0, 5] (g = 9.8, μ = 0.5, from rest; freefall_position_at);
 * x(0) = (0, 0); loss Σ_i (x_1(t_i) − y_i)² over the position only.
 *
 * mlp-D-H[-L] (D ≥ 1, H ≥ 1, L ≥ 1, default L = 1): a scaling family.  Synthetic data,
 * seeded: x(0) ~ U(−1, 1)^D, and the data are the exact solution of the damped rotations
 *     (x_{2i}, x_{2i+1})' = [[−κ, ω_i], [−ω_i, −κ]] (x_{2i}, x_{2i+1}),   ω_i ~ U(1, 2),
 * (x_{D−1}' = −κ x_{D−1} for odd D), κ = 0.1, i.e. e^{−κt} times a rotation by ω_i t — the
 * spiral of the neural-ODE literature — at t = 0, 0.1, …, 1, every state observed; loss
 * Σ_t Σ_i (x_i(t) − y_i(t))². */
#include "neural.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "freefall.h"

#define NEURAL_PARAM_BOUND 100.0
#define NEURAL_MAX_PARAMS 10000000L   /* names and bounds alone take ~100 bytes a parameter */
#define NEURAL_FREEFALL_SEED 20250101u
#define NEURAL_MLP_SEED 20250202u
#define NEURAL_FREEFALL_NOBS 100
#define NEURAL_FREEFALL_T_END 5.0
#define NEURAL_FREEFALL_G 9.8
#define NEURAL_FREEFALL_MU 0.5
#define NEURAL_MLP_NOBS 11            /* t = 0, 0.1, …, 1 */
#define NEURAL_MLP_T_END 1.0
#define NEURAL_MLP_DECAY 0.1          /* κ */

double neural_rng_uniform(neural_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

int neural_layer_rows(const neural_net *net, int l)
{
    return l == net->L + 1 ? net->D : net->H;
}

int neural_layer_cols(const neural_net *net, int l)
{
    return l == 1 ? net->D : net->H;
}

long neural_weight_offset(const neural_net *net, int l)
{
    long offset = 0;
    for (int k = 1; k < l; k++)
        offset += (long)neural_layer_rows(net, k) * (neural_layer_cols(net, k) + 1);
    return offset;
}

long neural_bias_offset(const neural_net *net, int l)
{
    return neural_weight_offset(net, l) +
           (long)neural_layer_rows(net, l) * neural_layer_cols(net, l);
}

long neural_param_count(const neural_net *net)
{
    return neural_weight_offset(net, net->L + 2);
}

/* The network applied to the state: one matvec + bias (+ tanh) per layer. */
static expr neural_rhs(expr_graph *g, const model *m)
{
    const neural_net *net = m->data;
    expr h = expr_states(g, 0, net->D);
    for (int l = 1; l <= net->L + 1; l++) {
        const int rows = neural_layer_rows(net, l), cols = neural_layer_cols(net, l);
        expr W = expr_params(g, (int)neural_weight_offset(net, l), rows * cols);
        expr b = expr_params(g, (int)neural_bias_offset(net, l), rows);
        h = expr_add(g, expr_matvec(g, W, h, rows, cols), b);
        if (l <= net->L)
            h = expr_tanh(g, h);
    }
    return h;
}

static expr neural_initial(expr_graph *g, const model *m)
{
    const neural_net *net = m->data;
    return expr_nums(g, net->D, net->x0);
}

static expr neural_observables(expr_graph *g, const model *m)
{
    const neural_net *net = m->data;
    return net->ny == 1 ? expr_state(g, 0) : expr_states(g, 0, net->D);
}

static void neural_free_data(void *data)
{
    neural_net *net = data;
    if (net)
        free(net->x0);
    free(net);
}

/* Allocate the model for the network D-H-L: sizes, parameter names, seeded Glorot weights
 * and uniform biases, and the instance data (x0 left to the caller). */
static int neural_setup(model *m, int D, int H, int L, int ny, uint64_t seed, char *err,
                        size_t errlen)
{
    neural_net shape = {D, H, L, ny, NULL};
    /* count in floating point first: the sizes come from a name and may be absurd */
    const double count = (double)H * (D + 1) + (double)(L - 1) * H * (H + 1) + (double)D * (H + 1);
    if (count > (double)NEURAL_MAX_PARAMS) {
        snprintf(err, errlen, "%s: %.0f parameters is more than the %ld this build allows; "
                 "choose a smaller width or depth", m->name, count, NEURAL_MAX_PARAMS);
        return -1;
    }
    const long np = neural_param_count(&shape);
    neural_net *net = calloc(1, sizeof *net);
    if (net) {
        *net = shape;
        net->x0 = calloc((size_t)D, sizeof(double));
    }
    m->data = net;
    m->free_data = neural_free_data;
    if (!net || !net->x0 || model_alloc(m, D, (int)np, 0, ny) != 0) {
        snprintf(err, errlen, "%s: out of memory", m->name);
        return -1;
    }
    neural_rng rng = {seed};
    for (int l = 1; l <= L + 1; l++) {
        const int rows = neural_layer_rows(net, l), cols = neural_layer_cols(net, l);
        const double a = sqrt(6.0 / (rows + cols));
        const long w = neural_weight_offset(net, l), b = neural_bias_offset(net, l);
        char name[MODEL_NAME_LEN];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                snprintf(name, sizeof name, "W%d_%d_%d", l, r, c);
                model_set_param(m, (int)(w + (long)r * cols + c), name, SCALE_LIN,
                                a * (2.0 * neural_rng_uniform(&rng) - 1.0),
                                -NEURAL_PARAM_BOUND, NEURAL_PARAM_BOUND);
            }
        const double bias_bound = 1.0 / sqrt((double)cols);   /* 1/√fan_in */
        for (int r = 0; r < rows; r++) {
            snprintf(name, sizeof name, "b%d_%d", l, r);
            model_set_param(m, (int)(b + r), name, SCALE_LIN,
                            bias_bound * (2.0 * neural_rng_uniform(&rng) - 1.0),
                            -NEURAL_PARAM_BOUND, NEURAL_PARAM_BOUND);
        }
    }
    for (int i = 0; i < D; i++)
        snprintf(m->state_names[i], MODEL_NAME_LEN, "x%d", i);
    m->t0 = 0.0;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 1.0;
    m->stiff = 0;
    m->rhs = neural_rhs;
    m->initial = neural_initial;
    m->observables = neural_observables;
    return 0;
}

int neural_freefall_create(model *m, const char *name, char *err, size_t errlen)
{
    (void)name;
    if (neural_setup(m, 2, 16, 1, 1, NEURAL_FREEFALL_SEED, err, errlen) != 0)
        return -1;
    m->summary = "the report's neural ODE: 2-16-2 tanh MLP (82 params) fitted to free-fall "
                 "positions";
    snprintf(m->state_names[0], MODEL_NAME_LEN, "y");
    snprintf(m->state_names[1], MODEL_NAME_LEN, "v");
    snprintf(m->obs_names[0], MODEL_NAME_LEN, "position");
    m->tf = NEURAL_FREEFALL_T_END;
    m->rtol = 1e-8;
    m->atol = 1e-8;
    if (model_condition_alloc(m, 0, NEURAL_FREEFALL_NOBS) != 0) {
        snprintf(err, errlen, "%s: out of memory", m->name);
        return -1;
    }
    model_condition *c = &m->cond[0];
    snprintf(c->name, sizeof c->name, "drop");
    for (int i = 0; i < NEURAL_FREEFALL_NOBS; i++) {
        c->times[i] = NEURAL_FREEFALL_T_END * i / (NEURAL_FREEFALL_NOBS - 1);
        c->values[i] = freefall_position_at(c->times[i], NEURAL_FREEFALL_G, NEURAL_FREEFALL_MU,
                                            0.0, 0.0);
    }
    return 0;
}

/* A positive decimal integer of at most 9 digits, ending at '-' or '\0'. */
static int neural_parse_size(const char **s, int *value)
{
    const char *c = *s;
    long v = 0;
    int digits = 0;
    while (*c >= '0' && *c <= '9' && digits < 10) {
        v = 10 * v + (*c - '0');
        c++;
        digits++;
    }
    if (digits == 0 || digits > 9 || v < 1 || (*c != '-' && *c != '\0'))
        return -1;
    *value = (int)v;
    *s = c;
    return 0;
}

int neural_mlp_create(model *m, const char *name, char *err, size_t errlen)
{
    const char *s = name + strlen("mlp-");
    int size[3] = {0, 0, 1}, count = 0, ok = 1;
    for (;;) {   /* sizes separated by single dashes, nothing after the last */
        if (count == 3 || neural_parse_size(&s, &size[count]) != 0) {
            ok = 0;
            break;
        }
        count++;
        if (*s == '\0')
            break;
        s++;   /* the '-' */
    }
    if (!ok || count < 2) {
        snprintf(err, errlen, "model name '%s' is malformed: expected mlp-D-H or mlp-D-H-L with "
                 "positive integers D (state dimension), H (width), L (hidden layers), e.g. "
                 "mlp-32-256", name);
        return -1;
    }
    const int D = size[0], H = size[1], L = size[2];
    if (neural_setup(m, D, H, L, D, NEURAL_MLP_SEED, err, errlen) != 0)
        return -1;
    neural_net *net = m->data;
    m->summary = "tanh MLP neural ODE x' = MLP(x), synthetic spiral data (scaling family)";
    m->tf = NEURAL_MLP_T_END;
    m->rtol = 1e-8;
    m->atol = 1e-8;
    /* the data's own generator, after the weights' (separate stream, same seed family) */
    neural_rng rng = {NEURAL_MLP_SEED ^ 0x5bd1e995u};
    for (int i = 0; i < D; i++)
        net->x0[i] = 2.0 * neural_rng_uniform(&rng) - 1.0;
    for (int i = 0; i < D; i++)
        snprintf(m->obs_names[i], MODEL_NAME_LEN, "x%d", i);
    if (model_condition_alloc(m, 0, NEURAL_MLP_NOBS) != 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    model_condition *c = &m->cond[0];
    snprintf(c->name, sizeof c->name, "spiral");
    for (int k = 0; k < NEURAL_MLP_NOBS; k++)
        c->times[k] = NEURAL_MLP_T_END * k / (NEURAL_MLP_NOBS - 1);
    for (int i = 0; i + 1 < D; i += 2) {
        const double omega = 1.0 + neural_rng_uniform(&rng);
        const double a = net->x0[i], b = net->x0[i + 1];
        for (int k = 0; k < NEURAL_MLP_NOBS; k++) {
            const double t = c->times[k], decay = exp(-NEURAL_MLP_DECAY * t);
            const double cs = cos(omega * t), sn = sin(omega * t);
            c->values[k * D + i] = decay * (a * cs + b * sn);
            c->values[k * D + i + 1] = decay * (b * cs - a * sn);
        }
    }
    if (D % 2 == 1)
        for (int k = 0; k < NEURAL_MLP_NOBS; k++)
            c->values[k * D + D - 1] = net->x0[D - 1] * exp(-NEURAL_MLP_DECAY * c->times[k]);
    return 0;
}

const model_type neural_freefall_type = {
    "neural-freefall", "neural-freefall",
    "the report's neural ODE: 2-16-2 tanh MLP (82 params) on free-fall positions", 0,
    neural_freefall_create};

const model_type mlp_type = {
    "mlp-", "mlp-D-H[-L]",
    "tanh MLP neural ODE: state dim D, width H, L hidden layers; synthetic spiral data", 1,
    neural_mlp_create};
