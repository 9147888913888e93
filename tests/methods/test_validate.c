/* test_validate — the one validator (methods/validate.c): tolerances in (0, 1); θ inside the
 * model's bounds (a few ulps of rounding allowed, as an optimiser reaching a bound makes),
 * outside only when allowed; solver names; and the overflow check, which must refuse
 * freefall at μ = −1e15 (the solution grows like e^(1e15 t)) and pass every model at its
 * nominal θ, stiff robertson and the oscillating brusselator included. */
#include <float.h>
#include "check.h"
#include "validate.h"

int main(void)
{
    char err[512];
    CHECK(validate_tolerance(0, "--rtol", err, sizeof err) == 0, "0 means the default");
    CHECK(validate_tolerance(1e-8, "--rtol", err, sizeof err) == 0, "1e-8");
    const double bad[] = { 1, 1e300, -1e-8, NAN, INFINITY, 1.7e308 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(validate_tolerance(bad[i], "--atol", err, sizeof err) != 0 &&
                  strstr(err, "--atol must lie strictly between 0 and 1"),
              "tolerance %g accepted (%s)", bad[i], err);
    }
    CHECK(validate_solver(NULL, err, sizeof err) == 0 && validate_solver("bdf", err, sizeof err) == 0 &&
              validate_solver("rk4", err, sizeof err) == 0 && validate_solver("auto", err, sizeof err) == 0,
          "known solvers");
    CHECK(validate_solver("bogus", err, sizeof err) != 0 && strstr(err, "unknown solver 'bogus'"), "bogus solver");

    model *ff = check_model_create("freefall");
    double th[2] = { 9.81, 0.3 };
    CHECK(validate_theta(ff, th, 0, err, sizeof err) == 0, "nominal: %s", err);
    th[1] = nextafter(nextafter(ff->params[1].upper, INFINITY), INFINITY);   /* 2 ulps past */
    CHECK(validate_theta(ff, th, 0, err, sizeof err) == 0 && validate_theta_in_bounds(ff, th),
          "rounding at a bound refused: %s", err);
    th[1] = -1e15;
    CHECK(validate_theta(ff, th, 0, err, sizeof err) != 0 && strstr(err, "--allow-outside-bounds"),
          "outside the bounds accepted");
    CHECK(validate_theta(ff, th, 1, err, sizeof err) == 0, "allowed outside: %s", err);
    CHECK(!validate_theta_in_bounds(ff, th), "outside reported inside");
    CHECK(validate_growth(ff, th, err, sizeof err) != 0 && strstr(err, "overflows at t ~ 7.1e-13"),
          "mu = -1e15 not refused: %s", err);
    th[1] = -1.0;   /* grows like e^t over [0, 5]: large but finite, a legitimate question */
    CHECK(validate_growth(ff, th, err, sizeof err) == 0, "mu = -1 refused: %s", err);
    th[0] = NAN;
    CHECK(validate_theta(ff, th, 1, err, sizeof err) != 0 && strstr(err, "finite"), "NaN accepted");
    model_destroy(ff);

    const char *names[] = { "freefall-x0", "oscillator", "jakstat", "rafmekerk", "neural-freefall",
                            "brusselator-4", "robertson", "robertson-asa", "sundials-hessian" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        model *m = check_model_create(names[i]);
        double *theta = malloc(sizeof(double) * (size_t)m->np);
        model_nominal(m, theta);
        CHECK(validate_theta(m, theta, 0, err, sizeof err) == 0, "%s nominal: %s", names[i], err);
        CHECK(validate_growth(m, theta, err, sizeof err) == 0, "%s nominal flagged: %s", names[i], err);
        free(theta);
        model_destroy(m);
    }
    return check_finish("methods/test_validate");
}
