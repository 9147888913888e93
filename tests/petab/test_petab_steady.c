/* test_petab_steady — steady-state data (PEtab measurements at time inf) on a toy with a
 * closed-form steady state (tests/petab/steady):
 *     A' = k1 u − k2 A,   B' = k3 A − k4 B,   A* = k1 u / k2,   B* = k3 A* / k4,
 * u = 2 from the condition, k4 = 0.5 fixed; θ = (log10 k1, ln k2, k3, scale, log10 σ).
 * Observables at the steady state: y_A = scale·A* (normal, σ; two replicates) and y_B = B*
 * (log10-transformed, normal, σ = 0.3).  The importer's loss must equal the hand-computed
 * likelihood, the forward and adjoint gradients (sensitivities of the steady state by
 * implicit differentiation) and fd the central differences of the hand formula, and the
 * soforward and soadjoint Hessians its second differences. */
#include "petab.h"
#include "check.h"

#define STEADY "petab:" ODEGRAD_SOURCE_DIR "/tests/petab/steady/steady.yaml"

static double normal_nll(double m, double y, double sigma)
{
    const double r = (m - y) / sigma;
    return 0.5 * log(2.0 * M_PI * sigma * sigma) + 0.5 * r * r;
}

static double hand_loss(const double *theta)
{
    const double k1 = pow(10.0, theta[0]), k2 = exp(theta[1]), k3 = theta[2];
    const double scale = theta[3], sigma = pow(10.0, theta[4]);
    const double A = k1 * 2.0 / k2, B = k3 * A / 0.5;
    double L = normal_nll(3.1, scale * A, sigma) + normal_nll(2.7, scale * A, sigma);
    /* log10 transformation: on log10 values, plus the Jacobian term log(m ln 10) */
    L += normal_nll(log10(1.2), log10(B), 0.3) + log(1.2 * log(10.0));
    return L;
}

int main(void)
{
    model *m = check_model_create(STEADY);
    CHECK(m->np == 5 && m->nx == 2 && m->ncond == 1 && m->initial == NULL,
          "sizes np %d nx %d ncond %d; x0 is a steady state", m->np, m->nx, m->ncond);
    CHECK(model_count_data(m) == 3, "3 data points, got %d", model_count_data(m));
    const double points[2][5] = {{log10(1.5), log(0.8), 0.6, 1.2, log10(0.4)},
                                 {log10(0.9), log(1.4), 1.3, 0.7, log10(0.25)}};
    const method_options o = check_options(1e-12, 1e-14);
    for (int q = 0; q < 2; q++) {
        const double *theta = points[q];
        double fd[5], H[25];
        for (int i = 0; i < 5; i++) {
            double tp[5], tm[5];
            memcpy(tp, theta, sizeof tp);
            memcpy(tm, theta, sizeof tm);
            tp[i] += 1e-5;
            tm[i] -= 1e-5;
            fd[i] = (hand_loss(tp) - hand_loss(tm)) / 2e-5;
            for (int j = 0; j < 5; j++) {
                double t[4][5];
                const double h = 1e-4;
                for (int k = 0; k < 4; k++)
                    memcpy(t[k], theta, sizeof t[k]);
                t[0][i] += h, t[0][j] += h;
                t[1][i] += h, t[1][j] -= h;
                t[2][i] -= h, t[2][j] += h;
                t[3][i] -= h, t[3][j] -= h;
                H[i * 5 + j] = (hand_loss(t[0]) - hand_loss(t[1]) - hand_loss(t[2]) +
                                hand_loss(t[3])) / (4.0 * h * h);
            }
        }
        static const char *const first[] = {"forward", "adjoint", "fd"};
        for (int b = 0; b < 3; b++) {
            method_result r;
            const method_status st = check_run(first[b], m, theta, &o, NULL, &r);
            CHECK(st == METHOD_OK, "point %d %s: %s", q, first[b], r.error);
            if (st == METHOD_OK) {
                CHECK(check_rel_diff(r.loss, hand_loss(theta)) < 1e-10, "point %d %s: loss "
                      "%.15g, by hand %.15g", q, first[b], r.loss, hand_loss(theta));
                const double e = check_rel_diff_vec(r.gradient, fd, 5);
                CHECK(e < (b == 2 ? 1e-5 : 1e-8), "point %d %s: gradient differs from the "
                      "hand formula's differences by %.3g", q, first[b], e);
                printf("point %d %-9s loss %.15g gradient vs hand %.2g\n", q, first[b], r.loss,
                       e);
            }
            method_result_free(&r);
        }
        method_options oh = o;
        oh.want = WANT_HESSIAN;
        static const char *const second[] = {"soforward", "soadjoint"};
        for (int b = 0; b < 2; b++) {
            method_result r;
            const method_status st = check_run(second[b], m, theta, &oh, NULL, &r);
            CHECK(st == METHOD_OK && r.hessian, "point %d %s: %s", q, second[b], r.error);
            if (st == METHOD_OK && r.hessian) {
                const double e = check_rel_diff_vec(r.hessian, H, 25);
                CHECK(e < 1e-6, "point %d %s: Hessian differs from the hand formula's "
                      "differences by %.3g", q, second[b], e);
                printf("point %d %-9s Hessian vs hand %.2g\n", q, second[b], e);
            }
            method_result_free(&r);
        }
    }
    model_destroy(m);
    return check_finish("petab/test_petab_steady");
}
