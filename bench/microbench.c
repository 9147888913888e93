/* microbench — the model layer's right-hand side against hand-written C (see microbench.h).
 *
 * Each timing calls the function in batches whose size is calibrated to last at least
 * batch_seconds, and keeps the fastest batch (the least disturbed by other work on the
 * machine).  Every result feeds a checksum so the compiler cannot drop the calls. */
#include "microbench.h"

#include <dirent.h>
#include <gsl/gsl_cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr_kernel.h"
#include "model.h"
#include "spline.h"
#include "stats.h"
#include "brusselator.h"
#include "jakstat.h"
#include "neural.h"
#include "handrhs.h"
#include "registry.h"

typedef enum { MB_MODEL, MB_JVP, MB_VJP, MB_HAND, MB_DGEMV } mb_what;

/* Everything one case needs, at the nominal θ and a state near x0. */
typedef struct {
    const char *name;
    model *m;
    model_ctx *ctx;
    const double *p;      /* natural parameters */
    double t;
    double *x, *f, *w, *gx, *gth, *work, *u;
    spline_basis input;   /* jakstat's, for the hand-written version */
    double checksum;
} mb_case;

static void mb_call(mb_case *c, mb_what what)
{
    const model *m = c->m;
    switch (what) {
    case MB_MODEL:
        model_rhs(c->ctx, c->t, c->x, c->f);
        break;
    case MB_JVP:
        model_rhs_jvp(c->ctx, c->t, c->x, c->w, c->u, c->f);
        break;
    case MB_VJP:
        model_rhs_vjp(c->ctx, c->t, c->x, c->w, c->gx, c->gth);
        break;
    case MB_HAND:
        if (strcmp(c->name, "jakstat") == 0)
            hand_jakstat_rhs(c->t, c->x, c->p, &c->input, c->f);
        else if (strcmp(c->name, "rafmekerk") == 0)
            hand_rafmekerk_rhs(c->t, c->x, c->p, m->cond[0].constants, c->f);
        else if (strncmp(c->name, "brusselator-", 12) == 0)
            hand_brusselator_rhs(((const brusselator_grid *)m->data)->N, c->t, c->x, c->p, c->f);
        else
            hand_mlp_rhs(m->data, c->x, c->p, c->f, c->work);
        break;
    case MB_DGEMV: {   /* the two dense layers alone: W1 x and W2 h, no bias, no tanh */
        const neural_net *net = m->data;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, net->H, net->D, 1.0,
                    c->p + neural_weight_offset(net, 1), net->D, c->x, 1, 0.0, c->work, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, net->D, net->H, 1.0,
                    c->p + neural_weight_offset(net, 2), net->H, c->work, 1, 0.0, c->f, 1);
        break;
    }
    }
    c->checksum += what == MB_VJP ? c->gx[0] : c->f[0];
}

/* ns per call: the fastest of `batches` batches, each at least batch_seconds long. */
static double mb_time(mb_case *c, mb_what what, double batch_seconds, int batches)
{
    long reps = 1;
    for (;;) {   /* calibrate */
        const double start = stats_now();
        for (long r = 0; r < reps; r++)
            mb_call(c, what);
        if (stats_now() - start >= batch_seconds || reps > (1L << 40))
            break;
        reps *= 2;
    }
    double best = 1e300;
    for (int b = 0; b < batches; b++) {
        const double start = stats_now();
        for (long r = 0; r < reps; r++)
            mb_call(c, what);
        const double per_call = (stats_now() - start) / (double)reps;
        if (per_call < best)
            best = per_call;
    }
    return best * 1e9;
}

static void mb_case_free(mb_case *c)
{
    model_ctx_free(c->ctx);
    model_destroy(c->m);
    spline_basis_free(&c->input);
    free(c->x);
    free(c->f);
    free(c->w);
    free(c->gx);
    free(c->gth);
    free(c->work);
    free(c->u);
}

