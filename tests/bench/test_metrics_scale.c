/* test_metrics_scale — the error metrics hold at any magnitude: relative errors of vectors
 * near 1e150 (whose squares overflow) and near 1e-200 (whose squares underflow to zero) are
 * the same as those of the same vectors scaled to 1, and agree with the worst entry. */
#include "check.h"
#include "metrics.h"

int main(void)
{
    const double ref[2] = { 3.0, 4.0 }, x[2] = { 3.0 + 3e-10, 4.0 - 4e-10 };
    const double unit = metrics_rel_error(x, ref, 2);   /* 1e-10 up to the rounding of x (~1e-6 of it) */
    CHECK(fabs(unit - 1e-10) < 1e-14, "rel error at scale 1: %g, expected 1e-10", unit);
    const double scales[] = { 1e150, 1e-200, 1e300, 1e-300 };
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        double xs[2], rs[2];
        for (int i = 0; i < 2; i++) {
            xs[i] = x[i] * scales[k];
            rs[i] = ref[i] * scales[k];
        }
        const double e = metrics_rel_error(xs, rs, 2), w = metrics_max_rel_error(xs, rs, 2);
        CHECK(isfinite(e) && fabs(e - unit) < 1e-4 * unit, "scale %g: rel error %g, expected %g",
              scales[k], e, unit);
        CHECK(isfinite(w) && fabs(w - 1e-10) < 1e-4 * 1e-10, "scale %g: worst entry %g", scales[k], w);
    }
    /* the case: θ = (1e150, 0.3)-sized gradient entries with errors ≤ 2.7e-10 */
    const double g[2] = { 1e150, 0.3 }, gx[2] = { 1e150 * (1 + 2.7e-10), 0.3 };
    const double e = metrics_rel_error(gx, g, 2);
    CHECK(isfinite(e) && e > 2e-10 && e < 3e-10, "1e150 gradient: rel error %g", e);
    /* a zero reference: the absolute error, and a NaN stays NaN */
    const double zero[2] = { 0, 0 }, small[2] = { 3e-300, 4e-300 }, bad[2] = { NAN, 1 };
    CHECK(fabs(metrics_rel_error(small, zero, 2) - 5e-300) < 1e-310, "zero reference");
    CHECK(isnan(metrics_rel_error(bad, ref, 2)), "NaN entry must give NaN");
    return check_finish("bench/test_metrics_scale");
}
