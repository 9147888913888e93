/* petab_agree — the derivatives of one imported model of the collection against each other
 * (one CTest test per problem file of models/petab/collection, label petab-agree; the
 * argument is the problem's .yaml).
 *
 * At θ moved away from the nominal values (θ_j + 0.2 sin(1 + j), kept within the bounds, so
 * that the gradient is not the small one of a fit point):
 *   1. forward and adjoint at rtol 1e-11, atol 1e-12 give the same loss (to 1e-8) and
 *      gradient (to 1e-7 in the max norm, relative to the largest entry);
 *   2. central fd (at rtol 1e-10) agrees with forward to its own reported error estimate:
 *      |fd_i − forward_i| ≤ 4·est_i + 1e-9·max_j |forward_j| for every i;
 *   3. with np ≤ 30, soforward and soadjoint Hessians at rtol 1e-10 agree to 1e-5 (max norm,
 *      relative to the largest entry), at the same θ.
 * Prints each measured difference. */
#include "check.h"

#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: petab_agree PROBLEM.yaml\n");
        return 2;
    }
    char spec[2048];
    snprintf(spec, sizeof spec, "petab:%s", argv[1]);
    const char *name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
    model *m = check_model_create(spec);
    const int np = m->np;
    double *theta = malloc(sizeof(double) * (size_t)np);
    model_nominal(m, theta);
    for (int j = 0; j < np; j++) {
        const double moved = theta[j] + 0.2 * sin(1.0 + j);
        theta[j] = fmin(fmax(moved, m->params[j].lower), m->params[j].upper);
    }
    printf("%s: nx %d np %d data %d\n", name, m->nx, np, model_count_data(m));

    const method_options tight = check_options(1e-11, 1e-12);
    method_result f, a, d;
    double t0 = seconds();
    const method_status sf = check_run("forward", m, theta, &tight, NULL, &f);
    const double tf = seconds() - t0;
    t0 = seconds();
    const method_status sa = check_run("adjoint", m, theta, &tight, NULL, &a);
    const double ta = seconds() - t0;
    CHECK(sf == METHOD_OK && sa == METHOD_OK, "%s: forward: %s / adjoint: %s", name,
          sf == METHOD_OK ? "ok" : f.error, sa == METHOD_OK ? "ok" : a.error);
    if (sf == METHOD_OK && sa == METHOD_OK) {
        const double fa = check_rel_diff_vec(f.gradient, a.gradient, np);
        const double dl = check_rel_diff(f.loss, a.loss);
        CHECK(fa < 1e-7, "%s: forward and adjoint gradients differ by %.3g", name, fa);
        CHECK(dl < 1e-8, "%s: forward and adjoint losses differ by %.3g", name, dl);
        printf("%s: forward vs adjoint gradient %.2g, loss %.2g (%.2f s, %.2f s)\n", name, fa,
               dl, tf, ta);
    }
    if (sf == METHOD_OK) {
        method_options o = check_options(1e-10, 1e-12);
        t0 = seconds();
        const method_status sd = check_run("fd", m, theta, &o, NULL, &d);
        const double td = seconds() - t0;
        CHECK(sd == METHOD_OK && d.gradient_error, "%s: fd: %s", name, d.error);
        if (sd == METHOD_OK && d.gradient_error) {
            double gmax = 0.0, worst = 0.0, worst_est = 0.0;
            int bad = -1;
            for (int i = 0; i < np; i++)
                gmax = fmax(gmax, fabs(f.gradient[i]));
            for (int i = 0; i < np; i++) {
                const double diff = fabs(d.gradient[i] - f.gradient[i]);
                const double allowed = 4.0 * d.gradient_error[i] + 1e-9 * gmax;
                if (diff > allowed && bad < 0)
                    bad = i;
                if (diff / allowed > worst / fmax(worst_est, 1e-300) || i == 0) {
                    worst = diff;
                    worst_est = allowed;
                }
            }
            CHECK(bad < 0, "%s: fd's entry %d (%s) differs from forward's by %.3g, more than "
                  "4x its error estimate %.3g", name, bad, bad >= 0 ? m->params[bad].name : "",
                  bad >= 0 ? fabs(d.gradient[bad] - f.gradient[bad]) : 0.0,
                  bad >= 0 ? d.gradient_error[bad] : 0.0);
            printf("%s: fd vs forward: worst entry %.2g against its allowance %.2g "
                   "(relative to the gradient %.2g; %.2f s)\n", name, worst, worst_est,
                   check_rel_diff_vec(d.gradient, f.gradient, np), td);
        }
        method_result_free(&d);
    }
    method_result_free(&f);
    method_result_free(&a);

    if (np <= 30) {
        method_options oh = check_options(1e-10, 1e-12);
        oh.want = WANT_HESSIAN;
        method_result hf, ha;
        t0 = seconds();
        const method_status hsf = check_run("soforward", m, theta, &oh, NULL, &hf);
        const double thf = seconds() - t0;
        t0 = seconds();
        const method_status hsa = check_run("soadjoint", m, theta, &oh, NULL, &ha);
        const double tha = seconds() - t0;
        CHECK(hsf == METHOD_OK && hsa == METHOD_OK, "%s: soforward: %s / soadjoint: %s", name,
              hsf == METHOD_OK ? "ok" : hf.error, hsa == METHOD_OK ? "ok" : ha.error);
        if (hsf == METHOD_OK && hsa == METHOD_OK) {
            const double e = check_rel_diff_vec(hf.hessian, ha.hessian, np * np);
            CHECK(e < 1e-5, "%s: soforward and soadjoint Hessians differ by %.3g", name, e);
            printf("%s: soforward vs soadjoint Hessian %.2g (%.2f s, %.2f s)\n", name, e, thf,
                   tha);
        }
        method_result_free(&hf);
        method_result_free(&ha);
    } else {
        printf("%s: np = %d > 30: no Hessian comparison\n", name, np);
    }
    free(theta);
    model_destroy(m);
    return check_finish("petab/agree");
}
