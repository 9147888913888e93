/* brusselator — the 2-D Brusselator, the scaling problem of the gradient-method literature
 * (the SciML sensitivity benchmarks; Ma et al., HPEC 2021); docs/models.md §5.
 *
 * Grid x_i = i dx, y_j = j dx (i, j = 0..N−1, dx = 1/(N−1)) with periodic neighbours (index
 * N wraps to 0, −1 to N−1, as in the benchmark code), two fields u, v, so 2N² states, stored
 * u first then v, cell (i, j) at i·N + j.  Parameters (4N², linear scale): A (N²), B (N²),
 * α (2N²: α^u then α^v), one per cell (and field), nominal 3.4, 1, 10, box [0, 10×nominal].
 *
 *     u' = α^u Δu/dx² + B + u²v − (A + 1) u + F(x, y, t)
 *     v' = α^v Δv/dx² + A u − u²v
 *     Δw_ij = w_{i−1,j} + w_{i+1,j} + w_{i,j+1} + w_{i,j−1} − 4 w_ij
 *     F = 5 if (x − 0.3)² + (y − 0.6)² ≤ 0.1² and t ≥ 1.1, else 0
 *     u(0) = 22 (y(1 − y))^{3/2},  v(0) = 27 (x(1 − x))^{3/2}
 *
 * The graph is vectorised: the Laplacian of both fields at once is four gathers of the whole
 * state (one per neighbour direction) minus 4x, so f and every product cost O(N²).  F is a
 * mask times a switched time input (it is zero on the benchmark's interval [0, 1]).
 *
 * The benchmark's loss: Σ_t Σ_i (1 − x_i(t))²/2 at t = 0, 0.1, …, 1 — a sum of squares with
 * weight ½ against data that are all 1, every state observed.  Tolerances abstol 1e-5,
 * reltol 1e-7; stiff (α/dx² = 10 (N−1)²). */
#include "brusselator.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRUSSELATOR_NOBS 11         /* t = 0, 0.1, …, 1 */
#define BRUSSELATOR_T_END 1.0
/* At N = 100 the model has 2·10⁴ states and 4·10⁴ parameters and takes about a second to
 * build (graph, compiled programs, sparsity); its dense Jacobian would already need 3.2 GB.
 * Larger grids are refused by name rather than left to run out of memory or time (a spec's
 * 'sizes 4120' once asked for 3.4·10⁷ states and 2 GB of names). */
#define BRUSSELATOR_MAX_N 100
#define BRUSSELATOR_FORCE 5.0
#define BRUSSELATOR_FORCE_ON 1.1
#define BRUSSELATOR_BOX 10.0        /* upper bound = BOX × nominal */

double brusselator_forcing(double x, double y, double t)
{
    const double dx = x - 0.3, dy = y - 0.6;
    return dx * dx + dy * dy <= 0.1 * 0.1 && t >= BRUSSELATOR_FORCE_ON ? BRUSSELATOR_FORCE : 0.0;
}

/* The switch of the forcing in time: F = mask · switch(t). */
static void brusselator_switch(double t, double *out, const void *ctx)
{
    (void)ctx;
    out[0] = t >= BRUSSELATOR_FORCE_ON ? BRUSSELATOR_FORCE : 0.0;
}

static expr brusselator_rhs(expr_graph *g, const model *m)
{
    const brusselator_grid *grid = m->data;
    const int N = grid->N, n2 = N * N, n = 2 * n2;
    expr x = expr_states(g, 0, n);
    expr u = expr_states(g, 0, n2), v = expr_states(g, n2, n2);
    expr A = expr_params(g, 0, n2), B = expr_params(g, n2, n2), alpha = expr_params(g, 2 * n2, n);

    expr around = expr_gather(g, x, n, grid->neighbours);
    for (int d = 1; d < 4; d++)
        around = expr_add(g, around, expr_gather(g, x, n, grid->neighbours + (size_t)d * n));
    expr laplacian = expr_sub(g, around, expr_scale(g, x, 4.0));
    expr diffusion = expr_scale(g, expr_mul(g, alpha, laplacian), 1.0 / (grid->dx * grid->dx));

    expr u2v = expr_mul(g, expr_mul(g, u, u), v);
    expr forcing = expr_mul(g, expr_nums(g, n2, grid->mask),
                            expr_time_input(g, 1, brusselator_switch, NULL));
    expr reaction[2];
    expr loss_u = expr_mul(g, expr_shift(g, A, 1.0), u);   /* (A + 1) u */
    reaction[0] = expr_add(g, expr_sub(g, expr_add(g, B, u2v), loss_u), forcing);
    reaction[1] = expr_sub(g, expr_mul(g, A, u), u2v);
    return expr_add(g, diffusion, expr_concat(g, 2, reaction));
}

static expr brusselator_initial(expr_graph *g, const model *m)
{
    const brusselator_grid *grid = m->data;
    const int N = grid->N, n2 = N * N;
    double *x0 = malloc(sizeof(double) * 2 * (size_t)n2);
    if (!x0)
        return EXPR_NONE;   /* model_finish reports that the initial state cannot be built */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            const double x = i * grid->dx, y = j * grid->dx;
            x0[i * N + j] = 22.0 * pow(y * (1.0 - y), 1.5);
            x0[n2 + i * N + j] = 27.0 * pow(x * (1.0 - x), 1.5);
        }
    expr out = expr_nums(g, 2 * n2, x0);   /* copied */
    free(x0);
    return out;
}