static int mb_case_init(mb_case *c, const char *name, double t, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->t = t;
    if (!(c->m = model_create(name, err, errlen)))
        return -1;
    const int nx = c->m->nx, np = c->m->np;
    double *theta = malloc(sizeof(double) * (size_t)np);
    if (theta)
        model_nominal(c->m, theta);
    c->ctx = theta ? model_ctx_new(c->m, theta, err, errlen) : NULL;
    free(theta);
    c->x = malloc(sizeof(double) * (size_t)nx);
    c->f = malloc(sizeof(double) * (size_t)nx);
    c->w = malloc(sizeof(double) * (size_t)nx);
    c->gx = malloc(sizeof(double) * (size_t)nx);
    c->gth = malloc(sizeof(double) * (size_t)np);
    c->u = calloc((size_t)np + 1, sizeof(double));
    c->work = malloc(sizeof(double) * (2 * (size_t)nx + 2 * 4096));
    if (!c->ctx || !c->x || !c->f || !c->w || !c->gx || !c->gth || !c->work || !c->u) {
        if (c->ctx)
            snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    c->p = model_ctx_natural(c->ctx);
    model_x0(c->ctx, c->x);
    for (int i = 0; i < nx; i++) {   /* a state off the initial one, away from zeros */
        c->x[i] = c->x[i] * 1.1 + 0.01 * (i % 7 + 1);
        c->w[i] = 1.0 / (1 + i % 5);
    }
    for (int j = 0; j < np; j++)
        c->u[j] = 1.0 / (1 + j % 3);
    if (spline_basis_init(&c->input, JAKSTAT_NSPLINE, jakstat_spline_times, err, errlen) != 0)
        return -1;
    return 0;
}

int microbench_run(double batch_seconds, int batches, microbench_row *rows, char *err,
                   size_t errlen)
{
    static const struct {
        const char *model;
        double t;
    } cases[] = {{"jakstat", 7.3}, {"rafmekerk", 0.3}, {"brusselator-10", 0.5},
                 {"neural-freefall", 1.0}, {"mlp-32-256", 0.5}};
    const int ncases = (int)(sizeof cases / sizeof *cases);
    double checksum = 0.0;
    memset(rows, 0, sizeof *rows * MICROBENCH_ROWS);
    for (int i = 0; i < ncases; i++) {
        mb_case c;
        if (mb_case_init(&c, cases[i].model, cases[i].t, err, errlen) != 0) {
            mb_case_free(&c);
            return -1;
        }
        snprintf(rows[i].name, sizeof rows[i].name, "%s", cases[i].model);
        /* each model-layer timing with both kinds, one after the other (paired) */
        model_select_kernels(c.m, 1);
        rows[i].model_ns = mb_time(&c, MB_MODEL, batch_seconds, batches);
        model_select_kernels(c.m, 0);
        rows[i].interp_ns = mb_time(&c, MB_MODEL, batch_seconds, batches);
        rows[i].baseline_ns = mb_time(&c, MB_HAND, batch_seconds, batches);
        model_select_kernels(c.m, 1);
        rows[i].jvp_ns = mb_time(&c, MB_JVP, batch_seconds, batches);
        model_select_kernels(c.m, 0);
        rows[i].jvp_interp_ns = mb_time(&c, MB_JVP, batch_seconds, batches);
        model_select_kernels(c.m, 1);
        rows[i].vjp_ns = mb_time(&c, MB_VJP, batch_seconds, batches);
        model_select_kernels(c.m, 0);
        rows[i].vjp_interp_ns = mb_time(&c, MB_VJP, batch_seconds, batches);
        model_select_kernels(c.m, 1);
        if (i == ncases - 1) {   /* the neural ODE against its two bare dgemv calls */
            const neural_net *net = c.m->data;
            snprintf(rows[i + 1].name, sizeof rows[i + 1].name, "%s vs 2 bare dgemv (%dx%d)",
                     cases[i].model, net->H, net->D);
            rows[i + 1].model_ns = rows[i].model_ns;
            rows[i + 1].interp_ns = rows[i].interp_ns;
            rows[i + 1].baseline_ns = mb_time(&c, MB_DGEMV, batch_seconds, batches);
        }
        checksum += c.checksum;
        mb_case_free(&c);
    }
    if (checksum != checksum) {   /* only to keep the results alive */
        snprintf(err, errlen, "a benchmarked function returned NaN");
        return -1;
    }
    return 0;
}

/* ---- compile times ---------------------------------------------------------------------------- */

static double mb_create_seconds(const char *name, long *compiles, int *nodes, char *err,
                                size_t errlen)
{
    expr_kernel_stats s0, s1;
    expr_kernels_stats(&s0);
    const double start = stats_now();
    model *m = model_create(name, err, errlen);
    const double seconds = stats_now() - start;
    expr_kernels_stats(&s1);
    if (!m)
        return -1.0;
    *compiles = s1.compiler_runs - s0.compiler_runs;
    *nodes = expr_prog_nodes(m->rhs_prog);
    model_destroy(m);
    return seconds;
}

int microbench_compile(microbench_compile_row *rows, char *err, size_t errlen)
{
    static const char *const names[MICROBENCH_COMPILE_ROWS] = {
        "jakstat", "rafmekerk", "brusselator-10", "brusselator-12", "brusselator-32",
        "mlp-32-256", "mlp-2-512"};
    /* an empty cache of our own for the cold creations; the user's settings restored after */
    char dir[] = "/tmp/odegrad-microbench-XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot create a temporary kernel cache");
        return -1;
    }
    const char *old_cache = getenv("ODEGRAD_KERNEL_CACHE"), *old_kind = getenv("ODEGRAD_KERNELS");
    char *saved_cache = old_cache ? strdup(old_cache) : NULL;
    char *saved_kind = old_kind ? strdup(old_kind) : NULL;
    setenv("ODEGRAD_KERNEL_CACHE", dir, 1);
    int rc = 0;
    for (int i = 0; i < MICROBENCH_COMPILE_ROWS && rc == 0; i++) {
        microbench_compile_row *r = &rows[i];
        long ignored;
        snprintf(r->name, sizeof r->name, "%s", names[i]);
        setenv("ODEGRAD_KERNELS", "interpreted", 1);
        r->interpreted_s = mb_create_seconds(names[i], &ignored, &r->nodes, err, errlen);
        setenv("ODEGRAD_KERNELS", "compiled", 1);
        r->cold_s = mb_create_seconds(names[i], &r->compiles_cold, &r->nodes, err, errlen);
        r->cached_s = mb_create_seconds(names[i], &r->compiles_cached, &r->nodes, err, errlen);
        if (r->interpreted_s < 0 || r->cold_s < 0 || r->cached_s < 0)
            rc = -1;
    }
    if (saved_cache)
        setenv("ODEGRAD_KERNEL_CACHE", saved_cache, 1);
    else
        unsetenv("ODEGRAD_KERNEL_CACHE");
    if (saved_kind)
        setenv("ODEGRAD_KERNELS", saved_kind, 1);
    else
        unsetenv("ODEGRAD_KERNELS");
    free(saved_cache);
    free(saved_kind);
    /* the temporary cache: its entries, then the folder */
    char path[600];
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    return rc;
}
