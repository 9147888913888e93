/* expr_blas — OpenBLAS on one thread (see expr_blas.h). */
#include "expr_blas.h"

#include <pthread.h>

/* OpenBLAS's own controls (its cblas.h would clash with gsl_cblas.h, which declares the
 * CBLAS functions the sweeps call) */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void set_one(void)
{
    openblas_set_num_threads(1);
}

void expr_blas_single_thread(void)
{
    pthread_once(&once, set_one);
}

int expr_blas_threads(void)
{
    return openblas_get_num_threads();
}

const char *expr_blas_name(void)
{
    return openblas_get_config();
}