static expr brusselator_observables(expr_graph *g, const model *m)
{
    return expr_states(g, 0, m->nx);
}

static void brusselator_free_data(void *data)
{
    brusselator_grid *grid = data;
    if (grid) {
        free(grid->neighbours);
        free(grid->mask);
    }
    free(grid);
}

/* N from "brusselator-N": decimal digits only, 2 ≤ N ≤ BRUSSELATOR_MAX_N. */
static int brusselator_parse(const char *name, int *N, char *err, size_t errlen)
{
    const char *digits = name + strlen("brusselator-");
    char *end = NULL;
    errno = 0;
    const long value = strtol(digits, &end, 10);
    int ok = *digits >= '0' && *digits <= '9' && end && *end == '\0' && errno == 0;
    if (!ok) {
        snprintf(err, errlen, "model name '%s' is malformed: expected brusselator-N with a "
                 "grid size N >= 2, e.g. brusselator-10", name);
        return -1;
    }
    if (value < 2 || value > BRUSSELATOR_MAX_N) {
        snprintf(err, errlen, "%s: the grid size must be between 2 and %d", name,
                 BRUSSELATOR_MAX_N);
        return -1;
    }
    *N = (int)value;
    return 0;
}

static int brusselator_grid_init(model *m, int N)
{
    brusselator_grid *grid = calloc(1, sizeof *grid);
    m->data = grid;
    m->free_data = brusselator_free_data;
    if (!grid)
        return -1;
    const int n2 = N * N, n = 2 * n2;
    grid->N = N;
    grid->dx = 1.0 / (N - 1);
    grid->neighbours = malloc(sizeof(int) * 4 * (size_t)n);
    grid->mask = malloc(sizeof(double) * (size_t)n2);
    if (!grid->neighbours || !grid->mask)
        return -1;
    for (int field = 0; field < 2; field++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                const int s = field * n2 + i * N + j, base = field * n2;
                const int im = (i + N - 1) % N, ip = (i + 1) % N;
                const int jm = (j + N - 1) % N, jp = (j + 1) % N;
                grid->neighbours[0 * (size_t)n + s] = base + im * N + j;
                grid->neighbours[1 * (size_t)n + s] = base + ip * N + j;
                grid->neighbours[2 * (size_t)n + s] = base + i * N + jm;
                grid->neighbours[3 * (size_t)n + s] = base + i * N + jp;
            }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            grid->mask[i * N + j] = brusselator_forcing(i * grid->dx, j * grid->dx,
                                                        BRUSSELATOR_FORCE_ON) /
                                    BRUSSELATOR_FORCE;
    return 0;
}

int brusselator_create(model *m, const char *name, char *err, size_t errlen)
{
    int N;
    if (brusselator_parse(name, &N, err, errlen) != 0)
        return -1;
    const int n2 = N * N, n = 2 * n2;
    if (brusselator_grid_init(m, N) != 0 || model_alloc(m, n, 2 * n, 0, n) != 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    m->summary = "2-D Brusselator on an NxN periodic grid: 2N^2 states, 4N^2 params";
    for (int field = 0; field < 2; field++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                const int s = field * n2 + i * N + j;
                snprintf(m->state_names[s], MODEL_NAME_LEN, "%c_%d_%d", field ? 'v' : 'u', i, j);
                snprintf(m->obs_names[s], MODEL_NAME_LEN, "%s", m->state_names[s]);
            }
    char pname[MODEL_NAME_LEN];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            const int c = i * N + j;
            snprintf(pname, sizeof pname, "A_%d_%d", i, j);
            model_set_param(m, c, pname, SCALE_LIN, BRUSSELATOR_A, 0.0,
                            BRUSSELATOR_BOX * BRUSSELATOR_A);
            snprintf(pname, sizeof pname, "B_%d_%d", i, j);
            model_set_param(m, n2 + c, pname, SCALE_LIN, BRUSSELATOR_B, 0.0,
                            BRUSSELATOR_BOX * BRUSSELATOR_B);
            for (int field = 0; field < 2; field++) {
                snprintf(pname, sizeof pname, "alpha_%c_%d_%d", field ? 'v' : 'u', i, j);
                model_set_param(m, 2 * n2 + field * n2 + c, pname, SCALE_LIN,
                                BRUSSELATOR_ALPHA, 0.0, BRUSSELATOR_BOX * BRUSSELATOR_ALPHA);
            }
        }
    m->t0 = 0.0;
    m->tf = BRUSSELATOR_T_END;
    m->loss = LOSS_SUM_OF_SQUARES;
    m->sse_weight = 0.5;
    m->stiff = 1;
    m->rtol = 1e-7;
    m->atol = 1e-5;
    m->rhs = brusselator_rhs;
    m->initial = brusselator_initial;
    m->observables = brusselator_observables;
    if (model_condition_alloc(m, 0, BRUSSELATOR_NOBS) != 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    model_condition *cond = &m->cond[0];
    snprintf(cond->name, sizeof cond->name, "benchmark");
    for (int k = 0; k < BRUSSELATOR_NOBS; k++) {
        cond->times[k] = BRUSSELATOR_T_END * k / (BRUSSELATOR_NOBS - 1);
        for (int s = 0; s < n; s++)
            cond->values[(size_t)k * n + s] = 1.0;
    }
    return 0;
}

const model_type brusselator_type = {
    "brusselator-", "brusselator-N (N >= 2)",
    "2-D Brusselator on an NxN periodic grid: 2N^2 states, 4N^2 params", 1, brusselator_create};
