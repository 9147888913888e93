/* test_boxmap — the sine change of variables for bounds: θ(z) stays in the box for every z,
 * z(θ(z)) = z on [−π/2, π/2], the bounds are reached, and the chain-rule gradient, Hessian
 * and Jacobian in z agree with central differences of a test function through θ(z). */
#include <math.h>
#include <string.h>
#include "check.h"
#include "boxmap.h"

/* L(θ) = θ_1² θ_2 + sin θ_2 + θ_1, its gradient and Hessian */
static double fun(const double *t, double *g, double *H)
{
    if (g) {
        g[0] = 2 * t[0] * t[1] + 1;
        g[1] = t[0] * t[0] + cos(t[1]);
    }
    if (H) {
        H[0] = 2 * t[1];
        H[1] = H[2] = 2 * t[0];
        H[3] = -sin(t[1]);
    }
    return t[0] * t[0] * t[1] + sin(t[1]) + t[0];
}

int main(void)
{
    const double lower[2] = {-1.0, 2.0}, upper[2] = {3.0, 2.5};
    boxmap b;
    char err[200] = "";
    CHECK(boxmap_init(&b, 2, lower, upper, err, sizeof err) == 0, "%s", err);
    for (int k = -40; k <= 40; k++) {
        const double z[2] = {0.37 * k, -0.21 * k + 0.1};
        double t[2];
        boxmap_theta(&b, z, t, NULL, NULL);
        CHECK(t[0] >= lower[0] && t[0] <= upper[0] && t[1] >= lower[1] && t[1] <= upper[1],
              "theta(z) = (%g, %g) left the box at z = (%g, %g)", t[0], t[1], z[0], z[1]);
    }
    const double zb[2] = {M_PI / 2, -M_PI / 2};
    double tb[2], back[2];
    boxmap_theta(&b, zb, tb, NULL, NULL);
    CHECK(tb[0] == upper[0] && tb[1] == lower[1], "the bounds must be reached: (%.17g, %.17g)",
          tb[0], tb[1]);
    const double zi[2] = {0.3, -1.2};
    double ti[2];
    boxmap_theta(&b, zi, ti, NULL, NULL);
    CHECK(boxmap_z(&b, ti, back) == 0 && fabs(back[0] - zi[0]) <= 1e-14 &&
          fabs(back[1] - zi[1]) <= 1e-14, "z(theta(z)) = (%.17g, %.17g)", back[0], back[1]);
    const double outside[2] = {3.0000001, 2.1};
    CHECK(boxmap_z(&b, outside, back) != 0, "a theta outside the box must be refused");

    /* derivatives in z against central differences (h = 1e-5: error ~1e-10) */
    double t[2], gt[2], Ht[4], gz[2], Hz[4], Jz[4];
    boxmap_theta(&b, zi, t, NULL, NULL);
    fun(t, gt, Ht);
    boxmap_gradient(&b, zi, gt, gz);
    boxmap_hessian(&b, zi, gt, Ht, Hz);
    boxmap_jacobian(&b, zi, 2, Ht, Jz);   /* rows of ∇²L as a Jacobian of ∇_θ L */
    const double h = 1e-5;
    for (int i = 0; i < 2; i++) {
        double zp[2] = {zi[0], zi[1]}, zm[2] = {zi[0], zi[1]}, tp[2], tm[2], gp[2], gm[2], gzp[2], gzm[2];
        zp[i] += h;
        zm[i] -= h;
        boxmap_theta(&b, zp, tp, NULL, NULL);
        boxmap_theta(&b, zm, tm, NULL, NULL);
        const double d = (fun(tp, gp, NULL) - fun(tm, gm, NULL)) / (2 * h);
        CHECK(fabs(d - gz[i]) <= 1e-8 * (1 + fabs(d)), "gradient %d: %.12g vs difference %.12g", i,
              gz[i], d);
        boxmap_gradient(&b, zp, gp, gzp);
        boxmap_gradient(&b, zm, gm, gzm);
        for (int j = 0; j < 2; j++) {
            const double dH = (gzp[j] - gzm[j]) / (2 * h), dJ = (gp[j] - gm[j]) / (2 * h);
            CHECK(fabs(dH - Hz[j * 2 + i]) <= 1e-7 * (1 + fabs(dH)), "Hessian (%d,%d): %.12g vs %.12g",
                  j, i, Hz[j * 2 + i], dH);
            CHECK(fabs(dJ - Jz[j * 2 + i]) <= 1e-7 * (1 + fabs(dJ)), "Jacobian (%d,%d): %.12g vs %.12g",
                  j, i, Jz[j * 2 + i], dJ);
        }
    }
    boxmap_release(&b);
    const double bad_upper[2] = {3.0, INFINITY};
    CHECK(boxmap_init(&b, 2, lower, bad_upper, err, sizeof err) != 0 && strstr(err, "parameter 2"),
          "an infinite bound must be refused: %s", err);
    const double flat[2] = {3.0, 2.0};
    CHECK(boxmap_init(&b, 2, flat, upper, err, sizeof err) != 0 && strstr(err, "parameter 1"),
          "lower = upper must be refused: %s", err);
    return check_finish("test_boxmap");
}
