/* sundials_hessian — the problem of SUNDIALS's cvsHessian_ASA_FSA example (see the .c). */
#ifndef ODEGRAD_SUNDIALS_HESSIAN_H
#define ODEGRAD_SUNDIALS_HESSIAN_H

#include <stddef.h>
#include "model.h"

int sundials_hessian_create(model *m, const char *name, char *err, size_t errlen);

#endif
