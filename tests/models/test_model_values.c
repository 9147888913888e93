/* test_model_values — each model's graphs against an independent hand-written implementation
 * of the equations of docs/models.md (bench/handrhs.c): the right-hand side at seeded states and
 * times in every condition (the Brusselator also with its forcing switched on), and the
 * initial states, data and loss terms against their definitions. */
#include "modeltest.h"

#include <unistd.h>

#include "handrhs.h"
#include "brusselator.h"
#include "freefall.h"
#include "jakstat.h"
#include "neural.h"
#include "rafmekerk.h"
#include "registry.h"

typedef enum { HAND_JAKSTAT, HAND_RAF, HAND_BRUSSELATOR, HAND_MLP } hand_kind;

typedef struct {
    const char *name;
    hand_kind kind;
    double times[4];
} value_case;

static void hand_rhs(const value_case *vc, const model *m, const double *p, const double *c,
                     double t, const double *x, double *f, const spline_basis *input,
                     double *work)
{
    switch (vc->kind) {
    case HAND_JAKSTAT:
        hand_jakstat_rhs(t, x, p, input, f);
        break;
    case HAND_RAF:
        hand_rafmekerk_rhs(t, x, p, c, f);
        break;
    case HAND_BRUSSELATOR:
        hand_brusselator_rhs(((const brusselator_grid *)m->data)->N, t, x, p, f);
        break;
    case HAND_MLP:
        hand_mlp_rhs(m->data, x, p, f, work);
        break;
    }
}

static void check_rhs(const value_case *vc)
{
    model *m = check_model_create(vc->name);
    const int nx = m->nx, np = m->np;
    char err[256];
    double *theta = malloc(sizeof(double) * (size_t)np), *x = malloc(sizeof(double) * (size_t)nx);
    double *f = malloc(sizeof(double) * (size_t)nx), *g = malloc(sizeof(double) * (size_t)nx);
    double *work = malloc(sizeof(double) * 2 * (size_t)(nx + 4096));
    spline_basis input;
    CHECK(spline_basis_init(&input, JAKSTAT_NSPLINE, jakstat_spline_times, err, sizeof err) == 0,
          "%s", err);
    model_nominal(m, theta);
    neural_rng rng = {31};
    double worst = 0.0;
    for (int trial = 0; trial < 3; trial++) {
        /* the nominal θ, then two seeded points near it */
        if (trial > 0)
            for (int j = 0; j < np; j++)
                theta[j] += 0.1 * (2.0 * neural_rng_uniform(&rng) - 1.0);
        model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
        CHECK(ctx != NULL, "%s: %s", vc->name, err);
        if (!ctx)
            continue;
        const double *p = model_ctx_natural(ctx);
        for (int k = 0; k < m->ncond; k++) {
            model_ctx_condition(ctx, k);
            model_x0(ctx, x);
            for (int i = 0; i < nx; i++)
                x[i] += (0.05 + fabs(x[i])) * neural_rng_uniform(&rng);
            for (int q = 0; q < 4; q++) {
                model_rhs(ctx, vc->times[q], x, f);
                hand_rhs(vc, m, p, m->cond[k].constants, vc->times[q], x, g, &input, work);
                const double d = check_rel_diff_vec(f, g, nx);
                worst = fmax(worst, d);
                CHECK(d < 1e-13, "%s (condition %d, t = %g): graph and hand-written rhs "
                      "differ by %.3g", vc->name, k, vc->times[q], d);
            }
        }
        model_ctx_free(ctx);
    }
    printf("%-16s rhs: graph vs hand-written, worst relative difference %.2g\n", vc->name, worst);
    spline_basis_free(&input);
    free(theta);
    free(x);
    free(f);
    free(g);
    free(work);
    model_destroy(m);
}

