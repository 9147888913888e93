/* soadjoint at the jakstat fit starts where it failed and soforward succeeded (the fit study,
 * results/fit-jakstat.csv: newton-tr at rtol 1e-8, atol 1e-10, 100 000 steps per integration;
 * the starts' θ copied below).  The failures were the first Hessian of each start:
 *   starts 2 and 10   the second-order backward pass took more than 100 000 steps between two
 *                     observation times (CV_TOO_MUCH_WORK) with the μ_j in its error test;
 *                     with λ alone (errcon=lambda, the default) they succeed, and agree with
 *                     soforward's Hessian at the same tolerance;
 *   starts 1, 3, 11   the forward pass with first-order sensitivities fails its error test
 *                     near t = 50 (CV_ERR_FAILURE / CV_CONV_FAILURE; `forward` fails there as
 *                     well at 3 and 11, and at 1 only with checkpoints every 100 steps);
 *   start 14          the first-order backward problem fails at t = 50 with h = 5.6e-23
 *                     (CV_ERR_FAILURE; `adjoint` fails there identically).
 * The last four still fail where soforward succeeds: they are kept here as what they are — a
 * one-line error naming the flag, never a number — so that a change in either direction shows.
 *
 * scheme=interp (soainterp.c: our integrators, the stiffness test handing jakstat to
 * Rosenbrock there) succeeds at 1 and 3 as well, agreeing with soforward.  At 11 and 14 the
 * loss is 2.4e85 and 2.3e52 (soforward's): states that grow without bound; the backward pass
 * fails between t = 60 and the observation at t = 50 (step size underflow, or too many steps:
 * which one moves with the last bits of the Rosenbrock factorisation), where the first-order
 * adjoints fail too (`interp` at both; CVODES's `adjoint` at both; `forward` also at 11). */
#include "hesstest.h"
#include "registry.h"

#include <string.h>

typedef struct {
    int start;
    const char *flag;   /* NULL: must succeed and agree with soforward */
    const char *interp_flag;   /* the same for scheme=interp */
    double theta[17];
} fit_start;

static const fit_start starts[] = {
    {2, NULL, NULL,
     {0.36767780762165803, -1.7982623814605176, 0.65201142765581643, -2.0865893879556099,
      -3.134623400680721, 1.3326770357787616, 1.7368123573251069, 1.2465315771289172,
      2.2280088579282165, -0.98553164693294093, 1.59439626801759, -1.6874092937447127,
      1.3151716936379678, 2.9602114188484849, 2.7080833060666922, -1.9358672413974998,
      1.093466455116868}},
    {10, NULL, NULL,
     {1.4109550383873284, 0.68889790208777413, -4.4937813369557258, 2.3514611408463679,
      2.7799648532643921, -1.9028940691612659, -0.21216170173138327, -3.682256211247295,
      -3.2730550378561016, 0.58048145156353748, 0.16749337427318167, -0.59044636283069796,
      0.47162753492593801, -2.4560735223814842, 0.12086443360894972, -4.0099389050155878,
      -4.1389313402585683}},
    {1, "CV_ERR_FAILURE", NULL,
     {-1.061475632712245, -1.2548358730855398, -2.5522038104943929, 1.9250676413532348,
      -4.9953323222696779, -2.628225106280297, -3.412932829745114, -4.1097162645310163,
      -1.5395517738535998, -4.2878604455385361, -2.4821953813545403, 2.3378946619108323,
      -3.7234958919696508, -0.72077710041776299, 1.6070375949144369, 1.6753652991727002,
      -1.1579587055370211}},
    {3, "CV_ERR_FAILURE", NULL,
     {-2.8746905948035417, -0.70574392362032068, -0.79008024679496902, 4.4639497674652375,
      2.3992436277680103, -0.32364123230799979, -2.4886724629439412, -3.1148044062778353,
      0.21587340077385342, 2.6370454263640575, 1.0667806370183825, -2.2239570053294297,
      -2.3644640255719422, 2.1457917733117942, 0.20658510578796285, -1.172202235460281,
      0.32768951682373881}},
    {11, "CV_CONV_FAILURE", "backward pass from t = ",
     {-3.9862344371154901, 5.4113447007257491, -4.0804279556497933, 5.0133260807488114,
      -3.6578758547082542, -1.0269618140533563, 1.1671706153079873, -4.2130894681438802,
      2.8127305785194041, -3.1815164514351637, -3.2526492584496736, 1.7621569247916344,
      -0.040233883447944763, 1.1528411002829673, -4.9259542789310213, -4.9099840185604986,
      -4.9199164018966259}},
    {14, "CV_ERR_FAILURE", "backward pass from t = ",
     {-3.2330780782736834, -2.4860459401854316, -3.7786549822427329, 5.3422911126050163,
      -1.6367452783510088, -1.6142753969877957, 2.6074589160270989, -2.8901419387198986,
      -0.3681019105017187, -1.1723947618855162, -1.4146949863061309, 2.7719871586188676,
      -1.7998391907662152, -2.9907325078733265, -3.9067429874092339, 1.3355117634870117,
      -2.3823959520086646}},
};

