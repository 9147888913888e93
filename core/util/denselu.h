/* denselu — LU factorisation with partial pivoting of a small dense matrix, and its solves,
 * in plain loops.
 *
 * Why not GSL's: gsl_linalg_LU_decomp calls the BLAS (dtrsm, dgemm), and the optimised BLAS
 * the build links picks CPU-specific kernels that sum in different orders — rafmekerk's
 * steady state, and with it every step count downstream, moved by 1.7 % between OpenBLAS's
 * AVX2 and AVX-512 kernels.  The matrices factorised here (a Jacobian block of nx × nx for a
 * Newton or Rosenbrock step) are small; the loops give the same bits on every machine.
 *
 * Storage: row-major, overwritten by the unit lower L (below the diagonal) and U; the row
 * interchanges as LAPACK's ipiv: at step k row k was swapped with row pivot[k] ≥ k. */
#ifndef ODEGRAD_DENSELU_H
#define ODEGRAD_DENSELU_H

#include <stddef.h>

/* Factorise a (n × n) in place.  Returns 0, or k + 1 when the pivot of column k is zero or
 * not finite (the factorisation is then unusable). */
int dense_lu_factor(int n, double *a, size_t *pivot);
/* b ← A⁻¹ b from the factors (A x = b) */
void dense_lu_solve(int n, const double *lu, const size_t *pivot, double *b);

#endif