/* Initial state, data and loss of the Brusselator by their definitions (docs/models.md §5). */
static void check_brusselator_definition(int N)
{
    char name[32], err[256];
    snprintf(name, sizeof name, "brusselator-%d", N);
    model *m = check_model_create(name);
    const int n2 = N * N;
    CHECK(m->nx == 2 * n2 && m->np == 4 * n2 && m->ny == 2 * n2, "%s sizes", name);
    CHECK(m->loss == LOSS_SUM_OF_SQUARES && m->sse_weight == 0.5 && m->stiff &&
              m->atol == 1e-5 && m->rtol == 1e-7,
          "%s loss and tolerances", name);
    CHECK(m->cond[0].ntimes == 11, "%s observation times", name);
    for (int k = 0; k < 11; k++)
        CHECK(fabs(m->cond[0].times[k] - 0.1 * k) < 1e-15, "%s time %d", name, k);
    double *theta = malloc(sizeof(double) * (size_t)m->np), *x0 = malloc(sizeof(double) * 2 * n2);
    model_nominal(m, theta);
    for (int j = 0; j < m->np; j++) {
        const double want = j < n2 ? 3.4 : j < 2 * n2 ? 1.0 : 10.0;
        CHECK(theta[j] == want && m->params[j].scale == SCALE_LIN, "%s nominal %s", name,
              m->params[j].name);
    }
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    model_x0(ctx, x0);
    const double dx = 1.0 / (N - 1);
    double loss = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            const double xi = i * dx, yj = j * dx;
            const double u0 = 22.0 * pow(yj * (1.0 - yj), 1.5);
            const double v0 = 27.0 * pow(xi * (1.0 - xi), 1.5);
            CHECK(check_rel_diff(x0[i * N + j], u0) < 1e-15 &&
                      check_rel_diff(x0[n2 + i * N + j], v0) < 1e-15,
                  "%s x0 at (%d, %d)", name, i, j);
            loss += 0.5 * ((1.0 - u0) * (1.0 - u0) + (1.0 - v0) * (1.0 - v0));
        }
    CHECK(check_rel_diff(model_loss_term(ctx, 0, x0), loss) < 1e-14, "%s loss term at t = 0", name);
    model_ctx_free(ctx);
    free(theta);
    free(x0);
    model_destroy(m);
}

/* neural-freefall: 82 parameters in the 2-16-2 layout, Glorot-bounded seeded weights,
 * biases bounded by 1/√fan_in (not all zero: that start is a fixed point), the report's data
 * and loss. */
static void check_neural_freefall(void)
{
    char err[256];
    model *m = check_model_create("neural-freefall");
    const neural_net *net = m->data;
    CHECK(m->nx == 2 && m->np == 82 && m->ny == 1 && net->D == 2 && net->H == 16 && net->L == 1,
          "neural-freefall shape");
    CHECK(neural_weight_offset(net, 1) == 0 && neural_bias_offset(net, 1) == 32 &&
              neural_weight_offset(net, 2) == 48 && neural_bias_offset(net, 2) == 80,
          "parameter layout");
    const double a = sqrt(6.0 / 18.0);
    double f0[2];
    for (int j = 0; j < m->np; j++) {
        const int bias = (j >= 32 && j < 48) || j >= 80;
        const double bound = j >= 80 ? 1.0 / sqrt(16.0) : 1.0 / sqrt(2.0);   /* 1/√fan_in */
        const double v = m->params[j].nominal;
        CHECK(bias ? (fabs(v) <= bound && v != 0.0) : (fabs(v) <= a && v != 0.0),
              "initial %s = %g", m->params[j].name, v);
    }
    {   /* the start is not a fixed point: f(x(0)) ≠ 0 */
        double theta[82], x0[2];
        model_nominal(m, theta);
        model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
        model_x0(ctx, x0);
        model_rhs(ctx, 0.0, x0, f0);
        CHECK(f0[0] != 0.0 || f0[1] != 0.0, "f(x0) = 0 at the nominal theta");
        model_ctx_free(ctx);
    }
    CHECK(strcmp(m->params[33].name, "b1_1") == 0 && strcmp(m->params[49].name, "W2_0_1") == 0,
          "parameter names");
    const model_condition *c = &m->cond[0];
    CHECK(c->ntimes == 100 && c->times[0] == 0.0 && c->times[99] == 5.0, "100 times on [0, 5]");
    for (int i = 0; i < c->ntimes; i++)
        CHECK(c->values[i] == freefall_position_at(c->times[i], 9.8, 0.5, 0.0, 0.0),
              "data at t = %g", c->times[i]);
    double theta[82], x[2] = {3.0, -1.0};
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    const double r = 3.0 - c->values[7];
    CHECK(check_rel_diff(model_loss_term(ctx, 7, x), r * r) < 1e-15, "loss term (y - d)^2");
    model_ctx_free(ctx);
    /* two instances are identical (seeded), and the MLP family's data follow the spiral:
     * each pair's radius decays like exp(−0.1 t) */
    model *again = check_model_create("neural-freefall");
    for (int j = 0; j < m->np; j++)
        CHECK(again->params[j].nominal == m->params[j].nominal, "seeded initialisation");
    model_destroy(again);
    model_destroy(m);
    model *s = check_model_create("mlp-5-8");
    const neural_net *sn = s->data;
    for (int k = 0; k < s->cond[0].ntimes; k++)
        for (int i = 0; i < 5; i++) {
            const double *d = s->cond[0].values + k * 5;
            const double t = s->cond[0].times[k], decay = exp(-0.1 * t);
            const double want = i < 4 ? hypot(sn->x0[i & ~1], sn->x0[i | 1]) * decay
                                      : fabs(sn->x0[4]) * decay;
            const double got = i < 4 ? hypot(d[i & ~1], d[i | 1]) : fabs(d[4]);
            CHECK(check_rel_diff(got, want) < 1e-14, "spiral radius at t = %g", t);
        }
    model_destroy(s);
}

