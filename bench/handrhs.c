/* handrhs — hand-written right-hand sides (see handrhs.h). */
#include "handrhs.h"

#include <gsl/gsl_cblas.h>
#include <math.h>

#include "brusselator.h"
#include "jakstat.h"
#include "rafmekerk.h"

void hand_jakstat_rhs(double t, const double *x, const double *p, const spline_basis *input,
                      double *f)
{
    double B[JAKSTAT_NSPLINE], S = 0.0;
    spline_basis_eval(input, t, 0, B);
    for (int k = 0; k < JAKSTAT_NSPLINE; k++)
        S += log(p[JAKSTAT_SP1 + k]) * B[k];
    const double u = exp(S);
    const double p1 = p[JAKSTAT_P1], p2 = p[JAKSTAT_P2], p3 = p[JAKSTAT_P3], p4 = p[JAKSTAT_P4];
    const double cyt = JAKSTAT_OMEGA_CYT, nuc = JAKSTAT_OMEGA_NUC;
    const double *n = x + JAKSTAT_NSTAT1;
    f[0] = nuc / cyt * p4 * n[4] - p1 * u * x[0];
    f[1] = p1 * u * x[0] - 2.0 * p2 * x[1] * x[1];
    f[2] = p2 * x[1] * x[1] - p3 * x[2];
    f[3] = cyt / nuc * p3 * x[2] - p4 * x[3];
    f[4] = 2.0 * p4 * x[3] - p4 * n[0];
    for (int i = 1; i < 5; i++)
        f[4 + i] = p4 * (n[i - 1] - n[i]);
}

void hand_rafmekerk_rhs(double t, const double *x, const double *p, const double *c,
                        double *f)
{
    const double ras = p[RAF_SUST_RAS_0] +
                       (1.0 - exp(-t / p[RAF_TS_SUST_RAS])) * exp(-t / p[RAF_TS_TRANS_RAS]);
    f[0] = p[RAF_KP_RAF] * (1.0 - x[0]) * ras / (1.0 + x[2] / p[RAF_K_PERK_INH]) -
           p[RAF_KDF_RAF] * x[0];
    f[1] = p[RAF_KP_PRAF_MEK] * x[0] / (1.0 + c[RAF_SORA] / p[RAF_K_SORA]) * (1.0 - x[1]) -
           p[RAF_KDP_PMEK] * x[1];
    f[2] = p[RAF_KP_PMEK_ERK] * x[1] / (1.0 + c[RAF_UO] / p[RAF_K_UO]) * (1.0 - x[2]) -
           p[RAF_KDP_PERK] * x[2];
}

void hand_brusselator_rhs(int N, double t, const double *x, const double *p, double *f)
{
    const int n2 = N * N;
    const double dx = 1.0 / (N - 1), scale = 1.0 / (dx * dx);
    const double *u = x, *v = x + n2, *A = p, *B = p + n2, *au = p + 2 * n2, *av = p + 3 * n2;
    for (int i = 0; i < N; i++) {
        const int im = i == 0 ? N - 1 : i - 1, ip = i == N - 1 ? 0 : i + 1;
        for (int j = 0; j < N; j++) {
            const int jm = j == 0 ? N - 1 : j - 1, jp = j == N - 1 ? 0 : j + 1;
            const int c = i * N + j;
            const double lu =
                u[im * N + j] + u[ip * N + j] + u[i * N + jp] + u[i * N + jm] - 4.0 * u[c];
            const double lv =
                v[im * N + j] + v[ip * N + j] + v[i * N + jp] + v[i * N + jm] - 4.0 * v[c];
            const double u2v = u[c] * u[c] * v[c];
            f[c] = au[c] * lu * scale + B[c] + u2v - (A[c] + 1.0) * u[c] +
                   brusselator_forcing(i * dx, j * dx, t);
            f[n2 + c] = av[c] * lv * scale + A[c] * u[c] - u2v;
        }
    }
}

void hand_mlp_rhs(const neural_net *net, const double *x, const double *p, double *f,
                  double *work)
{
    const double *in = x;
    double *buffers[2] = {work, work + net->H};
    for (int l = 1; l <= net->L + 1; l++) {
        const int rows = neural_layer_rows(net, l), cols = neural_layer_cols(net, l);
        double *out = l == net->L + 1 ? f : buffers[l % 2];
        const double *W = p + neural_weight_offset(net, l), *b = p + neural_bias_offset(net, l);
        for (int r = 0; r < rows; r++)
            out[r] = b[r];
        cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0, W, cols, in, 1, 1.0, out, 1);
        if (l <= net->L)
            for (int r = 0; r < rows; r++)
                out[r] = tanh(out[r]);
        in = out;
    }
}
