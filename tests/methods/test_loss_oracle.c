/* test_loss_oracle — the loss every backend reports, against a value computed independently
 * of it.  A backend's gradient can be exact for a loss it computed wrongly (skip an
 * observation in the tape's loss and its gradient still matches its own tangent), so each
 * backend's loss is held to:
 *   - freefall: the closed form (models/freefall.c);
 *   - jakstat (data with missing values, three observables, a σ per observable): CVODES
 *     forward at rtol 1e-12, itself confirmed here by odegrad's own dopri5 at rtol 1e-12 —
 *     two integrators that share nothing but the model.
 * Every backend runs at rtol 1e-8, atol 1e-10 (its defaults otherwise).  The bounds are about
 * 10x what each achieves; the achieved figures (printed by the test) are stated beside them. */
#include "check.h"

typedef struct {
    const char *backend;
    double freefall_tol;   /* bound on |loss - closed form| / loss */
    double jakstat_tol;    /* bound on |loss - reference| / loss */
} loss_bound;

/* Achieved (gcc -O2, the figure in each comment: freefall / jakstat); the bounds are ~10x.
 * backsolve is not run on jakstat: its reverse-time state is unstable there (NaN: not run). */
static const loss_bound bounds[] = {
    { "fd",         1.5e-6, 2.5e-8 },  /* 1.42e-7 / 2.42e-9 */
    { "forward",    2e-7,   4e-9 },    /* 1.59e-8 / 3.78e-10 */
    { "adjoint",    1.5e-6, 2e-8 },    /* 1.42e-7 / 1.77e-9 */
    { "backsolve",  4e-8,   NAN },     /* 3.47e-9 / - */
    { "tape",       4e-8,   1.1e-8 },  /* 3.47e-9 / 1.04e-9 */
    { "checkpoint", 4e-8,   1.1e-8 },  /* 3.47e-9 / 1.04e-9 */
    { "soadjoint",  2e-7,   4e-9 },    /* 1.59e-8 / 3.32e-10 */
    { "soforward",  6e-8,   4e-10 },   /* 5.72e-9 / 3.36e-11 */
    { "fdhess",     1.5e-6, 2e-8 },    /* 1.42e-7 / 1.77e-9 */
    { "fim",        2e-7,   4e-9 },    /* 1.59e-8 / 3.78e-10 */
    { "interp",     4e-8,   1.1e-8 },  /* 3.47e-9 / 1.04e-9 (the forward pass is the tape's) */
};

static const loss_bound *bound_of(const char *name)
{
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        if (strcmp(bounds[i].backend, name) == 0)
            return &bounds[i];
    return NULL;
}

static double loss_of(const char *backend, const model *m, const double *theta, double rtol,
                      double atol, const char *const *kv)
{
    const method_type *t = method_find(backend);
    method_options o = check_options(rtol, atol);
    o.want = t->caps & CAP_GRADIENT ? WANT_GRADIENT : WANT_HESSIAN;
    method_result r;
    method_status s = check_run(backend, m, theta, &o, kv, &r);
    CHECK(s == METHOD_OK, "%s on %s: %s", backend, m->name, r.error);
    const double loss = s == METHOD_OK ? r.loss : NAN;
    method_result_free(&r);
    return loss;
}

static void every_backend(const char *model_name, double reference, int jakstat)
{
    model *m = check_model_create(model_name);
    double theta[64];
    model_nominal(m, theta);
    for (int i = 0; method_types[i]; i++) {
        const char *name = method_types[i]->name;
        const loss_bound *b = bound_of(name);
        CHECK(b != NULL, "backend %s has no loss bound in test_loss_oracle: add one", name);
        if (!b || isnan(jakstat ? b->jakstat_tol : b->freefall_tol))
            continue;
        const double loss = loss_of(name, m, theta, 1e-8, 1e-10, NULL);
        const double d = check_rel_diff(loss, reference), tol = jakstat ? b->jakstat_tol : b->freefall_tol;
        printf("%-10s %-10s loss %.15g  rel. diff %.2e (bound %.0e)\n", model_name, name, loss, d, tol);
        CHECK(d <= tol, "%s on %s: loss %.15g differs from the independent %.15g by %.2e > %.0e",
              name, model_name, loss, reference, d, tol);
    }
    model_destroy(m);
}

int main(void)
{
    /* freefall: the closed form */
    model *ff = check_model_create("freefall");
    double theta[4], exact = NAN;
    model_nominal(ff, theta);
    CHECK(ff->exact && ff->exact(ff, theta, &exact, NULL, NULL) == 0, "freefall has no closed-form loss");
    model_destroy(ff);
    every_backend("freefall", exact, 0);

    /* jakstat: CVODES forward at rtol 1e-12, confirmed by the own dopri5 at rtol 1e-12 */
    model *js = check_model_create("jakstat");
    double th[64];
    model_nominal(js, th);
    const double cv = loss_of("forward", js, th, 1e-12, 1e-14, NULL);
    const char *own[] = { "solver=dopri5", NULL };
    const double rk = loss_of("tape", js, th, 1e-12, 1e-14, own);
    printf("jakstat reference loss: CVODES %.15g, dopri5 %.15g, rel. diff %.2e\n", cv, rk,
           check_rel_diff(cv, rk));
    CHECK(check_rel_diff(cv, rk) <= 1e-9, "the two jakstat references disagree: %.15g vs %.15g", cv, rk);
    model_destroy(js);
    every_backend("jakstat", cv, 1);
    return check_finish("methods/test_loss_oracle");
}
