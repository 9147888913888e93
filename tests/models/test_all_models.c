/* test_all_models — for every model of docs/models.md at its nominal θ:
 *   - the loss from CVODES (BDF) at rtol 1e-12 agrees with our adaptive solves at the same
 *     tolerances: Runge–Kutta (Dormand–Prince 5(4), dense output) and Rosenbrock (ROS34PW2,
 *     the stiff one);
 *   - the `forward` (CVODES sensitivities) and `fd` (central differences of CVODES solves)
 *     gradients agree.
 * The neural ODE is also checked at a perturbed θ (see the case table). */
#include "modeltest.h"
#include "neural.h"
#include "registry.h"

typedef struct {
    const char *name;
    double atol;          /* absolute tolerance for the tight solves (states' scale) */
    double loss_tol;      /* relative agreement of the losses */
    double ros_rtol;      /* tolerance of the Rosenbrock solve (order 3: costly at 1e-12) */
    double grad_rtol;     /* tolerance of the gradient solves; 0: no gradient check */
    double grad_tol;      /* max-norm relative agreement of forward and fd */
    double perturb;       /* > 0: evaluate at nominal θ + perturb·U(−1, 1) (seeded) as well */
    const char *fd_step;  /* fd's relative step option ("step=…"), NULL: fd's default */
} model_case;

/* forward vs fd: the max-norm relative difference of the two gradients (NaN on failure) */
static double check_gradients(const model_case *mc, const model *m, const double *theta,
                              double loss)
{
    method_result fw, fd;
    const char *fd_opts[] = {"scheme=central", mc->fd_step, NULL};
    method_status s1 = mt_gradient("forward", m, theta, mc->grad_rtol, mc->atol, NULL, &fw);
    method_status s2 = mt_gradient("fd", m, theta, mc->grad_rtol, mc->atol, fd_opts, &fd);
    CHECK(s1 == METHOD_OK, "%s: forward: %s", mc->name, fw.error);
    CHECK(s2 == METHOD_OK, "%s: fd: %s", mc->name, fd.error);
    double gdiff = NAN;
    if (s1 == METHOD_OK && s2 == METHOD_OK) {
        gdiff = check_rel_diff_vec(fw.gradient, fd.gradient, m->np);
        CHECK(gdiff <= mc->grad_tol, "%s: forward and fd gradients differ by %.3g",
              mc->name, gdiff);
        CHECK(check_rel_diff(fw.loss, loss) < 1e-8, "%s: forward's loss %.15g", mc->name, fw.loss);
    }
    method_result_free(&fw);
    method_result_free(&fd);
    return gdiff;
}

static void check_at(const model_case *mc, const model *m, const double *theta)
{
    double bdf = NAN, rk = NAN, ros = NAN;
    CHECK(mt_loss_cvodes(m, theta, CV_FAMILY_BDF, 1e-12, mc->atol, &bdf) == 0, "%s: bdf",
          mc->name);
    CHECK(mt_loss_ours(m, theta, MT_DOPRI5, 1e-12, mc->atol, &rk) == 0, "%s: dopri5", mc->name);
    CHECK(mt_loss_ours(m, theta, MT_ROS34PW2, mc->ros_rtol, mc->atol, &ros) == 0, "%s: ros34pw2",
          mc->name);
    CHECK(isfinite(bdf) && check_rel_diff(bdf, rk) <= mc->loss_tol,
          "%s: loss %.15g (CVODES BDF) vs %.15g (dopri5)", mc->name, bdf, rk);
    CHECK(isfinite(bdf) && check_rel_diff(bdf, ros) <= mc->loss_tol,
          "%s: loss %.15g (CVODES BDF) vs %.15g (ros34pw2)", mc->name, bdf, ros);
    const double gdiff = mc->grad_rtol > 0.0 ? check_gradients(mc, m, theta, bdf) : NAN;
    printf("%-16s np %4d  loss %.13g (bdf), rel. to it: dopri5 %.1e, ros34pw2 %.1e; "
           "forward vs fd %.1e\n", mc->name, m->np, bdf, check_rel_diff(bdf, rk),
           check_rel_diff(bdf, ros), gdiff);
}

static void check_model(const model_case *mc)
{
    model *m = check_model_create(mc->name);
    double *theta = malloc(sizeof(double) * (size_t)m->np);
    model_nominal(m, theta);
    check_at(mc, m, theta);
    if (mc->perturb > 0.0) {
        neural_rng rng = {99};
        for (int j = 0; j < m->np; j++)
            theta[j] += mc->perturb * (2.0 * neural_rng_uniform(&rng) - 1.0);
        check_at(mc, m, theta);
    }
    free(theta);
    model_destroy(m);
}

int main(void)
{
    const model_case cases[] = {
        {"jakstat", 1e-14, 1e-9, 1e-12, 1e-12, 1e-6, 0.0, NULL},
        {"rafmekerk", 1e-14, 1e-9, 1e-12, 1e-10, 1e-6, 0.0, NULL},
        /* checked at a perturbed point as well; the network's curvature makes fd's default
         * step (rtol^(1/3)) truncate at ~2e-6, so fd takes a smaller one */
        {"neural-freefall", 1e-12, 1e-9, 1e-12, 1e-10, 1e-6, 0.1, "step=1e-4"},
        {"mlp-4-8-2", 1e-12, 1e-9, 1e-12, 1e-10, 1e-6, 0.0, NULL},
        {"brusselator-3", 1e-12, 1e-9, 1e-12, 1e-10, 1e-6, 0.0, NULL},
        /* the benchmark size: losses only (Rosenbrock at 1e-8 — 24 s at 1e-12) */
        {"brusselator-10", 1e-12, 1e-7, 1e-8, 0.0, 0.0, 0.0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_model(&cases[i]);
    return check_finish("all models");
}