static method_status run(const char *backend, const model *m, const double *theta,
                         const char *const *kv, method_result *r)
{
    method_options o = check_options(1e-8, 1e-10);
    o.want = WANT_HESSIAN;
    o.max_steps = 100000;
    return check_run(backend, m, theta, &o, kv, r);
}

static const char *const cvodes_kv[] = {"scheme=cvodes", NULL};
static const char *const interp_kv[] = {"scheme=interp", NULL};

/* soadjoint at one start with one scheme: the expected one-line failure, or success and
 * agreement with soforward's Hessian */
static void check_start(const model *m, const fit_start *s, const char *const *kv,
                        const char *flag)
{
    const int np = m->np;
    method_result adj;
    const method_status sa = run("soadjoint", m, s->theta, kv, &adj);
    if (flag) {
        printf("start %2d %s: soadjoint fails (%s)\n", s->start, kv[0], adj.error);
        CHECK(sa == METHOD_ESOLVER && strstr(adj.error, flag) && !strchr(adj.error, '\n'),
              "start %d %s: expected a one-line %s failure, got status %d: %s", s->start,
              kv[0], flag, (int)sa, adj.error);
        method_result_free(&adj);
        return;
    }
    method_result fwd;
    const method_status sf = run("soforward", m, s->theta, NULL, &fwd);
    CHECK(sa == METHOD_OK, "start %d %s: soadjoint: %s", s->start, kv[0], adj.error);
    CHECK(sf == METHOD_OK, "start %d: soforward: %s", s->start, fwd.error);
    if (sa == METHOD_OK && sf == METHOD_OK) {
        const double scaled = cvtest_scaled_err(adj.hessian, fwd.hessian, np * np);
        const double grad = cvtest_scaled_err(adj.gradient, fwd.gradient, np);
        printf("start %2d %s: soadjoint %ld + %ld steps, soforward %ld; Hessians differ by "
               "%.2e of the scale, gradients by %.2e\n", s->start, kv[0], adj.steps_fwd,
               adj.steps_bwd, fwd.steps_fwd, scaled, grad);
        CHECK(scaled <= 1e-6, "start %d %s: Hessians differ by %.3e of the scale", s->start,
              kv[0], scaled);
        CHECK(grad <= 1e-6, "start %d %s: gradients differ by %.3e of the scale", s->start,
              kv[0], grad);
    }
    method_result_free(&adj);
    method_result_free(&fwd);
}

int main(void)
{
    model *m = check_model_create("jakstat");
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        check_start(m, &starts[k], cvodes_kv, starts[k].flag);
        check_start(m, &starts[k], interp_kv, starts[k].interp_flag);
    }
    model_destroy(m);
    return check_finish("methods/test_soadjoint_fit_starts");
}
