/* expr_blas — the optimised BLAS under the dense layers (expr_matvec), kept single-threaded.
 *
 * odegrad links OpenBLAS in place of GSL's reference CBLAS (which has no blocking or SIMD).
 * Every measurement runs it on one thread, so that backends stay comparable and timings do
 * not depend on what else the machine is doing: expr_blas_single_thread() is called before
 * the first evaluation (by expr_work_new) and may be called again at any time. */
#ifndef ODEGRAD_EXPR_BLAS_H
#define ODEGRAD_EXPR_BLAS_H

void expr_blas_single_thread(void);
int expr_blas_threads(void);        /* threads the BLAS uses now */
const char *expr_blas_name(void);   /* e.g. "OpenBLAS 0.3.21 ... Haswell MAX_THREADS=64" */

#endif