static void check_names(void)
{
    const char *bad[] = {"brusselator-1", "brusselator-", "brusselator-x", "brusselator-3x",
                         "brusselator--3", "brusselator- 3", "brusselator-99999", "mlp-3",
                         "mlp-0-4", "mlp-3-4-", "mlp-3-4-5-6", "mlp-a-b", "mlp-3-4-0",
                         "mlp-100000-100000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[512] = "";
        model *m = model_create(bad[i], err, sizeof err);
        CHECK(m == NULL && err[0] && strchr(err, '\n') == NULL, "%s accepted or no message",
              bad[i]);
        model_destroy(m);
    }
    const char *good[] = {"brusselator-2", "mlp-1-1", "mlp-3-4-3"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char err[512] = "";
        model *m = model_create(good[i], err, sizeof err);
        CHECK(m != NULL, "%s rejected: %s", good[i], err);
        model_destroy(m);
    }
}

/* The models read their tables from $ODEGRAD_DATA when set: a missing or malformed table
 * stops model_create with a message naming the file (and the line). */
static void check_data_errors(void)
{
    char dir[] = "/tmp/odegrad_data_XXXXXX", path[128], err[512];
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return;
    }
    setenv("ODEGRAD_DATA", dir, 1);
    CHECK(model_create("jakstat", err, sizeof err) == NULL && strstr(err, dir) &&
              strstr(err, "jakstat_swameye2003.tsv"),
          "missing jakstat table: %s", err);
    snprintf(path, sizeof path, "%s/rafmekerk_fiedler2016.tsv", dir);
    FILE *f = fopen(path, "w");
    if (f) {   /* the right header, then a row whose time goes backwards */
        fputs("condition\tSorafenib\tUO126\ttime_h\tpMek_20140430_gel1\tpErk_20140430_gel1\t"
              "pMek_20140430_gel2\tpErk_20140430_gel2\tpMek_20140505_gel1\tpErk_20140505_gel1\t"
              "pMek_20140505_gel2\tpErk_20140505_gel2\n"
              "control\t0\t0\t1\t1\t1\t1\t1\t1\t1\t1\t1\n"
              "control\t0\t0\t0.5\t1\t1\t1\t1\t1\t1\t1\t1\n", f);
        fclose(f);
    }
    CHECK(model_create("rafmekerk", err, sizeof err) == NULL && strstr(err, path) &&
              strstr(err, ":3:") && strstr(err, "sort"),
          "unsorted rafmekerk table: %s", err);
    f = fopen(path, "w");
    if (f) {   /* a constant that changes within a condition */
        fputs("condition\tSorafenib\tUO126\ttime_h\tpMek_20140430_gel1\tpErk_20140430_gel1\t"
              "pMek_20140430_gel2\tpErk_20140430_gel2\tpMek_20140505_gel1\tpErk_20140505_gel1\t"
              "pMek_20140505_gel2\tpErk_20140505_gel2\n"
              "control\t0\t0\t0\t1\t1\t1\t1\t1\t1\t1\t1\n"
              "control\t5\t0\t1\t1\t1\t1\t1\t1\t1\t1\t1\n", f);
        fclose(f);
    }
    CHECK(model_create("rafmekerk", err, sizeof err) == NULL && strstr(err, "Sorafenib") &&
              strstr(err, "changes within condition 'control'"),
          "varying constant: %s", err);
    unsetenv("ODEGRAD_DATA");
    remove(path);
    rmdir(dir);
}

int main(void)
{
    const value_case cases[] = {
        {"jakstat", HAND_JAKSTAT, {-3.0, 2.5, 17.0, 75.0}},   /* both spline extrapolations */
        {"rafmekerk", HAND_RAF, {0.0, 0.01, 0.3, 7.0}},
        {"brusselator-2", HAND_BRUSSELATOR, {0.0, 0.5, 1.1, 1.5}},
        {"brusselator-10", HAND_BRUSSELATOR, {0.0, 0.5, 1.1, 1.5}},   /* forcing on at 1.1 */
        {"neural-freefall", HAND_MLP, {0.0, 1.0, 2.0, 5.0}},
        {"mlp-3-5-3", HAND_MLP, {0.0, 0.5, 1.0, 2.0}},
        {"mlp-32-256", HAND_MLP, {0.0, 0.5, 1.0, 2.0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_rhs(&cases[i]);
    /* the forcing disc holds grid points at N = 10, so the check above saw F = 5 */
    CHECK(brusselator_forcing(3.0 / 9, 5.0 / 9, 1.1) == 5.0 &&
              brusselator_forcing(3.0 / 9, 5.0 / 9, 1.0) == 0.0 &&
              brusselator_forcing(0.0, 0.0, 2.0) == 0.0,
          "forcing");
    check_brusselator_definition(2);
    check_brusselator_definition(5);
    check_neural_freefall();
    check_names();
    check_data_errors();
    return check_finish("model values");
}
